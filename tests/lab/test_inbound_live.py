"""Calls coming back to the campaign's number, in the real Asterisk lab.

A simulated customer calls from the lab's customer side (dialer.lab.callers: an originate of
`Local/<DID>@dialer-inbound` with the customer's caller ID, the ;2 side entering the dialer's Stasis
application as a carrier's call would). Operators are real SIP softphones. Everything the test checks is
what Asterisk did (the caller's channel in the operator's bridge, its hang-up) and what the dialer stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dialer.bootstrap import dialer_service, repository
from dialer.campaigns import apply_campaign
from dialer.db import migrate
from dialer.db.models import Contact
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.callers import LabCallers, inbound_channel, lab_callers
from dialer.lab.softphones import SoftphoneBank
from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState
from dialer.rules.campaign import parse_campaign
from dialer.service import CampaignRun, DialerService
from dialer.web.operator import _card
from dialer.web.queries import WebQueries
from tests.labkit import campaign_definition, until

pytestmark = pytest.mark.lab

DID = "74950001919"


def utcnow() -> datetime:
    return datetime.now(UTC)


OPERATORS = ["op17", "op18", "op19"]
APP = "dialer-inbound-lab"  # its own Stasis application: no other dialer on the lab sees these calls
ANNA = "+79161110001"  # last spoke to op17; fallback chain op18
VIP = "+79161110009"


@dataclass
class InboundLab:
    lab: AsteriskLab
    repo: Repository
    service: DialerService
    run: CampaignRun
    callers: LabCallers

    def op(self, login: str) -> Any:
        return self.run.floor.operator_by_login(login)

    async def call_in(self, caller: str) -> str:
        """A customer calls the campaign's number; the id of their (;1) channel, to hang up with."""
        return await self.callers.call_in(caller)

    async def hang_up(self, channel_id: str) -> None:
        """The caller hangs up (their simulated phone, the ;1 side)."""
        await self.callers.hang_up(channel_id)

    async def bridge_of(self, login: str) -> list[str]:
        """The channels Asterisk has in the operator's bridge right now."""
        url = f"{self.callers.ari_url}/ari/bridges/{self.op(login).bridge_id}"
        async with self.callers.http.get(url) as resp:
            return list((await resp.json()).get("channels", [])) if resp.status == 200 else []

    def inbound_attempts(self) -> list[Any]:
        return [a for a in self.repo.attempts(self.run.campaign_id) if a.direction == "inbound"]

    async def served_by(self, caller_channel: str, timeout: float = 10) -> str:
        """Wait until the caller's channel is in some operator's bridge (as Asterisk reports it)."""
        inbound = inbound_channel(caller_channel)
        found: list[str] = []

        async def look() -> None:
            while not found:
                for login in OPERATORS:
                    if inbound in await self.bridge_of(login):
                        found.append(login)
                        return
                await asyncio.sleep(0.1)

        await asyncio.wait_for(look(), timeout)
        return found[0]

    async def free(self, login: str) -> None:
        """End the operator's wrap-up with a disposition (back to ready)."""
        op = self.op(login)
        await until(lambda: op.state is OperatorState.WRAP_UP, 10)
        await self.service.dispose(self.run.campaign_id, login, "ok")


@pytest.fixture
async def inbound_lab(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> AsyncIterator[InboundLab]:
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    migrate(url)
    settings = lab.config.settings(database_url=url, recordings_dir=tmp_path / "recordings", ari_app=APP)
    repo = repository(settings)
    definition = parse_campaign(
        campaign_definition(
            name="lab-inbound",
            amd=False,
            wrap_up_seconds=60,
            inbound={"numbers": [f"+{DID}"], "max_wait": 60, "own_operator_wait": 2},
        )
    )
    cid = apply_campaign(repo, definition)
    rows: list[dict[str, Any]] = [
        {"phone": ANNA, "company": "Anna's clinic", "extra": {"fallback_chain": "op18"}},
        {"phone": VIP, "company": "VIP clinic", "extra": {"vip": "да"}},
        *({"phone": f"+7916111000{i}", "company": f"clinic {i}"} for i in range(2, 6)),
    ]
    repo.add_contact_list(cid, "clients", rows)
    for login in OPERATORS:
        repo.ensure_operator(login, login, f"PJSIP/{login}")
    # Anna's earlier conversation was with op17 (the history her card shows)
    op17 = repo.operator("op17")
    assert op17 is not None
    with repo.sessions() as s:
        anna_id = s.query(Contact.id).filter(Contact.phone == ANNA).scalar()
    for task in repo.lease_contacts(cid, 10, "setup", utcnow()):
        if task.contact_id == anna_id:
            repo.update_attempt(task.attempt_id, operator_id=op17.id, bridged_at=utcnow())
            repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, utcnow())
            repo.record_disposition(task.attempt_id, "ok", notes="asked us to call again")
        else:
            repo.finish_attempt(task.attempt_id, AttemptOutcome.NO_ANSWER, utcnow())
    softphones.start_many(OPERATORS)
    service = dialer_service(settings, repo)
    await service.start()
    try:
        async with lab_callers(settings, DID) as callers:
            run = await service.open_campaign(cid)
            for login in OPERATORS:
                await service.login(cid, login)
            await service.wait_logged_in(cid, OPERATORS)
            yield InboundLab(lab, repo, service, run, callers)
            await service.logout_everyone()
            await asyncio.sleep(0.3)
            await service.db.flush()
    finally:
        await service.close()


