"""The dialer service: the live side's one entry point, composed of small parts that share a LiveContext.

Each part has one job (operator sessions, pacing, call control, recording capture, leadership, failover);
this class wires them together and is what entrypoints (CLI, web, scheduler, tests) call. It builds none of
its adapters: `dialer.bootstrap` gives it the Asterisk links, the database worker, the leases and the
recording store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from dialer.floor import LiveOperator
from dialer.pacing import PacingDecision
from dialer.recordings.store import RecordingStore
from dialer.service.adoption import Adoption
from dialer.service.calls import CallRouter
from dialer.service.capture import RecordingCapture
from dialer.service.context import LiveContext, ServiceOptions
from dialer.service.decision_log import DecisionJournal
from dialer.service.failover import Failover
from dialer.service.inbound import InboundDesk, InboundRecords
from dialer.service.knobs import KnobChange, change_knobs
from dialer.service.leadership import Leadership
from dialer.service.links import AsteriskLinks
from dialer.service.operators import OperatorDesk, WrapUpPolicy
from dialer.service.pacing_loop import PacingLoop
from dialer.service.ports import (
    CallControl,
    Clock,
    DatabaseWorker,
    DialerRepository,
    Leases,
    OpenWork,
    Recovery,
    SystemClock,
)
from dialer.service.read_model import ReadModel
from dialer.service.run_state import CampaignRun


class DialerService:
    def __init__(
        self,
        *,
        options: ServiceOptions,
        links: AsteriskLinks,
        repo: DialerRepository,
        db: DatabaseWorker,
        leases: Leases,
        open_work: OpenWork,
        recording_store: RecordingStore,
        node: str,
        inbound_records: InboundRecords | None = None,
        clock: Clock | None = None,
        wrapup_policy: WrapUpPolicy | None = None,
        tick_s: float = 0.25,
        recovery: Recovery | None = None,
    ) -> None:
        self.ctx = LiveContext(options, repo, db, links, clock or SystemClock(), node)
        self.leases = leases
        self.recording_store = recording_store
        self.decisions = DecisionJournal()
        self.capture = RecordingCapture(self.ctx, recording_store)
        self.desk = OperatorDesk(self.ctx, wrapup_policy)
        self.calls = CallRouter(self.ctx, self.desk, self.capture)
        self.pacing = PacingLoop(self.ctx, self.decisions, self.calls, tick_s)
        self.leadership = Leadership(self.ctx, leases, open_work, self.pacing, self.desk)
        self.failover = Failover(self.ctx, self.desk, self.capture)
        self.desk.standby = self.leadership
        # with a Recovery port what an earlier process (or a dropped websocket) left is adopted, not ended
        self.adoption: Adoption | None = None
        if recovery is not None:
            self.adoption = Adoption(self.ctx, self.desk, self.calls, self.capture, recovery, self.leadership.run_for)
            self.leadership.adoption = self.adoption
            self.calls.settle_from_records = self.adoption.settle_unfollowed
            self.failover.adoption = self.adoption
        self.desk.serve_waiting = self.calls.serve_waiting
        self.view = ReadModel(self.ctx.runs, links, db, self.ctx.clock.time)
        # calls to the campaigns' numbers (None: this service only dials out)
        self.inbound = InboundDesk(self.ctx, self.calls, self.capture, inbound_records) if inbound_records else None
        if self.inbound is not None:
            self.desk.serve_waiting = self.inbound.serve_waiting
        for name, link in links.items():
            link.ari.on_event = self.inbound.handler(name) if self.inbound is not None else self.calls.on_event
            link.ari.on_connection_change = self._connection_handler(name)

    def _connection_handler(self, server: str) -> Callable[[bool], Awaitable[None]]:
        async def changed(up: bool) -> None:
            await self.failover.on_connection(up, server)

        return changed

    # -- what tests, the CLI and the scheduler read ------------------------------------------------
    @property
    def links(self) -> AsteriskLinks:
        return self.ctx.links

    @property
    def db(self) -> DatabaseWorker:
        return self.ctx.db

    @property
    def repo(self) -> DialerRepository:
        return self.ctx.repo

    @property
    def node(self) -> str:
        return self.ctx.node

    @property
    def runs(self) -> Mapping[int, CampaignRun]:
        """The live runs (the service layer and tests; the web app and /metrics read `view`)."""
        return self.ctx.runs

    @property
    def ari(self) -> CallControl:
        """The default server's call control (the single-server case)."""
        return self.ctx.links.ari(None)

    @property
    def standby_poll_s(self) -> float:
        return self.leadership.standby_poll_s

    @standby_poll_s.setter
    def standby_poll_s(self, value: float) -> None:
        self.leadership.standby_poll_s = value

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect to every Asterisk server (see AsteriskLinks.connect), then reconcile."""
        await self.ctx.links.connect(self.ctx.background)
        await self.reconcile()

    async def reconcile(self) -> None:
        await self.leadership.reconcile()

    async def close(self) -> None:
        await self.leadership.close()
        self.ctx.background.close()
        await self.ctx.links.close()
        await self.ctx.db.call(self.leases.close)
        self.ctx.db.close()

    async def wait_idle(self, timeout: float = 30) -> None:
        """Until no call is in flight and every recording is stored (end of a run, tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.ctx.background.busy or self.capture.busy
            if not any(r.floor.calls for r in self.ctx.runs.values()) and not busy:
                await self.ctx.db.flush()
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("calls still in flight")

    # -- campaigns ---------------------------------------------------------------------------------
    async def open_campaign(self, campaign_id: int) -> CampaignRun:
        return await self.leadership.open_campaign(campaign_id)

    async def start_campaign(self, campaign_id: int) -> CampaignRun | None:
        return await self.leadership.start_campaign(campaign_id)

    async def stop_campaign(self, campaign_id: int) -> None:
        await self.leadership.stop_campaign(campaign_id)

    async def still_leading(self, campaign_id: int) -> bool:
        return await self.leadership.still_leading(campaign_id)

    def dialling(self) -> set[int]:
        return self.leadership.dialling()

    def standing_by(self, campaign_id: int) -> bool:
        return self.leadership.standing_by(campaign_id)

    def change_knobs(self, campaign_id: int, requested: Mapping[str, Any]) -> KnobChange | None:
        """Change a running campaign's pacing knobs (the jurisdiction clamp applies); None: not running here."""
        return change_knobs(self.ctx.runs, campaign_id, requested)

    async def run_campaign(
        self, campaign_id: int, until_done: bool = True, on_tick: Callable[[CampaignRun], None] | None = None
    ) -> None:
        await self.pacing.run_campaign(campaign_id, until_done, on_tick)

    async def pace_once(self, run: CampaignRun) -> PacingDecision:
        return await self.pacing.pace_once(run)

    # -- operators ---------------------------------------------------------------------------------
    async def login(self, campaign_id: int, login: str) -> LiveOperator:
        return await self.desk.login(campaign_id, login)

    async def wait_logged_in(self, campaign_id: int, logins: list[str], timeout: float = 20) -> None:
        await self.desk.wait_logged_in(campaign_id, logins, timeout)

    async def logout(self, campaign_id: int, login: str) -> None:
        await self.desk.logout(campaign_id, login)

    async def logout_everyone(self) -> None:
        await self.desk.logout_everyone()

    async def set_ready(self, campaign_id: int, login: str) -> None:
        await self.desk.set_ready(campaign_id, login)

    async def pause(self, campaign_id: int, login: str, reason: str) -> None:
        await self.desk.pause(campaign_id, login, reason)

    async def dispose(
        self, campaign_id: int, login: str, code: str, notes: str | None = None, next_action_at: datetime | None = None
    ) -> None:
        await self.desk.dispose(campaign_id, login, code, notes, next_action_at)

    async def end_as_machine(self, campaign_id: int, login: str, keep: bool = False) -> None:
        """The operator's one key on an answering machine: end the call as one (`keep`: it is a person, the
        call goes on and the detection's timeout is off)."""
        run = self.ctx.run(campaign_id)
        op = run.floor.operator_by_login(login)
        call = next((c for c in run.floor.calls.values() if op is not None and c.operator is op), None)
        if call is None:
            raise ValueError(f"operator {login} is not on a call")
        if keep:
            self.calls.keep_as_person(call)
        else:
            await self.calls.end_as_machine(run, call)

    async def record_now(self, campaign_id: int, login: str) -> None:
        """On-demand recording: both sides of the operator's current call, from now on."""
        run = self.ctx.run(campaign_id)
        op = run.floor.operator_by_login(login)
        call = next((c for c in run.floor.calls.values() if op is not None and c.operator is op), None)
        if op is None or call is None:
            raise ValueError(f"operator {login} is not on a call")
        try:
            await self.capture.record_now(run, call, op.channel_id)
        except ValueError:
            raise ValueError(f"operator {login} is not on a call") from None
