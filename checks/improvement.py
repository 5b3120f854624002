"""Claims C (slides "Redefinition: policy improvement theorem"): soft policy improvement.

C1: π̃ = f_τ(Q^π) gives Q^π̃ >= Q^π elementwise, for every π.
C2: per state, τH(π) + E_π Q^π = F_τ(Q^π) − τ KL(π‖π̃) <= F_τ(Q^π) = τH(π̃) + E_π̃ Q^π.
C3: iterating C1 raises V^π monotonically and converges to the soft optimum π* of B2.

Tolerances (as in checks.bellman): an exact policy evaluation errs by at most its solve's
residual r divided by 1 − γ, r = ``roundoff_tolerance(mdp, τ)`` + theory.bellman's Krylov
threshold 1e-13·(‖b‖ + ‖x‖) (``solve_roundoff``); C2 is pure per-state arithmetic (round-off of
sums of A terms). The soft optimum of C3 is the solver's under test, asked for
``solver_tolerance`` and compared with the certified optimum of soft policy iteration
(``exact_optimum``): its error is allowed tol + that optimum's certified ``error_bound``, never
the solver's own bound.

The improvement step is the subject (``subjects.policy_improvement``); the policies it gives are
evaluated by the project's own exact evaluation (theory.bellman.evaluate_policy), the reference.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from scipy.special import xlogy

from checks.base import (
    CheckResult,
    Claim,
    Probe,
    SubjectError,
    excess,
    fold,
    instance_label,
    largest,
    register,
    roundoff_tolerance,
    solve_roundoff,
)
from checks.subjects import OWN, Subjects, solver_comparisons, solver_tolerance
from checks.suite import mdp_suite, temperature_suite
from mdps.finite import FiniteMDP
from mdps.validation import check_policy, check_tau
from theory.bellman import evaluate_policy
from theory.iterates import orbit, policy_iteration_step
from theory.roundoff import roundoff
from theory.softmax import entropy, kl, soft_value
from theory.solvers import SolveResult, exact_optimum

__all__ = [
    "C1",
    "C2",
    "C3",
    "check_one_step_identity",
    "check_policy_improvement",
    "check_soft_policy_iteration",
]

C1 = Claim(
    "C1",
    "π̃ = f_τ(Q^π) ∝ exp(Q^π/τ) gives Q^π̃ >= Q^π elementwise, for every π",
    "seed deck, 'Redefinition: policy improvement theorem'; Haarnoja et al. 2017, Thm 4 (App. A.1)",
    roles=("policy_improvement",),
    regularizer_free=True,
)
C2 = Claim(
    "C2",
    "τH(π) + E_π Q^π = F_τ(Q^π) − τ KL(π‖π̃) <= F_τ(Q^π) = τH(π̃) + E_π̃ Q^π, π̃ = f_τ(Q^π)",
    "seed deck, 'Redefinition: policy improvement theorem'; Haarnoja et al. 2017, App. A.1 eq. (19)",
)
C3 = Claim(
    "C3",
    "π_{k+1} = f_τ(Q^{π_k}): V^{π_k} non-decreasing in every state, → V* of soft value iteration",
    "seed deck, 'Redefinition: policy improvement theorem'; Haarnoja et al. 2017, Thm 4 and eq. (21)",
    roles=("policy_improvement", "solver"),
    regularizer_free=True,
)

#: Improvement steps allowed in C3. Soft policy iteration is Newton's method (quadratic near
#: the optimum): on the default suite it reaches round-off within 9 steps.
MAX_IMPROVEMENTS = 100


def _random_policies(mdp: FiniteMDP, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """``n`` seeded start policies ``[S, A]``: Dirichlet(1) rows, the last one deterministic."""
    pis = list(rng.dirichlet(np.ones(mdp.n_actions), size=(n, mdp.n_states)))
    pis[-1] = np.eye(mdp.n_actions)[rng.integers(mdp.n_actions, size=mdp.n_states)]
    return pis


def _battery(
    claim: Claim,
    check,
    *,
    seed: int,
    size: str,
    positive_tau: bool,
    n_policies: int = 3,
    krylov=None,
    subjects: Subjects | None = None,
):
    """Fold ``check(mdp, tau, pi)`` over the MDP suite × temperatures × seeded start policies.

    ``krylov``: as :func:`checks.suite.mdp_suite` (include the Krylov-sized sparse Garnet).
    ``subjects``: passed on to ``check`` (``subjects=``) after ``subjects.admit`` of the cases;
    None for a check without roles.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for m in mdp_suite(seed, size, krylov=krylov):
        pis = _random_policies(m, rng, n_policies)
        cases += [(m, t, pi) for t in temperature_suite(size) if t > 0 or not positive_tau for pi in pis]
    if subjects is None:
        return fold(claim, (check(m, t, pi) for m, t, pi in cases))
    cases = subjects.admit(claim, cases)
    return fold(claim, (check(m, t, pi, subjects=subjects) for m, t, pi in cases))


