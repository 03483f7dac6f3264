"""Abandon clumps of the published engine (sixth round of issue 21): abandons within 10 s of the one before.

Run from the repository root: `python bench/results/round6/clumps.py cold-b2b-mid 1,2,3,4,5,6,7,8,9,10,11`.
Prints, for the first and the second day, the clumps' count, mean size and E[c^2]/E[c] (the over-dispersion a
window's abandon count gets from them).
"""

from __future__ import annotations

import collections
import sys

from bench.pacing_bench import SECOND_DAY_SEED, load
from dialer.sim.compare import make_policy
from dialer.sim.engine import Simulation

CLUMP_GAP_S = 10.0


def clump_sizes(abandon_times: list[float]) -> list[int]:
    sizes: list[int] = []
    last = -1e9
    for t in sorted(abandon_times):
        if sizes and t - last <= CLUMP_GAP_S:
            sizes[-1] += 1
        else:
            sizes.append(1)
        last = t
    return sizes


def main(scenario: str, seeds: list[int]) -> None:
    sc = load(scenario, 2)
    for day in (1, 2):
        counts: collections.Counter[int] = collections.Counter()
        for seed in seeds:
            history = None
            if day == 2:
                yesterday = Simulation(sc, make_policy("progressive"), seed=seed + SECOND_DAY_SEED)
                yesterday.run()
                history = yesterday.history()
            sim = Simulation(sc, make_policy("predictive"), seed=seed, history=history)
            sim.run()
            counts.update(clump_sizes([c.answered_at for c in sim.answered if c.abandoned]))
        total = sum(k * v for k, v in counts.items())
        events = sum(counts.values())
        square = sum(k * k * v for k, v in counts.items())
        print(
            f"day {day}: {events} clumps, {total} abandons, mean size {total / max(events, 1):.2f}, "
            f"E[c^2]/E[c] {square / max(total, 1):.2f}; sizes {dict(sorted(counts.items()))}"
        )


if __name__ == "__main__":
    main(sys.argv[1], [int(s) for s in sys.argv[2].split(",")])
