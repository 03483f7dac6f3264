"""The guard against an answer rate coming back (issue 21, lunch-swing): calls placed for a dip are answered at the
old rate when people return, so the guard counts the calls in flight at the highest rate the last hour credibly
showed."""

from __future__ import annotations

import random
from dataclasses import replace
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.pacing import AbandonWindow, CampaignStats, DialOutcome, PacingLearner, decide
from dialer.pacing.core import GUARD_RATE_MARGIN, ROOM_SHARE, guard_stats
from dialer.pacing.guard import abandon_room, abandons_within_room
from dialer.pacing.model import outlook, pacing_tables
from dialer.proportions import wilson_interval

from .helpers import learned, snap


def _feed(
    learner: PacingLearner, start: float, seconds: float, rate_per_s: float, p: float, rng: random.Random
) -> float:
    """Dials resolving at a steady pace from `start` with answer rate p; returns the end time."""
    t = start
    while t < start + seconds:
        t += 1.0 / rate_per_s
        human = rng.random() < p
        learner.observe_dial(DialOutcome.HUMAN if human else DialOutcome.NO_ANSWER, 12.0, 10, resolved_at=t)
    return t


def test_recent_high_is_the_best_blocks_lower_bound_by_hand() -> None:
    learner = PacingLearner(recent_high_block_s=300.0, recent_high_window_s=3600.0, recent_high_confidence=0.9)
    z = NormalDist().inv_cdf(1 - 0.1 / 12)  # Bonferroni over the hour's 12 blocks
    # block 0: 30 people of 100 dials; block 1: 10 of 100
    for i in range(100):
        learner.observe_dial(DialOutcome.HUMAN if i < 30 else DialOutcome.BUSY, 5.0, 10, resolved_at=10.0 + i)
    for i in range(100):
        learner.observe_dial(DialOutcome.HUMAN if i < 10 else DialOutcome.BUSY, 5.0, 10, resolved_at=310.0 + i)
    assert learner.answer_rate_recent_high(400.0) == pytest.approx(wilson_interval(0.3, 100, z)[0])
    assert learner.answer_rate_recent_high(299.0) == 0.0  # the block still filling does not count
    assert learner.answer_rate_recent_high(600.0) == pytest.approx(wilson_interval(0.3, 100, z)[0])
    # an hour later the 30 % block has left the window; the 10 % one is what remains
    assert learner.answer_rate_recent_high(3600.0 + 301.0) == pytest.approx(wilson_interval(0.1, 100, z)[0])
    assert learner.answer_rate_recent_high(3 * 3600.0) == 0.0  # nothing in the last hour
    assert PacingLearner().answer_rate_recent_high(100.0) == 0.0


def test_a_steady_list_leaves_the_guard_at_most_the_true_rate() -> None:
    """On a steady cold list (13 %) the guard's rate is the learned one, or (when the learned one is low by chance)
    a credible lower bound: above the true rate at under 2 % of refreshes, never far above it."""
    rng = random.Random(7)
    learner = PacingLearner()
    t, above, apart, refreshes = 0.0, 0, 0, 0
    while t < 2 * 3600.0:
        t = _feed(learner, t, 5.0, 1.2, 0.13, rng)
        stats = learner.learned(10, now=t)
        view = guard_stats(stats)
        refreshes += 1
        apart += view is not stats
        if view is not stats:
            above += view.answer_probability > 0.13
            assert view.answer_probability < 0.13 * 1.15
    assert above / refreshes < 0.02
    assert apart > 0  # ...and it does step in when the learned rate is low by chance


def test_after_a_dip_the_guard_remembers_the_rate_people_come_back_at() -> None:
    rng = random.Random(3)
    learner = PacingLearner()
    t = _feed(learner, 0.0, 1800.0, 1.0, 0.24, rng)
    t = _feed(learner, t, 600.0, 1.0, 0.08, rng)  # lunch: the learned rate follows the dip
    stats = learner.learned(12, now=t)
    assert stats.answer_probability < 0.16
    view = guard_stats(stats)
    assert view is not stats and 0.17 < view.answer_probability < 0.24
    assert view.answer_cdf[-1] == pytest.approx(view.answer_probability)
    # an hour after the last 24 % block the dip is all the hour has shown
    t = _feed(learner, t, 3600.0, 1.0, 0.08, rng)
    stats = learner.learned(13, now=t)
    assert guard_stats(stats) is stats or guard_stats(stats).answer_probability < 0.12


