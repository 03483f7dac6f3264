"""`decide(snapshot)`: how many new calls to place now. Pure and deterministic."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np

from dialer.pacing.guard import (
    abandon_room,
    abandons_within_room,
    bounded_confidence,
    compliance_guard,
    effective_target,
)
from dialer.pacing.learned import LearnedStats
from dialer.pacing.model import Outlook, outlook, pacing_tables
from dialer.pacing.snapshot import CampaignStats, DialingMode, OperatorState, PacingDecision, PacingSnapshot
from dialer.proportions import wilson_interval

RAMP_START = 0.1  # the share of the predictive surplus allowed the moment the learning gates open
STEP_HORIZON_S = 5  # one decision places no more calls than the operators of the next few seconds can take
ROOM_SHARE = 0.5  # the calls in flight at one moment may use at most this share of a window's room: 7 operators
# on a cold list spent an hour's whole room (3 abandons, at the 99 % bound of the 0.58 expected) in one burst
GUARD_MIN_SLACK = 0.01  # expected abandons: below this much room beyond the calls in flight, dial progressively
EARLY_ANSWER_CONFIDENCE = 0.9  # the early regime plans with this upper (Wilson) bound of the recent answer rate
# ...for teams of 13 or more only: at 7 operators on a cold list (an hour of ~80 answers, a room of 1-2 abandons)
# it crossed the cap on tuning seed 1 (3.53 %) and lost 2 points on all three seeds
EARLY_MIN_OPERATORS = 13
GUARD_RATE_MARGIN = 0.02  # the guard's answer rate must be this much above the learned one to be modelled apart


def _pending(snapshot: PacingSnapshot) -> int:
    return len(snapshot.calls_in_flight) + snapshot.answered_waiting


def _bounded(
    snapshot: PacingSnapshot,
    wanted: int,
    reason: str,
    *,
    mode_used: DialingMode | None = None,
    guard_tripped: bool = False,
    effective_target: float | None = None,
    expected_abandon_rate: float | None = None,
    expected_answers: float | None = None,
) -> PacingDecision:
    """Clamp a policy's wish by trunk size and by the contacts there are to dial."""
    room = snapshot.knobs.max_lines - _pending(snapshot)
    n = max(0, min(wanted, room, snapshot.contacts_available))
    if n < wanted:
        reason += f"; clamped to {n} (trunk room {room}, contacts {snapshot.contacts_available})"
    return PacingDecision(
        calls_to_place=n,
        reason=reason,
        mode_used=mode_used,
        guard_tripped=guard_tripped,
        effective_target=effective_target,
        expected_abandon_rate=expected_abandon_rate,
        expected_answers=expected_answers,
    )


def _progressive(snapshot: PacingSnapshot, reason: str, *, guard_tripped: bool = False) -> PacingDecision:
    ready = snapshot.operators_in(OperatorState.READY)
    pending = _pending(snapshot)
    return _bounded(
        snapshot,
        ready - pending,
        f"{reason}progressive: {ready} ready, {pending} pending",
        mode_used=DialingMode.PROGRESSIVE,
        guard_tripped=guard_tripped,
    )


def learning_ramp(talks_seen: int, talks_needed: float) -> float:
    """How far the engine trusts its estimates, 0.1..1, once the learning gates are open.

    It grows linearly over as many finished calls again as the talk gate asked for: the first estimates after
    the gate are the least reliable (the first finished talks are the short ones), and a surplus sized by them
    all at once was the 1,000-operator burst. It scales the step bound, the abandon target and the guard's
    allowance alike.
    """
    if talks_needed <= 0:
        return 1.0
    return min(max((talks_seen - talks_needed) / talks_needed, RAMP_START), 1.0)


def gate_talks(stats: CampaignStats, learned: LearnedStats) -> tuple[int, str]:
    """The finished talks the learning gates and the ramp count, and what they are: the learner's, but while the
    rolling hour is young (less than an hour since dialling started) no more than the answers that hour holds.

    A warm start (a restart, the campaign's next calling window) is past the learning gates at its first decision,
    while its young hour has room for one or two abandons, and abandons come in clumps of 3-5 on a team of 20 or
    more: a second day at full trust crossed the cap on 22 of 72 held-out seed-days, a first day on 2. A cold
    start fills its young hour with answers while it learns; this gives a warm one the same young hour. On a
    first day the hour holds every talk the learner has seen finish, so a cold start is gated as before.
    """
    for w in stats.compliance_windows():
        if not w.enforced and not w.full and w.answered < learned.talks_seen:
            return w.answered, "answers in the young hour"
    return learned.talks_seen, "talks seen"


