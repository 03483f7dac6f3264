# ruff: noqa: RUF001  (Russian text is intentional here)
"""Every page, as every role, in both languages: no internal code is shown as text, and a Russian page has
no English words except the data it shows (names, companies, the campaign's own labels) and a few
acronyms. A string added to a template without `_()` fails here."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from dialer.db.models import Campaign, Contact, ContactList, Disposition, Operator, User
from dialer.db.script_models import CallScript
from dialer.web.i18n import CODES, MESSAGES, Translator, english_ui_words, ru_plural
from tests.web.compliance_seed import seed_evidence
from tests.web.conftest import WebEnv, as_role, make_env
from tests.web.script_seed import SCRIPT_A, SCRIPT_B, add_contacts, dispose, place_calls
from tests.web.test_app import cp1251_csv

ROLES = ("admin", "manager", "operator", "qa", "supervisor")
# Words a Russian page may show in Latin letters: the brand, formats and protocols.
ACRONYMS = {"dialer", "api", "rest", "csv", "xlsx", "json", "https", "http", "yaml", "sip", "pjsip", "amd", "wav"}
ACRONYMS |= {"ru", "en", "english", "x", "csrf", "get", "post", "me", "token", "inn", "e", "mail", "cookie"}
ACRONYMS |= {"cp", "utf"}
ACRONYMS |= {"tcpa", "ftc", "ofcom", "us", "uk", "collection"}
# a campaign file's YAML keys quoted in a message: `compliance: {profile: RU}`
ACRONYMS |= {"compliance", "profile"}
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
LATIN_WORD = re.compile(r"[A-Za-z]+")


class VisibleText(HTMLParser):
    """Text a person sees: no scripts, no <code>, nothing marked lang="en" (the API reference is English),
    plus the title/placeholder/aria-label/alt attributes and <option> texts."""

    SKIP = frozenset({"script", "style", "code", "kbd"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its text hidden from this check

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        marked_english = a.get("lang") == "en" and tag != "html"  # the page's own language is not a marking
        hidden = tag in self.SKIP or marked_english or (bool(self.stack) and self.stack[-1])
        if tag not in ("input", "meta", "link", "br", "img", "source", "hr"):
            self.stack.append(hidden)
        if not hidden:
            for name in ("title", "placeholder", "aria-label", "alt"):
                if a.get(name):
                    self.parts.append(str(a[name]))
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(str(a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("input", "meta", "link", "br", "img", "source", "hr") and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return html_lib.unescape(" ".join(parser.parts))


def data_words(env: WebEnv) -> set[str]:
    """Every word stored as data (names, companies, notes, labels): a page may show these in any script."""
    words: set[str] = set()
    with env.repo.sessions() as s:
        rows: list[object] = []
        for model in (Campaign, Contact, ContactList, Disposition, Operator, User):
            rows.extend(s.scalars(select(model)))
        from dialer.db.models import Attempt

        rows.extend(s.scalars(select(Attempt)))
        for row in rows:
            for value in vars(row).values():
                if isinstance(value, str):
                    words |= {w.lower() for w in LATIN_WORD.findall(value)}
        # a script's text, shown in its editor, names fields in the markup ({contact_person}): the manager's data
        for body in s.scalars(select(CallScript.body)):
            words |= {w.lower() for w in LATIN_WORD.findall(body)} | set(SNAKE.findall(body))
    return words


def html_pages(env: WebEnv, token: str) -> list[str]:
    """Every page route (GET, not the API, not an event stream), with its path filled in."""
    values = {
        "campaign_id": env.seed.campaign_id,
        "recording_id": env.seed.recording_id,
        "list_id": _list_id(env),
        "contact_id": env.seed.contact_id,
        "token": token,
    }
    pages = []
    for route in env.app.routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if (route.path.startswith("/api/") and route.path != "/api/docs") or route.path.endswith("/events"):
            continue
        if route.path == "/":
            continue
        pages.append(re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), route.path))
    pages += [
        f"/manager/compliance?campaign_id={env.seed.campaign_id}&from=2026-03-01&to=2026-03-03",
        "/manager/numbers?phone=%2B79101234567",
        "/manager/contacts?phone=9101234567",
        "/manager/contacts?status=corporate",
        f"/manager/compliance?campaign_id={env.evidence_campaign_id}&from=2026-11-02&to=2026-11-02",  # type: ignore[attr-defined]
        "/no/such/page",
        f"/manager/campaigns/{env.seed.campaign_id}?saved=1",
        f"/manager/campaigns/{env.seed.campaign_id}/scripts?saved=1",
        "/account?saved=1",
    ]
    return pages


def _list_id(env: WebEnv) -> int:
    with env.repo.sessions() as s:
        return max(s.scalars(select(ContactList.id)))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[WebEnv, dict[str, str]]:
    """The seeded app plus an imported list (its report page) and a pending upload per list-uploading role."""
    tmp = tmp_path_factory.mktemp("i18n")
    env = make_env(tmp, language="ru")
    evidence = seed_evidence(env.repo)
    env.evidence_campaign_id = evidence.campaign_id  # type: ignore[attr-defined]
    tokens: dict[str, str] = {}
    for role in ("manager", "admin"):
        client, _csrf = as_role(env.app, role)
        csv = cp1251_csv(tmp / f"{role}.csv")
        with csv.open("rb") as fh:
            r = client.post(
                "/manager/upload",
                data={"campaign_id": str(env.seed.campaign_id), "csrf_token": _csrf},
                files={"file": ("список.csv", fh, "text/csv")},
            )
        assert r.status_code == 303, r.text
        tokens[role] = r.headers["location"].rsplit("/", 1)[-1]
    # one import through the form, so the list report page has real reasons to show
    client, csrf = as_role(env.app, "manager")
    r = client.post(f"/manager/upload/{tokens['manager']}/confirm", data={"csrf_token": csrf, "list_name": "март"})
    assert r.status_code == 303 and r.headers["location"].startswith("/manager/lists/"), r.text
    client, csrf = as_role(env.app, "manager")
    with (tmp / "manager.csv").open("rb") as fh:
        r = client.post(
            "/manager/upload",
            data={"campaign_id": str(env.seed.campaign_id), "csrf_token": csrf},
            files={"file": ("список.csv", fh, "text/csv")},
        )
    tokens["manager"] = r.headers["location"].rsplit("/", 1)[-1]
    # call scripts: two versions side by side, calls on both, one on the operator's desk
    a = env.repo.save_script(env.seed.campaign_id, SCRIPT_A, env.seed.user_ids["manager"], "первая")
    b = env.repo.save_script(env.seed.campaign_id, SCRIPT_B, env.seed.user_ids["manager"])
    env.repo.set_script_rotation(env.seed.campaign_id, a.id, b.id, 0.5, None)
    add_contacts(env, 41)
    place_calls(env, 40)
    dispose(env, {a.id: 0.1, b.id: 0.4})
    place_calls(env, 1, operator_id=env.seed.operator_id)
    return env, tokens


def _client(env: WebEnv, role: str, language: str) -> TestClient:
    client, csrf = as_role(env.app, role)
    r = client.post("/language", data={"language": language, "next": "/", "csrf_token": csrf})
    assert r.status_code == 303
    return client


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_pages_show_words_not_codes(
    loaded: tuple[WebEnv, dict[str, str]], role: str, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, tokens = loaded
    # every message a page asks for must be in the catalogue, even one that happens to look Russian-free
    untranslated: set[str] = set()
    gettext = Translator.gettext

    def spy(self: Translator, message: str, **values: object) -> str:
        if message not in MESSAGES:
            untranslated.add(message)
        return gettext(self, message, **values)

    monkeypatch.setattr(Translator, "gettext", spy)
    client = _client(env, role, language)
    csv = cp1251_csv(Path(env.web.upload_dir) / "words.csv").read_text("cp1251")
    csv_words = {w.lower() for w in LATIN_WORD.findall(csv)}
    allowed = ACRONYMS | data_words(env) | csv_words
    english = sorted(english_ui_words() | {en for en, ru in CODES.values() if en != ru}, key=len, reverse=True)
    # a UI phrase whose every word is also data (the CSV's "not a phone") cannot be told apart from it
    english = [e for e in english if not {w.lower() for w in LATIN_WORD.findall(e)} <= allowed]
    seen = 0
    for path in html_pages(env, tokens.get(role, tokens["manager"])):
        r = client.get(path)
        if r.status_code in (303, 307):
            continue
        assert "text/html" in r.headers["content-type"], f"{role} {path}: {r.status_code} {r.text[:200]}"
        assert '{"detail"' not in r.text, f"{role} {path} shows raw JSON"
        assert f'<html lang="{language}">' in r.text, path
        text = visible_text(r.text)
        codes = [c for c in SNAKE.findall(text) if c not in allowed]
        assert not codes, f"{role} {language} {path}: internal codes shown: {codes}"
        if language == "ru":
            latin = sorted({w for w in LATIN_WORD.findall(text) if w.lower() not in allowed})
            assert not latin, f"{role} {path}: English on a Russian page: {latin}"
            folded = " ".join(text.split())
            leaked = [e for e in english if len(e) > 3 and re.search(rf"(?<![\w-]){re.escape(e)}(?![\w-])", folded)]
            assert not leaked, f"{role} {path}: untranslated UI text: {leaked[:5]}"
        seen += 1
    assert seen >= 4
    assert not untranslated, f"{role} {language}: messages missing from the catalogue: {sorted(untranslated)[:5]}"


def test_a_language_choice_outlives_the_session_and_defaults_to_the_setting(tmp_path: Path) -> None:
    env = make_env(tmp_path, language="ru")
    client, csrf = as_role(env.app, "manager")
    assert '<html lang="ru">' in client.get("/manager").text
    assert "Кампании" in client.get("/manager").text
    r = client.post("/language", data={"language": "en", "next": "/manager", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/manager"
    page = client.get("/manager").text
    assert '<html lang="en">' in page and "Campaigns" in page and "Кампании" not in page
    r = client.post("/language", data={"language": "en", "next": "https://evil.example/", "csrf_token": csrf})
    assert r.headers["location"] == "/"  # never an open redirect


def test_russian_plural_forms_and_formats() -> None:
    assert [ru_plural(n) for n in (0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1002)] == [
        2, 0, 1, 1, 2, 2, 2, 2, 0, 1, 2, 0, 2, 1,
    ]  # fmt: skip
    ru, en = Translator("ru"), Translator("en")
    assert ru.ngettext("{n} row", "{n} rows", 1) == "1 строка"
    assert ru.ngettext("{n} row", "{n} rows", 3) == "3 строки"
    assert ru.ngettext("{n} row", "{n} rows", 11) == "11 строк"
    assert ru.ngettext("{n} row", "{n} rows", 21) == "21 строка"
    assert en.ngettext("{n} row", "{n} rows", 1) == "1 row" and en.ngettext("{n} row", "{n} rows", 0) == "0 rows"
    assert ru.num(1234567.5, 1) == "1\u00a0234\u00a0567,5" and en.num(1234567.5, 1) == "1,234,567.5"
    assert ru.pct(0.03) == "3,0\u00a0%" and en.pct(0.03) == "3.0%"
    assert ru.dur(65) == "1:05" and ru.dur(3725) == "1:02:05"
    moment = datetime(2026, 12, 5, 9, 10, tzinfo=UTC)
    msk = Translator("ru", __import__("zoneinfo").ZoneInfo("Europe/Moscow"))
    assert msk.dt(moment) == "05.12.2026 12:10" and Translator("en").dt(moment) == "2026-12-05 09:10"
    assert msk.dt("2026-12-05T09:10:00") == "05.12.2026 12:10"  # naive = UTC, as the database stores it
    assert ru.label("specialty_not_allowed") == "специализация не подходит кампании"
    assert en.label("no_answer") == "no answer"
    assert ru.outcome("connected", None) == "соединён, результат не записан"
    assert ru.outcome("connected", "Интересно") == "Интересно"
    assert ru.reason("headcount 900 is at or above the corporate threshold 500") == (
        "численность 900 — на корпоративном пороге 500 или выше"
    )


def test_every_message_has_its_placeholders_in_russian() -> None:
    for en, ru in MESSAGES.items():
        assert set(re.findall(r"\{\w+\}", en)) == set(re.findall(r"\{\w+\}", ru)), en


def test_every_row_error_and_warning_of_an_import_reads_in_russian(tmp_path: Path) -> None:
    """The import's own messages (made by dialer.lists, not typed here) all have Russian words: a reason the
    catalogue does not know would reach the import report page in English."""
    from dialer.lists import import_contacts

    src = tmp_path / "bad.csv"
    rows = [
        "Телефон;Компания;Численность;ИНН;E-mail;Часовой пояс",
        "+74951000001;Альфа;много;7707083893;a@b.ru;Europe/Moscow",  # a headcount that is no number
        "+74951000002;Бета;12 человек;7707083894;a@b.ru;",  # an ИНН whose checksum fails
        "+74951000003;Гамма;10;7,70708E+09;a@b.ru;",  # Excel's scientific notation
        "+74951000004;Дельта;10;;not-an-email;",  # a bad e-mail
        "+74951000005;Эпсилон;10;;;Марс/Олимп",  # an unknown time zone
        "abc;Дзета;10;;;",  # not a phone number
        ";Эта;10;;;",  # no phone
        "+7495;Тета;10;;;",  # too short
        "+74951000009;Йота;" + "9" * 5000 + ";;;",  # a cell longer than the limit
    ]
    src.write_text("\n".join(rows) + "\n", encoding="cp1251")
    report = import_contacts(src).run()
    reasons = [e.reason for e in report.invalid + report.warnings]
    assert len(reasons) >= 8, reasons
    ru = Translator("ru")
    for reason in reasons:
        text = ru.reason(reason)
        assert re.search(r"[А-Яа-яЁё]", text), f"{reason!r} -> {text!r}"
    assert not ru.missing, ru.missing
