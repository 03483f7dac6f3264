"""The loopback capture reader of the connect benchmark (dialer.lab.rtp_capture) on a pcap built here: the
operator's Asterisk port from its INVITE, G.711 levels, and the first sound toward an operator (a stray loud
frame is not a sound)."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from dialer.lab.lab_config import LabError
from dialer.lab.rtp_capture import (
    SILENCE_DBFS,
    first_audible,
    first_packet,
    operator_streams,
    read_pcap,
    rtp_level_dbfs,
    streams,
)
from dialer.lab.softphones import _mulaw

INVITE = (
    "INVITE sip:127.0.0.1:15400 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060\r\n"
    "To: <sip:{user}@127.0.0.1>\r\nCall-ID: {call}\r\nContent-Type: application/sdp\r\n\r\n"
    "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio {port} RTP/AVP 0 8\r\n"
)


def udp_frame(src: int, dst: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", src, dst, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, b"\x7f\0\0\1", b"\x7f\0\0\1")
    return bytes(12) + b"\x08\x00" + ip + udp  # ethernet header, as dumpcap writes loopback


def rtp(level: float, pt: int = 0) -> bytes:
    """A 20 ms mu-law packet of a 440 Hz tone at `level` of full scale (0: digital silence)."""
    samples = [int(level * 32767 * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(160)]
    return bytes([0x80, pt]) + bytes(10) + bytes(_mulaw(s) for s in samples)


def write_pcap(path: Path, packets: list[tuple[float, bytes]]) -> Path:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for at, frame in packets:
        out += struct.pack("<IIII", int(at), round((at % 1) * 1e6), len(frame), len(frame)) + frame
    path.write_bytes(out)
    return path


def test_an_operator_hears_the_first_sound_not_a_stray_frame(tmp_path: Path) -> None:
    t0 = 1_800_000_000.0
    invite = INVITE.format(user="op21", call="a@b", port=20410).encode()
    other = INVITE.format(user="op22", call="c@d", port=24680).encode()
    frames = [(t0 - 5, udp_frame(5060, 15400, invite)), (t0 - 5, udp_frame(5060, 15400, other))]
    frames.append((t0 - 4.9, udp_frame(5060, 15400, invite)))  # a retransmission: the same call
    frames.append((t0 + 0.010, udp_frame(20410, 42000, rtp(0.2))))  # a stray frame of the last call
    frames += [(t0 + 0.030 + 0.02 * i, udp_frame(20410, 42000, rtp(0.0))) for i in range(3)]
    frames += [(t0 + 0.090 + 0.02 * i, udp_frame(20410, 42000, rtp(0.3))) for i in range(5)]
    frames.append((t0 + 0.020, udp_frame(24680, 42000, rtp(0.3))))  # another operator's stream
    packets = list(read_pcap(write_pcap(tmp_path / "c.pcap", frames)))

    assert operator_streams(packets) == {"op21": [20410], "op22": [24680]}
    stream = streams(packets)[20410]
    assert [p.at for p in stream] == sorted(p.at for p in stream)
    assert first_audible(stream, t0, t0 + 15) == pytest.approx(t0 + 0.090, abs=1e-5)
    assert first_audible(stream, t0, t0 + 15, run=1) == pytest.approx(t0 + 0.010, abs=1e-5)
    assert first_audible(stream, t0, t0 + 0.1) is None  # the sound had not begun by then
    assert first_audible(stream, t0 + 1, t0 + 15) is None
    # the stream was idle before the answer: its first packet, quiet or not, is the customer's audio
    assert first_packet(stream, t0, t0 + 15) == pytest.approx(t0 + 0.010, abs=1e-5)
    assert first_packet(stream, t0 + 0.05, t0 + 15) is None  # packets were already flowing then
    assert first_packet(stream, t0, t0 + 0.005) is None


def test_levels_of_g711_and_other_payloads() -> None:
    loud = rtp_level_dbfs(rtp(0.3))
    assert loud is not None and -17 < loud < -10  # a sine at 0.3 of full scale: about -13.5 dBFS
    quiet = rtp_level_dbfs(rtp(0.0))
    assert quiet is not None and quiet < SILENCE_DBFS
    alaw_silence = bytes([0x80, 8]) + bytes(10) + bytes([0xD5] * 160)
    level = rtp_level_dbfs(alaw_silence)
    assert level is not None and level < SILENCE_DBFS
    assert rtp_level_dbfs(bytes([0x80, 9]) + bytes(170)) is None  # G.722: not measured
    assert rtp_level_dbfs(b"SIP/2.0 200 OK\r\n") is None


def test_a_file_that_is_not_a_pcap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pcapng"
    path.write_bytes(b"\x0a\x0d\x0d\x0a" + bytes(40))
    with pytest.raises(LabError, match="not a pcap"):
        list(read_pcap(path))
