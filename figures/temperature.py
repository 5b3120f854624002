"""Figures of the temperature: Boltzmann policies on a gridworld, and the τ → 0 limit (B2, B4).

Source: seed deck, slide "Redefinition: Bellman function" (the maximum entropy policy and its
soft values). Exact optima come from the certified solver of :func:`theory.solvers.exact_optimum`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from figures._common import pick
from figures.style import BAND_ALPHA, PALETTE, new_figure, series, styled
from mdps.generators import garnet, gridworld
from theory.bellman import boltzmann_policy, evaluate_policy
from theory.solvers import exact_optimum

__all__ = [
    "GRID",
    "GRID_TAUS",
    "BoltzmannGridworldData",
    "TemperatureLimitData",
    "boltzmann_gridworld",
    "boltzmann_gridworld_data",
    "plot_boltzmann_gridworld",
    "plot_temperature_limit",
    "policy_arrows",
    "temperature_limit",
    "temperature_limit_data",
]

GRID = {
    "rows": 3,
    "cols": 4,
    "terminals": {(0, 3): 1.0, (1, 3): -1.0},
    "walls": ((1, 1),),
    "step_reward": -0.04,
    "slip": 0.2,
    "gamma": 0.95,
}
GRID_TAUS = (0.01, 0.1, 1.0)
#: Cell displacement (row, column) of actions 0 up, 1 right, 2 down, 3 left (mdps.generators).
_MOVES = np.array([[-1, 0], [0, 1], [1, 0], [0, -1]])


@dataclass(frozen=True)
class BoltzmannGridworldData:
    """Soft-optimal values and policies of :data:`GRID` at several temperatures.

    Attributes:
      taus: ``[G]``.
      v: ``[G, rows, cols]`` V*_τ, NaN on walls and terminal cells (whose value is 0 by
        convention: their reward is paid on entering).
      policy: ``[G, rows, cols, 4]`` π*_τ(a|s) for up, right, down, left; NaN where v is.
      terminals: {(r, c): reward on entering}.
      walls: wall cells.
    """

    taus: np.ndarray
    v: np.ndarray
    policy: np.ndarray
    terminals: dict
    walls: tuple


def boltzmann_gridworld_data(*, seed: int = 0, size: str = "quick") -> BoltzmannGridworldData:
    """V*_τ and π*_τ = exp((Q* − V*)/τ) on a 3×4 gridworld for τ in {0.01, 0.1, 1}.

    Source: seed deck, "Redefinition: Bellman function" (maximum entropy policy); CLAIMS B2.
    Exact (``seed`` and ``size`` do not change it).
    """
    pick(size, None, None)  # validates size
    rows, cols = GRID["rows"], GRID["cols"]
    mdp = gridworld(**GRID)
    hidden = mdp.terminal.copy()
    for r, c in GRID["walls"]:
        hidden[r * cols + c] = True
    v, policy = [], []
    for tau in GRID_TAUS:
        opt = exact_optimum(mdp, tau)
        v.append(np.where(hidden, np.nan, opt.v).reshape(rows, cols))
        policy.append(np.where(hidden[:, None], np.nan, boltzmann_policy(opt.q, tau)).reshape(rows, cols, 4))
    return BoltzmannGridworldData(
        taus=np.array(GRID_TAUS),
        v=np.stack(v),
        policy=np.stack(policy),
        terminals=GRID["terminals"],
        walls=GRID["walls"],
    )


def policy_arrows(policy: np.ndarray) -> tuple[np.ndarray, ...]:
    """Quiver data for a ``[rows, cols, 4]`` policy: one arrow per (cell, action) of length π(a|s).

    Returns:
      ``(x, y, u, v)`` each ``[rows·cols·4]``, in image coordinates (x = column, y = row, rows
      growing downwards); arrows of cells with NaN policies are NaN.
    """
    rows, cols, _ = policy.shape
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    x = np.repeat(c[..., None], 4, axis=-1).ravel().astype(float)
    y = np.repeat(r[..., None], 4, axis=-1).ravel().astype(float)
    u = (policy * _MOVES[:, 1]).ravel()
    v = (policy * _MOVES[:, 0]).ravel()
    return x, y, u, v


def plot_boltzmann_gridworld(d: BoltzmannGridworldData) -> Figure:
    """One panel per τ: V* as colour and number per cell, π* as four arrows of length π(a|s)."""
    with styled():
        fig, axes = new_figure(1, d.taus.size, width=4.4, height=3.9)
        for i, (ax, tau) in enumerate(zip(axes, d.taus, strict=True)):
            v = d.v[i]
            img = ax.imshow(v, cmap="viridis", norm=Normalize(np.nanmin(v), np.nanmax(v)), gid=f"v_{i}")
            fig.colorbar(img, ax=ax, shrink=0.8, label=r"$V^*_\tau(s)$")
            x, y, u, w = policy_arrows(d.policy[i])
            # angles="xy" draws in data coordinates, so on the image's downward row axis an arrow
            # with w = −π(up) points up; 0.45 keeps a certain action's arrow inside its cell.
            ax.quiver(
                x,
                y,
                u,
                w,
                angles="xy",
                scale_units="xy",
                scale=1 / 0.45,
                width=0.009,
                headwidth=3,
                headlength=3,
                headaxislength=2.7,
                minlength=0,
                color="white",
                edgecolor="black",
                linewidth=0.6,
                gid=f"arrows_{i}",
            )
            for (r, c), val in np.ndenumerate(v):
                if np.isfinite(val):
                    ax.text(
                        c,
                        r + 0.32,
                        f"{val:.2f}",
                        ha="center",
                        va="center",
                        fontsize=11,
                        color="white",
                        fontweight="bold",
                    )
            for (r, c), reward in d.terminals.items():
                ax.text(
                    c,
                    r,
                    f"{'goal' if reward > 0 else 'pit'}\n{reward:+g}",
                    ha="center",
                    va="center",
                    fontsize=11,
                )
            for r, c in d.walls:
                ax.text(c, r, "wall", ha="center", va="center", fontsize=11, color="grey")
            ax.set(title=rf"$\tau = {tau:g}$", xticks=[], yticks=[])
            ax.grid(False)
        fig.suptitle(r"Soft-optimal policy $\pi^*_\tau(a|s)$ (arrow length) and $V^*_\tau$ (colour, number)")
    return fig


def boltzmann_gridworld(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``boltzmann_gridworld``."""
    return plot_boltzmann_gridworld(boltzmann_gridworld_data(seed=seed, size=size))


