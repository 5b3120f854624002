"""Exact gradients for the policy-gradient ⇔ soft Q-learning equivalence, tabular case.

Parameters θ = Q_θ, a ``[S, A]`` table; the Boltzmann policy π_θ = f_τ(Q_θ) and V_θ = F_τ(Q_θ).
- The entropy-regularised objective η(θ) = Σ_s μ(s) V^{π_θ}(s) (exact soft evaluation) is
  differentiated by the complex step ∂η/∂θ_k = Im η(θ + i h e_k)/h, exact to round-off: an
  independent route to the policy gradient, through no formula of the policy-gradient theorem.
- The soft Q-learning loss L(θ) = ½ Σ_{s,a} ρ(s, a)(Q_θ(s, a) − ŷ(s, a))² with the sampling
  distribution ρ and the targets ŷ held fixed has gradient ρ·(Q_θ − ŷ).
- The value-regression loss L_V(θ) = ½ Σ_s w(s)(V_θ(s) − V̂(s))² has gradient
  w(s)(V_θ(s) − V̂(s)) π_θ(·|s), because ∇F_τ = f_τ.

Source: seed deck, "Other Algorithm I" (② equivalence of soft Q-learning and policy gradients);
Schulman, Chen & Abbeel 2017; Haarnoja et al. 2017, App. B, eqs. (29) and (32).
"""

from __future__ import annotations

import numpy as np

from mdps.finite import FiniteMDP, check_infinite_horizon
from mdps.validation import as_float_array, check_callable, check_real, check_tau
from theory.softmax import soft_indmax, soft_value

__all__ = [
    "COMPLEX_STEP",
    "discounted_occupancy",
    "soft_objective",
    "soft_objective_gradient",
    "soft_q_loss_gradient",
    "value_regression_gradient",
]

#: Complex step h: η(θ + ih)'s imaginary part is h·∂η + O(h³), with no cancellation, so any h
#: far below the scale of θ gives the derivative to round-off (Squire & Trapp 1998).
COMPLEX_STEP = 1e-30


def soft_objective(
    mdp: FiniteMDP, theta, tau: float, mu, *, entropy_weight: float | None = None
) -> np.ndarray:
    """η(θ) = Σ_s μ(s) V^{π_θ}(s), π_θ = f_τ(θ), for real or complex θ (batched).

    V^π = (I − γP_π)⁻¹(r_π + τH(π)), H = 0 on terminal states (theory.bellman.evaluate_policy),
    written with operations that are analytic in θ so that the complex step differentiates it.

    Args:
      mdp: infinite-horizon MDP.
      theta: ``[..., S, A]`` real Q tables, or a complex ndarray (the complex step).
      tau: temperature τ > 0.
      mu: ``[S]`` start-state weights.
      entropy_weight: weight of the entropy bonus in the reward (default τ; 0 gives the
        unregularised return of the Boltzmann policy).
    Returns:
      ``[...]`` objective values (complex when θ is).
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``theta`` (other than a complex ndarray), ``mu`` not
        real numbers; τ, ``entropy_weight`` not real numbers.
      ValueError: finite-horizon ``mdp``; ``theta`` not ``[..., S, A]`` or not finite (real and
        imaginary parts); ``mu`` not ``[S]`` or not finite; τ <= 0 or not finite;
        ``entropy_weight`` not finite.
    """
    S, A = check_infinite_horizon(mdp).n_states, mdp.n_actions
    if isinstance(theta, np.ndarray) and theta.dtype.kind == "c":
        as_float_array(theta.real, "theta", min_ndim=2)
        as_float_array(theta.imag, "imaginary part of theta", min_ndim=2)
    else:
        theta = as_float_array(theta, "theta", min_ndim=2)
    if theta.shape[-2:] != (S, A):
        raise ValueError(f"theta must have shape (..., {S}, {A}), got {theta.shape}")
    tau = check_tau(tau, positive=True)
    mu = as_float_array(mu, "mu", shape=(S,))
    if entropy_weight is not None:
        entropy_weight = check_real(entropy_weight, "entropy_weight")
    # The max shift (by the real part, which carries the magnitude) keeps exp from overflowing.
    z = (theta - theta.real.max(axis=-1, keepdims=True)) / tau
    log_pi = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    pi = np.exp(log_pi)
    entropy = np.where(mdp.terminal, 0.0, -(pi * log_pi).sum(axis=-1))
    b = (pi * mdp.R).sum(axis=-1) + (tau if entropy_weight is None else entropy_weight) * entropy
    P_pi = np.einsum("...sa,sat->...st", pi, mdp.dense_P())
    v = np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi, b[..., None])[..., 0]
    return v @ mu


