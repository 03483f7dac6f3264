"""Load benchmark on the Asterisk lab (issue 7): N simulated operators on SIPp softphones, simulated
customers who mostly answer, the real DialerService dialling for M minutes.

    .venv/bin/python -m bench.load_bench --operators 100 --minutes 10

Answer-to-bridge latency is measured on Asterisk's clock, from AMI events recorded by a separate
process (bench/ami_recorder.py): the customer channel's Newstate Up to its BridgeEnter into the
operator's bridge. Calls in flight come from the same events (customer channels alive). The dialer's
CPU is its process's (minus the benchmark's own sampler thread), per 1,000 calls placed; Asterisk's,
PostgreSQL's (the backends of the benchmark's database) and the softphones' come from /proc.
The operators are op21.. (lab tests use op1..op20, the demo op1..op4), so a run never takes their ports.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.load_events import (
    CallLedger,
    Component,
    Spread,
    asterisk_thread_functions,
    foreign_channels,
    judge_limit,
    machine_busy_fraction,
    percentile,
    proc_cpu_seconds,
    proc_status_mb,
    window,
)
from bench.shared_softphones import SharedSoftphoneBank
from bench.sip_trace import host_name_lookups, sip_messages, trunk_dialogs, trunk_rows
from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.config import PROJECT_ROOT
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import OperatorSession
from dialer.db.repository import Repository
from dialer.floor import CallStage
from dialer.lab import AsteriskLab, LabConfig
from dialer.lab.lab_config import LAB_AMI_SECRET, LAB_AMI_USER, LOCAL_CUSTOMERS, TRUNK_CUSTOMERS
from dialer.lab.softphones import SoftphoneBank
from dialer.pacing import OperatorState
from dialer.rules.campaign import parse_campaign
from dialer.service import CampaignRun, DialerService
from dialer.simcustomers import SimBehaviour, sim_number

FIRST_OPERATOR = 21
TICKS = os.sysconf("SC_CLK_TCK")
POSTGRES_ADMIN = os.environ.get(
    "DIALER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"
)
log = logging.getLogger("load_bench")


@dataclass
class Options:
    operators: int = 100
    minutes: float = 10.0
    mode: str = "predictive"
    database: str = "postgresql"  # or sqlite
    answer_rate: float = 0.8
    talk_min: int = 20
    talk_max: int = 40
    ring_min: int = 2
    ring_max: int = 6
    ring_timeout: int = 10
    wrap_up: int = 2
    record: bool = False
    amd: bool = False
    seed: int = 1
    ua_per_sipp: int = 10  # one SIPp per 10 operators: a quarter of the CPU of one per operator (measured)
    # "local": simulated customers as Local channels on the dialer's Asterisk (the lab's default); "trunk":
    # on a second instance reached over the PJSIP trunk, as a carrier is, so the dialer's Asterisk carries
    # only what it would carry in production
    customers: str = "local"
    private: bool = False  # two Asterisk instances of the benchmark's own (ports 5438.., no shared lock)
    # private trunk runs, diagnostics (bench/sip_trace.py): PJSIP's logger on both instances, and Asterisk
    # under a host name its /etc/hosts lacks (the lab before the fix for lost answers: docs/benchmarks.md)
    sip_log: bool = False
    unresolved_host_name: bool = False
    out: Path = PROJECT_ROOT / "bench" / "results" / "load_bench.md"
    keep_events: Path | None = None


def contact_numbers(opts: Options, count: int) -> list[str]:
    """Simulated customers: `answer_rate` of them answer and talk U(talk_min, talk_max) s; the rest ring
    out or are busy, half each. Deterministic for a seed."""
    rng = random.Random(opts.seed)
    out = []
    for i in range(count):
        prefix = f"+79{i:06d}"
        if rng.random() < opts.answer_rate:
            ring, talk = rng.randint(opts.ring_min, opts.ring_max), rng.randint(opts.talk_min, opts.talk_max)
            out.append(sim_number(SimBehaviour.HUMAN, ring, talk, prefix=prefix))
        elif rng.random() < 0.5:
            out.append(sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix=prefix))
        else:
            out.append(sim_number(SimBehaviour.BUSY, rng.randint(opts.ring_min, opts.ring_max), 0, prefix=prefix))
    return out


def contacts_needed(opts: Options) -> int:
    """Enough that the list never runs out: every operator on the shortest calls back to back, plus margin."""
    per_operator = opts.minutes * 60 / (opts.talk_min + opts.wrap_up + opts.ring_min + 2)
    return int(opts.operators * per_operator / opts.answer_rate * 1.5) + 4 * opts.operators


def campaign(opts: Options) -> dict[str, Any]:
    return {
        "name": "load-bench",
        "dial_string": TRUNK_CUSTOMERS if opts.customers == "trunk" else LOCAL_CUSTOMERS,
        "dispositions": [{"code": "ok", "label": "OK", "positive": True}],
        "recording": "all" if opts.record else "none",
        "amd": opts.amd,
        "ring_timeout_seconds": opts.ring_timeout,
        "connect_limit_seconds": 2,
        "wrap_up_seconds": opts.wrap_up,
        "calling_windows": {"weekly": {"daily": "00:00-24:00"}, "fallback_timezone": "Europe/Moscow"},
        "dialing": {"mode": opts.mode, "max_lines": opts.operators * 3, "max_lines_per_operator": 3},
    }


# -- the lab ---------------------------------------------------------------------------------------


PRIVATE_PORTS = ("load", 5438, 8488, 5460, 16000)  # instance, AMI, ARI, SIP, RTP (bench/call_cost.py: 53xx)
PRIVATE_SOFTPHONES = (14600, 47000)  # SIPp SIP and RTP base ports beside the shared lab's 15400 / 42000


UNRESOLVED_HOST_NAME = "dialer-unresolved"  # in no /etc/hosts and no DNS zone


def private_labs(last_operator: int, opts: Options) -> tuple[AsteriskLab, AsteriskLab]:
    """The benchmark's own pair of instances, started (stopped again by `run`) with fresh logs."""
    host_name = UNRESOLVED_HOST_NAME if opts.unresolved_host_name else None
    a, b = LabConfig(operators=last_operator, host_name=host_name).private_pair(*PRIVATE_PORTS)
    labs = AsteriskLab(a), AsteriskLab(b)
    for lab in labs:
        lab.config.messages_log_path.parent.mkdir(parents=True, exist_ok=True)
        lab.config.messages_log_path.write_text("")  # the report reads this run's lines only
        lab.up()
        if opts.sip_log:
            lab.cli("pjsip set logger on")
    return labs


