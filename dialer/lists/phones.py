"""Phone normalisation to E.164 with `phonenumbers`, plus the callee's time zones.

`phonenumbers.parse` costs ~25-40 µs per number, which dominates a million-row
import. Two sound speed-ups are applied here (the results are exactly what
phonenumbers says for the cleaned string):

* the cell is reduced to a *key* (leading `+` and digits; formatting characters
  `()-. ` dropped, an extension split off) and phonenumbers is given the key, which
  parses ~40% faster than the formatted text; results are cached by key, so a
  number written in several formats or repeated across rows is parsed once;
* `number_type` is computed once and used both for validity and time zones
  (phonenumbers' own `is_valid_number` + `time_zones_for_number` compute it twice);
* time zones of geographic numbers are cached by the longest prefix phonenumbers'
  zone data can match for that leading digit (4 digits for +7), which is exact;
* phonenumbers' own compiled-pattern cache is switched on (`re_util.enable_pattern_cache`,
  a supported switch that only keeps compiled metadata regexes);
* for the default region RU only, keys shaped `8XXXXXXXXXX`, `7XXXXXXXXXX` or
  `+7XXXXXXXXXX` with X... starting with 3, 4, 7, 8 or 9, or a bare `XXXXXXXXXX`
  starting with 3, 4, 7 or 9, skip `phonenumbers.parse`
  (~60% of the cost): for them parse always yields country code 7 and national number
  XXXXXXXXXX. That follows from the RU metadata (national prefix 8, international
  prefix 810, valid national numbers: 10 digits starting with 3, 4, 7, 8 or 9, or 8 + 13 digits), which is checked
  when the normaliser is created; if a phonenumbers upgrade changes it the fast path
  switches itself off. Validity is still decided by phonenumbers (`number_type`), and
  a property test compares both paths on random keys.

Multiprocessing over chunks (see `dialer.lists.reader`) is the remaining lever.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumber, PhoneNumberType, re_util
from phonenumbers import timezone as pn_timezone
from phonenumbers.phonenumberutil import is_number_type_geographical
from phonenumbers.tzdata import TIMEZONE_DATA

#: Separators between several numbers in one cell: "8 495 111-22-33, 8 916 222-33-44".
_MULTI_SPLIT = re.compile(r"\s*(?:[,;/|\n\r]|\s(?:или|or|и|and)\s)\s*", re.IGNORECASE)
_EXTENSION = re.compile(
    r"\s*(?:доб(?:авочный)?|вн(?:утр(?:енний)?)?|ext(?:ension)?|x|#)\.?\s*:?\s*(\d{1,6})\s*$",
    re.IGNORECASE,
)
_FORMATTING = re.compile(r"[\s()\-.\u00a0\u2010-\u2015]")
_KEY = re.compile(r"^\+?\d+$")
#: Only cells with a letter or '#' can carry an extension; skip the costly regex otherwise.
_EXT_HINT = re.compile(r"[^\d\s()+\-.]")
#: Only cells with one of these can hold several numbers.
_MULTI_HINT = re.compile(r"[,;/|\n\r]|\s(?:или|or|и|and)\s", re.IGNORECASE)
_UNKNOWN_TZ = "Etc/Unknown"
_CACHE_LIMIT = 50_000


def _tz_prefix_lengths() -> dict[str, int]:
    """Longest time-zone prefix per leading digit in phonenumbers' data (e.g. 4 for +7)."""
    longest: dict[str, int] = {}
    for key in TIMEZONE_DATA:
        longest[key[0]] = max(longest.get(key[0], 0), len(key))
    return longest


_TZ_PREFIX_LEN = _tz_prefix_lengths()
#: 8/7/+7 + 10 digits, or 10 bare digits starting with 3, 4, 7 or 9 (a bare 8... may be the
#: start of 810, Russia's international prefix, which phonenumbers reads as such).
_RU_FAST = re.compile(r"^(?:(?:\+7|7|8)([347-9]\d{9})|([3479]\d{9}))$")


def _ru_fast_path_sound() -> bool:
    """The metadata facts the RU shortcut relies on (see the module docstring)."""
    m = PhoneMetadata.metadata_for_region("RU")
    return bool(
        m is not None
        and m.country_code == 7
        and m.national_prefix_for_parsing == "8"
        and m.national_prefix_transform_rule is None
        and m.international_prefix == "810"
        and m.general_desc is not None
        and m.general_desc.national_number_pattern == "8\\d{13}|[347-9]\\d{9}"
        and tuple(m.general_desc.possible_length) == (10, 14)
    )


class PhoneResult(NamedTuple):
    """Outcome of normalising one number. Exactly one of e164 / error is set."""

    e164: str | None
    time_zones: tuple[str, ...] = ()  # IANA names from phonenumbers; several for mobile ranges
    extension: str | None = None
    error: str | None = None


# phonenumbers' _number_type_helper checks these descriptions in this order, then fixed line/mobile
_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)
_FIXED_LINE = "fixed_line"
_MOBILE = "mobile"


