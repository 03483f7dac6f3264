"""The lab's customer trunk (asterisk_conf/pjsip_lab_trunk.conf.tmpl): simulated customers on a second
Asterisk reached as PJSIP/{number}@sim-trunk, the topology of a real carrier and the cheap one for load
runs (docs/benchmarks.md). Two instances of the benchmark kind on ports of their own, so the shared lab's
running configuration is not involved."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from dialer.lab import AsteriskLab, LabConfig
from dialer.lab.lab_config import LAB_ARI_PASSWORD, LAB_ARI_USER, TRUNK_CUSTOMERS
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.telephony.ari import AriClient

pytestmark = pytest.mark.lab

APP = "trunktest"


@pytest.fixture
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
