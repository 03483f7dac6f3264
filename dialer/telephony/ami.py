"""AMI adapter (panoramisk): liveness that is actually checked, and Asterisk's own channel inventory.

panoramisk's built-in ping does not look at the reply, so a half-open connection would go unnoticed;
`alive()` sends a Ping and waits for its Success. Call control itself goes through ARI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from panoramisk import Manager

log = logging.getLogger(__name__)


class AmiError(RuntimeError):
    pass


class AmiClient:
    def __init__(self, host: str, port: int, user: str, secret: str) -> None:
        self.host, self.port, self.user, self.secret = host, port, user, secret
        self.manager: Any = None

    async def connect(self, timeout: float = 10.0) -> None:
        self.manager = Manager(
            loop=asyncio.get_running_loop(),
            host=self.host,
            port=self.port,
            username=self.user,
            secret=self.secret,
            events="off",
            ping_delay=10,
            ping_interval=10,
            reconnect_timeout=2,
            forgetable_actions=("ping", "login", "originate"),
            log=log,
        )
        try:
            await asyncio.wait_for(self.manager.connect(), timeout)
        except (OSError, TimeoutError) as exc:
            raise AmiError(f"AMI at {self.host}:{self.port} is not reachable: {exc}") from exc
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.manager.authenticated:
            if loop.time() > deadline:
                raise AmiError(f"AMI login as {self.user!r} failed")
            await asyncio.sleep(0.05)

    async def action(self, action: dict[str, str], timeout: float = 5.0, as_list: bool | None = False) -> Any:
        """as_list None: panoramisk decides from the reply (a list when one follows, else the single reply)."""
        if self.manager is None or not self.manager.authenticated:
            raise AmiError("AMI is not connected")
        return await asyncio.wait_for(self.manager.send_action(dict(action), as_list=as_list), timeout)

    async def alive(self, timeout: float = 2.0) -> bool:
        try:
            reply = await self.action({"Action": "Ping"}, timeout)
        except (AmiError, TimeoutError, OSError):
            return False
        return str(reply.get("Response", "")).lower() == "success"

    async def channels(self) -> list[dict[str, str]]:
        """Every channel Asterisk has now (CoreShowChannels): for reconciliation after a restart."""
        replies = await self.action({"Action": "CoreShowChannels"}, timeout=10, as_list=True)
        return [dict(r) for r in replies if r.get("Event") == "CoreShowChannel"]

    async def close(self) -> None:
        if self.manager is not None:
            # panoramisk reconnects from connection_lost; a deliberate close must not
            self.manager.connection_lost = lambda *_: None
            with contextlib.suppress(Exception):
                self.manager.close()
            self.manager = None
