"""Claims A1–A7 (checks/softmax.py A1–A4, checks/conjugacy.py A5–A7).

Properties on generated instances, negative controls, batteries.
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import entr, logsumexp
from scipy.special import softmax as scipy_softmax

from checks import conjugacy, softmax
from checks.base import FAIL, registered
from checks.base import probe as checks_probe
from checks.subjects import OWN, Subjects
from mdps.conventions import Conventions
from mdps.strategies import q_vectors, simplex_vectors, temperatures
from theory.softmax import entropy, soft_indmax, soft_value, softmax_conjugate

Q = np.array([1.0, 3.0, 2.5, -0.5])  # hand-picked: no ties, spread 3.5
Q_TIED = np.array([1.0, 3.0, 3.0, -0.5])  # a tie at the max: H(f_0) = log 2 > 0
PI = np.array([0.1, 0.2, 0.3, 0.4])
TAU = 0.7


# --- the checks hold on generated instances ---------------------------------------------------------
@settings(max_examples=50)
@given(simplex_vectors())
def test_A1_passes_on_generated_distributions(p):
    res = softmax.check_entropy(p)
    assert res.passed, res.details


@settings(max_examples=50)
@given(q_vectors(), temperatures())
def test_A2_passes_on_generated_q(q, tau):
    res = softmax.check_gradient(q, tau)
    assert res.passed, res.details


@settings(max_examples=30)
@given(st.data(), q_vectors(), temperatures())
def test_A3_passes_on_generated_q_and_policies(data, q, tau):
    pi = data.draw(simplex_vectors(k=q.size))
    res = softmax.check_duality(q, tau, pi)
    assert res.passed, res.details


@settings(max_examples=50)
@given(q_vectors(), temperatures())
def test_A4_passes_on_generated_q(q, tau):
    res = softmax.check_per_action(q, tau)
    assert res.passed, res.details


@settings(max_examples=30)
@given(simplex_vectors(), temperatures())
def test_A5_conjugate_passes_on_the_simplex(p, tau):
    res = conjugacy.check_conjugate(p, tau)
    assert res.passed, res.details


@settings(max_examples=30)
@given(simplex_vectors(), st.sampled_from([0.5, 1.7]), temperatures())
def test_A5_conjugate_diverges_off_the_simplex_by_scale(p, scale, tau):
    res = conjugacy.check_conjugate(scale * p, tau)
    assert res.passed, res.details
    assert any(k.startswith("slope deficit") for k in res.details["comparisons"])


@settings(max_examples=30)
@given(simplex_vectors(min_k=2), st.floats(1e-3, 10.0), temperatures())
def test_A5_conjugate_diverges_off_the_simplex_by_a_negative_entry(p, shift, tau):
    p = p.copy()
    p[0] -= p[0] + shift  # p_0 = −shift < 0; the sum is off 1 too unless renormalised
    p[1:] += (1.0 - p.sum()) / (p.size - 1)  # back to Σp = 1: only the sign is wrong
    res = conjugacy.check_conjugate(p, tau)
    assert res.passed, res.details
    assert any("e_0" in k for k in res.details["comparisons"])


@settings(max_examples=30)
@given(q_vectors(), temperatures())
def test_A5_biconjugate_passes_on_generated_q(q, tau):
    res = conjugacy.check_biconjugate(q, tau)
    assert res.passed, res.details


@settings(max_examples=50)
@given(q_vectors(), temperatures())
def test_A6_passes_on_generated_q(q, tau):
    res = conjugacy.check_kkt(q, tau)
    assert res.passed, res.details


@settings(max_examples=50)
@given(q_vectors(), temperatures())
def test_A7_passes_on_generated_q(q, tau):
    res = conjugacy.check_bounds_and_limits(q, tau)
    assert res.passed, res.details


# --- negative controls: broken pieces that each check must reject ------------------------------------
def assert_fails(res):
    assert not res.passed, res.details
    assert res.measured > res.tolerance


def entropy_with_wrong_sign(p):
    return -entropy(p)


def entropy_in_bits(p):
    return entropy(p) / np.log(2)


def entropy_in_decimal_digits(p):
    return entropy(p) / np.log(10)


@pytest.mark.parametrize("broken", [entropy_with_wrong_sign, entropy_in_bits, entropy_in_decimal_digits])
@pytest.mark.parametrize("p", [PI, np.array([0.5, 0.5]), np.ones(3) / 3], ids=["random", "coin", "uniform3"])
def test_A1_rejects_wrong_entropies(broken, p):
    assert_fails(softmax.check_entropy(p, subjects=OWN.replace(entropy=broken)))


def softmax_at_twice_the_temperature(q, tau):
    return soft_indmax(q, 2 * tau)


def hardmax(q, tau):
    return soft_indmax(q, 0.0)


def wrong_derivation():
    q1, q2 = sp.symbols("q1 q2", real=True)
    tau = sp.Symbol("tau", positive=True)
    value = tau * sp.log(sp.exp(q1 / tau) + sp.exp(q2 / tau))
    wrong = sp.exp(q1 / (2 * tau)) / (sp.exp(q1 / (2 * tau)) + sp.exp(q2 / (2 * tau)))
    return {"dF/dq1 - softmax at 2 tau": sp.diff(value, q1) - wrong}


@pytest.mark.parametrize("broken", [softmax_at_twice_the_temperature, hardmax])
@pytest.mark.parametrize("tau", [0.1, TAU, 5.0])
def test_A2_rejects_wrong_gradients(broken, tau):
    assert_fails(softmax.check_gradient(Q, tau, subjects=OWN.replace(soft_indmax=broken)))


@pytest.mark.parametrize("tau", [0.0, TAU])
def test_A2_rejects_a_wrong_symbolic_derivation(tau):
    res = softmax.check_gradient(Q, tau, symbolic_derivation=wrong_derivation)
    assert_fails(res)
    assert "NOT" in res.details["symbolic"]


def hard_max_value(q, tau):
    return soft_value(q, 0.0)


def value_at_wrong_temperature(q, tau):
    return soft_value(q, 1.5 * tau + 0.05)


@pytest.mark.parametrize("broken", [hard_max_value, value_at_wrong_temperature])
@pytest.mark.parametrize("tau", [0.1, TAU, 5.0])
def test_A3_rejects_wrong_soft_values(broken, tau):
    res = softmax.check_duality(Q, tau, PI, subjects=OWN.replace(soft_value=broken))
    assert_fails(res)
    # The independent optimiser alone also disagrees with the broken value.
    measured, allowed = res.details["comparisons"]["|SLSQP max - F|"]
    assert measured > allowed


def test_A3_rejects_a_wrong_argmax():
    assert_fails(
        softmax.check_duality(Q, TAU, PI, subjects=OWN.replace(soft_indmax=softmax_at_twice_the_temperature))
    )


@pytest.mark.parametrize(
    "roles",
    [
        {"soft_indmax": softmax_at_twice_the_temperature},
        {"soft_value": value_at_wrong_temperature},
        {"soft_indmax": hardmax},
    ],
    ids=["indmax at 2 tau", "value at wrong tau", "hardmax"],
)
@pytest.mark.parametrize("tau", [0.1, TAU, 5.0])
def test_A4_rejects_wrong_temperatures(roles, tau):
    assert_fails(softmax.check_per_action(Q, tau, subjects=OWN.replace(**roles)))


def conjugate_missing_tau(p, tau):
    return softmax_conjugate(p, 1.0)


def conjugate_finite_off_the_simplex(p, tau):
    return tau * float(np.sum(p * np.log(np.abs(p) + (p == 0))))


@pytest.mark.parametrize("tau", [0.1, TAU, 5.0])
def test_A5_rejects_a_conjugate_missing_tau(tau):
    assert_fails(conjugacy.check_conjugate(PI, tau, conjugate=conjugate_missing_tau))
    assert_fails(conjugacy.check_biconjugate(Q, tau, conjugate=conjugate_missing_tau))


@pytest.mark.parametrize(
    "p", [1.3 * PI, 0.6 * PI, np.array([-0.2, 0.7, 0.5])], ids=["sum>1", "sum<1", "negative"]
)
def test_A5_rejects_a_conjugate_finite_off_the_simplex(p):
    assert_fails(conjugacy.check_conjugate(p, TAU, conjugate=conjugate_finite_off_the_simplex))


def test_A5_rejects_a_soft_value_whose_sup_stays_bounded_off_the_simplex():
    # Σp = 0.6: along q = −t·1 the true objective p·q − F_τ(q) = 0.4 t − τ log K diverges; with
    # the broken "soft value" F(q) = p·q − 1 it is the constant 1.
    p = 0.6 * PI

    def value_that_tracks_p(q, tau):
        return float(p @ q) - 1.0

    assert_fails(conjugacy.check_conjugate(p, TAU, subjects=OWN.replace(soft_value=value_that_tracks_p)))


def test_A5_rejects_a_wrong_symbolic_derivation():
    assert_fails(conjugacy.check_conjugate(PI, TAU, symbolic_derivation=wrong_derivation))


def multiplier_without_the_tau_shift(q, tau):
    return float(soft_value(q, tau))  # λ = F_τ instead of F_τ − τ


@pytest.mark.parametrize("tau", [0.1, TAU, 5.0])
def test_A6_rejects_the_wrong_multiplier(tau):
    res = conjugacy.check_kkt(Q, tau, multiplier=multiplier_without_the_tau_shift)
    assert_fails(res)
    assert res.measured == pytest.approx(tau)  # ∂L/∂π_a = −τ for every a


@pytest.mark.parametrize("tau", [0.0, TAU])
def test_A6_rejects_a_wrong_policy(tau):
    broken = hardmax if tau > 0 else (lambda q, t: np.ones(q.size) / q.size)
    assert_fails(conjugacy.check_kkt(Q, tau, subjects=OWN.replace(soft_indmax=broken)))


def test_A6_rejects_a_wrong_symbolic_derivation():
    assert_fails(conjugacy.check_kkt(Q, TAU, symbolic_derivation=wrong_derivation))


def value_above_the_upper_bound(q, tau):
    return float(np.max(q)) + 2 * tau * np.log(np.size(q))


def value_log_mean_exp(q, tau):
    """τ log (1/K) Σ exp(q/τ) (mellowmax): breaks max q <= F."""
    return float(soft_value(q, tau)) - tau * np.log(np.size(q))


def value_not_translation_invariant(q, tau):
    return float(soft_value(q, tau)) + 1e-6 * float(np.mean(q))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"subjects": OWN.replace(soft_value=value_above_the_upper_bound)},
        {"subjects": OWN.replace(soft_value=value_log_mean_exp)},
        {"subjects": OWN.replace(soft_value=value_not_translation_invariant)},
        {"subjects": OWN.replace(entropy=entropy_with_wrong_sign)},
        {"subjects": OWN.replace(soft_indmax=softmax_at_twice_the_temperature)},
        {"symbolic_derivation": wrong_derivation},
    ],
    ids=[
        "F above max + tau log K",
        "mellowmax",
        "not translation invariant",
        "-H",
        "indmax at 2 tau",
        "sympy",
    ],
)
@pytest.mark.parametrize("tau", [0.0, 0.1, TAU, 5.0])
@pytest.mark.parametrize("q", [Q, Q_TIED], ids=["no tie", "tie"])
def test_A7_rejects_broken_pieces(kwargs, tau, q):
    if tau == 0.0 and q is Q and "entropy" in kwargs.get("subjects", OWN).given:
        return  # without ties f_0 is a vertex and H(f_0) = 0 = −H(f_0): nothing to catch
    assert_fails(conjugacy.check_bounds_and_limits(q, tau, **kwargs))


def test_A7_rejects_a_hardmax_limit_that_is_not_uniform_on_ties():
    def first_argmax(q, tau):
        return np.eye(q.size)[np.argmax(q)] if tau == 0 else soft_indmax(q, tau)

    assert_fails(
        conjugacy.check_bounds_and_limits(Q_TIED, 0.0, subjects=OWN.replace(soft_indmax=first_argmax))
    )


# --- hand-derived fixtures ---------------------------------------------------------------------------
def test_A3_identity_on_a_hand_example():
    # q = (0, log 3), τ = 1: F = log 4, f = (1/4, 3/4); π = (1/2, 1/2): π·q + H(π) = log 3/2 + log 2,
    # F − KL(π‖f) = log 4 − (½ log 2 + ½ log(2/3)) = log 4 − log(2/√3) = log(2√3), the same.
    res = softmax.check_duality(np.array([0.0, np.log(3.0)]), 1.0, np.array([0.5, 0.5]))
    assert res.passed
    assert res.details["comparisons"]["|pi·q + tau H(pi) - (F - tau KL(pi||f))|"][0] < 1e-15


# --- batteries ---------------------------------------------------------------------------------------
A_BATTERIES = [(c, b) for c, b in registered() if c.id.startswith("A")]


def test_all_A_claims_are_registered():
    assert [c.id for c, _ in A_BATTERIES] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]


@pytest.mark.parametrize("claim,battery", A_BATTERIES, ids=[c.id for c, _ in A_BATTERIES])
def test_quick_batteries_pass_and_are_deterministic(claim, battery):
    first, second = battery(seed=0, size="quick"), battery(seed=0, size="quick")
    assert first.passed, first.details
    assert first == second
    assert first.claim == claim.id and first.cases > 0


# --- foreign subjects: another style passes, a subtly wrong one fails ------------------------------
def foreign_soft_value(q, tau):
    """F_τ in plain numpy/scipy: τ·logsumexp(q/τ) (scipy shifts by the max)."""
    return tau * logsumexp(q / tau, axis=-1)


def foreign_soft_value_unshifted(q, tau):
    """The textbook formula without the max shift: exp overflows to inf for large q/τ."""
    return tau * np.log(np.sum(np.exp(q / tau), axis=-1))


def foreign_soft_value_beta(q, beta):
    """F in the inverse temperature β = 1/τ: logsumexp(βq)/β."""
    return logsumexp(beta * q, axis=-1) / beta


def foreign_softmax(q, tau):
    return scipy_softmax(q / tau, axis=-1)


def foreign_softmax_warm(q, tau):
    """A softmax 5 % too warm."""
    return scipy_softmax(q / (1.05 * tau), axis=-1)


def foreign_entropy(p):
    return entr(p).sum(axis=-1)


def foreign_entropy_0log0(p):
    """−Σ p log p without the convention 0 log 0 = 0: NaN at a vertex."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(p * np.log(p), axis=-1)


