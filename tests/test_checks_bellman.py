"""Claims B1–B5: the checks hold on generated instances and reject broken inputs."""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import entr, logsumexp

import checks.bellman as bellman
from checks.base import probe as checks_probe
from checks.bellman import (
    check_boltzmann_optimal,
    check_gaussian_soft_value,
    check_policy_value,
    check_soft_bellman,
    check_temperature_limits,
)
from checks.subjects import OWN, Subjects
from mdps import FiniteMDP
from mdps.conventions import Conventions
from mdps.generators import garnet, random_dag
from mdps.strategies import finite_mdps, policies, temperatures
from theory.bellman import boltzmann_policy, evaluate_policy, soft_bellman_operator
from theory.softmax import entropy
from theory.solvers import soft_value_iteration

MDPS = [garnet(10, 3, 3, gamma=0.9, seed=1), random_dag(6, 2, gamma=0.9, seed=2)]
IDS = ["garnet", "dag"]


def assert_rejected(res):
    assert not res.passed, res.details
    assert res.measured > res.tolerance, res.details


# --- B1 ------------------------------------------------------------------------------------------
@settings(max_examples=50)
@given(finite_mdps(), temperatures(max_value=10.0))
def test_B1_passes_on_generated_mdps(mdp, tau):
    res = check_soft_bellman(mdp, tau)
    assert res.passed, res.details


def hard_max_solver(mdp, tau, *, tol):
    """The classical optimum (τ = 0) presented as the soft one."""
    return soft_value_iteration(mdp, 0.0, tol=tol)


def wrong_temperature_solver(mdp, tau, *, tol):
    return soft_value_iteration(mdp, 1.5 * tau, tol=tol)


def hard_max_operator(mdp, q, tau):
    return soft_bellman_operator(mdp, q, 0.0)


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
@pytest.mark.parametrize("broken", ["hard max solver", "wrong temperature solver", "hard max operator"])
def test_B1_rejects_hard_max_and_wrong_temperature(mdp, broken):
    subjects = {
        "hard max solver": OWN.replace(solver=hard_max_solver),
        "wrong temperature solver": OWN.replace(solver=wrong_temperature_solver),
        "hard max operator": OWN.replace(bellman_operator=hard_max_operator),
    }[broken]
    assert_rejected(check_soft_bellman(mdp, 0.5, subjects=subjects))


# --- B2 ------------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(finite_mdps(max_states=4, max_actions=3), temperatures(allow_zero=False, max_value=10.0))
def test_B2_passes_on_generated_mdps(mdp, tau):
    res = check_boltzmann_optimal(mdp, tau, n_random=4, max_deterministic=64)
    assert res.passed, res.details


def test_B2_finds_a_strict_gap_and_tries_every_deterministic_policy():
    mdp = garnet(5, 3, 2, gamma=0.9, seed=3)  # 3^5 = 243 <= 256 deterministic policies
    res = check_boltzmann_optimal(mdp, 0.5)
    assert res.passed, res.details
    assert res.details["alternatives"] == 8 + 243 + len(bellman.PERTURBATION_WEIGHTS)
    assert res.details["smallest_max_gap"] > res.tolerance
    assert res.details["differing_from_pi*"] == res.details["alternatives"]


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
def test_B2_rejects_optimal_policy_at_wrong_temperature(mdp):
    tau = 0.5
    q = soft_value_iteration(mdp, tau).q
    res = check_boltzmann_optimal(mdp, tau, policy=boltzmann_policy(q, 2 * tau))
    assert_rejected(res)
    assert res.details["worst"] == "|V^pi* - V*|"


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
def test_B2_rejects_an_optimum_that_other_policies_beat(mdp):
    """V* from a solver at τ/2: the 'optimal' value is beaten by the alternatives."""
    res = check_boltzmann_optimal(
        mdp, 0.5, subjects=OWN.replace(solver=lambda m, t, *, tol: soft_value_iteration(m, t / 2, tol=tol))
    )
    assert_rejected(res)
    assert (
        res.details["comparisons"]["max (V^pi - V*)+"][0] > res.details["comparisons"]["max (V^pi - V*)+"][1]
    )


