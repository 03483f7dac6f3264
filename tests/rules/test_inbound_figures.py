"""The inbound queue's figures: one definition for the simulator, the wallboard and the reports."""

from __future__ import annotations

import pytest

from dialer.rules.inbound_figures import InboundCallRecord, InboundFigures


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
