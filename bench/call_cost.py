"""The cost of a call (issue 20): Asterisk CPU per concurrent call with each piece of a dialer call on and
off, on two PRIVATE lab instances (their own ports and directories, so the shared lab and its lock are
left alone).

    .venv/bin/python -m bench.call_cost --calls 16 --seconds 30 --repeats 2

Instance A is the dialer's Asterisk: N operators on SIPp softphones (auto-answer, streaming a tone, as
in the load benchmark), each nailed up in a mixing bridge of its own as the dialer does. For every
configuration the benchmark calls N simulated customers, puts each in an operator's bridge (after AMD,
and with recording, when the configuration has them), waits until all N are up, then reads the process
CPU time (utime + stime from /proc/<pid>/stat) of both Asterisk instances over a window, hangs up and
goes on. CPU per concurrent call = (CPU in the window - the idle floor's CPU over as long) / (N x window):
process CPU time, not wall clock, so other work on the shared machine slows a run but does not count in
it (it still disturbs caches and scheduling: every configuration runs `--repeats` times, interleaved,
and the table gives the median and the spread). Set-up CPU per call (originate, ringing, AMD, bridging,
recording start) is measured apart, from the first originate until the last call is up.

Instance B is the second lab instance: the simulated customers reached over the PJSIP trunk
(PJSIP/{number}@sim-trunk), the way a carrier is reached; the `local` configurations run them as Local
channels in A's own dialplan instead (Local/{number}@sim-customers, the lab's default).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_events import machine_busy_fraction, proc_cpu_seconds
from bench.shared_softphones import SharedSoftphoneBank
from dialer.config import PROJECT_ROOT
from dialer.lab import AsteriskLab, LabConfig
from dialer.lab.lab_config import (
    LAB_AMI_SECRET,
    LAB_AMI_USER,
    LAB_ARI_PASSWORD,
    LAB_ARI_USER,
    LOCAL_CUSTOMERS,
    TRUNK_CUSTOMERS,
)
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.telephony.ami import AmiClient
from dialer.telephony.ari import AriClient, TelephonyError

TICKS = os.sysconf("SC_CLK_TCK")
APP = "callcost"
log = logging.getLogger("call_cost")


@dataclass(frozen=True)
class Piece:
    """One configuration of a call: where the customer is, what it says, what the dialer adds."""

    name: str
    customers: str = "trunk"  # "trunk" (second instance over PJSIP) or "local" (Local channels on A)
    voice: bool = True  # the simulated customer talks (a tone) or answers and stays silent
    amd: bool = False
    recording: str = "none"  # "none", "snoops" (two snoop channels + two ARI recordings), "mixmonitor"
    trunk_codec: str = "ulaw"  # the operators' softphones speak ulaw: alaw on the trunk means transcoding
    formats: str = ""  # the originate's formats: "" lets Asterisk pick (slin192 for a Local channel)

    @property
    def label(self) -> str:
        parts = [
            "customers on B over the PJSIP trunk" if self.customers == "trunk" else "customers as Local channels on A",
            "talking" if self.voice else "silent",
        ]
        if self.amd:
            parts.append("AMD")
        if self.recording == "snoops":
            parts.append("2 snoops + 2 recordings")
        elif self.recording == "mixmonitor":
            parts.append("1 MixMonitor, r/t files")
        if self.customers == "trunk":
            parts.append(f"trunk {self.trunk_codec}")
        else:
            parts.append(f"originated as {self.formats}" if self.formats else "originated with no formats")
        return ", ".join(parts)


BASELINE = Piece("baseline", voice=False)
PIECES: tuple[Piece, ...] = (
    BASELINE,
    Piece("voice", voice=True),
    Piece("voice+amd", amd=True),
    Piece("voice+snoops", recording="snoops"),
    Piece("voice+mixmonitor", recording="mixmonitor"),
    Piece("voice+transcoding", trunk_codec="alaw"),
    Piece("local-silent", customers="local", voice=False),
    Piece("local-voice", customers="local"),
    Piece("local-voice+amd", customers="local", amd=True),
    Piece("local-voice+snoops", customers="local", recording="snoops"),
    Piece("local-voice+mixmonitor", customers="local", recording="mixmonitor"),
    Piece("local-voice-ulaw", customers="local", formats="ulaw"),
    Piece("local-voice-ulaw+mixmonitor", customers="local", recording="mixmonitor", formats="ulaw"),
)


# -- pure arithmetic ---------------------------------------------------------------------------------


def per_call(cpu_s: float, idle_rate: float, calls: int, seconds: float) -> float:
    """Share of a core one concurrent call costs: CPU over the window less the idle floor's, per call-second."""
    if calls <= 0 or seconds <= 0:
        raise ValueError("calls and seconds must be positive")
    return max(0.0, cpu_s - idle_rate * seconds) / (calls * seconds)


