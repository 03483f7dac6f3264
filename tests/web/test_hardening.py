"""Issue 18: sign-in throttling that cannot be turned against users, trusted proxies, TOTP for admins,
sessions that survive a restart, user names, disposition grace and callback dates, knob parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from dialer.db.models import AuditLog, Campaign
from dialer.web.app import create_app
from dialer.web.context import LANGUAGE_COOKIE
from dialer.web.queries import parse_knob
from dialer.web.security import client_address
from dialer.web.users import username_key, valid_username
from tests.web.conftest import PASSWORD, WebEnv, as_role, csrf_of, make_call_recent, make_env, sign_in


def _login(c: TestClient, username: str, password: str, **extra: str) -> Any:
    token = csrf_of(c)
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra})


def _audit(env: WebEnv, action: str) -> list[AuditLog]:
    with env.repo.sessions() as s:
        return list(s.query(AuditLog).filter(AuditLog.action == action).order_by(AuditLog.id))


# -- client address ----------------------------------------------------------------------------------


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    assert client_address("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"  # no proxy configured
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"
    assert client_address("127.0.0.1", "198.51.100.1", ("127.0.0.1",)) == "198.51.100.1"
    assert client_address("10.1.2.3", "198.51.100.1", ("10.0.0.0/8",)) == "198.51.100.1"
    assert client_address("203.0.113.9", "198.51.100.1", ("10.0.0.0/8",)) == "203.0.113.9"  # not our proxy
    # a client writing its own X-Forwarded-For: the proxy appends the real peer; the right-most untrusted wins
    assert client_address("127.0.0.1", "1.2.3.4, 198.51.100.1", ("127.0.0.1",)) == "198.51.100.1"
    assert client_address("127.0.0.1", "198.51.100.1, 10.0.0.5", ("127.0.0.1", "10.0.0.0/8")) == "198.51.100.1"


# -- throttling --------------------------------------------------------------------------------------


def test_locked_pair_does_not_lock_the_user_out_from_another_client(tmp_path: Path) -> None:
    """Behind the trusted proxy every request comes from 127.0.0.1; the clients are told apart by the
    proxy's X-Forwarded-For. An attacker's five failures do not stop the admin at their own desk."""
    env = make_env(tmp_path, trusted_proxies=("testclient", "127.0.0.1"))
    attacker = TestClient(env.app, follow_redirects=False, headers={"x-forwarded-for": "198.51.100.66"})
    for _ in range(env.web.login_max_failures):
        assert _login(attacker, "alice", "wrong-password!").status_code == 401
    r = _login(attacker, "alice", PASSWORD)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    admin = TestClient(env.app, follow_redirects=False, headers={"x-forwarded-for": "192.0.2.10"})
    assert _login(admin, "alice", PASSWORD).status_code == 303  # a client that did not fail: never refused
    failed = _audit(env, "login.failed")
    assert len(failed) == env.web.login_max_failures
    assert {a.detail["ip"] for a in failed} == {"198.51.100.66"}  # the failure names the real client
    assert _audit(env, "login.throttled")[0].detail["ip"] == "198.51.100.66"


def test_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_limiter(env: WebEnv) -> None:
    """Without a trusted proxy the header is the client's own words: changing it gains nothing."""
    for i in range(env.web.login_max_failures):
        c = TestClient(env.app, follow_redirects=False, headers={"x-forwarded-for": f"198.51.100.{i}"})
        assert _login(c, "alice", "wrong-password!").status_code == 401
    c = TestClient(env.app, follow_redirects=False, headers={"x-forwarded-for": "198.51.100.200"})
    assert _login(c, "alice", PASSWORD).status_code == 429


def test_spraying_from_one_client_is_stopped(tmp_path: Path) -> None:
    env = make_env(tmp_path, login_client_max_failures=6)
    c = TestClient(env.app, follow_redirects=False)
    for i in range(6):  # one try per made-up user name: never 5 for one name
        assert _login(c, f"user{i}", "password-guess").status_code == 401
    r = _login(c, "quinn", PASSWORD)  # even a right password: this client sprays
    assert r.status_code == 429 and "retry-after" in r.headers
    other = TestClient(env.app, follow_redirects=False, headers={"x-forwarded-for": "x"})  # same peer: same client
    assert _login(other, "mike", PASSWORD).status_code == 429


