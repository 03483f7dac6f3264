"""The connect guard and the pacing ledger follow the one abandon definition (issue 15): the abandon
timer fires at `connect_deadline`, the ledger is fed from `classify_call` once per call; amd_connect_first
bridges at once and runs AMD on a snoop of the customer's voice."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dialer.compliance.abandons import classify_call
from dialer.floor import CallStage
from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState
from dialer.rules.connect_strategy import MACHINE_TONE
from dialer.service.run_state import CampaignRun
from tests.service.fakes import Rig
from tests.service.test_live_service import rig_with


def stamp(at: datetime) -> str:
    """An ARI event timestamp, as Asterisk writes it."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


async def customer_answers(rig: Rig, channel: str, at: datetime) -> None:
    await rig.emit({"type": "StasisStart", "channel": {"id": channel}, "args": ["customer"], "timestamp": stamp(at)})


async def amd_says(rig: Rig, channel: str, at: datetime, status: str, cause: str) -> None:
    event = {"type": "StasisStart", "channel": {"id": channel}, "args": ["amd", status, cause], "timestamp": stamp(at)}
    await rig.emit(event)


def ledger_spy(run: CampaignRun, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    seen: list[bool] = []
    monkeypatch.setattr(run.ledger, "record", lambda at, abandoned: seen.append(abandoned))
    return seen


def timer_delay(rig: Rig, channel: str) -> float:
    handle = rig.service.ctx.background._timers[f"abandon-{channel}"]
    return handle.when() - asyncio.get_running_loop().time()


async def two_calls_one_operator(tmp_path: Path, **c: Any) -> tuple[Rig, CampaignRun, str, str]:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=2, dialing={"mode": "ratio", "lines_per_operator": 2.0}, **c)
    rig.service.change_knobs(cid, {"compliance_guard": False})
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    first, second = rig.ari.originated()
    return rig, run, first, second


async def test_amd_off_waits_until_the_answer_plus_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rig, run, first, second = await two_calls_one_operator(tmp_path, connect_limit_seconds=2)
    seen = ledger_spy(run, monkeypatch)
    await customer_answers(rig, first, rig.clock.now())  # bridged at once: a live answer, not an abandon
    assert run.floor.calls[first].stage is CallStage.BRIDGED and seen == [False]
    rig.clock.advance(0.5)
    await customer_answers(rig, second, rig.clock.now() - timedelta(seconds=0.5))  # answered 0.5 s ago
    assert run.floor.calls[second].stage is CallStage.WAITING
    assert 1.3 < timer_delay(rig, second) <= 1.5  # the deadline is answer + 2 s, not now + 2 s
    await rig.hang_up(second)  # they gave up waiting: one abandon in the ledger, once
    assert seen == [False, True] and run.abandoned == 1
    await rig.service.close()


async def test_a_past_deadline_plays_the_abandon_message_at_once(tmp_path: Path) -> None:
    rig, run, first, second = await two_calls_one_operator(tmp_path, connect_strategy="amd_then_connect", amd=True)
    now = rig.clock.now()
    await customer_answers(rig, first, now)
    await amd_says(rig, first, now, "HUMAN", "HUMAN-800-800")
    assert run.floor.calls[first].stage is CallStage.BRIDGED
    # no profile: the limit runs from the answer; AMD took 2.5 s, so nobody may wait any longer
    await customer_answers(rig, second, now - timedelta(seconds=2.5))
    assert ("continue", second, "dialer-amd") in rig.ari.requests
    await amd_says(rig, second, now, "HUMAN", "HUMAN-800-800")
    assert run.floor.calls[second].stage is CallStage.ABANDONING
    assert any(r[0] == "play" and r[1] == second for r in rig.ari.requests)
    await rig.service.close()


async def test_the_greeting_clock_gives_the_waiting_person_their_two_seconds(tmp_path: Path) -> None:
    rig, run, first, second = await two_calls_one_operator(
        tmp_path,
        connect_strategy="amd_then_connect",
        amd=True,
        compliance={"profile": "US"},
        caller_id="+12025550100",
        ring_timeout_seconds=20,
    )
    now = rig.clock.now()
    await customer_answers(rig, first, now)
    await amd_says(rig, first, now, "HUMAN", "HUMAN-800-800")
    await customer_answers(rig, second, now - timedelta(seconds=2.5))
    # US: 2 s from the completed greeting, which ended 800 ms before the verdict (now): 1.2 s left
    await amd_says(rig, second, now, "HUMAN", "HUMAN-800-800")
    assert run.floor.calls[second].stage is CallStage.WAITING
    assert 1.0 < timer_delay(rig, second) <= 1.2
    await rig.service.close()


