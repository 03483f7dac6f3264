"""Asterisk refusing originations (here: a dial string naming a channel driver it does not have): each
refused call is a failed origination, never an abandon, and the engine backs off instead of hammering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.service import CampaignRun, DialerService
from tests.labkit import dial

pytestmark = pytest.mark.lab


async def test_refused_originations_back_off(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    numbers = [f"+7980000{i:04d}" for i in range(30)]
    seen: list[CampaignRun] = []

    def stop_after_a_while(service: DialerService, run: CampaignRun) -> None:
        if not seen:
            seen.append(run)
            asyncio.get_running_loop().call_later(6.0, lambda: setattr(run, "stopping", True))

    run = await dial(
        lab,
        softphones,
        tmp_path,
        numbers,
        ["op20"],
        on_tick=stop_after_a_while,
        dial_string="Nonexistent/{number}",
        amd=False,
        recording="none",
    )
    attempts = run.repo.attempts(run.campaign_id)
    # 0.25 s ticks would make ~24 attempts in 6 s; backing off 1, 2, 4 s allows at most 4
    assert 2 <= len(attempts) <= 4
    assert {a.outcome for a in attempts} == {"failed"}
    summary = run.repo.summary(run.campaign_id)
    assert summary.abandoned == 0 and seen[0].failed_originations == len(attempts)
