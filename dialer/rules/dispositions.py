"""Dispositions: what the operator says a connected call came to. Pure.

What the network or AMD said is an `AttemptOutcome` (`dialer.outcomes`), the one outcome enum.
"""

from __future__ import annotations

from dataclasses import dataclass


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
