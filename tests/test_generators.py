"""Tests of mdps.generators: properties over sizes and seeds, hand-derived fixtures, bad inputs."""

from itertools import combinations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from checks.suite import SIZES, mdp_suite
from mdps.finite import FiniteMDP
from mdps.generators import chain, cliff_walk, d_chain, garnet, gridworld, random_dag

UP, RIGHT, DOWN, LEFT = range(4)

sizes = st.integers(min_value=1, max_value=6)
slips = st.sampled_from([0.0, 0.2, 0.5, 1.0])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def garnet_args(draw):
    S = draw(st.integers(min_value=1, max_value=12))
    return S, draw(st.integers(1, 4)), draw(st.integers(1, S)), draw(seeds)


def optimal_values(mdp: FiniteMDP) -> np.ndarray:
    """V* by backward induction over ``mdp.horizon`` stages at τ = 0:
    V_h = max_a r + γ P V_{h+1}, V_H = 0."""
    v = np.zeros(mdp.n_states)
    for _ in range(mdp.horizon):
        v = (mdp.R + mdp.gamma * mdp.P @ v).max(axis=1)
    return v


# --- every generator: a valid FiniteMDP of the announced shape, name and gamma ----------------
@given(garnet_args(), st.booleans())
def test_garnet_shape_name_gamma(args, sparse):
    S, A, b, seed = args
    mdp = garnet(S, A, b, gamma=0.5, seed=seed, sparse=sparse)
    assert isinstance(mdp, FiniteMDP) and mdp.is_sparse == sparse
    assert mdp.P.shape == ((S * A, S) if sparse else (S, A, S)) and mdp.R.shape == (S, A)
    assert mdp.gamma == 0.5 and mdp.name == f"garnet(S={S},A={A},b={b},seed={seed})"
    assert not mdp.terminal.any()


@given(sizes, slips)
def test_chain_shape_name_gamma(n, slip):
    mdp = chain(n, gamma=0.8, slip=slip)
    assert mdp.P.shape == (n, 2, n) and mdp.R.shape == (n, 2)
    assert mdp.gamma == 0.8 and mdp.name == f"chain(n={n},slip={slip:g})"
    # Only "right" at the right end pays.
    assert mdp.R.sum() == 1.0 and mdp.R[n - 1, 1] == 1.0


@given(sizes, sizes, slips)
def test_gridworld_shape_name_gamma(rows, cols, slip):
    mdp = gridworld(rows, cols, gamma=0.7, slip=slip)
    S = rows * cols
    assert mdp.P.shape == (S, 4, S) and mdp.R.shape == (S, 4)
    assert mdp.gamma == 0.7 and mdp.name == f"gridworld(rows={rows},cols={cols},slip={slip:g})"
    assert np.flatnonzero(mdp.terminal).tolist() == [S - 1]  # default goal: bottom-right


@given(sizes, st.integers(3, 8), slips)
def test_cliff_walk_shape_name_gamma(rows, cols, slip):
    mdp = cliff_walk(rows, cols, slip=slip)
    S = rows * cols
    assert mdp.P.shape == (S, 4, S) and mdp.gamma == 0.9
    assert mdp.name == f"cliff_walk(rows={rows},cols={cols},slip={slip:g})"
    assert np.flatnonzero(mdp.terminal).tolist() == [S - 1]


@given(st.integers(1, 12), st.floats(-10, 10))
def test_d_chain_shape_gamma_horizon(n, final_reward):
    mdp = d_chain(n, final_reward)
    assert mdp.P.shape == (n + 1, 2, n + 1) and mdp.gamma == 1.0 and mdp.horizon == n
    assert np.flatnonzero(mdp.terminal).tolist() == [n]
    assert mdp.name.startswith(f"d_chain(n={n},")


def test_custom_name_is_kept():
    assert garnet(3, 2, 2, name="mine").name == "mine"
    assert gridworld(2, 2, name="g").name == "g"


# --- garnet ---------------------------------------------------------------------------------
@given(garnet_args(), st.booleans())
def test_garnet_branching_successors_and_unit_rewards(args, sparse):
    S, A, b, seed = args
    mdp = garnet(S, A, b, seed=seed, sparse=sparse)
    if sparse:
        assert (np.diff(mdp.P.indptr) == b).all() and (mdp.P.data > 0).all()
    assert ((mdp.dense_P() > 0).sum(axis=2) == b).all()
    assert ((0.0 <= mdp.R) & (mdp.R <= 1.0)).all()


