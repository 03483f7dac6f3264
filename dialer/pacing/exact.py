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
    return float(_dp(ready, waiting, b_pmf, f_haz, u_pmf[None, :], hazards(a_steps)[None, :])[0])


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
    max_new: int,
) -> FloatArray:
    """`finite_expected_abandons` for 0..max_new new calls at once (new_cum: a new call's answer curve)."""
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
    for _ in range(max_new):
        prev = pmfs[-1]
        nxt = np.zeros(len(prev) + 1)
        nxt[:-1] += prev * (1.0 - q)
        nxt[1:] += prev * q
        pmfs.append(trim(nxt))
    nu = max(len(p) for p in pmfs)
    u_pmf = np.zeros((max_new + 1, nu))
    for i, p in enumerate(pmfs):
        u_pmf[i, : len(p)] = p
    a_haz = np.vstack([hazards(ring_steps + i * new_steps) for i in range(max_new + 1)])
    return _dp(ready, waiting, b_pmf, f_haz, u_pmf, a_haz)


def binomial_tables(n_max: int, ps: FloatArray) -> FloatArray:
    """T[k, m, x] = P(Binomial(m, ps[k]) = x), for every step k at once."""
    lc, x, rest = _log_choose(n_max)
    p = np.clip(ps, 1e-300, 1.0 - 1e-16)[:, None, None]
    t: FloatArray = np.exp(lc[None] + x[None] * np.log(p) + rest[None] * np.log1p(-p))
    return t


def _reach(tables: FloatArray, at_least: FloatArray) -> list[int]:
    """Per step, how many moves at once have non-negligible probability.

    `at_least[..., m]` = P(at least m still to come at the start), which bounds P(m still to come) later on.
    """
    bound = np.einsum("...m,...kmx->...kx", at_least, tables)
    if bound.ndim == 3:
        bound = bound.max(axis=0)
    col = bound >= _REACH_TAIL  # [k, x]
    last: list[int] = np.where(col, np.arange(col.shape[1]), 0).max(axis=1).tolist()
    return last


def _dp(
    ready: int, waiting: int, b_pmf: FloatArray, f_haz: FloatArray, u_pmf: FloatArray, a_haz: FloatArray
) -> FloatArray:
    """Expected abandons per variant: answers minus calls served, from the DP over (idle, to free, to answer).

    `u_pmf` [v, u] and `a_haz` [v, k] have one row per variant (e.g. per number of new calls); the supply is
    shared. Rows of the idle axis are offset by `pad` so that answers can take more operators than are idle in
    one array operation; the overdrawn rows are folded back to "no operator idle" after every second.
    """
    nv, nu = u_pmf.shape
    nb = len(b_pmf)
    answering = np.nonzero(a_haz.max(axis=0) > 0)[0]
    last = int(answering[-1]) if len(answering) and nu > 1 else 0
    steps = last + 1
    tb = binomial_tables(nb - 1, f_haz[:steps])
    ta = binomial_tables(nu - 1, a_haz[:, :steps].ravel()).reshape(nv, steps, nu, nu)
    reach_b = _reach(tb, np.cumsum(b_pmf[::-1])[::-1])
    reach_u = _reach(ta, np.cumsum(u_pmf[:, ::-1], axis=1)[:, ::-1])
    pad = max(max(reach_u), waiting)  # no second takes more than this many operators
    rows = pad + ready + nb
    state = np.zeros((nv, rows, nb, nu))
    state[:, pad + ready, :, :] = b_pmf[None, :, None] * u_pmf[:, None, :]
    for k in range(steps):
        if f_haz[k] > 0.0 and reach_b[k] > 0:
            t = tb[k]
            new = state * t[:, 0][None, None, :, None]
            for x in range(1, reach_b[k] + 1):  # x of the operators still to free do so now
                new[:, x:, : nb - x, :] += state[:, : rows - x, x:, :] * t[x:, x][None, None, :, None]
            state = new
        if k == 0 and waiting:
            new = np.zeros_like(state)
            new[:, : rows - waiting] = state[:, waiting:]
            state = new
            _fold(state, pad)
        if reach_u[k] > 0:
            t = ta[:, k]  # [v, u, y]
            new = state * t[:, :, 0][:, None, None, :]
            for y in range(1, reach_u[k] + 1):  # y of the answers still to come happen now
                new[:, : rows - y, :, : nu - y] += state[:, y:, :, y:] * t[:, y:, y][:, None, None, :]
            state = new
            _fold(state, pad)
    idle_end = state.sum(axis=(2, 3)) @ (np.arange(rows, dtype=np.float64) - pad)
    b_idx, u_idx = np.arange(nb, dtype=np.float64), np.arange(nu, dtype=np.float64)
    b_end = state.sum(axis=(1, 3)) @ b_idx
    u_end = state.sum(axis=(1, 2)) @ u_idx
    answered = waiting + u_pmf @ u_idx - u_end
    served = ready + float(np.dot(b_pmf, b_idx)) - b_end - idle_end
    out: FloatArray = np.maximum(answered - served, 0.0)
    return out


def _fold(state: FloatArray, pad: int) -> None:
    """Answers that found no idle operator were abandoned: the overdrawn rows become "none idle"."""
    if pad:
        state[:, pad] += state[:, :pad].sum(axis=1)
        state[:, :pad] = 0.0
