"""Claims D1, D2, D4, D5 (soft Q-iteration): properties on generated MDPs, negative controls, batteries.

D1, D2, D5 are in checks/iteration.py, D3–D4 in checks/policy_iteration.py; D3's tests live in
tests/test_checks.py.
"""

import inspect
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.special import logsumexp
from scipy.special import softmax as scipy_softmax

import checks.iteration as iteration
import checks.policy_iteration as policy_iteration
import theory.solvers as solvers
from checks.base import FAIL
from checks.iteration import check_contraction, check_convergence, check_monotone_bounds
from checks.policy_iteration import check_newton_policy_iteration
from checks.subjects import OWN, Subjects
from mdps.conventions import Conventions
from mdps.generators import chain, garnet, gridworld, random_dag
from mdps.strategies import finite_mdps, temperatures
from theory.bellman import boltzmann_policy, soft_bellman_operator, soft_state_value

# Instances for the negative controls: a dense Garnet without terminal states (every ratio and
# rate is exactly the textbook one there), a sparse one, and a gridworld with a terminal state.
MDPS = [
    garnet(10, 3, 3, gamma=0.9, seed=1),
    garnet(12, 3, 2, gamma=0.8, seed=2, sparse=True),
    gridworld(3, 3, gamma=0.9, slip=0.1),
]
MDP_IDS = ["garnet", "sparse-garnet", "gridworld"]
TAUS = [0.0, 0.5]


def _backup(mdp, v, discount):
    """r + discount·P v, ``[S, A]``."""
    return mdp.R + discount * mdp.expected_next(v)


def _value(mdp, q, tau):
    return soft_state_value(q, tau, terminal=mdp.terminal)


def _assert_rejected(res):
    assert not res.passed, res.details
    assert res.measured > res.tolerance, (res.measured, res.tolerance)


# --- broken operators ----------------------------------------------------------------------------
def discount_above_one(mdp, q, tau):
    """r + 1.2·P F_τ(Q): an expansion, not a contraction."""
    return _backup(mdp, _value(mdp, q, tau), 1.2)


def rescaled_inside_softmax(mdp, q, tau):
    """r + γ P F_τ(2Q): the soft value of twice Q (Lipschitz constant 2γ)."""
    return _backup(mdp, _value(mdp, 2 * q, tau), mdp.gamma)


def half_step(mdp, q, tau):
    """Q ← (Q + TQ)/2: same fixed point Q*, but converges at rate (1 + γ)/2, not γ."""
    return 0.5 * (q + soft_bellman_operator(mdp, q, tau))


def discount_square_root(mdp, q, tau):
    """r + √γ·P F_τ(Q): a contraction with a slower rate and the wrong fixed point."""
    return _backup(mdp, _value(mdp, q, tau), np.sqrt(mdp.gamma))


def hard_max_operator(mdp, q, tau):
    """The classical operator r + γ P max Q, whatever τ is."""
    return soft_bellman_operator(mdp, q, 0.0)


def sign_flipped(mdp, q, tau):
    """r − γ P F_τ(Q): a contraction, but decreasing in Q (not monotone)."""
    return _backup(mdp, _value(mdp, q, tau), -mdp.gamma)


# --- D1: contraction ----------------------------------------------------------------------------
@settings(max_examples=50)
@given(finite_mdps(), temperatures(max_value=10.0))
def test_D1_passes_on_generated_mdps(mdp, tau):
    res = check_contraction(mdp, tau)
    assert res.passed, res.details


