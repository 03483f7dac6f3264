"""Online learning of a campaign's answer, ring, talk and wrap-up statistics. Pure: the caller feeds events.

Histograms are exponentially forgotten per observation (half-life in observations, and at least
`min_half_life_s` of them when the caller passes event times: a floor of a thousand operators resolves
300 dials in about twelve seconds, too few seconds to estimate anything from), so a campaign whose answer
rate or talk time shifts mid-shift is followed within a few hundred calls; the answer probability is also kept
per hour of day and used as a prior once an hour has enough history.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from dialer.pacing.learned import (
    RING_BINS,
    TALK_BINS,
    WRAP_BINS,
    DialOutcome,
    FloatArray,
    LearnedStats,
    make_learned_stats,
    parametric_stats,
)
from dialer.proportions import wilson_interval

_RESCALE_AT = 1e120
_MIN_EXPECTED_TALK_ENDS = 10.0  # below this the talk-time check has too little to say
_MIN_EXPECTED_ANSWERS = 3.0  # ...and the answer-rate check
_MAX_ANSWER_PROBABILITY = 0.95


def _poisson_upper(observed: int, z: float) -> float:
    """Upper confidence bound of a Poisson mean after `observed` events (Wilson-Hilferty)."""
    k = observed + 1
    return k * (1 - 1 / (9 * k) + z / (3 * math.sqrt(k))) ** 3


def _poisson_lower(observed: int, z: float) -> float:
    """Lower confidence bound of a Poisson mean after `observed` events (Wilson-Hilferty)."""
    if observed <= 0:
        return 0.0
    return observed * max(1 - 1 / (9 * observed) - z / (3 * math.sqrt(observed)), 0.0) ** 3


class DecayedHistogram:
    """Per-second histogram with exponential forgetting, O(1) per observation (growing weights, rescaled)."""

    def __init__(self, bins: int, half_life: float, rows: int = 1) -> None:
        self.bins = bins
        self.counts = np.zeros((rows, bins), dtype=np.float64)
        self.value_sum = np.zeros(rows, dtype=np.float64)
        self._weight = 1.0
        self._growth = 2.0 ** (1.0 / half_life)
        self.observations = 0

    def set_half_life(self, half_life: float) -> None:
        """Change how many observations it takes to halve an observation's weight (from the next one on)."""
        self._growth = 2.0 ** (1.0 / max(half_life, 1.0))

    def add_prior(self, pmf: FloatArray, weight: float, row: int = 0) -> None:
        """Pseudo-observations: what we assume before data, worth `weight` real observations."""
        pmf = pmf / pmf.sum()
        self.counts[row] += weight * self._weight * pmf
        self.value_sum[row] += weight * self._weight * float(np.dot(pmf, np.arange(self.bins) + 0.5))

    def add(self, seconds: float, row: int = 0) -> None:
        b = min(max(int(seconds), 0), self.bins - 1)
        self.counts[row, b] += self._weight
        self.value_sum[row] += self._weight * max(seconds, 0.0)
        self.observations += 1
        self._weight *= self._growth
        if self._weight > _RESCALE_AT:
            self.counts /= self._weight
            self.value_sum /= self._weight
            self._weight = 1.0

    def effective_count(self) -> float:
        """Weight of the data in units of the newest observation (about half-life / ln 2 when saturated)."""
        return float(self.counts.sum() / self._weight)

    def row_mass(self) -> FloatArray:
        total = self.counts.sum()
        out: FloatArray = self.counts.sum(axis=1) / total
        return out

    def pmf(self, row: int = 0) -> FloatArray:
        total = self.counts[row].sum()
        out: FloatArray = self.counts[row] / total
        return out

    def mean(self, row: int = 0) -> float:
        return float(self.value_sum[row] / self.counts[row].sum())


def _survival(pmf: FloatArray) -> FloatArray:
    """S[a] = P(X >= a) for a = 0..bins: one longer than the pmf, ending at 0."""
    tail = np.concatenate([np.cumsum(pmf[::-1])[::-1], [0.0]])
    return tail


def _exp_pmf(mean: float, bins: int) -> FloatArray:
    edges = np.exp(-np.arange(bins + 1, dtype=np.float64) / mean)
    pmf: FloatArray = edges[:-1] - edges[1:]
    pmf[-1] += edges[-1]
    return pmf


def _uniform_pmf(lo: int, hi: int, bins: int) -> FloatArray:
    pmf = np.zeros(bins)
    pmf[lo:hi] = 1.0
    return pmf


