"""Claims A (slides "Background: ..."): softmax, soft-indmax, entropy and their duality.

Every check here is exact: closed forms, sympy derivations, and independent scipy optimisers
whose stated tolerance is part of the verdict. Each check compares several quantities; every
comparison is a pair (measured, allowed) and the check reports the one with the worst ratio
(``details["comparisons"]`` lists them all).

Tolerances, in the units of each comparison:

- values (F_τ, π·q, τH, τ log π): float64 round-off of a few operations on numbers as large as
  S = 1 + 2‖q‖∞ + τ(1 + log K), summed over K terms (Higham's recursive-summation bound):
  ``64·eps·(1 + K)·S`` (:func:`_value_roundoff`);
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
from scipy.special import softmax as scipy_softmax

import theory.symbolic as symbolic
from checks.base import EPS, CheckResult, Claim, fold, register
from checks.suite import q_vector_suite, temperature_suite
from theory.softmax import entropy as shannon_entropy
from theory.softmax import kl, soft_indmax, soft_value, softmax_conjugate

__all__ = [
    "A1",
    "A2",
    "A3",
    "A4",
    "A5",
    "A6",
    "A7",
    "OPTIMISER_TOL",
    "check_biconjugate",
    "check_bounds_and_limits",
    "check_conjugate",
    "check_duality",
    "check_entropy",
    "check_gradient",
    "check_kkt",
    "check_per_action",
]

SOURCE_ENTROPY = "seed deck, 'Background: entropy regularized policy optimization problem'"
SOURCE_SOFTMAX = "seed deck, 'Background: Softmax function'"
SOURCE_CONNECTION = "seed deck, 'Background: the connection'"

A1 = Claim("A1", "0 ≤ H(π) ≤ log K; H = 0 iff π deterministic; H = log K iff π uniform", SOURCE_ENTROPY)
A2 = Claim("A2", "f_τ(q) = ∇F_τ(q) = exp((q − F_τ(q))/τ)", SOURCE_SOFTMAX + "; sympy for K = 2, 3")
A3 = Claim(
    "A3",
    "F_τ(q) = max_π {π·q + τH(π)} = f_τ·q + τH(f_τ); π·q + τH(π) = F_τ(q) − τ KL(π‖f_τ(q))",
    SOURCE_CONNECTION + " (first slide)",
)
A4 = Claim("A4", "F_τ(q) = q_a − τ log f_τ(q)_a for every action a", SOURCE_CONNECTION + " (first slide)")
A5 = Claim(
    "A5",
    "F*_τ(p) = sup_q {p·q − F_τ(q)} = τ Σ p log p on Δ, +∞ off it; F** = F_τ",
    SOURCE_CONNECTION + " (proof, first equation); sympy for K = 2, 3",
)
A6 = Claim(
    "A6",
    "L = π·(q − τ log π) + λ(1 − 1·π) is stationary at π = f_τ(q), λ = F_τ(q) − τ",
    SOURCE_CONNECTION + " (proof, KKT condition); sympy for K = 3",
)
A7 = Claim(
    "A7",
    "max q ≤ F_τ ≤ max q + τ log K; F_τ − f_τ·q = τH(f_τ); dF_τ/dτ = H(f_τ) ≥ 0; "
    "τ→0: F_τ → max, f_τ → hardmax; F_τ(q + c1) = F_τ(q) + c",
    SOURCE_CONNECTION + " (the gap is the entropy; τ → 0 gives the hard max); sympy for K = 2, 3",
)

#: Stated tolerance of the independent optimisers (SLSQP on the simplex, BFGS over q), on the
#: objective divided by its scale. SLSQP is asked for ``ftol`` 1e-15 and restarted twice from
#: its own answer; on 300 random instances (K = 1..8, |q| up to 1e6, τ/|q| from 1e-4 to 1e3) its
#: worst relative error was 7e-9 (median 5e-17); BFGS (gtol 1e-11) on 300 random p (Dirichlet,
#: τ from 1e-6 to 1e6) also 7e-9 at worst (median 5e-17). 1e-7 is stated for both.
OPTIMISER_TOL = 1e-7

#: |φ'''| <= 1/(6√3) for φ(t) = F_1(q + t e_a): the third derivative of log-sum-exp along an
#: axis is f(1 − f)(1 − 2f), whose maximum over f in [0, 1] is 1/(6√3).
_LSE_THIRD_DERIVATIVE = 1 / (6 * np.sqrt(3))

#: The smallest positive normal float64: a probability below it has lost relative precision
#: (or underflowed to 0), so its logarithm says nothing about the exact one.
_TINY = float(np.finfo(np.float64).tiny)


# --- shared helpers ----------------------------------------------------------------------------
def _instance(name: str, x: np.ndarray, tau: float | None) -> str:
    """The ``details["instance"]`` label: the given name (or K and the size of x), and τ."""
    label = name or f"K={x.size}, |x|max={np.abs(x).max():.3g}"
    return label if tau is None else f"{label}, tau={tau:g}"


def _value_roundoff(q: np.ndarray, tau: float) -> float:
    """64·eps·(1 + K)·(1 + 2‖q‖∞ + τ(1 + log K)): round-off of value-unit quantities."""
    k = q.size
    return 64 * EPS * (1 + k) * (1 + 2 * np.abs(q).max() + tau * (1 + np.log(k)))


def _nats_roundoff(k: int) -> float:
    """64·eps·(1 + K)·(1 + log K): round-off of probabilities and entropies in nats."""
    return 64 * EPS * (1 + k) * (1 + np.log(k))


def _entropy_nats(p: np.ndarray) -> float:
    """H(p) in nats by scipy's entr, independent of ``theory.softmax.entropy``."""
    return float(entr(np.clip(p, 0.0, None)).sum())


