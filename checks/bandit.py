"""Claims F (slides "Algorithm: Maximum entropy monte-carlo planning"): E2W and the softmax bandit.

F1: E2W samples from π_t = (1 − λ_t) f_τ(q̂) + λ_t/|A|, λ_t = min(1, ε|A|/log(t + 1)), and its
empirical shares converge to f_τ(r).
F2: t·E_t → (σ²/τ²)(Σ_a exp(r(a)/τ))² for E_t = E[(Û_t − U)²], Û_t = Σ_a exp(r̂_t(a)/τ).

Both are checked on Gaussian bandits simulated by :func:`theory.bandit.simulate` (every run first
pulls each arm once, then follows the allocation). Exact sub-statements (the formula of π_t and
its λ schedule; F2's constants and finite-t formula in theory.bandit against the independent
ones here) keep a round-off tolerance, 64·eps·K. Statistical sub-statements are Monte Carlo over
R independent runs.

Independence (DESIGN.md, "The check contract"). Every reference value and allowance is computed
here from the closed forms of CLAIMS.md, never by the functions under test: the constants
(σ²/τ²)U² and (σ²/τ²)·K·Σ_a exp(2r(a)/τ) in 50-digit arithmetic (mpmath), the exact Gaussian
mean squared error given pull counts by a separate expansion (:func:`_mse_given_counts`), λ_t
written out (:func:`_exploration`). theory.bandit's e2w_limit, uniform_limit,
delta_method_constant and gaussian_mse_given_counts are compared with them (exact
sub-checks), and the allocation is the subject of the Monte Carlo.

Level. Each claim's battery fails a true claim with probability at most
``theory.stats.CLAIM_FALSE_ALARM`` (its ``false_alarm``): Bonferroni over its bandits, then over
each bandit's statistical comparisons (F1: T·K share intervals and one "does not grow"
comparison; F2: T "tracks", one "attains", one "beats uniform").
- F1's per-run shares N_t(a)/t are bounded and nearly symmetric; their means over R runs get CLT
  intervals (``theory.stats.mean_interval``). The "share error does not grow" comparison fails
  only when the error is significantly *larger* at the last checkpoint: its level holds by
  construction, and that the shares converge to f_τ(r) is carried by the share intervals, which
  track E2W's expected shares s̄_t → f_τ(r) at every checkpoint.
- F2's per-run y = t·(Û_t − U)² are squared, nearly Gaussian errors: skewness γ ≈ 3–5, so that
  the plain studentized mean has a left tail several times its normal one at z ≈ 4 with
  R = 3 000. Its intervals are therefore skewness-corrected (Cornish–Fisher for the studentized
  mean, Hall 1992): the quantiles of (ȳ − μ)/se are z_p − γ̂(2z_p² + 1)/(6√R)
  (:func:`_skew_corrected_mean`), which restores the nominal tails to O(1/R) (checked by simulation on
  χ²₁ data: at R = 1 000, z = 3.5 the tails were 51 and 41 against 47 nominal, where the plain
  interval gave 151 and 5).
- The model-error allowances are exact computations at the expected shares or the realised
  counts (next-order terms of the delta method, E2W's remaining exploration), never fitted.
  They cover what they stand for: with 40 000 runs (the quick and default checkpoints, the
  four bandits) the estimate was within |G − P| of P, and within the "attains" allowance (less
  its interval) of L, everywhere but at K = 3, t = 1 000, where it exceeded them by 0.43 and
  0.24, i.e. 0.5 and 0.3 of that run's own standard error: consistent with no excess, and at
  most 0.13 of a standard error at the battery's R = 3 000.

Choice of bandits (F2): E2W's exploration λ_t = ε|A|/log(t + 1) decays only logarithmically, so
with ε = 0.1 its realised shares at t = 10³…10⁵ still hold a few per cent of uniform
exploration; the delta-method constant is quadratic in the share error near f_τ(r), so this moves
t·E_t by well under the Monte Carlo error. Arm spreads r/τ of 1–2 keep f_τ(r) far enough from
uniform that uniform sampling's constant is 21–53 % larger (visible with a few thousand runs),
and every arm's expected count large enough (N >= 20 at the first checkpoint) that the
next-order terms of the delta method are a few per cent.
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.special import softmax

import theory.bandit as bandit_theory
from checks.base import CheckResult, Claim, Probe, fold, register
from checks.subjects import OWN, Subjects
from checks.suite import check_size
from mdps.instances import BANDITS
from mdps.instances import E2W_EPSILON as EPSILON  # the default ε of this module's checks
from theory.bandit import check_e2w_arguments, simulate
from theory.roundoff import roundoff
from theory.stats import CLAIM_FALSE_ALARM, bonferroni, mean_interval, z_quantile

__all__ = [
    "F1",
    "F2",
    "check_e2w_formula",
    "check_e2w_sampling",
    "check_error_rate",
    "e2w_instance_comparisons",
    "e2w_reference",
]

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
#: The plans for a foreign ``e2w`` subject. Its role is one distribution per call, so a
#: simulation asks it R times per pull (13–25 µs a call for a plain-numpy E2W, over 100 µs
#: with scipy's logsumexp): the own plans would take 0.5–2 minutes (F1 quick) and 1.5–10
#: (F2 quick); these take about 6 s and 4 s at quick size in plain numpy. The same bandits and
#: the same levels (CLAIM_FALSE_ALARM split as in the own plans), on fewer runs and earlier
#: checkpoints: every allowance is an interval or an exact finite-t term at the budget run,
#: so only the power drops (uniform sampling still fails F2 on K = 3). With the project's own
#: E2W at per-bandit levels 0.05 and 0.005, the quick plans failed 0 of 2 000 (F1, 1 000
#: seeds) and 0 of 600 (F2, 300 seeds) checks at 0.05, the default plans 0 of 600 (F1) and
#: 1 of 600 (F2) over 150 seeds, the full plans 0 of 120 and 1 of 120 over 30 seeds; none at
#: 0.005.
_F1_FOREIGN_PLAN = {
    "quick": (("K=3", "K=4"), 200, (200, 600)),
    "default": (tuple(BANDITS), 200, (300, 1000)),
    "full": (tuple(BANDITS), 400, (1000, 3000)),
}
_F2_FOREIGN_PLAN = {
    "quick": (("K=2", "K=3"), 1000, (100, 150)),
    "default": (tuple(BANDITS), 1000, (200, 400)),
    "full": (tuple(BANDITS), 2000, (500, 1500)),
}


def _instance(r, tau, sigma) -> str:
    return f"r={np.round(r, 3).tolist()}, tau={tau:g}, sigma={sigma:g}"


# ---------------------------------------------------------------------------------------------
# Independent references (closed forms of CLAIMS.md, written out here)
# ---------------------------------------------------------------------------------------------
def _exploration(t, k: int, epsilon: float) -> np.ndarray:
    """λ_t = min(1, ε|A|/log(t + 1)), with λ_0 = 1 (log 1 = 0)."""
    t = np.asarray(t, dtype=np.float64)
    # np.maximum keeps the unused branch of np.where finite at t = 0.
    return np.where(t > 0, np.minimum(1.0, epsilon * k / np.log(np.maximum(t, 1.0) + 1.0)), 1.0)


def _exploration_average(k: int, t: int, epsilon: float) -> float:
    """λ̄_t = (1/t)(K + Σ_{s=K}^{t−1} λ_s): the uniform mass of E2W's expected shares at t.

    The first K pulls are the forced round (λ = 1); pull s + 1 mixes in λ_s.
    """
    return float((k + _exploration(np.arange(k, t), k, epsilon).sum()) / t)


def _limits(r, tau: float, sigma: float) -> tuple[float, float]:
    """(σ²/τ²)(Σ_a e^{r(a)/τ})² and (σ²/τ²)·K·Σ_a e^{2r(a)/τ}, in 50-digit arithmetic."""
    with mpmath.workdps(50):
        s2 = mpmath.mpf(float(sigma)) ** 2 / mpmath.mpf(float(tau)) ** 2
        e = [mpmath.exp(mpmath.mpf(float(x)) / mpmath.mpf(float(tau))) for x in np.ravel(r)]
        return float(s2 * mpmath.fsum(e) ** 2), float(s2 * len(e) * mpmath.fsum(x**2 for x in e))


def _mse_given_counts(r, tau: float, sigma: float, counts) -> np.ndarray:
    """E[(Û − U)² | N] for Gaussian rewards and fixed counts N(a) ``[..., K]``, exactly.

    With u_a = e^{r(a)/τ} and Y_a = e^{(r̂(a) − r(a))/τ} log-normal (s_a² = σ²/(τ²N(a))):
    Û − U = Σ_a u_a (Y_a − 1), so E[(Û − U)²] = Σ_a u_a² E(Y_a − 1)² + Σ_{a≠b} u_a u_b
    E(Y_a − 1) E(Y_b − 1), with E(Y − 1)² = e^{2s²} − 2e^{s²/2} + 1 and E(Y − 1) = e^{s²/2} − 1
    (raw moments; a different route from theory.bandit's variance-plus-bias form). Shifted by
    the largest r/τ, restored outside; expm1 keeps the small differences exact.
    """
    r = np.asarray(r, dtype=np.float64)
    m = r.max() / tau
    u = np.exp(r / tau - m)
    s2 = (sigma / tau) ** 2 / np.asarray(counts, dtype=np.float64)
    second = np.expm1(2 * s2) - 2 * np.expm1(s2 / 2)  # e^{2s²} − 2e^{s²/2} + 1
    first = u * np.expm1(s2 / 2)
    cross = first.sum(axis=-1) ** 2 - (first**2).sum(axis=-1)
    return np.exp(2 * m) * ((u**2 * second).sum(axis=-1) + cross)


def _delta_prediction(r, tau: float, sigma: float, counts, t) -> np.ndarray:
    """The delta method's t·E_t with counts N: (σ²/τ²) Σ_a e^{2r(a)/τ}·t/N(a) ``[...]``."""
    r = np.asarray(r, dtype=np.float64)
    return (sigma / tau) ** 2 * np.sum(
        np.exp(2 * r / tau) * t / np.asarray(counts, dtype=np.float64), axis=-1
    )


def _skew_corrected_mean(y: np.ndarray, alpha: float, *, two_sided: bool = True, axis: int = -1):
    """(centre, half-width) of the skewness-corrected CLT interval for the mean along ``axis``.

    Cornish–Fisher for the studentized mean T = (ȳ − μ)/se (Hall 1992): its p-quantile is
    z_p − γ̂(2z_p² + 1)/(6√R) + O(1/R), γ̂ the sample skewness. So μ lies within
    ``half`` = z·se of ``centre`` = ȳ + γ̂(2z² + 1)/(6√R)·se, each side missing with
    probability α/2 (two-sided) or the one side asked for with probability α (one-sided),
    up to O(1/R); z from ``theory.stats`` through ``mean_interval``.
    """
    one_side = alpha / 2 if two_sided else alpha
    mean, half = mean_interval(y, 2 * one_side, axis=axis)  # half = z·se, P(Z > z) = one_side
    z = z_quantile(one_side, two_sided=False)
    centred = y - np.expand_dims(mean, axis)
    sd = np.sqrt((centred**2).mean(axis=axis))
    # A sample with no spread has no skewness (and a zero-width interval): avoid 0/0.
    gamma = (centred**3).mean(axis=axis) / np.where(sd > 0, sd, 1.0) ** 3
    shift = gamma * (2 * z**2 + 1) / (6 * np.sqrt(y.shape[axis])) * (half / z)
    return mean + shift, half


def e2w_reference(q, n_total, tau: float, epsilon: float) -> np.ndarray:
    """E2W written out: (1 − λ) softmax(q/τ) + λ/K, λ = min(1, εK/log(n_total + 1)) (λ = 1 at
    n_total = 0), with scipy's softmax; q ``[..., K]``, n_total broadcasting against q's leading
    axes (or one more leading axis, as F1's ``[T, 1]`` against ``[9, K]``)."""
    q = np.asarray(q, dtype=np.float64)
    k = q.shape[-1]
    lam = _exploration(n_total, k, epsilon)[..., None]
    return (1 - lam) * softmax(q / tau, axis=-1) + lam / k


def _formula_roundoff(q, tau: float) -> float:
    """Float64 round-off of an E2W distribution over K arms at q̂: 64·eps·K·(1 + max|q̂|/τ).

    However a softmax shifts its exponents (by max q̂/τ, by the log-sum-exp, or as (q̂ − max q̂)/τ),
    they are rounded to about eps·max|q̂/τ|, and π moves by as much: a correct implementation
    other than the reference's may differ from it by that (64·eps·K when |q̂|/τ <= 1).
    """
    # operations: the K-term softmax normalisation; magnitude: 1 + |q̂|/τ, what exp's argument carries
    return roundoff(np.shape(q)[-1], 1 + float(np.abs(q).max()) / tau)


def _formula_comparisons(pi, reference, roundoff: float) -> dict[str, tuple[float, float]]:
    """F1's exact comparisons of a sampling distribution π with the reference: the formula and
    that π is a distribution (min π >= 0, Σπ = 1), each within ``roundoff``."""
    pi = np.asarray(pi)
    return {
        "formula: max |π − reference|": (float(np.abs(pi - reference).max()), roundoff),
        "distribution: max(−min π, |Σπ − 1|)": (
            float(max(-pi.min(), np.abs(pi.sum(-1) - 1).max())),
            roundoff,
        ),
    }


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
    false_alarm=CLAIM_FALSE_ALARM,
    roles=("e2w",),
)

