"""Connect benchmark on the Asterisk lab (issue 15): how long an answered person waits for an operator,
per connect strategy and team size, measured on Asterisk's own clock.

    flock /tmp/dialer-lab-tests.lock .venv/bin/python -m bench.connect_bench --operators 5,20 \
        --strategies amd_off,amd_then_connect --seconds 45

N simulated operators (SIPp softphones, ten per process: bench/shared_softphones.py, op21..) and a
predictive campaign dialling simulated customers who mostly answer (ring 1-4 s, say "hello", then talk
5-12 s). Latency is Asterisk's channel event log (asterisk_conf/cel_custom.conf): the customer
channel's ANSWER to its BRIDGE_ENTER into the operator's bridge, p50/p95/p99 (nearest rank), and the
share of answered calls bridged within 0.1 s / 0.3 s / 2 s (an answered call never bridged counts as
over every bound).

What the operator hears is measured too: `dumpcap` (Debian's tshark, installed by the bench when missing)
captures SIP and Asterisk's RTP on loopback (dialer.lab.rtp_capture). Each operator's INVITE names the
Asterisk port its audio leaves from; per bridged call, "heard" is the first packet toward that operator
louder than -45 dBFS after the customer channel's CEL ANSWER, minus that ANSWER: answer -> the operator's
softphone receives the customer's first sound (the simulated customer says "hello" on answer). Both
clocks are the host's. The figure is an upper bound on the path: it includes the silence the "hello"
recording starts with (printed) and, with AMD, the whole detection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_bench import ready_lab
from bench.load_events import percentile
from bench.shared_softphones import SharedSoftphoneBank
from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.compliance.abandons import greeting_end_from_amd
from dialer.config import PROJECT_ROOT
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.repository import Repository
from dialer.floor import LiveCall
from dialer.lab import AsteriskLab
from dialer.lab.cel import CelConnect, connects, ensure_cel, read_cel
from dialer.lab.rtp_capture import (
    RtpCapture,
    UdpPacket,
    first_audible,
    first_packet,
    operator_streams,
    read_pcap,
    streams,
)
from dialer.rules.campaign import parse_campaign
from dialer.service import CampaignRun
from dialer.simcustomers import SimBehaviour, sim_number

FIRST_OPERATOR = 21
BOUNDS_S = (0.1, 0.3, 2.0)


@dataclass(frozen=True)
class Cell:
    strategy: str
    operators: int
    placed: int
    answered: int
    bridged: int
    latencies_s: tuple[float, ...]  # ANSWER -> BRIDGE_ENTER of bridged calls
    path_s: tuple[float, ...]  # the same, of the calls an operator was free for when the person was known
    greeting_s: tuple[float, ...]  # amd_then_connect: the greeting's end (stored amd_at) to CEL BRIDGE_ENTER
    heard_s: tuple[float, ...]  # CEL ANSWER -> the first audible customer packet toward the operator
    audio_s: tuple[float, ...]  # CEL ANSWER -> the first packet of the customer's audio toward the operator
    load: tuple[float, float]  # the machine's 1-minute load average at the cell's start and end

    def within(self, bound: float) -> float:
        """Share of answered calls bridged within `bound` seconds."""
        ok = sum(1 for x in self.latencies_s if x <= bound)
        return ok / self.answered if self.answered else 0.0

    def row(self) -> str:
        if not self.latencies_s:
            return f"| {self.strategy} | {self.operators} | {self.placed} | {self.answered} | 0 |" + " - |" * 17
        p = [percentile(self.latencies_s, q) * 1000 for q in (50, 95, 99)]
        shares = " | ".join(f"{self.within(b):.0%}" for b in BOUNDS_S)
        return (
            f"| {self.strategy} | {self.operators} | {self.placed} | {self.answered} | {self.bridged} | "
            f"{p[0]:.0f} | {p[1]:.0f} | {p[2]:.0f} | {shares} | {len(self.path_s)} | {_ms(self.path_s)} | "
            f"{_ms(self.greeting_s)} | {len(self.heard_s)} | {_ms(self.heard_s)} | {_share(self.heard_s, 0.1)} | "
            f"{_share(self.heard_s, 0.3)} | {len(self.audio_s)} | {_ms(self.audio_s)} | "
            f"{self.load[0]:.1f} to {self.load[1]:.1f} |"
        )


def _share(values: tuple[float, ...], bound: float) -> str:
    return f"{sum(1 for x in values if x <= bound) / len(values):.0%}" if values else "-"


def _ms(values: tuple[float, ...]) -> str:
    return " / ".join(f"{percentile(values, q) * 1000:.0f}" for q in (50, 95, 99)) if values else "-"


HEADER = (
    "| strategy | operators | placed | answered | bridged | p50 ms | p95 ms | p99 ms | ≤0.1 s | ≤0.3 s | ≤2 s "
    "| operator free | its p50 / p95 / p99 ms | greeting end → bridge p50 / p95 / p99 ms "
    "| heard (RTP) | answer → operator hears p50 / p95 / p99 ms | heard ≤0.1 s | heard ≤0.3 s "
    "| audio starts (RTP) | answer → customer's audio reaches the operator p50 / p95 / p99 ms | load avg |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def contacts(count: int, seed: int) -> list[str]:
    """85 % answer ("hello", then 5-12 s of talk), the rest are busy or ring out. Deterministic for a seed."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        prefix = f"+79{i:06d}"
        r = rng.random()
        if r < 0.85:
            out.append(sim_number(SimBehaviour.HUMAN, rng.randint(1, 4), rng.randint(5, 12), prefix=prefix))
        elif r < 0.93:
            out.append(sim_number(SimBehaviour.BUSY, rng.randint(1, 3), 0, prefix=prefix))
        else:
            out.append(sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix=prefix))
    return out


