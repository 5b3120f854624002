"""The sampled soft values and Boltzmann densities of claims E1 and E3, exactly: importance-sampling
instances (a soft value to estimate, its proposal, and the exact answer) and Gaussian-mixture
Boltzmann targets (density, exact samples, CDF, mode masses, MMD in closed form).

Source: seed deck, slide "Algorithm: Soft Q-learning" (empirical soft value; steps ①–⑤);
Haarnoja, Tang, Abbeel, Levine 2017, "Reinforcement Learning with Deep Energy-Based Policies",
eq. (10) (importance-sampled soft value) and eqs. (12)–(14) (SVGD towards exp(Q/τ)). The
named instances the checks and figures use are data, in :mod:`mdps.instances`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats
from scipy.special import logsumexp

from theory.softmax import soft_value

__all__ = ["BoltzmannMixture", "ImportanceSamplingInstance", "continuous_instance", "discrete_instance"]


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
        more; the 1/M laws only hold once it is negligible (the E1 check picks its sample
        sizes by it).

    Source: seed deck, "Algorithm: Soft Q-learning" (empirical soft value); Haarnoja et al.
    2017, eq. (10).
    """

    name: str
    tau: float
    draw: Callable
    value: float
    cv2: float
    small_weight_mass: float = 0.0


def discrete_instance(q, proposal, tau: float, name: str = "discrete") -> ImportanceSamplingInstance:
    """A discrete action set: Q ``[K]``, proposal probabilities ``[K]`` (full support), τ > 0.

    V = F_τ(Q) (:func:`theory.softmax.soft_value`), and with π = f_τ(Q) = exp((Q − V)/τ) the
    weight's CV² = Σ_a π(a)²/q(a) − 1. Source: Haarnoja et al. 2017, eq. (10).
    """
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

    Source: Haarnoja et al. 2017, eq. (10) (V = τ log ∫ exp(Q(a)/τ) da).
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


@dataclass(frozen=True)
class BoltzmannMixture:
    """Q(a) = τ log Σ_k w_k N(a; μ_k, σ²I): the Boltzmann density exp(Q/τ) is the mixture itself.

    So its CDF (1-D), exact samples, mode masses and the MMD to it are all available exactly.
    Source: the target of SVGD in seed deck, "Algorithm: Soft Q-learning" (steps ①–⑤);
    Haarnoja et al. 2017, eqs. (12)–(14).

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
