"""Calling windows in the callee's local time.

A campaign says "Mon-Fri 09:00-20:00, Sat 10:00-16:00, not on holidays, between
these dates"; the times are wall-clock times *where the callee is*. All instants
handled here are timezone-aware; local times are computed with zoneinfo, so DST
transitions are honoured (a window start that falls in a spring-forward gap
begins at the first real instant after it; in the autumn overlap a wall time
that occurs twice is in the window both times).

A contact whose zone is not known for sure has several candidate zones (a
Russian mobile number spans eleven). By default such a contact is callable only
when it is inside the window in *every* candidate zone, which is the only way to
be sure nobody is called at night; a campaign may instead name a fallback zone.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

UTC = dt.UTC
#: A contact's zone as the lists core gives it: a name, candidate names, or unknown.
ContactZones = str | Sequence[str] | None


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """[start, end) in local wall-clock time; `end` may be 24:00 (given as time.max)."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"calling window {self.start:%H:%M}-{self.end:%H:%M}: end must be after start")

    def contains(self, t: dt.time) -> bool:
        return self.start <= t < self.end or (self.end == dt.time.max and t >= self.start)

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """'09:00-20:00' (also '9-20', '09:00\u201324:00')."""
        parts = text.replace("\u2013", "-").replace(" ", "").split("-")
        if len(parts) != 2:
            raise ValueError(f"calling window {text!r}: expected 'HH:MM-HH:MM'")
        return cls(_parse_time(parts[0]), _parse_time(parts[1]))


def _parse_time(text: str) -> dt.time:
    hh, _, mm = text.partition(":")
    if not (hh.isascii() and hh.isdigit()) or (mm and not (mm.isascii() and mm.isdigit())):
        raise ValueError(f"not a time of day: {text!r}")
    h, m = int(hh), int(mm or 0)
    if (h, m) == (24, 0):
        return dt.time.max
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"not a time of day: {text!r}")
    return dt.time(h, m)


