"""The connect guard and the pacing ledger follow the one abandon definition (issue 15): the abandon
timer fires at `connect_deadline`, the ledger is fed from `classify_call` once per call, and a
strategy the call path cannot run is refused at start."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dialer.compliance.abandons import classify_call
from dialer.floor import CallStage
from dialer.service.campaign_config import CampaignNotCompliant
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


async def test_connect_first_is_refused_in_plain_words(tmp_path: Path) -> None:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=1, connect_strategy="amd_connect_first", amd=True)
    with pytest.raises(CampaignNotCompliant, match="amd_connect_first is not available yet"):
        await rig.service.start_campaign(cid)
    await rig.service.close()


async def test_connect_first_is_refused_on_every_way_of_dialling(tmp_path: Path) -> None:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=1, connect_strategy="amd_connect_first", amd=True)
    with pytest.raises(CampaignNotCompliant, match="amd_connect_first"):
        await rig.service.run_campaign(cid)  # what the demo and the lab tests call
    assert rig.ari.originated() == []
    await rig.service.close()