def trunk_trace(opts: Options, lab: AsteriskLab, customers_lab: AsteriskLab) -> list[tuple[str, str]]:
    """From the two instances' logs (bench/sip_trace.py): host-name lookups, and the SIP timeline."""
    rows = []
    for name, instance in (("A", lab), ("B", customers_lab)):
        with instance.config.messages_log_path.open(errors="replace") as fh:
            found = host_name_lookups(fh)
        names = ", ".join(f"{k} {v}" for k, v in sorted(found.names.items())) or "none"
        rows.append(
            (
                f"host-name lookups that went to DNS and failed, {name} (names) / of them taking ≥ 1 s",
                f"{found.failed} ({names}) / {found.slow} of {len(found.timed_s)} timed",
            )
        )
    if opts.sip_log:
        with lab.config.messages_log_path.open(errors="replace") as fh:
            a = sip_messages(fh, customers_lab.config.sip_port)
        with customers_lab.config.messages_log_path.open(errors="replace") as fh:
            b = sip_messages(fh, lab.config.sip_port)
        rows += trunk_rows(trunk_dialogs(a, b))
    return rows


def ready_lab(last_operator: int) -> AsteriskLab:
    """The lab up, with endpoints up to op<last_operator> and AMI timestamps; re-rendered and reloaded
    if the running Asterisk was started with fewer operators (or without timestamps)."""
    lab = AsteriskLab(LabConfig(operators=max(LabConfig().operators, last_operator)))
    status = lab.status()
    if not (status.running and status.ami_ok and status.ari_ok):  # `up` waits for the lab's lock even then
        lab.up()
    endpoint = lab.cli(f"pjsip show endpoint op{last_operator}", check=False) or ""
    trunk = lab.cli("pjsip show endpoint sim-trunk", check=False) or ""
    settings = lab.cli("manager show settings", check=False) or ""
    stamped = any(line.split(":")[0].strip() == "Timestamp events" and "Yes" in line for line in settings.splitlines())
    if "Unable to find" in endpoint + trunk or not stamped:
        log.warning("re-rendering the lab's configuration (op1..op%d, trunk, AMI timestamps); reloading", last_operator)
        lab.render_config()
        lab.cli("module reload res_pjsip.so")
        lab.cli("manager reload")
        deadline = time.monotonic() + 15
        while "Unable to find" in (lab.cli(f"pjsip show endpoint op{last_operator}", check=False) or "Unable to find"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"op{last_operator} is still unknown to Asterisk after a reload")
            time.sleep(0.5)
    return lab


# -- measuring -------------------------------------------------------------------------------------


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


def cpu_of(pid: int | None) -> float | None:
    stat = _read(f"/proc/{pid}/stat") if pid else None
    return proc_cpu_seconds(stat, TICKS) if stat else None


def thread_cpu(tid: int | None) -> float:
    """CPU seconds of one thread of this process."""
    stat = _read(f"/proc/self/task/{tid}/stat") if tid else None
    return proc_cpu_seconds(stat, TICKS) if stat else 0.0


def rss_mb(pid: int | str = "self") -> float:
    return proc_status_mb(_read(f"/proc/{pid}/status") or "", "VmRSS")


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL server processes serving `database` (their title names it)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            cmd = _read(f"/proc/{entry}/cmdline")
            if cmd and cmd.startswith("postgres: ") and f" {database} " in cmd:
                out.append(int(entry))
    return out


