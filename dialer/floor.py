"""The live call floor of one campaign: operators and calls in flight, in memory. Pure.

The service feeds it what Asterisk reports and asks it for pacing snapshots and for the operator
to connect an answered call to; it never does I/O itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dialer.compliance.abandons import CallFacts
from dialer.pacing import CallSnapshot, OperatorSnapshot, OperatorState, PacingKnobs, PacingSnapshot


class CallStage(StrEnum):
    DIALING = "dialing"  # originate sent, no progress yet
    RINGING = "ringing"
    ANSWERED = "answered"  # answered, waiting for the AMD verdict
    WAITING = "waiting"  # a person answered; waiting for a free operator (abandon clock running)
    BRIDGED = "bridged"
    ABANDONING = "abandoning"  # no operator in time: playing the abandon message
    MACHINE = "machine"  # answering machine detected, being hung up
    QUEUED = "queued"  # an inbound caller in the campaign's queue (dialer.service.inbound routes them)


@dataclass
class LiveOperator:
    operator_id: int
    login: str
    endpoint: str
    session_id: int
    channel_id: str
    bridge_id: str
    state: OperatorState | None = None  # None while the softphone is being called
    since: float = 0.0
    attempt_id: int | None = None  # the call they are on or wrapping up
    server: str = ""  # the Asterisk server their softphone is homed on
    inbound_since: float | None = None  # answered an inbound caller then (until their wrap-up ends): blended
    # pacing counts them as inbound's, and the handle time goes to the inbound learner, not the outbound one


@dataclass
class LiveCall:
    attempt_id: int
    contact_id: int
    channel_id: str
    phone: str
    originated: float
    stage: CallStage = CallStage.DIALING
    person_at: float | None = None  # when we knew a live person was there (answer or AMD verdict)
    answered: float | None = None
    operator: LiveOperator | None = None
    preferred_operator_id: int | None = None  # a personal callback goes to its operator when ready
    learned: bool = False  # the pacing learner has been told how this call resolved
    abandon_message_played: bool = False  # the recorded message reached its end before the hang-up
    server: str = ""  # the Asterisk server the call was originated on (and can only be bridged on)
    # what is known of the call for the one abandon definition (dialer.compliance.abandons): the answer,
    # the AMD verdict and its time, the bridge; the connect guard and the pacing ledger read it
    facts: CallFacts = field(default_factory=lambda: CallFacts(answered_at=None))
    counted: bool = False  # the pacing ledger has this call (once per call)
    inbound: bool = False  # the contact called the campaign's number: not counted by the abandon guard


@dataclass
class CallFloor:
    operators: dict[str, LiveOperator] = field(default_factory=dict)  # by operator channel id
    calls: dict[str, LiveCall] = field(default_factory=dict)  # by customer channel id

    def set_operator_state(self, op: LiveOperator, state: OperatorState, now: float) -> None:
        op.state = state
        op.since = now

    def free_operator(self, prefer: int | None = None, server: str | None = None) -> LiveOperator | None:
        """The operator who has been ready longest (fairest, spreads talk time evenly); a personal
        callback's own operator first when they are ready. With `server`, only operators homed there:
        a call can only be bridged on the Asterisk that carries it."""
        ready = [
            o
            for o in self.operators.values()
            if o.state is OperatorState.READY and (server is None or o.server == server)
        ]
        own = next((o for o in ready if o.operator_id == prefer), None) if prefer is not None else None
        if own is not None:
            return own
        return min(ready, key=lambda o: (o.since, o.operator_id)) if ready else None

    def waiting_calls(self, server: str | None = None) -> list[LiveCall]:
        """Answered people waiting for an operator (on `server` if given), longest-waiting first."""
        waiting = [
            c for c in self.calls.values() if c.stage is CallStage.WAITING and (server is None or c.server == server)
        ]
        return sorted(waiting, key=lambda c: (c.person_at or 0.0, c.attempt_id))

    def ready_on(self, server: str) -> int:
        """Ready operators homed on `server` (what placement spreads calls by)."""
        return sum(1 for o in self.operators.values() if o.state is OperatorState.READY and o.server == server)

    def busy_on(self, server: str) -> int:
        """Operators homed on `server` on a call or wrapping up: the ones predictive dialling waits for."""
        busy = (OperatorState.ON_CALL, OperatorState.WRAP_UP)
        return sum(1 for o in self.operators.values() if o.state in busy and o.server == server)

    def unconnected_calls_on(self, server: str) -> int:
        """Calls on `server` not (yet) with an operator: dialling, ringing, answered, waiting."""
        unconnected = (CallStage.DIALING, CallStage.RINGING, CallStage.ANSWERED, CallStage.WAITING)
        return sum(1 for c in self.calls.values() if c.server == server and c.stage in unconnected)

    def lines_on(self, server: str) -> int:
        """Customer calls of this floor on `server`, whatever their stage (each holds a line)."""
        return sum(1 for c in self.calls.values() if c.server == server)

    def operator_by_login(self, login: str) -> LiveOperator | None:
        return next((o for o in self.operators.values() if o.login == login), None)

    def snapshot(self, now: float, knobs: PacingKnobs, contacts_available: int) -> PacingSnapshot:
        operators = tuple(
            OperatorSnapshot(o.operator_id, o.state, now - o.since)
            for o in self.operators.values()
            if o.state is not None
        )
        ringing = tuple(
            CallSnapshot(c.attempt_id, now - c.originated)
            for c in self.calls.values()
            if c.stage in (CallStage.DIALING, CallStage.RINGING)
        )
        answered_waiting = sum(1 for c in self.calls.values() if c.stage in (CallStage.ANSWERED, CallStage.WAITING))
        return PacingSnapshot(
            now=now,
            operators=operators,
            calls_in_flight=ringing,
            answered_waiting=answered_waiting,
            contacts_available=contacts_available,
            knobs=knobs,
        )


@dataclass
class CallCapture:
    """The two legs of one call's recording, from the customer's answer on.

    The customer leg starts at answer; the operator leg when they are bridged, `operator_offset_s` later,
    so post-processing pads it to line both up. Ready once the call is over and every leg it
    started has finished writing.
    """

    attempt_id: int
    campaign: str
    answered_at: datetime
    legs: dict[str, str] = field(default_factory=dict)  # role -> recording name
    finished: set[str] = field(default_factory=set)  # roles whose file is complete
    failed: set[str] = field(default_factory=set)
    started_after_answer_s: dict[str, float] = field(default_factory=dict)  # role -> when its leg began
    call_over: bool = False
    bridged: bool = False
    server: str = ""  # the Asterisk server that writes the legs (its spool directory)

    def leg_started(self, role: str, seconds_after_answer: float) -> None:
        self.started_after_answer_s[role] = seconds_after_answer

    @property
    def operator_offset_s(self) -> float:
        """How much later than the customer's leg the operator's began: silence to put before it."""
        s = self.started_after_answer_s
        return max(0.0, s.get("operator", 0.0) - s.get("customer", 0.0))

    def leg_done(self, name: str, ok: bool) -> str | None:
        for role, leg in self.legs.items():
            if leg == name:
                (self.finished if ok else self.failed).add(role)
                return role
        return None

    @property
    def ready(self) -> bool:
        return self.call_over and set(self.legs) <= self.finished | self.failed
