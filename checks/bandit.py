"""Claims F (slides "Algorithm: Maximum entropy monte-carlo planning"): E2W and the softmax bandit.

F1: E2W samples from π_t = (1 − λ_t) f_τ(q̂) + λ_t/|A|, λ_t = min(1, ε|A|/log(t + 1)), and its
empirical shares converge to f_τ(r).
F2: t·E_t → (σ²/τ²)(Σ_a exp(r(a)/τ))² for E_t = E[(Û_t − U)²], Û_t = Σ_a exp(r̂_t(a)/τ).

Both are checked on Gaussian bandits simulated by :func:`theory.bandit.simulate` (every run first
pulls each arm once, then follows the allocation). Exact sub-statements (the formula of π_t and
its λ schedule) keep a round-off tolerance, 64·eps·K. Statistical sub-statements are Monte Carlo
over R independent runs with CLT confidence intervals on per-run quantities (mean ± z·sd/√R):
every interval printed is 99 %; a decision over m comparisons of one instance uses the
Bonferroni level 1 − 0.01/m, so an instance fails by chance with probability <= 1 %.

Choice of bandits (F2): E2W's exploration λ_t = ε|A|/log(t + 1) decays only logarithmically, so
with ε = 0.1 its realised shares at t = 10³…10⁵ still hold a few per cent of uniform
exploration; the delta-method constant is quadratic in the share error near f_τ(r), so this moves
t·E_t by well under the Monte Carlo error. Arm spreads r/τ of 1–2 keep f_τ(r) far enough from
uniform that uniform sampling's constant is 21–53 % larger (visible with a few thousand runs),
and every arm's expected count large enough (N >= 20 at the first checkpoint) that the
next-order terms of the delta method are a few per cent.
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax
from scipy.stats import norm

from checks.base import EPS, CheckResult, Claim, fold, register
from theory.bandit import (
    delta_method_constant,
    e2w_distribution,
    e2w_exploration,
    e2w_limit,
    exp_sum,
    exp_sum_estimate,
    gaussian_mse_given_counts,
    simulate,
    uniform_limit,
)
from theory.softmax import soft_indmax

__all__ = ["F1", "F2", "BANDITS", "check_e2w_sampling", "check_error_rate"]

#: Confidence level of every interval reported.
LEVEL = 0.99
#: E2W's exploration parameter in every experiment (see the module docstring).
EPSILON = 0.1

#: The bandits of the batteries: name -> (arm means r, τ, σ). K = 2, 3, 4, 10.
BANDITS = {
    "K=2": (np.array([0.0, 1.0]), 1.0, 2.0),
    "K=3": (np.array([0.0, 0.5, 1.0]), 0.5, 0.5),
    "K=4": (np.array([0.2, 0.5, 0.8, 0.1]), 0.5, 1.0),
    "K=10": (np.linspace(0.0, 1.0, 10), 0.5, 0.5),
}
#: size -> (bandit names, runs, checkpoints) for F2; F1 uses fewer runs (shares concentrate).
_F2_PLAN = {
    "quick": (("K=2", "K=3"), 3000, (250, 500, 1000)),
    "default": (tuple(BANDITS), 4000, (1000, 3000, 10000)),
    "full": (tuple(BANDITS), 4000, (1000, 10000, 100000)),
}
_F1_PLAN = {
    "quick": (("K=3", "K=4"), 300, (500, 2000)),
    "default": (tuple(BANDITS), 500, (1000, 10000)),
    "full": (tuple(BANDITS), 1000, (1000, 10000, 100000)),
}


def _check_size(size: str) -> None:
    if size not in _F2_PLAN:
        raise ValueError(f"size must be one of {tuple(_F2_PLAN)}, got {size!r}")


def _z(level: float) -> float:
    """Two-sided normal quantile: a CLT interval mean ± z·se covers with probability ``level``."""
    return float(norm.ppf(0.5 + level / 2))


def _mean_ci(samples: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(mean, standard error sd/√R) along ``axis``: the CLT ingredients of every interval."""
    n = samples.shape[axis]
    return samples.mean(axis=axis), samples.std(axis=axis, ddof=1) / np.sqrt(n)


