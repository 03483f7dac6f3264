"""ARI adapter: the only place that talks to aioari.

aioari runs event listeners one after another and only logs their exceptions, and `run()` returns when
the websocket closes without reconnecting; this wrapper reports handler errors, reconnects with
backoff, and exposes the few typed operations the service needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import aioari
import aiohttp

from dialer.recovery.inventory import (
    AMD_VARIABLE,
    ANSWERED_VARIABLE,
    OUTBOUND_CONTEXT,
    BridgeInfo,
    ChannelInfo,
    ServerInventory,
)

log = logging.getLogger(__name__)

Event = dict[str, Any]
EventHandler = Callable[[Event], Awaitable[None]]


_SESSION_CLOSED = "Session is closed"  # aiohttp's words for a request on a session already closed


class TelephonyError(RuntimeError):
    """An ARI request failed (Asterisk down, channel gone, request refused)."""

    def __init__(self, message: str, status: int | None = None, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.timed_out = timed_out  # no answer in time: the request may still have taken effect


# Channel variables the dialer sets on a customer's channel at originate, so that Asterisk's own records
# (CDR) and a restarted dialer can name the attempt without the dialer's memory.
ATTEMPT_VARIABLE = "DIALER_ATTEMPT"
ATTEMPT_VARIABLES = (ATTEMPT_VARIABLE,)
# Ids the dialer gives its channels: customers att-<hex> (dialer.db.repository.lease_contacts), operators
# agent-<operator id>-<ms>-<random> (DialerService.login).
DIALER_CHANNEL_PREFIXES = ("att-", "agent-")
DIALER_BRIDGE_PREFIX = "opbridge-"  # operator bridges: opbridge-<session id>-<hex> (DialerService.login)


def attempt_variables(attempt_id: int) -> dict[str, str]:
    """What `originate(variables=...)` sets on a customer's channel: a channel variable for a restarted
    dialer, a CDR variable (column dialer_attempt, asterisk_conf/cdr_custom.conf) for the call record,
    and the customer as the CDR's party A, so the record of the bridged conversation is the customer's
    (uniqueid = the attempt's channel id) even though the operator's channel is older."""
    return {
        ATTEMPT_VARIABLE: str(attempt_id),
        "CDR(dialer_attempt)": str(attempt_id),
        "CDR_PROP(party_a)": "1",
    }


def event_time(event: Event) -> datetime:
    """Asterisk's own timestamp of an event (e.g. 2026-11-23T18:20:02.367+0000), else now."""
    raw = event.get("timestamp")
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    return datetime.now(UTC)


class AriClient:
    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        app: str,
        on_event: EventHandler,
        request_timeout_s: float = 10.0,
    ) -> None:
        self.url, self.user, self.password, self.app = url, user, password, app
        # an ARI request Asterisk never answers would otherwise stall whoever awaits it (the pacing loop)
        self.request_timeout_s = request_timeout_s
        self.on_event = on_event
        self._client: Any = None
        self._runner: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self.reconnects = 0
        self.on_connection_change: Callable[[bool], Awaitable[None]] | None = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, timeout: float = 15.0) -> None:
        self._runner = asyncio.create_task(self._run_forever(), name="ari-websocket")
        if not await self._wait_connected(timeout):
            raise TelephonyError(f"ARI at {self.url} did not come up in {timeout:.0f} s")

    async def close(self) -> None:
        self._closing = True
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner

    async def _dispatch(self, event: Event) -> None:
        try:
            await self.on_event(event)
        except Exception:
            log.exception("ARI event handler failed on %s", event.get("type"))

    async def _run_forever(self) -> None:
        backoff = 0.5
        while not self._closing:
            try:
                client = await aioari.connect(self.url, self.user, self.password)
                client.on_event("*", self._dispatch)
                self._client = client
                run = asyncio.create_task(client.run(apps=self.app))
                await self._wait_app_registered(client, run)
                self._connected.set()
                backoff = 0.5
                if self.on_connection_change is not None:
                    await self.on_connection_change(True)
                await run
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection refused, HTTP errors, websocket failures
                log.warning("ARI connection failed: %s", exc)
            was_connected = self._connected.is_set()
            self._connected.clear()
            if self._client is not None:
                with contextlib.suppress(Exception):
                    await self._client.close()
                self._client = None
            if self._closing:
                return
            if was_connected:
                self.reconnects += 1
                if self.on_connection_change is not None:
                    await self.on_connection_change(False)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def reachable(self, timeout_s: float = 2.0) -> bool:
        """Does Asterisk answer ARI at all (GET /asterisk/ping on a connection of its own)? Tells a dropped
        websocket (Asterisk up, its calls going on) from Asterisk gone (its calls gone with it)."""
        try:
            async with (
                aiohttp.ClientSession(auth=aiohttp.BasicAuth(self.user, self.password)) as session,
                session.get(
                    f"{self.url.rstrip('/')}/ari/asterisk/ping", timeout=aiohttp.ClientTimeout(total=timeout_s)
                ) as response,
            ):
                return response.status == 200
        except (aiohttp.ClientError, OSError, TimeoutError):
            return False

    async def _wait_app_registered(self, client: Any, run: asyncio.Task[None]) -> None:
        """The Stasis app exists once our websocket is subscribed; until then events would be lost."""
        for _ in range(100):
            if run.done():
                await run
                raise TelephonyError("ARI websocket closed during connect")
            try:
                await client.applications.get(applicationName=self.app)
                return
            except Exception:
                await asyncio.sleep(0.05)
        raise TelephonyError("Stasis application did not register")

    async def _wait_connected(self, timeout_s: float) -> bool:
        """Wait for the websocket to be up (False if it is not within `timeout_s`)."""
        try:
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def _call(self, what: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        if self._client is None:
            raise TelephonyError(f"{what}: ARI is not connected")
        try:
            try:
                return await asyncio.wait_for(fn(), self.request_timeout_s)
            except aiohttp.ServerDisconnectedError:
                # a pooled keep-alive connection Asterisk had closed (idle, or just restarted): the request
                # did not reach it, so once more on a fresh connection (an originate names its channel id,
                # so even a duplicate could not ring twice: Asterisk refuses a second channel of that id)
                log.info("%s: ARI connection was closed under us; retrying once", what)
                return await asyncio.wait_for(fn(), self.request_timeout_s)
            except RuntimeError as exc:
                if _SESSION_CLOSED not in str(exc):
                    raise
                # the websocket dropped and its HTTP session was closed before this request left (a recording
                # started just as it dropped): once more on the reconnected client, which `fn` reads afresh
                log.info("%s: ARI session closed by a reconnect; retrying once it is back", what)
                if not await self._wait_connected(self.request_timeout_s):
                    raise TelephonyError(f"{what}: ARI is not connected") from exc
                return await asyncio.wait_for(fn(), self.request_timeout_s)
        except TelephonyError:
            raise
        except TimeoutError as exc:
            raise TelephonyError(f"{what}: no answer from ARI in {self.request_timeout_s:g} s", timed_out=True) from exc
        except aiohttp.ClientResponseError as exc:
            raise TelephonyError(f"{what}: HTTP {exc.status} {exc.message}", exc.status) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TelephonyError(f"{what}: {exc}") from exc
        except Exception as exc:  # aioswagger wraps some HTTP failures in its own types
            status = getattr(getattr(exc, "response", None), "status", None)
            raise TelephonyError(f"{what}: {exc!r}", status) from exc

    # -- operations --------------------------------------------------------------------------------
    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str,
        app_args: str,
        timeout_s: float,
        caller_id: str | None = None,
        other_channel_id: str | None = None,
        variables: dict[str, str] | None = None,
        formats: str = "",
        hold_s: float | None = None,
    ) -> None:
        """`variables`: channel variables (and functions such as CDR(dialer_attempt)) set on the new channel
        before it rings, e.g. `attempt_variables(attempt_id)`. `formats` (e.g. "ulaw,alaw"): the codecs the
        channel is created with; without them a Local channel takes Asterisk's best, slin192, and every frame
        of the call is resampled (bench/call_cost.py).

        `hold_s` (customers): the channel goes to the `dialer-outbound` dialplan on answer, which enters our
        Stasis application and, while no dialer process listens, holds the customer up to `hold_s` seconds
        for the next one; an ARI originate straight into the application would be hung up by Asterisk then.
        Such a channel is not subscribed to the application until `follow` is called; a time-out is left to
        the caller (the call may be ringing: follow it). Without `hold_s` (operators' softphones) the channel
        enters the application on answer, and an originate that timed out is hung up."""
        params: dict[str, Any] = {"endpoint": endpoint, "channelId": channel_id, "timeout": max(1, round(timeout_s))}
        if hold_s is None:
            params.update(app=self.app, appArgs=app_args)
        else:
            params.update(context=OUTBOUND_CONTEXT, extension="s", priority=1)
            variables = {
                **(variables or {}),
                "DIALER_APP": self.app,
                "DIALER_ARGS": app_args,
                "DIALER_HOLD_S": str(max(0, round(hold_s))),
            }
        if other_channel_id:
            params["otherChannelId"] = other_channel_id
        if caller_id:
            params["callerId"] = caller_id
        if formats:
            params["formats"] = formats
        if variables:
            params["variables"] = variables  # aioswagger sends it as the JSON body {"variables": {...}}
        try:
            await self._call(f"originate {endpoint}", lambda: self._client.channels.originate(**params))
        except TelephonyError as exc:
            if exc.timed_out and hold_s is None:  # the channel may exist after all: nobody would expect it
                with contextlib.suppress(TelephonyError):
                    await self.hangup(channel_id)
            raise

    async def follow(self, channel_id: str) -> str | None:
        """Have a channel originated into the dialplan send its events (ringing, hang-up and cause) to our
        application, and say its state now (events before the subscription are not sent again; "" when it
        could not be read: its hang-up is on its way). None when Asterisk has no such channel: it ended (or
        never began) before this request arrived, and what happened to it is in Asterisk's call records."""
        try:
            await self.subscribe([channel_id], [])
        except TelephonyError as exc:
            if exc.status == 422:  # the event source does not exist
                return None
            raise
        try:
            channel = await self._call(f"get {channel_id}", lambda: self._client.channels.get(channelId=channel_id))
        except TelephonyError:
            return ""
        data = channel if isinstance(channel, dict) else getattr(channel, "json", {})
        return str(data.get("state", "")) if isinstance(data, dict) else ""

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._call(
            f"hangup {channel_id}", lambda: self._client.channels.hangup(channelId=channel_id, reason=reason)
        )

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str = "s") -> None:
        """Into the dialplan and back: DIALER_APP tells it which Stasis app (dialer process) to return to."""
        await self._call(
            f"set DIALER_APP on {channel_id}",
            lambda: self._client.channels.setChannelVar(channelId=channel_id, variable="DIALER_APP", value=self.app),
        )
        await self._call(
            f"continue {channel_id}",
            lambda: self._client.channels.continueInDialplan(
                channelId=channel_id, context=context, extension=extension, priority=1
            ),
        )

    async def play(self, channel_id: str, media: str, playback_id: str) -> None:
        await self._call(
            f"play on {channel_id}",
            lambda: self._client.channels.play(channelId=channel_id, media=media, playbackId=playback_id),
        )

    async def create_bridge(self, bridge_id: str, name: str) -> None:
        await self._call(
            f"create bridge {bridge_id}",
            lambda: self._client.bridges.createWithId(bridgeId=bridge_id, type="mixing", name=name),
        )

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._call(f"destroy bridge {bridge_id}", lambda: self._client.bridges.destroy(bridgeId=bridge_id))

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        await self._call(
            f"bridge {channel_id}", lambda: self._client.bridges.addChannel(bridgeId=bridge_id, channel=channel_id)
        )

    async def snoop(self, channel_id: str, snoop_id: str, app_args: str = "snoop") -> None:
        """A snoop channel into our app that hears what `channel_id` sends (its own voice); its StasisStart
        carries `app_args` (what the snoop is for)."""
        await self._call(
            f"snoop {channel_id}",
            lambda: self._client.channels.snoopChannelWithId(
                channelId=channel_id, snoopId=snoop_id, spy="in", app=self.app, appArgs=app_args
            ),
        )

    async def record(self, channel_id: str, name: str, fmt: str = "wav") -> None:
        await self._call(
            f"record {channel_id}",
            lambda: self._client.channels.record(
                channelId=channel_id, name=name, format=fmt, ifExists="overwrite", terminateOn="none"
            ),
        )

    async def stop_recording(self, name: str) -> None:
        await self._call(f"stop recording {name}", lambda: self._client.recordings.stop(recordingName=name))

    async def channel_ids(self) -> list[str]:
        channels = await self._call("list channels", lambda: self._client.channels.list())
        return [c.id for c in channels]

    async def app_inventory(self) -> tuple[list[str], list[str]]:
        """The channels and bridges subscribed to our Stasis application (and only ours)."""
        info = await self._call("application", lambda: self._client.applications.get(applicationName=self.app))
        data = info if isinstance(info, dict) else getattr(info, "json", {})
        return list(data.get("channel_ids", [])), list(data.get("bridge_ids", []))

    async def bridge_ids(self) -> list[str]:
        bridges = await self._call("list bridges", lambda: self._client.bridges.list())
        return [b.id for b in bridges]

    async def channels(self) -> list[ChannelInfo]:
        """Every channel on this Asterisk (GET /channels), ours or not."""
        channels = await self._call("list channels", lambda: self._client.channels.list())
        return [ChannelInfo.from_ari(c.json) for c in channels]

    async def bridges(self) -> list[BridgeInfo]:
        """Every bridge on this Asterisk (GET /bridges) with the channels in it."""
        bridges = await self._call("list bridges", lambda: self._client.bridges.list())
        return [BridgeInfo.from_ari(b.json) for b in bridges]

    async def channel_variable(self, channel_id: str, variable: str) -> str | None:
        """One channel variable (GET /channels/{id}/variable); None when it is not set (ARI answers 404)."""
        try:
            result = await self._call(
                f"read {variable} of {channel_id}",
                lambda: self._client.channels.getChannelVar(channelId=channel_id, variable=variable),
            )
        except TelephonyError as exc:
            if exc.status == 404:
                return None
            raise
        data = result if isinstance(result, dict) else getattr(result, "json", result)
        value = data.get("value") if isinstance(data, dict) else None
        return None if value is None else str(value)

    async def subscribe(self, channel_ids: list[str], bridge_ids: list[str]) -> None:
        """Have Asterisk send us the events of channels and bridges another dialer process's application
        holds (a campaign taken over from a dead process): POST /applications/{app}/subscription."""
        sources = [f"channel:{c}" for c in channel_ids] + [f"bridge:{b}" for b in bridge_ids]
        if sources:
            await self._call(
                f"subscribe to {len(sources)} event sources",
                lambda: self._client.applications.subscribe(applicationName=self.app, eventSource=sources),
            )

    async def inventory(
        self, server: str, variables: tuple[str, ...] = (*ATTEMPT_VARIABLES, AMD_VARIABLE, ANSWERED_VARIABLE)
    ) -> ServerInventory:
        """What this server holds that may be the dialer's: the channels and bridges of our Stasis
        application, plus every channel and operator bridge whose id the dialer chose (it names an attempt
        or an operator session), since a customer in AMD is in the dialplan, not in the application, and
        a campaign taken over from a dead process has its calls in that process's application. `variables` are
        read from each of them (a channel that ends meanwhile is simply left out)."""
        app_channels, app_bridges = await self.app_inventory()
        wanted = set(app_channels)
        found: list[ChannelInfo] = []
        for channel in await self.channels():
            if channel.id not in wanted and not channel.id.startswith(DIALER_CHANNEL_PREFIXES):
                continue
            values: dict[str, str] = {}
            try:
                for name in variables:
                    value = await self.channel_variable(channel.id, name)
                    if value is not None:
                        values[name] = value
            except TelephonyError:
                continue  # gone while we listed: nothing to adopt
            found.append(
                replace(channel, variables={**channel.variables, **values}, in_application=channel.id in wanted)
            )
        bridge_ids = set(app_bridges)
        bridges = [
            replace(b, in_application=b.id in bridge_ids)
            for b in await self.bridges()
            if b.id in bridge_ids or b.id.startswith(DIALER_BRIDGE_PREFIX)
        ]
        return ServerInventory(server, tuple(found), tuple(bridges))
