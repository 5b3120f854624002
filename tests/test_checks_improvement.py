"""Claims C1–C3: the checks hold on generated instances and reject broken improvement steps."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import entr, logsumexp
from scipy.special import softmax as scipy_softmax

import checks.improvement as improvement
from checks.base import probe as checks_probe
from checks.improvement import check_one_step_identity, check_policy_improvement, check_soft_policy_iteration
from checks.subjects import OWN, Subjects
from mdps.generators import garnet, random_dag
from mdps.strategies import finite_mdps, policies, temperatures
from theory.bellman import boltzmann_policy
from theory.softmax import kl
from theory.solvers import soft_value_iteration

MDPS = [garnet(10, 3, 3, gamma=0.9, seed=1), random_dag(6, 2, gamma=0.9, seed=2)]
IDS = ["garnet", "dag"]
TAU = 0.5


def assert_rejected(res):
    assert not res.passed, res.details
    assert res.measured > res.tolerance, res.details


@st.composite
def mdp_tau_policy(draw, *, allow_zero=True, max_states=6):
    mdp = draw(finite_mdps(max_states=max_states))
    tau = draw(temperatures(allow_zero=allow_zero, max_value=1e3))
    return mdp, tau, draw(policies(mdp.n_states, mdp.n_actions))


def random_policy(mdp, seed=0):
    return np.random.default_rng(seed).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)


def optimal_policy(mdp, tau):
    return soft_value_iteration(mdp, tau).policy


def softmax_too_cold(q, tau):
    """Boltzmann at τ/10: not the improvement step of temperature τ."""
    return boltzmann_policy(q, tau / 10)


def greedy_step(q, tau):
    """The classical greedy step used at τ > 0."""
    return boltzmann_policy(q, 0.0)


# --- C1 ------------------------------------------------------------------------------------------
@settings(max_examples=50)
@given(mdp_tau_policy())
def test_C1_passes_on_generated_policies(case):
    res = check_policy_improvement(*case)
    assert res.passed, res.details


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
@pytest.mark.parametrize("broken", [softmax_too_cold, greedy_step])
def test_C1_rejects_non_boltzmann_improvement(mdp, broken):
    # From the soft optimum every other policy is worse: a wrong step must lose somewhere.
    res = check_policy_improvement(
        mdp, TAU, optimal_policy(mdp, TAU), subjects=OWN.replace(policy_improvement=broken)
    )
    assert_rejected(res)


def test_C1_improvement_is_real():
    mdp = MDPS[0]
    res = check_policy_improvement(mdp, TAU, random_policy(mdp))
    assert res.passed and res.details["improvement"] > 0.01


# --- C2 ------------------------------------------------------------------------------------------
@settings(max_examples=50)
@given(mdp_tau_policy(allow_zero=False))
def test_C2_passes_on_generated_policies(case):
    res = check_one_step_identity(*case)
    assert res.passed, res.details


def reversed_kl(p, q):
    return kl(q, p)


def no_kl(p, q):
    return np.zeros(np.shape(p)[:-1])


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
@pytest.mark.parametrize("broken", [reversed_kl, no_kl])
def test_C2_rejects_wrong_divergence(mdp, broken):
    assert_rejected(check_one_step_identity(mdp, TAU, random_policy(mdp), divergence=broken))


def test_C2_log_domain_where_the_improved_policy_underflows():
    """At τ small against the Q gaps π̃ underflows to 0: KL(π‖π̃) is computed in the log domain."""
    mdp = MDPS[0]
    res = check_one_step_identity(mdp, 1e-4, random_policy(mdp))
    assert res.passed, res.details
    assert res.details["log_domain_states"] > 0


def test_C2_is_about_positive_temperatures():
    with pytest.raises(ValueError, match="τ > 0"):
        check_one_step_identity(MDPS[0], 0.0, random_policy(MDPS[0]))


# --- C3 ------------------------------------------------------------------------------------------
@settings(max_examples=25)
@given(mdp_tau_policy(max_states=5))
def test_C3_passes_on_generated_starts(case):
    res = check_soft_policy_iteration(*case)
    assert res.passed, res.details


def oscillating_step(q, tau):
    """Boltzmann at 10τ: a different fixed point (too much entropy)."""
    return boltzmann_policy(q, 10 * tau)


@pytest.mark.parametrize("mdp", MDPS, ids=IDS)
@pytest.mark.parametrize("broken", [softmax_too_cold, greedy_step, oscillating_step])
def test_C3_rejects_non_boltzmann_iteration(mdp, broken):
    res = check_soft_policy_iteration(
        mdp, TAU, random_policy(mdp), subjects=OWN.replace(policy_improvement=broken)
    )
    assert_rejected(res)


# --- batteries -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "battery",
    [
        improvement.battery_policy_improvement,
        improvement.battery_one_step_identity,
        improvement.battery_soft_policy_iteration,
    ],
)
def test_batteries_pass_and_are_deterministic(battery):
    first = battery(seed=0, size="quick")
    assert first.passed, first.details
    assert first.cases > 0
    assert battery(seed=0, size="quick") == first


# --- foreign subjects: another style passes, a subtly wrong one fails ------------------------------
def foreign_improvement(q, tau):
    """π̃ = softmax(q/τ) row-wise, by scipy."""
    return scipy_softmax(q / tau, axis=-1)


def foreign_improvement_warm(q, tau):
    """Boltzmann at 1.05 τ."""
    return scipy_softmax(q / (1.05 * tau), axis=-1)


def foreign_solver(P, R, gamma, tau, tol):
    """Soft policy iteration in plain numpy (P [S, A, S]), from the uniform policy, with the
    certified stop γ/(1 − γ)·‖V' − V‖ <= tol: returns (q, v)."""
    S, A = R.shape
    pi, v = np.full((S, A), 1 / A), None
    while True:
        b = (pi * R).sum(axis=1) + tau * entr(pi).sum(axis=1)
        v_next = np.linalg.solve(np.eye(S) - gamma * np.einsum("sa,sat->st", pi, P), b)
        q = R + gamma * P @ v_next
        if v is not None and gamma / (1 - gamma) * np.abs(v_next - v).max() <= tol / 10:
            return q, tau * logsumexp(q / tau, axis=-1)
        pi, v = scipy_softmax(q / tau, axis=-1), v_next


