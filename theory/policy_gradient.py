"""Exact gradients for the policy-gradient ⇔ soft Q-learning equivalence, tabular case.

Parameters θ = Q_θ, a ``[S, A]`` table; the Boltzmann policy π_θ = f_τ(Q_θ) and V_θ = F_τ(Q_θ).
- The entropy-regularised objective η(θ) = Σ_s μ(s) V^{π_θ}(s) (exact soft evaluation) is
  differentiated by the complex step ∂η/∂θ_k = Im η(θ + i h e_k)/h, exact to round-off: an
  independent route to the policy gradient, through no formula of the policy-gradient theorem.
- The soft Q-learning loss L(θ) = ½ Σ_{s,a} ρ(s, a)(Q_θ(s, a) − ŷ(s, a))² with the sampling
  distribution ρ and the targets ŷ held fixed has gradient ρ·(Q_θ − ŷ).
- The value-regression loss L_V(θ) = ½ Σ_s w(s)(V_θ(s) − V̂(s))² has gradient
  w(s)(V_θ(s) − V̂(s)) π_θ(·|s), because ∇F_τ = f_τ.

- The soft policy gradient (claim H6): the likelihood-ratio form
  ∇_θ η = (1/(1 − γ)) E_{s∼d^π, a∼π}[∇ log π_θ(a|s)(Q^π(s, a) − τ log π_θ(a|s) − b(s))]
  (:func:`soft_policy_gradient`) and, state by state, −τ∇_θ KL(π_θ ‖ f_τ(Q))
  (:func:`soft_score_expectation`, :func:`policy_kl`).

Source: seed deck, "Other Algorithm I" (② equivalence of soft Q-learning and policy gradients);
Schulman, Chen & Abbeel 2017; Haarnoja et al. 2017, App. B, eqs. (29) and (32). Seed deck,
"Other Algorithm II" (⑦ soft policy gradient; Shi, Song & Wu 2019, whose abstract says they
"derive soft policy gradient": the statement's form is derived here, in the docstrings).
"""

from __future__ import annotations

import numpy as np

from mdps.finite import FiniteMDP, check_infinite_horizon
from mdps.validation import as_float_array, check_callable, check_real, check_tau
from theory.bellman import evaluate_policy
from theory.softmax import soft_indmax, soft_value

