"""Claims A5–A7 (slide "Background: the connection"): conjugacy, KKT, bounds and limits.

A5: the convex conjugate of the soft value F_τ is τ Σ p log p on the simplex (+∞ off it), and
its biconjugate is F_τ again; A6: the Lagrangian of the entropy-regularised maximum is
stationary at the softmax f_τ(q) with multiplier F_τ(q) − τ; A7: max q <= F_τ <= max q + τ log K,
the gap is τH(f_τ), dF_τ/dτ = H(f_τ), the τ → 0 limits (hard max) and translation invariance.
The entropy, gradient, duality and per-action identities (A1–A4) are in :mod:`checks.softmax`.

Every check here is exact: closed forms, sympy derivations, and independent scipy optimisers
whose stated tolerance is part of the verdict. Each check compares several quantities; every
comparison is a pair (measured, allowed) and the check reports the one with the worst ratio
(``details["comparisons"]`` lists them all). The tolerances, in the units of each comparison,
are stated in ``checks._softmax_common``, which holds the helpers shared with
:mod:`checks.softmax`.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import softmax as scipy_softmax

import theory.symbolic as symbolic
from checks._softmax_common import (
    OPTIMISER_TOL,
    SOURCE_CONNECTION,
    TINY,
    add_symbolic,
    argmax_over_simplex,
    entropy_nats,
    nats_roundoff,
    objective_scale,
    q_tau_key,
    q_tau_suite,
    value_roundoff,
    vector_label,
)
from checks.base import CheckResult, Claim, Probe, excess, fold, largest, register
from checks.subjects import OWN, Subjects
from theory.roundoff import roundoff
from theory.softmax import soft_value, softmax_conjugate

__all__ = [
    "A5",
    "A6",
    "A7",
    "OPTIMISER_TOL",
    "check_biconjugate",
    "check_bounds_and_limits",
    "check_conjugate",
    "check_conjugacy_instance",
    "check_kkt",
]

A5 = Claim(
    "A5",
    "F*_τ(p) = sup_q {p·q − F_τ(q)} = τ Σ p log p on Δ, +∞ off it; F** = F_τ",
    SOURCE_CONNECTION + " (proof, first equation); sympy for K = 2, 3",
    roles=("soft_value",),
)
A6 = Claim(
    "A6",
    "L = π·(q − τ log π) + λ(1 − 1·π) is stationary at π = f_τ(q), λ = F_τ(q) − τ",
    SOURCE_CONNECTION + " (proof, KKT condition); sympy for K = 3",
    roles=("soft_indmax",),
)
A7 = Claim(
    "A7",
    "max q ≤ F_τ ≤ max q + τ log K; F_τ − f_τ·q = τH(f_τ); dF_τ/dτ = H(f_τ) ≥ 0; "
    "τ→0: F_τ → max, f_τ → hardmax; F_τ(q + c1) = F_τ(q) + c",
    SOURCE_CONNECTION + " (the gap is the entropy; τ → 0 gives the hard max); sympy for K = 2, 3",
    roles=("soft_value", "soft_indmax", "entropy"),
)


# --- A5 ------------------------------------------------------------------------------------------
def _numerical_conjugate(p: np.ndarray, tau: float, soft_value) -> float:
    """sup_q {p·q − F_τ(q)} by BFGS over x = q/τ with the gauge x_j = 0 at j = argmax p.

    The sup is attained on a line q* + c·1 (or approached as q_a → −∞ where p_a = 0); fixing
    one coordinate removes the line. The gradient p − softmax(x) uses scipy's softmax.
    """
    k, j = p.size, int(np.argmax(p))
    free = np.arange(k) != j

    def full(y):
        x = np.zeros(k)
        x[free] = y
        return x

    def neg_objective(y):
        x = full(y)
        return -(p @ x - float(soft_value(tau * x, tau)) / tau)

    def neg_gradient(y):
        return -(p - scipy_softmax(full(y)))[free]

    if k == 1:  # nothing left to optimise: the gauge fixes q entirely
        return -tau * neg_objective(np.zeros(0))
    res = minimize(neg_objective, np.zeros(k - 1), jac=neg_gradient, method="BFGS", options={"gtol": 1e-11})
    return -tau * float(res.fun)


def _divergence_rays(p: np.ndarray):
    """Rays t ↦ q(t) along which p·q − F_τ(q) grows at least linearly when p is off Δ.

    Σp ≠ 1: q = ±t·1 gives exactly t|Σp − 1| − τ log K. p_a < 0: q = −t·e_a gives
    t|p_a| − F_τ(−t e_a), and F_τ(−t e_a) decreases in t. Yields (name, direction, slope).
    """
    excess = p.sum() - 1.0
    if abs(excess) > 1e-10:
        yield "q = t·sign(sum p - 1)·1", np.sign(excess) * np.ones(p.size), abs(excess)
    for a in np.flatnonzero(p < 0):
        e = np.zeros(p.size)
        e[a] = -1.0
        yield f"q = -t·e_{a}", e, -p[a]


@A5.subjects("symbolic_derivation", conjugate=(np.inf,))
def check_conjugate(
    p,
    tau: float,
    *,
    conjugate=softmax_conjugate,
    subjects: Subjects = OWN,
    symbolic_derivation=symbolic.conjugate_residuals,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A5 (conjugate) on one p: F*_τ(p) = sup_q {p·q − F_τ(q)} = τ Σ p log p on Δ, +∞ off it.

    On the simplex (τ > 0): ``conjugate(p, τ)`` against the sup of p·q − F_τ(q), F_τ the soft
    value under test (``subjects.soft_value``), found by BFGS over q (gauge
    fixed, :func:`_numerical_conjugate`), to τ·``OPTIMISER_TOL``·(1 + |Σ p log p|) plus
    round-off. At τ = 0 (limit version) F*_0 is the indicator of Δ: ``conjugate`` must be 0.
    Off the simplex: ``conjugate`` must be +inf, and along each ray of :func:`_divergence_rays`
    the objective must grow with at least the predicted slope between t = T and t = 2¹⁰T
    (T = 1 + τ), up to round-off; a linear growth exceeds every level. The sympy derivation
    (K = 2 by solving, K = 3 by the Lagrangian argument) must simplify to 0.

    Source: seed deck, "Background: the connection" (proof, first equation).

    Args:
      p: ``[K]`` a vector, on the simplex or not.
      tau: temperature τ >= 0.
      conjugate: F*_τ(p), the closed form the claim states (negative controls break it).
      subjects: the ``soft_value`` under test.
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` in value units (slope units for a ray).
    """
    p = np.asarray(p, dtype=np.float64)
    soft_value = subjects.soft_value
    details = {"instance": vector_label(name, p, tau)}
    comparisons: dict[str, tuple[float, float]] = {}
    claimed = float(conjugate(p, tau))
    on_simplex = bool((p >= 0).all() and abs(p.sum() - 1.0) <= 1e-10)
    rnd = value_roundoff(p, tau)
    if on_simplex:
        neg_entropy = -entropy_nats(p)
        if tau > 0:
            sup = _numerical_conjugate(p, tau, soft_value)
            allowed = tau * OPTIMISER_TOL * (1 + abs(neg_entropy)) + rnd if tol is None else tol
            comparisons["|conjugate - numerical sup_q|"] = (abs(claimed - sup), allowed)
            comparisons["|numerical sup_q - tau sum p log p|"] = (abs(sup - tau * neg_entropy), allowed)
            details["optimiser"] = (
                "scipy.optimize.minimize(method='BFGS') over q/tau, gauge fixed, gtol=1e-11"
            )
        else:
            comparisons["|conjugate at tau=0| (indicator of the simplex)"] = (abs(claimed), rnd)
    else:
        comparisons["conjugate is +inf off the simplex (1 if finite)"] = (float(np.isfinite(claimed)), 0.0)
        t0 = 1.0 + tau
        for ray, direction, slope in _divergence_rays(p):
            t1 = 2.0**10 * t0
            g0, g1 = (float(p @ (t * direction)) - float(soft_value(t * direction, tau)) for t in (t0, t1))
            grown = (g1 - g0) / (t1 - t0)
            allowed = 2 * value_roundoff(t1 * direction, tau) / (t1 - t0) if tol is None else tol
            comparisons[f"slope deficit along {ray}"] = (excess(slope - grown), allowed)
            details[f"objective along {ray}"] = {"t": (t0, t1), "value": (g0, g1), "slope >=": float(slope)}
    add_symbolic(comparisons, details, symbolic_derivation)
    return A5.worst_of(comparisons, details)


