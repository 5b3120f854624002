"""The one iteration primitive: the orbit x₀, f(x₀), f(f(x₀)), … of a step f, and the steps of
value iteration, policy iteration and modified policy iteration.

Every iterative method of the toolkit is an orbit: the certified solvers (``theory.solvers``)
iterate :class:`Sweep` records, the checks iterate a subject's operator or improvement, the
figures draw the iterates. The caller decides when to stop (a ``for`` loop with ``break``, or
``itertools.islice``), so one mechanism serves a solver's certificate, a check's comparison and
a figure's curve.

Sources: seed deck, "Algorithm: Soft Q-Iteration" (value iteration) and "Redefinition: policy
improvement theorem" (policy iteration); Puterman 1994, §6.5 (modified policy iteration);
Geist, Scherrer, Pietquin 2019 (their regularised forms, ``regularizer=``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

import numpy as np

from mdps.finite import FiniteMDP, check_mdp
from mdps.validation import check_int, check_tau
from theory.bellman import (
    PolicyEvaluation,
    check_regularizer,
    evaluate_policy,
    soft_bellman_operator,
    soft_policy_reward,
    value_iteration_sweep,
)
from theory.regularizers import SHANNON, Regularizer

__all__ = [
    "Sweep",
    "modified_policy_iteration_step",
    "orbit",
    "policy_iteration_step",
    "sweep",
    "value_iteration_step",
]

X = TypeVar("X")

#: An improvement rule: (Q ``[S, A]``, τ) -> policy ``[S, A]``.
Improve = Callable[[np.ndarray, float], np.ndarray]


def orbit(step: Callable[[X], X], start: X) -> Iterator[X]:
    """x₀ = ``start``, x_{k+1} = ``step``(x_k): yields x₀, x₁, x₂, … without end (the caller stops).

    Args:
      step: the map f.
      start: x₀.
    Yields:
      the iterates, x₀ first.
    """
    x = start
    while True:
        yield x
        x = step(x)


class Sweep(NamedTuple):
    """One sweep of the solvers: V_k ``[S]``, Q_k = r + γPV_k laid out ``[A, S]`` and T V_k ``[S]``."""

    v: np.ndarray
    q_as: np.ndarray
    tv: np.ndarray


def sweep(mdp: FiniteMDP, v: np.ndarray, tau: float, regularizer: Regularizer = SHANNON) -> Sweep:
    """The :class:`Sweep` at V = ``v``: Q = r + γPV and T V = (τΩ)*(Q) (0 on terminal states).

    The solvers' hot path (:func:`theory.bellman.value_iteration_sweep`): no validation.
    """
    q_as, tv = value_iteration_sweep(mdp, v, tau, regularizer)
    return Sweep(v, q_as, tv)


def _improve(improve: Improve | None, regularizer: Regularizer) -> Improve:
    """The improvement rule: ``improve``, or the regulariser's greedy policy ∇(τΩ)*."""
    return regularizer.greedy if improve is None else improve


def value_iteration_step(mdp: FiniteMDP, tau, *, regularizer: Regularizer = SHANNON) -> Callable:
    """Soft value iteration's step Q ↦ T Q = r + γP(τΩ)*(Q), Q ``[S, A]``.

    Source: seed deck, "Algorithm: Soft Q-Iteration"; :func:`theory.bellman.soft_bellman_operator`.
    ``orbit(value_iteration_step(mdp, τ), q0)`` yields Q₀, TQ₀, T²Q₀, …

    Args:
      mdp: the MDP.
      tau: temperature τ >= 0.
      regularizer: Ω (default Shannon entropy).
    Returns:
      the map ``[S, A]`` -> ``[S, A]``.
    """
    t = check_tau(tau)
    reg = check_regularizer(regularizer, check_mdp(mdp).n_actions)
    return lambda q: soft_bellman_operator(mdp, q, t, regularizer=reg)


def policy_iteration_step(
    mdp: FiniteMDP, tau, *, improve: Improve | None = None, regularizer: Regularizer = SHANNON
) -> Callable[[PolicyEvaluation], PolicyEvaluation]:
    """Soft policy iteration's step: (Q^π, V^π) ↦ (Q^π', V^π') with π' = improve(Q^π, τ), exact.

    Source: seed deck, "Redefinition: policy improvement theorem"; Haarnoja et al. 2017,
    Theorem 4. ``orbit(policy_iteration_step(mdp, τ), evaluate_policy(mdp, π₀, τ))`` yields the
    values of π₀, π₁, …

    Args:
      mdp: the MDP.
      tau: temperature τ >= 0.
      improve: the improvement rule (Q ``[S, A]``, τ) -> π ``[S, A]``; default the regulariser's
        greedy policy (softmax(Q/τ) for Shannon entropy).
      regularizer: Ω of the evaluation (default Shannon entropy).
    Returns:
      the map PolicyEvaluation -> PolicyEvaluation.
    """
    t = check_tau(tau)
    reg = check_regularizer(regularizer, check_mdp(mdp).n_actions)
    rule = _improve(improve, reg)
    return lambda ev: evaluate_policy(mdp, rule(ev.q, t), t, regularizer=reg)


def modified_policy_iteration_step(
    mdp: FiniteMDP,
    tau,
    sweeps: int,
    *,
    improve: Improve | None = None,
    regularizer: Regularizer = SHANNON,
) -> Callable[[np.ndarray], np.ndarray]:
    """Modified policy iteration's step V ↦ (T_π)^M V, π = improve(r + γPV, τ).

    T_π V = r_π − τΩ(π) + γP_πV is the policy's evaluation operator (entropy bonus τH_π for
    Shannon entropy), 0 on terminal states like T. M = 1 is value iteration (T_π V = T V for
    the greedy π), M → ∞ policy iteration. Source: Puterman 1994, §6.5; for regularisers
    Geist et al. 2019 (reg-MPI).

    Args:
      mdp: an infinite-horizon MDP.
      tau: temperature τ >= 0.
      sweeps: M >= 1 evaluation sweeps per improvement.
      improve: as in :func:`policy_iteration_step`.
      regularizer: Ω (default Shannon entropy).
    Returns:
      the map ``[S]`` -> ``[S]``.
    """
    t = check_tau(tau)
    reg = check_regularizer(regularizer, check_mdp(mdp).n_actions)
    m = check_int(sweeps, "sweeps", low=1)
    rule = _improve(improve, reg)

    def step(v: np.ndarray) -> np.ndarray:
        pi = rule(mdp.R + mdp.gamma * mdp.expected_next(v), t)
        b = soft_policy_reward(mdp, pi, t, regularizer=reg)
        P_pi = mdp.P_pi(pi)
        for _ in range(m):
            v = np.where(mdp.terminal, 0.0, b + mdp.gamma * (P_pi @ v))
        return v

    return step