FOREIGN = {
    "soft_value": foreign_soft_value,
    "soft_indmax": foreign_softmax,
    "entropy": foreign_entropy,
}
#: claim -> (its battery, a check on one instance, a subtly wrong role implementation)
FOREIGN_CASES = {
    "A1": (
        softmax.battery_entropy,
        lambda s: softmax.check_entropy(np.array([1.0, 0.0, 0.0]), subjects=s),
        {"entropy": foreign_entropy_0log0},
    ),
    "A2": (
        softmax.battery_gradient,
        lambda s: softmax.check_gradient(Q, TAU, subjects=s),
        {"soft_indmax": foreign_softmax_warm},
    ),
    "A3": (
        softmax.battery_duality,
        lambda s: softmax.check_duality(Q, TAU, PI, subjects=s),
        {"soft_indmax": foreign_softmax_warm},
    ),
    "A4": (
        softmax.battery_per_action,
        lambda s: softmax.check_per_action(1e3 * Q, TAU, subjects=s),
        {"soft_value": foreign_soft_value_unshifted},
    ),
    "A5": (
        conjugacy.battery_conjugate,
        lambda s: conjugacy.check_biconjugate(1e3 * Q, TAU, subjects=s),
        {"soft_value": foreign_soft_value_unshifted},
    ),
    "A6": (
        conjugacy.battery_kkt,
        lambda s: conjugacy.check_kkt(Q, TAU, subjects=s),
        {"soft_indmax": foreign_softmax_warm},
    ),
    "A7": (
        conjugacy.battery_bounds_and_limits,
        lambda s: conjugacy.check_bounds_and_limits(Q, TAU, subjects=s),
        {"soft_indmax": foreign_softmax_warm},
    ),
}


