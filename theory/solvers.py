"""Exact soft solvers with certified error bounds: value iteration, policy iteration, their hybrid
(``soft_solve``), backward induction.

Every solver returns a :class:`SolveResult` whose ``error_bound`` is a certified sup-norm bound
on ``|q − q*|`` (and on ``|v − v*|``), including float64 round-off. ``tol`` is that certified
error, not the size of the last step.

Certification (MacQueen 1966; Porteus 1971), valid for the soft operator because it is monotone
and T(V + c) = TV + γc (Geist et al. 2019, Prop. 2; CLAIMS D5): with d = V_n − V_{n−1},

    V_n + γ/(1−γ)·min d  <=  V*  <=  V_n + γ/(1−γ)·max d.

The solvers return the midpoint of this bracket (its half-width is the error in V); Q is then
r + γ P V_mid, within γ·half-width of Q*. On terminal states (V = 0) T(V + c) = TV + γc fails;
the bracket stays valid there once min d <= 0 <= max d is enforced.

τ = 0 runs the classical solvers through the same code.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from mdps.finite import FiniteMDP
from mdps.validation import check_tau
from theory.bellman import KRYLOV_RTOL, _backup_as, _check_q, _evaluate_v, _state_value_as, _sweep
from theory.softmax import soft_indmax

__all__ = [
    "ConvergenceWarning",
    "SolveResult",
    "HANDOVER_SWEEPS",
    "soft_backward_induction",
    "soft_policy_iteration",
    "soft_solve",
    "soft_value_iteration",
]

_UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2


class ConvergenceWarning(RuntimeWarning):
    """An iterative solver stopped before certifying the requested tolerance."""


@dataclass(frozen=True, eq=False)
class SolveResult:
    """What every soft solver returns.

    Attributes:
      q: ``[S, A]`` soft Q (with ``horizon`` steps to go for backward induction).
      v: ``[S]`` soft state value F_τ(q) (0 on terminal states).
      policy: ``[S, A]`` Boltzmann policy of ``q`` (uniform over argmax at τ = 0).
      iterations: sweeps (value iteration), improvement steps (policy iteration) or stages.
      residuals: ``[iterations]`` sup-norm of V_n − V_{n−1} (value iteration, backward
        induction) or of T V^π − V^π (policy iteration), per iteration.
      error_bound: certified bound on ``max |q − q*|`` and ``max |v − v*|``, round-off included.
      converged: whether ``error_bound <= tol`` was reached.
    """

    q: np.ndarray
    v: np.ndarray
    policy: np.ndarray
    iterations: int
    residuals: np.ndarray
    error_bound: float
    converged: bool


def _roundoff(mdp: FiniteMDP, v: np.ndarray, tau: float) -> float:
    """Bound on the float64 error of one sweep V ↦ F_τ(r + γPV).

    The expectation sums at most k = ``max_successors`` products (error <= k·u·‖V‖, Higham's
    recursive-summation bound, u = 2⁻⁵³); the backup and the log-sum-exp over A actions add
    about (A + 8)·u relative to the largest magnitude in play, ‖r‖ + ‖V‖ + τ log A.
    """
    scale = np.abs(mdp.R).max() + np.abs(v).max() + tau * np.log(mdp.n_actions)
    return (mdp.max_successors + mdp.n_actions + 8) * _UNIT_ROUNDOFF * scale


def _check_solver_args(mdp: FiniteMDP, tau, tol, max_iter) -> float:
    if mdp.horizon is not None:
        raise ValueError(
            f"{mdp.name!r} is a finite-horizon MDP (horizon={mdp.horizon}); "
            "use soft_backward_induction, or build it without a horizon and with gamma < 1"
        )
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be finite and > 0, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter!r}")
    return check_tau(tau)


def _result(mdp, v_mid, tau, iterations, residuals, bound, converged) -> SolveResult:
    q_as = _backup_as(mdp, v_mid)
    return SolveResult(
        q=np.ascontiguousarray(q_as.T),
        v=_state_value_as(q_as, tau, mdp.terminal),
        policy=np.ascontiguousarray(soft_indmax(q_as, tau, axis=0).T),
        iterations=iterations,
        residuals=np.asarray(residuals),
        error_bound=float(bound),
        converged=converged,
    )


def _iterate_certified(mdp: FiniteMDP, tau: float, tol: float, max_iter: int, v0, advance, what: str):
    """Sweep from ``v0`` until the MacQueen–Porteus bracket around T v certifies ``tol``.

    Each iteration forms the bracket from (v, T v); if it is not tight enough,
    ``advance(v, T v, Q, residual)`` gives the next v (Q = r + γPv laid out ``[A, S]``, residual
    = ‖T v − v‖∞): T v itself for value iteration, the value of the improved policy for policy
    iteration, either one for the hybrid. The bracket holds for any v, so an inexact advance
    costs speed, never the certificate.
    """
    c = mdp.gamma / (1.0 - mdp.gamma)
    v = v0
    residuals: list[float] = []
    prev_hw = np.inf
    for n in range(1, max_iter + 1):
        q_as, v_next = _sweep(mdp, v, tau)
        d = v_next - v
        lo, hi = float(d.min()), float(d.max())
        if mdp.terminal.any():
            # T(V + c) = TV + γc fails on terminal states (pinned at 0); the bracket stays valid
            # with min d <= 0 <= max d (Porteus's argument applied to V + max(c, 0)).
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        residuals.append(max(-lo, hi))
        hw = c * (hi - lo) / 2
        v_mid = np.where(mdp.terminal, 0.0, v_next + c * (hi + lo) / 2)  # V* = 0 there, exactly
        slack = _roundoff(mdp, v_next, tau) / (1.0 - mdp.gamma)
        bound = mdp.gamma * hw + slack
        # Past the round-off floor the bracket stops shrinking: more sweeps cannot certify more.
        stalled = hw >= prev_hw and mdp.gamma * hw <= slack
        if bound <= tol or stalled:
            break
        prev_hw, v = hw, advance(v, v_next, q_as, residuals[-1])
    converged = bound <= tol
    if not converged:
        reason = (
            f"tol={tol:g} is below this problem's float64 round-off floor (about {slack:.3g})"
            if stalled
            else f"max_iter={max_iter} reached"
        )
        warnings.warn(
            f"{what} on {mdp.name!r} stopped unconverged: {reason}; certified error {bound:.3g}.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return _result(mdp, v_mid, tau, n, residuals, bound, converged)


#: soft_solve hands over from value to policy iteration when the bracket predicts more sweeps
#: than this. A Krylov policy evaluation costs some tens of products with P (a sweep is one
#: product plus the log-sum-exp), and policy iteration needs a handful of them.
HANDOVER_SWEEPS = 60


def _value_step(v, v_next, q_as, residual):
    """Value iteration's advance: V ← T V."""
    return v_next


