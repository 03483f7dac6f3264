"""Is the model's expected count of abandons right? (eleventh round)

At moments every `--every` seconds of an engine's shift, the model (the engine's own tables, from the learner's
statistics of that moment) gives the expected abandons of the calls in flight with no new call placed. A copy of
the simulation is then played on for 45 s by a policy that places nothing: the abandons it counts are what those
same calls did. Summed over moments: realised / expected is the model's calibration; the share of moments whose
count is over the guard's likely worst (`x + z·sqrt(d·x)`, 99 %, d = 2) says whether its bound holds.

PYTHONPATH=. .venv/bin/python bench/results/round11/calibration.py cold-b2b-small 1,2,3 [--day 2] [--every 10]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
from typing import Any

from bench.pacing_bench import SECOND_DAY_SEED, load
from dialer.pacing import OperatorState, PacingSnapshot
from dialer.pacing.guard import pending_abandons_bound
from dialer.pacing.model import outlook, pacing_tables
from dialer.sim.compare import make_policy
from dialer.sim.engine import Simulation

EXPECTED_BINS = ((0, 0.01), (0.01, 0.03), (0.03, 0.1), (0.1, 0.3), (0.3, math.inf))  # the model's expected abandons
FOLLOW_S = 45.0  # every call in flight has resolved by then (no answer after 28-30 s, connect limit 2 s)


def _nothing(_: PacingSnapshot) -> int:
    return 0


def moments(scenario_name: str, seed: int, *, day: int, every: float, spec: str) -> list[dict[str, Any]]:
    scenario = load(scenario_name, 2.0)
    history = None
    if day == 2:
        yesterday = Simulation(scenario, make_policy("progressive"), seed=seed + SECOND_DAY_SEED)
        yesterday.run()
        history = yesterday.history()
    sim = Simulation(scenario, make_policy(spec), seed=seed, history=history)
    sim.start()
    rows: list[dict[str, Any]] = []
    t = every + 0.5  # between two decisions (they are on whole seconds)
    while t + FOLLOW_S < scenario.duration_s:
        sim.advance(t)
        t += every
        learned = sim.learned
        if learned is None or not (sim.ringing or sim.waiting):
            continue
        now = sim.now
        ops = [o for o in sim.ops if o.logged_in]
        on_call = [now - o.since for o in ops if o.state is OperatorState.ON_CALL]
        wrap_up = [now - o.since for o in ops if o.state is OperatorState.WRAP_UP]
        ready = sum(1 for o in ops if o.state is OperatorState.READY)
        waiting = sum(1 for c in sim.waiting if not c.abandoned and not c.connected)
        knobs = sim.knobs
        look = outlook(
            pacing_tables(learned, knobs.wrap_up_limit_s),
            ready=ready,
            on_call_s=on_call,
            wrap_up_s=wrap_up,
            ringing_s=[now - c.placed_at for c in sim.ringing.values()],
            answered_waiting=waiting,
            connect_limit_s=knobs.connect_limit_s,
        )
        expected = look.expected_abandons(0)
        fork = copy.deepcopy(sim)
        fork.policy.calls_to_place = _nothing  # type: ignore[method-assign]
        fork.advance(now + FOLLOW_S)
        rows.append(
            {
                "seed": seed,
                "t": now,
                "ready": ready,
                "busy": len(on_call) + len(wrap_up),
                "ringing": len(sim.ringing),
                "waiting": waiting,
                "expected": expected,
                "lost": fork.counters.abandoned - sim.counters.abandoned,
                "answers_expected": look.pending_answers,
                "answers": fork.counters.answered - sim.counters.answered,
                "bound": pending_abandons_bound(expected, knobs.abandon_confidence, knobs.abandon_dispersion),
                "p": learned.answer_probability,
            }
        )
    return rows


def clumped_tail(expected: float, at_least: int, dispersion: float) -> float:
    """P(N >= `at_least`) for a count of mean `expected` in Poisson clumps of geometric size whose variance over
    mean is `dispersion` (Polya-Aeppli; dispersion 1: plain Poisson). What the tail of the guard's assumed
    over-dispersion would be, to hold against the counts seen."""
    p = 2.0 / (max(dispersion, 1.0) + 1.0)  # a clump's P(size = 1)
    lam = expected * p
    pmf = [math.exp(-lam)]
    for n in range(1, at_least):  # Panjer's recursion
        pmf.append(lam / n * sum(k * p * (1.0 - p) ** (k - 1) * pmf[n - k] for k in range(1, n + 1)))
    return max(0.0, 1.0 - sum(pmf))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("seeds", help="comma-separated; or, with --saved, comma-separated JSON files of rows")
    ap.add_argument("--saved", action="store_true", help="only print the bins of rows saved by --out")
    ap.add_argument("--day", type=int, default=2)
    ap.add_argument("--every", type=float, default=10.0)
    ap.add_argument("--spec", default="predictive")
    ap.add_argument("--out", help="write every moment's row to this JSON file")
    args = ap.parse_args()
    total: list[dict[str, Any]] = []
    if args.saved:
        for path in args.seeds.split(","):
            with open(path) as f:
                total += json.load(f)
        print_bins(total)
        return
    for s in (int(x) for x in args.seeds.split(",")):
        rows = moments(args.scenario, s, day=args.day, every=args.every, spec=args.spec)
        total += rows
        e, lost, ea, a, over = totals(rows)
        print(
            f"{args.scenario} seed {s}: {len(rows)} moments, abandons expected {e:.2f} realised {lost} "
            f"({lost / max(e, 1e-9):.2f}x), answers expected {ea:.1f} realised {a} ({a / max(ea, 1e-9):.2f}x), "
            f"over the likely worst {over}",
            flush=True,
        )
    print_bins(total)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(total, f)


def totals(rows: list[dict[str, Any]]) -> tuple[float, int, float, int, int]:
    """Abandons expected and seen, answers expected and seen, and moments whose count was over the bound."""
    return (
        sum(r["expected"] for r in rows),
        sum(r["lost"] for r in rows),
        sum(r["answers_expected"] for r in rows),
        sum(r["answers"] for r in rows),
        sum(r["lost"] > r["bound"] + 1e-9 for r in rows),
    )


def print_bins(rows: list[dict[str, Any]]) -> None:
    def show(label: str, sel: list[dict[str, Any]]) -> None:
        if not sel:
            return
        e, lost, ea, a, over = totals(sel)
        print(
            f"  {label:28s} n={len(sel):5d} abandons exp {e:7.2f} real {lost:4d} ratio {lost / max(e, 1e-9):5.2f}"
            f"  answers exp {ea:8.1f} real {a:5d} ratio {a / max(ea, 1e-9):5.2f}  over bound {over}"
        )

    show("all", rows)
    for lo, hi in EXPECTED_BINS:
        show(f"expected in [{lo}, {hi})", [r for r in rows if lo <= r["expected"] < hi])
    for k in range(0, 5):
        show(f"ready {k}", [r for r in rows if r["ready"] == k])
    show("ready 5+", [r for r in rows if r["ready"] >= 5])
    print("moments with at least k callers lost: seen, and expected if counts were Poisson / clumped (d = 2)")
    for lo, hi in EXPECTED_BINS:
        sel = [r for r in rows if lo <= r["expected"] < hi]
        if not sel:
            continue
        line = f"  expected in [{lo}, {hi}) n={len(sel):5d}"
        for k in (1, 2, 3):
            seen = sum(r["lost"] >= k for r in sel)
            poisson = sum(clumped_tail(r["expected"], k, 1.0) for r in sel)
            clumped = sum(clumped_tail(r["expected"], k, 2.0) for r in sel)
            line += f" | >={k}: seen {seen} Poisson {poisson:.2f} clumped {clumped:.2f}"
        print(line)


if __name__ == "__main__":
    main()
