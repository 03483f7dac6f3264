"""The import's result types: a contact's status, and the report counting every row once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from dialer.lists.contacts import ParsedContact, RowError


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
    #: totals/subtotal rows ("Итого: 200"): neither contacts nor invalid rows
    totals_count: int = 0
    totals: list[RowError] = field(default_factory=list)
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
        return self.rows_read == self.blank_rows + self.invalid_count + self.totals_count + self.contacts

    def add_invalid(self, err: RowError) -> None:
        self.invalid_count += 1
        if len(self.invalid) < self.max_details:
            self.invalid.append(err)

    def add_total(self, row: RowError) -> None:
        self.totals_count += 1
        if len(self.totals) < self.max_details:
            self.totals.append(row)

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
            "totals_count": self.totals_count,
            "totals": [e._asdict() for e in self.totals],
            "large_groups": self.large_groups,
            "seconds": round(self.seconds, 3),
        }

    def summary(self, shown: int = 20) -> str:
        """The report as text (what `dialer lists import` prints and the scheduler logs): the counts, then the
        first `shown` invalid rows, totals rows and warnings, each with its row number and a plain reason;
        headings in English and Russian."""
        lines = [
            f"{self.file}: {self.rows_read} rows / строк in {self.seconds:.1f} s: {self.accepted} accepted / принято,"
            f" {self.filtered.total()} filtered / отфильтровано, {self.corporate.total()} corporate / корпоративные,"
            f" {self.duplicates.total()} duplicates / дубли, {self.do_not_call.total()} do-not-call / не звонить,"
            f" {self.invalid_count} invalid / ошибочные, {self.totals_count} totals rows / строки итогов,"
            f" {self.warnings_count} warnings / предупреждения",
        ]
        for title, counter in (
            ("filtered / отфильтровано", self.filtered),
            ("corporate / корпоративные", self.corporate),
            ("duplicates / дубли", self.duplicates),
            ("do-not-call / не звонить", self.do_not_call),
        ):
            if counter:
                lines.append(f"  {title}: " + ", ".join(f"{k}: {v}" for k, v in counter.items()))
        for title, items, count in (
            ("invalid rows, not imported / ошибочные строки, не загружены", self.invalid, self.invalid_count),
            ("totals rows, skipped / строки итогов, пропущены", self.totals, self.totals_count),
            ("warnings, contact imported / предупреждения, контакт загружен", self.warnings, self.warnings_count),
        ):
            if not count:
                continue
            lines.append(f"{title} ({count}):")
            lines += [f"  {e}" for e in items[:shown]]
            if count > shown:
                lines.append(f"  ... and {count - shown} more / и ещё {count - shown}")
        return "\n".join(lines)
