"""Exact soft solvers with certified error bounds: value iteration, policy iteration, their hybrid
(``soft_solve``), backward induction.

Every solver returns a :class:`SolveResult` whose ``error_bound`` is a certified sup-norm bound
on ``|q − q*|`` and ``|v − v*|``, where q*, v* are the exact soft optimum of the MDP *as
stored* (its float64 numbers read as exact reals), float64 round-off included. ``tol`` is that
certified error, not the size of the last step. When the bound cannot reach ``tol`` (float64
cannot resolve the answer that finely, or ``max_iter`` runs out) the result says so:
``converged=False``, the reason in ``message``, a ``ConvergenceWarning``, and the honest bound.

**The bracket** (MacQueen 1966; Porteus 1971; CLAIMS D5), extended to rows that do not sum to 1
exactly. Let δ bound |Σ_s' P(s'|s,a) − 1| in exact arithmetic (``FiniteMDP.row_sum_defect``;
rows are accepted within 1e-10, and decimal rows such as 0.9/0.1 are off by ~1e-17). T is
monotone, and for a constant c, T(V + c) − TV lies between γ(1 − δ)c and γ(1 + δ)c (the order
depending on the sign of c): a bounded shift, which is all Porteus's argument needs. With
β± = γ(1 ± δ) < 1 and κ(β) = β/(1 − β), put

    φ(x) = κ(β₊)x for x >= 0, κ(β₋)x for x < 0     (the upper offset)
    ψ(x) = κ(β₋)x for x >= 0, κ(β₊)x for x < 0     (the lower offset).

If d = TV − V has max d = hi and min d = lo, then T(TV + φ(hi)) <= TV + φ(hi) and
T(TV + ψ(lo)) >= TV + ψ(lo), so by monotonicity and the contraction (modulus β₊)

    TV + ψ(lo)  <=  V*  <=  TV + φ(hi).

With δ = 0 this is the classical γ/(1 − γ) bracket. On terminal states (V = 0 for every V)
T(V + c) = TV there, and the bracket stays valid once lo <= 0 <= hi is enforced.

**Round-off.** The bracket holds for *any* V, so round-off accumulated over earlier sweeps costs
speed, never the certificate; only the last sweep's error matters. The computed T̂V differs
from TV by at most ρ (:func:`_sweep_roundoff`), so hi <= ĥi + ε and lo >= l̂o − ε with
ε = ρ + u·‖d̂‖, and V* lies in [T̂V − ρ + ψ(l̂o − ε), T̂V + ρ + φ(ĥi + ε)]. The solver returns
the midpoint v_mid (its half-width w plus the rounding of the midpoint bounds |v_mid − V*|),
then q = r + γP v_mid and v = F_τ(q): both within β₊·w + ρ(v_mid) of Q*, V* (F_τ is
1-Lipschitz in the sup-norm). Near γ = 1 the offsets multiply ε by about 1/(1 − γ): that
is the float64 floor below which no tolerance can be certified, and the solvers stop there.

τ = 0 runs the classical solvers through the same code.

**Other regularisers.** Every solver takes ``regularizer=`` (default Shannon entropy): the
sweep's value is then (τΩ)* and the policy step its greedy policy. The bracket needs only that T
is monotone with T(V + c) − TV between γ(1 ∓ δ)c, true of every regularised operator (Geist,
Scherrer, Pietquin 2019: (τΩ)* is monotone and commutes with adding a constant, and is
1-Lipschitz in the sup-norm, being a max of averages), so the certificate carries over; the
round-off of the regulariser's kernel enters ρ through :meth:`Regularizer.value_roundoff`, and
the a-priori scale M through the range (L, U) of Ω (:func:`value_scale`).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from mdps.finite import FiniteMDP, check_mdp
from mdps.validation import check_int, check_policy, check_real, check_tau
from theory.bellman import (
    KRYLOV_RTOL,
    backup_as,
    check_q,
    check_regularizer,
    evaluate_policy_v,
    state_value_as,
)
from theory.iterates import Sweep, modified_policy_iteration_step, orbit, sweep
from theory.regularizers import SHANNON, Regularizer
from theory.roundoff import UNIT_ROUNDOFF

__all__ = [
    "ConvergenceWarning",
    "SolveResult",
    "HANDOVER_SWEEPS",
    "attainable_tolerance",
    "exact_optimum",
    "exact_tolerance",
    "soft_backward_induction",
    "soft_modified_policy_iteration",
    "soft_policy_iteration",
    "soft_solve",
    "soft_value_iteration",
    "value_scale",
]

#: The default ``tol`` is relative: this times 1 + M, M = (‖r‖∞ + τ log A)/(1 − γ) the a-priori
#: bound on ‖V*‖∞ (:func:`value_scale`), so that an exact answer of any magnitude certifies
#: without a warning.
DEFAULT_RTOL = 1e-10


class ConvergenceWarning(RuntimeWarning):
    """An iterative solver stopped before certifying the requested tolerance."""


@dataclass(frozen=True, eq=False)
class SolveResult:
    """What every soft solver returns.

    Attributes:
      q: ``[S, A]`` soft Q (with ``horizon`` steps to go for backward induction).
      v: ``[S]`` soft state value F_τ(q) (0 on terminal states).
      policy: ``[S, A]`` greedy policy of ``q``: the Boltzmann policy for Shannon entropy,
        the regulariser's ∇(τΩ)* otherwise (uniform over argmax at τ = 0).
      iterations: sweeps (value iteration), improvement steps (policy iteration) or stages.
      residuals: ``[iterations]`` sup-norm of V_n − V_{n−1} (value iteration, backward
        induction) or of T V^π − V^π (policy iteration), per iteration.
      error_bound: certified bound on ``max |q − q*|`` and ``max |v − v*|``, round-off and the
        rows' summation defect included (module docstring); ``inf`` when nothing can be
        certified.
      converged: whether ``error_bound <= tol`` was reached.
      tol: the certified error that was asked for (the default resolved to a number).
      message: why the solver stopped, in words.
    """

    q: np.ndarray
    v: np.ndarray
    policy: np.ndarray
    iterations: int
    residuals: np.ndarray
    error_bound: float
    converged: bool
    tol: float
    message: str


def value_scale(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> float:
    """M = (‖r‖∞ + τ·max(U, −L))/(1 − γ), or H·(‖r‖∞ + τ·max(U, −L)) for an MDP with a
    horizon H, where (L, U) is the range of Ω (τ log A for Shannon entropy): the a-priori bound
    on ‖V‖∞ of any policy's soft value, V* included (and on every iterate of value iteration
    from 0). Derived here: a step's regularised reward r_π − τΩ(π) lies in
    [−‖r‖ − τU, ‖r‖ − τL] (Geist et al. 2019 bound the regularised values the same way).

    Raises:
      ValueError: M exceeds the float64 range (no float64 solver can represent the values).
    """
    low, high = regularizer.bounds(mdp.n_actions)
    per_step = np.abs(mdp.R).max() + tau * max(high, -low)
    with np.errstate(over="ignore"):
        m = per_step * mdp.horizon if mdp.horizon is not None else per_step / (1.0 - mdp.gamma)
    if not np.isfinite(m):
        steps = "·H" if mdp.horizon is not None else "/(1 - gamma)"
        raise ValueError(
            f"the soft values of {mdp.name!r} may exceed the float64 range: (max|r| + tau log A){steps} "
            f"overflows (max|r| = {np.abs(mdp.R).max():.3g}, tau = {tau:.3g}, gamma = {mdp.gamma!r})"
        )
    return float(m)


def attainable_tolerance(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> float:
    """A certified accuracy the solvers reach on ``mdp`` at τ: DEFAULT_RTOL·(1 + M), raised to
    the float64 floor where that is larger (tiny or huge τ, γ near 1).

    The floor, a priori: the bound of the module docstring is at least ρ(1 + 2κ) with ρ the
    round-off of a sweep (:func:`_sweep_roundoff`) at ‖V‖ <= 2M + 1 (iterates and the midpoint
    stay within M of V*, plus the rounding), κ = γ/(1 − γ); 8ρ(1 + 1/(1 − γ)) clears it with
    room for the bracket's own half-width. Used to ask a solver for something it can deliver.
    """
    scale = value_scale(mdp, tau, regularizer)
    floor = 8 * _sweep_roundoff(mdp, 2 * scale + 1, tau, regularizer) * (1 + 1 / (1 - mdp.gamma))
    return max(DEFAULT_RTOL * (1.0 + scale), floor)


def _sweep_roundoff(mdp: FiniteMDP, v_norm: float, tau: float, regularizer: Regularizer) -> float:
    """ρ: bound on |fl(T V) − T V| for one sweep V ↦ (τΩ)*(r + γPV) with ‖V‖∞ <= ``v_norm``.

    Derivation (u = 2⁻⁵³, ``theory.roundoff.UNIT_ROUNDOFF``; k = ``max_successors``, δ = ``row_sum_defect``):
    - the expectation PV sums k products in any order: error <= k·u·Σ_s' P|V| <= k u (1 + δ)‖V‖
      (Higham 2002, §3.1; exact zeros of a dense row add no error);
    - γ·(PV) and + r round once each: u·(‖r‖ + 2(1 + δ)‖V‖), so ‖q‖ <= ‖r‖ + (1 + δ)‖V‖ carries
      u(‖r‖ + (k + 2)(1 + δ)‖V‖);
    - the regulariser's kernel on q: :meth:`Regularizer.value_roundoff` (for Shannon entropy,
      the max-shifted log-sum-exp: u(τ(2A + 7 + 7 log A) + ‖q‖));
    - (τΩ)* is 1-Lipschitz in the sup-norm, so the backup's error passes through unamplified.
    The factor 1.01 absorbs the second-order terms. At τ = 0 the max is exact; the formula
    stays a (slight) overestimate there.
    """
    delta = mdp.row_sum_defect
    r_norm = float(np.abs(mdp.R).max())
    backup = UNIT_ROUNDOFF * ((mdp.max_successors + 2) * (1 + delta) * v_norm + r_norm)
    q_norm = r_norm + (1 + delta) * v_norm
    return 1.01 * (backup + regularizer.value_roundoff(mdp.n_actions, tau, q_norm))


def _check_solver_args(mdp: FiniteMDP, tau, tol, max_iter, regularizer) -> tuple[float, float]:
    """Validate the common arguments; return (τ, tol) with the default tol resolved."""
    check_mdp(mdp)
    if mdp.horizon is not None:
        raise ValueError(
            f"{mdp.name!r} is a finite-horizon MDP (horizon={mdp.horizon}); "
            "use soft_backward_induction, or build it without a horizon and with gamma < 1"
        )
    t = check_tau(tau)
    check_int(max_iter, "max_iter", low=1)
    check_regularizer(regularizer, mdp.n_actions)
    scale = value_scale(mdp, t, regularizer)
    if tol is None:
        return t, DEFAULT_RTOL * (1.0 + scale)
    return t, check_real(tol, "tol", low=0.0, open_low=True)


def _result(
    mdp, v_mid, tau, regularizer, iterations, residuals, bound, converged, tol, message
) -> SolveResult:
    q_as = backup_as(mdp, v_mid)
    return SolveResult(
        q=np.ascontiguousarray(q_as.T),
        v=state_value_as(q_as, tau, mdp.terminal, regularizer),
        policy=np.ascontiguousarray(regularizer.greedy_first_axis(q_as, tau).T),
        iterations=iterations,
        residuals=np.asarray(residuals),
        error_bound=float(bound),
        converged=converged,
        tol=float(tol),
        message=message,
    )


class _Bracket:
    """The defect- and round-off-aware MacQueen–Porteus bracket of the module docstring."""

    def __init__(self, mdp: FiniteMDP, tau: float, regularizer: Regularizer) -> None:
        self.mdp, self.tau, self.regularizer = mdp, tau, regularizer
        delta = mdp.row_sum_defect
        gamma = mdp.gamma
        # β± = γ(1 ± δ) and 1 − β± = (1 − γ) ∓ γδ, formed so that δ ~ 1e-17 is not lost to
        # rounding 1 ± δ to 1.0 (1 − γ is exact for γ >= 1/2, Sterbenz); κ(β) = β/(1 − β) is then
        # rounded up by a few ulps (it multiplies everything else).
        self.beta_hi = gamma + gamma * delta
        gap_hi, gap_lo = (1.0 - gamma) - gamma * delta, (1.0 - gamma) + gamma * delta
        inflate = 1.0 + 8 * UNIT_ROUNDOFF
        self.certifiable = gap_hi > 0.0
        self.k_hi = self.beta_hi / gap_hi * inflate if self.certifiable else np.inf
        self.k_lo = (gamma - gamma * delta) / gap_lo * inflate

    def offsets(self, hi: float, lo: float) -> tuple[float, float]:
        """(upper, lower) offsets φ(hi), ψ(lo) of V* from TV, before round-off."""
        up = self.k_hi * hi if hi >= 0 else self.k_lo * hi
        down = self.k_lo * lo if lo >= 0 else self.k_hi * lo
        return up, down

    def __call__(self, v: np.ndarray, v_next: np.ndarray):
        """From V and the computed T̂V: (v_mid, its certified error on q and v, the bracket's
        half-width before round-off, the round-off floor of the bound)."""
        mdp = self.mdp
        if not self.certifiable:
            return v_next, np.inf, np.inf, np.inf
        d = v_next - v
        hi, lo = float(d.max()), float(d.min())
        if mdp.terminal.any():
            # T(V + c) = TV on terminal states (pinned at 0): keep lo <= 0 <= hi (docstring).
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        v_norm = float(max(np.abs(v).max(), np.abs(v_next).max()))
        rho = _sweep_roundoff(mdp, v_norm, self.tau, self.regularizer)
        eps = rho + UNIT_ROUNDOFF * max(hi, -lo) * 1.01
        up, down = self.offsets(hi + eps, lo - eps)
        up, down = up + rho, down - rho
        center = (up + down) / 2
        v_mid = np.where(mdp.terminal, 0.0, v_next + center)  # V* = 0 there, exactly
        # The midpoint's own rounding: |fl(T̂V + c) − (T̂V + c)| <= u|v_mid|, and up, down,
        # center each carry a few ulps of their size.
        half = (up - down) / 2 + UNIT_ROUNDOFF * (2 * float(np.abs(v_mid).max()) + 4 * (abs(up) + abs(down)))
        # q, v from v_mid:
        final = _sweep_roundoff(mdp, float(np.abs(v_mid).max()), self.tau, self.regularizer)
        bound = self.beta_hi * half + final
        exact_up, exact_down = self.offsets(hi, lo)
        floor = bound - self.beta_hi * (exact_up - exact_down) / 2
        return v_mid, bound, (exact_up - exact_down) / 2, floor


#: The solvers stop when this many iterations in a row gave no smaller certified bound while
#: the best bound is within STALL_FLOORS times the round-off floor: the iterates have settled
#: (e.g. policy iteration on a policy that no longer changes) where rounding decides, and cannot
#: certify more. Far above the floor policy iteration's bound may grow for a few steps (a policy
#: switch moves V^π a long way), so the rule does not apply there.
STALL_ITERATIONS = 5
STALL_FLOORS = 10


def _iterate_certified(
    mdp: FiniteMDP, tau: float, regularizer: Regularizer, tol: float, max_iter: int, v0, advance, what: str
):
    """Sweep from ``v0`` until the bracket around T v certifies ``tol``.

    The iterates are the orbit (:func:`theory.iterates.orbit`) of :class:`theory.iterates.Sweep`
    records (v, Q = r + γPv laid out ``[A, S]``, T v), each next v given by ``advance(sweep)``:
    T v itself for value iteration, the value of the improved policy for policy iteration,
    (T_π)^M v for modified policy iteration, one or the other for the hybrid. Each iteration
    forms the bracket from (v, T v). The bracket holds for any v, so an inexact advance costs
    speed, never the certificate.
    """
    bracket = _Bracket(mdp, tau, regularizer)
    residuals: list[float] = []
    prev_hw = np.inf
    best_bound, best_v, since_best = np.inf, None, 0
    stalled = False
    step = lambda s: sweep(mdp, advance(s), tau, regularizer)  # noqa: E731
    for n, s in enumerate(orbit(step, sweep(mdp, v0, tau, regularizer)), start=1):
        if not np.isfinite(s.tv).all():
            raise ValueError(
                f"{what} on {mdp.name!r}: a sweep left the float64 range (max|V| > 1.8e308); "
                "rescale the rewards or the temperature"
            )
        residuals.append(float(np.abs(s.tv - s.v).max()))
        v_mid, bound, hw, floor = bracket(s.v, s.tv)
        if bound < best_bound or best_v is None:
            best_bound, best_v, since_best = bound, v_mid, 0
        else:
            since_best += 1
        # Past the round-off floor the bracket stops shrinking: more sweeps cannot certify more.
        # Policy steps can also settle on one iterate just above the floor (at τ = 0 the policy
        # stops changing): near the floor, no smaller bound in STALL_ITERATIONS iterations stops
        # them as well. (Far above it, policy iteration's bound need not shrink at every step.)
        settled = since_best >= STALL_ITERATIONS and best_bound <= STALL_FLOORS * floor
        stalled = (hw >= prev_hw and bracket.beta_hi * hw <= floor) or settled
        if bound <= tol or stalled or not bracket.certifiable or n == max_iter:
            break
        prev_hw = hw
    # The best certified iterate (the last one, whenever the bound kept shrinking).
    bound, v_mid = best_bound, best_v
    converged = bool(bound <= tol)
    if converged:
        message = f"certified: error <= {bound:.3g} <= tol = {tol:.3g}"
    else:
        if not bracket.certifiable:
            reason = (
                "gamma·(1 + row-sum defect) >= 1: the operator of the MDP as "
                "stored is not a contraction, so no bound can be certified"
            )
        elif stalled:
            reason = (
                f"tol={tol:g} is below what float64 resolves on this problem (round-off floor about "
                f"{floor:.3g}; the bound stopped shrinking)"
            )
        else:
            reason = f"max_iter={max_iter} reached"
        message = f"not certified: {reason}; certified error {bound:.3g}"
        warnings.warn(
            f"{what} on {mdp.name!r} stopped unconverged: {message}.", ConvergenceWarning, stacklevel=3
        )
    return _result(mdp, v_mid, tau, regularizer, n, residuals, bound, converged, tol, message)


#: soft_solve hands over from value to policy iteration when the bracket predicts more sweeps
#: than this. A Krylov policy evaluation costs some tens of products with P (a sweep is one
#: product plus the log-sum-exp), and policy iteration needs a handful of them.
HANDOVER_SWEEPS = 60


def _value_step(s: Sweep) -> np.ndarray:
    """Value iteration's advance: V ← T V."""
    return s.tv


