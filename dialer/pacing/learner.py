"""Online learning of a campaign's answer, ring, talk and wrap-up statistics. Pure: the caller feeds events.

Histograms are exponentially forgotten per observation (half-life in observations), so a campaign whose answer
rate or talk time shifts mid-shift is followed within a few hundred calls; the answer probability is also kept
per hour of day and used as a prior once an hour has enough history.
"""

from __future__ import annotations

from dataclasses import dataclass

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

_RESCALE_AT = 1e120


class DecayedHistogram:
    """Per-second histogram with exponential forgetting, O(1) per observation (growing weights, rescaled)."""

    def __init__(self, bins: int, half_life: float, rows: int = 1) -> None:
        self.bins = bins
        self.counts = np.zeros((rows, bins), dtype=np.float64)
        self.value_sum = np.zeros(rows, dtype=np.float64)
        self._weight = 1.0
        self._growth = 2.0 ** (1.0 / half_life)
        self.observations = 0

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

    def observe_dial(self, outcome: DialOutcome, ring_seconds: float, hour_of_day: int) -> None:
        """A placed call resolved after `ring_seconds` (answered, machine, busy, no answer or failed)."""
        self.ring.add(ring_seconds, row=_ROW.get(outcome, _OTHER_ROW))
        self.hour_dials[hour_of_day % 24] += 1
        if outcome is DialOutcome.HUMAN:
            self.hour_humans[hour_of_day % 24] += 1

    def observe_talk(self, seconds: float) -> None:
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

    def _with_tail(self, survival: FloatArray, mean: float) -> FloatArray:
        """Mix a little exponential tail in, so long-running calls still get a sane residual time."""
        expo = np.exp(-np.arange(len(survival), dtype=np.float64) / max(mean, 1.0))
        out: FloatArray = (1 - self.tail_mix) * survival + self.tail_mix * expo
        return out

    def learned(self, hour_of_day: int) -> LearnedStats:
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
        return make_learned_stats(
            answer_probability=p_human,
            answer_cdf=answer_cdf,
            unresolved=unresolved,
            talk_survival=self._with_tail(_survival(self.talk.pmf()), mean_talk),
            wrap_survival=self._with_tail(_survival(self.wrap.pmf()), mean_wrap),
            mean_talk_s=mean_talk,
            mean_wrap_s=mean_wrap,
            dials_seen=self.ring.observations,
            talks_seen=self.talk.observations,
            machine_probability=float(weights[1]),
        )
