"""The inbound queue's figures: service level, average speed of answer, queue abandons. Pure.

One definition for the simulator, the wallboard and the reports:
- offered: callers who came in, except those still queued (their fate is not known yet);
- service level: callers answered within the threshold / offered (callers who hung up, however soon, and
  callers sent to a callback at the maximum wait count as not answered in time: the strictest usual form);
- average speed of answer: mean wait of the answered callers;
- queue abandons: callers who hung up while queued; sent to callback: released at the maximum wait or
  because the campaign was closed;
- a day is the campaign's local day (its inbound clock, `inbound.timezone`), not UTC's: a Moscow call
  centre's 01:30 call is today's, though it is 22:30 yesterday in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo


@dataclass(frozen=True, slots=True)
class InboundCallRecord:
    """One caller who came in: how long they waited, and whether an operator answered."""

    arrived_at: float
    waited_s: float  # until answered, or until they left the queue
    answered: bool
    hung_up: bool = True  # not answered: hung up while queued (False: released to a callback by the rules)


@dataclass(frozen=True, slots=True)
class InboundFigures:
    offered: int
    answered: int
    abandoned: int  # hung up while queued
    sent_to_callback: int  # released at the maximum wait or while closed
    answered_in_time: int
    service_level: float  # answered within the threshold / offered (1 with no caller)
    average_speed_of_answer_s: float  # mean wait of the answered callers (0 with none)
    within_s: float

    @staticmethod
    def of(calls: Iterable[InboundCallRecord], within_s: float) -> InboundFigures:
        calls = list(calls)
        answered = [c for c in calls if c.answered]
        in_time = sum(1 for c in answered if c.waited_s <= within_s + 1e-9)
        hung_up = sum(1 for c in calls if not c.answered and c.hung_up)
        return InboundFigures(
            offered=len(calls),
            answered=len(answered),
            abandoned=hung_up,
            sent_to_callback=len(calls) - len(answered) - hung_up,
            answered_in_time=in_time,
            service_level=in_time / len(calls) if calls else 1.0,
            average_speed_of_answer_s=sum(c.waited_s for c in answered) / len(answered) if answered else 0.0,
            within_s=within_s,
        )


def figures_by_day(
    calls: Iterable[InboundCallRecord], within_s: float, zone: tzinfo
) -> list[tuple[date, InboundFigures]]:
    """The figures per local day of arrival in `zone` (the campaign's inbound clock), oldest first; days
    without a caller are left out."""
    days: dict[date, list[InboundCallRecord]] = {}
    for call in calls:
        days.setdefault(datetime.fromtimestamp(call.arrived_at, zone).date(), []).append(call)
    return [(day, InboundFigures.of(day_calls, within_s)) for day, day_calls in sorted(days.items())]
