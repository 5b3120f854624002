"""Gymnasium and pymdptoolbox interop: conversions, and cross-checks against code nobody here wrote.

Tolerances: pymdptoolbox's PolicyIteration evaluates each policy by a dense linear solve, so its
values are exact to round-off; ours are certified to ``tol``. The issue asks for 1e-9 on its
``forest`` and ``rand`` examples (values of order 1 to 30). The LP oracle agrees within
10·LP_FEASIBILITY_TOL·(1 + ‖V‖)/(1 − γ) (theory/lp.py). The soft–classical gap is
0 <= V_τ − V_0 <= τ log A/(1 − γ) (F_τ exceeds the max by at most τ log A per step), plus the
two certified errors.
"""

import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings

from mdps import FiniteMDP
from mdps.generators import garnet
from mdps.interop import from_gymnasium, from_mdptoolbox, to_mdptoolbox
from mdps.strategies import finite_mdps
from theory.lp import LP_FEASIBILITY_TOL, classical_lp_values
from theory.solvers import soft_policy_iteration, soft_solve, soft_value_iteration

gymnasium = pytest.importorskip("gymnasium")
toolbox_example = pytest.importorskip("mdptoolbox.example")
toolbox_mdp = pytest.importorskip("mdptoolbox.mdp")

CROSS_TOL = 1e-9