@dataclass
class Sample:
    piece: str
    a_share: float  # instance A (the dialer's Asterisk): share of a core per concurrent call
    b_share: float  # instance B (the customers' side)
    setup_a_s: float  # A's CPU seconds per call while setting calls up (ringing, AMD, bridging, recording)
    machine_busy: float  # the whole machine during the window, for the reader
    codec: str = ""  # the customer channel's native format on A, as Asterisk reports it


def median_spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def calls_per_core(share: float) -> float:
    return 1.0 / share if share > 0 else float("inf")


# -- the lab -----------------------------------------------------------------------------------------


def private_pair(operators: int) -> tuple[LabConfig, LabConfig]:
    """Two instances on ports and RTP ranges of their own (the shared lab has 5038/8088/5060 and 5039/8089/
    5070, RTP 20000-39998; SIPp 40000 and up; bench/load_bench.py --private 5438.. and RTP 16000-19998)."""
    return LabConfig(operators=operators, ari_app=APP).private_pair("cost", 5338, 8388, 5360, 10000)


def set_trunk_codec(labs: list[AsteriskLab], codec: str) -> None:
    """Re-render both instances with the trunk's codec and reload PJSIP (registrations stay)."""
    for lab in labs:
        if lab.config.trunk_codec == codec:
            continue
        lab.config = replace(lab.config, trunk_codec=codec)
        lab.render_config()
        lab.cli("module reload res_pjsip.so")
        deadline = time.monotonic() + 15
        while f"{codec}" not in (lab.cli("pjsip show endpoint sim-trunk", check=False) or ""):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the trunk of {lab.config.instance} did not come back with {codec}")
            time.sleep(0.3)
    time.sleep(1.0)


def cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return proc_cpu_seconds(fh.read(), TICKS)
    except OSError:
        return 0.0


def proc_stat() -> str:
    with open("/proc/stat") as fh:
        return fh.readline()


# -- the calls ---------------------------------------------------------------------------------------