@given(garnet_args())
def test_garnet_reproducible_and_seed_dependent(args):
    S, A, b, seed = args
    one, two = garnet(S, A, b, seed=seed), garnet(S, A, b, seed=seed)
    assert np.array_equal(one.P, two.P) and np.array_equal(one.R, two.R)
    other = garnet(S, A, b, seed=seed + 1)
    assert not (np.array_equal(one.P, other.P) and np.array_equal(one.R, other.R))


@given(garnet_args())
def test_garnet_dense_and_sparse_agree(args):
    S, A, b, seed = args
    dense = garnet(S, A, b, seed=seed)
    sparse = garnet(S, A, b, seed=seed, sparse=True)
    assert np.array_equal(dense.P, sparse.dense_P()) and np.array_equal(dense.R, sparse.R)


def test_garnet_successor_sets_are_uniform():
    # S = 5, b = 2: each of the C(5, 2) = 10 successor pairs has probability 1/10 per row.
    # 4000 rows, fixed seed; chi-square goodness of fit at significance 1e-3.
    mdp = garnet(5, 800, 2, seed=7)
    pairs = [tuple(np.flatnonzero(row)) for row in mdp.P.reshape(-1, 5)]
    counts = [pairs.count(pair) for pair in combinations(range(5), 2)]
    assert sum(counts) == 4000
    assert stats.chisquare(counts).pvalue > 1e-3


def test_garnet_probabilities_are_dirichlet_one():
    # Each coordinate of Dirichlet(1, 1, 1, 1) is Beta(1, 3); KS test at significance 1e-3,
    # on the probability of the lowest-numbered successor of each of 4000 rows.
    mdp = garnet(20, 200, 4, seed=11)
    rows = mdp.P.reshape(-1, 20)
    first = rows[np.arange(len(rows)), (rows > 0).argmax(axis=1)]
    assert stats.kstest(first, stats.beta(1, 3).cdf).pvalue > 1e-3


def test_garnet_large_sparse_builds():
    S, A, b = 20_000, 4, 10
    mdp = garnet(S, A, b, sparse=True)
    assert isinstance(mdp.P, sp.csr_array) and mdp.P.shape == (S * A, S)
    assert mdp.P.nnz == S * A * b and mdp.max_successors == b


# --- chain ----------------------------------------------------------------------------------
def test_chain_n3_no_slip():
    mdp = chain(3)
    # left: 0->0, 1->0, 2->1; right: 0->1, 1->2, 2->2.
    left = [[1, 0, 0], [1, 0, 0], [0, 1, 0]]
    right = [[0, 1, 0], [0, 0, 1], [0, 0, 1]]
    np.testing.assert_array_equal(mdp.P[:, 0], left)
    np.testing.assert_array_equal(mdp.P[:, 1], right)
    np.testing.assert_array_equal(mdp.R, [[0, 0], [0, 0], [0, 1]])


