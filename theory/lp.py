"""The classical (τ = 0) optimal values by linear programming: an oracle independent of iteration.

    minimise Σ_s v(s)  subject to  v(s) >= r(s, a) + γ Σ_s' P(s'|s, a) v(s')  for all (s, a).

Its unique solution is V* of the unregularised MDP (Puterman 1994, §6.9; d'Epenoux 1963). Solved
with scipy.optimize.linprog (HiGHS), which shares no code with the soft solvers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from mdps.finite import FiniteMDP, check_infinite_horizon

__all__ = ["LP_FEASIBILITY_TOL", "classical_lp_values"]

#: HiGHS primal/dual feasibility tolerance requested. A constraint violated by ε moves V by at
#: most ε/(1 − γ), so compare LP values to others within about 10·ε·(1 + ‖V‖)/(1 − γ).
LP_FEASIBILITY_TOL = 1e-10


def classical_lp_values(mdp: FiniteMDP) -> np.ndarray:
    """Optimal classical values V* (τ = 0) of an infinite-horizon MDP by the primal LP.

    Args:
      mdp: infinite-horizon MDP (γ < 1).
    Returns:
      ``[S]`` V*.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP.
      ValueError: finite-horizon MDP.
      RuntimeError: the LP solver failed.
    """
    check_infinite_horizon(mdp)
    S, A = mdp.n_states, mdp.n_actions
    rows = mdp.P if mdp.is_sparse else sp.csr_array(mdp.P.reshape(S * A, S))
    # Constraint row s*A + a:  γ P(·|s,a)·v − v(s) <= −r(s, a).
    pick = sp.csr_array((np.ones(S * A), (np.arange(S * A), np.repeat(np.arange(S), A))), shape=(S * A, S))
    res = linprog(
        c=np.ones(S),
        A_ub=mdp.gamma * rows - pick,
        b_ub=-mdp.R.ravel(),
        bounds=(None, None),
        method="highs",
        options={
            "primal_feasibility_tolerance": LP_FEASIBILITY_TOL,
            "dual_feasibility_tolerance": LP_FEASIBILITY_TOL,
        },
    )
    if res.status != 0:
        raise RuntimeError(f"linprog failed on {mdp.name!r}: {res.message}")
    return res.x