def _instance(r, tau, sigma) -> str:
    return f"r={np.round(r, 3).tolist()}, tau={tau:g}, sigma={sigma:g}"


def _exploration_average(n_actions: int, t: int, epsilon: float) -> float:
    """λ̄_t = (1/t)(K + Σ_{s=K}^{t−1} λ_s): the uniform mass of E2W's expected shares at t.

    The first K pulls are the forced round (λ = 1); pull s + 1 mixes in λ_s.
    """
    steps = np.arange(n_actions, t)
    return float((n_actions + e2w_exploration(steps, n_actions, epsilon).sum()) / t)


def _e2w_sampler(distribution, tau: float, epsilon: float):
    """The allocation of :func:`theory.bandit.simulate` drawing from ``distribution``."""

    def allocate(means, t):
        return distribution(means, t, tau, epsilon)

    return allocate


# ---------------------------------------------------------------------------------------------
# F1: the E2W sampling distribution
# ---------------------------------------------------------------------------------------------
F1 = Claim(
    "F1",
    "E2W samples π_t = (1 − λ_t) f_τ(q̂) + λ_t/|A|, λ_t = min(1, ε|A|/log(t + 1)); shares → f_τ(r)",
    "seed deck, 'Algorithm: Maximum entropy monte-carlo planning' (E2W); Xiao et al. 2019",
)

#: Pull counts t at which the formula is evaluated: λ clipped at 1 for the small ones.
_FORMULA_TIMES = np.array([0, 1, 2, 3, 5, 10, 30, 100, 1000, 10**5, 10**9])