@cache
def _symbolic_failures(derivation) -> tuple[str, ...]:
    """Names of the residuals of a ``theory.symbolic`` derivation that do not simplify to 0."""
    return tuple(name for name, expr in derivation().items() if not symbolic.simplifies_to_zero(expr))


def _add_symbolic(comparisons: dict, details: dict, derivation) -> None:
    """Record a sympy derivation's verdict: a comparison (failing residuals, allowed 0) and a line."""
    failures = _symbolic_failures(derivation)
    details["symbolic"] = (
        f"{derivation.__name__}: every residual simplifies to 0"
        if not failures
        else f"{derivation.__name__}: residuals NOT simplifying to 0: {list(failures)}"
    )
    comparisons["sympy residuals not simplifying to 0 (count)"] = (float(len(failures)), 0.0)


def _argmax_over_simplex(objective, k: int, jac=None) -> np.ndarray:
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
    """One SLSQP run from ``x0`` (see :func:`_argmax_over_simplex`); returns its answer."""
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


def _objective_scale(q: np.ndarray, tau: float) -> float:
    """The scale of π·q + τH(π) relative to max q: max(spread of q, τ), or 1 if both are 0."""
    return max(float(q.max() - q.min()), tau) or 1.0


# --- A1 ------------------------------------------------------------------------------------------
def check_entropy(p, *, entropy=shannon_entropy, name: str = "", tol: float | None = None) -> CheckResult:
    """A1 on one distribution: 0 ≤ H(p) ≤ log K, with the "iff" parts made quantitative.

    H(p) = −Σ p_a log p_a (nats). The "iff" parts hold because
    H(p) ≥ −log max_a p_a (> 0 unless p is a vertex) and
    log K − H(p) = KL(p‖u) ≥ ½‖p − u‖₁² (Pinsker; > 0 unless p = u);
    also H(e_a) = 0 for every vertex and H(u) = log K exactly, for the same K.

    Source: seed deck, "Background: entropy regularized policy optimization problem".

    Args:
      p: ``[K]`` a distribution.
      entropy: the entropy under test, ``entropy(p) -> float`` (negative controls break it).
      name: label of the instance.
      tol: allowed violation in nats; default ``64·eps·(1 + K)·(1 + log K)``.
    Returns:
      CheckResult; ``measured`` is the worst violation in nats.
    """
    p = np.asarray(p, dtype=np.float64)
    k = p.size
    tol = _nats_roundoff(k) if tol is None else tol
    h, log_k = float(entropy(p)), float(np.log(k))
    uniform = np.full(k, 1.0 / k)
    comparisons = {
        "H >= 0": (max(0.0, -h), tol),
        "H <= log K": (max(0.0, h - log_k), tol),
        "H >= -log max p (H = 0 only at a vertex)": (max(0.0, -np.log(p.max()) - h), tol),
        "log K - H >= ½|p - u|₁² (H = log K only at uniform)": (
            max(0.0, 0.5 * np.abs(p - uniform).sum() ** 2 - (log_k - h)),
            tol,
        ),
        "H(vertex) = 0": (max(abs(float(entropy(e))) for e in np.eye(k)), tol),
        "H(uniform) = log K": (abs(float(entropy(uniform)) - log_k), tol),
    }
    return A1.worst_of(comparisons, {"instance": _instance(name, p, None), "H": h})


