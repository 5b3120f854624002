"""Claims G1–G2 (slides "Maximum entropy monte-carlo planning"): the MENTS and UCT engines.

G1: MENTS's root soft-value estimate F_τ(Q_sft(root, ·)) converges to the exact soft value
V*_τ(root) (backward induction, D3), not to the value of hard-max backups.
G2: MENTS's tree policy is E2W, λ_s = min(1, ε|A|/log(Σ_a N(s, a) + 1)), its backups are
Q_sft(s, a) = r + F_τ(Q_sft(s', ·)) (leaf: the mean observation), its final action argmax root
Q_sft; UCT's are UCB1 and mean backups: checked exactly on the final statistics of searches on
hand-made trees.
G3–G4 (failure rates against simulations, and the D-chain) live in :mod:`checks.planning`,
which imports the search settings and the confidence level below from this module.

Search settings of every experiment (fixed in advance, not tuned on the results): τ = 0.1,
ε = 0.1 and leaf noise σ = 0.05 as in the public re-implementation of the synthetic-tree
experiment (ments-notes §3); UCT's constant c = √2, UCB1's for rewards in [0, 1] (Auer et al.
2002), and UCT recommends the action of largest mean (max value). Statistical statements use
95 % intervals: CLT (mean ± 1.96·sd/√R) for mean errors, Clopper–Pearson for proportions.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from scipy.special import softmax as scipy_softmax
from scipy.stats import norm

from checks.base import EPS, CheckResult, Claim, fold, register
from mdps.finite import FiniteMDP
from mdps.generators import d_chain
from mdps.trees import synthetic_tree, tree_from_leaf_means, tree_mdp
from theory.bandit import e2w_distribution, inverse_cdf_sample
from theory.mcts import (
    ments,
    search_tree,
    ucb1_distribution,
    uct,
)
from theory.softmax import soft_value
from theory.solvers import soft_backward_induction

__all__ = [
    "EPSILON",
    "G1",
    "G2",
    "LEVEL",
    "SIGMA",
    "TAU",
    "UCT_C",
    "check_search_rules",
    "check_soft_value_convergence",
    "hand_made_trees",
]

TAU, EPSILON, SIGMA = 0.1, 0.1, 0.05
UCT_C = float(np.sqrt(2.0))
#: Confidence level of every interval.
LEVEL = 0.95
_Z = float(norm.ppf(0.5 + LEVEL / 2))
_SIZES = ("quick", "default", "full")


def _check_size(size: str) -> None:
    if size not in _SIZES:
        raise ValueError(f"size must be one of {_SIZES}, got {size!r}")


def _mean_band(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low, high) over the last axis: the CLT 95 % interval mean ± 1.96·sd/√R."""
    mean = samples.mean(axis=-1)
    half = _Z * samples.std(axis=-1, ddof=1) / np.sqrt(samples.shape[-1])
    return mean, mean - half, mean + half


def _hard_max(q: np.ndarray, tau: float) -> np.ndarray:
    """Hard-max backup max_a Q(s', a): the τ = 0 backup (UCT-like target), a wrong one for MENTS."""
    return q.max(axis=-1)


# ---------------------------------------------------------------------------------------------
# G1: convergence of the root soft value
# ---------------------------------------------------------------------------------------------
G1 = Claim(
    "G1",
    "MENTS's Q_sft(s,a) = r + F_τ(Q_sft(s',·)) gives F_τ(Q_sft(root,·)) → V*_τ(root) (backward induction)",
    "seed deck, 'Maximum entropy monte-carlo planning' (softmax backup); Xiao et al. 2019",
)


