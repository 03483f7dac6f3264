"""ARI event routing and customer call control: answer, AMD, bridge to a free operator, abandon, outcome."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from dialer.floor import CallStage, LiveCall, LiveOperator
from dialer.outcomes import AttemptOutcome, outcome_of_unanswered
from dialer.pacing import DialOutcome, OperatorState
from dialer.service.capture import RecordingCapture
from dialer.service.context import LiveContext
from dialer.service.operators import OperatorDesk
from dialer.service.ports import Event
from dialer.service.run_state import AMD_PERSON, DIAL_OUTCOMES, CampaignRun
from dialer.telephony.ari import TelephonyError, event_time

log = logging.getLogger(__name__)


class CallRouter:
    def __init__(self, ctx: LiveContext, desk: OperatorDesk, capture: RecordingCapture) -> None:
        self.ctx = ctx
        self.desk = desk
        self.capture = capture
        self._abandon_playbacks: dict[str, str] = {}  # playback id -> customer channel id

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
        found = self.ctx.find(channel_id)
        if found is None:
            return
        run, call, op = found
        if call is not None:
            await self._on_customer_event(run, call, kind, event)
        elif op is not None:
            if kind == "StasisStart":
                await self.desk.answered(run, op)
            elif kind == "ChannelDestroyed":
                await self.desk.gone(run, op, str(event.get("cause_txt")), event_time(event))

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
                call.answered = ctx.clock.monotonic()
                ctx.db.submit(ctx.repo.update_attempt, call.attempt_id, answered_at=at)
                if run.config.record == "all":
                    await self.capture.start_call(run, call, at)
                if run.config.amd:
                    call.stage = CallStage.ANSWERED
                    try:
                        await ctx.links.ari(call.server).continue_in_dialplan(call.channel_id, "dialer-amd")
                    except TelephonyError:
                        log.warning("AMD could not start for %s; connecting as a person", call.phone)
                        await self._person_answered(run, call)
                else:
                    await self._person_answered(run, call)
            elif args and args[0] == "amd":
                await self._amd_result(run, call, args)
        elif kind == "ChannelDestroyed":
            await self._customer_gone(run, call, event)

    async def _amd_result(self, run: CampaignRun, call: LiveCall, args: list[Any]) -> None:
        ctx = self.ctx
        status = args[1] if len(args) > 1 else "NOTSURE"
        cause = args[2] if len(args) > 2 else None
        ctx.db.submit(ctx.repo.update_attempt, call.attempt_id, amd_status=status, amd_cause=cause)
        if status in AMD_PERSON:
            await self._person_answered(run, call)
            return
        call.stage = CallStage.MACHINE
        self._learn_dial(run, call, DialOutcome.MACHINE)
        if run.config.knobs.machines_count_as_abandons:  # the regulator counts it as abandoned
            run.ledger.record(ctx.clock.time(), abandoned=True)
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

        self.ctx.background.later(f"abandon-{call.channel_id}", run.config.connect_limit_s, abandon)

    def _learn_dial(self, run: CampaignRun, call: LiveCall, outcome: DialOutcome) -> None:
        """Tell the learner how this placed call resolved, once (ring time up to the answer)."""
        if call.learned:
            return
        call.learned = True
        resolved = call.answered if call.answered is not None else self.ctx.clock.monotonic()
        run.learner.observe_dial(outcome, resolved - call.originated, self.ctx.clock.now().hour)
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

    async def _bridge(self, run: CampaignRun, call: LiveCall, op: LiveOperator) -> None:
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
        if not call.inbound:  # the abandon guard counts only calls we placed
            run.ledger.record(ctx.clock.time(), abandoned=False)
        ctx.db.submit(
            ctx.repo.update_attempt,
            call.attempt_id,
            bridged_at=ctx.clock.now(),
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
        if stage is CallStage.BRIDGED:
            outcome = AttemptOutcome.CONNECTED
        elif stage is CallStage.MACHINE:
            outcome = AttemptOutcome.MACHINE
        elif stage in (CallStage.ANSWERED, CallStage.WAITING, CallStage.ABANDONING):
            # A person answered and was not connected. Hang-ups during AMD count here too: over-counting
            # abandons is the safe side of the cap.
            outcome = AttemptOutcome.ABANDONED
            if stage is CallStage.ANSWERED:
                self._learn_dial(run, call, DialOutcome.HUMAN)
            run.abandoned += 1
            run.ledger.record(ctx.clock.time(), abandoned=True)
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
            self.desk.start_wrap_up(run, op, call.attempt_id)
