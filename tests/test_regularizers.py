"""theory.regularizers (Shannon, Tsallis, KLToPrior), theory.mellowmax, and claims R1–R5
(checks.regularizers).

Hand-derived fixtures, 50-digit references, limits, properties over mdps.strategies, bad inputs,
and negative controls that R1 and R4 must reject.
"""

import functools
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from checks import mellowmax as checks_mm
from checks import regularizers as checks_reg
from checks._softmax_common import positive_q_tau_suite
from checks.base import registered
from mdps.finite import FiniteMDP
from mdps.generators import chain, garnet
from mdps.instances import BIAS_INSTANCES, BOLTZMANN_EXPANSION_PAIR, MELLOWMAX_MDP
from mdps.strategies import finite_mdps, q_vectors, simplex_vectors, temperatures
from theory import KLToPrior, Regularizer, Shannon, Tsallis
from theory.mellowmax import FIXED_POINT_GRID, boltzmann_average, mellowmax, one_state_fixed_points
from theory.softmax import soft_indmax, soft_value

PRIOR3 = (0.2, 0.3, 0.5)
Q_TWO_SUPPORT = np.array([1.0, 0.8, -1.0])  # sparsemax (τ = 1): support {0, 1}, p = (0.6, 0.4, 0)
Q_ONE_SUPPORT = np.array([3.0, 1.0, 0.0])  # sparsemax (τ = 1): p = (1, 0, 0)


# --- hand-derived fixtures -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "q, tau, expected",
    [
        # Σz = 0.8 and every entry is in the support: θ = (0.8 − 1)/3 = −1/15, p = z + 1/15.
        ([0.5, 0.2, 0.1], 1.0, [17 / 30, 8 / 30, 5 / 30]),
        # i = 2: 1 + 2·0.8 = 2.6 > 1.8; i = 3: 1 − 3 = −2 < 0.8. θ = (1.8 − 1)/2 = 0.4.
        (Q_TWO_SUPPORT, 1.0, [0.6, 0.4, 0.0]),
        # i = 2: 1 + 2·1 = 3 = 1 + 3: not >, so only the top action: p = e_0.
        (Q_ONE_SUPPORT, 1.0, [1.0, 0.0, 0.0]),
        # Temperature: sparsemax(q/τ); q/2 = (1.5, 0.5, 0): i = 2: 1 + 1 = 2 = 2, not >; e_0.
        (Q_ONE_SUPPORT, 2.0, [1.0, 0.0, 0.0]),
        # q/4 = (0.75, 0.25, 0): i = 2: 1.5 > 1; i = 3: 1 > 1 no; θ = 0, p = (0.75, 0.25, 0).
        (Q_ONE_SUPPORT, 4.0, [0.75, 0.25, 0.0]),
        ([0.0, 0.0], 0.3, [0.5, 0.5]),  # a tie: the uniform policy
    ],
)
def test_sparsemax_by_hand(q, tau, expected):
    np.testing.assert_allclose(Tsallis().greedy(q, tau), expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "q, tau, expected",
    [
        # p = (0.6, 0.4, 0): ⟨p, q⟩ = 0.92, ½(‖p‖² − 1) = ½(0.52 − 1) = −0.24, value 1.16.
        (Q_TWO_SUPPORT, 1.0, 1.16),
        (Q_ONE_SUPPORT, 1.0, 3.0),  # a vertex: Ω(e_0) = 0, value = max q
        # p = (17, 8, 5)/30: ½Σ(z² − θ²) + ½ = ½(0.3 − 3/225) + ½ = 0.64333…
        ([0.5, 0.2, 0.1], 1.0, 0.5 * (0.3 - 3 / 225) + 0.5),
        ([2.0, 2.0], 1.0, 2.0 + 0.25),  # uniform: Ω = ½(½ − 1) = −¼, value 2 + τ/4
    ],
)
def test_tsallis_value_by_hand(q, tau, expected):
    assert Tsallis().value(q, tau) == pytest.approx(expected, rel=1e-14)


def test_mellowmax_by_hand():
    # mm_ω(x) = (1/ω) log((1/n) Σ e^{ωx}): at ω = 1, x = (0, log 3): log((1 + 3)/2) = log 2.
    uniform = KLToPrior((0.5, 0.5))
    assert uniform.value([0.0, np.log(3.0)], 1.0) == pytest.approx(np.log(2.0), rel=1e-15)
    np.testing.assert_allclose(uniform.greedy([0.0, np.log(3.0)], 1.0), [0.25, 0.75], rtol=1e-15)
    # ω = 2 (τ = ½), x = (0, log 3): ½ log((1 + 9)/2) = ½ log 5.
    assert uniform.value([0.0, np.log(3.0)], 0.5) == pytest.approx(0.5 * np.log(5.0), rel=1e-15)


def test_kl_to_prior_by_hand():
    reg = KLToPrior((0.25, 0.75))
    # τ log(0.25·e^{log 3} + 0.75·e^0) = log 1.5; greedy ∝ (0.75, 0.75) = (½, ½).
    assert reg.value([np.log(3.0), 0.0], 1.0) == pytest.approx(np.log(1.5), rel=1e-15)
    np.testing.assert_allclose(reg.greedy([np.log(3.0), 0.0], 1.0), [0.5, 0.5], rtol=1e-15)
    assert reg.value([0.0, 0.0], 0.7) == pytest.approx(0.0, abs=4e-16)  # Σ μ = 1, up to round-off
    assert reg.penalty([0.25, 0.75], 3.0) == 0.0  # KL(μ‖μ) = 0
    assert reg.penalty([1.0, 0.0], 2.0) == pytest.approx(2 * np.log(4.0), rel=1e-15)


