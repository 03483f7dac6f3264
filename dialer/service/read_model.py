"""The read model of the live service: frozen views of the floor for the web app and /metrics.

Readers never touch the live objects (a view is a copy taken at one moment), so the web app cannot change
a run by accident and the live side can change its internals without breaking a page."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dialer.pacing import OperatorState, PacingDecision, PacingKnobs
from dialer.service.links import AsteriskLink
from dialer.service.ports import DatabaseWorker
from dialer.service.run_state import CampaignRun

CALL_STAGES = ("dialing", "ringing", "answered", "waiting", "bridged", "abandoning", "machine")
OPERATOR_STATES = ("connecting", "ready", "on_call", "wrap_up", "paused")


@dataclass(frozen=True)
class OperatorView:
    login: str
    state: OperatorState | None  # None: their softphone is being called
    since: float  # monotonic time they entered the state
    attempt_id: int | None  # the call they are on or wrapping up
    server: str

    @property
    def state_name(self) -> str:
        return self.state.value if self.state is not None else "connecting"


@dataclass(frozen=True)
class AbandonWindowView:
    name: str
    answered: int
    abandoned: int

    @property
    def rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class CampaignView:
    campaign_id: int
    name: str
    record: str  # all | none | on_demand
    wrapup_s: float
    requested_knobs: PacingKnobs  # what the campaign file and the admin asked for
    knobs: PacingKnobs  # what pacing uses (through the jurisdiction clamp)
    calls_by_stage: Mapping[str, int]
    operators: tuple[OperatorView, ...]
    dialled: int
    answered: int
    abandoned: int
    failed_originations: int
    abandon_windows: tuple[AbandonWindowView, ...]
    last_decision: str | None
    decision: PacingDecision | None = None  # the same decision, whole (the web app puts it into words)
    # the running copy takes inbound calls (its file had `inbound:` when it started): only then can the
    # admin's change of the inbound target reach it
    blended: bool = False

    @property
    def calls_in_flight(self) -> int:
        return sum(self.calls_by_stage.values())

    @property
    def operators_by_state(self) -> dict[str, int]:
        return dict(Counter(o.state_name for o in self.operators))

    @property
    def available_operators(self) -> int:
        """Logged in and not paused (ready, on a call or wrapping up)."""
        return sum(1 for o in self.operators if o.state is not None and o.state is not OperatorState.PAUSED)

    @property
    def lines_per_operator(self) -> float:
        available = self.available_operators
        return self.calls_in_flight / available if available else 0.0


@dataclass(frozen=True)
class ServerView:
    name: str
    up: bool
    reconnects: int
    max_lines: int | None
    lines: int  # customer calls this process has on it, all campaigns


@dataclass(frozen=True)
class DatabaseView:
    available: bool
    outages: int
    queue_depth: int


class ReadModel:
    def __init__(
        self,
        runs: Mapping[int, CampaignRun],
        links: Mapping[str, AsteriskLink] | None = None,
        db: DatabaseWorker | None = None,
        wall_clock: Callable[[], float] | None = None,
    ) -> None:
        self._runs = runs
        self._links = links or {}
        self._db = db
        self._wall = wall_clock or time.time

    def campaigns(self) -> list[CampaignView]:
        """Every campaign this process dials (or has open), by id."""
        return [self._campaign(run) for _, run in sorted(self._runs.items())]

    def campaign(self, campaign_id: int) -> CampaignView | None:
        run = self._runs.get(campaign_id)
        return self._campaign(run) if run is not None else None

    def operator(self, login: str) -> tuple[int, OperatorView] | None:
        """The campaign an operator is logged in to here, and their live state."""
        for campaign_id, run in self._runs.items():
            op = run.floor.operator_by_login(login)
            if op is not None:
                return campaign_id, OperatorView(op.login, op.state, op.since, op.attempt_id, op.server)
        return None

    def servers(self) -> list[ServerView]:
        return [
            ServerView(
                name,
                link.up,
                link.ari.reconnects,
                link.max_lines,
                sum(run.floor.lines_on(name) for run in self._runs.values()),
            )
            for name, link in self._links.items()
        ]

    def database(self) -> DatabaseView | None:
        if self._db is None:
            return None
        return DatabaseView(self._db.available, self._db.outages, self._db.queue_depth)

    def _campaign(self, run: CampaignRun) -> CampaignView:
        stages = Counter(c.stage.value for c in run.floor.calls.values())
        return CampaignView(
            campaign_id=run.config.campaign_id,
            name=run.config.name,
            record=run.config.record,
            wrapup_s=run.config.wrapup_s,
            requested_knobs=run.config.requested_knobs,
            knobs=run.config.knobs,
            calls_by_stage=dict(stages),
            operators=tuple(
                OperatorView(o.login, o.state, o.since, o.attempt_id, o.server) for o in run.floor.operators.values()
            ),
            dialled=run.dialled,
            answered=run.answered,
            abandoned=run.abandoned,
            failed_originations=run.failed_originations,
            abandon_windows=tuple(
                AbandonWindowView(w.name, w.answered, w.abandoned) for w in run.ledger.windows(self._wall())
            ),
            last_decision=run.last_decision.reason if run.last_decision is not None else None,
            decision=run.last_decision,
            blended=run.config.inbound is not None,
        )
