# ruff: noqa: RUF001, RUF002  (Russian text is intentional here)
"""Callee time zone from a timezone/region column.

phonenumbers knows the zone of a fixed-line number from its area code, but a
Russian mobile number (+79...) spans eleven zones; a region or timezone column in
the list is then the only way to know when it is daytime for the callee.
Accepted forms: an IANA name (`Asia/Krasnoyarsk`), `МСК+4` / `MSK+4`, `UTC+7` /
`GMT+7`, or (region column) the name of a Russian federal subject or large city.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache, lru_cache

from dialer.lists.subjects import zones_for_region

#: Russian zones by offset from Moscow (Russia has had no DST since 2014).
MSK_OFFSET_ZONES: dict[int, str] = {
    -1: "Europe/Kaliningrad",
    0: "Europe/Moscow",
    1: "Europe/Samara",
    2: "Asia/Yekaterinburg",
    3: "Asia/Omsk",
    4: "Asia/Krasnoyarsk",
    5: "Asia/Irkutsk",
    6: "Asia/Yakutsk",
    7: "Asia/Vladivostok",
    8: "Asia/Magadan",
    9: "Asia/Kamchatka",
}

_OFFSET = re.compile(r"^(мск|msk|utc|gmt)?\s*([+-−])\s*(\d{1,2})(?::?00)?$")


@cache
def _zones_by_casefold() -> dict[str, str]:
    return {z.casefold(): z for z in zoneinfo.available_timezones()}


def parse_timezone(text: str) -> str | None:
    """An IANA name for a timezone cell, or None if it is not understood."""
    t = text.strip()
    if not t:
        return None
    iana = _zones_by_casefold().get(t.casefold().replace(" ", "_"))
    if iana is not None:
        return iana
    low = t.casefold().replace("−", "-")
    if low in ("мск", "msk"):
        return MSK_OFFSET_ZONES[0]
    m = _OFFSET.match(low)
    if m is None:
        return None
    base, sign, hours_s = m.group(1), m.group(2), int(m.group(3))
    hours = -hours_s if sign == "-" else hours_s
    if base in ("мск", "msk"):
        return MSK_OFFSET_ZONES.get(hours)
    if base is None and abs(hours) > 14:
        return None
    if not -12 <= hours <= 14:
        return None
    # Etc/GMT signs are inverted by POSIX convention: UTC+7 is Etc/GMT-7.
    return "Etc/UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


@lru_cache(maxsize=8192)
def region_zones(text: str) -> tuple[str, ...]:
    """Every zone a region/city/address cell may mean: an explicit zone form, else the Russian
    federal subject it names (several zones for Якутия, Сахалинская область...). Empty: unknown."""
    tz = parse_timezone(text)
    if tz is not None:
        return (tz,)
    return zones_for_region(text)


def timezone_for_region(text: str) -> str | None:
    """The main zone of a region/city cell (see `region_zones` for all of them), or None."""
    zones = region_zones(text)
    return zones[0] if zones else None
