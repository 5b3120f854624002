"""Figures of the softmax toolbox (claims A1, A7): the soft value's bounds and gap, and the
soft-indmax hardening from uniform to hardmax as τ falls.

Source: seed deck, slides "Background: Softmax function" and "Background: the connection".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from figures._common import pick
from figures.style import BAND_ALPHA, PALETTE, new_figure, series, styled
from theory.softmax import entropy, soft_indmax, soft_value

__all__ = [
    "EXAMPLE_Q",
    "IndmaxTemperatureData",
    "SoftmaxGapData",
    "indmax_temperature",
    "indmax_temperature_data",
    "plot_indmax_temperature",
    "plot_softmax_gap",
    "softmax_gap",
    "softmax_gap_data",
]

#: The action values of both figures: K = 4 distinct values, so the hardmax is one action.
EXAMPLE_Q = np.array([1.0, 0.6, 0.2, -0.4])


@dataclass(frozen=True)
class SoftmaxGapData:
    """The soft value of :data:`EXAMPLE_Q` against τ, its bounds and its gap.

    Attributes:
      q: ``[K]`` action values.
      tau: ``[T]`` temperatures, from 0.
      soft_value: ``[T]`` F_τ(q).
      lower: ``[T]`` max_a q_a.
      upper: ``[T]`` max_a q_a + τ log K.
      expected_value: ``[T]`` f_τ(q)·q, the value of the Boltzmann policy without its entropy.
      gap: ``[T]`` F_τ(q) − f_τ(q)·q.
      entropy_term: ``[T]`` τ H(f_τ(q)).
    """

    q: np.ndarray
    tau: np.ndarray
    soft_value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    expected_value: np.ndarray
    gap: np.ndarray
    entropy_term: np.ndarray


def softmax_gap_data(*, seed: int = 0, size: str = "quick") -> SoftmaxGapData:
    """F_τ(q) with max q ≤ F_τ(q) ≤ max q + τ log K and the gap F_τ(q) − f_τ(q)·q = τH(f_τ(q)).

    Source: seed deck, "Background: the connection"; CLAIMS A7. Exact (``seed`` is unused);
    ``size`` sets the τ grid: 41 (quick) or 201 (default) points on [0, 2].
    """
    tau = np.linspace(0.0, 2.0, pick(size, 41, 201))
    q = EXAMPLE_Q
    f = np.stack([soft_indmax(q, t) for t in tau])  # [T, K]
    value = np.array([soft_value(q, t) for t in tau])
    expected = f @ q
    return SoftmaxGapData(
        q=q,
        tau=tau,
        soft_value=value,
        lower=np.full_like(tau, q.max()),
        upper=q.max() + tau * np.log(q.size),
        expected_value=expected,
        gap=value - expected,
        entropy_term=tau * entropy(f),
    )


def plot_softmax_gap(d: SoftmaxGapData) -> Figure:
    """Left: F_τ(q) inside its bounds, above f_τ(q)·q. Right: the gap and τH(f_τ(q)) coincide."""
    with styled():
        fig, (ax, ax_gap) = new_figure(1, 2, width=5.5)
        ax.fill_between(d.tau, d.lower, d.upper, color=PALETTE[5], alpha=BAND_ALPHA, label="allowed band")
        ax.plot(
            d.tau,
            d.upper,
            color=PALETTE[1],
            ls="--",
            gid="upper",
            label=r"$\mathrm{max}_a\, q_a + \tau\log K$",
        )
        ax.plot(d.tau, d.soft_value, color=PALETTE[0], gid="soft_value", label=r"$F_\tau(q)$")
        ax.plot(d.tau, d.lower, color=PALETTE[7], ls=":", gid="lower", label=r"$\mathrm{max}_a\, q_a$")
        ax.plot(
            d.tau,
            d.expected_value,
            color=PALETTE[2],
            ls="-.",
            gid="expected_value",
            label=r"$f_\tau(q)\cdot q$",
        )
        ax.set(xlabel=r"temperature $\tau$", ylabel="value", title=r"(a) soft value and its bounds")
        ax.legend(loc="upper left")
        ax_gap.plot(d.tau, d.gap, color=PALETTE[0], gid="gap", label=r"$F_\tau(q) - f_\tau(q)\cdot q$")
        ax_gap.plot(
            d.tau,
            d.entropy_term,
            color=PALETTE[1],
            ls="none",
            marker="o",
            markevery=max(1, d.tau.size // 20),
            gid="entropy_term",
            label=r"$\tau\,H(f_\tau(q))$",
        )
        ax_gap.set(xlabel=r"temperature $\tau$", ylabel="gap", title="(b) the gap is the entropy")
        ax_gap.legend(loc="upper left")
        fig.suptitle(f"q = {d.q.tolist()}, K = {d.q.size}")
    return fig


def softmax_gap(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``softmax_gap``: :func:`plot_softmax_gap` of :func:`softmax_gap_data`."""
    return plot_softmax_gap(softmax_gap_data(seed=seed, size=size))


