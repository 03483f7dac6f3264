"""No dead ends: errors are pages (never raw JSON), a form sent after the session ended goes to sign-in
and back, an upload is post-redirect-get, every save says so; and the wallboard shows the floor."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dialer.pacing import OperatorState
from tests.web.conftest import WebEnv, as_role, make_blended, make_env
from tests.web.floor import FakeFloor, FakeService
from tests.web.test_app import cp1251_csv


def test_errors_on_pages_are_readable_pages(env: WebEnv) -> None:
    manager, csrf = as_role(env.app, "manager")
    for path in ("/manager/upload/" + "0" * 32, "/manager/campaigns/999", "/no/such/page", "/manager/lists/999"):
        r = manager.get(path)
        assert r.status_code == 404 and "text/html" in r.headers["content-type"], path
        assert '{"detail"' not in r.text and 'id="error-page"' in r.text
    assert "no longer here" in manager.get("/manager/upload/" + "0" * 32).text
    # a bad form field on an HTML form: a page with the problem, not pydantic JSON
    r = manager.post(
        "/manager/upload", data={"campaign_id": "not-a-number", "csrf_token": csrf}, headers={"accept": "text/html"}
    )
    assert r.status_code == 422 and "text/html" in r.headers["content-type"] and '{"detail"' not in r.text
    # the API keeps answering JSON
    assert manager.get("/api/campaigns/999").json() == {"detail": "no such campaign"}


def test_a_form_sent_after_the_session_ended_goes_to_sign_in_and_back(env: WebEnv) -> None:
    manager, csrf = as_role(env.app, "manager")
    manager.cookies.clear()  # the session is gone (expired, or signed out elsewhere)
    r = manager.post(
        "/manager/numbers/opt-out",
        data={"phone": "+79101234567", "csrf_token": csrf},
        headers={"referer": "http://testserver/manager/numbers?phone=%2B79101234567"},
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=/manager/numbers")


def test_upload_is_post_redirect_get_and_the_lists_table_shows_the_users_file_name(env: WebEnv, tmp_path: Path) -> None:
    manager, csrf = as_role(env.app, "manager")
    with cp1251_csv(tmp_path / "ru_cp1251.csv").open("rb") as fh:
        r = manager.post(
            "/manager/upload",
            data={"campaign_id": str(env.seed.campaign_id), "csrf_token": csrf},
            files={"file": ("Клиенты март.csv", fh, "text/csv")},
        )
    assert r.status_code == 303
    preview = r.headers["location"]
    assert manager.get(preview).status_code == 200  # the preview can be reloaded
    r = manager.post(preview + "/confirm", data={"csrf_token": csrf, "list_name": "март"})
    assert r.status_code == 303
    report = r.headers["location"]
    first, again = manager.get(report), manager.get(report)  # a refresh shows the report, imports nothing
    assert first.status_code == again.status_code == 200
    assert 'id="flash"' in first.text and "flash ok" in first.text
    assert 'id="accepted">2<' in again.text
    set_aside = again.text[again.text.index('id="set-aside"') :].split("</table>")[0]
    assert "specialty «Автосервис» is not in the campaign" in set_aside  # each row with its reason, in words
    assert "headcount 900 is at or above the corporate threshold 500" in set_aside
    assert len([x for x in env.queries.contact_lists(env.seed.campaign_id) if x.name == "март"]) == 1
    campaign = manager.get(f"/manager/campaigns/{env.seed.campaign_id}").text
    assert "Клиенты март.csv" in campaign and "-Клиенты" not in campaign


def test_users_page_names_instead_of_ids_and_least_privilege_first(env: WebEnv) -> None:
    admin, _ = as_role(env.app, "admin")
    page = admin.get("/admin/users").text
    new_user = page[page.index('id="new-user"') :]
    assert '<option value="operator" selected>' in new_user
    row = page[page.index(f'<tr data-id="{env.seed.user_ids["operator"]}">') :].split("</tr>")[0]
    assert "op1 (Olga)" in row


def test_wallboard_shows_every_operator_and_the_floor(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    floor = FakeFloor(env.seed.campaign_id, "web-test", calls_by_stage={"ringing": 3, "waiting": 1, "bridged": 1})
    env.app.state.ctx.service = FakeService(floor)
    floor.set_operator("op1", OperatorState.ON_CALL, for_s=75)
    floor.set_operator("op2", OperatorState.PAUSED, for_s=10)
    for role in ("supervisor", "admin", "manager"):
        client, _ = as_role(env.app, role)
        data = client.get("/api/wallboard").json()
        assert [o["login"] for o in data["operators"]] == ["op1", "op2"]
        assert data["operators"][0]["name"] == "Olga" and data["operators"][0]["call_s"] >= 75
        assert data["operators"][1]["call_s"] is None
        assert data["calls_in_flight"] == 5 and data["waiting"] == 1
        assert data["campaigns"][0]["cap"] == 0.03
    sup, _ = as_role(env.app, "supervisor")
    page = sup.get("/wallboard").text
    assert "Olga" in page and re.search(r"<td>1:[1-5]\d</td>", page) and "paused" in page  # m:ss, about 75 s
    r = sup.get("/wallboard/events")
    frame = json.loads(next(line for line in r.text.splitlines() if line.startswith("data:"))[5:])
    assert frame["by_state"] == {"ready": 0, "on_call": 1, "wrap_up": 0, "paused": 1}
    assert sup.get("/manager").status_code == 403  # a supervisor watches; it does not run campaigns
    qa, _ = as_role(env.app, "qa")
    assert qa.get("/wallboard").status_code == 403


def test_contacts_browser_finds_a_contact_and_tells_its_story(env: WebEnv) -> None:
    manager, _ = as_role(env.app, "manager")
    found = manager.get("/manager/contacts", params={"phone": "910 123-45-67"}).text
    assert f'href="/manager/contacts/{env.seed.contact_id}"' in found and "+79109999999" not in found
    corporate = manager.get("/manager/contacts", params={"status": "corporate"}).text
    assert "Big Corp" in corporate and "+79101234567" not in corporate
    assert "Big Corp" in manager.get("/manager/contacts", params={"company": "big"}).text
    story = manager.get(f"/manager/contacts/{env.seed.contact_id}").text
    attempts = story[story.index('id="attempts"') :]
    assert attempts.count("<tr>") == 3  # header + both attempts, newest first
    assert "Olga" in attempts and "no answer" in attempts and "connected, no result recorded" in attempts
    assert "&lt;b&gt;bold note&lt;/b&gt;" in attempts  # notes shown as text
    assert "/qa/recordings/" not in attempts  # a manager may not open QA; the recording's length shows
    admin, _ = as_role(env.app, "admin")
    assert f"/qa/recordings/{env.seed.recording_id}" in admin.get(f"/manager/contacts/{env.seed.contact_id}").text
    assert manager.get("/manager/contacts/99999").status_code == 404
    operator, _ = as_role(env.app, "operator")
    assert operator.get("/manager/contacts").status_code == 403


def test_campaign_results_hour_by_hour(env: WebEnv) -> None:
    from datetime import UTC, datetime, timedelta

    from dialer.db.models import Attempt

    now = datetime.now(UTC)
    with env.repo.sessions.begin() as s:
        for i, (outcome, bridged) in enumerate([("connected", True), ("abandoned", False), ("no_answer", False)]):
            s.add(
                Attempt(
                    campaign_id=env.seed.campaign_id,
                    contact_id=env.seed.contact_id,
                    phone="+79101234567",
                    channel_id=f"hourly-{i}",
                    originated_at=now - timedelta(minutes=5),
                    bridged_at=now if bridged else None,
                    outcome=outcome,
                )
            )
    manager, _ = as_role(env.app, "manager")
    h = manager.get(f"/api/campaigns/{env.seed.campaign_id}/hourly").json()
    assert len(h["hours"]) == 24 and h["hours"] == sorted(h["hours"])
    assert (sum(h["dialled"]), sum(h["bridged"]), sum(h["abandoned"])) == (3, 1, 1)  # the seed's are older
    hour = next(i for i, n in enumerate(h["dialled"]) if n)
    assert hour >= 22 and h["abandon_rate"][hour] == 0.5 and h["abandon_rate"][0] is None
    assert 'id="hourly"' in manager.get(f"/manager/campaigns/{env.seed.campaign_id}").text


def test_wallboard_shows_the_inbound_queue_beside_outbound(tmp_path: Path) -> None:
    """A campaign with inbound numbers: today's service level against its target, the average speed of
    answer and the queue abandons, from the inbound attempts; in English and Russian."""
    from datetime import timedelta

    from dialer.db.inbound import SqlInboundRecords
    from dialer.db.models import utcnow

    for language in ("en", "ru"):
        env = make_env(tmp_path / language, language=language)
        cid = make_blended(env)
        manager0, _ = as_role(env.app, "manager")
        env_dialled = manager0.get(f"/api/campaigns/{cid}").json()["funnel"]["dialled"]
        records = SqlInboundRecords(env.repo.sessions)
        # five minutes ago, but today (UTC): in the first minutes after midnight, just after it
        now = max(utcnow() - timedelta(minutes=5), utcnow().replace(hour=0, minute=0, second=1, microsecond=0))
        caller = records.identify(cid, frozenset({"+79160000001"}), now)
        for i, wait in enumerate((3.0, 30.0)):
            a = records.open_attempt(cid, caller.contact_id, "+79160000001", f"in-{i}", now)
            env.repo.update_attempt(a, bridged_at=now + timedelta(seconds=wait))
        lost = records.open_attempt(cid, caller.contact_id, "+79160000001", "in-x", now)
        records.finish_unserved(lost, now + timedelta(seconds=8), "n", 16, None, "hung_up")
        sup, _ = as_role(env.app, "supervisor")
        row = next(c for c in sup.get("/api/wallboard").json()["campaigns"] if c["id"] == cid)
        inbound = row["inbound"]
        assert inbound["offered"] == 3 and inbound["abandoned"] == 1 and inbound["answered"] == 2
        assert inbound["service_level"] == 1 / 3 and inbound["target_share"] == 0.9 and inbound["below_target"]
        assert inbound["asa_s"] == 16.5
        page = sup.get("/wallboard").text
        label = "Inbound service level today" if language == "en" else "Уровень обслуживания входящих сегодня"
        assert label in page
        assert re.search(r"33[.,]3\s?%\s*/\s*90[.,]0\s?%", page.replace("\u00a0", " "))
        manager, _ = as_role(env.app, "manager")
        report = manager.get(f"/manager/campaigns/{cid}").text
        assert 'id="inbound-today"' in report
        assert ("Sent to a callback" if language == "en" else "Переведены на перезвон") in report
        api = manager.get(f"/api/campaigns/{cid}").json()
        assert api["inbound_today"]["abandoned"] == 1
        assert api["funnel"]["abandoned"] == 0 and api["funnel"]["dialled"] == env_dialled  # inbound stays out