@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
def test_D1_constant_shift_attains_gamma(mdp):
    # Each of these MDPs has a state-action with no terminal successor, so max p = 1.
    res = check_contraction(mdp, 0.5)
    expected = res.details["shift_ratio_expected"]
    assert expected == pytest.approx(mdp.gamma, rel=1e-15)
    assert res.details["ratios"]["shift c=1"] == pytest.approx(expected, rel=1e-12)
    assert res.details["max_ratio"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("broken", [discount_above_one, rescaled_inside_softmax])
@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
@pytest.mark.parametrize("tau", TAUS)
def test_D1_rejects_expanding_operators(broken, mdp, tau):
    _assert_rejected(check_contraction(mdp, tau, subjects=OWN.replace(bellman_operator=broken)))


def test_D1_rejects_a_shift_ratio_that_misses_gamma():
    # A "contraction" at rate γ/2 (r + γ/2·P F(Q)) never exceeds γ, but the shift no longer
    # attains γ: the second sub-measurement catches it.
    def half_discount(mdp, q, tau):
        return _backup(mdp, _value(mdp, q, tau), mdp.gamma / 2)

    res = check_contraction(MDPS[0], 0.5, subjects=OWN.replace(bellman_operator=half_discount))
    _assert_rejected(res)
    assert "attains" in res.details["worst"]


# --- D2: convergence bounds ---------------------------------------------------------------------
@settings(max_examples=40)
@given(finite_mdps(), temperatures(max_value=10.0))
def test_D2_passes_on_generated_mdps(mdp, tau):
    res = check_convergence(mdp, tau)
    assert res.passed, res.details


@pytest.mark.parametrize("broken", [half_step, discount_square_root])
@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
@pytest.mark.parametrize("tau", TAUS)
def test_D2_rejects_iterations_slower_than_gamma(broken, mdp, tau):
    res = check_convergence(mdp, tau, subjects=OWN.replace(bellman_operator=broken))
    _assert_rejected(res)


@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
def test_D2_rejects_hard_max_iterates_at_positive_temperature(mdp):
    _assert_rejected(check_convergence(mdp, 0.5, subjects=OWN.replace(bellman_operator=hard_max_operator)))


def test_D2_half_step_breaks_the_a_priori_bound():
    # Q ← (Q + TQ)/2 still converges to Q*: it is the γ^k rate that it misses.
    res = check_convergence(MDPS[0], 0.5, subjects=OWN.replace(bellman_operator=half_step))
    assert max(m for k, (m, _) in res.details["comparisons"].items() if "a priori" in k) > 1.0


# --- D4: soft policy iteration is Newton's method ----------------------------------------------
@settings(max_examples=40)
@given(finite_mdps(), temperatures(max_value=10.0))
def test_D4_passes_on_generated_mdps(mdp, tau):
    res = check_newton_policy_iteration(mdp, tau)
    assert res.passed, res.details


def test_D4_reproduces_the_mpi_rates_and_quadratic_order():
    # theory-notes §7b: at γ = 0.9 the tail rates are 0.8998, 0.8098, 0.7289, 0.5904 for
    # M = 1, 2, 3, 5, i.e. γ^M; and SPI's fitted order log e_{k+1}/log e_k is about 2.
    res = check_newton_policy_iteration(garnet(10, 3, 3, gamma=0.9, seed=1), 0.1)
    assert res.passed, res.details
    for m, rate in res.details["mpi_tail_rates"].items():
        assert rate == pytest.approx(0.9**m, abs=1e-3)
    assert res.details["spi_orders"][-1] > 1.8


def improve_at_wrong_temperature(q, tau):
    return boltzmann_policy(q, 2 * tau + 0.1)


def improve_with_hard_max(q, tau):
    return boltzmann_policy(q, 0.0)


@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
@pytest.mark.parametrize("tau", TAUS)
def test_D4_rejects_improvement_at_wrong_temperature(mdp, tau):
    res = check_newton_policy_iteration(
        mdp, tau, subjects=OWN.replace(policy_improvement=improve_at_wrong_temperature)
    )
    _assert_rejected(res)
    errors = res.details["spi_errors"]
    assert errors[-1] > 1e-3  # the error stalls away from V*


@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
def test_D4_rejects_hard_greedy_improvement_at_positive_temperature(mdp):
    _assert_rejected(
        check_newton_policy_iteration(
            mdp, 0.5, subjects=OWN.replace(policy_improvement=improve_with_hard_max)
        )
    )


@pytest.mark.parametrize("mdp", MDPS[:2], ids=MDP_IDS[:2])
@pytest.mark.parametrize("tau", TAUS)
def test_D4_rejects_mpi_rate_gamma_to_the_m_plus_one(mdp, tau):
    res = check_newton_policy_iteration(mdp, tau, claimed_rate=lambda gamma, m: gamma ** (m + 1))
    _assert_rejected(res)
    assert res.details["worst"].startswith("MPI")


# --- D5: monotonicity, shift identity, MacQueen–Porteus bracket --------------------------------
@settings(max_examples=50)
@given(finite_mdps(), temperatures(max_value=10.0))
def test_D5_passes_on_generated_mdps(mdp, tau):
    res = check_monotone_bounds(mdp, tau)
    assert res.passed, res.details


@settings(max_examples=30)
@given(finite_mdps(terminal=True), temperatures(max_value=10.0))
def test_D5_passes_with_terminal_states(mdp, tau):
    res = check_monotone_bounds(mdp, tau)
    assert res.passed, res.details


@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
@pytest.mark.parametrize("tau", TAUS)
def test_D5_rejects_a_decreasing_operator(mdp, tau):
    res = check_monotone_bounds(mdp, tau, subjects=OWN.replace(bellman_operator=sign_flipped))
    _assert_rejected(res)
    assert max(m for k, (m, _) in res.details["comparisons"].items() if k.startswith("monotone")) > 1e-3


@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
@pytest.mark.parametrize("tau", TAUS)
def test_D5_rejects_shift_by_c_instead_of_gamma_c(mdp, tau):
    res = check_monotone_bounds(mdp, tau, shift_factor=1.0)
    _assert_rejected(res)
    assert res.details["worst"].startswith("shift")


@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
@pytest.mark.parametrize("tau", TAUS)
def test_D5_rejects_bracket_with_factor_gamma(mdp, tau):
    res = check_monotone_bounds(mdp, tau, bracket_factor=mdp.gamma)
    _assert_rejected(res)
    assert res.details["worst"].startswith("bracket")


def test_D5_bracket_needs_the_terminal_state_clamp():
    # On an acyclic MDP every path ends in a terminal state; the bracket is checked there too.
    res = check_monotone_bounds(random_dag(7, 3, gamma=0.9, seed=4), 0.5)
    assert res.passed, res.details


# --- batteries ---------------------------------------------------------------------------------
BATTERIES = [
    iteration.battery_contraction,
    iteration.battery_convergence,
    policy_iteration.battery_newton_policy_iteration,
    iteration.battery_monotone_bounds,
]


@pytest.mark.parametrize("battery", BATTERIES, ids=lambda b: b.__name__)
def test_battery_quick_passes_and_is_deterministic(battery):
    first = battery(seed=0, size="quick")
    assert first.passed, first.details
    assert first.cases > 0
    assert battery(seed=0, size="quick") == first


def test_batteries_are_registered_under_their_claims():
    from checks.base import registered

    ids = {claim.id for claim, _ in registered()}
    assert {"D1", "D2", "D3", "D4", "D5"} <= ids


def test_chain_instance_passes_every_check():
    mdp = chain(6, gamma=0.9, slip=0.1)
    for check in (check_contraction, check_convergence, check_newton_policy_iteration, check_monotone_bounds):
        res = check(mdp, 0.1)
        assert res.passed, (check.__name__, res.details)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mutant's own ConvergenceWarning class
@pytest.mark.parametrize("mdp", MDPS, ids=MDP_IDS)
def test_D2_rejects_misreported_value_iteration_residuals(monkeypatch, mdp):
    """theory's soft value iteration reporting min |V_n − V_{n−1}| for the sup-norm: its certificate
    still holds, but the residuals it reports (a convergence diagnostic) are wrong."""
    source = inspect.getsource(solvers)
    old = "residuals.append(float(np.abs(s.tv - s.v).max()))\n        v_mid"
    assert source.count(old) == 1  # in _iterate_certified, not in backward induction
    mutant = types.ModuleType("solvers_mutant")
    monkeypatch.setitem(sys.modules, mutant.__name__, mutant)  # its dataclasses look themselves up
    code = compile(source.replace(old, old.replace(".max()", ".min()")), solvers.__file__, "exec")
    exec(code, mutant.__dict__)
    monkeypatch.setattr(iteration, "soft_value_iteration", mutant.soft_value_iteration)
    res = check_convergence(mdp, 0.5)
    _assert_rejected(res)
    assert res.details["worst"].startswith("soft_value_iteration's residuals")


# --- foreign subjects: plain numpy, the roles' signatures ----------------------------------------
def numpy_bellman(P, R, gamma, q, tau):
    """r + γ P F_τ(Q) with scipy's logsumexp, P [S, A, S]: another author's soft Bellman operator."""
    return R + gamma * P @ (tau * logsumexp(q / tau, axis=1))


def bellman_forgetting_gamma_on_one_action(P, R, gamma, q, tau):
    """The same, but action 0 is backed up with r + P F_τ(Q): γ forgotten on one action."""
    out = numpy_bellman(P, R, gamma, q, tau)
    out[:, 0] = R[:, 0] + (P @ (tau * logsumexp(q / tau, axis=1)))[:, 0]
    return out


def numpy_boltzmann(q, tau):
    """f_τ(q) row-wise with scipy's softmax: another author's policy improvement."""
    return scipy_softmax(q / tau, axis=-1)


def boltzmann_at_105_percent_tau(q, tau):
    """The Boltzmann policy at 1.05·τ: a subtly wrong temperature."""
    return scipy_softmax(q / (1.05 * tau), axis=-1)


FOREIGN_MDPS = MDPS[:2]  # the foreign subjects' conventions leave out terminal states
D_CHECKS = {"D1": check_contraction, "D2": check_convergence, "D5": check_monotone_bounds}


@pytest.mark.parametrize("claim", D_CHECKS)
@pytest.mark.parametrize("mdp", FOREIGN_MDPS, ids=MDP_IDS[:2])
def test_D1_D2_D5_pass_a_foreign_bellman_operator(claim, mdp):
    res = D_CHECKS[claim](mdp, 0.5, subjects=Subjects.of(bellman_operator=numpy_bellman))
    assert res.passed, res.details


@settings(max_examples=15, deadline=None)
@given(finite_mdps(conventions=Conventions()), temperatures(allow_zero=False, min_value=0.01, max_value=10.0))
def test_D1_D2_D5_pass_a_foreign_bellman_operator_on_generated_mdps(mdp, tau):
    subjects = Subjects.of(bellman_operator=numpy_bellman)
    for check in D_CHECKS.values():
        res = check(mdp, tau, subjects=subjects)
        assert res.passed, (check.__name__, res.details)


@pytest.mark.parametrize("claim", D_CHECKS)
@pytest.mark.parametrize("mdp", FOREIGN_MDPS, ids=MDP_IDS[:2])
def test_D1_D2_D5_fail_a_foreign_operator_that_forgets_gamma_on_one_action(claim, mdp):
    subjects = Subjects.of(bellman_operator=bellman_forgetting_gamma_on_one_action)
    res = D_CHECKS[claim](mdp, 0.5, subjects=subjects)
    assert res.verdict == FAIL, res.details
    _assert_rejected(res)


def test_D1_D2_D5_batteries_take_a_foreign_operator_on_the_cases_it_can_read():
    subjects = Subjects.of(bellman_operator=numpy_bellman)
    for battery in (
        iteration.battery_contraction,
        iteration.battery_convergence,
        iteration.battery_monotone_bounds,
    ):
        res = battery(seed=0, size="quick", subjects=subjects)
        assert res.passed, (battery.__name__, res.details)
        assert 0 < res.cases < battery(seed=0, size="quick").cases  # τ = 0 and terminal states left out


@pytest.mark.parametrize("mdp", FOREIGN_MDPS, ids=MDP_IDS[:2])
def test_D4_passes_a_foreign_policy_improvement(mdp):
    res = check_newton_policy_iteration(mdp, 0.5, subjects=Subjects.of(policy_improvement=numpy_boltzmann))
    assert res.passed, res.details


@pytest.mark.parametrize("mdp", FOREIGN_MDPS, ids=MDP_IDS[:2])
def test_D4_fails_a_foreign_boltzmann_policy_at_105_percent_tau(mdp):
    subjects = Subjects.of(policy_improvement=boltzmann_at_105_percent_tau)
    _assert_rejected(check_newton_policy_iteration(mdp, 0.5, subjects=subjects))


def test_D4_battery_takes_a_foreign_policy_improvement():
    res = policy_iteration.battery_newton_policy_iteration(
        seed=0, size="quick", subjects=Subjects.of(policy_improvement=numpy_boltzmann)
    )
    assert res.passed, res.details
