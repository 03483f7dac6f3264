"""Simulated people calling a campaign's number in the lab, from the lab's customer side.

A caller is an ARI originate of `Local/<DID>@dialer-inbound` with the caller's number as caller ID: the ;1
side runs `[sim-caller]` (440 Hz until hung up: the person's phone), the ;2 side enters the dialplan as a
carrier's call would, is answered and goes into the dialer's Stasis application (asterisk_conf/extensions.conf).
The ;2 channel is the inbound call the dialer sees (its attempt's channel id); hanging up the ;1 side is the
person hanging up. The inbound lab tests and `bench/blended_lab.py` call in this way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from dialer.config import Settings


def inbound_channel(caller_channel: str) -> str:
    """The dialer's side (;2) of a simulated caller's call: the channel id its inbound attempt stores."""
    return f"{caller_channel}-in"


@dataclass
class LabCallers:
    http: aiohttp.ClientSession
    ari_url: str
    did: str  # the campaign's number as the dialplan sees it (digits)
    app: str  # the Stasis application the calls go to (DIALER_APP): a test's own dialer, no other

    async def call_in(self, caller: str, timeout_s: int = 30) -> str:
        """`caller` dials the campaign's number; the id of their (;1) channel, to hang up with."""
        channel_id = f"caller-{uuid.uuid4().hex[:12]}"
        params = {
            "endpoint": f"Local/{self.did}@dialer-inbound",
            "context": "sim-caller",
            "extension": "s",
            "priority": "1",
            "callerId": caller,
            "channelId": channel_id,
            "otherChannelId": inbound_channel(channel_id),
            "timeout": str(timeout_s),
        }
        body = {"variables": {"_DIALER_APP": self.app}}  # inherited by the ;2 side: into this application
        async with self.http.post(f"{self.ari_url}/ari/channels", params=params, json=body) as resp:
            if resp.status != 200:
                raise RuntimeError(f"originate of a caller to {self.did} refused: {resp.status} {await resp.text()}")
        return channel_id

    async def hang_up(self, channel_id: str) -> None:
        """The caller hangs up (their simulated phone, the ;1 side); gone already is fine."""
        async with self.http.delete(f"{self.ari_url}/ari/channels/{channel_id}") as resp:
            if resp.status not in (204, 404):
                raise RuntimeError(f"hang-up of {channel_id} refused: {resp.status} {await resp.text()}")


@asynccontextmanager
async def lab_callers(settings: Settings, did: str) -> AsyncIterator[LabCallers]:
    """Callers to `did` for the dialer these settings configure (its ARI and its application)."""
    password = settings.ari_password.get_secret_value() if settings.ari_password else ""
    auth = aiohttp.encode_basic_auth(settings.ari_user, password)
    async with aiohttp.ClientSession(headers={"Authorization": auth}) as http:
        yield LabCallers(http, settings.ari_url, did.lstrip("+"), settings.ari_app)
