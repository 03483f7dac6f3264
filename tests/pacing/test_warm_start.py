"""Warm start of the pacing learner from the database's recent history (dialer.pacing.warm_start): a
restarted dialer's learner knows what the live one knew, fed exactly as the live path would have fed it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.outcomes import AttemptOutcome
from dialer.pacing import PacingKnobs
from dialer.pacing.learned import DialOutcome
from dialer.pacing.learner import PacingLearner
from dialer.pacing.warm_start import CampaignHistory, PastDial, WarmStart, observed_dial, warm_start

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


def shift(n: int, answer_rate: float, ring_s: float, talk_s: float, seed: int = 1) -> list[PastDial]:
    """`n` dials, one every 6 s up to NOW: people answer after `ring_s`, talk `talk_s`; the rest are busy,
    no answer or a machine."""
    rng = random.Random(seed)
    dials = []
    for i in range(n):
        placed = NOW - timedelta(seconds=6 * (n - i) + talk_s + 60)
        roll = rng.random()
        if roll < answer_rate:
            answered = placed + timedelta(seconds=ring_s)
            bridged = answered + timedelta(seconds=0.3)
            ended = bridged + timedelta(seconds=talk_s)
            dials.append(PastDial("connected", placed, ended, answered, bridged))
        elif roll < answer_rate + 0.1:
            answered = placed + timedelta(seconds=ring_s)
            dials.append(PastDial("machine", placed, answered + timedelta(seconds=4), answered))
        elif roll < answer_rate + 0.3:
            dials.append(PastDial("busy", placed, placed + timedelta(seconds=4)))
        else:
            dials.append(PastDial("no_answer", placed, placed + timedelta(seconds=25)))
    return dials


def test_an_empty_history_leaves_the_learner_cold() -> None:
    learner = PacingLearner()
    assert warm_start(learner, CampaignHistory(), now=NOW, monotonic_now=1000.0) == WarmStart()
    assert learner.learned(15).dials_seen == 0


def test_a_warm_started_learner_predicts_at_once_with_the_campaigns_figures() -> None:
    """300 dials of a shift where a third answer after 8 s and talk 90 s, wrap-ups of 20 s: the restarted
    learner is past the progressive phase and close to those figures (not the priors: 25 %, 180 s, 20 s)."""
    dials = shift(300, answer_rate=1 / 3, ring_s=8, talk_s=90)
    wraps = tuple((d.ended_at + timedelta(seconds=20), 20.0) for d in dials if d.outcome == "connected")
    learner = PacingLearner()
    fed = warm_start(learner, CampaignHistory(tuple(dials), wraps), now=NOW, monotonic_now=5000.0)
    connected = sum(d.outcome == "connected" for d in dials)
    assert fed == WarmStart(dials=300, talks=connected, wrap_ups=connected)
    stats = learner.learned(NOW.hour, now=5000.0)
    assert stats.dials_seen == 300 >= PacingKnobs().min_dials_to_predict
    assert stats.answer_probability == pytest.approx(connected / 300, abs=0.04)
    assert stats.mean_talk_s == pytest.approx(90, abs=10)  # the 180 s prior still weighs 10 calls
    assert stats.mean_wrap_s == pytest.approx(20, abs=2)
    assert stats.machine_probability == pytest.approx(sum(d.outcome == "machine" for d in dials) / 300, abs=0.04)


def test_a_cold_learner_would_still_be_learning() -> None:
    """The gap the warm start closes (the pacing core dials progressively below min_dials_to_predict)."""
    assert PacingLearner().learned(15).dials_seen < PacingKnobs().min_dials_to_predict


def test_system_failures_and_unknown_outcomes_teach_nothing() -> None:
    placed = NOW - timedelta(minutes=5)
    history = CampaignHistory(
        (
            PastDial("system_failure", placed, placed + timedelta(seconds=1)),
            PastDial("not-an-outcome", placed, placed + timedelta(seconds=1)),
            PastDial("busy", placed, placed + timedelta(seconds=3)),
        )
    )
    learner = PacingLearner()
    assert warm_start(learner, history, now=NOW, monotonic_now=100.0) == WarmStart(dials=1)


@pytest.mark.parametrize(
    ("outcome", "answered", "expected"),
    [
        (AttemptOutcome.CONNECTED, 7.0, (DialOutcome.HUMAN, 7.0)),
        (AttemptOutcome.ABANDONED, 5.0, (DialOutcome.HUMAN, 5.0)),
        (AttemptOutcome.MACHINE, 9.0, (DialOutcome.MACHINE, 9.0)),
        (AttemptOutcome.BUSY, None, (DialOutcome.BUSY, 30.0)),
        (AttemptOutcome.NO_ANSWER, None, (DialOutcome.NO_ANSWER, 30.0)),
        (AttemptOutcome.FAILED, None, (DialOutcome.FAILED, 30.0)),
    ],
)
def test_how_a_dial_resolved(
    outcome: AttemptOutcome, answered: float | None, expected: tuple[DialOutcome, float]
) -> None:
    placed = NOW - timedelta(minutes=1)
    at = placed + timedelta(seconds=answered) if answered is not None else None
    seen = observed_dial(outcome, placed, at, placed + timedelta(seconds=30))
    assert seen is not None and (seen[0], seen[1]) == expected
    assert observed_dial(AttemptOutcome.SYSTEM_FAILURE, placed, None, placed) is None


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=120), st.integers(min_value=0, max_value=2**16))
def test_warm_start_is_the_live_feed_replayed_in_order(n: int, seed: int) -> None:
    """Property: whatever order the database returns the rows in, the warm-started learner is the one the
    live path would have built from the same calls, resolved in time order (same observations, same
    statistics)."""
    dials = shift(n, answer_rate=0.4, ring_s=6, talk_s=45, seed=seed)
    shuffled = list(dials)
    random.Random(seed).shuffle(shuffled)
    warm = PacingLearner()
    warm_start(warm, CampaignHistory(tuple(shuffled)), now=NOW, monotonic_now=9000.0)
    live = PacingLearner()
    events = []
    for d in dials:
        seen = observed_dial(AttemptOutcome(d.outcome), d.originated_at, d.answered_at, d.ended_at)
        assert seen is not None
        events.append((seen[2], 0, seen))
        if d.outcome == "connected" and d.bridged_at is not None:
            events.append((d.ended_at, 1, (d.ended_at - d.bridged_at).total_seconds()))
    for at, kind, data in sorted(events, key=lambda e: (e[0], e[1])):
        mono = 9000.0 - (NOW - at).total_seconds()
        if kind == 0:
            live.observe_dial(data[0], data[1], at.hour, resolved_at=mono)  # type: ignore[index]
        else:
            live.observe_talk(data, ended_at=mono)  # type: ignore[arg-type]
    a, b = warm.learned(NOW.hour, now=9000.0), live.learned(NOW.hour, now=9000.0)
    assert (
        (a.dials_seen, a.talks_seen)
        == (b.dials_seen, b.talks_seen)
        == (n, sum(d.outcome == "connected" for d in dials))
    )
    assert a.answer_probability == pytest.approx(b.answer_probability)
    assert np.allclose(a.answer_cdf, b.answer_cdf) and np.allclose(a.talk_survival, b.talk_survival)