def _improved(subjects: Subjects, mdp: FiniteMDP, q, tau: float) -> np.ndarray:
    """The improvement step under test applied to ``q`` ``[S, A]``: a policy ``[S, A]``, or
    SubjectError (the check's FAIL) when its rows are not on the simplex."""
    pi = subjects.policy_improvement(q, tau)
    try:
        return check_policy(pi, mdp.R.shape, "policy_improvement(q, tau)")
    except ValueError as err:
        raise SubjectError(f"policy_improvement subject {subjects.policy_improvement.label}: {err}") from None


# --- C1 ----------------------------------------------------------------------------------------
@C1.subjects()
def check_policy_improvement(
    mdp: FiniteMDP, tau: float, pi, *, subjects: Subjects = OWN, tol=None
) -> CheckResult:
    """C1 on one instance: min over (s, a) of Q^π̃ − Q^π is >= −(round-off), π̃ the improvement
    step under test (``subjects.policy_improvement``) applied to Q^π.

    Both sides are exact evaluations (linear solves, the project's theory.bellman.evaluate_policy):
    allowance 2·``solve_roundoff`` (module docstring).
    At τ = 0 this is classical policy improvement (π̃ uniform over the greedy actions). For
    another regulariser Ω of the problem (``subjects.regularizer``), π̃ = ∇(τΩ)*(Q^π) and both
    evaluations are regularised (Geist et al. 2019, Thm 1).

    Source: seed deck, "Redefinition: policy improvement theorem"; Haarnoja et al. 2017, Thm 4.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      pi: ``[S, A]`` the policy to improve.
      subjects: the ``policy_improvement`` step under test, q ``[S, A]`` -> π̃ ``[S, A]``
        (negative controls pass a softmax at a wrong temperature).
      tol: allowance (default as above).
    Returns:
      CheckResult; ``measured`` = max (Q^π − Q^π̃)₊, ``details["improvement"]`` = max (Q^π̃ − Q^π).
    """
    reg = subjects.regularizer
    allowed = 2 * solve_roundoff(mdp, tau, reg) if tol is None else tol
    q_pi = evaluate_policy(mdp, pi, tau, regularizer=reg).q
    gain = evaluate_policy(mdp, _improved(subjects, mdp, q_pi, tau), tau, regularizer=reg).q - q_pi
    worst = tuple(int(i) for i in np.unravel_index(gain.argmin(), gain.shape))
    return C1.result(
        measured=excess(-gain.min()),
        tolerance=allowed,
        details={
            "instance": instance_label(mdp, tau),
            "worst_(s,a)": worst,
            "improvement": float(gain.max()),
        },
    )


