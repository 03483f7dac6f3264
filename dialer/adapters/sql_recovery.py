"""The SQL and file side of the service's `Recovery` port: open work, Asterisk's CDR files, settling what
an earlier process left open, and the recording legs left in a spool (planned in dialer.recovery)."""

from __future__ import annotations

import logging
from collections.abc import Set as AbstractSet
from datetime import datetime
from pathlib import Path

from dialer.adapters.cdr_file import read_cdr_csv
from dialer.adapters.orphan_recordings import store_orphan_recordings
from dialer.adapters.recovery_startup import open_work
from dialer.db.recovery_settle import recover_open_attempts
from dialer.db.repository import Repository
from dialer.recordings.audio import RecordingFormat
from dialer.recordings.store import RecordingStore
from dialer.recovery.adoption import OpenSession
from dialer.recovery.cdr import CdrRecord
from dialer.recovery.orphans import OrphanReport
from dialer.recovery.reconcile import OpenAttempt, Resolution

log = logging.getLogger(__name__)


class SqlRecovery:
    def __init__(self, repo: Repository, store: RecordingStore, fmt: RecordingFormat = "ogg") -> None:
        self.repo = repo
        self.store = store
        self.fmt = fmt

    def open_work(self, campaign_ids: list[int]) -> tuple[list[OpenAttempt], list[OpenSession]]:
        work = open_work(self.repo, campaign_ids)
        return work.attempts, work.sessions

    def call_records(self, paths: list[Path]) -> list[CdrRecord]:
        records: list[CdrRecord] = []
        for path in dict.fromkeys(paths):  # several servers may share one file in a test lab
            read = read_cdr_csv(path)
            for problem in read.problems:
                log.warning("Asterisk call records: %s", problem)
            records.extend(read.records)
        return records

    def settle_left_open(
        self,
        campaign_id: int,
        records: list[CdrRecord],
        now: datetime,
        *,
        skip_channel_ids: AbstractSet[str] = frozenset(),
        only_channel_ids: AbstractSet[str] | None = None,
        awaiting_disposition: AbstractSet[int] = frozenset(),
    ) -> list[Resolution]:
        return recover_open_attempts(
            self.repo,
            campaign_id,
            records,
            now,
            adopted_channel_ids=skip_channel_ids,
            awaiting_disposition=awaiting_disposition,
            only_channel_ids=only_channel_ids,
        )

    def store_orphan_recordings(self, spool_dir: Path, live_channel_ids: AbstractSet[str]) -> OrphanReport:
        return store_orphan_recordings(
            self.repo, spool_dir, self.store, fmt=self.fmt, live_channel_ids=live_channel_ids
        )
