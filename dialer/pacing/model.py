"""The probabilistic model behind predictive dialling.

Over the next `HORIZON_S` seconds, each busy operator frees up with a probability that depends on how long
they have been talking or wrapping up, and each ringing call is answered with a probability that depends on
how long it has rung. Second by second, operators freeing up (by t + connect limit) join the idle pool and
answers take from it; answers finding it empty are the expected abandons (see `Outlook`). Averages alone would
miss exactly the bursts that make abandons.

Up to `FINITE_MAX_OPERATORS` operators the finite-population model of `exact.py` is used (each operator frees
at most once, each call is answered at most once); above, per-second Poisson counts, whose overstatement of the
variance matters little for a large team and whose cost does not grow with it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dialer.pacing.exact import finite_abandons_by_new_calls, finite_expected_abandons
from dialer.pacing.learned import RING_BINS, TALK_BINS, WRAP_BINS, FloatArray, LearnedStats

HORIZON_S = 40  # covers the usual give-up time of an unanswered call
MAX_CONNECT_S = 5
FINITE_MAX_OPERATORS = 24  # up to this many operators (ready + busy), the finite-population model (exact.py)
FINITE_MAX_CALLS = 60  # ...and calls (ringing + new) at most
FINE_STEPS_MAX_OPERATORS = 12  # up to this many, the finite DP keeps 1-s steps (cheap there, and exact)
_WIDTH = HORIZON_S + MAX_CONNECT_S + 1


@dataclass(frozen=True, eq=False, slots=True)
class PacingTables:
    """Per-second lookup tables derived from one `LearnedStats` (rows: elapsed seconds, cols: seconds ahead)."""

    free_on_call: FloatArray  # P(an operator talking for a s is ready again within t s), wrap-up included
    free_wrap_up: FloatArray  # P(an operator wrapping up for b s is ready within t s)
    answered_within: FloatArray  # P(a call ringing for r s is answered by a human within t s)
    answered_eventually: FloatArray  # P(a call ringing for r s is answered by a human at all)


def _extend_survival(s: FloatArray, extra: int, mean: float) -> FloatArray:
    """Continue a survival curve past its table with an exponential tail of the learned mean."""
    tail = s[-1] * np.exp(-np.arange(1, extra + 1, dtype=np.float64) / max(mean, 1.0))
    return np.concatenate([s, tail])


def _residual_free(survival: FloatArray, mean: float, rows: int) -> FloatArray:
    """R[a, u]: P(the activity that has lasted a s ends within u s), u = 0.._WIDTH-1."""
    s = _extend_survival(survival, _WIDTH + 1, mean)
    windows = np.lib.stride_tricks.sliding_window_view(s, _WIDTH)[:rows]
    base = np.maximum(s[:rows, None], 1e-12)
    out: FloatArray = np.clip((base - windows) / base, 0.0, 1.0)
    return out


def _capped_survival(survival: FloatArray, limit_s: float | None) -> FloatArray:
    """Survival of min(wrap-up, limit): the operator is made ready when the campaign's wrap-up time runs out."""
    if limit_s is None or limit_s >= len(survival) - 1:
        return survival
    out = survival.copy()
    out[max(math.floor(limit_s) + 1, 1) :] = 0.0  # lasts at least a s only for a <= limit (a = 0: always)
    return out


@functools.lru_cache(maxsize=8)
def pacing_tables(stats: LearnedStats, wrap_up_limit_s: float | None = None) -> PacingTables:
    """Tables are cached per `LearnedStats` instance: the caller refreshes stats far less often than it decides.

    `wrap_up_limit_s`: the campaign's wrap-up time, after which the operator is made ready whatever they do.
    """
    wrap_survival = _capped_survival(stats.wrap_survival, wrap_up_limit_s)
    free_wrap = _residual_free(wrap_survival, stats.mean_wrap_s, WRAP_BINS)
    wrap_done_within = free_wrap[0]  # P(a wrap-up just started is over within v s)
    # talk ends in second u (pmf of the residual), then wrap-up must end within t - u.
    talk = _residual_free(stats.talk_survival, stats.mean_talk_s, TALK_BINS)
    talk_end_pmf = np.diff(talk, axis=1, prepend=0.0)
    u = np.arange(_WIDTH)
    lag = u[None, :] - u[:, None]  # [u, t] -> t - u
    toeplitz = np.where(lag >= 0, wrap_done_within[np.clip(lag, 0, _WIDTH - 1)], 0.0)
    free_on_call = np.clip(talk_end_pmf @ toeplitz, 0.0, 1.0)

    cdf = np.concatenate([stats.answer_cdf, np.full(_WIDTH, stats.answer_cdf[-1])])
    ring_windows = np.lib.stride_tricks.sliding_window_view(cdf, _WIDTH)[:RING_BINS]
    unresolved = np.maximum(stats.unresolved[:RING_BINS, None], 1e-9)
    answered_within = np.clip((ring_windows - cdf[:RING_BINS, None]) / unresolved, 0.0, 1.0)
    answered_eventually = np.clip((stats.answer_cdf[-1] - stats.answer_cdf[:RING_BINS]) / unresolved[:, 0], 0.0, 1.0)
    for a in (free_on_call, free_wrap, answered_within, answered_eventually):
        a.flags.writeable = False
    return PacingTables(free_on_call, free_wrap, answered_within, answered_eventually)


