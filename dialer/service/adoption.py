"""Adoption: what an earlier dialer process (or this one, while its ARI websocket was down) left live on
Asterisk is taken back instead of hung up; what ended while nobody listened gets its outcome from
Asterisk's own call records and its retry from the campaign's rules; recording legs left in a spool are
stored.

The decisions are the pure planners' (dialer.recovery: `plan_adoption`, `reconcile`); this module only
gathers their inputs through the ports and carries the plan out on the live floor. Used at start, on a
campaign take-over and on an ARI reconnect (see docs/architecture.md, "What survives which fault").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from dialer.floor import CallStage, LiveCall, LiveOperator
from dialer.outcomes import AttemptOutcome
from dialer.pacing import DialOutcome, OperatorState
from dialer.recovery.adoption import (
    AdoptionPlan,
    CallAction,
    CallPlan,
    OpenSession,
    OperatorAction,
    plan_adoption,
)
from dialer.recovery.inventory import ServerInventory
from dialer.recovery.reconcile import OpenAttempt, Resolution, dial_observation
from dialer.rules.connect_strategy import ConnectStrategy
from dialer.service.calls import CallRouter
from dialer.service.capture import RecordingCapture
from dialer.service.context import LiveContext
from dialer.service.operators import OperatorDesk
from dialer.service.ports import Recovery
from dialer.service.run_state import CampaignRun
from dialer.telephony.ari import TelephonyError
from dialer.timestamps import as_utc

log = logging.getLogger(__name__)

SNOOP = "-snoop-"


@dataclass(frozen=True)
class Scope:
    """Which part of the open work one adoption is about. At start and on a take-over: everything of the
    campaigns (`channels` and `sessions` None). On an ARI reconnect: only the calls and operator sessions
    this process had on that server (the others are live and ours)."""

    campaign_ids: tuple[int, ...]
    servers: tuple[str, ...] | None = None  # None: every server that is up
    channels: frozenset[str] | None = None
    sessions: frozenset[int] | None = None
    subscribe: bool = False  # a take-over: the channels are in the dead process's Stasis application


class Adoption:
    def __init__(
        self,
        ctx: LiveContext,
        desk: OperatorDesk,
        calls: CallRouter,
        capture: RecordingCapture,
        recovery: Recovery,
        run_for: Callable[[int], Awaitable[CampaignRun]],
    ) -> None:
        self.ctx = ctx
        self.desk = desk
        self.calls = calls
        self.capture = capture
        self.recovery = recovery
        self.run_for = run_for  # the live run of a campaign, opened (not started) when there is none

    async def adopt(self, scope: Scope) -> AdoptionPlan:
        """Survey, plan, carry out, then settle what ended meanwhile and store left-over recordings."""
        ctx = self.ctx
        names = [n for n in (scope.servers or tuple(ctx.links)) if n in ctx.links and ctx.links[n].up]
        inventories = [inv for name in names if (inv := await self._survey(name)) is not None]
        attempts, sessions = await ctx.db.call(self.recovery.open_work, list(scope.campaign_ids))
        live_attempts, live_sessions = self._live_ids()
        attempts = [
            a
            for a in attempts
            if a.attempt_id not in live_attempts and (scope.channels is None or a.channel_id in scope.channels)
        ]
        sessions = [
            s
            for s in sessions
            if s.session_id not in live_sessions and (scope.sessions is None or s.session_id in scope.sessions)
        ]
        configs = {cid: (await self.run_for(cid)).config for cid in scope.campaign_ids}
        limits = {cid: config.connect_limit_s for cid, config in configs.items()}
        amd = {cid for cid, c in configs.items() if c.connect_strategy is ConnectStrategy.AMD_THEN_CONNECT}
        plan = plan_adoption(
            inventories, attempts, sessions, connect_limits=limits, now=ctx.clock.now(), amd_campaigns=amd
        )
        if scope.subscribe:
            await self._subscribe(plan, inventories)
        await self._carry_out(plan, {a.attempt_id: a for a in attempts}, {s.session_id: s for s in sessions})
        await self._forget_vanished(plan, names)
        try:
            await self._settle(scope, plan)
            await self._store_orphans(names, plan)
        except Exception:  # the calls adopted above go on whatever this step meets
            log.exception("settling what an earlier dialer process left failed")
        if plan.calls or plan.operators or plan.hangup_channels:
            log.warning(
                "adopted after a restart: %d calls (%s), %d operators (%s); %d channels hung up",
                len(plan.calls),
                ", ".join(sorted(c.action.value for c in plan.calls)),
                len(plan.operators),
                ", ".join(sorted(o.action.value for o in plan.operators)),
                len(plan.hangup_channels),
            )
        return plan

    # -- gathering --------------------------------------------------------------------------------
    async def _survey(self, server: str) -> ServerInventory | None:
        """What `server` holds for us, minus what this process already drives (its own live calls)."""
        try:
            inv = await self.ctx.links.ari(server).inventory(server)
        except TelephonyError as exc:
            log.error("could not list what Asterisk %s holds: %s", server, exc)
            return None
        ours = self._live_channels()
        ours_bridges = {o.bridge_id for r in self.ctx.runs.values() for o in r.floor.operators.values()}
        channels = tuple(c for c in inv.channels if c.id.split(SNOOP)[0] not in ours)
        bridges = tuple(b for b in inv.bridges if b.id not in ours_bridges)
        return replace(inv, channels=channels, bridges=bridges)

    def _live_channels(self) -> set[str]:
        runs = self.ctx.runs.values()
        return {c for r in runs for c in r.floor.calls} | {o for r in runs for o in r.floor.operators}

    def _live_ids(self) -> tuple[set[int], set[int]]:
        runs = self.ctx.runs.values()
        return (
            {c.attempt_id for r in runs for c in r.floor.calls.values()},
            {o.session_id for r in runs for o in r.floor.operators.values()},
        )

    async def _subscribe(self, plan: AdoptionPlan, inventories: list[ServerInventory]) -> None:
        """A taken-over campaign's channels live in the dead process's application: have their events sent
        here (the calls kept, their recording legs, the operators kept and their bridges)."""
        kept = plan.live_channel_ids
        for inv in inventories:
            channels = [
                c.id
                for c in inv.channels
                if not c.in_application
                and (c.id.split(SNOOP)[0] in kept or any(o.channel_id == c.id for o in plan.operators))
            ]
            bridges = [
                o.bridge_id
                for o in plan.operators
                if o.action is OperatorAction.ADOPT and o.server == inv.server and o.bridge_id
            ]
            try:
                await self.ctx.links.ari(inv.server).subscribe(channels, bridges)
            except TelephonyError as exc:
                log.error("could not subscribe to what Asterisk %s holds for us: %s", inv.server, exc)

    # -- carrying the plan out ---------------------------------------------------------------------
    async def _carry_out(
        self, plan: AdoptionPlan, attempts: dict[int, OpenAttempt], sessions: dict[int, OpenSession]
    ) -> None:
        ctx = self.ctx
        for server, bridge_id, reason in plan.destroy_bridges:
            log.info("destroying bridge %s on %s: %s", bridge_id, server, reason)
            with contextlib.suppress(TelephonyError):
                await ctx.links.ari(server).destroy_bridge(bridge_id)
        for server, channel_id, reason in plan.hangup_channels:
            log.info("hanging up %s on %s: %s", channel_id, server, reason)
            with contextlib.suppress(TelephonyError):
                await ctx.links.ari(server).hangup(channel_id)
        now = ctx.clock.now()
        ops: dict[int, LiveOperator] = {}
        for o in plan.operators:
            if o.action is OperatorAction.END:
                if o.channel_id:
                    with contextlib.suppress(TelephonyError):
                        await ctx.links.ari(o.server).hangup(o.channel_id)
                await ctx.db.call(ctx.repo.end_operator_session, o.session_id, now, f"dialer restarted: {o.reason}")
                continue
            session = sessions[o.session_id]
            op = self.desk.adopt(await self.run_for(o.campaign_id), o, session.login, session.endpoint)
            if o.state is OperatorState.WRAP_UP and session.wrapping_since is not None:
                op.since = self._monotonic(session.wrapping_since)  # the learner gets the whole wrap-up
            ops[o.session_id] = op
        for c in plan.calls:
            await self._adopt_call(c, attempts[c.attempt_id], ops)
        for o in plan.operators:  # operators back at their desk take the people left waiting
            if o.action is OperatorAction.ADOPT and o.state is OperatorState.READY and o.server:
                await self.calls.serve_waiting(await self.run_for(o.campaign_id), o.server)

    async def _adopt_call(self, c: CallPlan, attempt: OpenAttempt, ops: dict[int, LiveOperator]) -> None:
        ctx = self.ctx
        run = await self.run_for(c.campaign_id)
        if c.action is CallAction.HANGUP:
            with contextlib.suppress(TelephonyError):
                await ctx.links.ari(c.server).hangup(c.channel_id)
            outcome = c.outcome or AttemptOutcome.SYSTEM_FAILURE
            await ctx.db.call(
                ctx.repo.finish_attempt,
                c.attempt_id,
                outcome,
                ctx.clock.now(),
                run.config.rules,
                hangup_cause_txt=f"dialer restarted: {c.reason}"[:100],
                **({"amd_status": c.amd_status} if c.amd_status is not None and attempt.amd_status is None else {}),
            )
            if outcome is AttemptOutcome.CONNECTED:  # nobody is at a desk to dispose of it
                await ctx.db.call(ctx.repo.record_disposition, c.attempt_id, None, None, None, run.config.rules)
            return
        now = ctx.clock.monotonic()
        # the pacing learner gets adopted calls like any other, on the process's own clock: ring time from
        # when the call was placed, talk and wrap-up from when they began
        originated = self._monotonic(attempt.originated_at) if attempt.originated_at is not None else now
        call = LiveCall(c.attempt_id, attempt.contact_id, c.channel_id, attempt.phone, originated, server=c.server)
        call.learned = attempt.originated_at is None  # without it no ring time to learn
        if attempt.answered_at is not None:
            call.answered = self._monotonic(attempt.answered_at)
        elif c.answered_at is not None:  # answered while no dialer listened: the dialplan kept the moment
            call.answered = self._monotonic(c.answered_at)
            call.facts = replace(call.facts, answered_at=as_utc(c.answered_at))
            ctx.db.submit(ctx.repo.update_attempt, c.attempt_id, answered_at=as_utc(c.answered_at))
        run.floor.calls[c.channel_id] = call
        following = (CallAction.FOLLOW_RINGING, CallAction.FOLLOW_ANSWER, CallAction.FOLLOW_AMD, CallAction.START_AMD)
        # a call originated into the dialplan sends its events (its hang-up once out of Stasis included) to
        # whoever subscribed: make sure it is us (the killed process may have died before it did; a second
        # subscription changes nothing; one that ended meanwhile is settled from the records below)
        with contextlib.suppress(TelephonyError):
            await ctx.links.ari(c.server).follow(c.channel_id)
        if c.action not in following:
            self.calls.forget_unclaimed(c.channel_id)
            # a person answered while no dialer listened: that dial resolved unseen by this learner
            if call.answered is not None:
                self.calls.learn_answer(run, call)
            call.learned = True
        op = ops.get(c.session_id) if c.session_id is not None else None
        if c.action is CallAction.ADOPT_BRIDGED and op is not None:
            call.stage, call.operator, call.person_at = CallStage.BRIDGED, op, now
            if attempt.bridged_at is not None:
                op.since = self._monotonic(attempt.bridged_at)  # the learner gets the whole conversation
            if c.recording_roles:
                answered = as_utc(attempt.answered_at or attempt.bridged_at or ctx.clock.now())
                bridged = as_utc(attempt.bridged_at or ctx.clock.now())
                self.capture.adopt(run, call, c.recording_roles, answered, bridged)
        elif c.recording_roles:  # answered, not bridged yet: the customer's leg records on
            self.capture.adopt(run, call, c.recording_roles, as_utc(attempt.answered_at or ctx.clock.now()), None)
        if c.action is CallAction.FOLLOW_RINGING:
            call.stage = CallStage.RINGING
            await self.calls.replay_unclaimed(c.channel_id)  # answered between the survey and now
        elif c.action is CallAction.FOLLOW_ANSWER:
            call.stage = CallStage.RINGING  # its StasisStart is its answer, as for a live call
            await self.calls.replay_unclaimed(c.channel_id)
        elif c.action is CallAction.FOLLOW_AMD:
            call.stage = CallStage.ANSWERED
            await self.calls.replay_unclaimed(c.channel_id)
        elif c.action is CallAction.START_AMD:
            await self.calls.adopt_into_amd(run, call)
            return
        if c.amd_status is not None and attempt.amd_status is None:  # a verdict only the channel kept
            call.facts = replace(call.facts, amd_status=c.amd_status)
            ctx.db.submit(ctx.repo.update_attempt, c.attempt_id, amd_status=c.amd_status)
        if c.action is CallAction.WAIT:
            call.person_at = now
            await self.calls.adopt_waiting(run, call, c.abandon_in_s or 0.0)
        elif c.action is CallAction.ABANDON:
            call.person_at = now
            await self.calls.adopt_abandon(run, call)
        elif c.action is CallAction.BRIDGE and op is not None:
            call.person_at = now
            await self.calls.adopt_bridge(run, call, op, late=c.counts_as_abandoned)

    def _monotonic(self, at: datetime) -> float:
        """A wall-clock instant (the database's) on this process's monotonic clock, as the floor keeps time."""
        clock = self.ctx.clock
        return clock.monotonic() - max(0.0, (clock.now() - as_utc(at)).total_seconds())

    async def _forget_vanished(self, plan: AdoptionPlan, servers: Collection[str]) -> None:
        """A call or softphone that ended between the survey and now sent its last event to nobody: take it
        off the floor again (its outcome comes from the call records, like any that ended meanwhile)."""
        ctx = self.ctx
        kept = {c.channel_id for c in plan.calls if c.action is not CallAction.HANGUP}
        kept_ops = {o.channel_id for o in plan.operators if o.action is OperatorAction.ADOPT}
        for server in servers:
            try:
                alive = set(await ctx.links.ari(server).channel_ids())
            except TelephonyError:
                continue
            for run in ctx.runs.values():
                for call in [c for c in run.floor.calls.values() if c.server == server]:
                    if call.channel_id in kept and call.channel_id not in alive:
                        run.floor.calls.pop(call.channel_id, None)
                        ctx.background.cancel(f"abandon-{call.channel_id}")
                        self.capture.drop({call.attempt_id})
                for op in [o for o in run.floor.operators.values() if o.server == server]:
                    if op.channel_id in kept_ops and op.channel_id not in alive:
                        await self.desk.gone(run, op, "softphone gone during the restart", ctx.clock.now())

    async def settle_unfollowed(self, campaign_id: int, channel_id: str, delay_s: float = 1.0) -> None:
        """A call placed by this process that ended before it could be followed (a quick failure, or an
        originate ARI answered too late): its outcome and retry from Asterisk's records once they are
        written, a system failure (retried in 5 minutes, not counted) when Asterisk has none."""
        await asyncio.sleep(delay_s)
        await self._settle(Scope((campaign_id,), channels=frozenset({channel_id})), AdoptionPlan(), unfollowed=True)

    async def _settle(self, scope: Scope, plan: AdoptionPlan, *, unfollowed: bool = False) -> None:
        """What ended while nobody listened: the outcome Asterisk recorded, the retry the campaign's rules
        give it (system failure where nothing is known)."""
        ctx = self.ctx
        paths = [link.cdr_csv_path for link in ctx.links.values() if link.cdr_csv_path is not None]
        records = await asyncio.to_thread(self.recovery.call_records, list(paths))
        await ctx.db.flush()  # outcomes the floor already wrote land first
        live = self._live_channels()
        now = ctx.clock.now()
        for campaign_id in scope.campaign_ids:
            resolutions = await ctx.db.call(
                self.recovery.settle_left_open,
                campaign_id,
                records,
                now,
                skip_channel_ids=frozenset(live),
                only_channel_ids=scope.channels,
                awaiting_disposition=frozenset(plan.awaiting_disposition),
            )
            run = await self.run_for(campaign_id)
            for r in resolutions:
                if unfollowed:  # a quick failure of this process's own call (an invalid number): routine
                    log.info("attempt %s ended before it could be followed: %s (%s)", r.attempt_id, r.outcome, r.reason)
                else:
                    log.warning("attempt %s ended while no dialer listened: %s (%s)", r.attempt_id, r.outcome, r.reason)
                self._learn_settled(run, r)

    def _learn_settled(self, run: CampaignRun, r: Resolution) -> None:
        """A call that ended while no dialer listened feeds the pacing learner as the live path would have:
        its dial outcome and ring time, and its conversation's length."""
        seen = dial_observation(r)
        if seen is None:
            return
        outcome, ring_s, resolved_at, talk_s = seen
        run.learner.observe_dial(outcome, ring_s, resolved_at.hour, resolved_at=self._monotonic(resolved_at))
        if outcome is DialOutcome.HUMAN:
            run.answered += 1
        if talk_s is not None and r.ended_at is not None:
            run.learner.observe_talk(talk_s, ended_at=self._monotonic(r.ended_at))

    async def _store_orphans(self, servers: Collection[str], plan: AdoptionPlan) -> None:
        spools: dict[Path, None] = {self.ctx.links[name].spool_dir: None for name in servers}
        live = frozenset(self._live_channels() | plan.live_channel_ids | self.capture.channels_in_hand())
        for spool in spools:
            report = await asyncio.to_thread(self.recovery.store_orphan_recordings, spool, live)
            if report.stored:
                log.warning("stored %d recordings left in %s: attempts %s", len(report.stored), spool, report.stored)
