"""What a simulated shift is judged on: occupancy, abandons (shift and worst rolling hour), throughput, idle wait."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialer.sim.scenario import Scenario

ROLLING_WINDOW_S = 3600.0
MIN_ANSWERS_FOR_ROLLING = 50


@dataclass(frozen=True, slots=True)
class AnsweredCall:
    answered_at: float
    waited_s: float  # until bridged, or until given up on
    abandoned: bool


@dataclass(slots=True)
class OperatorLog:
    operator_id: int
    logged_in_at: float = 0.0
    logged_out_at: float | None = None
    ready_s: float = 0.0
    talk_s: float = 0.0
    wrap_s: float = 0.0
    paused_s: float = 0.0
    calls: int = 0
    idle_waits: list[float] = field(default_factory=list)

    @property
    def logged_in_s(self) -> float:
        return self.ready_s + self.talk_s + self.wrap_s + self.paused_s


@dataclass(frozen=True, slots=True)
class SimResult:
    scenario: str
    policy: str
    occupancy: float  # (talk + wrap-up) / logged-in time, pauses included in logged-in time
    abandon_rate: float  # abandoned / answered over the shift
    worst_hour_abandon_rate: float  # worst rolling hour, over windows ending after the first 50 answers
    calls_per_operator_hour: float
    idle_wait_mean_s: float
    idle_wait_p90_s: float
    answered: int
    abandoned: int
    counters: dict[str, float]

    def meets_cap(self, cap: float) -> bool:
        return self.abandon_rate <= cap + 1e-12 and self.worst_hour_abandon_rate <= cap + 1e-12


def worst_rolling_rate(
    calls: Sequence[AnsweredCall], window_s: float = ROLLING_WINDOW_S, min_answers: int = MIN_ANSWERS_FOR_ROLLING
) -> float:
    """Highest abandon rate over [t - window, t] for t at each answer from the `min_answers`-th one on."""
    ordered = sorted(calls, key=lambda c: c.answered_at)
    worst = 0.0
    lo = 0
    abandoned_in = 0
    for hi, call in enumerate(ordered):
        abandoned_in += call.abandoned
        while ordered[lo].answered_at <= call.answered_at - window_s:
            abandoned_in -= ordered[lo].abandoned
            lo += 1
        if hi + 1 >= min_answers:
            worst = max(worst, abandoned_in / (hi - lo + 1))
    return worst


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(q * len(ordered)) - 1, 0)
    return ordered[rank]


def summarise(
    scenario: Scenario,
    policy: str,
    calls: Sequence[AnsweredCall],
    operators: Sequence[OperatorLog],
    counters: dict[str, float],
) -> SimResult:
    logged = sum(o.logged_in_s for o in operators)
    busy = sum(o.talk_s + o.wrap_s for o in operators)
    waits = [w for o in operators for w in o.idle_waits]
    answered = len(calls)
    abandoned = sum(1 for c in calls if c.abandoned)
    connected = sum(o.calls for o in operators)
    return SimResult(
        scenario=scenario.name,
        policy=policy,
        occupancy=busy / logged if logged else 0.0,
        abandon_rate=abandoned / answered if answered else 0.0,
        worst_hour_abandon_rate=worst_rolling_rate(calls),
        calls_per_operator_hour=connected / (logged / 3600.0) if logged else 0.0,
        idle_wait_mean_s=sum(waits) / len(waits) if waits else 0.0,
        idle_wait_p90_s=percentile(waits, 0.9),
        answered=answered,
        abandoned=abandoned,
        counters=counters,
    )