def check_soft_value_convergence(
    mdp: FiniteMDP,
    tau: float = TAU,
    *,
    epsilon: float = EPSILON,
    sigma: float = SIGMA,
    checkpoints=(10, 100, 1000),
    n_runs: int = 100,
    seed: int = 0,
    backup_value=soft_value,
) -> CheckResult:
    """G1 on one tree: the error e_t = |F_τ(Q̂_sft(root, ·)) − V*_τ(root)| shrinks to the soft target.

    Per run and checkpoint t, e_t; its mean over R runs with the 95 % CLT band. Two comparisons:
    - shrinks: upper(e_last) − lower(e_first) <= 0;
    - reaches the soft target, not the hard one: upper(e_last) <= δ/2, where
      δ = V*_τ(root) − F_τ(Q*_0(root, ·)) is how far the limit of hard-max backups below the
      root lies from the soft target: the estimate must be significantly closer to the soft
      target than to the hard one (a search converging to the hard-max limit ends with e ≈ δ).
    V*_τ and Q*_0 are exact (``theory.solvers.soft_backward_induction``, CLAIMS D3).

    Args:
      mdp: a tree MDP (:func:`theory.mcts.search_tree`) of depth >= 2.
      tau: τ > 0; epsilon, sigma: MENTS's ε and the leaf noise σ.
      checkpoints: increasing simulation counts; n_runs: R; seed: seeds the search.
      backup_value: the search's node value (F_τ; a hard max is the negative control).
    Returns:
      CheckResult; ``details`` has the error curve with its band, δ and a one-line summary.
    Raises:
      ValueError: δ <= 0 (depth 1: soft and hard backups below the root coincide).
    """
    v_soft = soft_backward_induction(mdp, tau).v[0]
    delta = float(v_soft - soft_value(soft_backward_induction(mdp, 0.0).q[0], tau))
    if not delta > 0:
        raise ValueError(f"{mdp.name}: soft and hard targets coincide (δ = {delta}); use depth >= 2")
    res = ments(
        mdp,
        tau=tau,
        epsilon=epsilon,
        sigma=sigma,
        checkpoints=checkpoints,
        n_runs=n_runs,
        seed=seed,
        backup_value=backup_value,
    )
    err = np.abs(soft_value(res.root_q, tau) - v_soft)  # [T, R]
    mean, low, high = _mean_band(err)
    curve = [
        {"simulations": int(t), "mean_error": float(m), "band95": (float(lo), float(hi))}
        for t, m, lo, hi in zip(res.checkpoints, mean, low, high)
    ]
    instance = f"{mdp.name}, tau={tau:g}"
    return G1.worst_of(
        {
            "shrinks: upper(e_last) − lower(e_first)": (float(high[-1] - low[0]), 0.0),
            "soft target: upper(e_last) vs δ/2": (float(high[-1]), delta / 2),
        },
        {
            "instance": instance,
            "summary": (
                f"{instance}: |V̂ − V*_τ| at t={int(res.checkpoints[-1])}: {mean[-1]:.3g} "
                f"[{low[-1]:.3g}, {high[-1]:.3g}] (95 % CLT, {n_runs} runs), from {mean[0]:.3g} at "
                f"t={int(res.checkpoints[0])}; δ (hard-backup limit) = {delta:.3g}"
            ),
            "error_curve": curve,
            "delta_soft_vs_hard": delta,
            "v_soft_root": float(v_soft),
            "settings": {"epsilon": epsilon, "sigma": sigma, "runs": n_runs},
            "ci_method": "CLT, mean ± 1.96·sd/√R over runs",
        },
    )


_G1_PLAN = {
    "quick": (((2, 3),), 100, (10, 100, 1000)),
    "default": (((2, 3), (4, 3), (3, 4)), 100, (10, 100, 1000, 3000)),
    "full": (((2, 3), (4, 3), (3, 4), (8, 3), (4, 5)), 200, (10, 100, 1000, 10000)),
}


