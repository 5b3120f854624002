"""theory/soft_q.py: the importance-sampled soft value, SVGD (plain and amortised), soft Q-learning.

Hand-derived fixtures, limit tests (one particle and τ → 0 is gradient ascent; a constant Q
makes particles repel) and finite-difference checks of the hand-written gradients.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdps.generators import garnet
from mdps.strategies import q_vectors, simplex_vectors, temperatures
from theory.soft_q import (
    BANDWIDTH_FLOOR,
    MLPSampler,
    amortised_svgd,
    importance_sampled_soft_value,
    median_bandwidth,
    rbf_kernel,
    soft_q_learning,
    svgd,
    svgd_direction,
)
from theory.softmax import soft_value


# --- importance-sampled soft value --------------------------------------------------------------
@given(
    q_vectors(max_magnitude=30.0),
    simplex_vectors(),
    temperatures(allow_zero=False, min_value=0.1, max_value=100.0),
)
def test_is_value_matches_the_naive_formula(q, p, tau):
    """τ log (1/M) Σ exp(Q/τ)/q, computed naively where it cannot overflow (|Q/τ| <= 300)."""
    p = 0.5 * np.resize(p, q.size) / max(np.resize(p, q.size).sum(), 1e-300) + 0.5 / q.size
    naive = tau * np.log(np.mean(np.exp(q / tau) / p))
    np.testing.assert_allclose(
        importance_sampled_soft_value(q, np.log(p), tau), naive, rtol=1e-12, atol=1e-12 * tau
    )


@given(
    q_vectors(max_magnitude=1e3),
    temperatures(allow_zero=False, min_value=1e-3, max_value=1e3),
    st.integers(1, 20),
)
def test_is_value_is_exact_with_the_boltzmann_proposal(q, tau, m):
    """With q = exp((Q − V)/τ) every weight equals exp(V/τ): V̂ = V for any sample (zero variance)."""
    v = soft_value(q, tau)
    log_pi = (q - v) / tau
    idx = np.random.default_rng(m).integers(q.size, size=m)
    scale = 1 + np.abs(q).max()
    assert abs(importance_sampled_soft_value(q[idx], log_pi[idx], tau) - v) <= 1e-12 * scale


def test_is_value_constant_q_uniform_box():
    """Q = c on [−1, 1]^d with the uniform density 2^−d: V̂ = c + τ d log 2 (theory-notes 1.5)."""
    q = np.full(7, 0.3)
    assert importance_sampled_soft_value(q, -2 * np.log(2.0), 0.5) == pytest.approx(
        0.3 + 0.5 * 2 * np.log(2.0), rel=1e-14
    )


@pytest.mark.parametrize("tau", [0.0, -1.0, np.inf, np.nan], ids=["zero", "negative", "inf", "nan"])
def test_is_value_rejects_bad_temperatures(tau):
    with pytest.raises(ValueError):
        importance_sampled_soft_value(np.zeros(3), 0.0, tau)


# --- SVGD ---------------------------------------------------------------------------------------
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=2), temperatures(allow_zero=False, max_value=1e3))
def test_one_particle_direction_is_the_gradient(x, tau):
    """One particle: κ(a, a) = 1 and ∇κ(a, a) = 0, so Δf = ∇Q whatever τ."""
    a = np.array([x])
    g = np.array([[0.7, -1.3]])
    np.testing.assert_allclose(svgd_direction(a, g, tau), g, rtol=1e-15)


def test_one_particle_small_tau_svgd_is_gradient_ascent():
    """τ → 0, one particle: SVGD is gradient ascent on Q = −(a − 2)²; the iterates match exactly."""
    grad = lambda a: -2 * (a - 2.0)  # noqa: E731
    a, eps = np.array([[-1.0]]), 0.1
    ascent = a.copy()
    for _ in range(30):
        ascent = ascent + eps * grad(ascent)
    np.testing.assert_allclose(svgd(grad, a, 1e-12, step_size=eps, n_steps=30), ascent, rtol=1e-14)


@given(st.integers(2, 30), st.integers(1, 3), st.integers(0, 1000))
def test_constant_q_particles_repel(n, d, seed):
    """∇Q = 0: only the repulsive term acts, and the spread Σ‖a_i − ā‖² grows:
    Σ_i (a_i − ā)·Δf_i = (τ/(hN)) Σ_ij κ_ij ‖a_i − a_j‖² > 0; and two particles move apart."""
    a = np.random.default_rng(seed).normal(size=(n, d))
    delta = svgd_direction(a, np.zeros_like(a), 1.0)
    assert np.sum((a - a.mean(0)) * delta) > 0
    pair = a[:2]
    moved = pair + 0.01 * svgd_direction(pair, np.zeros_like(pair), 1.0)
    assert np.linalg.norm(moved[0] - moved[1]) > np.linalg.norm(pair[0] - pair[1])


def test_repulsion_is_tau_times_kernel_gradient():
    """τ∇_{a_j}κ(a_j, x) against central finite differences of rbf_kernel."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 2))
    h, tau, step = 0.7, 0.3, 1e-6
    fd = np.zeros_like(a)
    for i in range(5):
        for j in range(5):
            for k in range(2):
                e = np.zeros(2)
                e[k] = step
                diff = rbf_kernel((a[j] + e)[None], a[i][None], h) - rbf_kernel(
                    (a[j] - e)[None], a[i][None], h
                )
                fd[i, k] += diff[0, 0] / (2 * step)
    np.testing.assert_allclose(svgd_direction(a, np.zeros_like(a), tau, bandwidth=h), tau * fd / 5, atol=1e-9)


