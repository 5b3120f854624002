"""Claims H1–H4: properties on generated instances, negative controls, batteries.

H1, H2, H4 are in checks/algorithms.py, H3 in checks/soft_actor_critic.py; H5 and H6 are tested in
tests/test_checks_hierarchy.py.
"""

import inspect
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax

import checks.algorithms as algorithms
import checks.soft_actor_critic as soft_actor_critic
import theory.actor_critic as actor_critic
import theory.composition as composition
from checks.algorithms import check_composition, check_path_consistency, check_pg_soft_q_equivalence
from checks.soft_actor_critic import (
    check_restricted_policy_iteration,
    check_soft_policy_evaluation,
    check_temperature_adjustment,
)
from mdps.finite import FiniteMDP
from mdps.generators import cliff_walk, garnet, gridworld, random_dag
from mdps.strategies import finite_mdps, temperatures
from theory.actor_critic import Projection, support_projection
from theory.bellman import evaluate_policy
from theory.composition import composition_bounds
from theory.policy_gradient import soft_objective

STOCHASTIC = garnet(8, 3, 3, gamma=0.9, seed=1)
DETERMINISTIC = garnet(8, 3, 1, gamma=0.9, seed=1)
TAUS = st.one_of(st.sampled_from([0.1, 1.0]), temperatures(allow_zero=False, min_value=1e-2, max_value=10.0))


def _assert_rejected(res):
    assert res.passed is False, res.details
    assert res.measured > res.tolerance, (res.measured, res.tolerance)


@st.composite
def deterministic_mdps(draw, max_states=5, max_actions=3):
    """MDPs with s' = f(s, a): successors, rewards in [−1, 1] and γ drawn."""
    S = draw(st.integers(1, max_states))
    A = draw(st.integers(1, max_actions))
    succ = np.array(draw(st.lists(st.integers(0, S - 1), min_size=S * A, max_size=S * A))).reshape(S, A)
    reward = np.array(draw(st.lists(st.floats(-1, 1), min_size=S * A, max_size=S * A))).reshape(S, A)
    P = np.zeros((S, A, S))
    np.put_along_axis(P, succ[:, :, None], 1.0, axis=2)
    return FiniteMDP(P, reward, draw(st.floats(0.0, 0.99)), name=f"det(S={S},A={A})")


def _seeded_reward(mdp, seed):
    r = np.random.default_rng(seed).uniform(-1, 1, size=mdp.R.shape)
    return np.where(mdp.terminal[:, None], 0.0, r)


# --- H1: path consistency -------------------------------------------------------------------------
@settings(max_examples=30)
@given(deterministic_mdps(), TAUS)
def test_H1_holds_on_every_path_of_generated_deterministic_mdps(mdp, tau):
    res = check_path_consistency(mdp, tau)
    assert res.details["form"] == "pathwise"
    assert res.passed, res.details


@settings(max_examples=30)
@given(finite_mdps(max_states=5, max_actions=3), TAUS)
def test_H1_holds_on_generated_mdps(mdp, tau):
    res = check_path_consistency(mdp, tau)
    assert res.passed, res.details


def test_H1_rejects_the_pathwise_identity_on_a_stochastic_mdp():
    _assert_rejected(check_path_consistency(STOCHASTIC, 0.5, pathwise=True, depths=(1,)))


@pytest.mark.parametrize("mdp", [DETERMINISTIC, STOCHASTIC], ids=["deterministic", "stochastic"])
def test_H1_rejects_a_non_optimal_policy(mdp):
    uniform = np.full((mdp.n_states, mdp.n_actions), -np.log(mdp.n_actions))
    _assert_rejected(check_path_consistency(mdp, 0.5, log_policy=uniform))


