"""An Asterisk server lost and back: fail its calls in flight, end its operators' sessions, log them in again."""

from __future__ import annotations

import logging

from dialer.outcomes import AttemptOutcome
from dialer.recovery.adoption import OperatorAction
from dialer.service.adoption import Adoption, Scope
from dialer.service.capture import RecordingCapture
from dialer.service.context import LiveContext
from dialer.service.operators import OperatorDesk
from dialer.telephony.ari import TelephonyError

log = logging.getLogger(__name__)


class Failover:
    def __init__(self, ctx: LiveContext, desk: OperatorDesk, capture: RecordingCapture) -> None:
        self.ctx = ctx
        self.desk = desk
        self.capture = capture
        self.adoption: Adoption | None = None  # wired by DialerService when a Recovery port is given
        self._dropped: set[str] = set()  # servers whose websocket dropped while Asterisk still answered

    async def on_connection(self, up: bool, server: str | None = None) -> None:
        """An Asterisk server went away (crash, restart, network): every call in flight on it is lost.

        Each such attempt gets `system_failure` (not abandoned: the customer did nothing wrong), the
        sessions of the operators homed there end, and no call is placed there (placement skips a server
        that is down; pacing stops when every server is). When ARI is back the same operators are
        logged in again and dialling there resumes by itself. Other servers are not touched.
        """
        server = server or self.ctx.links.default
        if self.adoption is not None:
            await self._adopting(up, server)
            return
        if up:
            await self._relogin(server)
        else:
            self._lost(server)

    async def _adopting(self, up: bool, server: str) -> None:
        """With adoption: only the ARI websocket dropped while Asterisk still answers? Then its calls go
        on: nothing is failed, and when the websocket is back what Asterisk holds is adopted again (events
        missed meanwhile are made up by the survey and by Asterisk's call records). Asterisk itself gone:
        its calls are gone with it, as above."""
        ctx = self.ctx
        if not up:
            if await ctx.links.ari(server).reachable():
                log.error("ARI websocket to %s dropped, Asterisk still answers: its calls go on", server)
                self._dropped.add(server)
            else:
                self._lost(server)
            return
        if server in self._dropped:
            self._dropped.discard(server)
            await self._readopt(server)
        await self._relogin(server)

    async def _readopt(self, server: str) -> None:
        """The websocket is back: take this server's calls and operators off the floor and adopt them again
        from what Asterisk holds now (a call that ended meanwhile gets its outcome from the call records;
        an operator whose softphone went is logged in again)."""
        assert self.adoption is not None
        ctx = self.ctx
        channels: set[str] = set()
        sessions: dict[int, tuple[int, str]] = {}  # session id -> campaign, login
        for campaign_id, run in ctx.runs.items():
            for call in [c for c in run.floor.calls.values() if c.server == server]:
                run.floor.calls.pop(call.channel_id, None)
                ctx.background.cancel(f"abandon-{call.channel_id}")
                channels.add(call.channel_id)
                self.capture.drop({call.attempt_id})
            for op in [o for o in run.floor.operators.values() if o.server == server]:
                run.floor.operators.pop(op.channel_id, None)
                ctx.background.cancel(f"wrapup-{op.channel_id}")
                sessions[op.session_id] = (campaign_id, op.login)
        if not channels and not sessions:
            return
        campaigns = tuple(sorted({*ctx.runs}))
        plan = await self.adoption.adopt(
            Scope(campaigns, servers=(server,), channels=frozenset(channels), sessions=frozenset(sessions))
        )
        for o in plan.operators:
            if o.action is OperatorAction.END and o.session_id in sessions:
                campaign_id, login = sessions[o.session_id]
                back = ctx.runs.get(campaign_id)
                if back is not None and login not in back.relogin:
                    back.relogin.append(login)

    def _lost(self, server: str) -> None:
        ctx = self.ctx
        at = ctx.clock.now()
        log.error("lost the connection to Asterisk %s: failing its calls in flight", server)
        lost_attempts: set[int] = set()
        for run in ctx.runs.values():
            for call in [c for c in run.floor.calls.values() if c.server == server]:
                run.floor.calls.pop(call.channel_id, None)
                lost_attempts.add(call.attempt_id)
                ctx.background.cancel(f"abandon-{call.channel_id}")
                ctx.db.submit(
                    ctx.repo.finish_attempt,
                    call.attempt_id,
                    AttemptOutcome.SYSTEM_FAILURE,
                    at,
                    run.config.rules,
                    hangup_cause_txt="lost the connection to Asterisk",
                )
            for op in [o for o in run.floor.operators.values() if o.server == server]:
                run.floor.operators.pop(op.channel_id, None)
                ctx.background.cancel(f"wrapup-{op.channel_id}")
                ctx.db.submit(ctx.repo.end_operator_session, op.session_id, at, "lost the connection to Asterisk")
                if op.login not in run.relogin:
                    run.relogin.append(op.login)
        self.capture.drop(lost_attempts)

    async def _relogin(self, server: str) -> None:
        ctx = self.ctx
        for campaign_id, run in list(ctx.runs.items()):
            logins = [x for x in run.relogin if ctx.homes.get(x, ctx.links.default) == server]
            run.relogin = [x for x in run.relogin if x not in logins]
            for login in logins:
                try:
                    await self.desk.login(campaign_id, login)
                except (TelephonyError, KeyError) as exc:
                    log.error("could not log %s in again: %s", login, exc)
                    if login not in run.relogin:
                        run.relogin.append(login)
