"""What the operators' softphones hear, from a packet capture on loopback (issue 15): when the first customer
audio reaches an operator after the customer answered.

`RtpCapture` runs Wireshark's `dumpcap` on `lo` (Debian package tshark) for Asterisk's SIP and its RTP
toward the softphones. `operator_streams` reads each operator's INVITE (the SDP names the Asterisk RTP port
that leg sends from), and `first_audible` finds the first packet of that stream whose audio is above a
level, after a given instant. Packet times are the kernel's, CEL's are Asterisk's `gettimeofday`: one host
clock, so they compare directly. Lab and bench code: reads files, runs a process.
"""

from __future__ import annotations

import bisect
import math
import re
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dialer.lab.lab_config import LabError

SILENCE_DBFS = -45.0  # quieter than this is silence (the lab's sounds and tones are far louder)
_LINKTYPES = {1: 14, 113: 16, 0: 4}  # ethernet (lo), Linux cooked, BSD loopback: bytes before the IP header
_TO_USER = re.compile(r"^(?:To|t):[^\n]*?sip:([^@;>\s]+)@", re.IGNORECASE | re.MULTILINE)
_CALL_ID = re.compile(r"^(?:Call-ID|i):\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_AUDIO_PORT = re.compile(r"^m=audio (\d+) ", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class UdpPacket:
    at: float  # epoch seconds
    src_port: int
    dst_port: int
    payload: bytes


def read_pcap(path: Path) -> Iterator[UdpPacket]:
    """The IPv4 UDP packets of a classic pcap file (dumpcap -P), in capture order."""
    data = path.read_bytes()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise LabError(f"{path}: not a pcap file (write it with dumpcap -P)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype not in _LINKTYPES:
        raise LabError(f"{path}: link type {linktype} is not read here")
    skip = _LINKTYPES[linktype]
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[pos : pos + 16])
        frame = data[pos + 16 : pos + 16 + caplen]
        pos += 16 + caplen
        ip = frame[skip:]
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0x0F) * 4
        src, dst = struct.unpack("!HH", ip[ihl : ihl + 4])
        yield UdpPacket(sec + frac / (1e9 if nano else 1e6), src, dst, ip[ihl + 8 :])


def operator_streams(packets: list[UdpPacket], sip_port: int = 5060) -> dict[str, list[int]]:
    """Per operator (the INVITE's To user), the Asterisk RTP ports its calls send from, in order: Asterisk
    calls the softphone, and its SDP offer's m=audio line is the port the operator's audio leaves from."""
    seen: dict[str, str] = {}  # Call-ID -> operator, one port per call
    out: dict[str, list[int]] = {}
    for p in packets:
        if p.src_port != sip_port or not p.payload.startswith(b"INVITE "):
            continue
        text = p.payload.decode("latin-1")
        user, call_id, port = _TO_USER.search(text), _CALL_ID.search(text), _AUDIO_PORT.search(text)
        if user is None or call_id is None or port is None or call_id.group(1) in seen:
            continue
        seen[call_id.group(1)] = user.group(1)
        out.setdefault(user.group(1), []).append(int(port.group(1)))
    return out


def _ulaw_table() -> list[int]:
    table = []
    for byte in range(256):
        u = ~byte & 0xFF
        t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
        table.append((0x84 - t) if u & 0x80 else (t - 0x84))
    return table


_ULAW = _ulaw_table()
_ALAW_PT, _ULAW_PT = 8, 0


def _alaw(byte: int) -> int:
    a = byte ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = t + 8 if seg == 0 else (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def rtp_level_dbfs(payload: bytes) -> float | None:
    """RMS level of one G.711 RTP packet in dBFS (None: not RTP, or another codec)."""
    if len(payload) <= 12 or payload[0] >> 6 != 2:
        return None
    pt = payload[1] & 0x7F
    header = 12 + 4 * (payload[0] & 0x0F)
    if payload[0] & 0x10 and len(payload) >= header + 4:  # header extension
        header += 4 + 4 * struct.unpack("!H", payload[header + 2 : header + 4])[0]
    audio = payload[header:]
    if not audio or pt not in (_ULAW_PT, _ALAW_PT):
        return None
    samples = [_ULAW[b] for b in audio] if pt == _ULAW_PT else [_alaw(b) for b in audio]
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    return 20 * math.log10(rms / 32768) if rms > 0 else -120.0


def streams(packets: list[UdpPacket]) -> dict[int, list[UdpPacket]]:
    """The packets by source port (one Asterisk RTP stream each), in time order."""
    out: dict[int, list[UdpPacket]] = {}
    for p in sorted(packets, key=lambda p: p.at):
        out.setdefault(p.src_port, []).append(p)
    return out


def first_audible(
    stream: list[UdpPacket], after: float, until: float, threshold_dbfs: float = SILENCE_DBFS, run: int = 3
) -> float | None:
    """The time of the first packet of a stream (`streams`) in [after, until) that starts `run` packets in a
    row louder than the threshold: a sound, not one stray frame (an operator's next call can start with one
    20 ms frame left over from the last one)."""
    start = bisect.bisect_left(stream, after, key=lambda p: p.at)
    loud: list[float] = []
    for p in stream[start:]:
        if p.at >= until:
            break
        level = rtp_level_dbfs(p.payload)
        if level is None:
            continue
        loud = [*loud, p.at] if level > threshold_dbfs else []
        if len(loud) >= run:
            return loud[0]
    return None


def first_packet(stream: list[UdpPacket], after: float, until: float, idle_s: float = 0.5) -> float | None:
    """The time of the first packet of a stream in [after, until), whatever its level, if the stream was
    idle for `idle_s` before `after` (None otherwise): Asterisk sends an operator alone in their bridge
    nothing, so after an idle gap the first packet is the customer's audio reaching the operator."""
    start = bisect.bisect_left(stream, after - idle_s, key=lambda p: p.at)
    for p in stream[start:]:
        if p.at >= until:
            return None
        if p.at < after:
            return None  # not idle: packets were flowing already
        if rtp_level_dbfs(p.payload) is not None:
            return p.at
    return None


@dataclass
class RtpCapture:
    """dumpcap on loopback for SIP and the RTP Asterisk sends from its port range, into a pcap file."""

    path: Path
    sip_port: int = 5060
    rtp_range: tuple[int, int] = (20000, 30000)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        if shutil.which("dumpcap") is None:
            raise LabError("dumpcap is not installed (Debian package tshark)")
        self.path.unlink(missing_ok=True)
        lo, hi = self.rtp_range
        command = ["dumpcap", "-q", "-P", "-i", "lo", "-B", "64", "-w", str(self.path)]
        command += ["-f", f"udp port {self.sip_port} or udp src portrange {lo}-{hi}"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while not self.path.exists() or self.path.stat().st_size < 24:  # the file header: capturing
            if self.process.poll() is not None or time.monotonic() > deadline:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                self.stop()
                raise LabError(f"dumpcap did not start: {err.strip()[:300]}")
            time.sleep(0.05)

    def stop(self) -> list[UdpPacket]:
        """Stop capturing; the packets captured."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        return list(read_pcap(self.path)) if self.path.exists() else []
