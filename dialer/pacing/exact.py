"""Finite-population outlook: each operator frees at most once, each call is answered at most once.

The per-second Poisson model of `model.Outlook` lets one operator "free up twice" and one call "answer twice"
across seconds, which overstates the variance of supply and demand, badly so for a handful of operators (a
wrap-up that is 90 % sure to end within the horizon looks 41 % likely not to). Here:

* the number of busy operators freeing up within the horizon (+ connect limit) is the Poisson-binomial over
  their own residual-time probabilities, and the number of answers is the Poisson-binomial over the ringing
  calls' conditional answer probabilities (convolved with the binomial of the new calls);
* when they happen is the pooled per-second timing of those probabilities; the DP state is (idle operators,
  frees still to come, answers still to come), and each second the frees and answers still to come each happen
  with the pooled hazard: a binomial over what is left, never more than the operators or calls there are.

Answers finding no idle operator (after that second's frees, which already include the connect limit) are the
expected abandons. Marginal counts are exact; the pooled timing is the only approximation (checked against
Monte Carlo of the per-operator/per-call model in tests/pacing/test_exact.py). The state space grows with
team size, so `model.outlook` uses this only while it is small (large teams are well served by Poisson).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from dialer.pacing.learned import FloatArray

_TAIL = 1e-9
_REACH_TAIL = 1e-5


def poisson_binomial(probs: Sequence[float] | FloatArray) -> FloatArray:
    """pmf of the number of successes of independent Bernoulli trials with the given probabilities."""
    pmf = np.ones(1, dtype=np.float64)
    for p in np.clip(np.asarray(probs, dtype=np.float64), 0.0, 1.0):
        nxt = np.zeros(len(pmf) + 1)
        nxt[:-1] += pmf * (1.0 - p)
        nxt[1:] += pmf * p
        pmf = nxt
    return trim(pmf)


def binomial(n: int, p: float) -> FloatArray:
    """pmf of Binomial(n, p) (by the same recurrence: exact and stable for the small n used here)."""
    return poisson_binomial(np.full(max(n, 0), p))


def trim(pmf: FloatArray) -> FloatArray:
    """Drop a negligible upper tail (folded into the last point kept)."""
    keep = len(pmf)
    tail = 0.0
    while keep > 1 and tail + pmf[keep - 1] < _TAIL:
        tail += float(pmf[keep - 1])
        keep -= 1
    out = pmf[:keep].copy()
    out[-1] += tail
    return out


@functools.lru_cache(maxsize=64)
def _log_choose(n_max: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    m = np.arange(n_max + 1, dtype=np.float64)
    lf = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n_max + 1, dtype=np.float64)))])
    x = m[None, :]
    valid = x <= m[:, None]
    lc = np.where(valid, lf[:, None] - lf[None, :] - lf[np.clip(m[:, None] - x, 0, n_max).astype(int)], -np.inf)
    return lc, np.broadcast_to(x, lc.shape).copy(), np.where(valid, m[:, None] - x, 0.0)


def binomial_table(n_max: int, p: float) -> FloatArray:
    """T[m, x] = P(Binomial(m, p) = x), m, x = 0..n_max."""
    lc, x, rest = _log_choose(n_max)
    if p <= 0.0:
        out = np.zeros_like(lc)
        out[:, 0] = 1.0
        return out
    if p >= 1.0:
        return np.eye(n_max + 1)
    t: FloatArray = np.exp(lc + x * np.log(p) + rest * np.log1p(-p))
    return t


def hazards(step_mass: FloatArray) -> FloatArray:
    """Per-step hazard of the pooled timing: the share of what is still to come that happens now."""
    total = float(step_mass.sum())
    if total <= 0.0:
        return np.zeros_like(step_mass)
    share = step_mass / total
    left = 1.0 - np.concatenate([[0.0], np.cumsum(share)[:-1]])
    out: FloatArray = np.clip(np.where(left > 1e-12, share / np.maximum(left, 1e-12), 1.0), 0.0, 1.0)
    return out


def finite_expected_abandons(
    *,
    ready: int,
    free_cum: FloatArray,
    answer_cum: FloatArray,
    waiting: int,
    coarse: bool = True,
) -> float:
    """Expected abandons over the horizon for a finite set of operators and calls.

    free_cum[i, k]: P(busy operator i is ready by second k + connect limit), k = 0..H;
    answer_cum[j, k]: P(call j is answered by a person within k s), k = 0..H (answer_cum[:, 0] is ignored: an
    answer needs at least a second); `waiting` answered callers need an operator right away.
    """
    h = free_cum.shape[1] - 1 if free_cum.size else answer_cum.shape[1] - 1 if answer_cum.size else 0
    # supply: count of frees within the horizon, and their pooled per-second timing (step 0: within connect)
    b_pmf, f_haz = _supply(free_cum, h)
    if answer_cum.size:
        a_steps = np.diff(answer_cum, axis=1, prepend=0.0).sum(axis=0)
        a_steps[0] = 0.0
        u_pmf = poisson_binomial(answer_cum[:, -1] - answer_cum[:, 0])
    else:
        a_steps = np.zeros(h + 1)
        u_pmf = np.ones(1)
    return float(_dp(ready, waiting, b_pmf, f_haz, u_pmf[None, :], hazards(a_steps)[None, :], coarse)[0])


def _supply(free_cum: FloatArray, h: int) -> tuple[FloatArray, FloatArray]:
    if free_cum.shape[0] == 0:
        return np.ones(1), np.zeros(h + 1)
    f_steps = np.diff(free_cum, axis=1, prepend=0.0).sum(axis=0)
    return poisson_binomial(free_cum[:, -1]), hazards(f_steps)


def finite_abandons_by_new_calls(
    *,
    ready: int,
    free_cum: FloatArray,
    ring_cum: FloatArray,
    new_cum: FloatArray,
    waiting: int,
    max_new: int = 0,
    new_counts: Sequence[int] | None = None,
    coarse: bool = True,
) -> FloatArray:
    """`finite_expected_abandons` for several numbers of new calls in one DP (new_cum: a new call's curve).

    The numbers are 0..max_new, or `new_counts` when given (the DP's cost grows with how many there are).
    """
    counts = list(range(max_new + 1)) if new_counts is None else list(new_counts)
    h = len(new_cum) - 1
    b_pmf, f_haz = _supply(free_cum, h)
    ring = ring_cum.copy()
    ring[:, 0] = 0.0
    new = new_cum.copy()
    new[0] = 0.0
    base_pmf = poisson_binomial(ring[:, -1])
    ring_steps = np.diff(ring, axis=1, prepend=0.0).sum(axis=0)
    new_steps = np.diff(new, prepend=0.0)
    q = float(new[-1])
    pmfs = [base_pmf]
    for _ in range(max(counts, default=0)):
        prev = pmfs[-1]
        nxt = np.zeros(len(prev) + 1)
        nxt[:-1] += prev * (1.0 - q)
        nxt[1:] += prev * q
        pmfs.append(trim(nxt))
    nu = max(len(pmfs[i]) for i in counts)
    u_pmf = np.zeros((len(counts), nu))
    for row, i in enumerate(counts):
        u_pmf[row, : len(pmfs[i])] = pmfs[i]
    a_haz = np.vstack([hazards(ring_steps + i * new_steps) for i in counts])
    return _dp(ready, waiting, b_pmf, f_haz, u_pmf, a_haz, coarse)


def binomial_tables(n_max: int, ps: FloatArray) -> FloatArray:
    """T[k, m, x] = P(Binomial(m, ps[k]) = x), for every step k at once."""
    lc, x, rest = _log_choose(n_max)
    p = np.clip(ps, 1e-300, 1.0 - 1e-16)[:, None, None]
    t: FloatArray = np.exp(lc[None] + x[None] * np.log(p) + rest[None] * np.log1p(-p))
    return t


def _marginal_reach(tables: FloatArray, pmf: FloatArray) -> list[int]:
    """Per step, how many moves at once have non-negligible probability (over all variants).

    What is still to come evolves on its own (frees and answers are independent of everything else), so its
    exact marginal, step by step, says how many can move at once. tables [v, k, m, x], pmf [v, m].
    """
    _, steps, n, _ = tables.shape
    dist = pmf.copy()
    out: list[int] = []
    for k in range(steps):
        t = tables[:, k]  # [v, m, x]
        moves = np.einsum("vm,vmx->vx", dist, t)
        col = np.nonzero((moves >= _REACH_TAIL).any(axis=0))[0]
        out.append(int(col[-1]) if len(col) else 0)
        joint = dist[:, :, None] * t  # [v, m, x] -> m - x left
        nxt = np.zeros_like(dist)
        for x in range(n):
            nxt[:, : n - x] += joint[:, x:, x] if x else joint[:, :, 0]
        dist = nxt
    return out


def _dp(
    ready: int,
    waiting: int,
    b_pmf: FloatArray,
    f_haz: FloatArray,
    u_pmf: FloatArray,
    a_haz: FloatArray,
    coarse: bool = True,
) -> FloatArray:
    """Expected abandons per variant, from the DP over (idle, to free, to answer).

    `u_pmf` [v, u] and `a_haz` [v, k] have one row per variant (e.g. per number of new calls); the supply is
    shared. The abandons are counted as they happen (answers overdrawing the idle pool). A state with at least
    as many idle operators as answers still to come can lose no more calls, so it is dropped: the idle axis
    stops at the most answers still possible, which keeps the array small however many operators are ready
    (the cost no longer grows with the team, only with the calls in flight and the frees to come). Rows of the
    idle axis are offset by `pad` so that answers can overdraw it in one array operation; the overdrawn rows
    are counted as abandons and folded back to "no operator idle" after every second. The axes of frees and
    answers still to come are cut as their upper values empty out.
    """
    nv, nu = u_pmf.shape
    nb = len(b_pmf)
    lost = np.zeros(nv)
    if coarse:
        f_haz, a_haz = _coarse(f_haz, a_haz)
    if nu <= 1:  # no answers to come: only the waiting callers the first second cannot serve are lost
        return _dp_small(ready, waiting, b_pmf, f_haz, nv) if waiting > ready else lost
    top_idle = nu - 2 + waiting  # idle above this (after the waiting callers are served) is safe for good
    if ready > top_idle:
        return lost
    answering = np.nonzero(a_haz.max(axis=0) > 0)[0]
    last = int(answering[-1]) if len(answering) else 0
    steps = last + 1
    tb64 = binomial_tables(nb - 1, f_haz[:steps])
    ta64 = binomial_tables(nu - 1, a_haz[:, :steps].ravel()).reshape(nv, steps, nu, nu)
    reach_b = _marginal_reach(tb64[None], b_pmf[None])
    reach_u = _marginal_reach(ta64, u_pmf)
    tb, ta = tb64.astype(_DTYPE), ta64.astype(_DTYPE)
    pad = max(max(reach_u), waiting)  # no second takes more than this many operators
    rows = pad + top_idle + 1
    state = np.zeros((nv, rows, nb, nu), dtype=_DTYPE)
    state[:, pad + ready, :, :] = b_pmf[None, :, None] * u_pmf[:, None, :]
    over = np.arange(pad, 0, -1, dtype=np.float64)  # calls lost per overdrawn row
    hb, hu = nb, nu  # live extent of the "to free" and "to answer" axes
    for k in range(steps):
        if k % 4 == 0 and k:
            hb, hu = _extent(state, hb, hu)
            if hu <= 1:
                break
        s = state[:, :, :hb, :hu]
        if f_haz[k] > 0.0 and reach_b[k] > 0 and hb > 1:
            t = tb[k]
            new = s * t[:hb, 0][None, None, :, None]
            for x in range(1, min(reach_b[k], hb - 1, rows - 1) + 1):  # x of the operators still to free do so now
                new[:, x:, : hb - x, :] += s[:, : rows - x, x:, :] * t[x:hb, x][None, None, :, None]
            state[:, :, :hb, :hu] = new
            s = state[:, :, :hb, :hu]
        if k == 0 and waiting:
            s[:, : rows - waiting] = s[:, waiting:].copy()
            s[:, rows - waiting :] = 0.0
            lost += _fold(s, pad, over)
        if reach_u[k] > 0:
            t = ta[:, k]  # [v, u, y]
            new = s * t[:, :hu, 0][:, None, None, :]
            for y in range(1, min(reach_u[k], hu - 1) + 1):  # y of the answers still to come happen now
                new[:, : rows - y, :, : hu - y] += s[:, y:, :, y:] * t[:, y:hu, y][:, None, None, :]
            state[:, :, :hb, :hu] = new
            lost += _fold(state[:, :, :hb, :hu], pad, over)
    return lost


STEP_EDGES: tuple[int, ...] = (*range(0, 6), *range(6, 16, 2), *range(16, 41, 4))  # coarse steps' starts
_DTYPE = np.float32  # the state's probabilities: half the memory traffic; sums of ~1e4 terms stay accurate


def _coarse(f_haz: FloatArray, a_haz: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Steps of 1 s for the first 6 s, then 2 s up to 16 s, then 4 s: the hazards of their seconds combined.

    A DP's cost is its number of steps (each a handful of array operations): 18 steps instead of 41.

    Within a longer step the frees come before the answers; so that a free late in the step does not serve
    an answer early in it, each step's frees are those of its first half (and the rest wait for the next
    step). Against 1-s steps this stays on the high (safe) side, by a few per cent (tests/pacing/test_exact.py).
    """
    h = len(f_haz)
    starts = [e for e in STEP_EDGES if e < h]
    ends = [*starts[1:], h]

    def combined(haz: FloatArray, lo: int, hi: int) -> FloatArray:
        out: FloatArray = 1.0 - np.prod(1.0 - haz[..., lo:hi], axis=-1)
        return out

    a_out = np.stack([combined(a_haz, s, e) for s, e in zip(starts, ends, strict=True)], axis=-1)
    cut = [s + (e - s + 1) // 2 for s, e in zip(starts, ends, strict=True)]
    cut[-1] = h
    f_out = np.array([combined(f_haz, lo, hi) for lo, hi in zip([0, *cut[:-1]], cut, strict=True)])
    return f_out, a_out


def _dp_small(ready: int, waiting: int, b_pmf: FloatArray, f_haz: FloatArray, nv: int) -> FloatArray:
    """Only waiting callers and no answers to come: those the ready operators and the first frees cannot take."""
    step0 = float(f_haz[0]) if len(f_haz) else 0.0
    frees = b_pmf @ binomial_table(len(b_pmf) - 1, step0)  # pmf of the frees within the connect limit
    short = np.maximum(waiting - ready - np.arange(len(frees), dtype=np.float64), 0.0)
    return np.full(nv, float(frees @ short))


def _extent(state: FloatArray, hb: int, hu: int) -> tuple[int, int]:
    """How far the "to free" and "to answer" axes still hold mass."""
    mass_b = np.nonzero(state[:, :, :hb, :hu].sum(axis=(0, 1, 3)) > 1e-13)[0]
    mass_u = np.nonzero(state[:, :, :hb, :hu].sum(axis=(0, 1, 2)) > 1e-13)[0]
    return (int(mass_b[-1]) + 1 if len(mass_b) else 1), (int(mass_u[-1]) + 1 if len(mass_u) else 1)


def _fold(state: FloatArray, pad: int, over: FloatArray) -> FloatArray:
    """Answers that found no idle operator were abandoned: count them per variant; the rows become "none idle"."""
    if not pad:
        return np.zeros(state.shape[0])
    lost: FloatArray = state[:, :pad].sum(axis=(2, 3)) @ over
    state[:, pad] += state[:, :pad].sum(axis=1)
    state[:, :pad] = 0.0
    return lost