def check_e2w_sampling(
    r,
    tau: float,
    sigma: float,
    *,
    epsilon: float = EPSILON,
    checkpoints=(500, 2000),
    n_runs: int = 300,
    seed: int = 0,
    distribution=e2w_distribution,
    tol: float | None = None,
) -> CheckResult:
    """F1 on one bandit: the formula of π_t, its λ schedule, and the shares of a simulation.

    π_t = (1 − λ_t) f_τ(q̂) + λ_t/|A|, λ_t = min(1, ε|A|/log(t + 1)) (seed deck, "Algorithm:
    Maximum entropy monte-carlo planning"; the clip as in the public implementations).
    - formula: ``distribution(q̂, t, τ, ε)`` against an independent reference (scipy's softmax,
      λ written out) for q̂ = r and 8 random q̂ (seeded) at t in {0, 1, 2, 3, 5, 10, 30, 100,
      10³, 10⁵, 10⁹}, all at once ``[T, 9, K]``; tolerance 64·eps·K (a softmax and a mix);
    - λ schedule: the λ implied by π on q̂ = r, λ̂ = (π(a) − f(a))/(1/K − f(a)) at the arm with
      the largest |1/K − f(a)|, against min(1, ε|A|/log(t + 1)); tolerance 64·eps·K/|1/K − f(a)|;
      and π must be a distribution (min π >= 0, |Σπ − 1| within 64·eps·K);
    - shares: R runs of E2W drawing from ``distribution``; at each checkpoint t the mean
      realised share N_t(a)/t of every arm must match E2W's expected shares
      s̄_t = (1 − λ̄_t) f_τ(r) + λ̄_t/K (λ̄_t the average λ over the pulls so far) within the
      CLT interval (Bonferroni over arms and checkpoints, family level 99 %) plus the
      second-order effect of the estimation noise on f_τ(q̂), (σ²/τ²)·log(t)/(t·min_a s̄_t(a));
      and the share error e_t = mean_runs max_a |N_t(a)/t − f_τ(r)(a)| must shrink: the upper
      99 % bound at the last checkpoint below the lower 99 % bound at the first.

    Args:
      r: ``[K]`` arm means; tau: τ > 0; sigma: noise σ > 0.
      epsilon: ε of E2W.
      checkpoints: increasing t (>= K) for the shares.
      n_runs: R, runs of the simulation.
      seed: seeds the random q̂ and the simulation.
      distribution: the sampler under test, ``distribution(q [..., K], t, tau, epsilon)``.
      tol: replaces every exact tolerance when given (the statistical ones stay).
    Returns:
      CheckResult of the worst sub-measurement; ``details`` has per-checkpoint mean shares,
      expected shares, the share error with its 99 % CI.
    """
    r = np.asarray(r, dtype=np.float64)
    k = r.size
    rng = np.random.default_rng(seed)
    roundoff = 64 * EPS * k if tol is None else tol
    cases: dict[str, tuple[float, float]] = {}

    q = np.concatenate([r[None], r + (1 + np.ptp(r)) * rng.normal(size=(8, k))])  # [9, K]
    t = _FORMULA_TIMES[:, None]  # [T, 1] against [9, K] -> [T, 9, K]
    # λ_0 = 1 (log 1 = 0); np.maximum keeps the unused branch of np.where finite.
    lam_ref = np.where(t > 0, np.minimum(1.0, epsilon * k / np.log(np.maximum(t, 1) + 1.0)), 1.0)
    reference = (1 - lam_ref[..., None]) * softmax(q / tau, axis=-1) + lam_ref[..., None] / k
    pi = np.asarray(distribution(np.broadcast_to(q, (t.size, *q.shape)), t, tau, epsilon))
    cases["formula: max |π − reference|"] = (float(np.abs(pi - reference).max()), roundoff)
    cases["distribution: max(−min π, |Σπ − 1|)"] = (
        float(max(-pi.min(), np.abs(pi.sum(-1) - 1).max())),
        roundoff,
    )

    f = soft_indmax(r, tau)
    arm = int(np.argmax(np.abs(1 / k - f)))
    gap = 1 / k - f[arm]
    implied = (pi[:, 0, arm] - f[arm]) / gap if gap != 0 else np.full(t.size, np.nan)
    lam_err = np.abs(implied - lam_ref[:, 0])
    cases["λ schedule: max |λ̂_t − min(1, ε|A|/log(t+1))|"] = (
        float(np.nanmax(lam_err)) if gap != 0 else 0.0,
        roundoff / abs(gap) if gap != 0 else roundoff,
    )

    marks = np.asarray(checkpoints)
    runs = simulate(r, sigma, _e2w_sampler(distribution, tau, epsilon), marks, n_runs=n_runs, seed=seed)
    shares = runs.counts / marks[:, None, None]  # [T, R, K]
    mean_share, se_share = _mean_ci(shares, axis=1)  # [T, K]
    lam_bar = np.array([_exploration_average(k, int(m), epsilon) for m in marks])
    expected = (1 - lam_bar[:, None]) * f + lam_bar[:, None] / k
    z_family = _z(1 - (1 - LEVEL) / (marks.size * k))
    second_order = (sigma / tau) ** 2 * np.log(marks) / (marks * expected.min(axis=1))
    excess = np.abs(mean_share - expected) - z_family * se_share - second_order[:, None]
    cases["shares: |mean N/t − s̄_t| beyond CI + 2nd order"] = (float(excess.max()), 0.0)

    err = np.abs(shares - f).max(axis=2)  # [T, R]
    err_mean, err_se = _mean_ci(err, axis=1)
    z = _z(LEVEL)
    cases["share error shrinks: upper(e_last) − lower(e_first)"] = (
        float((err_mean[-1] + z * err_se[-1]) - (err_mean[0] - z * err_se[0])),
        0.0,
    )
    return F1.worst_of(
        cases,
        {
            "instance": _instance(r, tau, sigma),
            "epsilon": epsilon,
            "runs": n_runs,
            "f_tau(r)": f.tolist(),
            "checkpoints": marks.tolist(),
            "mean_shares": mean_share.tolist(),
            "expected_shares": expected.tolist(),
            "share_error_99ci": [
                (float(m), float(m - z * s), float(m + z * s)) for m, s in zip(err_mean, err_se)
            ],
        },
    )