@dataclass
class Floor:
    """The benchmark's own little dialer on instance A: operators' bridges, customers, recordings."""

    operators: list[str]
    spool: Path  # the recordings' directory as this process sees it
    asterisk_spool: str  # the same directory as Asterisk (in its chroot) sees it
    ari: AriClient = field(init=False)
    ami: AmiClient = field(init=False)
    failures: list[str] = field(default_factory=list)  # rounds that failed, for the report
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:6])  # channel ids unique to this run
    up: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)  # channel id -> StasisStart
    channel_names: dict[str, str] = field(default_factory=dict)

    def prefix(self, round_: int) -> str:
        return f"cc{self.token}-{round_}-"

    async def on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") != "StasisStart":
            return
        channel = event.get("channel") or {}
        cid = str(channel.get("id", ""))
        self.channel_names[cid] = str(channel.get("name", ""))
        waiter = self.up.get(cid)
        if waiter is not None and not waiter.done():
            waiter.set_result(event)
        elif waiter is not None:  # back from AMD: a second StasisStart
            self.up[cid] = asyncio.get_running_loop().create_future()
            self.up[cid].set_result(event)

    def _expect(self, cid: str) -> asyncio.Future[dict[str, Any]]:
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.up[cid] = fut
        return fut

    async def nail_up(self) -> None:
        """Each operator's softphone called once and kept in its own bridge, as the dialer does."""

        async def one(op: str) -> None:
            cid = f"cc-op-{op}"
            fut = self._expect(cid)
            await self.ari.create_bridge(f"cc-br-{op}", f"cc-br-{op}")
            await self.ari.originate(f"PJSIP/{op}", channel_id=cid, app_args="operator", timeout_s=15)
            await asyncio.wait_for(fut, 20)
            await self.ari.add_to_bridge(f"cc-br-{op}", cid)

        await asyncio.gather(*(one(op) for op in self.operators))

    async def call(self, piece: Piece, op: str, round_: int, talk_s: int) -> None:
        """One customer: originate, (AMD,) into the operator's bridge, (recording started)."""
        cid = f"{self.prefix(round_)}{op}"
        behaviour = SimBehaviour.HUMAN if piece.voice else SimBehaviour.SILENT
        number = sim_number(behaviour, 0, talk_s, prefix=f"+7999{round_ % 100:02d}{op[2:]:0>3}")
        dial = TRUNK_CUSTOMERS if piece.customers == "trunk" else LOCAL_CUSTOMERS
        fut = self._expect(cid)
        endpoint = dial.format(number=number.lstrip("+"))
        try:
            await self.ari.originate(endpoint, channel_id=cid, app_args="c", timeout_s=15, formats=piece.formats)
        except TelephonyError:  # a loaded Asterisk, or PJSIP just reloaded: once more, then give up
            await asyncio.sleep(2.0)
            await self.ari.originate(endpoint, channel_id=cid, app_args="c", timeout_s=15, formats=piece.formats)
        await asyncio.wait_for(fut, 30)
        if piece.amd:
            back = self._expect(cid)
            await self.ari.continue_in_dialplan(cid, "dialer-amd")
            event = await asyncio.wait_for(back, 30)
            if "amd" not in (event.get("args") or []):
                raise RuntimeError(f"{cid} came back from AMD without a verdict: {event.get('args')}")
        await self.ari.add_to_bridge(f"cc-br-{op}", cid)
        if piece.recording == "snoops":
            for role, channel in (("customer", cid), ("operator", f"cc-op-{op}")):
                snoop = f"{cid}-snoop-{role}"
                started = self._expect(snoop)
                await self.ari.snoop(channel, snoop)
                await asyncio.wait_for(started, 10)
                await self.ari.record(snoop, f"{cid}-{role}")
        elif piece.recording == "mixmonitor":
            name, spool = self.channel_names[cid], self.asterisk_spool
            reply = await self.ami.action(
                {
                    "Action": "MixMonitor",
                    "Channel": name,
                    "File": "",
                    "Options": f"r({spool}/{cid}-customer.wav)t({spool}/{cid}-operator.wav)",
                }
            )
            if str(reply.get("Response", "")) != "Success":
                raise RuntimeError(f"MixMonitor on {name} failed: {dict(reply)}")

    async def hang_up(self, piece: Piece, round_: int) -> None:
        for op in self.operators:
            cid = f"{self.prefix(round_)}{op}"
            with contextlib.suppress(Exception):
                await self.ari.hangup(cid)
            if piece.recording == "snoops":
                with contextlib.suppress(Exception):
                    await self.ari.hangup(f"{cid}-snoop-operator")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = [c for c in await self.ari.channel_ids() if c.startswith(self.prefix(round_))]
            if not left:
                return
            await asyncio.sleep(0.3)
        raise RuntimeError(f"channels of round {round_} still up 30 s after hang-up")


async def measure(
    piece: Piece,
    floor: Floor,
    labs: tuple[AsteriskLab, AsteriskLab],
    idle: tuple[float, float],
    round_: int,
    seconds: float,
) -> Sample:
    a_pid, b_pid = labs[0]._pid(), labs[1]._pid()
    set_trunk_codec(list(labs), piece.trunk_codec)
    talk_s = int(seconds + 60)
    t0, a0 = time.monotonic(), cpu_of(a_pid)
    burst = asyncio.Semaphore(4)  # a dialer paces its originates too; a burst of all N at once stalls ARI

    async def one(op: str) -> None:
        async with burst:
            await floor.call(piece, op, round_, talk_s)

    await asyncio.gather(*(one(op) for op in floor.operators))
    setup_s, a_setup = time.monotonic() - t0, cpu_of(a_pid) - a0
    await asyncio.sleep(2.0)  # greetings over, media steady
    expected = {f"{floor.prefix(round_)}{op}" for op in floor.operators}
    codec = await floor.ari.channel_variable(
        f"{floor.prefix(round_)}{floor.operators[0]}", "CHANNEL(audionativeformat)"
    )
    up = expected & set(await floor.ari.channel_ids())
    if len(up) != len(floor.operators):
        raise RuntimeError(f"{piece.name}: {len(up)} of {len(floor.operators)} calls up")
    stat0, a0, b0 = proc_stat(), cpu_of(a_pid), cpu_of(b_pid)
    await asyncio.sleep(seconds)
    stat1, a1, b1 = proc_stat(), cpu_of(a_pid), cpu_of(b_pid)
    up = expected & set(await floor.ari.channel_ids())
    if len(up) != len(floor.operators):
        raise RuntimeError(f"{piece.name}: only {len(up)} of {len(floor.operators)} calls lasted the window")
    await floor.hang_up(piece, round_)
    if piece.recording != "none":
        await asyncio.sleep(1.0)  # the recordings' files closed
        files = {f.name: f.stat().st_size for f in floor.spool.glob(f"{floor.prefix(round_)}*.wav")}
        for op in floor.operators:  # both sides of every call recorded, with sound in them
            for role in ("customer", "operator"):
                if files.get(f"{floor.prefix(round_)}{op}-{role}.wav", 0) < 8000:
                    raise RuntimeError(f"{piece.name}: no {role} recording of {op}'s call ({files})")
    for f in floor.spool.glob(f"{floor.prefix(round_)}*"):
        f.unlink(missing_ok=True)
    n = len(floor.operators)
    return Sample(
        piece.name,
        per_call(a1 - a0, idle[0], n, seconds),
        per_call(b1 - b0, idle[1], n, seconds),
        max(0.0, a_setup - idle[0] * setup_s) / n,
        machine_busy_fraction(stat0, stat1),
        codec or "",
    )


