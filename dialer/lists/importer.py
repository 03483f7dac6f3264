"""The list import pipeline: parse, de-duplicate, apply DNC, route to corporate, pre-filter.

Every contact ends in exactly one status, checked in this order:

1. `duplicate`   - its main phone was already seen earlier in this list, or is
                   already stored for the campaign (`existing_phones`). Passing
                   the phones already stored makes re-importing a file idempotent.
2. `do_not_call` - one of its phones is on the global or the campaign's DNC list, or on a
                   national register the campaign's compliance profile screens (TPS...).
3. `corporate`   - large company or member of a holding (see `filters.py`).
4. `filtered`    - fails the campaign's pre-filters (specialty, headcount).
5. `accepted`    - dialable.

Rejected rows (no valid phone, unreadable record) come out as `RowError`.
The DB adapter looks phones up in batches: `existing_phones` and the DNC lists
may be plain sets or callables that take a batch of E.164 numbers and return
the subset that is present.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path

from dialer.lists.contacts import ParsedContact, RowError, SummaryRow, tax_id_key
from dialer.lists.filters import ImportRules, LargeGroups, corporate_verdict, filter_verdict
from dialer.lists.mapping import ContactField, MappingOverride
from dialer.lists.numbering import NumberingPlan
from dialer.lists.reader import ContactReader, ParsedRow
from dialer.lists.report import ContactStatus, DoNotCallReason, DuplicateReason, ImportedContact, ImportReport
from dialer.lists.source import iter_records

__all__ = [
    "ContactStatus",
    "DoNotCallReason",
    "DuplicateReason",
    "ImportReport",
    "ImportRun",
    "ImportedContact",
    "PhoneLookup",
    "classify_contacts",
    "count_large_groups",
    "import_contacts",
]

#: A set of E.164 numbers, or a batch lookup returning which of the given numbers are present.
PhoneLookup = AbstractSet[str] | Callable[[frozenset[str]], AbstractSet[str]]


def _present(lookup: PhoneLookup | None, phones: frozenset[str]) -> AbstractSet[str]:
    if lookup is None or not phones:
        return frozenset()
    if callable(lookup):
        return lookup(phones)
    return phones & lookup if isinstance(lookup, frozenset | set) else {p for p in phones if p in lookup}


def _batches(items: Iterable[ParsedRow], size: int) -> Iterator[list[ParsedRow]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _phone_key(e164: str) -> int:
    return int(e164[1:])  # ints take half the memory of str in the seen-set


def classify_contacts(
    rows: Iterable[ParsedRow],
    rules: ImportRules | None = None,
    *,
    existing_phones: PhoneLookup | None = None,
    dnc_global: PhoneLookup | None = None,
    dnc_campaign: PhoneLookup | None = None,
    dnc_register: PhoneLookup | None = None,
    large_groups: LargeGroups | None = None,
    report: ImportReport | None = None,
    batch_size: int = 2000,
) -> Iterator[ImportedContact | RowError]:
    """Give every parsed row its status, in order. Pure apart from the lookups and `report` counters.

    Memory: one int per distinct phone for in-list de-duplication (~60 bytes each).
    """
    rules = rules or ImportRules()
    report = report if report is not None else ImportReport()
    seen: set[int] = set()
    for batch in _batches(rows, batch_size):
        phones = frozenset(p for r in batch if isinstance(r, ParsedContact) for p in r.phones)
        existing = _present(existing_phones, phones)
        dnc_g = _present(dnc_global, phones)
        dnc_c = _present(dnc_campaign, phones)
        dnc_r = _present(dnc_register, phones)
        for row in batch:
            if type(row) is SummaryRow:
                report.add_total(row)
                continue
            if isinstance(row, RowError):
                report.add_invalid(row)
                yield row
                continue
            item = _classify_one(row, rules, seen, existing, dnc_g, dnc_c, large_groups, dnc_r)
            report.add_warnings(item.contact.warnings)
            report.count(item)
            yield item


def _classify_one(
    c: ParsedContact,
    rules: ImportRules,
    seen: set[int],
    existing: AbstractSet[str],
    dnc_g: AbstractSet[str],
    dnc_c: AbstractSet[str],
    large_groups: LargeGroups | None,
    dnc_r: AbstractSet[str] = frozenset(),
) -> ImportedContact:
    main = c.phones[0]
    main_key = _phone_key(main)
    if main_key in seen:
        return ImportedContact(
            c,
            ContactStatus.DUPLICATE,
            DuplicateReason.IN_LIST.value,
            f"phone {main} already appears earlier in this list",
        )
    # alternates already used by another contact are dropped from this one, with a warning
    keep = [main]
    dropped: list[RowError] = []
    for p in c.phones[1:]:
        if _phone_key(p) in seen or p in existing:
            dropped.append(
                RowError(
                    c.row_number,
                    "phone",
                    "alternate number already belongs to another contact; not kept for this one",
                    p,
                )
            )
        else:
            keep.append(p)
    if dropped:
        c = c._replace(phones=tuple(keep), warnings=c.warnings + tuple(dropped))
    for p in c.phones:
        seen.add(_phone_key(p))
    if main in existing:
        return ImportedContact(
            c, ContactStatus.DUPLICATE, DuplicateReason.EXISTING.value, f"phone {main} is already stored"
        )
    hit = next((p for p in c.phones if p in dnc_g), None) if not dnc_g.isdisjoint(c.phones) else None
    if hit is not None:
        return ImportedContact(
            c,
            ContactStatus.DO_NOT_CALL,
            DoNotCallReason.GLOBAL.value,
            f"phone {hit} is on the global do-not-call list",
        )
    hit = next((p for p in c.phones if p in dnc_c), None) if not dnc_c.isdisjoint(c.phones) else None
    if hit is not None:
        return ImportedContact(
            c,
            ContactStatus.DO_NOT_CALL,
            DoNotCallReason.CAMPAIGN.value,
            f"phone {hit} is on the campaign's do-not-call list",
        )
    hit = next((p for p in c.phones if p in dnc_r), None) if not dnc_r.isdisjoint(c.phones) else None
    if hit is not None:
        return ImportedContact(
            c,
            ContactStatus.DO_NOT_CALL,
            DoNotCallReason.NATIONAL_REGISTER.value,
            f"phone {hit} is on a national register the campaign screens against",
        )
    verdict = corporate_verdict(c, rules.corporate, large_groups)
    if verdict is not None:
        return ImportedContact(c, ContactStatus.CORPORATE, verdict.code, verdict.reason)
    failed, matched = filter_verdict(c, rules)
    if failed is not None:
        return ImportedContact(c, ContactStatus.FILTERED, failed.code, failed.reason, matched)
    return ImportedContact(c, ContactStatus.ACCEPTED, matched_specialty=matched)


def count_large_groups(reader: ContactReader, min_rows: int) -> LargeGroups | None:
    """First pass for the "same tax id on N+ rows" rule: reads only the tax id columns."""
    col = reader.mapping.fields.get(ContactField.PARENT_TAX_ID)
    tax_col = reader.mapping.fields.get(ContactField.TAX_ID)
    if col is None and tax_col is None:
        return None
    records = iter_records(reader.path, reader.source)
    cols = [i for i in (col, tax_col) if i is not None]  # parent tax id wins, as in group_key
    header_row = reader.header_row

    def keys() -> Iterator[str | None]:
        for number, cells in records:
            if number <= header_row or cells is None:
                continue
            key: str | None = None
            for i in cols:
                if i < len(cells) and cells[i]:
                    key = tax_id_key(cells[i])
                    if key:
                        break
            yield key

    return LargeGroups(keys(), min_rows)


class ImportRun:
    """Iterate to get `ImportedContact | RowError` in file order; `report` is final afterwards."""

    def __init__(
        self,
        reader: ContactReader,
        rules: ImportRules,
        lookups: dict[str, PhoneLookup | None],
        batch_size: int,
        max_details: int,
    ) -> None:
        self.reader = reader
        self.rules = rules
        self._lookups = lookups
        self._batch_size = batch_size
        src = reader.source
        self.report = ImportReport(
            file=reader.path.name,
            source={
                "kind": src.kind,
                "encoding": src.encoding,
                "separator": src.separator,
                "sheet": src.sheet,
            },
            mapping=reader.mapping.describe(),
            header_row=reader.header_row,
            max_details=max_details,
        )

    def __iter__(self) -> Iterator[ImportedContact | RowError]:
        t0 = time.perf_counter()
        large = None
        if self.rules.corporate.group_min_rows is not None and self.rules.corporate.group_min_rows > 0:
            large = count_large_groups(self.reader, self.rules.corporate.group_min_rows)
            self.report.large_groups = len(large) if large is not None else 0
        yield from classify_contacts(
            self.reader,
            self.rules,
            large_groups=large,
            report=self.report,
            batch_size=self._batch_size,
            existing_phones=self._lookups.get("existing_phones"),
            dnc_global=self._lookups.get("dnc_global"),
            dnc_campaign=self._lookups.get("dnc_campaign"),
            dnc_register=self._lookups.get("dnc_register"),
        )
        self.report.rows_read = self.reader.rows_read
        self.report.blank_rows = self.reader.blank_rows
        self.report.seconds = time.perf_counter() - t0

    def run(self) -> ImportReport:
        """Consume everything (for callers that only want the report, e.g. a dry run)."""
        for _ in self:
            pass
        return self.report


def import_contacts(
    path: str | Path,
    rules: ImportRules | None = None,
    *,
    existing_phones: PhoneLookup | None = None,
    dnc_global: PhoneLookup | None = None,
    dnc_campaign: PhoneLookup | None = None,
    dnc_register: PhoneLookup | None = None,
    mapping: MappingOverride | None = None,
    default_region: str = "RU",
    sheet: str | None = None,
    workers: int | None = None,
    batch_size: int = 2000,
    max_details: int = 1000,
    numbering: NumberingPlan | None = None,
    fallback_timezone: str | None = None,
) -> ImportRun:
    """Open `path` and return a lazy ImportRun. File-level errors (ListFormatError) raise here.

    Store the items as they come (in batches); the report is complete once iteration ends.
    `numbering`: the numbering plan register (operator, region and zone of +7 numbers);
    `fallback_timezone`: the campaign's, recorded as the zone source of contacts with no zone.
    """
    reader = ContactReader(
        path,
        mapping=mapping,
        default_region=default_region,
        sheet=sheet,
        workers=workers,
        numbering=numbering,
        fallback_timezone=fallback_timezone,
    )
    lookups: dict[str, PhoneLookup | None] = {
        "existing_phones": existing_phones,
        "dnc_global": dnc_global,
        "dnc_campaign": dnc_campaign,
        "dnc_register": dnc_register,
    }
    return ImportRun(reader, rules or ImportRules(), lookups, batch_size, max_details)
