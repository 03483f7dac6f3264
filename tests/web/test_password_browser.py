"""Browser: a user changes their own password on /account; an admin resets another user's on the users page
(own module, own server: the other browser tests sign in with the seeded password)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, WebEnv
from tests.web.conftest import sign_in as sign_in_client
from tests.web.test_browser import page, server, sign_in  # noqa: F401  (fixtures)

NEW = "a brand new secret"


def test_user_changes_own_password(server: tuple[str, WebEnv], page: object) -> None:  # noqa: F811
    base, env = server
    p = page
    sign_in(p, base, "olga")
    p.click("#account-link")  # type: ignore[attr-defined]
    p.fill("input[name=current]", "not my password")  # type: ignore[attr-defined]
    p.fill("input[name=new]", NEW)  # type: ignore[attr-defined]
    p.fill("input[name=confirm]", NEW)  # type: ignore[attr-defined]
    p.click("#password-form button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_function("() => document.getElementById('password-msg').textContent.length > 0")  # type: ignore[attr-defined]
    assert "current password is wrong" in p.inner_text("#password-msg")  # type: ignore[attr-defined]
    p.fill("input[name=current]", PASSWORD)  # type: ignore[attr-defined]
    p.click("#password-form button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_selector("#flash.ok")  # type: ignore[attr-defined]
    sign_in_client(TestClient(env.app, follow_redirects=False), "olga", NEW)


def test_admin_resets_password(server: tuple[str, WebEnv], page: object) -> None:  # noqa: F811
    base, env = server
    p = page
    sign_in(p, base, "alice")
    p.goto(f"{base}/admin/users")  # type: ignore[attr-defined]
    p.select_option("#reset-password select[name=user_id]", str(env.seed.user_ids["qa"]))  # type: ignore[attr-defined]
    p.fill("#reset-password input[name=password]", NEW)  # type: ignore[attr-defined]
    p.click("#reset-password button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_selector("#flash.ok")  # type: ignore[attr-defined]
    assert "password changed" in p.inner_text("#audit")  # type: ignore[attr-defined]
    sign_in_client(TestClient(env.app, follow_redirects=False), "quinn", NEW)
