"""Claims H5 (latent-space policies, checks/hierarchy.py) and H6 (soft policy gradient, in
checks/algorithms.py beside H2): the theory's functions on fixtures and generated instances,
the checks on generated instances, negative controls through every seam, batteries, bad input.
"""

import inspect
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import checks.algorithms as algorithms
import checks.hierarchy as hierarchy
import theory.hierarchical as th
import theory.policy_gradient as pg
from checks.algorithms import check_soft_policy_gradient
from checks.base import registered
from checks.hierarchy import check_latent_bijection_1d, check_latent_kl_invariance
from mdps.generators import chain, garnet, gridworld
from mdps.instances import LATENT_LAYERS_1D
from mdps.strategies import finite_mdps, policies, temperatures
from theory.bellman import boltzmann_policy, evaluate_policy
from theory.solvers import value_scale

STOCHASTIC = garnet(8, 3, 3, gamma=0.9, seed=1)
GRID = gridworld(3, 3, gamma=0.9, slip=0.1)  # has a terminal goal state
TAUS = st.one_of(st.sampled_from([0.1, 1.0]), temperatures(allow_zero=False, min_value=1e-2, max_value=10.0))
FIRST_LAYER = next(iter(LATENT_LAYERS_1D))


def _log_normal(x, m=0.0, s=1.0):
    """log N(x; m, s²) in numpy (scipy.stats' logpdf costs 0.2 ms a scalar call, inside quad)."""
    return -0.5 * ((x - m) / s) ** 2 - np.log(s * np.sqrt(2 * np.pi))


def _assert_rejected(res):
    assert res.passed is False, res.details
    assert res.measured > res.tolerance, (res.measured, res.tolerance)


def _permutations(seed, S, A):
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(A) for _ in range(S)])


def mutated(module, old: str, new: str, monkeypatch):
    """A copy of ``module`` with the one occurrence of ``old`` in its source replaced by ``new``
    (registered in sys.modules while the test runs: its dataclasses look their module up)."""
    source = inspect.getsource(module)
    assert source.count(old) == 1, old
    copy = types.ModuleType(f"{module.__name__}_mutant")
    monkeypatch.setitem(sys.modules, copy.__name__, copy)
    exec(compile(source.replace(old, new), module.__file__, "exec"), copy.__dict__)
    return copy


# =============================================================================================
# H5: theory.hierarchical
# =============================================================================================
@settings(max_examples=15)
@given(finite_mdps(max_states=4, max_actions=3), TAUS, st.integers(0, 2**16), st.data())
def test_latent_mdp_values_are_the_push_forwards_values(mdp, tau, seed, data):
    # Shannon entropy is invariant under a permutation: the latent MDP evaluates π_h exactly as
    # the action-space MDP evaluates its push-forward.
    sigma = _permutations(seed, mdp.n_states, mdp.n_actions)
    pi_h = data.draw(policies(mdp.n_states, mdp.n_actions))
    latent = evaluate_policy(th.latent_mdp(mdp, sigma), pi_h, tau)
    action = evaluate_policy(mdp, th.push_forward(pi_h, sigma), tau)
    scale = 1 + np.abs(action.v).max()
    np.testing.assert_allclose(latent.v, action.v, rtol=0, atol=1e-12 * scale / (1 - mdp.gamma))
    np.testing.assert_allclose(
        latent.q, np.take_along_axis(action.q, sigma, axis=1), rtol=0, atol=1e-12 * scale / (1 - mdp.gamma)
    )


@settings(max_examples=15)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**16), st.data())
def test_push_forward_through_the_inverse_permutation_is_the_identity(S, A, seed, data):
    sigma = _permutations(seed, S, A)
    pi_h = data.draw(policies(S, A))
    pi_a = th.push_forward(pi_h, sigma)
    assert np.array_equal(np.take_along_axis(pi_a, sigma, axis=1), pi_h)  # π_a(σ_s(h)) = π_h(h)
    assert np.array_equal(th.push_forward(pi_a, np.argsort(sigma, axis=1)), pi_h)


