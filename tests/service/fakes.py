"""In-memory implementations of the service layer's ports (dialer.service.ports): no Asterisk, no database,
no threads, no sleeps. `build()` wires a real DialerService onto them, as dialer.bootstrap does with the
real adapters."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from dialer.compliance.registers import RegisterState
from dialer.db.models import Campaign, Operator
from dialer.db.repository import DialTask
from dialer.outcomes import AttemptOutcome
from dialer.pacing.warm_start import CampaignHistory
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.pipeline import ProcessedRecording
from dialer.rules.campaign import parse_campaign
from dialer.rules.campaign_rules import CampaignRules
from dialer.service import AsteriskLink, AsteriskLinks, DialerService, ServiceOptions
from dialer.service.ports import Event, LeftOpen
from dialer.telephony.ari import TelephonyError

P = ParamSpec("P")
T = TypeVar("T")


async def _ignore(event: Event) -> None:
    return None


class FakeAri:
    """Call control that records every request; `refuse_originate` makes Asterisk refuse calls."""

    def __init__(self) -> None:
        self.on_event: Callable[[Event], Awaitable[None]] = _ignore
        self.on_connection_change: Callable[[bool], Awaitable[None]] | None = None
        self.reconnects = 0
        self.up = True
        self.refuse_originate = False
        self.requests: list[tuple[Any, ...]] = []
        self.originate_formats: dict[str, str] = {}  # channel id -> the formats it was originated with
        self.holds: dict[str, float | None] = {}  # channel id -> how long the dialplan holds an answer
        self.originate_times_out = False  # ARI does not answer originates in time (they went out all the same)
        self.gone: set[str] = set()  # channels that ended before the dialer could follow them
        self.all_gone = False  # every channel did
        self.ringing_at_follow = False  # channels already ring when they are followed
        self.follow_fails = False

    @property
    def connected(self) -> bool:
        return self.up

    async def start(self, timeout: float = 15.0) -> None:
        self.up = True

    async def close(self) -> None:
        self.up = False

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
    ) -> None:
        if self.refuse_originate:
            raise TelephonyError("Allocation failed", 500)
        if self.originate_times_out:
            raise TelephonyError("originate: no answer from ARI in 10 s", timed_out=True)
        self.requests.append(("originate", endpoint, channel_id, app_args))
        self.originate_formats[channel_id] = formats
        self.holds[channel_id] = hold_s

    async def follow(self, channel_id: str) -> str | None:
        """Subscribed (the channel is `ringing_at_follow`), unless the test says the channel already ended
        (`gone`, `all_gone`) or ARI refuses (`follow_fails`)."""
        self.requests.append(("follow", channel_id))
        if self.follow_fails:
            raise TelephonyError("subscribe: HTTP 500", 500)
        if channel_id in self.gone or self.all_gone:
            return None
        return "Ringing" if self.ringing_at_follow else "Down"

    def originated(self, app_args: str = "customer") -> list[str]:
        """Channel ids of the originations with these Stasis arguments (customers by default)."""
        return [r[2] for r in self.requests if r[0] == "originate" and r[3] == app_args]

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        self.requests.append(("hangup", channel_id))

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str = "s") -> None:
        self.requests.append(("continue", channel_id, context))

    async def play(self, channel_id: str, media: str, playback_id: str) -> None:
        self.requests.append(("play", channel_id, media, playback_id))

    async def create_bridge(self, bridge_id: str, name: str) -> None:
        self.requests.append(("create_bridge", bridge_id))

    async def destroy_bridge(self, bridge_id: str) -> None:
        self.requests.append(("destroy_bridge", bridge_id))

    async def add_to_bridge(self, bridge_id: str, channel_id: str) -> None:
        self.requests.append(("add_to_bridge", bridge_id, channel_id))

    async def snoop(self, channel_id: str, snoop_id: str, app_args: str = "snoop") -> None:
        self.requests.append(("snoop", channel_id, snoop_id, app_args))

    async def record(self, channel_id: str, name: str, fmt: str = "wav") -> None:
        self.requests.append(("record", channel_id, name))

    async def app_inventory(self) -> tuple[list[str], list[str]]:
        return [], []

    async def bridge_ids(self) -> list[str]:
        return []


class FakeAmi:
    async def connect(self, timeout: float = 10.0) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class AttemptRow:
    campaign_id: int
    contact_id: int
    phone: str
    outcome: AttemptOutcome | None = None
    values: dict[str, Any] = field(default_factory=dict)
    disposition: str | None = None


class InMemoryRepository:
    """The database operations of the live service, on dictionaries."""

    def __init__(self) -> None:
        self.campaigns: dict[int, Campaign] = {}
        self.operators: dict[str, Operator] = {}
        self.contacts: dict[int, list[tuple[int, str]]] = {}  # campaign id -> dialable (contact id, phone)
        self.attempts: dict[int, AttemptRow] = {}
        self.sweeps: list[tuple[int, str, frozenset[int]]] = []
        self.history: dict[int, CampaignHistory] = {}  # campaign id -> what pacing_history gives
        self.last_hour: dict[int, list[tuple[datetime, bool]]] = {}  # campaign id -> what abandon_hour gives
        self.sessions: dict[int, dict[str, Any]] = {}
        self.states: list[tuple[int, str, str | None]] = []
        self._ids = itertools.count(1)

    # set-up
    def add_campaign(self, definition: dict[str, Any], campaign_id: int = 1) -> int:
        d = parse_campaign(definition)
        self.campaigns[campaign_id] = Campaign(
            id=campaign_id,
            name=d.name,
            status="draft",
            dialing_mode=d.dialing.mode.value,
            caller_id=d.caller_id,
            dial_string=d.dial_string,
            amd_enabled=d.amd,
            record_calls=d.recording != "none",
            ring_timeout_s=float(d.ring_timeout_seconds),
            connect_limit_s=float(d.connect_limit_seconds),
            wrapup_s=float(d.wrap_up_seconds),
            max_lines=d.dialing.max_lines,
            abandon_message="sound:sorry",
            definition=d.model_dump(mode="json"),
            pacing_overrides={},
        )
        self.contacts[campaign_id] = []
        return campaign_id

    def add_contacts(self, campaign_id: int, phones: list[str]) -> None:
        self.contacts[campaign_id] += [(next(self._ids), p) for p in phones]

    def add_operator(self, login: str, server: str | None = None) -> None:
        self.operators[login] = Operator(
            id=next(self._ids), login=login, name=login, sip_endpoint=f"PJSIP/{login}", asterisk_server=server
        )

    def outcomes(self) -> list[AttemptOutcome | None]:
        return [a.outcome for a in self.attempts.values()]

    # the DialerRepository port
    def campaign(self, campaign_id: int) -> Campaign:
        return self.campaigns[campaign_id]

    def set_campaign_status(self, campaign_id: int, status: str) -> None:
        self.campaigns[campaign_id].status = status

    def abandon_history(self, campaign_id: int, days: int, now: datetime) -> list[tuple[int, int, int]]:
        return []

    def abandon_hour(self, campaign_id: int, now: datetime) -> list[tuple[datetime, bool]]:
        return [h for h in self.last_hour.get(campaign_id, []) if now - timedelta(hours=1) < h[0] <= now]

    def pacing_history(self, campaign_id: int, since: datetime, limit: int = 2000) -> CampaignHistory:
        return self.history.get(campaign_id, CampaignHistory())

    def campaigns_with_open_work(self) -> list[int]:
        return sorted({a.campaign_id for a in self.attempts.values() if a.outcome is None})

    def fail_unfinished_attempts(self, campaign_id: int | None, at: datetime) -> int:
        open_ = [a for a in self.attempts.values() if a.outcome is None and campaign_id in (None, a.campaign_id)]
        for a in open_:
            a.outcome = AttemptOutcome.SYSTEM_FAILURE
        return len(open_)

    def count_dialable(self, campaign_id: int, now: datetime, owner: str | None = None) -> int:
        return len(self.contacts[campaign_id])

    def reclaim_expired_leases(
        self,
        campaign_id: int,
        owner: str,
        now: datetime,
        *,
        rules: CampaignRules | None = None,
        in_flight: Set[int] | None = None,
    ) -> int:
        self.sweeps.append((campaign_id, owner, frozenset(in_flight or ())))
        return 0

    def lease_contacts(
        self,
        campaign_id: int,
        n: int,
        owner: str,
        now: datetime,
        lease_s: float = 600,
        rules: CampaignRules | None = None,
        ready_operator_ids: Set[int] = frozenset(),
    ) -> list[DialTask]:
        leased, self.contacts[campaign_id] = self.contacts[campaign_id][:n], self.contacts[campaign_id][n:]
        tasks = []
        for contact_id, phone in leased:
            attempt_id = next(self._ids)
            self.attempts[attempt_id] = AttemptRow(campaign_id, contact_id, phone)
            tasks.append(DialTask(attempt_id, contact_id, f"att-{attempt_id}", phone))
        return tasks

    def update_attempt(self, attempt_id: int, **values: Any) -> None:
        self.attempts[attempt_id].values.update(values)

    def finish_attempt(
        self, attempt_id: int, outcome: AttemptOutcome, at: datetime, rules: CampaignRules | None = None, **values: Any
    ) -> None:
        row = self.attempts[attempt_id]
        if row.outcome is None:
            row.outcome = outcome
            row.values.update(values)

    def record_disposition(
        self,
        attempt_id: int,
        code: str | None,
        notes: str | None = None,
        next_action_at: datetime | None = None,
        rules: CampaignRules | None = None,
        at: datetime | None = None,
    ) -> None:
        self.attempts[attempt_id].disposition = code

    def add_recording(self, attempt_id: int, processed: ProcessedRecording) -> None:
        self.attempts[attempt_id].values["recording"] = processed.rel_path
        self.attempts[attempt_id].values["recording_missing_leg"] = processed.missing_leg

    def operator(self, login: str) -> Operator | None:
        return self.operators.get(login)

    def start_operator_session(self, operator_id: int, campaign_id: int | None, channel_id: str) -> int:
        session_id = next(self._ids)
        self.sessions[session_id] = {"operator_id": operator_id, "channel_id": channel_id, "ended": None}
        return session_id

    def update_operator_session(self, session_id: int, **values: Any) -> None:
        self.sessions[session_id].update(values)

    def operator_state(self, session_id: int, state: str, at: datetime, reason: str | None = None) -> None:
        self.states.append((session_id, state, reason))

    def end_operator_session(self, session_id: int, at: datetime, reason: str) -> None:
        self.sessions[session_id]["ended"] = reason

    def end_open_operator_sessions(self, at: datetime, reason: str, campaign_id: int | None = None) -> int:
        open_ = [s for s in self.sessions.values() if s["ended"] is None]
        for s in open_:
            s["ended"] = reason
        return len(open_)


class InlineWorker:
    """The database worker, run inline: every call happens at once, in order."""

    available = True
    outages = 0
    queue_depth = 0

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return fn(*args, **kwargs)

    def submit(self, fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        fn(*args, **kwargs)

    async def flush(self) -> None:
        return None

    def close(self, grace_s: float = 30.0) -> None:
        return None


class FakeLeases:
    def __init__(self) -> None:
        self.held: set[int] = set()
        self.elsewhere: set[int] = set()  # campaigns another dialer process paces

    def try_acquire(self, campaign_id: int) -> bool:
        if campaign_id in self.elsewhere:
            return False
        self.held.add(campaign_id)
        return True

    def release(self, campaign_id: int) -> None:
        self.held.discard(campaign_id)

    def still_held(self, campaign_id: int) -> bool:
        return campaign_id in self.held

    def close(self) -> None:
        self.held.clear()


class NothingLeftOpen:
    def left_open(self, campaign_id: int) -> LeftOpen:
        return LeftOpen([], [])

    def register_states(self) -> dict[str, RegisterState]:
        return {}


class ManualClock:
    """Time that moves only when a test moves it."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = 0.0
        self.epoch = start

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def monotonic(self) -> float:
        return 1000.0 + self.t

    def time(self) -> float:
        return self.epoch + self.t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)


