"""`decide(snapshot)`: how many new calls to place now. Pure and deterministic."""

from __future__ import annotations

import math
from dataclasses import replace

from dialer.pacing.guard import compliance_guard, effective_target, pending_abandons_bound
from dialer.pacing.learned import LearnedStats
from dialer.pacing.model import outlook, pacing_tables
from dialer.pacing.snapshot import DialingMode, OperatorState, PacingDecision, PacingSnapshot

# Up to this many active operators the hour may aim at `steering_confidence`. 40 with 0.9 was tried (with the
# hour guard counting the calls in flight): 20 operators crossed the cap in the answer-rate-drop scenario
# (3.35 % worst hour), as before.
TIGHT_HOUR_GUARD_OPERATORS = 12


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
    # Small teams: so few calls in flight that the rolling-hour guard stops abandons almost at once.
    hour_tight = active <= TIGHT_HOUR_GUARD_OPERATORS
    target = effective_target(stats, knobs, hour_guard_tight=hour_tight)
    best, abandons_now, abandons_best = look.plan(target.rate, ceiling_new)
    if knobs.compliance_guard:
        pending_abandons = abandons_now + look.machine_pending
        if not hour_tight:  # dozens of calls in flight when a large team's guard trips: their likely worst
            pending_abandons = pending_abandons_bound(
                pending_abandons, knobs.abandon_confidence, knobs.abandon_dispersion
            )
        verdict = compliance_guard(
            stats,
            knobs.abandon_cap,
            pending_abandons,
            steering=knobs.guard_steering_windows,
            # a small team has a fraction of one abandon in flight: the hour guard ignores it there
            steering_pending=0.0 if hour_tight else pending_abandons,
        )
        if verdict.tripped:
            return _progressive(snapshot, f"guard ({verdict.detail}) -> ", guard_tripped=True)
    n = min(max(best, floor_new), max(ceiling_new, floor_new))
    shown = max(n, 0)
    abandons_shown = abandons_best if shown == best else None
    return _bounded(
        snapshot,
        n,
        f"predictive: {ready_n} ready, {len(on_call)} talking, {len(wrap_up)} wrapping, {pending} pending; "
        f"target {target.rate:.2%} ({target.detail}); best {best}, floor {floor_new}, ceiling {ceiling_new}",
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
