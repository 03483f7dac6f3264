"""Pre-dial checks on the pure core: consent, hours with DST and weekends, frequency caps in the
callee's calendar, the 72 h lockout, the combined verdict and campaign settings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.compliance.checks import (
    ComplianceBlock,
    Consent,
    DialSettings,
    compliance_check,
    consent_from_fields,
    consent_ok,
    frequency_counted,
    frequency_ok,
    hours_ok,
    profile_windows,
    redial_after_abandon_ok,
    validate_campaign,
)
from dialer.compliance.profiles import RU, RU_COLLECTION, UK, US, Override, effective_rules
from dialer.pacing.snapshot import DialingMode, PacingKnobs
from dialer.rules.windows import CallingWindows, TimeRange

UTC = dt.UTC
NY = "America/New_York"
LONDON = "Europe/London"
VLAD = "Asia/Vladivostok"  # UTC+10, no DST


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC)


def local(zone: str, y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    """A wall-clock time in `zone` (fold=0 in an autumn overlap), as a UTC instant."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(zone)).astimezone(UTC)


# --- consent -------------------------------------------------------------------------------------

NOW = utc(2026, 11, 24, 8, 0)


def test_consent_not_needed_outside_consent_profiles() -> None:
    assert consent_ok(None, US, NOW)
    assert consent_ok(None, RU_COLLECTION, NOW)


def test_consent_missing_expired_revoked_future() -> None:
    given = utc(2026, 1, 10)
    assert consent_ok(Consent("web form #12", given), RU, NOW)
    v = consent_ok(None, RU, NOW)
    assert not v and v.reason is ComplianceBlock.NO_CONSENT and v.retry_at is None
    assert consent_ok(Consent("  ", given), RU, NOW).reason is ComplianceBlock.NO_CONSENT
    assert consent_ok(Consent("web", NOW + dt.timedelta(days=1)), RU, NOW).reason is ComplianceBlock.NO_CONSENT
    expired = Consent("web", given, expires_at=NOW)
    assert consent_ok(expired, RU, NOW).reason is ComplianceBlock.CONSENT_EXPIRED
    assert consent_ok(expired, RU, NOW - dt.timedelta(seconds=1))
    revoked = Consent("web", given, revoked_at=utc(2026, 5, 1))
    assert consent_ok(revoked, RU, NOW).reason is ComplianceBlock.CONSENT_REVOKED
    assert consent_ok(revoked, RU, utc(2026, 4, 30))


def test_consent_max_age_when_a_campaign_tightens_it() -> None:
    rules = effective_rules(RU, {"consent_max_age": 365 * 86400}).rules
    assert consent_ok(Consent("call", utc(2025, 11, 25)), rules, NOW)
    assert consent_ok(Consent("call", utc(2025, 11, 24, 8)), rules, NOW).reason is ComplianceBlock.CONSENT_EXPIRED


def test_consent_from_import_fields() -> None:
    assert consent_from_fields({}) is None
    assert consent_from_fields({"consent_source": "site", "consent_date": ""}) is None
    c = consent_from_fields({"consent_source": "site", "consent_date": "2026-03-01", "consent_expires": "2027-03-01"})
    assert c == Consent("site", utc(2026, 3, 1), expires_at=utc(2027, 3, 1))
    c2 = consent_from_fields({"consent_source": "call", "consent_date": "2026-03-01T10:00+03:00"})
    assert c2 is not None and c2.given_at == utc(2026, 3, 1, 7)
    with pytest.raises(ValueError, match="not an ISO date"):
        consent_from_fields({"consent_source": "x", "consent_date": "01.03.2026"})


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        consent_ok(None, RU, dt.datetime(2026, 1, 1))


# --- calling hours --------------------------------------------------------------------------------


def test_us_hours_on_the_march_switch_day_in_new_york() -> None:
    # 2026-03-08: clocks go 02:00 EST -> 03:00 EDT; 08:00 EDT = 12:00 UTC (it was 13:00 UTC the day before)
    assert not hours_ok(NY, US, utc(2026, 3, 8, 11, 59))
    assert hours_ok(NY, US, utc(2026, 3, 8, 12, 0))
    v = hours_ok(NY, US, utc(2026, 3, 8, 11, 0))
    assert v.reason is ComplianceBlock.OUTSIDE_HOURS and v.retry_at == utc(2026, 3, 8, 12, 0)
    assert not hours_ok(NY, US, utc(2026, 3, 7, 12, 30))  # 07:30 EST the day before
    # 21:00 EDT = 01:00 UTC the next day
    assert hours_ok(NY, US, utc(2026, 3, 9, 0, 59))
    assert not hours_ok(NY, US, utc(2026, 3, 9, 1, 0))


