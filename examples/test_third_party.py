"""The conformance suite on third-party code (adapters in ``third_party.py``).

scipy's kernels must conform. pymdptoolbox's solvers are run and their report kept as it is: a
failure must come with a counterexample that, re-run, fails again (the verdicts are listed in
the README, "Check your own implementation").
"""

import pytest
import third_party

from checks import verify
from mdps.conventions import Conventions

MDPTOOLBOX = Conventions(transitions="ASS", temperatures="zero", discounts="positive")


@pytest.mark.parametrize(
    ("role", "fn"),
    [
        ("soft_value", third_party.scipy_soft_value),
        ("soft_indmax", third_party.scipy_soft_indmax),
        ("entropy", third_party.scipy_entropy),
    ],
)
def test_scipy_conforms(maxent_verify, role, fn):
    maxent_verify(**{role: fn})


@pytest.mark.parametrize(
    "solver", [third_party.mdptoolbox_value_iteration, third_party.mdptoolbox_policy_iteration]
)
def test_mdptoolbox_verdicts_reproduce(solver):
    report = verify(solver=solver, conventions=MDPTOOLBOX)
    assert report.results, report  # some claim runs at τ = 0
    for res in report.results.values():
        if res.verdict == "FAIL" and res.counterexample:
            scope: dict = {}
            exec(res.counterexample.replace("print(", "_ = ("), scope)  # the printed code re-runs
            assert scope["result"].verdict == "FAIL", res.counterexample
