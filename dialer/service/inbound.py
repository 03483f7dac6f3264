"""Calls coming back to a campaign's number: identify the caller, queue, route by the rules, bridge.

The dialplan answers a call to one of the campaign's DIDs and sends it into the Stasis application with
`inbound,<DID>` (asterisk_conf/extensions.conf, `[dialer-inbound]`). Here the caller is looked up by
number among the campaign's contacts and becomes a live call of the campaign's floor (stage `queued`)
with an attempt row marked inbound. `dialer.rules.inbound_routing.route` decides, whenever something
changes (an arrival, an operator freeing up, a wait running out), who is connected to whom and who
leaves the queue with a callback task. Bridging, recording and the end of a connected call are the
outbound call's own code paths (`CallRouter`); only calls that never reach an operator end here, and
none of them touches the outbound abandon ledger.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dialer.db.inbound import InboundCaller
from dialer.floor import CallStage, LiveCall, LiveOperator
from dialer.lists.phones import PhoneNormalizer
from dialer.pacing import OperatorState
from dialer.rules.campaign import parse_campaign
from dialer.rules.inbound_routing import (
    Connect,
    InboundSnapshot,
    OperatorView,
    QueuedCaller,
    Reason,
    Release,
    callback_for_hang_up,
    next_deadline,
    route,
)
from dialer.rules.inbound_spec import InboundSpec, caller_facts
from dialer.service.calls import CallRouter
from dialer.service.capture import RecordingCapture
from dialer.service.context import LiveContext
from dialer.service.ports import Event
from dialer.service.run_state import CampaignRun
from dialer.telephony.ari import TelephonyError, event_time

log = logging.getLogger(__name__)

EventHandler = Callable[[Event], Awaitable[None]]


class InboundRecords(Protocol):
    """The database side (dialer.db.inbound.SqlInboundRecords)."""

    def identify(self, campaign_id: int, phones: frozenset[str], at: datetime) -> InboundCaller: ...

    def open_attempt(self, campaign_id: int, contact_id: int, phone: str, channel_id: str, at: datetime) -> int: ...

    def finish_unserved(
        self,
        attempt_id: int,
        at: datetime,
        notes: str,
        cause: int | None,
        cause_txt: str | None,
        queue_exit: str | None = None,
    ) -> None: ...

    def callback_task(self, contact_id: int, operator_id: int | None, at: datetime) -> bool: ...


@dataclass
class Queued:
    """A caller in a campaign's inbound queue: the live call and what routing knows of them."""

    run: CampaignRun
    call: LiveCall
    caller: QueuedCaller
    released: Release | None = None  # leaving the queue (message playing, then hang-up)