@dataclass(frozen=True, slots=True)
class CallingWindows:
    """When contacts may be called. `weekly` maps weekday (0 = Monday) to ranges."""

    weekly: Mapping[int, tuple[TimeRange, ...]]
    holidays: frozenset[dt.date] = frozenset()
    start_date: dt.date | None = None  # campaign dates, inclusive, in the callee's local calendar
    end_date: dt.date | None = None
    #: Zone assumed for contacts with no zone information at all. None: such contacts are not called.
    fallback_timezone: str | None = None
    #: With several candidate zones: True = must be in the window in all of them (safe);
    #: False = use `fallback_timezone` if it is one of the candidates, else still all of them.
    strict_ambiguous: bool = True
    _sorted: Mapping[int, tuple[TimeRange, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for day in self.weekly:
            if not 0 <= day <= 6:
                raise ValueError(f"weekday {day} is not in 0..6 (0 = Monday)")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("campaign start_date is after end_date")
        object.__setattr__(self, "_sorted", {d: tuple(sorted(r)) for d, r in self.weekly.items()})

    @classmethod
    def every_day(cls, text: str, **kwargs: object) -> CallingWindows:
        """Convenience for tests and defaults: the same range(s) on all seven days."""
        ranges = tuple(TimeRange.parse(t) for t in text.split(","))
        return cls({d: ranges for d in range(7)}, **kwargs)  # type: ignore[arg-type]

    def date_allowed(self, day: dt.date) -> bool:
        if self.start_date and day < self.start_date:
            return False
        if self.end_date and day > self.end_date:
            return False
        return day not in self.holidays

    def ranges_on(self, day: dt.date) -> tuple[TimeRange, ...]:
        if not self.date_allowed(day):
            return ()
        return self._sorted.get(day.weekday(), ())


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def resolve_zones(contact_tz: ContactZones, windows: CallingWindows) -> tuple[ZoneInfo, ...]:
    """The zones in which the window must hold. Empty tuple: the contact cannot be called."""
    names: tuple[str, ...]
    if contact_tz is None:
        names = ()
    elif isinstance(contact_tz, str):
        names = (contact_tz,)
    else:
        names = tuple(dict.fromkeys(contact_tz))
    if len(names) > 1 and not windows.strict_ambiguous and windows.fallback_timezone in names:
        names = (windows.fallback_timezone,)
    if not names and windows.fallback_timezone:
        names = (windows.fallback_timezone,)
    return tuple(_zone(n) for n in names)


def _require_aware(now_utc: dt.datetime) -> None:
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware")


def _callable_in(zone: ZoneInfo, instant: dt.datetime, windows: CallingWindows) -> bool:
    local = instant.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    return any(r.contains(t) for r in windows.ranges_on(local.date()))


def is_callable(contact_tz: ContactZones, now_utc: dt.datetime, windows: CallingWindows) -> bool:
    """May the contact be called at `now_utc`? In the window in every zone it may be in."""
    _require_aware(now_utc)
    zones = resolve_zones(contact_tz, windows)
    return bool(zones) and all(_callable_in(z, now_utc, windows) for z in zones)


def _starts(zone: ZoneInfo, after: dt.datetime, windows: CallingWindows, days: int) -> Iterator[dt.datetime]:
    """Window start instants in one zone, in time order, from the local day of `after`."""
    first = after.astimezone(zone).date() - dt.timedelta(days=1)  # DST edges: look one day back
    for offset in range(days + 2):
        day = first + dt.timedelta(days=offset)
        if windows.end_date and day > windows.end_date:
            return
        for r in windows.ranges_on(day):
            yield _first_instant_at_or_after(day, r.start, zone)


def local_day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The first instant of a local calendar day (a midnight in a DST gap: the transition), in UTC. Per-day
    figures of a place (a callee's calls, a call centre's inbound day) start here, not at UTC midnight."""
    return _first_instant_at_or_after(day, dt.time(0), zone)


def _first_instant_at_or_after(day: dt.date, wall: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The first instant whose local wall-clock time on `day` is >= `wall`.

    Usually just the wall time converted to UTC (fold=0 picks the first of two in an
    autumn overlap). In a spring-forward gap the wall time does not exist: the answer
    is the transition instant itself (e.g. 03:00 EDT for a 02:30 start in New York).
    """
    local = dt.datetime.combine(day, wall, tzinfo=zone)
    after = local.astimezone(UTC)
    if after.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return after  # the wall time exists
    before = local.replace(fold=1).astimezone(UTC)  # the same wall time read with the later offset
    lo, hi = min(before, after), max(before, after)
    naive = local.replace(tzinfo=None)
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    # transitions fall on whole seconds: hi is within a second above one, so truncate
    return hi.replace(microsecond=0)


def next_window_start(
    contact_tz: ContactZones, now_utc: dt.datetime, windows: CallingWindows, *, horizon_days: int = 400
) -> dt.datetime | None:
    """The first instant >= now when the contact is callable (now itself if callable now).

    None if there is none within `horizon_days` (campaign ended, no windows, unknown zone).
    With several zones the answer is the start of the first overlap of their windows.
    """
    _require_aware(now_utc)
    zones = resolve_zones(contact_tz, windows)
    if not zones:
        return None
    now = now_utc.astimezone(UTC)
    if all(_callable_in(z, now, windows) for z in zones):
        return now
    merged = heapq.merge(*(_starts(z, now, windows, horizon_days) for z in zones))
    for candidate in merged:
        if candidate <= now:
            continue
        if all(_callable_in(z, candidate, windows) for z in zones):
            return candidate
    return None


def local_date(contact_tz: ContactZones, instant: dt.datetime, windows: CallingWindows) -> dt.date:
    """The callee's calendar date (for per-day attempt limits); UTC when the zone is unknown."""
    zones = resolve_zones(contact_tz, windows)
    return instant.astimezone(zones[0] if zones else UTC).date()


def next_local_midnight(contact_tz: ContactZones, instant: dt.datetime, windows: CallingWindows) -> dt.datetime:
    zones = resolve_zones(contact_tz, windows)
    zone: dt.tzinfo = zones[0] if zones else UTC
    return local_day_start(instant.astimezone(zone).date() + dt.timedelta(days=1), zone)
