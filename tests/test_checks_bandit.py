"""Claims F1, F2 (checks/bandit.py): E2W sampling and the error rate, with negative controls."""

import my_soft_rl as good  # a user's plain-numpy E2W (examples/)
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

import checks.bandit as bandit
from checks.bandit import check_e2w_formula, check_e2w_sampling, check_error_rate
from checks.subjects import OWN, Subjects
from mdps.instances import BANDITS
from mdps.strategies import q_vectors
from theory.bandit import e2w_distribution, oracle_allocation, uniform_allocation
from theory.softmax import soft_indmax


def _assert_rejected(res):
    """FAIL, by a measurement beyond its allowance or by a NaN/inf one (the one rule of
    checks.base: π with λ > 1 at t = 0 is −inf + inf)."""
    assert res.verdict == "FAIL", res.details
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
        res = check_e2w_sampling(
            r, tau, sigma, checkpoints=(200, 1000), n_runs=100, subjects=OWN.replace(e2w=broken)
        )
    _assert_rejected(res)


def test_F1_shares_part_rejects_a_sampler_that_is_right_only_on_the_formula_grid():
    """Correct at the formula's fixed t (so only the simulation can tell): E2W at 1.5τ for t > K."""
    grid = set(bandit._FORMULA_TIMES.tolist())

    def sneaky(q, t, tau, eps):
        if np.ndim(t) == 0 and int(t) not in grid:
            return e2w_distribution(q, t, 1.5 * tau, eps)
        return e2w_distribution(q, t, tau, eps)

    r, tau, sigma = BANDITS["K=3"]
    res = check_e2w_sampling(
        r, tau, sigma, checkpoints=(200, 1000), n_runs=100, subjects=OWN.replace(e2w=sneaky)
    )
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
    lo, hi = res.details["table"][-1]["interval"]
    assert lo < res.details["table"][-1]["t*E_t"] < hi
    assert "skewness-corrected" in res.details["summary"] and "limit" in res.details["summary"]
    assert res.details["uniform_constant"] > res.details["limit"]


def test_F2_references_are_the_closed_forms():
    """The check's own constants, against the closed forms written out by hand (K = 2, τ = 1, σ = 2):
    (σ²/τ²)(1 + e)² and (σ²/τ²)·2·(1 + e²)."""
    res = check_error_rate(*BANDITS["K=2"], checkpoints=(300,), n_runs=200)
    assert res.details["limit"] == pytest.approx(4 * (1 + np.e) ** 2, rel=1e-14)
    assert res.details["uniform_constant"] == pytest.approx(8 * (1 + np.e**2), rel=1e-14)


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
    # Both the exact comparison with the closed form and the Monte Carlo reject it.
    failing = [k for k, (m, a) in res.details["comparisons"].items() if m > a]
    assert any(k.startswith("formula: e2w_limit") for k in failing), failing
    assert any(k.startswith("attains limit") for k in failing), failing


def _at_double_temperature(fn):
    return lambda r, tau, sigma, *args: fn(r, 2 * tau, sigma, *args)


@pytest.mark.parametrize("name", ["e2w_limit", "gaussian_mse_given_counts", "uniform_limit"])
def test_F2_battery_fails_when_theory_functions_use_twice_tau(monkeypatch, name):
    """F2 does not grade itself: a theory.bandit constant computed at 2τ is caught (the check's
    references are independent of theory.bandit), at the quick battery's seed."""
    import theory.bandit

    monkeypatch.setattr(theory.bandit, name, _at_double_temperature(getattr(theory.bandit, name)))
    res = bandit.battery_error_rate(seed=0, size="quick")
    assert res.verdict == "FAIL", res.details


def test_F2_monte_carlo_alone_rejects_e2w_limit_at_twice_tau(monkeypatch):
    """The limit at 2τ (28.06 on K = 2 against t·E_t ≈ 55) fails the Monte Carlo comparison too."""
    import theory.bandit

    monkeypatch.setattr(theory.bandit, "e2w_limit", _at_double_temperature(theory.bandit.e2w_limit))
    res = check_error_rate(*BANDITS["K=2"], n_runs=1500)
    failing = [k for k, (m, a) in res.details["comparisons"].items() if m > a]
    assert any(k.startswith("attains limit") for k in failing), failing


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


def test_F2_beats_uniform_is_always_compared_and_fails_for_a_worse_allocation():
    """Sampling from the softmax of −r (the worst arms most) is significantly worse than uniform."""
    r, tau, sigma = BANDITS["K=3"]
    anti = oracle_allocation(-r, tau)
    res = check_error_rate(r, tau, sigma, checkpoints=(300, 1000), n_runs=1500, allocation=anti)
    measured, allowed = res.details["comparisons"]["beats uniform: lower bound − uniform's t·E_t"]
    assert measured > allowed, res.details["comparisons"]
    ok = check_error_rate(*BANDITS["K=2"], checkpoints=(300, 1000), n_runs=1000)
    assert "beats uniform: lower bound − uniform's t·E_t" in ok.details["comparisons"]