def _foreign(claim_id, **wrong):
    """Foreign subjects (default Conventions: τ > 0) of the claim's roles, ``wrong`` replacing some."""
    claim = next(c for c, _ in registered() if c.id == claim_id)
    return Subjects.of(**{r: wrong.get(r, FOREIGN[r]) for r in claim.roles})


@pytest.mark.parametrize("claim_id", sorted(FOREIGN_CASES))
def test_A_foreign_subjects_pass_the_quick_battery(claim_id):
    battery, _, _ = FOREIGN_CASES[claim_id]
    res = battery(seed=0, size="quick", subjects=_foreign(claim_id))
    assert res.passed, res.details
    # τ = 0 is left out: these subjects take τ > 0 only (A1 has no temperature).
    own = battery(seed=0, size="quick")
    assert (res.cases == own.cases) if claim_id == "A1" else (0 < res.cases < own.cases)


@pytest.mark.parametrize("claim_id", sorted(FOREIGN_CASES))
def test_A_subtly_wrong_foreign_subjects_fail(claim_id):
    battery, check, wrong = FOREIGN_CASES[claim_id]
    res = check(_foreign(claim_id, **wrong))
    assert res.verdict == FAIL, res.details
    assert check(_foreign(claim_id)).passed
    assert battery(seed=0, size="quick", subjects=_foreign(claim_id, **wrong)).verdict == FAIL


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow itself: its inf is under test
def test_A_unshifted_soft_value_fails_rather_than_errs():
    """exp(q/τ) overflows to inf for q/τ > 709: the subject returns inf for finite input, a FAIL."""
    res = softmax.check_per_action(
        1e3 * Q, 0.1, subjects=Subjects.of(soft_value=foreign_soft_value_unshifted)
    )
    assert res.verdict == FAIL and "non-finite" in res.details["subject"]


def test_A_foreign_soft_value_in_beta():
    subjects = Subjects.of(Conventions(temperature="beta"), soft_value=foreign_soft_value_beta)
    assert softmax.battery_per_action(seed=0, size="quick", subjects=subjects).passed
    assert conjugacy.battery_conjugate(seed=0, size="quick", subjects=subjects).passed


@settings(max_examples=10, deadline=None)
@given(st.data(), q_vectors(), temperatures(allow_zero=False, max_value=1e3))
def test_A_probes_check_drawn_instances(data, q, tau):
    """Each A claim's probe (what checks.verify shrinks with) runs its check on a drawn instance."""
    drawn = {"q": q, "tau": tau, "p": data.draw(simplex_vectors(k=q.size))}
    for claim, _ in A_BATTERIES:
        probe = checks_probe(claim.id)
        res = probe.check(*(drawn[name] for name in probe.draws), subjects=OWN)
        assert res.claim == claim.id and res.passed, res.details