def _policy_step(mdp: FiniteMDP, tau: float, tol: float, regularizer: Regularizer):
    """Policy iteration's advance: π ← ∇(τΩ)*(Q), V ← V^π, from Q = r + γPV of the current V.

    The evaluation is exact for dense P and sparse LU; on the sparse Krylov path it is inexact
    Newton (Dembo, Eisenstat & Steihaug 1982): warm-started from V and stopped at a residual
    ‖b − Mx‖∞ <= (1 − γ)·max(residual²/(1 + ‖V‖∞), tol·(1 − γ)/4), quadratic forcing matched to
    Newton's quadratic rate, down to the accuracy the final bracket needs. The bracket is valid
    for any V, so this costs no certificate.
    """

    def step(s: Sweep) -> np.ndarray:
        improved = np.ascontiguousarray(regularizer.greedy_first_axis(s.q_as, tau).T)
        residual = float(np.abs(s.tv - s.v).max())
        floor = tol * (1.0 - mdp.gamma) / 4
        # residual·(residual/(1 + ‖V‖)), not residual²: no overflow for values near 1e308.
        target = (1.0 - mdp.gamma) * max(residual * (residual / (1.0 + np.abs(s.v).max())), floor)
        rtol = max(KRYLOV_RTOL, target / (1.0 + 2 * np.abs(s.tv).max()))
        return evaluate_policy_v(mdp, improved, tau, x0=s.v, rtol=rtol, regularizer=regularizer)

    return step


