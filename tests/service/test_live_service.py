"""The service layer against in-memory ports: what the pacing loop places, bridging, abandons, back-off
per server and the jurisdiction clamp on live knob changes. No Asterisk, no database, no sleeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dialer.compliance.profiles import US
from dialer.floor import CallStage
from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState, PacingDecision, PacingSnapshot
from dialer.service import pacing_loop
from tests.service.fakes import Rig, build


def campaign(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "svc",
        "dial_string": "PJSIP/{number}@carrier",
        "amd": False,
        "recording": False,
        "dialing": {"mode": "progressive"},
        "connect_limit_seconds": 2,
        "wrap_up_seconds": 5,
    }
    base.update(overrides)
    return base


async def rig_with(
    tmp_path: Path,
    operators: list[str],
    phones: int,
    servers: tuple[str, ...] = ("default",),
    homes: dict[str, str] | None = None,
    **c: Any,
) -> tuple[Rig, int]:
    rig = build(tmp_path, servers)
    homes = homes or {}
    cid = rig.repo.add_campaign(campaign(**c))
    rig.repo.add_contacts(cid, [f"+1202555{i:04d}" for i in range(phones)])
    for login in operators:
        rig.repo.add_operator(login, homes.get(login))
    await rig.service.open_campaign(cid)
    await rig.log_in(cid, *operators)
    return rig, cid


async def test_pacing_places_what_decide_says(tmp_path: Path) -> None:
    rig, cid = await rig_with(tmp_path, ["op1", "op2"], phones=5)
    run = rig.service.runs[cid]
    assert [o.state for o in run.floor.operators.values()] == [OperatorState.READY, OperatorState.READY]
    decision = await rig.service.pace_once(run)
    assert decision.calls_to_place == 2  # progressive: one call per ready operator
    calls = rig.ari.originated()
    assert len(calls) == 2 and set(calls) == set(run.floor.calls)
    assert rig.repo.count_dialable(cid, rig.clock.now()) == 3  # two contacts leased, three left
    assert (await rig.service.pace_once(run)).calls_to_place == 0  # both operators have a call ringing
    await rig.service.close()


@pytest.mark.parametrize(
    ("dial_string", "formats"), [("Local/{number}@sim-customers", "ulaw"), ("PJSIP/{number}@carrier", "")]
)
async def test_a_local_call_is_originated_in_the_operators_codec(
    tmp_path: Path, dial_string: str, formats: str
) -> None:
    """Without formats Asterisk creates a Local channel in slin192 and resamples every frame of the call
    (ten times the CPU per call, bench/call_cost.py); a trunk negotiates its own codecs."""
    rig, cid = await rig_with(tmp_path, ["op1"], phones=1, dial_string=dial_string)
    await rig.service.pace_once(rig.service.runs[cid])
    (channel,) = rig.ari.originated()
    assert rig.ari.originate_formats[channel] == formats
    await rig.service.close()


async def test_an_answered_call_is_bridged_to_a_ready_operator(tmp_path: Path) -> None:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=1)
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    (channel,) = rig.ari.originated()
    await rig.answer(channel, "customer")
    (op,) = run.floor.operators.values()
    assert ("add_to_bridge", op.bridge_id, channel) in rig.ari.requests
    assert op.state is OperatorState.ON_CALL and run.floor.calls[channel].stage is CallStage.BRIDGED
    (attempt,) = rig.repo.attempts.values()
    assert attempt.values["operator_id"] == op.operator_id
    await rig.hang_up(channel)
    assert attempt.outcome is AttemptOutcome.CONNECTED and op.state is OperatorState.WRAP_UP
    await rig.service.close()


async def test_a_customer_hanging_up_while_waiting_is_an_abandon(tmp_path: Path) -> None:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=2, dialing={"mode": "ratio", "lines_per_operator": 2.0})
    rig.service.change_knobs(cid, {"compliance_guard": False})  # this test is about the call, not pacing
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    first, second = rig.ari.originated()
    await rig.answer(first, "customer")  # the one operator takes it
    await rig.answer(second, "customer")  # nobody free: waits
    assert run.floor.calls[second].stage is CallStage.WAITING
    await rig.hang_up(second)
    outcomes = {a.phone: a.outcome for a in rig.repo.attempts.values()}
    assert sorted(str(o) for o in outcomes.values()) == sorted([str(None), str(AttemptOutcome.ABANDONED)])
    assert run.abandoned == 1 and run.answered == 2
    assert rig.service.view.campaign(cid).abandoned == 1  # type: ignore[union-attr]
    await rig.service.close()


async def test_a_server_refusing_calls_backs_off_alone(tmp_path: Path) -> None:
    rig, cid = await rig_with(
        tmp_path,
        ["op1", "op2", "op3", "op4"],
        phones=20,
        servers=("default", "b"),
        homes={"op3": "b", "op4": "b"},
        dialing={"mode": "progressive"},
    )
    rig.aris["b"].refuse_originate = True
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    now = rig.clock.monotonic()
    refused = run.failed_originations
    assert refused >= 1 and rig.aris["default"].originated()  # the default server took its share
    assert {s.name: s.up for s in rig.service.pacing.server_loads(run, now)} == {"default": True, "b": False}
    assert sum(1 for o in rig.repo.outcomes() if o is AttemptOutcome.FAILED) == refused
    # during b's back-off nothing is offered to it; after it, b is open again
    rig.clock.advance(run.backoff.delay("b") + 0.1)
    loads = {s.name: s.up for s in rig.service.pacing.server_loads(run, rig.clock.monotonic())}
    assert loads == {"default": True, "b": True}
    # every server closed: pacing says so instead of placing
    run.backoff.close_until("default", rig.clock.monotonic() + 10)
    run.backoff.close_until("b", rig.clock.monotonic() + 10)
    decision = await rig.service.pace_once(run)
    assert decision.calls_to_place == 0 and "backing off" in decision.reason
    await rig.service.close()


async def test_a_live_target_above_the_profile_is_clamped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rig, cid = await rig_with(
        tmp_path,
        ["op1"],
        phones=3,
        compliance={"profile": "US"},
        caller_id="+12025550100",
        ring_timeout_seconds=20,
        dialing={"mode": "predictive", "target_abandon_rate": 0.01},
    )
    seen: list[PacingSnapshot] = []
    decide = pacing_loop.decide

    def spy(snapshot: PacingSnapshot) -> PacingDecision:
        seen.append(snapshot)
        return decide(snapshot)

    monkeypatch.setattr(pacing_loop, "decide", spy)
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    assert seen[-1].knobs.target_abandon_rate == 0.01  # stricter than the profile: kept

    change = rig.service.change_knobs(cid, {"target_abandon_rate": 0.5})  # what the admin console sends
    assert change is not None
    assert change.requested.target_abandon_rate == 0.5
    assert change.effective.target_abandon_rate == US.target_abandon_rate
    await rig.service.pace_once(run)
    assert seen[-1].knobs.target_abandon_rate == US.target_abandon_rate
    assert seen[-1].knobs.abandon_cap == US.abandon_cap
    view = rig.service.view.campaign(cid)
    assert view is not None and view.knobs.target_abandon_rate == US.target_abandon_rate
    assert view.requested_knobs.target_abandon_rate == 0.5
    assert not view.blended  # outbound only: the console refuses an inbound target for this run
    assert rig.service.change_knobs(999, {"paused": True}) is None  # not running here
    with pytest.raises(ValueError, match="unknown pacing knob"):
        rig.service.change_knobs(cid, {"target_abandon": 0.01})
    await rig.service.close()


async def test_a_campaign_another_process_paces_is_stood_by(tmp_path: Path) -> None:
    rig = build(tmp_path)
    cid = rig.repo.add_campaign(campaign())
    rig.repo.add_operator("op1")
    rig.leases.elsewhere.add(cid)
    assert await rig.service.start_campaign(cid) is None
    assert rig.service.standing_by(cid) and rig.service.view.campaign(cid) is None
    with pytest.raises(Exception, match="paced by another dialer process"):
        await rig.service.login(cid, "op1")
    await rig.service.close()


async def test_a_lost_server_fails_its_calls_and_logs_its_operators_in_again(tmp_path: Path) -> None:
    rig, cid = await rig_with(
        tmp_path,
        ["op1", "op2"],
        phones=2,
        servers=("default", "b"),
        homes={"op2": "b"},
        dialing={"mode": "progressive"},
    )
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    on_b = [c for c in run.floor.calls.values() if c.server == "b"]
    assert len(on_b) == 1 and len(run.floor.calls) == 2
    b = rig.aris["b"]
    b.up = False
    assert b.on_connection_change is not None
    await b.on_connection_change(False)
    lost = rig.repo.attempts[on_b[0].attempt_id]
    assert lost.outcome is AttemptOutcome.SYSTEM_FAILURE  # not abandoned: the customer did nothing wrong
    assert [c.server for c in run.floor.calls.values()] == ["default"]  # the other server's call lives on
    assert [o.login for o in run.floor.operators.values()] == ["op1"] and run.relogin == ["op2"]
    b.up = True
    await b.on_connection_change(True)
    assert run.relogin == [] and len(b.originated("agent,op2")) == 2  # the first log-in and this one
    await rig.service.close()


async def test_a_disposition_ends_wrap_up(tmp_path: Path) -> None:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=1)
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)
    (channel,) = rig.ari.originated()
    await rig.answer(channel, "customer")
    await rig.hang_up(channel)
    (op,) = run.floor.operators.values()
    assert op.state is OperatorState.WRAP_UP
    await rig.service.dispose(cid, "op1", "interested", "call back in spring")
    (attempt,) = rig.repo.attempts.values()
    assert attempt.disposition == "interested" and op.state is OperatorState.READY
    view = rig.service.view.operator("op1")
    assert view is not None and view[0] == cid and view[1].state_name == "ready"
    await rig.service.close()


async def test_pacing_sweeps_expired_leases_once_a_minute(tmp_path: Path) -> None:
    rig, cid = await rig_with(tmp_path, ["op1"], phones=3)
    run = rig.service.runs[cid]
    await rig.service.pace_once(run)  # the first step sweeps before it leases
    await rig.service.pace_once(run)
    assert len(rig.repo.sweeps) == 1
    rig.clock.advance(pacing_loop.LEASE_SWEEP_S)
    await rig.service.pace_once(run)
    assert len(rig.repo.sweeps) == 2
    swept_cid, owner, in_flight = rig.repo.sweeps[-1]
    # the calls this process has in flight are never reclaimed by its own sweep
    assert swept_cid == cid and owner == rig.service.node
    assert in_flight == {c.attempt_id for c in run.floor.calls.values()} and in_flight
