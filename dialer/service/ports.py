"""What the live service needs from the outside world, as interfaces (ports).

The service layer is written against these; `dialer.bootstrap` plugs in the real adapters (ARI and AMI
clients, the SQL repository behind a worker thread, PostgreSQL leases, a recording store) and the unit
tests plug in in-memory ones (tests/service/fakes.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from dialer.compliance.registers import RegisterState
from dialer.db.models import Campaign, Operator
from dialer.db.repository import DialTask
from dialer.outcomes import AttemptOutcome
from dialer.pacing.warm_start import WARM_START_DIALS, CampaignHistory
from dialer.recordings.pipeline import ProcessedRecording
from dialer.recordings.store import RecordingStore
from dialer.rules.campaign_rules import CampaignRules

if TYPE_CHECKING:
    from dialer.recovery.adoption import OpenSession
    from dialer.recovery.cdr import CdrRecord
    from dialer.recovery.inventory import ServerInventory
    from dialer.recovery.orphans import OrphanReport
    from dialer.recovery.reconcile import OpenAttempt, Resolution

P = ParamSpec("P")
T = TypeVar("T")
Event = dict[str, Any]

__all__ = [
    "CallControl",
    "Clock",
    "DatabaseWorker",
    "DialerRepository",
    "Leases",
    "LeftOpen",
    "ManagerLink",
    "OpenWork",
    "RecordingStore",
    "Recovery",
    "SystemClock",
]


class CallControl(Protocol):
    """One Asterisk server's call control (ARI): requests out, events in through `on_event`."""

    on_event: Callable[[Event], Awaitable[None]]
    on_connection_change: Callable[[bool], Awaitable[None]] | None
    reconnects: int

    @property
    def connected(self) -> bool: ...

    async def start(self, timeout: float = 15.0) -> None: ...

    async def close(self) -> None: ...

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str,
        app_args: str,
        timeout_s: float,
        other_channel_id: str | None = None,
        caller_id: str | None = None,
        variables: dict[str, str] | None = None,
        formats: str = "",
        hold_s: float | None = None,
    ) -> None: ...

    async def follow(self, channel_id: str) -> str | None: ...

    async def hangup(self, channel_id: str, reason: str = "normal") -> None: ...

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str = "s") -> None: ...

    async def play(self, channel_id: str, media: str, playback_id: str) -> None: ...

    async def create_bridge(self, bridge_id: str, name: str) -> None: ...

    async def destroy_bridge(self, bridge_id: str) -> None: ...

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None: ...

    async def snoop(self, channel_id: str, snoop_id: str, app_args: str = "snoop") -> None: ...

    async def record(self, channel_id: str, name: str, fmt: str = "wav") -> None: ...

    async def app_inventory(self) -> tuple[list[str], list[str]]: ...

    async def bridge_ids(self) -> list[str]: ...

    async def channel_ids(self) -> list[str]: ...

    async def inventory(self, server: str) -> ServerInventory: ...

    async def subscribe(self, channel_ids: list[str], bridge_ids: list[str]) -> None: ...

    async def reachable(self, timeout_s: float = 2.0) -> bool: ...


class ManagerLink(Protocol):
    """One Asterisk server's manager interface (AMI): only connected and closed by the service."""

    async def connect(self, timeout: float = 10.0) -> None: ...

    async def close(self) -> None: ...


