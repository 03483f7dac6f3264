"""A campaign's live configuration under a jurisdiction profile: the profile bounds its pacing, and
settings the profile forbids keep it from dialling."""

from __future__ import annotations

from typing import Any

from dialer.db.models import Campaign
from dialer.rules.campaign import parse_campaign
from dialer.service import CampaignConfig


def _config(**extra: Any) -> CampaignConfig:
    data: dict[str, Any] = {
        "name": "c",
        "dial_string": "PJSIP/{number}@carrier",
        "compliance": {"profile": "US"},
        "dialing": {"mode": "predictive", "target_abandon_rate": 0.03},
        **extra,
    }
    d = parse_campaign(data)
    row = Campaign(
        id=1,
        name="c",
        dialing_mode=d.dialing.mode.value,
        caller_id=d.caller_id,
        dial_string=d.dial_string,
        amd_enabled=d.amd,
        record_calls=False,
        ring_timeout_s=float(d.ring_timeout_seconds),
        connect_limit_s=float(d.connect_limit_seconds),
        wrapup_s=15.0,
        max_lines=30,
        abandon_message="sound:sorry",
        definition=d.model_dump(mode="json"),
        pacing_overrides={},
    )
    return CampaignConfig.from_row(row, "Local/{number}@x")


def test_profile_bounds_pacing() -> None:
    c = _config(caller_id="+12025550100", ring_timeout_seconds=20, connect_limit_seconds=5)
    law = c.rules.compliance if c.rules else None
    assert law is not None
    assert c.knobs.abandon_cap == law.abandon_cap
    assert c.knobs.target_abandon_rate <= law.target_abandon_rate
    assert c.connect_limit_s == c.knobs.connect_limit_s == min(5.0, law.connect_limit_s)


def test_forbidden_settings_are_named() -> None:
    bad = _config(ring_timeout_seconds=10)  # no caller id, rings shorter than the profile's minimum
    problems = " | ".join(bad.compliance_problems())
    assert "caller" in problems and "ring" in problems
    assert _config(caller_id="+12025550100", ring_timeout_seconds=20).compliance_problems() == []


def test_no_profile_no_problems() -> None:
    d = parse_campaign({"name": "c", "dial_string": "PJSIP/{number}@carrier"})
    row = Campaign(
        id=1,
        name="c",
        dialing_mode="progressive",
        caller_id=None,
        dial_string=d.dial_string,
        amd_enabled=False,
        record_calls=False,
        ring_timeout_s=5.0,
        connect_limit_s=2.0,
        wrapup_s=1.0,
        max_lines=3,
        abandon_message="sound:sorry",
        definition=d.model_dump(mode="json"),
        pacing_overrides={},
    )
    assert CampaignConfig.from_row(row, "Local/{number}@x").compliance_problems() == []