@register(G1)
def battery_soft_value_convergence(*, seed: int, size: str) -> CheckResult:
    """G1 on synthetic trees (k, d) of the plan, one tree each, seeded."""
    _check_size(size)
    shapes, n_runs, marks = _G1_PLAN[size]
    return fold(
        G1,
        (
            check_soft_value_convergence(
                tree_mdp(synthetic_tree(k, d, seed=seed + i)), checkpoints=marks, n_runs=n_runs, seed=seed + i
            )
            for i, (k, d) in enumerate(shapes)
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
)


def hand_made_trees() -> dict[str, FiniteMDP]:
    """Small trees whose every statistic can be recomputed by hand.

    A binary tree of depth 2 (also with rewards on every edge), a ternary tree of depth 2, and
    the D-chain with D = 4, R_f = 1/2 (unequal depths, one terminal state shared by every leaf
    edge).
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
    }


def _with_inner_rewards(mdp: FiniteMDP, inner) -> FiniteMDP:
    """``mdp`` with r(s, a) replaced by ``inner`` on the first states (tests r in r + F_τ)."""
    R = np.array(mdp.R)
    R[: len(inner)] = inner
    return FiniteMDP(mdp.P, R, mdp.gamma, horizon=mdp.horizon, terminal=mdp.terminal, name=f"{mdp.name}+r")


def _reference_e2w(q: np.ndarray, n_total: np.ndarray, tau: float, epsilon: float) -> np.ndarray:
    """E2W written out with scipy's softmax: (1 − λ) softmax(q/τ) + λ/|A|, λ = min(1, ε|A|/log(N+1))."""
    k = q.shape[-1]
    safe_log = np.log(n_total + 1.0, out=np.ones_like(n_total, dtype=np.float64), where=n_total > 0)
    lam = np.where(n_total > 0, np.minimum(1.0, epsilon * k / safe_log), 1.0)[..., None]
    return (1 - lam) * scipy_softmax(q / tau, axis=-1) + lam / k


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
    tree_policy=e2w_distribution,
    backup_value=soft_value,
    sampler=inverse_cdf_sample,
    tol: float | None = None,
) -> CheckResult:
    """G2 on one small tree: every statistic of a finished MENTS and UCT search obeys its rule.

    MENTS (``tree_policy``, ``backup_value`` injected into the search):
    - tree policy: ``tree_policy(Q(s, ·), N, τ, ε)`` at every reachable state of every run, with
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
      tree_policy, backup_value: injected into MENTS (negative controls).
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
    m = ments(mdp, tau=tau, epsilon=epsilon, tree_policy=tree_policy, backup_value=backup_value, **kw)
    u = uct(mdp, c=c, **kw)
    q_scale = max(np.abs(m.q).max(), np.abs(u.q).max())
    roundoff = 64 * EPS * (1 + A) * (1 + q_scale) if tol is None else tol
    visited = m.counts > 0
    leaf = np.broadcast_to(tree.leaf_edge, m.q.shape)
    cases: dict[str, tuple[float, float]] = {}

    # The policy on the final statistics, and on the same Q rows at every N of _POLICY_VISITS
    # (the final N are large; the small ones are where λ's clip to 1 acts).
    q_rows = m.q[:, reach].reshape(-1, A)
    n_final = m.counts[:, reach].sum(axis=-1).reshape(-1)
    n_total = np.concatenate([n_final, np.repeat(_POLICY_VISITS, q_rows.shape[0])])
    q_rows = np.concatenate([q_rows, np.tile(q_rows, (_POLICY_VISITS.size, 1))])
    pi = np.asarray(tree_policy(q_rows, n_total, tau, epsilon))
    cases["MENTS tree policy vs E2W written out"] = (
        float(np.abs(pi - _reference_e2w(q_rows, n_total, tau, epsilon)).max()),
        roundoff,
    )
    soft_child = tau * logsumexp(m.q[:, tree.successor] / tau, axis=-1)  # [R, S, A]
    terminal_child = ~(tree.depth[tree.successor] >= 0)
    soft_child = np.where(terminal_child, 0.0, soft_child)
    backup_ref = np.where(leaf, m.return_sums / np.maximum(m.counts, 1), tree.reward + soft_child)
    err = np.where(visited, np.abs(m.q - backup_ref), np.abs(m.q))
    err[:, tree.depth < 0] = 0.0  # unreachable and terminal states hold no statistics
    cases["MENTS backups (inner r + F_τ, leaf W/N, unvisited 0)"] = (float(err.max()), roundoff)
    cases["MENTS final action = argmax Q_sft(root): mismatches"] = (
        float(np.sum(m.recommendations[-1] != np.argmax(m.q[:, 0], axis=-1))),
        0.0,
    )
    cases["MENTS visits add up: mismatches"] = (
        float(_count_and_parent_errors(tree, m.counts, n_simulations)),
        0.0,
    )

    u_err = np.where(u.counts > 0, np.abs(u.q - u.return_sums / np.maximum(u.counts, 1)), np.abs(u.q))
    cases["UCT mean backups Q̄ = W/N"] = (float(u_err.max()), roundoff)
    cases["UCT visits add up: mismatches"] = (
        float(_count_and_parent_errors(tree, u.counts, n_simulations)),
        0.0,
    )
    uq, un = u.q[:, reach].reshape(-1, A), u.counts[:, reach].reshape(-1, A)
    cases["UCB1 choice = uniform over argmax of Q̄ + c·sqrt(log N/N(a))"] = (
        float(np.abs(ucb1_distribution(uq, un, c) - _reference_ucb1(uq, un, c)).max()),
        roundoff,
    )
    if replayable:
        cases["MENTS root draws replayed against E2W written out: mismatches"] = (
            _replay_mismatches(
                m, seed, tree.horizon, lambda q, n: _reference_e2w(q, n.sum(-1), tau, epsilon)
            ),
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
    ref = np.stack([[np.searchsorted(cdf[i], g * cdf[i, -1], side="right") for i in range(64)] for g in grid])
    cases["inverse-CDF sampling: mismatches"] = (float(np.sum(drawn != ref)), 0.0)
    return G2.worst_of(
        cases,
        {
            "instance": f"{mdp.name}, tau={tau:g}, epsilon={epsilon:g}",
            "simulations": n_simulations,
            "runs": n_runs,
        },
    )


@register(G2)
def battery_search_rules(*, seed: int, size: str) -> CheckResult:
    """G2 on the hand-made trees at ε = 0.1 and ε = 1 (where λ's clip to 1 is active at N = 1)."""
    _check_size(size)
    n_sims, n_runs = {"quick": (60, 10), "default": (300, 20), "full": (1000, 50)}[size]
    cases = [(m, eps) for m in hand_made_trees().values() for eps in (EPSILON, 1.0)]
    return fold(
        G2,
        (
            check_search_rules(m, epsilon=eps, n_simulations=n_sims, n_runs=n_runs, seed=seed + i)
            for i, (m, eps) in enumerate(cases)
        ),
    )