def test_latent_mdp_of_a_sparse_mdp_equals_that_of_its_dense_copy():
    sparse = garnet(7, 3, 2, gamma=0.9, seed=3, sparse=True)
    dense = type(sparse)(sparse.dense_P(), sparse.R, sparse.gamma, name="dense")
    sigma = _permutations(0, 7, 3)
    a, b = th.latent_mdp(sparse, sigma), th.latent_mdp(dense, sigma)
    assert a.is_sparse and np.array_equal(a.dense_P(), b.dense_P()) and np.array_equal(a.R, b.R)
    # Hand check of one entry: latent action h in state 2 is action σ_2(h).
    assert np.array_equal(b.dense_P()[2, 1], dense.dense_P()[2, sigma[2, 1]])


@settings(max_examples=15)
@given(finite_mdps(max_states=4, max_actions=3), TAUS, st.data())
def test_kl_regularised_mdp_values_are_the_kl_penalised_values(mdp, tau, data):
    # Reference: a dense solve of V = r_π − τ KL(π ‖ μ) + γ P_π V written here (0 at terminal states).
    S, A = mdp.n_states, mdp.n_actions
    prior = 0.5 * data.draw(policies(S, A)) + 0.5 / A  # positive entries
    pi = data.draw(policies(S, A))
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(pi > 0, pi * np.log(pi / prior), 0.0).sum(axis=1)
    b = (pi * mdp.R).sum(axis=1) - np.where(mdp.terminal, 0.0, tau * kl)
    ref = np.linalg.solve(np.eye(S) - mdp.gamma * np.einsum("sa,sat->st", pi, mdp.dense_P()), b)
    got = evaluate_policy(th.kl_regularised_mdp(mdp, prior, tau), pi, tau).v
    scale = 1 + np.abs(ref).max()
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12 * scale / (1 - mdp.gamma))


@pytest.mark.parametrize("tau", [1e-12, 1e12])
def test_kl_regularised_mdp_is_finite_at_extreme_temperatures_and_rewards(tau):
    big = type(STOCHASTIC)(STOCHASTIC.P, 1e6 * STOCHASTIC.R, 0.9, name="big")
    prior = np.random.default_rng(0).dirichlet(np.ones(3), size=8)
    out = th.kl_regularised_mdp(big, prior, tau)
    np.testing.assert_array_equal(out.R, big.R + tau * np.log(prior))


@settings(max_examples=10)
@given(st.floats(0.05, 20.0), st.floats(0.2, 5.0), st.floats(-2.0, 2.0))
def test_gibbs_density_matches_the_gaussian_closed_forms(tau, k, c):
    # Lebesgue base, g = −k(h − c)²/2: value τ·½log(2πτ/k), density N(c, τ/k).
    g = th.gibbs_density_1d(lambda h: 0.0 * h, lambda h: -k * (h - c) ** 2 / 2, tau, bounds=(-60.0, 60.0))
    assert g.value == pytest.approx(tau * 0.5 * np.log(2 * np.pi * tau / k), rel=1e-11, abs=1e-12 * tau)
    h = np.linspace(c - 2, c + 2, 9)
    np.testing.assert_allclose(g.log_density(h), norm.logpdf(h, c, np.sqrt(tau / k)), rtol=0, atol=1e-10)
    # N(0, 1) base, g = k h: τ log E[exp(k h/τ)] = k²/(2τ).
    g = th.gibbs_density_1d(_log_normal, lambda h: k * h, tau, bounds=(-60.0, 60.0))
    if k / tau < 20:  # the tilted mean k/τ stays inside the bounds
        assert g.value == pytest.approx(k**2 / (2 * tau), rel=1e-11, abs=1e-13)


@pytest.mark.parametrize("tau", [1e-12, 1e-3, 1e12])
def test_gibbs_density_is_finite_and_correct_at_extreme_temperatures_and_rewards(tau):
    # g = 1e6·(−(h − 0.3)²): V = τ·½log(πτ/1e6) (the peak is 1e-9 wide at τ = 1e-12); at
    # τ = 1e12 the Gibbs density is the base measure on the interval: V ≈ τ log 24.
    g = th.gibbs_density_1d(lambda h: 0.0 * h, lambda h: -1e6 * (h - 0.3) ** 2, tau, bounds=(-12.0, 12.0))
    exact = tau * 0.5 * np.log(np.pi * tau / 1e6) if tau < 1 else tau * np.log(24.0) - 1e6 * 48.09
    assert np.isfinite(g.value) and np.isfinite(g.log_normaliser_error)
    assert g.value == pytest.approx(exact, rel=1e-9)