#: Pull counts t at which the formula is evaluated: λ clipped at 1 for the small ones.
_FORMULA_TIMES = np.array([0, 1, 2, 3, 5, 10, 30, 100, 1000, 10**5, 10**9])


@F1.subjects()
def check_e2w_formula(q, n_total, tau: float, epsilon: float, *, subjects: Subjects = OWN) -> CheckResult:
    """F1's exact part on one instance: the E2W distribution at (q̂, t) is the formula.

    π_t = (1 − λ_t) f_τ(q̂) + λ_t/|A|, λ_t = min(1, ε|A|/log(t + 1)) (seed deck, "Algorithm:
    Maximum entropy monte-carlo planning"; λ_0 = 1): ``subjects.e2w(q̂, t, τ, ε)`` against the
    formula written out with scipy's softmax, and π must be a distribution (min π >= 0,
    |Σπ − 1|), each within the round-off 64·eps·K·(1 + max|q̂|/τ) (:func:`_formula_roundoff`:
    the softmax's exponents are rounded to eps·max|q̂/τ|, however it shifts them), as
    :func:`check_e2w_sampling` allows on its grid. One instance of what
    :func:`check_e2w_sampling` compares on its grid of q̂ and t (the shrinking probe of F1).

    Args:
      q: ``[K]`` estimated values q̂; n_total: t, an integer >= 0; tau: τ > 0; epsilon: ε > 0.
      subjects: the ``e2w`` under test.
    Returns:
      CheckResult of the worse of the two comparisons.
    Raises:
      ValueError: an instance outside the claim (q not a finite ``[K]`` vector, t < 0, τ or ε
        not positive and finite).
    """
    return F1.worst_of(*e2w_instance_comparisons(q, n_total, tau, epsilon, subjects=subjects))


