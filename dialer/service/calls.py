"""ARI event routing and customer call control: answer, AMD, bridge to a free operator, abandon, outcome.

Late connects and abandons follow the one definition (`dialer.compliance.abandons`): each live call keeps
its `CallFacts`, the abandon timer fires at `connect_deadline(facts, rule)` and the pacing ledger is fed
from `classify_call` once per call, so the guard, the ledger, the summaries and the evidence report count
the same calls the same way (issue 15).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from dialer.compliance.abandons import HangupSide, classify_call, connect_deadline
from dialer.floor import CallStage, LiveCall, LiveOperator
from dialer.outcomes import AttemptOutcome, outcome_of_unanswered
from dialer.pacing import DialOutcome, OperatorState
from dialer.pacing.learned import DIAL_OUTCOMES
from dialer.recovery.inventory import answered_at
from dialer.rules.connect_strategy import AMD_LATE_START_S, MACHINE_END_AFTER_S, MACHINE_TONE, ConnectStrategy
from dialer.service.capture import RecordingCapture
from dialer.service.context import LiveContext
from dialer.service.operators import OperatorDesk
from dialer.service.ports import Event
from dialer.service.run_state import AMD_PERSON, CampaignRun
from dialer.telephony.ari import TelephonyError, event_time

log = logging.getLogger(__name__)


class CallRouter:
    def __init__(self, ctx: LiveContext, desk: OperatorDesk, capture: RecordingCapture) -> None:
        self.ctx = ctx
        self.desk = desk
        self.capture = capture
        self._abandon_playbacks: dict[str, str] = {}  # playback id -> customer channel id
        self._amd_snoops: dict[str, str] = {}  # amd_connect_first: detection snoop id -> customer channel id
        # AMD verdicts and answers that came into Stasis for a channel not on the floor yet: a restarted
        # process can hear one between its survey of Asterisk and the adoption of that call (`replay_unclaimed`)
        self._unclaimed: dict[str, Event] = {}
        # a call whose channel ended before it could be followed: its outcome from Asterisk's records
        # (Adoption.settle_unfollowed; wired by DialerService when there is a Recovery port)
        self.settle_from_records: Callable[[int, str], Awaitable[None]] | None = None

    async def on_event(self, event: Event) -> None:
        """Every ARI event of every server comes here."""
        kind = event.get("type")
        if kind == "PlaybackFinished":
            await self._abandon_message_played(event)
            return
        if kind in ("RecordingFinished", "RecordingFailed"):
            await self.capture.on_recording_done(event)
            return
        channel = event.get("channel")
        if not isinstance(channel, dict):
            return
        channel_id = str(channel.get("id"))
        if kind == "StasisStart" and self.capture.snoop_started(channel_id):
            return
        if channel_id in self._amd_snoops:
            await self._amd_snoop_event(channel_id, kind, event)
            return
        found = self.ctx.find(channel_id)
        if found is None:
            if kind == "StasisStart" and (event.get("args") or [None])[0] in ("amd", "customer"):
                self._unclaimed[channel_id] = event
            elif kind == "ChannelDestroyed":
                self._unclaimed.pop(channel_id, None)
            return
        run, call, op = found
        if call is not None:
            await self._on_customer_event(run, call, kind, event)
        elif op is not None:
            if kind == "StasisStart":
                await self.desk.answered(run, op)
            elif kind == "ChannelDestroyed":
                await self.desk.gone(run, op, str(event.get("cause_txt")), event_time(event))

    async def follow(self, run: CampaignRun, call: LiveCall) -> None:
        """Subscribe to a customer's channel just placed into the dialplan (dialer-outbound): its ringing,
        hang-up and cause come to us from now on. A channel Asterisk no longer has ended before: a call that
        came into Stasis meanwhile ends as any call does; one that never did gets its outcome from
        Asterisk's records. A subscription refused while the channel may live: hung up, system failure."""
        ctx = self.ctx
        ari = ctx.links.ari(call.server)
        try:
            state = await ari.follow(call.channel_id)
            if state is not None:
                if state == "Ringing" and call.stage is CallStage.DIALING:  # rang before we subscribed
                    call.stage = CallStage.RINGING
                    ctx.db.submit(ctx.repo.update_attempt, call.attempt_id, ringing_at=ctx.clock.now())
                return
            reason, hung_up = "ended before the dialer could follow it", False
        except TelephonyError as exc:
            if not ari.connected:
                return  # the websocket dropped: Failover adopts this server's calls again when it is back
            log.warning("could not follow %s: %s; hanging it up", call.phone, exc)
            with contextlib.suppress(TelephonyError):
                await ari.hangup(call.channel_id)
            reason, hung_up = f"could not follow the call: {exc}"[:100], True
        if call.channel_id not in run.floor.calls:
            return  # already over (a failover took it)
        if call.stage not in (CallStage.DIALING, CallStage.RINGING):  # answered meanwhile: ends as usual
            gone = {"type": "ChannelDestroyed", "channel": {"id": call.channel_id}, "cause_txt": reason}
            await self._customer_gone(run, call, gone)
            return
        run.floor.calls.pop(call.channel_id, None)
        if not hung_up and self.settle_from_records is not None:
            ctx.background.spawn(
                self.settle_from_records(run.config.campaign_id, call.channel_id), f"settle-{call.channel_id}"
            )
            return
        ctx.db.submit(
            ctx.repo.finish_attempt,
            call.attempt_id,
            AttemptOutcome.SYSTEM_FAILURE,
            ctx.clock.now(),
            run.config.rules,
            hangup_cause_txt=reason,
        )

    async def _abandon_message_played(self, event: Event) -> None:
        channel_id = self._abandon_playbacks.pop(event.get("playback", {}).get("id", ""), None)
        if channel_id is None:
            return
        found = self.ctx.find(channel_id)
        server = self.ctx.links.default
        if found is not None and found[1] is not None:
            found[1].abandon_message_played = True
            server = found[1].server
        with contextlib.suppress(TelephonyError):
            await self.ctx.links.ari(server).hangup(channel_id)

    async def _on_customer_event(self, run: CampaignRun, call: LiveCall, kind: Any, event: Event) -> None:
        ctx = self.ctx
        at = event_time(event)
        log.debug("customer %s %s %s", call.channel_id, kind, event["channel"].get("state"))
        if kind == "ChannelStateChange" and event["channel"].get("state") == "Ringing":
            if call.stage is CallStage.DIALING:
                call.stage = CallStage.RINGING
                ctx.db.submit(ctx.repo.update_attempt, call.attempt_id, ringing_at=at)
        elif kind == "StasisStart":
            args = event.get("args") or []
            if args and args[0] == "customer":
                # the moment of the answer the dialplan kept (dialer-outbound): a customer who answered while
                # no dialer listened has waited since then, and the connect limit counts from then
                at = answered_at(args[1] if len(args) > 1 else None) or self._instant(event)
                call.answered = ctx.clock.monotonic() - max(0.0, (ctx.clock.now() - at).total_seconds())
                call.facts = replace(call.facts, answered_at=at)
                # nothing here waits on Asterisk or the database before the bridge: the row is written by
                # the worker thread, the recording legs start in tasks of their own
                ctx.db.submit(ctx.repo.update_attempt, call.attempt_id, answered_at=at)
                if run.config.record == "all":
                    await self.capture.start_call(run, call, at)
                if run.config.connect_strategy is ConnectStrategy.AMD_THEN_CONNECT:
                    call.stage = CallStage.ANSWERED
                    try:
                        await ctx.links.ari(call.server).continue_in_dialplan(call.channel_id, "dialer-amd")
                    except TelephonyError:
                        log.warning("AMD could not start for %s; connecting as a person", call.phone)
                        await self._person_answered(run, call)
                else:
                    if (
                        run.config.connect_strategy is ConnectStrategy.AMD_CONNECT_FIRST
                    ):  # its request beside the bridge's
                        self.ctx.background.spawn(self._detect_in_parallel(call), f"amd-{call.channel_id}")
                    await self._person_answered(run, call)
            elif args and args[0] == "amd":
                await self._amd_result(run, call, args, self._instant(event))
        elif kind == "ChannelDestroyed":
            await self._customer_gone(run, call, event)

    def _instant(self, event: Event) -> datetime:
        """When an event happened: Asterisk's own timestamp when it carries one, else the service's clock."""
        return event_time(event) if "timestamp" in event else self.ctx.clock.now()

    def _count(self, run: CampaignRun, call: LiveCall) -> None:
        """Feed the pacing ledger from the one definition, once per call, when the call is decided; the abandon
        guard counts only the calls we placed, never a contact calling in."""
        if call.counted or call.inbound:
            return
        verdict = classify_call(call.facts, run.config.connect_rule)
        if verdict.pending:
            return
        call.counted = True
        if verdict.counted_live:
            run.ledger.record(self.ctx.clock.time(), abandoned=verdict.abandon)
        if verdict.late_connect:  # an unconnected person is counted where the call ends
            run.abandoned += 1
            log.warning("late connect of %s: %s", call.phone, verdict.reason)

    async def _amd_result(self, run: CampaignRun, call: LiveCall, args: list[Any], at: datetime) -> None:
        ctx = self.ctx
        status = args[1] if len(args) > 1 else "NOTSURE"
        cause = args[2] if len(args) > 2 else None
        call.facts = replace(call.facts, amd_status=status, amd_cause=cause, amd_at=at)
        ctx.db.submit(ctx.repo.update_attempt, call.attempt_id, amd_status=status, amd_cause=cause, amd_at=at)
        if status in AMD_PERSON:
            await self._person_answered(run, call)
            return
        call.stage = CallStage.MACHINE
        self._learn_dial(run, call, DialOutcome.MACHINE)
        self._count(run, call)  # in the ledger only where machines count as abandons
        with contextlib.suppress(TelephonyError):
            await ctx.links.ari(call.server).hangup(call.channel_id)

    async def _person_answered(self, run: CampaignRun, call: LiveCall) -> None:
        call.person_at = self.ctx.clock.monotonic()
        self._learn_dial(run, call, DialOutcome.HUMAN)
        op = run.floor.free_operator(prefer=call.preferred_operator_id, server=call.server)
        if op is not None:
            await self._bridge(run, call, op)
            return
        call.stage = CallStage.WAITING

        async def abandon() -> None:
            await self._abandon(run, call)

        # the deadline of the one definition: from the answer, or from the greeting's end AMD tells;
        # already past (a long AMD) means the abandon message now
        deadline = connect_deadline(call.facts, run.config.connect_rule)
        delay = run.config.connect_limit_s if deadline is None else (deadline - self.ctx.clock.now()).total_seconds()
        if delay <= 0:
            await self._abandon(run, call)
            return
        self.ctx.background.later(f"abandon-{call.channel_id}", delay, abandon)

    def learn_answer(self, run: CampaignRun, call: LiveCall) -> None:
        """An adopted call a person answered while no dialer listened: the learner hears of it now."""
        self._learn_dial(run, call, DialOutcome.HUMAN)

    def _learn_dial(self, run: CampaignRun, call: LiveCall, outcome: DialOutcome) -> None:
        """Tell the learner how this placed call resolved, once (ring time up to the answer)."""
        if call.learned:
            return
        call.learned = True
        resolved = call.answered if call.answered is not None else self.ctx.clock.monotonic()
        run.learner.observe_dial(
            outcome, resolved - call.originated, self.ctx.clock.now().hour, resolved_at=self.ctx.clock.monotonic()
        )
        if outcome is DialOutcome.HUMAN:
            run.answered += 1

    async def serve_waiting(self, run: CampaignRun, server: str) -> None:
        """An operator on `server` just became free: give them the person there who has waited longest."""
        for call in run.floor.waiting_calls(server):
            op = run.floor.free_operator(server=server)
            if op is None:
                return
            self.ctx.background.cancel(f"abandon-{call.channel_id}")
            await self._bridge(run, call, op)

    async def _bridge(self, run: CampaignRun, call: LiveCall, op: LiveOperator, late: bool = False) -> None:
        """`late`: past the connect limit (an adopted call), so the abandon ledger counts it."""
        ctx = self.ctx
        call.stage = CallStage.BRIDGED
        call.operator = op
        op.attempt_id = call.attempt_id
        self.desk.set_state(run, op, OperatorState.ON_CALL, f"attempt {call.attempt_id}")
        try:
            await ctx.links.ari(call.server).add_to_bridge(op.bridge_id, call.channel_id)
        except TelephonyError as exc:  # the customer hung up in that instant
            log.info("bridge of %s failed: %s", call.phone, exc)
            call.stage, call.operator, op.attempt_id = CallStage.WAITING, None, None
            self.desk.set_state(run, op, OperatorState.READY, "bridge failed")
            return
        bridged_at = ctx.clock.now()
        call.facts = replace(call.facts, bridged_at=bridged_at, outcome=AttemptOutcome.CONNECTED.value)
        if late and not call.counted and not call.inbound:  # an adopted call found past its connect limit
            call.counted = True
            run.ledger.record(ctx.clock.time(), abandoned=True)
            run.abandoned += 1
        if not self._verdict_pending(run, call):  # connect first: a person or a machine, AMD tells soon
            self._count(run, call)
        ctx.db.submit(
            ctx.repo.update_attempt,
            call.attempt_id,
            bridged_at=bridged_at,
            operator_id=op.operator_id,
            operator_session_id=op.session_id,
        )
        await self.capture.operator_joined(call, op.channel_id)

    async def _abandon(self, run: CampaignRun, call: LiveCall) -> None:
        """Nobody was free within the connect limit: the abandon message, then the hang-up."""
        if call.stage is not CallStage.WAITING or call.channel_id not in run.floor.calls:
            return
        call.stage = CallStage.ABANDONING
        playback_id = f"abandon-{call.attempt_id}"
        self._abandon_playbacks[playback_id] = call.channel_id
        ari = self.ctx.links.ari(call.server)
        try:
            await ari.play(call.channel_id, run.config.abandon_message, playback_id)
        except TelephonyError:
            self._abandon_playbacks.pop(playback_id, None)
            with contextlib.suppress(TelephonyError):
                await ari.hangup(call.channel_id)

    async def _customer_gone(self, run: CampaignRun, call: LiveCall, event: Event) -> None:
        ctx = self.ctx
        run.floor.calls.pop(call.channel_id, None)
        ctx.background.cancel(f"abandon-{call.channel_id}")
        cause = event.get("cause")
        stage = call.stage
        ctx.background.cancel(f"machine-{call.channel_id}")
        if stage is CallStage.BRIDGED:
            outcome = AttemptOutcome.CONNECTED
            self._count(run, call)  # connect first without a verdict: a person (once per call)
        elif stage is CallStage.MACHINE:
            outcome = AttemptOutcome.MACHINE
            self._count(run, call)
        elif stage in (CallStage.ANSWERED, CallStage.WAITING, CallStage.ABANDONING):
            # A person answered and was not connected. Hang-ups during AMD count here too: over-counting
            # abandons is the safe side of the cap.
            outcome = AttemptOutcome.ABANDONED
            if stage is CallStage.ANSWERED:
                self._learn_dial(run, call, DialOutcome.HUMAN)
            run.abandoned += 1
            call.facts = replace(
                call.facts,
                ended_at=self._instant(event),
                outcome=AttemptOutcome.ABANDONED.value,
                hung_up_by=HangupSide.DIALER if stage is CallStage.ABANDONING else HangupSide.CUSTOMER,
                abandon_message_played=call.abandon_message_played,
            )
            self._count(run, call)
        else:
            outcome = outcome_of_unanswered(cause if isinstance(cause, int) else None, ring_timed_out=False)
            self._learn_dial(run, call, DIAL_OUTCOMES.get(outcome, DialOutcome.FAILED))
        extra: dict[str, Any] = {}
        if outcome is AttemptOutcome.ABANDONED:
            extra["abandon_message_played"] = call.abandon_message_played
        ctx.db.submit(
            ctx.repo.finish_attempt,
            call.attempt_id,
            outcome,
            event_time(event),
            run.config.rules,
            **extra,
            hangup_cause=cause if isinstance(cause, int) else None,
            hangup_cause_txt=event.get("cause_txt"),
        )
        await self.capture.call_over(call)
        op = call.operator
        if op is not None and op.channel_id in run.floor.operators:
            if stage is CallStage.MACHINE:  # ended as a machine: nothing to write up
                await self.desk.machine_ended(run, op, call.attempt_id)
            else:
                self.desk.start_wrap_up(run, op, call.attempt_id)

    # -- amd_connect_first: detection on a snoop of the customer's voice while they talk -------------------
    def _verdict_pending(self, run: CampaignRun, call: LiveCall) -> bool:
        return run.config.connect_strategy is ConnectStrategy.AMD_CONNECT_FIRST and call.facts.amd_status is None

    async def _detect_in_parallel(self, call: LiveCall) -> None:
        """AMD() is a dialplan application and a bridged channel cannot run one, so a snoop channel that hears
        the customer (spy=in) goes to the [dialer-amd] context and brings the verdict back into Stasis."""
        snoop_id = f"{call.channel_id}-amd"
        self._amd_snoops[snoop_id] = call.channel_id
        try:
            await self.ctx.links.ari(call.server).snoop(call.channel_id, snoop_id, app_args="amd_snoop")
        except TelephonyError as exc:
            self._amd_snoops.pop(snoop_id, None)
            log.warning("parallel AMD could not start for %s: %s; the operator judges the call", call.phone, exc)

    async def _amd_snoop_event(self, snoop_id: str, kind: Any, event: Event) -> None:
        customer = self._amd_snoops[snoop_id]
        found = self.ctx.find(customer)
        call = found[1] if found is not None else None
        server = call.server if call is not None else self.ctx.links.default
        ari = self.ctx.links.ari(server)
        if kind == "ChannelDestroyed":
            self._amd_snoops.pop(snoop_id, None)
            return
        if kind != "StasisStart":
            return
        args = event.get("args") or []
        try:
            if args[:1] == ["amd_snoop"] and found is not None and call is not None:
                late = self._late_start(call, self._instant(event))
                if late is None:
                    await ari.continue_in_dialplan(snoop_id, "dialer-amd")
                    return
                await self._parallel_verdict(found[0], call, "NOTSURE", late, event)
            if args[:1] == ["amd"] and found is not None and call is not None:
                status = args[1] if len(args) > 1 else "NOTSURE"
                await self._parallel_verdict(found[0], call, status, args[2] if len(args) > 2 else None, event)
            await ari.hangup(snoop_id)
        except TelephonyError as exc:
            log.info("parallel AMD of %s: %s", customer, exc)

    def _late_start(self, call: LiveCall, snoop_at: datetime) -> str | None:
        """AMD starting after the greeting began hears half a "hello" then talk: a long greeting, a machine.
        Past `AMD_LATE_START_S` none runs; the call is the operator's (NOTSURE, LATESTART-<ms>)."""
        answered = call.facts.answered_at
        late_s = (snoop_at - answered).total_seconds() if answered is not None else 0.0
        return f"LATESTART-{round(late_s * 1000)}" if late_s > AMD_LATE_START_S else None

    async def _parallel_verdict(
        self, run: CampaignRun, call: LiveCall, status: str, cause: str | None, event: Event
    ) -> None:
        """The verdict on a call already with an operator (or waiting for one): a machine is flagged on the
        operator's screen with a tone, and the operator's key or `MACHINE_END_AFTER_S` ends it as one."""
        ctx = self.ctx
        at = self._instant(event)
        call.facts = replace(call.facts, amd_status=status, amd_cause=cause, amd_at=at)
        ctx.db.submit(ctx.repo.update_attempt, call.attempt_id, amd_status=status, amd_cause=cause, amd_at=at)
        if status != "MACHINE":
            if call.stage is CallStage.BRIDGED:
                self._count(run, call)
            return
        if call.stage is CallStage.WAITING:  # nobody heard it yet: hung up as amd_then_connect would
            ctx.background.cancel(f"abandon-{call.channel_id}")
            await self._amd_result(run, call, ["amd", status, cause], at)
            return
        op = call.operator
        if call.stage is not CallStage.BRIDGED or op is None:
            return
        with contextlib.suppress(TelephonyError):
            await ctx.links.ari(call.server).play(op.channel_id, MACHINE_TONE, f"machine-{call.attempt_id}")

        async def timeout() -> None:
            await self.end_as_machine(run, call)

        ctx.background.later(f"machine-{call.channel_id}", MACHINE_END_AFTER_S, timeout)

    def keep_as_person(self, call: LiveCall) -> None:
        """The operator hears a person despite AMD: the call goes on (the verdict stays on record)."""
        self.ctx.background.cancel(f"machine-{call.channel_id}")

    async def end_as_machine(self, run: CampaignRun, call: LiveCall) -> None:
        """The operator's one key (or the timeout after a machine verdict): hang up, outcome machine."""
        if call.stage is not CallStage.BRIDGED or call.channel_id not in run.floor.calls:
            return
        call.stage = CallStage.MACHINE
        call.facts = replace(call.facts, outcome=AttemptOutcome.MACHINE.value)
        self.ctx.background.cancel(f"machine-{call.channel_id}")
        with contextlib.suppress(TelephonyError):
            await self.ctx.links.ari(call.server).hangup(call.channel_id)

    # -- answered customers adopted from an earlier dialer process (dialer.service.adoption) ------------
    async def adopt_waiting(self, run: CampaignRun, call: LiveCall, abandon_in_s: float) -> None:
        """Waiting for an operator, with what is left of the connect limit."""
        call.stage = CallStage.WAITING

        async def abandon() -> None:
            await self._abandon(run, call)

        self.ctx.background.later(f"abandon-{call.channel_id}", abandon_in_s, abandon)

    async def replay_unclaimed(self, channel_id: str) -> None:
        """An adopted call followed (ringing, held after an answer, in AMD): its answer or AMD verdict, if it
        came into Stasis before the call was on the floor."""
        event = self._unclaimed.pop(channel_id, None)
        if event is not None:
            await self.on_event(event)

    def forget_unclaimed(self, channel_id: str) -> None:
        """An adopted call the survey already found in Stasis: its early StasisStart is no news."""
        self._unclaimed.pop(channel_id, None)

    async def adopt_into_amd(self, run: CampaignRun, call: LiveCall) -> None:
        """Answered in an AMD campaign and never sent to AMD (the dead process had no time): AMD now, as the
        live path does; its verdict comes back into Stasis like any other."""
        call.stage = CallStage.ANSWERED
        try:
            await self.ctx.links.ari(call.server).continue_in_dialplan(call.channel_id, "dialer-amd")
        except TelephonyError:
            log.warning("AMD could not start for adopted %s; connecting as a person", call.phone)
            await self._person_answered(run, call)

    async def adopt_abandon(self, run: CampaignRun, call: LiveCall) -> None:
        """Waited past the connect limit while no dialer listened: the abandon message, then the hang-up."""
        call.stage = CallStage.WAITING
        await self._abandon(run, call)

    async def adopt_bridge(self, run: CampaignRun, call: LiveCall, op: LiveOperator, late: bool) -> None:
        call.stage = CallStage.WAITING
        await self._bridge(run, call, op, late=late)
