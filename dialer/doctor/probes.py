"""The thin adapters of `dialer doctor`: ask ARI, AMI, the database and the file system, hand the facts
to the pure rules in `report`. Nothing here decides pass or fail."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from dialer.config import AsteriskServer, Settings
from dialer.doctor import report as r
from dialer.doctor.report import Check, PathFacts, TrunkOutcome
from dialer.telephony.ami import AmiClient, AmiError

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class OperatorEndpoint:
    login: str
    endpoint: str
    server: str | None  # None: the default server


def path_facts(path: Path, *, probe_write: bool) -> PathFacts:
    """What the dialer's own user may do at `path`; a directory's writability is proven by writing."""
    if not path.exists():
        return PathFacts(str(path), exists=False)
    is_dir = path.is_dir()
    readable = os.access(path, os.R_OK | (os.X_OK if is_dir else 0))
    writable = False
    if is_dir and probe_write:
        probe = path / f".dialer-doctor-{uuid.uuid4().hex}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
            writable = True
        except OSError:
            writable = False
    return PathFacts(str(path), exists=True, is_dir=is_dir, readable=readable, writable=writable)


@dataclass(frozen=True)
class DatabaseFacts:
    check: Check
    operators: list[OperatorEndpoint]
    dial_string: str | None = None  # the campaign's own, when one was named and has one
    campaign_found: bool = True


def database_checks(url: str, campaign: str | None = None) -> DatabaseFacts:
    """Schema at head, the active operators with their endpoints, a campaign's dial string (read-only)."""
    from sqlalchemy import select

    from dialer.db import make_engine, make_session_factory, schema_revisions
    from dialer.db.models import Campaign, Operator

    where = url.split("@")[-1]
    try:
        current, head = schema_revisions(url)
    except Exception as exc:  # driver errors differ per database; the message names the cause
        return DatabaseFacts(r.database_check(where, None, None, f"{type(exc).__name__}: {exc}".splitlines()[0]), [])
    check = r.database_check(where, current, head, None)
    if current != head:
        return DatabaseFacts(check, [])
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(select(Operator).where(Operator.active).order_by(Operator.login)).scalars()
            operators = [OperatorEndpoint(o.login, o.sip_endpoint, o.asterisk_server) for o in rows]
            row = session.execute(select(Campaign).where(Campaign.name == campaign)).scalar_one_or_none()
    finally:
        engine.dispose()
    if campaign is None:
        return DatabaseFacts(check, operators)
    return DatabaseFacts(check, operators, row.dial_string if row else None, row is not None)