@pytest.mark.parametrize(
    "reg, k, expected",
    [
        (Shannon(), 3, (-np.log(3.0), 0.0)),
        (Tsallis(), 4, (-3 / 8, 0.0)),  # (1/4 − 1)/2
        (Tsallis(), 1, (0.0, 0.0)),
        (KLToPrior((0.25, 0.75)), 2, (0.0, np.log(4.0))),
    ],
)
def test_bounds_by_hand(reg, k, expected):
    assert reg.bounds(k) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "reg, pi, tau, expected",
    [
        (Shannon(), [0.5, 0.5], 2.0, -2 * np.log(2.0)),
        (Tsallis(), [0.5, 0.5], 2.0, 2 * 0.5 * (0.5 - 1.0)),
        (Tsallis(), [0.0, 1.0], 5.0, 0.0),
        (KLToPrior(PRIOR3), [1.0, 0.0, 0.0], 1.0, np.log(5.0)),
    ],
)
def test_penalty_by_hand(reg, pi, tau, expected):
    assert reg.penalty(pi, tau) == pytest.approx(expected, rel=1e-15, abs=1e-300)


def test_implementations_are_frozen_hashable_regularizers():
    for reg in (Shannon(), Tsallis(), KLToPrior(PRIOR3)):
        assert isinstance(reg, Regularizer)
        assert hash(reg) == hash(type(reg)(*([reg.prior] if isinstance(reg, KLToPrior) else [])))
    assert KLToPrior([0.2, 0.3, 0.5]) == KLToPrior(PRIOR3)
    with pytest.raises(AttributeError):
        KLToPrior(PRIOR3).prior = (1.0,)


# --- 50-digit references -------------------------------------------------------------------------
def _mp_values(q, tau, prior):
    """(Shannon, Tsallis, KL) values at 50 digits, independent of theory: log-sum-exp, and the
    Tsallis maximiser by bisection on θ in Σ [z − θ]₊ = 1 (no sorting rule)."""
    with mp.workdps(50):
        qs, t = [mp.mpf(float(x)) for x in q], mp.mpf(float(tau))
        m = max(qs)
        shannon = m + t * mp.log(mp.fsum(mp.exp((x - m) / t) for x in qs))
        kl = m + t * mp.log(mp.fsum(mp.mpf(float(w)) * mp.exp((x - m) / t) for w, x in zip(prior, qs)))
        z = [x / t for x in qs]
        lo, hi = max(z) - 1, max(z)  # Σ[z − θ]₊ is >= 1 at lo and 0 at hi
        for _ in range(400):
            mid = (lo + hi) / 2
            if mp.fsum(max(x - mid, 0) for x in z) > 1:
                lo = mid
            else:
                hi = mid
        p = [max(x - lo, 0) for x in z]
        tsallis = mp.fsum(a * x for a, x in zip(p, qs)) - t * (mp.fsum(a * a for a in p) - 1) / 2
        return float(shannon), float(tsallis), float(kl)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tau", [1e-3, 0.3, 1.0, 7.0])
def test_values_against_50_digits(seed, tau):
    rng = np.random.default_rng(seed)
    k = 2 + seed
    q = rng.normal(size=k) * (1.0, 5.0)[seed % 2]
    prior = rng.dirichlet(np.ones(k))
    prior = prior / prior.sum()
    shannon, tsallis, kl = _mp_values(q, tau, prior)
    scale = 1 + np.abs(q).max()
    for got, want in (
        (Shannon().value(q, tau), shannon),
        (Tsallis().value(q, tau), tsallis),
        (KLToPrior(tuple(prior)).value(q, tau), kl),
    ):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-13 * scale)


# --- limits and reductions -----------------------------------------------------------------------
@pytest.mark.parametrize("tau", [1e-12, 0.1, 1.0, 1e6])
def test_shannon_delegates_to_theory_softmax_exactly(tau):
    q = np.random.default_rng(1).normal(size=(3, 4, 5)) * 10
    assert np.array_equal(Shannon().value(q, tau), soft_value(q, tau))
    assert np.array_equal(Shannon().greedy(q, tau), soft_indmax(q, tau))