_LOG_FACT = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, 8192, dtype=np.float64)))])


def _poisson_rows(lams: FloatArray) -> FloatArray:
    """Poisson pmfs for several means at once (common length, tail mass folded into the last point)."""
    top = int(float(lams.max(initial=0.0)) + 7.0 * math.sqrt(float(lams.max(initial=0.0))) + 6)
    k = np.arange(top + 1, dtype=np.float64)
    log_lam = np.log(np.maximum(lams, 1e-300))
    pmf: FloatArray = np.exp(k[None, :] * log_lam[:, None] - lams[:, None] - _LOG_FACT[None, : top + 1])
    pmf[:, -1] += np.clip(1.0 - pmf.sum(axis=1), 0.0, None)
    return pmf


def _capped(pmf: FloatArray, cap: int) -> FloatArray:
    """Fold the mass above `cap` into `cap`: there are never more idle operators than operators."""
    if len(pmf) <= cap + 1:
        return pmf
    head = pmf[: cap + 1].copy()
    head[-1] += float(pmf[cap + 1 :].sum())
    return head


def _take(idle: FloatArray, answers: FloatArray) -> tuple[FloatArray, float]:
    """Answers take idle operators: pmf of the idle left, and the expected answers finding none."""
    after = np.convolve(idle, answers[::-1])  # index i holds idle - answers = i - zero
    zero = len(answers) - 1
    short = after[:zero]
    lost = float(np.dot(short, np.arange(zero, 0, -1, dtype=np.float64)))
    left = after[zero:]
    left[0] += float(short.sum())
    return left, lost


