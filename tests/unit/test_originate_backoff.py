"""Originations Asterisk refuses back off per server: one server refusing calls leaves the others dialling."""

from __future__ import annotations

import time
from pathlib import Path

from dialer.config import AsteriskServer, Settings
from dialer.db import migrate, repository_for
from dialer.service import CampaignRun, DialerService
from tests.unit.test_campaign_config import _config


async def test_a_server_refusing_originations_is_closed_to_the_campaign_until_its_back_off_ends(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    migrate(url)
    second = AsteriskServer(name="b", ari_url="http://127.0.0.1:8089", ari_password="x", ami_password="y")
    settings = Settings(database_url=url, ari_password="x", ami_password="y", asterisk_servers=[second])
    service = DialerService(settings, repository_for(url))
    for link in service.links.values():
        link.ari._connected.set()  # as if both websockets were up
    run = CampaignRun(_config(caller_id="+12025550100", ring_timeout_seconds=20))
    now = time.monotonic()
    run.originate_paused_until["b"] = now + 5.0
    loads = {load.name: load.up for load in service._server_loads(run, now)}
    assert loads == {"default": True, "b": False}
    assert {load.name: load.up for load in service._server_loads(run, now + 6.0)} == {"default": True, "b": True}
    run.originate_paused_until["default"] = now + 10.0
    decision = await service.pace_once(run)
    assert decision.calls_to_place == 0 and "backing off" in decision.reason
    service.links["b"].ari._connected.clear()  # b down, default backing off: still nothing to dial on
    assert "backing off" in (await service.pace_once(run)).reason
    run.originate_paused_until.clear()
    assert "backing off" not in (await service.pace_once(run)).reason
    service.db.close()
