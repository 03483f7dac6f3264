"""The small cold team's frontier on many seeds (eleventh round): occupancy against the share of seed-days over
the cap, for fixed settings and for the engine at several confidences of the small team's hour.

A setting chosen in hindsight on two seeds is the luck of those two days; what a manager can rely on is how often
a setting crosses the cap on days it was not chosen on. Every policy here runs the same seeds (the same draws for
the k-th dial and the k-th talk), and each seed-day is judged by the bar's rule (the shift and every rolling hour
after its 50th answer, under 3 %).

PYTHONPATH=. .venv/bin/python bench/results/round11/frontier_small.py SPEC[,SPEC...] SEEDS OUT.json
PYTHONPATH=. .venv/bin/python bench/results/round11/frontier_small.py plot OUT.json[,OUT.json...] FRONTIER.png
  SPEC: ratio:R, level:L (first day: a fixed setting does not learn, so its second day draws the same) or
        engine (the engine's second day, as checked out), engine:C (with `steering_confidence` C: code before
        v25, which removed that knob; 0.9 was its default, 0.99 is v25) or engine-aim:A (with the admin's target
        abandon rate A)
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace

from bench.pacing_bench import SECOND_DAY, Run, _simulate, load

SCENARIO = "cold-b2b-small"


def run(spec: str, seed: int) -> Run:
    sc = load(SCENARIO, 2.0)
    engine = spec == "engine" or spec.startswith(("engine:", "engine-aim:"))
    if engine and spec != "engine":
        value = float(spec.split(":", 1)[1])
        knob = "steering_confidence" if spec.startswith("engine:") else "target_abandon_rate"
        sc = replace(sc, knobs=replace(sc.knobs, **{knob: value}))
    # the benchmark's own run of one seed: the engine's second day after a progressive first day
    return replace(_simulate((sc, f"predictive{SECOND_DAY}" if engine else spec, seed)), spec=spec)


def main(specs: str, seeds: str, out: str) -> None:
    if "-" in seeds:
        lo, hi = (int(x) for x in seeds.split("-"))
        seed_list = list(range(lo, hi + 1))
    else:
        seed_list = [int(x) for x in seeds.split(",")]
    runs: dict[str, list[dict[str, object]]] = {}
    for spec in specs.split(","):
        rows = [run(spec, s) for s in seed_list]
        runs[spec] = [asdict(r) for r in rows]
        over = sum(not r.safe(0.03) for r in rows)
        occupancy = sum(r.occupancy for r in rows) / len(rows)
        print(f"{spec:12s} seeds {len(rows)} occupancy {occupancy:.1%} over {over}", flush=True)
        with open(out, "w") as f:
            json.dump({"scenario": SCENARIO, "seeds": seed_list, "runs": runs}, f)


def plot(paths: list[str], png: str) -> None:
    """Occupancy against the share of seed-days over the cap, one point per setting (`python -c` from docs)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs: dict[str, list[dict[str, object]]] = {}
    for path in paths:
        with open(path) as f:
            runs.update(json.load(f)["runs"])
    points: dict[str, list[tuple[float, float, str]]] = {}
    for spec, rows in runs.items():
        family = spec.split(":", 1)[0]
        n = len(rows)
        occupancy = 100 * sum(float(r["occupancy"]) for r in rows) / n  # type: ignore[arg-type]
        over = 100 * sum(not Run(**r).safe(0.03) for r in rows) / n  # type: ignore[arg-type]
        points.setdefault(family, []).append((occupancy, over, spec.split(":", 1)[1] if ":" in spec else "now"))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    style = {
        "ratio": ("o-", "fixed ratio per ready operator"),
        "level": ("s-", "dial level per logged-in agent"),
        "engine": ("*", "predictive engine, second day (the hour's confidence)"),
        "engine-aim": ("P", "predictive engine, second day (the admin's target)"),
    }
    for family, pts in sorted(points.items()):
        pts.sort()
        marker, label = style.get(family, ("x", family))
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker, label=label, markersize=5 if "-" in marker else 10)
        for x, y, name in pts:
            ax.annotate(name, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("mean occupancy over the seeds (%)")
    ax.set_ylabel("seed-days over the cap, bar rule (%)")
    ax.set_title(f"{SCENARIO}: 7 operators, 2-hour shifts, {n} seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left")
    fig.tight_layout()
    fig.savefig(png, dpi=100)


if __name__ == "__main__":
    if sys.argv[1] == "plot":  # plot RUNS.json[,RUNS.json...] OUT.png
        plot(sys.argv[2].split(","), sys.argv[3])
    else:
        main(*sys.argv[1:4])
