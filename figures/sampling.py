"""Figures of the sampled algorithms (claims E1, E3, F2): the importance-sampled soft value,
Stein variational particles, and E2W's error rate on the softmax bandit.

Source: seed deck, slides "Algorithm: Soft Q-learning" and "Algorithm: Maximum entropy
monte-carlo planning". Every interval drawn is a 99 % CLT interval (mean ± z·sd/√R over R
independent runs, z = 2.576); the runs are vectorised and seeded, so a figure is the same bit
for bit for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from figures._common import LEVEL, pick
from figures.style import BAND_ALPHA, PALETTE, new_figure, series, styled
from mdps.instances import BANDITS, BOLTZMANN_MIXTURES, E2W_EPSILON
from theory.bandit import (
    e2w_allocation,
    e2w_limit,
    exp_sum,
    exp_sum_estimate,
    simulate,
    uniform_allocation,
    uniform_limit,
)
from theory.sampling import BoltzmannMixture, discrete_instance
from theory.soft_q import importance_sampled_soft_value, svgd
from theory.stats import z_quantile

__all__ = [
    "BANDIT",
    "IS_Q",
    "IS_TAU",
    "E2WRateData",
    "ImportanceSamplingData",
    "SvgdData",
    "e2w_rate",
    "e2w_rate_data",
    "is_soft_value",
    "is_soft_value_data",
    "mixture_density",
    "plot_e2w_rate",
    "plot_is_soft_value",
    "plot_svgd_particles",
    "run_svgd",
    "scaled_squared_errors",
    "svgd_particles",
    "svgd_particles_data",
    "svgd_targets",
]

#: The normal quantile of the bands' level (figures._common.LEVEL).
_Z = z_quantile(1 - LEVEL)


def _mean_band(samples: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, lower, upper) of the 99 % CLT interval mean ± z·sd/√R along ``axis``."""
    mean = samples.mean(axis=axis)
    half = _Z * samples.std(axis=axis, ddof=1) / np.sqrt(samples.shape[axis])
    return mean, mean - half, mean + half


# ---------------------------------------------------------------------------------------------
# 8. e2w_rate (F2)
# ---------------------------------------------------------------------------------------------
#: The bandit of the figure: K = 3, r = (0, 0.5, 1), τ = 0.5, σ = 0.5 (mdps.instances.BANDITS).
BANDIT = "K=3"


@dataclass(frozen=True)
class E2WRateData:
    """Monte Carlo t·E_t of E2W and of uniform sampling, with the two limits.

    Attributes:
      r, tau, sigma, epsilon: the bandit and E2W's ε.
      t: ``[T]`` checkpoints.
      e2w, e2w_lower, e2w_upper: ``[T]`` mean of t·(Û_t − U)² over runs and its 99 % interval.
      uniform, uniform_lower, uniform_upper: ``[T]`` the same under uniform sampling.
      limit: (σ²/τ²)(Σ_a exp(r(a)/τ))², E2W's limit.
      uniform_limit: (σ²/τ²) K Σ_a exp(2r(a)/τ), uniform sampling's limit.
      runs: R.
    """

    r: np.ndarray
    tau: float
    sigma: float
    epsilon: float
    t: np.ndarray
    e2w: np.ndarray
    e2w_lower: np.ndarray
    e2w_upper: np.ndarray
    uniform: np.ndarray
    uniform_lower: np.ndarray
    uniform_upper: np.ndarray
    limit: float
    uniform_limit: float
    runs: int


def scaled_squared_errors(
    r, tau: float, sigma: float, allocation, checkpoints, *, n_runs: int, seed: int
) -> np.ndarray:
    """t·(Û_t − U)² ``[T, R]`` of R simulated runs of ``allocation`` (theory.bandit.simulate)."""
    runs = simulate(r, sigma, allocation, checkpoints, n_runs=n_runs, seed=seed)
    return runs.checkpoints[:, None] * (exp_sum_estimate(runs.means, tau) - exp_sum(r, tau)) ** 2


