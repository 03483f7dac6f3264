"""Placement of a campaign's new calls on several Asterisk servers: checked over every small state."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.placement import ServerLoad, assign_servers, operator_weights, place_calls


def load(
    name: str, ready: int, calls: int = 0, in_use: int = 0, capacity: int | None = None, up: bool = True
) -> ServerLoad:
    return ServerLoad(name, up, ready, calls, in_use, capacity)


def check_plan(wanted: int, servers: list[ServerLoad], plan: dict[str, int]) -> None:
    """Every property the service relies on."""
    assert set(plan) == {s.name for s in servers}
    open_servers = [s for s in servers if s.up and s.headroom != 0]
    ready_somewhere = any(s.ready_operators > 0 for s in open_servers)
    weight = {s.name: s.ready_operators if ready_somewhere else s.busy_operators for s in open_servers}
    assert operator_weights(servers) == {s.name: weight.get(s.name, 0) for s in servers}
    eligible = [s for s in open_servers if weight[s.name] > 0]
    for s in servers:
        if s not in eligible:
            assert plan[s.name] == 0, f"a call placed on {s}"
        assert plan[s.name] >= 0
        if s.headroom is not None:
            assert plan[s.name] <= s.headroom
    unlimited = any(s.headroom is None for s in eligible)
    room = wanted if unlimited else sum(s.headroom or 0 for s in eligible)
    assert sum(plan.values()) == min(max(wanted, 0), room)
    # balanced: moving one call from any server to another with room would not lower the larger load
    for a, b in itertools.permutations(eligible, 2):
        if plan[a.name] == 0 or (b.headroom is not None and plan[b.name] >= b.headroom):
            continue
        after_a = Fraction(a.campaign_calls + plan[a.name] - 1, weight[a.name])
        b_with_one_more = Fraction(b.campaign_calls + plan[b.name] + 1, weight[b.name])
        assert after_a <= b_with_one_more, (wanted, servers, plan)


STATES = [
    (up, ready, calls, in_use, capacity, busy)
    for up in (True, False)
    for ready in (0, 1, 2)
    for calls in (0, 2)
    for in_use in (0, 2)
    for capacity in (None, 1, 3)
    for busy in (0, 1)
]


def test_every_pair_of_small_server_states() -> None:
    for a, b in itertools.product(STATES, repeat=2):
        servers = [ServerLoad("a", *a), ServerLoad("b", *b)]
        for wanted in (0, 1, 3, 7):
            plan = place_calls(wanted, servers)
            check_plan(wanted, servers, plan)
            assert place_calls(wanted, servers[::-1]) == plan  # the order servers are listed in does not matter


def test_one_server_gets_everything_it_can_carry() -> None:
    assert place_calls(5, [load("default", 2)]) == {"default": 5}
    assert place_calls(5, [load("default", 2, in_use=8, capacity=10)]) == {"default": 2}


def test_proportional_to_free_operators() -> None:
    assert place_calls(9, [load("a", 1), load("b", 2)]) == {"a": 3, "b": 6}
    assert place_calls(10, [load("a", 3), load("b", 2)]) == {"a": 6, "b": 4}


def test_calls_already_ringing_count() -> None:
    # a: 4 ringing for 2 ready; b: none for 2 ready. 4 new calls all go to b (4/2 each after).
    assert place_calls(4, [load("a", 2, calls=4), load("b", 2)]) == {"a": 0, "b": 4}


def test_never_on_a_server_down_full_or_without_ready_operators() -> None:
    servers = [load("down", 5, up=False), load("full", 5, in_use=3, capacity=3), load("idle", 0), load("ok", 1)]
    assert place_calls(4, servers) == {"down": 0, "full": 0, "idle": 0, "ok": 4}
    assert place_calls(4, servers[:3]) == {"down": 0, "full": 0, "idle": 0}


def test_nobody_ready_anywhere_goes_where_operators_free_up() -> None:
    # the predictive engine dials ahead for operators on a call; one server: as if there were no placement
    assert place_calls(2, [ServerLoad("default", True, 0, 1, 3, None, busy_operators=3)]) == {"default": 2}
    busy_a = ServerLoad("a", True, 0, 0, 0, None, busy_operators=1)
    busy_b = ServerLoad("b", True, 0, 0, 0, None, busy_operators=3)
    assert place_calls(4, [busy_a, busy_b]) == {"a": 1, "b": 3}
    # as soon as someone is ready somewhere, only servers with ready operators get calls
    ready_c = ServerLoad("c", True, 1, 0, 0, None)
    assert place_calls(4, [busy_a, busy_b, ready_c]) == {"a": 0, "b": 0, "c": 4}
    # nobody logged in who could take a call: nothing
    assert place_calls(2, [ServerLoad("a", True, 0, 0, 0, None)]) == {"a": 0}


def test_capacity_spills_to_the_other_server() -> None:
    assert place_calls(6, [load("a", 5, capacity=2), load("b", 1)]) == {"a": 2, "b": 4}


def test_ties_are_deterministic() -> None:
    assert place_calls(1, [load("b", 1), load("a", 1)]) == {"a": 1, "b": 0}
    assert place_calls(1, [load("a", 1), load("b", 2)]) == {"a": 0, "b": 1}  # equal load: more operators first
    assert place_calls(1, [load("a", 1, calls=1), load("b", 2, calls=2)]) == {"a": 0, "b": 1}


def test_nothing_wanted_nothing_placed() -> None:
    assert place_calls(0, [load("a", 3)]) == {"a": 0}
    assert place_calls(-2, [load("a", 3)]) == {"a": 0}
    assert place_calls(3, []) == {}


def test_server_names_must_be_unique() -> None:
    with pytest.raises(ValueError):
        place_calls(1, [load("a", 1), load("a", 2)])


servers_strategy = st.lists(
    st.builds(
        ServerLoad,
        name=st.sampled_from("abcdef"),
        up=st.booleans(),
        ready_operators=st.integers(0, 30),
        campaign_calls=st.integers(0, 60),
        lines_in_use=st.integers(0, 100),
        line_capacity=st.none() | st.integers(0, 120),
        busy_operators=st.integers(0, 30),
    ),
    max_size=6,
    unique_by=lambda s: s.name,
)


@given(st.integers(0, 80), servers_strategy)
def test_plan_properties_on_larger_states(wanted: int, servers: list[ServerLoad]) -> None:
    check_plan(wanted, servers, place_calls(wanted, servers))


def test_assign_prefers_the_callback_operators_server() -> None:
    assert assign_servers({"a": 1, "b": 2}, [None, "a", None]) == ["b", "a", "b"]
    # the preferred server has no room left: the call goes elsewhere
    assert assign_servers({"a": 1, "b": 1}, ["a", "a"]) == ["a", "b"]
    # a preferred server the plan does not use (its operators are busy) is not forced
    assert assign_servers({"a": 0, "b": 2}, ["a", None]) == ["b", "b"]


def test_assign_spreads_a_short_lease() -> None:
    assert assign_servers({"a": 3, "b": 3}, [None, None]) == ["a", "b"]
    assert assign_servers({"a": 1, "b": 4}, [None, None, None]) == ["b", "b", "b"]
    assert assign_servers({"a": 2, "b": 4}, [None, None, None]) == ["b", "b", "a"]
    assert assign_servers({"a": 2}, []) == []


def test_assign_never_exceeds_the_plan() -> None:
    for plan in ({"a": 2, "b": 1}, {"a": 0, "b": 3}, {"a": 3, "b": 0}):
        for prefs in itertools.product([None, "a", "b"], repeat=3):
            got = assign_servers(plan, list(prefs))
            assert {name: got.count(name) for name in plan} == plan
            for want, server in zip(prefs, got, strict=True):
                if want is not None and plan[want] >= sum(1 for p in prefs if p == want):
                    assert server == want
    with pytest.raises(ValueError):
        assign_servers({"a": 1}, [None, None])


def test_the_floor_keeps_servers_apart() -> None:
    from dialer.floor import CallFloor, CallStage, LiveCall, LiveOperator
    from dialer.pacing import OperatorState

    floor = CallFloor()
    for i, (server, state, since) in enumerate(
        [
            ("a", OperatorState.READY, 1.0),
            ("b", OperatorState.READY, 0.0),
            ("b", OperatorState.ON_CALL, 0.0),
            ("a", OperatorState.WRAP_UP, 0.0),
            ("a", OperatorState.PAUSED, 0.0),
        ]
    ):
        op = LiveOperator(i, f"op{i}", "PJSIP/x", i, f"agent-{i}", f"bridge-{i}", state=state, since=since)
        op.server = server
        floor.operators[op.channel_id] = op
    stages = [(CallStage.RINGING, "a"), (CallStage.WAITING, "b"), (CallStage.WAITING, "a"), (CallStage.BRIDGED, "a")]
    for i, (stage, server) in enumerate(stages):
        floor.calls[f"c{i}"] = LiveCall(i, i, f"c{i}", "+1", 0.0, stage=stage, person_at=float(i), server=server)
    anyone = floor.free_operator()
    assert anyone is not None and anyone.login == "op1"  # longest ready overall
    op_a = floor.free_operator(server="a")
    assert op_a is not None and op_a.login == "op0"  # only a's operators for a call on a
    assert floor.free_operator(server="c") is None
    assert [c.attempt_id for c in floor.waiting_calls("a")] == [2]
    assert [c.attempt_id for c in floor.waiting_calls()] == [1, 2]
    assert (floor.ready_on("a"), floor.ready_on("b"), floor.busy_on("a"), floor.busy_on("b")) == (1, 1, 1, 1)
    assert (floor.unconnected_calls_on("a"), floor.lines_on("a"), floor.lines_on("b")) == (2, 3, 1)