def test_us_hours_on_the_november_switch_day_in_new_york() -> None:
    # 2026-11-01: 02:00 EDT -> 01:00 EST; 08:00 EST = 13:00 UTC
    assert not hours_ok(NY, US, utc(2026, 11, 1, 12, 30))  # 07:30 EST (would be 08:30 EDT)
    assert hours_ok(NY, US, utc(2026, 11, 1, 13, 0))
    assert hours_ok(NY, US, utc(2026, 11, 2, 1, 59))  # 20:59 EST
    assert not hours_ok(NY, US, utc(2026, 11, 2, 2, 0))
    assert hours_ok(NY, US, utc(2026, 11, 1, 0, 30))  # 20:30 EDT on Oct 31


def test_uk_hours_across_bst() -> None:
    # BST from 2026-03-29 01:00 UTC: 08:00 BST = 07:00 UTC; before it 08:00 GMT = 08:00 UTC
    assert not hours_ok(LONDON, UK, utc(2026, 3, 28, 7, 30))
    assert hours_ok(LONDON, UK, utc(2026, 3, 29, 7, 0))
    assert hours_ok(LONDON, UK, utc(2026, 10, 25, 8, 0))  # back on GMT
    assert not hours_ok(LONDON, UK, utc(2026, 10, 25, 7, 30))


def test_ru_collection_weekday_and_weekend_hours_in_vladivostok() -> None:
    # Fri 2026-11-27 21:30 local: weekday, until 22:00
    assert hours_ok(VLAD, RU_COLLECTION, local(VLAD, 2026, 11, 27, 21, 30))
    assert not hours_ok(VLAD, RU_COLLECTION, local(VLAD, 2026, 11, 27, 22, 0))
    # Sat 08:30 local is too early at the weekend (fine on a weekday)
    assert not hours_ok(VLAD, RU_COLLECTION, local(VLAD, 2026, 11, 28, 8, 30))
    assert hours_ok(VLAD, RU_COLLECTION, local(VLAD, 2026, 11, 30, 8, 30))
    # Sat 20:30 local: over; next is Sunday 09:00 local = Sat 23:00 UTC
    v = hours_ok(VLAD, RU_COLLECTION, local(VLAD, 2026, 11, 28, 20, 30))
    assert v.reason is ComplianceBlock.OUTSIDE_HOURS and v.retry_at == utc(2026, 11, 28, 23, 0)


def test_profile_hours_intersect_the_campaign_windows() -> None:
    campaign = CallingWindows(
        {d: (TimeRange.parse("07:00-12:00"), TimeRange.parse("13:00-23:00")) for d in range(5)},
        holidays=frozenset({dt.date(2026, 11, 26)}),
    )
    w = profile_windows(US, campaign)
    assert w.weekly[0] == (TimeRange.parse("08:00-12:00"), TimeRange.parse("13:00-21:00"))
    assert 5 not in w.weekly and w.holidays == campaign.holidays
    assert not hours_ok(NY, US, local(NY, 2026, 11, 23, 7, 30), campaign)  # campaign yes, profile no
    assert not hours_ok(NY, US, local(NY, 2026, 11, 23, 12, 30), campaign)  # profile yes, campaign no
    assert hours_ok(NY, US, local(NY, 2026, 11, 23, 13, 30), campaign)
    v = hours_ok(NY, US, local(NY, 2026, 11, 25, 21, 30), campaign)  # Wed evening; Thu is a holiday
    assert v.retry_at == local(NY, 2026, 11, 27, 8, 0)


def test_unknown_or_ambiguous_zone() -> None:
    v = hours_ok(None, US, NOW)
    assert v.reason is ComplianceBlock.NO_HOURS and v.retry_at is None
    # candidate zones: must be in the window in all of them (08:00 in LA = 11:00 in NY)
    both = ("America/New_York", "America/Los_Angeles")
    assert not hours_ok(both, US, local(NY, 2026, 11, 23, 9, 0))
    assert hours_ok(both, US, local(NY, 2026, 11, 23, 11, 0))


# --- frequency caps --------------------------------------------------------------------------------


