"""Every injectable hook of every check, fed a NaN or an inf subject, gives FAIL (not PASS, not a crash).

The contract (DESIGN.md, "The check contract"): NaN or inf anywhere is a failure. A subject is the
real hook wrapped so that every float of its output is replaced by NaN (resp. +inf), keeping the
structure (arrays, tuples, NamedTuples, dataclasses via ``dataclasses.replace``, sympy
expressions as ``nan``/``oo``); integers and booleans stay. Injected values that stand for a
subject (a policy, a V table, a constant under test) are replaced by NaN/inf of the same shape.

One row per check × hook, each on a small valid instance. A check that crashes on such a subject
would be an ERROR row in the report; the contract asks for a FAIL. Not covered: ``sampler`` of
G2 returns action indices (no float to poison).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math

import numpy as np
import pytest
import sympy as sp

import checks.algorithms as algorithms
import checks.bandit as bandit
import checks.bellman as bellman
import checks.conjugacy as conjugacy
import checks.importance_sampling as importance_sampling
import checks.improvement as improvement
import checks.iteration as iteration
import checks.mcts as mcts
import checks.planning as planning
import checks.policy_iteration as policy_iteration
import checks.soft_actor_critic as soft_actor_critic
import checks.soft_q as soft_q
import checks.softmax as softmax_checks
import checks.svgd as svgd
import theory.symbolic as symbolic
from checks.base import FAIL
from checks.subjects import OWN, ROLES
from mdps import FiniteMDP
from mdps.generators import chain, garnet, random_dag
from mdps.instances import E2W_EPSILON
from mdps.trees import synthetic_tree, tree_mdp
from theory.actor_critic import soft_policy_evaluation_operator, support_projection
from theory.bandit import e2w_distribution, e2w_limit
from theory.bellman import boltzmann_policy, evaluate_policy, soft_bellman_operator
from theory.policy_gradient import soft_objective
from theory.sampling import discrete_instance
from theory.soft_q import importance_sampled_soft_value, soft_q_learning, svgd_direction
from theory.softmax import entropy, kl, soft_indmax, soft_value, softmax_conjugate
from theory.solvers import soft_policy_iteration, soft_value_iteration


def _poison(x, value: float):
    """x with every float replaced by ``value``, same structure."""
    if isinstance(x, (bool, np.bool_, int, np.integer, str)) or x is None:
        return x
    if isinstance(x, (float, np.floating)):
        return type(x)(value) if isinstance(x, np.floating) else value
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "fc":
            return np.full_like(x, value)
        if x.dtype == object:
            return np.array([_poison(v, value) for v in x.ravel()], dtype=object).reshape(x.shape)
        return x
    if isinstance(x, sp.Basic):
        return sp.nan if math.isnan(value) else sp.oo
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)._make(_poison(v, value) for v in x)
    if isinstance(x, (tuple, list)):
        return type(x)(_poison(v, value) for v in x)
    if isinstance(x, dict):
        return {k: _poison(v, value) for k, v in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        fields = {f.name: _poison(getattr(x, f.name), value) for f in dataclasses.fields(x) if f.init}
        return dataclasses.replace(x, **fields)
    return x


def poisoned(fn, value: float):
    """The hook ``fn`` returning its own output with every float replaced by ``value``."""

    @functools.wraps(fn)
    def subject(*args, **kwargs):
        return _poison(fn(*args, **kwargs), value)

    return subject


# --- small valid instances ------------------------------------------------------------------------
GARNET = garnet(6, 3, 2, gamma=0.9, seed=1)
DAG = random_dag(6, 3, gamma=0.9, seed=2)  # has terminal states
DETERMINISTIC = chain(5, gamma=0.9)
Q = np.array([0.3, -1.2, 2.0, 0.7])
P_VEC = np.array([0.1, 0.2, 0.3, 0.4])
PI_VEC = np.array([0.25, 0.25, 0.4, 0.1])
TREE = tree_mdp(synthetic_tree(2, 2, seed=0))
TAU = 0.5
PI = np.random.default_rng(0).dirichlet(np.ones(3), size=6)
BANDIT_REWARD, BANDIT_TAU, BANDIT_SIGMA = np.array([0.0, 0.5, 1.0]), 0.5, 0.5
IS_INSTANCE = discrete_instance([0.1, 0.9, -0.4], np.full(3, 1 / 3), 0.5)
TARGET_1D = svgd._boltzmann_targets()[0]
SUPPORT = np.ones((6, 3), dtype=bool)
SUPPORT[:, 0] = False


def _e2w_allocation(means, t):
    return bandit._e2w_sampler(e2w_distribution, BANDIT_TAU, E2W_EPSILON)(means, t)


def _support_project(q, tau, spec):
    return support_projection(q, tau, spec)


#: (id, check, positional args, keyword args, hook name, the real hook)
HOOKS = [
    # A
    ("A1 entropy", softmax_checks.check_entropy, (P_VEC,), {}, "entropy", entropy),
    ("A2 soft_indmax", softmax_checks.check_gradient, (Q, TAU), {}, "soft_indmax", soft_indmax),
    ("A2 soft_value", softmax_checks.check_gradient, (Q, TAU), {}, "soft_value", soft_value),
    (
        "A2 symbolic_derivation",
        softmax_checks.check_gradient,
        (Q, TAU),
        {},
        "symbolic_derivation",
        symbolic.gradient_residuals,
    ),
    ("A3 soft_value", softmax_checks.check_duality, (Q, TAU, PI_VEC), {}, "soft_value", soft_value),
    ("A3 soft_indmax", softmax_checks.check_duality, (Q, TAU, PI_VEC), {}, "soft_indmax", soft_indmax),
    ("A4 soft_value", softmax_checks.check_per_action, (Q, TAU), {}, "soft_value", soft_value),
    ("A4 soft_indmax", softmax_checks.check_per_action, (Q, TAU), {}, "soft_indmax", soft_indmax),
    ("A5 conjugate", conjugacy.check_conjugate, (P_VEC, TAU), {}, "conjugate", softmax_conjugate),
    (
        "A5 conjugate off the simplex",
        conjugacy.check_conjugate,
        (1.3 * P_VEC, TAU),
        {},
        "conjugate",
        softmax_conjugate,
    ),
    ("A5 soft_value", conjugacy.check_conjugate, (P_VEC, TAU), {}, "soft_value", soft_value),
    (
        "A5 soft_value off the simplex",
        conjugacy.check_conjugate,
        (1.3 * P_VEC, TAU),
        {},
        "soft_value",
        soft_value,
    ),
    (
        "A5 symbolic_derivation",
        conjugacy.check_conjugate,
        (P_VEC, TAU),
        {},
        "symbolic_derivation",
        symbolic.conjugate_residuals,
    ),
    ("A5 biconjugate conjugate", conjugacy.check_biconjugate, (Q, TAU), {}, "conjugate", softmax_conjugate),
    ("A5 biconjugate soft_value", conjugacy.check_biconjugate, (Q, TAU), {}, "soft_value", soft_value),
    ("A6 multiplier", conjugacy.check_kkt, (Q, TAU), {}, "multiplier", conjugacy._lagrange_multiplier),
    ("A6 soft_indmax", conjugacy.check_kkt, (Q, TAU), {}, "soft_indmax", soft_indmax),
    (
        "A6 symbolic_derivation",
        conjugacy.check_kkt,
        (Q, TAU),
        {},
        "symbolic_derivation",
        symbolic.kkt_residuals,
    ),
    ("A7 soft_value", conjugacy.check_bounds_and_limits, (Q, TAU), {}, "soft_value", soft_value),
    ("A7 soft_value tau=0", conjugacy.check_bounds_and_limits, (Q, 0.0), {}, "soft_value", soft_value),
    ("A7 soft_indmax", conjugacy.check_bounds_and_limits, (Q, TAU), {}, "soft_indmax", soft_indmax),
    ("A7 soft_indmax tau=0", conjugacy.check_bounds_and_limits, (Q, 0.0), {}, "soft_indmax", soft_indmax),
    ("A7 entropy", conjugacy.check_bounds_and_limits, (Q, TAU), {}, "entropy", entropy),
    (
        "A7 symbolic_derivation",
        conjugacy.check_bounds_and_limits,
        (Q, TAU),
        {},
        "symbolic_derivation",
        symbolic.temperature_derivative_residuals,
    ),
    # B
    ("B1 solver", bellman.check_soft_bellman, (GARNET, TAU), {}, "solver", soft_value_iteration),
    ("B1 operator", bellman.check_soft_bellman, (GARNET, TAU), {}, "bellman_operator", soft_bellman_operator),
    (
        "B2 solver",
        bellman.check_boltzmann_optimal,
        (GARNET, TAU),
        {"n_random": 2},
        "solver",
        soft_value_iteration,
    ),
    (
        "B3 policy_evaluation",
        bellman.check_policy_value,
        (GARNET, TAU, PI),
        {},
        "policy_evaluation",
        evaluate_policy,
    ),
    (
        "B3 policy_evaluation (terminal)",
        bellman.check_policy_value,
        (DAG, TAU, PI),
        {},
        "policy_evaluation",
        evaluate_policy,
    ),
    ("B4 solver", bellman.check_temperature_limits, (GARNET, TAU), {}, "solver", soft_value_iteration),
    ("B4 bound", bellman.check_temperature_limits, (GARNET, TAU), {}, "bound", bellman.entropy_gap_bound),
    (
        "B5 log_normaliser",
        bellman.check_gaussian_soft_value,
        (2.0, 0.3, 1.0, TAU),
        {},
        "log_normaliser",
        bellman.gaussian_log_normaliser,
    ),
    # C
    (
        "C1 policy_improvement",
        improvement.check_policy_improvement,
        (GARNET, TAU, PI),
        {},
        "policy_improvement",
        boltzmann_policy,
    ),
    ("C2 divergence", improvement.check_one_step_identity, (GARNET, TAU, PI), {}, "divergence", kl),
    (
        "C3 policy_improvement",
        improvement.check_soft_policy_iteration,
        (GARNET, TAU, PI),
        {},
        "policy_improvement",
        boltzmann_policy,
    ),
    (
        "C3 solver",
        improvement.check_soft_policy_iteration,
        (GARNET, TAU, PI),
        {},
        "solver",
        soft_value_iteration,
    ),
    # D
    (
        "D1 bellman_operator",
        iteration.check_contraction,
        (GARNET, TAU),
        {},
        "bellman_operator",
        soft_bellman_operator,
    ),
    (
        "D2 bellman_operator",
        iteration.check_convergence,
        (GARNET, TAU),
        {},
        "bellman_operator",
        soft_bellman_operator,
    ),
    (
        "D5 bellman_operator",
        iteration.check_monotone_bounds,
        (GARNET, TAU),
        {},
        "bellman_operator",
        soft_bellman_operator,
    ),
    (
        "D5 bellman_operator (terminal)",
        iteration.check_monotone_bounds,
        (DAG, TAU),
        {},
        "bellman_operator",
        soft_bellman_operator,
    ),
    ("D3 solver", policy_iteration.check_oracles, (GARNET, TAU), {}, "solver", soft_value_iteration),
    ("D3 solver tau=0", policy_iteration.check_oracles, (GARNET, 0.0), {}, "solver", soft_value_iteration),
    ("D3 solver (DAG)", policy_iteration.check_oracles, (DAG, TAU), {}, "solver", soft_value_iteration),
    (
        "D4 policy_improvement",
        policy_iteration.check_newton_policy_iteration,
        (GARNET, TAU),
        {},
        "policy_improvement",
        boltzmann_policy,
    ),
    (
        "D4 claimed_rate",
        policy_iteration.check_newton_policy_iteration,
        (GARNET, TAU),
        {},
        "claimed_rate",
        policy_iteration._newton_rate,
    ),
    # E
    (
        "E1 estimator",
        importance_sampling.check_importance_sampled_value,
        (IS_INSTANCE,),
        {"n_runs": 500},
        "estimator",
        importance_sampled_soft_value,
    ),
    (
        "E2 learner",
        soft_q.check_sampled_soft_q_learning,
        (GARNET, 1.0),
        {"n_runs": 2, "n_updates": 30},
        "learner",
        soft_q_learning,
    ),
    (
        "E3 direction (particles)",
        svgd.check_svgd_boltzmann,
        (TARGET_1D,),
        {"n_particles": 20, "n_steps": 10},
        "direction",
        svgd_direction,
    ),
    (
        "E3 direction (amortised)",
        svgd.check_amortised_sampler,
        (TARGET_1D,),
        {"n_steps": 10, "n_test": 20},
        "direction",
        svgd_direction,
    ),
    # F
    (
        "F1 e2w",
        bandit.check_e2w_sampling,
        (BANDIT_REWARD, BANDIT_TAU, BANDIT_SIGMA),
        {"checkpoints": (30, 60), "n_runs": 10},
        "e2w",
        e2w_distribution,
    ),
    ("F1 e2w (formula)", bandit.check_e2w_formula, (Q, 7, BANDIT_TAU, 0.1), {}, "e2w", e2w_distribution),
    (
        "F2 e2w",
        bandit.check_error_rate,
        (BANDIT_REWARD, BANDIT_TAU, BANDIT_SIGMA),
        {"checkpoints": (30, 60), "n_runs": 20},
        "e2w",
        e2w_distribution,
    ),
    (
        "F2 allocation",
        bandit.check_error_rate,
        (BANDIT_REWARD, BANDIT_TAU, BANDIT_SIGMA),
        {"checkpoints": (30, 60), "n_runs": 20},
        "allocation",
        _e2w_allocation,
    ),
    (
        "F2 limit",
        bandit.check_error_rate,
        (BANDIT_REWARD, BANDIT_TAU, BANDIT_SIGMA),
        {"checkpoints": (30, 60), "n_runs": 20},
        "limit",
        e2w_limit,
    ),
    # G
    (
        "G1 backup_value",
        mcts.check_soft_value_convergence,
        (TREE,),
        {"checkpoints": (10, 40), "n_runs": 5},
        "backup_value",
        soft_value,
    ),
    (
        "G2 e2w",
        mcts.check_search_rules,
        (mcts.hand_made_trees()[next(iter(mcts.hand_made_trees()))],),
        {"n_simulations": 20, "n_runs": 2},
        "e2w",
        e2w_distribution,
    ),
    ("G2 e2w (one node)", mcts.check_tree_policy, (Q, 7, TAU, 0.1), {}, "e2w", e2w_distribution),
    (
        "G2 backup_value",
        mcts.check_search_rules,
        (mcts.hand_made_trees()[next(iter(mcts.hand_made_trees()))],),
        {"n_simulations": 20, "n_runs": 2},
        "backup_value",
        soft_value,
    ),
    (
        "G3a backup_value",
        planning.check_failure_rates,
        (2, 2),
        {"n_trees": 1, "runs_per_tree": 5, "checkpoints": (4, 16)},
        "backup_value",
        soft_value,
    ),
    (
        "G4 backup_value",
        planning.check_d_chain_misalignment,
        (),
        {"taus": (0.2,), "n_simulations": 20, "n_runs": 5},
        "backup_value",
        soft_value,
    ),
    # H
    (
        "H2 objective",
        algorithms.check_pg_soft_q_equivalence,
        (GARNET, TAU),
        {},
        "objective",
        soft_objective,
    ),
    (
        "H3 evaluation_operator",
        soft_actor_critic.check_soft_policy_evaluation,
        (GARNET, TAU),
        {},
        "evaluation_operator",
        soft_policy_evaluation_operator,
    ),
    (
        "H3 project",
        soft_actor_critic.check_restricted_policy_iteration,
        (GARNET, TAU),
        {},
        "project",
        _support_project,
    ),
]

#: (id, check, positional args, keyword args, parameter, a valid value of it)
VALUES = [
    ("B2 policy", bellman.check_boltzmann_optimal, (GARNET, TAU), {"n_random": 2}, "policy", PI),
    ("D5 shift_factor", iteration.check_monotone_bounds, (GARNET, TAU), {}, "shift_factor", 0.9),
    ("D5 bracket_factor", iteration.check_monotone_bounds, (GARNET, TAU), {}, "bracket_factor", 9.0),
    ("H1 values", algorithms.check_path_consistency, (DETERMINISTIC, TAU), {}, "values", np.zeros(5)),
    (
        "H1 log_policy",
        algorithms.check_path_consistency,
        (DETERMINISTIC, TAU),
        {},
        "log_policy",
        np.log(np.full((5, 2), 0.5)),
    ),
    ("H1 values (stochastic)", algorithms.check_path_consistency, (GARNET, TAU), {}, "values", np.zeros(6)),
    ("H2 theta", algorithms.check_pg_soft_q_equivalence, (GARNET, TAU), {}, "theta", np.zeros((6, 3))),
    ("H2 sampling", algorithms.check_pg_soft_q_equivalence, (GARNET, TAU), {}, "sampling", PI / 6),
    (
        "G4 tau_c",
        planning.check_d_chain_misalignment,
        (),
        {"taus": (0.2,), "n_simulations": 20, "n_runs": 5},
        "tau_c",
        0.1386,
    ),
]

#: Poisoned outputs that are the true answer: F*_τ is +inf off the simplex.
TRUE_ANSWER = {"A5 conjugate off the simplex-inf"}
#: Rows whose small instance is too small for a statistical check to pass with the real hook (its
#: budget is cut to keep this table fast); the FAIL of the poisoned hook is what they test.
STATISTICAL = {"E", "F", "G"}

SUBJECTS = {"nan": float("nan"), "inf": float("inf")}


def _params(rows):
    return [
        pytest.param(row, kind, id=f"{row[0]}-{kind}")
        for row in rows
        for kind in SUBJECTS
        if f"{row[0]}-{kind}" not in TRUE_ANSWER
    ]


def _hook(check, name: str, fn) -> dict:
    """The keyword argument that injects ``fn``: ``subjects=`` for a role of checks.subjects,
    else the check's own parameter ``name``."""
    if name in ROLES and "subjects" in inspect.signature(check).parameters:
        return {"subjects": OWN.replace(**{name: fn})}
    return {name: fn}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("row", "kind"), _params(HOOKS))
