"""The one definition of a live answer, a late connect and an abandon (issue 15)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from dialer.compliance.abandons import (
    CallFacts,
    ConnectClock,
    ConnectRule,
    HangupSide,
    campaign_connect_rule,
    classify_call,
    connect_deadline,
    greeting_end_from_amd,
    tally_calls,
)
from dialer.compliance.profiles import (
    RU,
    UK,
    US,
    ComplianceSettingError,
    Override,
    effective_rules,
)
from dialer.outcomes import AttemptOutcome

T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def facts(**kw: object) -> CallFacts:
    base: dict[str, object] = {"answered_at": T0, "ended_at": at(60)}
    base.update(kw)
    return CallFacts(**base)  # type: ignore[arg-type]


# --- the clocks of the profiles -------------------------------------------------------------------


def test_each_profile_names_its_clock_and_its_source() -> None:
    assert US.connect_clock is ConnectClock.COMPLETED_GREETING
    assert UK.connect_clock is ConnectClock.START_OF_SPEECH
    assert RU.connect_clock is ConnectClock.COMPLETED_GREETING
    assert "310.4(b)(1)(iv)" in US.sources["connect_clock"]
    assert "completed greeting" in US.sources["connect_clock"]
    assert "starting to speak" in UK.sources["connect_clock"]
    assert "house default" in RU.sources["connect_clock"]


def test_a_campaign_may_measure_from_an_earlier_instant_but_not_a_later_one() -> None:
    assert effective_rules(US, {"connect_clock": "answer"}).rules.connect_clock is ConnectClock.ANSWER
    assert effective_rules(UK, {"connect_clock": "answer"}).tightened == ("connect_clock",)
    with pytest.raises(ComplianceSettingError) as err:
        effective_rules(UK, {"connect_clock": "completed_greeting"})
    assert err.value.field == "connect_clock"
    loosened = effective_rules(UK, overrides=[Override("connect_clock", "completed_greeting", "legal advice #12")])
    assert loosened.rules.connect_clock is ConnectClock.COMPLETED_GREETING
    assert loosened.overrides[0].loosens


def test_counting_every_machine_is_a_tightening_and_dropping_it_needs_an_override() -> None:
    strict = effective_rules(US, {"machines_count_as_abandons": True}).rules
    assert strict.machines_count_as_abandons
    with pytest.raises(ComplianceSettingError):
        effective_rules(strict, {"machines_count_as_abandons": False})


# --- not answered / machines ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "outcome",
    [
        AttemptOutcome.NO_ANSWER,
        AttemptOutcome.BUSY,
        AttemptOutcome.INVALID_NUMBER,
        AttemptOutcome.CONGESTION,
        AttemptOutcome.REJECTED,
    ],
)
def test_unanswered_calls_count_nowhere(outcome: AttemptOutcome) -> None:
    v = classify_call(CallFacts(answered_at=None, outcome=outcome), US)
    assert not (v.live or v.abandon or v.counted_live or v.machine or v.pending)
    assert v.deadline is None and v.connect_latency_s is None


def test_a_machine_is_not_live_unless_the_profile_counts_machines() -> None:
    machine = facts(amd_status="MACHINE", amd_cause="LONGGREETING-1600-1500", amd_at=at(2.5), outcome="machine")
    v = classify_call(machine, US)
    assert v.machine and not v.live and not v.abandon and not v.counted_live
    counted = dataclasses.replace(US, machines_count_as_abandons=True)
    v = classify_call(machine, counted)
    assert v.machine and v.machine_abandon and v.abandon and v.counted_live and not v.live
    # the campaign's own setting counts them too
    v = classify_call(machine, US, machines_count_as_abandons=True)
    assert v.abandon and v.counted_live


def test_amd_machine_verdict_without_a_recorded_outcome_is_a_machine() -> None:
    v = classify_call(facts(amd_status="machine", amd_at=at(2), outcome=None), US)
    assert v.machine and not v.live


def test_connect_first_machine_reached_an_operator_and_is_judged_by_the_bridge() -> None:
    """amd_connect_first: bridged at once, AMD said machine later; the operator's verdict is the outcome."""
    v = classify_call(facts(bridged_at=at(0.2), amd_status="MACHINE", amd_at=at(2), outcome="connected"), US)
    assert v.live and not v.machine and not v.abandon
    v = classify_call(facts(bridged_at=at(0.2), amd_status="MACHINE", amd_at=at(2), outcome="machine"), US)
    assert v.machine and not v.live


