"""The lab's customer trunk (asterisk_conf/pjsip_lab_trunk.conf.tmpl): simulated customers on a second
Asterisk reached as PJSIP/{number}@sim-trunk, the topology of a real carrier and the cheap one for load
runs (docs/benchmarks.md). Two instances of the benchmark kind on ports of their own, so the shared lab's
running configuration is not involved.

A burst of simultaneous originates over the trunk must all be answered: at 40 operators most answers used
to arrive after the ring timeout, because each SIP call made Asterisk look its host name up in DNS (RTCP
set-up) on one of PJSIP's four task-pool threads, and a lost resolver query stalled a thread for 5 s."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from dialer.lab import AsteriskLab, LabConfig
from dialer.lab.asterisk import hosts_file_text
from dialer.lab.lab_config import LAB_ARI_PASSWORD, LAB_ARI_USER, TRUNK_CUSTOMERS
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.telephony.ari import AriClient

pytestmark = pytest.mark.lab

APP = "trunktest"


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[AsteriskLab, AsteriskLab]]:
    a, b = LabConfig(operators=1, ari_app=APP).private_pair("trunktest", 5538, 8588, 5560, 6000)
    labs = AsteriskLab(a), AsteriskLab(b)
    try:
        for lab in labs:
            lab.up()
        yield labs
    finally:
        for lab in labs:
            with contextlib.suppress(Exception):
                lab.stop()


async def test_customers_on_the_second_instance_answer_and_refuse_over_the_trunk(
    pair: tuple[AsteriskLab, AsteriskLab],
) -> None:
    a, b = pair
    events: list[dict[str, Any]] = []

    async def on_event(event: dict[str, Any]) -> None:
        events.append(event)

    def seen(kind: str, channel_id: str) -> dict[str, Any] | None:
        return next((e for e in events if e.get("type") == kind and e["channel"]["id"] == channel_id), None)

    async def wait_for(kind: str, channel_id: str) -> dict[str, Any]:
        for _ in range(200):
            found = seen(kind, channel_id)
            if found is not None:
                return found
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no {kind} for {channel_id}")

    ari = AriClient(f"http://{a.config.bind_addr}:{a.config.ari_port}", LAB_ARI_USER, LAB_ARI_PASSWORD, APP, on_event)
    await ari.start()
    try:
        human = sim_number(SimBehaviour.HUMAN, 0, 30).lstrip("+")
        await ari.originate(TRUNK_CUSTOMERS.format(number=human), channel_id="trunk-human", app_args="c", timeout_s=10)
        await wait_for("StasisStart", "trunk-human")  # answered by the customer on the second instance
        assert await ari.channel_variable("trunk-human", "CHANNEL(audionativeformat)") == "(ulaw)"
        customer_side = b.cli("core show channels concise") or ""
        assert "dialer-lab-trunk" in customer_side and "sim-kind-1" in customer_side
        await ari.hangup("trunk-human")
        await wait_for("ChannelDestroyed", "trunk-human")

        busy = sim_number(SimBehaviour.BUSY, 0, 0).lstrip("+")
        await ari.originate(TRUNK_CUSTOMERS.format(number=busy), channel_id="trunk-busy", app_args="c", timeout_s=10)
        destroyed = await wait_for("ChannelDestroyed", "trunk-busy")
        assert destroyed["cause"] == 17  # the customer's Hangup(17) arrives as SIP 486 and back as "busy"
        assert seen("StasisStart", "trunk-busy") is None
    finally:
        await ari.close()


BURST = 20  # a pacing step at 40 operators originates about this many calls at once


async def test_a_burst_of_trunk_calls_is_all_answered_with_no_host_name_lookups(
    pair: tuple[AsteriskLab, AsteriskLab],
) -> None:
    a = pair[0]
    hostname = socket.gethostname()
    # the chroot answers for this machine's name from its own files, never from DNS
    assert (a.root / "etc" / "hosts").read_text() == hosts_file_text(hostname)
    found = subprocess.run(
        ["chroot", str(a.root), "getent", "-s", "files", "hosts", hostname], capture_output=True, text=True
    )
    assert found.returncode == 0, f"{hostname} does not resolve from the chroot's files"
    logs = {lab.config.instance: lab.config.messages_log_path for lab in pair}
    offsets = {name: path.stat().st_size for name, path in logs.items()}

    started: dict[str, float] = {}
    destroyed: dict[str, int] = {}
    loop = asyncio.get_running_loop()

    async def on_event(event: dict[str, Any]) -> None:
        channel = event.get("channel", {}).get("id", "")
        if event.get("type") == "StasisStart":
            started.setdefault(channel, loop.time())
        elif event.get("type") == "ChannelDestroyed":
            destroyed[channel] = event.get("cause", -1)

    ari = AriClient(f"http://{a.config.bind_addr}:{a.config.ari_port}", LAB_ARI_USER, LAB_ARI_PASSWORD, APP, on_event)
    await ari.start()
    ids = [f"burst-{i}" for i in range(BURST)]
    try:
        number = sim_number(SimBehaviour.HUMAN, 1, 20).lstrip("+")  # rings 1 s, then answers
        t0 = loop.time()
        await asyncio.gather(
            *(
                ari.originate(TRUNK_CUSTOMERS.format(number=number), channel_id=cid, app_args="c", timeout_s=10)
                for cid in ids
            )
        )
        for _ in range(300):  # 15 s: the ring timeout and then some
            if len(started) == BURST or len(destroyed) == BURST:
                break
            await asyncio.sleep(0.05)
        unanswered = {cid: destroyed.get(cid) for cid in ids if cid not in started}
        assert not unanswered, f"never seen answered here (hang-up cause, None: still up): {unanswered}"
        slowest = max(started[cid] for cid in ids) - t0
        assert slowest < 10, f"the last answer arrived {slowest:.1f} s after the burst (ring time 1 s)"
    finally:
        for cid in ids:
            with contextlib.suppress(Exception):
                await ari.hangup(cid)
        await ari.close()
    for name, path in logs.items():
        with path.open() as fh:
            fh.seek(offsets[name])
            lookups = [line for line in fh if "getaddrinfo" in line or "Unable to lookup" in line]
        assert not lookups, f"instance {name} looked host names up during the burst: {lookups[:2]}"
