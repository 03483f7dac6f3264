"""Calling windows in the callee's local time, across zones and DST edges."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.rules import CallingWindows, TimeRange, is_callable, next_window_start

UTC = dt.UTC
WEEKDAYS_9_20 = CallingWindows({d: (TimeRange.parse("09:00-20:00"),) for d in range(5)})


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_same_instant_differs_by_callee_zone() -> None:
    now = utc(2026, 3, 2, 5, 0)  # Monday 08:00 Moscow, 15:00 Vladivostok
    assert not is_callable("Europe/Moscow", now, WEEKDAYS_9_20)
    assert is_callable("Asia/Vladivostok", now, WEEKDAYS_9_20)
    assert next_window_start("Europe/Moscow", now, WEEKDAYS_9_20) == utc(2026, 3, 2, 6, 0)
    assert next_window_start("Asia/Vladivostok", now, WEEKDAYS_9_20) == now


def test_window_end_is_exclusive_and_weekend_skipped() -> None:
    assert is_callable("Europe/Moscow", utc(2026, 3, 6, 16, 59), WEEKDAYS_9_20)  # Fri 19:59
    assert not is_callable("Europe/Moscow", utc(2026, 3, 6, 17, 0), WEEKDAYS_9_20)  # Fri 20:00
    # Friday evening -> Monday 09:00 Moscow
    assert next_window_start("Europe/Moscow", utc(2026, 3, 6, 17, 0), WEEKDAYS_9_20) == utc(2026, 3, 9, 6, 0)


def test_several_ranges_per_day_and_24_00() -> None:
    w = CallingWindows(
        {0: (TimeRange.parse("14:00-18:00"), TimeRange.parse("09:00-12:00")), 1: (TimeRange.parse("20:00-24:00"),)}
    )
    z = "Europe/London"
    assert next_window_start(z, utc(2026, 3, 2, 12, 30), w) == utc(2026, 3, 2, 14, 0)
    assert is_callable(z, utc(2026, 3, 3, 23, 59, 59), w)
    assert not is_callable(z, utc(2026, 3, 2, 12, 0), w)


def test_holidays_use_the_callee_local_date() -> None:
    w = CallingWindows(
        {d: (TimeRange.parse("09:00-20:00"),) for d in range(7)}, holidays=frozenset({dt.date(2026, 1, 1)})
    )
    # 2025-12-31 23:30 UTC is already 1 January 08:30 in Vladivostok, 02:30 in Moscow
    assert next_window_start("Asia/Vladivostok", utc(2025, 12, 31, 23, 30), w) == utc(2026, 1, 1, 23, 0)
    assert not is_callable("Asia/Vladivostok", utc(2026, 1, 1, 3, 0), w)
    assert is_callable("Europe/Moscow", utc(2025, 12, 31, 16, 0), w)


def test_campaign_start_and_end_dates() -> None:
    w = CallingWindows(
        {d: (TimeRange.parse("09:00-20:00"),) for d in range(7)},
        start_date=dt.date(2026, 3, 10),
        end_date=dt.date(2026, 3, 12),
    )
    assert next_window_start("Europe/Moscow", utc(2026, 3, 1, 12), w) == utc(2026, 3, 10, 6, 0)
    assert is_callable("Europe/Moscow", utc(2026, 3, 12, 16, 59), w)
    assert next_window_start("Europe/Moscow", utc(2026, 3, 12, 17, 0), w) is None  # campaign over
    with pytest.raises(ValueError):
        CallingWindows({}, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 1))


def test_dst_spring_forward_gap() -> None:
    # New York, Sunday 2026-03-08: 02:00 EST jumps to 03:00 EDT
    w = CallingWindows({6: (TimeRange.parse("02:30-05:00"),)})
    z = "America/New_York"
    start = next_window_start(z, utc(2026, 3, 8, 5, 0), w)  # 00:00 EST
    assert start == utc(2026, 3, 8, 7, 0)  # 03:00 EDT, the first real instant after 02:30
    assert start.astimezone(ZoneInfo(z)).hour == 3
    assert not is_callable(z, utc(2026, 3, 8, 6, 59), w)  # 01:59 EST
    assert is_callable(z, utc(2026, 3, 8, 8, 59), w)  # 04:59 EDT
    assert not is_callable(z, utc(2026, 3, 8, 9, 0), w)  # 05:00 EDT


def test_dst_fall_back_overlap_counts_both_times() -> None:
    # New York, Sunday 2026-11-01: 01:00-02:00 happens twice (EDT then EST)
    w = CallingWindows({6: (TimeRange.parse("01:00-02:00"),)})
    z = "America/New_York"
    assert is_callable(z, utc(2026, 11, 1, 5, 30), w)  # 01:30 EDT
    assert is_callable(z, utc(2026, 11, 1, 6, 30), w)  # 01:30 EST
    assert not is_callable(z, utc(2026, 11, 1, 7, 0), w)  # 02:00 EST
    assert next_window_start(z, utc(2026, 11, 1, 4, 0), w) == utc(2026, 11, 1, 5, 0)


def test_dst_shifts_the_utc_window_in_europe() -> None:
    w = CallingWindows({d: (TimeRange.parse("09:00-20:00"),) for d in range(7)})
    # London 09:00 is 09:00 UTC on Saturday 28 March and 08:00 UTC on Monday 30 March (BST)
    assert next_window_start("Europe/London", utc(2026, 3, 28, 0), w) == utc(2026, 3, 28, 9)
    assert next_window_start("Europe/London", utc(2026, 3, 30, 0), w) == utc(2026, 3, 30, 8)


def test_ambiguous_zones_need_all_of_them() -> None:
    w = CallingWindows({d: (TimeRange.parse("09:00-21:00"),) for d in range(7)})
    zones = ("Europe/Moscow", "Asia/Vladivostok")  # UTC+3 and UTC+10
    # callable only 06:00-11:00 UTC... Moscow opens 06:00 UTC, Vladivostok closes 11:00 UTC
    assert not is_callable(zones, utc(2026, 3, 2, 5, 0), w)
    assert is_callable(zones, utc(2026, 3, 2, 6, 0), w)
    assert not is_callable(zones, utc(2026, 3, 2, 11, 0), w)
    assert next_window_start(zones, utc(2026, 3, 2, 12, 0), w) == utc(2026, 3, 3, 6, 0)
    # and with no overlap at all, never
    narrow = CallingWindows({d: (TimeRange.parse("09:00-12:00"),) for d in range(7)})
    assert next_window_start(zones, utc(2026, 3, 2, 12, 0), narrow, horizon_days=30) is None


def test_fallback_zone_for_unknown_and_lenient_ambiguous() -> None:
    w = CallingWindows({d: (TimeRange.parse("09:00-21:00"),) for d in range(7)})
    assert not is_callable(None, utc(2026, 3, 2, 8), w)  # unknown zone, no fallback: never
    assert next_window_start(None, utc(2026, 3, 2, 8), w) is None
    fw = CallingWindows(w.weekly, fallback_timezone="Europe/Moscow")
    assert is_callable(None, utc(2026, 3, 2, 8), fw) and is_callable((), utc(2026, 3, 2, 8), fw)
    lenient = CallingWindows(w.weekly, fallback_timezone="Europe/Moscow", strict_ambiguous=False)
    zones = ("Europe/Moscow", "Asia/Vladivostok")
    assert not is_callable(zones, utc(2026, 3, 2, 14), fw)
    assert is_callable(zones, utc(2026, 3, 2, 14), lenient)


def test_inputs_are_validated() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_callable("Europe/Moscow", dt.datetime(2026, 3, 2, 12), WEEKDAYS_9_20)
    with pytest.raises(ValueError):
        TimeRange.parse("20:00-09:00")
    with pytest.raises(ValueError):
        TimeRange.parse("25:00-26:00")
    with pytest.raises(ValueError):
        CallingWindows({7: ()})
    assert TimeRange.parse("9-20") == TimeRange(dt.time(9), dt.time(20))


ZONES = st.sampled_from(
    [
        "Europe/Moscow",
        "Asia/Kamchatka",
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Asia/Kolkata",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    zone=ZONES,
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(UTC)),
    opening=st.integers(0, 22),
    length=st.integers(1, 6),
    days=st.sets(st.integers(0, 6), min_size=1),
)
def test_next_window_start_is_callable_and_earliest(
    zone: str, start: dt.datetime, opening: int, length: int, days: set[int]
) -> None:
    end = dt.time.max if opening + length >= 24 else dt.time(opening + length)
    w = CallingWindows({d: (TimeRange(dt.time(opening), end),) for d in days})
    nxt = next_window_start(zone, start, w)
    assert nxt is not None and nxt >= start
    assert is_callable(zone, nxt, w)
    # nothing callable in between (checked every 20 minutes and just before)
    probe = start
    while probe < nxt - dt.timedelta(seconds=1):
        assert not is_callable(zone, probe, w)
        probe += dt.timedelta(minutes=20)
    assert not is_callable(zone, nxt - dt.timedelta(seconds=1), w) or nxt == start


@pytest.mark.parametrize(
    ("zone", "day", "start"),
    [
        ("Europe/Moscow", dt.date(2026, 5, 5), "2026-05-04T21:00:00+00:00"),
        ("Asia/Novosibirsk", dt.date(2026, 5, 5), "2026-05-04T17:00:00+00:00"),
        ("UTC", dt.date(2026, 5, 5), "2026-05-05T00:00:00+00:00"),
        # Chile moves its clocks at midnight: 6 Sept 2026 has no 00:00, its day starts at 01:00 -03
        ("America/Santiago", dt.date(2026, 9, 6), "2026-09-06T04:00:00+00:00"),
    ],
)
def test_local_day_start(zone: str, day: dt.date, start: str) -> None:
    from dialer.rules.windows import local_day_start

    first = local_day_start(day, ZoneInfo(zone))
    assert first == dt.datetime.fromisoformat(start)
    assert first.astimezone(ZoneInfo(zone)).date() == day
    assert (first - dt.timedelta(seconds=1)).astimezone(ZoneInfo(zone)).date() < day
