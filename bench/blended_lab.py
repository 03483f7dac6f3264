"""A blended campaign on the Asterisk lab (issue 19): people call the campaign's number at a known rate while
it dials predictively, real SIP softphones answer, and the inbound service level and the outbound abandon
rate are measured from Asterisk's own channel event log (CEL, asterisk_conf/cel_custom.conf) beside the
dialer's own figures for the same calls.

    flock /tmp/dialer-lab-tests.lock nice .venv/bin/python -m bench.blended_lab --minutes 5 --burst 120:8 \\
        --seed 1 --out bench/results/blended_lab.json

`tests/lab/test_blended_live.py` runs a short plan of it (about a minute) and fails on any disagreement.

The outbound side dials simulated customers (asterisk_conf/extensions.conf, `[sim-customers]`): a share
answer after ringing 1-4 s and talk, the others are busy or ring out; answering-machine detection is off, so
every answer is a live one. Callers are an originate from the lab's customer side into the campaign's number
(dialer.lab.callers) at Poisson times of the given rate, with the dialer's pacing told that rate
(`expected_per_hour`); a caller talks once an operator has them, and hangs up after their patience if none
has. A caller who gives up becomes a callback task, and the campaign dials them back (their numbers are
simulated customers too). Like tests/lab/test_predictive_live.py, the run is primed with an hour of
abandon-free calls and lowered learning gates, so the engine predicts within seconds instead of after its
usual hundred dials; and with this hour's inbound handle time (20 calls of the plan's mean talk plus
wrap-up), since the learner's 180 s prior would hold every operator back for callers who talk seconds.

From CEL: the queue is entered at the inbound channel's ANSWER and left at its BRIDGE_ENTER into an
operator's bridge (answered) or its HANGUP; an outbound customer's abandon is an ANSWER with no
BRIDGE_ENTER, or one later than the connect limit. The dialer's figures are the wallboard's
(`dialer.db.inbound.inbound_figures`), the summary's and the console's (`dialer.db.abandon_figures`) and the
live abandon ledger's (what the pacing guard steers by).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_bench import ready_lab
from dialer.db.inbound import inbound_figures
from dialer.db.models import Attempt
from dialer.floor import CallStage
from dialer.lab import AsteriskLab
from dialer.lab.callers import LabCallers, inbound_channel, lab_callers
from dialer.lab.cel import CelConnect, connects, ensure_cel, live_answers_and_abandons, queue_calls, read_cel
from dialer.lab.softphones import SoftphoneBank
from dialer.rules.inbound_figures import InboundFigures
from dialer.service import CampaignRun, DialerService
from dialer.simcustomers import SimBehaviour, sim_number
from dialer.timestamps import as_utc
from dialer.web.queries import WebQueries
from tests.labkit import LabRun, dial

DID = "74950001920"  # the blended campaign's number (tests/lab/test_inbound_live.py has ...1919)
APP = "dialer-blended-lab"  # its own Stasis application: no other dialer on the lab sees these calls
PRIMED_CALLS = 300  # abandon-free calls of the last hour the run starts with (see the module's docstring)
PRIMED_INBOUND = 20  # inbound calls of this hour the run starts with: the learner's handle time is the hour's
WRAP_UP_S = 1


@dataclass(frozen=True)
class BlendedLabPlan:
    operators: tuple[str, ...]
    outbound_contacts: int
    callers_per_minute: float
    arrivals_for_s: float  # callers arrive from the start for this long
    seed: int = 1
    answer_share: float = 0.5  # of outbound customers (the rest: half busy, half ringing out)
    talk_s: tuple[int, int] = (6, 10)  # outbound customers who answer
    caller_talk_s: tuple[float, float] = (5.0, 8.0)  # callers, once with an operator
    patience_s: float = 10.0  # a caller hangs up after this long unanswered
    burst: tuple[float, int] | None = None  # (at s, callers): that many more call at once (e.g. after a mailing)
    within_s: float = 3.0  # the service level's threshold T (target: 80 % within T)
    connect_limit_s: float = 2.0
    min_lines_per_operator: float = 1.0  # the admin's floor of lines per ready operator (above 1: abandons)


@dataclass(frozen=True)
class Arrival:
    at_s: float
    phone: str
    talk_s: float


def outbound_numbers(plan: BlendedLabPlan) -> list[str]:
    """The outbound list: simulated customers drawn from the plan's seed."""
    rng = random.Random(plan.seed)
    numbers = []
    for i in range(plan.outbound_contacts):
        prefix = f"+7941{i:03d}"
        draw = rng.random()
        if draw < plan.answer_share:
            numbers.append(sim_number(SimBehaviour.HUMAN, rng.randint(1, 4), rng.randint(*plan.talk_s), prefix=prefix))
        elif draw < plan.answer_share + (1 - plan.answer_share) / 2:
            numbers.append(sim_number(SimBehaviour.BUSY, rng.randint(1, 3), 0, prefix=prefix))
        else:
            numbers.append(sim_number(SimBehaviour.NO_ANSWER, 0, 0, prefix=prefix))
    return numbers


