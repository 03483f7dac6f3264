"""The summary, the console's rates, the ledger's warm start and the evidence report count the same
stored calls the same way (issue 15): a late connect is an abandon in all of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.adapters.compliance_evidence import campaign_evidence
from dialer.campaigns import apply_campaign
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign import parse_campaign
from dialer.web.queries import WebQueries

DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def seed(repo: Repository) -> int:
    definition = parse_campaign(
        {
            "name": "figures",
            "dial_string": "Local/{number}@sim-customers",
            "caller_id": "+74950000000",
            "compliance": {"profile": "RU"},
        }
    )
    cid = apply_campaign(repo, definition)
    repo.add_contact_list(cid, "l", [{"phone": f"+7920000000{i}", "timezone": "Europe/Moscow"} for i in range(5)])
    on_time, late, abandoned, machine, busy = repo.lease_contacts(cid, 5, "seed", DAY)
    answered = DAY + timedelta(seconds=5)
    repo.update_attempt(on_time.attempt_id, answered_at=answered, bridged_at=answered + timedelta(seconds=0.2))
    repo.finish_attempt(on_time.attempt_id, AttemptOutcome.CONNECTED, DAY + timedelta(minutes=2))
    repo.update_attempt(late.attempt_id, answered_at=answered, bridged_at=answered + timedelta(seconds=2.6))
    repo.finish_attempt(late.attempt_id, AttemptOutcome.CONNECTED, DAY + timedelta(minutes=3))
    repo.update_attempt(abandoned.attempt_id, answered_at=answered, abandon_message_played=True)
    repo.finish_attempt(abandoned.attempt_id, AttemptOutcome.ABANDONED, answered + timedelta(seconds=8))
    repo.update_attempt(machine.attempt_id, answered_at=answered, amd_status="MACHINE", amd_cause="LONGGREETING")
    repo.finish_attempt(machine.attempt_id, AttemptOutcome.MACHINE, answered + timedelta(seconds=4))
    repo.finish_attempt(busy.attempt_id, AttemptOutcome.BUSY, DAY + timedelta(seconds=3))
    return cid


def test_every_figure_counts_a_late_connect_as_an_abandon(repo: Repository) -> None:
    cid = seed(repo)
    summary = repo.summary(cid, now=DAY + timedelta(hours=1))
    assert (summary.live_answers, summary.abandoned, summary.late_connects) == (3, 2, 1)
    assert summary.abandon_rate == pytest.approx(2 / 3)

    rates = WebQueries(repo.sessions).abandon_rates(cid, now=DAY + timedelta(minutes=30))
    assert (rates["hour"]["live"], rates["hour"]["abandoned"], rates["hour"]["late_connects"]) == (3, 2, 1)
    assert rates["day"]["rate"] == pytest.approx(summary.abandon_rate)

    (day,) = repo.abandon_history(cid, 30, DAY + timedelta(hours=1))
    assert day[1:] == (3, 2)
    hour = repo.abandon_hour(cid, DAY + timedelta(minutes=30))  # a restarted process's rolling hour
    assert sorted(abandoned for _, abandoned in hour) == [False, True, True]
    assert all(DAY < at <= DAY + timedelta(minutes=30) for at, _ in hour)
    assert repo.abandon_hour(cid, DAY + timedelta(hours=2)) == []

    report = campaign_evidence(repo.sessions, repo.campaign(cid), period_start=DAY.date(), period_end=DAY.date())
    t = report.totals
    assert (t.live_answers.value, t.abandons.value + t.late_connects.value) == (3, 2)
    assert t.abandon_rate == pytest.approx(summary.abandon_rate)


def test_the_stored_amd_verdict_time_moves_the_limit_to_the_greeting_end(repo: Repository) -> None:
    """amd_then_connect: bridged 2.6 s after the answer, 0.4 s after AMD's verdict (HUMAN after 500 ms of
    silence: the greeting ended 0.9 s before the bridge). With `amd_at` stored, every figure measures from
    the greeting's end and the call is on time; without it, from the answer, and it is late (issue 15)."""
    cid = seed(repo)
    late = repo.attempts(cid)[1]
    answered = DAY + timedelta(seconds=5)
    verdict = answered + timedelta(seconds=2.2)
    repo.update_attempt(late.id, amd_status="HUMAN", amd_cause="HUMAN-500-500")
    summary = repo.summary(cid, now=DAY + timedelta(hours=1))
    assert summary.late_connects == 1  # no verdict time: measured from the answer

    repo.update_attempt(late.id, amd_at=verdict)
    assert repo.attempts(cid)[1].amd_at == verdict.replace(tzinfo=None) or repo.attempts(cid)[1].amd_at == verdict
    summary = repo.summary(cid, now=DAY + timedelta(hours=1))
    assert (summary.live_answers, summary.abandoned, summary.late_connects) == (3, 1, 0)
    rates = WebQueries(repo.sessions).abandon_rates(cid, now=DAY + timedelta(minutes=30))
    assert (rates["hour"]["abandoned"], rates["hour"]["late_connects"]) == (1, 0)
    report = campaign_evidence(repo.sessions, repo.campaign(cid), period_start=DAY.date(), period_end=DAY.date())
    assert (report.totals.late_connects.value, report.totals.abandons.value) == (0, 1)
