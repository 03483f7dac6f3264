"""Discrete-event simulation of one campaign shift, driving a dialling policy (the real core) on a fixed tick.

Calls, answers, operators' talk/wrap-up/pauses and shift events are events on a heap; the policy decides how
many calls to place every `decision_interval_s`, seeing the same `PacingSnapshot` the live service builds.
An answered call goes to the operator ready longest; with none ready it waits, and is abandoned if no operator
frees up within the connect limit. Randomness comes from seeded streams, one per purpose, so two policies
run on the same seed draw the same outcome for their k-th dial and the same talk time for their k-th call.

Blended scenarios (`Scenario.inbound`) add callers coming in: Poisson arrivals at the hour's rate, a FIFO
queue served by the operator ready longest, callers hanging up after their patience. An operator freeing up
takes an outbound person already waiting first (they are dropped within the connect limit; the live
service does the same), then the inbound queue. Inbound calls have their own random streams, so a scenario
without them draws exactly what it drew before; they never enter the outbound abandon ledger or learner.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from dialer.outcomes import AttemptOutcome
from dialer.pacing import (
    AbandonLedger,
    CallSnapshot,
    CampaignStats,
    DialOutcome,
    LearnedStats,
    OperatorSnapshot,
    OperatorState,
    PacingKnobs,
    PacingLearner,
    PacingSnapshot,
)
from dialer.pacing.blend import InboundFloor
from dialer.pacing.learned import DIAL_OUTCOMES
from dialer.pacing.warm_start import CampaignHistory, PastDial, warm_start
from dialer.rules.inbound_figures import InboundCallRecord, InboundFigures
from dialer.sim.metrics import AnsweredCall, OperatorLog, SimResult, summarise
from dialer.sim.policies import BlendAware, Policy
from dialer.sim.scenario import CallMix, Dist, InboundTraffic, Scenario, apply_call_changes, apply_knob_changes

_UNLIMITED_CONTACTS = 10**9
_WARM_DIALS = 1000  # until the learner has seen this many dials, refresh its statistics every few seconds
_WARMUP_REFRESH_S = 5.0
_DAY_S = 86400.0
_DAY_OFFSET = 1 * _DAY_S  # the simulated shift happens on day 1 (day 0 may hold history)
_ATTEMPT_OUTCOMES = {dial: attempt for attempt, dial in DIAL_OUTCOMES.items()}  # the rest: FAILED


class _Ev(IntEnum):
    RESOLVE = 0
    TALK_END = 1
    WRAP_END = 2
    PAUSE_END = 3
    ABANDON_CHECK = 4
    SHIFT = 5
    BREAK = 6
    TICK = 7
    ARRIVAL = 8
    PATIENCE = 9


@dataclass(slots=True)
class _Operator:
    op_id: int
    state: OperatorState
    since: float
    log: OperatorLog
    logged_in: bool = True
    leave_after_call: bool = False
    pause_after_call: float = 0.0
    on_break: bool = False
    inbound: bool = False  # on an inbound call or its wrap-up
    answered_inbound_at: float = 0.0
    talking_to: _Call | None = None  # the outbound call the operator is on


@dataclass(slots=True)
class _Call:
    call_id: int
    placed_at: float
    outcome: DialOutcome
    resolves_at: float
    answered_at: float = -1.0
    connected: bool = False
    abandoned: bool = False


@dataclass(slots=True)
class _Caller:
    """A caller who came in on the campaign's number."""

    arrived_at: float
    served: bool = False
    gone: bool = False


