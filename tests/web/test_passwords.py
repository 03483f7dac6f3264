"""Passwords: every user changes their own (current one first, the new one twice, the app's minimum length);
an admin resets another user's; both are audited and end the user's other sessions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, ROLE_USERS, WebEnv, as_role, sign_in

NEW = "a brand new secret"


@pytest.mark.parametrize("role", ["operator", "qa"])
def test_self_service_change(env: WebEnv, role: str) -> None:
    c, token = as_role(env.app, role)
    other, _ = as_role(env.app, role)  # the same user in another browser
    page = c.get("/account")
    assert page.status_code == 200 and 'id="password-form"' in page.text
    h = {"x-csrf-token": token}
    r = c.post("/api/me/password", json={"current": PASSWORD, "new": NEW, "confirm": NEW}, headers=h)
    assert r.status_code == 200, r.text
    assert c.get("/api/me").status_code == 200  # this browser stays signed in, under a new session
    assert other.get("/api/me").status_code == 401  # the other one is signed out
    fresh = TestClient(env.app, follow_redirects=False)
    sign_in(fresh, ROLE_USERS[role], NEW)
    assert [a.action for a in env.queries.audit_log("user.password")] == ["user.password"]


def test_self_service_change_refusals(env: WebEnv) -> None:
    c, token = as_role(env.app, "manager")
    h = {"x-csrf-token": token, "accept-language": "en"}

    def change(current: str, new: str, confirm: str) -> tuple[int, str]:
        r = c.post("/api/me/password", json={"current": current, "new": new, "confirm": confirm}, headers=h)
        return r.status_code, r.text

    assert change("wrong password", NEW, NEW)[0] == 403
    status, text = change(PASSWORD, "short", "short")
    assert status == 422 and "10" in text
    assert change(PASSWORD, NEW, NEW + "x")[0] == 422
    assert change(PASSWORD, PASSWORD, PASSWORD)[0] == 422
    assert c.post("/api/me/password", json={"current": PASSWORD, "new": NEW, "confirm": NEW}).status_code == 403
    # nothing changed: the old password still signs in
    sign_in(TestClient(env.app, follow_redirects=False), ROLE_USERS["manager"], PASSWORD)
    assert env.queries.audit_log("user.password") == []
    assert len(env.queries.audit_log("user.password_failed")) == 1


def test_admin_resets_a_password(env: WebEnv) -> None:
    admin, token = as_role(env.app, "admin")
    qa, _ = as_role(env.app, "qa")
    assert 'id="reset-password"' in admin.get("/admin/users").text
    qa_id = env.seed.user_ids["qa"]
    h = {"x-csrf-token": token}
    assert admin.post(f"/api/users/{qa_id}", json={"password": "short"}, headers=h).status_code == 422
    assert qa.get("/api/me").status_code == 200
    assert admin.post(f"/api/users/{qa_id}", json={"password": NEW}, headers=h).status_code == 200
    assert qa.get("/api/me").status_code == 401  # the user's sessions ended
    sign_in(TestClient(env.app, follow_redirects=False), ROLE_USERS["qa"], NEW)
    audit = env.queries.audit_log("user.password")
    assert [(a.user_id, a.target) for a in audit] == [(env.seed.user_ids["admin"], f"user:{qa_id}")]
    # only admins reset
    other, other_token = as_role(env.app, "manager")
    r = other.post(f"/api/users/{qa_id}", json={"password": NEW}, headers={"x-csrf-token": other_token})
    assert r.status_code == 403
