"""The early regime (issue 21): before the talk curves are trusted, plan on the ready operators at the answer
rate's upper bound, bounded by the step bound, the ramp and the guard's room."""

from __future__ import annotations

import math
from dataclasses import replace
from statistics import NormalDist

import numpy as np
import pytest

from dialer.pacing import AbandonWindow, CampaignStats, DialingMode, LearnedStats, PacingSnapshot, decide
from dialer.pacing.core import (
    EARLY_ANSWER_CONFIDENCE,
    RAMP_START,
    ROOM_SHARE,
    answer_rate_upper,
    early_stats,
    learning_ramp,
)
from dialer.pacing.guard import abandon_room, abandons_within_room

from .helpers import healthy_windows, learned
from .helpers import snap as _snap


def snap(**kw: object) -> PacingSnapshot:
    """The helpers' snapshot with the early regime switched on (it is off by default)."""
    kw.setdefault("early_regime", True)
    return _snap(**kw)  # type: ignore[arg-type]


def _fresh(p: float, dials: float, talks: int = 0) -> LearnedStats:
    """Statistics just past the dial gate: `dials` dials behind an answer rate p, `talks` finished calls."""
    return replace(learned(answer_probability=p), dials_seen=int(dials), talks_seen=talks, answer_dials=dials)


def _young_hour(answered: int, abandoned: int = 0) -> tuple[AbandonWindow, ...]:
    """A shift's first quarter of an hour: the day and the hour hold the same few answers."""
    return (
        AbandonWindow("today", answered, abandoned, 86400.0, 900.0),
        AbandonWindow("rolling_30d", answered, abandoned, 30 * 86400.0, 900.0),
        AbandonWindow("last_hour", answered, abandoned, 3600.0, 900.0, enforced=False),
    )


def _lines(s: PacingSnapshot, n: int) -> int:
    return len(s.calls_in_flight) + s.answered_waiting + n


def test_wilson_upper_bound_by_hand_and_its_shape() -> None:
    z = NormalDist().inv_cdf(0.9)
    p, n = 0.1, 100.0
    by_hand = (p + z * z / (2 * n) + z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)
    assert answer_rate_upper(p, n, 0.9) == pytest.approx(by_hand)
    assert answer_rate_upper(0.1, 100.0) == pytest.approx(0.1451, abs=5e-4)  # 10 of 100: 14.5 %
    assert answer_rate_upper(0.3, 0.0) == 1.0  # no data: no bound
    assert answer_rate_upper(0.0, 100.0) > 0.0  # no answer seen yet still leaves a chance of one
    for p in (0.0, 0.02, 0.11, 0.3, 0.7, 1.0):
        bounds = [answer_rate_upper(p, n) for n in (10.0, 50.0, 100.0, 1e3, 1e4, 1e6)]
        assert all(p - 1e-12 <= b <= 1.0 for b in bounds)
        assert bounds == sorted(bounds, reverse=True)  # more dials, a tighter bound
        assert bounds[-1] == pytest.approx(p, abs=2e-3)
        assert answer_rate_upper(p, 100.0, 0.99) >= answer_rate_upper(p, 100.0, 0.9) - 1e-12


def test_early_stats_raise_the_answer_rate_and_keep_the_curves_consistent() -> None:
    fresh = _fresh(0.12, 150.0)
    up = early_stats(fresh)
    q = answer_rate_upper(0.12, 150.0, EARLY_ANSWER_CONFIDENCE)
    assert early_stats(fresh) is up  # cached per refresh, like the tables
    assert up.answer_probability == pytest.approx(q) and up.answer_cdf[-1] == pytest.approx(q)
    assert np.all(up.answer_cdf >= fresh.answer_cdf - 1e-12)
    assert np.all((up.unresolved > 0) & (up.unresolved <= 1.0))
    assert np.all(np.diff(up.unresolved) <= 1e-12)  # a call that has rung longer is no more likely unresolved
    assert up.unresolved[-1] == pytest.approx(fresh.unresolved[-1], abs=1e-6)  # every dial resolves the same
    # the timing of an answer is kept: the answer curve is scaled, not moved
    assert np.allclose(up.answer_cdf / q, fresh.answer_cdf / 0.12)
    assert up.talk_survival is fresh.talk_survival
    # a huge sample leaves the rate as it is
    assert early_stats(_fresh(0.12, 1e9)).answer_probability == pytest.approx(0.12, abs=1e-4)


