"""The pacing benchmark of issue 4: predictive vs progressive, fixed ratio in hindsight and VICIdial ADAPT.

    .venv/bin/python -m bench.pacing_bench --jobs 2

Writes the markdown table to bench/results/pacing_bench.md (and stdout) and the occupancy-vs-abandon
frontier to docs/img/pacing_frontier.png. `--hours 1` gives a quick, less meaningful run.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/pacing_bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.sim.compare import DEFAULT_RATIOS, Comparison, compare
from dialer.sim.metrics import SimResult
from dialer.sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "bench" / "scenarios"
REFERENCE_TEAMS = (5, 20, 100)
# robustness scenario -> the reference team size whose hindsight ratio an admin would have tuned it with
ROBUSTNESS = {
    "answer_rate_drop.yaml": 20,
    "mass_logout.yaml": 20,
    "talk_time_doubles.yaml": 20,
    "tiny_team.yaml": 5,
    "shift_with_breaks.yaml": 20,
}
BAR_POINTS = 2.0


def _row(scenario: str, label: str, r: SimResult, cap: float) -> str:
    ok = "yes" if r.meets_cap(cap) else "**no**"
    return (
        f"| {scenario} | {label} | {r.occupancy:.1%} | {r.abandon_rate:.2%} | {r.worst_hour_abandon_rate:.2%} "
        f"| {ok} | {r.calls_per_operator_hour:.1f} | {r.idle_wait_mean_s:.1f} | {r.idle_wait_p90_s:.1f} |"
    )


def _label(cmp: Comparison, key: str, tuned: str | None) -> str:
    if key == cmp.hindsight_ratio and key == tuned:
        return f"{key} (hindsight here; reference-tuned)"
    if key == cmp.hindsight_ratio:
        return f"{key} (hindsight)"
    if key == tuned:
        return f"{key} (tuned on reference)"
    return {"vicidial": "VICIdial ADAPT"}.get(key, key)


def table(rows: list[tuple[Comparison, str | None]]) -> str:
    out = [
        "| scenario | policy | occupancy | abandon (shift) | abandon (worst hour) | under 3% cap | calls/op-hour "
        "| idle wait mean (s) | idle wait p90 (s) |",
        "|---|---|---:|---:|---:|:---:|---:|---:|---:|",
    ]
    for cmp, tuned in rows:
        name = f"{cmp.scenario.name} ({cmp.scenario.team_size} op.)"
        keys = ["predictive", "progressive", "vicidial"]
        for k in (cmp.hindsight_ratio, tuned):
            if k and k not in keys:
                keys.append(k)
        for key in keys:
            out.append(_row(name, _label(cmp, key, tuned), cmp.results[key], cmp.cap))
        if cmp.hindsight_ratio is None:
            out.append(f"| {name} | no fixed ratio in {DEFAULT_RATIOS[0]:g}..{DEFAULT_RATIOS[-1]:g} stayed under "
                       "the cap | | | | | | | |")
    return "\n".join(out)


def verdicts(reference: list[Comparison], robustness: list[tuple[Comparison, str | None]]) -> str:
    lines = []
    for cmp in reference:
        p = cmp.results["predictive"]
        ok_cap = p.meets_cap(cmp.cap)
        if cmp.hindsight_ratio is None:
            lines.append(f"- reference, {cmp.scenario.team_size} operators: no fixed ratio stayed under the cap")
            continue
        h = cmp.results[cmp.hindsight_ratio]
        gain = 100 * (p.occupancy - h.occupancy)
        met = ok_cap and gain >= BAR_POINTS
        lines.append(
            f"- reference, {cmp.scenario.team_size} operators: predictive {p.occupancy:.1%} vs best fixed ratio "
            f"{cmp.hindsight_ratio} {h.occupancy:.1%}: {gain:+.1f} points; predictive abandon "
            f"{p.abandon_rate:.2%} shift / {p.worst_hour_abandon_rate:.2%} worst hour -> "
            f"bar {'MET' if met else 'NOT met'}"
        )
    for cmp, tuned in robustness:
        p = cmp.results["predictive"]
        t = cmp.results[tuned] if tuned else None
        lines.append(
            f"- {cmp.scenario.name}: predictive {'under' if p.meets_cap(cmp.cap) else 'OVER'} the cap "
            f"({p.worst_hour_abandon_rate:.2%} worst hour); reference-tuned {tuned}: "
            + (f"{'under' if t.meets_cap(cmp.cap) else 'OVER'} ({t.worst_hour_abandon_rate:.2%} worst hour)"
               if t else "n/a")
        )
    return "\n".join(lines)


def plot(reference: list[Comparison], robustness: list[tuple[Comparison, str | None]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [*reference, *(c for c, _ in robustness)]
    cols = 4
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    for ax, cmp in zip(axes.flat, panels, strict=False):
        sweep = cmp.ratio_sweep
        ax.plot([100 * r.worst_hour_abandon_rate for _, r in sweep], [100 * r.occupancy for _, r in sweep],
                "o-", color="tab:gray", ms=3, label="fixed ratio 1.0-3.0")
        for ratio, r in sweep[::5]:
            ax.annotate(f"{ratio:g}", (100 * r.worst_hour_abandon_rate, 100 * r.occupancy), fontsize=7)
        marks = {"predictive": ("*", "tab:red", 14), "progressive": ("s", "tab:blue", 7),
                 "vicidial": ("^", "tab:green", 8)}
        for key, (m, colour, size) in marks.items():
            r = cmp.results[key]
            ax.plot(100 * r.worst_hour_abandon_rate, 100 * r.occupancy, m, color=colour, ms=size,
                    label={"vicidial": "VICIdial ADAPT"}.get(key, key))
        if cmp.hindsight_ratio:
            r = cmp.results[cmp.hindsight_ratio]
            ax.plot(100 * r.worst_hour_abandon_rate, 100 * r.occupancy, "o", mfc="none", mec="black", ms=10,
                    label="best ratio in hindsight")
        ax.axvline(100 * cmp.cap, color="tab:red", lw=0.8, ls="--")
        ax.set_xlim(0, max(10.0, 100 * cmp.cap * 2))
        ax.set_title(f"{cmp.scenario.name} ({cmp.scenario.team_size} op.)", fontsize=9)
        ax.set_xlabel("worst rolling-hour abandon rate (%)", fontsize=8)
        ax.set_ylabel("occupancy (%)", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=None, help="override every scenario's shift length")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--teams", default=",".join(map(str, REFERENCE_TEAMS)))
    ap.add_argument("--no-robustness", action="store_true")
    ap.add_argument("--table", type=Path, default=ROOT / "bench" / "results" / "pacing_bench.md")
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "pacing_frontier.png")
    args = ap.parse_args(argv)
    started = time.monotonic()

    def load(name: str, **kw: Any) -> Scenario:
        sc = replace(load_scenario(SCENARIOS / name), **kw)
        return replace(sc, duration_s=args.hours * 3600.0) if args.hours else sc

    def say(msg: str) -> None:
        print(f"[{time.monotonic() - started:6.0f}s] {msg}", file=sys.stderr, flush=True)

    reference = [compare(load("reference.yaml", team_size=t), workers=args.jobs, progress=say)
                 for t in (int(x) for x in args.teams.split(","))]
    tuned_by_team = {c.scenario.team_size: c.hindsight_ratio for c in reference}
    robustness: list[tuple[Comparison, str | None]] = []
    if not args.no_robustness:
        for name, team in ROBUSTNESS.items():
            tuned = tuned_by_team.get(team)
            extra = [tuned] if tuned else []
            robustness.append((compare(load(name), extra=extra, workers=args.jobs, progress=say), tuned))
    md = table([(c, None) for c in reference] + robustness)
    summary = verdicts(reference, robustness)
    args.table.parent.mkdir(parents=True, exist_ok=True)
    args.table.write_text(f"{md}\n\n{summary}\n", encoding="utf-8")
    plot(reference, robustness, args.plot)
    print(md)
    print()
    print(summary)
    say(f"table -> {args.table}, plot -> {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
