"""FiniteMDP: validation (a table of bad inputs), the P_pi / r_pi / expected_next helpers, freezing."""

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from mdps import FiniteMDP
from mdps.strategies import finite_mdps

# A hand-made 2-state, 2-action MDP. Action 0 stays, action 1 switches with prob 0.8.
P2 = np.array(
    [
        [[1.0, 0.0], [0.2, 0.8]],
        [[0.0, 1.0], [0.8, 0.2]],
    ]
)
R2 = np.array([[0.0, 1.0], [2.0, 3.0]])


def dense_and_sparse(P, R, gamma, **kw):
    S, A = R.shape
    return FiniteMDP(P, R, gamma, **kw), FiniteMDP(sp.csr_array(P.reshape(S * A, S)), R, gamma, **kw)


def test_helpers_by_hand():
    pi = np.array([[0.5, 0.5], [1.0, 0.0]])
    for mdp in dense_and_sparse(P2, R2, 0.9):
        # E[v(s')|s,a] with v = (10, 20): stay at 0 -> 10; switch from 0 -> 0.2*10 + 0.8*20 = 18.
        np.testing.assert_allclose(mdp.expected_next([10.0, 20.0]), [[10.0, 18.0], [20.0, 12.0]])
        P_pi = mdp.P_pi(pi)
        P_pi = P_pi.toarray() if sp.issparse(P_pi) else P_pi
        np.testing.assert_allclose(P_pi, [[0.6, 0.4], [0.0, 1.0]])
        np.testing.assert_allclose(mdp.r_pi(pi), [0.5, 2.0])
        assert (mdp.n_states, mdp.n_actions) == (2, 2)


@given(finite_mdps())
def test_helpers_agree_between_dense_and_sparse_layouts(mdp):
    S, A = mdp.n_states, mdp.n_actions
    dense = mdp.P.toarray().reshape(S, A, S) if mdp.is_sparse else mdp.P
    rng = np.random.default_rng(0)
    v = rng.normal(size=S)
    pi = rng.dirichlet(np.ones(A), size=S)
    np.testing.assert_allclose(mdp.expected_next(v), np.einsum("sat,t->sa", dense, v), rtol=1e-12, atol=1e-12)
    P_pi = mdp.P_pi(pi)
    P_pi = P_pi.toarray() if sp.issparse(P_pi) else P_pi
    np.testing.assert_allclose(P_pi, np.einsum("sa,sat->st", pi, dense), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(P_pi.sum(axis=1), 1.0, atol=1e-12)


def test_frozen_and_read_only():
    mdp = FiniteMDP(P2, R2, 0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mdp.gamma = 0.5
    with pytest.raises(ValueError, match="read-only"):
        mdp.R[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        mdp.P[0, 0, 0] = 5.0


def test_construction_copies_its_inputs():
    P, R = P2.copy(), R2.copy()
    mdp = FiniteMDP(P, R, 0.9)
    R[0, 0] = 99.0
    assert mdp.R[0, 0] == 0.0


def test_rows_within_stated_tolerance_are_accepted():
    P = P2.copy()
    P[0, 1] = [0.2 + 5e-11, 0.8]  # off by 5e-11 <= STOCHASTIC_ATOL
    FiniteMDP(P, R2, 0.9)


def _with(P=None, R=None, **kw):
    args = dict(P=P2 if P is None else P, R=R2 if R is None else R, gamma=0.9)
    args.update(kw)
    return lambda: FiniteMDP(**args)


def _edit(arr, index, value):
    out = np.array(arr, dtype=float)
    out[index] = value
    return out


BAD = [
    pytest.param(_with(R=np.zeros(2)), r"R must have shape \(S, A\)", id="R-1d"),
    pytest.param(_with(R=np.zeros((0, 2))), r"R must have shape", id="R-empty"),
    pytest.param(_with(R=_edit(R2, (1, 0), np.nan)), r"R\[s=1, a=0\]", id="R-nan"),
    pytest.param(_with(R=_edit(R2, (0, 1), np.inf)), r"R\[s=0, a=1\]", id="R-inf"),
    pytest.param(_with(P=P2[:, :1, :]), r"dense P must have shape \(S, A, S\)", id="P-wrong-shape"),
    pytest.param(_with(P=_edit(P2, (1, 1, 0), np.nan)), r"P\[s=1, a=1, s'=0\]", id="P-nan"),
    pytest.param(
        _with(P=_edit(_edit(P2, (0, 1, 0), -0.2), (0, 1, 1), 1.2)),
        r"must be >= 0; P\[s=0, a=1, s'=0\] = -0.2",
        id="P-negative",
    ),
    pytest.param(_with(P=_edit(P2, (1, 1, 0), 0.77)), r"row \(s=1, a=1\) sums to 0.97", id="P-row-sum"),
    pytest.param(
        _with(P=sp.csr_array(np.eye(2).repeat(2, axis=0)[:3])),
        r"sparse P must have shape",
        id="sparse-P-shape",
    ),
    pytest.param(
        _with(P=sp.csr_array(_edit(P2.reshape(4, 2), (3, 0), 0.5))),
        r"row \(s=1, a=1\) sums to 0.7",
        id="sparse-P-row-sum",
    ),
    pytest.param(
        _with(P=sp.csr_array(_edit(_edit(P2.reshape(4, 2), (2, 0), -1.0), (2, 1), 2.0))),
        r"P\[\(s=1, a=0\), s'=0\] = -1.0",
        id="sparse-P-negative",
    ),
    pytest.param(_with(gamma=1.0), "gamma", id="gamma-one-without-horizon"),
    pytest.param(_with(gamma=1.5), "gamma", id="gamma-above-one"),
    pytest.param(_with(gamma=-0.1), "gamma", id="gamma-negative"),
    pytest.param(_with(gamma=np.nan), "gamma", id="gamma-nan"),
    pytest.param(_with(gamma="0.9x"), "gamma must be a real number", id="gamma-string"),
    pytest.param(_with(gamma="0.9"), "gamma must be a real number", id="gamma-numeric-string"),
    pytest.param(_with(gamma=None), "gamma must be a real number", id="gamma-none"),
    pytest.param(_with(P=P2 + 0j), "P must hold real numbers", id="P-complex"),
    pytest.param(
        _with(P=sp.csr_array(P2.reshape(4, 2) + 0j)), "P must hold real numbers", id="sparse-P-complex"
    ),
    pytest.param(_with(R=R2.astype(complex)), "R must hold real numbers", id="R-complex"),
    pytest.param(_with(R=np.array([["a", "b"], ["c", "d"]])), "R must hold real numbers", id="R-strings"),
    pytest.param(_with(gamma=1.0, horizon=0), "horizon", id="horizon-zero"),
    pytest.param(_with(gamma=0.9, horizon=2.5), "horizon", id="horizon-float"),
    pytest.param(_with(terminal=np.array([1, 0])), "terminal must be a bool array", id="terminal-int"),
    pytest.param(_with(terminal=np.array([True])), "terminal must be a bool array", id="terminal-shape"),
    pytest.param(
        _with(terminal=np.array([False, True])),
        "terminal state s=1 must be absorbing",
        id="terminal-not-absorbing",
    ),
]


@pytest.mark.parametrize("make, message", BAD)
def test_bad_input_raises_a_clear_error(make, message):
    # TypeError for an argument of the wrong kind (string, complex), ValueError for a bad value.
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_terminal_must_have_zero_reward():
    P = P2.copy()
    P[1] = [[0.0, 1.0], [0.0, 1.0]]  # state 1 absorbing...
    with pytest.raises(ValueError, match="zero reward"):
        FiniteMDP(P, R2, 0.9, terminal=np.array([False, True]))  # ...but R[1] = (2, 3)
    FiniteMDP(P, _edit(R2, 1, 0.0), 0.9, terminal=np.array([False, True]))


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda m: m.expected_next(np.zeros(3)), r"v must have shape \(2,\)", id="v-shape"),
        pytest.param(lambda m: m.P_pi(np.full((2, 2), 0.6)), r"pi must sum to 1", id="pi-sum"),
        pytest.param(
            lambda m: m.r_pi(np.array([[1.5, -0.5], [1.0, 0.0]])), r"pi\[0, 1\] = -0.5", id="pi-negative"
        ),
        pytest.param(lambda m: m.r_pi(np.ones((2, 3)) / 3), r"pi must have shape", id="pi-shape"),
    ],
)
def test_helper_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(FiniteMDP(P2, R2, 0.9))


