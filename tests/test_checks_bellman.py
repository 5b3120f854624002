"""Claims B1–B5: the checks hold on generated instances and reject broken inputs."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import checks.bellman as bellman
from checks.bellman import (
    check_boltzmann_optimal,
    check_gaussian_soft_value,
    check_policy_value,
    check_soft_bellman,
    check_temperature_limits,
)
from checks.subjects import OWN
from mdps import FiniteMDP
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
        mdp, 0.5, solver=lambda m, t, *, tol: soft_value_iteration(m, t / 2, tol=tol)
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
    assert_rejected(check_policy_value(mdp, 0.5, pi, evaluate=broken))


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
    res = check_temperature_limits(mdp, 0.5, solver=entropy_subtracted_solver)
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
