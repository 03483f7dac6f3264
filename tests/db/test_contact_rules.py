"""The campaign's contact rules as the database applies them at lease and after each attempt,
on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign import parse_campaign
from dialer.rules.campaign_rules import CampaignRules

MONDAY_0300_UTC = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 06:00 in Moscow, before the window


def _rules(**overrides: Any) -> CampaignRules:
    data: dict[str, Any] = {
        "name": "rules",
        "dial_string": "Local/{number}@sim-customers",
        "calling_windows": {"weekly": {"mon-fri": "09:00-20:00"}},
        "retry": {"busy": "10m", "max_attempts": 2, "max_attempts_per_day": 5, "callback_grace": "15m"},
        "dispositions": [
            {"code": "later", "label": "Call back", "callback": True, "final": False},
            {"code": "no", "label": "Refused", "refusal": True},
        ],
    }
    data.update(overrides)
    return CampaignRules.from_definition(parse_campaign(data))


def _campaign(repo: Repository, name: str, phones: list[str]) -> int:
    cid = repo.upsert_campaign(
        name,
        fields={},
        dispositions=[
            {"code": "later", "label": "Call back", "callback": True},
            {"code": "no", "label": "Refused", "refusal": True},
        ],
    )
    repo.add_contact_list(cid, "l", [{"phone": p, "timezone": "Europe/Moscow"} for p in phones])
    return cid


def _contact(repo: Repository, cid: int) -> Any:
    from sqlalchemy import select

    from dialer.db.models import Contact

    with repo.sessions() as s:
        return s.scalars(select(Contact).where(Contact.campaign_id == cid)).one()


def test_nobody_is_dialled_outside_their_window(repo: Repository) -> None:
    rules = _rules()
    cid = _campaign(repo, "c", ["+79100000001"])
    assert repo.lease_contacts(cid, 1, "n", MONDAY_0300_UTC, rules=rules) == []
    contact = _contact(repo, cid)
    assert contact.status == "new" and contact.status_reason == "outside_window"
    assert contact.next_attempt_at == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 09:00 Moscow
    assert repo.lease_contacts(cid, 1, "n", MONDAY_0300_UTC + timedelta(hours=2, minutes=59), rules=rules) == []
    assert len(repo.lease_contacts(cid, 1, "n", datetime(2026, 11, 23, 6, 0, tzinfo=UTC), rules=rules)) == 1


def test_busy_is_retried_after_its_delay_until_max_attempts(repo: Repository) -> None:
    rules = _rules()
    cid = _campaign(repo, "c", ["+79100000002"])
    t = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    (task,) = repo.lease_contacts(cid, 1, "n", t, rules=rules)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.BUSY, t + timedelta(seconds=5), rules)
    contact = _contact(repo, cid)
    assert (contact.status, contact.next_attempt_at) == ("new", t + timedelta(minutes=10, seconds=5))
    assert repo.lease_contacts(cid, 1, "n", t + timedelta(minutes=5), rules=rules) == []
    (task,) = repo.lease_contacts(cid, 1, "n", t + timedelta(minutes=11), rules=rules)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.BUSY, t + timedelta(minutes=11), rules)
    contact = _contact(repo, cid)
    assert contact.status == "done" and "max 2" in contact.status_reason


def test_abandoned_call_requeued_with_priority_after_the_quiet_period(repo: Repository) -> None:
    rules = _rules()
    cid = _campaign(repo, "c", ["+79100000003"])
    t = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    (task,) = repo.lease_contacts(cid, 1, "n", t, rules=rules)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.ABANDONED, t, rules)
    contact = _contact(repo, cid)
    assert contact.status == "new" and contact.next_attempt_at == t + timedelta(hours=72)
    assert contact.priority > 0


def test_do_not_call_global_and_per_campaign(repo: Repository) -> None:
    rules = _rules()
    a = _campaign(repo, "a", ["+79100000004", "+79100000005"])
    b = _campaign(repo, "b", ["+79100000005"])
    t = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    repo.add_do_not_call("+79100000004", campaign_id=None, source="api")
    repo.add_do_not_call("+79100000005", campaign_id=a, source="operator")
    assert repo.lease_contacts(a, 5, "n", t, rules=rules) == []
    assert [x.phone for x in repo.lease_contacts(b, 5, "n", t, rules=rules)] == ["+79100000005"]


def test_refusal_blocks_the_number_in_every_campaign(repo: Repository) -> None:
    rules = _rules()
    a = _campaign(repo, "a", ["+79100000006"])
    b = _campaign(repo, "b", ["+79100000006"])
    t = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    (task,) = repo.lease_contacts(a, 1, "n", t, rules=rules)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, t + timedelta(minutes=1), rules)
    assert _contact(repo, a).status == "wrap_up"
    repo.record_disposition(task.attempt_id, "no", rules=rules, at=t + timedelta(minutes=2))
    assert _contact(repo, a).status == "done"
    assert repo.lease_contacts(b, 1, "n", t + timedelta(days=30), rules=rules) == []
    assert _contact(repo, b).status_reason == "refusal_cooldown"


@pytest.mark.parametrize("owner_ready", [True, False])
def test_personal_callback(repo: Repository, owner_ready: bool) -> None:
    rules = _rules()
    cid = _campaign(repo, "c", ["+79100000007"])
    op = repo.ensure_operator("op1", "Op", "PJSIP/op1")
    t = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    (task,) = repo.lease_contacts(cid, 1, "n", t, rules=rules)
    repo.update_attempt(task.attempt_id, operator_id=op)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, t + timedelta(minutes=1), rules)
    due = t + timedelta(hours=3)
    repo.record_disposition(task.attempt_id, "later", next_action_at=due, rules=rules, at=t + timedelta(minutes=2))
    contact = _contact(repo, cid)
    assert (contact.is_callback, contact.next_attempt_at, contact.callback_operator_id) == (True, due, op)
    ready = {op} if owner_ready else set()
    assert repo.lease_contacts(cid, 1, "n", due - timedelta(minutes=1), rules=rules, ready_operator_ids=ready) == []
    leased = repo.lease_contacts(cid, 1, "n", due, rules=rules, ready_operator_ids=ready)
    if owner_ready:
        assert [x.preferred_operator_id for x in leased] == [op]
    else:  # reserved for its operator during the grace period, then anyone's
        assert leased == []
        (late,) = repo.lease_contacts(cid, 1, "n", due + timedelta(minutes=15), rules=rules)
        assert late.contact_id == task.contact_id
