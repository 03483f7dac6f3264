"""The database side of calls coming back to a campaign's number: who is calling, their attempt row,
and the callback task when they could not be served (dialer.service.inbound uses it through a port)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.db.models import Attempt, Contact, ContactList, Operator
from dialer.db.repositories.scripts import assign_script
from dialer.db.repository import DIALABLE, DNC, DONE, LEASED, WRAP_UP
from dialer.outcomes import AttemptOutcome
from dialer.rules.inbound_figures import InboundCallRecord, InboundFigures, figures_by_day

INBOUND = "inbound"  # Attempt.direction
INBOUND_LIST = "inbound callers"  # the list a number nobody had on a list is kept in
NEVER_CALL_BACK = frozenset({DNC, "corporate", "filtered"})  # a callback must not break these


@dataclass(frozen=True)
class InboundCaller:
    """A number calling in, as the campaign knows it."""

    contact_id: int
    known: bool  # on one of the campaign's lists (False: just added to the inbound callers list)
    details: dict[str, Any] = field(default_factory=dict)  # the contact's extra columns
    last_operator_id: int | None = None  # who last spoke to them (any direction)
    operator_ids: dict[str, int] = field(default_factory=dict)  # login -> id, to read the routing fields


class SqlInboundRecords:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def identify(self, campaign_id: int, phones: frozenset[str], at: datetime) -> InboundCaller:
        """The campaign's contact with one of these spellings of the calling number (the most recently
        created wins); an unknown number becomes a contact on the campaign's inbound callers list
        (status done: it is not dialled unless a callback task says so), so nothing is lost."""
        with self.sessions.begin() as s:
            contact = s.scalars(
                select(Contact)
                .where(Contact.campaign_id == campaign_id, Contact.phone.in_(phones))
                .order_by(Contact.id.desc())
                .limit(1)
            ).first()
            e164 = [p for p in phones if p.startswith("+") and p[1:].isdigit()]
            if contact is None and e164:  # a number the list gave as one of the contact's other phones
                # alt_phones is a JSON list of E.164 numbers: its text holds each one in quotes (both databases)
                contact = s.scalars(
                    select(Contact)
                    .where(
                        Contact.campaign_id == campaign_id,
                        or_(*(cast(Contact.alt_phones, String).like(f'%"{p}"%') for p in e164)),
                    )
                    .order_by(Contact.id.desc())
                    .limit(1)
                ).first()
            known = contact is not None
            if contact is None:
                contact = Contact(
                    list_id=self._inbound_list(s, campaign_id),
                    campaign_id=campaign_id,
                    phone=min(phones, key=lambda p: (not p.startswith("+"), p)),
                    status=DONE,
                    status_reason="called in",
                    created_at=at,
                )
                s.add(contact)
                s.flush()
            last = s.scalar(
                select(Attempt.operator_id)
                .where(Attempt.contact_id == contact.id, Attempt.operator_id.is_not(None))
                .order_by(func.coalesce(Attempt.bridged_at, Attempt.originated_at).desc(), Attempt.id.desc())
                .limit(1)
            )
            ops = {
                login: op_id for login, op_id in s.execute(select(Operator.login, Operator.id).where(Operator.active))
            }
            return InboundCaller(contact.id, known, dict(contact.extra or {}), last, ops)

    @staticmethod
    def _inbound_list(s: Session, campaign_id: int) -> int:
        found = s.scalar(
            select(ContactList.id).where(ContactList.campaign_id == campaign_id, ContactList.name == INBOUND_LIST)
        )
        if found is not None:
            return found
        row = ContactList(campaign_id=campaign_id, name=INBOUND_LIST)
        s.add(row)
        s.flush()
        return row.id

    def open_attempt(self, campaign_id: int, contact_id: int, phone: str, channel_id: str, at: datetime) -> int:
        """The inbound call's attempt row, answered at arrival (the dialplan answers it)."""
        with self.sessions.begin() as s:
            attempt = Attempt(
                campaign_id=campaign_id,
                contact_id=contact_id,
                phone=phone,
                channel_id=channel_id or f"in-{uuid.uuid4().hex}",
                originated_at=at,
                answered_at=at,
                direction=INBOUND,
            )
            assign_script(s, [attempt], campaign_id)
            s.add(attempt)
            s.flush()
            return attempt.id

    def finish_unserved(
        self,
        attempt_id: int,
        at: datetime,
        notes: str,
        cause: int | None,
        cause_txt: str | None,
        queue_exit: str | None = None,
    ) -> None:
        """An inbound call that never reached an operator: outcome abandoned (a queue abandon, counted
        in the inbound figures only). The contact keeps its state: their call is no dial of ours."""
        with self.sessions.begin() as s:
            attempt = s.get(Attempt, attempt_id)
            if attempt is None or attempt.outcome is not None:
                return
            attempt.outcome = AttemptOutcome.ABANDONED.value
            attempt.ended_at = at
            attempt.notes = notes
            attempt.hangup_cause = cause
            attempt.hangup_cause_txt = cause_txt
            attempt.queue_exit = queue_exit

    def callback_task(self, contact_id: int, operator_id: int | None, at: datetime) -> bool:
        """Promise the caller a call back as soon as possible, for `operator_id` when given. A contact
        being dialled or in wrap-up right now keeps its state (that call covers it); one on the
        do-not-call list or held back as corporate is never called back. True when the task was set."""
        with self.sessions.begin() as s:
            contact = s.get(Contact, contact_id)
            if contact is None or contact.status in NEVER_CALL_BACK or contact.status in (LEASED, WRAP_UP):
                return False
            contact.status = DIALABLE
            contact.status_reason = "inbound callback"
            contact.is_callback = True
            contact.next_attempt_at = at
            contact.callback_operator_id = operator_id
            return True


