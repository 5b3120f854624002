"""mdps.strategies: each strategy yields what its docstring promises, the promised edge cases
actually occur (shown with ``hypothesis.find``), and bad arguments are refused when the
strategy is built, before anything is drawn."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as nps

from mdps.conventions import Conventions
from mdps.finite import STOCHASTIC_ATOL, FiniteMDP
from mdps.strategies import finite_mdps, policies, q_vectors, simplex_vectors, temperatures

#: The promise of simplex_vectors: each row sums to 1 within this.
SIMPLEX_ATOL = 1e-12


def on_simplex(p: np.ndarray) -> bool:
    """Every last-axis row of ``p`` is a distribution within SIMPLEX_ATOL."""
    return bool((p >= 0).all() and np.all(np.abs(p.sum(axis=-1) - 1.0) <= SIMPLEX_ATOL))


# --- what is generated -----------------------------------------------------------------------
@settings(max_examples=100)
@given(st.data(), nps.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
def test_simplex_vectors_are_distributions(data, batch_shape):
    p = data.draw(simplex_vectors(min_k=1, max_k=6, batch_shape=batch_shape))
    assert p.dtype == np.float64
    assert p.shape[:-1] == batch_shape and 1 <= p.shape[-1] <= 6
    assert on_simplex(p)


@settings(max_examples=30)
@given(simplex_vectors(5, batch_shape=2))
def test_simplex_vectors_fixed_k_and_int_batch_shape(p):
    assert p.shape == (2, 5) and on_simplex(p)


@pytest.mark.parametrize("max_magnitude", [1e-3, 1.0, 1e6])
@settings(max_examples=60)
@given(data=st.data())
def test_q_vectors_finite_and_bounded(max_magnitude, data):
    q = data.draw(q_vectors(min_k=1, max_k=6, max_magnitude=max_magnitude, batch_shape=(2,)))
    assert q.dtype == np.float64
    assert q.shape[0] == 2 and 1 <= q.shape[1] <= 6
    assert np.isfinite(q).all()
    assert np.abs(q).max() <= max_magnitude


@settings(max_examples=60)
@given(st.data(), st.integers(1, 5), st.integers(1, 4))
def test_policies_rows_on_simplex(data, n_states, n_actions):
    pi = data.draw(policies(n_states, n_actions))
    assert pi.shape == (n_states, n_actions)
    assert on_simplex(pi)


@pytest.mark.parametrize(
    "allow_zero, min_value, max_value",
    [(True, 1e-12, 1e12), (False, 1e-12, 1e12), (True, 1e-3, 1e3), (False, 2.0, 2.0)],
)
@settings(max_examples=60)
@given(data=st.data())
def test_temperatures_in_range(allow_zero, min_value, max_value, data):
    tau = data.draw(temperatures(allow_zero=allow_zero, min_value=min_value, max_value=max_value))
    assert isinstance(tau, float) and math.isfinite(tau)
    if tau == 0.0:
        assert allow_zero
    else:
        assert min_value <= tau <= max_value


def assert_valid_generated_mdp(mdp, *, states=(1, 6), actions=(1, 4), max_reward=1.0):
    assert isinstance(mdp, FiniteMDP)
    S, A = mdp.n_states, mdp.n_actions
    assert states[0] <= S <= states[1] and actions[0] <= A <= actions[1]
    assert mdp.horizon is None and 0.0 <= mdp.gamma <= 0.99
    assert np.abs(mdp.R).max() <= max_reward
    assert mdp.name == f"hyp(S={S},A={A},{'sparse' if mdp.is_sparse else 'dense'})"
    P = mdp.dense_P()
    assert (P >= 0).all() and np.all(np.abs(P.sum(axis=2) - 1.0) <= STOCHASTIC_ATOL)
    for s in np.flatnonzero(mdp.terminal):
        assert (P[s, :, s] == 1.0).all() and (mdp.R[s] == 0.0).all()


@settings(max_examples=100)
@given(finite_mdps())
def test_finite_mdps_defaults(mdp):
    assert_valid_generated_mdp(mdp)


@settings(max_examples=40)
@given(finite_mdps(min_states=2, max_states=3, min_actions=2, max_actions=2, gamma=0.5, max_reward=1e6))
def test_finite_mdps_bounds_and_fixed_gamma(mdp):
    assert mdp.gamma == 0.5
    assert_valid_generated_mdp(mdp, states=(2, 3), actions=(2, 2), max_reward=1e6)


@pytest.mark.parametrize("sparse", [True, False])
@settings(max_examples=30)
@given(data=st.data())
def test_finite_mdps_storage_as_asked(sparse, data):
    mdp = data.draw(finite_mdps(sparse=sparse))
    assert mdp.is_sparse is sparse
    if sparse:
        assert isinstance(mdp.P, sp.csr_array)
        assert mdp.P.shape == (mdp.n_states * mdp.n_actions, mdp.n_states)
        assert (mdp.P.data != 0).all()  # only the non-zeros are stored
    else:
        assert mdp.P.shape == (mdp.n_states, mdp.n_actions, mdp.n_states)


@pytest.mark.parametrize("terminal", [True, False])
@settings(max_examples=30)
@given(data=st.data())
def test_finite_mdps_terminal_as_asked(terminal, data):
    mdp = data.draw(finite_mdps(terminal=terminal))
    assert bool(mdp.terminal.any()) == terminal
    assert_valid_generated_mdp(mdp)


# --- the promised edge cases occur -----------------------------------------------------------
def is_uniform(p):
    return p.size >= 2 and (p == p[0]).all()


def has_tied_max(q):
    return (q == q.max()).sum() >= 2 and not (q == q[0]).all()


def has_row(mdp, predicate):
    return any(predicate(row) for row in mdp.dense_P().reshape(-1, mdp.n_states))


def has_absorbing_nonterminal(mdp):
    P = mdp.dense_P()
    stays = np.all(P[np.arange(mdp.n_states), :, np.arange(mdp.n_states)] == 1.0, axis=1)
    return bool((stays & ~mdp.terminal).any())


EDGE_CASES = [
    # (strategy, condition, id)
    (simplex_vectors(), lambda p: p.size >= 2 and p.max() == 1.0, "simplex one-hot"),
    (simplex_vectors(), is_uniform, "simplex uniform"),
    (simplex_vectors(), lambda p: (p == 0).any() and (p > 0).sum() >= 2, "simplex exact zeros"),
    (simplex_vectors(), lambda p: 1 - 1e-11 <= p.max() < 1.0, "simplex nearly deterministic"),
    (q_vectors(), has_tied_max, "q exact tie at the max"),
    (q_vectors(), is_uniform, "q all equal"),
    (q_vectors(), lambda q: np.abs(q).max() >= 1e5, "q magnitude >= 1e5"),
    (
        q_vectors(),
        lambda q: np.abs(q).max() >= 1e5 and ((q != 0) & (np.abs(q) <= 1e-6)).any(),
        "q huge and tiny together",
    ),
    (temperatures(), lambda t: t == 0.0, "temperature exactly 0"),
    (temperatures(), lambda t: 0.0 < t <= 1e-9, "temperature <= 1e-9"),
    (temperatures(), lambda t: 0.01 <= t <= 10 and t != 1.0, "temperature ordinary"),
    (temperatures(), lambda t: t >= 1e9, "temperature >= 1e9"),
    (policies(4, 3), lambda pi: (pi.max(axis=1) == 1.0).any(), "policy deterministic row"),
    (
        policies(4, 3),
        lambda pi: ((pi.max(axis=1) < 1) & (pi.max(axis=1) >= 1 - 1e-11)).any(),
        "policy nearly deterministic row",
    ),
    (finite_mdps(), lambda m: m.is_sparse, "mdp sparse"),
    (finite_mdps(), lambda m: not m.is_sparse, "mdp dense"),
    (finite_mdps(), lambda m: m.terminal.any(), "mdp terminal state"),
    (finite_mdps(), has_absorbing_nonterminal, "mdp absorbing non-terminal state"),
    (finite_mdps(min_states=2), lambda m: has_row(m, lambda r: r.max() == 1.0), "mdp deterministic row"),
    (finite_mdps(min_states=3), lambda m: has_row(m, lambda r: 1 < (r > 0).sum() < r.size), "mdp sparse row"),
    (finite_mdps(), lambda m: np.abs(m.R).max() > 0.5, "mdp reward near max_reward"),
]


@pytest.mark.parametrize("strategy, condition", [pytest.param(s, c, id=i) for s, c, i in EDGE_CASES])
def test_edge_case_occurs(strategy, condition):
    # Generation only: the first hit is proof enough, and shrinking it would cost time.
    find(strategy, condition, settings=settings(max_examples=1000, phases=[Phase.generate]))


# --- bad arguments are refused when the strategy is built ------------------------------------
BAD_ARGUMENTS = [
    # (id, strategy factory, a fragment the message must contain)
    ("simplex k=0", lambda: simplex_vectors(0), "k must be an integer >= 1, got 0"),
    ("simplex k float", lambda: simplex_vectors(2.5), "k must be an integer, got 2.5"),
    ("simplex k bool", lambda: simplex_vectors(True), "k must be an integer, got True"),
    ("simplex min_k=0", lambda: simplex_vectors(min_k=0), "min_k must be an integer >= 1, got 0"),
    ("simplex min_k > max_k", lambda: simplex_vectors(min_k=5, max_k=2), "min_k=5 > max_k=2"),
    (
        "simplex negative batch",
        lambda: simplex_vectors(batch_shape=(2, -1)),
        "batch_shape[1] must be an integer >= 0, got -1",
    ),
    ("simplex list batch", lambda: simplex_vectors(batch_shape=[2]), "batch_shape=[2]"),
    ("q min_k > max_k", lambda: q_vectors(min_k=3, max_k=1), "min_k=3 > max_k=1"),
    (
        "q max_magnitude=0",
        lambda: q_vectors(max_magnitude=0),
        "max_magnitude must be a finite real number in (0, 1.79769e+308], got 0",
    ),
    (
        "q max_magnitude<0",
        lambda: q_vectors(max_magnitude=-1.0),
        "max_magnitude must be a finite real number in (0, 1.79769e+308], got -1.0",
    ),
    (
        "q max_magnitude=inf",
        lambda: q_vectors(max_magnitude=math.inf),
        "max_magnitude must be a finite real number in (0, 1.79769e+308], got inf",
    ),
    (
        "q max_magnitude=nan",
        lambda: q_vectors(max_magnitude=math.nan),
        "max_magnitude must be a finite real number in (0, 1.79769e+308], got nan",
    ),
    (
        "q max_magnitude str",
        lambda: q_vectors(max_magnitude="1"),
        "max_magnitude must be a real number, got '1'",
    ),
    ("policies S=0", lambda: policies(0, 2), "n_states must be an integer >= 1, got 0"),
    ("policies A=-1", lambda: policies(2, -1), "n_actions must be an integer >= 1, got -1"),
    ("policies S float", lambda: policies(2.0, 2), "n_states must be an integer, got 2.0"),
    (
        "temperatures min=0",
        lambda: temperatures(min_value=0.0),
        "min_value must be a finite real number in (0, 1.79769e+308], got 0.0",
    ),
    (
        "temperatures min<0",
        lambda: temperatures(min_value=-1.0),
        "min_value must be a finite real number in (0, 1.79769e+308], got -1.0",
    ),
    (
        "temperatures max=inf",
        lambda: temperatures(max_value=math.inf),
        "max_value must be a finite real number in (0, 1.79769e+308], got inf",
    ),
    (
        "temperatures min > max",
        lambda: temperatures(min_value=10.0, max_value=1.0),
        "min_value=10.0 > max_value=1.0",
    ),
    (
        "temperatures allow_zero str",
        lambda: temperatures(allow_zero="yes"),
        "allow_zero must be True or False, got 'yes'",
    ),
    ("mdps min_states=0", lambda: finite_mdps(min_states=0), "min_states must be an integer >= 1, got 0"),
    (
        "mdps min_states > max_states",
        lambda: finite_mdps(min_states=4, max_states=3),
        "min_states=4 > max_states=3",
    ),
    (
        "mdps max_actions=-1",
        lambda: finite_mdps(max_actions=-1),
        "max_actions must be an integer >= 1, got -1",
    ),
    ("mdps gamma=1", lambda: finite_mdps(gamma=1.0), "gamma must be a finite real number in [0, 1), got 1.0"),
    (
        "mdps gamma<0",
        lambda: finite_mdps(gamma=-0.1),
        "gamma must be a finite real number in [0, 1), got -0.1",
    ),
    (
        "mdps gamma=nan",
        lambda: finite_mdps(gamma=math.nan),
        "gamma must be a finite real number in [0, 1), got nan",
    ),
    ("mdps sparse str", lambda: finite_mdps(sparse="yes"), "sparse must be True or False, got 'yes'"),
    ("mdps terminal int", lambda: finite_mdps(terminal=1), "terminal must be True or False, got 1"),
    (
        "mdps max_reward=0",
        lambda: finite_mdps(max_reward=0.0),
        "max_reward must be a finite real number in (0, 1e+06], got 0.0",
    ),
    (
        "mdps max_reward > 1e6",
        lambda: finite_mdps(max_reward=1e7),
        "max_reward must be a finite real number in (0, 1e+06], got 10000000.0",
    ),
]


@pytest.mark.parametrize("factory, fragment", [pytest.param(f, m, id=i) for i, f, m in BAD_ARGUMENTS])
def test_bad_arguments_raise_when_built(factory, fragment):
    with pytest.raises(InvalidArgument) as err:
        factory()  # nothing is drawn: validation is eager
    assert fragment in str(err.value)


# --- finite_mdps(conventions=...): what code with those conventions can read ------------------
@settings(max_examples=60)
@given(finite_mdps(conventions=Conventions()))
def test_conventions_give_dense_mdps_without_terminal_states(mdp):
    assert isinstance(mdp.P, np.ndarray) and not mdp.terminal.any() and mdp.horizon is None
    assert Conventions().accepts(mdp)


@settings(max_examples=60)
@given(finite_mdps(conventions=Conventions(terminal_states=True, discounts="positive")))
def test_conventions_admit_terminal_states_and_positive_discounts(mdp):
    assert isinstance(mdp.P, np.ndarray) and mdp.gamma > 0


def test_conventions_can_draw_terminal_states():
    found = find(finite_mdps(conventions=Conventions(terminal_states=True)), lambda m: m.terminal.any())
    assert found.terminal.any()


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"conventions": "dense"}, id="not Conventions"),
        pytest.param({"conventions": Conventions(), "sparse": True}, id="with sparse"),
        pytest.param({"conventions": Conventions(), "terminal": False}, id="with terminal"),
    ],
)
def test_conventions_argument_is_validated(kwargs):
    with pytest.raises(InvalidArgument):
        finite_mdps(**kwargs)
