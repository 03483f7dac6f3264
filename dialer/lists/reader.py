# ruff: noqa: RUF001  (Russian text is intentional here)
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

from dialer.lists.contacts import (
    ParsedContact,
    RowError,
    TimezoneSource,
    parse_email,
    parse_headcount,
    parse_tax_id,
)
from dialer.lists.errors import ColumnMappingError, ListFormatError
from dialer.lists.mapping import ColumnMapping, ContactField, MappingOverride, detect_mapping
from dialer.lists.phones import PhoneNormalizer, split_phone_cell
from dialer.lists.source import RawRow, ReadPosition, SourceInfo, open_rows
from dialer.lists.timezones import parse_timezone, timezone_for_region

#: How many leading non-blank rows may be a title/preamble above the real header.
HEADER_SEARCH_ROWS = 10
_CHUNK_ROWS = 2000
#: Files above this size are parsed by 2 processes (this one + a helper) when `workers` is None.
AUTO_PARALLEL_BYTES = 16 * 1024 * 1024

ParsedRow = ParsedContact | RowError


class RowParser:
    """Turns one raw row into a contact or an error, given the column mapping. Pure but cached."""

    def __init__(self, mapping: ColumnMapping, default_region: str = "RU") -> None:
        self.mapping = mapping
        self.phones = PhoneNormalizer(default_region)
        self._width = len(mapping.header)
        # column index per field; -1 points at the "" sentinel appended to every row's values
        self._ix = {f: mapping.fields.get(f, -1) for f in ContactField}
        ix = self._ix
        # plain ints and tuples for the per-row code (enum lookups per row cost ~1 us a row)
        self._i_company = ix[ContactField.COMPANY]
        self._i_person = ix[ContactField.CONTACT_PERSON]
        self._i_specialty = ix[ContactField.SPECIALTY]
        self._i_headcount = ix[ContactField.HEADCOUNT]
        self._i_tax = ix[ContactField.TAX_ID]
        self._i_parent_tax = ix[ContactField.PARENT_TAX_ID]
        self._i_group = ix[ContactField.GROUP]
        self._i_region = ix[ContactField.REGION]
        self._i_city = ix[ContactField.CITY]
        self._i_email = ix[ContactField.EMAIL]
        self._i_timezone = ix[ContactField.TIMEZONE]
        self._phone_cols = tuple((col, mapping.header[col]) for col in mapping.phones)
        self._extras = mapping.extras
        self._pad = ("",) * (self._width + 1)

    def parse(self, row: RawRow) -> ParsedRow | None:
        """None for a blank row (not a contact, not an error: Excel leaves them around)."""
        if row.error is not None:
            return RowError(row.number, "*", row.error)
        cells = row.cells
        if not any(cells) or not "".join(cells).strip():
            return None
        width = self._width
        n_cells = len(cells)
        vals = [c.strip() for c in cells]
        if n_cells < width:
            vals.extend(self._pad[: width - n_cells])
        vals.append("")
        warnings: list[RowError] = []
        n = row.number
        if n_cells > width and any(c.strip() for c in cells[width:]):
            extra_cells = [c for c in cells[width:] if c.strip()]
            warnings.append(
                RowError(
                    n,
                    "*",
                    f"row has {n_cells} cells but the header has {width}; cells beyond the header ignored",
                    "; ".join(extra_cells)[:200],
                )
            )

        # phones: main column first, then alternates; several numbers per cell allowed
        phones: list[str] = []
        zones: tuple[str, ...] = ()
        phone_errors: list[RowError] = []
        normalise = self.phones.normalise
        for col, header in self._phone_cols:
            if col >= n_cells:
                continue
            for part in split_phone_cell(cells[col]):
                res = normalise(part)
                e164 = res.e164
                if e164 is None:
                    phone_errors.append(RowError(n, header, res.error or "invalid", part[:100]))
                    continue
                if e164 not in phones:
                    if not phones:
                        zones = res.time_zones
                    phones.append(e164)
                if res.extension:
                    warnings.append(
                        RowError(
                            n,
                            header,
                            f"extension {res.extension} cannot be dialled automatically; number kept without it",
                            part[:100],
                        )
                    )
        if not phones:
            if phone_errors:
                why = "; ".join(f"{e.value!r}: {e.reason}" for e in phone_errors)
                return RowError(
                    n,
                    "phone",
                    f"no valid phone number ({why})",
                    " | ".join(e.value for e in phone_errors)[:200],
                )
            return RowError(n, "phone", "no phone number")
        if phone_errors:
            warnings.extend(phone_errors)

        headcount: int | None = None
        hc = vals[self._i_headcount]
        if hc:
            try:
                headcount = parse_headcount(hc)
            except ValueError as exc:
                warnings.append(RowError(n, "headcount", str(exc), hc[:100]))

        tax_id: str | None = None
        parent_tax_id: str | None = None
        raw = vals[self._i_tax]
        if raw:
            tax_id, warn = parse_tax_id(raw)
            if warn:
                warnings.append(RowError(n, ContactField.TAX_ID.value, warn, raw[:100]))
        raw = vals[self._i_parent_tax]
        if raw:
            parent_tax_id, warn = parse_tax_id(raw)
            if warn:
                warnings.append(RowError(n, ContactField.PARENT_TAX_ID.value, warn, raw[:100]))

        email: str | None = vals[self._i_email] or None
        if email is not None:
            try:
                email = parse_email(email)
            except ValueError as exc:
                warnings.append(RowError(n, "email", str(exc), email[:100]))
                email = None

        region = vals[self._i_region] or None
        city = vals[self._i_city] or None
        tz_cell = vals[self._i_timezone] or None
        timezone: str | None = None
        source: TimezoneSource = "unknown"
        if tz_cell is not None:
            timezone = parse_timezone(tz_cell)
            if timezone is None:
                warnings.append(
                    RowError(
                        n,
                        "timezone",
                        "unknown time zone (use e.g. Asia/Krasnoyarsk, МСК+4 or UTC+7)",
                        tz_cell[:100],
                    )
                )
            else:
                source = "timezone_column"
        if timezone is None and region is not None:
            timezone = timezone_for_region(region)
            source = "region_column" if timezone else source
        if timezone is None and city is not None:
            timezone = timezone_for_region(city)
            source = "city_column" if timezone else source
        if timezone is not None:
            candidates: tuple[str, ...] = (timezone,)
        else:
            candidates = zones
            if len(zones) == 1:
                timezone, source = zones[0], "phone"

        extra = {name: vals[i] for name, i in self._extras if vals[i]} if self._extras else {}
        return ParsedContact(
            n,
            tuple(phones),
            vals[self._i_company] or None,
            vals[self._i_person] or None,
            vals[self._i_specialty] or None,
            headcount,
            tax_id,
            parent_tax_id,
            vals[self._i_group] or None,
            region,
            city,
            email,
            timezone,
            candidates,
            source,
            extra,
            tuple(warnings),
        )


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
        parser = RowParser(mapping, default_region)
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
    ) -> None:
        self.path = Path(path)
        self.default_region = default_region
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
            try:
                found = detect_mapping(row.cells, overrides)
            except ColumnMappingError as exc:
                seen.append(row)
                if first_error is None:
                    first_error = exc
                # only a missing phone column suggests a title row; ambiguity is a real error
                if "no phone column" not in str(exc):
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
        parser = RowParser(self.mapping, self.default_region)
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
        args = (self.path, self.source.sheet, self.header_row, self.mapping, self.default_region)
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
    return ContactReader(path, mapping=mapping, default_region=default_region, sheet=sheet, workers=workers)