@dataclass
class ProcessTally:
    """CPU of processes that come and go (database backends): each pid counted from when it was first seen."""

    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)

    def see(self, pids: list[int]) -> None:
        for pid in pids:
            cpu = cpu_of(pid)
            if cpu is not None:
                self.first.setdefault(pid, cpu)
                self.last[pid] = cpu

    @property
    def seconds(self) -> float:
        return sum(self.last[p] - self.first[p] for p in self.last)


@dataclass
class ThreadTally:
    """Asterisk's CPU by what its threads do (`core show threads` names each thread's start function):
    each thread counted from when it was first seen; threads that end between samples lose their last
    second, which the report shows as unattributed."""

    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    function: dict[int, str] = field(default_factory=dict)

    def see(self, pid: int, functions: dict[int, str]) -> None:
        self.function.update(functions)
        try:
            tids = [int(x) for x in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            return
        for tid in tids:
            stat = _read(f"/proc/{pid}/task/{tid}/stat")
            if stat:
                cpu = proc_cpu_seconds(stat, TICKS)
                self.first.setdefault(tid, cpu)
                self.last[tid] = cpu

    def by_function(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for tid, cpu in self.last.items():
            name = self.function.get(tid, "other")
            out[name] = out.get(name, 0.0) + cpu - self.first[tid]
        return out


class Sampler(threading.Thread):
    """Once a second, off the event loop: CPU of the database backends and of Asterisk's threads, the
    dialer's RSS. Its own CPU is measured so that it can be taken out of the dialer's."""

    def __init__(self, database: str | None, lab: AsteriskLab) -> None:
        super().__init__(name="load-bench-sampler", daemon=True)
        self.database = database
        self.lab = lab
        self.asterisk_pid = lab._pid()
        self.db_tally = ProcessTally()
        self.asterisk = ThreadTally()
        self.halt = threading.Event()
        self.peak_rss_mb = 0.0

    def run(self) -> None:
        while not self.halt.wait(1.0):
            self.sample()
        self.sample()

    def sample(self) -> None:
        if self.database is not None:
            self.db_tally.see(postgres_backends(self.database))
        if self.asterisk_pid is not None:
            threads = self.lab.cli("core show threads", check=False) or ""
            self.asterisk.see(self.asterisk_pid, asterisk_thread_functions(threads))
        self.peak_rss_mb = max(self.peak_rss_mb, rss_mb())


@dataclass
class FloorSample:
    at: float  # epoch seconds
    ringing: int
    waiting: int
    bridged: int
    ready: int
    on_call: int
    wrap_up: int
    db_queue: int


@dataclass
class Measured:
    started_at: float = 0.0
    dial_start: float = 0.0
    dial_stop: float = 0.0
    idle_at: float = 0.0
    lag_s: list[float] = field(default_factory=list)
    floor: list[FloorSample] = field(default_factory=list)
    modes: Counter[str] = field(default_factory=Counter)
    dialer_cpu_s: float = 0.0
    db_thread_cpu_s: float = 0.0
    asterisk_cpu_s: float = 0.0
    softphones_cpu_s: float = 0.0
    recorder_cpu_s: float = 0.0
    customers_cpu_s: float | None = None  # the customers' Asterisk (trunk runs)
    database_cpu_s: float | None = None
    machine_busy: float = 0.0
    rss_before_mb: float = 0.0
    peak_rss_mb: float = 0.0
    softphones_rss_mb: float = 0.0
    register_s: float = 0.0
    login_s: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    foreign_channels: int = 0
    asterisk_threads: dict[str, float] = field(default_factory=dict)
    originates: list[tuple[str, float, str]] = field(default_factory=list)  # channel id, seconds, result
    operator_channels: set[str] = field(default_factory=set)  # the operators' log-in calls among them
    trace: list[tuple[str, str]] = field(default_factory=list)  # bench/sip_trace.py (private trunk runs)
    never_originated: int = 0  # attempts leased and left open without an originate request
    unseen_originated: int = 0  # originate accepted by ARI, yet no channel in Asterisk's events
    originates_hung: int = 0  # originate requests still unanswered a minute after dialling stopped
    ari_drops: int = 0  # times the dialer's ARI connection was seen down
    ari_up: bool = True
    unfinished: int = 0  # calls still up long after dialling stopped, hung up by the benchmark


async def watch_loop(m: Measured, service: DialerService, campaign_id: int, stop: asyncio.Event) -> None:
    """Event-loop lag every 100 ms (a saturated dialer shows here first) and the live floor every second."""
    loop = asyncio.get_running_loop()
    next_floor = 0.0
    while not stop.is_set():
        t0 = loop.time()
        await asyncio.sleep(0.1)
        m.lag_s.append(max(0.0, loop.time() - t0 - 0.1))
        if loop.time() >= next_floor:
            next_floor = loop.time() + 1.0
            run = service.runs.get(campaign_id)
            if run is None:
                continue
            stages = Counter(c.stage for c in run.floor.calls.values())
            states = Counter(o.state for o in run.floor.operators.values())
            m.floor.append(
                FloorSample(
                    time.time(),
                    stages[CallStage.DIALING] + stages[CallStage.RINGING],
                    stages[CallStage.ANSWERED] + stages[CallStage.WAITING],
                    stages[CallStage.BRIDGED],
                    states[OperatorState.READY],
                    states[OperatorState.ON_CALL],
                    states[OperatorState.WRAP_UP],
                    service.db.queue_depth,
                )
            )
            if not service.ari.connected and m.ari_up:
                m.ari_drops += 1
            m.ari_up = service.ari.connected
            if run.last_decision is not None:
                m.modes[str(run.last_decision.mode_used)] += 1


# -- the run ---------------------------------------------------------------------------------------


async def log_out_all(service: DialerService, campaign_id: int, logins: list[str]) -> None:
    """All at once (one by one takes minutes when ARI answers slowly), then until their channels are gone."""
    await asyncio.gather(*(service.logout(campaign_id, login) for login in logins), return_exceptions=True)
    run = service.runs.get(campaign_id)
    deadline = time.monotonic() + 60
    while run is not None and run.floor.operators and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def drain(service: DialerService, run: CampaignRun, limit_s: float) -> int:
    """Let the calls in flight end by themselves (an overloaded Asterisk ends them late); past `limit_s`
    hang up what is left and say how many there were, rather than lose the whole run's figures."""
    deadline = time.monotonic() + limit_s
    while run.floor.calls and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    left = list(run.floor.calls)
    with contextlib.suppress(TimeoutError):  # an overloaded Asterisk may never answer some of them
        await asyncio.wait_for(asyncio.gather(*(service.ari.hangup(c) for c in left), return_exceptions=True), 30)
    while run.floor.calls and time.monotonic() < deadline + 30:
        await asyncio.sleep(0.2)
    await asyncio.wait_for(service.db.flush(), 60)
    return len(left)


def softphone_pids(bank: SoftphoneBank | SharedSoftphoneBank) -> list[int]:
    if isinstance(bank, SharedSoftphoneBank):
        return bank.pids
    return [p.process.pid for p in bank.phones.values() if p.process is not None and p.process.poll() is None]


def make_database(opts: Options, workdir: Path) -> tuple[str, str | None]:
    """A fresh database: (url, PostgreSQL database name or None for SQLite)."""
    if opts.database == "sqlite":
        path = workdir / "load_bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    name = f"dialer_loadbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False), name


def drop_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def dial_for(
    opts: Options,
    lab: AsteriskLab,
    repo: Repository,
    url: str,
    campaign_id: int,
    logins: list[str],
    bank: SoftphoneBank | SharedSoftphoneBank,
    recorder: subprocess.Popen[str],
    pg_name: str | None,
    m: Measured,
    workdir: Path,
    customers_lab: AsteriskLab | None,
) -> None:
    settings = lab.config.settings(database_url=url, recordings_dir=workdir / "recordings", ari_app="loadbench")
    service = dialer_service(settings, repo)
    stop = asyncio.Event()
    originate = service.ari.originate
    in_flight = [0, 0.0]  # originate requests under way, when the last one ended

    async def timed_originate(endpoint: str, **kw: Any) -> None:
        """The dialer's ARI originate requests, timed (how long Asterisk takes to accept a call)."""
        t0 = time.monotonic()
        in_flight[0] += 1
        try:
            await originate(endpoint, **kw)
        except BaseException as exc:
            m.originates.append((kw.get("channel_id", ""), time.monotonic() - t0, type(exc).__name__))
            raise
        finally:
            in_flight[0] -= 1
            in_flight[1] = time.monotonic()
        m.originates.append((kw.get("channel_id", ""), time.monotonic() - t0, "ok"))

    service.ari.originate = timed_originate  # type: ignore[method-assign]
    await service.start()
    try:
        await service.open_campaign(campaign_id)
        t0 = time.monotonic()
        for login in logins:
            await service.login(campaign_id, login)
        await service.wait_logged_in(campaign_id, logins, timeout=60 + len(logins) * 0.5)
        m.login_s = time.monotonic() - t0
        db_tid = await service.db.call(threading.get_native_id)
        sipp_pids = softphone_pids(bank)
        asterisk_pid = lab._pid()
        customers_pid = customers_lab._pid() if customers_lab is not None else None

        def counters() -> tuple[float, float, float, float, float, str, float, float]:
            return (
                cpu_of(os.getpid()) or 0.0,
                thread_cpu(db_tid),
                cpu_of(asterisk_pid) or 0.0,
                sum(cpu_of(p) or 0.0 for p in sipp_pids),
                cpu_of(recorder.pid) or 0.0,
                (_read("/proc/stat") or "cpu 0 0 0 0").splitlines()[0],
                thread_cpu(sampler.native_id),
                cpu_of(customers_pid) or 0.0,
            )

        m.rss_before_mb = rss_mb()
        m.load_before = os.getloadavg()
        sampler = Sampler(pg_name, lab)
        sampler.sample()
        sampler.start()
        before = counters()
        m.dial_start = time.time()
        watcher = asyncio.create_task(watch_loop(m, service, campaign_id, stop))
        started = await service.start_campaign(campaign_id)
        if started is None:
            raise RuntimeError("the campaign is paced by another dialer process")
        await asyncio.sleep(opts.minutes * 60)
        if campaign_id not in service.dialling():  # figures from a dead pacing loop would be meaningless
            task = getattr(service, "_pacing", {}).get(campaign_id)
            cause = task.exception() if task is not None and task.done() and not task.cancelled() else None
            raise RuntimeError(f"the dialer's pacing loop ended during the run: {cause!r}") from cause
        # Stop placing calls first and let a pacing step that is originating finish: stop_campaign cancels
        # the pacing task, and in the middle of a step that leaves its leased attempts open, never dialled
        # (ARI takes seconds per originate under load, so that happened in most runs).
        started.stopping = True
        await asyncio.sleep(1.5)  # a lease under way when the flag went up
        quiet_by = time.monotonic() + 60  # an originate that never returns must not hold the run forever
        while (in_flight[0] or time.monotonic() - in_flight[1] < 1.0) and time.monotonic() < quiet_by:
            await asyncio.sleep(0.1)
        m.originates_hung = int(in_flight[0])
        await asyncio.wait_for(service.stop_campaign(campaign_id), 60)
        m.dial_stop = time.time()
        m.unfinished = await drain(service, started, opts.talk_max + opts.ring_timeout + 120)
        m.idle_at = time.time()
        after = counters()
        sampler.halt.set()
        sampler.join()
        stop.set()
        await watcher
        m.dialer_cpu_s = after[0] - before[0] - (after[6] - before[6])
        m.db_thread_cpu_s = after[1] - before[1]
        m.asterisk_cpu_s = after[2] - before[2]
        m.softphones_cpu_s = after[3] - before[3]
        m.recorder_cpu_s = after[4] - before[4]
        m.customers_cpu_s = after[7] - before[7] if customers_pid is not None else None
        m.machine_busy = machine_busy_fraction(before[5], after[5])
        m.database_cpu_s = sampler.db_tally.seconds if sampler.database is not None else None
        m.asterisk_threads = sampler.asterisk.by_function()
        m.peak_rss_mb = sampler.peak_rss_mb
        m.load_after = os.getloadavg()
        m.softphones_rss_mb = sum(rss_mb(p) for p in sipp_pids)
        await asyncio.wait_for(log_out_all(service, campaign_id, logins), 120)
        await asyncio.wait_for(service.db.flush(), 60)
    finally:
        stop.set()
        # whatever happened, leave no operator channel or call up in the shared lab (Asterisk keeps a
        # Stasis channel after its application disconnects)
        run_ = service.runs.get(campaign_id)
        for channel_id in list(run_.floor.calls) if run_ is not None else []:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(service.ari.hangup(channel_id), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(log_out_all(service, campaign_id, logins), 120)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(service.close(), 60)
    m.peak_rss_mb = max(m.peak_rss_mb, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run(opts: Options) -> str:
    m = Measured(started_at=time.time())
    workdir = PROJECT_ROOT / "var" / "load_bench"
    workdir.mkdir(parents=True, exist_ok=True)
    logins = [f"op{i}" for i in range(FIRST_OPERATOR, FIRST_OPERATOR + opts.operators)]
    last = FIRST_OPERATOR + opts.operators - 1
    customers_lab: AsteriskLab | None = None
    if opts.private:
        lab, customers_lab = private_labs(last, opts)
        if opts.customers != "trunk":
            customers_lab.stop()
            customers_lab = None
    else:
        lab = ready_lab(last)
        if opts.customers == "trunk":
            customers_lab = AsteriskLab(lab.config.second())
            customers_lab.up()
    url, pg_name = make_database(opts, workdir)
    events_path = opts.keep_events or workdir / "ami_events.jsonl"
    recorder: subprocess.Popen[str] | None = None
    bank: SoftphoneBank | SharedSoftphoneBank
    if opts.ua_per_sipp == 1:
        bank = SoftphoneBank(lab.config)
    elif opts.private:
        bank = SharedSoftphoneBank(lab.config, opts.ua_per_sipp, *PRIVATE_SOFTPHONES)
    else:
        bank = SharedSoftphoneBank(lab.config, opts.ua_per_sipp)
    try:
        migrate(url)
        repo = Repository(make_session_factory(make_engine(url)))
        campaign_id = apply_campaign(repo, parse_campaign(campaign(opts)))
        numbers = contact_numbers(opts, contacts_needed(opts))
        repo.add_contact_list(campaign_id, "load", [{"phone": n} for n in numbers])
        for login in logins:
            repo.ensure_operator(login, login, f"PJSIP/{login}")
        t0 = time.monotonic()
        bank.start_many(logins)
        m.register_s = time.monotonic() - t0
        recorder = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.ami_recorder",
                "--host",
                lab.config.bind_addr,
                "--port",
                str(lab.config.ami_port),
                "--user",
                LAB_AMI_USER,
                "--out",
                str(events_path),
            ],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "AMI_SECRET": LAB_AMI_SECRET},
        )
        assert recorder.stdout is not None
        if recorder.stdout.readline().strip() != "ready":
            raise RuntimeError("the AMI recorder did not start")
        asyncio.run(
            dial_for(opts, lab, repo, url, campaign_id, logins, bank, recorder, pg_name, m, workdir, customers_lab)
        )
        recorder.terminate()
        recorder.wait(timeout=10)
        attempts = repo.attempts(campaign_id)
        with repo.sessions() as s:
            own = set(s.scalars(select(OperatorSession.channel_id).where(OperatorSession.campaign_id == campaign_id)))
        summary = repo.summary(campaign_id)
    finally:
        if recorder is not None and recorder.poll() is None:
            recorder.kill()
        bank.stop_all()
        if pg_name is not None:
            with contextlib.suppress(Exception):
                drop_database(pg_name)
        if opts.private:  # the shared lab's instances stay up for other jobs; the benchmark's own do not
            for instance in (lab, customers_lab):
                if instance is not None:
                    with contextlib.suppress(Exception):
                        instance.stop()
    customer_ids = {a.channel_id for a in attempts if a.channel_id}
    with events_path.open() as fh:
        events = [json.loads(line) for line in fh]
    ledger = CallLedger.from_events(events, customer_ids)
    m.operator_channels = {c for c in own if c}
    if opts.private and customers_lab is not None:
        m.trace = trunk_trace(opts, lab, customers_lab)
    m.foreign_channels = foreign_channels(events, customer_ids | m.operator_channels)
    outcomes = Counter(a.outcome or "in_progress" for a in attempts)
    originated = {cid for cid, _, result in m.originates}
    open_ids = {a.channel_id for a in attempts if a.outcome is None}
    m.never_originated = len(open_ids - originated)
    m.unseen_originated = sum(
        1 for cid, _, r in m.originates if r == "ok" and cid in customer_ids and cid not in ledger.channels
    )
    return report(opts, m, ledger, outcomes, summary.occupancy, len(attempts))


