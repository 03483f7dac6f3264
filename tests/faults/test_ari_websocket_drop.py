"""Only the ARI websocket drops (a network blip, a proxy restart) while Asterisk stays up: no call is cut.
The calls go on in Asterisk; when the websocket is back the dialer adopts them again from what Asterisk
lists, and a call whose events were missed meanwhile is still followed to its real outcome."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.telephony.ari import AriClient
from tests.labkit import campaign_definition, until

pytestmark = [pytest.mark.lab, pytest.mark.timeout(300)]


async def drop_websocket(ari: AriClient) -> None:
    """Close the event websocket under the client, as the network would; its REST side is left alone."""
    client = ari._client  # the test reaches in to cut the one connection
    assert client is not None
    for ws in list(client.websockets):
        await ws.close()


async def test_a_dropped_websocket_cuts_no_call(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drop.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    definition = campaign_definition(
        name="drop", amd=False, recording=True, ring_timeout_seconds=30, dialing={"mode": "progressive"}
    )
    campaign_id = apply_campaign(repo, parse_campaign(definition))
    talking = sim_number(SimBehaviour.HUMAN, 1, 15, prefix="+79350")
    ringing = sim_number(SimBehaviour.BUSY, 8, 0, prefix="+79351")  # its end falls around the drop
    repo.add_contact_list(campaign_id, "l", [{"phone": talking}, {"phone": ringing}])
    logins = ["op15", "op16"]
    for login in logins:
        repo.ensure_operator(login, login, f"PJSIP/{login}")
    softphones.start_many(logins)

    service = dialer_service(lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec"), repo)
    await service.start()
    pacing: asyncio.Task[None] | None = None
    try:
        run = await service.open_campaign(campaign_id)
        for login in logins:
            await service.login(campaign_id, login)
        await service.wait_logged_in(campaign_id, logins)
        pacing = asyncio.create_task(service.run_campaign(campaign_id, until_done=False))
        await until(lambda: any(c.stage.value == "bridged" for c in run.floor.calls.values()), 30)
        assert len(run.floor.calls) == 2

        reconnects = service.ari.reconnects
        await drop_websocket(service.ari)  # type: ignore[arg-type]
        await until(lambda: service.ari.reconnects > reconnects, 10)
        await until(lambda: service.ari.connected, 20)
        await asyncio.sleep(1.0)
        # the conversation is still on the floor, bridged to its operator, and nobody logged in again
        (talk,) = [c for c in run.floor.calls.values() if c.phone == talking]
        assert talk.stage.value == "bridged" and talk.operator is not None
        assert len(run.floor.operators) == 2
        await until(lambda: all(a.outcome is not None for a in repo.attempts(campaign_id)), 60)
        await until(lambda: len(repo.recordings(campaign_id)) == 1, 30)
        pacing.cancel()
        await service.wait_idle()
    finally:
        if pacing is not None:
            pacing.cancel()
        await service.close()
    by_phone = {a.phone: a for a in repo.attempts(campaign_id)}
    assert len(by_phone) == 2  # nobody dialled twice
    done = by_phone[talking]
    assert done.outcome == "connected" and done.bridged_at is not None and done.ended_at is not None
    assert (done.ended_at - done.bridged_at).total_seconds() > 12  # the whole conversation
    assert by_phone[ringing].outcome == "busy"
    (recording,) = repo.recordings(campaign_id)
    assert recording.attempt_id == done.id and recording.duration_s > 12