def _tight_hour(answered: int, abandoned: int) -> tuple[AbandonWindow, ...]:
    return (
        AbandonWindow("today", answered * 4, abandoned, 86400.0, 4 * 3600.0),
        AbandonWindow("rolling_30d", answered * 40, abandoned * 10, 30 * 86400.0, 30 * 86400.0),
        AbandonWindow("last_hour", answered, abandoned, 3600.0, 3600.0, enforced=False),
    )


def test_a_dip_with_a_tight_hour_dials_for_the_recovery() -> None:
    """16 operators in a dip (8 % learned) after an hour at 24 %, with 6 of the hour's 12 abandons spent: without the
    recent high the engine fills the floor for 8 %; with it, the likely worst of everything in flight at 22 % fits in
    the guard's share of the room. (With 6 of 9 spent, the hour's target, `path_safe_rate`, now holds both to 3.)"""
    dip = learned(answer_probability=0.08, mean_talk_s=130.0, mean_wrap_s=18.0)
    windows = _tight_hour(400, 6)
    talking = (20.0, 30.0, 40.0, 60.0, 80.0, 90.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0)
    base = dict(ready=4, on_call=talking, ringing=(3.0,) * 10)
    plain = snap(**base, stats=CampaignStats(windows=windows, learned=dip))  # type: ignore[arg-type]
    recovery = replace(dip, answer_rate_recent_high=0.22)
    guarded = snap(**base, stats=CampaignStats(windows=windows, learned=recovery))  # type: ignore[arg-type]
    n_plain = decide(plain).calls_to_place
    n_guarded = decide(guarded).calls_to_place
    assert n_guarded < n_plain
    room = abandon_room(guarded.stats, guarded.knobs.abandon_cap)
    allowance = abandons_within_room(ROOM_SHARE * room.abandons, guarded.knobs.abandon_confidence, 2.0)
    view = guard_stats(recovery)
    ops = guarded.operators
    look = outlook(
        pacing_tables(view, None),
        ready=4,
        on_call_s=[o.seconds_in_state for o in ops if o.state.name == "ON_CALL"],
        wrap_up_s=[],
        ringing_s=[c.seconds_since_originate for c in guarded.calls_in_flight],
        answered_waiting=0,
        connect_limit_s=guarded.knobs.connect_limit_s,
    )
    assert n_guarded > 0  # still above progressive (4 ready, 10 ringing: none)
    assert look.total_abandons(n_guarded, look.expected_abandons(n_guarded)) <= allowance + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    p=st.floats(0.05, 0.4),
    lift=st.floats(0.0, 1.5),
    ready=st.integers(0, 8),
    talking=st.lists(st.floats(0.0, 400.0), max_size=10),
    ringing=st.lists(st.floats(0.0, 25.0), max_size=20),
    abandoned=st.integers(0, 9),
)
def test_the_recent_high_never_dials_more(
    p: float, lift: float, ready: int, talking: list[float], ringing: list[float], abandoned: int
) -> None:
    """Whatever the floor, knowing the rate can come back higher never places more calls, and a recent high within
    the margin changes nothing."""
    stats = learned(answer_probability=p, mean_talk_s=120.0, mean_wrap_s=15.0)
    windows = _tight_hour(300, abandoned)
    kw = dict(ready=ready, on_call=tuple(talking), ringing=tuple(ringing))
    without = decide(snap(**kw, stats=CampaignStats(windows=windows, learned=stats)))  # type: ignore[arg-type]
    high = min(p * (1.0 + lift), 0.95)
    with_high = decide(
        snap(**kw, stats=CampaignStats(windows=windows, learned=replace(stats, answer_rate_recent_high=high)))
    )  # type: ignore[arg-type]
    assert with_high.calls_to_place <= without.calls_to_place
    if high <= p * (1.0 + GUARD_RATE_MARGIN):
        assert with_high.calls_to_place == without.calls_to_place
