"""The adoption planner: what a restarted dialer does with each call and operator Asterisk still holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState
from dialer.recovery.adoption import (
    AdoptionPlan,
    CallAction,
    CallPlan,
    OpenSession,
    OperatorAction,
    OperatorPlan,
    plan_adoption,
)
from dialer.recovery.inventory import (
    ANSWERED_VARIABLE,
    OUTBOUND_CONTEXT,
    BridgeInfo,
    ChannelInfo,
    ServerInventory,
    answered_at,
)
from dialer.recovery.reconcile import OpenAttempt

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
LIMITS = {1: 2.0, 2: 2.0}


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def up(cid: str, app: str = "Stasis", **kw: object) -> ChannelInfo:
    return ChannelInfo(cid, state="Up", app_name=app, in_application=True, **kw)  # type: ignore[arg-type]


def operator(n: int, campaign: int = 1, **kw: object) -> tuple[OpenSession, ChannelInfo, BridgeInfo]:
    session = OpenSession(n, 100 + n, campaign, f"agent-{n}", f"opbridge-{n}", **kw)  # type: ignore[arg-type]
    return session, up(f"agent-{n}"), BridgeInfo(f"opbridge-{n}", channels=(f"agent-{n}",))


def attempt(n: int, campaign: int = 1, **kw: object) -> OpenAttempt:
    return OpenAttempt(n, f"att-{n}", campaign_id=campaign, **kw)  # type: ignore[arg-type]


def plan(
    channels: list[ChannelInfo],
    bridges: list[BridgeInfo],
    attempts: list[OpenAttempt],
    sessions: list[OpenSession],
    server: str = "a",
) -> AdoptionPlan:
    inv = ServerInventory(server, tuple(channels), tuple(bridges))
    return plan_adoption([inv], attempts, sessions, connect_limits=LIMITS, now=NOW)


def call(p: AdoptionPlan, attempt_id: int) -> CallPlan:
    (c,) = [c for c in p.calls if c.attempt_id == attempt_id]
    return c


def op(p: AdoptionPlan, session_id: int) -> OperatorPlan:
    (o,) = [o for o in p.operators if o.session_id == session_id]
    return o


def test_a_bridged_conversation_keeps_talking_with_its_recording() -> None:
    s, och, br = operator(1)
    bridge = BridgeInfo(br.id, channels=(och.id, "att-7"))
    channels = [och, up("att-7"), up("att-7-snoop-customer"), up("att-7-snoop-operator")]
    p = plan(channels, [bridge], [attempt(7, answered_at=ago(30), bridged_at=ago(29))], [s])
    c = call(p, 7)
    assert (c.action, c.session_id, c.bridge_id, c.recording_roles) == (
        CallAction.ADOPT_BRIDGED,
        1,
        "opbridge-1",
        ("customer", "operator"),
    )
    o = op(p, 1)
    assert (o.action, o.state, o.attempt_id, o.server) == (OperatorAction.ADOPT, OperatorState.ON_CALL, 7, "a")
    assert p.hangup_channels == [] and p.destroy_bridges == []
    assert p.live_channel_ids == {"att-7"}


def test_adopted_even_when_the_bridge_time_never_reached_the_database() -> None:
    s, och, br = operator(1)
    p = plan([och, up("att-7")], [BridgeInfo(br.id, channels=(och.id, "att-7"))], [attempt(7)], [s])
    assert call(p, 7).action is CallAction.ADOPT_BRIDGED


def test_a_ringing_customer_is_followed() -> None:
    for state in ("Ringing", "Ring", "Down"):
        ch = ChannelInfo("att-3", state=state, app_name="AppDial2", in_application=True)
        c = call(plan([ch], [], [attempt(3)], []), 3)
        assert c.action is CallAction.FOLLOW_RINGING and state in c.reason


def test_a_customer_in_amd_is_followed_back_into_stasis() -> None:
    ch = ChannelInfo("att-3", state="Up", app_name="AMD", context="dialer-amd")  # left the application
    assert call(plan([ch], [], [attempt(3, answered_at=ago(1))], []), 3).action is CallAction.FOLLOW_AMD


def test_a_customer_who_answered_while_no_dialer_listened_is_followed_into_stasis() -> None:
    """Held by dialer-outbound (Stasis() failed, it waits and tries again): not an AMD call, not hung up."""
    ch = ChannelInfo("att-3", state="Up", app_name="Wait", context=OUTBOUND_CONTEXT)
    c = call(plan([ch], [], [attempt(3)], []), 3)
    assert c.action is CallAction.FOLLOW_ANSWER and "held" in c.reason
    assert "att-3" in plan([ch], [], [attempt(3)], []).live_channel_ids


def test_a_held_customer_already_back_in_stasis_waits_from_the_answer_the_dialplan_kept() -> None:
    """The database never heard of the answer: the channel's DIALER_ANSWERED_AT says when it was, so the
    connect limit counts from then (3 s ago: past the 2 s limit), not from the survey."""
    answered = {ANSWERED_VARIABLE: f"{ago(3).timestamp():.3f}"}
    p = plan([up("att-4", variables=answered), up("att-5")], [], [attempt(4), attempt(5)], [])
    assert call(p, 4).action is CallAction.ABANDON and call(p, 4).answered_at == ago(3)
    assert call(p, 5).action is CallAction.WAIT and call(p, 5).answered_at is None  # nothing known: from now
    s, och, br = operator(1)
    late = call(plan([och, up("att-4", variables=answered)], [br], [attempt(4)], [s]), 4)
    assert late.action is CallAction.BRIDGE and late.counts_as_abandoned  # connected late: counted


def test_answered_at_reads_only_an_epoch() -> None:
    assert answered_at("1764936000.250") == datetime(2025, 12, 5, 12, 0, 0, 250000, tzinfo=UTC)
    assert answered_at("") is None and answered_at(None) is None and answered_at("soon") is None


def test_an_answered_customer_waiting_is_bridged_to_a_free_operator() -> None:
    s, och, br = operator(1)
    p = plan([och, up("att-4")], [br], [attempt(4, answered_at=ago(1))], [s])
    c = call(p, 4)
    assert (c.action, c.session_id, c.bridge_id) == (CallAction.BRIDGE, 1, "opbridge-1")
    assert not c.counts_as_abandoned
    assert (op(p, 1).state, op(p, 1).attempt_id) == (OperatorState.ON_CALL, 4)


def test_waiting_without_a_free_operator_waits_out_the_connect_limit_then_is_abandoned() -> None:
    p = plan([up("att-4"), up("att-5")], [], [attempt(4, answered_at=ago(0.5)), attempt(5, answered_at=ago(3))], [])
    assert call(p, 4).action is CallAction.WAIT and call(p, 4).abandon_in_s == 1.5
    assert call(p, 5).action is CallAction.ABANDON
    assert p.live_channel_ids == {"att-4", "att-5"}  # the abandon message still plays before the hang-up


def test_the_longest_waiting_gets_the_one_free_operator() -> None:
    s, och, br = operator(1)
    attempts = [attempt(4, answered_at=ago(1.0)), attempt(5, answered_at=ago(1.5))]
    p = plan([och, up("att-4"), up("att-5")], [br], attempts, [s])
    assert call(p, 5).action is CallAction.BRIDGE
    assert call(p, 4).action is CallAction.WAIT


def test_operators_of_another_campaign_paused_or_on_a_call_are_not_free() -> None:
    other, och2, br2 = operator(2, campaign=2)
    paused, och3, br3 = operator(3, last_state="paused")
    wrapping, och4, br4 = operator(4, wrapping_attempt_id=40)
    p = plan(
        [och2, och3, och4, up("att-4")], [br2, br3, br4], [attempt(4, answered_at=ago(1))], [other, paused, wrapping]
    )
    assert call(p, 4).action is CallAction.WAIT
    assert op(p, 2).state is OperatorState.READY
    assert op(p, 3).state is OperatorState.PAUSED
    assert (op(p, 4).state, op(p, 4).attempt_id) == (OperatorState.WRAP_UP, 40)
    assert p.awaiting_disposition == {40}


def test_no_bridging_across_servers() -> None:
    s, och, br = operator(1)
    a = ServerInventory("a", (och,), (br,))
    b = ServerInventory("b", (up("att-4"),), ())
    p = plan_adoption([a, b], [attempt(4, answered_at=ago(1))], [s], connect_limits=LIMITS, now=NOW)
    assert call(p, 4).action is CallAction.WAIT and call(p, 4).server == "b"
    assert op(p, 1).server == "a" and op(p, 1).state is OperatorState.READY


def test_a_conversation_whose_operator_left_is_hung_up_as_connected() -> None:
    bridge = BridgeInfo("opbridge-1", channels=("att-7",))
    s = OpenSession(1, 101, 1, "agent-1", "opbridge-1")
    p = plan([up("att-7")], [bridge], [attempt(7, answered_at=ago(30), bridged_at=ago(29))], [s])
    c = call(p, 7)
    assert (c.action, c.outcome) == (CallAction.HANGUP, AttemptOutcome.CONNECTED)
    assert "operator left" in c.reason
    assert op(p, 1).action is OperatorAction.END
    assert p.destroy_bridges == [("a", "opbridge-1", "no adopted operator")]
    assert p.live_channel_ids == set() and p.handled_channel_ids == {"att-7"}


def test_a_customer_waiting_in_a_dead_bridge_is_waiting_and_the_bridge_goes() -> None:
    bridge = BridgeInfo("opbridge-9", channels=("att-4",))
    p = plan([up("att-4")], [bridge], [attempt(4, answered_at=ago(1))], [])
    assert call(p, 4).action is CallAction.WAIT
    assert [b for _, b, _ in p.destroy_bridges] == ["opbridge-9"]


def test_a_machine_is_hung_up_as_a_machine() -> None:
    c = call(plan([up("att-4")], [], [attempt(4, answered_at=ago(5), amd_status="MACHINE")], []), 4)
    assert (c.action, c.outcome) == (CallAction.HANGUP, AttemptOutcome.MACHINE)


def test_a_channel_in_an_unexpected_state_is_hung_up_as_a_system_failure() -> None:
    ch = ChannelInfo("att-4", state="Busy", in_application=True)
    c = call(plan([ch], [], [attempt(4)], []), 4)
    assert (c.action, c.outcome) == (CallAction.HANGUP, AttemptOutcome.SYSTEM_FAILURE)


def test_operator_sessions_that_cannot_be_adopted_end() -> None:
    gone = OpenSession(1, 101, 1, "agent-1", "opbridge-1")
    out_of_bridge, och2, _ = operator(2)  # its bridge no longer exists
    ringing = OpenSession(3, 103, 1, "agent-3", "opbridge-3")
    och3 = ChannelInfo("agent-3", state="Ringing", in_application=True)
    br3 = BridgeInfo("opbridge-3", channels=())
    no_channel = OpenSession(4, 104, 1, None, None)
    p = plan([och2, och3], [br3], [], [gone, out_of_bridge, ringing, no_channel])
    assert [o.action for o in p.operators] == [OperatorAction.END] * 4
    assert op(p, 1).channel_id is None and "gone" in op(p, 1).reason
    assert op(p, 2).channel_id == "agent-2" and "bridge" in op(p, 2).reason  # to hang up
    assert op(p, 3).channel_id == "agent-3"
    assert p.hangup_channels == []  # the ended sessions' channels are hung up through their plan
    assert [b for _, b, _ in p.destroy_bridges] == ["opbridge-3"]


def test_an_operator_whose_customer_hung_up_meanwhile_is_back_in_wrap_up() -> None:
    s, och, br = operator(1)
    ended = attempt(7, answered_at=ago(60), bridged_at=ago(59), operator_session_id=1)
    p = plan([och], [br], [ended], [s])
    assert p.calls == []  # its outcome comes from the CDR
    assert (op(p, 1).state, op(p, 1).attempt_id) == (OperatorState.WRAP_UP, 7)
    assert p.awaiting_disposition == {7}


def test_what_is_not_ours_to_keep_is_hung_up_and_the_rest_left_alone() -> None:
    s, och, br = operator(1)
    channels = [
        och,
        up("att-8"),  # its attempt is already closed
        up("att-9-snoop-customer"),  # recording a call that is not adopted
        up("mystery"),  # in our application, named by nothing
        ChannelInfo("att-7-2", state="Up", app_name="Wait"),  # a Local channel's dialplan half: not in the app
        ChannelInfo("agent-77", state="Up", app_name="Stasis"),  # another process's channel found by id
    ]
    p = plan(channels, [br], [], [s])
    assert sorted(c for _, c, _ in p.hangup_channels) == ["att-8", "att-9-snoop-customer", "mystery"]
    assert p.calls == [] and op(p, 1).action is OperatorAction.ADOPT


def test_open_attempts_without_a_live_channel_are_left_to_the_call_records() -> None:
    p = plan([], [], [attempt(1), attempt(2, answered_at=ago(9))], [])
    assert p.calls == [] and p.handled_channel_ids == set()


def test_a_full_floor_after_a_crash() -> None:
    """Two operators (one talking, one free), one ringing, one waiting, one past its limit, one gone."""
    s1, o1, b1 = operator(1)
    s2, o2, b2 = operator(2)
    talk = BridgeInfo(b1.id, channels=(o1.id, "att-1"))
    channels = [
        o1,
        o2,
        up("att-1"),
        ChannelInfo("att-2", state="Ringing", in_application=True),
        up("att-3"),
        up("att-4"),
    ]
    attempts = [
        attempt(1, answered_at=ago(20), bridged_at=ago(19)),
        attempt(2),
        attempt(3, answered_at=ago(0.2)),
        attempt(4, answered_at=ago(9)),
        attempt(5, answered_at=ago(60), bridged_at=ago(59)),
    ]
    p = plan(channels, [talk, b2], attempts, [s1, s2])
    assert {c.attempt_id: c.action for c in p.calls} == {
        1: CallAction.ADOPT_BRIDGED,
        2: CallAction.FOLLOW_RINGING,
        4: CallAction.BRIDGE,  # waited longest: the free operator
        3: CallAction.WAIT,
    }
    assert op(p, 2).attempt_id == 4
    assert call(p, 4).counts_as_abandoned  # connected late: the abandon ledger counts it
    assert p.handled_channel_ids == {"att-1", "att-2", "att-3", "att-4"}


def test_in_an_amd_campaign_an_answered_customer_without_a_verdict_goes_to_amd_not_to_an_operator() -> None:
    s, och, br = operator(1)
    inv = ServerInventory("a", (och, up("att-7")), (br,))
    p = plan_adoption([inv], [attempt(7, answered_at=ago(1))], [s], connect_limits=LIMITS, now=NOW, amd_campaigns={1})
    assert call(p, 7).action is CallAction.START_AMD
    assert op(p, 1).state is OperatorState.READY  # the operator stays free for someone else
    # the same customer in a campaign without AMD is a person waiting: bridged
    p = plan_adoption([inv], [attempt(7, answered_at=ago(1))], [s], connect_limits=LIMITS, now=NOW)
    assert call(p, 7).action is CallAction.BRIDGE


def test_a_verdict_only_the_channel_kept_decides() -> None:
    """AMD finished while no dialer listened: its verdict is in the channel's AMDSTATUS, not the database."""
    s, och, br = operator(1)
    human = up("att-7", variables={"AMDSTATUS": "HUMAN"})
    machine = up("att-8", variables={"AMDSTATUS": "MACHINE"})
    inv = ServerInventory("a", (och, human, machine), (br,))
    attempts = [attempt(7, answered_at=ago(1)), attempt(8, answered_at=ago(1))]
    p = plan_adoption([inv], attempts, [s], connect_limits=LIMITS, now=NOW, amd_campaigns={1})
    assert (call(p, 7).action, call(p, 7).amd_status) == (CallAction.BRIDGE, "HUMAN")
    assert (call(p, 8).action, call(p, 8).outcome, call(p, 8).amd_status) == (
        CallAction.HANGUP,
        AttemptOutcome.MACHINE,
        "MACHINE",
    )
