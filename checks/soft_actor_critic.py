"""Claim H3 (slide "Other Algorithm II"): soft actor-critic, tabular and exact.

H3: soft policy evaluation converges to Q^π; KL projection onto a state-wise class improves Q;
restricted soft policy iteration reaches the class optimum; dual gradient descent on the SAC-v2
temperature loss drives the policy entropy to its target.
H1, H2, H4 (slide "Other Algorithm I") and H6 (soft policy gradient, "Other Algorithm II") live in
:mod:`checks.algorithms`, H5 (latent-space policies) in :mod:`checks.hierarchy`.

Every check solves the soft optimum it needs with a certified error bound e (theory.solvers);
its tolerance is e propagated through the statement, plus float64 round-off
64·eps·(1 + k)·(1 + ‖V‖) (checks.base.roundoff_tolerance), as each docstring derives.
Sources were confirmed from stored copies of the papers and are cited with equation numbers
(Haarnoja et al. 2018 SAC Lemmas 1–2, Theorem 1; Haarnoja et al. 2018b eqs. (11)–(18)).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import brentq
from scipy.special import entr
from scipy.special import softmax as scipy_softmax

from checks.base import (
    CheckResult,
    Claim,
    excess,
    fold,
    instance_label,
    largest,
    register,
    roundoff_tolerance,
    sup,
)
from checks.suite import mdp_cases
from mdps.finite import FiniteMDP
from mdps.validation import check_tau
from theory.actor_critic import (
    adjust_temperature,
    mixture_projection,
    restricted_soft_policy_iteration,
    soft_policy_evaluation,
    support_projection,
)
from theory.bellman import evaluate_policy
from theory.roundoff import roundoff
from theory.softmax import entropy
from theory.solvers import exact_optimum, value_scale

__all__ = [
    "H3",
    "check_restricted_policy_iteration",
    "check_soft_policy_evaluation",
    "check_temperature_adjustment",
]


# ---------------------------------------------------------------------------------------------
# H3: soft actor-critic
# ---------------------------------------------------------------------------------------------
H3 = Claim(
    "H3",
    "T^π Q → Q^π; π_new = argmin_Π KL(π'‖e^{Q^{π_old}/τ}/Z) gives Q^{π_new} ≥ Q^{π_old}; restricted soft PI "
    "→ optimum of Π; ∂J(α)/∂log α = H(π) − H̄ drives H(π) → H̄",
    "seed deck, 'Other Algorithm II' (⑤, ⑥); Haarnoja et al. 2018 (SAC), Lemma 1, Lemma 2, Thm 1; "
    "Haarnoja et al. 2018b, eqs. (13), (18)",
)

#: Policy classes of restricted soft policy iteration.
POLICY_CLASSES = ("support", "mixture")
#: Basis policies per state of the mixture class (a segment).
_MIXTURE_SIZE = 2
#: Restricted soft PI stops when ‖Q^{π_{k+1}} − Q^{π_k}‖ <= _PI_STOP·(1 + ‖V‖) or after _PI_STEPS
#: steps; the optimality slack of Theorem 1 is certified from the last iterate either way.
_PI_STOP, _PI_STEPS = 1e-10, 40
#: Random members of the mixture class the limit must dominate.
_MIXTURE_MEMBERS = 20


@H3.subjects("evaluation_operator")
def check_soft_policy_evaluation(
    mdp: FiniteMDP, tau: float, *, seed: int = 0, evaluation_operator=None, tol: float | None = None
) -> CheckResult:
    """H3, SAC Lemma 1 on one instance: Q_{k+1} = T^π Q_k converges to the exact Q^π.

    T^π Q = r + γ E_{s'}[Σ_a π(Q − τ log π)] (Haarnoja et al. 2018, Lemma 1) from a
    huge random Q₀ (1e3 times the value scale), for a random full-support π, until the
    a-posteriori bound γ/(1 − γ)·‖Q_{k+1} − Q_k‖ <= 1e-10·(1 + ‖V‖); compared with the exact
    linear solve (theory.bellman.evaluate_policy).

    Tolerance: that a-posteriori bound (T^π is a γ-contraction) plus the round-off of the
    solve and of the sweeps, 2·64·eps·(1 + k)·(1 + ‖V‖)/(1 − γ) (each sweep's error is damped
    by γ, so the sum is at most 1/(1 − γ) sweeps' worth). And the stopping rule that
    soft_policy_evaluation documents: the bound of its last step is at most the tol asked (a
    rule that stops early leaves a larger error than promised, which the first comparison,
    measured against the achieved bound, would accept).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      seed: seeds π and Q₀.
      evaluation_operator: the soft policy-evaluation operator T^π under test,
        ``evaluation_operator(mdp, q, pi, tau) -> [S, A]`` (default theory's; not the soft
        Bellman optimality operator of the ``bellman_operator`` role, and no role itself).
      tol: replaces the allowance when given.
    Returns:
      CheckResult: ``measured`` = ‖Q_K − Q^π‖∞.
    """
    rng = np.random.default_rng(seed)
    scale = 1 + value_scale(mdp, tau)
    pi = rng.dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
    q0 = 1e3 * scale * rng.uniform(-1, 1, size=(mdp.n_states, mdp.n_actions))
    asked = 1e-10 * scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a broken operator may not converge
        run = soft_policy_evaluation(
            mdp, pi, tau, q0=q0, tol=asked, max_iter=20_000, operator=evaluation_operator
        )
    exact = evaluate_policy(mdp, pi, tau).q
    bound = mdp.gamma / (1 - mdp.gamma) * run.steps[-1]
    allowed = bound + 2 * roundoff_tolerance(mdp, tau) / (1 - mdp.gamma) if tol is None else tol
    return H3.worst_of(
        {
            "Lemma 1: ‖T^π…T^π Q₀ − Q^π‖": (sup(run.q - exact), allowed),
            "stopping rule: γ/(1−γ)·‖Q_K − Q_{K−1}‖ <= tol asked": (bound, asked if tol is None else tol),
        },
        {"instance": instance_label(mdp, tau), "sweeps": int(run.steps.size), "a_posteriori_bound": bound},
    )


def _policy_class(mdp: FiniteMDP, tau: float, policy_class: str, rng: np.random.Generator):
    """(I-projection, its class spec, π₀ in the class) of a seeded state-wise class Π = ×_s Π_s.

    "support": spec = ``[S, A]`` bool mask of A − 1 allowed actions per state (all if A = 1);
    "mixture": spec = ``[S, 2, A]`` basis policies, Dirichlet(1) draws.
    """
    S, A = mdp.n_states, mdp.n_actions
    if policy_class == "support":
        allowed = np.argsort(rng.random((S, A)), axis=1)[:, : max(1, A - 1)]
        support = np.zeros((S, A), dtype=bool)
        np.put_along_axis(support, allowed, True, axis=1)
        return support_projection, support, support_projection(rng.normal(size=(S, A)), tau, support).pi
    if policy_class == "mixture":
        basis = rng.dirichlet(np.ones(A), size=(S, _MIXTURE_SIZE))
        return mixture_projection, basis, basis[:, 0]
    raise ValueError(f"policy_class must be one of {POLICY_CLASSES}, got {policy_class!r}")


def _reduced_mdp(mdp: FiniteMDP, support: np.ndarray) -> tuple[FiniteMDP, np.ndarray]:
    """The MDP whose k actions at s are the allowed actions of s (same k at every state)."""
    cols = np.sort(np.argsort(~support, axis=1, kind="stable")[:, : support.sum(axis=1).min()], axis=1)
    P = np.take_along_axis(mdp.dense_P(), cols[:, :, None], axis=1)
    R = np.take_along_axis(mdp.R, cols, axis=1)
    return FiniteMDP(P, R, mdp.gamma, terminal=mdp.terminal, name=f"{mdp.name}|support"), cols


@H3.subjects("project")
def check_restricted_policy_iteration(
    mdp: FiniteMDP,
    tau: float,
    *,
    seed: int = 0,
    policy_class: str = "support",
    project=None,
    tol: float | None = None,
) -> CheckResult:
    """H3, SAC Lemma 2 and Theorem 1 on one instance: projected soft PI improves and is optimal in Π.

    Classes (state-wise, Π = ×_s Π_s, which the proof of Thm 1 needs; theory-notes §5a):
    "support" (A − 1 random allowed actions per state; projection in closed form) or "mixture"
    (segment between 2 random full-support policies per state; projection by bisection, with
    a certified Frank–Wolfe gap g on the KL). π_{k+1} = project(Q^{π_k}), exact evaluation.
    - Lemma 2 (Haarnoja et al. 2018): min(Q^{π_{k+1}} − Q^{π_k}) >= 0 at every step. With a
      projection g-suboptimal in KL, E_{π_new}[Q^{π_old} − τ log π_new] >= V^{π_old} − τg, and
      unrolling gives Q^{π_new} >= Q^{π_old} − γτg/(1 − γ): allowance τ·g/(1 − γ) plus the
      round-off of two evaluations.
    - I-projection: π_{k+1} is the argmin (Lemma 2's π_new), not an approximation: its
      certified gap g <= 64·eps·A·(1 + ℓ), ℓ = 2(1 + ‖V‖)/τ (+ max|log B| for the mixture) the
      range of the logs in the KL's slope: the round-off of the bisection's last slope (a
      broken bisection certifies a large gap honestly, which the other two allow for).
    - Theorem 1: the limit π_L dominates the class. Certified slack: with π' = project(Q_L),
      for any π ∈ Π, T^π V_L <= T^{π'} V_L + τg, so V^π − V_L <= (max_s(T^{π'}V_L − V_L)⁺ + τg)/(1 − γ),
      and Q^π − Q_L <= γ times that. "support": |Q_L − Q*| on the allowed actions, Q* the soft
      optimum of the MDP restricted to them (an independent solver, soft policy iteration on
      the reduced action set), allowance e* plus that slack; "mixture": max(Q^π − Q_L) over the
      basis policies and 20 random members of the class.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      seed: seeds the class and π₀.
      policy_class: "support" or "mixture".
      project: ``project(q, tau, spec) -> theory.actor_critic.Projection`` replacing the
        class's I-projection (``spec``: the support mask ``[S, A]`` or the basis ``[S, 2, A]``);
        a negative control passes a broken one.
      tol: replaces every allowance when given.
    Returns:
      CheckResult of the comparison with the worst margin.
    Raises:
      ValueError: τ <= 0 or an unknown class.
    """
    tau = check_tau(tau, positive=True)
    rng = np.random.default_rng(seed)
    true_project, spec, pi0 = _policy_class(mdp, tau, policy_class, rng)
    project = true_project if project is None else project
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a broken projection may cycle
        run = restricted_soft_policy_iteration(
            mdp,
            tau,
            pi0,
            lambda q, t: project(q, t, spec),
            tol=_PI_STOP * (1 + value_scale(mdp, tau)),
            max_iter=_PI_STEPS,
        )
    round_off = roundoff_tolerance(mdp, tau)
    gamma = mdp.gamma

    def allowance(x):
        return x if tol is None else tol

    # The projection is the argmin (SAC's π_new) to float64 resolution: its certified KL gap is
    # round-off of a slope Σ_a (B₀ − B₁)(log m − log p) with |log p| <= 2‖Q‖/τ (module docstring).
    log_range = 2 * (1 + value_scale(mdp, tau)) / tau
    if policy_class == "mixture":
        log_range += float(np.abs(np.log(spec)).max())
    cases = {
        "Lemma 2: max −(Q^{π_{k+1}} − Q^{π_k})": (
            float(-run.improvements.min()),
            allowance(tau * run.gaps.max() / (1 - gamma) + 2 * round_off),
        ),
        "I-projection: certified KL gap (argmin to round-off)": (
            float(run.gaps.max()),
            # operations: the A-term slope; magnitude: 1 + the range of log p
            allowance(roundoff(mdp.n_actions, 1 + log_range)),
        ),
    }
    v_last = evaluate_policy(mdp, run.pi, tau).v
    final = true_project(run.q, tau, spec)
    # (T^{π'} V_L)(s) = Σ_a π'(Q_L − τ log π') = π'·Q_L + τH(π'), no entropy on terminal states.
    bellman = (final.pi * run.q).sum(axis=1) + tau * np.where(mdp.terminal, 0.0, entropy(final.pi))
    residual = excess(bellman - v_last)
    slack = (residual + tau * float(final.gap.max())) / (1 - gamma) + 2 * round_off
    details = {
        "instance": instance_label(mdp, tau),
        "class": policy_class,
        "steps": int(run.improvements.size),
    }
    if policy_class == "support":
        reduced, cols = _reduced_mdp(mdp, spec)
        star = exact_optimum(reduced, tau)
        cases["Thm 1: |Q_L − Q*_Π| on the support"] = (
            sup(np.take_along_axis(run.q, cols, axis=1) - star.q),
            allowance(star.error_bound + slack),
        )
    else:
        weights = rng.dirichlet(np.ones(_MIXTURE_SIZE), size=(_MIXTURE_MEMBERS, mdp.n_states))
        members = np.concatenate([np.einsum("msk,ska->msa", weights, spec), np.moveaxis(spec, 1, 0)])
        worst = largest(*((evaluate_policy(mdp, m, tau).q - run.q).max() for m in members))
        cases["Thm 1: max(Q^π − Q_L), π ∈ Π"] = (worst, allowance(slack))
        details["members"] = int(members.shape[0])
    return H3.worst_of(cases, details)


#: Accuracy to which automatic temperature adjustment must bring the entropy (nats).
ENTROPY_ACCURACY = 1e-8


def _uniform_average_entropy(rewards: np.ndarray, alpha: float) -> float:
    """(1/S) Σ_s H(f_α(r(s, ·))) by scipy's softmax and entr, independent of theory.softmax and
    theory.actor_critic: the average entropy with uniform state weights 1/S."""
    return float(entr(scipy_softmax(rewards / alpha, axis=1)).sum(axis=1).mean())


def check_temperature_adjustment(
    rewards,
    target: float,
    *,
    alpha0: float = 1.0,
    lr: float = 0.5,
    steps: int = 2000,
    sign: float = 1.0,
    name: str = "bandit",
    tol: float | None = None,
) -> CheckResult:
    """H3, automatic temperature (SAC-v2) on one contextual bandit: H(π_α) → H̄ and α → α*.

    J(α) = E_{s, a~π}[−α log π(a|s) − α H̄] (Haarnoja et al. 2018b, eq. (18)); with π held fixed,
    ∂J/∂log α = α(H(π) − H̄), and softlearning's loss −log α·(log π + H̄) steps log α by
    −lr·(H̄_w(π_α) − H̄), π_α = f_α(r(s, ·)) the soft-optimal policy of the per-state problem
    (γ = 0, where eqs. (13)–(17) are exact; theory-notes §5b caveat). The dual g(α) =
    Σ_s w(s) α log Σ_a e^{r(s,a)/α} − αH̄ is convex with g'(α) = H̄_w(π_α) − H̄ (derived here;
    envelope theorem), so the fixed point is α* with H̄_w(π_{α*}) = H̄, found independently by
    brentq on log α. The states are weighted uniformly, w = 1/S, and H̄_w is computed here by
    scipy (:func:`_uniform_average_entropy`), not by theory.actor_critic.
    - entropy: |H̄_w(π_{α_K}) − H̄| after K steps, allowed ENTROPY_ACCURACY = 1e-8 nats (the
      iteration contracts at rate |1 − lr·dH/dlog α| near α*, reported; 2000 steps of lr 0.5
      reach 1e-8 for every bandit here) plus the entropy's round-off 64·eps·log A; for the run
      with w = 1/S passed explicitly, and for the run with adjust_temperature's default weights
      (documented uniform; a default of 2/S would halve the entropy reached);
    - reported entropy: the run's own H̄_w(π_{α_K}) against the one computed here, to round-off
      64·eps·(1 + A)·(1 + log A);
    - temperature: |log α_K − log α*| allowed (1e-8 + 64·eps·log A)/(dH/dlog α at α*) plus
      brentq's xtol 1e-13: the entropy accuracy carried to log α to first order.

    Args:
      rewards: ``[S, A]`` rewards, each state non-constant.
      target: H̄ in (0, log A).
      alpha0, lr, steps: the dual gradient descent (theory.actor_critic.adjust_temperature).
      sign: +1 descent; −1 ascends (a negative control).
      name: label for the report.
      tol: replaces every allowance when given.
    Returns:
      CheckResult of the comparison with the worst margin.
    Raises:
      ValueError: as adjust_temperature.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    S, A = rewards.shape
    weights = np.full(S, 1.0 / S)
    run = adjust_temperature(rewards, target, alpha0=alpha0, weights=weights, lr=lr, steps=steps, sign=sign)
    default = adjust_temperature(rewards, target, alpha0=alpha0, lr=lr, steps=steps, sign=sign)

    def gap(log_alpha):
        return _uniform_average_entropy(rewards, np.exp(log_alpha)) - target

    log_star = brentq(gap, -30.0, 30.0, xtol=1e-13)
    h = 1e-5  # central difference of H in log α, for the first-order conversion only
    slope = (
        _uniform_average_entropy(rewards, np.exp(log_star + h))
        - _uniform_average_entropy(rewards, np.exp(log_star - h))
    ) / (2 * h)
    round_off = roundoff(1, np.log(A))  # one evaluation of an entropy of size <= log A
    entropy_allowed = ENTROPY_ACCURACY + round_off
    reached = _uniform_average_entropy(rewards, run.alphas[-1])

    def allowance(x):
        return x if tol is None else tol

    cases = {
        "|H(π_α) − H̄|": (abs(reached - target), allowance(entropy_allowed)),
        "default weights: |H̄_{1/S}(π_α) − H̄|": (
            abs(_uniform_average_entropy(rewards, default.alphas[-1]) - target),
            allowance(entropy_allowed),
        ),
        "reported H̄_w(π_α) − H̄_w computed here": (
            abs(run.entropies[-1] - reached),
            allowance(roundoff(1 + A, 1 + np.log(A))),  # an A-term entropy sum, in nats
        ),
        "|log α − log α*|": (
            abs(np.log(run.alphas[-1]) - log_star),
            allowance(entropy_allowed / slope + 1e-13),
        ),
    }
    return H3.worst_of(
        cases,
        {
            "instance": f"{name}, target={target:g}",
            "alpha_final": float(run.alphas[-1]),
            "alpha_final_default_weights": float(default.alphas[-1]),
            "alpha_star": float(np.exp(log_star)),
            "entropy_final": float(run.entropies[-1]),
            "contraction_rate": abs(1 - lr * slope),
        },
    )