def e2w_instance_comparisons(
    q, n_total, tau: float, epsilon: float, *, subjects: Subjects
) -> tuple[dict, dict]:
    """``subjects.e2w`` on one instance against :func:`e2w_reference`, as (comparisons, details)
    for a claim's ``worst_of``: the formula and that π is a distribution, within
    ``_formula_roundoff``. The shrinking probes of F1 and G2 (MENTS's tree policy is E2W).

    Raises:
      ValueError: an instance outside the claims (q not a finite vector ``[K]``, t < 0, τ or ε
        not positive and finite).
    """
    q, _, tau, epsilon = check_e2w_arguments(q, n_total, tau, epsilon, positive_tau=True)
    if q.ndim != 1:
        raise ValueError(f"q must be a vector [K], got shape {q.shape}")
    pi = subjects.e2w(q, n_total, tau, epsilon)
    cases = _formula_comparisons(pi, e2w_reference(q, n_total, tau, epsilon), _formula_roundoff(q, tau))
    label = f"q={np.round(q, 6).tolist()}, n_total={n_total}, tau={tau:g}, epsilon={epsilon:g}"
    return cases, {"instance": label, "pi": pi.tolist()}


@F1.subjects()
def check_e2w_sampling(
    r,
    tau: float,
    sigma: float,
    *,
    epsilon: float = EPSILON,
    checkpoints=(500, 2000),
    n_runs: int = 300,
    seed: int = 0,
    subjects: Subjects = OWN,
    alpha: float = CLAIM_FALSE_ALARM,
    tol: float | None = None,
) -> CheckResult:
    """F1 on one bandit: the formula of π_t, its λ schedule, and the shares of a simulation.

    π_t = (1 − λ_t) f_τ(q̂) + λ_t/|A|, λ_t = min(1, ε|A|/log(t + 1)) (seed deck, "Algorithm:
    Maximum entropy monte-carlo planning"; the clip as in the public implementations).
    Exact (tolerance 64·eps·K, times 1 + max|q̂|/τ for the formula and the distribution: the
    softmax's exponents are rounded to eps·max|q̂/τ|, :func:`_formula_roundoff`):
    - formula: ``subjects.e2w(q̂, t, τ, ε)`` against an independent reference (scipy's softmax,
      λ written out; :func:`check_e2w_formula` is one instance) for q̂ = r and 8 random q̂
      (seeded) at t in {0, 1, 2, 3, 5, 10, 30, 100, 10³, 10⁵, 10⁹}, all at once ``[T, 9, K]``;
    - λ schedule: the λ implied by π on q̂ = r, λ̂ = (π(a) − f(a))/(1/K − f(a)) at the arm with
      the largest |1/K − f(a)|, against min(1, ε|A|/log(t + 1)); tolerance 64·eps·K/|1/K − f(a)|;
      and π must be a distribution (min π >= 0, |Σπ − 1|, within the formula's tolerance).
    Statistical (R runs of E2W drawing from ``subjects.e2w``; false-alarm probability ``alpha``,
    split over the T·K + 1 comparisons, each at α_c = alpha/(T·K + 1)):
    - shares: at each checkpoint t the mean realised share N_t(a)/t of every arm must match
      E2W's expected shares s̄_t = (1 − λ̄_t) f_τ(r) + λ̄_t/K (λ̄_t the average λ over the pulls
      so far; s̄_t → f_τ(r) as t grows) within its two-sided CLT interval at level α_c plus the
      second-order effect of the estimation noise on f_τ(q̂), (σ²/τ²)·log(t)/(t·min_a s̄_t(a));
    - share error does not grow: with e_t = max_a |N_t(a)/t − f_τ(r)(a)| per run, the lower
      one-sided bound (level α_c) of the mean paired difference e_last − e_first must be <= 0.

    Args:
      r: ``[K]`` arm means; tau: τ > 0; sigma: noise σ > 0.
      epsilon: ε of E2W.
      checkpoints: increasing t (>= K) for the shares.
      n_runs: R, runs of the simulation.
      seed: seeds the random q̂ and the simulation.
      subjects: the ``e2w`` under test, ``(q̂ [..., K], t, τ, ε) -> [..., K]`` (a foreign one is
        called row by row: R calls per pull of the simulation).
      alpha: false-alarm probability of this check (the battery passes its Bonferroni share
        of ``theory.stats.CLAIM_FALSE_ALARM``).
      tol: replaces every exact tolerance when given (the statistical ones stay).
    Returns:
      CheckResult of the worst sub-measurement; ``details`` has per-checkpoint mean shares,
      expected shares, the share error with its interval.
    """
    r = np.asarray(r, dtype=np.float64)
    k = r.size
    rng = np.random.default_rng(seed)
    # operations: the K-term normaliser of a probability; magnitude 1 (probabilities)
    round_off = roundoff(k, 1.0) if tol is None else tol
    cases: dict[str, tuple[float, float]] = {}

    q = np.concatenate([r[None], r + (1 + np.ptp(r)) * rng.normal(size=(8, k))])  # [9, K]
    t = _FORMULA_TIMES[:, None]  # [T, 1] against [9, K] -> [T, 9, K]
    lam_ref = _exploration(t, k, epsilon)
    pi = subjects.e2w(np.broadcast_to(q, (t.size, *q.shape)), t, tau, epsilon)
    formula_roundoff = _formula_roundoff(q, tau) if tol is None else tol
    cases.update(_formula_comparisons(pi, e2w_reference(q, t, tau, epsilon), formula_roundoff))

    f = softmax(r / tau)
    arm = int(np.argmax(np.abs(1 / k - f)))
    gap = 1 / k - f[arm]
    implied = (pi[:, 0, arm] - f[arm]) / gap if gap != 0 else np.full(t.size, np.nan)
    lam_err = np.abs(implied - lam_ref[:, 0])
    cases["λ schedule: max |λ̂_t − min(1, ε|A|/log(t+1))|"] = (
        float(np.nanmax(lam_err)) if gap != 0 else 0.0,
        round_off / abs(gap) if gap != 0 else round_off,
    )

    marks = np.asarray(checkpoints)
    alpha_c = bonferroni(alpha, marks.size * k + 1)
    runs = simulate(r, sigma, _e2w_sampler(subjects.e2w, tau, epsilon), marks, n_runs=n_runs, seed=seed)
    shares = runs.counts / marks[:, None, None]  # [T, R, K]
    mean_share, half_share = mean_interval(shares, alpha_c, axis=1)  # [T, K]
    lam_bar = np.array([_exploration_average(k, int(m), epsilon) for m in marks])
    expected = (1 - lam_bar[:, None]) * f + lam_bar[:, None] / k
    second_order = (sigma / tau) ** 2 * np.log(marks) / (marks * expected.min(axis=1))
    excess = np.abs(mean_share - expected) - half_share - second_order[:, None]
    cases["shares: |mean N/t − s̄_t| beyond CI + 2nd order"] = (float(excess.max()), 0.0)

    err = np.abs(shares - f).max(axis=2)  # [T, R]
    growth, half_growth = mean_interval(err[-1] - err[0], 2 * alpha_c)  # one-sided at α_c
    cases["share error does not grow: lower bound of mean(e_last − e_first)"] = (
        float(growth - half_growth),
        0.0,
    )
    err_mean, err_half = mean_interval(err, alpha_c, axis=1)
    return F1.worst_of(
        cases,
        {
            "instance": _instance(r, tau, sigma),
            "epsilon": epsilon,
            "runs": n_runs,
            "alpha_per_comparison": alpha_c,
            "f_tau(r)": f.tolist(),
            "checkpoints": marks.tolist(),
            "mean_shares": mean_share.tolist(),
            "expected_shares": expected.tolist(),
            "share_error_interval": [
                (float(m), float(m - h), float(m + h)) for m, h in zip(err_mean, err_half, strict=True)
            ],
        },
    )