class _EventRate:
    """Events per second, from the times of the last `span` events (for half-lives in time, not only count)."""

    def __init__(self, span: int = 200) -> None:
        self._times: deque[float] = deque(maxlen=span)

    def observe(self, at: float) -> float:
        self._times.append(at)
        if len(self._times) < 2:
            return 0.0
        elapsed = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / elapsed if elapsed > 0 else 0.0


@dataclass(frozen=True, slots=True)
class LearnerPriors:
    """Vague starting beliefs, each worth a few observations."""

    answer_probability: float = 0.25
    answer_ring_s: tuple[int, int] = (3, 25)
    other_resolve_s: tuple[int, int] = (1, 30)
    mean_talk_s: float = 180.0
    mean_wrap_s: float = 20.0
    weight: float = 10.0


_ROW = {DialOutcome.HUMAN: 0, DialOutcome.MACHINE: 1}
_OTHER_ROW = 2


class PacingLearner:
    """Mutable, I/O-free learner; `learned(hour)` gives the immutable `LearnedStats` for the snapshot."""

    def __init__(
        self,
        priors: LearnerPriors | None = None,
        *,
        dial_half_life: float = 300.0,
        talk_half_life: float = 300.0,
        hour_min_dials: int = 200,
        hour_prior_weight: float = 100.0,
        tail_mix: float = 0.02,
        talk_check_window_s: float = 900.0,
        talk_check_confidence: float = 0.9,
        answer_check_window_s: float = 120.0,
        answer_check_confidence: float = 0.9,
        min_half_life_s: float = 300.0,
        recent_high_window_s: float = 3600.0,
        recent_high_block_s: float = 600.0,
        recent_high_confidence: float = 0.9,
    ) -> None:
        p = priors or LearnerPriors()
        self.priors = p
        self.ring = DecayedHistogram(RING_BINS, dial_half_life, rows=3)
        lo, hi = p.answer_ring_s
        self.ring.add_prior(_uniform_pmf(lo, hi, RING_BINS), p.weight * p.answer_probability, row=0)
        olo, ohi = p.other_resolve_s
        self.ring.add_prior(_uniform_pmf(olo, ohi, RING_BINS), p.weight * (1 - p.answer_probability), row=2)
        self.talk = DecayedHistogram(TALK_BINS, talk_half_life)
        self.talk.add_prior(_exp_pmf(p.mean_talk_s, TALK_BINS), p.weight)
        self.wrap = DecayedHistogram(WRAP_BINS, talk_half_life)
        self.wrap.add_prior(_exp_pmf(p.mean_wrap_s, WRAP_BINS), p.weight)
        self.hour_dials = [0] * 24
        self.hour_humans = [0] * 24
        self.hour_min_dials = hour_min_dials
        self.hour_prior_weight = hour_prior_weight
        self.tail_mix = tail_mix
        self.talk_check_window_s = talk_check_window_s
        self.talk_check_z = NormalDist().inv_cdf(talk_check_confidence)
        self._talks_ended: list[tuple[float, float]] = []  # (ended at, lasted), pruned to the window when checked
        self.dial_half_life = dial_half_life
        self.talk_half_life = talk_half_life
        self.min_half_life_s = min_half_life_s
        self._dial_rate = _EventRate()
        self._talk_rate = _EventRate()
        self.answer_check_window_s = answer_check_window_s
        self.answer_check_z = NormalDist().inv_cdf(answer_check_confidence)
        self._dials_resolved: deque[tuple[float, bool]] = deque()  # (resolved at, a person answered)
        self.recent_high_window_s = recent_high_window_s
        self.recent_high_block_s = recent_high_block_s
        # Bonferroni over the window's blocks: the best of n blocks' bounds must be credible, not the luckiest
        blocks = max(math.ceil(recent_high_window_s / recent_high_block_s), 1)
        self.recent_high_z = NormalDist().inv_cdf(1.0 - (1.0 - recent_high_confidence) / blocks)
        self._answer_blocks: deque[list[int]] = deque()  # [block index, dials, people], oldest first

    def observe_dial(
        self, outcome: DialOutcome, ring_seconds: float, hour_of_day: int, *, resolved_at: float | None = None
    ) -> None:
        """A placed call resolved after `ring_seconds` (answered, machine, busy, no answer or failed);
        `resolved_at` (the caller's clock, as `learned(now=)`) feeds the answer-rate check."""
        if resolved_at is not None:
            self._dials_resolved.append((resolved_at, outcome is DialOutcome.HUMAN))
            block = int(resolved_at // self.recent_high_block_s)
            if not self._answer_blocks or self._answer_blocks[-1][0] != block:
                self._answer_blocks.append([block, 0, 0])
            self._answer_blocks[-1][1] += 1
            self._answer_blocks[-1][2] += outcome is DialOutcome.HUMAN
            rate = self._dial_rate.observe(resolved_at)
            self.ring.set_half_life(max(self.dial_half_life, rate * self.min_half_life_s))
        self.ring.add(ring_seconds, row=_ROW.get(outcome, _OTHER_ROW))
        self.hour_dials[hour_of_day % 24] += 1
        if outcome is DialOutcome.HUMAN:
            self.hour_humans[hour_of_day % 24] += 1

    def observe_talk(self, seconds: float, *, ended_at: float | None = None) -> None:
        """A call's talk ended after `seconds`; `ended_at` (the caller's clock) feeds the talk-time check."""
        if ended_at is not None:
            self._talks_ended.append((ended_at, seconds))
            rate = self._talk_rate.observe(ended_at)
            self.talk.set_half_life(max(self.talk_half_life, rate * self.min_half_life_s))
        self.talk.add(seconds)

    def observe_wrap_up(self, seconds: float) -> None:
        self.wrap.add(seconds)

    def answer_probability(self, hour_of_day: int) -> float:
        """Recent answer rate, pulled towards this hour's history when the hour has enough of it."""
        mass = self.ring.row_mass()
        recent = float(mass[0])
        h = hour_of_day % 24
        if self.hour_dials[h] < self.hour_min_dials:
            return recent
        hour_rate = self.hour_humans[h] / self.hour_dials[h]
        n = self.ring.effective_count()
        return (n * recent + self.hour_prior_weight * hour_rate) / (n + self.hour_prior_weight)

    def answer_rate_factor(self, p_human: float, now: float) -> float:
        """How much more often than `p_human` the dials resolved in the last window reached a person: 1, or
        more when that is significant.

        The answer histogram forgets over hundreds of dials, so when people come back (after lunch) it keeps
        the dip's low rate for minutes while the many calls placed for the dip are answered at the old rate:
        the abandons of a recovery. The factor is the lower confidence bound of observed / expected answers,
        floored at 1: a dip leaves the model on the safe side, and the histogram follows it anyway.
        """
        start = now - self.answer_check_window_s
        while self._dials_resolved and self._dials_resolved[0][0] < start:
            self._dials_resolved.popleft()
        expected = p_human * len(self._dials_resolved)
        if expected < _MIN_EXPECTED_ANSWERS:
            return 1.0
        observed = sum(1 for _, human in self._dials_resolved if human)
        return max(1.0, _poisson_lower(observed, self.answer_check_z) / expected)

    def answer_rate_recent_high(self, now: float) -> float:
        """The highest answer rate a block of the last `recent_high_window_s` credibly showed: the largest lower
        confidence bound (Wilson, Bonferroni over the window's blocks) of a block's people per dial, 0 without
        blocks.

        An answer rate that fell (lunch) can come back within minutes, and the calls placed for the low rate
        are then answered at the old one: the guard counts the calls in flight at this rate, not the learned
        one. The corrected lower bound keeps a steady list's noise from raising it above the true rate; it
        still rises above the learned rate when that is low by chance, which is when dialling on it would
        overshoot.
        """
        oldest = int((now - self.recent_high_window_s) // self.recent_high_block_s)
        current = int(now // self.recent_high_block_s)
        while self._answer_blocks and self._answer_blocks[0][0] < oldest:
            self._answer_blocks.popleft()
        return max(
            (
                wilson_interval(people / dials, dials, self.recent_high_z)[0]
                for block, dials, people in self._answer_blocks
                if block < current  # complete blocks only: one still filling is looked at again at every refresh
            ),
            default=0.0,
        )

    def _with_tail(self, survival: FloatArray, mean: float) -> FloatArray:
        """Mix a little exponential tail in, so long-running calls still get a sane residual time."""
        expo = np.exp(-np.arange(len(survival), dtype=np.float64) / max(mean, 1.0))
        out: FloatArray = (1 - self.tail_mix) * survival + self.tail_mix * expo
        return out

    def talk_hazard_factor(self, talk_survival: FloatArray, now: float, talking_s: Sequence[float]) -> float:
        """How much slower than learned the talks of the last window end: 1, or less when that is significant.

        The histogram learns a talk time only when the call ends, so after talk times lengthen it keeps
        showing the short calls that end first and lags by an hour of calls. Under the learned curve, the
        talks that ran in the window (ended or still running, each from where the window cut it) should
        have ended about their summed cumulative hazard E times; O actually ended. The factor is the upper
        confidence bound of O / E, capped at 1: noise rarely moves it, a real lengthening at once. Never
        above 1: talks ending sooner than learned leave the model on the safe side.
        """
        start = now - self.talk_check_window_s
        self._talks_ended = [t for t in self._talks_ended if t[0] >= start]
        cum_hazard = -np.log(np.maximum(talk_survival, 1e-300))
        last = len(cum_hazard) - 1
        slope = float(cum_hazard[last] - cum_hazard[last - 1])

        def hazard_at(a: FloatArray) -> FloatArray:
            inside = np.interp(np.minimum(a, last), np.arange(last + 1), cum_hazard)
            out: FloatArray = inside + slope * np.maximum(a - last, 0.0)
            return out

        ended = np.array(self._talks_ended, dtype=np.float64).reshape(-1, 2)
        ends, lasted = ended[:, 0], ended[:, 1]
        seen_from = np.maximum(lasted - (ends - start), 0.0)  # where the window cut each ended talk
        running = np.asarray(talking_s, dtype=np.float64)
        expected = float(
            (hazard_at(lasted) - hazard_at(seen_from)).sum()
            + (hazard_at(running) - hazard_at(np.maximum(running - self.talk_check_window_s, 0.0))).sum()
        )
        if expected < _MIN_EXPECTED_TALK_ENDS:
            return 1.0
        return min(1.0, _poisson_upper(len(ended), self.talk_check_z) / expected)

    def learned(self, hour_of_day: int, *, now: float | None = None, talking_s: Sequence[float] = ()) -> LearnedStats:
        """The statistics for the snapshot; with `now` (the clock `observe_talk` was given) and the elapsed
        times of the calls being talked now, the talk-time curve is checked against the last window, and the
        answer rate against the dials of the last `answer_check_window_s` (when `observe_dial` got
        `resolved_at`)."""
        if self.ring.observations == 0 and self.talk.observations == 0:
            p = self.priors
            return parametric_stats(
                answer_probability=p.answer_probability,
                answer_ring_s=(float(p.answer_ring_s[0]), float(p.answer_ring_s[1])),
                no_answer_after_s=float(p.other_resolve_s[1]),
                mean_talk_s=p.mean_talk_s,
                mean_wrap_s=p.mean_wrap_s,
            )
        mass = self.ring.row_mass()
        p_human = self.answer_probability(hour_of_day)
        if now is not None:
            p_human = min(p_human * self.answer_rate_factor(p_human, now), max(p_human, _MAX_ANSWER_PROBABILITY))
        others = mass[1:].sum()
        scale_others = (1 - p_human) / others if others > 0 else 0.0
        weights = np.array([p_human, mass[1] * scale_others, mass[2] * scale_others])
        cdfs = np.zeros((3, RING_BINS + 1))
        for row in range(3):
            cdfs[row, 1:] = np.cumsum(self.ring.pmf(row)) if self.ring.counts[row].sum() > 0 else 0.0
        answer_cdf = weights[0] * cdfs[0]
        unresolved = 1.0 - (weights[:, None] * cdfs).sum(axis=0)
        mean_talk = self.talk.mean()
        mean_wrap = self.wrap.mean()
        talk_survival = self._with_tail(_survival(self.talk.pmf()), mean_talk)
        if now is not None:
            factor = self.talk_hazard_factor(talk_survival, now, talking_s)
            if factor < 1.0:  # proportional hazards: S(a) ** factor, the mean lengthened about as much
                talk_survival = talk_survival**factor
                mean_talk /= factor
        return make_learned_stats(
            answer_probability=p_human,
            answer_cdf=answer_cdf,
            unresolved=unresolved,
            talk_survival=talk_survival,
            wrap_survival=self._with_tail(_survival(self.wrap.pmf()), mean_wrap),
            mean_talk_s=mean_talk,
            mean_wrap_s=mean_wrap,
            dials_seen=self.ring.observations,
            talks_seen=self.talk.observations,
            machine_probability=float(weights[1]),
            answer_dials=self.ring.effective_count(),
            answer_rate_recent_high=0.0 if now is None else self.answer_rate_recent_high(now),
        )
