"""Customers are originated into the dialplan (dialer-outbound holds one who answers while no dialer listens)
and followed by subscription: an originate ARI answers too late is followed or settled from Asterisk's
records instead of being stored `failed`; a channel that ended before it could be followed gets its
outcome from the records; the moment of an answer the dialplan kept starts the connect limit. In-memory
ports and a manual clock."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dialer.db.repository import DialTask
from dialer.floor import CallStage
from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState
from dialer.recovery.cdr import CdrRecord
from dialer.recovery.inventory import OUTBOUND_CONTEXT, ChannelInfo
from dialer.recovery.reconcile import OpenAttempt
from dialer.service.adoption import Adoption, Scope
from tests.service.fakes import AttemptRow, Rig, build
from tests.service.test_adoption_learning import FakeRecovery, survey
from tests.service.test_live_service import campaign


async def placed(tmp_path: Path, operators: int = 1, **c: Any) -> tuple[Rig, int, str]:
    rig = build(tmp_path)
    cid = rig.repo.add_campaign(campaign(**c))
    rig.repo.add_contacts(cid, ["+12025550001"])
    logins = [f"op{i}" for i in range(1, operators + 1)]
    for login in logins:
        rig.repo.add_operator(login)
    await rig.service.open_campaign(cid)
    await rig.log_in(cid, *logins)
    return rig, cid, ""


def with_records(rig: Rig, disposition: str | None, cause: int | None = None) -> Adoption:
    """An adoption wired as DialerService wires it, whose call records give every open attempt's channel
    `disposition` (None: Asterisk has no record of it)."""
    service = rig.service

    class Recovery(FakeRecovery):
        def settle_left_open(self, campaign_id: int, records: list[CdrRecord], now: Any, **kw: Any) -> Any:
            only = kw.get("only_channel_ids") or set()
            open_ = [(a_id, row) for a_id, row in rig.repo.attempts.items() if row.outcome is None]
            self.attempts = [
                OpenAttempt(a_id, f"att-{a_id}", campaign_id=campaign_id) for a_id, _ in open_ if f"att-{a_id}" in only
            ]
            records = [
                CdrRecord(a.channel_id, a.attempt_id, now, None, now, disposition, hangup_cause=cause)
                for a in self.attempts
                if disposition is not None
            ]
            resolutions = super().settle_left_open(campaign_id, records, now, **kw)
            for r in resolutions:
                rig.repo.finish_attempt(r.attempt_id, r.outcome, now, None)
            return resolutions

    adoption = Adoption(
        service.ctx, service.desk, service.calls, service.capture, Recovery([], [], []), service.leadership.run_for
    )
    service.calls.settle_from_records = lambda cid, channel: adoption.settle_unfollowed(cid, channel, delay_s=0)
    return adoption


async def settled(rig: Rig) -> None:
    for _ in range(20):
        await asyncio.sleep(0)
    await rig.service.ctx.db.flush()


async def test_a_customer_goes_into_the_holding_dialplan_and_is_followed(tmp_path: Path) -> None:
    rig, cid, _ = await placed(tmp_path)
    await rig.service.pace_once(rig.service.runs[cid])
    (channel,) = rig.ari.originated()
    assert rig.ari.holds[channel] == 30.0  # ServiceOptions.answer_hold_s (DIALER_ANSWER_HOLD_S)
    assert ("follow", channel) in rig.ari.requests
    operators = [r for r in rig.ari.requests if r[0] == "originate" and r[3].startswith("agent")]
    assert operators and all(rig.ari.holds[r[2]] is None for r in operators)  # softphones: straight to Stasis
    assert rig.service.runs[cid].floor.calls[channel].stage is CallStage.DIALING
    (attempt,) = rig.repo.attempts.values()
    assert "ringing_at" not in attempt.values
    await rig.service.close()


async def test_a_call_already_ringing_when_followed_is_known_to_ring(tmp_path: Path) -> None:
    """Its ChannelStateChange came before the subscription and is not sent again."""
    rig, cid, _ = await placed(tmp_path)
    rig.ari.ringing_at_follow = True
    await rig.service.pace_once(rig.service.runs[cid])
    (call,) = rig.service.runs[cid].floor.calls.values()
    (attempt,) = rig.repo.attempts.values()
    assert call.stage is CallStage.RINGING and attempt.values["ringing_at"] == rig.clock.now()
    await rig.service.close()


async def test_an_originate_that_timed_out_is_followed_not_failed(tmp_path: Path) -> None:
    """ARI answered too late but the call went out: it rings, is answered and bridged like any other; the
    server backs off meanwhile."""
    rig, cid, _ = await placed(tmp_path)
    run = rig.service.runs[cid]
    rig.ari.originate_times_out = True
    await rig.service.pace_once(run)
    ((channel, call),) = run.floor.calls.items()
    assert ("follow", channel) in rig.ari.requests and call.stage is CallStage.DIALING
    assert run.failed_originations == 1 and not run.backoff.is_open("default", rig.clock.monotonic())
    assert rig.repo.outcomes() == [None]
    await rig.answer(channel, "customer")
    assert run.floor.calls[channel].stage is CallStage.BRIDGED
    await rig.hang_up(channel)
    assert rig.repo.outcomes() == [AttemptOutcome.CONNECTED]
    await rig.service.close()


async def test_a_timed_out_originate_whose_call_ended_takes_its_outcome_from_the_records(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig, cid, _ = await placed(tmp_path)
    run = rig.service.runs[cid]
    with_records(rig, "BUSY", 17)
    rig.ari.originate_times_out = True
    rig.ari.all_gone = True
    with caplog.at_level(logging.INFO, logger="dialer"):
        await rig.service.pace_once(run)
        await settled(rig)
    assert not run.floor.calls
    assert rig.repo.outcomes() == [AttemptOutcome.BUSY]  # was `failed` before
    # routine (a busy line, an invalid number): said as what it is, not as a warning that no dialer listened
    settled_lines = [r for r in caplog.records if "could be followed" in r.getMessage()]
    assert [r.levelno for r in settled_lines] == [logging.INFO], caplog.text
    assert not [r for r in caplog.records if "no dialer listened" in r.getMessage()], caplog.text
    await rig.service.close()


async def test_a_call_gone_before_it_was_followed_with_no_record_is_a_system_failure(tmp_path: Path) -> None:
    rig, cid, _ = await placed(tmp_path)
    run = rig.service.runs[cid]
    with_records(rig, None)
    rig.ari.all_gone = True
    await rig.service.pace_once(run)
    await settled(rig)
    assert not run.floor.calls and rig.repo.outcomes() == [AttemptOutcome.SYSTEM_FAILURE]
    await rig.service.close()


async def test_without_the_records_a_call_that_could_not_be_followed_is_a_system_failure(tmp_path: Path) -> None:
    """No Recovery port: nothing to read the outcome from. ARI refusing the subscription while up: the
    channel may live unfollowed, so it is hung up."""
    rig, cid, _ = await placed(tmp_path)
    run = rig.service.runs[cid]
    rig.ari.follow_fails = True
    await rig.service.pace_once(run)
    assert [r[0] for r in rig.ari.requests[-2:]] == ["follow", "hangup"]
    assert not run.floor.calls and rig.repo.outcomes() == [AttemptOutcome.SYSTEM_FAILURE]
    await rig.service.close()


async def test_an_answer_held_by_the_dialplan_counts_from_when_the_person_answered(tmp_path: Path) -> None:
    """StasisStart(customer, <epoch of the answer>): 5 s ago is past the 2 s connect limit, so with nobody
    free the abandon message plays at once; the attempt's answer is the real one."""
    rig, cid, _ = await placed(tmp_path, operators=0)
    run = rig.service.runs[cid]
    rig.repo.attempts[1] = AttemptRow(cid, 1, "+12025550001")  # progressive with nobody places nothing
    await rig.service.pacing.originate(run, DialTask(1, 1, "att-1", "+12025550001"))
    answered = rig.clock.now() - timedelta(seconds=5)
    await rig.answer("att-1", "customer", f"{answered.timestamp():.3f}")
    call = run.floor.calls["att-1"]
    assert call.facts.answered_at == answered
    assert rig.clock.monotonic() - call.answered == 5.0
    assert any(r[0] == "play" and r[1] == "att-1" for r in rig.ari.requests)
    await rig.service.close()


