"""The dialer process killed (-9) mid-call: a new process ends what it left in Asterisk and gives
every open attempt exactly one final outcome."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.config import PROJECT_ROOT, Settings
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.telephony.ami import AmiClient
from tests.labkit import campaign_definition

pytestmark = pytest.mark.lab


def _wait(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.1)


async def test_dialer_killed_mid_call(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    apply_campaign(repo, parse_campaign(campaign_definition(name="crash", amd=False, recording=True)))
    campaign_id = repo.campaign_by_name("crash").id  # type: ignore[union-attr]
    talking = sim_number(SimBehaviour.HUMAN, 1, 90, prefix="+79320")
    repo.add_contact_list(campaign_id, "l", [{"phone": talking}])
    repo.ensure_operator("op17", "op17", "PJSIP/op17")
    softphones.start("op17")

    settings = lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec")
    proc = _serve(lab, url, tmp_path, "crash", "op17")
    try:
        _wait(lambda: any(a.bridged_at for a in repo.attempts(campaign_id)), 30)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    (attempt,) = repo.attempts(campaign_id)
    assert attempt.outcome is None  # the killed process never finished it

    assert attempt.channel_id in await _channels(settings)  # the customer is still on the line
    service = dialer_service(settings, repo)
    await service.start()  # reconciles
    try:
        await asyncio.sleep(0.5)
        assert not [b for b in await service.ari.bridge_ids() if b.startswith("opbridge-")]
    finally:
        await service.close()
    assert not [c for c in await _channels(settings) if c.startswith(("att-", "agent-"))]
    (attempt,) = repo.attempts(campaign_id)
    assert attempt.outcome == "system_failure"
    assert repo.count_dialable(campaign_id, attempt.originated_at) == 0  # not dialled again


def test_sigterm_lets_the_live_call_finish(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drain.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    apply_campaign(repo, parse_campaign(campaign_definition(name="drain", amd=False, recording=False)))
    campaign_id = repo.campaign_by_name("drain").id  # type: ignore[union-attr]
    talking = sim_number(SimBehaviour.HUMAN, 1, 6, prefix="+79321")
    later = sim_number(SimBehaviour.HUMAN, 1, 6, prefix="+79322")
    repo.add_contact_list(campaign_id, "l", [{"phone": talking}, {"phone": later}])
    repo.ensure_operator("op20", "op20", "PJSIP/op20")
    softphones.start("op20")
    proc = _serve(lab, url, tmp_path, "drain", "op20")
    try:
        _wait(lambda: any(a.bridged_at for a in repo.attempts(campaign_id)), 30)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    (attempt,) = repo.attempts(campaign_id)  # the second contact was never dialled
    assert attempt.phone == talking and attempt.outcome == "connected"  # finished, not cut off
    assert (attempt.ended_at - attempt.bridged_at).total_seconds() > 4


def _serve(lab: AsteriskLab, url: str, tmp_path: Path, campaign: str, login: str) -> subprocess.Popen[bytes]:
    settings = lab.config.settings(database_url=url, recordings_dir=tmp_path / "rec")
    env = {
        **os.environ,
        "DIALER_DATABASE_URL": url,
        "DIALER_ARI_URL": settings.ari_url,
        "DIALER_ARI_PASSWORD": settings.ari_password.get_secret_value(),  # type: ignore[union-attr]
        "DIALER_AMI_PORT": str(settings.ami_port),
        "DIALER_AMI_PASSWORD": settings.ami_password.get_secret_value(),  # type: ignore[union-attr]
        "DIALER_RECORDING_SPOOL_DIR": str(settings.recording_spool_dir),
        "DIALER_RECORDINGS_DIR": str(tmp_path / "rec"),
    }
    return subprocess.Popen(
        [str(PROJECT_ROOT / ".venv/bin/dialer"), "serve", "--campaign", campaign, "--login", login],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def _channels(settings: Settings) -> list[str]:
    """Asterisk's own channel inventory, over AMI."""
    ami = AmiClient(settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_password.get_secret_value())  # type: ignore[union-attr]
    await ami.connect()
    try:
        return [c["Uniqueid"] for c in await ami.channels()]
    finally:
        await ami.close()
