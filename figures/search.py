"""Figures of tree search (claims G3a, G3b, G4, G5, G6): MENTS against UCT on synthetic trees, the
D-chain, where the soft optimum MENTS converges to is not the reward optimum, and BTS and DENTS
beside them on the D-chain and the entropy trap.

Source: seed deck, slides "Algorithm: Maximum entropy monte-carlo planning"; Xiao et al. 2019
(synthetic trees); Painter et al. 2023 (the modified D-chain, ments-notes §5a). Searches run by
:func:`theory.mcts.ments` and :func:`theory.mcts.uct` (many runs in lockstep, seeded); exact
values by :func:`theory.mcts.root_soft_q`; failure rates with Clopper–Pearson intervals by
:func:`theory.mcts.failure_curve`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from figures._common import LEVEL, pick
from figures.style import BAND_ALPHA, new_figure, series, styled
from mdps.generators import d_chain, entropy_trap
from mdps.instances import CHAIN_EPSILON, MCTS_EPSILON, MCTS_SIGMA, MCTS_TAU, UCT_C
from mdps.trees import synthetic_tree, tree_mdp
from theory.mcts import (
    FailureCurve,
    bts,
    d_chain_critical_temperature,
    dents,
    entropy_trap_critical_temperature,
    failure_curve,
    ments,
    root_soft_q,
    uct,
)
from theory.stats import clopper_pearson

__all__ = [
    "DCHAIN",
    "SEARCH",
    "SEARCHES",
    "TRAP",
    "BoltzmannSearchData",
    "DChainData",
    "MentsUctData",
    "boltzmann_search",
    "boltzmann_search_data",
    "dchain_threshold",
    "dchain_threshold_data",
    "ments_vs_uct",
    "ments_vs_uct_data",
    "plot_boltzmann_search",
    "plot_dchain_threshold",
    "plot_ments_vs_uct",
]

#: Search parameters: those of the G3a battery (checks.planning; defined in mdps.instances):
#: MENTS τ and ε, UCT's c, and the Gaussian leaf noise σ.
SEARCH = {"tau": MCTS_TAU, "epsilon": MCTS_EPSILON, "c": UCT_C, "sigma": MCTS_SIGMA}


# ---------------------------------------------------------------------------------------------
# 9. ments_vs_uct (G3a, G3b)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MentsUctData:
    """Failure curves of MENTS and UCT pooled over seeded synthetic trees.

    Attributes:
      branching, depth: the trees' k and d.
      n_trees: trees pooled.
      ments, uct: :class:`theory.mcts.FailureCurve` each (checkpoints, rate, low, high, ...).
    """

    branching: int
    depth: int
    n_trees: int
    ments: FailureCurve
    uct: FailureCurve


def ments_vs_uct_data(*, seed: int = 0, size: str = "quick") -> MentsUctData:
    """P(recommended root action ≠ its target) against simulations, MENTS vs UCT.

    MENTS's target is the soft-optimal root action argmax_a Q*_τ(root, a), UCT's the optimal
    one argmax_a Q*_0(root, a) (exact, :func:`theory.mcts.root_soft_q`). Source: seed deck,
    "Algorithm: Maximum entropy monte-carlo planning" (convergence against UCT); CLAIMS G3 (checks G3a, G3b).
    Trees k = 4, d = 3 (seeds ``seed``, ``seed + 1``, …): 3 trees × 50 runs up to 200
    simulations (quick), 10 trees × 200 runs up to 2 000 (default); :data:`SEARCH` parameters.
    """
    n_trees, n_runs, top = pick(size, (3, 50, 200), (10, 200, 2_000))
    marks = np.unique(np.round(np.logspace(1, np.log10(top), 9)).astype(int))
    k, depth = 4, 3
    ments_runs, uct_runs, ments_targets, uct_targets = [], [], [], []
    for i in range(n_trees):
        mdp = tree_mdp(synthetic_tree(k, depth, seed=seed + i))
        q = root_soft_q(mdp, [SEARCH["tau"], 0.0])
        ments_targets.append(int(q[0].argmax()))
        uct_targets.append(int(q[1].argmax()))
        common = {"sigma": SEARCH["sigma"], "checkpoints": marks, "n_runs": n_runs, "seed": seed + i}
        ments_runs.append(ments(mdp, tau=SEARCH["tau"], epsilon=SEARCH["epsilon"], **common))
        uct_runs.append(uct(mdp, c=SEARCH["c"], **common))
    return MentsUctData(
        branching=k,
        depth=depth,
        n_trees=n_trees,
        ments=failure_curve(ments_runs, ments_targets, level=LEVEL),
        uct=failure_curve(uct_runs, uct_targets, level=LEVEL),
    )


def plot_ments_vs_uct(d: MentsUctData) -> Figure:
    """Failure rate against simulations (log–log) with 99 % Clopper–Pearson bands."""
    with styled():
        fig, (ax,) = new_figure(1, 1, width=7.5, height=5.0)
        for i, (name, curve) in enumerate(
            (("MENTS (target: soft optimum)", d.ments), ("UCT (target: optimum)", d.uct))
        ):
            style = series(i)
            ax.fill_between(curve.checkpoints, curve.low, curve.high, color=style["color"], alpha=BAND_ALPHA)
            ax.plot(curve.checkpoints, curve.rate, gid="ments" if i == 0 else "uct", label=name, **style)
        ax.set(
            xscale="log",
            xlabel="simulations $t$ (log scale)",
            ylabel=r"$P(a_t \neq a^*)$",
            ylim=(0, 1),
            title=(
                f"Synthetic trees k = {d.branching}, d = {d.depth}: {d.n_trees} trees × "
                f"{d.ments.n_runs // d.n_trees} runs ({LEVEL:.0%} bands)"
            ),
        )
        ax.legend(loc="upper right")
    return fig


def ments_vs_uct(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``ments_vs_uct``."""
    return plot_ments_vs_uct(ments_vs_uct_data(seed=seed, size=size))