@settings(max_examples=10)
@given(st.floats(0.2, 5.0), st.floats(-3.0, 3.0), st.floats(0.3, 2.0), st.floats(-1.0, 1.0))
def test_pushforward_entropy_of_an_affine_map_adds_its_log_slope(slope, shift, s, m):
    # f(h) = slope·h + shift: f#N(m, s²) = N(slope·m + shift, (slope·s)²), H = ½log(2πe s²) + log slope.
    h, err = th.pushforward_entropy_1d(
        lambda x: _log_normal(x, m, s), lambda x: np.log(slope) + 0.0 * x, bounds=(-40.0, 40.0)
    )
    assert h == pytest.approx(0.5 * np.log(2 * np.pi * np.e * s**2) + np.log(slope), abs=1e-12)
    assert 0 <= err < 1e-10
    x = np.linspace(-2, 2, 7)
    pushed = th.pushforward_log_density(norm.logpdf(x, m, s), np.log(slope))
    np.testing.assert_allclose(
        pushed, norm.logpdf(slope * x + shift, slope * m + shift, slope * s), atol=1e-13
    )


# =============================================================================================
# H5: checks
# =============================================================================================
@settings(max_examples=15)
@given(finite_mdps(max_states=4, max_actions=3), TAUS, st.integers(0, 2**16))
def test_H5_holds_on_generated_mdps(mdp, tau, seed):
    res = check_latent_kl_invariance(mdp, tau, seed=seed)
    assert res.passed, res.details


@pytest.mark.parametrize(
    "mdp, tau, seed",
    [(chain(6, gamma=0.9, slip=0.1), 0.1, 5), (garnet(16, 3, 3, gamma=0.99, seed=2), 0.1, 0)],
    ids=["chain", "garnet-0.99"],
)
def test_H5_reference_certificate_is_tight(mdp, tau, seed):
    # A loose certificate would let the value comparisons pass whatever the latent side says.
    res = check_latent_kl_invariance(mdp, tau, seed=seed)
    assert res.passed, res.details
    assert res.details["errors"]["action-space reference"] <= 1e-11 * (1 + value_scale(mdp, tau))


@pytest.mark.parametrize("tau", [1e-12, 1e12])
def test_H5_holds_at_extreme_temperatures_with_large_rewards(tau):
    big = type(STOCHASTIC)(STOCHASTIC.P, 1e6 * STOCHASTIC.R, 0.9, name="big")
    res = check_latent_kl_invariance(big, tau)
    assert res.passed, res.details


def push_forward_through_the_inverse(pi_h, permutation):
    """π_a(σ_s⁻¹(h)) = π_h(h): the lower layer's map read backwards."""
    return th.push_forward(pi_h, np.argsort(permutation, axis=1))


@pytest.mark.parametrize("mdp", [STOCHASTIC, GRID], ids=["garnet", "gridworld"])
def test_H5_rejects_a_push_forward_through_the_inverse_permutation(mdp):
    _assert_rejected(check_latent_kl_invariance(mdp, 0.5, push_forward=push_forward_through_the_inverse))


@pytest.mark.parametrize("mdp", [STOCHASTIC, GRID], ids=["garnet", "gridworld"])
def test_H5_rejects_a_higher_layer_with_plain_entropy_in_place_of_kl_to_the_prior(mdp):
    uniform = np.full(mdp.n_actions, 1.0 / mdp.n_actions)
    res = check_latent_kl_invariance(mdp, 0.5, regularise_to=uniform)
    _assert_rejected(res)
    assert res.details["comparisons"]["V*: latent = action space"][0] > 1e-3


def test_H5_rejects_kl_as_shannon_with_the_prior_term_of_the_wrong_sign(monkeypatch):
    mutant = mutated(th, "mdp.R + t * np.log(mu)", "mdp.R - t * np.log(mu)", monkeypatch)
    monkeypatch.setattr(hierarchy, "kl_regularised_mdp", mutant.kl_regularised_mdp)
    _assert_rejected(check_latent_kl_invariance(STOCHASTIC, 0.5))
    assert not hierarchy.battery_latent_space_policies(seed=0, size="quick").passed


def test_H5_1d_layers_pass():
    for name in LATENT_LAYERS_1D:
        res = check_latent_bijection_1d(name)
        assert res.passed, res.details


def test_H5_1d_rejects_latent_max_ent_without_the_log_determinant():
    res = check_latent_bijection_1d(FIRST_LAYER, log_det_weight=0.0)
    _assert_rejected(res)
    assert res.details["worst"].startswith("max-ent")
    # The notes' gap (followups-notes §1.5): the log-densities differ by up to 0.683.
    assert res.details["comparisons"]["max-ent + log-det: push-forward density = exp(r/τ)/Z"][0] > 0.5


