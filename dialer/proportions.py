"""The Wilson score interval of a proportion, shared by pacing (the answer rate's upper bound while it
learns) and call scripts (conversion per version). Pure."""

from __future__ import annotations

import math


def wilson_interval(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval for a proportion p seen over n trials (n may be an effective, fractional count);
    (0, 1) when there is nothing to go on."""
    if n <= 0:
        return (0.0, 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))
