"""Dialling policies the simulator can run: the real core in each mode, and VICIdial's ADAPT as a baseline."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dialer.pacing import DialingMode, OperatorState, PacingKnobs, PacingSnapshot, decide
from dialer.pacing.blend import (
    InboundFloor,
    InboundLearner,
    ServiceLevel,
    blend,
    fixed_reserve,
    spare_ready_probability,
)

if TYPE_CHECKING:
    from dialer.sim.scenario import InboundTraffic


class Policy(Protocol):
    name: str
    uses_learning: bool

    def knobs(self, base: PacingKnobs) -> PacingKnobs:
        """The knobs this policy runs with, from the scenario's."""
        ...

    def calls_to_place(self, snapshot: PacingSnapshot) -> int: ...


class CorePolicy:
    """`dialer.pacing.decide` itself, in one mode: what the live service runs."""

    def __init__(
        self,
        mode: DialingMode,
        *,
        ratio: float | None = None,
        guard: bool = True,
        name: str | None = None,
        early_regime: bool | None = None,
    ) -> None:
        self.mode = mode
        self.ratio = ratio
        self.guard = guard
        self.early_regime = early_regime  # None: the scenario's knob (off by default)
        self.uses_learning = mode is DialingMode.PREDICTIVE
        self.name = name or (f"ratio {ratio:.2f}" if ratio is not None else str(mode))
        self.decide_s = 0.0  # wall time spent in decide() (the benchmark's decision cost)
        self.decisions = 0
        self.guard_tripped = 0  # decisions the compliance guard made progressive
        self.largest_step = 0  # the most calls one decision placed

    def knobs(self, base: PacingKnobs) -> PacingKnobs:
        k = replace(base, mode=self.mode, compliance_guard=self.guard)
        if self.early_regime is not None:
            k = replace(k, early_regime=self.early_regime)
        if self.ratio is not None:
            k = replace(k, lines_per_operator=self.ratio)
        return k

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        started = time.perf_counter()
        decision = decide(snapshot)
        self.decide_s += time.perf_counter() - started
        self.decisions += 1
        self.guard_tripped += decision.guard_tripped
        self.largest_step = max(self.largest_step, decision.calls_to_place)
        return decision.calls_to_place

    def stats(self) -> dict[str, float]:
        """What the benchmark reports about the decisions themselves."""
        return {
            "decide_ms_mean": 1000 * self.decide_s / max(self.decisions, 1),
            "guard_share": self.guard_tripped / max(self.decisions, 1),
            "largest_step": float(self.largest_step),
        }


class DialLevel:
    """VICIdial's fixed dial level, per logged-in agent: `round(level * (ready + talking)) - live calls`.

    Live calls are those ringing, answered and waiting, or talking; agents wrapping up or paused do not count.
    This is how VICIdial users set a fixed level (the ADAPT methods move the same level); no compliance guard.
    """

    uses_learning = False

    def __init__(self, level: float, *, name: str | None = None) -> None:
        self.level = level
        self.name = name or f"level {level:.2f}"

    def knobs(self, base: PacingKnobs) -> PacingKnobs:
        return replace(base, mode=DialingMode.RATIO, compliance_guard=False)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        ready = snapshot.operators_in(OperatorState.READY)
        talking = snapshot.operators_in(OperatorState.ON_CALL)
        live = len(snapshot.calls_in_flight) + snapshot.answered_waiting + talking
        wanted = round(self.level * (ready + talking)) - live
        room = snapshot.knobs.max_lines - len(snapshot.calls_in_flight) - snapshot.answered_waiting
        return max(0, min(wanted, room, snapshot.contacts_available))