def _policy_step(mdp: FiniteMDP, tau: float, tol: float):
    """Policy iteration's advance: π ← f_τ(Q), V ← V^π, from Q = r + γPV of the current V.

    The evaluation is exact for dense P and sparse LU; on the sparse Krylov path it is inexact
    Newton (Dembo, Eisenstat & Steihaug 1982): warm-started from V and stopped at a residual
    ‖b − Mx‖∞ <= (1 − γ)·max(residual²/(1 + ‖V‖∞), tol·(1 − γ)/4), quadratic forcing matched to
    Newton's quadratic rate, down to the accuracy the final bracket needs. The bracket is valid
    for any V, so this costs no certificate.
    """

    def step(v, v_next, q_as, residual):
        improved = np.ascontiguousarray(soft_indmax(q_as, tau, axis=0).T)
        floor = tol * (1.0 - mdp.gamma) / 4
        target = (1.0 - mdp.gamma) * max(residual**2 / (1.0 + np.abs(v).max()), floor)
        rtol = max(KRYLOV_RTOL, target / (1.0 + 2 * np.abs(v_next).max()))
        return _evaluate_v(mdp, improved, tau, x0=v, rtol=rtol)

    return step


def soft_value_iteration(
    mdp: FiniteMDP, tau, *, tol: float = 1e-10, max_iter: int = 100_000, q0=None
) -> SolveResult:
    """Soft value (Q-)iteration Q_{k+1} = T Q_k to a certified tolerance.

    T Q = r + γ P F_τ(Q); converges at rate γ because T is a γ-contraction in sup-norm.
    Source: seed deck, "Algorithm: Soft Q-Iteration"; Haarnoja et al. 2017, Theorem 3.
    Stopping: MacQueen–Porteus bracket (module docstring).

    Args:
      mdp: infinite-horizon MDP (γ < 1).
      tau: temperature τ >= 0.
      tol: certified sup-norm error wanted on q and v.
      max_iter: sweeps allowed; a :class:`ConvergenceWarning` is issued if they run out.
      q0: ``[S, A]`` starting Q (default 0).
    Returns:
      :class:`SolveResult`.
    """
    t = _check_solver_args(mdp, tau, tol, max_iter)
    v0 = np.zeros(mdp.n_states)
    if q0 is not None:
        v0 = _state_value_as(np.ascontiguousarray(_check_q(mdp, q0).T), t, mdp.terminal)

    return _iterate_certified(mdp, t, tol, max_iter, v0, _value_step, "soft_value_iteration")


