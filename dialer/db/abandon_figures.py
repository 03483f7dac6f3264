"""Abandon figures from the stored attempts, counted by the one definition (issue 15).

The summary, the campaign page, the admin console and the pacing ledger's warm start read their abandon
figures here: the attempts the evidence report loads (`load_attempt_records`, same columns, same
`AttemptRecord.facts()`), classified by `classify_call` under the campaign's own `ConnectRule` (the one
the running campaign's connect guard applies) and counted by `tally_calls`. Counting `outcome ==
"abandoned"`, as before, missed late connects. Read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session, sessionmaker

from dialer.adapters.compliance_evidence import load_attempt_records
from dialer.compliance.abandons import AbandonTally, CallVerdict, ConnectRule, classify_call, tally_calls
from dialer.compliance.evidence import AttemptRecord
from dialer.db.models import Campaign
from dialer.timestamps import as_utc

__all__ = ["abandon_history", "abandon_hour", "abandon_tally", "campaign_rule", "classified"]

#: Far enough back and ahead to mean "every attempt" of a campaign.
_EVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def campaign_rule(campaign: Campaign) -> ConnectRule:
    """The rule the running campaign applies (`CampaignConfig.connect_rule`): the same figures live and stored."""
    from dialer.service.campaign_config import CampaignConfig  # the service layer imports the db layer

    return CampaignConfig.from_row(campaign, trunk="").connect_rule


def classified(records: Iterable[AttemptRecord], rule: ConnectRule) -> list[tuple[AttemptRecord, CallVerdict]]:
    return [(r, classify_call(r.facts(), rule)) for r in records]


def abandon_tally(
    sessions: sessionmaker[Session],
    campaign: Campaign,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> AbandonTally:
    """Live answers, abandons (late connects included) and machines of the attempts originated in
    [since, until): the summary's and the console's figures, equal to the evidence report's."""
    records = load_attempt_records(sessions, campaign.id, since or _EVER, until or _NEVER)
    return tally_calls(v for _, v in classified(records, campaign_rule(campaign)))


def abandon_history(
    sessions: sessionmaker[Session], campaign: Campaign, days: int, now: dt.datetime
) -> list[tuple[int, int, int]]:
    """(UTC day number, live answers, abandons) per day of the attempts originated in the last `days`
    days: the pacing ledger's compliance windows start warm after a restart with the same counts."""
    records = load_attempt_records(sessions, campaign.id, now - dt.timedelta(days=days), _NEVER)
    per_day: dict[int, list[int]] = {}
    for record, verdict in classified(records, campaign_rule(campaign)):
        if verdict.pending or not verdict.counted_live:
            continue
        at = record.ended_at or record.originated_at
        bucket = per_day.setdefault(int(at.timestamp() // 86400), [0, 0])
        bucket[0] += 1
        bucket[1] += verdict.abandon
    return sorted((day, live, abandons) for day, (live, abandons) in per_day.items())


def abandon_hour(
    sessions: sessionmaker[Session],
    campaign: Campaign,
    now: dt.datetime,
    *,
    window: dt.timedelta = dt.timedelta(hours=1),
) -> list[tuple[dt.datetime, bool]]:
    """(when its fate was known, abandoned) of each live answer decided in the last `window`, oldest first: a
    restarted process's rolling hour goes on from them (`AbandonLedger.restore_hour`), counted by the one
    definition. The fate is known at the bridge, else at the call's end."""
    since = now - window
    records = load_attempt_records(sessions, campaign.id, since - dt.timedelta(minutes=10), _NEVER)
    hour: list[tuple[dt.datetime, bool]] = []
    for record, verdict in classified(records, campaign_rule(campaign)):
        if verdict.pending or not verdict.counted_live:
            continue
        at = as_utc(record.bridged_at or record.ended_at or record.answered_at or record.originated_at)
        if since < at <= now:
            hour.append((at, verdict.abandon))
    return sorted(hour, key=lambda h: h[0])
