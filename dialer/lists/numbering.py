# ruff: noqa: RUF001, RUF002  (Russian text is intentional here)
"""The Russian numbering plan register: which operator and which federal subject a number belongs to.

Why: phonenumbers gives every +7 9xx mobile number the same sixteen candidate zones, so
a contact with only a mobile number is either never callable or callable at night. The
Ministry of Digital Development publishes the plan as open data (`ABC-3xx.csv`,
`ABC-4xx.csv`, `ABC-8xx.csv`, `DEF-9xx.csv`): UTF-8 with a BOM, `;`-separated, header
`АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН`. Older extracts lack the last
two or three columns; `Регион` is "-" on rows where `Территория ГАР` names the place.

Pure: `read_register` parses a file into `NumberingRange`s (row problems as `RowError`s,
nothing dropped silently) and `NumberingPlan` answers lookups. A lookup is a bisect
in the sorted range starts, so a million contacts are classified in seconds
(bench/numbering_bench.py, docs/lists.md).
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from dialer.lists.contacts import RowError
from dialer.lists.errors import ListFormatError
from dialer.lists.subjects import zones_for_region

#: The register's columns, as the normalised header names them.
_COLUMNS = {
    "code": ("авс def", "abc def", "авс", "abc", "def", "код"),
    "start": ("от",),
    "end": ("до",),
    "capacity": ("емкость",),
    "operator": ("оператор",),
    "region": ("регион",),
    "territory": ("территория гар", "территория"),
    "inn": ("инн",),
}
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_UNSET = ("", "-", "—", "–")


class NumberingRange(NamedTuple):
    """One row of the register: national numbers `start`..`end` (10 digits, code included)."""

    start: int
    end: int
    operator: str
    region: str  # the `Регион` cell, or `Территория ГАР` where `Регион` is "-"
    inn: str | None = None
    row_number: int = 0

    @property
    def code(self) -> int:
        return self.start // 10_000_000


class NumberInfo(NamedTuple):
    """What the plan says about a number. `assigned` False: in a code the plan covers, but in no range."""

    operator: str
    region: str
    zones: tuple[str, ...]
    assigned: bool = True


UNASSIGNED = NumberInfo("", "", (), assigned=False)


def _norm(text: str) -> str:
    return _NON_WORD.sub(" ", text.replace("\ufeff", "").casefold().replace("ё", "е")).strip()


def _header_columns(cells: list[str], name: str) -> dict[str, int]:
    norm = [_norm(c) for c in cells]
    found: dict[str, int] = {}
    for key, names in _COLUMNS.items():
        for i, cell in enumerate(norm):
            if cell in names and i not in found.values():
                found[key] = i
                break
    missing = [k for k in ("code", "start", "end", "operator") if k not in found]
    if missing:
        raise ListFormatError(
            f"{name}: not a numbering plan register: the header {cells} lacks {missing} "
            "(expected 'АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН')"
        )
    return found


def _int(text: str) -> int:
    t = text.strip().replace(" ", "").replace("\u00a0", "")
    if not (t.isascii() and t.isdigit()):
        raise ValueError(f"not a number: {text.strip()[:20]!r}")
    return int(t)


def read_register(path: str | Path) -> Iterator[NumberingRange | RowError]:
    """The file's ranges in file order; a bad row is a RowError (spreadsheet row numbers, header = 1).

    Raises ListFormatError before the first row when the file is not a register at all."""
    p = Path(path)
    if not p.is_file():
        raise ListFormatError(f"{p}: no such file")
    data = p.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251")  # a register re-saved by Excel
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = next(rows, None)
    if header is None:
        raise ListFormatError(f"{p.name}: the file is empty")
    cols = _header_columns(header, p.name)
    return _ranges(rows, cols)


def _ranges(rows: Iterable[list[str]], cols: dict[str, int]) -> Iterator[NumberingRange | RowError]:
    def cell(cells: list[str], key: str) -> str:
        i = cols.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, cells in enumerate(rows, start=2):
        if not "".join(cells).strip():
            continue
        try:
            code = _int(cell(cells, "code"))
            lo, hi = _int(cell(cells, "start")), _int(cell(cells, "end"))
        except ValueError as exc:
            yield RowError(n, "АВС/ DEF;От;До", str(exc), ";".join(cells)[:100])
            continue
        if not 300 <= code <= 999 or hi >= 10_000_000 or lo > hi:
            yield RowError(n, "АВС/ DEF;От;До", "not a range of 10-digit numbers", ";".join(cells[:3]))
            continue
        region = cell(cells, "region")
        if region in _UNSET:
            region = cell(cells, "territory")
        if region in _UNSET:
            region = ""
        inn = cell(cells, "inn") or None
        start = code * 10_000_000
        yield NumberingRange(start + lo, start + hi, cell(cells, "operator"), region, inn, n)


class NumberingPlan:
    """Ranges sorted by start, as parallel arrays; lookups by bisect. Immutable once built.

    Overlapping ranges (the register has none; a file loaded twice under two names might)
    resolve to the one starting last before the number that still contains it.
    """

    def __init__(self, ranges: Iterable[NumberingRange]) -> None:
        ordered = sorted(ranges)
        # plain lists, not arrays: bisect on a list compares the stored ints without boxing each
        # probe (2-3x faster lookups for ~40 bytes a range more)
        self._starts = [r.start for r in ordered]
        self._ends = [r.end for r in ordered]
        infos: dict[tuple[str, str], NumberInfo] = {}
        info_of: list[NumberInfo] = []
        for r in ordered:
            key = (r.operator, r.region)
            info = infos.get(key)
            if info is None:
                zones = zones_for_region(r.region) if r.region else ()
                info = infos[key] = NumberInfo(r.operator, r.region, zones)
            info_of.append(info)
        self._info_of = info_of
        self._codes = frozenset(r.start // 10_000_000 for r in ordered)
        # a range nested in a longer earlier one: remember the longest reach so far
        reach: list[int] = []
        best = -1
        for e in self._ends:
            best = max(best, e)
            reach.append(best)
        self._reach = reach

    def __len__(self) -> int:
        return len(self._starts)

    @property
    def codes(self) -> frozenset[int]:
        """The ABC/DEF codes the plan has ranges for (a number outside them is not judged)."""
        return self._codes

    def lookup(self, e164: str) -> NumberInfo | None:
        """The range's operator, region and zones; UNASSIGNED for a number in a covered code but in
        no range; None when the plan says nothing (not a +7 number, or a code it has no data for)."""
        if len(e164) != 12 or not e164.startswith("+7"):
            return None
        try:
            n = int(e164[2:])
        except ValueError:
            return None
        if n // 10_000_000 not in self._codes:
            return None
        i = bisect_right(self._starts, n) - 1
        if i >= 0 and self._ends[i] >= n:  # the usual case: the range just before the number
            return self._info_of[i]
        reach, ends = self._reach, self._ends
        while i >= 0 and reach[i] >= n:  # a longer range starting earlier may still contain it
            if ends[i] >= n:
                return self._info_of[i]
            i -= 1
        return UNASSIGNED