# --- late connects: where the limit is measured from --------------------------------------------------


def test_amd_off_connect_at_once_is_live_and_on_time_everywhere() -> None:
    call = facts(bridged_at=at(0.15), outcome="connected")
    for rules in (US, UK, RU):
        v = classify_call(call, rules)
        assert v.live and v.counted_live and not v.abandon
        assert v.measured_from is ConnectClock.ANSWER  # nothing else known: the answer
        assert v.connect_latency_s == pytest.approx(0.15)
        assert v.deadline == at(2)


def test_us_measures_from_the_completed_greeting_known_from_voice_detection() -> None:
    call = facts(speech_started_at=at(0.4), greeting_ended_at=at(1.2), bridged_at=at(3.1), outcome="connected")
    v = classify_call(call, US)
    assert v.measured_from is ConnectClock.COMPLETED_GREETING
    assert v.connect_latency_s == pytest.approx(1.9)
    assert not v.late_connect and not v.abandon
    late = classify_call(dataclasses.replace(call, bridged_at=at(3.3)), US)
    assert late.late_connect and late.abandon and late.live
    assert late.reason.startswith("late:")


def test_exactly_at_the_limit_is_on_time() -> None:
    v = classify_call(facts(bridged_at=at(2.0), outcome="connected"), US)
    assert not v.late_connect


def test_uk_measures_from_the_start_of_speech_so_the_same_call_is_late() -> None:
    call = facts(speech_started_at=at(0.4), greeting_ended_at=at(1.2), bridged_at=at(3.1), outcome="connected")
    v = classify_call(call, UK)
    assert v.measured_from is ConnectClock.START_OF_SPEECH
    assert v.connect_latency_s == pytest.approx(2.7)
    assert v.late_connect and v.abandon


def test_greeting_end_comes_from_the_amd_cause_not_the_verdict_time() -> None:
    # AMD said HUMAN at 2.3 s after 800 ms of silence: the greeting ended at 1.5 s
    assert greeting_end_from_amd(at(2.3), "HUMAN", "HUMAN-800-800") == at(1.5)
    assert greeting_end_from_amd(at(2.3), "human", " human-1000-800 ") == at(1.3)
    assert greeting_end_from_amd(at(2.3), "NOTSURE", "TOOLONG-5000") is None
    assert greeting_end_from_amd(at(2.3), "HUMAN", "garbled") is None
    assert greeting_end_from_amd(None, "HUMAN", "HUMAN-800-800") is None
    call = facts(amd_status="HUMAN", amd_cause="HUMAN-800-800", amd_at=at(2.3), bridged_at=at(3.6), outcome="connected")
    v = classify_call(call, US)
    assert v.measured_from is ConnectClock.COMPLETED_GREETING
    assert v.reference_at == at(1.5)
    assert v.connect_latency_s == pytest.approx(2.1)
    assert v.late_connect  # measured from the verdict (1.3 s) it would have looked on time


def test_unknown_greeting_end_falls_back_to_the_earliest_known_instant() -> None:
    # AMD NOTSURE: when the greeting ended is unknown; the start of speech is known
    call = facts(
        speech_started_at=at(0.5), amd_status="NOTSURE", amd_cause="TOOLONG-5000", amd_at=at(5), bridged_at=at(5.2)
    )
    v = classify_call(dataclasses.replace(call, outcome="connected"), US)
    assert v.measured_from is ConnectClock.START_OF_SPEECH and v.reference_at == at(0.5)
    assert v.late_connect
    # nothing but the answer
    v = classify_call(facts(amd_status="NOTSURE", amd_at=at(1.0), bridged_at=at(2.5), outcome="connected"), US)
    assert v.measured_from is ConnectClock.ANSWER and v.late_connect