class Ari:
    """Plain HTTP against ARI (aioari needs a running Stasis app; the doctor must work without one)."""

    def __init__(self, session: aiohttp.ClientSession, server: AsteriskServer) -> None:
        self.session, self.server = session, server
        self.base = server.ari_url.rstrip("/") + "/ari"
        token = base64.b64encode(f"{server.ari_user}:{server.ari_password.get_secret_value()}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    async def request(self, method: str, path: str, **params: Any) -> tuple[int | None, Any, str | None]:
        """(HTTP status, JSON body, error): status None when nothing answered."""
        try:
            async with self.session.request(
                method,
                self.base + path,
                params=params or None,
                headers=self.headers,
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
            ) as resp:
                raw = await resp.text()
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                message = (body.get("message") or body.get("error")) if isinstance(body, dict) else None
                return resp.status, body, message or (None if resp.status < 400 else raw[:200])
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return None, None, str(exc) or type(exc).__name__

    async def info_check(self) -> Check:
        status, body, error = await self.request("GET", "/asterisk/info")
        version = body.get("system", {}).get("version") if status == 200 and isinstance(body, dict) else None
        return r.ari_check(self.server.ari_url, self.server.ari_user, status, error, version)

    async def write_check(self) -> Check:
        status, _, _ = await self.request("DELETE", f"/channels/doctor-write-probe-{uuid.uuid4().hex[:8]}")
        return r.ari_write_check(self.server.ari_user, status)

    async def loaded_modules(self) -> list[str] | None:
        status, body, _ = await self.request("GET", "/asterisk/modules")
        if status != 200 or not isinstance(body, list):
            return None
        return [str(m.get("name", "")) for m in body if str(m.get("status", "")).lower() == "running"]

    async def endpoint_check(self, op: OperatorEndpoint) -> Check:
        if "/" not in op.endpoint:
            return r.endpoint_check(op.login, op.endpoint, None, None, None)
        tech, resource = op.endpoint.split("/", 1)
        status, body, error = await self.request("GET", f"/endpoints/{tech}/{resource}")
        state = body.get("state") if isinstance(body, dict) else None
        return r.endpoint_check(op.login, op.endpoint, status, state, error)

    async def test_call(self, dial_string: str, app: str, ring_s: float) -> TrunkOutcome:
        """Originate into a Stasis app of the doctor's own and watch its events: answer, ringing or cause."""
        channel_id = f"doctor-{uuid.uuid4().hex[:12]}"
        ws_url = self.server.ari_url.rstrip("/").replace("http", "ws", 1) + "/ari/events"
        key = f"{self.server.ari_user}:{self.server.ari_password.get_secret_value()}"
        ringing = False
        try:
            connecting = self.session.ws_connect(ws_url, params={"app": app, "api_key": key})
            async with await asyncio.wait_for(connecting, TIMEOUT_S) as ws:
                status, _, error = await self.request(
                    "POST", "/channels", endpoint=dial_string, app=app, appArgs="doctor",
                    channelId=channel_id, timeout=str(max(1, round(ring_s))),
                )  # fmt: skip
                if status != 200:
                    return TrunkOutcome(dial_string, refused=f"HTTP {status}: {error}")
                deadline = asyncio.get_running_loop().time() + ring_s + 10
                while (left := deadline - asyncio.get_running_loop().time()) > 0:
                    try:
                        msg = await ws.receive(timeout=left)
                    except TimeoutError:
                        break
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        break
                    event = json.loads(msg.data)
                    if (event.get("channel") or {}).get("id") != channel_id:
                        continue
                    kind = event.get("type")
                    if kind == "StasisStart":
                        await self.request("DELETE", f"/channels/{channel_id}")
                        return TrunkOutcome(dial_string, answered=True)
                    if kind == "ChannelStateChange" and event["channel"].get("state") == "Ringing":
                        ringing = True
                    if kind == "ChannelDestroyed":
                        return TrunkOutcome(
                            dial_string, ringing=ringing, cause=event.get("cause"), cause_txt=event.get("cause_txt", "")
                        )
                await self.request("DELETE", f"/channels/{channel_id}")
                return TrunkOutcome(dial_string, ringing=ringing, timed_out=True)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return TrunkOutcome(dial_string, refused=str(exc) or type(exc).__name__)


async def _reachable(host: str, port: int) -> str | None:
    """None when a TCP connection opens, else why not (login is tried separately, to tell the two apart)."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        return str(exc) or type(exc).__name__
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return None


def _as_list(reply: Any) -> list[Mapping[str, str]]:
    return [dict(x) for x in reply] if isinstance(reply, list) else [dict(reply)]


async def _dialplan(ami: AmiClient, context: str) -> tuple[Mapping[str, str], list[tuple[str, str]] | None]:
    """(ShowDialPlan's reply, the context's (application, data) lines or None when it does not exist)."""
    replies = _as_list(await ami.action({"Action": "ShowDialPlan", "Context": context}, TIMEOUT_S, as_list=None))
    if str(replies[0].get("Response", "")).lower() != "success":
        return replies[0], None
    lines = [(x.get("Application", ""), x.get("AppData", "")) for x in replies if x.get("Event") == "ListDialplan"]
    return replies[0], lines


async def ami_checks(server: AsteriskServer, app: str) -> list[Check]:
    """Login, the permissions the dialer's actions need, and the dialplan contexts (ShowDialPlan)."""
    host, port, user = server.ami_host, server.ami_port, server.ami_user
    error = await _reachable(host, port)
    if error is not None:
        return [r.ami_check(host, port, user, False, False, error)]
    ami = AmiClient(host, port, user, server.ami_password.get_secret_value())
    try:
        try:
            await ami.connect(timeout=TIMEOUT_S)
        except AmiError as exc:
            return [r.ami_check(host, port, user, True, False, str(exc))]
        checks = [r.ami_check(host, port, user, True, True, None)]
        replies = _as_list(await ami.action({"Action": "CoreShowChannels"}, TIMEOUT_S, as_list=None))
        checks.append(r.ami_permission_check(user, "CoreShowChannels", replies[0]))
        for context, required in ((r.OUTBOUND_CONTEXT, True), (r.AMD_CONTEXT, True), (r.STASIS_CONTEXT, False)):
            reply, lines = await _dialplan(ami, context)
            if "permission denied" in str(reply.get("Message", "")).lower():
                checks.append(r.ami_permission_check(user, "ShowDialPlan", reply))
                continue
            if lines is not None:
                for target in r.goto_contexts(lines):
                    lines = lines + ((await _dialplan(ami, target))[1] or [])
            checks.append(r.dialplan_check(context, lines, app, required=required))
        return checks
    finally:
        await ami.close()


async def server_checks(
    settings: Settings,
    server: AsteriskServer,
    operators: Sequence[OperatorEndpoint],
    test_number: str | None,
    dial_template: str,
) -> list[Check]:
    checks: list[Check] = []
    async with aiohttp.ClientSession() as session:
        ari = Ari(session, server)
        info = await ari.info_check()
        checks.append(info)
        if info.status is r.Status.OK:
            checks.append(await ari.write_check())
            modules = await ari.loaded_modules()
            if modules is not None:
                checks.extend(r.module_checks(modules))
        checks.extend(await ami_checks(server, settings.ari_app))
        if info.status is r.Status.OK:
            for op in operators:
                checks.append(await ari.endpoint_check(op))
            if test_number:
                digits = r.dialled_digits(test_number)
                if digits is None:
                    checks.append(r.bad_number_check(test_number))
                else:
                    dial = dial_template.format(number=digits)
                    checks.append(r.trunk_check(await ari.test_call(dial, f"{settings.ari_app}-doctor", 30)))
    checks.append(r.spool_check(path_facts(server.recording_spool_dir, probe_write=True)))
    cdr_path = server.cdr_csv_path  # crash recovery's call records
    if isinstance(cdr_path, Path):
        checks.append(r.cdr_file_check(path_facts(cdr_path, probe_write=False)))
    return checks


async def diagnose(settings: Settings, test_number: str | None = None, campaign: str | None = None) -> list[Check]:
    """Every check, server by server: configuration and database first, then each Asterisk.

    The test call dials `test_number` with the campaign's dial string when one is named (else DIALER_TRUNK)."""
    try:
        servers = settings.servers()
    except ValueError as exc:
        return [r.config_check(str(exc))]
    checks = [r.config_check(None)]
    db = await asyncio.to_thread(database_checks, settings.database_url, campaign)
    checks.append(db.check)
    if db.check.status is r.Status.OK:
        checks.extend(c for c in [r.operators_check(len(db.operators))] if c is not None)
    if not db.campaign_found:
        checks.append(r.campaign_check(campaign or ""))
    for i, server in enumerate(servers):
        homed = [o for o in db.operators if o.server == server.name or (o.server is None and i == 0)]
        dial = db.dial_string or settings.trunk
        checks.extend(r.on_server(await server_checks(settings, server, homed, test_number, dial), server.name))
    return checks
