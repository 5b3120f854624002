"""checks.verify and checks.subjects: a user's implementation through the battery.

For every role, a subtly wrong implementation fails with a shrunk counterexample whose code,
re-run, fails again; correct implementations written in another style pass (examples/, run by
CI; and here, through conventions the project's own code does not use: β = 1/τ, P [A, S, S],
terminal states).
"""

import my_soft_rl as good
import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from checks import verify
from checks.base import FAIL, NonFiniteSubject, NotApplicable
from checks.subjects import OWN, ROLES, ForeignRegularizer, Subject, SubjectError, Subjects
from mdps import FiniteMDP
from mdps.conventions import Conventions
from mdps.generators import garnet, random_dag
from theory.bellman import evaluate_policy, soft_bellman_operator
from theory.regularizers import Tsallis
from theory.softmax import soft_value


# --- subtly wrong implementations, one per role ----------------------------------------------
def lse_without_max_shift(q, tau):
    return tau * np.log(np.exp(q / tau).sum(axis=-1))


def indmax_at_wrong_temperature(q, tau):
    return softmax(q / (1.05 * tau), axis=-1)


def entropy_with_nan_at_zero(p):
    return -(p * np.log(p)).sum(axis=-1)  # 0·log 0 = 0·(−inf) = NaN


def operator_with_entropy_bonus_without_tau(P, R, gamma, q, tau):
    m = q.max(axis=-1)
    return R + gamma * P @ (m + np.log(np.exp((q - m[:, None]) / tau).sum(axis=-1)))


def evaluation_without_tau(P, R, gamma, pi, tau):
    q, v = good.policy_evaluation(P, R, gamma, pi, 1.0)  # the entropy bonus at τ = 1
    return q, v


class _Answer:
    def __init__(self, q, v, error_bound):
        self.q, self.v, self.error_bound = q, v, error_bound


def solver_stopping_early(P, R, gamma, tau, tol):
    v = np.zeros(R.shape[0])
    for _ in range(20):
        v = good.soft_value(R + gamma * P @ v, tau)
    q = R + gamma * P @ v
    return _Answer(q, good.soft_value(q, tau), tol)  # claims the tol it did not reach


def improvement_at_wrong_temperature(q, tau):
    return softmax(q / (1.05 * tau), axis=-1)


def e2w_without_clip(q_hat, n_total, tau, epsilon):
    k = q_hat.shape[-1]
    lam = epsilon * k / np.log(n_total + 2)  # λ not clipped at 1, and log(t + 2)
    return (1 - lam) * good.soft_indmax(q_hat, tau) + lam / k  # the plain-numpy f_τ of good.e2w


class TsallisGreedyNotNormalised(good.TsallisRegularizer):
    """Sparsemax scaled by 0.9: a greedy policy summing to 0.9 (and a value ⟨p, q⟩ − τΩ(p) off)."""

    def greedy(self, q, tau):
        return 0.9 * super().greedy(q, tau)


WRONG = {
    "soft_value": lse_without_max_shift,
    "soft_indmax": indmax_at_wrong_temperature,
    "entropy": entropy_with_nan_at_zero,
    "bellman_operator": operator_with_entropy_bonus_without_tau,
    "policy_evaluation": evaluation_without_tau,
    "solver": solver_stopping_early,
    "policy_improvement": improvement_at_wrong_temperature,
    "e2w": e2w_without_clip,
    "regularizer": TsallisGreedyNotNormalised(),
}


#: The claims each mutant is run against (all of a role's claims for the cheap roles; the
#: whole of each role is timed in benchmarks/verify.py).
CLAIMS = {
    "policy_improvement": ["C1", "D4"],
    "e2w": ["F1", "G2"],
    "bellman_operator": ["D1", "D5"],
    "solver": ["B1", "D3"],
    "regularizer": ["R1", "R2", "R4"],
}


def test_every_role_has_a_wrong_implementation():
    assert set(WRONG) == set(ROLES)