def test_day_cap_counts_the_callee_local_day_not_utc() -> None:
    prev = [local(VLAD, 2026, 11, 23, 9, 0)]  # Sunday 23:00 UTC
    v = frequency_ok(prev, RU_COLLECTION, local(VLAD, 2026, 11, 23, 11, 0), VLAD)  # Monday 01:00 UTC
    assert v.reason is ComplianceBlock.FREQUENCY_DAY
    assert v.retry_at == local(VLAD, 2026, 11, 24, 0, 0)
    # same UTC day, different local days: allowed
    prev = [local(VLAD, 2026, 11, 22, 23, 30)]  # Sunday 13:30 UTC
    assert frequency_ok(prev, RU_COLLECTION, local(VLAD, 2026, 11, 23, 8, 30), VLAD)  # Sunday 22:30 UTC


def test_week_cap_monday_to_sunday_local() -> None:
    prev = [local(VLAD, 2026, 11, 23, 10, 0), local(VLAD, 2026, 11, 24, 10, 0)]  # Mon, Tue
    v = frequency_ok(prev, RU_COLLECTION, local(VLAD, 2026, 11, 25, 10, 0), VLAD)
    assert v.reason is ComplianceBlock.FREQUENCY_WEEK and v.retry_at == local(VLAD, 2026, 11, 30, 0, 0)
    # on Tuesday itself the day cap trips first, but the retry waits for the new week
    v = frequency_ok(prev, RU_COLLECTION, local(VLAD, 2026, 11, 24, 12, 0), VLAD)
    assert v.reason is ComplianceBlock.FREQUENCY_DAY and v.retry_at == local(VLAD, 2026, 11, 30, 0, 0)
    # Sat + Sun local, then Monday 08:30 local: a new local week although UTC is still Sunday
    prev = [local(VLAD, 2026, 11, 28, 10, 0), local(VLAD, 2026, 11, 29, 9, 30)]
    monday = local(VLAD, 2026, 11, 30, 8, 30)
    assert monday.weekday() == 6  # Sunday in UTC
    assert frequency_ok(prev, RU_COLLECTION, monday, VLAD)


def test_month_cap_calendar_month_local() -> None:
    # two calls in each full week of November 2026 (weeks from Mon 2, 9, 16, 23) = 8
    prev = [local(VLAD, 2026, 11, day, 10, 0) for week in (2, 9, 16, 23) for day in (week, week + 1)]
    v = frequency_ok(prev, RU_COLLECTION, local(VLAD, 2026, 11, 30, 10, 0), VLAD)  # Monday: new week
    assert v.reason is ComplianceBlock.FREQUENCY_MONTH
    assert v.retry_at == local(VLAD, 2026, 12, 1, 0, 0) == utc(2026, 11, 30, 14, 0)
    assert frequency_ok(prev, RU_COLLECTION, local(VLAD, 2026, 12, 1, 8, 0), VLAD)  # Nov 30 22:00 UTC


def test_day_cap_on_the_23_and_25_hour_days_in_new_york() -> None:
    rules = effective_rules(US, {"max_calls_per_day": 1}).rules
    # 2026-11-01 has 25 hours: 00:30 EDT and 23:30 EST are 24 h apart but the same local day
    first = local(NY, 2026, 11, 1, 0, 30)
    last = local(NY, 2026, 11, 1, 23, 30)
    assert last - first == dt.timedelta(hours=24)
    v = frequency_ok([first], rules, last, NY)
    assert v.reason is ComplianceBlock.FREQUENCY_DAY and v.retry_at == local(NY, 2026, 11, 2, 0, 0)
    # 2026-03-08 has 23 hours: next local midnight is 04:00 UTC (EDT)
    v = frequency_ok([local(NY, 2026, 3, 8, 0, 30)], rules, local(NY, 2026, 3, 8, 23, 30), NY)
    assert v.retry_at == utc(2026, 3, 9, 4, 0)


def test_no_caps_no_block_and_ambiguous_zones_count_in_each() -> None:
    many = [NOW - dt.timedelta(minutes=i) for i in range(1, 50)]
    assert frequency_ok(many, US, NOW, NY)
    # 23:30 in Moscow is already the next day in Vladivostok; both zones must agree
    prev = [local("Europe/Moscow", 2026, 11, 23, 15, 0)]  # 22:00 Vladivostok, Monday in both
    now = local("Europe/Moscow", 2026, 11, 23, 17, 30)  # Monday in Moscow, Tuesday 00:30 in Vladivostok
    assert not frequency_ok(prev, RU_COLLECTION, now, ("Europe/Moscow", VLAD))
    assert frequency_ok(prev, RU_COLLECTION, now, VLAD)