@register(F1)
def battery_e2w_sampling(*, seed: int, size: str) -> CheckResult:
    """F1 over the battery's bandits."""
    _check_size(size)
    names, n_runs, marks = _F1_PLAN[size]
    return fold(
        F1,
        (
            check_e2w_sampling(*BANDITS[n], checkpoints=marks, n_runs=n_runs, seed=seed + i)
            for i, n in enumerate(names)
        ),
    )


# ---------------------------------------------------------------------------------------------
# F2: the error rate t·E_t
# ---------------------------------------------------------------------------------------------
F2 = Claim(
    "F2",
    "lim t·E_t = (σ²/τ²)(Σ_a exp(r(a)/τ))², E_t = E[(Û_t − U)²], for E2W (optimal; uniform is worse)",
    "seed deck, 'Algorithm: Maximum entropy monte-carlo planning' (guarantee of E2W); Xiao et al. 2019",
)


def check_error_rate(
    r,
    tau: float,
    sigma: float,
    *,
    epsilon: float = EPSILON,
    checkpoints=(250, 500, 1000),
    n_runs: int = 3000,
    seed: int = 0,
    allocation=None,
    limit=e2w_limit,
) -> CheckResult:
    """F2 on one bandit: Monte Carlo t·E_t against the finite-t prediction and the limit.

    Per run, y = t·(Û_t − U)² at each checkpoint t; the estimate of t·E_t is the mean over R
    runs, with a 99 % CLT interval mean ± z·sd/√R (the y are squared near-Gaussian errors: finite
    variance, skewness ~2.8/√R in the mean). Three comparisons, the first two at the Bonferroni
    level over the T + 1 of them (family level 99 %):
    - tracks the finite-t delta-method prediction with the realised shares,
      P_t = mean_runs (σ²/τ²) Σ_a exp(2r(a)/τ)·t/N_t(a): |estimate − P_t| within the interval
      plus the size of the delta method's next-order terms, |G_t − P_t|, with G_t the exact
      Gaussian mean squared error given the realised counts (log-normal moments; it shrinks as
      1/t);
    - attains the limit L = ``limit(r, τ, σ)`` at the largest t: |estimate − L| within the
      interval plus the finite-t gap that E2W itself predicts, t·G(t·s̄_t) − L computed at the
      expected shares s̄_t = (1 − λ̄_t) f_τ(r) + λ̄_t/K; the gap shrinks to 0 as λ̄_t → 0 and 1/t
      → 0, so this band shrinks with t (uniform sampling, whose shares stay away from f_τ(r),
      fails here);
    - beats uniform: the upper 99 % bound at the largest t is below uniform sampling's constant
      (σ²/τ²)·K·Σ_a exp(2r(a)/τ), whenever f_τ(r) is not uniform.

    Args:
      r: ``[K]`` arm means; tau: τ > 0; sigma: noise σ > 0.
      epsilon: ε of E2W.
      checkpoints: increasing t (>= K).
      n_runs: R.
      seed: seeds the simulation.
      allocation: ``allocation(means [R, K], t) -> [R, K]``; None means E2W at (τ, ε).
      limit: the claimed constant ``limit(r, tau, sigma)`` (the slides' one by default).
    Returns:
      CheckResult: ``measured`` and ``tolerance`` of the worst comparison (in units of t·E_t);
      ``details`` has the table (t, estimate, 99 % CI, prediction, exact-given-counts), the
      limit, uniform's constant and a one-line summary at the largest t.
    """
    r = np.asarray(r, dtype=np.float64)
    k = r.size
    if allocation is None:
        allocation = _e2w_sampler(e2w_distribution, tau, epsilon)
    marks = np.asarray(checkpoints)
    runs = simulate(r, sigma, allocation, marks, n_runs=n_runs, seed=seed)
    scale = marks[:, None]
    y = scale * (exp_sum_estimate(runs.means, tau) - exp_sum(r, tau)) ** 2  # [T, R]
    estimate, se = _mean_ci(y, axis=1)
    prediction = delta_method_constant(r, tau, sigma, runs.counts / scale[..., None]).mean(axis=1)
    exact_given_counts = (scale * gaussian_mse_given_counts(r, tau, sigma, runs.counts)).mean(axis=1)

    claimed = float(limit(r, tau, sigma))
    uniform = uniform_limit(r, tau, sigma)
    optimum = e2w_limit(r, tau, sigma)
    f = soft_indmax(r, tau)
    t_last = int(marks[-1])
    lam_bar = _exploration_average(k, t_last, epsilon)
    expected_counts = t_last * ((1 - lam_bar) * f + lam_bar / k)
    finite_t_gap = abs(t_last * float(gaussian_mse_given_counts(r, tau, sigma, expected_counts)) - optimum)

    z99 = _z(LEVEL)
    z_family = _z(1 - (1 - LEVEL) / (marks.size + 1))
    cases: dict[str, tuple[float, float]] = {}
    for i, t in enumerate(marks):
        cases[f"tracks prediction, t={t}"] = (
            abs(estimate[i] - prediction[i]),
            z_family * se[i] + abs(exact_given_counts[i] - prediction[i]),
        )
    cases[f"attains limit, t={t_last}"] = (abs(estimate[-1] - claimed), z_family * se[-1] + finite_t_gap)
    if uniform > optimum * (1 + 1e-9):  # f_τ(r) not uniform: uniform sampling is strictly worse
        cases["beats uniform: upper 99 % bound − uniform constant"] = (
            float(estimate[-1] + z99 * se[-1] - uniform),
            0.0,
        )

    table = [
        {
            "t": int(t),
            "t*E_t": float(estimate[i]),
            "ci99": (float(estimate[i] - z99 * se[i]), float(estimate[i] + z99 * se[i])),
            "delta_prediction": float(prediction[i]),
            "exact_given_counts": float(exact_given_counts[i]),
        }
        for i, t in enumerate(marks)
    ]
    lo, hi = table[-1]["ci99"]
    return F2.worst_of(
        cases,
        {
            "instance": _instance(r, tau, sigma),
            "summary": (
                f"{_instance(r, tau, sigma)}: t·E_t at t={t_last}: {estimate[-1]:.4g} "
                f"[{lo:.4g}, {hi:.4g}] (99 % CLT) vs "
                f"limit {claimed:.4g}, prediction {prediction[-1]:.4g}, uniform {uniform:.4g}"
            ),
            "epsilon": epsilon,
            "runs": n_runs,
            "ci_method": "CLT on per-run t·(Û_t − U)², mean ± z·sd/√R; decisions Bonferroni over T + 1",
            "table": table,
            "limit": claimed,
            "optimal_constant": optimum,
            "uniform_constant": uniform,
            "finite_t_gap_at_expected_shares": finite_t_gap,
        },
    )


@register(F2)
def battery_error_rate(*, seed: int, size: str) -> CheckResult:
    """F2 over the battery's bandits (K = 2 … 10)."""
    _check_size(size)
    names, n_runs, marks = _F2_PLAN[size]
    results = [
        check_error_rate(*BANDITS[n], checkpoints=marks, n_runs=n_runs, seed=seed + i)
        for i, n in enumerate(names)
    ]
    return fold(F2, results)  # each bandit's interval line goes to details["report"]