def test_an_instant_before_the_answer_is_bad_data_and_the_answer_is_used() -> None:
    v = classify_call(facts(greeting_ended_at=at(-1), bridged_at=at(1.5), outcome="connected"), US)
    assert v.measured_from is ConnectClock.ANSWER and v.reference_at == T0 and not v.late_connect


def test_a_campaign_measuring_from_the_answer_ignores_the_greeting() -> None:
    strict = effective_rules(US, {"connect_clock": "answer"}).rules
    call = facts(greeting_ended_at=at(1.2), bridged_at=at(2.5), outcome="connected")
    assert not classify_call(call, US).late_connect
    v = classify_call(call, strict)
    assert v.late_connect and v.measured_from is ConnectClock.ANSWER


def test_a_tighter_limit_is_honoured() -> None:
    tight = effective_rules(US, {"connect_limit_s": 1.0}).rules
    call = facts(bridged_at=at(1.5), outcome="connected")
    assert not classify_call(call, US).late_connect
    assert classify_call(call, tight).late_connect


# --- abandons ---------------------------------------------------------------------------------------


def test_no_operator_dialer_hangs_up_after_the_message() -> None:
    call = facts(ended_at=at(9), hung_up_by=HangupSide.DIALER, abandon_message_played=True, outcome="abandoned")
    v = classify_call(call, US)
    assert v.live and v.unconnected and v.abandon and not v.late_connect and not v.message_missing
    assert "dialer" in v.reason


def test_abandon_without_the_required_message_is_flagged() -> None:
    call = facts(ended_at=at(3), hung_up_by=HangupSide.DIALER, abandon_message_played=False, outcome="abandoned")
    assert classify_call(call, US).message_missing
    unknown = dataclasses.replace(call, abandon_message_played=None)
    assert classify_call(unknown, US).message_missing
    no_message_needed = dataclasses.replace(US, abandon_message_required=False)
    assert not classify_call(call, no_message_needed).message_missing


def test_callee_hanging_up_before_the_deadline_is_still_an_abandon() -> None:
    v = classify_call(facts(ended_at=at(1.0), hung_up_by=HangupSide.CUSTOMER, outcome="abandoned"), US)
    assert v.abandon and v.unconnected and not v.message_missing
    assert "callee" in v.reason


def test_hangup_during_amd_is_an_abandon_on_the_safe_side() -> None:
    v = classify_call(facts(ended_at=at(1.2), amd_status="HANGUP", amd_at=at(1.2), outcome="abandoned"), UK)
    assert v.live and v.abandon


def test_a_recorded_abandon_wins_over_a_bridge_time() -> None:
    v = classify_call(facts(bridged_at=at(0.5), outcome="abandoned"), US)
    assert v.abandon and v.unconnected and not v.late_connect


def test_our_failure_after_a_person_answered_is_an_abandon() -> None:
    v = classify_call(facts(ended_at=at(1), outcome="system_failure"), US)
    assert v.live and v.abandon


def test_a_call_still_waiting_is_pending_with_its_deadline() -> None:
    v = classify_call(CallFacts(answered_at=T0), US)
    assert v.pending and v.live and not v.abandon and v.deadline == at(2)


def test_connected_outcome_without_timestamps_is_live_and_not_late() -> None:
    v = classify_call(CallFacts(answered_at=None, outcome="connected"), US)
    assert v.live and not v.abandon and v.connect_latency_s is None


# --- what the customer heard --------------------------------------------------------------------------


def test_dead_air_is_judged_against_the_same_reference_and_limit() -> None:
    call = facts(greeting_ended_at=at(1.0), bridged_at=at(1.5), operator_heard_at=at(3.5), outcome="connected")
    v = classify_call(call, US)
    assert not v.late_connect and v.heard_late and v.heard_latency_s == pytest.approx(2.5)
    assert not v.abandon  # heard late is evidence to look at, the abandon is the bridge
    assert not classify_call(dataclasses.replace(call, operator_heard_at=at(2.9)), US).heard_late


