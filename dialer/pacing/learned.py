"""Learned campaign statistics as the pacing core consumes them: discretised distributions, 1 s bins.

Kept as read-only numpy arrays in an identity-hashed object so the core can cache the tables it derives
from one refresh of the learner across the many decisions made until the next refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from dialer.outcomes import AttemptOutcome

FloatArray = npt.NDArray[np.float64]

RING_BINS = 120  # seconds of ringing the answer distributions cover
TALK_BINS = 1200  # talk times are binned per second up to 20 min, longer ones use an exponential tail
WRAP_BINS = 600


class DialOutcome(StrEnum):
    """How a placed call resolved, as far as pacing cares."""

    HUMAN = "human"  # a live person answered: needs an operator within the connect limit
    MACHINE = "machine"  # AMD says answering machine: never bridged
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


# How each unanswered outcome looks to the pacing learner; the others of them are FAILED. (NOTSURE goes to
# an operator: a person must never be dropped.)
DIAL_OUTCOMES = {
    AttemptOutcome.BUSY: DialOutcome.BUSY,
    AttemptOutcome.NO_ANSWER: DialOutcome.NO_ANSWER,
    AttemptOutcome.MACHINE: DialOutcome.MACHINE,
}


@dataclass(frozen=True, eq=False, slots=True)
class LearnedStats:
    """One campaign's learned distributions (identity-hashed: the core caches tables per instance).

    answer_cdf[r]: P(a dial is answered by a human before r s of ringing) — includes the answer probability.
    unresolved[r]: P(a dial is still ringing at r s) — what conditions an in-flight call's chances.
    talk_survival[a] / wrap_survival[a]: P(talk / wrap-up lasts at least a s).
    """

    answer_probability: float
    answer_cdf: FloatArray
    unresolved: FloatArray
    talk_survival: FloatArray
    wrap_survival: FloatArray
    mean_talk_s: float
    mean_wrap_s: float
    dials_seen: int = 0
    talks_seen: int = 0
    machine_probability: float = 0.0  # P(a dial is answered by a machine), for `machines_count_as_abandons`
    answer_dials: float = 0.0  # how many recent resolved dials `answer_probability` rests on (effective count,
    # forgetting included): what the early regime's upper confidence bound of the answer rate is over
    answer_rate_recent_high: float = 0.0  # the highest answer rate the last hour credibly showed (the lower
    # confidence bound of its best block of dials): what the guard assumes calls in flight may be answered at


def _frozen(a: FloatArray) -> FloatArray:
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


def _exponential_survival(mean: float, bins: int) -> FloatArray:
    return np.exp(-np.arange(bins + 1, dtype=np.float64) / max(mean, 1e-6))


def make_learned_stats(
    *,
    answer_probability: float,
    answer_cdf: FloatArray,
    unresolved: FloatArray,
    talk_survival: FloatArray,
    wrap_survival: FloatArray,
    mean_talk_s: float,
    mean_wrap_s: float,
    dials_seen: int = 0,
    talks_seen: int = 0,
    machine_probability: float = 0.0,
    answer_dials: float = 0.0,
    answer_rate_recent_high: float = 0.0,
) -> LearnedStats:
    """Build a `LearnedStats` with read-only copies of the arrays (checked lengths)."""
    if len(answer_cdf) != RING_BINS + 1 or len(unresolved) != RING_BINS + 1:
        raise ValueError("ring distributions need RING_BINS + 1 points")
    if len(talk_survival) != TALK_BINS + 1 or len(wrap_survival) != WRAP_BINS + 1:
        raise ValueError("talk/wrap survivals need TALK_BINS + 1 / WRAP_BINS + 1 points")
    return LearnedStats(
        answer_probability=float(answer_probability),
        answer_cdf=_frozen(answer_cdf),
        unresolved=_frozen(np.maximum(unresolved, 1e-9)),
        talk_survival=_frozen(talk_survival),
        wrap_survival=_frozen(wrap_survival),
        mean_talk_s=float(mean_talk_s),
        mean_wrap_s=float(mean_wrap_s),
        dials_seen=dials_seen,
        talks_seen=talks_seen,
        machine_probability=float(machine_probability),
        answer_dials=float(answer_dials),
        answer_rate_recent_high=float(answer_rate_recent_high),
    )


def parametric_stats(
    *,
    answer_probability: float = 0.25,
    answer_ring_s: tuple[float, float] = (3.0, 25.0),
    no_answer_after_s: float = 30.0,
    mean_talk_s: float = 180.0,
    mean_wrap_s: float = 20.0,
    dials_seen: int = 0,
    talks_seen: int = 0,
) -> LearnedStats:
    """Generic statistics used before a campaign has data (and in tests).

    Answers uniform over `answer_ring_s`, every other dial resolved at `no_answer_after_s`, exponential talk
    and wrap-up. Deliberately vague: the learner replaces it within minutes of dialling. Tests and
    benchmarks pass `dials_seen`/`talks_seen` to have it count as learned (past the learning gates).
    """
    r = np.arange(RING_BINS + 1, dtype=np.float64)
    lo, hi = answer_ring_s
    answered_by = np.clip((r - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    answer_cdf = answer_probability * answered_by
    other_resolved = (r > no_answer_after_s).astype(np.float64)
    unresolved = 1.0 - answer_cdf - (1.0 - answer_probability) * other_resolved
    return make_learned_stats(
        answer_probability=answer_probability,
        answer_cdf=answer_cdf,
        unresolved=unresolved,
        talk_survival=_exponential_survival(mean_talk_s, TALK_BINS),
        wrap_survival=_exponential_survival(mean_wrap_s, WRAP_BINS),
        mean_talk_s=mean_talk_s,
        mean_wrap_s=mean_wrap_s,
        dials_seen=dials_seen,
        talks_seen=talks_seen,
    )
