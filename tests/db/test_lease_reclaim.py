"""Leases expire and are reclaimed (dialer.db.repositories.leasing), on both backends: a contact leased by
a holder that went away is leased again once its lease has expired, by the leasing query itself or by
the periodic sweep; the holder's own leases are left alone while their attempts are in flight."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.leader import CampaignLeases
from dialer.db.models import Attempt, Contact
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign import parse_campaign
from dialer.rules.campaign_rules import CampaignRules

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday, 12:00 in Moscow
LEASE = timedelta(seconds=600)


def _campaign(repo: Repository, n: int = 1) -> int:
    cid = repo.upsert_campaign("reclaim", fields={})
    repo.add_contact_list(cid, "l", [{"phone": f"+7910000000{i}", "timezone": "Europe/Moscow"} for i in range(n)])
    return cid


def _rules(**retry: Any) -> CampaignRules:
    return CampaignRules.from_definition(
        parse_campaign(
            {
                "name": "reclaim",
                "dial_string": "Local/{number}@sim-customers",
                "calling_windows": {"weekly": {"mon-sun": "09:00-20:00"}},
                "retry": {"max_attempts": 2, **retry},
            }
        )
    )


def _contact(repo: Repository, contact_id: int) -> Contact:
    with repo.sessions() as s:
        row = s.get(Contact, contact_id)
        assert row is not None
        return row


def _attempt(repo: Repository, attempt_id: int) -> Attempt:
    with repo.sessions() as s:
        row = s.get(Attempt, attempt_id)
        assert row is not None
        return row


def test_a_lease_left_by_a_holder_that_went_away_is_leased_again_once_expired(repo: Repository) -> None:
    cid = _campaign(repo)
    (dead,) = repo.lease_contacts(cid, 1, "node-dead", T0)
    assert repo.lease_contacts(cid, 1, "node-alive", T0 + LEASE - timedelta(seconds=1)) == []  # not expired yet
    (again,) = repo.lease_contacts(cid, 1, "node-alive", T0 + LEASE)
    assert again.contact_id == dead.contact_id and again.attempt_id != dead.attempt_id
    old = _attempt(repo, dead.attempt_id)
    assert (old.outcome, old.ended_at) == (AttemptOutcome.SYSTEM_FAILURE.value, T0 + LEASE)
    assert "node-dead" in (old.hangup_cause_txt or "")
    contact = _contact(repo, dead.contact_id)
    assert (contact.status, contact.leased_by, contact.attempt_count) == ("leased", "node-alive", 1)
    assert contact.lease_expires_at == T0 + 2 * LEASE
    assert [a.outcome for a in repo.attempts(cid)] == ["system_failure", None]  # never two open at once


def test_the_holders_own_lease_is_never_reclaimed_for_its_age(repo: Repository) -> None:
    """A conversation may outlive the lease: the holder is alive, so its contact is not dialled twice."""
    cid = _campaign(repo)
    (task,) = repo.lease_contacts(cid, 1, "node-a", T0)
    late = T0 + 6 * LEASE
    assert repo.lease_contacts(cid, 1, "node-a", late) == []
    assert repo.reclaim_expired_leases(cid, "node-a", late) == 0
    assert repo.reclaim_expired_leases(cid, "node-a", late, in_flight={task.attempt_id}) == 0
    assert _attempt(repo, task.attempt_id).outcome is None
    # an attempt the holder no longer has in flight is a leak: the sweep reclaims it
    assert repo.reclaim_expired_leases(cid, "node-a", late, in_flight=set()) == 1
    assert _attempt(repo, task.attempt_id).outcome == "system_failure"
    assert _contact(repo, task.contact_id).status == "new"
    assert [t.contact_id for t in repo.lease_contacts(cid, 1, "node-a", late)] == [task.contact_id]


def test_the_sweep_reclaims_only_expired_leases_of_others(repo: Repository) -> None:
    cid = _campaign(repo, 3)
    dead = repo.lease_contacts(cid, 2, "node-dead", T0)
    (mine,) = repo.lease_contacts(cid, 1, "node-b", T0 + timedelta(minutes=5))
    assert repo.reclaim_expired_leases(cid, "node-b", T0 + LEASE - timedelta(seconds=1)) == 0
    assert repo.reclaim_expired_leases(cid, "node-b", T0 + LEASE + timedelta(minutes=1)) == 2
    assert repo.reclaim_expired_leases(cid, "node-b", T0 + LEASE + timedelta(minutes=1)) == 0  # once
    assert {_contact(repo, t.contact_id).status for t in dead} == {"new"}
    assert {_contact(repo, t.contact_id).status_reason for t in dead} == {"lease expired: its holder went away"}
    assert _contact(repo, mine.contact_id).status == "leased"
    assert repo.count_dialable(cid, T0 + LEASE + timedelta(minutes=1)) == 2
    # other campaigns are not touched
    other = repo.upsert_campaign("other", fields={})
    repo.add_contact_list(other, "l", [{"phone": "+79200000000"}])
    (theirs,) = repo.lease_contacts(other, 1, "node-dead", T0)
    assert repo.reclaim_expired_leases(cid, "node-b", T0 + 3 * LEASE) == 0
    assert _contact(repo, theirs.contact_id).status == "leased"


def test_with_rules_a_reclaimed_contact_follows_the_system_failure_retry(repo: Repository) -> None:
    rules = _rules(system_failure="5m")
    cid = _campaign(repo)
    (dead,) = repo.lease_contacts(cid, 1, "node-dead", T0, rules=rules)
    at = T0 + LEASE
    assert repo.lease_contacts(cid, 1, "node-b", at, rules=rules) == []  # reclaimed, then due in 5 minutes
    contact = _contact(repo, dead.contact_id)
    assert (contact.status, contact.next_attempt_at, contact.leased_by) == ("new", at + timedelta(minutes=5), None)
    assert _attempt(repo, dead.attempt_id).outcome == "system_failure"
    # a system failure is ours, not the callee's: it does not count against max_attempts (2)
    (second,) = repo.lease_contacts(cid, 1, "node-b", at + timedelta(minutes=5), rules=rules)
    repo.finish_attempt(second.attempt_id, AttemptOutcome.NO_ANSWER, at + timedelta(minutes=6), rules)
    assert _contact(repo, dead.contact_id).status == "new"


def test_unfinished_attempts_with_rules_leave_their_contacts_to_the_retry_rules(repo: Repository) -> None:
    rules = _rules(system_failure="5m")
    cid = _campaign(repo, 2)
    tasks = repo.lease_contacts(cid, 2, "node-dead", T0, rules=rules)
    assert repo.fail_unfinished_attempts(cid, T0 + timedelta(minutes=1), rules) == 2
    assert {_contact(repo, t.contact_id).status for t in tasks} == {"new"}
    assert repo.count_dialable(cid, T0 + timedelta(minutes=1)) == 0  # not at once: not dialled twice
    assert repo.count_dialable(cid, T0 + timedelta(minutes=6)) == 2
    # without rules they are closed, as before
    cid2 = repo.upsert_campaign("closed", fields={})
    repo.add_contact_list(cid2, "l", [{"phone": "+79300000000"}])
    (task,) = repo.lease_contacts(cid2, 1, "node-dead", T0)
    assert repo.fail_unfinished_attempts(cid2, T0) == 1
    assert _contact(repo, task.contact_id).status == "done"


def test_a_lease_without_an_open_attempt_is_let_go(repo: Repository) -> None:
    cid = _campaign(repo)
    (task,) = repo.lease_contacts(cid, 1, "node-dead", T0)
    repo.update_attempt(task.attempt_id, outcome="failed", ended_at=T0)  # closed without releasing the contact
    assert repo.reclaim_expired_leases(cid, "node-b", T0 + LEASE) == 1
    contact = _contact(repo, task.contact_id)
    assert (contact.status, contact.leased_by, contact.lease_expires_at) == ("new", None, None)
    assert _attempt(repo, task.attempt_id).outcome == "failed"  # its outcome is kept


def test_only_the_successor_of_a_dead_holder_reclaims_its_lease(postgres_url: str) -> None:
    """The rule as dialer.db.leader sees it, on PostgreSQL: while its holder lives it holds the campaign's
    lock and nobody else leases the campaign; when its session dies the successor gets the lock and
    the leasing query reclaims the expired lease."""
    migrate(postgres_url)
    engines = [make_engine(postgres_url) for _ in range(2)]
    repos = [Repository(make_session_factory(e)) for e in engines]
    leases = [CampaignLeases(e) for e in engines]
    try:
        cid = _campaign(repos[0])
        assert leases[0].try_acquire(cid)
        (task,) = repos[0].lease_contacts(cid, 1, "node-a", T0)
        assert not leases[1].try_acquire(cid)  # the holder is alive: the other process does not lease
        pid = leases[0]._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        with engines[1].connect() as conn:  # the holder's session dies (a kill -9 of its process)
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10  # the server ends the session, and frees its locks, asynchronously
        while not leases[1].try_acquire(cid):
            assert time.monotonic() < deadline, "the dead holder's lock was never freed"
            time.sleep(0.05)
        (again,) = repos[1].lease_contacts(cid, 1, "node-b", T0 + LEASE)
        assert again.contact_id == task.contact_id
        assert _attempt(repos[1], task.attempt_id).outcome == "system_failure"
    finally:
        for lease in leases:
            lease.close()
        for e in engines:
            e.dispose()


def test_a_locked_expired_lease_is_skipped_not_waited_for(postgres_url: str) -> None:
    """Two transactions never reclaim the same lease: a row another transaction holds is skipped."""
    migrate(postgres_url)
    repo = Repository(make_session_factory(make_engine(postgres_url)))
    cid = _campaign(repo, 2)
    dead = repo.lease_contacts(cid, 2, "node-dead", T0)
    with repo.sessions.begin() as s:
        s.execute(select(Contact).where(Contact.id == dead[0].contact_id).with_for_update())
        (got,) = repo.lease_contacts(cid, 2, "node-b", T0 + LEASE)  # another connection, same moment
        assert got.contact_id == dead[1].contact_id
    assert _contact(repo, dead[0].contact_id).status == "leased"  # left for the next look
    (later,) = repo.lease_contacts(cid, 2, "node-b", T0 + LEASE)
    assert later.contact_id == dead[0].contact_id


@pytest.mark.parametrize("lease_s", [0.0, 30.0])
def test_the_lease_length_is_honoured(repo: Repository, lease_s: float) -> None:
    cid = _campaign(repo)
    (task,) = repo.lease_contacts(cid, 1, "node-dead", T0, lease_s=lease_s)
    assert _contact(repo, task.contact_id).lease_expires_at == T0 + timedelta(seconds=lease_s)
    assert repo.lease_contacts(cid, 1, "node-b", T0 + timedelta(seconds=lease_s - 1)) == []
    assert len(repo.lease_contacts(cid, 1, "node-b", T0 + timedelta(seconds=lease_s))) == 1


def test_a_wrap_up_left_by_a_holder_that_went_away_ends_as_without_a_disposition(repo: Repository) -> None:
    rules = _rules(max_attempts=5)
    cid = _campaign(repo, 2)
    dead, alive = repo.lease_contacts(cid, 2, "node-dead", T0, rules=rules)
    hung_up = T0 + timedelta(minutes=2)
    for task in (dead, alive):
        repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, hung_up, rules)
    contact = _contact(repo, dead.contact_id)
    assert (contact.status, contact.leased_by, contact.lease_expires_at) == (
        "wrap_up",
        "node-dead",
        hung_up + timedelta(minutes=30),
    )
    # the holder's own wrap-ups are never taken from it, even by a sweep that lists its calls in flight
    assert repo.reclaim_expired_leases(cid, "node-dead", T0 + timedelta(hours=2), rules=rules, in_flight=set()) == 0
    # the live one's operator times out without a disposition; the other's holder went away
    at = hung_up + timedelta(minutes=30)
    repo.record_disposition(alive.attempt_id, None, rules=rules, at=at)
    assert repo.reclaim_expired_leases(cid, "node-b", at - timedelta(seconds=1), rules=rules) == 0
    assert repo.reclaim_expired_leases(cid, "node-b", at, rules=rules) == 1
    ended, timed_out = _contact(repo, dead.contact_id), _contact(repo, alive.contact_id)
    assert ended.status == timed_out.status != "wrap_up"
    assert (ended.next_attempt_at, ended.status_reason) == (timed_out.next_attempt_at, timed_out.status_reason)
    assert ended.leased_by is None and timed_out.leased_by is None
    assert _attempt(repo, dead.attempt_id).outcome == "connected"  # the conversation's outcome is kept


def test_expired_leases_count_as_available_so_pacing_asks_for_them(repo: Repository) -> None:
    """Pacing places no more calls than count_dialable says; with every contact left stuck in an expired
    lease it must still ask, or the leasing query would never reclaim them."""
    cid = _campaign(repo, 2)
    (dead,) = repo.lease_contacts(cid, 1, "node-dead", T0)
    (mine,) = repo.lease_contacts(cid, 1, "node-b", T0)
    assert repo.count_dialable(cid, T0 + LEASE - timedelta(seconds=1)) == 0
    assert repo.count_dialable(cid, T0 + LEASE) == 2  # an upper bound: node-b's own call may be a long one
    assert repo.count_dialable(cid, T0 + LEASE, owner="node-b") == 1
    (again,) = repo.lease_contacts(cid, 5, "node-b", T0 + LEASE)
    assert again.contact_id == dead.contact_id and again.contact_id != mine.contact_id
    assert repo.count_dialable(cid, T0 + LEASE, owner="node-b") == 0
