"""The soft Bellman operator, the Boltzmann policy and exact soft policy evaluation.

Source: seed deck, slides "Redefinition: Bellman function" and "Algorithm: Soft Q-Iteration";
Haarnoja et al. 2017 (ICML), Theorems 1–3; Geist et al. 2019, Definition 2.

Conventions: Q(s, a) = r(s, a) + γ E[V(s')] does not include the current step's entropy
(theory-notes §Conventions). Terminal states of the MDP have V = 0: the episode is over, so no
reward, no decision and no entropy is counted there.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from mdps.finite import FiniteMDP
from theory.softmax import _as_finite, check_tau, entropy, soft_indmax, soft_value_first_axis

__all__ = [
    "KRYLOV_RTOL",
    "PolicyEvaluation",
    "boltzmann_policy",
    "evaluate_policy",
    "soft_bellman_operator",
    "soft_policy_reward",
    "soft_state_value",
]


class PolicyEvaluation(NamedTuple):
    """Exact soft values of a policy: ``q`` ``[S, A]`` and ``v`` ``[S]``."""

    q: np.ndarray
    v: np.ndarray


def _check_q(mdp: FiniteMDP, q) -> np.ndarray:
    a = _as_finite(q, "q")
    if a.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"q must have shape {(mdp.n_states, mdp.n_actions)}, got {a.shape}")
    return a


def soft_state_value(q, tau, *, terminal=None) -> np.ndarray:
    """Soft state value V(s) = F_τ(Q(s, ·)) = τ log Σ_a exp(Q(s, a)/τ); V = 0 on terminal states.

    Source: seed deck, "Redefinition: Bellman function" (soft-value function).

    Args:
      q: ``[S, A]`` finite Q table.
      tau: temperature τ >= 0 (0: V(s) = max_a Q(s, a)).
      terminal: optional ``[S]`` bool mask of terminal states, whose value is 0.
    Returns:
      ``[S]``.
    """
    t = check_tau(tau)
    a = _as_finite(q, "q")
    if a.ndim != 2:
        raise ValueError(f"q must have shape (S, A), got {a.shape}")
    return _state_value_as(np.ascontiguousarray(a.T), t, terminal)


def _state_value_as(q_as: np.ndarray, tau: float, terminal) -> np.ndarray:
    """V from Q laid out ``[A, S]`` (the fast layout of the one log-sum-exp kernel)."""
    v = soft_value_first_axis(q_as, tau)
    if terminal is not None:
        terminal = np.asarray(terminal)
        if terminal.dtype != bool or terminal.shape != v.shape:
            raise ValueError(
                f"terminal must be a bool array of shape {v.shape}, got {terminal.dtype} {terminal.shape}"
            )
        v[terminal] = 0.0
    return v


def _backup_as(mdp: FiniteMDP, v: np.ndarray) -> np.ndarray:
    """Q = r + γ P V, returned laid out ``[A, S]`` (C-contiguous) for the kernel."""
    out = np.empty((mdp.n_actions, mdp.n_states))
    np.multiply(mdp.gamma, mdp.expected_next(v).T, out=out)
    out += mdp.R.T
    return out


def _sweep(mdp: FiniteMDP, v: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """One soft value-iteration sweep: Q = r + γPV, V' = F_τ(Q). Returns (Q ``[A, S]``, V' ``[S]``)."""
    q_as = _backup_as(mdp, v)
    return q_as, _state_value_as(q_as, tau, mdp.terminal)


def soft_bellman_operator(mdp: FiniteMDP, q, tau) -> np.ndarray:
    """Soft Bellman optimality operator (T Q)(s, a) = r(s, a) + γ Σ_s' P(s'|s, a) F_τ(Q(s', ·)).

    Source: seed deck, "Algorithm: Soft Q-Iteration"; Haarnoja et al. 2017, Theorem 3.

    Args:
      mdp: the MDP.
      q: ``[S, A]`` finite Q table.
      tau: temperature τ >= 0 (0: the classical Bellman optimality operator).
    Returns:
      ``[S, A]``.
    """
    t = check_tau(tau)
    a = _check_q(mdp, q)
    v = _state_value_as(np.ascontiguousarray(a.T), t, mdp.terminal)
    return _backup_as(mdp, v).T.copy()


def boltzmann_policy(q, tau) -> np.ndarray:
    """Boltzmann policy π(a|s) = exp((Q(s, a) − V(s))/τ) with V = F_τ(Q(s, ·)).

    At τ = 0 it is uniform over each state's argmax set. Source: seed deck, "Redefinition:
    Bellman function" (maximum entropy policy); Haarnoja et al. 2017, Theorem 1.

    Args:
      q: ``[S, A]`` finite Q table.
      tau: temperature τ >= 0.
    Returns:
      ``[S, A]`` rows on the simplex.
    """
    return soft_indmax(q, tau, axis=-1)


#: Relative residual at which a Krylov answer is as good as a direct solve: sparse LU leaves
#: ‖b − Mx‖∞ of about 1e-14·‖b‖ on these systems. Since ‖(I − γP_π)⁻¹‖∞ <= 1/(1 − γ), the
#: error is then at most 1e-13·(‖b‖∞ + ‖x‖∞)/(1 − γ), the size of the round-off floor.
KRYLOV_RTOL = 1e-13


def _solve_sparse(M, b: np.ndarray, *, maxiter: int = 1000) -> np.ndarray:
    """Solve (I − γP_π) x = b: BiCGSTAB first, sparse LU when it fails or stalls.

    Sparse LU of a random (expander-like) transition graph fills in almost completely (minutes
    at S = 10⁴), while BiCGSTAB needs a few dozen matrix–vector products there, because
    I − γP_π is diagonally dominant (cond∞ <= (1 + γ)/(1 − γ)).
    """
    # Accept the Krylov answer on its checked residual alone (not on BiCGSTAB's own 2-norm
    # stopping flag): that residual is what bounds the error.
    x, _ = spla.bicgstab(M, b, rtol=KRYLOV_RTOL, atol=0.0, maxiter=maxiter)
    if np.isfinite(x).all() and np.abs(b - M @ x).max() <= KRYLOV_RTOL * (np.abs(b).max() + np.abs(x).max()):
        return x
    return spla.spsolve(sp.csc_array(M), b)


def soft_policy_reward(mdp: FiniteMDP, pi, tau) -> np.ndarray:
    """Per-step soft reward of a policy: r_π(s) + τ H(π(·|s)), with no entropy on terminal states.

    Source: seed deck, "Redefinition: Bellman function" (maximum entropy objective).

    Args:
      mdp: the MDP.
      pi: ``[S, A]`` policy.
      tau: temperature τ >= 0.
    Returns:
      ``[S]``.
    """
    h = np.where(mdp.terminal, 0.0, entropy(pi, axis=-1))
    return mdp.r_pi(pi) + check_tau(tau) * h


def evaluate_policy(mdp: FiniteMDP, pi, tau) -> PolicyEvaluation:
    """Exact soft value of a policy: V^π = (I − γ P_π)⁻¹ (r_π + τ H_π), Q^π = r + γ P V^π.

    Source: seed deck, "Redefinition: Bellman function" (soft Q-function rewritten);
    Geist et al. 2019, Definition 2. H_π(s) is the entropy of π(·|s), 0 on terminal states.
    Infinite-horizon MDPs are solved by one linear solve (dense LU; for sparse P, BiCGSTAB
    checked to a direct solve's residual, with sparse LU as the fallback);
    finite-horizon MDPs (``mdp.horizon = H``) by H backward steps, returning the values with H
    steps to go.

    Args:
      mdp: the MDP.
      pi: ``[S, A]`` policy, rows on the simplex.
      tau: temperature τ >= 0.
    Returns:
      ``PolicyEvaluation(q [S, A], v [S])``.
    """
    t = check_tau(tau)
    P_pi = mdp.P_pi(pi)  # validates pi
    b = soft_policy_reward(mdp, pi, t)
    if mdp.horizon is not None:
        v = np.zeros(mdp.n_states)
        for _ in range(mdp.horizon):
            v = b + mdp.gamma * (P_pi @ v)
    elif sp.issparse(P_pi):
        v = _solve_sparse(sp.identity(mdp.n_states, format="csr") - mdp.gamma * P_pi, b)
    else:
        v = np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi, b)
    return PolicyEvaluation(q=mdp.R + mdp.gamma * mdp.expected_next(v), v=v)
