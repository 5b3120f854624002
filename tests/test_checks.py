"""The check contract, the D3 check with its negative controls, and the CLI."""

import dataclasses
import json
import types

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.special import logsumexp

import checks.base as base
from checks.__main__ import main
from checks.base import Claim, fold
from checks.policy_iteration import battery_oracles, check_oracles
from checks.subjects import OWN, Subjects
from checks.suite import mdp_suite, temperature_suite
from mdps import FiniteMDP
from mdps.conventions import Conventions
from mdps.generators import garnet, random_dag
from mdps.strategies import finite_mdps, temperatures
from theory.solvers import SolveResult, soft_value_iteration


# --- D3 holds on generated instances ------------------------------------------------------------
@settings(max_examples=50)
@given(finite_mdps(), temperatures(max_value=10.0))
def test_D3_passes_on_generated_mdps(mdp, tau):
    res = check_oracles(mdp, tau)
    assert res.passed, res.details


# --- negative controls: broken solvers that D3 must reject --------------------------------------
def soft_vi_at_wrong_temperature(mdp, tau, *, tol):
    return soft_value_iteration(mdp, 1.5 * tau + 0.05, tol=tol)


def hard_max_in_place_of_soft(mdp, tau, *, tol):
    return soft_value_iteration(mdp, 0.0, tol=tol)


def wrong_discount(mdp, tau, *, tol):
    other = FiniteMDP(mdp.P, mdp.R, 0.97 * mdp.gamma, terminal=mdp.terminal, name=mdp.name)
    return soft_value_iteration(other, tau, tol=tol)


def overconfident_bound(mdp, tau, *, tol):
    """Correct up to 1e-6, but claims a bound of tol: the certificate is a lie."""
    res = soft_value_iteration(mdp, tau, tol=tol)
    return dataclasses.replace(res, q=res.q + 1e-6)


@pytest.mark.parametrize(
    "broken", [soft_vi_at_wrong_temperature, hard_max_in_place_of_soft, wrong_discount, overconfident_bound]
)
@pytest.mark.parametrize(
    "mdp",
    [garnet(10, 3, 3, gamma=0.9, seed=1), random_dag(6, 2, gamma=0.9, seed=2)],
    ids=["garnet", "dag"],
)
def test_D3_rejects_broken_solvers(broken, mdp):
    taus = [0.0, 0.5] if broken is not hard_max_in_place_of_soft else [0.5]
    for tau in taus:
        res = check_oracles(mdp, tau, subjects=OWN.replace(solver=broken))
        assert not res.passed, (broken.__name__, tau, res.details)
        assert res.measured > res.tolerance


def test_D3_rejects_wrong_one_state_value():
    # A one-state MDP whose "solver" returns F(r)/(1-γ) with the hard max: the closed form catches it.
    mdp = FiniteMDP(np.ones((1, 3, 1)), np.array([[0.0, 0.5, 1.0]]), 0.9)
    res = check_oracles(mdp, 1.0, subjects=OWN.replace(solver=hard_max_in_place_of_soft))
    assert not res.passed
    assert res.details["comparisons"]["one-state closed form F(r)/(1-γ)"][0] > 1.0


# --- foreign solvers (plain numpy, the role's signature) and a solver lying about its bound -----
def _numpy_soft_vi(P, R, gamma, tau, tol, *, a_posteriori=True):
    """Soft value iteration with scipy's logsumexp from V = 0, stopping when its a-posteriori bound
    γ/(1−γ)·‖V_n − V_{n−1}‖ is <= tol (or, wrongly, when ‖V_n − V_{n−1}‖ <= tol)."""
    v = np.zeros(R.shape[0])
    factor = gamma / (1 - gamma) if a_posteriori else 1.0
    while True:
        q = R + gamma * P @ v
        v_next = tau * logsumexp(q / tau, axis=1)
        step = np.abs(v_next - v).max()
        v = v_next
        if factor * step <= tol:
            q = R + gamma * P @ v
            return types.SimpleNamespace(q=q, v=tau * logsumexp(q / tau, axis=1), error_bound=factor * step)


def numpy_soft_vi(P, R, gamma, tau, tol):
    return _numpy_soft_vi(P, R, gamma, tau, tol)


def soft_vi_stopping_early(P, R, gamma, tau, tol):
    """Stops at ‖V_n − V_{n−1}‖ <= tol, a factor γ/(1−γ) too early, and claims error_bound = tol."""
    res = _numpy_soft_vi(P, R, gamma, tau, tol, a_posteriori=False)
    return types.SimpleNamespace(q=res.q, v=res.v, error_bound=tol)


