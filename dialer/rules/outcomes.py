"""Call outcomes (what the network/AMD said) and dispositions (what the operator said)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CallOutcome(StrEnum):
    """Technical result of one attempt, set by the dialer, not by a person."""

    CONNECTED = "connected"  # answered by a person and bridged to an operator
    ABANDONED = "abandoned"  # answered by a person, no operator free: we hung up on them
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MACHINE = "machine"  # answering machine / voicemail (AMD)
    INVALID_NUMBER = "invalid_number"  # number does not exist / not in service
    CONGESTION = "congestion"  # network or trunk congestion
    REJECTED = "rejected"  # callee declined / carrier rejected
    FAILED = "failed"  # the call failed for another network reason
    SYSTEM_FAILURE = "system_failure"  # our side: Asterisk/ARI/originate error


@dataclass(frozen=True, slots=True)
class Disposition:
    """A campaign-defined result an operator picks after a connected call.

    `refusal`: the contact said no; no campaign may call them during the refusal cooldown.
    `callback`: the operator sets a next-action time; the contact is called back then.
    `final`: nothing more to do with the contact in this campaign (positive and refusal
    dispositions are always final); a non-final one (e.g. "secretary, call later") is retried.
    """

    code: str
    label: str = ""
    positive: bool = False
    refusal: bool = False
    callback: bool = False
    final: bool = True
    do_not_call: bool = False  # an opt-out: the number goes on the global do-not-call list at once

    def __post_init__(self) -> None:
        if self.positive and self.refusal:
            raise ValueError(f"disposition {self.code!r} cannot be both positive and a refusal")
        if self.callback and (self.positive or self.refusal):
            raise ValueError(f"disposition {self.code!r}: a callback cannot be positive or a refusal")
        if self.do_not_call and (self.callback or self.positive):
            raise ValueError(f"disposition {self.code!r}: a do-not-call request cannot be a callback or positive")
