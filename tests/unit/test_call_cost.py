"""bench/call_cost.py's arithmetic: CPU per concurrent call is the window's CPU less the idle floor's, per
call-second; the private instances share no port with the shared lab."""

from __future__ import annotations

import pytest

from bench.call_cost import per_call, private_pair


def test_per_call_takes_out_the_idle_floor() -> None:
    # 12 calls for 30 s: 3.6 s of CPU, of which 0.02 cores x 30 s idle -> (3.6 - 0.6) / 360 call-seconds
    assert per_call(3.6, 0.02, 12, 30) == pytest.approx(3.0 / 360)


def test_per_call_never_negative_and_refuses_empty_windows() -> None:
    assert per_call(0.1, 0.02, 12, 30) == 0.0  # less than the idle floor: noise, not a negative cost
    with pytest.raises(ValueError):
        per_call(1.0, 0.0, 0, 30)
    with pytest.raises(ValueError):
        per_call(1.0, 0.0, 12, 0)


def test_private_instances_are_apart_from_the_shared_lab_and_joined_by_the_trunk() -> None:
    a, b = private_pair(12)
    shared = {5038, 5039, 8088, 8089, 5060, 5070}
    assert not {a.ami_port, a.ari_port, a.sip_port, b.ami_port, b.ari_port, b.sip_port} & shared
    assert a.peer_sip_port == b.sip_port and b.peer_sip_port == a.sip_port
    assert a.rtp_end < b.rtp_start and b.rtp_end < 20000  # the shared lab's RTP starts at 20000
    assert a.instance != b.instance and "" not in (a.instance, b.instance)