def arrivals(plan: BlendedLabPlan) -> list[Arrival]:
    """Callers at Poisson times of the plan's rate, and the plan's burst; each caller's number is a simulated
    customer who answers (a caller who gave up is called back)."""
    rng = random.Random(plan.seed * 7919 + 1)
    out: list[Arrival] = []
    at = rng.expovariate(plan.callers_per_minute / 60)
    while at < plan.arrivals_for_s:
        phone = sim_number(SimBehaviour.HUMAN, 1, 5, prefix=f"+7926{len(out):03d}")
        out.append(Arrival(round(at, 2), phone, round(rng.uniform(*plan.caller_talk_s), 2)))
        at += rng.expovariate(plan.callers_per_minute / 60)
    if plan.burst is not None:
        burst_at, size = plan.burst
        for _ in range(size):
            phone = sim_number(SimBehaviour.HUMAN, 1, 5, prefix=f"+7926{len(out):03d}")
            out.append(Arrival(burst_at, phone, round(rng.uniform(*plan.caller_talk_s), 2)))
    return sorted(out, key=lambda a: a.at_s)


async def call_in(callers: LabCallers, run: CampaignRun, schedule: Iterable[Arrival], patience_s: float) -> None:
    """Each caller dials at their time, talks once an operator has them (as the dialer's floor shows it), and
    hangs up after `patience_s` if none has."""
    start = time.monotonic()

    async def one(arrival: Arrival) -> None:
        await asyncio.sleep(max(0.0, start + arrival.at_s - time.monotonic()))
        channel = await callers.call_in(arrival.phone)
        inbound = inbound_channel(channel)
        gives_up = time.monotonic() + patience_s
        while time.monotonic() < gives_up:
            call = run.floor.calls.get(inbound)
            if call is not None and call.stage is CallStage.BRIDGED:
                await asyncio.sleep(arrival.talk_s)
                break
            await asyncio.sleep(0.05)
        await callers.hang_up(channel)

    await asyncio.gather(*(one(a) for a in schedule))


