"""Claim R5: mellowmax against the Boltzmann average (Asadi & Littman 2017).

R5 (Asadi & Littman 2017, whose introduction states that the Boltzmann operator is not a
non-expansion; the rest derived here): :func:`theory.mellowmax.mellowmax` against the paper's
definition in 40-digit mpmath and against an SLSQP maximum of ⟨π, x⟩ − KL(π‖uniform)/ω; its
non-expansion on seeded pairs; a pair that the Boltzmann average expands (values from mpmath);
and every fixed point of Boltzmann and mellowmax generalised value iteration on the paper's
two-action MDP (``mdps.instances.MELLOWMAX_MDP``) over a β scan, counted by a closed form (the
critical points of the fixed-point equation are the roots of a quadratic) and located in 40
digits, independently of the grid-and-brentq finder under test. Seams: the operators and the
finder (negative controls pass the Boltzmann average as mellowmax, and a finder that misses
roots); no roles.
"""

from __future__ import annotations

import functools

import mpmath as mp
import numpy as np
from scipy.special import xlogy

from checks._softmax_common import (
    OPTIMISER_TOL,
    argmax_over_simplex,
    objective_scale,
    positive_q_tau_suite,
    vector_label,
)
from checks.base import (
    CheckResult,
    Claim,
    excess,
    fold,
    register,
)
from checks.regularizers import conjugate_roundoff
from mdps.finite import FiniteMDP
from mdps.instances import (
    BOLTZMANN_EXPANSION_PAIR,
    MELLOWMAX_BETA,
    MELLOWMAX_BETA_SCAN,
    MELLOWMAX_MDP,
)
from mdps.validation import check_real
from theory.mellowmax import boltzmann_average, mellowmax, one_state_fixed_points
from theory.roundoff import roundoff

__all__ = [
    "R5",
    "check_boltzmann_expansion",
    "check_gvi_fixed_points",
    "check_mellowmax",
    "check_non_expansion",
]

SOURCE_ASADI = (
    "Asadi & Littman 2017 (arXiv 1612.05628), mellowmax (introduction: Boltzmann is not a "
    "non-expansion); the KL view, the counts and the MDP's parameters derived here"
)

R5 = Claim(
    "R5",
    "mm_ω(x) = (1/ω) log((1/K) Σ e^{ωx}) = max_π ⟨π,x⟩ − KL(π‖uniform)/ω, a non-expansion; "
    "boltz_β(x) = Σ x e^{βx}/Σ e^{βx} is not; Boltzmann GVI on the two-action MDP has several "
    "fixed points for some β, mellowmax GVI exactly one",
    SOURCE_ASADI,
)

#: Decimal digits of R5's mpmath references.
_DPS = 40


def _mp_list(x) -> list:
    return [mp.mpf(float(a)) for a in np.ravel(x)]


def _mp_mellowmax(xs: list, omega):
    """mm_ω(x) = max x + (1/ω) log((1/K) Σ e^{ω(x − max x)}) in mpmath (the paper's definition)."""
    m = max(xs)
    return m + mp.log(mp.fsum(mp.exp(omega * (a - m)) for a in xs) / len(xs)) / omega


def _mp_boltzmann(xs: list, beta):
    """boltz_β(x) = Σ x e^{β(x − max x)} / Σ e^{β(x − max x)} in mpmath (the definition)."""
    m = max(xs)
    w = [mp.exp(beta * (a - m)) for a in xs]
    return mp.fsum(a * b for a, b in zip(xs, w)) / mp.fsum(w)


def _boltzmann_roundoff(x: np.ndarray, beta: float) -> float:
    """Round-off of boltz_β(x) in float64: a (K + 4)-operation computation whose weights
    e^{β(x − max x)} carry relative error β·spread·u, which the spread multiplies once more."""
    spread = float(x.max() - x.min())
    return roundoff(x.size + 4, 1 + np.abs(x).max() + spread * (1 + beta * spread))


