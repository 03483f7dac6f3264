# ruff: noqa: RUF001  (Russian text is intentional here)
"""The command line's one language choice and its tables of words: every key in both languages with the same
placeholders, every key the code asks for present, the choice from --lang, DIALER_LANG or the locale."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from dialer.doctor.messages import MESSAGES as DOCTOR
from dialer.entrypoints import cli_language
from dialer.entrypoints.cli_language import Messages, choose_language, default_language, language, reason, text
from dialer.entrypoints.cli_messages import MESSAGES as CLI
from dialer.lists.report import SUMMARY_WORDS

TABLES: dict[str, Messages] = {"doctor": DOCTOR, "commands": CLI, "import report": SUMMARY_WORDS}
DIALER = Path(cli_language.__file__).parents[1]


def _fields(message: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(message) if f}


@pytest.mark.parametrize("table", TABLES.values(), ids=list(TABLES))
def test_every_message_has_both_languages_and_the_same_placeholders(table: Messages) -> None:
    for key, (en, ru) in table.items():
        assert en and ru, key
        assert _fields(en) == _fields(ru), key
        assert not re.search(r"[А-Яа-яЁё]", en.replace("Моб. тел.", "")), key  # English is English
        assert re.search(r"[А-Яа-яЁё]", ru) or en == ru, key  # the same only where nothing is a word ("ARI")


def test_every_key_the_commands_ask_for_exists() -> None:
    """A `say("key")` whose key is missing would fail only when a user reaches it: read them from the source."""
    asked: set[str] = set()
    for path in DIALER.rglob("*.py"):
        asked |= set(re.findall(r"\bsay\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    asked |= {f"campaign_{status}" for status in ("running", "paused", "stopped")}  # say(f"campaign_{status}")
    assert len(asked) > 40
    assert asked <= set(CLI), sorted(asked - set(CLI))


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"DIALER_LANG": "ru"}, "ru"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"DIALER_LANG": "en", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"LC_ALL": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
        ({}, "en"),
    ],
)
def test_default_language(env: dict[str, str], lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DIALER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert default_language() == lang


def test_the_chosen_language_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_LANG", "en")
    try:
        choose_language("ru")
        assert language() == "ru" and text(CLI, "no_campaign", name="x").startswith("нет кампании «x»")
        choose_language(None)
        assert language() == "en" and text(CLI, "no_campaign", name="x").startswith("no campaign 'x'")
        with pytest.raises(ValueError, match="en or ru"):
            choose_language("de")
    finally:
        choose_language(None)


def test_the_domains_sentences_are_translated_by_the_one_catalogue() -> None:
    assert reason("not a phone number: 'abc'", "ru") == "не номер телефона: «abc»"
    assert reason("not a phone number: 'abc'", "en") == "not a phone number: 'abc'"  # English as written
    assert reason("duplicate_in_list", "ru") == "повтор в этом списке"
    refused = "bad.csv: no phone column in the header ['x', 'y']; expected a column named like 'Телефон' or ..."
    assert reason(refused, "ru").startswith("bad.csv: в заголовке ['x', 'y'] нет столбца с телефоном")
    assert reason("something new", "ru") == "something new"  # unknown: as written, never lost


def test_every_help_text_has_its_russian_and_every_russian_its_help_text() -> None:
    import typer.main

    from dialer.cli import app
    from dialer.entrypoints.cli_help import HELP, help_texts

    english = {text for _, _, text in help_texts(typer.main.get_command(app))}
    assert len(english) > 90
    assert english <= set(HELP), sorted(english - set(HELP))
    assert set(HELP) <= english, sorted(set(HELP) - english)  # a Russian whose English changed or went
    assert all(re.search(r"[А-Яа-яЁё]", ru) or en == ru for en, ru in HELP.items())


def test_help_reads_in_the_chosen_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from dialer.cli import app

    for var in ("DIALER_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    run = CliRunner().invoke

    def said(args: list[str]) -> str:
        res = run(app, args)
        assert res.exit_code == 0, res.output
        return " ".join(res.output.split())

    ru = said(["--lang", "ru", "lists", "import", "--help"])
    assert "Загрузить список контактов CSV/XLSX в кампанию" in ru and "имя кампании" in ru
    assert "Показать эту справку и выйти." in ru  # --help's own line, which Typer makes when first asked for
    assert "Import a CSV/XLSX" not in ru
    assert "Import a CSV/XLSX contact list" in said(["lists", "import", "--help"])  # the next run: English again
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert "Списки контактов." in said(["--help"])
    assert "Выгрузить результаты кампании" in said(["campaigns", "--help"])
    assert "Export a campaign's results" in said(["--lang", "en", "campaigns", "--help"])


@pytest.mark.parametrize(
    "bad",
    [
        {"dialing": "fast"},
        {"dialing": {"mode": "progressive", "max_lines": 0}},
        {"dialing": {"mode": "turbo", "max_lines": 2}},
        {"bogus": 1},
        {"name": None},
        {"name": "a/b"},
        {"name": "x" * 101},
        {"ring_timeout_seconds": "abc"},
        {"ring_timeout_seconds": 1.5},
        {"lists": "x"},
        {"recording": "maybe"},
    ],
)
def test_a_campaign_files_field_problems_read_in_russian_naming_the_field(bad: dict[str, object]) -> None:
    import yaml

    from dialer.config import PROJECT_ROOT
    from dialer.entrypoints.cli_messages import campaign_problems
    from dialer.rules.campaign import CampaignDefinitionError, parse_campaign

    definition = yaml.safe_load((PROJECT_ROOT / "campaigns" / "sample.yaml").read_text(encoding="utf-8"))
    with pytest.raises(CampaignDefinitionError) as caught:
        parse_campaign({**definition, **bad})
    exc = caught.value
    try:
        choose_language("ru")
        (ru,) = campaign_problems(exc)
        choose_language("en")
        assert campaign_problems(exc) == exc.problems  # English: pydantic's own words, as before
    finally:
        choose_language(None)
    (problem,) = exc.fields
    assert ru.startswith(f"{problem.where}: ") and re.search(r"[А-Яа-яЁё]", ru), ru
    # the table's English is what pydantic says, so the table shows what each Russian line translates
    english = text(CLI, f"field_{problem.kind}", "en", where=problem.where, **problem.context)
    assert exc.problems[0].startswith(english), (english, exc.problems[0])


def test_the_lab_status_line_reads_in_the_run_language() -> None:
    from dialer.entrypoints.cli_lab import describe
    from dialer.lab.lab_config import LabStatus

    status = LabStatus(provisioned=True, running=False, pid=None, ami_ok=False, ari_ok=True, version="22.1")
    try:
        choose_language("en")
        assert describe(status) == "provisioned=yes running=no pid=- ami=down ari=ok version=22.1"
        choose_language("ru")
        assert (
            describe(status) == "подготовлена: да, запущена: нет, pid -, AMI: не отвечает, ARI: отвечает, версия 22.1"
        )
    finally:
        choose_language(None)


def test_a_campaign_file_that_is_not_fields_reads_in_russian(tmp_path: Path) -> None:
    from dialer.adapters.campaign_file import load_campaign
    from dialer.entrypoints.cli_messages import campaign_problems
    from dialer.rules.campaign import CampaignDefinitionError

    broken, listed = tmp_path / "broken.yaml", tmp_path / "list.yaml"
    broken.write_text("name: x\n  bad: [\n", encoding="utf-8")
    listed.write_text("- a\n- b\n", encoding="utf-8")
    said = []
    try:
        choose_language("ru")
        for path in (broken, listed, tmp_path / "missing.yaml"):
            with pytest.raises(CampaignDefinitionError) as caught:
                load_campaign(path)
            said += campaign_problems(caught.value)
    finally:
        choose_language(None)
    assert said[0].startswith("строка 2, позиция 6: ошибка синтаксиса YAML:")
    assert said[1] == "(весь файл): ожидается набор полей кампании (словарь YAML)"
    assert said[2].startswith("файл не читается: ")


@pytest.mark.parametrize(
    ("args", "russian"),
    [
        (["lists", "import", "x.csv"], "Не задан параметр '--campaign'."),
        (["lists", "imprt"], "Нет такой команды «imprt». Может быть, 'import'?"),
        (["lists", "import", "x.csv", "--campgn", "c"], "Нет такого параметра: --campgn (есть: --campaign, --map)"),
        (["recordings", "verify", "--tolerance", "abc"], "Неверное значение '--tolerance': нужно число"),
        (["campaigns", "start"], "Не задан аргумент 'name'."),
        (["campaigns", "start", "a", "b"], "Лишние аргументы: b"),
        (["lists", "import", "x.csv", "--campaign"], "Параметру '--campaign' нужно значение."),
        (["recordings", "reprocess", "--format", "flac"], "Неверное значение: --format: ogg, mp3 или wav"),
        (["--lang", "de", "lists"], "Неверное значение: --lang 'de': en или ru"),
    ],
)
def test_typers_usage_errors_read_in_russian(args: list[str], russian: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The framework's refusals (a missing option, a mistyped command) are bad input too."""
    from typer.testing import CliRunner

    from dialer.cli import app

    monkeypatch.setenv("DIALER_LANG", "ru")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and russian in " ".join(res.output.replace("│", " ").split()), res.output
    if "--lang" not in args:  # English stays as Typer words it
        monkeypatch.setenv("DIALER_LANG", "en")
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2 and not re.search(r"[А-Яа-яЁё]", res.output), res.output
