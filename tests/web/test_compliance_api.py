"""The compliance API and pages: evidence figures and files, consent events, DNC history, opt-outs;
validation, CSRF, audit and escaping."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

from openpyxl import load_workbook

from dialer.db.compliance_store import dnc_history
from tests.web.compliance_seed import HOSTILE, seed_evidence
from tests.web.conftest import WebEnv, as_role

PERIOD = {"from": "2026-11-02", "to": "2026-11-02"}


def test_evidence_figures_and_downloads(env: WebEnv) -> None:
    seed = seed_evidence(env.repo)
    manager, _ = as_role(env.app, "manager")
    f = manager.get(f"/api/campaigns/{seed.campaign_id}/compliance", params=PERIOD).json()
    assert (f["profile"], f["calls_placed"], f["live_answers"], f["abandons"]) == ("RU", 2, 2, 1)
    assert f["abandon_rate"] == 0.5 and f["outside_window"] == 0 and f["compliant"] is False
    assert f["windows_over_cap"] and f["abandon_messages"]["played"] == 1
    # the period moves the figures: the day before has nothing
    empty = manager.get(
        f"/api/campaigns/{seed.campaign_id}/compliance", params={"from": "2026-11-01", "to": "2026-11-01"}
    )
    assert empty.json()["calls_placed"] == 0

    r = manager.get(f"/api/campaigns/{seed.campaign_id}/compliance.csv", params=PERIOD)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="evidence-ru-evidence-2026-11-02_2026-11-02.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert ["period", "period", "calls placed", "2", f"{seed.connected}-{seed.abandoned}"] in rows
    ledger = manager.get(f"/api/campaigns/{seed.campaign_id}/compliance.csv", params={**PERIOD, "ledger": "true"})
    ids = [row[0] for row in csv.reader(io.StringIO(ledger.content.decode("utf-8-sig")), delimiter=";")][1:]
    assert ids == [str(seed.connected), str(seed.abandoned)]
    x = manager.get(f"/api/campaigns/{seed.campaign_id}/compliance.xlsx", params=PERIOD)
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert ["period", "period", "calls placed", 2, f"{seed.connected}-{seed.abandoned}"] in values

    # a campaign without a profile needs one named; bad periods and campaigns are refused
    no_profile = f"/api/campaigns/{env.seed.campaign_id}/compliance"
    assert manager.get(no_profile, params=PERIOD).status_code == 422
    assert manager.get(no_profile, params={**PERIOD, "profile": "US"}).json()["profile"] == "US"
    assert manager.get(no_profile, params={**PERIOD, "profile": "XX"}).status_code == 422
    assert (
        manager.get(no_profile, params={"from": "2026-11-03", "to": "2026-11-02", "profile": "US"}).status_code == 422
    )
    assert manager.get(no_profile, params={"from": "02.11.2026", "profile": "US"}).status_code == 422
    assert manager.get("/api/campaigns/999/compliance.csv", params=PERIOD).status_code == 404


def test_compliance_page_shows_figures_escaped(env: WebEnv) -> None:
    seed = seed_evidence(env.repo)
    admin, _ = as_role(env.app, "admin")
    html = admin.get("/manager/compliance", params={"campaign_id": seed.campaign_id, **PERIOD}).text
    assert 'id="calls-placed">2<' in html and 'id="abandon-rate">50.00%<' in html
    assert f"/api/campaigns/{seed.campaign_id}/compliance.xlsx?from=2026-11-02&amp;to=2026-11-02" in html
    html = admin.get("/manager/compliance", params={"campaign_id": env.seed.campaign_id, **PERIOD}).text
    assert 'id="evidence-error"' in html and "no compliance profile" in html
    assert admin.get("/manager/compliance", params={"campaign_id": 999}).status_code == 404


def test_consent_events_history_and_audit(env: WebEnv) -> None:
    manager, token = as_role(env.app, "manager")
    h = {"x-csrf-token": token}
    body = {"phone": "8 920 000-00-05", "source": "web form #7", "given_at": "2026-10-01T10:00:00+03:00"}
    assert manager.post("/api/compliance/consent", json=body).status_code == 403  # no CSRF token
    r = manager.post("/api/compliance/consent", json=body, headers=h)
    assert r.status_code == 200 and r.json()["phone"] == "+79200000005"
    assert (
        manager.get("/api/compliance/numbers", params={"phone": "+79200000005"}).json()["advertising_consent"]
        == "given"
    )
    w = {"phone": "+79200000005", "action": "withdrawn", "source": "e-mail", "given_at": "2026-11-01T09:00:00Z"}
    assert manager.post("/api/compliance/consent", json=w, headers=h).status_code == 200
    hist = manager.get("/api/compliance/numbers", params={"phone": "+7 920 000 00 05"}).json()
    assert hist["advertising_consent"] == "withdrawn"
    assert [(c["action"], c["source"], c["channel"], c["recorded_by"]) for c in hist["consent"]] == [
        ("given", "web form #7", "api", "mike"),
        ("withdrawn", "e-mail", "api", "mike"),
    ]
    assert hist["consent"][0]["given_at"].startswith("2026-10-01T07:00:00")
    audit = env.queries.audit_log()
    assert [a.action for a in audit if a.action.startswith("consent.")] == ["consent.withdrawn", "consent.given"]
    for bad in (
        {**body, "phone": "hello"},
        {**body, "given_at": "2026-10-01T10:00:00"},  # no zone
        {**body, "given_at": "2099-01-01T00:00:00Z"},  # the future
        {**body, "purpose": "Ads <b>"},
        {**body, "source": ""},
        {**body, "expires_at": "2026-09-01T00:00:00Z"},  # before it was given
        {**w, "expires_at": "2027-01-01T00:00:00Z"},  # a withdrawal does not expire
    ):
        assert manager.post("/api/compliance/consent", json=bad, headers=h).status_code == 422, bad
    qa, qa_token = as_role(env.app, "qa")
    assert qa.post("/api/compliance/consent", json=body, headers={"x-csrf-token": qa_token}).status_code == 403


def test_opt_out_form_and_removal_keep_history(env: WebEnv) -> None:
    manager, token = as_role(env.app, "manager")
    form = {"phone": "+79200000006", "reason": HOSTILE, "campaign_id": "", "csrf_token": token}
    assert manager.post("/manager/numbers/opt-out", data={**form, "csrf_token": "forged"}).status_code == 403
    r = manager.post("/manager/numbers/opt-out", data=form)
    assert r.status_code == 303
    q = parse_qs(urlparse(r.headers["location"]).query)
    assert q == {"phone": ["+79200000006"], "done": ["opt-out"]}
    again = manager.post("/manager/numbers/opt-out", data=form)
    assert parse_qs(urlparse(again.headers["location"]).query)["done"] == ["already"]
    [row] = dnc_history(env.repo.sessions, "+79200000006")
    assert (row.source, row.reason, row.added_by) == ("web", HOSTILE, env.seed.user_ids["manager"])
    assert [a.detail["source"] for a in env.queries.audit_log("dnc.add")] == ["web", "web"]
    html = manager.get(r.headers["location"]).text
    assert HOSTILE not in html and "&lt;script&gt;alert(&#34;c&#34;)&lt;/script&gt;" in html
    assert 'id="dnc-state">on the list<' in html
    # removal needs a reason; the row stays, stamped
    h = {"x-csrf-token": token}
    assert (
        manager.post("/api/compliance/do-not-call/remove", json={"phone": "+79200000006"}, headers=h).status_code == 422
    )
    rm = manager.post(
        "/api/compliance/do-not-call/remove", json={"phone": "+79200000006", "reason": "asked again"}, headers=h
    )
    assert rm.json()["removed"] == 1
    hist = manager.get("/api/compliance/numbers", params={"phone": "+79200000006"}).json()
    assert hist["on_do_not_call"] == []
    [d] = hist["do_not_call"]
    assert (d["source"], d["added_by"], d["removed_by"], d["removed_reason"]) == ("web", "mike", "mike", "asked again")
    assert [a.action for a in env.queries.audit_log("dnc.remove")] == ["dnc.remove"]
    assert 'id="search-error"' in manager.get("/manager/numbers", params={"phone": "<img src=x>"}).text
