"""What becomes of a contact after an attempt: the campaign's retry rules applied to the stored row.
Shared by the attempts repository (final outcomes, dispositions) and leasing (reclaimed leases)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.db.models import Attempt, Contact
from dialer.db.repositories.base import DIALABLE, DONE, OUTBOUND, WRAP_UP
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign_rules import CampaignRules
from dialer.rules.eligibility import ContactSnapshot
from dialer.rules.retry import NextStep, StepAction
from dialer.rules.windows import ContactZones

# A connected call's contact stays with its holder through the operator's wrap-up; a holder that went
# away during it leaves the contact in wrap_up, reclaimed (repositories.leasing) after this long.
WRAP_UP_LEASE = timedelta(minutes=30)


def zones(contact: Contact) -> ContactZones:
    return contact.timezone or (tuple(contact.timezone_candidates) if contact.timezone_candidates else None)


def snapshot(contact: Contact) -> ContactSnapshot:
    """The contact as the pre-dial check (dialer.rules.eligibility) reads it."""
    return ContactSnapshot(
        id=contact.id,
        phone=contact.phone,
        alt_phones=tuple(contact.alt_phones or ()),
        zones=zones(contact),
        next_attempt_at=contact.next_attempt_at,
        is_callback=contact.is_callback,
        callback_operator_id=contact.callback_operator_id,
    )


def counted_attempts(s: Session, contact_id: int, rules: CampaignRules, exclude: int | None = None) -> list[datetime]:
    rows = s.execute(
        select(Attempt.id, Attempt.originated_at, Attempt.outcome).where(
            Attempt.contact_id == contact_id, Attempt.direction == OUTBOUND
        )
    ).all()
    return sorted(at for attempt_id, at, outcome in rows if attempt_id != exclude and rules.counts(outcome))


def apply_step(contact: Contact, step: NextStep, operator_id: int | None, now: datetime) -> None:
    contact.status_reason = step.reason[:300]
    if step.refused_until is not None:
        contact.refused_at = now
    if step.action is StepAction.DONE:
        contact.status = DONE
        contact.is_callback = False
        return
    contact.status = DIALABLE
    contact.next_attempt_at = step.not_before
    contact.priority = step.priority
    contact.is_callback = step.action is StepAction.CALLBACK
    contact.callback_operator_id = operator_id if contact.is_callback else None


def close_attempt(
    s: Session,
    attempt: Attempt,
    outcome: AttemptOutcome,
    at: datetime,
    rules: CampaignRules | None,
    values: dict[str, Any],
    *,
    without_rules: str = DONE,
) -> None:
    """Give an open attempt its one final outcome and release its contact's lease: a connected call
    waits for the operator's disposition (wrap_up); any other outcome schedules the retry or closes
    the contact by the rules; without rules the contact gets `without_rules`."""
    attempt.outcome = outcome.value
    attempt.ended_at = at
    for key, value in values.items():
        setattr(attempt, key, value)
    contact = s.get(Contact, attempt.contact_id)
    if contact is None:
        return
    contact.attempt_count += 1
    contact.last_outcome = outcome.value
    if rules is not None and outcome is AttemptOutcome.CONNECTED:
        contact.status = WRAP_UP  # still the holder's until the disposition
        contact.lease_expires_at = at + WRAP_UP_LEASE
        return
    contact.leased_by = None
    contact.lease_expires_at = None
    if rules is None:
        contact.status = without_rules
    else:
        step = rules.after_attempt(
            outcome,
            now=at,
            previous_attempts=counted_attempts(s, contact.id, rules, exclude=attempt.id),
            timezone=zones(contact),
            base_priority=0,
        )
        apply_step(contact, step, None, at)


def end_wrap_up(
    s: Session,
    contact: Contact,
    attempt: Attempt,
    rules: CampaignRules,
    now: datetime,
    code: str | None = None,
    callback_at: datetime | None = None,
) -> None:
    """The conversation's disposition decides the contact's future (callback at callback_at, refusal
    cooldown, done, or try again later); `code=None`: the wrap-up ended without one."""
    step = rules.after_attempt(
        AttemptOutcome.CONNECTED,
        now=now,
        previous_attempts=counted_attempts(s, contact.id, rules, exclude=attempt.id),
        timezone=zones(contact),
        base_priority=0,
        disposition_code=code,
        callback_at=callback_at,
    )
    contact.leased_by = None
    contact.lease_expires_at = None
    apply_step(contact, step, attempt.operator_id, now)
