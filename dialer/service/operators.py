"""Operator sessions: log-in (a nailed-up softphone call in the operator's own bridge), Ready/Pause,
wrap-up and dispositions, log-out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from dialer.floor import LiveOperator
from dialer.pacing import OperatorState
from dialer.recovery.adoption import OperatorPlan
from dialer.service.context import LiveContext
from dialer.service.run_state import CampaignRun
from dialer.telephony.ari import TelephonyError

log = logging.getLogger(__name__)

# What an operator desk does when a call ends and wrap-up starts: the web app's operator screen calls
# DialerService.dispose(); simulated operators use a policy like this.
WrapUpPolicy = Callable[[LiveOperator, int], Awaitable[tuple[str, str | None] | None]]


class StandbyGate(Protocol):
    """Leadership: whether another process paces a campaign, and the log-ins kept for a take-over."""

    def standing_by(self, campaign_id: int) -> bool: ...

    def keep_login(self, campaign_id: int, login: str) -> None: ...


class OperatorDesk:
    def __init__(self, ctx: LiveContext, wrapup_policy: WrapUpPolicy | None = None) -> None:
        self.ctx = ctx
        self.wrapup_policy = wrapup_policy
        self.standby: StandbyGate | None = None  # wired by DialerService
        # an operator on a server just became free: serve the people waiting there (wired by DialerService)
        self.serve_waiting: Callable[[CampaignRun, str], Awaitable[None]] | None = None

    async def login(self, campaign_id: int, login: str) -> LiveOperator:
        """Call the operator's softphone once and keep it in their own holding bridge (nailed up).

        For a campaign another process paces (we stand by) the log-in is kept and done when we take the
        campaign over; TelephonyError says so meanwhile."""
        ctx = self.ctx
        if campaign_id not in ctx.runs and self.standby is not None and self.standby.standing_by(campaign_id):
            self.standby.keep_login(campaign_id, login)
            raise TelephonyError(
                f"campaign {campaign_id} is paced by another dialer process: {login} logs in here if it takes over"
            )
        run = ctx.run(campaign_id)
        already = run.floor.operator_by_login(login)
        if already is not None:  # adopted after a restart, or a second click: one session per operator
            return already
        operator = await ctx.db.call(ctx.repo.operator, login)
        if operator is None:
            raise KeyError(f"no operator {login!r}")
        server = operator.asterisk_server or ctx.links.default
        if server not in ctx.links:
            raise KeyError(f"operator {login!r} is homed on Asterisk {server!r}, which is not configured")
        ctx.homes[login] = server
        ari = ctx.links.ari(server)
        if not ari.connected:  # logged in when their server is back (see Failover)
            if login not in run.relogin:
                run.relogin.append(login)
            raise TelephonyError(f"Asterisk {server} is down: {login} will be logged in when it is back")
        # unique across dialers sharing an Asterisk: two of them log in their operator 1 in the same millisecond
        channel_id = f"agent-{operator.id}-{int(ctx.clock.time() * 1000)}-{uuid.uuid4().hex[:8]}"
        session_id = await ctx.db.call(ctx.repo.start_operator_session, operator.id, campaign_id, channel_id)
        bridge_id = f"opbridge-{session_id}-{uuid.uuid4().hex[:12]}"
        op = LiveOperator(operator.id, login, operator.sip_endpoint, session_id, channel_id, bridge_id, server=server)
        run.floor.operators[channel_id] = op
        try:
            await ari.create_bridge(bridge_id, f"operator {login}")
            ctx.db.submit(ctx.repo.update_operator_session, session_id, bridge_id=bridge_id)
            await ari.originate(operator.sip_endpoint, channel_id=channel_id, app_args=f"agent,{login}", timeout_s=15)
        except TelephonyError:  # no session left open for a log-in that did not happen
            run.floor.operators.pop(channel_id, None)
            ctx.db.submit(ctx.repo.end_operator_session, session_id, ctx.clock.now(), "log-in failed")
            raise
        return op

    async def wait_logged_in(self, campaign_id: int, logins: list[str], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout  # a real wait, whatever the service's clock
        while time.monotonic() < deadline:
            ops = [self.ctx.run(campaign_id).floor.operator_by_login(x) for x in logins]
            if all(o is not None and o.state is not None for o in ops):
                return
            await asyncio.sleep(0.05)
        raise TelephonyError(f"operators did not answer their softphones: {logins}")

    async def logout(self, campaign_id: int, login: str) -> None:
        op = self.ctx.run(campaign_id).floor.operator_by_login(login)
        if op is not None:
            with contextlib.suppress(TelephonyError):
                await self.ctx.links.ari(op.server).hangup(op.channel_id)

    async def logout_everyone(self) -> None:
        for campaign_id, run in list(self.ctx.runs.items()):
            for op in list(run.floor.operators.values()):
                await self.logout(campaign_id, op.login)

    async def answered(self, run: CampaignRun, op: LiveOperator) -> None:
        """The operator's softphone answered: into their bridge, and ready."""
        await self.ctx.links.ari(op.server).add_to_bridge(op.bridge_id, op.channel_id)
        self.set_state(run, op, OperatorState.READY, "logged in")
        await self._serve(run, op.server)

    async def set_ready(self, campaign_id: int, login: str) -> None:
        run = self.ctx.run(campaign_id)
        op = run.floor.operator_by_login(login)
        if op is None or op.state is OperatorState.ON_CALL:
            return
        self.ctx.background.cancel(f"wrapup-{op.channel_id}")
        self.set_state(run, op, OperatorState.READY, "ready")
        await self._serve(run, op.server)

    async def pause(self, campaign_id: int, login: str, reason: str) -> None:
        run = self.ctx.run(campaign_id)
        op = run.floor.operator_by_login(login)
        if op is not None and op.state is OperatorState.READY:
            self.set_state(run, op, OperatorState.PAUSED, reason)

    async def dispose(
        self, campaign_id: int, login: str, code: str, notes: str | None = None, next_action_at: datetime | None = None
    ) -> None:
        """The operator's outcome for the call they are wrapping up; ends wrap-up."""
        ctx = self.ctx
        run = ctx.run(campaign_id)
        op = run.floor.operator_by_login(login)
        if op is None or op.attempt_id is None:
            raise ValueError(f"operator {login} has no call to dispose")
        await ctx.db.call(ctx.repo.record_disposition, op.attempt_id, code, notes, next_action_at, run.config.rules)
        if op.state is OperatorState.WRAP_UP:
            await self.set_ready(campaign_id, login)

    def set_state(self, run: CampaignRun, op: LiveOperator, state: OperatorState, reason: str) -> None:
        now = self.ctx.clock.monotonic()
        if op.state is OperatorState.WRAP_UP and state is not OperatorState.WRAP_UP:
            if op.inbound_since is not None:
                run.inbound_learner.observe_handle(now - op.inbound_since, self.ctx.clock.now().hour)
                op.inbound_since = None
            else:
                run.learner.observe_wrap_up(now - op.since)
        run.floor.set_operator_state(op, state, now)
        self.ctx.db.submit(self.ctx.repo.operator_state, op.session_id, state.value, self.ctx.clock.now(), reason)

    async def machine_ended(self, run: CampaignRun, op: LiveOperator, attempt_id: int) -> None:
        """The operator's call ended as an answering machine (their key or the detection's timeout): the
        outcome is written, so no wrap-up; straight back to ready."""
        ended = self.ctx.clock.monotonic()
        run.learner.observe_talk(ended - op.since, ended_at=ended)
        self.set_state(run, op, OperatorState.READY, f"attempt {attempt_id} ended as a machine")
        await self._serve(run, op.server)

    def start_wrap_up(self, run: CampaignRun, op: LiveOperator, attempt_id: int) -> None:
        """The operator's call ended: wrap-up, bounded by the campaign's wrap-up time."""
        ended = self.ctx.clock.monotonic()
        if op.inbound_since is None:  # inbound talk times are the inbound learner's (at the wrap-up's end)
            run.learner.observe_talk(ended - op.since, ended_at=ended)
        self.set_state(run, op, OperatorState.WRAP_UP, f"attempt {attempt_id} ended")
        self._arm_wrap_up(run, op, attempt_id)

    def _arm_wrap_up(self, run: CampaignRun, op: LiveOperator, attempt_id: int) -> None:
        async def over() -> None:
            await self._wrapup_over(run, op)

        self.ctx.background.later(f"wrapup-{op.channel_id}", run.config.wrapup_s, over)
        if self.wrapup_policy is not None:
            self.ctx.background.spawn(self._desk_dispose(run, op, attempt_id), f"desk-{op.login}")

    def adopt(self, run: CampaignRun, plan: OperatorPlan, login: str, endpoint: str) -> LiveOperator:
        """An operator whose softphone is still in their bridge after a dialer restart: back on the floor in
        the state the plan found (ready, paused, on a call, or wrapping up with the disposition screen,
        whose wrap-up time starts again)."""
        assert plan.channel_id is not None and plan.bridge_id is not None and plan.state is not None
        server = plan.server or self.ctx.links.default
        op = LiveOperator(
            plan.operator_id, login, endpoint, plan.session_id, plan.channel_id, plan.bridge_id, server=server
        )
        op.attempt_id = plan.attempt_id
        run.floor.operators[op.channel_id] = op
        self.ctx.homes[login] = server
        self.set_state(run, op, plan.state, f"adopted after a restart: {plan.reason}")
        if plan.state is OperatorState.WRAP_UP and plan.attempt_id is not None:
            self._arm_wrap_up(run, op, plan.attempt_id)
        return op

    async def _desk_dispose(self, run: CampaignRun, op: LiveOperator, attempt_id: int) -> None:
        assert self.wrapup_policy is not None
        result = await self.wrapup_policy(op, attempt_id)
        if result is not None and op.attempt_id == attempt_id and op.state is OperatorState.WRAP_UP:
            code, notes = result
            await self.dispose(run.config.campaign_id, op.login, code, notes)

    async def _wrapup_over(self, run: CampaignRun, op: LiveOperator) -> None:
        """Wrap-up time is a ceiling: the operator goes back to ready when it runs out."""
        ctx = self.ctx
        if op.state is OperatorState.WRAP_UP and op.channel_id in run.floor.operators:
            if op.attempt_id is not None:  # no disposition came: the conversation closes as completed
                ctx.db.submit(ctx.repo.record_disposition, op.attempt_id, None, None, None, run.config.rules)
            self.set_state(run, op, OperatorState.READY, "wrap-up time over")
            await self._serve(run, op.server)

    async def gone(self, run: CampaignRun, op: LiveOperator, reason_if_never_up: str, at: datetime) -> None:
        """The operator's channel ended (logged out, softphone hung up or never answered)."""
        ctx = self.ctx
        run.floor.operators.pop(op.channel_id, None)
        ctx.background.cancel(f"wrapup-{op.channel_id}")
        reason = "logged out" if op.state is not None else f"softphone did not answer ({reason_if_never_up})"
        ctx.db.submit(ctx.repo.end_operator_session, op.session_id, at, reason)
        with contextlib.suppress(TelephonyError):
            await ctx.links.ari(op.server).destroy_bridge(op.bridge_id)
        if op.state is OperatorState.ON_CALL and op.attempt_id is not None:
            for call in run.floor.calls.values():
                if call.operator is op:
                    with contextlib.suppress(TelephonyError):
                        await ctx.links.ari(call.server).hangup(call.channel_id)

    async def _serve(self, run: CampaignRun, server: str) -> None:
        if self.serve_waiting is not None:
            await self.serve_waiting(run, server)