def toolbox_policy_iteration(P, R, gamma):
    """pymdptoolbox's PolicyIteration values and policy (its input check compares sparse
    matrices with 0, which scipy flags as inefficient: silenced here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)
        pi = toolbox_mdp.PolicyIteration(P, R, gamma)
        pi.run()
    return np.asarray(pi.V), np.asarray(pi.policy)


# --- pymdptoolbox cross-checks ------------------------------------------------------------------
@pytest.mark.parametrize("S, gamma", [(3, 0.9), (10, 0.95), (50, 0.99)])
def test_forest_policy_iteration_values_match_pymdptoolbox(S, gamma):
    P, R = toolbox_example.forest(S=S)  # P (A, S, S), R (S, A)
    V_tb, policy_tb = toolbox_policy_iteration(P, R, gamma)
    mdp = from_mdptoolbox(P, R, gamma, name=f"forest(S={S})")
    for solver in (soft_policy_iteration, soft_value_iteration, soft_solve):
        res = solver(mdp, 0.0, tol=1e-11 * (1 + np.abs(V_tb).max()))
        np.testing.assert_allclose(res.v, V_tb, rtol=0, atol=CROSS_TOL)
    np.testing.assert_array_equal(res.policy.argmax(axis=1), policy_tb)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("S, A, seed", [(10, 3, 0), (60, 5, 1)])
def test_rand_policy_iteration_values_match_pymdptoolbox(S, A, seed, sparse):
    # rand's R is (A, S, S): a reward per transition, reduced to its expectation on import.
    np.random.seed(seed)  # pymdptoolbox's example draws from numpy's global generator
    P, R = toolbox_example.rand(S, A, is_sparse=sparse)
    V_tb, _ = toolbox_policy_iteration(P, R, 0.95)
    mdp = from_mdptoolbox(P, R, 0.95)
    assert mdp.is_sparse == sparse
    res = soft_policy_iteration(mdp, 0.0, tol=1e-11 * (1 + np.abs(V_tb).max()))
    np.testing.assert_allclose(res.v, V_tb, rtol=0, atol=CROSS_TOL)


def test_our_mdp_solved_by_pymdptoolbox_matches_lp_and_ours():
    mdp = garnet(40, 3, 5, gamma=0.9, seed=3, sparse=True)
    V_tb, _ = toolbox_policy_iteration(*to_mdptoolbox(mdp), mdp.gamma)
    ours = soft_policy_iteration(mdp, 0.0, tol=1e-11)
    np.testing.assert_allclose(ours.v, V_tb, rtol=0, atol=CROSS_TOL)


# --- Gymnasium ---------------------------------------------------------------------------------
def test_frozenlake_4x4_slippery_optimal_start_value_is_the_classical_one():
    mdp = from_gymnasium("FrozenLake-v1", 0.99, is_slippery=True)
    assert (mdp.n_states, mdp.n_actions) == (17, 4) and mdp.terminal.tolist() == [False] * 16 + [True]
    lp = classical_lp_values(mdp)
    V_tb, _ = toolbox_policy_iteration(*to_mdptoolbox(mdp), mdp.gamma)
    lp_tol = 10 * LP_FEASIBILITY_TOL * (1 + np.abs(lp).max()) / (1 - mdp.gamma)
    for solver in (soft_policy_iteration, soft_value_iteration, soft_solve):
        res = solver(mdp, 0.0, tol=1e-10)
        assert res.v[0] == pytest.approx(lp[0], abs=res.error_bound + lp_tol)
        assert res.v[0] == pytest.approx(V_tb[0], abs=CROSS_TOL)
    # The classical answer (4x4 slippery, γ = 0.99): reach the goal with probability ~0.74, V ≈ 0.542.
    assert res.v[0] == pytest.approx(0.5420259320, abs=1e-9)


@pytest.mark.parametrize(
    "env_id, kwargs",
    [
        ("FrozenLake-v1", {"is_slippery": True}),
        ("FrozenLake-v1", {"is_slippery": True, "map_name": "8x8"}),
        ("CliffWalking-v1", {}),
        ("Taxi-v4", {}),
    ],
)
def test_soft_values_converge_to_classical_within_tau_log_k(env_id, kwargs):
    mdp = from_gymnasium(env_id, 0.99, sparse=True, **kwargs)
    hard = soft_solve(mdp, 0.0, tol=1e-9)
    log_k = np.log(mdp.n_actions)
    gaps = []
    for tau in (1.0, 0.1, 0.01, 0.001):
        soft = soft_solve(mdp, tau, tol=1e-9)
        slack = soft.error_bound + hard.error_bound
        gap = soft.v - hard.v
        assert gap.min() >= -slack
        assert gap.max() <= tau * log_k / (1 - mdp.gamma) + slack
        gaps.append(gap.max())
    assert gaps == sorted(gaps, reverse=True)  # V_τ decreases to V_0 as τ ↓ 0


def test_terminal_conventions_agree_on_reachable_states():
    sink = from_gymnasium("FrozenLake-v1", 0.99, is_slippery=True)
    states = from_gymnasium("FrozenLake-v1", 0.99, is_slippery=True, terminal="states", sparse=True)
    assert states.terminal.nonzero()[0].tolist() == [5, 7, 11, 12, 15]  # holes and goal
    for tau in (0.0, 0.3):
        a, b = soft_solve(sink, tau, tol=1e-11), soft_solve(states, tau, tol=1e-11)
        live = ~states.terminal  # under "sink" the holes and goal are unreachable decision states
        np.testing.assert_allclose(a.v[:16][live], b.v[live], rtol=0, atol=a.error_bound + b.error_bound)


def test_expected_rewards_and_terminal_sink_by_hand():
    mdp = from_gymnasium("FrozenLake-v1", 0.9, is_slippery=True)
    # State 14, action "right" (2): 1/3 each to 14 (down slip), 15 (goal, reward 1, terminated), 10.
    assert mdp.R[14, 2] == pytest.approx(1 / 3, rel=1e-15)
    np.testing.assert_allclose(mdp.P[14, 2, [10, 14, 15, 16]], [1 / 3, 1 / 3, 0, 1 / 3], rtol=1e-15)
    assert (mdp.P[16, :, 16] == 1).all() and (mdp.R[16] == 0).all()


def test_gymnasium_env_object_is_accepted():
    env = gymnasium.make("CliffWalking-v1")
    a = from_gymnasium(env, 0.95)
    b = from_gymnasium("CliffWalking-v1", 0.95)
    np.testing.assert_array_equal(a.P, b.P)
    np.testing.assert_array_equal(a.R, b.R)


# --- round trips ------------------------------------------------------------------------------
@settings(max_examples=25)
@given(finite_mdps(terminal=False))
def test_mdptoolbox_round_trip_is_exact(mdp):
    back = from_mdptoolbox(*to_mdptoolbox(mdp), mdp.gamma)
    assert back.is_sparse == mdp.is_sparse
    S, A = mdp.n_states, mdp.n_actions
    as_dense = (lambda m: m.P.toarray().reshape(S, A, S)) if mdp.is_sparse else (lambda m: m.P)
    np.testing.assert_array_equal(as_dense(back), as_dense(mdp))
    np.testing.assert_array_equal(back.R, mdp.R)


def test_mdptoolbox_reward_conventions():
    P = np.array([[[0.5, 0.5], [0.0, 1.0]], [[1.0, 0.0], [0.25, 0.75]]])  # (A=2, S=2, S=2)
    by_state = from_mdptoolbox(P, np.array([1.0, -2.0]), 0.9)
    np.testing.assert_array_equal(by_state.R, [[1.0, 1.0], [-2.0, -2.0]])
    R3 = np.array([[[2.0, 4.0], [9.0, 6.0]], [[8.0, 1.0], [4.0, 8.0]]])
    expected = np.array([[3.0, 8.0], [6.0, 7.0]])  # Σ_s' P[a,s,s'] R[a,s,s'], laid out [s, a]
    np.testing.assert_allclose(from_mdptoolbox(P, R3, 0.9).R, expected, rtol=1e-15)
    sparse_P = [sp.csr_matrix(m) for m in P]
    np.testing.assert_allclose(from_mdptoolbox(sparse_P, [sp.csr_matrix(m) for m in R3], 0.9).R, expected)
    np.testing.assert_allclose(from_mdptoolbox(sparse_P, R3, 0.9).R, expected)


# --- bad input ---------------------------------------------------------------------------------
def test_environment_without_transition_table_names_what_is_missing():
    with pytest.raises(ValueError, match=r"no transition table.*env\.unwrapped\.P"):
        from_gymnasium("CartPole-v1", 0.99)


def test_environment_with_non_discrete_spaces_is_rejected():
    env = gymnasium.make("FrozenLake-v1")
    env.unwrapped.observation_space = gymnasium.spaces.Box(0.0, 1.0, shape=(2,))
    with pytest.raises(ValueError, match="observation space must be Discrete"):
        from_gymnasium(env, 0.99)


def test_missing_gymnasium_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # import gymnasium now raises ImportError
    with pytest.raises(ImportError, match=r"maxent-verify\[interop\]"):
        from_gymnasium("FrozenLake-v1", 0.99)


def test_states_convention_rejects_a_state_entered_both_ways():
    class Env:
        observation_space = gymnasium.spaces.Discrete(2)
        action_space = gymnasium.spaces.Discrete(1)
        P = {0: {0: [(0.5, 1, 1.0, True), (0.5, 1, 0.0, False)]}, 1: {0: [(1.0, 1, 0.0, False)]}}

    assert from_gymnasium(Env(), 0.9).terminal.tolist() == [False, False, True]
    with pytest.raises(ValueError, match=r'terminal="states" needs every transition into state 1'):
        from_gymnasium(Env(), 0.9, terminal="states")


@pytest.mark.parametrize(
    "P, R, message",
    [
        (np.ones((2, 3, 4)), np.zeros((3, 2)), r"P must have shape \(A, S, S\)"),
        (np.full((2, 3, 3), 1 / 3), np.zeros((2, 3)), r"R must have shape \(S, A\)"),
        (np.full((2, 3, 3), 0.5), np.zeros((3, 2)), "rows must sum to 1"),
        ([np.eye(2), np.eye(3)], np.zeros((2, 2)), "one shape"),
        (sp.csr_matrix(np.eye(2)), np.zeros((2, 1)), "non-empty sequence"),
    ],
)
def test_bad_mdptoolbox_input_raises_value_error(P, R, message):
    # A lone sparse matrix is the wrong kind of P (TypeError); tests/test_inputs_mdps.py pins types.
    with pytest.raises((TypeError, ValueError), match=message):
        from_mdptoolbox(P, R, 0.9)


def test_bad_convention_and_finite_horizon_export_raise():
    with pytest.raises(ValueError, match="terminal must be one of"):
        from_gymnasium("FrozenLake-v1", 0.9, terminal="absorbing")
    with pytest.raises(ValueError, match="horizon=3"):
        to_mdptoolbox(FiniteMDP(np.ones((1, 1, 1)), np.zeros((1, 1)), 1.0, horizon=3))