def test_without_answer_evidence_the_learning_phase_stays_progressive() -> None:
    fresh = replace(_fresh(0.12, 150.0), answer_dials=0.0)
    d = decide(snap(ready=6, on_call=(40.0,) * 20, stats=CampaignStats(windows=healthy_windows(), learned=fresh)))
    assert d.mode_used is DialingMode.PROGRESSIVE and d.calls_to_place == 6 and "learning" in d.reason


def test_a_cold_list_dials_ahead_before_the_talk_gate_opens() -> None:
    stats = CampaignStats(windows=_young_hour(60), learned=_fresh(0.12, 400.0))
    d = decide(snap(ready=8, on_call=(40.0,) * 27, stats=stats))
    assert d.mode_used is DialingMode.PREDICTIVE and "(early)" in d.reason
    assert d.calls_to_place > 8
    assert not d.guard_tripped
    off = decide(snap(ready=8, on_call=(40.0,) * 27, stats=stats, early_regime=False))  # the knob turns it off
    assert off.mode_used is DialingMode.PROGRESSIVE and off.calls_to_place == 8
    assert decide(_snap(ready=8, on_call=(40.0,) * 27, stats=stats)) == off  # and it is off by default


def test_the_early_regime_never_dials_more_than_ready_over_the_answer_rate_bound() -> None:
    """Exhaustive over small states: lines in all <= max(ready / q_up, progressive), the step within the bound,
    the expected abandons of everything in flight within the guard's room."""
    checked = 0
    for p, dials in ((0.08, 120.0), (0.12, 400.0), (0.3, 2000.0)):
        fresh = _fresh(p, dials)
        q_up = early_stats(fresh).answer_probability
        for answered, abandoned in ((20, 0), (60, 0), (60, 1), (300, 4)):
            stats = CampaignStats(windows=_young_hour(answered, abandoned), learned=fresh)
            allowance = abandons_within_room(ROOM_SHARE * abandon_room(stats, 0.03).abandons, 0.99, 2.0)
            for ready in (0, 1, 3, 8, 20):
                for ringing in (0, 5, 30):
                    for waiting in (0, 1):
                        s = snap(
                            ready=ready,
                            on_call=tuple(float(15 * i) for i in range(12)),
                            ringing=tuple(float(i % 20) for i in range(ringing)),
                            waiting=waiting,
                            stats=stats,
                            max_lines_per_operator=50.0,
                        )
                        d = decide(s)
                        progressive = max(ready - ringing - waiting, 0)
                        assert d.calls_to_place >= progressive
                        if d.calls_to_place == progressive:
                            continue
                        checked += 1
                        assert "(early)" in d.reason
                        assert _lines(s, d.calls_to_place) <= math.floor(ready / q_up + 1e-9)
                        assert d.calls_to_place - progressive <= math.ceil(RAMP_START * ready / q_up)
                        assert d.expected_abandon_rate is not None and d.expected_answers is not None
                        assert d.expected_abandon_rate * d.expected_answers <= allowance + 1e-6
    assert checked > 20  # the regime did dial ahead in a good part of the grid


def test_a_thousand_ready_operators_and_a_fresh_estimate_place_no_burst() -> None:
    """The second round's early regime placed 2,001 calls in one decision here; the step bound allows
    progressive plus a tenth of what the ready operators could take at the answer rate's upper bound."""
    fresh = _fresh(0.3, 120.0)
    q_up = early_stats(fresh).answer_probability
    stats = CampaignStats(windows=_young_hour(40), learned=fresh)
    for ready, ringing in ((1000, 0), (1000, 600), (600, 400), (200, 100)):
        s = snap(ready=ready, ringing=tuple(float(i % 25) for i in range(ringing)), stats=stats, max_lines=5000)
        d = decide(s)
        bound = max(ready - ringing, 0) + math.ceil(RAMP_START * ready / q_up)
        assert d.calls_to_place <= bound
        assert d.calls_to_place <= 1000 + 334  # far from a burst sized by the estimate (ready / q_up ~ 3,000)
    # with the hour's room spent, nothing beyond progressive
    spent = CampaignStats(windows=_young_hour(40, 2), learned=fresh)
    d = decide(snap(ready=1000, ringing=(5.0,) * 600, stats=spent, max_lines=5000))
    assert d.calls_to_place == 400 and d.mode_used is DialingMode.PROGRESSIVE and not d.guard_tripped


