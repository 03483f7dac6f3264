"""The desk and the pacing console with a live service attached: a stand-in with the DialerService
surface the web app uses (the read model `view`, change_knobs, set_ready, pause, dispose, login), no
Asterisk needed."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from dialer.floor import CallStage, LiveCall, LiveOperator
from dialer.pacing import DialingMode, OperatorState, PacingDecision
from dialer.service import CampaignConfig, CampaignRun, KnobChange, ReadModel
from dialer.service.knobs import change_knobs
from dialer.web.app import create_app
from tests.web.conftest import WebEnv, make_env, sign_in


class FakeService:
    def __init__(self, env: WebEnv) -> None:
        row = env.repo.campaign(env.seed.campaign_id)
        self.run = CampaignRun(CampaignConfig.from_row(row, "Local/{number}@x"))
        self.runs = {env.seed.campaign_id: self.run}
        self.view = ReadModel(self.runs)
        self.calls: list[tuple[Any, ...]] = []
        self.repo = env.repo

    def change_knobs(self, campaign_id: int, requested: dict[str, Any]) -> KnobChange | None:
        return change_knobs(self.runs, campaign_id, requested)

    async def login(self, campaign_id: int, login: str) -> None:
        self.calls.append(("login", campaign_id, login))

    async def set_ready(self, campaign_id: int, login: str) -> None:
        op = self.run.floor.operator_by_login(login)
        assert op is not None
        self.run.floor.set_operator_state(op, OperatorState.READY, time.monotonic())
        self.calls.append(("ready", login))

    async def pause(self, campaign_id: int, login: str, reason: str) -> None:
        op = self.run.floor.operator_by_login(login)
        assert op is not None
        self.run.floor.set_operator_state(op, OperatorState.PAUSED, time.monotonic())
        self.calls.append(("pause", login, reason))

    async def dispose(
        self, campaign_id: int, login: str, code: str, notes: str | None = None, next_action_at: datetime | None = None
    ) -> None:
        op = self.run.floor.operator_by_login(login)
        assert op is not None and op.attempt_id is not None
        self.repo.record_disposition(op.attempt_id, code, notes, next_action_at)
        self.calls.append(("dispose", login, code))
        await self.set_ready(campaign_id, login)

    async def end_as_machine(self, campaign_id: int, login: str, keep: bool = False) -> None:
        op = self.run.floor.operator_by_login(login)
        if op is None or op.state is not OperatorState.ON_CALL:
            raise ValueError(f"operator {login} is not on a call")
        self.calls.append(("machine", login, keep))


def live_env(tmp_path: Path) -> tuple[WebEnv, FakeService, TestClient]:
    env = make_env(tmp_path)
    fake = FakeService(env)
    env.app = create_app(env.settings, env.repo, fake, web=env.web)  # type: ignore[arg-type]
    return env, fake, TestClient(env.app, follow_redirects=False)


def test_desk_with_live_operator(tmp_path: Path) -> None:
    env, fake, c = live_env(tmp_path)
    token = sign_in(c, "olga")
    h = {"x-csrf-token": token}
    assert c.post("/api/operator/ready", headers=h).status_code == 409  # not logged in yet
    assert c.post("/api/operator/login", json={"campaign_id": env.seed.campaign_id}, headers=h).status_code == 200
    assert fake.calls == [("login", env.seed.campaign_id, "op1")]
    op = LiveOperator(env.seed.operator_id, "op1", "PJSIP/op1", 1, "agent-1", "opbridge-1")
    fake.run.floor.operators[op.channel_id] = op
    fake.run.floor.set_operator_state(op, OperatorState.READY, time.monotonic())
    r = c.post("/api/operator/pause", json={"reason": "lunch"}, headers=h)
    assert r.status_code == 200 and r.json()["state"] == "paused"
    assert c.post("/api/operator/pause", json={"reason": "nap"}, headers=h).status_code == 422
    assert c.post("/api/operator/ready", headers=h).json()["state"] == "ready"
    # a call is bridged to them: the card comes from the live floor, with AMD's verdict when it said machine
    op.attempt_id = env.seed.attempt_id
    assert c.post("/api/operator/machine", json={}, headers=h).status_code == 409  # not on a call
    fake.run.floor.set_operator_state(op, OperatorState.ON_CALL, time.monotonic())
    env.repo.update_attempt(env.seed.attempt_id, amd_status="MACHINE")
    assert c.get("/api/operator/state").json()["card"]["amd_status"] == "MACHINE"
    assert c.post("/api/operator/machine", json={"keep": True}, headers=h).status_code == 200
    assert c.post("/api/operator/machine", json={}, headers=h).status_code == 200
    assert fake.calls[-2:] == [("machine", "op1", True), ("machine", "op1", False)]
    assert c.post("/api/operator/machine", json={"keep": "perhaps"}, headers=h).status_code == 422
    fake.run.floor.set_operator_state(op, OperatorState.WRAP_UP, time.monotonic() - 3)
    state = c.get("/api/operator/state").json()
    assert state["state"] == "wrap_up" and state["state_for_s"] >= 3
    assert state["card"]["attempt_id"] == env.seed.attempt_id and state["wrapup_s"] == fake.run.config.wrapup_s
    body = {"attempt_id": env.seed.attempt_id, "code": "interested", "notes": "ok"}
    r = c.post("/api/operator/disposition", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert ("dispose", "op1", "interested") in fake.calls
    assert r.json()["state"]["state"] == "ready"


def test_pacing_change_reaches_live_run_and_chart(tmp_path: Path) -> None:
    env, fake, c = live_env(tmp_path)
    op = LiveOperator(env.seed.operator_id, "op1", "PJSIP/op1", 1, "agent-1", "opbridge-1")
    fake.run.floor.operators[op.channel_id] = op
    fake.run.floor.set_operator_state(op, OperatorState.READY, time.monotonic())
    fake.run.floor.calls["att-x"] = LiveCall(1, 1, "att-x", "+7910", time.monotonic(), stage=CallStage.RINGING)
    fake.run.last_decision = PacingDecision(1, "progressive: 1 ready operator", mode_used=DialingMode.PROGRESSIVE)
    token = sign_in(c, "alice")
    r = c.post(
        f"/api/campaigns/{env.seed.campaign_id}/pacing",
        json={"changes": {"target_abandon_rate": 0.01, "mode": "progressive"}},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 200
    assert fake.run.config.knobs.target_abandon_rate == 0.01 and fake.run.config.knobs.mode.value == "progressive"
    live = c.get(f"/api/campaigns/{env.seed.campaign_id}/pacing/live").json()
    assert live["live"] and live["calls_in_flight"] == 1 and live["operators_by_state"] == {"ready": 1}
    assert live["lines_per_operator"] == 1.0 and live["target_abandon_rate"] == 0.01
    assert live["decision"].startswith("progressive")
    assert live["decision_text"] == "Progressive: one call per ready operator; 1 call now."
    text = c.get(f"/admin/campaigns/{env.seed.campaign_id}/events").text
    assert '"calls_in_flight": 1' in text


def test_a_live_target_above_the_profile_cap_is_clamped(tmp_path: Path) -> None:
    from dialer.campaigns import apply_campaign
    from dialer.compliance.profiles import US
    from dialer.rules.campaign import parse_campaign
    from tests.web.conftest import campaign_definition

    env, fake, c = live_env(tmp_path)
    definition = {**campaign_definition(), "name": "us-live", "compliance": {"profile": "US"}}
    definition["caller_id"], definition["ring_timeout_seconds"] = "+12025550100", 20
    cid = apply_campaign(env.repo, parse_campaign(definition))
    fake.runs[cid] = CampaignRun(CampaignConfig.from_row(env.repo.campaign(cid), "Local/{number}@x"))
    token = sign_in(c, "alice")
    r = c.post(
        f"/api/campaigns/{cid}/pacing",
        json={"changes": {"target_abandon_rate": 0.2}},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["knobs"]["target_abandon_rate"] == 0.2  # what the admin asked for is kept and shown
    assert body["effective"]["target_abandon_rate"] == US.target_abandon_rate  # what pacing uses
    assert fake.runs[cid].config.knobs.target_abandon_rate == US.target_abandon_rate
    live = c.get(f"/api/campaigns/{cid}/pacing/live").json()
    assert live["target_abandon_rate"] == US.target_abandon_rate and live["requested_target_abandon_rate"] == 0.2
    page = c.get(f"/admin/campaigns/{cid}/pacing").text
    assert "effective-target" in page


def test_users_create_cli(tmp_path: Path, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from dialer.web.cli import users_app

    env = make_env(tmp_path)
    monkeypatch.setenv("DIALER_DATABASE_URL", env.settings.database_url)
    runner = CliRunner()
    r = runner.invoke(users_app, ["create", "root", "--role", "admin", "--password-stdin"], input="a long password\n")
    assert r.exit_code == 0, r.output
    op3 = env.repo.ensure_operator("op3", "Olesya", "PJSIP/op3")  # op1 and op2 have their users
    r = runner.invoke(
        users_app,
        ["create", "op", "--role", "operator", "--operator", "op3", "--password-stdin"],
        input="another long one\n",
    )
    assert r.exit_code == 0, r.output
    u = env.queries.user_by_username("op")
    assert u is not None and u.operator_id == op3 and u.role == "operator"
    assert (
        runner.invoke(
            users_app, ["create", "x", "--role", "boss", "--password-stdin"], input="a long password\n"
        ).exit_code
        != 0
    )
    short = runner.invoke(users_app, ["create", "yy", "--role", "qa", "--password-stdin"], input="short\n")
    assert short.exit_code == 2
    c = TestClient(env.app, follow_redirects=False)
    assert sign_in(c, "root", "a long password")
