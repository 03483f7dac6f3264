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