@pytest.mark.parametrize("mdp", [DETERMINISTIC, STOCHASTIC], ids=["deterministic", "stochastic"])
def test_H1_rejects_the_value_of_a_non_boltzmann_policy(mdp):
    pi = np.random.default_rng(0).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
    _assert_rejected(
        check_path_consistency(mdp, 0.5, values=evaluate_policy(mdp, pi, 0.5).v, log_policy=np.log(pi))
    )


def test_H1_rejects_zero_temperature():
    with pytest.raises(ValueError, match=r"tau must be a finite real number in \(0, inf\], got 0\.0"):
        check_path_consistency(DETERMINISTIC, 0.0)


# --- H2: PG ⇔ soft Q-learning ---------------------------------------------------------------------
@settings(max_examples=30)
@given(finite_mdps(max_states=5, max_actions=3), TAUS, st.integers(0, 2**16))
def test_H2_holds_on_generated_mdps(mdp, tau, seed):
    res = check_pg_soft_q_equivalence(mdp, tau, seed=seed)
    assert res.passed, res.details


def without_entropy(mdp, theta, tau, mu):
    """η = E[Σ γ^t r] of the Boltzmann policy: the entropy bonus dropped from the objective."""
    return soft_objective(mdp, theta, tau, mu, entropy_weight=0.0)


def at_double_temperature(mdp, theta, tau, mu):
    """η of f_{2τ}(θ) with bonus 2τH: the policy gradient at the wrong temperature."""
    return soft_objective(mdp, theta, 2 * tau, mu)


@pytest.mark.parametrize("broken", [without_entropy, at_double_temperature])
@pytest.mark.parametrize(
    "mdp", [STOCHASTIC, gridworld(3, 3, gamma=0.9, slip=0.1)], ids=["garnet", "gridworld"]
)
def test_H2_rejects_a_broken_policy_gradient(broken, mdp):
    _assert_rejected(check_pg_soft_q_equivalence(mdp, 0.5, objective=broken))


def test_H2_rejects_off_policy_sampling():
    # ρ uniform over (s, a) instead of d(s)π(a|s): the equivalence needs on-policy sampling.
    _assert_rejected(check_pg_soft_q_equivalence(STOCHASTIC, 0.5, sampling=np.full((8, 3), 1 / 24)))


# --- H3: soft actor-critic ------------------------------------------------------------------------
@settings(max_examples=20)
@given(finite_mdps(max_states=5, max_actions=3), TAUS, st.integers(0, 2**16))
def test_H3_evaluation_and_restricted_iteration_hold_on_generated_mdps(mdp, tau, seed):
    res = check_soft_policy_evaluation(mdp, tau, seed=seed)
    assert res.passed, res.details
    for policy_class in soft_actor_critic.POLICY_CLASSES:
        res = check_restricted_policy_iteration(mdp, tau, seed=seed, policy_class=policy_class)
        assert res.passed, res.details


@settings(max_examples=20)
@given(st.integers(1, 4), st.integers(2, 5), st.floats(0.1, 0.9), st.integers(0, 2**16))
def test_H3_temperature_reaches_generated_targets(n_states, n_actions, fraction, seed):
    rewards = np.random.default_rng(seed).normal(size=(n_states, n_actions))
    res = check_temperature_adjustment(rewards, fraction * np.log(n_actions))
    assert res.passed, res.details


def evaluation_without_entropy(mdp, q, pi, tau):
    """T Q = r + γ P (π·Q): the hard policy evaluation operator, whatever τ is."""
    v = np.where(mdp.terminal, 0.0, (np.asarray(pi) * q).sum(axis=1))
    return mdp.R + mdp.gamma * mdp.expected_next(v)


def test_H3_rejects_evaluation_without_the_entropy_term():
    _assert_rejected(
        check_soft_policy_evaluation(STOCHASTIC, 0.5, evaluation_operator=evaluation_without_entropy)
    )


def projection_at_tenth_temperature(q, tau, support):
    """The support projection onto exp(Q/(τ/10)): too greedy, loses entropy it is paid for."""
    return support_projection(q, tau / 10, support)


