"""Two web processes (uvicorn, as `dialer web run` starts it) on one PostgreSQL, as behind a load
balancer: sign in through one and act through the other; failures counted by one throttle the other."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import AuditLog
from dialer.db.repository import Repository
from tests.web.conftest import PASSWORD, seed_db

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, port: int, tmp: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DIALER_DATABASE_URL": url,
        "DIALER_WEB_SECRET": "two-processes-secret-0123456789",
        "DIALER_WEB_COOKIE_SECURE": "false",
        "DIALER_RECORDINGS_DIR": str(tmp / "recordings"),
        "DIALER_WEB_UPLOAD_DIR": str(tmp / "uploads"),
    }
    env.pop("DIALER_WEB_WEBHOOK_URLS", None)
    code = "from dialer.web.cli import web_app; web_app()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"web process exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            if httpx.get(base + "/login", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


@pytest.fixture
def two_web_processes(postgres_url: str, tmp_path: Path) -> Iterator[tuple[str, str, Repository, int]]:
    migrate(postgres_url)
    repo = Repository(make_session_factory(make_engine(postgres_url)))
    seed = seed_db(repo, tmp_path / "recordings")
    ports = [_free_port(), _free_port()]
    procs = [_start(postgres_url, p, tmp_path) for p in ports]
    try:
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, proc in zip(bases, procs, strict=True):
            _wait_up(base, proc)
        yield bases[0], bases[1], repo, seed.campaign_id
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _csrf(client: httpx.Client) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert m
    return m.group(1)


def test_sign_in_through_one_act_through_the_other(two_web_processes: tuple[str, str, Repository, int]) -> None:
    a, b, repo, campaign_id = two_web_processes
    with httpx.Client(base_url=a) as via_a:
        token = _csrf(via_a)
        r = via_a.post("/login", data={"username": "mike", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 303, r.text
        cookie = via_a.cookies.get("dialer_session")
        csrf = via_a.get("/api/me").json()["csrf"]
    assert cookie
    with httpx.Client(base_url=b, cookies={"dialer_session": cookie}) as via_b:
        me = via_b.get("/api/me")
        assert me.status_code == 200 and me.json()["username"] == "mike"
        r = via_b.post(
            f"/api/campaigns/{campaign_id}/status", json={"status": "paused"}, headers={"x-csrf-token": csrf}
        )
        assert r.status_code == 200, r.text
        assert repo.campaign(campaign_id).status == "paused"
        # signing out through B ends the session A issued
        assert via_b.post("/logout", data={"csrf_token": csrf}).status_code == 303
    with httpx.Client(base_url=a, cookies={"dialer_session": cookie}) as again_a:
        assert again_a.get("/api/me").status_code == 401


def test_failures_through_one_throttle_the_other(two_web_processes: tuple[str, str, Repository, int]) -> None:
    a, b, repo, _ = two_web_processes
    with httpx.Client(base_url=a) as via_a:
        for _ in range(5):
            r = via_a.post("/login", data={"username": "alice", "password": "wrong!", "csrf_token": _csrf(via_a)})
            assert r.status_code == 401
    with httpx.Client(base_url=b) as via_b:
        r = via_b.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": _csrf(via_b)})
        assert r.status_code == 429 and "retry-after" in r.headers
    with repo.sessions() as s:
        actions = [x.action for x in s.query(AuditLog).order_by(AuditLog.id)]
    assert actions.count("login.failed") == 5 and "login.throttled" in actions
