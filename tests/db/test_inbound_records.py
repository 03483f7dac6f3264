"""Inbound calls in the database: who is calling, the attempt marked inbound, callback tasks, and the
outbound counts (abandon history, summary) that must not see inbound calls."""

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dialer.db.inbound import INBOUND_LIST, SqlInboundRecords
from dialer.db.models import Attempt, Contact, ContactList
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
PHONE = "+79100000001"


def _setup(repo: Repository) -> tuple[int, SqlInboundRecords]:
    cid = repo.upsert_campaign("c1", fields={}, dispositions=[{"code": "ok", "label": "OK"}])
    repo.add_contact_list(cid, "l1", [{"phone": PHONE, "extra": {"vip": "да"}}, {"phone": "+79100000002"}])
    repo.ensure_operator("op1", "One", "PJSIP/op1")
    repo.ensure_operator("op2", "Two", "PJSIP/op2")
    return cid, SqlInboundRecords(repo.sessions)


def test_identifies_a_known_contact_and_who_last_spoke_to_them(repo: Repository) -> None:
    cid, records = _setup(repo)
    (task, _) = repo.lease_contacts(cid, 2, "n", T0)
    op2 = repo.operator("op2")
    assert op2 is not None
    repo.update_attempt(task.attempt_id, operator_id=op2.id, bridged_at=T0)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=30))
    caller = records.identify(cid, frozenset({"89100000001", PHONE}), T0 + timedelta(hours=1))
    assert caller.known and caller.contact_id == task.contact_id
    assert caller.last_operator_id == op2.id and caller.details.get("vip") == "да"
    assert set(caller.operator_ids) == {"op1", "op2"}


def test_an_unknown_number_is_kept_on_the_inbound_callers_list(repo: Repository) -> None:
    cid, records = _setup(repo)
    caller = records.identify(cid, frozenset({"79990000000", "+79990000000"}), T0)
    again = records.identify(cid, frozenset({"+79990000000"}), T0)
    assert not caller.known and again.known and again.contact_id == caller.contact_id
    with repo.sessions() as s:
        contact = s.get(Contact, caller.contact_id)
        assert contact is not None and contact.phone == "+79990000000" and contact.status == "done"
        lst = s.get(ContactList, contact.list_id)
        assert lst is not None and lst.name == INBOUND_LIST
    assert repo.count_dialable(cid, T0) == 2  # not dialled unless a callback task says so


def test_inbound_attempts_stay_out_of_the_outbound_counts(repo: Repository) -> None:
    cid, records = _setup(repo)
    caller = records.identify(cid, frozenset({PHONE}), T0)
    served = records.open_attempt(cid, caller.contact_id, PHONE, "in-1", T0)
    repo.finish_attempt(served, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=60))
    lost = records.open_attempt(cid, caller.contact_id, PHONE, "in-2", T0)
    records.finish_unserved(lost, T0 + timedelta(seconds=5), "inbound, not connected: hung_up after 5 s", 16, "x")
    records.finish_unserved(lost, T0 + timedelta(seconds=9), "again", None, None)  # idempotent
    attempts = {a.channel_id: a for a in repo.attempts(cid)}
    assert attempts["in-1"].direction == "inbound" and attempts["in-1"].outcome == "connected"
    assert attempts["in-2"].outcome == "abandoned" and (attempts["in-2"].notes or "").startswith("inbound")
    assert attempts["in-2"].ended_at == T0 + timedelta(seconds=5)
    assert repo.abandon_history(cid, 7, T0 + timedelta(hours=1)) == []
    summary = repo.summary(cid, T0 + timedelta(hours=1))
    assert (summary.dialled, summary.abandoned, summary.bridged) == (0, 0, 0)