@A5.subjects(conjugate=(np.inf,))
def check_biconjugate(
    q,
    tau: float,
    *,
    conjugate=softmax_conjugate,
    subjects: Subjects = OWN,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A5 (biconjugate) on one q: F**_τ(q) = sup_{p∈Δ} {p·q − F*_τ(p)} = F_τ(q).

    The sup is taken by SLSQP over the simplex (the conjugate is +inf off it) with numerical
    gradients, on the objective shifted by max q and divided by c = max(spread q, τ); it must
    match the soft value under test, ``subjects.soft_value(q, τ)``, to c·``OPTIMISER_TOL`` plus round-off.

    Source: seed deck, "Background: the connection" (proof: F_τ closed and convex, F = F**).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      conjugate: F*_τ(p), the closed form the claim states (negative controls break it).
      subjects: the ``soft_value`` under test.
      name: label of the instance.
      tol: override of the tolerance (value units).
    Returns:
      CheckResult; ``measured`` = |F** − F_τ(q)|.
    """
    q = np.asarray(q, dtype=np.float64)
    c = objective_scale(q, tau)
    top = q.max()
    p_hat = argmax_over_simplex(lambda p: (p @ q - top - float(conjugate(p, tau))) / c, q.size)
    found = p_hat @ q - float(conjugate(p_hat, tau))
    allowed = c * OPTIMISER_TOL + value_roundoff(q, tau) if tol is None else tol
    details = {
        "instance": vector_label(name, q, tau),
        "optimiser": "scipy.optimize.minimize(method='SLSQP') on the simplex, numerical gradient",
    }
    return A5.worst_of({"|F** - F|": (abs(found - float(subjects.soft_value(q, tau))), allowed)}, details)


def _conjugacy_results(q, tau: float, p, *, subjects: Subjects, label: str) -> list[CheckResult]:
    """A5's checks on one (q, τ, p) of the battery: the biconjugate at q, and the conjugate at p,
    at 1.3·p (Σ ≠ 1), at 0.6·p, and at p with p_0 lowered by 0.3 (then renormalised to sum 1)."""
    p = np.asarray(p, dtype=np.float64)
    results = [check_biconjugate(q, tau, subjects=subjects, name=label)]
    negative = p.copy()
    negative[0] -= 0.3
    negative /= negative.sum()
    for kind, vec in (("p", p), ("1.3 p", 1.3 * p), ("0.6 p", 0.6 * p), ("p with p_0 < 0", negative)):
        results.append(check_conjugate(vec, tau, subjects=subjects, name=f"{kind}, K={p.size}"))
    return results


def check_conjugacy_instance(q, tau: float, p, *, subjects: Subjects = OWN) -> CheckResult:
    """A5 on one (q, τ, p), as its battery runs it: :func:`check_biconjugate` at q, and
    :func:`check_conjugate` at the distribution p, at 1.3·p (Σ ≠ 1), at 0.6·p, and at p with
    p_0 lowered by 0.3 (renormalised to sum 1: a negative entry); folded into one result.

    Source: seed deck, "Background: the connection" (proof, first equation).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      p: ``[K]`` a distribution (the same K as q).
      subjects: the ``soft_value`` under test.
    Returns:
      CheckResult of A5 over the five checks (``cases`` = 5).
    Raises:
      ValueError: p not a vector of the size of q.
    """
    q, p = np.asarray(q, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"p must have the shape of q, {q.shape}; got {p.shape}")
    return fold(A5, _conjugacy_results(q, tau, p, subjects=subjects, label=vector_label("", q, None)))


@register(A5, probe=Probe(("q", "tau", "p"), check_conjugacy_instance))
def battery_conjugate(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """A5 over the q-vector suite × temperatures: the biconjugate at q, and the conjugate at a
    seeded Dirichlet(0.5) p of the same K, at 1.3·p (Σ ≠ 1), at 0.6·p, and at p with one entry
    made negative (then renormalised to sum 1)."""
    rng = np.random.default_rng(seed)
    cases = [(label, q, t, rng.dirichlet(np.full(q.size, 0.5))) for label, q, t in q_tau_suite(seed, size)]
    cases = subjects.admit(A5, cases, key=q_tau_key)
    results = []
    for label, q, t, p in cases:
        results += _conjugacy_results(q, t, p, subjects=subjects, label=label)
    return fold(A5, results)


# --- A6 ------------------------------------------------------------------------------------------
def _lagrange_multiplier(q, tau) -> float:
    """λ = F_τ(q) − τ, the multiplier of Σπ = 1 at the maximiser (v = λ + τ = F_τ(q))."""
    return float(soft_value(q, tau)) - tau


@A6.subjects("multiplier", "symbolic_derivation")
def check_kkt(
    q,
    tau: float,
    *,
    multiplier=_lagrange_multiplier,
    subjects: Subjects = OWN,
    symbolic_derivation=symbolic.kkt_residuals,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A6 on one q: ∇L(π, λ) = 0 at π = f_τ(q), λ = F_τ(q) − τ, for
    L = Σ π_a(q_a − τ log π_a) + λ(1 − Σ π_a).

    ∂L/∂π_a = q_a − τ log π_a − τ − λ and ∂L/∂λ = 1 − Σπ must vanish to round-off. Actions
    whose f_a is not a normal float64 cannot be tested through log f_a; for them the exact
    π_a = exp((q_a − λ − τ)/τ) < 2.2e-308 requires q_a − λ − τ <= τ log(2.2e-308), which is
    checked instead. At τ = 0 (limit: the LP max π·q on Δ) with λ = max q: q_a − λ = 0 on the
    support of f_0 and <= 0 elsewhere (the multipliers of π_a >= 0 are >= 0). The sympy
    derivation for K = 3 must simplify to 0.

    Tolerance: as :func:`check_per_action` (value units); ``64·eps·(1 + K)`` for 1 − Σπ.

    Source: seed deck, "Background: the connection" (proof, KKT condition).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      multiplier: λ(q, τ), the multiplier the claim states (a negative control passes λ = F_τ).
      subjects: the ``soft_indmax`` f_τ under test.
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` = the largest |∂L| (value units).
    """
    q = np.asarray(q, dtype=np.float64)
    pi = subjects.soft_indmax(q, tau)
    lam = float(multiplier(q, tau))
    rnd = value_roundoff(q, tau) if tol is None else tol
    normal = pi >= TINY
    if tau > 0:
        stationarity = q[normal] - tau * np.log(pi[normal]) - tau - lam
        below = excess((q[~normal] - lam - tau - tau * np.log(TINY)).max(initial=-np.inf))
    else:
        stationarity = q[normal] - lam
        below = excess((q[~normal] - lam).max(initial=-np.inf))
    comparisons = {
        "max |dL/dpi_a| on the support": (np.abs(stationarity).max() if normal.any() else np.inf, rnd),
        "dL/dpi_a sign condition where pi_a underflows": (below, rnd),
        # operations: the K-term sum of π, and the subtraction from 1; magnitude 1 (probabilities)
        "|dL/dlambda| = |1 - sum pi|": (abs(1.0 - pi.sum()), roundoff(1 + q.size, 1.0)),
    }
    details = {
        "instance": vector_label(name, q, tau),
        "lambda": lam,
        "underflowed_actions": int((~normal).sum()),
    }
    add_symbolic(comparisons, details, symbolic_derivation)
    return A6.worst_of(comparisons, details)


@register(A6, probe=Probe(("q", "tau"), check_kkt))
def battery_kkt(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """A6 over the q-vector suite × the temperature suite."""
    cases = subjects.admit(A6, q_tau_suite(seed, size), key=q_tau_key)
    return fold(A6, (check_kkt(q, t, subjects=subjects, name=label) for label, q, t in cases))


# --- A7 ------------------------------------------------------------------------------------------
def _tau_derivative(q: np.ndarray, tau: float, soft_value) -> tuple[float, float, float]:
    """Central difference of τ ↦ F_τ(q) with its error bound: (derivative, bound, step).

    With z = q/τ under f = softmax(z), φ(τ) = F_τ(q) has φ''' = −(3 Var_f z + κ₃(z))/τ²
    (κ₃ the third central moment). M = 2·max |φ'''| over τ − h, τ, τ + h bounds it on the
    interval (h <= τ/10 keeps z within 10% of its value); the truncation error is h²M/6 and the
    round-off 2r/(2h), r = :func:`value_roundoff` at τ + h. h minimises the sum.
    """

    def third(t):
        z = q / t
        w = scipy_softmax(z)
        centred = z - w @ z
        return abs(3 * (w @ centred**2) + w @ centred**3) / t**2

    r = value_roundoff(q, 1.1 * tau)
    bound_m = 2 * largest(*(third(tau * s) for s in (0.9, 1.0, 1.1)))
    h = min(tau / 10, (3 * r / max(bound_m, 1e-300)) ** (1 / 3))
    up, down = tau + h, tau - h
    derivative = (float(soft_value(q, up)) - float(soft_value(q, down))) / (up - down)
    return derivative, h**2 * bound_m / 6 + r / h, h


@A7.subjects("symbolic_derivation")
def check_bounds_and_limits(
    q,
    tau: float,
    *,
    subjects: Subjects = OWN,
    symbolic_derivation=symbolic.temperature_derivative_residuals,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A7 on one q: bounds, the entropy gap, dF/dτ, τ → 0 limits and translation invariance.

    - max q <= F_τ(q) <= max q + τ log K;
    - F_τ(q) − f_τ(q)·q = τH(f_τ(q)) ("the gap is the entropy");
    - dF_τ/dτ = H(f_τ(q)) >= 0, by a central difference in τ whose step and error bound are
      those of :func:`_tau_derivative` (tolerance: twice the bound); at τ = 0 the one-sided
      difference (F_h − F_0)/h with h = gap/40 (gap = max q minus the next distinct value)
      must equal H(f_0) = log m (m ties at the max) within (K − m)/m·e^(−40) + 2r/h;
    - at τ = 0: the limits (asked only of subjects that take τ > 0), along τ_j = s·10^(−j),
      j = 1..4 (s = spread of q, or 1):
      0 <= F_τ − max q − τ log m <= τ (K − m)/m e^(−gap/τ) and
      ‖f_τ − hardmax‖₁ <= 2(K − m) e^(−gap/τ), bounds that vanish as τ → 0; and exactly
      F_0 = max q, f_0 = uniform on the argmax set;
    - F_τ(q + c·1) = F_τ(q) + c for c in {−2.5 S, 0.75 S, 1} (S = 1 + ‖q‖∞).
    The sympy derivation of dF/dτ = H for K = 2, 3 must simplify to 0.

    Tolerance: value round-off (:func:`value_roundoff`, at the largest scale involved).

    Source: seed deck, "Background: the connection" (first slide).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      subjects: the ``soft_value``, ``soft_indmax`` and ``entropy`` under test.
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` in value units (nats for the derivative).
    """
    soft_value, indmax, entropy = subjects.soft_value, subjects.soft_indmax, subjects.entropy
    q = np.asarray(q, dtype=np.float64)
    k, top = q.size, float(q.max())
    rnd = value_roundoff(q, tau) if tol is None else tol
    value = float(soft_value(q, tau))
    f = indmax(q, tau)
    h_f = float(entropy(f))
    argmax = q == top
    m = int(argmax.sum())
    below = q[~argmax]
    gap = top - below.max() if below.size else np.inf
    comparisons = {
        "max q - F (lower bound)": (excess(top - value), rnd),
        "F - max q - tau log K (upper bound)": (excess(value - top - tau * np.log(k)), rnd),
        "|F - f·q - tau H(f)| (the gap is the entropy)": (abs(value - f @ q - tau * h_f), rnd),
    }
    details = {"instance": vector_label(name, q, tau), "H(f)": h_f}
    if tau > 0:
        derivative, bound, step = _tau_derivative(q, tau, soft_value)
        comparisons["|dF/dtau - H(f)| (central difference)"] = (abs(derivative - h_f), 2 * bound)
        comparisons["-dF/dtau (must be >= 0)"] = (excess(-derivative), 2 * bound)
        details["dF/dtau"] = {"central difference": derivative, "step": step, "error bound": bound}
    else:
        # The limits τ → 0+ ask the subjects at τ > 0: left out for one that takes τ = 0 only.
        limits_asked = subjects.accepts(("soft_value", "soft_indmax"), tau=1.0)
        if limits_asked:
            step = gap / 40 if np.isfinite(gap) else 1.0
            derivative = (float(soft_value(q, step)) - value) / step
            allowed = (k - m) / m * np.exp(-40.0) + 2 * value_roundoff(q, step) / step
            comparisons["|dF/dtau at 0+ - H(f_0)| (one-sided)"] = (abs(derivative - h_f), allowed)
        hardmax = argmax / m
        comparisons["|F_0 - max q|"] = (abs(value - top), rnd)
        comparisons["|f_0 - hardmax|_1"] = (np.abs(f - hardmax).sum(), nats_roundoff(k))
        spread = top - q.min() or 1.0
        details["limit bounds (tau: F - max - tau log m, |f - hardmax|_1)"] = limits = {}
        for j in range(1, 5) if limits_asked else ():
            t = spread * 10.0**-j
            over = float(soft_value(q, t)) - top - t * np.log(m)
            tail = np.exp(-gap / t)
            limits[f"{t:.3g}"] = (float(t * (k - m) / m * tail), float(2 * (k - m) * tail))
            comparisons[f"F - max - tau log m outside [0, bound], tau={t:.3g}"] = (
                largest(0.0, -over, over - t * (k - m) / m * tail),
                value_roundoff(q, t),
            )
            comparisons[f"|f - hardmax|_1 above its bound, tau={t:.3g}"] = (
                excess(np.abs(np.asarray(indmax(q, t)) - hardmax).sum() - 2 * (k - m) * tail),
                nats_roundoff(k),
            )
    scale = 1.0 + np.abs(q).max()
    for c in (-2.5 * scale, 0.75 * scale, 1.0):
        comparisons[f"|F(q + c1) - F(q) - c|, c={c:.3g}"] = (
            abs(float(soft_value(q + c, tau)) - value - c),
            value_roundoff(3.5 * scale * np.ones(k), tau) if tol is None else tol,
        )
    add_symbolic(comparisons, details, symbolic_derivation)
    return A7.worst_of(comparisons, details)


@register(A7, probe=Probe(("q", "tau"), check_bounds_and_limits))
def battery_bounds_and_limits(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """A7 over the q-vector suite × the temperature suite."""
    cases = subjects.admit(A7, q_tau_suite(seed, size), key=q_tau_key)
    return fold(A7, (check_bounds_and_limits(q, t, subjects=subjects, name=label) for label, q, t in cases))