def test_the_early_step_never_exceeds_the_step_bound_while_the_ramp_grows() -> None:
    needed = 3.0 * 60
    early = 0
    for talks in (0, 60, 180, 200, 250, 300, 359):
        fresh = _fresh(0.15, 500.0, talks)
        q_up = early_stats(fresh).answer_probability
        ramp = learning_ramp(talks, needed)
        stats = CampaignStats(windows=healthy_windows(3000, 20), learned=fresh)
        for ready in (2, 10, 40):
            s = snap(ready=ready, on_call=(30.0,) * (60 - ready), stats=stats, max_lines_per_operator=50.0)
            d = decide(s)
            if "(early)" in d.reason:
                early += 1
                assert d.calls_to_place - ready <= math.ceil(ramp * ready / q_up)
            if talks < needed:
                assert "(full)" not in d.reason  # untrusted talk curves are not used
    assert early >= 6


def test_once_the_ramp_is_over_only_the_full_model_plans() -> None:
    fresh = _fresh(0.15, 500.0, 400)  # 400 talks for 60 operators' 180: the ramp is at 1
    stats = CampaignStats(windows=healthy_windows(3000, 20), learned=fresh)
    d = decide(snap(ready=5, on_call=(30.0,) * 55, stats=stats))
    assert "(full)" in d.reason


def test_the_early_regime_is_deterministic() -> None:
    stats = CampaignStats(windows=_young_hour(60), learned=_fresh(0.12, 400.0))
    s = snap(ready=8, on_call=(40.0,) * 27, ringing=(3.0, 9.0), stats=stats)
    assert decide(s) == decide(s)


def test_small_teams_keep_the_learning_phase_progressive() -> None:
    from dialer.pacing.core import EARLY_MIN_OPERATORS

    stats = CampaignStats(windows=_young_hour(60), learned=_fresh(0.12, 400.0))
    for team in range(2, EARLY_MIN_OPERATORS + 3):
        ready = min(3, team)
        d = decide(snap(ready=ready, on_call=(40.0,) * (team - ready), stats=stats))
        if team < EARLY_MIN_OPERATORS:
            assert d.mode_used is DialingMode.PROGRESSIVE and d.calls_to_place == ready
        else:  # the early regime decides: it plans, or its guard leaves the learning phase progressive
            assert "(early)" in d.reason or "early regime guard" in d.reason, (team, d.reason)
    big = decide(snap(ready=3, on_call=(40.0,) * 20, stats=stats))
    assert "(early)" in big.reason and big.calls_to_place > 3


def test_the_benchmark_runs_the_early_regime_only_when_asked() -> None:
    from dialer.pacing import PacingKnobs
    from dialer.sim.compare import make_policy
    from dialer.sim.policies import CorePolicy

    early, plain = make_policy("predictive-early"), make_policy("predictive")
    assert isinstance(early, CorePolicy) and isinstance(plain, CorePolicy)
    assert early.knobs(PacingKnobs()).early_regime and early.knobs(PacingKnobs()).mode is DialingMode.PREDICTIVE
    assert not plain.knobs(PacingKnobs()).early_regime


def test_the_learner_reports_how_many_dials_its_answer_rate_rests_on() -> None:
    from dialer.pacing import DialOutcome, PacingLearner

    learner = PacingLearner()
    counts = []
    for i in range(600):
        outcome = DialOutcome.HUMAN if i % 8 == 0 else DialOutcome.NO_ANSWER
        learner.observe_dial(outcome, 12.0, 10, resolved_at=float(i))
        if i in (99, 299, 599):
            counts.append(learner.learned(10, now=float(i)).answer_dials)
    assert 80 <= counts[0] < counts[1] < counts[2]  # forgotten a little (half-life 300), the priors included
    assert counts[2] < 600 + 10  # forgetting: never more than the dials seen and the priors
    fresh = learner.learned(10, now=600.0)
    assert answer_rate_upper(fresh.answer_probability, fresh.answer_dials) < 0.2  # 1 in 8 answered
