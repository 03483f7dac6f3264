"""Browser tests: headless Debian chromium driven by Playwright (never `playwright install`).

Each test signs in through the real form, uses the page as a person would and saves a screenshot
for docs/web.md (docs/img/web-*.png)."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from dialer.config import PROJECT_ROOT
from tests.web.conftest import PASSWORD, WebEnv, make_call_recent, make_env
from tests.web.test_app import cp1251_csv

IMG = PROJECT_ROOT / "docs" / "img"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(env: WebEnv) -> Iterator[str]:
    """The web app of `env` served by uvicorn on a free port in a thread, for the browser; its base URL."""
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(
            env.app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1, lifespan="on"
        )
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebEnv]]:
    env = make_env(tmp_path_factory.mktemp("browser"), sse_max_events=None, sse_interval_s=0.5)
    with serving(env) as url:
        yield url, env


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def shot(page: object, name: str) -> None:
    """Screenshots for docs/web.md, refreshed on request (DIALER_SCREENSHOTS=1) so that an ordinary
    test run leaves the work tree alone; otherwise they still exercise the page render."""
    target = IMG if os.environ.get("DIALER_SCREENSHOTS") else Path(tempfile.gettempdir()) / "dialer-screens"
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"web-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def sign_in(page: object, base: str, username: str, screenshot: bool = False) -> None:
    p = page
    p.goto(f"{base}/login")  # type: ignore[attr-defined]
    p.fill("input[name=username]", username)  # type: ignore[attr-defined]
    p.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    if screenshot:
        shot(p, "login")
    p.click("#login-form button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_load_state()  # type: ignore[attr-defined]


def test_manager_uploads_cp1251_list(server: tuple[str, WebEnv], page: object, tmp_path: Path) -> None:
    base, env = server
    p = page
    sign_in(p, base, "mike", screenshot=True)
    assert p.url.endswith("/manager")  # type: ignore[attr-defined]
    shot(p, "manager")
    f = cp1251_csv(tmp_path / "клиники.csv")
    p.goto(f"{base}/manager/upload?campaign_id={env.seed.campaign_id}")  # type: ignore[attr-defined]
    p.set_input_files("input[name=file]", str(f))  # type: ignore[attr-defined]
    p.click("#upload-form button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_selector("#mapping")  # type: ignore[attr-defined]
    body = p.inner_text("main")  # type: ignore[attr-defined]
    assert "cp1251" in body and "Стоматология «Улыбка»" in body
    assert p.input_value("select[name=col_1]") == "phone"  # type: ignore[attr-defined]
    assert p.input_value("select[name=col_2]") == "company"  # type: ignore[attr-defined]
    shot(p, "upload-preview")
    p.click("#confirm")  # type: ignore[attr-defined]
    p.wait_for_selector("#report")  # type: ignore[attr-defined]
    assert p.inner_text("#rows-read") == "5"  # type: ignore[attr-defined]
    assert p.inner_text("#accepted") == "2"  # type: ignore[attr-defined]
    shot(p, "import-report")
    p.goto(f"{base}/manager/campaigns/{env.seed.campaign_id}")  # type: ignore[attr-defined]
    p.click("#status-buttons button[data-status=running]")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('status').textContent === 'running'")  # type: ignore[attr-defined]
    assert env.repo.campaign(env.seed.campaign_id).status == "running"
    shot(p, "campaign")


def test_admin_changes_target_abandon_rate(server: tuple[str, WebEnv], page: object) -> None:
    base, env = server
    p = page
    sign_in(p, base, "alice")
    p.goto(f"{base}/admin/campaigns/{env.seed.campaign_id}/pacing")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('f-day').textContent.endsWith('%')")  # type: ignore[attr-defined]
    p.fill("input[name=target_abandon_rate_pct]", "2")  # type: ignore[attr-defined]  # typed as a percent
    p.click("#knobs button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('current-target').textContent === '2.0%'")  # type: ignore[attr-defined]
    assert "flash ok" in p.get_attribute("#knob-msg", "class")  # type: ignore[attr-defined]
    assert "target abandon rate" in p.inner_text("#history")  # type: ignore[attr-defined]
    assert env.repo.campaign(env.seed.campaign_id).pacing_overrides["target_abandon_rate"] == 0.02
    # the live stream carries the new target too (the chart's dashed line)
    p.wait_for_timeout(1200)  # type: ignore[attr-defined]
    assert p.inner_text("#current-target") == "2.0%"  # type: ignore[attr-defined]
    shot(p, "pacing")
    p.goto(f"{base}/admin/users")  # type: ignore[attr-defined]
    shot(p, "users")


def test_qa_finds_and_plays_recording(server: tuple[str, WebEnv], page: object) -> None:
    base, env = server
    p = page
    sign_in(p, base, "quinn")
    p.fill("input[name=phone]", "9101234567")  # type: ignore[attr-defined]
    p.click("#search button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_selector("#results a")  # type: ignore[attr-defined]
    shot(p, "qa-search")
    before = len(env.queries.audit_log("recording.play"))
    p.click("#results a")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('player').readyState >= 1")  # type: ignore[attr-defined]
    duration = p.evaluate("document.getElementById('player').duration")  # type: ignore[attr-defined]
    assert abs(duration - 1.0) < 0.1
    assert len(env.queries.audit_log("recording.play")) > before
    assert "connected to the operator" in p.inner_text("#timeline")  # type: ignore[attr-defined]
    # the waveform is drawn from the server's peaks, and a click on it seeks
    p.wait_for_function("() => Number(document.getElementById('waveform').dataset.ready) >= 1")  # type: ignore[attr-defined]
    box = p.locator("#waveform").bounding_box()  # type: ignore[attr-defined]
    p.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
    seeked = p.evaluate("document.getElementById('player').currentTime")  # type: ignore[attr-defined]
    assert abs(seeked - duration / 2) < 0.1
    p.fill("#score input[name=greeting]", "9")  # type: ignore[attr-defined]
    p.click("#score button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('score-msg').textContent.startsWith('Saved')")  # type: ignore[attr-defined]
    shot(p, "qa-recording")


def test_operator_disposes_with_keyboard(server: tuple[str, WebEnv], page: object) -> None:
    base, env = server
    make_call_recent(env)  # an operator disposes only during wrap-up and the grace after it
    p = page
    sign_in(p, base, "olga")
    p.wait_for_selector("#dispositions button.disp")  # type: ignore[attr-defined]
    assert "<script>" in p.inner_text("#c-company")  # type: ignore[attr-defined]  # shown as text, not run
    p.fill("#notes", "wants a price list")  # type: ignore[attr-defined]
    shot(p, "operator")
    p.click("h1")  # type: ignore[attr-defined]  # leave the notes box: keys 1..9 are shortcuts outside inputs
    p.keyboard.press("1")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('card-section').hidden")  # type: ignore[attr-defined]
    a = env.queries.attempt(env.seed.attempt_id)
    assert a is not None and a.disposition_code == "interested" and a.notes == "wants a price list"
