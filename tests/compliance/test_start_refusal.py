"""A campaign whose profile screens a national register does not start while the register is missing
or stale (the service's start check, on SQLite and PostgreSQL; no Asterisk is contacted)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.config import Settings
from dialer.db.compliance_store import load_register
from dialer.db.repository import Repository
from dialer.rules.campaign import parse_campaign
from dialer.service import CampaignNotCompliant

UK_CAMPAIGN = {
    "name": "uk-start",
    "dial_string": "Local/{number}@sim-customers",
    "caller_id": "+442071234567",
    "ring_timeout_seconds": 20,
    "dialing": {"mode": "progressive", "max_lines": 5},
    "compliance": {"profile": "UK"},
}


async def test_start_refused_without_a_fresh_register(repo: Repository, db_url: str) -> None:
    cid = apply_campaign(repo, parse_campaign(UK_CAMPAIGN))
    settings = Settings(database_url=db_url, ari_password=SecretStr("x"), ami_password=SecretStr("x"))
    service = dialer_service(settings, repo)
    try:
        with pytest.raises(CampaignNotCompliant) as missing:
            await service.start_campaign(cid)
        assert any("TPS register is not loaded" in p for p in missing.value.problems), missing.value.problems
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(days=29)
        load_register(repo.sessions, "TPS", ["+442079460001"], as_of=stale)
        with pytest.raises(CampaignNotCompliant) as old:
            await service.start_campaign(cid)
        assert [p for p in old.value.problems if "TPS" in p] == [
            p for p in old.value.problems if "29 days old" in p and "at most 28 days" in p
        ]
        assert len([p for p in old.value.problems if "TPS" in p]) == 1
        load_register(repo.sessions, "TPS", ["+442079460001"], as_of=dt.datetime.now(dt.UTC))
        config = service.runs[cid].config
        assert config.compliance_problems() == []  # nothing else in its settings is wrong
        assert cid not in service.dialling()
    finally:
        await service.close()
