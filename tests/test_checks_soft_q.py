"""Claims E1–E3 (checks/importance_sampling.py E1, checks/soft_q.py E2, checks/svgd.py E3).

Properties on generated instances, negative controls, batteries.
"""

import functools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import importance_sampling, soft_q, svgd
from checks.importance_sampling import check_importance_sampled_value
from checks.soft_q import check_sampled_soft_q_learning
from checks.svgd import check_amortised_sampler, check_svgd_boltzmann
from mdps.generators import garnet, gridworld
from mdps.strategies import finite_mdps, q_vectors, simplex_vectors, temperatures
from theory.sampling import BoltzmannMixture, continuous_instance, discrete_instance
from theory.soft_q import importance_sampled_soft_value, soft_q_learning, svgd_direction
from theory.softmax import soft_value

TARGETS = svgd._boltzmann_targets()
TARGET_IDS = ["1-D", "2-D"]


def _assert_rejected(res):
    assert not res.passed, res.details
    assert res.measured > res.tolerance, (res.measured, res.tolerance)


# --- E1: importance-sampled soft value ----------------------------------------------------------
def _full_support(p, k):
    """A proposal on k actions from a drawn simplex vector, mixed with uniform (full support)."""
    p = np.resize(p, k)
    return 0.5 * p / p.sum() + 0.5 / k if p.sum() > 0 else np.full(k, 1.0 / k)


@settings(max_examples=15)
@given(
    q_vectors(max_k=5, max_magnitude=3.0),
    simplex_vectors(max_k=5),
    temperatures(allow_zero=False, min_value=0.3, max_value=10.0),
    st.integers(0, 2**16),
)
def test_E1_passes_on_generated_discrete_instances(q, p, tau, seed):
    # Level 1e-4 per example: 15 examples reject a true claim by chance with probability <= 0.15 %.
    inst = discrete_instance(q, _full_support(p, q.size), tau)
    res = check_importance_sampled_value(inst, seed=seed, n_runs=3_000, alpha=1e-4)
    assert res.passed, res.details


NONUNIFORM = discrete_instance(
    np.array([0.0, 1.0, 2.5, -1.0]), np.array([0.1, 0.2, 0.3, 0.4]), 1.0, name="fixture"
)
BOX_1D = continuous_instance(
    lambda a: 2 * np.sin(3 * a[..., 0]),
    lambda rng, shape: rng.uniform(-1, 1, size=(*shape, 1)),
    lambda a: np.full(a.shape[:-1], -np.log(2.0)),
    [(-1, 1)],
    0.5,
    "1-D box",
)


def proposal_not_divided_out(q, log_q, tau):
    """τ log mean exp(Q/τ): the 1/q(a) weight is missing."""
    return importance_sampled_soft_value(q, np.zeros_like(log_q), tau)


def first_sample_only(q, log_q, tau):
    """Uses one of the M samples: unbiased inner mean, but nothing shrinks with M."""
    return importance_sampled_soft_value(q[..., :1], log_q[..., :1], tau)


def biased_high(q, log_q, tau):
    """The right estimate plus τ·0.05: positively biased."""
    return importance_sampled_soft_value(q, log_q, tau) + 0.05 * tau


def test_E1_missing_proposal_density_is_rejected():
    for inst in (NONUNIFORM, BOX_1D):
        _assert_rejected(
            check_importance_sampled_value(inst, n_runs=4_000, estimator=proposal_not_divided_out)
        )


def test_E1_no_averaging_over_samples_is_rejected():
    res = check_importance_sampled_value(NONUNIFORM, n_runs=4_000, estimator=first_sample_only)
    _assert_rejected(res)
    assert "1/M" in res.details["worst"], res.details["worst"]


def test_E1_positively_biased_estimator_is_rejected():
    _assert_rejected(check_importance_sampled_value(NONUNIFORM, n_runs=4_000, estimator=biased_high))


# --- E2: sampled soft Q-learning ----------------------------------------------------------------
@settings(max_examples=10)
@given(finite_mdps(max_states=4, max_actions=3, gamma=0.8), st.sampled_from([0.3, 1.0]))
def test_E2_passes_on_generated_mdps(mdp, tau):
    res = check_sampled_soft_q_learning(mdp, tau, n_runs=4, n_updates=600)
    assert res.passed, res.details