@dataclass(slots=True)
class _Counters:
    dialled: int = 0
    answered: int = 0
    abandoned: int = 0
    machines: int = 0
    connected: int = 0
    decisions: int = 0
    guard_ticks: int = 0
    lines_peak: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Simulation:
    def __init__(
        self, scenario: Scenario, policy: Policy, *, seed: int | None = None, history: CampaignHistory | None = None
    ) -> None:
        """`history`: the campaign's earlier days, as the database would hold them (`Simulation.history` of an
        earlier run); the shift starts from it as a new run of the live service does (`warm_start`)."""
        self.sc = scenario
        self.policy = policy
        seed = scenario.seed if seed is None else seed
        self.rng_dial = random.Random(f"{seed}:dial")
        self.rng_talk = random.Random(f"{seed}:talk")
        self.rng_ops = random.Random(f"{seed}:ops")
        self.mix: CallMix = scenario.calls
        self.talk: Dist = scenario.talk_time
        self.wrap: Dist = scenario.wrap_up_time
        self.knobs: PacingKnobs = policy.knobs(scenario.knobs)
        self.now = 0.0
        self._heap: list[tuple[float, int, _Ev, Any]] = []
        self._seq = 0
        self.ops: list[_Operator] = []
        self.ringing: dict[int, _Call] = {}
        self.waiting: deque[_Call] = deque()
        self.answered: list[AnsweredCall] = []
        self.counters = _Counters()
        self.learner = PacingLearner()
        self.ledger = AbandonLedger(started_at=self._clock(0.0))
        self.learned: LearnedStats | None = None
        self._next_refresh = 0.0
        self._next_call_id = 0
        self.traffic: InboundTraffic | None = scenario.inbound
        self.rng_in = random.Random(f"{seed}:inbound")  # own streams: outbound draws stay as they were
        self.rng_in_talk = random.Random(f"{seed}:inbound-talk")
        self.queue: deque[_Caller] = deque()
        self.inbound_calls: list[InboundCallRecord] = []
        if self.traffic is not None and isinstance(policy, BlendAware):
            policy.start_inbound(self.traffic)
        # what the database would hold of this shift: finished outbound dials (outcome, placed, ended, answered,
        # bridged; simulated seconds) and outbound wrap-ups (ended, seconds)
        self._dials: list[tuple[AttemptOutcome, float, float, float | None, float | None]] = []
        self._wrap_ups: list[tuple[float, float]] = []
        if history is not None:
            self._start_from(history)

    # --- earlier days -------------------------------------------------------------------------------
    def _start_from(self, history: CampaignHistory) -> None:
        """As the live service opens a campaign's run: the ledger's compliance windows from the earlier days'
        totals, the learner from the last 24 hours' dials and wrap-ups."""
        start = _instant(self._clock(0.0))
        days: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for d in history.dials:
            if AttemptOutcome(d.outcome).answered_by_person and d.ended_at < start:
                day = days[int(d.ended_at.timestamp() // _DAY_S)]
                day[0] += 1
                day[1] += d.outcome == AttemptOutcome.ABANDONED
        for day_no, (answered, abandoned) in sorted(days.items()):
            self.ledger.add_history(day_no, answered, abandoned)
        if self.policy.uses_learning:
            warm_start(self.learner, history.recent(start), now=start, monotonic_now=0.0)

    def history(self, *, days_ago: int = 1) -> CampaignHistory:
        """This shift as the database holds it afterwards, moved `days_ago` days back: what a run of the same
        campaign that many days later starts from."""
        back = days_ago * _DAY_S

        def at(t: float) -> datetime:
            return _instant(self._clock(t) - back)

        dials = tuple(
            PastDial(
                outcome.value,
                at(placed),
                at(ended),
                None if answered is None else at(answered),
                None if bridged is None else at(bridged),
            )
            for outcome, placed, ended, answered, bridged in self._dials
        )
        wraps = tuple((at(ended), seconds) for ended, seconds in self._wrap_ups)
        return CampaignHistory(dials, wraps)

    # --- plumbing -------------------------------------------------------------------------------------
    def _clock(self, t: float) -> float:
        """Seconds since day 0 midnight, as the ledger and hour-of-day statistics expect."""
        return _DAY_OFFSET + self.sc.start_hour * 3600.0 + t

    def _hour(self) -> int:
        return int(self._clock(self.now) // 3600) % 24

    def _push(self, at: float, kind: _Ev, data: Any = None) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, data))

    def _set_state(self, op: _Operator, state: OperatorState) -> None:
        spent = self.now - op.since
        if op.state is OperatorState.ON_CALL:
            op.log.talk_s += spent
        elif op.state is OperatorState.WRAP_UP:
            op.log.wrap_s += spent
        elif op.state is OperatorState.PAUSED:
            op.log.paused_s += spent
        else:
            op.log.ready_s += spent
        op.state = state
        op.since = self.now

    # --- operators ------------------------------------------------------------------------------------
    def _login(self) -> None:
        op_id = len(self.ops)
        op = _Operator(op_id, OperatorState.READY, self.now, OperatorLog(op_id, logged_in_at=self.now))
        self.ops.append(op)
        if self.sc.breaks_per_operator_hour > 0:
            self._schedule_break(op)
        self._operator_free(op)

    def _schedule_break(self, op: _Operator) -> None:
        gap = self.rng_ops.expovariate(self.sc.breaks_per_operator_hour / 3600.0)
        self._push(self.now + gap, _Ev.BREAK, op.op_id)

    def _logout(self, op: _Operator) -> None:
        self._set_state(op, op.state)  # closes the time accounting of the current state
        op.logged_in = False
        op.log.logged_out_at = self.now

    def _pause(self, op: _Operator, seconds: float) -> None:
        self._set_state(op, OperatorState.PAUSED)
        self._push(self.now + seconds, _Ev.PAUSE_END, op.op_id)

    def _operator_free(self, op: _Operator) -> None:
        """After log-in, wrap-up or a pause: leave, pause, take a waiting caller, or wait READY."""
        if op.leave_after_call:
            self._logout(op)
            return
        if op.pause_after_call > 0:
            seconds, op.pause_after_call = op.pause_after_call, 0.0
            self._pause(op, seconds)
            return
        if op.state is not OperatorState.READY:
            self._set_state(op, OperatorState.READY)
        while self.waiting:
            call = self.waiting.popleft()
            if not call.abandoned:
                self._connect(call, op)
                return
        while self.queue:
            caller = self.queue.popleft()
            if not caller.gone:
                self._answer_inbound(caller, op)
                return

    def _connect(self, call: _Call, op: _Operator) -> None:
        op.log.idle_waits.append(self.now - op.since)
        self._set_state(op, OperatorState.ON_CALL)
        call.connected = True
        self.counters.connected += 1
        op.log.calls += 1
        self.answered.append(AnsweredCall(call.answered_at, self.now - call.answered_at, abandoned=False))
        self.ledger.record(self._clock(self.now), abandoned=False)
        op.talking_to = call
        self._push(self.now + self.talk.sample(self.rng_talk), _Ev.TALK_END, op.op_id)

    # --- inbound --------------------------------------------------------------------------------------
    def _schedule_arrival(self, after: float) -> None:
        """The next caller after `after`: exponential gaps at the hour's rate, redrawn at each hour boundary
        (exact for a rate constant within each hour)."""
        traffic = self.traffic
        if traffic is None:
            return
        t = after
        while t < self.sc.duration_s:
            rate = traffic.rate_per_s(int(self._clock(t) // 3600))
            boundary = (self._clock(t) // 3600 + 1) * 3600 - self._clock(0.0)
            if rate > 0:
                gap = self.rng_in.expovariate(rate)
                if t + gap < boundary:
                    self._push(t + gap, _Ev.ARRIVAL)
                    return
            t = boundary

    def _arrival(self) -> None:
        assert self.traffic is not None
        caller = _Caller(self.now)
        patience = self.traffic.patience.sample(self.rng_in)
        if isinstance(self.policy, BlendAware):
            self.policy.inbound_arrival(self._clock(self.now), self._hour())
        op = self._ready_operator()
        if op is not None:
            self._answer_inbound(caller, op)
        else:
            self.queue.append(caller)
            self._push(self.now + patience, _Ev.PATIENCE, caller)
        self._schedule_arrival(self.now)

    def _answer_inbound(self, caller: _Caller, op: _Operator) -> None:
        assert self.traffic is not None
        caller.served = True
        self.inbound_calls.append(InboundCallRecord(caller.arrived_at, self.now - caller.arrived_at, answered=True))
        op.log.idle_waits.append(self.now - op.since)
        self._set_state(op, OperatorState.ON_CALL)
        op.log.calls += 1
        op.inbound = True
        op.answered_inbound_at = self.now
        self._push(self.now + self.traffic.talk_time.sample(self.rng_in_talk), _Ev.TALK_END, op.op_id)

    def _patience_over(self, caller: _Caller) -> None:
        if caller.served:
            return
        caller.gone = True
        self.inbound_calls.append(InboundCallRecord(caller.arrived_at, self.now - caller.arrived_at, answered=False))

    def inbound_floor(self) -> InboundFloor:
        return InboundFloor(
            frozenset(o.op_id for o in self.ops if o.logged_in and o.inbound),
            sum(1 for c in self.queue if not c.gone),
        )

    def _ready_operator(self) -> _Operator | None:
        best: _Operator | None = None
        for op in self.ops:
            if op.logged_in and op.state is OperatorState.READY and (best is None or op.since < best.since):
                best = op
        return best

    def _pick(self, count: float, *, include_paused: bool) -> list[_Operator]:
        pool = [
            o
            for o in self.ops
            if o.logged_in and not o.leave_after_call and (include_paused or o.state is not OperatorState.PAUSED)
        ]
        k = round(count * len(pool)) if count < 1 else int(count)
        return self.rng_ops.sample(pool, min(k, len(pool)))

    # --- calls ----------------------------------------------------------------------------------------
    def _place_call(self) -> None:
        mix = self.mix
        u = self.rng_dial.random()
        ring = self.rng_dial
        if u < mix.answer_rate:
            outcome, after = DialOutcome.HUMAN, min(mix.ring_time.sample(ring), mix.no_answer_after_s)
        elif u < mix.answer_rate + mix.machine_rate:
            outcome, after = DialOutcome.MACHINE, min(mix.machine_time.sample(ring), mix.no_answer_after_s)
        elif u < mix.answer_rate + mix.machine_rate + mix.busy_rate:
            outcome, after = DialOutcome.BUSY, mix.busy_time.sample(ring)
        else:
            outcome, after = DialOutcome.NO_ANSWER, mix.no_answer_after_s
        self._next_call_id += 1
        call = _Call(self._next_call_id, self.now, outcome, self.now + after)
        self.ringing[call.call_id] = call
        self.counters.dialled += 1
        self._push(call.resolves_at, _Ev.RESOLVE, call)

    def _resolve(self, call: _Call) -> None:
        del self.ringing[call.call_id]
        self.learner.observe_dial(call.outcome, self.now - call.placed_at, self._hour(), resolved_at=self.now)
        if call.outcome is DialOutcome.MACHINE:
            self.counters.machines += 1
            if self.knobs.machines_count_as_abandons:  # the regulator counts it: answered and abandoned
                self.counters.answered += 1
                self.counters.abandoned += 1
                self.answered.append(AnsweredCall(self.now, 0.0, abandoned=True))
                self.ledger.record(self._clock(self.now), abandoned=True)
        if call.outcome is not DialOutcome.HUMAN:
            answered = self.now if call.outcome is DialOutcome.MACHINE else None
            outcome = _ATTEMPT_OUTCOMES.get(call.outcome, AttemptOutcome.FAILED)
            self._dials.append((outcome, call.placed_at, self.now, answered, None))
            return
        call.answered_at = self.now
        self.counters.answered += 1
        op = self._ready_operator()
        if op is not None:
            self._connect(call, op)
        else:
            self.waiting.append(call)
            self._push(self.now + self.knobs.connect_limit_s, _Ev.ABANDON_CHECK, call)

    def _abandon_check(self, call: _Call) -> None:
        if call.connected:
            return
        call.abandoned = True
        self.counters.abandoned += 1
        self._dials.append((AttemptOutcome.ABANDONED, call.placed_at, self.now, call.answered_at, None))
        self.answered.append(AnsweredCall(call.answered_at, self.now - call.answered_at, abandoned=True))
        self.ledger.record(self._clock(self.now), abandoned=True)

    # --- shift events ---------------------------------------------------------------------------------
    def _shift_event(self, idx: int) -> None:
        ev = self.sc.events[idx]
        if ev.set:
            self.mix = apply_call_changes(self.mix, ev.set)
            if "talk_time" in ev.set:
                self.talk = Dist.parse(ev.set["talk_time"])
            if "wrap_up_time" in ev.set:
                self.wrap = Dist.parse(ev.set["wrap_up_time"])
            if "knobs" in ev.set:
                self.knobs = self.policy.knobs(apply_knob_changes(self.knobs, ev.set["knobs"]))
        for _ in range(ev.login):
            self._login()
        if ev.logout:
            for op in self._pick(ev.logout, include_paused=True):
                if op.state in (OperatorState.READY, OperatorState.PAUSED):
                    self._logout(op)
                else:
                    op.leave_after_call = True
        if ev.pause:
            for op in self._pick(ev.pause, include_paused=False):
                self._take_pause(op, ev.pause_for_s)

    def _take_pause(self, op: _Operator, seconds: float) -> None:
        if op.state is OperatorState.READY:
            self._pause(op, seconds)
        elif op.state is not OperatorState.PAUSED:
            op.pause_after_call = max(op.pause_after_call, seconds)

    # --- the tick -------------------------------------------------------------------------------------
    def snapshot(self) -> PacingSnapshot:
        now = self.now
        if self.policy.uses_learning and now >= self._next_refresh:
            talking = [now - o.since for o in self.ops if o.logged_in and o.state is OperatorState.ON_CALL]
            self.learned = self.learner.learned(self._hour(), now=now, talking_s=talking)
            warming = self.learner.ring.observations < _WARM_DIALS
            self._next_refresh = now + (_WARMUP_REFRESH_S if warming else self.sc.stats_refresh_s)
        operators = tuple(OperatorSnapshot(o.op_id, o.state, now - o.since) for o in self.ops if o.logged_in)
        calls = tuple(CallSnapshot(c.call_id, now - c.placed_at) for c in self.ringing.values())
        c = self.counters
        stats = CampaignStats(
            dialled=c.dialled,
            answered=c.answered,
            abandoned=c.abandoned,
            windows=self.ledger.windows(self._clock(now)),
            learned=self.learned,
        )
        waiting = sum(1 for w in self.waiting if not w.abandoned and not w.connected)
        return PacingSnapshot(
            now=self._clock(now),
            operators=operators,
            calls_in_flight=calls,
            answered_waiting=waiting,
            contacts_available=_UNLIMITED_CONTACTS,
            knobs=self.knobs,
            stats=stats,
        )

    def _tick(self) -> None:
        snap = self.snapshot()
        if isinstance(self.policy, BlendAware):
            self.policy.inbound_floor(self.inbound_floor(), self._clock(self.now), self._hour())
        n = self.policy.calls_to_place(snap)
        self.counters.decisions += 1
        for _ in range(n):
            self._place_call()
        self.counters.lines_peak = max(self.counters.lines_peak, len(self.ringing) + len(self.waiting))
        nxt = self.now + self.sc.decision_interval_s
        if nxt < self.sc.duration_s:
            self._push(nxt, _Ev.TICK)

    # --- run ------------------------------------------------------------------------------------------
    def run(self) -> SimResult:
        self.start()
        self.advance(self.sc.duration_s)
        return self.finish()

    def start(self) -> None:
        """The shift's opening: operators log in, the shift's events and the first tick are scheduled."""
        for _ in range(self.sc.team_size):
            self._login()
        for i, ev in enumerate(self.sc.events):
            self._push(ev.at, _Ev.SHIFT, i)
        self._push(0.0, _Ev.TICK)
        self._schedule_arrival(0.0)

    def advance(self, until: float) -> None:
        """Play every event up to `until` (s since the shift's start). A copy of a simulation advanced with a
        policy that places nothing shows what the calls in flight do on their own (the model's calibration)."""
        end = min(until, self.sc.duration_s)
        while self._heap and self._heap[0][0] <= end:
            at, _, kind, data = heapq.heappop(self._heap)
            self.now = at
            if kind is _Ev.TICK:
                self._tick()
            elif kind is _Ev.RESOLVE:
                self._resolve(data)
            elif kind is _Ev.ABANDON_CHECK:
                self._abandon_check(data)
            elif kind is _Ev.TALK_END:
                op = self.ops[data]
                if op.inbound:
                    wrap = self._inbound_wrap_up()
                else:
                    self.learner.observe_talk(self.now - op.since, ended_at=self.now)
                    wrap = self.wrap.sample(self.rng_talk)
                    if (call := op.talking_to) is not None:  # bridged when the operator went on the call
                        self._dials.append(
                            (AttemptOutcome.CONNECTED, call.placed_at, self.now, call.answered_at, op.since)
                        )
                        op.talking_to = None
                self._set_state(op, OperatorState.WRAP_UP)
                if self.knobs.wrap_up_limit_s is not None:  # made ready when the campaign's wrap-up time is over
                    wrap = min(wrap, self.knobs.wrap_up_limit_s)
                self._push(self.now + wrap, _Ev.WRAP_END, op.op_id)
            elif kind is _Ev.WRAP_END:
                op = self.ops[data]
                if op.inbound:
                    op.inbound = False
                    if isinstance(self.policy, BlendAware):
                        self.policy.inbound_handled(self.now - op.answered_inbound_at, self._hour())
                else:
                    self.learner.observe_wrap_up(self.now - op.since)
                    self._wrap_ups.append((self.now, self.now - op.since))
                self._operator_free(op)
            elif kind is _Ev.ARRIVAL:
                self._arrival()
            elif kind is _Ev.PATIENCE:
                self._patience_over(data)
            elif kind is _Ev.PAUSE_END:
                op = self.ops[data]
                if op.logged_in and op.state is OperatorState.PAUSED:
                    self._operator_free(op)
            elif kind is _Ev.SHIFT:
                self._shift_event(data)
            elif kind is _Ev.BREAK:
                op = self.ops[data]
                if op.logged_in:
                    self._take_pause(op, self.sc.break_time.sample(self.rng_ops))
                    self._schedule_break(op)
        self.now = max(self.now, end)

    def finish(self) -> SimResult:
        """Close the shift's accounting and summarise it."""
        end = self.now = self.sc.duration_s
        for op in self.ops:
            if op.logged_in:
                self._set_state(op, op.state)
                op.log.logged_out_at = end
        # callers answered in the last instants of the shift are left out: their fate is not known yet
        # (and inbound callers still queued at the end)
        inbound = InboundFigures.of(self.inbound_calls, self.traffic.service_level_within_s) if self.traffic else None
        return summarise(
            self.sc, self.policy.name, self.answered, [o.log for o in self.ops], self.counters_dict(), inbound
        )

    def _inbound_wrap_up(self) -> float:
        assert self.traffic is not None
        dist = self.traffic.wrap_up_time or self.wrap
        return dist.sample(self.rng_in_talk)

    def counters_dict(self) -> dict[str, float]:
        c = self.counters
        policy_stats = getattr(self.policy, "stats", None)
        extra: dict[str, float] = policy_stats() if callable(policy_stats) else {}
        return {
            **extra,
            "dialled": c.dialled,
            "answered": c.answered,
            "abandoned": c.abandoned,
            "connected": c.connected,
            "machines": c.machines,
            "lines_peak": c.lines_peak,
        }


def _instant(clock_s: float) -> datetime:
    return datetime.fromtimestamp(clock_s, UTC)


def run_scenario(scenario: Scenario, policy: Policy, *, seed: int | None = None, **overrides: Any) -> SimResult:
    if overrides:
        scenario = replace(scenario, **overrides)
    return Simulation(scenario, policy, seed=seed).run()


def run_second_day(
    scenario: Scenario, policy: Policy, *, seed: int, first_day: Policy, previous_seed: int
) -> SimResult:
    """A campaign's second day: `first_day` dials the same shift the day before on `previous_seed`, then
    `policy` dials this day on `seed`, starting from what the first day left in the database (as a new run of
    the live service starts)."""
    yesterday = Simulation(scenario, first_day, seed=previous_seed)
    yesterday.run()
    return Simulation(scenario, policy, seed=seed, history=yesterday.history()).run()