def _rerun(code: str):
    scope: dict = {}
    exec(code.replace("print(", "_ = ("), scope)
    return scope["result"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("role", sorted(WRONG))
def test_wrong_implementation_fails_with_a_shrunk_rerunnable_counterexample(role):
    report = verify(claims=CLAIMS.get(role), search_examples=100, **{role: WRONG[role]})
    assert not report.passed, str(report)
    failed = [r for r in report.results.values() if r.verdict == FAIL]
    assert failed, str(report)
    with_code = [r for r in failed if r.counterexample]
    assert with_code, str(report)
    for res in with_code:
        assert f"{role}=" in res.counterexample
        assert _rerun(res.counterexample).verdict == FAIL, res.counterexample


def test_report_is_reproducible():
    a = verify(solver=solver_stopping_early, claims=["B1", "D3"], search_examples=30)
    b = verify(solver=solver_stopping_early, claims=["B1", "D3"], search_examples=30)

    def untimed(report):  # the summary line ends with the wall time
        return [line.rsplit("(", 1)[0] if "claims run:" in line else line for line in report.lines()]

    assert untimed(a) == untimed(b)
    assert a.results == b.results


# --- conventions: β, [A, S, S], terminal states ---------------------------------------------------
def test_beta_and_ass_conventions_reach_the_implementation_as_declared():
    seen = {}

    def solver(P, R, gamma, beta, tol):
        seen["P"], seen["beta"] = P, beta
        return good.solver(np.ascontiguousarray(P.transpose(1, 0, 2)), R, gamma, 1 / beta, tol)

    s = Subject("solver", solver, Conventions(temperature="beta", transitions="ASS"))
    mdp = garnet(5, 3, 2, gamma=0.8, seed=3)
    ans = s(mdp, 0.25, 1e-10)
    assert seen["beta"] == 4.0 and seen["P"].shape == (3, 5, 5)
    assert np.array_equal(seen["P"], mdp.dense_P().transpose(1, 0, 2))
    assert ans.error_bound is None and ans.q.shape == (5, 3)


def terminal_aware_operator(P, R, gamma, q, tau, *, terminal):
    v = np.where(terminal, 0.0, good.soft_value(q, tau))  # the plain-numpy F_τ of good.bellman_operator
    return R + gamma * P @ v


def test_terminal_states_convention_passes_the_mask_and_admits_terminal_mdps():
    conv = Conventions(terminal_states=True)
    dag = random_dag(6, 2, gamma=0.9, seed=1)
    s = Subject("bellman_operator", terminal_aware_operator, conv)
    assert s.accepts(dag) and not Subject("bellman_operator", terminal_aware_operator, Conventions()).accepts(
        dag
    )
    q = np.random.default_rng(0).normal(size=(6, 2))
    assert np.allclose(s(dag, q, 0.5), soft_bellman_operator(dag, q, 0.5), rtol=1e-13, atol=1e-13)
    report = verify(bellman_operator=terminal_aware_operator, conventions=conv, claims=["B1", "D5"])
    assert report.passed, str(report)


def test_textbook_operator_without_terminal_states_is_only_given_mdps_without_them():
    def textbook(P, R, gamma, q, tau):
        return R + gamma * P @ (tau * logsumexp(q / tau, axis=-1))

    report = verify(bellman_operator=textbook, claims=["D5"], search_examples=30)
    assert report.passed, str(report)


# --- the subject is never trusted ----------------------------------------------------------
def test_a_solver_off_by_5_reporting_a_huge_bound_fails():
    def liar(P, R, gamma, tau, tol):
        q, v = good.solver(P, R, gamma, tau, tol)
        return _Answer(q + 5.0, v + 5.0, 1e6)

    report = verify(solver=liar, claims=["B1"], search=False)
    res = report.results["B1"]
    assert res.verdict == FAIL
    assert res.details["worst_case"]["worst"] == "solver's error_bound <= tol"


@pytest.mark.parametrize(
    ("out", "message"),
    [
        (np.zeros((2, 2)), "shape"),
        ("not numbers", "real numbers"),
    ],
)
def test_unusable_answers_are_the_subjects_failure(out, message):
    s = Subject("soft_value", lambda q, tau: out, Conventions())
    with pytest.raises(SubjectError, match=message):
        s(np.zeros(3), 1.0)


def test_a_raising_foreign_subject_is_a_subject_error_but_our_own_code_raises():
    def boom(q, tau):
        raise ZeroDivisionError("tau")

    with pytest.raises(SubjectError, match="ZeroDivisionError"):
        Subject("soft_value", boom, Conventions())(np.zeros(3), 1.0)
    with pytest.raises(ZeroDivisionError):
        Subject("soft_value", boom)(np.zeros(3), 1.0)


def test_foreign_e2w_is_asked_row_by_row():
    calls = []

    def e2w(q, n, tau, eps):
        calls.append(q.shape)
        return good.e2w(q, n, tau, eps)

    out = Subject("e2w", e2w, Conventions())(np.zeros((4, 3)), np.arange(4), 1.0, 0.1)
    assert calls == [(3,)] * 4 and out.shape == (4, 3)


# --- argument validation ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({}, ValueError, "at least one role", id="no role"),
        pytest.param({"soft_max": soft_value}, ValueError, "unknown role", id="unknown role"),
        pytest.param({"soft_value": 3}, TypeError, "callable", id="not callable"),
        pytest.param({"soft_value": soft_value, "claims": ["Z9"]}, ValueError, "Z9", id="unknown claim"),
        pytest.param({"soft_value": soft_value, "size": "huge"}, ValueError, "size", id="bad size"),
        pytest.param({"soft_value": soft_value, "seed": -1}, ValueError, "seed", id="bad seed"),
        pytest.param(
            {"soft_value": soft_value, "conventions": "ASS"}, TypeError, "Conventions", id="bad conv"
        ),
        pytest.param(
            {"soft_value": soft_value, "search_examples": 0}, ValueError, "search_examples", id="budget"
        ),
    ],
)
def test_verify_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        verify(**kwargs)