@dataclass
class BlendedLabFigures:
    """Both sides' figures of one run; `disagreements` names every one that differs."""

    offered_callers: int  # arrivals the plan made
    inbound_cel: InboundFigures
    inbound_dialer: InboundFigures
    # (channel, dialer's wait, CEL's wait): until an operator answered, or until the caller left
    waits: list[tuple[str, float | None, float | None]]
    outbound_placed: int
    outbound_cel: tuple[int, int]  # live answers, abandons
    outbound_summary: tuple[int, int]  # the campaign summary's (dialer.db.abandon_figures)
    outbound_console: tuple[int, int]  # the admin console's day (WebQueries.abandon_rates)
    outbound_ledger: tuple[int, int]  # the running campaign's abandon ledger (the pacing guard's)
    arrivals_while_dialling: int  # inbound calls that arrived between the first and last outbound dial
    occupancy: float  # operators' busy share of logged-in time (the summary's)
    outbound_latencies: list[float] = field(default_factory=list)  # CEL answer -> bridge of the bridged ones
    connect_limit_s: float = 2.0
    tolerance_s: float = 0.5
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def rate(live_abandons: tuple[int, int]) -> float:
        live, abandons = live_abandons
        return abandons / live if live else 0.0

    def boundary_calls(self) -> int:
        """Answered callers whose CEL wait is within the tolerance of T: the two clocks may put them on
        either side of it."""
        t = self.inbound_cel.within_s
        return sum(1 for _, d, c in self.waits if c is not None and d is not None and abs(c - t) <= self.tolerance_s)

    def late_boundary_calls(self) -> int:
        """Outbound customers bridged within the tolerance of the connect limit (by CEL): the dialer, which
        takes the bridge time from its own clock once the bridge request returns, may count them late."""
        limit = self.connect_limit_s
        return sum(1 for x in self.outbound_latencies if abs(x - limit) <= self.tolerance_s)

    def disagreements(self) -> list[str]:
        out = []
        cel, mine = self.inbound_cel, self.inbound_dialer
        if not self.offered_callers == cel.offered == mine.offered:
            out.append(f"callers offered: plan {self.offered_callers}, CEL {cel.offered}, dialer {mine.offered}")
        for name in ("answered", "abandoned"):
            if getattr(cel, name) != getattr(mine, name):
                out.append(f"inbound {name}: CEL {getattr(cel, name)}, dialer {getattr(mine, name)}")
        if abs(cel.answered_in_time - mine.answered_in_time) > self.boundary_calls():
            out.append(
                f"answered within {cel.within_s:g} s: CEL {cel.answered_in_time}, dialer {mine.answered_in_time}"
                f" ({self.boundary_calls()} within {self.tolerance_s} s of the threshold)"
            )
        for channel, d, c in self.waits:
            if d is None or c is None or abs(d - c) > self.tolerance_s:
                out.append(f"wait of {channel}: dialer {d}, CEL {c}")
        sides = {"summary": self.outbound_summary, "console": self.outbound_console, "ledger": self.outbound_ledger}
        for name, (live, abandons) in sides.items():
            if live != self.outbound_cel[0] or abs(abandons - self.outbound_cel[1]) > self.late_boundary_calls():
                out.append(f"outbound live answers, abandons: CEL {self.outbound_cel}, {name} {(live, abandons)}")
        return out

    def report(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 1),
            "inbound": {
                "offered": self.offered_callers,
                "within_s": self.inbound_cel.within_s,
                "service_level_cel": round(self.inbound_cel.service_level, 4),
                "service_level_dialer": round(self.inbound_dialer.service_level, 4),
                "answered_in_time_cel": self.inbound_cel.answered_in_time,
                "answered_in_time_dialer": self.inbound_dialer.answered_in_time,
                "answered_near_the_threshold": self.boundary_calls(),
                "answered": self.inbound_cel.answered,
                "queue_abandons": self.inbound_cel.abandoned,
                "asa_s_cel": round(self.inbound_cel.average_speed_of_answer_s, 2),
                "asa_s_dialer": round(self.inbound_dialer.average_speed_of_answer_s, 2),
                "max_wait_difference_s": round(
                    max((abs(d - c) for _, d, c in self.waits if d is not None and c is not None), default=0.0), 3
                ),
                "arrivals_while_dialling": self.arrivals_while_dialling,
            },
            "outbound": {
                "placed": self.outbound_placed,
                "live_answers_cel": self.outbound_cel[0],
                "abandons_cel": self.outbound_cel[1],
                "abandon_rate_cel": round(self.rate(self.outbound_cel), 4),
                "bridged_near_the_connect_limit": self.late_boundary_calls(),
                "summary": list(self.outbound_summary),
                "console": list(self.outbound_console),
                "ledger": list(self.outbound_ledger),
            },
            "occupancy": round(self.occupancy, 4),
            "disagreements": self.disagreements(),
        }


