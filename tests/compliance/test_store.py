"""Consent history, do-not-call history and national registers in the database, on SQLite and
PostgreSQL: imports write consent events, the lease reads the derived state and the registers,
removals keep history."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dialer.campaigns import apply_campaign, import_list
from dialer.compliance.consent import ADVERTISING, ConsentAction, ConsentChannel, NewConsentEvent
from dialer.compliance.registers import register_problems
from dialer.db.compliance_store import (
    consent_history,
    dnc_history,
    load_register,
    load_register_file,
    record_consent,
    register_states,
    remove_do_not_call,
)
from dialer.db.models import AuditLog, ConsentRecord, Contact
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.recordings.local_store import LocalRecordingStore
from dialer.rules.campaign import parse_campaign
from dialer.rules.campaign_rules import CampaignRules
from dialer.scheduler import CampaignScheduler
from tests.lists.helpers import write_csv

UTC = dt.UTC
NOON_MOSCOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, 09:00 in London (Wednesday)


def _definition(name: str, profile: str, **extra: Any) -> Any:
    data: dict[str, Any] = {
        "name": name,
        "dial_string": "Local/{number}@sim-customers",
        "caller_id": "+74950000000",
        "compliance": {"profile": profile},
        "dispositions": [
            {"code": "ok", "label": "OK", "positive": True},
            {"code": "dnc", "label": "Do not call", "refusal": True, "do_not_call": True},
        ],
    }
    data.update(extra)
    return parse_campaign(data)


def _blocked(repo: Repository) -> list[dict[str, Any]]:
    with repo.sessions() as s:
        return [dict(a.detail) for a in s.scalars(select(AuditLog).where(AuditLog.action == "dial.blocked"))]


def _contacts(repo: Repository, cid: int) -> dict[str, Contact]:
    with repo.sessions() as s:
        return {c.phone: c for c in s.scalars(select(Contact).where(Contact.campaign_id == cid))}


def test_consent_events_from_an_import_drive_the_lease(repo: Repository, tmp_path: Path) -> None:
    definition = _definition("ru", "RU")
    cid = apply_campaign(repo, definition)
    rules = CampaignRules.from_definition(definition)
    given, withdrawn, never, by_id = "+79100000001", "+79100000002", "+79100000003", "+79100000004"
    f = write_csv(
        tmp_path / "consents.csv",
        [
            ("phone", "company", "timezone", "consent_source", "consent_date", "consent_revoked"),
            (given, "A", "Europe/Moscow", "web form #12", "2026-10-01", ""),
            (withdrawn, "B", "Europe/Moscow", "web form #13", "2026-10-01", "2026-11-01"),
            (never, "C", "Europe/Moscow", "", "", ""),
            (by_id, "D", "Europe/Moscow", "", "", ""),
        ],
    )
    report = import_list(repo, cid, definition, f, "consents")
    assert report.accepted == 4
    contacts = _contacts(repo, cid)
    assert "consent_source" not in (contacts[given].extra or {})  # consent lives in its own table
    rows = consent_history(repo.sessions, given)
    assert [(r.action, r.source, r.channel, r.reference, r.contact_id) for r in rows] == [
        ("given", "web form #12", "import", "consents.csv row 2", contacts[given].id)
    ]
    assert rows[0].given_at == dt.datetime(2026, 10, 1, tzinfo=UTC)
    assert [r.action for r in consent_history(repo.sessions, withdrawn)] == ["given", "withdrawn"]
    # a consent recorded on the contact (not the number) counts too
    record_consent(
        repo.sessions,
        NewConsentEvent(ConsentAction.GIVEN, ADVERTISING, "signed form", dt.datetime(2026, 9, 1, tzinfo=UTC)),
        phone=None,
        contact_id=contacts[by_id].id,
        channel=ConsentChannel.API,
    )
    tasks = repo.lease_contacts(cid, 10, "t", NOON_MOSCOW, rules=rules)
    assert sorted(t.phone for t in tasks) == [given, by_id]
    reasons = {b["contact_id"]: b["reason"] for b in _blocked(repo)}
    assert reasons == {contacts[withdrawn].id: "consent_revoked", contacts[never].id: "no_consent"}

    # the operator's do-not-call disposition: the number goes on the DNC list and its consent is withdrawn
    task = next(t for t in tasks if t.phone == given)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, NOON_MOSCOW, rules=rules)
    repo.record_disposition(task.attempt_id, "dnc", rules=rules, at=NOON_MOSCOW + dt.timedelta(minutes=2))
    history = consent_history(repo.sessions, given)
    assert [(r.action, r.channel, r.reference) for r in history] == [
        ("given", "import", "consents.csv row 2"),
        ("withdrawn", "operator", f"attempt {task.attempt_id}"),
    ]
    assert [(d.source, d.reason, d.removed_at) for d in dnc_history(repo.sessions, given)] == [
        ("operator", "dnc", None)
    ]
    # rows are appended, never rewritten: the first one is unchanged
    with repo.sessions() as s:
        first = s.get(ConsentRecord, history[0].id)
        assert first is not None and first.action == "given" and first.source == "web form #12"


def test_do_not_call_removal_keeps_history(repo: Repository) -> None:
    cid = repo.upsert_campaign("c", fields={})
    rules = CampaignRules.from_definition(parse_campaign({"name": "c", "dial_string": "Local/{number}@x"}))
    phone = "+79100000009"
    repo.add_contact_list(cid, "l", [{"phone": phone, "timezone": "Europe/Moscow"}])
    assert repo.add_do_not_call_many([phone], campaign_id=None, source="api", reason="e-mail") == 1
    assert repo.add_do_not_call_many([phone], campaign_id=None, source="api") == 0  # already on it
    assert remove_do_not_call(repo.sessions, phone, campaign_id=cid, source="api") == 0  # not on that list
    removed_at = NOON_MOSCOW - dt.timedelta(hours=1)
    assert remove_do_not_call(repo.sessions, phone, campaign_id=None, source="cli", reason="asked", at=removed_at) == 1
    assert repo.do_not_call_phones(cid) == (set(), set())
    assert len(repo.lease_contacts(cid, 1, "t", NOON_MOSCOW, rules=rules)) == 1
    # on again: a new row; the removed one stays, stamped
    assert repo.add_do_not_call_many([phone], campaign_id=None, source="operator") == 1
    rows = dnc_history(repo.sessions, phone)
    assert [(r.source, r.removed_at, r.removed_source, r.removed_reason) for r in rows] == [
        ("api", removed_at, "cli", "asked"),
        ("operator", None, None, None),
    ]
    assert repo.do_not_call_phones(cid) == ({phone}, set())


def test_national_register_import_start_and_lease(repo: Repository, tmp_path: Path) -> None:
    definition = _definition("uk", "UK", caller_id="+442071234567")
    cid = apply_campaign(repo, definition)
    rules = CampaignRules.from_definition(definition)
    assert rules.compliance is not None
    # no register yet: the campaign may not start
    assert [p.field for p in register_problems(rules.compliance, register_states(repo.sessions), NOON_MOSCOW)] == [
        "national_registers"
    ]
    listed, later, clean = "+442079460001", "+442079460002", "+442079460003"
    tps = tmp_path / "tps.txt"
    tps.write_text("020 7946 0001\n# comment\nnot a number\n", encoding="utf-8")
    data_day = dt.datetime(2026, 11, 20, tzinfo=UTC)
    os.utime(tps, (data_day.timestamp(), data_day.timestamp()))
    loaded = load_register_file(repo.sessions, "tps", tps, loaded_by="test")
    assert loaded.changed and loaded.state.name == "TPS" and loaded.state.numbers == 1
    assert loaded.state.as_of == data_day  # the file's date, not the load's
    assert [line for line, _ in loaded.bad_lines] == [3]
    assert register_problems(rules.compliance, register_states(repo.sessions), NOON_MOSCOW) == []
    too_late = data_day + dt.timedelta(days=29)
    [stale] = register_problems(rules.compliance, register_states(repo.sessions), too_late)
    assert stale.field == "national_register_max_age"

    f = write_csv(
        tmp_path / "uk.csv",
        [
            ("phone", "company", "timezone"),
            (listed, "A", "Europe/London"),
            (later, "B", "Europe/London"),
            (clean, "C", "Europe/London"),
        ],
    )
    report = import_list(repo, cid, definition, f, "uk")
    assert report.accepted == 2 and dict(report.do_not_call) == {"national_register": 1}
    contacts = _contacts(repo, cid)
    assert contacts[listed].status == "dnc" and "national register" in (contacts[listed].status_reason or "")

    # the register changes after the import: the lease screens again before each dial
    load_register(repo.sessions, "TPS", [listed, later], as_of=data_day + dt.timedelta(days=1))
    tasks = repo.lease_contacts(cid, 10, "t", NOON_MOSCOW, rules=rules)
    assert [t.phone for t in tasks] == [clean]
    [blocked] = _blocked(repo)
    assert blocked["reason"] == "national_register" and blocked["contact_id"] == contacts[later].id
    assert "TPS" in blocked["detail"]
    assert _contacts(repo, cid)[later].status == "done"
    # another profile does not screen TPS
    ru = CampaignRules.from_definition(_definition("ru2", "RU_COLLECTION"))
    other = repo.upsert_campaign("ru2", fields={})
    repo.add_contact_list(other, "l", [{"phone": later, "timezone": "Europe/Moscow"}])
    assert len(repo.lease_contacts(other, 1, "t", NOON_MOSCOW, rules=ru)) == 1


def test_scheduled_register_refresh_loads_only_a_changed_file(repo: Repository, tmp_path: Path, db_url: str) -> None:
    tps = tmp_path / "tps.csv"
    tps.write_text("number\n+442079460001\n+442079460002\n", encoding="utf-8")
    scheduler = CampaignScheduler(
        repo, LocalRecordingStore(tmp_path / "rec"), db_url, register_files={"TPS": tps, "CTPS": tmp_path / "none"}
    )
    assert scheduler.sync_registers() == {"TPS": True, "CTPS": False}
    first = register_states(repo.sessions)["TPS"]
    assert first.numbers == 2
    assert scheduler.sync_registers() == {"TPS": False, "CTPS": False}  # same file: not loaded again
    assert register_states(repo.sessions)["TPS"].loaded_at == first.loaded_at
    tps.write_text("+442079460003\n", encoding="utf-8")
    assert scheduler.sync_registers()["TPS"] is True
    assert register_states(repo.sessions)["TPS"].numbers == 1
    with repo.sessions() as s:
        loads = list(s.scalars(select(AuditLog).where(AuditLog.action == "register.load")))
    assert [a.detail["numbers"] for a in loads] == [2, 1]
