"""The pacing loop: ask `decide()` how many calls to place, place them on servers, lease and originate."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

from dialer.db.repository import DialTask
from dialer.floor import CallStage, LiveCall
from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState, PacingDecision, PacingSnapshot, decide
from dialer.pacing.blend import BlendPlan, InboundFloor, blend
from dialer.placement import ServerLoad, assign_servers, place_calls
from dialer.service.calls import CallRouter
from dialer.service.context import LiveContext
from dialer.service.decision_log import DecisionJournal, DecisionLog
from dialer.service.run_state import CampaignRun
from dialer.telephony.ari import TelephonyError, attempt_variables

log = logging.getLogger(__name__)
LEASE_SWEEP_S = 60.0  # how often a paced campaign's expired leases are swept (dialer/db/repositories/leasing.py)


class PacingLoop:
    def __init__(self, ctx: LiveContext, journal: DecisionJournal, calls: CallRouter, tick_s: float = 0.25) -> None:
        self.ctx = ctx
        self.calls = calls  # follows each call placed (its channel is in the dialplan until answered)
        self.journal = journal
        self.tick_s = tick_s
        self._swept_at: dict[int, float] = {}

    async def run_campaign(
        self, campaign_id: int, until_done: bool = True, on_tick: Callable[[CampaignRun], None] | None = None
    ) -> None:
        """Pace the campaign until its list is exhausted and every call has ended (or forever)."""
        run = self.ctx.run(campaign_id)
        while True:
            await self.pace_once(run)
            if on_tick is not None:
                on_tick(run)
            if not run.floor.calls and (run.stopping or (until_done and run.contacts_available == 0)):
                break
            await asyncio.sleep(self.tick_s)
        await self.ctx.db.flush()

    async def pace_once(self, run: CampaignRun) -> PacingDecision:
        ctx = self.ctx
        now = ctx.clock.monotonic()
        self.sweep_leases(run, now)
        run.contacts_available = await ctx.db.call(
            ctx.repo.count_dialable, run.config.campaign_id, ctx.clock.now(), owner=ctx.node
        )
        if run.stopping or not ctx.links.any_up():
            return PacingDecision(0, "stopping" if run.stopping else "ARI down")
        backing_off = run.backoff.closed(now)
        if all(name in backing_off or not link.up for name, link in ctx.links.items()):
            left = min(backing_off.values())
            return PacingDecision(0, f"Asterisk refused originations: backing off {left:.1f} s")
        hour = ctx.clock.now().hour
        stats = run.stats(now, ctx.clock.time(), hour)
        snapshot = replace(run.floor.snapshot(now, run.config.knobs, run.contacts_available), stats=stats)
        blended = self.blend(run, snapshot, now, hour)
        decision = decide(blended.snapshot if blended is not None else snapshot)
        if blended is not None:
            decision = replace(decision, reason=f"{blended.reason}; {decision.reason}")
        run.last_decision = decision
        if decision.calls_to_place:
            ready = snapshot.operators_in(OperatorState.READY)
            pending = len(snapshot.calls_in_flight) + snapshot.answered_waiting
            self.journal.add(DecisionLog(now, run.config.campaign_id, ready, pending, decision))
            log.info(
                "pacing %s: place %d (ready %d, ringing %d, waiting %d, %s): %s",
                run.config.name,
                decision.calls_to_place,
                ready,
                len(snapshot.calls_in_flight),
                snapshot.answered_waiting,
                decision.mode_used,
                decision.reason,
            )
            plan = place_calls(decision.calls_to_place, self.server_loads(run, now))
            placed = sum(plan.values())
            if placed < decision.calls_to_place:
                log.info(
                    "pacing %s: only %d of %d calls have a server to go to",
                    run.config.name,
                    placed,
                    decision.calls_to_place,
                )
            if placed == 0:
                return decision
            # Shielded: a stop that cancels the pacing loop here must not leave leased contacts with an
            # attempt "in progress" that is never dialled; the calls placed finish like any other.
            await asyncio.shield(self._lease_and_originate(run, placed, plan))
        return decision

    @staticmethod
    def blend(run: CampaignRun, snapshot: PacingSnapshot, now: float, hour: int) -> BlendPlan | None:
        """A campaign taking inbound calls: the snapshot without the operators kept for them
        (dialer.pacing.blend); None for an outbound-only campaign."""
        spec = run.config.inbound
        if spec is None:
            return None
        learner = run.inbound_learner
        learner.observe_open(now, hour)
        floor = InboundFloor(
            frozenset(o.operator_id for o in run.floor.operators.values() if o.inbound_since is not None),
            sum(1 for c in run.floor.calls.values() if c.stage is CallStage.QUEUED),
        )
        return blend(snapshot, floor, learner.forecast(now, hour), spec.service_level.target())

    def sweep_leases(self, run: CampaignRun, now: float) -> None:
        """Once a minute: leases a dead process left behind come back to the list by the retry rules, and
        this process's own leases that no call in flight holds (a leak) are freed."""
        cid = run.config.campaign_id
        last = self._swept_at.get(cid)
        if last is not None and now - last < LEASE_SWEEP_S:
            return
        self._swept_at[cid] = now
        in_flight = frozenset(c.attempt_id for c in run.floor.calls.values())
        ctx = self.ctx
        ctx.db.submit(
            ctx.repo.reclaim_expired_leases, cid, ctx.node, ctx.clock.now(), rules=run.config.rules, in_flight=in_flight
        )

    def server_loads(self, run: CampaignRun, now: float) -> list[ServerLoad]:
        """What placement needs to know of each server for this campaign (lines count every campaign's calls);
        a server that refused this campaign's last origination is closed to it until its back-off ends."""
        return [
            ServerLoad(
                name=name,
                up=link.up and run.backoff.is_open(name, now),
                ready_operators=run.floor.ready_on(name),
                campaign_calls=run.floor.unconnected_calls_on(name),
                lines_in_use=sum(r.floor.lines_on(name) for r in self.ctx.runs.values()),
                line_capacity=link.max_lines,
                busy_operators=run.floor.busy_on(name),
            )
            for name, link in self.ctx.links.items()
        ]

    async def _lease_and_originate(self, run: CampaignRun, placed: int, plan: dict[str, int]) -> None:
        ctx = self.ctx
        ready_ids = frozenset(o.operator_id for o in run.floor.operators.values() if o.state is OperatorState.READY)
        tasks = await ctx.db.call(
            ctx.repo.lease_contacts,
            run.config.campaign_id,
            placed,
            ctx.node,
            ctx.clock.now(),
            rules=run.config.rules,
            ready_operator_ids=ready_ids,
        )
        homes = {o.operator_id: o.server for o in run.floor.operators.values()}
        preferred = [homes.get(t.preferred_operator_id) if t.preferred_operator_id else None for t in tasks]
        # concurrently: one originate that Asterisk is slow to answer must not hold up the others
        await asyncio.gather(
            *(
                self.originate(run, task, server)
                for task, server in zip(tasks, assign_servers(plan, preferred), strict=True)
            )
        )

    async def originate(self, run: CampaignRun, task: DialTask, server: str | None = None) -> None:
        """Ring one leased contact on `server`, then follow its channel; a refusal closes the server to the
        campaign for a while. An originate ARI does not answer in time may still have gone out: the call is
        followed like any other, or settled from Asterisk's records (`settle_unfollowed`)."""
        ctx = self.ctx
        server = server or ctx.links.default
        ari = ctx.links.ari(server)
        call = LiveCall(
            task.attempt_id, task.contact_id, task.channel_id, task.phone, ctx.clock.monotonic(), server=server
        )
        call.preferred_operator_id = task.preferred_operator_id
        run.floor.calls[task.channel_id] = call
        run.dialled += 1
        endpoint = run.config.dial_string.format(number=task.phone.lstrip("+"))
        local = endpoint.startswith("Local/")
        try:
            await ari.originate(
                endpoint,
                channel_id=task.channel_id,
                other_channel_id=f"{task.channel_id}-2" if local else None,
                app_args="customer",
                timeout_s=run.config.ring_timeout_s,
                caller_id=run.config.caller_id,
                # names the attempt on the channel and in Asterisk's CDR: what a restarted dialer adopts by
                variables=attempt_variables(task.attempt_id),
                # a carrier trunk negotiates its codecs; a Local channel would otherwise run in slin192
                formats=ctx.options.local_channel_formats if local else "",
                # into the dialplan that holds an answer while no dialer listens (asterisk_conf, dialer-outbound)
                hold_s=ctx.options.answer_hold_s,
            )
            run.backoff.accepted(server)
        except TelephonyError as exc:
            if exc.timed_out:
                # Asterisk is slow, not refusing: slow down, and find out whether the call went out
                run.failed_originations += 1
                run.backoff.refused(server, ctx.clock.monotonic())
                log.warning("originate %s on %s: %s; following it in case it went out", task.phone, server, exc)
            else:
                self._refused(run, task, server, exc)
                return
        await self.calls.follow(run, call)

    def _refused(self, run: CampaignRun, task: DialTask, server: str, exc: TelephonyError) -> None:
        ctx = self.ctx
        run.floor.calls.pop(task.channel_id, None)
        outcome = AttemptOutcome.FAILED if ctx.links.ari(server).connected else AttemptOutcome.SYSTEM_FAILURE
        if outcome is AttemptOutcome.FAILED:
            # channel limit, trunk down, bad dial string: slow down instead of hammering Asterisk
            run.failed_originations += 1
            run.backoff.refused(server, ctx.clock.monotonic())
        log.warning(
            "originate %s on %s failed (%s); no originations there for %.0f s",
            task.phone,
            server,
            exc,
            run.backoff.delay(server),
        )
        ctx.db.submit(
            ctx.repo.finish_attempt,
            task.attempt_id,
            outcome,
            ctx.clock.now(),
            run.config.rules,
            hangup_cause_txt=str(exc)[:100],
        )
