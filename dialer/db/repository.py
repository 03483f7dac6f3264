"""The database adapter the service talks to. Plain synchronous SQLAlchemy; the service runs it on
one worker thread (dialer.service.DbWorker) so the event loop never waits on the database and writes
stay in order."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from dialer.compliance.checks import FINAL_BLOCKS as COMPLIANCE_FINAL
from dialer.compliance.checks import frequency_counted
from dialer.compliance.consent import (
    ADVERTISING,
    ConsentAction,
    ConsentChannel,
    NewConsentEvent,
    current_consent,
    split_consent_fields,
)
from dialer.compliance.evidence_adapter import blocked_dial_audit
from dialer.compliance.registers import screened_registers
from dialer.compliance.store import add_consent_events, as_event, consent_rows, import_consent_events, registers_listing
from dialer.db.contact_import import ContactBatch, ContactWriter, PhoneKeys
from dialer.db.models import (
    Attempt,
    AuditLog,
    Campaign,
    ConsentRecord,
    Contact,
    ContactList,
    Disposition,
    DoNotCall,
    Operator,
    OperatorSession,
    OperatorStateChange,
    Recording,
    utcnow,
)
from dialer.outcomes import AttemptOutcome
from dialer.recordings.pipeline import ProcessedRecording
from dialer.recordings.retention import RecordingInfo
from dialer.rules.callbacks import Callback, CallbackState, route_callback
from dialer.rules.campaign import parse_duration
from dialer.rules.campaign_rules import CampaignRules
from dialer.rules.retry import BlockReason, NextStep, StepAction
from dialer.rules.windows import ContactZones

# Core insert on the table: one executemany per batch (the ORM bulk path emits a statement per row here)
CONTACT_INSERT = insert(Contact.__table__)  # type: ignore[arg-type]

DIALABLE = "new"
LEASED = "leased"
WRAP_UP = "wrap_up"  # connected; waiting for the operator's disposition
DONE = "done"
DNC = "dnc"
OUTBOUND = "outbound"  # Attempt.direction of calls we placed (inbound ones: dialer.db.inbound)


@dataclass(frozen=True)
class DialTask:
    """A contact leased for one dial, with its attempt row already written."""

    attempt_id: int
    contact_id: int
    channel_id: str
    phone: str
    preferred_operator_id: int | None = None  # a personal callback's operator


@dataclass(frozen=True)
class ShiftFigures:
    """One operator's shift (a log-in session) in a campaign: what a supervisor reads at day's end."""

    operator: str
    session_id: int
    started_at: datetime
    ended_at: datetime | None
    calls: int  # conversations (bridged calls)
    talk_s: float
    outcomes: dict[str, int]  # disposition code -> count
    positive: int

    @property
    def conversion(self) -> float:
        return self.positive / self.calls if self.calls else 0.0

    @property
    def mean_talk_s(self) -> float:
        return self.talk_s / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class CampaignSummary:
    dialled: int
    answered: int
    bridged: int
    abandoned: int
    no_answer: int
    busy: int
    machine: int
    other_failures: int
    in_progress: int
    operator_logged_in_s: float
    operator_busy_s: float  # on call + wrap-up

    @property
    def occupancy(self) -> float:
        return self.operator_busy_s / self.operator_logged_in_s if self.operator_logged_in_s else 0.0

    @property
    def abandon_rate(self) -> float:
        """Abandoned over live-answered calls (the regulators' definition)."""
        live = self.bridged + self.abandoned
        return self.abandoned / live if live else 0.0


class Repository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @property
    def engine(self) -> Engine:
        bind = self.sessions.kw["bind"]
        assert isinstance(bind, Engine)
        return bind

    # -- campaigns, lists, operators -----------------------------------------------------------------
    def upsert_campaign(
        self,
        name: str,
        *,
        fields: dict[str, Any],
        dispositions: Sequence[dict[str, Any]] = (),
        definition: dict[str, Any] | None = None,
    ) -> int:
        with self.sessions.begin() as s:
            campaign = s.scalar(select(Campaign).where(Campaign.name == name))
            if campaign is None:
                campaign = Campaign(name=name)
                s.add(campaign)
            for key, value in fields.items():
                setattr(campaign, key, value)
            campaign.definition = definition or {}
            s.flush()
            existing = {d.code: d for d in s.scalars(select(Disposition).where(Disposition.campaign_id == campaign.id))}
            for d in dispositions:
                row = existing.get(d["code"]) or Disposition(campaign_id=campaign.id, code=d["code"])
                for key in ("label", "positive", "refusal", "callback"):
                    if key in d:
                        setattr(row, key, d[key])
                s.add(row)
            return campaign.id

    def campaign(self, campaign_id: int) -> Campaign:
        with self.sessions() as s:
            c = s.get(Campaign, campaign_id)
            if c is None:
                raise KeyError(f"no campaign {campaign_id}")
            return c

    def campaigns(self) -> list[Campaign]:
        with self.sessions() as s:
            return list(s.scalars(select(Campaign).order_by(Campaign.id)))

    def campaign_by_name(self, name: str) -> Campaign | None:
        with self.sessions() as s:
            return s.scalar(select(Campaign).where(Campaign.name == name))

    def set_campaign_status(self, campaign_id: int, status: str) -> None:
        with self.sessions.begin() as s:
            s.execute(update(Campaign).where(Campaign.id == campaign_id).values(status=status, updated_at=utcnow()))

    def dispositions(self, campaign_id: int) -> list[Disposition]:
        with self.sessions() as s:
            return list(s.scalars(select(Disposition).where(Disposition.campaign_id == campaign_id)))

    def add_contact_list(
        self,
        campaign_id: int,
        name: str,
        contacts: Iterable[dict[str, Any]],
        *,
        source_file: str | None = None,
        source_sha256: str | None = None,
        report: Callable[[], dict[str, Any]] | dict[str, Any] | None = None,
        batch_size: int = 5000,
    ) -> tuple[int, int]:
        """Store a list and its contacts in ONE transaction: a file that fails half-way stores
        nothing. Contacts stream in batches (bounded memory); phones already in the list are
        skipped, so a re-import adds nothing. `report` may be a callable, read after the stream
        is consumed. Returns (list id, contacts added)."""
        with self.sessions.begin() as s:
            lst = s.scalar(select(ContactList).where(ContactList.campaign_id == campaign_id, ContactList.name == name))
            if lst is None:
                lst = ContactList(campaign_id=campaign_id, name=name)
                s.add(lst)
                s.flush()
            known = set(s.scalars(select(Contact.phone).where(Contact.list_id == lst.id)))
            added = 0
            batch: list[dict[str, Any]] = []
            # consent columns become consent events (their own table, with history), not contact fields
            consents: list[tuple[str, int | None, dict[str, object]]] = []

            def flush() -> int:
                n = _insert_contacts(s, batch)
                import_consent_events(s, lst.id, consents, source_file=source_file, list_name=name)
                batch.clear()
                consents.clear()
                return n

            for c in contacts:
                if c["phone"] in known:
                    continue
                known.add(c["phone"])
                extra, consent = split_consent_fields(c.get("extra") or {})
                if consent:
                    c = {**c, "extra": extra}
                    consents.append((c["phone"], c.get("row_number"), consent))
                batch.append({"list_id": lst.id, "campaign_id": campaign_id, **c})
                if len(batch) >= batch_size:
                    added += flush()
            if batch:
                added += flush()
            lst.source_file, lst.source_sha256 = source_file, source_sha256
            lst.report = report() if callable(report) else (report or {})
            lst.imported_at = utcnow()
            return lst.id, added

    def import_contact_rows(
        self,
        campaign_id: int,
        name: str,
        batches: Iterable[ContactBatch],
        *,
        source_file: str | None = None,
        source_sha256: str | None = None,
        report: Callable[[], dict[str, Any]] | None = None,
    ) -> tuple[int, int]:
        """The list import's fast path (dialer.db.contact_import): like add_contact_list, ONE
        transaction and streamed, but rows are tuples in IMPORT_COLUMNS order with JSON
        pre-serialised, written by executemany (SQLite) or COPY (PostgreSQL). The importer has
        already dropped phones stored for the campaign; a duplicate still fails the whole import
        on the (list, phone) unique constraint. Returns (list id, contacts added)."""
        with self.sessions.begin() as s:
            lst = s.scalar(select(ContactList).where(ContactList.campaign_id == campaign_id, ContactList.name == name))
            if lst is None:
                lst = ContactList(campaign_id=campaign_id, name=name)
                s.add(lst)
                s.flush()
            writer = ContactWriter(s, lst.id, campaign_id, utcnow())
            added = 0
            try:
                for batch in batches:
                    added += writer.write(batch.rows)
                    if batch.consents:  # consent columns become consent events, as in add_contact_list
                        import_consent_events(s, lst.id, batch.consents, source_file=source_file, list_name=name)
            finally:
                writer.close()
            lst.source_file, lst.source_sha256 = source_file, source_sha256
            lst.report = report() if report is not None else {}
            lst.imported_at = utcnow()
            return lst.id, added

    def campaign_phone_keys(self, campaign_id: int) -> PhoneKeys:
        """campaign_phones in 8 bytes a phone, streamed from the database (re-imports of big lists)."""
        with self.sessions() as s:
            q = select(Contact.phone).where(Contact.campaign_id == campaign_id).execution_options(yield_per=20_000)
            return PhoneKeys(s.scalars(q))

    def add_do_not_call_many(
        self,
        phones: Iterable[str],
        *,
        campaign_id: int | None,
        source: str,
        reason: str | None = None,
        by: int | None = None,
    ) -> int:
        """Add the numbers not already on that list (one transaction); returns how many were new."""
        with self.sessions.begin() as s:
            q = select(DoNotCall.phone).where(
                DoNotCall.campaign_id.is_(None) if campaign_id is None else DoNotCall.campaign_id == campaign_id,
                DoNotCall.removed_at.is_(None),
            )
            known = set(s.scalars(q))
            new = sorted(set(phones) - known)
            s.add_all(
                DoNotCall(phone=p, campaign_id=campaign_id, source=source, reason=reason, added_by=by) for p in new
            )
            return len(new)

    def do_not_call_phones(self, campaign_id: int) -> tuple[set[str], set[str]]:
        """(global, this campaign's) do-not-call numbers, for screening an import."""
        with self.sessions() as s:
            rows = s.execute(
                select(DoNotCall.phone, DoNotCall.campaign_id).where(
                    (DoNotCall.campaign_id.is_(None)) | (DoNotCall.campaign_id == campaign_id),
                    DoNotCall.removed_at.is_(None),
                )
            ).all()
        return {p for p, c in rows if c is None}, {p for p, c in rows if c is not None}

    def hold_contacts_after(self, campaign_id: int, keep: int) -> int:
        """Keep only the first `keep` dialable contacts dialable (short runs); the rest wait as 'held'."""
        with self.sessions.begin() as s:
            ids = list(
                s.scalars(
                    select(Contact.id)
                    .where(Contact.campaign_id == campaign_id, Contact.status == DIALABLE)
                    .order_by(Contact.priority.desc(), Contact.id)
                    .offset(keep)
                )
            )
            if ids:
                s.execute(update(Contact).where(Contact.id.in_(ids)).values(status="held"))
            return len(ids)

    def campaign_phones(self, campaign_id: int) -> set[str]:
        """Every phone already in the campaign's lists: the de-duplication set for a new import."""
        with self.sessions() as s:
            return set(s.scalars(select(Contact.phone).where(Contact.campaign_id == campaign_id)))

    def ensure_operator(self, login: str, name: str, sip_endpoint: str) -> int:
        with self.sessions.begin() as s:
            op = s.scalar(select(Operator).where(Operator.login == login))
            if op is None:
                op = Operator(login=login, name=name, sip_endpoint=sip_endpoint)
                s.add(op)
            op.sip_endpoint = sip_endpoint
            s.flush()
            return op.id

    def set_operator_server(self, login: str, server: str | None) -> None:
        """Home the operator on one Asterisk server (None: the default server)."""
        with self.sessions.begin() as s:
            s.execute(update(Operator).where(Operator.login == login).values(asterisk_server=server))

    def operator(self, login: str) -> Operator | None:
        with self.sessions() as s:
            return s.scalar(select(Operator).where(Operator.login == login))

    # -- operator sessions ---------------------------------------------------------------------------
    def start_operator_session(self, operator_id: int, campaign_id: int | None, channel_id: str) -> int:
        with self.sessions.begin() as s:
            row = OperatorSession(operator_id=operator_id, campaign_id=campaign_id, channel_id=channel_id)
            s.add(row)
            s.flush()
            return row.id

    def update_operator_session(self, session_id: int, **values: Any) -> None:
        with self.sessions.begin() as s:
            s.execute(update(OperatorSession).where(OperatorSession.id == session_id).values(**values))

    def operator_state(self, session_id: int, state: str, at: datetime, reason: str | None = None) -> None:
        with self.sessions.begin() as s:
            s.add(OperatorStateChange(session_id=session_id, state=state, at=at, reason=reason))

    def end_operator_session(self, session_id: int, at: datetime, reason: str) -> None:
        with self.sessions.begin() as s:
            s.execute(
                update(OperatorSession)
                .where(OperatorSession.id == session_id, OperatorSession.ended_at.is_(None))
                .values(ended_at=at, end_reason=reason)
            )
            s.add(OperatorStateChange(session_id=session_id, state="logged_out", at=at, reason=reason))

    def campaigns_with_open_work(self) -> list[int]:
        """Campaigns with attempts in progress or operator sessions still open."""
        with self.sessions() as s:
            attempts = set(s.scalars(select(Attempt.campaign_id).where(Attempt.outcome.is_(None)).distinct()))
            sessions = set(
                s.scalars(
                    select(OperatorSession.campaign_id).where(
                        OperatorSession.ended_at.is_(None), OperatorSession.campaign_id.is_not(None)
                    )
                )
            )
        return sorted(c for c in attempts | sessions if c is not None)

    def end_open_operator_sessions(self, at: datetime, reason: str, campaign_id: int | None = None) -> int:
        with self.sessions() as s:
            q = select(OperatorSession.id).where(OperatorSession.ended_at.is_(None))
            if campaign_id is not None:
                q = q.where(OperatorSession.campaign_id == campaign_id)
            ids = list(s.scalars(q))
        for session_id in ids:
            self.end_operator_session(session_id, at, reason)
        return len(ids)

    # -- dialling ------------------------------------------------------------------------------------
    def count_dialable(self, campaign_id: int, now: datetime) -> int:
        with self.sessions() as s:
            return (
                s.scalar(
                    select(func.count(Contact.id)).where(
                        Contact.campaign_id == campaign_id,
                        Contact.status == DIALABLE,
                        (Contact.next_attempt_at.is_(None)) | (Contact.next_attempt_at <= now),
                    )
                )
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

        With `rules`, every candidate gets the last check before a dial (do-not-call, refusal cooldown,
        attempt limits, the callee's calling window, callback routing); a blocked one is put back with
        the time to look again, or closed when it can never be dialled. On PostgreSQL the rows are
        locked with SKIP LOCKED so that several dialer processes never lease the same contact.
        """
        if n <= 0:
            return []
        tasks: list[DialTask] = []
        with self.sessions.begin() as s:
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
            if s.bind is not None and s.bind.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            candidates = list(s.scalars(q))
            checks = _Checks.load(s, campaign_id, candidates, rules) if rules is not None else None
            for contact in candidates:
                if len(tasks) >= n:
                    break
                preferred = None
                if rules is not None and checks is not None:
                    ok, preferred = checks.admit(contact, now, rules, ready_operator_ids)
                    if not ok:
                        continue
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
                s.add(attempt)
                s.flush()
                tasks.append(DialTask(attempt.id, contact.id, attempt.channel_id, contact.phone, preferred))
            if checks is not None:
                s.add_all(checks.blocked)
        return tasks

    def audit(self, action: str, target: str | None, detail: dict[str, Any], user_id: int | None = None) -> None:
        with self.sessions.begin() as s:
            s.add(AuditLog(user_id=user_id, action=action, target=target, detail=detail))

    def add_do_not_call(
        self, phone: str, *, campaign_id: int | None, source: str, reason: str | None = None, by: int | None = None
    ) -> None:
        """Opt-outs take effect at once: the next lease checks them."""
        with self.sessions.begin() as s:
            s.add(DoNotCall(phone=phone, campaign_id=campaign_id, source=source, reason=reason, added_by=by))

    def update_attempt(self, attempt_id: int, **values: Any) -> None:
        with self.sessions.begin() as s:
            s.execute(update(Attempt).where(Attempt.id == attempt_id).values(**values))

    def finish_attempt(
        self, attempt_id: int, outcome: AttemptOutcome, at: datetime, rules: CampaignRules | None = None, **values: Any
    ) -> None:
        """Give the attempt its one final outcome and decide what becomes of its contact. Idempotent.

        Without rules the contact is done. With rules: a connected call waits for the operator's
        disposition (status wrap_up); any other outcome schedules the retry, or closes the contact."""
        with self.sessions.begin() as s:
            attempt = s.get(Attempt, attempt_id)
            if attempt is None or attempt.outcome is not None:
                return
            attempt.outcome = outcome.value
            attempt.ended_at = at
            for key, value in values.items():
                setattr(attempt, key, value)
            contact = s.get(Contact, attempt.contact_id)
            if contact is None:
                return
            contact.attempt_count += 1
            contact.last_outcome = outcome.value
            contact.leased_by = None
            contact.lease_expires_at = None
            if rules is None:
                contact.status = DONE
            elif outcome is AttemptOutcome.CONNECTED:
                contact.status = WRAP_UP
            else:
                step = rules.after_attempt(
                    outcome,
                    now=at,
                    previous_attempts=_counted_attempts(s, contact.id, rules, exclude=attempt_id),
                    timezone=_zones(contact),
                    base_priority=0,
                )
                _apply_step(contact, step, None, at)

    def record_disposition(
        self,
        attempt_id: int,
        code: str | None,
        notes: str | None = None,
        next_action_at: datetime | None = None,
        rules: CampaignRules | None = None,
        at: datetime | None = None,
    ) -> None:
        """The operator's outcome of a conversation; with rules it also decides the contact's future
        (callback at next_action_at, refusal cooldown, done, or try again later). `code=None`: wrap-up
        ran out without a disposition."""
        with self.sessions.begin() as s:
            attempt = s.get(Attempt, attempt_id)
            if attempt is None:
                raise KeyError(f"no attempt {attempt_id}")
            if code is not None:
                known = set(s.scalars(select(Disposition.code).where(Disposition.campaign_id == attempt.campaign_id)))
                if code not in known:
                    raise ValueError(f"disposition {code!r} is not defined for this campaign (known: {sorted(known)})")
                attempt.disposition_code = code
                attempt.notes = notes
                attempt.next_action_at = next_action_at
            contact = s.get(Contact, attempt.contact_id)
            if rules is not None and code is not None and rules.dispositions[code].do_not_call:
                s.add(DoNotCall(phone=attempt.phone, campaign_id=None, source="operator", reason=code))
                # the request also withdraws any advertising consent: the history shows when and where
                add_consent_events(
                    s,
                    [NewConsentEvent(ConsentAction.WITHDRAWN, ADVERTISING, f"call: {code}", at or utcnow())],
                    phone=attempt.phone,
                    contact_id=attempt.contact_id,
                    channel=ConsentChannel.OPERATOR,
                    reference=f"attempt {attempt.id}",
                )
            if rules is None or contact is None or contact.status != WRAP_UP:
                return
            now = at or utcnow()
            step = rules.after_attempt(
                AttemptOutcome.CONNECTED,
                now=now,
                previous_attempts=_counted_attempts(s, contact.id, rules, exclude=attempt_id),
                timezone=_zones(contact),
                base_priority=0,
                disposition_code=code,
                callback_at=next_action_at,
            )
            _apply_step(contact, step, attempt.operator_id, now)

    def add_recording(self, attempt_id: int, processed: ProcessedRecording) -> None:
        with self.sessions.begin() as s:
            s.add(
                Recording(
                    attempt_id=attempt_id,
                    path=processed.rel_path,
                    format=processed.format,
                    duration_s=processed.duration_s,
                    size_bytes=processed.size_bytes,
                    sha256=processed.sha256,
                    channels=processed.channels,
                    dead_air_start_s=processed.dead_air_start_s,
                    talk_over_ratio=processed.talk_over_ratio,
                    silence_ratio=processed.silence_ratio,
                )
            )

    def recordings_for_retention(self) -> tuple[list[RecordingInfo], dict[str, timedelta | None]]:
        """Every stored recording with its campaign, and each campaign's retention policy."""
        with self.sessions() as s:
            rows = s.execute(
                select(Recording.path, Campaign.name, Attempt.answered_at, Recording.created_at, Attempt.id)
                .join(Attempt, Recording.attempt_id == Attempt.id)
                .join(Campaign, Attempt.campaign_id == Campaign.id)
            ).all()
            campaigns = list(s.scalars(select(Campaign)))
        items = [
            RecordingInfo(path, name, answered or created, attempt_id)
            for path, name, answered, created, attempt_id in rows
        ]
        policies: dict[str, timedelta | None] = {}
        for c in campaigns:
            raw = (c.definition or {}).get("recording_retention")
            policies[c.name] = parse_duration(raw) if raw is not None else None
        return items, policies

    def recordings_to_verify(self, campaign_id: int | None = None) -> list[tuple[int, str, str, float | None]]:
        """(attempt id, path, sha256, the call's length from answer to hang-up) of every stored recording."""
        with self.sessions() as s:
            q = select(Attempt.id, Recording.path, Recording.sha256, Attempt.answered_at, Attempt.ended_at).join(
                Attempt, Recording.attempt_id == Attempt.id
            )
            if campaign_id is not None:
                q = q.where(Attempt.campaign_id == campaign_id)
            rows = s.execute(q.order_by(Recording.id)).all()
        return [
            (aid, path, sha, (end - start).total_seconds() if start and end else None)
            for aid, path, sha, start, end in rows
        ]

    def replace_recording(self, attempt_id: int, processed: ProcessedRecording) -> None:
        """A re-processed recording takes the place of the old row."""
        with self.sessions.begin() as s:
            for old in s.scalars(select(Recording).where(Recording.attempt_id == attempt_id)):
                s.delete(old)
        self.add_recording(attempt_id, processed)

    def recordings_to_reprocess(self, campaign_id: int | None = None) -> list[tuple[int, str, str, datetime]]:
        """(attempt id, path, campaign name, when the call was answered) of every stored recording."""
        with self.sessions() as s:
            q = (
                select(Attempt.id, Recording.path, Campaign.name, Attempt.answered_at, Recording.created_at)
                .join(Attempt, Recording.attempt_id == Attempt.id)
                .join(Campaign, Attempt.campaign_id == Campaign.id)
            )
            if campaign_id is not None:
                q = q.where(Attempt.campaign_id == campaign_id)
            rows = s.execute(q.order_by(Recording.id)).all()
        return [(aid, path, name, answered or created) for aid, path, name, answered, created in rows]

    def forget_recordings(self, paths: Iterable[str], *, reason: str) -> int:
        """Drop the rows of recordings whose files are gone, and say so in the audit log."""
        paths = list(paths)
        if not paths:
            return 0
        with self.sessions.begin() as s:
            for rec in s.scalars(select(Recording).where(Recording.path.in_(paths))):
                s.delete(rec)
            s.add(
                AuditLog(
                    action="recordings.deleted",
                    target=f"{len(paths)} recordings",
                    detail={"reason": reason, "paths": paths[:1000]},
                )
            )
        return len(paths)

    def abandon_history(self, campaign_id: int, days: int, now: datetime) -> list[tuple[int, int, int]]:
        """(UTC day number, live answers, abandons) per day over the last `days` days: the abandon
        ledger's compliance windows start warm after a restart."""
        since = now - timedelta(days=days)
        with self.sessions() as s:
            rows = s.execute(
                select(Attempt.ended_at, Attempt.outcome).where(
                    Attempt.campaign_id == campaign_id,
                    Attempt.ended_at >= since,
                    Attempt.outcome.in_([AttemptOutcome.CONNECTED.value, AttemptOutcome.ABANDONED.value]),
                    Attempt.direction == OUTBOUND,  # the abandon guard counts only calls we placed
                )
            ).all()
        per_day: dict[int, list[int]] = {}
        for ended, outcome in rows:
            if ended is None:
                continue
            bucket = per_day.setdefault(int(ended.timestamp() // 86400), [0, 0])
            bucket[0] += 1
            bucket[1] += outcome == AttemptOutcome.ABANDONED.value
        return sorted((day, a, b) for day, (a, b) in per_day.items())

    def fail_unfinished_attempts(self, campaign_id: int | None, at: datetime) -> int:
        """Attempts left in progress by a crash get `system_failure`, never stay open forever."""
        with self.sessions.begin() as s:
            q = select(Attempt.id).where(Attempt.outcome.is_(None))
            if campaign_id is not None:
                q = q.where(Attempt.campaign_id == campaign_id)
            ids = list(s.scalars(q))
        for attempt_id in ids:
            self.finish_attempt(attempt_id, AttemptOutcome.SYSTEM_FAILURE, at)
        return len(ids)

    # -- results -------------------------------------------------------------------------------------
    def attempts(self, campaign_id: int) -> list[Attempt]:
        with self.sessions() as s:
            return list(s.scalars(select(Attempt).where(Attempt.campaign_id == campaign_id).order_by(Attempt.id)))

    def recordings(self, campaign_id: int) -> list[Recording]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(Recording)
                    .join(Attempt, Recording.attempt_id == Attempt.id)
                    .where(Attempt.campaign_id == campaign_id)
                    .order_by(Recording.id)
                )
            )

    def shift_figures(self, campaign_id: int) -> list[ShiftFigures]:
        """Per operator and shift: conversations, talk time, outcomes and conversion (positive outcomes
        over conversations)."""
        with self.sessions() as s:
            sessions = s.execute(
                select(OperatorSession, Operator.login)
                .join(Operator, OperatorSession.operator_id == Operator.id)
                .where(OperatorSession.campaign_id == campaign_id)
                .order_by(OperatorSession.started_at, OperatorSession.id)
            ).all()
            positive = set(
                s.scalars(select(Disposition.code).where(Disposition.campaign_id == campaign_id, Disposition.positive))
            )
            calls: dict[int, list[Attempt]] = {}
            for a in s.scalars(
                select(Attempt).where(Attempt.campaign_id == campaign_id, Attempt.operator_session_id.is_not(None))
            ):
                calls.setdefault(a.operator_session_id or 0, []).append(a)
        out = []
        for session, login in sessions:
            mine = [a for a in calls.get(session.id, []) if a.outcome == AttemptOutcome.CONNECTED.value]
            outcomes = Counter(a.disposition_code or "(none)" for a in mine)
            talk = sum((a.ended_at - a.bridged_at).total_seconds() for a in mine if a.ended_at and a.bridged_at)
            out.append(
                ShiftFigures(
                    login,
                    session.id,
                    session.started_at,
                    session.ended_at,
                    len(mine),
                    talk,
                    dict(outcomes),
                    sum(n for code, n in outcomes.items() if code in positive),
                )
            )
        return out

    def summary(self, campaign_id: int, now: datetime | None = None) -> CampaignSummary:
        now = now or utcnow()
        with self.sessions() as s:
            rows = s.execute(
                select(Attempt.outcome, func.count())
                .where(Attempt.campaign_id == campaign_id, Attempt.direction == OUTBOUND)
                .group_by(Attempt.outcome)
            ).all()
            counts = Counter({outcome or "in_progress": n for outcome, n in rows})
            sessions = list(s.scalars(select(OperatorSession).where(OperatorSession.campaign_id == campaign_id)))
            changes = list(
                s.scalars(
                    select(OperatorStateChange)
                    .where(OperatorStateChange.session_id.in_([x.id for x in sessions]))
                    .order_by(OperatorStateChange.session_id, OperatorStateChange.at, OperatorStateChange.id)
                )
            )
        logged_in, busy = _occupancy(changes, now)
        o = AttemptOutcome
        return CampaignSummary(
            dialled=sum(counts.values()),
            answered=counts[o.CONNECTED] + counts[o.ABANDONED] + counts[o.MACHINE],
            bridged=counts[o.CONNECTED],
            abandoned=counts[o.ABANDONED],
            no_answer=counts[o.NO_ANSWER],
            busy=counts[o.BUSY],
            machine=counts[o.MACHINE],
            other_failures=sum(
                counts[x] for x in (o.INVALID_NUMBER, o.CONGESTION, o.REJECTED, o.FAILED, o.SYSTEM_FAILURE)
            ),
            in_progress=counts["in_progress"],
            operator_logged_in_s=logged_in,
            operator_busy_s=busy,
        )


def _occupancy(changes: Sequence[OperatorStateChange], now: datetime) -> tuple[float, float]:
    """Logged-in and busy (on call + wrap-up) seconds from operators' state changes."""
    logged_in = busy = 0.0
    by_session: dict[int, list[OperatorStateChange]] = {}
    for ch in changes:
        by_session.setdefault(ch.session_id, []).append(ch)
    for rows in by_session.values():
        for cur, nxt in zip(rows, [*rows[1:], None], strict=True):
            if cur.state == "logged_out":
                continue
            end = nxt.at if nxt is not None else now
            seconds = max(0.0, (end - cur.at).total_seconds())
            logged_in += seconds
            if cur.state in ("on_call", "wrap_up"):
                busy += seconds
    return logged_in, busy


def _insert_contacts(s: Session, rows: list[dict[str, Any]]) -> int:
    """One executemany per run of rows of the same shape (an executemany needs the same columns in
    every row); runs keep the file's order, so ids follow the rows."""
    run: list[dict[str, Any]] = []
    for row in rows:
        if run and row.keys() != run[0].keys():
            s.connection().execute(CONTACT_INSERT, run)
            run = []
        run.append(row)
    if run:
        s.connection().execute(CONTACT_INSERT, run)
    return len(rows)


def _zones(contact: Contact) -> ContactZones:
    return contact.timezone or (tuple(contact.timezone_candidates) if contact.timezone_candidates else None)


def _counted_attempts(s: Session, contact_id: int, rules: CampaignRules, exclude: int | None = None) -> list[datetime]:
    rows = s.execute(
        select(Attempt.id, Attempt.originated_at, Attempt.outcome).where(
            Attempt.contact_id == contact_id, Attempt.direction == OUTBOUND
        )
    ).all()
    return sorted(at for attempt_id, at, outcome in rows if attempt_id != exclude and rules.counts(outcome))


def _apply_step(contact: Contact, step: NextStep, operator_id: int | None, now: datetime) -> None:
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


# Blocks that will never clear by waiting: the contact is closed with the reason.
_FINAL_BLOCKS = {BlockReason.DO_NOT_CALL: DNC, BlockReason.MAX_ATTEMPTS: DONE, BlockReason.NO_WINDOW: DONE}


@dataclass
class _Checks:
    """What the pre-dial check needs about a batch of candidates, loaded in a few queries."""

    dnc_global: set[str]
    dnc_campaign: set[str]
    refused_at: dict[str, datetime]
    attempts: dict[int, list[datetime]]
    campaign_id: int = 0
    dials_by_phone: dict[str, list[datetime]] = field(default_factory=dict)  # every campaign, for caps
    abandoned_by_phone: dict[str, datetime] = field(default_factory=dict)
    blocked: list[AuditLog] = field(default_factory=list)  # compliance refusals, as evidence
    consent: dict[str, list[ConsentRecord]] = field(default_factory=dict)  # by phone and by "#<contact id>"
    listed: dict[str, set[str]] = field(default_factory=dict)  # phone -> national registers it is on

    @classmethod
    def load(cls, s: Session, campaign_id: int, contacts: Sequence[Contact], rules: CampaignRules) -> _Checks:
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
        consent: dict[str, list[ConsentRecord]] = {}
        listed: dict[str, set[str]] = {}
        if rules.compliance is not None and rules.compliance.consent_required:
            for row in consent_rows(s, sorted(phones), ids):
                for key in {row.phone, f"#{row.contact_id}"} - {None, "#None"}:
                    consent.setdefault(str(key), []).append(row)
        if rules.compliance is not None and rules.compliance.national_register_screening:
            listed = registers_listing(s, phones, screened_registers(rules.compliance))
        if rules.compliance is not None:  # frequency caps and the abandon lockout count every campaign
            for phone, at, ended, outcome in s.execute(
                select(Attempt.phone, Attempt.originated_at, Attempt.ended_at, Attempt.outcome).where(
                    Attempt.phone.in_(phones), Attempt.direction == OUTBOUND
                )
            ):
                if frequency_counted(outcome, rules.compliance):
                    dials.setdefault(phone, []).append(at)
                if outcome == AttemptOutcome.ABANDONED.value and ended is not None:
                    abandoned[phone] = max(ended, abandoned.get(phone, ended))
        return cls(
            dnc_global={p for p, c in dnc_rows if c is None},
            dnc_campaign={p for p, c in dnc_rows if c == campaign_id},
            refused_at={p: at for p, at in refused if at is not None},
            attempts=attempts,
            campaign_id=campaign_id,
            dials_by_phone=dials,
            abandoned_by_phone=abandoned,
            consent=consent,
            listed=listed,
        )

    def admit(
        self, contact: Contact, now: datetime, rules: CampaignRules, ready: AbstractSet[int]
    ) -> tuple[bool, int | None]:
        """May this contact be dialled now; if not, park or close it. Returns (ok, preferred operator)."""
        phones = [contact.phone, *contact.alt_phones]
        refusals = [self.refused_at[p] for p in phones if p in self.refused_at]
        verdict = rules.eligibility(
            now=now,
            phones=phones,
            timezone=_zones(contact),
            counted_attempts=sorted(self.attempts.get(contact.id, [])),
            not_before=contact.next_attempt_at,
            last_refusal_at=max(refusals) if refusals else None,
            do_not_call=[self.dnc_global, self.dnc_campaign],
            is_callback=contact.is_callback,
        )
        if not verdict.ok:
            assert verdict.reason is not None
            contact.status_reason = verdict.reason.value
            if verdict.reason in _FINAL_BLOCKS:
                contact.status = _FINAL_BLOCKS[verdict.reason]
            else:
                contact.next_attempt_at = verdict.retry_at
            return False, None
        # consent is the subscriber's: the main number's events, and those recorded on this contact
        events = {r.id: r for key in (contact.phone, f"#{contact.id}") for r in self.consent.get(key, [])}
        law = rules.compliance_verdict(
            now=now,
            timezone=_zones(contact),
            consent=current_consent((as_event(r) for r in events.values()), ADVERTISING, now),
            registers_listing=sorted({n for p in phones for n in self.listed.get(p, ())}),
            dial_times=sorted(t for p in phones for t in self.dials_by_phone.get(p, [])),
            last_abandoned_at=max(
                (self.abandoned_by_phone[p] for p in phones if p in self.abandoned_by_phone), default=None
            ),
        )
        if law is not None and not law.ok:
            assert law.reason is not None
            contact.status_reason = f"compliance: {law.reason.value}"
            if law.reason in COMPLIANCE_FINAL:
                contact.status = DONE
            else:
                contact.next_attempt_at = law.retry_at
            self.blocked.append(
                blocked_dial_audit(
                    campaign_id=self.campaign_id,
                    contact_id=contact.id,
                    phone=contact.phone,
                    reason=law.reason.value,
                    detail=law.detail or "",
                    at=now,
                )
            )
            return False, None
        if contact.is_callback and contact.next_attempt_at is not None:
            route = route_callback(
                Callback(contact.id, contact.next_attempt_at, contact.callback_operator_id),
                now,
                ready,
                rules.policy.callback_grace,
            )
            if route.state is CallbackState.RESERVED:
                return (route.operator_id in ready), route.operator_id
            if route.state is not CallbackState.ANYONE:
                return False, None
            return True, route.operator_id
        return True, None
