"""Properties of theory.softmax: claims A1–A7 of CLAIMS.md as properties, plus extreme inputs.

Tolerances: F_τ is computed as m + τ log s with s in [1, K], so its float64 error is a few ulps
of the largest magnitude in play, |max q| + τ log K; we allow 64·eps of that ("ROUND").
"""

import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import logsumexp

from mdps.strategies import q_vectors, simplex_vectors, temperatures
from theory.softmax import (
    entropy,
    kl,
    soft_indmax,
    soft_value,
    soft_value_first_axis,
    softmax_conjugate,
)

EPS = np.finfo(np.float64).eps


def scale(q, tau):
    """Largest magnitude in a soft-value computation: |q|max + τ log K (and at least 1)."""
    q = np.asarray(q)
    return 1.0 + np.abs(q).max() + tau * np.log(q.shape[-1])


def ROUND(q, tau):
    return 64 * EPS * scale(q, tau)


ordinary_tau = st.floats(min_value=1e-2, max_value=1e2)


# --- the kernel and its references -------------------------------------------------------------
@given(q_vectors(batch_shape=(5,)), ordinary_tau)
def test_soft_value_matches_scipy_logsumexp(q, tau):
    # Independent path: scipy's logsumexp on q/τ (safe here: |q|/τ <= 1e8).
    expected = tau * logsumexp(q / tau, axis=-1)
    np.testing.assert_allclose(soft_value(q, tau), expected, rtol=0, atol=ROUND(q, tau))


@given(q_vectors(batch_shape=(7,)), temperatures())
def test_first_axis_kernel_is_the_last_axis_soft_value(q, tau):
    # Same kernel over a copy laid out [K, N]: only the summation order may differ (a few ulps).
    np.testing.assert_allclose(
        soft_value_first_axis(np.ascontiguousarray(q.T), tau), soft_value(q, tau), rtol=0, atol=ROUND(q, tau)
    )


@pytest.mark.parametrize(
    "q, tau",
    [
        ([1.0, 2.0, 3.0], 0.5),
        ([1e6, -1e6, 999_999.0], 1e-3),
        ([0.0, 1e-12, -1e-12], 1e-12),
        ([1.0, 2.0], 1e12),
        ([-5.0, 300.0, 299.0, 7.0], 3.0),
    ],
)
def test_soft_value_against_mpmath_50_digits(q, tau):
    mpmath.mp.dps = 50
    ref = mpmath.mpf(tau) * mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(x) / mpmath.mpf(tau)) for x in q))
    assert abs(soft_value(q, tau) - float(ref)) <= ROUND(q, tau)


# --- A1 entropy --------------------------------------------------------------------------------
@given(simplex_vectors())
def test_A1_entropy_between_zero_and_log_k(p):
    h = entropy(p)
    k = p.shape[-1]
    assert -1e-15 <= h <= np.log(k) + 1e-12
    if np.count_nonzero(p) == 1:
        assert h == 0.0  # deterministic: exactly zero (0 log 0 = 0, 1 log 1 = 0)


@given(st.integers(1, 50))
def test_A1_entropy_of_uniform_is_log_k(k):
    assert entropy(np.full(k, 1.0 / k)) == pytest.approx(np.log(k), rel=1e-14, abs=1e-15)


# --- A2 soft-indmax is the gradient -------------------------------------------------------------
@given(q_vectors(max_magnitude=10.0), ordinary_tau)
def test_A2_soft_indmax_is_gradient_of_soft_value(q, tau):
    # Central differences: truncation O(h²·‖∇³F‖) with ‖∇³F‖ <= 1/τ², round-off O(eps·|F|/h).
    h = 1e-5 * max(1.0, tau)
    grad = np.array(
        [(soft_value(q + h * e, tau) - soft_value(q - h * e, tau)) / (2 * h) for e in np.eye(q.size)]
    )
    tol = h**2 / tau**2 + 1e3 * EPS * scale(q, tau) / h
    np.testing.assert_allclose(soft_indmax(q, tau), grad, rtol=0, atol=tol)