def inbound_calls(sessions: sessionmaker[Session], campaign_id: int, since: datetime) -> list[InboundCallRecord]:
    """The campaign's callers who arrived since `since`, as the figures count them (the queue enter time
    is the inbound attempt's answered_at, the operator's answer its bridged_at); callers still queued are
    left out."""
    with sessions() as s:
        rows = s.execute(
            select(
                Attempt.answered_at, Attempt.bridged_at, Attempt.ended_at, Attempt.outcome, Attempt.queue_exit
            ).where(
                Attempt.campaign_id == campaign_id,
                Attempt.direction == INBOUND,
                Attempt.answered_at.is_not(None),
                Attempt.answered_at >= since,
            )
        ).all()
    calls = []
    for arrived, bridged, ended, outcome, queue_exit in rows:
        if arrived is None:
            continue
        if bridged is not None:
            calls.append(InboundCallRecord(arrived.timestamp(), (bridged - arrived).total_seconds(), answered=True))
        elif outcome is not None:
            left = (ended - arrived).total_seconds() if ended is not None else 0.0
            hung_up = queue_exit in (None, "hung_up")  # rows from before 0011 were hang-ups or releases alike
            calls.append(InboundCallRecord(arrived.timestamp(), left, answered=False, hung_up=hung_up))
    return calls


def inbound_figures(
    sessions: sessionmaker[Session], campaign_id: int, since: datetime, within_s: float
) -> InboundFigures:
    """The campaign's inbound queue figures for callers who arrived since `since` (dialer.rules.inbound_figures
    has the definitions)."""
    return InboundFigures.of(inbound_calls(sessions, campaign_id, since), within_s)


def inbound_by_day(
    sessions: sessionmaker[Session], campaign_id: int, within_s: float, zone: tzinfo
) -> list[tuple[date, InboundFigures]]:
    """The inbound queue's figures per local day of arrival in `zone` (the campaign's inbound clock),
    oldest first: the daily inbound report."""
    return figures_by_day(inbound_calls(sessions, campaign_id, datetime(1970, 1, 1, tzinfo=UTC)), within_s, zone)
