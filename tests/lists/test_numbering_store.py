# ruff: noqa: RUF001
"""The numbering plan in the database (load, replace by code, refresh from a folder), used by the list
import, and the evidence report judging the window in the zone the import stored."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dialer.adapters.compliance_evidence import load_attempt_records
from dialer.campaigns import apply_campaign, import_list
from dialer.compliance.evidence import build_evidence
from dialer.compliance.profiles import RU
from dialer.db.models import Attempt, Contact, NumberingPlanFile, NumberingRange
from dialer.db.numbering import load_numbering_file, load_numbering_plan, numbering_files, sync_numbering_folder
from dialer.db.repository import Repository
from dialer.lists import ListFormatError
from dialer.rules.campaign import parse_campaign
from tests.lists.helpers import write_csv
from tests.lists.manager_sheet import write_manager_xlsx

DATA = Path(__file__).parent / "data" / "numbering"
UTC = dt.UTC


def _load_all(repo: Repository) -> None:
    for f in sorted(DATA.glob("*.csv")):
        load_numbering_file(repo.sessions, f, loaded_by="test")


def _count(repo: Repository) -> int:
    with repo.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(NumberingRange)) or 0)


def test_load_and_lookup(repo: Repository) -> None:
    assert load_numbering_plan(repo.sessions) is None
    result = load_numbering_file(repo.sessions, DATA / "DEF-9xx.csv")
    assert result.ranges == 9 and result.codes == (913, 914, 916, 924, 958, 977, 992)
    assert [e.row_number for e in result.bad_rows] == [11]
    _load_all(repo)
    assert _count(repo) == 13 and [f.name for f in numbering_files(repo.sessions)] == [
        "ABC-3xx.csv",
        "ABC-4xx.csv",
        "DEF-9xx.csv",
    ]
    plan = load_numbering_plan(repo.sessions)
    assert plan is not None and len(plan) == 13
    info = plan.lookup("+79139012345")
    assert info is not None and info.zones == ("Asia/Novosibirsk",) and "ТелеСистемы" in info.operator


def test_a_new_file_replaces_the_codes_it_has(repo: Repository, tmp_path: Path) -> None:
    _load_all(repo)
    fresh = tmp_path / "DEF-9xx-2026-12.csv"
    fresh.write_text(
        "\ufeffАВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН\r\n"
        '913;9000000;9199999;200000;ООО "Новый";Томская обл.;;\r\n',
        encoding="utf-8",
    )
    load_numbering_file(repo.sessions, fresh)
    plan = load_numbering_plan(repo.sessions)
    assert plan is not None
    assert plan.lookup("+79139012345").zones == ("Asia/Tomsk",)  # type: ignore[union-attr]
    assert plan.lookup("+79139150000").operator == 'ООО "Новый"'  # type: ignore[union-attr]
    assert plan.lookup("+79139300000").assigned is False  # type: ignore[union-attr]  # 913: only the new ranges
    # the other codes of the old file stay, and so does the file
    assert plan.lookup("+79147000001").zones == ("Asia/Vladivostok",)  # type: ignore[union-attr]
    assert "DEF-9xx.csv" in [f.name for f in numbering_files(repo.sessions)]
    assert _count(repo) == 13 - 2 + 1


def test_a_bad_file_stores_nothing(repo: Repository, tmp_path: Path) -> None:
    _load_all(repo)
    bad = write_csv(tmp_path / "DEF-9xx.csv", [["Телефон", "Компания"], ["+79161234567", "ООО"]], delimiter=";")
    with pytest.raises(ListFormatError):
        load_numbering_file(repo.sessions, bad)
    assert _count(repo) == 13


def test_folder_refresh_loads_only_changed_files(repo: Repository, tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    shutil.copytree(DATA, folder)
    (folder / "readme.csv").write_text("not a register\n", encoding="utf-8")
    first = {r.file: r.changed for r in sync_numbering_folder(repo.sessions, folder)}
    assert first == {"ABC-3xx.csv": True, "ABC-4xx.csv": True, "DEF-9xx.csv": True, "readme.csv": False}
    again = {r.file: r.changed for r in sync_numbering_folder(repo.sessions, folder)}
    assert not any(again.values())
    p = folder / "ABC-4xx.csv"
    p.write_text(p.read_text(encoding="utf-8-sig") + '499;1000000;1000999;1000;ООО "Х";г. Москва\r\n', "utf-8")
    os.utime(p, (0, 1_700_000_000))
    third = {r.file: r.changed for r in sync_numbering_folder(repo.sessions, folder)}
    assert third["ABC-4xx.csv"] and not third["DEF-9xx.csv"]
    with repo.sessions() as s:
        f = s.scalar(select(NumberingPlanFile).where(NumberingPlanFile.name == "ABC-4xx.csv"))
        assert f is not None and f.ranges == 2 and f.as_of == dt.datetime.fromtimestamp(1_700_000_000, UTC)
        assert f.loaded_by == "sync:ABC-4xx.csv"


def test_import_stores_the_plan_zone_and_the_evidence_report_uses_it(repo: Repository, tmp_path: Path) -> None:
    """A Novosibirsk mobile called at 10:00 and at 21:00 its time: only the second is outside the window."""
    _load_all(repo)
    definition = parse_campaign({"name": "nsk", "dial_string": "Local/{number}@x", "compliance": {"profile": "RU"}})
    campaign_id = apply_campaign(repo, definition)
    rows = [["Телефон", "Компания"], ["+7 913 901-23-45", "ООО Сибирь"], ["+7 913 123-45-67", "ООО Пусто"]]
    report = import_list(repo, campaign_id, definition, write_csv(tmp_path / "l.csv", rows, delimiter=";"))
    assert report.accepted == 2 and report.warnings_count == 1 and report.warnings[0].row_number == 3
    with repo.sessions.begin() as s:
        c = s.scalar(select(Contact).where(Contact.phone == "+79139012345"))
        assert c is not None and c.timezone == "Asia/Novosibirsk"
        assert c.extra["timezone_source"] == "numbering_plan" and "ТелеСистемы" in c.extra["phone_operator"]
        for k, hour in enumerate((3, 14)):  # Tuesday 10:00 and 21:00 in Novosibirsk
            at = dt.datetime(2026, 3, 3, hour, tzinfo=UTC)
            s.add(
                Attempt(
                    campaign_id=campaign_id,
                    contact_id=c.id,
                    phone=c.phone,
                    channel_id=f"t-{k}",
                    originated_at=at,
                    ended_at=at + dt.timedelta(seconds=30),
                    outcome="no_answer",
                )
            )
    records = load_attempt_records(
        repo.sessions, campaign_id, dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 3, 5, tzinfo=UTC)
    )
    evidence = build_evidence(
        records,
        [],
        campaign="nsk",
        rules=RU,
        period_start=dt.date(2026, 3, 3),
        period_end=dt.date(2026, 3, 3),
        campaign_windows=definition.calling_windows_rules(),
    )
    late = max(r.attempt_id for r in records)
    assert evidence.outside_window.ids == (late,)


def test_import_with_map_and_the_manager_sheet(repo: Repository, tmp_path: Path) -> None:
    definition = parse_campaign({"name": "m", "dial_string": "Local/{number}@x"})
    campaign_id = apply_campaign(repo, definition)
    report = import_list(
        repo,
        campaign_id,
        definition,
        write_manager_xlsx(tmp_path / "m.xlsx"),
        mapping={"№": None},
    )
    assert report.totals_count == 1 and report.invalid_count == 0 and report.corporate.total() == 6
    with repo.sessions() as s:
        stored = {c.row_number: c for c in s.scalars(select(Contact))}
    assert stored[23].extra["extension"] == "120" and stored[7].extra["Комментарий"] == "перезвонить после 5:00"
    assert "№" not in stored[7].extra


async def test_the_scheduler_refreshes_the_plan_hourly_from_its_folder(
    repo: Repository, db_url: str, tmp_path: Path
) -> None:
    from dialer.db.models import AuditLog
    from dialer.recordings.local_store import LocalRecordingStore
    from dialer.scheduler import CampaignScheduler

    folder = tmp_path / "plan"
    shutil.copytree(DATA, folder)
    scheduler = CampaignScheduler(repo, LocalRecordingStore(tmp_path / "rec"), db_url, node="n", numbering_dir=folder)
    assert scheduler.sync_numbering() == {"ABC-3xx.csv": True, "ABC-4xx.csv": True, "DEF-9xx.csv": True}
    assert not any(scheduler.sync_numbering().values())
    with repo.sessions() as s:
        loads = list(s.scalars(select(AuditLog).where(AuditLog.action == "numbering.load")))
    assert sorted(str(a.target) for a in loads) == ["ABC-3xx.csv", "ABC-4xx.csv", "DEF-9xx.csv"]
    await scheduler.start()
    try:
        assert scheduler.scheduler.get_job("n:numbering.sync") is not None
    finally:
        await scheduler.stop()
    missing = CampaignScheduler(repo, LocalRecordingStore(tmp_path / "rec"), db_url, numbering_dir=tmp_path / "none")
    assert missing.sync_numbering() == {}
