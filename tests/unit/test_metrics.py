"""The Prometheus exposition of a running dialer's live state (read through the service's read model)."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from dialer.floor import CallStage, LiveCall, LiveOperator
from dialer.metrics import metrics_app, render_metrics
from dialer.pacing import OperatorState
from dialer.service import CampaignRun, ReadModel
from tests.service.fakes import InlineWorker, build
from tests.unit.test_campaign_config import _config


def test_metrics_describe_the_floor(tmp_path: Path) -> None:
    rig = build(tmp_path)
    rig.ari.up = False
    run = CampaignRun(_config(caller_id="+12025550100", ring_timeout_seconds=20))
    runs = {1: run}
    for i, state in enumerate((OperatorState.READY, OperatorState.ON_CALL, None)):
        op = LiveOperator(i, f"op{i}", "PJSIP/x", i, f"agent-{i}", f"b-{i}", state=state)
        run.floor.operators[op.channel_id] = op
    for i, stage in enumerate((CallStage.RINGING, CallStage.RINGING, CallStage.BRIDGED)):
        call = LiveCall(i, i, f"att-{i}", "+1", 0.0, stage=stage)
        run.floor.calls[call.channel_id] = call
    run.dialled, run.answered, run.abandoned = 10, 4, 1
    run.ledger.record(1_800_000_000.0, abandoned=False)
    view = ReadModel(runs, rig.service.links, InlineWorker())

    text = render_metrics(view)
    assert 'dialer_calls_in_flight{campaign="c",stage="ringing"} 2' in text
    assert 'dialer_operators{campaign="c",state="connecting"} 1' in text
    assert 'dialer_lines_per_operator{campaign="c"} 1.5' in text  # 3 calls, 2 available operators
    assert 'dialer_abandoned_total{campaign="c"} 1' in text
    assert 'dialer_ari_connected{server="default"} 0' in text and "dialer_database_available 1" in text
    assert 'dialer_server_lines{server="default"} 0' in text  # the calls above are on no named server
    assert all(line.startswith("#") or line.startswith("dialer_") for line in text.strip().splitlines())

    r = TestClient(metrics_app(view)).get("/metrics")
    assert r.status_code == 200 and r.text == render_metrics(view)


def test_metrics_are_per_asterisk_server(tmp_path: Path) -> None:
    rig = build(tmp_path, servers=("default", "b"), max_lines={"b": 30})
    for ari in rig.aris.values():
        ari.up = False
    run = CampaignRun(_config(caller_id="+12025550100", ring_timeout_seconds=20))
    for i, server in enumerate(("b", "b", "default")):
        call = LiveCall(i, i, f"att-{i}", "+1", 0.0, stage=CallStage.RINGING, server=server)
        run.floor.calls[call.channel_id] = call
    rig.aris["b"].reconnects = 3

    text = render_metrics(ReadModel({1: run}, rig.service.links, InlineWorker()))
    assert 'dialer_ari_connected{server="default"} 0' in text and 'dialer_ari_connected{server="b"} 0' in text
    assert 'dialer_ari_reconnects_total{server="b"} 3' in text
    assert 'dialer_ari_reconnects_total{server="default"} 0' in text
    assert 'dialer_server_lines{server="b"} 2' in text and 'dialer_server_lines{server="default"} 1' in text
    assert 'dialer_server_max_lines{server="b"} 30' in text
    assert 'dialer_server_max_lines{server="default"}' not in text  # no limit set