def soft_value_iteration(
    mdp: FiniteMDP,
    tau,
    *,
    tol: float | None = None,
    max_iter: int = 100_000,
    q0=None,
    regularizer: Regularizer = SHANNON,
) -> SolveResult:
    """Soft value (Q-)iteration Q_{k+1} = T Q_k to a certified tolerance.

    T Q = r + γ P F_τ(Q); converges at rate γ because T is a γ-contraction in sup-norm.
    Source: seed deck, "Algorithm: Soft Q-Iteration"; Haarnoja et al. 2017, Theorem 3.
    Stopping: MacQueen–Porteus bracket (module docstring).

    Args:
      mdp: infinite-horizon MDP (γ < 1).
      tau: temperature τ >= 0.
      tol: certified sup-norm error wanted on q and v; default ``DEFAULT_RTOL·(1 + M)`` with
        M = (‖r‖∞ + τ log A)/(1 − γ) (:func:`value_scale`).
      max_iter: sweeps allowed; a :class:`ConvergenceWarning` is issued if they run out.
      q0: ``[S, A]`` starting Q (default 0).
      regularizer: Ω (default Shannon entropy; module docstring).
    Returns:
      :class:`SolveResult`.
    """
    t, tol = _check_solver_args(mdp, tau, tol, max_iter, regularizer)
    v0 = np.zeros(mdp.n_states)
    if q0 is not None:
        v0 = state_value_as(np.ascontiguousarray(check_q(mdp, q0, "q0").T), t, mdp.terminal, regularizer)
    return _iterate_certified(mdp, t, regularizer, tol, max_iter, v0, _value_step, "soft_value_iteration")