def test_callback_task_for_the_right_operator(repo: Repository) -> None:
    cid, records = _setup(repo)
    caller = records.identify(cid, frozenset({"+79990000000"}), T0)
    op1 = repo.operator("op1")
    assert op1 is not None
    assert records.callback_task(caller.contact_id, op1.id, T0)
    with repo.sessions() as s:
        contact = s.get(Contact, caller.contact_id)
        assert contact is not None
        assert (contact.status, contact.is_callback, contact.callback_operator_id) == ("new", True, op1.id)
    (task,) = [t for t in repo.lease_contacts(cid, 5, "n", T0) if t.contact_id == caller.contact_id]
    assert task.preferred_operator_id in (None, op1.id)


def test_no_callback_for_a_number_on_the_do_not_call_list(repo: Repository) -> None:
    cid, records = _setup(repo)
    caller = records.identify(cid, frozenset({PHONE}), T0)
    with repo.sessions.begin() as s:
        contact = s.get(Contact, caller.contact_id)
        assert contact is not None
        contact.status = "dnc"
    assert not records.callback_task(caller.contact_id, None, T0)
    with repo.sessions() as s:
        assert s.query(Attempt).count() == 0


def test_inbound_figures_from_the_attempts(repo: Repository) -> None:
    """Service level, speed of answer and queue abandons from inbound attempts (queue enter = answered_at,
    operator's answer = bridged_at); outbound attempts and callers still queued are not counted."""
    from dialer.db.inbound import inbound_figures

    cid, records = _setup(repo)
    caller = records.identify(cid, frozenset({PHONE}), T0)

    def came_in(channel: str, at: datetime) -> int:
        return records.open_attempt(cid, caller.contact_id, PHONE, channel, at)

    quick = came_in("in-1", T0)  # answered after 5 s
    repo.update_attempt(quick, bridged_at=T0 + timedelta(seconds=5))
    repo.finish_attempt(quick, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=65))
    slow = came_in("in-2", T0)  # answered after 40 s
    repo.update_attempt(slow, bridged_at=T0 + timedelta(seconds=40))
    hung = came_in("in-3", T0)  # hung up after 12 s
    records.finish_unserved(hung, T0 + timedelta(seconds=12), "n", 16, None, "hung_up")
    released = came_in("in-4", T0)  # sent to a callback at the maximum wait
    records.finish_unserved(released, T0 + timedelta(seconds=60), "n", None, None, "max_wait")
    came_in("in-5", T0)  # still queued: left out
    came_in("in-old", T0 - timedelta(days=1))  # before the period
    (task, *_) = repo.lease_contacts(cid, 1, "n", T0)  # an outbound call: never counted
    repo.update_attempt(task.attempt_id, answered_at=T0, bridged_at=T0 + timedelta(seconds=30))

    f = inbound_figures(repo.sessions, cid, T0 - timedelta(hours=1), 20.0)
    assert (f.offered, f.answered, f.abandoned, f.sent_to_callback, f.answered_in_time) == (4, 2, 1, 1, 1)
    assert f.service_level == 0.25
    assert f.average_speed_of_answer_s == 22.5
    none = inbound_figures(repo.sessions, cid, T0 + timedelta(hours=1), 20.0)
    assert none.offered == 0 and none.service_level == 1.0


def test_a_caller_on_one_of_the_contacts_other_phones_is_recognised(repo: Repository) -> None:
    cid, records = _setup(repo)
    repo.add_contact_list(cid, "l2", [{"phone": "+79100000003", "alt_phones": ["+74950001122", "+79169998877"]}])
    caller = records.identify(cid, frozenset({"89169998877", "79169998877", "+79169998877"}), T0)
    assert caller.known
    with repo.sessions() as s:
        contact = s.get(Contact, caller.contact_id)
        assert contact is not None and contact.phone == "+79100000003"
    stranger = records.identify(cid, frozenset({"+7916999887"}), T0)  # a prefix of it is another number
    assert not stranger.known