# -- the report ------------------------------------------------------------------------------------


def asterisk_split(by_function: dict[str, float], total: float) -> str:
    """Asterisk's CPU by thread kind. `pbx_thread` runs dialplan: in the lab that is the simulated
    customers (a production trunk has no such thread per call); the rest is the PBX's share."""
    parts = sorted(by_function.items(), key=lambda kv: -kv[1])
    shown = [f"{name} {seconds:.1f}" for name, seconds in parts if seconds >= 0.05 * total]
    rest = total - sum(by_function.values())
    return ", ".join([*shown, f"unattributed {rest:.1f}"])


def report(
    opts: Options, m: Measured, ledger: CallLedger, outcomes: Counter[str], occupancy: float, placed: int
) -> str:
    latencies = ledger.answer_to_bridge_s()
    warm = min(60.0, opts.minutes * 60 * 0.25)  # the ramp-up (log-ins done, first calls ringing) is left out
    steady = (m.dial_start + warm, m.dial_stop)
    in_flight = window(ledger.in_flight(), *steady)
    talking = window(ledger.bridged_at_once(), *steady)
    ready = [s.ready for s in m.floor if steady[0] <= s.at < steady[1]]
    wall = m.idle_at - m.dial_start
    per_k = 1000 / placed if placed else 0.0
    lag = Spread.of(m.lag_s) if m.lag_s else Spread(0, 0, 0, 0, 0)
    db_queue_max = max((s.db_queue for s in m.floor), default=0)
    cores = os.cpu_count() or 1
    originate_results = Counter(r for _, _, r in m.originates)
    originate_s = [s for c, s, r in m.originates if r == "ok" and c not in m.operator_channels]
    login_originate_s = [s for c, s, r in m.originates if r == "ok" and c in m.operator_channels]
    opened = f"{m.never_originated} / {m.unseen_originated}"
    call_s = ledger.call_seconds()

    def per_concurrent(cpu_s: float | None) -> str:
        """A process's CPU per customer call up at once: its CPU seconds over the calls' seconds."""
        if cpu_s is None or call_s <= 0 or cpu_s <= 0:
            return "-"
        share = cpu_s / call_s
        return f"{share:.2%} of a core: {1 / share:.0f} calls at once per core"

    components = [Component("dialer", m.dialer_cpu_s, 1.0), Component("Asterisk", m.asterisk_cpu_s, cores)]
    if m.database_cpu_s is not None:
        components.append(Component("PostgreSQL", m.database_cpu_s, cores))
    verdict = judge_limit(components, wall, placed, m.machine_busy, lag.p99, db_queue_max)

    def ms(values: list[float]) -> str:
        if not values:
            return "-"
        s = Spread.of(values)
        return f"{s.p50 * 1000:.0f} / {s.p90 * 1000:.0f} / {s.p99 * 1000:.0f} / {s.max * 1000:.0f} ms"

    def counts(values: list[int]) -> str:
        if not values:
            return "-"
        return f"{statistics.median(values):.0f} / {percentile(values, 90):.0f} / {max(values)}"

    def cpu(seconds: float) -> str:
        return f"{seconds:.1f} s / {seconds * per_k:.1f} s ({seconds / wall:.0%} of a core)"

    if m.database_cpu_s is not None:
        database = ("PostgreSQL CPU (the run's backends) / per 1,000 calls", cpu(m.database_cpu_s))
    else:
        database = ("database CPU (SQLite runs inside the dialer)", "see the dialer's database thread")
    dialling_min, until_idle_min = (m.dial_stop - m.dial_start) / 60, wall / 60
    rows: list[tuple[str, str]] = [
        ("operators (SIPp softphones) / operators per SIPp process", f"{opts.operators} / {opts.ua_per_sipp}"),
        ("dialling time / until the last call ended", f"{dialling_min:.1f} min / {until_idle_min:.1f} min"),
        ("calls placed (dialer) / seen by Asterisk", f"{placed} / {ledger.placed}"),
        ("answered / bridged to an operator (Asterisk events)", f"{ledger.answered} / {ledger.bridged}"),
        ("answered, never bridged (abandoned)", f"{ledger.answered_not_bridged}"),
        ("calls still up 2 min after their longest possible end (hung up by the benchmark)", f"{m.unfinished}"),
        ("outcomes (dialer database)", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
        ("calls placed per second", f"{placed / wall:.2f}"),
        ("**answer → bridge latency p50 / p90 / p99 / max**", f"**{ms(latencies)}** ({len(latencies)} calls)"),
        ("**calls in flight**, steady state: median / p90 / max", counts(in_flight)),
        ("customers talking to operators at once: median / p90 / max", counts(talking)),
        ("operators ready (idle) at once: median / p90 / max", counts(ready)),
        ("operator occupancy (talk + wrap-up over logged-in time)", f"{occupancy:.1%}"),
        ("pacing mode, by second", ", ".join(f"{k} {v}" for k, v in m.modes.most_common())),
        ("ARI originate requests by result", ", ".join(f"{k} {v}" for k, v in originate_results.most_common())),
        ("ARI originate: time for Asterisk to accept p50 / p90 / p99 / max (customer calls)", ms(originate_s)),
        ("…the operators' log-in calls (all at the start)", ms(login_originate_s)),
        ("attempts left open with no originate request / originated but unseen", opened),
        ("ARI originate requests never answered / ARI connection losses", f"{m.originates_hung} / {m.ari_drops}"),
        ("**dialer CPU** (its process) / **per 1,000 calls**", cpu(m.dialer_cpu_s)),
        ("…of which its database thread", f"{m.db_thread_cpu_s:.1f} s"),
        ("dialer event-loop lag p50 / p90 / p99 / max", ms(m.lag_s)),
        ("dialer database write queue, max", f"{db_queue_max}"),
        ("**dialer memory**: RSS at start of dialling / peak", f"{m.rss_before_mb:.0f} MB / {m.peak_rss_mb:.0f} MB"),
        ("Asterisk CPU / per 1,000 calls", cpu(m.asterisk_cpu_s)),
        ("…by Asterisk thread (start function), seconds", asterisk_split(m.asterisk_threads, m.asterisk_cpu_s)),
        ("…**per customer call up at once** (call-seconds, ringing included)", per_concurrent(m.asterisk_cpu_s)),
        ("**dialer CPU per customer call up at once**", per_concurrent(m.dialer_cpu_s)),
        (
            "the customers' Asterisk (second instance, trunk runs) CPU / per call up at once",
            "-" if m.customers_cpu_s is None else f"{m.customers_cpu_s:.1f} s / {per_concurrent(m.customers_cpu_s)}",
        ),
        database,
        ("softphones (SIPp) CPU / RSS, all together", f"{m.softphones_cpu_s:.1f} s / {m.softphones_rss_mb:.0f} MB"),
        ("AMI event recorder CPU (a process of its own)", f"{m.recorder_cpu_s:.1f} s"),
        (
            "machine: CPUs busy (everything on it) / load average before → after",
            f"{m.machine_busy:.0%} of {cores} / {m.load_before[0]:.1f} → {m.load_after[0]:.1f}",
        ),
        ("registering the softphones / logging the operators in", f"{m.register_s:.0f} s / {m.login_s:.0f} s"),
        ("other channels on this Asterisk during the run (other jobs)", f"{m.foreign_channels}"),
        ("**where the limit is**", verdict.text),
        *m.trace,
    ]
    stamp = datetime.fromtimestamp(m.started_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    cmd = f".venv/bin/python -m bench.load_bench --operators {opts.operators} --minutes {opts.minutes:g}"
    if opts.ua_per_sipp != Options.ua_per_sipp:
        cmd += f" --ua-per-sipp {opts.ua_per_sipp}"
    if opts.database != "postgresql":
        cmd += f" --database {opts.database}"
    if opts.customers != "local":
        cmd += f" --customers {opts.customers}"
    if opts.private:
        cmd += " --private"
    if opts.sip_log:
        cmd += " --sip-log"
    if opts.unresolved_host_name:
        cmd += " --unresolved-host-name"
    where = "on a second Asterisk over the PJSIP trunk" if opts.customers == "trunk" else "as Local channels"
    if opts.private:
        where += " (the benchmark's private instances)"
    setup = (
        f"Mode {opts.mode}, database {opts.database}, recording {'on' if opts.record else 'off'},"
        f" customers {where},"
        f" AMD {'on' if opts.amd else 'off'}. Customers: {opts.answer_rate:.0%} answer after"
        f" U({opts.ring_min}, {opts.ring_max}) s of ringing and talk U({opts.talk_min}, {opts.talk_max}) s"
        f" (after a 1 s greeting and 1 s pause); the rest ring out ({opts.ring_timeout} s ring time) or are"
        f" busy. Wrap-up {opts.wrap_up} s. Latency is on Asterisk's clock (AMI Newstate Up → BridgeEnter of the"
        f" customer channel); the steady state leaves out the first {warm:.0f} s."
        f" **The machine has {cores} cores shared with other work** (the softphones, the AMI recorder, other"
        " jobs): CPU shares and the projected ceilings are estimates, not a dedicated box's figures."
    )
    lines = [
        f"# Load benchmark: {opts.operators} operators, {opts.minutes:g} min ({stamp})",
        "",
        "```sh",
        cmd,
        "```",
        "",
        setup,
        "",
        "| figure | value |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in rows),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    d = Options()
    ap.add_argument("--operators", type=int, default=d.operators)
    ap.add_argument("--minutes", type=float, default=d.minutes)
    ap.add_argument("--mode", choices=["predictive", "progressive"], default=d.mode)
    ap.add_argument("--database", choices=["postgresql", "sqlite"], default=d.database)
    ap.add_argument("--answer-rate", type=float, default=d.answer_rate)
    ap.add_argument("--talk", type=int, nargs=2, default=(d.talk_min, d.talk_max), metavar=("MIN", "MAX"))
    ap.add_argument("--wrap-up", type=int, default=d.wrap_up)
    ap.add_argument("--record", action="store_true", help="record every call (snoops + post-processing)")
    ap.add_argument("--amd", action="store_true", help="answering-machine detection (adds its seconds to the latency)")
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--ua-per-sipp", type=int, default=d.ua_per_sipp, help="operators per SIPp answering process")
    ap.add_argument(
        "--customers",
        choices=["local", "trunk"],
        default=d.customers,
        help="simulated customers as Local channels on the dialer's Asterisk, or on a second one over a PJSIP trunk",
    )
    ap.add_argument(
        "--private", action="store_true", help="run on the benchmark's own Asterisk instances (5438..), not the lab"
    )
    ap.add_argument(
        "--sip-log", action="store_true", help="with --private: PJSIP's logger on both instances; SIP timeline reported"
    )
    ap.add_argument(
        "--unresolved-host-name",
        action="store_true",
        help=f"with --private: run Asterisk as host {UNRESOLVED_HOST_NAME}, which nothing resolves (diagnostic)",
    )
    ap.add_argument("--out", type=Path, default=d.out, help="the Markdown report")
    ap.add_argument("--log-level", default="WARNING", help="the dialer's log level (INFO shows every pacing step)")
    args = ap.parse_args(argv)
    if not 1 <= args.operators <= 100:
        ap.error("--operators must be 1..100 (the lab has op21..op120 for the benchmark)")
    if (args.sip_log or args.unresolved_host_name) and not args.private:
        ap.error("--sip-log and --unresolved-host-name need --private (the shared lab is not changed)")
    opts = Options(
        operators=args.operators,
        minutes=args.minutes,
        mode=args.mode,
        database=args.database,
        answer_rate=args.answer_rate,
        talk_min=args.talk[0],
        talk_max=args.talk[1],
        wrap_up=args.wrap_up,
        record=args.record,
        amd=args.amd,
        seed=args.seed,
        ua_per_sipp=args.ua_per_sipp,
        customers=args.customers,
        private=args.private,
        sip_log=args.sip_log,
        unresolved_host_name=args.unresolved_host_name,
        out=args.out,
    )
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    text_ = run(opts)
    print(text_)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(text_)
    print(f"written to {opts.out}")


if __name__ == "__main__":
    main()
