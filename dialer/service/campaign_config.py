"""A running campaign's configuration and the jurisdiction clamp on its pacing. Pure: no I/O.

The clamp is the one rule here: whatever an admin or a campaign file *requests*, the pacing decision uses
the jurisdiction's cap and never a laxer target or connect limit. It applies to every knob change, live or
at start, because `CampaignConfig.knobs` is always computed from the requested knobs through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from dialer.campaigns import campaign_knobs
from dialer.compliance.abandons import ConnectRule, campaign_connect_rule
from dialer.compliance.checks import DialSettings, validate_campaign
from dialer.compliance.profiles import ComplianceProfile
from dialer.db.models import Campaign
from dialer.pacing import DialingMode, PacingKnobs
from dialer.rules.campaign import parse_campaign
from dialer.rules.campaign_rules import CampaignRules
from dialer.rules.connect_strategy import ConnectStrategy
from dialer.rules.inbound_spec import INBOUND_KNOBS, InboundSpec

KNOB_NAMES = frozenset(f.name for f in fields(PacingKnobs))


def clamp_to_profile(requested: PacingKnobs, law: ComplianceProfile | None) -> PacingKnobs:
    """The knobs pacing uses: the jurisdiction bounds them (its cap, never a laxer target or limit)."""
    if law is None:
        return requested
    return replace(
        requested,
        abandon_cap=law.abandon_cap,
        target_abandon_rate=min(requested.target_abandon_rate, law.target_abandon_rate),
        connect_limit_s=min(requested.connect_limit_s, law.connect_limit_s),
    )


def with_changes(knobs: PacingKnobs, changes: Mapping[str, Any]) -> PacingKnobs:
    """`knobs` with `changes` applied (a mode may be given by name); an unknown knob is refused by name."""
    unknown = sorted(set(changes) - KNOB_NAMES)
    if unknown:
        raise ValueError(f"unknown pacing knob(s): {', '.join(unknown)}")
    values: dict[str, Any] = {
        k: (DialingMode(v) if k == "mode" and not isinstance(v, DialingMode) else v) for k, v in changes.items()
    }
    return replace(knobs, **values)


class CampaignNotCompliant(ValueError):
    """The campaign's settings break its jurisdiction profile: it may not dial until they are fixed."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"campaign {name!r} may not dial: " + "; ".join(problems))


@dataclass
class CampaignConfig:
    """The operational settings of a running campaign, read from its database row.

    `requested_knobs` is what the campaign file and the admin asked for; `knobs` is what pacing uses.
    """

    campaign_id: int
    name: str
    dial_string: str
    caller_id: str | None
    amd: bool
    record: str  # all | none | on_demand
    ring_timeout_s: float
    connect_limit_s: float
    wrapup_s: float
    abandon_message: str
    requested_knobs: PacingKnobs
    rules: CampaignRules | None = None  # retries, windows, callbacks, DNC (None: dial each contact once)
    inbound: InboundSpec | None = None  # the campaign takes calls on its numbers: blended pacing

    @property
    def law(self) -> ComplianceProfile | None:
        return self.rules.compliance if self.rules is not None else None

    @property
    def knobs(self) -> PacingKnobs:
        """The effective knobs: the requested ones through the jurisdiction clamp."""
        return clamp_to_profile(self.requested_knobs, self.law)

    @property
    def connect_strategy(self) -> ConnectStrategy:
        """How an answered call reaches an operator (the campaign file's `connect_strategy`; a campaign
        without a file: its `amd` flag)."""
        if self.rules is not None:
            return self.rules.connect_strategy
        return ConnectStrategy.from_amd_flag(self.amd)

    @property
    def connect_rule(self) -> ConnectRule:
        """The one abandon rule the connect guard and the pacing ledger apply (the report applies the
        same): the tighter of the campaign's and the profile's limit, from the profile's clock."""
        limit = min(self.connect_limit_s, self.knobs.connect_limit_s)
        machines = self.knobs.machines_count_as_abandons
        if self.rules is not None:
            rule = self.rules.abandon_rule(limit)
            return replace(rule, machines_count_as_abandons=rule.machines_count_as_abandons or machines)
        return campaign_connect_rule(None, connect_limit_s=limit, machines_count_as_abandons=machines)

    def change_knobs(self, changes: Mapping[str, Any]) -> PacingKnobs:
        """Apply requested changes (live or at start); returns the effective knobs. The inbound target's
        knobs (`INBOUND_KNOBS`) change the inbound section, which blended pacing reads at every decision."""
        target = {k: v for k, v in changes.items() if k in INBOUND_KNOBS}
        if target:
            if self.inbound is None:
                raise ValueError(f"campaign {self.name!r} takes no inbound calls: {', '.join(sorted(target))}")
            self.inbound = self.inbound.with_overrides(target)
        self.requested_knobs = with_changes(
            self.requested_knobs, {k: v for k, v in changes.items() if k not in INBOUND_KNOBS}
        )
        return self.knobs

    @classmethod
    def from_row(cls, c: Campaign, trunk: str) -> CampaignConfig:
        definition = parse_campaign(c.definition, c.name) if c.definition else None
        rules = CampaignRules.from_definition(definition) if definition is not None else None
        requested = campaign_knobs(c)
        law = rules.compliance if rules is not None else None
        connect_limit_s = c.connect_limit_s
        if law is not None:  # the campaign's own limit, bounded by the jurisdiction's
            requested = replace(requested, connect_limit_s=c.connect_limit_s)
            connect_limit_s = min(connect_limit_s, law.connect_limit_s)
        return cls(
            campaign_id=c.id,
            name=c.name,
            dial_string=c.dial_string or trunk,
            caller_id=c.caller_id,
            amd=c.amd_enabled,
            record=definition.recording if definition is not None else ("all" if c.record_calls else "none"),
            ring_timeout_s=c.ring_timeout_s,
            connect_limit_s=connect_limit_s,
            wrapup_s=c.wrapup_s,
            abandon_message=c.abandon_message,
            requested_knobs=requested,
            rules=rules,
            inbound=(
                definition.inbound.with_overrides(c.pacing_overrides or {})
                if definition is not None and definition.inbound is not None
                else None
            ),
        )

    def compliance_problems(self) -> list[str]:
        """What its jurisdiction profile forbids in the campaign's settings (empty: may dial)."""
        law = self.law
        if law is None:
            return []
        settings = DialSettings.from_knobs(
            self.knobs,
            ring_timeout_s=self.ring_timeout_s,
            caller_id=self.caller_id,
            abandon_message=self.abandon_message,
            amd_enabled=self.amd,
        )
        return [str(p) for p in validate_campaign(law, settings)]


def requested_and_effective(c: Campaign) -> tuple[PacingKnobs, PacingKnobs]:
    """A campaign row's knobs as requested (definition + admin overrides) and as pacing uses them."""
    config = CampaignConfig.from_row(c, trunk="")
    return config.requested_knobs, config.knobs


def inbound_of(c: Campaign) -> InboundSpec | None:
    """A campaign row's inbound section as blended pacing uses it (the file's, with the admin's target on
    top); None for an outbound-only campaign."""
    return CampaignConfig.from_row(c, trunk="").inbound