def off_by_five_solver(mdp, tau, *, tol):
    """The optimum plus 5, claiming a bound of 1e6 (it 'contains' the error)."""
    res = soft_value_iteration(mdp, tau, tol=tol)
    return dataclasses.replace(res, q=res.q + 5.0, v=res.v + 5.0, error_bound=1e6)


def test_C1_C3_foreign_subjects_pass_the_quick_batteries():
    subjects = Subjects.of(policy_improvement=foreign_improvement, solver=foreign_solver)
    for battery in (improvement.battery_policy_improvement, improvement.battery_soft_policy_iteration):
        res = battery(seed=0, size="quick", subjects=subjects)
        assert res.passed, res.details
        assert 0 < res.cases < battery(seed=0, size="quick").cases  # τ = 0 and terminal states left out


@pytest.mark.parametrize("mdp", MDPS[:1], ids=IDS[:1])
def test_C1_C3_reject_a_foreign_improvement_at_1_05_tau(mdp):
    wrong = Subjects.of(policy_improvement=foreign_improvement_warm)
    assert_rejected(check_policy_improvement(mdp, TAU, optimal_policy(mdp, TAU), subjects=wrong))
    assert_rejected(check_soft_policy_iteration(mdp, TAU, random_policy(mdp), subjects=wrong))
    right = Subjects.of(policy_improvement=foreign_improvement)
    assert check_policy_improvement(mdp, TAU, optimal_policy(mdp, TAU), subjects=right).passed
    assert check_soft_policy_iteration(mdp, TAU, random_policy(mdp), subjects=right).passed


def test_C3_rejects_a_solver_off_by_five_with_a_huge_bound():
    """It passed before only if the allowance trusted the solver's error_bound; now it fails."""
    res = check_soft_policy_iteration(
        MDPS[0], TAU, random_policy(MDPS[0]), subjects=OWN.replace(solver=off_by_five_solver)
    )
    assert_rejected(res)
    assert res.details["comparisons"]["solver's error_bound <= tol"][0] == 1e6


def test_C1_rejects_an_improvement_that_is_not_a_policy():
    """Rows off the simplex are the subject's failure (FAIL), not the evaluation's error."""
    wrong = Subjects.of(policy_improvement=lambda q, tau: np.exp(q / tau))
    res = check_policy_improvement(MDPS[0], TAU, random_policy(MDPS[0]), subjects=wrong)
    assert res.verdict == "FAIL" and "must sum to 1" in res.details["subject"]


@settings(max_examples=10, deadline=None)
@given(mdp_tau_policy(max_states=4))
def test_C_probes_check_drawn_instances(case):
    """The probes of C1 and C3 (what checks.verify shrinks with) run their check on a drawn instance."""
    drawn = dict(zip(("mdp", "tau", "pi"), case))
    for claim_id in ("C1", "C3"):
        probe = checks_probe(claim_id)
        res = probe.check(*(drawn[name] for name in probe.draws), subjects=OWN)
        assert res.claim == claim_id and res.passed, res.details
