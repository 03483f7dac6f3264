"""What the pacing core sees: an immutable picture of one campaign at one instant.

The live service and the simulator both build these; the core never does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialer.pacing.learned import LearnedStats


class DialingMode(StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    RATIO = "ratio"
    PREDICTIVE = "predictive"


class OperatorState(StrEnum):
    READY = "ready"  # logged in, idle, waiting for a call
    ON_CALL = "on_call"  # bridged to a customer
    WRAP_UP = "wrap_up"  # call ended, recording the outcome
    PAUSED = "paused"  # logged in but not taking calls


@dataclass(frozen=True, slots=True)
class OperatorSnapshot:
    operator_id: int
    state: OperatorState
    seconds_in_state: float


@dataclass(frozen=True, slots=True)
class CallSnapshot:
    """A call placed and not yet answered (ringing or still being set up)."""

    attempt_id: int
    seconds_since_originate: float


@dataclass(frozen=True, slots=True)
class PacingKnobs:
    """What the admin sets per campaign.

    `max_lines_per_operator` bounds predictive lines (ringing + answered waiting) per available operator;
    `min_lines_per_operator` is the floor per *ready* operator, so 1.0 means "never below progressive".
    """

    mode: DialingMode = DialingMode.PROGRESSIVE
    lines_per_operator: float = 1.0  # the fixed ratio for RATIO mode
    min_lines_per_operator: float = 1.0
    max_lines_per_operator: float = 3.0
    max_lines: int = 30  # trunk size: calls in flight + answered, at most
    target_abandon_rate: float = 0.03
    abandon_cap: float = 0.03
    paused: bool = False
    connect_limit_s: float = 2.0  # an answered call with no operator after this long is abandoned
    compliance_guard: bool = True  # drop to progressive when one more abandon would cross the cap
    guard_steering_windows: bool = True  # predictive: the guard also protects the full rolling hour
    abandon_confidence: float = 0.99  # wanted probability that a rolling window ends under the cap (every window and
    # team size: a small team's hour aimed at 0.9 crossed the cap on 5 of 40 days where 0.99 crossed on none)
    abandon_dispersion: float = 2.0  # abandons come in bursts: variance / mean of a window's abandons
    min_dials_to_predict: int = 100  # predictive dials progressively until the learner has seen this many
    min_talks_per_operator: float = 3.0  # ...and this many finished calls per operator (early talk times are
    # the short ones: a fresh shift's first completions would make everybody look about to free up)
    early_regime: bool = False  # before the talk curves are trusted, dial ahead for the ready operators at the
    # answer rate's upper bound (bounded by the step bound, the ramp and the guard). Off by default: on a
    # held-out seed of cold-b2b-mid it crossed the cap (3.09 %) where the engine without it did not (docs/pacing.md)
    wrap_up_limit_s: float | None = None  # the campaign's wrap-up time: the operator is made ready after it
    # (the model uses min(learned wrap-up, limit)); None: no limit
    machines_count_as_abandons: bool = False  # where the regulator counts AMD-detected machine answers as
    # abandoned calls (the caller hears silence, then a hang-up): in the ledger, the guard and the model


@dataclass(frozen=True, slots=True)
class AbandonWindow:
    """Answered and abandoned calls over one window (a day, rolling 30 days, the last hour).

    `enforced` windows are compliance windows the hard guard protects; the others only steer the
    self-correction. `covered_s` is how much of the window has data (a young shift covers little of its hour).
    """

    name: str
    answered: int
    abandoned: int
    length_s: float
    covered_s: float
    enforced: bool = True
    # answers the window would hold at the pace of its last quarter (steering hour only): when the pace
    # drops (operators log out), abandons recorded now stay while the window's answers shrink under them
    answered_at_pace: float | None = None

    @property
    def guard_answered(self) -> float:
        """The answers an abandon recorded now will be measured against: the fewer of now and at the pace."""
        if self.answered_at_pace is None:
            return float(self.answered)
        return min(float(self.answered), self.answered_at_pace)

    @property
    def full(self) -> bool:
        """Whether the window has data for its whole length (a young hour does not)."""
        return self.covered_s >= self.length_s - 1e-9

    @property
    def rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class CampaignStats:
    """What the campaign has seen so far; the predictive engine learns from it.

    `answered`/`abandoned` are today's totals; when `windows` is empty they act as the only compliance window.
    """

    dialled: int = 0
    answered: int = 0
    abandoned: int = 0
    windows: tuple[AbandonWindow, ...] = ()
    learned: LearnedStats | None = None

    def compliance_windows(self) -> tuple[AbandonWindow, ...]:
        if self.windows:
            return self.windows
        return (AbandonWindow("today", self.answered, self.abandoned, 86400.0, 86400.0),)


@dataclass(frozen=True, slots=True)
class PacingSnapshot:
    now: float
    operators: tuple[OperatorSnapshot, ...]
    calls_in_flight: tuple[CallSnapshot, ...]
    answered_waiting: int = 0  # answered customers not yet bridged to an operator
    contacts_available: int = 0  # dialable contacts the campaign could lease now
    knobs: PacingKnobs = field(default_factory=PacingKnobs)
    stats: CampaignStats = field(default_factory=CampaignStats)

    def operators_in(self, state: OperatorState) -> int:
        return sum(1 for o in self.operators if o.state is state)


@dataclass(frozen=True, slots=True)
class PacingDecision:
    """How many calls to place now, why, and what the engine expected (for the decision log)."""

    calls_to_place: int
    reason: str
    mode_used: DialingMode | None = None
    guard_tripped: bool = False
    effective_target: float | None = None
    expected_abandon_rate: float | None = None
    expected_answers: float | None = None