@pytest.mark.parametrize(
    ("items", "match"),
    [
        (["temperature=kelvin"], "temperature"),
        (["transitions=SSA"], "transitions"),
        (["terminal_states=maybe"], "terminal_states"),
        (["temperatures=negative"], "temperatures"),
        (["colour=blue"], "NAME=VALUE"),
        (["temperature"], "NAME=VALUE"),
    ],
)
def test_conventions_parse_rejects_bad_items(items, match):
    with pytest.raises(ValueError, match=match):
        Conventions.parse(items)


def test_conventions_round_trip_through_the_cli_form():
    c = Conventions(temperature="beta", transitions="ASS", terminal_states=True, temperatures="all")
    assert Conventions.parse(c.as_arguments()) == c
    assert Conventions().as_arguments() == []


def test_own_subjects_are_the_projects_functions():
    assert OWN.given == ()
    assert OWN.replace(solver=lambda m, t, tol: None).given == ("solver",)
    one = FiniteMDP(np.ones((1, 2, 1)), np.array([[0.0, 1.0]]), 0.5)
    q, v = OWN.policy_evaluation(one, np.array([[0.5, 0.5]]), 1.0)
    ref = evaluate_policy(one, np.array([[0.5, 0.5]]), 1.0)
    assert np.array_equal(q, ref.q) and np.array_equal(v, ref.v)
    with pytest.raises(TypeError, match="subjects.solver"):
        Subjects(solver=Subject("soft_value", soft_value))


# --- the regularizer role: an object, wrapped in ForeignRegularizer ----------------------------------
class _Reg:
    """A foreign regulariser built from the project's Tsallis, with one method broken by ``bad``."""

    def __init__(self, bad=None):
        self.t, self.bad = Tsallis(), bad or {}

    def penalty(self, pi, tau):
        return self.bad.get("penalty", self.t.penalty)(pi, tau)

    def value(self, q, tau):
        return self.bad.get("value", self.t.value)(q, tau)

    def greedy(self, q, tau):
        return self.bad.get("greedy", self.t.greedy)(q, tau)

    def bounds(self, n_actions):
        return self.bad.get("bounds", self.t.bounds)(n_actions)


def _raise(*args):
    raise ZeroDivisionError("boom")


@pytest.mark.parametrize(
    ("bad", "call", "error", "match"),
    [
        ({"value": lambda q, tau: np.zeros(5)}, "value", SubjectError, "shape"),
        ({"greedy": _raise}, "greedy", SubjectError, "ZeroDivisionError"),
        ({"value": lambda q, tau: np.full(q.shape[:-1], np.nan)}, "value", NonFiniteSubject, "non-finite"),
        ({"bounds": lambda k: (0.0, -1.0)}, "bounds", SubjectError, "L > U"),
        ({"bounds": lambda k: (0.0,)}, "bounds", SubjectError, "shape"),
    ],
    ids=["wrong shape", "raises", "nan", "L > U", "one bound"],
)
def test_a_foreign_regularizer_answering_badly_is_its_failure(bad, call, error, match):
    reg = ForeignRegularizer(_Reg(bad))
    args = {"value": (np.zeros((2, 3)), 1.0), "greedy": (np.zeros(3), 1.0), "bounds": (3,)}[call]
    with pytest.raises(error, match=match):
        getattr(reg, call)(*args)


