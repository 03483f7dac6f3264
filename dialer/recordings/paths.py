"""Where a recording lives inside a store, and the check that keeps every path inside it. Pure."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

RECORDING_EXTENSIONS: frozenset[str] = frozenset({"ogg", "mp3", "wav"})
_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_FILE = re.compile(r"^[A-Za-z0-9_-]+\.[a-z0-9]{1,5}$")


def safe_path_part(name: str, fallback: str = "campaign") -> str:
    """A file-system-safe slug: ASCII letters, digits, '-', '_'; never '.', '..' or empty."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_").lower()[:80]
    return text or fallback


def recording_rel_path(campaign: str, started: datetime, attempt_id: int, ext: str) -> str:
    """The store-relative path of a recording; the only path parts that come from outside are sanitised."""
    if isinstance(attempt_id, bool) or not isinstance(attempt_id, int) or attempt_id < 0:
        raise ValueError(f"attempt id must be a non-negative int, got {attempt_id!r}")
    if ext not in RECORDING_EXTENSIONS:
        raise ValueError(f"unsupported recording extension {ext!r}")
    return f"{safe_path_part(campaign)}/{started:%Y}/{started:%m}/{started:%d}/{attempt_id}.{ext}"


def check_rel_path(rel_path: str) -> str:
    """Reject anything that is not `dir/dir/.../name.ext` made of safe characters (no '..', no absolute path).

    Stores call this on every path they get, so a path read back from the database or a URL cannot escape the
    store's root even if it was tampered with.
    """
    if not isinstance(rel_path, str) or not rel_path or "\\" in rel_path or "\x00" in rel_path:
        raise ValueError(f"unsafe recording path {rel_path!r}")
    parts = rel_path.split("/")
    if len(parts) < 2 or not _FILE.match(parts[-1]) or not all(_PART.match(p) for p in parts[:-1]):
        raise ValueError(f"unsafe recording path {rel_path!r}")
    return rel_path


def check_byte_range(start: int, end: int) -> None:
    """Stores take an INCLUSIVE byte range, like HTTP's `bytes=start-end`."""
    if start < 0 or end < start:
        raise ValueError(f"invalid byte range {start}-{end}")
