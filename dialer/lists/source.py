"""Raw tabular input: CSV/TSV and XLSX files as people export them from Excel.

This layer knows nothing about contacts. It detects the file kind, the text
encoding and the separator, and yields rows of strings with their Excel row
number (the header is row 1 when it is the first line). Everything is streamed:
memory does not grow with the file size.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from dialer.lists.errors import ListFormatError

FileKind = Literal["csv", "xlsx"]

#: Encodings we decide between, in this order. cp1251 is what Russian Excel writes for "CSV".
UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_CHUNK = 1 << 20
_SNIFF_CHARS = 64 * 1024
_SEPARATORS = (";", "\t", ",")
#: A cell longer than this is reported as a row error instead of being stored.
MAX_CELL_CHARS = 100_000


class RawRow(NamedTuple):
    """One record of the file: `number` is the spreadsheet row number (1-based, header included)."""

    number: int
    cells: tuple[str, ...]
    error: str | None = None  # set when the record could not be parsed at all


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What was detected about the file; shown in the import report."""

    kind: FileKind
    encoding: str | None  # None for XLSX
    separator: str | None  # None for XLSX
    sheet: str | None = None


class ReadPosition:
    """How far a row stream has got through its file, for progress bars.

    CSV: bytes read of the file (ahead of the rows handed out by the read buffer);
    XLSX: rows read of the sheet's declared dimension. Approximate by design.
    """

    __slots__ = ("_done", "total")

    def __init__(self) -> None:
        self._done: Callable[[], int] | None = None
        self.total = 0

    def track(self, done: Callable[[], int], total: int) -> None:
        self._done, self.total = done, total

    def fraction(self) -> float:
        if self._done is None or self.total <= 0:
            return 0.0
        try:
            return min(1.0, self._done() / self.total)
        except (ValueError, OSError):  # the file is closed: the stream is finished
            return 1.0


def detect_kind(path: Path) -> FileKind:
    """Look at the magic bytes, not only the extension: people rename files."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        raise ListFormatError(f"{path.name}: legacy Excel 97-2003 (.xls) is not supported; save it as .xlsx or CSV")
    if path.suffix.lower() in (".xlsx", ".xlsm") and head:
        raise ListFormatError(f"{path.name}: has an .xlsx extension but is not an XLSX (zip) file")
    return "csv"


def detect_encoding(path: Path) -> str:
    """Strict UTF-8 over the whole file first (a cheap streaming pass), then cp1251.

    cp1251 decodes almost any byte string, so it cannot be tried first; UTF-8 is
    self-validating, so a file that decodes as strict UTF-8 is UTF-8.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(UTF8_BOM):
            encoding = "utf-8-sig"
        elif head[:2] in _UTF16_BOMS:
            return "utf-16"
        else:
            encoding = "utf-8"
        fh.seek(0)
        decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")("strict")
        offset = 0
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk, final=False)
                offset += len(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            if encoding == "utf-8-sig":
                raise ListFormatError(
                    f"{path.name}: starts with a UTF-8 byte-order mark but is not valid UTF-8 (near byte {offset})"
                ) from None
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("cp1251")("strict")
        offset = 0
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk, final=False)
                offset += len(chunk)
        except UnicodeDecodeError as exc:
            raise ListFormatError(
                f"{path.name}: cannot decode the file as UTF-8 or Windows-1251 "
                f"(undecodable byte near offset {offset + exc.start}); save it as CSV UTF-8"
            ) from None
    return "cp1251"


def sniff_separator(sample: str) -> str:
    """Pick `;`, tab or `,`: the one giving the most columns consistently over the first lines.

    csv.Sniffer is easily fooled by commas inside Russian company names, so we score
    each candidate by how many sample lines have the same field count as the header.
    """
    lines = sample.splitlines()
    if len(sample) >= _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # probably cut in the middle
    lines = [ln for ln in lines if ln.strip()][:50]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for sep in _SEPARATORS:
        try:
            rows = list(csv.reader(lines, delimiter=sep))
        except csv.Error:
            continue
        # the most common width, not the first line's: a title line above the header ("Выгрузка
        # от 01.03", one cell) must not make every separator look like a one-column file
        widths = Counter(len(r) for r in rows)
        consistent, width = max((n, w) for w, n in widths.items())
        if width < 2:
            continue
        score = (consistent, width)
        if score > best_score:
            best, best_score = sep, score
    return best


