"""Fixtures for the web app: a migrated SQLite database seeded with one campaign, two operators, a user
per role, a bridged call with hostile contact fields, and a recording with its WAV file."""

from __future__ import annotations

import re
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dialer.campaigns import apply_campaign
from dialer.config import Settings
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Attempt, Campaign, Contact, ContactList, Recording
from dialer.db.repository import Repository
from dialer.rules.campaign import parse_campaign
from dialer.web.app import create_app
from dialer.web.queries import WebQueries
from dialer.web.security import hash_password
from dialer.web.settings import WebSettings
from dialer.web.state import add_dead_letter
from dialer.web.webhooks import WebhookSender
from tests.web.chromium import chromium

PASSWORD = "correct horse battery staple"
HOOK_SECRET = "hook-secret-0123456789"
_HASH = hash_password(PASSWORD)  # once: argon2 is slow on purpose
XSS_COMPANY = "<script>alert(1)</script>"
XSS_PERSON = '"><img src=x onerror=alert(2)>'
ROLE_USERS = {"admin": "alice", "manager": "mike", "operator": "olga", "qa": "quinn", "supervisor": "sam"}


@dataclass
class Seed:
    campaign_id: int
    operator_id: int
    other_operator_id: int
    attempt_id: int
    contact_id: int
    recording_id: int
    user_ids: dict[str, int]
    wav: Path


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        n = int(seconds * rate)
        w.writeframes(b"".join(struct.pack("<h", (i * 37 % 2000) - 1000) for i in range(n)))


def campaign_definition() -> dict[str, Any]:
    return {
        "name": "web-test",
        "dial_string": "Local/{number}@sim-customers",
        "dispositions": [
            {"code": "interested", "label": "Interested", "positive": True},
            {"code": "callback", "label": "Call back", "callback": True, "final": False},
            {"code": "not_interested", "label": "Not interested", "refusal": True},
        ],
        "filters": {"specialties": {"allowed": ["Стоматология"]}},
        "corporate": {"headcount_threshold": 500},
        "dialing": {"mode": "predictive", "max_lines": 20, "target_abandon_rate": 0.03},
        "recording": True,
    }


def seed_db(repo: Repository, recordings_dir: Path) -> Seed:
    q = WebQueries(repo.sessions)
    campaign_id = apply_campaign(repo, parse_campaign(campaign_definition()))
    op1 = repo.ensure_operator("op1", "Olga", "PJSIP/op1")
    op2 = repo.ensure_operator("op2", "Oleg", "PJSIP/op2")
    user_ids = {
        role: q.create_user(name, _HASH, role, op1 if role == "operator" else None) for role, name in ROLE_USERS.items()
    }
    user_ids["operator2"] = q.create_user("oleg", _HASH, "operator", op2)
    t0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with repo.sessions.begin() as s:
        lst = ContactList(campaign_id=campaign_id, name="seed")
        s.add(lst)
        s.flush()
        contact = Contact(
            list_id=lst.id,
            campaign_id=campaign_id,
            phone="+79101234567",
            company=XSS_COMPANY,
            contact_person=XSS_PERSON,
            specialty="Стоматология",
            headcount=12,
            status="done",
        )
        corp = Contact(
            list_id=lst.id,
            campaign_id=campaign_id,
            phone="+79109999999",
            company="Big Corp",
            headcount=900,
            status="corporate",
            status_reason="headcount 900 is at or above the corporate threshold 500",
        )
        s.add_all([contact, corp])
        s.flush()
        earlier = Attempt(
            campaign_id=campaign_id,
            contact_id=contact.id,
            phone=contact.phone,
            channel_id="att-old",
            originated_at=t0 - timedelta(days=1),
            ended_at=t0 - timedelta(days=1),
            outcome="no_answer",
            notes="<b>bold note</b>",
        )
        attempt = Attempt(
            campaign_id=campaign_id,
            contact_id=contact.id,
            phone=contact.phone,
            channel_id="att-seed",
            operator_id=op1,
            originated_at=t0,
            ringing_at=t0 + timedelta(seconds=1),
            answered_at=t0 + timedelta(seconds=5),
            bridged_at=t0 + timedelta(seconds=6),
            ended_at=t0 + timedelta(seconds=60),
            outcome="connected",
        )
        s.add_all([earlier, attempt])
        s.flush()
        rec = Recording(
            attempt_id=attempt.id,
            path="2026/03/02/call.wav",
            format="wav",
            duration_s=54.0,
            size_bytes=0,
            sha256="0" * 64,
        )
        s.add(rec)
        s.flush()
        ids = (contact.id, attempt.id, rec.id)
    wav = recordings_dir / "2026/03/02/call.wav"
    write_wav(wav)
    return Seed(campaign_id, op1, op2, ids[1], ids[0], ids[2], user_ids, wav)


