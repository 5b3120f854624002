"""Claims D1, D2, D5 (slides "Algorithm: Soft Q-Iteration"): soft Q-iteration and its bounds.

D1: T Q = r + γ P F_τ(Q) is a γ-contraction in sup-norm, attained by constant shifts.
D2: soft Q-iteration meets its a-priori (γ^k) and a-posteriori (γ/(1 − γ)·step) error bounds.
D5: T is monotone with T(Q + c) = TQ + γc, so the MacQueen–Porteus bracket holds at every sweep.
D3–D4 (soft value iteration against independent oracles; the rates of soft and modified policy
iteration) live in :mod:`checks.policy_iteration`, which imports ``NOISE_FLOOR`` and ``sweeps_needed``
from this module.

Each check states its tolerance in its docstring: round-off of one application of T,
64·eps·(1 + k + A)·(1 + ‖r‖ + ‖Q‖ + τ log A), propagated through the claim, plus the certified
error of the reference Q* (soft policy iteration, exact linear solves).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from scipy.special import logsumexp

from checks.base import (
    CheckResult,
    Claim,
    Probe,
    fold,
    instance_label,
    largest,
    register,
    sup,
)
from checks.subjects import OWN, Subjects
from checks.suite import mdp_cases
from mdps.finite import FiniteMDP
from theory.bellman import soft_state_value
from theory.iterates import orbit
from theory.regularizers import SHANNON, Regularizer
from theory.roundoff import roundoff
from theory.solvers import (
    ConvergenceWarning,
    exact_optimum,
    exact_tolerance,
    soft_value_iteration,
    value_scale,
)

__all__ = [
    "NOISE_FLOOR",
    "D1",
    "D2",
    "D5",
    "check_contraction",
    "check_convergence",
    "check_monotone_bounds",
    "sweeps_needed",
]

# ---------------------------------------------------------------------------------------------
# Shared helpers of D1, D2, D5 (and D4: checks.policy_iteration imports NOISE_FLOOR, sweeps_needed)
# ---------------------------------------------------------------------------------------------
#: Errors below NOISE_FLOOR·(1 + ‖V‖) are left alone: a ratio of two numbers that small measures
#: rounding, not convergence (theory-notes §7a: "below that, ratios are just rounding noise").
NOISE_FLOOR = 1e-9


def _operator_roundoff(mdp: FiniteMDP, tau: float, magnitude: float, regularizer: Regularizer) -> float:
    """Float64 error of one application of T to a Q table with entries up to ``magnitude``.

    64·eps·(1 + k + A)·(1 + ‖r‖ + magnitude + τ max(U, −L)): the log-sum-exp over A actions and
    the expectation over k successors each err by a few ulps of the largest number in play
    ((L, U) the range of the regulariser Ω; τ log A for Shannon entropy). A regulariser whose
    value kernel errs by more than the log-sum-exp (:meth:`Regularizer.value_roundoff`:
    Tsallis's sort and prefix sums, O(A²) ulps of τ) adds the difference.
    """
    low, high = regularizer.bounds(mdp.n_actions)
    per_ulp = 1 + np.abs(mdp.R).max() + magnitude + tau * max(high, -low)
    kernel = regularizer.value_roundoff(mdp.n_actions, tau, magnitude)
    extra = max(0.0, kernel - SHANNON.value_roundoff(mdp.n_actions, tau, magnitude))
    # operations: the A-term log-sum-exp, the k-term expectation, and the reward added
    return roundoff(1 + mdp.max_successors + mdp.n_actions, per_ulp) + extra


def _nonterminal_mass(mdp: FiniteMDP) -> np.ndarray:
    """p(s, a) = P(s' non-terminal | s, a) ``[S, A]``: T(Q + c) − TQ = γc·p, as V = 0 on terminals."""
    return mdp.expected_next((~mdp.terminal).astype(np.float64))


def _q_starts(mdp: FiniteMDP, tau: float, rng: np.random.Generator, regularizer: Regularizer) -> dict:
    """Bounded starting Q tables ``[S, A]``: zeros, random at the value scale (for the problem's
    regulariser), and huge (1e3 times it)."""
    scale = 1 + value_scale(mdp, tau, regularizer)
    shape = (mdp.n_states, mdp.n_actions)
    return {
        "Q0=0": np.zeros(shape),
        "Q0 random": scale * rng.normal(size=shape),
        "Q0 huge": 1e3 * scale * rng.uniform(-1, 1, size=shape),
    }


def sweeps_needed(gamma: float, start: float, target: float) -> int:
    """Sweeps k of a γ-contraction for an error γ^k·start to fall below ``target``.

    k = ⌈log(target/start)/log γ⌉ + 1 (one to spare), and 1 when γ = 0 or start <= target.
    """
    if gamma == 0.0 or start <= target:
        return 1
    return int(np.ceil(np.log(target / start) / np.log(gamma))) + 1


# ---------------------------------------------------------------------------------------------
# D1: contraction
# ---------------------------------------------------------------------------------------------
D1 = Claim(
    "D1",
    "‖TQ₁ − TQ₂‖∞ ≤ γ‖Q₁ − Q₂‖∞, with equality for Q₂ = Q₁ + c (T Q = r + γ P F_τ(Q))",
    "seed deck, 'Algorithm: Soft Q-Iteration' (proof); Haarnoja et al. 2017, Thm 3 / App. A.2",
    roles=("bellman_operator",),
    regularizer_free=True,
)


def _contraction_ratio(mdp, tau, operator, q1, q2, regularizer) -> tuple[float, float] | None:
    """(‖TQ₁ − TQ₂‖/‖Q₁ − Q₂‖, the round-off allowed in that ratio), or None when Q₂ = Q₁ in
    float64 (a perturbation below the ulp of Q₁, as δ = 1e-8 on Q ~ 1e12 at τ = 1e12)."""
    gap = sup(q1 - q2)
    if gap == 0.0:
        return None
    ratio = sup(operator(mdp, q1, tau) - operator(mdp, q2, tau)) / gap
    return ratio, 2 * _operator_roundoff(mdp, tau, largest(sup(q1), sup(q2)), regularizer) / gap


@D1.subjects()
def check_contraction(
    mdp: FiniteMDP, tau: float, *, seed: int = 0, subjects: Subjects = OWN, tol: float | None = None
) -> CheckResult:
    """D1 on one instance: the worst contraction ratio found, random and adversarial pairs.

    ‖TQ₁ − TQ₂‖∞ ≤ γ‖Q₁ − Q₂‖∞ (seed deck, "Algorithm: Soft Q-Iteration", proof). Pairs:
    random Q₁ at the value scale with Q₂ − Q₁ random at scales 1e-8, 1e-4, 1, 1e3; Q₂ − Q₁ = δ
    on each state's greedy action; a constant ±δ per state with random signs (δ = 1); then a
    coordinate search from the worst pair so far (60 trial moves of one row or one entry, each
    kept if the ratio grows).
    Constant shifts Q₂ = Q₁ + c attain the bound: there TQ₂ − TQ₁ = γc·p exactly, p(s, a) the
    probability of a non-terminal successor (terminal states have V = 0), so the ratio is γ·max p
    (γ when there are no terminal states); that is a second sub-measurement, |ratio − γ max p|.

    Tolerance of a pair: the round-off of two applications of T (64·eps·(1 + k + A)·(1 + ‖r‖ +
    ‖Q‖ + τ log A)) divided by ‖Q₁ − Q₂‖, in the units of the ratio; ``tol`` overrides it. For
    another regulariser Ω of the problem (``subjects.regularizer``) T uses (τΩ)*, the claim is
    unchanged (Geist et al. 2019, Prop. 2), and the round-off is Ω's (``_operator_roundoff``).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      seed: seeds the random pairs.
      subjects: the ``bellman_operator`` under test, T: ``(mdp, q [S, A], tau) -> [S, A]``.
      tol: fixed tolerance on the ratio excess, replacing the per-pair round-off.
    Returns:
      CheckResult: ``measured`` = ratio − γ (contraction) or |ratio − γ max p| (shift) of the
      pair with the worst margin; ``details`` has the largest ratio found and each family's.
    """
    operator, reg = subjects.bellman_operator, subjects.regularizer
    rng = np.random.default_rng(seed)
    gamma = mdp.gamma
    shape = (mdp.n_states, mdp.n_actions)
    scale = 1 + value_scale(mdp, tau, reg)
    cases: dict[str, tuple[float, float]] = {}
    ratios: dict[str, float] = {}

    def pair(label, q1, q2):
        measured = _contraction_ratio(mdp, tau, operator, q1, q2, reg)
        if measured is None:  # the perturbation vanished in rounding: no pair to compare
            return
        ratio, allowed = measured
        ratios[label] = ratio
        cases[label] = (ratio - gamma, allowed if tol is None else tol)

    q1 = scale * rng.normal(size=shape)
    diffs = {f"random δ={d:g}": d * rng.normal(size=shape) for d in (1e-8, 1e-4, 1.0, 1e3)}
    diffs["δ=1 on greedy actions"] = (np.arange(mdp.n_actions) == q1.argmax(axis=1, keepdims=True)) * 1.0
    diffs["±1 per state"] = rng.choice([-1.0, 1.0], size=(mdp.n_states, 1)) * np.ones(shape)
    for label, diff in diffs.items():
        pair(label, q1, q1 + diff)
    # Coordinate search from the worst pair so far: move one row (a per-state shift) or one
    # entry by a unit normal step; keep the move if the ratio grows.
    best = max(ratios, key=ratios.get)
    diff, best_ratio = diffs[best] / sup(diffs[best]), ratios[best]
    for _ in range(60):
        trial = diff.copy()
        s = rng.integers(mdp.n_states)
        if rng.random() < 0.5:
            trial[s] += rng.normal()
        else:
            trial[s, rng.integers(mdp.n_actions)] += rng.normal()
        measured = _contraction_ratio(mdp, tau, operator, q1, q1 + trial, reg)
        if measured is not None and measured[0] > best_ratio:
            diff, best_ratio = trial, measured[0]
    pair("coordinate search", q1, q1 + diff)

    expected = gamma * float(_nonterminal_mass(mdp).max())
    for c in (1.0, -1e3):
        measured = _contraction_ratio(mdp, tau, operator, q1, q1 + c, reg)
        if measured is None:  # c below the ulp of Q₁
            continue
        ratio, allowed = measured
        ratios[f"shift c={c:g}"] = ratio
        cases[f"shift c={c:g}"] = (ratio - gamma, allowed if tol is None else tol)
        cases[f"shift c={c:g} attains γ·max p"] = (abs(ratio - expected), allowed if tol is None else tol)

    return D1.worst_of(
        cases,
        {
            "instance": instance_label(mdp, tau),
            "gamma": gamma,
            "max_ratio": max(ratios.values()),
            "shift_ratio_expected": expected,
            "ratios": ratios,
        },
    )


def _admitted(claim: Claim, seed: int, size: str, subjects: Subjects) -> list[tuple[int, FiniteMDP, float]]:
    """(i, mdp, τ) of the suite's cases the subjects may be given; i is the case's index in the
    whole suite (it seeds the check), so a case keeps its seed whichever others are left out."""
    cases = [(i, m, t) for i, (m, t) in enumerate(mdp_cases(seed, size))]
    return subjects.admit(claim, cases, key=lambda case: case[1:])


@register(D1, probe=Probe(("mdp", "tau"), check_contraction))
def battery_contraction(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """D1 over the seeded MDP suite at every suite temperature."""
    cases = _admitted(D1, seed, size, subjects)
    return fold(D1, (check_contraction(m, t, seed=seed + i, subjects=subjects) for i, m, t in cases))


# ---------------------------------------------------------------------------------------------
# D2: convergence of soft Q-iteration, a priori and a posteriori
# ---------------------------------------------------------------------------------------------
D2 = Claim(
    "D2",
    "Q_{k+1} = T Q_k: ‖Q_k − Q*‖∞ ≤ γ^k ‖Q₀ − Q*‖∞ and ‖Q_k − Q*‖∞ ≤ γ/(1−γ)·‖Q_k − Q_{k−1}‖∞",
    "seed deck, 'Algorithm: Soft Q-Iteration'; Haarnoja et al. 2017, Thm 3; Cen et al. 2022, Lemma 2",
    roles=("bellman_operator",),
    regularizer_free=True,
)


@D2.subjects()
def check_convergence(
    mdp: FiniteMDP, tau: float, *, seed: int = 0, subjects: Subjects = OWN, tol: float | None = None
) -> CheckResult:
    """D2 on one instance: both error bounds of soft Q-iteration at every iterate.

    From Q₀ = 0, random and huge (1e3·(1 + ‖V‖)) tables, Q_k = T Q_{k−1} is checked against
    ‖Q_k − Q*‖ ≤ γ^k ‖Q₀ − Q*‖ (a priori) and ‖Q_k − Q*‖ ≤ γ/(1−γ)·‖Q_k − Q_{k−1}‖
    (a posteriori), until either bound falls below 1e-9·(1 + ‖V‖) (below it the comparisons
    are between rounding errors).
    Q* comes from soft policy iteration (exact linear solves, another algorithm) with its
    certified error e*. Also, theory's soft value iteration reports its residuals
    ‖V_n − V_{n−1}‖∞ (the data of its certificate): they are replayed here
    (:func:`_replayed_residuals`). For another regulariser Ω of the problem
    (``subjects.regularizer``) T, Q*, the value scale and the round-off are Ω's. Source: seed
    deck, "Algorithm: Soft Q-Iteration"; Haarnoja et al. 2017, Theorem 3.

    Tolerance (``slack``): 2e* + δ/(1 − γ) with δ the round-off of one application of T at the
    largest magnitude met (see ``_operator_roundoff``): the computed iterates are exact ones up
    to Σ_j γ^j δ, and Q* is off by e* on both sides of a comparison.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      seed: seeds the random starting tables.
      subjects: the ``bellman_operator`` under test, T: ``(mdp, q [S, A], tau) -> [S, A]``,
        iterated. The replayed residuals are those of theory's own soft value iteration.
      tol: replaces the slack when given.
    Returns:
      CheckResult: ``measured`` = the largest excess of ‖Q_k − Q*‖ over a bound (negative when
      every iterate is inside both); ``details`` has, per start, the sweeps and worst excesses.
    """
    operator, reg = subjects.bellman_operator, subjects.regularizer
    gamma = mdp.gamma
    scale = 1 + value_scale(mdp, tau, reg)
    star = exact_optimum(mdp, tau, reg)
    cases: dict[str, tuple[float, float]] = {}
    sweeps: dict[str, int] = {}
    for label, q in _q_starts(mdp, tau, np.random.default_rng(seed), reg).items():
        err0 = sup(q - star.q)
        n = sweeps_needed(gamma, err0, NOISE_FLOOR * scale)
        prior = post = -np.inf
        magnitude = largest(sup(q), sup(star.q))
        iterates = orbit(lambda q: operator(mdp, q, tau), q)
        q = next(iterates)
        for k, q_next in enumerate(itertools.islice(iterates, n), start=1):
            q_prev, q = q, q_next
            err, post_bound = sup(q - star.q), gamma / (1 - gamma) * sup(q - q_prev)
            prior = largest(prior, err - gamma**k * err0)
            post = largest(post, err - post_bound)
            magnitude = largest(magnitude, sup(q))
            if post_bound < NOISE_FLOOR * scale:  # Q_k is certified within the floor: the rest is noise
                n = k
                break
        slack = 2 * star.error_bound + _operator_roundoff(mdp, tau, magnitude, reg) / (1 - gamma)
        allowed = slack if tol is None else tol
        cases[f"{label}: a priori γ^k"] = (prior, allowed)
        cases[f"{label}: a posteriori γ/(1−γ)"] = (post, allowed)
        sweeps[label] = n
    replayed = _replayed_residuals(mdp, tau, tol, reg)
    cases["soft_value_iteration's residuals = ‖V_n − V_{n−1}‖ replayed"] = replayed

    return D2.worst_of(
        cases,
        {"instance": instance_label(mdp, tau), "sweeps": sweeps, "q_star_error_bound": star.error_bound},
    )


#: Sweeps of soft value iteration whose reported residuals D2 replays (the first ones; the rest
#: repeat the same computation).
_REPLAYED_SWEEPS = 40


def _replayed_residuals(
    mdp: FiniteMDP, tau: float, tol: float | None, regularizer: Regularizer
) -> tuple[float, float]:
    """(max_n |residuals[n] − ‖V_{n+1} − V_n‖∞|, allowance) for theory's soft value iteration.

    Its SolveResult reports residuals[n] = ‖V_{n+1} − V_n‖∞ from V_0 = 0 (the sweeps, the
    certificate's raw data): the first _REPLAYED_SWEEPS are replayed here with scipy's
    logsumexp (max at τ = 0), V = 0 on terminal states; for another regulariser, with its
    validated ``value`` along the last axis (checked against an optimiser by claim R1). Each
    replayed iterate differs from the solver's by at most δ/(1 − γ), δ the round-off of one
    sweep, so a residual by 2δ/(1 − γ).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = soft_value_iteration(
            mdp,
            tau,
            tol=exact_tolerance(mdp, tau, regularizer),
            max_iter=_REPLAYED_SWEEPS,
            regularizer=regularizer,
        )
    v, worst, magnitude = np.zeros(mdp.n_states), 0.0, 0.0
    for reported in res.residuals:
        q = mdp.R + mdp.gamma * mdp.expected_next(v)
        if regularizer != SHANNON:
            v_next = regularizer.value(q, tau)
        else:
            v_next = tau * logsumexp(q / tau, axis=1) if tau > 0 else q.max(axis=1)
        v_next = np.where(mdp.terminal, 0.0, v_next)
        worst = largest(worst, abs(reported - sup(v_next - v)))
        magnitude = largest(magnitude, sup(q))
        v = v_next
    allowed = 2 * _operator_roundoff(mdp, tau, magnitude, regularizer) / (1 - mdp.gamma)
    return worst, allowed if tol is None else tol


@register(D2, probe=Probe(("mdp", "tau"), check_convergence))
def battery_convergence(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """D2 over the seeded MDP suite at every suite temperature."""
    cases = _admitted(D2, seed, size, subjects)
    return fold(D2, (check_convergence(m, t, seed=seed + i, subjects=subjects) for i, m, t in cases))


# ---------------------------------------------------------------------------------------------
# D5: monotonicity, the shift identity, and the MacQueen–Porteus bracket
# ---------------------------------------------------------------------------------------------
D5 = Claim(
    "D5",
    "Q₁ ≤ Q₂ ⇒ TQ₁ ≤ TQ₂; T(Q + c) = TQ + γc; V_n + γ/(1−γ)·min d ≤ V* ≤ V_n + γ/(1−γ)·max d",
    "Geist et al. 2019, Prop. 2; MacQueen 1966, Porteus 1971; seed deck, 'Algorithm: Soft Q-Iteration'",
    roles=("bellman_operator",),
    regularizer_free=True,
)


@D5.subjects("shift_factor", "bracket_factor")
def check_monotone_bounds(
    mdp: FiniteMDP,
    tau: float,
    *,
    seed: int = 0,
    subjects: Subjects = OWN,
    shift_factor: float | None = None,
    bracket_factor: float | None = None,
    tol: float | None = None,
) -> CheckResult:
    """D5 on one instance: monotonicity, the shift identity, and the bracket at every sweep.

    - Monotone: for ordered pairs Q₁ <= Q₂ (random non-negative gaps at scales 1e-8, 1, 1e3,
      and a single-entry bump), max(TQ₁ − TQ₂) <= round-off.
    - Shift (Geist et al. 2019, Prop. 2): T(Q + c) − TQ = γc·p for c in {1e-3, 1, −1e3}, with
      p(s, a) = P(non-terminal successor | s, a) (V = 0 on terminal states; p = 1 without them).
    - Bracket (MacQueen–Porteus): soft value iteration V_n = F_τ(T Q_{n−1}) from Q₀ = 0,
      random and huge, with d = V_n − V_{n−1} (and min d <= 0 <= max d when the MDP has terminal
      states, as in theory/solvers.py): V_n + γ/(1−γ)·min d <= V* <= V_n + γ/(1−γ)·max d, every
      sweep until the bracket is narrower than 1e-9·(1 + ‖V‖).
    Tolerances: δ = 64·eps·(1 + k + A)·(1 + ‖r‖ + ‖Q‖ + τ log A) per application of T for the
    first two; for the bracket e* + δ·(1 + γ)/(1 − γ) (V* certified to e*; V_n errs by δ and
    γ/(1−γ)·d by 2γδ/(1−γ)). For another regulariser Ω of the problem (``subjects.regularizer``)
    F_τ is (τΩ)*, V* and the round-off are Ω's: (τΩ)* is monotone and commutes with constants,
    so all three statements hold (Geist et al. 2019, Prop. 2).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      seed: seeds the pairs and starting tables.
      subjects: the ``bellman_operator`` under test, T: ``(mdp, q [S, A], tau) -> [S, A]``.
      shift_factor: the factor of c in the shift identity (default γ).
      bracket_factor: the factor of min d / max d in the bracket (default γ/(1−γ)).
      tol: replaces every allowance when given.
    Returns:
      CheckResult of the sub-measurement with the worst margin.
    """
    operator, reg = subjects.bellman_operator, subjects.regularizer
    gamma = mdp.gamma
    shift_factor = gamma if shift_factor is None else shift_factor
    bracket_factor = gamma / (1 - gamma) if bracket_factor is None else bracket_factor
    scale = 1 + value_scale(mdp, tau, reg)
    rng = np.random.default_rng(seed)
    shape = (mdp.n_states, mdp.n_actions)
    cases: dict[str, tuple[float, float]] = {}

    def allowance(*tables) -> float:
        return _operator_roundoff(mdp, tau, largest(*(sup(t) for t in tables)), reg) if tol is None else tol

    q1 = scale * rng.normal(size=shape)
    gaps = {f"random gap {g:g}": g * np.abs(rng.normal(size=shape)) for g in (1e-8, 1.0, 1e3)}
    bump = np.zeros(shape)
    bump[rng.integers(mdp.n_states), rng.integers(mdp.n_actions)] = 1.0
    gaps["one-entry bump"] = bump
    for label, gap in gaps.items():
        q2 = q1 + gap
        cases[f"monotone, {label}"] = (
            largest(operator(mdp, q1, tau) - operator(mdp, q2, tau)),
            allowance(q2),
        )

    p = _nonterminal_mass(mdp)
    tq1 = operator(mdp, q1, tau)
    for c in (1e-3, 1.0, -1e3):
        residual = operator(mdp, q1 + c, tau) - tq1 - shift_factor * c * p
        cases[f"shift c={c:g}"] = (sup(residual), allowance(q1 + c))

    star = exact_optimum(mdp, tau, reg)
    widths: dict[str, int] = {}
    for label, q in _q_starts(mdp, tau, rng, reg).items():
        v = soft_state_value(q, tau, terminal=mdp.terminal, regularizer=reg)
        worst, sweeps, magnitude = -np.inf, 0, sup(q)
        max_sweeps = sweeps_needed(gamma, 2 * sup(q - star.q) / (1 - gamma), NOISE_FLOOR * scale) + 10
        iterates = itertools.islice(orbit(lambda q: operator(mdp, q, tau), q), 1, max_sweeps + 1)
        for sweeps, q in enumerate(iterates, start=1):
            v_prev, v = v, soft_state_value(q, tau, terminal=mdp.terminal, regularizer=reg)
            magnitude = largest(magnitude, sup(q))
            d = v - v_prev
            lo, hi = float(d.min()), float(d.max())
            if mdp.terminal.any():
                # T(V + c) = TV + γc fails on terminal states (pinned at 0); the bracket holds
                # with min d <= 0 <= max d (theory/solvers.py).
                lo, hi = min(lo, 0.0), max(hi, 0.0)
            below = largest(v + bracket_factor * lo - star.v)
            above = largest(star.v - v - bracket_factor * hi)
            worst = largest(worst, below, above)
            if gamma / (1 - gamma) * (hi - lo) < NOISE_FLOOR * scale:
                break
        slack = star.error_bound + _operator_roundoff(mdp, tau, magnitude, reg) * (1 + gamma) / (1 - gamma)
        cases[f"bracket from {label}"] = (worst, slack if tol is None else tol)
        widths[label] = sweeps

    return D5.worst_of(cases, {"instance": instance_label(mdp, tau), "bracket_sweeps": widths})


@register(D5, probe=Probe(("mdp", "tau"), check_monotone_bounds))
def battery_monotone_bounds(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """D5 over the seeded MDP suite at every suite temperature."""
    cases = _admitted(D5, seed, size, subjects)
    return fold(D5, (check_monotone_bounds(m, t, seed=seed + i, subjects=subjects) for i, m, t in cases))