@register(A1)
def battery_entropy(*, seed: int, size: str) -> CheckResult:
    """A1 over seeded Dirichlet draws (concentrations 0.05, 1, 20; K = 1..8) and over the
    soft-indmax distributions f_τ(q) of the q-vector suite at every suite temperature."""
    rng = np.random.default_rng(seed)
    n = {"quick": 2, "default": 6, "full": 20}[size]
    draws = [
        (f"Dirichlet(alpha={a:g}, K={k}) #{i}", rng.dirichlet(np.full(k, a)))
        for i in range(n)
        for k in range(1, 9)
        for a in (0.05, 1.0, 20.0)
    ]
    softmaxes = [
        (f"f_tau(q[{j}]), tau={t:g}", soft_indmax(q, t))
        for j, q in enumerate(q_vector_suite(seed, size))
        for t in temperature_suite(size)
    ]
    return fold(A1, (check_entropy(p, name=label) for label, p in draws + softmaxes))


# --- A2 ------------------------------------------------------------------------------------------
def check_gradient(
    q,
    tau: float,
    *,
    indmax=soft_indmax,
    soft_value=soft_value,
    symbolic_derivation=symbolic.gradient_residuals,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A2 on one q: f_τ(q) = ∇F_τ(q) = exp((q − F_τ(q))/τ).

    Compared: ``indmax`` against central differences of ``soft_value`` along every axis, and
    against exp((q − F_τ(q))/τ); the sympy derivation for K = 2, 3 must simplify to 0.

    Step and tolerance of the central difference: along e_a, φ(t) = F_τ(q + t e_a) has
    |φ'''| <= 1/(6√3 τ²), so the truncation error is at most h²/(36√3 τ²); each F evaluation
    errs by at most r = :func:`_value_roundoff` (at q + h), so the quotient errs by r/h more.
    The step minimising the sum, h = (18√3 r τ²)^(1/3), is used (the exact representable
    difference (q_a + h) − q_a in the quotient), and the tolerance is twice the bound.
    The exp form: F errs by r, so the exponent by r/τ and f by f·r/τ: tolerance
    ``2r/τ + 64·eps·(1 + K)``.
    At τ = 0, F_0 = max is not differentiable at ties: the check verifies the limit statement
    instead, that f_0 is a subgradient of max (a distribution with f_0·q = max q).

    Source: seed deck, "Background: Softmax function".

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      indmax, soft_value: the functions under test (negative controls pass broken ones).
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of every tolerance (probability units).
    Returns:
      CheckResult; ``measured`` in probability units (the worst comparison).
    """
    q = np.asarray(q, dtype=np.float64)
    k = q.size
    f = np.asarray(indmax(q, tau), dtype=np.float64)
    comparisons: dict[str, tuple[float, float]] = {}
    details = {"instance": _instance(name, q, tau)}
    if tau == 0.0:
        allowed = _nats_roundoff(k) if tol is None else tol
        comparisons["f_0 on the simplex"] = (max(0.0, -f.min()) + abs(f.sum() - 1.0), allowed)
        comparisons["f_0·q = max q (subgradient of max)"] = (
            abs(f @ q - q.max()),
            (_value_roundoff(q, 0.0) if tol is None else tol),
        )
    else:
        r = _value_roundoff(q, tau) * 2  # q + h e_a is at most twice as large as q
        h = (18 * np.sqrt(3) * r * tau**2) ** (1 / 3)
        fd = np.empty(k)
        for a in range(k):
            up, down = q.copy(), q.copy()
            up[a] += h
            down[a] -= h
            fd[a] = (float(soft_value(up, tau)) - float(soft_value(down, tau))) / (up[a] - down[a])
        fd_bound = h**2 * _LSE_THIRD_DERIVATIVE / (6 * tau**2) + r / h
        comparisons["|f - central difference of F|"] = (
            np.abs(f - fd).max(),
            2 * fd_bound if tol is None else tol,
        )
        closed = np.exp((q - float(soft_value(q, tau))) / tau)
        comparisons["|f - exp((q - F)/tau)|"] = (
            np.abs(f - closed).max(),
            2 * r / tau + 64 * EPS * (1 + k) if tol is None else tol,
        )
        details["fd_step"] = h
    _add_symbolic(comparisons, details, symbolic_derivation)
    return A2.worst_of(comparisons, details)


def _q_tau_suite(seed: int, size: str):
    """(label, q, τ) over the q-vector suite × the temperature suite."""
    return [
        (f"q[{j}] (K={q.size})", q, t)
        for j, q in enumerate(q_vector_suite(seed, size))
        for t in temperature_suite(size)
    ]


@register(A2)
def battery_gradient(*, seed: int, size: str) -> CheckResult:
    """A2 over the q-vector suite × the temperature suite."""
    return fold(A2, (check_gradient(q, t, name=label) for label, q, t in _q_tau_suite(seed, size)))


# --- A3 ------------------------------------------------------------------------------------------
def check_duality(
    q,
    tau: float,
    pi,
    *,
    soft_value=soft_value,
    indmax=soft_indmax,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A3 on one (q, τ, π): the entropy-regularised maximum is the soft value.

    F_τ(q) = max_{π∈Δ} {π·q + τH(π)} = f_τ(q)·q + τH(f_τ(q)), and the exact identity
    π·q + τH(π) = F_τ(q) − τ KL(π ‖ f_τ(q)) for the given π (so the max is attained only at
    f_τ(q)). Independently, scipy's SLSQP maximises π·q + τH(π) over the simplex (constraint
    Σπ = 1, bounds 0 <= π <= 1, analytic gradient q − τ(log π + 1)); its optimum must match
    F_τ(q) to ``OPTIMISER_TOL`` (relative to the objective's scale c = max(spread q, τ)) plus
    round-off, and its argmax π̂ must match f_τ(q) to the bound that the identity itself gives:
    τ·½‖π̂ − f‖₁² <= τ KL(π̂‖f) = F − obj(π̂) <= the value tolerance, by Pinsker.

    τ = 0 (limit version): π·q <= F_0(q) = max q with equality at f_0; the optimiser's value is
    compared, not its argmax (not unique at ties). Where f_τ(q) underflows to 0 on the support
    of π, KL is +inf in float64 and the identity is skipped (``details["identity"]``).

    Source: seed deck, "Background: the connection" (first slide).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      pi: ``[K]`` a distribution.
      soft_value, indmax: the functions under test (negative controls pass broken ones).
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` in value units (or ℓ1 for the argmax).
    """
    q, pi = np.asarray(q, dtype=np.float64), np.asarray(pi, dtype=np.float64)
    k = q.size
    rnd = _value_roundoff(q, tau) if tol is None else tol
    value = float(soft_value(q, tau))
    f = np.asarray(indmax(q, tau), dtype=np.float64)
    details = {"instance": _instance(name, q, tau)}
    comparisons = {"|f·q + tau H(f) - F|": (abs(f @ q + tau * _entropy_nats(f) - value), rnd)}
    if tau == 0.0:
        comparisons["pi·q <= F_0"] = (max(0.0, pi @ q - value), rnd)
    else:
        divergence = float(kl(pi, f))
        if np.isfinite(divergence):
            lhs = pi @ q + tau * _entropy_nats(pi)
            comparisons["|pi·q + tau H(pi) - (F - tau KL(pi||f))|"] = (
                abs(lhs - (value - tau * divergence)),
                rnd,
            )
            details["identity"] = f"checked, tau KL(pi||f) = {tau * divergence:.6g}"
        else:
            details["identity"] = "skipped: f_tau(q) underflows to 0 on the support of pi"
    # The independent optimiser works on the scaled objective (π·q − max q)/c + (τ/c)H(π).
    c = _objective_scale(q, tau)
    shifted, t = (q - q.max()) / c, tau / c

    def objective(p):
        return p @ shifted + t * _entropy_nats(p)

    def gradient(p):
        # The entropy's slope is +inf at p_a = 0; clamping keeps SLSQP's gradient finite where
        # the bound p_a >= 0 is active.
        return shifted - t * (np.log(np.maximum(p, _TINY)) + 1.0)

    pi_hat = _argmax_over_simplex(objective, k, jac=gradient)
    found = q.max() + c * objective(pi_hat)
    value_tol = c * OPTIMISER_TOL + rnd
    comparisons["|SLSQP max - F|"] = (abs(found - value), value_tol)
    if tau > 0:
        comparisons["|SLSQP argmax - f|_1"] = (np.abs(pi_hat - f).sum(), np.sqrt(2 * value_tol / tau))
    details["optimiser"] = (
        "scipy.optimize.minimize(method='SLSQP') on the simplex, ftol=1e-15, 2 warm restarts"
    )
    return A3.worst_of(comparisons, details)


@register(A3)
def battery_duality(*, seed: int, size: str) -> CheckResult:
    """A3 over the q-vector suite × temperatures, each with a seeded Dirichlet(1) policy π."""
    rng = np.random.default_rng(seed)
    cases = [(label, q, t, rng.dirichlet(np.ones(q.size))) for label, q, t in _q_tau_suite(seed, size)]
    return fold(A3, (check_duality(q, t, pi, name=label) for label, q, t, pi in cases))


# --- A4 ------------------------------------------------------------------------------------------
def check_per_action(
    q,
    tau: float,
    *,
    soft_value=soft_value,
    indmax=soft_indmax,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A4 on one q: F_τ(q) = q_a − τ log f_τ(q)_a for every action a.

    Checked on the actions whose probability is a normal float64 (>= 2.2e-308); below that the
    probability has underflowed or lost its relative precision and its log says nothing
    (``details["skipped_actions"]`` counts them). At τ = 0 (limit version) the identity reads
    F_0(q) = q_a for every a in the support of f_0 (the argmax set).

    Tolerance: τ log f_a carries τ·(relative error of f_a) <= eps·(τ + |q_a − F|) and F its own
    round-off: ``64·eps·(1 + K)·(1 + 2‖q‖∞ + τ(1 + log K))``.

    Source: seed deck, "Background: the connection" (first slide).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      soft_value, indmax: the functions under test.
      name: label of the instance.
      tol: override of the tolerance (value units).
    Returns:
      CheckResult; ``measured`` = max over checked a of |q_a − τ log f_a − F|.
    """
    q = np.asarray(q, dtype=np.float64)
    f = np.asarray(indmax(q, tau), dtype=np.float64)
    value = float(soft_value(q, tau))
    checked = f >= _TINY
    per_action = q[checked] - (tau * np.log(f[checked]) if tau > 0 else 0.0) - value
    measured = np.abs(per_action).max() if checked.any() else np.inf  # f must have support
    details = {"instance": _instance(name, q, tau), "skipped_actions": int((~checked).sum())}
    return A4.worst_of(
        {"|q_a - tau log f_a - F|": (measured, _value_roundoff(q, tau) if tol is None else tol)}, details
    )


@register(A4)
def battery_per_action(*, seed: int, size: str) -> CheckResult:
    """A4 over the q-vector suite × the temperature suite."""
    return fold(A4, (check_per_action(q, t, name=label) for label, q, t in _q_tau_suite(seed, size)))


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


def check_conjugate(
    p,
    tau: float,
    *,
    conjugate=softmax_conjugate,
    soft_value=soft_value,
    symbolic_derivation=symbolic.conjugate_residuals,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A5 (conjugate) on one p: F*_τ(p) = sup_q {p·q − F_τ(q)} = τ Σ p log p on Δ, +∞ off it.

    On the simplex (τ > 0): ``conjugate(p, τ)`` against the sup found by BFGS over q (gauge
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
      conjugate, soft_value: the functions under test.
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` in value units (slope units for a ray).
    """
    p = np.asarray(p, dtype=np.float64)
    details = {"instance": _instance(name, p, tau)}
    comparisons: dict[str, tuple[float, float]] = {}
    claimed = float(conjugate(p, tau))
    on_simplex = bool((p >= 0).all() and abs(p.sum() - 1.0) <= 1e-10)
    rnd = _value_roundoff(p, tau)
    if on_simplex:
        neg_entropy = -_entropy_nats(p)
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
            allowed = 2 * _value_roundoff(t1 * direction, tau) / (t1 - t0) if tol is None else tol
            comparisons[f"slope deficit along {ray}"] = (max(0.0, slope - grown), allowed)
            details[f"objective along {ray}"] = {"t": (t0, t1), "value": (g0, g1), "slope >=": float(slope)}
    _add_symbolic(comparisons, details, symbolic_derivation)
    return A5.worst_of(comparisons, details)


def check_biconjugate(
    q,
    tau: float,
    *,
    conjugate=softmax_conjugate,
    soft_value=soft_value,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A5 (biconjugate) on one q: F**_τ(q) = sup_{p∈Δ} {p·q − F*_τ(p)} = F_τ(q).

    The sup is taken by SLSQP over the simplex (the conjugate is +inf off it) with numerical
    gradients, on the objective shifted by max q and divided by c = max(spread q, τ); it must
    match ``soft_value(q, τ)`` to c·``OPTIMISER_TOL`` plus round-off.

    Source: seed deck, "Background: the connection" (proof: F_τ closed and convex, F = F**).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      conjugate, soft_value: the functions under test.
      name: label of the instance.
      tol: override of the tolerance (value units).
    Returns:
      CheckResult; ``measured`` = |F** − F_τ(q)|.
    """
    q = np.asarray(q, dtype=np.float64)
    c = _objective_scale(q, tau)
    top = q.max()
    p_hat = _argmax_over_simplex(lambda p: (p @ q - top - float(conjugate(p, tau))) / c, q.size)
    found = p_hat @ q - float(conjugate(p_hat, tau))
    allowed = c * OPTIMISER_TOL + _value_roundoff(q, tau) if tol is None else tol
    details = {
        "instance": _instance(name, q, tau),
        "optimiser": "scipy.optimize.minimize(method='SLSQP') on the simplex, numerical gradient",
    }
    return A5.worst_of({"|F** - F|": (abs(found - float(soft_value(q, tau))), allowed)}, details)


@register(A5)
def battery_conjugate(*, seed: int, size: str) -> CheckResult:
    """A5 over the q-vector suite × temperatures: the biconjugate at q, and the conjugate at a
    seeded Dirichlet(0.5) p of the same K, at 1.3·p (Σ ≠ 1), at 0.6·p, and at p with one entry
    made negative (then renormalised to sum 1)."""
    rng = np.random.default_rng(seed)
    results = []
    for label, q, t in _q_tau_suite(seed, size):
        results.append(check_biconjugate(q, t, name=label))
        p = rng.dirichlet(np.full(q.size, 0.5))
        negative = p.copy()
        negative[0] -= 0.3
        negative /= negative.sum()
        for kind, vec in (("p", p), ("1.3 p", 1.3 * p), ("0.6 p", 0.6 * p), ("p with p_0 < 0", negative)):
            results.append(check_conjugate(vec, t, name=f"{kind}, K={q.size}"))
    return fold(A5, results)


# --- A6 ------------------------------------------------------------------------------------------
def _lagrange_multiplier(q, tau) -> float:
    """λ = F_τ(q) − τ, the multiplier of Σπ = 1 at the maximiser (v = λ + τ = F_τ(q))."""
    return float(soft_value(q, tau)) - tau


def check_kkt(
    q,
    tau: float,
    *,
    multiplier=_lagrange_multiplier,
    indmax=soft_indmax,
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
      multiplier: λ(q, τ) under test (a negative control passes λ = F_τ).
      indmax: f_τ under test.
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` = the largest |∂L| (value units).
    """
    q = np.asarray(q, dtype=np.float64)
    pi = np.asarray(indmax(q, tau), dtype=np.float64)
    lam = float(multiplier(q, tau))
    rnd = _value_roundoff(q, tau) if tol is None else tol
    normal = pi >= _TINY
    if tau > 0:
        stationarity = q[normal] - tau * np.log(pi[normal]) - tau - lam
        below = max(0.0, (q[~normal] - lam - tau - tau * np.log(_TINY)).max(initial=-np.inf))
    else:
        stationarity = q[normal] - lam
        below = max(0.0, (q[~normal] - lam).max(initial=-np.inf))
    comparisons = {
        "max |dL/dpi_a| on the support": (np.abs(stationarity).max() if normal.any() else np.inf, rnd),
        "dL/dpi_a sign condition where pi_a underflows": (below, rnd),
        "|dL/dlambda| = |1 - sum pi|": (abs(1.0 - pi.sum()), 64 * EPS * (1 + q.size)),
    }
    details = {
        "instance": _instance(name, q, tau),
        "lambda": lam,
        "underflowed_actions": int((~normal).sum()),
    }
    _add_symbolic(comparisons, details, symbolic_derivation)
    return A6.worst_of(comparisons, details)


@register(A6)
def battery_kkt(*, seed: int, size: str) -> CheckResult:
    """A6 over the q-vector suite × the temperature suite."""
    return fold(A6, (check_kkt(q, t, name=label) for label, q, t in _q_tau_suite(seed, size)))


# --- A7 ------------------------------------------------------------------------------------------
def _tau_derivative(q: np.ndarray, tau: float, soft_value) -> tuple[float, float, float]:
    """Central difference of τ ↦ F_τ(q) with its error bound: (derivative, bound, step).

    With z = q/τ under f = softmax(z), φ(τ) = F_τ(q) has φ''' = −(3 Var_f z + κ₃(z))/τ²
    (κ₃ the third central moment). M = 2·max |φ'''| over τ − h, τ, τ + h bounds it on the
    interval (h <= τ/10 keeps z within 10% of its value); the truncation error is h²M/6 and the
    round-off 2r/(2h), r = :func:`_value_roundoff` at τ + h. h minimises the sum.
    """

    def third(t):
        z = q / t
        w = scipy_softmax(z)
        centred = z - w @ z
        return abs(3 * (w @ centred**2) + w @ centred**3) / t**2

    r = _value_roundoff(q, 1.1 * tau)
    bound_m = 2 * max(third(tau * s) for s in (0.9, 1.0, 1.1))
    h = min(tau / 10, (3 * r / max(bound_m, 1e-300)) ** (1 / 3))
    up, down = tau + h, tau - h
    derivative = (float(soft_value(q, up)) - float(soft_value(q, down))) / (up - down)
    return derivative, h**2 * bound_m / 6 + r / h, h


def check_bounds_and_limits(
    q,
    tau: float,
    *,
    soft_value=soft_value,
    indmax=soft_indmax,
    entropy=shannon_entropy,
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
    - at τ = 0: the limits, along τ_j = s·10^(−j), j = 1..4 (s = spread of q, or 1):
      0 <= F_τ − max q − τ log m <= τ (K − m)/m e^(−gap/τ) and
      ‖f_τ − hardmax‖₁ <= 2(K − m) e^(−gap/τ), bounds that vanish as τ → 0; and exactly
      F_0 = max q, f_0 = uniform on the argmax set;
    - F_τ(q + c·1) = F_τ(q) + c for c in {−2.5 S, 0.75 S, 1} (S = 1 + ‖q‖∞).
    The sympy derivation of dF/dτ = H for K = 2, 3 must simplify to 0.

    Tolerance: value round-off (:func:`_value_roundoff`, at the largest scale involved).

    Source: seed deck, "Background: the connection" (first slide).

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      soft_value, indmax, entropy: the functions under test.
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` in value units (nats for the derivative).
    """
    q = np.asarray(q, dtype=np.float64)
    k, top = q.size, float(q.max())
    rnd = _value_roundoff(q, tau) if tol is None else tol
    value = float(soft_value(q, tau))
    f = np.asarray(indmax(q, tau), dtype=np.float64)
    h_f = float(entropy(f))
    argmax = q == top
    m = int(argmax.sum())
    below = q[~argmax]
    gap = top - below.max() if below.size else np.inf
    comparisons = {
        "max q - F (lower bound)": (max(0.0, top - value), rnd),
        "F - max q - tau log K (upper bound)": (max(0.0, value - top - tau * np.log(k)), rnd),
        "|F - f·q - tau H(f)| (the gap is the entropy)": (abs(value - f @ q - tau * h_f), rnd),
    }
    details = {"instance": _instance(name, q, tau), "H(f)": h_f}
    if tau > 0:
        derivative, bound, step = _tau_derivative(q, tau, soft_value)
        comparisons["|dF/dtau - H(f)| (central difference)"] = (abs(derivative - h_f), 2 * bound)
        comparisons["-dF/dtau (must be >= 0)"] = (max(0.0, -derivative), 2 * bound)
        details["dF/dtau"] = {"central difference": derivative, "step": step, "error bound": bound}
    else:
        step = gap / 40 if np.isfinite(gap) else 1.0
        derivative = (float(soft_value(q, step)) - value) / step
        allowed = (k - m) / m * np.exp(-40.0) + 2 * _value_roundoff(q, step) / step
        comparisons["|dF/dtau at 0+ - H(f_0)| (one-sided)"] = (abs(derivative - h_f), allowed)
        hardmax = argmax / m
        comparisons["|F_0 - max q|"] = (abs(value - top), rnd)
        comparisons["|f_0 - hardmax|_1"] = (np.abs(f - hardmax).sum(), _nats_roundoff(k))
        spread = top - q.min() or 1.0
        details["limit bounds (tau: F - max - tau log m, |f - hardmax|_1)"] = limits = {}
        for j in range(1, 5):
            t = spread * 10.0**-j
            excess = float(soft_value(q, t)) - top - t * np.log(m)
            tail = np.exp(-gap / t)
            limits[f"{t:.3g}"] = (float(t * (k - m) / m * tail), float(2 * (k - m) * tail))
            comparisons[f"F - max - tau log m outside [0, bound], tau={t:.3g}"] = (
                max(0.0, -excess, excess - t * (k - m) / m * tail),
                _value_roundoff(q, t),
            )
            comparisons[f"|f - hardmax|_1 above its bound, tau={t:.3g}"] = (
                max(0.0, np.abs(np.asarray(indmax(q, t)) - hardmax).sum() - 2 * (k - m) * tail),
                _nats_roundoff(k),
            )
    scale = 1.0 + np.abs(q).max()
    for c in (-2.5 * scale, 0.75 * scale, 1.0):
        comparisons[f"|F(q + c1) - F(q) - c|, c={c:.3g}"] = (
            abs(float(soft_value(q + c, tau)) - value - c),
            _value_roundoff(3.5 * scale * np.ones(k), tau) if tol is None else tol,
        )
    _add_symbolic(comparisons, details, symbolic_derivation)
    return A7.worst_of(comparisons, details)


@register(A7)
def battery_bounds_and_limits(*, seed: int, size: str) -> CheckResult:
    """A7 over the q-vector suite × the temperature suite."""
    return fold(A7, (check_bounds_and_limits(q, t, name=label) for label, q, t in _q_tau_suite(seed, size)))
