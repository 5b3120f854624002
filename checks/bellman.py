"""Claims B (slides "Redefinition: Bellman function"): the soft Bellman equation and its optimum.

B1: the certified soft optimum satisfies Q* = r + γ P V*, V* = F_τ(Q*).
B2: π* = exp((Q* − V*)/τ) is a policy, its exact soft value is V*, and no policy beats it.
B3: the exact soft value of a policy (a linear solve) equals its discounted series.
B4: temperature limits 0 <= V*_τ − V*_0 <= τ log K/(1 − γ) and their companions.
B5: continuous actions: the Gaussian soft value and Boltzmann density, by quadrature.

Tolerances. Float64 round-off is ``roundoff_tolerance(mdp, τ)`` = 64·eps·(1 + k)·(1 + ‖V‖)
(checks.base), k the successors per row, ‖V‖ <= (‖r‖∞ + τ log A)/(1 − γ). Where a quantity comes
from the solver under test, asked for tol = ``solver_tolerance(mdp, τ)``, ε = tol + β is added, β
the certified ``error_bound`` of the independent optimum it is compared with (``exact_optimum``;
never the solver's own bound), propagated through the operation the claim applies (stated per
check). The exact policy evaluation leaves a residual
r of its linear solve: round-off, plus theory.bellman's Krylov acceptance threshold
1e-13·(‖b‖ + ‖x‖) for sparse P; its output then errs by at most ‖(I − γP_π)⁻¹‖∞·r <= r/(1 − γ)
(``solve_roundoff``). Identities that hold up to the residual allow r (``solve_residual``).
B5 is the one place where the tolerance is a quadrature error: scipy.integrate.quad's own
``abserr``, propagated.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.integrate import quad
from scipy.special import xlogy
from scipy.stats import norm

from checks.base import (
    CheckResult,
    Claim,
    Probe,
    excess,
    fold,
    instance_label,
    largest,
    register,
    roundoff_tolerance,
    solve_residual,
    solve_roundoff,
    sup,
)
from checks.subjects import OWN, Subjects, solver_comparisons, solver_tolerance
from checks.suite import mdp_cases, mdp_suite, temperature_suite
from mdps.finite import FiniteMDP
from mdps.validation import check_tau
from theory.bellman import DIRECT_SOLVE_MAX_STATES, boltzmann_policy, evaluate_policy, soft_state_value
from theory.regularizers import SHANNON
from theory.roundoff import roundoff
from theory.softmax import entropy, kl
from theory.solvers import exact_optimum, value_scale

__all__ = [
    "MAX_DETERMINISTIC",
    "PERTURBATION_WEIGHTS",
    "B1",
    "B2",
    "B3",
    "B4",
    "B5",
    "check_boltzmann_optimal",
    "check_gaussian_soft_value",
    "check_policy_value",
    "check_soft_bellman",
    "check_temperature_limits",
    "entropy_gap_bound",
    "gaussian_log_normaliser",
]

B1 = Claim(
    "B1",
    "soft Bellman equation: Q* = r + γ P V*, V* = F_τ(Q*) = τ log Σ_a exp(Q*/τ)",
    "seed deck, 'Redefinition: Bellman function'; Haarnoja et al. 2017, Thm 2",
    roles=("solver", "bellman_operator"),
    regularizer_free=True,
)
B2 = Claim(
    "B2",
    "π* = exp((Q* − V*)/τ) is a policy, V^π* = V*, and V^π <= V* for every π (< somewhere if π ≠ π*)",
    "seed deck, 'Redefinition: Bellman function'; Haarnoja et al. 2017, Thm 1; Geist et al. 2019, Thm 1",
    roles=("solver",),
    regularizer_free=True,
)
B3 = Claim(
    "B3",
    "V^π = (I − γP_π)⁻¹(r_π + τH_π) = Σ_t γ^t P_π^t (r_π + τH_π); V^π = Σ_a π(Q^π − τ log π); "
    "Q^π = r + γP[τH(π) + π·Q^π]",
    "seed deck, 'Redefinition: Bellman function'; Geist et al. 2019, Def. 2",
    roles=("policy_evaluation",),
)
B4 = Claim(
    "B4",
    "0 <= V*_τ − V*_0 <= τ log K/(1−γ); 0 <= Q*_τ − Q*_0 <= γτ log K/(1−γ); "
    "0 <= V*_0 − V_0^{π*_τ} <= τ log K/(1−γ); V*_τ non-decreasing in τ",
    "seed deck, 'Redefinition: Bellman function' (the maximum-entropy objective against the standard one); "
    "Geist et al. 2019, Prop. 3 and Thm 2 (Shannon entropy, L = −τ log K, U = 0)",
    roles=("solver",),
)
B5 = Claim(
    "B5",
    "Q(a) = −k(a−μ)²/2 + c: τ log ∫ exp(Q/τ) da = c + (τ/2) log(2πτ/k); exp((Q − V)/τ) = N(μ, τ/k)",
    "seed deck, 'Redefinition: Bellman function' (soft value as an integral); Haarnoja et al. 2017, Thm 1",
)

#: Mixing weights of the perturbed optimal policies (1 − w)·π* + w·π_random (B2).
PERTURBATION_WEIGHTS = (1e-3, 1e-2, 0.1, 0.5)
#: All deterministic policies are tried when A^S is at most this; else a random sample of it (B2).
MAX_DETERMINISTIC = 256


# --- B1 ----------------------------------------------------------------------------------------
@B1.subjects()
def check_soft_bellman(mdp: FiniteMDP, tau: float, *, subjects: Subjects = OWN) -> CheckResult:
    """B1 on one instance: the solver's answer satisfies the soft Bellman equation.

    The solver (``subjects.solver``) is asked for ``solver_tolerance`` = 1e-10·(1 + ‖V‖) and
    compared with the certified optimum of soft policy iteration (``exact_optimum``, bound β):
    its error must be within tol + β (and within its own ``error_bound``, if it claims one; see
    ``checks.subjects.solver_comparisons``). Then ‖T Q̂ − Q̂‖∞ <= ‖T Q̂ − T Q*‖ + ‖Q* − Q̂‖ <=
    (1 + γ)(tol + β) (T is a γ-contraction, T Q* = Q*), plus round-off of one sweep, with T the
    operator under test (``subjects.bellman_operator``); and V̂ = F_τ(Q̂) state by state.
    For another regulariser Ω of the problem (``subjects.regularizer``), F_τ is (τΩ)* and every
    reference and allowance is the regularised one (Geist et al. 2019: T is then still a
    γ-contraction with fixed point Q*).

    Source: seed deck, "Redefinition: Bellman function"; Haarnoja et al. 2017, Thm 2.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0 (0: the classical Bellman optimality equation).
      subjects: the ``solver`` and ``bellman_operator`` under test.
    Returns:
      CheckResult; ``measured`` is the worst of the solver's error, ‖T Q̂ − Q̂‖∞ and
      ‖V̂ − F_τ(Q̂)‖∞ against its allowance.
    """
    reg = subjects.regularizer
    tol = solver_tolerance(mdp, tau, reg)
    round_off = roundoff_tolerance(mdp, tau, reg)
    ref = exact_optimum(mdp, tau, reg)
    res = subjects.solver(mdp, tau, tol)
    residual = np.abs(subjects.bellman_operator(mdp, res.q, tau) - res.q)
    v_gap = np.abs(res.v - soft_state_value(res.q, tau, terminal=mdp.terminal, regularizer=reg))
    entries = {
        **solver_comparisons(res, ref, tol, round_off),
        "|TQ - Q|": (residual.max(), (1 + mdp.gamma) * (tol + ref.error_bound) + round_off),
        "|V - F_tau(Q)|": (v_gap.max(), round_off),
    }
    worst_sa = tuple(int(i) for i in np.unravel_index(residual.argmax(), residual.shape))
    return B1.worst_of(
        entries,
        {"instance": instance_label(mdp, tau), "tol": tol, "worst_(s,a)": worst_sa},
    )


@register(B1, probe=Probe(("mdp", "tau"), check_soft_bellman))
def battery_soft_bellman(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """B1 over the seeded MDP suite at every suite temperature (τ = 0: the classical equation)."""
    cases = subjects.admit(B1, mdp_cases(seed, size))
    return fold(B1, (check_soft_bellman(m, t, subjects=subjects) for m, t in cases))


def _deterministic_policies(n_states: int, n_actions: int, rng: np.random.Generator, limit: int):
    """All A^S deterministic policies when A^S <= limit, else ``limit`` drawn at random. [S, A] each."""
    eye = np.eye(n_actions)
    if n_actions**n_states <= limit:
        choices = itertools.product(range(n_actions), repeat=n_states)
    else:
        choices = rng.integers(n_actions, size=(limit, n_states))
    return [eye[list(c)] for c in choices]


@B2.subjects("policy")
def check_boltzmann_optimal(
    mdp: FiniteMDP,
    tau: float,
    *,
    seed: int = 0,
    policy=None,
    subjects: Subjects = OWN,
    n_random: int = 8,
    max_deterministic: int = MAX_DETERMINISTIC,
) -> CheckResult:
    """B2 on one instance (τ > 0): π* = exp((Q* − V*)/τ) is a distribution and optimal.

    The solver (``subjects.solver``) is asked for ``solver_tolerance`` and compared with the
    certified optimum of soft policy iteration (``exact_optimum``, bound β_ref), as in B1
    (``checks.subjects.solver_comparisons``); ε = tol + β_ref then bounds |Q̂ − Q*| and
    |V̂ − V*| (never the solver's own ``error_bound``). The reference must itself be certified
    to within tol (β_ref <= tol; on the suites β_ref <= 0.01·tol): a reference widened by a
    broken linear solve (soft policy iteration evaluates by the same solve as below) would
    widen every allowance until nothing could fail. Sub-measurements (each against its
    allowance):
    - ``|Σ_a π* − 1|`` and ``−min π*`` on non-terminal states (terminal states have no decision;
      their row is not used), π* = exp((Q̂ − V̂)/τ): Σ_a π*_a exp((e_q − e_v)/τ) with
      |e_q|, |e_v| <= ε is within expm1(2ε/τ) of 1, plus the round-off of exp((Q − V)/τ),
      which inherits the error of Q − V divided by τ: ``roundoff(A, 1 + ‖V‖/τ)`` = 64·A·eps·(1 + ‖V‖/τ).
    - ``|V^π* − V̂|``: the exact value of π* against the solver's V̂. π* is evaluated as the
      Boltzmann policy of Q̂ (theory.bellman.boltzmann_policy), and Q̂ is within ε of Q*;
      V* − V^π = (I − γP_π)⁻¹ τ KL(π‖π*) and τ KL <= 2ε give ε + 2ε/(1 − γ), plus the solve's
      round-off.
    - ``max (V^π − V̂)₊`` over alternatives (one-sided): Dirichlet policies, deterministic
      policies (all when A^S <= ``max_deterministic``, else that many at random), and
      (1 − w)π* + wπ_random for w in PERTURBATION_WEIGHTS: allowance ε plus round-off.
    - strictness: the number of alternatives that differ detectably from π* (τ·max_s KL(π‖π*)
      above twice the allowance; the gap at that state is at least τ KL) whose max-gap
      max_s (V̂ − V^π) does not exceed the allowance: must be 0.

    For another regulariser Ω of the problem (``subjects.regularizer``), π* is its greedy
    policy ∇(τΩ)*(Q̂) (Geist et al. 2019, Thm 1): ``-min π*`` and ``|Σ_a π* − 1|`` (a
    distribution by construction: round-off ``roundoff(A, 1)``), ``|V^π* − V̂|`` and
    ``max (V^π − V̂)₊`` as above (V* − V^π = (I − γP_π)⁻¹ g with g the one-step gap below, and
    g(π̂*) <= 2ε), and strictness measured by the regularised one-step gap, derived here:
    g(s) = (τΩ)*(Q̂(s)) − ⟨π(s), Q̂(s)⟩ + τΩ(π(s)) >= 0, since V* − V^π = (I − γP_π)⁻¹ g* >= g*
    gives max_s (V* − V^π) >= max g* (for Shannon entropy g = τ KL(π‖π*)). g from Q̂ is within
    2ε of g* (both terms are 1-Lipschitz in Q), so an alternative differs detectably when
    max ĝ exceeds twice the allowance plus 2ε plus the round-off of ĝ,
    ``roundoff(A + 2, 1 + ‖Q̂‖ + τ max(U, −L))``.

    Source: seed deck, "Redefinition: Bellman function"; Haarnoja et al. 2017, Thm 1.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      seed: seeds the alternative policies.
      policy: ``[S, A]`` the candidate optimal policy; None: the Boltzmann policy of the
        solver's Q̂ (negative controls pass π* at a wrong temperature).
      subjects: the ``solver`` under test.
      n_random: number of Dirichlet policies (and of random policies mixed into π*).
      max_deterministic: the cap on deterministic policies tried.
    Returns:
      CheckResult; ``details["smallest_max_gap"]`` is the smallest max_s (V̂ − V^π) over the
      alternatives that differ from π*.
    Raises:
      ValueError: τ <= 0.
    """
    check_tau(tau, positive=True, why="claim B2 is about τ > 0: at τ = 0 it is the classical statement")
    rng = np.random.default_rng(seed)
    reg = subjects.regularizer
    shannon = reg == SHANNON
    tol = solver_tolerance(mdp, tau, reg)
    ref = exact_optimum(mdp, tau, reg)
    res = subjects.solver(mdp, tau, tol)
    live = ~mdp.terminal
    S, A = mdp.n_states, mdp.n_actions
    beta, solve_ro = tol + ref.error_bound, solve_roundoff(mdp, tau, reg)
    if shannon:
        # operations: the A-term row sum; magnitude: 1 + ‖V‖/τ, the error of (Q − V)/τ that exp carries
        sum_allowed = roundoff(A, 1 + value_scale(mdp, tau) / tau)
    else:  # a distribution by construction: the A-term row sum of numbers <= 1
        sum_allowed = roundoff(A, 1.0)
    if policy is None and shannon:
        with np.errstate(over="ignore"):  # at tiny τ both may overflow: see `resolvable` below
            raw = np.exp((res.q - res.v[:, None]) / tau)
            # Q̂ and V̂ each within β of Q*, V*: exp((e_q − e_v)/τ) is within expm1(2β/τ) of 1
            sum_allowed += np.expm1(2 * beta / tau)
        pi_star = np.where(live[:, None], boltzmann_policy(res.q, tau), 1.0 / A)
    elif policy is None:
        raw = reg.greedy(res.q, tau)
        pi_star = np.where(live[:, None], raw, 1.0 / A)
    else:
        pi_star = raw = np.asarray(policy, dtype=np.float64)
    # Whether Σ_a exp((Q̂ − V̂)/τ) = 1 can be told apart from its errors at all: not when the
    # allowance reaches 1 (β/τ large: τ = 1e-12 with Q̂ exact to 1e-10). Then it is left out.
    resolvable = bool(sum_allowed < 1.0)
    pi_star = pi_star / pi_star.sum(axis=1, keepdims=True)  # exact-simplex rows for evaluation
    one_sided = beta + solve_ro
    if shannon:

        def differs(pi):  # τ KL(π‖π*) at some state above twice the allowance
            return tau * float(kl(pi[live], pi_star[live]).max()) > 2 * one_sided

    else:
        q_live = res.q[live]
        low, high = reg.bounds(A)
        # operations: the A-term dot product, the value and the penalty; magnitude: Q̂ and τΩ
        threshold = 2 * one_sided + 2 * beta + roundoff(A + 2, 1 + sup(q_live) + tau * max(high, -low))
        value_live = reg.value(q_live, tau) if live.any() else None  # (no state, no gap)

        def differs(pi):  # the one-step gap g = (τΩ)*(Q̂) − ⟨π, Q̂⟩ + τΩ(π) above the threshold
            g = value_live - (pi[live] * q_live).sum(axis=1) + reg.penalty(pi[live], tau)
            return float(g.max()) > threshold

    v_star = evaluate_policy(mdp, pi_star, tau, regularizer=reg).v
    random_pis = rng.dirichlet(np.ones(A), size=(n_random, S))
    alternatives = list(random_pis)
    alternatives += _deterministic_policies(S, A, rng, max_deterministic)
    alternatives += [
        (1 - w) * pi_star + w * random_pis[i % n_random] for i, w in enumerate(PERTURBATION_WEIGHTS)
    ]

    worst_excess, smallest_gap, not_strict, differing = 0.0, np.inf, 0, 0
    for pi in alternatives:
        gap = res.v - evaluate_policy(mdp, pi, tau, regularizer=reg).v
        worst_excess = largest(worst_excess, -gap.min())
        if live.any() and differs(pi):
            differing += 1
            smallest_gap = min(smallest_gap, float(gap.max()))
            not_strict += int(gap.max() <= one_sided)
    entries = {
        **solver_comparisons(res, ref, tol, roundoff_tolerance(mdp, tau, reg)),
        "-min pi*": (excess(-raw[live].min(initial=0.0)), 0.0),
        "|V^pi* - V*|": (np.abs(v_star - res.v).max(), beta * (1 + 2 / (1 - mdp.gamma)) + solve_ro),
        "max (V^pi - V*)+": (worst_excess, one_sided),
        "differing policies without a gap": (not_strict, 0.0),
    }
    if resolvable:
        entries["|sum pi* - 1|"] = (np.abs(raw[live].sum(axis=1) - 1).max(initial=0.0), sum_allowed)
    return B2.worst_of(
        entries,
        {
            "instance": instance_label(mdp, tau),
            "tol": tol,
            "alternatives": len(alternatives),
            "differing_from_pi*": differing,
            "sum_of_pi*_resolvable": resolvable,
            "smallest_max_gap": smallest_gap,
        },
    )


#: Alternatives tried on the Krylov-sized Garnet (checks.suite.krylov_garnet): each is one
#: BiCGSTAB policy evaluation of 600 states, so 8 + 256 + 4 of them per temperature would cost
#: seconds; 32 random deterministic policies still sample its policy space.
_LARGE_MAX_DETERMINISTIC = 32


@register(B2, probe=Probe(("mdp", "tau"), check_boltzmann_optimal))
def battery_boltzmann_optimal(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """B2 over the seeded MDP suite at every positive suite temperature (τ = 0 skipped: B2 is about τ > 0)."""
    cases = [
        (m, t, seed + i)
        for i, m in enumerate(mdp_suite(seed, size))
        for t in temperature_suite(size)
        if t > 0
    ]
    cases = subjects.admit(B2, cases)
    return fold(
        B2,
        (
            check_boltzmann_optimal(
                m,
                t,
                seed=s,
                subjects=subjects,
                max_deterministic=MAX_DETERMINISTIC
                if m.n_states <= DIRECT_SOLVE_MAX_STATES
                else _LARGE_MAX_DETERMINISTIC,
            )
            for m, t, s in cases
        ),
    )


# --- B3 ----------------------------------------------------------------------------------------
def _discounted_series(P_pi: np.ndarray, b: np.ndarray, gamma: float, tail: float) -> tuple[np.ndarray, int]:
    """Σ_{t<T} γ^t P_π^t b by repeated squaring, T = 2^n the first power with γ^T·max|b|/(1−γ) <= tail.

    Doubling: S_{2T} = S_T + (γP_π)^T S_T, with (γP_π)^{2T} = ((γP_π)^T)²; no linear solve.
    Returns (the partial sum ``[S]``, T).
    """
    scale = np.abs(b).max() / (1 - gamma)
    power, partial, T = gamma * P_pi, b.copy(), 1
    while gamma**T * scale > tail:
        partial = partial + power @ partial
        power = power @ power
        T *= 2
    return partial, T


@B3.subjects()
def check_policy_value(mdp: FiniteMDP, tau: float, pi, *, subjects: Subjects = OWN, tol=None) -> CheckResult:
    """B3 on one instance: the soft value of π under test (``subjects.policy_evaluation``)
    against its series and its two identities.

    - series: V^π = Σ_t γ^t P_π^t (r_π + τH_π) (entropy of π(·|s_t), 0 on terminal states),
      summed by matrix powers to T terms with tail γ^T·max|r_π + τH_π|/(1 − γ) <= round-off;
      allowance: round-off (covering the tail) plus the solve's error (module docstring).
    - V^π(s) = Σ_a π(a|s)(Q^π(s, a) − τ log π(a|s)) on non-terminal states (0 log 0 = 0).
    - Q^π = r + γ P [τH(π) + π·Q^π] (τH(π) + π·Q^π taken as 0 on terminal states).
    Both identities restate V^π = r_π + τH_π + γP_π V^π, which the solve meets up to its
    residual: allowance ``solve_residual`` (module docstring).

    Source: seed deck, "Redefinition: Bellman function"; Geist et al. 2019, Def. 2.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      pi: ``[S, A]`` policy.
      subjects: the ``policy_evaluation`` under test, giving (Q^π, V^π) (negative controls
        drop the entropy or use a wrong discount).
      tol: allowance on the identities (default ``solve_residual``); the series comparison
        allows it divided by 1 − γ, plus round-off.
    Returns:
      CheckResult, worst sub-measurement against its allowance.
    """
    residual = solve_residual(mdp, tau) if tol is None else tol
    solve_ro = residual / (1 - mdp.gamma)
    q, v = subjects.policy_evaluation(mdp, pi, tau)
    pi = np.asarray(pi, dtype=np.float64)
    live = ~mdp.terminal
    h = np.where(live, entropy(pi), 0.0)
    P_pi = mdp.P_pi(pi)
    P_pi = P_pi.toarray() if hasattr(P_pi, "toarray") else P_pi
    series, T = _discounted_series(P_pi, mdp.r_pi(pi) + tau * h, mdp.gamma, roundoff_tolerance(mdp, tau))
    v_from_q = (pi * q).sum(axis=1) - tau * xlogy(pi, pi).sum(axis=1)
    next_value = np.where(live, tau * h + (pi * q).sum(axis=1), 0.0)
    entries = {
        "|V solve - V series|": (np.abs(v - series).max(), roundoff_tolerance(mdp, tau) + solve_ro),
        "|V - sum pi(Q - tau log pi)|": (np.abs(v - v_from_q)[live].max(initial=0.0), residual),
        "|Q - r - gamma P[tau H + pi.Q]|": (
            np.abs(q - mdp.R - mdp.gamma * mdp.expected_next(next_value)).max(),
            residual,
        ),
    }
    return B3.worst_of(entries, {"instance": instance_label(mdp, tau), "series_terms": T})


@register(B3, probe=Probe(("mdp", "tau", "pi"), check_policy_value))
def battery_policy_value(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """B3 over the MDP suite × temperatures, for 3 seeded Dirichlet policies and 1 deterministic one."""
    rng = np.random.default_rng(seed)
    cases = []
    for m in mdp_suite(seed, size):
        pis = list(rng.dirichlet(np.ones(m.n_actions), size=(3, m.n_states)))
        pis.append(np.eye(m.n_actions)[rng.integers(m.n_actions, size=m.n_states)])
        cases += [(m, t, pi) for t in temperature_suite(size) for pi in pis]
    cases = subjects.admit(B3, cases)
    return fold(B3, (check_policy_value(m, t, pi, subjects=subjects) for m, t, pi in cases))


# --- B4 ----------------------------------------------------------------------------------------
def entropy_gap_bound(tau: float, n_actions: int, gamma: float) -> float:
    """τ log K/(1 − γ): the largest total discounted entropy bonus (Geist et al. 2019, Prop. 3)."""
    return tau * np.log(n_actions) / (1 - gamma)


@B4.subjects("bound")
def check_temperature_limits(
    mdp: FiniteMDP, tau: float, *, subjects: Subjects = OWN, bound=entropy_gap_bound
) -> CheckResult:
    """B4 on one instance (τ > 0): the one-sided temperature sandwiches and monotonicity in τ.

    With b = ``bound(τ, K, γ)`` = τ log K/(1 − γ):
    0 <= V*_τ − V*_0 <= b;  0 <= Q*_τ − Q*_0 <= γb;  0 <= V*_0 − V_0^{π*_τ} <= b
    (V_0^{π*_τ}: classical value, evaluate_policy at τ = 0, of the Boltzmann policy of Q*_τ);
    and V*_τ' non-decreasing over the grid τ' in (0, τ/4, τ/2, τ).
    V*_τ', Q*_τ' are the solver's (``subjects.solver``), asked at each τ' of the grid for
    tol_τ' = ``solver_tolerance(mdp, τ')`` and compared with the certified optimum of soft
    policy iteration at τ' (``exact_optimum``, bound β_τ'; ``solver_comparisons``), so that
    ε_τ' = tol_τ' + β_τ' bounds its error (never the solver's own ``error_bound``). A τ' the
    solver's conventions do not take (τ' = 0 for a solver of τ > 0 only) is not asked, and the
    comparisons that need it are left out (``details["temperatures_asked"]``).
    Allowance of each one-sided inequality: the ε of the solves involved (for V_0^{π*_τ}, π*_τ
    is the Boltzmann policy of Q̂_τ: its soft loss <= 2ε_τ/(1 − γ) adds to it), plus the solve
    round-off.

    Source: Geist et al. 2019, Prop. 3 and Thm 2; theory-notes §2.3, §9.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      subjects: the ``solver`` under test (negative controls pass one that subtracts the
        entropy).
      bound: ``bound(tau, n_actions, gamma) -> float`` (negative controls drop the 1/(1 − γ)).
    Returns:
      CheckResult, worst violation against its allowance.
    Raises:
      ValueError: τ <= 0, or a solver whose conventions do not take τ itself.
    """
    check_tau(tau, positive=True, why="claim B4 is about τ > 0: at τ = 0 it is the classical statement")
    if not subjects.solver.accepts(None, tau):
        raise ValueError(f"the solver under test does not take tau={tau!r} (its conventions)")
    entries: dict[str, tuple[float, float]] = {}
    sols, eps = {}, {}  # τ' -> the solver's answer, and ε_τ' = tol_τ' + β_τ'
    for t in (0.0, tau / 4, tau / 2, tau):
        if not subjects.solver.accepts(None, t):
            continue
        tol, ref = solver_tolerance(mdp, t), exact_optimum(mdp, t)
        sols[t] = subjects.solver(mdp, t, tol)
        eps[t] = tol + ref.error_bound
        for name, pair in solver_comparisons(sols[t], ref, tol, roundoff_tolerance(mdp, t)).items():
            entries[f"{name} (tau'={t:g})"] = pair
    soft = sols[tau]
    b = bound(tau, mdp.n_actions, mdp.gamma)
    ro = solve_roundoff(mdp, tau)

    def below(x):  # how far x goes below 0
        return excess(-np.min(x))

    details = {"instance": instance_label(mdp, tau), "bound": b, "temperatures_asked": list(sols)}
    if 0.0 in sols:
        hard = sols[0.0]
        slack = eps[0.0] + eps[tau] + ro
        v_gap = soft.v - hard.v
        q_gap = soft.q - hard.q
        classical_loss = hard.v - evaluate_policy(mdp, boltzmann_policy(soft.q, tau), 0.0).v
        loss_slack = eps[0.0] + eps[tau] * (1 + 2 / (1 - mdp.gamma)) + ro
        entries |= {
            "V*_tau - V*_0 < 0": (below(v_gap), slack),
            "V*_tau - V*_0 > b": (excess(v_gap.max() - b), slack),
            "Q*_tau - Q*_0 < 0": (below(q_gap), slack),
            "Q*_tau - Q*_0 > gamma b": (excess(q_gap.max() - mdp.gamma * b), slack),
            "V*_0 - V_0^pi*_tau < 0": (below(classical_loss), loss_slack),
            "V*_0 - V_0^pi*_tau > b": (excess(classical_loss.max() - b), loss_slack),
        }
        details |= {"max V gap": float(v_gap.max()), "max classical loss": float(classical_loss.max())}
    answers = list(sols.values())
    steps = [later.v - earlier.v for earlier, later in zip(answers, answers[1:])]
    step_slack = largest(*eps.values()) * 2 + ro
    entries["V*_tau decreasing in tau"] = (largest(*(below(d) for d in steps)), step_slack)
    return B4.worst_of(entries, details)


@register(B4, probe=Probe(("mdp", "tau"), check_temperature_limits))
def battery_temperature_limits(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """B4 over the MDP suite at every positive suite temperature (τ = 0 is the reference, not a case)."""
    cases = subjects.admit(B4, mdp_cases(seed, size, positive_tau=True))
    return fold(B4, (check_temperature_limits(m, t, subjects=subjects) for m, t in cases))


# --- B5 ----------------------------------------------------------------------------------------
def gaussian_log_normaliser(k: float, tau: float) -> float:
    """(1/2) log(2πτ/k) = log ∫ exp(−k a²/(2τ)) da: the Gaussian soft value is c + τ times it."""
    return 0.5 * np.log(2 * np.pi * tau / k)


def _quad(f, lo: float, hi: float, mode: float, *, scale: float) -> tuple[float, float]:
    """∫_lo^hi f by scipy.integrate.quad, split at the mode; returns (value, quad's abserr).

    Asks for 1e-13 relative to ``scale`` (the integral's expected size): an absolute target, so
    that an integral that is 0 by symmetry (a mean at μ = 0) does not chase relative accuracy.
    """
    return quad(f, lo, hi, points=[mode], epsabs=1e-13 * scale, epsrel=1e-13, limit=200)


@B5.subjects("log_normaliser")
def check_gaussian_soft_value(
    k: float, mu: float, c: float, tau: float, *, log_normaliser=gaussian_log_normaliser, n_grid: int = 41
) -> CheckResult:
    """B5 on one instance: Q(a) = −k(a − μ)²/2 + c on [μ − 40σ, μ + 40σ], σ = sqrt(τ/k).

    - V = τ log ∫ exp(Q/τ) da, computed as c + τ log Z with Z = ∫ exp((Q − c)/τ) da (factoring
      out exp(c/τ) keeps it finite), against c + τ·``log_normaliser(k, τ)``. Allowance:
      τ·abserr_Z/Z (quad's reported error) plus round-off ``roundoff(1, |c| + |V|)``; the mass outside
      ±40σ, erfc(40/√2) < 1e-300, is below float64 resolution.
    - the Boltzmann density exp((Q − V)/τ) against the N(μ, τ/k) pdf at ``n_grid`` points in
      μ ± 5σ, relative error; allowance δ = (V allowance + ``roundoff(1, |c| + |V| + |Q|)``)/τ.
    - its mean and variance by quadrature against μ and τ/k; allowance: quad's abserr plus δ
      times the size of the integral (|μ| + σ, resp. σ²).

    Source: seed deck, "Redefinition: Bellman function"; Haarnoja et al. 2017, Thm 1.

    Args:
      k, mu, c: curvature k > 0, mode μ and height c of Q.
      tau: temperature τ > 0.
      log_normaliser: ``log_normaliser(k, tau)`` under test (negative controls pass a wrong one).
      n_grid: density comparison points.
    Returns:
      CheckResult, worst sub-measurement against its allowance (all in their own units).
    """
    check_tau(tau, positive=True, why="claim B5 is about τ > 0: at τ = 0 it is the classical statement")
    sigma = np.sqrt(tau / k)
    lo, hi = mu - 40 * sigma, mu + 40 * sigma

    def q(a):
        return -k * (a - mu) ** 2 / 2 + c

    z, z_err = _quad(lambda a: np.exp((q(a) - c) / tau), lo, hi, mu, scale=sigma)
    v_quad = c + tau * np.log(z)
    v_closed = c + tau * log_normaliser(k, tau)
    # operations: one (c + τ log Z, and Q − V inside exp, each a few roundings of numbers this size)
    v_allow = tau * z_err / z + roundoff(1, abs(c) + abs(v_quad))
    density_rel = (v_allow + roundoff(1, abs(c) + abs(v_quad) + abs(q(lo)))) / tau

    def density(a):
        return np.exp((q(a) - v_closed) / tau)

    grid = np.linspace(mu - 5 * sigma, mu + 5 * sigma, n_grid)
    rel = np.abs(density(grid) / norm.pdf(grid, mu, sigma) - 1).max()
    mean, mean_err = _quad(lambda a: a * density(a), lo, hi, mu, scale=abs(mu) + sigma)
    var, var_err = _quad(lambda a: (a - mu) ** 2 * density(a), lo, hi, mu, scale=sigma**2)
    entries = {
        "|V quad - V closed|": (abs(v_quad - v_closed), v_allow),
        "density relative error": (rel, density_rel),
        "|mean - mu|": (abs(mean - mu), mean_err + density_rel * (abs(mu) + sigma)),
        "|var - tau/k|": (abs(var - sigma**2), var_err + density_rel * sigma**2),
    }
    return B5.worst_of(
        entries,
        {"instance": f"k={k:g}, mu={mu:g}, c={c:g}, tau={tau:g}", "quad_abserr_Z": z_err, "V_quad": v_quad},
    )


@register(B5)
def battery_gaussian_soft_value(*, seed: int, size: str) -> CheckResult:
    """B5 over a seeded (k, μ, c) grid at every positive suite temperature."""
    rng = np.random.default_rng(seed)
    n = {"quick": 2, "default": 4, "full": 8}[size]
    params = [(10 ** rng.uniform(-1, 1), rng.normal(0, 3), rng.normal(0, 5)) for _ in range(n)]
    params.append((1.0, 0.0, 0.0))
    return fold(
        B5,
        (
            check_gaussian_soft_value(k, mu, c, t)
            for k, mu, c in params
            for t in temperature_suite(size)
            if t > 0
        ),
    )
