"""The simulator's second day of a campaign (`Simulation.history`, `run_second_day`): the first day is handed
over as the database would hold it, and the second starts from it through the live service's own warm start."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import UTC, datetime, timedelta

from dialer.outcomes import AttemptOutcome
from dialer.pacing import DialingMode, PacingSnapshot
from dialer.pacing.warm_start import WARM_START_DIALS, CampaignHistory, PastDial
from dialer.sim import CorePolicy, Simulation
from dialer.sim.engine import run_second_day
from dialer.sim.scenario import Scenario

SHIFT = Scenario(name="short", team_size=8, duration_s=1200.0, seed=11)


class Recording(CorePolicy):
    """Predictive, remembering the first snapshot it was shown."""

    def __init__(self) -> None:
        super().__init__(DialingMode.PREDICTIVE)
        self.first: PacingSnapshot | None = None

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        if self.first is None:
            self.first = snapshot
        return super().calls_to_place(snapshot)


@functools.cache
def _first_day() -> tuple[Simulation, Recording]:
    return _day(1)


def _day(seed: int, history: CampaignHistory | None = None) -> tuple[Simulation, Recording]:
    policy = Recording()
    sim = Simulation(SHIFT, policy, seed=seed, history=history)
    sim.run()
    return sim, policy


def test_the_history_holds_every_finished_dial_as_the_database_would() -> None:
    sim, _ = _first_day()
    history = sim.history()
    outcomes = Counter(AttemptOutcome(d.outcome) for d in history.dials)
    c = sim.counters
    assert outcomes[AttemptOutcome.ABANDONED] == c.abandoned
    assert outcomes[AttemptOutcome.MACHINE] == c.machines
    # connected calls are in the history once their talk has ended
    talking = sum(1 for o in sim.ops if o.talking_to is not None)
    assert outcomes[AttemptOutcome.CONNECTED] == c.connected - talking
    assert len(history.dials) == c.dialled - len(sim.ringing) - talking - sum(
        1 for w in sim.waiting if not w.connected and not w.abandoned
    )
    start = datetime.fromtimestamp(sim._clock(0.0), UTC) - timedelta(days=1)
    for d in history.dials:
        # one day back, within the shift, in order of its own events
        assert start <= d.originated_at <= d.ended_at <= start + timedelta(seconds=SHIFT.duration_s)
        if d.outcome == AttemptOutcome.CONNECTED:
            assert d.answered_at is not None and d.bridged_at is not None
            assert d.originated_at <= d.answered_at <= d.bridged_at <= d.ended_at
        elif d.outcome == AttemptOutcome.ABANDONED:
            assert d.answered_at is not None and d.bridged_at is None
    assert history.wrap_ups and all(seconds >= 0 for _, seconds in history.wrap_ups)


def test_a_second_day_starts_past_the_learning_gates_with_yesterday_in_its_compliance_windows() -> None:
    first, first_policy = _first_day()
    history = first.history()
    _, policy = _day(2, history)
    snap = policy.first
    assert snap is not None and snap.stats.learned is not None
    learned = snap.stats.learned
    # the first day learned from nothing; the second knows the campaign from the start
    assert first_policy.first is not None and first_policy.first.stats.learned is not None
    assert first_policy.first.stats.learned.dials_seen == 0
    assert learned.dials_seen >= snap.knobs.min_dials_to_predict
    assert learned.talks_seen >= snap.knobs.min_talks_per_operator * len(snap.operators)
    assert abs(learned.answer_probability - SHIFT.calls.answer_rate) < 0.1
    # the 30-day window counts yesterday's answers (those whose calls had ended), the rolling hour none of them
    people = [d for d in history.dials if AttemptOutcome(d.outcome).answered_by_person]
    month = [w for w in snap.stats.windows if w.name == "rolling_30d"]
    hour = [w for w in snap.stats.windows if w.name == "last_hour"]
    assert month and month[0].answered == len(people) > 0
    assert month[0].abandoned == sum(d.outcome == AttemptOutcome.ABANDONED for d in people)
    assert hour and hour[0].answered == 0


def test_run_second_day_is_the_second_of_two_simulations() -> None:
    second = run_second_day(SHIFT, Recording(), seed=2, first_day=Recording(), previous_seed=1)
    first, _ = _first_day()
    again = Simulation(SHIFT, Recording(), seed=2, history=first.history()).run()
    cold = Simulation(SHIFT, Recording(), seed=2).run()
    assert (second.occupancy, second.answered, second.abandoned) == (again.occupancy, again.answered, again.abandoned)
    assert second.occupancy != cold.occupancy


def test_recent_keeps_the_window_and_the_newest_dials() -> None:
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

    def dial(hours_ago: float) -> PastDial:
        ended = now - timedelta(hours=hours_ago)
        return PastDial("no_answer", ended - timedelta(seconds=28), ended)

    old, new = dial(25), dial(1)
    history = CampaignHistory((new, old), ((now - timedelta(hours=30), 20.0), (now - timedelta(hours=2), 15.0)))
    recent = history.recent(now)
    assert recent.dials == (new,)
    assert recent.wrap_ups == ((now - timedelta(hours=2), 15.0),)
    many = CampaignHistory(tuple(dial(h / 100) for h in range(WARM_START_DIALS + 10, 0, -1)))
    kept = many.recent(now).dials
    assert len(kept) == WARM_START_DIALS
    assert kept[-1].ended_at == now - timedelta(hours=0.01)  # the newest, oldest first
    assert list(kept) == sorted(kept, key=lambda d: d.ended_at)
