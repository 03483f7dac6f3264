"""The one outcome enum of an attempt (what the network, AMD or the dialer said), and how Asterisk's
hangup causes map onto it. Pure: the runtime, the contact rules and the reports all use it."""

from __future__ import annotations

from enum import StrEnum


class AttemptOutcome(StrEnum):
    CONNECTED = "connected"  # a person answered and was bridged to an operator
    ABANDONED = "abandoned"  # a person answered and no operator was connected within the limit
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MACHINE = "machine"  # answering machine detected
    INVALID_NUMBER = "invalid_number"
    CONGESTION = "congestion"
    REJECTED = "rejected"
    FAILED = "failed"  # the network or Asterisk refused the call for another reason
    SYSTEM_FAILURE = "system_failure"  # our side failed (Asterisk or the dialer went away mid-call)

    @property
    def answered_by_person(self) -> bool:
        return self in (AttemptOutcome.CONNECTED, AttemptOutcome.ABANDONED)


# Q.850 cause codes as Asterisk reports them (causes.h); PJSIP maps SIP responses onto these.
CAUSE_OUTCOMES: dict[int, AttemptOutcome] = {
    1: AttemptOutcome.INVALID_NUMBER,  # unallocated number (SIP 404)
    3: AttemptOutcome.INVALID_NUMBER,  # no route to destination
    17: AttemptOutcome.BUSY,  # user busy (SIP 486)
    18: AttemptOutcome.NO_ANSWER,  # no user responding (SIP 408)
    19: AttemptOutcome.NO_ANSWER,  # no answer from user (SIP 480)
    20: AttemptOutcome.NO_ANSWER,  # subscriber absent
    21: AttemptOutcome.REJECTED,  # call rejected (SIP 403/603)
    22: AttemptOutcome.INVALID_NUMBER,  # number changed
    27: AttemptOutcome.FAILED,  # destination out of order
    28: AttemptOutcome.INVALID_NUMBER,  # invalid number format (SIP 484)
    34: AttemptOutcome.CONGESTION,  # no circuit available (SIP 503)
    38: AttemptOutcome.CONGESTION,  # network out of order
    41: AttemptOutcome.CONGESTION,  # temporary failure
    42: AttemptOutcome.CONGESTION,  # switching equipment congestion
}


def outcome_of_unanswered(cause: int | None, *, ring_timed_out: bool) -> AttemptOutcome:
    """Outcome of a call that ended before anyone answered."""
    if ring_timed_out:
        return AttemptOutcome.NO_ANSWER
    if cause is None:
        return AttemptOutcome.FAILED
    return CAUSE_OUTCOMES.get(cause, AttemptOutcome.FAILED)