@given(q_vectors(), temperatures(allow_zero=False))
def test_A2_soft_indmax_is_exp_of_q_minus_soft_value(q, tau):
    f = soft_indmax(q, tau)
    with np.errstate(over="ignore"):  # (q − F)/τ may be -inf for tiny τ: exp gives 0
        g = np.exp((q - soft_value(q, tau)) / tau)
    np.testing.assert_allclose(f, g, rtol=1e-9 * (1 + scale(q, tau) / tau), atol=1e-12)
    assert abs(f.sum() - 1.0) <= 8 * EPS * q.size


# --- A3 duality, with the exact KL identity ------------------------------------------------------
# q spread <= 20 and τ >= 0.1 keep f_τ(q) >= e^-200 > 0, so KL(π‖f) and log f are finite.
q_and_pi = st.integers(1, 8).flatmap(
    lambda k: st.tuples(q_vectors(k, max_magnitude=10.0), simplex_vectors(k))
)
positive_tau = st.floats(min_value=0.1, max_value=1e2)


@given(q_and_pi, positive_tau)
def test_A3_objective_equals_soft_value_minus_tau_kl(q_pi, tau):
    q, pi = q_pi
    f = soft_indmax(q, tau)
    lhs = pi @ q + tau * entropy(pi)
    rhs = soft_value(q, tau) - tau * kl(pi, f)
    assert abs(lhs - rhs) <= 1e3 * EPS * scale(q, tau) * (1 + abs(np.log(f.min())))


@given(q_vectors(max_magnitude=1e3), temperatures())
def test_A3_maximum_is_attained_at_soft_indmax(q, tau):
    f = soft_indmax(q, tau)
    assert abs(f @ q + tau * entropy(f) - soft_value(q, tau)) <= 16 * ROUND(q, tau)


# --- A4 per-action identity ---------------------------------------------------------------------
@given(q_vectors(max_magnitude=10.0), positive_tau)
def test_A4_soft_value_is_q_minus_tau_log_pi_for_every_action(q, tau):
    f = soft_indmax(q, tau)
    np.testing.assert_allclose(q - tau * np.log(f), soft_value(q, tau), rtol=0, atol=1e3 * ROUND(q, tau))


