"""Inbound calls through the real DialerService on in-memory ports: identification, routing by the rules,
the outbound bridge path, callback tasks, and no effect on the outbound abandon guard."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dialer.db.inbound import InboundCaller
from dialer.floor import CallStage
from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState
from dialer.recordings.local_store import LocalRecordingStore
from dialer.service import AsteriskLink, AsteriskLinks, DialerService, ServiceOptions
from dialer.service.run_state import CampaignRun
from tests.service.fakes import (
    AttemptRow,
    FakeAmi,
    FakeAri,
    FakeLeases,
    InlineWorker,
    InMemoryRepository,
    ManualClock,
    NothingLeftOpen,
)

DID = "+74950000001"


@dataclass
class InMemoryInbound:
    repo: InMemoryRepository
    contacts: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # phone -> (id, details)
    last_operator: dict[int, int] = field(default_factory=dict)
    callbacks: list[tuple[int, int | None]] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)
    exits: dict[int, str | None] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))

    def identify(self, campaign_id: int, phones: frozenset[str], at: datetime) -> InboundCaller:
        for phone in phones:
            if phone in self.contacts:
                cid, details = self.contacts[phone]
                ops = {o.login: o.id for o in self.repo.operators.values()}
                return InboundCaller(cid, True, details, self.last_operator.get(cid), ops)
        return InboundCaller(next(self._ids), False)

    def open_attempt(self, campaign_id: int, contact_id: int, phone: str, channel_id: str, at: datetime) -> int:
        attempt_id = next(self._ids)
        self.repo.attempts[attempt_id] = AttemptRow(campaign_id, contact_id, phone, values={"direction": "inbound"})
        return attempt_id

    def finish_unserved(
        self,
        attempt_id: int,
        at: datetime,
        notes: str,
        cause: int | None,
        cause_txt: str | None,
        queue_exit: str | None = None,
    ) -> None:
        self.repo.attempts[attempt_id].outcome = AttemptOutcome.ABANDONED
        self.notes[attempt_id] = notes
        self.exits[attempt_id] = queue_exit

    def callback_task(self, contact_id: int, operator_id: int | None, at: datetime) -> bool:
        self.callbacks.append((contact_id, operator_id))
        return True


@dataclass
class InboundRig:
    service: DialerService
    repo: InMemoryRepository
    ari: FakeAri
    records: InMemoryInbound
    clock: ManualClock
    run: CampaignRun
    ledger: list[bool]

    def op_id(self, login: str) -> int:
        return self.repo.operators[login].id

    def live(self, login: str) -> Any:
        return self.run.floor.operator_by_login(login)

    async def emit(self, event: dict[str, Any]) -> None:
        await self.ari.on_event(event)  # through the handler the service installed

    async def call_in(self, channel_id: str, number: str, did: str = DID) -> None:
        await self.emit(
            {
                "type": "StasisStart",
                "channel": {"id": channel_id, "caller": {"number": number}, "dialplan": {"exten": did}},
                "args": ["inbound", did],
            }
        )

    async def hang_up(self, channel_id: str) -> None:
        await self.emit({"type": "ChannelDestroyed", "channel": {"id": channel_id}, "cause": 16})

    def bridged_to(self, channel_id: str) -> str | None:
        for r in self.ari.requests:
            if r[0] == "add_to_bridge" and r[2] == channel_id:
                return next(o.login for o in self.run.floor.operators.values() if o.bridge_id == r[1])
        return None


CAMPAIGN: dict[str, Any] = {
    "name": "inb",
    "dial_string": "PJSIP/{number}@carrier",
    "recording": False,
    "dialing": {"mode": "progressive"},
    "wrap_up_seconds": 5,
    "dispositions": [{"code": "ok"}],
    "inbound": {"numbers": [DID], "max_wait": 30, "own_operator_wait": 10},
}


async def rig(tmp_path: Path, logins: list[str], campaign: dict[str, Any] | None = None) -> InboundRig:
    repo = InMemoryRepository()
    ari = FakeAri()
    records = InMemoryInbound(repo)
    clock = ManualClock()
    links = AsteriskLinks([AsteriskLink("default", ari, FakeAmi(), None, tmp_path / "spool")], "default")
    service = DialerService(
        options=ServiceOptions(trunk="Local/{number}@x", recording_spool_dir=tmp_path / "spool"),
        links=links,
        repo=repo,
        db=InlineWorker(),
        leases=FakeLeases(),
        open_work=NothingLeftOpen(),
        recording_store=LocalRecordingStore(tmp_path / "recordings"),
        node="test",
        clock=clock,
        inbound_records=records,
    )
    cid = repo.add_campaign(campaign or CAMPAIGN)
    for login in logins:
        repo.add_operator(login)
    run = await service.open_campaign(cid)
    ledger: list[bool] = []
    run.ledger.record = lambda at, abandoned: ledger.append(abandoned)  # type: ignore[method-assign]
    r = InboundRig(service, repo, ari, records, clock, run, ledger)
    for login in logins:  # op1 has been ready longest
        op = await service.login(cid, login)
        await r.emit({"type": "StasisStart", "channel": {"id": op.channel_id}, "args": ["agent", login]})
        clock.advance(1)
    return r


async def test_reaches_the_operator_who_last_spoke_to_them(tmp_path: Path) -> None:
    r = await rig(tmp_path, ["op1", "op2"])
    r.records.contacts["+79161234567"] = (7, {})
    r.records.last_operator[7] = r.op_id("op2")
    await r.call_in("in-1", "89161234567")  # the Russian national spelling of the stored number
    assert r.bridged_to("in-1") == "op2"
    op2 = r.live("op2")
    assert op2.state is OperatorState.ON_CALL and op2.attempt_id == r.run.floor.calls["in-1"].attempt_id
    attempt = r.repo.attempts[op2.attempt_id]
    assert attempt.values["operator_id"] == op2.operator_id and attempt.values["direction"] == "inbound"
    await r.hang_up("in-1")
    assert attempt.outcome is AttemptOutcome.CONNECTED and r.live("op2").state is OperatorState.WRAP_UP
    await r.service.dispose(r.run.campaign_id, "op2", "ok")
    assert attempt.disposition == "ok" and r.live("op2").state is OperatorState.READY
    assert r.ledger == []  # the outbound abandon guard never saw it
    await r.service.close()


async def test_busy_operator_passes_the_call_to_the_next_in_the_chain(tmp_path: Path) -> None:
    r = await rig(tmp_path, ["op1", "op2", "op3"])
    r.records.contacts["+79161234567"] = (7, {"fallback_chain": "op3"})
    r.records.last_operator[7] = r.op_id("op2")
    await r.service.pause(r.run.campaign_id, "op2", "break")
    await r.call_in("in-1", "+79161234567")
    assert r.bridged_to("in-1") == "op3"  # not op1, although op1 has been idle longest
    await r.service.close()


async def test_key_client_waits_for_their_people_then_the_team(tmp_path: Path) -> None:
    r = await rig(tmp_path, ["op1", "op2"])
    r.records.contacts["+79161234567"] = (7, {"account_manager": "op2", "vip": "да"})
    await r.service.pause(r.run.campaign_id, "op2", "break")
    await r.call_in("in-1", "+79161234567")
    assert r.bridged_to("in-1") is None and r.run.floor.calls["in-1"].stage is CallStage.QUEUED
    r.clock.advance(10)
    assert r.service.inbound is not None
    await r.service.inbound.route(r.run, "default")
    assert r.bridged_to("in-1") == "op1"
    await r.service.close()


async def test_vip_overtakes_a_queue_of_ordinary_callers(tmp_path: Path) -> None:
    r = await rig(tmp_path, ["op1"])
    r.records.contacts["+79160000009"] = (9, {"vip": "yes"})
    await r.service.pause(r.run.campaign_id, "op1", "break")
    for i in range(3):
        await r.call_in(f"in-{i}", f"+7916000000{i}")
        r.clock.advance(1)
    await r.call_in("in-vip", "+79160000009")
    assert all(c.stage is CallStage.QUEUED for c in r.run.floor.calls.values() if c.inbound)
    await r.service.set_ready(r.run.campaign_id, "op1")
    assert r.bridged_to("in-vip") == "op1"
    assert [r.bridged_to(f"in-{i}") for i in range(3)] == [None, None, None]
    await r.hang_up("in-vip")
    await r.service.dispose(r.run.campaign_id, "op1", "ok")
    assert r.bridged_to("in-0") == "op1"  # then first come, first served
    await r.service.close()


async def test_hang_up_in_the_queue_becomes_a_callback_task(tmp_path: Path) -> None:
    r = await rig(tmp_path, ["op1", "op2"])
    r.records.contacts["+79161234567"] = (7, {})
    r.records.last_operator[7] = r.op_id("op2")
    await r.service.pause(r.run.campaign_id, "op1", "break")
    await r.service.pause(r.run.campaign_id, "op2", "break")
    await r.call_in("in-1", "+79161234567")
    attempt_id = r.run.floor.calls["in-1"].attempt_id
    r.clock.advance(4)
    await r.hang_up("in-1")
    assert r.records.callbacks == [(7, r.op_id("op2"))]
    assert r.repo.attempts[attempt_id].outcome is AttemptOutcome.ABANDONED
    assert "hung_up" in r.records.notes[attempt_id]
    assert r.records.exits[attempt_id] == "hung_up"
    assert "in-1" not in r.run.floor.calls and r.ledger == []
    await r.service.close()


async def test_max_wait_plays_the_callback_message_and_leaves_a_task(tmp_path: Path) -> None:
    r = await rig(tmp_path, ["op1"])
    await r.service.pause(r.run.campaign_id, "op1", "break")
    await r.call_in("in-1", "+79165550000")
    r.clock.advance(30)
    assert r.service.inbound is not None
    await r.service.inbound.route(r.run, "default")
    (play,) = [x for x in r.ari.requests if x[0] == "play"]
    assert play[1] == "in-1" and play[2] == "sound:vm-goodbye"
    assert r.records.callbacks == [(10_000, None)]
    await r.emit({"type": "PlaybackFinished", "playback": {"id": play[3]}})
    assert ("hangup", "in-1") in r.ari.requests
    await r.hang_up("in-1")
    assert "max_wait" in next(iter(r.records.notes.values()))
    assert list(r.records.exits.values()) == ["max_wait"]
    await r.service.close()


async def test_closed_hours_message(tmp_path: Path) -> None:
    closed = {**CAMPAIGN, "inbound": {**CAMPAIGN["inbound"], "hours": {"daily": None}, "closed_message": "sound:x"}}
    r = await rig(tmp_path, ["op1"], closed)
    await r.call_in("in-1", "+79165550000")
    assert r.bridged_to("in-1") is None
    assert [x[2] for x in r.ari.requests if x[0] == "play"] == ["sound:x"]
    assert r.records.callbacks == []
    await r.service.close()


@pytest.mark.parametrize("did", ["+74959999999"])
async def test_a_number_no_campaign_answers_is_hung_up(tmp_path: Path, did: str) -> None:
    r = await rig(tmp_path, ["op1"])
    await r.call_in("in-1", "+79165550000", did=did)
    assert ("hangup", "in-1") in r.ari.requests and "in-1" not in r.run.floor.calls
    await r.service.close()


async def test_stasis_end_ends_an_inbound_call(tmp_path: Path) -> None:
    """A call that came in through the dialplan leaves the application with StasisEnd; no ChannelDestroyed."""
    r = await rig(tmp_path, ["op1"])
    await r.call_in("in-1", "+79165550000")
    assert r.bridged_to("in-1") == "op1"
    await r.emit({"type": "StasisEnd", "channel": {"id": "in-1"}})
    assert r.live("op1").state is OperatorState.WRAP_UP and "in-1" not in r.run.floor.calls
    await r.service.pause(r.run.campaign_id, "op1", "break")  # no effect in wrap-up; queue the next one
    await r.service.dispose(r.run.campaign_id, "op1", "ok")
    await r.service.pause(r.run.campaign_id, "op1", "break")
    await r.call_in("in-2", "+79165550001")
    await r.emit({"type": "StasisEnd", "channel": {"id": "in-2"}})
    assert [op for _, op in r.records.callbacks] == [None] and "in-2" not in r.run.floor.calls
    await r.service.close()


async def test_blended_pacing_keeps_operators_for_inbound(tmp_path: Path) -> None:
    """The pacing loop shows decide() the floor without the operator on an inbound call and without the
    reserve the expected traffic needs; the inbound call's handle time goes to the inbound learner."""
    from dataclasses import replace

    from dialer.service.pacing_loop import PacingLoop

    campaign = {**CAMPAIGN, "inbound": {**CAMPAIGN["inbound"], "expected_per_hour": 60}}
    r = await rig(tmp_path, ["op1", "op2", "op3", "op4"], campaign)
    assert r.run.config.inbound is not None and r.run.config.inbound.expected_per_hour == 60
    r.records.contacts["+79161234567"] = (7, {})
    await r.call_in("in-1", "+79161234567")
    op1 = r.live("op1")
    assert r.bridged_to("in-1") == "op1" and op1.inbound_since is not None
    assert sum(r.run.inbound_learner.hour_arrivals) == 1
    now = r.clock.monotonic()
    snapshot = r.run.floor.snapshot(now, r.run.config.knobs, 100)
    plan = PacingLoop.blend(r.run, snapshot, now, 10)
    assert plan is not None
    seen = {o.operator_id for o in plan.snapshot.operators}
    assert op1.operator_id not in seen and plan.inbound_busy == 1
    assert plan.held >= 1 and len(seen) == 4 - 1 - plan.held
    assert "needs" in plan.reason
    outbound_only = replace(r.run.config, inbound=None)
    r.run.config = outbound_only
    assert PacingLoop.blend(r.run, snapshot, now, 10) is None
    r.clock.advance(100)
    talks = r.run.learner.talk.observations
    await r.hang_up("in-1")
    await r.service.dispose(r.run.campaign_id, "op1", "ok")
    assert r.run.learner.talk.observations == talks  # not an outbound talk
    assert sum(r.run.inbound_learner.hour_handles) == 1 and op1.inbound_since is None
    await r.service.close()