def test_limiter_and_sessions_outlive_a_restart(tmp_path: Path) -> None:
    """A second app on the same database (a restart, or another process) shares sessions and failures."""
    env = make_env(tmp_path)
    c = TestClient(env.app, follow_redirects=False)
    token = sign_in(c, "mike")
    cookie = c.cookies.get("dialer_session")
    for _ in range(env.web.login_max_failures):
        assert _login(TestClient(env.app, follow_redirects=False), "alice", "nope-nope-nope").status_code == 401

    restarted = create_app(env.settings, env.repo, None, web=env.web)
    c2 = TestClient(restarted, follow_redirects=False, cookies={"dialer_session": str(cookie)})
    assert c2.get("/api/me").json()["username"] == "mike"
    r = c2.post(
        f"/api/campaigns/{env.seed.campaign_id}/status", json={"status": "paused"}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 200
    assert _login(TestClient(restarted, follow_redirects=False), "alice", PASSWORD).status_code == 429
    # signing out through one ends the session for all
    assert c2.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/api/me").status_code == 401


def test_sessions_table_holds_no_usable_session_id(env: WebEnv) -> None:
    from dialer.web.state import WebSessionRow

    c, _ = as_role(env.app, "qa")
    cookie = str(c.cookies.get("dialer_session"))
    with env.repo.sessions() as s:
        rows = list(s.query(WebSessionRow))
    assert rows and all(r.id_hash not in cookie for r in rows)
    anon = TestClient(env.app, follow_redirects=False)
    csrf_of(anon)
    with env.repo.sessions() as s:
        assert s.query(WebSessionRow).count() == len(rows)  # anonymous visitors leave no row


# -- TOTP ----------------------------------------------------------------------------------------------


def test_admin_totp_enforced_by_setting(tmp_path: Path) -> None:
    env = make_env(tmp_path, require_admin_totp=True)
    c = TestClient(env.app, follow_redirects=False)
    r = _login(c, "alice", PASSWORD)
    assert r.status_code == 401 and "second factor" in r.text  # not enrolled: refused, told why
    assert _audit(env, "login.refused")
    assert sign_in(TestClient(env.app, follow_redirects=False), "mike")  # other roles: password only

    secret = pyotp.random_base32()
    env.queries.update_user(env.seed.user_ids["admin"], totp_secret=secret)
    assert _login(c, "alice", PASSWORD).status_code == 401  # no code
    assert (
        _login(c, "alice", PASSWORD, totp="000000" if pyotp.TOTP(secret).now() != "000000" else "111111").status_code
        == 401
    )
    assert _audit(env, "login.failed")[-1].detail["reason"] == "wrong totp code"
    code = pyotp.TOTP(secret).now()
    assert _login(c, "alice", PASSWORD, totp=code).status_code == 303
    # the same code a second time (seen over a shoulder, or replayed): refused
    again = TestClient(env.app, follow_redirects=False)
    assert _login(again, "alice", PASSWORD, totp=code).status_code == 401
    assert _audit(env, "login.failed")[-1].detail["reason"] == "totp code used before"


def test_admin_enrols_totp_through_the_api(env: WebEnv) -> None:
    admin, token = as_role(env.app, "admin")
    r = admin.post(
        f"/api/users/{env.seed.user_ids['admin']}/totp", json={"enable": True}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 200 and r.json()["uri"].startswith("otpauth://totp/")
    secret = r.json()["secret"]
    c = TestClient(env.app, follow_redirects=False)
    assert _login(c, "alice", PASSWORD).status_code == 401  # enrolled: the code is needed even without the setting
    assert _login(c, "alice", PASSWORD, totp=pyotp.TOTP(secret).now()).status_code == 303


def test_sign_in_message_in_russian(env: WebEnv) -> None:
    c = TestClient(env.app, follow_redirects=False, cookies={LANGUAGE_COOKIE: "ru"})  # the user's language
    assert "Неверное имя пользователя или пароль" in _login(c, "alice", "wrong-password!").text


# -- user names and operators --------------------------------------------------------------------------


def test_user_names_compare_case_insensitively_after_nfkc(env: WebEnv) -> None:
    assert username_key("ADMIN") == username_key("admin") == username_key("\uff21\uff24\uff2d\uff29\uff2e")
    assert valid_username("Анна-QA") and not valid_username("a b") and not valid_username("x")
    assert valid_username("ß" * 40) and not valid_username("ß" * 41)  # the key ("ss"...) must fit too
    assert not valid_username("\ufdfa" * 5)  # NFKC makes it 90 characters
    admin, token = as_role(env.app, "admin")
    h = {"x-csrf-token": token}
    r = admin.post("/api/users", json={"username": "ALICE", "password": "x" * 12, "role": "qa"}, headers=h)
    assert r.status_code == 409
    r = admin.post("/api/users", json={"username": "Анна-QA", "password": "y" * 12, "role": "qa"}, headers=h)
    assert r.status_code == 200, r.text
    c = TestClient(env.app, follow_redirects=False)
    assert _login(c, "анна-qa", "y" * 12).status_code == 303
    assert c.get("/api/me").json()["username"] == "Анна-QA"
    env.queries.update_user(env.seed.user_ids["admin"], language="ru")  # the admin's own language
    r = admin.post("/api/users", json={"username": "анна-qa", "password": "z" * 12, "role": "qa"}, headers=h)
    assert r.status_code == 409 and "имя занято" in r.json()["detail"]


def test_one_operator_one_user(env: WebEnv) -> None:
    admin, token = as_role(env.app, "admin")
    h = {"x-csrf-token": token}
    body = {"username": "olga2", "password": "x" * 12, "role": "operator", "operator_id": env.seed.operator_id}
    r = admin.post("/api/users", json=body, headers=h)
    assert r.status_code == 409 and "olga" in r.json()["detail"]
    r = admin.post(f"/api/users/{env.seed.user_ids['qa']}", json={"operator_id": env.seed.other_operator_id}, headers=h)
    assert r.status_code == 409
    r = admin.post("/api/users", json={**body, "operator_id": 999_999}, headers=h)
    assert r.status_code == 422


# -- dispositions --------------------------------------------------------------------------------------


def test_operator_disposes_only_within_wrap_up_and_grace(tmp_path: Path) -> None:
    env = make_env(tmp_path, disposition_grace_s=60)
    op, token = as_role(env.app, "operator")
    h = {"x-csrf-token": token}
    body = {"attempt_id": env.seed.attempt_id, "code": "interested", "notes": "first"}
    make_call_recent(env, ended_s_ago=500)  # wrap-up (10 s) and grace (60 s) long over
    r = op.post("/api/operator/disposition", json=body, headers=h)
    assert r.status_code == 403 and "manager" in r.json()["detail"]
    make_call_recent(env, ended_s_ago=30)
    assert op.post("/api/operator/disposition", json=body, headers=h).status_code == 200
    r = op.post("/api/operator/disposition", json={**body, "code": "not_interested", "notes": "second"}, headers=h)
    assert r.status_code == 200  # a correction within the grace, audited with what it replaced
    [change] = _audit(env, "disposition.change")
    assert change.detail["old"] == "interested" and change.detail["old_notes"] == "first"

    make_call_recent(env, ended_s_ago=500)
    assert op.post("/api/operator/disposition", json=body, headers=h).status_code == 403
    manager, mtoken = as_role(env.app, "manager")
    r = manager.post(
        f"/api/attempts/{env.seed.attempt_id}/disposition",
        json={"code": "interested", "reason": "customer called back"},
        headers={"x-csrf-token": mtoken},
    )
    assert r.status_code == 200 and r.json()["old"] == "not_interested"
    last = _audit(env, "disposition.change")[-1]
    assert last.detail["old"] == "not_interested" and last.detail["reason"] == "customer called back"
    a = env.queries.attempt(env.seed.attempt_id)
    assert a is not None and a.disposition_code == "interested" and a.notes == "second"  # notes kept


def test_never_bridged_call_has_no_disposition(env: WebEnv) -> None:
    with env.repo.sessions.begin() as s:
        from dialer.db.models import Attempt

        a = s.get(Attempt, env.seed.attempt_id)
        assert a is not None
        a.bridged_at = None
    op, token = as_role(env.app, "operator")
    body = {"attempt_id": env.seed.attempt_id, "code": "interested"}
    assert op.post("/api/operator/disposition", json=body, headers={"x-csrf-token": token}).status_code == 409


def test_callback_must_fall_inside_campaign_dates_and_windows(env: WebEnv) -> None:
    today = datetime.now(UTC).date()
    with env.repo.sessions.begin() as s:
        c = s.get(Campaign, env.seed.campaign_id)
        assert c is not None
        c.definition = {
            **c.definition,
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=30)).isoformat(),
            "calling_windows": {"weekly": {"mon-sun": "09:00-20:00"}, "fallback_timezone": "Europe/Moscow"},
        }
    make_call_recent(env)
    op, token = as_role(env.app, "operator")
    h = {"x-csrf-token": token}

    def post(at: str) -> Any:
        body = {"attempt_id": env.seed.attempt_id, "code": "callback", "next_action_at": at}
        return op.post("/api/operator/disposition", json=body, headers=h)

    day = today + timedelta(days=3)
    for at in ("1999-01-01T12:00:00+03:00", "9999-12-31T12:00:00+03:00", "0001-01-01T00:00:00+14:00"):
        assert post(at).status_code == 422, at
    r = post(f"{(today + timedelta(days=60)).isoformat()}T12:00:00+03:00")
    assert r.status_code == 422 and "campaign's dates" in r.json()["detail"]
    r = post(f"{day.isoformat()}T22:00:00+03:00")
    assert r.status_code == 422 and "calling hours" in r.json()["detail"]
    assert post(f"{day.isoformat()}T12:00:00+03:00").status_code == 200


