"""Claims D3–D4 (slides "Algorithm: Soft Q-Iteration", "Redefinition: policy improvement theorem").

The solvers against each other: independent oracles, and policy iteration's rates.
D3: soft value iteration agrees with every independent method that applies to the instance:
soft policy iteration (exact linear solves, a different algorithm) and the hybrid soft_solve
(value iteration handing over to policy iteration); the one-state closed form
V = F_τ(r)/(1 − γ); backward induction on acyclic MDPs; at τ = 0 a linear program
(scipy.optimize.linprog, no shared code); for τ > 0 the reward-scale identity Q*_τ[r] = τ Q*_1[r/τ].
D4: soft policy iteration is Newton's method (rate γ, superlinear finish); modified policy
iteration with M evaluation sweeps converges at rate γ^M.
D1, D2, D5 (contraction, convergence of soft Q-iteration, the bracket) live in
:mod:`checks.iteration`, which owns the helpers ``NOISE_FLOOR`` and ``sweeps_needed`` used here.

Tolerance of each D3 comparison: the two certified error bounds plus float64 round-off,
64·eps·(1 + k)·(1 + ‖V‖) with ‖V‖ <= (‖r‖∞ + τ log A)/(1 − γ) and k successors per row;
for the LP, HiGHS's feasibility tolerance ε moves V by at most ε/(1 − γ), so 10·ε·(1 + ‖V‖)/(1 − γ).
D4 states its own in its docstring.
"""

from __future__ import annotations

import itertools

import numpy as np

from checks.base import (
    CheckResult,
    Claim,
    Probe,
    fold,
    instance_label,
    register,
    roundoff_tolerance,
    sup,
)
from checks.iteration import NOISE_FLOOR, sweeps_needed
from checks.subjects import OWN, Subjects, solver_comparisons, solver_tolerance
from checks.suite import mdp_cases
from mdps.finite import FiniteMDP
from theory.bellman import evaluate_policy
from theory.iterates import modified_policy_iteration_step, orbit, policy_iteration_step
from theory.lp import LP_FEASIBILITY_TOL, classical_lp_values
from theory.roundoff import roundoff
from theory.solvers import (
    exact_optimum,
    soft_backward_induction,
    soft_solve,
    value_scale,
)

__all__ = [
    "D3",
    "D4",
    "check_newton_policy_iteration",
    "check_oracles",
]


# ---------------------------------------------------------------------------------------------
# D3: independent oracles
# ---------------------------------------------------------------------------------------------
D3 = Claim(
    "D3",
    "soft VI = closed form / soft PI / backward induction / LP (τ=0) / Q*_τ[r] = τQ*_1[r/τ]",
    "seed deck, 'Algorithm: Soft Q-Iteration'; Haarnoja et al. 2017, Thm 3; CLAIMS D3",
    roles=("solver",),
    regularizer_free=True,
)


