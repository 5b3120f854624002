"""Claims A1–A4 (slides "Background: ..."): entropy, the softmax and the soft value.

A1 bounds the entropy; A2 makes the softmax f_τ the gradient of the soft value F_τ; A3 makes
F_τ the entropy-regularised maximum, attained at f_τ; A4 recovers F_τ from any one action.
The conjugate duality, the KKT conditions and the bounds and limits (A5–A7) are in
:mod:`checks.conjugacy`.

Every check here is exact: closed forms, sympy derivations, and independent scipy optimisers
whose stated tolerance is part of the verdict. Each check compares several quantities; every
comparison is a pair (measured, allowed) and the check reports the one with the worst ratio
(``details["comparisons"]`` lists them all). The tolerances, in the units of each comparison,
are stated in ``checks._softmax_common``, which holds the helpers shared with
:mod:`checks.conjugacy`.
"""

from __future__ import annotations

import numpy as np

import theory.symbolic as symbolic
from checks._softmax_common import (
    OPTIMISER_TOL,
    SOURCE_CONNECTION,
    SOURCE_ENTROPY,
    SOURCE_SOFTMAX,
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
from checks.suite import q_vector_suite, temperature_suite
from theory.roundoff import roundoff
from theory.softmax import kl, soft_indmax

__all__ = [
    "A1",
    "A2",
    "A3",
    "A4",
    "OPTIMISER_TOL",
    "check_duality",
    "check_entropy",
    "check_gradient",
    "check_per_action",
]

A1 = Claim(
    "A1",
    "0 ≤ H(π) ≤ log K; H = 0 iff π deterministic; H = log K iff π uniform",
    SOURCE_ENTROPY,
    roles=("entropy",),
)
A2 = Claim(
    "A2",
    "f_τ(q) = ∇F_τ(q) = exp((q − F_τ(q))/τ)",
    SOURCE_SOFTMAX + "; sympy for K = 2, 3",
    roles=("soft_value", "soft_indmax"),
)
A3 = Claim(
    "A3",
    "F_τ(q) = max_π {π·q + τH(π)} = f_τ·q + τH(f_τ); π·q + τH(π) = F_τ(q) − τ KL(π‖f_τ(q))",
    SOURCE_CONNECTION + " (first slide)",
    roles=("soft_value", "soft_indmax"),
)
A4 = Claim(
    "A4",
    "F_τ(q) = q_a − τ log f_τ(q)_a for every action a",
    SOURCE_CONNECTION + " (first slide)",
    roles=("soft_value", "soft_indmax"),
)

#: |φ'''| <= 1/(6√3) for φ(t) = F_1(q + t e_a): the third derivative of log-sum-exp along an
#: axis is f(1 − f)(1 − 2f), whose maximum over f in [0, 1] is 1/(6√3).
_LSE_THIRD_DERIVATIVE = 1 / (6 * np.sqrt(3))


# --- A1 ------------------------------------------------------------------------------------------
@A1.subjects()
def check_entropy(p, *, subjects: Subjects = OWN, name: str = "", tol: float | None = None) -> CheckResult:
    """A1 on one distribution: 0 ≤ H(p) ≤ log K, with the "iff" parts made quantitative.

    H(p) = −Σ p_a log p_a (nats). The "iff" parts hold because
    H(p) ≥ −log max_a p_a (> 0 unless p is a vertex) and
    log K − H(p) = KL(p‖u) ≥ ½‖p − u‖₁² (Pinsker; > 0 unless p = u);
    also H(e_a) = 0 for every vertex and H(u) = log K exactly, for the same K.

    Source: seed deck, "Background: entropy regularized policy optimization problem".

    Args:
      p: ``[K]`` a distribution.
      subjects: the ``entropy`` under test (negative controls break it).
      name: label of the instance.
      tol: allowed violation in nats; default ``64·eps·(1 + K)·(1 + log K)``.
    Returns:
      CheckResult; ``measured`` is the worst violation in nats.
    """
    p = np.asarray(p, dtype=np.float64)
    k = p.size
    tol = nats_roundoff(k) if tol is None else tol
    entropy = subjects.entropy
    h, log_k = float(entropy(p)), float(np.log(k))
    uniform = np.full(k, 1.0 / k)
    comparisons = {
        "H >= 0": (excess(-h), tol),
        "H <= log K": (excess(h - log_k), tol),
        "H >= -log max p (H = 0 only at a vertex)": (excess(-np.log(p.max()) - h), tol),
        "log K - H >= ½|p - u|₁² (H = log K only at uniform)": (
            excess(0.5 * np.abs(p - uniform).sum() ** 2 - (log_k - h)),
            tol,
        ),
        "H(vertex) = 0": (largest(*(abs(float(entropy(e))) for e in np.eye(k))), tol),
        "H(uniform) = log K": (abs(float(entropy(uniform)) - log_k), tol),
    }
    return A1.worst_of(comparisons, {"instance": vector_label(name, p, None), "H": h})


@register(A1, probe=Probe(("p",), check_entropy))
def battery_entropy(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
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
    cases = subjects.admit(A1, draws + softmaxes, key=lambda case: (None, None))
    return fold(A1, (check_entropy(p, subjects=subjects, name=label) for label, p in cases))


# --- A2 ------------------------------------------------------------------------------------------
@A2.subjects("symbolic_derivation")
def check_gradient(
    q,
    tau: float,
    *,
    subjects: Subjects = OWN,
    symbolic_derivation=symbolic.gradient_residuals,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """A2 on one q: f_τ(q) = ∇F_τ(q) = exp((q − F_τ(q))/τ).

    Compared: f_τ (``subjects.soft_indmax``) against central differences of F_τ
    (``subjects.soft_value``) along every axis, and
    against exp((q − F_τ(q))/τ); the sympy derivation for K = 2, 3 must simplify to 0.

    Step and tolerance of the central difference: along e_a, φ(t) = F_τ(q + t e_a) has
    |φ'''| <= 1/(6√3 τ²), so the truncation error is at most h²/(36√3 τ²); each F evaluation
    errs by at most r = :func:`value_roundoff` (at q + h), so the quotient errs by r/h more.
    The step minimising the sum, h = (18√3 r τ²)^(1/3), is used (the exact representable
    difference (q_a + h) − q_a in the quotient), and the tolerance is twice the bound.
    The exp form: F errs by r, so the exponent by r/τ and f by f·expm1(r/τ): tolerance
    ``2·expm1(r/τ) + 64·eps·(1 + K)``, and the comparison is left out where r/τ >= 1/2 (the
    exponent is not known to within a factor e).
    At τ = 0, F_0 = max is not differentiable at ties: the check verifies the limit statement
    instead, that f_0 is a subgradient of max (a distribution with f_0·q = max q).

    Source: seed deck, "Background: Softmax function".

    Args:
      q: ``[K]`` values.
      tau: temperature τ >= 0.
      subjects: the ``soft_indmax`` and ``soft_value`` under test (negative controls pass
        broken ones).
      symbolic_derivation: returns ``{name: sympy residual}`` that must simplify to 0.
      name: label of the instance.
      tol: override of every tolerance (probability units).
    Returns:
      CheckResult; ``measured`` in probability units (the worst comparison).
    """
    q = np.asarray(q, dtype=np.float64)
    k = q.size
    soft_value = subjects.soft_value
    f = subjects.soft_indmax(q, tau)
    comparisons: dict[str, tuple[float, float]] = {}
    details = {"instance": vector_label(name, q, tau)}
    if tau == 0.0:
        allowed = nats_roundoff(k) if tol is None else tol
        comparisons["f_0 on the simplex"] = (excess(-f.min()) + abs(f.sum() - 1.0), allowed)
        comparisons["f_0·q = max q (subgradient of max)"] = (
            abs(f @ q - q.max()),
            (value_roundoff(q, 0.0) if tol is None else tol),
        )
    else:
        r = value_roundoff(q, tau) * 2  # q + h e_a is at most twice as large as q
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
        # F errs by r, so exp((q − F)/τ) = f·exp(−e/τ) with |e| <= r: within f·expm1(r/τ) of f
        # (doubled), plus the K-term normaliser's round-off on probabilities (magnitude 1).
        # When r/τ reaches 1/2 the exponent is unknown to more than a factor e: the identity
        # cannot be told apart from float64 noise there (τ = 1e-11 with |q| ~ 1e6) and is left
        # out; the central difference above still checks the gradient.
        if tol is not None or r / tau < 0.5:
            with np.errstate(over="ignore"):  # a wrong F may overflow exp: measured inf, a FAIL
                closed = np.exp((q - float(soft_value(q, tau))) / tau)
            comparisons["|f - exp((q - F)/tau)|"] = (
                np.abs(f - closed).max(),
                2 * np.expm1(r / tau) + roundoff(1 + k, 1.0) if tol is None else tol,
            )
        details["fd_step"] = h
    add_symbolic(comparisons, details, symbolic_derivation)
    return A2.worst_of(comparisons, details)


@register(A2, probe=Probe(("q", "tau"), check_gradient))
def battery_gradient(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """A2 over the q-vector suite × the temperature suite."""
    cases = subjects.admit(A2, q_tau_suite(seed, size), key=q_tau_key)
    return fold(A2, (check_gradient(q, t, subjects=subjects, name=label) for label, q, t in cases))


# --- A3 ------------------------------------------------------------------------------------------
@A3.subjects()
def check_duality(
    q,
    tau: float,
    pi,
    *,
    subjects: Subjects = OWN,
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
      subjects: the ``soft_value`` and ``soft_indmax`` under test (negative controls pass
        broken ones).
      name: label of the instance.
      tol: override of the value tolerance.
    Returns:
      CheckResult; ``measured`` in value units (or ℓ1 for the argmax).
    Raises:
      ValueError: ``pi`` not of the shape of ``q``.
    """
    q, pi = np.asarray(q, dtype=np.float64), np.asarray(pi, dtype=np.float64)
    if pi.shape != q.shape:
        raise ValueError(f"pi must have the shape of q, {q.shape}; got {pi.shape}")
    k = q.size
    rnd = value_roundoff(q, tau) if tol is None else tol
    value = float(subjects.soft_value(q, tau))
    f = subjects.soft_indmax(q, tau)
    details = {"instance": vector_label(name, q, tau)}
    comparisons = {"|f·q + tau H(f) - F|": (abs(f @ q + tau * entropy_nats(f) - value), rnd)}
    if tau == 0.0:
        comparisons["pi·q <= F_0"] = (excess(pi @ q - value), rnd)
    else:
        divergence = float(kl(pi, f))
        if np.isfinite(divergence):
            lhs = pi @ q + tau * entropy_nats(pi)
            comparisons["|pi·q + tau H(pi) - (F - tau KL(pi||f))|"] = (
                abs(lhs - (value - tau * divergence)),
                rnd,
            )
            details["identity"] = f"checked, tau KL(pi||f) = {tau * divergence:.6g}"
        else:
            details["identity"] = "skipped: f_tau(q) underflows to 0 on the support of pi"
    # The independent optimiser works on the scaled objective (π·q − max q)/c + (τ/c)H(π).
    c = objective_scale(q, tau)
    shifted, t = (q - q.max()) / c, tau / c

    def objective(p):
        return p @ shifted + t * entropy_nats(p)

    def gradient(p):
        # The entropy's slope is +inf at p_a = 0; clamping keeps SLSQP's gradient finite where
        # the bound p_a >= 0 is active.
        return shifted - t * (np.log(np.maximum(p, TINY)) + 1.0)

    pi_hat = argmax_over_simplex(objective, k, jac=gradient)
    found = q.max() + c * objective(pi_hat)
    value_tol = c * OPTIMISER_TOL + rnd
    comparisons["|SLSQP max - F|"] = (abs(found - value), value_tol)
    if tau > 0:
        comparisons["|SLSQP argmax - f|_1"] = (np.abs(pi_hat - f).sum(), np.sqrt(2 * value_tol / tau))
    details["optimiser"] = (
        "scipy.optimize.minimize(method='SLSQP') on the simplex, ftol=1e-15, 2 warm restarts"
    )
    return A3.worst_of(comparisons, details)


@register(A3, probe=Probe(("q", "tau", "p"), check_duality))
def battery_duality(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """A3 over the q-vector suite × temperatures, each with a seeded Dirichlet(1) policy π."""
    rng = np.random.default_rng(seed)
    cases = [(label, q, t, rng.dirichlet(np.ones(q.size))) for label, q, t in q_tau_suite(seed, size)]
    cases = subjects.admit(A3, cases, key=q_tau_key)
    return fold(A3, (check_duality(q, t, pi, subjects=subjects, name=label) for label, q, t, pi in cases))


# --- A4 ------------------------------------------------------------------------------------------
@A4.subjects()
def check_per_action(
    q,
    tau: float,
    *,
    subjects: Subjects = OWN,
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
      subjects: the ``soft_value`` and ``soft_indmax`` under test.
      name: label of the instance.
      tol: override of the tolerance (value units).
    Returns:
      CheckResult; ``measured`` = max over checked a of |q_a − τ log f_a − F|.
    """
    q = np.asarray(q, dtype=np.float64)
    f = subjects.soft_indmax(q, tau)
    value = float(subjects.soft_value(q, tau))
    checked = f >= TINY
    per_action = q[checked] - (tau * np.log(f[checked]) if tau > 0 else 0.0) - value
    measured = np.abs(per_action).max() if checked.any() else np.inf  # f must have support
    details = {"instance": vector_label(name, q, tau), "skipped_actions": int((~checked).sum())}
    return A4.worst_of(
        {"|q_a - tau log f_a - F|": (measured, value_roundoff(q, tau) if tol is None else tol)}, details
    )


@register(A4, probe=Probe(("q", "tau"), check_per_action))
def battery_per_action(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """A4 over the q-vector suite × the temperature suite."""
    cases = subjects.admit(A4, q_tau_suite(seed, size), key=q_tau_key)
    return fold(A4, (check_per_action(q, t, subjects=subjects, name=label) for label, q, t in cases))
