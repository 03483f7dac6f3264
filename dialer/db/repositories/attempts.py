"""Attempts (one row per dial): progress, the one final outcome, the operator's disposition, and the
clean-up of attempts a crashed process left open."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from dialer.compliance.consent import ADVERTISING, ConsentAction, ConsentChannel, NewConsentEvent
from dialer.db.compliance_store import add_consent_events
from dialer.db.models import (
    Attempt,
    Campaign,
    Contact,
    Disposition,
    DoNotCall,
    OperatorSession,
    OperatorStateChange,
    utcnow,
)
from dialer.db.repositories.base import WRAP_UP, RepositoryBase
from dialer.db.repositories.contact_steps import close_attempt, end_wrap_up
from dialer.outcomes import AttemptOutcome
from dialer.pacing import OperatorState
from dialer.pacing.warm_start import WARM_START_DIALS, CampaignHistory, PastDial
from dialer.rules.campaign_rules import CampaignRules


class AttemptRepository(RepositoryBase):
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
            close_attempt(s, attempt, outcome, at, rules, values)

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
            end_wrap_up(s, contact, attempt, rules, at or utcnow(), code, next_action_at)

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

    def fail_unfinished_attempts(
        self, campaign_id: int | None, at: datetime, rules: CampaignRules | None = None
    ) -> int:
        """Attempts left in progress by a crash get `system_failure`, never stay open forever. Call it
        only holding the campaign's lock (dialer.db.leader), when no call of this process is in flight
        there. Without rules their contacts are closed (never dialled again); with the campaign's rules
        they follow the retry rules for `system_failure`, like a lease reclaimed (repositories.leasing)."""
        with self.sessions.begin() as s:
            q = select(Attempt.id).where(Attempt.outcome.is_(None))
            if campaign_id is not None:
                q = q.where(Attempt.campaign_id == campaign_id)
            ids = list(s.scalars(q))
        for attempt_id in ids:
            self.finish_attempt(attempt_id, AttemptOutcome.SYSTEM_FAILURE, at, rules)
        return len(ids)

    def attempts(self, campaign_id: int) -> list[Attempt]:
        with self.sessions() as s:
            return list(s.scalars(select(Attempt).where(Attempt.campaign_id == campaign_id).order_by(Attempt.id)))

    def abandon_history(self, campaign_id: int, days: int, now: datetime) -> list[tuple[int, int, int]]:
        """(UTC day number, live answers, abandons) per day over the last `days` days: the abandon
        ledger's compliance windows start warm after a restart (counted by the one definition)."""
        from dialer.db import abandon_figures  # it reads what the compliance adapter reads

        return abandon_figures.abandon_history(self.sessions, self._campaign(campaign_id), days, now)

    def abandon_hour(self, campaign_id: int, now: datetime) -> list[tuple[datetime, bool]]:
        """(decided at, abandoned) of each live answer of the last hour: a restarted process's rolling hour
        goes on from them (counted by the one definition)."""
        from dialer.db import abandon_figures

        return abandon_figures.abandon_hour(self.sessions, self._campaign(campaign_id), now)

    def _campaign(self, campaign_id: int) -> Campaign:
        with self.sessions() as s:
            campaign = s.get(Campaign, campaign_id)
        if campaign is None:
            raise KeyError(f"no campaign {campaign_id}")
        return campaign

    def pacing_history(self, campaign_id: int, since: datetime, limit: int = WARM_START_DIALS) -> CampaignHistory:
        """The campaign's finished outbound dials since `since` (the newest `limit`) and its operators'
        wrap-ups: what a restarted process's pacing learner starts from (dialer.pacing.warm_start)."""
        with self.sessions() as s:
            rows = s.execute(
                select(
                    Attempt.outcome, Attempt.originated_at, Attempt.ended_at, Attempt.answered_at, Attempt.bridged_at
                )
                .where(
                    Attempt.campaign_id == campaign_id,
                    Attempt.direction == "outbound",
                    Attempt.outcome.is_not(None),
                    Attempt.ended_at.is_not(None),
                    Attempt.ended_at >= since,
                )
                .order_by(Attempt.ended_at.desc())
                .limit(limit)
            ).all()
            changes = s.execute(
                select(OperatorStateChange.session_id, OperatorStateChange.state, OperatorStateChange.at)
                .join(OperatorSession, OperatorStateChange.session_id == OperatorSession.id)
                .where(OperatorSession.campaign_id == campaign_id, OperatorStateChange.at >= since)
                .order_by(OperatorStateChange.session_id, OperatorStateChange.at, OperatorStateChange.id)
            ).all()
        dials = tuple(
            PastDial(outcome, originated, ended, answered, bridged)
            for outcome, originated, ended, answered, bridged in reversed(rows)
            if outcome is not None and originated is not None and ended is not None
        )
        wrap_ups = []
        for (session, state, at), (next_session, _, next_at) in itertools.pairwise(changes):
            if state == OperatorState.WRAP_UP.value and next_session == session:
                wrap_ups.append((next_at, (next_at - at).total_seconds()))
        return CampaignHistory(dials, tuple(wrap_ups))
