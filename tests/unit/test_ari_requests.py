"""ARI requests are bounded in time: a request Asterisk never answers fails as a TelephonyError instead of
stalling the pacing loop, and an originate that timed out is hung up in case the channel exists after all."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from dialer.telephony.ari import AriClient, TelephonyError


class _Channels:
    def __init__(self, originate_delay_s: float) -> None:
        self.originate_delay_s = originate_delay_s
        self.originated: list[str] = []
        self.hung_up: list[str] = []

    async def originate(self, **params: Any) -> None:
        await asyncio.sleep(self.originate_delay_s)
        self.originated.append(params["channelId"])

    async def hangup(self, channelId: str, reason: str) -> None:
        self.hung_up.append(channelId)


async def _noop(event: dict[str, Any]) -> None:
    return None


def _client(channels: _Channels, timeout_s: float) -> AriClient:
    ari = AriClient("http://127.0.0.1:1", "u", "p", "app", _noop, request_timeout_s=timeout_s)
    ari._client = SimpleNamespace(channels=channels)
    return ari


async def test_an_unanswered_originate_fails_in_time_and_is_hung_up() -> None:
    channels = _Channels(originate_delay_s=3600)
    ari = _client(channels, timeout_s=0.05)
    with pytest.raises(TelephonyError) as caught:
        await asyncio.wait_for(ari.originate("Local/1@x", channel_id="c1", app_args="customer", timeout_s=20), 5)
    assert caught.value.timed_out
    assert "no answer from ARI" in str(caught.value)
    assert channels.hung_up == ["c1"]


async def test_a_prompt_originate_is_not_hung_up() -> None:
    channels = _Channels(originate_delay_s=0)
    ari = _client(channels, timeout_s=5)
    await ari.originate("Local/1@x", channel_id="c2", app_args="customer", timeout_s=20)
    assert channels.originated == ["c2"]
    assert channels.hung_up == []


async def test_a_refused_request_is_not_a_timeout() -> None:
    class Refusing(_Channels):
        async def originate(self, **params: Any) -> None:
            raise OSError("connection refused")

    channels = Refusing(0)
    ari = _client(channels, timeout_s=5)
    with pytest.raises(TelephonyError) as caught:
        await ari.originate("Local/1@x", channel_id="c3", app_args="customer", timeout_s=20)
    assert not caught.value.timed_out
    assert channels.hung_up == []


async def test_a_request_on_a_connection_the_server_closed_is_sent_once_more() -> None:
    class ClosedOnce(_Channels):
        tries = 0

        async def originate(self, **params: Any) -> None:
            self.tries += 1
            if self.tries == 1:
                raise aiohttp.ServerDisconnectedError()
            self.originated.append(params["channelId"])

    channels = ClosedOnce(0)
    ari = _client(channels, timeout_s=5)
    await ari.originate("Local/1@x", channel_id="c4", app_args="customer", timeout_s=20)
    assert (channels.tries, channels.originated) == (2, ["c4"])


async def test_a_server_that_keeps_closing_the_connection_is_an_error() -> None:
    class AlwaysClosed(_Channels):
        async def originate(self, **params: Any) -> None:
            raise aiohttp.ServerDisconnectedError()

    ari = _client(AlwaysClosed(0), timeout_s=5)
    with pytest.raises(TelephonyError):
        await ari.originate("Local/1@x", channel_id="c5", app_args="customer", timeout_s=20)


class _Recording(_Channels):
    params: dict[str, Any]

    async def originate(self, **params: Any) -> None:
        self.params = params
        await super().originate(**params)


async def test_a_customer_is_originated_into_the_holding_dialplan() -> None:
    """Not straight into the application (Asterisk hangs that up when no dialer listens at the answer) but
    into dialer-outbound, told which application, with what arguments and for how long to hold."""
    channels = _Recording(0)
    ari = _client(channels, timeout_s=5)
    await ari.originate(
        "Local/1@x", channel_id="c6", app_args="customer", timeout_s=20, variables={"A": "1"}, hold_s=45
    )
    p = channels.params
    assert "app" not in p and (p["context"], p["extension"], p["priority"]) == ("dialer-outbound", "s", 1)
    assert p["variables"] == {"A": "1", "DIALER_APP": "app", "DIALER_ARGS": "customer", "DIALER_HOLD_S": "45"}
    await ari.originate("PJSIP/op1", channel_id="agent-1", app_args="agent,op1", timeout_s=15)
    assert channels.params["app"] == "app" and "context" not in channels.params  # softphones: as before


async def test_a_held_originate_that_timed_out_is_left_to_the_caller_to_follow() -> None:
    channels = _Channels(originate_delay_s=3600)
    ari = _client(channels, timeout_s=0.05)
    with pytest.raises(TelephonyError) as caught:
        await ari.originate("Local/1@x", channel_id="c7", app_args="customer", timeout_s=20, hold_s=30)
    assert caught.value.timed_out and channels.hung_up == []  # it may ring: followed, not cut


class _Applications:
    def __init__(self, status: int | None) -> None:
        self.status = status
        self.subscribed: list[Any] = []

    async def subscribe(self, applicationName: str, eventSource: list[str]) -> None:
        if self.status is not None:
            raise aiohttp.ClientResponseError(SimpleNamespace(real_url="x"), (), status=self.status)  # type: ignore[arg-type]
        self.subscribed.append(eventSource)


@pytest.mark.parametrize(("status", "state"), [(None, "Ringing"), (422, None)])
async def test_follow_says_whether_the_channel_still_exists_and_its_state(status: int | None, state: str) -> None:
    channels = _Channels(0)
    channels.get = _state("Ringing")  # type: ignore[attr-defined]
    ari = _client(channels, timeout_s=5)
    apps = _Applications(status)
    ari._client.applications = apps
    assert await ari.follow("c8") == state
    assert apps.subscribed == ([["channel:c8"]] if state else [])


def _state(state: str) -> Any:
    async def get(channelId: str) -> dict[str, str]:
        return {"id": channelId, "state": state}

    return get


async def test_follow_reports_other_failures() -> None:
    ari = _client(_Channels(0), timeout_s=5)
    ari._client.applications = _Applications(500)
    with pytest.raises(TelephonyError):
        await ari.follow("c9")


class _Recorder:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    async def record(self, **params: Any) -> None:
        self.log.append(f"{self.name}:{params['name']}")


async def test_a_request_on_a_session_closed_by_a_reconnect_is_sent_on_the_new_one() -> None:
    """The websocket dropped as a recording started: aiohttp refuses the request on the closed session before it
    leaves, and once the client has reconnected it goes out on the new session."""
    sent: list[str] = []

    class ClosedSession:
        async def record(self, **params: Any) -> None:
            raise RuntimeError("Session is closed")

    ari = AriClient("http://127.0.0.1:1", "u", "p", "app", _noop, request_timeout_s=5)
    ari._client = SimpleNamespace(channels=ClosedSession())

    async def reconnect() -> None:
        await asyncio.sleep(0.05)
        ari._client = SimpleNamespace(channels=_Recorder("new", sent))
        ari._connected.set()

    task = asyncio.create_task(reconnect())
    await ari.record("snoop-1", "leg-1")
    await task
    assert sent == ["new:leg-1"]


async def test_no_reconnect_in_time_is_not_connected_and_other_runtime_errors_stay_errors() -> None:
    class ClosedSession:
        async def record(self, **params: Any) -> None:
            raise RuntimeError("Session is closed")

    ari = AriClient("http://127.0.0.1:1", "u", "p", "app", _noop, request_timeout_s=0.05)
    ari._client = SimpleNamespace(channels=ClosedSession())
    with pytest.raises(TelephonyError) as caught:
        await ari.record("snoop-1", "leg-1")
    assert "not connected" in str(caught.value) and not caught.value.timed_out

    class Broken:
        async def record(self, **params: Any) -> None:
            raise RuntimeError("something else")

    ari._client = SimpleNamespace(channels=Broken())
    ari._connected.set()
    with pytest.raises(TelephonyError) as caught:
        await ari.record("snoop-1", "leg-1")
    assert "something else" in str(caught.value)
