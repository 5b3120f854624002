"""Claims E (slides "Algorithm: Soft Q-learning"): soft Q-learning at verification scale.

E1: the importance-sampled soft value V̂ = τ log (1/M) Σ_j exp(Q(a_j)/τ)/q(a_j): exp(V̂/τ) is
unbiased, V̂ is biased low, and its bias and variance shrink like 1/M.
E2: tabular soft Q-learning from sampled transitions (replay buffer, minibatches, target table
refreshed every ``update_interval``) reaches the exact soft Q* within a stated error.
E3: Stein variational gradient descent, plain and amortised, samples the Boltzmann density
∝ exp(Q(a)/τ) (1-D: Kolmogorov–Smirnov against the exact CDF; 2-D multimodal: MMD against exact
samples and the mass of every mode).

All three are statistical: fixed seeds (``np.random.default_rng``), Monte Carlo runs vectorised,
and every interval states its level and method where it is used. Same seed, same report, bit for
bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats
from scipy.special import logsumexp

from checks.base import CheckResult, Claim, fold, register, value_scale
from checks.suite import SIZES
from mdps.finite import FiniteMDP
from mdps.generators import garnet, gridworld
from theory.soft_q import (
    MLPSampler,
    amortised_svgd,
    importance_sampled_soft_value,
    soft_q_learning,
    svgd,
    svgd_direction,
)
from theory.softmax import soft_value
from theory.solvers import ConvergenceWarning, soft_policy_iteration

__all__ = [
    "E1",
    "E2",
    "E3",
    "BoltzmannMixture",
    "ImportanceSamplingInstance",
    "check_amortised_sampler",
    "check_importance_sampled_value",
    "check_sampled_soft_q_learning",
    "check_svgd_boltzmann",
    "continuous_instance",
    "discrete_instance",
]

#: Confidence level of every interval in this module (two-sided, normal/CLT unless stated).
LEVEL = 0.99


def _z(level: float, comparisons: int = 1) -> float:
    """Two-sided normal quantile for ``level``, Bonferroni-corrected over ``comparisons``."""
    return float(stats.norm.ppf(1 - (1 - level) / (2 * comparisons)))


# ---------------------------------------------------------------------------------------------
# E1: importance-sampled soft value
# ---------------------------------------------------------------------------------------------
E1 = Claim(
    "E1",
    "V̂ = τ log (1/M) Σ_j exp(Q(a_j)/τ)/q(a_j), a_j ~ q: E[exp(V̂/τ)] = ∫exp(Q/τ), E[V̂] ≤ V, "
    "bias and variance ∝ 1/M",
    "seed deck, 'Algorithm: Soft Q-learning' (empirical soft value); Haarnoja et al. 2017, eq. (10)",
)


@dataclass(frozen=True)
class ImportanceSamplingInstance:
    """A soft value to estimate: Q on an action set, a proposal q, and the exact answer.

    Attributes:
      name: label for reports.
      tau: temperature τ > 0.
      draw: ``draw(rng, shape) -> (Q(a) [*shape], log q(a) [*shape])`` for a ~ q.
      value: exact V = τ log Σ_a exp(Q(a)/τ) (or ∫ da).
      cv2: exact squared coefficient of variation of the weight w = exp(Q/τ)/q under q,
        CV² = E_q[w²]/E_q[w]² − 1 (sets the delta-method constants: bias ≈ −τCV²/(2M),
        variance ≈ τ²CV²/M).
      small_weight_mass: q-probability of a weight below 1 % of its mean. All M weights that
        small is an event of probability small_weight_mass^M that moves V̂ by τ·log(1/100) or
        more; the 1/M laws only hold once it is negligible (see :func:`_sample_sizes`).
    """

    name: str
    tau: float
    draw: Callable
    value: float
    cv2: float
    small_weight_mass: float = 0.0


def discrete_instance(q, proposal, tau: float, name: str = "discrete") -> ImportanceSamplingInstance:
    """A discrete action set: Q ``[K]``, proposal probabilities ``[K]`` (full support), τ > 0."""
    q = np.asarray(q, dtype=np.float64)
    p = np.asarray(proposal, dtype=np.float64)
    value = float(soft_value(q, tau))
    pi = np.exp((q - value) / tau)
    cv2 = float(np.sum(pi**2 / p) - 1.0)
    cdf = np.cumsum(p)

    def draw(rng, shape):
        # Inverse CDF; the min guards a last cumulative sum a rounding error below 1.
        a = np.minimum(np.searchsorted(cdf, rng.random(shape), side="right"), q.size - 1)
        return q[a], np.log(p[a])

    small = float(p[pi / p < 0.01].sum())  # E_q[w] = exp(V/τ): w/E[w] = π/p
    return ImportanceSamplingInstance(name, float(tau), draw, value, max(cv2, 0.0), small)


def continuous_instance(
    q_fn: Callable, sample: Callable, log_density: Callable, bounds, tau: float, name: str
) -> ImportanceSamplingInstance:
    """A continuous action set in 1-D or 2-D; the exact integral by adaptive quadrature.

    Args:
      q_fn: Q(a) for a ``[..., d]``.
      sample: ``sample(rng, shape) -> [*shape, d]`` draws from the proposal.
      log_density: log q(a) for a ``[..., d]``.
      bounds: ``[(lo, hi)] * d`` the integration box (the proposal's support, or wide enough
        that the rest is below float64 round-off).
      tau: τ > 0.
      name: label.
    Returns:
      ImportanceSamplingInstance; value and CV² from ``scipy.integrate.nquad`` (relative
      error 1e-8, far below any Monte Carlo interval here).
    """

    def integrand(power):
        def f(*a):
            x = np.array(a)
            return np.exp(power * q_fn(x) / tau - (power - 1) * log_density(x))

        return f

    opts = {"epsrel": 1e-8, "epsabs": 0.0, "limit": 200}
    z1 = integrate.nquad(integrand(1), bounds, opts=opts)[0]
    z2 = integrate.nquad(integrand(2), bounds, opts=opts)[0]

    def draw(rng, shape):
        a = sample(rng, shape)
        return q_fn(a), log_density(a)

    # The small-weight mass only chooses the sample sizes: 10⁵ proposal draws (fixed seed)
    # estimate it well enough for that.
    qa, log_q = draw(np.random.default_rng(0), (100_000,))
    small = float(np.mean(qa / tau - log_q < np.log(0.01 * z1)))
    return ImportanceSamplingInstance(name, float(tau), draw, tau * np.log(z1), z2 / z1**2 - 1.0, small)


#: Slack on the fitted log–log slopes (−1): the delta-method terms of order 1/M² steepen the
#: local slope by about CV²/M; with M >= 8·CV² (see _sample_sizes) that is <= 1/8 at the
#: smallest M and less along the fit, and 0.25 covers it (observed: slopes −0.99…−1.12 with
#: 20 000 runs on the default battery).
SLOPE_SLACK = 0.25
#: Below this CV² the estimator is exact to round-off (constant weights), and there is no bias
#: or variance to fit.
_CV2_DEGENERATE = 1e-10


def _sample_sizes(cv2: float, small_weight_mass: float) -> np.ndarray:
    """M = M₀·(1, 2, 4, 8): the 1/M regime of the delta method.

    M₀ is the power of 2 >= 8·max(CV², 2) (second-order terms <= 1/8 of the first) and >=
    log(10⁻⁶)/log(small_weight_mass) (all M weights near 0, which the delta method ignores, has
    probability <= 10⁻⁶).
    """
    need = 8 * max(cv2, 2.0)
    if small_weight_mass > 0:
        need = max(need, np.log(1e-6) / np.log(small_weight_mass))
    return 2 ** int(np.ceil(np.log2(need))) * 2 ** np.arange(4)


def _wls_slope(x: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares slope of y on x (weights 1/se²) and its standard error."""
    w = 1.0 / se**2
    xc = x - np.sum(w * x) / np.sum(w)
    sxx = np.sum(w * xc**2)
    return float(np.sum(w * xc * y) / sxx), float(1.0 / np.sqrt(sxx))


