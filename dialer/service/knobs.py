"""The one way pacing knobs change on a running campaign: through the jurisdiction clamp."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialer.pacing import PacingKnobs
from dialer.service.run_state import CampaignRun


@dataclass(frozen=True)
class KnobChange:
    requested: PacingKnobs  # what was asked for, all knobs
    effective: PacingKnobs  # what pacing uses from now on


def change_knobs(runs: Mapping[int, CampaignRun], campaign_id: int, requested: Mapping[str, Any]) -> KnobChange | None:
    """Apply an admin's (or a scheduler's) knob changes to a running campaign; None if it is not running
    here. Storing the change (history, audit) is the caller's: it knows who made it."""
    run = runs.get(campaign_id)
    if run is None:
        return None
    effective = run.config.change_knobs(requested)
    return KnobChange(run.config.requested_knobs, effective)