def soft_objective_gradient(mdp: FiniteMDP, theta, tau: float, mu, *, objective=soft_objective) -> np.ndarray:
    """∇_θ η by the complex step: ∂η/∂θ_k = Im objective(θ + i h e_k)/h, h = ``COMPLEX_STEP``.

    Args:
      mdp: infinite-horizon MDP.
      theta: ``[S, A]`` real Q table.
      tau: temperature τ > 0.
      mu: ``[S]`` start-state weights.
      objective: ``objective(mdp, theta [..., S, A], tau, mu) -> [...]``, analytic in θ.
    Returns:
      ``[S, A]`` gradient.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``theta``, ``mu`` not real numbers; τ not a real
        number; ``objective`` not callable.
      ValueError: finite-horizon ``mdp``; ``theta`` not ``[S, A]``, ``mu`` not ``[S]``, either
        not finite; τ <= 0 or not finite.
    """
    S, A = check_infinite_horizon(mdp).n_states, mdp.n_actions
    theta = as_float_array(theta, "theta", shape=(S, A))
    tau = check_tau(tau, positive=True)
    mu = as_float_array(mu, "mu", shape=(S,))
    check_callable(objective, "objective")
    n = theta.size
    steps = np.eye(n).reshape(n, *theta.shape) * (1j * COMPLEX_STEP)
    return (objective(mdp, theta + steps, tau, mu).imag / COMPLEX_STEP).reshape(theta.shape)


def discounted_occupancy(mdp: FiniteMDP, pi, mu) -> np.ndarray:
    """d(s) = Σ_t γ^t Pr(s_t = s | s_0 ~ μ, π) = [μᵀ(I − γP_π)⁻¹](s), unnormalised.

    Args:
      mdp: infinite-horizon MDP.
      pi: ``[S, A]`` policy.
      mu: ``[S]`` start-state weights.
    Returns:
      ``[S]``.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``pi``, ``mu`` not real numbers.
      ValueError: finite-horizon ``mdp``; ``pi`` not an ``[S, A]`` policy; ``mu`` not ``[S]`` or
        not finite.
    """
    P_pi = check_infinite_horizon(mdp).P_pi(pi)
    mu = as_float_array(mu, "mu", shape=(mdp.n_states,))
    P_pi = P_pi.toarray() if hasattr(P_pi, "toarray") else P_pi
    return np.linalg.solve((np.eye(mdp.n_states) - mdp.gamma * P_pi).T, mu)


def soft_q_loss_gradient(theta, targets, sampling) -> np.ndarray:
    """∇_θ ½ Σ ρ(s, a)(Q_θ(s, a) − ŷ(s, a))² = ρ·(Q_θ − ŷ), targets and ρ held fixed.

    Args:
      theta: ``[S, A]`` Q table Q_θ.
      targets: ``[S, A]`` regression targets ŷ.
      sampling: ``[S, A]`` sampling weights ρ.
    Returns:
      ``[S, A]``.
    Raises:
      TypeError: an argument not real numbers.
      ValueError: ``theta`` not 2-D, ``targets`` or ``sampling`` not of its shape, an argument
        not finite.
    """
    theta = as_float_array(theta, "theta", ndim=2)
    targets = as_float_array(targets, "targets", shape=theta.shape)
    sampling = as_float_array(sampling, "sampling", shape=theta.shape)
    return sampling * (theta - targets)


def value_regression_gradient(theta, tau: float, targets, weights) -> np.ndarray:
    """∇_θ ½ Σ_s w(s)(F_τ(θ(s, ·)) − V̂(s))² = w(s)(V_θ(s) − V̂(s)) f_τ(θ(s, ·)).

    Args:
      theta: ``[S, A]`` Q table.
      tau: temperature τ > 0.
      targets: ``[S]`` value targets V̂.
      weights: ``[S]`` state weights w.
    Returns:
      ``[S, A]``.
    Raises:
      TypeError: an array argument not real numbers, τ not a real number.
      ValueError: ``theta`` not 2-D, ``targets`` or ``weights`` not ``[S]``, an argument not
        finite, τ <= 0.
    """
    theta = as_float_array(theta, "theta", ndim=2)
    tau = check_tau(tau, positive=True)
    targets = as_float_array(targets, "targets", shape=(theta.shape[0],))
    weights = as_float_array(weights, "weights", shape=(theta.shape[0],))
    residual = weights * (soft_value(theta, tau) - targets)
    return residual[:, None] * soft_indmax(theta, tau)
