"""Adopted calls feed the pacing learner like the live path's calls (issue 14): a restarted dialer's learner
hears of the answers it did not see, the ring times from when the calls were placed, the whole length of a
conversation it adopted, the whole wrap-up of an operator it adopted, and what ended while no dialer listened.
In-memory ports and a manual clock; the adoption's survey and records are fakes."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from dialer.pacing import DialOutcome, OperatorState
from dialer.recovery.adoption import OpenSession
from dialer.recovery.cdr import CdrRecord
from dialer.recovery.inventory import BridgeInfo, ChannelInfo, ServerInventory
from dialer.recovery.orphans import OrphanReport
from dialer.recovery.reconcile import OpenAttempt, Resolution, reconcile
from dialer.service.adoption import Adoption, Scope
from tests.service.fakes import AttemptRow, Rig, build


class FakeRecovery:
    """What an earlier process left: open attempts and sessions, and Asterisk's records of the rest."""

    def __init__(self, attempts: list[OpenAttempt], sessions: list[OpenSession], records: list[CdrRecord]) -> None:
        self.attempts, self.sessions, self.records = attempts, sessions, records

    def open_work(self, campaign_ids: list[int]) -> tuple[list[OpenAttempt], list[OpenSession]]:
        return self.attempts, self.sessions

    def call_records(self, paths: list[Path]) -> list[CdrRecord]:
        return self.records

    def settle_left_open(
        self,
        campaign_id: int,
        records: list[CdrRecord],
        now: datetime,
        *,
        skip_channel_ids: AbstractSet[str] = frozenset(),
        only_channel_ids: AbstractSet[str] | None = None,
        awaiting_disposition: AbstractSet[int] = frozenset(),
    ) -> list[Resolution]:
        left = [a for a in self.attempts if a.channel_id not in skip_channel_ids]
        return reconcile(left, records)

    def store_orphan_recordings(self, spool_dir: Path, live_channel_ids: AbstractSet[str]) -> OrphanReport:
        return OrphanReport()


def survey(rig: Rig, channels: list[ChannelInfo], bridges: list[BridgeInfo]) -> None:
    inv = ServerInventory("default", tuple(channels), tuple(bridges))

    async def inventory(server: str) -> ServerInventory:
        return inv

    async def channel_ids() -> list[str]:
        return [c.id for c in channels]

    rig.ari.inventory = inventory  # type: ignore[attr-defined]
    rig.ari.channel_ids = channel_ids  # type: ignore[attr-defined]


async def adopt(rig: Rig, cid: int, recovery: FakeRecovery) -> None:
    service = rig.service
    adoption = Adoption(service.ctx, service.desk, service.calls, service.capture, recovery, service.leadership.run_for)
    await adoption.adopt(Scope((cid,)))


def setup(tmp_path: Path) -> tuple[Rig, int, int]:
    rig = build(tmp_path)
    cid = rig.repo.add_campaign(
        {
            "name": "svc",
            "dial_string": "PJSIP/{number}@carrier",
            "amd": False,
            "recording": False,
            "dialing": {"mode": "progressive"},
            "wrap_up_seconds": 60,
        }
    )
    rig.repo.add_operator("op1")
    rig.repo.add_operator("op2")
    return rig, cid, rig.repo.operators["op1"].id


def ago(rig: Rig, seconds: float) -> datetime:
    return rig.clock.now() - timedelta(seconds=seconds)