def reverse_kl_projection(q, tau, basis):
    """M-projection argmin_λ KL(p ‖ λB₀ + (1 − λ)B₁), by bisection on its increasing derivative."""
    p = softmax(q / tau, axis=1)
    b0, b1 = basis[:, 0], basis[:, 1]
    low, high = np.zeros(len(q)), np.ones(len(q))
    for _ in range(60):
        mid = (low + high) / 2
        slope = -(p * (b0 - b1) / (mid[:, None] * b0 + (1 - mid[:, None]) * b1)).sum(axis=1)
        low, high = np.where(slope > 0, low, mid), np.where(slope > 0, mid, high)
    lam = ((low + high) / 2)[:, None]
    return Projection(lam * b0 + (1 - lam) * b1, np.zeros(len(q)))


@pytest.mark.parametrize(
    "mdp", [STOCHASTIC, gridworld(4, 4, gamma=0.95, slip=0.1)], ids=["garnet", "gridworld"]
)
def test_H3_rejects_projection_at_the_wrong_temperature(mdp):
    res = check_restricted_policy_iteration(
        mdp, 0.5, policy_class="support", project=projection_at_tenth_temperature
    )
    _assert_rejected(res)


@pytest.mark.parametrize(
    "mdp, tau",
    [(STOCHASTIC, 0.5), (gridworld(4, 4, gamma=0.95, slip=0.1), 2.0), (cliff_walk(gamma=0.9), 0.1)],
    ids=["garnet", "gridworld", "cliff"],
)
def test_H3_rejects_projection_in_the_reverse_kl_direction(mdp, tau):
    res = check_restricted_policy_iteration(mdp, tau, policy_class="mixture", project=reverse_kl_projection)
    _assert_rejected(res)
    assert "Lemma 2" in res.details["worst"]


def test_H3_rejects_temperature_ascent():
    rewards = np.random.default_rng(1).normal(size=(4, 4))
    _assert_rejected(check_temperature_adjustment(rewards, 0.7, sign=-1.0))


# --- H4: composition ------------------------------------------------------------------------------
@settings(max_examples=30)
@given(finite_mdps(max_states=5, max_actions=3), TAUS, st.integers(0, 2**16), st.sampled_from([0.5, 1.0]))
def test_H4_holds_on_generated_mdps(mdp, tau, seed, constant):
    # c = 1 is the paper's constant; c = 1/2 is the tight one derived in the docstring.
    res = check_composition(mdp, _seeded_reward(mdp, seed), tau, constant=constant)
    assert res.passed, res.details


@pytest.mark.parametrize("constant", [0.25, 0.0], ids=["c=1/4", "c=0 (reversed upper bound)"])
def test_H4_rejects_a_bound_too_small_on_a_found_instance(constant):
    reward_2 = np.random.default_rng(0).random((8, 3))
    res = check_composition(STOCHASTIC, reward_2, 0.5, constant=constant)
    _assert_rejected(res)
    assert res.details["worst"].startswith("lower")


# --- batteries ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "battery",
    [
        algorithms.battery_path_consistency,
        algorithms.battery_pg_soft_q_equivalence,
        soft_actor_critic.battery_soft_actor_critic,
        algorithms.battery_composition,
    ],
)
def test_battery_quick_passes_and_is_deterministic(battery):
    first = battery(seed=0, size="quick")
    assert first.passed, first.details
    assert first.cases > 0
    assert battery(seed=0, size="quick") == first


def test_battery_rejects_unknown_size():
    with pytest.raises(ValueError, match="size"):
        algorithms.battery_path_consistency(seed=0, size="huge")


# --- mutants of theory/ that the batteries must reject -------------------------------------------
def mutated(module, old: str, new: str):
    """A copy of ``module`` with the one occurrence of ``old`` in its source replaced by ``new``."""
    source = inspect.getsource(module)
    assert source.count(old) == 1, old
    copy = types.ModuleType(f"{module.__name__}_mutant")
    exec(compile(source.replace(old, new), module.__file__, "exec"), copy.__dict__)
    return copy


