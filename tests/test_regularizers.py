"""theory.regularizers (Shannon, Tsallis, KLToPrior) and claims R1, R4 (checks.regularizers).

Hand-derived fixtures, 50-digit references, limits, properties over mdps.strategies, bad inputs,
and negative controls that R1 and R4 must reject.
"""

from dataclasses import dataclass

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import regularizers as checks_reg
from checks.base import registered
from mdps.strategies import q_vectors, simplex_vectors, temperatures
from theory import KLToPrior, Regularizer, Shannon, Tsallis
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
    cases = checks_reg._positive_tau_suite(0, "quick")
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