# --- the runtime guard's deadline ----------------------------------------------------------------------


def test_deadline_moves_when_amd_reveals_the_end_of_the_greeting() -> None:
    answered = CallFacts(answered_at=T0)
    assert connect_deadline(answered, US) == at(2)
    after_amd = dataclasses.replace(answered, amd_status="HUMAN", amd_cause="HUMAN-800-800", amd_at=at(2.3))
    assert connect_deadline(after_amd, US) == at(3.5)  # greeting ended at 1.5 s
    assert connect_deadline(after_amd, UK) == at(2)  # UK: from the start of speech, unknown: the answer
    assert connect_deadline(CallFacts(answered_at=None), US) is None


def test_guard_and_report_agree_on_every_call() -> None:
    """A guard that bridges before `connect_deadline` never produces a late connect in the report."""
    for rules in (US, UK, RU):
        for cause in ("HUMAN-800-800", "HUMAN-1200-800", "TOOLONG-5000"):
            live = CallFacts(answered_at=T0, amd_status="HUMAN", amd_cause=cause, amd_at=at(2.4))
            deadline = connect_deadline(live, rules)
            assert deadline is not None
            on_time = dataclasses.replace(live, bridged_at=deadline, outcome="connected")
            late = dataclasses.replace(live, bridged_at=deadline + dt.timedelta(milliseconds=1), outcome="connected")
            assert not classify_call(on_time, rules).abandon
            assert classify_call(late, rules).late_connect


# --- input checks ------------------------------------------------------------------------------------


def test_naive_instants_and_unknown_outcomes_are_refused() -> None:
    with pytest.raises(ValueError, match="answered_at"):
        CallFacts(answered_at=dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        CallFacts(answered_at=T0, outcome="conected")


# --- the campaign's rule and the tally -------------------------------------------------------------------


def test_campaign_rule_is_the_tighter_of_campaign_and_profile() -> None:
    assert campaign_connect_rule(US, connect_limit_s=1.5) == ConnectRule(
        1.5, ConnectClock.COMPLETED_GREETING, False, True
    )
    assert campaign_connect_rule(US, connect_limit_s=3.0).connect_limit_s == 2.0
    assert campaign_connect_rule(UK, connect_limit_s=2.0, machines_count_as_abandons=True).machines_count_as_abandons
    counted = dataclasses.replace(US, machines_count_as_abandons=True)
    assert campaign_connect_rule(counted, connect_limit_s=2.0).machines_count_as_abandons
    # no profile: the strictest clock, the campaign's limit
    assert campaign_connect_rule(None, connect_limit_s=2.5) == ConnectRule(2.5, ConnectClock.ANSWER, False, True)


def test_a_connect_rule_classifies_like_the_profile_it_came_from() -> None:
    call = facts(greeting_ended_at=at(1.0), bridged_at=at(2.9), outcome="connected")
    rule = campaign_connect_rule(US, connect_limit_s=2.0)
    assert classify_call(call, rule) == classify_call(call, US)
    assert classify_call(call, ConnectRule()).late_connect  # from the answer: 2.9 s


def test_tally_counts_decided_calls() -> None:
    calls = [
        facts(bridged_at=at(0.3), outcome="connected"),
        facts(bridged_at=at(2.5), outcome="connected"),  # late
        facts(ended_at=at(4), hung_up_by=HangupSide.DIALER, abandon_message_played=True, outcome="abandoned"),
        facts(amd_status="MACHINE", outcome="machine"),
        CallFacts(answered_at=None, outcome="busy"),
        CallFacts(answered_at=T0),  # still waiting: not counted yet
    ]
    t = tally_calls(classify_call(c, US) for c in calls)
    assert (t.live, t.abandons, t.late_connects, t.machines) == (3, 2, 1, 1)
    assert t.rate == pytest.approx(2 / 3)
    strict = tally_calls(classify_call(c, US, machines_count_as_abandons=True) for c in calls)
    assert (strict.live, strict.abandons) == (4, 3)
    assert tally_calls([]).rate == 0.0