def _temperature_bandits(seed: int, size: str) -> list[tuple[np.ndarray, float, str]]:
    """(rewards [S, A], target, name): contextual bandits with targets at 20 %, 50 %, 80 % of log A."""
    rng = np.random.default_rng(seed)
    shapes = {
        "quick": [(1, 3), (4, 4)],
        "default": [(1, 3), (4, 4), (6, 5), (3, 10)],
        "full": [(1, 3), (4, 4), (6, 5), (3, 10), (10, 8)],
    }[size]
    out = []
    for S, A in shapes:
        r = rng.normal(size=(S, A))
        for frac in (0.2, 0.5, 0.8):
            out.append((r, frac * np.log(A), f"contextual bandit S={S},A={A}"))
    return out


@register(H3)
def battery_soft_actor_critic(*, seed: int, size: str) -> CheckResult:
    """H3: Lemma 1 and restricted soft PI (both classes) on the MDP suite; temperature on bandits."""
    cases = mdp_cases(seed, size, positive_tau=True)
    results = [check_soft_policy_evaluation(m, t, seed=seed + i) for i, (m, t) in enumerate(cases)]
    for c in POLICY_CLASSES:
        results += [
            check_restricted_policy_iteration(m, t, seed=seed + i, policy_class=c)
            for i, (m, t) in enumerate(cases)
        ]
    results += [check_temperature_adjustment(r, h, name=n) for r, h, n in _temperature_bandits(seed, size)]
    return fold(H3, results)
