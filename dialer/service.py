"""The dialer service: ARI events in, pacing decisions and call control out.

Pure parts live elsewhere (dialer.pacing decides how many calls, dialer.floor keeps the live state,
dialer.outcomes maps causes); this module is the adapter that wires them to Asterisk and the database.
Database writes run on one worker thread, in order, so the event loop never blocks on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from dialer.campaigns import campaign_knobs
from dialer.compliance.checks import DialSettings, validate_campaign
from dialer.config import AsteriskServer, Settings
from dialer.db.leader import CampaignLeases
from dialer.db.models import Attempt, Campaign, OperatorSession
from dialer.db.repository import DialTask, Repository
from dialer.floor import CallCapture, CallFloor, CallStage, LiveCall, LiveOperator
from dialer.outcomes import AttemptOutcome, outcome_of_unanswered
from dialer.pacing import (
    AbandonLedger,
    CampaignStats,
    DialOutcome,
    LearnedStats,
    OperatorState,
    PacingDecision,
    PacingKnobs,
    PacingLearner,
    decide,
)
from dialer.placement import ServerLoad, assign_servers, place_calls
from dialer.recordings.errors import RecordingError
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.pipeline import process_call_recording
from dialer.recordings.store import RecordingStore
from dialer.rules.campaign import parse_campaign
from dialer.rules.campaign_rules import CampaignRules
from dialer.telephony.ami import AmiClient, AmiError
from dialer.telephony.ari import AriClient, Event, TelephonyError, event_time

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

AMD_PERSON = ("HUMAN", "NOTSURE")
LEARNED_REFRESH_S = 5.0
# How each unanswered outcome looks to the pacing learner.
DIAL_OUTCOMES = {
    AttemptOutcome.BUSY: DialOutcome.BUSY,
    AttemptOutcome.NO_ANSWER: DialOutcome.NO_ANSWER,
    AttemptOutcome.MACHINE: DialOutcome.MACHINE,
}  # NOTSURE goes to an operator: a person must never be dropped


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LeftOpen:
    """What a dialer process that lost a campaign's lease (killed, or its database session died) left
    open in the database: attempts without an outcome and operator sessions not ended, with the
    Asterisk channels and bridges they name."""

    attempts: list[tuple[int, str]]  # attempt id, customer channel id
    sessions: list[tuple[int, str | None, str | None]]  # session id, operator channel id, bridge id


def left_open(repo: Repository, campaign_id: int) -> LeftOpen:
    with repo.sessions() as s:
        attempts = s.execute(
            select(Attempt.id, Attempt.channel_id).where(Attempt.campaign_id == campaign_id, Attempt.outcome.is_(None))
        ).all()
        sessions = s.execute(
            select(OperatorSession.id, OperatorSession.channel_id, OperatorSession.bridge_id).where(
                OperatorSession.campaign_id == campaign_id, OperatorSession.ended_at.is_(None)
            )
        ).all()
    return LeftOpen([(a, c) for a, c in attempts], [(i, c, b) for i, c, b in sessions])


class CampaignNotCompliant(ValueError):
    """The campaign's settings break its jurisdiction profile: it may not dial until they are fixed."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"campaign {name!r} may not dial: " + "; ".join(problems))