async def test_a_held_answer_heard_before_the_adoption_is_replayed_to_it(tmp_path: Path) -> None:
    """A restarted process: the customer answered while it was down, the dialplan held them, Stasis took
    them as soon as the application came back, before the adoption put the call on the floor. The survey
    still saw them held in dialer-outbound: followed, and the early StasisStart is their answer."""
    rig, cid, _ = await placed(tmp_path)
    await rig.service.open_campaign(cid)
    run = rig.service.runs[cid]
    rig.repo.attempts[9] = AttemptRow(cid, 9, "+12025550009")
    answered = rig.clock.now() - timedelta(seconds=1)
    await rig.answer("att-9", "customer", f"{answered.timestamp():.3f}")  # nobody has it yet
    survey(rig, [ChannelInfo("att-9", state="Up", app_name="Wait", context=OUTBOUND_CONTEXT)], [])
    held = OpenAttempt(9, "att-9", campaign_id=cid, contact_id=9, phone="+12025550009")
    adoption = Adoption(
        rig.service.ctx,
        rig.service.desk,
        rig.service.calls,
        rig.service.capture,
        FakeRecovery([held], [], []),
        rig.service.leadership.run_for,
    )
    plan = await adoption.adopt(Scope((cid,)))
    assert [c.action.value for c in plan.calls] == ["follow_answer"]
    assert ("follow", "att-9") in rig.ari.requests
    call = run.floor.calls["att-9"]
    assert call.stage is CallStage.BRIDGED and call.facts.answered_at == answered
    (op,) = run.floor.operators.values()
    assert op.state is OperatorState.ON_CALL
    await rig.service.close()


async def test_a_bridged_call_whose_operator_leg_failed_is_stored_one_sided(tmp_path: Path) -> None:
    """The operator's leg never started (a kill between the bridge and its start, an ARI time-out): the
    customer's side is stored, marked one-sided, not dropped."""
    from datetime import UTC, datetime

    from dialer.floor import CallCapture
    from tests.recordings.synth import write_leg

    rig, cid, _ = await placed(tmp_path)
    rig.repo.attempts[1] = AttemptRow(cid, 1, "+12025550001")
    (tmp_path / "spool").mkdir(exist_ok=True)
    write_leg(tmp_path / "spool" / "att-1-customer.wav", 3.0, [(0.2, 2.5, 440.0)])
    capture = CallCapture(1, "svc", datetime(2026, 12, 5, 12, tzinfo=UTC), server="default")
    capture.legs = {"customer": "att-1-customer", "operator": "att-1-operator"}
    capture.finished, capture.failed, capture.bridged, capture.call_over = {"customer"}, {"operator"}, True, True
    await rig.service.capture._store(capture)
    await rig.service.ctx.db.flush()
    values = rig.repo.attempts[1].values
    assert values["recording"].endswith("/1.ogg") and values["recording_missing_leg"] == "operator"
    assert not (tmp_path / "spool" / "att-1-customer.wav").exists()
    await rig.service.close()
