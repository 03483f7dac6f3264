"""Call control against the real Asterisk lab: real channels, real SIP softphones, real recordings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydub import AudioSegment

from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.service import CampaignRun, DialerService
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import dial
from tests.recordings.synth import goertzel_power

pytestmark = pytest.mark.lab


def _channels(path: Path) -> tuple[int, list[list[int]]]:
    stereo = AudioSegment.from_file(str(path))
    assert stereo.channels == 2
    return int(stereo.frame_rate), [list(ch.get_array_of_samples()) for ch in stereo.split_to_mono()]


async def test_answered_call_is_bridged_recorded_and_stored(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    number = sim_number(SimBehaviour.HUMAN, ring_s=1, talk_s=4, prefix="+79200")
    run = await dial(lab, softphones, tmp_path, [number], ["op11"])
    (attempt,) = run.repo.attempts(run.campaign_id)
    assert attempt.outcome == "connected"
    assert attempt.amd_status == "HUMAN"
    assert attempt.operator_id is not None
    assert attempt.hangup_cause == 16
    assert attempt.ringing_at and attempt.answered_at and attempt.bridged_at and attempt.ended_at
    assert attempt.originated_at <= attempt.ringing_at <= attempt.answered_at <= attempt.bridged_at <= attempt.ended_at
    (recording,) = run.repo.recordings(run.campaign_id)
    path = tmp_path / "recordings" / recording.path
    assert path.exists() and path.stat().st_size == recording.size_bytes > 44
    answered_s = (attempt.ended_at - attempt.answered_at).total_seconds()
    assert recording.duration_s == pytest.approx(answered_s, abs=1.0)  # from the answer on
    assert recording.format == "ogg" and recording.channels == 2
    # dead air: from the answer to the operator's first audio = the time AMD and bridging took
    connect_s = (attempt.bridged_at - attempt.answered_at).total_seconds()
    assert recording.dead_air_start_s == pytest.approx(connect_s, abs=0.1)
    # Stereo, each side on its own channel: the operator's softphone sends 1 kHz (left), the simulated
    # customer 440 Hz (right). Look at 3-5 s after the answer, when both are talking (the call lasts ~6 s).
    rate, (left, right) = _channels(path)
    tail = slice(3 * rate, 5 * rate)
    assert goertzel_power(left[tail], rate, 1000) > 20 * goertzel_power(left[tail], rate, 440)
    assert goertzel_power(right[tail], rate, 440) > 20 * goertzel_power(right[tail], rate, 1000)


async def test_unanswered_outcomes(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    expected = {
        sim_number(SimBehaviour.BUSY, 1, 0, prefix="+79201"): ("busy", 17),
        sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix="+79202"): ("no_answer", 19),
        sim_number(SimBehaviour.UNALLOCATED, 0, 0, prefix="+79203"): ("invalid_number", 1),
        sim_number(SimBehaviour.CONGESTION, 0, 0, prefix="+79204"): ("congestion", 34),
        sim_number(SimBehaviour.REJECTED, 1, 0, prefix="+79205"): ("rejected", 21),
        sim_number(SimBehaviour.MACHINE, 1, 5, prefix="+79206"): ("machine", None),
    }
    run = await dial(
        lab, softphones, tmp_path, list(expected), ["op12"], dialing={"mode": "ratio", "lines_per_operator": 6}
    )
    attempts = {a.phone: a for a in run.repo.attempts(run.campaign_id)}
    assert set(attempts) == set(expected)
    for phone, (outcome, cause) in expected.items():
        a = attempts[phone]
        assert a.outcome == outcome, phone
        if cause is not None:
            assert a.hangup_cause == cause, phone
        assert a.bridged_at is None and a.operator_id is None
    machine = attempts[sim_number(SimBehaviour.MACHINE, 1, 5, prefix="+79206")]
    assert machine.amd_status == "MACHINE" and machine.answered_at is not None
    no_answer = attempts[sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix="+79202")]
    rang = (no_answer.ended_at - no_answer.originated_at).total_seconds()
    assert 5.0 <= rang <= 8.0  # the campaign's 6 s ring timeout, enforced by Asterisk
    assert run.repo.recordings(run.campaign_id) == []


async def test_person_with_no_free_operator_is_abandoned(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    # The only operator goes on a break while the call rings: when the person answers nobody is
    # free, the 2 s connect limit runs out, they hear the abandon message and the call is abandoned.
    number = sim_number(SimBehaviour.HUMAN, 2, 8, prefix="+79207")
    paused: list[bool] = []

    def pause_when_ringing(service: DialerService, run: CampaignRun) -> None:
        if run.floor.calls and not paused:
            paused.append(True)
            asyncio.get_running_loop().create_task(service.pause(run.config.campaign_id, "op13", "break"))

    run = await dial(lab, softphones, tmp_path, [number], ["op13"], on_tick=pause_when_ringing, amd=False)
    (abandoned,) = run.repo.attempts(run.campaign_id)
    assert abandoned.outcome == "abandoned"
    assert abandoned.bridged_at is None and abandoned.operator_id is None and abandoned.answered_at
    assert abandoned.abandon_message_played is True  # the callee heard the recorded message
    waited = (abandoned.ended_at - abandoned.answered_at).total_seconds()
    assert waited >= 2.0  # the connect limit, then the message
    assert waited < 8.0  # hung up by us, not by the customer's 8 s of talk
    summary = run.repo.summary(run.campaign_id)
    assert (summary.bridged, summary.abandoned, summary.abandon_rate) == (0, 1, 1.0)
    assert run.repo.recordings(run.campaign_id) == []


async def test_on_demand_recording_starts_when_the_operator_asks(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    number = sim_number(SimBehaviour.HUMAN, 1, 8, prefix="+79209")
    asked: list[float] = []

    def record_after_a_while(service: DialerService, run: CampaignRun) -> None:
        bridged = [c for c in run.floor.calls.values() if c.stage.value == "bridged"]
        if bridged and not asked:
            asked.append(1.0)
            loop = asyncio.get_running_loop()
            loop.call_later(3.0, lambda: loop.create_task(service.record_now(run.config.campaign_id, "op14")))

    run = await dial(
        lab, softphones, tmp_path, [number], ["op14"], on_tick=record_after_a_while, amd=False, recording="on_demand"
    )
    (attempt,) = run.repo.attempts(run.campaign_id)
    assert attempt.outcome == "connected"
    (recording,) = run.repo.recordings(run.campaign_id)
    call_s = (attempt.ended_at - attempt.answered_at).total_seconds()
    assert 2.0 < recording.duration_s < call_s - 2.0  # from the operator's request on, not from the answer
    rate, (left, right) = _channels(tmp_path / "recordings" / recording.path)
    middle = slice(rate, 2 * rate)
    assert goertzel_power(left[middle], rate, 1000) > 20 * goertzel_power(left[middle], rate, 440)
    assert goertzel_power(right[middle], rate, 440) > 20 * goertzel_power(right[middle], rate, 1000)
