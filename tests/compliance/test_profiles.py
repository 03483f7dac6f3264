"""Profiles carry the issue's rules; a campaign tightens freely and loosens only with a logged override."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.compliance.profiles import (
    PROFILES,
    RU,
    RU_COLLECTION,
    UK,
    US,
    AbandonPeriod,
    ComplianceProfile,
    ComplianceSettingError,
    FrequencyBasis,
    Jurisdiction,
    Override,
    effective_rules,
    is_looser,
    profile,
)
from dialer.pacing.snapshot import DialingMode
from dialer.rules.windows import TimeRange


def _range(text: str) -> tuple[TimeRange, ...]:
    return (TimeRange.parse(text),)


def test_us_profile() -> None:
    assert (US.abandon_cap, US.abandon_period) == (0.03, AbandonPeriod.ROLLING_30_DAYS)
    assert (US.connect_limit_s, US.min_ring_s) == (2.0, 15.0)
    assert all(US.calling_hours[d] == _range("08:00-21:00") for d in range(7))
    assert US.caller_id_required and US.abandon_message_required and US.dnc_immediate
    assert not US.count_amd_false_positives and US.abandon_redial_lockout is None


def test_uk_profile() -> None:
    assert UK.abandon_period is AbandonPeriod.CALENDAR_DAY
    assert UK.target_abandon_rate < 0.03 and UK.abandon_cap == 0.03
    assert UK.count_amd_false_positives and UK.amd_false_positive_rate > 0
    assert UK.abandon_redial_lockout == dt.timedelta(hours=72)
    assert UK.lockout_exempt_modes == {DialingMode.PREVIEW, DialingMode.PROGRESSIVE}
    assert (UK.connect_limit_s, UK.min_ring_s) == (2.0, 15.0)
    assert UK.caller_id_required and UK.abandon_message_required and UK.national_register_screening


def test_ru_profiles() -> None:
    assert RU.consent_required and not RU.allow_agentless and RU.dnc_immediate
    assert not RU_COLLECTION.allow_agentless
    for d in range(5):
        assert RU_COLLECTION.calling_hours[d] == _range("08:00-22:00")
    for d in (5, 6):
        assert RU_COLLECTION.calling_hours[d] == _range("09:00-20:00")
    assert (RU_COLLECTION.max_calls_per_day, RU_COLLECTION.max_calls_per_week, RU_COLLECTION.max_calls_per_month) == (
        1,
        2,
        8,
    )
    assert RU_COLLECTION.frequency_basis is FrequencyBasis.DIALS


def test_every_profile_cites_its_sources_and_is_looked_up_by_code() -> None:
    for code, p in PROFILES.items():
        assert profile(code.value.lower()) is p
        assert "abandon_cap" in p.sources and "calling_hours" in p.sources
    assert profile(Jurisdiction.UK) is UK
    with pytest.raises(ValueError, match="unknown compliance profile"):
        profile("FR")


def test_profile_validates_itself() -> None:
    import dataclasses

    with pytest.raises(ValueError, match="target_abandon_rate"):
        dataclasses.replace(US, target_abandon_rate=0.05)


# --- stricter, never looser ----------------------------------------------------------------------


def test_tightening_is_free_and_listed() -> None:
    eff = effective_rules(
        US,
        {
            "target_abandon_rate": 0.01,
            "connect_limit_s": 1.5,
            "min_ring_s": 20,
            "max_calls_per_day": 2,
            "calling_hours": {d: ["09:00-20:00"] for d in range(5)},
            "abandon_period": "calendar_day",
            "abandon_redial_lockout": 72 * 3600,
        },
    )
    r = eff.rules
    assert r.target_abandon_rate == 0.01 and r.connect_limit_s == 1.5 and r.min_ring_s == 20
    assert r.max_calls_per_day == 2 and 5 not in r.calling_hours
    assert r.abandon_period is AbandonPeriod.CALENDAR_DAY
    assert r.abandon_redial_lockout == dt.timedelta(hours=72)
    assert eff.overrides == () and eff.overrides_to_log() == []
    assert set(eff.tightened) >= {"target_abandon_rate", "connect_limit_s", "max_calls_per_day"}
    assert eff.base is US and US.connect_limit_s == 2.0  # the profile itself is untouched


@pytest.mark.parametrize(
    ("base", "field", "value"),
    [
        (US, "connect_limit_s", 3.0),
        (US, "abandon_cap", 0.05),
        (US, "min_ring_s", 10),
        (US, "calling_hours", {0: ["07:30-21:00"]}),
        (US, "caller_id_required", False),
        (UK, "abandon_period", "rolling_30_days"),
        (UK, "count_amd_false_positives", False),
        (UK, "amd_false_positive_rate", 0.01),
        (UK, "abandon_redial_lockout", None),
        (UK, "abandon_redial_lockout", 24 * 3600),
        (UK, "lockout_exempt_modes", ["preview", "progressive", "predictive"]),
        (UK, "target_abandon_rate", 0.025),
        (RU, "consent_required", False),
        (RU, "allow_agentless", True),
        (RU_COLLECTION, "max_calls_per_day", 2),
        (RU_COLLECTION, "max_calls_per_month", None),
        (RU_COLLECTION, "frequency_basis", "live_answers"),
        (RU_COLLECTION, "calling_hours", {5: ["08:00-20:00"]}),
    ],
)
def test_loosening_without_override_is_refused_naming_the_field(
    base: ComplianceProfile, field: str, value: object
) -> None:
    with pytest.raises(ComplianceSettingError, match=rf"compliance\.{field}: .*looser") as exc:
        effective_rules(base, {field: value})
    assert exc.value.field == field


def test_loosening_with_override_is_applied_and_returned_for_the_log() -> None:
    eff = effective_rules(
        RU_COLLECTION,
        {"min_ring_s": 25},
        [Override("frequency_basis", "live_answers", "legal: 230-FZ counts interactions", by="lawyer@x")],
    )
    assert eff.rules.frequency_basis is FrequencyBasis.LIVE_ANSWERS and eff.rules.min_ring_s == 25
    assert eff.tightened == ("min_ring_s",)
    [log] = eff.overrides_to_log()
    assert log == {
        "field": "frequency_basis",
        "profile_value": "dials",
        "value": "live_answers",
        "reason": "legal: 230-FZ counts interactions",
        "by": "lawyer@x",
        "loosens": True,
    }


def test_override_needs_a_reason_and_a_known_field() -> None:
    with pytest.raises(ComplianceSettingError, match=r"compliance\.connect_limit_s: an override needs a reason"):
        effective_rules(US, {}, [Override("connect_limit_s", 3.0, "  ")])
    with pytest.raises(ComplianceSettingError, match=r"compliance\.code: is not a compliance setting"):
        effective_rules(US, {"code": "UK"})
    with pytest.raises(ComplianceSettingError, match="overridden twice"):
        effective_rules(US, {}, [Override("min_ring_s", 10, "a"), Override("min_ring_s", 12, "b")])
    with pytest.raises(ComplianceSettingError, match="overridden with another value"):
        effective_rules(US, {"min_ring_s": 20}, [Override("min_ring_s", 10, "test line")])


def test_a_stricter_value_given_as_override_is_still_logged() -> None:
    eff = effective_rules(US, {}, [Override("min_ring_s", 20, "customer asked")])
    assert eff.rules.min_ring_s == 20
    assert eff.overrides_to_log()[0]["loosens"] is False


def test_inconsistent_result_names_a_field() -> None:
    with pytest.raises(ComplianceSettingError, match="target_abandon_rate <= abandon_cap"):
        effective_rules(US, {"abandon_cap": 0.01})  # the default target 3% is now above the cap
    assert effective_rules(US, {"abandon_cap": 0.01, "target_abandon_rate": 0.01}).rules.abandon_cap == 0.01


def test_is_looser_directions() -> None:
    assert is_looser("max_calls_per_week", None, 3) is False
    assert is_looser("max_calls_per_week", 2, None)
    assert not is_looser("consent_max_age", None, dt.timedelta(days=365))
    assert is_looser("consent_max_age", dt.timedelta(days=365), None)
    assert not is_looser("lockout_exempt_modes", UK.lockout_exempt_modes, frozenset({DialingMode.PREVIEW}))


def test_compliance_section_of_a_campaign_file() -> None:
    from dialer.compliance.profiles import compliance_from_config

    eff = compliance_from_config(
        {
            "profile": "uk",
            "settings": {
                "target_abandon_rate": 0.015,
                "calling_hours": {"mon-fri": "09:00-20:00", "sat": "10:00-16:00", "sun": None},
                "consent_max_age": "365d",
            },
            "overrides": [{"field": "min_ring_s", "value": 12, "reason": "carrier drops at 12 s", "by": "ops"}],
        }
    )
    r = eff.rules
    assert r.code == "UK" and r.target_abandon_rate == 0.015 and r.min_ring_s == 12
    assert r.calling_hours[0] == _range("09:00-20:00") and r.calling_hours[5] == _range("10:00-16:00")
    assert 6 not in r.calling_hours and r.consent_max_age == dt.timedelta(days=365)
    assert [o["field"] for o in eff.overrides_to_log()] == ["min_ring_s"]
    with pytest.raises(ComplianceSettingError, match=r"compliance\.profile: a campaign must pick"):
        compliance_from_config({"settings": {}})
    with pytest.raises(ComplianceSettingError, match=r"compliance\.min_ring_s: override lacks \['reason'\]"):
        compliance_from_config({"profile": "US", "overrides": [{"field": "min_ring_s", "value": 10}]})
    with pytest.raises(ComplianceSettingError, match=r"compliance\.setings: unknown key"):
        compliance_from_config({"profile": "US", "setings": {}})
    with pytest.raises(ComplianceSettingError, match=r"compliance\.calling_hours: .*looser"):
        compliance_from_config({"profile": "RU_COLLECTION", "settings": {"calling_hours": {"weekend": "08:00-20:00"}}})
