"""The operator's day in a real browser against the real Asterisk lab: sign in, connect the softphone
(a SIPp UA called by the dialer), take a bridged call whose card appears live, and record a callback
disposition; the database shows the call, the disposition and the callback scheduled."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Contact
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.service import DialerService
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.web.app import create_app
from dialer.web.queries import WebQueries
from dialer.web.security import hash_password
from dialer.web.settings import WebSettings
from tests.labkit import campaign_definition
from tests.web.chromium import chromium
from tests.web.test_browser import _free_port, shot

pytestmark = pytest.mark.lab


class LiveStack:
    """The dialer service and the web app in one event loop (as `dialer serve --web`), in a thread."""

    def __init__(self, lab: AsteriskLab, repo: Repository, url: str, tmp: Path) -> None:
        self.settings = lab.config.settings(database_url=url, recordings_dir=tmp / "recordings")
        self.web = WebSettings(secret="test-secret-0123456789abcdef", cookie_secure=False, upload_dir=tmp / "up")
        self.repo = repo
        self.port = _free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.service: DialerService | None = None
        self.server: uvicorn.Server | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        self.service = dialer_service(self.settings, self.repo)
        await self.service.start()
        app = create_app(self.settings, self.repo, self.service, web=self.web)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        serving = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.05)
        self.ready.set()
        await serving
        await self.service.close()

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def __enter__(self) -> LiveStack:
        self.thread.start()
        assert self.ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(15)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    with chromium() as b:
        page = b.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(20_000)
        yield page


def test_operator_takes_a_bridged_call_and_sets_a_callback(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path, browser_page: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    definition = parse_campaign(
        campaign_definition(
            name="live-desk",
            amd=False,
            recording="all",
            wrap_up_seconds=120,
            dispositions=[
                {"code": "interested", "label": "Interested", "positive": True},
                {"code": "later", "label": "Call back", "callback": True, "final": False},
            ],
        )
    )
    campaign_id = apply_campaign(repo, definition)
    number = sim_number(SimBehaviour.HUMAN, 1, 5, prefix="+79600")
    repo.add_contact_list(campaign_id, "l", [{"phone": number, "company": "Клиника «Улыбка»"}])
    operator_id = repo.ensure_operator("op13", "Olga", "PJSIP/op13")
    queries = WebQueries(repo.sessions)
    queries.create_user("olga", hash_password("olga-password-1"), "operator", operator_id)
    queries.create_user("quinn", hash_password("quinn-password-1"), "qa", None)
    queries.create_user("sam", hash_password("sam-password-12"), "supervisor", None)
    softphones.start("op13")

    page = browser_page
    with LiveStack(lab, repo, url, tmp_path) as stack:
        base = f"http://127.0.0.1:{stack.port}"
        assert stack.service is not None
        stack.call(stack.service.open_campaign(campaign_id))
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "olga")
        page.fill("input[name=password]", "olga-password-1")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#btn-login")
        page.click("#btn-login")  # the dialer calls the softphone, which answers: nailed up
        page.wait_for_function("() => document.getElementById('state').dataset.code === 'ready'")

        # the supervisor's wallboard (Russian, the default) sees Olga ready, then on the call, live over SSE
        wall = page.context.browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        wall.goto(f"{base}/login")
        wall.fill("input[name=username]", "sam")
        wall.fill("input[name=password]", "sam-password-12")
        wall.click("#login-form button[type=submit]")
        wall.wait_for_function("() => document.getElementById('wb-operators').innerText.includes('Olga')")
        assert "готов" in wall.inner_text("#wb-operators")

        stack.call(stack.service.start_campaign(campaign_id))
        wall.wait_for_function(
            "() => /разговаривает|обработка/.test(document.getElementById('wb-operators').innerText)"
        )
        shot(wall, "wallboard-live-call")
        page.wait_for_function("() => !document.getElementById('card-section').hidden")
        assert page.inner_text("#c-company") == "Клиника «Улыбка»"
        assert page.inner_text("#c-phone") == number
        page.wait_for_function("() => document.getElementById('state').dataset.code === 'on_call'")
        shot(page, "operator-live-call")
        page.wait_for_function("() => document.getElementById('state').dataset.code === 'wrap_up'")

        # the operator types the time in their own zone (the site's default, Moscow), whatever the browser's is
        local = (datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(days=1)).replace(
            hour=10, minute=30, second=0, microsecond=0
        )
        callback_at = local.astimezone(UTC)
        page.fill("#notes", "asked to call back tomorrow")
        page.fill("#next-action", local.strftime("%Y-%m-%dT%H:%M"))
        page.click("button.disp[data-code=later]")
        page.wait_for_function("() => document.getElementById('state').dataset.code === 'ready'")
        stack.call(stack.service.stop_campaign(campaign_id))
        deadline = time.monotonic() + 20
        while not repo.recordings(campaign_id) and time.monotonic() < deadline:
            time.sleep(0.2)

        # QA finds that call's recording and plays it: both sides on the waveform, the audio loads
        qa = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        qa.goto(f"{base}/login")
        qa.fill("input[name=username]", "quinn")
        qa.fill("input[name=password]", "quinn-password-1")
        qa.click("#login-form button[type=submit]")
        qa.fill("input[name=phone]", number[2:])
        qa.click("#search button[type=submit]")
        qa.click("#results a")
        qa.wait_for_function("() => document.getElementById('player').readyState >= 1")
        played_s = qa.evaluate("document.getElementById('player').duration")
        qa.wait_for_function("() => Number(document.getElementById('waveform').dataset.ready) === 2")
        shot(qa, "qa-live-recording")

    (attempt,) = repo.attempts(campaign_id)
    assert attempt.outcome == "connected" and attempt.operator_id == operator_id
    assert (attempt.disposition_code, attempt.notes) == ("later", "asked to call back tomorrow")
    assert attempt.next_action_at == callback_at
    with repo.sessions() as s:
        contact = s.get(Contact, attempt.contact_id)
        assert contact is not None
        assert (contact.status, contact.is_callback, contact.callback_operator_id) == ("new", True, operator_id)
        assert contact.next_attempt_at == callback_at
    (recording,) = repo.recordings(campaign_id)
    assert abs(played_s - recording.duration_s) < 0.5  # the browser played the stored call
    assert queries.audit_log("recording.play")  # and the playback is on the record
