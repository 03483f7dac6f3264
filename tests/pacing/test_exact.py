"""The finite-population model (dialer/pacing/exact.py) against brute force and Monte Carlo on small cases.

The Monte Carlo here simulates the model's own assumptions exactly: each busy operator frees once, at a time
drawn from their own residual-time curve; each call is answered at most once, at a time drawn from its own
conditional answer curve; answers take idle operators first come, first served, and those finding none
(operators freeing by t + connect limit count at t) are abandoned.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dialer.pacing.exact import (
    binomial,
    binomial_table,
    binomial_tables,
    finite_abandons_by_new_calls,
    finite_expected_abandons,
    hazards,
    poisson_binomial,
)
from dialer.pacing.learned import FloatArray
from dialer.pacing.model import pacing_tables

from .helpers import LEARNED

H = 40


def mc_abandons(
    ready: int, free_cum: FloatArray, answer_cum: FloatArray, waiting: int, samples: int = 40_000, seed: int = 7
) -> tuple[float, float]:
    """Mean and standard error of the abandons, simulated operator by operator and call by call."""
    rng = np.random.default_rng(seed)
    h = (free_cum.shape[1] if free_cum.size else answer_cum.shape[1]) - 1
    frees = np.full((samples, len(free_cum)), h + 1)
    for i, row in enumerate(free_cum):
        frees[:, i] = np.searchsorted(row, rng.random(samples), side="right")  # first k with u < cum[k]
    ans = answer_cum.copy()
    if ans.size:
        ans[:, 0] = 0.0
    answers = np.full((samples, len(ans)), h + 1)
    for j, row in enumerate(ans):
        answers[:, j] = np.searchsorted(row, rng.random(samples), side="right")
    idle = np.full(samples, ready)
    lost = np.zeros(samples)
    for k in range(h + 1):
        idle += (frees == k).sum(axis=1)
        if k == 0 and waiting:
            take = np.minimum(idle, waiting)
            lost += waiting - take
            idle -= take
        a = (answers == k).sum(axis=1)
        take = np.minimum(idle, a)
        lost += a - take
        idle -= take
    return float(lost.mean()), float(lost.std() / math.sqrt(samples))


# --- the building blocks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("probs", [[], [0.3], [0.0, 1.0], [0.2, 0.5, 0.9], [0.1, 0.1, 0.4, 0.7, 0.99, 0.5]])
def test_poisson_binomial_matches_enumeration(probs: list[float]) -> None:
    exact = np.zeros(len(probs) + 1)
    for outcome in itertools.product((0, 1), repeat=len(probs)):
        exact[sum(outcome)] += math.prod(p if o else 1 - p for p, o in zip(probs, outcome, strict=True))
    got = poisson_binomial(probs)
    assert got.sum() == pytest.approx(1.0)
    assert np.allclose(np.pad(got, (0, len(exact) - len(got))), exact, atol=1e-9)


def test_poisson_binomial_matches_monte_carlo() -> None:
    rng = np.random.default_rng(3)
    probs = rng.random(12)
    counts = (rng.random((100_000, 12)) < probs).sum(axis=1)
    freq = np.bincount(counts, minlength=13) / len(counts)
    got = poisson_binomial(probs)
    assert np.allclose(np.pad(got, (0, 13 - len(got))), freq, atol=0.005)
    assert float(np.dot(got, np.arange(len(got)))) == pytest.approx(probs.sum())


@pytest.mark.parametrize("n,p", [(0, 0.3), (1, 0.3), (7, 0.05), (12, 0.5), (20, 0.9)])
def test_binomials(n: int, p: float) -> None:
    exact = np.array([math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(n + 1)])
    got = binomial(n, p)
    assert np.allclose(np.pad(got, (0, n + 1 - len(got))), exact, atol=1e-9)
    table = binomial_table(max(n, 1), p)
    assert np.allclose(table[n, : n + 1], exact, atol=1e-12)
    assert np.allclose(table.sum(axis=1), 1.0)
    tables = binomial_tables(max(n, 1), np.array([p, 0.0, 1.0]))
    assert np.allclose(tables[0], table)
    assert np.allclose(tables[1][:, 0], 1.0)  # no hazard: nobody moves
    assert np.allclose(np.diag(tables[2]), 1.0)  # certain: everybody moves


def test_hazards_rebuild_the_timing() -> None:
    mass = np.array([0.0, 0.2, 0.1, 0.0, 0.4, 0.3])
    h = hazards(mass)
    left, rebuilt = 1.0, []
    for x in h:
        rebuilt.append(left * x)
        left *= 1 - x
    assert np.allclose(rebuilt, mass / mass.sum())
    assert np.all(hazards(np.zeros(4)) == 0.0)


# --- expected abandons ---------------------------------------------------------------------------------------


def _curves(
    on_call: list[float], wrap_up: list[float], ringing: list[float], new: int
) -> tuple[FloatArray, FloatArray]:
    t = pacing_tables(LEARNED)
    c = 2
    free = np.vstack(
        [
            t.free_on_call[np.asarray(on_call, dtype=int), c : c + H + 1].reshape(len(on_call), H + 1),
            t.free_wrap_up[np.asarray(wrap_up, dtype=int), c : c + H + 1].reshape(len(wrap_up), H + 1),
        ]
    )
    rows = [t.answered_within[int(r), : H + 1] for r in ringing] + [t.answered_within[0, : H + 1]] * new
    answer = np.vstack(rows) if rows else np.zeros((0, H + 1))
    return free, answer


@pytest.mark.parametrize(
    "ready,on_call,calls,ring_age,waiting",
    [(1, 3, 4, 0.0, 0), (0, 4, 3, 6.0, 1), (2, 2, 5, 2.0, 0), (1, 5, 7, 0.0, 1), (0, 1, 2, 10.0, 0)],
)
def test_identical_operators_and_calls_are_exact(
    ready: int, on_call: int, calls: int, ring_age: float, waiting: int
) -> None:
    """With identical operators and identical calls the pooled timing is no approximation at all."""
    free, answer = _curves([90.0] * on_call, [], [ring_age] * calls, 0)
    got = finite_expected_abandons(ready=ready, free_cum=free, answer_cum=answer, waiting=waiting)
    mc, se = mc_abandons(ready, free, answer, waiting)
    assert got == pytest.approx(mc, abs=4 * se + 1e-3)


@pytest.mark.parametrize("seed", range(12))
def test_heterogeneous_cases_close_to_monte_carlo(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ready = int(rng.integers(0, 3))
    on_call = list(rng.uniform(0, 400, int(rng.integers(0, 5))))
    wrap_up = list(rng.uniform(0, 30, int(rng.integers(0, 3))))
    ringing = list(rng.uniform(0, 18, int(rng.integers(0, 5))))
    new = int(rng.integers(0, 5))
    waiting = int(rng.integers(0, 2))
    free, answer = _curves(on_call, wrap_up, ringing, new)
    got = finite_expected_abandons(ready=ready, free_cum=free, answer_cum=answer, waiting=waiting)
    mc, se = mc_abandons(ready, free, answer, waiting)
    # pooled timing is the one approximation: within 12 % (+ noise) of the operator-by-operator truth
    assert got == pytest.approx(mc, rel=0.12, abs=4 * se + 2e-3)


def test_no_operators_lose_every_answer_and_plenty_lose_none() -> None:
    _, answer = _curves([], [], [3.0, 8.0], 3)
    expected_answers = float((answer[:, -1] - answer[:, 0]).sum())
    none = finite_expected_abandons(ready=0, free_cum=np.zeros((0, H + 1)), answer_cum=answer, waiting=2)
    assert none == pytest.approx(2 + expected_answers, rel=1e-4)  # moves under 1e-5 a second are cut
    plenty = finite_expected_abandons(ready=10, free_cum=np.zeros((0, H + 1)), answer_cum=answer, waiting=0)
    assert plenty == pytest.approx(0.0, abs=1e-9)


def test_by_new_calls_matches_one_at_a_time() -> None:
    free, ring = _curves([40.0, 200.0, 10.0], [4.0], [2.0, 9.0], 0)
    q = _curves([], [], [0.0], 0)[1][0]
    by = finite_abandons_by_new_calls(ready=1, free_cum=free, ring_cum=ring, new_cum=q, waiting=0, max_new=6)
    for n in range(7):
        answer = np.vstack([ring, np.broadcast_to(q, (n, H + 1))])
        one = finite_expected_abandons(ready=1, free_cum=free, answer_cum=answer, waiting=0)
        assert by[n] == pytest.approx(one, rel=1e-3, abs=1e-6)  # same DP (moves under 1e-5 are cut)
    assert np.all(np.diff(by) > 0)


# --- the fast DP against a plain one -------------------------------------------------------------------------


def _plain_dp(
    ready: int, waiting: int, b_pmf: FloatArray, f_haz: FloatArray, u_pmf: FloatArray, a_haz: FloatArray
) -> float:
    """The DP over (idle, to free, to answer) written plainly: 1-s steps, no pruning, every move, float64."""
    nb, nu = len(b_pmf), len(u_pmf)
    rows = ready + nb + 1
    state = np.zeros((rows, nb, nu))  # idle 0..ready+nb
    state[ready] = b_pmf[:, None] * u_pmf[None, :]
    lost = 0.0
    for k in range(len(f_haz)):
        t = binomial_table(nb - 1, float(f_haz[k]))
        new = np.zeros_like(state)
        for b in range(nb):
            for x in range(b + 1):
                new[x:, b - x] += state[: rows - x, b] * t[b, x]
        state = new
        if k == 0 and waiting:
            for i in range(rows):
                lost += float(state[i].sum()) * max(waiting - i, 0)
            new = np.zeros_like(state)
            for i in range(rows):
                new[max(i - waiting, 0)] += state[i]
            state = new
        t = binomial_table(nu - 1, float(a_haz[k]))
        new = np.zeros_like(state)
        for u in range(nu):
            for y in range(u + 1):
                for i in range(rows):
                    moved = state[i, :, u] * t[u, y]
                    lost += float(moved.sum()) * max(y - i, 0)
                    new[max(i - y, 0), :, u - y] += moved
        state = new
    return lost


@pytest.mark.parametrize("seed", range(8))
def test_fast_dp_matches_the_plain_one(seed: int) -> None:
    from dialer.pacing import exact

    rng = np.random.default_rng(100 + seed)
    free, answer = _curves(
        list(rng.uniform(0, 300, int(rng.integers(0, 7)))),
        list(rng.uniform(0, 20, int(rng.integers(0, 3)))),
        list(rng.uniform(0, 15, int(rng.integers(0, 6)))),
        int(rng.integers(0, 4)),
    )
    ready, waiting = int(rng.integers(0, 4)), int(rng.integers(0, 3))
    b_pmf, f_haz = exact._supply(free, H)
    ans = answer.copy()
    ans[:, 0] = 0.0
    a_steps = np.diff(ans, axis=1, prepend=0.0).sum(axis=0) if len(ans) else np.zeros(H + 1)
    u_pmf = poisson_binomial(ans[:, -1]) if len(ans) else np.ones(1)
    a_haz = hazards(a_steps)
    plain = _plain_dp(ready, waiting, b_pmf, f_haz, u_pmf, a_haz)
    fast = float(exact._dp(ready, waiting, b_pmf, f_haz, u_pmf[None], a_haz[None], coarse=False)[0])
    # the fast DP drops moves under 1e-5 a step and computes in float32
    assert fast == pytest.approx(plain, rel=2e-3, abs=2e-4)
    coarse = float(exact._dp(ready, waiting, b_pmf, f_haz, u_pmf[None], a_haz[None])[0])
    assert plain - 2e-4 <= coarse <= plain * 1.15 + 2e-4  # longer steps further ahead: a little on the safe side


@pytest.mark.parametrize("seed", range(4))
def test_twenty_operators_close_to_monte_carlo_and_far_closer_than_poisson(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 20-operator floor: the finite model errs on the safe side by the pooled timing (and the longer steps
    further ahead), by much less than the per-second Poisson counts do."""
    from dataclasses import replace

    from dialer.pacing import model
    from dialer.pacing.model import outlook

    monkeypatch.setattr(model, "FINITE_MAX_OPERATORS", 40)  # whatever the engine's threshold

    rng = np.random.default_rng(200 + seed)
    look = outlook(
        pacing_tables(LEARNED),
        ready=int(rng.integers(0, 3)),
        on_call_s=list(rng.uniform(0, 400, 17)),
        wrap_up_s=list(rng.uniform(0, 20, 2)),
        ringing_s=list(rng.uniform(0, 15, int(rng.integers(4, 12)))),
        answered_waiting=0,
        connect_limit_s=2.0,
    )
    assert look.free_rows is not None and look.ring_rows is not None and look.new_row is not None
    n = 3
    answer = np.vstack([look.ring_rows, np.broadcast_to(look.new_row, (n, H + 1))])
    mc, se = mc_abandons(look.ready, look.free_rows, answer, 0, samples=30_000, seed=seed)
    finite = look.expected_abandons(n)
    poisson = replace(look, free_rows=None).expected_abandons(n)
    assert mc - 4 * se - 1e-3 <= finite <= 1.3 * mc + 4 * se + 1e-3
    assert abs(finite - mc) < abs(poisson - mc)
