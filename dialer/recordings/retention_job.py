"""The retention run: delete expired recordings from a store, one failure never stopping the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dialer.recordings.retention import RecordingInfo, expired_recordings
from dialer.recordings.store import RecordingStore

log = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    """What a retention run did; `deleted` + `missing` are the rows the caller can drop/mark in the database."""

    deleted: list[RecordingInfo] = field(default_factory=list)
    missing: list[RecordingInfo] = field(default_factory=list)
    failed: list[tuple[RecordingInfo, str]] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return f"retention: {verb} {len(self.deleted)}, already missing {len(self.missing)}, failed {len(self.failed)}"


def apply_retention(
    store: RecordingStore,
    items: Iterable[RecordingInfo],
    policies: Mapping[str, timedelta | None],
    now: datetime,
    *,
    default: timedelta | None = None,
    dry_run: bool = False,
    limit: int | None = None,
) -> RetentionReport:
    """Delete the expired recordings from the store (oldest first, at most `limit`); one failure does not stop
    the run. Logs one line per deletion and a summary, and returns the report for the scheduled job."""
    report = RetentionReport(dry_run=dry_run)
    expired = expired_recordings(items, policies, now, default=default)
    if limit is not None:
        expired = expired[: max(0, limit)]
    for rec in expired:
        try:
            if dry_run:
                (report.deleted if store.exists(rec.rel_path) else report.missing).append(rec)
                continue
            if store.delete(rec.rel_path):
                report.deleted.append(rec)
                log.info("retention deleted %s (campaign %s, started %s)", rec.rel_path, rec.campaign, rec.started)
            else:
                report.missing.append(rec)
        except Exception as exc:  # keep going: one bad path must not block the whole run
            report.failed.append((rec, f"{type(exc).__name__}: {exc}"))
            log.warning("retention could not delete %s: %s", rec.rel_path, exc)
    log.info(report.summary())
    return report