@dataclass(frozen=True)
class IndmaxTemperatureData:
    """The soft-indmax of :data:`EXAMPLE_Q` for τ from 0.01 to 10.

    Attributes:
      q: ``[K]`` action values.
      tau: ``[T]`` temperatures, log-spaced.
      probabilities: ``[T, K]`` f_τ(q).
      entropy: ``[T]`` H(f_τ(q)), rising from about 0 to log K.
    """

    q: np.ndarray
    tau: np.ndarray
    probabilities: np.ndarray
    entropy: np.ndarray


def indmax_temperature_data(*, seed: int = 0, size: str = "quick") -> IndmaxTemperatureData:
    """f_τ(q) = exp((q − F_τ(q))/τ) for τ in [0.01, 10]: hardmax at small τ, uniform at large τ.

    Source: seed deck, "Background: Softmax function"; CLAIMS A7 (limits), A1 (0 ≤ H ≤ log K).
    Exact (``seed`` is unused); ``size`` sets the τ grid: 31 (quick) or 121 (default) points.
    """
    tau = np.logspace(-2, 1, pick(size, 31, 121))
    p = np.stack([soft_indmax(EXAMPLE_Q, t) for t in tau])
    return IndmaxTemperatureData(q=EXAMPLE_Q, tau=tau, probabilities=p, entropy=entropy(p))


def plot_indmax_temperature(d: IndmaxTemperatureData) -> Figure:
    """Left: each action's probability against τ (log axis). Right: the entropy, 0 to log K."""
    k = d.q.size
    with styled():
        fig, (ax, ax_h) = new_figure(1, 2, width=5.5)
        for a in range(k):
            ax.plot(
                d.tau,
                d.probabilities[:, a],
                markevery=max(1, d.tau.size // 10),
                gid=f"probability_{a}",
                label=f"$a_{a + 1}$: $q = {d.q[a]:g}$",
                **series(a),
            )
        ax.axhline(1 / k, color="grey", ls=":", lw=1.5, label=f"uniform $1/K = {1 / k:g}$")
        ax.set(
            xscale="log",
            ylim=(-0.02, 1.02),
            xlabel=r"temperature $\tau$ (log scale)",
            ylabel=r"$f_\tau(q)_a$",
            title="(a) hardmax (left) to uniform (right)",
        )
        ax.legend(loc="center left")
        ax_h.plot(d.tau, d.entropy, color=PALETTE[0], gid="entropy", label=r"$H(f_\tau(q))$")
        ax_h.axhline(np.log(k), color=PALETTE[1], ls="--", label=r"$\log K$")
        ax_h.set(
            xscale="log",
            xlabel=r"temperature $\tau$ (log scale)",
            ylabel="entropy (nats)",
            title=r"(b) $0 \leq H \leq \log K$",
        )
        ax_h.legend(loc="center left")
    return fig


def indmax_temperature(*, seed: int = 0, size: str = "quick") -> Figure:
    """Figure ``indmax_temperature``: :func:`plot_indmax_temperature` of its data."""
    return plot_indmax_temperature(indmax_temperature_data(seed=seed, size=size))