def test_H5_1d_rejects_the_assumption_that_entropy_is_invariant():
    def plain_entropy(log_density, log_det, *, bounds):
        return th.pushforward_entropy_1d(log_density, lambda h: 0.0 * h, bounds=bounds)

    res = check_latent_bijection_1d(FIRST_LAYER, entropy=plain_entropy)
    _assert_rejected(res)
    assert res.details["worst"].startswith("entropy")


def test_H5_1d_rejects_a_latent_layer_that_ignores_its_prior():
    def lebesgue_gibbs(log_base, reward, tau, *, bounds):
        return th.gibbs_density_1d(lambda h: 0.0 * h, reward, tau, bounds=bounds)

    res = check_latent_bijection_1d(FIRST_LAYER, gibbs=lebesgue_gibbs)
    _assert_rejected(res)
    assert res.details["worst"].startswith("KL layer")


def test_H5_nan_subject_is_a_fail():
    res = check_latent_kl_invariance(
        STOCHASTIC, 0.5, push_forward=lambda pi, sigma: np.full(pi.shape, np.nan)
    )
    assert res.verdict == "FAIL" and "subject" in res.details


# =============================================================================================
# H6: theory.policy_gradient
# =============================================================================================
@settings(max_examples=15)
@given(st.integers(1, 4), st.integers(1, 4), TAUS, st.integers(0, 2**16))
def test_soft_score_expectation_ignores_state_baselines_and_sums_to_zero(S, A, tau, seed):
    rng = np.random.default_rng(seed)
    theta, q, b = rng.normal(size=(S, A)), 3 * rng.normal(size=(S, A)), 10 * rng.normal(size=S)
    g = pg.soft_score_expectation(theta, q, tau)
    scale = (1 + np.abs(q).max() + 2 * np.abs(theta).max() + np.abs(b).max()) / tau
    np.testing.assert_allclose(pg.soft_score_expectation(theta, q, tau, baseline=b), g, atol=1e-13 * scale)
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-13 * scale)  # Σ_c ∂/∂θ(s, c) of a softmax


@settings(max_examples=15)
@given(st.integers(1, 4), st.integers(1, 4), TAUS, st.integers(0, 2**16))
def test_policy_kl_is_a_kl(S, A, tau, seed):
    rng = np.random.default_rng(seed)
    theta, q = rng.normal(size=(S, A)), rng.normal(size=(S, A))
    assert (pg.policy_kl(theta, q, tau) >= -1e-15).all()
    np.testing.assert_allclose(pg.policy_kl(q, q, tau), 0.0, atol=1e-15)
    p, r = boltzmann_policy(theta, tau), boltzmann_policy(q, tau)
    np.testing.assert_allclose(pg.policy_kl(theta, q, tau), (p * np.log(p / r)).sum(axis=1), atol=1e-13)


def test_complex_step_gradient_of_a_cubic():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    got = pg.complex_step_gradient(lambda z: (z**3).sum(axis=(-2, -1)), x)
    np.testing.assert_allclose(got, 3 * x**2, rtol=1e-15)


def test_soft_policy_gradient_of_a_bandit_by_hand():
    # One state, γ = 0: η = Σ_a π(a)(r_a − τ log π(a)); ∂η/∂θ_c = π_c(r_c − τ log π_c − η)/τ.
    mdp = type(STOCHASTIC)(np.ones((1, 3, 1)), np.array([[1.0, 0.0, -0.5]]), 0.0, name="bandit")
    theta, tau = np.array([[0.2, -0.4, 0.9]]), 0.7
    pi = boltzmann_policy(theta, tau)[0]
    eta = (pi * (mdp.R[0] - tau * np.log(pi))).sum()
    hand = pi * (mdp.R[0] - tau * np.log(pi) - eta) / tau
    np.testing.assert_allclose(pg.soft_policy_gradient(mdp, theta, tau, np.ones(1))[0], hand, rtol=1e-13)


# =============================================================================================
# H6: checks
# =============================================================================================
@settings(max_examples=15)
@given(finite_mdps(max_states=4, max_actions=3), TAUS, st.integers(0, 2**16))
def test_H6_holds_on_generated_mdps(mdp, tau, seed):
    res = check_soft_policy_gradient(mdp, tau, seed=seed)
    assert res.passed, res.details