def test_chain_n3_slip():
    mdp = chain(3, slip=0.2)
    # Intended move 0.8, the opposite 0.2; a move off an end stays put (state 0, left:
    # intended stays at 0 w.p. 0.8, the slip goes right to 1 w.p. 0.2).
    left = [[0.8, 0.2, 0.0], [0.8, 0.0, 0.2], [0.0, 0.8, 0.2]]
    right = [[0.2, 0.8, 0.0], [0.2, 0.0, 0.8], [0.0, 0.2, 0.8]]
    np.testing.assert_allclose(mdp.P[:, 0], left, rtol=0, atol=1e-15)
    np.testing.assert_allclose(mdp.P[:, 1], right, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(mdp.R, [[0, 0], [0, 0], [0, 1]])


def test_chain_single_state_stays():
    np.testing.assert_array_equal(chain(1, slip=0.3).P, np.ones((1, 2, 1)))


# --- gridworld ------------------------------------------------------------------------------
# 2x2 grid, states  0 1 ; goal 3 pays 1 on entering.
#                   2 3
def test_gridworld_2x2_no_slip():
    mdp = gridworld(2, 2)
    expected_next = {  # (s, a) -> s'
        (0, UP): 0,
        (0, RIGHT): 1,
        (0, DOWN): 2,
        (0, LEFT): 0,
        (1, UP): 1,
        (1, RIGHT): 1,
        (1, DOWN): 3,
        (1, LEFT): 0,
        (2, UP): 0,
        (2, RIGHT): 3,
        (2, DOWN): 2,
        (2, LEFT): 2,
    }
    for (s, a), t in expected_next.items():
        np.testing.assert_array_equal(mdp.P[s, a], np.eye(4)[t], err_msg=f"s={s}, a={a}")
        assert mdp.R[s, a] == (1.0 if t == 3 else 0.0)
    np.testing.assert_array_equal(mdp.P[3], np.tile(np.eye(4)[3], (4, 1)))
    np.testing.assert_array_equal(mdp.R[3], 0.0)
    np.testing.assert_array_equal(mdp.terminal, [False, False, False, True])


def test_gridworld_2x2_slip():
    mdp = gridworld(2, 2, slip=0.2)
    # Intended move 1 - 0.2 + 0.2/4 = 0.85, each other move 0.05.
    # From 0, RIGHT: up, left stay (0.1), right -> 1 (0.85), down -> 2 (0.05).
    np.testing.assert_allclose(mdp.P[0, RIGHT], [0.1, 0.85, 0.05, 0.0], atol=1e-15)
    # From 1, DOWN: up, right stay (0.1), left -> 0 (0.05), down -> goal (0.85), paying 0.85.
    np.testing.assert_allclose(mdp.P[1, DOWN], [0.05, 0.1, 0.0, 0.85], atol=1e-15)
    assert mdp.R[1, DOWN] == pytest.approx(0.85, abs=1e-15)
    # From 2, UP: up -> 0 (0.85), right -> goal (0.05), down, left stay (0.1).
    np.testing.assert_allclose(mdp.P[2, UP], [0.85, 0.0, 0.1, 0.05], atol=1e-15)
    assert mdp.R[2, UP] == pytest.approx(0.05, abs=1e-15)
    assert mdp.R[0].max() == 0.0  # the goal is two moves from 0


def test_gridworld_pays_terminal_reward_on_entering_plus_step_reward():
    # 1x3 corridor, goals at both ends: entering (0,0) pays -1, entering (0,2) pays +2.
    mdp = gridworld(1, 3, terminals={(0, 0): -1.0, (0, 2): 2.0}, step_reward=-0.1, slip=0.4)
    # From the middle, LEFT: 1 - 0.4 + 0.1 = 0.7 left, 0.1 right, 0.2 stay.
    assert mdp.R[1, LEFT] == pytest.approx(-0.1 + 0.7 * -1.0 + 0.1 * 2.0, abs=1e-14)
    np.testing.assert_array_equal(mdp.terminal, [True, False, True])
    np.testing.assert_array_equal(mdp.R[[0, 2]], 0.0)


@given(sizes, sizes, slips, st.floats(-1, 1), st.data())
def test_gridworld_reward_is_entry_expectation(rows, cols, slip, step, data):
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    goals = data.draw(st.dictionaries(st.sampled_from(cells), st.floats(-5, 5), max_size=3))
    mdp = gridworld(rows, cols, slip=slip, terminals=goals, step_reward=step)
    bonus = np.zeros(rows * cols)
    for (r, c), reward in goals.items():
        bonus[r * cols + c] = reward
    live = ~mdp.terminal
    # r(s,a) = step_reward + Σ_s' P(s'|s,a) terminal_reward(s') off the terminals, 0 on them.
    np.testing.assert_allclose(mdp.R[live], step + mdp.P[live] @ bonus, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(mdp.R[~live], 0.0)
    for s in np.flatnonzero(~live):  # absorbing: the four move weights sum to 1 up to round-off
        np.testing.assert_allclose(mdp.P[s, :, s], 1.0, rtol=0, atol=1e-15)


@given(st.integers(2, 5), st.integers(2, 5), slips, st.data())
def test_gridworld_walls_are_never_entered(rows, cols, slip, data):
    cells = [(r, c) for r in range(rows) for c in range(cols)][:-1]  # keep the default goal
    walls = data.draw(st.sets(st.sampled_from(cells), max_size=3))
    mdp = gridworld(rows, cols, slip=slip, walls=walls)
    for r, c in walls:
        w = r * cols + c
        into = mdp.P[:, :, w].copy()
        np.testing.assert_allclose(into[w], 1.0, rtol=0, atol=1e-15)  # its own self-loop ...
        into[w] = 0.0
        np.testing.assert_array_equal(into, 0.0)  # ... and nothing else leads there
        assert not mdp.terminal[w] and (mdp.R[w] == 0.0).all()


def test_gridworld_wall_blocks_a_move():
    # 1x3 with a wall in the middle: from 0, RIGHT stays put.
    mdp = gridworld(1, 3, walls=[(0, 1)])
    np.testing.assert_array_equal(mdp.P[0, RIGHT], [1.0, 0.0, 0.0])


# --- cliff walk -----------------------------------------------------------------------------
def test_cliff_walk_step_into_cliff_returns_to_start():
    mdp = cliff_walk()  # 4x12: start 36 = (3, 0), goal 47 = (3, 11), cliff 37..46
    start, goal = 36, 47
    np.testing.assert_array_equal(mdp.P[start, RIGHT], np.eye(48)[start])
    assert mdp.R[start, RIGHT] == -100.0
    assert mdp.R[start, UP] == -1.0 and mdp.P[start, UP, 24] == 1.0
    # From (2, 5) = 29, DOWN falls into the cliff cell (3, 5).
    assert mdp.R[29, DOWN] == -100.0 and mdp.P[29, DOWN, start] == 1.0
    # From (2, 11) = 35, DOWN enters the goal at the usual cost.
    assert mdp.R[35, DOWN] == -1.0 and mdp.P[35, DOWN, goal] == 1.0
    np.testing.assert_array_equal(np.flatnonzero(mdp.terminal), [goal])
    # No transition ever lands on a cliff cell except its own (never used) self-loop.
    into = mdp.P[:, :, 37:47].sum(axis=(0, 1))
    np.testing.assert_array_equal(into, 4.0)


def test_cliff_walk_slip():
    mdp = cliff_walk(slip=0.2)
    # From the start, RIGHT: cliff 0.85 (-100, back to start); up 0.05 (-1); down and left
    # stay put 0.1 (-1).
    assert mdp.R[36, RIGHT] == pytest.approx(0.85 * -100 + 0.15 * -1, abs=1e-12)
    assert mdp.P[36, RIGHT, 36] == pytest.approx(0.95, abs=1e-15)
    assert mdp.P[36, RIGHT, 24] == pytest.approx(0.05, abs=1e-15)


# --- D-chain --------------------------------------------------------------------------------
def test_d_chain_n10():
    mdp = d_chain(10, 0.5)
    np.testing.assert_allclose(mdp.R[:10, 0], np.arange(9, -1, -1) / 10, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(mdp.R[:9, 1], 0.0)
    assert mdp.R[9, 1] == 0.5
    assert mdp.gamma == 1.0 and mdp.horizon == 10
    np.testing.assert_array_equal(mdp.P[:, 0, 10], 1.0)  # L always ends the episode
    for i in range(9):
        assert mdp.P[i, 1, i + 1] == 1.0
    assert mdp.P[9, 1, 10] == 1.0
    # Deceptive: the optimal (τ = 0) root value is 0.9, from L at the root.
    assert optimal_values(mdp)[0] == pytest.approx(0.9, abs=1e-15)


@pytest.mark.parametrize(
    "final_reward, expected",
    [
        # n = 2: V*(s²) = max(L: 0, R: f); V*(s¹) = max(L: 1/2, R: 0 + V*(s²)); V*(end) = 0.
        (0.75, [0.75, 0.75, 0.0]),
        (0.25, [0.5, 0.25, 0.0]),
        (-1.0, [0.5, 0.0, 0.0]),
    ],
)
def test_d_chain_n2_optimal_values_by_hand(final_reward, expected):
    np.testing.assert_allclose(optimal_values(d_chain(2, final_reward)), expected, atol=1e-15)


# --- bad arguments --------------------------------------------------------------------------
BAD = [  # (id, call, pattern the message must match)
    ("garnet-S=0", lambda: garnet(0, 2, 1), "n_states"),
    ("garnet-S-float", lambda: garnet(2.0, 2, 1), "n_states"),
    ("garnet-A=0", lambda: garnet(3, 0, 1), "n_actions"),
    ("garnet-b=0", lambda: garnet(3, 2, 0), "branching"),
    ("garnet-b>S", lambda: garnet(3, 2, 4), r"branching.*\[1, 3\].*4"),
    ("garnet-gamma=1", lambda: garnet(3, 2, 2, gamma=1.0), r"gamma.*\[0, 1\)"),
    ("garnet-gamma<0", lambda: garnet(3, 2, 2, gamma=-0.1), "gamma"),
    ("garnet-seed<0", lambda: garnet(3, 2, 2, seed=-1), "seed"),
    ("garnet-seed-float", lambda: garnet(3, 2, 2, seed=1.5), "seed"),
    ("chain-n=0", lambda: chain(0), "n must"),
    ("chain-slip>1", lambda: chain(3, slip=1.5), r"slip.*\[0, 1\].*1\.5"),
    ("chain-slip<0", lambda: chain(3, slip=-0.1), "slip"),
    ("chain-slip-str", lambda: chain(3, slip="a lot"), "slip"),
    ("chain-gamma-nan", lambda: chain(3, gamma=float("nan")), "gamma"),
    ("grid-rows=0", lambda: gridworld(0, 2), "rows"),
    ("grid-cols=0", lambda: gridworld(2, 0), "cols"),
    ("grid-slip>1", lambda: gridworld(2, 2, slip=2.0), "slip"),
    ("grid-step-inf", lambda: gridworld(2, 2, step_reward=np.inf), "step_reward"),
    ("grid-terminal-outside", lambda: gridworld(2, 2, terminals={(2, 0): 1.0}), r"\(2, 0\)"),
    ("grid-terminal-nan", lambda: gridworld(2, 2, terminals={(0, 0): np.nan}), r"\(0, 0\)\]"),
    ("grid-wall-outside", lambda: gridworld(2, 2, walls=[(0, -1)]), r"walls.*\(0, -1\)"),
    ("grid-wall-not-a-cell", lambda: gridworld(2, 2, walls=[0]), "walls"),
    ("grid-wall-is-terminal", lambda: gridworld(2, 2, walls=[(1, 1)]), "also in terminals"),
    ("cliff-rows=0", lambda: cliff_walk(0), "rows"),
    ("cliff-cols=2", lambda: cliff_walk(4, 2), "cols"),
    ("cliff-gamma=1", lambda: cliff_walk(gamma=1.0), "gamma"),
    ("dchain-n=0", lambda: d_chain(0, 0.5), "n must"),
    ("dchain-final-inf", lambda: d_chain(3, np.inf), "final_reward"),
    ("dchain-final-none", lambda: d_chain(3, None), "final_reward"),
]


@pytest.mark.parametrize("call, match", [row[1:] for row in BAD], ids=[row[0] for row in BAD])
def test_bad_arguments_raise(call, match):
    # TypeError for the wrong kind (a float count, a string), ValueError for a bad value; the exact
    # type of each is pinned in tests/test_inputs_mdps.py.
    with pytest.raises((TypeError, ValueError), match=match):
        call()


# --- random_dag: rows supported on every later state, Dirichlet(1) ---------------------------------
@given(st.integers(1, 10), st.integers(1, 4), seeds)
def test_random_dag_rows_are_stochastic_on_every_later_state(S, A, seed):
    """Documented: for s < S−1, P(·|s, a) ~ Dirichlet(1) over s+1, …, S−1 (so S − 1 − s
    successors, all with positive probability); the last state is terminal and loops on itself."""
    mdp = random_dag(S, A, gamma=0.9, seed=seed)
    P = mdp.dense_P()
    np.testing.assert_allclose(P.sum(axis=2), 1.0, rtol=0, atol=1e-14)
    for s in range(S - 1):
        support = P[s] > 0  # [A, S]
        assert (support == (np.arange(S) > s)).all(), (s, P[s])
    assert P[S - 1, :, S - 1].tolist() == [1.0] * A and mdp.terminal.tolist() == [False] * (S - 1) + [True]
    assert mdp.max_successors == max(S - 1, 1)
    assert mdp.acyclic_depth is not None and mdp.acyclic_depth <= S - 1


def test_random_dag_probabilities_are_dirichlet_one():
    # Under Dirichlet(1) over m later states, P(s+1 | s, a) ~ Beta(1, m − 1): KS test at 1 %.
    mdp = random_dag(6, 200, seed=3)
    P = mdp.dense_P()
    first = P[0, :, 1]  # m = 5 successors from state 0
    assert stats.kstest(first, stats.beta(1, 4).cdf).pvalue > 0.01


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_battery_dags_are_not_deterministic_chains(size, seed):
    """A random_dag that degenerated into s → s + 1 would make every acyclic check trivial."""
    dags = [m for m in mdp_suite(seed, size) if m.name.startswith("random_dag")]
    assert dags
    for mdp in dags:
        P = mdp.dense_P()[~mdp.terminal]
        assert (P > 0).sum(axis=2).max() >= 2 and mdp.max_successors == mdp.n_states - 1, mdp.name
        assert not np.isin(P, (0.0, 1.0)).all(), mdp.name  # stochastic rows, not a deterministic graph