# ---------------------------------------------------------------------------------------------
# 10. dchain_threshold (G4)
# ---------------------------------------------------------------------------------------------
#: The D-chain of CLAIMS G4: D = 10 states, final reward R_f = 1/2.
DCHAIN = (10, 0.5)


@dataclass(frozen=True)
class DChainData:
    """Root soft Q-values of the D-chain against τ, and where MENTS goes.

    Attributes:
      tau: ``[T]`` temperatures.
      q_left, q_right: ``[T]`` Q*_τ(root, L), Q*_τ(root, R).
      tau_c: the crossing temperature, Q*_τ(root, L) = Q*_τ(root, R).
      ments_tau: ``[M]`` temperatures at which MENTS was run.
      ments_right: :class:`theory.mcts.FailureCurve` per MENTS temperature, with target L, so
        its ``rate`` is the share of runs recommending R (one checkpoint each).
      simulations: MENTS simulations per run.
    """

    tau: np.ndarray
    q_left: np.ndarray
    q_right: np.ndarray
    tau_c: float
    ments_tau: np.ndarray
    ments_right: tuple[FailureCurve, ...]
    simulations: int


def dchain_threshold_data(*, seed: int = 0, size: str = "quick") -> DChainData:
    """Root soft Q of L and R on the D-chain (D = 10, R_f = 1/2) against τ; they cross at τ_c.

    Source: CLAIMS G4 (beyond the deck); Painter et al. 2023. L pays 0.9 and ends; R's soft
    value grows with τ (entropy along the chain) and overtakes L at τ_c ≈ 0.1386
    (:func:`theory.mcts.d_chain_critical_temperature`). MENTS (ε = 1, σ = 0.1) is run at a few
    τ: 2 τ × 20 runs × 200 simulations (quick), 6 τ × 100 runs × 1 000 (default); 161 (default)
    or 41 (quick) exact τ on [0, 0.3].
    """
    mdp = d_chain(*DCHAIN)
    tau = np.linspace(0.0, 0.3, pick(size, 41, 161))
    q = root_soft_q(mdp, tau)
    ments_tau, n_runs, sims = pick(
        size, (np.array([0.05, 0.25]), 20, 200), (np.array([0.05, 0.1, 0.12, 0.16, 0.2, 0.25]), 100, 1_000)
    )
    right = tuple(
        failure_curve(
            [ments(mdp, tau=t, epsilon=1.0, sigma=0.1, checkpoints=[sims], n_runs=n_runs, seed=seed + i)],
            [0],
            level=LEVEL,
        )
        for i, t in enumerate(ments_tau)
    )
    return DChainData(
        tau=tau,
        q_left=q[:, 0],
        q_right=q[:, 1],
        tau_c=d_chain_critical_temperature(*DCHAIN),
        ments_tau=ments_tau,
        ments_right=right,
        simulations=sims,
    )