def off_by_five_with_a_huge_bound(mdp, tau, *, tol):
    """Off by 5 everywhere, and says so: error_bound = 1e6 (it used to widen the allowance)."""
    res = soft_value_iteration(mdp, tau, tol=tol)
    return dataclasses.replace(res, q=res.q + 5.0, v=res.v + 5.0, error_bound=1e6)


GARNETS = [garnet(10, 3, 3, gamma=0.9, seed=1), garnet(8, 2, 2, gamma=0.95, seed=3, sparse=True)]


@pytest.mark.parametrize("mdp", GARNETS, ids=["garnet", "sparse-garnet"])
@pytest.mark.parametrize("tau", [0.05, 0.5, 3.0])
def test_D3_passes_a_foreign_solver_and_fails_one_that_stops_early(mdp, tau):
    assert check_oracles(mdp, tau, subjects=Subjects.of(solver=numpy_soft_vi)).passed
    res = check_oracles(mdp, tau, subjects=Subjects.of(solver=soft_vi_stopping_early))
    assert res.verdict == "FAIL" and res.measured > res.tolerance, res.details
    error, allowed = res.details["comparisons"]["solver error max|q - q*|"]
    assert error > allowed  # its real error is up to γ/(1 − γ)·tol, not tol


@pytest.mark.parametrize("tau", [0.0, 0.5])
def test_D3_fails_a_solver_off_by_five_that_reports_a_huge_bound(tau):
    res = check_oracles(GARNETS[0], tau, subjects=OWN.replace(solver=off_by_five_with_a_huge_bound))
    assert res.verdict == "FAIL", res.details
    assert res.details["comparisons"]["solver error max|q - q*|"][0] == pytest.approx(5.0)
    assert res.details["comparisons"]["solver's error_bound <= tol"][0] == 1e6


def test_D3_skips_the_reward_scale_for_a_solver_that_takes_only_tau_zero():
    classical = Subjects.of(Conventions(temperatures="zero"), solver=numpy_soft_vi)
    res = check_oracles(GARNETS[0], 0.5, subjects=classical)  # called directly at τ > 0
    assert not any("reward scale" in k or "τ=1" in k for k in res.details["comparisons"])


def test_D3_battery_takes_a_foreign_solver():
    res = battery_oracles(seed=0, size="quick", subjects=Subjects.of(solver=numpy_soft_vi))
    assert res.passed, res.details
    assert 0 < res.cases < battery_oracles(seed=0, size="quick").cases  # τ = 0, terminal states left out


# --- fold and registry ---------------------------------------------------------------------------
X = Claim("X1", "x", "test")


def test_fold_reports_worst_case_and_failures():
    rows = [
        X.result(measured=1e-12, tolerance=1e-10, details={"instance": "a"}),
        X.result(measured=5e-10, tolerance=1e-9, details={"instance": "b"}),
        X.result(measured=3.0, tolerance=1.0, details={"instance": "c"}),
    ]
    folded = fold(X, rows)
    assert not folded.passed and folded.cases == 3
    assert (folded.measured, folded.tolerance) == (3.0, 1.0)
    assert folded.details["failed_instances"] == ["c"]
    ok = fold(X, rows[:2])
    assert ok.passed and (ok.measured, ok.tolerance) == (5e-10, 1e-9)  # worst ratio, not worst value


def test_fold_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no cases"):
        fold(X, [])


def test_suites_are_seeded_and_sized():
    a, b = mdp_suite(3, "quick"), mdp_suite(3, "quick")
    assert [m.name for m in a] == [m.name for m in b]
    assert all(np.array_equal(x.R, y.R) for x, y in zip(a, b))
    assert len(mdp_suite(0, "full")) > len(mdp_suite(0, "default")) > len(a)
    assert 0.0 in temperature_suite("quick")
    with pytest.raises(ValueError, match="size"):
        mdp_suite(0, "huge")


# --- the CLI -----------------------------------------------------------------------------------------
def test_cli_lists_claims(capsys):
    assert main(["--list"]) == 0
    assert "D3" in capsys.readouterr().out


def test_cli_unknown_claim_is_a_usage_error(capsys):
    assert main(["--only", "Z9"]) == 2
    assert "unknown claim" in capsys.readouterr().err


def test_cli_conflicting_modes_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["--quick", "--full"])
    assert exc.value.code == 2


def test_cli_runs_reports_and_is_reproducible(tmp_path, capsys):
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for p in paths:
        assert main(["--quick", "--only", "D3", "--seed", "5", "--json", str(p)]) == 0
    out = capsys.readouterr().out
    assert "D3" in out and "1 claims: 1 passed, 0 failed, 0 errors, 0 refuted" in out
    assert paths[0].read_bytes() == paths[1].read_bytes()  # same seed, same report, bit for bit
    rows = json.loads(paths[0].read_text())
    assert rows[0]["claim"] == "D3" and rows[0]["verdict"] == "PASS" and rows[0]["cases"] > 0