def test_H3_rejects_default_state_weights_of_2_over_S(monkeypatch):
    """adjust_temperature's default weights are 1/S; 2/S would drive the average entropy to H̄/2."""
    rewards = np.random.default_rng(1).normal(size=(4, 4))
    assert check_temperature_adjustment(rewards, 0.5 * np.log(4)).passed
    mutant = mutated(
        actor_critic, "np.full(S, 1.0 / S) if weights is None", "np.full(S, 2.0 / S) if weights is None"
    )
    monkeypatch.setattr(soft_actor_critic, "adjust_temperature", mutant.adjust_temperature)
    res = check_temperature_adjustment(rewards, 0.5 * np.log(4))
    _assert_rejected(res)
    assert res.details["worst"].startswith("default weights")
    assert not soft_actor_critic.battery_soft_actor_critic(seed=0, size="quick").passed


DAG = random_dag(7, 3, gamma=0.9, seed=2)


@pytest.mark.parametrize("tau", [1e-3, 0.5, 10.0])
def test_H4_identical_tasks_with_terminal_states_have_zero_bound_terms(tau):
    res = check_composition(DAG, DAG.R, tau)
    assert res.passed, res.details
    assert res.details["instance"].endswith("identical tasks")
    assert res.details["max_C*"] == 0.0 and res.details["max_D*"] == 0.0  # the reference: exactly 0
    b = composition_bounds(DAG, DAG.R, tau)
    assert np.abs(b.d_star).max() <= 1e-12 and np.abs(b.c_star).max() <= 1e-12


def test_H4_rejects_a_divergence_counted_on_terminal_states(monkeypatch):
    """τD_{1/2} = 1 in place of 0 on terminal states inflates C* and D* (D* = 0.88 on identical
    tasks): the bounds stay true (looser), the reference terms catch it."""
    mutant = mutated(
        composition,
        "np.where(mdp.terminal, 0.0, tau * renyi_half",
        "np.where(mdp.terminal, 1.0, tau * renyi_half",
    )
    assert np.abs(mutant.composition_bounds(DAG, DAG.R, 0.5).d_star).max() > 0.1
    monkeypatch.setattr(algorithms, "composition_bounds", mutant.composition_bounds)
    res = check_composition(DAG, DAG.R, 0.5)
    _assert_rejected(res)
    assert res.details["worst"].startswith("term:")
    assert not algorithms.battery_composition(seed=0, size="quick").passed


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_H3_rejects_a_broken_bisection_in_the_mixture_projection(monkeypatch):
    """A bisection stepping to (low − high)/2 certifies its large KL gap honestly; Lemma 2 and
    Theorem 1 allow for a g-suboptimal projection, the argmin comparison does not."""
    mutant = mutated(actor_critic, "mid = (low + high) / 2", "mid = (low - high) / 2")
    monkeypatch.setattr(soft_actor_critic, "mixture_projection", mutant.mixture_projection)
    res = check_restricted_policy_iteration(STOCHASTIC, 0.5, policy_class="mixture")
    _assert_rejected(res)
    assert res.details["worst"].startswith("I-projection")


def test_H3_rejects_soft_policy_evaluation_stopping_early(monkeypatch):
    """A stopping factor γ/(2 − γ) for γ/(1 − γ): the iterate's error is what its own last step
    bounds (Lemma 1 holds), but larger than the tol asked."""
    factor = "factor = mdp.gamma / ({} - mdp.gamma)"
    mutant = mutated(actor_critic, factor.format(1), factor.format(2))
    monkeypatch.setattr(soft_actor_critic, "soft_policy_evaluation", mutant.soft_policy_evaluation)
    res = check_soft_policy_evaluation(STOCHASTIC, 0.5)
    _assert_rejected(res)
    assert res.details["worst"].startswith("stopping rule")
