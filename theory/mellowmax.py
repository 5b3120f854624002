"""Mellowmax, the Boltzmann-weighted average, and the fixed points of generalised value iteration.

Source: Asadi & Littman 2017, "An Alternative Softmax Operator for Reinforcement Learning"
(ICML; arXiv 1612.05628). Its introduction states that the Boltzmann operator is not a
non-expansion, and proposes mellowmax as one. The definitions below are the standard ones (the
project's notes hold them from two reproductions, not from the paper's text); everything else
is derived here.

- The Boltzmann-weighted average boltz_β(x) = Σ_a x_a e^{βx_a} / Σ_a e^{βx_a}.
- Mellowmax mm_ω(x) = (1/ω) log((1/K) Σ_a e^{ωx_a}), which is the KL-to-uniform regularised value
  (τΩ)*(x) with Ω = KL(·‖uniform) and τ = 1/ω (Gibbs' variational principle), so it is computed
  by :class:`theory.regularizers.KLToPrior`.
- Generalised value iteration (GVI) with a summary operator ⊗ replacing the max. On an MDP
  with one non-terminal state s (every other state terminal, V = 0 there) it is the scalar map
  v ↦ ⊗(Q(v)), Q_a(v) = r(s, a) + γ P(s|s, a) v, whose fixed points
  :func:`one_state_fixed_points` finds.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from mdps.finite import FiniteMDP, check_infinite_horizon
from mdps.validation import as_float_array, check_callable, check_int, check_real
from theory.regularizers import KLToPrior
from theory.roundoff import EPS

__all__ = ["FIXED_POINT_GRID", "boltzmann_average", "mellowmax", "one_state_fixed_points"]

#: Cells of the grid on which :func:`one_state_fixed_points` brackets sign changes.
FIXED_POINT_GRID = 4096


def boltzmann_average(x, beta) -> np.ndarray:
    """The Boltzmann-weighted average boltz_β(x) = Σ_a x_a e^{βx_a} / Σ_a e^{βx_a}, along the last axis.

    Computed as max x + Σ_a (x_a − max x) w_a / Σ_a w_a with w = exp(β(x − max x)): the max shift
    keeps every exponent <= 0 (no overflow at large β or |x|), and the weighted mean of the
    shifted entries keeps the result within [min x, max x].

    Source: Asadi & Littman 2017 (arXiv 1612.05628), the Boltzmann operator; not a non-expansion
    (its introduction), which claim R5 exhibits.

    Args:
      x: ``[..., K]`` finite values.
      beta: inverse temperature β >= 0 (β = 0: the mean).
    Returns:
      ``[...]`` the averages.
    Raises:
      TypeError, ValueError: ``x`` not finite reals, β not a finite real >= 0.
    """
    a = as_float_array(x, "x")
    b = check_real(beta, "beta", low=0.0)
    m = a.max(axis=-1, keepdims=True)
    d = a - m
    with np.errstate(over="ignore"):  # β·d below −1.8e308 is −inf: an exact 0 weight
        w = np.exp(b * d)
    return (m[..., 0] + (d * w).sum(axis=-1) / w.sum(axis=-1))[()]


def mellowmax(x, omega) -> np.ndarray:
    """Mellowmax mm_ω(x) = (1/ω) log((1/K) Σ_a e^{ωx_a}), along the last axis.

    It is the KL-to-uniform regularised value max_π ⟨π, x⟩ − (1/ω) KL(π‖uniform) (derived here:
    Gibbs' variational principle, followups notes §7), so it is
    ``KLToPrior(uniform).value(x, 1/ω)``.

    Source: Asadi & Littman 2017 (arXiv 1612.05628), mellowmax; the KL view derived here.

    Args:
      x: ``[..., K]`` finite values.
      omega: ω > 0.
    Returns:
      ``[...]`` the values.
    Raises:
      TypeError, ValueError: ``x`` not finite reals, ω not a finite real > 0 (or so small that
        1/ω overflows).
    """
    a = as_float_array(x, "x")
    w = check_real(omega, "omega", low=0.0, open_low=True)
    k = a.shape[-1]
    with np.errstate(over="ignore"):  # a subnormal ω: 1/ω = inf, refused just below
        tau = 1.0 / w
    if not np.isfinite(tau):
        raise ValueError(f"omega must be a finite real number > 0 with 1/omega finite, got {omega!r}")
    return KLToPrior(tuple(np.full(k, 1.0 / k))).value(a, tau)


def _one_state(mdp: FiniteMDP) -> tuple[int, np.ndarray, np.ndarray]:
    """(s, r ``[A]``, stay probabilities P(s|s, ·) ``[A]``) of the one non-terminal state of ``mdp``."""
    check_infinite_horizon(mdp)
    live = np.flatnonzero(~mdp.terminal)
    if live.size != 1:
        raise ValueError(
            f"mdp must have exactly one non-terminal state (generalised value iteration on it is a "
            f"scalar map), got {live.size} in {mdp.name!r}"
        )
    s = int(live[0])
    return s, mdp.R[s].copy(), mdp.dense_P()[s, :, s].copy()


def one_state_fixed_points(mdp: FiniteMDP, summary, *, grid: int = FIXED_POINT_GRID) -> np.ndarray:
    """Every fixed point v = ⊗(Q(v)) of generalised value iteration on a one-state MDP.

    With u_a = r_a/(1 − γp_a) (p_a = P(s|s, a)), Q_a(v) − v = (1 − γp_a)(u_a − v), so for
    v < min_a u_a every Q_a(v) exceeds v and for v > max_a u_a every Q_a(v) is below it (derived
    here). A summary operator between min and max (a mean: Boltzmann, mellowmax, max) therefore
    has all its fixed points in [min u, max u]. The function g(v) = ⊗(Q(v)) − v is evaluated
    on ``grid`` equal cells of that bracket (widened by 2¹⁶ ulps over min_a(1 − γp_a), see the
    code), and each cell where g changes sign (or vanishes at a node) is refined by scipy's
    ``brentq`` to a few ulps.

    Limitation: two roots inside one cell (a double root, at the parameter where the count
    changes) leave no sign change and are missed; claim R5 checks the count against a closed
    form, not this function.

    Source: Asadi & Littman 2017 (arXiv 1612.05628), GVI on their two-action MDP; derived here.

    Args:
      mdp: infinite-horizon MDP with exactly one non-terminal state.
      summary: ⊗, ``summary(x [..., A]) -> [...]``, a mean (between min and max along the last
        axis), e.g. ``functools.partial(boltzmann_average, beta=β)``.
      grid: number of cells, >= 2.
    Returns:
      ``[n]`` the fixed points, increasing.
    Raises:
      TypeError, ValueError: ``mdp`` not such an MDP, ``summary`` not callable, ``grid`` not an
        integer >= 2.
    """
    _, r, stay = _one_state(mdp)
    check_callable(summary, "summary")
    n = check_int(grid, "grid", low=2)
    d = 1.0 - mdp.gamma * stay
    u = r / d
    lo, hi = float(u.min()), float(u.max())
    if lo == hi:  # every action's line crosses the diagonal at the same point
        return np.array([lo])
    # Widen the bracket by δ: at lo − δ every Q_a(v) − v >= min_a d_a·δ, which dwarfs the round-off
    # of g, so g(lo − δ) > 0 and g(hi + δ) < 0 as computed. This keeps a root within round-off of
    # an end of [lo, hi] (where g computed at that end may have the wrong sign) inside a bracket.
    delta = 2.0**16 * EPS * (1.0 + max(abs(lo), abs(hi))) / float(d.min())
    lo, hi = lo - delta, hi + delta

    def g(v):
        return np.asarray(summary(r + mdp.gamma * stay * np.asarray(v)[..., None]), dtype=np.float64) - v

    nodes = np.linspace(lo, hi, n + 1)
    values = g(nodes)
    roots = list(nodes[values == 0.0])
    cells = np.flatnonzero(values[:-1] * values[1:] < 0)
    xtol = 2 * EPS * max(abs(lo), abs(hi))  # a few ulps of the bracket's size
    roots += [brentq(lambda t: float(g(t)), nodes[i], nodes[i + 1], xtol=xtol, rtol=4 * EPS) for i in cells]
    return np.sort(np.asarray(roots, dtype=np.float64))
