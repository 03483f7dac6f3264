"""The last check before a dial, as one pure decision. No I/O.

The database adapter (`dialer.db.repositories.eligibility_facts`) loads what is known about a batch of
candidates (do-not-call entries, refusals, earlier dials, consent history, national registers) into
`DialFacts`, and `admit` decides for each contact: dial it now, park it until a time, close it for
good, or hold it (a callback waiting for its operator). The adapter writes the verdict back; the rule
itself lives here so that it can be read, and tested, without a database.

Every number of a contact counts: one on a do-not-call list, refused lately, dialled too often or
abandoned lately blocks the contact. Consent is the subscriber's: the main number's events and those
recorded on the contact itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from enum import StrEnum

from dialer.compliance.checks import FINAL_BLOCKS as COMPLIANCE_FINAL
from dialer.compliance.consent import ADVERTISING, ConsentEvent, current_consent
from dialer.rules.callbacks import Callback, CallbackState, route_callback
from dialer.rules.campaign_rules import CampaignRules
from dialer.rules.retry import BlockReason
from dialer.rules.windows import ContactZones


class Verdict(StrEnum):
    DIAL = "dial"  # lease it and dial it now
    PARK = "park"  # not now: look again at retry_at (None: at the next look)
    CLOSE = "close"  # never: the contact is closed with close_as
    HOLD = "hold"  # a due callback reserved for an operator who is not ready: leave it as it is


class Closure(StrEnum):
    """The contact status a never-dialable contact is closed with (the stored values)."""

    DO_NOT_CALL = "dnc"
    DONE = "done"


# Blocks that will never clear by waiting.
FINAL_BLOCKS: Mapping[BlockReason, Closure] = {
    BlockReason.DO_NOT_CALL: Closure.DO_NOT_CALL,
    BlockReason.MAX_ATTEMPTS: Closure.DONE,
    BlockReason.NO_WINDOW: Closure.DONE,
}


@dataclass(frozen=True)
class ContactSnapshot:
    """The contact as the check reads it."""

    id: int
    phone: str
    alt_phones: tuple[str, ...] = ()
    zones: ContactZones = None
    next_attempt_at: dt.datetime | None = None
    is_callback: bool = False
    callback_operator_id: int | None = None

    @property
    def phones(self) -> list[str]:
        return [self.phone, *self.alt_phones]


@dataclass(frozen=True)
class DialFacts:
    """What the database knows about a batch of candidates' numbers, keyed by phone (or contact id)."""

    dnc_global: AbstractSet[str] = frozenset()
    dnc_campaign: AbstractSet[str] = frozenset()
    refused_at: Mapping[str, dt.datetime] = field(default_factory=dict)  # phone -> last refusal, any campaign
    counted_attempts: Mapping[int, Sequence[dt.datetime]] = field(default_factory=dict)  # contact id -> dials
    dials_by_phone: Mapping[str, Sequence[dt.datetime]] = field(default_factory=dict)  # every campaign, for caps
    abandoned_by_phone: Mapping[str, dt.datetime] = field(default_factory=dict)  # last abandoned call's end
    consent: Mapping[str, Sequence[ConsentEvent]] = field(default_factory=dict)  # by phone and by "#<contact id>"
    listed: Mapping[str, AbstractSet[str]] = field(default_factory=dict)  # phone -> national registers


@dataclass(frozen=True)
class BlockedDial:
    """A dial the jurisdiction's rules refused: kept as compliance evidence."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Admission:
    verdict: Verdict
    reason: str | None = None  # the contact's status_reason (PARK, CLOSE)
    retry_at: dt.datetime | None = None  # PARK: when to look again
    close_as: Closure | None = None  # CLOSE: the contact's final status
    preferred_operator_id: int | None = None  # DIAL, HOLD: a personal callback's operator
    blocked: BlockedDial | None = None  # a compliance refusal, for the evidence log

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.DIAL


def consent_events(contact: ContactSnapshot, facts: DialFacts) -> list[ConsentEvent]:
    """The main number's events and the contact's own, each once (a row may be keyed both ways)."""
    seen: dict[int, ConsentEvent] = {}
    loose: list[ConsentEvent] = []
    for key in (contact.phone, f"#{contact.id}"):
        for event in facts.consent.get(key, ()):
            if event.event_id:
                seen.setdefault(event.event_id, event)
            elif event not in loose:
                loose.append(event)
    return [*seen.values(), *loose]


def admit(
    contact: ContactSnapshot,
    facts: DialFacts,
    rules: CampaignRules,
    now: dt.datetime,
    ready_operator_ids: AbstractSet[int] = frozenset(),
) -> Admission:
    """May this contact be dialled now? The campaign's contact rules first (do-not-call, refusal
    cooldown, attempt limits, due time, calling window), then the jurisdiction's (consent, national
    registers, frequency caps, abandon lockout, legal hours), then callback routing."""
    phones = contact.phones
    refusals = [facts.refused_at[p] for p in phones if p in facts.refused_at]
    eligibility = rules.eligibility(
        now=now,
        phones=phones,
        timezone=contact.zones,
        counted_attempts=sorted(facts.counted_attempts.get(contact.id, ())),
        not_before=contact.next_attempt_at,
        last_refusal_at=max(refusals) if refusals else None,
        do_not_call=[set(facts.dnc_global), set(facts.dnc_campaign)],
        is_callback=contact.is_callback,
    )
    if not eligibility.ok:
        assert eligibility.reason is not None
        closure = FINAL_BLOCKS.get(eligibility.reason)
        if closure is not None:
            return Admission(Verdict.CLOSE, eligibility.reason.value, close_as=closure)
        return Admission(Verdict.PARK, eligibility.reason.value, retry_at=eligibility.retry_at)
    abandoned = [facts.abandoned_by_phone[p] for p in phones if p in facts.abandoned_by_phone]
    law = rules.compliance_verdict(
        now=now,
        timezone=contact.zones,
        consent=current_consent(consent_events(contact, facts), ADVERTISING, now),
        registers_listing=sorted({n for p in phones for n in facts.listed.get(p, ())}),
        dial_times=sorted(t for p in phones for t in facts.dials_by_phone.get(p, ())),
        last_abandoned_at=max(abandoned) if abandoned else None,
    )
    if law is not None and not law.ok:
        assert law.reason is not None
        blocked = BlockedDial(law.reason.value, law.detail or "")
        reason = f"compliance: {law.reason.value}"
        if law.reason in COMPLIANCE_FINAL:
            return Admission(Verdict.CLOSE, reason, close_as=Closure.DONE, blocked=blocked)
        return Admission(Verdict.PARK, reason, retry_at=law.retry_at, blocked=blocked)
    if contact.is_callback and contact.next_attempt_at is not None:
        route = route_callback(
            Callback(contact.id, contact.next_attempt_at, contact.callback_operator_id),
            now,
            ready_operator_ids,
            rules.policy.callback_grace,
        )
        if route.state is CallbackState.RESERVED:
            if route.operator_id in ready_operator_ids:
                return Admission(Verdict.DIAL, preferred_operator_id=route.operator_id)
            return Admission(Verdict.HOLD, preferred_operator_id=route.operator_id)
        if route.state is not CallbackState.ANYONE:
            return Admission(Verdict.HOLD, preferred_operator_id=route.operator_id)
        return Admission(Verdict.DIAL, preferred_operator_id=route.operator_id)
    return Admission(Verdict.DIAL)
