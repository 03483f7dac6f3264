"""Storing the recording legs an earlier process left in the spool: the database and file side of
dialer.recovery.orphans (which matches legs to attempts, without I/O)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

from sqlalchemy import select

from dialer.db.models import Attempt, Campaign, Recording
from dialer.db.repository import Repository
from dialer.recordings.audio import RecordingFormat
from dialer.recordings.errors import RecordingError
from dialer.recordings.pipeline import process_call_recording
from dialer.recordings.store import RecordingStore
from dialer.recovery.orphans import LEG_SUFFIX, LegOwner, OrphanReport, UnmatchedLeg, leg_channel, match_orphan_legs

log = logging.getLogger(__name__)


def leg_owners(repo: Repository, channel_ids: Collection[str]) -> dict[str, LegOwner]:
    """The attempts of these channel ids, with what matching needs."""
    if not channel_ids:
        return {}
    with repo.sessions() as s:
        rows = s.execute(
            select(
                Attempt.channel_id,
                Attempt.id,
                Campaign.name,
                Attempt.outcome,
                Attempt.answered_at,
                Attempt.bridged_at,
                Recording.id,
            )
            .join(Campaign, Attempt.campaign_id == Campaign.id)
            .outerjoin(Recording, Recording.attempt_id == Attempt.id)
            .where(Attempt.channel_id.in_(list(channel_ids)))
        ).all()
    return {
        channel: LegOwner(aid, campaign, outcome is not None, answered, bridged, rec is not None)
        for channel, aid, campaign, outcome, answered, bridged, rec in rows
    }


def store_orphan_recordings(
    repo: Repository,
    spool_dir: Path,
    store: RecordingStore,
    *,
    fmt: RecordingFormat = "ogg",
    live_channel_ids: Collection[str] = (),
) -> OrphanReport:
    """At start, after the open attempts were settled (so they have their outcome and bridge time): store
    every finished, bridged call whose legs (one or both) are in `spool_dir`, as the live service does
    (process_call_recording deletes the legs only once the stored file verified). Blocking: run it in a thread."""
    report = OrphanReport()
    if not spool_dir.is_dir():
        return report
    names = [p.name for p in spool_dir.iterdir() if p.is_file() and p.name.endswith(LEG_SUFFIX)]
    channels = {parsed[0] for n in names if (parsed := leg_channel(n)) is not None}
    plan = match_orphan_legs(names, leg_owners(repo, channels), live_channel_ids)
    report.unmatched, report.still_live = plan.unmatched, plan.still_live
    for call in plan.calls:
        try:
            processed = process_call_recording(
                spool_dir / call.operator_leg if call.operator_leg else None,
                spool_dir / call.customer_leg if call.customer_leg else None,
                store=store,
                campaign=call.campaign,
                attempt_id=call.attempt_id,
                started=call.started,
                fmt=fmt,
                operator_offset_s=call.operator_offset_s,
            )
        except (OSError, RecordingError) as exc:
            log.error("left-over recording of attempt %s could not be stored: %s", call.attempt_id, exc)
            for name in filter(None, (call.operator_leg, call.customer_leg)):
                report.failed.append(UnmatchedLeg(name, f"attempt {call.attempt_id}: {exc}"[:300]))
            continue
        repo.add_recording(call.attempt_id, processed)
        report.stored.append(call.attempt_id)
    for leg in report.unmatched:
        log.warning("recording leg %s left in %s: %s (kept)", leg.name, spool_dir, leg.reason)
    return report
