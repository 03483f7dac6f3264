"""Leasing contacts for a dial, and reclaiming leases whose holder went away.

Who may close a lease it does not hold (the rule `dialer.db.leader` and `fail_unfinished_attempts`
already follow): a campaign's contacts are leased only by the process pacing it, and a process paces
a campaign only while it holds the campaign's lock (`CampaignLeases`; on SQLite the one process). So
a lease held by another process (`leased_by` is not the caller) belongs to a process that lost the
campaign: it died, or lost its database session and with it the lock (its successor ends its calls,
`DialerService._take_over`). Such a lease, once `lease_expires_at` has passed, is reclaimed: its open
attempt gets `system_failure` (the holder never reported an outcome) and its contact follows the retry
rules for that outcome (by default: dialable again 5 minutes later, not counted against the attempt
limit); without rules it is dialable at once.

A connected call's contact stays its holder's through the operator's wrap-up (status wrap_up, lease
30 minutes from the hang-up); a wrap-up of a holder that went away is ended as when it runs out without
a disposition. The caller's own wrap-ups end with their operator, never here.

A lease held by the caller is never reclaimed for its age alone: the caller is alive, and a
conversation may outlive the lease. The periodic sweep takes the attempts the caller still has in
flight; its own expired leases outside them are leaks (an attempt it lost track of, or a dead earlier
process that had the same node name) and are reclaimed too. The leasing query reclaims foreign leases
only. Both must be called only by the campaign's lock holder.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from dialer.db.models import Attempt, Contact
from dialer.db.repositories.base import DIALABLE, DONE, LEASED, WRAP_UP, RepositoryBase
from dialer.db.repositories.contact_steps import close_attempt, end_wrap_up, snapshot
from dialer.db.repositories.eligibility_facts import apply_admission, load_dial_facts
from dialer.db.repositories.scripts import assign_script, rotation_of
from dialer.outcomes import AttemptOutcome
from dialer.rules.campaign_rules import CampaignRules
from dialer.rules.eligibility import Verdict, admit

log = logging.getLogger(__name__)
_Row = TypeVar("_Row")

RECLAIMED = "lease expired: its holder went away"


@dataclass(frozen=True)
class DialTask:
    """A contact leased for one dial, with its attempt row already written."""

    attempt_id: int
    contact_id: int
    channel_id: str
    phone: str
    preferred_operator_id: int | None = None  # a personal callback's operator


def _locked(s: Session, q: Select[_Row]) -> Select[_Row]:
    """On PostgreSQL the rows are locked with SKIP LOCKED: two transactions never take the same contact."""
    if s.bind is not None and s.bind.dialect.name == "postgresql":
        return q.with_for_update(skip_locked=True)
    return q


class LeasingRepository(RepositoryBase):
    def count_dialable(self, campaign_id: int, now: datetime, owner: str | None = None) -> int:
        """Contacts the campaign could lease now: the dialable ones that are due, and the expired leases
        the leasing query would reclaim (any holder's, or only other holders' when `owner` is given), so
        that pacing asks for them even when nothing else is left. An upper bound: a reclaimed contact may
        be parked by its retry rules."""
        expired = and_(
            Contact.status.in_([LEASED, WRAP_UP]),
            or_(Contact.lease_expires_at.is_(None), Contact.lease_expires_at <= now),
        )
        if owner is not None:
            expired = and_(expired, or_(Contact.leased_by.is_(None), Contact.leased_by != owner))
        due = and_(Contact.status == DIALABLE, or_(Contact.next_attempt_at.is_(None), Contact.next_attempt_at <= now))
        with self.sessions() as s:
            return (
                s.scalar(select(func.count(Contact.id)).where(Contact.campaign_id == campaign_id, or_(due, expired)))
                or 0
            )

    def lease_contacts(
        self,
        campaign_id: int,
        n: int,
        owner: str,
        now: datetime,
        lease_s: float = 600,
        rules: CampaignRules | None = None,
        ready_operator_ids: AbstractSet[int] = frozenset(),
    ) -> list[DialTask]:
        """Take up to n dialable contacts and write an attempt row for each, in one transaction.

        Expired leases of other holders are reclaimed first (module docstring), so their contacts
        are candidates again when the retry rules allow. With `rules`, every candidate gets the last
        check before a dial (dialer.rules.eligibility: do-not-call, refusal cooldown, attempt limits,
        the callee's calling window, the jurisdiction's rules, callback routing); a blocked one is put
        back with the time to look again, or closed when it can never be dialled. On PostgreSQL the
        rows are locked with SKIP LOCKED so that several dialer processes never lease the same contact.
        """
        if n <= 0:
            return []
        tasks: list[DialTask] = []
        with self.sessions.begin() as s:
            _reclaim(s, campaign_id, owner, now, rules, None)
            q = (
                select(Contact)
                .where(
                    Contact.campaign_id == campaign_id,
                    Contact.status == DIALABLE,
                    (Contact.next_attempt_at.is_(None)) | (Contact.next_attempt_at <= now),
                )
                .order_by(Contact.is_callback.desc(), Contact.priority.desc(), Contact.next_attempt_at, Contact.id)
                .limit(n if rules is None else n * 4)
            )
            candidates = list(s.scalars(_locked(s, q)))
            facts = load_dial_facts(s, campaign_id, candidates, rules) if rules is not None else None
            rotation = rotation_of(s, campaign_id)
            for contact in candidates:
                if len(tasks) >= n:
                    break
                preferred = None
                if rules is not None and facts is not None:
                    admission = admit(snapshot(contact), facts, rules, now, ready_operator_ids)
                    evidence = apply_admission(contact, admission, campaign_id, now)
                    if evidence is not None:
                        s.add(evidence)
                    if admission.verdict is not Verdict.DIAL:
                        continue
                    preferred = admission.preferred_operator_id
                contact.status = LEASED
                contact.leased_by = owner
                contact.lease_expires_at = now + timedelta(seconds=lease_s)
                attempt = Attempt(
                    campaign_id=campaign_id,
                    contact_id=contact.id,
                    phone=contact.phone,
                    channel_id=f"att-{uuid.uuid4().hex}",
                    originated_at=now,
                )
                assign_script(s, [attempt], campaign_id, rotation)
                s.add(attempt)
                s.flush()
                tasks.append(DialTask(attempt.id, contact.id, attempt.channel_id, contact.phone, preferred))
        return tasks

    def reclaim_expired_leases(
        self,
        campaign_id: int,
        owner: str,
        now: datetime,
        *,
        rules: CampaignRules | None = None,
        in_flight: AbstractSet[int] | None = None,
    ) -> int:
        """The periodic sweep: reclaim the campaign's expired leases whose holder is gone (module
        docstring). `owner`: the caller's node name, as given to lease_contacts; `in_flight`: the
        attempt ids the caller still has in flight (None: leave every lease of the caller alone).
        Returns how many contacts were reclaimed."""
        with self.sessions.begin() as s:
            return _reclaim(s, campaign_id, owner, now, rules, in_flight)


def _reclaim(
    s: Session,
    campaign_id: int,
    owner: str,
    now: datetime,
    rules: CampaignRules | None,
    in_flight: AbstractSet[int] | None,
) -> int:
    not_ours = or_(Contact.leased_by.is_(None), Contact.leased_by != owner)
    leased = Contact.status == LEASED if in_flight is not None else and_(Contact.status == LEASED, not_ours)
    q = select(Contact).where(
        Contact.campaign_id == campaign_id,
        or_(Contact.lease_expires_at.is_(None), Contact.lease_expires_at <= now),
        or_(leased, and_(Contact.status == WRAP_UP, not_ours)),  # our own wrap-ups end with their operator
    )
    contacts = list(s.scalars(_locked(s, q)))
    if not contacts:
        return 0
    by_contact: dict[int, list[Attempt]] = {}
    for attempt in s.scalars(
        select(Attempt).where(Attempt.contact_id.in_([c.id for c in contacts])).order_by(Attempt.id)
    ):
        by_contact.setdefault(attempt.contact_id, []).append(attempt)
    reclaimed = 0
    for contact in contacts:
        attempts = by_contact.get(contact.id, [])
        open_attempts = [a for a in attempts if a.outcome is None]
        if contact.leased_by == owner and in_flight is not None and any(a.id in in_flight for a in open_attempts):
            continue  # ours and still in flight: a long conversation, not a leak
        reclaimed += 1
        if contact.status == WRAP_UP:  # its operator went away with its holder: no disposition will come
            _end_abandoned_wrap_up(s, contact, attempts, rules, now)
            continue
        holder = contact.leased_by
        for attempt in open_attempts:
            close_attempt(
                s,
                attempt,
                AttemptOutcome.SYSTEM_FAILURE,
                now,
                rules,
                {"hangup_cause_txt": f"lease expired, held by {holder}"[:100]},
                without_rules=DIALABLE,
            )
        if not open_attempts:  # a lease without an open attempt: nothing to close, just let it go
            contact.status = DIALABLE
            contact.leased_by = None
            contact.lease_expires_at = None
        if rules is None or not open_attempts:
            contact.status_reason = RECLAIMED
    s.flush()
    log.warning("campaign %s: %d expired leases reclaimed (their holder went away)", campaign_id, reclaimed)
    return reclaimed


def _end_abandoned_wrap_up(
    s: Session, contact: Contact, attempts: list[Attempt], rules: CampaignRules | None, now: datetime
) -> None:
    """As when the wrap-up runs out without a disposition (record_disposition with no code)."""
    connected = [a for a in attempts if a.outcome == AttemptOutcome.CONNECTED.value]
    if rules is None or not connected:
        contact.status = DONE if connected else DIALABLE
        contact.leased_by = None
        contact.lease_expires_at = None
        contact.status_reason = RECLAIMED
        return
    end_wrap_up(s, contact, connected[-1], rules, now)
