"""One definition of a live answer, a late connect and an abandon. Pure.

Every place that counts abandons (the runtime's connect guard, the pacing ledger, the evidence
report, the summaries) calls `classify_call` with what it knows of one call, under the campaign's
effective profile, so the same calls give the same numbers everywhere (issue 15).

Where the connect limit is measured from is the profile's `connect_clock` (its source is in
`profile.sources["connect_clock"]`):

* US, 16 CFR 310.4(b)(1)(iv): a call is abandoned when a person answers and is not connected to a
  sales representative within 2 s of the person's *completed greeting*
  (`ConnectClock.COMPLETED_GREETING`);
* UK, Ofcom's persistent-misuse policy (2010 statement, carried into the 2016 one): a live call
  must reach a live operator within 2 s of the called person *starting to speak*, and the
  information message must start within the same 2 s (`ConnectClock.START_OF_SPEECH`);
* `ConnectClock.ANSWER`, the strictest, is what a campaign may tighten to.

An instant the dialer does not know is replaced by the earliest instant it does know (the answer),
never by a later one: measuring from earlier can only over-count late connects, which is the safe
side of the cap. The AMD verdict itself is *not* the end of the greeting: AMD answers HUMAN only
after `afterGreetingSilence` of silence, and its cause (`HUMAN-<silence ms>-<threshold ms>`) says how
long that silence was, so the greeting ended that much before the verdict (`greeting_end_from_amd`).

Machines: an AMD MACHINE verdict (or an operator's "machine") is not a live answer; it counts as
an abandon (and as a live answer) only where the profile says so (`machines_count_as_abandons`).
The Ofcom *estimate* of people hung up on as machines is a figure over many calls, not a property
of one call: the evidence report computes it (`AmdFalsePositiveMethod`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from dialer.compliance.profiles import ComplianceProfile, ConnectClock
from dialer.outcomes import AttemptOutcome

__all__ = [
    "AMD_PERSON_STATUSES",
    "AbandonRule",
    "AbandonTally",
    "CallFacts",
    "CallVerdict",
    "ConnectClock",
    "ConnectRule",
    "HangupSide",
    "campaign_connect_rule",
    "classify_call",
    "connect_deadline",
    "greeting_end_from_amd",
    "tally_calls",
]

#: AMD statuses after which the dialer treats the callee as a person (HANGUP: they hung up during
#: detection; nobody knows, and over-counting abandons is the safe side).
AMD_PERSON_STATUSES: frozenset[str] = frozenset({"HUMAN", "NOTSURE", "HANGUP"})
_AMD_HUMAN_CAUSE = re.compile(r"^HUMAN-(\d+)-(\d+)$")
_NOT_ANSWERED = frozenset(
    {
        AttemptOutcome.NO_ANSWER,
        AttemptOutcome.BUSY,
        AttemptOutcome.INVALID_NUMBER,
        AttemptOutcome.CONGESTION,
        AttemptOutcome.REJECTED,
    }
)


class AbandonRule(Protocol):
    """What `classify_call` needs of the rules: a `ComplianceProfile` is one, so is a `ConnectRule`."""

    @property
    def connect_limit_s(self) -> float: ...
    @property
    def connect_clock(self) -> ConnectClock: ...
    @property
    def machines_count_as_abandons(self) -> bool: ...
    @property
    def abandon_message_required(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ConnectRule:
    """The abandon rule a running campaign applies: its profile's, with the campaign's own tighter
    settings. A campaign without a profile gets the strictest clock (the answer)."""

    connect_limit_s: float = 2.0
    connect_clock: ConnectClock = ConnectClock.ANSWER
    machines_count_as_abandons: bool = False
    abandon_message_required: bool = True


def campaign_connect_rule(
    profile: ComplianceProfile | None, *, connect_limit_s: float, machines_count_as_abandons: bool = False
) -> ConnectRule:
    """One rule for the guard, the ledger and the report: the tighter of the campaign's and the
    profile's limit, the profile's clock, machines counted if either says so."""
    if profile is None:
        return ConnectRule(connect_limit_s, ConnectClock.ANSWER, machines_count_as_abandons, True)
    return ConnectRule(
        min(connect_limit_s, profile.connect_limit_s),
        profile.connect_clock,
        machines_count_as_abandons or profile.machines_count_as_abandons,
        profile.abandon_message_required,
    )


class HangupSide(StrEnum):
    """Who ended the call."""

    CUSTOMER = "customer"
    OPERATOR = "operator"
    DIALER = "dialer"  # the dialer gave up (after the abandon message, or on a machine)


_HANGUP_REASONS = {
    HangupSide.CUSTOMER: "the callee hung up before an operator was connected",
    HangupSide.DIALER: "no operator within the limit: the dialer ended the call",
    HangupSide.OPERATOR: "ended without an operator",
}


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What is known of one call. Every instant is timezone-aware; unknown ones are None.

    `greeting_ended_at` / `speech_started_at`: from voice detection on the customer leg when the
    dialer has it; with AMD, leave `greeting_ended_at` None and give `amd_at` and `amd_cause`.
    `operator_heard_at`: when the customer could first hear the operator (from the recording:
    answer + dead air); checked against the same limit as the bridge.
    `outcome`: the `AttemptOutcome` value the dialer recorded (None while the call is in progress).
    """

    answered_at: dt.datetime | None
    bridged_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    speech_started_at: dt.datetime | None = None
    greeting_ended_at: dt.datetime | None = None
    amd_status: str | None = None
    amd_cause: str | None = None
    amd_at: dt.datetime | None = None
    operator_heard_at: dt.datetime | None = None
    hung_up_by: HangupSide | None = None
    abandon_message_played: bool | None = None
    outcome: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "answered_at",
            "bridged_at",
            "ended_at",
            "speech_started_at",
            "greeting_ended_at",
            "amd_at",
            "operator_heard_at",
        ):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"CallFacts.{name} must be timezone-aware")
        if self.outcome is not None:
            AttemptOutcome(self.outcome)  # a typo must not silently count as "not answered"


