# ruff: noqa: RUF001  (Russian text is intentional here)
"""Browser tests (Debian chromium via Playwright) for call scripts: a manager writes versions (a bad field is
refused, naming it), runs two side by side, the operator desk shows the contact's version with its fields
substituted (Russian and English), and the results page reads conversion per version with its verdict.

Screenshots for docs/web.md: web-script-desk-{ru,en}.png and web-script-ab-{ru,en}.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.conftest import WebEnv, make_env
from tests.web.script_seed import SCRIPT_A, SCRIPT_B, add_contacts, contact_of, dispose, place_calls
from tests.web.test_browser import serving, shot, sign_in


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebEnv]]:
    env = make_env(tmp_path_factory.mktemp("scripts-browser"), language="en", sse_max_events=None, sse_interval_s=0.3)
    with serving(env) as url:
        yield url, env


def _page(browser: object) -> object:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    return pg


def _language(p: object, code: str) -> None:
    p.click(f"#lang-switch button[value={code}]")  # type: ignore[attr-defined]
    p.wait_for_load_state()  # type: ignore[attr-defined]


def test_scripts_split_desk_and_results(server: tuple[str, WebEnv], browser: object) -> None:
    base, env = server
    cid = env.seed.campaign_id
    m = _page(browser)
    sign_in(m, base, "mike")
    m.goto(f"{base}/manager/campaigns/{cid}")  # type: ignore[attr-defined]
    m.click("#scripts-link")  # type: ignore[attr-defined]
    assert m.url.endswith(f"/manager/campaigns/{cid}/scripts")  # type: ignore[attr-defined]

    # a misspelt field is refused at save time, naming the field and its line; the text stays in the editor
    m.fill("#script-body", SCRIPT_A.replace("{company}", "{compnay}"))  # type: ignore[attr-defined]
    m.click("#script-save")  # type: ignore[attr-defined]
    error = m.inner_text("#script-error")  # type: ignore[attr-defined]
    assert "compnay" in error and "Line 3" in error, error
    assert "{compnay}" in m.input_value("#script-body")  # type: ignore[attr-defined]
    assert env.repo.script_versions(cid) == []

    # two versions; the first becomes the script at once
    for body, note in ((SCRIPT_A, "first"), (SCRIPT_B, "shorter greeting")):
        m.fill("#script-body", body)  # type: ignore[attr-defined]
        m.fill("#script-note", note)  # type: ignore[attr-defined]
        m.click("#script-save")  # type: ignore[attr-defined]
        m.wait_for_selector("#flash.ok")  # type: ignore[attr-defined]
    versions = {v.version: v.id for v in env.repo.script_versions(cid)}
    assert set(versions) == {1, 2}
    assert m.locator("#versions tbody tr").count() == 2  # type: ignore[attr-defined]

    # run them side by side, half the contacts each
    m.select_option("#version-a", str(versions[1]))  # type: ignore[attr-defined]
    m.select_option("#version-b", str(versions[2]))  # type: ignore[attr-defined]
    m.fill("#share-b", "50")  # type: ignore[attr-defined]
    m.click("#rotation-save")  # type: ignore[attr-defined]
    m.wait_for_selector("#flash.ok")  # type: ignore[attr-defined]
    rotation = env.repo.script_rotation(cid)
    assert rotation is not None and (rotation.version_a, rotation.version_b) == (versions[1], versions[2])

    # the dialler leases contacts: each attempt stores its contact's version; both halves get calls
    add_contacts(env, 201)
    placed = place_calls(env, 200)
    on_b = sum(1 for v in placed.values() if v == versions[2])
    assert 60 <= on_b <= 140, on_b  # a fair split of 200 (p = 0.5; 4 sd either side)
    one = place_calls(env, 1, operator_id=env.seed.operator_id)  # the operator's call, on the desk
    ((attempt_id, version_id),) = one.items()
    contact = contact_of(env, attempt_id)
    arm = "A" if version_id == versions[1] else "B"

    # the operator desk: the script beside the card, with the contact's fields, in English then Russian
    o = _page(browser)
    sign_in(o, base, "olga")
    o.wait_for_selector("#script .script-links")  # type: ignore[attr-defined]
    assert o.get_attribute("#script-version", "data-arm") == arm  # type: ignore[attr-defined]
    text = o.inner_text("#script")  # type: ignore[attr-defined]
    assert contact.company is not None and contact.company in text
    assert "Иван Петров" in text and "Новосибирск" in text and "Olga" in text  # operator's name
    assert ("Здравствуйте" in text) == (arm == "B") and ("Добрый день" in text) == (arm == "A")
    assert contact.headcount is not None and contact.headcount >= 1000
    assert f"{contact.headcount:,} сотрудников" in text, text  # headcount in the reader's number format
    o.click("#script .script-links >> text=Нет времени")  # type: ignore[attr-defined]  # a quick link works
    assert o.evaluate("location.hash") == "#script-busy"  # type: ignore[attr-defined]
    shot(o, "script-desk-en")
    assert "Script" in o.inner_text("#script-section h2")  # type: ignore[attr-defined]
    _language(o, "ru")
    o.wait_for_selector("#script .script-links")  # type: ignore[attr-defined]
    assert "Сценарий" in o.inner_text("#script-section h2")  # type: ignore[attr-defined]
    assert f"вариант {arm}" in o.inner_text("#script-version")  # type: ignore[attr-defined]
    text = o.inner_text("#script")  # type: ignore[attr-defined]
    assert f"{contact.headcount:,} сотрудников".replace(",", "\u00a0") in text, text
    shot(o, "script-desk-ru")

    # results: 10 % on A against 30 % on B over ~100 bridged calls each: B wins with 95 % confidence
    dispose(env, {versions[1]: 0.10, versions[2]: 0.30})
    m.goto(f"{base}/manager/campaigns/{cid}/scripts")  # type: ignore[attr-defined]
    assert m.get_attribute("#verdict", "data-code") == "b_better"  # type: ignore[attr-defined]
    assert "Version B is better with 95 % confidence" in m.inner_text("#verdict")  # type: ignore[attr-defined]
    tallies = env.repo.script_tallies(cid)
    row_b = m.locator("#versions tr[data-arm=B]")  # type: ignore[attr-defined]
    assert row_b.locator("td.bridged").inner_text() == f"{tallies[versions[2]].bridged:,}"
    assert row_b.locator("td.positive").inner_text() == f"{tallies[versions[2]].positive:,}"
    assert "%" in row_b.locator("td.ci").inner_text()
    shot(m, "script-ab-en")
    _language(m, "ru")
    assert "Версия B лучше с уверенностью 95" in m.inner_text("#verdict")  # type: ignore[attr-defined]
    shot(m, "script-ab-ru")
