"""Claims R1–R4 (regularised MDPs: Legendre–Fenchel facts, the regularised operators and the
optimality of their fixed point's greedy policy, the bias of the regularised optimum,
sparsemax), R6 (entropy-regularised NPG) and R7 (the soft performance difference identity);
R5 (mellowmax) is :mod:`checks.mellowmax`.

R1: for each regulariser Ω of :mod:`theory.regularizers` (Shannon, Tsallis, KL to a non-uniform
prior), the regularised value is the conjugate (τΩ)*(q) = max_π ⟨π, q⟩ − τΩ(π) (against an
independent SLSQP optimiser on the simplex), the greedy policy is its gradient (central
differences) and the maximiser, max q − τU <= (τΩ)*(q) <= max q − τL, (τΩ)*(q + c·1) =
(τΩ)*(q) + c, and (τΩ)* is monotone. R4: the sparsemax closed form of Tsallis is the maximiser
(KKT conditions and the optimiser), its support is a strict subset on some instances of the
suite, and it is affine on each piece of fixed support.

Source: Geist, Scherrer, Pietquin 2019, "A Theory of Regularized MDPs" (arXiv 1901.11275): its
abstract states the programme; the statements checked here are derived here (the project's
notes hold them only from a secondary summary). Each check compares several quantities as
pairs (measured, allowed) and reports the worst ratio (``details["comparisons"]``). Tolerances
come from :func:`theory.roundoff.roundoff` and the optimiser's stated accuracy
(``checks._softmax_common.OPTIMISER_TOL``), never from the regulariser under test.

The regulariser under test is the keyword seam ``regularizer=`` of each check (default the
project's own), guarded by ``Claim.subjects``: its fields must be finite, and every output of
its methods is scanned (a NaN or inf is a FAIL). Negative controls pass broken ones. It is also
the ``regularizer`` role of :mod:`checks.subjects` (``checks.verify(regularizer=obj)``, ``--subject
regularizer=module:attr``): the batteries run the suite's regularisers for the project's own
subjects, and only the given one when a foreign regulariser is under test
(:func:`regularizers_under_test`); R4, about sparsemax, takes the given one as a Tsallis
implementation (a regulariser of another kind fails it: restrict ``claims=`` to R1).

R2 and R3 hand the regulariser under test to the project's operator, policy evaluation and
policy iteration (``regularizer=``), whose kernels then call its public ``value`` and ``greedy``
through :func:`checks.subjects.regularizer_subject` (every answer checked). R2: monotonicity,
translation and the γ-contraction of T on seeded Q tables; the solver's Q̂ is a fixed point
of T (its residual, never the solver's certificate, gives ε >= ‖Q̂ − Q*‖); ``evaluate_policy``
against an independent dense solve; and no rival policy
(all deterministic ones on small MDPs, seeded deterministic and Dirichlet ones, and policies
next to π̂) beats the greedy policy of Q̂. R3: the bands of the unregularised value of π*_Ω and
of V*_Ω around v*, with v* from the classical LP (``theory.lp``), on the MDP suite and on
one-state instances where the loss nears its band (``mdps.instances.BIAS_INSTANCES``), and
Tsallis's K-free bound τ/(2(1 − γ)). Both on the MDP suite without the Krylov Garnet at the
positive temperatures, for Shannon, Tsallis and KL to a non-uniform prior.

R6 and R7 are exact checks on the MDP suite at positive temperatures (without the Krylov Garnet;
terminal states are kept, with V = 0 there and their policy rows left out of every log-policy
norm and KL sum). R6: :func:`theory.npg.npg_update` at η = (1 − γ)/τ is soft policy iteration,
and its exact-evaluation iterates obey the linear-rate bound recalled from Cen et al. 2021
(checked here, not cited: the notes confirm only the paper's abstract). R7: Ṽ*(ρ) − Ṽ^π(ρ) =
(1/(1 − γ)) E_{d^π_ρ}[τ KL(π‖π*)], derived here. Their seams (the update; the divergence, its
constant and π*) are guarded the same way; no roles.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from scipy.special import xlogy

from checks._softmax_common import (
    OPTIMISER_TOL,
    argmax_over_simplex,
    nats_roundoff,
    objective_scale,
    positive_q_tau_suite,
    vector_label,
)
from checks.base import (
    CheckResult,
    Claim,
    NonFiniteSubject,
    Probe,
    SubjectError,
    excess,
    first_nonfinite,
    fold,
    instance_label,
    largest,
    register,
    solve_roundoff,
    sup,
)
from checks.subjects import OWN, Subjects, regularizer_subject
from checks.suite import check_size, mdp_suite, temperature_suite
from mdps.finite import FiniteMDP
from mdps.instances import (
    BIAS_INSTANCES,
)
from mdps.validation import check_policy, check_simplex, check_tau
from theory.bellman import boltzmann_policy, evaluate_policy, soft_bellman_operator
from theory.lp import LP_FEASIBILITY_TOL, classical_lp_values
from theory.npg import npg_update
from theory.regularizers import KLToPrior, Regularizer, Shannon, Tsallis
from theory.roundoff import roundoff
from theory.softmax import kl, soft_value
from theory.solvers import ConvergenceWarning, exact_optimum, exact_tolerance, soft_policy_iteration

__all__ = [
    "R1",
    "R2",
    "R3",
    "R4",
    "R6",
    "R7",
    "check_bias",
    "conjugate_roundoff",
    "check_legendre_fenchel",
    "check_npg",
    "check_regularized_operators",
    "check_soft_performance_difference",
    "check_sparse_supports",
    "check_sparsemax",
    "regularizers_under_test",
    "suite_regularizers",
]

SOURCE_GEIST = "Geist, Scherrer, Pietquin 2019 (arXiv 1901.11275), regularised MDPs; derived here"

R1 = Claim(
    "R1",
    "(τΩ)*(q) = max_π ⟨π,q⟩ − τΩ(π), attained at greedy = ∇(τΩ)*; max q − τU ≤ (τΩ)* ≤ max q − τL; "
    "(τΩ)*(q + c) = (τΩ)*(q) + c; monotone (Shannon, Tsallis, KL to a prior)",
    SOURCE_GEIST,
    roles=("regularizer",),
)
R4 = Claim(
    "R4",
    "Tsallis greedy = sparsemax(q/τ) = [q/τ − θ]₊ is the maximiser; its support can be a strict "
    "subset; it is affine in q on each piece of fixed support",
    SOURCE_GEIST + " (sorted-support rule derived here)",
    roles=("regularizer",),
)


# --- shared ------------------------------------------------------------------------------------
def _finite(out, what: str):
    """``out`` if finite, else :class:`NonFiniteSubject` (the check's guard turns it into a FAIL)."""
    where = first_nonfinite(out)
    if where is not None:
        raise NonFiniteSubject(f"subject 'regularizer' returned a non-finite {what}: output{where}")
    return out


def _value(reg: Regularizer, q, tau: float) -> float:
    return float(_finite(np.asarray(reg.value(q, tau), dtype=np.float64), "value"))


def _greedy(reg: Regularizer, q, tau: float) -> np.ndarray:
    return _finite(np.asarray(reg.greedy(q, tau), dtype=np.float64), "greedy")


def _penalty(reg: Regularizer, pi, tau: float) -> float:
    return float(_finite(np.asarray(reg.penalty(pi, tau), dtype=np.float64), "penalty"))


def conjugate_roundoff(q: np.ndarray, penalty_size: float) -> float:
    """64·eps·(1 + K)·(1 + 2‖q‖∞ + penalty_size): round-off of value-unit quantities.

    operations: a K-term reduction and one more; magnitude: the values' size, the penalty's
    included (``penalty_size``: the largest |τΩ| at the vertices and the uniform policy).
    """
    return roundoff(1 + q.size, 1 + 2 * np.abs(q).max() + penalty_size)


def _penalty_size(reg: Regularizer, k: int, tau: float) -> float:
    """max |τΩ(π)| over the vertices and the uniform policy: the size of the penalty term.

    Taken from ``penalty`` (the definition of Ω, which R1 checks the value and greedy against),
    not from the value or greedy under test.
    """
    points = np.vstack([np.eye(k), np.full(k, 1.0 / k)])
    return float(np.abs(_finite(np.asarray(reg.penalty(points, tau), dtype=np.float64), "penalty")).max())


# --- R1 ------------------------------------------------------------------------------------------
@R1.subjects("regularizer")
def check_legendre_fenchel(
    q,
    tau: float,
    *,
    regularizer: Regularizer | None = None,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """R1 on one (q, τ, Ω): the Legendre–Fenchel facts of the regularised value.

    Compared, with v = ``value(q, τ)``, p = ``greedy(q, τ)``, (L, U) = ``bounds(K)`` and the
    objective J(π) = ⟨π, q⟩ − ``penalty(π, τ)``:

    - p on the simplex; J(p) = v (the value is attained at the greedy policy);
    - v = max_π J(π) against scipy's SLSQP on the simplex (numerical gradient, from
      ``checks._softmax_common.argmax_over_simplex``), to ``OPTIMISER_TOL`` relative to the
      objective's scale c = max(spread q, τ), plus round-off r; the optimiser's objective does
      not beat J(p) by more than that either (p is the maximiser), and its argmax π̂ is within
      ‖π̂ − p‖₂ <= √(2(c·OPTIMISER_TOL + r)/τ) of p (J is τ-strongly concave for a 1-strongly
      convex Ω: in ℓ2 for Tsallis, in ℓ1 >= ℓ2 for Shannon and KL by Pinsker);
    - p = ∇v by central differences along each e_a. For a 1-strongly convex Ω, φ(t) = v(q + t e_a)
      has 0 <= φ'' <= 1/τ, so the central difference errs by at most h/(4τ) from the truncation
      and r/h from two evaluations erring by r each; the step h = 2√(rτ) minimises the sum
      √(r/τ), and the tolerance is twice that;
    - L <= Ω <= U at the vertices, the uniform policy and p; max q − τU <= v <= max q − τL;
    - v(q + c·1) = v(q) + c with c = 0.75(1 + ‖q‖∞) (round-off at the size of q + c);
    - v(q) <= v(q + δ) for a δ >= 0 in every coordinate and for δ = spread·e_a each a.

    r = 64·eps·(1 + K)·(1 + 2‖q‖∞ + max|τΩ| at the vertices and the uniform policy).

    Source: Geist et al. 2019 (regularised MDPs); derived here.

    Args:
      q: ``[K]`` values.
      tau: temperature τ > 0.
      regularizer: the regulariser under test (default :class:`theory.regularizers.Shannon`).
      name: label of the instance.
      tol: override of every value-unit tolerance.
    Returns:
      CheckResult; ``measured`` in the units of the worst comparison.
    """
    reg = Shannon() if regularizer is None else regularizer
    q = np.asarray(q, dtype=np.float64)
    k = q.size
    v, p = _value(reg, q, tau), _greedy(reg, q, tau)
    low, high = (float(b) for b in _finite(reg.bounds(k), "bounds"))
    r = conjugate_roundoff(q, _penalty_size(reg, k, tau)) if tol is None else tol
    details = {"instance": vector_label(name, q, tau), "regularizer": repr(reg)}

    def objective(pi):
        return float(pi @ q) - _penalty(reg, pi, tau)

    comparisons = {
        "greedy on the simplex": (excess(-p.min()) + abs(p.sum() - 1.0), nats_roundoff(k)),
    }
    if comparisons["greedy on the simplex"][0] <= nats_roundoff(k):
        comparisons["|J(greedy) - value|"] = (abs(objective(p) - v), r)
    else:  # off the simplex the penalty is undefined: that comparison alone fails the check
        details["J(greedy)"] = "skipped: greedy is not a distribution"

    # The independent optimiser works on the scaled objective (J(π) − max q)/c, with max q taken
    # out of q before the dot product (else Σπ·q carries round-off of ‖q‖∞, large against c).
    c = objective_scale(q, tau)
    top = q.max()
    shifted = q - top
    pi_hat = argmax_over_simplex(lambda pi: (float(pi @ shifted) - _penalty(reg, pi, tau)) / c, k)
    found = objective(pi_hat)
    opt_tol = c * OPTIMISER_TOL + r
    comparisons["|SLSQP max - value|"] = (abs(found - v), opt_tol)
    if "J(greedy)" not in details:
        comparisons["SLSQP objective above J(greedy)"] = (excess(found - objective(p)), opt_tol)
    comparisons["|SLSQP argmax - greedy|_2"] = (
        float(np.linalg.norm(pi_hat - p)),
        np.sqrt(2 * opt_tol / tau),
    )

    # Central differences (bound in the docstring); r doubled: q + h e_a is at most twice q.
    r_fd = 2 * r
    h = 2 * np.sqrt(r_fd * tau)
    fd = np.empty(k)
    for a in range(k):
        up, down = q.copy(), q.copy()
        up[a] += h
        down[a] -= h
        fd[a] = (_value(reg, up, tau) - _value(reg, down, tau)) / (up[a] - down[a])
    comparisons["|greedy - central difference of value|"] = (
        float(np.abs(p - fd).max()),
        2 * np.sqrt(r_fd / tau),
    )
    details["fd_step"] = h

    # Bounds: Ω in [L, U] on a few points, and the value's band.
    omegas = [_penalty(reg, pi, tau) / tau for pi in (*np.eye(k), np.full(k, 1.0 / k))]
    if "J(greedy)" not in details:
        omegas.append(_penalty(reg, p, tau) / tau)
    omega_tol = r / tau
    comparisons["L <= Omega <= U (vertices, uniform, greedy)"] = (
        max(excess(low - min(omegas)), excess(max(omegas) - high)),
        omega_tol,
    )
    comparisons["max q - tau U <= value"] = (excess(top - tau * high - v), r)
    comparisons["value <= max q - tau L"] = (excess(v - (top - tau * low)), r)

    # Translation by c·1 (q + c rounds by u|q + c| per entry; the value is 1-Lipschitz in sup-norm).
    shift = 0.75 * (1.0 + np.abs(q).max())
    moved = q + shift
    comparisons["|value(q + c) - value(q) - c|"] = (
        abs(_value(reg, moved, tau) - v - shift),
        2 * conjugate_roundoff(moved, _penalty_size(reg, k, tau)) if tol is None else tol,
    )

    # Monotone: a positive perturbation of every entry, and of each entry alone.
    bump = max(float(q.max() - q.min()), tau, 1.0)
    ups = [q + bump * (0.1 + np.abs(np.sin(np.arange(1, k + 1))))]
    ups += [q + bump * e for e in np.eye(k)]
    comparisons["value(q) - value(q + delta), delta >= 0"] = (
        max(excess(v - _value(reg, u, tau)) for u in ups),
        2 * conjugate_roundoff(ups[0], _penalty_size(reg, k, tau)) if tol is None else tol,
    )
    return R1.worst_of(comparisons, details)


def suite_regularizers(k: int) -> tuple[Regularizer, ...]:
    """The regularisers R1 is run with on a K-action q: Shannon, Tsallis, and KL to the
    non-uniform prior ∝ (1, 2, …, K) (uniform only at K = 1)."""
    prior = np.arange(1.0, k + 1.0)
    return Shannon(), Tsallis(), KLToPrior(tuple(prior / prior.sum()))


def regularizers_under_test(subjects: Subjects, k: int, own=suite_regularizers) -> tuple[Regularizer, ...]:
    """The regularisers a battery of the ``regularizer`` role runs on a K-action q: the foreign
    one under test (``subjects.regularizer``, when :attr:`Subjects.given` has the role), else
    ``own(k)`` (default :func:`suite_regularizers`)."""
    return (subjects.regularizer,) if "regularizer" in subjects.given else tuple(own(k))


def _admitted(claim: Claim, seed: int, size: str, subjects: Subjects):
    """The cases of :func:`_positive_tau_suite` whose τ the subjects' conventions take."""
    return subjects.admit(claim, positive_q_tau_suite(seed, size), key=lambda case: (None, case[2]))


@register(R1, probe=Probe(("q", "tau"), check_legendre_fenchel, takes="regularizer"))
def battery_legendre_fenchel(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """R1 over the q-vector suite × positive temperatures × (Shannon, Tsallis, KL to a prior),
    or × the regulariser under test (:func:`regularizers_under_test`)."""
    return fold(
        R1,
        (
            check_legendre_fenchel(q, t, regularizer=reg, name=f"{label}, {reg!r}")
            for label, q, t in _admitted(R1, seed, size, subjects)
            for reg in regularizers_under_test(subjects, q.size)
        ),
    )


# --- R4 ------------------------------------------------------------------------------------------
def _tsallis_objective(q: np.ndarray, tau: float):
    """J(π) = ⟨π, q⟩ − τ·½(‖π‖² − 1) and its gradient q − τπ, written out here (independent of
    :class:`theory.regularizers.Tsallis`)."""

    def objective(pi):
        return float(pi @ q) - tau * 0.5 * (float(pi @ pi) - 1.0)

    def gradient(pi):
        return q - tau * pi

    return objective, gradient


def _dyadic_segment(q: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(q0, q_mid, q1) with q_mid = (q0 + q1)/2 exactly in float64: q0 is q rounded to a multiple
    of the grid g = spacing(8(1 + ‖q‖∞)) (a power of 2), and q1 = q0 + 2d with d a multiple of g of
    size about τ/50 (at least g). Every entry stays below 8(1 + ‖q‖∞) in size, where g is a
    multiple of the float spacing, so q0, q0 + d and q0 + 2d are all exact."""
    g = float(np.spacing(8.0 * (1.0 + np.abs(q).max())))
    q0 = np.round(q / g) * g
    direction = np.sin(np.arange(1, q.size + 1) * 1.7)  # a fixed, non-constant direction
    d = np.round(direction * max(tau / 50.0, g) / g) * g
    return q0, q0 + d, q0 + 2 * d


@R4.subjects("regularizer")
def check_sparsemax(
    q,
    tau: float,
    *,
    regularizer: Regularizer | None = None,
    name: str = "",
    tol: float | None = None,
) -> CheckResult:
    """R4 on one (q, τ): the Tsallis greedy policy is sparsemax, the maximiser, piecewise affine.

    Compared, with p = ``greedy(q, τ)`` and v = ``value(q, τ)``:

    - p on the simplex;
    - KKT conditions of max_π ⟨π, q⟩ − τ·½(‖π‖² − 1) on the simplex, an exact certificate of
      the maximiser: q_a − τp_a = λ for every a in the support of p (spread <= r), and
      q_b <= λ for every b outside it (r = 64·eps·(1 + K)·(1 + 2‖q‖∞ + τ));
    - scipy's SLSQP with the analytic gradient q − τπ: its optimum matches v to
      c·OPTIMISER_TOL + r, and its argmax is within √(2(c·OPTIMISER_TOL + r)/τ) of p in ℓ2
      (τ-strong concavity);
    - piecewise affine: on a segment q0 → q1 whose ends have the same support, p is affine (the
      pieces {support = K} are convex polyhedra, and on one of them p = q/τ − θ with θ affine),
      so p(q_mid) = (p(q0) + p(q1))/2. The ends and the midpoint are exact float64
      (:func:`_dyadic_segment`); on the support z = (q − max q)/τ lies in (−1, 0], so each p
      carries round-off of a (2 + K)-term computation on numbers of size 1: tolerance
      ``3·roundoff(2 + K, 1)``. Skipped (``details["segment"]``) when the ends' supports differ.

    Source: derived here (the sorted-support closed form matches the ``spmax`` of Painter's TENTS
    code); Geist et al. 2019 name sparsemax as the Tsallis greedy policy.

    Args:
      q: ``[K]`` values.
      tau: temperature τ > 0.
      regularizer: the Tsallis implementation under test (default
        :class:`theory.regularizers.Tsallis`).
      name: label of the instance.
      tol: override of the value-unit tolerances.
    Returns:
      CheckResult; ``measured`` in the units of the worst comparison.
    """
    reg = Tsallis() if regularizer is None else regularizer
    q = np.asarray(q, dtype=np.float64)
    k = q.size
    v, p = _value(reg, q, tau), _greedy(reg, q, tau)
    r = roundoff(1 + k, 1 + 2 * np.abs(q).max() + tau) if tol is None else tol
    details = {"instance": vector_label(name, q, tau), "support": int((p > 0).sum())}
    comparisons = {"greedy on the simplex": (excess(-p.min()) + abs(p.sum() - 1.0), nats_roundoff(k))}

    inside = p > 0
    if inside.any():
        lam_all = q - tau * p
        lam = lam_all[inside]
        comparisons["KKT: spread of q_a - tau p_a on the support"] = (float(lam.max() - lam.min()), r)
        outside = q[~inside]
        comparisons["KKT: q_b <= lambda off the support"] = (
            excess(outside - lam.mean()) if outside.size else 0.0,
            r,
        )
    else:
        comparisons["KKT: greedy has a support"] = (1.0, 0.0)

    objective, _ = _tsallis_objective(q, tau)
    c = objective_scale(q, tau)
    top = q.max()
    # Scaled as in R1, with max q taken out of q before the dot product.
    scaled, scaled_gradient = _tsallis_objective((q - top) / c, tau / c)
    pi_hat = argmax_over_simplex(scaled, k, jac=scaled_gradient)
    opt_tol = c * OPTIMISER_TOL + r
    comparisons["|SLSQP max - value|"] = (abs(objective(pi_hat) - v), opt_tol)
    comparisons["|SLSQP argmax - greedy|_2"] = (float(np.linalg.norm(pi_hat - p)), np.sqrt(2 * opt_tol / tau))

    q0, qm, q1 = _dyadic_segment(q, tau)
    p0, pm, p1 = (_greedy(reg, x, tau) for x in (q0, qm, q1))
    if np.array_equal(p0 > 0, p1 > 0):
        comparisons["|greedy(mid) - average of the ends| (same support)"] = (
            float(np.abs(pm - (p0 + p1) / 2).max()),
            3 * roundoff(2 + k, 1.0),
        )
        details["segment"] = f"checked, |q1 - q0|max = {np.abs(q1 - q0).max():.3g}"
    else:
        details["segment"] = "skipped: the ends' supports differ"
    return R4.worst_of(comparisons, details)


@R4.subjects("regularizer")
def check_sparse_supports(cases, *, regularizer: Regularizer | None = None) -> CheckResult:
    """R4 on the suite: some instance has a greedy policy with an exact zero (a strict support).

    A statement about the suite, not about one q: a greedy that is never sparse (softmax, say)
    fails it. ``measured`` is 1 when no instance with K >= 2 has an exact zero, else 0 (allowed 0).

    Args:
      cases: (label, q, τ) triples.
      regularizer: the Tsallis implementation under test (default Tsallis()).
    Returns:
      CheckResult; ``details["sparse"]`` counts the instances with exact zeros.
    """
    reg = Tsallis() if regularizer is None else regularizer
    multi = [(q, t) for _, q, t in cases if np.asarray(q).size >= 2]
    sparse = sum(int((np.asarray(reg.greedy(q, t)) == 0).any()) for q, t in multi)
    return R4.worst_of(
        {"no instance with an exact zero in greedy (need at least one)": (float(sparse == 0), 0.0)},
        {"instance": f"the suite ({len(multi)} instances with K >= 2)", "sparse": sparse, "of": len(multi)},
    )


@register(R4, probe=Probe(("q", "tau"), check_sparsemax, takes="regularizer"))
def battery_sparsemax(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """R4 over the q-vector suite × positive temperatures, and the sparsity count over them, for
    Tsallis (or the regulariser under test, as a Tsallis implementation)."""
    cases = _admitted(R4, seed, size, subjects)
    (reg,) = regularizers_under_test(subjects, 1, own=lambda k: (Tsallis(),))
    results = [check_sparsemax(q, t, regularizer=reg, name=label) for label, q, t in cases]
    return fold(R4, [*results, check_sparse_supports(cases, regularizer=reg)])


# --- R6 ------------------------------------------------------------------------------------------
SOURCE_CEN = (
    "Cen, Cheng, Chen, Wei, Chi 2021 (arXiv 2007.06558), entropy-regularised NPG (abstract: linear "
    "convergence); the update's form derived here, the rate the recalled bound, checked here"
)

R6 = Claim(
    "R6",
    "NPG π' ∝ π^{1−ητ/(1−γ)} exp(ηQ^π/(1−γ)): at η = (1−γ)/τ it is softmax(Q^π/τ); for "
    "η ∈ (0, (1−γ)/τ], ‖Q* − Q^{(t+1)}‖∞ <= C₁γ(1 − ητ)^t, "
    "C₁ = ‖Q* − Q^{(0)}‖∞ + 2τ(1 − ητ/(1−γ))‖log π* − log π^{(0)}‖∞",
    SOURCE_CEN,
)

#: Step sizes of R6, as fractions of the largest one the theory allows, (1 − γ)/τ.
NPG_STEP_FRACTIONS = (0.05, 0.3, 1.0)

#: NPG steps R6 follows from each start policy (fewer when the error reaches the allowance).
NPG_MAX_STEPS = 30


@R6.subjects("update")
def check_npg(
    mdp: FiniteMDP,
    tau: float,
    pi0,
    *,
    update=npg_update,
    step_fractions=NPG_STEP_FRACTIONS,
    max_steps: int = NPG_MAX_STEPS,
) -> CheckResult:
    """R6 on one (MDP, τ > 0, full-support π⁽⁰⁾): the NPG step and its linear rate.

    (a) At η = (1 − γ)/τ, ``update(π⁽⁰⁾, Q^{π⁽⁰⁾}, τ, η, γ)`` equals
    ``boltzmann_policy(Q^{π⁽⁰⁾}, τ)`` (the exponent of π vanishes): allowed
    ``roundoff(A + 2, 1 + ‖Q‖∞/τ)``, an A-term normalisation of exponentials whose logits carry
    round-off of size ‖Q‖∞/τ.

    (b) For each η = f·(1 − γ)/τ, f in ``step_fractions``, the iterates π⁽ᵗ⁺¹⁾ = update(π⁽ᵗ⁾,
    Q^{π⁽ᵗ⁾}, τ, η, γ) with exact soft evaluation (theory.bellman.evaluate_policy) satisfy the
    recalled bound of Cen et al.'s Theorem 1 (the notes recall it with unsure constants and
    report that it holds numerically; it is checked here, not cited):

        ‖Q* − Q⁽ᵗ⁺¹⁾‖∞ <= C₁ γ (1 − ητ)^t,
        C₁ = ‖Q* − Q⁽⁰⁾‖∞ + 2τ(1 − ητ/(1−γ)) ‖log π* − log π⁽⁰⁾‖∞,

    for t = 0 … ``max_steps`` − 1, stopping once the error is within the allowance. Q* is the
    certified optimum (``exact_optimum``, error ε = its ``error_bound``), π* = its Boltzmann
    policy. Allowance, with r = ``solve_roundoff`` (the error of each exact evaluation): the left
    side errs by ε + r; C₁ by (ε + r) from its first term and 2τ·|1 − ητ/(1−γ)|·2ε/τ <= 4ε from
    the second (an ε-perturbation of Q moves log softmax(Q/τ) by at most 2ε/τ), times
    γ(1 − ητ)^t <= 1: in all 6ε + 2r. Terminal states (V = 0, Q = 0 whatever π) are left out of
    ‖log π* − log π⁽⁰⁾‖∞: their policy rows are irrelevant.

    Source: Cen et al. 2021 (arXiv 2007.06558); derived and recalled as above.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      pi0: ``[S, A]`` start policy with full support (log π⁽⁰⁾ finite) on non-terminal states.
      update: the NPG step under test, ``update(pi, q, tau, eta, gamma) -> [S, A]`` (negative
        controls pass a wrong exponent).
      step_fractions: η/((1 − γ)/τ) tried (negative controls pass one above 1).
      max_steps: steps followed per step size.
    Returns:
      CheckResult; ``measured`` the worst comparison, ``details["worst ratio to the bound"]``
      the largest error/(C₁γ(1 − ητ)^t) seen.
    """
    tau = check_tau(tau, positive=True, why="claim R6 is about τ > 0")
    pi0 = check_policy(pi0, mdp.R.shape, "pi0")
    live = ~mdp.terminal
    if (pi0[live] <= 0).any():
        raise ValueError("claim R6 needs a start policy pi0 with full support on non-terminal states")
    gamma = mdp.gamma
    ref = exact_optimum(mdp, tau)
    eps, r = ref.error_bound, solve_roundoff(mdp, tau)
    allowed = 6 * eps + 2 * r
    q_star = ref.q
    log_pi_star = (q_star - soft_value(q_star, tau)[:, None]) / tau  # log softmax(Q*/τ), exact
    ev0 = evaluate_policy(mdp, pi0, tau)

    def step(pi, q, eta):
        # A ValueError of the update (the project's refuses π = 0 under a negative exponent, which
        # a step above the limit can reach) or an output off the simplex is the subject's FAIL.
        try:
            out = np.asarray(update(pi, q, tau, eta, gamma), dtype=np.float64)
            return check_policy(out, mdp.R.shape, "update(pi, q, tau, eta, gamma)")
        except ValueError as err:
            raise SubjectError(f"subject 'update' at eta = {eta:g}: {err}") from None

    spi = step(pi0, ev0.q, (1 - gamma) / tau)
    comparisons = {
        "(a) |update at eta = (1-gamma)/tau - softmax(Q/tau)|": (
            float(np.abs(spi - boltzmann_policy(ev0.q, tau)).max()),
            roundoff(mdp.n_actions + 2, 1 + np.abs(ev0.q).max() / tau),
        )
    }
    details = {"instance": instance_label(mdp, tau), "steps": {}}
    worst_ratio = 0.0
    log_gap0 = float(np.abs(log_pi_star - np.log(pi0))[live].max(initial=0.0))
    q_gap0 = float(np.abs(q_star - ev0.q).max())
    for f in step_fractions:
        eta = f * (1 - gamma) / tau
        c1 = q_gap0 + 2 * tau * (1 - eta * tau / (1 - gamma)) * log_gap0
        pi, q, excess_worst, t = pi0, ev0.q, 0.0, 0
        for t in range(max_steps):
            pi = step(pi, q, eta)
            q = evaluate_policy(mdp, pi, tau).q
            err = float(np.abs(q_star - q).max())
            bound = c1 * gamma * (1 - eta * tau) ** t
            excess_worst = largest(excess_worst, err - bound)
            if bound > 0:
                worst_ratio = max(worst_ratio, err / bound)
            if err <= allowed:
                break
        details["steps"][f"{f:g}"] = t + 1
        comparisons[f"(b) |Q* - Q^(t+1)| above C1 gamma (1 - eta tau)^t, eta = {f:g}(1-gamma)/tau"] = (
            excess_worst,
            allowed,
        )
    details["worst ratio to the bound"] = worst_ratio
    return R6.worst_of(comparisons, details)


def _npg_cases(seed: int, size: str, n_policies: int = 3):
    """(MDP, τ, π⁽⁰⁾) for R6/R7: the suite's MDPs (without the Krylov Garnet) × positive
    temperatures × ``n_policies`` full-support Dirichlet start policies (default 3)."""
    check_size(size)
    rng = np.random.default_rng(seed)
    cases = []
    for m in mdp_suite(seed, size, krylov=False):
        pis = rng.dirichlet(np.ones(m.n_actions), size=(n_policies, m.n_states))
        cases += [(m, t, pi) for t in temperature_suite(size) if t > 0 for pi in pis]
    return cases


@register(R6)
def battery_npg(*, seed: int, size: str) -> CheckResult:
    """R6 over the MDP suite × positive temperatures × seeded full-support start policies (one
    at quick size, where each case costs about 30 ms: 90 policy evaluations; three otherwise)."""
    cases = _npg_cases(seed, size, n_policies=1 if size == "quick" else 3)
    return fold(R6, (check_npg(m, t, pi) for m, t, pi in cases))


# --- R7 ------------------------------------------------------------------------------------------
R7 = Claim(
    "R7",
    "Ṽ*(ρ) − Ṽ^π(ρ) = (1/(1−γ)) E_{s∼d^π_ρ}[τ KL(π(·|s) ‖ π*(·|s))], "
    "d^π_ρ = (1−γ)ρᵀ(I − γP_π)⁻¹, π* = softmax(Q*/τ)",
    "soft performance difference identity, derived here (cf. Mei et al. 2020, arXiv 2005.06392, "
    "entropy-regularised policy gradient)",
)


def _dense(m) -> np.ndarray:
    return m.toarray() if hasattr(m, "toarray") else np.asarray(m)


@R7.subjects("pi_star", divergence=(np.inf,))
def check_soft_performance_difference(
    mdp: FiniteMDP,
    tau: float,
    pi,
    rho,
    *,
    divergence=kl,
    factor: float | None = None,
    pi_star=None,
) -> CheckResult:
    """R7 on one (MDP, τ > 0, π, ρ): the soft performance difference identity, both sides exact.

    Left: Ṽ*(ρ) − Ṽ^π(ρ), Ṽ* the certified optimum (``exact_optimum``, error ε = its
    ``error_bound``), Ṽ^π the exact evaluation (error r = ``solve_roundoff``). Right:
    Σ_s x(s)·τ KL(π(·|s) ‖ π*(·|s)) with xᵀ = ρᵀ(I − γP_π)⁻¹ = d^π_ρ/(1 − γ) (a dense solve of
    the transposed system), over non-terminal states: a terminal state has Ṽ* = Ṽ^π = 0 and
    contributes nothing, and its policy row is irrelevant. Derivation (here): per non-terminal
    state F_τ(Q*) − π·Q* − τH(π) = τ KL(π‖π*) (claim C2), and unrolling
    Ṽ* − Ṽ^π = (F_τ(Q*) − π·Q* − τH(π)) + γP_π(Ṽ* − Ṽ^π) gives the sum. Where π* underflows on
    the support of π (below the smallest normal float64) the KL is taken in the log domain,
    Σ π (log π − (Q* − F_τ(Q*))/τ), as in C2.

    Allowance: the left side errs by ε + r. The right side uses Q̂* within ε of Q*: an
    ε-perturbation of Q moves log softmax(Q/τ) by at most 2ε/τ per entry, so τ KL(π‖π*) by at
    most 2ε per state, and the sum, weighted by x with ‖x‖₁ = 1/(1 − γ), by 2ε/(1 − γ). Round-off:
    the solve for x errs in ℓ1 by about S·u·cond₁·‖x‖₁, cond₁((I − γP_π)ᵀ) <= (1 + γ)/(1 − γ),
    and each τ KL is an (A + 2)-term sum of numbers of size spread(Q*) + τ log A; in all
    ``roundoff(S + A + 2, (1 + max τKL + spread Q* + τ log A)(1 + γ)/(1 − γ)²)``.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      pi: ``[S, A]`` policy.
      rho: ``[S]`` start distribution.
      divergence: ``divergence(p, q) -> [...]`` KL(p‖q) along the last axis (theory.softmax.kl;
        negative controls pass the reversed order).
      factor: the constant in front of E_{d}[τ KL], default 1/(1 − γ) (negative controls pass 1).
      pi_star: ``[S, A]`` the policy in the KL, default boltzmann_policy(Q*, τ) (negative
        controls pass it at a wrong temperature).
    Returns:
      CheckResult; ``measured`` = |left − right|.
    """
    tau = check_tau(tau, positive=True, why="claim R7 is about τ > 0: τ·KL is undefined at τ = 0")
    pi = check_policy(pi, mdp.R.shape, "pi")
    rho = check_simplex(rho, "rho", shape=(mdp.n_states,))
    gamma, live = mdp.gamma, ~mdp.terminal
    ref = exact_optimum(mdp, tau)
    eps, r = ref.error_bound, solve_roundoff(mdp, tau)
    v_pi = evaluate_policy(mdp, pi, tau).v
    left = float(rho @ ref.v - rho @ v_pi)

    soft = soft_value(ref.q, tau)
    if pi_star is None:
        log_star = (ref.q - soft[:, None]) / tau  # log π*, exact even where π* underflows
        star = boltzmann_policy(ref.q, tau)
    else:
        star = check_policy(pi_star, mdp.R.shape, "pi_star")
        with np.errstate(divide="ignore"):  # log 0 = −inf: a KL of +inf, which fails
            log_star = np.log(star)
    div = np.asarray(divergence(pi, star), dtype=np.float64)
    # A subnormal π*_a (below e^-708) has lost relative precision and 0 is +inf in the KL: on
    # such states use the exact log-domain formula instead (as C2).
    underflow = ((pi > 0) & (star < np.finfo(np.float64).tiny)).any(axis=1)
    with np.errstate(invalid="ignore"):  # 0·(−inf) where π = 0: xlogy-like, set to 0 below
        terms = np.where(pi > 0, xlogy(pi, pi) - pi * log_star, 0.0)
    div[underflow] = terms[underflow].sum(axis=1)
    tau_kl = np.where(live, tau * div, 0.0)
    x = np.linalg.solve((np.eye(mdp.n_states) - gamma * _dense(mdp.P_pi(pi))).T, rho)
    scale = 1.0 / (1.0 - gamma) if factor is None else float(factor)
    right = scale * (1 - gamma) * float(x @ tau_kl)

    spread = float((ref.q.max(axis=1) - ref.q.min(axis=1)).max())
    size = (1 + float(tau_kl.max(initial=0.0)) + spread + tau * np.log(mdp.n_actions)) * (1 + gamma)
    allowed = (
        eps + r + 2 * eps / (1 - gamma) + roundoff(mdp.n_states + mdp.n_actions + 2, size / (1 - gamma) ** 2)
    )
    return R7.worst_of(
        {"|V*(rho) - V^pi(rho) - E_d[tau KL]/(1-gamma)|": (abs(left - right), allowed)},
        {
            "instance": instance_label(mdp, tau),
            "gap": left,
            "log_domain_states": int(underflow.sum()),
        },
    )


@register(R7)
def battery_soft_performance_difference(*, seed: int, size: str) -> CheckResult:
    """R7 over the MDP suite × positive temperatures × seeded policies (full-support Dirichlet
    ones and one deterministic) × start distributions (uniform and a seeded point mass)."""
    rng = np.random.default_rng(seed + 7)
    results = []
    for m, t, pi in _npg_cases(seed, size, n_policies=2 if size == "quick" else 3):
        det = np.eye(m.n_actions)[rng.integers(m.n_actions, size=m.n_states)]
        point = np.eye(m.n_states)[rng.integers(m.n_states)]
        uniform = np.full(m.n_states, 1.0 / m.n_states)
        results += [
            check_soft_performance_difference(m, t, p, rho) for p in (pi, det) for rho in (uniform, point)
        ]
    return fold(R7, results)


# --- R2, R3: the regularised MDP ---------------------------------------------------------------
R2 = Claim(
    "R2",
    "T_Ω Q = r + γP(τΩ)*(Q) is monotone, T(Q + c) = TQ + γc, ‖TQ − TQ'‖∞ ≤ γ‖Q − Q'‖∞; the greedy "
    "policy of its fixed point maximises V^π_Ω = (I − γP_π)⁻¹(r_π − τΩ(π)) over all π "
    "(Shannon, Tsallis, KL to a prior)",
    SOURCE_GEIST,
    roles=("regularizer",),
)
R3 = Claim(
    "R3",
    "v* − τ(U − L)/(1−γ) ≤ v^{π*_Ω} ≤ v* (unregularised value of the regularised optimum); "
    "v* − τU/(1−γ) ≤ v*_Ω ≤ v* − τL/(1−γ); Tsallis: v* − v^{π*_Ω} ≤ τ/(2(1−γ)) whatever K",
    SOURCE_GEIST,
    roles=("regularizer",),
)


def _exact_values(mdp: FiniteMDP, pi: np.ndarray, tau: float, reg: Regularizer) -> np.ndarray:
    """V^π_Ω = (I − γP_π)⁻¹ b, b = r_π − τΩ(π) on non-terminal states and 0 on terminal ones, by
    numpy's dense solve: the reference R2 checks ``evaluate_policy`` against. ``[S]``."""
    P_pi = np.einsum("sa,sat->st", pi, mdp.dense_P())
    b = np.where(mdp.terminal, 0.0, (pi * mdp.R).sum(axis=1) - np.asarray(reg.penalty(pi, tau)))
    return np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi, b)


def _value_size(mdp: FiniteMDP, tau: float, reg: Regularizer) -> float:
    """M = (‖r‖∞ + max|τΩ|)/(1 − γ), max|τΩ| over the vertices and the uniform policy (from
    ``penalty``): the size of the regularised values."""
    return (np.abs(mdp.R).max() + _penalty_size(reg, mdp.n_actions, tau)) / (1 - mdp.gamma)


def _mdp_roundoff(mdp: FiniteMDP, magnitude: float) -> float:
    """Round-off of R2's and R3's value comparisons: a dense solve of S unknowns (or an operator
    application: A + successors terms) on numbers of size 1 + ``magnitude`` (M of
    :func:`_value_size`, plus the size of Q where one is given), times the condition number
    (1 + γ)/(1 − γ) of I − γP_π."""
    ops = mdp.n_states + mdp.n_actions + mdp.max_successors + 2
    return roundoff(ops, (1 + magnitude) * (1 + mdp.gamma) / (1 - mdp.gamma))


#: Policy-iteration steps R2 and R3 give the regularised solver. Its steps are Newton's method:
#: the default suite needs at most 10. A regulariser whose greedy policy is not the maximiser of
#: its value keeps it from converging; after these steps (exact_optimum allows 1,000) the
#: residual comparison of :func:`_certified_optimum` fails it.
SOLVER_STEPS = 50


def _certified_optimum(mdp: FiniteMDP, tau: float, reg: Regularizer, r: float):
    """(Q̂ ``[S, A]``, ε, residual comparison): the regularised optimum by soft policy iteration
    (to :func:`theory.solvers.exact_tolerance`, at most :data:`SOLVER_STEPS` steps), and a bound
    ε >= ‖Q̂ − Q*_Ω‖∞ from its residual through the operator, ε = (‖TQ̂ − Q̂‖∞ + r)/(1 − γ)
    (T is a γ-contraction: ‖Q̂ − Q*‖ <= ‖TQ̂ − Q̂‖ + γ‖Q̂ − Q*‖), not from the solver's own figure.
    The residual itself is compared with what the solver is asked for, (1 + γ) times
    exact_tolerance at Shannon's value scale plus r, never with the solver's certificate
    (computed with the same, possibly broken, regulariser): a regulariser whose value, greedy and
    penalty disagree leaves the solver off T's fixed point."""
    with warnings.catch_warnings():  # an unconverged solve shows in the residual comparison
        warnings.simplefilter("ignore", ConvergenceWarning)
        sol = soft_policy_iteration(
            mdp, tau, tol=exact_tolerance(mdp, tau, reg), max_iter=SOLVER_STEPS, regularizer=reg
        )
    q = np.asarray(sol.q, dtype=np.float64)
    residual = sup(soft_bellman_operator(mdp, q, tau, regularizer=reg) - q)
    return q, (residual + r) / (1 - mdp.gamma), (residual, (1 + mdp.gamma) * exact_tolerance(mdp, tau) + r)


def _rival_policies(mdp: FiniteMDP, pi_hat: np.ndarray, rng: np.random.Generator, n_det: int, n_random: int):
    """Policies to beat π̂: every deterministic one when there are at most ``n_det``, else ``n_det``
    seeded ones; ``n_random`` Dirichlet ones; and π̂ moved towards each of two of them by
    λ = 1e-3, 1e-2, 0.1 (where a wrong greedy policy is beaten first)."""
    S, A = mdp.R.shape
    eye = np.eye(A)
    if A**S <= n_det:
        det = [eye[list(c)] for c in itertools.product(range(A), repeat=S)]
    else:
        det = [eye[rng.integers(A, size=S)] for _ in range(n_det)]
    stochastic = list(rng.dirichlet(np.ones(A), size=(n_random, S)))
    near = [(1 - lam) * pi_hat + lam * p for p in (det[0], stochastic[0]) for lam in (1e-3, 1e-2, 0.1)]
    return det + stochastic + near


@R2.subjects("regularizer")
def check_regularized_operators(
    mdp: FiniteMDP,
    tau: float,
    *,
    regularizer: Regularizer | None = None,
    seed: int = 0,
    n_det: int = 32,
    n_random: int = 8,
) -> CheckResult:
    """R2 on one (MDP, τ > 0, Ω): the regularised Bellman operator and the optimality of the
    greedy policy of its fixed point.

    T is ``soft_bellman_operator(mdp, ·, τ, regularizer=Ω)``, (TQ)(s, a) = r(s, a) +
    γ Σ_s' P(s'|s, a) (τΩ)*(Q(s', ·)), with (τΩ)* = 0 on terminal states. With seeded Q tables
    Q₁ of the size M = (‖r‖∞ + max|τΩ|)/(1 − γ) of the values, compared:

    - monotone: TQ₁ <= T(Q₁ + D) for a D >= 0;
    - translation: T(Q₁ + c) = TQ₁ + γc·P(non-terminal | s, a) (γc when no state is terminal:
      (τΩ)*(q + c) = (τΩ)*(q) + c, and terminal successors contribute 0);
    - contraction: ‖TQ₁ − T(Q₁ + D)‖∞ <= γ‖D‖∞ for D random, random signs, a constant (where the
      ratio is γ·max P(non-terminal), its largest: the searched worst direction), and one state's
      row;
    - the fixed point: Q̂ from ``soft_policy_iteration(..., regularizer=Ω)``, its residual through T
      within (1 + γ)·exact_tolerance + r, and ε = (‖TQ̂ − Q̂‖ + r)/(1 − γ) >= ‖Q̂ − Q*‖ by the
      contraction (:func:`_certified_optimum`);
    - ``evaluate_policy(..., regularizer=Ω)`` against an independent dense solve of
      V^π_Ω = (I − γP_π)⁻¹(r_π − τΩ(π)) (0 on terminal states), on π̂ = greedy(Q̂) and a rival;
    - V^{π̂}_Ω = (τΩ)*(Q̂) (V^{π̂} is within 2ε/(1 − γ) of V*_Ω: derived here, T_{π̂}Q̂ = TQ̂ gives
      ‖Q^{π̂} − Q*‖ <= 2γε/(1 − γ); and (τΩ)*(Q̂) is within ε of V*), allowed ε + 2ε/(1 − γ) + r;
    - no policy beats π̂: max_s V^π_Ω(s) − V^{π̂}_Ω(s) <= 2ε/(1 − γ) + 2r over the rivals of
      :func:`_rival_policies` (values by the dense solve).

    r = :func:`_mdp_roundoff` of M (:func:`_value_size`). Source: Geist et al. 2019 (Prop. 2 and
    Thm 1 as the notes recall them from a secondary summary); derived here.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      regularizer: the regulariser under test (default :class:`theory.regularizers.Shannon`).
      seed: seeds the Q tables and the rival policies.
      n_det, n_random: deterministic and Dirichlet rivals (:func:`_rival_policies`).
    Returns:
      CheckResult; ``details["contraction ratio"]`` the largest ‖TQ₁ − TQ₂‖/‖Q₁ − Q₂‖ seen.
    """
    tau = check_tau(tau, positive=True, why="claim R2 is about τ > 0")
    reg = regularizer_subject(Shannon() if regularizer is None else regularizer)
    gamma = mdp.gamma
    rng = np.random.default_rng(seed)
    scale = 1 + _value_size(mdp, tau, reg)
    r = _mdp_roundoff(mdp, scale)

    def T(q):
        return soft_bellman_operator(mdp, q, tau, regularizer=reg)

    q1 = scale * rng.normal(size=mdp.R.shape)
    t1 = T(q1)
    r_q = _mdp_roundoff(mdp, 5 * scale)  # Q₁ + D is at most about 4·scale
    c = 0.75 * scale
    live_next = mdp.expected_next((~mdp.terminal).astype(np.float64))
    comparisons = {
        "monotone: TQ - T(Q + D), D >= 0": (
            excess(t1 - T(q1 + scale * np.abs(rng.normal(size=q1.shape)))),
            2 * r_q,
        ),
        "translation: |T(Q + c) - TQ - gamma c P(live)|": (
            sup(T(q1 + c) - t1 - gamma * c * live_next),
            2 * r_q,
        ),
    }
    row = np.zeros_like(q1)
    row[rng.integers(mdp.n_states)] = scale
    directions = {
        "random": scale * rng.normal(size=q1.shape),
        "random signs": scale * rng.choice([-1.0, 1.0], size=q1.shape),
        "constant": np.full_like(q1, c),
        "one state's row": row,
    }
    worst, ratio = -np.inf, 0.0
    for d in directions.values():
        gap, size = sup(T(q1 + d) - t1), sup(d)
        worst, ratio = largest(worst, gap - gamma * size), max(ratio, gap / size)
    comparisons["contraction: |TQ - TQ'| - gamma |Q - Q'| (worst direction)"] = (worst, 2 * r_q)

    q_hat, eps, residual = _certified_optimum(mdp, tau, reg, r)
    comparisons["|TQ* - Q*| of the solver's fixed point"] = residual
    pi_hat = reg.greedy(q_hat, tau)
    v_star = np.where(mdp.terminal, 0.0, np.asarray(reg.value(q_hat, tau)))
    v_hat = _exact_values(mdp, pi_hat, tau, reg)
    rivals = _rival_policies(mdp, pi_hat, rng, n_det, n_random)
    comparisons["|evaluate_policy - dense solve|"] = (
        max(
            sup(evaluate_policy(mdp, p, tau, regularizer=reg).v - _exact_values(mdp, p, tau, reg))
            for p in (pi_hat, rivals[-1])
        ),
        r,
    )
    loss = 2 * eps / (1 - gamma)
    comparisons["|V^greedy - value(Q*)|"] = (sup(v_hat - v_star), eps + loss + r)
    comparisons["max_pi V^pi - V^greedy (rivals)"] = (
        largest(*(np.max(_exact_values(mdp, p, tau, reg) - v_hat) for p in rivals)),
        loss + 2 * r,
    )
    return R2.worst_of(
        comparisons,
        {
            "instance": instance_label(mdp, tau),
            "regularizer": repr(regularizer),
            "contraction ratio": ratio,
            "rivals": len(rivals),
        },
    )


@R3.subjects("regularizer")
def check_bias(
    mdp: FiniteMDP, tau: float, *, regularizer: Regularizer | None = None, classical=None
) -> CheckResult:
    """R3 on one (MDP, τ > 0, Ω): the bias of the regularised optimum, in the band of its bounds.

    With (L, U) = ``bounds(A)`` and V_Ω^π = V^π − τ(I − γP_π)⁻¹Ω_π (Ω_π(s) = Ω(π(·|s)) on
    non-terminal states, 0 on terminal ones), derived here: (I − γP_π)⁻¹ is non-negative with
    row sums m_π(s) in [0, 1/(1 − γ)] (below 1/(1 − γ) where terminal states are reached), so for
    L <= 0 <= U (Shannon, Tsallis and KL all have it)

        V^π − τU/(1 − γ) <= V^π − τU·m_π <= V^π_Ω <= V^π − τL·m_π <= V^π − τL/(1 − γ).

    At π = π*_Ω and at the classical optimum π₀ this gives, with V*_Ω >= V^{π₀}_Ω,

        v* − τU/(1 − γ) <= V*_Ω <= v* − τL/(1 − γ),
        v* − τ(U − L)/(1 − γ) <= V*_Ω + τL/(1 − γ) <= v^{π*_Ω} <= v*,

    the bands checked (the first as stated by Geist et al.'s Prop. 3 per the notes' secondary
    summary; with terminal states it needs L <= 0 <= U). For Tsallis U − L = (K − 1)/(2K) < ½, so
    v* − v^{π*_Ω} <= τ/(2(1 − γ)) for every K, compared against that K-free constant directly
    (not against ``bounds``).

    References, none the function under test: v* by the classical LP
    (:func:`theory.lp.classical_lp_values`, to 10·LP_FEASIBILITY_TOL·(1 + ‖v*‖)/(1 − γ));
    π̂ = greedy(Q̂) with Q̂ from ``soft_policy_iteration(..., regularizer=Ω)`` certified to ε through
    the operator's residual (:func:`_certified_optimum`); v^{π̂} by ``evaluate_policy`` at τ = 0
    (no regulariser) and V^{π̂}_Ω by ``evaluate_policy(..., regularizer=Ω)``. π̂ is not π*: for a
    1-strongly convex Ω the greedy map is 1/τ-Lipschitz in ℓ2, so ‖π̂ − π*‖₁ <= Aε/τ per state and
    |v^{π̂} − v^{π*}| <= Aε‖r‖∞/(τ(1 − γ)²); V^{π̂}_Ω <= V*_Ω <= V^{π̂}_Ω + 2ε/(1 − γ) (R2's
    docstring). Plus round-off r = :func:`_mdp_roundoff` of M (:func:`_value_size`).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      regularizer: the regulariser under test (default Shannon); negative controls pass one with
        a band too narrow.
      classical: ``[S]`` v* by :func:`theory.lp.classical_lp_values` when the caller has it
        (the battery solves one LP per MDP for its three regularisers); default: solved here.
    Returns:
      CheckResult; ``details["bias ratio"]`` = max_s (v* − v^{π̂})/(τ(U − L)/(1 − γ)).
    """
    tau = check_tau(tau, positive=True, why="claim R3 is about τ > 0")
    reg = regularizer_subject(Shannon() if regularizer is None else regularizer)
    gamma = mdp.gamma
    r = _mdp_roundoff(mdp, _value_size(mdp, tau, reg))
    low, high = reg.bounds(mdp.n_actions)
    v_star = classical_lp_values(mdp) if classical is None else np.asarray(classical, dtype=np.float64)
    lp = 10 * LP_FEASIBILITY_TOL * (1 + sup(v_star)) / (1 - gamma)
    q_hat, eps, residual = _certified_optimum(mdp, tau, reg, r)
    pi_hat = reg.greedy(q_hat, tau)
    v_pi = evaluate_policy(mdp, pi_hat, 0.0).v
    v_reg = evaluate_policy(mdp, pi_hat, tau, regularizer=reg).v
    d_pi = mdp.n_actions * eps * np.abs(mdp.R).max() / (tau * (1 - gamma) ** 2)
    loss = 2 * eps / (1 - gamma)
    band = tau * (high - low) / (1 - gamma)
    comparisons = {
        "|TQ* - Q*| of the solver's fixed point": residual,
        "v^pi*_Omega - v*": (excess(v_pi - v_star), lp + r + d_pi),
        "v* - tau (U - L)/(1 - gamma) - v^pi*_Omega": (excess(v_star - band - v_pi), lp + r + d_pi),
        # V^{π̂}_Ω is within `loss` below V*_Ω: the lower band allows it, the upper needs nothing
        "v* - tau U/(1 - gamma) - v*_Omega": (
            excess(v_star - tau * high / (1 - gamma) - v_reg),
            lp + r + loss,
        ),
        "v*_Omega - v* + tau L/(1 - gamma)": (excess(v_reg - v_star + tau * low / (1 - gamma)), lp + r),
    }
    if isinstance(regularizer, Tsallis):
        comparisons["Tsallis: v* - v^pi*_Omega - tau/(2(1 - gamma))"] = (
            excess(v_star - v_pi - tau / (2 * (1 - gamma))),
            lp + r + d_pi,
        )
    return R3.worst_of(
        comparisons,
        {
            "instance": instance_label(mdp, tau),
            "regularizer": repr(regularizer),
            "bias ratio": float(np.max(v_star - v_pi) / band) if band > 0 else 0.0,
        },
    )


def _regularized_cases(seed: int, size: str):
    """(MDP, τ) for R2 and R3: the MDP suite without the Krylov Garnet × positive temperatures (at
    quick size, the i-th MDP at the (i mod 2)-th positive temperature only)."""
    taus = [t for t in temperature_suite(size) if t > 0]
    mdps = mdp_suite(seed, size, krylov=False)
    if size == "quick":
        return [(m, taus[i % len(taus)]) for i, m in enumerate(mdps)]
    return [(m, t) for m in mdps for t in taus]


@register(R2)
def battery_regularized_operators(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """R2 over the MDP suite × positive temperatures × (Shannon, Tsallis, KL to a non-uniform
    prior), or the regulariser under test (:func:`regularizers_under_test`)."""
    small = size == "quick"
    cases = [
        (m, t, reg)
        for m, t in _regularized_cases(seed, size)
        for reg in regularizers_under_test(subjects, m.n_actions)
    ]
    return fold(
        R2,
        (
            check_regularized_operators(
                m, t, regularizer=reg, seed=seed + i, n_det=8 if small else 32, n_random=4 if small else 8
            )
            for i, (m, t, reg) in enumerate(cases)
        ),
    )


@register(R3)
def battery_bias(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """R3 over the MDP suite × positive temperatures and the bias instances of mdps.instances ×
    (Shannon, Tsallis, KL to a non-uniform prior), or the regulariser under test
    (:func:`regularizers_under_test`); one classical LP per MDP."""
    results = []
    for m, t in [*_regularized_cases(seed, size), *BIAS_INSTANCES.values()]:
        classical = classical_lp_values(m)
        results += [
            check_bias(m, t, regularizer=reg, classical=classical)
            for reg in regularizers_under_test(subjects, m.n_actions)
        ]
    return fold(R3, results)
