"""CPU cost of one predictive decision, against a progressive decision on the same snapshot (same process).

The pacing loop decides several times a second per campaign; this is what each decision costs for small,
medium and large teams (finite-population model up to `FINITE_MAX_OPERATORS`, the Poisson model above).
Run: `.venv/bin/python -m bench.decide_bench`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace

from dialer.pacing import (
    AbandonWindow,
    CallSnapshot,
    CampaignStats,
    DialingMode,
    OperatorSnapshot,
    OperatorState,
    PacingKnobs,
    PacingSnapshot,
    decide,
    parametric_stats,
)
from dialer.pacing.model import FINITE_MAX_OPERATORS, pacing_tables


def _learned() -> CampaignStats:
    stats = parametric_stats(
        answer_probability=0.3, mean_talk_s=120.0, mean_wrap_s=15.0, dials_seen=10_000, talks_seen=10_000
    )
    windows = (
        AbandonWindow("today", 2000, 20, 86400.0, 8 * 3600.0),
        AbandonWindow("rolling_30d", 40_000, 400, 30 * 86400.0, 30 * 86400.0),
        AbandonWindow("last_hour", 250, 2, 3600.0, 3600.0, enforced=False),
    )
    return CampaignStats(windows=windows, learned=stats)


def floor_snapshot(operators: int) -> PacingSnapshot:
    """A busy floor: a tenth ready, most talking at spread-out elapsed times, a few wrapping up, calls ringing."""
    ready = max(1, operators // 10)
    wrapping = max(1, operators // 8)
    talking = operators - ready - wrapping
    ops = (
        [OperatorSnapshot(i, OperatorState.READY, 5.0) for i in range(ready)]
        + [OperatorSnapshot(100 + i, OperatorState.ON_CALL, float(7 * i % 300)) for i in range(talking)]
        + [OperatorSnapshot(1000 + i, OperatorState.WRAP_UP, float(3 * i % 20)) for i in range(wrapping)]
    )
    calls = tuple(CallSnapshot(i, float(i % 18)) for i in range(operators // 2))
    knobs = PacingKnobs(mode=DialingMode.PREDICTIVE, max_lines=10_000)
    return PacingSnapshot(
        now=1_000_000.0,
        operators=tuple(ops),
        calls_in_flight=calls,
        answered_waiting=0,
        knobs=knobs,
        stats=_learned(),
        contacts_available=100_000,
    )


def cpu_per_call(fn: Callable[[], object], min_seconds: float) -> float:
    fn()  # warm: tables and caches
    n, start = 0, time.process_time()
    while (spent := time.process_time() - start) < min_seconds:
        fn()
        n += 1
    return spent / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--teams", default="5,20,40,100,1000", help="team sizes, comma-separated")
    ap.add_argument("--seconds", type=float, default=2.0, help="CPU seconds to measure each figure over")
    args = ap.parse_args()
    print(f"finite-population model up to {FINITE_MAX_OPERATORS} operators, Poisson above")
    print("| operators | model | predictive (ms CPU) | progressive (ms CPU) | ratio | table refresh (ms CPU) |")
    print("|---:|---|---:|---:|---:|---:|")
    for team in (int(t) for t in args.teams.split(",")):
        snap = floor_snapshot(team)
        progressive = replace(snap, knobs=replace(snap.knobs, mode=DialingMode.PROGRESSIVE))
        learned = snap.stats.learned
        assert learned is not None
        predictive_s = cpu_per_call(lambda s=snap: decide(s), args.seconds)
        progressive_s = cpu_per_call(lambda s=progressive: decide(s), args.seconds / 4)

        def refresh(stats: object = learned) -> object:
            pacing_tables.cache_clear()
            return pacing_tables(stats)  # type: ignore[arg-type]

        table_s = cpu_per_call(refresh, args.seconds / 2)
        model = "finite" if team <= FINITE_MAX_OPERATORS else "Poisson"
        print(
            f"| {team} | {model} | {predictive_s * 1e3:.2f} | {progressive_s * 1e3:.3f} | "
            f"{predictive_s / progressive_s:,.0f}x | {table_s * 1e3:.1f} |"
        )


if __name__ == "__main__":
    main()
