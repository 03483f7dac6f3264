"""The language belongs to the user once they sign in: stored on app_user, defaulting to the site's
setting, changed from the header switch or the account page; the cookie and Accept-Language count only
before sign-in."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from dialer.web.context import LANGUAGE_COOKIE
from tests.web.conftest import make_env, sign_in


def _lang(page: str) -> str:
    return "ru" if '<html lang="ru">' in page else "en" if '<html lang="en">' in page else "?"


def test_before_sign_in_the_browser_decides(tmp_path: Path) -> None:
    env = make_env(tmp_path, language="ru")
    assert _lang(TestClient(env.app).get("/login").text) == "ru"  # the site's default
    assert _lang(TestClient(env.app, headers={"accept-language": "en-GB,en;q=0.9"}).get("/login").text) == "en"
    c = TestClient(env.app, headers={"accept-language": "en"}, cookies={LANGUAGE_COOKIE: "ru"})
    assert _lang(c.get("/login").text) == "ru"  # the switch's cookie over the browser's header


def test_signed_in_the_user_decides(tmp_path: Path) -> None:
    env = make_env(tmp_path, language="ru")
    mike = env.seed.user_ids["manager"]
    # no choice yet: the site's default, whatever the browser asks for
    c = TestClient(env.app, follow_redirects=False, headers={"accept-language": "en"}, cookies={LANGUAGE_COOKIE: "en"})
    assert _lang(c.get("/login").text) == "en"
    csrf = sign_in(c, "mike")
    assert _lang(c.get("/manager").text) == "ru"
    # the header switch stores the choice on the user
    r = c.post("/language", data={"language": "en", "next": "/manager", "csrf_token": csrf})
    assert r.status_code == 303
    row = env.queries.user(mike)
    assert row is not None and row.language == "en"
    assert _lang(c.get("/manager").text) == "en"
    # another computer, a Russian browser: the user's English follows them after sign-in
    other = TestClient(env.app, follow_redirects=False, headers={"accept-language": "ru"})
    assert _lang(other.get("/login").text) == "ru"
    sign_in(other, "mike")
    page = other.get("/manager").text
    assert _lang(page) == "en" and "Campaigns" in page
    # the account page shows the choice and changes it back
    account = other.get("/account").text
    assert 'id="language-select"' in account and '<option value="en" lang="en" selected>' in account
    r = other.post(
        "/language", data={"language": "ru", "next": "/account?saved=1", "csrf_token": sign_in(other, "mike")}
    )
    assert r.status_code == 303 and r.headers["location"] == "/account?saved=1"
    row = env.queries.user(mike)
    assert row is not None and row.language == "ru"
    assert _lang(c.get("/manager").text) == "ru"  # the first browser follows too
    # another user is untouched: still the default
    q = TestClient(env.app, follow_redirects=False, cookies={LANGUAGE_COOKIE: "en"})
    sign_in(q, "quinn")
    assert _lang(q.get("/qa").text) == "ru"