def soft_policy_iteration(
    mdp: FiniteMDP,
    tau,
    *,
    tol: float | None = None,
    max_iter: int = 1_000,
    pi0=None,
    regularizer: Regularizer = SHANNON,
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
      tol: certified sup-norm error wanted on q and v; default ``DEFAULT_RTOL·(1 + M)`` with
        M = (‖r‖∞ + τ log A)/(1 − γ) (:func:`value_scale`).
      max_iter: improvement steps allowed; a :class:`ConvergenceWarning` if they run out.
      pi0: ``[S, A]`` starting policy (default uniform).
      regularizer: Ω (default Shannon entropy; module docstring).
    Returns:
      :class:`SolveResult`.
    """
    t, tol = _check_solver_args(mdp, tau, tol, max_iter, regularizer)
    pi0 = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions) if pi0 is None else pi0
    v0 = evaluate_policy_v(mdp, check_policy(pi0, mdp.R.shape, "pi0"), t, regularizer=regularizer)
    step = _policy_step(mdp, t, tol, regularizer)
    return _iterate_certified(mdp, t, regularizer, tol, max_iter, v0, step, "soft_policy_iteration")


def soft_modified_policy_iteration(
    mdp: FiniteMDP,
    tau,
    sweeps: int,
    *,
    tol: float | None = None,
    max_iter: int = 100_000,
    regularizer: Regularizer = SHANNON,
) -> SolveResult:
    """Modified policy iteration V ← (T_π)^M V, π greedy for r + γPV, to a certified tolerance.

    M = 1 is value iteration, M → ∞ policy iteration; in between each improvement costs M cheap
    evaluation sweeps and no linear solve. Source: Puterman 1994, §6.5; the step is
    :func:`theory.iterates.modified_policy_iteration_step`. Stopping: the MacQueen–Porteus
    bracket formed from each iterate V and T V (module docstring), valid for any V.

    Args:
      mdp: infinite-horizon MDP (γ < 1).
      tau: temperature τ >= 0.
      sweeps: M >= 1 evaluation sweeps per improvement.
      tol: certified sup-norm error wanted on q and v; default as :func:`soft_value_iteration`.
      max_iter: improvement steps allowed; a :class:`ConvergenceWarning` if they run out.
      regularizer: Ω (default Shannon entropy; module docstring).
    Returns:
      :class:`SolveResult`; ``iterations`` counts improvements.
    """
    t, tol = _check_solver_args(mdp, tau, tol, max_iter, regularizer)
    mpi = modified_policy_iteration_step(mdp, t, sweeps, regularizer=regularizer)
    v0 = np.zeros(mdp.n_states)
    what = "soft_modified_policy_iteration"
    return _iterate_certified(mdp, t, regularizer, tol, max_iter, v0, lambda s: mpi(s.v), what)


def soft_solve(
    mdp: FiniteMDP,
    tau,
    *,
    tol: float | None = None,
    max_iter: int = 100_000,
    regularizer: Regularizer = SHANNON,
) -> SolveResult:
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
      tol: certified sup-norm error wanted on q and v; default ``DEFAULT_RTOL·(1 + M)`` with
        M = (‖r‖∞ + τ log A)/(1 − γ) (:func:`value_scale`).
      max_iter: sweeps plus improvement steps allowed; a :class:`ConvergenceWarning` if they
        run out.
      regularizer: Ω (default Shannon entropy; module docstring).
    Returns:
      :class:`SolveResult`; ``iterations`` counts sweeps and improvement steps together.
    Raises:
      ValueError: finite-horizon MDP, tol not finite and > 0, max_iter not an integer >= 1.
    """
    t, tol = _check_solver_args(mdp, tau, tol, max_iter, regularizer)
    policy_step = _policy_step(mdp, t, tol, regularizer)
    c = mdp.gamma / (1.0 - mdp.gamma)
    target = tol / c if c > 0 else np.inf  # the bracket width that certifies tol
    prev_span = np.inf  # bracket width max(T v − v) − min(T v − v) of the previous sweep
    handed_over = False

    def value_step_or_handover(s: Sweep) -> np.ndarray:
        nonlocal prev_span, handed_over
        if not handed_over:
            d = s.tv - s.v
            span = float(d.max() - d.min())
            if span > 0 and np.isfinite(prev_span):  # predicted sweeps: log(span/target)/−log(rate)
                rate = span / prev_span if prev_span > 0 else np.inf
                handed_over = rate >= 1 or np.log(span / target) > HANDOVER_SWEEPS * -np.log(rate)
            prev_span = span
            if not handed_over:
                return s.tv
        return policy_step(s)

    return _iterate_certified(
        mdp, t, regularizer, tol, max_iter, np.zeros(mdp.n_states), value_step_or_handover, "soft_solve"
    )


def soft_backward_induction(
    mdp: FiniteMDP, tau, horizon: int | None = None, *, regularizer: Regularizer = SHANNON
) -> SolveResult:
    """Finite-horizon soft dynamic programming: V_H = 0, Q_t = r + γ P V_{t+1}, V_t = F_τ(Q_t).

    Exact in H sweeps (no iteration to converge); on an acyclic MDP whose paths reach a terminal
    state within H steps it returns the infinite-horizon soft optimum. Source: seed deck,
    "Maximum entropy monte-carlo planning" (softmax backup); CLAIMS D3.

    Args:
      mdp: any MDP (γ <= 1).
      tau: temperature τ >= 0.
      horizon: number of stages H (default ``mdp.horizon``).
      regularizer: Ω (default Shannon entropy; module docstring).
    Returns:
      :class:`SolveResult` for the first stage (H steps to go); ``error_bound`` is the
      accumulated round-off of the H sweeps (each amplified by γ(1 + δ) per later stage), and
      ``tol`` is set to it (there is nothing to converge).
    Raises:
      TypeError: ``mdp`` not a FiniteMDP, ``horizon`` not an integer.
      ValueError: no horizon, horizon < 1, τ invalid, values beyond the float64 range.
    """
    check_mdp(mdp)
    t = check_tau(tau)
    check_regularizer(regularizer, mdp.n_actions)
    if horizon is None and mdp.horizon is None:
        raise ValueError("backward induction needs a horizon: pass horizon= or build the MDP with one")
    H = mdp.horizon if horizon is None else check_int(horizon, "horizon", low=1)
    # Stage errors: e_{j+1} <= γ(1 + δ)·e_j + ρ_j (the stored rows may sum to 1 + δ, and the
    # j-th sweep adds its own round-off ρ_j, :func:`_sweep_roundoff`); e_0 = 0 (V_H = 0).
    beta = mdp.gamma * (1.0 + mdp.row_sum_defect)
    bound = 0.0
    residuals = []
    first = sweep(mdp, np.zeros(mdp.n_states), t, regularizer)
    stages = orbit(lambda s: sweep(mdp, s.tv, t, regularizer), first)
    for s in itertools.islice(stages, H):
        if not np.isfinite(s.tv).all():
            raise ValueError(
                f"soft_backward_induction on {mdp.name!r}: a stage left the float64 range "
                "(max|V| > 1.8e308); rescale the rewards or the temperature"
            )
        residuals.append(float(np.abs(s.tv - s.v).max()))
        v_norm = float(max(np.abs(s.v).max(), np.abs(s.tv).max()))
        bound = beta * bound + _sweep_roundoff(mdp, v_norm, t, regularizer)
    # The result recomputes the last stage from its V exactly as the loop did: same error.
    message = f"exact in {H} stages; round-off <= {bound:.3g}"
    return _result(mdp, s.v, t, regularizer, H, residuals, bound, True, bound, message)


def exact_tolerance(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> float:
    """Certified accuracy asked of a solver whose answer is a check's reference: 1e-12·(1 + ‖V‖).

    Above the solvers' round-off floor, (k + A + 8)·u·‖V‖/(1 − γ), for k + A + 8 < 90 at γ <= 0.99;
    tight enough that a certified bound does not hide a wrong temperature or operator.
    """
    return 1e-12 * (1 + value_scale(mdp, tau, regularizer))


def exact_optimum(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> SolveResult:
    """Q*, V* by soft policy iteration to a certified :func:`exact_tolerance` (or its round-off floor).

    A tolerance below the problem's round-off floor makes the solver stop and warn; its
    ``error_bound`` is certified either way, and it is what every comparison adds as slack.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return soft_policy_iteration(
            mdp, tau, tol=exact_tolerance(mdp, tau, regularizer), regularizer=regularizer
        )
