"""The inbound queue's figures: one definition for the simulator, the wallboard and the reports."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dialer.rules.inbound_figures import InboundCallRecord, InboundFigures, figures_by_day


def test_no_callers() -> None:
    f = InboundFigures.of([], 20.0)
    assert (f.offered, f.service_level, f.average_speed_of_answer_s) == (0, 1.0, 0.0)


def test_service_level_counts_every_caller_offered() -> None:
    calls = [
        InboundCallRecord(0.0, 0.0, answered=True),
        InboundCallRecord(1.0, 20.0, answered=True),  # exactly at the threshold: in time
        InboundCallRecord(2.0, 20.5, answered=True),
        InboundCallRecord(3.0, 3.0, answered=False),  # a quick hang-up still counts as offered
        InboundCallRecord(4.0, 60.0, answered=False, hung_up=False),  # sent to a callback
    ]
    f = InboundFigures.of(calls, 20.0)
    assert (f.offered, f.answered, f.answered_in_time, f.abandoned, f.sent_to_callback) == (5, 3, 2, 1, 1)
    assert f.service_level == pytest.approx(0.4)
    assert f.average_speed_of_answer_s == pytest.approx(40.5 / 3)
    assert f.within_s == 20.0


def test_all_abandoned() -> None:
    f = InboundFigures.of([InboundCallRecord(0.0, 30.0, answered=False)] * 3, 20.0)
    assert f.service_level == 0.0 and f.abandoned == 3 and f.average_speed_of_answer_s == 0.0


def _at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        # 22:30 UTC on the 4th is 01:30 on the 5th in Moscow (UTC+3): the next local day
        ("Europe/Moscow", {date(2026, 5, 4): 2, date(2026, 5, 5): 2}),
        # 17:30 UTC is already 00:30 on the 5th in Novosibirsk (UTC+7)
        ("Asia/Novosibirsk", {date(2026, 5, 4): 1, date(2026, 5, 5): 3}),
        ("UTC", {date(2026, 5, 4): 3, date(2026, 5, 5): 1}),
    ],
)
def test_days_are_the_campaigns_local_days(zone: str, days: dict[date, int]) -> None:
    calls = [
        InboundCallRecord(_at("2026-05-04T09:00:00+00:00"), 5.0, answered=True),
        InboundCallRecord(_at("2026-05-04T17:30:00+00:00"), 30.0, answered=True),
        InboundCallRecord(_at("2026-05-04T22:30:00+00:00"), 3.0, answered=True),
        InboundCallRecord(_at("2026-05-05T08:00:00+00:00"), 10.0, answered=False),
    ]
    by_day = figures_by_day(calls, 20.0, ZoneInfo(zone))
    assert {day: f.offered for day, f in by_day} == days
    assert [day for day, _ in by_day] == sorted(days)  # oldest first
    assert sum(f.answered_in_time for _, f in by_day) == 2


def test_the_call_at_22_30_utc_is_moscows_next_day() -> None:
    ((day, f),) = figures_by_day(
        [InboundCallRecord(_at("2026-05-04T22:30:00+00:00"), 5.0, answered=True)], 20.0, ZoneInfo("Europe/Moscow")
    )
    assert day == date(2026, 5, 5) and f.offered == 1
