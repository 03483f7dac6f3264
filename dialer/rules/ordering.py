"""Which contact to dial next: due callbacks first, then everything else by priority.

Within a priority level contacts are served first-come-first-served by the time
they became ready (import time for fresh contacts, `not_before` for retries), so
retries are neither starved by a big fresh list nor allowed to starve it. The
equivalent SQL, for the DB adapter:

    WHERE ready_at <= :now
    ORDER BY (kind = 'callback') DESC, priority DESC, ready_at, attempts, contact_id
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class QueueKind(StrEnum):
    CALLBACK = "callback"
    RETRY = "retry"
    FRESH = "fresh"


@dataclass(frozen=True, slots=True)
class QueueEntry:
    contact_id: int
    kind: QueueKind
    ready_at: dt.datetime  # callback due time, retry not_before, or when a fresh contact was imported
    priority: int = 0  # higher first (abandoned re-queues get a boost)
    attempts: int = 0


DialOrderKey = tuple[int, int, dt.datetime, int, int]


def dial_order_key(entry: QueueEntry) -> DialOrderKey:
    """Sort key (ascending) for entries that are ready now."""
    return (
        0 if entry.kind is QueueKind.CALLBACK else 1,
        -entry.priority,
        entry.ready_at,
        entry.attempts,
        entry.contact_id,
    )


def order_for_dialling(entries: Iterable[QueueEntry], now: dt.datetime, limit: int | None = None) -> list[QueueEntry]:
    """Entries ready at `now`, in dialling order (at most `limit`)."""
    ready = sorted((e for e in entries if e.ready_at <= now), key=dial_order_key)
    return ready if limit is None else ready[:limit]
