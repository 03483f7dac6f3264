"""Abandon-rate compliance: the hard guard and the self-correcting target.

The guard is the legal backstop: when one more abandon (plus those the engine already expects from calls in
flight) would put any compliance window over the cap, dial progressively until it is safe again.

The target is what the predictive model aims at. A window's abandons are a noisy count: aiming at the cap
itself would cross it about half the time. So for each window we aim at the per-call rate p whose window
count stays under the cap with the wanted confidence (normal approximation with over-dispersion d:
p*n + z*sqrt(d*p*n) <= cap*n), then scale it down by how much of the window's budget is already spent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from dialer.pacing.snapshot import AbandonWindow, CampaignStats, PacingKnobs

MIN_PROJECTION_S = 300.0  # don't extrapolate a window's answer count from less than this much data
MIN_FEEDBACK_ANSWERS = 20  # below this, a measured rate says too little to steer on
MAX_BOOST = 1.25  # an under-spent window may loosen the target this much, no more


def bounded_confidence(confidence: float) -> float:
    """A confidence as the bounds use it: at least 0.5 (a bound under the mean protects nothing) and short of 1
    (whose normal quantile is infinite)."""
    return min(max(confidence, 0.5), 0.999999)


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    tripped: bool
    window: str = ""
    detail: str = ""


def compliance_guard(
    stats: CampaignStats,
    cap: float,
    expected_pending_abandons: float = 0.0,
    *,
    steering: bool = False,
    steering_pending: float = 0.0,
) -> GuardVerdict:
    """Trip when one more abandon would push an enforced window over `cap`.

    With `steering`, a full steering window (the last hour, once the campaign has run that long) still under
    the cap trips it too when one more abandon would cross the cap: a rolling hour is what a regulator sampling
    any hour would see. There `steering_pending` abandons are expected from the calls in flight (the engine
    passes them for large teams, who have dozens of calls in flight when the guard trips); an hour already
    over the cap is left to the target, which is then zero: either way the engine dials progressively.
    The hour's answers are taken at its recent pace when that is lower (`AbandonWindow.guard_answered`).
    """
    for w in stats.compliance_windows():
        if not w.enforced:
            over_now = w.abandoned > cap * w.answered  # left to the target, which is then zero
            if steering and w.full and not over_now and cap * w.guard_answered < w.abandoned + 1 + steering_pending:
                pace = f" ({w.guard_answered:.0f} at the recent pace)" if w.guard_answered < w.answered else ""
                return GuardVerdict(
                    True,
                    w.name,
                    f"{w.name}: {w.abandoned}/{w.answered}{pace} abandoned, one more would exceed {cap:.1%}",
                )
            continue
        if w.abandoned + 1 + expected_pending_abandons > cap * (w.answered + 1):
            return GuardVerdict(
                True,
                w.name,
                f"{w.name}: {w.abandoned}/{w.answered} abandoned, one more would exceed {cap:.1%}",
            )
    return GuardVerdict(False)


def pending_abandons_bound(expected: float, confidence: float, dispersion: float) -> float:
    """Abandons the calls in flight will not exceed at `confidence` (normal approximation, over-dispersed).

    A large team has dozens of calls in flight when its guard trips; they answer in bursts, and counting
    only their mean let rolling hours end over the cap (20 operators: 3.09 %, 3.56 % after a mass log-out).
    """
    if expected <= 0:
        return 0.0
    z = NormalDist().inv_cdf(bounded_confidence(confidence))
    return expected + z * math.sqrt(max(dispersion, 1e-9) * expected)


@dataclass(frozen=True, slots=True)
class AbandonRoom:
    """How many more abandons the tightest window can take, and which window that is."""

    abandons: float
    window: str
    detail: str


def abandon_room(stats: CampaignStats, cap: float, *, steering: bool = True) -> AbandonRoom:
    """Abandons every window can still take and stay under `cap`: k with (abandoned + k) <= cap (answered + k).

    Each abandon is an answered call too, hence the division by 1 - cap. The steering hour (with `steering`)
    counts from its first answer, young or full, and against its recent pace when that is lower
    (`AbandonWindow.guard_answered`): abandons recorded now stay in it for an hour while older answers leave.
    An hour already over the cap has no room (negative).
    """
    best = AbandonRoom(math.inf, "", "no window")
    for w in stats.compliance_windows():
        if not w.enforced and not steering:
            continue
        answered = w.guard_answered if not w.enforced else float(w.answered)
        room = (cap * answered - w.abandoned) / (1.0 - cap)
        if room < best.abandons:
            pace = f" ({answered:.0f} at the recent pace)" if answered < w.answered else ""
            best = AbandonRoom(room, w.name, f"{w.name}: {w.abandoned}/{w.answered}{pace} abandoned, room {room:.2f}")
    return best


def abandons_within_room(room: float, confidence: float, dispersion: float) -> float:
    """Largest expected abandons x whose likely worst (`pending_abandons_bound`) still fits in `room`."""
    if room <= 0:
        return 0.0
    z = NormalDist().inv_cdf(bounded_confidence(confidence))
    b = z * math.sqrt(max(dispersion, 1e-9))
    root = (-b + math.sqrt(b * b + 4 * room)) / 2  # x + b sqrt(x) = room, in sqrt(x)
    return root * root


def safe_rate(expected_answers: float, cap: float, confidence: float, dispersion: float) -> float:
    """Largest per-call abandon probability keeping a window of `expected_answers` under `cap`."""
    if expected_answers <= 0:
        return 0.0
    z = NormalDist().inv_cdf(bounded_confidence(confidence))
    b = z * math.sqrt(max(dispersion, 1e-9))
    x = (-b + math.sqrt(b * b + 4 * cap * expected_answers)) / 2  # x = sqrt(p*n)
    return min(cap, x * x / expected_answers)


def path_safe_rate(slack: float, cap: float, confidence: float, dispersion: float) -> float:
    """Largest per-call abandon rate keeping a rolling hour under `cap` all along its way, not only at its end.

    The hour is measured at every moment: a young one from its first answer (at 150 answers it holds room for 4
    abandons), a full one after a dip in answers or a clump of abandons. Abandons come in clumps (an answer
    burst over few ready operators): `safe_rate` of the projected answers planned ~1.4 % at 144 answers with 3
    abandons in, and one clump of 4 crossed the cap long before the hour was full (round 7: 7 of its 11 held-out
    crossings came before the first full hour).

    This is the insurer's ruin problem (Cramer-Lundberg): the hour's slack (cap * answered - abandoned) earns
    `cap` per answer and pays out clumps of abandons, here exponential with mean dispersion / 2 (variance over
    mean of a window's count is then `dispersion`; their tail lies above the geometric one of the same
    dispersion) at a rate giving r abandons per answer. The chance of ever crossing is then exactly
    x * exp(-(slack / mean) * (1 - x)) with x = r / cap, and it is held to 1 - `confidence`. It assumes the
    slack grows with answers, which a full hour's departing answers undo; the guard (`compliance_guard`) is the
    full hour's backstop, as before.
    """
    alpha = 1.0 - bounded_confidence(confidence)
    mean_clump = max(dispersion, 1e-6) / 2.0
    lo, hi = 0.0, 1.0
    for _ in range(50):  # the ruin chance grows with x: bisect for where it meets alpha
        x = (lo + hi) / 2.0
        if x * math.exp(-(slack / mean_clump) * (1.0 - x)) <= alpha:
            lo = x
        else:
            hi = x
    return cap * lo


def projected_answers(w: AbandonWindow) -> float:
    """Answers the window will hold once full, from the rate seen so far."""
    covered = max(w.covered_s, MIN_PROJECTION_S)
    return w.answered * max(w.length_s / covered, 1.0)


def budget_factor(w: AbandonWindow, cap: float, aim: float) -> float:
    """1 when the window sits at the aimed rate, 0 at the cap, up to MAX_BOOST when well under it.

    A rolling hour is never boosted: what it has not spent leaves it with the answers that made the room
    (a floor of a thousand aimed at the cap for the rest of an hour whose first minutes were progressive,
    and the next full hour crossed it).
    """
    if w.answered < MIN_FEEDBACK_ANSWERS:
        return 1.0
    room = cap * w.answered - w.abandoned
    planned = max((cap - aim) * w.answered, 1.0)
    return min(max(room / planned, 0.0), MAX_BOOST if w.enforced else 1.0)


@dataclass(frozen=True, slots=True)
class Target:
    rate: float
    detail: str


def effective_target(stats: CampaignStats, knobs: PacingKnobs) -> Target:
    """The abandon rate the model may plan for now: admin target, window risk and measured feedback."""
    cap = knobs.abandon_cap
    aim = min(knobs.target_abandon_rate, cap)
    why = f"admin {aim:.2%}"
    windows = stats.compliance_windows()
    confidence, dispersion = knobs.abandon_confidence, knobs.abandon_dispersion  # every window, every team size
    for w in windows:
        risk = safe_rate(projected_answers(w), cap, confidence, dispersion)
        if not w.enforced:  # the rolling hour must stay under the cap on its way, not only at its end
            slack = cap * w.guard_answered - w.abandoned
            risk = min(risk, path_safe_rate(slack, cap, confidence, dispersion))
        if risk < aim and w.answered > 0:
            aim, why = risk, f"{w.name} risk {risk:.2%}"
    factor = min((budget_factor(w, cap, aim) for w in windows), default=1.0)
    rate = min(aim * factor, cap)
    return Target(rate, f"{why} x{factor:.2f}")
