"""The simulator: invariants on small, fast scenarios, baselines, scenario files and the CLI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialer.pacing import DialingMode
from dialer.sim import CorePolicy, SimResult, Simulation, VicidialAdapt, load_scenario, run_scenario
from dialer.sim.cli import sim_app
from dialer.sim.compare import best_ratio_in_hindsight, compare, make_policy
from dialer.sim.metrics import AnsweredCall, percentile, worst_rolling_rate
from dialer.sim.scenario import Dist, Scenario, ShiftEvent, parse_duration

SCENARIOS = Path(__file__).resolve().parents[2] / "bench" / "scenarios"
SHORT = Scenario(name="short", team_size=8, duration_s=1200.0, seed=11)


def _timeless(r: SimResult) -> SimResult:
    """A result without the decision cost: wall time, the only thing two runs of one seed may differ in."""
    return replace(r, counters={k: v for k, v in r.counters.items() if k != "decide_ms_mean"})


def _sim(scenario: Scenario, policy: object) -> Simulation:
    sim = Simulation(scenario, policy)  # type: ignore[arg-type]
    sim.run()
    return sim


@pytest.mark.parametrize(
    "policy",
    [
        CorePolicy(DialingMode.PROGRESSIVE),
        CorePolicy(DialingMode.RATIO, ratio=2.5, guard=False),
        CorePolicy(DialingMode.PREDICTIVE),
        VicidialAdapt(),
    ],
    ids=["progressive", "ratio", "predictive", "vicidial"],
)
def test_calls_are_conserved_and_abandons_accounted(policy: object) -> None:
    sim = _sim(SHORT, policy)
    c = sim.counters
    in_flight = len(sim.ringing)
    still_waiting = sum(1 for w in sim.waiting if not w.connected and not w.abandoned)
    # every dial is resolved (answered, machine, busy, no answer) or still ringing at the end
    assert c.dialled >= c.answered + in_flight
    # every answer is connected, abandoned, or still within its connect limit at the end
    assert c.answered == c.connected + c.abandoned + still_waiting
    assert len(sim.answered) == c.connected + c.abandoned
    assert sum(a.abandoned for a in sim.answered) == c.abandoned
    # abandoned callers waited the connect limit; connected ones less
    for a in sim.answered:
        assert (
            (a.waited_s >= sim.knobs.connect_limit_s - 1e-9)
            if a.abandoned
            else (a.waited_s <= sim.knobs.connect_limit_s + 1e-9)
        )
    # operators' time adds up to the shift
    for op in sim.ops:
        assert op.log.logged_in_s == pytest.approx(SHORT.duration_s, abs=1e-6)


def test_progressive_never_abandons_when_operators_stay() -> None:
    for seed in (1, 2, 3):
        r = run_scenario(replace(SHORT, seed=seed), CorePolicy(DialingMode.PROGRESSIVE))
        assert r.abandoned == 0
        assert r.answered > 0


def test_same_seed_same_result_and_seeds_matter() -> None:
    a = run_scenario(SHORT, CorePolicy(DialingMode.PREDICTIVE))
    b = run_scenario(SHORT, CorePolicy(DialingMode.PREDICTIVE))
    c = run_scenario(replace(SHORT, seed=99), CorePolicy(DialingMode.PREDICTIVE))

    assert "decide_ms_mean" in a.counters
    assert _timeless(a) == _timeless(b)
    assert _timeless(a) != _timeless(c)


def test_a_shift_played_in_steps_is_the_shift_played_at_once_and_a_copy_plays_on_alone() -> None:
    """`start` / `advance` / `finish` are `run` cut into pieces (the calibration study copies a simulation
    mid-shift and plays the copy on with a policy that places nothing): the pieces change nothing."""
    import copy

    whole = Simulation(SHORT, CorePolicy(DialingMode.PREDICTIVE)).run()
    sim = Simulation(SHORT, CorePolicy(DialingMode.PREDICTIVE))
    sim.start()
    for t in (100.5, 400.0, 400.0, 777.25):
        sim.advance(t)
        assert sim.now == t
    fork = copy.deepcopy(sim)
    dialled, pending = fork.counters.dialled, len(fork.ringing)
    fork.policy.calls_to_place = lambda snapshot: 0  # type: ignore[method-assign]
    fork.advance(777.25 + 60)
    assert fork.counters.dialled == dialled and pending > 0 and not fork.ringing  # no new call; the old ones ended
    assert sim.counters.dialled == dialled  # the copy shares nothing with the shift
    sim.advance(SHORT.duration_s)

    assert _timeless(sim.finish()) == _timeless(whole)


def test_higher_ratio_more_occupancy_and_more_abandons() -> None:
    low = run_scenario(SHORT, CorePolicy(DialingMode.RATIO, ratio=1.0, guard=False))
    high = run_scenario(SHORT, CorePolicy(DialingMode.RATIO, ratio=3.0, guard=False))
    assert high.occupancy > low.occupancy
    assert high.abandoned > low.abandoned


def test_shift_events_login_logout_pause_and_changes() -> None:
    sc = replace(
        SHORT,
        team_size=6,
        events=(
            ShiftEvent(at=300.0, login=3),
            ShiftEvent(at=600.0, logout=3),
            ShiftEvent(at=700.0, pause=2, pause_for_s=120.0),
            ShiftEvent(at=800.0, set={"answer_rate": 0.1, "talk_time": {"dist": "constant", "value": 30}}),
        ),
        breaks_per_operator_hour=2.0,
        break_time=Dist("constant", 60.0),
    )
    sim = _sim(sc, CorePolicy(DialingMode.PREDICTIVE))
    assert len(sim.ops) == 9
    assert sum(1 for o in sim.ops if not o.logged_in) == 3
    assert sum(o.log.paused_s for o in sim.ops) > 0
    assert sim.mix.answer_rate == 0.1
    logged = sum(o.log.logged_in_s for o in sim.ops)
    assert logged < 9 * sc.duration_s


def test_operators_leaving_mid_call_finish_it_first() -> None:
    sc = replace(SHORT, team_size=6, events=(ShiftEvent(at=600.0, logout=6),))
    sim = _sim(sc, CorePolicy(DialingMode.PROGRESSIVE))
    assert all(not o.logged_in for o in sim.ops)
    assert all(o.log.logged_out_at is not None and o.log.logged_out_at >= 600.0 for o in sim.ops)


def test_metrics_rolling_window_and_percentile() -> None:
    calls = [AnsweredCall(float(i), 0.0, abandoned=i in (10, 60)) for i in range(100)]
    assert worst_rolling_rate(calls, window_s=3600.0, min_answers=50) == pytest.approx(2 / 61)
    assert worst_rolling_rate(calls, window_s=20.0, min_answers=50) == pytest.approx(1 / 20)
    assert worst_rolling_rate(calls[:10], min_answers=50) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.0
    assert percentile([], 0.9) == 0.0


def test_hindsight_ratio_is_the_best_under_the_cap() -> None:
    cmp = compare(SHORT, ratios=(1.0, 2.0, 3.0))
    assert set(cmp.results) >= {"predictive", "progressive", "vicidial", "ratio:1", "ratio:2", "ratio:3"}
    best = best_ratio_in_hindsight(cmp.results, 0.03)
    assert best == cmp.hindsight_ratio
    if best is not None:
        assert cmp.results[best].meets_cap(0.03)
        better = [
            k for k, r in cmp.results.items() if k.startswith("ratio:") and r.occupancy > cmp.results[best].occupancy
        ]
        assert all(not cmp.results[k].meets_cap(0.03) for k in better)


def test_make_policy() -> None:
    assert isinstance(make_policy("vicidial"), VicidialAdapt)
    p = make_policy("ratio:2.5")
    assert isinstance(p, CorePolicy) and p.ratio == 2.5 and not p.guard
    assert make_policy("predictive").uses_learning  # type: ignore[attr-defined]


def test_scenario_files_load() -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 5
    for f in files:
        sc = load_scenario(f)
        assert sc.team_size > 0 and sc.duration_s > 0
    ref = load_scenario(SCENARIOS / "reference.yaml")
    assert ref.calls.answer_rate == 0.30 and ref.talk_time == Dist("lognormal", 120.0, 0.8)
    assert ref.duration_s == 8 * 3600
    assert parse_duration("15m") == 900.0 and parse_duration(90) == 90.0
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_cli_prints_the_table() -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        sim_app,
        ["run", str(SCENARIOS / "reference.yaml"), "--hours", "0.25", "--team-size", "6", "--ratios", "1.5,2"],
    )
    assert result.exit_code == 0, result.output
    assert "predictive" in result.output and "progressive" in result.output


def test_rolling_window_also_checked_when_answers_leave_it() -> None:
    # an abandon at 100 s, then bridged calls; the bridged call at 0 s leaves the window at 3600 s
    calls = [AnsweredCall(0.0, 0.0, abandoned=False), AnsweredCall(100.0, 2.0, abandoned=True)]
    calls += [AnsweredCall(200.0 + i, 0.0, abandoned=False) for i in range(60)]
    calls += [AnsweredCall(3700.0, 0.0, abandoned=False)]
    # from 3000 s on, windows ending at an answer hold 1/62 at most (the one at 3700 s has lost the abandon);
    # the window ending as the bridged call of 0 s leaves it (t = 3600 s) holds 1/61
    assert worst_rolling_rate(calls, min_answers=1, from_s=3000.0) == pytest.approx(1 / 61)
    assert worst_rolling_rate(calls, min_answers=1, from_s=3650.0) == 0.0
    assert worst_rolling_rate(calls, min_answers=1, from_s=3701.0) == 0.0  # past the last answer: not judged
    assert worst_rolling_rate(calls, min_answers=50) == pytest.approx(1 / 50)  # from the 50th answer


def test_dial_level_counts_ready_and_talking_agents_and_every_live_call() -> None:
    from dialer.pacing import CallSnapshot, OperatorSnapshot, OperatorState, PacingKnobs, PacingSnapshot
    from dialer.sim import DialLevel

    ops = [OperatorSnapshot(i, OperatorState.READY, 1.0) for i in range(4)]
    ops += [OperatorSnapshot(10 + i, OperatorState.ON_CALL, 30.0) for i in range(6)]
    ops += [OperatorSnapshot(20 + i, OperatorState.WRAP_UP, 3.0) for i in range(5)]  # not counted
    snapshot = PacingSnapshot(
        now=0.0,
        operators=tuple(ops),
        calls_in_flight=tuple(CallSnapshot(i, 2.0) for i in range(3)),
        answered_waiting=1,
        contacts_available=1000,
        knobs=PacingKnobs(max_lines=100),
    )
    # round(1.5 x (4 + 6)) - (3 ringing + 1 waiting + 6 talking) = 15 - 10
    assert DialLevel(1.5).calls_to_place(snapshot) == 5
    assert DialLevel(1.0).calls_to_place(snapshot) == 0
    assert DialLevel(1.5).knobs(PacingKnobs()).compliance_guard is False
    assert make_policy("level:1.5").name == "level 1.50"
