"""Soft actor-critic in the tabular setting: evaluation, KL projection, restricted PI, temperature.

- Soft policy evaluation (SAC Lemma 1): Q_{k+1} = T^π Q_k, T^π Q = r + γ P V,
  V(s) = Σ_a π(a|s)(Q(s, a) − τ log π(a|s)).
- Soft policy improvement by I-projection (SAC Lemma 2): per state,
  π_new(·|s) = argmin_{π' ∈ Π_s} KL(π' ‖ exp(Q^{π_old}(s, ·)/τ)/Z(s)).
  Two classes Π = ×_s Π_s (state-wise, as the proof of SAC Theorem 1 needs):
  fixed support (closed form: the Boltzmann policy renormalised on the support) and the
  mixture family (the segment between two basis policies; KL(·‖p) is convex in π' and the
  segment is linear in its weight, so the projection is a 1-D convex program, solved by
  bisection on its monotone derivative; SLSQP on a 3-policy hull failed to converge when
  log p spans 10³, as on the cliff walk at τ = 0.1).
  A softmax-over-features family is not used: KL(π_w‖p) is not convex in the natural
  parameters w, so a local optimiser would not certify the argmin.
- Restricted soft policy iteration (SAC Theorem 1): alternate exact evaluation and projection.
- Automatic temperature (SAC-v2, eq. (18)): J(α) = E_{a~π}[−α log π(a|s) − α H̄]; with π
  held fixed ∂J/∂log α = α(H(π) − H̄); gradient descent in log α (as softlearning's sac.py).

Source: seed deck, "Other Algorithm II" (⑤ SAC, ⑥ automatic temperature); Haarnoja et al. 2018
(ICML), Lemmas 1–2 and Theorem 1; Haarnoja et al. 2018b (arXiv 1812.05905v2), eqs. (11)–(18).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy.special import log_softmax

from mdps.finite import FiniteMDP, check_infinite_horizon, check_mdp
from mdps.validation import (
    as_float_array,
    check_callable,
    check_int,
    check_policy,
    check_real,
    check_simplex,
    check_tau,
    first_bad,
)
from theory.bellman import evaluate_policy
from theory.softmax import entropy, soft_indmax

__all__ = [
    "PolicyEvaluationRun",
    "Projection",
    "RestrictedIteration",
    "TemperatureRun",
    "adjust_temperature",
    "average_entropy",
    "mixture_projection",
    "restricted_soft_policy_iteration",
    "soft_policy_evaluation",
    "soft_policy_evaluation_operator",
    "support_projection",
]


def soft_policy_evaluation_operator(mdp: FiniteMDP, q, pi, tau: float) -> np.ndarray:
    """(T^π Q)(s, a) = r(s, a) + γ E_{s'}[Σ_a' π(a'|s')(Q(s', a') − τ log π(a'|s'))].

    V = 0 on terminal states. Source: Haarnoja et al. 2018 (SAC), soft policy evaluation operator and Lemma 1.

    Args:
      mdp: the MDP.
      q: ``[S, A]`` Q table.
      pi: ``[S, A]`` policy.
      tau: temperature τ >= 0.
    Returns:
      ``[S, A]``.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``q``, ``pi`` not real numbers; τ not a real number.
      ValueError: ``q`` not ``[S, A]`` or not finite; ``pi`` not an ``[S, A]`` policy; τ < 0 or
        not finite.
    """
    S, A = check_mdp(mdp).n_states, mdp.n_actions
    q = as_float_array(q, "q", shape=(S, A))
    return _soft_backup(mdp, q, check_policy(pi, (S, A)), check_tau(tau))


def _soft_backup(mdp: FiniteMDP, q: np.ndarray, pi: np.ndarray, tau: float) -> np.ndarray:
    """T^π Q on validated arguments: the kernel of :func:`soft_policy_evaluation_operator`."""
    v = (pi * q).sum(axis=1) + tau * entropy(pi, axis=-1)
    v[mdp.terminal] = 0.0
    return mdp.R + mdp.gamma * mdp.expected_next(v)


class PolicyEvaluationRun(NamedTuple):
    """Iterated soft policy evaluation: ``q`` ``[S, A]`` (last iterate) and ``steps`` ``[K]``
    (‖Q_{k+1} − Q_k‖∞ per sweep)."""

    q: np.ndarray
    steps: np.ndarray


def soft_policy_evaluation(
    mdp: FiniteMDP, pi, tau: float, *, q0=None, tol: float = 1e-10, max_iter: int = 100_000, operator=None
) -> PolicyEvaluationRun:
    """Iterate Q_{k+1} = T^π Q_k until γ/(1 − γ)·‖Q_{k+1} − Q_k‖∞ <= tol (SAC Lemma 1).

    T^π is a γ-contraction, so ‖Q_{k+1} − Q^π‖∞ <= γ/(1 − γ)·‖Q_{k+1} − Q_k‖∞.

    Args:
      mdp: infinite-horizon MDP.
      pi: ``[S, A]`` policy.
      tau: temperature τ >= 0.
      q0: ``[S, A]`` start (default 0).
      tol: a-posteriori error wanted, > 0.
      max_iter: sweeps allowed; a RuntimeWarning when they run out.
      operator: ``operator(mdp, q, pi, tau) -> [S, A]`` (default T^π).
    Returns:
      :class:`PolicyEvaluationRun`.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``pi``, ``q0`` not real numbers; τ, ``tol`` not real
        numbers; ``max_iter`` not an integer; ``operator`` not callable.
      ValueError: finite-horizon ``mdp``; ``pi`` not an ``[S, A]`` policy; ``q0`` not ``[S, A]``
        or not finite; τ < 0; ``tol`` <= 0; ``max_iter`` < 1.
    """
    S, A = check_infinite_horizon(mdp).n_states, mdp.n_actions
    pi = check_policy(pi, (S, A))
    tau = check_tau(tau)
    tol = check_real(tol, "tol", low=0.0, open_low=True)
    max_iter = check_int(max_iter, "max_iter", low=1)
    operator = _soft_backup if operator is None else check_callable(operator, "operator")
    q = np.zeros((S, A)) if q0 is None else as_float_array(q0, "q0", shape=(S, A))
    steps = []
    factor = mdp.gamma / (1 - mdp.gamma)
    for _ in range(max_iter):
        q_next = operator(mdp, q, pi, tau)
        steps.append(float(np.abs(q_next - q).max()))
        q = q_next
        if factor * steps[-1] <= tol:
            break
    else:
        warnings.warn(f"soft policy evaluation on {mdp.name!r}: max_iter={max_iter} reached", RuntimeWarning)
    return PolicyEvaluationRun(q, np.asarray(steps))


class Projection(NamedTuple):
    """A KL projection: ``pi`` ``[S, A]`` and ``gap`` ``[S]``, a certified bound on
    KL(π(·|s)‖p_s) − min_{Π_s} KL(·‖p_s) (0 for a closed form)."""

    pi: np.ndarray
    gap: np.ndarray


def support_projection(q, tau: float, support) -> Projection:
    """I-projection of p_s = exp(Q(s, ·)/τ)/Z onto policies supported on ``support[s]``.

    KL(π'‖p) = KL(π'‖p|_supp) − log p(supp) for π' on the support, so the argmin is p
    restricted to the support and renormalised (a log-softmax over the allowed actions).

    Args:
      q: ``[S, A]`` Q table.
      tau: temperature τ > 0.
      support: ``[S, A]`` bool, at least one allowed action per state.
    Returns:
      :class:`Projection` with gap 0.
    Raises:
      TypeError: ``q`` not real numbers, τ not a real number, ``support`` not a bool array.
      ValueError: ``q`` not 2-D or not finite; τ <= 0 or not finite; ``support`` not of the
        shape of ``q``; a state without an allowed action.
    """
    q = as_float_array(q, "q", ndim=2)
    tau = check_tau(tau, positive=True)
    support = np.asarray(support)
    if support.dtype != bool:
        raise TypeError(f"support must be a bool array, got dtype {support.dtype}")
    if support.shape != q.shape:
        raise ValueError(f"support must have the shape of q, {q.shape}, got {support.shape}")
    empty = ~support.any(axis=1)
    if empty.any():
        raise ValueError(f"every state needs an allowed action; support[{first_bad(empty)[0]}] has none")
    # −inf logits off the support give probability exactly 0 there.
    logits = np.where(support, q / tau, -np.inf)
    pi = np.exp(log_softmax(logits, axis=-1))
    return Projection(pi, np.zeros(pi.shape[0]))


#: Bisection halvings of the mixture weight: 2⁻⁶⁰ is below float64 resolution on [0, 1].
_BISECTIONS = 60


def mixture_projection(q, tau: float, basis) -> Projection:
    """I-projection of p_s = exp(Q(s, ·)/τ)/Z onto the segment between two basis policies per state.

    min_{λ ∈ [0, 1]} f(λ) = KL(m_λ ‖ p_s), m_λ = λB₀(·|s) + (1 − λ)B₁(·|s): convex in λ
    (KL(·‖p) is convex and m_λ linear), with f'(λ) = (B₀ − B₁)·(log m_λ − log p_s) increasing.
    The minimiser is 0 if f'(0) >= 0, 1 if f'(1) <= 0, else the root of f', found by bisection
    vectorised over states (60 halvings). The gap reported is the Frank–Wolfe gap of the
    convex problem, |f'(λ)|·(λ or 1 − λ toward the better end), which bounds f(λ) − min f.

    Args:
      q: ``[S, A]`` Q table.
      tau: temperature τ > 0.
      basis: ``[S, 2, A]`` strictly positive basis policies (rows on the simplex).
    Returns:
      :class:`Projection` with the certified gap per state.
    Raises:
      TypeError: ``q``, ``basis`` not real numbers; τ not a real number.
      ValueError: ``q`` not 2-D or not finite; τ <= 0 or not finite; a basis of the wrong shape,
        with rows off the simplex or with a zero probability.
    """
    q = as_float_array(q, "q", ndim=2)
    tau = check_tau(tau, positive=True)
    basis = check_simplex(basis, "basis", shape=(q.shape[0], 2, q.shape[1]))
    if not (basis > 0).all():
        idx = first_bad(basis <= 0)
        raise ValueError(
            "basis policies must be strictly positive (log m_λ must stay finite); "
            f"basis[{', '.join(map(str, idx))}] = {basis[idx]}"
        )
    log_p = log_softmax(q / tau, axis=-1)
    b0, b1 = basis[:, 0], basis[:, 1]

    def slope(lam):
        return ((b0 - b1) * (np.log(lam[:, None] * b0 + (1 - lam[:, None]) * b1) - log_p)).sum(axis=1)

    low, high = np.zeros(q.shape[0]), np.ones(q.shape[0])
    for _ in range(_BISECTIONS):
        mid = (low + high) / 2
        up = slope(mid) > 0
        high, low = np.where(up, mid, high), np.where(up, low, mid)
    lam = np.where(
        slope(np.zeros_like(low)) >= 0, 0.0, np.where(slope(np.ones_like(low)) <= 0, 1.0, (low + high) / 2)
    )
    d = slope(lam)
    # Frank–Wolfe gap: f'(λ)·(λ − λ_vertex) with the vertex minimising the linearisation.
    gap = np.maximum(np.where(d > 0, d * lam, -d * (1 - lam)), 0.0)
    return Projection(lam[:, None] * b0 + (1 - lam[:, None]) * b1, gap)


class RestrictedIteration(NamedTuple):
    """Restricted soft policy iteration.

    Attributes:
      pi: ``[S, A]`` final policy.
      q: ``[S, A]`` its exact soft Q.
      improvements: ``[K]`` min_{s,a}(Q^{π_{k+1}} − Q^{π_k}) per step (>= 0 by SAC Lemma 2).
      gaps: ``[K]`` largest certified projection gap per step.
    """

    pi: np.ndarray
    q: np.ndarray
    improvements: np.ndarray
    gaps: np.ndarray


def restricted_soft_policy_iteration(
    mdp: FiniteMDP, tau: float, pi0, project, *, tol: float = 1e-12, max_iter: int = 200
) -> RestrictedIteration:
    """π_{k+1} = project(Q^{π_k}, τ) with exact evaluation, until ‖Q^{π_{k+1}} − Q^{π_k}‖∞ <= tol.

    Source: Haarnoja et al. 2018 (ICML), Theorem 1 (soft policy iteration over Π).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      pi0: ``[S, A]`` starting policy in the class.
      project: ``project(q [S, A], tau) -> Projection``.
      tol: stopping threshold on the change of Q, >= 0.
      max_iter: steps allowed; a RuntimeWarning when they run out.
    Returns:
      :class:`RestrictedIteration`.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``pi0`` not real numbers; τ, ``tol`` not real numbers;
        ``project`` not callable; ``max_iter`` not an integer.
      ValueError: finite-horizon ``mdp``; τ <= 0; ``pi0`` not an ``[S, A]`` policy; ``tol`` < 0;
        ``max_iter`` < 1; any of them not finite.
    """
    check_infinite_horizon(mdp)
    tau = check_tau(tau, positive=True)
    pi = check_policy(pi0, mdp.R.shape, "pi0")
    check_callable(project, "project")
    tol = check_real(tol, "tol", low=0.0)
    max_iter = check_int(max_iter, "max_iter", low=1)
    q = evaluate_policy(mdp, pi, tau).q
    improvements, gaps = [], []
    for _ in range(max_iter):
        proj = project(q, tau)
        q_next = evaluate_policy(mdp, proj.pi, tau).q
        improvements.append(float((q_next - q).min()))
        gaps.append(float(proj.gap.max()))
        change = float(np.abs(q_next - q).max())
        pi, q = proj.pi, q_next
        if change <= tol:
            break
    else:
        warnings.warn(f"restricted soft PI on {mdp.name!r}: max_iter={max_iter} reached", RuntimeWarning)
    return RestrictedIteration(pi, q, np.asarray(improvements), np.asarray(gaps))


def average_entropy(rewards, alpha: float, weights) -> float:
    """H̄_w(α) = Σ_s w(s) H(f_α(r(s, ·))), the weighted entropy of the Boltzmann policies.

    Args:
      rewards: ``[S, A]`` rewards.
      alpha: temperature α >= 0.
      weights: ``[S]`` state weights w.
    Returns:
      H̄_w(α).
    Raises:
      TypeError: ``rewards``, ``weights`` not real numbers; α not a real number.
      ValueError: ``rewards`` not 2-D, ``weights`` not ``[S]``, either not finite; α < 0 or not
        finite.
    """
    rewards = as_float_array(rewards, "rewards", ndim=2)
    alpha = check_tau(alpha, "alpha")
    return _average_entropy(rewards, alpha, as_float_array(weights, "weights", shape=(rewards.shape[0],)))


def _average_entropy(rewards: np.ndarray, alpha: float, weights: np.ndarray) -> float:
    """H̄_w(α) on validated arguments: the kernel of :func:`average_entropy`."""
    return float(weights @ entropy(soft_indmax(rewards, alpha)))


class TemperatureRun(NamedTuple):
    """Automatic temperature adjustment: ``alphas`` ``[K + 1]`` and ``entropies`` ``[K + 1]``."""

    alphas: np.ndarray
    entropies: np.ndarray


def adjust_temperature(
    rewards,
    target: float,
    *,
    alpha0: float = 1.0,
    weights=None,
    lr: float = 0.5,
    steps: int = 500,
    sign: float = 1.0,
) -> TemperatureRun:
    """Dual gradient descent on J(α) = E_{s~w, a~π}[−α log π(a|s) − α H̄] in log α.

    With π = f_α(r) held fixed during the step, J = α(H̄_w(π) − H̄); softlearning's loss
    −log α·(log π + H̄) (sac.py) has gradient H̄_w(π) − H̄ in log α, so log α steps by
    −lr·(H̄_w(π) − H̄): α shrinks when the policy is more random than the target. Source: Haarnoja et al. 2018b,
    eq. (18); rail-berkeley/softlearning, sac.py.

    Args:
      rewards: ``[S, A]`` rewards of a contextual bandit (the per-state problem, γ = 0, where
        the recursion (15)–(17) is exact).
      target: entropy target H̄ in (0, log A).
      alpha0: initial temperature > 0.
      weights: ``[S]`` state weights (default uniform).
      lr: step size in log α.
      steps: number of steps K.
      sign: +1 for descent (the algorithm); a negative control passes −1.
    Returns:
      :class:`TemperatureRun`.
    Raises:
      TypeError: ``rewards``, ``weights`` not real numbers; ``target``, ``alpha0``, ``lr``,
        ``sign`` not real numbers; ``steps`` not an integer.
      ValueError: ``rewards`` not 2-D, ``weights`` not ``[S]``, either not finite; ``target``
        outside (0, log A); ``alpha0`` <= 0; ``lr`` <= 0; ``steps`` < 0; ``sign`` not ±1.
    """
    rewards = as_float_array(rewards, "rewards", ndim=2)
    S, A = rewards.shape
    target = check_real(target, "entropy target", low=0.0, high=np.log(A), open_low=True, open_high=True)
    alpha0 = check_tau(alpha0, "alpha0", positive=True)
    weights = np.full(S, 1.0 / S) if weights is None else as_float_array(weights, "weights", shape=(S,))
    lr = check_real(lr, "lr", low=0.0, open_low=True)
    steps = check_int(steps, "steps", low=0)
    if check_real(sign, "sign") not in (1.0, -1.0):
        raise ValueError(f"sign must be +1 (descent) or -1 (ascent, a negative control), got {sign!r}")
    log_alpha = np.log(alpha0)
    alphas, entropies = [alpha0], [_average_entropy(rewards, alpha0, weights)]
    for _ in range(steps):
        log_alpha -= sign * lr * (entropies[-1] - target)
        # The clip keeps α a finite positive float when a broken (ascending) run runs away.
        log_alpha = float(np.clip(log_alpha, -700.0, 700.0))
        alphas.append(float(np.exp(log_alpha)))
        entropies.append(_average_entropy(rewards, alphas[-1], weights))
    return TemperatureRun(np.asarray(alphas), np.asarray(entropies))
