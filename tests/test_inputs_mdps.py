"""Bad input to every public function of mdps.generators, mdps.interop and mdps.strategies: one
table per module, each row the call, the exception type and a regex that names the argument.

TypeError for an argument of the wrong kind (a string, None, a complex number, a bool or float
where an integer is wanted), ValueError for a bad value (out of range, NaN, inf, a bad shape);
the strategies raise hypothesis's InvalidArgument with the same messages (mdps.validation).
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis.errors import InvalidArgument

from mdps import FiniteMDP
from mdps.generators import chain, cliff_walk, d_chain, garnet, gridworld, random_dag
from mdps.interop import from_gymnasium, from_mdptoolbox, to_mdptoolbox
from mdps.strategies import finite_mdps, policies, q_vectors, simplex_vectors, temperatures
from mdps.validation import SEED_MAX

# --- generators ---------------------------------------------------------------------------------
BAD_GENERATORS = [
    # garnet
    pytest.param(
        lambda: garnet(0, 2, 1), ValueError, r"n_states must be an integer >= 1, got 0", id="garnet-S-0"
    ),
    pytest.param(lambda: garnet(-3, 2, 1), ValueError, r"n_states .*got -3", id="garnet-S-negative"),
    pytest.param(
        lambda: garnet(3.0, 2, 1), TypeError, r"n_states must be an integer, got 3\.0", id="garnet-S-float"
    ),
    pytest.param(
        lambda: garnet(True, 2, 1), TypeError, r"n_states must be an integer, got True", id="garnet-S-bool"
    ),
    pytest.param(
        lambda: garnet("3", 2, 1), TypeError, r"n_states must be an integer, got '3'", id="garnet-S-str"
    ),
    pytest.param(lambda: garnet(math.nan, 2, 1), TypeError, r"n_states .*got nan", id="garnet-S-nan"),
    pytest.param(
        lambda: garnet(3, None, 1), TypeError, r"n_actions must be an integer, got None", id="garnet-A-none"
    ),
    pytest.param(
        lambda: garnet(3, 2, 4),
        ValueError,
        r"branching must be an integer in \[1, 3\], got 4",
        id="garnet-b-above-S",
    ),
    pytest.param(lambda: garnet(3, 2, 1 + 0j), TypeError, r"branching .*\(1\+0j\)", id="garnet-b-complex"),
    pytest.param(
        lambda: garnet(3, 2, 1, gamma=1.0), ValueError, r"gamma .*in \[0, 1\), got 1\.0", id="garnet-gamma-1"
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, gamma=-0.1), ValueError, r"gamma .*got -0\.1", id="garnet-gamma-negative"
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, gamma=math.nan), ValueError, r"gamma .*got nan", id="garnet-gamma-nan"
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, gamma=math.inf), ValueError, r"gamma .*got inf", id="garnet-gamma-inf"
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, gamma="0.9"),
        TypeError,
        r"gamma must be a real number, got '0\.9'",
        id="garnet-gamma-str",
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, gamma=0.9j),
        TypeError,
        r"gamma must be a real number",
        id="garnet-gamma-complex",
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, seed=None),
        TypeError,
        r"seed must be an integer \(None",
        id="garnet-seed-none",
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, seed=-1),
        ValueError,
        r"seed must be an integer in \[0, \d+\], got -1",
        id="garnet-seed-negative",
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, seed=1.5),
        TypeError,
        r"seed must be an integer, got 1\.5",
        id="garnet-seed-float",
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, seed=SEED_MAX + 1),
        ValueError,
        r"seed must be an integer in",
        id="garnet-seed-too-big",
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, sparse="no"),
        TypeError,
        r"sparse must be True or False, got 'no'",
        id="garnet-sparse-str",
    ),
    pytest.param(
        lambda: garnet(3, 2, 1, name=7), TypeError, r"name must be a string, got 7", id="garnet-name-int"
    ),
    pytest.param(
        lambda: garnet(10**30, 2, 1),
        ValueError,
        r"n_states=10+, n_actions=2.*MAX_ENTRIES",
        id="garnet-too-big",
    ),
    pytest.param(
        lambda: garnet(10**5, 2, 1),
        ValueError,
        r"n_states=100000.*sparse=False.*MAX_ENTRIES",
        id="garnet-dense-too-big",
    ),
    # chain
    pytest.param(lambda: chain(0), ValueError, r"n must be an integer >= 1, got 0", id="chain-n-0"),
    pytest.param(lambda: chain(2.5), TypeError, r"n must be an integer, got 2\.5", id="chain-n-float"),
    pytest.param(
        lambda: chain(3, slip=1.5), ValueError, r"slip .*in \[0, 1\], got 1\.5", id="chain-slip-above-1"
    ),
    pytest.param(
        lambda: chain(3, slip=True), TypeError, r"slip must be a real number, got True", id="chain-slip-bool"
    ),
    pytest.param(
        lambda: chain(3, slip="0.1"),
        TypeError,
        r"slip must be a real number, got '0\.1'",
        id="chain-slip-str",
    ),
    pytest.param(
        lambda: chain(3, gamma=None),
        TypeError,
        r"gamma must be a real number, got None",
        id="chain-gamma-none",
    ),
    pytest.param(lambda: chain(10**30), ValueError, r"n=10+: P would have .*MAX_ENTRIES", id="chain-too-big"),
    # gridworld
    pytest.param(
        lambda: gridworld(0, 2), ValueError, r"rows must be an integer >= 1, got 0", id="grid-rows-0"
    ),
    pytest.param(
        lambda: gridworld(2, "2"), TypeError, r"cols must be an integer, got '2'", id="grid-cols-str"
    ),
    pytest.param(
        lambda: gridworld(2, 2, gamma=1.5), ValueError, r"gamma .*got 1\.5", id="grid-gamma-above-1"
    ),
    pytest.param(
        lambda: gridworld(2, 2, slip=-0.1), ValueError, r"slip .*got -0\.1", id="grid-slip-negative"
    ),
    pytest.param(
        lambda: gridworld(2, 2, step_reward=math.inf),
        ValueError,
        r"step_reward must be a finite real number, got inf",
        id="grid-step-inf",
    ),
    pytest.param(
        lambda: gridworld(2, 2, step_reward="-1"),
        TypeError,
        r"step_reward must be a real number, got '-1'",
        id="grid-step-str",
    ),
    pytest.param(
        lambda: gridworld(2, 2, terminals=[(0, 0)]),
        TypeError,
        r"terminals must be a dict",
        id="grid-terminals-list",
    ),
    pytest.param(
        lambda: gridworld(2, 2, terminals={(0, 0): "1"}),
        TypeError,
        r"terminals\[\(0, 0\)\] must be a real number",
        id="grid-terminal-reward-str",
    ),
    pytest.param(
        lambda: gridworld(2, 2, terminals={(0, 0): math.nan}),
        ValueError,
        r"terminals\[\(0, 0\)\] must be a finite",
        id="grid-terminal-reward-nan",
    ),
    pytest.param(
        lambda: gridworld(2, 2, terminals={(2, 0): 1.0}),
        ValueError,
        r"terminals: the row of cell \(2, 0\) .*\[0, 1\]",
        id="grid-terminal-outside",
    ),
    pytest.param(
        lambda: gridworld(2, 2, terminals={0: 1.0}),
        TypeError,
        r"terminals: cell 0 must be a \(row, col\) tuple",
        id="grid-terminal-not-a-cell",
    ),
    pytest.param(
        lambda: gridworld(2, 2, walls=None), TypeError, r"walls must be an iterable", id="grid-walls-none"
    ),
    pytest.param(
        lambda: gridworld(2, 2, walls="ab"), TypeError, r"walls must be an iterable", id="grid-walls-str"
    ),
    pytest.param(
        lambda: gridworld(2, 2, walls=[[0, 0]]),
        TypeError,
        r"walls: cell \[0, 0\] must be a \(row, col\) tuple",
        id="grid-wall-list",
    ),
    pytest.param(
        lambda: gridworld(2, 2, walls=[(0.0, 0)]),
        TypeError,
        r"walls: the row of cell \(0\.0, 0\) must be an integer",
        id="grid-wall-float",
    ),
    pytest.param(
        lambda: gridworld(2, 2, walls=[(0, -1)]),
        ValueError,
        r"walls: the column of cell \(0, -1\) .*got -1",
        id="grid-wall-outside",
    ),
    pytest.param(
        lambda: gridworld(2, 2, walls=[(1, 1)]),
        ValueError,
        r"walls: cell \(1, 1\) is also in terminals",
        id="grid-wall-is-terminal",
    ),
    pytest.param(
        lambda: gridworld(2, 2, name=b"g"), TypeError, r"name must be a string", id="grid-name-bytes"
    ),
    pytest.param(
        lambda: gridworld(10**3, 10**3), ValueError, r"rows=1000, cols=1000: .*MAX_ENTRIES", id="grid-too-big"
    ),
    # cliff_walk
    pytest.param(
        lambda: cliff_walk(0), ValueError, r"rows must be an integer >= 1, got 0", id="cliff-rows-0"
    ),
    pytest.param(
        lambda: cliff_walk(4, 2), ValueError, r"cols must be an integer >= 3, got 2", id="cliff-cols-2"
    ),
    pytest.param(
        lambda: cliff_walk(4, np.float64(12)), TypeError, r"cols must be an integer", id="cliff-cols-float"
    ),
    pytest.param(lambda: cliff_walk(gamma=1.0), ValueError, r"gamma .*got 1\.0", id="cliff-gamma-1"),
    pytest.param(lambda: cliff_walk(slip=math.nan), ValueError, r"slip .*got nan", id="cliff-slip-nan"),
    pytest.param(
        lambda: cliff_walk(4, 10**30), ValueError, r"rows=4, cols=10+: .*MAX_ENTRIES", id="cliff-too-big"
    ),
    # d_chain
    pytest.param(lambda: d_chain(0, 1.0), ValueError, r"n must be an integer >= 1, got 0", id="dchain-n-0"),
    pytest.param(
        lambda: d_chain(False, 1.0), TypeError, r"n must be an integer, got False", id="dchain-n-bool"
    ),
    pytest.param(
        lambda: d_chain(3, None),
        TypeError,
        r"final_reward must be a real number, got None",
        id="dchain-final-none",
    ),
    pytest.param(
        lambda: d_chain(3, -math.inf),
        ValueError,
        r"final_reward must be a finite real number, got -inf",
        id="dchain-final-inf",
    ),
    pytest.param(
        lambda: d_chain(3, 1 + 1j),
        TypeError,
        r"final_reward must be a real number",
        id="dchain-final-complex",
    ),
    pytest.param(
        lambda: d_chain(3, 1.0, name=["x"]), TypeError, r"name must be a string", id="dchain-name-list"
    ),
    # random_dag
    pytest.param(
        lambda: random_dag(0, 2), ValueError, r"n_states must be an integer >= 1, got 0", id="dag-S-0"
    ),
    pytest.param(
        lambda: random_dag(3, -1),
        ValueError,
        r"n_actions must be an integer >= 1, got -1",
        id="dag-A-negative",
    ),
    pytest.param(lambda: random_dag(3, 2, gamma=1.0), ValueError, r"gamma .*got 1\.0", id="dag-gamma-1"),
    pytest.param(
        lambda: random_dag(3, 2, seed=None), TypeError, r"seed must be an integer \(None", id="dag-seed-none"
    ),
    pytest.param(lambda: random_dag(3, 2, seed=-1), ValueError, r"seed .*got -1", id="dag-seed-negative"),
    pytest.param(
        lambda: random_dag(3, 2, seed=1.5),
        TypeError,
        r"seed must be an integer, got 1\.5",
        id="dag-seed-float",
    ),
    pytest.param(
        lambda: random_dag(10**5, 2),
        ValueError,
        r"n_states=100000, n_actions=2: .*MAX_ENTRIES",
        id="dag-too-big",
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_GENERATORS)
def test_generators_reject_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- interop ------------------------------------------------------------------------------------
P2 = np.array([[[0.5, 0.5], [0.0, 1.0]], [[1.0, 0.0], [0.25, 0.75]]])  # pymdptoolbox (A, S, S)
R2 = np.zeros((2, 2))
OK = (1.0, 1, 0.0, False)  # a valid (prob, next_state, reward, terminated) outcome


def _env(first_outcome=OK, *, P=None):
    """A toy-text-like environment: 2 states, 1 action, first outcome of (0, 0) as given."""
    return SimpleNamespace(
        observation_space=SimpleNamespace(n=2, shape=()),
        action_space=SimpleNamespace(n=1, shape=()),
        P={0: {0: [first_outcome]}, 1: {0: [OK]}} if P is None else P,
    )


def _outcome(k):
    return r"env\.unwrapped\.P\[0\]\[0\]\[0\] " + k


BAD_INTEROP = [
    # from_gymnasium: arguments (checked before gymnasium.make is called)
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", 1.0),
        ValueError,
        r"gamma .*in \[0, 1\), got 1\.0",
        id="gym-gamma-1",
    ),
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", math.nan), ValueError, r"gamma .*got nan", id="gym-gamma-nan"
    ),
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", None),
        TypeError,
        r"gamma must be a real number, got None",
        id="gym-gamma-none",
    ),
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", "0.9"),
        TypeError,
        r"gamma must be a real number",
        id="gym-gamma-str",
    ),
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", 0.9, terminal="absorbing"),
        ValueError,
        r"terminal must be one of 'sink', 'states', got 'absorbing'",
        id="gym-terminal-unknown",
    ),
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", 0.9, terminal=None),
        TypeError,
        r"terminal must be a string, got None",
        id="gym-terminal-none",
    ),
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", 0.9, terminal=np.array([0, 1])),
        TypeError,
        r"terminal must be a string",
        id="gym-terminal-array",
    ),
    pytest.param(
        lambda: from_gymnasium("FrozenLake-v1", 0.9, sparse="yes"),
        TypeError,
        r"sparse must be True or False, got 'yes'",
        id="gym-sparse-str",
    ),
    pytest.param(
        lambda: from_gymnasium(None, 0.9),
        TypeError,
        r"env_or_id must be a Gymnasium environment or an id string, got None",
        id="gym-env-none",
    ),
    pytest.param(lambda: from_gymnasium(3, 0.9), TypeError, r"env_or_id must be .*got 3", id="gym-env-int"),
    pytest.param(
        lambda: from_gymnasium(_env(), 0.9, is_slippery=True),
        ValueError,
        r"make kwargs \['is_slippery'\] given with an environment object",
        id="gym-kwargs-with-object",
    ),
    pytest.param(
        lambda: from_gymnasium(SimpleNamespace(), 0.9), ValueError, r"no transition table", id="gym-no-table"
    ),
    # from_gymnasium: the transition table, each bad entry named by its place
    pytest.param(
        lambda: from_gymnasium(_env((math.nan, 1, 0.0, False)), 0.9),
        ValueError,
        _outcome(r"probability must be a finite real number in \[0, 1\], got nan"),
        id="gym-prob-nan",
    ),
    pytest.param(
        lambda: from_gymnasium(_env((-0.5, 1, 0.0, False)), 0.9),
        ValueError,
        _outcome(r"probability .*got -0\.5"),
        id="gym-prob-negative",
    ),
    pytest.param(
        lambda: from_gymnasium(_env(("1", 1, 0.0, False)), 0.9),
        TypeError,
        _outcome(r"probability must be a real number, got '1'"),
        id="gym-prob-str",
    ),
    pytest.param(
        lambda: from_gymnasium(_env((1.0, 1.7, 0.0, False)), 0.9),
        TypeError,
        _outcome(r"next state must be an integer, got 1\.7"),
        id="gym-next-float",
    ),
    pytest.param(
        lambda: from_gymnasium(_env((1.0, 2, 0.0, False)), 0.9),
        ValueError,
        _outcome(r"next state must be an integer in \[0, 1\], got 2"),
        id="gym-next-outside",
    ),
    pytest.param(
        lambda: from_gymnasium(_env((1.0, 1, math.inf, False)), 0.9),
        ValueError,
        _outcome(r"reward must be a finite real number, got inf"),
        id="gym-reward-inf",
    ),
    pytest.param(
        lambda: from_gymnasium(_env((1.0, 1, None, False)), 0.9),
        TypeError,
        _outcome(r"reward must be a real number, got None"),
        id="gym-reward-none",
    ),
    pytest.param(
        lambda: from_gymnasium(_env((1.0, 1, 0.0, "no")), 0.9),
        TypeError,
        _outcome(r"terminated must be True or False, got 'no'"),
        id="gym-terminated-str",
    ),
    pytest.param(
        lambda: from_gymnasium(_env(1.0), 0.9),
        ValueError,
        _outcome(r"must be \(prob, next_state, reward, terminated\), got 1\.0"),
        id="gym-outcome-not-a-tuple",
    ),
    pytest.param(
        lambda: from_gymnasium(_env(P={0: {0: None}, 1: {0: [OK]}}), 0.9),
        ValueError,
        r"env\.unwrapped\.P\[0\]\[0\] must be a list of outcomes, got None",
        id="gym-outcomes-none",
    ),
    pytest.param(
        lambda: from_gymnasium(_env(P={0: {0: []}, 1: {0: [OK]}}), 0.9),
        ValueError,
        r"env\.unwrapped\.P\[0\]\[0\] lists no outcome",
        id="gym-outcomes-empty",
    ),
    pytest.param(
        lambda: from_gymnasium(_env(P={0: {0: [OK]}}), 0.9),
        ValueError,
        r"env\.unwrapped\.P has no entry for state 1",
        id="gym-state-missing",
    ),
    # from_mdptoolbox
    pytest.param(
        lambda: from_mdptoolbox(P2, R2, 1.0), ValueError, r"gamma .*in \[0, 1\), got 1\.0", id="tb-gamma-1"
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, R2, -0.5), ValueError, r"gamma .*got -0\.5", id="tb-gamma-negative"
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, R2, True),
        TypeError,
        r"gamma must be a real number, got True",
        id="tb-gamma-bool",
    ),
    pytest.param(
        lambda: from_mdptoolbox(None, R2, 0.9),
        TypeError,
        r"P must be an \(A, S, S\) array .*got NoneType",
        id="tb-P-none",
    ),
    pytest.param(
        lambda: from_mdptoolbox("P", R2, 0.9),
        TypeError,
        r"P must be an \(A, S, S\) array .*got str",
        id="tb-P-str",
    ),
    pytest.param(
        lambda: from_mdptoolbox(sp.csr_matrix(np.eye(2)), R2, 0.9),
        TypeError,
        r"P must be .*got csr_matrix",
        id="tb-P-lone-sparse",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2 + 0j, R2, 0.9),
        TypeError,
        r"P must hold real numbers, got dtype complex128",
        id="tb-P-complex",
    ),
    pytest.param(
        lambda: from_mdptoolbox(np.where(P2 == 0.5, np.nan, P2), R2, 0.9),
        ValueError,
        r"P must be finite; P\[0, 0, 0\] = nan",
        id="tb-P-nan",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2[0], R2, 0.9),
        ValueError,
        r"P must have shape \(A, S, S\), got \(2, 2\)",
        id="tb-P-2d",
    ),
    pytest.param(
        lambda: from_mdptoolbox(np.ones((2, 2, 3)) / 3, R2, 0.9),
        ValueError,
        r"P must have shape \(A, S, S\), got \(2, 2, 3\)",
        id="tb-P-not-square",
    ),
    pytest.param(
        lambda: from_mdptoolbox(np.zeros((0, 2, 2)), R2, 0.9),
        ValueError,
        r"P must not be empty",
        id="tb-P-empty",
    ),
    pytest.param(
        lambda: from_mdptoolbox([], R2, 0.9),
        ValueError,
        r"P must be .*non-empty sequence",
        id="tb-P-empty-list",
    ),
    pytest.param(
        lambda: from_mdptoolbox([np.eye(2), np.eye(3)], R2, 0.9),
        ValueError,
        r"P must hold A square \(S, S\) matrices of one shape",
        id="tb-P-shapes-differ",
    ),
    pytest.param(
        lambda: from_mdptoolbox([np.eye(2) + 0j, np.eye(2)], R2, 0.9),
        TypeError,
        r"P\[0\] must hold real numbers",
        id="tb-P-list-complex",
    ),
    pytest.param(
        lambda: from_mdptoolbox([sp.csr_matrix(np.eye(2) + 0j), np.eye(2)], R2, 0.9),
        TypeError,
        r"P\[0\] must hold real numbers",
        id="tb-P-sparse-complex",
    ),
    pytest.param(
        lambda: from_mdptoolbox([np.eye(2), sp.csr_matrix([[np.inf, 1.0], [0.0, 1.0]])], R2, 0.9),
        ValueError,
        r"P\[1\] must be finite; P\[1\]\[0, 0\] = inf",
        id="tb-P-sparse-inf",
    ),
    pytest.param(
        lambda: from_mdptoolbox([["ab", "cd"]], R2, 0.9),
        TypeError,
        r"P\[0\] must hold real numbers",
        id="tb-P-list-of-str",
    ),
    pytest.param(
        lambda: from_mdptoolbox(np.full((2, 2, 2), 0.4), R2, 0.9),
        ValueError,
        r"transition rows must sum to 1",
        id="tb-P-rows",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, None, 0.9), TypeError, r"R must hold real numbers", id="tb-R-none"
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, "R", 0.9), TypeError, r"R must hold real numbers", id="tb-R-str"
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, R2 + 1j, 0.9),
        TypeError,
        r"R must hold real numbers, got dtype complex128",
        id="tb-R-complex",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, np.full((2, 2), np.nan), 0.9),
        ValueError,
        r"R must be finite; R\[0, 0\] = nan",
        id="tb-R-nan",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, 1.0, 0.9), ValueError, r"R must have at least 1 axis", id="tb-R-scalar"
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, np.zeros(3), 0.9),
        ValueError,
        r"R must have shape \(S, A\) = \(2, 2\), \(S,\) = \(2,\) or \(A, S, S\), got \(3,\)",
        id="tb-R-shape",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, np.where(P2 == 0, np.inf, 1.0), 0.9),
        ValueError,
        r"R must be finite; R\[0, 1, 0\] = inf",
        id="tb-R-transition-inf",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, [np.eye(3), np.eye(3)], 0.9),
        ValueError,
        r"R\[0\] must have shape \(S, S\) = \(2, 2\), got \(3, 3\)",
        id="tb-R-list-shape",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, [np.eye(2) + 0j, np.eye(2)], 0.9),
        TypeError,
        r"R\[0\] must hold real numbers",
        id="tb-R-list-complex",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, R2, 0.9, terminal=[1, 0]),
        ValueError,
        r"terminal must be a bool array",
        id="tb-terminal-int",
    ),
    pytest.param(
        lambda: from_mdptoolbox(P2, R2, 0.9, name=None),
        TypeError,
        r"name must be a string, got None",
        id="tb-name-none",
    ),
    # to_mdptoolbox
    pytest.param(
        lambda: to_mdptoolbox(None), TypeError, r"mdp must be a FiniteMDP, got NoneType", id="to-none"
    ),
    pytest.param(
        lambda: to_mdptoolbox((P2, R2)), TypeError, r"mdp must be a FiniteMDP, got tuple", id="to-tuple"
    ),
    pytest.param(
        lambda: to_mdptoolbox(FiniteMDP(np.ones((1, 1, 1)), np.zeros((1, 1)), 1.0, horizon=3)),
        ValueError,
        r"horizon=3; to_mdptoolbox exports infinite-horizon MDPs",
        id="to-finite-horizon",
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_INTEROP)
def test_interop_rejects_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- strategies ---------------------------------------------------------------------------------
# Arguments are checked when the strategy is built; validate() is what drawing would call first.
BAD_STRATEGIES = [
    # simplex_vectors
    pytest.param(
        lambda: simplex_vectors(0).validate(),
        InvalidArgument,
        r"k must be an integer >= 1, got 0",
        id="simplex-k-0",
    ),
    pytest.param(
        lambda: simplex_vectors(2.0).validate(),
        InvalidArgument,
        r"k must be an integer, got 2\.0",
        id="simplex-k-float",
    ),
    pytest.param(
        lambda: simplex_vectors(True).validate(),
        InvalidArgument,
        r"k must be an integer, got True",
        id="simplex-k-bool",
    ),
    pytest.param(
        lambda: simplex_vectors("3").validate(),
        InvalidArgument,
        r"k must be an integer, got '3'",
        id="simplex-k-str",
    ),
    pytest.param(
        lambda: simplex_vectors(min_k=None).validate(),
        InvalidArgument,
        r"min_k must be an integer, got None",
        id="simplex-min-k-none",
    ),
    pytest.param(
        lambda: simplex_vectors(min_k=5, max_k=2).validate(),
        InvalidArgument,
        r"Cannot have min_k=5 > max_k=2",
        id="simplex-min-above-max",
    ),
    pytest.param(
        lambda: simplex_vectors(batch_shape=(2, -1)).validate(),
        InvalidArgument,
        r"batch_shape\[1\] must be an integer >= 0, got -1",
        id="simplex-batch-negative",
    ),
    pytest.param(
        lambda: simplex_vectors(batch_shape=(2.0,)).validate(),
        InvalidArgument,
        r"batch_shape\[0\] must be an integer, got 2\.0",
        id="simplex-batch-float",
    ),
    pytest.param(
        lambda: simplex_vectors(batch_shape=None).validate(),
        InvalidArgument,
        r"batch_shape=None must be an int or a tuple of ints",
        id="simplex-batch-none",
    ),
    # q_vectors
    pytest.param(
        lambda: q_vectors(0).validate(), InvalidArgument, r"k must be an integer >= 1, got 0", id="q-k-0"
    ),
    pytest.param(
        lambda: q_vectors(max_k=1 + 0j).validate(),
        InvalidArgument,
        r"max_k must be an integer, got \(1\+0j\)",
        id="q-max-k-complex",
    ),
    pytest.param(
        lambda: q_vectors(max_magnitude=0.0).validate(),
        InvalidArgument,
        r"max_magnitude .*\(0, .*got 0\.0",
        id="q-magnitude-0",
    ),
    pytest.param(
        lambda: q_vectors(max_magnitude=-1.0).validate(),
        InvalidArgument,
        r"max_magnitude .*got -1\.0",
        id="q-magnitude-negative",
    ),
    pytest.param(
        lambda: q_vectors(max_magnitude=math.nan).validate(),
        InvalidArgument,
        r"max_magnitude .*got nan",
        id="q-magnitude-nan",
    ),
    pytest.param(
        lambda: q_vectors(max_magnitude=math.inf).validate(),
        InvalidArgument,
        r"max_magnitude .*got inf",
        id="q-magnitude-inf",
    ),
    pytest.param(
        lambda: q_vectors(max_magnitude="1").validate(),
        InvalidArgument,
        r"max_magnitude must be a real number, got '1'",
        id="q-magnitude-str",
    ),
    pytest.param(
        lambda: q_vectors(batch_shape=[2]).validate(),
        InvalidArgument,
        r"batch_shape=\[2\] must be an int or a tuple",
        id="q-batch-list",
    ),
    # policies
    pytest.param(
        lambda: policies(0, 2).validate(),
        InvalidArgument,
        r"n_states must be an integer >= 1, got 0",
        id="policies-S-0",
    ),
    pytest.param(
        lambda: policies(2, -1).validate(),
        InvalidArgument,
        r"n_actions must be an integer >= 1, got -1",
        id="policies-A-negative",
    ),
    pytest.param(
        lambda: policies(2.0, 2).validate(),
        InvalidArgument,
        r"n_states must be an integer, got 2\.0",
        id="policies-S-float",
    ),
    pytest.param(
        lambda: policies(2, None).validate(),
        InvalidArgument,
        r"n_actions must be an integer, got None",
        id="policies-A-none",
    ),
    pytest.param(
        lambda: policies(math.nan, 2).validate(),
        InvalidArgument,
        r"n_states must be an integer, got nan",
        id="policies-S-nan",
    ),
    # temperatures
    pytest.param(
        lambda: temperatures(allow_zero="yes").validate(),
        InvalidArgument,
        r"allow_zero must be True or False, got 'yes'",
        id="temp-allow-zero-str",
    ),
    pytest.param(
        lambda: temperatures(allow_zero=1).validate(),
        InvalidArgument,
        r"allow_zero must be True or False, got 1",
        id="temp-allow-zero-int",
    ),
    pytest.param(
        lambda: temperatures(min_value=0.0).validate(),
        InvalidArgument,
        r"min_value .*\(0, .*got 0\.0",
        id="temp-min-0",
    ),
    pytest.param(
        lambda: temperatures(min_value=-1.0).validate(),
        InvalidArgument,
        r"min_value .*got -1\.0",
        id="temp-min-negative",
    ),
    pytest.param(
        lambda: temperatures(max_value=math.inf).validate(),
        InvalidArgument,
        r"max_value .*got inf",
        id="temp-max-inf",
    ),
    pytest.param(
        lambda: temperatures(max_value=None).validate(),
        InvalidArgument,
        r"max_value must be a real number, got None",
        id="temp-max-none",
    ),
    pytest.param(
        lambda: temperatures(min_value=10.0, max_value=1.0).validate(),
        InvalidArgument,
        r"Cannot have min_value=10\.0 > max_value=1\.0",
        id="temp-min-above-max",
    ),
    # finite_mdps
    pytest.param(
        lambda: finite_mdps(min_states=0).validate(),
        InvalidArgument,
        r"min_states must be an integer >= 1, got 0",
        id="mdps-min-states-0",
    ),
    pytest.param(
        lambda: finite_mdps(max_states=2.5).validate(),
        InvalidArgument,
        r"max_states must be an integer, got 2\.5",
        id="mdps-max-states-float",
    ),
    pytest.param(
        lambda: finite_mdps(min_states=4, max_states=3).validate(),
        InvalidArgument,
        r"Cannot have min_states=4 > max_states=3",
        id="mdps-states-order",
    ),
    pytest.param(
        lambda: finite_mdps(max_actions=-1).validate(),
        InvalidArgument,
        r"max_actions must be an integer >= 1, got -1",
        id="mdps-max-actions-negative",
    ),
    pytest.param(
        lambda: finite_mdps(min_actions=True).validate(),
        InvalidArgument,
        r"min_actions must be an integer, got True",
        id="mdps-min-actions-bool",
    ),
    pytest.param(
        lambda: finite_mdps(gamma=1.0).validate(),
        InvalidArgument,
        r"gamma .*in \[0, 1\), got 1\.0",
        id="mdps-gamma-1",
    ),
    pytest.param(
        lambda: finite_mdps(gamma=math.nan).validate(),
        InvalidArgument,
        r"gamma .*got nan",
        id="mdps-gamma-nan",
    ),
    pytest.param(
        lambda: finite_mdps(gamma="0.5").validate(),
        InvalidArgument,
        r"gamma must be a real number, got '0\.5'",
        id="mdps-gamma-str",
    ),
    pytest.param(
        lambda: finite_mdps(sparse="yes").validate(),
        InvalidArgument,
        r"sparse must be True or False, got 'yes'",
        id="mdps-sparse-str",
    ),
    pytest.param(
        lambda: finite_mdps(terminal=1).validate(),
        InvalidArgument,
        r"terminal must be True or False, got 1",
        id="mdps-terminal-int",
    ),
    pytest.param(
        lambda: finite_mdps(max_reward=0.0).validate(),
        InvalidArgument,
        r"max_reward .*\(0, 1e\+06\], got 0\.0",
        id="mdps-max-reward-0",
    ),
    pytest.param(
        lambda: finite_mdps(max_reward=1e7).validate(),
        InvalidArgument,
        r"max_reward .*got 10000000\.0",
        id="mdps-max-reward-too-big",
    ),
    pytest.param(
        lambda: finite_mdps(max_reward=None).validate(),
        InvalidArgument,
        r"max_reward must be a real number, got None",
        id="mdps-max-reward-none",
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_STRATEGIES)
def test_strategies_reject_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()
