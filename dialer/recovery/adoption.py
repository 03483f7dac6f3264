"""Decide, per call and per operator, what a (re)started dialer does with what Asterisk still holds for it.
Pure: the input is what ARI lists on each reachable server and what the database left open.

Asterisk keeps our channels and bridges while no dialer process listens (they stay in the Stasis
application), so a restart need not cut anybody: a conversation keeps going, a ringing customer is
followed to its result, an answered customer waiting for an operator is bridged (or abandoned once the
connect limit is over), an operator whose softphone is still in their bridge stays logged in. Only what
cannot be adopted is hung up, and the attempt's outcome says why.

Preconditions (the caller's): `attempts` and `sessions` are those of campaigns whose lease this process
holds (another live process's calls are not ours); `servers` lists every reachable server; what is on an
unreachable one is lost with it, as in a live Asterisk crash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from datetime import datetime

from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState
from dialer.recovery.adoption_plan import AdoptionPlan, CallAction, CallPlan, OpenSession, OperatorAction, OperatorPlan
from dialer.recovery.inventory import (
    AMD_VARIABLE,
    ANSWERED_VARIABLE,
    OUTBOUND_CONTEXT,
    BridgeInfo,
    ChannelInfo,
    ServerInventory,
    answered_at,
)
from dialer.recovery.reconcile import OpenAttempt
from dialer.timestamps import as_utc

__all__ = [
    "AdoptionPlan",
    "CallAction",
    "CallPlan",
    "OpenSession",
    "OperatorAction",
    "OperatorPlan",
    "plan_adoption",
]

SNOOP = "-snoop-"  # recording legs: snoop channel <customer channel>-snoop-<role> (DialerService._start_leg)
LOCAL_HALF = "-2"  # a Local channel's other half: <customer channel id>-2 (PacingLoop.originate)
RINGING_STATES = ("Down", "Rsrvd", "OffHook", "Dialing", "Ring", "Ringing", "Pre-ring")


def _snoop_target(channel_id: str) -> tuple[str, str] | None:
    head, sep, role = channel_id.rpartition(SNOOP)
    return (head, role) if sep and head and role else None


def plan_adoption(
    servers: Sequence[ServerInventory],
    attempts: Iterable[OpenAttempt],
    sessions: Iterable[OpenSession],
    *,
    connect_limits: Mapping[int, float],
    now: datetime,
    amd_campaigns: AbstractSet[int] = frozenset(),
) -> AdoptionPlan:
    """What to do with every channel and bridge of ours on `servers`, every open attempt whose channel is
    live there, and every open operator session. Open attempts whose channel is on no server are not in
    the plan: their call is over, and its outcome comes from Asterisk's records (`reconcile`).

    `connect_limits`: campaign id -> seconds an answered person may wait for an operator. `amd_campaigns`:
    campaigns that run AMD before connecting (amd_then_connect): an answered customer of theirs with no AMD
    verdict (in the database or the channel's AMDSTATUS) goes to AMD, not to an operator."""
    plan = AdoptionPlan()
    attempts = list(attempts)
    sessions = list(sessions)
    by_channel_attempt = {a.channel_id: a for a in attempts}
    by_channel_session = {s.channel_id: s for s in sessions if s.channel_id}

    where: dict[str, tuple[str, ChannelInfo]] = {}
    bridges: dict[str, tuple[str, BridgeInfo]] = {}
    bridge_of: dict[str, str] = {}  # channel id -> bridge id
    for inv in servers:
        for ch in inv.channels:
            where[ch.id] = (inv.server, ch)
        for br in inv.bridges:
            bridges[br.id] = (inv.server, br)
            for cid in br.channels:
                bridge_of[cid] = br.id

    # operators first: who is still at a desk decides where customers can go
    adopted_ops: dict[int, OperatorPlan] = {}
    for s in sessions:
        found = where.get(s.channel_id) if s.channel_id else None
        bridge = bridges.get(s.bridge_id) if s.bridge_id else None
        if found is None:
            plan.operators.append(
                OperatorPlan(
                    OperatorAction.END,
                    s.session_id,
                    s.operator_id,
                    s.campaign_id,
                    "softphone gone while the dialer was away",
                )
            )
            continue
        server, ch = found
        if ch.state != "Up" or bridge is None or s.channel_id not in bridge[1].channels or bridge[0] != server:
            plan.operators.append(
                OperatorPlan(
                    OperatorAction.END,
                    s.session_id,
                    s.operator_id,
                    s.campaign_id,
                    "softphone no longer in its operator bridge",
                    server,
                    ch.id,
                    s.bridge_id,
                )
            )
            continue
        state, attempt_id = OperatorState.READY, None
        if s.last_state == OperatorState.PAUSED.value:
            state = OperatorState.PAUSED
        elif s.wrapping_attempt_id is not None:
            state, attempt_id = OperatorState.WRAP_UP, s.wrapping_attempt_id
        adopted_ops[s.session_id] = OperatorPlan(
            OperatorAction.ADOPT,
            s.session_id,
            s.operator_id,
            s.campaign_id,
            "still logged in",
            server,
            ch.id,
            s.bridge_id,
            state,
            attempt_id,
        )
    op_by_bridge = {o.bridge_id: o for o in adopted_ops.values()}

    # customers whose channel is live
    waiting: list[tuple[datetime, OpenAttempt, str, ChannelInfo, tuple[str, ...]]] = []
    for a in attempts:
        found = where.get(a.channel_id)
        if found is None:
            continue
        server, ch = found
        roles = tuple(
            sorted(
                t[1] for cid, (srv, _) in where.items() if srv == server and (t := _snoop_target(cid)) and t[0] == ch.id
            )
        )
        op = op_by_bridge.get(bridge_of.get(ch.id))
        if op is not None and op.campaign_id == a.campaign_id:
            adopted_ops[op.session_id] = _with(op, OperatorState.ON_CALL, a.attempt_id, "on a call")
            plan.calls.append(
                CallPlan(
                    CallAction.ADOPT_BRIDGED,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "talking to an operator",
                    op.session_id,
                    op.bridge_id,
                    recording_roles=roles,
                )
            )
            continue
        if a.bridged_at is not None:
            plan.calls.append(
                CallPlan(
                    CallAction.HANGUP,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "its operator left during the conversation",
                    outcome=AttemptOutcome.CONNECTED,
                )
            )
            continue
        if ch.state in RINGING_STATES:
            plan.calls.append(
                CallPlan(
                    CallAction.FOLLOW_RINGING,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    f"not answered yet ({ch.state})",
                )
            )
            continue
        if ch.state != "Up":
            plan.calls.append(
                CallPlan(
                    CallAction.HANGUP,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    f"channel in state {ch.state!r}",
                    outcome=AttemptOutcome.SYSTEM_FAILURE,
                )
            )
            continue
        amd = a.amd_status or ch.variables.get(AMD_VARIABLE) or None
        if amd == "MACHINE":
            plan.calls.append(
                CallPlan(
                    CallAction.HANGUP,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "answering machine",
                    outcome=AttemptOutcome.MACHINE,
                    amd_status=amd,
                )
            )
            continue
        if ch.app_name != "Stasis" and ch.context == OUTBOUND_CONTEXT:
            plan.calls.append(
                CallPlan(
                    CallAction.FOLLOW_ANSWER,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "answered while no dialer listened, held in the dialplan",
                    recording_roles=roles,
                )
            )
            continue
        if ch.app_name != "Stasis":
            plan.calls.append(
                CallPlan(
                    CallAction.FOLLOW_AMD,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    f"answered, in the dialplan ({ch.context or '?'}: {ch.app_name or '?'})",
                    recording_roles=roles,
                )
            )
            continue
        if a.campaign_id in amd_campaigns and amd is None:
            plan.calls.append(
                CallPlan(
                    CallAction.START_AMD,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "answered, AMD never ran",
                    recording_roles=roles,
                )
            )
            continue
        # the database's answer, else the one the dialplan kept (answered while no dialer listened), else now
        heard = None if a.answered_at else answered_at(ch.variables.get(ANSWERED_VARIABLE))
        answered = as_utc(a.answered_at) if a.answered_at else heard or now
        waiting.append((answered, replace(a, amd_status=amd, answered_at=a.answered_at or heard), server, ch, roles))

    # answered and waiting: the longest waiting first, to a free operator of their campaign on their server
    for answered, a, server, ch, roles in sorted(waiting, key=lambda w: (w[0], w[1].attempt_id)):
        free = next(
            (
                o
                for o in adopted_ops.values()
                if o.state is OperatorState.READY and o.server == server and o.campaign_id == a.campaign_id
            ),
            None,
        )
        limit = connect_limits.get(a.campaign_id, 0.0)
        left = limit - (now - answered).total_seconds()
        if free is not None:
            adopted_ops[free.session_id] = _with(free, OperatorState.ON_CALL, a.attempt_id, "on a call")
            plan.calls.append(
                CallPlan(
                    CallAction.BRIDGE,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "answered, waiting: an operator is free",
                    free.session_id,
                    free.bridge_id,
                    counts_as_abandoned=left <= 0,
                    amd_status=a.amd_status,
                    recording_roles=roles,
                    answered_at=a.answered_at,
                )
            )
            continue
        if left > 0:
            plan.calls.append(
                CallPlan(
                    CallAction.WAIT,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "answered, waiting for an operator",
                    abandon_in_s=left,
                    amd_status=a.amd_status,
                    recording_roles=roles,
                    answered_at=a.answered_at,
                )
            )
        else:
            plan.calls.append(
                CallPlan(
                    CallAction.ABANDON,
                    server,
                    a.attempt_id,
                    a.campaign_id,
                    ch.id,
                    "answered, waited past the connect limit",
                    amd_status=a.amd_status,
                    recording_roles=roles,
                    answered_at=a.answered_at,
                )
            )

    # an adopted operator with no call whose customer ended while we were away: back to wrap-up for it
    talking = {o.attempt_id for o in adopted_ops.values() if o.state is OperatorState.ON_CALL}
    for a in attempts:
        if a.channel_id in where or a.operator_session_id not in adopted_ops or a.bridged_at is None:
            continue
        op = adopted_ops[a.operator_session_id]
        if op.state in (OperatorState.READY, OperatorState.PAUSED) and a.attempt_id not in talking:
            adopted_ops[op.session_id] = _with(op, OperatorState.WRAP_UP, a.attempt_id, "wrapping up a call")
    plan.operators.extend(adopted_ops.values())

    # whatever else is in our application cannot be adopted
    live_customers = {c.channel_id for c in plan.calls if c.action is not CallAction.HANGUP}
    operator_channels = {o.channel_id for o in plan.operators if o.action is OperatorAction.ADOPT}
    ending_ops = {o.channel_id for o in plan.operators if o.action is OperatorAction.END and o.channel_id}
    for cid, (server, ch) in sorted(where.items()):
        if cid in by_channel_attempt or cid in operator_channels or cid in ending_ops:
            continue
        if cid.endswith(LOCAL_HALF) and cid[: -len(LOCAL_HALF)] in by_channel_attempt:
            continue  # the dialplan half of a customer's Local channel: it goes with the customer's half
        target = _snoop_target(cid)
        if target is not None and target[0] in live_customers:
            continue  # a recording leg of a call we keep
        if not ch.in_application:
            continue  # found by id only (a Local channel's dialplan half, another process's channel)
        if target is not None:
            reason = "recording leg of a call that is not adopted"
        elif cid in by_channel_session:
            reason = "operator session without its bridge"
        else:
            reason = "no open attempt or operator session names this channel"
        plan.hangup_channels.append((server, cid, reason))
    kept_bridges = {o.bridge_id for o in plan.operators if o.action is OperatorAction.ADOPT}
    named = {s.bridge_id for s in sessions if s.bridge_id}
    for bid, (server, br) in sorted(bridges.items()):
        if bid not in kept_bridges and (br.in_application or bid in named):
            plan.destroy_bridges.append((server, bid, "no adopted operator"))
    return plan


def _with(op: OperatorPlan, state: OperatorState, attempt_id: int | None, reason: str) -> OperatorPlan:
    return OperatorPlan(
        op.action,
        op.session_id,
        op.operator_id,
        op.campaign_id,
        reason,
        op.server,
        op.channel_id,
        op.bridge_id,
        state,
        attempt_id,
    )
