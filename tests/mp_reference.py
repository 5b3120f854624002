"""50-digit references for the certified solvers: the exact soft optimum of a small dense MDP.

The MDP is read *as stored*: every float64 entry of P, R and γ is an exact binary fraction,
converted to mpmath without rounding, so rows that do not sum to 1 exactly (decimal
probabilities, defects up to the accepted 1e-10) are what the reference solves. Independent of
``theory``: its own soft-max, its own Newton iteration (soft policy iteration with exact linear
solves), its own backward induction, its own regularisers (``reg``: ``"shannon"``, ``"tsallis"``
or a tuple, the prior of KL-to-prior), each value taken from its definition max_π ⟨π, q⟩ − τΩ(π)
at the maximiser found by its own rule (softmax; sparsemax by sorting; prior-tilted softmax).
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

DPS = 50


def _mp(x) -> mp.mpf:
    return mp.mpf(float(x))  # float -> mpf is exact


def _soft_max(q: list, tau: mp.mpf) -> tuple[mp.mpf, list]:
    """(F_τ(q), f_τ(q)) at 50 digits; τ = 0 gives the max and uniform weight on the argmax."""
    m = max(q)
    if tau == 0:
        arg = [1 if x == m else 0 for x in q]
        return m, [mp.mpf(a) / sum(arg) for a in arg]
    w = [mp.exp((x - m) / tau) for x in q]
    z = mp.fsum(w)
    return m + tau * mp.log(z), [x / z for x in w]


def _penalty(pi: list, tau: mp.mpf, reg) -> mp.mpf:
    """τΩ(π) at 50 digits."""
    if reg == "shannon":
        return tau * mp.fsum(p * mp.log(p) for p in pi if p > 0)
    if reg == "tsallis":
        return tau * (mp.fsum(p * p for p in pi) - 1) / 2
    return tau * mp.fsum(p * mp.log(p / _mp(m)) for p, m in zip(pi, reg) if p > 0)


def _greedy(q: list, tau: mp.mpf, reg) -> list:
    """The maximiser of ⟨π, q⟩ − τΩ(π) at 50 digits (uniform over the argmax at τ = 0)."""
    m = max(q)
    if tau == 0:
        arg = [1 if x == m else 0 for x in q]
        return [mp.mpf(a) / sum(arg) for a in arg]
    if reg == "tsallis":  # sparsemax: the largest k with 1 + k·z_(k) > Σ_{j<=k} z_(j)
        z = [(x - m) / tau for x in q]  # shifted: 1 + z_(1) > z_(1) holds at any magnitude
        zs = sorted(z, reverse=True)
        k = max(i for i in range(1, len(z) + 1) if 1 + i * zs[i - 1] > mp.fsum(zs[:i]))
        theta = (mp.fsum(zs[:k]) - 1) / k
        return [max(x - theta, 0) for x in z]
    prior = [1] * len(q) if reg == "shannon" else [_mp(x) for x in reg]
    w = [p * mp.exp((x - m) / tau) for p, x in zip(prior, q)]
    z = mp.fsum(w)
    return [x / z for x in w]


def regularized_max(q: list, tau, reg) -> tuple[mp.mpf, list]:
    """((τΩ)*(q), its maximiser) at 50 digits, the value from its definition ⟨π, q⟩ − τΩ(π)."""
    pi = _greedy(q, tau, reg)
    return mp.fsum(p * x for p, x in zip(pi, q)) - _penalty(pi, tau, reg), pi


def _unpack(mdp):
    P = mdp.dense_P()
    S, A = mdp.n_states, mdp.n_actions
    Pm = [[[_mp(P[s, a, t]) for t in range(S)] for a in range(A)] for s in range(S)]
    Rm = [[_mp(mdp.R[s, a]) for a in range(A)] for s in range(S)]
    return S, A, Pm, Rm, _mp(mdp.gamma), list(mdp.terminal)


def _backup(S, A, Pm, Rm, g, V):
    return [
        [Rm[s][a] + g * mp.fsum(Pm[s][a][t] * V[t] for t in range(S)) for a in range(A)] for s in range(S)
    ]


def soft_optimum(mdp, tau, reg="shannon") -> tuple[np.ndarray, np.ndarray]:
    """(Q*, V*) of an infinite-horizon MDP as mpmath arrays ``[S, A]``, ``[S]`` (object dtype),
    for the regulariser ``reg`` (module docstring).

    Newton's method on V = F_τ(r + γPV) (soft policy iteration, exact solves at 50 digits),
    until two iterates agree to 1e-35 relative (the solves' condition number is
    at most 1/(1 − γ) <= 1e11 here, so 50 digits leave 35 good ones).
    """
    with mp.workdps(DPS):
        S, A, Pm, Rm, g, term = _unpack(mdp)
        t = _mp(tau)
        V = [mp.mpf(0)] * S
        for _ in range(500):
            Q = _backup(S, A, Pm, Rm, g, V)
            M, b = mp.matrix(S, S), mp.matrix(S, 1)
            for s in range(S):
                M[s, s] += 1
                if term[s]:
                    continue
                pi = _soft_max(Q[s], t)[1] if reg == "shannon" else _greedy(Q[s], t, reg)
                b[s] = mp.fsum(pi[a] * Rm[s][a] for a in range(A)) - _penalty(pi, t, reg)
                for a in range(A):
                    for u in range(S):
                        M[s, u] -= g * pi[a] * Pm[s][a][u]
            x = mp.lu_solve(M, b)
            new = [x[i] for i in range(S)]
            scale = 1 + max(abs(a) for a in new)
            done = max(abs(a - b) for a, b in zip(new, V)) <= mp.mpf(10) ** -35 * scale
            V = new
            if done:
                break
        else:
            raise RuntimeError("the 50-digit Newton iteration did not converge")
        Q = _backup(S, A, Pm, Rm, g, V)
        return np.array(Q, dtype=object), np.array(V, dtype=object)


def soft_backward(mdp, tau, horizon: int, reg="shannon") -> tuple[np.ndarray, np.ndarray]:
    """(Q, V) with ``horizon`` steps to go, from V = 0, at 50 digits, for the regulariser ``reg``."""
    with mp.workdps(DPS):
        S, A, Pm, Rm, g, term = _unpack(mdp)
        t = _mp(tau)
        V = [mp.mpf(0)] * S
        for _ in range(horizon):
            Q = _backup(S, A, Pm, Rm, g, V)
            value = (
                (lambda q: _soft_max(q, t)[0])
                if reg == "shannon"
                else (lambda q: regularized_max(q, t, reg)[0])
            )
            V = [mp.mpf(0) if term[s] else value(Q[s]) for s in range(S)]
        return np.array(Q, dtype=object), np.array(V, dtype=object)


def sup_error(computed: np.ndarray, exact: np.ndarray) -> float:
    """max |computed − exact| over all entries, evaluated at 50 digits, rounded up to a float."""
    with mp.workdps(DPS):
        worst = max(abs(_mp(c) - e) for c, e in zip(np.ravel(computed), np.ravel(exact)))
        return float(worst) * (1 + 2.0**-50)  # round-to-nearest, then up by a few ulps
