"""Trace the engine's second day on cold-b2b-small (tenth round: seed 1036 crossed at 3.57 %): its abandons, the
share of decisions not predictive per 10-min block, and the decisions placing calls between two moments.

PYTHONPATH=. .venv/bin/python bench/results/round10/trace_small.py 1036
PYTHONPATH=. .venv/bin/python bench/results/round10/trace_small.py 126 cold-b2b-small 2560 2690   # eleventh round
"""

from __future__ import annotations

import collections
import sys
from typing import Any

from bench.pacing_bench import SECOND_DAY_SEED, load
from dialer.pacing import PacingSnapshot, decide
from dialer.sim.compare import make_policy
from dialer.sim.engine import Simulation


def main(seed: int, name: str = "cold-b2b-small", since: float = 5700, until: float = 5940) -> None:
    scenario = load(name, 2.0)
    yesterday = Simulation(scenario, make_policy("progressive"), seed=seed + SECOND_DAY_SEED)
    yesterday.run()
    policy: Any = make_policy("predictive")
    decisions: list[tuple[float, int, int, int, int, str, bool, str]] = []

    def traced(snap: PacingSnapshot) -> int:
        """The policy's own decision (`decide` is pure), kept whole: one call per decision, not two."""
        d = decide(snap)
        ready = sum(1 for o in snap.operators if o.state.name == "READY")
        row = (snap.now, d.calls_to_place, ready, len(snap.calls_in_flight), len(snap.operators))
        decisions.append((*row, d.mode_used.value, d.guard_tripped, d.reason))
        return d.calls_to_place

    policy.calls_to_place = traced
    sim = Simulation(scenario, policy, seed=seed, history=yesterday.history())
    sim.run()
    start = decisions[0][0]  # the day's clock: answers are timed from the shift's start
    lost = [a for a in sim.answered if a.abandoned]
    print("answered", len(sim.answered), "abandoned", len(lost))
    for a in lost:
        t = a.answered_at + start
        before = [d for d in decisions if t - 60 <= d[0] <= t]
        hour = sum(1 for x in sim.answered if t - 3600 < x.answered_at + start <= t)
        placed = sum(d[1] for d in before)
        print(f"abandon at {t - start:7.0f}s  hour answers so far {hour}  placed in 60s before {placed}")
        if before:
            last = before[-1]
            print(f"    ready {last[2]} inflight {last[3]} ops {last[4]} mode {last[5]} guard {last[6]}", last[7][:330])
    blocks: collections.Counter[int] = collections.Counter()
    held: collections.Counter[int] = collections.Counter()
    for d in decisions:
        b = int((d[0] - start) // 600)
        blocks[b] += 1
        held[b] += d[5] != "predictive"
    print("share not predictive per 10-min block:", [f"{held[b] / blocks[b]:.2f}" for b in sorted(blocks)])
    for d in decisions:
        at = d[0] - start
        if since <= at <= until and (d[1] > 0 or int(at) % 30 == 0):
            print(f"{at:6.0f} place {d[1]} ready {d[2]} inflight {d[3]} {d[5]} g{int(d[6])} {d[7][:260]}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) > 1:
        main(int(args[0]), args[1], float(args[2]), float(args[3]))
    else:
        main(int(args[0]) if args else 1036)
