"""The stochastic softmax bandit and E2W (empirical exponential weight) sampling.

Source: seed deck, slides "Algorithm: Maximum entropy monte-carlo planning"; Xiao et al. 2019,
"Maximum entropy Monte-Carlo planning" (NeurIPS), the stochastic softmax bandit.

A bandit has K arms with means r(a) and Gaussian reward noise of standard deviation σ (the
σ²-sub-Gaussian case of the slides). The target is the softmax value F_τ(r) = τ log U with
U = Σ_a exp(r(a)/τ); after t pulls the estimators are

    Û_t = Σ_a exp(r̂_t(a)/τ),   F̂_t = τ log Û_t,

with r̂_t(a) the empirical mean of arm a, and the error is E_t = E[(Û_t − U)²].

Delta method: with N(a) = t·π̄(a) pulls of arm a, Var exp(r̂(a)/τ) ≈ exp(2r(a)/τ)·σ²/(τ² N(a))
and the bias is O(1/N), so t·E_t → (σ²/τ²) Σ_a exp(2r(a)/τ)/π̄(a)
(:func:`delta_method_constant`). By Cauchy–Schwarz it is smallest at π̄ = f_τ(r), where it is
(σ²/τ²) U² (:func:`e2w_limit`, the constant of the slides); uniform sampling gives
(σ²/τ²) K Σ_a exp(2r(a)/τ) (:func:`uniform_limit`).

Simulation (:func:`simulate`): many independent runs at once, vectorised over runs. Arms never
pulled have no empirical mean, so every run first pulls each arm once (t = 1, …, K, in arm
order); the allocation under test chooses from pull K + 1 on. This only affects small t: after
the K forced pulls every estimate is a genuine empirical mean.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mdps.validation import (
    as_checkpoints,
    as_float_array,
    as_real_array,
    check_callable,
    check_int,
    check_real,
    check_seed,
    check_simplex,
    check_tau,
)
from theory.softmax import soft_indmax, soft_value

__all__ = [
    "check_e2w_arguments",
    "Allocation",
    "BanditRuns",
    "delta_method_constant",
    "e2w_allocation",
    "e2w_distribution",
    "e2w_distribution_unchecked",
    "e2w_exploration",
    "e2w_limit",
    "exp_sum",
    "exp_sum_estimate",
    "gaussian_mse_given_counts",
    "inverse_cdf_sample",
    "inverse_cdf_sample_unchecked",
    "oracle_allocation",
    "simulate",
    "soft_value_estimate",
    "uniform_allocation",
    "uniform_limit",
]

#: allocation(means [R, K], t) -> sampling distributions [R, K] for pull t + 1, given t pulls so far.
Allocation = Callable[[np.ndarray, int], np.ndarray]


# ---------------------------------------------------------------------------------------------
# E2W sampling
# ---------------------------------------------------------------------------------------------
def e2w_exploration(n_total, n_actions: int, epsilon: float) -> np.ndarray:
    """E2W's exploration weight λ_t = min(1, ε|A|/log(t + 1)).

    Source: seed deck, "Algorithm: Maximum entropy monte-carlo planning" (E2W); the clip to
    [0, 1] follows the public implementations (ments-notes §1), since π_t must be a distribution.

    Args:
      n_total: ``[...]`` t, the number of samples so far (Σ_a N(a) in a tree node), >= 0 (a
        count; real t is accepted, the formula is defined for every t >= 0).
      n_actions: |A| >= 1.
      epsilon: exploration parameter ε > 0.
    Returns:
      ``[...]`` λ_t in (0, 1]; λ_0 = 1 (log 1 = 0: nothing seen yet, explore uniformly).
    Raises:
      TypeError: a non-numeric ``n_total`` or ``epsilon``, a non-integer ``n_actions``.
      ValueError: non-finite or negative t, |A| < 1, ε <= 0 or non-finite.
    """
    t = as_real_array(n_total, "n_total", low=0.0, min_ndim=0)
    k = check_int(n_actions, "n_actions", low=1)
    eps = check_real(epsilon, "epsilon", low=0.0, open_low=True)
    return _exploration(t, k, eps)


def _exploration(t, n_actions: int, epsilon: float) -> np.ndarray:
    """λ_t of :func:`e2w_exploration` for validated arguments (t >= 0, |A| >= 1, ε > 0)."""
    log_t = np.log1p(t)
    # At t = 0, log(t + 1) = 0 and the ratio is +inf: clip it to 1 without a division warning.
    with np.errstate(divide="ignore"):
        return np.minimum(1.0, epsilon * n_actions / log_t)


def e2w_distribution(q_hat, n_total, tau: float, epsilon: float) -> np.ndarray:
    """E2W sampling distribution π_t = (1 − λ_t) f_τ(q̂) + λ_t/|A|, λ_t = min(1, ε|A|/log(t + 1)).

    Source: seed deck, "Algorithm: Maximum entropy monte-carlo planning" (E2W); Xiao et al.
    2019. MENTS uses it at every node with t = Σ_a N(s, a).

    Args:
      q_hat: ``[..., A]`` estimated values q̂ (empirical means in a bandit).
      n_total: t, a scalar or ``[...]`` (broadcast against the leading axes of ``q_hat``).
      tau: temperature τ >= 0 of the soft-indmax f_τ (τ = 0: uniform over the argmax).
      epsilon: exploration parameter ε > 0.
    Returns:
      ``[..., A]`` distributions along the last axis.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: non-finite or empty ``q_hat``, ``n_total`` not broadcasting to the leading axes
        of ``q_hat``, and as :func:`e2w_exploration` and :func:`theory.softmax.soft_indmax`.
    """
    return e2w_distribution_unchecked(*check_e2w_arguments(q_hat, n_total, tau, epsilon))


def check_e2w_arguments(q_hat, n_total, tau, epsilon, *, positive_tau: bool = False):
    """The arguments of :func:`e2w_distribution`, validated: ``(q [..., A], n [...], τ, ε)``.

    Raises:
      TypeError, ValueError: as :func:`e2w_distribution` (τ = 0 too when ``positive_tau``).
    """
    q = as_float_array(q_hat, "q_hat")
    t = check_tau(tau, positive=positive_tau)
    n = as_real_array(n_total, "n_total", low=0.0, min_ndim=0)
    if n.ndim > q.ndim - 1 or any(a not in (1, b) for a, b in zip(n.shape[::-1], q.shape[-2::-1])):
        raise ValueError(f"n_total of shape {n.shape} must broadcast to q_hat's leading axes {q.shape[:-1]}")
    eps = check_real(epsilon, "epsilon", low=0.0, open_low=True)
    return q, n, t, eps


def e2w_distribution_unchecked(q_hat, n_total, tau: float, epsilon: float) -> np.ndarray:
    """:func:`e2w_distribution` without validating ``n_total`` and ``epsilon``: the tree policy of
    MENTS's hot loop and the E2W allocation of :func:`simulate`.

    Its callers validate τ and ε once and pass their own counts t >= 0 at every step (no
    validation: callers validate, as for theory.softmax.soft_value_first_axis; ``q_hat`` and
    ``tau`` are still checked by theory.softmax.soft_indmax). Anything else should call
    :func:`e2w_distribution`.

    Args, Returns: as :func:`e2w_distribution`; on invalid t or ε the result is meaningless.
    Raises:
      TypeError, ValueError: only theory.softmax.soft_indmax's, for a bad ``q_hat`` (named ``q``)
        or ``tau``; ``n_total`` and ``epsilon`` are not checked.
    """
    f = soft_indmax(q_hat, tau)
    n_actions = f.shape[-1]
    lam = _exploration(n_total, n_actions, epsilon)[..., None]
    return (1.0 - lam) * f + lam / n_actions


def inverse_cdf_sample(dist, u, axis: int = -1) -> np.ndarray:
    """Draw one index per distribution by inverse CDF: a = #{b : cdf(b) <= u·cdf(last)}.

    The one sampler of the bandit simulator and of the tree searches (theory.mcts). Scaling u
    by the last cdf entry keeps the draw inside the support even when the cumulative sum rounds
    to slightly below 1, and an index of probability 0 is never drawn.

    Args:
      dist: ``[..., K, ...]`` distributions along ``axis`` (entries >= 0, summing to 1 within
        ``SIMPLEX_ATOL``).
      u: uniforms in [0, 1), shaped as ``dist`` without ``axis``.
      axis: the axis of the K outcomes.
    Returns:
      int indices in [0, K), shaped as ``u``.
    Raises:
      TypeError: non-numeric ``dist`` or ``u``, a non-integer ``axis``.
      ValueError: ``dist`` not finite, negative or not summing to 1 along ``axis``; ``u`` outside
        [0, 1) or not shaped as ``dist`` without ``axis``; ``axis`` out of range.
    """
    d = as_float_array(dist, "dist")
    ax = check_int(axis, "axis", low=-d.ndim, high=d.ndim - 1)
    d = check_simplex(d, "dist", axis=ax)
    v = as_real_array(u, "u", low=0.0, high=1.0, open_high=True, min_ndim=0)
    if v.shape != d.shape[: ax % d.ndim] + d.shape[ax % d.ndim + 1 :]:
        raise ValueError(f"u must have the shape of dist {d.shape} without axis {ax}, got {v.shape}")
    return inverse_cdf_sample_unchecked(d, v, ax)


def inverse_cdf_sample_unchecked(dist, u, axis: int = -1) -> np.ndarray:
    """:func:`inverse_cdf_sample` without validation: the kernel of the engines' hot loops.

    :func:`simulate` and the tree searches of theory.mcts validate their own arguments once and
    then draw through this at every step, on the distributions of their allocation or tree
    policy (no validation: callers validate, as for theory.softmax.soft_value_first_axis;
    checking every step's [R, K] table would cost more than the draw). Anything else should
    call :func:`inverse_cdf_sample`.

    Args, Returns: as :func:`inverse_cdf_sample`; on invalid input the draws are meaningless.
    Raises:
      nothing of its own (numpy's errors for unusable shapes or types).
    """
    # A C-contiguous copy with the outcomes leading, summed row by row: np.cumsum over a short
    # leading axis is about ten times slower on this layout, and the order of additions is the
    # same, so the draws are too.
    cdf = np.array(np.moveaxis(np.asarray(dist, dtype=np.float64), axis, 0), order="C")
    for a in range(1, cdf.shape[0]):
        cdf[a] += cdf[a - 1]
    return (cdf <= u * cdf[-1]).sum(axis=0)


def e2w_allocation(tau: float, epsilon: float) -> Allocation:
    """The E2W allocation: sample pull t + 1 from :func:`e2w_distribution` (means, t, τ, ε).

    Raises:
      TypeError: a non-numeric ``tau`` or ``epsilon``.
      ValueError: τ < 0, ε <= 0, or either non-finite.
    """
    t_ = check_tau(tau)
    eps = check_real(epsilon, "epsilon", low=0.0, open_low=True)

    def allocate(means: np.ndarray, t: int) -> np.ndarray:
        return e2w_distribution_unchecked(means, t, t_, eps)

    return allocate


def uniform_allocation(means: np.ndarray, t: int) -> np.ndarray:
    """The uniform allocation: every arm with probability 1/K, whatever has been seen.

    Args:
      means: ``[..., K]`` empirical means (only the shape is used); t: pulls so far, >= 0.
    Returns:
      ``[..., K]`` all 1/K.
    Raises:
      TypeError: non-numeric ``means``, a non-integer ``t``.
      ValueError: non-finite or empty ``means``, t < 0.
    """
    m = as_float_array(means, "means")
    check_int(t, "t", low=0)
    return np.full_like(m, 1.0 / m.shape[-1])


def oracle_allocation(r, tau: float) -> Allocation:
    """The oracle allocation: sample from the true f_τ(r), the optimal shares (delta method).

    Args:
      r: ``[K]`` arm means; tau: τ > 0.
    Returns:
      ``allocation(means [..., K], t)``: f_τ(r) broadcast to the shape of ``means``.
    Raises:
      TypeError: non-numeric ``r`` or ``tau``.
      ValueError: ``r`` not a finite ``[K]`` vector, τ <= 0 or non-finite; the allocation raises
        when ``means`` does not have K arms along its last axis.
    """
    p = soft_indmax(as_float_array(r, "r", ndim=1), check_tau(tau, positive=True))

    def allocate(means: np.ndarray, t: int) -> np.ndarray:
        if np.shape(means)[-1:] != p.shape:
            raise ValueError(f"means must have K = {p.size} arms on its last axis, got {np.shape(means)}")
        return np.broadcast_to(p, means.shape)

    return allocate


# ---------------------------------------------------------------------------------------------
# Estimators and constants
# ---------------------------------------------------------------------------------------------
def _per_arm(x, name: str, k: int, **bounds) -> np.ndarray:
    """``x`` as a ``[..., K]`` float array with entries within ``bounds`` (see as_real_array)."""
    a = as_real_array(x, name, **bounds)
    if a.shape[-1] != k:
        raise ValueError(f"{name} must have the K = {k} arms of r along its last axis, got shape {a.shape}")
    return a


def exp_sum(r, tau: float) -> np.ndarray:
    """U = Σ_a exp(r(a)/τ) = exp(F_τ(r)/τ).

    Args:
      r: ``[..., K]`` values; tau: τ > 0.
    Returns:
      ``[...]`` U (overflows to inf only when U itself exceeds the float64 range).
    Raises:
      TypeError: non-numeric ``r`` or ``tau``.
      ValueError: ``r`` scalar, empty or non-finite; τ <= 0 or non-finite.
    """
    a = as_float_array(r, "r")
    t = check_tau(tau, positive=True)
    return np.exp(soft_value(a, t) / t)


def exp_sum_estimate(means, tau: float) -> np.ndarray:
    """Û_t = Σ_a exp(r̂_t(a)/τ), the plug-in estimate of U from empirical means ``[..., K]``.

    Raises:
      TypeError, ValueError: as :func:`exp_sum`, naming ``means``.
    """
    return exp_sum(as_float_array(means, "means"), tau)


def soft_value_estimate(means, tau: float) -> np.ndarray:
    """F̂_t = τ log Û_t = F_τ(r̂_t), the plug-in estimate of the softmax value ``[...]``.

    Raises:
      TypeError, ValueError: as :func:`exp_sum`, naming ``means``.
    """
    a = as_float_array(means, "means")
    return soft_value(a, check_tau(tau, positive=True))


def delta_method_constant(r, tau: float, sigma: float, shares) -> np.ndarray:
    """Delta-method constant of sampling shares π̄: lim t·E_t = (σ²/τ²) Σ_a exp(2r(a)/τ)/π̄(a).

    Source: ments-notes §1 "Why the constant is right" (derivation, checked by claim F2).

    Args:
      r: ``[K]`` arm means; tau: τ > 0; sigma: noise standard deviation σ >= 0.
      shares: ``[..., K]`` long-run sampling shares (positive; need not be normalised, e.g.
        t/N(a) with realised counts uses shares N(a)/t).
    Returns:
      ``[...]`` the constant for each share vector.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: ``r`` not a finite ``[K]`` vector, τ <= 0, σ < 0, either non-finite, or
        ``shares`` not finite, not positive or without K entries along its last axis.
    """
    t = check_tau(tau, positive=True)
    r = as_float_array(r, "r", ndim=1)
    s = check_real(sigma, "sigma", low=0.0)
    w_shares = _per_arm(shares, "shares", r.size, low=0.0, open_low=True)
    # exp(2r/τ) is shifted by exp(2 max r/τ) inside the sum and restored outside, so large r/τ
    # overflows only if the constant itself does.
    m = r.max()
    w = np.exp(2 * (r - m) / t)
    return (s / t) ** 2 * np.exp(2 * m / t) * np.sum(w / w_shares, axis=-1)


def gaussian_mse_given_counts(r, tau: float, sigma: float, counts) -> np.ndarray:
    """E[(Û − U)² | N] for fixed pull counts N(a) and Gaussian noise: exact, all orders in 1/N.

    With s_a² = σ²/(τ² N(a)), exp(r̂(a)/τ) is log-normal: its variance is
    e^{2r(a)/τ} e^{s_a²}(e^{s_a²} − 1) and its bias e^{r(a)/τ}(e^{s_a²/2} − 1), so
    E[(Û − U)²] = Σ_a variance_a + (Σ_a bias_a)². Its leading term in 1/N is the delta method,
    (σ²/τ²) Σ_a e^{2r(a)/τ}/N(a). Exact when the counts do not depend on the rewards (uniform,
    oracle); for an adaptive allocation such as E2W it is the finite-t prediction with the
    realised counts.

    Args:
      r: ``[K]`` arm means; tau: τ > 0; sigma: σ >= 0.
      counts: ``[..., K]`` pull counts N(a) >= 1 (expected counts, not whole, are accepted).
    Returns:
      ``[...]`` the mean squared error of Û given the counts.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: ``r`` not a finite ``[K]`` vector, τ <= 0, σ < 0, either non-finite, or
        ``counts`` not finite, below 1 or without K entries along its last axis.
    """
    t = check_tau(tau, positive=True)
    r = as_float_array(r, "r", ndim=1)
    s = check_real(sigma, "sigma", low=0.0)
    n = _per_arm(counts, "counts", r.size, low=1.0)
    m = r.max()
    e = np.exp((r - m) / t)  # shifted by exp(m/τ), restored below: no overflow for large r/τ
    s2 = (s / t) ** 2 / n
    variance = e**2 * np.exp(s2) * np.expm1(s2)
    bias = e * np.expm1(s2 / 2)
    return np.exp(2 * m / t) * (variance.sum(axis=-1) + bias.sum(axis=-1) ** 2)


def e2w_limit(r, tau: float, sigma: float) -> float:
    """The slides' constant lim t·E_t = (σ²/τ²)(Σ_a exp(r(a)/τ))², attained by π̄ = f_τ(r).

    Source: seed deck, "Algorithm: Maximum entropy monte-carlo planning" (theoretical guarantee
    of E2W); Xiao et al. 2019.

    Args:
      r: ``[K]`` arm means; tau: τ > 0; sigma: σ >= 0.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: ``r`` not a finite ``[K]`` vector, τ <= 0, σ < 0, or either non-finite.
    """
    t = check_tau(tau, positive=True)
    a = as_float_array(r, "r", ndim=1)
    s = check_real(sigma, "sigma", low=0.0)
    return float((s / t) ** 2 * exp_sum(a, t) ** 2)


def uniform_limit(r, tau: float, sigma: float) -> float:
    """Uniform sampling's constant lim t·E_t = (σ²/τ²)·K·Σ_a exp(2r(a)/τ) (delta method, π̄ = 1/K).

    Raises:
      TypeError, ValueError: as :func:`e2w_limit`.
    """
    r = as_float_array(r, "r", ndim=1)
    return float(delta_method_constant(r, tau, sigma, np.full(r.shape[-1], 1.0 / r.shape[-1])))


# ---------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BanditRuns:
    """Snapshots of independent bandit runs at checkpoints.

    Attributes:
      checkpoints: ``[T]`` the pull counts t at which the snapshots were taken.
      counts: ``[T, R, K]`` N_t(a), pulls of each arm in each run.
      means: ``[T, R, K]`` r̂_t(a), the empirical means.
    """

    checkpoints: np.ndarray
    counts: np.ndarray
    means: np.ndarray


def simulate(
    r,
    sigma: float,
    allocation: Allocation,
    checkpoints: Sequence[int],
    *,
    n_runs: int,
    seed: int,
) -> BanditRuns:
    """Run ``n_runs`` independent Gaussian bandits in lockstep and snapshot them at checkpoints.

    Pulls 1, …, K take each arm once (so every empirical mean exists); pull t + 1 > K draws an
    arm from ``allocation(means [R, K], t)``, then a reward r(a) + σ·ξ, ξ ~ N(0, 1). Each step
    costs O(R·K) numpy work: one inverse-CDF draw per run and one scattered update.

    Args:
      r: ``[K]`` arm means; sigma: noise standard deviation σ >= 0.
      allocation: ``allocation(means, t) -> [R, K]`` distributions (e.g. :func:`e2w_allocation`).
      checkpoints: increasing pull counts >= K at which to record.
      n_runs: R, the number of independent runs.
      seed: seeds ``np.random.default_rng``; the same seed gives the same runs, bit for bit.
    Returns:
      BanditRuns with ``[T, R, K]`` snapshots.
    Raises:
      TypeError: non-numeric ``r``, ``sigma`` or ``checkpoints``, a non-callable ``allocation``,
        a non-integer ``n_runs`` or ``seed`` (``None`` included: it would not be reproducible).
      ValueError: ``r`` not a finite ``[K]`` vector, σ < 0 or non-finite, checkpoints not
        strictly increasing whole numbers >= K, n_runs < 1, a negative seed, or an allocation
        whose first output is not ``[R, K]`` distributions (checked on the first call only:
        every step's table is drawn from unchecked, see :func:`inverse_cdf_sample_unchecked`).
    """
    r = as_float_array(r, "r", ndim=1)
    sigma = check_real(sigma, "sigma", low=0.0)
    check_callable(allocation, "allocation")
    k = r.size
    marks = as_checkpoints(checkpoints, low=k)
    n_runs = check_int(n_runs, "n_runs", low=1)
    rng = np.random.default_rng(check_seed(seed))

    # State is stored arm-major, [K, R] C-contiguous, and handed to the allocation as the
    # [R, K] view: reductions over the K arms then run along a short leading axis of memory,
    # which numpy does elementwise across rows, several times faster than over a short last
    # axis (same reason as theory.softmax.soft_value_first_axis).
    sums = r[:, None] + sigma * rng.standard_normal((k, n_runs))
    counts = np.ones((k, n_runs))
    means = sums.copy()
    run_index = np.arange(n_runs)
    # Flat views of the [K, R] state: fancy indexing a 1-D view is several times faster than
    # through ndarray.flat.
    counts_flat, sums_flat, means_flat = counts.ravel(), sums.ravel(), means.ravel()
    out_counts, out_means = [], []
    t = k
    for mark in marks:
        for t in range(t, mark):
            dist = allocation(means.T, t)
            if t == k:  # the allocation's contract, checked on its first call (not every step)
                check_simplex(dist, "allocation(means, t)", shape=(n_runs, k))
            arm = inverse_cdf_sample_unchecked(dist, rng.random(n_runs))
            flat = arm * n_runs + run_index
            counts_flat[flat] += 1.0
            sums_flat[flat] += r[arm] + sigma * rng.standard_normal(n_runs)
            means_flat[flat] = sums_flat[flat] / counts_flat[flat]
        t = int(mark)
        out_counts.append(counts.T.copy())
        out_means.append(means.T.copy())
    return BanditRuns(marks, np.stack(out_counts), np.stack(out_means))