def _in_widths(deviation: float, half_width: float, *, signed: bool = False) -> float:
    """deviation/half_width (|·| unless ``signed``); a zero-width interval makes any deviation inf."""
    d = deviation if signed else abs(deviation)
    if half_width > 0:
        return d / half_width
    return 0.0 if d <= 0 else np.inf


def check_importance_sampled_value(
    instance: ImportanceSamplingInstance,
    *,
    seed: int = 0,
    n_runs: int = 20_000,
    estimator: Callable = importance_sampled_soft_value,
    level: float = LEVEL,
    tol: float | None = None,
) -> CheckResult:
    """E1 on one instance: unbiased inner mean, V̂ biased low, bias and variance ∝ 1/M.

    V̂ = τ log (1/M) Σ_j exp(Q(a_j)/τ)/q(a_j) (Haarnoja et al. 2017, eq. (10)), R = ``n_runs``
    independent estimates for each M in M₀·(1, 2, 4, 8) (M₀ from :func:`_sample_sizes`: the
    asymptotic regime).
    Sub-measurements (intervals: 99 %, normal approximation (CLT) over the R runs, Bonferroni
    over the 4 sample sizes):
    - unbiased: |mean(exp((V̂ − V)/τ)) − 1| / half-width, worst M; allowed 1 (the interval
      contains the exact integral, normalised);
    - biased low: max over M of mean(V̂ − V)/half-width, allowed 1 (no M with a significantly
      positive bias); and, where R runs resolve it (predicted z-score of the bias √(CV²R/M)/2
      at least z + 3), the upper end of the interval of E[V̂] − V at the smallest M must be
      < 0 (allowed 0: the Jensen gap is detected);
    - 1/M: weighted least-squares slopes of log(−bias) (over the sample sizes where it is
      resolved, if two or more) and log Var(V̂) against log M
      (standard errors by the delta method: se(b̂)/|b̂|, and √((m₄/s⁴ − 1)/R) for log s²);
      measured = distance of −1 outside the slope's 99 % interval, allowed SLOPE_SLACK = 0.25
      (the model error of the 1/M law at finite M, see SLOPE_SLACK).
    With CV² ≈ 0 (constant weights) V̂ is exact: max |V̂ − V| against 64·eps·(1 + |V|)·log M.

    Args:
      instance: what to estimate.
      seed: seeds the draws.
      n_runs: R estimates per sample size (vectorised).
      estimator: ``estimator(q [.., M], log_q [.., M], tau) -> [..]`` under test.
      level: confidence level of every interval (default 99 %; property tests over many
        instances use a higher one, so that chance rejections stay rare across them).
      tol: replaces the allowance of every sub-measurement when given.
    Returns:
      CheckResult of the worst sub-measurement; ``details`` has every M's bias with its interval,
      the variances, the two slopes with their intervals, and the delta-method predictions.
    """
    tau, v, cv2 = instance.tau, instance.value, instance.cv2
    rng = np.random.default_rng(seed)
    sizes = _sample_sizes(cv2, instance.small_weight_mass)
    z = _z(level, len(sizes))
    rows = []
    for m in sizes:
        qa, log_q = instance.draw(rng, (n_runs, int(m)))
        v_hat = estimator(qa, log_q, tau)
        ratio = np.exp((v_hat - v) / tau)
        centred = v_hat - v_hat.mean()
        var = float(np.mean(centred**2)) * n_runs / (n_runs - 1)
        m4 = float(np.mean(centred**4))
        rows.append(
            {
                "M": int(m),
                "inner_mean_ratio": float(ratio.mean()),
                "inner_half_width": z * float(ratio.std(ddof=1)) / np.sqrt(n_runs),
                "bias": float(v_hat.mean() - v),
                "bias_half_width": z * np.sqrt(var / n_runs),
                "variance": var,
                "se_log_variance": float(np.sqrt(max(m4 / var**2 - 1.0, 0.0) / n_runs)) if var > 0 else 0.0,
                "max_abs_error": float(np.abs(v_hat - v).max()),
            }
        )
    details = {
        "instance": f"{instance.name}, tau={tau:g}",
        "exact_value": v,
        "cv2": cv2,
        "runs": n_runs,
        "interval": f"{level:.2%} normal (CLT), Bonferroni over {len(sizes)} sample sizes",
        "per_M": rows,
        "predicted_bias_times_M": -tau * cv2 / 2,
        "predicted_variance_times_M": tau**2 * cv2,
    }
    allowed = (lambda a: a) if tol is None else (lambda a: tol)
    cases: dict[str, tuple[float, float]] = {}
    if cv2 < _CV2_DEGENERATE:
        exact_tol = 64 * np.finfo(float).eps * (1 + abs(v)) * np.log2(2 * sizes[-1])
        cases["constant weights: V̂ = V exactly"] = (max(r["max_abs_error"] for r in rows), allowed(exact_tol))
        return E1.worst_of(cases, details)

    cases["unbiased: |mean exp((V̂−V)/τ) − 1|/half-width"] = (
        max(_in_widths(r["inner_mean_ratio"] - 1.0, r["inner_half_width"]) for r in rows),
        allowed(1.0),
    )
    cases["biased low: max_M bias/half-width"] = (
        max(_in_widths(r["bias"], r["bias_half_width"], signed=True) for r in rows),
        allowed(1.0),
    )
    # Predicted z-score of the bias at M: (τCV²/2M)/√(τ²CV²/(MR)) = √(CV²R/M)/2. A bias too
    # small for R runs to resolve is not tested for its sign or slope (details say so).
    resolved = [float(np.sqrt(cv2 * n_runs / r["M"]) / 2) >= z + 3 for r in rows]
    details["bias_resolved_at_M"] = [r["M"] for r, ok in zip(rows, resolved, strict=True) if ok]
    if resolved[0]:
        cases["biased low: upper CI end of bias at smallest M"] = (
            max(rows[0]["bias"] + rows[0]["bias_half_width"], 0.0),
            allowed(0.0),
        )
    log_m = np.log(sizes)
    bias = np.array([r["bias"] for r in rows])
    slopes = {}
    n_fit = resolved.index(False) if False in resolved else len(rows)  # the resolved prefix
    if n_fit >= 2:
        if np.all(bias[:n_fit] < 0):
            se = np.array([r["bias_half_width"] / z for r in rows[:n_fit]]) / -bias[:n_fit]
            slopes["bias"] = _wls_slope(log_m[:n_fit], np.log(-bias[:n_fit]), se)
        else:
            cases["1/M: bias negative at every resolved M (to fit log(−bias))"] = (
                float(np.sum(bias[:n_fit] >= 0)),
                allowed(0.0),
            )
    var = np.array([r["variance"] for r in rows])
    se_var = np.array([r["se_log_variance"] for r in rows])
    if np.all(var > 0) and np.all(se_var > 0):
        slopes["variance"] = _wls_slope(log_m, np.log(var), se_var)
    else:
        cases["1/M: variance positive at every M"] = (float(np.sum(var <= 0)), allowed(0.0))
    z1 = _z(level)
    for name, (slope, se) in slopes.items():
        cases[f"1/M: {name} slope, distance of −1 outside CI"] = (
            max(abs(slope + 1.0) - z1 * se, 0.0),
            allowed(SLOPE_SLACK),
        )
    details["slopes"] = {k: {"slope": s, "ci": (s - z1 * e, s + z1 * e)} for k, (s, e) in slopes.items()}
    fitted = "; ".join(f"{k} {s:.3f} [{s - z1 * e:.2f}, {s + z1 * e:.2f}]" for k, (s, e) in slopes.items())
    details["summary"] = (
        f"{details['instance']}: E[exp(V̂/τ)]/∫exp(Q/τ) = {rows[0]['inner_mean_ratio']:.4f} "
        f"± {rows[0]['inner_half_width']:.2g} at M={rows[0]['M']}, bias {rows[0]['bias']:.3g}; "
        f"log–log slopes ({level:.0%}): {fitted or 'bias unresolved'}"
    )
    return E1.worst_of(cases, details)


