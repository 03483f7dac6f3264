"""A campaign stopped while its pacing step is between leasing contacts and originating them: the
leased contacts are still dialled and their attempts end, none is left "in progress" for ever."""

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
from dialer.service import CampaignRun, DialTask
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import campaign_definition, until

pytestmark = pytest.mark.lab


async def test_stop_during_originate_leaves_no_attempt_open(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    definition = campaign_definition(dialing={"mode": "progressive"}, recording="none", amd=False)
    campaign_id = apply_campaign(repo, parse_campaign(definition))
    numbers = [sim_number(SimBehaviour.HUMAN, 1, 2, prefix=f"+7980{i:02d}") for i in range(3)]
    repo.add_contact_list(campaign_id, "numbers", [{"phone": n} for n in numbers])
    repo.ensure_operator("op19", "op19", "PJSIP/op19")
    softphones.start_many(["op19"])
    service = dialer_service(lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec"), repo)

    entered, gate = asyncio.Event(), asyncio.Event()
    originate = service.pacing.originate

    async def held_originate(run: CampaignRun, task: DialTask, server: str | None = None) -> None:
        entered.set()
        await gate.wait()  # the stop arrives here, after the lease and before the call exists
        await originate(run, task, server)

    service.pacing.originate = held_originate  # type: ignore[method-assign]
    await service.start()
    try:
        await service.open_campaign(campaign_id)
        await service.login(campaign_id, "op19")
        await service.wait_logged_in(campaign_id, ["op19"])
        await service.start_campaign(campaign_id)
        await asyncio.wait_for(entered.wait(), 60)
        await asyncio.wait_for(service.stop_campaign(campaign_id), 10)
        gate.set()
        await until(
            lambda: bool(repo.attempts(campaign_id)) and all(a.outcome for a in repo.attempts(campaign_id)),
            90,
        )
        attempts = repo.attempts(campaign_id)
        assert len(attempts) == 1  # progressive, one operator: one leased contact, dialled once
        assert attempts[0].outcome == "connected"
        assert service.dialling() == set()  # stopped: nothing more was placed
        await service.wait_idle()
        await service.logout(campaign_id, "op19")
    finally:
        await service.close()