@dataclass(frozen=True, slots=True)
class Outlook:
    """Per-second supply (operators freeing) and demand (answers) over the horizon, for the pending calls.

    `expected_abandons(n)` runs a small dynamic programme over the number of idle operators: each second,
    the operators freeing up join the idle pool (Poisson with the summed probabilities), the answers of that
    second take idle operators, and answers finding none are abandoned. Answers are matched against operators
    free by `t + connect limit`. Poisson per second overstates the variance of few operators' freeing (one
    operator frees at most once), so for small teams (`free_rows` set) the finite model of `exact.py` is used
    instead, and `plan` gets every candidate n from one DP.
    """

    ready: int
    max_idle: int  # operators who could be idle within the horizon
    initial_idle: FloatArray  # pmf: ready now plus those freeing within the connect limit
    waiting: int
    free_steps: FloatArray  # expected operators freeing in each second of the horizon
    free_pmfs: FloatArray  # their Poisson pmfs, one row per second
    answer_steps: FloatArray  # expected answers in each second from the calls already ringing
    new_call_steps: FloatArray  # per new call: answer probability in each second
    pending_answers: float  # expected answers from calls ringing or waiting
    new_call_answer: float  # a new call's answer probability
    free_rows: FloatArray | None = None  # finite model: per busy operator, P(ready by t + connect limit)
    ring_rows: FloatArray | None = None  # finite model: per ringing call, P(answered within t)
    new_row: FloatArray | None = None  # finite model: a new call's P(answered within t)
    coarse: bool = True  # finite model: longer steps further ahead (exact.STEP_EDGES); 1-s steps if False
    machine_pending: float = 0.0  # machine answers expected from the calls in flight, when they count as
    machine_per_call: float = 0.0  # abandons (`machines_count_as_abandons`), and from each new call
    free_cum: FloatArray | None = None  # expected busy operators ready by t + connect limit, t = 0..horizon

    def expected_free_within(self, seconds: int) -> float:
        """Busy operators expected to be ready (to take an answer) within `seconds`."""
        if self.free_cum is None:
            return 0.0
        return float(self.free_cum[min(max(seconds, 0), len(self.free_cum) - 1)])

    def total_abandons(self, n: int, people: float) -> float:
        """Abandons the ledger will count with n new calls: people given up on, plus machines where they count."""
        return people + self.machine_pending + n * self.machine_per_call

    def expected_answers(self, n: int) -> float:
        """Answers the abandon rate is over: people, plus machines where those count as abandoned calls."""
        return self.pending_answers + n * self.new_call_answer + self.machine_pending + n * self.machine_per_call

    def finite(self, n: int) -> bool:
        """Whether `expected_abandons(n)` uses the finite-population model (small teams)."""
        return (
            self.free_rows is not None and self.ring_rows is not None and (len(self.ring_rows) + n <= FINITE_MAX_CALLS)
        )

    def expected_abandons(self, n: int) -> float:
        if self.finite(n):
            assert self.free_rows is not None and self.ring_rows is not None and self.new_row is not None
            rows = np.vstack([self.ring_rows, np.broadcast_to(self.new_row, (n, len(self.new_row)))])
            return finite_expected_abandons(
                ready=self.ready, free_cum=self.free_rows, answer_cum=rows, waiting=self.waiting, coarse=self.coarse
            )
        idle = self.initial_idle
        lost = 0.0
        if self.waiting:
            idle, lost = _take(idle, np.concatenate([np.zeros(self.waiting), [1.0]]))
        demand = self.answer_steps + n * self.new_call_steps
        still_to_come = np.cumsum(demand[::-1])[::-1]
        steps = int(np.count_nonzero(still_to_come > 1e-4))
        if steps == 0:
            return lost
        answer_pmfs = _poisson_rows(demand[:steps])
        for k in range(steps):
            if self.free_steps[k] > 1e-9:
                idle = _capped(np.convolve(idle, self.free_pmfs[k]), self.max_idle)
            if demand[k] > 1e-9:
                idle, more = _take(idle, answer_pmfs[k])
                lost += more
        return lost

    def rate(self, n: int, abandons: float | None = None) -> float:
        """Expected abandon rate with n new calls (`abandons`: the model's people abandoned, if known)."""
        ans = self.expected_answers(n)
        ab = self.expected_abandons(n) if abandons is None else abandons
        ab += self.machine_pending + n * self.machine_per_call
        return ab / ans if ans > 1e-6 else 0.0

    def abandons_by_new_calls(self, max_new: int, new_counts: Sequence[int] | None = None) -> FloatArray:
        """Finite model: expected abandons for 0..max_new (or `new_counts`) new calls, in one DP."""
        assert self.free_rows is not None and self.ring_rows is not None and self.new_row is not None
        return finite_abandons_by_new_calls(
            ready=self.ready,
            free_cum=self.free_rows,
            ring_cum=self.ring_rows,
            new_cum=self.new_row,
            waiting=self.waiting,
            max_new=max_new,
            new_counts=new_counts,
            coarse=self.coarse,
        )

    def plan(self, target_rate: float, max_new: int, max_abandons: float = math.inf) -> tuple[int, float, float]:
        """(most new calls within the target, expected abandons with none, expected abandons with them).

        `max_abandons`: the guard's limit on the expected abandons (people and counted machines) of everything
        in flight plus the new calls; a number of calls must keep within both.

        The most calls is one less than the first n whose rate exceeds the target. Finite model: one DP for
        n = 0..4, then, while all are within the target, one DP per pair of probes (6, 8), (12, 16), (24, 32),
        ... up to the limit, then one for the numbers between the last probe within the target and the first
        over it (a DP's cost grows with the largest n and with how many n it carries). Poisson model:
        `most_calls_within`.
        """

        def ok(n: int, people: float) -> bool:
            return self.rate(n, people) <= target_rate and self.total_abandons(n, people) <= max_abandons

        if not self.finite(1) or self.ring_rows is None:
            now = self.expected_abandons(0)
            n = self.most_calls_within(target_rate, max_new, now, max_abandons)
            return n, now, (now if n == 0 else self.expected_abandons(n))
        limit = max(min(max_new, FINITE_MAX_CALLS - len(self.ring_rows)), 0)

        def run(counts: list[int]) -> bool:
            """Evaluate `counts`; whether they were all within the target."""
            lost.update(zip(counts, (float(x) for x in self.abandons_by_new_calls(0, counts)), strict=True))
            return all(ok(n, lost[n]) for n in counts)

        lost: dict[int, float] = {}
        within = run(list(range(min(limit, 4) + 1)))
        probes = _probes(limit)
        while within and probes:
            pair, probes = probes[:2], probes[2:]
            within = run(pair)
        if not within:
            first_over = min(n for n in lost if not ok(n, lost[n]))
            below = max((n for n in lost if n < first_over), default=0)
            gap = list(range(below + 1, first_over))
            if gap:
                run(gap)
        for n in sorted(lost):
            if not ok(n, lost[n]):
                best = max(n - 1, 0)
                return best, lost[0], lost[best]
        top = max(lost)
        return top, lost[0], lost[top]

    def most_calls_within(
        self,
        target_rate: float,
        max_new: int,
        abandons_now: float | None = None,
        max_abandons: float = math.inf,
    ) -> int:
        """Largest n in [0, max_new] whose expected abandon rate is at most the target (0 if none), and whose
        expected abandons (counted machines included) stay within `max_abandons`.

        Gallops up from 0 then bisects: the answer is usually a handful of calls, and each probe costs a DP.
        """

        def within(n: int, people: float | None = None) -> bool:
            people = self.expected_abandons(n) if people is None else people
            return self.rate(n, people) <= target_rate and self.total_abandons(n, people) <= max_abandons

        if max_new <= 0 or not within(0, abandons_now):
            return 0
        if self.finite(1):
            return self.plan(target_rate, max_new, max_abandons)[0]
        lo, step = 0, 1
        while True:
            probe = min(lo + step, max_new)
            if not within(probe):
                hi = probe
                break
            lo = probe
            if lo == max_new:
                return lo
            step *= 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if within(mid):
                lo = mid
            else:
                hi = mid
        return lo