class _Desc(NamedTuple):
    lengths: frozenset[int]  # empty: any length
    pattern: re.Pattern[str] | None  # None: the description matches nothing

    def matches(self, nsn: str) -> bool:
        """phonenumbers' _is_number_matching_desc (a full match implies its prefix match)."""
        if self.pattern is None or (self.lengths and len(nsn) not in self.lengths):
            return False
        return self.pattern.fullmatch(nsn) is not None


def _desc(d: Any) -> _Desc | None:
    if d is None:
        return None
    pattern = re.compile(d.national_number_pattern) if d.national_number_pattern else None
    return _Desc(frozenset(d.possible_length or ()), pattern)


class NumberTyper:
    """`phonenumbers.number_type`, exactly, at a fraction of the cost.

    phonenumbers tries up to eleven number descriptions one by one (and, for country codes
    shared by several regions such as +7, validates the whole number once to pick the
    region and again to type it). Here the eight "special" descriptions that admit a given
    length are joined into one alternation `(?:(p1)|(p2)|...)`: a regex alternation tries
    its branches in order, so the branch that matches is the first description that
    matches, which is what the one-by-one loop returns. Same patterns, same order, same
    length checks; a test compares the two on random numbers of every country.
    """

    def __init__(self) -> None:
        self._by_metadata: dict[int, _MetadataTyper] = {}
        # per country code: (leading-digits regex or None, typer) per region, in phonenumbers' order
        self._plans: dict[int, tuple[tuple[re.Pattern[str] | None, _MetadataTyper | None], ...]] = {}

    def number_type(self, num: PhoneNumber) -> int:
        return self.type_of(num.country_code or 0, phonenumbers.national_significant_number(num))

    def type_of(self, cc: int, nsn: str) -> int:
        """The type of +cc nsn (nsn: the national significant number, digits)."""
        plan = self._plans.get(cc)
        if plan is None:
            plan = self._plans[cc] = self._plan(cc)
        if len(plan) == 1:
            typer = plan[0][1]
            return PhoneNumberType.UNKNOWN if typer is None else typer.number_type(nsn)
        # phonenumbers' _region_code_for_number_from_list, then number_type for that region
        for leading, typer in plan:
            if typer is None:
                continue
            if leading is not None:
                if leading.match(nsn):
                    return typer.number_type(nsn)
            else:
                ntype = typer.number_type(nsn)
                if ntype != PhoneNumberType.UNKNOWN:
                    return ntype  # number_type types it against this same metadata again
        return PhoneNumberType.UNKNOWN

    def _plan(self, cc: int) -> tuple[tuple[re.Pattern[str] | None, _MetadataTyper | None], ...]:
        regions = COUNTRY_CODE_TO_REGION_CODE.get(cc, ())
        if len(regions) == 1:  # number_type: metadata_for_region_or_calling_code(cc, the region)
            return ((None, self._typer(PhoneMetadata.metadata_for_region_or_calling_code(cc, regions[0]))),)
        plan: list[tuple[re.Pattern[str] | None, _MetadataTyper | None]] = []
        for region in regions:
            metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
            if metadata is None:
                continue
            leading = re.compile(metadata.leading_digits) if metadata.leading_digits is not None else None
            plan.append((leading, self._typer(metadata)))
        if len(plan) == 1:  # keep the "several regions" path: a lone entry is not a lone region
            plan.append((None, None))
        return tuple(plan)

    def _typer(self, metadata: PhoneMetadata | None) -> _MetadataTyper | None:
        if metadata is None:
            return None
        typer = self._by_metadata.get(id(metadata))
        if typer is None:
            typer = self._by_metadata[id(metadata)] = _MetadataTyper(metadata)
        return typer


