"""Read-only figures over a campaign's attempts and operator sessions: what supervisors read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from dialer.db.models import Attempt, Campaign, Disposition, Operator, OperatorSession, OperatorStateChange, utcnow
from dialer.db.repositories.base import OUTBOUND, RepositoryBase
from dialer.outcomes import AttemptOutcome


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
    inbound_calls: int = 0  # of `calls`, callers who rang the campaign's numbers (blended campaigns)

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
    # counted by the one definition (dialer.db.abandon_figures): `abandoned` then includes late connects
    live_answers: int | None = None
    late_connects: int = 0

    @property
    def occupancy(self) -> float:
        return self.operator_busy_s / self.operator_logged_in_s if self.operator_logged_in_s else 0.0

    @property
    def abandon_rate(self) -> float:
        """Abandoned over live-answered calls (the regulators' definition, dialer.compliance.abandons)."""
        live = self.bridged + self.abandoned if self.live_answers is None else self.live_answers
        return self.abandoned / live if live else 0.0


class ReportRepository(RepositoryBase):
    def shift_figures(self, campaign_id: int) -> list[ShiftFigures]:
        """Per operator and shift: conversations (inbound ones among them), talk time, outcomes and
        conversion (positive outcomes over conversations)."""
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
                    sum(1 for a in mine if a.direction != OUTBOUND),
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
            campaign = s.get(Campaign, campaign_id)
            changes = list(
                s.scalars(
                    select(OperatorStateChange)
                    .where(OperatorStateChange.session_id.in_([x.id for x in sessions]))
                    .order_by(OperatorStateChange.session_id, OperatorStateChange.at, OperatorStateChange.id)
                )
            )
        logged_in, busy = _occupancy(changes, now)
        o = AttemptOutcome
        if campaign is None:
            raise KeyError(f"no campaign {campaign_id}")
        from dialer.db import abandon_figures  # it reads what the compliance adapter reads

        tally = abandon_figures.abandon_tally(self.sessions, campaign)
        return CampaignSummary(
            dialled=sum(counts.values()),
            answered=counts[o.CONNECTED] + counts[o.ABANDONED] + counts[o.MACHINE],
            bridged=counts[o.CONNECTED],
            abandoned=tally.abandons,
            live_answers=tally.live,
            late_connects=tally.late_connects,
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
