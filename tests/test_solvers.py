"""Exact soft solvers: agreement with closed forms and independent methods, certified bounds.

Tolerances: ``round_tol(mdp, tau)`` is float64 round-off scaled by the problem,
64·eps·(1 + (‖r‖∞ + τ log A)/(1 − γ)): the size of V* times a few ulps per operation, the
1/(1 − γ) accounting for how a per-sweep error accumulates in a fixed point.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import entr

from mdps import FiniteMDP
from mdps.generators import cliff_walk, d_chain, garnet, gridworld, random_dag
from mdps.strategies import finite_mdps, q_vectors, temperatures
from theory import (
    ConvergenceWarning,
    boltzmann_policy,
    evaluate_policy,
    soft_backward_induction,
    soft_bellman_operator,
    soft_policy_iteration,
    soft_policy_reward,
    soft_state_value,
    soft_value,
    soft_value_iteration,
)
from theory.lp import LP_FEASIBILITY_TOL, classical_lp_values
from theory.solvers import (  # not re-exported by theory/__init__.py yet
    exact_optimum,
    exact_tolerance,
    soft_solve,
    value_scale,
)

EPS = np.finfo(np.float64).eps
moderate_tau = temperatures(max_value=10.0)


def v_scale(mdp, tau):
    """Bound on ‖V*‖∞: (‖r‖∞ + τ log A)/(1 − γ)."""
    return (np.abs(mdp.R).max() + tau * np.log(mdp.n_actions)) / (1 - mdp.gamma)


def round_tol(mdp, tau):
    return 64 * EPS * (1 + v_scale(mdp, tau)) * (1 + mdp.max_successors)


def solve_both(mdp, tau, tol=None):
    tol = 1e-10 * (1 + v_scale(mdp, tau)) if tol is None else tol
    return soft_value_iteration(mdp, tau, tol=tol), soft_policy_iteration(mdp, tau, tol=tol)


# --- closed forms -----------------------------------------------------------------------------------
@given(q_vectors(max_magnitude=1e3), st.floats(0.0, 0.99), moderate_tau)
def test_one_state_mdp_closed_form(r, gamma, tau):
    # One state, K self-loops: V = F_τ(r) + γV, so V = F_τ(r)/(1 − γ) and Q = r + γV.
    mdp = FiniteMDP(np.ones((1, r.size, 1)), r[None, :], gamma)
    v = soft_value(r, tau) / (1 - gamma)
    for res in solve_both(mdp, tau):
        assert res.converged
        assert abs(res.v[0] - v) <= res.error_bound + round_tol(mdp, tau)
        np.testing.assert_allclose(
            res.q[0], r + gamma * v, rtol=0, atol=res.error_bound + round_tol(mdp, tau)
        )


@given(q_vectors(max_magnitude=10.0), st.floats(0.0, 1.0), st.integers(1, 20), moderate_tau)
def test_one_state_finite_horizon_closed_form(r, gamma, horizon, tau):
    # H steps: V_H = Σ_{t<H} γ^t F_τ(r) (γ = 1 allowed with a horizon).
    mdp = FiniteMDP(np.ones((1, r.size, 1)), r[None, :], gamma, horizon=horizon)
    expected = soft_value(r, tau) * sum(gamma**t for t in range(horizon))
    res = soft_backward_induction(mdp, tau)
    assert abs(res.v[0] - expected) <= res.error_bound + 64 * EPS * horizon * (1 + abs(expected))
    # A stationary policy evaluated over the same horizon: Σ_{t<H} γ^t (r_π + τH(π)).
    pi = np.full((1, r.size), 1.0 / r.size)
    ev = evaluate_policy(mdp, pi, tau)
    per_step = r.mean() + tau * np.log(r.size)
    assert ev.v[0] == pytest.approx(per_step * sum(gamma**t for t in range(horizon)), rel=1e-12, abs=1e-12)


# --- the solvers agree with each other and with the Bellman equation ----------------------------------
@given(finite_mdps(), moderate_tau)
def test_value_and_policy_iteration_agree_within_certified_bounds(mdp, tau):
    vi, pi = solve_both(mdp, tau)
    assert vi.converged and pi.converged
    slack = vi.error_bound + pi.error_bound + round_tol(mdp, tau)
    np.testing.assert_allclose(vi.q, pi.q, rtol=0, atol=slack)
    np.testing.assert_allclose(vi.v, pi.v, rtol=0, atol=slack)


@given(finite_mdps(), moderate_tau)
def test_solution_is_a_soft_bellman_fixed_point(mdp, tau):
    vi = soft_value_iteration(mdp, tau, tol=1e-10 * (1 + v_scale(mdp, tau)))
    # ‖Tq − q‖ <= ‖Tq − q*‖ + ‖q* − q‖ <= (1 + γ)·bound (T is a γ-contraction).
    residual = np.abs(soft_bellman_operator(mdp, vi.q, tau) - vi.q).max()
    assert residual <= (1 + mdp.gamma) * vi.error_bound + round_tol(mdp, tau)
    np.testing.assert_allclose(
        vi.v, soft_state_value(vi.q, tau, terminal=mdp.terminal), rtol=0, atol=round_tol(mdp, tau)
    )
    np.testing.assert_allclose(vi.policy, boltzmann_policy(vi.q, tau), rtol=0, atol=1e-15)


@given(finite_mdps(), moderate_tau)
def test_boltzmann_policy_of_q_star_evaluates_to_v_star(mdp, tau):
    vi = soft_value_iteration(mdp, tau, tol=1e-11 * (1 + v_scale(mdp, tau)))
    ev = evaluate_policy(mdp, vi.policy, tau)
    # The Boltzmann policy of a q within ε of q* loses at most 2ε/(1 − γ) (greedy-policy bound).
    loss = 2 * vi.error_bound / (1 - mdp.gamma) + round_tol(mdp, tau) / (1 - mdp.gamma)
    np.testing.assert_allclose(ev.v, vi.v, rtol=0, atol=loss)


@given(finite_mdps(), st.floats(0.0, 1.0))
def test_certified_bound_really_bounds_the_error(mdp, exponent):
    # Stop early (tol from 1e-2 to 1e-6) and compare with a 1e-12 solution by policy iteration.
    tau = 0.3
    tol = 10.0 ** (-2 - 4 * exponent) * (1 + v_scale(mdp, tau))
    loose = soft_value_iteration(mdp, tau, tol=tol)
    exact = soft_policy_iteration(mdp, tau, tol=1e-12 * (1 + v_scale(mdp, tau)))
    assert loose.error_bound <= tol
    assert np.abs(loose.q - exact.q).max() <= loose.error_bound + exact.error_bound
    assert np.abs(loose.v - exact.v).max() <= loose.error_bound + exact.error_bound


def test_certified_stop_beats_the_residual_stop_at_gamma_099():
    # CLAIMS D5: the bracket certifies 1e-8 in far fewer sweeps than ‖V_n − V_{n−1}‖ <= tol(1−γ)/γ.
    mdp = garnet(50, 4, 5, gamma=0.99, seed=3)
    res = soft_value_iteration(mdp, 0.1, tol=1e-8)
    plain = np.nonzero(res.residuals * 0.99 / 0.01 <= 1e-8)[0]
    assert res.converged and plain.size == 0  # the plain rule had not stopped yet
    assert res.iterations < 200


@given(finite_mdps(), temperatures(allow_zero=False, min_value=1e-3, max_value=10.0))
def test_reward_scale_identity(mdp, tau):
    # Q*_τ[r] = τ Q*_1[r/τ] (theory-notes 1.8).
    scaled = FiniteMDP(mdp.P, mdp.R / tau, mdp.gamma, terminal=mdp.terminal)
    a = soft_policy_iteration(mdp, tau, tol=1e-11 * (1 + v_scale(mdp, tau)))
    b = soft_policy_iteration(scaled, 1.0, tol=1e-11 * (1 + v_scale(scaled, 1.0)))
    np.testing.assert_allclose(
        a.q, tau * b.q, rtol=0, atol=a.error_bound + tau * b.error_bound + round_tol(mdp, tau)
    )


@given(finite_mdps(), st.floats(1e-3, 5.0))
def test_temperature_limits_one_sided(mdp, tau):
    # B4: 0 <= V*_τ − V*_0 <= τ log A/(1 − γ).
    soft, hard = solve_both(mdp, tau)[1], solve_both(mdp, 0.0)[1]
    gap = soft.v - hard.v
    slack = soft.error_bound + hard.error_bound + round_tol(mdp, tau)
    assert gap.min() >= -slack
    assert gap.max() <= tau * np.log(mdp.n_actions) / (1 - mdp.gamma) + slack


# --- independent oracles ---------------------------------------------------------------------------------
@given(finite_mdps(min_states=2, max_states=8))
def test_zero_temperature_matches_linear_programming(mdp):
    lp = classical_lp_values(mdp)
    for res in solve_both(mdp, 0.0):
        tol = 10 * LP_FEASIBILITY_TOL * (1 + v_scale(mdp, 0.0)) / (1 - mdp.gamma) + res.error_bound
        np.testing.assert_allclose(res.v, lp, rtol=0, atol=tol)


@given(st.integers(2, 8), st.integers(1, 4), st.integers(0, 2**16), st.floats(0.0, 0.99), moderate_tau)
def test_backward_induction_equals_value_iteration_on_acyclic_mdps(S, A, seed, gamma, tau):
    mdp = random_dag(S, A, gamma=gamma, seed=seed)
    assert mdp.acyclic_depth == S - 1  # the path 0 → 1 → … → S−1 has positive probability
    bi = soft_backward_induction(mdp, tau, horizon=S - 1)
    for res in solve_both(mdp, tau):
        slack = bi.error_bound + res.error_bound + round_tol(mdp, tau)
        np.testing.assert_allclose(bi.q, res.q, rtol=0, atol=slack)
        assert (res.v[mdp.terminal] == 0).all() and (res.q[mdp.terminal] == 0).all()


@given(finite_mdps(max_states=5), moderate_tau, st.integers(0, 2**16))
def test_evaluate_policy_equals_truncated_series(mdp, tau, seed):
    # B3: V^π = Σ_t γ^t P_π^t (r_π + τH_π), truncated at T with tail <= γ^T·max|b|/(1 − γ).
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
    S, A = mdp.n_states, mdp.n_actions
    dense = mdp.P.toarray().reshape(S, A, S) if mdp.is_sparse else mdp.P
    P_pi = np.einsum("sa,sat->st", pi, dense)
    h = entr(pi).sum(axis=1) * ~mdp.terminal
    b = (pi * mdp.R).sum(axis=1) + tau * h
    T = 400
    series, term = np.zeros(S), b.copy()
    for _ in range(T):
        series += term
        term = mdp.gamma * P_pi @ term
    tail = mdp.gamma**T * np.abs(b).max() / (1 - mdp.gamma)
    ev = evaluate_policy(mdp, pi, tau)
    np.testing.assert_allclose(ev.v, series, rtol=0, atol=tail + T * round_tol(mdp, tau))


@given(finite_mdps(), moderate_tau)
def test_dense_and_sparse_layouts_give_the_same_solution(mdp, tau):
    S, A = mdp.n_states, mdp.n_actions
    if mdp.is_sparse:
        other = FiniteMDP(mdp.P.toarray().reshape(S, A, S), mdp.R, mdp.gamma, terminal=mdp.terminal)
    else:
        other = FiniteMDP(sp.csr_array(mdp.P.reshape(S * A, S)), mdp.R, mdp.gamma, terminal=mdp.terminal)
    for a, b in zip(solve_both(mdp, tau), solve_both(other, tau)):
        np.testing.assert_allclose(a.q, b.q, rtol=0, atol=a.error_bound + b.error_bound + round_tol(mdp, tau))


@pytest.mark.parametrize("tau", [0.0, 0.01, 1.0])
def test_named_problems_solve_and_agree(tau):
    for mdp in [
        gridworld(4, 5, gamma=0.95, slip=0.1),
        cliff_walk(gamma=0.95, slip=0.05),
        garnet(200, 4, 10, gamma=0.99, seed=1, sparse=True),
    ]:
        vi, pi = solve_both(mdp, tau)
        np.testing.assert_allclose(
            vi.q, pi.q, rtol=0, atol=vi.error_bound + pi.error_bound + round_tol(mdp, tau)
        )
        assert (vi.v[mdp.terminal] == 0).all()


def test_d_chain_backward_induction_by_hand():
    # n = 2: state 0 has L = 1/2 (ends) or R -> state 1; state 1 has L = 0 or R = final reward.
    mdp = d_chain(2, 0.5)
    tau = 0.25
    v1 = tau * np.log(np.exp(0.0) + np.exp(0.5 / tau))
    v0 = tau * np.log(np.exp(0.5 / tau) + np.exp(v1 / tau))
    res = soft_backward_induction(mdp, tau)
    assert res.v[0] == pytest.approx(v0, rel=1e-14)
    np.testing.assert_allclose(res.q[0], [0.5, v1], rtol=1e-14)
    assert soft_backward_induction(mdp, 0.0).v[0] == 0.5


def test_value_scale_by_hand_discounted_and_finite_horizon():
    # max|r| = 2, A = 3: (2 + τ log 3)/(1 − γ) discounted, H·(2 + τ log 3) with a horizon.
    P, R = np.ones((1, 3, 1)), np.array([[-2.0, 1.0, 0.5]])
    tau = 0.5
    per_step = 2.0 + tau * np.log(3.0)
    assert value_scale(FiniteMDP(P, R, 0.75), tau) == pytest.approx(4 * per_step, rel=1e-15)
    assert value_scale(FiniteMDP(P, R, 1.0, horizon=7), tau) == pytest.approx(7 * per_step, rel=1e-15)
    assert value_scale(FiniteMDP(P, R, 0.5, horizon=7), 0.0) == 14.0  # the horizon, not 1/(1 − γ)
    with pytest.raises(ValueError, match="float64 range"):
        value_scale(FiniteMDP(P, np.full((1, 3), 1e306), 1.0, horizon=1000), 0.0)


def test_exact_optimum_is_certified_to_exact_tolerance():
    mdp = garnet(8, 3, 2, gamma=0.9, seed=1)
    res = exact_optimum(mdp, 0.3)
    assert res.converged and res.error_bound <= exact_tolerance(mdp, 0.3)
    assert exact_tolerance(mdp, 0.3) == 1e-12 * (1 + value_scale(mdp, 0.3))


@pytest.mark.parametrize("maxiter", [1000, 1])
def test_sparse_policy_evaluation_krylov_and_lu_fallback_are_exact(maxiter):
    # maxiter=1 stops BiCGSTAB early: the residual check must reject it and fall back to LU.
    from theory.bellman import _solve_sparse

    mdp = garnet(300, 3, 5, gamma=0.99, seed=4, sparse=True)
    pi = np.random.default_rng(0).dirichlet(np.ones(3), size=300)
    M = sp.identity(300, format="csr") - 0.99 * mdp.P_pi(pi)
    b = mdp.r_pi(pi)
    x = _solve_sparse(M, b, maxiter=maxiter)
    dense = np.linalg.solve(M.toarray(), b)
    np.testing.assert_allclose(x, dense, rtol=0, atol=1e-12 * np.abs(dense).max() / (1 - 0.99))


# --- extreme valid inputs and convergence warnings -------------------------------------------------
@pytest.mark.parametrize("tau", [0.0, 1e-12, 1.0, 1e12])
@pytest.mark.parametrize("reward_scale", [1.0, 1e6])
def test_extreme_inputs_are_finite_and_silent(tau, reward_scale):
    base = garnet(30, 3, 4, gamma=0.9, seed=7)
    mdp = FiniteMDP(base.P, base.R * reward_scale, base.gamma)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vi, pi = solve_both(mdp, tau)
    for res in (vi, pi):
        assert res.converged and np.isfinite(res.q).all() and np.isfinite(res.policy).all()
    np.testing.assert_allclose(vi.q, pi.q, rtol=0, atol=vi.error_bound + pi.error_bound + round_tol(mdp, tau))


def test_max_iter_reached_warns_and_reports_unconverged():
    mdp = garnet(20, 3, 3, gamma=0.99, seed=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=3 reached"):
        res = soft_value_iteration(mdp, 0.5, tol=1e-10, max_iter=3)
    assert not res.converged and res.iterations == 3 and res.error_bound > 1e-10


def test_tolerance_below_round_off_floor_warns():
    mdp = FiniteMDP(garnet(20, 3, 3, gamma=0.99, seed=0).P, np.full((20, 3), 1e6), 0.99)
    with pytest.warns(ConvergenceWarning, match="round-off floor"):
        res = soft_value_iteration(mdp, 0.5, tol=1e-12)
    assert not res.converged and res.iterations < 1000


# --- bad arguments -----------------------------------------------------------------------------------
_M = FiniteMDP(np.ones((1, 2, 1)), np.zeros((1, 2)), 0.9)
_H = FiniteMDP(np.ones((1, 2, 1)), np.zeros((1, 2)), 1.0, horizon=3)

_P = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]])
_M2 = FiniteMDP(_P, np.zeros((2, 2)), 0.9)  # two states: shape errors are visible
_PI = np.full((2, 2), 0.5)

# One table per module: (call, exception, message naming the argument).
BAD_SOLVERS = [
    pytest.param(lambda: soft_value_iteration(_M, 1.0, tol=0.0), ValueError, "tol", id="tol-zero"),
    pytest.param(lambda: soft_value_iteration(_M, 1.0, tol=-1e-9), ValueError, "tol", id="tol-negative"),
    pytest.param(lambda: soft_value_iteration(_M, 1.0, tol=np.nan), ValueError, "tol", id="tol-nan"),
    pytest.param(lambda: soft_value_iteration(_M, 1.0, tol=np.inf), ValueError, "tol", id="tol-inf"),
    pytest.param(lambda: soft_value_iteration(_M, 1.0, tol="1e-9"), TypeError, "tol", id="tol-string"),
    pytest.param(
        lambda: soft_value_iteration(_M, 1.0, max_iter=0), ValueError, "max_iter", id="max-iter-zero"
    ),
    pytest.param(
        lambda: soft_policy_iteration(_M, 1.0, max_iter=2.5), TypeError, "max_iter", id="max-iter-float"
    ),
    pytest.param(
        lambda: soft_value_iteration(_M, 1.0, max_iter=True), TypeError, "max_iter", id="max-iter-bool"
    ),
    pytest.param(lambda: soft_value_iteration(_M, -1.0), ValueError, "tau", id="vi-negative-tau"),
    pytest.param(lambda: soft_value_iteration(_M, np.nan), ValueError, "tau", id="vi-nan-tau"),
    pytest.param(lambda: soft_value_iteration(_M, None), TypeError, "tau", id="vi-none-tau"),
    pytest.param(lambda: soft_policy_iteration(_M, np.inf), ValueError, "tau", id="pi-inf-tau"),
    pytest.param(
        lambda: soft_value_iteration(_M.P, 1.0), TypeError, "mdp must be a FiniteMDP", id="vi-mdp-array"
    ),
    pytest.param(
        lambda: soft_policy_iteration(None, 1.0), TypeError, "mdp must be a FiniteMDP", id="pi-mdp-none"
    ),
    pytest.param(lambda: soft_value_iteration(_H, 1.0), ValueError, "finite-horizon", id="vi-on-horizon-mdp"),
    pytest.param(
        lambda: soft_policy_iteration(_H, 1.0), ValueError, "finite-horizon", id="pi-on-horizon-mdp"
    ),
    pytest.param(
        lambda: soft_value_iteration(_M, 1.0, q0=np.zeros((2, 2))),
        ValueError,
        "q0 must have shape",
        id="q0-shape",
    ),
    pytest.param(
        lambda: soft_value_iteration(_M, 1.0, q0=np.array([[0.0, np.nan]])),
        ValueError,
        r"q0\[0, 1\]",
        id="q0-nan",
    ),
    pytest.param(
        lambda: soft_policy_iteration(_M, 1.0, pi0=np.array([[0.7, 0.7]])),
        ValueError,
        "pi0 must sum to 1",
        id="pi0-sum",
    ),
    pytest.param(
        lambda: soft_policy_iteration(_M2, 1.0, pi0=np.ones((1, 2)) / 2),
        ValueError,
        "pi0 must have shape",
        id="pi0-shape",
    ),
    pytest.param(
        lambda: soft_policy_iteration(_M2, 1.0, pi0=[[1.5, -0.5], [0.5, 0.5]]),
        ValueError,
        "pi0 must be non-negative",
        id="pi0-negative",
    ),
    pytest.param(lambda: soft_solve(_M, 1.0, tol=0.0), ValueError, "tol", id="solve-tol-zero"),
    pytest.param(lambda: soft_solve(_M, -1.0), ValueError, "tau", id="solve-negative-tau"),
    pytest.param(lambda: soft_solve(_H, 1.0), ValueError, "finite-horizon", id="solve-on-horizon-mdp"),
    pytest.param(lambda: soft_solve(_M, 1.0, max_iter=0), ValueError, "max_iter", id="solve-max-iter-zero"),
    pytest.param(lambda: soft_solve("mdp", 1.0), TypeError, "mdp must be a FiniteMDP", id="solve-mdp-string"),
    pytest.param(lambda: soft_backward_induction(_M, 1.0), ValueError, "horizon", id="bi-without-horizon"),
    pytest.param(
        lambda: soft_backward_induction(_M, 1.0, horizon=0), ValueError, "horizon", id="bi-horizon-zero"
    ),
    pytest.param(
        lambda: soft_backward_induction(_M, 1.0, horizon=2.0), TypeError, "horizon", id="bi-horizon-float"
    ),
    pytest.param(lambda: soft_backward_induction(_H, -2.0), ValueError, "tau", id="bi-negative-tau"),
    pytest.param(
        lambda: soft_backward_induction({}, 1.0), TypeError, "mdp must be a FiniteMDP", id="bi-mdp-dict"
    ),
    pytest.param(
        lambda: soft_value_iteration(FiniteMDP(np.ones((1, 2, 1)), np.full((1, 2), 1e306), 0.999), 0.0),
        ValueError,
        "float64 range",
        id="values-beyond-float64",
    ),
]

BAD_BELLMAN = [
    pytest.param(
        lambda: soft_bellman_operator(_M, np.zeros((1, 3)), 1.0),
        ValueError,
        "q must have shape",
        id="T-q-shape",
    ),
    pytest.param(
        lambda: soft_bellman_operator(_M, [[0.0, np.inf]], 1.0), ValueError, r"q\[0, 1\] = inf", id="T-q-inf"
    ),
    pytest.param(
        lambda: soft_bellman_operator(_M, [[0.0, 1j]], 1.0), TypeError, "q must hold real", id="T-q-complex"
    ),
    pytest.param(lambda: soft_bellman_operator(_M, [[0.0, 0.0]], np.nan), ValueError, "tau", id="T-nan-tau"),
    pytest.param(lambda: soft_bellman_operator(None, [[0.0, 0.0]], 1.0), TypeError, "mdp", id="T-mdp-none"),
    pytest.param(
        lambda: evaluate_policy(_M, np.array([[1.0, 0.0]]), -0.5), ValueError, "tau", id="eval-negative-tau"
    ),
    pytest.param(
        lambda: evaluate_policy(_M2, np.ones((3, 2)) / 2, 0.5),
        ValueError,
        "pi must have shape",
        id="eval-pi-shape",
    ),
    pytest.param(
        lambda: evaluate_policy(_M2, _PI * 1.1, 0.5), ValueError, "pi must sum to 1", id="eval-pi-sum"
    ),
    pytest.param(
        lambda: evaluate_policy(_M2, _PI + [[np.nan, 0]], 0.5),
        ValueError,
        "pi must be finite",
        id="eval-pi-nan",
    ),
    pytest.param(
        lambda: evaluate_policy(_M2.P, _PI, 0.5), TypeError, "mdp must be a FiniteMDP", id="eval-mdp-array"
    ),
    pytest.param(lambda: soft_policy_reward(_M2, _PI, "warm"), TypeError, "tau", id="reward-string-tau"),
    pytest.param(
        lambda: soft_policy_reward(_M2, _PI[:1], 0.5), ValueError, "pi must have shape", id="reward-pi-shape"
    ),
    pytest.param(
        lambda: boltzmann_policy(np.zeros(3), 1.0), ValueError, "q must have 2 axes", id="boltzmann-1d"
    ),
    pytest.param(
        lambda: boltzmann_policy([[0.0, np.nan]], 1.0), ValueError, "q must be finite", id="boltzmann-nan"
    ),
    pytest.param(
        lambda: boltzmann_policy([[0.0, 1.0]], -1.0), ValueError, "tau", id="boltzmann-negative-tau"
    ),
    pytest.param(lambda: soft_state_value(np.zeros(3), 1.0), ValueError, "q must have 2 axes", id="V-q-1d"),
    pytest.param(
        lambda: soft_state_value([["a", "b"]], 1.0), TypeError, "q must hold real", id="V-q-strings"
    ),
    pytest.param(
        lambda: soft_state_value(np.zeros((2, 2)), 1.0, terminal=[0, 1]),
        ValueError,
        "terminal",
        id="terminal-not-bool",
    ),
    pytest.param(
        lambda: soft_state_value(np.zeros((2, 2)), 1.0, terminal=np.ones(3, bool)),
        ValueError,
        "terminal",
        id="terminal-shape",
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_SOLVERS)
def test_solvers_bad_arguments_raise_a_clear_error(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


@pytest.mark.parametrize("call, exc, message", BAD_BELLMAN)
def test_bellman_bad_arguments_raise_a_clear_error(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- the hybrid solver (soft_solve) ----------------------------------------------------------------
@settings(max_examples=40)
@given(finite_mdps(), moderate_tau)
def test_hybrid_agrees_with_value_iteration_within_certified_bounds(mdp, tau):
    tol = 1e-10 * (1 + v_scale(mdp, tau))
    hybrid, vi = soft_solve(mdp, tau, tol=tol), soft_value_iteration(mdp, tau, tol=tol)
    assert hybrid.converged and hybrid.error_bound <= tol
    slack = hybrid.error_bound + vi.error_bound + round_tol(mdp, tau)
    np.testing.assert_allclose(hybrid.q, vi.q, rtol=0, atol=slack)
    np.testing.assert_allclose(hybrid.v, vi.v, rtol=0, atol=slack)
    np.testing.assert_allclose(hybrid.policy, boltzmann_policy(hybrid.q, tau), rtol=0, atol=1e-15)


@settings(max_examples=20)
@given(finite_mdps(gamma=0.99))
def test_hybrid_at_zero_temperature_matches_linear_programming(mdp):
    res = soft_solve(mdp, 0.0, tol=1e-10 * (1 + v_scale(mdp, 0.0)))
    lp = classical_lp_values(mdp)
    lp_tol = 10 * LP_FEASIBILITY_TOL * (1 + np.abs(lp).max()) / (1 - mdp.gamma)
    np.testing.assert_allclose(res.v, lp, rtol=0, atol=res.error_bound + lp_tol)


def test_hybrid_hands_over_only_when_value_iteration_is_slow():
    # Garnet mixes fast: the bracket closes in a few dozen sweeps, no handover (same answer as VI).
    fast = garnet(200, 4, 10, gamma=0.99, seed=0, sparse=True)
    np.testing.assert_array_equal(
        soft_solve(fast, 0.1, tol=1e-8).v, soft_value_iteration(fast, 0.1, tol=1e-8).v
    )
    # A slippery gridworld at γ = 0.99 contracts at about γ per sweep: the hybrid hands over.
    slow = gridworld(15, 15, gamma=0.99, slip=0.1)
    vi, hybrid = soft_value_iteration(slow, 0.1, tol=1e-8), soft_solve(slow, 0.1, tol=1e-8)
    assert hybrid.iterations < vi.iterations / 10
    np.testing.assert_allclose(hybrid.q, vi.q, rtol=0, atol=hybrid.error_bound + vi.error_bound)


def test_inexact_policy_step_is_caught_by_the_bracket(monkeypatch):
    # Negative control for the certificate: a policy step returning values off by 1e-3 cannot
    # certify 1e-8 (the bracket is formed from the values actually returned), so the solver warns.
    import theory.solvers as solvers

    real = solvers._policy_step

    def broken(mdp, tau, tol, regularizer):
        step = real(mdp, tau, tol, regularizer)
        return lambda s: step(s) + 1e-3 * np.sin(np.arange(mdp.n_states))

    monkeypatch.setattr(solvers, "_policy_step", broken)
    mdp = garnet(30, 3, 4, gamma=0.9, seed=1)
    with pytest.warns(ConvergenceWarning):
        res = soft_policy_iteration(mdp, 0.2, tol=1e-8, max_iter=30)
    assert not res.converged and res.error_bound > 1e-8


def test_sparse_policy_iteration_uses_krylov_above_the_lu_threshold_and_agrees():
    from theory.bellman import DIRECT_SOLVE_MAX_STATES

    S = DIRECT_SOLVE_MAX_STATES + 100
    mdp = garnet(S, 3, 5, gamma=0.99, seed=2, sparse=True)
    dense = FiniteMDP(mdp.P.toarray().reshape(S, 3, S), mdp.R, mdp.gamma)
    for tau in (0.0, 0.5):
        a, b = soft_policy_iteration(mdp, tau, tol=1e-9), soft_policy_iteration(dense, tau, tol=1e-9)
        np.testing.assert_allclose(a.q, b.q, rtol=0, atol=a.error_bound + b.error_bound)


def test_policy_steps_that_settle_above_the_floor_stop_with_the_best_bound():
    """At τ = 0 the hybrid hands over to policy iteration, whose policy stops changing: the
    iterate repeats with its bracket just above the round-off floor. It used to repeat until
    max_iter (100,000 Krylov solves); now it stops after STALL_ITERATIONS iterations without a
    smaller bound, warns, and returns the best certified iterate."""
    from theory.solvers import STALL_ITERATIONS

    mdp = garnet(600, 4, 10, gamma=0.99, seed=0, sparse=True)
    with pytest.warns(ConvergenceWarning, match="stopped shrinking"):
        res = soft_solve(mdp, 0.0, tol=1e-11)
    assert not res.converged and res.iterations < 60 + STALL_ITERATIONS
    ref = soft_solve(mdp, 0.0)  # certified to 1e-10·(1 + M)
    assert np.abs(res.v - ref.v).max() <= res.error_bound + ref.error_bound
    assert res.error_bound < 2e-11  # the best iterate's bound, not the last one's
