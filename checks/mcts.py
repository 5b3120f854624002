"""Claims G1–G2 (slides "Maximum entropy monte-carlo planning"): the MENTS and UCT engines.

G1: MENTS's root soft-value estimate F_τ(Q_sft(root, ·)) converges to the exact soft value
V*_τ(root) (backward induction, D3), not to the value of hard-max backups, also when the
horizon stops the search above the tree's leaves.
G2: MENTS's tree policy is E2W, λ_s = min(1, ε|A|/log(Σ_a N(s, a) + 1)), its backups are
Q_sft(s, a) = r + F_τ(Q_sft(s', ·)) (leaf: the mean observation), its final action argmax root
Q_sft; UCT's are UCB1 and mean backups: checked exactly on the final statistics of searches on
hand-made trees.
G3a, G3b, G4 (failure rates against simulations, MENTS against UCT, and the D-chain) live in
:mod:`checks.planning`, which imports the bound helper below.

Search settings of every experiment (fixed in advance, not tuned on the results; in
:mod:`mdps.instances`, shared with checks.planning and the figures): τ = 0.1, ε = 0.1 and leaf
noise σ = 0.05 as in the public re-implementation of the synthetic-tree experiment
(ments-notes §3); UCT's constant c = √2, UCB1's for rewards in [0, 1] (Auer et al. 2002), and
UCT recommends the action of largest mean (max value).

Statistics (theory.stats). Every statistical comparison is an exact one-sided Clopper–Pearson
bound on the probability of a per-run event (a run is one independent search), the claim at a
finite budget being the null hypothesis: a comparison fails only when the bound shows the data
significantly against the claim. A claim's :data:`theory.stats.CLAIM_FALSE_ALARM` is split by
:func:`theory.stats.bonferroni` over its instances and over every bound an instance computes; on
the event that all bounds cover their probabilities (probability >= 1 − CLAIM_FALSE_ALARM) no
comparison of a true claim can fail. Runs pooled over several trees have a Poisson-binomial count,
whose tails beyond one unit from the mean are no heavier than the binomial's at the average
probability (Hoeffding 1956, "On the distribution of the number of successes in independent
trials"), so the bounds stay valid for the average over the pooled trees.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp

from checks.bandit import e2w_instance_comparisons, e2w_reference
from checks.base import CheckResult, Claim, Probe, fold, register
from checks.subjects import OWN, Subjects
from checks.suite import check_size
from mdps.finite import FiniteMDP
from mdps.generators import d_chain
from mdps.instances import MCTS_EPSILON as EPSILON  # the search settings of every G experiment
from mdps.instances import MCTS_SIGMA as SIGMA
from mdps.instances import MCTS_TAU as TAU
from mdps.instances import UCT_C
from mdps.trees import SyntheticTree, synthetic_tree, tree_from_leaf_means, tree_mdp
from theory.bandit import inverse_cdf_sample
from theory.mcts import (
    ments,
    search_tree,
    ucb1_distribution,
    uct,
)
from theory.roundoff import roundoff
from theory.softmax import soft_value
from theory.solvers import soft_backward_induction
from theory.stats import CLAIM_FALSE_ALARM, bonferroni, clopper_pearson

__all__ = [
    "DELTA_MIN",
    "G1",
    "G2",
    "check_search_rules",
    "check_soft_value_convergence",
    "check_tree_policy",
    "discriminating_trees",
    "edge_reward_tree_mdp",
    "hand_made_trees",
    "rate_bounds",
]


def rate_bounds(events: np.ndarray, beta: float) -> tuple[int, int, float, float]:
    """(count, runs, lower, upper) for the probability of a per-run event: one-sided exact bounds.

    ``lower`` and ``upper`` are each a one-sided Clopper–Pearson bound at level ``beta`` (the
    two-sided interval at 2β of :func:`theory.stats.clopper_pearson`): for the true probability
    p, P(lower > p) <= β and P(upper < p) <= β over the runs' randomness.

    Args:
      events: ``[R]`` bool, the event in each independent run.
      beta: the level of each bound.
    Returns:
      (events counted, R, lower, upper).
    """
    events = np.asarray(events, dtype=bool)
    k, n = int(events.sum()), int(events.size)
    lo, hi = clopper_pearson(k, n, 2 * beta)
    return k, n, lo, hi


def falling_curve_cases(marks, low, high, prefix: str = "") -> dict[str, tuple[float, float]]:
    """The comparisons of "a probability falls towards zero with simulations", as (measured,
    allowed) pairs for :meth:`~checks.base.Claim.worst_of` (G3a, G7).

    With one-sided lower/upper bounds (each at level β) of the probability p_j at budget t_j:
    never rises, lower(p_{j+1}) <= upper(p_j); at least halves, lower(p_T) <= upper(p_1)/2. A
    comparison fails only when the bounds separate the wrong way, which a true claim does with
    probability at most the sum of the bounds' levels.

    Args:
      marks: the budgets t_1 < … < t_T (ints); low, high: ``[T]`` the bounds; prefix: of every label.
    """
    cases = {
        f"{prefix}never rises {a}→{b}: lower(p_{b}) vs upper(p_{a})": (low[j + 1], high[j])
        for j, (a, b) in enumerate(zip(marks[:-1], marks[1:]))
    }
    cases[f"{prefix}halves: lower(p_{marks[-1]}) vs upper(p_{marks[0]})/2"] = (low[-1], high[0] / 2)
    return cases


# ---------------------------------------------------------------------------------------------
# G1: convergence of the root soft value
# ---------------------------------------------------------------------------------------------
G1 = Claim(
    "G1",
    "MENTS's Q_sft(s,a) = r + F_τ(Q_sft(s',·)) gives F_τ(Q_sft(root,·)) → V*_τ(root) (backward "
    "induction, also with a horizon above the leaves)",
    "seed deck, 'Maximum entropy monte-carlo planning' (softmax backup); Xiao et al. 2019",
    false_alarm=CLAIM_FALSE_ALARM,
)

#: Smallest distance δ between the soft target and the hard-backup limit of a G1 instance: below
#: it the two are not told apart at the budgets of the plan (δ/2 = 0.01 is several standard
#: errors σ/√N of a leaf mean visited N >= 100 times, 0.005 at σ = 0.05).
DELTA_MIN = 0.02


def _hard_max(q: np.ndarray, tau: float) -> np.ndarray:
    """Hard-max backup max_a Q(s', a): the τ = 0 backup (UCT-like target), a wrong one for MENTS."""
    return q.max(axis=-1)


def _targets(mdp: FiniteMDP, tau: float) -> tuple[float, float]:
    """(V*_τ(root), δ): the soft target and its distance to the hard-backup limit F_τ(Q*_0(root, ·))."""
    v_soft = float(soft_backward_induction(mdp, tau).v[0])
    return v_soft, v_soft - float(soft_value(soft_backward_induction(mdp, 0.0).q[0], tau))


def edge_reward_tree_mdp(tree: SyntheticTree, horizon: int) -> FiniteMDP:
    """The synthetic tree with a reward on every edge, searched to a horizon H below its depth.

    Action a at internal node i moves to child i·k + 1 + a and pays that edge's value w ~ U[0, 1)
    (so a path's return is its unnormalised path sum); the last level ends the episode. With
    H < d the horizon, not a terminal state, ends every simulation: the search's leaf edges are
    those leaving depth H − 1, and V*_τ(root) is backward induction over H stages.

    Args:
      tree: a SyntheticTree of depth d.
      horizon: H, 1 <= H <= d.
    Returns:
      FiniteMDP with the states and transitions of :func:`mdps.trees.tree_mdp`, horizon H.
    """
    base = tree_mdp(tree)
    k, n_int = tree.branching, tree.n_internal
    if not 1 <= horizon <= tree.depth:
        raise ValueError(f"horizon must be in [1, d = {tree.depth}], got {horizon!r}")
    child = np.arange(n_int)[:, None] * k + 1 + np.arange(k)
    R = np.zeros((n_int + 1, k))
    R[:n_int] = tree.edge_values[child]
    name = f"{tree.name}, edge rewards, H={horizon}"
    return FiniteMDP(base.P, R, 1.0, horizon=horizon, terminal=base.terminal, name=name)


def discriminating_trees(
    branching: int, depth: int, n_trees: int, *, seed: int, horizon: int | None = None, tau: float = TAU
) -> list[FiniteMDP]:
    """The first ``n_trees`` synthetic trees (seeds seed, …, seed + 99) whose δ >= :data:`DELTA_MIN`.

    δ = V*_τ(root) − F_τ(Q*_0(root, ·)), exact: the selection looks at no search. With ``horizon``
    the trees are :func:`edge_reward_tree_mdp` at that horizon, otherwise :func:`tree_mdp`.
    About 30 % of (k, d) = (2, 3) trees and half of the (4, 3) trees at H = 2 are skipped; none of
    the larger shapes.

    Raises:
      ValueError: fewer than ``n_trees`` qualify among 100 seeds.
    """
    out = []
    for s in range(seed, seed + 100):
        tree = synthetic_tree(branching, depth, seed=s)
        mdp = tree_mdp(tree) if horizon is None else edge_reward_tree_mdp(tree, horizon)
        if _targets(mdp, tau)[1] >= DELTA_MIN:
            out.append(mdp)
            if len(out) == n_trees:
                return out
    raise ValueError(
        f"fewer than {n_trees} trees (k={branching}, d={depth}) with δ >= {DELTA_MIN} in 100 seeds"
    )


@G1.subjects("backup_value")
def check_soft_value_convergence(
    mdps: FiniteMDP | Sequence[FiniteMDP],
    tau: float = TAU,
    *,
    epsilon: float = EPSILON,
    sigma: float = SIGMA,
    checkpoints=(10, 100, 1000),
    n_runs: int = 25,
    seed: int = 0,
    alpha: float = CLAIM_FALSE_ALARM,
    backup_value=soft_value,
) -> CheckResult:
    """G1 on one tree or several of one shape: F_τ(Q̂_sft(root, ·)) ends near V*_τ(root), not near
    the hard-backup limit.

    Per run r and checkpoint t, the error e_t = F_τ(Q̂_sft(root, ·)) − V*_τ(root) on the run's
    tree, and δ = V*_τ(root) − F_τ(Q*_0(root, ·)) > 0, the distance from the soft target to the
    limit of hard-max backups below the root (a search converging there ends with e ≈ −δ).
    V*_τ and Q*_0 are exact (``theory.solvers.soft_backward_induction`` over the MDP's horizon,
    CLAIMS D3). The claim at the last budget T, as two per-run events whose probability must not
    be significantly above 1/2 (the median run satisfies the claim):
    - soft target: |e_T| >= δ/2 (the run is no closer to V*_τ than to the hard-backup limit);
    - shrinks: |e_T| >= |e_first| (the error did not fall).
    A non-finite estimate counts as the event. Each is tested by a one-sided Clopper–Pearson lower
    bound at level α/2 on its probability over the R runs (pooled over the trees, see the module
    docstring): measured = the lower bound, tolerance 1/2. If both probabilities are <= 1/2, the
    check fails with probability <= α (exactly: binomial tails); MENTS on the trees of the plan
    has them at about 0.05–0.25 at T = 1000, broken backups near 1. The error's distribution is
    bimodal (most runs converge, a few have not yet found the best leaf), which is why the claim
    is stated for the median run and not with a CLT band on the mean.

    Args:
      mdps: a tree MDP (:func:`theory.mcts.search_tree`), or several of equal (S, A, H), searched
        together with ``n_runs`` runs each.
      tau: τ > 0; epsilon, sigma: MENTS's ε and the leaf noise σ.
      checkpoints: increasing simulation counts; n_runs: runs per tree; seed: seeds the search.
      alpha: false-alarm level of this instance (both comparisons).
      backup_value: the search's node value (F_τ; a hard max is the negative control).
    Returns:
      CheckResult; ``details`` has the error curve (median |e|, share of runs within δ/2, with
      bounds), the δ's and a one-line summary.
    Raises:
      ValueError: δ <= 0 on a tree (depth 1: soft and hard backups below the root coincide).
    """
    forest = [mdps] if isinstance(mdps, FiniteMDP) else list(mdps)
    targets = [_targets(m, tau) for m in forest]
    for m, (_, delta) in zip(forest, targets):
        if not delta > 0:
            raise ValueError(f"{m.name}: soft and hard targets coincide (δ = {delta}); use depth >= 2")
    v_soft = np.repeat([v for v, _ in targets], n_runs)
    delta = np.repeat([d for _, d in targets], n_runs)
    res = ments(
        forest if len(forest) > 1 else forest[0],
        tau=tau,
        epsilon=epsilon,
        sigma=sigma,
        checkpoints=checkpoints,
        n_runs=n_runs,
        seed=seed,
        backup_value=backup_value,
    )
    err = soft_value(res.root_q, tau) - v_soft  # [T, R]
    # "not (< x)": a NaN estimate counts as the event, so a broken search cannot pass by NaN.
    far = ~(np.abs(err) < delta / 2)  # [T, R]
    grew = ~(np.abs(err[-1]) < np.abs(err[0]))
    beta = bonferroni(alpha, 2)
    k_far, n, lo_far, _ = rate_bounds(far[-1], beta)
    k_grew, _, lo_grew, _ = rate_bounds(grew, beta)
    curve = [
        {
            "simulations": int(t),
            "median_abs_error": float(np.median(np.abs(e))),
            "share_within_half_delta": float(1 - f.mean()),
        }
        for t, e, f in zip(res.checkpoints, err, far)
    ]
    name = forest[0].name if len(forest) == 1 else f"{len(forest)} trees like {forest[0].name}"
    instance = f"{name}, tau={tau:g}"
    T, t0 = int(res.checkpoints[-1]), int(res.checkpoints[0])
    return G1.worst_of(
        {
            "soft target: lower bound of P(|e_T| >= δ/2)": (lo_far, 0.5),
            "shrinks: lower bound of P(|e_T| >= |e_first|)": (lo_grew, 0.5),
        },
        {
            "instance": instance,
            "summary": (
                f"{instance}: at t={T}, {n - k_far}/{n} runs within δ/2 of V*_τ (lower bound of "
                f"P(not within) {lo_far:.3g} at level {beta:.2g}, claim <= 1/2); median |V̂ − V*_τ| "
                f"{curve[-1]['median_abs_error']:.3g}, from {curve[0]['median_abs_error']:.3g} at t={t0}; "
                f"δ (hard-backup limit) in [{min(d for _, d in targets):.3g}, "
                f"{max(d for _, d in targets):.3g}]"
            ),
            "error_curve": curve,
            "runs_not_within_half_delta": k_far,
            "runs_error_not_fallen": k_grew,
            "runs": n,
            "bound_level": beta,
            "delta_soft_vs_hard": [d for _, d in targets],
            "v_soft_root": [v for v, _ in targets],
            "settings": {"epsilon": epsilon, "sigma": sigma, "runs_per_tree": n_runs},
            "ci_method": "one-sided Clopper–Pearson bounds (theory.stats), runs pooled over trees",
        },
    )


#: size -> ((k, d) shapes, trees per shape, runs per tree, budgets). Every size adds the
#: horizon instance :data:`_G1_HORIZON`.
_G1_PLAN = {
    "quick": (((2, 3),), 4, 25, (10, 100, 1000)),
    "default": (((2, 3), (4, 3), (3, 4)), 4, 25, (10, 100, 1000, 3000)),
    "full": (((2, 3), (4, 3), (3, 4), (8, 3), (4, 5)), 8, 25, (10, 100, 1000, 10000)),
}
#: (k, d, H): trees of depth 3 with rewards on every edge, searched to horizon 2, so that
#: simulations end at a non-terminal state (a leaf rule that waits for a terminal state would
#: back up F_τ(Q_init) = τ log k there and converge τ log k above V*_τ).
_G1_HORIZON = (4, 3, 2)


@register(G1)
def battery_soft_value_convergence(*, seed: int, size: str) -> CheckResult:
    """G1 on the (k, d) shapes of the plan and the horizon instance, each pooled over seeded trees.

    Instance i draws its trees from seeds seed + 1000·i, …, seed + 1000·i + 99
    (:func:`discriminating_trees`) and searches with seed + 1000·i + 500 (a stream apart from
    its trees'); the claim's false-alarm level is split evenly over the instances.
    """
    check_size(size)
    shapes, n_trees, n_runs, marks = _G1_PLAN[size]
    k, d, H = _G1_HORIZON
    instances = [
        discriminating_trees(k_, d_, n_trees, seed=seed + 1000 * i) for i, (k_, d_) in enumerate(shapes)
    ]
    instances.append(discriminating_trees(k, d, n_trees, seed=seed + 1000 * len(shapes), horizon=H))
    alpha = bonferroni(CLAIM_FALSE_ALARM, len(instances))
    return fold(
        G1,
        (
            check_soft_value_convergence(
                trees, checkpoints=marks, n_runs=n_runs, seed=seed + 1000 * i + 500, alpha=alpha
            )
            for i, trees in enumerate(instances)
        ),
    )


# ---------------------------------------------------------------------------------------------
# G2: the sampling and backup rules, exactly
# ---------------------------------------------------------------------------------------------
G2 = Claim(
    "G2",
    "MENTS samples E2W, λ_s = min(1, ε|A|/log(Σ_a N(s,a)+1)), backs up r + F_τ(Q_sft(s',·)), "
    "proposes argmax Q_sft(root,·); UCT: UCB1, means",
    "seed deck, 'Algorithm: Maximum entropy monte-carlo planning' (E2W tree policy); Xiao et al. 2019",
    roles=("e2w",),
)


def hand_made_trees() -> dict[str, FiniteMDP]:
    """Small trees whose every statistic can be recomputed by hand.

    A binary tree of depth 2 (also with rewards on every edge), a ternary tree of depth 2, the
    D-chain with D = 4, R_f = 1/2 (unequal depths, one terminal state shared by every leaf
    edge), and a binary tree of depth 3 with edge rewards searched to horizon 2 (simulations end
    at a non-terminal state: the leaf rule is the horizon's).
    """
    return {
        "binary d=2": tree_mdp(tree_from_leaf_means(2, [0.0, 1.0, 0.6, 0.5], name="binary d=2")),
        "ternary d=2": tree_mdp(
            tree_from_leaf_means(3, [0.2, 0.9, 0.1, 0.5, 0.5, 0.4, 1.0, 0.0, 0.3], name="ternary d=2")
        ),
        "binary d=2, inner rewards": _with_inner_rewards(
            tree_mdp(tree_from_leaf_means(2, [0.0, 1.0, 0.6, 0.5])), [[0.3, -0.2], [0.1, 0.0], [0.0, 0.4]]
        ),
        "d-chain D=4": d_chain(4, 0.5),
        "binary d=3, horizon 2": edge_reward_tree_mdp(synthetic_tree(2, 3, seed=0), 2),
    }


def _with_inner_rewards(mdp: FiniteMDP, inner) -> FiniteMDP:
    """``mdp`` with r(s, a) replaced by ``inner`` on the first states (tests r in r + F_τ)."""
    R = np.array(mdp.R)
    R[: len(inner)] = inner
    return FiniteMDP(mdp.P, R, mdp.gamma, horizon=mdp.horizon, terminal=mdp.terminal, name=f"{mdp.name}+r")


def _reference_ucb1(q: np.ndarray, counts: np.ndarray, c: float) -> np.ndarray:
    """UCB1 written out: uniform over argmax of Q̄ + c·sqrt(log N/N(a)), unvisited scoring +inf."""
    n_s = counts.sum(axis=-1, keepdims=True)
    score = np.full(q.shape, np.inf)
    seen = counts > 0
    score[seen] = (q + c * np.sqrt(np.log(np.maximum(n_s, 1)) / np.maximum(counts, 1)))[seen]
    best = score == score.max(axis=-1, keepdims=True)
    return best / best.sum(axis=-1, keepdims=True)


def _replay_mismatches(res, seed: int, horizon: int, reference) -> float:
    """Root actions of simulation t + 1 that the reference policy would not have drawn.

    For consecutive snapshots t, t + 1 of ``res``, the action is where the root counts grew; the
    uniform is replayed from ``seed`` (t simulations of H uniforms and one normal precede it); the reference
    action is the inverse CDF of ``reference(root Q_t, root N_t)`` at it (np.searchsorted).
    """
    n_runs = res.recommendations.shape[1]
    mismatches = 0
    for i in np.flatnonzero(np.diff(res.checkpoints) == 1):
        rng = np.random.default_rng(seed)
        for _ in range(int(res.checkpoints[i])):  # the engine's calls, in its order
            for _ in range(horizon):
                rng.random(n_runs)
            rng.standard_normal(n_runs)
        u = rng.random(n_runs)
        taken = np.argmax(res.root_counts[i + 1] - res.root_counts[i], axis=-1)
        cdf = np.cumsum(reference(res.root_q[i], res.root_counts[i]), axis=-1)
        expected = [np.searchsorted(cdf[r], u[r] * cdf[r, -1], side="right") for r in range(n_runs)]
        mismatches += int(np.sum(taken != np.array(expected)))
    return float(mismatches)


#: Visit counts Σ_a N(s, a) at which the tree policy is also evaluated (G2).
_POLICY_VISITS = np.array([0, 1, 2, 3, 5, 10, 100, 10**4])


def _count_and_parent_errors(tree, counts: np.ndarray, n_sims: int) -> int:
    """Visits that do not add up: Σ_a N(s', a) ≠ N(s, a) below every inner edge, Σ_a N(root, a) ≠ t."""
    inner = ~tree.leaf_edge & (tree.depth >= 0)[:, None]
    s, a = np.nonzero(inner)
    child_visits = counts[:, tree.successor[s, a], :].sum(axis=-1)  # [R, edges]
    bad = int(np.sum(child_visits != counts[:, s, a]))
    return bad + int(np.sum(counts[:, 0, :].sum(axis=-1) != n_sims))


@G2.subjects()
def check_tree_policy(q, n_total, tau: float, epsilon: float, *, subjects: Subjects = OWN) -> CheckResult:
    """G2's tree-policy rule on one node: MENTS's E2W at (Q(s, ·), N) is the formula written out.

    ``subjects.e2w(Q, N, τ, ε)`` against (1 − λ) softmax(Q/τ) + λ/|A|, λ = min(1, ε|A|/log(N + 1))
    (:func:`checks.bandit.e2w_reference`, which :func:`check_search_rules` compares at every
    node of its searches), by :func:`checks.bandit.e2w_instance_comparisons`: the smallest
    instance of a wrong tree policy (the shrinking probe of G2).

    Args:
      q: ``[A]`` Q_sft(s, ·); n_total: N = Σ_a N(s, a), an integer >= 0; tau: τ > 0; epsilon: ε > 0.
      subjects: the ``e2w`` under test.
    Returns:
      CheckResult of the comparison.
    Raises:
      ValueError: an instance outside the claim (q not a finite ``[A]`` vector, N < 0, τ or ε
        not positive and finite).
    """
    return G2.worst_of(*e2w_instance_comparisons(q, n_total, tau, epsilon, subjects=subjects))


@G2.subjects("backup_value")
def check_search_rules(
    mdp: FiniteMDP,
    tau: float = TAU,
    *,
    epsilon: float = EPSILON,
    c: float = UCT_C,
    sigma: float = SIGMA,
    n_simulations: int = 200,
    n_runs: int = 20,
    seed: int = 0,
    subjects: Subjects = OWN,
    backup_value=soft_value,
    sampler=inverse_cdf_sample,
    tol: float | None = None,
) -> CheckResult:
    """G2 on one small tree: every statistic of a finished MENTS and UCT search obeys its rule.

    MENTS (``subjects.e2w`` as its tree policy, ``backup_value`` injected into the search):
    - tree policy: ``subjects.e2w(Q(s, ·), N, τ, ε)`` at every reachable state of every run, with
      N = Σ_a N(s, a) and with N in {0, 1, 2, 3, 5, 10, 100, 10⁴}, equals
      (1 − λ) softmax(Q/τ) + λ/|A|, λ = min(1, ε|A|/log(N + 1)) (scipy's softmax);
    - backups: at every visited inner edge Q_sft(s, a) = r + τ·logsumexp(Q_sft(s', ·)/τ)
      (scipy's logsumexp), at every visited leaf edge Q_sft = W/N, unvisited edges Q = 0;
    - final action = argmax_a Q_sft(root, a);
    UCT: Q̄ = W/N on visited edges; :func:`theory.mcts.ucb1_distribution` against the UCB1
    scores written out. Both: visits add up (N(s, a) = Σ_a' N(s', a') below inner edges,
    Σ_a N(root, a) = t), an exact count of mismatches (allowance 0); and, on trees whose
    simulations all have depth H, the engine's own root draws: with snapshots at t and t + 1
    (t = 1, …, 8 and the last) the action of simulation t + 1 must be the inverse CDF of the
    formula written out (E2W, UCB1) at the uniform replayed from the seed (count). Sampling:
    ``sampler(dist, u)`` on 64 seeded distributions × a grid of u against ``np.searchsorted``
    on the CDF (count).
    Tolerance of the real-valued comparisons: 64·eps·(1 + A)·(1 + max|Q|) (a log-sum-exp or a
    mix over A terms; W/N is one division), or ``tol``.

    Args:
      mdp: a small tree MDP (e.g. from :func:`hand_made_trees`).
      tau, epsilon, c, sigma: search settings.
      n_simulations, n_runs, seed: the searches.
      subjects: the ``e2w`` under test, MENTS's tree policy ``(Q [..., A], N, τ, ε) -> [..., A]``
        (a foreign one is called row by row: R calls per node visited in a simulation step).
      backup_value: the node value backed up, injected into MENTS (negative controls).
      sampler: the inverse-CDF sampler under test.
      tol: replaces the round-off tolerance.
    Returns:
      CheckResult of the worst comparison.
    """
    tree = search_tree(mdp)
    A = tree.n_actions
    reach = np.flatnonzero(tree.depth >= 0)
    # Every simulation draws H uniforms and one normal when no leaf edge ends it early: then the
    # root draw of simulation t + 1 can be replayed from the seed (module docstring of
    # theory.mcts, "Draw order"), and snapshots at t and t + 1 show which action it chose.
    replayable = not np.any(tree.leaf_edge[reach] & (tree.depth[reach] < tree.horizon - 1)[:, None])
    marks = sorted(set(range(1, 9)) | {n_simulations - 1, n_simulations}) if replayable else [n_simulations]
    kw = dict(sigma=sigma, checkpoints=marks, n_runs=n_runs, seed=seed)
    m = ments(mdp, tau=tau, epsilon=epsilon, tree_policy=subjects.e2w, backup_value=backup_value, **kw)
    u = uct(mdp, c=c, **kw)
    q_scale = max(np.abs(m.q).max(), np.abs(u.q).max())
    # operations: an A-term backup (F_τ or mean) and one more; magnitude: 1 + the largest |Q|
    round_off = roundoff(1 + A, 1 + q_scale) if tol is None else tol
    visited = m.counts > 0
    leaf = np.broadcast_to(tree.leaf_edge, m.q.shape)
    cases: dict[str, tuple[float, float]] = {}

    # The policy on the final statistics, and on the same Q rows at every N of _POLICY_VISITS
    # (the final N are large; the small ones are where λ's clip to 1 acts).
    q_rows = m.q[:, reach].reshape(-1, A)
    n_final = m.counts[:, reach].sum(axis=-1).reshape(-1)
    n_total = np.concatenate([n_final, np.repeat(_POLICY_VISITS, q_rows.shape[0])])
    q_rows = np.concatenate([q_rows, np.tile(q_rows, (_POLICY_VISITS.size, 1))])
    pi = subjects.e2w(q_rows, n_total, tau, epsilon)
    cases["MENTS tree policy vs E2W written out"] = (
        float(np.abs(pi - e2w_reference(q_rows, n_total, tau, epsilon)).max()),
        round_off,
    )
    soft_child = tau * logsumexp(m.q[:, tree.successor] / tau, axis=-1)  # [R, S, A]
    terminal_child = ~(tree.depth[tree.successor] >= 0)
    soft_child = np.where(terminal_child, 0.0, soft_child)
    backup_ref = np.where(leaf, m.return_sums / np.maximum(m.counts, 1), tree.reward + soft_child)
    err = np.where(visited, np.abs(m.q - backup_ref), np.abs(m.q))
    err[:, tree.depth < 0] = 0.0  # unreachable and terminal states hold no statistics
    cases["MENTS backups (inner r + F_τ, leaf W/N, unvisited 0)"] = (float(err.max()), round_off)
    cases["MENTS final action = argmax Q_sft(root): mismatches"] = (
        float(np.sum(m.recommendations[-1] != np.argmax(m.q[:, 0], axis=-1))),
        0.0,
    )
    cases["MENTS visits add up: mismatches"] = (
        float(_count_and_parent_errors(tree, m.counts, n_simulations)),
        0.0,
    )

    u_err = np.where(u.counts > 0, np.abs(u.q - u.return_sums / np.maximum(u.counts, 1)), np.abs(u.q))
    cases["UCT mean backups Q̄ = W/N"] = (float(u_err.max()), round_off)
    cases["UCT visits add up: mismatches"] = (
        float(_count_and_parent_errors(tree, u.counts, n_simulations)),
        0.0,
    )
    uq, un = u.q[:, reach].reshape(-1, A), u.counts[:, reach].reshape(-1, A)
    cases["UCB1 choice = uniform over argmax of Q̄ + c·sqrt(log N/N(a))"] = (
        float(np.abs(ucb1_distribution(uq, un, c) - _reference_ucb1(uq, un, c)).max()),
        round_off,
    )
    if replayable:
        cases["MENTS root draws replayed against E2W written out: mismatches"] = (
            _replay_mismatches(m, seed, tree.horizon, lambda q, n: e2w_reference(q, n.sum(-1), tau, epsilon)),
            0.0,
        )
        cases["UCT root draws replayed against UCB1 written out: mismatches"] = (
            _replay_mismatches(u, seed, tree.horizon, lambda q, n: _reference_ucb1(q, n, c)),
            0.0,
        )

    rng = np.random.default_rng(seed)
    dist = rng.dirichlet(np.ones(A), size=64)
    dist[:8, 0] = 0.0  # zero-probability actions must never be drawn
    dist /= dist.sum(axis=-1, keepdims=True)
    grid = np.linspace(0.0, 1.0, 257)[:-1]
    drawn = np.stack([sampler(dist, np.full(64, g)) for g in grid])
    cdf = np.cumsum(dist, axis=-1)
    ref = np.stack([np.searchsorted(cdf[i], grid * cdf[i, -1], side="right") for i in range(64)], axis=1)
    cases["inverse-CDF sampling: mismatches"] = (float(np.sum(drawn != ref)), 0.0)
    return G2.worst_of(
        cases,
        {
            "instance": f"{mdp.name}, tau={tau:g}, epsilon={epsilon:g}",
            "simulations": n_simulations,
            "runs": n_runs,
        },
    )


@register(G2, probe=Probe(("q", "n_total", "tau", "epsilon"), check_tree_policy))
def battery_search_rules(*, seed: int, size: str, subjects: Subjects = OWN) -> CheckResult:
    """G2 on the hand-made trees at ε = 0.1 and ε = 1 (where λ's clip to 1 is active at N = 1).

    The trees are searched, not given to the subject: it is asked only for E2W at τ = :data:`TAU`.
    """
    check_size(size)
    n_sims, n_runs = {"quick": (60, 10), "default": (300, 20), "full": (1000, 50)}[size]
    pairs = [(m, eps) for m in hand_made_trees().values() for eps in (EPSILON, 1.0)]
    cases = subjects.admit(
        G2, [(i, m, eps) for i, (m, eps) in enumerate(pairs)], key=lambda case: (None, TAU)
    )
    return fold(
        G2,
        (
            check_search_rules(
                m, epsilon=eps, n_simulations=n_sims, n_runs=n_runs, seed=seed + i, subjects=subjects
            )
            for i, m, eps in cases
        ),
    )