@D3.subjects()
def check_oracles(mdp: FiniteMDP, tau: float, *, subjects: Subjects = OWN) -> CheckResult:
    """D3 on one instance: the solver under test against every applicable oracle.

    The solver (``subjects.solver``; the project's own is soft value iteration) is asked for
    tol = ``solver_tolerance`` = 1e-10·(1 + ‖V‖) and compared with
    - soft policy iteration (``exact_optimum``: exact linear solves, certified to β; with the
      solver's own ``error_bound``, if it claims one: see ``checks.subjects.solver_comparisons``);
    - soft_solve (value iteration handing over to policy iteration), certified to β_h;
    - the one-state closed form V = F_τ(r)/(1 − γ); backward induction on acyclic MDPs (β_b);
    - at τ = 0, the linear program (scipy.optimize.linprog, HiGHS feasibility ε);
    - at τ > 0, the reward-scale identity Q*_τ[r] = τ·Q*_1[r/τ]: the solver asked again at τ = 1
      on the rescaled MDP (for its own tol₁ = ``solver_tolerance`` there, and kept honest against
      its own certified optimum); left out when the solver's conventions do not take τ = 1.
    The solver's error is taken as tol + β (never a bound it reports): each comparison allows
    tol + β + the oracle's certified error + round-off 64·eps·(1 + k)·(1 + ‖V‖), the LP
    10·ε·(1 + ‖V‖)/(1 − γ) in place of the latter two, the reward scale τ·(tol₁ + β₁) for the
    second answer.

    For another regulariser Ω of the problem (``subjects.regularizer``) every oracle is run
    for Ω: the closed form is (τΩ)*(r)/(1 − γ), the reward scale holds as well ((τΩ)*(q) =
    τΩ*(q/τ), so V/τ solves the τ = 1 equation for r/τ: derived here), and τ = 0 is the hard
    max for every Ω (the LP).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      subjects: the ``solver`` under test.
    Returns:
      CheckResult whose ``measured``/``tolerance`` are those of the oracle with the worst ratio;
      ``details["comparisons"]`` lists every oracle's (difference, allowance).
    """
    reg = subjects.regularizer
    tol = solver_tolerance(mdp, tau, reg)
    round_off = roundoff_tolerance(mdp, tau, reg)
    ref = exact_optimum(mdp, tau, reg)  # soft policy iteration
    res = subjects.solver(mdp, tau, tol)
    error = tol + ref.error_bound  # what the solver may be off by
    oracles: dict[str, tuple[float, float]] = dict(solver_comparisons(res, ref, tol, round_off))

    def compare(name, ours, theirs, allowed):
        oracles[name] = (float(np.abs(np.asarray(ours) - theirs).max()), float(allowed))

    hybrid = soft_solve(mdp, tau, tol=tol, regularizer=reg)
    compare(
        "soft_solve (value iteration handing over to policy iteration)",
        res.q,
        hybrid.q,
        error + hybrid.error_bound + round_off,
    )
    if mdp.n_states == 1 and not mdp.terminal[0]:
        closed = reg.value(mdp.R[0], tau) / (1 - mdp.gamma)
        compare("one-state closed form F(r)/(1-γ)", res.v[0], closed, error + round_off)
    if mdp.acyclic_depth is not None:
        bi = soft_backward_induction(mdp, tau, horizon=max(mdp.acyclic_depth, 1), regularizer=reg)
        compare("backward induction (acyclic)", res.q, bi.q, error + bi.error_bound + round_off)
    if tau == 0.0:
        lp_tol = 10 * LP_FEASIBILITY_TOL * (1 + value_scale(mdp, 0.0)) / (1 - mdp.gamma)
        compare("linear program (τ=0)", res.v, classical_lp_values(mdp), error + lp_tol)
    elif subjects.solver.accepts(None, 1.0):
        unit = FiniteMDP(mdp.P, mdp.R / tau, mdp.gamma, terminal=mdp.terminal, name=mdp.name)
        tol_unit = solver_tolerance(unit, 1.0, reg)
        ref_unit = exact_optimum(unit, 1.0, reg)
        scaled = subjects.solver(unit, 1.0, tol_unit)
        honest = solver_comparisons(scaled, ref_unit, tol_unit, roundoff_tolerance(unit, 1.0, reg))
        oracles.update({f"τ=1, r/τ: {name}": pair for name, pair in honest.items()})
        compare(
            "reward scale τ·Q*_1[r/τ]",
            res.q,
            tau * scaled.q,
            error + tau * (tol_unit + ref_unit.error_bound) + round_off,
        )

    return D3.worst_of(oracles, {"instance": instance_label(mdp, tau), "tol": tol})