def _probes(limit: int) -> list[int]:
    """6, 8, 12, 16, 24, 32, ... below `limit`, then `limit` itself."""
    out: list[int] = []
    n = 6
    while n < limit:
        out.append(n)
        n = n * 4 // 3 if n % 3 == 0 else n * 3 // 2
    return [*out, limit] if limit > 4 else out


def _idx(values: Sequence[float], rows: int) -> npt.NDArray[np.int64]:
    return np.minimum(np.asarray(values, dtype=np.float64), rows - 1).astype(np.int64)


def outlook(
    tables: PacingTables,
    *,
    ready: int,
    on_call_s: Sequence[float],
    wrap_up_s: Sequence[float],
    ringing_s: Sequence[float],
    answered_waiting: int,
    connect_limit_s: float,
) -> Outlook:
    """Supply and demand over the horizon from the campaign's current state (see `Outlook`)."""
    c = min(max(int(connect_limit_s), 0), MAX_CONNECT_S)
    cols = slice(c, c + HORIZON_S + 1)
    free_cum = tables.free_on_call[_idx(on_call_s, TALK_BINS), cols].sum(axis=0)
    free_cum = free_cum + tables.free_wrap_up[_idx(wrap_up_s, WRAP_BINS), cols].sum(axis=0)
    ring_idx = _idx(ringing_s, RING_BINS)
    ans_cum = tables.answered_within[ring_idx, : HORIZON_S + 1].sum(axis=0)
    q = tables.answered_within[0, : HORIZON_S + 1]
    free_steps = np.diff(free_cum)
    busy = len(on_call_s) + len(wrap_up_s)
    early = float(free_cum[0])
    finite = ready + busy <= FINITE_MAX_OPERATORS
    free_rows = ring_rows = None
    if finite:
        free_rows = np.vstack(
            [
                tables.free_on_call[_idx(on_call_s, TALK_BINS), cols],
                tables.free_wrap_up[_idx(wrap_up_s, WRAP_BINS), cols],
            ]
        )
        ring_rows = tables.answered_within[ring_idx, : HORIZON_S + 1]
    initial = np.concatenate([np.zeros(ready), _poisson_rows(np.array([early]))[0]])
    return Outlook(
        ready=ready,
        max_idle=ready + busy,
        initial_idle=_capped(initial, ready + busy),
        waiting=answered_waiting,
        free_steps=free_steps,
        free_pmfs=_poisson_rows(free_steps),
        answer_steps=np.diff(ans_cum),
        new_call_steps=np.diff(q),
        pending_answers=answered_waiting + float(tables.answered_eventually[ring_idx].sum()),
        new_call_answer=float(tables.answered_eventually[0]),
        free_rows=free_rows,
        ring_rows=ring_rows,
        new_row=q if finite else None,
        coarse=ready + busy > FINE_STEPS_MAX_OPERATORS,
        free_cum=free_cum,
    )