class VicidialAdapt:
    """VICIdial's ADAPT_HARD_LIMIT dial method, as published in its auto-dial/adapt scripts.

    Every second sample ready agents, calls waiting for an agent and logged-in agents; every 15 s move the dial
    level by m = (avg ready - avg waiting) / avg logged-in over the last 15 samples (level *= 1 + m, within
    [1, max level]); while the day's drop % is over the limit the level is reset to 1 and not raised; every
    2.5 s place round(level * agents) - live calls, agents being those ready or talking and live calls those
    ringing, waiting or talking.
    """

    uses_learning = False

    def __init__(self, *, max_level: float = 3.0, drop_limit: float = 0.03, name: str = "vicidial adapt") -> None:
        self.name = name
        self.max_level = max_level
        self.drop_limit = drop_limit
        self.level = 1.0
        self._samples: list[tuple[int, int, int]] = []
        self._last_sample = -1e18
        self._last_adapt = -1e18
        self._last_place = -1e18

    def knobs(self, base: PacingKnobs) -> PacingKnobs:
        return replace(base, mode=DialingMode.RATIO, compliance_guard=False)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        now = snapshot.now
        ready = snapshot.operators_in(OperatorState.READY)
        talking = snapshot.operators_in(OperatorState.ON_CALL)
        if now - self._last_sample >= 1.0 - 1e-9:
            self._last_sample = now
            self._samples = [*self._samples[-14:], (ready, snapshot.answered_waiting, len(snapshot.operators))]
        if now - self._last_adapt >= 15.0 - 1e-9 and self._samples:
            self._last_adapt = now
            today = snapshot.stats.compliance_windows()[0]
            if today.answered and today.rate > self.drop_limit:
                self.level = 1.0
            else:
                k = len(self._samples)
                avg_ready = sum(s[0] for s in self._samples) / k
                avg_waiting = sum(s[1] for s in self._samples) / k
                avg_logged = sum(s[2] for s in self._samples) / k
                m = (avg_ready - avg_waiting) / avg_logged if avg_logged else 0.0
                self.level = min(max(self.level * (1 + m), 1.0), self.max_level)
        if now - self._last_place < 2.5 - 1e-9:
            return 0
        self._last_place = now
        live = len(snapshot.calls_in_flight) + snapshot.answered_waiting + talking
        wanted = round(self.level * (ready + talking)) - live
        room = snapshot.knobs.max_lines - len(snapshot.calls_in_flight) - snapshot.answered_waiting
        return max(0, min(wanted, room, snapshot.contacts_available))


@runtime_checkable
class BlendAware(Protocol):
    """A policy that is told about the inbound side of a blended campaign (what the live service feeds)."""

    def start_inbound(self, traffic: InboundTraffic) -> None: ...

    def inbound_arrival(self, at: float, hour: int) -> None: ...

    def inbound_handled(self, seconds: float, hour: int) -> None: ...

    def inbound_floor(self, floor: InboundFloor, now: float, hour: int) -> None: ...


class BlendedPolicy(CorePolicy):
    """Predictive with blended pacing (`dialer.pacing.blend`): the engine sees the floor without the operators
    Erlang C keeps for the inbound traffic the learner expects. Only what the admin sets (the service level,
    the expected calls per hour before data) comes from the scenario; the rate and handle time are learned.
    `count_spare`: the learner is also told, at each decision, whether the engine had a spare ready operator,
    and the reserve model counts them (tried in issue 19's second round, not adopted: docs/pacing.md)."""

    def __init__(self, name: str = "blended", *, count_spare: bool = False) -> None:
        super().__init__(DialingMode.PREDICTIVE, name=name)
        self.count_spare = count_spare
        self.learner = InboundLearner()
        self.target = ServiceLevel()
        self.floor = InboundFloor()
        self.now = 0.0
        self.hour = 0
        self.held_sum = 0.0

    def start_inbound(self, traffic: InboundTraffic) -> None:
        self.learner = InboundLearner(expected_per_hour=traffic.expected_per_hour)
        self.target = ServiceLevel(traffic.service_level_share, traffic.service_level_within_s)

    def inbound_arrival(self, at: float, hour: int) -> None:
        self.learner.observe_arrival(at, hour)

    def inbound_handled(self, seconds: float, hour: int) -> None:
        self.learner.observe_handle(seconds, hour)

    def inbound_floor(self, floor: InboundFloor, now: float, hour: int) -> None:
        self.floor, self.now, self.hour = floor, now, hour
        self.learner.observe_open(now, hour)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        plan = blend(snapshot, self.floor, self.learner.forecast(self.now, self.hour), self.target)
        if self.count_spare:
            self.learner.observe_engine(self.now, spare_ready_probability(plan.snapshot))
        self.held_sum += plan.held
        return super().calls_to_place(plan.snapshot)

    def stats(self) -> dict[str, float]:
        return {**super().stats(), "held_mean": self.held_sum / max(self.decisions, 1)}


class ReservePolicy(CorePolicy):
    """Predictive with a fixed number of operators set aside for inbound (counting those on inbound calls):
    what an admin without blended pacing would do, `reserve` swept in hindsight by the benchmark."""

    def __init__(self, reserve: int) -> None:
        super().__init__(DialingMode.PREDICTIVE, name=f"reserve {reserve}")
        self.reserve = reserve
        self.floor = InboundFloor()

    def start_inbound(self, traffic: InboundTraffic) -> None:
        return None

    def inbound_arrival(self, at: float, hour: int) -> None:
        return None

    def inbound_handled(self, seconds: float, hour: int) -> None:
        return None

    def inbound_floor(self, floor: InboundFloor, now: float, hour: int) -> None:
        self.floor = floor

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        return super().calls_to_place(fixed_reserve(snapshot, self.floor, self.reserve))


def standard_policies() -> list[Policy]:
    return [
        CorePolicy(DialingMode.PREDICTIVE),
        CorePolicy(DialingMode.PROGRESSIVE),
        VicidialAdapt(),
    ]