@dataclass
class Rig:
    service: DialerService
    repo: InMemoryRepository
    aris: dict[str, FakeAri]
    leases: FakeLeases
    clock: ManualClock

    @property
    def ari(self) -> FakeAri:
        return self.aris["default"]

    async def emit(self, event: Event) -> None:
        await self.service.calls.on_event(event)

    async def answer(self, channel_id: str, *args: str) -> None:
        """The channel entered the Stasis application (a softphone or a customer answered)."""
        await self.emit({"type": "StasisStart", "channel": {"id": channel_id}, "args": list(args)})

    async def hang_up(self, channel_id: str, cause: int = 16) -> None:
        await self.emit({"type": "ChannelDestroyed", "channel": {"id": channel_id}, "cause": cause})

    async def log_in(self, campaign_id: int, *logins: str) -> None:
        for login in logins:
            op = await self.service.login(campaign_id, login)
            await self.answer(op.channel_id, "agent", login)


def build(tmp_path: Path, servers: tuple[str, ...] = ("default",), max_lines: dict[str, int] | None = None) -> Rig:
    repo = InMemoryRepository()
    aris = {name: FakeAri() for name in servers}
    links = AsteriskLinks(
        [
            AsteriskLink(name, ari, FakeAmi(), (max_lines or {}).get(name), tmp_path / "spool")
            for name, ari in aris.items()
        ],
        servers[0],
    )
    leases, clock = FakeLeases(), ManualClock()
    service = DialerService(
        options=ServiceOptions(trunk="Local/{number}@x", recording_spool_dir=tmp_path / "spool"),
        links=links,
        repo=repo,
        db=InlineWorker(),
        leases=leases,
        open_work=NothingLeftOpen(),
        recording_store=LocalRecordingStore(tmp_path / "recordings"),
        node="test",
        clock=clock,
    )
    return Rig(service, repo, aris, leases, clock)