def test_frequency_basis() -> None:
    assert frequency_counted("no_answer", RU_COLLECTION)
    loose = effective_rules(RU_COLLECTION, overrides=[Override("frequency_basis", "live_answers", "legal")]).rules
    assert not frequency_counted("no_answer", loose)
    assert frequency_counted("connected", loose) and frequency_counted("abandoned", loose)
    assert frequency_counted(None, loose)


ZONES = st.sampled_from([VLAD, NY, LONDON, "Europe/Moscow", "Australia/Lord_Howe"])
START = utc(2026, 1, 1)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zone=ZONES, offsets=st.lists(st.integers(0, 365 * 24 * 60), min_size=1, max_size=80))
def test_caps_are_never_exceeded_and_retry_at_clears(zone: str, offsets: list[int]) -> None:
    """A dialer that obeys frequency_ok never exceeds 1/2/8 in any local day/week/month."""
    tz = ZoneInfo(zone)
    dialled: list[dt.datetime] = []
    for minutes in sorted(set(offsets)):
        now = START + dt.timedelta(minutes=minutes)
        v = frequency_ok(dialled, RU_COLLECTION, now, zone)
        if v.ok:
            dialled.append(now)
        else:
            assert v.retry_at is not None and v.retry_at > now
            assert frequency_ok(dialled, RU_COLLECTION, v.retry_at, zone)
            assert not frequency_ok(dialled, RU_COLLECTION, v.retry_at - dt.timedelta(seconds=1), zone)
    days = [d.astimezone(tz).date() for d in dialled]
    for d in days:
        assert sum(x == d for x in days) <= 1
        assert sum(x.isocalendar()[:2] == d.isocalendar()[:2] for x in days) <= 2
        assert sum((x.year, x.month) == (d.year, d.month) for x in days) <= 8


# --- the 72-hour lockout ----------------------------------------------------------------------------


def test_uk_no_redial_within_72h_unless_operator_guaranteed() -> None:
    abandoned = utc(2026, 3, 27, 18, 0)  # the lockout spans the BST switch: 72 real hours
    just_before = abandoned + dt.timedelta(hours=72) - dt.timedelta(seconds=1)
    v = redial_after_abandon_ok(abandoned, UK, just_before, DialingMode.PREDICTIVE)
    assert v.reason is ComplianceBlock.ABANDON_LOCKOUT and v.retry_at == utc(2026, 3, 30, 18, 0)
    assert redial_after_abandon_ok(abandoned, UK, utc(2026, 3, 30, 18, 0), "predictive")
    assert not redial_after_abandon_ok(abandoned, UK, just_before, DialingMode.RATIO)
    assert redial_after_abandon_ok(abandoned, UK, just_before, DialingMode.PROGRESSIVE)
    assert redial_after_abandon_ok(abandoned, UK, just_before, "preview")
    assert redial_after_abandon_ok(None, UK, just_before, DialingMode.PREDICTIVE)
    assert redial_after_abandon_ok(abandoned, US, just_before, DialingMode.PREDICTIVE)


# --- everything together ----------------------------------------------------------------------------


def test_ru_contact_without_consent_is_never_dialled() -> None:
    v = compliance_check(
        now=local("Europe/Moscow", 2026, 11, 23, 12, 0),
        profile=RU,
        contact_tz="Europe/Moscow",
        campaign_windows=None,
        mode=DialingMode.PREDICTIVE,
        consent=None,
    )
    assert v.reason is ComplianceBlock.NO_CONSENT and v.retry_at is None
    ok = compliance_check(
        now=local("Europe/Moscow", 2026, 11, 23, 12, 0),
        profile=RU,
        contact_tz="Europe/Moscow",
        campaign_windows=None,
        mode=DialingMode.PREDICTIVE,
        consent=Consent("site form", utc(2026, 1, 1)),
    )
    assert ok.ok


def test_ru_never_agentless() -> None:
    v = compliance_check(now=NOW, profile=RU_COLLECTION, contact_tz=VLAD, campaign_windows=None, mode="agentless")
    assert v.reason is ComplianceBlock.AGENTLESS_FORBIDDEN