@given(finite_mdps())
def test_dense_P_is_the_same_matrix_in_either_storage(mdp):
    P = mdp.dense_P()
    assert P.shape == (mdp.n_states, mdp.n_actions, mdp.n_states) and not P.flags.writeable
    other = FiniteMDP(
        P if mdp.is_sparse else sp.csr_array(P.reshape(-1, mdp.n_states)),
        mdp.R,
        mdp.gamma,
        horizon=mdp.horizon,
        terminal=mdp.terminal,
    )
    assert np.array_equal(other.dense_P(), P)
    assert np.array_equal((mdp._P_rows @ np.eye(mdp.n_states)).reshape(P.shape), P)


@given(
    st.lists(st.integers(1, 10**6), min_size=2, max_size=9),
    st.sampled_from([0.0, 3e-11, -9.9e-11]),
    st.booleans(),
)
def test_row_sum_defect_bounds_the_exact_defect(weights, nudge, sparse):
    # Rows of decimal-ish probabilities (inexact in binary), one nudged within the accepted 1e-10;
    # the exact defect from rational arithmetic must be bounded by both of row_sum_defect's bounds.
    p = np.array(weights, float) / sum(weights)
    P = np.stack([p, np.roll(p, 1)])[None].repeat(len(p), axis=0)[:, :, : len(p)]  # [S, 2, S]
    P[0, 1, 0] += nudge
    exact = max(abs(sum(Fraction(x) for x in row) - 1) for row in P.reshape(-1, len(p)))
    S = len(p)
    stored = sp.csr_array(P.reshape(2 * S, S)) if sparse else P
    first = FiniteMDP(stored, np.zeros((S, 2)), 0.5).row_sum_defect  # γ far from 1: first order
    second = FiniteMDP(stored, np.zeros((S, 2)), 1.0, horizon=3).row_sum_defect  # γ = 1: TwoSum
    assert Fraction(first) >= exact and Fraction(second) >= exact
    assert second <= float(exact) * (1 + 1e-15) + 1e-28  # second order: tight
    assert first <= float(exact) + len(p) * 2.0**-52  # first order: within k ulps
