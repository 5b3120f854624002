"""A user's CI test: the maxent-verify conformance suite on ``my_soft_rl``, one role per test.

The ``maxent_verify`` fixture comes with maxent-verify (a pytest plugin registered on install):
it runs ``checks.verify`` on the implementations given and fails the test with the report,
each failure's smallest failing instance printed as code, when a claim fails.
"""

import my_soft_rl
import pytest

ROLES = [
    "soft_value",
    "soft_indmax",
    "entropy",
    "bellman_operator",
    "policy_evaluation",
    "solver",
    "policy_improvement",
    "e2w",
]


@pytest.mark.parametrize("role", ROLES)
def test_conforms(maxent_verify, role):
    maxent_verify(**{role: getattr(my_soft_rl, role)})


def test_regularizer_conforms(maxent_verify):
    """A regulariser is an object: R1 (its conjugate, gradient, bounds) and R4 (sparsemax)."""
    maxent_verify(regularizer=my_soft_rl.TsallisRegularizer())
