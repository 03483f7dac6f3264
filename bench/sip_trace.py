"""What happened on the customer trunk, from the two Asterisk instances' own logs (issue 20's lost answers).

The load benchmark's trunk runs (`--customers trunk --private`) read each instance's messages.log after
the run: how many host-name lookups Asterisk logged (a failed `getaddrinfo` per call means it asked DNS
for its own name: `ast_find_ourip` during RTCP set-up) and how many of them took seconds; with
`--sip-log` (PJSIP's logger on both instances) also, per SIP dialog from the dialer's Asterisk (A) to
the customers' (B), when each side sent and received the INVITE, 180, 200 OK, CANCEL and ACK. Pure
functions over log text: tests/unit/test_sip_trace.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bench.load_events import percentile

_STAMP = r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\] "
_SIP = re.compile(
    _STAMP + r"VERBOSE\[\d+\] res_pjsip_logger\.c: <--- (Received|Transmitting) SIP (?:request|response) "
    r"\(\d+ bytes\) (?:from|to) UDP:[\d.]+:(\d+) --->"
)
_LOOKUP = re.compile(_STAMP + r"ERROR\[(\d+)\][^:]*: getaddrinfo\(\"([^\"]+)\"")
SLOW_LOOKUP_S = 1.0  # a lookup answered from files or a working resolver takes milliseconds


def _at(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()


@dataclass(frozen=True)
class SipMessage:
    at: float
    sent: bool  # Transmitting (True) or Received
    first_line: str
    call_id: str
    cseq: str

    @property
    def is_invite_request(self) -> bool:
        return self.first_line.startswith("INVITE ")

    def is_response(self, code: int, method: str = "INVITE") -> bool:
        return self.first_line.startswith(f"SIP/2.0 {code} ") and self.cseq.endswith(f" {method}")


def sip_messages(lines: Iterable[str], peer_port: int) -> list[SipMessage]:
    """The messages PJSIP's logger shows exchanged with the peer on `peer_port` (the trunk's other end)."""
    out: list[SipMessage] = []
    head: tuple[float, bool, int] | None = None
    body: list[str] = []

    def flush() -> None:
        if head is None or head[2] != peer_port or not body:
            return
        headers = {k.strip().lower(): v.strip() for k, _, v in (b.partition(":") for b in body[1:]) if v}
        out.append(SipMessage(head[0], head[1], body[0].strip(), headers.get("call-id", ""), headers.get("cseq", "")))

    for line in lines:
        match = _SIP.match(line)
        if match:
            flush()
            head, body = (_at(match.group(1)), match.group(2) == "Transmitting", int(match.group(3))), []
        elif line.startswith("[") or not line.strip():
            flush()
            head, body = None, []
        elif head is not None:
            body.append(line.rstrip("\n"))
    flush()
    return out


@dataclass
class Lookups:
    """Host-name lookups that failed (Asterisk logs only those), and how long the A.ROOT-SERVERS.NET one
    that follows a failed own-name lookup took on the same thread (`ast_find_ourip`)."""

    failed: int = 0
    names: dict[str, int] = field(default_factory=dict)
    timed_s: list[float] = field(default_factory=list)

    @property
    def slow(self) -> int:
        return sum(1 for s in self.timed_s if s >= SLOW_LOOKUP_S)


def host_name_lookups(lines: Iterable[str]) -> Lookups:
    found = Lookups()
    last_on_thread: dict[str, float] = {}
    for line in lines:
        match = _LOOKUP.match(line)
        if not match:
            continue
        at, thread, name = _at(match.group(1)), match.group(2), match.group(3)
        found.failed += 1
        found.names[name] = found.names.get(name, 0) + 1
        if name == "A.ROOT-SERVERS.NET" and thread in last_on_thread:
            found.timed_s.append(at - last_on_thread[thread])
        last_on_thread[thread] = at
    return found


@dataclass
class TrunkDialog:
    """One call from A to B, on both instances' clocks (one machine: one clock)."""

    call_id: str
    a_invite: float
    a_invites: int = 1  # with retransmissions: B sent no provisional response within T1 (500 ms)
    b_invite: float | None = None
    b_ringing: float | None = None
    b_ok: float | None = None
    a_ok: float | None = None
    a_cancel: float | None = None
    a_ack: float | None = None


def trunk_dialogs(a: list[SipMessage], b: list[SipMessage]) -> list[TrunkDialog]:
    """A's INVITE dialogs to B, with what each side logged for them."""
    by_call: dict[str, TrunkDialog] = {}
    for m in a:
        if m.sent and m.is_invite_request:
            if m.call_id in by_call:
                by_call[m.call_id].a_invites += 1
            else:
                by_call[m.call_id] = TrunkDialog(m.call_id, m.at)
    seen_b: dict[str, list[SipMessage]] = defaultdict(list)
    for m in b:
        seen_b[m.call_id].append(m)

    for d in by_call.values():
        theirs = seen_b.get(d.call_id, [])
        d.b_invite = next((m.at for m in theirs if not m.sent and m.is_invite_request), None)
        d.b_ringing = next((m.at for m in theirs if m.sent and m.is_response(180)), None)
        d.b_ok = next((m.at for m in theirs if m.sent and m.is_response(200)), None)
    for m in a:
        found = by_call.get(m.call_id)
        if found is None:
            continue
        d = found
        if not m.sent and m.is_response(200) and d.a_ok is None:
            d.a_ok = m.at
        elif m.sent and m.first_line.startswith("CANCEL ") and d.a_cancel is None:
            d.a_cancel = m.at
        elif m.sent and m.first_line.startswith("ACK ") and d.a_ack is None:
            d.a_ack = m.at
    return sorted(by_call.values(), key=lambda d: d.a_invite)


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return " / ".join(f"{percentile(ordered, q) * 1000:.0f}" for q in (50, 90)) + f" / {ordered[-1] * 1000:.0f} ms"


def trunk_rows(dialogs: list[TrunkDialog]) -> list[tuple[str, str]]:
    """The report's rows for the SIP trace."""
    answered = [d for d in dialogs if d.b_ok is not None]
    late = [d for d in answered if d.a_cancel is not None]
    retransmitted = sum(1 for d in dialogs if d.a_invites > 1)
    return [
        (
            "SIP dialogs A → B / INVITEs retransmitted by A",
            f"{len(dialogs)} / {retransmitted}",
        ),
        (
            "INVITE sent by A → received by B, p50 / p90 / max",
            _ms([d.b_invite - d.a_invite for d in dialogs if d.b_invite is not None]),
        ),
        (
            "B: INVITE received → 180 Ringing sent, p50 / p90 / max",
            _ms([d.b_ringing - d.b_invite for d in dialogs if d.b_ringing is not None and d.b_invite is not None]),
        ),
        (
            "200 OK sent by B / received by A / of those, A had already sent CANCEL (its ring timeout)",
            f"{len(answered)} / {sum(1 for d in answered if d.a_ok is not None)} / {len(late)}",
        ),
        (
            "A: 200 OK received → ACK sent, p50 / p90 / max",
            _ms([d.a_ack - d.a_ok for d in answered if d.a_ack is not None and d.a_ok is not None]),
        ),
    ]