@given(st.integers(2, 20), st.floats(0.1, 10.0))
def test_median_bandwidth_scales_with_the_square(n, c):
    a = np.random.default_rng(n).normal(size=(n, 2))
    h = median_bandwidth(a)
    assert median_bandwidth(c * a) == pytest.approx(max(c**2 * h, BANDWIDTH_FLOOR), rel=1e-12)


def test_median_bandwidth_floor_for_collapsed_particles():
    assert median_bandwidth(np.zeros((4, 2))) == BANDWIDTH_FLOOR


# --- amortised sampler --------------------------------------------------------------------------
def test_mlp_vjp_matches_finite_differences():
    rng = np.random.default_rng(1)
    f = MLPSampler.init(2, 5, rng)
    xi, g = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    grads = f.vjp(xi, g)
    step = 1e-6
    for i, p in enumerate(f.params()):
        fd = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus, minus = [q.copy() for q in f.params()], [q.copy() for q in f.params()]
            plus[i][idx] += step
            minus[i][idx] -= step
            fd[idx] = np.sum(g * (MLPSampler(*plus)(xi) - MLPSampler(*minus)(xi))) / (2 * step) / 7
        np.testing.assert_allclose(grads[i], fd, atol=1e-8)


def test_amortised_svgd_learns_a_gaussian():
    """Q = −(a − 1)²/2, τ = 1: the target is N(1, 1); the trained sampler's mean and sd match."""
    f = MLPSampler.init(1, 8, np.random.default_rng(0))
    f = amortised_svgd(lambda a: -(a - 1.0), f, 1.0, seed=0, n_steps=600, batch_size=64)
    a = f(np.random.default_rng(1).normal(size=(20_000, 1)))
    assert abs(a.mean() - 1.0) < 0.1 and abs(a.std() - 1.0) < 0.15, (a.mean(), a.std())


# --- soft Q-learning ----------------------------------------------------------------------------
def test_soft_q_learning_is_deterministic_and_records_the_curve():
    mdp = garnet(5, 2, 2, gamma=0.5, seed=3)
    one = soft_q_learning(mdp, 1.0, seed=7, n_runs=3, n_updates=50, value_samples=4)
    two = soft_q_learning(mdp, 1.0, seed=7, n_runs=3, n_updates=50, value_samples=4)
    np.testing.assert_array_equal(one.q, two.q)
    np.testing.assert_array_equal(one.q_history[-1], one.q)
    assert one.q_history.shape == (one.checkpoints.size, 3, 5, 2) and one.checkpoints[-1] == 50


@pytest.mark.parametrize(
    "kwargs",
    [{"tau": 0.0}, {"learning_rate": 0.0}, {"learning_rate": 1.5}],
    ids=["tau=0", "learning_rate=0", "learning_rate>1"],
)
def test_soft_q_learning_rejects_bad_arguments(kwargs):
    args = {"tau": 1.0, **kwargs}
    tau = args.pop("tau")
    with pytest.raises(ValueError):
        soft_q_learning(garnet(3, 2, 2, seed=0), tau, seed=0, **args)
