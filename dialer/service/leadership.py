"""Who dials a campaign: its lease, start and stop, stand-by while another process paces it, and the
take-over (and crash reconciliation) that ends what a dead process left behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from dialer.compliance.registers import register_problems
from dialer.outcomes import AttemptOutcome
from dialer.pacing import AbandonLedger, PacingLearner
from dialer.pacing.warm_start import WARM_START_WINDOW, warm_start
from dialer.service.adoption import Adoption, Scope
from dialer.service.campaign_config import CampaignConfig, CampaignNotCompliant
from dialer.service.context import LiveContext
from dialer.service.operators import OperatorDesk
from dialer.service.pacing_loop import PacingLoop
from dialer.service.ports import Leases, OpenWork
from dialer.service.run_state import CampaignRun
from dialer.telephony.ari import TelephonyError

log = logging.getLogger(__name__)


class Leadership:
    def __init__(
        self, ctx: LiveContext, leases: Leases, open_work: OpenWork, pacing: PacingLoop, desk: OperatorDesk
    ) -> None:
        self.ctx = ctx
        self.leases = leases
        self.open_work = open_work
        self.pacing = pacing
        self.desk = desk
        # Campaigns another process paces: we try their lease every few seconds and take over when its
        # holder dies; operators asked to log in to them meanwhile are logged in then.
        self.standby_poll_s = 2.0
        self._pacing: dict[int, asyncio.Task[None]] = {}
        self._standby: dict[int, asyncio.Task[None]] = {}
        self._standby_logins: dict[int, list[str]] = {}
        self._starting: dict[int, asyncio.Lock] = {}
        # adoption of what an earlier process left (wired by DialerService when a Recovery port is given);
        # without it what is left is ended, as before adoption existed
        self.adoption: Adoption | None = None
        self._adopted_at_start: set[int] = set()  # campaigns whose lease we kept since adopting at start

    # -- the StandbyGate the operator desk asks ----------------------------------------------------
    def standing_by(self, campaign_id: int) -> bool:
        """Another process paces the campaign and we wait to take it over."""
        watcher = self._standby.get(campaign_id)
        return watcher is not None and not watcher.done()

    def keep_login(self, campaign_id: int, login: str) -> None:
        queued = self._standby_logins.setdefault(campaign_id, [])
        if login not in queued:
            queued.append(login)

    # -- campaigns ---------------------------------------------------------------------------------
    def dialling(self) -> set[int]:
        """Campaigns whose pacing loop is running."""
        return {cid for cid, task in self._pacing.items() if not task.done()}

    async def still_leading(self, campaign_id: int) -> bool:
        """Do we still hold the campaign's lease? (Not after our database session died.)"""
        return await self.ctx.db.call(self.leases.still_held, campaign_id)

    async def open_campaign(self, campaign_id: int) -> CampaignRun:
        run = self.ctx.runs.get(campaign_id)
        if run is None:
            run = await self._new_run(campaign_id)
        run.stopping = False  # a run opened for adopted calls now dials too
        await self.ctx.db.call(self.ctx.repo.set_campaign_status, campaign_id, "running")
        return run

    async def _new_run(self, campaign_id: int) -> CampaignRun:
        ctx = self.ctx
        row = await ctx.db.call(ctx.repo.campaign, campaign_id)
        config = CampaignConfig.from_row(row, ctx.options.trunk)
        # the ledger looks ahead for the hour that will be tightest under the campaign's effective cap
        run = CampaignRun(
            config, ledger=AbandonLedger(started_at=ctx.clock.now().timestamp(), cap=config.knobs.abandon_cap)
        )
        # the compliance windows (today, rolling 30 days) start from what the database already holds
        opened = ctx.clock.now()
        for day, answered, abandoned in await ctx.db.call(ctx.repo.abandon_history, campaign_id, 30, opened):
            run.ledger.add_history(day, answered, abandoned)
        # ...and so does the rolling hour: the guard counts the abandons made before a restart
        hour = await ctx.db.call(ctx.repo.abandon_hour, campaign_id, opened)
        run.ledger.restore_hour(((at.timestamp(), abandoned) for at, abandoned in hour), opened.timestamp())
        # the pacing learner starts from the campaign's recent dials, conversations and wrap-ups, not empty:
        # a restarted process predicts at once instead of dialling progressively for its first 100 dials
        now = ctx.clock.now()
        try:
            history = await ctx.db.call(ctx.repo.pacing_history, campaign_id, now - WARM_START_WINDOW)
            fed = warm_start(run.learner, history, now=now, monotonic_now=ctx.clock.monotonic())
        except Exception:  # a campaign dials with a cold learner rather than not at all
            log.exception("campaign %s: the pacing learner could not be warm-started", config.name)
            run.learner = PacingLearner()
        else:
            if fed.dials:
                log.info(
                    "campaign %s: pacing learner warm-started from %d dials, %d conversations, %d wrap-ups",
                    config.name,
                    fed.dials,
                    fed.talks,
                    fed.wrap_ups,
                )
        ctx.runs[campaign_id] = run
        return run

    async def run_for(self, campaign_id: int) -> CampaignRun:
        """The live run of a campaign, opened when there is none: calls and operators adopted after a
        restart live in it until they end, whether or not the campaign is dialled again (no pacing here,
        and its status is left as it is)."""
        run = self.ctx.runs.get(campaign_id)
        if run is None:
            run = await self._new_run(campaign_id)
            run.stopping = True
        return run

    async def start_campaign(self, campaign_id: int) -> CampaignRun | None:
        """Dial the campaign (idempotent): open it if needed and keep its pacing loop running.

        None when another dialer process paces it (it holds the campaign's lease in PostgreSQL)."""
        # one start at a time per campaign (the scheduler and a standby watcher may both try)
        async with self._starting.setdefault(campaign_id, asyncio.Lock()):
            return await self._start_campaign(campaign_id)

    async def _start_campaign(self, campaign_id: int) -> CampaignRun | None:
        ctx = self.ctx
        run = ctx.runs.get(campaign_id)
        task = self._pacing.get(campaign_id)
        if run is not None and task is not None and not task.done():
            return run
        if not await ctx.db.call(self.leases.try_acquire, campaign_id):
            if not self.standing_by(campaign_id):
                log.info("campaign %s is paced by another dialer process: standing by", campaign_id)
                self._standby[campaign_id] = asyncio.create_task(
                    self._stand_by(campaign_id), name=f"standby-{campaign_id}"
                )
            return None
        await self._take_over(campaign_id)
        run = ctx.runs.get(campaign_id)  # a take-over may have opened it for the calls it adopted
        if run is None:
            run = await self.open_campaign(campaign_id)
        else:
            await ctx.db.call(ctx.repo.set_campaign_status, campaign_id, "running")
        problems = run.config.compliance_problems()
        law = run.config.law
        if law is not None and law.national_register_screening:  # TPS & co: loaded, and fresh enough
            states = await ctx.db.call(self.open_work.register_states)
            problems = problems + [str(p) for p in register_problems(law, states, ctx.clock.now())]
        if problems:
            await ctx.db.call(self.leases.release, campaign_id)
            raise CampaignNotCompliant(run.config.name, problems)
        run.stopping = False
        # dialling (re)starts: after a pause of an hour or more its rolling hour is young again, as a new process's
        run.ledger.start_session(ctx.clock.now().timestamp())
        self._pacing[campaign_id] = asyncio.create_task(
            self.pacing.run_campaign(campaign_id, until_done=False), name=f"pacing-{campaign_id}"
        )
        for login in self._standby_logins.pop(campaign_id, []):
            ctx.background.spawn(self._login_after_takeover(campaign_id, login), f"takeover-login-{login}")
        return run

    async def _login_after_takeover(self, campaign_id: int, login: str, tries: int = 5) -> None:
        """The operators who were asked to log in here while another process paced the campaign."""
        for attempt in range(tries):
            try:
                await self.desk.login(campaign_id, login)
                return
            except KeyError as exc:
                log.error("could not log %s in after taking campaign %s over: %s", login, campaign_id, exc)
                return
            except TelephonyError as exc:  # a server down is queued in run.relogin; a refusal is tried again
                log.error("could not log %s in after taking campaign %s over: %s", login, campaign_id, exc)
                if login in self.ctx.run(campaign_id).relogin or attempt == tries - 1:
                    return
                await asyncio.sleep(2.0 * (attempt + 1))

    async def _stand_by(self, campaign_id: int) -> None:
        """Another process paces the campaign: take it over as soon as its lease is free (its holder died)."""
        while campaign_id not in self.dialling():
            await asyncio.sleep(self.standby_poll_s)
            row = await self.ctx.db.call(self.ctx.repo.campaign, campaign_id)
            if row.status != "running":  # paused or stopped meanwhile: the scheduler decides again
                return
            try:
                if await self.start_campaign(campaign_id) is not None:
                    log.warning("took over campaign %s from a dialer process that went away", campaign_id)
                    return
            except CampaignNotCompliant as exc:
                log.error("could not take campaign %s over: %s", campaign_id, exc)
                return

    async def _take_over(self, campaign_id: int) -> None:
        """We now hold the campaign's lease, so whoever held it before is gone: end what it left (its
        customers' and operators' channels on Asterisk; they are not in our Stasis application, so
        `reconcile` cannot see them) and give each attempt it left open its one final outcome,
        `system_failure`. Our own calls and sessions (a pause and resume of ours) are left alone."""
        ctx = self.ctx
        if self.adoption is not None:  # adopt what it left instead (the dead process's application)
            if campaign_id in self._adopted_at_start:  # held since start: nobody else can have left anything
                self._adopted_at_start.discard(campaign_id)
                return
            await self.adoption.adopt(Scope((campaign_id,), subscribe=True))
            return
        found = await ctx.db.call(self.open_work.left_open, campaign_id)
        ours_calls = {c.attempt_id for r in ctx.runs.values() for c in r.floor.calls.values()}
        ours_sessions = {o.session_id for r in ctx.runs.values() for o in r.floor.operators.values()}
        attempts = [(a, ch) for a, ch in found.attempts if a not in ours_calls]
        sessions = [x for x in found.sessions if x[0] not in ours_sessions]
        if not attempts and not sessions:
            return
        channels = [ch for _, ch in attempts] + [ch for _, ch, _ in sessions if ch]
        await ctx.links.end_everywhere(channels, [b for _, _, b in sessions if b])
        at = ctx.clock.now()
        for attempt_id, _ in attempts:
            await ctx.db.call(
                ctx.repo.finish_attempt,
                attempt_id,
                AttemptOutcome.SYSTEM_FAILURE,
                at,
                hangup_cause_txt="its dialer process went away",
            )
        for session_id, _, _ in sessions:
            await ctx.db.call(ctx.repo.end_operator_session, session_id, at, "its dialer process went away")
        log.warning(
            "campaign %s taken over: %d attempts left open marked system_failure, %d operator sessions ended",
            campaign_id,
            len(attempts),
            len(sessions),
        )

    async def stop_campaign(self, campaign_id: int) -> None:
        """No new calls; the calls in flight finish and the operators stay logged in."""
        watcher = self._standby.pop(campaign_id, None)
        if watcher is not None:
            watcher.cancel()
        task = self._pacing.pop(campaign_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        run = self.ctx.runs.get(campaign_id)
        if run is not None:
            run.stopping = True
            if run.floor.calls or run.floor.operators:
                # Keep the lease while our calls and operators are live (a drain, a pause): a process
                # standing by would otherwise take over and end them. Released at close().
                return
        await self.ctx.db.call(self.leases.release, campaign_id)

    async def reconcile(self) -> None:
        """After a crash of ours: end what an earlier process of this Stasis application left in Asterisk,
        then give every attempt it left open its one final outcome (`system_failure`), so none stays in
        progress and its contact is never dialled twice at once. Calls are ended, not adopted: their
        operator sessions died with that process. Other dialer processes sharing this Asterisk (other
        application names) and this database (campaigns whose lease they hold) are left alone."""
        ctx = self.ctx
        if self.adoption is not None:
            await self._adopt_left_open()
            return
        await ctx.links.end_app_leftovers()
        at = ctx.clock.now()
        for campaign_id in await ctx.db.call(ctx.repo.campaigns_with_open_work):
            if not await ctx.db.call(self.leases.try_acquire, campaign_id):
                continue  # a live dialer process paces it: its attempts are in progress for real
            failed = await ctx.db.call(ctx.repo.fail_unfinished_attempts, campaign_id, at)
            if failed:
                log.warning("%d attempts left open by an earlier dialer process marked system_failure", failed)
            await ctx.db.call(ctx.repo.end_open_operator_sessions, at, "dialer restarted", campaign_id)
            if campaign_id not in self._pacing:
                await ctx.db.call(self.leases.release, campaign_id)

    async def _adopt_left_open(self) -> None:
        """After a crash of ours: adopt what an earlier process left (dialer.service.adoption) for every
        campaign with open work whose lease we get; campaigns a live process paces are left alone, and
        what else is in our Stasis application is ended. A campaign keeps its lease while adopted calls
        or operators are on its floor (a process standing by must not take them over)."""
        ctx = self.ctx
        assert self.adoption is not None
        held = [
            cid
            for cid in await ctx.db.call(ctx.repo.campaigns_with_open_work)
            if await ctx.db.call(self.leases.try_acquire, cid)
        ]
        await self.adoption.adopt(Scope(tuple(held)))
        for campaign_id in held:
            run = ctx.runs.get(campaign_id)
            if campaign_id in self._pacing or (run is not None and (run.floor.calls or run.floor.operators)):
                self._adopted_at_start.add(campaign_id)
                continue
            if run is not None and run.stopping:
                del ctx.runs[campaign_id]  # opened for the plan, nothing adopted
            await ctx.db.call(self.leases.release, campaign_id)

    async def close(self) -> None:
        """Stop every campaign and the stand-by watchers; the leases go with the database connection."""
        for watcher in self._standby.values():
            watcher.cancel()
        for campaign_id in list(self._pacing):
            await self.stop_campaign(campaign_id)
