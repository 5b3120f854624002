"""Path consistency of soft-optimal values and policies (PCL).

For the soft optimum V*, π* and any d-step path s_0, a_0, s_1, …, s_d of positive probability,

    C_d = V(s_0) − γ^d V(s_d) − Σ_{j<d} γ^j (r(s_j, a_j) − τ log π(a_j|s_j))

vanishes on every path when the dynamics are deterministic, and in expectation over s' (d = 1)
when they are not. Terminal states end the episode: from a terminal state no reward, decision or
entropy is counted (V = 0 there, as in :mod:`theory.bellman`), so a path's terms stop there.

Source: seed deck, "Other Algorithm I" (① Path Consistency Learning); Nachum et al. 2017,
"Bridging the gap between value and policy based reinforcement learning" (the identity is
derived here from the soft Bellman equation; see :func:`path_residuals`).
"""

from __future__ import annotations

import numpy as np

from mdps.finite import FiniteMDP, check_mdp
from mdps.validation import as_float_array, check_int, check_tau

__all__ = ["MAX_DEPTH", "MAX_PATHS", "expected_one_step_residuals", "path_residuals", "successors"]

#: Largest number of (start state, path) pairs :func:`path_residuals` enumerates: beyond it the
#: ``[S, (A·b)^d]`` table would not fit comfortably in memory.
MAX_PATHS = 10**7

#: Longest path :func:`path_residuals` takes: its output has 1 + 2d axes, and numpy arrays have
#: at most 32 (numpy 1.x; 64 in numpy 2). Paths that long exceed ``MAX_PATHS`` anyway unless
#: A·b = 1.
MAX_DEPTH = 15


def successors(mdp: FiniteMDP) -> tuple[np.ndarray, np.ndarray]:
    """Each (s, a)'s successor states, padded to the largest branching b.

    Args:
      mdp: the MDP (dense or sparse P).
    Returns:
      ``(succ [S, A, b] int, prob [S, A, b])``: the successors s' of (s, a) by decreasing
      probability and P(s'|s, a); padding has probability 0 (its state index is meaningless).
    Raises:
      TypeError: ``mdp`` not a FiniteMDP.
    """
    P = check_mdp(mdp).dense_P()
    b = mdp.max_successors
    succ = np.argsort(-P, axis=2, kind="stable")[:, :, :b]
    return succ, np.take_along_axis(P, succ, axis=2)


def _one_step_terms(mdp: FiniteMDP, log_policy: np.ndarray, tau: float) -> np.ndarray:
    """r(s, a) − τ log π(a|s) ``[S, A]``, 0 on terminal states (no reward, decision or entropy)."""
    terms = mdp.R - tau * log_policy
    terms[mdp.terminal] = 0.0
    return terms


def path_residuals(mdp: FiniteMDP, v, log_policy, tau: float, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """d-step path-consistency residuals C_d on every path of positive probability.

    C_d(s_0, a_0, s_1, …, s_d) = V(s_0) − γ^d V(s_d) − Σ_{j<d} γ^j (r(s_j, a_j) − τ log π(a_j|s_j)),
    with the sum's terms 0 from a terminal state on (V = 0 there). Built by the recursion
    G_d(s, a, s', rest) = r(s, a) − τ log π(a|s) + γ G_{d−1}(s', rest), G_0(s) = V(s), so that
    C_d = V(s_0) − G_d: the d-step statement itself, not a telescoped sum of one-step residuals.

    Source: Nachum et al. 2017 (path consistency; the identity for V*, π* is derived in
    :mod:`checks.algorithms`, claim H1).

    Args:
      mdp: the MDP; branching b = ``mdp.max_successors`` (1 for deterministic dynamics).
      v: ``[S]`` state values V.
      log_policy: ``[S, A]`` log π(a|s), finite (a zero-probability action, log π = −inf, is
        refused).
      tau: temperature τ >= 0.
      depth: path length 1 <= d <= ``MAX_DEPTH``.
    Returns:
      ``(residual, feasible)``, both ``[S, A, b, A, b, …]`` (d pairs of axes (a_j, k_j), k_j
      the index of s_{j+1} among the successors of (s_j, a_j)); ``feasible`` marks paths of
      positive probability, and ``residual`` is 0 elsewhere.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``v``, ``log_policy`` not real numbers; τ not a real
        number; ``depth`` not an integer.
      ValueError: bad shapes, non-finite inputs, τ < 0, depth outside [1, ``MAX_DEPTH``], or more
        than ``MAX_PATHS`` paths.
    """
    S, A = check_mdp(mdp).n_states, mdp.n_actions
    v = as_float_array(v, "v", shape=(S,))
    log_policy = as_float_array(log_policy, "log_policy", shape=(S, A))
    tau = check_tau(tau)
    depth = check_int(depth, "depth", low=1, high=MAX_DEPTH)
    succ, prob = successors(mdp)
    b = succ.shape[2]
    if S * (A * b) ** depth > MAX_PATHS:
        raise ValueError(f"depth={depth}: {S}·({A}·{b})^{depth} paths exceed MAX_PATHS = {MAX_PATHS}")
    terms = _one_step_terms(mdp, log_policy, tau)[:, :, None]  # [S, A, 1]
    g, feasible = v, np.ones(S, dtype=bool)
    for _ in range(depth):
        # g[succ] has shape [S, A, b, <axes of the shorter paths from s'>].
        extra = (None,) * (g.ndim - 1)
        g = terms[(...,) + extra] + mdp.gamma * g[succ]
        feasible = (prob > 0)[(...,) + extra] & feasible[succ]
    residual = v[(...,) + (None,) * (g.ndim - 1)] - g
    return np.where(feasible, residual, 0.0), feasible


def expected_one_step_residuals(mdp: FiniteMDP, v, log_policy, tau: float) -> np.ndarray:
    """One-step consistency in expectation over s': V(s) − γ E[V(s')|s, a] − (r(s, a) − τ log π(a|s)).

    Source: Nachum et al. 2017 (stochastic dynamics; derived in :mod:`checks.algorithms`, H1).

    Args:
      mdp: the MDP.
      v: ``[S]`` state values V.
      log_policy: ``[S, A]`` log π(a|s), finite.
      tau: temperature τ >= 0.
    Returns:
      ``[S, A]``; 0 on terminal states (no decision is taken there).
    Raises:
      TypeError, ValueError: as :func:`path_residuals` (which has ``depth`` besides).
    """
    S, A = check_mdp(mdp).n_states, mdp.n_actions
    v = as_float_array(v, "v", shape=(S,))
    log_policy = as_float_array(log_policy, "log_policy", shape=(S, A))
    out = v[:, None] - mdp.gamma * mdp.expected_next(v) - _one_step_terms(mdp, log_policy, check_tau(tau))
    out[mdp.terminal] = 0.0
    return out