async def idle_rates(labs: tuple[AsteriskLab, AsteriskLab], seconds: float) -> tuple[float, float]:
    """Each instance's CPU per second with the operators nailed up and no customer."""
    pids = labs[0]._pid(), labs[1]._pid()
    before = [cpu_of(p) for p in pids]
    await asyncio.sleep(seconds)
    after = [cpu_of(p) for p in pids]
    return (after[0] - before[0]) / seconds, (after[1] - before[1]) / seconds


async def bench(
    opts: Options, labs: tuple[AsteriskLab, AsteriskLab]
) -> tuple[list[Sample], list[tuple[float, float]], list[str]]:
    a = labs[0].config
    operators = [f"op{i}" for i in range(1, opts.calls + 1)]
    floor = Floor(operators, a.recording_dir, a.chroot_dir("/var/spool/asterisk") + "/recording")
    ari = floor.ari = AriClient(
        f"http://{a.bind_addr}:{a.ari_port}", LAB_ARI_USER, LAB_ARI_PASSWORD, APP, floor.on_event, request_timeout_s=30
    )
    ami = floor.ami = AmiClient(a.bind_addr, a.ami_port, LAB_AMI_USER, LAB_AMI_SECRET)
    await ari.start()
    await ami.connect()
    samples: list[Sample] = []
    idles: list[tuple[float, float]] = []
    failures = floor.failures
    try:
        await floor.nail_up()
        await asyncio.sleep(2.0)
        round_ = 0
        for rep in range(opts.repeats):
            order = list(opts.pieces) if rep % 2 == 0 else list(reversed(opts.pieces))
            idle = await idle_rates(labs, opts.idle_seconds)
            idles.append(idle)
            log.warning("repeat %d: idle A %.3f B %.3f cores", rep + 1, *idle)
            for piece in order:
                round_ += 1
                try:
                    sample = await measure(piece, floor, labs, idle, round_, opts.seconds)
                except Exception as exc:  # one failed round must not lose the others' figures: it is reported
                    log.error("%s failed: %r", piece.name, exc)
                    failures.append(f"{piece.name} (repeat {rep + 1}): {exc}")
                    with contextlib.suppress(Exception):
                        await floor.hang_up(piece, round_)
                    continue
                log.warning(
                    "%-24s A %.2f%% B %.2f%% of a core per call, set-up %.0f ms/call, machine %.0f%% busy, %s",
                    piece.name,
                    sample.a_share * 100,
                    sample.b_share * 100,
                    sample.setup_a_s * 1000,
                    sample.machine_busy * 100,
                    sample.codec,
                )
                samples.append(sample)
    finally:
        for op in operators:
            with contextlib.suppress(Exception):
                await ari.hangup(f"cc-op-{op}")
            with contextlib.suppress(Exception):
                await ari.destroy_bridge(f"cc-br-{op}")
        await ami.close()
        await ari.close()
    return samples, idles, failures


# -- the report --------------------------------------------------------------------------------------


@dataclass
class Options:
    calls: int = 16
    seconds: float = 30.0
    idle_seconds: float = 15.0
    repeats: int = 2
    pieces: tuple[Piece, ...] = PIECES
    out: Path = PROJECT_ROOT / "bench" / "results" / "call_cost.md"


