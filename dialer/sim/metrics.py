"""What a simulated shift is judged on: occupancy, abandons (shift and worst rolling hour), throughput, idle wait."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from dialer.rules.inbound_figures import InboundFigures

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
    worst_hour_abandon_rate: float  # worst rolling hour from the shift start, windows ending after the 50th answer
    calls_per_operator_hour: float
    idle_wait_mean_s: float
    idle_wait_p90_s: float
    answered: int
    abandoned: int
    counters: dict[str, float]
    worst_full_hour_abandon_rate: float = 0.0  # worst rolling hour among windows ending after the first full hour
    inbound: InboundFigures | None = None  # blended scenarios: the inbound queue (the figures above are outbound)

    def meets_cap(self, cap: float) -> bool:
        """The bar's rule: the shift and every rolling hour from the start (after the 50th answer) under `cap`."""
        return self.abandon_rate <= cap + 1e-12 and self.worst_hour_abandon_rate <= cap + 1e-12

    def meets_cap_full_hours(self, cap: float) -> bool:
        """The looser rule of hourly reports: the shift and every full rolling hour under `cap`."""
        return self.abandon_rate <= cap + 1e-12 and self.worst_full_hour_abandon_rate <= cap + 1e-12


def worst_rolling_rate(
    calls: Sequence[AnsweredCall],
    window_s: float = ROLLING_WINDOW_S,
    min_answers: int = MIN_ANSWERS_FOR_ROLLING,
    *,
    from_s: float = 0.0,
) -> float:
    """Highest abandon rate over (t - window, t] for every t from the `min_answers`-th answer (and `from_s`) on.

    A window's rate moves both when an answer enters it and when one leaves it (a bridged call leaving raises
    it), so both kinds of instant are checked, up to the shift's last answer.
    """
    if len(calls) < max(min_answers, 1):
        return 0.0
    ordered = sorted(calls, key=lambda c: c.answered_at)
    times = np.array([c.answered_at for c in ordered], dtype=np.float64)
    abandoned = np.concatenate([[0], np.cumsum([c.abandoned for c in ordered])])
    first = max(times[max(min_answers, 1) - 1], from_s)
    ends = np.concatenate([times, times + window_s])
    ends = ends[(ends >= first) & (ends <= times[-1])]
    if ends.size == 0:
        return 0.0
    hi = np.searchsorted(times, ends, side="right")  # answers at or before t
    lo = np.searchsorted(times, ends - window_s, side="right")  # answers at or before t - window
    n = hi - lo
    rates = np.where(n > 0, (abandoned[hi] - abandoned[lo]) / np.maximum(n, 1), 0.0)
    return float(rates.max())


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
    inbound: InboundFigures | None = None,
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
        worst_full_hour_abandon_rate=worst_rolling_rate(calls, min_answers=1, from_s=ROLLING_WINDOW_S),
        inbound=inbound,
    )
