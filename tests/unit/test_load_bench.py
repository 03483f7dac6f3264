"""The load benchmark's figures from Asterisk's events (bench/load_events.py), on events shaped as the
lab's AMI sends them (recorded by bench/ami_recorder.py during a run: the fields it keeps)."""

from __future__ import annotations

import math

import pytest

from bench.load_events import (
    CallLedger,
    Component,
    Spread,
    asterisk_thread_functions,
    foreign_channels,
    judge_limit,
    machine_busy_fraction,
    parse_ami_block,
    percentile,
    proc_cpu_seconds,
    proc_status_mb,
    window,
)

T0 = 1795930563.0
BRIDGED = "att-5f0c1e9a2b7d4c1e8f3a6b2d9e0c7a41"
ABANDONED = "att-0b6e2d1c9a8f4e7d6c5b4a3928171605"
NO_ANSWER = "att-9d8c7b6a5f4e3d2c1b0a998877665544"
AGENT = "agent-1-1795930563942"
OPBRIDGE = "opbridge-1-1c2d3e4f5a6b"


def ev(kind: str, at: float, uid: str, channel: str, state: str, **extra: str) -> dict[str, str]:
    return {"Event": kind, "Timestamp": f"{T0 + at:.6f}", "Uniqueid": uid, "Channel": channel,
            "ChannelState": state, **extra}  # fmt: skip


def local(uid: str, half: int) -> str:
    return f"Local/79000001{uid[-6:]}@sim-customers-0000002{half};{half}"


EVENTS = [
    # the operator logs in: their softphone answers and joins their own bridge (not a customer)
    ev("Newchannel", 0.0, AGENT, "PJSIP/op21-0000001d", "0"),
    ev("Newstate", 0.004, AGENT, "PJSIP/op21-0000001d", "6"),
    ev("BridgeEnter", 0.010, AGENT, "PJSIP/op21-0000001d", "6", BridgeUniqueid=OPBRIDGE),
    # a person answers after ringing and is bridged 31.5 ms later
    ev("Newchannel", 1.0, BRIDGED, local(BRIDGED, 1), "0"),
    ev("Newchannel", 1.0001, f"{BRIDGED}-2", local(BRIDGED, 2), "4"),
    ev("Newstate", 1.001, BRIDGED, local(BRIDGED, 1), "5"),
    ev("Newstate", 4.002, f"{BRIDGED}-2", local(BRIDGED, 2), "6"),
    ev("Newstate", 4.0025, BRIDGED, local(BRIDGED, 1), "6"),
    ev("BridgeEnter", 4.034, BRIDGED, local(BRIDGED, 1), "6", BridgeUniqueid=OPBRIDGE),
    # a second BridgeEnter (e.g. moved) does not move the first one
    ev("BridgeEnter", 9.0, BRIDGED, local(BRIDGED, 1), "6", BridgeUniqueid="opbridge-7-aaaaaaaaaaaa"),
    # a person answers and nobody is free: a holding bridge is not an operator's
    ev("Newchannel", 2.0, ABANDONED, local(ABANDONED, 1), "0"),
    ev("Newstate", 5.0, ABANDONED, local(ABANDONED, 1), "6"),
    ev("BridgeEnter", 5.1, ABANDONED, local(ABANDONED, 1), "6", BridgeUniqueid="holding-1"),
    ev("Hangup", 9.5, ABANDONED, local(ABANDONED, 1), "6", Cause="16"),
    # rings out
    ev("Newchannel", 3.0, NO_ANSWER, local(NO_ANSWER, 1), "0"),
    ev("Newstate", 3.001, NO_ANSWER, local(NO_ANSWER, 1), "5"),
    ev("Hangup", 13.0, NO_ANSWER, local(NO_ANSWER, 1), "5", Cause="19"),
    ev("Hangup", 34.0, BRIDGED, local(BRIDGED, 1), "6", Cause="16"),
    # another job's call on the same Asterisk
    ev("Newchannel", 6.0, "1795930569.77", "PJSIP/op12-00000031", "0"),
]
CUSTOMERS = {BRIDGED, ABANDONED, NO_ANSWER}


def test_ledger_counts_customers_only() -> None:
    ledger = CallLedger.from_events(EVENTS, CUSTOMERS)
    assert (ledger.placed, ledger.answered, ledger.bridged, ledger.answered_not_bridged) == (3, 2, 1, 1)
    assert ledger.ignored == 6  # the operator's three, the Local ;2 half's two, the other job's one
    assert ledger.channels[NO_ANSWER].cause == 19
    assert ledger.channels[BRIDGED].bridge_id == OPBRIDGE
    assert ledger.call_seconds() == pytest.approx((34.0 - 1.0) + (9.5 - 2.0) + (13.0 - 3.0))


def test_latency_is_answer_to_first_operator_bridge_on_asterisks_clock() -> None:
    (latency,) = CallLedger.from_events(EVENTS, CUSTOMERS).answer_to_bridge_s()
    assert latency == pytest.approx(0.0315, abs=1e-6)


def test_events_without_timestamps_are_not_measured() -> None:
    """manager.conf without `timestampevents`: nothing can be measured, rather than the wrong clock."""
    stripped = [{k: v for k, v in e.items() if k != "Timestamp"} for e in EVENTS]
    ledger = CallLedger.from_events(stripped, CUSTOMERS)
    assert ledger.placed == 0 and ledger.answer_to_bridge_s() == []


