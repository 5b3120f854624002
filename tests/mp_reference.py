"""50-digit references for the certified solvers: the exact soft optimum of a small dense MDP.

The MDP is read *as stored*: every float64 entry of P, R and γ is an exact binary fraction,
converted to mpmath without rounding, so rows that do not sum to 1 exactly (decimal
probabilities, defects up to the accepted 1e-10) are what the reference solves. Independent of
``theory``: its own soft-max, its own Newton iteration (soft policy iteration with exact linear
solves), its own backward induction.
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


def soft_optimum(mdp, tau) -> tuple[np.ndarray, np.ndarray]:
    """(Q*, V*) of an infinite-horizon MDP as mpmath arrays ``[S, A]``, ``[S]`` (object dtype).

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
                _, pi = _soft_max(Q[s], t)
                for a in range(A):
                    ent = -pi[a] * mp.log(pi[a]) if pi[a] > 0 else 0
                    b[s] += pi[a] * Rm[s][a] + t * ent
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


def soft_backward(mdp, tau, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(Q, V) with ``horizon`` steps to go, from V = 0, at 50 digits."""
    with mp.workdps(DPS):
        S, A, Pm, Rm, g, term = _unpack(mdp)
        t = _mp(tau)
        V = [mp.mpf(0)] * S
        for _ in range(horizon):
            Q = _backup(S, A, Pm, Rm, g, V)
            V = [mp.mpf(0) if term[s] else _soft_max(Q[s], t)[0] for s in range(S)]
        return np.array(Q, dtype=object), np.array(V, dtype=object)


def sup_error(computed: np.ndarray, exact: np.ndarray) -> float:
    """max |computed − exact| over all entries, evaluated at 50 digits, rounded up to a float."""
    with mp.workdps(DPS):
        worst = max(abs(_mp(c) - e) for c, e in zip(np.ravel(computed), np.ravel(exact)))
        return float(worst) * (1 + 2.0**-50)  # round-to-nearest, then up by a few ulps
