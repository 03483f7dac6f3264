"""The evidence adapter against SQLite: schema from the migrations, rows written by the repository."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from dialer.adapters.compliance_evidence import (
    blocked_dial_audit,
    evidence_for_campaign,
    load_attempt_records,
    load_blocked_dials,
    write_evidence_files,
)
from dialer.compliance.checks import ComplianceBlock
from dialer.compliance.profiles import UK
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Attempt, AuditLog
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome

UTC = dt.UTC
DAY = dt.datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # Monday, 10:00 BST


def _repo(sqlite_url: str) -> Repository:
    migrate(sqlite_url)
    return Repository(make_session_factory(make_engine(sqlite_url)))


def test_evidence_from_the_database(sqlite_url: str, tmp_path: Path) -> None:
    repo = _repo(sqlite_url)
    cid = repo.upsert_campaign("uk", fields={"caller_id": "+442071234567"})
    other = repo.upsert_campaign("other", fields={})
    repo.add_contact_list(
        cid,
        "l",
        [
            {"phone": "+442070000001", "timezone": "Europe/London"},
            {"phone": "+442070000002", "timezone_candidates": ["Europe/London", "Europe/Dublin"]},
            {"phone": "+442070000003", "timezone": "Europe/London"},
            {"phone": "+442070000004", "timezone": "Europe/London"},
        ],
    )
    repo.add_contact_list(other, "l", [{"phone": "+442070000009", "timezone": "Europe/London"}])
    tasks = repo.lease_contacts(cid, 4, "test", DAY)
    [foreign] = repo.lease_contacts(other, 1, "test", DAY)
    assert len(tasks) == 4
    connected, abandoned, machine, ringing = tasks
    answered = DAY + dt.timedelta(seconds=6)
    repo.update_attempt(connected.attempt_id, answered_at=answered, bridged_at=answered + dt.timedelta(seconds=0.7))
    repo.finish_attempt(connected.attempt_id, AttemptOutcome.CONNECTED, DAY + dt.timedelta(minutes=3))
    repo.update_attempt(abandoned.attempt_id, answered_at=answered)
    repo.finish_attempt(abandoned.attempt_id, AttemptOutcome.ABANDONED, answered + dt.timedelta(seconds=9))
    repo.update_attempt(machine.attempt_id, answered_at=answered, amd_status="MACHINE", amd_cause="LONGGREETING")
    repo.finish_attempt(machine.attempt_id, AttemptOutcome.MACHINE, answered + dt.timedelta(seconds=4))
    repo.finish_attempt(foreign.attempt_id, AttemptOutcome.ABANDONED, DAY)
    with repo.sessions.begin() as s:
        s.add(
            blocked_dial_audit(
                campaign_id=cid,
                contact_id=99,
                phone="+442070000099",
                reason=ComplianceBlock.NO_CONSENT.value,
                at=DAY - dt.timedelta(hours=1),
            )
        )
        s.add(blocked_dial_audit(campaign_id=other, contact_id=98, phone="+442070000098", reason="do_not_call", at=DAY))
    with repo.sessions() as s:
        before = (s.scalar(select(func.count(Attempt.id))), s.scalar(select(func.count(AuditLog.id))))

    start, end = DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1)
    records = load_attempt_records(repo.sessions, cid, start, end)
    assert [r.attempt_id for r in records] == sorted(t.attempt_id for t in tasks)
    by_id = {r.attempt_id: r for r in records}
    assert by_id[connected.attempt_id].connect_latency_s == 0.7
    assert by_id[connected.attempt_id].originated_at == DAY and by_id[connected.attempt_id].timezone == "Europe/London"
    assert by_id[abandoned.attempt_id].timezone == ("Europe/London", "Europe/Dublin")
    assert by_id[machine.attempt_id].amd_cause == "LONGGREETING"
    assert by_id[ringing.attempt_id].outcome is None
    assert load_attempt_records(repo.sessions, cid, end, end + dt.timedelta(days=1)) == []
    [blocked] = load_blocked_dials(repo.sessions, cid, start, end)
    assert (blocked.contact_id, blocked.reason, blocked.phone) == (99, "no_consent", "+442070000099")

    report = evidence_for_campaign(
        repo.sessions,
        cid,
        "uk",
        rules=UK,
        period_start=dt.date(2026, 3, 30),
        period_end=dt.date(2026, 3, 30),
        report_tz="Europe/London",
    )
    [day] = report.days
    assert day.calls_placed.value == 4
    assert day.live_answers.ids == tuple(sorted((connected.attempt_id, abandoned.attempt_id)))
    assert day.abandons.ids == (abandoned.attempt_id,)
    assert day.amd_fp_estimate.value == 0.05 and day.amd_fp_estimate.ids == (machine.attempt_id,)
    assert report.outside_window.value == 0
    assert report.blocked["no_consent"].ids == (99,)
    assert report.abandon_messages["not_recorded"].ids == (abandoned.attempt_id,)
    summary, ledger = write_evidence_files(report, tmp_path)
    assert summary.read_text(encoding="utf-8-sig").count("\n") > 20
    assert ledger.read_text(encoding="utf-8-sig").count("\n") == 5

    with repo.sessions() as s:  # read-only: nothing was written
        after = (s.scalar(select(func.count(Attempt.id))), s.scalar(select(func.count(AuditLog.id))))
    assert after == before