def _is_instances(seed: int, size: str) -> list[ImportanceSamplingInstance]:
    """Discrete (uniform and non-uniform proposals) and continuous (1-D box, 1-D Gaussian
    proposal on ℝ, the 2-D multi-goal one-step reward) soft values."""
    rng = np.random.default_rng(seed)
    out = []
    n_discrete = {"quick": 2, "default": 4, "full": 8}[size]
    for i in range(n_discrete):
        k = 3 + i
        q = rng.normal(size=k) * (1 + i)
        p = np.full(k, 1.0 / k) if i % 2 == 0 else 0.5 * rng.dirichlet(np.ones(k)) + 0.5 / k
        tau = (0.5, 1.0, 3.0)[i % 3]
        kind = "uniform" if i % 2 == 0 else "non-uniform"
        out.append(discrete_instance(q, p, tau, name=f"discrete K={k}, {kind} proposal"))
    out.append(
        continuous_instance(
            lambda a: 2 * np.sin(3 * a[..., 0]) + a[..., 0],
            lambda rng, shape: rng.uniform(-1, 1, size=(*shape, 1)),
            lambda a: np.full(a.shape[:-1], -np.log(2.0)),
            [(-1, 1)],
            1.0,
            "1-D Q on [-1,1], uniform proposal",
        )
    )
    if size != "quick":
        sd = 1.5
        out.append(
            continuous_instance(
                lambda a: -((a[..., 0] - 0.5) ** 2) + 0.5 * np.cos(4 * a[..., 0]),
                lambda rng, shape: sd * rng.standard_normal((*shape, 1)),
                lambda a: stats.norm.logpdf(a[..., 0], scale=sd),
                [(-12, 12)],
                0.5,
                "1-D Q on R, Gaussian proposal N(0, 1.5²)",
            )
        )
        # Multi-goal one-step reward at x = 0 (theory-notes 1.7): r = −31‖a‖² − 25 + 10‖a‖∞,
        # α = 10, a uniform on [−1, 1]² as in the reference code.
        out.append(
            continuous_instance(
                lambda a: -31 * (a**2).sum(-1) - 25 + 10 * np.abs(a).max(-1),
                lambda rng, shape: rng.uniform(-1, 1, size=(*shape, 2)),
                lambda a: np.full(a.shape[:-1], -np.log(4.0)),
                [(-1, 1), (-1, 1)],
                10.0,
                "multi-goal one-step reward, uniform on [-1,1]²",
            )
        )
    return out