def e2w_rate_data(*, seed: int = 0, size: str = "quick") -> E2WRateData:
    """t·E_t = t·E[(Û_t − U)²] against t for E2W and for uniform sampling, with their limits.

    lim t·E_t = (σ²/τ²)(Σ_a exp(r(a)/τ))² under E2W, (σ²/τ²) K Σ_a exp(2r(a)/τ) under uniform
    sampling. Source: seed deck, "Algorithm: Maximum entropy monte-carlo planning" (theoretical
    guarantee of E2W); CLAIMS F2. Bandit :data:`BANDIT`, ε = mdps.instances.E2W_EPSILON;
    R = 1 000 (quick) / 4 000 (default) runs per allocation; 10 log-spaced t up to 10³ / 10⁴.
    """
    r, tau, sigma = BANDITS[BANDIT]
    n_runs = pick(size, 1_000, 4_000)
    t = np.unique(np.round(np.logspace(1, pick(size, 3, 4), 10)).astype(int))
    e2w = _mean_band(
        scaled_squared_errors(r, tau, sigma, e2w_allocation(tau, E2W_EPSILON), t, n_runs=n_runs, seed=seed)
    )
    uni = _mean_band(
        scaled_squared_errors(r, tau, sigma, uniform_allocation, t, n_runs=n_runs, seed=seed + 1)
    )
    return E2WRateData(
        r=r,
        tau=tau,
        sigma=sigma,
        epsilon=E2W_EPSILON,
        t=t,
        e2w=e2w[0],
        e2w_lower=e2w[1],
        e2w_upper=e2w[2],
        uniform=uni[0],
        uniform_lower=uni[1],
        uniform_upper=uni[2],
        limit=e2w_limit(r, tau, sigma),
        uniform_limit=uniform_limit(r, tau, sigma),
        runs=n_runs,
    )


def plot_e2w_rate(d: E2WRateData) -> Figure:
    """t·E_t with 99 % bands against t (log), settling on E2W's limit, below uniform's."""
    with styled():
        fig, (ax,) = new_figure(1, 1, width=7.5, height=5.0)
        for i, (name, mean, lo, hi) in enumerate(
            (
                ("E2W", d.e2w, d.e2w_lower, d.e2w_upper),
                ("uniform sampling", d.uniform, d.uniform_lower, d.uniform_upper),
            )
        ):
            style = series(i)
            ax.fill_between(d.t, lo, hi, color=style["color"], alpha=BAND_ALPHA)
            ax.plot(
                d.t,
                mean,
                gid="e2w" if i == 0 else "uniform",
                label=f"{name}: Monte Carlo $t\\,E_t$ (99 % band)",
                **style,
            )
        ax.axhline(
            d.limit,
            color=PALETTE[0],
            ls=":",
            lw=2,
            label=r"E2W limit $\frac{\sigma^2}{\tau^2}\left(\sum_a e^{r(a)/\tau}\right)^2$",
        )
        ax.axhline(
            d.uniform_limit,
            color=PALETTE[1],
            ls=":",
            lw=2,
            label=r"uniform limit $\frac{\sigma^2}{\tau^2} K \sum_a e^{2r(a)/\tau}$",
        )
        ax.set(
            xscale="log",
            xlabel="pulls $t$ (log scale)",
            ylabel=r"$t\,E_t = t\,\mathbb{E}[(\hat U_t - U)^2]$",
            title=f"E2W on r = {d.r.tolist()}, τ = {d.tau:g}, σ = {d.sigma:g} ({d.runs} runs each)",
        )
        top = max(d.e2w_upper.max(), d.uniform_upper.max(), d.uniform_limit)
        ax.set_ylim(0, 1.25 * top)
        ax.legend(loc="upper right", fontsize=10)
    return fig


