"""Pages and API behaviour: escaping, search boxes as data, dispositions + webhooks, pacing changes,
recording playback (Range, audit, path safety), list upload and exports."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from dialer.db.models import AuditLog, PacingChange, Recording, RecordingScore
from tests.web.conftest import HOOK_SECRET, XSS_COMPANY, XSS_PERSON, WebEnv, as_role

SQLI = ["' OR 1=1 --", "x'; DROP TABLE recording; --", '" OR ""="', "%", "_", "1) OR (1=1"]


def test_xss_in_contact_fields_is_escaped(env: WebEnv) -> None:
    op, _ = as_role(env.app, "operator")
    html = op.get("/operator").text
    assert XSS_COMPANY not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert XSS_PERSON not in html and "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>bold note</b>" not in html and "&lt;b&gt;bold note&lt;/b&gt;" in html
    qa, _ = as_role(env.app, "qa")
    for page in ("/qa", f"/qa/recordings/{env.seed.recording_id}"):
        html = qa.get(page).text
        assert XSS_COMPANY not in html and "&lt;script&gt;" in html
    # a hostile search value is echoed back escaped too
    html = qa.get("/qa", params={"phone": '"><script>alert(3)</script>'}).text
    assert "<script>alert(3)" not in html
    # no inline script can run anyway: the CSP allows only our own files
    assert "script-src 'self'" in qa.get("/qa").headers["content-security-policy"]


def test_sql_injection_strings_in_search_are_data(env: WebEnv) -> None:
    qa, _ = as_role(env.app, "qa")
    assert len(qa.get("/api/recordings").json()) == 1
    assert len(qa.get("/api/recordings", params={"phone": "1234567"}).json()) == 1
    for s in SQLI:
        for field in ("phone", "outcome", "disposition"):
            r = qa.get("/api/recordings", params={field: s})
            assert r.status_code in (200, 422), (field, s)  # 422: longer than the field allows
            if r.status_code == 200:
                assert r.json() == [], (field, s)
                assert qa.get("/qa", params={field: s}).status_code == 200
    assert qa.get("/api/recordings", params={"campaign_id": "1 OR 1=1"}).status_code == 422
    with env.repo.sessions() as s:
        assert s.query(Recording).count() == 1  # the table survived


def test_recording_search_filters(env: WebEnv) -> None:
    qa, _ = as_role(env.app, "qa")
    cid, oid = env.seed.campaign_id, env.seed.operator_id
    assert (
        len(qa.get("/api/recordings", params={"campaign_id": cid, "operator_id": oid, "outcome": "connected"}).json())
        == 1
    )
    assert qa.get("/api/recordings", params={"operator_id": env.seed.other_operator_id}).json() == []
    assert len(qa.get("/api/recordings", params={"date_from": "2026-03-02", "date_to": "2026-03-02"}).json()) == 1
    assert qa.get("/api/recordings", params={"date_from": "2026-03-03"}).json() == []
    assert qa.get("/api/recordings", params={"min_duration": 60}).json() == []
    assert len(qa.get("/api/recordings", params={"min_duration": 50}).json()) == 1


def test_recording_playback_range_and_audit(env: WebEnv) -> None:
    qa, _ = as_role(env.app, "qa")
    url = f"/api/recordings/{env.seed.recording_id}/audio"
    data = env.seed.wav.read_bytes()
    r = qa.get(url, headers={"range": "bytes=0-99"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 0-99/{len(data)}"
    assert r.content == data[:100] and r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "audio/wav"
    r = qa.get(url, headers={"range": "bytes=100-"})
    assert r.status_code == 206 and r.content == data[100:]
    r = qa.get(url, headers={"range": "bytes=-10"})
    assert r.status_code == 206 and r.content == data[-10:]
    assert qa.get(url, headers={"range": f"bytes={len(data)}-"}).status_code == 416
    full = qa.get(url)
    assert full.status_code == 200 and full.content == data
    plays = env.queries.audit_log("recording.play")
    assert len(plays) == 2  # the two playbacks from the start; seeks are not new playbacks
    assert plays[0].target == f"recording:{env.seed.recording_id}"
    assert plays[0].user_id == env.seed.user_ids["qa"]
    admin, _ = as_role(env.app, "admin")
    assert admin.get(url, headers={"range": "bytes=0-1"}).status_code == 206
    for role in ("manager", "operator"):
        c, _ = as_role(env.app, role)
        assert c.get(url).status_code == 403
    assert len(env.queries.audit_log("recording.play")) == 3


def test_recording_path_cannot_escape_the_directory(env: WebEnv, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    with env.repo.sessions.begin() as s:
        rec = s.get(Recording, env.seed.recording_id)
        assert rec is not None
        rec.path = "../secret.txt"
    qa, _ = as_role(env.app, "qa")
    r = qa.get(f"/api/recordings/{env.seed.recording_id}/audio")
    assert r.status_code == 404 and b"top secret" not in r.content
    with env.repo.sessions.begin() as s:
        rec = s.get(Recording, env.seed.recording_id)
        assert rec is not None
        rec.path = str(secret)  # absolute
    assert qa.get(f"/api/recordings/{env.seed.recording_id}/audio").status_code == 404


def test_recording_detail_timeline_and_score(env: WebEnv) -> None:
    qa, token = as_role(env.app, "qa")
    d = qa.get(f"/api/recordings/{env.seed.recording_id}").json()
    assert [t["event"] for t in d["timeline"]] == ["originate", "ring", "answer", "bridge", "end"]
    assert {"code": "greeting", "label": "", "max_points": 10} in d["scorecard"]
    url = f"/api/recordings/{env.seed.recording_id}/score"
    full = {c["code"]: 0 for c in d["scorecard"]}
    r = qa.post(
        url, json={"scores": full | {"greeting": 8, "closing": 5}, "comment": "good"}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 200 and r.json()["total"] == 13
    assert qa.post(url, json={"scores": full | {"bogus": 1}}, headers={"x-csrf-token": token}).status_code == 422
    assert qa.post(url, json={"scores": full | {"greeting": 11}}, headers={"x-csrf-token": token}).status_code == 422
    with env.repo.sessions() as s:
        row = s.query(RecordingScore).one()
        assert row.total == 13 and row.comment == "good" and row.user_id == env.seed.user_ids["qa"]
    page = qa.get(f"/qa/recordings/{env.seed.recording_id}").text
    assert "good" in page and 'src="/api/recordings/' in page


def test_disposition_with_callback_sends_webhooks(env: WebEnv, client: TestClient) -> None:
    from tests.web.conftest import make_call_recent, sign_in

    make_call_recent(env)
    token = sign_in(client, "olga")
    state = client.get("/api/operator/state").json()
    card = state["card"]
    assert card["company"] == XSS_COMPANY and card["headcount"] == 12 and card["specialty"] == "Стоматология"
    assert [p["outcome"] for p in card["previous"]] == ["no_answer"]
    assert [d["key"] for d in card["dispositions"]] == [1, 2, 3]
    body = {"attempt_id": env.seed.attempt_id, "code": "callback", "notes": "call after lunch"}
    assert client.post("/api/operator/disposition", json=body, headers={"x-csrf-token": token}).status_code == 422
    day = (datetime.now(UTC) + timedelta(days=7)).date()
    body["next_action_at"] = f"{day.isoformat()}T14:00:00+03:00"
    r = client.post("/api/operator/disposition", json=body, headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    a = env.queries.attempt(env.seed.attempt_id)
    assert a is not None and a.disposition_code == "callback" and a.notes == "call after lunch"
    assert a.next_action_at is not None and a.next_action_at.hour == 11
    assert r.json()["state"]["card"] is None  # disposed: the card goes away
    deadline = time.monotonic() + 5
    while len(env.webhook_calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    events = sorted(json.loads(c.content)["event"] for c in env.webhook_calls)
    assert events == ["callback.set", "outcome.recorded"]
    req = env.webhook_calls[0]
    ts = req.headers["x-dialer-timestamp"]
    signed = ts.encode() + b"." + req.content
    expected = "sha256=" + hmac.new(HOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert req.headers["x-dialer-signature"] == expected
    assert abs(int(ts) - time.time()) < 60


def test_operator_live_actions_need_a_service(env: WebEnv) -> None:
    op, token = as_role(env.app, "operator")
    assert op.post("/api/operator/ready", headers={"x-csrf-token": token}).status_code == 503
    r = op.get("/operator/events")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert '"state": "offline"' in r.text


def test_pacing_change_stored_merged_and_audited(env: WebEnv) -> None:
    admin, token = as_role(env.app, "admin")
    url = f"/api/campaigns/{env.seed.campaign_id}/pacing"
    assert admin.get(url).json()["knobs"]["target_abandon_rate"] == 0.03
    r = admin.post(
        url, json={"changes": {"target_abandon_rate": "0.02", "paused": True}}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == {"target_abandon_rate": [0.03, 0.02], "paused": [False, True]}
    c = env.repo.campaign(env.seed.campaign_id)
    assert c.pacing_overrides == {"target_abandon_rate": 0.02, "paused": True}
    with env.repo.sessions() as s:
        rows = s.query(PacingChange).order_by(PacingChange.knob).all()
        assert [(p.knob, p.old_value, p.new_value, p.user_id) for p in rows] == [
            ("paused", "False", "True", env.seed.user_ids["admin"]),
            ("target_abandon_rate", "0.03", "0.02", env.seed.user_ids["admin"]),
        ]
        assert s.query(AuditLog).filter_by(action="pacing.change").count() == 1
    for bad in ({"target_abandon_rate": 0.9}, {"mode": "turbo"}, {"bogus": 1}, {"min_lines_per_operator": 9}):
        assert admin.post(url, json={"changes": bad}, headers={"x-csrf-token": token}).status_code == 422, bad
    # unchanged values make no rows
    assert (
        admin.post(url, json={"changes": {"target_abandon_rate": 0.02}}, headers={"x-csrf-token": token}).json()[
            "changed"
        ]
        == {}
    )
    live = admin.get(f"/api/campaigns/{env.seed.campaign_id}/pacing/live").json()
    assert live["target_abandon_rate"] == 0.02 and live["live"] is False
    assert "0.02" in admin.get(f"/admin/campaigns/{env.seed.campaign_id}/pacing").text


def cp1251_csv(path: Path) -> Path:
    text = (
        "Телефон;Компания;Контактное лицо;Специализация;Численность\r\n"
        "8 910 010-20-12;Стоматология «Улыбка»;Иванова Мария;Стоматология;12\r\n"
        "+79101202000;Клиника Доктор Дент;Петров Сергей;Стоматология;8\r\n"
        "+79102103008;Автосервис;Сидоров;Автосервис;20\r\n"
        "+79103304000;Большая сеть;Кузнецов;Стоматология;900\r\n"
        "not a phone;Никто;;Стоматология;3\r\n"
    )
    path.write_bytes(text.encode("cp1251"))
    return path


def test_upload_preview_import_via_api(env: WebEnv, tmp_path: Path) -> None:
    mgr, token = as_role(env.app, "manager")
    f = cp1251_csv(tmp_path / "clinics.csv")
    with f.open("rb") as fh:
        r = mgr.post(
            "/api/uploads",
            data={"campaign_id": str(env.seed.campaign_id)},
            files={"file": ("clinics.csv", fh, "text/csv")},
            headers={"x-csrf-token": token},
        )
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["source"]["encoding"] == "cp1251" and p["source"]["separator"] == ";"
    assert p["mapping"]["Телефон"] == "phone" and p["mapping"]["Компания"] == "company"
    assert p["rows"][0]["company"] == "Стоматология «Улыбка»"
    # another manager session cannot use this upload token
    other, other_token = as_role(env.app, "admin")
    assert (
        other.post(f"/api/uploads/{p['token']}/import", json={}, headers={"x-csrf-token": other_token}).status_code
        == 404
    )
    r = mgr.post(f"/api/uploads/{p['token']}/import", json={"list_name": "clinics"}, headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    rep = r.json()["report"]
    assert rep["rows_read"] == 5 and rep["accepted"] == 2 and rep["invalid"] == 1
    assert sum(rep["corporate"].values()) == 1 and sum(rep["filtered"].values()) == 1
    assert env.queries.audit_log("list.import")
    # exports
    corp = mgr.get(f"/api/campaigns/{env.seed.campaign_id}/corporate.csv")
    assert corp.status_code == 200 and "Большая сеть" in corp.content.decode("utf-8-sig")
    res = mgr.get(f"/api/campaigns/{env.seed.campaign_id}/results.csv").content.decode("utf-8-sig")
    assert "Клиника Доктор Дент" in res and "'+79101202000" in res
    funnel = mgr.get(f"/api/campaigns/{env.seed.campaign_id}").json()["funnel"]
    assert funnel["by_status"]["new"] == 2 and funnel["dialled"] == 2


def test_upload_rejects_bad_files(env: WebEnv) -> None:
    mgr, token = as_role(env.app, "manager")
    r = mgr.post(
        "/api/uploads",
        data={"campaign_id": str(env.seed.campaign_id)},
        files={"file": ("x.exe", b"MZ", "application/octet-stream")},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 422
    r = mgr.post(
        "/api/uploads",
        data={"campaign_id": str(env.seed.campaign_id)},
        files={"file": ("x.csv", b"", "text/csv")},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 422
    assert mgr.post("/api/uploads/../../etc/import", json={}, headers={"x-csrf-token": token}).status_code == 404


def test_campaign_status_and_yaml_apply(env: WebEnv) -> None:
    mgr, token = as_role(env.app, "manager")
    h = {"x-csrf-token": token}
    assert (
        mgr.post(f"/api/campaigns/{env.seed.campaign_id}/status", json={"status": "running"}, headers=h).status_code
        == 200
    )
    assert env.repo.campaign(env.seed.campaign_id).status == "running"
    assert mgr.post(f"/api/campaigns/{env.seed.campaign_id}/status", json={"status": "x"}, headers=h).status_code == 422
    r = mgr.post(
        "/api/campaigns",
        json={"yaml": "name: second\ntrunk: PJSIP/{number}@carrier\ndispositions:\n  - {code: ok, label: OK}\n"},
        headers=h,
    )
    assert r.status_code == 200
    assert {c["name"] for c in mgr.get("/api/campaigns").json()} == {"web-test", "second"}
    assert mgr.post("/api/campaigns", json={"yaml": "name: [oops"}, headers=h).status_code == 422
    html = mgr.get("/manager").text
    assert "second" in html and "web-test" in html
    assert mgr.get("/manager/events").text.startswith("retry:")


def test_users_api(env: WebEnv) -> None:
    admin, token = as_role(env.app, "admin")
    h = {"x-csrf-token": token}
    body = {"username": "newbie", "password": "long enough pw", "role": "qa"}
    assert admin.post("/api/users", json=body, headers=h).status_code == 200
    assert admin.post("/api/users", json=body, headers=h).status_code == 409
    assert admin.post("/api/users", json={**body, "username": "x2", "password": "short"}, headers=h).status_code == 422
    me = env.seed.user_ids["admin"]
    assert admin.post(f"/api/users/{me}", json={"role": "qa"}, headers=h).status_code == 409
    r = admin.post("/api/operators", json={"login": "op9", "sip_endpoint": "PJSIP/op9"}, headers=h)
    assert r.status_code == 200
    assert "op9" in admin.get("/admin/users").text
    stored = env.queries.user_by_username("newbie")
    assert stored is not None and stored.password_hash.startswith("$argon2id$")


def test_api_docs_are_served_without_cdn(env: WebEnv) -> None:
    c, _ = as_role(env.app, "qa")
    html = c.get("/api/docs").text
    assert "/api/recordings/{recording_id}/audio" in html and "cdn" not in html.lower()
    assert "/api/campaigns/{campaign_id}/pacing" in c.get("/api/openapi.json").json()["paths"]


def test_opt_out_api(env: WebEnv) -> None:
    manager, token = as_role(env.app, "manager")
    h = {"x-csrf-token": token}
    r = manager.post("/api/campaigns/do-not-call", json={"phone": "8 910 000-00-77", "reason": "e-mail"}, headers=h)
    assert r.status_code == 200 and r.json() == {"phone": "+79100000077", "campaign_id": None, "added": True}
    again = manager.post("/api/campaigns/do-not-call", json={"phone": "+79100000077"}, headers=h)
    assert again.json()["added"] is False
    bad = manager.post("/api/campaigns/do-not-call", json={"phone": "hello there"}, headers=h)
    assert bad.status_code == 422
    assert env.repo.do_not_call_phones(env.seed.campaign_id)[0] == {"+79100000077"}
    assert [a.target for a in env.queries.audit_log("dnc.add")] == ["+79100000077", "+79100000077"]


def test_a_one_sided_recording_is_marked_for_qa(env: WebEnv) -> None:
    """A call whose operator leg was lost (dialer restart, ARI time-out) is stored with the customer's side:
    the search list, the recording page (in the user's language) and the API say it is one-sided."""
    qa, _ = as_role(env.app, "qa")
    marks = (">one side only</span>", ">одна сторона</span>")
    notes = ("the operator&#39;s leg was lost", "запись речи оператора потеряна")
    page = f"/qa/recordings/{env.seed.recording_id}"
    assert qa.get("/api/recordings").json()[0]["missing_leg"] is None
    assert not any(m in qa.get("/qa").text for m in marks)
    assert not any(n in qa.get(page).text for n in notes)
    with env.repo.sessions.begin() as s:
        rec = s.get(Recording, env.seed.recording_id)
        assert rec is not None
        rec.missing_leg = "operator"
    assert qa.get("/api/recordings").json()[0]["missing_leg"] == "operator"
    assert any(m in qa.get("/qa").text for m in marks)
    assert any(n in qa.get(page).text for n in notes)
    assert qa.get(f"/api/recordings/{env.seed.recording_id}").json()["missing_leg"] == "operator"