def _waits(attempts: Iterable[Attempt], cel: dict[str, CelConnect]) -> list[tuple[str, float | None, float | None]]:
    out: list[tuple[str, float | None, float | None]] = []
    for a in attempts:
        c = cel[a.channel_id]
        left = a.bridged_at or a.ended_at
        mine = (as_utc(left) - as_utc(a.answered_at)).total_seconds() if left and a.answered_at else None
        theirs_left = c.bridged_at or c.ended_at
        theirs = (theirs_left - c.answered_at).total_seconds() if theirs_left and c.answered_at else None
        out.append((a.channel_id, mine, theirs))
    return out


async def _cel_of(lab: AsteriskLab, channel_ids: list[str], timeout_s: float = 10) -> dict[str, CelConnect]:
    """The calls' CEL once every answered one has its hang-up written (cel_custom writes as events come)."""
    deadline = time.monotonic() + timeout_s
    while True:
        cel = connects(read_cel(lab.config.cel_csv_path), channel_ids)
        if all(c.ended_at is not None for c in cel.values() if c.answered_at) or time.monotonic() > deadline:
            return cel
        await asyncio.sleep(0.2)


async def run_blended(
    lab: AsteriskLab, softphones: SoftphoneBank, plan: BlendedLabPlan, workdir: Path
) -> tuple[LabRun, BlendedLabFigures]:
    """One blended run on the lab; both sides' figures. Hold the lab's lock around it."""
    ensure_cel(lab)
    schedule = arrivals(plan)
    ledger_before: list[tuple[int, int]] = []
    since = datetime.now(UTC)
    began = time.monotonic()

    def prime(service: DialerService, run: CampaignRun) -> None:
        if ledger_before:
            return
        now = time.time()
        for i in range(PRIMED_CALLS):
            run.ledger.record(now - 3000 + 10 * i, abandoned=False)
        rolling = run.ledger.windows(now)[1]
        ledger_before.append((rolling.answered, rolling.abandoned))
        # ... and took callers this hour, handled (answer to the end of the wrap-up) in the plan's mean time:
        # the learner's prior of 180 s would otherwise see 4 callers a minute as 12 operators' work and keep
        # every operator for inbound
        handle_s = sum(plan.caller_talk_s) / 2 + WRAP_UP_S
        hour = service.ctx.clock.now().hour
        for _ in range(PRIMED_INBOUND):
            run.inbound_learner.observe_handle(handle_s, hour)
        service.change_knobs(run.campaign_id, {"min_dials_to_predict": 6, "min_talks_per_operator": 0})

    live_run: list[CampaignRun] = []

    async def callers(service: DialerService, run: CampaignRun) -> None:
        live_run.append(run)
        async with lab_callers(lab.config.settings(ari_app=APP), DID) as phones:
            await call_in(phones, run, schedule, plan.patience_s)

    lab_run = await dial(
        lab,
        softphones,
        workdir,
        outbound_numbers(plan),
        list(plan.operators),
        on_tick=prime,
        app=APP,
        alongside=callers,
        timeout_s=max(120.0, plan.arrivals_for_s * 3),
        name="lab-blended",
        amd=False,
        recording=False,
        wrap_up_seconds=WRAP_UP_S,
        ring_timeout_seconds=6,
        connect_limit_seconds=plan.connect_limit_s,
        dialing={
            "mode": "predictive",
            "max_lines": 3 * len(plan.operators),
            "max_lines_per_operator": 3,
            "min_lines_per_operator": plan.min_lines_per_operator,
        },
        inbound={
            "numbers": [f"+{DID}"],
            "max_wait": 120,  # longer than any caller's patience: nobody is released to a callback
            "own_operator_wait": 1,
            "service_level": {"share": "80%", "within": f"{plan.within_s:g}s"},
            "expected_per_hour": plan.callers_per_minute * 60,
        },
    )
    seconds = time.monotonic() - began
    repo, cid = lab_run.repo, lab_run.campaign_id
    attempts = repo.attempts(cid)
    outbound = [a for a in attempts if a.direction == "outbound"]
    inbound = [a for a in attempts if a.direction == "inbound"]
    cel = await _cel_of(lab, [a.channel_id for a in attempts])
    run = live_run[0]
    rolling = run.ledger.windows(time.time())[1]
    summary = repo.summary(cid)
    day = WebQueries(repo.sessions).abandon_rates(cid)["day"]
    dialled = sorted(as_utc(a.originated_at) for a in outbound)
    during = sum(1 for a in inbound if a.answered_at and dialled and dialled[0] <= as_utc(a.answered_at) <= dialled[-1])
    figures = BlendedLabFigures(
        offered_callers=len(schedule),
        inbound_cel=InboundFigures.of(queue_calls(cel[a.channel_id] for a in inbound), plan.within_s),
        inbound_dialer=inbound_figures(repo.sessions, cid, since, plan.within_s),
        waits=_waits(inbound, cel),
        outbound_placed=len(outbound),
        outbound_cel=live_answers_and_abandons((cel[a.channel_id] for a in outbound), plan.connect_limit_s),
        outbound_summary=(summary.live_answers or 0, summary.abandoned),
        outbound_console=(int(day["live"]), int(day["abandoned"])),
        outbound_ledger=(rolling.answered - ledger_before[0][0], rolling.abandoned - ledger_before[0][1]),
        arrivals_while_dialling=during,
        occupancy=summary.operator_busy_s / summary.operator_logged_in_s if summary.operator_logged_in_s else 0.0,
        outbound_latencies=[x for a in outbound if (x := cel[a.channel_id].latency_s) is not None],
        connect_limit_s=plan.connect_limit_s,
        seconds=seconds,
    )
    return lab_run, figures


