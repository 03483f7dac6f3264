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
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

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
from dialer.lists.source import RawRow, SourceInfo, open_rows
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

    def parse(self, row: RawRow) -> ParsedRow | None:
        """None for a blank row (not a contact, not an error: Excel leaves them around)."""
        if row.error is not None:
            return RowError(row.number, "*", row.error)
        cells = row.cells
        if not any(cells) or not "".join(cells).strip():
            return None
        m = self.mapping
        vals = [c.strip() for c in cells]
        if len(vals) < self._width:
            vals.extend([""] * (self._width - len(vals)))
        vals.append("")
        ix = self._ix
        warnings: list[RowError] = []
        n = row.number
        if len(cells) > self._width and any(c.strip() for c in cells[self._width :]):
            extra_cells = [c for c in cells[self._width :] if c.strip()]
            warnings.append(
                RowError(
                    n,
                    "*",
                    f"row has {len(cells)} cells but the header has {self._width}; cells beyond the header ignored",
                    "; ".join(extra_cells)[:200],
                )
            )

        # phones: main column first, then alternates; several numbers per cell allowed
        phones: list[str] = []
        zones: tuple[str, ...] = ()
        phone_errors: list[RowError] = []
        for col in m.phones:
            if col >= len(cells):
                continue
            for part in split_phone_cell(cells[col]):
                res = self.phones.normalise(part)
                if res.e164 is None:
                    phone_errors.append(RowError(n, m.header[col], res.error or "invalid", part[:100]))
                    continue
                if res.e164 not in phones:
                    if not phones:
                        zones = res.time_zones
                    phones.append(res.e164)
                if res.extension:
                    warnings.append(
                        RowError(
                            n,
                            m.header[col],
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
        warnings.extend(phone_errors)

        headcount: int | None = None
        hc = vals[ix[ContactField.HEADCOUNT]] or None
        if hc is not None:
            try:
                headcount = parse_headcount(hc)
            except ValueError as exc:
                warnings.append(RowError(n, "headcount", str(exc), hc[:100]))

        tax_id: str | None = None
        parent_tax_id: str | None = None
        for fld in (ContactField.TAX_ID, ContactField.PARENT_TAX_ID):
            raw = vals[ix[fld]] or None
            if raw is None:
                continue
            value, warn = parse_tax_id(raw)
            if warn:
                warnings.append(RowError(n, fld.value, warn, raw[:100]))
            if fld is ContactField.TAX_ID:
                tax_id = value
            else:
                parent_tax_id = value

        email = vals[ix[ContactField.EMAIL]] or None
        if email is not None:
            try:
                email = parse_email(email)
            except ValueError as exc:
                warnings.append(RowError(n, "email", str(exc), email[:100]))
                email = None

        region = vals[ix[ContactField.REGION]] or None
        city = vals[ix[ContactField.CITY]] or None
        tz_cell = vals[ix[ContactField.TIMEZONE]] or None
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

        extra = {name: vals[i] for name, i in m.extras if vals[i]}
        return ParsedContact(
            row_number=n,
            phones=tuple(phones),
            company=(vals[ix[ContactField.COMPANY]] or None),
            contact_person=(vals[ix[ContactField.CONTACT_PERSON]] or None),
            specialty=(vals[ix[ContactField.SPECIALTY]] or None),
            headcount=headcount,
            tax_id=tax_id,
            parent_tax_id=parent_tax_id,
            group=(vals[ix[ContactField.GROUP]] or None),
            region=region,
            city=city,
            email=email,
            timezone=timezone,
            timezone_candidates=candidates,
            timezone_source=source,
            extra=extra,
            warnings=tuple(warnings),
        )


# --- worker-process plumbing -------------------------------------------------------------------
# ParsedContact/RowError/RawRow are NamedTuples, so they cross the process boundary as cheap tuples.

_worker_parser: RowParser | None = None


def _init_worker(mapping: ColumnMapping, default_region: str) -> None:
    global _worker_parser
    _worker_parser = RowParser(mapping, default_region)


def _parse_chunk(rows: list[RawRow]) -> tuple[list[ParsedRow], int]:
    assert _worker_parser is not None
    return _parse_with(_worker_parser, rows)


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
        self.source, rows = open_rows(self.path, sheet=sheet)
        self._rows, self.header_row, self.mapping = self._find_header(rows, mapping)
        if workers is None:
            big = self.path.stat().st_size >= AUTO_PARALLEL_BYTES
            workers = min(2, os.cpu_count() or 1) if big else 1
        self.workers = max(1, workers)
        self.rows_read = 0
        self.blank_rows = 0
        self._consumed = False

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
        """`workers - 1` helper processes plus this one, results in file order.

        The main process is a worker too: whenever the helpers already have enough queued
        chunks, it parses the next chunk itself instead of waiting. With 2 CPUs that keeps
        exactly two processes busy and ships only the helpers' share across processes.
        spawn, not fork: the service process may have threads (asyncio, APScheduler); a
        script calling this must therefore use the `if __name__ == "__main__":` idiom.
        """
        helpers = self.workers - 1
        parser = RowParser(self.mapping, self.default_region)
        ctx = multiprocessing.get_context("spawn")
        Chunk = Future[tuple[list[ParsedRow], int]] | tuple[list[ParsedRow], int]
        with ProcessPoolExecutor(
            max_workers=helpers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self.mapping, self.default_region),
        ) as pool:
            pending: deque[Chunk] = deque()
            in_pool = 0
            for chunk in _chunks(self._counted(), _CHUNK_ROWS):
                if in_pool < helpers * 4:  # helpers always have a backlog, never wait for us
                    pending.append(pool.submit(_parse_chunk, chunk))
                    in_pool += 1
                else:
                    pending.append(_parse_with(parser, chunk))
                # hand over whatever is ready at the front, keeping memory bounded
                while pending and (len(pending) > helpers * 8 or _ready(pending[0])):
                    head = pending.popleft()
                    if isinstance(head, Future):
                        in_pool -= 1
                    yield from self._drain(head)
            while pending:
                yield from self._drain(pending.popleft())

    def _drain(self, item: Future[tuple[list[ParsedRow], int]] | tuple[list[ParsedRow], int]) -> Iterator[ParsedRow]:
        out, blank = item.result() if isinstance(item, Future) else item
        self.blank_rows += blank
        yield from out


def _ready(item: object) -> bool:
    return not isinstance(item, Future) or item.done()


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
    "phone", "extra", or None/"ignore"). `workers`: processes parsing rows, this one
    included (2 = this process + 1 spawned helper; None: 2 for files over 16 MB, else 1;
    XLSX is always read by this process). Raises ListFormatError (or its subclass
    ColumnMappingError) now, before any row is produced, if the file is unusable.
    """
    return ContactReader(path, mapping=mapping, default_region=default_region, sheet=sheet, workers=workers)
