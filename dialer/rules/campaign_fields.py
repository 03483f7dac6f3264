"""The building blocks of a campaign file: durations people write ('10m', '2h', '1h30m'), day names
and ranges ('mon-fri', 'пн', 'weekdays'), time zones, and the strict base model (unknown keys are
errors). Pure."""

# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(min|sec|w|d|h|m|s)")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1}


def parse_duration(value: Any) -> dt.timedelta:
    """'10m', '2h', '1h30m', '182d', 90 (seconds) or a timedelta."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration like '10m', '2h', '3d' or a number of seconds")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("duration must not be negative")
        return dt.timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text.isascii() and text.isdigit():
            return dt.timedelta(seconds=int(text))
        pos, total = 0, 0.0
        for m in _DURATION.finditer(text):
            if m.start() != pos:
                break
            total += float(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if text and pos == len(text):
            return dt.timedelta(seconds=total)
        if text.startswith("p"):  # ISO 8601 ('PT10M'), as the definition is stored and served as JSON
            try:
                return TypeAdapter(dt.timedelta).validate_python(value.strip())
            except ValidationError:
                pass
    raise ValueError(f"not a duration: {value!r} (use e.g. '10m', '2h', '3d', '1h30m' or seconds)")


Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_DAY_NAMES = {
    "mon": 0,
    "monday": 0,
    "пн": 0,
    "tue": 1,
    "tuesday": 1,
    "вт": 1,
    "wed": 2,
    "wednesday": 2,
    "ср": 2,
    "thu": 3,
    "thursday": 3,
    "чт": 3,
    "fri": 4,
    "friday": 4,
    "пт": 4,
    "sat": 5,
    "saturday": 5,
    "сб": 5,
    "sun": 6,
    "sunday": 6,
    "вс": 6,
}
_DAY_GROUPS = {"daily": range(7), "every_day": range(7), "weekdays": range(5), "weekend": range(5, 7)}


def _days(key: str) -> list[int]:
    k = key.strip().lower()
    if k in _DAY_GROUPS:
        return list(_DAY_GROUPS[k])
    if "-" in k:
        a, _, b = k.partition("-")
        if a in _DAY_NAMES and b in _DAY_NAMES:
            lo, hi = _DAY_NAMES[a], _DAY_NAMES[b]
            return list(range(lo, hi + 1)) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)]
    if k in _DAY_NAMES:
        return [_DAY_NAMES[k]]
    raise ValueError(f"unknown day {key!r}: use mon..sun, ranges like mon-fri, weekdays, weekend or daily")


def _check_zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r} (e.g. Europe/Moscow)") from None
    return name


def _range_texts(ranges: str | list[str] | None) -> list[str]:
    if ranges is None:
        return []
    items = ranges.split(",") if isinstance(ranges, str) else ranges
    return [t.strip() for t in items if t.strip()]
