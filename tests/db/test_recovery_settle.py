"""Attempts an earlier dialer process left open get the outcome Asterisk recorded and the campaign's
retry rules, on both databases (issue 14: a busy retried after 10 minutes, an unknown ending retried
after 5 as a system failure, a conversation closed with its real length)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from dialer.campaigns import apply_campaign
from dialer.db.models import Attempt, Contact
from dialer.db.recovery_settle import fail_unfinished_attempts_with_retries, open_attempts, recover_open_attempts
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.recovery.cdr import CdrRecord
from dialer.rules.campaign import parse_campaign
from tests.labkit import campaign_definition

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _campaign(repo: Repository, phones: list[str], **overrides: Any) -> int:
    cid = apply_campaign(repo, parse_campaign(campaign_definition(**overrides)))
    repo.add_contact_list(cid, "l", [{"phone": p, "timezone": "Europe/Moscow"} for p in phones])
    return cid


def _state(repo: Repository, cid: int) -> dict[str, tuple[str, datetime | None, int]]:
    with repo.sessions() as s:
        return {
            c.phone: (c.status, c.next_attempt_at, c.attempt_count)
            for c in s.scalars(select(Contact).where(Contact.campaign_id == cid))
        }


def _attempts(repo: Repository, cid: int) -> dict[str, Attempt]:
    return {a.phone: a for a in repo.attempts(cid)}


def _utc(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the zone


def test_open_attempts_get_cdr_outcomes_and_retries(repo: Repository) -> None:
    phones = ["+79100000001", "+79100000002", "+79100000003", "+79100000004", "+79100000005"]
    cid = _campaign(repo, phones)
    tasks = {t.phone: t for t in repo.lease_contacts(cid, 5, "dead-node", T0)}
    busy, talk, nothing, live, noans = (tasks[p] for p in phones)
    repo.update_attempt(talk.attempt_id, answered_at=T0 + timedelta(seconds=3))
    ended = T0 + timedelta(seconds=8)
    records = [
        CdrRecord(busy.channel_id, busy.attempt_id, T0, None, ended, "BUSY"),
        CdrRecord(noans.channel_id, noans.attempt_id, T0, None, T0 + timedelta(seconds=30), "NO ANSWER"),
        CdrRecord(
            talk.channel_id, talk.attempt_id, T0, T0 + timedelta(seconds=3), T0 + timedelta(seconds=4), "ANSWERED"
        ),
        CdrRecord(
            talk.channel_id,
            talk.attempt_id,
            T0 + timedelta(seconds=4),
            T0 + timedelta(seconds=4),
            T0 + timedelta(seconds=94),
            "ANSWERED",
            dstchannel="PJSIP/op1-00000001",
        ),
    ]
    now = T0 + timedelta(minutes=3)
    resolutions = recover_open_attempts(repo, cid, records, now, adopted_channel_ids={live.channel_id})
    assert {r.attempt_id for r in resolutions} == {
        busy.attempt_id,
        talk.attempt_id,
        nothing.attempt_id,
        noans.attempt_id,
    }

    attempts = _attempts(repo, cid)
    assert attempts[busy.phone].outcome == "busy" and _utc(attempts[busy.phone].ended_at) == ended
    assert attempts[noans.phone].outcome == "no_answer"
    assert attempts[nothing.phone].outcome == "system_failure" and _utc(attempts[nothing.phone].ended_at) == now
    t = attempts[talk.phone]
    assert t.outcome == "connected"
    assert (_utc(t.bridged_at), _utc(t.ended_at)) == (T0 + timedelta(seconds=4), T0 + timedelta(seconds=94))
    assert attempts[live.phone].outcome is None  # adopted: still talking, not ours to close

    state = _state(repo, cid)
    assert state[busy.phone][:2] == ("new", ended + timedelta(minutes=10))  # busy: again in 10 minutes
    assert state[noans.phone][:2] == ("new", T0 + timedelta(seconds=30) + timedelta(hours=2))
    assert state[nothing.phone][:2] == ("new", now + timedelta(minutes=5))  # system failure: in 5 minutes
    assert state[talk.phone][0] == "done"  # nobody left to dispose of it: completed without a disposition
    assert state[live.phone][0] == "leased"
    (still_open,) = open_attempts(repo, cid)
    assert (still_open.attempt_id, still_open.contact_id, still_open.phone, still_open.campaign_id) == (
        live.attempt_id,
        live.contact_id,
        live.phone,
        cid,
    )

    # idempotent: a second recovery finds nothing more to close
    assert recover_open_attempts(repo, cid, records, now, adopted_channel_ids={live.channel_id}) == []


def test_a_talk_whose_operator_is_back_waits_for_the_disposition(repo: Repository) -> None:
    cid = _campaign(repo, ["+79100000011"])
    (task,) = repo.lease_contacts(cid, 1, "dead-node", T0)
    records = [
        CdrRecord(task.channel_id, task.attempt_id, T0, T0, T0 + timedelta(seconds=60), "ANSWERED", dstchannel="x")
    ]
    recover_open_attempts(repo, cid, records, T0, awaiting_disposition={task.attempt_id})
    assert _state(repo, cid)["+79100000011"][0] == "wrap_up"
    repo.record_disposition(task.attempt_id, "ok", None, None, None)
    assert _attempts(repo, cid)["+79100000011"].disposition_code == "ok"


def test_system_failures_are_retried_and_not_counted(repo: Repository) -> None:
    """What `fail_unfinished_attempts` skipped: the documented system-failure rule (docs/lists.md)."""
    cid = _campaign(repo, ["+79100000021", "+79100000022"], retry={"max_attempts": 1})
    repo.lease_contacts(cid, 2, "dead-node", T0)
    assert fail_unfinished_attempts_with_retries(repo, cid, T0) == 2
    for status, next_at, _ in _state(repo, cid).values():
        assert (status, next_at) == ("new", T0 + timedelta(minutes=5))
    # not counted: with max_attempts 1 the contact is still dialable
    assert len(repo.lease_contacts(cid, 2, "n", T0 + timedelta(minutes=5))) == 2
    assert fail_unfinished_attempts_with_retries(repo, cid, T0 + timedelta(minutes=6)) == 2


def test_without_a_definition_the_contact_is_done_as_before(repo: Repository) -> None:
    cid = repo.upsert_campaign("plain", fields={})
    repo.add_contact_list(cid, "l", [{"phone": "+79100000031"}])
    repo.lease_contacts(cid, 1, "dead-node", T0)
    assert fail_unfinished_attempts_with_retries(repo, cid, T0) == 1
    assert _state(repo, cid)["+79100000031"][0] == "done"


def test_open_sessions_carry_their_last_state_and_the_call_to_dispose(repo: Repository) -> None:
    from dialer.adapters.recovery_startup import open_work
    from dialer.db.recovery_settle import campaign_rules, open_sessions

    cid = _campaign(repo, ["+79100000041"])
    rules = campaign_rules(repo.campaign(cid))
    op1 = repo.ensure_operator("op1", "One", "PJSIP/op1")
    op2 = repo.ensure_operator("op2", "Two", "PJSIP/op2")
    wrapping = repo.start_operator_session(op1, cid, "agent-1-1")
    paused = repo.start_operator_session(op2, cid, "agent-2-1")
    ended = repo.start_operator_session(op2, cid, "agent-2-0")
    repo.update_operator_session(wrapping, bridge_id="opbridge-1")
    repo.end_operator_session(ended, T0, "logged out")
    repo.operator_state(wrapping, "on_call", T0, "attempt")
    repo.operator_state(wrapping, "wrap_up", T0 + timedelta(seconds=30), "ended")
    repo.operator_state(paused, "ready", T0, "logged in")
    repo.operator_state(paused, "paused", T0 + timedelta(seconds=5), "coffee")
    (task,) = repo.lease_contacts(cid, 1, "dead-node", T0)
    repo.update_attempt(task.attempt_id, operator_session_id=wrapping, bridged_at=T0)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=30), rules)

    sessions = {s.session_id: s for s in open_sessions(repo, cid)}
    assert set(sessions) == {wrapping, paused}
    w = sessions[wrapping]
    assert (w.channel_id, w.bridge_id, w.last_state, w.wrapping_attempt_id) == (
        "agent-1-1",
        "opbridge-1",
        "wrap_up",
        task.attempt_id,
    )
    assert (sessions[paused].last_state, sessions[paused].wrapping_attempt_id) == ("paused", None)
    assert (w.login, w.endpoint, w.operator_id) == ("op1", "PJSIP/op1", op1)
    work = open_work(repo, [cid])
    assert work.attempts == [] and {s.session_id for s in work.sessions} == {wrapping, paused}
    repo.record_disposition(task.attempt_id, "ok", None, None, rules)
    after = {s.session_id: s for s in open_sessions(repo, cid)}
    assert after[wrapping].wrapping_attempt_id is None  # disposed of: nothing to come back to
