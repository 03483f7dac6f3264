"""Against the real lab Asterisk: what a restarted dialer needs from Asterisk is there.

1. A bridged call and a ringing one, listed through ARI by a *new* client after the first one went away
   (as after a dialer crash): the bridge with both channels, the attempt named by the channel variable set
   at originate, and the adoption planner adopting the conversation and following the ringing call.
2. Asterisk's own call records (asterisk_conf/cdr_custom.conf) read back for those calls and a busy one,
   reconciled: busy stays busy, no-answer stays no-answer, the conversation gets its real length.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import pytest

from dialer.adapters.cdr_file import read_cdr_csv
from dialer.adapters.recovery_startup import survey_servers
from dialer.lab import AsteriskLab
from dialer.lab.lab_config import LAB_ARI_PASSWORD, LAB_ARI_USER
from dialer.outcomes import AttemptOutcome
from dialer.recovery.adoption import CallAction, OpenSession, OperatorAction, plan_adoption
from dialer.recovery.reconcile import OpenAttempt, reconcile
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.telephony.ari import ATTEMPT_VARIABLE, AriClient, Event, attempt_variables
from tests.labkit import until

pytestmark = pytest.mark.lab

APP = "dialer-recovery-test"


def local(number: str) -> str:
    return f"Local/{number.lstrip('+')}@sim-customers"


@pytest.mark.parametrize("second_app", [APP, f"{APP}-other"], ids=["restart", "takeover"])
async def test_a_live_call_survives_the_client_and_its_records_reconcile(lab: AsteriskLab, second_app: str) -> None:
    """restart: the same application comes back; takeover: another process (its own application) lists the
    calls by their ids and subscribes to their events."""
    tag = uuid.uuid4().hex[:8]
    op_ch, bridge = f"agent-900-{tag}", f"opbridge-900-{tag}"
    talk, ring, busy = f"att-talk{tag}", f"att-ring{tag}", f"att-busy{tag}"
    ids = {talk: 901, ring: 902, busy: 903}
    started: set[str] = set()
    destroyed: dict[str, float] = {}

    async def on_event(event: Event) -> None:
        channel = (event.get("channel") or {}).get("id")
        if event.get("type") == "StasisStart":
            started.add(channel)
        elif event.get("type") == "ChannelDestroyed":
            destroyed[channel] = time.time()

    url = f"http://{lab.config.bind_addr}:{lab.config.ari_port}"
    first = AriClient(url, LAB_ARI_USER, LAB_ARI_PASSWORD, APP, on_event)
    await first.start()
    try:
        # an "operator" (a simulated person who stays 40 s) in their bridge, as the service logs one in
        await first.create_bridge(bridge, "operator test")
        await first.originate(
            local(sim_number(SimBehaviour.HUMAN, 0, 40)),
            channel_id=op_ch,
            other_channel_id=f"{op_ch}-2",
            app_args="agent,test",
            timeout_s=10,
        )
        await until(lambda: op_ch in started, 10)
        await first.add_to_bridge(bridge, op_ch)
        for channel_id, number, ring_timeout in (
            (talk, sim_number(SimBehaviour.HUMAN, 1, 6), 10),
            (ring, sim_number(SimBehaviour.NO_ANSWER, 0, 0), 8),
            (busy, sim_number(SimBehaviour.BUSY, 1, 0), 10),
        ):
            await first.originate(
                local(number),
                channel_id=channel_id,
                other_channel_id=f"{channel_id}-2",
                app_args="customer",
                timeout_s=ring_timeout,
                variables=attempt_variables(ids[channel_id]),
            )
        await until(lambda: talk in started, 10)
        await first.add_to_bridge(bridge, talk)
        bridged_at = time.time()
    finally:
        await first.close()  # the dialer "dies": its websocket is gone, Asterisk keeps the calls

    second = AriClient(url, LAB_ARI_USER, LAB_ARI_PASSWORD, second_app, on_event)
    await second.start()
    try:
        (inventory,) = await survey_servers({"default": second})
        channels = {c.id: c for c in inventory.channels}
        bridges = {b.id: b for b in inventory.bridges}
        assert set(bridges[bridge].channels) == {op_ch, talk}
        same_app = second_app == APP
        assert channels[talk].variables[ATTEMPT_VARIABLE] == "901" and channels[talk].in_application is same_app
        assert channels[ring].state == "Ringing" and channels[ring].variables[ATTEMPT_VARIABLE] == "902"
        assert channels[op_ch].in_application is same_app and channels[op_ch].state == "Up"
        if not same_app:
            await second.subscribe([talk, ring, op_ch], [bridge])

        now = datetime.now(UTC)
        attempts = [
            OpenAttempt(901, talk, answered_at=now, bridged_at=now, campaign_id=1),
            OpenAttempt(902, ring, campaign_id=1),
        ]
        session = OpenSession(90, 900, 1, op_ch, bridge)
        plan = plan_adoption([inventory], attempts, [session], connect_limits={1: 2.0}, now=now)
        actions = {c.channel_id: c.action for c in plan.calls}
        assert actions == {talk: CallAction.ADOPT_BRIDGED, ring: CallAction.FOLLOW_RINGING}
        (op,) = plan.operators
        assert (op.action, op.attempt_id) == (OperatorAction.ADOPT, 901)
        assert bridge not in {b for _, b, _ in plan.destroy_bridges}

        # the calls end on their own (talk after ~6 s, ring at its 8 s timeout); then the operator leaves
        await until(lambda: talk in destroyed and ring in destroyed, 25)  # busy may end while no client listens
        await second.hangup(op_ch)
        await second.destroy_bridge(bridge)
    finally:
        await second.close()

    path = lab.config.cdr_csv_path

    def records_in() -> bool:
        read = read_cdr_csv(path, channel_ids=set(ids))
        return {r.uniqueid for r in read.records} >= set(ids)

    await until(records_in, 10)
    read = read_cdr_csv(path, channel_ids=set(ids))
    assert all(r.attempt_id == ids[r.uniqueid] for r in read.records)
    open_ = [OpenAttempt(ids[c], c) for c in (talk, ring, busy)]
    by_id = {r.attempt_id: r for r in reconcile(open_, read.records)}
    assert by_id[903].outcome is AttemptOutcome.BUSY
    assert by_id[902].outcome is AttemptOutcome.NO_ANSWER
    conversation = by_id[901]
    assert conversation.outcome is AttemptOutcome.CONNECTED
    assert conversation.bridged_at is not None and conversation.ended_at is not None
    # the CDR's times agree with what ARI told us, to a fraction of a second
    assert abs(conversation.bridged_at.timestamp() - bridged_at) < 0.5
    assert abs(conversation.ended_at.timestamp() - destroyed[talk]) < 0.5
    assert conversation.talk_s is not None and 3.0 < conversation.talk_s < 9.0
    await asyncio.sleep(0)
