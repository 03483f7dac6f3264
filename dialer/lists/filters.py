# ruff: noqa: RUF001, RUF002  (Russian text is intentional here)
"""Per-campaign pre-filters and corporate routing: pure decisions on one contact.

A contact failing a pre-filter is kept in the list with the reason and never
dialled; a contact routed to the corporate queue is never dialled by the
campaign and is exported for the corporate team. Corporate routing is checked
*before* the pre-filters so that a campaign's headcount ceiling (say, at most
500 employees) cannot hide a 5,000-person holding from the corporate team.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from dialer.lists.contacts import ParsedContact


class FilterReason(StrEnum):
    SPECIALTY_MISSING = "specialty_missing"
    SPECIALTY_NOT_ALLOWED = "specialty_not_allowed"
    HEADCOUNT_MISSING = "headcount_missing"
    HEADCOUNT_BELOW_MIN = "headcount_below_min"
    HEADCOUNT_ABOVE_MAX = "headcount_above_max"


class CorporateReason(StrEnum):
    HEADCOUNT_THRESHOLD = "headcount_at_or_above_threshold"
    GROUP_COLUMN = "group_column"
    GROUP_ROWS = "tax_id_repeated"


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SPECIALTY_MEMO = 4096
#: One cell may list several specialties: "Стоматология; Ортодонтия".
_SPECIALTY_SPLIT = re.compile(r"[;|/\n]")


def normalise_specialty(text: str) -> str:
    """Case, ё/е, punctuation and whitespace do not make two specialties different."""
    return _NON_WORD.sub(" ", text.casefold().replace("ё", "е")).strip()


@dataclass(frozen=True, slots=True)
class SpecialtyFilter:
    """Allowed specialties: canonical name -> synonyms. Matching is exact after normalisation."""

    allowed: Mapping[str, Sequence[str]]
    _lookup: Mapping[str, str] = field(init=False, repr=False, compare=False)
    #: match() per cell text: a list has few distinct specialty spellings and a million rows
    _memo: dict[str, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for canonical, synonyms in self.allowed.items():
            for name in (canonical, *synonyms):
                key = normalise_specialty(name)
                if key:
                    lookup.setdefault(key, canonical)
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_memo", {})

    @classmethod
    def of(cls, names: Iterable[str], synonyms: Mapping[str, Sequence[str]] | None = None) -> SpecialtyFilter:
        allowed: dict[str, list[str]] = {n: [] for n in names}
        for canonical, syns in (synonyms or {}).items():
            allowed.setdefault(canonical, []).extend(syns)
        return cls(allowed)

    def match(self, specialty: str | None) -> str | None:
        """The canonical allowed specialty the cell names, or None. Any part of a multi-value cell counts."""
        if not specialty:
            return None
        memo = self._memo
        if specialty in memo:
            return memo[specialty]
        hit = self._lookup.get(normalise_specialty(specialty))
        if hit is None:
            for part in _SPECIALTY_SPLIT.split(specialty):
                hit = self._lookup.get(normalise_specialty(part))
                if hit is not None:
                    break
        if len(memo) >= _SPECIALTY_MEMO:
            memo.clear()  # bounded: a free-text column must not grow memory
        memo[specialty] = hit
        return hit


@dataclass(frozen=True, slots=True)
class HeadcountRange:
    """Inclusive bounds; a contact with no headcount passes unless `required`."""

    min: int | None = None
    max: int | None = None
    required: bool = False

    def __post_init__(self) -> None:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"headcount range: min {self.min} > max {self.max}")


#: Holdings by shared tax id are on by default: the same (parent) tax id on this many rows of one
#: list routes those rows to the corporate team. Two rows are often one company's two contacts;
#: three or more are branches of a holding (docs/lists.md). A campaign sets `group_min_rows`
#: to change it, or to null to switch it off.
DEFAULT_GROUP_MIN_ROWS = 3


@dataclass(frozen=True, slots=True)
class CorporateRules:
    """When a contact belongs to the corporate team rather than to this campaign."""

    headcount_threshold: int | None = None  # at or above -> corporate
    group_column: bool = True  # a non-empty group/holding cell -> corporate
    group_min_rows: int | None = DEFAULT_GROUP_MIN_ROWS  # the same (parent) tax id on N+ rows -> corporate

    def __post_init__(self) -> None:
        if self.group_min_rows is not None and self.group_min_rows < 2:
            raise ValueError("group_min_rows must be at least 2")


@dataclass(frozen=True, slots=True)
class ImportRules:
    """Everything campaign-specific the importer applies.

    The default has no pre-filters and routes to corporate rows with a group/holding cell and rows
    whose tax id appears on DEFAULT_GROUP_MIN_ROWS or more rows of the list.
    """

    specialties: SpecialtyFilter | None = None
    headcount: HeadcountRange | None = None
    corporate: CorporateRules = field(default_factory=CorporateRules)


class Verdict(NamedTuple):
    """Why a contact is filtered or routed. A NamedTuple: one is built for most rows of a list."""

    code: str  # a FilterReason / CorporateReason value, as a plain str (callers pass `.value`)
    reason: str


def corporate_verdict(
    contact: ParsedContact, rules: CorporateRules, large_groups: LargeGroups | None = None
) -> Verdict | None:
    """Why the contact goes to the corporate queue, or None if it does not."""
    t = rules.headcount_threshold
    if t is not None and contact.headcount is not None and contact.headcount >= t:
        return Verdict(
            CorporateReason.HEADCOUNT_THRESHOLD.value,
            f"headcount {contact.headcount} is at or above the corporate threshold {t}",
        )
    if rules.group_column and contact.group:
        return Verdict(CorporateReason.GROUP_COLUMN.value, f"belongs to group/holding {contact.group!r}")
    key = contact.group_key
    if rules.group_min_rows is not None and large_groups is not None and key and key in large_groups:
        which = "parent tax id" if contact.parent_tax_id else "tax id"
        return Verdict(
            CorporateReason.GROUP_ROWS.value,
            f"{which} {key} appears on {rules.group_min_rows} or more rows of the list",
        )
    return None


def filter_verdict(contact: ParsedContact, rules: ImportRules) -> tuple[Verdict | None, str | None]:
    """(why the contact fails the pre-filters or None, the canonical specialty it matched)."""
    matched: str | None = None
    if rules.specialties is not None:
        if not contact.specialty:
            return Verdict(FilterReason.SPECIALTY_MISSING.value, "no specialty, and the campaign filters by it"), None
        matched = rules.specialties.match(contact.specialty)
        if matched is None:
            return Verdict(
                FilterReason.SPECIALTY_NOT_ALLOWED.value,
                f"specialty {contact.specialty!r} is not in the campaign's list",
            ), None
    hc = rules.headcount
    if hc is not None:
        if contact.headcount is None:
            if hc.required:
                return Verdict(
                    FilterReason.HEADCOUNT_MISSING.value, "no headcount, and the campaign requires it"
                ), matched
        elif hc.min is not None and contact.headcount < hc.min:
            return Verdict(
                FilterReason.HEADCOUNT_BELOW_MIN.value,
                f"headcount {contact.headcount} is below the minimum {hc.min}",
            ), matched
        elif hc.max is not None and contact.headcount > hc.max:
            return Verdict(
                FilterReason.HEADCOUNT_ABOVE_MAX.value,
                f"headcount {contact.headcount} is above the maximum {hc.max}",
            ), matched
    return None, matched


# --- the "same tax id on N+ rows" pre-pass ------------------------------------------------------

_BUCKETS = 64


def _group_int(key: str) -> int:
    """Exact 63-bit key for Russian tax ids (digits + length), hash for anything else."""
    if key.isascii() and key.isdigit() and len(key) <= 16:
        return int(key) * 100 + len(key)
    return -abs(hash(key)) - 1  # negative: cannot collide with digit keys


class LargeGroups:
    """The set of group keys seen on at least `min_rows` rows, counted in bounded memory.

    Keys are packed into 64-bit integers in 64 buckets (8 bytes per row), then each
    bucket is sorted and scanned for runs; only the large groups are kept. A 1M-row
    list costs ~8 MB plus one bucket's sort, instead of ~100 MB for a dict of strings.
    """

    def __init__(self, keys: Iterable[str | None], min_rows: int) -> None:
        buckets = [array("q") for _ in range(_BUCKETS)]
        for key in keys:
            if key:
                k = _group_int(key)
                buckets[k % _BUCKETS].append(k)
        large: set[int] = set()
        for i, bucket in enumerate(buckets):
            ordered = sorted(bucket)
            buckets[i] = array("q")
            run_start = 0
            for j in range(1, len(ordered) + 1):
                if j == len(ordered) or ordered[j] != ordered[run_start]:
                    if j - run_start >= min_rows:
                        large.add(ordered[run_start])
                    run_start = j
        self._large = frozenset(large)
        self.min_rows = min_rows

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(key) and _group_int(key) in self._large

    def __len__(self) -> int:
        return len(self._large)