async def test_reaches_the_last_operator_with_the_card_then_the_chain(inbound_lab: InboundLab) -> None:
    t = inbound_lab
    first = await t.call_in(ANNA)
    assert await t.served_by(first) == "op17"
    op17 = t.op("op17")
    card = _card(SimpleNamespace(queries=WebQueries(t.repo.sessions)), op17.operator_id, op17.attempt_id)  # type: ignore[arg-type]
    assert card is not None and card["phone"] == ANNA and card["company"] == "Anna's clinic"
    assert [p["notes"] for p in card["previous"]] == ["asked us to call again"]
    # op17 is still talking to her when she calls again from another phone line: the next in her chain
    second = await t.call_in(ANNA)
    assert await t.served_by(second) == "op18"
    await t.hang_up(first)
    await t.hang_up(second)
    await t.free("op17")
    await t.free("op18")
    await t.service.db.flush()
    attempts = t.inbound_attempts()
    assert len(attempts) == 2 and all(a.outcome == "connected" for a in attempts)
    assert {a.operator_id for a in attempts} == {t.op("op17").operator_id, t.op("op18").operator_id}
    assert all(a.disposition_code == "ok" and a.bridged_at and a.answered_at for a in attempts)
    await until(lambda: len(t.repo.recordings(t.run.campaign_id)) == 2, 15)  # recorded like any other call
    # the outbound abandon guard counts only the one earlier outbound conversation, not these two
    assert [(live, abandons) for _, live, abandons in t.repo.abandon_history(t.run.campaign_id, 1, utcnow())] == [
        (1, 0)
    ]


async def test_vip_overtakes_the_queue_and_a_hang_up_becomes_a_callback(inbound_lab: InboundLab) -> None:
    t = inbound_lab
    for login in ("op18", "op19"):
        await t.service.pause(t.run.campaign_id, login, "break")
    busy = await t.call_in("+79161110002")  # keeps op17, the only one ready, busy
    assert await t.served_by(busy) == "op17"
    queued = [await t.call_in(f"+7916111000{i}") for i in (3, 4, 5)]
    await asyncio.sleep(0.5)
    vip = await t.call_in(VIP)
    await until(lambda: len(t.inbound_attempts()) == 5, 10)
    await t.hang_up(queued[1])  # +79161110004 gives up waiting
    await t.hang_up(busy)
    await t.free("op17")
    assert await t.served_by(vip) == "op17"  # ahead of three earlier callers
    await t.hang_up(vip)
    await t.free("op17")
    assert await t.served_by(queued[0]) == "op17"  # then first come, first served
    for channel in (queued[0], queued[2]):
        await t.hang_up(channel)
    await asyncio.sleep(0.5)
    await t.service.db.flush()
    by_phone = {a.phone: a for a in t.inbound_attempts()}
    gave_up = by_phone["+79161110004"]
    assert gave_up.outcome == "abandoned" and gave_up.operator_id is None and "hung_up" in (gave_up.notes or "")
    with t.repo.sessions() as s:
        contact = s.query(Contact).filter(Contact.phone == "+79161110004").one()
        assert contact.is_callback and contact.status == "new" and contact.next_attempt_at is not None
    # the queue abandons are not outbound abandons: only the earlier outbound conversation is counted
    assert [(live, abandons) for _, live, abandons in t.repo.abandon_history(t.run.campaign_id, 1, utcnow())] == [
        (1, 0)
    ]
