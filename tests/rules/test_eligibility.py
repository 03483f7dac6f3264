"""The pre-dial check as a pure function (dialer.rules.eligibility): every branch by example, and the
properties that must hold for any contact and any facts (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.compliance.consent import ADVERTISING, ConsentAction, ConsentEvent
from dialer.compliance.profiles import RU, RU_COLLECTION, UK
from dialer.pacing.snapshot import DialingMode
from dialer.rules.campaign_rules import CampaignRules
from dialer.rules.eligibility import (
    Admission,
    BlockedDial,
    Closure,
    ContactSnapshot,
    DialFacts,
    Verdict,
    admit,
    consent_events,
)
from dialer.rules.retry import RetryPolicy
from dialer.rules.windows import CallingWindows

UTC = dt.UTC
WED_NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
MAIN, ALT, OTHER = "+79100000001", "+79100000002", "+79100000099"
POLICY = RetryPolicy(max_attempts=3, max_attempts_per_day=2, refusal_cooldown=dt.timedelta(days=30))


def _rules(
    windows: str = "08:00-22:00", policy: RetryPolicy = POLICY, profile: object = None, **kw: object
) -> CampaignRules:
    return CampaignRules(policy, CallingWindows.every_day(windows), {}, profile, **kw)  # type: ignore[arg-type]


def _contact(**kw: object) -> ContactSnapshot:
    values: dict[str, object] = {"id": 7, "phone": MAIN, "alt_phones": (ALT,), "zones": "UTC"}
    values.update(kw)
    return ContactSnapshot(**values)  # type: ignore[arg-type]


def _consent(action: ConsentAction = ConsentAction.GIVEN, days_ago: int = 30, event_id: int = 1) -> ConsentEvent:
    at = WED_NOON - dt.timedelta(days=days_ago)
    return ConsentEvent(action, ADVERTISING, "web form #12", at, at, event_id=event_id)


# -- the campaign's contact rules ------------------------------------------------------------------


def test_a_clean_contact_is_dialled() -> None:
    assert admit(_contact(), DialFacts(), _rules(), WED_NOON) == Admission(Verdict.DIAL)


def test_do_not_call_on_any_number_closes_the_contact() -> None:
    for facts in (DialFacts(dnc_global={ALT}), DialFacts(dnc_campaign={MAIN})):
        got = admit(_contact(), facts, _rules(), WED_NOON)
        assert (got.verdict, got.close_as, got.reason) == (Verdict.CLOSE, Closure.DO_NOT_CALL, "do_not_call")
    # another campaign's list is not this campaign's: the adapter loads only ours and the global one
    assert admit(_contact(), DialFacts(dnc_campaign={OTHER}), _rules(), WED_NOON).ok


def test_a_refusal_on_any_number_parks_until_the_cooldown_ends() -> None:
    refused = WED_NOON - dt.timedelta(days=10)
    got = admit(_contact(), DialFacts(refused_at={ALT: refused}), _rules(), WED_NOON)
    assert got == Admission(Verdict.PARK, "refusal_cooldown", retry_at=refused + dt.timedelta(days=30))
    old = WED_NOON - dt.timedelta(days=31)
    assert admit(_contact(), DialFacts(refused_at={MAIN: old}), _rules(), WED_NOON).ok


def test_attempt_limits_close_or_park_but_a_callback_skips_them() -> None:
    three = [WED_NOON - dt.timedelta(days=d) for d in (1, 2, 3)]
    got = admit(_contact(), DialFacts(counted_attempts={7: three}), _rules(), WED_NOON)
    assert (got.verdict, got.close_as, got.reason) == (Verdict.CLOSE, Closure.DONE, "max_attempts")
    today = [WED_NOON - dt.timedelta(hours=h) for h in (1, 2)]  # parked until local midnight
    got = admit(_contact(), DialFacts(counted_attempts={7: today}), _rules(), WED_NOON)
    assert got == Admission(Verdict.PARK, "daily_limit", retry_at=dt.datetime(2026, 11, 26, tzinfo=UTC))
    callback = _contact(is_callback=True, next_attempt_at=WED_NOON)
    assert admit(callback, DialFacts(counted_attempts={7: three}), _rules(), WED_NOON).ok
    # another contact's attempts are not this one's
    assert admit(_contact(), DialFacts(counted_attempts={8: three}), _rules(), WED_NOON).ok


def test_not_due_and_outside_the_window_park_and_no_window_closes() -> None:
    later = WED_NOON + dt.timedelta(hours=1)
    assert admit(_contact(next_attempt_at=later), DialFacts(), _rules(), WED_NOON) == Admission(
        Verdict.PARK, "not_yet_due", retry_at=later
    )
    got = admit(_contact(), DialFacts(), _rules("14:00-18:00"), WED_NOON)
    assert got == Admission(Verdict.PARK, "outside_window", retry_at=WED_NOON.replace(hour=14))
    got = admit(_contact(zones=None), DialFacts(), _rules(), WED_NOON)  # zone unknown, no fallback zone
    assert (got.verdict, got.close_as, got.reason) == (Verdict.CLOSE, Closure.DONE, "no_window")


# -- the jurisdiction's rules --------------------------------------------------------------------


def test_ru_needs_the_subscribers_consent() -> None:
    rules = _rules(profile=RU)
    got = admit(_contact(), DialFacts(), rules, WED_NOON)
    assert got == Admission(
        Verdict.CLOSE,
        "compliance: no_consent",
        close_as=Closure.DONE,
        blocked=BlockedDial("no_consent", got.blocked.detail if got.blocked else ""),
    )
    assert admit(_contact(), DialFacts(consent={MAIN: [_consent()]}), rules, WED_NOON).ok
    assert admit(_contact(), DialFacts(consent={"#7": [_consent()]}), rules, WED_NOON).ok  # recorded on the contact
    # consent given for another number of the contact is not the subscriber's
    assert not admit(_contact(), DialFacts(consent={ALT: [_consent()]}), rules, WED_NOON).ok
    withdrawn = [_consent(), _consent(ConsentAction.WITHDRAWN, days_ago=2, event_id=2)]
    got = admit(_contact(), DialFacts(consent={"#7": withdrawn}), rules, WED_NOON)
    assert (got.verdict, got.reason) == (Verdict.CLOSE, "compliance: consent_revoked")
    assert got.blocked is not None and got.blocked.reason == "consent_revoked"


def test_consent_events_are_counted_once_however_keyed() -> None:
    event = _consent(event_id=5)
    facts = DialFacts(consent={MAIN: [event], "#7": [event], ALT: [_consent(event_id=6)]})
    assert consent_events(_contact(), facts) == [event]


def test_uk_register_and_abandon_lockout() -> None:
    rules = _rules(profile=UK, mode=DialingMode.PREDICTIVE)
    got = admit(_contact(), DialFacts(listed={ALT: {"TPS"}}), rules, WED_NOON)
    assert (got.verdict, got.close_as, got.reason) == (Verdict.CLOSE, Closure.DONE, "compliance: national_register")
    abandoned = WED_NOON - dt.timedelta(hours=1)
    got = admit(_contact(), DialFacts(abandoned_by_phone={ALT: abandoned}), rules, WED_NOON)
    assert (got.verdict, got.reason) == (Verdict.PARK, "compliance: abandon_lockout")
    assert got.retry_at == abandoned + dt.timedelta(hours=72)
    assert got.blocked is not None and got.blocked.reason == "abandon_lockout"
    # an operator is guaranteed in progressive mode: no lockout
    assert admit(_contact(), DialFacts(abandoned_by_phone={ALT: abandoned}), _rules(profile=UK), WED_NOON).ok


def test_frequency_caps_count_every_number_of_the_contact() -> None:
    rules = _rules(profile=RU_COLLECTION)
    dialled = WED_NOON - dt.timedelta(hours=2)
    got = admit(_contact(), DialFacts(dials_by_phone={ALT: [dialled]}), rules, WED_NOON)
    assert (got.verdict, got.reason) == (Verdict.PARK, "compliance: frequency_day")
    assert got.retry_at is not None and got.retry_at.date() > WED_NOON.date()
    assert admit(_contact(), DialFacts(dials_by_phone={OTHER: [dialled]}), rules, WED_NOON).ok


# -- callbacks -------------------------------------------------------------------------------------


def test_a_personal_callback_waits_for_its_operator_during_the_grace() -> None:
    cb = _contact(is_callback=True, next_attempt_at=WED_NOON, callback_operator_id=3)
    assert admit(cb, DialFacts(), _rules(), WED_NOON, {3, 4}) == Admission(Verdict.DIAL, preferred_operator_id=3)
    assert admit(cb, DialFacts(), _rules(), WED_NOON, {4}).verdict is Verdict.HOLD
    after_grace = WED_NOON + dt.timedelta(minutes=16)
    assert admit(cb, DialFacts(), _rules(), after_grace, {4}) == Admission(Verdict.DIAL)
    assert admit(cb, DialFacts(), _rules(), after_grace, {3}) == Admission(Verdict.DIAL, preferred_operator_id=3)
    anyone = dataclasses.replace(cb, callback_operator_id=None)
    assert admit(anyone, DialFacts(), _rules(), WED_NOON) == Admission(Verdict.DIAL)


# -- properties ------------------------------------------------------------------------------------

PHONES = [f"+7910000{i:04d}" for i in range(6)]
times = st.integers(min_value=-60 * 24 * 40, max_value=60 * 24 * 3).map(lambda m: WED_NOON + dt.timedelta(minutes=m))
past = st.integers(min_value=1, max_value=60 * 24 * 40).map(lambda m: WED_NOON - dt.timedelta(minutes=m))
phone_sets = st.frozensets(st.sampled_from(PHONES), max_size=3)


@st.composite
def contacts(draw: st.DrawFn) -> ContactSnapshot:
    phones = draw(st.lists(st.sampled_from(PHONES), min_size=1, max_size=3, unique=True))
    is_callback = draw(st.booleans())
    return ContactSnapshot(
        id=draw(st.sampled_from([1, 2])),
        phone=phones[0],
        alt_phones=tuple(phones[1:]),
        zones=draw(st.sampled_from(["UTC", "Europe/Moscow", "America/New_York", None, ("UTC", "Europe/Moscow")])),
        next_attempt_at=draw(st.none() | times),
        is_callback=is_callback,
        callback_operator_id=draw(st.none() | st.sampled_from([3, 4])) if is_callback else None,
    )


def _events(draw: st.DrawFn) -> list[ConsentEvent]:
    out = []
    for i, (action, at) in enumerate(draw(st.lists(st.tuples(st.sampled_from(ConsentAction), past), max_size=3))):
        out.append(ConsentEvent(action, ADVERTISING, "src", at, at, event_id=i + 1))
    return out


@st.composite
def facts(draw: st.DrawFn) -> DialFacts:
    keys = st.sampled_from([*PHONES, "#1", "#2"])
    return DialFacts(
        dnc_global=draw(phone_sets),
        dnc_campaign=draw(phone_sets),
        refused_at=draw(st.dictionaries(st.sampled_from(PHONES), past, max_size=2)),
        counted_attempts=draw(st.dictionaries(st.sampled_from([1, 2]), st.lists(past, max_size=4), max_size=2)),
        dials_by_phone=draw(st.dictionaries(st.sampled_from(PHONES), st.lists(past, max_size=3), max_size=3)),
        abandoned_by_phone=draw(st.dictionaries(st.sampled_from(PHONES), past, max_size=2)),
        consent={k: _events(draw) for k in draw(st.lists(keys, max_size=3, unique=True))},
        listed=draw(st.dictionaries(st.sampled_from(PHONES), st.just(frozenset({"TPS"})), max_size=2)),
    )


rule_sets = st.sampled_from(
    [
        _rules(),
        _rules("09:00-12:30"),
        _rules(profile=RU),
        _rules(profile=RU_COLLECTION),
        _rules(profile=UK, mode=DialingMode.PREDICTIVE),
    ]
)
ready_sets = st.frozensets(st.sampled_from([3, 4]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts(), facts(), rule_sets, times, ready_sets)
def test_do_not_call_always_wins(
    contact: ContactSnapshot, f: DialFacts, rules: CampaignRules, now: dt.datetime, ready: frozenset[int]
) -> None:
    listed = dataclasses.replace(f, dnc_global={*f.dnc_global, contact.alt_phones[-1] if contact.alt_phones else ""})
    got = admit(contact, listed, rules, now, ready)
    if contact.alt_phones:
        assert (got.verdict, got.close_as, got.blocked) == (Verdict.CLOSE, Closure.DO_NOT_CALL, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts(), facts(), rule_sets, times, ready_sets)
def test_a_dial_is_only_admitted_when_every_rule_allows_it(
    contact: ContactSnapshot, f: DialFacts, rules: CampaignRules, now: dt.datetime, ready: frozenset[int]
) -> None:
    got = admit(contact, f, rules, now, ready)
    assert got.ok == (got.verdict is Verdict.DIAL)
    if got.verdict is Verdict.CLOSE:
        assert got.close_as is not None and got.retry_at is None and got.reason
    if got.verdict is Verdict.PARK:
        assert got.close_as is None and got.reason
        assert got.retry_at is None or got.retry_at > now
    if got.blocked is not None:
        assert got.reason == f"compliance: {got.blocked.reason}" and rules.compliance is not None
    if not got.ok:
        return
    phones = contact.phones
    assert not set(phones) & (set(f.dnc_global) | set(f.dnc_campaign))
    assert all(now - f.refused_at[p] >= rules.policy.refusal_cooldown for p in phones if p in f.refused_at)
    assert contact.next_attempt_at is None or contact.next_attempt_at <= now
    if not contact.is_callback:
        assert len(f.counted_attempts.get(contact.id, ())) < rules.policy.max_attempts
    if rules.compliance is not None:
        assert not any(f.listed.get(p) for p in phones) or not rules.compliance.national_register_screening
        if rules.compliance.consent_required:
            assert consent_events(contact, f)
    if contact.is_callback and contact.callback_operator_id in ready and got.preferred_operator_id is not None:
        assert got.preferred_operator_id == contact.callback_operator_id


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts(), facts(), facts(), rule_sets, times, ready_sets)
def test_facts_about_other_numbers_and_contacts_change_nothing(
    contact: ContactSnapshot,
    f: DialFacts,
    noise: DialFacts,
    rules: CampaignRules,
    now: dt.datetime,
    ready: frozenset[int],
) -> None:
    mine = set(contact.phones)
    others = [p for p in PHONES if p not in mine]
    rename = dict(zip(PHONES, others * 3, strict=False))  # noise moved onto numbers the contact does not have
    if not others:
        return

    def moved(d: dict[str, object]) -> dict[str, object]:
        return {rename[k]: v for k, v in d.items() if k in rename}

    other_id = 3 - contact.id
    their_consent = {f"#{other_id}": [_consent()]} if f"#{other_id}" not in f.consent else {}
    merged = DialFacts(  # f wins on every key it has: only keys the contact does not own are added
        dnc_global={*f.dnc_global, *(rename[p] for p in noise.dnc_global)},
        dnc_campaign={*f.dnc_campaign, *(rename[p] for p in noise.dnc_campaign)},
        refused_at={**moved(dict(noise.refused_at)), **f.refused_at},  # type: ignore[dict-item]
        counted_attempts={other_id: list(noise.counted_attempts.get(other_id, [])), **f.counted_attempts},
        dials_by_phone={**moved(dict(noise.dials_by_phone)), **f.dials_by_phone},  # type: ignore[dict-item]
        abandoned_by_phone={**moved(dict(noise.abandoned_by_phone)), **f.abandoned_by_phone},  # type: ignore[dict-item]
        consent={**moved(dict(noise.consent)), **their_consent, **f.consent},  # type: ignore[dict-item]
        listed={**moved(dict(noise.listed)), **f.listed},  # type: ignore[dict-item]
    )
    assert admit(contact, merged, rules, now, ready) == admit(contact, f, rules, now, ready)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts(), facts(), rule_sets, times, ready_sets)
def test_the_order_of_the_alternative_numbers_does_not_matter(
    contact: ContactSnapshot, f: DialFacts, rules: CampaignRules, now: dt.datetime, ready: frozenset[int]
) -> None:
    flipped = dataclasses.replace(contact, alt_phones=tuple(reversed(contact.alt_phones)))
    assert admit(flipped, f, rules, now, ready) == admit(contact, f, rules, now, ready)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts(), facts(), rule_sets, times, ready_sets)
def test_a_parked_contact_is_not_parked_again_for_the_same_reason_at_its_retry_time(
    contact: ContactSnapshot, f: DialFacts, rules: CampaignRules, now: dt.datetime, ready: frozenset[int]
) -> None:
    """No livelock: looking again when told to, the same block does not send it back to the same time."""
    got = admit(contact, f, rules, now, ready)
    if got.verdict is not Verdict.PARK or got.retry_at is None:
        return
    again = admit(contact, f, rules, got.retry_at, ready)
    assert not (again.verdict is Verdict.PARK and again.reason == got.reason and again.retry_at == got.retry_at)
