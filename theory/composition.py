"""Composition of soft Q functions: tasks sharing dynamics, composed reward (r₁ + r₂)/2.

Q_Σ = (Q*₁ + Q*₂)/2 and π_Σ = f_τ(Q_Σ) (a product of experts). The bound terms:
- C* = fixed point of C(s, a) ← γ E_{s'}[c·τ D_{1/2}(π*₁(·|s')‖π*₂(·|s')) + max_{a'} C(s', a')],
  the optimal (τ = 0) Q of the MDP with reward γ E_{s'}[c·τ D_{1/2}(s')];
- D* = fixed point of D(s, a) ← γ E_{s'} E_{a'~π_Σ}[C*(s', a') + D(s', a')],
  the (τ = 0) Q of π_Σ in the MDP with reward γ E_{s'}[Σ_a' π_Σ(a'|s') C*(s', a')];
with D_{1/2}(p‖q) = −2 log Σ_a √(p(a) q(a)) (Rényi divergence of order ½) and c = 1 in the
composable-RL bound (theory-notes §6; the constant is a parameter so a check can try others).

Source: seed deck, "Other Algorithm I" (④ Combine soft Q-learning policies); Haarnoja, Pong,
Zhou, Dalal, Abbeel & Levine 2018 (ICRA), "Composable deep reinforcement learning for robotic
manipulation" (Lemma 1, Theorem 1, as read from a secondary note; derived in
:mod:`checks.algorithms`, claim H4).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import log_softmax, logsumexp

from mdps.finite import FiniteMDP, check_infinite_horizon, check_mdp
from mdps.validation import (
    as_float_array,
    check_broadcast,
    check_callable,
    check_int,
    check_real,
    check_simplex,
    check_tau,
    first_bad,
)
from theory.bellman import boltzmann_policy, evaluate_policy
from theory.solvers import soft_value_iteration

__all__ = ["CompositionBounds", "composition_bounds", "renyi_half", "with_reward"]


def renyi_half(log_p, log_q, axis: int = -1) -> np.ndarray:
    """Rényi divergence of order ½: D_{1/2}(p‖q) = −2 log Σ_a √(p_a q_a) (>= 0, 0 iff p = q).

    Computed from log-probabilities as −2·logsumexp((log p + log q)/2): near-deterministic
    policies (small τ) have probabilities that underflow, their logs do not.

    Args:
      log_p, log_q: ``[..., K]`` log-probabilities along ``axis`` (−inf allowed), broadcast
        against each other.
    Returns:
      ``[...]``.
    Raises:
      TypeError: ``log_p``, ``log_q`` not real numbers; ``axis`` not an integer.
      ValueError: an entry NaN or +inf; exp(log p) or exp(log q) not summing to 1 within
        ``SIMPLEX_ATOL`` along ``axis``; shapes that do not broadcast with the same length
        along ``axis``; ``axis`` out of range.
    """
    axis = check_int(axis, "axis")
    logs = {}
    for name, x in (("log_p", log_p), ("log_q", log_q)):
        logs[name] = as_float_array(x, name, allow_neg_inf=True)
        with np.errstate(over="ignore"):  # exp(+large) = inf is reported as not finite
            check_simplex(np.exp(logs[name]), f"exp({name})", axis=axis)
    check_broadcast(logs, axis=axis)
    log_overlap = logsumexp((logs["log_p"] + logs["log_q"]) / 2, axis=axis)
    # Round-off can push the Bhattacharyya coefficient a hair above 1: the divergence is >= 0.
    return np.maximum(-2.0 * log_overlap, 0.0)


def with_reward(mdp: FiniteMDP, reward, name: str) -> FiniteMDP:
    """The same dynamics, discount and terminal states with another reward ``[S, A]``.

    Raises:
      TypeError: ``mdp`` not a FiniteMDP, ``reward`` not real numbers, ``name`` not a string.
      ValueError: ``reward`` not ``[S, A]`` or not finite; not 0 on a terminal state (as
        :class:`FiniteMDP` requires).
    """
    reward = as_float_array(reward, "reward", shape=check_mdp(mdp).R.shape)
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    return FiniteMDP(mdp.P, reward, mdp.gamma, terminal=mdp.terminal, name=name)


class CompositionBounds(NamedTuple):
    """The quantities of the composition bounds, each with its certified error.

    Attributes:
      q_sigma: ``[S, A]`` Q_Σ = (Q*₁ + Q*₂)/2.
      q_composed: ``[S, A]`` Q*_C, the soft optimum of the composed reward.
      q_pi_sigma: ``[S, A]`` Q^{π_Σ}_C, the soft value of π_Σ = f_τ(Q_Σ) on the composed task.
      c_star: ``[S, A]`` C*.
      d_star: ``[S, A]`` D*.
      divergence: ``[S]`` τ·D_{1/2}(π*₁(·|s)‖π*₂(·|s)) (0 on terminal states).
      errors: certified sup-norm errors of Q*₁, Q*₂, Q*_C and C* (solver error bounds).
    """

    q_sigma: np.ndarray
    q_composed: np.ndarray
    q_pi_sigma: np.ndarray
    c_star: np.ndarray
    d_star: np.ndarray
    divergence: np.ndarray
    errors: dict


def composition_bounds(
    mdp: FiniteMDP, reward_2, tau: float, *, constant: float = 1.0, tol: float = 1e-11, solver=None
) -> CompositionBounds:
    """Solve the two tasks, the composed task and the bound terms on one set of dynamics.

    Task 1 has ``mdp.R``, task 2 ``reward_2``, the composed task their average; Q*'s by
    ``solver`` (soft value iteration), to a certified ``tol``.

    Args:
      mdp: infinite-horizon MDP (task 1).
      reward_2: ``[S, A]`` reward of task 2 (0 on terminal states).
      tau: temperature τ > 0.
      constant: c, the factor of τ D_{1/2} in C*'s recursion (1 in the paper's bound).
      tol: certified accuracy asked of the solver.
      solver: ``solver(mdp, tau, tol=...) -> SolveResult`` (default soft value iteration).
    Returns:
      :class:`CompositionBounds`.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``reward_2`` not real numbers; τ, ``constant``,
        ``tol`` not real numbers; ``solver`` not callable.
      ValueError: finite-horizon ``mdp``; ``reward_2`` not ``[S, A]``, not finite or not 0 on a
        terminal state; τ <= 0; ``constant`` < 0; ``tol`` <= 0; any of them not finite.
    """
    check_infinite_horizon(mdp)
    reward_2 = as_float_array(reward_2, "reward_2", shape=mdp.R.shape)
    tau = check_tau(tau, positive=True)
    constant = check_real(constant, "constant", low=0.0)
    tol = check_real(tol, "tol", low=0.0, open_low=True)
    solver = soft_value_iteration if solver is None else check_callable(solver, "solver")
    on_terminal = (reward_2 != 0) & mdp.terminal[:, None]
    if on_terminal.any():
        s, a = first_bad(on_terminal)
        raise ValueError(f"reward_2 must be 0 on terminal states; reward_2[{s}, {a}] = {reward_2[s, a]}")
    task_2 = with_reward(mdp, reward_2, f"{mdp.name}/task 2")
    composed = with_reward(mdp, (mdp.R + task_2.R) / 2, f"{mdp.name}/composed")
    one, two, both = (solver(m, tau, tol=tol) for m in (mdp, task_2, composed))
    q_sigma = (one.q + two.q) / 2
    pi_sigma = boltzmann_policy(q_sigma, tau)
    log_1, log_2 = (log_softmax(res.q / tau, axis=1) for res in (one, two))
    divergence = np.where(mdp.terminal, 0.0, tau * renyi_half(log_1, log_2))
    c_mdp = with_reward(
        mdp, np.where(mdp.terminal[:, None], 0.0, mdp.gamma * mdp.expected_next(constant * divergence)), "C*"
    )
    c_star = soft_value_iteration(c_mdp, 0.0, tol=tol)
    d_reward = mdp.gamma * mdp.expected_next(np.where(mdp.terminal, 0.0, (pi_sigma * c_star.q).sum(axis=1)))
    d_star = evaluate_policy(
        with_reward(mdp, np.where(mdp.terminal[:, None], 0.0, d_reward), "D*"), pi_sigma, 0.0
    ).q
    return CompositionBounds(
        q_sigma=q_sigma,
        q_composed=both.q,
        q_pi_sigma=evaluate_policy(composed, pi_sigma, tau).q,
        c_star=c_star.q,
        d_star=d_star,
        divergence=divergence,
        errors={
            "Q*1": one.error_bound,
            "Q*2": two.error_bound,
            "Q*C": both.error_bound,
            "C*": c_star.error_bound,
        },
    )
