"""The load benchmark's figures, computed from Asterisk's own AMI events and /proc counters. Pure.

Answer-to-bridge latency is measured on Asterisk's clock: from the customer channel's `Newstate`
(ChannelState 6, Up) to its `BridgeEnter` into an operator's bridge, both stamped by Asterisk
(manager.conf `timestampevents = yes`). The dialer's own clock is not used for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

AmiEvent = Mapping[str, str]

UP = "6"  # AMI ChannelState of an answered channel
OPERATOR_BRIDGE_PREFIX = "opbridge-"  # DialerService.login names each operator's bridge so


@dataclass
class ChannelTimes:
    """What Asterisk reported about one customer channel (seconds since the epoch, Asterisk's clock)."""

    created: float | None = None
    answered: float | None = None
    bridged: float | None = None
    bridge_id: str | None = None
    hungup: float | None = None
    cause: int | None = None


@dataclass
class CallLedger:
    """Customer channels by id, from the AMI event stream. `customer_ids` (the attempts' channel ids,
    read from the dialer's database) says which channels are customers: Local channels' other halves,
    operators' own channels and snoops are left out."""

    channels: dict[str, ChannelTimes] = field(default_factory=dict)
    ignored: int = 0

    @classmethod
    def from_events(cls, events: Iterable[AmiEvent], customer_ids: set[str]) -> CallLedger:
        ledger = cls()
        for event in events:
            ledger.add(event, customer_ids)
        return ledger

    def add(self, event: AmiEvent, customer_ids: set[str]) -> None:
        uid = event.get("Uniqueid", "")
        stamp = event.get("Timestamp")
        if uid not in customer_ids or stamp is None:
            self.ignored += 1
            return
        at = float(stamp)
        ch = self.channels.setdefault(uid, ChannelTimes())
        kind = event.get("Event")
        if kind == "Newchannel" and ch.created is None:
            ch.created = at
        elif kind == "Newstate" and event.get("ChannelState") == UP and ch.answered is None:
            ch.answered = at
        elif (
            kind == "BridgeEnter"
            and event.get("BridgeUniqueid", "").startswith(OPERATOR_BRIDGE_PREFIX)
            and ch.bridged is None
        ):
            ch.bridged = at
            ch.bridge_id = event.get("BridgeUniqueid")
        elif kind == "Hangup" and ch.hungup is None:
            ch.hungup = at
            cause = event.get("Cause", "")
            ch.cause = int(cause) if cause.isdigit() else None

    @property
    def placed(self) -> int:
        return sum(1 for c in self.channels.values() if c.created is not None)

    @property
    def answered(self) -> int:
        return sum(1 for c in self.channels.values() if c.answered is not None)

    @property
    def bridged(self) -> int:
        return sum(1 for c in self.channels.values() if c.bridged is not None)

    @property
    def answered_not_bridged(self) -> int:
        return sum(1 for c in self.channels.values() if c.answered is not None and c.bridged is None)

    def call_seconds(self) -> float:
        """Seconds customer channels were up, summed (ringing included): media and dialplan load."""
        return sum(
            c.hungup - c.created for c in self.channels.values() if c.created is not None and c.hungup is not None
        )

    def answer_to_bridge_s(self) -> list[float]:
        """One latency per bridged call; a bridge stamped before its answer means a broken stream."""
        out = []
        for uid, c in self.channels.items():
            if c.answered is not None and c.bridged is not None:
                if c.bridged < c.answered:
                    raise ValueError(f"{uid}: BridgeEnter at {c.bridged} before its answer at {c.answered}")
                out.append(c.bridged - c.answered)
        return out

    def in_flight(self, step_s: float = 1.0) -> list[tuple[float, int]]:
        """Customer channels alive at each step (created, not yet hung up), from the first creation on."""
        spans = [(c.created, c.hungup) for c in self.channels.values() if c.created is not None]
        if not spans:
            return []
        start = min(s for s, _ in spans)
        end = max((h if h is not None else s) for s, h in spans)
        deltas: list[tuple[float, int]] = sorted(
            [(s, 1) for s, _ in spans] + [(h, -1) for _, h in spans if h is not None]
        )
        out: list[tuple[float, int]] = []
        alive, i, t = 0, 0, start
        while t <= end + 1e-9:
            while i < len(deltas) and deltas[i][0] <= t:
                alive += deltas[i][1]
                i += 1
            out.append((t, alive))
            t += step_s
        return out

    def bridged_at_once(self, step_s: float = 1.0) -> list[tuple[float, int]]:
        """Customers in an operator's bridge at each step (talking)."""
        spans = [(c.bridged, c.hungup) for c in self.channels.values() if c.bridged is not None]
        if not spans:
            return []
        start = min(s for s, _ in spans)
        end = max((h if h is not None else s) for s, h in spans)
        out = []
        t = start
        while t <= end + 1e-9:
            out.append((t, sum(1 for s, h in spans if s <= t and (h is None or h > t))))
            t += step_s
        return out


def foreign_channels(events: Iterable[AmiEvent], own_ids: set[str]) -> int:
    """Channels created on Asterisk during the run that are not this run's: customers (`own_ids` holds
    the attempts' and the operator sessions' channel ids), the other halves of its Local channels
    (`<id>-2`) and its snoops (`<id>-snoop-<leg>`). Other work sharing the Asterisk shows here."""
    count = 0
    for event in events:
        if event.get("Event") != "Newchannel":
            continue
        uid = event.get("Uniqueid", "")
        base = uid.split("-snoop-")[0].removesuffix("-2")
        if uid not in own_ids and base not in own_ids:
            count += 1
    return count


def asterisk_thread_functions(core_show_threads: str) -> dict[int, str]:
    """Thread id (LWP) -> start function, from Asterisk's `core show threads`, whose lines read
    `0x7fac7e6936c0 30481 pbx_thread           started at [ 4762] pbx.c ast_pbx_start()`."""
    out: dict[int, str] = {}
    for line in core_show_threads.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].startswith("0x") and parts[1].isdigit() and "started" in parts:
            out[int(parts[1])] = parts[2]
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): a value that was actually observed."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be 0..100, got {q}")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Spread:
    count: int
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(len(values), percentile(values, 50), percentile(values, 90), percentile(values, 99), max(values))