def test_a_bridge_before_its_answer_is_an_error() -> None:
    broken = [
        ev("Newchannel", 0.0, BRIDGED, local(BRIDGED, 1), "0"),
        ev("BridgeEnter", 1.0, BRIDGED, local(BRIDGED, 1), "6", BridgeUniqueid=OPBRIDGE),
        ev("Newstate", 2.0, BRIDGED, local(BRIDGED, 1), "6"),
    ]
    with pytest.raises(ValueError, match="before its answer"):
        CallLedger.from_events(broken, {BRIDGED}).answer_to_bridge_s()


def test_in_flight_and_talking_series() -> None:
    ledger = CallLedger.from_events(EVENTS, CUSTOMERS)
    series = dict(ledger.in_flight(step_s=1.0))
    t = T0 + 1.0  # the first customer channel
    assert series[t] == 1
    assert series[t + 2] == 3  # all three alive at 3 s
    assert series[t + 8] == 3
    assert series[t + 9] == 2  # the abandoned one hung up at 9.5 s
    assert series[t + 12] == 1  # the unanswered one at 13 s
    talking = ledger.bridged_at_once(step_s=1.0)
    assert talking[0][0] == pytest.approx(T0 + 4.034) and all(n == 1 for _, n in talking)
    assert len(talking) == 30  # 4.034 s .. 33.034 s, hung up at 34 s
    assert window([(1.0, 5), (2.0, 6), (3.0, 7)], 2.0, 3.0) == [6]


def test_foreign_channels_are_the_other_jobs() -> None:
    own = CUSTOMERS | {AGENT}
    snoop = ev("Newchannel", 7.0, f"{BRIDGED}-snoop-customer", "Snoop/x", "0")
    assert foreign_channels([*EVENTS, snoop], own) == 1


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99 and percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([0.2], 99) == 0.2
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    spread = Spread.of([0.01] * 98 + [0.5, 2.0])
    assert (spread.count, spread.p50, spread.p99, spread.max) == (100, 0.01, 0.5, 2.0)


def test_parse_ami_block() -> None:
    block = [
        "Event: Newstate",
        "Privilege: call,all",
        "Timestamp: 1795930114.910111",
        "Channel: Local/7999101003@sim-customers-00000000;1",
        "ChannelState: 6",
        "ConnectedLineName: <unknown>",
        "Context: sim-customers",
        "Message: a: b",
        "Event: duplicate",
    ]
    parsed = parse_ami_block(block)
    assert parsed["Event"] == "Newstate" and parsed["Timestamp"] == "1795930114.910111"
    assert parsed["Message"] == "a: b"


def test_proc_counters() -> None:
    stat = "16143 (asterisk (x) y) S 16142 16143 16143 0 -1 4194560 1 0 0 0 250 75 3 4 20 0 52 0 900 1 1"
    assert proc_cpu_seconds(stat, 100) == pytest.approx(3.25)
    before = "cpu  100 0 100 700 100 0 0 0 0 0"
    after = "cpu  250 0 150 850 150 0 0 0 0 0"
    assert machine_busy_fraction(before, after) == pytest.approx(200 / 400)
    assert machine_busy_fraction(before, before) == 0.0


def test_proc_status_memory_fields() -> None:
    status = "Name:\tpython3\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t4\n"
    assert proc_status_mb(status, "VmRSS") == pytest.approx(100.0)
    assert proc_status_mb(status, "VmHWM") == pytest.approx(200.0)
    assert proc_status_mb(status, "VmSwap") == 0.0


def test_asterisk_thread_functions_from_core_show_threads() -> None:
    text = (
        "0x7fac7eee06c0 30505 netconsole           started at [ 1588] asterisk.c listener()\n"
        "0x7fac7e6936c0 30481 pbx_thread           started at [ 4762] pbx.c ast_pbx_start()\n"
        "0x7fac7e7106c0 30480 ari_originate_dial   started at [ 1413] ari/resource_channels.c "
        "ari_channels_handle_originate_with_id()\n"
        "64 threads listed.\n"
    )
    assert asterisk_thread_functions(text) == {30505: "netconsole", 30481: "pbx_thread", 30480: "ari_originate_dial"}


def test_judge_limit_projects_each_component_to_its_capacity() -> None:
    # 600 calls in 100 s; the dialer uses 0.2 of its one core, Asterisk 1.0 of 2 cores
    verdict = judge_limit(
        [Component("dialer", 20.0, 1.0), Component("Asterisk", 100.0, 2.0), Component("PostgreSQL", 1.0, 2.0)],
        wall_s=100.0,
        calls=600,
        machine_busy=0.5,
        loop_lag_p99_s=0.01,
        db_queue_max=3,
    )
    assert verdict.limit == "Asterisk"
    assert verdict.ceilings["Asterisk"] == pytest.approx(12.0)
    assert verdict.ceilings["dialer"] == pytest.approx(30.0)
    assert verdict.ceilings["PostgreSQL"] == pytest.approx(1200.0)
    idle = judge_limit([Component("dialer", 0.0, 1.0)], 10.0, 1, 0.0, 0.0, 0)
    assert math.isinf(idle.ceilings["dialer"])


def test_measured_saturation_overrides_the_projection() -> None:
    parts = [Component("dialer", 10.0, 1.0), Component("Asterisk", 150.0, 2.0)]
    lagging = judge_limit(parts, 100.0, 600, 0.95, loop_lag_p99_s=0.4, db_queue_max=0)
    assert lagging.limit == "dialer" and "lagged 400 ms" in lagging.text and "95% busy" in lagging.text
    queued = judge_limit(parts, 100.0, 600, 0.5, loop_lag_p99_s=0.0, db_queue_max=500)
    assert queued.limit == "database"
    with pytest.raises(ValueError):
        judge_limit(parts, 0.0, 600, 0.5, 0.0, 0)