@register(D3, probe=Probe(("mdp", "tau"), check_oracles))
def battery_oracles(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """D3 over the seeded MDP suite at every suite temperature."""
    cases = subjects.admit(D3, mdp_cases(seed, size))
    return fold(D3, (check_oracles(m, t, subjects=subjects) for m, t in cases))


# ---------------------------------------------------------------------------------------------
# D4: soft policy iteration is Newton's method; modified policy iteration's rate γ^M
# ---------------------------------------------------------------------------------------------
D4 = Claim(
    "D4",
    "soft PI: e_{k+1} ≤ γ e_k, e_{k+1}/e_k → 0 (Newton); M-sweep modified PI: tail rate ≤ γ^M",
    "seed deck, 'Redefinition: policy improvement theorem'; Cen et al. 2022, §4.2.1 and Thm 3; "
    "Li et al. 2023 (arXiv 2310.07211)",
    roles=("policy_improvement",),
)

#: MPI tail window: errors in [1e-10, 1e-3]·(1 + ‖V‖), past the transient and above rounding.
_TAIL_WINDOW = (1e-10, 1e-3)
#: At most this many MPI errors inside the window are used (enough for a geometric mean).
_TAIL_STEPS = 200
#: Evaluation sweeps per improvement tried for modified policy iteration.
_MPI_SWEEPS = (1, 2, 3, 5)
#: Slack on the MPI tail rate (theory-notes §7b: observed 0.8998 for γ = 0.9, M = 1).
_MPI_RATE_SLACK = 0.01
#: The last SPI step from an error above the floor must shrink it by SUPERLINEAR·γ at least.
_SUPERLINEAR = 1e-2


def _newton_rate(gamma: float, sweeps: int) -> float:
    """Asymptotic rate of M-sweep modified policy iteration: γ^M (Li et al. 2023)."""
    return gamma**sweeps


def _soft_pi_errors(mdp, tau, v_star, pi, improve, floor, max_iter=100) -> list[float]:
    """e_k = ‖V^{π_k} − V*‖ of soft PI (π_{k+1} = improve(Q^{π_k}, τ)) until e_k <= floor."""
    errors = []
    step = policy_iteration_step(mdp, tau, improve=improve)
    for ev in itertools.islice(orbit(step, evaluate_policy(mdp, pi, tau)), max_iter):
        errors.append(sup(ev.v - v_star))
        if errors[-1] <= floor:
            break
    return errors


def _modified_pi_errors(mdp, tau, v_star, v, improve, sweeps, window, max_iter) -> list[float]:
    """e_k = ‖v_k − V*‖ of modified PI: π = improve(r + γPv_k, τ), v_{k+1} = (T_π)^M v_k.

    Stops below the tail window ``(low, high)``, or after ``_TAIL_STEPS`` errors inside it.
    """
    low, high = window
    errors = []
    inside = 0
    step = modified_policy_iteration_step(mdp, tau, sweeps, improve=improve)
    for k, v in enumerate(itertools.islice(orbit(step, v), max_iter + 1)):
        errors.append(sup(v - v_star))
        if k == 0:
            continue
        inside += low <= errors[-1] <= high
        if errors[-1] < low or inside > _TAIL_STEPS:
            break
    return errors


def _tail_rate(errors: list[float], low: float, high: float) -> float | None:
    """Geometric mean of e_{k+1}/e_k over consecutive errors both in [low, high] (None if none)."""
    e = np.asarray(errors)
    inside = (e >= low) & (e <= high)
    steps = np.flatnonzero(inside[:-1] & inside[1:])
    if steps.size == 0:
        return None
    return float(np.exp(np.mean(np.log(e[steps + 1] / e[steps]))))


@D4.subjects("claimed_rate")
def check_newton_policy_iteration(
    mdp: FiniteMDP,
    tau: float,
    *,
    seed: int = 0,
    subjects: Subjects = OWN,
    claimed_rate=_newton_rate,
    tol: float | None = None,
) -> CheckResult:
    """D4 on one instance: soft PI's global rate γ and superlinear finish; MPI's rate γ^M.

    Soft PI from a random policy π₀ (exact evaluation, π_{k+1} = f_τ(Q^{π_k})) records
    e_k = ‖V^{π_k} − V*‖ until e_k <= 1e-9·(1 + ‖V‖). Sub-measurements (error units):
    - rate γ: max_k e_{k+1} − γ e_k (Cen et al. 2022, §4.2.1: SPI contracts at rate γ);
    - Newton finish: e_K − 0.01·γ·e_{K−1} at the last step taken from above the floor. Newton's
      ratio e_{k+1}/e_k <= C e_k → 0 (quadratic; Cen et al. Thm 3, Li et al. 2023), while an
      iteration converging linearly at rate about γ keeps ratios near γ: 100x below γ
      separates the two (theory-notes §7a: errors 3.2, 1.1e−2, 4.1e−7, 1e−14).
    Both allow slack 2e* + 64·eps·(1 + S)·(1 + ‖V‖)/(1 − γ): the certified error of V* and the
    round-off of a linear solve with condition number <= (1 + γ)/(1 − γ).
    Modified PI with M = 1, 2, 3, 5 sweeps (π = f_τ(r + γPv), v ← (T_π)^M v) from V^{π₀}:
    the tail rate, the geometric mean of e_{k+1}/e_k over consecutive errors in
    [1e-10, 1e-3]·(1 + ‖V‖) (the first 200 such errors), must be <= γ^M + 0.01 (Li et al.
    2023; theory-notes §7b: observed 0.8998, 0.8098, 0.7289, 0.5904 at γ = 0.9). Near V*,
    e_{k+1} <= γ^M e_k + O(e_k²), because T_π^M is a γ^M-contraction and T_π^M V* − V* <= 0
    is second order. An M whose errors jump over the window (γ^M tiny) has no tail to measure
    and is listed as such.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      seed: seeds the random starting policy.
      subjects: the ``policy_improvement`` under test, π = f_τ(q) row-wise,
        ``(q [S, A], tau) -> pi [S, A]``, the improvement step of both soft PI and MPI.
      claimed_rate: ``claimed_rate(gamma, M)``, the MPI rate under test (γ^M).
      tol: replaces every sub-measurement's allowance when given.
    Returns:
      CheckResult of the sub-measurement with the worst margin; ``details`` has the SPI error
      sequence, the fitted orders log e_{k+1}/log e_k (errors relative to 1 + ‖V‖) and the MPI
      tail rates.
    """
    improve = subjects.policy_improvement
    gamma = mdp.gamma
    scale = 1 + value_scale(mdp, tau)
    floor = NOISE_FLOOR * scale
    star = exact_optimum(mdp, tau)
    # operations: the S-term rows of each exact policy evaluation (a linear solve, amplified by
    # 1/(1 − γ)), and one more; magnitude: 1 + ‖V‖
    slack = 2 * star.error_bound + roundoff(1 + mdp.n_states, scale) / (1 - gamma)
    allowed = slack if tol is None else tol
    pi0 = np.random.default_rng(seed).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)

    errors = _soft_pi_errors(mdp, tau, star.v, pi0, improve, floor)
    e = np.asarray(errors)
    cases: dict[str, tuple[float, float]] = {}
    if e.size > 1:
        cases["soft PI: e_{k+1} − γ e_k"] = (float(np.max(e[1:] - gamma * e[:-1])), allowed)
        cases["soft PI: Newton finish e_K − 0.01γ e_{K−1}"] = (
            float(e[-1] - _SUPERLINEAR * gamma * e[-2]),
            allowed,
        )
    with np.errstate(divide="ignore"):  # an error of exactly 0 has order +inf
        rel = np.log(e / scale)
    orders = [float(rel[k + 1] / rel[k]) for k in range(e.size - 1) if rel[k] < 0]

    v0 = evaluate_policy(mdp, pi0, tau).v
    low, high = (w * scale for w in _TAIL_WINDOW)
    tail_rates: dict[int, float | None] = {}
    for m in _MPI_SWEEPS:
        budget = sweeps_needed(gamma**m, max(errors[0], high), low) + 20
        rate = _tail_rate(
            _modified_pi_errors(mdp, tau, star.v, v0, improve, m, (low, high), budget), low, high
        )
        tail_rates[m] = rate
        if rate is not None:
            claim = claimed_rate(gamma, m)
            cases[f"MPI M={m}: tail rate − γ^M"] = (rate - claim, _MPI_RATE_SLACK if tol is None else tol)

    if not cases:  # γ = 0 and π₀ optimal: nothing iterates
        cases["nothing to iterate"] = (0.0, allowed)
    return D4.worst_of(
        cases,
        {
            "instance": instance_label(mdp, tau),
            "spi_errors": errors,
            "spi_orders": orders,
            "mpi_tail_rates": tail_rates,
            "mpi_claimed_rates": {m: claimed_rate(gamma, m) for m in _MPI_SWEEPS},
        },
    )


@register(D4, probe=Probe(("mdp", "tau"), check_newton_policy_iteration))
def battery_newton_policy_iteration(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """D4 over the seeded MDP suite at every suite temperature (case i seeded with seed + i, its
    index in the whole suite, whichever cases the subjects' conventions leave out)."""
    cases = [(i, m, t) for i, (m, t) in enumerate(mdp_cases(seed, size))]
    cases = subjects.admit(D4, cases, key=lambda case: case[1:])
    return fold(
        D4,
        (check_newton_policy_iteration(m, t, seed=seed + i, subjects=subjects) for i, m, t in cases),
    )