def _burst(text: str) -> tuple[float, int]:
    at, _, size = text.partition(":")
    try:
        return float(at), int(size)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--burst: AT:CALLERS (seconds, count), got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long callers arrive (default 5)")
    parser.add_argument("--operators", type=int, default=6, help="softphone operators, op21.. (default 6)")
    parser.add_argument("--callers-per-minute", type=float, default=6.0)
    parser.add_argument("--contacts-per-minute", type=float, default=40.0, help="outbound list size per minute")
    parser.add_argument("--within", type=float, default=5.0, help="the service level's threshold T, s (default 5)")
    parser.add_argument("--burst", type=_burst, help="AT:CALLERS, that many more callers at once at AT s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the plan and the figures here as JSON")
    args = parser.parse_args(argv)
    plan = BlendedLabPlan(
        operators=tuple(f"op{21 + i}" for i in range(args.operators)),
        outbound_contacts=round(args.contacts_per_minute * args.minutes),
        callers_per_minute=args.callers_per_minute,
        arrivals_for_s=args.minutes * 60,
        talk_s=(4, 8),
        caller_talk_s=(4.0, 7.0),
        within_s=args.within,
        burst=args.burst,
        seed=args.seed,
    )
    lab = ready_lab(20 + args.operators)
    softphones = SoftphoneBank(lab.config)
    try:
        with tempfile.TemporaryDirectory(prefix="blended-lab-") as tmp:
            _, figures = asyncio.run(run_blended(lab, softphones, plan, Path(tmp)))
    finally:
        softphones.stop_all()
    result = {"command": " ".join(sys.argv), "plan": asdict(plan), "figures": figures.report()}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 1 if figures.disagreements() else 0


if __name__ == "__main__":
    raise SystemExit(main())