@dataclass(frozen=True, slots=True)
class CallVerdict:
    """How one call counts. `abandon` and `counted_live` are the numerator and the denominator."""

    #: A person answered (AMD said person, or no AMD): the call is in the denominator.
    live: bool
    #: AMD (or the operator) said machine.
    machine: bool
    #: A person answered and was never connected to an operator (the call is over).
    unconnected: bool
    #: Connected, but later than the limit after the reference instant.
    late_connect: bool
    #: A machine counted as an abandoned live call because the profile says so.
    machine_abandon: bool
    #: The customer could first hear the operator later than the limit (from the recording).
    heard_late: bool
    #: The dialer hung up on a person without the message the profile requires.
    message_missing: bool
    #: Answered, not yet connected, not over: nothing is decided yet.
    pending: bool
    #: Which clock the latency was measured from (the profile's, or the answer when that was unknown).
    measured_from: ConnectClock | None
    reference_at: dt.datetime | None
    #: The instant by which an operator had to be connected (reference + limit).
    deadline: dt.datetime | None
    connect_latency_s: float | None
    heard_latency_s: float | None
    reason: str

    @property
    def abandon(self) -> bool:
        """Counts as an abandoned call: unconnected, connected late, or a machine the profile counts."""
        return self.unconnected or self.late_connect or self.machine_abandon

    @property
    def counted_live(self) -> bool:
        """Counts in the denominator of the abandon rate."""
        return self.live or self.machine_abandon


def greeting_end_from_amd(
    amd_at: dt.datetime | None, amd_status: str | None, amd_cause: str | None
) -> dt.datetime | None:
    """When the greeting ended, from Asterisk's AMD verdict: HUMAN comes `silence` ms after the last
    word (AMDCAUSE `HUMAN-<silence>-<afterGreetingSilence>`, app_amd.c). None for other verdicts:
    with NOTSURE (TOOLONG) or MACHINE nobody knows when the greeting ended."""
    if amd_at is None or (amd_status or "").upper() != "HUMAN":
        return None
    m = _AMD_HUMAN_CAUSE.match((amd_cause or "").strip().upper())
    if m is None:
        return None
    return amd_at - dt.timedelta(milliseconds=int(m.group(1)))


def _reference(facts: CallFacts, clock: ConnectClock) -> tuple[ConnectClock | None, dt.datetime | None]:
    """The instant the limit runs from, and the clock it really is; never before the answer."""
    answered = facts.answered_at
    if answered is None:
        return None, None
    candidates: list[tuple[ConnectClock, dt.datetime | None]] = []
    if clock is ConnectClock.COMPLETED_GREETING:
        candidates += [
            (ConnectClock.COMPLETED_GREETING, facts.greeting_ended_at),
            (ConnectClock.COMPLETED_GREETING, greeting_end_from_amd(facts.amd_at, facts.amd_status, facts.amd_cause)),
            (ConnectClock.START_OF_SPEECH, facts.speech_started_at),
        ]
    elif clock is ConnectClock.START_OF_SPEECH:
        candidates.append((ConnectClock.START_OF_SPEECH, facts.speech_started_at))
    for used, at in candidates:
        if at is not None:
            return (used, at) if at >= answered else (ConnectClock.ANSWER, answered)
    return ConnectClock.ANSWER, answered


def _is_machine(facts: CallFacts) -> bool:
    if facts.outcome == AttemptOutcome.MACHINE:
        return True
    amd_machine = (facts.amd_status or "").upper() == "MACHINE"
    # connect-first strategy: a call bridged before the verdict reached an operator, who says what it was
    return amd_machine and facts.bridged_at is None