def _uniform_kl_objective(x: np.ndarray, omega: float):
    """J(π) = ⟨π, x⟩ − (1/ω) Σ_a π_a log(Kπ_a), written out here (not theory.regularizers)."""
    k = x.size

    def objective(pi):
        return float(pi @ x) - float(xlogy(pi, k * pi).sum()) / omega

    return objective


@R5.subjects("mellowmax")
def check_mellowmax(x, omega: float, *, mellowmax=mellowmax, name: str = "") -> CheckResult:
    """R5 on one (x, ω): mellowmax is the KL-to-uniform regularised value.

    Compared, with v = ``mellowmax(x, ω)`` and r = 64·eps·(1 + K)·(1 + 2‖x‖∞ + log K/ω) (the
    round-off of R1's value comparisons, the penalty's size being log K/ω):

    - v against the paper's definition (1/ω) log((1/K) Σ e^{ωx}) in 40-digit mpmath, to r;
    - v against max_π ⟨π, x⟩ − (1/ω) KL(π‖uniform) by scipy's SLSQP on the simplex (the
      objective written out here), to c·OPTIMISER_TOL + r, c = max(spread x, 1/ω).

    Source: Asadi & Littman 2017 (mellowmax); the KL view derived here (Gibbs' variational
    principle).

    Args:
      x: ``[K]`` values.
      omega: ω > 0.
      mellowmax: the operator under test, ``mellowmax(x, omega) -> float`` (negative controls
        pass the Shannon value, which forgets the 1/K).
      name: label of the instance.
    Returns:
      CheckResult; ``measured`` in value units.
    """
    x = np.asarray(x, dtype=np.float64)
    omega = check_real(omega, "omega", low=0.0, open_low=True)
    tau = 1.0 / omega
    v = float(mellowmax(x, omega))
    r = conjugate_roundoff(x, tau * np.log(x.size))
    with mp.workdps(_DPS):
        exact = float(_mp_mellowmax(_mp_list(x), mp.mpf(omega)))
    c = objective_scale(x, tau)
    top = x.max()
    shifted = _uniform_kl_objective(x - top, omega)
    pi_hat = argmax_over_simplex(lambda pi: shifted(pi) / c, x.size)
    found = top + shifted(pi_hat)
    return R5.worst_of(
        {
            "|mellowmax - 40-digit definition|": (abs(v - exact), r),
            "|mellowmax - SLSQP max of <pi,x> - KL(pi||uniform)/omega|": (
                abs(v - found),
                c * OPTIMISER_TOL + r,
            ),
        },
        {"instance": vector_label(name, x, tau), "omega": omega},
    )


