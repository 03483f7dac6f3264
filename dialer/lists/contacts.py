"""A list row turned into a contact: the value types the DB adapter stores.

`ParsedContact` is what one row of a list becomes when it has at least one valid
phone number. `RowError` is a problem with a row: a rejected row (no usable
phone, unreadable record) is yielded as a RowError on its own; a problem with a
secondary field (a bad alternate phone, an unparseable headcount) is attached to
the contact in `warnings`, because the contact is still worth dialling.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Literal, NamedTuple

#: Which source decided a contact's zone, in the order they are tried (docs/lists.md):
#: the list's timezone/region/city/address columns, the numbering plan register, phonenumbers'
#: zone of a geographic number, the campaign's fallback zone; "unknown" when none gave one zone
#: (a mobile number phonenumbers gives many candidates for, with no fallback).
TimezoneSource = Literal[
    "timezone_column",
    "region_column",
    "city_column",
    "address_column",
    "numbering_plan",
    "phone",
    "campaign_fallback",
    "unknown",
]

#: Keys the importer itself adds to a contact's `extra` (stored with it, shown on the card and
#: in exports), next to the list's own extra columns.
EXTRA_TIMEZONE_SOURCE = "timezone_source"
EXTRA_EXTENSION = "extension"  # the main number's; an alternate's is "extension +7..."
EXTRA_OPERATOR = "phone_operator"  # the numbering plan's operator of the main number
EXTRA_PHONE_REGION = "phone_region"  # the numbering plan's federal subject of the main number
EXTRA_UNASSIGNED = "unassigned_range"  # the main number is in a range assigned to no operator
EXTRA_ADDRESS = "address"


class RowError(NamedTuple):
    """A problem at `row_number` (spreadsheet row, header = 1) in `field` (a field or column name)."""

    row_number: int
    field: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" ({self.value!r})" if self.value else ""
        return f"row {self.row_number}, {self.field}{shown}: {self.reason}"


class SummaryRow(RowError):
    """A totals/subtotal row ("Итого: 200"): no contact and no error, reported as a total."""

    __slots__ = ()


#: Shared read-only default for `ParsedContact.extra`.
NO_EXTRA: Mapping[str, str] = MappingProxyType({})


class ParsedContact(NamedTuple):
    """One contact from a list, normalised. `phones` are E.164, main number first, no repeats.

    A NamedTuple rather than a dataclass on purpose: a million of these are built, pickled
    between processes and compared, and a frozen slotted dataclass costs ~4 us to construct
    and ~15 us to unpickle, a tuple a fraction of that. Use `._replace(...)` to derive one.
    """

    row_number: int
    phones: tuple[str, ...]
    company: str | None = None
    contact_person: str | None = None
    specialty: str | None = None
    headcount: int | None = None
    tax_id: str | None = None
    parent_tax_id: str | None = None
    group: str | None = None
    region: str | None = None
    city: str | None = None
    email: str | None = None
    #: The callee's IANA zone when it is known for sure; None when only candidates are known.
    timezone: str | None = None
    #: Every zone the callee may be in (one when `timezone` is set; several for a mobile
    #: number with no region). The calling-window rules accept this tuple and only call
    #: when it is daytime in all of them.
    timezone_candidates: tuple[str, ...] = ()
    timezone_source: TimezoneSource = "unknown"
    extra: Mapping[str, str] = NO_EXTRA
    warnings: tuple[RowError, ...] = ()

    @property
    def main_phone(self) -> str:
        return self.phones[0]

    @property
    def group_key(self) -> str | None:
        """Which holding the contact belongs to for the "N+ rows" rule: parent tax id, else tax id."""
        return self.parent_tax_id or self.tax_id


# --- field parsers: return a value or raise ValueError with the reason -------------------------

_INT_WITH_SEPARATORS = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f,']\d{3})+$")
_NUMBER = re.compile(r"\d[\d \u00a0\u202f,']*(?:\.0+)?")
_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]{2,}$")
_INN_10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _to_int(token: str) -> int:
    t = token.strip()
    if t.endswith(".0") or re.fullmatch(r".*\.0+", t):
        t = t.split(".")[0]
    if _INT_WITH_SEPARATORS.match(t):
        t = re.sub(r"[ \u00a0\u202f,']", "", t)
    if not (t.isascii() and t.isdigit()) or len(t) > 9:  # a database INTEGER holds 9 digits safely
        raise ValueError(f"not a whole number: {token.strip()[:40]!r}")
    return int(t)


def parse_headcount(text: str) -> int | None:
    """'1 200' -> 1200; ranges '101-250' / 'от 101 до 250' -> 250 (upper bound); '>1000' -> 1000.

    The upper bound of a range is used so that a company that *may* be large is not
    dialled by a small-business campaign: corporate routing errs towards the corporate team.
    """
    t = text.strip()
    if t.isascii() and t.isdigit():  # the common case, 20x faster than the general path
        if len(t) > 9:  # no company has a billion staff; and int() refuses 4,300+ digits in its own words
            raise ValueError(f"not a headcount: {t[:40]!r}")
        return int(t)
    return _parse_headcount_general(t)


@lru_cache(maxsize=4096)
def _parse_headcount_general(text: str) -> int | None:
    t = text.replace("\u2013", "-").replace("\u2014", "-")
    if not t:
        return None
    numbers = [_to_int(m.group(0)) for m in _NUMBER.finditer(t)]
    if not numbers:
        raise ValueError("no number in headcount")
    rest = _NUMBER.sub("", t).casefold()
    rest = re.sub(
        r"(от|до|более|свыше|больше|менее|меньше|over|more than|less than|up to|from|to|"
        r"чел\.?|человек|сотрудников|employees|[-<>+~≈=])",
        " ",
        rest,
    ).strip()
    if rest or len(numbers) > 2:
        raise ValueError(f"not a headcount: {text.strip()[:40]!r}")
    return max(numbers)


def _inn_checksum_ok(digits: str) -> bool:
    def check(weights: tuple[int, ...], upto: int) -> int:
        total: int = sum(map(operator.mul, map(int, digits[:upto]), weights))
        return total % 11 % 10

    if len(digits) == 10:
        return check(_INN_10_WEIGHTS, 9) == int(digits[9])
    if len(digits) == 12:
        return check(_INN_11_WEIGHTS, 10) == int(digits[10]) and check(_INN_12_WEIGHTS, 11) == int(digits[11])
    return False


def parse_tax_id(text: str) -> tuple[str | None, str | None]:
    """Normalise a tax id (ИНН). Returns (value, warning).

    Excel turns '0274...' into 274... and long numbers into 7,71E+09; the first is
    repaired (left-padded to 10/12 digits), the second cannot be and is reported.
    Non-Russian ids (anything not 9-12 digits) are kept as written, upper-cased.
    """
    t = text.strip()
    if not t:
        return None, None
    if t.isascii() and t.isdigit() and len(t) in (10, 12):  # the common case, no regexes
        return (t, None) if _inn_checksum_ok(t) else (t, "ИНН checksum does not match (kept as written)")
    if re.fullmatch(r"\d+(?:[.,]\d+)?[eE]\+?\d+", t):
        return None, "Excel scientific notation lost the digits; format the column as text"
    digits = re.sub(r"[\s\-.]", "", t)
    if digits.endswith("0") and re.fullmatch(r"\d+\.0", t):
        digits = t[:-2]
    if not (digits.isascii() and digits.isdigit()):
        return t.upper(), None
    if len(digits) in (9, 11):  # Excel dropped a leading zero
        digits = "0" + digits
    if len(digits) in (10, 12):
        if not _inn_checksum_ok(digits):
            return digits, "ИНН checksum does not match (kept as written)"
        return digits, None
    return digits, None


def tax_id_key(text: str) -> str | None:
    """The normalised tax id `parse_tax_id` would give, without its checksum warning (pre-pass speed)."""
    t = text.strip()
    if t.isascii() and t.isdigit() and len(t) in (10, 12):
        return t
    return parse_tax_id(t)[0] if t else None


def parse_email(text: str) -> str:
    t = text.strip()
    if not _EMAIL.match(t):
        raise ValueError("not an e-mail address")
    return t