def _cell_text(value: object) -> str:
    """Excel cell values as the user sees them: 79161234567.0 -> '79161234567'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _limit(cells: tuple[str, ...], number: int) -> RawRow:
    if not cells or max(map(len, cells)) <= MAX_CELL_CHARS:
        return RawRow(number, cells)
    for i, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            return RawRow(number, (), f"cell in column {i + 1} is {len(cell)} characters long (limit {MAX_CELL_CHARS})")
    return RawRow(number, cells)


def iter_csv(path: Path, encoding: str, separator: str, position: ReadPosition | None = None) -> Iterator[RawRow]:
    """Yield every record; a record the csv module rejects becomes a RawRow with an error."""
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as fh:
        if position is not None:
            position.track(raw.tell, path.stat().st_size)
        reader = csv.reader(fh, delimiter=separator)
        number = 0
        while True:
            # a plain for loop is much cheaper than next() per row; the csv reader carries on
            # with the next record after raising, so the loop is simply resumed after an error
            try:
                for row in reader:
                    number += 1
                    yield _limit(tuple(row), number)
                return
            except csv.Error as exc:
                number += 1
                yield RawRow(number, (), f"unreadable CSV record: {exc}")


def iter_records(path: Path, source: SourceInfo) -> Iterator[tuple[int, Sequence[str] | None]]:
    """(row number, cells) for every record, None for one `open_rows` yields as an error; the same
    numbering. A lighter pass than `open_rows` (no RawRow per row) for pre-scans of a column or two."""
    if source.kind == "xlsx":
        for raw in iter_xlsx(path, source.sheet):
            yield raw.number, (None if raw.error is not None else raw.cells)
        return
    assert source.encoding is not None and source.separator is not None
    with path.open("r", encoding=source.encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=source.separator)
        number = 0
        while True:
            try:  # as in iter_csv: resume after a record the csv module rejects
                for row in reader:
                    number += 1
                    yield number, (row if not row or max(map(len, row)) <= MAX_CELL_CHARS else None)
                return
            except csv.Error:
                number += 1
                yield number, None


def iter_xlsx(path: Path, sheet: str | None = None, position: ReadPosition | None = None) -> Iterator[RawRow]:
    """Read-only openpyxl: rows are streamed from the zip, formulas read as cached values."""
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ListFormatError(f"{path.name}: cannot open as an XLSX workbook: {exc}") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise ListFormatError(f"{path.name}: no sheet named {sheet!r}; sheets: {wb.sheetnames}")
            ws: Any = wb[sheet]
        else:
            ws = wb.worksheets[0]
        number = 0
        if position is not None:
            position.track(lambda: number, ws.max_row or 0)  # max_row: the sheet's declared dimension
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = tuple(_cell_text(v) for v in values)
            # read-only mode pads rows to the sheet width; trailing empties are noise
            end = len(cells)
            while end and not cells[end - 1]:
                end -= 1
            yield _limit(cells[:end], number)
    finally:
        wb.close()


def open_rows(
    path: str | Path, *, sheet: str | None = None, position: ReadPosition | None = None
) -> tuple[SourceInfo, Iterator[RawRow]]:
    """Detect kind/encoding/separator and return a lazy row iterator (`position` follows it).

    Raises ListFormatError for a missing, empty or undecodable file before any row is read.
    """
    p = Path(path)
    if not p.is_file():
        raise ListFormatError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise ListFormatError(f"{p.name}: the file is empty")
    kind = detect_kind(p)
    if kind == "xlsx":
        return SourceInfo("xlsx", None, None, sheet), iter_xlsx(p, sheet, position)
    encoding = detect_encoding(p)
    with p.open("r", encoding=encoding, newline="") as fh:
        sample = fh.read(_SNIFF_CHARS)
    if "\x00" in sample:
        raise ListFormatError(f"{p.name}: contains NUL bytes; this is a binary file, not CSV")
    separator = sniff_separator(sample)
    return SourceInfo("csv", encoding, separator), iter_csv(p, encoding, separator, position)
