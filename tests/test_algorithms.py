"""theory.path_consistency, policy_gradient, actor_critic, composition: fixtures, references, errors."""

import numpy as np
import pytest
from scipy.special import log_softmax, softmax

from mdps.finite import FiniteMDP
from mdps.generators import chain, garnet, gridworld
from theory.actor_critic import (
    adjust_temperature,
    mixture_projection,
    restricted_soft_policy_iteration,
    soft_policy_evaluation,
    support_projection,
)
from theory.bellman import boltzmann_policy, evaluate_policy
from theory.composition import composition_bounds, renyi_half
from theory.path_consistency import MAX_PATHS, expected_one_step_residuals, path_residuals, successors
from theory.policy_gradient import (
    discounted_occupancy,
    soft_objective,
    soft_objective_gradient,
    value_regression_gradient,
)
from theory.softmax import kl, soft_value

GARNET = garnet(6, 3, 2, gamma=0.8, seed=4)


# --- path consistency --------------------------------------------------------------------------------
def two_state_loop():
    """s0 --a0--> s1 (r = 1), s0 --a1--> s0 (r = 0); s1 --any--> s0 (r = 2). Deterministic."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 1] = P[0, 1, 0] = P[1, 0, 0] = P[1, 1, 0] = 1.0
    return FiniteMDP(P, np.array([[1.0, 0.0], [2.0, 2.0]]), 0.5, name="loop")


def test_path_residual_matches_a_hand_computed_two_step_path():
    mdp = two_state_loop()
    v = np.array([3.0, 5.0])
    log_pi = np.log(np.array([[0.25, 0.75], [0.5, 0.5]]))
    tau = 0.2
    residual, feasible = path_residuals(mdp, v, log_pi, tau, 2)
    assert feasible.shape == (2, 2, 1, 2, 1) and feasible.all()
    # Path s0 -a0-> s1 -a1-> s0: V(s0) − γ²V(s0) − [(1 − τ log .25) + γ(2 − τ log .5)].
    hand = 3.0 - 0.25 * 3.0 - ((1 - tau * np.log(0.25)) + 0.5 * (2 - tau * np.log(0.5)))
    assert residual[0, 0, 0, 1, 0] == pytest.approx(hand, rel=1e-14)


def test_path_residuals_enumerate_every_deterministic_path():
    mdp = gridworld(3, 3, gamma=0.9, slip=0.0)
    _, feasible = path_residuals(mdp, np.zeros(9), np.zeros((9, 4)), 0.0, 3)
    assert feasible.sum() == 9 * 4**3


def test_path_residuals_stop_at_terminal_states():
    # The chain's terminal-free; a gridworld goal is terminal: from it every residual is 0.
    mdp = gridworld(3, 3, gamma=0.9, slip=0.0)
    rng = np.random.default_rng(0)
    residual, _ = path_residuals(
        mdp, np.where(mdp.terminal, 0.0, rng.normal(size=9)), rng.normal(size=(9, 4)), 1.0, 2
    )
    assert np.all(residual[mdp.terminal] == 0.0)


def test_successors_sorted_and_padded():
    succ, prob = successors(GARNET)
    assert succ.shape == prob.shape == (6, 3, 2)
    assert np.all(np.diff(prob, axis=2) <= 0)
    assert np.allclose(prob.sum(axis=2), 1.0)


def test_expected_residual_is_zero_for_the_exact_bellman_pair():
    # For any π, with Q = Q^π and "log π" := (Q^π − V)/τ for any V, the expected residual is 0.
    pi = np.random.default_rng(1).dirichlet(np.ones(3), size=6)
    q, v = evaluate_policy(GARNET, pi, 0.5)
    res = expected_one_step_residuals(GARNET, v, (q - v[:, None]) / 0.5, 0.5)
    assert np.abs(res).max() < 1e-13


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"depth": 0}, ValueError, "depth"),
        ({"depth": True}, TypeError, "depth"),
        ({"v": np.zeros(5)}, ValueError, "must have shape"),
        ({"log_policy": np.full((6, 3), -np.inf)}, ValueError, "finite"),
        ({"depth": 10}, ValueError, "MAX_PATHS"),  # 6·(3·2)^10 paths
    ],
    ids=["depth 0", "depth bool", "v shape", "log 0", "too many paths"],
)
def test_path_residuals_reject_bad_input(kwargs, exc, match):
    args = {"v": np.zeros(6), "log_policy": np.zeros((6, 3)), "depth": 1} | kwargs
    with pytest.raises(exc, match=match):
        path_residuals(GARNET, args["v"], args["log_policy"], 1.0, args["depth"])
    assert MAX_PATHS >= 10**6


# --- policy gradient -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mdp",
    [GARNET, garnet(5, 2, 2, gamma=0.9, seed=2, sparse=True), chain(4)],
    ids=["garnet", "sparse", "chain"],
)
def test_soft_objective_is_mu_times_exact_soft_value(mdp):
    rng = np.random.default_rng(0)
    theta = rng.normal(size=mdp.R.shape)
    mu = rng.dirichlet(np.ones(mdp.n_states))
    expected = mu @ evaluate_policy(mdp, boltzmann_policy(theta, 0.7), 0.7).v
    assert soft_objective(mdp, theta, 0.7, mu) == pytest.approx(expected, rel=1e-13)


def test_complex_step_gradient_matches_central_differences():
    rng = np.random.default_rng(2)
    theta = rng.normal(size=(6, 3))
    mu = np.full(6, 1 / 6)
    grad = soft_objective_gradient(GARNET, theta, 0.5, mu)
    h = 1e-6
    fd = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        fd[idx] = (
            soft_objective(GARNET, theta + e, 0.5, mu) - soft_objective(GARNET, theta - e, 0.5, mu)
        ) / (2 * h)
    np.testing.assert_allclose(grad, fd, atol=1e-7)


def test_value_regression_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    theta, target, w = rng.normal(size=(4, 3)), rng.normal(size=4), rng.random(4)

    def loss(t):
        return 0.5 * np.sum(w * (soft_value(t, 0.3) - target) ** 2)

    h = 1e-6
    fd = np.array(
        [
            [
                (loss(theta + h * e) - loss(theta - h * e)) / (2 * h)
                for e in np.eye(12)[i * 3 : i * 3 + 3].reshape(3, 4, 3)
            ]
            for i in range(4)
        ]
    )
    np.testing.assert_allclose(value_regression_gradient(theta, 0.3, target, w), fd, atol=1e-7)


def test_discounted_occupancy_has_mass_one_over_one_minus_gamma():
    pi = np.full((6, 3), 1 / 3)
    d = discounted_occupancy(GARNET, pi, np.full(6, 1 / 6))
    assert d.sum() == pytest.approx(1 / (1 - GARNET.gamma), rel=1e-13)
    assert (d > 0).all()


# --- actor-critic --------------------------------------------------------------------------------------
def test_soft_policy_evaluation_reaches_the_exact_value():
    pi = np.random.default_rng(4).dirichlet(np.ones(3), size=6)
    run = soft_policy_evaluation(GARNET, pi, 0.5, tol=1e-12)
    assert np.abs(run.q - evaluate_policy(GARNET, pi, 0.5).q).max() <= 1e-12 + 1e-14
    with pytest.raises(ValueError, match="tol"):
        soft_policy_evaluation(GARNET, pi, 0.5, tol=0.0)


def test_support_projection_minimises_kl_over_the_support():
    rng = np.random.default_rng(5)
    q = rng.normal(size=(3, 4)) * 3
    support = np.array([[1, 1, 0, 1], [0, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    proj = support_projection(q, 0.4, support)
    assert np.all(proj.pi[~support] == 0.0)
    p = softmax(q / 0.4, axis=1)
    best = kl(proj.pi, p)
    for _ in range(200):  # no distribution on the support does better
        other = rng.dirichlet(np.ones(4), size=3) * support
        other /= other.sum(axis=1, keepdims=True)
        assert np.all(kl(other, p) >= best - 1e-12)
    with pytest.raises(ValueError, match="allowed action"):
        support_projection(q, 0.4, np.zeros((3, 4), dtype=bool))


def test_mixture_projection_matches_a_grid_search():
    rng = np.random.default_rng(6)
    q = rng.normal(size=(5, 3)) * 2
    basis = rng.dirichlet(np.ones(3), size=(5, 2))
    proj = mixture_projection(q, 0.5, basis)
    log_p = log_softmax(q / 0.5, axis=1)
    lam = np.linspace(0, 1, 20001)[:, None, None]
    mix = lam * basis[:, 0] + (1 - lam) * basis[:, 1]  # [L, S, A]
    grid = (mix * (np.log(mix) - log_p)).sum(axis=2).min(axis=0)
    ours = (proj.pi * (np.log(proj.pi) - log_p)).sum(axis=1)
    assert np.all(ours <= grid + 1e-12)
    assert np.all(proj.gap >= 0) and proj.gap.max() < 1e-12
    with pytest.raises(ValueError, match="strictly positive"):
        mixture_projection(
            q, 0.5, np.concatenate([basis[:, :1], np.tile([[[1.0, 0.0, 0.0]]], (5, 1, 1))], axis=1)
        )


def test_restricted_iteration_with_full_support_is_soft_policy_iteration():
    from theory.solvers import soft_policy_iteration

    full = np.ones((6, 3), dtype=bool)
    run = restricted_soft_policy_iteration(
        GARNET, 0.5, np.full((6, 3), 1 / 3), lambda q, t: support_projection(q, t, full)
    )
    assert np.all(run.improvements >= -1e-12)
    assert np.abs(run.q - soft_policy_iteration(GARNET, 0.5, tol=1e-12).q).max() < 1e-10


def test_adjust_temperature_moves_alpha_against_the_entropy_excess():
    r = np.array([[0.0, 1.0, 2.0]])
    run = adjust_temperature(r, 0.3, alpha0=10.0, steps=1)  # near-uniform policy: too random
    assert run.alphas[1] < run.alphas[0]
    with pytest.raises(ValueError, match="entropy target"):
        adjust_temperature(r, np.log(3), steps=1)
    with pytest.raises(ValueError, match="alpha0"):
        adjust_temperature(r, 0.3, alpha0=0.0)


# --- composition -----------------------------------------------------------------------------------------
def test_renyi_half_values():
    p = np.log(np.array([0.5, 0.5]))
    q = np.log(np.array([0.9, 0.1]))
    assert renyi_half(p, p) == 0.0
    assert renyi_half(p, q) == pytest.approx(-2 * np.log(np.sqrt(0.45) + np.sqrt(0.05)), rel=1e-14)
    assert renyi_half(p, q) == pytest.approx(renyi_half(q, p), rel=1e-15)


def test_soft_value_midpoint_gap_is_half_the_renyi_divergence():
    # (F(q1) + F(q2))/2 − F((q1 + q2)/2) = (τ/2)·D_{1/2}(f(q1)‖f(q2)): the step of H4's derivation.
    rng = np.random.default_rng(7)
    q1, q2, tau = rng.normal(size=5), rng.normal(size=5), 0.7
    gap = (soft_value(q1, tau) + soft_value(q2, tau)) / 2 - soft_value((q1 + q2) / 2, tau)
    d = renyi_half(log_softmax(q1 / tau), log_softmax(q2 / tau))
    assert gap == pytest.approx(tau * d / 2, rel=1e-12)


def test_identical_tasks_compose_exactly():
    b = composition_bounds(GARNET, GARNET.R, 0.5)
    assert np.abs(b.q_sigma - b.q_composed).max() < 1e-10
    # Identical policies: D_{1/2} = 0 up to the round-off of a log-sum-exp, and so C*.
    assert np.abs(b.divergence).max() < 1e-14 and np.abs(b.c_star).max() < 1e-14 / (1 - GARNET.gamma)