def test_inbound_calls_in_the_results_export_and_the_shift_figures(repo: Repository, tmp_path: Path) -> None:
    """The results export says how often each contact called in and which way their latest call went; an
    operator's shift counts the inbound conversations among theirs."""
    from dialer.lists.export import RESULTS_HEADER, write_results
    from dialer.web.queries import WebQueries

    cid, records = _setup(repo)
    op = repo.operator("op1")
    assert op is not None
    session = repo.start_operator_session(op.id, cid, "agent-1")
    (task, _) = repo.lease_contacts(cid, 2, "n", T0)  # the first contact (PHONE) is called out
    repo.update_attempt(task.attempt_id, operator_id=op.id, operator_session_id=session, bridged_at=T0)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=60))
    caller = records.identify(cid, frozenset({PHONE}), T0 + timedelta(hours=1))
    served = records.open_attempt(cid, caller.contact_id, PHONE, "in-1", T0 + timedelta(hours=1))
    repo.update_attempt(served, operator_id=op.id, operator_session_id=session, bridged_at=T0 + timedelta(hours=1))
    repo.finish_attempt(served, AttemptOutcome.CONNECTED, T0 + timedelta(hours=1, seconds=90))
    lost = records.open_attempt(cid, caller.contact_id, PHONE, "in-2", T0 + timedelta(hours=2))
    records.finish_unserved(lost, T0 + timedelta(hours=2, seconds=5), "hung up in the queue", 16, "hung_up")

    rows = {r.phone: r for r in WebQueries(repo.sessions).result_rows(cid)}
    assert (rows[PHONE].direction, rows[PHONE].inbound_calls) == ("inbound", 2)
    assert rows["+79100000002"].inbound_calls == 0
    (f,) = repo.shift_figures(cid)
    assert (f.calls, f.inbound_calls) == (2, 1)
    write_results(tmp_path / "r.csv", rows.values())
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    direction = RESULTS_HEADER.index("Направление последнего звонка / Last call direction")
    inbound = RESULTS_HEADER.index("Входящих звонков / Inbound calls")
    by_phone = {row[0]: row for row in table[1:]}
    assert (by_phone["'" + PHONE][direction], by_phone["'" + PHONE][inbound]) == ("inbound", "2")


def test_the_daily_inbound_report(repo: Repository, tmp_path: Path) -> None:
    """`dialer campaigns export --inbound`: the queue's figures per day of arrival, by the one definition."""
    import pytest
    import typer
    from openpyxl import load_workbook

    from dialer.db.models import Campaign
    from dialer.entrypoints.cli_data import export_inbound_days

    cid, records = _setup(repo)
    with repo.sessions.begin() as s:
        campaign = s.get(Campaign, cid)
        assert campaign is not None
        campaign.definition = None
    caller = records.identify(cid, frozenset({PHONE}), T0)
    for day, waits in ((0, (5.0, 40.0)), (1, (2.0,))):
        for i, wait in enumerate(waits):
            at = T0 + timedelta(days=day, minutes=i)
            a = records.open_attempt(cid, caller.contact_id, PHONE, f"in-{day}-{i}", at)
            repo.update_attempt(a, bridged_at=at + timedelta(seconds=wait))
            repo.finish_attempt(a, AttemptOutcome.CONNECTED, at + timedelta(seconds=wait + 60))
    lost = records.open_attempt(cid, caller.contact_id, PHONE, "in-lost", T0 + timedelta(minutes=9))
    records.finish_unserved(lost, T0 + timedelta(minutes=9, seconds=12), "hung up", 16, "hung_up")
    out = tmp_path / "inbound.xlsx"
    with repo.sessions.begin() as s:
        campaign = s.get(Campaign, cid)
        assert campaign is not None
        campaign.definition = {
            "name": "c1",
            "trunk": "PJSIP/trunk",
            "inbound": {"numbers": ["+74950000000"], "service_level": {"share": "80%", "within": "20s"}},
        }
        row = campaign
    export_inbound_days(repo, row, out)
    sheet = load_workbook(out).active
    assert sheet is not None
    table = [[c.value for c in r] for r in sheet.iter_rows()]
    assert table[0][3] == "Отвечено за 20 сек / Answered within 20 s"
    day0, day1 = table[1], table[2]
    # day 0: three callers, two answered (5 s and 40 s), one hung up after 12 s: 1 of 3 within 20 s
    assert day0[1:4] == [3, 2, 1] and abs(day0[4] - 1 / 3) < 1e-3 and day0[5] == 0.8
    assert day0[6] == 22.5 and day0[7:] == [1, 0]
    assert day1[1:5] == [1, 1, 1, 1] and day1[6] == 2.0
    with repo.sessions.begin() as s:
        campaign = s.get(Campaign, cid)
        assert campaign is not None
        campaign.definition = None  # no campaign file: outbound only
        row = campaign
    with pytest.raises(typer.Exit):  # an outbound campaign has no inbound report
        export_inbound_days(repo, row, tmp_path / "none.csv")
    assert not (tmp_path / "none.csv").exists()