def test_nonfinite_hook_fails(row, kind):
    _, check, args, kwargs, hook, real = row
    res = check(*args, **kwargs, **_hook(check, hook, poisoned(real, SUBJECTS[kind])))
    assert res.verdict == FAIL, (res.verdict, res.measured, res.tolerance, res.details.get("comparisons"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("row", "kind"), _params(VALUES))
def test_nonfinite_value_fails(row, kind):
    _, check, args, kwargs, name, valid = row
    res = check(*args, **kwargs, **{name: _poison(valid, SUBJECTS[kind])})
    assert res.verdict == FAIL, (res.verdict, res.measured, res.tolerance, res.details.get("comparisons"))


@pytest.mark.parametrize(
    ("row", "kind"), [pytest.param(r, "valid", id=r[0]) for r in HOOKS if r[0][0] not in STATISTICAL]
)
def test_real_hook_passes(row, kind):
    """Sanity of the table: the unpoisoned hook passes on the same instance (so FAIL is the poison's)."""
    _, check, args, kwargs, hook, real = row
    res = check(*args, **kwargs, **_hook(check, hook, real))
    assert res.passed, (res.verdict, res.measured, res.tolerance, res.details.get("comparisons"))


def test_poison_keeps_the_structure():
    res = soft_policy_iteration(GARNET, 0.5)
    bad = _poison(res, float("nan"))
    assert type(bad) is type(res) and bad.iterations == res.iterations and bad.converged == res.converged
    assert np.isnan(bad.q).all() and np.isnan(bad.error_bound)
    ev = _poison(evaluate_policy(GARNET, PI, 0.5), float("inf"))
    assert type(ev).__name__ == "PolicyEvaluation" and np.isposinf(ev.v).all()
    assert _poison((1, 2.0, np.arange(3)), float("nan"))[0] == 1
    one_state = FiniteMDP(np.ones((1, 2, 1)), np.array([[0.0, 1.0]]), 0.5)
    assert _poison(one_state.R, float("nan")).shape == (1, 2)


# --- G5, G6, G7 (checks/boltzmann_search.py): a self-contained block --------------------------------
import checks.boltzmann_search as boltzmann_search  # noqa: E402
from theory.mcts import boltzmann_search_distribution, visited_max  # noqa: E402

BOLTZMANN_HOOKS = [
    (
        "G5 backup_value",
        boltzmann_search.check_d_chain_alignment,
        (),
        {"taus": (0.5,), "n_simulations": 10, "n_runs": 3},
        "backup_value",
        visited_max,
    ),
    (
        "G6 backup_value",
        boltzmann_search.check_entropy_trap,
        (2, 2),
        {"n_simulations": 10, "n_runs": 3},
        "backup_value",
        visited_max,
    ),
    (
        "G6 ments_backup_value",
        boltzmann_search.check_trap_budget_growth,
        (),
        {"checkpoints": (4,), "n_runs": 3},
        "ments_backup_value",
        soft_value,
    ),
    (
        "G7 tree_policy",
        boltzmann_search.check_regret_falls,
        (2, 2),
        {"n_trees": 1, "runs_per_tree": 3, "checkpoints": (4, 8)},
        "tree_policy",
        boltzmann_search_distribution,
    ),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("row", "kind"), _params(BOLTZMANN_HOOKS))
def test_nonfinite_boltzmann_search_hook_fails(row, kind):
    _, check, args, kwargs, hook, real = row
    res = check(*args, **kwargs, **{hook: poisoned(real, SUBJECTS[kind])})
    assert res.verdict == FAIL, (res.verdict, res.measured, res.tolerance, res.details.get("comparisons"))


@pytest.mark.parametrize("kind", list(SUBJECTS))
def test_nonfinite_tau_trap_fails(kind):
    res = boltzmann_search.check_entropy_trap(2, 2, n_simulations=10, n_runs=3, tau_trap=SUBJECTS[kind])
    assert res.verdict == FAIL, (res.verdict, res.measured, res.tolerance)
