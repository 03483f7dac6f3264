"""Blended pacing: Erlang C staffing, the reserve taken out of the outbound snapshot, the inbound learner."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.pacing import CampaignStats, DialingMode, OperatorSnapshot, OperatorState, PacingSnapshot, decide
from dialer.pacing.blend import (
    FloorMix,
    InboundFloor,
    InboundForecast,
    InboundLearner,
    ServiceLevel,
    agents_for_service_level,
    average_speed_of_answer,
    blend,
    blended_reserve,
    blended_service_level,
    blended_wait_probability,
    erlang_b,
    erlang_c,
    fixed_reserve,
    floor_mix,
    operators_to_hold,
    service_level,
    spare_ready_probability,
)

from .helpers import LEARNED, healthy_windows, learned, snap

SL80 = ServiceLevel(0.8, 20.0)


# --- Erlang B / C against published tables ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agents", "erlangs", "expected"),
    [(1, 1.0, 0.5), (2, 1.0, 0.2), (5, 2.0, 0.0367), (10, 5.0, 0.0184)],  # Erlang B tables
)
def test_erlang_b_table(agents: int, erlangs: float, expected: float) -> None:
    assert erlang_b(agents, erlangs) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(
    ("agents", "expected"),
    [(11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741), (15, 0.1020)],  # Erlang C, A = 10 E
)
def test_erlang_c_table(agents: int, expected: float) -> None:
    assert erlang_c(agents, 10.0) == pytest.approx(expected, abs=5e-4)


def test_erlang_c_single_server_is_utilisation() -> None:
    # M/M/1: P(wait) = rho
    assert erlang_c(1, 0.7) == pytest.approx(0.7)


def test_erlang_c_overloaded_and_idle() -> None:
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c(3, 7.5) == 1.0
    assert erlang_c(3, 0.0) == 0.0


def test_erlang_b_refuses_negative_agents() -> None:
    with pytest.raises(ValueError):
        erlang_b(-1, 1.0)


def test_worked_example_100_calls_per_half_hour() -> None:
    """The textbook example: 100 calls in 30 min, 180 s handle, 80 % in 20 s: 13 agents give 79.6 %, so 14."""
    f = InboundForecast(100 / 1800, 180.0)
    assert f.erlangs == pytest.approx(10.0)
    assert service_level(13, f, 20.0) == pytest.approx(0.796, abs=1e-3)
    assert service_level(14, f, 20.0) == pytest.approx(0.888, abs=1e-3)
    assert agents_for_service_level(f, SL80) == 14
    assert average_speed_of_answer(13, f) == pytest.approx(0.2853 * 180 / 3, rel=1e-3)


def test_no_traffic_needs_nobody() -> None:
    f = InboundForecast(0.0, 180.0)
    assert agents_for_service_level(f, SL80) == 0
    assert service_level(0, f, 20.0) == 1.0
    assert average_speed_of_answer(0, f) == 0.0


def test_overloaded_service_level_is_zero() -> None:
    f = InboundForecast(10 / 180, 180.0)  # 10 E
    assert service_level(10, f, 20.0) == 0.0
    assert average_speed_of_answer(10, f) == math.inf


def test_a_trickle_still_needs_one_operator() -> None:
    assert agents_for_service_level(InboundForecast(1 / 3600, 120.0), SL80) == 1


def test_stricter_target_needs_more() -> None:
    f = InboundForecast(60 / 3600, 240.0)  # 4 E
    loose = agents_for_service_level(f, ServiceLevel(0.7, 30.0))
    strict = agents_for_service_level(f, ServiceLevel(0.95, 10.0))
    assert strict > loose >= 5


@given(
    st.floats(min_value=0.01, max_value=60.0),
    st.floats(min_value=10.0, max_value=900.0),
    st.floats(min_value=0.5, max_value=0.99),
    st.floats(min_value=0.0, max_value=120.0),
)
def test_staffing_is_the_least_that_meets_the_target(
    erlangs: float, handle: float, share: float, within: float
) -> None:
    f = InboundForecast(erlangs / handle, handle)
    target = ServiceLevel(share, within)
    n = agents_for_service_level(f, target)
    assert n > erlangs
    assert service_level(n, f, within) >= share
    assert n - 1 <= erlangs or service_level(n - 1, f, within) < share


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0.1, max_value=50.0))
def test_service_level_grows_with_agents(agents: int, erlangs: float) -> None:
    f = InboundForecast(erlangs / 100.0, 100.0)
    assert service_level(agents + 1, f, 20.0) >= service_level(agents, f, 20.0)
    assert 0.0 <= erlang_c(agents, erlangs) <= 1.0


@pytest.mark.parametrize(("share", "within"), [(0.0, 20.0), (1.0, 20.0), (0.8, -1.0)])
def test_bad_service_level_is_refused(share: float, within: float) -> None:
    with pytest.raises(ValueError):
        ServiceLevel(share, within)


# --- the reserve --------------------------------------------------------------------------------------------


def test_hold_counts_inbound_busy_and_queue() -> None:
    f = InboundForecast(100 / 1800, 180.0)  # needs 14
    assert operators_to_hold(f, SL80, inbound_busy=0, queued=0) == (14, 14)
    assert operators_to_hold(f, SL80, inbound_busy=10, queued=0) == (14, 4)
    assert operators_to_hold(f, SL80, inbound_busy=20, queued=0) == (14, 0)
    assert operators_to_hold(f, SL80, inbound_busy=20, queued=3) == (14, 3)


def _ids(s: PacingSnapshot) -> list[int]:
    return [o.operator_id for o in s.operators]


def test_blended_service_level_by_hand() -> None:
    # 60 calls/h x 200 s; 12 operators: 3 on inbound calls, 9 on outbound calls (talk 120 + wrap-up 15 s).
    # nu = 3/200 + 9/135 = 0.08167/s; reserve 0: SL = 1 - e^(-(nu - 1/60) 20) = 0.7275, short of 80 %;
    # reserve 1: rho = (1/60)/nu = 0.2041, SL = 1 - rho e^(-(nu - 1/60) 20) = 0.9444
    f = InboundForecast(60 / 3600, 200.0)
    mix = FloorMix(inbound_busy=3, on_call=9, talk_s=120.0, wrap_s=15.0)
    nu = 3 / 200 + 9 / 135
    assert mix.freeing_rate(0, f) == pytest.approx(nu)
    assert blended_service_level(0, f, mix, 20.0) == pytest.approx(1 - math.exp(-(nu - 1 / 60) * 20))
    assert blended_service_level(1, f, mix, 20.0) == pytest.approx(1 - (1 / 60 / nu) * math.exp(-(nu - 1 / 60) * 20))
    assert blended_service_level(0, f, mix, 20.0) == pytest.approx(0.7275, abs=1e-4)
    assert blended_service_level(1, f, mix, 20.0) == pytest.approx(0.9444, abs=1e-4)
    assert blended_reserve(f, SL80, mix) == 1
    assert blended_reserve(f, ServiceLevel(0.95, 20.0), mix) == 2


def test_an_operator_in_wrap_up_frees_soon() -> None:
    # one of the nine in wrap-up instead of on a call: nu = 3/200 + 8/135 + 1/15 = 0.14093/s, and
    # SL(0) = 1 - e^(-(nu - 1/60) 20) = 0.9167: nobody needs holding
    f = InboundForecast(60 / 3600, 200.0)
    mix = FloorMix(inbound_busy=3, on_call=8, wrap_up=1, talk_s=120.0, wrap_s=15.0)
    assert mix.freeing_rate(0, f) == pytest.approx(3 / 200 + 8 / 135 + 1 / 15)
    assert blended_service_level(0, f, mix, 20.0) == pytest.approx(0.9167, abs=1e-4)
    assert blended_reserve(f, SL80, mix) == 0


def test_held_ready_operators_do_not_free() -> None:
    # a ready operator left to the engine takes an outbound call and frees after it; one held does not
    f = InboundForecast(0.05, 180.0)
    mix = FloorMix(inbound_busy=1, on_call=2, wrap_up=1, ready=3, talk_s=120.0, wrap_s=15.0)
    base = 1 / 180 + 2 / 135 + 1 / 15
    assert [mix.freeing_rate(r, f) for r in (0, 2, 3, 5)] == pytest.approx([base + 3 / 135, base + 1 / 135, base, base])


def test_spare_operators_thin_the_deficit_chain_by_hand() -> None:
    # the floor of the worked example (nu = 3/200 + 9/135, rho = (1/60) / nu = 0.2041), and the engine left
    # without a spare ready operator 40 % of the time (p = 0.4). Reserve 0: S = 1 + p rho / (1 - rho) =
    # 1.1026, P(wait) = p / ((1 - rho) S) = 0.4558, SL = 1 - 0.4558 e^(-(nu - 1/60) 20) = 0.8758: nobody
    # needs holding where the old model (p = 1) held one. Reserve 1: S = 1 + p rho + (p rho)^2 / (1 - rho),
    # P(wait) = p (p rho) / ((1 - rho) S) = 0.03764
    mix = FloorMix(inbound_busy=3, on_call=9, talk_s=120.0, wrap_s=15.0)
    f = InboundForecast(1 / 60, 200.0, no_ready_share=0.4)
    nu = 3 / 200 + 9 / 135
    rho, x = (1 / 60) / nu, 0.4 * (1 / 60) / nu
    assert blended_wait_probability(0, f, mix) == pytest.approx(0.4 / ((1 - rho) * (1 + x / (1 - rho))))
    assert blended_wait_probability(0, f, mix) == pytest.approx(0.4558, abs=1e-4)
    assert blended_wait_probability(1, f, mix) == pytest.approx(0.4 * x / ((1 - rho) * (1 + x + x * x / (1 - rho))))
    assert blended_wait_probability(1, f, mix) == pytest.approx(0.03764, abs=1e-5)
    assert blended_service_level(0, f, mix, 20.0) == pytest.approx(0.8758, abs=1e-4)
    assert blended_reserve(f, SL80, mix) == 0
    assert blended_reserve(replace(f, no_ready_share=1.0), SL80, mix) == 1  # the worked example above


def test_an_engine_always_spare_needs_no_reserve_and_never_spare_is_the_old_model() -> None:
    mix = FloorMix(inbound_busy=3, on_call=9, talk_s=120.0, wrap_s=15.0)
    always = InboundForecast(1 / 60, 200.0, no_ready_share=0.0)
    assert [blended_wait_probability(r, always, mix) for r in range(3)] == [0.0, 0.0, 0.0]
    assert blended_service_level(0, always, mix, 20.0) == 1.0
    never = InboundForecast(1 / 60, 200.0)  # the default: every caller needs the reserve
    assert never.no_ready_share == 1.0
    rho = (1 / 60) / mix.freeing_rate(0, never)
    assert [blended_wait_probability(r, never, mix) for r in range(3)] == pytest.approx([1.0, rho, rho**2])


def test_wait_probability_edges() -> None:
    mix = FloorMix(on_call=3)
    assert blended_wait_probability(2, InboundForecast(0.0, 200.0, 0.5), mix) == 0.0  # nobody calls
    assert blended_wait_probability(2, InboundForecast(0.1, 200.0, 0.5), mix) == 1.0  # frees slower than they come


@pytest.mark.parametrize("share", [-0.1, 1.1])
def test_no_ready_share_must_be_a_share(share: float) -> None:
    with pytest.raises(ValueError, match="no_ready_share"):
        InboundForecast(0.01, 180.0, share)


@given(
    st.floats(min_value=1e-4, max_value=0.1),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=5),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=8),
)
def test_wait_probability_properties(
    rate: float, inbound: int, on_call: int, ready: int, p: float, q: float, reserve: int
) -> None:
    mix = FloorMix(inbound_busy=inbound, on_call=on_call, ready=ready, talk_s=120.0, wrap_s=15.0)
    lo, hi = sorted((p, q))
    f_lo, f_hi = InboundForecast(rate, 180.0, lo), InboundForecast(rate, 180.0, hi)
    w = blended_wait_probability(reserve, f_hi, mix)
    assert 0.0 <= w <= 1.0
    # fewer spare operators on the floor: callers wait more often, and the reserve is no smaller
    assert blended_wait_probability(reserve, f_lo, mix) <= w + 1e-12
    assert blended_reserve(f_lo, SL80, mix) <= blended_reserve(f_hi, SL80, mix)
    # with no spare operator at all the chain is the old one: rho^r
    nu = mix.freeing_rate(reserve, f_hi)
    full = blended_wait_probability(reserve, InboundForecast(rate, 180.0), mix)
    assert full == pytest.approx((rate / nu) ** reserve if nu > rate else 1.0, rel=1e-9)
    if reserve >= mix.ready:  # nu no longer changes with the reserve: a larger one makes waiting rarer
        assert blended_wait_probability(reserve + 1, f_hi, mix) <= w + 1e-12


def test_spare_ready_operator_by_hand() -> None:
    # answer probability 0.3 (a fresh call rings with all of it): one ready, one call just placed -> 0.7;
    # two ready and two fresh calls: spare unless both answer, 1 - 0.3^2 = 0.91
    q = LEARNED.answer_probability
    assert spare_ready_probability(snap(ready=1, ringing=(0.0,))) == pytest.approx(1 - q)
    assert spare_ready_probability(snap(ready=2, ringing=(0.0, 0.0))) == pytest.approx(1 - q * q)
    assert spare_ready_probability(snap(ready=2, ringing=())) == 1.0
    # a call that has rung a while is less likely to be answered: more chance of a spare operator
    assert spare_ready_probability(snap(ready=1, ringing=(15.0,))) > 1 - q
    # nobody ready, or the ready ones taken by people already waiting: none spare
    assert spare_ready_probability(snap(on_call=(10.0,), ringing=(0.0,))) == 0.0
    assert spare_ready_probability(snap(ready=2, waiting=2)) == 0.0
    assert spare_ready_probability(snap(ready=3, waiting=2, ringing=(0.0,))) == pytest.approx(1 - q)


def test_spare_ready_operator_before_anything_is_learned() -> None:
    fresh = CampaignStats(windows=healthy_windows())
    # every ringing call counts as answered until the learner has the answer rate
    assert spare_ready_probability(snap(ready=2, ringing=(0.0,), stats=fresh)) == 1.0
    assert spare_ready_probability(snap(ready=2, ringing=(0.0, 0.0), stats=fresh)) == 0.0


@given(
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=3),
    st.lists(st.floats(0, 60), max_size=12),
)
def test_spare_ready_operator_properties(ready: int, waiting: int, ringing: list[float]) -> None:
    s = snap(ready=ready, waiting=waiting, ringing=tuple(ringing))
    p = spare_ready_probability(s)
    assert 0.0 <= p <= 1.0
    # one more ready operator never makes a spare one less likely; one more call ringing never more likely
    assert spare_ready_probability(snap(ready=ready + 1, waiting=waiting, ringing=tuple(ringing))) >= p - 1e-12
    assert spare_ready_probability(snap(ready=ready, waiting=waiting, ringing=(*ringing, 0.0))) <= p + 1e-12
    # calls that are surely answered, just placed: a spare operator exactly when there are more ready
    sure = CampaignStats(learned=learned(answer_probability=1.0))
    fresh = tuple(0.0 for _ in ringing)
    expected = 1.0 if ready - waiting > len(fresh) else 0.0
    assert spare_ready_probability(snap(ready=ready, waiting=waiting, ringing=fresh, stats=sure)) == expected


def test_blended_reserve_edges() -> None:
    assert blended_reserve(InboundForecast(0.0, 200.0), SL80, FloorMix(on_call=10)) == 0
    # a trickle on a big floor: nobody held (an operator frees every 2.7 s)
    assert blended_reserve(InboundForecast(1 / 3600, 200.0), SL80, FloorMix(on_call=50)) == 0
    # releases slower than arrivals: everybody
    assert blended_reserve(InboundForecast(0.1, 200.0), SL80, FloorMix(on_call=3, ready=2)) == 5
    assert blended_service_level(2, InboundForecast(0.1, 200.0), FloorMix(on_call=5), 20.0) == 0.0
    # an empty floor holds nobody whatever comes
    assert blended_reserve(InboundForecast(0.1, 200.0), SL80, FloorMix()) == 0


def test_blended_reserve_is_smaller_than_a_dedicated_pool_on_a_big_floor() -> None:
    f = InboundForecast(3 / 180, 180.0)
    needed, hold = operators_to_hold(f, SL80, inbound_busy=0, queued=0, mix=FloorMix(on_call=20))
    assert needed == 5 and hold == blended_reserve(f, SL80, FloorMix(on_call=20)) == 0
    # a small floor: the dedicated pool's idle part (5 - 4) is the smaller; one more per queued caller
    small = FloorMix(inbound_busy=4, on_call=2)
    assert blended_reserve(f, SL80, small) == 2
    assert operators_to_hold(f, SL80, inbound_busy=4, queued=2, mix=small) == (5, 1 + 2)


def test_floor_mix_counts_the_floor() -> None:
    s = snap(ready=3, on_call=(10.0, 200.0, 50.0), wrap_up=(12.0,), paused=1)
    f = InboundForecast(0.01, 180.0)
    assert floor_mix(s, InboundFloor(frozenset({3, 6})), f) == FloorMix(2, 2, 0, 3, 120.0, 15.0)
    # nothing learned about outbound yet: the wrap-up counts as a call, both a whole inbound handle time
    fresh = replace(s, stats=CampaignStats())
    assert floor_mix(fresh, InboundFloor(frozenset({3})), f) == FloorMix(1, 3, 0, 3, 180.0, 0.0)


def test_blend_removes_inbound_operators_and_holds_ready_first() -> None:
    # ops 0..2 ready, 3..5 on call (10, 200, 50 s), 6 wrap-up 12 s, 7 paused; outbound handle 120 + 15 s
    s = snap(ready=3, on_call=(10.0, 200.0, 50.0), wrap_up=(12.0,), paused=1)
    f = InboundForecast(0.06, 180.0)  # 10.8 E -> a dedicated pool of 14
    mix = FloorMix(inbound_busy=1, on_call=2, wrap_up=1, ready=3, talk_s=120.0, wrap_s=15.0)
    assert agents_for_service_level(f, SL80) == 14 and blended_reserve(f, SL80, mix) == 3
    plan = blend(s, InboundFloor(frozenset({3}), queued=0), f, SL80)
    assert plan.needed == 14 and plan.inbound_busy == 1 and plan.held == 3
    assert _ids(plan.snapshot) == [4, 5, 6, 7]  # the ready ones held; paused never held
    assert "needs 14" in plan.reason


def test_blend_holds_the_wrap_up_then_the_longest_call() -> None:
    s = snap(ready=1, on_call=(10.0, 200.0, 50.0), wrap_up=(3.0,))
    f = InboundForecast(0.065, 180.0)
    assert blended_reserve(f, SL80, FloorMix(0, 3, 1, 1, 120.0, 15.0)) == 4 < agents_for_service_level(f, SL80)
    plan = blend(s, InboundFloor(), f, SL80)
    assert _ids(plan.snapshot) == [1]  # held: ready 0, wrap-up 4, the 200 s call (2), the 50 s call (3)


def test_blend_without_traffic_changes_nothing_but_the_inbound_pool() -> None:
    s = snap(ready=2, on_call=(30.0,))
    plan = blend(s, InboundFloor(frozenset({2})), InboundForecast(0.0, 180.0), SL80)
    assert plan.held == 0
    assert _ids(plan.snapshot) == [0, 1]


def test_blend_queued_callers_take_operators() -> None:
    s = snap(ready=0, on_call=(30.0, 40.0, 50.0))
    plan = blend(s, InboundFloor(frozenset(), queued=2), InboundForecast(0.0, 180.0), SL80)
    assert plan.held == 2 and _ids(plan.snapshot) == [0]


def test_blend_can_hold_everybody() -> None:
    s = snap(ready=2, on_call=(30.0,))
    plan = blend(s, InboundFloor(), InboundForecast(10 / 180, 180.0), SL80)
    assert plan.snapshot.operators == ()
    assert decide(plan.snapshot).calls_to_place == 0


def test_blend_keeps_knobs_stats_and_calls() -> None:
    s = snap(ready=4, ringing=(3.0, 4.0), waiting=1)
    plan = blend(s, InboundFloor(), InboundForecast(0.2 / 180, 180.0), SL80)
    assert plan.snapshot.calls_in_flight == s.calls_in_flight
    assert plan.snapshot.answered_waiting == 1
    assert plan.snapshot.knobs is s.knobs and plan.snapshot.stats is s.stats


def test_blended_predictive_dials_fewer_than_unaware() -> None:
    """The outbound engine, shown the floor without the reserve, places fewer calls than it would for all."""
    s = snap(
        ready=6,
        on_call=tuple(20.0 + 10 * i for i in range(14)),
        mode=DialingMode.PREDICTIVE,
        stats=_stats(),
    )
    unaware = decide(s).calls_to_place
    plan = blend(s, InboundFloor(frozenset({6, 7})), InboundForecast(12 / 180, 180.0), SL80)
    blended = decide(plan.snapshot).calls_to_place
    assert plan.held >= 1
    assert 0 <= blended < unaware


def _stats() -> CampaignStats:
    return CampaignStats(dialled=5000, answered=1500, abandoned=10, windows=healthy_windows(), learned=LEARNED)


def test_fixed_reserve_counts_inbound_calls_in_it() -> None:
    s = snap(ready=3, on_call=(10.0, 20.0))
    assert _ids(fixed_reserve(s, InboundFloor(), 2)) == [2, 3, 4]
    assert _ids(fixed_reserve(s, InboundFloor(frozenset({3})), 2)) == [1, 2, 4]
    assert _ids(fixed_reserve(s, InboundFloor(frozenset({3, 4})), 2)) == [0, 1, 2]
    assert _ids(fixed_reserve(s, InboundFloor(), 0)) == [0, 1, 2, 3, 4]


@given(
    st.lists(st.tuples(st.sampled_from(list(OperatorState)), st.floats(min_value=0, max_value=900)), max_size=30),
    st.floats(min_value=0, max_value=0.2),
    st.integers(min_value=0, max_value=5),
    st.data(),
)
def test_blend_properties(
    ops: list[tuple[OperatorState, float]], rate: float, queued: int, data: st.DataObject
) -> None:
    operators = tuple(OperatorSnapshot(i, state, t) for i, (state, t) in enumerate(ops))
    inbound = frozenset(data.draw(st.sets(st.integers(min_value=0, max_value=max(len(ops) - 1, 0)))))
    s = replace(snap(), operators=operators)
    plan = blend(s, InboundFloor(inbound, queued), InboundForecast(rate, 180.0), SL80)
    kept = {o.operator_id for o in plan.snapshot.operators}
    assert not kept & inbound  # the inbound pool never shows to outbound
    assert kept <= {o.operator_id for o in operators}
    paused = {o.operator_id for o in operators if o.state is OperatorState.PAUSED and o.operator_id not in inbound}
    assert paused <= kept  # pauses are not held (they are no capacity either way)
    eligible = sum(1 for o in operators if o.operator_id not in inbound and o.state is not OperatorState.PAUSED)
    inbound_busy = sum(1 for o in operators if o.operator_id in inbound)
    f = InboundForecast(rate, 180.0)
    mix = floor_mix(s, InboundFloor(inbound, queued), f)
    assert mix.operators == inbound_busy + eligible
    _, hold = operators_to_hold(f, SL80, inbound_busy=inbound_busy, queued=queued, mix=mix)
    r = blended_reserve(f, SL80, mix)  # the least reserve meeting the target, or everybody
    assert r == mix.operators or blended_service_level(r, f, mix, 20.0) >= 0.8
    assert r == 0 or blended_service_level(r - 1, f, mix, 20.0) < 0.8
    assert plan.held == min(eligible, hold)
    assert hold <= max(plan.needed - inbound_busy, 0) + queued
    # ready operators are held before anybody else
    held = {o.operator_id for o in operators} - kept - inbound
    if any(o.state is not OperatorState.READY for o in operators if o.operator_id in held):
        assert not any(o.state is OperatorState.READY and o.operator_id in kept for o in operators)


# --- the learner --------------------------------------------------------------------------------------------


def _feed(learner: InboundLearner, start: float, seconds: float, per_hour: float, hour: int) -> float:
    """Open for `seconds` with evenly spaced arrivals; returns the end time."""
    gap = 3600.0 / per_hour
    t = start
    while t < start + seconds:
        learner.observe_open(t, hour)
        learner.observe_arrival(t, hour)
        t += gap
    learner.observe_open(start + seconds, hour)
    return start + seconds


def test_learner_prior_is_the_admin_expectation() -> None:
    learner = InboundLearner(expected_per_hour=36.0, prior_handle_s=240.0)
    f = learner.forecast(0.0, 9)
    assert f.arrivals_per_s * 3600 == pytest.approx(36.0)
    assert f.handle_s == pytest.approx(240.0)


def test_learner_lets_the_admin_expectation_give_way() -> None:
    # 40 expected, 60 an hour arrive: after 15 minutes (15 calls) today's rate is (15 + 40/h x 900 s) /
    # (900 + 900 s) = 50/h, and the estimate (15 + 50/h x 900 s) / (900 + 900 s) = 55/h; after 30 minutes
    # today's own rate (60/h) is the prior
    learner = InboundLearner(expected_per_hour=40.0)
    t = _feed(learner, 0.0, 900.0, 60.0, 9)
    assert learner.arrivals_per_s(t, 9) * 3600 == pytest.approx(55.0)
    t = _feed(learner, t, 900.0, 60.0, 9)
    assert learner.arrivals_per_s(t, 9) * 3600 == pytest.approx(60.0)


def test_learner_converges_to_the_observed_rate() -> None:
    learner = InboundLearner()
    end = _feed(learner, 0.0, 3 * 3600, 60.0, 9)
    assert learner.arrivals_per_s(end, 9) * 3600 == pytest.approx(60.0, rel=0.05)


def test_learner_follows_a_surge_within_the_window() -> None:
    learner = InboundLearner()
    t = _feed(learner, 0.0, 2 * 3600, 30.0, 9)
    t = _feed(learner, t, 900.0, 240.0, 9)
    rate = learner.arrivals_per_s(t, 9) * 3600
    assert 120.0 < rate < 240.0  # half the way at least after one window (the prior is worth one window)


def test_learner_uses_the_hour_history() -> None:
    learner = InboundLearner()
    t = _feed(learner, 0.0, 3600, 20.0, 9)
    t = _feed(learner, t, 3600, 120.0, 10)
    learner.observe_closed()  # overnight: closed, not counted
    t2 = t + 23 * 3600  # the next day at 9, nothing seen yet today
    learner.observe_open(t2, 9)
    assert learner.arrivals_per_s(t2, 9) * 3600 == pytest.approx(20.0, rel=0.05)
    assert learner.arrivals_per_s(t2, 10) * 3600 == pytest.approx(120.0, rel=0.05)


def test_learner_closed_time_does_not_dilute_the_rate() -> None:
    learner = InboundLearner()
    t = _feed(learner, 0.0, 3600, 60.0, 9)
    learner.observe_closed()
    learner.observe_open(t + 7200, 9)  # the gap is not counted as open
    assert sum(learner.hour_open_s) == pytest.approx(3600.0)


def test_learner_handle_time_by_hour() -> None:
    learner = InboundLearner(prior_handle_s=100.0)
    for _ in range(30):
        learner.observe_handle(300.0, 14)
    for _ in range(5):
        learner.observe_handle(60.0, 15)
    assert learner.handle_s(14) == pytest.approx(300.0)
    assert learner.handle_s(15) == pytest.approx((30 * 300 + 5 * 60) / 35)  # too few at 15: all of today
    fresh = InboundLearner(prior_handle_s=100.0)
    fresh.observe_handle(400.0, 9)
    assert fresh.handle_s(9) == pytest.approx((400 + 500) / 6)  # the prior worth five calls


def test_learner_refuses_bad_settings() -> None:
    with pytest.raises(ValueError):
        InboundLearner(expected_per_hour=-1)
    with pytest.raises(ValueError):
        InboundLearner(prior_handle_s=0)


def test_learner_no_ready_share_starts_safe_and_gives_way() -> None:
    learner = InboundLearner()  # window and prior 900 s, today's share its own after 1800 s
    assert learner.no_ready_share(0.0) == 1.0  # nothing seen: every caller needs the reserve
    for t in range(601):  # a decision a second, the engine always with a spare operator
        learner.observe_engine(float(t), 1.0)
    # today's share (0 s of 600 without a spare, on top of 1 worth 900 s) = 900 / 1500 = 0.6; the window's
    # estimate (0 + 0.6 x 900) / (600 + 900) = 0.36
    assert learner.no_ready_share(600.0) == pytest.approx(0.36)
    for t in range(601, 1801):
        learner.observe_engine(float(t), 1.0)
    assert learner.no_ready_share(1800.0) == pytest.approx(0.0)  # half an hour seen: today's own share
    assert learner.forecast(1800.0, 10).no_ready_share == pytest.approx(0.0)


def test_learner_no_ready_share_is_time_weighted_and_windowed() -> None:
    learner = InboundLearner(window_s=100.0, prior_s=100.0, hour_min_s=10.0)
    learner.observe_engine(0.0, 0.5)  # holds for 30 s: 15 s without a spare
    learner.observe_engine(30.0, 1.0)  # holds for 10 s: none
    learner.observe_engine(40.0, 0.0)
    # today: 15 of 40 s; the window (all of it): (15 + 15/40 x 100) / (40 + 100)
    assert learner.no_ready_share(40.0) == pytest.approx((15 + 15 / 40 * 100) / 140)
    learner.observe_engine(200.0, 0.0)  # 160 s without a spare; the first spells fall out of the window
    assert learner.engine_no_ready_s == pytest.approx(175.0)
    today = 175 / 200
    assert learner.no_ready_share(200.0) == pytest.approx((160 + today * 100) / (160 + 100))


def test_learner_no_ready_share_skips_closed_time_and_refuses_bad_input() -> None:
    learner = InboundLearner()
    learner.observe_engine(0.0, 0.0)
    learner.observe_closed()  # the gap until the next decision is not counted
    learner.observe_engine(5000.0, 0.0)
    assert learner.engine_open_s == 0.0
    with pytest.raises(ValueError, match="spare"):
        learner.observe_engine(5001.0, 1.5)
