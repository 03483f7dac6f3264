"""Consent history (latest event wins) and national register rules, on the pure core."""

from __future__ import annotations

import datetime as dt

import pytest

from dialer.compliance.checks import ComplianceBlock, compliance_check, consent_ok
from dialer.compliance.consent import (
    ADVERTISING,
    ConsentAction,
    ConsentEvent,
    current_consent,
    events_from_fields,
    split_consent_fields,
)
from dialer.compliance.profiles import RU, UK, US, ComplianceSettingError, compliance_from_config, effective_rules
from dialer.compliance.registers import RegisterState, register_name, register_ok, register_problems, screened_registers

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GIVEN, WITHDRAWN = ConsentAction.GIVEN, ConsentAction.WITHDRAWN


def utc(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def ev(
    action: ConsentAction,
    given: dt.datetime,
    *,
    recorded: dt.datetime | None = None,
    eid: int = 0,
    purpose: str = ADVERTISING,
    source: str = "web form",
    expires: dt.datetime | None = None,
) -> ConsentEvent:
    return ConsentEvent(action, purpose, source, given, recorded or given, expires, eid)


# --- consent history ------------------------------------------------------------------------------


def test_no_events_no_consent() -> None:
    assert current_consent([], ADVERTISING, NOW) is None
    assert consent_ok(current_consent([], ADVERTISING, NOW), RU, NOW).reason is ComplianceBlock.NO_CONSENT


def test_latest_event_wins_whatever_the_order_they_come_in() -> None:
    events = [ev(WITHDRAWN, utc(2026, 6, 1), eid=2), ev(GIVEN, utc(2026, 1, 1), eid=1)]
    state = current_consent(events, ADVERTISING, NOW)
    assert state is not None and state.revoked_at == utc(2026, 6, 1) and state.given_at == utc(2026, 1, 1)
    assert consent_ok(state, RU, NOW).reason is ComplianceBlock.CONSENT_REVOKED
    # a new consent after the withdrawal allows calls again; the older rows stay as history
    again = [*events, ev(GIVEN, utc(2026, 9, 1), eid=3, source="call")]
    state = current_consent(again, ADVERTISING, NOW)
    assert state is not None and state.revoked_at is None and state.source == "call"
    assert consent_ok(state, RU, NOW)


def test_order_is_when_it_was_given_then_when_recorded_then_id() -> None:
    day = utc(2026, 5, 5)
    # same day: the one recorded later wins
    a = ev(GIVEN, day, recorded=utc(2026, 5, 6), eid=9)
    b = ev(WITHDRAWN, day, recorded=utc(2026, 5, 7), eid=1)
    state = current_consent([b, a], ADVERTISING, NOW)
    assert state is not None and state.revoked_at == day
    # a consent recorded late but given BEFORE the withdrawal does not undo it
    late = ev(GIVEN, utc(2026, 4, 1), recorded=utc(2026, 11, 1), eid=10)
    state = current_consent([a, b, late], ADVERTISING, NOW)
    assert state is not None and state.revoked_at == day
    # same instants: the id decides
    c1 = ev(GIVEN, day, recorded=day, eid=1)
    c2 = ev(WITHDRAWN, day, recorded=day, eid=2)
    assert current_consent([c2, c1], ADVERTISING, NOW).revoked_at == day  # type: ignore[union-attr]
    c3 = ev(GIVEN, day, recorded=day, eid=3)
    assert current_consent([c2, c3, c1], ADVERTISING, NOW).revoked_at is None  # type: ignore[union-attr]


def test_future_events_do_not_count_yet() -> None:
    events = [ev(GIVEN, utc(2026, 1, 1), eid=1), ev(WITHDRAWN, NOW + dt.timedelta(seconds=1), eid=2)]
    assert current_consent(events, ADVERTISING, NOW).revoked_at is None  # type: ignore[union-attr]
    later = NOW + dt.timedelta(seconds=1)
    assert current_consent(events, ADVERTISING, later).revoked_at == later  # type: ignore[union-attr]
    assert current_consent([ev(GIVEN, NOW + dt.timedelta(days=1))], ADVERTISING, NOW) is None


def test_purposes_are_separate() -> None:
    events = [ev(GIVEN, utc(2026, 1, 1), purpose="surveys"), ev(WITHDRAWN, utc(2026, 2, 1), purpose="surveys")]
    assert current_consent(events, ADVERTISING, NOW) is None
    assert current_consent([*events, ev(GIVEN, utc(2026, 3, 1))], ADVERTISING, NOW) is not None


def test_withdrawal_without_any_consent_reads_as_revoked() -> None:
    state = current_consent([ev(WITHDRAWN, utc(2026, 2, 1), source="e-mail")], ADVERTISING, NOW)
    assert state is not None and consent_ok(state, RU, NOW).reason is ComplianceBlock.CONSENT_REVOKED


def test_expiry_of_the_current_consent() -> None:
    state = current_consent([ev(GIVEN, utc(2026, 1, 1), expires=utc(2026, 6, 1))], ADVERTISING, NOW)
    assert consent_ok(state, RU, NOW).reason is ComplianceBlock.CONSENT_EXPIRED
    assert consent_ok(state, RU, utc(2026, 5, 31))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        current_consent([], ADVERTISING, dt.datetime(2026, 1, 1))


def test_import_columns_become_events() -> None:
    assert events_from_fields({}) == []
    assert events_from_fields({"consent_source": "site", "consent_date": ""}) == []
    [given] = events_from_fields(
        {"consent_source": "site", "consent_date": "2026-03-01", "consent_expires": "2027-03-01"}
    )
    assert (given.action, given.purpose, given.source) == (GIVEN, ADVERTISING, "site")
    assert given.given_at == utc(2026, 3, 1) and given.expires_at == utc(2027, 3, 1)
    both = events_from_fields(
        {
            "consent_source": "site",
            "consent_date": "2026-03-01",
            "consent_revoked": "2026-04-01T10:00+03:00",
            "consent_purpose": "surveys",
        }
    )
    assert [(e.action, e.purpose, e.given_at) for e in both] == [
        (GIVEN, "surveys", utc(2026, 3, 1)),
        (WITHDRAWN, "surveys", utc(2026, 4, 1, 7)),
    ]
    [only] = events_from_fields({"consent_revoked": "2026-04-01"})
    assert only.action is WITHDRAWN and only.source == "import"
    with pytest.raises(ValueError):
        events_from_fields({"consent_source": "x", "consent_date": "01.03.2026"})
    rest, consent = split_consent_fields({"city": "Tver", "consent_source": "x", "consent_date": "2026-01-01"})
    assert rest == {"city": "Tver"} and set(consent) == {"consent_source", "consent_date"}


# --- national registers ---------------------------------------------------------------------------


def state(name: str, as_of: dt.datetime) -> RegisterState:
    return RegisterState(name, as_of, as_of, 10)


def test_uk_screens_tps_and_refuses_missing_or_stale_data() -> None:
    assert screened_registers(UK) == ("TPS",) and UK.national_register_max_age == dt.timedelta(days=28)
    assert screened_registers(RU) == () and screened_registers(None) == ()
    [missing] = register_problems(UK, {}, NOW)
    assert missing.field == "national_registers" and "TPS" in missing.message
    assert register_problems(UK, {"TPS": state("TPS", NOW - dt.timedelta(days=28))}, NOW) == []
    [old] = register_problems(UK, {"TPS": state("TPS", NOW - dt.timedelta(days=28, seconds=1))}, NOW)
    assert old.field == "national_register_max_age" and "28 days" in old.message
    assert register_problems(RU, {}, NOW) == [] and register_problems(None, {}, NOW) == []
    with pytest.raises(ValueError):
        register_problems(UK, {}, dt.datetime(2026, 1, 1))


def test_us_screens_the_national_registry_31_days() -> None:
    assert screened_registers(US) == ("US_DNC",)
    assert register_problems(US, {"US_DNC": state("US_DNC", NOW - dt.timedelta(days=31))}, NOW) == []
    assert register_problems(US, {"US_DNC": state("US_DNC", NOW - dt.timedelta(days=32))}, NOW)


def test_register_ok_only_for_screened_registers() -> None:
    v = register_ok({"TPS"}, UK)
    assert not v and v.reason is ComplianceBlock.NATIONAL_REGISTER and "TPS" in v.detail
    assert register_ok({"tps"}, UK).reason is ComplianceBlock.NATIONAL_REGISTER  # names are case-blind
    assert register_ok({"CTPS"}, UK)  # not screened by the default UK profile
    assert register_ok({"TPS"}, RU) and register_ok(set(), UK)


def test_register_names() -> None:
    assert register_name(" ctps ") == "CTPS"
    for bad in ("", "a b", "x" * 41, "../etc"):
        with pytest.raises(ValueError):
            register_name(bad)


def test_a_campaign_turns_screening_on_or_adds_a_register_but_may_not_drop_one() -> None:
    ru = compliance_from_config(
        {
            "profile": "RU",
            "settings": {
                "national_register_screening": True,
                "national_registers": ["ru_dnc"],
                "national_register_max_age": "7d",
            },
        }
    ).rules
    assert screened_registers(ru) == ("RU_DNC",) and ru.national_register_max_age == dt.timedelta(days=7)
    uk = effective_rules(UK, {"national_registers": ["TPS", "CTPS"]}).rules
    assert screened_registers(uk) == ("CTPS", "TPS")
    with pytest.raises(ComplianceSettingError) as e:
        effective_rules(UK, {"national_registers": ["CTPS"]})
    assert e.value.field == "national_registers"
    with pytest.raises(ComplianceSettingError) as e:
        effective_rules(UK, {"national_register_max_age": "60d"})
    assert e.value.field == "national_register_max_age"
    with pytest.raises(ComplianceSettingError):
        effective_rules(RU, {"national_register_screening": True})  # screening, but against which register?


def test_compliance_check_blocks_a_number_on_the_register_for_good() -> None:
    v = compliance_check(
        now=NOW,
        profile=UK,
        contact_tz="Europe/London",
        campaign_windows=None,
        mode="predictive",
        registers_listing=["TPS"],
    )
    assert v.reason is ComplianceBlock.NATIONAL_REGISTER and v.retry_at is None
    ok = compliance_check(now=NOW, profile=UK, contact_tz="Europe/London", campaign_windows=None, mode="predictive")
    assert ok
