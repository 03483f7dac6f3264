"""Close the attempts an earlier dialer process left open, with the campaign's retry rules (adapter).

`fail_unfinished_attempts` (dialer.db.repository) gives every open attempt `system_failure` and ends its
contact without asking the campaign's rules, so an interrupted contact was never dialled again although
docs/lists.md promises a retry after 5 minutes. Here each attempt gets the outcome Asterisk recorded
(`reconcile`), or `system_failure` where nothing is known, and its contact what the campaign's rules say
for that outcome (busy: again in 10 minutes, system failure: in 5 and not counted, ...).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dialer.db.models import Attempt, Campaign, Contact, Operator, OperatorSession, OperatorStateChange
from dialer.db.repository import WRAP_UP, Repository
from dialer.outcomes import AttemptOutcome
from dialer.recovery.adoption import OpenSession
from dialer.recovery.cdr import CdrRecord
from dialer.recovery.reconcile import OpenAttempt, Resolution, reconcile
from dialer.rules.campaign import parse_campaign
from dialer.rules.campaign_rules import CampaignRules


def campaign_rules(campaign: Campaign) -> CampaignRules | None:
    """The campaign's contact rules, as the service reads them (None: a campaign without a definition
    dials each contact once, so it has no retries to apply)."""
    if not campaign.definition:
        return None
    return CampaignRules.from_definition(parse_campaign(campaign.definition, campaign.name))


def open_attempts(repo: Repository, campaign_id: int | None) -> list[OpenAttempt]:
    """The attempts without an outcome (of one campaign, or all)."""
    with repo.sessions() as s:
        q = select(
            Attempt.id,
            Attempt.channel_id,
            Attempt.answered_at,
            Attempt.bridged_at,
            Attempt.amd_status,
            Attempt.operator_session_id,
            Attempt.campaign_id,
            Attempt.contact_id,
            Attempt.phone,
            Attempt.originated_at,
        ).where(Attempt.outcome.is_(None))
        if campaign_id is not None:
            q = q.where(Attempt.campaign_id == campaign_id)
        rows = s.execute(q.order_by(Attempt.id)).all()
    return [
        OpenAttempt(aid, channel, answered, bridged, amd, session, cid, contact, phone, originated_at=originated)
        for aid, channel, answered, bridged, amd, session, cid, contact, phone, originated in rows
    ]


def open_sessions(repo: Repository, campaign_id: int) -> list[OpenSession]:
    """The campaign's operator sessions without an end, with their last recorded state and the finished
    conversation each still has to dispose of (its contact waits in wrap_up), for `plan_adoption`."""
    with repo.sessions() as s:
        rows = s.execute(
            select(
                OperatorSession.id,
                OperatorSession.operator_id,
                OperatorSession.campaign_id,
                OperatorSession.channel_id,
                OperatorSession.bridge_id,
                Operator.login,
                Operator.sip_endpoint,
            )
            .join(Operator, OperatorSession.operator_id == Operator.id)
            .where(OperatorSession.campaign_id == campaign_id, OperatorSession.ended_at.is_(None))
        ).all()
        result = []
        for session_id, operator_id, cid, channel_id, bridge_id, login, endpoint in rows:
            last = s.scalar(
                select(OperatorStateChange.state)
                .where(OperatorStateChange.session_id == session_id)
                .order_by(OperatorStateChange.at.desc(), OperatorStateChange.id.desc())
                .limit(1)
            )
            wrapping_row = s.execute(
                select(Attempt.id, Attempt.ended_at)
                .join(Contact, Attempt.contact_id == Contact.id)
                .where(
                    Attempt.operator_session_id == session_id,
                    Attempt.outcome == AttemptOutcome.CONNECTED.value,
                    Attempt.disposition_code.is_(None),
                    Contact.status == WRAP_UP,
                )
                .order_by(Attempt.id.desc())
                .limit(1)
            ).first()
            wrapping, wrapping_since = (wrapping_row[0], wrapping_row[1]) if wrapping_row else (None, None)
            result.append(
                OpenSession(
                    session_id,
                    operator_id,
                    cid or campaign_id,
                    channel_id,
                    bridge_id,
                    last,
                    wrapping,
                    login,
                    endpoint,
                    wrapping_since=wrapping_since,
                )
            )
    return result


def settle(
    repo: Repository,
    resolutions: Iterable[Resolution],
    rules: CampaignRules | None,
    now: datetime,
    *,
    awaiting_disposition: Collection[int] = (),
) -> int:
    """Store each resolution as the attempt's one final outcome (idempotent, like finish_attempt) and
    schedule its contact by the campaign's rules. A conversation whose operator is not back at a desk
    (`awaiting_disposition` holds the attempts an adopted operator is wrapping up) is closed as completed
    without a disposition, as when wrap-up time runs out."""
    count = 0
    for r in resolutions:
        values: dict[str, Any] = {"hangup_cause_txt": r.reason[:100]}
        if r.answered_at is not None:
            values["answered_at"] = r.answered_at
        if r.bridged_at is not None:
            values["bridged_at"] = r.bridged_at
        if r.amd_status is not None:
            values["amd_status"] = r.amd_status
        if r.hangup_cause is not None:
            values["hangup_cause"] = r.hangup_cause
        repo.finish_attempt(r.attempt_id, r.outcome, r.ended_at or now, rules, **values)
        if r.outcome is AttemptOutcome.CONNECTED and r.attempt_id not in awaiting_disposition:
            repo.record_disposition(r.attempt_id, None, None, None, rules, at=r.ended_at or now)
        count += 1
    return count


def recover_open_attempts(
    repo: Repository,
    campaign_id: int,
    cdr_records: Iterable[CdrRecord],
    now: datetime,
    *,
    adopted_channel_ids: Collection[str] = (),
    awaiting_disposition: Collection[int] = (),
    only_channel_ids: Collection[str] | None = None,
) -> list[Resolution]:
    """Everything of one campaign left open by an earlier process, except the calls just adopted (still
    live on Asterisk): outcome from the CDR, retry by the campaign's rules. Call it holding the
    campaign's lease (no live process may own these attempts). `only_channel_ids`: just these calls
    (those of one Asterisk server whose ARI connection came back; the others are live and ours)."""
    rules = campaign_rules(repo.campaign(campaign_id))
    adopted = set(adopted_channel_ids)
    only = set(only_channel_ids) if only_channel_ids is not None else None
    attempts = [
        a
        for a in open_attempts(repo, campaign_id)
        if a.channel_id not in adopted and (only is None or a.channel_id in only)
    ]
    resolutions = reconcile(attempts, cdr_records)
    settle(repo, resolutions, rules, now, awaiting_disposition=awaiting_disposition)
    return resolutions


def fail_unfinished_attempts_with_retries(repo: Repository, campaign_id: int, at: datetime) -> int:
    """`Repository.fail_unfinished_attempts` with the campaign's retry rules: every open attempt gets
    `system_failure` and its contact is retried as the rules say (5 minutes by default, not counted
    towards the attempt limits). For when no call record can be read."""
    return len(recover_open_attempts(repo, campaign_id, [], at))
