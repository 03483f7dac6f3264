"""The Prometheus exposition of a running dialer's live state."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from dialer.config import AsteriskServer, Settings
from dialer.db import migrate, repository_for
from dialer.floor import CallStage, LiveCall, LiveOperator
from dialer.metrics import metrics_app, render_metrics
from dialer.pacing import OperatorState
from dialer.service import CampaignRun, DialerService
from tests.unit.test_campaign_config import _config


def test_metrics_describe_the_floor(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    settings = Settings(database_url=url, ari_password="x", ami_password="y")
    service = DialerService(settings, repository_for(url))
    run = CampaignRun(_config(caller_id="+12025550100", ring_timeout_seconds=20))
    service.runs[1] = run
    for i, state in enumerate((OperatorState.READY, OperatorState.ON_CALL, None)):
        op = LiveOperator(i, f"op{i}", "PJSIP/x", i, f"agent-{i}", f"b-{i}", state=state)
        run.floor.operators[op.channel_id] = op
    for i, stage in enumerate((CallStage.RINGING, CallStage.RINGING, CallStage.BRIDGED)):
        call = LiveCall(i, i, f"att-{i}", "+1", 0.0, stage=stage)
        run.floor.calls[call.channel_id] = call
    run.dialled, run.answered, run.abandoned = 10, 4, 1
    run.ledger.record(1_800_000_000.0, abandoned=False)

    text = render_metrics(service)
    assert 'dialer_calls_in_flight{campaign="c",stage="ringing"} 2' in text
    assert 'dialer_operators{campaign="c",state="connecting"} 1' in text
    assert 'dialer_lines_per_operator{campaign="c"} 1.5' in text  # 3 calls, 2 available operators
    assert 'dialer_abandoned_total{campaign="c"} 1' in text
    assert 'dialer_ari_connected{server="default"} 0' in text and "dialer_database_available 1" in text
    assert 'dialer_server_lines{server="default"} 0' in text  # the calls above are on no named server
    assert all(line.startswith("#") or line.startswith("dialer_") for line in text.strip().splitlines())

    r = TestClient(metrics_app(service)).get("/metrics")
    assert r.status_code == 200 and r.text == render_metrics(service)
    service.db.close()


def test_metrics_are_per_asterisk_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    second = AsteriskServer(
        name="b", ari_url="http://127.0.0.1:8089", ari_password="x", ami_port=5039, ami_password="y", max_lines=30
    )
    settings = Settings(database_url=url, ari_password="x", ami_password="y", asterisk_servers=[second])
    service = DialerService(settings, repository_for(url))
    run = CampaignRun(_config(caller_id="+12025550100", ring_timeout_seconds=20))
    service.runs[1] = run
    for i, server in enumerate(("b", "b", "default")):
        call = LiveCall(i, i, f"att-{i}", "+1", 0.0, stage=CallStage.RINGING, server=server)
        run.floor.calls[call.channel_id] = call
    service.links["b"].ari.reconnects = 3

    text = render_metrics(service)
    assert 'dialer_ari_connected{server="default"} 0' in text and 'dialer_ari_connected{server="b"} 0' in text
    assert 'dialer_ari_reconnects_total{server="b"} 3' in text
    assert 'dialer_ari_reconnects_total{server="default"} 0' in text
    assert 'dialer_server_lines{server="b"} 2' in text and 'dialer_server_lines{server="default"} 1' in text
    assert 'dialer_server_max_lines{server="b"} 30' in text
    assert 'dialer_server_max_lines{server="default"}' not in text  # no limit set
    service.db.close()