def test_B2_rejects_a_policy_that_is_not_a_distribution():
    mdp = MDPS[0]
    pi = boltzmann_policy(soft_value_iteration(mdp, 0.5).q, 0.5) * 1.01
    assert_rejected(check_boltzmann_optimal(mdp, 0.5, policy=pi))


def test_B2_is_about_positive_temperatures():
    with pytest.raises(ValueError, match="τ > 0"):
        check_boltzmann_optimal(MDPS[0], 0.0)


# --- B3 ------------------------------------------------------------------------------------------
@st.composite
def mdp_tau_policy(draw, **mdp_kwargs):
    mdp = draw(finite_mdps(**mdp_kwargs))
    return mdp, draw(temperatures(max_value=1e3)), draw(policies(mdp.n_states, mdp.n_actions))


@settings(max_examples=50)
@given(mdp_tau_policy())
def test_B3_passes_on_generated_policies(case):
    res = check_policy_value(*case)
    assert res.passed, res.details


def evaluation_without_entropy(mdp, pi, tau):
    return evaluate_policy(mdp, pi, 0.0)


def evaluation_with_wrong_discount(mdp, pi, tau):
    other = FiniteMDP(mdp.P, mdp.R, 0.97 * mdp.gamma, terminal=mdp.terminal, name=mdp.name)
    return evaluate_policy(other, pi, tau)


def q_with_current_entropy(mdp, pi, tau):
    """The other convention, Q including the current step's entropy, presented as ours."""
    ev = evaluate_policy(mdp, pi, tau)
    return ev._replace(q=ev.q + tau * entropy(pi)[:, None])


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
@pytest.mark.parametrize(
    "broken", [evaluation_without_entropy, evaluation_with_wrong_discount, q_with_current_entropy]
)
def test_B3_rejects_broken_evaluations(mdp, broken):
    pi = np.random.default_rng(0).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
    assert_rejected(check_policy_value(mdp, 0.5, pi, subjects=OWN.replace(policy_evaluation=broken)))


def test_B3_series_is_not_the_solve():
    """The series sums γ^t P_π^t b by doubling: with the wrong discount in it, it misses V^π."""
    mdp = MDPS[0]
    pi = np.full((mdp.n_states, mdp.n_actions), 1 / mdp.n_actions)
    b = mdp.r_pi(pi) + 0.5 * entropy(pi)
    good, T = bellman._discounted_series(mdp.P_pi(pi), b, mdp.gamma, 1e-14)
    bad, _ = bellman._discounted_series(mdp.P_pi(pi), b, 0.95 * mdp.gamma, 1e-14)
    v = evaluate_policy(mdp, pi, 0.5).v
    assert T >= 256 and np.abs(good - v).max() < 1e-12
    assert np.abs(bad - v).max() > 0.1


# --- B4 ------------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(finite_mdps(max_states=5), temperatures(allow_zero=False, max_value=10.0))
def test_B4_passes_on_generated_mdps(mdp, tau):
    res = check_temperature_limits(mdp, tau)
    assert res.passed, res.details


def bound_without_horizon(tau, n_actions, gamma):
    """τ log K: the per-step entropy bound, missing the 1/(1 − γ)."""
    return tau * np.log(n_actions)


def entropy_subtracted_solver(mdp, tau, *, tol):
    """V*_τ with the entropy of π*_τ subtracted instead of added: r_π − τH_π in the evaluation."""
    res = soft_value_iteration(mdp, tau, tol=tol)
    v = 2 * evaluate_policy(mdp, res.policy, 0.0).v - evaluate_policy(mdp, res.policy, tau).v
    return dataclasses.replace(res, v=v, q=mdp.R + mdp.gamma * mdp.expected_next(v))


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
def test_B4_rejects_bound_without_one_over_one_minus_gamma(mdp):
    assert_rejected(check_temperature_limits(mdp, 2.0, bound=bound_without_horizon))


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
def test_B4_rejects_wrong_sign_of_entropy(mdp):
    res = check_temperature_limits(mdp, 0.5, subjects=OWN.replace(solver=entropy_subtracted_solver))
    assert_rejected(res)
    assert res.details["comparisons"]["V*_tau - V*_0 < 0"][0] > 0


