"""The instance suites reach every code path: the Krylov policy evaluation above 500 states.

theory.bellman evaluates a policy of a sparse MDP by sparse LU up to DIRECT_SOLVE_MAX_STATES
states and by matrix-free BiCGSTAB above it. checks.suite.krylov_garnet (600 states) is in the
default and full suites, and in C3's battery at every size: a wrong Krylov answer must make the
battery fail.
"""

import numpy as np
import pytest

import theory.bellman as bellman
from checks.base import FAIL
from checks.bellman import check_boltzmann_optimal, check_policy_value
from checks.improvement import battery_soft_policy_iteration
from checks.suite import KRYLOV_STATES, krylov_garnet, mdp_suite
from theory.bellman import DIRECT_SOLVE_MAX_STATES, evaluate_policy

REAL_SOLVE = bellman._solve_sparse


@pytest.fixture
def krylov_calls(monkeypatch):
    """Count the calls of the Krylov solve (the real one)."""
    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return REAL_SOLVE(*args, **kwargs)

    monkeypatch.setattr(bellman, "_solve_sparse", spy)
    return calls


def wrong_krylov(relative_error):
    """A Krylov solve whose answer is off by a relative ``relative_error``."""

    def solve(*args, **kwargs):
        return REAL_SOLVE(*args, **kwargs) * (1 + relative_error)

    return solve


def test_krylov_garnet_takes_the_krylov_path(krylov_calls):
    mdp = krylov_garnet(0)
    assert mdp.is_sparse and mdp.n_states == KRYLOV_STATES > DIRECT_SOLVE_MAX_STATES
    evaluate_policy(mdp, np.full((mdp.n_states, mdp.n_actions), 1 / mdp.n_actions), 0.5)
    assert krylov_calls


@pytest.mark.parametrize("size", ["default", "full"])
def test_default_and_full_suites_include_it(size):
    large = [m for m in mdp_suite(0, size) if m.n_states > DIRECT_SOLVE_MAX_STATES]
    assert [m.name for m in large] == [krylov_garnet(0).name] and large[0].is_sparse


def test_quick_suite_includes_it_on_request_only():
    assert max(m.n_states for m in mdp_suite(0, "quick")) <= DIRECT_SOLVE_MAX_STATES
    assert mdp_suite(0, "quick", krylov=True)[-1].name == krylov_garnet(0).name
    # The instances before it are those of the suite without it (their seeds do not move).
    names = [m.name for m in mdp_suite(0, "default")]
    assert names[:-1] == [m.name for m in mdp_suite(0, "default", krylov=False)]


def test_C3_quick_battery_runs_the_krylov_solve(krylov_calls):
    res = battery_soft_policy_iteration(seed=0, size="quick")
    assert res.passed and krylov_calls


@pytest.mark.parametrize("relative_error", [1e-9])  # the smallest error it must still catch
def test_C3_quick_battery_fails_with_a_wrong_krylov_solve(monkeypatch, relative_error):
    monkeypatch.setattr(bellman, "_solve_sparse", wrong_krylov(relative_error))
    res = battery_soft_policy_iteration(seed=0, size="quick")
    assert res.verdict == FAIL
    # Only the Krylov-sized instance fails: every other one is solved by LU or densely.
    assert res.details["failed_instances"] and all(
        krylov_garnet(0).name in label for label in res.details["failed_instances"]
    )


def test_B2_B3_reject_a_wrong_krylov_solve(monkeypatch):
    mdp = krylov_garnet(1)
    pi = np.random.default_rng(0).dirichlet(np.ones(3), size=mdp.n_states)
    assert check_policy_value(mdp, 0.1, pi).passed
    monkeypatch.setattr(bellman, "_solve_sparse", wrong_krylov(1e-9))
    assert check_policy_value(mdp, 0.1, pi).verdict == FAIL
    res = check_boltzmann_optimal(mdp, 0.1, n_random=1, max_deterministic=1)
    # The certified optimum B2 compares with evaluates by the same broken solve: its honest
    # bound widens beyond the tolerance asked of the solver, and B2 refuses to judge with it.
    assert res.verdict == FAIL and res.details["worst"] == "reference's certified bound <= tol"