class DbWorker:
    """Runs repository calls on one thread, in submission order.

    When the database is unreachable a call is retried (backoff up to 5 s) until it comes back, and
    everything submitted after it waits its turn: outcomes are buffered in order, not lost, and the
    pacing loop, which waits for its leases here, stops originating meanwhile.
    """

    def __init__(self, repo: Repository, max_backoff_s: float = 5.0) -> None:
        self.repo = repo
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dialer-db")
        self._pending: set[Future[Any]] = set()
        self._closing = False
        self.max_backoff_s = max_backoff_s
        self.available = True
        self.outages = 0

    def _retrying(self, fn: Callable[[], T]) -> T:
        backoff = 0.2
        while True:
            try:
                result = fn()
            except (OperationalError, InterfaceError) as exc:
                if self._closing:
                    raise
                if self.available:
                    self.available = False
                    self.outages += 1
                    log.error("database unavailable, holding writes until it is back: %s", exc.orig)
                time.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            if not self.available:
                self.available = True
                log.warning("database back")
            return result

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        job = partial(self._retrying, partial(fn, *args, **kwargs))
        return await asyncio.get_running_loop().run_in_executor(self._pool, job)

    def submit(self, fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Fire and forget (ordered after everything submitted before); failures are logged."""
        fut = self._pool.submit(self._retrying, partial(fn, *args, **kwargs))
        self._pending.add(fut)

        def done(f: Future[Any]) -> None:
            self._pending.discard(f)
            if f.exception() is not None:
                log.error("database write %s failed: %r", getattr(fn, "__name__", fn), f.exception())

        fut.add_done_callback(done)

    @property
    def queue_depth(self) -> int:
        return len(self._pending)

    async def flush(self) -> None:
        await self.call(lambda: None)

    def close(self, grace_s: float = 30.0) -> None:
        """Let buffered writes land (up to `grace_s` if the database is down), then stop."""
        self._pool.shutdown(wait=False)
        deadline = time.monotonic() + grace_s
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.05)
        self._closing = True
        self._pool.shutdown(wait=True)


@dataclass
class CampaignConfig:
    """The operational settings of a running campaign, read from its database row."""

    campaign_id: int
    name: str
    dial_string: str
    caller_id: str | None
    amd: bool
    record: str  # all | none | on_demand
    ring_timeout_s: float
    connect_limit_s: float
    wrapup_s: float
    abandon_message: str
    knobs: PacingKnobs
    rules: CampaignRules | None = None  # retries, windows, callbacks, DNC (None: dial each contact once)

    @classmethod
    def from_row(cls, c: Campaign, trunk: str) -> CampaignConfig:
        definition = parse_campaign(c.definition, c.name) if c.definition else None
        rules = CampaignRules.from_definition(definition) if definition is not None else None
        knobs = campaign_knobs(c)
        connect_limit_s = c.connect_limit_s
        law = rules.compliance if rules is not None else None
        if law is not None:  # the jurisdiction bounds pacing: its cap, never a laxer target or limit
            connect_limit_s = min(connect_limit_s, law.connect_limit_s)
            knobs = replace(
                knobs,
                abandon_cap=law.abandon_cap,
                target_abandon_rate=min(knobs.target_abandon_rate, law.target_abandon_rate),
                connect_limit_s=connect_limit_s,
            )
        return cls(
            campaign_id=c.id,
            name=c.name,
            dial_string=c.dial_string or trunk,
            caller_id=c.caller_id,
            amd=c.amd_enabled,
            record=definition.recording if definition is not None else ("all" if c.record_calls else "none"),
            ring_timeout_s=c.ring_timeout_s,
            connect_limit_s=connect_limit_s,
            wrapup_s=c.wrapup_s,
            abandon_message=c.abandon_message,
            knobs=knobs,
            rules=rules,
        )

    def compliance_problems(self) -> list[str]:
        """What the campaign's jurisdiction profile forbids in its settings (empty: may dial)."""
        law = self.rules.compliance if self.rules is not None else None
        if law is None:
            return []
        settings = DialSettings.from_knobs(
            self.knobs,
            ring_timeout_s=self.ring_timeout_s,
            caller_id=self.caller_id,
            abandon_message=self.abandon_message,
            amd_enabled=self.amd,
        )
        return [str(p) for p in validate_campaign(law, settings)]


# What an operator desk does when a call ends and wrap-up starts: the web app's operator screen
# (a later issue) calls DialerService.dispose(); simulated operators use a policy like this.
WrapUpPolicy = Callable[[LiveOperator, int], Awaitable[tuple[str, str | None] | None]]


@dataclass(frozen=True)
class DecisionLog:
    at: float
    campaign_id: int
    ready: int
    pending: int  # calls ringing plus people waiting, before this decision
    decision: PacingDecision


@dataclass
class CampaignRun:
    config: CampaignConfig
    floor: CallFloor = field(default_factory=CallFloor)
    contacts_available: int = 0
    last_decision: PacingDecision | None = None
    stopping: bool = False
    relogin: list[str] = field(default_factory=list)  # operators to log in again when Asterisk is back
    # What the predictive engine learns live (pure objects; the service only feeds them).
    learner: PacingLearner = field(default_factory=PacingLearner)
    ledger: AbandonLedger = field(default_factory=lambda: AbandonLedger(started_at=time.time()))
    learned: LearnedStats | None = None
    learned_at: float = 0.0
    dialled: int = 0
    answered: int = 0
    abandoned: int = 0
    failed_originations: int = 0  # Asterisk refused the call (channel limit, bad trunk): not abandons
    # per Asterisk server: one refusing calls (channel limit, its trunk down) must not stop the others
    originate_backoff_s: dict[str, float] = field(default_factory=dict)
    originate_paused_until: dict[str, float] = field(default_factory=dict)

    def stats(self, now: float) -> CampaignStats:
        """Refresh the learned distributions every few seconds: they move slowly and cost a little."""
        if self.learned is None or now - self.learned_at > LEARNED_REFRESH_S:
            talking = [now - o.since for o in self.floor.operators.values() if o.state is OperatorState.ON_CALL]
            self.learned = self.learner.learned(datetime.now(UTC).hour, now=now, talking_s=talking)
            self.learned_at = now
        return CampaignStats(
            dialled=self.dialled,
            answered=self.answered,
            abandoned=self.abandoned,
            windows=self.ledger.windows(time.time()),
            learned=self.learned,
        )


@dataclass
class AsteriskLink:
    """One Asterisk server the service drives: its own ARI and AMI connections (each reconnects with its
    own backoff, so one server going down leaves the others dialling) and the lines it may carry."""

    name: str
    ari: AriClient
    ami: AmiClient
    max_lines: int | None
    spool_dir: Path

    @property
    def up(self) -> bool:
        return self.ari.connected


class DialerService:
    def __init__(
        self,
        settings: Settings,
        repo: Repository,
        *,
        node: str | None = None,
        wrapup_policy: WrapUpPolicy | None = None,
        tick_s: float = 0.25,
    ) -> None:
        settings.require_secrets()
        assert settings.ari_password is not None and settings.ami_password is not None
        self.settings = settings
        self.repo = repo
        self.db = DbWorker(repo)
        self.node = node or f"{socket.gethostname()}-{os.getpid()}"
        self.wrapup_policy = wrapup_policy
        self.tick_s = tick_s
        self.links: dict[str, AsteriskLink] = {}
        for server in settings.servers():
            link = self._link(server)
            self.links[server.name] = link
        self.default_server = settings.asterisk_name
        # the default server's clients (the single-server case, metrics and tests read these)
        self.ari = self.links[self.default_server].ari
        self.ami = self.links[self.default_server].ami
        self._homes: dict[str, str] = {}  # operator login -> the server their session runs on
        self.runs: dict[int, CampaignRun] = {}
        self._pacing: dict[int, asyncio.Task[None]] = {}
        self.leases = CampaignLeases(repo.engine)
        # Campaigns another process paces: we try their lease every few seconds and take over when its
        # holder dies; operators asked to log in to them meanwhile are logged in then.
        self.standby_poll_s = 2.0
        self._standby: dict[int, asyncio.Task[None]] = {}
        self._standby_logins: dict[int, list[str]] = {}
        self._starting: dict[int, asyncio.Lock] = {}
        self.recording_store: RecordingStore = LocalRecordingStore(settings.recordings_dir)
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._abandon_playbacks: dict[str, str] = {}  # playback id -> customer channel id
        self._captures: dict[int, CallCapture] = {}  # attempt id -> recording legs being written
        self._leg_owner: dict[str, int] = {}  # recording name -> attempt id
        self._snoop_waiters: dict[str, asyncio.Future[None]] = {}  # snoop channel id -> its StasisStart
        self.decisions: list[DecisionLog] = []  # recent pacing decisions with their inputs (bounded)

    def _link(self, server: AsteriskServer) -> AsteriskLink:
        ari = AriClient(
            server.ari_url,
            server.ari_user,
            server.ari_password.get_secret_value(),
            self.settings.ari_app,
            self._on_event,
        )
        ari.on_connection_change = partial(self._on_asterisk_connection, server=server.name)
        ami = AmiClient(server.ami_host, server.ami_port, server.ami_user, server.ami_password.get_secret_value())
        return AsteriskLink(server.name, ari, ami, server.max_lines, server.recording_spool_dir)

    def _ari(self, server: str) -> AriClient:
        """The ARI client of the server a channel or bridge lives on."""
        return self.links[server].ari

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect to every Asterisk server. One that is down does not stop the others: its clients keep
        trying in the background and its operators log in when it is up. All down: the error is raised."""
        results = await asyncio.gather(
            *(self._start_link(link) for link in self.links.values()), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        if len(errors) == len(results):
            raise errors[0]
        for link, result in zip(self.links.values(), results, strict=True):
            if isinstance(result, BaseException):
                log.error("Asterisk %s is not reachable, dialling on the others: %s", link.name, result)
        await self.reconcile()

    async def _start_link(self, link: AsteriskLink) -> None:
        try:
            await link.ami.connect()
        except AmiError:
            if len(self.links) == 1:
                raise
            self._spawn(self._connect_ami_later(link), f"ami-{link.name}")
        await link.ari.start()

    async def _connect_ami_later(self, link: AsteriskLink) -> None:
        backoff = 1.0
        while True:
            await asyncio.sleep(backoff)
            try:
                await link.ami.connect()
                return
            except AmiError:
                backoff = min(backoff * 2, 30.0)

    async def reconcile(self) -> None:
        """After a crash of ours: end what an earlier process of this Stasis application left in Asterisk,
        then give every attempt it left open its one final outcome (`system_failure`), so none stays in
        progress and its contact is never dialled twice at once. Calls are ended, not adopted: their
        operator sessions died with that process. Other dialer processes sharing this Asterisk (other
        application names) and this database (campaigns whose lease they hold) are left alone."""
        for link in self.links.values():
            if not link.up:
                continue
            channel_ids, bridge_ids = await link.ari.app_inventory()
            for channel_id in channel_ids:
                log.warning("ending channel %s on %s left by an earlier dialer process", channel_id, link.name)
                with contextlib.suppress(TelephonyError):
                    await link.ari.hangup(channel_id)
            for bridge_id in bridge_ids:
                with contextlib.suppress(TelephonyError):
                    await link.ari.destroy_bridge(bridge_id)
        at = utcnow()
        for campaign_id in await self.db.call(self.repo.campaigns_with_open_work):
            if not await self.db.call(self.leases.try_acquire, campaign_id):
                continue  # a live dialer process paces it: its attempts are in progress for real
            failed = await self.db.call(self.repo.fail_unfinished_attempts, campaign_id, at)
            if failed:
                log.warning("%d attempts left open by an earlier dialer process marked system_failure", failed)
            await self.db.call(self.repo.end_open_operator_sessions, at, "dialer restarted", campaign_id)
            if campaign_id not in self._pacing:
                await self.db.call(self.leases.release, campaign_id)

    async def close(self) -> None:
        for watcher in self._standby.values():
            watcher.cancel()
        for campaign_id in list(self._pacing):
            await self.stop_campaign(campaign_id)
        for handle in self._timers.values():
            handle.cancel()
        for task in list(self._tasks):
            task.cancel()
        for link in self.links.values():
            await link.ari.close()
            await link.ami.close()
        await self.db.call(self.leases.close)
        self.db.close()

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("task %s failed", name)

        task = asyncio.create_task(guarded(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _later(self, key: str, delay: float, fn: Callable[[], Awaitable[Any]]) -> None:
        self._cancel_timer(key)

        def fire() -> None:
            self._timers.pop(key, None)
            self._spawn(fn(), key)

        self._timers[key] = asyncio.get_running_loop().call_later(max(0.0, delay), fire)

    def _cancel_timer(self, key: str) -> None:
        handle = self._timers.pop(key, None)
        if handle is not None:
            handle.cancel()

    async def _on_asterisk_connection(self, up: bool, server: str | None = None) -> None:
        """An Asterisk server went away (crash, restart, network): every call in flight on it is lost.

        Each such attempt gets `system_failure` (not abandoned: the customer did nothing wrong), the
        sessions of the operators homed there end, and no call is placed there (placement skips a server
        that is down; pacing stops when every server is). When ARI is back the same operators are
        logged in again and dialling there resumes by itself. Other servers are not touched.
        """
        server = server or self.default_server
        if not up:
            at = utcnow()
            log.error("lost the connection to Asterisk %s: failing its calls in flight", server)
            lost_attempts: set[int] = set()
            for run in self.runs.values():
                for call in [c for c in run.floor.calls.values() if c.server == server]:
                    run.floor.calls.pop(call.channel_id, None)
                    lost_attempts.add(call.attempt_id)
                    self._cancel_timer(f"abandon-{call.channel_id}")
                    self.db.submit(
                        self.repo.finish_attempt,
                        call.attempt_id,
                        AttemptOutcome.SYSTEM_FAILURE,
                        at,
                        run.config.rules,
                        hangup_cause_txt="lost the connection to Asterisk",
                    )
                for op in [o for o in run.floor.operators.values() if o.server == server]:
                    run.floor.operators.pop(op.channel_id, None)
                    self._cancel_timer(f"wrapup-{op.channel_id}")
                    self.db.submit(self.repo.end_operator_session, op.session_id, at, "lost the connection to Asterisk")
                    if op.login not in run.relogin:
                        run.relogin.append(op.login)
            for attempt_id in lost_attempts:
                self._captures.pop(attempt_id, None)
            for name in [n for n, a in self._leg_owner.items() if a in lost_attempts]:
                del self._leg_owner[name]
            return
        for campaign_id, run in self.runs.items():
            logins = [x for x in run.relogin if self._homes.get(x, self.default_server) == server]
            run.relogin = [x for x in run.relogin if x not in logins]
            for login in logins:
                try:
                    await self.login(campaign_id, login)
                except (TelephonyError, KeyError) as exc:
                    log.error("could not log %s in again: %s", login, exc)
                    if login not in run.relogin:
                        run.relogin.append(login)

    async def start_campaign(self, campaign_id: int) -> CampaignRun | None:
        """Dial the campaign (idempotent): open it if needed and keep its pacing loop running.

        None when another dialer process paces it (it holds the campaign's lease in PostgreSQL)."""
        # one start at a time per campaign (the scheduler and a standby watcher may both try)
        async with self._starting.setdefault(campaign_id, asyncio.Lock()):
            return await self._start_campaign(campaign_id)

    async def _start_campaign(self, campaign_id: int) -> CampaignRun | None:
        run = self.runs.get(campaign_id)
        task = self._pacing.get(campaign_id)
        if run is not None and task is not None and not task.done():
            return run
        if not await self.db.call(self.leases.try_acquire, campaign_id):
            watcher = self._standby.get(campaign_id)
            if watcher is None or watcher.done():
                log.info("campaign %s is paced by another dialer process: standing by", campaign_id)
                self._standby[campaign_id] = asyncio.create_task(
                    self._stand_by(campaign_id), name=f"standby-{campaign_id}"
                )
            return None
        await self._take_over(campaign_id)
        if run is None:
            run = await self.open_campaign(campaign_id)
        problems = run.config.compliance_problems()
        law = run.config.rules.compliance if run.config.rules is not None else None
        if law is not None and law.national_register_screening:  # TPS & co: loaded, and fresh enough
            from dialer.compliance.registers import register_problems
            from dialer.compliance.store import register_states

            states = await self.db.call(register_states, self.repo.sessions)
            problems = problems + [str(p) for p in register_problems(law, states, utcnow())]
        if problems:
            await self.db.call(self.leases.release, campaign_id)
            raise CampaignNotCompliant(run.config.name, problems)
        run.stopping = False
        self._pacing[campaign_id] = asyncio.create_task(
            self.run_campaign(campaign_id, until_done=False), name=f"pacing-{campaign_id}"
        )
        for login in self._standby_logins.pop(campaign_id, []):
            self._spawn(self._login_after_takeover(campaign_id, login), f"takeover-login-{login}")
        return run

    async def _login_after_takeover(self, campaign_id: int, login: str, tries: int = 5) -> None:
        """The operators who were asked to log in here while another process paced the campaign."""
        for attempt in range(tries):
            try:
                await self.login(campaign_id, login)
                return
            except KeyError as exc:
                log.error("could not log %s in after taking campaign %s over: %s", login, campaign_id, exc)
                return
            except TelephonyError as exc:  # a server down is queued in run.relogin; a refusal is tried again
                log.error("could not log %s in after taking campaign %s over: %s", login, campaign_id, exc)
                if login in self.runs[campaign_id].relogin or attempt == tries - 1:
                    return
                await asyncio.sleep(2.0 * (attempt + 1))

    async def _stand_by(self, campaign_id: int) -> None:
        """Another process paces the campaign: take it over as soon as its lease is free (its holder died)."""
        while campaign_id not in self.dialling():
            await asyncio.sleep(self.standby_poll_s)
            row = await self.db.call(self.repo.campaign, campaign_id)
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
        found = await self.db.call(left_open, self.repo, campaign_id)
        ours_calls = {c.attempt_id for r in self.runs.values() for c in r.floor.calls.values()}
        ours_sessions = {o.session_id for r in self.runs.values() for o in r.floor.operators.values()}
        attempts = [(a, ch) for a, ch in found.attempts if a not in ours_calls]
        sessions = [x for x in found.sessions if x[0] not in ours_sessions]
        if not attempts and not sessions:
            return
        channels = [ch for _, ch in attempts] + [ch for _, ch, _ in sessions if ch]
        bridges = [b for _, _, b in sessions if b]
        for link in [x for x in self.links.values() if x.up]:  # bounded: a wedged channel must not stop us
            for channel_id in channels:
                with contextlib.suppress(TelephonyError, TimeoutError):
                    await asyncio.wait_for(link.ari.hangup(channel_id), 5.0)
            for bridge_id in bridges:
                with contextlib.suppress(TelephonyError, TimeoutError):
                    await asyncio.wait_for(link.ari.destroy_bridge(bridge_id), 5.0)
        at = utcnow()
        for attempt_id, _ in attempts:
            await self.db.call(
                self.repo.finish_attempt,
                attempt_id,
                AttemptOutcome.SYSTEM_FAILURE,
                at,
                hangup_cause_txt="its dialer process went away",
            )
        for session_id, _, _ in sessions:
            await self.db.call(self.repo.end_operator_session, session_id, at, "its dialer process went away")
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
        run = self.runs.get(campaign_id)
        if run is not None:
            run.stopping = True
            if run.floor.calls or run.floor.operators:
                # Keep the lease while our calls and operators are live (a drain, a pause): a process
                # standing by would otherwise take over and end them. Released at close().
                return
        await self.db.call(self.leases.release, campaign_id)

    async def still_leading(self, campaign_id: int) -> bool:
        """Do we still hold the campaign's lease? (Not after our database session died.)"""
        return await self.db.call(self.leases.still_held, campaign_id)

    def dialling(self) -> set[int]:
        """Campaigns whose pacing loop is running."""
        return {cid for cid, task in self._pacing.items() if not task.done()}

    async def open_campaign(self, campaign_id: int) -> CampaignRun:
        row = await self.db.call(self.repo.campaign, campaign_id)
        run = CampaignRun(CampaignConfig.from_row(row, self.settings.trunk))
        # the compliance windows (today, rolling 30 days) start from what the database already holds
        for day, answered, abandoned in await self.db.call(self.repo.abandon_history, campaign_id, 30, utcnow()):
            run.ledger.add_history(day, answered, abandoned)
        self.runs[campaign_id] = run
        await self.db.call(self.repo.set_campaign_status, campaign_id, "running")
        return run

    # -- operators ---------------------------------------------------------------------------------
    async def login(self, campaign_id: int, login: str) -> LiveOperator:
        """Call the operator's softphone once and keep it in their own holding bridge (nailed up).

        For a campaign another process paces (we stand by) the log-in is kept and done when we take the
        campaign over; TelephonyError says so meanwhile."""
        watcher = self._standby.get(campaign_id)
        if campaign_id not in self.runs and watcher is not None and not watcher.done():
            queued = self._standby_logins.setdefault(campaign_id, [])
            if login not in queued:
                queued.append(login)
            raise TelephonyError(
                f"campaign {campaign_id} is paced by another dialer process: {login} logs in here if it takes over"
            )
        run = self.runs[campaign_id]
        operator = await self.db.call(self.repo.operator, login)
        if operator is None:
            raise KeyError(f"no operator {login!r}")
        server = operator.asterisk_server or self.default_server
        if server not in self.links:
            raise KeyError(f"operator {login!r} is homed on Asterisk {server!r}, which is not configured")
        self._homes[login] = server
        ari = self._ari(server)
        if not ari.connected:  # logged in when their server is back (see _on_asterisk_connection)
            if login not in run.relogin:
                run.relogin.append(login)
            raise TelephonyError(f"Asterisk {server} is down: {login} will be logged in when it is back")
        channel_id = f"agent-{operator.id}-{int(time.time() * 1000)}"
        session_id = await self.db.call(self.repo.start_operator_session, operator.id, campaign_id, channel_id)
        bridge_id = f"opbridge-{session_id}-{uuid.uuid4().hex[:12]}"
        op = LiveOperator(operator.id, login, operator.sip_endpoint, session_id, channel_id, bridge_id, server=server)
        run.floor.operators[channel_id] = op
        try:
            await ari.create_bridge(bridge_id, f"operator {login}")
            self.db.submit(self.repo.update_operator_session, session_id, bridge_id=bridge_id)
            await ari.originate(operator.sip_endpoint, channel_id=channel_id, app_args=f"agent,{login}", timeout_s=15)
        except TelephonyError:  # no session left open for a log-in that did not happen
            run.floor.operators.pop(channel_id, None)
            self.db.submit(self.repo.end_operator_session, session_id, utcnow(), "log-in failed")
            raise
        return op

    async def wait_logged_in(self, campaign_id: int, logins: list[str], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ops = [self.runs[campaign_id].floor.operator_by_login(x) for x in logins]
            if all(o is not None and o.state is not None for o in ops):
                return
            await asyncio.sleep(0.05)
        raise TelephonyError(f"operators did not answer their softphones: {logins}")

    async def logout(self, campaign_id: int, login: str) -> None:
        op = self.runs[campaign_id].floor.operator_by_login(login)
        if op is not None:
            with contextlib.suppress(TelephonyError):
                await self._ari(op.server).hangup(op.channel_id)

    async def set_ready(self, campaign_id: int, login: str) -> None:
        run = self.runs[campaign_id]
        op = run.floor.operator_by_login(login)
        if op is None or op.state is OperatorState.ON_CALL:
            return
        self._cancel_timer(f"wrapup-{op.channel_id}")
        self._operator_state(run, op, OperatorState.READY, "ready")
        await self._serve_waiting(run, op.server)

    async def record_now(self, campaign_id: int, login: str) -> None:
        """On-demand recording: both sides of the operator's current call, from now on."""
        run = self.runs[campaign_id]
        op = run.floor.operator_by_login(login)
        call = next((c for c in run.floor.calls.values() if c.operator is op and op is not None), None)
        if call is None or call.stage is not CallStage.BRIDGED:
            raise ValueError(f"operator {login} is not on a call")
        if call.attempt_id in self._captures:
            return  # already recording
        assert op is not None
        await self._start_leg(run, call, "customer", call.channel_id, utcnow())
        capture = self._captures[call.attempt_id]
        capture.bridged = True
        call.answered = time.monotonic()  # the legs' common start: now
        await self._start_leg(run, call, "operator", op.channel_id, None)

    async def pause(self, campaign_id: int, login: str, reason: str) -> None:
        run = self.runs[campaign_id]
        op = run.floor.operator_by_login(login)
        if op is not None and op.state is OperatorState.READY:
            self._operator_state(run, op, OperatorState.PAUSED, reason)

    async def dispose(
        self, campaign_id: int, login: str, code: str, notes: str | None = None, next_action_at: datetime | None = None
    ) -> None:
        """The operator's outcome for the call they are wrapping up; ends wrap-up."""
        run = self.runs[campaign_id]
        op = run.floor.operator_by_login(login)
        if op is None or op.attempt_id is None:
            raise ValueError(f"operator {login} has no call to dispose")
        await self.db.call(self.repo.record_disposition, op.attempt_id, code, notes, next_action_at, run.config.rules)
        if op.state is OperatorState.WRAP_UP:
            await self.set_ready(campaign_id, login)

    def _operator_state(self, run: CampaignRun, op: LiveOperator, state: OperatorState, reason: str) -> None:
        now = time.monotonic()
        if op.state is OperatorState.WRAP_UP and state is not OperatorState.WRAP_UP:
            run.learner.observe_wrap_up(now - op.since)
        run.floor.set_operator_state(op, state, now)
        self.db.submit(self.repo.operator_state, op.session_id, state.value, utcnow(), reason)

    # -- pacing ------------------------------------------------------------------------------------
    async def pace_once(self, run: CampaignRun) -> PacingDecision:
        now = time.monotonic()
        run.contacts_available = await self.db.call(self.repo.count_dialable, run.config.campaign_id, utcnow())
        if run.stopping or not any(link.up for link in self.links.values()):
            return PacingDecision(0, "stopping" if run.stopping else "ARI down")
        backing_off = {name: until - now for name, until in run.originate_paused_until.items() if until > now}
        if all(name in backing_off or not link.up for name, link in self.links.items()):
            left = min(backing_off.values())
            return PacingDecision(0, f"Asterisk refused originations: backing off {left:.1f} s")
        snapshot = replace(run.floor.snapshot(now, run.config.knobs, run.contacts_available), stats=run.stats(now))
        decision = decide(snapshot)
        run.last_decision = decision
        if decision.calls_to_place:
            ready = snapshot.operators_in(OperatorState.READY)
            pending = len(snapshot.calls_in_flight) + snapshot.answered_waiting
            self.decisions.append(DecisionLog(now, run.config.campaign_id, ready, pending, decision))
            del self.decisions[:-1000]
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
            plan = place_calls(decision.calls_to_place, self._server_loads(run, now))
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

    async def _lease_and_originate(self, run: CampaignRun, placed: int, plan: dict[str, int]) -> None:
        ready_ids = frozenset(o.operator_id for o in run.floor.operators.values() if o.state is OperatorState.READY)
        tasks = await self.db.call(
            self.repo.lease_contacts,
            run.config.campaign_id,
            placed,
            self.node,
            utcnow(),
            rules=run.config.rules,
            ready_operator_ids=ready_ids,
        )
        homes = {o.operator_id: o.server for o in run.floor.operators.values()}
        preferred = [homes.get(t.preferred_operator_id) if t.preferred_operator_id else None for t in tasks]
        # concurrently: one originate that Asterisk is slow to answer must not hold up the others
        await asyncio.gather(
            *(
                self._originate(run, task, server)
                for task, server in zip(tasks, assign_servers(plan, preferred), strict=True)
            )
        )

    def _server_loads(self, run: CampaignRun, now: float) -> list[ServerLoad]:
        """What placement needs to know of each server for this campaign (lines count every campaign's calls);
        a server that refused this campaign's last origination is closed to it until its back-off ends."""
        return [
            ServerLoad(
                name=name,
                up=link.up and run.originate_paused_until.get(name, 0.0) <= now,
                ready_operators=run.floor.ready_on(name),
                campaign_calls=run.floor.unconnected_calls_on(name),
                lines_in_use=sum(r.floor.lines_on(name) for r in self.runs.values()),
                line_capacity=link.max_lines,
                busy_operators=run.floor.busy_on(name),
            )
            for name, link in self.links.items()
        ]

    async def run_campaign(
        self, campaign_id: int, until_done: bool = True, on_tick: Callable[[CampaignRun], None] | None = None
    ) -> None:
        """Pace the campaign until its list is exhausted and every call has ended (or forever)."""
        run = self.runs[campaign_id]
        while True:
            await self.pace_once(run)
            if on_tick is not None:
                on_tick(run)
            if not run.floor.calls and (run.stopping or (until_done and run.contacts_available == 0)):
                break
            await asyncio.sleep(self.tick_s)
        await self.db.flush()

    async def _originate(self, run: CampaignRun, task: DialTask, server: str | None = None) -> None:
        server = server or self.default_server
        ari = self._ari(server)
        call = LiveCall(task.attempt_id, task.contact_id, task.channel_id, task.phone, time.monotonic(), server=server)
        call.preferred_operator_id = task.preferred_operator_id
        run.floor.calls[task.channel_id] = call
        run.dialled += 1
        endpoint = run.config.dial_string.format(number=task.phone.lstrip("+"))
        try:
            await ari.originate(
                endpoint,
                channel_id=task.channel_id,
                other_channel_id=f"{task.channel_id}-2" if endpoint.startswith("Local/") else None,
                app_args="customer",
                timeout_s=run.config.ring_timeout_s,
                caller_id=run.config.caller_id,
            )
            run.originate_backoff_s[server] = 0.0
        except TelephonyError as exc:
            run.floor.calls.pop(task.channel_id, None)
            outcome = AttemptOutcome.FAILED if ari.connected else AttemptOutcome.SYSTEM_FAILURE
            if outcome is AttemptOutcome.FAILED:
                # channel limit, trunk down, bad dial string: slow down instead of hammering Asterisk
                run.failed_originations += 1
                backoff = min(max(1.0, run.originate_backoff_s.get(server, 0.0) * 2), 30.0)
                run.originate_backoff_s[server] = backoff
                run.originate_paused_until[server] = time.monotonic() + backoff
            log.warning(
                "originate %s on %s failed (%s); no originations there for %.0f s",
                task.phone,
                server,
                exc,
                run.originate_backoff_s.get(server, 0.0),
            )
            self.db.submit(
                self.repo.finish_attempt,
                task.attempt_id,
                outcome,
                utcnow(),
                run.config.rules,
                hangup_cause_txt=str(exc)[:100],
            )

    # -- events ------------------------------------------------------------------------------------
    def _find(self, channel_id: str) -> tuple[CampaignRun, LiveCall | None, LiveOperator | None] | None:
        for run in self.runs.values():
            if channel_id in run.floor.calls:
                return run, run.floor.calls[channel_id], None
            if channel_id in run.floor.operators:
                return run, None, run.floor.operators[channel_id]
        return None

    async def _on_event(self, event: Event) -> None:
        kind = event.get("type")
        if kind == "PlaybackFinished":
            channel_id = self._abandon_playbacks.pop(event.get("playback", {}).get("id", ""), None)
            if channel_id is not None:
                found = self._find(channel_id)
                server = self.default_server
                if found is not None and found[1] is not None:
                    found[1].abandon_message_played = True
                    server = found[1].server
                with contextlib.suppress(TelephonyError):
                    await self._ari(server).hangup(channel_id)
            return
        if kind in ("RecordingFinished", "RecordingFailed"):
            await self._on_recording_done(event)
            return
        channel = event.get("channel")
        if not isinstance(channel, dict):
            return
        if kind == "StasisStart":
            waiter = self._snoop_waiters.get(str(channel.get("id")))
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
                return
        found = self._find(str(channel.get("id")))
        if found is None:
            return
        run, call, op = found
        if call is not None:
            await self._on_customer_event(run, call, kind, event)
        elif op is not None:
            await self._on_operator_event(run, op, kind, event)

    async def _on_operator_event(self, run: CampaignRun, op: LiveOperator, kind: Any, event: Event) -> None:
        if kind == "StasisStart":
            await self._ari(op.server).add_to_bridge(op.bridge_id, op.channel_id)
            self._operator_state(run, op, OperatorState.READY, "logged in")
            await self._serve_waiting(run, op.server)
        elif kind == "ChannelDestroyed":
            run.floor.operators.pop(op.channel_id, None)
            self._cancel_timer(f"wrapup-{op.channel_id}")
            reason = "logged out" if op.state is not None else f"softphone did not answer ({event.get('cause_txt')})"
            self.db.submit(self.repo.end_operator_session, op.session_id, event_time(event), reason)
            with contextlib.suppress(TelephonyError):
                await self._ari(op.server).destroy_bridge(op.bridge_id)
            if op.state is OperatorState.ON_CALL and op.attempt_id is not None:
                for call in run.floor.calls.values():
                    if call.operator is op:
                        with contextlib.suppress(TelephonyError):
                            await self._ari(call.server).hangup(call.channel_id)

    async def _on_customer_event(self, run: CampaignRun, call: LiveCall, kind: Any, event: Event) -> None:
        at = event_time(event)
        log.debug("customer %s %s %s", call.channel_id, kind, event["channel"].get("state"))
        if kind == "ChannelStateChange" and event["channel"].get("state") == "Ringing":
            if call.stage is CallStage.DIALING:
                call.stage = CallStage.RINGING
                self.db.submit(self.repo.update_attempt, call.attempt_id, ringing_at=at)
        elif kind == "StasisStart":
            args = event.get("args") or []
            if args and args[0] == "customer":
                call.answered = time.monotonic()
                self.db.submit(self.repo.update_attempt, call.attempt_id, answered_at=at)
                if run.config.record == "all":
                    await self._start_leg(run, call, "customer", call.channel_id, at)
                if run.config.amd:
                    call.stage = CallStage.ANSWERED
                    try:
                        await self._ari(call.server).continue_in_dialplan(call.channel_id, "dialer-amd")
                    except TelephonyError:
                        log.warning("AMD could not start for %s; connecting as a person", call.phone)
                        await self._person_answered(run, call)
                else:
                    await self._person_answered(run, call)
            elif args and args[0] == "amd":
                status = args[1] if len(args) > 1 else "NOTSURE"
                cause = args[2] if len(args) > 2 else None
                self.db.submit(self.repo.update_attempt, call.attempt_id, amd_status=status, amd_cause=cause)
                if status in AMD_PERSON:
                    await self._person_answered(run, call)
                else:
                    call.stage = CallStage.MACHINE
                    self._learn_dial(run, call, DialOutcome.MACHINE)
                    if run.config.knobs.machines_count_as_abandons:  # the regulator counts it as abandoned
                        run.ledger.record(time.time(), abandoned=True)
                    with contextlib.suppress(TelephonyError):
                        await self._ari(call.server).hangup(call.channel_id)
        elif kind == "ChannelDestroyed":
            await self._customer_gone(run, call, event)

    async def _person_answered(self, run: CampaignRun, call: LiveCall) -> None:
        call.person_at = time.monotonic()
        self._learn_dial(run, call, DialOutcome.HUMAN)
        op = run.floor.free_operator(prefer=call.preferred_operator_id, server=call.server)
        if op is not None:
            await self._bridge(run, call, op)
            return
        call.stage = CallStage.WAITING
        self._later(f"abandon-{call.channel_id}", run.config.connect_limit_s, lambda: self._abandon(run, call))

    def _learn_dial(self, run: CampaignRun, call: LiveCall, outcome: DialOutcome) -> None:
        """Tell the learner how this placed call resolved, once (ring time up to the answer)."""
        if call.learned:
            return
        call.learned = True
        resolved = call.answered if call.answered is not None else time.monotonic()
        run.learner.observe_dial(outcome, resolved - call.originated, datetime.now(UTC).hour)
        if outcome is DialOutcome.HUMAN:
            run.answered += 1

    async def _serve_waiting(self, run: CampaignRun, server: str) -> None:
        """An operator on `server` just became free: give them the person there who has waited longest."""
        for call in run.floor.waiting_calls(server):
            op = run.floor.free_operator(server=server)
            if op is None:
                return
            self._cancel_timer(f"abandon-{call.channel_id}")
            await self._bridge(run, call, op)

    async def _bridge(self, run: CampaignRun, call: LiveCall, op: LiveOperator) -> None:
        call.stage = CallStage.BRIDGED
        call.operator = op
        op.attempt_id = call.attempt_id
        self._operator_state(run, op, OperatorState.ON_CALL, f"attempt {call.attempt_id}")
        try:
            await self._ari(call.server).add_to_bridge(op.bridge_id, call.channel_id)
        except TelephonyError as exc:  # the customer hung up in that instant
            log.info("bridge of %s failed: %s", call.phone, exc)
            call.stage, call.operator, op.attempt_id = CallStage.WAITING, None, None
            self._operator_state(run, op, OperatorState.READY, "bridge failed")
            return
        run.ledger.record(time.time(), abandoned=False)
        self.db.submit(
            self.repo.update_attempt,
            call.attempt_id,
            bridged_at=utcnow(),
            operator_id=op.operator_id,
            operator_session_id=op.session_id,
        )
        capture = self._captures.get(call.attempt_id)
        if capture is not None:
            capture.bridged = True
            await self._start_leg(run, call, "operator", op.channel_id, None)

    async def _start_leg(
        self, run: CampaignRun, call: LiveCall, role: str, channel_id: str, answered_at: datetime | None
    ) -> None:
        """Record one side of the call (what that channel says) through a snoop channel.

        The snoop must be in Stasis before it can be recorded, and its StasisStart cannot be handled
        while an event handler waits, so the leg starts in a task of its own.
        """
        if answered_at is not None:
            self._captures[call.attempt_id] = CallCapture(
                call.attempt_id, run.config.name, answered_at, server=call.server
            )
        capture = self._captures.get(call.attempt_id)
        if capture is None:
            return
        name = f"{call.channel_id}-{role}"
        capture.legs[role] = name
        self._leg_owner[name] = call.attempt_id
        snoop_id = f"{call.channel_id}-snoop-{role}"
        started = asyncio.get_running_loop().create_future()
        self._snoop_waiters[snoop_id] = started

        async def start() -> None:
            try:
                await self._ari(call.server).snoop(channel_id, snoop_id)
                await asyncio.wait_for(started, timeout=3)
                await self._ari(call.server).record(snoop_id, name)
                capture.leg_started(role, time.monotonic() - (call.answered or time.monotonic()))
            except (TelephonyError, TimeoutError) as exc:
                log.error("recording the %s leg of attempt %s failed to start: %s", role, call.attempt_id, exc)
                capture.leg_done(name, ok=False)
                self._capture_progress(capture)
            finally:
                self._snoop_waiters.pop(snoop_id, None)

        self._spawn(start(), f"leg-{name}")

    async def _abandon(self, run: CampaignRun, call: LiveCall) -> None:
        if call.stage is not CallStage.WAITING or call.channel_id not in run.floor.calls:
            return
        call.stage = CallStage.ABANDONING
        playback_id = f"abandon-{call.attempt_id}"
        self._abandon_playbacks[playback_id] = call.channel_id
        try:
            await self._ari(call.server).play(call.channel_id, run.config.abandon_message, playback_id)
        except TelephonyError:
            self._abandon_playbacks.pop(playback_id, None)
            with contextlib.suppress(TelephonyError):
                await self._ari(call.server).hangup(call.channel_id)

    async def _customer_gone(self, run: CampaignRun, call: LiveCall, event: Event) -> None:
        run.floor.calls.pop(call.channel_id, None)
        self._cancel_timer(f"abandon-{call.channel_id}")
        at = event_time(event)
        cause = event.get("cause")
        cause_txt = event.get("cause_txt")
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
            run.ledger.record(time.time(), abandoned=True)
        else:
            outcome = outcome_of_unanswered(cause if isinstance(cause, int) else None, ring_timed_out=False)
            self._learn_dial(run, call, DIAL_OUTCOMES.get(outcome, DialOutcome.FAILED))
        extra: dict[str, Any] = {}
        if outcome is AttemptOutcome.ABANDONED:
            extra["abandon_message_played"] = call.abandon_message_played
        self.db.submit(
            self.repo.finish_attempt,
            call.attempt_id,
            outcome,
            at,
            run.config.rules,
            **extra,
            hangup_cause=cause if isinstance(cause, int) else None,
            hangup_cause_txt=cause_txt,
        )
        capture = self._captures.get(call.attempt_id)
        if capture is not None:
            capture.call_over = True
            if "operator" in capture.legs:  # the operator's channel lives on: end its snoop
                with contextlib.suppress(TelephonyError):
                    await self._ari(call.server).hangup(f"{call.channel_id}-snoop-operator")
            self._capture_progress(capture)
        op = call.operator
        if op is not None and op.channel_id in run.floor.operators:
            ended = time.monotonic()
            run.learner.observe_talk(ended - op.since, ended_at=ended)
            self._operator_state(run, op, OperatorState.WRAP_UP, f"attempt {call.attempt_id} ended")
            self._later(f"wrapup-{op.channel_id}", run.config.wrapup_s, partial(self._wrapup_over, run, op))
            if self.wrapup_policy is not None:
                self._spawn(self._desk_dispose(run, op, call.attempt_id), f"desk-{op.login}")

    async def _desk_dispose(self, run: CampaignRun, op: LiveOperator, attempt_id: int) -> None:
        assert self.wrapup_policy is not None
        result = await self.wrapup_policy(op, attempt_id)
        if result is not None and op.attempt_id == attempt_id and op.state is OperatorState.WRAP_UP:
            code, notes = result
            await self.dispose(run.config.campaign_id, op.login, code, notes)

    async def _wrapup_over(self, run: CampaignRun, op: LiveOperator) -> None:
        """Wrap-up time is a ceiling: the operator goes back to ready when it runs out."""
        if op.state is OperatorState.WRAP_UP and op.channel_id in run.floor.operators:
            if op.attempt_id is not None:  # no disposition came: the conversation closes as completed
                self.db.submit(self.repo.record_disposition, op.attempt_id, None, None, None, run.config.rules)
            self._operator_state(run, op, OperatorState.READY, "wrap-up time over")
            await self._serve_waiting(run, op.server)

    async def _on_recording_done(self, event: Event) -> None:
        rec = event.get("recording") or {}
        name = str(rec.get("name", ""))
        attempt_id = self._leg_owner.pop(name, None)
        capture = self._captures.get(attempt_id) if attempt_id is not None else None
        if capture is None:
            return
        ok = event.get("type") == "RecordingFinished"
        if not ok:
            log.error("recording %s failed: %s", name, rec.get("cause"))
        capture.leg_done(name, ok)
        self._capture_progress(capture)

    def _capture_progress(self, capture: CallCapture) -> None:
        if capture.ready:
            del self._captures[capture.attempt_id]
            self._spawn(self._store_capture(capture), f"recording-{capture.attempt_id}")

    async def _store_capture(self, capture: CallCapture) -> None:
        """Off the call path: one stereo file (operator left, customer right), measured, encoded and stored;
        a call that never reached an operator keeps no recording."""
        link = self.links.get(capture.server or self.default_server)
        spool = link.spool_dir if link is not None else self.settings.recording_spool_dir
        legs = {role: spool / f"{name}.wav" for role, name in capture.legs.items() if role in capture.finished}
        if not capture.bridged or set(legs) != {"operator", "customer"}:
            for path in legs.values():
                path.unlink(missing_ok=True)
            if capture.bridged:
                log.error("attempt %s: a recording leg is missing, nothing stored", capture.attempt_id)
            return
        try:
            processed = await asyncio.to_thread(
                process_call_recording,
                legs["operator"],
                legs["customer"],
                store=self.recording_store,
                campaign=capture.campaign,
                attempt_id=capture.attempt_id,
                started=capture.answered_at,
                fmt=self.settings.recording_format,
                operator_offset_s=capture.operator_offset_s,
            )
        except (OSError, RecordingError) as exc:
            log.error("could not store the recording of attempt %s: %s", capture.attempt_id, exc)
            return
        self.db.submit(self.repo.add_recording, capture.attempt_id, processed)

    async def wait_idle(self, timeout: float = 30) -> None:
        """Until no call is in flight and every recording is stored (end of a run, tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(r.floor.calls for r in self.runs.values()) and not self._tasks and not self._captures:
                await self.db.flush()
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("calls still in flight")