@R5.subjects("mellowmax")
def check_non_expansion(x, y, omega: float, *, mellowmax=mellowmax, name: str = "") -> CheckResult:
    """R5 on one pair: |mm_ω(x) − mm_ω(y)| <= ‖x − y‖∞ (derived here: mm_ω is a conjugate, and
    (τΩ)* is monotone and commutes with adding constants, so it is 1-Lipschitz in sup-norm).

    The allowance is the round-off of the two values (twice r of :func:`check_mellowmax`, at the
    larger of the two vectors); the reference ‖x − y‖∞ is exact arithmetic on the inputs.

    Args:
      x, y: ``[K]`` values.
      omega: ω > 0.
      mellowmax: the operator under test, ``mellowmax(x, omega) -> float`` (negative controls
        pass the Boltzmann average with β = ω).
      name: label of the pair.
    Returns:
      CheckResult; ``measured`` = |mm(x) − mm(y)| − ‖x − y‖∞ (negative when within), and
      ``details["ratio"]`` = |mm(x) − mm(y)|/‖x − y‖∞.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    omega = check_real(omega, "omega", low=0.0, open_low=True)
    gap, dist = abs(float(mellowmax(x, omega)) - float(mellowmax(y, omega))), float(np.abs(x - y).max())
    big = x if np.abs(x).max() >= np.abs(y).max() else y
    return R5.worst_of(
        {"|mm(x) - mm(y)| - |x - y|_inf": (gap - dist, 2 * conjugate_roundoff(big, np.log(x.size) / omega))},
        {"instance": f"{name} (K={x.size}, omega={omega:g})", "ratio": gap / dist if dist > 0 else 0.0},
    )


@R5.subjects("boltzmann")
def check_boltzmann_expansion(
    x, y, beta: float, *, boltzmann=boltzmann_average, name: str = ""
) -> CheckResult:
    """R5 on one pair: the Boltzmann average expands it, |boltz_β(x) − boltz_β(y)| > ‖x − y‖∞.

    Compared: each of ``boltzmann(x, β)``, ``boltzmann(y, β)`` against the definition in 40-digit
    mpmath (allowed r = :func:`_boltzmann_roundoff` of the larger vector); and the shortfall
    ‖x − y‖∞ + 2r − |boltz(x) − boltz(y)|, allowed 0: the expansion must exceed round-off.

    Args:
      x, y: ``[K]`` values.
      beta: β >= 0.
      boltzmann: the operator under test, ``boltzmann(x, beta) -> float`` (negative controls pass
        mellowmax with ω = β, a non-expansion).
      name: label of the pair.
    Returns:
      CheckResult; ``details["ratio"]`` = |boltz(x) − boltz(y)|/‖x − y‖∞ (> 1), also from mpmath.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    beta = check_real(beta, "beta", low=0.0)
    bx, by = float(boltzmann(x, beta)), float(boltzmann(y, beta))
    with mp.workdps(_DPS):
        b = mp.mpf(beta)
        ex, ey = _mp_boltzmann(_mp_list(x), b), _mp_boltzmann(_mp_list(y), b)
        exact_gap = float(abs(ex - ey))
    r = max(_boltzmann_roundoff(x, beta), _boltzmann_roundoff(y, beta))
    dist = float(np.abs(x - y).max())
    return R5.worst_of(
        {
            "|boltz - 40-digit definition|": (max(abs(bx - float(ex)), abs(by - float(ey))), r),
            "|x - y|_inf + 2r - |boltz(x) - boltz(y)| (must be < 0)": (
                excess(dist + 2 * r - abs(bx - by)),
                0.0,
            ),
        },
        {
            "instance": f"{name} (K={x.size}, beta={beta:g})",
            "ratio": abs(bx - by) / dist,
            "ratio (40 digits)": exact_gap / dist,
        },
    )


def _one_state_two_actions(mdp: FiniteMDP) -> tuple[np.ndarray, np.ndarray]:
    """(r ``[2]``, stay probabilities ``[2]``) of the one non-terminal state, read from the MDP's
    public arrays; ValueError unless there is one non-terminal state and two actions."""
    live = np.flatnonzero(~mdp.terminal)
    if live.size != 1 or mdp.n_actions != 2 or mdp.horizon is not None:
        raise ValueError(
            "claim R5's closed form is for an infinite-horizon MDP with one non-terminal state and two "
            f"actions, got {mdp!r}"
        )
    s = int(live[0])
    return mdp.R[s], mdp.dense_P()[s, :, s]


def _mp_root_in(g, a, b):
    """The root of g in the bracket [a, b] (g(a), g(b) of opposite signs), in mpmath, by the
    Illinois method (a bracketing secant method: it stays inside the bracket)."""
    return mp.findroot(g, (a, b), solver="illinois", tol=mp.mpf(10) ** (-2 * _DPS + 10), verify=False)


def _mp_gvi_map(r, p, gamma, summary):
    """v ↦ summary(Q(v)) − v with Q_a(v) = r_a + γ p_a v, in mpmath."""
    return lambda v: summary([r[a] + gamma * p[a] * v for a in range(len(r))]) - v