class InboundDesk:
    def __init__(self, ctx: LiveContext, calls: CallRouter, capture: RecordingCapture, records: InboundRecords) -> None:
        self.ctx = ctx
        self.calls = calls
        self.capture = capture
        self.records = records
        self.queued: dict[str, Queued] = {}  # customer channel id -> caller not (yet) with an operator
        self._specs: dict[int, InboundSpec | None] = {}
        self._playbacks: dict[str, str] = {}  # playback id -> channel id
        self._phones = PhoneNormalizer("RU")

    # -- events --------------------------------------------------------------------------------
    def handler(self, server: str) -> EventHandler:
        """The ARI event handler of one server: inbound events here, everything else to the CallRouter."""

        async def on_event(event: Event) -> None:
            if not await self.on_event(event, server):
                await self.calls.on_event(event)

        return on_event

    async def on_event(self, event: Event, server: str) -> bool:
        """Handle an event that is ours; False for the CallRouter's."""
        kind = event.get("type")
        if kind == "PlaybackFinished":
            channel_id = self._playbacks.pop(str((event.get("playback") or {}).get("id", "")), None)
            if channel_id is None:
                return False
            with contextlib.suppress(TelephonyError):
                await self.ctx.links.ari(server).hangup(channel_id)
            return True
        channel = event.get("channel")
        if not isinstance(channel, dict):
            return False
        if kind == "StasisEnd":
            # A call that entered Stasis from the dialplan is no longer ours once it leaves the application:
            # no ChannelDestroyed follows (an originated one is subscribed until it is destroyed).
            found = self.ctx.find(str(channel.get("id")))
            if found is None or found[1] is None or not found[1].inbound:
                return False
            kind, event = "ChannelDestroyed", {**event, "type": "ChannelDestroyed"}
            if str(channel.get("id")) not in self.queued:
                await self.calls.on_event(event)
                return True
        args = event.get("args") or []
        if kind == "StasisStart" and args and args[0] == "inbound" and self.ctx.find(str(channel.get("id"))) is None:
            try:
                await self._arrived(event, channel, [str(a) for a in args], server)
            except Exception:  # a caller must not be left in silence: hang up, the number stays in the log
                log.exception("inbound call %s could not be taken", channel.get("id"))
                with contextlib.suppress(TelephonyError):
                    await self.ctx.links.ari(server).hangup(str(channel.get("id")))
            return True
        queued = self.queued.get(str(channel.get("id")))
        if queued is not None and kind == "ChannelDestroyed":
            await self._left(queued, event)
            return True
        return False

    async def serve_waiting(self, run: CampaignRun, server: str) -> None:
        """An operator freed up: outbound people waiting first (their connect limit is seconds and the
        law counts them), then the inbound queue."""
        await self.calls.serve_waiting(run, server)
        await self.route(run, server)

    # -- arrival -------------------------------------------------------------------------------
    async def _arrived(self, event: Event, channel: dict[str, object], args: list[str], server: str) -> None:
        ctx = self.ctx
        channel_id = str(channel["id"])
        dialplan = channel.get("dialplan")
        did = args[1] if len(args) > 1 else (str(dialplan.get("exten", "")) if isinstance(dialplan, dict) else "")
        caller_info = channel.get("caller")
        number = str(caller_info.get("number", "")) if isinstance(caller_info, dict) else ""
        found = await self._campaign_for(did)
        if found is None:
            log.warning("inbound call to %s from %s: no running campaign answers this number", did, number)
            with contextlib.suppress(TelephonyError):
                await ctx.links.ari(server).hangup(channel_id)
            return
        run, spec = found
        at = event_time(event)
        caller = await ctx.db.call(self.records.identify, run.campaign_id, self._spellings(number), at)
        attempt_id = await ctx.db.call(
            self.records.open_attempt, run.campaign_id, caller.contact_id, number, channel_id, at
        )
        facts, problems = caller_facts(
            caller.contact_id, caller.details, spec.fields, caller.operator_ids, caller.last_operator_id
        )
        for problem in problems:
            log.warning("inbound call from %s (contact %s): %s", number, caller.contact_id, problem)
        now = ctx.clock.monotonic()
        call = LiveCall(attempt_id, caller.contact_id, channel_id, number, now, stage=CallStage.QUEUED, server=server)
        call.answered = call.person_at = now
        call.inbound = call.learned = True  # nothing for the outbound learner
        run.floor.calls[channel_id] = call
        run.inbound_learner.observe_arrival(now, ctx.clock.now().hour)
        self.queued[channel_id] = Queued(run, call, QueuedCaller(channel_id, now, facts))
        log.info("inbound %s -> %s: contact %s %s", number, run.config.name, caller.contact_id, facts)
        if run.config.record == "all":
            await self.capture.start_call(run, call, at)
        await self.route(run, server)

    def _spellings(self, number: str) -> frozenset[str]:
        """The ways the calling number may be stored: as given, as E.164 (Russian national '8…' too)."""
        digits = "".join(ch for ch in number if ch.isdigit())
        out = {number, digits, f"+{digits}"}
        e164 = self._phones.normalise(number).e164 if number else None
        if e164:
            out.add(e164)
        return frozenset(x for x in out if x and x != "+")

    async def _campaign_for(self, did: str) -> tuple[CampaignRun, InboundSpec] | None:
        for campaign_id, run in self.ctx.runs.items():
            if run.stopping:
                continue
            if campaign_id not in self._specs:
                row = await self.ctx.db.call(self.ctx.repo.campaign, campaign_id)
                definition = parse_campaign(row.definition, row.name) if row.definition else None
                self._specs[campaign_id] = definition.inbound if definition is not None else None
            spec = self._specs[campaign_id]
            if spec is not None and spec.answers(did):
                return run, spec
        return None

    # -- routing -------------------------------------------------------------------------------
    async def route(self, run: CampaignRun, server: str) -> None:
        """Ask the rules what to do with this campaign's queue on `server` now, and do it."""
        spec = self._specs.get(run.campaign_id)
        waiting = [q for q in self.queued.values() if q.run is run and q.call.server == server and q.released is None]
        if spec is None or not waiting:
            return
        ctx = self.ctx
        now = ctx.clock.monotonic()
        operators = tuple(
            OperatorView(o.operator_id, o.state is OperatorState.READY, o.since)
            for o in run.floor.operators.values()
            if o.state is not None and o.server == server
        )
        snap = InboundSnapshot(
            now, tuple(q.caller for q in waiting), operators, spec.is_open(ctx.clock.now()), spec.policy()
        )
        by_id = {q.caller.call_id: q for q in waiting}
        ops = {o.operator_id: o for o in run.floor.operators.values() if o.server == server}
        for decision in route(snap):
            q = by_id[decision.call_id]
            if isinstance(decision, Connect):
                await self._connect(q, ops[decision.operator_id], decision.reason)
            else:
                await self._release(q, decision, spec)
        left = [q.caller for q in waiting if q.released is None and q.call.stage is CallStage.QUEUED]
        deadline = next_deadline(InboundSnapshot(now, tuple(left), operators, True, spec.policy()))
        key = f"inbound-{run.campaign_id}-{server}"
        ctx.background.cancel(key)
        if deadline is not None:

            async def again() -> None:
                await self.route(run, server)

            ctx.background.later(key, max(0.05, deadline - now), again)

    async def _connect(self, q: Queued, op: LiveOperator, reason: Reason) -> None:
        await self.calls._bridge(q.run, q.call, op)
        if q.call.stage is CallStage.BRIDGED:
            op.inbound_since = self.ctx.clock.monotonic()
            self.queued.pop(q.call.channel_id, None)
            log.info("inbound %s to %s (%s)", q.call.phone, op.login, reason.value)
        else:  # the caller hung up in that instant: ChannelDestroyed follows
            q.call.stage = CallStage.QUEUED

    async def _release(self, q: Queued, decision: Release, spec: InboundSpec) -> None:
        """Max wait or closed: the message, a callback task when the rules say so, then the hang-up."""
        ctx = self.ctx
        q.released = decision
        if decision.callback:
            ctx.db.submit(self.records.callback_task, q.call.contact_id, decision.callback_operator_id, ctx.clock.now())
        media = spec.closed_message if decision.reason is Reason.CLOSED else spec.callback_message
        playback_id = f"inbound-{q.call.attempt_id}"
        self._playbacks[playback_id] = q.call.channel_id
        ari = ctx.links.ari(q.call.server)
        try:
            await ari.play(q.call.channel_id, media, playback_id)
        except TelephonyError:
            self._playbacks.pop(playback_id, None)
            with contextlib.suppress(TelephonyError):
                await ari.hangup(q.call.channel_id)

    # -- the end of a call that never reached an operator --------------------------------------
    async def _left(self, q: Queued, event: Event) -> None:
        ctx = self.ctx
        call = q.call
        self.queued.pop(call.channel_id, None)
        q.run.floor.calls.pop(call.channel_id, None)
        decision = q.released
        if decision is None:  # hung up while queued: a callback task for their own operator
            decision = callback_for_hang_up(q.caller)
            ctx.db.submit(self.records.callback_task, call.contact_id, decision.callback_operator_id, ctx.clock.now())
        waited = ctx.clock.monotonic() - q.caller.arrived_at
        who = decision.callback_operator_id or "any / любой"
        callback = f"; callback task for operator {who} / задача перезвонить" if decision.callback else ""
        notes = (  # shown on the card's history: both languages, like every text a user reads
            f"inbound, not connected / входящий, не соединён: {decision.reason.value}, {waited:.0f} s{callback}"
        )
        cause = event.get("cause")
        ctx.db.submit(
            self.records.finish_unserved,
            call.attempt_id,
            event_time(event),
            notes,
            cause if isinstance(cause, int) else None,
            event.get("cause_txt"),
            decision.reason.value,
        )
        await self.capture.call_over(call)
        await self.route(q.run, call.server)
