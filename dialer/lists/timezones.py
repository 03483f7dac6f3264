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

# (stem, zone): first match wins, so more specific stems come first ("томск" before "омск").
_REGION_STEMS: tuple[tuple[str, str], ...] = (
    ("калинингр", "Europe/Kaliningrad"),
    ("kaliningrad", "Europe/Kaliningrad"),
    ("томск", "Asia/Tomsk"),
    ("томская", "Asia/Tomsk"),
    ("tomsk", "Asia/Tomsk"),
    ("новокузнецк", "Asia/Novokuznetsk"),
    ("кемеров", "Asia/Novokuznetsk"),
    ("кузбасс", "Asia/Novokuznetsk"),
    ("омск", "Asia/Omsk"),
    ("омская", "Asia/Omsk"),
    ("omsk", "Asia/Omsk"),
    ("новосибир", "Asia/Novosibirsk"),
    ("novosibirsk", "Asia/Novosibirsk"),
    ("алтай", "Asia/Barnaul"),
    ("барнаул", "Asia/Barnaul"),
    ("красноярск", "Asia/Krasnoyarsk"),
    ("krasnoyarsk", "Asia/Krasnoyarsk"),
    ("хакас", "Asia/Krasnoyarsk"),
    ("тыва", "Asia/Krasnoyarsk"),
    ("тува", "Asia/Krasnoyarsk"),
    ("иркутск", "Asia/Irkutsk"),
    ("irkutsk", "Asia/Irkutsk"),
    ("бурят", "Asia/Irkutsk"),
    ("улан удэ", "Asia/Irkutsk"),
    ("забайкал", "Asia/Chita"),
    ("чита", "Asia/Chita"),
    ("сахалин", "Asia/Sakhalin"),
    ("якут", "Asia/Yakutsk"),
    ("саха", "Asia/Yakutsk"),
    ("амурск", "Asia/Yakutsk"),
    ("благовещенск", "Asia/Yakutsk"),
    ("приморск", "Asia/Vladivostok"),
    ("владивосток", "Asia/Vladivostok"),
    ("vladivostok", "Asia/Vladivostok"),
    ("хабаров", "Asia/Vladivostok"),
    ("еврейск", "Asia/Vladivostok"),
    ("магадан", "Asia/Magadan"),
    ("камчат", "Asia/Kamchatka"),
    ("чукот", "Asia/Anadyr"),
    ("свердлов", "Asia/Yekaterinburg"),
    ("екатеринбург", "Asia/Yekaterinburg"),
    ("yekaterinburg", "Asia/Yekaterinburg"),
    ("ekaterinburg", "Asia/Yekaterinburg"),
    ("челябин", "Asia/Yekaterinburg"),
    ("курган", "Asia/Yekaterinburg"),
    ("тюмен", "Asia/Yekaterinburg"),
    ("ханты", "Asia/Yekaterinburg"),
    ("хмао", "Asia/Yekaterinburg"),
    ("югр", "Asia/Yekaterinburg"),
    ("ямал", "Asia/Yekaterinburg"),
    ("янао", "Asia/Yekaterinburg"),
    ("оренбург", "Asia/Yekaterinburg"),
    ("башк", "Asia/Yekaterinburg"),
    ("уфа", "Asia/Yekaterinburg"),
    ("перм", "Asia/Yekaterinburg"),
    ("самар", "Europe/Samara"),
    ("samara", "Europe/Samara"),
    ("удмурт", "Europe/Samara"),
    ("ижевск", "Europe/Samara"),
    ("тольятти", "Europe/Samara"),
    ("саратов", "Europe/Saratov"),
    ("ульянов", "Europe/Ulyanovsk"),
    ("астрахан", "Europe/Astrakhan"),
    ("волгоград", "Europe/Volgograd"),
    ("киров", "Europe/Kirov"),
    ("крым", "Europe/Simferopol"),
    ("симферопол", "Europe/Simferopol"),
    ("севастопол", "Europe/Simferopol"),
    # Everything else in European Russia is Moscow time; list the common ones explicitly so an
    # unknown string (a foreign region, a typo) stays unknown rather than silently Moscow.
    *(
        (stem, "Europe/Moscow")
        for stem in (
            "москв",
            "москов",
            "moscow",
            "санкт петербург",
            "петербург",
            "спб",
            "ленинград",
            "petersburg",
            "мурманск",
            "карели",
            "коми",
            "архангельск",
            "ненецк",
            "вологод",
            "новгород",
            "нижегород",
            "псков",
            "твер",
            "ярослав",
            "костром",
            "иванов",
            "владимир",
            "смолен",
            "брянск",
            "калуж",
            "тульск",
            "тула",
            "рязан",
            "орлов",
            "орел",
            "курск",
            "курская",
            "белгород",
            "воронеж",
            "липец",
            "тамбов",
            "пенз",
            "мордов",
            "чуваш",
            "марий",
            "татарстан",
            "казан",
            "kazan",
            "краснодар",
            "кубан",
            "адыге",
            "ростов",
            "ставрополь",
            "карачаев",
            "кабардин",
            "осети",
            "ингуш",
            "чечен",
            "дагестан",
            "калмык",
            "сочи",
        )
    ),
)

_OFFSET = re.compile(r"^(мск|msk|utc|gmt)?\s*([+-−])\s*(\d{1,2})(?::?00)?$")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


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
def timezone_for_region(text: str) -> str | None:
    """Zone for a region/city cell: an explicit zone form, else a Russian region/city name."""
    tz = parse_timezone(text)
    if tz is not None:
        return tz
    norm = " " + _NON_WORD.sub(" ", text.casefold().replace("ё", "е")).strip() + " "
    if not norm.strip():
        return None
    for stem, zone in _REGION_STEMS:
        if (" " + stem) in norm:  # stems match at word starts only
            return zone
    return None