async def test_adopted_and_settled_calls_feed_the_learner_like_live_ones(tmp_path: Path) -> None:
    rig, cid, op1 = setup(tmp_path)
    op2 = rig.repo.operators["op2"].id
    for attempt_id, phone in ((7, "+12025550007"), (8, "+12025550008"), (9, "+12025550009"), (10, "+12025550010")):
        rig.repo.attempts[attempt_id] = AttemptRow(cid, attempt_id, phone)
    await rig.service.open_campaign(cid)
    run = rig.service.runs[cid]
    talking = OpenAttempt(
        7, "att-7", ago(rig, 42), ago(rig, 40), None, 1, cid, 7, "+12025550007", originated_at=ago(rig, 50)
    )
    ringing = OpenAttempt(8, "att-8", campaign_id=cid, contact_id=8, phone="+12025550008", originated_at=ago(rig, 3))
    busy = OpenAttempt(9, "att-9", campaign_id=cid, contact_id=9, phone="+12025550009", originated_at=ago(rig, 30))
    wrapped = OpenSession(
        2, op2, cid, "agent-2", "opbridge-2", "wrap_up", 10, "op2", "PJSIP/op2", wrapping_since=ago(rig, 20)
    )
    session = OpenSession(1, op1, cid, "agent-1", "opbridge-1", "on_call", None, "op1", "PJSIP/op1")
    survey(
        rig,
        [
            ChannelInfo("agent-1", state="Up", app_name="Stasis", in_application=True),
            ChannelInfo("agent-2", state="Up", app_name="Stasis", in_application=True),
            ChannelInfo("att-7", state="Up", app_name="Stasis", in_application=True),
            ChannelInfo("att-8", state="Ringing", in_application=True),
        ],
        [BridgeInfo("opbridge-1", channels=("agent-1", "att-7")), BridgeInfo("opbridge-2", channels=("agent-2",))],
    )
    busy_record = CdrRecord("att-9", 9, ago(rig, 30), None, ago(rig, 22), "BUSY", hangup_cause=17)
    await adopt(rig, cid, FakeRecovery([talking, ringing, busy], [session, wrapped], [busy_record]))

    # the busy call that ended unseen (8 s of ringing) and the answer of the adopted conversation (8 s)
    assert run.learner.ring.observations == 2
    assert sum(run.learner.hour_humans) == 1 and run.answered == 1

    rig.clock.advance(2)
    await rig.answer("att-8", "customer")  # the call that rang on: its ring time counts from its placing
    assert run.learner.ring.observations == 3 and run.answered == 2

    rig.clock.advance(10)
    await rig.hang_up("att-7")  # the adopted conversation ends: 40 s before the restart, 12 s after
    ((_, lasted),) = run.learner._talks_ended
    assert lasted == pytest.approx(52, abs=0.5)

    op = run.floor.operator_by_login("op2")
    assert op is not None and op.state is OperatorState.WRAP_UP
    before = float(run.learner.wrap.value_sum[0])
    await rig.service.desk.dispose(cid, "op2", "ok")  # 20 s of wrap-up before the restart, 12 s after
    assert run.learner.wrap.observations == 1
    observed = (float(run.learner.wrap.value_sum[0]) - before) / run.learner.wrap._weight
    assert observed == pytest.approx(32, abs=0.5)
    await rig.service.close()


def test_a_call_asterisk_kept_no_record_of_teaches_nothing() -> None:
    from dialer.outcomes import AttemptOutcome
    from dialer.recovery.reconcile import dial_observation

    t = datetime(2026, 12, 5, 12, 0)
    placed = {"originated_at": t}
    assert dial_observation(Resolution(1, AttemptOutcome.SYSTEM_FAILURE, None, "", **placed)) is None
    assert dial_observation(Resolution(1, AttemptOutcome.BUSY, t + timedelta(seconds=5), "")) is None  # when placed?
    busy = dial_observation(Resolution(1, AttemptOutcome.BUSY, t + timedelta(seconds=5), "", **placed))
    assert busy is not None and busy[:2] == (DialOutcome.BUSY, 5.0) and busy[3] is None
    rejected = dial_observation(Resolution(1, AttemptOutcome.REJECTED, t + timedelta(seconds=2), "", **placed))
    assert rejected is not None and rejected[0] is DialOutcome.FAILED
    talk = dial_observation(
        Resolution(
            1,
            AttemptOutcome.CONNECTED,
            t + timedelta(seconds=60),
            "",
            answered_at=t + timedelta(seconds=6),
            bridged_at=t + timedelta(seconds=7),
            **placed,
        )
    )
    assert talk is not None and talk[:2] == (DialOutcome.HUMAN, 6.0) and talk[3] == pytest.approx(53)


async def test_a_verdict_heard_before_the_call_was_adopted_is_not_lost(tmp_path: Path) -> None:
    """AMD's verdict reached the restarted process between its survey (the call was still in the dialplan)
    and the adoption: it is replayed, and the person is connected, not left in Stasis."""
    rig, cid, op1 = setup(tmp_path)
    rig.repo.attempts[7] = AttemptRow(cid, 7, "+12025550007")
    await rig.service.open_campaign(cid)
    run = rig.service.runs[cid]
    in_amd = OpenAttempt(7, "att-7", ago(rig, 4), None, None, None, cid, 7, "+12025550007", originated_at=ago(rig, 6))
    session = OpenSession(1, op1, cid, "agent-1", "opbridge-1", "ready", None, "op1", "PJSIP/op1")
    survey(
        rig,
        [
            ChannelInfo("agent-1", state="Up", app_name="Stasis", in_application=True),
            ChannelInfo("att-7", state="Up", app_name="Wait", context="dialer-amd"),
        ],
        [BridgeInfo("opbridge-1", channels=("agent-1",))],
    )
    await rig.answer("att-7", "amd", "HUMAN", "HUMAN-1-1")  # before the call is on the floor
    await adopt(rig, cid, FakeRecovery([in_amd], [session], []))
    op = run.floor.operator_by_login("op1")
    assert op is not None and op.state is OperatorState.ON_CALL
    assert ("add_to_bridge", "opbridge-1", "att-7") in rig.ari.requests
    assert rig.repo.attempts[7].values.get("amd_status") == "HUMAN"
    await rig.service.close()