@pytest.mark.parametrize("tau", [1e-12, 1e12])
def test_H6_holds_at_extreme_temperatures_with_large_rewards(tau):
    big = type(STOCHASTIC)(STOCHASTIC.P, 1e6 * STOCHASTIC.R, 0.9, name="big")
    res = check_soft_policy_gradient(big, tau)
    assert res.passed, res.details


def _q_pi(mdp, theta, tau):
    return evaluate_policy(mdp, boltzmann_policy(theta, tau), tau).q


def _occupancy(mdp, theta, tau, mu):
    d = pg.discounted_occupancy(mdp, boltzmann_policy(theta, tau), mu)
    return np.where(mdp.terminal, 0.0, d)[:, None]


def without_entropy(mdp, theta, tau, mu, baseline=None):
    """E_{d^π, π}[∇log π·Q^π]/(1 − γ): the −τ log π term dropped (weight Q^π alone)."""
    q = _q_pi(mdp, theta, tau) + tau * pg.log_boltzmann(theta, tau)
    return _occupancy(mdp, theta, tau, mu) * pg.soft_score_expectation(theta, q, tau, baseline=baseline)


def weighted_by_start_states(mdp, theta, tau, mu, baseline=None):
    """States weighted by μ/(1 − γ) in place of d^π/(1 − γ)."""
    g = pg.soft_score_expectation(theta, _q_pi(mdp, theta, tau), tau, baseline=baseline)
    return mu[:, None] * g / (1 - mdp.gamma)


def without_the_horizon_factor(mdp, theta, tau, mu, baseline=None):
    """E_{d^π, π}[...] with the normalised d^π and no 1/(1 − γ)."""
    return (1 - mdp.gamma) * pg.soft_policy_gradient(mdp, theta, tau, mu, baseline=baseline)


def with_an_action_dependent_baseline(mdp, theta, tau, mu, baseline=None):
    """A 'baseline' b(s, a) = b(s) + a: it changes the expectation."""
    q = _q_pi(mdp, theta, tau) - np.arange(mdp.n_actions)
    return _occupancy(mdp, theta, tau, mu) * pg.soft_score_expectation(theta, q, tau, baseline=baseline)


@pytest.mark.parametrize(
    "broken",
    [
        without_entropy,
        weighted_by_start_states,
        without_the_horizon_factor,
        with_an_action_dependent_baseline,
    ],
)
@pytest.mark.parametrize("mdp", [STOCHASTIC, GRID], ids=["garnet", "gridworld"])
def test_H6_rejects_a_broken_policy_gradient(broken, mdp):
    res = check_soft_policy_gradient(mdp, 0.5, gradient=broken)
    _assert_rejected(res)
    assert res.details["worst"].startswith("∇η")


def direction_without_entropy(theta, q, tau):
    """E_π[∇log π·Q]: SAC's direction without the −τ log π term."""
    return pg.soft_score_expectation(theta, q + tau * pg.log_boltzmann(theta, tau), tau)


def test_H6_rejects_a_direction_without_the_entropy_term():
    res = check_soft_policy_gradient(STOCHASTIC, 0.5, direction=direction_without_entropy)
    _assert_rejected(res)
    assert res.details["worst"].startswith("per state")


def test_H6_rejects_a_score_without_its_mean(monkeypatch):
    """∇log π(a|s) = e_a/τ (the −π/τ dropped): the baselines no longer cancel."""
    mutant = mutated(
        pg, "score = (np.eye(A) - pi[:, None, :]) / tau", "score = np.eye(A)[None] / tau", monkeypatch
    )
    res = check_soft_policy_gradient(STOCHASTIC, 0.5, gradient=mutant.soft_policy_gradient)
    _assert_rejected(res)
    assert res.details["comparisons"]["∇η, b random"][0] > res.details["comparisons"]["∇η, b = 0"][0]


# =============================================================================================
# Batteries, registry
# =============================================================================================
@pytest.mark.parametrize(
    "battery", [hierarchy.battery_latent_space_policies, algorithms.battery_soft_policy_gradient]
)
def test_battery_quick_passes_and_is_deterministic(battery):
    first = battery(seed=0, size="quick")
    assert first.passed, first.details
    assert first.cases > 0
    assert battery(seed=0, size="quick") == first


