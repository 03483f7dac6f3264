"""HTTP byte ranges (RFC 7233) for the QA player's audio element, which seeks with `Range`. Pure."""

from __future__ import annotations

import re


class RangeNotSatisfiable(ValueError):
    """A syntactically valid Range that selects no byte of the file: answer 416 with `bytes */<size>`."""

    def __init__(self, header: str, size: int) -> None:
        super().__init__(f"range {header!r} not satisfiable for a resource of {size} bytes")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


_RANGE_SPEC = re.compile(r"^([0-9]*)-([0-9]*)$")


def parse_range_header(header: str, size: int) -> tuple[int, int] | None:
    """RFC 7233 single byte range -> (first, last) INCLUSIVE, clamped to the resource.

    None means "ignore the header and answer 200 with the whole file": absent/garbled header, another unit,
    `last < first`, or several ranges (allowed by RFC 7233 section 3.1; multipart answers are not worth it
    for audio players, which ask for one range). Raises `RangeNotSatisfiable` (answer 416) when the range
    is valid but selects no byte: first >= size, a zero-length suffix, or any range on an empty file.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    if not header:
        return None
    unit, sep, spec_set = header.strip().partition("=")
    if not sep or unit.strip().lower() != "bytes" or unit != unit.strip():
        return None
    specs = [s.strip() for s in spec_set.split(",") if s.strip()]
    if len(specs) != 1:
        return None
    m = _RANGE_SPEC.match(specs[0])
    if m is None or (not m.group(1) and not m.group(2)):
        return None
    first_s, last_s = m.group(1), m.group(2)
    if not first_s:  # suffix range: the last N bytes
        suffix = int(last_s)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header, size)
        return max(0, size - suffix), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else None
    if last is not None and last < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(header, size)
    return first, size - 1 if last is None else min(last, size - 1)


def content_range(first: int, last: int, size: int) -> str:
    """The Content-Range value of a 206 answer for `parse_range_header`'s result."""
    return f"bytes {first}-{last}/{size}"