def _seconds(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()


def classify_call(facts: CallFacts, rules: AbandonRule, *, machines_count_as_abandons: bool = False) -> CallVerdict:
    """How one call counts under `rules` (the campaign's effective profile, or its `ConnectRule`).

    `machines_count_as_abandons`: the campaign's own stricter setting, on top of the profile's.
    A call ended by its callee before the deadline without an operator is still an abandon: nobody
    can tell a hang-up at 1.9 s from impatience with the silence, and over-counting is the safe side.
    """
    limit = dt.timedelta(seconds=rules.connect_limit_s)
    answered = facts.answered_at is not None or facts.outcome in (AttemptOutcome.CONNECTED, AttemptOutcome.ABANDONED)
    if not answered or (facts.outcome in _NOT_ANSWERED and facts.bridged_at is None):
        return _verdict(reason="not answered")
    if _is_machine(facts):
        counted = rules.machines_count_as_abandons or machines_count_as_abandons
        return _verdict(
            machine=True,
            machine_abandon=counted,
            reason="machine, counted as an abandon (profile)" if counted else "machine: not a live answer",
        )
    used, reference = _reference(facts, rules.connect_clock)
    deadline = reference + limit if reference is not None else None
    latency = _seconds(facts.bridged_at, reference)
    heard = _seconds(facts.operator_heard_at, reference)
    live = _verdict(
        live=True,
        measured_from=used,
        reference_at=reference,
        deadline=deadline,
        connect_latency_s=latency,
        heard_latency_s=heard,
        heard_late=heard is not None and heard > rules.connect_limit_s,
        reason="",
    )
    # a recorded "abandoned" wins over a bridge time (a bridge that failed in the same instant): safe side
    connected = facts.bridged_at is not None and facts.outcome != AttemptOutcome.ABANDONED
    if connected or facts.outcome == AttemptOutcome.CONNECTED:
        late = latency is not None and latency > rules.connect_limit_s
        why = f"connected {latency:.2f} s after the {used}" if latency is not None else "connected"
        return replace(live, late_connect=late, reason=("late: " if late else "") + why)
    over = facts.ended_at is not None or facts.outcome is not None
    if not over:
        return replace(live, pending=True, reason="answered, waiting for an operator")
    missing = (
        rules.abandon_message_required
        and facts.hung_up_by is HangupSide.DIALER
        and facts.abandon_message_played is not True
    )
    who = _HANGUP_REASONS.get(facts.hung_up_by) if facts.hung_up_by is not None else None
    return replace(live, unconnected=True, message_missing=missing, reason=who or "never connected to an operator")


def _verdict(
    *,
    live: bool = False,
    machine: bool = False,
    unconnected: bool = False,
    late_connect: bool = False,
    machine_abandon: bool = False,
    heard_late: bool = False,
    message_missing: bool = False,
    pending: bool = False,
    measured_from: ConnectClock | None = None,
    reference_at: dt.datetime | None = None,
    deadline: dt.datetime | None = None,
    connect_latency_s: float | None = None,
    heard_latency_s: float | None = None,
    reason: str,
) -> CallVerdict:
    return CallVerdict(
        live=live,
        machine=machine,
        unconnected=unconnected,
        late_connect=late_connect,
        machine_abandon=machine_abandon,
        heard_late=heard_late,
        message_missing=message_missing,
        pending=pending,
        measured_from=measured_from,
        reference_at=reference_at,
        deadline=deadline,
        connect_latency_s=connect_latency_s,
        heard_latency_s=heard_latency_s,
        reason=reason,
    )


def connect_deadline(facts: CallFacts, rules: AbandonRule) -> dt.datetime | None:
    """By when an operator must be connected (or the abandon message started), from what is known now.

    The runtime guard calls it at the answer (AMD off: answer + limit) and again when AMD gives its
    verdict (the greeting's end is known then): the timer fires at the returned instant. None: not
    answered yet.
    """
    _, reference = _reference(facts, rules.connect_clock)
    return None if reference is None else reference + dt.timedelta(seconds=rules.connect_limit_s)


@dataclass(frozen=True, slots=True)
class AbandonTally:
    """Abandons over live answers of a set of calls, as every summary shows them."""

    live: int
    abandons: int
    late_connects: int
    machines: int

    @property
    def rate(self) -> float:
        return self.abandons / self.live if self.live else 0.0


def tally_calls(verdicts: Iterable[CallVerdict]) -> AbandonTally:
    """Count decided calls (pending ones wait): what a summary, the admin console or the pacing
    ledger's history shows. The evidence report counts the same verdicts, with the ids behind them
    and the AMD false-positive estimate on top where the profile asks for it."""
    live = abandons = late = machines = 0
    for v in verdicts:
        if v.pending:
            continue
        live += v.counted_live
        abandons += v.abandon
        late += v.late_connect
        machines += v.machine
    return AbandonTally(live, abandons, late, machines)
