"""The online learner, the abandon ledger and the model's probabilities."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from dialer.pacing import AbandonLedger, AbandonWindow, DialOutcome, PacingLearner
from dialer.pacing.learned import RING_BINS, TALK_BINS, make_learned_stats, parametric_stats
from dialer.pacing.ledger import FUTURE_PACE_MARGIN
from dialer.pacing.model import outlook, pacing_tables

DAY = 86400.0


def _feed(learner: PacingLearner, rng: random.Random, n: int, answer: float, talk_mean: float) -> None:
    for _ in range(n):
        u = rng.random()
        if u < answer:
            learner.observe_dial(DialOutcome.HUMAN, rng.uniform(4, 20), 10)
            learner.observe_talk(rng.expovariate(1 / talk_mean))
            learner.observe_wrap_up(rng.expovariate(1 / 15))
        elif u < answer + 0.15:
            learner.observe_dial(DialOutcome.BUSY, rng.uniform(2, 8), 10)
        else:
            learner.observe_dial(DialOutcome.NO_ANSWER, 25.0, 10)


def test_learner_recovers_the_answer_rate_and_times() -> None:
    learner = PacingLearner()
    _feed(learner, random.Random(1), 3000, 0.3, 120.0)
    stats = learner.learned(10)
    assert stats.answer_probability == pytest.approx(0.3, abs=0.05)
    assert stats.answer_cdf[3] == pytest.approx(0.0, abs=0.01)
    assert stats.answer_cdf[-1] == pytest.approx(stats.answer_probability, abs=1e-9)
    assert stats.mean_talk_s == pytest.approx(120.0, rel=0.2)
    assert stats.mean_wrap_s == pytest.approx(15.0, rel=0.2)
    assert stats.unresolved[0] == pytest.approx(1.0, abs=1e-6)
    assert stats.unresolved[30] < 0.01  # everything resolves by the 25 s give-up
    assert stats.dials_seen == 3000


def test_learner_follows_a_mid_shift_change() -> None:
    learner = PacingLearner()
    rng = random.Random(2)
    _feed(learner, rng, 3000, 0.3, 120.0)
    _feed(learner, rng, 4000, 0.1, 240.0)
    stats = learner.learned(10)
    assert stats.answer_probability == pytest.approx(0.1, abs=0.04)
    assert stats.mean_talk_s > 180.0


def test_hour_of_day_history_pulls_the_estimate() -> None:
    learner = PacingLearner(hour_min_dials=100)
    rng = random.Random(3)
    for _ in range(1000):
        learner.observe_dial(DialOutcome.HUMAN if rng.random() < 0.5 else DialOutcome.NO_ANSWER, 10.0, 8)
    for _ in range(1000):
        learner.observe_dial(DialOutcome.HUMAN if rng.random() < 0.1 else DialOutcome.NO_ANSWER, 10.0, 9)
    # recent data say ~10%; hour 8 history says ~50% and pulls its estimate up
    assert learner.answer_probability(8) > learner.answer_probability(9) + 0.05
    assert learner.answer_probability(20) == pytest.approx(0.1, abs=0.05)  # no history: recent only


def test_fresh_learner_gives_vague_priors() -> None:
    stats = PacingLearner().learned(9)
    assert stats.dials_seen == 0
    assert 0.1 < stats.answer_probability < 0.5


def test_learned_arrays_are_read_only() -> None:
    stats = parametric_stats()
    with pytest.raises(ValueError):
        stats.talk_survival[0] = 0.5
    with pytest.raises(ValueError):
        make_learned_stats(
            answer_probability=0.3,
            answer_cdf=np.zeros(3),
            unresolved=np.ones(RING_BINS + 1),
            talk_survival=np.ones(TALK_BINS + 1),
            wrap_survival=np.ones(3),
            mean_talk_s=1.0,
            mean_wrap_s=1.0,
        )


def test_ledger_windows() -> None:
    start = 1 * DAY + 9 * 3600
    ledger = AbandonLedger(started_at=start)
    ledger.add_history(0, 1000, 20)
    for i in range(100):
        ledger.record(start + 10 * i, abandoned=i % 25 == 0)
    today, rolling, hour = ledger.windows(start + 1000)
    assert (today.answered, today.abandoned) == (100, 4)
    assert (rolling.answered, rolling.abandoned) == (1100, 24)
    assert (hour.answered, hour.abandoned) == (100, 4)
    assert today.enforced and rolling.enforced and not hour.enforced
    later = ledger.windows(start + 990 + 3600)
    assert later[2].answered == 0  # the hour has rolled past every record
    assert later[0].answered == 100
    assert ledger.windows(start + DAY)[0].answered == 0  # a new day
    assert ledger.windows(start + 40 * DAY)[1].answered == 0  # and, much later, a new 30 days


def test_a_session_after_an_hour_without_dialling_has_a_young_hour() -> None:
    """The campaign's next calling window in the same process: its rolling hour holds nothing from the window
    before, so it is young from the session's start, as a new process's is (the engine's young-hour rules)."""
    start = 1 * DAY + 9 * 3600
    ledger = AbandonLedger(started_at=start)
    for i in range(100):
        ledger.record(start + 10 * i, abandoned=False)
    assert ledger.windows(start + 5 * 3600)[2].covered_s == 3600.0  # an empty hour, full length
    ledger.start_session(start + 5 * 3600)
    today, _, hour = ledger.windows(start + 5 * 3600 + 600)
    assert hour.covered_s == 600.0 and hour.answered == 0 and today.answered == 100
    assert ledger.windows(start + 7 * 3600)[2].covered_s == 3600.0  # and full an hour later
    # a pause shorter than the hour keeps the hour's answers and its length: no new young hour
    paused = AbandonLedger(started_at=start)
    for i in range(100):
        paused.record(start + 10 * i, abandoned=False)
    paused.start_session(start + 4000)
    assert paused.windows(start + 4000)[2].covered_s == 3600.0 and paused.windows(start + 4000)[2].answered > 0


def test_a_restarted_process_goes_on_from_the_last_hours_answers() -> None:
    """The database's last hour (decided at, abandoned) fills the rolling hour, not the days (their totals come
    from `add_history`): the guard counts the abandons made before the restart, and a floor that was dialling
    for the whole hour is not young again."""
    start = 1 * DAY + 12 * 3600
    ledger = AbandonLedger(started_at=start)
    ledger.add_history(1, 500, 6)
    decided = [(start - 3590.0 + 8.9 * i, i % 100 == 0) for i in range(400)]  # 400 answers, 4 abandons
    ledger.restore_hour([*decided, (start - 7200.0, True), (start + 5.0, True)], start)  # outside: ignored
    today, _, hour = ledger.windows(start)
    assert (today.answered, today.abandoned) == (500, 6)
    assert (hour.answered, hour.abandoned) == (400, 4) and hour.covered_s == pytest.approx(3590.0)
    ledger.start_session(start)  # the hour holds answers: no new young hour
    assert ledger.windows(start)[2].covered_s == pytest.approx(3590.0)
    # a campaign that had dialled for 10 minutes before the crash: the hour is young from its first answer
    short = AbandonLedger(started_at=start)
    short.restore_hour([(start - 600.0 + i, False) for i in range(50)], start)
    assert short.windows(start)[2].covered_s == pytest.approx(600.0)
    assert short.windows(start + 3000)[2].covered_s == 3600.0


def _brute_force_floor(records: list[tuple[float, bool]], now: float, pace: float, cap: float = 0.03) -> float:
    """The tightest hour to come, second by second: its answers when it is at the cap with its abandons."""
    best = math.inf
    total_abandons = sum(a for t, a in records if t > now - 3600)
    for s in range(int(now), int(now) + 3600):
        kept = [(t, a) for t, a in records if s - 3600 < t <= now]
        room = cap * (len(kept) + pace * (s - now)) - sum(a for _, a in kept)
        best = min(best, room)
    return (best + total_abandons) / cap


def test_ledger_gives_the_answers_of_the_tightest_hour_to_come() -> None:
    start = 9 * 3600.0
    ledger = AbandonLedger(started_at=start - 60.0)
    records = [(start + 6 * i, False) for i in range(450)]  # 450 answers over the first 45 minutes
    for t, a in records:
        ledger.record(t, abandoned=a)
    # a young hour: its answers leave from the first hour on while new ones come at the cautious pace
    early = ledger.windows(start + 2700)[2].answered_at_pace
    pace = FUTURE_PACE_MARGIN * min(450 / 2760, 150 / 900)
    assert early == pytest.approx(_brute_force_floor(records, start + 2700, pace), rel=0.01)
    assert early < 450.0
    more = [(start + 2700 + 15 * i, i == 0) for i in range(60)]  # then half the pace, one abandon
    for t, a in more:
        ledger.record(t, abandoned=a)
    now = start + 3599
    hour = ledger.windows(now)[2]
    assert hour.answered == 510
    pace = FUTURE_PACE_MARGIN * min(510 / 3600, 60 / 900)  # the slower of the hour's and the quarter's
    expected = _brute_force_floor(records + more, now, pace)
    assert hour.answered_at_pace == pytest.approx(expected, rel=0.01)
    assert hour.answered_at_pace < 240.0  # tighter than the quarter's pace over a whole hour
    assert hour.guard_answered == hour.answered_at_pace
    assert AbandonWindow("x", 100, 1, 3600.0, 3600.0, False, answered_at_pace=400.0).guard_answered == 100.0


def test_model_probabilities_are_probabilities() -> None:
    tables = pacing_tables(parametric_stats(answer_probability=0.3, mean_talk_s=120.0, mean_wrap_s=15.0))
    for table in (tables.free_on_call, tables.free_wrap_up, tables.answered_within):
        assert float(table.min()) >= 0.0 and float(table.max()) <= 1.0
        assert np.all(np.diff(table, axis=1) >= -1e-12)  # cumulative in the look-ahead
    assert tables.answered_eventually[0] == pytest.approx(0.3)
    assert tables.free_wrap_up[0, 15] == pytest.approx(1 - np.exp(-1), abs=0.05)


def test_expected_abandons_grow_with_new_calls() -> None:
    tables = pacing_tables(parametric_stats(answer_probability=0.3, mean_talk_s=120.0, mean_wrap_s=15.0))
    look = outlook(
        tables,
        ready=3,
        on_call_s=[60.0] * 10,
        wrap_up_s=[5.0] * 2,
        ringing_s=[2.0] * 4,
        answered_waiting=0,
        connect_limit_s=2.0,
    )
    abandons = [look.expected_abandons(n) for n in range(0, 40, 5)]
    assert abandons == sorted(abandons)
    assert abandons[0] >= 0.0
    assert look.expected_answers(10) == pytest.approx(look.expected_answers(0) + 3.0, abs=0.01)
    # nobody to take them: every expected answer is lost
    empty = outlook(tables, ready=0, on_call_s=[], wrap_up_s=[], ringing_s=[], answered_waiting=2, connect_limit_s=2.0)
    assert empty.expected_abandons(10) == pytest.approx(2 + 3.0, abs=0.01)


def _talk_floor(
    learner: PacingLearner, rng: random.Random, starts: list[float], mean_s: float, until: float
) -> list[float]:
    """Operators talking back to back (exponential talks of `mean_s`) until `until`; `starts` are the start
    times of the talks now running (updated). Returns the elapsed times of the talks running at `until`."""
    for i, started in enumerate(starts):
        ends = started + rng.expovariate(1 / mean_s)
        while ends <= until:
            learner.observe_talk(ends - started, ended_at=ends)
            started, ends = ends, ends + rng.expovariate(1 / mean_s)
        starts[i] = started
    return [until - s for s in starts]


def _trained_learner(rng: random.Random, operators: int, mean_s: float) -> tuple[PacingLearner, list[float], float]:
    learner = PacingLearner()
    starts = [0.0] * operators
    _talk_floor(learner, rng, starts, mean_s, 4 * 3600.0)
    return learner, starts, 4 * 3600.0


def test_talk_check_leaves_a_well_learned_curve_alone() -> None:
    rng = random.Random(3)
    learner, starts, now = _trained_learner(rng, 20, 120.0)
    factors = []
    for _ in range(120):  # two hours of checks, a minute apart
        now += 60.0
        talking = _talk_floor(learner, rng, starts, 120.0, now)
        factors.append(learner.talk_hazard_factor(learner.learned(10).talk_survival, now, talking))
    assert all(f <= 1.0 for f in factors)
    assert sum(f == 1.0 for f in factors) >= 0.8 * len(factors)
    assert min(factors) > 0.8


def test_talk_check_catches_talks_getting_longer_within_minutes() -> None:
    rng = random.Random(4)
    learner, starts, now = _trained_learner(rng, 20, 120.0)
    plain = learner.learned(10)
    now += 900.0  # a quarter of an hour after talk times doubled
    talking = _talk_floor(learner, rng, starts, 240.0, now)
    checked = learner.learned(10, now=now, talking_s=talking)
    unchecked = learner.learned(10)
    assert unchecked.mean_talk_s < 1.15 * plain.mean_talk_s  # the histogram has hardly moved
    factor = learner.talk_hazard_factor(unchecked.talk_survival, now, talking)
    assert 0.3 < factor < 0.8
    assert checked.mean_talk_s == pytest.approx(unchecked.mean_talk_s / factor)
    assert checked.talk_survival[120] == pytest.approx(unchecked.talk_survival[120] ** factor)
    assert checked.talk_survival[120] > unchecked.talk_survival[120]


def test_talk_check_never_speeds_the_curve_up_and_needs_enough_data() -> None:
    rng = random.Random(5)
    learner, starts, now = _trained_learner(rng, 20, 120.0)
    now += 900.0
    talking = _talk_floor(learner, rng, starts, 40.0, now)  # talks became much shorter
    survival = learner.learned(10).talk_survival
    assert learner.talk_hazard_factor(survival, now, talking) == 1.0
    small = PacingLearner()
    small.observe_talk(500.0, ended_at=100.0)
    assert small.talk_hazard_factor(small.learned(10).talk_survival, 200.0, [300.0]) == 1.0


def test_talk_check_forgets_talks_older_than_its_window() -> None:
    learner = PacingLearner(talk_check_window_s=600.0)
    for k in range(50):
        learner.observe_talk(30.0, ended_at=float(k))
    survival = learner.learned(10).talk_survival
    assert len(learner._talks_ended) == 50
    assert learner.talk_hazard_factor(survival, 1000.0, [200.0] * 20) < 0.5  # none seen, 20 long talks: slower
    assert learner.talk_hazard_factor(survival, 10_000.0, []) == 1.0  # nothing left in the window
    assert len(learner._talks_ended) == 0


def _dials(learner: PacingLearner, rng: random.Random, start: float, seconds: int, per_s: int, answer: float) -> None:
    for s in range(seconds):
        for _ in range(per_s):
            human = rng.random() < answer
            outcome = DialOutcome.HUMAN if human else DialOutcome.NO_ANSWER
            learner.observe_dial(outcome, 10.0 if human else 25.0, 12, resolved_at=start + s)


def test_answer_rate_check_follows_a_recovery_at_once_and_leaves_a_steady_rate_alone() -> None:
    rng = random.Random(5)
    learner = PacingLearner()
    _dials(learner, rng, 0.0, 1200, 1, 0.08)  # a 20-minute dip: the histogram learns 8 %
    steady = [learner.learned(12, now=t).answer_probability for t in range(600, 1200, 30)]
    assert all(p < 0.13 for p in steady)  # the check does not fire on a steady rate
    assert learner.answer_rate_factor(0.08, 1199.0) == pytest.approx(1.0, abs=0.15)
    _dials(learner, rng, 1200.0, 90, 1, 0.25)  # people are back: 90 s of dials at 25 %
    checked = learner.learned(12, now=1290.0).answer_probability
    assert learner.answer_probability(12) < 0.15  # the forgetting histogram still lags
    assert checked > 0.15  # the check does not
    assert learner.learned(12).answer_probability == pytest.approx(learner.answer_probability(12))  # no clock: off