@register(F1, probe=Probe(("q", "n_total", "tau", "epsilon"), check_e2w_formula))
def battery_e2w_sampling(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """F1 over the battery's bandits, each at its Bonferroni share of CLAIM_FALSE_ALARM (a
    foreign ``e2w``: :data:`_F1_FOREIGN_PLAN`'s budget)."""
    check_size(size)
    names, n_runs, marks = (_F1_FOREIGN_PLAN if subjects.e2w.foreign else _F1_PLAN)[size]
    cases = subjects.admit(F1, list(enumerate(names)), key=lambda case: (None, BANDITS[case[1]][1]))
    alpha = bonferroni(CLAIM_FALSE_ALARM, len(names))
    return fold(
        F1,
        (
            check_e2w_sampling(
                *BANDITS[n], checkpoints=marks, n_runs=n_runs, seed=seed + i, subjects=subjects, alpha=alpha
            )
            for i, n in cases
        ),
    )


# ---------------------------------------------------------------------------------------------
# F2: the error rate t·E_t
# ---------------------------------------------------------------------------------------------
F2 = Claim(
    "F2",
    "lim t·E_t = (σ²/τ²)(Σ_a exp(r(a)/τ))², E_t = E[(Û_t − U)²], for E2W (optimal; uniform is worse)",
    "seed deck, 'Algorithm: Maximum entropy monte-carlo planning' (guarantee of E2W); Xiao et al. 2019",
    false_alarm=CLAIM_FALSE_ALARM,
    roles=("e2w",),
)


def _relative_gap(subject, reference) -> float:
    """max |subject − reference|/|reference| (inf where either is not finite)."""
    s, ref = np.asarray(subject, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # a NaN or inf subject must show as inf
        gap = np.abs(s - ref) / np.abs(ref)
    return float(np.max(np.where(np.isfinite(gap), gap, np.inf)))


@F2.subjects("allocation")
def check_error_rate(
    r,
    tau: float,
    sigma: float,
    *,
    epsilon: float = EPSILON,
    checkpoints=(250, 500, 1000),
    n_runs: int = 3000,
    seed: int = 0,
    subjects: Subjects = OWN,
    allocation=None,
    limit=None,
    alpha: float = CLAIM_FALSE_ALARM,
) -> CheckResult:
    """F2 on one bandit: Monte Carlo t·E_t against the finite-t prediction and the limit.

    References (independent of theory.bandit, see the module docstring): L = (σ²/τ²)U² and
    uniform's (σ²/τ²)·K·Σ_a exp(2r(a)/τ) in 50 digits; G(N) = E[(Û − U)² | N] exact for
    Gaussian rewards (:func:`_mse_given_counts`); the delta method's t·E_t at counts N,
    P(N) = (σ²/τ²) Σ_a exp(2r(a)/τ)·t/N(a).
    Exact (relative round-off 64·eps·(K + 2 max|r|/τ)): theory.bandit.e2w_limit (or ``limit``),
    uniform_limit, delta_method_constant and gaussian_mse_given_counts (at the realised counts)
    against these references.
    Statistical: per run, y = t·(Û_t − U)² at each checkpoint t; t·E_t is estimated by the mean
    over R runs, with skewness-corrected CLT intervals (:func:`_skew_corrected_mean`); the
    T + 2 comparisons share ``alpha`` (Bonferroni, α_c = alpha/(T + 2) each):
    - tracks the finite-t prediction with the realised counts: |estimate − mean_runs P(N_t)|
      within the two-sided interval plus the delta method's next-order terms,
      |mean_runs t·G(N_t) − mean_runs P(N_t)| (shrinking as 1/t);
    - attains the limit at the largest t: |estimate − ``limit``| within the interval plus the
      finite-t gap E2W itself predicts, |t·G(t·s̄_t) − L| at its expected shares
      s̄_t = (1 − λ̄_t) f_τ(r) + λ̄_t/K, plus the next-order terms at the realised counts as in
      "tracks" (they also cover the spread of the realised shares around s̄_t, whose effect on
      Σ_a e^{2r(a)/τ}/N(a) is of the same order 1/t). All of it shrinks to 0 with λ̄_t and 1/t
      (uniform sampling, whose shares stay away from f_τ(r), fails here);
    - beats uniform, always: the lower one-sided bound of t·E_t at the largest t must not exceed
      uniform sampling's exact t·G(t/K) (fails when uniform is significantly better).

    Args:
      r: ``[K]`` arm means; tau: τ > 0; sigma: noise σ > 0.
      epsilon: ε of E2W.
      checkpoints: increasing t (>= K).
      n_runs: R.
      seed: seeds the simulation.
      subjects: the ``e2w`` under test (``(q̂ [..., K], t, τ, ε) -> [..., K]``; a foreign one is
        called row by row, R calls per pull): the allocation is E2W at (τ, ε) drawing from it.
      allocation: ``allocation(means [R, K], t) -> [R, K]`` in place of E2W (the negative
        controls' uniform or anti-softmax sampling); None: E2W from ``subjects.e2w``.
      limit: the claimed constant ``limit(r, tau, sigma)`` under test; None means
        theory.bandit.e2w_limit (looked up when called).
      alpha: false-alarm probability of this check (the battery passes its Bonferroni share
        of ``theory.stats.CLAIM_FALSE_ALARM``).
    Returns:
      CheckResult: ``measured`` and ``tolerance`` of the worst comparison;
      ``details`` has the table (t, estimate, interval, prediction, exact-given-counts), the
      reference limits, the subject's and a one-line summary at the largest t.
    """
    r = np.asarray(r, dtype=np.float64)
    k = r.size
    if allocation is None:
        allocation = _e2w_sampler(subjects.e2w, tau, epsilon)
    if limit is None:
        limit = bandit_theory.e2w_limit
    marks = np.asarray(checkpoints)
    runs = simulate(r, sigma, allocation, marks, n_runs=n_runs, seed=seed)
    scale = marks[:, None]
    # Û − U = Σ_a e^{r̂(a)/τ} − Σ_a e^{r(a)/τ}, shifted by the largest r/τ and restored outside.
    m = r.max() / tau
    y = scale * (np.exp(2 * m) * (np.exp(runs.means / tau - m).sum(-1) - np.exp(r / tau - m).sum()) ** 2)
    alpha_c = bonferroni(alpha, marks.size + 2)
    centre, half = _skew_corrected_mean(y, alpha_c, axis=1)
    prediction_runs = _delta_prediction(r, tau, sigma, runs.counts, scale[..., None])  # [T, R]
    exact_runs = scale * _mse_given_counts(r, tau, sigma, runs.counts)  # [T, R]
    prediction, exact_given_counts = prediction_runs.mean(axis=1), exact_runs.mean(axis=1)

    optimum, uniform = _limits(r, tau, sigma)
    claimed = float(limit(r, tau, sigma))
    f = softmax(r / tau)
    t_last = int(marks[-1])
    lam_bar = _exploration_average(k, t_last, epsilon)
    expected_counts = t_last * ((1 - lam_bar) * f + lam_bar / k)
    finite_t_gap = abs(t_last * float(_mse_given_counts(r, tau, sigma, expected_counts)) - optimum)
    uniform_at_t = t_last * float(_mse_given_counts(r, tau, sigma, np.full(k, t_last / k)))

    cases: dict[str, tuple[float, float]] = {}
    # relative, magnitude 1; operations: K-term sums, plus the exponent 2 max|r|/τ counted in ulps
    # (exp turns an argument's rounding into a relative error of the argument's size)
    rel = roundoff(k + 2 * float(np.abs(r).max()) / tau, 1.0)
    shares = runs.counts / scale[..., None]
    formulas = {
        "e2w_limit (or the limit under test)": (claimed, optimum),
        "uniform_limit": (bandit_theory.uniform_limit(r, tau, sigma), uniform),
        "delta_method_constant at the realised shares": (
            bandit_theory.delta_method_constant(r, tau, sigma, shares),
            prediction_runs,
        ),
        "gaussian_mse_given_counts at the realised counts": (
            scale * bandit_theory.gaussian_mse_given_counts(r, tau, sigma, runs.counts),
            exact_runs,
        ),
    }
    for name, (subject, reference) in formulas.items():
        cases[f"formula: {name}, relative error"] = (_relative_gap(subject, reference), rel)
    for i, t in enumerate(marks):
        cases[f"tracks prediction, t={t}"] = (
            abs(centre[i] - prediction[i]),
            half[i] + abs(exact_given_counts[i] - prediction[i]),
        )
    next_order = abs(exact_given_counts[-1] - prediction[-1])
    cases[f"attains limit, t={t_last}"] = (abs(centre[-1] - claimed), half[-1] + finite_t_gap + next_order)
    low_centre, low_half = _skew_corrected_mean(y[-1], alpha_c, two_sided=False)
    cases["beats uniform: lower bound − uniform's t·E_t"] = (
        float(low_centre - low_half - uniform_at_t),
        0.0,
    )

    table = [
        {
            "t": int(t),
            "t*E_t": float(y[i].mean()),
            "interval": (float(centre[i] - half[i]), float(centre[i] + half[i])),
            "delta_prediction": float(prediction[i]),
            "exact_given_counts": float(exact_given_counts[i]),
        }
        for i, t in enumerate(marks)
    ]
    lo, hi = table[-1]["interval"]
    return F2.worst_of(
        cases,
        {
            "instance": _instance(r, tau, sigma),
            "summary": (
                f"{_instance(r, tau, sigma)}: t·E_t at t={t_last}: {table[-1]['t*E_t']:.4g} "
                f"[{lo:.4g}, {hi:.4g}] (level {alpha_c:.1g}, skewness-corrected CLT) vs "
                f"limit {optimum:.4g} (under test: {claimed:.4g}), prediction {prediction[-1]:.4g}, "
                f"uniform {uniform_at_t:.4g} at t (limit {uniform:.4g})"
            ),
            "epsilon": epsilon,
            "runs": n_runs,
            "alpha_per_comparison": alpha_c,
            "ci_method": (
                "skewness-corrected CLT (Cornish–Fisher) on per-run t·(Û_t − U)²; "
                "Bonferroni over T + 2 comparisons"
            ),
            "table": table,
            "limit": optimum,
            "limit_under_test": claimed,
            "uniform_constant": uniform,
            "uniform_at_t": uniform_at_t,
            "finite_t_gap_at_expected_shares": finite_t_gap,
        },
    )


@register(F2)
def battery_error_rate(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """F2 over the battery's bandits (K = 2 … 10), each at its Bonferroni share of
    CLAIM_FALSE_ALARM (a foreign ``e2w``: :data:`_F2_FOREIGN_PLAN`'s budget).

    No shrinking probe: the check is a Monte Carlo over thousands of runs of one bandit, with no
    smaller instance to shrink to; a wrong E2W distribution shrinks through F1's probe."""
    check_size(size)
    names, n_runs, marks = (_F2_FOREIGN_PLAN if subjects.e2w.foreign else _F2_PLAN)[size]
    cases = subjects.admit(F2, list(enumerate(names)), key=lambda case: (None, BANDITS[case[1]][1]))
    alpha = bonferroni(CLAIM_FALSE_ALARM, len(names))
    results = [
        check_error_rate(
            *BANDITS[n], checkpoints=marks, n_runs=n_runs, seed=seed + i, subjects=subjects, alpha=alpha
        )
        for i, n in cases
    ]
    return fold(F2, results)  # each bandit's interval line goes to details["report"]