def window(series: Sequence[tuple[float, int]], start: float, end: float) -> list[int]:
    """The samples of a time series with start <= t < end."""
    return [v for t, v in series if start <= t < end]


def parse_ami_block(lines: Iterable[str]) -> dict[str, str]:
    """One AMI message (its `Key: value` lines) as a dict; the first occurrence of a key wins."""
    out: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key not in out:
            out[key.strip()] = value.strip()
    return out


def proc_cpu_seconds(stat_text: str, clock_ticks: int) -> float:
    """utime + stime of a /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat) line, in seconds.
    The command name may hold spaces and parentheses, so fields are counted after the last ')'."""
    fields = stat_text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / clock_ticks


def proc_status_mb(status_text: str, field: str) -> float:
    """A memory field of /proc/<pid>/status (VmRSS, VmHWM = peak), in MB; 0 if absent."""
    for line in status_text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine_busy_fraction(before: str, after: str) -> float:
    """Share of all CPUs busy between two readings of /proc/stat's first line."""

    def parse(text: str) -> tuple[int, int]:
        parts = [int(x) for x in text.split()[1:]]
        idle = parts[3] + (parts[4] if len(parts) > 4 else 0)  # idle + iowait
        return sum(parts[:8]), idle

    total0, idle0 = parse(before)
    total1, idle1 = parse(after)
    total = total1 - total0
    return 0.0 if total <= 0 else 1.0 - (idle1 - idle0) / total


@dataclass(frozen=True)
class Component:
    """One process (or group) on the call path, its CPU over the measured window and what it can use."""

    name: str
    cpu_s: float
    capacity_cores: float  # 1 for a single event loop under the GIL; the machine's cores for Asterisk


@dataclass(frozen=True)
class Verdict:
    limit: str
    ceilings: dict[str, float]  # component -> calls per second it could place at 100 % of its capacity
    text: str


def judge_limit(
    components: Sequence[Component],
    wall_s: float,
    calls: int,
    machine_busy: float,
    loop_lag_p99_s: float,
    db_queue_max: int,
) -> Verdict:
    """Where the limit is: each component's CPU per call, projected linearly to its capacity.

    Projection is only a first-order estimate (costs grow with concurrency, the cores are shared);
    a saturated event loop or a growing database queue overrides it, as those are measured, not projected.
    """
    if wall_s <= 0 or calls <= 0:
        raise ValueError("need a positive window and at least one call")
    rate = calls / wall_s
    ceilings: dict[str, float] = {}
    for c in components:
        used = c.cpu_s / wall_s
        ceilings[c.name] = math.inf if used <= 0 else rate * c.capacity_cores / used
    limit = min(ceilings, key=lambda k: ceilings[k])
    notes = []
    if loop_lag_p99_s > 0.25:
        limit = "dialer"
        notes.append(f"the dialer's event loop lagged {loop_lag_p99_s * 1000:.0f} ms at p99 (saturated)")
    if db_queue_max > 200:
        limit = "database"
        notes.append(f"the database write queue reached {db_queue_max}")
    if machine_busy > 0.9:
        notes.append(f"the machine's CPUs were {machine_busy:.0%} busy, shared with other work")
    parts = ", ".join(f"{k} ≈ {v:.0f} calls/s" for k, v in sorted(ceilings.items(), key=lambda kv: kv[1]))
    text = f"{limit} first (projected ceilings at full capacity: {parts})"
    if notes:
        text += "; " + "; ".join(notes)
    return Verdict(limit, ceilings, text)
