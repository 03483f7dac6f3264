# ruff: noqa: RUF001  (Russian text is intentional here)
"""The import's result types: a contact's status, and the report counting every row once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
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

    def summary(self, shown: int = 20, lang: str | None = None, reason: Callable[[str], str] = str) -> str:
        """The report as text (what `dialer lists import` prints and the scheduler logs): the counts, then the
        first `shown` invalid rows, totals rows and warnings, each with its row number and a plain reason.
        `lang` None: headings in English and Russian (the log); "en" or "ru": that language only, reasons and
        codes through `reason` (the CLI passes the web catalogue's translation)."""

        def w(key: str, **params: Any) -> str:
            en, ru = SUMMARY_WORDS[key]
            if lang is None:
                en = f"{en} / {ru}" if en != ru else en
            return (ru if lang == "ru" else en).format(**params)

        counts = (
            ("accepted", self.accepted),
            ("filtered", self.filtered.total()),
            ("corporate", self.corporate.total()),
            ("duplicates", self.duplicates.total()),
            ("do_not_call", self.do_not_call.total()),
            ("invalid", self.invalid_count),
            ("totals", self.totals_count),
            ("warnings", self.warnings_count),
        )
        if lang == "ru":  # "принято 24" reads as Russian; "24 принято" does not
            figures = ", ".join(f"{w(k)} {n}" for k, n in counts)
        else:
            figures = ", ".join(f"{n} {w(k)}" for k, n in counts)
        seconds = f"{self.seconds:.1f}".replace(".", "," if lang == "ru" else ".")
        lines = [f"{self.file}: {w('rows_in', rows=self.rows_read, seconds=seconds)}: {figures}"]
        for key, counter in (
            ("filtered", self.filtered),
            ("corporate", self.corporate),
            ("duplicates", self.duplicates),
            ("do_not_call", self.do_not_call),
        ):
            if counter:
                lines.append(f"  {w(key)}: " + ", ".join(f"{reason(k)}: {v}" for k, v in counter.items()))
        for key, items, count in (
            ("invalid_rows", self.invalid, self.invalid_count),
            ("totals_rows", self.totals, self.totals_count),
            ("warning_rows", self.warnings, self.warnings_count),
        ):
            if not count:
                continue
            lines.append(f"{w(key)} ({count}):")
            lines += [f"  {row_problem(e, lang, reason)}" for e in items[:shown]]
            if count > shown:
                lines.append(f"  {w('more', n=count - shown)}")
        return "\n".join(lines)


def row_problem(e: RowError, lang: str | None = None, reason: Callable[[str], str] = str) -> str:
    """ "row 8, phone ('abc'): not a phone number" in English (as RowError prints itself) or Russian."""
    if lang != "ru":
        return str(e)
    shown = f" ({e.value!r})" if e.value else ""
    return f"строка {e.row_number}, {reason(e.field)}{shown}: {reason(e.reason)}"


#: The summary's words, key: (English, Russian) like every table of words (dialer.entrypoints.cli_language).
SUMMARY_WORDS: dict[str, tuple[str, str]] = {
    "rows_in": ("{rows} rows in {seconds} s", "строк {rows} за {seconds} с"),
    "accepted": ("accepted", "принято"),
    "filtered": ("filtered", "отфильтровано"),
    "corporate": ("corporate", "корпоративные"),
    "duplicates": ("duplicates", "дубли"),
    "do_not_call": ("do-not-call", "не звонить"),
    "invalid": ("invalid", "ошибочные"),
    "totals": ("totals rows", "строки итогов"),
    "warnings": ("warnings", "предупреждения"),
    "invalid_rows": ("invalid rows, not imported", "ошибочные строки, не загружены"),
    "totals_rows": ("totals rows, skipped", "строки итогов, пропущены"),
    "warning_rows": ("warnings, contact imported", "предупреждения, контакт загружен"),
    "more": ("... and {n} more", "... и ещё {n}"),
}
