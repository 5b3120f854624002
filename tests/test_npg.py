"""theory.npg.npg_update and claims R6 (NPG step and rate), R7 (soft performance difference).

Hand-derived fixtures, limits, bad inputs, properties over mdps.strategies, and negative
controls that R6 and R7 must reject.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax

from checks import regularizers as checks_reg
from checks.base import registered
from mdps.finite import FiniteMDP
from mdps.generators import chain, garnet
from mdps.strategies import finite_mdps, temperatures
from theory.bellman import boltzmann_policy, evaluate_policy
from theory.npg import npg_update
from theory.softmax import kl
from theory.solvers import exact_optimum

GARNET = garnet(5, 3, 2, gamma=0.8, seed=3)
# Two states, the second terminal (absorbing, zero reward): V = 0 there whatever the policy.
TERMINAL = FiniteMDP(
    np.array([[[0.5, 0.5], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]]),
    np.array([[1.0, 0.0], [0.0, 0.0]]),
    0.9,
    terminal=np.array([False, True]),
    name="two-state(terminal)",
)
FIXTURES = [GARNET, chain(4, gamma=0.5, slip=0.1), TERMINAL]


def _full_support(mdp, seed=0):
    return np.random.default_rng(seed).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)


# --- npg_update ----------------------------------------------------------------------------------
def test_npg_update_hand_derived():
    # π = (1/2, 1/2), q = (0, log 2), τ = 1, γ = 1/2, η = 1/4: exponent 1 − (1/4)/(1/2) = 1/2,
    # ηq/(1 − γ) = (0, log 2 / 2): π' ∝ (1/√2, 1/√2 · √2) = (1/√2, 1) → (1, √2)/(1 + √2).
    out = npg_update([[0.5, 0.5]], [[0.0, np.log(2.0)]], 1.0, 0.25, 0.5)
    np.testing.assert_allclose(out, [[1 / (1 + np.sqrt(2)), np.sqrt(2) / (1 + np.sqrt(2))]], rtol=1e-14)


@pytest.mark.parametrize("gamma, tau", [(0.0, 1.0), (0.9, 0.3), (0.99, 5.0), (0.5, 1e-3)])
def test_npg_update_at_the_largest_step_is_soft_policy_iteration(gamma, tau):
    rng = np.random.default_rng(1)
    pi = rng.dirichlet(np.ones(4), size=3)
    pi[0] = [1.0, 0.0, 0.0, 0.0]  # π⁰ = 1: the zeros get mass at the SPI step
    q = rng.normal(size=(3, 4)) * 10
    np.testing.assert_allclose(
        npg_update(pi, q, tau, (1 - gamma) / tau, gamma), softmax(q / tau, axis=1), atol=1e-15
    )


def test_npg_update_keeps_zeros_for_small_steps_and_is_max_shifted():
    pi = np.array([[0.0, 0.3, 0.7]])
    out = npg_update(pi, np.array([[5.0, 1e4, 1e4 + 1]]), 0.1, 0.1, 0.9)  # ηq/(1 − γ) ~ 1e4: no overflow
    assert out[0, 0] == 0.0 and np.isfinite(out).all()
    np.testing.assert_allclose(out.sum(), 1.0, rtol=1e-15)


def test_npg_update_small_step_tends_to_identity():
    pi = _full_support(GARNET)
    q = evaluate_policy(GARNET, pi, 0.5).q
    np.testing.assert_allclose(npg_update(pi, q, 0.5, 1e-9, GARNET.gamma), pi, atol=1e-7)


PI, Q = [[0.5, 0.5]], [[0.0, 1.0]]


@pytest.mark.parametrize(
    "args, error, name",
    [
        pytest.param((PI, Q, 0.0, 0.1, 0.9), ValueError, "tau", id="tau-zero"),
        pytest.param((PI, Q, -1.0, 0.1, 0.9), ValueError, "tau", id="tau-negative"),
        pytest.param((PI, Q, 1.0, 0.0, 0.9), ValueError, "eta", id="eta-zero"),
        pytest.param((PI, Q, 1.0, np.nan, 0.9), ValueError, "eta", id="eta-nan"),
        pytest.param((PI, Q, 1.0, "0.1", 0.9), TypeError, "eta", id="eta-string"),
        pytest.param((PI, Q, 1.0, 0.1, 1.0), ValueError, "gamma", id="gamma-one"),
        pytest.param((PI, Q, 1.0, 0.1, -0.1), ValueError, "gamma", id="gamma-negative"),
        pytest.param(([[0.6, 0.6]], Q, 1.0, 0.1, 0.9), ValueError, "pi", id="pi-off-simplex"),
        pytest.param(([[0.5, 0.5, 0.0]], Q, 1.0, 0.1, 0.9), ValueError, "pi", id="pi-shape"),
        pytest.param((PI, [[0.0, np.inf]], 1.0, 0.1, 0.9), ValueError, "q", id="q-inf"),
        pytest.param((PI, [0.0, 1.0], 1.0, 0.1, 0.9), ValueError, "q", id="q-1d"),
        pytest.param((PI, [["a", "b"]], 1.0, 0.1, 0.9), TypeError, "q", id="q-strings"),
        pytest.param(([[1.0, 0.0]], Q, 1.0, 0.5, 0.9), ValueError, "pi", id="zero-under-negative-exponent"),
    ],
)
def test_npg_update_bad_inputs(args, error, name):
    with pytest.raises(error, match=name):
        npg_update(*args)


# --- R6, R7 pass -------------------------------------------------------------------------------
@pytest.mark.parametrize("mdp", FIXTURES, ids=lambda m: m.name)
@pytest.mark.parametrize("tau", [0.05, 1.0])
def test_R6_R7_pass_on_fixtures(mdp, tau):
    pi = _full_support(mdp)
    res = checks_reg.check_npg(mdp, tau, pi)
    assert res.passed, res.details
    assert res.details["worst ratio to the bound"] <= 1.0
    for rho in (np.full(mdp.n_states, 1 / mdp.n_states), np.eye(mdp.n_states)[0]):
        res = checks_reg.check_soft_performance_difference(mdp, tau, pi, rho)
        assert res.passed, res.details


def test_R7_both_sides_by_hand_on_a_one_state_mdp():
    # One state, γ = 1/2: Ṽ* − Ṽ^π = τ KL(π‖π*)/(1 − γ) with d = ρ = 1 (per-step gap, geometric sum).
    mdp = FiniteMDP(np.ones((1, 2, 1)), np.array([[0.0, 1.0]]), 0.5)
    pi, tau = np.array([[0.9, 0.1]]), 0.5
    star = boltzmann_policy(exact_optimum(mdp, tau).q, tau)
    expected = tau * float(kl(pi, star)[0]) / 0.5
    res = checks_reg.check_soft_performance_difference(mdp, tau, pi, [1.0])
    assert res.passed
    assert res.details["gap"] == pytest.approx(expected, rel=1e-12)


@settings(max_examples=30)
@given(
    mdp=finite_mdps(max_states=4),
    tau=temperatures(allow_zero=False, min_value=0.05, max_value=5),
    seed=st.integers(0, 2**32 - 1),
)
def test_R6_R7_pass_on_drawn_mdps(mdp, tau, seed):
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
    res = checks_reg.check_npg(mdp, tau, pi)
    assert res.passed, res.details
    rho = rng.dirichlet(np.ones(mdp.n_states))
    det = np.eye(mdp.n_actions)[rng.integers(mdp.n_actions, size=mdp.n_states)]
    for p in (pi, det):
        res = checks_reg.check_soft_performance_difference(mdp, tau, p, rho)
        assert res.passed, res.details


def test_R6_R7_registered_and_pass_at_quick_size():
    claims = {claim.id: battery for claim, battery in registered()}
    for cid in ("R6", "R7"):
        res = claims[cid](seed=0, size="quick")
        assert res.passed, res.details["failed_instances"]
        assert res.cases > 10


# --- negative controls -----------------------------------------------------------------------------
def _wrong_exponent(pi, q, tau, eta, gamma):
    """The exponent 1 − ητ (γ dropped from the entropy weight): not the NPG step."""
    return npg_update(pi, q, tau, eta, 0.0)


def _no_entropy(pi, q, tau, eta, gamma):
    """π' ∝ π exp(ηQ/(1 − γ)): the unregularised step (exponent 1)."""
    return softmax(np.log(pi) + eta * q / (1 - gamma), axis=-1)