# --- B5 ------------------------------------------------------------------------------------------
@settings(max_examples=50)
@given(
    st.floats(0.1, 10.0),
    st.floats(-5.0, 5.0),
    st.floats(-100.0, 100.0),
    temperatures(allow_zero=False, min_value=1e-3, max_value=1e3),
)
def test_B5_passes_on_generated_quadratics(k, mu, c, tau):
    res = check_gaussian_soft_value(k, mu, c, tau)
    assert res.passed, res.details


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(lambda k, tau: 0.5 * np.log(2 * np.pi * k / tau), id="k/tau swapped"),
        pytest.param(lambda k, tau: np.log(2 * np.pi * tau / k), id="missing the 1/2"),
        pytest.param(lambda k, tau: 0.5 * np.log(np.pi * tau / k), id="pi for 2 pi"),
    ],
)
def test_B5_rejects_wrong_normaliser(wrong):
    assert_rejected(check_gaussian_soft_value(2.0, 0.3, 1.0, 0.5, log_normaliser=wrong))


# --- batteries -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "battery",
    [
        bellman.battery_soft_bellman,
        bellman.battery_boltzmann_optimal,
        bellman.battery_policy_value,
        bellman.battery_temperature_limits,
        bellman.battery_gaussian_soft_value,
    ],
)
def test_batteries_pass_and_are_deterministic(battery):
    first = battery(seed=0, size="quick")
    assert first.passed, first.details
    assert first.cases > 0
    assert battery(seed=0, size="quick") == first


# --- foreign subjects: another style passes, a subtly wrong one fails ------------------------------
def _soft_max(q, tau):
    """F_τ over the last axis; the max at τ = 0."""
    return q.max(axis=-1) if tau == 0 else tau * logsumexp(q / tau, axis=-1)


def foreign_value_iteration(P, R, gamma, tau, tol, *, stop=None):
    """Soft value iteration in plain numpy (P [S, A, S]): stops when γ/(1 − γ)·‖v' − v‖ <= tol,
    which bounds ‖v' − v*‖; returns an answer with .q, .v and the bound it certifies.

    ``stop``: the threshold on ‖v' − v‖ (default tol·(1 − γ)/γ, the honest one)."""
    stop = tol * (1 - gamma) / max(gamma, 1e-300) if stop is None else stop
    v = np.zeros(R.shape[0])
    while True:
        v_next = _soft_max(R + gamma * P @ v, tau)
        change = np.abs(v_next - v).max()
        v = v_next
        if change <= stop:
            break
    q = R + gamma * P @ v
    return SimpleNamespace(q=q, v=_soft_max(q, tau), error_bound=gamma / (1 - gamma) * change)


def foreign_value_iteration_early(P, R, gamma, tau, tol):
    """Stops at ‖v' − v‖ <= tol (forgets the γ/(1 − γ)), yet claims error_bound = tol."""
    answer = foreign_value_iteration(P, R, gamma, tau, tol, stop=tol)
    answer.error_bound = tol
    return answer


def foreign_evaluation(P, R, gamma, pi, tau):
    """Exact soft policy evaluation in plain numpy: V = (I − γP_π)⁻¹(r_π + τH_π), Q = R + γPV."""
    P_pi = np.einsum("sa,sat->st", pi, P)
    b = (pi * R).sum(axis=1) + tau * entr(pi).sum(axis=1)
    v = np.linalg.solve(np.eye(R.shape[0]) - gamma * P_pi, b)
    return R + gamma * P @ v, v


def foreign_evaluation_without_entropy(P, R, gamma, pi, tau):
    """Drops the entropy bonus: the classical value of π."""
    return foreign_evaluation(P, R, gamma, pi, 0.0)