def absorbable_calls(look: Outlook, ready: int, ramp: float) -> int:
    """New calls one decision may place on top of progressive: no more than the operators ready now or freeing
    within `STEP_HORIZON_S` can take the answers of (scaled by the ramp).

    The model's plan may ask for more (a large floor whose estimate says many are about to free); the next
    decision, a second later, sees what those calls did. Steps stay bounded by the next few seconds.
    """
    q = max(look.new_call_answer, 1e-3)
    absorb = ready + look.expected_free_within(STEP_HORIZON_S)
    return math.ceil(ramp * absorb / q)


def answer_rate_upper(p: float, dials: float, confidence: float = EARLY_ANSWER_CONFIDENCE) -> float:
    """Upper one-sided Wilson bound of an answer rate p seen over `dials` (an effective count): 1 with no data.

    Wilson rather than the normal bound: on a cold list p is near 0.1 and a hundred dials leave it uncertain by
    a third of itself; the normal bound is too narrow there.
    """
    z = NormalDist().inv_cdf(bounded_confidence(confidence))
    return wilson_interval(min(max(p, 0.0), 1.0), dials, z)[1]


@functools.lru_cache(maxsize=16)
def at_answer_rate(learned: LearnedStats, q: float) -> LearnedStats:
    """`learned` with its answer rate raised to q (cached per refresh, like its tables; `learned` itself when q
    is not above its rate).

    The answer curve is scaled up and the other outcomes' curve down, keeping their timing: a ringing call's
    chance of a person is then q's too. The talk and wrap-up curves are left as they are.
    """
    p = learned.answer_probability
    if p <= 1e-9 or q <= p:
        return learned
    f, g = q / p, (1.0 - q) / max(1.0 - p, 1e-9)
    answers = learned.answer_cdf
    others = np.clip(1.0 - answers - learned.unresolved, 0.0, None)  # other outcomes resolved before r s
    unresolved = np.clip(1.0 - f * answers - g * others, 1e-9, 1.0)
    scaled = f * answers
    for a in (scaled, unresolved):
        a.flags.writeable = False
    return replace(learned, answer_probability=q, answer_cdf=scaled, unresolved=unresolved)


@functools.lru_cache(maxsize=8)
def early_stats(learned: LearnedStats) -> LearnedStats:
    """`learned` with its answer rate raised to `answer_rate_upper` (the early regime's view; cached per
    refresh, as it was before `at_answer_rate` was split out of it)."""
    p = learned.answer_probability
    return at_answer_rate(learned, max(answer_rate_upper(p, learned.answer_dials), p))


def guard_stats(learned: LearnedStats) -> LearnedStats:
    """The guard's view: the answer rate at the highest the last hour credibly showed, when that is higher by
    more than `GUARD_RATE_MARGIN` (`learned` itself otherwise, and the guard needs no second model)."""
    high = learned.answer_rate_recent_high
    if high <= learned.answer_probability * (1.0 + GUARD_RATE_MARGIN):
        return learned
    return at_answer_rate(learned, high)


@dataclass(frozen=True, slots=True)
class _Plan:
    """One regime's answer: the most new calls, the expected abandons with none and with them, the limit."""

    regime: str  # "early" (ready operators only, answer rate's upper bound) or "full" (the whole model)
    look: Outlook
    best: int
    in_flight: float
    abandons_best: float
    max_abandons: float
    step: int
    rate: float  # the abandon rate it planned for
    guard_in_flight: float = 0.0  # the calls in flight's expected abandons in the guard's view, if it has its own

    @property
    def room_left(self) -> bool:
        """Whether the guard leaves this regime any room beyond the calls already in flight."""
        in_flight = max(self.look.total_abandons(0, self.in_flight), self.guard_in_flight)
        return self.max_abandons - in_flight >= GUARD_MIN_SLACK