def report(opts: Options, samples: list[Sample], idles: list[tuple[float, float]], started: datetime) -> str:
    by_piece: dict[str, list[Sample]] = {}
    for s in samples:
        by_piece.setdefault(s.piece, []).append(s)
    base = statistics.median(s.a_share for s in by_piece[BASELINE.name]) if BASELINE.name in by_piece else None

    def pct(values: list[float]) -> str:
        med, lo, hi = median_spread(values)
        return f"{med * 100:.2f} % ({lo * 100:.2f}-{hi * 100:.2f})"

    rows = []
    for piece in opts.pieces:
        got = by_piece.get(piece.name)
        if not got:
            continue
        a = [s.a_share for s in got]
        ratio = f"{statistics.median(a) / base:.2f}x" if base else "-"
        rows.append(
            f"| {piece.name} | {piece.label} | {pct(a)} | {ratio} | {calls_per_core(statistics.median(a)):.0f} |"
            f" {pct([s.b_share for s in got])} | {statistics.median(s.setup_a_s for s in got) * 1000:.0f} |"
            f" {statistics.median(s.machine_busy for s in got):.0%} | {got[0].codec} |"
        )
    cmd = (
        f".venv/bin/python -m bench.call_cost --calls {opts.calls} --seconds {opts.seconds:g} --repeats {opts.repeats}"
    )
    idle_a = ", ".join(f"{i[0] / opts.calls * 100:.2f} %" for i in idles)
    return "\n".join(
        [
            f"# The cost of a call: {opts.calls} concurrent calls, {opts.seconds:g} s windows"
            f" ({started.strftime('%Y-%m-%d %H:%M UTC')})",
            "",
            "```sh",
            cmd,
            "```",
            "",
            "Share of a core per concurrent call = process CPU time (utime + stime) of the Asterisk instance over"
            " the window, less its idle floor (operators nailed up, no customer), divided by calls x seconds;"
            " median over the repeats (min-max in brackets). A is the dialer's Asterisk, B the customers'"
            " (trunk configurations only). Set-up: A's CPU per call from originate until the call is bridged"
            " (and recorded). **The machine has "
            f"{os.cpu_count()} cores shared with other work**; 'machine busy' is everything on it during the"
            f" window. Idle floor of A per nailed-up operator: {idle_a} of a core.",
            "",
            "| configuration | what is on | **A per call** (min-max) | vs baseline | calls per core on A |"
            " B per call | set-up on A, ms/call | machine busy | customer leg's format on A |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            *rows,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    d = Options()
    ap.add_argument("--calls", type=int, default=d.calls, help="concurrent calls (operators) per configuration")
    ap.add_argument("--seconds", type=float, default=d.seconds, help="measuring window per configuration")
    ap.add_argument("--idle-seconds", type=float, default=d.idle_seconds)
    ap.add_argument("--repeats", type=int, default=d.repeats)
    ap.add_argument("--only", nargs="*", help="configurations to run (baseline always runs)", default=None)
    ap.add_argument("--out", type=Path, default=d.out)
    ap.add_argument("--keep-running", action="store_true", help="leave the private instances up")
    args = ap.parse_args(argv)
    if not 1 <= args.calls <= 100:
        ap.error("--calls must be 1..100")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    pieces = PIECES
    if args.only:
        unknown = set(args.only) - {p.name for p in PIECES}
        if unknown:
            ap.error(
                f"unknown configuration(s): {', '.join(sorted(unknown))}; known: {', '.join(p.name for p in PIECES)}"
            )
        pieces = tuple(p for p in PIECES if p.name == BASELINE.name or p.name in args.only)
    opts = Options(args.calls, args.seconds, args.idle_seconds, args.repeats, pieces, args.out)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    a_conf, b_conf = private_pair(max(args.calls, 1))
    labs = (AsteriskLab(a_conf), AsteriskLab(b_conf))
    bank = SharedSoftphoneBank(a_conf, per_process=10, base_port=14400, base_rtp=46000)
    started = datetime.now(UTC)
    try:
        for lab in labs:
            lab.up()
        bank.start_many(a_conf.operator_names[: args.calls])
        samples, idles, failures = asyncio.run(bench(opts, labs))
    finally:
        bank.stop_all()
        if not args.keep_running:
            for lab in labs:
                with contextlib.suppress(Exception):
                    lab.stop()
    text = report(opts, samples, idles, started)
    if failures:
        text += "\nFailed rounds (left out of the table):\n\n" + "".join(f"- {f}\n" for f in failures)
    print(text)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(text)
    print(f"written to {opts.out}")


if __name__ == "__main__":
    main()