def off_by_five_solver(mdp, tau, *, tol):
    """The optimum plus 5, claiming a bound of 1e6 (it 'contains' the error)."""
    res = soft_value_iteration(mdp, tau, tol=tol)
    return dataclasses.replace(res, q=res.q + 5.0, v=res.v + 5.0, error_bound=1e6)


ALL_TAUS = Conventions(temperatures="all")


@pytest.mark.parametrize(
    "battery",
    [bellman.battery_boltzmann_optimal, bellman.battery_temperature_limits],
    ids=["B2", "B4"],
)
@pytest.mark.parametrize("conventions", [Conventions(), ALL_TAUS], ids=["tau>0", "all tau"])
def test_B2_B4_foreign_solver_passes(battery, conventions):
    res = battery(seed=0, size="quick", subjects=Subjects.of(conventions, solver=foreign_value_iteration))
    assert res.passed, res.details
    assert 0 < res.cases <= battery(seed=0, size="quick").cases  # MDPs with terminal states left out


def test_B4_asks_a_solver_only_the_temperatures_it_takes():
    mdp = MDPS[0]
    res = check_temperature_limits(mdp, 0.5, subjects=Subjects.of(solver=foreign_value_iteration))
    assert res.passed and res.details["temperatures_asked"] == [0.125, 0.25, 0.5]
    assert "V*_tau - V*_0 > b" not in res.details["comparisons"]
    res = check_temperature_limits(mdp, 0.5, subjects=Subjects.of(ALL_TAUS, solver=foreign_value_iteration))
    assert res.passed and res.details["temperatures_asked"] == [0.0, 0.125, 0.25, 0.5]
    assert "V*_tau - V*_0 > b" in res.details["comparisons"]


@pytest.mark.parametrize("check", [check_boltzmann_optimal, check_temperature_limits], ids=["B2", "B4"])
def test_B2_B4_reject_a_foreign_solver_that_stops_early(check):
    res = check(MDPS[0], 0.5, subjects=Subjects.of(solver=foreign_value_iteration_early))
    assert_rejected(res)
    assert check(MDPS[0], 0.5, subjects=Subjects.of(solver=foreign_value_iteration)).passed


@pytest.mark.parametrize("check", [check_boltzmann_optimal, check_temperature_limits], ids=["B2", "B4"])
def test_B2_B4_reject_a_solver_off_by_five_with_a_huge_bound(check):
    """It passed before: the allowance added the subject's own error_bound."""
    res = check(MDPS[0], 0.5, subjects=OWN.replace(solver=off_by_five_solver))
    assert_rejected(res)
    claimed = [
        m for k, (m, _) in res.details["comparisons"].items() if k.startswith("solver's error_bound <= tol")
    ]
    assert claimed and all(m == 1e6 for m in claimed)


def test_B3_foreign_evaluation_passes_and_one_without_entropy_fails():
    subjects = Subjects.of(policy_evaluation=foreign_evaluation)
    assert bellman.battery_policy_value(seed=0, size="quick", subjects=subjects).passed
    wrong = Subjects.of(policy_evaluation=foreign_evaluation_without_entropy)
    assert bellman.battery_policy_value(seed=0, size="quick", subjects=wrong).verdict == "FAIL"
    pi = np.random.default_rng(0).dirichlet(np.ones(3), size=10)
    assert_rejected(check_policy_value(MDPS[0], 0.5, pi, subjects=wrong))


@settings(max_examples=10, deadline=None)
@given(mdp_tau_policy(max_states=4, max_actions=3))
def test_B_probes_check_drawn_instances(case):
    """The probes of B2-B4 (what checks.verify shrinks with) run their check on a drawn instance."""
    mdp, tau, pi = case
    drawn = {"mdp": mdp, "tau": max(tau, 1e-3), "pi": pi}
    for claim_id in ("B2", "B3", "B4"):
        probe = checks_probe(claim_id)
        res = probe.check(*(drawn[name] for name in probe.draws), subjects=OWN)
        assert res.claim == claim_id and res.passed, res.details
