"""Which recordings have outlived their campaign's retention. Pure: `retention_job` does the deleting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RecordingInfo:
    """One stored recording as the database knows it; `started` must be timezone-aware."""

    rel_path: str
    campaign: str
    started: datetime
    attempt_id: int | None = None


def _aware(dt: datetime, what: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {dt!r}")
    return dt


def expired_recordings(
    recordings: Iterable[RecordingInfo],
    policies: Mapping[str, timedelta | None],
    now: datetime,
    *,
    default: timedelta | None = None,
) -> list[RecordingInfo]:
    """Recordings strictly older than their campaign's retention, oldest first.

    A policy of None keeps forever; a campaign missing from `policies` gets `default` (None: keep), so a
    misconfigured or renamed campaign never loses recordings.
    """
    _aware(now, "now")
    out: list[RecordingInfo] = []
    for rec in recordings:
        keep = policies.get(rec.campaign, default)
        if keep is None:
            continue
        if keep < timedelta(0):
            raise ValueError(f"negative retention for campaign {rec.campaign!r}: {keep}")
        if now - _aware(rec.started, f"started of {rec.rel_path}") > keep:
            out.append(rec)
    out.sort(key=lambda r: (r.started, r.rel_path))
    return out
