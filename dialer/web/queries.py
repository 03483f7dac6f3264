"""Database queries the web app needs and the service's Repository does not have. Synchronous SQLAlchemy,
called from FastAPI's thread pool; every filter is a bound parameter (search boxes are data, never SQL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from dialer.campaigns import LIVE_KNOBS, campaign_knobs
from dialer.db.models import (
    Attempt,
    AuditLog,
    Campaign,
    Contact,
    ContactList,
    Disposition,
    Operator,
    PacingChange,
    Recording,
    RecordingScore,
    User,
    utcnow,
)
from dialer.lists.export import ResultRow
from dialer.pacing import DialingMode, PacingKnobs
from dialer.web.settings import DEFAULT_SCORECARD
from dialer.web.users import normalise_username, username_key

UTC_MIDNIGHT = time(0, 0)

# The knobs an admin may turn live, with their parser; anything else is refused.
KNOBS = LIVE_KNOBS


NOT_DIALABLE = ("filtered", "corporate", "dnc", "duplicate")


@dataclass(frozen=True)
class Funnel:
    contacts: int
    by_status: dict[str, int]
    dialled: int
    answered: int
    bridged: int
    abandoned: int
    positive: int
    callbacks: int
    in_progress: int

    @property
    def done_pct(self) -> float:
        dialable = self.contacts - sum(self.by_status.get(k, 0) for k in NOT_DIALABLE)
        return round(100 * self.by_status.get("done", 0) / dialable, 1) if dialable > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "contacts": self.contacts,
            # the funnel's top: contacts the dialler may call (filtered, corporate, do-not-call are not)
            "dialable": self.contacts - sum(self.by_status.get(k, 0) for k in NOT_DIALABLE),
            "by_status": self.by_status,
            "dialled": self.dialled,
            "answered": self.answered,
            "bridged": self.bridged,
            "abandoned": self.abandoned,
            "positive": self.positive,
            "callbacks": self.callbacks,
            "in_progress": self.in_progress,
            "done_pct": self.done_pct,
        }


@dataclass(frozen=True)
class RecordingFilter:
    campaign_id: int | None = None
    operator_id: int | None = None
    outcome: str | None = None
    disposition: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    min_duration_s: float | None = None
    phone: str | None = None
    limit: int = 200


def pacing_knobs_of(c: Campaign) -> PacingKnobs:
    """The campaign's knobs from its definition, with the admin's live overrides merged on top."""
    return campaign_knobs(c)


def parse_knob(knob: str, raw: Any) -> Any:
    """Validate one knob value; raises ValueError with a message fit for the admin."""
    if knob not in KNOBS:
        raise ValueError(f"unknown knob {knob!r}")
    if not isinstance(raw, bool | int | float | str):  # null, {} or []: nothing to parse
        raise ValueError(f"{knob}: a number, text or true/false is expected")
    try:
        return _parse_knob(knob, raw)
    except (TypeError, OverflowError) as exc:
        raise ValueError(f"{knob}: {exc}") from None


def _parse_knob(knob: str, raw: bool | int | float | str) -> Any:
    if knob == "mode":
        return DialingMode(str(raw)).value
    if knob == "paused":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("true", "false", "1", "0", "on", "off"):
            raise ValueError("paused must be true or false")
        return text in ("true", "1", "on")
    if knob == "max_lines":
        value_i = int(raw)
        if not 1 <= value_i <= 1000:
            raise ValueError("max_lines must be between 1 and 1000")
        return value_i
    value = float(raw)
    if value != value:  # NaN passes every range comparison below
        raise ValueError(f"{knob} must be a number")
    if knob == "target_abandon_rate" and not 0 <= value <= 0.5:
        raise ValueError("target_abandon_rate must be between 0 and 0.5")
    if knob.endswith("_per_operator") and not 0 < value <= 20:
        raise ValueError(f"{knob} must be above 0 and at most 20")
    return value


class WebQueries:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- users and audit -----------------------------------------------------------------------------
    def user_by_username(self, username: str) -> User | None:
        """Case-insensitive after NFKC ("Анна-QA" finds "анна-qa")."""
        with self.sessions() as s:
            return s.scalar(select(User).where(User.username_key == username_key(username)))

    def user_of_operator(self, operator_id: int) -> User | None:
        with self.sessions() as s:
            return s.scalar(select(User).where(User.operator_id == operator_id))

    def user(self, user_id: int) -> User | None:
        with self.sessions() as s:
            return s.get(User, user_id)

    def users(self) -> list[User]:
        with self.sessions() as s:
            return list(s.scalars(select(User).order_by(User.username)))

    def create_user(self, username: str, password_hash: str, role: str, operator_id: int | None) -> int:
        with self.sessions.begin() as s:
            row = User(
                username=normalise_username(username),
                username_key=username_key(username),
                password_hash=password_hash,
                role=role,
                operator_id=operator_id,
            )
            s.add(row)
            s.flush()
            return row.id

    def use_totp_step(self, user_id: int, step: int) -> bool:
        """Record that the code of `step` was used; False if it (or a later one) was used before: a
        replayed code. One UPDATE, so two web processes cannot both accept the same code."""
        with self.sessions.begin() as s:
            done = s.execute(
                update(User)
                .where(User.id == user_id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
            )
            return bool(done.rowcount)  # type: ignore[attr-defined]

    def update_user(self, user_id: int, **values: Any) -> User:
        with self.sessions.begin() as s:
            row = s.get(User, user_id)
            if row is None:
                raise KeyError(f"no user {user_id}")
            for k, v in values.items():
                setattr(row, k, v)
            return row

    def audit(self, user_id: int | None, action: str, target: str | None = None, **detail: Any) -> None:
        with self.sessions.begin() as s:
            s.add(AuditLog(user_id=user_id, action=action, target=target, detail=detail))

    def audit_log(self, action: str | None = None, limit: int = 100) -> list[AuditLog]:
        with self.sessions() as s:
            q = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
            if action:
                q = q.where(AuditLog.action == action)
            return list(s.scalars(q))

    def operators(self) -> list[Operator]:
        with self.sessions() as s:
            return list(s.scalars(select(Operator).order_by(Operator.login)))

    def operator_by_id(self, operator_id: int) -> Operator | None:
        with self.sessions() as s:
            return s.get(Operator, operator_id)

    # -- campaigns -----------------------------------------------------------------------------------
    def campaigns(self) -> list[Campaign]:
        with self.sessions() as s:
            return list(s.scalars(select(Campaign).order_by(Campaign.name)))

    def funnel(self, campaign_id: int) -> Funnel:
        with self.sessions() as s:
            statuses = dict(
                s.execute(
                    select(Contact.status, func.count())
                    .where(Contact.campaign_id == campaign_id)
                    .group_by(Contact.status)
                ).all()
            )
            outcomes = Counter(
                {
                    (o or "in_progress"): n
                    for o, n in s.execute(
                        select(Attempt.outcome, func.count())
                        .where(Attempt.campaign_id == campaign_id)
                        .group_by(Attempt.outcome)
                    ).all()
                }
            )
            disp = {d.code: d for d in s.scalars(select(Disposition).where(Disposition.campaign_id == campaign_id))}
            by_code = dict(
                s.execute(
                    select(Attempt.disposition_code, func.count())
                    .where(Attempt.campaign_id == campaign_id, Attempt.disposition_code.is_not(None))
                    .group_by(Attempt.disposition_code)
                ).all()
            )
        return Funnel(
            contacts=sum(statuses.values()),
            by_status={str(k): int(v) for k, v in statuses.items()},
            dialled=sum(outcomes.values()),
            answered=outcomes["connected"] + outcomes["abandoned"] + outcomes["machine"],
            bridged=outcomes["connected"],
            abandoned=outcomes["abandoned"],
            positive=sum(n for c, n in by_code.items() if c in disp and disp[c].positive),
            callbacks=sum(n for c, n in by_code.items() if c in disp and disp[c].callback),
            in_progress=outcomes["in_progress"],
        )

    def contact_lists(self, campaign_id: int) -> list[ContactList]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(ContactList).where(ContactList.campaign_id == campaign_id).order_by(ContactList.id.desc())
                )
            )

    def corporate_contacts(self, campaign_id: int, limit: int | None = None) -> list[Contact]:
        with self.sessions() as s:
            q = select(Contact).where(Contact.campaign_id == campaign_id, Contact.status == "corporate")
            q = q.order_by(Contact.id)
            if limit is not None:
                q = q.limit(limit)
            return list(s.scalars(q))

    def result_rows(self, campaign_id: int) -> list[ResultRow]:
        """Every contact with its latest attempt, for the results export."""
        with self.sessions() as s:
            lists = dict(
                s.execute(select(ContactList.id, ContactList.name).where(ContactList.campaign_id == campaign_id)).all()
            )
            ops = dict(s.execute(select(Operator.id, Operator.login)).all())
            latest: dict[int, Attempt] = {}
            for att in s.scalars(select(Attempt).where(Attempt.campaign_id == campaign_id).order_by(Attempt.id)):
                latest[att.contact_id] = att
            out = []
            for c in s.scalars(select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id)):
                a = latest.get(c.id)
                out.append(
                    ResultRow(
                        phone=c.phone,
                        company=c.company,
                        contact_person=c.contact_person,
                        list_name=lists.get(c.list_id),
                        status=c.status,
                        attempts=c.attempt_count,
                        last_attempt_at=a.originated_at if a else None,
                        last_outcome=a.outcome if a else None,
                        disposition=a.disposition_code if a else None,
                        operator=ops.get(a.operator_id) if a and a.operator_id else None,
                        notes=a.notes if a else None,
                        next_action_at=a.next_action_at if a else None,
                        timezone=c.timezone,
                        extra=c.extra or {},
                    )
                )
            return out

    # -- operator screen -----------------------------------------------------------------------------
    def open_call_of_operator(self, operator_id: int) -> Attempt | None:
        """The operator's latest bridged call without a disposition (used when no live service is attached)."""
        with self.sessions() as s:
            return s.scalar(
                select(Attempt)
                .where(
                    Attempt.operator_id == operator_id,
                    Attempt.bridged_at.is_not(None),
                    Attempt.disposition_code.is_(None),
                )
                .order_by(Attempt.id.desc())
                .limit(1)
            )

    def attempt(self, attempt_id: int) -> Attempt | None:
        with self.sessions() as s:
            return s.get(Attempt, attempt_id)

    def contact(self, contact_id: int) -> Contact | None:
        with self.sessions() as s:
            return s.get(Contact, contact_id)

    def contact_history(self, contact_id: int, exclude_attempt: int | None = None) -> list[Attempt]:
        with self.sessions() as s:
            q = select(Attempt).where(Attempt.contact_id == contact_id).order_by(Attempt.id.desc())
            if exclude_attempt is not None:
                q = q.where(Attempt.id != exclude_attempt)
            return list(s.scalars(q))

    def operator_calls(self, operator_id: int, limit: int = 50) -> list[tuple[Attempt, Contact]]:
        with self.sessions() as s:
            rows = s.execute(
                select(Attempt, Contact)
                .join(Contact, Contact.id == Attempt.contact_id)
                .where(Attempt.operator_id == operator_id)
                .order_by(Attempt.id.desc())
                .limit(limit)
            ).all()
            return [(a, c) for a, c in rows]

    def dispositions(self, campaign_id: int) -> list[Disposition]:
        with self.sessions() as s:
            return list(
                s.scalars(select(Disposition).where(Disposition.campaign_id == campaign_id).order_by(Disposition.id))
            )

    # -- pacing --------------------------------------------------------------------------------------
    def change_pacing(self, campaign_id: int, user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Store each changed knob as a PacingChange and merge it into Campaign.pacing_overrides; returns
        the changes actually made (knob -> (old, new))."""
        made: dict[str, Any] = {}
        with self.sessions.begin() as s:
            c = s.get(Campaign, campaign_id)
            if c is None:
                raise KeyError(f"no campaign {campaign_id}")
            current = pacing_knobs_of(c)
            overrides = dict(c.pacing_overrides or {})
            for knob, value in changes.items():
                old = getattr(current, knob)
                old_v = old.value if isinstance(old, DialingMode) else old
                if old_v == value:
                    continue
                overrides[knob] = value
                s.add(
                    PacingChange(
                        campaign_id=campaign_id, user_id=user_id, knob=knob, old_value=str(old_v), new_value=str(value)
                    )
                )
                made[knob] = [old_v, value]
            if made:
                c.pacing_overrides = overrides
                s.add(AuditLog(user_id=user_id, action="pacing.change", target=f"campaign:{campaign_id}", detail=made))
        return made

    def pacing_history(self, campaign_id: int, limit: int = 50) -> list[tuple[PacingChange, str | None]]:
        with self.sessions() as s:
            rows = s.execute(
                select(PacingChange, User.username)
                .outerjoin(User, User.id == PacingChange.user_id)
                .where(PacingChange.campaign_id == campaign_id)
                .order_by(PacingChange.id.desc())
                .limit(limit)
            ).all()
            return [(p, u) for p, u in rows]

    def abandon_rates(self, campaign_id: int, now: datetime | None = None) -> dict[str, Any]:
        """Abandons (late connects included) over live answers of the calls placed today (UTC) and in the
        rolling hour, counted by the one definition (`dialer.db.abandon_figures`): the evidence report's
        figures for the same calls."""
        from dialer.db.abandon_figures import abandon_tally

        now = now or utcnow()
        windows = {
            "day": datetime.combine(now.date(), UTC_MIDNIGHT, tzinfo=now.tzinfo),
            "hour": now - timedelta(hours=1),
        }
        with self.sessions() as s:
            campaign = s.get(Campaign, campaign_id)
        if campaign is None:
            raise KeyError(f"no campaign {campaign_id}")
        out: dict[str, Any] = {}
        for name, since in windows.items():
            t = abandon_tally(self.sessions, campaign, since)
            out[name] = {"live": t.live, "abandoned": t.abandons, "late_connects": t.late_connects, "rate": t.rate}
        return out

    # -- QA ------------------------------------------------------------------------------------------
    def search_recordings(self, f: RecordingFilter) -> list[dict[str, Any]]:
        with self.sessions() as s:
            q = (
                select(Recording, Attempt, Contact, Campaign.name, Operator.login)
                .join(Attempt, Attempt.id == Recording.attempt_id)
                .join(Contact, Contact.id == Attempt.contact_id)
                .join(Campaign, Campaign.id == Attempt.campaign_id)
                .outerjoin(Operator, Operator.id == Attempt.operator_id)
            )
            if f.campaign_id is not None:
                q = q.where(Attempt.campaign_id == f.campaign_id)
            if f.operator_id is not None:
                q = q.where(Attempt.operator_id == f.operator_id)
            if f.outcome:
                q = q.where(Attempt.outcome == f.outcome)
            if f.disposition:
                q = q.where(Attempt.disposition_code == f.disposition)
            if f.date_from is not None:
                q = q.where(Attempt.originated_at >= datetime.combine(f.date_from, UTC_MIDNIGHT, tzinfo=UTC))
            if f.date_to is not None:
                end = datetime.combine(f.date_to + timedelta(days=1), UTC_MIDNIGHT, tzinfo=UTC)
                q = q.where(Attempt.originated_at < end)
            if f.min_duration_s is not None:
                q = q.where(Recording.duration_s >= f.min_duration_s)
            if f.phone:
                digits = "".join(ch for ch in f.phone if ch.isdigit())
                q = q.where(Attempt.phone.contains(digits or f.phone, autoescape=True))
            q = q.order_by(Recording.id.desc()).limit(f.limit)
            return [
                {
                    "id": r.id,
                    "attempt_id": a.id,
                    "campaign": cname,
                    "operator": login,
                    "phone": a.phone,
                    "company": c.company,
                    "outcome": a.outcome,
                    "disposition": a.disposition_code,
                    "duration_s": r.duration_s,
                    "at": a.originated_at.isoformat(),
                }
                for r, a, c, cname, login in s.execute(q).all()
            ]

    def recording(self, recording_id: int) -> tuple[Recording, Attempt, Contact, Campaign, str | None] | None:
        with self.sessions() as s:
            row = s.execute(
                select(Recording, Attempt, Contact, Campaign, Operator.login)
                .join(Attempt, Attempt.id == Recording.attempt_id)
                .join(Contact, Contact.id == Attempt.contact_id)
                .join(Campaign, Campaign.id == Attempt.campaign_id)
                .outerjoin(Operator, Operator.id == Attempt.operator_id)
                .where(Recording.id == recording_id)
            ).first()
            return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def scores(self, recording_id: int) -> list[tuple[RecordingScore, str | None]]:
        with self.sessions() as s:
            rows = s.execute(
                select(RecordingScore, User.username)
                .outerjoin(User, User.id == RecordingScore.user_id)
                .where(RecordingScore.recording_id == recording_id)
                .order_by(RecordingScore.id.desc())
            ).all()
            return [(r, u) for r, u in rows]

    def add_score(self, recording_id: int, user_id: int, scores: dict[str, float], comment: str | None) -> int:
        with self.sessions.begin() as s:
            row = RecordingScore(
                recording_id=recording_id,
                user_id=user_id,
                scores=scores,
                total=float(sum(scores.values())),
                comment=comment,
            )
            s.add(row)
            s.flush()
            return row.id


def scorecard_of(c: Campaign) -> list[str]:
    """Criteria from the campaign definition (a `scorecard` list, when a later schema has one), else a default."""
    criteria = (c.definition or {}).get("scorecard")
    if isinstance(criteria, list) and criteria:
        return [str(x.get("name", x)) if isinstance(x, dict) else str(x) for x in criteria]
    return list(DEFAULT_SCORECARD)


def timeline_of(a: Attempt) -> list[tuple[str, datetime]]:
    steps: Sequence[tuple[str, datetime | None]] = (
        ("originate", a.originated_at),
        ("ring", a.ringing_at),
        ("answer", a.answered_at),
        ("bridge", a.bridged_at),
        ("end", a.ended_at),
    )
    return [(name, at) for name, at in steps if at is not None]
