"""The records the evidence report is built from (one attempt, one refused dial), the ledger row it
makes of each attempt, and the figure type that keeps the ids behind every number. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dialer.compliance.abandons import CallFacts
from dialer.rules.windows import ContactZones


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt row with what the report needs (Attempt joined with Contact)."""

    attempt_id: int
    contact_id: int
    phone: str
    originated_at: dt.datetime
    answered_at: dt.datetime | None = None
    bridged_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    outcome: str | None = None  # AttemptOutcome value; None while in progress
    amd_status: str | None = None  # HUMAN / MACHINE / NOTSURE / None (no AMD)
    amd_cause: str | None = None  # Asterisk's AMDCAUSE, e.g. "LONGGREETING-1600-1500"
    timezone: ContactZones = None
    #: Was the abandon message played? None: not an abandoned call, or not recorded.
    abandon_message_played: bool | None = None
    #: From the call's recording: silence between the answer and the operator's first audio.
    dead_air_s: float | None = None
    #: When AMD gave its verdict; with `amd_cause` it tells when the greeting ended.
    amd_at: dt.datetime | None = None
    #: From voice detection on the customer leg, when the dialer has it.
    speech_started_at: dt.datetime | None = None
    greeting_ended_at: dt.datetime | None = None

    @property
    def connect_latency_s(self) -> float | None:
        """Answer -> bridge, whatever the profile's clock (`LedgerRow.connect_latency_s` uses the clock)."""
        if self.answered_at is None or self.bridged_at is None:
            return None
        return (self.bridged_at - self.answered_at).total_seconds()

    def facts(self) -> CallFacts:
        """What `classify_call` needs; the operator was first heard `dead_air_s` after the answer."""
        heard = (
            self.answered_at + dt.timedelta(seconds=self.dead_air_s)
            if self.answered_at is not None and self.dead_air_s is not None
            else None
        )
        return CallFacts(
            answered_at=self.answered_at,
            bridged_at=self.bridged_at,
            ended_at=self.ended_at,
            speech_started_at=self.speech_started_at,
            greeting_ended_at=self.greeting_ended_at,
            amd_status=self.amd_status,
            amd_cause=self.amd_cause,
            amd_at=self.amd_at,
            operator_heard_at=heard,
            abandon_message_played=self.abandon_message_played,
            outcome=self.outcome,
        )


@dataclass(frozen=True, slots=True)
class BlockedDial:
    """A dial the pre-dial checks refused: DNC, consent, frequency cap, hours, lockout."""

    at: dt.datetime
    contact_id: int
    phone: str
    reason: str  # BlockReason or ComplianceBlock value
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Figure:
    """A number and the ids it was counted from."""

    value: float
    ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, ids: Iterable[int]) -> Figure:
        t = tuple(sorted(ids))
        return cls(len(t), t)


@dataclass(frozen=True, slots=True)
class AmdFalsePositiveMethod:
    """How the AMD false-positive estimate is reasoned.

    estimate = (MACHINE verdicts whose cause starts with one of `suspect_causes`, counted whole)
             + `rate` x (the other MACHINE verdicts).

    `rate` should come from a listening test: record a random sample of MACHINE calls and
    count the people among them (Ofcom wants the estimate reasoned, not assumed zero).
    `suspect_causes` marks verdicts whose behaviour suggests a person (e.g. "MAXWORDS": a
    person who keeps talking); empty by default because no cause is reliable on its own.
    """

    rate: float
    suspect_causes: tuple[str, ...] = ()
    basis: str = "configured rate"

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError("AMD false-positive rate must be in [0, 1]")

    def suspect(self, record: AttemptRecord) -> bool:
        cause = (record.amd_cause or "").upper()
        return any(cause.startswith(p.upper()) for p in self.suspect_causes)

    def describe(self) -> str:
        extra = f"; verdicts with cause {', '.join(self.suspect_causes)} counted whole" if self.suspect_causes else ""
        return f"{self.rate:.1%} of MACHINE verdicts ({self.basis}){extra}"


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One attempt with every flag the report counts it under."""

    attempt_id: int
    contact_id: int
    phone: str
    originated_at: dt.datetime
    report_day: dt.date
    outcome: str | None
    amd_status: str | None
    amd_cause: str | None
    answered_at: dt.datetime | None
    bridged_at: dt.datetime | None
    ended_at: dt.datetime | None
    #: Seconds from `measured_from` to the bridge (the clock the profile names, or the answer).
    connect_latency_s: float | None
    in_window: bool
    live: bool
    abandoned: bool
    late_connect: bool
    amd_fp_suspect: bool
    abandon_message_played: bool | None
    measured_from: str | None = None
    machine: bool = False
    #: A machine counted as an abandoned live call (profile or campaign setting).
    machine_abandon: bool = False
    #: The recording says the operator was first heard later than the limit.
    heard_late: bool = False
    #: An AMD MACHINE verdict not bridged: what the false-positive estimate is taken from.
    amd_machine: bool = False
    reason: str = ""