def _mp_boltzmann_fixed_points(r, p, gamma: float, beta: float) -> list:
    """Every fixed point of Boltzmann GVI on a one-state, two-action MDP, in 40-digit mpmath, with
    the count certified by a closed form (derived here).

    With d_a = 1 − γp_a, u_a = r_a/d_a and c_a(v) = Q_a(v) − v = r_a − d_a v, v is a fixed point iff
    Σ_a c_a e^{βQ_a} = 0. Label the actions so that u_1 <= u_2. If u_1 = u_2 the only root is u_1.
    Otherwise roots lie in (u_1, u_2), where c_1 < 0 < c_2, and there the equation is
    k(v) = log c_2 − log(−c_1) + β(Q_2 − Q_1) = 0, k → +∞ at u_1 and −∞ at u_2, and k has the sign
    of g(v) = boltz_β(Q(v)) − v. Multiplying k' by c_1c_2 (which is < 0) gives the quadratic

        N(v) = κ(d_1d_2v² − (r_1d_2 + r_2d_1)v + r_1r_2) + (d_1r_2 − d_2r_1),   κ = βγ(p_2 − p_1),

    so k has at most two critical points, the real roots of N in (u_1, u_2); k is strictly
    monotone between consecutive ones, and each such piece holds a root exactly when g changes
    sign across it (a root at a critical point, where g vanishes, is a double root). Hence at
    most three fixed points, and the list below is all of them; each is refined by the Illinois
    method to 40 digits (a root within that resolution of u_1 or u_2 is reported there).

    Returns:
      the fixed points, increasing, as mpf.
    """
    with mp.workdps(_DPS):
        b, gm = mp.mpf(beta), mp.mpf(gamma)
        rr, pp = _mp_list(r), _mp_list(p)
        d = [1 - gm * x for x in pp]
        u = [x / y for x, y in zip(rr, d)]
        if u[0] == u[1]:
            return [u[0]]
        i, j = (0, 1) if u[0] < u[1] else (1, 0)
        (r1, r2), (d1, d2), (p1, p2) = (rr[i], rr[j]), (d[i], d[j]), (pp[i], pp[j])
        g = _mp_gvi_map(rr, pp, gm, lambda q: _mp_boltzmann(q, b))
        kappa = b * gm * (p2 - p1)
        qa, qb, qc = kappa * d1 * d2, -kappa * (r1 * d2 + r2 * d1), kappa * r1 * r2 + (d1 * r2 - d2 * r1)
        crit = []
        if qa != 0:
            disc = qb * qb - 4 * qa * qc
            if disc >= 0:
                crit = sorted((-qb - s * mp.sqrt(disc)) / (2 * qa) for s in (1, -1))
        points = [u[i], *(t for t in crit if u[i] < t < u[j]), u[j]]
        values = [g(t) for t in points]
        signs = [1, *(mp.sign(gt) for gt in values[1:-1]), -1]  # g(u_1) > 0 > g(u_2), exactly
        roots = [t for t, st in zip(points[1:-1], signs[1:-1]) if st == 0]
        for a, c, ga, gc, sa, sc in zip(points, points[1:], values, values[1:], signs, signs[1:]):
            if sa * sc < 0:
                # g at an end of the bracket computed with the wrong sign: the root lies within
                # the 40-digit resolution of that end, and is reported there.
                roots.append(_mp_root_in(g, a, c) if ga * gc < 0 else (a if ga * sa <= 0 else c))
        return sorted(roots)


def _mp_mellowmax_fixed_point(r, p, gamma: float, omega: float):
    """The fixed point of mellowmax GVI on a one-state MDP, in 40-digit mpmath.

    Unique (derived here): g(v) = mm_ω(Q(v)) − v has g'(v) = γ Σ_a softmax(ωQ(v))_a p_a − 1
    <= γ max_a p_a − 1 < 0, and g >= 0 at min_a u_a, g <= 0 at max_a u_a (the bracket of
    :func:`theory.mellowmax.one_state_fixed_points`), so it has exactly one root there.
    """
    with mp.workdps(_DPS):
        gm, w = mp.mpf(gamma), mp.mpf(omega)
        rr, pp = _mp_list(r), _mp_list(p)
        u = [x / (1 - gm * y) for x, y in zip(rr, pp)]
        if min(u) == max(u):
            return min(u)
        return _mp_root_in(_mp_gvi_map(rr, pp, gm, lambda q: _mp_mellowmax(q, w)), min(u), max(u))