class DialerRepository(Protocol):
    """The database operations the live service performs (dialer.db.repository.Repository has them)."""

    def campaign(self, campaign_id: int) -> Campaign: ...

    def set_campaign_status(self, campaign_id: int, status: str) -> None: ...

    def abandon_history(self, campaign_id: int, days: int, now: datetime) -> list[tuple[int, int, int]]: ...

    def abandon_hour(self, campaign_id: int, now: datetime) -> list[tuple[datetime, bool]]: ...

    def campaigns_with_open_work(self) -> list[int]: ...

    def pacing_history(self, campaign_id: int, since: datetime, limit: int = WARM_START_DIALS) -> CampaignHistory: ...

    def fail_unfinished_attempts(self, campaign_id: int | None, at: datetime) -> int: ...

    def count_dialable(self, campaign_id: int, now: datetime, owner: str | None = None) -> int: ...

    def reclaim_expired_leases(
        self,
        campaign_id: int,
        owner: str,
        now: datetime,
        *,
        rules: CampaignRules | None = None,
        in_flight: AbstractSet[int] | None = None,
    ) -> int: ...

    def lease_contacts(
        self,
        campaign_id: int,
        n: int,
        owner: str,
        now: datetime,
        lease_s: float = 600,
        rules: CampaignRules | None = None,
        ready_operator_ids: AbstractSet[int] = frozenset(),
    ) -> list[DialTask]: ...

    def update_attempt(self, attempt_id: int, **values: Any) -> None: ...

    def finish_attempt(
        self, attempt_id: int, outcome: AttemptOutcome, at: datetime, rules: CampaignRules | None = None, **values: Any
    ) -> None: ...

    def record_disposition(
        self,
        attempt_id: int,
        code: str | None,
        notes: str | None = None,
        next_action_at: datetime | None = None,
        rules: CampaignRules | None = None,
        at: datetime | None = None,
    ) -> None: ...

    def add_recording(self, attempt_id: int, processed: ProcessedRecording) -> None: ...

    def operator(self, login: str) -> Operator | None: ...

    def start_operator_session(self, operator_id: int, campaign_id: int | None, channel_id: str) -> int: ...

    def update_operator_session(self, session_id: int, **values: Any) -> None: ...

    def operator_state(self, session_id: int, state: str, at: datetime, reason: str | None = None) -> None: ...

    def end_operator_session(self, session_id: int, at: datetime, reason: str) -> None: ...

    def end_open_operator_sessions(self, at: datetime, reason: str, campaign_id: int | None = None) -> int: ...


@dataclass(frozen=True)
class LeftOpen:
    """What a dialer process that lost a campaign's lease (killed, or its database session died) left
    open in the database: attempts without an outcome and operator sessions not ended, with the
    Asterisk channels and bridges they name."""

    attempts: list[tuple[int, str]]  # attempt id, customer channel id
    sessions: list[tuple[int, str | None, str | None]]  # session id, operator channel id, bridge id


class OpenWork(Protocol):
    """Read-only questions the take-over and the start checks ask the database."""

    def left_open(self, campaign_id: int) -> LeftOpen: ...

    def register_states(self) -> dict[str, RegisterState]: ...


class Recovery(Protocol):
    """What a (re)started dialer reads and settles of what an earlier process left (dialer.recovery):
    the open work to adopt, Asterisk's own call records, the outcomes and retries of calls that ended
    while nobody listened, and the recording legs left in a spool. Blocking: called on the database
    worker or in a thread."""

    def open_work(self, campaign_ids: list[int]) -> tuple[list[OpenAttempt], list[OpenSession]]: ...

    def call_records(self, paths: list[Path]) -> list[CdrRecord]: ...

    def settle_left_open(
        self,
        campaign_id: int,
        records: list[CdrRecord],
        now: datetime,
        *,
        skip_channel_ids: AbstractSet[str] = frozenset(),
        only_channel_ids: AbstractSet[str] | None = None,
        awaiting_disposition: AbstractSet[int] = frozenset(),
    ) -> list[Resolution]: ...

    def store_orphan_recordings(self, spool_dir: Path, live_channel_ids: AbstractSet[str]) -> OrphanReport: ...


class Leases(Protocol):
    """Who paces a campaign: one lease per campaign across dialer processes (PostgreSQL advisory locks)."""

    def try_acquire(self, campaign_id: int) -> bool: ...

    def release(self, campaign_id: int) -> None: ...

    def still_held(self, campaign_id: int) -> bool: ...

    def close(self) -> None: ...


class DatabaseWorker(Protocol):
    """Runs repository calls in order off the event loop; holds them through a database outage."""

    available: bool
    outages: int

    @property
    def queue_depth(self) -> int: ...

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T: ...

    def submit(self, fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None: ...

    async def flush(self) -> None: ...

    def close(self, grace_s: float = 30.0) -> None: ...


class Clock(Protocol):
    """Time as the service reads it: `monotonic` for durations, `time` for the compliance ledger (epoch
    seconds) and `now` for what is stored."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.now(UTC)
