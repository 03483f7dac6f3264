"""Browser tests (Debian chromium via Playwright) for the language switch and the supervisor wallboard,
and the screenshots of the main pages in both languages for docs/web.md (docs/img/web-*-ru.png, -en.png).

The wallboard watches a FakeFloor (tests/web/floor.py) standing in for the live service's read model, so
the test can change the floor and see the page follow it over SSE."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialer.pacing import OperatorState
from tests.web.conftest import WebEnv, make_env
from tests.web.floor import FakeFloor, FakeService
from tests.web.test_browser import IMG, serving, sign_in

Server = tuple[str, WebEnv, FakeFloor]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("i18n-browser")
    floor = FakeFloor(0, "web-test")
    env = make_env(tmp, service=FakeService(floor), language="ru", sse_max_events=None, sse_interval_s=0.3)
    floor.campaign_id = env.seed.campaign_id
    with serving(env) as url:
        yield url, env, floor


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1366, "height": 860})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def shot(page: object, name: str) -> None:
    """Into docs/img with DIALER_SCREENSHOTS=1 (so an ordinary run leaves the tree alone), else a temp dir."""
    target = IMG if os.environ.get("DIALER_SCREENSHOTS") else Path("/tmp") / "dialer-screens"
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"web-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def switch(page: object, language: str) -> None:
    page.click(f"#lang-switch button[value={language}]")  # type: ignore[attr-defined]
    page.wait_for_selector(f"html[lang={language}]")  # type: ignore[attr-defined]


def test_language_switch_in_the_header(server: Server, page: object) -> None:
    base, env, _ = server
    p = page
    sign_in(p, base, "mike")
    assert p.get_attribute("html", "lang") == "ru"  # type: ignore[attr-defined]  # DIALER_WEB_LANGUAGE=ru
    assert p.inner_text("h1") == "Кампании"  # type: ignore[attr-defined]
    assert "остановлена" in p.inner_text("#campaigns")  # type: ignore[attr-defined]  # a status in words
    switch(p, "en")
    assert p.url.endswith("/manager")  # type: ignore[attr-defined]  # back on the same page
    assert p.inner_text("h1") == "Campaigns"  # type: ignore[attr-defined]
    assert "stopped" in p.inner_text("#campaigns")  # type: ignore[attr-defined]
    p.goto(f"{base}/manager/campaigns/{env.seed.campaign_id}")  # type: ignore[attr-defined]
    assert p.get_attribute("html", "lang") == "en"  # type: ignore[attr-defined]  # the choice stays
    # a save says so, in the page's language, in green; and the status is shown in words
    p.click("#status-buttons button[data-status=paused]")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('status-msg').textContent === 'Saved.'")  # type: ignore[attr-defined]
    assert "flash ok" in p.get_attribute("#status-msg", "class")  # type: ignore[attr-defined]
    assert p.inner_text("#status") == "paused"  # type: ignore[attr-defined]
    switch(p, "ru")
    assert p.inner_text("#status") == "на паузе"  # type: ignore[attr-defined]
    assert "Воронка" in p.inner_text("main")  # type: ignore[attr-defined]


def test_wallboard_follows_the_floor_live(server: Server, page: object) -> None:
    base, _env, floor = server
    p = page
    floor.operators.clear()
    floor.set_operator("op1", OperatorState.ON_CALL, for_s=42)
    floor.calls_by_stage = {"ringing": 2, "bridged": 1}
    sign_in(p, base, "sam")  # the supervisor's home is the wallboard
    assert p.url.endswith("/wallboard")  # type: ignore[attr-defined]
    p.wait_for_selector("#wb-chart .uplot")  # type: ignore[attr-defined]  # the vendored uPlot drew its chart
    assert "Olga" in p.inner_text("#wb-operators")  # type: ignore[attr-defined]
    assert "разговаривает" in p.inner_text("#wb-operators")  # type: ignore[attr-defined]
    # the floor changes: Oleg logs in and is ready, a customer waits; the page follows without a reload
    floor.set_operator("op2", OperatorState.READY, for_s=5)
    floor.calls_by_stage = {"ringing": 2, "bridged": 1, "waiting": 1}
    p.wait_for_function("() => document.getElementById('wb-operators').innerText.includes('Oleg')")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('wb-waiting').textContent === '1'")  # type: ignore[attr-defined]
    assert p.inner_text("#wb-flight") == "4"  # type: ignore[attr-defined]
    assert p.inner_text("#wb-ready") == "1"  # type: ignore[attr-defined]
    legend = p.inner_text("#wb-chart")  # type: ignore[attr-defined]
    assert "Звонков в работе" in legend and "Цель, %" in legend
    assert "3,0\u00a0%" in p.inner_text(".tiles")  # type: ignore[attr-defined]  # the cap as a percent
    p.wait_for_timeout(1500)  # type: ignore[attr-defined]  # a few points on the chart
    shot(p, "wallboard-ru")
    switch(p, "en")
    p.wait_for_function("() => document.getElementById('wb-operators').innerText.includes('on a call')")  # type: ignore[attr-defined]
    p.wait_for_timeout(1500)  # type: ignore[attr-defined]
    shot(p, "wallboard-en")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_main_pages_screenshots(server: Server, page: object, language: str) -> None:
    """Each main page renders in the language, with no raw code; the screenshots go to docs/web.md."""
    base, env, floor = server
    p = page
    floor.operators["op1"] = (OperatorState.ON_CALL, time.monotonic() - 30, env.seed.attempt_id)  # the card shows
    pages = {
        "alice": [
            ("admin", "/admin"),
            ("pacing", f"/admin/campaigns/{env.seed.campaign_id}/pacing"),
            ("users", "/admin/users"),
            ("campaign", f"/manager/campaigns/{env.seed.campaign_id}"),
            ("qa-recording", f"/qa/recordings/{env.seed.recording_id}"),
        ],
        "olga": [("operator", "/operator")],
    }
    for user, targets in pages.items():
        sign_in(p, base, user)
        if p.get_attribute("html", "lang") != language:  # type: ignore[attr-defined]
            switch(p, language)
        for name, path in targets:
            p.goto(base + path)  # type: ignore[attr-defined]
            assert p.get_attribute("html", "lang") == language  # type: ignore[attr-defined]
            text = p.inner_text("main")  # type: ignore[attr-defined]
            assert "no_answer" not in text and "wrap_up" not in text and '{"detail"' not in text
            if name == "pacing":
                p.wait_for_selector("#chart .uplot")  # type: ignore[attr-defined]
                p.wait_for_timeout(1500)  # type: ignore[attr-defined]
                assert ("3,0\u00a0%" if language == "ru" else "3.0%") in p.inner_text("#effective-target")  # type: ignore[attr-defined]
            shot(p, f"{name}-{language}")
        p.click("form.logout button")  # type: ignore[attr-defined]
        p.wait_for_load_state()  # type: ignore[attr-defined]
