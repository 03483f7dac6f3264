"""`decide(snapshot)`: how many new calls to place now. Pure and deterministic."""

from __future__ import annotations

import math
from dataclasses import replace

from dialer.pacing.guard import abandon_room, abandons_within_room, compliance_guard, effective_target
from dialer.pacing.learned import LearnedStats
from dialer.pacing.model import Outlook, outlook, pacing_tables
from dialer.pacing.snapshot import DialingMode, OperatorState, PacingDecision, PacingSnapshot

# Up to this many active operators the hour may aim at `steering_confidence`. 40 with 0.9 was tried (with the
# hour guard counting the calls in flight): 20 operators crossed the cap in the answer-rate-drop scenario
# (3.35 % worst hour), as before.
TIGHT_HOUR_GUARD_OPERATORS = 12
RAMP_START = 0.1  # the share of the predictive surplus allowed the moment the learning gates open
STEP_HORIZON_S = 5  # one decision places no more calls than the operators of the next few seconds can take
ROOM_SHARE = 0.5  # the calls in flight at one moment may use at most this share of a window's room: 7 operators
# on a cold list spent an hour's whole room (3 abandons, at the 99 % bound of the 0.58 expected) in one burst
GUARD_MIN_SLACK = 0.01  # expected abandons: below this much room beyond the calls in flight, dial progressively


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


def absorbable_calls(look: Outlook, ready: int, ramp: float) -> int:
    """New calls one decision may place on top of progressive: no more than the operators ready now or freeing
    within `STEP_HORIZON_S` can take the answers of (scaled by the ramp).

    The model's plan may ask for more (a large floor whose estimate says many are about to free); the next
    decision, a second later, sees what those calls did. Steps stay bounded by the next few seconds.
    """
    q = max(look.new_call_answer, 1e-3)
    absorb = ready + look.expected_free_within(STEP_HORIZON_S)
    return math.ceil(ramp * absorb / q)


def _predictive(snapshot: PacingSnapshot) -> PacingDecision:
    knobs = snapshot.knobs
    stats = snapshot.stats
    learned: LearnedStats | None = stats.learned
    if learned is None or learned.dials_seen < knobs.min_dials_to_predict:
        seen = 0 if learned is None else learned.dials_seen
        return _progressive(snapshot, f"learning ({seen}/{knobs.min_dials_to_predict} dials seen) -> ")
    talks_needed = knobs.min_talks_per_operator * len(snapshot.operators)
    if learned.talks_seen < talks_needed:
        return _progressive(snapshot, f"learning ({learned.talks_seen}/{talks_needed:.0f} talks seen) -> ")
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
    pending = _pending(snapshot)
    floor_new = math.ceil(knobs.min_lines_per_operator * ready_n - 1e-9) - pending
    ceiling_new = math.floor(knobs.max_lines_per_operator * active + 1e-9) - pending
    ceiling_new = min(ceiling_new, knobs.max_lines - pending, snapshot.contacts_available)
    look = outlook(
        pacing_tables(learned, knobs.wrap_up_limit_s),
        ready=ready_n,
        on_call_s=on_call,
        wrap_up_s=wrap_up,
        ringing_s=[c.seconds_since_originate for c in snapshot.calls_in_flight],
        answered_waiting=snapshot.answered_waiting,
        connect_limit_s=knobs.connect_limit_s,
    )
    if knobs.machines_count_as_abandons:
        # every machine answer will count as an answered and abandoned call: the calls in flight (at the
        # unconditional machine rate: a little high for calls that have rung a while) and each new call
        m = learned.machine_probability
        look = replace(look, machine_pending=m * len(snapshot.calls_in_flight), machine_per_call=m)
    ramp = learning_ramp(learned.talks_seen, talks_needed)
    step = max(floor_new, 0) + absorbable_calls(look, ready_n, ramp)
    limit = min(ceiling_new, step)
    # Small teams: so few calls in flight that the rolling-hour guard stops abandons almost at once.
    hour_tight = active <= TIGHT_HOUR_GUARD_OPERATORS
    target = effective_target(stats, knobs, hour_guard_tight=hour_tight)
    if ramp < 1.0:  # fresh estimates are trusted with a fraction of the abandon budget, growing with the data
        target = replace(target, rate=target.rate * ramp, detail=f"{target.detail}, ramp x{ramp:.2f}")
    max_abandons = math.inf
    guard_note = ""
    room = None
    if knobs.compliance_guard:
        # The guard by construction: the likely worst of the abandons of every call in flight and every new
        # call must fit in the room the tightest window has left.
        room = abandon_room(stats, knobs.abandon_cap, steering=knobs.guard_steering_windows)
        share = ROOM_SHARE * room.abandons
        max_abandons = ramp * abandons_within_room(share, knobs.abandon_confidence, knobs.abandon_dispersion)
        guard_note = f"; guard room {room.abandons:.2f} in {room.window} (expected at most {max_abandons:.2f})"
    best, abandons_now, abandons_best = look.plan(target.rate, limit, max_abandons)
    in_flight = look.total_abandons(0, abandons_now)
    if room is not None and max_abandons - in_flight < GUARD_MIN_SLACK:
        return _progressive(
            snapshot,
            f"guard ({room.detail}; {in_flight:.2f} expected from calls in flight) -> ",
            guard_tripped=True,
        )
    n = min(max(best, floor_new), max(ceiling_new, floor_new))
    shown = max(n, 0)
    abandons_shown = abandons_best if shown == best else None
    return _bounded(
        snapshot,
        n,
        f"predictive: {ready_n} ready, {len(on_call)} talking, {len(wrap_up)} wrapping, {pending} pending; "
        f"target {target.rate:.2%} ({target.detail}); best {best}, floor {floor_new}, ceiling {ceiling_new}, "
        f"step {step} (ramp {ramp:.2f}){guard_note}",
        mode_used=DialingMode.PREDICTIVE,
        effective_target=target.rate,
        expected_abandon_rate=look.rate(shown, abandons_shown),
        expected_answers=look.expected_answers(shown),
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
