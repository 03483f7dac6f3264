"""`read_contacts`: a list file to a stream of `ParsedContact` / `RowError`.

File-level problems (missing/empty/undecodable file, no header, no phone column,
ambiguous columns) raise `ListFormatError` when `read_contacts` is *called*, before
any row is produced, so a caller can refuse the file without storing anything.
Row-level problems are yielded as `RowError`; no row is dropped silently.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from dialer.lists.errors import ColumnMappingError, ListFormatError
from dialer.lists.mapping import ColumnMapping, MappingOverride, detect_mapping
from dialer.lists.numbering import NumberingPlan
from dialer.lists.phones import PhoneNormalizer
from dialer.lists.rows import ParsedRow, RowParser
from dialer.lists.source import RawRow, ReadPosition, SourceInfo, open_rows

#: How many leading non-blank rows may be a title/preamble above the real header.
HEADER_SEARCH_ROWS = 10
_CHUNK_ROWS = 2000
#: Files above this size are parsed by 2 processes (this one + a helper) when `workers` is None.
AUTO_PARALLEL_BYTES = 16 * 1024 * 1024

__all__ = ["AUTO_PARALLEL_BYTES", "ContactReader", "ParsedRow", "RowParser", "merge_header_rows", "read_contacts"]


# --- helper-process plumbing -------------------------------------------------------------------
# ParsedContact/RowError are NamedTuples, so they cross the process boundary as cheap tuples.

#: Parsed chunks a helper may have waiting for the importing process (bounds memory).
_HELPER_QUEUE_CHUNKS = 8


class _Chunk(NamedTuple):
    """What a helper sends per chunk: rows read (blank ones included), blank rows, parsed rows,
    and how far through the file the helper is (for progress)."""

    rows: int
    blank: int
    parsed: list[ParsedRow]
    fraction_read: float


def _helper_main(
    path: Path,
    sheet: str | None,
    header_row: int,
    mapping: ColumnMapping,
    default_region: str,
    numbering: NumberingPlan | None,
    fallback_timezone: str | None,
    index: int,
    helpers: int,
    chunk_rows: int,
    out: Any,
) -> None:
    """A helper process: read the whole file itself and parse every `helpers`-th chunk.

    Reading is cheap (a csv.reader pass is ~1 us a row) and shipping raw rows to a helper
    costs more than reading them twice, so each helper reads the file and only its own
    chunks' parsed rows travel, through a bounded queue. An error travels as ("error", text).
    """
    try:
        position = ReadPosition()
        _, rows = open_rows(path, sheet=sheet, position=position)
        parser = RowParser(mapping, default_region, numbering, fallback_timezone)
        data = (r for r in rows if r.number > header_row)
        for k, chunk in enumerate(_chunks(data, chunk_rows)):
            if k % helpers != index:
                continue
            parsed, blank = _parse_with(parser, chunk)
            out.put(_Chunk(len(chunk), blank, parsed, position.fraction()))
        out.put(None)
    except BaseException as exc:  # reported to the importing process, which raises it
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


class ContactReader:
    """Iterable of ParsedContact | RowError, in file order. Iterate once.

    Attributes filled during iteration: `rows_read` (data rows, blank ones included)
    and `blank_rows`. `source`, `mapping` and `header_row` are known up front.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        mapping: MappingOverride | None = None,
        default_region: str = "RU",
        sheet: str | None = None,
        workers: int | None = 1,
        numbering: NumberingPlan | None = None,
        fallback_timezone: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.default_region = default_region
        self.numbering = numbering
        self.fallback_timezone = fallback_timezone
        PhoneNormalizer(default_region)  # validate the region now, not in a worker
        self.source: SourceInfo
        self._position = ReadPosition()
        self.source, rows = open_rows(self.path, sheet=sheet, position=self._position)
        self._source_rows = rows
        self._rows, self.header_row, self.mapping = self._find_header(rows, mapping)
        self._helper_fraction: float | None = None
        #: rows per chunk handed to a helper process
        self.chunk_rows = _CHUNK_ROWS
        if workers is None:
            big = self.path.stat().st_size >= AUTO_PARALLEL_BYTES
            workers = min(2, os.cpu_count() or 1) if big else 1
        self.workers = max(1, workers)
        self.rows_read = 0
        self.blank_rows = 0
        self._consumed = False

    def fraction_read(self) -> float:
        """How much of the file has been read so far, 0..1 (approximate; for progress bars)."""
        if self._helper_fraction is not None:
            return self._helper_fraction
        return self._position.fraction()

    def _stop_reading(self) -> None:
        close = getattr(self._source_rows, "close", None)
        if close is not None:
            close()  # a generator: closes the file
        self._helper_fraction = 0.0

    def _find_header(
        self, rows: Iterator[RawRow], overrides: MappingOverride | None
    ) -> tuple[Iterator[RawRow], int, ColumnMapping]:
        seen: list[RawRow] = []
        first_error: ColumnMappingError | None = None
        for row in rows:
            if row.error is not None:
                raise ListFormatError(f"{self.path.name}: row {row.number} (before the header): {row.error}")
            if not any(c.strip() for c in row.cells):
                continue
            above = seen[-1] if seen and seen[-1].number == row.number - 1 else None
            cells = merge_header_rows(above.cells, row.cells) if above is not None else row.cells
            try:
                found = detect_mapping(cells, overrides)
            except ColumnMappingError as exc:
                seen.append(row)
                if first_error is None:
                    first_error = exc
                # a missing phone column (or a mapped column missing) suggests a title row; ambiguity is
                # a real error
                if "no phone column" not in str(exc) and "mapping override" not in str(exc):
                    raise ColumnMappingError(f"{self.path.name}: {exc}") from None
                if len(seen) >= HEADER_SEARCH_ROWS:
                    raise ColumnMappingError(f"{self.path.name}: {first_error}") from None
                continue
            return self._require_data(rows), row.number, found
        if first_error is not None:
            raise ColumnMappingError(f"{self.path.name}: {first_error}")
        raise ListFormatError(f"{self.path.name}: the file has no rows (empty or only blank lines)")

    def _require_data(self, rows: Iterator[RawRow]) -> Iterator[RawRow]:
        """Peek past the header: a header with no data rows is an empty list, i.e. an error."""
        buffered: list[RawRow] = []
        for row in rows:
            buffered.append(row)
            if row.error is not None or any(c.strip() for c in row.cells):
                return itertools.chain(buffered, rows)
        raise ListFormatError(f"{self.path.name}: the file has a header but no data rows")

    def __iter__(self) -> Iterator[ParsedRow]:
        if self._consumed:
            raise RuntimeError("a ContactReader can be iterated only once")
        self._consumed = True
        if self.workers > 1:
            return self._iter_parallel()
        return self._iter_serial()

    def _counted(self) -> Iterator[RawRow]:
        for r in self._rows:
            self.rows_read += 1
            yield r

    def _iter_serial(self) -> Iterator[ParsedRow]:
        parser = RowParser(self.mapping, self.default_region, self.numbering, self.fallback_timezone)
        for r in self._counted():
            parsed = parser.parse(r)
            if parsed is None:
                self.blank_rows += 1
            else:
                yield parsed

    def _iter_parallel(self) -> Iterator[ParsedRow]:
        """`workers - 1` helper processes parse; this process hands the rows on in file order.

        Each helper reads the file itself and parses every n-th chunk (see `_helper_main`);
        chunk k comes from helper k mod n, so the order is the file's. The importing process
        is left free for what must happen in file order (classification, de-duplication,
        storing), which on 2 CPUs is about as much work as parsing.
        spawn, not fork: the service process may have threads (asyncio, APScheduler); a
        script calling this must therefore use the `if __name__ == "__main__":` idiom.
        """
        helpers = self.workers - 1
        ctx = multiprocessing.get_context("spawn")
        queues = [ctx.Queue(maxsize=_HELPER_QUEUE_CHUNKS) for _ in range(helpers)]
        args = (
            self.path,
            self.source.sheet,
            self.header_row,
            self.mapping,
            self.default_region,
            self.numbering,
            self.fallback_timezone,
        )
        procs = [
            ctx.Process(
                target=_helper_main,
                args=(*args, i, helpers, self.chunk_rows, queues[i]),
                name=f"list-parser-{i + 1}",
                daemon=True,
            )
            for i in range(helpers)
        ]
        for proc in procs:
            proc.start()
        self._stop_reading()  # the helpers read the file from here on
        try:
            k = 0
            while True:
                item = queues[k % helpers].get()
                if item is None:  # that helper has no chunk k: the file is done
                    break
                if not isinstance(item, _Chunk):
                    raise ListFormatError(f"{self.path.name}: {item[1]}")
                self.rows_read += item.rows
                self.blank_rows += item.blank
                self._helper_fraction = item.fraction_read
                yield from item.parsed
                k += 1
            for i in range(1, helpers):  # the other helpers' end markers
                end = queues[(k + i) % helpers].get()
                if end is not None:
                    raise RuntimeError("a helper sent a chunk after the end of the file")
            for proc in procs:
                proc.join()
            self._helper_fraction = 1.0
        finally:
            for proc in procs:
                if proc.is_alive():
                    proc.terminate()
                    proc.join()
            for q in queues:
                q.cancel_join_thread()
                q.close()