def test_combined_retry_clears_every_timed_block() -> None:
    # UK predictive: abandoned Friday 20:00 London, now Saturday 10:00: locked out until Monday 20:00,
    # which is inside the hours; with campaign windows Mon-Fri 09:00-17:00 the answer is Tuesday 09:00.
    abandoned = local(LONDON, 2026, 11, 27, 20, 0)
    now = local(LONDON, 2026, 11, 28, 10, 0)
    v = compliance_check(
        now=now,
        profile=UK,
        contact_tz=LONDON,
        campaign_windows=CallingWindows({d: (TimeRange.parse("09:00-17:00"),) for d in range(5)}),
        mode=DialingMode.PREDICTIVE,
        last_abandoned_at=abandoned,
    )
    assert v.reason is ComplianceBlock.OUTSIDE_HOURS  # Saturday is not a campaign day
    assert v.retry_at == local(LONDON, 2026, 12, 1, 9, 0)


def test_combined_frequency_and_hours() -> None:
    # RU collection: called Saturday 10:00 local and Monday 09:00: week full -> next Monday 08:00 local
    prev = [local(VLAD, 2026, 11, 23, 9, 0), local(VLAD, 2026, 11, 24, 9, 0)]
    v = compliance_check(
        now=local(VLAD, 2026, 11, 25, 12, 0),
        profile=RU_COLLECTION,
        contact_tz=VLAD,
        campaign_windows=None,
        mode=DialingMode.PREDICTIVE,
        previous_dial_times=prev,
    )
    assert v.reason is ComplianceBlock.FREQUENCY_WEEK and v.retry_at == local(VLAD, 2026, 11, 30, 8, 0)
    # no zone known and no fallback: never dialled
    v = compliance_check(now=NOW, profile=RU_COLLECTION, contact_tz=None, campaign_windows=None, mode="predictive")
    assert v.reason is ComplianceBlock.NO_HOURS and v.retry_at is None


def test_fallback_zone_is_used_for_frequency_too() -> None:
    campaign = CallingWindows.every_day("00:00-24:00", fallback_timezone=VLAD)
    prev = [local(VLAD, 2026, 11, 23, 9, 0)]
    v = compliance_check(
        now=local(VLAD, 2026, 11, 23, 21, 0),
        profile=RU_COLLECTION,
        contact_tz=None,
        campaign_windows=campaign,
        mode="predictive",
        previous_dial_times=prev,
    )
    assert v.reason is ComplianceBlock.FREQUENCY_DAY and v.retry_at == local(VLAD, 2026, 11, 24, 8, 0)


# --- campaign settings -------------------------------------------------------------------------------


def _settings(**kw: object) -> DialSettings:
    base = DialSettings.from_knobs(
        PacingKnobs(mode=DialingMode.PREDICTIVE, target_abandon_rate=0.02, abandon_cap=0.03),
        ring_timeout_s=20,
        caller_id="+442071234567",
        abandon_message="sound:uk-info-message",
        amd_enabled=True,
    )
    import dataclasses

    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_good_settings_pass() -> None:
    assert validate_campaign(UK, _settings()) == []
    assert validate_campaign(US, _settings(target_abandon_rate=0.03)) == []


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"ring_timeout_s": 12}, "ring_timeout_s"),
        ({"connect_limit_s": 2.5}, "connect_limit_s"),
        ({"abandon_cap": 0.05}, "abandon_cap"),
        ({"target_abandon_rate": 0.025}, "target_abandon_rate"),  # above the UK target
        ({"caller_id": None}, "caller_id"),
        ({"caller_id": "anonymous"}, "caller_id"),
        ({"abandon_message": ""}, "abandon_message"),
        ({"mode": "agentless"}, "mode"),
    ],
)
def test_each_bad_setting_is_named(kw: dict[str, object], field: str) -> None:
    problems = validate_campaign(UK, _settings(**kw))
    assert field in {p.field for p in problems}, problems
    assert all(str(p).startswith(p.field + ": ") for p in problems)


def test_settings_checked_against_the_tightened_rules() -> None:
    rules = effective_rules(US, {"min_ring_s": 25}).rules
    assert [p.field for p in validate_campaign(rules, _settings(target_abandon_rate=0.03))] == ["ring_timeout_s"]
    assert validate_campaign(RU, _settings(mode="agentless"))[0].field == "mode"