async def test_a_late_bridge_is_an_abandon_in_the_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=1, connect_strategy="amd_then_connect", amd=True)
    run = rig.service.runs[cid]
    seen = ledger_spy(run, monkeypatch)
    await rig.service.pace_once(run)
    (channel,) = rig.ari.originated()
    now = rig.clock.now()
    await customer_answers(rig, channel, now - timedelta(seconds=2.6))
    await amd_says(rig, channel, now, "NOTSURE", "TOOLONG-5000")
    call = run.floor.calls[channel]
    assert call.stage is CallStage.BRIDGED
    verdict = classify_call(call.facts, run.config.connect_rule)
    assert verdict.late_connect and verdict.abandon  # the same verdict the report gives
    assert seen == [True] and run.abandoned == 1
    await rig.hang_up(channel)
    assert seen == [True]  # once per call
    await rig.service.close()


@pytest.mark.parametrize(("counted", "expected"), [(False, []), (True, [True])])
async def test_a_machine_counts_only_where_machines_are_abandons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: bool, expected: list[bool]
) -> None:
    rig, cid = await rig_with(
        tmp_path,
        ["op1"],
        phones=1,
        connect_strategy="amd_then_connect",
        amd=True,
        dialing={"mode": "progressive", "machines_count_as_abandons": counted},
    )
    run = rig.service.runs[cid]
    seen = ledger_spy(run, monkeypatch)
    await rig.service.pace_once(run)
    (channel,) = rig.ari.originated()
    now = rig.clock.now()
    await customer_answers(rig, channel, now)
    await amd_says(rig, channel, now, "MACHINE", "LONGGREETING-1600-1500")
    await rig.hang_up(channel)
    assert seen == expected
    await rig.service.close()


async def snoop_enters(rig: Rig, snoop: str, *args: str) -> None:
    await rig.emit(
        {"type": "StasisStart", "channel": {"id": snoop}, "args": list(args), "timestamp": stamp(rig.clock.now())}
    )


async def connect_first(tmp_path: Path, phones: int = 1, **c: Any) -> tuple[Rig, CampaignRun, list[str]]:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=phones, connect_strategy="amd_connect_first", amd=True, **c)
    rig.service.change_knobs(cid, {"compliance_guard": False})
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    return rig, run, rig.ari.originated()


async def test_connect_first_bridges_at_once_and_detects_on_a_snoop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig, run, (channel,) = await connect_first(tmp_path)
    seen = ledger_spy(run, monkeypatch)
    await customer_answers(rig, channel, rig.clock.now())
    call = run.floor.calls[channel]
    assert call.stage is CallStage.BRIDGED  # at once: nothing waits for the verdict
    assert ("continue", channel, "dialer-amd") not in rig.ari.requests  # the customer stays in the bridge
    await asyncio.sleep(0)
    snoop = f"{channel}-amd"
    assert ("snoop", channel, snoop, "amd_snoop") in rig.ari.requests
    assert seen == []  # a person or a machine: the ledger waits for the verdict
    await snoop_enters(rig, snoop, "amd_snoop")
    assert ("continue", snoop, "dialer-amd") in rig.ari.requests  # AMD() runs on the snoop, in the dialplan
    await snoop_enters(rig, snoop, "amd", "HUMAN", "HUMAN-500-500")
    assert ("hangup", snoop) in rig.ari.requests and ("hangup", channel) not in rig.ari.requests
    assert call.facts.amd_status == "HUMAN" and call.facts.amd_at is not None
    assert rig.repo.attempts[call.attempt_id].values["amd_at"] == call.facts.amd_at
    assert seen == [False]  # a live answer, on time
    assert not any(r[0] == "play" for r in rig.ari.requests)
    await rig.hang_up(channel)
    assert seen == [False] and rig.repo.outcomes() == [AttemptOutcome.CONNECTED]
    await rig.service.close()