def test_cli_exit_status_is_one_when_a_claim_fails(monkeypatch, capsys):
    failing = Claim("Z1", "always fails", "test")
    monkeypatch.setitem(
        base._REGISTRY,
        "Z1",
        (failing, lambda *, seed, size: failing.result(measured=1.0, tolerance=0.0, details={})),
    )
    assert main(["--only", "Z1"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_solve_result_is_frozen():
    res = soft_value_iteration(garnet(5, 2, 2, seed=0), 0.1)
    assert isinstance(res, SolveResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.iterations = 0


# --- verdicts: the NaN/inf rule, isolation, REFUTED, calibration -------------------------------------
@pytest.mark.parametrize("measured", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["measured", "tolerance"])
def test_a_nonfinite_measurement_or_allowance_fails_and_names_the_instance(measured, where):
    pair = {"measured": 0.0, "tolerance": 1.0, where: measured}
    res = X.result(**pair, details={"instance": "inst-7"})
    assert res.verdict == "FAIL" and "inst-7" in res.details["nonfinite"]
    # ... also when the caller said it passed, and through worst_of and fold.
    assert X.result(**pair, details={}, passed=True).verdict == "FAIL"
    res = X.worst_of({"fine": (0.0, 1.0), "broken": (pair["measured"], pair["tolerance"])}, {"instance": "i"})
    assert res.verdict == "FAIL" and res.details["worst"] == "broken"
    assert fold(X, [X.result(measured=0.0, tolerance=1.0, details={}), res]).verdict == "FAIL"


def test_a_raising_check_is_an_error_row_and_the_run_goes_on(monkeypatch, capsys, tmp_path):
    broken, fine = Claim("Z1", "raises", "test"), Claim("Z2", "passes", "test")

    def boom(*, seed, size):
        raise RuntimeError("brentq: f(a) and f(b) must have different signs")

    monkeypatch.setitem(base._REGISTRY, "Z1", (broken, boom))
    monkeypatch.setitem(
        base._REGISTRY,
        "Z2",
        (fine, lambda *, seed, size: fine.result(measured=0.0, tolerance=1.0, details={})),
    )
    path = tmp_path / "rows.json"
    assert main(["--only", "Z1,Z2", "--json", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Z1    ERROR" in out and "RuntimeError: brentq" in out and "Z2    PASS" in out
    assert "2 claims: 1 passed, 0 failed, 1 errors, 0 refuted" in out
    rows = json.loads(path.read_text())
    assert rows[0]["verdict"] == "ERROR" and "Traceback" in rows[0]["details"]["traceback"]


def test_refuted_counts_as_expected_and_shows_its_counterexample(monkeypatch, capsys):
    claim = Claim("Z1", "the deck says so", "test")
    refuted = claim.result(
        measured=0.0, tolerance=1.0, details={}, verdict="REFUTED", counterexample="on tree k=2: UCT wins"
    )
    monkeypatch.setitem(base._REGISTRY, "Z1", (claim, lambda *, seed, size: refuted))
    assert main(["--only", "Z1"]) == 0
    out = capsys.readouterr().out
    assert "Z1    REFUTED" in out and "counterexample: on tree k=2: UCT wins" in out
    with pytest.raises(ValueError, match="verdict"):
        claim.result(measured=0.0, tolerance=1.0, details={}, verdict="MAYBE")


def test_calibration_counts_failures_per_claim_and_for_the_battery(monkeypatch, capsys):
    # A fake statistical claim failing exactly at seeds divisible by 3·SEED_STRIDE, and an exact one.
    from checks.calibrate import SEED_STRIDE, calibrate

    flaky = Claim("Z1", "flaky", "test", false_alarm=0.001)
    exact = Claim("Z2", "exact", "test")
    bat1 = lambda *, seed, size: flaky.result(  # noqa: E731
        measured=float((seed // SEED_STRIDE) % 3 == 0), tolerance=0.5, details={}
    )
    bat2 = lambda *, seed, size: exact.result(measured=0.0, tolerance=1.0, details={})  # noqa: E731
    cal = calibrate([(flaky, bat1), (exact, bat2)], n_seeds=6, size="quick")
    assert cal.failures("Z1") == [0, 3 * SEED_STRIDE] and cal.failures("Z2") == []
    assert cal.battery_failures() == [0, 3 * SEED_STRIDE] and not cal.ok
    table = "\n".join(cal.table())
    assert "Z1         2/6" in table and "ABOVE ITS LEVEL" in table and "battery" in table
    monkeypatch.setitem(base._REGISTRY, "Z2", (exact, bat2))
    assert main(["--only", "Z2", "--calibrate", "3", "--jobs", "2"]) == 0
    assert "Z2         0/3" in capsys.readouterr().out
