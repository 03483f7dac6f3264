# ruff: noqa: RUF001  (Russian text is intentional here)
"""The campaign manager's command line on a real SQLite database: apply, import (twice), screen against
do-not-call, refuse a malformed file without touching what is stored, export for Excel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import load_workbook
from typer.testing import CliRunner

from dialer.cli import app
from dialer.config import PROJECT_ROOT
from dialer.db import repository_for

SAMPLE = PROJECT_ROOT / "campaigns"


def said(res: Result) -> str:
    """The command's output with the console's line wrapping undone (it wraps at its width, and a path in a
    message is as long as the test's temporary directory)."""
    return " ".join(res.output.split())


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DIALER_DATABASE_URL", url)
    for var in ("DIALER_LANG", "LC_ALL", "LC_MESSAGES"):  # English unless a test asks for Russian
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return url


def test_apply_import_screen_and_export(env: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade"]).exit_code == 0
    assert run(app, ["campaigns", "apply", str(SAMPLE / "sample.yaml")]).exit_code == 0
    first = run(app, ["lists", "import", str(SAMPLE / "sample_contacts.csv"), "--campaign", "sample-dentists"])
    assert first.exit_code == 0 and "24 accepted" in first.output
    again = run(app, ["lists", "import", str(SAMPLE / "sample_contacts.csv"), "--campaign", "sample-dentists"])
    assert "0 accepted" in again.output and "24 duplicates" in again.output

    repo = repository_for(env)
    campaign = repo.campaign_by_name("sample-dentists")
    assert campaign is not None
    repo.add_do_not_call("+79995550101", campaign_id=None, source="test")
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "Телефон;Компания;Специализация;Численность\n"
        "+79995550101;Opted out;Стоматология;10\n"
        "+79995550102;=cmd|' /C calc'!A0;Стоматология;10\n",
        encoding="cp1251",
    )
    res = run(app, ["lists", "import", str(extra), "--campaign", "sample-dentists"])
    assert res.exit_code == 0 and "1 accepted" in said(res) and "1 do-not-call" in said(res)

    stored = repo.count_dialable(campaign.id, campaign.created_at)
    bad = tmp_path / "bad.csv"
    bad.write_text("x;y\n1;2\n")
    res = run(app, ["lists", "import", str(bad), "--campaign", "sample-dentists"])
    assert res.exit_code == 2 and "no phone column" in said(res)
    assert repo.count_dialable(campaign.id, campaign.created_at) == stored  # nothing lost, nothing added

    out = tmp_path / "results.xlsx"
    assert run(app, ["campaigns", "export", "sample-dentists", "--results", str(out)]).exit_code == 0
    sheet = load_workbook(out).active
    assert sheet is not None
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "+79995550102" in cells  # the exact text, in a string cell with Excel's quotePrefix style
    assert "=cmd|' /C calc'!A0" in cells  # formula injection neutralised: a string cell, never a formula
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row[:2])
    assert all(c.quotePrefix for row in sheet.iter_rows(min_row=2) for c in row[:1])
    assert sheet.max_row == 1 + 24 + 2  # the opted-out contact is kept, as "dnc", never dialled


