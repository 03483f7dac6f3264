"""The seventh round's table from its runs: per scenario, each engine's mean occupancy, seed-days over the cap
(the bar's hour) and worst hour, over the seeds both engines finished.

    PYTHONPATH=. .venv/bin/python bench/results/round7/table.py bench/results/round7 pub_day2 v13_day2
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

CAP = 0.03


def runs(folder: Path, prefix: str) -> dict[tuple[str, int], dict]:
    """(scenario, seed) -> the run, from every `<prefix>_<seed>.json` in `folder`."""
    found: dict[tuple[str, int], dict] = {}
    for f in sorted(folder.glob(f"{prefix}_*.json")):
        for entry in json.loads(f.read_text())["entries"]:
            for spec_runs in entry["results"].values():
                for r in spec_runs:
                    found[(entry["scenario"], r["seed"])] = r
    return found


def main(folder: str, *prefixes: str) -> None:
    tables = [runs(Path(folder), p) for p in prefixes]
    pairs = sorted(set.intersection(*(set(t) for t in tables)))
    by_scenario: dict[str, list[int]] = defaultdict(list)
    for scenario, seed in pairs:
        by_scenario[scenario].append(seed)
    print("| scenario | seeds | " + " | ".join(prefixes) + " |")
    print("|---|---|" + "---|" * len(prefixes))
    totals = [[0.0, 0, 0.0, 0] for _ in prefixes]
    for scenario, seeds in by_scenario.items():
        cells = []
        for t, tot in zip(tables, totals, strict=True):
            rs = [t[(scenario, s)] for s in seeds]
            occ = sum(r["occupancy"] for r in rs) / len(rs)
            over = [r for r in rs if r["worst_hour"] > CAP + 1e-12]
            worst = max(r["worst_hour"] for r in rs)
            cells.append(f"{occ:.1%}, {len(over)} of {len(rs)} over, worst {worst:.2%}")
            tot[0] += sum(r["occupancy"] for r in rs)
            tot[1] += len(over)
            tot[2] = max(tot[2], worst)
            tot[3] += len(rs)
        print(f"| {scenario} | {', '.join(map(str, seeds))} | " + " | ".join(cells) + " |")
    cells = [f"{o / n:.1%}, {k} of {n} over, worst {w:.2%}" for o, k, w, n in totals if n]
    print("| **all** | | " + " | ".join(cells) + " |")
    print()
    for scenario, seeds in by_scenario.items():  # the seed-days over, per engine
        over = [
            f"{p}: "
            + (
                ", ".join(
                    f"{s} {t[(scenario, s)]['worst_hour']:.2%}"
                    for s in seeds
                    if t[(scenario, s)]["worst_hour"] > CAP + 1e-12
                )
                or "none"
            )
            for p, t in zip(prefixes, tables, strict=True)
        ]
        print(f"- {scenario}: " + "; ".join(over))


if __name__ == "__main__":
    main(sys.argv[1], *sys.argv[2:])