def campaign(strategy: str, operators: int) -> dict[str, Any]:
    return {
        "name": f"connect-bench-{strategy}-{operators}",
        "dial_string": "Local/{number}@sim-customers",
        "dispositions": [{"code": "ok", "label": "OK", "positive": True}],
        "recording": "none",
        "connect_strategy": strategy,
        "ring_timeout_seconds": 8,
        "connect_limit_seconds": 2,
        "wrap_up_seconds": 1,
        "calling_windows": {"weekly": {"daily": "00:00-24:00"}, "fallback_timezone": "Europe/Moscow"},
        "dialing": {"mode": "predictive", "max_lines": operators * 3, "max_lines_per_operator": 3},
    }


async def dial_for(
    lab: AsteriskLab,
    repo: Repository,
    url: str,
    campaign_id: int,
    logins: list[str],
    s: float,
    free: dict[str, bool],
) -> None:
    """Dial for `s` seconds; `free` gets, per customer channel, whether an operator was ready at the moment
    the dialer knew a person was there (the answer, or the AMD verdict): those calls measure the path
    alone, the others also the wait for an operator that predictive pacing accepts."""
    settings = lab.config.settings(database_url=url, recordings_dir=PROJECT_ROOT / "var" / "connect_bench")
    service = dialer_service(settings, repo)
    person_answered = service.calls._person_answered

    async def spy(run: CampaignRun, call: LiveCall) -> None:
        op = run.floor.free_operator(prefer=call.preferred_operator_id, server=call.server)
        free[call.channel_id] = op is not None
        await person_answered(run, call)

    service.calls._person_answered = spy  # type: ignore[method-assign]
    await service.start()
    try:
        await service.open_campaign(campaign_id)
        for login in logins:
            await service.login(campaign_id, login)
        await service.wait_logged_in(campaign_id, logins, timeout=60 + len(logins) * 0.5)
        task = asyncio.create_task(service.run_campaign(campaign_id, until_done=False))
        await asyncio.sleep(s)
        task.cancel()  # no new calls; the ones in flight end on their own
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            await service.wait_idle(timeout=60)
        except TimeoutError:  # a stalled lab: the calls that ended are measured, the row says how many
            print(f"calls still in flight after 60 s: {len(service.ctx.run(campaign_id).floor.calls)}", flush=True)
        for login in logins:
            await service.logout(campaign_id, login)
        await asyncio.sleep(0.5)
        await service.db.flush()
    finally:
        await service.close()


