"""The load benchmark's latency extractor on real events: the lab's AMI stamps its events with
Asterisk's clock, and the customer channels it reports, joined with the dialer's attempts, give the
same answered / bridged / abandoned counts as the dialer's own outcomes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bench.ami_recorder import record
from bench.load_events import CallLedger
from dialer.lab import AsteriskLab
from dialer.lab.lab_config import LAB_AMI_SECRET, LAB_AMI_USER
from dialer.lab.softphones import SoftphoneBank
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import dial

pytestmark = pytest.mark.lab


async def test_answer_to_bridge_from_asterisk_events(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    numbers = [
        sim_number(SimBehaviour.HUMAN, 1, 3, prefix="+79510"),
        sim_number(SimBehaviour.HUMAN, 2, 3, prefix="+79511"),
        sim_number(SimBehaviour.HUMAN, 1, 6, prefix="+79512"),
        sim_number(SimBehaviour.BUSY, 1, 0, prefix="+79513"),
    ]
    events = tmp_path / "ami.jsonl"
    stop, ready = asyncio.Event(), asyncio.Event()
    recorder = asyncio.create_task(
        record(lab.config.bind_addr, lab.config.ami_port, LAB_AMI_USER, LAB_AMI_SECRET, events, stop, ready)
    )
    await asyncio.wait_for(ready.wait(), 10)
    try:
        run = await dial(
            lab,
            softphones,
            tmp_path,
            numbers,
            ["op13", "op14"],
            amd=False,
            recording=False,
            wrap_up_seconds=5,
            dialing={"mode": "progressive"},
        )
    finally:
        stop.set()
        await recorder
    attempts = run.repo.attempts(run.campaign_id)
    with events.open() as fh:
        ledger = CallLedger.from_events([json.loads(line) for line in fh], {a.channel_id for a in attempts})
    outcomes = [a.outcome for a in attempts]
    assert ledger.placed == len(attempts) == len(numbers)
    assert ledger.bridged == outcomes.count("connected") >= 2
    assert ledger.answered == outcomes.count("connected") + outcomes.count("abandoned")
    assert ledger.answered_not_bridged == outcomes.count("abandoned")
    latencies = ledger.answer_to_bridge_s()
    assert len(latencies) == ledger.bridged
    for times in ledger.channels.values():  # bridged while the customer was still on the line
        if times.bridged is not None:
            assert times.answered is not None and times.hungup is not None
            assert times.answered <= times.bridged < times.hungup
