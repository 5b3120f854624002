"""Synthetic k-ary search trees for the MCTS experiments, and their finite-horizon MDPs.

The synthetic tree of the MENTS experiments: a complete k-ary tree of depth d, each edge with a
value drawn uniformly from [0, 1), each leaf with the mean of its path's edge values summed and
min–max normalised to [0, 1] over the leaves. The Gaussian leaf noise σ is part of the search's
observation model (``theory.mcts``), not of the tree: the MDP carries the expected reward.

Source: Xiao et al. 2019, "Maximum entropy Monte-Carlo planning" (NeurIPS), synthetic-tree
experiment; construction as in the public re-implementation ``carloderamo/synthetic_tree``
(``tree_env.py``), see ments-notes §3.

Node numbering is breadth first: the root is node 0 and the children of node i are
i·k + 1, …, i·k + k, so the I = (k^d − 1)/(k − 1) internal nodes come first and the k^d leaves
are nodes I, …, I + k^d − 1 in left-to-right order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from mdps.finite import FiniteMDP
from mdps.validation import as_float_array, check_instance, check_int, check_seed

__all__ = ["SyntheticTree", "synthetic_tree", "tree_from_leaf_means", "tree_mdp"]


@dataclass(frozen=True, eq=False)
class SyntheticTree:
    """A complete k-ary tree with edge values and normalised leaf means.

    Attributes:
      branching: k >= 2.
      depth: d >= 1.
      edge_values: ``[n_nodes]`` the value of the edge into each node (0 for the root).
      leaf_means: ``[k^d]`` leaf means in [0, 1] (min 0, max 1), leaves left to right.
      name: a label for reports.
    """

    branching: int
    depth: int
    edge_values: np.ndarray
    leaf_means: np.ndarray
    name: str

    @property
    def n_internal(self) -> int:
        """I = (k^d − 1)/(k − 1), the number of internal nodes (ids 0, …, I − 1)."""
        return (self.branching**self.depth - 1) // (self.branching - 1)

    @property
    def n_leaves(self) -> int:
        """k^d, the number of leaves (ids I, …, I + k^d − 1)."""
        return self.branching**self.depth


def synthetic_tree(branching: int, depth: int, *, seed: int, name: str | None = None) -> SyntheticTree:
    """A seeded synthetic k-ary tree: edge values U[0, 1), leaf mean = normalised path sum.

    leaf mean(ℓ) = (p(ℓ) − min_ℓ' p(ℓ'))/(max_ℓ' p(ℓ') − min_ℓ' p(ℓ')), p(ℓ) = Σ_{edges e on the
    path to ℓ} w(e), w(e) ~ U[0, 1) i.i.d. Source: Xiao et al. 2019, synthetic-tree experiment
    (as re-implemented in ``carloderamo/synthetic_tree``, ments-notes §3).

    Args:
      branching: k >= 2 (so there are at least two leaves to normalise over).
      depth: d >= 1.
      seed: seeds ``numpy.random.default_rng``; the same arguments give the same tree.
      name: label; default ``"tree(k=..,d=..,seed=..)"``.
    Returns:
      SyntheticTree.
    Raises:
      TypeError: a non-integer ``branching``, ``depth`` or ``seed`` (bools and ``None``
        included: a tree must be reproducible), a non-string ``name``.
      ValueError: k < 2, d < 1, k^d above 10⁷ leaves (memory), a seed outside [0, SEED_MAX].
    """
    k = check_int(branching, "branching", low=2)
    d = check_int(depth, "depth", low=1)
    seed = check_seed(seed)
    if name is not None:
        check_instance(name, str, "name")
    if k**d > 10**7:
        raise ValueError(f"k^d = {k}^{d} leaves is above the 10^7 this array-backed tree allows")
    n_nodes = (k ** (d + 1) - 1) // (k - 1)
    rng = np.random.default_rng(seed)
    edge_values = rng.random(n_nodes)
    edge_values[0] = 0.0  # the root has no incoming edge
    path_sum = edge_values.copy()
    nodes = np.arange(1, n_nodes)
    # Breadth-first ids: every parent (node − 1)//k precedes its children, so one pass in id
    # order accumulates whole paths; done level by level to stay vectorised.
    start = 1
    for level in range(1, d + 1):
        stop = start + k**level
        children = nodes[start - 1 : stop - 1]
        path_sum[children] += path_sum[(children - 1) // k]
        start = stop
    leaves = path_sum[n_nodes - k**d :]
    spread = leaves.max() - leaves.min()
    leaf_means = (leaves - leaves.min()) / spread  # spread > 0 almost surely for k >= 2
    for a in (edge_values, leaf_means):
        a.flags.writeable = False
    return SyntheticTree(k, d, edge_values, leaf_means, name or f"tree(k={k},d={d},seed={seed})")


def tree_from_leaf_means(branching: int, leaf_means, *, name: str | None = None) -> SyntheticTree:
    """A hand-made complete k-ary tree with the given leaf means (edge values not given: 0).

    For fixtures whose answer is computed by hand; the depth is log_k of the number of leaves.

    Args:
      branching: k >= 2.
      leaf_means: ``[k^d]`` finite leaf means, leaves left to right (not normalised).
      name: label; default ``"tree(k=..,leaves=[..])"``.
    Returns:
      SyntheticTree.
    Raises:
      TypeError: a non-integer ``branching``, non-numeric ``leaf_means``, a non-string ``name``.
      ValueError: k < 2, ``leaf_means`` not a finite ``[n]`` vector, or a number of leaves that
        is not a power k^d, d >= 1.
    """
    k = check_int(branching, "branching", low=2)
    means = np.array(as_float_array(leaf_means, "leaf_means", ndim=1))  # a copy: made read-only below
    if name is not None:
        check_instance(name, str, "name")
    d = int(round(np.log(means.size) / np.log(k)))
    if d < 1 or k**d != means.size:
        raise ValueError(f"leaf_means must be k^d values (k={k}, d >= 1), got {means.size}: {leaf_means!r}")
    means.flags.writeable = False
    edges = np.zeros((k ** (d + 1) - 1) // (k - 1))
    edges.flags.writeable = False
    return SyntheticTree(k, d, edges, means, name or f"tree(k={k},leaves={means.tolist()})")


def tree_mdp(tree: SyntheticTree) -> FiniteMDP:
    """The deterministic finite-horizon MDP of a synthetic tree.

    States 0, …, I − 1 are the internal nodes (0 the root), state I is terminal; action a at
    node i moves to child i·k + 1 + a with reward 0, except at depth d − 1, where it ends the
    episode (moves to the terminal state) with reward the leaf mean of that child. γ = 1,
    horizon d; P is a sparse ``[S·k, S]`` matrix (k = 8, d = 5 has 4682 states).

    Args:
      tree: a SyntheticTree.
    Returns:
      FiniteMDP with S = I + 1 states, k actions, horizon d, terminal state I.
    Raises:
      TypeError: ``tree`` is not a SyntheticTree.
    """
    check_instance(tree, SyntheticTree, "tree")
    k, d, n_int = tree.branching, tree.depth, tree.n_internal
    child = np.arange(n_int)[:, None] * k + 1 + np.arange(k)  # [I, k] node ids
    last_level = child >= n_int  # the child is a leaf: the edge ends the episode
    succ = np.where(last_level, n_int, child)
    R = np.zeros((n_int + 1, k))
    R[:n_int][last_level] = tree.leaf_means[child[last_level] - n_int]
    succ = np.concatenate([succ, np.full((1, k), n_int)])  # the terminal state is absorbing
    rows = (n_int + 1) * k
    P = sp.csr_array((np.ones(rows), succ.ravel(), np.arange(rows + 1)), shape=(rows, n_int + 1))
    return FiniteMDP(P, R, 1.0, horizon=d, terminal=np.arange(n_int + 1) == n_int, name=tree.name)