def run_cell(lab: AsteriskLab, strategy: str, operators: int, seconds: float, seed: int) -> Cell:
    workdir = PROJECT_ROOT / "var" / "connect_bench"
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"{strategy}-{operators}.db"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    migrate(url)
    repo = Repository(make_session_factory(make_engine(url)))
    campaign_id = apply_campaign(repo, parse_campaign(campaign(strategy, operators)))
    count = int(operators * seconds / 6) + 4 * operators  # more than the team can take in the time
    repo.add_contact_list(campaign_id, "bench", [{"phone": n} for n in contacts(count, seed)])
    logins = [f"op{i}" for i in range(FIRST_OPERATOR, FIRST_OPERATOR + operators)]
    for login in logins:
        repo.ensure_operator(login, login, f"PJSIP/{login}")
    bank = SharedSoftphoneBank(lab.config, 10)
    free: dict[str, bool] = {}
    capture = RtpCapture(workdir / f"{strategy}-{operators}.pcap", lab.config.sip_port, rtp_range(lab))
    capture.start()
    load_before = os.getloadavg()[0]
    try:
        bank.start_many(logins)
        asyncio.run(dial_for(lab, repo, url, campaign_id, logins, seconds, free))
    finally:
        bank.stop_all()
        packets = capture.stop()
    load = (load_before, os.getloadavg()[0])
    return measure(lab, strategy, operators, repo, campaign_id, logins, packets, free, load)


def measure(
    lab: AsteriskLab,
    strategy: str,
    operators: int,
    repo: Repository,
    campaign_id: int,
    logins: list[str],
    packets: list[UdpPacket],
    free: dict[str, bool] | None,
    load: tuple[float, float],
) -> Cell:
    """A cell's figures from what the run left: the attempts, Asterisk's CEL and the capture. `free`: per
    customer channel, whether an operator was ready when the person was known (None: not known)."""
    attempts = repo.attempts(campaign_id)
    cel = connects(read_cel(lab.config.cel_csv_path), [a.channel_id for a in attempts])
    answered = [x for x in cel.values() if x.answered_at is not None]
    latencies = tuple(sorted(x.latency_s for x in answered if x.latency_s is not None))
    known = free if free is not None else {}
    path = tuple(sorted(x.latency_s for x in answered if x.latency_s is not None and known.get(x.channel_id)))
    # AMD: the greeting's end (the stored verdict time, attempt.amd_at, less the silence AMD waited for)
    # to Asterisk's BRIDGE_ENTER: what the US rule's 2 s run from
    greeting = []
    for a in attempts if strategy == "amd_then_connect" else []:
        end, c = greeting_end_from_amd(a.amd_at, a.amd_status, a.amd_cause), cel.get(a.channel_id)
        if end is not None and c is not None and c.bridged_at is not None:
            greeting.append((c.bridged_at - end.replace(tzinfo=end.tzinfo or UTC)).total_seconds())
    login_of = {repo.operator(login).id: login for login in logins}  # type: ignore[union-attr]
    heard_at = {a.channel_id: login_of[a.operator_id] for a in attempts if a.operator_id in login_of and a.bridged_at}
    heard, audio = heard_after_answer(packets, cel, heard_at)
    return Cell(
        strategy,
        operators,
        len(attempts),
        len(answered),
        len(latencies),
        latencies,
        path,
        tuple(sorted(greeting)),
        tuple(sorted(heard)),
        tuple(sorted(audio)),
        load,
    )