def _nan_update(pi, q, tau, eta, gamma):
    return np.full_like(pi, np.nan)


@pytest.mark.parametrize("update", [_wrong_exponent, _no_entropy, _nan_update])
def test_R6_rejects_a_wrong_update(update):
    res = checks_reg.check_npg(GARNET, 0.5, _full_support(GARNET), update=update)
    assert not res.passed


@pytest.mark.parametrize("tau", [0.1, 2.0])
def test_R6_rejects_a_step_above_the_limit(tau):
    # η = 1.5(1 − γ)/τ: 1 − ητ/(1−γ) = −0.5 < 0, outside the theorem; the recalled bound fails.
    res = checks_reg.check_npg(GARNET, tau, _full_support(GARNET), step_fractions=(1.5,))
    assert not res.passed


def _reversed_kl(p, q):
    return kl(q, p)


@pytest.mark.parametrize("mdp", FIXTURES[:2], ids=lambda m: m.name)
def test_R7_rejects_broken_right_sides(mdp):
    tau, pi = 0.5, _full_support(mdp)
    rho = np.full(mdp.n_states, 1 / mdp.n_states)
    hot = boltzmann_policy(exact_optimum(mdp, 2 * tau).q, 2 * tau)  # π* at the wrong temperature
    for kwargs in ({"divergence": _reversed_kl}, {"factor": 1.0}, {"pi_star": hot}):
        res = checks_reg.check_soft_performance_difference(mdp, tau, pi, rho, **kwargs)
        assert not res.passed, kwargs
    nan_star = np.full(mdp.R.shape, np.nan)
    assert not checks_reg.check_soft_performance_difference(mdp, tau, pi, rho, pi_star=nan_star).passed