@pytest.mark.parametrize("by", ["key", "timeout"])
async def test_connect_first_machine_is_flagged_and_ended_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by: str
) -> None:
    rig, run, (channel,) = await connect_first(tmp_path)
    seen = ledger_spy(run, monkeypatch)
    if by == "timeout":  # the real wait is MACHINE_END_AFTER_S
        monkeypatch.setattr("dialer.service.calls.MACHINE_END_AFTER_S", 0.01)
    await customer_answers(rig, channel, rig.clock.now())
    await asyncio.sleep(0)
    op = next(iter(run.floor.operators.values()))
    snoop = f"{channel}-amd"
    await snoop_enters(rig, snoop, "amd", "MACHINE", "LONGGREETING-1600-1500")
    call = run.floor.calls[channel]
    assert call.stage is CallStage.BRIDGED  # the operator decides, with a tone and the screen
    assert any(r[:3] == ("play", op.channel_id, MACHINE_TONE) for r in rig.ari.requests)
    assert rig.repo.attempts[call.attempt_id].values["amd_status"] == "MACHINE"  # what the desk card shows
    timers = rig.service.ctx.background._timers
    assert f"machine-{channel}" in timers
    if by == "key":
        await rig.service.end_as_machine(run.config.campaign_id, "op1")
    else:
        assert ("hangup", channel) not in rig.ari.requests
        await asyncio.sleep(0.1)
    assert ("hangup", channel) in rig.ari.requests
    await rig.hang_up(channel)
    assert rig.repo.outcomes() == [AttemptOutcome.MACHINE]
    assert op.state is OperatorState.READY  # no wrap-up for a machine
    assert seen == []  # not a live answer; machines count as abandons only where the campaign says so
    await rig.service.close()


async def test_connect_first_operator_keeps_a_person_amd_took_for_a_machine(tmp_path: Path) -> None:
    rig, run, (channel,) = await connect_first(tmp_path)
    await customer_answers(rig, channel, rig.clock.now())
    await asyncio.sleep(0)
    await snoop_enters(rig, f"{channel}-amd", "amd", "MACHINE", "MAXWORDS-3-3")
    await rig.service.end_as_machine(run.config.campaign_id, "op1", keep=True)
    assert f"machine-{channel}" not in rig.service.ctx.background._timers
    assert ("hangup", channel) not in rig.ari.requests
    await rig.hang_up(channel)
    assert rig.repo.outcomes() == [AttemptOutcome.CONNECTED]
    with pytest.raises(ValueError, match="not on a call"):
        await rig.service.end_as_machine(run.config.campaign_id, "op1")
    await rig.service.close()


async def test_connect_first_machine_still_waiting_for_an_operator_is_hung_up(tmp_path: Path) -> None:
    rig, run, calls = await connect_first(tmp_path, phones=2, dialing={"mode": "ratio", "lines_per_operator": 2.0})
    first, second = calls
    await customer_answers(rig, first, rig.clock.now())
    await customer_answers(rig, second, rig.clock.now())
    assert run.floor.calls[second].stage is CallStage.WAITING
    await asyncio.sleep(0)
    await snoop_enters(rig, f"{second}-amd", "amd", "MACHINE", "INITIALSILENCE-2500-2500")
    assert run.floor.calls[second].stage is CallStage.MACHINE
    assert f"abandon-{second}" not in rig.service.ctx.background._timers
    assert ("hangup", second) in rig.ari.requests
    await rig.hang_up(second)
    await rig.hang_up(first)
    assert sorted(str(o) for o in rig.repo.outcomes()) == sorted(
        [str(AttemptOutcome.CONNECTED), str(AttemptOutcome.MACHINE)]
    )
    await rig.service.close()


async def test_connect_first_detection_that_starts_late_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snoop that Asterisk set up long after the answer would let AMD judge half a "hello" (a long
    greeting: machine): no detection then, the operator judges the call."""
    rig, run, (channel,) = await connect_first(tmp_path)
    seen = ledger_spy(run, monkeypatch)
    await customer_answers(rig, channel, rig.clock.now() - timedelta(seconds=0.8))
    await asyncio.sleep(0)
    snoop = f"{channel}-amd"
    await snoop_enters(rig, snoop, "amd_snoop")
    assert ("continue", snoop, "dialer-amd") not in rig.ari.requests and ("hangup", snoop) in rig.ari.requests
    call = run.floor.calls[channel]
    assert (call.facts.amd_status, call.facts.amd_cause) == ("NOTSURE", "LATESTART-800")
    assert call.stage is CallStage.BRIDGED and seen == [False]  # a person, counted once
    assert f"machine-{channel}" not in rig.service.ctx.background._timers
    await rig.service.close()