# ---------------------------------------------------------------------------------------------
# 7. temperature_limit (B4)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemperatureLimitData:
    """V*_τ − V*_0 against τ with its bound, on one MDP.

    Attributes:
      gamma: γ; n_actions: K.
      tau: ``[T]`` temperatures (log-spaced, > 0).
      gap_max, gap_min: ``[T]`` max_s and min_s of V*_τ(s) − V*_0(s).
      bound: ``[T]`` τ log K/(1 − γ).
      classical_loss: ``[T]`` max_s V*_0(s) − V_0^{π*_τ}(s), the classical value lost by acting
        with the soft-optimal policy.
    """

    gamma: float
    n_actions: int
    tau: np.ndarray
    gap_max: np.ndarray
    gap_min: np.ndarray
    bound: np.ndarray
    classical_loss: np.ndarray


def temperature_limit_data(*, seed: int = 0, size: str = "quick") -> TemperatureLimitData:
    """0 <= V*_τ − V*_0 <= τ log K/(1 − γ) and 0 <= V*_0 − V_0^{π*_τ} <= τ log K/(1 − γ).

    Source: Geist et al. 2019, Prop. 3 / Thm 2; CLAIMS B4. Garnet MDP S = 10, A = 4, b = 3,
    γ = 0.9 (seeded by ``seed``); τ log-spaced on [10⁻³, 10] (13 quick / 41 default points).
    """
    mdp = garnet(10, 4, 3, gamma=0.9, seed=seed)
    tau = np.logspace(-3, 1, pick(size, 13, 41))
    v0 = exact_optimum(mdp, 0.0).v
    gaps, losses = [], []
    for t in tau:
        opt = exact_optimum(mdp, t)
        gaps.append(opt.v - v0)
        losses.append(np.max(v0 - evaluate_policy(mdp, opt.policy, 0.0).v))
    gaps = np.array(gaps)
    return TemperatureLimitData(
        gamma=mdp.gamma,
        n_actions=mdp.n_actions,
        tau=tau,
        gap_max=gaps.max(axis=1),
        gap_min=gaps.min(axis=1),
        bound=tau * np.log(mdp.n_actions) / (1 - mdp.gamma),
        classical_loss=np.array(losses),
    )


def plot_temperature_limit(d: TemperatureLimitData) -> Figure:
    """Log–log: the range of V*_τ − V*_0 over states and the classical loss, under the bound."""
    with styled():
        fig, (ax,) = new_figure(1, 1, width=7.5, height=5.0)
        ax.plot(
            d.tau, d.bound, color=PALETTE[1], ls="--", gid="bound", label=r"bound $\tau\log K/(1-\gamma)$"
        )
        ax.fill_between(d.tau, d.gap_min, d.gap_max, color=PALETTE[0], alpha=BAND_ALPHA)
        ax.plot(
            d.tau, d.gap_max, gid="gap_max", label=r"$\mathrm{max}_s\,(V^*_\tau - V^*_0)(s)$", **series(0)
        )
        ax.plot(
            d.tau,
            d.gap_min,
            color=PALETTE[0],
            ls=":",
            marker="o",
            mfc="none",
            gid="gap_min",
            label=r"$\mathrm{min}_s\,(V^*_\tau - V^*_0)(s)$",
        )
        ax.plot(
            d.tau,
            d.classical_loss,
            gid="classical_loss",
            label=r"$\mathrm{max}_s\,(V^*_0 - V_0^{\pi^*_\tau})(s)$",
            **series(2),
        )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel=r"temperature $\tau$ (log scale)",
            ylabel="value difference (log scale)",
            title=rf"Temperature limit, $K = {d.n_actions}$, $\gamma = {d.gamma:g}$: "
            "every curve under the bound",
        )
        ax.legend(loc="lower right")
    return fig


def temperature_limit(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``temperature_limit``."""
    return plot_temperature_limit(temperature_limit_data(seed=seed, size=size))