@register(C1, probe=Probe(("mdp", "tau", "pi"), check_policy_improvement))
def battery_policy_improvement(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """C1 over the MDP suite × temperatures (τ = 0: classical) × 3 seeded start policies."""
    return _battery(C1, check_policy_improvement, seed=seed, size=size, positive_tau=False, subjects=subjects)


# --- C2 ----------------------------------------------------------------------------------------
@C2.subjects(divergence=(np.inf,))
def check_one_step_identity(mdp: FiniteMDP, tau: float, pi, *, divergence=kl, tol=None) -> CheckResult:
    """C2 on one instance (τ > 0), in every non-terminal state s, with q = Q^π(s, ·), π̃ = f_τ(q):

    (i)  τH(π) + π·q = F_τ(q) − τ KL(π‖π̃);   (ii) F_τ(q) = τH(π̃) + π̃·q;
    (iii) the improvement (τH(π̃) + π̃·q) − (τH(π) + π·q) equals τ KL(π‖π̃) (and so is >= 0).
    KL by ``divergence`` (theory.softmax.kl). Where π̃ underflows on the support of π (below the
    smallest normal float64, (q_a − F_τ(q))/τ < −708: subnormal or 0, where the KL is imprecise
    or +inf) KL is computed in the log domain, Σ π (log π − (q − F_τ(q))/τ), and the count of
    such states is reported.
    Allowance per state: ``roundoff(A + 2, 1 + |F_τ(q)| + max|q| + τ log A + τ KL)`` =
    64·(A + 2)·eps·(…), round-off of a few sums of A terms of that size.

    Source: seed deck, "Redefinition: policy improvement theorem"; Haarnoja et al. 2017, eq. (19).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      pi: ``[S, A]`` policy.
      divergence: ``divergence(p, q) -> [...]`` KL(p‖q) along the last axis (negative controls
        pass the reversed KL(q‖p)).
      tol: a fixed allowance in place of the per-state one.
    Returns:
      CheckResult; ``measured`` is the worst identity error over states relative to its allowance.
    """
    check_tau(tau, positive=True, why="claim C2 is about τ > 0: τ·KL is undefined at τ = 0")
    if mdp.terminal.all():  # no decision anywhere: nothing to check
        return C2.result(
            measured=0.0,
            tolerance=0.0,
            details={"instance": instance_label(mdp, tau), "note": "all terminal"},
        )
    q = evaluate_policy(mdp, pi, tau).q[~mdp.terminal]
    pi = np.asarray(pi, dtype=np.float64)[~mdp.terminal]
    soft = soft_value(q, tau)
    log_tilde = (q - soft[:, None]) / tau  # log π̃, exact even where π̃ underflows
    pi_tilde = np.exp(log_tilde)
    pi_tilde /= pi_tilde.sum(axis=1, keepdims=True)
    div = np.asarray(divergence(pi, pi_tilde), dtype=np.float64)
    # A subnormal π̃_a (below float64's smallest normal, e^-708) has lost relative precision and
    # 0 is +inf in the KL: on such states use the exact log-domain formula instead.
    underflow = ((pi > 0) & (pi_tilde < np.finfo(np.float64).tiny)).any(axis=1)
    div[underflow] = (xlogy(pi, pi) - pi * log_tilde)[underflow].sum(axis=1)
    objective = tau * entropy(pi) + (pi * q).sum(axis=1)
    improved = tau * entropy(pi_tilde) + (pi_tilde * q).sum(axis=1)
    size = (
        1
        + np.abs(soft)
        + np.abs(q).max(axis=1, initial=0.0)
        + tau * np.log(mdp.n_actions)
        + tau * np.abs(div)
    )
    # operations: the A-term sums (entropy, π·q, KL) and two more; magnitude: size, per state
    allowed = roundoff(mdp.n_actions + 2, size) if tol is None else np.full_like(size, tol)
    errors = {
        "(i) tau H(pi) + pi.q - (F - tau KL)": np.abs(objective - (soft - tau * div)),
        "(ii) F - (tau H(pi~) + pi~.q)": np.abs(soft - improved),
        "(iii) improvement - tau KL": np.abs(improved - objective - tau * div),
    }
    entries = {}
    for name, err in errors.items():
        s = int(np.argmax(err / allowed))  # the state with the worst ratio
        entries[name] = (err[s], allowed[s])
    return C2.worst_of(
        entries,
        {
            "instance": instance_label(mdp, tau),
            "log_domain_states": int(underflow.sum()),
            "max tau KL": float((tau * div).max(initial=0.0)),
        },
    )


@register(C2)
def battery_one_step_identity(*, seed: int, size: str) -> CheckResult:
    """C2 over the MDP suite × positive temperatures × 3 seeded policies (τ = 0 skipped: τ KL undefined)."""
    return _battery(C2, check_one_step_identity, seed=seed, size=size, positive_tau=True)


# --- C3 ----------------------------------------------------------------------------------------
@C3.subjects()
def check_soft_policy_iteration(
    mdp: FiniteMDP,
    tau: float,
    pi0,
    *,
    subjects: Subjects = OWN,
    max_improvements: int = MAX_IMPROVEMENTS,
    reference: SolveResult | None = None,
) -> CheckResult:
    """C3 on one instance: π_{k+1} = improve(Q^{π_k}, τ) from π0, run explicitly, with the
    improvement step under test (``subjects.policy_improvement``) and the project's exact
    policy evaluation (theory.bellman.evaluate_policy).

    - monotone: V^{π_{k+1}} − V^{π_k} >= −a at every step and state, a = 2·(solve round-off);
    - converges: after the last step (the first whose change max|V^{π_{k+1}} − V^{π_k}| <= a, or
      ``max_improvements``), |V^{π_{k+1}} − V̂*| and |Q^{π_{k+1}} − Q̂*| <= ε + a/(1 − γ) against
      the solver under test (``subjects.solver``), asked for tol = ``solver_tolerance`` and
      compared with the certified optimum of soft policy iteration (``exact_optimum``, bound
      β; ``solver_comparisons``): ε = tol + β bounds its error. Why: V^{π_{k+1}} >= T V^{π_k}
      >= V^{π_k}, so the Bellman residual T V^{π_k} − V^{π_k} is at most the change a, hence
      V* − V^{π_k} <= a/(1 − γ) and 0 <= V* − V^{π_{k+1}} <= γ(V* − V^{π_k}); evaluation error
      adds a. At τ = 0 it is classical policy iteration; values are compared (optimal policies
      need not be unique there). For another regulariser Ω of the problem
      (``subjects.regularizer``) the evaluations, the optimum and the allowances are the
      regularised ones (the argument holds for any regularised T, Geist et al. 2019).

    Source: seed deck, "Redefinition: policy improvement theorem"; Haarnoja et al. 2017, eq. (21).

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ >= 0.
      pi0: ``[S, A]`` start policy.
      subjects: the ``policy_improvement`` step, q ``[S, A]`` -> π ``[S, A]`` (negative controls
        pass a non-Boltzmann step), and the ``solver`` whose optimum the iteration must reach.
      max_improvements: improvement steps allowed.
      reference: ``exact_optimum(mdp, tau, subjects.regularizer)`` when the caller has it
        already (the battery's start policies of one instance share it); None: computed here.
    Returns:
      CheckResult, worst of (monotonicity violation, distance to the optimum) against its allowance.
    """
    reg = subjects.regularizer
    a = 2 * solve_roundoff(mdp, tau, reg)
    tol = solver_tolerance(mdp, tau, reg)
    ref = exact_optimum(mdp, tau, reg) if reference is None else reference
    opt = subjects.solver(mdp, tau, tol)
    improve = functools.partial(_improved, subjects, mdp)
    step = policy_iteration_step(mdp, tau, improve=improve, regularizer=reg)
    iterates = orbit(step, evaluate_policy(mdp, pi0, tau, regularizer=reg))
    ev = next(iterates)
    worst_drop, steps = 0.0, 0
    for steps, nxt in enumerate(itertools.islice(iterates, max_improvements), start=1):
        change = nxt.v - ev.v
        worst_drop = largest(worst_drop, -change.min())
        ev = nxt
        if np.abs(change).max() <= a:
            break
    eps = tol + ref.error_bound
    entries = {
        **solver_comparisons(opt, ref, tol, roundoff_tolerance(mdp, tau, reg)),
        "V decrease in a step": (worst_drop, a),
        "|V^pi - V*|": (np.abs(ev.v - opt.v).max(), eps + a / (1 - mdp.gamma)),
        "|Q^pi - Q*|": (np.abs(ev.q - opt.q).max(), eps + a / (1 - mdp.gamma)),
    }
    return C3.worst_of(entries, {"instance": instance_label(mdp, tau), "improvements": steps, "tol": tol})


@register(C3, probe=Probe(("mdp", "tau", "pi"), check_soft_policy_iteration))
def battery_soft_policy_iteration(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """C3 over the MDP suite × temperatures (τ = 0: classical PI) × 3 seeded start policies.

    The Krylov-sized sparse Garnet is included at every size, quick too: its policies are
    evaluated by the matrix-free Krylov solve, and |V^π − V*| against soft value iteration (no
    linear solve) is what catches a wrong solve there (about 0.1 s per case). The certified
    optimum of an (MDP, τ) is computed once for its start policies (it depends on neither the
    policy nor the subjects; a wrong solve made it iterate to its cap on every case).
    """
    optima: dict[tuple[int, float], SolveResult] = {}  # the cases hold their MDPs: ids stay unique

    def check(mdp: FiniteMDP, tau: float, pi0, *, subjects: Subjects) -> CheckResult:
        key = (id(mdp), tau)
        if key not in optima:
            optima[key] = exact_optimum(mdp, tau, subjects.regularizer)
        return check_soft_policy_iteration(mdp, tau, pi0, subjects=subjects, reference=optima[key])

    return _battery(
        C3,
        check,
        seed=seed,
        size=size,
        positive_tau=False,
        krylov=True,
        subjects=subjects,
    )
