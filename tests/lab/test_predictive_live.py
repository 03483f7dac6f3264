"""The predictive engine live on the Asterisk lab: with a low answer rate it keeps more than one call
in flight per free operator, and the people who answer reach operators."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.pacing import DialingMode
from dialer.service import CampaignRun, DialerService
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import dial

pytestmark = pytest.mark.lab


async def test_predictive_dials_ahead_when_few_answer(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    numbers = []
    for i in range(36):  # one person in six answers; the rest ring out or are busy
        if i % 6 == 0:
            numbers.append(sim_number(SimBehaviour.HUMAN, 3, 5, prefix=f"+7940{i:02d}"))
        elif i % 2:
            numbers.append(sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix=f"+7940{i:02d}"))
        else:
            numbers.append(sim_number(SimBehaviour.BUSY, 3, 0, prefix=f"+7940{i:02d}"))
    primed: list[bool] = []

    def prime(service: DialerService, run: CampaignRun) -> None:
        # The campaign ran earlier today with no abandons (so the guard has a base to stand on),
        # and the engine may predict after a handful of dials instead of its default hundred.
        if not primed:
            primed.append(True)
            # ... and in the last hour: 300 bridged calls, so the hour's abandon room is not a fresh hour's
            now = time.time()
            for i in range(300):
                run.ledger.record(now - 3000 + 10 * i, abandoned=False)
            service.change_knobs(run.campaign_id, {"min_dials_to_predict": 6, "min_talks_per_operator": 0})

    run = await dial(
        lab,
        softphones,
        tmp_path,
        numbers,
        ["op15", "op16", "op17", "op18", "op19"],
        on_tick=prime,
        amd=False,
        recording=False,
        ring_timeout_seconds=6,
        dialing={"mode": "predictive", "max_lines": 10, "max_lines_per_operator": 4},
    )
    predictive = [d for d in run.service.decisions if d.decision.mode_used is DialingMode.PREDICTIVE]
    assert predictive, [d.decision.reason for d in run.service.decisions]
    ahead = [d for d in predictive if d.pending + d.decision.calls_to_place > max(d.ready, 1)]
    assert ahead, "never more than one call per free operator"
    attempts = run.repo.attempts(run.campaign_id)
    assert len(attempts) == len(numbers)
    assert sum(a.outcome == "connected" for a in attempts) >= 2
    assert all(a.outcome is not None for a in attempts)