def _root_allowance(r, p, gamma: float, beta: float, root, summary) -> float:
    """Allowed |found − exact| at a fixed point: the round-off of g = summary(Q(v)) − v in float64
    (:func:`_boltzmann_roundoff` of Q(v), which also covers mellowmax's smaller one, plus two
    operations for Q and one for − v) divided by |g'(v)| (from mpmath), plus 64 ulps of the bracket
    for brentq's stopping rule."""
    q = np.asarray(r) + gamma * np.asarray(p) * float(root)
    with mp.workdps(_DPS):
        slope = abs(float(mp.diff(_mp_gvi_map(_mp_list(r), _mp_list(p), mp.mpf(gamma), summary), root)))
    u_max = float(np.max(np.asarray(r) / (1 - gamma * np.asarray(p))))
    r_g = _boltzmann_roundoff(q, beta) + roundoff(3, 1 + np.abs(q).max())
    return r_g / slope + roundoff(1, 1 + abs(u_max))


@R5.subjects("fixed_points", "boltzmann", "mellowmax")
def check_gvi_fixed_points(
    mdp: FiniteMDP,
    betas,
    *,
    fixed_points=one_state_fixed_points,
    boltzmann=boltzmann_average,
    mellowmax=mellowmax,
) -> CheckResult:
    """R5 on a one-state, two-action MDP over a scan of β: every fixed point of Boltzmann GVI and
    of mellowmax GVI (ω = β), against 40-digit references whose counts are certified.

    Compared, worst over the scan: the number of fixed points found by ``fixed_points(mdp,
    summary)`` against the closed-form count (:func:`_mp_boltzmann_fixed_points`), allowed 0;
    each found point against its 40-digit root (:func:`_root_allowance`); for mellowmax the count
    against 1 and the point against its root (:func:`_mp_mellowmax_fixed_point`); and that some
    β of the scan has several Boltzmann fixed points (by the closed form), allowed 0.

    Args:
      mdp: infinite-horizon MDP with one non-terminal state and two actions.
      betas: the β scanned (ω = β for mellowmax), each >= 0.
      fixed_points: the root finder under test, ``fixed_points(mdp, summary) -> [n]`` (negative
        controls pass one that misses roots).
      boltzmann: ``boltzmann(x, beta)``, the Boltzmann operator under test.
      mellowmax: ``mellowmax(x, omega)``, mellowmax under test (negative controls pass Boltzmann).
    Returns:
      CheckResult; ``details`` lists the β with several fixed points and the points at the β
      with the most.
    """
    r, p = _one_state_two_actions(mdp)
    gamma = mdp.gamma
    betas = [check_real(b, "betas", low=0.0) for b in betas]

    def found(summary) -> np.ndarray:
        return np.sort(np.asarray(fixed_points(mdp, summary), dtype=np.float64).ravel())

    def compare(got: np.ndarray, exact: list, beta: float, mp_summary):
        """(|count difference|, (deviation, allowed) of the worst root, or None)."""
        if got.size != len(exact):
            return abs(got.size - len(exact)), None
        pairs = [
            (abs(v - float(e)), _root_allowance(r, p, gamma, beta, e, mp_summary)) for v, e in zip(got, exact)
        ]
        return 0, max(pairs, key=lambda pair: pair[0] / pair[1])

    counts = {"boltzmann": 0.0, "mellowmax": 0.0}
    roots = {"boltzmann": (0.0, 1.0), "mellowmax": (0.0, 1.0)}
    several, most = [], (0, None, ())
    for beta in betas:
        with mp.workdps(_DPS):
            b = mp.mpf(beta)
        exact = _mp_boltzmann_fixed_points(r, p, gamma, beta)
        got = found(functools.partial(boltzmann, beta=beta))
        for kind, (got_k, exact_k, summary) in {
            "boltzmann": (got, exact, lambda q, b=b: _mp_boltzmann(q, b)),
            "mellowmax": (
                found(functools.partial(mellowmax, omega=beta)),
                [_mp_mellowmax_fixed_point(r, p, gamma, beta)],
                lambda q, b=b: _mp_mellowmax(q, b),
            ),
        }.items():
            miss, worst = compare(got_k, exact_k, beta, summary)
            counts[kind] = max(counts[kind], float(miss))
            if worst is not None and worst[0] / worst[1] > roots[kind][0] / roots[kind][1]:
                roots[kind] = worst
        if len(exact) >= 2:
            several.append(beta)
        if len(exact) > most[0]:
            most = (len(exact), beta, tuple(float(e) for e in exact))
    comparisons = {
        "Boltzmann: |count - closed-form count| (worst beta)": (counts["boltzmann"], 0.0),
        "Boltzmann: |fixed point - 40-digit root|": roots["boltzmann"],
        "mellowmax: |count - 1| (worst beta)": (counts["mellowmax"], 0.0),
        "mellowmax: |fixed point - 40-digit root|": roots["mellowmax"],
        "no beta of the scan with several Boltzmann fixed points (need one)": (float(not several), 0.0),
    }
    details = {
        "instance": f"{mdp.name}, {len(betas)} beta in [{min(betas):g}, {max(betas):g}]",
        "betas with several fixed points": several,
        "most fixed points": {"beta": most[1], "fixed points": most[2]},
        "summary": (
            f"R5: Boltzmann GVI on {mdp.name}: several fixed points at {len(several)} of {len(betas)} beta"
            + (f" ({min(several):g} to {max(several):g})" if several else "")
            + f"; {most[0]} at beta = {most[1]:g}: "
            + ", ".join(f"{v:.6f}" for v in most[2])
        ),
    }
    return R5.worst_of(comparisons, details)


