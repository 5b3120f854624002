"""Shared helpers of the claims A checks (checks.softmax A1–A4, checks.conjugacy A5–A7).

The slide titles the A claims cite; the stated tolerance of the independent optimisers; the
round-off tolerances; the sympy verdict; the SLSQP maximiser over the simplex; and the
(q, τ) instance suite. The module is private to the package; its names are public for
:mod:`checks.softmax` and :mod:`checks.conjugacy`, which import them and hold the public checks.

Tolerances, in the units of each comparison:

- values (F_τ, π·q, τH, τ log π): float64 round-off of a few operations on numbers as large as
  S = 1 + 2‖q‖∞ + τ(1 + log K), summed over K terms (Higham's recursive-summation bound):
  ``64·eps·(1 + K)·S`` (:func:`value_roundoff`);
- probabilities and entropies in nats: ``64·eps·(1 + K)·(1 + log K)``, except where a value
  error is divided by τ or by a finite-difference step (stated where it happens);
- independent optimisers: their stated tolerance ``OPTIMISER_TOL`` on the objective, relative to
  the objective's scale (the spread of q, or τ), plus round-off;
- symbolic residuals: the number of sympy residuals that do not simplify to 0, allowed 0.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.optimize import minimize
from scipy.special import entr

import theory.symbolic as symbolic
from checks.suite import check_size, q_vector_suite, temperature_suite
from theory.roundoff import roundoff

__all__ = [
    "OPTIMISER_TOL",
    "SOURCE_CONNECTION",
    "SOURCE_ENTROPY",
    "SOURCE_SOFTMAX",
    "TINY",
    "add_symbolic",
    "argmax_over_simplex",
    "entropy_nats",
    "nats_roundoff",
    "objective_scale",
    "q_tau_key",
    "positive_q_tau_suite",
    "q_tau_suite",
    "value_roundoff",
    "vector_label",
]

SOURCE_ENTROPY = "seed deck, 'Background: entropy regularized policy optimization problem'"
SOURCE_SOFTMAX = "seed deck, 'Background: Softmax function'"
SOURCE_CONNECTION = "seed deck, 'Background: the connection'"

#: Stated tolerance of the independent optimisers (SLSQP on the simplex, BFGS over q), on the
#: objective divided by its scale. SLSQP is asked for ``ftol`` 1e-15 and restarted twice from
#: its own answer; on 300 random instances (K = 1..8, |q| up to 1e6, τ/|q| from 1e-4 to 1e3) its
#: worst relative error was 7e-9 (median 5e-17); BFGS (gtol 1e-11) on 300 random p (Dirichlet,
#: τ from 1e-6 to 1e6) also 7e-9 at worst (median 5e-17). 1e-7 is stated for both.
OPTIMISER_TOL = 1e-7

#: The smallest positive normal float64: a probability below it has lost relative precision
#: (or underflowed to 0), so its logarithm says nothing about the exact one.
TINY = float(np.finfo(np.float64).tiny)


# --- shared helpers ----------------------------------------------------------------------------
def vector_label(name: str, x: np.ndarray, tau: float | None) -> str:
    """The ``details["instance"]`` label: the given name (or K and the size of x), and τ."""
    label = name or f"K={x.size}, |x|max={np.abs(x).max():.3g}"
    return label if tau is None else f"{label}, tau={tau:g}"


def value_roundoff(q: np.ndarray, tau: float) -> float:
    """64·eps·(1 + K)·(1 + 2‖q‖∞ + τ(1 + log K)): round-off of value-unit quantities."""
    k = q.size
    # operations: a K-term sum (log-sum-exp, π·q, entropy) and one more; magnitude: the values' size
    return roundoff(1 + k, 1 + 2 * np.abs(q).max() + tau * (1 + np.log(k)))


def nats_roundoff(k: int) -> float:
    """64·eps·(1 + K)·(1 + log K): round-off of probabilities and entropies in nats."""
    # operations: a K-term sum and one more; magnitude: 1 + log K, the largest entropy in nats
    return roundoff(1 + k, 1 + np.log(k))


def entropy_nats(p: np.ndarray) -> float:
    """H(p) in nats by scipy's entr, independent of ``theory.softmax.entropy``."""
    return float(entr(np.clip(p, 0.0, None)).sum())


@cache
def _symbolic_failures(derivation) -> tuple[str, ...]:
    """Names of the residuals of a ``theory.symbolic`` derivation that do not simplify to 0."""
    return tuple(name for name, expr in derivation().items() if not symbolic.simplifies_to_zero(expr))


def add_symbolic(comparisons: dict, details: dict, derivation) -> None:
    """Record a sympy derivation's verdict: a comparison (failing residuals, allowed 0) and a line."""
    failures = _symbolic_failures(derivation)
    details["symbolic"] = (
        f"{derivation.__name__}: every residual simplifies to 0"
        if not failures
        else f"{derivation.__name__}: residuals NOT simplifying to 0: {list(failures)}"
    )
    comparisons["sympy residuals not simplifying to 0 (count)"] = (float(len(failures)), 0.0)


def argmax_over_simplex(objective, k: int, jac=None) -> np.ndarray:
    """An independent maximiser of ``objective`` over the simplex: scipy's SLSQP with the
    constraint Σπ = 1 and bounds 0 <= π <= 1, from the uniform point (``ftol`` 1e-15), then
    restarted twice from its answer (a restart resets SLSQP's quasi-Newton matrix, which is
    what stalls it near the boundary of the simplex).

    The iterate is clipped to [0, 1] and renormalised before every evaluation, so the objective
    only ever sees distributions (SLSQP may step a few ulps outside its bounds).
    """
    if k == 1:
        return np.ones(1)

    def on_simplex(x):
        x = np.clip(x, 0.0, 1.0)
        return x / x.sum()

    x = np.full(k, 1.0 / k)
    for _ in range(3):
        x = _slsqp(objective, on_simplex, jac, x)
    return on_simplex(x)


def _slsqp(objective, on_simplex, jac, x0: np.ndarray) -> np.ndarray:
    """One SLSQP run from ``x0`` (see :func:`argmax_over_simplex`); returns its answer."""
    k = x0.size
    return minimize(
        lambda x: -objective(on_simplex(x)),
        x0,
        jac=None if jac is None else (lambda x: -jac(on_simplex(x))),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones(k)}],
        options={"ftol": 1e-15, "maxiter": 1000},
    ).x


def objective_scale(q: np.ndarray, tau: float) -> float:
    """The scale of π·q + τH(π) relative to max q: max(spread of q, τ), or 1 if both are 0."""
    return max(float(q.max() - q.min()), tau) or 1.0


def q_tau_key(case) -> tuple[None, float]:
    """The key of :meth:`checks.subjects.Subjects.admit` for a (label, q, τ, ...) case: no MDP, τ."""
    return None, case[2]


def q_tau_suite(seed: int, size: str):
    """(label, q, τ) over the q-vector suite × the temperature suite."""
    return [
        (f"q[{j}] (K={q.size})", q, t)
        for j, q in enumerate(q_vector_suite(seed, size))
        for t in temperature_suite(size)
    ]


def positive_q_tau_suite(seed: int, size: str):
    """(label, q, τ) over the q-vector suite × the positive temperatures of the suite (R1, R4, R5)."""
    check_size(size)
    return [case for case in q_tau_suite(seed, size) if case[2] > 0]
