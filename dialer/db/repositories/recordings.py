"""Recordings of calls: storing them, and their upkeep (retention, verification, re-processing)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from dialer.db.models import Attempt, AuditLog, Campaign, Recording
from dialer.db.repositories.base import RepositoryBase
from dialer.recordings.pipeline import ProcessedRecording
from dialer.recordings.retention import RecordingInfo
from dialer.rules.campaign import parse_duration


class RecordingRepository(RepositoryBase):
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
                    missing_leg=processed.missing_leg,
                )
            )

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
        """A re-processed recording takes the place of the old row (a side that was never recorded stays
        marked missing: re-processing sees only its silence)."""
        missing = None
        with self.sessions.begin() as s:
            for old in s.scalars(select(Recording).where(Recording.attempt_id == attempt_id)):
                missing = missing or old.missing_leg
                s.delete(old)
        self.add_recording(attempt_id, replace(processed, missing_leg=processed.missing_leg or missing))

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
