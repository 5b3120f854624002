"""theory/bandit.py: the E2W sampler, the constants of the softmax bandit, the simulator."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import softmax

from mdps.strategies import q_vectors, simplex_vectors, temperatures
from theory.bandit import (
    delta_method_constant,
    e2w_allocation,
    e2w_distribution,
    e2w_exploration,
    e2w_limit,
    exp_sum,
    exp_sum_estimate,
    gaussian_mse_given_counts,
    oracle_allocation,
    simulate,
    soft_value_estimate,
    uniform_allocation,
    uniform_limit,
)
from theory.softmax import soft_indmax, soft_value

times = st.integers(min_value=0, max_value=10**12)
epsilons = st.floats(min_value=1e-3, max_value=10.0)


# --- the E2W sampler ------------------------------------------------------------------------------
@given(q_vectors(min_k=1, max_k=8, batch_shape=(3,)), times, temperatures(max_value=1e3), epsilons)
def test_e2w_distribution_is_a_distribution(q, t, tau, eps):
    pi = e2w_distribution(q, t, tau, eps)
    assert pi.shape == q.shape
    assert pi.min() >= 0
    np.testing.assert_allclose(pi.sum(-1), 1.0, atol=1e-12)


@given(times, st.integers(min_value=1, max_value=50), epsilons)
def test_exploration_is_clipped_to_the_unit_interval(t, k, eps):
    lam = e2w_exploration(t, k, eps)
    assert 0 < lam <= 1
    raw = eps * k / np.log(t + 1) if t > 0 else np.inf
    assert lam == pytest.approx(min(1.0, raw), rel=1e-14)


@given(q_vectors(min_k=1, max_k=8, max_magnitude=1e3), st.integers(0, 50), temperatures(), epsilons)
def test_reduces_to_uniform_when_lambda_is_one(q, t, tau, eps):
    if e2w_exploration(t, q.size, eps) < 1:
        t = 0  # λ_0 = 1 always
    np.testing.assert_allclose(e2w_distribution(q, t, tau, eps), np.full(q.size, 1 / q.size), atol=1e-15)


def test_e2w_distribution_matches_the_formula_by_hand():
    # q = (0, log 3), τ = 1: f = (1/4, 3/4); t = e² − 1 makes log(t + 1) = 2, ε = 0.25, |A| = 2:
    # λ = 0.25·2/2 = 1/4, π = (3/4)(1/4, 3/4) + (1/8, 1/8) = (5/16, 11/16).
    pi = e2w_distribution(np.array([0.0, np.log(3.0)]), np.e**2 - 1, 1.0, 0.25)
    np.testing.assert_allclose(pi, [5 / 16, 11 / 16], rtol=1e-14)


def test_e2w_distribution_broadcasts_over_leading_axes():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(4, 5, 3))
    t = np.arange(20).reshape(4, 5) * 100
    pi = e2w_distribution(q, t, 0.7, 0.2)
    for i in range(4):
        for j in range(5):
            np.testing.assert_array_equal(pi[i, j], e2w_distribution(q[i, j], t[i, j], 0.7, 0.2))


def test_e2w_converges_to_the_soft_indmax():
    q = np.array([0.1, 0.4, -0.3])
    np.testing.assert_allclose(e2w_distribution(q, 10**300, 0.5, 0.1), softmax(q / 0.5), atol=1e-3)


# --- the constants --------------------------------------------------------------------------------
@given(
    q_vectors(min_k=1, max_k=8, max_magnitude=5.0),
    temperatures(allow_zero=False, min_value=0.1, max_value=10),
)
def test_limit_is_the_delta_constant_at_the_soft_indmax(r, tau):
    sigma = 0.7
    assert e2w_limit(r, tau, sigma) == pytest.approx(
        float(delta_method_constant(r, tau, sigma, soft_indmax(r, tau))), rel=1e-12
    )
    assert uniform_limit(r, tau, sigma) == pytest.approx(
        sigma**2 / tau**2 * r.size * np.exp(2 * r / tau).sum(), rel=1e-12
    )


@given(
    q_vectors(k=4, max_magnitude=5.0),
    temperatures(allow_zero=False, min_value=0.1, max_value=10),
    simplex_vectors(k=4),
)
def test_soft_indmax_is_the_optimal_allocation(r, tau, shares):
    """Cauchy–Schwarz: Σ w_a²/π_a >= (Σ w_a)² on the simplex, with equality at π ∝ w."""
    shares = 0.999 * shares + 0.001 / 4  # keep every share positive
    assert delta_method_constant(r, tau, 1.0, shares) >= e2w_limit(r, tau, 1.0) * (1 - 1e-12)
    assert uniform_limit(r, tau, 1.0) >= e2w_limit(r, tau, 1.0) * (1 - 1e-12)


def test_constants_by_hand():
    # r = (0, τ log 2), τ = 0.5, σ = 2: U = 1 + 2 = 3, σ²/τ² = 16; limit 16·9 = 144;
    # uniform 16·2·(1 + 4) = 160.
    r = np.array([0.0, 0.5 * np.log(2.0)])
    assert e2w_limit(r, 0.5, 2.0) == pytest.approx(144.0, rel=1e-14)
    assert uniform_limit(r, 0.5, 2.0) == pytest.approx(160.0, rel=1e-14)
    assert float(exp_sum(r, 0.5)) == pytest.approx(3.0, rel=1e-14)
    assert float(soft_value_estimate(r, 0.5)) == pytest.approx(0.5 * np.log(3.0), rel=1e-14)


def test_constants_do_not_overflow_before_their_values_do():
    r = np.array([300.0, 299.0])  # exp(r/τ) at τ = 1 is near 1e130: squares near 1e260 still fit
    assert np.isfinite(e2w_limit(r, 1.0, 1.0))
    assert np.isfinite(uniform_limit(r, 1.0, 1.0))


@pytest.mark.parametrize("s2", [1e-4, 0.05, 0.5])
def test_gaussian_mse_given_counts_matches_quadrature(s2):
    """One arm: E[(e^X − e^μ)²], X ~ N(μ, s²), by quadrature against the log-normal formula."""
    mu, tau, sigma = 0.3, 0.5, 1.0
    n = (sigma / tau) ** 2 / s2
    s = np.sqrt(s2)
    want, _ = integrate.quad(
        lambda x: (
            (np.exp(x) - np.exp(mu)) ** 2 * np.exp(-((x - mu) ** 2) / (2 * s2)) / np.sqrt(2 * np.pi * s2)
        ),
        mu - 12 * s,
        mu + 12 * s,
        epsabs=0,
        epsrel=1e-12,
    )
    got = float(gaussian_mse_given_counts(np.array([mu * tau]), tau, sigma, np.array([n])))
    assert got == pytest.approx(want, rel=1e-9)


def test_gaussian_mse_given_counts_tends_to_the_delta_method():
    r, tau, sigma = np.array([0.0, 0.4, 1.0]), 0.5, 1.0
    shares = np.array([0.2, 0.3, 0.5])
    for t, rel in [(1e4, 1e-2), (1e8, 1e-6)]:
        exact = t * gaussian_mse_given_counts(r, tau, sigma, t * shares)
        assert exact == pytest.approx(float(delta_method_constant(r, tau, sigma, shares)), rel=rel)


# --- the simulator --------------------------------------------------------------------------------
def test_simulate_is_seeded_and_counts_add_up():
    r = np.array([0.0, 0.5, 1.0])
    a = simulate(r, 1.0, e2w_allocation(0.5, 0.1), [3, 10, 200], n_runs=50, seed=4)
    b = simulate(r, 1.0, e2w_allocation(0.5, 0.1), [3, 10, 200], n_runs=50, seed=4)
    np.testing.assert_array_equal(a.means, b.means)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.counts.sum(-1), np.array([3, 10, 200])[:, None] * np.ones(50))
    np.testing.assert_array_equal(a.counts[0], 1)  # the forced round: each arm once


def test_simulate_without_noise_knows_the_means():
    r = np.array([0.2, -0.1, 0.7, 0.0])
    runs = simulate(r, 0.0, uniform_allocation, [100], n_runs=20, seed=0)
    np.testing.assert_allclose(runs.means[0], np.broadcast_to(r, (20, 4)), rtol=1e-14, atol=1e-15)


def test_oracle_shares_concentrate_on_the_soft_indmax():
    r, tau = np.array([0.0, 0.5, 1.0]), 0.5
    runs = simulate(r, 1.0, oracle_allocation(r, tau), [4000], n_runs=200, seed=1)
    shares = runs.counts[0] / 4000
    # Multinomial: sd of a share <= sqrt(1/4 / 4000)/sqrt(200 runs) ≈ 5.6e-4; 6 sd allowed.
    np.testing.assert_allclose(shares.mean(0), soft_indmax(r, tau), atol=6 * 5.6e-4 + 3 / 4000)


def test_uniform_allocation_error_matches_uniform_constant():
    """Non-adaptive counts: t·E_t is exactly the Gaussian MSE given counts, ≈ uniform's constant."""
    r, tau, sigma = np.array([0.0, 1.0]), 1.0, 1.0
    runs = simulate(r, sigma, uniform_allocation, [2000], n_runs=4000, seed=2)
    y = 2000 * (exp_sum_estimate(runs.means[0], tau) - exp_sum(r, tau)) ** 2
    se = y.std(ddof=1) / np.sqrt(y.size)
    assert abs(y.mean() - uniform_limit(r, tau, sigma)) < 4 * se + 0.01 * uniform_limit(r, tau, sigma)


