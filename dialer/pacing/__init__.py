"""The pacing core: pure functions of a campaign snapshot, plus the pure learners that feed it."""

from dialer.pacing.core import decide
from dialer.pacing.learned import DialOutcome, LearnedStats, parametric_stats
from dialer.pacing.learner import LearnerPriors, PacingLearner
from dialer.pacing.ledger import AbandonLedger
from dialer.pacing.snapshot import (
    AbandonWindow,
    CallSnapshot,
    CampaignStats,
    DialingMode,
    OperatorSnapshot,
    OperatorState,
    PacingDecision,
    PacingKnobs,
    PacingSnapshot,
)

__all__ = [
    "AbandonLedger",
    "AbandonWindow",
    "CallSnapshot",
    "CampaignStats",
    "DialOutcome",
    "DialingMode",
    "LearnedStats",
    "LearnerPriors",
    "OperatorSnapshot",
    "OperatorState",
    "PacingDecision",
    "PacingKnobs",
    "PacingLearner",
    "PacingSnapshot",
    "decide",
    "parametric_stats",
]
