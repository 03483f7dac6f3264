"""Whether a campaign's settings may run under its profile, checked before it starts. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from dialer.compliance.profiles import ComplianceProfile
from dialer.pacing.snapshot import DialingMode, PacingKnobs

#: The dialling mode of recorded messages without an operator (never allowed under RU and UK).
AGENTLESS = "agentless"


@dataclass(frozen=True, slots=True)
class DialSettings:
    """What of a campaign's configuration the profile constrains (from the Campaign row and knobs)."""

    mode: DialingMode | str
    ring_timeout_s: float
    connect_limit_s: float
    target_abandon_rate: float
    abandon_cap: float
    caller_id: str | None
    abandon_message: str | None
    amd_enabled: bool = False

    @classmethod
    def from_knobs(
        cls,
        knobs: PacingKnobs,
        *,
        ring_timeout_s: float,
        caller_id: str | None,
        abandon_message: str | None,
        amd_enabled: bool = False,
    ) -> DialSettings:
        return cls(
            knobs.mode,
            ring_timeout_s,
            knobs.connect_limit_s,
            knobs.target_abandon_rate,
            knobs.abandon_cap,
            caller_id,
            abandon_message,
            amd_enabled,
        )


@dataclass(frozen=True, slots=True)
class CampaignProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


_WITHHELD = {"anonymous", "private", "restricted", "unknown", "withheld"}


def validate_campaign(profile: ComplianceProfile, settings: DialSettings) -> list[CampaignProblem]:
    """Why this campaign may not start under `profile` (empty list: it may). Pass the effective rules."""
    problems: list[CampaignProblem] = []

    def bad(name: str, message: str) -> None:
        problems.append(CampaignProblem(name, message))

    code = profile.code
    if settings.ring_timeout_s < profile.min_ring_s:
        bad(
            "ring_timeout_s",
            f"{settings.ring_timeout_s:g} s is below the {code} minimum ring of {profile.min_ring_s:g} s",
        )
    if settings.connect_limit_s > profile.connect_limit_s:
        bad(
            "connect_limit_s",
            f"{settings.connect_limit_s:g} s is above the {code} limit of {profile.connect_limit_s:g} s",
        )
    if settings.abandon_cap > profile.abandon_cap:
        bad("abandon_cap", f"{settings.abandon_cap:.2%} is above the {code} cap of {profile.abandon_cap:.2%}")
    if settings.target_abandon_rate > min(profile.abandon_cap, settings.abandon_cap):
        bad("target_abandon_rate", f"{settings.target_abandon_rate:.2%} is above the abandon cap")
    if settings.target_abandon_rate > profile.target_abandon_rate:
        bad(
            "target_abandon_rate",
            f"{settings.target_abandon_rate:.2%} is above the {code} target of {profile.target_abandon_rate:.2%}",
        )
    caller_id = (settings.caller_id or "").strip()
    if profile.caller_id_required and (not caller_id or caller_id.lower() in _WITHHELD):
        bad("caller_id", f"{code}: a caller ID that can be called back must be presented")
    if profile.abandon_message_required and not (settings.abandon_message or "").strip():
        bad("abandon_message", f"{code}: a recorded message must be played on every abandoned call")
    if str(settings.mode) == AGENTLESS and not profile.allow_agentless:
        bad("mode", f"{code}: agentless dialling is not allowed")
    return problems