class _MetadataTyper:
    """phonenumbers' _number_type_helper for one region's metadata, the special types joined."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.metadata = metadata  # keeps id(metadata) from being reused while cached
        self.general = _desc(metadata.general_desc)
        self.special = [(t, _desc(getattr(metadata, name))) for name, t in _SPECIAL_TYPES]
        self.fixed_line = _desc(getattr(metadata, _FIXED_LINE))
        self.mobile = _desc(getattr(metadata, _MOBILE))
        self.same_mobile_and_fixed_line = bool(metadata.same_mobile_and_fixed_line_pattern)
        self._joined: dict[int, tuple[re.Pattern[str] | None, tuple[int, ...]]] = {}

    def _special_for(self, length: int) -> tuple[re.Pattern[str] | None, tuple[int, ...]]:
        joined = self._joined.get(length)
        if joined is None:
            branches: list[str] = []
            types: list[int] = []
            for t, d in self.special:
                if d is None or d.pattern is None or (d.lengths and length not in d.lengths):
                    continue
                if d.pattern.groups:  # a capturing group would shift the branch numbers
                    raise ValueError("metadata pattern with a capturing group")
                branches.append(f"({d.pattern.pattern})")
                types.append(t)
            pattern = re.compile("(?:" + "|".join(branches) + ")") if branches else None
            joined = self._joined[length] = (pattern, tuple(types))
        return joined

    def number_type(self, nsn: str) -> int:
        if self.general is None or not self.general.matches(nsn):
            return PhoneNumberType.UNKNOWN
        pattern, types = self._special_for(len(nsn))
        if pattern is not None:
            m = pattern.fullmatch(nsn)
            if m is not None:
                return types[(m.lastindex or 1) - 1]
        if self.fixed_line is not None and self.fixed_line.matches(nsn):
            if self.same_mobile_and_fixed_line or (self.mobile is not None and self.mobile.matches(nsn)):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_mobile_and_fixed_line and self.mobile is not None and self.mobile.matches(nsn):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


def split_phone_cell(cell: str) -> list[str]:
    """Several numbers in one cell, separated by , ; / | newline or the word 'или'/'or'.

    A part that is only an extension ("8 383 212-34-56, доб. 45") stays with the number before it."""
    if not _MULTI_HINT.search(cell):
        return [cell] if cell.strip() else []
    parts: list[str] = []
    for part in _MULTI_SPLIT.split(cell.strip()):
        if not part.strip():
            continue
        m = _EXTENSION.match(" " + part) if parts and _EXT_HINT.search(part) else None
        if m is not None and m.end() == len(part) + 1 and not _KEY.match(part.strip()):
            parts[-1] = f"{parts[-1]} {part.strip()}"
        else:
            parts.append(part)
    return parts


class PhoneNormalizer:
    """Stateful only for its cache; one per import (the default region is fixed for it)."""

    def __init__(self, default_region: str = "RU") -> None:
        region = default_region.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown default region {default_region!r} (expected e.g. 'RU', 'KZ', 'GB')")
        self.default_region = region
        self._cache: dict[str, PhoneResult] = {}
        self._country_zones: dict[int, tuple[str, ...]] = {}
        self._geo_zones: dict[str, tuple[str, ...]] = {}
        self._ru_fast = region == "RU" and _ru_fast_path_sound()
        self._typer = NumberTyper()
        re_util.enable_pattern_cache()

    def normalise(self, text: str) -> PhoneResult:
        """One number (not a multi-number cell) to E.164, or an error saying why not."""
        raw = text.strip()
        if not raw:
            return PhoneResult(None, error="empty")
        extension: str | None = None
        m = _EXTENSION.search(raw) if _EXT_HINT.search(raw) else None
        if m and m.start() > 0:
            extension = m.group(1)
            raw = raw[: m.start()]
        key = _FORMATTING.sub("", raw)
        if key.startswith("00") and len(key) > 4:
            # the ITU international prefix, whatever the default region (phonenumbers only
            # accepts it where it is the local one; Russia's is 810): "0044..." means the UK
            key = "+" + key[2:]
        if not _KEY.match(key):
            return PhoneResult(None, error=f"not a phone number: {text.strip()[:40]!r}")
        cached = self._cache.get(key)
        if cached is None:
            cached = self._parse(key)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()  # bounded memory; unique numbers don't benefit anyway
            self._cache[key] = cached
        if extension is not None and cached.e164 is not None:
            return PhoneResult(cached.e164, cached.time_zones, extension)
        return cached

    def _parse(self, key: str) -> PhoneResult:
        num: PhoneNumber | None = None
        m = _RU_FAST.match(key) if self._ru_fast else None
        if m is not None:
            cc, nsn = 7, m.group(1) or m.group(2)  # 10 digits, first one 3-9: already significant
        else:
            try:
                num = phonenumbers.parse(key, self.default_region)
            except phonenumbers.NumberParseException as exc:
                return PhoneResult(None, error=f"cannot parse: {exc._msg}")
            cc, nsn = num.country_code or 0, phonenumbers.national_significant_number(num)
        ntype = self._typer.type_of(cc, nsn)
        if ntype == PhoneNumberType.UNKNOWN:
            shown = cc if num is None else num.country_code
            return PhoneResult(None, error=f"not a valid number for +{shown} ({len(nsn)} digits)")
        e164 = f"+{cc}{nsn}"
        zones: tuple[str, ...] | None
        if is_number_type_geographical(ntype, cc):
            # phonenumbers looks the zone up by the longest matching prefix of the E.164 digits;
            # no prefix starting with this digit is longer than _TZ_PREFIX_LEN[digit], so
            # the answer depends on those digits only and is cached by them
            tz_key = e164[1 : 1 + _TZ_PREFIX_LEN.get(e164[1], 9)]
            zones = self._geo_zones.get(tz_key)
            if zones is None:
                num = num or PhoneNumber(country_code=cc, national_number=int(nsn))
                found = pn_timezone.time_zones_for_geographical_number(num)
                zones = tuple(z for z in found if z != _UNKNOWN_TZ)
                self._geo_zones[tz_key] = zones
        else:
            # mobile in most countries, toll-free...: phonenumbers answers with the country's zones,
            # which depend on the country code only, so they are looked up once per country
            zones = self._country_zones.get(cc)
            if zones is None:
                num = num or PhoneNumber(country_code=cc, national_number=int(nsn))
                zones = tuple(z for z in pn_timezone.time_zones_for_number(num) if z != _UNKNOWN_TZ)
                self._country_zones[cc] = zones
        return PhoneResult(e164, zones)
