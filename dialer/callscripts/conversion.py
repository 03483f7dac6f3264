"""Conversion per script version and which one wins, in words a manager can act on.

Conversion is positive dispositions per bridged call (the campaign's dispositions say which are positive).
Each version's rate gets a 95 % Wilson score interval (sound at small counts and at 0 % or 100 %, unlike the
normal approximation). The versions are compared with Newcombe's interval for the difference of two
proportions (method 10, built from the two Wilson intervals): B is better with 95 % confidence only when the
whole interval for rate(B) - rate(A) is above zero. Below `min_calls` bridged calls per version no verdict is
given at all: a manager looks at the page every day, and early looks at small counts are how false winners
are declared."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

from dialer.proportions import wilson_interval

Z95: Final = 1.959963984540054  # the normal quantile for a two-sided 95 % interval
MIN_CALLS: Final = 30

Verdict = Literal["no_calls", "not_enough_data", "a_better", "b_better", "no_difference"]


@dataclass(frozen=True)
class Tally:
    """One version's figures: bridged calls and how many of them ended with a positive disposition."""

    bridged: int
    positive: int

    def __post_init__(self) -> None:
        if self.bridged < 0 or not 0 <= self.positive <= self.bridged:
            raise ValueError(f"need 0 <= positive <= bridged, got {self.positive} of {self.bridged}")

    @property
    def rate(self) -> float | None:
        return self.positive / self.bridged if self.bridged else None


def wilson(positive: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for positive/n; (0, 1) when there is nothing to go on."""
    return wilson_interval(positive / n if n > 0 else 0.0, n, z)


def difference_interval(a: Tally, b: Tally, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for rate(B) - rate(A)."""
    pa, pb = a.rate or 0.0, b.rate or 0.0
    la, ua = wilson(a.positive, a.bridged, z)
    lb, ub = wilson(b.positive, b.bridged, z)
    d = pb - pa
    low = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    high = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return (max(-1.0, low), min(1.0, high))


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    difference: tuple[float, float] | None  # the 95 % interval for rate(B) - rate(A), once there are calls


def compare(a: Tally, b: Tally, min_calls: int = MIN_CALLS) -> Comparison:
    """Which version converts better, with 95 % confidence, or why it cannot be said yet.

    `no_difference` is never claimed from an interval that merely includes zero: that is `not_enough_data`
    until the interval is narrow (within +-2 points), because "no proven difference" is not "no difference"."""
    if a.bridged == 0 and b.bridged == 0:
        return Comparison("no_calls", None)
    if a.bridged == 0 or b.bridged == 0:
        return Comparison("not_enough_data", None)
    low, high = difference_interval(a, b)
    if min(a.bridged, b.bridged) < min_calls:
        return Comparison("not_enough_data", (low, high))
    if low > 0:
        return Comparison("b_better", (low, high))
    if high < 0:
        return Comparison("a_better", (low, high))
    if high - low <= 0.04:
        return Comparison("no_difference", (low, high))
    return Comparison("not_enough_data", (low, high))