def merge_header_rows(above: tuple[str, ...], header: tuple[str, ...]) -> tuple[str, ...]:
    """A two-row header as managers build it: group cells ('Контакт', 'Компания') merged over the
    real column names, and a column ('Комментарий') merged down over both rows, so its name is in
    the upper row only. Blank header cells take the name above them; a one-cell title row above
    (not a group row) changes nothing."""
    if sum(1 for c in above if c.strip()) < 2:
        return header
    width = max(len(above), len(header))
    out = []
    for i in range(width):
        cell = header[i] if i < len(header) else ""
        if not cell.strip() and i < len(above):
            cell = above[i]
        out.append(cell)
    return tuple(out)


def _parse_with(parser: RowParser, rows: list[RawRow]) -> tuple[list[ParsedRow], int]:
    out: list[ParsedRow] = []
    blank = 0
    for r in rows:
        parsed = parser.parse(r)
        if parsed is None:
            blank += 1
        else:
            out.append(parsed)
    return out, blank


def read_contacts(
    path: str | Path,
    *,
    mapping: MappingOverride | None = None,
    default_region: str = "RU",
    sheet: str | None = None,
    workers: int | None = 1,
    numbering: NumberingPlan | None = None,
    fallback_timezone: str | None = None,
) -> ContactReader:
    """Open a CSV/XLSX list and return an iterable of `ParsedContact | RowError` in file order.

    `mapping` overrides detection per column: `{"Тел. сотовый": "phone", 5: "extra",
    "Примечание": None}` (header text or 1-based column number -> field name,
    "phone", "extra", or None/"ignore"). `workers`: processes taking part, this one
    included (1: this process parses; 2: one spawned helper reads and parses the file while
    this one only hands the rows on; None: 2 for files over 16 MB, else 1). Raises
    ListFormatError (or its subclass ColumnMappingError) now, before any row is produced, if
    the file is unusable.
    """
    return ContactReader(
        path,
        mapping=mapping,
        default_region=default_region,
        sheet=sheet,
        workers=workers,
        numbering=numbering,
        fallback_timezone=fallback_timezone,
    )
