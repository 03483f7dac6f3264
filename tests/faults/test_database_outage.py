"""PostgreSQL stopped in the middle of a call and started again: the outcome written meanwhile is
buffered and lands once (no loss, no duplicate), and no call is originated while the database is away."""

from __future__ import annotations

import asyncio
import glob
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.db import migrate, repository_for
from dialer.db.models import OperatorStateChange
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import campaign_definition, until

pytestmark = [pytest.mark.lab, pytest.mark.postgres]


class PrivateCluster:
    """A throw-away PostgreSQL cluster of our own, so the test may stop and start it."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        assert bins, "PostgreSQL server binaries not installed (scripts/test.sh installs them)"
        self.bin = Path(bins[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="dialer-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")

    def _as_postgres(self, *cmd: str) -> None:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)], check=True, capture_output=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = f"'-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1'"
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.dir / "data"),
            "-o",
            opts,
            "-w",
            "start",
            "-l",
            str(self.dir / "log"),
        )

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    c = PrivateCluster()
    c.start()
    yield c
    subprocess.run(
        ["su", "postgres", "-s", "/bin/sh", "-c", f"{c.bin / 'pg_ctl'} -D {c.dir / 'data'} -m immediate stop"],
        capture_output=True,
    )
    shutil.rmtree(c.dir, ignore_errors=True)


async def test_database_outage_mid_call(
    lab: AsteriskLab, softphones: SoftphoneBank, cluster: PrivateCluster, tmp_path: Path
) -> None:
    migrate(cluster.url)
    repo = repository_for(cluster.url)
    campaign_id = apply_campaign(repo, parse_campaign(campaign_definition(name="outage", amd=False, recording="none")))
    first = sim_number(SimBehaviour.HUMAN, 1, 6, prefix="+79700")
    second = sim_number(SimBehaviour.HUMAN, 1, 2, prefix="+79701")
    repo.add_contact_list(campaign_id, "l", [{"phone": first}, {"phone": second}])
    repo.ensure_operator("op19", "op19", "PJSIP/op19")
    softphones.start("op19")
    service = dialer_service(lab.config.settings(database_url=cluster.url, recordings_dir=tmp_path), repo)
    await service.start()
    try:
        run = await service.open_campaign(campaign_id)
        await service.login(campaign_id, "op19")
        await service.wait_logged_in(campaign_id, ["op19"])
        pacing = asyncio.create_task(service.run_campaign(campaign_id, until_done=False))
        await until(lambda: any(c.stage.value == "bridged" for c in run.floor.calls.values()), 20)

        await asyncio.to_thread(cluster.stop)
        await until(lambda: not run.floor.calls, 20)  # the call ended while the database was away
        await asyncio.sleep(2.0)
        assert not service.db.available
        assert not run.floor.calls  # nothing originated meanwhile: leasing needs the database

        await asyncio.to_thread(cluster.start)
        await until(lambda: service.db.available, 30)
        await until(
            lambda: len(repo.attempts(campaign_id)) == 2 and all(a.outcome for a in repo.attempts(campaign_id)), 40
        )
        pacing.cancel()
        await service.wait_idle()
    finally:
        await service.close()
    attempts = repo.attempts(campaign_id)
    assert [(a.phone, a.outcome) for a in attempts] == [(first, "connected"), (second, "connected")]
    assert service.db.outages == 1
    with repo.sessions() as s:
        states = [(c.session_id, c.state, c.at) for c in s.scalars(select(OperatorStateChange))]
    assert len(states) == len(set(states))  # no write landed twice
