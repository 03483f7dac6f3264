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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from dialer.lists.contacts import ParsedContact, RowError, tax_id_key
from dialer.lists.filters import ImportRules, LargeGroups, corporate_verdict, filter_verdict
from dialer.lists.mapping import ContactField, MappingOverride
from dialer.lists.reader import ContactReader, ParsedRow
from dialer.lists.source import iter_records

#: A set of E.164 numbers, or a batch lookup returning which of the given numbers are present.
PhoneLookup = AbstractSet[str] | Callable[[frozenset[str]], AbstractSet[str]]


class ContactStatus(StrEnum):
    ACCEPTED = "accepted"
    FILTERED = "filtered"
    CORPORATE = "corporate"
    DUPLICATE = "duplicate"
    DO_NOT_CALL = "do_not_call"


class DuplicateReason(StrEnum):
    IN_LIST = "duplicate_in_list"
    EXISTING = "duplicate_existing"


class DoNotCallReason(StrEnum):
    GLOBAL = "do_not_call_global"
    CAMPAIGN = "do_not_call_campaign"
    NATIONAL_REGISTER = "national_register"


class ImportedContact(NamedTuple):
    """A parsed contact with its import status. Only `accepted` contacts are dialled."""

    contact: ParsedContact
    status: ContactStatus
    reason_code: str | None = None
    reason: str | None = None
    matched_specialty: str | None = None  # canonical name when a specialty filter matched

    @property
    def dialable(self) -> bool:
        return self.status is ContactStatus.ACCEPTED


@dataclass(slots=True)
class ImportReport:
    """Counts for the whole file and the first `max_details` problems of each kind."""

    file: str = ""
    source: dict[str, str | None] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    header_row: int = 1
    rows_read: int = 0  # data rows after the header, blank ones included
    blank_rows: int = 0
    accepted: int = 0
    filtered: Counter[str] = field(default_factory=Counter)  # reason code -> count
    corporate: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    do_not_call: Counter[str] = field(default_factory=Counter)
    invalid_count: int = 0
    invalid: list[RowError] = field(default_factory=list)
    warnings_count: int = 0
    warnings: list[RowError] = field(default_factory=list)
    large_groups: int = 0
    seconds: float = 0.0
    max_details: int = 1000

    @property
    def contacts(self) -> int:
        return (
            self.accepted
            + self.filtered.total()
            + self.corporate.total()
            + self.duplicates.total()
            + self.do_not_call.total()
        )

    def balanced(self) -> bool:
        """Every data row is accounted for exactly once: the property tests rely on this."""
        return self.rows_read == self.blank_rows + self.invalid_count + self.contacts

    def add_invalid(self, err: RowError) -> None:
        self.invalid_count += 1
        if len(self.invalid) < self.max_details:
            self.invalid.append(err)

    def add_warnings(self, errs: Iterable[RowError]) -> None:
        for e in errs:
            self.warnings_count += 1
            if len(self.warnings) < self.max_details:
                self.warnings.append(e)

    def count(self, item: ImportedContact) -> None:
        code = item.reason_code or ""
        match item.status:
            case ContactStatus.ACCEPTED:
                self.accepted += 1
            case ContactStatus.FILTERED:
                self.filtered[code] += 1
            case ContactStatus.CORPORATE:
                self.corporate[code] += 1
            case ContactStatus.DUPLICATE:
                self.duplicates[code] += 1
            case ContactStatus.DO_NOT_CALL:
                self.do_not_call[code] += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the API and for storing with the list."""
        return {
            "file": self.file,
            "source": self.source,
            "mapping": self.mapping,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "blank_rows": self.blank_rows,
            "accepted": self.accepted,
            "filtered": dict(self.filtered),
            "corporate": dict(self.corporate),
            "duplicates": dict(self.duplicates),
            "do_not_call": dict(self.do_not_call),
            "invalid_count": self.invalid_count,
            "invalid": [e._asdict() for e in self.invalid],
            "warnings_count": self.warnings_count,
            "warnings": [e._asdict() for e in self.warnings],
            "large_groups": self.large_groups,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """A few lines for the CLI."""
        lines = [
            f"{self.file}: {self.rows_read} rows read in {self.seconds:.1f}s",
            f"  accepted:     {self.accepted}",
            f"  filtered:     {self.filtered.total()} {dict(self.filtered) or ''}",
            f"  corporate:    {self.corporate.total()} {dict(self.corporate) or ''}",
            f"  duplicates:   {self.duplicates.total()} {dict(self.duplicates) or ''}",
            f"  do-not-call:  {self.do_not_call.total()} {dict(self.do_not_call) or ''}",
            f"  invalid rows: {self.invalid_count}",
            f"  warnings:     {self.warnings_count}",
        ]
        lines += [f"    {e}" for e in self.invalid[:20]]
        if self.invalid_count > 20:
            lines.append(f"    ... and {self.invalid_count - 20} more")
        return "\n".join(lines)


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
        if self.rules.corporate.group_min_rows is not None:
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
) -> ImportRun:
    """Open `path` and return a lazy ImportRun. File-level errors (ListFormatError) raise here.

    Store the items as they come (in batches); the report is complete once iteration ends.
    """
    reader = ContactReader(path, mapping=mapping, default_region=default_region, sheet=sheet, workers=workers)
    lookups: dict[str, PhoneLookup | None] = {
        "existing_phones": existing_phones,
        "dnc_global": dnc_global,
        "dnc_campaign": dnc_campaign,
        "dnc_register": dnc_register,
    }
    return ImportRun(reader, rules or ImportRules(), lookups, batch_size, max_details)
