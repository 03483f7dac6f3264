"""Routing of calls coming back to the campaign's number: examples for each rule, then properties."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.rules.inbound_routing import (
    AfterHours,
    CallerFacts,
    Connect,
    InboundPolicy,
    InboundSnapshot,
    OperatorView,
    QueuedCaller,
    Reason,
    Release,
    callback_for_hang_up,
    next_deadline,
    route,
)

POLICY = InboundPolicy(max_wait_s=60, own_wait_s=10)


def op(i: int, free: bool = True, idle_since: float = 0.0) -> OperatorView:
    return OperatorView(i, free, idle_since)


def caller(cid: str, at: float = 0.0, **facts: object) -> QueuedCaller:
    return QueuedCaller(cid, at, CallerFacts(**facts))  # type: ignore[arg-type]


def snap(queue: list[QueuedCaller], ops: list[OperatorView], now: float = 1.0, **kw: object) -> InboundSnapshot:
    return InboundSnapshot(now, tuple(queue), tuple(ops), policy=POLICY, **kw)  # type: ignore[arg-type]


def test_the_operator_who_last_spoke_takes_the_call_when_free() -> None:
    s = snap([caller("c", last_operator=2)], [op(1, idle_since=0), op(2, idle_since=5)])
    assert route(s) == [Connect("c", 2, Reason.OWN_OPERATOR)]


def test_busy_last_operator_goes_to_the_next_in_the_chain() -> None:
    s = snap([caller("c", last_operator=2, fallback_chain=(3,))], [op(1), op(2, free=False), op(3)])
    assert route(s) == [Connect("c", 3, Reason.OWN_OPERATOR)]


def test_waits_for_own_people_within_the_short_wait_then_the_team() -> None:
    queue = [caller("c", at=0, last_operator=2)]
    ops = [op(1), op(2, free=False)]
    assert route(snap(queue, ops, now=9.9)) == []
    assert route(snap(queue, ops, now=10)) == [Connect("c", 1, Reason.TEAM)]


def test_key_client_goes_to_manager_then_fallback_chain_then_team() -> None:
    facts: dict[str, Any] = {"account_manager": 5, "fallback_chain": (6, 7), "last_operator": 2}
    ops = [op(1), op(2), op(5), op(6), op(7)]
    assert route(snap([caller("k", **facts)], ops)) == [Connect("k", 5, Reason.OWN_OPERATOR)]
    ops = [op(1), op(2), op(5, free=False), op(6, free=False), op(7)]
    assert route(snap([caller("k", **facts)], ops)) == [Connect("k", 7, Reason.OWN_OPERATOR)]
    ops = [op(1), op(2), op(5, free=False), op(6, free=False), op(7, free=False)]
    # the manager chain is tried before the operator who last spoke
    assert route(snap([caller("k", **facts)], ops)) == [Connect("k", 2, Reason.OWN_OPERATOR)]
    ops = [op(1), op(2, free=False), op(5, free=False), op(6, free=False), op(7, free=False)]
    assert route(snap([caller("k", **facts)], ops, now=5)) == []
    assert route(snap([caller("k", **facts)], ops, now=10)) == [Connect("k", 1, Reason.TEAM)]


def test_vip_overtakes_earlier_ordinary_callers() -> None:
    queue = [caller("a", at=0), caller("b", at=1), caller("v", at=2, vip=True)]
    assert route(snap(queue, [op(1)], now=3)) == [Connect("v", 1, Reason.TEAM)]


def test_fifo_among_equals_and_longest_idle_operator_first() -> None:
    queue = [caller("b", at=1), caller("a", at=0)]
    ops = [op(1, idle_since=30), op(2, idle_since=10)]
    assert route(snap(queue, ops, now=40)) == [Connect("a", 2, Reason.TEAM), Connect("b", 1, Reason.TEAM)]


def test_max_wait_gives_a_callback_task_for_the_right_operator() -> None:
    queue = [caller("a", at=0, last_operator=4), caller("b", at=0), caller("c", at=30)]
    out = route(snap(queue, [op(4, free=False)], now=60))
    assert out == [Release("a", Reason.MAX_WAIT, True, 4), Release("b", Reason.MAX_WAIT, True, None)]


def test_a_free_operator_beats_the_max_wait() -> None:
    assert route(snap([caller("a", at=0)], [op(1)], now=100)) == [Connect("a", 1, Reason.TEAM)]


def test_closed_hours_message_with_or_without_callback() -> None:
    queue = [caller("a", last_operator=3)]
    assert route(snap(queue, [op(3)], open=False)) == [Release("a", Reason.CLOSED, False, None)]
    s = InboundSnapshot(1, tuple(queue), (op(3),), open=False, policy=InboundPolicy(after_hours=AfterHours.CALLBACK))
    assert route(s) == [Release("a", Reason.CLOSED, True, 3)]


def test_hang_up_in_queue_becomes_callback_for_own_operator() -> None:
    assert callback_for_hang_up(caller("a", account_manager=9, last_operator=2)) == Release(
        "a", Reason.HUNG_UP, True, 9
    )
    assert callback_for_hang_up(caller("b")).callback_operator_id is None


def test_own_operator_is_offered_to_the_caller_waiting_for_them_first() -> None:
    queue = [caller("team", at=0), caller("mine", at=5, last_operator=1)]
    assert route(snap(queue, [op(1)], now=6)) == [Connect("mine", 1, Reason.OWN_OPERATOR)]


def test_next_deadline() -> None:
    assert next_deadline(snap([], [op(1)])) is None
    assert next_deadline(snap([caller("a", at=0, last_operator=1)], [], now=1)) == 10
    assert next_deadline(snap([caller("a", at=0, last_operator=1)], [], now=11)) == 60
    assert next_deadline(snap([caller("a", at=0)], [], now=1)) == 60


# --- properties over random queues and floors ---------------------------------------------------

OP_IDS = st.integers(1, 6)
facts_st = st.builds(
    CallerFacts,
    contact_id=st.none() | st.integers(1, 100),
    vip=st.booleans(),
    account_manager=st.none() | OP_IDS,
    fallback_chain=st.lists(OP_IDS, max_size=3).map(tuple),
    last_operator=st.none() | OP_IDS,
)


@st.composite
def snapshots(draw: st.DrawFn) -> InboundSnapshot:
    n = draw(st.integers(0, 8))
    queue = tuple(QueuedCaller(f"c{i}", draw(st.floats(0, 100, allow_nan=False)), draw(facts_st)) for i in range(n))
    ids = draw(st.lists(OP_IDS, unique=True, max_size=6))
    ops = tuple(OperatorView(i, draw(st.booleans()), draw(st.floats(0, 100, allow_nan=False))) for i in ids)
    policy = InboundPolicy(
        max_wait_s=draw(st.floats(1, 120)),
        own_wait_s=draw(st.floats(0, 30)),
        after_hours=draw(st.sampled_from(AfterHours)),
    )
    return InboundSnapshot(draw(st.floats(100, 250)), queue, ops, draw(st.booleans()), policy)


@settings(max_examples=400)
@given(snapshots())
def test_properties(s: InboundSnapshot) -> None:
    out = route(s)
    callers = {c.call_id: c for c in s.queue}
    ops = {o.operator_id: o for o in s.operators}
    ids = [d.call_id for d in out]
    assert len(ids) == len(set(ids)), "one decision per caller at most"
    assert set(ids) <= set(callers)
    connects = [d for d in out if isinstance(d, Connect)]
    releases = [d for d in out if isinstance(d, Release)]
    if not s.open:
        assert not connects and len(releases) == len(s.queue)
        assert all(
            r.reason is Reason.CLOSED and r.callback == (s.policy.after_hours is AfterHours.CALLBACK) for r in releases
        )
        return
    used = [d.operator_id for d in connects]
    assert len(used) == len(set(used)), "an operator takes one call"
    assert all(ops[o].free for o in used), "only free operators"
    for d in connects:
        facts = callers[d.call_id].facts
        if d.reason is Reason.OWN_OPERATOR:
            assert d.operator_id in facts.own_operators
            before = facts.own_operators[: facts.own_operators.index(d.operator_id)]
            assert all(o not in ops or not ops[o].free or o in used for o in before), "first free of the chain"
        else:
            assert not facts.own_operators or callers[d.call_id].waited(s.now) >= s.policy.own_wait_s
            assert not any(o in ops and ops[o].free and o not in used for o in facts.own_operators)
    left = [c for c in s.queue if c.call_id not in ids]
    idle = [o for o in s.operators if o.free and o.operator_id not in used]
    # work-conserving: nobody who may take the team waits while an operator is free
    for c in left:
        assert c.waited(s.now) < s.policy.max_wait_s
        if idle:
            assert c.facts.own_operators and c.waited(s.now) < s.policy.own_wait_s
            assert not any(o.operator_id in c.facts.own_operators for o in idle)
    for r in releases:
        assert r.reason is Reason.MAX_WAIT and r.callback
        c = callers[r.call_id]
        assert c.waited(s.now) >= s.policy.max_wait_s
        assert r.callback_operator_id == (c.facts.own_operators[0] if c.facts.own_operators else None)
        assert not idle or (c.facts.own_operators and c.waited(s.now) < s.policy.own_wait_s)
    # team: VIP before ordinary, FIFO among equals, longest-idle operator to the first in that order
    team = [d for d in connects if d.reason is Reason.TEAM]
    order = [(not callers[d.call_id].facts.vip, callers[d.call_id].arrived_at) for d in team]
    assert order == sorted(order)
    idles = [(ops[d.operator_id].idle_since, d.operator_id) for d in team]
    assert idles == sorted(idles)
    for d in team:
        mine = callers[d.call_id]
        for c in left:  # nobody left behind who should have come first
            if not (c.facts.own_operators and c.waited(s.now) < s.policy.own_wait_s):
                assert (not mine.facts.vip, mine.arrived_at) <= (not c.facts.vip, c.arrived_at)


@settings(max_examples=200)
@given(snapshots())
def test_deadline_is_when_something_changes(s: InboundSnapshot) -> None:
    deadline = next_deadline(s)
    if not s.queue:
        assert deadline is None
        return
    assert deadline is not None
    if s.open and deadline > s.now:
        # nothing changes for callers until the deadline if the floor stays the same
        later = InboundSnapshot(deadline - 1e-6, s.queue, s.operators, s.open, s.policy)
        if later.now >= s.now:
            assert route(later) == route(s)
