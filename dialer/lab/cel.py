"""Asterisk's channel event log (CEL) as the lab writes it (asterisk_conf/cel_custom.conf): the ground truth
of when a customer's channel answered and when it entered an operator's bridge, independent of the dialer.

The lab test of the one abandon definition and `bench/connect_bench.py` read it. The file grows over every
run of the lab; callers pick their calls by channel id (the dialer chooses the customer channel's id, which
is the CEL UniqueID).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LAYOUT = "dialer-cel-1"


@dataclass(frozen=True, slots=True)
class CelEvent:
    kind: str  # ANSWER, BRIDGE_ENTER, HANGUP
    at: datetime
    channel_id: str  # UniqueID
    linked_id: str
    channel_name: str
    peer: str


@dataclass(frozen=True, slots=True)
class CelConnect:
    """One customer channel as Asterisk saw it: first answer and first bridge entry (None: never)."""

    channel_id: str
    answered_at: datetime | None
    bridged_at: datetime | None

    @property
    def latency_s(self) -> float | None:
        if self.answered_at is None or self.bridged_at is None:
            return None
        return (self.bridged_at - self.answered_at).total_seconds()


def read_cel(path: Path) -> list[CelEvent]:
    """Every event of the file (none if it does not exist yet); a row of another layout is an error."""
    if not path.exists():
        return []
    events: list[CelEvent] = []
    with path.open(newline="") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if not row:
                continue
            if row[0] != LAYOUT or len(row) < 7:
                raise ValueError(f"{path}, row {n}: not a {LAYOUT} row: {row[:3]}")
            events.append(
                CelEvent(row[1], datetime.fromtimestamp(float(row[2]), UTC), row[3], row[4], row[5], row[6])
            )
    return events


def connects(events: Iterable[CelEvent], channel_ids: Iterable[str]) -> dict[str, CelConnect]:
    """Answer and first bridge entry of each of `channel_ids` (customer channels)."""
    wanted = set(channel_ids)
    answered: dict[str, datetime] = {}
    bridged: dict[str, datetime] = {}
    for e in events:
        if e.channel_id not in wanted:
            continue
        if e.kind == "ANSWER":
            answered.setdefault(e.channel_id, e.at)
        elif e.kind == "BRIDGE_ENTER":
            bridged.setdefault(e.channel_id, e.at)
    return {c: CelConnect(c, answered.get(c), bridged.get(c)) for c in sorted(wanted)}