def hard_max_target(q, tau):
    """max_a Q(s', a): the classical target without the entropy term."""
    return q.max(axis=-1)


def test_E2_hard_max_target_is_rejected():
    learner = functools.partial(soft_q_learning, next_value=hard_max_target)
    for mdp in (gridworld(3, 3, gamma=0.9, slip=0.1), garnet(10, 3, 3, gamma=0.9, seed=0)):
        _assert_rejected(check_sampled_soft_q_learning(mdp, 1.0, n_runs=4, learner=learner))


def test_E2_wrong_temperature_in_target_is_rejected():
    """F_{2τ} in the target: the soft optimum of the wrong temperature."""
    learner = functools.partial(soft_q_learning, next_value=lambda q, tau: soft_value(q, 2 * tau))
    _assert_rejected(
        check_sampled_soft_q_learning(garnet(10, 3, 3, gamma=0.9, seed=0), 1.0, n_runs=4, learner=learner)
    )


def test_E2_sampled_action_target_passes():
    res = check_sampled_soft_q_learning(garnet(10, 3, 3, gamma=0.9, seed=0), 1.0, n_runs=4, value_samples=16)
    assert res.passed, res.details


# --- E3: SVGD ------------------------------------------------------------------------------------
@settings(max_examples=10)
@given(
    st.floats(0.2, 0.8),
    st.floats(0.5, 1.5),
    st.floats(0.5, 1.0),
    temperatures(allow_zero=False, min_value=0.1, max_value=10.0),
    st.integers(0, 2**16),
)
def test_E3_passes_on_generated_1d_targets(weight, separation, sd, tau, seed):
    target = BoltzmannMixture(
        "generated", tau, np.array([weight, 1 - weight]), np.array([[-separation], [separation]]) / 2, sd
    )
    res = check_svgd_boltzmann(target, seed=seed, n_particles=80, n_steps=300)
    assert res.passed, res.details


def without_repulsion(a, grad, tau):
    """Δf without τ∇κ: kernel-smoothed gradient ascent, which collapses onto the modes."""
    return svgd_direction(a, grad, tau) - tau * svgd_direction(a, np.zeros_like(a), 1.0)


def repulsion_at_unit_temperature(a, grad, tau):
    """τ∇κ replaced by ∇κ: samples exp(Q/1) instead of exp(Q/τ) when τ ≠ 1."""
    return svgd_direction(a, grad, tau) + (1 - tau) * svgd_direction(a, np.zeros_like(a), 1.0)


def test_E3_svgd_without_repulsion_collapses_and_is_rejected():
    for target in TARGETS:
        _assert_rejected(check_svgd_boltzmann(target, direction=without_repulsion))


def test_E3_amortised_without_repulsion_is_rejected():
    for target in TARGETS:
        _assert_rejected(check_amortised_sampler(target, n_steps=400, direction=without_repulsion))


def test_E3_repulsion_at_wrong_temperature_is_rejected():
    """At τ = 0.1 the particles spread as exp(Q/1) = p^0.1, far wider than p."""
    target = TARGETS[0]
    cold = BoltzmannMixture("1-D, τ = 0.1", 0.1, target.weights, target.means, target.sd)
    assert check_svgd_boltzmann(cold).passed
    _assert_rejected(check_svgd_boltzmann(cold, direction=repulsion_at_unit_temperature))


def test_E3_wrong_target_weights_are_rejected():
    """Particles of the right sampler, judged against a target with the mode weights swapped."""
    target = TARGETS[1]
    swapped = BoltzmannMixture("swapped", target.tau, target.weights[::-1].copy(), target.means, target.sd)

    def direction_for_swapped(a, grad, tau):
        return svgd_direction(a, swapped.grad_q(a), tau)

    _assert_rejected(check_svgd_boltzmann(target, direction=direction_for_swapped))


# --- batteries -----------------------------------------------------------------------------------
def test_batteries_quick_pass_and_are_deterministic():
    for battery in (
        importance_sampling.battery_importance_sampled_value,
        soft_q.battery_sampled_soft_q_learning,
        svgd.battery_svgd_boltzmann,
    ):
        one = battery(seed=0, size="quick")
        assert one.passed, one.details
        assert battery(seed=0, size="quick") == one
