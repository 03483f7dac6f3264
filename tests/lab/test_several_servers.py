"""Two Asterisk servers (two lab instances in one chroot, their own ports), one campaign, operators homed
on each: calls are originated on both, every answered call is bridged on the server that carries it
(seen from each Asterisk's own ARI, not from the dialer's memory), and killing the second Asterisk
(-9) fails only its calls while the first keeps dialling."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path

import pytest

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.repository import Repository
from dialer.lab import AsteriskLab, LabConfig
from dialer.lab.lab_config import LAB_ARI_PASSWORD, LAB_ARI_USER
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.campaign import parse_campaign
from dialer.service.read_model import ServerView
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import campaign_definition, until

pytestmark = pytest.mark.lab

HOMES = {"op5": "default", "op6": "default", "op7": "b", "op8": "b"}


@pytest.fixture
def lab_b(lab: AsteriskLab) -> Iterator[AsteriskLab]:
    """The second Asterisk: same chroot, its own config, spool and ports (AMI 5039, ARI 8089, SIP 5070)."""
    second = AsteriskLab(lab.config.second("b"))
    second.start()
    yield second
    second.stop()


@pytest.fixture
def softphones_b(lab_b: AsteriskLab) -> Iterator[SoftphoneBank]:
    bank = SoftphoneBank(lab_b.config)
    yield bank
    bank.stop_all()


def _up(servers: list[ServerView]) -> dict[str, bool]:
    return {s.name: s.up for s in servers}


def ari_bridges(config: LabConfig) -> dict[str, set[str]]:
    """Bridge id -> channel ids, straight from that Asterisk's ARI."""
    token = b64encode(f"{LAB_ARI_USER}:{LAB_ARI_PASSWORD}".encode()).decode()
    url = f"http://{config.bind_addr}:{config.ari_port}/ari/bridges"
    req = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    with urllib.request.urlopen(req, timeout=2) as resp:
        return {b["id"]: set(b["channels"]) for b in json.load(resp)}


async def test_two_asterisk_servers(
    lab: AsteriskLab,
    lab_b: AsteriskLab,
    softphones: SoftphoneBank,
    softphones_b: SoftphoneBank,
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'servers.db'}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    definition = campaign_definition(dialing={"mode": "progressive"}, wrap_up_seconds=1)
    campaign_id = apply_campaign(repo, parse_campaign(definition))
    for login, home in HOMES.items():
        repo.ensure_operator(login, login, f"PJSIP/{login}")
        repo.set_operator_server(login, None if home == "default" else home)
    softphones.start_many([x for x, h in HOMES.items() if h == "default"])
    softphones_b.start_many([x for x, h in HOMES.items() if h == "b"])
    settings = lab.config.settings(
        database_url=url, recordings_dir=tmp_path / "recordings", asterisk_servers=[lab_b.config.server("b")]
    )
    # where Asterisk itself saw each customer channel bridged: channel id -> server
    seen_bridged: dict[str, str] = {}
    sampling = True

    async def sample_bridges() -> None:
        while sampling:
            for name, config in (("default", lab.config), ("b", lab_b.config)):
                try:
                    bridges = await asyncio.to_thread(ari_bridges, config)
                except OSError:
                    continue  # that server is down
                for bridge_id, channels in bridges.items():
                    if bridge_id.startswith("opbridge-"):
                        for channel in channels:
                            if not channel.startswith("agent-"):
                                seen_bridged.setdefault(channel, name)
            await asyncio.sleep(0.2)

    service = dialer_service(settings, repo)
    await service.start()
    sampler = asyncio.create_task(sample_bridges())
    pacing: asyncio.Task[None] | None = None
    try:
        run = await service.open_campaign(campaign_id)
        for login in HOMES:
            await service.login(campaign_id, login)
        await service.wait_logged_in(campaign_id, list(HOMES))
        assert {o.login: o.server for o in run.floor.operators.values()} == HOMES
        pacing = asyncio.create_task(service.run_campaign(campaign_id, until_done=False))

        # 1. short calls: four free operators, two per server, so the first four calls go two and two
        short = [sim_number(SimBehaviour.HUMAN, 1, 2, prefix=f"+7932{i}") for i in range(4)]
        repo.add_contact_list(campaign_id, "short", [{"phone": n} for n in short])
        await until(lambda: sum(a.outcome is not None for a in repo.attempts(campaign_id)) == 4, 60)
        await service.wait_idle()

        # 2. long calls, then the second Asterisk dies with two of them bridged on it
        long_calls = [sim_number(SimBehaviour.HUMAN, 1, 15, prefix=f"+7933{i}") for i in range(4)]
        repo.add_contact_list(campaign_id, "long", [{"phone": n} for n in long_calls])
        await until(lambda: sum(c.stage.value == "bridged" for c in run.floor.calls.values()) == 4, 40)
        on_b = {c.attempt_id for c in run.floor.calls.values() if c.server == "b"}
        assert len(on_b) == 2
        lab_b.kill()
        await until(lambda: not _up(service.view.servers())["b"], 10)
        assert _up(service.view.servers())["default"]
        assert {o.login for o in run.floor.operators.values()} == {"op5", "op6"}

        # 3. more contacts while b is down: all go to the first server's operators
        after = [sim_number(SimBehaviour.HUMAN, 1, 2, prefix=f"+7934{i}") for i in range(3)]
        repo.add_contact_list(campaign_id, "after", [{"phone": n} for n in after])
        await until(lambda: sum(a.outcome is not None for a in repo.attempts(campaign_id)) == 11, 90)
        pacing.cancel()
        await service.wait_idle()
    finally:
        if pacing is not None:
            pacing.cancel()
        sampling = False
        await sampler
        await service.close()

    attempts = {a.phone: a for a in repo.attempts(campaign_id)}
    operators = {repo.operator(x).id: x for x in HOMES}  # type: ignore[union-attr]
    # every connected call was bridged, in Asterisk's own view, on its operator's home server
    for phone in short + long_calls + after:
        a = attempts[phone]
        if a.outcome == "connected":
            assert a.operator_id is not None
            assert seen_bridged.get(a.channel_id) == HOMES[operators[a.operator_id]], phone
    servers_used = {seen_bridged[attempts[p].channel_id] for p in short}
    assert servers_used == {"default", "b"}
    assert all(attempts[p].outcome == "connected" for p in short)
    # the two calls on the dead server: system failure (not abandoned); the other two talked to the end
    assert {a.id: a.outcome for a in attempts.values() if a.id in on_b} == dict.fromkeys(on_b, "system_failure")
    assert sorted(attempts[p].outcome or "" for p in long_calls) == sorted(["connected"] * 2 + ["system_failure"] * 2)
    # the first server kept dialling: the later contacts reached op5/op6
    for phone in after:
        a = attempts[phone]
        assert a.outcome == "connected" and a.operator_id is not None
        assert HOMES[operators[a.operator_id]] == "default"
        assert seen_bridged[a.channel_id] == "default"
    # recordings of calls bridged on either server were found in that server's spool and stored
    recorded = {r.attempt_id for r in repo.recordings(campaign_id)}
    assert {attempts[p].id for p in short} <= recorded