def _answered_call(repo: Repository, records: SqlInboundRecords, cid: int, channel: str, at: datetime) -> None:
    caller = records.identify(cid, frozenset({PHONE}), at)
    a = records.open_attempt(cid, caller.contact_id, PHONE, channel, at)
    repo.update_attempt(a, bridged_at=at + timedelta(seconds=5))
    repo.finish_attempt(a, AttemptOutcome.CONNECTED, at + timedelta(seconds=65))


def _make_blended(repo: Repository, cid: int, zone: str) -> None:
    from dialer.db.models import Campaign

    with repo.sessions.begin() as s:
        campaign = s.get(Campaign, cid)
        assert campaign is not None
        campaign.definition = {
            "name": "c1",
            "trunk": "PJSIP/trunk",
            "inbound": {"numbers": ["+74950000000"], "timezone": zone},
        }


def test_the_daily_inbound_report_cuts_the_campaigns_local_days(repo: Repository, tmp_path: Path) -> None:
    """A Moscow call centre's day: a caller at 22:30 UTC on 4 May rang at 01:30 on 5 May, Moscow time."""
    from dialer.entrypoints.cli_data import export_inbound_days

    cid, records = _setup(repo)
    _answered_call(repo, records, cid, "in-day", datetime(2026, 5, 4, 12, 0, tzinfo=UTC))
    _answered_call(repo, records, cid, "in-late", datetime(2026, 5, 4, 22, 30, tzinfo=UTC))
    _make_blended(repo, cid, "Europe/Moscow")
    out = tmp_path / "inbound.csv"
    export_inbound_days(repo, repo.campaign(cid), out)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))
    assert table[0][0] == "День (Europe/Moscow) / Day (Europe/Moscow)"
    assert [(row[0], row[1]) for row in table[1:]] == [("2026-05-04", "1"), ("2026-05-05", "1")]


def test_the_wallboards_today_is_the_campaigns_local_day(repo: Repository) -> None:
    """At 23:00 UTC on 4 May it is 02:00 on 5 May in Moscow: today holds the 22:30 UTC caller (01:30 local)
    and not the 20:30 UTC one (23:30 local, yesterday), though UTC would count both as its 4 May."""
    from dialer.web.queries import WebQueries

    cid, records = _setup(repo)
    _answered_call(repo, records, cid, "in-yesterday", datetime(2026, 5, 4, 20, 30, tzinfo=UTC))
    _answered_call(repo, records, cid, "in-today", datetime(2026, 5, 4, 22, 30, tzinfo=UTC))
    _make_blended(repo, cid, "Europe/Moscow")
    today = WebQueries(repo.sessions).inbound_today(repo.campaign(cid), datetime(2026, 5, 4, 23, 0, tzinfo=UTC))
    assert today is not None and today["offered"] == 1
    _make_blended(repo, cid, "Asia/Novosibirsk")  # 06:00 on 5 May there: both callers are today's
    today = WebQueries(repo.sessions).inbound_today(repo.campaign(cid), datetime(2026, 5, 4, 23, 0, tzinfo=UTC))
    assert today is not None and today["offered"] == 2
