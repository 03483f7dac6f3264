"""The adapter feeding the pre-dial check (dialer.rules.eligibility): what it needs about a batch of
candidates, loaded in a few queries, and its verdict written back to the contact row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.adapters.compliance_evidence import blocked_dial_audit
from dialer.compliance.checks import frequency_counted
from dialer.compliance.consent import ConsentEvent
from dialer.compliance.registers import screened_registers
from dialer.db.compliance_store import as_event, consent_rows, registers_listing
from dialer.db.models import Attempt, AuditLog, Contact, DoNotCall
from dialer.db.repositories.base import OUTBOUND
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign_rules import CampaignRules
from dialer.rules.eligibility import Admission, DialFacts, Verdict


def load_dial_facts(s: Session, campaign_id: int, contacts: Sequence[Contact], rules: CampaignRules) -> DialFacts:
    phones = {p for c in contacts for p in (c.phone, *c.alt_phones)}
    ids = [c.id for c in contacts]
    dnc_rows = s.execute(
        select(DoNotCall.phone, DoNotCall.campaign_id).where(
            DoNotCall.phone.in_(phones), DoNotCall.removed_at.is_(None)
        )
    ).all()
    refused = s.execute(
        select(Contact.phone, func.max(Contact.refused_at))
        .where(Contact.phone.in_(phones), Contact.refused_at.is_not(None))
        .group_by(Contact.phone)
    ).all()
    attempts: dict[int, list[datetime]] = {}
    for contact_id, at, outcome in s.execute(
        select(Attempt.contact_id, Attempt.originated_at, Attempt.outcome).where(
            Attempt.contact_id.in_(ids), Attempt.direction == OUTBOUND
        )
    ):
        if rules.counts(outcome):
            attempts.setdefault(contact_id, []).append(at)
    dials: dict[str, list[datetime]] = {}
    abandoned: dict[str, datetime] = {}
    consent: dict[str, list[ConsentEvent]] = {}
    listed: dict[str, set[str]] = {}
    law = rules.compliance
    if law is not None and law.consent_required:
        for row in consent_rows(s, sorted(phones), ids):
            for key in {row.phone, f"#{row.contact_id}"} - {None, "#None"}:
                consent.setdefault(str(key), []).append(as_event(row))
    if law is not None and law.national_register_screening:
        listed = registers_listing(s, phones, screened_registers(law))
    if law is not None:  # frequency caps and the abandon lockout count every campaign
        for phone, at, ended, outcome in s.execute(
            select(Attempt.phone, Attempt.originated_at, Attempt.ended_at, Attempt.outcome).where(
                Attempt.phone.in_(phones), Attempt.direction == OUTBOUND
            )
        ):
            if frequency_counted(outcome, law):
                dials.setdefault(phone, []).append(at)
            if outcome == AttemptOutcome.ABANDONED.value and ended is not None:
                abandoned[phone] = max(ended, abandoned.get(phone, ended))
    return DialFacts(
        dnc_global={p for p, c in dnc_rows if c is None},
        dnc_campaign={p for p, c in dnc_rows if c == campaign_id},
        refused_at={p: at for p, at in refused if at is not None},
        counted_attempts=attempts,
        dials_by_phone=dials,
        abandoned_by_phone=abandoned,
        consent=consent,
        listed=listed,
    )


def apply_admission(contact: Contact, admission: Admission, campaign_id: int, now: datetime) -> AuditLog | None:
    """Write a refusal back to the contact (parked until retry_at, or closed); a compliance refusal
    also becomes an audit row, the evidence that the dial was not made and why."""
    if admission.verdict in (Verdict.PARK, Verdict.CLOSE):
        contact.status_reason = admission.reason
        if admission.close_as is not None:
            contact.status = admission.close_as.value
        else:
            contact.next_attempt_at = admission.retry_at
    if admission.blocked is None:
        return None
    return blocked_dial_audit(
        campaign_id=campaign_id,
        contact_id=contact.id,
        phone=contact.phone,
        reason=admission.blocked.reason,
        detail=admission.blocked.detail,
        at=now,
    )