def test_a_foreign_regularizer_is_checked_like_the_projects_and_needs_its_methods():
    reg = ForeignRegularizer(_Reg())
    q = np.array([[0.3, -1.0, 2.0], [1.0, 1.0, 1.0]])
    assert np.array_equal(reg.value(q, 0.5), Tsallis().value(q, 0.5))
    assert np.array_equal(reg.greedy_first_axis(q.T, 0.5), Tsallis().greedy_first_axis(q.T, 0.5))
    assert reg.bounds(3) == Tsallis().bounds(3)
    with pytest.raises(ValueError, match="tau"):
        reg.value(q, -1.0)  # validated in the project's terms before the object is called
    with pytest.raises(TypeError, match="greedy, bounds"):
        ForeignRegularizer(object.__new__(type("Half", (), {"penalty": _raise, "value": _raise})))
    with pytest.raises(NotApplicable, match="round-off"):
        reg.value_roundoff(3, 1.0, 1.0)
    with pytest.raises(ValueError, match="not a function"):
        Subject("regularizer", good.soft_value)
    with pytest.raises(TypeError, match="conventions"):
        ForeignRegularizer(_Reg(), "beta")


def test_a_foreign_regularizer_in_beta_conventions_is_given_beta():
    seen = []

    class Beta(_Reg):
        def value(self, q, beta):
            seen.append(beta)
            return Tsallis().value(q, 1.0 / beta)

    reg = ForeignRegularizer(Beta(), Conventions(temperature="beta"))
    assert reg.value(np.zeros(3), 0.25) == Tsallis().value(np.zeros(3), 0.25) and seen == [4.0]


def test_verify_regularizer_runs_its_claims_only_and_keeps_it_out_of_the_solvers_claims():
    report = verify(regularizer=good.TsallisRegularizer(), search=False)
    assert set(report.results) == {"R1", "R2", "R3", "R4"} and report.passed, str(report)

    class WithoutRoundoff:  # the four required methods only: R2 and R3 cannot certify its solves
        penalty, value, greedy, bounds = (
            getattr(good.TsallisRegularizer, m) for m in ("penalty", "value", "greedy", "bounds")
        )
        _threshold = good.TsallisRegularizer._threshold

    bare = verify(regularizer=WithoutRoundoff(), search=False)
    assert set(bare.results) == {"R1", "R4"} and bare.passed, str(bare)
    assert {"R2", "R3"} <= set(bare.not_applicable) and "value_roundoff" in bare.not_applicable["R2"]
    reg = good.TsallisRegularizer()
    both = verify(regularizer=reg, solver=good.solver, claims=["B1", "R1"], search=False)
    assert "round-off" in both.not_applicable["B1"] and both.results["R1"].passed, str(both)


def tsallis_solver(P, R, gamma, tau, tol):
    """Value iteration for the Tsallis-regularised problem, with the example's regulariser."""
    reg, v = good.TsallisRegularizer(), np.zeros(R.shape[0])
    stop = tol * (1 - gamma) / max(gamma, 1e-300)
    while True:
        v_next = reg.value(R + gamma * P @ v, tau)
        done = np.abs(v_next - v).max() <= stop
        v = v_next
        if done:
            q = R + gamma * P @ v
            return q, reg.value(q, tau)


def test_verify_a_solver_of_the_tsallis_problem():
    """regularizer=Tsallis() (the project's) is the problem's regulariser, not a subject: the
    claims that hold for every regulariser check the solver, the Shannon ones do not apply."""
    report = verify(solver=tsallis_solver, regularizer=Tsallis(), claims=["B1", "D3", "B4"], search=False)
    assert set(report.results) == {"B1", "D3"} and report.passed, str(report)
    assert "Shannon" in report.not_applicable["B4"]
    shannon = verify(solver=good.solver, regularizer=Tsallis(), claims=["B1"], search=False)
    assert not shannon.passed, str(shannon)
