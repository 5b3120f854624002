"""Figures of soft dynamic programming on finite MDPs (claims C1, C3, D1, D2, D4).

Source: seed deck, slides "Redefinition: Bellman function", "Redefinition: policy improvement
theorem", "Algorithm: Soft Q-Iteration".

Per-iteration quantities that the solvers do not return (Q_k of soft value iteration, V^{π_k}
of soft policy iteration) are the orbits of :mod:`theory.iterates`
(:func:`~theory.iterates.orbit` of :func:`~theory.iterates.value_iteration_step` and
:func:`~theory.iterates.policy_iteration_step`); the figures only decide where to stop. Exact
optima come from the certified solvers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from figures._common import pick
from figures.style import PALETTE, new_figure, series, styled
from mdps.finite import FiniteMDP, check_infinite_horizon, live_states
from mdps.generators import garnet
from mdps.validation import check_int, check_seed, check_tau
from theory.bellman import evaluate_policy, soft_state_value
from theory.iterates import orbit, policy_iteration_step, value_iteration_step
from theory.solvers import exact_optimum, value_scale

__all__ = [
    "GAMMAS",
    "STOP",
    "TAU",
    "ContractionData",
    "ConvergenceCurve",
    "PolicyImprovementData",
    "contraction_ratios",
    "contraction_ratios_data",
    "contraction_ratios_of",
    "convergence_curve",
    "plot_contraction_ratios",
    "plot_policy_improvement",
    "plot_soft_vi_convergence",
    "policy_improvement",
    "policy_improvement_curves",
    "policy_improvement_data",
    "soft_vi_convergence",
    "soft_vi_convergence_data",
]

#: Discounts of the convergence and contraction figures: fast, typical, slow.
GAMMAS = (0.5, 0.9, 0.99)
#: Temperature of the random-MDP figures.
TAU = 0.5
#: Curves stop once the error falls below STOP·(1 + ‖V‖): further down they would plot the
#: exact solver's own certified error (about 1e-12·(1 + ‖V‖)), not convergence.
STOP = 1e-10


def _sup(x) -> np.ndarray:
    """Sup-norm over the trailing (state, action) axes."""
    return np.abs(x).max(axis=(-2, -1))


# ---------------------------------------------------------------------------------------------
# 3. soft_vi_convergence (D2)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConvergenceCurve:
    """Soft value iteration Q_k = T Q_{k−1} from Q_0 = 0 on one MDP at one temperature.

    Attributes:
      name: the MDP's name.
      gamma, tau: γ and τ.
      k: ``[n + 1]`` sweeps 0..n.
      error: ``[n + 1]`` ‖Q_k − Q*‖∞.
      prior_bound: ``[n + 1]`` γ^k ‖Q_0 − Q*‖∞.
      posterior_bound: ``[n]`` γ/(1 − γ)·‖Q_k − Q_{k−1}‖∞ for k = 1..n.
      solver_error: the certified error of Q*.
      rate: the measured rate per sweep over the second half of the curve,
        (error[n]/error[n//2])^(1/(n − n//2)); at most γ (D2); NaN for n < 2.
    """

    name: str
    gamma: float
    tau: float
    k: np.ndarray
    error: np.ndarray
    prior_bound: np.ndarray
    posterior_bound: np.ndarray
    solver_error: float
    rate: float


def convergence_curve(mdp: FiniteMDP, tau: float, *, max_iter: int = 20_000) -> ConvergenceCurve:
    """Soft value iteration from Q_0 = 0 on ``mdp`` at τ, with its a-priori and a-posteriori bounds.

    ‖Q_k − Q*‖∞ <= γ^k ‖Q_0 − Q*‖∞ and ‖Q_k − Q*‖∞ <= γ/(1 − γ)‖Q_k − Q_{k−1}‖∞. Source: seed
    deck, "Algorithm: Soft Q-Iteration"; CLAIMS D2. Runs until the error is below
    :data:`STOP`·(1 + ‖V‖) (or ``max_iter`` sweeps); Q* from the certified exact solver.

    Args:
      mdp: an infinite-horizon FiniteMDP.
      tau: temperature τ >= 0.
      max_iter: the most sweeps drawn.
    Returns:
      :class:`ConvergenceCurve`.
    Raises:
      TypeError, ValueError: a bad ``mdp``, ``tau`` or ``max_iter``, naming it.
    """
    check_infinite_horizon(mdp)
    tau = check_tau(tau)
    max_iter = check_int(max_iter, "max_iter", low=1)
    opt = exact_optimum(mdp, tau)
    stop = STOP * (1 + value_scale(mdp, tau))
    errors, steps, previous = [], [], None
    for k, q in enumerate(orbit(value_iteration_step(mdp, tau), np.zeros((mdp.n_states, mdp.n_actions)))):
        errors.append(_sup(q - opt.q))
        if previous is not None:
            steps.append(_sup(q - previous))
        if errors[-1] <= stop or k == max_iter:
            break
        previous = q
    k = np.arange(len(errors))
    g, n = mdp.gamma, len(errors) - 1
    rate = (errors[n] / errors[n // 2]) ** (1 / (n - n // 2)) if n >= 2 and errors[n // 2] > 0 else np.nan
    return ConvergenceCurve(
        name=mdp.name,
        gamma=g,
        tau=tau,
        k=k,
        error=np.array(errors),
        prior_bound=g**k * errors[0],
        posterior_bound=g / (1 - g) * np.array(steps),
        solver_error=opt.error_bound,
        rate=float(rate),
    )


def soft_vi_convergence_data(*, seed: int = 0, size: str = "quick") -> list[ConvergenceCurve]:
    """:func:`convergence_curve` on one Garnet MDP per γ in :data:`GAMMAS` at τ = :data:`TAU`.

    Source: seed deck, "Algorithm: Soft Q-Iteration"; CLAIMS D2. Garnet S = 10 quick / 30
    default, A = 3, b = 3, seeded by ``seed``.

    Returns:
      one :class:`ConvergenceCurve` per γ.
    """
    n_states = pick(size, 10, 30)
    return [convergence_curve(garnet(n_states, 3, 3, gamma=g, seed=seed), TAU) for g in GAMMAS]


def plot_soft_vi_convergence(curves: list[ConvergenceCurve]) -> Figure:
    """Top: per curve, the error (log scale) with both bounds. Bottom: error/bound, always ≤ 1.

    Titles give each curve's γ, τ, sweeps and measured rate (from the data); the MDP's name is
    the figure's title when all curves share it.
    """
    names = {c.name for c in curves}
    with styled():
        fig, axes = new_figure(2, len(curves), width=4.6, height=3.4, sharex="col")
        top, bottom = axes[: len(curves)], axes[len(curves) :]
        for i, (ax, ax_r, c) in enumerate(zip(top, bottom, curves, strict=True)):
            ax.semilogy(
                c.k,
                c.prior_bound,
                color=PALETTE[1],
                ls="--",
                gid=f"prior_bound_{i}",
                label=r"$\gamma^k\,\|Q_0 - Q^*\|_\infty$",
            )
            ax.semilogy(
                c.k[1:],
                c.posterior_bound,
                color=PALETTE[2],
                ls="-.",
                gid=f"posterior_bound_{i}",
                label=r"$\frac{\gamma}{1-\gamma}\|Q_k - Q_{k-1}\|_\infty$",
            )
            ax.semilogy(c.k, c.error, color=PALETTE[0], gid=f"error_{i}", label=r"$\|Q_k - Q^*\|_\infty$")
            ax.set_title(
                rf"$\gamma = {c.gamma:g}$, $\tau = {c.tau:g}$: {c.k[-1]} sweeps"
                + "\n"
                + rf"measured rate {c.rate:.3g} per sweep ($\leq \gamma$)",
                fontsize=12,
            )
            ax_r.plot(
                c.k,
                c.error / c.prior_bound,
                color=PALETTE[1],
                ls="--",
                gid=f"prior_ratio_{i}",
                label="error / a-priori bound",
            )
            ax_r.plot(
                c.k[1:],
                c.error[1:] / c.posterior_bound,
                color=PALETTE[2],
                ls="-.",
                gid=f"posterior_ratio_{i}",
                label="error / a-posteriori bound",
            )
            ax_r.axhline(1.0, color="grey", ls=":", lw=1.5)
            ax_r.set(ylim=(0, 1.1), xlabel="sweep $k$")
        top[0].set_ylabel("sup-norm error (log)")
        bottom[0].set_ylabel("error / bound")
        top[0].legend(loc="lower left", fontsize=10)
        bottom[0].legend(loc="lower left", fontsize=10)
        where = f" on {next(iter(names))}" if len(names) == 1 else ""
        fig.suptitle(f"Soft value iteration{where}: the error under both bounds")
    return fig


def soft_vi_convergence(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``soft_vi_convergence``."""
    return plot_soft_vi_convergence(soft_vi_convergence_data(seed=seed, size=size))


# ---------------------------------------------------------------------------------------------
# 4. contraction_ratios (D1)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContractionData:
    """Contraction ratios ‖TQ₁ − TQ₂‖∞/‖Q₁ − Q₂‖∞ over random pairs, one row per (MDP, τ).

    Attributes:
      gammas, taus: ``[G]`` γ and τ of each row.
      ratios: ``[G, N]`` the ratio of each pair.
      near_shift: ``[N]`` bool, pairs with Q₂ = Q₁ + c·1 + small noise (ratios near γ).
    """

    gammas: np.ndarray
    taus: np.ndarray
    ratios: np.ndarray
    near_shift: np.ndarray


def contraction_ratios_of(mdp: FiniteMDP, tau: float, *, n_pairs: int, seed: int = 0) -> np.ndarray:
    """‖TQ₁ − TQ₂‖∞/‖Q₁ − Q₂‖∞ <= γ for ``n_pairs`` random pairs of Q tables of ``mdp``.

    Source: seed deck, "Algorithm: Soft Q-Iteration" (proof); CLAIMS D1. The first
    ``n_pairs // 2`` pairs are independent (Q₁, Q₂ ~ N(0, s²), s log-uniform over
    [0.1, 10]·(1 + ‖V‖)); the rest are near shifts Q₂ = Q₁ + c + δ·N(0, 1), δ/|c| log-uniform
    over [10⁻³, 1], where the bound is nearly tight (for δ = 0 it is attained).

    Args:
      mdp: an infinite-horizon FiniteMDP.
      tau: temperature τ >= 0.
      n_pairs: number of pairs, >= 2.
      seed: seeds the pairs.
    Returns:
      ``[n_pairs]`` ratios.
    Raises:
      TypeError, ValueError: a bad argument, naming it.
    """
    check_infinite_horizon(mdp)
    tau = check_tau(tau)
    n_pairs = check_int(n_pairs, "n_pairs", low=2)
    rng = np.random.default_rng(check_seed(seed))
    near_shift = np.arange(n_pairs) >= n_pairs // 2
    scale = 1 + value_scale(mdp, tau)
    shape = (n_pairs, mdp.n_states, mdp.n_actions)
    q1 = scale * 10 ** rng.uniform(-1, 1, (n_pairs, 1, 1)) * rng.standard_normal(shape)
    shift = scale * rng.uniform(-1, 1, (n_pairs, 1, 1))
    noise = np.abs(shift) * 10 ** rng.uniform(-3, 0, (n_pairs, 1, 1)) * rng.standard_normal(shape)
    independent = scale * 10 ** rng.uniform(-1, 1, (n_pairs, 1, 1)) * rng.standard_normal(shape)
    q2 = np.where(near_shift[:, None, None], q1 + shift + noise, independent)
    T = value_iteration_step(mdp, tau)
    t1 = np.stack([T(q) for q in q1])
    t2 = np.stack([T(q) for q in q2])
    return _sup(t1 - t2) / _sup(q1 - q2)


def contraction_ratios_data(*, seed: int = 0, size: str = "quick") -> ContractionData:
    """:func:`contraction_ratios_of` on one Garnet MDP per γ in :data:`GAMMAS` (S = 10, A = 3,
    b = 3, seeded by ``seed + i``), τ = :data:`TAU`; N = 100 (quick) or 1000 (default) pairs."""
    n_pairs = pick(size, 100, 1000)
    ratios = [
        contraction_ratios_of(garnet(10, 3, 3, gamma=g, seed=seed + i), TAU, n_pairs=n_pairs, seed=seed + i)
        for i, g in enumerate(GAMMAS)
    ]
    return ContractionData(
        gammas=np.array(GAMMAS),
        taus=np.full(len(GAMMAS), TAU),
        ratios=np.stack(ratios),
        near_shift=np.arange(n_pairs) >= n_pairs // 2,
    )


def plot_contraction_ratios(d: ContractionData) -> Figure:
    """Empirical CDF of the ratio per row, each reaching 1 at or before its line x = γ; the
    legend gives each row's γ, τ and largest ratio (from the data)."""
    n = d.ratios.shape[1]
    with styled():
        fig, (ax,) = new_figure(1, 1, width=7.5, height=4.8)
        ecdf = np.arange(1, n + 1) / n
        for i, (g, tau) in enumerate(zip(d.gammas, d.taus, strict=True)):
            style = series(i)
            ax.step(
                np.sort(d.ratios[i]),
                ecdf,
                where="post",
                color=style["color"],
                linestyle=style["linestyle"],
                gid=f"ecdf_{i}",
                label=rf"$\gamma = {g:g}$, $\tau = {tau:g}$: largest {d.ratios[i].max():.4f}",
            )
        for j, g in enumerate(np.unique(d.gammas)):
            ax.axvline(g, color="grey", ls=":", lw=1.5)
            ax.annotate(
                rf"$\gamma={g:g}$",
                (g, 0.05 + 0.1 * j),
                xytext=(-4, 0),
                textcoords="offset points",
                ha="right",
                color="grey",
            )
        worst = (d.ratios.max(axis=1) / d.gammas).max()
        ax.set(
            xlim=(0, 1.02),
            ylim=(0, 1.02),
            xlabel=r"ratio $\|TQ_1 - TQ_2\|_\infty \,/\, \|Q_1 - Q_2\|_\infty$",
            ylabel="fraction of pairs with ratio ≤ x",
            title=f"Contraction ({n} pairs per curve): largest ratio/γ = {worst:.4f}",
        )
        ax.legend(loc="upper left")
    return fig


def contraction_ratios(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``contraction_ratios``."""
    return plot_contraction_ratios(contraction_ratios_data(seed=seed, size=size))


# ---------------------------------------------------------------------------------------------
# 5. policy_improvement (C1, C3, D4)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyImprovementData:
    """Soft policy iteration against soft value iteration on one MDP.

    Attributes:
      name: the MDP's name.
      gamma, tau: the problem's γ and τ.
      v_pi: ``[n + 1, S]`` V^{π_k}, π_{k+1} = f_τ(Q^{π_k}), π_0 deterministic.
      v_star: ``[S]`` V*.
      live: ``[S]`` bool, :func:`mdps.finite.live_states` (not terminal, entered from another
        state): the states of the minima and of panel (a).
      pi_error: ``[n + 1]`` ‖V^{π_k} − V*‖∞.
      vi_error: ``[m + 1]`` ‖V_k − V*‖∞ for soft value iteration from Q_0 = 0 (V_k = F_τ(Q_k)).
      min_increase: min over k and live s of V^{π_{k+1}}(s) − V^{π_k}(s) (>= 0 up to round-off: C1).
      min_gap: min over k and live s of V*(s) − V^{π_k}(s) (>= 0 up to round-off: no overshoot).
    """

    name: str
    gamma: float
    tau: float
    v_pi: np.ndarray
    v_star: np.ndarray
    live: np.ndarray
    pi_error: np.ndarray
    vi_error: np.ndarray
    min_increase: float
    min_gap: float


def policy_improvement_curves(mdp: FiniteMDP, tau: float) -> PolicyImprovementData:
    """V^{π_k} rising monotonically under soft policy iteration, and its error against soft VI.

    π_{k+1} = f_τ(Q^{π_k}) gives Q^{π_{k+1}} >= Q^{π_k} (C1), so V^{π_k} rises to V* (C3), in a
    few steps (Newton's method, D4) where value iteration needs many. Source: seed deck,
    "Redefinition: policy improvement theorem"; Haarnoja et al. 2017, Theorem 4. π_0 picks in
    every state the action of least reward (a poor start, so the rise is visible). Both
    iterations run until their error is below :data:`STOP`·(1 + ‖V‖) (at most 100 improvements,
    10 000 sweeps).

    Args:
      mdp: an infinite-horizon FiniteMDP.
      tau: temperature τ > 0 (the Boltzmann improvement divides by τ).
    Returns:
      :class:`PolicyImprovementData`.
    Raises:
      TypeError, ValueError: a bad ``mdp`` or ``tau``, naming it.
    """
    check_infinite_horizon(mdp)
    tau = check_tau(tau, positive=True, why="the improvement step f_τ(Q) divides by τ")
    v_star = exact_optimum(mdp, tau).v
    stop = STOP * (1 + value_scale(mdp, tau))
    start = evaluate_policy(mdp, np.eye(mdp.n_actions)[mdp.R.argmin(axis=1)], tau)
    v_pi = []
    for evaluation in orbit(policy_iteration_step(mdp, tau), start):
        v_pi.append(evaluation)
        if np.abs(evaluation.v - v_star).max() <= stop or len(v_pi) == 100:
            break
    vi_error = []
    for q in orbit(value_iteration_step(mdp, tau), np.zeros((mdp.n_states, mdp.n_actions))):
        vi_error.append(np.abs(soft_state_value(q, tau, terminal=mdp.terminal) - v_star).max())
        if vi_error[-1] <= stop or len(vi_error) == 10_000:
            break
    v = np.stack([e.v for e in v_pi])
    live = live_states(mdp)
    return PolicyImprovementData(
        name=mdp.name,
        gamma=mdp.gamma,
        tau=tau,
        v_pi=v,
        v_star=v_star,
        live=live,
        pi_error=np.abs(v - v_star).max(axis=1),
        vi_error=np.array(vi_error),
        min_increase=float(np.diff(v[:, live], axis=0).min()) if len(v) > 1 else np.nan,
        min_gap=float((v_star - v)[:, live].min()),
    )


def policy_improvement_data(*, seed: int = 0, size: str = "quick") -> PolicyImprovementData:
    """:func:`policy_improvement_curves` on a Garnet MDP S = 6, A = 3, b = 2, γ = 0.9 (seeded by
    ``seed``), τ = :data:`TAU`. ``size`` does not change this small exact figure."""
    pick(size, None, None)  # validates size
    return policy_improvement_curves(garnet(6, 3, 2, gamma=0.9, seed=seed), TAU)


def plot_policy_improvement(d: PolicyImprovementData) -> Figure:
    """(a) the gap V*(s) − V^{π_k}(s) per step, largest and smallest over live states (log scale): it
    falls in every state and stays positive. (b) the error of soft PI against soft VI (log)."""
    n_iter = d.v_pi.shape[0]
    k = np.arange(n_iter)
    gap = (d.v_star - d.v_pi)[:, d.live]
    with styled():
        fig, (ax, ax_err) = new_figure(1, 2, width=5.8)
        ax.semilogy(k, gap.max(axis=1), gid="gap_max", label=r"$\max_s\,(V^* - V^{\pi_k})(s)$", **series(0))
        ax.semilogy(k, gap.min(axis=1), gid="gap_min", label=r"$\min_s\,(V^* - V^{\pi_k})(s)$", **series(2))
        ax.set(
            xlabel="policy iteration step $k$",
            ylabel=r"$V^*(s) - V^{\pi_k}(s)$ (log scale)",
            title=f"(a) every state rises: smallest rise {d.min_increase:.2g},\n"
            f"smallest gap to V* {d.min_gap:.2g}",
            xticks=k,
        )
        ax.legend(loc="upper right")
        ax_err.semilogy(k, d.pi_error, gid="pi_error", label="soft policy iteration", **series(0))
        ax_err.semilogy(
            np.arange(d.vi_error.size),
            d.vi_error,
            color=PALETTE[1],
            ls="--",
            gid="vi_error",
            label="soft value iteration",
        )
        ax_err.set(
            xlabel="iteration (linear to 10, log scale beyond)",
            ylabel=r"$\|V_k - V^*\|_\infty$ (log scale)",
            title=f"(b) {n_iter - 1} improvements vs {d.vi_error.size - 1} sweeps",
        )
        ax_err.set_xscale("symlog", linthresh=10)
        ax_err.legend(loc="center")
        fig.suptitle(rf"Soft policy iteration on {d.name}, $\gamma = {d.gamma:g}$, $\tau = {d.tau:g}$")
    return fig


def policy_improvement(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``policy_improvement``."""
    return plot_policy_improvement(policy_improvement_data(seed=seed, size=size))
