"""The live state of one campaign this process dials: its floor, what pacing learns, its counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from dialer.floor import CallFloor
from dialer.pacing import (
    AbandonLedger,
    CampaignStats,
    LearnedStats,
    OperatorState,
    PacingDecision,
    PacingLearner,
)
from dialer.pacing.blend import InboundLearner
from dialer.service.backoff import OriginateBackoff
from dialer.service.campaign_config import CampaignConfig

LEARNED_REFRESH_S = 5.0
AMD_PERSON = ("HUMAN", "NOTSURE")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class CampaignRun:
    config: CampaignConfig
    floor: CallFloor = field(default_factory=CallFloor)
    contacts_available: int = 0
    last_decision: PacingDecision | None = None
    stopping: bool = False
    relogin: list[str] = field(default_factory=list)  # operators to log in again when Asterisk is back
    # What the predictive engine learns live (pure objects; the service only feeds them).
    learner: PacingLearner = field(default_factory=PacingLearner)
    ledger: AbandonLedger = field(default_factory=lambda: AbandonLedger(started_at=utcnow().timestamp()))
    learned: LearnedStats | None = None
    learned_at: float = 0.0
    dialled: int = 0
    answered: int = 0
    abandoned: int = 0
    failed_originations: int = 0  # Asterisk refused the call (channel limit, bad trunk): not abandons
    # per Asterisk server: one refusing calls (channel limit, its trunk down) must not stop the others
    backoff: OriginateBackoff = field(default_factory=OriginateBackoff)
    # blended campaigns: arrival rate and handle time of the inbound calls (dialer.pacing.blend)
    inbound_learner: InboundLearner = field(default_factory=InboundLearner)

    def __post_init__(self) -> None:
        if self.config.inbound is not None:
            self.inbound_learner = InboundLearner(expected_per_hour=self.config.inbound.expected_per_hour)

    @property
    def campaign_id(self) -> int:
        return self.config.campaign_id

    def stats(self, now: float, wall: float | None = None, hour: int | None = None) -> CampaignStats:
        """Refresh the learned distributions every few seconds: they move slowly and cost a little.

        `now` is monotonic; `wall` (epoch seconds) and `hour` default to the system clock's."""
        at = utcnow()
        wall = at.timestamp() if wall is None else wall
        hour = at.hour if hour is None else hour
        if self.learned is None or now - self.learned_at > LEARNED_REFRESH_S:
            talking = [now - o.since for o in self.floor.operators.values() if o.state is OperatorState.ON_CALL]
            self.learned = self.learner.learned(hour, now=now, talking_s=talking)
            self.learned_at = now
        return CampaignStats(
            dialled=self.dialled,
            answered=self.answered,
            abandoned=self.abandoned,
            windows=self.ledger.windows(wall),
            learned=self.learned,
        )
