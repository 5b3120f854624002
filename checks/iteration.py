"""Claims D (slides "Algorithm: Soft Q-Iteration"): soft value iteration against independent oracles.

D3: soft value iteration agrees with every independent method that applies to the instance:
soft policy iteration (exact linear solves, a different algorithm); the one-state closed form
V = F_τ(r)/(1 − γ); backward induction on acyclic MDPs; at τ = 0 a linear program
(scipy.optimize.linprog, no shared code); for τ > 0 the reward-scale identity Q*_τ[r] = τ Q*_1[r/τ].

Tolerance of each comparison: the two certified error bounds plus float64 round-off,
64·eps·(1 + k)·(1 + ‖V‖) with ‖V‖ <= (‖r‖∞ + τ log A)/(1 − γ) and k successors per row;
for the LP, HiGHS's feasibility tolerance ε moves V by at most ε/(1 − γ), so 10·ε·(1 + ‖V‖)/(1 − γ).
"""

from __future__ import annotations

import numpy as np

from checks.base import CheckResult, Claim, fold, register, roundoff_tolerance, value_scale
from checks.suite import mdp_suite, temperature_suite
from mdps.finite import FiniteMDP
from theory.lp import LP_FEASIBILITY_TOL, classical_lp_values
from theory.softmax import soft_value
from theory.solvers import soft_backward_induction, soft_policy_iteration, soft_value_iteration

__all__ = ["D3", "check_oracles"]

D3 = Claim(
    "D3",
    "soft VI = closed form / soft PI / backward induction / LP (τ=0) / Q*_τ[r] = τQ*_1[r/τ]",
    "seed deck, 'Algorithm: Soft Q-Iteration'; Haarnoja et al. 2017, Thm 3; CLAIMS D3",
)


def check_oracles(
    mdp: FiniteMDP, tau: float, *, solver=soft_value_iteration, tol: float | None = None
) -> CheckResult:
    """D3 on one instance: ``solver`` (soft value iteration) against every applicable oracle.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      solver: the solver under test, ``solver(mdp, tau, tol=...) -> SolveResult`` (a negative
        control passes a broken one).
      tol: certified accuracy asked of every solver (default 1e-10·(1 + ‖V‖)).
    Returns:
      CheckResult whose ``measured``/``tolerance`` are those of the oracle with the worst ratio;
      ``details["oracles"]`` lists every comparison.
    """
    tol = 1e-10 * (1 + value_scale(mdp, tau)) if tol is None else tol
    round_off = roundoff_tolerance(mdp, tau)
    res = solver(mdp, tau, tol=tol)
    oracles: dict[str, tuple[float, float]] = {}  # name -> (|difference|, allowed)

    def compare(name, ours, theirs, allowed):
        oracles[name] = (float(np.abs(np.asarray(ours) - theirs).max()), float(allowed))

    pi = soft_policy_iteration(mdp, tau, tol=tol)
    compare("soft policy iteration", res.q, pi.q, res.error_bound + pi.error_bound + round_off)
    if mdp.n_states == 1 and not mdp.terminal[0]:
        closed = soft_value(mdp.R[0], tau) / (1 - mdp.gamma)
        compare("one-state closed form F(r)/(1-γ)", res.v[0], closed, res.error_bound + round_off)
    if mdp.acyclic_depth is not None:
        bi = soft_backward_induction(mdp, tau, horizon=max(mdp.acyclic_depth, 1))
        compare("backward induction (acyclic)", res.q, bi.q, res.error_bound + bi.error_bound + round_off)
    if tau == 0.0:
        lp_tol = 10 * LP_FEASIBILITY_TOL * (1 + value_scale(mdp, 0.0)) / (1 - mdp.gamma)
        compare("linear program (τ=0)", res.v, classical_lp_values(mdp), res.error_bound + lp_tol)
    else:
        unit = FiniteMDP(mdp.P, mdp.R / tau, mdp.gamma, terminal=mdp.terminal, name=mdp.name)
        scaled = solver(unit, 1.0, tol=tol / tau)
        compare(
            "reward scale τ·Q*_1[r/τ]",
            res.q,
            tau * scaled.q,
            res.error_bound + tau * scaled.error_bound + round_off,
        )

    name, (measured, allowed) = max(oracles.items(), key=lambda kv: kv[1][0] / kv[1][1])
    return D3.result(
        measured=measured,
        tolerance=allowed,
        cases=1,
        details={"instance": f"{mdp.name}, tau={tau:g}", "worst_oracle": name, "oracles": oracles},
    )


@register(D3)
def battery_oracles(*, seed: int, size: str) -> CheckResult:
    """D3 over the seeded MDP suite at every suite temperature."""
    return fold(D3, (check_oracles(m, t) for m in mdp_suite(seed, size) for t in temperature_suite(size)))