def test_H5_H6_are_registered_exact_claims_without_roles():
    claims = {claim.id: claim for claim, _ in registered()}
    for cid in ("H5", "H6"):
        assert claims[cid].false_alarm == 0 and claims[cid].roles == ()


def test_battery_rejects_unknown_size():
    with pytest.raises(ValueError, match="size"):
        hierarchy.battery_latent_space_policies(seed=0, size="huge")


# =============================================================================================
# Bad input
# =============================================================================================
SIGMA = _permutations(0, 8, 3)
PI = np.full((8, 3), 1 / 3)
THETA = np.zeros((8, 3))
MU = np.full(8, 1 / 8)


def _log0(h):
    return 0.0 * h


BAD = [
    (lambda: th.latent_mdp("mdp", SIGMA), TypeError, "mdp"),
    (lambda: th.latent_mdp(STOCHASTIC, SIGMA.astype(float)), TypeError, "permutation must hold integers"),
    (lambda: th.latent_mdp(STOCHASTIC, SIGMA[:4]), ValueError, r"permutation must have shape \(8, 3\)"),
    (lambda: th.latent_mdp(STOCHASTIC, np.zeros((8, 3), int)), ValueError, r"permutation must be a perm|row"),
    (lambda: th.push_forward(PI * 2, SIGMA), ValueError, "pi_h must sum to 1"),
    (lambda: th.push_forward(PI, SIGMA[:, :2]), ValueError, "permutation must have shape"),
    (lambda: th.kl_regularised_mdp(STOCHASTIC, PI, -1.0), ValueError, "temperature tau"),
    (
        lambda: th.kl_regularised_mdp(STOCHASTIC, np.eye(3)[[0] * 8], 1.0),
        ValueError,
        "prior must have positive",
    ),
    (lambda: th.kl_regularised_mdp(STOCHASTIC, PI[:, :2] * 1.5, 1.0), ValueError, "prior must have shape"),
    (lambda: th.gibbs_density_1d(_log0, _log0, 0.0, bounds=(0, 1)), ValueError, "temperature tau"),
    (lambda: th.gibbs_density_1d(_log0, "r", 1.0, bounds=(0, 1)), TypeError, "reward must be callable"),
    (lambda: th.gibbs_density_1d(_log0, _log0, 1.0, bounds=(1, 0)), ValueError, "bounds must be"),
    (lambda: th.gibbs_density_1d(_log0, _log0, 1.0, bounds=(0, np.inf)), ValueError, "bounds must be finite"),
    (lambda: th.pushforward_entropy_1d(_log0, None, bounds=(0, 1)), TypeError, "log_det must be callable"),
    (
        lambda: th.pushforward_entropy_1d(lambda h: np.full(np.shape(h), -np.inf), _log0, bounds=(0, 1)),
        ValueError,
        "log_density is not finite",
    ),
    (lambda: th.pushforward_log_density("x", 0.0), TypeError, "log_density"),
    (lambda: th.pushforward_log_density(np.zeros(3), np.zeros(2)), ValueError, "broadcast"),
    (lambda: pg.soft_policy_gradient(STOCHASTIC, THETA, 0.0, MU), ValueError, "temperature tau"),
    (lambda: pg.soft_policy_gradient(STOCHASTIC, THETA[:2], 1.0, MU), ValueError, "theta must have shape"),
    (lambda: pg.soft_policy_gradient(STOCHASTIC, THETA, 1.0, MU, baseline=MU[:2]), ValueError, "baseline"),
    (lambda: pg.soft_score_expectation(THETA, THETA[:, :2], 1.0), ValueError, "q must have shape"),
    (lambda: pg.soft_score_expectation(THETA, THETA, np.nan), ValueError, "temperature tau"),
    (lambda: pg.policy_kl(THETA[:, :2], THETA, 1.0), ValueError, "theta must have shape"),
    (lambda: pg.policy_kl(THETA, "q", 1.0), TypeError, "q must hold real numbers"),
    (lambda: pg.complex_step_gradient(3, THETA), TypeError, "fn must be callable"),
    (lambda: check_latent_kl_invariance(STOCHASTIC, 0.0), ValueError, "temperature tau.*claim H5"),
    (lambda: check_soft_policy_gradient(STOCHASTIC, -1.0), ValueError, "temperature tau"),
]


@pytest.mark.parametrize("call, exc, message", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_input_is_rejected_naming_the_argument(call, exc, message):
    with pytest.raises(exc, match=message):
        call()