def plot_dchain_threshold(d: DChainData) -> Figure:
    """Top: Q*_τ(root, L) and Q*_τ(root, R) against τ, crossing at τ_c. Bottom: the share of
    MENTS runs recommending R, switching at τ_c."""
    n, final = DCHAIN
    every = max(1, d.tau.size // 10)
    with styled():
        fig, (ax, ax_m) = new_figure(2, 1, width=7.5, height=3.6, sharex=True, height_ratios=(3, 2))
        ax.plot(
            d.tau,
            d.q_left,
            gid="q_left",
            label=r"$Q^*_\tau(s_1, L)$: take $0.9$ and stop",
            markevery=every,
            **series(0),
        )
        ax.plot(
            d.tau,
            d.q_right,
            gid="q_right",
            label=r"$Q^*_\tau(s_1, R)$: walk the chain",
            markevery=every,
            **series(1),
        )
        ax.annotate(
            rf"$\tau_c = {d.tau_c:.4f}$",
            (d.tau_c, float(np.interp(d.tau_c, d.tau, d.q_left))),
            xytext=(-130, 30),
            textcoords="offset points",
            arrowprops={"arrowstyle": "->", "color": "grey"},
        )
        ax.text(0.97, 0.06, r"$\tau > \tau_c$: soft optimum R", transform=ax.transAxes, ha="right")
        ax.set(
            ylabel="root soft Q-value",
            title=f"D-chain (D = {n}, $R_f = {final:g}$): reward-optimal L, soft-optimal R above $\\tau_c$",
        )
        ax.legend(loc="upper left")
        share = np.array([c.rate[0] for c in d.ments_right])
        low = np.array([c.low[0] for c in d.ments_right])
        high = np.array([c.high[0] for c in d.ments_right])
        bars = ax_m.errorbar(
            d.ments_tau,
            share,
            yerr=(share - low, high - share),
            capsize=4,
            color=series(2)["color"],
            marker=series(2)["marker"],
            linestyle="none",
            label=f"MENTS after {d.simulations} simulations ({LEVEL:.0%} CI)",
        )
        bars.lines[0].set_gid("ments_right")  # the markers (errorbar would tag the bars too)
        ax_m.set(xlabel=r"temperature $\tau$", ylabel="share choosing R", ylim=(-0.05, 1.05))
        ax_m.legend(loc="upper left", fontsize=10)
        for a in (ax, ax_m):
            a.axvline(d.tau_c, color="grey", ls=":", lw=1.5)
    return fig


def dchain_threshold(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``dchain_threshold``."""
    return plot_dchain_threshold(dchain_threshold_data(seed=seed, size=size))


# ---------------------------------------------------------------------------------------------
# 11. boltzmann_search (G5, G6)
# ---------------------------------------------------------------------------------------------
#: The entropy trap of the figure: D = K = 4 (τ_trap = 1/(4 log 2) ≈ 0.36).
TRAP = (4, 4)
#: The four searches, in plotting order.
SEARCHES = ("MENTS", "BTS", "DENTS", "UCT")
#: size -> (temperatures, runs, simulations).
_BOLTZMANN_PLAN = {
    "quick": (np.array([0.05, 1.0]), 10, 60),
    "default": (np.geomspace(0.03, 2.0, 7), 100, 300),
}


@dataclass(frozen=True)
class BoltzmannSearchData:
    """Who recommends the reward-optimal plan, against τ, on the D-chain and the entropy trap.

    Attributes:
      tau: ``[T]`` search temperatures (UCT has none: its one result is repeated).
      n_runs, simulations: runs per point and simulations per run.
      tau_c: the modified D-chain's critical temperature (soft optimum R above it).
      tau_trap: the trap's threshold 1/(K log 2) (soft optimum enters the entropy chain above it).
      dchain: search name -> ``(rate, low, high)``, each ``[T]``: the share of runs recommending
        the reward-optimal root action L, with its Clopper–Pearson interval at ``LEVEL``.
      trap: search name -> ``(rate, low, high)``: the share of runs whose recommendation policy
        takes the trap's exit (collects V* = 1).
    """

    tau: np.ndarray
    n_runs: int
    simulations: int
    tau_c: float
    tau_trap: float
    dchain: dict
    trap: dict


def _share(events: np.ndarray) -> tuple[float, float, float]:
    """(rate, low, high) of a per-run event, Clopper–Pearson at LEVEL (theory.stats)."""
    k, n = int(events.sum()), int(events.size)
    low, high = clopper_pearson(k, n, 1.0 - LEVEL)
    return k / n, low, high


def boltzmann_search_data(*, seed: int = 0, size: str = "quick") -> BoltzmannSearchData:
    """MENTS, BTS, DENTS and UCT on the modified D-chain and the entropy trap, across τ.

    Source: CLAIMS G5, G6 (beyond the deck); Painter et al. 2023 (BTS, DENTS, both MDPs). All
    four search with ε = 1 (:data:`mdps.instances.CHAIN_EPSILON`), the leaf noise σ of the G3a
    check, and UCT's c = √2; temperatures, runs and simulations of the plan (quick: 2 τ × 10
    runs × 60 simulations; default: 7 τ from 0.03 to 2 × 100 runs × 300). The reward-optimal
    root action of the chain (L) and the trap's V* = 1 are exact (backward induction).
    """
    taus, n_runs, sims = pick(size, _BOLTZMANN_PLAN["quick"], _BOLTZMANN_PLAN["default"])
    chain, trap = d_chain(*DCHAIN), entropy_trap(*TRAP)
    best_root = int(root_soft_q(chain, 0.0)[0].argmax())
    v_trap = float(root_soft_q(trap, 0.0)[0].max())
    common = {"sigma": SEARCH["sigma"], "checkpoints": [sims], "n_runs": n_runs}
    searches = {"MENTS": ments, "BTS": bts, "DENTS": dents}
    out = {}
    for p, mdp in enumerate((chain, trap)):

        def success(res, mdp=mdp):
            if mdp is chain:
                return res.recommendations[-1] == best_root
            # Collects V*: the recommendation policy takes the exit (rewards are 0 or 1 here).
            return np.abs(res.path_returns[-1] - v_trap) < 0.5

        rows = {name: [] for name in SEARCHES}
        for i, t in enumerate(taus):
            for j, (name, search) in enumerate(searches.items()):
                res = search(
                    mdp, tau=float(t), epsilon=CHAIN_EPSILON, seed=seed + 100 * p + 10 * j + i, **common
                )
                rows[name].append(_share(success(res)))
        uct_share = _share(success(uct(mdp, c=SEARCH["c"], seed=seed + 100 * p + 99, **common)))
        rows["UCT"] = [uct_share] * len(taus)
        out[p] = {name: tuple(np.array(col) for col in zip(*r)) for name, r in rows.items()}
    return BoltzmannSearchData(
        tau=taus,
        n_runs=n_runs,
        simulations=sims,
        tau_c=d_chain_critical_temperature(*DCHAIN),
        tau_trap=entropy_trap_critical_temperature(TRAP[1]),
        dchain=out[0],
        trap=out[1],
    )


def plot_boltzmann_search(d: BoltzmannSearchData) -> Figure:
    """(a) D-chain: share recommending L; (b) entropy trap: share taking the exit; both against
    τ (log scale) with Clopper–Pearson bands and the threshold marked."""
    n, final = DCHAIN
    with styled():
        fig, axes = new_figure(1, 2, width=6.0, height=4.6, sharey=True)
        panels = (
            (
                axes[0],
                d.dchain,
                d.tau_c,
                r"$\tau_c$",
                f"D-chain (D = {n}, $R_f = {final:g}$)",
                "share recommending L",
            ),
            (
                axes[1],
                d.trap,
                d.tau_trap,
                r"$\tau_{trap}$",
                f"entropy trap (D = K = {TRAP[0]})",
                "share taking the exit",
            ),
        )
        for p, (ax, rows, threshold, label, title, ylabel) in enumerate(panels):
            for i, name in enumerate(SEARCHES):
                rate, low, high = rows[name]
                style = series(i)
                ax.fill_between(d.tau, low, high, color=style["color"], alpha=BAND_ALPHA)
                ax.plot(d.tau, rate, gid=f"{'dchain' if p == 0 else 'trap'}_{name}", label=name, **style)
            ax.axvline(threshold, color="grey", ls=":", lw=1.5)
            ax.annotate(label, (threshold, 0.5), xytext=(5, 0), textcoords="offset points", color="grey")
            ax.set(xscale="log", xlabel=r"temperature $\tau$ (log scale)", ylim=(-0.05, 1.05), title=title)
            ax.set_ylabel(ylabel)
        axes[0].legend(loc="lower left", fontsize=10)
        fig.suptitle(
            f"reward-optimal recommendations after {d.simulations} simulations ({d.n_runs} runs, "
            f"{LEVEL:.0%} bands)"
        )
    return fig


def boltzmann_search(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``boltzmann_search``."""
    return plot_boltzmann_search(boltzmann_search_data(seed=seed, size=size))
