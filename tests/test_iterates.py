"""The one iteration primitive (theory.iterates): the orbit and the three methods' steps."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdps.generators import garnet
from theory.bellman import evaluate_policy, soft_bellman_operator, soft_state_value
from theory.iterates import (
    modified_policy_iteration_step,
    orbit,
    policy_iteration_step,
    value_iteration_step,
)
from theory.regularizers import KLToPrior, Shannon, Tsallis
from theory.solvers import exact_optimum, soft_modified_policy_iteration

REGULARIZERS = [Shannon(), Tsallis(), KLToPrior((0.5, 0.3, 0.2))]


def test_orbit_yields_the_start_then_each_image():
    assert list(itertools.islice(orbit(lambda x: 2 * x + 1, 0), 5)) == [0, 1, 3, 7, 15]


@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
def test_value_iteration_step_is_the_operator_and_converges_at_rate_gamma(reg):
    mdp = garnet(6, 3, 2, gamma=0.8, seed=3)
    star = exact_optimum(mdp, 0.4, reg)
    q0 = np.zeros((6, 3))
    step = value_iteration_step(mdp, 0.4, regularizer=reg)
    np.testing.assert_array_equal(step(q0), soft_bellman_operator(mdp, q0, 0.4, regularizer=reg))
    err0 = np.abs(q0 - star.q).max()
    for k, q in enumerate(itertools.islice(orbit(step, q0), 40)):
        assert np.abs(q - star.q).max() <= 0.8**k * err0 + 1e-12 + star.error_bound


@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
def test_policy_iteration_step_improves_monotonically_to_the_optimum(reg):
    mdp = garnet(6, 3, 2, gamma=0.9, seed=4)
    star = exact_optimum(mdp, 0.3, reg)
    start = evaluate_policy(mdp, np.eye(3)[mdp.R.argmin(axis=1)], 0.3, regularizer=reg)
    values = [
        ev.v for ev in itertools.islice(orbit(policy_iteration_step(mdp, 0.3, regularizer=reg), start), 12)
    ]
    assert all((b >= a - 1e-12).all() for a, b in itertools.pairwise(values))
    np.testing.assert_allclose(values[-1], star.v, rtol=0, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(REGULARIZERS))
def test_modified_policy_iteration_interpolates_value_and_policy_iteration(seed, reg):
    """M = 1 is a value-iteration sweep from V (T_π V = T V for the greedy π); M = 400 is
    policy iteration's exact evaluation of that π, up to γ^400."""
    mdp = garnet(5, 3, 2, gamma=0.9, seed=seed)
    tau = 0.5
    v = np.random.default_rng(seed).normal(size=5)
    q = mdp.R + mdp.gamma * mdp.expected_next(v)
    tv = soft_state_value(q, tau, regularizer=reg)
    np.testing.assert_allclose(
        modified_policy_iteration_step(mdp, tau, 1, regularizer=reg)(v), tv, rtol=0, atol=1e-13
    )
    exact = evaluate_policy(mdp, reg.greedy(q, tau), tau, regularizer=reg).v
    np.testing.assert_allclose(
        modified_policy_iteration_step(mdp, tau, 400, regularizer=reg)(v), exact, atol=1e-12
    )


@pytest.mark.parametrize("reg", REGULARIZERS, ids=repr)
def test_modified_policy_iteration_solver_certifies(reg):
    mdp = garnet(8, 3, 3, gamma=0.95, seed=5)
    star = exact_optimum(mdp, 0.2, reg)
    for sweeps in (1, 4):
        res = soft_modified_policy_iteration(mdp, 0.2, sweeps, tol=1e-9, regularizer=reg)
        assert res.converged
        assert np.abs(res.q - star.q).max() <= res.error_bound + star.error_bound


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda m: modified_policy_iteration_step(m, 0.1, 0), ValueError, "sweeps"),
        (lambda m: modified_policy_iteration_step(m, 0.1, 1.5), TypeError, "sweeps"),
        (lambda m: value_iteration_step(m, -1.0), ValueError, "tau"),
        (lambda m: policy_iteration_step(m, 0.1, regularizer="tsallis"), TypeError, "regularizer"),
        (lambda m: value_iteration_step(m, 0.1, regularizer=KLToPrior((0.5, 0.5))), ValueError, "prior"),
    ],
)
def test_bad_inputs(call, error, word):
    with pytest.raises(error, match=word):
        call(garnet(4, 3, 2, gamma=0.9, seed=0))
