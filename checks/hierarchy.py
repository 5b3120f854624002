"""Claim H5 (slide "Other Algorithm I", ③): hierarchical latent-space policies.

A higher layer acting in the latent space of a fixed invertible lower layer, regularised by KL to
the latent prior, solves exactly KL-regularised RL in action space with the lower layer as the
prior; its optimum is π ∝ π_low·exp(Q/τ). Plain entropy is not invariant under the bijection:
H(π_a) = H(π_h) + E[log|f'(h)|], and latent max-entropy recovers the action-space optimum only
with log|f'| added to the reward (Haarnoja et al. 2018; the facts are derived in
:mod:`theory.hierarchical`, followups-notes §1.5).

Two checks, each comparing the latent side (theory.hierarchical and the certified solver) with an
action-space reference computed here by other means:
- tabular (:func:`check_latent_kl_invariance`): the bijection is a per-state permutation of the
  actions. The reference solves the action-space KL-regularised problem by KL policy iteration
  written with :class:`theory.regularizers.KLToPrior` and dense numpy solves, certified by its
  Bellman residual; it never builds the latent MDP, the push-forward or the Shannon reduction.
- one dimension (:func:`check_latent_bijection_1d`): the latent side integrates in h (no inverse
  of f), the reference in a = f(h) (f inverted by root-finding, f' by the complex step, never the
  setting's stated log f'); quad's reported errors are the allowance.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize
from scipy.special import rel_entr

from checks.base import (
    CheckResult,
    Claim,
    fold,
    instance_label,
    register,
    roundoff_tolerance,
    solve_roundoff,
    sup,
)
from checks.suite import check_size, mdp_suite, temperature_suite
from mdps.finite import FiniteMDP, check_infinite_horizon
from mdps.instances import LATENT_LAYERS_1D
from mdps.validation import check_tau
from theory.bellman import evaluate_policy
from theory.hierarchical import (
    gibbs_density_1d,
    kl_regularised_mdp,
    latent_mdp,
    push_forward,
    pushforward_entropy_1d,
    pushforward_log_density,
)
from theory.policy_gradient import COMPLEX_STEP
from theory.regularizers import KLToPrior
from theory.roundoff import roundoff
from theory.softmax import kl
from theory.solvers import exact_optimum

__all__ = ["H5", "check_latent_bijection_1d", "check_latent_kl_invariance"]

H5 = Claim(
    "H5",
    "latent layer through a bijection f, KL to the latent prior p ≡ action space, KL to π_low = f#p: "
    "π* ∝ π_low·exp(Q/τ); H(f#π) = H(π) + E log|f'| (max-ent needs τ log|f'| in the reward)",
    "seed deck, 'Other Algorithm I' (③ Haarnoja et al. 2018, latent space policies); "
    "invariances derived here (followups-notes §1.5)",
)


# ---------------------------------------------------------------------------------------------
# Tabular: per-state permutations
# ---------------------------------------------------------------------------------------------
def _kl_evaluation(mdp: FiniteMDP, pi: np.ndarray, prior: np.ndarray, tau: float) -> np.ndarray:
    """V^π = (I − γP_π)⁻¹(r_π − τKL(π ‖ prior)), KL 0 on terminal states: a dense numpy solve."""
    penalty = np.where(mdp.terminal, 0.0, tau * rel_entr(pi, prior).sum(axis=1))
    P_pi = np.einsum("sa,sat->st", pi, mdp.dense_P())
    return np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi, (pi * mdp.R).sum(axis=1) - penalty)


def _action_space_optimum(mdp: FiniteMDP, prior: np.ndarray, tau: float):
    """(V*, Q*, π*, certified error on V* and Q*) of KL-regularised RL with per-state ``prior``.

    KL policy iteration: evaluate (:func:`_kl_evaluation`), improve π ← KLToPrior(prior[s]).greedy
    (∝ prior·exp(Q/τ)). Certificate: the KL Bellman operator (TV)(s) = τ log Σ_a prior(a|s)
    exp(Q_V(s, a)/τ) (KLToPrior.value) is a γ-contraction, so ‖V − V*‖ <= ‖TV − V‖/(1 − γ), and
    ‖Q_V − Q*‖ <= γ times that. Policy iteration's values increase monotonically to V*, so the
    loop stops when an improvement step no longer raises V beyond round-off
    (``roundoff(S, 1 + ‖V‖)/(1 − γ)``, the accuracy of a dense solve), and keeps the iterate of
    smallest residual.
    """
    regs = [KLToPrior(tuple(row)) for row in prior]
    pi, best, v_old = prior, None, None
    for _ in range(100):
        v = _kl_evaluation(mdp, pi, prior, tau)
        q = mdp.R + mdp.gamma * mdp.expected_next(v)
        bellman = np.where(mdp.terminal, 0.0, [reg.value(row, tau) for reg, row in zip(regs, q)])
        residual = sup(bellman - v)
        if best is None or residual < best[0]:
            best = (residual, v, q)
        if v_old is not None and (v - v_old).max() <= roundoff(mdp.n_states, 1 + sup(v)) / (1 - mdp.gamma):
            break
        v_old = v
        pi = np.array([reg.greedy(row, tau) for reg, row in zip(regs, q)])
    residual, v, q = best
    greedy = np.array([reg.greedy(row, tau) for reg, row in zip(regs, q)])
    # operations: the residual's own rounding, A terms of the weighted log-sum-exp and one more
    return v, q, greedy, (residual + roundoff(mdp.n_actions + 1, 1 + sup(v))) / (1 - mdp.gamma)


@H5.subjects("push_forward", "regularise_to")
def check_latent_kl_invariance(
    mdp: FiniteMDP,
    tau: float,
    *,
    seed: int = 0,
    permutation=None,
    prior=None,
    push_forward=push_forward,
    regularise_to=None,
    tol: float | None = None,
) -> CheckResult:
    """H5, tabular: a latent layer through per-state permutations σ_s, KL to the latent prior p.

    The lower layer plays a = σ_s(h) with h ~ p, so π_low(σ_s(h)|s) = p(h). Latent side: the MDP
    of :func:`theory.hierarchical.latent_mdp`, KL to p by :func:`~theory.hierarchical.kl_regularised_mdp`,
    solved by the certified solver (error e_h on V and Q); its optimal policy is pushed forward
    (:func:`~theory.hierarchical.push_forward`). Action side: :func:`_action_space_optimum`, KL to
    π_low (error e_a). Comparisons, with ρ = 64·eps·(1 + k)·(1 + ‖V‖) at the scale of the shifted
    rewards r + τ log p (checks.base.roundoff_tolerance) and σ = ρ/(1 − γ) (plus the Krylov
    threshold) the error of an exact evaluation's solve (checks.base.solve_roundoff):
    - V* latent = V* action: e_h + e_a + ρ;
    - Q*_h(s, h) = Q*_a(s, σ_s(h)) (Q = r + γPV, the −τ log p of the reduction removed): the same;
    - push-forward of the latent optimum = π_low·exp((Q*_a − V*_a)/τ) (the reference's
      greedy step): both are ∝ prior·exp(Q/τ) with Q's within δ = e_h + e_a + ρ of each
      other, so each probability within a factor e^{±2δ/τ}: expm1(2δ/τ);
    - the exact KL-penalised action-space value of that push-forward = V*_a: a policy soft-greedy
      for a Q within e_h of Q* loses at most 2e_h/(1 − γ) (T^πV* >= V* − 2e_h, T^π a
      γ-contraction), plus e_a and the solve's σ;
    - for a random latent policy π_h (not optimal): its latent value (theory.bellman's
      evaluation of the reduced latent MDP) = the action-space KL-penalised value of its push-
      forward (reference solve): 2σ; and KL(π_h ‖ p) = KL(π_a ‖ π_low) state by state
      (theory.softmax.kl both): ``roundoff(A, 1 + max KL)``.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      seed: draws σ (uniform per state), p (Dirichlet(1), the same in every state, like the
        authors' N(0, I)) and the random latent policy.
      permutation: ``[S, A]`` σ (default drawn).
      prior: ``[A]`` latent prior p (default drawn).
      push_forward: ``push_forward(pi_h, permutation) -> pi_a`` under test.
      regularise_to: ``[A]`` what the higher layer's KL is taken to (default p; a negative control
        passes the uniform distribution: plain latent entropy).
      tol: replaces every allowance when given.
    Returns:
      CheckResult of the comparison with the worst margin.
    Raises:
      ValueError: τ <= 0, a finite-horizon ``mdp``.
    """
    tau = check_tau(tau, positive=True, why="claim H5 is about KL regularisation, τ > 0")
    S, A = check_infinite_horizon(mdp).n_states, mdp.n_actions
    rng = np.random.default_rng(seed)
    sigma = np.array([rng.permutation(A) for _ in range(S)]) if permutation is None else permutation
    p = rng.dirichlet(np.ones(A)) if prior is None else np.asarray(prior, dtype=np.float64)
    target = p if regularise_to is None else np.asarray(regularise_to, dtype=np.float64)
    pi_h = rng.dirichlet(np.ones(A), size=S)
    latent_prior = np.broadcast_to(target, (S, A))
    latent = kl_regularised_mdp(latent_mdp(mdp, sigma), latent_prior, tau)  # validates σ
    # π_low(σ_s(h)|s) = p(h), built here (not by the push_forward under test)
    pi_low = np.zeros((S, A))
    np.put_along_axis(pi_low, np.asarray(sigma), np.broadcast_to(p, (S, A)), axis=1)

    star = exact_optimum(latent, tau)
    q_h = star.q - np.where(mdp.terminal[:, None], 0.0, tau * np.log(latent_prior))
    v_a, q_a, pi_a, e_a = _action_space_optimum(mdp, pi_low, tau)
    e_h = star.error_bound
    rho = roundoff_tolerance(latent, tau)
    delta = e_h + e_a + rho
    pushed = push_forward(star.policy, sigma)
    random_pushed = push_forward(pi_h, sigma)
    kl_h = kl(pi_h, latent_prior)
    allowed = {
        "V*: latent = action space": delta,
        "Q*: Q_h(s, h) = Q_a(s, σ_s(h))": delta,
        # capped at 1, the most two probabilities can differ (the comparison says nothing once
        # δ/τ is of order 1: at τ = 1e-12 with rewards 1e6, say)
        "π*: push-forward = π_low·exp((Q − V)/τ)": float(np.expm1(min(2 * delta / tau, np.log(2.0)))),
        "exact evaluation of the push-forward = V*": 2 * e_h / (1 - mdp.gamma)
        + e_a
        + solve_roundoff(latent, tau),
        "random π_h: latent value = action-space value": 2 * solve_roundoff(latent, tau),
        "random π_h: KL(π_h‖p) = KL(π_a‖π_low)": roundoff(A, 1 + sup(kl_h)),
    }
    measured = {
        "V*: latent = action space": sup(star.v - v_a),
        "Q*: Q_h(s, h) = Q_a(s, σ_s(h))": sup(q_h - np.take_along_axis(q_a, np.asarray(sigma), axis=1)),
        "π*: push-forward = π_low·exp((Q − V)/τ)": sup(np.where(mdp.terminal[:, None], 0.0, pushed - pi_a)),
        "exact evaluation of the push-forward = V*": sup(_kl_evaluation(mdp, pushed, pi_low, tau) - v_a),
        "random π_h: latent value = action-space value": sup(
            evaluate_policy(latent, pi_h, tau).v - _kl_evaluation(mdp, random_pushed, pi_low, tau)
        ),
        "random π_h: KL(π_h‖p) = KL(π_a‖π_low)": sup(
            np.where(mdp.terminal, 0.0, kl_h - kl(random_pushed, pi_low))
        ),
    }
    cases = {k: (measured[k], allowed[k] if tol is None else tol) for k in measured}
    return H5.worst_of(
        cases,
        {
            "instance": instance_label(mdp, tau) + f", seed={seed}",
            "errors": {"latent solver": e_h, "action-space reference": e_a},
        },
    )


# ---------------------------------------------------------------------------------------------
# One dimension: a smooth monotone f, by quadrature
# ---------------------------------------------------------------------------------------------
#: Gaussian latent policies N(m, s²) of the entropy identity: far enough inside the settings'
#: interval [−9, 9] that their mass outside is below 1e-24.
LATENT_GAUSSIANS = ((0.3, 0.5), (-0.6, 0.8))

#: Latent points at which the pushed-forward log-densities are compared.
DENSITY_POINTS = np.linspace(-3.0, 3.0, 25)


def _derivative(f, h):
    """f'(h) by the complex step (f analytic and real on the real line): exact to round-off."""
    return np.imag(f(np.asarray(h, dtype=np.float64) + 1j * COMPLEX_STEP)) / COMPLEX_STEP