__all__ = [
    "COMPLEX_STEP",
    "complex_step_gradient",
    "discounted_occupancy",
    "log_boltzmann",
    "policy_kl",
    "soft_objective",
    "soft_objective_gradient",
    "soft_policy_gradient",
    "soft_score_expectation",
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
    log_pi = log_boltzmann(theta, tau)
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
    return complex_step_gradient(lambda x: objective(mdp, x, tau, mu), theta)


def complex_step_gradient(fn, x) -> np.ndarray:
    """∇f(x) by the complex step: ∂f/∂x_k = Im f(x + i h e_k)/h, h = ``COMPLEX_STEP``.

    Exact to round-off for f analytic in x (Squire & Trapp 1998): no difference is taken.
    All the perturbed points go to ``fn`` in one batch.

    Args:
      fn: ``fn(x [n, *shape] complex) -> [n]``, f applied to a batch of points, analytic.
      x: ``[*shape]`` real point.
    Returns:
      ``[*shape]`` gradient.
    Raises:
      TypeError: ``fn`` not callable, ``x`` not real numbers.
      ValueError: ``x`` not finite.
    """
    check_callable(fn, "fn")
    x = as_float_array(x, "x", min_ndim=0)
    n = x.size
    steps = np.eye(n).reshape(n, *x.shape) * (1j * COMPLEX_STEP)
    return (np.asarray(fn(x + steps)).imag / COMPLEX_STEP).reshape(x.shape)


def log_boltzmann(theta, tau: float) -> np.ndarray:
    """log f_τ(θ) = θ/τ − log Σ_a exp(θ_a/τ) along the last axis, for real or complex θ.

    The log of :func:`theory.softmax.soft_indmax` (seed deck, "Background: Softmax function"),
    written with operations analytic in θ so that the complex step differentiates through it
    (scipy's log_softmax and theory.softmax take real input only). No validation: the callers
    validate θ and τ.

    Args:
      theta: ``[..., A]`` real or complex.
      tau: temperature τ > 0.
    Returns:
      ``[..., A]`` (complex when θ is).
    """
    # The max shift (by the real part, which carries the magnitude) keeps exp from overflowing.
    z = (theta - theta.real.max(axis=-1, keepdims=True)) / tau
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


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


def soft_score_expectation(theta, q, tau: float, *, baseline=None) -> np.ndarray:
    """g(s, ·) = E_{a∼π_θ(·|s)}[∇_{θ(s,·)} log π_θ(a|s)·(Q(s, a) − τ log π_θ(a|s) − b(s))], π_θ = f_τ(θ).

    The score of the tabular softmax policy is ∇_{θ(s,c)} log π_θ(a|s) = (1[a = c] − π_θ(c|s))/τ;
    the expectation is taken literally, Σ_a π(a|s)·w(s, a)·score(a), so that a baseline b(s)
    drops out only through E_π[∇ log π] = Σ_a ∇π(a|s) = ∇1 = 0, the fact the claim rests on.

    State by state, for any fixed Q, g(s) = −τ∇_θ KL(π_θ(·|s) ‖ f_τ(Q(s, ·))) (SAC's policy
    improvement objective; followups-notes §2.4), derived here: with log f_τ(Q) = (Q − F_τ(Q))/τ,
    ∇KL = Σ_a ∇π(log π − log f_τ(Q)) + Σ_a π∇log π = Σ_a π∇log π·(log π − Q/τ) + 0
    (the F_τ(Q)/τ term and the second sum vanish, both being multiples of Σ_a ∇π = 0), which is
    −g/τ.

    Args:
      theta: ``[S, A]`` logits table: π_θ(·|s) = f_τ(θ(s, ·)).
      q: ``[S, A]`` the Q table weighting the scores (Q^{π_θ} in the policy gradient).
      tau: temperature τ > 0.
      baseline: ``[S]`` b(s) (default 0).
    Returns:
      ``[S, A]``: row s is g(s, ·), the gradient with respect to θ(s, ·).
    Raises:
      TypeError: an array argument not real numbers, τ not a real number.
      ValueError: ``theta`` not 2-D, ``q`` not of its shape, ``baseline`` not ``[S]``, an
        argument not finite, τ <= 0.
    """
    theta = as_float_array(theta, "theta", ndim=2)
    tau = check_tau(tau, positive=True)
    q = as_float_array(q, "q", shape=theta.shape)
    S, A = theta.shape
    b = np.zeros(S) if baseline is None else as_float_array(baseline, "baseline", shape=(S,))
    pi = soft_indmax(theta, tau)
    weight = q - tau * log_boltzmann(theta, tau) - b[:, None]
    score = (np.eye(A) - pi[:, None, :]) / tau  # [s, a, c]: ∂ log π(a|s)/∂θ(s, c)
    return np.einsum("sa,sa,sac->sc", pi, weight, score)


def soft_policy_gradient(mdp: FiniteMDP, theta, tau: float, mu, *, baseline=None) -> np.ndarray:
    """∇_θ η = (1/(1 − γ)) E_{s∼d^π_μ, a∼π_θ}[∇_θ log π_θ(a|s)·(Q^π(s, a) − τ log π_θ(a|s) − b(s))].

    η(θ) = Σ_s μ(s) V^{π_θ}(s) (:func:`soft_objective`), π_θ = f_τ(θ), Q^π and V^π the exact soft
    values (theory.bellman.evaluate_policy: Q^π excludes the current step's entropy), and
    d^π_μ(s) = (1 − γ) Σ_t γ^t Pr(s_t = s) = (1 − γ)[μᵀ(I − γP_π)⁻¹](s), 0 on terminal states
    (no decision is made there). The soft policy gradient of seed deck "Other Algorithm II" ⑦
    (Shi, Song & Wu 2019; their statement's exact form could not be read, followups-notes
    §2.3); b(s) = τ is the authors' "− α" (their code ascends along Ê[∇log π(Q − α log π − α)],
    α = 1: ``grad_ys = log_pi − Q + 1`` in shiwj16/dspg src/model.py, notes §2.2 [CONFIRMED]).

    Derived here: V^π(s) = Σ_a π(a|s)(Q^π(s, a) − τ log π(a|s)), so
    ∇V(s) = Σ_a ∇π·(Q − τ log π) + Σ_a π·(∇Q − τ∇log π); Σ_a π∇log π = Σ_a ∇π = 0 removes the
    −τ∇log π term and ∇Q(s, a) = γ Σ_s' P(s'|s, a)∇V(s'), which unrolls into
    ∇η = Σ_s [μᵀ(I − γP_π)⁻¹](s) Σ_a ∇π(a|s)(Q − τ log π)(s, a), i.e. the formula with
    ∇π = π∇log π; any b(s) adds b(s)Σ_a ∇π = 0.

    Args:
      mdp: infinite-horizon MDP.
      theta: ``[S, A]`` logits table.
      tau: temperature τ > 0.
      mu: ``[S]`` start-state weights.
      baseline: ``[S]`` b(s) (default 0).
    Returns:
      ``[S, A]`` gradient.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; an array argument not real numbers; τ not a real
        number.
      ValueError: finite-horizon ``mdp``; ``theta`` not ``[S, A]``, ``mu`` or ``baseline`` not
        ``[S]``, an argument not finite; τ <= 0.
    """
    S, A = check_infinite_horizon(mdp).n_states, mdp.n_actions
    theta = as_float_array(theta, "theta", shape=(S, A))
    tau = check_tau(tau, positive=True)
    pi = soft_indmax(theta, tau)
    d = np.where(mdp.terminal, 0.0, (1 - mdp.gamma) * discounted_occupancy(mdp, pi, mu))
    g = soft_score_expectation(theta, evaluate_policy(mdp, pi, tau).q, tau, baseline=baseline)
    return d[:, None] * g / (1 - mdp.gamma)


def policy_kl(theta, q, tau: float) -> np.ndarray:
    """KL(π_θ(·|s) ‖ f_τ(Q(s, ·))) for every state, π_θ = f_τ(θ), for real or complex θ (batched).

    SAC's policy-improvement objective in a state (Haarnoja et al. 2018, soft actor-critic, the
    projection of Lemma 2, D_KL(π' ‖ exp(Q/τ)/Z) with τ made explicit),
    Σ_a π_θ(a|s)(log π_θ(a|s) − log f_τ(Q(s, ·))_a), written with :func:`log_boltzmann` so that
    the complex step differentiates it.

    Args:
      theta: ``[..., S, A]`` real logits tables, or a complex ndarray (the complex step).
      q: ``[S, A]`` Q table.
      tau: temperature τ > 0.
    Returns:
      ``[..., S]`` (complex when θ is).
    Raises:
      TypeError: ``theta`` (other than a complex ndarray) or ``q`` not real numbers, τ not a
        real number.
      ValueError: ``q`` not 2-D, ``theta`` not ``[..., S, A]``, an argument not finite, τ <= 0.
    """
    q = as_float_array(q, "q", ndim=2)
    if isinstance(theta, np.ndarray) and theta.dtype.kind == "c":
        as_float_array(theta.real, "theta", min_ndim=2)
        as_float_array(theta.imag, "imaginary part of theta", min_ndim=2)
    else:
        theta = as_float_array(theta, "theta", min_ndim=2)
    if theta.shape[-2:] != q.shape:
        raise ValueError(f"theta must have shape (..., {q.shape[0]}, {q.shape[1]}), got {theta.shape}")
    tau = check_tau(tau, positive=True)
    log_pi = log_boltzmann(theta, tau)
    return (np.exp(log_pi) * (log_pi - log_boltzmann(q, tau))).sum(axis=-1)