async def test_a_new_run_starts_its_learner_from_the_campaigns_history(tmp_path: Path) -> None:
    """After a restart the pacing learner is rebuilt from the database's recent dials (warm start): the
    first pacing step predicts instead of dialling progressively for 100 dials."""
    from dialer.pacing.warm_start import CampaignHistory
    from tests.pacing.test_warm_start import shift

    rig, cid, _ = setup(tmp_path)
    rig.repo.add_contacts(cid, [f"+1202555{i:04d}" for i in range(20)])
    dials = shift(250, answer_rate=0.3, ring_s=8, talk_s=60)
    rig.repo.history[cid] = CampaignHistory(tuple(dials))
    await rig.service.open_campaign(cid)
    run = rig.service.runs[cid]
    assert run.learner.ring.observations == 250 and run.learner.talk.observations == sum(
        d.outcome == "connected" for d in dials
    )
    await rig.log_in(cid, "op1", "op2")
    rig.service.change_knobs(cid, {"mode": "predictive"})
    decision = await rig.service.pace_once(run)
    # past the dial gate at once; the new process's rolling hour is young, and gated by the answers it holds
    assert "answers in the young hour" in decision.reason and "dials seen" not in decision.reason, decision.reason
    for _ in range(12):
        run.ledger.record(rig.clock.now().timestamp(), abandoned=False)
    decision = await rig.service.pace_once(run)
    assert not decision.reason.startswith("learning"), decision.reason
    await rig.service.close()


async def test_a_restarted_run_goes_on_from_the_last_hour(tmp_path: Path) -> None:
    """After a crash mid-shift the new process's rolling hour holds the hour before it (from the database): the
    guard counts the abandons made before the restart, and a floor that dialled all hour keeps its trust."""
    from dialer.pacing.warm_start import CampaignHistory
    from tests.pacing.test_warm_start import shift

    rig, cid, _ = setup(tmp_path)
    rig.repo.add_contacts(cid, [f"+1202555{i:04d}" for i in range(20)])
    rig.repo.history[cid] = CampaignHistory(tuple(shift(250, answer_rate=0.3, ring_s=8, talk_s=60)))
    now = rig.clock.now()
    rig.repo.last_hour[cid] = [(now - timedelta(seconds=3500 - 10 * i), i % 50 == 0) for i in range(300)]
    run = await rig.service.open_campaign(cid)
    hour = run.ledger.windows(now.timestamp())[2]
    assert (hour.answered, hour.abandoned) == (300, 6) and hour.covered_s == 3500.0
    await rig.log_in(cid, "op1", "op2")
    rig.service.change_knobs(cid, {"mode": "predictive"})
    decision = await rig.service.pace_once(run)
    assert not decision.reason.startswith("learning"), decision.reason
    await rig.service.close()


async def test_a_campaign_started_again_after_an_hour_has_a_young_hour(tmp_path: Path) -> None:
    """The campaign's next calling window in the same process keeps its learner (estimates from the window
    before) and starts a young rolling hour, as a new process does."""
    rig, cid, _ = setup(tmp_path)
    rig.repo.add_contacts(cid, [f"+1202555{i:04d}" for i in range(20)])
    run = await rig.service.open_campaign(cid)
    rig.clock.advance(2 * 3600)  # the last window's hour is over
    assert run.ledger.windows(rig.clock.now().timestamp())[2].covered_s == 3600.0
    assert await rig.service.start_campaign(cid) is run
    assert run.ledger.windows(rig.clock.now().timestamp())[2].covered_s == 0.0
    await rig.service.close()


async def test_without_history_a_new_run_is_still_learning(tmp_path: Path) -> None:
    rig, cid, _ = setup(tmp_path)
    rig.repo.add_contacts(cid, [f"+1202555{i:04d}" for i in range(20)])
    await rig.service.open_campaign(cid)
    run = rig.service.runs[cid]
    await rig.log_in(cid, "op1", "op2")
    rig.service.change_knobs(cid, {"mode": "predictive"})
    assert (await rig.service.pace_once(run)).reason.startswith("learning")
    await rig.service.close()


async def test_a_history_that_cannot_be_read_leaves_the_learner_cold_not_the_campaign_stopped(tmp_path: Path) -> None:
    rig, cid, _ = setup(tmp_path)

    def broken(campaign_id: int, since: datetime, limit: int = 2000) -> None:
        raise RuntimeError("no such table")

    rig.repo.pacing_history = broken  # type: ignore[assignment,method-assign]
    await rig.service.open_campaign(cid)
    assert rig.service.runs[cid].learner.ring.observations == 0
    await rig.service.close()