# --- batteries --------------------------------------------------------------------------------------
@pytest.mark.parametrize("battery", [bandit.battery_e2w_sampling, bandit.battery_error_rate])
def test_batteries_pass_quick_and_are_deterministic(battery):
    a = battery(seed=0, size="quick")
    b = battery(seed=0, size="quick")
    assert a.passed, a.details
    assert a == b


# --- foreign E2W implementations (plain numpy, the role's signature: one distribution per call) ----
def log_softmax_e2w(q_hat, n_total, tau, epsilon):
    """E2W in another style: a log-softmax with scipy's logsumexp (exponents rounded differently)."""
    k = q_hat.shape[-1]
    lam = 1.0 if n_total == 0 else min(1.0, epsilon * k / np.log(n_total + 1))
    return (1 - lam) * np.exp(q_hat / tau - logsumexp(q_hat / tau)) + lam / k


def e2w_at_105_percent_tau(q_hat, n_total, tau, epsilon):
    """The same at 1.05·τ: a subtly wrong temperature."""
    return good.e2w(q_hat, n_total, 1.05 * tau, epsilon)


def e2w_that_never_stops_exploring(q_hat, n_total, tau, epsilon):
    """λ = 1 at every t: uniform sampling dressed as E2W."""
    return good.e2w(q_hat, 0, tau, epsilon)


@settings(max_examples=50)
@given(
    q_vectors(min_k=1, max_k=8, max_magnitude=50.0),
    st.integers(0, 10**9),
    st.floats(min_value=1e-3, max_value=1e3),
    st.floats(min_value=1e-3, max_value=10.0),
)
def test_F1_formula_probe_passes_own_and_a_foreign_e2w(q, n_total, tau, epsilon):
    assert check_e2w_formula(q, n_total, tau, epsilon).passed
    for foreign in (good.e2w, log_softmax_e2w):
        res = check_e2w_formula(q, n_total, tau, epsilon, subjects=Subjects.of(e2w=foreign))
        assert res.passed, (foreign.__name__, res.details)


@pytest.mark.parametrize("n_total", [1, 5, 1000])  # at 0, λ = 1: uniform at any τ
def test_F1_formula_probe_fails_a_foreign_e2w_at_105_percent_tau(n_total):
    q = np.array([0.0, 0.5, 1.0])
    res = check_e2w_formula(q, n_total, 0.5, 0.01, subjects=Subjects.of(e2w=e2w_at_105_percent_tau))
    _assert_rejected(res)


def test_F1_formula_probe_rejects_instances_outside_the_claim():
    for args in [
        (np.array([0.0, 1.0]), 3, 0.0, 0.1),
        (np.array([0.0, 1.0]), -1, 0.5, 0.1),
        (np.zeros((2, 2)), 3, 0.5, 0.1),
    ]:
        with pytest.raises(ValueError):
            check_e2w_formula(*args)


@pytest.mark.parametrize("name", ["K=3", "K=4"])
def test_F1_passes_a_foreign_e2w_and_fails_one_at_105_percent_tau(name):
    r, tau, sigma = BANDITS[name]
    kw = dict(checkpoints=(100, 300), n_runs=40)
    assert check_e2w_sampling(r, tau, sigma, subjects=Subjects.of(e2w=good.e2w), **kw).passed
    res = check_e2w_sampling(r, tau, sigma, subjects=Subjects.of(e2w=e2w_at_105_percent_tau), **kw)
    _assert_rejected(res)
    measured, allowed = res.details["comparisons"]["formula: max |π − reference|"]
    assert measured > allowed


@pytest.mark.parametrize(
    "battery, plan",
    [
        (bandit.battery_e2w_sampling, bandit._F1_FOREIGN_PLAN),
        (bandit.battery_error_rate, bandit._F2_FOREIGN_PLAN),
    ],
    ids=["F1", "F2"],
)
def test_batteries_give_a_foreign_e2w_its_own_run_budget(battery, plan):
    """A foreign E2W is called row by row: the quick batteries take a few seconds with it."""
    res = battery(seed=0, size="quick", subjects=Subjects.of(e2w=good.e2w))
    assert res.passed, res.details
    names, runs, _ = plan["quick"]
    assert res.cases == len(names) and res.details["worst_case"]["runs"] == runs


def test_F2_passes_a_foreign_e2w_and_fails_one_that_never_stops_exploring():
    names, runs, marks = bandit._F2_FOREIGN_PLAN["quick"]
    r, tau, sigma = BANDITS["K=3"]
    ok = check_error_rate(r, tau, sigma, checkpoints=marks, n_runs=runs, subjects=Subjects.of(e2w=good.e2w))
    assert ok.passed, ok.details
    subjects = Subjects.of(e2w=e2w_that_never_stops_exploring)
    _assert_rejected(check_error_rate(r, tau, sigma, checkpoints=marks, n_runs=runs, subjects=subjects))
