"""An Asterisk server lost and back: fail its calls in flight, end its operators' sessions, log them in again."""

from __future__ import annotations

import logging

from dialer.outcomes import AttemptOutcome
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

    async def on_connection(self, up: bool, server: str | None = None) -> None:
        """An Asterisk server went away (crash, restart, network): every call in flight on it is lost.

        Each such attempt gets `system_failure` (not abandoned: the customer did nothing wrong), the
        sessions of the operators homed there end, and no call is placed there (placement skips a server
        that is down; pacing stops when every server is). When ARI is back the same operators are
        logged in again and dialling there resumes by itself. Other servers are not touched.
        """
        server = server or self.ctx.links.default
        if up:
            await self._relogin(server)
        else:
            self._lost(server)

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
