"""The time zone belongs to the user like the language: stored on app_user (NULL: the site's default),
chosen on the account page, and every date on every page is shown in it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from dialer.db.models import AuditLog
from tests.web.conftest import make_env, sign_in

# the seeded recorded call was placed at 2026-03-02 10:00 UTC (tests/web/conftest.py)
MOSCOW = "2026-03-02 13:00"  # UTC+3
YEKATERINBURG = "2026-03-02 15:00"  # UTC+5


def test_each_user_reads_times_in_their_own_zone(tmp_path: Path) -> None:
    env = make_env(tmp_path, language="en", time_zone="Europe/Moscow")
    quinn = env.seed.user_ids["qa"]
    q = TestClient(env.app, follow_redirects=False)
    csrf = sign_in(q, "quinn")
    page = q.get("/qa").text
    assert MOSCOW in page and YEKATERINBURG not in page
    assert 'id="user-zone"' in page and "Europe/Moscow" in page

    # the account page offers Russia's zones first and saves the choice (post-redirect-get, confirmed)
    account = q.get("/account").text
    assert account.index('<option value="Europe/Kaliningrad">') < account.index('<option value="Asia/Kamchatka">')
    assert account.index('<option value="Asia/Kamchatka">') < account.index('<option value="America/New_York">')
    r = q.post("/account/time-zone", data={"time_zone": "Asia/Yekaterinburg", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/account?saved=1"
    saved = q.get(r.headers["location"]).text
    assert 'id="flash"' in saved and "Saved." in saved and 'value="Asia/Yekaterinburg"' in saved
    row = env.queries.user(quinn)
    assert row is not None and row.time_zone == "Asia/Yekaterinburg"
    page = q.get("/qa").text
    assert YEKATERINBURG in page and MOSCOW not in page
    assert '<meta name="time-zone" content="Asia/Yekaterinburg">' in page  # the page's scripts format in it too

    # another user keeps the site's default
    a = TestClient(env.app, follow_redirects=False)
    sign_in(a, "alice")
    page = a.get("/qa").text
    assert MOSCOW in page and YEKATERINBURG not in page
    assert '<meta name="time-zone" content="Europe/Moscow">' in page

    with env.repo.sessions() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "user.time_zone")).all()
    assert [(e.user_id, e.detail) for e in audit] == [(quinn, {"old": None, "new": "Asia/Yekaterinburg"})]

    # an empty field goes back to the site's default
    r = q.post("/account/time-zone", data={"time_zone": "", "csrf_token": csrf})
    assert r.status_code == 303
    row = env.queries.user(quinn)
    assert row is not None and row.time_zone is None
    assert MOSCOW in q.get("/qa").text


def test_an_unknown_zone_is_refused_beside_the_field(tmp_path: Path) -> None:
    env = make_env(tmp_path, language="ru", time_zone="Europe/Moscow")
    quinn = env.seed.user_ids["qa"]
    q = TestClient(env.app, follow_redirects=False)
    csrf = sign_in(q, "quinn")
    r = q.post("/account/time-zone", data={"time_zone": "Asia/Yekaterinburg", "csrf_token": csrf})
    assert r.status_code == 303
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", "Asia/Yekaterinburg" + "x" * 100):
        r = q.post("/account/time-zone", data={"time_zone": bad, "csrf_token": csrf})
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("text/html")
        assert 'id="time-zone-error"' in r.text and "Неизвестный часовой пояс" in r.text
        assert 'aria-invalid="true"' in r.text and '"detail"' not in r.text
        row = env.queries.user(quinn)
        assert row is not None and row.time_zone == "Asia/Yekaterinburg"  # nothing stored changed
    with env.repo.sessions() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "user.time_zone")).all()
    assert len(audit) == 1
    # the page in English says it too
    q.post("/language", data={"language": "en", "next": "/account", "csrf_token": csrf})
    r = q.post("/account/time-zone", data={"time_zone": "Nowhere/Land", "csrf_token": csrf})
    assert r.status_code == 422 and "Unknown time zone “Nowhere/Land”: choose one from the list." in r.text
