"""Route x role matrix over every route of the app, CSRF, session fixation, login rate limiting."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from dialer.db.models import AuditLog
from dialer.web.security import PublicGuard, RoleGuard
from tests.web.conftest import PASSWORD, ROLE_USERS, WebEnv, as_role, csrf_of, sign_in

ROLES = ("admin", "manager", "operator", "qa", "supervisor")
PUBLIC = {("/login", "GET"), ("/login", "POST"), ("/language", "POST")}


def expected_roles(path: str) -> frozenset[str] | None:
    """The access policy, written independently of the code: None = public."""
    if path in ("/login", "/language"):
        return None
    if path.startswith(("/wallboard", "/api/wallboard")):
        return frozenset({"admin", "manager", "supervisor"})
    if path.startswith(("/operator", "/api/operator/")):
        return frozenset({"operator"})
    if (
        path.startswith("/admin")
        or path.startswith(("/api/users", "/api/operators", "/api/webhooks"))
        or "/pacing" in path
    ):
        return frozenset({"admin"})
    if path.startswith(("/qa", "/api/recordings")):
        return frozenset({"qa", "admin"})
    if path.startswith(("/manager", "/api/campaigns", "/api/uploads", "/api/compliance", "/api/attempts")):
        return frozenset({"manager", "admin"})
    if path in ("/", "/logout", "/api/me", "/api/docs", "/api/openapi.json", "/account", "/api/me/password"):
        return frozenset(ROLES)
    if path == "/account/time-zone":
        return frozenset(ROLES)
    raise AssertionError(f"no access policy written for {path}: add it to expected_roles")


def guard_of(route: APIRoute) -> RoleGuard | PublicGuard:
    guards = [d.call for d in route.dependant.dependencies if isinstance(d.call, RoleGuard | PublicGuard)]
    assert len(guards) == 1, f"{route.path} has {len(guards)} guards"
    return guards[0]


def fill(path: str, env: WebEnv) -> str:
    values = {
        "campaign_id": env.seed.campaign_id,
        "recording_id": env.seed.recording_id,
        "user_id": env.seed.user_ids["qa"],
        "attempt_id": env.seed.attempt_id,
        "token": "0" * 32,
        "list_id": 1,
        "contact_id": env.seed.contact_id,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def test_every_route_has_a_guard_matching_the_policy(env: WebEnv) -> None:
    seen = 0
    for route in env.app.routes:
        if isinstance(route, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
            continue
        assert isinstance(route, APIRoute), f"{route} is not an APIRoute: it would escape the role checks"
        guard = guard_of(route)
        want = expected_roles(route.path)
        if want is None:
            assert isinstance(guard, PublicGuard)
            assert {(route.path, m) for m in route.methods} <= PUBLIC
        else:
            assert isinstance(guard, RoleGuard), route.path
            assert guard.roles == want, f"{route.path}: guard {guard.roles} but policy {want}"
        seen += 1
    assert seen > 40


def test_route_role_matrix(env: WebEnv) -> None:
    """Call every route as anonymous and as every role: denied roles get 403, anonymous 401/303."""
    clients = {role: as_role(env.app, role) for role in ROLES}
    from fastapi.testclient import TestClient

    anon = TestClient(env.app, follow_redirects=False)
    anon_csrf = csrf_of(anon)
    checked = 0
    for route in env.app.routes:
        if not isinstance(route, APIRoute):
            continue
        want = expected_roles(route.path)
        path = fill(route.path, env)
        for method in sorted(route.methods - {"HEAD"}):
            if want is None:
                continue
            r = anon.request(method, path, headers={"x-csrf-token": anon_csrf}, json={} if method == "POST" else None)
            if method == "GET" and not path.startswith("/api"):
                assert r.status_code == 303 and r.headers["location"].startswith("/login"), (
                    method,
                    path,
                    r.status_code,
                )
            else:
                assert r.status_code == 401, (method, path, r.status_code)
            for role in ROLES:
                if route.path == "/logout" and role in want:
                    c, token = as_role(env.app, role)  # a throw-away session: logging out ends it
                else:
                    c, token = clients[role]
                r = c.request(method, path, headers={"x-csrf-token": token}, json={} if method == "POST" else None)
                if role in want:
                    assert r.status_code not in (401, 403), (role, method, path, r.status_code, r.text[:200])
                else:
                    assert r.status_code == 403, (role, method, path, r.status_code)
                checked += 1
    assert checked > 150


def test_operator_sees_only_own_calls(env: WebEnv) -> None:
    own, _ = as_role(env.app, "operator")
    other, other_token = as_role(env.app, "operator2")
    assert own.get("/api/operator/state").json()["card"]["attempt_id"] == env.seed.attempt_id
    assert other.get("/api/operator/state").json()["card"] is None
    assert [c["attempt_id"] for c in own.get("/api/operator/calls").json()] == [env.seed.attempt_id]
    assert other.get("/api/operator/calls").json() == []
    body = {"attempt_id": env.seed.attempt_id, "code": "interested"}
    r = other.post("/api/operator/disposition", json=body, headers={"x-csrf-token": other_token})
    assert r.status_code == 404
    assert env.queries.attempt(env.seed.attempt_id).disposition_code is None  # type: ignore[union-attr]


def test_csrf_required_on_state_changes(env: WebEnv) -> None:
    c, token = as_role(env.app, "manager")
    url = f"/api/campaigns/{env.seed.campaign_id}/status"
    assert c.post(url, json={"status": "paused"}).status_code == 403
    assert c.post(url, json={"status": "paused"}, headers={"x-csrf-token": "forged"}).status_code == 403
    _, other_token = as_role(env.app, "admin")
    assert c.post(url, json={"status": "paused"}, headers={"x-csrf-token": other_token}).status_code == 403
    assert env.repo.campaign(env.seed.campaign_id).status == "stopped"
    assert c.post(url, json={"status": "paused"}, headers={"x-csrf-token": token}).status_code == 200
    assert env.repo.campaign(env.seed.campaign_id).status == "paused"
    # forms: the sign-in form and the logout form are checked as well
    from fastapi.testclient import TestClient

    anon = TestClient(env.app, follow_redirects=False)
    csrf_of(anon)
    r = anon.post("/login", data={"username": "alice", "password": PASSWORD})
    assert r.status_code == 403
    assert c.post("/logout").status_code == 403
    assert c.get("/api/me").status_code == 200


def test_session_fixation_id_rotates_at_sign_in(env: WebEnv) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(env.app, follow_redirects=False)
    csrf_before = csrf_of(c)
    planted = c.cookies.get("dialer_session")
    assert planted
    csrf_after = sign_in(c, "alice")
    fresh = c.cookies.get("dialer_session")
    assert fresh and fresh != planted
    assert csrf_after != csrf_before
    # the pre-sign-in id is dead: whoever planted it gets nothing
    attacker = TestClient(env.app, follow_redirects=False, cookies={"dialer_session": planted})
    assert attacker.get("/api/me").status_code == 401
    # cookie flags
    c2 = TestClient(env.app, follow_redirects=False)
    r = c2.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    # a tampered cookie is refused
    tampered = TestClient(env.app, follow_redirects=False, cookies={"dialer_session": fresh[:-2] + "xx"})
    assert tampered.get("/api/me").status_code == 401


def test_secure_cookie_flag_by_default(tmp_path: pytest.TempPathFactory) -> None:
    from fastapi.testclient import TestClient

    from tests.web.conftest import make_env

    env = make_env(tmp_path, cookie_secure=True)  # type: ignore[arg-type]
    r = TestClient(env.app, base_url="https://testserver").get("/login")
    assert "secure" in r.headers["set-cookie"].lower()
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_logout_ends_the_session(env: WebEnv) -> None:
    c, token = as_role(env.app, "qa")
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/api/me").status_code == 401


def test_login_rate_limit_per_user_and_ip(env: WebEnv) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(env.app, follow_redirects=False)
    token = csrf_of(c)
    for _ in range(env.web.login_max_failures):
        r = c.post("/login", data={"username": "alice", "password": "wrong-password", "csrf_token": token})
        assert r.status_code == 401
    r = c.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "retry-after" in r.headers
    # another user from the same address is not locked out
    assert sign_in(c, "quinn")
    with env.repo.sessions() as s:
        actions = [a.action for a in s.query(AuditLog).order_by(AuditLog.id)]
    assert actions.count("login.failed") == env.web.login_max_failures
    assert "login.throttled" in actions and "login" in actions


def test_open_redirect_refused(env: WebEnv) -> None:
    from fastapi.testclient import TestClient

    c = TestClient(env.app, follow_redirects=False)
    token = csrf_of(c)
    r = c.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token, "next": "//evil.test/x"})
    assert r.headers["location"] == "/admin"


def test_role_change_is_audited_and_ends_sessions(env: WebEnv) -> None:
    qa, _ = as_role(env.app, "qa")
    admin, token = as_role(env.app, "admin")
    r = admin.post(f"/api/users/{env.seed.user_ids['qa']}", json={"role": "manager"}, headers={"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["role"] == "manager"
    assert qa.get("/api/me").status_code == 401
    log = env.queries.audit_log("user.role_change")
    assert log and log[0].detail == {"old": "qa", "new": "manager"}
    assert sign_in(qa, ROLE_USERS["qa"])
    assert qa.get("/api/me").json()["role"] == "manager"


def test_inactive_user_cannot_sign_in(env: WebEnv) -> None:
    from fastapi.testclient import TestClient

    env.queries.update_user(env.seed.user_ids["qa"], active=False)
    c = TestClient(env.app, follow_redirects=False)
    token = csrf_of(c)
    r = c.post("/login", data={"username": "quinn", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 401