@dataclass
class WebEnv:
    app: FastAPI
    repo: Repository
    queries: WebQueries
    seed: Seed
    settings: Settings
    web: WebSettings
    webhook_calls: list[httpx.Request]


def make_env(tmp_path: Path, database_url: str | None = None, service: Any = None, **web_overrides: Any) -> WebEnv:
    """The app on a seeded database: SQLite in tmp_path, or `database_url` (an empty PostgreSQL); `service`
    stands in for the live dialer (tests/web/floor.py's FakeService)."""
    url = database_url or f"sqlite:///{tmp_path / 'web.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    settings = Settings(database_url=url, recordings_dir=tmp_path / "recordings")
    seed = seed_db(repo, settings.recordings_dir)
    options: dict[str, Any] = {
        "secret": "test-secret-0123456789abcdef",
        "cookie_secure": False,
        "language": "en",  # the older tests read English pages; tests/web/test_i18n.py renders both
        "sse_max_events": 1,
        "sse_interval_s": 0.05,
        "upload_dir": tmp_path / "uploads",
        "webhook_urls": ("http://crm.test/hook",),
        "webhook_secret": HOOK_SECRET,
        "webhook_allowed_hosts": ("crm.test",),
    }
    options.update(web_overrides)
    web = WebSettings(**options)
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(204)

    sender = WebhookSender(
        web.webhook_urls,
        HOOK_SECRET,
        allowed_hosts=web.webhook_allowed_hosts,
        dead_letter=lambda url, payload, n, error: add_dead_letter(repo.sessions, url, payload, n, error),
        transport=httpx.MockTransport(handler),
        backoff_s=0.01,
    )
    app = create_app(settings, repo, service, web=web, webhooks=sender)
    return WebEnv(app, repo, WebQueries(repo.sessions), seed, settings, web, calls)


def make_call_recent(env: WebEnv, ended_s_ago: float = 5.0) -> None:
    """Move the seeded bridged call to just now, so its operator is still within wrap-up + grace."""
    end = datetime.now(UTC) - timedelta(seconds=ended_s_ago)
    with env.repo.sessions.begin() as s:
        a = s.get(Attempt, env.seed.attempt_id)
        assert a is not None
        a.originated_at, a.bridged_at, a.ended_at = end - timedelta(seconds=60), end - timedelta(seconds=54), end


@pytest.fixture
def env(tmp_path: Path) -> WebEnv:
    return make_env(tmp_path)


@pytest.fixture
def client(env: WebEnv) -> Iterator[TestClient]:
    with TestClient(env.app, follow_redirects=False) as c:
        yield c


def csrf_of(client: TestClient, path: str = "/login") -> str:
    html = client.get(path).text
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token of the new session."""
    token = csrf_of(client)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 303, r.text
    me = client.get("/api/me")
    assert me.status_code == 200
    return str(me.json()["csrf"])


def as_role(app: FastAPI, role: str) -> tuple[TestClient, str]:
    c = TestClient(app, follow_redirects=False)
    username = "oleg" if role == "operator2" else ROLE_USERS[role]
    return c, sign_in(c, username)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium per test module (tests/web/chromium.py)."""
    with chromium() as b:
        yield b


def make_blended(env: WebEnv) -> int:
    """The seed campaign, running (the wallboard shows running ones), made blended: an `inbound:` section,
    90 % within 15 s, in its file."""
    cid = env.seed.campaign_id
    with env.repo.sessions.begin() as s:
        campaign = s.get(Campaign, cid)
        assert campaign is not None
        campaign.status = "running"
        campaign.definition = {
            **(campaign.definition or {}),
            "name": campaign.name,
            "inbound": {"numbers": ["+74950000000"], "service_level": {"share": "90%", "within": "15s"}},
        }
    return cid
