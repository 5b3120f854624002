"""Claims F1, F2 (checks/bandit.py): E2W sampling and the error rate, with negative controls."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import checks.bandit as bandit
from checks.bandit import BANDITS, check_e2w_sampling, check_error_rate
from mdps.strategies import q_vectors
from theory.bandit import e2w_distribution, oracle_allocation, uniform_allocation
from theory.softmax import soft_indmax


def _assert_rejected(res):
    """FAIL, by a measured violation or by a NaN/inf (an unclipped λ_0 = ε|A|/log 1 is inf)."""
    assert res.passed is False, res.details
    assert res.measured > res.tolerance or "nonfinite" in res.details, res.details


# --- F1 holds on generated bandits ----------------------------------------------------------------
@settings(max_examples=20)
@given(
    q_vectors(min_k=2, max_k=6, max_magnitude=2.0),
    st.floats(min_value=0.3, max_value=3.0),
    st.floats(min_value=0.1, max_value=2.0),
    st.integers(0, 2**16),
)
def test_F1_passes_on_generated_bandits(r, tau, sigma, seed):
    res = check_e2w_sampling(r, tau, sigma, checkpoints=(200, 2000), n_runs=100, seed=seed)
    assert res.passed, res.details


# --- F1 negative controls: broken samplers ----------------------------------------------------------
def unclipped_exploration(q, t, tau, eps):
    """λ = ε|A|/log(t + 1) without min(1, ·): π leaves the simplex at small t."""
    k = np.shape(q)[-1]
    lam = np.asarray(eps * k / np.log(np.asarray(t, dtype=float) + 1 + 1e-300))[..., None]
    return (1 - lam) * soft_indmax(q, tau) + lam / k


def exploration_without_n_actions(q, t, tau, eps):
    """λ = min(1, ε/log(t + 1)): the thts++ variant, |A| times too little exploration."""
    k = np.shape(q)[-1]
    return e2w_distribution(q, t, tau, eps / k)


def exploration_over_log_t(q, t, tau, eps):
    """λ = min(1, ε|A|/log t): log t in place of log(t + 1)."""
    k = np.shape(q)[-1]
    t = np.maximum(np.asarray(t, dtype=float), 1.0)
    lam = np.minimum(1.0, eps * k / np.log(t, out=np.full(t.shape, 1e-300), where=t > 1))[..., None]
    return (1 - lam) * soft_indmax(q, tau) + lam / k


def sampler_at_wrong_temperature(q, t, tau, eps):
    return e2w_distribution(q, t, 1.5 * tau, eps)


def hard_max_sampler(q, t, tau, eps):
    return e2w_distribution(q, t, 0.0, eps)


@pytest.mark.parametrize(
    "broken",
    [
        unclipped_exploration,
        exploration_without_n_actions,
        exploration_over_log_t,
        sampler_at_wrong_temperature,
        hard_max_sampler,
    ],
)
@pytest.mark.parametrize("name", ["K=3", "K=4"])
def test_F1_rejects_broken_samplers(broken, name):
    r, tau, sigma = BANDITS[name]
    with np.errstate(all="ignore"):
        res = check_e2w_sampling(r, tau, sigma, checkpoints=(200, 1000), n_runs=100, distribution=broken)
    _assert_rejected(res)


def test_F1_shares_part_rejects_a_sampler_that_is_right_only_on_the_formula_grid():
    """Correct at the formula's fixed t (so only the simulation can tell): E2W at 1.5τ for t > K."""
    grid = set(bandit._FORMULA_TIMES.tolist())

    def sneaky(q, t, tau, eps):
        if np.ndim(t) == 0 and int(t) not in grid:
            return e2w_distribution(q, t, 1.5 * tau, eps)
        return e2w_distribution(q, t, tau, eps)

    r, tau, sigma = BANDITS["K=3"]
    res = check_e2w_sampling(r, tau, sigma, checkpoints=(200, 1000), n_runs=100, distribution=sneaky)
    _assert_rejected(res)
    assert res.details["worst"].startswith("shares")


# --- F2 holds on the battery's bandits and with the oracle allocation ------------------------------
@pytest.mark.parametrize("name", list(BANDITS))
def test_F2_passes_on_the_battery_bandits(name):
    res = check_error_rate(*BANDITS[name], checkpoints=(300, 1000), n_runs=2000, seed=7)
    assert res.passed, res.details


def test_F2_passes_with_the_oracle_allocation():
    r, tau, sigma = BANDITS["K=3"]
    res = check_error_rate(r, tau, sigma, n_runs=2000, allocation=oracle_allocation(r, tau))
    assert res.passed, res.details


def test_F2_details_show_the_interval():
    res = check_error_rate(*BANDITS["K=2"], checkpoints=(300, 1000), n_runs=1000)
    lo, hi = res.details["table"][-1]["ci99"]
    assert lo < res.details["table"][-1]["t*E_t"] < hi
    assert "99 %" in res.details["summary"] and "limit" in res.details["summary"]
    assert res.details["uniform_constant"] > res.details["limit"]


# --- F2 negative controls --------------------------------------------------------------------------
def limit_without_square(r, tau, sigma):
    return sigma**2 / tau**2 * np.exp(np.asarray(r) / tau).sum()


def limit_with_sigma_for_sigma_squared(r, tau, sigma):
    return sigma / tau**2 * np.exp(np.asarray(r) / tau).sum() ** 2


def limit_without_tau(r, tau, sigma):
    return sigma**2 * np.exp(np.asarray(r) / tau).sum() ** 2


@pytest.mark.parametrize(
    "wrong, name",
    [
        (limit_without_square, "K=2"),
        (limit_without_square, "K=3"),
        (limit_with_sigma_for_sigma_squared, "K=2"),  # σ = 2: σ ≠ σ²
        (limit_with_sigma_for_sigma_squared, "K=3"),  # σ = 0.5
        (limit_without_tau, "K=3"),  # τ = 0.5 (K=2 has τ = 1, where the two agree)
        (limit_without_tau, "K=4"),
    ],
)
def test_F2_rejects_wrong_constants(wrong, name):
    res = check_error_rate(*BANDITS[name], n_runs=1500, limit=wrong)
    _assert_rejected(res)
    assert res.details["worst"].startswith("attains limit")


@pytest.mark.parametrize("name", ["K=2", "K=3", "K=4"])
def test_F2_uniform_sampling_does_not_attain_the_optimal_constant(name):
    res = check_error_rate(
        *BANDITS[name], checkpoints=(300, 1000), n_runs=3000, allocation=uniform_allocation
    )
    _assert_rejected(res)
    failing = [k for k, (m, a) in res.details["comparisons"].items() if m > a]
    assert any(k.startswith(("attains limit", "beats uniform")) for k in failing), failing
    # ... while it still tracks its own finite-t prediction: the check is not rejecting noise.
    assert all(not k.startswith("tracks") for k in failing), failing


# --- batteries --------------------------------------------------------------------------------------
@pytest.mark.parametrize("battery", [bandit.battery_e2w_sampling, bandit.battery_error_rate])
def test_batteries_pass_quick_and_are_deterministic(battery):
    a = battery(seed=0, size="quick")
    b = battery(seed=0, size="quick")
    assert a.passed, a.details
    assert a == b