# -- knobs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, {}, [], [1], {"a": 1}])
def test_parse_knob_refuses_non_scalars(raw: Any) -> None:
    for knob in ("target_abandon_rate", "max_lines", "mode", "paused", "min_lines_per_operator"):
        with pytest.raises(ValueError, match=knob):
            parse_knob(knob, raw)


def test_pacing_route_answers_4xx_for_non_scalar_knobs(env: WebEnv) -> None:
    admin, token = as_role(env.app, "admin")
    url = f"/api/campaigns/{env.seed.campaign_id}/pacing"
    for body in ({"changes": {"target_abandon_rate": None}}, {"changes": {"max_lines": {}}}, {}, [], {"changes": []}):
        r = admin.post(url, json=body, headers={"x-csrf-token": token})
        assert r.status_code == 422, (body, r.status_code)
    for nan in ("nan", "inf", "1e999"):
        r = admin.post(url, json={"changes": {"target_abandon_rate": nan}}, headers={"x-csrf-token": token})
        assert r.status_code == 422, nan


def test_cli_enrols_totp_and_refuses_a_second_user_on_one_operator(
    env: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from dialer.web.cli import users_app

    monkeypatch.setenv("DIALER_DATABASE_URL", env.settings.database_url)
    runner = CliRunner()
    r = runner.invoke(users_app, ["totp", "ALICE"])
    assert r.exit_code == 0, r.output
    secret = r.output.split("secret: ")[1].split()[0]
    c = TestClient(env.app, follow_redirects=False)
    assert _login(c, "alice", PASSWORD, totp=pyotp.TOTP(secret).now()).status_code == 303
    r = runner.invoke(
        users_app,
        ["create", "olga2", "--role", "operator", "--operator", "op1", "--password-stdin"],
        input="long-enough-password\n",
    )
    assert r.exit_code == 2 and "already linked" in r.output
    r = runner.invoke(users_app, ["create", "Анна-QA", "--role", "qa", "--password-stdin"], input="long-enough-pw\n")
    assert r.exit_code == 0, r.output


def test_pages_outside_the_schema_refuse_extreme_ids(env: WebEnv) -> None:
    """The pages are not in the OpenAPI schema schemathesis reads: the same ids, walked here."""
    import re

    from fastapi.routing import APIRoute

    from tests.web.test_security import expected_roles

    checked = 0
    for route in env.app.routes:
        if not isinstance(route, APIRoute) or route.include_in_schema or "GET" not in route.methods:
            continue
        names = re.findall(r"\{(\w+)\}", route.path)
        queries = ["campaign_id"] if route.path in ("/manager/upload", "/manager/compliance") else []
        if not names and not queries:
            continue
        roles = expected_roles(route.path) or frozenset({"admin"})
        client, _ = as_role(env.app, sorted(roles)[0])
        for value in ("0", "-1", str(2**63), "1" * 30, "1e3", "%00"):
            path = re.sub(r"\{\w+\}", value, route.path)
            r = client.get(path, params={q: value for q in queries})
            assert r.status_code < 500, (path, r.status_code)
            checked += 1
    assert checked >= 20


def test_undelivered_webhooks_are_listed_for_admins(tmp_path: Path) -> None:
    import asyncio

    import httpx

    from dialer.web.state import add_dead_letter
    from dialer.web.webhooks import WebhookSender

    env = make_env(tmp_path)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async def deliver() -> None:
        sender = WebhookSender(
            ["http://crm.test/hook"],
            "s" * 20,
            transport=httpx.MockTransport(down),
            retries=2,
            backoff_s=0.001,
            dead_letter=lambda url, payload, n, error: add_dead_letter(env.repo.sessions, url, payload, n, error),
        )
        await sender.send({"event": "outcome.recorded", "id": "x1"})
        await sender.aclose()

    asyncio.run(deliver())
    admin, _ = as_role(env.app, "admin")
    [row] = admin.get("/api/webhooks/dead-letters").json()
    assert row["url"] == "http://crm.test/hook" and row["attempts"] == 2 and "refused" in row["error"]
    assert row["payload"] == {"event": "outcome.recorded", "id": "x1"}


def test_nul_characters_are_refused_before_reaching_the_database(env: WebEnv) -> None:
    qa, _ = as_role(env.app, "qa")
    assert qa.get("/api/recordings", params={"outcome": "a\x00b"}).status_code == 400
    assert qa.get("/qa/recordings/1%00").status_code == 400
    anon = TestClient(env.app, follow_redirects=False)
    r = anon.post("/login", data={"username": "alice\x00", "password": PASSWORD, "csrf_token": csrf_of(anon)})
    assert r.status_code == 400
    manager, token = as_role(env.app, "manager")
    r = manager.post(
        "/api/campaigns/do-not-call", json={"phone": "+79101234567", "reason": "x\x00"}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 422
    assert manager.get("/api/me").status_code == 200  # and nothing else is disturbed


def test_day_parameters_are_bounded(env: WebEnv) -> None:
    qa, _ = as_role(env.app, "qa")
    for q in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"date_to": "2026-02-30"}):
        assert qa.get("/api/recordings", params=q).status_code == 422, q
    assert qa.get("/api/recordings", params={"date_from": "2026-03-01", "date_to": "2026-03-31"}).status_code == 200
    manager, _ = as_role(env.app, "manager")
    url = f"/api/campaigns/{env.seed.campaign_id}/compliance"
    r = manager.get(url, params={"from": "9999-12-30", "to": "9999-12-31", "profile": "RU"})
    assert r.status_code == 422 and "to" in r.json()["detail"]
    assert manager.get(url, params={"from": "2199-12-30", "to": "2199-12-31", "profile": "RU"}).status_code == 200