def _non_expansion_pairs(q: np.ndarray, rng: np.random.Generator):
    """(label, y) partners of q for the non-expansion check: a random perturbation at q's scale,
    a translation q + c·1 (the ratio is exactly 1 there), and a raise of the largest entry."""
    scale = 1.0 + np.abs(q).max()
    bump = np.zeros_like(q)
    bump[np.argmax(q)] = 0.3 * scale
    return [
        ("random", q + 0.5 * scale * rng.normal(size=q.size)),
        ("translated", q + 0.75 * scale),
        ("top raised", q + bump),
    ]


@register(R5)
def battery_mellowmax(*, seed: int, size: str) -> CheckResult:
    """R5: mellowmax on the q-vector suite × ω = 1/τ for the positive temperatures, with three
    partners each for the non-expansion; the Boltzmann expansion pair at β = 1 and at the paper's
    β (mellowmax does not expand it); the fixed points of GVI on the paper's two-action MDP over
    the β scan (every fifth β and the paper's at quick size)."""
    rng = np.random.default_rng(seed + 5)
    results = []
    for label, q, t in positive_q_tau_suite(seed, size):
        results.append(check_mellowmax(q, 1.0 / t, name=label))
        results += [
            check_non_expansion(q, y, 1.0 / t, name=f"{label}, {kind}")
            for kind, y in _non_expansion_pairs(q, rng)
        ]
    x, y = BOLTZMANN_EXPANSION_PAIR
    for beta in (1.0, MELLOWMAX_BETA):
        name = f"the expansion pair / {beta:g}"
        results.append(check_boltzmann_expansion(x / beta, y / beta, beta, name=name))
        results.append(check_non_expansion(x / beta, y / beta, beta, name=name))
    betas = MELLOWMAX_BETA_SCAN if size != "quick" else sorted({MELLOWMAX_BETA, *MELLOWMAX_BETA_SCAN[::5]})
    results.append(check_gvi_fixed_points(MELLOWMAX_MDP, betas))
    return fold(R5, results)