def early_limit(look: Outlook, ready: int, pending: int) -> int:
    """New calls the early regime may place at most: all lines together never more than the ready operators'
    worth at the answer rate's upper bound (`ready / q`), busy operators not counted as freeing up."""
    q = max(look.new_call_answer, 1e-3)
    return math.floor(ready / q + 1e-9) - pending


def _predictive(snapshot: PacingSnapshot) -> PacingDecision:
    knobs = snapshot.knobs
    stats = snapshot.stats
    learned: LearnedStats | None = stats.learned
    if learned is None or learned.dials_seen < knobs.min_dials_to_predict:
        seen = 0 if learned is None else learned.dials_seen
        return _progressive(snapshot, f"learning ({seen}/{knobs.min_dials_to_predict} dials seen) -> ")
    talks_needed = knobs.min_talks_per_operator * len(snapshot.operators)
    talks, talks_what = gate_talks(stats, learned)
    talks_trusted = talks >= talks_needed
    ramp = learning_ramp(talks, talks_needed)
    ready_n = 0
    on_call: list[float] = []
    wrap_up: list[float] = []
    for o in snapshot.operators:
        if o.state is OperatorState.READY:
            ready_n += 1
        elif o.state is OperatorState.ON_CALL:
            on_call.append(o.seconds_in_state)
        elif o.state is OperatorState.WRAP_UP:
            wrap_up.append(o.seconds_in_state)
    active = ready_n + len(on_call) + len(wrap_up)
    # The early regime: before the talk curves are trusted (and while they ramp up), plan on the operators ready
    # now, at the answer rate's upper bound. It needs the answer rate's evidence (`answer_dials`), and a team
    # whose hour has room for more than a few abandons (`EARLY_MIN_OPERATORS`).
    early = knobs.early_regime and ramp < 1.0 and learned.answer_dials > 0 and active >= EARLY_MIN_OPERATORS
    if not talks_trusted and not early:
        return _progressive(snapshot, f"learning ({talks}/{talks_needed:.0f} {talks_what}) -> ")
    pending = _pending(snapshot)
    floor_new = math.ceil(knobs.min_lines_per_operator * ready_n - 1e-9) - pending
    ceiling_new = math.floor(knobs.max_lines_per_operator * active + 1e-9) - pending
    ceiling_new = min(ceiling_new, knobs.max_lines - pending, snapshot.contacts_available)
    ringing = [c.seconds_since_originate for c in snapshot.calls_in_flight]
    target = effective_target(stats, knobs)
    allowance = math.inf
    guard_note = ""
    room = None
    if knobs.compliance_guard:
        # The guard by construction: the likely worst of the abandons of every call in flight and every new
        # call must fit in the room the tightest window has left.
        room = abandon_room(stats, knobs.abandon_cap, steering=knobs.guard_steering_windows)
        allowance = abandons_within_room(ROOM_SHARE * room.abandons, knobs.abandon_confidence, knobs.abandon_dispersion)
        guard_note = f"; guard room {room.abandons:.2f} in {room.window}"

    def counted_machines(look: Outlook, m: float) -> Outlook:
        # every machine answer will count as an answered and abandoned call: the calls in flight (at the
        # unconditional machine rate: a little high for calls that have rung a while) and each new call
        if not knobs.machines_count_as_abandons:
            return look
        return replace(look, machine_pending=m * len(snapshot.calls_in_flight), machine_per_call=m)

    def floor_outlook(stats: LearnedStats) -> Outlook:
        """The whole floor (busy operators freeing up) and every call in flight, under `stats`."""
        look = outlook(
            pacing_tables(stats, knobs.wrap_up_limit_s),
            ready=ready_n,
            on_call_s=on_call,
            wrap_up_s=wrap_up,
            ringing_s=ringing,
            answered_waiting=snapshot.answered_waiting,
            connect_limit_s=knobs.connect_limit_s,
        )
        return counted_machines(look, stats.machine_probability)

    plans: list[_Plan] = []
    if early:
        fast = early_stats(learned)
        look_e = outlook(
            pacing_tables(fast, knobs.wrap_up_limit_s),
            ready=ready_n,
            on_call_s=(),
            wrap_up_s=(),
            ringing_s=ringing,
            answered_waiting=snapshot.answered_waiting,
            connect_limit_s=knobs.connect_limit_s,
        )
        look_e = counted_machines(look_e, fast.machine_probability)
        step_e = max(floor_new, 0) + absorbable_calls(look_e, ready_n, ramp)
        limit_e = min(ceiling_new, step_e, early_limit(look_e, ready_n, pending))
        best, now, at_best = look_e.plan(target.rate, limit_e, allowance)
        plans.append(_Plan("early", look_e, best, now, at_best, allowance, step_e, target.rate))
    if talks_trusted:
        look = floor_outlook(learned)
        step = max(floor_new, 0) + absorbable_calls(look, ready_n, ramp)
        # fresh estimates are trusted with a fraction of the abandon budget, growing with the data
        rate = target.rate * ramp
        best, now, at_best = look.plan(rate, min(ceiling_new, step), ramp * allowance)
        guard_now = 0.0
        guarded = guard_stats(learned)
        if math.isfinite(allowance) and guarded is not learned:
            # The guard counts everything in flight at the answer rate the last hour showed it can come back to:
            # the calls placed for a dip are answered at the old rate when people come back.
            look_g = floor_outlook(guarded)
            best_g, people_g, _ = look_g.plan(math.inf, min(ceiling_new, step), ramp * allowance)
            guard_now = look_g.total_abandons(0, people_g)
            if best_g < best:
                best, at_best = best_g, look.expected_abandons(best_g)
            guard_note += f"; guard at answer rate {guarded.answer_probability:.1%} ({best_g} calls)"
        plans.append(_Plan("full", look, best, now, at_best, ramp * allowance, step, rate, guard_now))
    usable = [p for p in plans if p.room_left]
    if not usable:
        worst = plans[-1]
        in_flight = worst.look.total_abandons(0, worst.in_flight)
        why = f"guard ({room.detail if room else ''}; {in_flight:.2f} expected from calls in flight) -> "
        if not talks_trusted:  # progressive is what the learning phase dials anyway: not the guard's doing
            why = f"learning ({talks}/{talks_needed:.0f} {talks_what}), early regime {why}"
        return _progressive(snapshot, why, guard_tripped=talks_trusted)
    chosen = max(usable, key=lambda p: p.best)
    n = min(max(chosen.best, floor_new), max(ceiling_new, floor_new))
    shown = max(n, 0)
    abandons_shown = chosen.abandons_best if shown == chosen.best else None
    ramp_note = f"ramp x{ramp:.2f}" if ramp < 1.0 else "ramp 1.00"
    return _bounded(
        snapshot,
        n,
        f"predictive ({chosen.regime}): {ready_n} ready, {len(on_call)} talking, {len(wrap_up)} wrapping, "
        f"{pending} pending; target {chosen.rate:.2%} ({target.detail}, {ramp_note}); best {chosen.best}, "
        f"floor {floor_new}, ceiling {ceiling_new}, step {chosen.step} (ramp {ramp:.2f}){guard_note} "
        f"(expected at most {chosen.max_abandons:.2f})",
        mode_used=DialingMode.PREDICTIVE,
        effective_target=chosen.rate,
        expected_abandon_rate=chosen.look.rate(shown, abandons_shown),
        expected_answers=chosen.look.expected_answers(shown),
    )


def decide(snapshot: PacingSnapshot) -> PacingDecision:
    knobs = snapshot.knobs
    if knobs.paused:
        return PacingDecision(0, "campaign paused")
    if knobs.mode is DialingMode.PREVIEW:
        return PacingDecision(0, "preview: operators start their own calls", mode_used=DialingMode.PREVIEW)
    if knobs.mode is DialingMode.PROGRESSIVE:
        return _progressive(snapshot, "")
    if knobs.compliance_guard and knobs.mode is DialingMode.RATIO:
        verdict = compliance_guard(snapshot.stats, knobs.abandon_cap)
        if verdict.tripped:
            return _progressive(snapshot, f"guard ({verdict.detail}) -> ", guard_tripped=True)
    if knobs.mode is DialingMode.RATIO:
        ready = snapshot.operators_in(OperatorState.READY)
        target = math.floor(ready * knobs.lines_per_operator + 1e-9)
        return _bounded(
            snapshot,
            target - _pending(snapshot),
            f"ratio {knobs.lines_per_operator}: {ready} ready",
            mode_used=DialingMode.RATIO,
        )
    return _predictive(snapshot)