@pytest.mark.parametrize("k", [1, 2, 5])
@pytest.mark.parametrize("tau", [1e-3, 1.0, 50.0])
def test_kl_to_uniform_is_shannon_minus_tau_log_k(k, tau):
    q = np.random.default_rng(k).normal(size=(4, k)) * 3
    reg = KLToPrior(tuple(np.full(k, 1.0 / k)))
    np.testing.assert_allclose(
        reg.value(q, tau), Shannon().value(q, tau) - tau * np.log(k), rtol=1e-13, atol=1e-13
    )
    np.testing.assert_allclose(reg.greedy(q, tau), Shannon().greedy(q, tau), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("reg", [Shannon(), Tsallis(), KLToPrior(PRIOR3)], ids=repr)
def test_batches_broadcast_like_rows(reg):
    q = np.random.default_rng(2).normal(size=(2, 4, 3))
    values, greedy = reg.value(q, 0.4), reg.greedy(q, 0.4)
    assert values.shape == (2, 4) and greedy.shape == (2, 4, 3)
    for i in np.ndindex(2, 4):
        assert values[i] == pytest.approx(reg.value(q[i], 0.4), rel=1e-15)
        np.testing.assert_allclose(greedy[i], reg.greedy(q[i], 0.4), rtol=1e-15)


@pytest.mark.parametrize("reg", [Shannon(), Tsallis(), KLToPrior(PRIOR3)], ids=repr)
@pytest.mark.parametrize("tau", [1e-12, 1e-300])
def test_no_overflow_at_tiny_tau_and_huge_q(reg, tau):
    q = np.array([1e6, -1e6, 1e6 - 1.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is expected
        value, greedy = reg.value(q, tau), reg.greedy(q, tau)
    assert np.isfinite(value) and value == pytest.approx(1e6, rel=1e-15)
    np.testing.assert_array_equal(greedy, [1.0, 0.0, 0.0])


# --- properties over mdps.strategies -------------------------------------------------------------
def _with_prior(q, reg):
    return (
        KLToPrior(tuple(np.arange(1.0, q.size + 1) / np.arange(1.0, q.size + 1).sum()))
        if reg == "kl"
        else reg
    )


@settings(max_examples=60, deadline=None)
@given(q_vectors(), temperatures(allow_zero=False), st.sampled_from([Shannon(), Tsallis(), "kl"]))
def test_greedy_on_the_simplex_and_value_finite(q, tau, reg):
    reg = _with_prior(q, reg)
    p, v = reg.greedy(q, tau), reg.value(q, tau)
    low, high = reg.bounds(q.size)
    assert np.isfinite(v) and np.all(p >= 0) and abs(p.sum() - 1) <= 1e-13 * q.size
    slack = 1e-12 * (1 + np.abs(q).max() + tau * (1 + abs(low) + abs(high)))
    assert q.max() - tau * high - slack <= v <= q.max() - tau * low + slack


@settings(max_examples=40, deadline=None)
@given(simplex_vectors(), temperatures(allow_zero=False), st.sampled_from([Shannon(), Tsallis(), "kl"]))
def test_penalty_within_bounds(pi, tau, reg):
    reg = _with_prior(pi, reg)
    low, high = reg.bounds(pi.size)
    omega = reg.penalty(pi, tau) / tau
    assert low - 1e-12 * (1 + abs(low)) <= omega <= high + 1e-12 * (1 + abs(high))


@settings(max_examples=25, deadline=None)
@given(q_vectors(max_k=5, max_magnitude=1e3), temperatures(allow_zero=False, min_value=1e-3, max_value=1e3))
def test_R1_passes_on_generated_q(q, tau):
    for reg in checks_reg.suite_regularizers(q.size):
        res = checks_reg.check_legendre_fenchel(q, tau, regularizer=reg)
        assert res.passed, res.details


@settings(max_examples=40, deadline=None)
@given(q_vectors(), temperatures(allow_zero=False))
def test_R4_passes_on_generated_q(q, tau):
    res = checks_reg.check_sparsemax(q, tau)
    assert res.passed, res.details


@pytest.mark.parametrize("reg", [Shannon(), Tsallis(), KLToPrior((0.1, 0.2, 0.3, 0.4))], ids=repr)
def test_tau_zero_is_the_hard_max(reg):
    """τ = 0 is the limit for every regulariser: value max q, greedy uniform over the argmax set,
    no penalty; and τ = 1e-300 is already that limit in float64."""
    q = np.array([[1.0, 3.0, 3.0, -2.0], [0.5, -1.0, 0.2, 0.1]])
    np.testing.assert_array_equal(reg.value(q, 0.0), q.max(axis=-1))
    np.testing.assert_array_equal(reg.greedy(q, 0.0), [[0, 0.5, 0.5, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(reg.penalty(reg.greedy(q, 0.0), 0.0), [0.0, 0.0])
    np.testing.assert_allclose(reg.value(q, 1e-300), q.max(axis=-1), rtol=0, atol=1e-299)


# --- bad inputs ------------------------------------------------------------------------------------
BAD = [
    ("tau negative", lambda: Shannon().greedy([1.0, 2.0], -1.0), ValueError, "tau"),
    ("tau nan", lambda: KLToPrior((0.5, 0.5)).value([1.0, 2.0], float("nan")), ValueError, "tau"),
    ("tau a string", lambda: Tsallis().greedy([1.0, 2.0], "1"), TypeError, "tau"),
    ("penalty tau inf", lambda: Tsallis().penalty([0.5, 0.5], float("inf")), ValueError, "tau"),
    ("q nan", lambda: Tsallis().value([1.0, float("nan")], 1.0), ValueError, "q"),
    ("q inf", lambda: KLToPrior((0.5, 0.5)).greedy([1.0, float("inf")], 1.0), ValueError, "q"),
    ("q scalar", lambda: Tsallis().greedy(1.0, 1.0), ValueError, "q"),
    ("q strings", lambda: Shannon().value(["a", "b"], 1.0), TypeError, "q"),
    ("pi off the simplex", lambda: Tsallis().penalty([0.5, 0.6], 1.0), ValueError, "pi"),
    ("pi negative", lambda: KLToPrior((0.5, 0.5)).penalty([1.5, -0.5], 1.0), ValueError, "pi"),
    ("prior not summing to 1", lambda: KLToPrior((0.5, 0.6)), ValueError, "prior"),
    ("prior with a zero", lambda: KLToPrior((0.0, 1.0)), ValueError, "prior"),
    ("prior negative", lambda: KLToPrior((1.5, -0.5)), ValueError, "prior"),
    ("prior 2-D", lambda: KLToPrior(((0.5, 0.5), (0.5, 0.5))), ValueError, "prior"),
    ("prior strings", lambda: KLToPrior(("a", "b")), TypeError, "prior"),
    ("prior vs q length", lambda: KLToPrior((0.5, 0.5)).value([1.0, 2.0, 3.0], 1.0), ValueError, "prior"),
    ("n_actions zero", lambda: Tsallis().bounds(0), ValueError, "n_actions"),
    ("n_actions float", lambda: Shannon().bounds(2.5), TypeError, "n_actions"),
]


@pytest.mark.parametrize("call, error, word", [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_bad_inputs(call, error, word):
    with pytest.raises(error, match=word):
        call()


# --- negative controls ----------------------------------------------------------------------------
def assert_fails(res):
    assert not res.passed, res.details
    assert not res.measured <= res.tolerance


@dataclass(frozen=True)
class TsallisWithoutHalf(Tsallis):
    """A wrong conjugate: Σ(z² − θ²) + 1 in place of ½Σ(z² − θ²) + ½."""

    def value(self, q, tau):
        top = np.max(q, axis=-1)
        return top + 2 * (super().value(q, tau) - top)


@dataclass(frozen=True)
class ClippedSparsemax(Tsallis):
    """Sparsemax without the support rule: [z − (Σz − 1)/K]₊ over all K actions."""

    def greedy(self, q, tau):
        z = np.asarray(q, dtype=np.float64) / tau
        return np.maximum(z - (z.sum(axis=-1, keepdims=True) - 1) / z.shape[-1], 0.0)


@dataclass(frozen=True)
class DenseSparsemax(Tsallis):
    """Never sparse: 99 % sparsemax and 1 % uniform."""

    def greedy(self, q, tau):
        p = super().greedy(q, tau)
        return 0.99 * p + 0.01 / p.shape[-1]


@dataclass(frozen=True)
class KLGreedyIgnoringPrior(KLToPrior):
    """The KL greedy policy as a plain softmax: the prior left out."""

    def greedy(self, q, tau):
        return soft_indmax(q, tau)


@pytest.mark.parametrize("tau", [0.3, 1.0, 3.0])
def test_R1_rejects_a_wrong_conjugate(tau):
    res = checks_reg.check_legendre_fenchel(Q_TWO_SUPPORT, tau, regularizer=TsallisWithoutHalf())
    assert_fails(res)
    measured, allowed = res.details["comparisons"]["|SLSQP max - value|"]
    assert measured > allowed  # the independent optimiser alone disagrees


@pytest.mark.parametrize("q", [Q_TWO_SUPPORT, Q_ONE_SUPPORT, np.array([2.0, 0.0, -0.5, 1.0])])
def test_R1_rejects_sparsemax_without_the_support_rule(q):
    assert_fails(checks_reg.check_legendre_fenchel(q, 1.0, regularizer=ClippedSparsemax()))


def test_clipping_is_sparsemax_when_the_support_is_full():
    # Every action in the support (θ = −1/15 below every z): the control is right there, so R1
    # must pass it; the controls above differ from sparsemax only where the rule matters.
    assert checks_reg.check_legendre_fenchel([0.5, 0.2, 0.1], 1.0, regularizer=ClippedSparsemax()).passed


@pytest.mark.parametrize("tau", [0.1, 1.0, 10.0])
def test_R1_rejects_a_kl_greedy_ignoring_the_prior(tau):
    q = np.array([0.3, -0.2, 0.1])
    res = checks_reg.check_legendre_fenchel(q, tau, regularizer=KLGreedyIgnoringPrior(PRIOR3))
    assert_fails(res)


def test_R1_the_real_ones_pass_on_the_controls_instances():
    for q in (Q_TWO_SUPPORT, Q_ONE_SUPPORT):
        for reg in (Shannon(), Tsallis(), KLToPrior(PRIOR3)):
            res = checks_reg.check_legendre_fenchel(q, 1.0, regularizer=reg)
            assert res.passed, res.details


@pytest.mark.parametrize("q", [Q_ONE_SUPPORT, Q_TWO_SUPPORT], ids=["one", "two"])
def test_R4_rejects_sparsemax_without_the_support_rule(q):
    assert_fails(checks_reg.check_sparsemax(q, 1.0, regularizer=ClippedSparsemax()))


def test_R4_rejects_a_wrong_conjugate():
    assert_fails(checks_reg.check_sparsemax(Q_TWO_SUPPORT, 1.0, regularizer=TsallisWithoutHalf()))


def test_R4_rejects_a_dense_greedy_on_the_suite():
    cases = positive_q_tau_suite(0, "quick")
    assert checks_reg.check_sparse_supports(cases).passed
    res = checks_reg.check_sparse_supports(cases, regularizer=DenseSparsemax())
    assert_fails(res)
    assert res.details["sparse"] == 0
    assert_fails(checks_reg.check_sparsemax(Q_TWO_SUPPORT, 1.0, regularizer=DenseSparsemax()))


def test_R4_a_nan_greedy_is_a_fail():
    @dataclass(frozen=True)
    class NaNGreedy(Tsallis):
        def greedy(self, q, tau):
            return np.full(np.shape(q), np.nan)

    res = checks_reg.check_sparsemax(Q_TWO_SUPPORT, 1.0, regularizer=NaNGreedy())
    assert not res.passed and "non-finite" in res.details["subject"]


# --- batteries -------------------------------------------------------------------------------------
def test_R1_R4_registered_and_pass_at_quick_size():
    claims = {claim.id: battery for claim, battery in registered()}
    for cid in ("R1", "R4"):
        res = claims[cid](seed=0, size="quick")
        assert res.passed, res.details
        assert res.cases > 10


# --- R5: mellowmax and the Boltzmann operator -----------------------------------------------------
def _one_state_mdp(r, stay, gamma):
    """s₀ and a terminal state: action a pays r[a] and stays in s₀ w.p. stay[a], else terminates."""
    k = len(r)
    P = np.zeros((2, k, 2))
    P[0, :, 0], P[0, :, 1], P[1, :, 1] = stay, 1.0 - np.asarray(stay), 1.0
    R = np.zeros((2, k))
    R[0] = r
    return FiniteMDP(P, R, gamma, terminal=np.array([False, True]))


def test_boltzmann_average_by_hand():
    # β = 1, x = (0, log 3): weights (1, 3)/4, average ¾ log 3; β = 0: the mean.
    assert boltzmann_average([0.0, np.log(3.0)], 1.0) == pytest.approx(0.75 * np.log(3.0), rel=1e-15)
    assert boltzmann_average([1.0, 2.0, 6.0], 0.0) == pytest.approx(3.0, rel=1e-15)
    # β = 2, x = (0, log 3)/2: weights ∝ (1, 3) again, average ¾ log 3 / 2 (boltz_β(x) = boltz₁(βx)/β).
    assert boltzmann_average([0.0, np.log(3.0) / 2], 2.0) == pytest.approx(0.375 * np.log(3.0), rel=1e-15)


def test_mellowmax_is_kl_to_uniform_and_the_papers_formula():
    x = np.array([0.3, -1.2, 2.0, 0.0])
    for omega in (1e-3, 0.5, 16.55, 1e3):
        assert mellowmax(x, omega) == KLToPrior((0.25,) * 4).value(x, 1.0 / omega)
        with mp.workdps(50):
            want = mp.log(mp.fsum(mp.exp(mp.mpf(omega) * mp.mpf(a)) for a in x) / 4) / mp.mpf(omega)
        assert mellowmax(x, omega) == pytest.approx(float(want), rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("x", [[1e6, 1e6 - 1.0, -1e6], [1.0, 0.0, -2.0]], ids=["1e6", "1"])
@pytest.mark.parametrize("beta", [1e-12, 1e12])
def test_extreme_inverse_temperatures_are_finite_and_right(x, beta):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        b, m = boltzmann_average(x, beta), mellowmax(x, beta)
    with mp.workdps(60):
        xs, bb = [mp.mpf(a) for a in x], mp.mpf(beta)
        top = max(xs)
        w = [mp.exp(bb * (a - top)) for a in xs]
        want_b = mp.fsum(a * c for a, c in zip(xs, w)) / mp.fsum(w)
        want_m = top + mp.log(mp.fsum(w) / 3) / bb
    assert b == pytest.approx(float(want_b), rel=1e-14)
    # mellowmax at ω = 1e-12 is max + 1e12·log(...): absolute round-off about 1e12·eps of the log
    assert m == pytest.approx(float(want_m), rel=1e-14, abs=1e3 * np.spacing(1.0) / beta)


def test_the_expansion_pair_expands_by_50_digits():
    # Independent of theory: the pair of mdps.instances expands ‖x − y‖∞ = 0.5 at β = 1.
    x, y = BOLTZMANN_EXPANSION_PAIR
    with mp.workdps(50):

        def boltz(v):
            w = [mp.exp(mp.mpf(a)) for a in v]
            return mp.fsum(mp.mpf(a) * b for a, b in zip(v, w)) / mp.fsum(w)

        gap = abs(boltz(y) - boltz(x))
    assert gap > np.abs(x - y).max() * 1.1
    assert abs(boltzmann_average(y, 1.0) - boltzmann_average(x, 1.0)) == pytest.approx(float(gap), rel=1e-13)


@pytest.mark.parametrize("beta", [16.55, 16.9, 16.96, 17.0, 17.04, 17.2])
def test_fixed_points_of_the_papers_mdp_match_the_closed_form(beta):
    summary = functools.partial(boltzmann_average, beta=beta)
    got = one_state_fixed_points(MELLOWMAX_MDP, summary)
    r, p = checks_mm._one_state_two_actions(MELLOWMAX_MDP)
    exact = checks_mm._mp_boltzmann_fixed_points(r, p, MELLOWMAX_MDP.gamma, beta)
    np.testing.assert_allclose(got, [float(e) for e in exact], rtol=1e-12)
    # each is a fixed point of the map, to round-off
    for v in got:
        q = MELLOWMAX_MDP.R[0] + MELLOWMAX_MDP.gamma * MELLOWMAX_MDP.P[0, :, 0] * v
        assert abs(summary(q) - v) <= 1e-13


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
    st.lists(st.floats(0.0, 0.999), min_size=2, max_size=2),
    st.floats(0.5, 0.99),
    st.floats(0.0, 60.0),
)
# a root within e^-96 of the bracket's end u_max: beyond 40 digits, reported at that end
@example(r=[1.0, 0.0], stay=[0.9375, 0.0], gamma=0.5, beta=51.0)
def test_fixed_points_are_the_closed_forms_roots(r, stay, gamma, beta):
    """One-state two-action MDPs: every point found is a closed-form root, and none is missed
    unless two roots share a grid cell (the documented limit of the grid)."""
    mdp = _one_state_mdp(r, stay, gamma)
    got = one_state_fixed_points(mdp, functools.partial(boltzmann_average, beta=beta))
    exact = [float(e) for e in checks_mm._mp_boltzmann_fixed_points(np.array(r), np.array(stay), gamma, beta)]
    scale = 1 + max(exact, key=abs)
    for v in got:
        assert min(abs(v - e) for e in exact) <= 1e-9 * scale
    u = np.array(r) / (1 - gamma * np.array(stay))
    cell = (u.max() - u.min()) / FIXED_POINT_GRID
    if len(exact) == 1 or np.diff(exact).min() > 2 * cell:
        assert got.size == len(exact)
    assert one_state_fixed_points(mdp, functools.partial(mellowmax, omega=max(beta, 1e-3))).size == 1


@settings(max_examples=15, deadline=None)
@given(q_vectors(max_k=5, max_magnitude=1e3), temperatures(allow_zero=False, min_value=1e-3, max_value=1e3))
def test_R5_mellowmax_passes_on_generated_q(q, tau):
    res = checks_mm.check_mellowmax(q, 1.0 / tau)
    assert res.passed, res.details


@settings(max_examples=30, deadline=None)
@given(
    q_vectors(k=3, max_magnitude=1e3),
    q_vectors(k=3, max_magnitude=1e3),
    temperatures(allow_zero=False, min_value=1e-6, max_value=1e6),
)
def test_R5_mellowmax_is_a_non_expansion_on_generated_pairs(x, y, tau):
    res = checks_mm.check_non_expansion(x, y, 1.0 / tau)
    assert res.passed, res.details


R5_BAD = [
    ("beta negative", lambda: boltzmann_average([1.0, 2.0], -1.0), ValueError, "beta"),
    ("beta nan", lambda: boltzmann_average([1.0, 2.0], float("nan")), ValueError, "beta"),
    ("x nan", lambda: boltzmann_average([1.0, float("nan")], 1.0), ValueError, "x"),
    ("omega zero", lambda: mellowmax([1.0, 2.0], 0.0), ValueError, "omega"),
    ("omega subnormal", lambda: mellowmax([1.0, 2.0], 5e-324), ValueError, "omega"),
    ("omega a string", lambda: mellowmax([1.0, 2.0], "1"), TypeError, "omega"),
    ("x strings", lambda: mellowmax(["a", "b"], 1.0), TypeError, "x"),
    (
        "two live states",
        lambda: one_state_fixed_points(chain(3), functools.partial(mellowmax, omega=1.0)),
        ValueError,
        "non-terminal",
    ),
    ("mdp not an MDP", lambda: one_state_fixed_points("mdp", max), TypeError, "mdp"),
    ("summary not callable", lambda: one_state_fixed_points(MELLOWMAX_MDP, 3.0), TypeError, "summary"),
    ("grid 1", lambda: one_state_fixed_points(MELLOWMAX_MDP, max, grid=1), ValueError, "grid"),
    ("grid float", lambda: one_state_fixed_points(MELLOWMAX_MDP, max, grid=10.0), TypeError, "grid"),
    ("check: omega zero", lambda: checks_mm.check_mellowmax([1.0, 2.0], 0.0), ValueError, "omega"),
    ("check: three actions", lambda: checks_mm.check_gvi_fixed_points(chain(3), [1.0]), ValueError, "R5"),
]


@pytest.mark.parametrize("call, error, word", [row[1:] for row in R5_BAD], ids=[row[0] for row in R5_BAD])
def test_R5_bad_inputs(call, error, word):
    with pytest.raises(error, match=word):
        call()


# R5 negative controls.
def shannon_as_mellowmax(x, omega):
    """Forgets the 1/K: (1/ω) log Σ e^{ωx}, itself a non-expansion but not mellowmax."""
    return Shannon().value(x, 1.0 / omega)


def boltzmann_as_mellowmax(x, omega):
    return boltzmann_average(x, omega)


def mellowmax_as_boltzmann(x, beta):
    return mellowmax(x, beta)


def first_root_only(mdp, summary):
    return one_state_fixed_points(mdp, summary)[:1]


def coarse_grid(mdp, summary):
    return one_state_fixed_points(mdp, summary, grid=2)  # nodes 0.345, 0.726, 1.107: one sign change


def with_a_spurious_point(mdp, summary):
    found = one_state_fixed_points(mdp, summary)
    return np.append(found, found[-1] + 0.01)


@pytest.mark.parametrize("omega", [0.1, 1.0, 16.55])
def test_R5_rejects_the_shannon_value_as_mellowmax(omega):
    res = checks_mm.check_mellowmax(np.array([0.3, -0.2, 0.1]), omega, mellowmax=shannon_as_mellowmax)
    assert_fails(res)
    measured, allowed = res.details["comparisons"]["|mellowmax - 40-digit definition|"]
    assert measured > allowed


@pytest.mark.parametrize("beta", [1.0, 16.55])
def test_R5_rejects_the_boltzmann_average_claimed_as_a_non_expansion(beta):
    x, y = BOLTZMANN_EXPANSION_PAIR
    assert checks_mm.check_non_expansion(x / beta, y / beta, beta).passed
    res = checks_mm.check_non_expansion(x / beta, y / beta, beta, mellowmax=boltzmann_as_mellowmax)
    assert_fails(res)
    assert res.details["ratio"] > 1.1


@pytest.mark.parametrize("beta", [1.0, 16.55])
def test_R5_rejects_a_non_expansion_claimed_to_expand(beta):
    x, y = BOLTZMANN_EXPANSION_PAIR
    assert checks_mm.check_boltzmann_expansion(x / beta, y / beta, beta).passed
    assert_fails(
        checks_mm.check_boltzmann_expansion(x / beta, y / beta, beta, boltzmann=mellowmax_as_boltzmann)
    )
    # a pair the Boltzmann average does not expand is no exhibit either
    assert_fails(checks_mm.check_boltzmann_expansion(x / beta, x / beta + 0.5 / beta, beta))


R5_BETAS = (16.55, 16.96, 17.2)


@pytest.mark.parametrize(
    "kwargs, comparison",
    [
        ({"fixed_points": first_root_only}, "Boltzmann: |count - closed-form count| (worst beta)"),
        ({"fixed_points": coarse_grid}, "Boltzmann: |count - closed-form count| (worst beta)"),
        ({"fixed_points": with_a_spurious_point}, "mellowmax: |count - 1| (worst beta)"),
        ({"mellowmax": boltzmann_as_mellowmax}, "mellowmax: |count - 1| (worst beta)"),
    ],
    ids=["first root only", "coarse grid", "a spurious point", "boltzmann as mellowmax"],
)
def test_R5_rejects_miscounted_fixed_points(kwargs, comparison):
    res = checks_mm.check_gvi_fixed_points(MELLOWMAX_MDP, R5_BETAS, **kwargs)
    assert_fails(res)
    measured, allowed = res.details["comparisons"][comparison]
    assert measured > allowed


def test_R5_the_real_finder_and_operators_pass_on_the_controls_scan():
    res = checks_mm.check_gvi_fixed_points(MELLOWMAX_MDP, R5_BETAS)
    assert res.passed, res.details
    assert res.details["betas with several fixed points"] == [16.96]


def test_R5_rejects_a_scan_without_several_fixed_points():
    res = checks_mm.check_gvi_fixed_points(MELLOWMAX_MDP, (16.0, 16.55, 17.3))
    assert_fails(res)
    assert res.details["betas with several fixed points"] == []


def test_R5_a_nan_operator_is_a_fail():
    res = checks_mm.check_gvi_fixed_points(
        MELLOWMAX_MDP, R5_BETAS, boltzmann=lambda x, beta: np.nan * x[..., 0]
    )
    assert not res.passed and "non-finite" in res.details["subject"]


def test_R5_registered_and_passes_at_quick_size():
    claims = {claim.id: battery for claim, battery in registered()}
    res = claims["R5"](seed=0, size="quick")
    assert res.passed, res.details
    assert res.cases > 50 and "several fixed points" in res.details["report"][0]


# --- R2, R3: the regularised MDP ------------------------------------------------------------------
def _all_regularizers(mdp):
    return checks_reg.suite_regularizers(mdp.n_actions)


@pytest.mark.parametrize("tau", [0.05, 1.0])
@pytest.mark.parametrize(
    "mdp", [chain(4, gamma=0.8, slip=0.1), BIAS_INSTANCES["K=2"][0]], ids=["chain", "K=2"]
)
def test_R2_R3_pass_on_fixtures(mdp, tau):
    for reg in _all_regularizers(mdp):
        res = checks_reg.check_regularized_operators(mdp, tau, regularizer=reg)
        assert res.passed, res.details
        assert res.details["contraction ratio"] <= mdp.gamma * (1 + 1e-12)
        res = checks_reg.check_bias(mdp, tau, regularizer=reg)
        assert res.passed, res.details


@settings(max_examples=8, deadline=None)
@given(
    finite_mdps(max_states=4, max_actions=3), temperatures(allow_zero=False, min_value=1e-2, max_value=1e2)
)
def test_R2_R3_pass_on_drawn_mdps(mdp, tau):
    for reg in _all_regularizers(mdp):
        res = checks_reg.check_regularized_operators(mdp, tau, regularizer=reg, n_det=8, n_random=2)
        assert res.passed, res.details
        res = checks_reg.check_bias(mdp, tau, regularizer=reg)
        assert res.passed, res.details


def test_R3_bias_instances_are_tight():
    # The designed instances of mdps.instances: Shannon's loss is 0.59 of its band at K = 200 and
    # sparsemax's half of its band at K = 2 (closed forms in mdps.instances).
    mdp, tau = BIAS_INSTANCES["K=200"]
    ratio = checks_reg.check_bias(mdp, tau).details["bias ratio"]
    x = 4.15
    assert ratio == pytest.approx(x / (1 + np.exp(x) / 199) / np.log(200), rel=1e-9)
    mdp, tau = BIAS_INSTANCES["K=2"]
    assert checks_reg.check_bias(mdp, tau, regularizer=Tsallis()).details["bias ratio"] == pytest.approx(
        0.5, rel=1e-9
    )


# R2 negative controls: regularisers whose value, greedy and penalty disagree.
@dataclass(frozen=True)
class ShannonWithoutShift(Shannon):
    """τ log Σ exp(q/τ) without the max shift: overflows once q/τ > 709."""

    def value(self, q, tau):
        with np.errstate(over="ignore"):
            return tau * np.log(np.exp(np.asarray(q) / tau).sum(axis=-1))


@dataclass(frozen=True)
class ShannonValueTsallisGreedy(Tsallis):
    """The Shannon value with the Tsallis greedy policy and penalty."""

    def value(self, q, tau):
        return Shannon().value(q, tau)


@pytest.mark.parametrize(
    "reg, tau",
    [
        (ShannonValueTsallisGreedy(), 0.5),
        (ShannonValueTsallisGreedy(), 3.0),
        (TsallisWithoutHalf(), 0.5),
        (TsallisWithoutHalf(), 3.0),
        (KLGreedyIgnoringPrior((0.2, 0.8)), 0.5),
        (KLGreedyIgnoringPrior((0.2, 0.8)), 3.0),
        # at τ = 0.5 some state's sparsemax has a strict support, where clipping is wrong (at
        # τ = 3 every support is full and the clipped policy is sparsemax: R2 rightly passes it)
        (ClippedSparsemax(), 0.5),
    ],
    ids=lambda x: repr(x) if isinstance(x, Regularizer) else f"tau={x}",
)
def test_R2_rejects_a_wrong_conjugate(reg, tau):
    # τ where the optimum is stochastic: at small τ all of them give the same deterministic optimum
    mdp = chain(4, gamma=0.8, slip=0.1)
    assert_fails(checks_reg.check_regularized_operators(mdp, tau, regularizer=reg))


@pytest.mark.parametrize(
    "reg, what", [(ShannonWithoutShift(), "non-finite"), (ClippedSparsemax(), "sum to 1")], ids=repr
)
def test_R2_unusable_outputs_are_fails(reg, what):
    # an overflow (q/τ > 709 at τ = 1e-3) and a greedy policy off the simplex: FAIL, not ERROR
    res = checks_reg.check_regularized_operators(chain(4, gamma=0.8), 1e-3, regularizer=reg)
    assert res.verdict == "FAIL" and what in res.details["subject"]


@dataclass(frozen=True)
class ExpandingValue(Shannon):
    """1.5 times the Shannon value: T(Q + c) = TQ + 1.5γc, a 1.5γ-Lipschitz operator."""

    def value(self, q, tau):
        return 1.5 * super().value(q, tau)


@dataclass(frozen=True)
class DecreasingValue(Shannon):
    """The Shannon value minus q_0/2: it falls as q_0 rises wherever π_0 < ½ (not monotone)."""

    def value(self, q, tau):
        return super().value(q, tau) - 0.5 * np.asarray(q)[..., 0]


@pytest.mark.parametrize(
    "reg, broken",
    [
        (ExpandingValue(), ["translation", "contraction"]),
        (DecreasingValue(), ["monotone", "translation"]),
    ],
    ids=repr,
)
def test_R2_rejects_an_operator_that_is_not_monotone_or_not_a_contraction(reg, broken):
    res = checks_reg.check_regularized_operators(garnet(6, 3, 3, gamma=0.9, seed=0), 1.0, regularizer=reg)
    assert_fails(res)
    failed = [name for name, (m, a) in res.details["comparisons"].items() if not m <= a]
    for part in broken:
        assert any(name.startswith(part) for name in failed), failed


# R3 negative controls: bands too narrow.
@dataclass(frozen=True)
class ShannonHalfBand(Shannon):
    """(U − L) halved: bounds (−log K/2, 0)."""

    def bounds(self, n_actions):
        low, high = super().bounds(n_actions)
        return low / 2, high


@dataclass(frozen=True)
class TsallisNarrowBounds(Tsallis):
    """bounds 0.4 times the true ones (the true loss is half the band on the K=2 instance)."""

    def bounds(self, n_actions):
        low, high = super().bounds(n_actions)
        return 0.4 * low, 0.4 * high


@pytest.mark.parametrize(
    "name, reg",
    [("K=200", ShannonHalfBand()), ("K=2", TsallisNarrowBounds())],
    ids=["Shannon, U - L halved", "Tsallis, bounds x0.4"],
)
def test_R3_rejects_a_band_too_narrow(name, reg):
    mdp, tau = BIAS_INSTANCES[name]
    assert checks_reg.check_bias(mdp, tau, regularizer=type(reg).__mro__[1]()).passed
    res = checks_reg.check_bias(mdp, tau, regularizer=reg)
    assert_fails(res)
    measured, allowed = res.details["comparisons"]["v* - tau (U - L)/(1 - gamma) - v^pi*_Omega"]
    assert measured > allowed


def test_R3_tsallis_loss_is_below_half_tau_whatever_k_and_shannons_is_not():
    mdp, tau = BIAS_INSTANCES["K=200"]
    gap = 1 / (1 - mdp.gamma)
    shannon = checks_reg.check_bias(mdp, tau).details["bias ratio"] * tau * np.log(200) * gap
    tsallis = checks_reg.check_bias(mdp, tau, regularizer=Tsallis())
    assert (
        tsallis.passed and "Tsallis: v* - v^pi*_Omega - tau/(2(1 - gamma))" in tsallis.details["comparisons"]
    )
    assert shannon > tau / 2 * gap  # Shannon's loss grows with log K, past Tsallis's K-free bound


def test_R2_R3_registered_and_pass_at_quick_size():
    claims = {claim.id: battery for claim, battery in registered()}
    for cid in ("R2", "R3"):
        res = claims[cid](seed=0, size="quick")
        assert res.passed, res.details
        assert res.cases > 20


# --- the kernels' round-off bounds against 50 digits -----------------------------------------------
def _hard_vectors(k: int, rng) -> list[np.ndarray]:
    """Vectors that stress a kernel: ties, near-ties at the sparsemax threshold, spread values."""
    z = rng.normal(size=k)
    near_threshold = np.sort(rng.uniform(-1, 0, size=k))[::-1]
    near_threshold[1:] += 1e-15 * rng.normal(size=k - 1)
    return [z, np.zeros(k), np.repeat([1.0, -1.0], [1, k - 1]), near_threshold, np.linspace(-1, 0, k)]


@pytest.mark.parametrize("reg", [Shannon(), Tsallis(), "kl"], ids=["shannon", "tsallis", "kl"])
@pytest.mark.parametrize("k", [2, 7, 40])
def test_value_roundoff_contains_the_true_error(reg, k):
    """|fl((τΩ)*(q)) − (τΩ)*(q)| <= value_roundoff(K, τ, ‖q‖) against the 50-digit value taken
    from the definition ⟨π, q⟩ − τΩ(π) (tests/mp_reference.py), at τ from 1e-12 to 1e12 and
    |q| up to 1e6: the bound the solvers' certificates are built on."""
    import mpmath as mp
    from mp_reference import regularized_max

    rng = np.random.default_rng(k)
    prior = rng.dirichlet(np.ones(k)) * 0.9 + 0.1 / k
    regularizer, name = (
        (KLToPrior(tuple(prior)), tuple(prior)) if reg == "kl" else (reg, type(reg).__name__.lower())
    )
    worst = 0.0
    for base in _hard_vectors(k, rng):
        for tau in (1e-12, 1e-3, 1.0, 1e12):
            for scale, shift in ((tau, 0.0), (1.0, 0.0), (tau, 1e6), (1e6, -3.0)):
                q = base * scale + shift
                bound = regularizer.value_roundoff(k, tau, float(np.abs(q).max()))
                with mp.workdps(50):
                    exact, _ = regularized_max([mp.mpf(float(x)) for x in q], mp.mpf(tau), name)
                    err = float(abs(mp.mpf(float(regularizer.value(q, tau))) - exact))
                assert err <= bound, (q, tau, err, bound)
                worst = max(worst, err / bound)
    assert worst > 1e-4  # the bound is not vacuous: it is within four orders of the error seen
