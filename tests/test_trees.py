"""mdps/trees.py: synthetic k-ary trees and their finite-horizon MDPs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from mdps.trees import synthetic_tree, tree_from_leaf_means, tree_mdp
from theory.solvers import soft_backward_induction

shapes = st.tuples(st.integers(2, 4), st.integers(1, 4))


def _path_sums_by_recursion(tree):
    """Leaf path sums walking each leaf's parents one by one (no vectorisation)."""
    k, out = tree.branching, []
    for leaf in range(tree.n_internal, tree.n_internal + tree.n_leaves):
        total, node = 0.0, leaf
        while node > 0:
            total += tree.edge_values[node]
            node = (node - 1) // k
        out.append(total)
    return np.array(out)


@settings(max_examples=20)
@given(shapes, st.integers(0, 2**16))
def test_leaf_means_are_normalised_path_sums(shape, seed):
    tree = synthetic_tree(*shape, seed=seed)
    p = _path_sums_by_recursion(tree)
    np.testing.assert_allclose(tree.leaf_means, (p - p.min()) / (p.max() - p.min()), rtol=0, atol=1e-14)
    assert tree.leaf_means.min() == 0.0 and tree.leaf_means.max() == 1.0
    assert tree.edge_values[0] == 0.0 and np.all((tree.edge_values[1:] >= 0) & (tree.edge_values[1:] < 1))


def test_same_seed_same_tree_and_different_seed_different_tree():
    a, b, c = synthetic_tree(3, 3, seed=7), synthetic_tree(3, 3, seed=7), synthetic_tree(3, 3, seed=8)
    np.testing.assert_array_equal(a.leaf_means, b.leaf_means)
    assert not np.array_equal(a.leaf_means, c.leaf_means)


@settings(max_examples=20)
@given(shapes, st.integers(0, 2**16), st.floats(0.01, 3.0))
def test_tree_mdp_soft_value_is_logsumexp_over_leaves(shape, seed, tau):
    # Inner rewards are 0, so the nested soft maxima collapse: V*_τ(root) = τ log Σ_leaves e^{m/τ}.
    tree = synthetic_tree(*shape, seed=seed)
    res = soft_backward_induction(tree_mdp(tree), tau)
    np.testing.assert_allclose(res.v[0], tau * logsumexp(tree.leaf_means / tau), rtol=1e-12)
    assert soft_backward_induction(tree_mdp(tree), 0.0).v[0] == 1.0  # the best leaf, normalised


def test_tree_mdp_by_hand_binary_depth_2():
    # Leaves 3, 4 under node 1 (action 0) and 5, 6 under node 2 (action 1); state 3 is terminal.
    mdp = tree_mdp(tree_from_leaf_means(2, [0.0, 1.0, 0.6, 0.5]))
    assert (mdp.n_states, mdp.n_actions, mdp.horizon, mdp.gamma) == (4, 2, 2, 1.0)
    np.testing.assert_array_equal(mdp.R, [[0, 0], [0.0, 1.0], [0.6, 0.5], [0, 0]])
    P = mdp.P.toarray().reshape(4, 2, 4)
    assert P[0, 0, 1] == P[0, 1, 2] == 1.0 and np.all(P[1:, :, 3] == 1.0)
    assert mdp.terminal.tolist() == [False, False, False, True]
    np.testing.assert_allclose(soft_backward_induction(mdp, 0.0).q[0], [1.0, 0.6])


@pytest.mark.parametrize(
    "make, exc, match",
    [
        pytest.param(lambda: synthetic_tree(1, 3, seed=0), ValueError, "branching", id="k=1"),
        pytest.param(lambda: synthetic_tree(2, 0, seed=0), ValueError, "depth", id="d=0"),
        pytest.param(lambda: synthetic_tree(True, 2, seed=0), TypeError, "branching", id="k=bool"),
        pytest.param(lambda: synthetic_tree(2.0, 2, seed=0), TypeError, "branching", id="k=float"),
        pytest.param(lambda: synthetic_tree(10, 8, seed=0), ValueError, "10\\^7", id="too-many-leaves"),
        pytest.param(
            lambda: tree_from_leaf_means(2, [0.1, 0.2, 0.3]), ValueError, "k\\^d", id="3-leaves-binary"
        ),
        pytest.param(lambda: tree_from_leaf_means(2, [0.1]), ValueError, "k\\^d", id="one-leaf"),
        pytest.param(
            lambda: tree_from_leaf_means(2, [0.1, np.nan]),
            ValueError,
            "leaf_means must be finite",
            id="nan-leaf",
        ),
    ],
)
def test_bad_arguments_raise(make, exc, match):
    # TypeError for an argument of the wrong kind (a bool or a float count), ValueError for a bad value.
    with pytest.raises(exc, match=match):
        make()
