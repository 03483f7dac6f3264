"""The repository on both backends: leasing, final outcomes, summary arithmetic."""

from datetime import UTC, datetime, timedelta

import pytest

from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _campaign(repo: Repository, n_contacts: int = 5) -> int:
    cid = repo.upsert_campaign(
        "c1", fields={"ring_timeout_s": 15.0}, dispositions=[{"code": "ok", "label": "OK", "positive": True}]
    )
    repo.add_contact_list(cid, "l1", [{"phone": f"+7910000000{i}"} for i in range(n_contacts)])
    return cid


def test_reimport_adds_nothing_and_a_failing_import_stores_nothing(repo: Repository) -> None:
    cid = _campaign(repo, 3)
    assert repo.add_contact_list(cid, "l1", [{"phone": "+79100000000"}, {"phone": "+79100000001"}])[1] == 0

    def broken():  # type: ignore[no-untyped-def]
        yield {"phone": "+79990000001"}
        raise ValueError("row 3, phone: broken")

    with pytest.raises(ValueError, match="row 3"):
        repo.add_contact_list(cid, "l2", broken())
    assert repo.count_dialable(cid, T0) == 3  # the half-read list left nothing behind


def test_lease_takes_each_contact_once(repo: Repository) -> None:
    cid = _campaign(repo, 5)
    first = repo.lease_contacts(cid, 3, "node-a", T0)
    second = repo.lease_contacts(cid, 3, "node-b", T0)
    assert len(first) == 3 and len(second) == 2
    assert not {t.contact_id for t in first} & {t.contact_id for t in second}
    assert len({t.channel_id for t in first + second}) == 5
    assert repo.lease_contacts(cid, 3, "node-a", T0) == []
    assert repo.count_dialable(cid, T0) == 0


def test_lease_respects_next_attempt_time(repo: Repository) -> None:
    cid = _campaign(repo, 0)
    repo.add_contact_list(cid, "later", [{"phone": "+79100000009", "next_attempt_at": T0 + timedelta(hours=1)}])
    assert repo.lease_contacts(cid, 1, "n", T0) == []
    assert len(repo.lease_contacts(cid, 1, "n", T0 + timedelta(hours=1))) == 1


def test_finish_attempt_is_final_and_idempotent(repo: Repository) -> None:
    cid = _campaign(repo, 1)
    (task,) = repo.lease_contacts(cid, 1, "n", T0)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.BUSY, T0 + timedelta(seconds=3), hangup_cause=17)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=9))
    (attempt,) = repo.attempts(cid)
    assert attempt.outcome == "busy" and attempt.hangup_cause == 17
    assert attempt.ended_at == T0 + timedelta(seconds=3)


def test_disposition_must_be_defined(repo: Repository) -> None:
    cid = _campaign(repo, 1)
    (task,) = repo.lease_contacts(cid, 1, "n", T0)
    with pytest.raises(ValueError, match="not defined"):
        repo.record_disposition(task.attempt_id, "made-up")
    repo.record_disposition(task.attempt_id, "ok", "notes", T0 + timedelta(days=1))
    (attempt,) = repo.attempts(cid)
    assert (attempt.disposition_code, attempt.notes, attempt.next_action_at) == ("ok", "notes", T0 + timedelta(days=1))


def test_unfinished_attempts_become_system_failures(repo: Repository) -> None:
    cid = _campaign(repo, 2)
    repo.lease_contacts(cid, 2, "n", T0)
    assert repo.fail_unfinished_attempts(cid, T0) == 2
    assert {a.outcome for a in repo.attempts(cid)} == {"system_failure"}
    assert repo.fail_unfinished_attempts(cid, T0) == 0


def test_summary_counts_and_occupancy(repo: Repository) -> None:
    cid = _campaign(repo, 5)
    tasks = repo.lease_contacts(cid, 5, "n", T0)
    outcomes = [
        AttemptOutcome.CONNECTED,
        AttemptOutcome.ABANDONED,
        AttemptOutcome.MACHINE,
        AttemptOutcome.BUSY,
    ]
    for task, outcome in zip(tasks, outcomes, strict=False):
        repo.finish_attempt(task.attempt_id, outcome, T0)
    op = repo.ensure_operator("op1", "Op", "PJSIP/op1")
    session = repo.start_operator_session(op, cid, "agent-1")
    # 10 s ready, 20 s on call, 10 s wrap-up, then logged out: 30 of 40 s busy
    for state, sec in (("ready", 0), ("on_call", 10), ("wrap_up", 30), ("ready", 40)):
        repo.operator_state(session, state, T0 + timedelta(seconds=sec))
    repo.end_operator_session(session, T0 + timedelta(seconds=40), "logged out")
    s = repo.summary(cid, now=T0 + timedelta(hours=1))
    assert (s.dialled, s.answered, s.bridged, s.abandoned, s.machine, s.busy, s.in_progress) == (5, 3, 1, 1, 1, 1, 1)
    assert s.abandon_rate == pytest.approx(0.5)
    assert s.operator_logged_in_s == pytest.approx(40)
    assert s.occupancy == pytest.approx(0.75)


def test_contacts_of_different_shapes_in_one_list(repo: Repository) -> None:
    cid = repo.upsert_campaign("shapes", fields={})
    rows = [{"phone": "+79100000001"}, {"phone": "+79100000002", "extra": {"consent_source": "web"}}]
    assert repo.add_contact_list(cid, "l", rows)[1] == 2
    assert repo.count_dialable(cid, T0) == 2


def test_shift_figures(repo: Repository) -> None:
    cid = _campaign(repo, 3)
    repo.upsert_campaign("c1", fields={}, dispositions=[{"code": "no", "label": "No"}])
    op = repo.ensure_operator("op1", "Op", "PJSIP/op1")
    session = repo.start_operator_session(op, cid, "agent-1")
    tasks = repo.lease_contacts(cid, 3, "n", T0)
    for task, talk, code in zip(tasks, (60, 120, None), ("ok", "no", None), strict=True):
        start = T0 + timedelta(minutes=5 * task.attempt_id)
        if talk is None:
            repo.finish_attempt(task.attempt_id, AttemptOutcome.BUSY, start)
            continue
        repo.update_attempt(task.attempt_id, operator_id=op, operator_session_id=session, bridged_at=start)
        repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, start + timedelta(seconds=talk))
        repo.record_disposition(task.attempt_id, code)
    (f,) = repo.shift_figures(cid)
    assert (f.operator, f.calls, f.talk_s, f.outcomes, f.positive) == ("op1", 2, 180.0, {"ok": 1, "no": 1}, 1)
    assert f.conversion == 0.5 and f.mean_talk_s == 90.0