# --- A5 conjugate ---------------------------------------------------------------------------------
@given(simplex_vectors(), temperatures())
def test_A5_conjugate_on_simplex_is_tau_negentropy(p, tau):
    assert softmax_conjugate(p, tau) == pytest.approx(-tau * entropy(p), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("p", [[0.5, 0.6], [1.2, -0.2], [0.0, 0.0], [-1e-3, 1.001]])
def test_A5_conjugate_off_simplex_is_infinite(p):
    assert softmax_conjugate(p, 1.0) == np.inf


# --- A7 bounds, limits, translation -------------------------------------------------------------
@given(q_vectors(), temperatures())
def test_A7_soft_value_between_max_and_max_plus_tau_log_k(q, tau):
    F = soft_value(q, tau)
    r = ROUND(q, tau)
    assert q.max() - r <= F <= q.max() + tau * np.log(q.size) + r


@given(q_vectors(max_magnitude=1e3), temperatures(max_value=1e3), st.floats(-1e3, 1e3))
def test_A7_translation(q, tau, c):
    assert abs(soft_value(q + c, tau) - soft_value(q, tau) - c) <= 4 * ROUND(q + c, tau) + 4 * ROUND(q, tau)


@given(q_vectors(max_magnitude=100.0), st.floats(0.05, 20.0))
def test_A7_derivative_in_tau_is_entropy(q, tau):
    h = 1e-5 * tau
    dF = (soft_value(q, tau + h) - soft_value(q, tau - h)) / (2 * h)
    # Truncation h²·|F'''(τ)| with |F'''| <= K·(|q|range)²/τ³ -ish; round-off eps·scale/h.
    tol = 1e-6 * (1 + (np.ptp(q) / tau) ** 2) + 1e3 * EPS * scale(q, tau) / h
    assert abs(dF - entropy(soft_indmax(q, tau))) <= tol


@given(q_vectors())
def test_A7_zero_temperature_is_exact_hardmax(q):
    assert soft_value(q, 0.0) == q.max()
    f = soft_indmax(q, 0.0)
    ties = q == q.max()
    np.testing.assert_array_equal(f, np.where(ties, 1.0 / ties.sum(), 0.0))


def test_A7_small_tau_soft_indmax_tends_to_uniform_over_ties():
    q = np.array([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_allclose(soft_indmax(q, 1e-3), [0, 0.5, 0.5, 0], atol=1e-300)
    assert soft_value(q, 1e-9) == pytest.approx(3.0 + 1e-9 * np.log(2), rel=1e-15)


# --- extreme valid inputs: finite, correct, silent -------------------------------------------------
@pytest.mark.parametrize(
    "q, tau, expected",
    [
        ([1e300, 0.0], 1e-9, 1e300),
        ([-1e300, 1e300], 1.0, 1e300),
        ([1e6, -1e6], 1e-12, 1e6),
        ([1e6, 1e6], 1e-12, 1e6 + 1e-12 * np.log(2)),
        ([0.0, 0.0, 0.0], 1e12, 1e12 * np.log(3)),
        ([1e6, 0.0], 1e12, 1e12 * np.log(2) + 5e5),  # F ≈ τ log K + mean(q) for τ >> |q|
    ],
)
def test_extreme_inputs_are_finite_correct_and_silent(q, tau, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F = soft_value(q, tau)
        f = soft_indmax(q, tau)
    assert np.isfinite(F) and np.isfinite(f).all()
    assert F == pytest.approx(expected, rel=1e-12)
    assert f.sum() == pytest.approx(1.0, abs=1e-15)


# --- bad input ------------------------------------------------------------------------------------
KERNEL = soft_value_first_axis
# Every public function of theory.softmax. soft_value_first_axis, the hot-path kernel, checks τ and
# its *result* (any NaN/inf input shows there), so it costs no pass over x.
BAD = [
    pytest.param(
        lambda: KERNEL(np.array([[np.nan, 0.0]]), 1.0),
        ValueError,
        r"column \(0,\)",
        id="kernel-nan",
    ),
    pytest.param(
        lambda: KERNEL(np.array([[1.0], [np.inf]]), 0.5),
        ValueError,
        "x must be finite",
        id="kernel-inf",
    ),
    pytest.param(
        lambda: KERNEL(np.full((2, 3), -np.inf), 0.0),
        ValueError,
        "x must be finite",
        id="kernel-all-neg-inf",
    ),
    pytest.param(lambda: KERNEL(np.zeros((2, 2)), -1.0), ValueError, "tau", id="kernel-negative-tau"),
    pytest.param(lambda: KERNEL(np.zeros((2, 2)), None), TypeError, "tau", id="kernel-none-tau"),
    pytest.param(lambda: soft_value([1.0, np.nan], 1.0), ValueError, r"q must be finite; q\[1\]", id="nan-q"),
    pytest.param(lambda: soft_value([1.0, np.inf], 1.0), ValueError, "q must be finite", id="inf-q"),
    pytest.param(lambda: soft_value([], 1.0), ValueError, "q must not be empty", id="empty-q"),
    pytest.param(lambda: soft_value(3.0, 1.0), ValueError, "q must have at least 1 axis", id="scalar-q"),
    pytest.param(lambda: soft_value(None, 1.0), TypeError, "q must hold real numbers", id="none-q"),
    pytest.param(lambda: soft_value(["a", "b"], 1.0), TypeError, "q must hold real numbers", id="string-q"),
    pytest.param(lambda: soft_value([1j, 0.0], 1.0), TypeError, "q must hold real numbers", id="complex-q"),
    pytest.param(
        lambda: soft_value([[1.0], [2.0, 3.0]], 1.0), TypeError, "q must be an array", id="ragged-q"
    ),
    pytest.param(lambda: soft_value([1.0], -0.1), ValueError, "tau", id="negative-tau"),
    pytest.param(lambda: soft_value([1.0], np.nan), ValueError, "tau", id="nan-tau"),
    pytest.param(lambda: soft_value([1.0], np.inf), ValueError, "tau", id="inf-tau"),
    pytest.param(lambda: soft_value([1.0], "hot"), TypeError, "tau", id="string-tau"),
    pytest.param(lambda: soft_value([1.0], None), TypeError, "tau", id="none-tau"),
    pytest.param(lambda: soft_value([1.0], True), TypeError, "tau", id="bool-tau"),
    pytest.param(lambda: soft_value([1.0], 1j), TypeError, "tau", id="complex-tau"),
    pytest.param(
        lambda: soft_value([1.0, 2.0], 1.0, axis="x"), TypeError, "axis must be an integer", id="string-axis"
    ),
    pytest.param(
        lambda: soft_value([[1.0, 2.0]], 1.0, axis=True), TypeError, "axis must be an integer", id="bool-axis"
    ),
    pytest.param(
        lambda: soft_value([1.0, 2.0], 1.0, axis=2), ValueError, "axis 2 is out of bounds", id="axis-range"
    ),
    pytest.param(lambda: soft_indmax([1.0, 2.0], -1.0), ValueError, "tau", id="indmax-negative-tau"),
    pytest.param(lambda: soft_indmax([1.0, 2.0], np.nan), ValueError, "tau", id="indmax-nan-tau"),
    pytest.param(lambda: soft_indmax([1.0, 2.0], "1"), TypeError, "tau", id="indmax-string-tau"),
    pytest.param(
        lambda: soft_indmax([np.nan, 2.0], 1.0), ValueError, r"q must be finite; q\[0\]", id="indmax-nan-q"
    ),
    pytest.param(lambda: soft_indmax(None, 1.0), TypeError, "q must hold real", id="indmax-none-q"),
    pytest.param(
        lambda: soft_indmax([1.0, 2.0], 1.0, axis=1.5), TypeError, "axis must be an integer", id="indmax-axis"
    ),
    pytest.param(lambda: entropy([0.5, 0.6]), ValueError, "p must sum to 1", id="entropy-not-normalised"),
    pytest.param(
        lambda: entropy([1.5, -0.5]), ValueError, r"p must be non-negative; p\[1\]", id="entropy-negative"
    ),
    pytest.param(lambda: entropy([0.5, np.nan]), ValueError, "p must be finite", id="entropy-nan"),
    pytest.param(lambda: entropy("p"), TypeError, "p must hold real", id="entropy-string"),
    pytest.param(lambda: entropy(1.0), ValueError, "p must have at least 1 axis", id="entropy-scalar"),
    pytest.param(
        lambda: entropy([0.5, 0.5], axis="0"), TypeError, "axis must be an integer", id="entropy-axis-string"
    ),
    pytest.param(
        lambda: entropy([0.5, 0.5], axis=3), ValueError, "axis 3 is out of bounds", id="entropy-axis-range"
    ),
    pytest.param(lambda: kl([0.5, 0.5], [0.5, np.nan]), ValueError, r"q must be finite; q\[1\]", id="kl-nan"),
    pytest.param(lambda: kl([0.5, 0.6], [0.5, 0.5]), ValueError, "p must sum to 1", id="kl-p-not-normalised"),
    pytest.param(
        lambda: kl([0.5, 0.5], [1.5, -0.5]), ValueError, "q must be non-negative", id="kl-q-negative"
    ),
    pytest.param(lambda: kl(None, [0.5, 0.5]), TypeError, "p must hold real", id="kl-p-none"),
    pytest.param(lambda: kl([0.5, 0.5], [1 / 3] * 3), ValueError, "p and q must broadcast", id="kl-shapes"),
    pytest.param(
        lambda: kl([0.5, 0.5], [1.0]), ValueError, "p and q must have the same length", id="kl-length-one"
    ),
    pytest.param(
        lambda: kl([0.5, 0.5], [0.5, 0.5], axis=None), TypeError, "axis must be an integer", id="kl-axis"
    ),
    pytest.param(
        lambda: softmax_conjugate([0.5, np.nan], 1.0), ValueError, "p must be finite", id="conjugate-nan"
    ),
    pytest.param(lambda: softmax_conjugate([0.5, 0.5], -2.0), ValueError, "tau", id="conjugate-negative-tau"),
    pytest.param(lambda: softmax_conjugate([0.5, 0.5], np.nan), ValueError, "tau", id="conjugate-nan-tau"),
    pytest.param(lambda: softmax_conjugate([0.5, 0.5], "1"), TypeError, "tau", id="conjugate-string-tau"),
    pytest.param(lambda: softmax_conjugate("p", 1.0), TypeError, "p must hold real", id="conjugate-string-p"),
    pytest.param(
        lambda: softmax_conjugate([0.5, 0.5], 1.0, axis="x"), TypeError, "axis", id="conjugate-axis"
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD)
def test_bad_input_raises_a_clear_error(call, exc, message):
    with pytest.raises(exc, match=message):
        call()
