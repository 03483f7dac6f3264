"""Two dialer processes on one Asterisk, each with its own Stasis application: answering-machine
detection sends every call back to the process that placed it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import dial

pytestmark = pytest.mark.lab


async def test_two_dialers_share_an_asterisk(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    a, b = await asyncio.gather(
        dial(
            lab,
            softphones,
            tmp_path / "a",
            [sim_number(SimBehaviour.HUMAN, 1, 3, prefix="+79800")],
            ["op11"],
            recording="none",
        ),
        dial(
            lab,
            softphones,
            tmp_path / "b",
            [sim_number(SimBehaviour.HUMAN, 1, 3, prefix="+79801")],
            ["op12"],
            recording="none",
            app="dialer-b",
        ),
    )
    for run in (a, b):
        (attempt,) = run.repo.attempts(run.campaign_id)
        assert (attempt.outcome, attempt.amd_status) == ("connected", "HUMAN")
