"""The sample campaign on the lab (connect_strategy: amd_off, RU profile, free operators): no late connects,
and the summary, the console's rates and the evidence report give Asterisk's own channel event log's
figures for the same calls (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from dialer.adapters.compliance_evidence import campaign_evidence
from dialer.db.models import AuditLog
from dialer.lab import AsteriskLab
from dialer.lab.cel import connects, ensure_cel, live_answers_and_abandons, read_cel
from dialer.lab.softphones import SoftphoneBank
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.web.queries import WebQueries
from tests.labkit import dial

pytestmark = pytest.mark.lab

SAMPLE = Path(__file__).resolve().parents[2] / "campaigns" / "sample.yaml"


def sample_campaign() -> dict[str, Any]:
    """The sample's own settings (strategy, profile, limits), without its list import rules."""
    data = yaml.safe_load(SAMPLE.read_text())
    for key in ("lists", "filters", "corporate", "description"):
        data.pop(key, None)
    return dict(data)


async def test_sample_connects_on_time_and_every_figure_agrees_with_cel(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    ensure_cel(lab)
    settings = sample_campaign()
    assert settings["connect_strategy"] == "amd_off" and settings["compliance"]["profile"] == "RU"
    people = [sim_number(SimBehaviour.HUMAN, 1 + i % 2, 3, prefix=f"+7970{i}") for i in range(8)]
    others = [
        sim_number(SimBehaviour.MACHINE, 1, 4, prefix="+79708"),  # amd_off: a machine reaches an operator
        sim_number(SimBehaviour.BUSY, 1, 0, prefix="+79709"),
    ]
    settings.update(amd=False, recording="none", wrap_up_seconds=1)
    contacts = [{"phone": n, "timezone": "Europe/Moscow"} for n in people + others]
    run = await dial(lab, softphones, tmp_path, [], ["op13", "op14", "op15", "op16"], contacts=contacts, **settings)

    attempts = run.repo.attempts(run.campaign_id)
    with run.repo.sessions() as s:
        blocked = [a.detail for a in s.scalars(select(AuditLog).where(AuditLog.action == "dial.blocked"))]
    assert not blocked
    assert len(attempts) == 10 and all(a.outcome is not None for a in attempts)
    cel = connects(read_cel(lab.config.cel_csv_path), [a.channel_id for a in attempts])
    answered = {c for c, x in cel.items() if x.answered_at is not None}
    bridged = {c for c, x in cel.items() if x.bridged_at is not None}
    # Asterisk and the database agree on which calls were answered and which reached an operator
    assert answered == {a.channel_id for a in attempts if a.answered_at is not None}
    assert bridged == {a.channel_id for a in attempts if a.bridged_at is not None}
    assert len(answered) == 9 and bridged == answered  # free operators: every answer connected
    latencies = sorted(x.latency_s for x in cel.values() if x.latency_s is not None)
    print(f"CEL answer -> bridge (s): {latencies}")
    assert max(latencies) < 0.3  # bridged on answer: nowhere near the 2 s limit

    today = datetime.now(UTC).date()
    campaign = run.repo.campaign(run.campaign_id)
    report = campaign_evidence(run.repo.sessions, campaign, period_start=today, period_end=today).totals
    summary = run.repo.summary(run.campaign_id)
    rates = WebQueries(run.repo.sessions).abandon_rates(run.campaign_id)["day"]
    cel_live, cel_abandons = live_answers_and_abandons(cel.values(), connect_limit_s=2.0)
    assert report.late_connects.value == summary.late_connects == 0
    assert report.live_answers.value == summary.live_answers == rates["live"] == len(answered) == cel_live
    assert report.abandons.value + report.late_connects.value == summary.abandoned == rates["abandoned"]
    assert summary.abandoned == cel_abandons == 0
    assert report.abandon_rate == summary.abandon_rate == rates["rate"] == 0.0
    assert report.calls_placed.value == summary.dialled == 10
