"""theory/symbolic.py: every derivation simplifies to 0; wrong candidates do not; caching."""

import numpy as np
import pytest
import sympy as sp

import theory.symbolic as symbolic
from theory.softmax import entropy, soft_indmax, soft_value

DERIVATIONS = [
    symbolic.gradient_residuals,
    symbolic.conjugate_residuals,
    symbolic.kkt_residuals,
    symbolic.temperature_derivative_residuals,
]
TAU = sp.Symbol("tau", positive=True)
Q1, Q2, Q3 = sp.symbols("q1:4", real=True)


@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda d: d.__name__)
def test_every_residual_simplifies_to_zero(derivation):
    residuals = derivation()
    assert residuals, "a derivation with no residual checks nothing"
    for name, expr in residuals.items():
        assert symbolic.simplifies_to_zero(expr), (name, expr)


@pytest.mark.parametrize("derivation", DERIVATIONS, ids=lambda d: d.__name__)
def test_derivations_are_cached_and_fresh_dicts(derivation):
    first, second = derivation(), derivation()
    assert first == second and first is not second  # callers may mutate their copy
    assert all(a is b for a, b in zip(first.values(), second.values()))  # computed once


def test_the_derivations_cover_the_brief():
    assert {k.split(":")[0] for k in symbolic.gradient_residuals()} == {"K=2", "K=3"}
    assert {k.split(":")[0] for k in symbolic.temperature_derivative_residuals()} == {"K=2", "K=3"}
    assert any(k.startswith("K=2") for k in symbolic.conjugate_residuals())
    assert any("lambda + tau" in k for k in symbolic.kkt_residuals())


# --- negative controls: wrong candidates must not simplify to 0 --------------------------------------
F3 = symbolic.soft_value_expr((Q1, Q2, Q3))
Z3 = sp.exp(Q1 / TAU) + sp.exp(Q2 / TAU) + sp.exp(Q3 / TAU)


@pytest.mark.parametrize(
    "wrong",
    [
        sp.diff(F3, Q1) - sp.exp(Q1 / (2 * TAU)) / Z3.subs(TAU, 2 * TAU),  # softmax at 2τ
        sp.diff(F3, Q1) - sp.exp(Q1 / TAU) / (sp.exp(Q2 / TAU) + sp.exp(Q3 / TAU)),  # wrong normaliser
        sp.diff(F3, TAU)
        - sum(sp.exp(q / TAU) / Z3 * sp.log(sp.exp(q / TAU) / Z3) for q in (Q1, Q2, Q3)),  # dF/dτ = −H
        F3 - TAU - TAU * sp.log(Z3),  # v = λ instead of λ + τ
        TAU * sp.log(Z3 / 3) - F3,  # mellowmax is not the soft value
    ],
    ids=["softmax at 2 tau", "wrong normaliser", "dF/dtau = -H", "v = lambda", "mellowmax"],
)
def test_wrong_candidates_do_not_simplify_to_zero(wrong):
    assert not symbolic.simplifies_to_zero(wrong)


# --- the symbolic expressions agree with the numerical library ---------------------------------------
def test_soft_value_expr_matches_the_library():
    q, tau = np.array([0.3, -1.2, 2.0]), 0.7
    expr = F3.subs({Q1: q[0], Q2: q[1], Q3: q[2], TAU: tau})
    assert float(expr) == pytest.approx(float(soft_value(q, tau)), rel=1e-14)
    grad = [float(sp.diff(F3, v).subs({Q1: q[0], Q2: q[1], Q3: q[2], TAU: tau})) for v in (Q1, Q2, Q3)]
    np.testing.assert_allclose(grad, soft_indmax(q, tau), rtol=1e-13)
    dtau = float(sp.diff(F3, TAU).subs({Q1: q[0], Q2: q[1], Q3: q[2], TAU: tau}))
    assert dtau == pytest.approx(float(entropy(soft_indmax(q, tau))), rel=1e-13)
