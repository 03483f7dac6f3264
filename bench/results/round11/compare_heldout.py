"""Round 11's fresh-seed pairs (1040-1051, second day): the engine against v25, per scenario and in all.

python bench/results/round11/compare_heldout.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAP = 0.03


def main() -> None:
    totals = {"base": [0, 0, 0.0], "v25": [0, 0, 0.0]}
    for scenario in ("reference-5", "cold-b2b-small", "tiny-team"):
        rows = {}
        for engine in ("base", "v25"):
            saved = json.loads((HERE / f"heldout_{engine}_{scenario}_1040_1051.json").read_text())
            rows[engine] = {r["seed"]: r for r in saved["entries"][0]["results"]["predictive-day2"]}
        seeds = sorted(set(rows["base"]) & set(rows["v25"]))
        line = f"{scenario:15s} pairs {len(seeds)}"
        for engine in ("base", "v25"):
            runs = [rows[engine][s] for s in seeds]
            over = [
                (r["seed"], round(100 * r["worst_hour"], 2))
                for r in runs
                if r["worst_hour"] > CAP + 1e-12 or r["abandon_rate"] > CAP + 1e-12
            ]
            occupancy = sum(r["occupancy"] for r in runs) / len(runs)
            guard = sum(r["counters"]["guard_share"] for r in runs) / len(runs)
            worst = max(r["worst_hour"] for r in runs)
            line += f" | {engine} {occupancy:.1%} over {len(over)} {over} worst {worst:.2%} guard {guard:.2f}"
            totals[engine][0] += len(seeds)
            totals[engine][1] += len(over)
            totals[engine][2] += occupancy * len(seeds)
        print(line)
    for engine, (pairs, over, occupancy) in totals.items():
        print(f"{engine}: pairs {pairs}, seed-days over {over}, occupancy {occupancy / pairs:.2%}")


if __name__ == "__main__":
    main()
