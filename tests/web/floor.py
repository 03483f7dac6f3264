"""A stand-in for the live service's read model: a floor that tests can change while a page watches it.

The web app reads the live side only through `service.view`, so a FakeFloor with the same read methods
is all a page test needs (no Asterisk)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dialer.pacing import OperatorState, PacingKnobs
from dialer.service.read_model import AbandonWindowView, CampaignView, OperatorView


@dataclass
class FakeFloor:
    campaign_id: int
    name: str
    operators: dict[str, tuple[OperatorState | None, float, int | None]] = field(default_factory=dict)
    calls_by_stage: dict[str, int] = field(default_factory=dict)
    blended: bool = False  # the running copy takes inbound calls

    def campaigns(self) -> list[CampaignView]:
        return [self._view()]

    def campaign(self, campaign_id: int) -> CampaignView | None:
        return self._view() if campaign_id == self.campaign_id else None

    def operator(self, login: str) -> tuple[int, OperatorView] | None:
        if login not in self.operators:
            return None
        state, since, attempt = self.operators[login]
        return self.campaign_id, OperatorView(login, state, since, attempt, "lab")

    def set_operator(self, login: str, state: OperatorState | None, for_s: float = 0.0) -> None:
        self.operators[login] = (state, time.monotonic() - for_s, None)

    def _view(self) -> CampaignView:
        knobs = PacingKnobs(target_abandon_rate=0.03)
        return CampaignView(
            campaign_id=self.campaign_id,
            name=self.name,
            record="all",
            wrapup_s=10.0,
            requested_knobs=knobs,
            knobs=knobs,
            calls_by_stage=dict(self.calls_by_stage),
            operators=tuple(OperatorView(k, s, t, a, "lab") for k, (s, t, a) in sorted(self.operators.items())),
            dialled=0,
            answered=0,
            abandoned=0,
            failed_originations=0,
            abandon_windows=(AbandonWindowView("day", 0, 0),),
            last_decision=None,
            blended=self.blended,
        )


@dataclass
class FakeService:
    """What the web app uses of the live service: `view`, and the knob changes it records."""

    view: FakeFloor
    knob_changes: list[tuple[int, dict[str, object]]] = field(default_factory=list)

    def change_knobs(self, campaign_id: int, changes: dict[str, object]) -> None:
        self.knob_changes.append((campaign_id, dict(changes)))