def remeasure(lab: AsteriskLab, strategy: str, operators: int) -> Cell:
    """A cell measured again from the files its run left in var/connect_bench (the database and the
    capture; the machine's load and who was free are not kept)."""
    workdir = PROJECT_ROOT / "var" / "connect_bench"
    repo = Repository(make_session_factory(make_engine(f"sqlite:///{workdir / f'{strategy}-{operators}.db'}")))
    logins = [f"op{i}" for i in range(FIRST_OPERATOR, FIRST_OPERATOR + operators)]
    packets = list(read_pcap(workdir / f"{strategy}-{operators}.pcap"))
    nan = float("nan")
    return measure(lab, strategy, operators, repo, 1, logins, packets, None, (nan, nan))


def rtp_range(lab: AsteriskLab) -> tuple[int, int]:
    return lab.config.rtp_start, lab.config.rtp_end


def heard_after_answer(
    packets: list[UdpPacket], cel: dict[str, CelConnect], operator_of: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Per bridged call (customer channel -> operator login), from the customer channel's CEL ANSWER: to
    the first audible packet toward that operator (the operator hears the customer), and to the first
    packet at all after an idle stream (the customer's audio reaches the operator, whatever it says). A
    call whose audio never showed within 15 s is left out of each (the counts show it)."""
    ports = operator_streams(packets)
    by_port = streams(packets)
    heard, audio = [], []
    for channel_id, login in operator_of.items():
        c = cel.get(channel_id)
        if c is None or c.answered_at is None:
            continue
        t0 = c.answered_at.timestamp()
        loud = [first_audible(by_port.get(port, []), t0, t0 + 15) for port in ports.get(login, [])]
        first = [first_packet(by_port.get(port, []), t0, t0 + 15) for port in ports.get(login, [])]
        if times := [t for t in loud if t is not None]:
            heard.append(min(times) - t0)
        if times := [t for t in first if t is not None]:
            audio.append(min(times) - t0)
    return heard, audio


def ensure_dumpcap() -> None:
    """The capture tool is a bench-only dependency: install Debian's tshark when it is missing."""
    if shutil.which("dumpcap") is None:
        subprocess.run(
            ["flock", "/tmp/dialer-apt.lock", "apt-get", "install", "-y", "-q", "tshark"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


def greeting_lead_ms(lab: AsteriskLab) -> float:
    """How much silence the simulated customer's "hello" starts with: Asterisk converts its sound to mu-law
    and the same level test as the capture finds the first loud 20 ms."""
    out = "/tmp/dialer-bench-hello.ulaw"
    lab.cli(f"file convert /usr/share/asterisk/sounds/en/hello.gsm {out}")
    data = (lab.config.root / out.lstrip("/")).read_bytes()
    header = b"\x80\x00" + bytes(10)  # RTP, payload type 0: the capture's own level test on the file
    frames = [UdpPacket(k / 8000, 0, 0, header + data[k : k + 160]) for k in range(0, len(data), 160)]
    onset = first_audible(frames, 0.0, float("inf"))
    return float("nan") if onset is None else onset * 1000


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--operators", default="5,20", help="team sizes, comma-separated")
    ap.add_argument("--strategies", default="amd_off,amd_then_connect", help="connect strategies, comma-separated")
    ap.add_argument("--seconds", type=float, default=45.0, help="dialling time per cell")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--from-files", action="store_true", help="measure the last run's saved cells again")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.operators.split(",")]
    lab = ready_lab(FIRST_OPERATOR + max(sizes) - 1)
    ensure_cel(lab)
    ensure_dumpcap()
    lead = greeting_lead_ms(lab)
    print(f"the customer's 'hello' is quieter than -45 dBFS for its first {lead:.0f} ms", flush=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = []
    for strategy in args.strategies.split(","):
        for n in sizes:
            try:
                if args.from_files:
                    row = remeasure(lab, strategy, n).row()
                else:
                    row = run_cell(lab, strategy, n, args.seconds, args.seed).row()
            except Exception as exc:  # one failed cell (a stalled lab) does not lose the others
                row = f"| {strategy} | {n} | failed: {type(exc).__name__}: {str(exc)[:80]} |"
            print(row, flush=True)
            rows.append(row)
    print(f"\n{started}, {args.seconds:.0f} s of dialling per cell\n{HEADER}\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