def test_recordings_verify_finds_a_damaged_file(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from dialer.db import migrate
    from dialer.recordings.local_store import LocalRecordingStore
    from dialer.recordings.pipeline import process_call_recording
    from tests.recordings.synth import write_leg

    store_dir = tmp_path / "recordings"
    monkeypatch.setenv("DIALER_RECORDINGS_DIR", str(store_dir))
    migrate(env)
    repo = repository_for(env)
    cid = repo.upsert_campaign("qa", fields={})
    repo.add_contact_list(cid, "l", [{"phone": "+79100000001"}, {"phone": "+79100000002"}])
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    for task in repo.lease_contacts(cid, 2, "n", start):
        op = write_leg(tmp_path / f"op{task.attempt_id}.wav", 4.0, [(1.0, 4.0, 1000)])
        cu = write_leg(tmp_path / f"cu{task.attempt_id}.wav", 4.0, [(0.0, 4.0, 440)])
        processed = process_call_recording(
            op, cu, store=LocalRecordingStore(store_dir), campaign="qa", attempt_id=task.attempt_id, started=start
        )
        repo.update_attempt(task.attempt_id, answered_at=start, ended_at=start + timedelta(seconds=4))
        repo.add_recording(task.attempt_id, processed)
    run = CliRunner().invoke
    ok = run(app, ["recordings", "verify"])
    assert ok.exit_code == 0 and "2 recordings checked, 0 with problems" in ok.output
    damaged = store_dir / repo.recordings(cid)[1].path
    damaged.write_bytes(damaged.read_bytes()[:200])
    res = run(app, ["recordings", "verify", "--campaign", "qa"])
    assert res.exit_code == 1 and "1 with problems" in said(res) and "sha256" in said(res)

    # re-process everything to MP3: rows replaced, files verify, the old OGG files are gone
    old = [r.path for r in repo.recordings(cid)]
    damaged.unlink()
    res = run(app, ["recordings", "reprocess", "--format", "mp3"])
    assert res.exit_code == 1 and "1 recordings re-processed, 1 failed" in said(res)
    new = [r.path for r in repo.recordings(cid)]
    assert sorted(p.rsplit(".", 1)[1] for p in new) == ["mp3", "ogg"]  # the damaged one stays as it was
    assert not (store_dir / old[0]).exists() and (store_dir / old[0].replace(".ogg", ".mp3")).exists()


def test_compliance_report_and_schema_guard(env: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from dialer.db import migrate
    from dialer.outcomes import AttemptOutcome

    run = CliRunner().invoke
    migrate(env, "0002")
    res = run(app, ["campaigns", "export", "x", "--results", str(tmp_path / "r.csv")])
    # a clear word, not an SQL error (the console may wrap it: compare words)
    assert res.exit_code == 2 and "dialer db upgrade" in said(res)
    migrate(env)
    repo = repository_for(env)
    cid = repo.upsert_campaign("evidence", fields={})
    repo.add_contact_list(cid, "l", [{"phone": "+79100000001", "timezone": "America/New_York"}])
    t = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York
    (task,) = repo.lease_contacts(cid, 1, "n", t)
    repo.update_attempt(task.attempt_id, answered_at=t, bridged_at=t)
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, t)
    out = tmp_path / "evidence"
    res = run(
        app,
        [
            "compliance",
            "report",
            "evidence",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
            "--out",
            str(out),
            "--format",
            "csv",
            "--profile",
            "US",
        ],
    )
    assert res.exit_code == 0, res.output
    summary = (out / "evidence-evidence-2026-11-23_2026-11-23.csv").read_text(encoding="utf-8-sig")
    assert f"period;period;calls placed;1;{task.attempt_id}" in summary
    assert "calls outside the window (must be 0);0;" in summary


def test_do_not_call_add_import_and_scheduled_sync(env: str, tmp_path: Path) -> None:
    from dialer.db import migrate
    from dialer.recordings.local_store import LocalRecordingStore
    from dialer.scheduler import CampaignScheduler

    migrate(env)
    run = CliRunner().invoke
    assert "added" in run(app, ["dnc", "add", "8 (910) 000-00-01", "--reason", "asked by phone"]).output
    assert "already on the list" in run(app, ["dnc", "add", "+79100000001"]).output
    assert run(app, ["dnc", "add", "not a phone"]).exit_code == 2
    listing = tmp_path / "registry.csv"
    listing.write_text("phone;date\n+79100000001;2026-11-01\n+79100000002;2026-11-02\nnonsense;x\n", encoding="utf-8")
    res = run(app, ["dnc", "import", str(listing)])
    assert "2 numbers read, 1 new on the list, 1 lines not numbers" in said(res) and "line 4" in said(res)
    repo = repository_for(env)
    listing.write_text("+79100000003\n+79100000002\n")
    scheduler = CampaignScheduler(repo, LocalRecordingStore(tmp_path), env, node="t", dnc_file=listing)
    assert scheduler.sync_do_not_call() == 1
    assert repo.do_not_call_phones(1)[0] == {"+79100000001", "+79100000002", "+79100000003"}


def test_numbering_load_and_import_with_map(env: str, tmp_path: Path) -> None:
    """`dialer numbering load` then `dialer lists import --map`: the report counts totals and warnings."""
    data = Path(__file__).parent / "lists" / "data" / "numbering"
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade"]).exit_code == 0
    res = run(app, ["numbering", "load", *(str(p) for p in sorted(data.glob("*.csv")))])
    assert res.exit_code == 0, res.output
    assert "DEF-9xx.csv: 9 ranges" in said(res) and "row 11" in said(res)
    assert "DEF-9xx.csv: 9 ranges" in run(app, ["numbering", "list"]).output
    bad = tmp_path / "nope.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    assert run(app, ["numbering", "load", str(bad)]).exit_code == 2
    assert run(app, ["campaigns", "apply", str(SAMPLE / "sample.yaml")]).exit_code == 0
    sheet = tmp_path / "list.csv"
    sheet.write_text(
        "Моб.;Фирма;Примечание\n+7 913 901-23-45;ООО Сибирь;звонить после обеда\n"
        "+7 913 123-45-67;ООО Пусто;\nИтого: 2;;\n",
        encoding="cp1251",
    )
    mobile = "Моб."
    res = run(app, ["lists", "import", str(sheet), "--campaign", "sample-dentists", "--map", f"{mobile}=phone"])
    assert res.exit_code == 0, res.output
    assert "1 totals rows" in said(res) and "1 warnings" in said(res) and "0 invalid" in said(res)
    assert "row 3, phone ('+79131234567')" in said(res) and "row 4" in said(res)
    assert run(app, ["lists", "import", str(sheet), "--campaign", "sample-dentists", "--map", "x"]).exit_code == 2


def test_an_inbound_report_of_an_outbound_campaign_is_refused_before_any_file_is_written(
    env: str, tmp_path: Path
) -> None:
    import yaml

    definition = yaml.safe_load((SAMPLE / "sample.yaml").read_text(encoding="utf-8"))
    del definition["inbound"]  # the sample is blended: this one is outbound only
    outbound = tmp_path / "outbound.yaml"
    outbound.write_text(yaml.safe_dump({**definition, "name": "outbound-only"}, allow_unicode=True), encoding="utf-8")
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade"]).exit_code == 0
    assert run(app, ["campaigns", "apply", str(outbound)]).exit_code == 0
    results, inbound = tmp_path / "results.csv", tmp_path / "inbound.csv"
    res = run(app, ["campaigns", "export", "outbound-only", "--results", str(results), "--inbound", str(inbound)])
    assert res.exit_code == 1 and "takes no inbound calls" in said(res)
    assert not results.exists() and not inbound.exists()


def test_a_russian_speaking_admin_reads_every_answer_in_russian(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DIALER_LANG=ru (or a Russian locale): confirmations, counts, row problems and refusals in Russian; the
    file's own words (the campaign's name, the cells) as written. `--lang en` wins over the environment."""
    import yaml

    monkeypatch.setenv("DIALER_LANG", "ru")
    run = CliRunner().invoke
    assert run(app, ["db", "upgrade"]).exit_code == 0
    res = run(app, ["campaigns", "apply", str(SAMPLE / "sample.yaml")])
    assert res.exit_code == 0 and "кампания «sample-dentists» сохранена" in said(res)
    res = run(app, ["lists", "import", str(SAMPLE / "sample_contacts.csv"), "--campaign", "sample-dentists"])
    assert res.exit_code == 0 and "принято 24" in said(res) and "accepted" not in said(res)
    res = run(app, ["lists", "import", str(SAMPLE / "sample_contacts.csv"), "--campaign", "sample-dentists"])
    assert "принято 0" in said(res) and "дубли 24" in said(res) and "дубли: уже есть в кампании: 24" in said(res)

    sheet = tmp_path / "rows.csv"
    sheet.write_text("Телефон;Компания\nне звонить;ООО Север\n+79131112233;ООО Юг\n", encoding="utf-8")
    res = run(app, ["lists", "import", str(sheet), "--campaign", "sample-dentists"])
    assert res.exit_code == 0 and "отфильтровано 1" in said(res) and "ошибочные 1" in said(res), said(res)
    assert "отфильтровано: специализация не указана: 1" in said(res)  # the reason code in words
    assert "ошибочные строки, не загружены (1):" in said(res)
    assert "строка 2, телефон ('не звонить'): нет верного номера телефона" in said(res), said(res)

    bad = tmp_path / "bad.csv"
    bad.write_text("x;y\n1;2\n")
    res = run(app, ["lists", "import", str(bad), "--campaign", "sample-dentists"])
    assert res.exit_code == 2 and "нет столбца с телефоном" in said(res) and "no phone column" not in said(res)
    res = run(app, ["lists", "import", str(bad), "--campaign", "sample-dentists", "--map", "x"])
    assert res.exit_code == 2 and "ожидается КОЛОНКА=поле" in said(res)
    res = run(app, ["lists", "import", str(bad), "--campaign", "nope"])
    assert res.exit_code == 2 and "нет кампании «nope»" in said(res)
    res = run(app, ["lists", "import", str(sheet), "--campaign", "sample-dentists", "--map", "Моб.=phone"])
    assert res.exit_code == 2 and "сопоставление столбцов: нет столбца «Моб.»; столбцы:" in said(res)

    data = Path(__file__).parent / "lists" / "data" / "numbering"
    res = run(app, ["numbering", "load", *(str(p) for p in sorted(data.glob("*.csv")))])
    assert res.exit_code == 0 and "DEF-9xx.csv: диапазонов 9, кодов 7, строк с ошибками 1" in said(res)
    assert "строка 11, АВС/ DEF;От;До" in said(res) and "не число: «abc»" in said(res)
    listed = said(run(app, ["numbering", "list"]))
    assert re.search(
        r"DEF-9xx.csv: диапазонов 9, данные на \d\d\.\d\d\.\d{4}, загружен \d\d\.\d\d\.\d{4} \d\d:\d\d", listed
    )

    out = tmp_path / "results.csv"
    res = run(app, ["campaigns", "export", "sample-dentists", "--results", str(out)])
    assert res.exit_code == 0 and "контактов: 25 ->" in said(res)
    res = run(app, ["campaigns", "start", "sample-dentists"])
    assert "кампания «sample-dentists» запущена" in said(res)
    res = run(app, ["--lang", "en", "campaigns", "pause", "sample-dentists"])
    assert "campaign 'sample-dentists' is paused" in said(res)

    definition = yaml.safe_load((SAMPLE / "sample.yaml").read_text(encoding="utf-8"))
    del definition["inbound"]
    outbound = tmp_path / "outbound.yaml"
    outbound.write_text(yaml.safe_dump({**definition, "name": "outbound-only"}, allow_unicode=True), encoding="utf-8")
    assert run(app, ["campaigns", "apply", str(outbound)]).exit_code == 0
    res = run(app, ["campaigns", "export", "outbound-only", "--inbound", str(tmp_path / "in.csv")])
    assert res.exit_code == 1 and "кампания «outbound-only» не принимает входящие звонки" in said(res)
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({**definition, "name": "broken", "dialing": "fast"}), encoding="utf-8")
    res = run(app, ["campaigns", "apply", str(broken)])
    assert res.exit_code == 2 and "broken.yaml: ошибки в описании кампании:" in said(res)
    assert "- dialing: нужен набор полей (словарь YAML) (получено 'fast')" in said(res)

    res = run(app, ["dnc", "add", "+79100000001"])
    assert "+79100000001: добавлен в список запретов" in said(res)
    res = run(app, ["dnc", "add", "+79100000001"])
    assert "+79100000001: уже в списке запретов" in said(res)
    res = run(app, ["dnc", "add", "not a phone"])
    assert res.exit_code == 2 and "не номер телефона: «not a phone»" in said(res)
    listing = tmp_path / "registry.csv"
    listing.write_text("+79100000002\nnonsense\n", encoding="utf-8")
    res = run(app, ["dnc", "import", str(listing)])
    assert "прочитано номеров: 1, новых в списке запретов: 1, строк без номера: 1" in said(res)
    assert "строка 2: «nonsense»: не номер телефона" in said(res), said(res)
