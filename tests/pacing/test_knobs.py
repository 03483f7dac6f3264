"""Campaign knobs that reach the pacing model: the wrap-up time limit and machines counted as abandons."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dialer.pacing import CampaignStats, DialingMode, DialOutcome, PacingLearner, decide
from dialer.pacing.model import outlook, pacing_tables
from dialer.rules.campaign import parse_campaign
from dialer.sim import CorePolicy, Simulation
from dialer.sim.scenario import CallMix, Dist, Scenario

from .helpers import LEARNED, healthy_windows, snap

# --- wrap-up time limit -------------------------------------------------------------------------------------


def test_wrap_up_limit_caps_the_learned_wrap_up_in_the_tables() -> None:
    free = pacing_tables(LEARNED).free_wrap_up
    capped = pacing_tables(LEARNED, 10.0).free_wrap_up
    assert np.all(capped >= free - 1e-12)  # a limit only brings the end of wrap-up closer
    # per-second bins: a wrap-up cut at 10 s ends in the 10th second, so 4 s in it is over within 7 s
    assert capped[4, 7] == pytest.approx(1.0)
    assert free[4, 7] < 0.5
    assert capped[4, 5] == pytest.approx(free[4, 5])  # before the limit, the learned curve is untouched
    assert np.allclose(capped[10, 1], 1.0)
    assert np.allclose(capped[11:, 0], 1.0)  # past the limit: ready now
    assert np.allclose(pacing_tables(LEARNED, None).free_wrap_up, free)
    assert np.allclose(pacing_tables(LEARNED, 1e6).free_wrap_up, free)  # a limit past the table changes nothing
    # talking operators free up sooner too: their wrap-up is capped as well
    assert np.all(pacing_tables(LEARNED, 10.0).free_on_call >= pacing_tables(LEARNED).free_on_call - 1e-12)


def test_wrap_up_limit_makes_predictive_dial_ahead_for_operators_wrapping_up() -> None:
    s = snap(ready=0, on_call=(30.0,) * 4, wrap_up=(3.0,) * 4, ringing=())
    unlimited = decide(s).calls_to_place
    limited = decide(replace(s, knobs=replace(s.knobs, wrap_up_limit_s=4.0))).calls_to_place
    assert limited > unlimited


def test_simulated_operators_are_made_ready_at_the_wrap_up_limit() -> None:
    sc = Scenario(name="wrap", team_size=4, duration_s=1800.0, seed=3, wrap_up_time=Dist("constant", 60.0))
    policy = CorePolicy(DialingMode.PROGRESSIVE)
    free = Simulation(sc, policy)
    free.run()
    capped = Simulation(replace(sc, knobs=replace(sc.knobs, wrap_up_limit_s=5.0)), policy)
    capped.run()
    calls = capped.counters.answered - capped.counters.abandoned
    wrap = sum(o.log.wrap_s for o in capped.ops)
    assert 0 < wrap <= 5.0 * calls + 1e-6
    assert sum(o.log.wrap_s for o in free.ops) > 50.0 * (free.counters.answered - free.counters.abandoned) - 60.0 * 4


def test_campaign_wrap_up_seconds_reach_the_knobs() -> None:
    knobs = parse_campaign(_definition(wrap_up_seconds=25)).pacing_knobs()
    assert knobs.wrap_up_limit_s == 25.0
    assert knobs.machines_count_as_abandons is False
    on = parse_campaign(_definition(dialing={"mode": "predictive", "machines_count_as_abandons": True}))
    assert on.pacing_knobs().machines_count_as_abandons is True


# --- machines counted as abandons ---------------------------------------------------------------------------


def test_learner_reports_the_machine_share() -> None:
    learner = PacingLearner()
    for i in range(400):
        outcome = DialOutcome.MACHINE if i % 5 == 0 else DialOutcome.HUMAN if i % 5 == 1 else DialOutcome.NO_ANSWER
        learner.observe_dial(outcome, 8.0, 10)
    assert learner.learned(10).machine_probability == pytest.approx(0.2, abs=0.02)


def test_machines_counting_as_abandons_make_predictive_dial_less() -> None:
    stats = CampaignStats(windows=healthy_windows(), learned=replace(LEARNED, machine_probability=0.1))
    s = snap(ready=3, on_call=(100.0, 150.0, 30.0), wrap_up=(5.0,), ringing=(2.0, 6.0), stats=stats)
    plain = decide(s)
    counted = decide(replace(s, knobs=replace(s.knobs, machines_count_as_abandons=True)))
    assert counted.calls_to_place < plain.calls_to_place
    assert counted.expected_abandon_rate is not None and plain.expected_abandon_rate is not None
    look = outlook(
        pacing_tables(LEARNED),
        ready=3,
        on_call_s=[1.0],
        wrap_up_s=[],
        ringing_s=[2.0, 6.0],
        answered_waiting=0,
        connect_limit_s=2.0,
    )
    with_machines = replace(look, machine_pending=0.2, machine_per_call=0.1)
    assert with_machines.expected_answers(3) == pytest.approx(look.expected_answers(3) + 0.5)
    assert with_machines.rate(3, 0.0) == pytest.approx(0.5 / with_machines.expected_answers(3))


def test_guard_sees_machines_as_abandons_in_the_simulator() -> None:
    sc = Scenario(
        name="amd",
        team_size=6,
        duration_s=1800.0,
        seed=5,
        calls=CallMix(answer_rate=0.3, machine_rate=0.2, busy_rate=0.1),
    )
    base = Simulation(sc, CorePolicy(DialingMode.RATIO, ratio=2.0))
    base.run()
    sim = Simulation(replace(sc, knobs=replace(sc.knobs, machines_count_as_abandons=True)), base.policy)
    sim.run()
    assert base.ledger.windows(base._clock(base.now))[0].abandoned == base.counters.abandoned
    today = sim.ledger.windows(sim._clock(sim.now))[0]
    assert sim.counters.machines > 0
    assert today.abandoned >= sim.counters.machines  # every machine answer is in the ledger as abandoned
    assert today.answered == sim.counters.answered


def _definition(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "knobs",
        "dial_string": "Local/{number}@sim-customers",
        "dispositions": [{"code": "ok", "label": "OK", "positive": True}],
        "calling_windows": {"weekly": {"daily": "00:00-24:00"}, "fallback_timezone": "Europe/Moscow"},
    }
    base.update(overrides)
    return base
