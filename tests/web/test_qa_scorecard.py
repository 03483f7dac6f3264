# ruff: noqa: RUF001
"""QA scores a call against the campaign's own scorecard: every criterion, whole points within its
max_points; empty, fractional or unknown scores are refused with a message naming the criteria; the
"none yet" placeholder goes once a score exists."""

from __future__ import annotations

from typing import Any

from dialer.db.models import Campaign, RecordingScore
from tests.web.conftest import WebEnv, as_role

CARD = [
    {"code": "greeting", "label": "Приветствие", "max_points": 5},
    {"code": "objections", "label": "Работа с возражениями", "max_points": 20},
]


def _use_card(env: WebEnv) -> None:
    with env.repo.sessions.begin() as s:
        c = s.get(Campaign, env.seed.campaign_id)
        assert c is not None
        c.definition = {**(c.definition or {}), "scorecard": CARD}


def test_campaign_scorecard_is_shown_and_enforced(env: WebEnv) -> None:
    _use_card(env)
    qa, token = as_role(env.app, "qa")
    rid = env.seed.recording_id
    page = qa.get(f"/qa/recordings/{rid}").text
    assert "Работа с возражениями" in page and 'name="objections" min="0" max="20"' in page
    assert 'id="no-scores"' in page
    url = f"/api/recordings/{rid}/score"
    h = {"x-csrf-token": token, "accept-language": "en"}

    def post(scores: dict[str, Any]) -> Any:
        return qa.post(url, json={"scores": scores}, headers=h)

    refused = {
        "missing": {"greeting": 5},
        "empty": {"greeting": 5, "objections": None},
        "fraction": {"greeting": 2.5, "objections": 10},
        "whole-looking fraction": {"greeting": 3.0, "objections": 10},
        "over max": {"greeting": 6, "objections": 10},
        "negative": {"greeting": -1, "objections": 10},
        "unknown": {"greeting": 1, "objections": 1, "closing": 1},
        "text": {"greeting": "3", "objections": 1},
        "bool": {"greeting": True, "objections": 1},
    }
    for why, scores in refused.items():
        r = post(scores)
        assert r.status_code == 422, (why, r.text)
    assert "Работа с возражениями (0..20)" in post({"greeting": 5}).json()["detail"]
    assert "Приветствие (0..5)" in post({"greeting": 2.5, "objections": 1}).json()["detail"]
    with env.repo.sessions() as s:
        assert s.query(RecordingScore).count() == 0
    r = post({"greeting": 5, "objections": 17})
    assert r.status_code == 200 and r.json()["total"] == 17 + 5 and r.json()["max_total"] == 25
    page = qa.get(f"/qa/recordings/{rid}").text
    scores = page[page.index('<ul id="scores">') :].split("</ul>")[0]
    assert 'id="no-scores"' not in scores and "none yet" not in scores and "quinn: 22<" in scores


def test_score_error_in_russian(env: WebEnv) -> None:
    _use_card(env)
    qa, token = as_role(env.app, "qa")
    qa.post("/language", data={"language": "ru", "csrf_token": token, "next": "/qa"})
    r = qa.post(
        f"/api/recordings/{env.seed.recording_id}/score",
        json={"scores": {"greeting": 5}},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 422 and "поставьте оценку по каждому критерию" in r.text, r.text
