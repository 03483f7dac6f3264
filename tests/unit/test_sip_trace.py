"""bench/sip_trace.py on log lines shaped as the lab's Asterisk 22 writes them (logger.conf's date format,
PJSIP's logger, acl.c's failed lookups); the call below is the lost answer of docs/benchmarks.md: B answers
after A's ring timeout, A cancels, then acknowledges the crossing 200 OK."""

from __future__ import annotations

from bench.sip_trace import host_name_lookups, sip_messages, trunk_dialogs, trunk_rows

A_PORT, B_PORT = 5460, 5470


def sip(at: str, sent: bool, port: int, first: str, call_id: str, cseq: str) -> list[str]:
    way = "Transmitting" if sent else "Received"
    direction = "to" if sent else "from"
    return [
        f"[2026-12-05 23:24:{at}] VERBOSE[13651] res_pjsip_logger.c: <--- {way} SIP request (881 bytes) "
        f"{direction} UDP:127.0.0.1:{port} --->",
        first,
        "Via: SIP/2.0/UDP 127.0.0.1:5460;rport;branch=z9hG4bKPj1",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq}",
        "Content-Length:  0",
        "",
        "",
    ]


INVITE = "INVITE sip:79000038300000@127.0.0.1:5470 SIP/2.0"
A_LOG = [
    *sip("10.000", True, B_PORT, INVITE, "late", "100 INVITE"),
    *sip("10.500", True, B_PORT, INVITE, "late", "100 INVITE"),  # no 100 Trying within T1: retransmitted
    *sip("20.000", True, B_PORT, "CANCEL sip:79000038300000@127.0.0.1:5470 SIP/2.0", "late", "100 CANCEL"),
    *sip("20.050", False, B_PORT, "SIP/2.0 200 OK", "late", "100 INVITE"),
    *sip("21.000", True, B_PORT, "ACK sip:79000038300000@127.0.0.1:5470 SIP/2.0", "late", "100 ACK"),
    *sip("30.000", True, B_PORT, INVITE, "quick", "200 INVITE"),
    *sip("32.010", False, B_PORT, "SIP/2.0 200 OK", "quick", "200 INVITE"),
    *sip("32.011", True, B_PORT, "ACK sip:79000038300000@127.0.0.1:5470 SIP/2.0", "quick", "200 ACK"),
    *sip("33.000", True, 14600, "INVITE sip:op21@127.0.0.1:14600 SIP/2.0", "operator", "1 INVITE"),  # not the trunk
]
B_LOG = [
    *sip("15.000", False, A_PORT, INVITE, "late", "100 INVITE"),
    *sip("20.000", True, A_PORT, "SIP/2.0 180 Ringing", "late", "100 INVITE"),
    *sip("20.040", True, A_PORT, "SIP/2.0 200 OK", "late", "100 INVITE"),
    *sip("30.001", False, A_PORT, INVITE, "quick", "200 INVITE"),
    *sip("30.005", True, A_PORT, "SIP/2.0 180 Ringing", "quick", "200 INVITE"),
    *sip("32.005", True, A_PORT, "SIP/2.0 200 OK", "quick", "200 INVITE"),
]


def test_dialogs_follow_each_call_on_both_instances() -> None:
    a, b = sip_messages(A_LOG, B_PORT), sip_messages(B_LOG, A_PORT)
    assert {m.call_id for m in a} == {"late", "quick"}  # the operator's INVITE is on another port
    late, quick = trunk_dialogs(a, b)
    assert (late.call_id, late.a_invites, late.b_invite, late.b_ok) == (
        "late",
        2,
        late.a_invite + 5,
        late.a_invite + 10.04,
    )
    assert late.a_cancel is not None and late.a_ok is not None and late.a_cancel < late.a_ok
    assert quick.a_invites == 1 and quick.a_cancel is None


def test_rows_count_the_answers_that_arrived_after_the_ring_timeout() -> None:
    rows = dict(trunk_rows(trunk_dialogs(sip_messages(A_LOG, B_PORT), sip_messages(B_LOG, A_PORT))))
    assert rows["SIP dialogs A → B / INVITEs retransmitted by A"] == "2 / 1"
    assert (
        rows["200 OK sent by B / received by A / of those, A had already sent CANCEL (its ring timeout)"] == "2 / 2 / 1"
    )
    assert rows["INVITE sent by A → received by B, p50 / p90 / max"] == "1 / 5000 / 5000 ms"
    assert rows["B: INVITE received → 180 Ringing sent, p50 / p90 / max"] == "4 / 5000 / 5000 ms"


def test_lookups_are_counted_and_timed_by_thread() -> None:
    lines = [
        '[2026-12-05 23:03:16.503] ERROR[16273] netsock2.c: getaddrinfo("vm", "(null)", ...): Name or service not kn',
        "[2026-12-05 23:03:16.503] WARNING[16273] acl.c: Unable to lookup 'vm'",
        '[2026-12-05 23:03:16.504] ERROR[16274] netsock2.c: getaddrinfo("vm", "(null)", ...): Name or service not kn',
        '[2026-12-05 23:03:16.505] ERROR[16274] netsock2.c: getaddrinfo("A.ROOT-SERVERS.NET", "(null)", ...): x',
        '[2026-12-05 23:03:21.527] ERROR[16273] netsock2.c: getaddrinfo("A.ROOT-SERVERS.NET", "(null)", ...): x',
    ]
    found = host_name_lookups(lines)
    assert (found.failed, found.names) == (4, {"vm": 2, "A.ROOT-SERVERS.NET": 2})
    assert [round(s, 3) for s in found.timed_s] == [0.001, 5.024] and found.slow == 1
    assert host_name_lookups(["[2026-12-05 23:03:16.503] VERBOSE[1] pbx.c: nothing"]).failed == 0
