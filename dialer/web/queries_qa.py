"""The web app's QA queries: recording search, scores, a call's timeline (part of WebQueries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dialer.db.models import (
    Attempt,
    Campaign,
    Contact,
    Operator,
    Recording,
    RecordingScore,
    User,
)
from dialer.rules.scorecard import ScorecardCriterion
from dialer.web.settings import DEFAULT_SCORECARD

UTC_MIDNIGHT = time(0, 0)


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


class QaQueries:
    sessions: sessionmaker[Session]

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
                    "missing_leg": r.missing_leg,
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

    def add_score(self, recording_id: int, user_id: int, scores: dict[str, int], comment: str | None) -> int:
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


def scorecard_of(c: Campaign) -> list[ScorecardCriterion]:
    """Criteria from the campaign definition's `scorecard` (validated when the campaign was saved), else the
    default list, 0..10 points each. A definition stored before the key existed may hold plain codes."""
    stored = (c.definition or {}).get("scorecard")
    if isinstance(stored, list) and stored:
        return [
            ScorecardCriterion(code=x) if isinstance(x, str) else ScorecardCriterion.model_validate(x) for x in stored
        ]
    return [ScorecardCriterion(code=code) for code in DEFAULT_SCORECARD]


def timeline_of(a: Attempt) -> list[tuple[str, datetime]]:
    steps: Sequence[tuple[str, datetime | None]] = (
        ("originate", a.originated_at),
        ("ring", a.ringing_at),
        ("answer", a.answered_at),
        ("bridge", a.bridged_at),
        ("end", a.ended_at),
    )
    return [(name, at) for name, at in steps if at is not None]
