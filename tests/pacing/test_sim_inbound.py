"""The simulator's inbound arrivals (blended campaigns): Poisson by hour, patience, figures, policies."""

from __future__ import annotations

import math
from dataclasses import asdict, replace

import pytest

from dialer.pacing import DialingMode
from dialer.pacing.blend import InboundFloor
from dialer.sim import CorePolicy, Scenario, run_scenario
from dialer.sim.compare import make_policy
from dialer.sim.policies import BlendedPolicy, ReservePolicy
from dialer.sim.scenario import Dist, InboundTraffic, scenario_from_dict

from .helpers import snap


def _scenario(**inbound: object) -> Scenario:
    data = {
        "name": "t",
        "team_size": 3,
        "duration": "30m",
        "calls": {"answer_rate": 0.3},
        "inbound": {"per_hour": 0, **inbound},
    }
    return scenario_from_dict(data)


def test_inbound_section_is_parsed() -> None:
    sc = scenario_from_dict(
        {
            "name": "x",
            "inbound": {
                "per_hour": {9: 25, "10": 60},
                "talk_time": {"dist": "exponential", "mean": 200},
                "patience": 45,
                "service_level": {"share": 0.9, "within": "15s"},
                "expected_per_hour": 30,
            },
        }
    )
    traffic = sc.inbound
    assert traffic is not None
    assert traffic.rate_per_s(9) == pytest.approx(25 / 3600) and traffic.rate_per_s(10) == pytest.approx(60 / 3600)
    assert traffic.rate_per_s(11) == 0.0
    assert traffic.talk_time == Dist("exponential", 200.0) and traffic.patience == Dist("constant", 45.0)
    assert (traffic.service_level_share, traffic.service_level_within_s, traffic.expected_per_hour) == (0.9, 15.0, 30)
    assert scenario_from_dict({"name": "y"}).inbound is None


@pytest.mark.parametrize("bad", [{"per_hour": {25: 10}}, {"per_hour": {9: -1}}, {"per_hour": -3}])
def test_bad_inbound_rates_name_the_field(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"inbound\.per_hour"):
        InboundTraffic.parse(bad)


def test_no_inbound_traffic_leaves_outbound_draws_alone() -> None:
    """Inbound has its own random streams: a scenario with a zero rate runs exactly as one without."""
    base = _scenario()
    without = replace(base, inbound=None)
    policy = "ratio:1.5"
    a = run_scenario(without, make_policy(policy), seed=7)
    b = run_scenario(base, make_policy(policy), seed=7)
    da, db = asdict(a), asdict(b)
    for d in (da, db):
        d["counters"].pop("decide_ms_mean")  # wall time
    assert db.pop("inbound")["offered"] == 0 and da.pop("inbound") is None
    assert da == db


def test_arrivals_are_poisson_at_the_hours_rate() -> None:
    sc = replace(
        _scenario(default_per_hour=600, patience=1000, talk_time=10, wrap_up_time=1), team_size=20, duration_s=3600.0
    )
    r = run_scenario(sc, CorePolicy(DialingMode.PREVIEW), seed=3)  # nobody dials out: every operator free
    assert r.inbound is not None
    assert abs(r.inbound.offered - 600) < 4 * math.sqrt(600)
    assert r.inbound.service_level == pytest.approx(1.0, abs=0.02) and r.inbound.abandoned == 0


def test_rate_changes_at_the_hour() -> None:
    sc = replace(
        _scenario(per_hour={9: 0, 10: 720}, talk_time=10, wrap_up_time=1), team_size=20, duration_s=7200.0, start_hour=9
    )
    r = run_scenario(sc, CorePolicy(DialingMode.PREVIEW), seed=4)
    assert r.inbound is not None and abs(r.inbound.offered - 720) < 4 * math.sqrt(720)


def test_impatient_callers_leave_an_overloaded_queue() -> None:
    sc = replace(_scenario(default_per_hour=120, patience={"dist": "exponential", "mean": 20}), team_size=1)
    r = run_scenario(sc, CorePolicy(DialingMode.PREVIEW), seed=5)
    f = r.inbound
    assert f is not None and f.offered > 30
    assert f.abandoned > 0 and f.service_level < 0.8 and f.answered + f.abandoned == f.offered
    assert r.answered == 0  # the outbound figures stay outbound: nothing was dialled
    assert r.occupancy > 0.5  # the inbound talk keeps the operator busy


def test_blended_policy_learns_the_arrivals_and_handle_times() -> None:
    sc = replace(_scenario(default_per_hour=90, expected_per_hour=10), team_size=6, duration_s=1800.0)
    policy = BlendedPolicy()
    r = run_scenario(sc, policy, seed=6)
    assert r.inbound is not None
    assert sum(policy.learner.hour_arrivals) >= r.inbound.offered  # callers still queued at the end too
    assert sum(policy.learner.hour_handles) > 0
    assert policy.target.share == 0.8
    assert r.counters["held_mean"] > 0  # it kept operators for inbound


def test_fixed_reserve_policy_spec() -> None:
    p = make_policy("reserve:3")
    assert isinstance(p, ReservePolicy) and p.reserve == 3 and p.name == "reserve 3"
    assert isinstance(make_policy("blended"), BlendedPolicy)


def test_only_the_spare_variant_tells_the_learner_about_the_engine() -> None:
    """`blended` keeps the published model (p stays 1); `blended-spare` (not adopted) feeds the engine's share."""
    for spec, fed in (("blended", False), ("blended-spare", True)):
        policy = make_policy(spec)
        assert isinstance(policy, BlendedPolicy) and policy.name == spec
        for t in (0.0, 10.0):
            policy.inbound_floor(InboundFloor(), 86400.0 + 36000.0 + t, 10)
            policy.calls_to_place(snap(ready=2, ringing=(0.0,)))
        assert policy.learner.engine_open_s == (10.0 if fed else 0.0)
        share = policy.learner.forecast(86400.0 + 36010.0, 10).no_ready_share
        assert share < 1.0 if fed else share == 1.0
