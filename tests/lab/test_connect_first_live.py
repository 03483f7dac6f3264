"""amd_connect_first on the lab (issue 15): every answer is bridged at once (Asterisk's CEL: ANSWER ->
BRIDGE_ENTER well under the 2 s limit) while AMD() runs on a snoop of the customer's voice in the dialplan;
a person's verdict changes nothing, a machine is flagged to the operator (tone, desk) and ends as a machine,
by the operator's key or by the timeout."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dialer.db.models import Attempt
from dialer.lab import AsteriskLab
from dialer.lab.cel import connects, ensure_cel, read_cel
from dialer.lab.softphones import SoftphoneBank
from dialer.outcomes import AttemptOutcome
from dialer.rules.connect_strategy import MACHINE_END_AFTER_S, MACHINE_TONE
from dialer.service import CampaignRun, DialerService
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import dial

pytestmark = pytest.mark.lab


async def test_connect_first_bridges_people_and_machines_at_once_and_ends_machines(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    ensure_cel(lab)
    person = sim_number(SimBehaviour.HUMAN, 1, 8, prefix="+79711")
    keyed = sim_number(SimBehaviour.MACHINE, 1, 20, prefix="+79712")  # the operator presses the key
    timed_out = sim_number(SimBehaviour.MACHINE, 2, 20, prefix="+79713")  # nobody does: the timeout
    keyed_at: list[str] = []
    played: list[tuple[str, str]] = []  # (channel, media) of every playback Asterisk accepted
    operator_channels: set[str] = set()

    def on_tick(service: DialerService, run: CampaignRun) -> None:
        ari = service.ctx.links.ari(service.ctx.links.default)
        if not getattr(ari, "spied", False):
            real = ari.play

            async def play(channel_id: str, media: str, playback_id: str) -> None:
                await real(channel_id, media, playback_id)  # Asterisk refusing it raises: not counted
                played.append((channel_id, media))

            setattr(ari, "play", play)  # noqa: B010 - a spy on the instance
            setattr(ari, "spied", True)  # noqa: B010
        operator_channels.update(run.floor.operators)
        for call in list(run.floor.calls.values()):
            if call.phone == keyed and call.facts.amd_status == "MACHINE" and call.operator and not keyed_at:
                keyed_at.append(call.channel_id)
                login = call.operator.login
                asyncio.get_running_loop().create_task(service.end_as_machine(run.config.campaign_id, login))

    run = await dial(
        lab,
        softphones,
        tmp_path,
        [person, keyed, timed_out],
        ["op17", "op18", "op19"],
        on_tick=on_tick,
        connect_strategy="amd_connect_first",
        amd=True,
        recording="none",
    )
    attempts = {a.phone: a for a in run.repo.attempts(run.campaign_id)}
    assert set(attempts) == {person, keyed, timed_out}
    cel = connects(read_cel(lab.config.cel_csv_path), [a.channel_id for a in attempts.values()])
    for a in attempts.values():
        c = cel[a.channel_id]
        assert c.latency_s is not None and c.latency_s < 1.0, (a.phone, c)  # bridged on answer, not on verdict
        assert a.bridged_at is not None and a.amd_at is not None and a.answered_at is not None
        assert a.amd_at > a.answered_at and a.ended_at is not None
    human = attempts[person]
    assert human.outcome == AttemptOutcome.CONNECTED.value and human.amd_status in ("HUMAN", "NOTSURE")
    for phone in (keyed, timed_out):
        a = attempts[phone]
        assert a.amd_status == "MACHINE", (phone, a.amd_status, a.amd_cause)
        assert a.outcome == AttemptOutcome.MACHINE.value
    assert keyed_at == [attempts[keyed].channel_id]  # the key was pressed on the flagged call

    # the machine nobody keyed ran to the timeout; the keyed one ended before it
    def after_verdict(a: Attempt) -> float:
        assert a.ended_at is not None and a.amd_at is not None
        return (a.ended_at - a.amd_at).total_seconds()

    assert after_verdict(attempts[timed_out]) >= MACHINE_END_AFTER_S - 0.5
    assert after_verdict(attempts[keyed]) < after_verdict(attempts[timed_out])
    # each machine was announced to the operator it reached by the tone, and nobody else heard it
    tones = [channel for channel, media in played if media == MACHINE_TONE]
    assert len(tones) == 2 and set(tones) <= operator_channels