def _integrate_actions(fn, f, lo: float, hi: float) -> tuple[float, float]:
    """∫ fn(a) da over [f(lo), f(hi)] by quad, broken at the images of 17 even latent points."""
    points = f(np.linspace(lo, hi, 17))[1:-1]
    value, err = integrate.quad(fn, f(lo), f(hi), points=points, epsabs=1e-14, epsrel=1e-13, limit=1000)
    return float(value), float(err)


def _inverse(f, a: float, lo: float, hi: float) -> float:
    """f⁻¹(a) on [lo, hi] by Brent's method, to a few ulps."""
    return optimize.brentq(lambda h: f(h) - a, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)


@H5.subjects("gibbs", "entropy")
def check_latent_bijection_1d(
    name: str,
    *,
    gibbs=gibbs_density_1d,
    entropy=pushforward_entropy_1d,
    log_det_weight: float = 1.0,
    tol: float | None = None,
) -> CheckResult:
    """H5 in one dimension: a latent prior p, a smooth increasing f, a reward r in action space.

    The setting is ``mdps.instances.LATENT_LAYERS_1D[name]``. Latent side (h-space quadrature,
    theory.hierarchical): the KL layer π_h ∝ p·exp(r(f)/τ) (``gibbs`` with base p), its value and
    the push-forward log π_h − log f'; the max-ent layer with reward r(f) + w·τ log f' (w =
    ``log_det_weight``, 1 in the claim) and Lebesgue base; H(π_a) = H(π_h) + E log f' of Gaussian
    latent policies (``entropy``). Action side (a-space quadrature, here): π_low(a) =
    p(f⁻¹(a))/f'(f⁻¹(a)), V_KL = τ log ∫ π_low e^{r/τ}, V_maxent = τ log ∫ e^{r/τ}, their
    densities at a = f(h), and −∫ π_a log π_a.

    Allowances: quad's reported abserr of both integrals, relative to their sizes (τ times it on
    values), plus round-off ``roundoff(8, 1 + |x|)`` at the magnitude |x| of the compared
    numbers (log-densities reach −90 at the comparison points; f⁻¹ and the complex-step f' are
    exact to a few ulps).

    Args:
      name: key of ``LATENT_LAYERS_1D``.
      gibbs: ``gibbs(log_base, reward, tau, bounds=...) -> GibbsDensity1D`` under test.
      entropy: ``entropy(log_density, log_det, bounds=...) -> (H, abserr)`` under test.
      log_det_weight: w (a negative control passes 0: latent max-ent without the log-det).
      tol: replaces every allowance when given.
    Returns:
      CheckResult of the comparison with the worst margin.
    Raises:
      KeyError: an unknown ``name``.
    """
    log_p, f, log_det, r, tau, (lo, hi) = LATENT_LAYERS_1D[name]
    w = float(log_det_weight)
    h = DENSITY_POINTS

    def log_low(a):  # log π_low(a) = log p(h) − log f'(h), h = f⁻¹(a)
        x = _inverse(f, a, lo, hi)
        return log_p(x) - np.log(_derivative(f, x))

    z_kl, z_kl_err = _integrate_actions(lambda a: np.exp(log_low(a) + r(a) / tau), f, lo, hi)
    z_me, z_me_err = _integrate_actions(lambda a: np.exp(r(a) / tau), f, lo, hi)
    kl_layer = gibbs(log_p, lambda x: r(f(x)), tau, bounds=(lo, hi))
    me_layer = gibbs(lambda x: 0.0 * x, lambda x: r(f(x)) + w * tau * log_det(x), tau, bounds=(lo, hi))
    ref_kl = log_p(h) - np.log(_derivative(f, h)) + r(f(h)) / tau - np.log(z_kl)
    ref_me = r(f(h)) / tau - np.log(z_me)
    kl_err = kl_layer.log_normaliser_error + z_kl_err / z_kl
    me_err = me_layer.log_normaliser_error + z_me_err / z_me
    cases = {
        "KL layer: V latent = V action": (
            abs(kl_layer.value - tau * np.log(z_kl)),
            tau * kl_err + roundoff(8, 1 + abs(kl_layer.value)),
        ),
        "KL layer: push-forward density = π_low·exp(r/τ)/Z": (
            sup(pushforward_log_density(kl_layer.log_density(h), log_det(h)) - ref_kl),
            kl_err + roundoff(8, 1 + sup(ref_kl)),
        ),
        "max-ent + log-det: V latent = V action": (
            abs(me_layer.value - tau * np.log(z_me)),
            tau * me_err + roundoff(8, 1 + abs(me_layer.value)),
        ),
        "max-ent + log-det: push-forward density = exp(r/τ)/Z": (
            sup(pushforward_log_density(me_layer.log_density(h), log_det(h)) - ref_me),
            me_err + roundoff(8, 1 + sup(ref_me)),
        ),
    }
    for m, s in LATENT_GAUSSIANS:

        def log_pi_h(x, m=m, s=s):
            return -0.5 * ((x - m) / s) ** 2 - np.log(s * np.sqrt(2 * np.pi))

        def log_pi_a(a, m=m, s=s):
            x = _inverse(f, a, lo, hi)
            return log_pi_h(x, m, s) - np.log(_derivative(f, x))

        def neg_entropy_density(a):
            ell = log_pi_a(a)
            return -np.exp(ell) * ell

        h_a, h_a_err = _integrate_actions(neg_entropy_density, f, lo, hi)
        h_ours, h_ours_err = entropy(log_pi_h, log_det, bounds=(lo, hi))
        cases[f"entropy: H(f#N({m:g}, {s:g}²)) = H + E log f'"] = (
            abs(h_ours - h_a),
            h_ours_err + h_a_err + roundoff(8, 1 + abs(h_a)),
        )
    if tol is not None:
        cases = {k: (m, tol) for k, (m, _) in cases.items()}
    return H5.worst_of(
        cases,
        {
            "instance": f"1-D: {name}" + ("" if w == 1.0 else f", log-det weight {w:g}"),
            "V_KL": kl_layer.value,
            "V_maxent": me_layer.value,
        },
    )


@register(H5)
def battery_latent_space_policies(*, seed: int, size: str) -> CheckResult:
    """H5: tabular on the MDP suite (without the Krylov Garnet: the reference solves densely) at
    every positive temperature, one seeded (σ, p) per case; and the 1-D layers (quick: the first)."""
    check_size(size)
    cases = [(m, t) for m in mdp_suite(seed, size, krylov=False) for t in temperature_suite(size) if t > 0]
    results = [check_latent_kl_invariance(m, t, seed=seed + i) for i, (m, t) in enumerate(cases)]
    names = list(LATENT_LAYERS_1D)[: 1 if size == "quick" else None]
    results += [check_latent_bijection_1d(n) for n in names]
    return fold(H5, results)