def soft_policy_iteration(
    mdp: FiniteMDP, tau, *, tol: float = 1e-10, max_iter: int = 1_000, pi0=None
) -> SolveResult:
    """Soft policy iteration: exact evaluation, then π ← f_τ(Q^π), to a certified tolerance.

    Each step is Newton's method on the soft Bellman equation (Li et al. 2023): global rate γ,
    quadratic near the optimum. Source: seed deck, "Redefinition: policy improvement theorem";
    Haarnoja et al. 2017, Theorem 4 (App. A.1). Stopping: the MacQueen–Porteus bracket formed
    from V^π and T V^π (module docstring). Evaluation: dense LU; for sparse P, sparse LU up to
    ``theory.bellman.DIRECT_SOLVE_MAX_STATES`` states, above it matrix-free Jacobi-preconditioned
    BiCGSTAB warm-started from the previous values and stopped by an inexact-Newton forcing rule
    (``_policy_step``); memory linear in nnz(P).

    Args:
      mdp: infinite-horizon MDP (γ < 1).
      tau: temperature τ >= 0 (0: classical policy iteration with uniform tie-breaking).
      tol: certified sup-norm error wanted on q and v.
      max_iter: improvement steps allowed; a :class:`ConvergenceWarning` if they run out.
      pi0: ``[S, A]`` starting policy (default uniform).
    Returns:
      :class:`SolveResult`.
    """
    t = _check_solver_args(mdp, tau, tol, max_iter)
    pi0 = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions) if pi0 is None else pi0
    v0 = _evaluate_v(mdp, pi0, t)
    return _iterate_certified(mdp, t, tol, max_iter, v0, _policy_step(mdp, t, tol), "soft_policy_iteration")


def soft_solve(mdp: FiniteMDP, tau, *, tol: float = 1e-10, max_iter: int = 100_000) -> SolveResult:
    """The fastest certified solver here: value iteration that hands over to policy iteration.

    Runs certified soft value iteration (cheap sweeps; on fast-mixing MDPs the
    MacQueen–Porteus bracket closes in a few dozen sweeps whatever γ is) and, as soon as the
    bracket's observed contraction predicts more than ``HANDOVER_SWEEPS`` further sweeps,
    continues with soft policy iteration from the current values (a few Newton steps, each one
    Krylov or LU policy evaluation). The rule needs only the last two bracket widths w_{n−1},
    w_n: predicted sweeps = log(w_n/target)/log(w_{n−1}/w_n). Certification is the same bracket
    throughout (module docstring). Source: seed deck, "Algorithm: Soft Q-Iteration" and
    "Redefinition: policy improvement theorem"; Puterman 1994, §6.5 (modified policy
    iteration), MacQueen 1966, Porteus 1971.

    Args:
      mdp: infinite-horizon MDP (γ < 1).
      tau: temperature τ >= 0.
      tol: certified sup-norm error wanted on q and v.
      max_iter: sweeps plus improvement steps allowed; a :class:`ConvergenceWarning` if they
        run out.
    Returns:
      :class:`SolveResult`; ``iterations`` counts sweeps and improvement steps together.
    Raises:
      ValueError: finite-horizon MDP, tol not finite and > 0, max_iter not an integer >= 1.
    """
    t = _check_solver_args(mdp, tau, tol, max_iter)
    policy_step = _policy_step(mdp, t, tol)
    c = mdp.gamma / (1.0 - mdp.gamma)
    target = tol / c if c > 0 else np.inf  # the bracket width that certifies tol
    prev_span = np.inf  # bracket width max(T v − v) − min(T v − v) of the previous sweep
    handed_over = False

    def value_step_or_handover(v, v_next, q_as, residual):
        nonlocal prev_span, handed_over
        if not handed_over:
            d = v_next - v
            span = float(d.max() - d.min())
            if span > 0 and np.isfinite(prev_span):  # predicted sweeps: log(span/target)/−log(rate)
                rate = span / prev_span if prev_span > 0 else np.inf
                handed_over = rate >= 1 or np.log(span / target) > HANDOVER_SWEEPS * -np.log(rate)
            prev_span = span
            if not handed_over:
                return v_next
        return policy_step(v, v_next, q_as, residual)

    return _iterate_certified(
        mdp, t, tol, max_iter, np.zeros(mdp.n_states), value_step_or_handover, "soft_solve"
    )


def soft_backward_induction(mdp: FiniteMDP, tau, horizon: int | None = None) -> SolveResult:
    """Finite-horizon soft dynamic programming: V_H = 0, Q_t = r + γ P V_{t+1}, V_t = F_τ(Q_t).

    Exact in H sweeps (no iteration to converge); on an acyclic MDP whose paths reach a terminal
    state within H steps it returns the infinite-horizon soft optimum. Source: seed deck,
    "Maximum entropy monte-carlo planning" (softmax backup); CLAIMS D3.

    Args:
      mdp: any MDP (γ <= 1).
      tau: temperature τ >= 0.
      horizon: number of stages H (default ``mdp.horizon``).
    Returns:
      :class:`SolveResult` for the first stage (H steps to go); ``error_bound`` is the
      accumulated round-off of the H sweeps.
    """
    t = check_tau(tau)
    H = mdp.horizon if horizon is None else horizon
    if H is None or isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise ValueError(
            f"backward induction needs an integer horizon >= 1 (argument or mdp.horizon), "
            f"got horizon={horizon!r}, mdp.horizon={mdp.horizon!r}"
        )
    v = np.zeros(mdp.n_states)
    residuals = []
    for _ in range(int(H)):
        _, v_next = _sweep(mdp, v, t)
        residuals.append(float(np.abs(v_next - v).max()))
        v_prev, v = v, v_next
    # Each stage adds its own round-off; with γ <= 1 earlier errors are not amplified.
    bound = int(H) * _roundoff(mdp, v, t)
    return _result(mdp, v_prev, t, int(H), residuals, bound, True)