@register(E1)
def battery_importance_sampled_value(*, seed: int, size: str) -> CheckResult:
    """E1 over discrete and continuous instances (quick: 4 000 runs per M; else 20 000)."""
    runs = {"quick": 4_000, "default": 20_000, "full": 100_000}[size]
    return fold(
        E1,
        (
            check_importance_sampled_value(inst, seed=seed + i, n_runs=runs)
            for i, inst in enumerate(_is_instances(seed, size))
        ),
    )


def _pick(size: str, quick, default, full):
    """The value for ``size`` in {"quick", "default", "full"}."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    return {"quick": quick, "default": default, "full": full}[size]


# ---------------------------------------------------------------------------------------------
# E2: sampled soft Q-learning reaches Q*
# ---------------------------------------------------------------------------------------------
E2 = Claim(
    "E2",
    "tabular soft Q-learning on sampled transitions (replay, minibatch targets r + γV̄(s'), "
    "target refreshed every update_interval) → Q*_τ",
    "seed deck, 'Algorithm: Soft Q-learning' (Algorithm 1); Haarnoja et al. 2017, Alg. 1 and Thm 3",
)

#: Stated error of E2: ‖Q_K − Q*‖∞ <= 0.1·(1 + ‖V*‖∞) after K updates, in every run. It bounds
#: the statistical error that K minibatch updates leave; observed 0.002–0.056 of (1 + ‖V*‖)
#: on the battery's instances with 8 runs (the slippery gridworld's goal-entry rewards are the
#: noisiest targets; a 4x4 one reaches 0.095 and would need more updates). A hard-max target
#: converges to Q*_0, which differs from Q*_τ by up to τ log A/(1 − γ).
E2_RELATIVE_ERROR = 0.1


def check_sampled_soft_q_learning(
    mdp: FiniteMDP,
    tau: float,
    *,
    seed: int = 0,
    n_runs: int = 8,
    n_updates: int = 1_000,
    value_samples: int | None = None,
    learner: Callable = soft_q_learning,
    tol: float | None = None,
) -> CheckResult:
    """E2 on one instance: the worst final error ‖Q_K − Q*‖∞ over R independent runs.

    Soft Q-learning as in Algorithm 1 of the slides (theory.soft_q.soft_q_learning: replay
    buffer growing by S·A uniform transitions per update, minibatches of 128, target table
    refreshed every 10 updates, K = ``n_updates``), against Q*_τ of soft policy iteration
    (certified to 1e-10·(1 + ‖V‖)). Stated error: ε = 0.1·(1 + ‖V*‖∞) (see
    E2_RELATIVE_ERROR) plus the certified error of Q*; with M sampled actions in the target
    (uniform proposal, E1) plus the Jensen bias that the fixed point inherits,
    γ/(1 − γ)·τ(A − 1)/M: the delta-method bias τCV²/(2M) per backup with CV² <= A − 1 for a
    uniform proposal, doubled for the higher-order terms.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      seed: seeds the learner.
      n_runs: R independent runs (vectorised inside the learner).
      n_updates: minibatch updates K.
      value_samples: M sampled actions for the target's soft value, or None (exact sum).
      learner: the algorithm under test, with the signature of ``soft_q_learning``.
      tol: replaces the stated error when given.
    Returns:
      CheckResult: measured = max over runs of ‖Q_K − Q*‖∞; ``details["error_curve"]`` lists
      (updates, max over runs, mean over runs) of ‖Q_k − Q*‖∞.
    """
    scale = 1 + value_scale(mdp, tau)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        star = soft_policy_iteration(mdp, tau, tol=1e-10 * scale)
    res = learner(
        mdp,
        tau,
        seed=seed,
        n_runs=n_runs,
        n_updates=n_updates,
        batch_size=128,
        update_interval=10,
        learning_rate=0.7,
        value_samples=value_samples,
    )
    errors = np.abs(res.q_history - star.q).max(axis=(2, 3))  # [C, R]
    allowed = E2_RELATIVE_ERROR * (1 + np.abs(star.v).max()) + star.error_bound
    if value_samples is not None:
        allowed += mdp.gamma / (1 - mdp.gamma) * tau * (mdp.n_actions - 1) / value_samples
    curve = [(int(k), float(e.max()), float(e.mean())) for k, e in zip(res.checkpoints, errors, strict=True)]
    target = "exact soft value" if value_samples is None else f"IS soft value, M={value_samples}"
    return E2.result(
        measured=errors[-1].max(),
        tolerance=allowed if tol is None else tol,
        details={
            "instance": f"{mdp.name}, tau={tau:g}, {target}",
            "runs": n_runs,
            "updates": n_updates,
            "final_error_per_run": errors[-1].tolist(),
            "error_curve": curve,
            "v_star_sup": float(np.abs(star.v).max()),
            "summary": (
                f"{mdp.name}, tau={tau:g}, {target}: max over {n_runs} runs of ‖Q − Q*‖∞ after "
                f"{n_updates} updates = {errors[-1].max():.3g} (from {errors[0].max():.3g}), "
                f"allowed {allowed:.3g}"
            ),
        },
    )


def _q_learning_mdps(seed: int) -> list[FiniteMDP]:
    """A slippery gridworld (terminal goal) and a random Garnet MDP, both with γ = 0.9."""
    return [gridworld(3, 3, gamma=0.9, slip=0.1), garnet(10, 3, 3, gamma=0.9, seed=seed)]


@register(E2)
def battery_sampled_soft_q_learning(*, seed: int, size: str) -> CheckResult:
    """E2 on a gridworld and a Garnet; default and full add τ = 0.2 and sampled-action targets."""
    taus = _pick(size, (1.0,), (0.2, 1.0), (0.2, 1.0, 3.0))
    samples = _pick(size, (None,), (None, 16), (None, 16, 64))
    runs = _pick(size, 4, 8, 16)
    cases = [(m, t, s) for m in _q_learning_mdps(seed) for t in taus for s in samples]
    return fold(
        E2,
        (
            check_sampled_soft_q_learning(m, t, seed=seed + i, n_runs=runs, value_samples=s)
            for i, (m, t, s) in enumerate(cases)
        ),
    )


# ---------------------------------------------------------------------------------------------
# E3: Stein variational policy update samples the Boltzmann density
# ---------------------------------------------------------------------------------------------
E3 = Claim(
    "E3",
    "particles moved by Δf(·) = E_a[κ(a,·)∇_a Q(a) + τ∇_a κ(a,·)] (and the amortised a = f^φ(ξ)) "
    "sample ∝ exp(Q(a)/τ)",
    "seed deck, 'Algorithm: Soft Q-learning' (steps ①–⑤); Haarnoja et al. 2017, eqs. (12)–(14)",
)


@dataclass(frozen=True)
class BoltzmannMixture:
    """Q(a) = τ log Σ_k w_k N(a; μ_k, σ²I): the Boltzmann density exp(Q/τ) is the mixture itself.

    So its CDF (1-D), exact samples, mode masses and the MMD to it are all available exactly.

    Attributes:
      name: label.
      tau: temperature τ > 0.
      weights: ``[K]`` mixture weights (sum 1).
      means: ``[K, d]`` mode centres.
      sd: σ, the common width of the modes.
    """

    name: str
    tau: float
    weights: np.ndarray
    means: np.ndarray
    sd: float

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def _responsibilities(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(a − μ_k ``[N, K, d]``, posterior weights of the modes ``[N, K]``)."""
        diff = a[:, None, :] - self.means
        log_c = np.log(self.weights) - (diff**2).sum(-1) / (2 * self.sd**2)
        return diff, np.exp(log_c - logsumexp(log_c, axis=1, keepdims=True))

    def grad_q(self, a) -> np.ndarray:
        """∇_a Q = τ Σ_k r_k(a)·(μ_k − a)/σ² ``[N, d]``."""
        diff, resp = self._responsibilities(np.asarray(a, dtype=np.float64))
        return -self.tau * np.einsum("nk,nkd->nd", resp, diff) / self.sd**2

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Exact samples ``[*shape, d]``."""
        k = rng.choice(self.weights.size, size=shape, p=self.weights)
        return self.means[k] + self.sd * rng.standard_normal((*np.shape(k), self.dim))

    def cdf(self, x) -> np.ndarray:
        """The exact CDF (1-D only) at x ``[N]``."""
        return stats.norm.cdf(np.asarray(x)[:, None], self.means[:, 0], self.sd) @ self.weights

    def nearest_mode(self, a) -> np.ndarray:
        """Index of the nearest centre (the mode's Voronoi cell) ``[N]``."""
        return ((np.asarray(a)[:, None, :] - self.means) ** 2).sum(-1).argmin(axis=1)

    def mode_masses(self) -> np.ndarray:
        """Exact probability of each mode's Voronoi cell ``[K]`` (tensor Gauss–Legendre rule,
        200 nodes per axis on μ ± 8σ, error far below 1e-6 for these smooth-but-for-the-cell
        integrands; accurate to the 1/N bands it is compared with)."""
        lo, hi = self.means.min() - 8 * self.sd, self.means.max() + 8 * self.sd
        nodes, w = np.polynomial.legendre.leggauss(200)
        x = 0.5 * (hi - lo) * nodes + 0.5 * (hi + lo)
        w = 0.5 * (hi - lo) * w
        grid = np.stack(np.meshgrid(*[x] * self.dim, indexing="ij"), -1).reshape(-1, self.dim)
        weight = np.prod(np.stack(np.meshgrid(*[w] * self.dim, indexing="ij"), -1).reshape(-1, self.dim), 1)
        dens = np.exp(self._log_density(grid)) * weight
        return np.bincount(self.nearest_mode(grid), weights=dens, minlength=self.weights.size)

    def _log_density(self, a: np.ndarray) -> np.ndarray:
        d2 = ((a[:, None, :] - self.means) ** 2).sum(-1)
        log_norm = -0.5 * self.dim * np.log(2 * np.pi * self.sd**2)
        return logsumexp(np.log(self.weights) - d2 / (2 * self.sd**2), axis=1) + log_norm

    def mmd2(self, x, length: float) -> np.ndarray:
        """MMD² between the empirical measure of x ``[..., N, d]`` and this density, exactly.

        Gaussian kernel k(x, y) = exp(−‖x − y‖²/(2ℓ²)); V-statistic
        (1/N²)Σ k(x_i, x_j) − (2/N)Σ_i E k(x_i, Y) + E k(Y, Y'), the expectations in closed form
        (Gaussian convolutions): E k(x, Y) = Σ_k w_k c₁ exp(−‖x − μ_k‖²/(2(ℓ² + σ²))),
        c₁ = (ℓ²/(ℓ² + σ²))^{d/2}; E k(Y, Y') likewise with 2σ².
        """
        x = np.asarray(x, dtype=np.float64)
        d, l2, s2 = self.dim, length**2, self.sd**2
        xx = np.exp(-((x[..., :, None, :] - x[..., None, :, :]) ** 2).sum(-1) / (2 * l2)).mean((-1, -2))
        to_mu = ((x[..., :, None, :] - self.means) ** 2).sum(-1)
        xy = ((l2 / (l2 + s2)) ** (d / 2) * np.exp(-to_mu / (2 * (l2 + s2))) @ self.weights).mean(-1)
        mu_mu = ((self.means[:, None, :] - self.means[None]) ** 2).sum(-1)
        yy = (
            self.weights
            @ ((l2 / (l2 + 2 * s2)) ** (d / 2) * np.exp(-mu_mu / (2 * (l2 + 2 * s2))))
            @ self.weights
        )
        return xx - 2 * xy + yy


#: Draws of exact (i.i.d.) samples that build the MMD's null distribution.
_NULL_DRAWS = 200


def _boltzmann_fit(target: BoltzmannMixture, a: np.ndarray, rng: np.random.Generator, tol) -> dict:
    """Goodness-of-fit comparisons (measured, allowed) of the points a ``[N, d]`` to the target.

    Thresholds are those an i.i.d. sample of the same size N passes with probability 99 %:
    - 1-D: Kolmogorov–Smirnov distance to the exact CDF against the exact 99 % quantile of its
      i.i.d. distribution (scipy.stats.kstwo);
    - 2-D: MMD² to the exact density (kernel width ℓ = σ, the modes' width, so that both the
      mode masses and each mode's shape count) against the 99 % quantile of MMD²
      over 200 exact i.i.d. samples of size N (Monte Carlo null);
    - every dimension: each mode's share of the points (nearest centre) against its exact
      Voronoi mass m_k, |share − m_k| / (z·√(m_k(1 − m_k)/N)) <= 1, z the 99 % two-sided normal
      quantile Bonferroni-corrected over the K modes (binomial band).
    SVGD particles are not i.i.d. (deterministic given the start, and repelling); the
    thresholds say "at least as close to the target as 99 % of i.i.d. samples of that size".
    """
    n = a.shape[0]
    out = {}
    allowed = (lambda v: v) if tol is None else (lambda v: tol)
    if target.dim == 1:
        f = target.cdf(np.sort(a[:, 0]))
        i = np.arange(1, n + 1)
        ks = max(float(np.max(i / n - f)), float(np.max(f - (i - 1) / n)))
        out["KS distance to exact CDF"] = (ks, allowed(float(stats.kstwo.ppf(LEVEL, n))))
    else:
        length = target.sd
        null = target.mmd2(target.sample(rng, (_NULL_DRAWS, n)), length)
        out["MMD² to exact density"] = (
            float(target.mmd2(a, length)),
            allowed(float(np.quantile(null, LEVEL))),
        )
    masses = target.mode_masses()
    share = np.bincount(target.nearest_mode(a), minlength=masses.size) / n
    band = _z(LEVEL, masses.size) * np.sqrt(masses * (1 - masses) / n)
    out["mode masses: max |share − m_k|/band"] = (float(np.max(np.abs(share - masses) / band)), allowed(1.0))
    statistics = ", ".join(f"{k} {m:.3g} (allowed {a:.3g})" for k, (m, a) in out.items())
    shares = ", ".join(f"{x:.2f}/{y:.2f}" for x, y in zip(share, masses, strict=True))
    return {
        "comparisons": out,
        "mode_shares": share.tolist(),
        "exact_mode_masses": masses.tolist(),
        "summary": f"{statistics}; mode shares/exact {shares}",
    }


def _initial_spread(target: BoltzmannMixture) -> float:
    """Scale of the starting cloud: the farthest mode from the centroid, or σ if larger."""
    centre = target.means.mean(0)
    return max(target.sd, float(np.sqrt(((target.means - centre) ** 2).sum(-1)).max()))


def check_svgd_boltzmann(
    target: BoltzmannMixture,
    *,
    seed: int = 0,
    n_particles: int = 100,
    n_steps: int = 400,
    direction: Callable = svgd_direction,
    tol: float | None = None,
) -> CheckResult:
    """E3 (particles) on one target: SVGD particles against the exact Boltzmann density.

    N particles start from N(centroid, s²I) (s: :func:`_initial_spread`) and take ``n_steps``
    steps a ← a + ε Δf(a) with ε = 0.2σ²/τ (Δf = τ × Liu–Wang's direction, and the modes
    have curvature 1/σ², so each step moves a particle by at most about a fifth of the
    distance to its mode). Then :func:`_boltzmann_fit` (KS or MMD², and the mode masses).

    Args:
      target: the Boltzmann density.
      seed: seeds the start and the MMD null samples.
      n_particles: N.
      n_steps: SVGD iterations.
      direction: the Stein direction under test, ``direction(a, grad, tau) -> [N, d]``.
      tol: replaces every threshold when given.
    Returns:
      CheckResult of the comparison with the worst ratio.
    """
    rng = np.random.default_rng(seed)
    start = target.means.mean(0) + _initial_spread(target) * rng.standard_normal((n_particles, target.dim))
    a = svgd(
        target.grad_q,
        start,
        target.tau,
        step_size=0.2 * target.sd**2 / target.tau,
        n_steps=n_steps,
        direction=direction,
    )
    fit = _boltzmann_fit(target, a, rng, tol)
    instance = f"SVGD particles, {target.name}, tau={target.tau:g}"
    fit["summary"] = f"{instance}: {fit['summary']}"
    return E3.worst_of(fit.pop("comparisons"), {"instance": instance, "particles": n_particles, **fit})


def check_amortised_sampler(
    target: BoltzmannMixture,
    *,
    seed: int = 0,
    n_steps: int = 1_000,
    n_test: int = 200,
    hidden: int = 16,
    direction: Callable = svgd_direction,
    tol: float | None = None,
) -> CheckResult:
    """E3 (amortised) on one target: a trained sampler a = f^φ(ξ) against the exact density.

    theory.soft_q.amortised_svgd trains the tiny MLP sampler (``hidden`` tanh units, linear
    skip) for ``n_steps`` Adam steps (learning rate 0.01 decaying to 0.001, 128 ξ per step, the
    network's output centred and scaled by the target's centroid and spread); then ``n_test``
    fresh draws a = f^φ(ξ) (i.i.d. given φ) are tested by :func:`_boltzmann_fit`. Here the
    i.i.d. thresholds are exact goodness-of-fit tests at level 1 % for each statistic, at the
    resolution of ``n_test`` draws: the trained sampler is close, not exact (with 4 000 draws
    its KS distance is 0.01–0.04 in 1-D and its MMD² about 1e-3 in 2-D, against about 1e-4 for
    an exact sample), so far larger ``n_test`` would, rightly, resolve the difference.

    Args:
      target: the Boltzmann density.
      seed: seeds the initial weights, the training noise and the test draws.
      n_steps: Adam steps.
      n_test: fresh samples tested.
      hidden: hidden units H.
      direction: the Stein direction under test.
      tol: replaces every threshold when given.
    Returns:
      CheckResult of the comparison with the worst ratio.
    """
    rng = np.random.default_rng(seed)
    centre, spread = target.means.mean(0), _initial_spread(target)
    init = MLPSampler.init(target.dim, hidden, rng)
    # a = centre + spread·g(ξ): train g against the standardised target (gradients rescale by
    # the chain rule), so one learning rate suits every target.
    sampler = amortised_svgd(
        lambda u: spread * target.grad_q(centre + spread * u),
        init,
        target.tau,
        seed=seed,
        n_steps=n_steps,
        batch_size=128,
        learning_rate=0.01,
        direction=direction,
    )
    a = centre + spread * sampler(rng.standard_normal((n_test, target.dim)))
    fit = _boltzmann_fit(target, a, rng, tol)
    instance = f"amortised sampler, {target.name}, tau={target.tau:g}"
    fit["summary"] = f"{instance}: {fit['summary']}"
    return E3.worst_of(fit.pop("comparisons"), {"instance": instance, "test_draws": n_test, **fit})


def _boltzmann_targets() -> list[BoltzmannMixture]:
    """1-D: two overlapping modes; 2-D: four bumps of unequal weight (0.4, 0.3, 0.2, 0.1)."""
    return [
        BoltzmannMixture("1-D two modes", 0.5, np.array([0.35, 0.65]), np.array([[-1.0], [1.0]]), 0.55),
        BoltzmannMixture(
            "2-D four bumps",
            1.0,
            np.array([0.4, 0.3, 0.2, 0.1]),
            1.5 * np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]),
            0.6,
        ),
    ]


@register(E3)
def battery_svgd_boltzmann(*, seed: int, size: str) -> CheckResult:
    """E3: SVGD particles and the amortised sampler on the 1-D and the 2-D target."""
    n_particles = _pick(size, 100, 200, 400)
    amortised_steps = _pick(size, 1_000, 1_500, 3_000)
    targets = _boltzmann_targets()
    particle_results = [
        check_svgd_boltzmann(t, seed=seed + i, n_particles=n_particles) for i, t in enumerate(targets)
    ]
    amortised_results = [
        check_amortised_sampler(t, seed=seed + i, n_steps=amortised_steps) for i, t in enumerate(targets)
    ]
    return fold(E3, particle_results + amortised_results)