def e2w_rate(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``e2w_rate``."""
    return plot_e2w_rate(e2w_rate_data(seed=seed, size=size))


# ---------------------------------------------------------------------------------------------
# 11. svgd_particles (E3)
# ---------------------------------------------------------------------------------------------
def svgd_targets() -> tuple[BoltzmannMixture, BoltzmannMixture]:
    """The Boltzmann densities of the figure (those of the E3 battery, mdps.instances.BOLTZMANN_MIXTURES):
    1-D two modes, 2-D four bumps."""
    one, two = (BoltzmannMixture(name, *params) for name, params in BOLTZMANN_MIXTURES.items())
    return one, two


def mixture_density(target: BoltzmannMixture, a) -> np.ndarray:
    """The exact Boltzmann density exp(Q(a)/τ)/Z = Σ_k w_k N(a; μ_k, σ²I) at a ``[..., d]``."""
    a = np.asarray(a, dtype=np.float64)
    d2 = ((a[..., None, :] - target.means) ** 2).sum(-1)
    norm = (2 * np.pi * target.sd**2) ** (-target.dim / 2)
    return norm * np.exp(-d2 / (2 * target.sd**2)) @ target.weights


@dataclass(frozen=True)
class SvgdData:
    """SVGD particles and the exact densities they should sample.

    Attributes:
      start_1d, particles_1d: ``[N, 1]`` particles before and after SVGD (1-D target).
      grid_1d: ``[G]`` and density_1d ``[G]``: the exact 1-D density.
      start_2d, particles_2d: ``[N, 2]`` (2-D target).
      grid_x, grid_y, density_2d: ``[G, G]`` the exact 2-D density on a mesh.
      n_steps: SVGD steps.
    """

    start_1d: np.ndarray
    particles_1d: np.ndarray
    grid_1d: np.ndarray
    density_1d: np.ndarray
    start_2d: np.ndarray
    particles_2d: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    density_2d: np.ndarray
    n_steps: int


def run_svgd(target: BoltzmannMixture, start: np.ndarray, n_steps: int) -> np.ndarray:
    """theory.soft_q.svgd on ``target`` from ``start`` ``[N, d]``, step 0.2σ²/τ (as the E3 check)."""
    return svgd(target.grad_q, start, target.tau, step_size=0.2 * target.sd**2 / target.tau, n_steps=n_steps)


def svgd_particles_data(*, seed: int = 0, size: str = "quick") -> SvgdData:
    """Particles moved by Δf = E_a[κ(a,·)∇Q(a) + τ∇_a κ(a,·)] against the density ∝ exp(Q/τ).

    Source: seed deck, "Algorithm: Soft Q-learning" (step ③); Haarnoja et al. 2017, eq. (13);
    CLAIMS E3. N = 100 (quick) / 300 (default) particles start in a tight cloud N(0, 0.3²I) and
    take 400 steps.
    """
    n = pick(size, 100, 300)
    n_steps = 400
    rng = np.random.default_rng(seed)
    one, two = svgd_targets()
    start_1d = 0.3 * rng.standard_normal((n, 1))
    start_2d = 0.3 * rng.standard_normal((n, 2))
    grid_1d = np.linspace(-3.0, 3.0, 301)
    axis = np.linspace(-3.5, 3.5, 141)
    gx, gy = np.meshgrid(axis, axis)
    return SvgdData(
        start_1d=start_1d,
        particles_1d=run_svgd(one, start_1d, n_steps),
        grid_1d=grid_1d,
        density_1d=mixture_density(one, grid_1d[:, None]),
        start_2d=start_2d,
        particles_2d=run_svgd(two, start_2d, n_steps),
        grid_x=gx,
        grid_y=gy,
        density_2d=mixture_density(two, np.stack([gx, gy], axis=-1)),
        n_steps=n_steps,
    )


def plot_svgd_particles(d: SvgdData) -> Figure:
    """Left: histogram and rug of the 1-D particles over the exact density. Right: 2-D particles
    over the exact density's contours."""
    one, two = svgd_targets()
    with styled():
        fig, (ax, ax2) = new_figure(1, 2, width=5.8, height=5.0)
        ax.hist(
            d.particles_1d[:, 0],
            bins=30,
            density=True,
            color=PALETTE[5],
            alpha=0.6,
            label="SVGD particles (histogram)",
        )
        ax.plot(d.grid_1d, d.density_1d, color=PALETTE[1], gid="density_1d", label=r"exact $e^{Q(a)/\tau}/Z$")
        ax.plot(
            d.particles_1d[:, 0],
            np.full(len(d.particles_1d), -0.02),
            "|",
            color=PALETTE[0],
            ms=12,
            gid="particles_1d",
            label="particles",
        )
        ax.set(xlabel="action $a$", ylabel="density", title=f"(a) 1-D, two modes, $\\tau = {one.tau:g}$")
        ax.legend(loc="upper left", fontsize=10)
        ax2.contour(d.grid_x, d.grid_y, d.density_2d, levels=8, cmap="Greys", linewidths=1.2)
        ax2.scatter(
            d.start_2d[:, 0], d.start_2d[:, 1], s=10, color="grey", alpha=0.5, gid="start_2d", label="start"
        )
        ax2.scatter(
            d.particles_2d[:, 0],
            d.particles_2d[:, 1],
            s=18,
            color=PALETTE[0],
            marker="o",
            gid="particles_2d",
            label="after SVGD",
        )
        for (x, y), w in zip(two.means, two.weights, strict=True):
            ax2.annotate(
                f"w = {w:g}",
                (x, y),
                # Outwards from the centre, so each label sits beyond its own bump.
                xytext=tuple(50 * np.array([x, y]) / np.hypot(x, y)),
                textcoords="offset points",
                ha="center",
                va="center",
                color=PALETTE[1],
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": PALETTE[1], "alpha": 0.85},
            )
        ax2.set(
            aspect="equal",
            xlabel="$a_1$",
            ylabel="$a_2$",
            title=f"(b) 2-D, four bumps, $\\tau = {two.tau:g}$",
        )
        ax2.legend(loc="lower left", fontsize=10)
        fig.suptitle(
            f"SVGD: {len(d.particles_1d)} particles after {d.n_steps} steps sample the Boltzmann density"
        )
    return fig


def svgd_particles(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``svgd_particles``."""
    return plot_svgd_particles(svgd_particles_data(seed=seed, size=size))


# ---------------------------------------------------------------------------------------------
# 12. is_soft_value (E1)
# ---------------------------------------------------------------------------------------------
#: The soft value of the figure: Q = (0, 1, 2, 3), τ = 0.5, uniform proposal over K = 4.
IS_Q, IS_TAU = np.array([0.0, 1.0, 2.0, 3.0]), 0.5


@dataclass(frozen=True)
class ImportanceSamplingData:
    """Bias and variance of V̂ against the number of samples M.

    Attributes:
      m: ``[n]`` sample sizes M.
      bias, bias_lower, bias_upper: ``[n]`` E[V̂] − V (negative) and its 99 % interval.
      variance, variance_lower, variance_upper: ``[n]`` Var V̂ and its 99 % interval.
      bias_prediction: ``[n]`` −τ CV²/(2M) (delta method).
      variance_prediction: ``[n]`` τ² CV²/M.
      cv2: CV² of the importance weight; value: the exact V; runs: R.
    """

    m: np.ndarray
    bias: np.ndarray
    bias_lower: np.ndarray
    bias_upper: np.ndarray
    variance: np.ndarray
    variance_lower: np.ndarray
    variance_upper: np.ndarray
    bias_prediction: np.ndarray
    variance_prediction: np.ndarray
    cv2: float
    value: float
    runs: int


def is_soft_value_data(*, seed: int = 0, size: str = "quick") -> ImportanceSamplingData:
    """V̂ = τ log (1/M) Σ_j exp(Q(a_j)/τ)/q(a_j): bias and variance shrink like 1/M.

    Delta method: E[V̂] − V ≈ −τ CV²/(2M) and Var V̂ ≈ τ² CV²/M, CV² = Var_q(w)/E_q[w]² of the
    weight w = exp(Q/τ)/q. Source: seed deck, "Algorithm: Soft Q-learning"; Haarnoja et al.
    2017, eq. (10); CLAIMS E1. R = 4 000 (quick) / 20 000 (default) runs per M, M = 1, 2, 4, …,
    32 (quick) / 64 (default). Bias: 99 % CLT interval of the mean of V̂ − V. Variance: 99 % CLT
    interval of the mean of the squared deviations (x − x̄)² (the sample variance).
    """
    inst = discrete_instance(IS_Q, np.full(IS_Q.size, 1.0 / IS_Q.size), IS_TAU, name="figure")
    n_runs = pick(size, 4_000, 20_000)
    m = 2 ** np.arange(pick(size, 6, 7))
    rng = np.random.default_rng(seed)
    bias, variance = [], []
    for mi in m:
        q_samples, log_q = inst.draw(rng, (n_runs, int(mi)))
        v_hat = importance_sampled_soft_value(q_samples, log_q, inst.tau)  # [R]
        bias.append(_mean_band(v_hat - inst.value))
        variance.append(_mean_band((v_hat - v_hat.mean()) ** 2 * n_runs / (n_runs - 1)))
    bias, variance = np.array(bias), np.array(variance)  # [n, 3]: mean, lower, upper
    return ImportanceSamplingData(
        m=m,
        bias=bias[:, 0],
        bias_lower=bias[:, 1],
        bias_upper=bias[:, 2],
        variance=variance[:, 0],
        variance_lower=variance[:, 1],
        variance_upper=variance[:, 2],
        bias_prediction=-inst.tau * inst.cv2 / (2 * m),
        variance_prediction=inst.tau**2 * inst.cv2 / m,
        cv2=inst.cv2,
        value=inst.value,
        runs=n_runs,
    )


def plot_is_soft_value(d: ImportanceSamplingData) -> Figure:
    """Log–log: −bias and variance against M with 99 % bands and the 1/M predictions."""
    with styled():
        fig, (ax_b, ax_v) = new_figure(1, 2, width=5.6)
        # The band of −bias is drawn where it is positive (a log axis has no room for the rest).
        ax_b.fill_between(
            d.m, np.maximum(-d.bias_upper, 1e-6), -d.bias_lower, color=PALETTE[0], alpha=BAND_ALPHA
        )
        ax_b.plot(
            d.m,
            -d.bias,
            gid="neg_bias",
            label=r"Monte Carlo $V - \mathbb{E}[\hat V]$ (99 % band)",
            **series(0),
        )
        ax_b.plot(
            d.m,
            -d.bias_prediction,
            color=PALETTE[1],
            ls="--",
            gid="neg_bias_prediction",
            label=r"$\tau\,\mathrm{CV}^2/(2M)$",
        )
        ax_b.set(
            xscale="log",
            yscale="log",
            xlabel="samples $M$ (log)",
            ylabel=r"bias $V - \mathbb{E}[\hat V]$ (log)",
            title="(a) biased low, bias ∝ 1/M",
        )
        ax_b.legend(loc="lower left", fontsize=10)
        ax_v.fill_between(d.m, d.variance_lower, d.variance_upper, color=PALETTE[2], alpha=BAND_ALPHA)
        ax_v.plot(
            d.m,
            d.variance,
            gid="variance",
            label=r"Monte Carlo $\mathrm{Var}\,\hat V$ (99 % band)",
            **series(2),
        )
        ax_v.plot(
            d.m,
            d.variance_prediction,
            color=PALETTE[1],
            ls="--",
            gid="variance_prediction",
            label=r"$\tau^2\,\mathrm{CV}^2/M$",
        )
        ax_v.set(
            xscale="log",
            yscale="log",
            xlabel="samples $M$ (log)",
            ylabel=r"$\mathrm{Var}\,\hat V$ (log)",
            title="(b) variance ∝ 1/M",
        )
        ax_v.legend(loc="lower left", fontsize=10)
        fig.suptitle(
            rf"Importance-sampled soft value, Q = {IS_Q.tolist()}, $\tau = {IS_TAU:g}$, "
            f"uniform proposal ({d.runs} runs per M)"
        )
    return fig


def is_soft_value(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``is_soft_value``."""
    return plot_is_soft_value(is_soft_value_data(seed=seed, size=size))
