"""The deck's false statements (checks/errata.py): REFUTED at every seed, FAIL when the
counterexample is taken away (the verdict is not hard-wired)."""

import pytest

from checks.errata import battery_c1b, battery_f1b, check_improvement_without_temperature, check_unclipped_e2w


@pytest.mark.parametrize("battery", [battery_c1b, battery_f1b])
@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_refuted_at_every_seed_with_a_counterexample(battery, seed):
    res = battery(seed=seed, size="quick")
    assert res.verdict == "REFUTED" and res.counterexample and res.measured > res.tolerance


def test_c1b_holds_at_temperature_one_so_the_row_would_fail():
    # At τ = 1 the slide's exp(Q) is the Boltzmann policy: the theorem holds, nothing to refute.
    res = check_improvement_without_temperature(tau="1")
    assert res.verdict == "FAIL" and res.counterexample is None


def test_f1b_is_a_distribution_when_lambda_stays_below_one_so_the_row_would_fail():
    # ε|A| = 0.2 < log 2: λ_1 < 1, π_1 is a distribution.
    res = check_unclipped_e2w(epsilon="0.1")
    assert res.verdict == "FAIL" and res.counterexample is None


def test_counterexample_numbers_by_hand():
    # F1b: λ_1 = 2/log 2 = 2.8854; f_1(0, 3) = (0.04743, 0.95257); π_1(a2) = (1 − λ)·0.95257 + λ/2.
    res = check_unclipped_e2w()
    assert res.details["lambda_t"] == pytest.approx(2.8853900817779268, rel=1e-15)
    assert res.details["pi_t"][1] == pytest.approx(
        (1 - 2.8853900817779268) * 0.9525741268224334 + 1.4426950408889634
    )
