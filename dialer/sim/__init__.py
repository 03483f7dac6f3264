"""Discrete-event simulator that runs the real pacing core against scenario files, with baselines."""

from dialer.sim.engine import Simulation, run_scenario
from dialer.sim.metrics import SimResult
from dialer.sim.policies import CorePolicy, DialLevel, Policy, VicidialAdapt
from dialer.sim.scenario import Scenario, load_scenario

__all__ = [
    "CorePolicy",
    "DialLevel",
    "Policy",
    "Scenario",
    "SimResult",
    "Simulation",
    "VicidialAdapt",
    "load_scenario",
    "run_scenario",
]
