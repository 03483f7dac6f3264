"""The Asterisk servers the service drives: one ARI and one AMI connection each, reconnecting on their own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from dialer.service.background import Background
from dialer.service.ports import CallControl, ManagerLink
from dialer.telephony.ami import AmiError
from dialer.telephony.ari import TelephonyError

log = logging.getLogger(__name__)


@dataclass
class AsteriskLink:
    """One Asterisk server the service drives: its own ARI and AMI connections (each reconnects with its
    own backoff, so one server going down leaves the others dialling) and the lines it may carry."""

    name: str
    ari: CallControl
    ami: ManagerLink
    max_lines: int | None
    spool_dir: Path
    cdr_csv_path: Path | None = None  # Asterisk's call records as the dialer sees them (dialer.recovery.cdr)

    @property
    def up(self) -> bool:
        return self.ari.connected


class AsteriskLinks(Mapping[str, AsteriskLink]):
    """Every server by name; `default` is the one of operators and calls that name none."""

    def __init__(self, links: Iterable[AsteriskLink], default: str) -> None:
        self._links = {link.name: link for link in links}
        if default not in self._links:
            raise KeyError(f"the default Asterisk server {default!r} is not among the configured ones")
        self.default = default

    def __getitem__(self, name: str) -> AsteriskLink:
        return self._links[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._links)

    def __len__(self) -> int:
        return len(self._links)

    def ari(self, server: str | None) -> CallControl:
        """The ARI client of the server a channel or bridge lives on."""
        return self._links[server or self.default].ari

    def any_up(self) -> bool:
        return any(link.up for link in self._links.values())

    def up_links(self) -> list[AsteriskLink]:
        return [link for link in self._links.values() if link.up]

    async def connect(self, background: Background) -> None:
        """Connect to every server. One that is down does not stop the others: its clients keep trying in
        the background and its operators log in when it is up. All down: the error is raised."""
        links = list(self._links.values())
        results = await asyncio.gather(*(self._connect(link, background) for link in links), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if len(errors) == len(results):
            raise errors[0]
        for link, result in zip(links, results, strict=True):
            if isinstance(result, BaseException):
                log.error("Asterisk %s is not reachable, dialling on the others: %s", link.name, result)

    async def _connect(self, link: AsteriskLink, background: Background) -> None:
        try:
            await link.ami.connect()
        except AmiError:
            if len(self._links) == 1:
                raise
            background.spawn(self._connect_ami_later(link), f"ami-{link.name}")
        await link.ari.start()

    @staticmethod
    async def _connect_ami_later(link: AsteriskLink) -> None:
        backoff = 1.0
        while True:
            await asyncio.sleep(backoff)
            try:
                await link.ami.connect()
                return
            except AmiError:
                backoff = min(backoff * 2, 30.0)

    async def end_app_leftovers(self) -> None:
        """End what an earlier process of this Stasis application left on every server that is up."""
        for link in self.up_links():
            channel_ids, bridge_ids = await link.ari.app_inventory()
            for channel_id in channel_ids:
                log.warning("ending channel %s on %s left by an earlier dialer process", channel_id, link.name)
                with contextlib.suppress(TelephonyError):
                    await link.ari.hangup(channel_id)
            for bridge_id in bridge_ids:
                with contextlib.suppress(TelephonyError):
                    await link.ari.destroy_bridge(bridge_id)

    async def end_everywhere(self, channels: list[str], bridges: list[str], timeout_s: float = 5.0) -> None:
        """Hang up `channels` and destroy `bridges` on every server that is up (where they live is not
        known); bounded, so a wedged channel cannot stop the caller."""
        for link in self.up_links():
            for channel_id in channels:
                with contextlib.suppress(TelephonyError, TimeoutError):
                    await asyncio.wait_for(link.ari.hangup(channel_id), timeout_s)
            for bridge_id in bridges:
                with contextlib.suppress(TelephonyError, TimeoutError):
                    await asyncio.wait_for(link.ari.destroy_bridge(bridge_id), timeout_s)

    async def close(self) -> None:
        for link in self._links.values():
            await link.ari.close()
            await link.ami.close()
