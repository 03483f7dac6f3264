"""The decision log: recent pacing decisions with the inputs they were taken on (bounded)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from dialer.pacing import PacingDecision


@dataclass(frozen=True)
class DecisionLog:
    at: float
    campaign_id: int
    ready: int
    pending: int  # calls ringing plus people waiting, before this decision
    decision: PacingDecision


class DecisionJournal:
    """The last `limit` decisions that placed calls, oldest first (the lab tests and the console read it)."""

    def __init__(self, limit: int = 1000) -> None:
        self._entries: deque[DecisionLog] = deque(maxlen=limit)

    def add(self, entry: DecisionLog) -> None:
        self._entries.append(entry)

    def __iter__(self) -> Iterator[DecisionLog]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def of(self, campaign_id: int) -> list[DecisionLog]:
        return [d for d in self._entries if d.campaign_id == campaign_id]
