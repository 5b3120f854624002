"""Figures for any problem: the user's FiniteMDP (or a Gymnasium id) at the user's temperatures.

Source: seed deck, slides "Redefinition: Bellman function", "Redefinition: policy improvement
theorem", "Algorithm: Soft Q-Iteration". Each function returns a matplotlib Figure whose titles
and annotations are computed from its data; the data functions of :mod:`figures.dynamics` and
:mod:`figures.temperature` give the arrays.

>>> from mdps.interop import from_gymnasium
>>> lake = from_gymnasium("FrozenLake-v1", 0.99, is_slippery=True)
>>> for name, fig in problem_figures(lake, [0.01, 0.1, 1]).items():
...     fig.savefig(f"{name}.png")
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from figures.dynamics import (
    ContractionData,
    contraction_ratios_of,
    convergence_curve,
    plot_contraction_ratios,
    plot_policy_improvement,
    plot_soft_vi_convergence,
    policy_improvement_curves,
)
from figures.temperature import plot_temperature_sweep, temperature_sweep
from mdps.finite import FiniteMDP, check_infinite_horizon
from mdps.interop import from_gymnasium
from mdps.validation import check_int, check_taus

__all__ = [
    "PROBLEM_FIGURES",
    "as_problem",
    "contraction_figure",
    "convergence_figure",
    "policy_improvement_figure",
    "problem_figures",
    "temperature_figure",
]


def as_problem(problem, *, gamma: float | None = None, **make_kwargs) -> FiniteMDP:
    """``problem`` as an infinite-horizon FiniteMDP: a FiniteMDP as is, or a Gymnasium id (e.g.
    ``"FrozenLake-v1"``) read by :func:`mdps.interop.from_gymnasium` with discount ``gamma`` and
    ``make_kwargs`` (e.g. ``is_slippery=True``).

    Raises:
      TypeError: ``problem`` is neither; ValueError: an id without ``gamma``, a ``gamma`` or
        ``make_kwargs`` given with a FiniteMDP (it has its own), or a finite-horizon MDP.
      ImportError: an id and no gymnasium installed.
    """
    if isinstance(problem, str):
        if gamma is None:
            raise ValueError(f"problem {problem!r} is a Gymnasium id: give its discount gamma")
        return from_gymnasium(problem, gamma, **make_kwargs)
    if gamma is not None or make_kwargs:
        raise ValueError("gamma and make kwargs go with a Gymnasium id, not with a FiniteMDP")
    if not isinstance(problem, FiniteMDP):
        raise TypeError(f"problem must be a FiniteMDP or a Gymnasium id, got {type(problem).__name__}")
    return check_infinite_horizon(problem, "problem")


def convergence_figure(mdp: FiniteMDP, taus: Sequence[float]) -> Figure:
    """Soft value iteration's error ‖Q_k − Q*‖∞ on ``mdp`` with its a-priori and a-posteriori
    bounds (CLAIMS D2), one panel per τ of ``taus`` (``[T]``, each > 0)."""
    mdp = as_problem(mdp)
    return plot_soft_vi_convergence([convergence_curve(mdp, t) for t in check_taus(taus)])


def contraction_figure(mdp: FiniteMDP, taus: Sequence[float], *, n_pairs: int = 200, seed: int = 0) -> Figure:
    """The contraction ratios ‖TQ₁ − TQ₂‖∞/‖Q₁ − Q₂‖∞ <= γ of ``mdp`` (CLAIMS D1) over
    ``n_pairs`` random pairs per τ of ``taus`` (``[T]``, each > 0), seeded by ``seed``."""
    mdp, taus = as_problem(mdp), check_taus(taus)
    n_pairs = check_int(n_pairs, "n_pairs", low=2)
    ratios = np.stack([contraction_ratios_of(mdp, t, n_pairs=n_pairs, seed=seed) for t in taus])
    return plot_contraction_ratios(
        ContractionData(
            gammas=np.full(taus.size, mdp.gamma),
            taus=taus,
            ratios=ratios,
            near_shift=np.arange(n_pairs) >= n_pairs // 2,
        )
    )


def policy_improvement_figure(mdp: FiniteMDP, tau: float) -> Figure:
    """Soft policy iteration on ``mdp`` at τ > 0: V^{π_k} rising to V* in every state, and its
    error against soft value iteration's (CLAIMS C1, C3, D4)."""
    return plot_policy_improvement(policy_improvement_curves(as_problem(mdp), tau))


def temperature_figure(mdp: FiniteMDP, taus: Sequence[float]) -> Figure:
    """π*_τ and V*_τ of ``mdp`` per τ of ``taus`` (CLAIMS B2, B4): bars per cell on a grid
    problem (its state labels name cells), a state × action heat map otherwise; actions named by
    the problem's action labels."""
    return plot_temperature_sweep(temperature_sweep(as_problem(mdp), check_taus(taus)))


#: The figures :func:`problem_figures` draws, by file stem.
PROBLEM_FIGURES = ("convergence", "contraction", "policy_improvement", "temperature")


def problem_figures(problem, taus: Sequence[float], *, gamma: float | None = None, **make_kwargs) -> dict:
    """All four figures of a problem: ``{"convergence", "contraction", "policy_improvement",
    "temperature"} → Figure``; policy improvement at the median τ of ``taus``.

    Args:
      problem: a FiniteMDP, or a Gymnasium id (then ``gamma`` and ``make_kwargs`` as in
        :func:`as_problem`).
      taus: ``[T]`` temperatures, each > 0.
    Returns:
      dict of file stem → Figure, in :data:`PROBLEM_FIGURES` order.
    """
    mdp, taus = as_problem(problem, gamma=gamma, **make_kwargs), check_taus(taus)
    return {
        "convergence": convergence_figure(mdp, taus),
        "contraction": contraction_figure(mdp, taus),
        "policy_improvement": policy_improvement_figure(mdp, float(np.sort(taus)[taus.size // 2])),
        "temperature": temperature_figure(mdp, taus),
    }
