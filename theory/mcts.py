"""MENTS, UCT, BTS and DENTS on array-backed trees, many independent searches in lockstep.

Source: seed deck, slides "Algorithm: Maximum entropy monte-carlo planning"; Xiao et al. 2019,
"Maximum entropy Monte-Carlo planning" (NeurIPS); UCT: Kocsis & Szepesvári 2006, "Bandit based
Monte-Carlo planning" (UCB1 at every node); BTS and DENTS: Painter, Baioumy, Hawes, Lacerda 2023,
"Monte Carlo tree search with Boltzmann exploration" (NeurIPS), as in Painter's DPhil thesis,
ch. 4 (followups-notes §3.2–3.3).

Problems. Any deterministic finite-horizon :class:`~mdps.finite.FiniteMDP` whose states reachable
from the root (state 0) form a tree: every reachable non-terminal state has exactly one parent
edge (terminal states may be shared, as in the D-chain). :func:`search_tree` validates this and
flattens the MDP into a successor table. An edge (s, a) is a *leaf edge* when it enters a
terminal state or leaves a state at depth H − 1 (H the horizon): a simulation ends there.

Observation model. One simulation descends from the root to a leaf edge; the rewards observed on
the way are the MDP's r(s, a), except on the leaf edge, where the observation is r(s, a) + σ·ξ,
ξ ~ N(0, 1) (the noisy rollout value of the synthetic-tree experiment; on the D-chain, the noise
is added to the reward of the move that ends the episode, L anywhere or the last R).

Statistics, per run, state and action, arrays ``[R·S, A]`` (row run·S + s): visit counts
N(s, a), sums of observed returns W(s, a) and value estimates Q(s, a), initialised to 0 (the
paper's Q_init = 0, also for MENTS's unvisited actions inside F_τ).
- MENTS (E2W tree policy, softmax backups):
  π(a|s) = (1 − λ_s) f_τ(Q_sft(s, ·))(a) + λ_s/|A|, λ_s = min(1, ε|A|/log(Σ_a N(s, a) + 1));
  leaf edge: Q_sft(s, a) = W(s, a)/N(s, a), the mean observed leaf value;
  inner edge: Q_sft(s, a) = r(s, a) + F_τ(Q_sft(s', ·)), s' the successor;
  final action argmax_a Q_sft(root, a).
- BTS (Boltzmann search policy, Bellman backups): π(a|s) = (1 − λ_s) ρ(a|s) + λ_s/|A|,
  ρ ∝ exp(Q̄(s, ·)/τ), λ_s = min(1, ε/log(e + N(s))); inner edge Q̄(s, a) = r(s, a) + max of
  Q̄(s', ·) over visited actions; leaf edge: the mean; final action argmax_a Q̄(root, a).
- DENTS: BTS whose tree policy sees Q̄(s, ·) + β(N(s)) H_Q(s, ·), with entropy estimates
  H_Q(s, a) = H(π(·|s')) + Σ_b π(b|s') H_Q(s', b) ``[R·S, A]`` kept beside Q̄ (0 on leaf edges);
  backups and final action are BTS's.
- UCT (UCB1 tree policy, mean backups): the action of largest
  Q̄(s, a) + c·sqrt(log N(s)/N(s, a)) (unvisited actions first; ties uniformly at random),
  Q̄(s, a) = W(s, a)/N(s, a) the mean return; final action argmax_a Q̄(root, a) ("max value",
  the default) or argmax_a N(root, a) ("most visited"); both are in the result.
At each checkpoint the result also holds the return of the recommendation policy, the final
rule applied at every state from the root (:attr:`SearchResult.path_returns`).

Draw order (what makes a seed reproducible, and lets a test replay a simulation by hand): per
simulation, one ``rng.random(R)`` per depth 0, …, H − 1 (the inverse-CDF draw of each run's
action; runs whose simulation has ended draw too and ignore it), then ``rng.standard_normal(R)``
for the leaf noise. Cost per simulation: about 2H vectorised steps of O(R·A) numpy work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.special import entr
from scipy.stats import binomtest

from mdps.finite import STOCHASTIC_ATOL, FiniteMDP
from mdps.generators import d_chain, entropy_trap
from mdps.validation import (
    as_checkpoints,
    as_float_array,
    as_real_array,
    check_callable,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_simplex,
    check_tau,
)
from theory.bandit import check_e2w_arguments, e2w_distribution_unchecked, inverse_cdf_sample_unchecked
from theory.softmax import soft_indmax, soft_value
from theory.solvers import soft_backward_induction

__all__ = [
    "BellmanBackup",
    "FailureCurve",
    "SearchResult",
    "SearchTree",
    "boltzmann_search_distribution",
    "bts",
    "d_chain_critical_temperature",
    "d_chain_root_gap",
    "dents",
    "dents_beta",
    "entropy_trap_critical_temperature",
    "entropy_trap_gap",
    "failure_curve",
    "ments",
    "root_soft_q",
    "search_tree",
    "ucb1_distribution",
    "uct",
    "visited_max",
]

#: tree_policy(q [R, A], n_total [R], tau, epsilon) -> [R, A] distributions (E2W by default).
TreePolicy = Callable[[np.ndarray, np.ndarray, float, float], np.ndarray]
#: backup_value(q [R, A], tau) -> [R] the value backed up from a node (F_τ by default).
BackupValue = Callable[[np.ndarray, float], np.ndarray]


# ---------------------------------------------------------------------------------------------
# The tree of an MDP
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SearchTree:
    """A deterministic finite-horizon MDP flattened for search.

    Attributes:
      successor: ``[S, A]`` int, the successor s' of (s, a).
      reward: ``[S, A]`` r(s, a).
      leaf_edge: ``[S, A]`` bool, (s, a) ends a simulation (enters a terminal state, or s is at
        depth H − 1).
      depth: ``[S]`` int, depth of each reachable state (root 0), −1 if unreachable or terminal.
      horizon: H.
      name: the MDP's name.
    """

    successor: np.ndarray
    reward: np.ndarray
    leaf_edge: np.ndarray
    depth: np.ndarray
    horizon: int
    name: str

    @property
    def n_states(self) -> int:
        return self.successor.shape[0]

    @property
    def n_actions(self) -> int:
        return self.successor.shape[1]


def search_tree(mdp: FiniteMDP) -> SearchTree:
    """Validate that ``mdp`` is a deterministic finite-horizon tree from state 0, and flatten it.

    Args:
      mdp: FiniteMDP with a horizon H and a non-terminal state 0 (the root).
    Returns:
      SearchTree.
    Raises:
      TypeError: ``mdp`` is not a FiniteMDP.
      ValueError: no horizon, a terminal root, a stochastic row (naming (s, a)), or a
        non-terminal state reached by two edges (naming the state): search statistics are kept
        per state, so a DAG would merge the statistics of two paths.
    """
    check_instance(mdp, FiniteMDP, "mdp")
    if mdp.horizon is None:
        raise ValueError(f"search needs a finite-horizon MDP; mdp {mdp.name!r} has horizon None")
    S, A = mdp.n_states, mdp.n_actions
    if mdp.terminal[0]:
        raise ValueError(f"the root (state 0) of mdp {mdp.name!r} is terminal: nothing to search")
    # A private copy: the MDP's arrays are read-only and eliminate_zeros works in place.
    P = sp.csr_array(mdp.P if mdp.is_sparse else np.asarray(mdp.P).reshape(S * A, S), copy=True)
    P.eliminate_zeros()
    nnz = np.diff(P.indptr)
    single = nnz == 1
    deterministic = single.copy()
    deterministic[single] = np.abs(P.data[P.indptr[:-1][single]] - 1.0) <= STOCHASTIC_ATOL
    if not deterministic.all():
        row = int(np.argmin(deterministic))
        raise ValueError(
            f"search needs deterministic transitions; row (s={row // A}, a={row % A}) of "
            f"mdp {mdp.name!r} has {int(nnz[row])} successors"
        )
    successor = P.indices[P.indptr[:-1]].reshape(S, A).astype(np.int64)
    terminal = np.asarray(mdp.terminal)
    H = int(mdp.horizon)
    depth = np.full(S, -1)
    depth[0] = 0
    frontier = np.array([0])
    for level in range(1, H):
        nxt = successor[frontier].ravel()
        nxt = nxt[~terminal[nxt]]
        states, parents = np.unique(nxt, return_counts=True)
        again = (parents > 1) | (depth[states] >= 0)
        if again.any():
            raise ValueError(
                f"search needs a tree: state {int(states[again][0])} of mdp {mdp.name!r} is reached "
                "by more than one edge from the root"
            )
        depth[states] = level
        frontier = states
        if frontier.size == 0:
            break
    leaf_edge = terminal[successor] | (depth == H - 1)[:, None]
    for a in (successor, leaf_edge, depth):
        a.flags.writeable = False
    return SearchTree(successor, np.array(mdp.R), leaf_edge, depth, H, mdp.name)


# ---------------------------------------------------------------------------------------------
# Tree policies and sampling
# ---------------------------------------------------------------------------------------------


def ucb1_distribution(q: np.ndarray, counts: np.ndarray, c: float) -> np.ndarray:
    """UCT's choice as a distribution: uniform over argmax_a Q̄(a) + c·sqrt(log N/N(a)).

    Unvisited actions (N(a) = 0) score +inf, so they are tried first, in random order.

    Args:
      q: ``[R, A]`` mean returns Q̄; counts: ``[R, A]`` N(a), whole numbers >= 0; c:
        exploration constant >= 0.
    Returns:
      ``[R, A]`` the uniform distribution over each row's maximisers.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: ``q`` not a finite ``[R, A]`` array, ``counts`` not whole numbers >= 0 of the
        shape of ``q``, c < 0 or non-finite.
    """
    q = as_float_array(q, "q", ndim=2)
    counts = as_real_array(counts, "counts", low=0.0, whole=True, shape=q.shape)
    return _ucb1(q, counts, check_real(c, "c", low=0.0))


def _ucb1(q: np.ndarray, counts: np.ndarray, c: float) -> np.ndarray:
    """:func:`ucb1_distribution` for validated arguments (UCT's tree policy at every step)."""
    n_total = counts.sum(axis=1, keepdims=True)
    # N(a) = 0 would divide by zero: those actions are set to +inf by np.where instead.
    with np.errstate(divide="ignore", invalid="ignore"):
        bonus = c * np.sqrt(np.log(np.maximum(n_total, 1.0)) / counts)
    score = np.where(counts > 0, q + bonus, np.inf)
    best = (score == score.max(axis=1, keepdims=True)).astype(np.float64)
    return best / best.sum(axis=1, keepdims=True)


def boltzmann_search_distribution(q, n_total, tau: float, epsilon: float) -> np.ndarray:
    """BTS's and DENTS's search policy: π(a|s) = (1 − λ_s) ρ(a|s) + λ_s/|A|.

    ρ(a|s) ∝ exp(Q(s, a)/τ) (Boltzmann over the search values: Q̄ for BTS, Q̄ + β H_Q for
    DENTS), λ_s = min(1, ε/log(e + N(s))), N(s) = Σ_a N(s, a). Source: Painter et al. 2023
    (NeurIPS), "Monte Carlo tree search with Boltzmann exploration", BTS search policy (Painter's
    DPhil thesis §4.2.1), with a constant temperature α(N) = τ. Unlike E2W's λ = ε|A|/log(N + 1)
    (:func:`theory.bandit.e2w_distribution`), λ_0 = min(1, ε) (log e = 1).

    Args:
      q: ``[..., A]`` search values; n_total: N(s) >= 0, a scalar or ``[...]``.
      tau: temperature τ > 0; epsilon: exploration ε > 0.
    Returns:
      ``[..., A]`` distributions along the last axis.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: non-finite or empty ``q``, ``n_total`` negative or not broadcasting to the
        leading axes of ``q``, τ <= 0, ε <= 0 (or either non-finite).
    """
    q, n, t, eps = check_e2w_arguments(q, n_total, tau, epsilon, positive_tau=True)
    return _boltzmann_search(q, n, t, eps)


def _boltzmann_search(q: np.ndarray, n_total: np.ndarray, tau: float, epsilon: float) -> np.ndarray:
    """:func:`boltzmann_search_distribution` for validated τ, ε and counts (the hot loop)."""
    lam = np.minimum(1.0, epsilon / np.log(np.e + n_total))[..., None]
    return (1.0 - lam) * soft_indmax(q, tau) + lam / q.shape[-1]


def visited_max(q, counts) -> np.ndarray:
    """BTS's Bellman node value V̄(s) = max_a Q̄(s, a) over the actions visited at least once.

    Source: Painter et al. 2023, BTS backup V̄(s) ← max_a Q̄(s, a) (thesis §4.2.1, no prior:
    N_V = 0); the max over visited children follows the authors' code (``thts-plus-plus``).
    A state with no visited action has value 0, the initial estimate Q_init.

    Args:
      q: ``[R, A]`` estimates Q̄; counts: ``[R, A]`` visit counts N(s, a) >= 0.
    Returns:
      ``[R]`` V̄.
    Raises:
      TypeError: non-numeric arguments. ValueError: ``q`` not a finite ``[R, A]`` array,
        ``counts`` negative or not of the shape of ``q``.
    """
    q = as_float_array(q, "q", ndim=2)
    return _visited_max(q, as_real_array(counts, "counts", low=0.0, shape=q.shape))


def _visited_max(q: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """:func:`visited_max` for validated arguments (BTS's and DENTS's backup in the hot loop)."""
    # Unvisited actions are -inf so the max ignores them; a row with none visited would be -inf
    # (and -inf + reward later), so it is set to Q_init = 0 instead.
    best = np.where(counts > 0, q, -np.inf).max(axis=1)
    return np.where(counts.any(axis=1), best, 0.0)


def dents_beta(n_total) -> np.ndarray:
    """DENTS's default entropy weight β(N) = 1/√(1 + N), decaying with the visits N(s).

    Source: Painter et al. 2023, DENTS (thesis §4.2.2): any β with β(N)/α(N) → 0 (here α = τ
    constant, so β → 0); 1/√(1 + m) with initial value 1 is the default entropy coefficient of the
    authors' code (``DentsManagerArgs``: ``SqrtSchedule(1.0)``).

    Args:
      n_total: ``[...]`` N(s) >= 0.
    Returns:
      ``[...]`` β(N) in (0, 1].
    Raises:
      TypeError: non-numeric ``n_total``. ValueError: negative or non-finite entries.
    """
    return _dents_beta(as_real_array(n_total, "n_total", low=0.0, min_ndim=0))


def _dents_beta(n_total: np.ndarray) -> np.ndarray:
    """:func:`dents_beta` for validated counts (DENTS's default in the hot loop)."""
    return 1.0 / np.sqrt(1.0 + n_total)


# ---------------------------------------------------------------------------------------------
# The search engine
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SearchResult:
    """Snapshots of R independent searches at checkpoints, and their final statistics.

    With G MDPs searched together, R = G·n_runs and run j searched MDP j // n_runs.

    Attributes:
      checkpoints: ``[T]`` simulation counts of the snapshots.
      recommendations: ``[T, R]`` the root action each run recommends (MENTS: argmax root
        Q_sft; UCT: argmax root Q̄ or most visited, as ``recommend`` said).
      root_q: ``[T, R, A]`` root value estimates (Q_sft for MENTS, Q̄ for UCT).
      root_counts: ``[T, R, A]`` root visit counts N(root, a) (sum = checkpoint).
      path_returns: ``[T, R]`` the return (the MDP's mean rewards r(s, a), no noise) of the
        recommendation policy ψ, which applies the root's rule at every state: from the root,
        take argmax_a of the estimates (or of the counts for "most visited") until a leaf edge.
        V*(root) − path_returns is the simple regret sreg(root, ψ) (Painter et al. 2023).
      q: ``[R, S, A]`` final value estimates.
      counts: ``[R, S, A]`` final visit counts.
      return_sums: ``[R, S, A]`` final sums W of observed returns from each edge.
    """

    checkpoints: np.ndarray
    recommendations: np.ndarray
    root_q: np.ndarray
    root_counts: np.ndarray
    path_returns: np.ndarray
    q: np.ndarray
    counts: np.ndarray
    return_sums: np.ndarray


def _forest(mdps) -> list[SearchTree]:
    """One MDP or a sequence of MDPs of equal shape and horizon, as SearchTrees."""
    if isinstance(mdps, FiniteMDP):
        return [search_tree(mdps)]
    check_instance(mdps, (FiniteMDP, Sequence), "mdp")
    if not mdps:
        raise ValueError("mdp must be a FiniteMDP or a non-empty sequence of them, got an empty sequence")
    trees = [search_tree(check_instance(m, FiniteMDP, f"mdp[{i}]")) for i, m in enumerate(mdps)]
    shape = (trees[0].n_states, trees[0].n_actions, trees[0].horizon)
    for t in trees[1:]:
        if (t.n_states, t.n_actions, t.horizon) != shape:
            raise ValueError(
                f"MDPs searched together need equal (S, A, H); {t.name!r} has "
                f"{(t.n_states, t.n_actions, t.horizon)}, {trees[0].name!r} has {shape}"
            )
    return trees


def _path_return(stat, base, tree_offset, successor, reward, leaf_edge, n_actions, horizon):
    """``[R]`` the return of following argmax_a stat(s, ·) from each run's root to a leaf edge."""
    rows = base.copy()
    ret = np.zeros(len(base))
    alive = np.ones(len(base), dtype=bool)
    for _ in range(horizon):
        edge = (tree_offset + rows - base) * n_actions + np.argmax(stat[rows], axis=1)
        ret += np.where(alive, reward[edge], 0.0)
        alive &= ~leaf_edge[edge]
        if not alive.any():
            break
        rows = np.where(alive, base + successor[edge], base)  # finished runs idle at their root
    return ret


def _run(trees: list[SearchTree], choose, backup, sigma, checkpoints, n_runs, seed, recommend, entropy=False):
    """The lockstep engine shared by MENTS, UCT, BTS and DENTS (see the module docstring).

    ``n_runs`` runs on each of the G trees, all advanced together: run j searches tree
    j // n_runs. ``choose(q [R, A], counts [R, A], h [R, A] or None) -> [R, A]`` is the tree
    policy (h: DENTS's entropy estimates H_Q, None unless ``entropy``); ``backup(q [R, A],
    counts [R, A]) -> [R]`` is the node value backed up into an inner edge (MENTS's F_τ, BTS's
    max; None: UCT's mean backups). With ``entropy``, every backed-up edge also gets DENTS's
    H_Q(s, a) = H_V(s'), H_V(s') = H(π(·|s')) + Σ_b π(b|s') H_Q(s', b) with π = ``choose`` at
    s' (0 on a leaf edge).
    """
    marks = as_checkpoints(checkpoints)
    n_runs = check_int(n_runs, "n_runs", low=1)
    sigma = check_real(sigma, "sigma", low=0.0)
    rng = np.random.default_rng(check_seed(seed))
    S, A, H = trees[0].n_states, trees[0].n_actions, trees[0].horizon
    R = len(trees) * int(n_runs)
    # Edge tables of all trees, flat: edge (g, s, a) is entry (g·S + s)·A + a.
    successor = np.concatenate([t.successor.ravel() for t in trees])
    reward = np.concatenate([t.reward.ravel() for t in trees])
    leaf_edge = np.concatenate([t.leaf_edge.ravel() for t in trees])
    tree_offset = np.repeat(np.arange(len(trees)) * S, n_runs)  # [R] g·S of each run's tree
    # One extra scratch row at the end: runs whose simulation has ended are pointed at it, so
    # every step updates all R runs without a boolean mask (the scratch row is never read back).
    scratch = R * S
    q = np.zeros((R * S + 1, A))
    counts = np.zeros((R * S + 1, A))
    sums = np.zeros((R * S + 1, A))
    ent = np.zeros((R * S + 1, A)) if entropy else None
    base = np.arange(R) * S
    out_rec, out_q, out_n, out_ret = [], [], [], []
    sim = 0
    for mark in marks:
        for sim in range(sim, mark):
            rows = base.copy()
            path = []  # per depth: (rows, edges, actions); rows == scratch once a run has ended
            for depth in range(H):
                s = np.where(rows == scratch, 0, rows - base)
                dist = choose(q[rows], counts[rows], None if ent is None else ent[rows])
                if sim == 0 and depth == 0:  # the tree policy's contract, checked on its first call
                    check_simplex(dist, "tree_policy(q, n_total, tau, epsilon)", shape=(R, A))
                a = inverse_cdf_sample_unchecked(dist, rng.random(R))
                edge = (tree_offset + s) * A + a
                path.append((rows, edge, a))
                ended = leaf_edge[edge] | (rows == scratch)
                if ended.all():
                    break
                rows = np.where(ended, scratch, base + successor[edge])
            noise = sigma * rng.standard_normal(R)
            ret = np.zeros(R)
            for rows, edge, a in reversed(path):
                leaf = leaf_edge[edge]
                live = rows != scratch
                # Each live run is at a leaf edge once: its noise enters there and nowhere else.
                ret = np.where(live, ret + reward[edge] + np.where(leaf, noise, 0.0), ret)
                counts[rows, a] += 1.0
                sums[rows, a] += ret
                mean = sums[rows, a] / counts[rows, a]
                if backup is None:
                    q[rows, a] = mean
                    continue
                # A terminal child's row is all zeros; an ended run reads some row of its own
                # tree: both only on leaf edges or for the scratch row, where np.where drops them.
                child = base + successor[edge]
                q[rows, a] = np.where(leaf, mean, reward[edge] + backup(q[child], counts[child]))
                if ent is not None:
                    pi = choose(q[child], counts[child], ent[child])
                    h_v = entr(pi).sum(axis=1) + (pi * ent[child]).sum(axis=1)
                    ent[rows, a] = np.where(leaf, 0.0, h_v)
        sim = int(mark)
        root_q, root_n = q[base], counts[base]
        out_q.append(root_q)
        out_n.append(root_n)
        out_rec.append(np.argmax(root_q if recommend == "max_value" else root_n, axis=1))
        out_ret.append(
            _path_return(
                q if recommend == "max_value" else counts,
                base,
                tree_offset,
                successor,
                reward,
                leaf_edge,
                A,
                H,
            )
        )
    shape = (R, S, A)
    return SearchResult(
        marks,
        np.stack(out_rec),
        np.stack(out_q),
        np.stack(out_n),
        np.stack(out_ret),
        q[:-1].reshape(shape),
        counts[:-1].reshape(shape),
        sums[:-1].reshape(shape),
    )


def ments(
    mdp: FiniteMDP | Sequence[FiniteMDP],
    *,
    tau: float,
    epsilon: float,
    sigma: float,
    checkpoints: Sequence[int],
    n_runs: int,
    seed: int,
    tree_policy: TreePolicy = e2w_distribution_unchecked,
    backup_value: BackupValue = soft_value,
) -> SearchResult:
    """MENTS: E2W tree policy, softmax backups Q_sft(s, a) = r + F_τ(Q_sft(s', ·)).

    π(a|s) = (1 − λ_s) f_τ(Q_sft(s, ·)) + λ_s/|A|, λ_s = min(1, ε|A|/log(Σ_a N(s, a) + 1));
    leaf edges estimate r + rollout by the mean noisy observation; final action
    argmax_a Q_sft(root, a). Source: seed deck, "Algorithm: Maximum entropy monte-carlo
    planning"; Xiao et al. 2019 (E2W, softmax backup). The clip of λ to 1 follows the public
    implementations (ments-notes §1).

    Args:
      mdp: a deterministic finite-horizon tree MDP (see :func:`search_tree`), or G of them with
        equal (S, A, H), searched together: ``n_runs`` runs each, run j on MDP j // n_runs.
      tau: temperature τ > 0 of the tree policy and the backups.
      epsilon: exploration ε > 0.
      sigma: leaf noise σ >= 0.
      checkpoints: increasing simulation counts at which to snapshot the root.
      n_runs: independent searches per MDP, all advanced in lockstep (R = G·n_runs).
      seed: seeds ``np.random.default_rng``; same seed, same result bit for bit.
      tree_policy: ``(q [R, A], n_total [R], tau, epsilon) -> [R, A]`` (injectable for
        negative controls); default E2W, :func:`theory.bandit.e2w_distribution` without its
        per-call argument checks (τ and ε are checked here once, the counts are the search's).
      backup_value: ``(q [R, A], tau) -> [R]`` the node value backed up (F_τ; injectable).
    Returns:
      SearchResult.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP or a list/tuple of them; non-numeric ``tau``,
        ``epsilon``, ``sigma`` or ``checkpoints``; a non-integer ``n_runs`` or ``seed`` (``None``
        included: it would not be reproducible); a non-callable ``tree_policy`` or ``backup_value``.
      ValueError: τ <= 0, ε <= 0, σ < 0 (or any of them non-finite), checkpoints not strictly
        increasing whole numbers >= 1, n_runs < 1, a negative seed, a ``tree_policy`` whose first
        output (at the roots) is not ``[R, A]`` distributions (checked once, not at every node),
        and as :func:`search_tree`.
    """
    t = check_tau(tau, positive=True)
    epsilon = check_real(epsilon, "epsilon", low=0.0, open_low=True)
    check_callable(tree_policy, "tree_policy")
    check_callable(backup_value, "backup_value")

    def choose(q, n, _):
        return tree_policy(q, n.sum(axis=1), t, epsilon)

    def soft_backup(q, _):
        return backup_value(q, t)

    return _run(_forest(mdp), choose, soft_backup, sigma, checkpoints, n_runs, seed, "max_value")


def uct(
    mdp: FiniteMDP | Sequence[FiniteMDP],
    *,
    c: float,
    sigma: float,
    checkpoints: Sequence[int],
    n_runs: int,
    seed: int,
    recommend: str = "max_value",
) -> SearchResult:
    """UCT: UCB1 tree policy argmax_a Q̄(s, a) + c·sqrt(log N(s)/N(s, a)), mean backups.

    Source: Kocsis & Szepesvári 2006 (UCT); seed deck, "Algorithm: Maximum entropy monte-carlo
    planning" (the baseline MENTS is compared with). Unvisited actions first, ties at random.

    Args:
      mdp: one tree MDP or G of them, as in :func:`ments`.
      c: exploration constant c >= 0.
      sigma, checkpoints, n_runs, seed: as :func:`ments`.
      recommend: final action rule, ``"max_value"`` (argmax Q̄(root, ·), default) or
        ``"most_visited"`` (argmax N(root, ·)).
    Returns:
      SearchResult.
    Raises:
      TypeError: a non-numeric ``c``, a non-string ``recommend``, and as :func:`ments`.
      ValueError: c < 0 or non-finite, an unknown ``recommend``, and as :func:`ments`.
    """
    c = check_real(c, "c", low=0.0)
    check_instance(recommend, str, "recommend")
    if recommend not in ("max_value", "most_visited"):
        raise ValueError(f"recommend must be 'max_value' or 'most_visited', got {recommend!r}")

    def choose(q, n, _):
        return _ucb1(q, n, c)

    return _run(_forest(mdp), choose, None, sigma, checkpoints, n_runs, seed, recommend)


#: backup(q [R, A], counts [R, A]) -> [R]: BTS's and DENTS's node value (the visited max).
BellmanBackup = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _boltzmann_args(tau, epsilon, tree_policy, backup_value):
    t = check_tau(tau, positive=True)
    epsilon = check_real(epsilon, "epsilon", low=0.0, open_low=True)
    check_callable(tree_policy, "tree_policy")
    check_callable(backup_value, "backup_value")
    return t, epsilon


def bts(
    mdp: FiniteMDP | Sequence[FiniteMDP],
    *,
    tau: float,
    epsilon: float,
    sigma: float,
    checkpoints: Sequence[int],
    n_runs: int,
    seed: int,
    tree_policy: TreePolicy = _boltzmann_search,
    backup_value: BellmanBackup = _visited_max,
) -> SearchResult:
    """BTS (Boltzmann Tree Search): Boltzmann search policy, Bellman backups and recommendation.

    π(a|s) = (1 − λ_s) ρ(a|s) + λ_s/|A|, ρ ∝ exp(Q̄(s, ·)/τ), λ_s = min(1, ε/log(e + N(s)))
    (:func:`boltzmann_search_distribution`); inner edge Q̄(s, a) = r(s, a) + V̄(s'),
    V̄(s') = max_b Q̄(s', b) over visited b (:func:`visited_max`); leaf edge: the mean observed
    leaf value; final action argmax_a Q̄(root, a). Source: Painter et al. 2023 (NeurIPS),
    "Monte Carlo tree search with Boltzmann exploration" (thesis §4.2.1), with a constant
    temperature, no prior (N_Q = N_V = 0) and no value normalisation; the tree and observation
    model of this module (deterministic transitions: Σ_s' N(s')/N(s, a) V̄(s') = V̄(s')).

    Args:
      mdp, sigma, checkpoints, n_runs, seed: as :func:`ments`.
      tau: the search temperature τ > 0 (constant α).
      epsilon: exploration ε > 0.
      tree_policy: ``(q [R, A], n_total [R], tau, epsilon) -> [R, A]`` (injectable; default
        :func:`boltzmann_search_distribution` without its per-call argument checks).
      backup_value: ``(q [R, A], counts [R, A]) -> [R]`` the node value backed up (default the
        visited max; injectable: soft backups in its place are a negative control).
    Returns:
      SearchResult (root_q and q: Q̄).
    Raises:
      TypeError, ValueError: as :func:`ments`.
    """
    t, epsilon = _boltzmann_args(tau, epsilon, tree_policy, backup_value)

    def choose(q, n, _):
        return tree_policy(q, n.sum(axis=1), t, epsilon)

    return _run(_forest(mdp), choose, backup_value, sigma, checkpoints, n_runs, seed, "max_value")


def dents(
    mdp: FiniteMDP | Sequence[FiniteMDP],
    *,
    tau: float,
    epsilon: float,
    sigma: float,
    checkpoints: Sequence[int],
    n_runs: int,
    seed: int,
    beta: Callable[[np.ndarray], np.ndarray] = _dents_beta,
    tree_policy: TreePolicy = _boltzmann_search,
    backup_value: BellmanBackup = _visited_max,
) -> SearchResult:
    """DENTS: BTS whose search adds decaying entropy bonuses, estimated separately.

    H_Q(s, a) = H_V(s'), H_V(s) = H(π(·|s)) + Σ_a π(a|s) H_Q(s, a) (0 on leaf edges, all
    initialised to 0); the search policy is :func:`boltzmann_search_distribution` of
    Q̄(s, ·) + β(N(s)) H_Q(s, ·); backups and recommendation are BTS's (Q̄, argmax Q̄): the
    entropy steers the search only. Source: Painter et al. 2023 (NeurIPS), DENTS (thesis
    §4.2.2), with a constant temperature and the defaults of :func:`bts`.

    Args:
      mdp, tau, epsilon, sigma, checkpoints, n_runs, seed, tree_policy, backup_value: as
        :func:`bts` (the tree policy is given Q̄ + β H_Q).
      beta: ``(n_total [R]) -> [R]`` the entropy weight β(N(s)) (default :func:`dents_beta`,
        without its per-call argument check).
    Returns:
      SearchResult (root_q and q: Q̄).
    Raises:
      TypeError: a non-callable ``beta``, and as :func:`bts`.
      ValueError: as :func:`bts`.
    """
    t, epsilon = _boltzmann_args(tau, epsilon, tree_policy, backup_value)
    check_callable(beta, "beta")

    def choose(q, n, h):
        n_total = n.sum(axis=1)
        return tree_policy(q + beta(n_total)[:, None] * h, n_total, t, epsilon)

    return _run(
        _forest(mdp), choose, backup_value, sigma, checkpoints, n_runs, seed, "max_value", entropy=True
    )


# ---------------------------------------------------------------------------------------------
# Failure rates with confidence intervals
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FailureCurve:
    """Failure rate P(recommended root action ≠ target) against simulations, with an interval.

    Attributes:
      checkpoints: ``[T]`` simulation counts.
      failures: ``[T]`` runs whose recommendation missed the target.
      n_runs: runs per checkpoint (pooled over trees).
      rate: ``[T]`` failures/n_runs.
      low, high: ``[T]`` Clopper–Pearson (exact binomial) interval at ``level``.
      level: confidence level.
    """

    checkpoints: np.ndarray
    failures: np.ndarray
    n_runs: int
    rate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float


def failure_curve(
    results: Sequence[SearchResult], targets: Sequence[int], *, level: float = 0.95
) -> FailureCurve:
    """Pooled failure curve of searches on one or more trees, each with its target root action.

    Runs are pooled over trees: the count is Poisson-binomial, whose variance is at most the
    binomial one at the pooled rate, so the Clopper–Pearson interval for the average failure
    probability over these trees is conservative.

    Args:
      results: SearchResults with the same checkpoints.
      targets: per result, the correct root action: an int, or ``[R]`` per run (a forest).
      level: confidence level of the intervals.
    Returns:
      FailureCurve.
    Raises:
      TypeError: ``results`` not a sequence of SearchResults, ``targets`` not a sequence, a
        target that is not whole numbers (bools included), a non-numeric ``level``.
      ValueError: empty input, mismatched lengths or checkpoints, a target that is not a root
        action in [0, A) or not one per run, a level outside (0, 1).
    """
    check_instance(results, Sequence, "results")
    check_instance(targets, (Sequence, np.ndarray), "targets")
    for i, r in enumerate(results):
        check_instance(r, SearchResult, f"results[{i}]")
    if len(results) == 0:
        raise ValueError("results must hold at least one SearchResult, got an empty sequence")
    if len(results) != len(targets):
        raise ValueError(
            f"targets must hold one target per result, got {len(targets)} targets for {len(results)} results"
        )
    level = check_real(level, "level", low=0.0, high=1.0, open_low=True, open_high=True)
    marks = results[0].checkpoints
    if any(not np.array_equal(r.checkpoints, marks) for r in results):
        raise ValueError("results must all have the same checkpoints")
    for i, (r, t) in enumerate(zip(results, targets)):
        n_runs, n_actions = r.root_q.shape[1:]
        tgt = as_real_array(t, f"targets[{i}]", low=0, high=n_actions - 1, whole=True, min_ndim=0)
        if tgt.shape not in ((), (n_runs,)):
            raise ValueError(f"targets[{i}] must be one action or {n_runs} (one per run), got {tgt.shape}")
    missed = np.concatenate([r.recommendations != np.asarray(t) for r, t in zip(results, targets)], axis=1)
    failures = missed.sum(axis=1)
    n = missed.shape[1]
    cis = [binomtest(int(f), n).proportion_ci(confidence_level=level, method="exact") for f in failures]
    return FailureCurve(
        marks,
        failures,
        n,
        failures / n,
        np.array([c.low for c in cis]),
        np.array([c.high for c in cis]),
        level,
    )


# ---------------------------------------------------------------------------------------------
# Exact soft values at the root, and the D-chain's critical temperature
# ---------------------------------------------------------------------------------------------
def root_soft_q(mdp: FiniteMDP, taus) -> np.ndarray:
    """Exact Q*_τ(root, ·) by soft backward induction, for each τ (τ = 0: the optimal Q*).

    Source: seed deck, "Maximum entropy monte-carlo planning" (softmax backup); CLAIMS D3.

    Args:
      mdp: a finite-horizon MDP (root = state 0).
      taus: ``[N]`` temperatures >= 0 (or one temperature).
    Returns:
      ``[N, A]`` root soft Q values.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP, non-numeric ``taus``.
      ValueError: ``mdp`` without a horizon; ``taus`` empty, negative or non-finite.
    """
    check_instance(mdp, FiniteMDP, "mdp")
    if mdp.horizon is None:
        raise ValueError(f"mdp must have a finite horizon; {mdp.name!r} has horizon None")
    taus = np.atleast_1d(as_real_array(taus, "taus", low=0.0, min_ndim=0))
    return np.stack([soft_backward_induction(mdp, float(t)).q[0] for t in taus])


def d_chain_root_gap(n: int, final_reward: float, tau: float) -> float:
    """Q*_τ(root, R) − Q*_τ(root, L) on the D-chain, exactly (soft backward induction).

    Args:
      n: chain length D >= 1; final_reward: R_f; tau: τ >= 0.
    Returns:
      the gap; positive when the soft optimum goes right at the root.
    Raises:
      TypeError: a non-integer ``n``, a non-numeric ``final_reward`` or ``tau``.
      ValueError: n < 1, non-finite ``final_reward``, τ < 0 or non-finite.
    """
    n = check_int(n, "n", low=1)
    final_reward = check_real(final_reward, "final_reward")
    tau = check_tau(tau)
    q = soft_backward_induction(d_chain(n, final_reward), tau).q[0]
    return float(q[1] - q[0])


def d_chain_critical_temperature(
    n: int, final_reward: float, *, bracket: tuple[float, float] = (1e-3, 10.0), xtol: float = 1e-14
) -> float:
    """τ_c: the temperature where the D-chain's soft-optimal root action switches from L to R.

    The root of Q*_τ(root, R) − Q*_τ(root, L) in τ, found by Brent's method
    (scipy.optimize.brentq) on the exact soft values of :func:`d_chain_root_gap`. For D = 10,
    R_f = 1/2 the soft optimum prefers R exactly when τ > τ_c ≈ 0.1386, while the reward-optimal
    root action is L (0.9 > 1/2). Source: Painter et al. 2023 (NeurIPS), "Monte Carlo tree search
    with Boltzmann exploration": the modified D-chain (ments-notes §5a).

    Args:
      n: chain length D >= 2; final_reward: R_f.
      bracket: (τ_lo, τ_hi) with a sign change of the gap.
      xtol: absolute tolerance of the root in τ.
    Returns:
      τ_c.
    Raises:
      TypeError: a non-integer ``n``, non-numeric ``final_reward``, ``bracket`` or ``xtol``.
      ValueError: n < 2, non-finite ``final_reward``, a bracket that is not two finite
        temperatures 0 <= τ_lo < τ_hi, xtol <= 0, or no sign change of the gap on the bracket
        (e.g. R_f = 1, where R is the soft optimum at every τ).
    """
    n = check_int(n, "n", low=2)
    final_reward = check_real(final_reward, "final_reward")
    lo, hi = (float(b) for b in as_real_array(bracket, "bracket", low=0.0, shape=(2,)))
    if not lo < hi:
        raise ValueError(f"bracket must be (tau_lo, tau_hi) with tau_lo < tau_hi, got {bracket!r}")
    xtol = check_real(xtol, "xtol", low=0.0, open_low=True)
    g_lo, g_hi = d_chain_root_gap(n, final_reward, lo), d_chain_root_gap(n, final_reward, hi)
    if not g_lo < 0 < g_hi:
        raise ValueError(
            f"no L-to-R switch of the D-chain (n={n}, final_reward={final_reward}) on {bracket}: "
            f"gap(R − L) = {g_lo:.3g} at {lo}, {g_hi:.3g} at {hi}"
        )
    return float(
        brentq(
            lambda t: d_chain_root_gap(n, final_reward, t), lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps
        )
    )


# ---------------------------------------------------------------------------------------------
# The entropy trap's critical temperature
# ---------------------------------------------------------------------------------------------
def entropy_trap_gap(n: int, k: int, tau: float) -> float:
    """Q*_τ(s^E, L) − Q*_τ(s^E, R) on :func:`mdps.generators.entropy_trap`, exactly (soft
    backward induction on the whole MDP).

    Args:
      n: chain length D >= 1; k: binary choices of the entropy chain >= 1; tau: τ >= 0.
    Returns:
      the gap; positive when the soft optimum at s^E enters the zero-reward entropy chain.
    Raises:
      TypeError: a non-integer ``n`` or ``k``, a non-numeric ``tau``.
      ValueError: n < 1, k < 1, τ < 0 or non-finite.
    """
    tau = check_tau(tau)
    mdp = entropy_trap(n, k)
    q = soft_backward_induction(mdp, tau).q[n]  # s^E is state n
    return float(q[0] - q[1])


def entropy_trap_critical_temperature(k: int) -> float:
    """τ_trap = 1/(k log 2): above it the entropy trap's soft optimum is misaligned.

    Derived here, exactly: every state of the entropy chain has two actions of reward 0, so
    backward induction gives V*_τ = τ log(e^{V/τ} + e^{V/τ}) = V + τ log 2 per binary choice,
    V*_τ(s^F) = τ k log 2, and at s^E Q*_τ(s^E, L) = 0 + τ k log 2 against Q*_τ(s^E, R) = 1: the
    soft-greedy action at s^E is the zero-reward L exactly when τ > 1/(k log 2), while the
    reward-optimal action is R. Every chain state prefers R under both objectives
    (Q*_τ(sⁱ, R) >= Q*_0(sⁱ, R) = 1 > (n−1−i)/n = Q*_τ(sⁱ, L)), and the entropy chain's
    actions are all tied, so s^E is the only misaligned state and τ_trap does not depend on n.
    The case split α > 1/(D log 2) (misaligned) or not is the proof of Painter's theorem
    ``thrm:ments_bad_mdp`` (thesis, ch. 4; there k = D).

    Args:
      k: binary choices of the entropy chain, >= 1.
    Returns:
      τ_trap (0.14427 for k = 10, 0.05771 for k = 25).
    Raises:
      TypeError: a non-integer ``k``. ValueError: k < 1.
    """
    return 1.0 / (check_int(k, "k", low=1) * np.log(2.0))
