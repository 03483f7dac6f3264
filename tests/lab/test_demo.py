"""The README's first command, in CI mode, end to end; its summary must agree with the database."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from dialer.config import PROJECT_ROOT
from dialer.lab import AsteriskLab

pytestmark = pytest.mark.lab


def test_demo_runs_and_its_summary_matches_the_database(lab: AsteriskLab, tmp_path: Path) -> None:
    summary_file = tmp_path / "summary.json"
    res = subprocess.run(
        ["bash", "scripts/demo.sh", "--quick", "--json-summary", str(summary_file)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Campaign sample-dentists" in res.stdout
    printed = json.loads(summary_file.read_text())

    db = sqlite3.connect(PROJECT_ROOT / "var" / "demo.db")
    outcomes = Counter(o for (o,) in db.execute("SELECT outcome FROM attempt"))
    recordings = db.execute("SELECT count(*) FROM recording").fetchone()[0]
    held = db.execute("SELECT count(*) FROM contact WHERE status = 'held'").fetchone()[0]
    db.close()

    assert printed["dialled"] == sum(outcomes.values()) == 10  # --quick dials the first ten contacts
    assert held == 24 - 10
    assert outcomes[None] == printed["in_progress"] == 0
    assert printed["bridged"] == outcomes["connected"] > 0
    assert printed["abandoned"] == outcomes["abandoned"]
    assert printed["no_answer"] == outcomes["no_answer"] > 0
    assert printed["busy"] == outcomes["busy"] > 0
    # the sample connects on answer (connect_strategy: amd_off): machines reach operators as calls
    assert printed["machine"] == outcomes["machine"]
    assert printed["answered"] == outcomes["connected"] + outcomes["abandoned"] + outcomes["machine"]
    assert recordings == outcomes["connected"]  # every bridged call recorded
    assert 0 < printed["occupancy"] < 1
    # one definition of an abandon: the README's evidence report counts what the summary counts
    _evidence_agrees_with_summary(printed)


def _evidence_agrees_with_summary(printed: dict[str, float]) -> None:
    from datetime import UTC, datetime

    from dialer.adapters.compliance_evidence import campaign_evidence
    from dialer.db import repository_for

    repo = repository_for(f"sqlite:///{PROJECT_ROOT / 'var' / 'demo.db'}")
    campaign = repo.campaign_by_name("sample-dentists")
    assert campaign is not None
    today = datetime.now(UTC).date()
    totals = campaign_evidence(repo.sessions, campaign, period_start=today, period_end=today).totals
    assert totals.calls_placed.value == printed["dialled"]
    assert totals.live_answers.value == printed["bridged"] + printed["abandoned"]
    assert totals.abandons.value == printed["abandoned"]
    assert totals.late_connects.value == 0  # connected on answer: never late
    assert totals.abandon_rate == printed["abandon_rate"]
