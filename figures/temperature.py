"""Figures of the temperature: Boltzmann policies on a gridworld, and the τ → 0 limit (B2, B4).

Source: seed deck, slide "Redefinition: Bellman function" (the maximum entropy policy and its
soft values). Exact optima come from the certified solver of :func:`theory.solvers.exact_optimum`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from figures._common import pick
from figures.style import BAND_ALPHA, PALETTE, new_figure, series, styled
from mdps.finite import FiniteMDP, check_infinite_horizon, grid_cells, live_states
from mdps.generators import garnet, gridworld
from mdps.validation import check_taus
from theory.bellman import boltzmann_policy, evaluate_policy
from theory.solvers import exact_optimum

__all__ = [
    "GRID",
    "GRID_TAUS",
    "TemperatureLimitData",
    "TemperatureSweep",
    "boltzmann_gridworld",
    "boltzmann_gridworld_data",
    "plot_temperature_limit",
    "plot_temperature_sweep",
    "policy_bars",
    "temperature_limit",
    "temperature_limit_data",
    "temperature_sweep",
]

#: Russell & Norvig's 3×4 world: goal +1 at (0, 3), pit −1 at (1, 3), wall at (1, 1).
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
#: Height of a bar of probability 1 in a cell of height 1 (the value is written above the bars).
_BAR_HEIGHT = 0.55


@dataclass(frozen=True)
class TemperatureSweep:
    """Soft-optimal values and policies of one MDP at several temperatures.

    Attributes:
      name: the MDP's name; gamma: γ.
      taus: ``[T]`` temperatures.
      v: ``[T, S]`` V*_τ.
      policy: ``[T, S, A]`` π*_τ(a|s) = exp((Q*(s, a) − V*(s))/τ).
      v0: ``[S]`` V*_0, the classical optimum.
      shown: ``[S]`` bool: the states worth drawing, :func:`mdps.finite.live_states` (not
        terminal, entered from some other state: not FrozenLake's holes and goal with the sink
        convention, nor a gridworld's walls).
      growth: ``[T]`` max over shown states of V*_τ(s) − V*_0(s).
      bound: ``[T]`` τ log A/(1 − γ), the bound on that growth (B4).
      state_labels, action_labels: the MDP's labels, or ``s0, s1, …`` / ``a0, a1, …``.
      cells: ``[S, 2]`` grid cell (row, col) of each state, −1 off the grid, or None when the
        MDP is no grid (:func:`mdps.finite.grid_cells`).
    """

    name: str
    gamma: float
    taus: np.ndarray
    v: np.ndarray
    policy: np.ndarray
    v0: np.ndarray
    shown: np.ndarray
    growth: np.ndarray
    bound: np.ndarray
    state_labels: tuple[str, ...]
    action_labels: tuple[str, ...]
    cells: np.ndarray | None


def temperature_sweep(mdp: FiniteMDP, taus) -> TemperatureSweep:
    """V*_τ and π*_τ = exp((Q*_τ − V*_τ)/τ) of ``mdp`` for each τ, with V*_0 and the bound on
    V*_τ − V*_0.

    Source: seed deck, "Redefinition: Bellman function" (maximum entropy policy); CLAIMS B2;
    0 <= V*_τ − V*_0 <= τ log A/(1 − γ): Geist et al. 2019, Prop. 3 (CLAIMS B4). Exact optima
    by :func:`theory.solvers.exact_optimum`.

    Args:
      mdp: an infinite-horizon FiniteMDP (labels, when it has them, name states and actions).
      taus: ``[T]`` temperatures, each > 0.
    Returns:
      :class:`TemperatureSweep`.
    Raises:
      TypeError, ValueError: a bad ``mdp`` or ``taus`` (empty, non-positive, not finite), naming it.
    """
    check_infinite_horizon(mdp)
    taus = check_taus(taus)
    v, policy = [], []
    for tau in taus:
        opt = exact_optimum(mdp, tau)
        v.append(opt.v)
        policy.append(boltzmann_policy(opt.q, tau))
    v, v0 = np.stack(v), exact_optimum(mdp, 0.0).v
    shown = live_states(mdp)
    return TemperatureSweep(
        name=mdp.name,
        gamma=mdp.gamma,
        taus=taus,
        v=v,
        policy=np.stack(policy),
        v0=v0,
        shown=shown,
        growth=(v - v0)[:, shown].max(axis=1),
        bound=taus * np.log(mdp.n_actions) / (1 - mdp.gamma),
        state_labels=mdp.state_labels or tuple(f"s{s}" for s in range(mdp.n_states)),
        action_labels=mdp.action_labels or tuple(f"a{a}" for a in range(mdp.n_actions)),
        cells=grid_cells(mdp),
    )


def policy_bars(policy: np.ndarray, cells: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Rectangles of the per-cell bar charts of a policy: in each shown cell, one bar per
    action, side by side in the order of the actions, of height proportional to π(a|s).

    Args:
      policy: ``[S, A]``.
      cells: ``[S, 2]`` (row, col) per state (−1 off the grid).
      shown: ``[S]`` bool, the states to draw.
    Returns:
      ``[n, A, 4, 2]`` corners (x, y) of the bars of the n drawn states, in image coordinates
      (x = column, y = row, rows growing downwards; a bar grows upwards from y = row + 0.42).
    """
    drawn = np.flatnonzero(shown & (cells[:, 0] >= 0))
    n_actions = policy.shape[1]
    width = 0.8 / n_actions
    left = cells[drawn, 1][:, None] - 0.4 + width * np.arange(n_actions)  # [n, A]
    base = np.broadcast_to(cells[drawn, 0][:, None] + 0.42, left.shape)
    top = base - _BAR_HEIGHT * policy[drawn]
    right = left + 0.9 * width
    return np.stack(
        [np.stack(c, axis=-1) for c in ((left, base), (right, base), (right, top), (left, top))], axis=-2
    )


def _description(label: str) -> str:
    """A grid state's label without its cell, e.g. ``"hole"`` for ``"(1, 1) hole"``."""
    return label.split(")", 1)[1].strip() if label.startswith("(") else label


def _plot_grid(fig, ax, d: TemperatureSweep, i: int) -> None:
    """Panel i of a grid problem: V*_τ as colour and number, π*_τ as bars per cell."""
    on_grid = d.cells[:, 0] >= 0
    rows, cols = d.cells[on_grid].max(axis=0) + 1
    image = np.full((rows, cols), np.nan)
    drawn = d.shown & on_grid
    image[d.cells[drawn, 0], d.cells[drawn, 1]] = d.v[i, drawn]
    img = ax.imshow(image, cmap="viridis", gid=f"v_{i}")
    fig.colorbar(img, ax=ax, shrink=0.8, label=r"$V^*_\tau(s)$")
    bars = policy_bars(d.policy[i], d.cells, d.shown)
    colors = np.tile([PALETTE[a % len(PALETTE)] for a in range(d.policy.shape[2])], len(bars))
    ax.add_collection(
        PolyCollection(
            bars.reshape(-1, 4, 2), facecolors=colors, edgecolors="black", linewidths=0.4, gid=f"bars_{i}"
        )
    )
    for s in np.flatnonzero(on_grid):
        r, c = d.cells[s]
        if drawn[s]:
            label = {"ha": "center", "va": "center", "fontsize": 10, "color": "white", "weight": "bold"}
            ax.text(c, r - 0.3, f"{d.v[i, s]:.2f}", **label)
        else:
            ax.text(c, r, _description(d.state_labels[s]), ha="center", va="center", fontsize=10)
    ax.set(xticks=[], yticks=[], xlim=(-0.5, cols - 0.5), ylim=(rows - 0.5, -0.5))
    ax.grid(False)


def _plot_table(fig, ax, d: TemperatureSweep, i: int) -> None:
    """Panel i of any other problem: π*_τ(a|s) as a state × action heat map."""
    shown = np.flatnonzero(d.shown)
    img = ax.imshow(d.policy[i, shown], cmap="viridis", vmin=0, vmax=1, aspect="auto", gid=f"policy_{i}")
    fig.colorbar(img, ax=ax, shrink=0.8, label=r"$\pi^*_\tau(a|s)$")
    ax.set_xticks(np.arange(len(d.action_labels)), d.action_labels, rotation=45, ha="right")
    if shown.size <= 30:
        ax.set_yticks(np.arange(shown.size), [d.state_labels[s] for s in shown], fontsize=10)
    else:
        ax.set_ylabel(f"{shown.size} states")
    ax.grid(False)


def plot_temperature_sweep(d: TemperatureSweep) -> Figure:
    """One panel per τ. A grid problem: V*_τ as colour and number per cell, π*_τ(a|s) as a bar
    per action (colour keyed to the problem's action labels), readable at any τ. Any other
    problem: π*_τ as a state × action heat map. Titles: τ, the measured growth max_s V*_τ − V*_0
    and its bound τ log A/(1 − γ)."""
    with styled():
        width, height = (4.4, 3.9) if d.cells is not None else (4.4, 5.0)
        fig, axes = new_figure(1, d.taus.size, width=width, height=height)
        for i, (ax, tau) in enumerate(zip(axes, d.taus, strict=True)):
            (_plot_grid if d.cells is not None else _plot_table)(fig, ax, d, i)
            ax.set_title(
                rf"$\tau = {tau:g}$: $\max_s V^*_\tau - V^*_0 = {d.growth[i]:.3g}$"
                + "\n"
                + rf"(bound $\tau\log {d.policy.shape[2]}/(1-\gamma) = {d.bound[i]:.3g}$)",
                fontsize=12,
            )
        if d.cells is not None:
            handles = [
                Patch(facecolor=PALETTE[a % len(PALETTE)], edgecolor="black", label=label)
                for a, label in enumerate(d.action_labels)
            ]
            fig.legend(
                handles=handles, loc="outside lower center", ncols=len(handles), title="bars: π*(a|s) of"
            )
        fig.suptitle(
            rf"Soft-optimal policy $\pi^*_\tau$ and value $V^*_\tau$ on {d.name}, $\gamma = {d.gamma:g}$"
        )
    return fig


def boltzmann_gridworld_data(*, seed: int = 0, size: str = "quick") -> TemperatureSweep:
    """:func:`temperature_sweep` of the 3×4 gridworld :data:`GRID` at τ in :data:`GRID_TAUS`.

    Source: seed deck, "Redefinition: Bellman function" (maximum entropy policy); CLAIMS B2.
    Exact (``seed`` and ``size`` do not change it).
    """
    pick(size, None, None)  # validates size
    return temperature_sweep(gridworld(**GRID), GRID_TAUS)


def boltzmann_gridworld(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``boltzmann_gridworld``."""
    return plot_temperature_sweep(boltzmann_gridworld_data(seed=seed, size=size))


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