@pytest.mark.parametrize(
    "call",
    [
        lambda: e2w_exploration(-1, 3, 0.1),
        lambda: e2w_exploration(5, 0, 0.1),
        lambda: e2w_exploration(5, 3, 0.0),
        lambda: e2w_limit(np.array([0.0, 1.0]), 0.0, 1.0),
        lambda: e2w_distribution(np.array([0.0, np.nan]), 3, 1.0, 0.1),
        lambda: simulate(np.array([0.0, 1.0]), 1.0, uniform_allocation, [1], n_runs=3, seed=0),
        lambda: simulate(np.array([0.0, 1.0]), 1.0, uniform_allocation, [5, 4], n_runs=3, seed=0),
        lambda: simulate(np.array([0.0, 1.0]), -1.0, uniform_allocation, [5], n_runs=3, seed=0),
        lambda: simulate(np.zeros((2, 2)), 1.0, uniform_allocation, [5], n_runs=3, seed=0),
    ],
    ids=[
        "negative t",
        "no actions",
        "epsilon 0",
        "tau 0 constant",
        "nan q",
        "checkpoint below K",
        "checkpoints decreasing",
        "negative sigma",
        "two bandits",
    ],
)
def test_bad_inputs_raise(call):
    with pytest.raises(ValueError):
        call()


def test_soft_value_estimate_is_the_log_of_the_exp_sum():
    means = np.random.default_rng(3).normal(size=(5, 4))
    np.testing.assert_allclose(
        soft_value_estimate(means, 0.3), 0.3 * np.log(exp_sum_estimate(means, 0.3)), rtol=1e-13
    )
    np.testing.assert_allclose(soft_value_estimate(means, 0.3), soft_value(means, 0.3), rtol=1e-15)
