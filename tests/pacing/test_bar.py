"""A short version of the benchmark's reference scenario (the 8-hour, 3-team run lives in bench/).

The full bar (predictive >= 2 occupancy points over the best fixed ratio in hindsight) is not asserted here:
on a 1-hour shift the engine spends its first minutes learning (progressive) and trails the best fixed ratio
chosen in hindsight (see docs/pacing.md). What is asserted is robust: predictive stays under the cap and
clearly beats progressive and VICIdial ADAPT.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dialer.sim import load_scenario
from dialer.sim.compare import compare

SCENARIOS = Path(__file__).resolve().parents[2] / "bench" / "scenarios"


@pytest.mark.timeout(1200)  # one simulated hour of 20 operators: minutes of CPU on a loaded 2-core machine
def test_short_reference_predictive_beats_the_baselines_under_the_cap() -> None:
    sc = replace(load_scenario(SCENARIOS / "reference.yaml"), team_size=20, duration_s=3600.0)
    cmp = compare(sc, ratios=())
    p = cmp.results["predictive"]
    assert p.meets_cap(0.03), (p.abandon_rate, p.worst_hour_abandon_rate)
    assert p.occupancy >= cmp.results["progressive"].occupancy + 0.05
    assert p.occupancy >= cmp.results["vicidial"].occupancy + 0.05
