"""theory/mcts.py: the lockstep MENTS/UCT engine, failure curves and the D-chain threshold."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdps.finite import FiniteMDP
from mdps.generators import d_chain
from mdps.trees import synthetic_tree, tree_from_leaf_means, tree_mdp
from theory.bandit import inverse_cdf_sample
from theory.mcts import (
    d_chain_critical_temperature,
    d_chain_root_gap,
    failure_curve,
    ments,
    root_soft_q,
    search_tree,
    ucb1_distribution,
    uct,
)
from theory.solvers import soft_backward_induction

LEAVES = [0.0, 1.0, 0.6, 0.5]  # binary depth-2 tree: node 1 -> leaves 0.0, 1.0; node 2 -> 0.6, 0.5
TAU, EPS, SIGMA = 0.1, 0.1, 0.05


def _binary():
    return tree_mdp(tree_from_leaf_means(2, LEAVES))


def _draws(seed, n_sims, depth=2):
    """The engine's draws for one run: per simulation, one uniform per depth, then one normal."""
    rng = np.random.default_rng(seed)
    return [([rng.random(1)[0] for _ in range(depth)], rng.standard_normal(1)[0]) for _ in range(n_sims)]


# --- exact simulations computed by hand -----------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_two_ments_simulations_by_hand(seed):
    (u0, u1), xi = _draws(seed, 2)[0]
    (v0, v1), zeta = _draws(seed, 2)[1]
    # Simulation 1: nothing visited, λ = 1 at both nodes: uniform; the leaf is observed with noise.
    a0, a1 = int(u0 >= 0.5), int(u1 >= 0.5)
    y = LEAVES[2 * a0 + a1] + SIGMA * xi
    q_root = np.zeros(2)
    q_root[a0] = TAU * np.log(np.exp(y / TAU) + np.exp(0.0))  # F_τ(y, 0): the sibling leaf is Q_init = 0
    res = ments(_binary(), tau=TAU, epsilon=EPS, sigma=SIGMA, checkpoints=[1, 2], n_runs=1, seed=seed)
    np.testing.assert_allclose(res.root_q[0, 0], q_root, rtol=1e-15, atol=1e-15)
    assert res.recommendations[0, 0] == a0  # Q(root, a0) > 0 = Q(root, other)
    # Simulation 2, root: N = 1, λ = min(1, 2ε/log 2), π = (1 − λ) softmax(Q/τ) + λ/2.
    lam = min(1.0, 2 * EPS / np.log(2.0))
    soft = np.exp(q_root / TAU) / np.exp(q_root / TAU).sum()
    pi = (1 - lam) * soft + lam / 2
    b0 = int(v0 >= pi[0])
    node_q = np.zeros(2)
    if b0 == a0:  # the same inner node, visited once: λ as at the root, Q = (y at a1, 0)
        node_q[a1] = y
        node_pi = (1 - lam) * np.exp(node_q / TAU) / np.exp(node_q / TAU).sum() + lam / 2
    else:
        node_pi = np.array([0.5, 0.5])
    b1 = int(v1 >= node_pi[0])
    z = LEAVES[2 * b0 + b1] + SIGMA * zeta
    counts = np.zeros(2)
    sums = np.zeros(2)
    counts[a1] += a0 == b0
    sums[a1] += y if a0 == b0 else 0.0
    counts[b1] += 1
    sums[b1] += z
    node_q = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    q_root[b0] = TAU * np.log(np.exp(node_q / TAU).sum())
    np.testing.assert_allclose(res.root_q[1, 0], q_root, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(res.root_counts[1, 0], np.bincount([a0, b0], minlength=2))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_two_uct_simulations_by_hand(seed):
    (u0, u1), xi = _draws(seed, 2)[0]
    (_, v1), zeta = _draws(seed, 2)[1]
    a0, a1 = int(u0 >= 0.5), int(u1 >= 0.5)  # all unvisited: uniform over the tie
    y = LEAVES[2 * a0 + a1] + SIGMA * xi
    # Simulation 2: the unvisited root action scores +inf and is taken; below it, a fresh node.
    b0 = 1 - a0
    b1 = int(v1 >= 0.5)
    z = LEAVES[2 * b0 + b1] + SIGMA * zeta
    res = uct(_binary(), c=1.0, sigma=SIGMA, checkpoints=[1, 2], n_runs=1, seed=seed)
    q1 = np.zeros(2)
    q1[a0] = y
    np.testing.assert_array_equal(res.root_q[0, 0], q1)
    q1[b0] = z
    np.testing.assert_allclose(res.root_q[1, 0], q1, rtol=1e-15)
    np.testing.assert_array_equal(res.root_counts[1, 0], [1, 1])
    assert res.recommendations[1, 0] == int(np.argmax(q1))


# --- properties --------------------------------------------------------------------------------
tree_cases = st.tuples(st.integers(2, 3), st.integers(1, 3), st.integers(0, 2**10))


@settings(max_examples=15)
@given(tree_cases, st.integers(1, 40), st.integers(0, 2**10))
def test_visit_counts_add_up(case, n_sims, seed):
    k, d, tree_seed = case
    mdp = tree_mdp(synthetic_tree(k, d, seed=tree_seed))
    tree = search_tree(mdp)
    for res in (
        ments(mdp, tau=0.2, epsilon=0.5, sigma=0.1, checkpoints=[n_sims], n_runs=3, seed=seed),
        uct(mdp, c=1.0, sigma=0.1, checkpoints=[n_sims], n_runs=3, seed=seed),
    ):
        assert np.all(res.counts[:, 0].sum(-1) == n_sims)
        inner = np.argwhere(~tree.leaf_edge & (tree.depth >= 0)[:, None])
        for s, a in inner:
            np.testing.assert_array_equal(res.counts[:, tree.successor[s, a]].sum(-1), res.counts[:, s, a])
        # Every simulation ends at exactly one leaf edge.
        assert np.all((res.counts * tree.leaf_edge).sum(axis=(1, 2)) == n_sims)


@settings(max_examples=10)
@given(tree_cases, st.integers(0, 2**10))
def test_ments_backups_equal_the_formula(case, seed):
    k, d, tree_seed = case
    mdp = tree_mdp(synthetic_tree(k, d, seed=tree_seed))
    tree = search_tree(mdp)
    res = ments(mdp, tau=0.3, epsilon=0.5, sigma=0.1, checkpoints=[30], n_runs=2, seed=seed)
    for r in range(2):
        for s in np.flatnonzero(tree.depth >= 0):
            for a in range(k):
                if res.counts[r, s, a] == 0:
                    assert res.q[r, s, a] == 0.0
                elif tree.leaf_edge[s, a]:
                    assert res.q[r, s, a] == pytest.approx(
                        res.return_sums[r, s, a] / res.counts[r, s, a], rel=1e-14
                    )
                else:
                    child = res.q[r, tree.successor[s, a]]
                    expected = float(
                        mpmath.mpf(0.3) * mpmath.log(sum(mpmath.exp(mpmath.mpf(x) / 0.3) for x in child))
                    )
                    assert res.q[r, s, a] == pytest.approx(expected, rel=1e-13, abs=1e-15)


def test_same_seed_bit_identical_and_different_seed_different():
    mdp = tree_mdp(synthetic_tree(3, 3, seed=0))
    for search in (
        lambda s: ments(mdp, tau=TAU, epsilon=EPS, sigma=SIGMA, checkpoints=[5, 50], n_runs=7, seed=s),
        lambda s: uct(mdp, c=1.0, sigma=SIGMA, checkpoints=[5, 50], n_runs=7, seed=s),
    ):
        a, b, c = search(3), search(3), search(4)
        for name in ("recommendations", "root_q", "root_counts", "q", "counts", "return_sums"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert not np.array_equal(a.q, c.q)


def test_uct_on_a_noiseless_bandit_knows_every_arm_and_picks_the_best():
    # Depth 1, σ = 0: every mean is a sum of equal observations over its count (round-off only).
    mdp = tree_mdp(tree_from_leaf_means(3, [0.2, 0.9, 0.4]))
    res = uct(mdp, c=0.5, sigma=0.0, checkpoints=[30], n_runs=5, seed=0)
    np.testing.assert_allclose(res.root_q[-1], np.broadcast_to([0.2, 0.9, 0.4], (5, 3)), rtol=1e-15)
    assert np.all(res.recommendations == 1)


def test_ments_converges_on_a_noiseless_tree():
    mdp = tree_mdp(synthetic_tree(2, 2, seed=1))
    res = ments(mdp, tau=0.2, epsilon=1.0, sigma=0.0, checkpoints=[400], n_runs=4, seed=0)
    np.testing.assert_allclose(res.root_q[-1], np.broadcast_to(root_soft_q(mdp, 0.2)[0], (4, 2)), atol=1e-12)


def test_ments_runs_on_the_d_chain_with_episodes_of_unequal_length():
    res = ments(d_chain(5, 0.5), tau=0.5, epsilon=1.0, sigma=0.0, checkpoints=[2000], n_runs=3, seed=0)
    np.testing.assert_allclose(
        res.root_q[-1], np.broadcast_to(root_soft_q(d_chain(5, 0.5), 0.5)[0], (3, 2)), atol=1e-9
    )


# --- pieces ------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(st.integers(2, 6), st.integers(0, 2**16))
def test_inverse_cdf_matches_searchsorted_and_skips_zero_mass(k, seed):
    rng = np.random.default_rng(seed)
    dist = rng.dirichlet(np.ones(k), size=50)
    dist[:, seed % k] = 0.0
    dist /= dist.sum(1, keepdims=True)
    u = rng.random(50)
    a = inverse_cdf_sample(dist, u)
    cdf = np.cumsum(dist, 1)
    np.testing.assert_array_equal(
        a, [np.searchsorted(cdf[i], u[i] * cdf[i, -1], side="right") for i in range(50)]
    )
    assert np.all(dist[np.arange(50), a] > 0)
    np.testing.assert_array_equal(inverse_cdf_sample(dist.T, u, axis=0), a)  # the bandit's layout


def test_ucb1_unvisited_first_then_scores():
    q = np.array([[0.5, 0.1, 0.0], [0.5, 0.1, 0.3]])
    n = np.array([[3.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    d = ucb1_distribution(q, n, 1.0)
    np.testing.assert_array_equal(d[0], [0, 0, 1])  # the unvisited action
    np.testing.assert_array_equal(d[1], [1, 0, 0])  # equal bonuses: the best mean
    np.testing.assert_array_equal(ucb1_distribution(np.zeros((1, 4)), np.zeros((1, 4)), 1.0), [[0.25] * 4])


def test_failure_curve_counts_and_intervals():
    mdp = tree_mdp(synthetic_tree(2, 2, seed=0))
    res = [uct(mdp, c=1.0, sigma=SIGMA, checkpoints=[2, 50], n_runs=30, seed=s) for s in (0, 1)]
    curve = failure_curve(res, [0, 0])
    expected = sum((r.recommendations != 0).sum(1) for r in res)
    np.testing.assert_array_equal(curve.failures, expected)
    assert curve.n_runs == 60 and np.all((curve.low <= curve.rate) & (curve.rate <= curve.high))
    with pytest.raises(ValueError, match="one target per result"):
        failure_curve(res, [0])


def test_root_soft_q_at_zero_is_the_optimal_q():
    mdp = tree_mdp(synthetic_tree(3, 2, seed=5))
    np.testing.assert_array_equal(root_soft_q(mdp, [0.0])[0], soft_backward_induction(mdp, 0.0).q[0])


# --- the D-chain threshold ------------------------------------------------------------------------
def _gap_mpmath(n, rf, tau):
    tau = mpmath.mpf(tau)
    v = mpmath.mpf(rf)
    for i in range(n - 1, 0, -1):
        v = tau * mpmath.log(mpmath.exp(mpmath.mpf(n - 1 - i) / n / tau) + mpmath.exp(v / tau))
    return v - mpmath.mpf(n - 1) / n


@pytest.mark.parametrize("n, rf, approx", [(10, 0.5, 0.1386), (10, 0.8, 0.1039), (20, 0.5, 0.0720)])
def test_d_chain_critical_temperature_against_mpmath(n, rf, approx):
    tau_c = d_chain_critical_temperature(n, rf)
    assert tau_c == pytest.approx(approx, abs=1e-4)  # the values of ments-notes §5a
    with mpmath.workdps(50):
        root = mpmath.findroot(lambda t: _gap_mpmath(n, rf, t), (tau_c * 0.9, tau_c * 1.1), solver="anderson")
        assert abs(tau_c - root) < 1e-12
    assert d_chain_root_gap(n, rf, tau_c - 1e-9) < 0 < d_chain_root_gap(n, rf, tau_c + 1e-9)


def test_d_chain_without_switch_raises():
    with pytest.raises(ValueError, match="no L-to-R switch"):
        d_chain_critical_temperature(10, 1.0)  # R_f = 1: R is optimal at every τ


# --- bad inputs ------------------------------------------------------------------------------------
def _stochastic():
    P = np.zeros((3, 1, 3))
    P[0, 0, 1:] = 0.5
    P[1:, 0, 2] = 1.0
    return FiniteMDP(P, np.zeros((3, 1)), 1.0, horizon=2, terminal=np.array([False, False, True]))


def _dag():
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = 1.0  # both root actions reach state 1
    P[1:, :, 2] = 1.0
    return FiniteMDP(P, np.zeros((3, 2)), 1.0, horizon=2, terminal=np.array([False, False, True]))


def _discounted():
    return FiniteMDP(np.ones((1, 1, 1)), np.zeros((1, 1)), 0.9)


@pytest.mark.parametrize(
    "call, match",
    [
        pytest.param(lambda: search_tree(_stochastic()), "deterministic", id="stochastic-row"),
        pytest.param(lambda: search_tree(_dag()), "state 1 .* more than one edge", id="dag"),
        pytest.param(lambda: search_tree(_discounted()), "finite-horizon", id="no-horizon"),
        pytest.param(
            lambda: ments(_binary(), tau=0.0, epsilon=0.1, sigma=0.1, checkpoints=[1], n_runs=1, seed=0),
            r"tau must be a finite real number in \(0",
            id="tau=0",
        ),
        pytest.param(
            lambda: ments(_binary(), tau=0.1, epsilon=0.0, sigma=0.1, checkpoints=[1], n_runs=1, seed=0),
            r"epsilon must be a finite real number in \(0",
            id="eps=0",
        ),
        pytest.param(
            lambda: uct(_binary(), c=-1.0, sigma=0.1, checkpoints=[1], n_runs=1, seed=0), "c must", id="c<0"
        ),
        pytest.param(
            lambda: uct(_binary(), c=1.0, sigma=-0.1, checkpoints=[1], n_runs=1, seed=0),
            "sigma",
            id="sigma<0",
        ),
        pytest.param(
            lambda: uct(_binary(), c=1.0, sigma=0.1, checkpoints=[3, 2], n_runs=1, seed=0),
            "checkpoints",
            id="checkpoints-decreasing",
        ),
        pytest.param(
            lambda: uct(_binary(), c=1.0, sigma=0.1, checkpoints=[1], n_runs=0, seed=0),
            "n_runs",
            id="no-runs",
        ),
        pytest.param(
            lambda: uct(_binary(), c=1.0, sigma=0.1, checkpoints=[1], n_runs=1, seed=0, recommend="best"),
            "recommend",
            id="recommend",
        ),
    ],
)
def test_bad_inputs_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- BTS and DENTS (Painter et al. 2023) ---------------------------------------------------------
from mdps.generators import entropy_trap  # noqa: E402  (this block is self-contained)
from theory.mcts import (  # noqa: E402
    boltzmann_search_distribution,
    bts,
    dents,
    dents_beta,
    entropy_trap_critical_temperature,
    entropy_trap_gap,
    visited_max,
)


def _bts(mdp=None, **kw):
    args = dict(tau=0.2, epsilon=0.5, sigma=0.1, checkpoints=[30], n_runs=2, seed=0)
    return bts(_binary() if mdp is None else mdp, **{**args, **kw})


def _dents(mdp=None, **kw):
    args = dict(tau=0.2, epsilon=0.5, sigma=0.1, checkpoints=[30], n_runs=2, seed=0)
    return dents(_binary() if mdp is None else mdp, **{**args, **kw})


def test_boltzmann_search_distribution_is_the_mixture():
    # λ = min(1, ε/log(e + N)): N = 0 gives min(1, ε) (log e = 1); ρ = softmax(q/τ) by hand.
    q = np.array([[0.0, 1.0, 0.5], [0.2, 0.2, 0.2]])
    n = np.array([0.0, 10.0])
    rho = np.exp(q / 0.5) / np.exp(q / 0.5).sum(1, keepdims=True)
    lam = np.minimum(1.0, 0.3 / np.log(np.e + n))[:, None]
    np.testing.assert_allclose(
        boltzmann_search_distribution(q, n, 0.5, 0.3), (1 - lam) * rho + lam / 3, rtol=1e-14
    )
    assert lam[0, 0] == pytest.approx(0.3, rel=1e-15)
    # Extreme temperatures: finite distributions; τ → 0 puts 1 − λ on the argmax, τ → ∞ is uniform.
    cold = boltzmann_search_distribution(q[:1] * 1e6, 5.0, 1e-12, 0.3)
    lam5 = 0.3 / np.log(np.e + 5)
    np.testing.assert_allclose(cold, [[lam5 / 3, 1 - 2 * lam5 / 3, lam5 / 3]], rtol=1e-14)
    np.testing.assert_allclose(
        boltzmann_search_distribution(q, n, 1e12, 0.3), np.full((2, 3), 1 / 3), rtol=1e-11
    )


def test_visited_max_ignores_unvisited_actions():
    q = np.array([[-1.0, 0.0, -3.0], [2.0, 5.0, 1.0], [0.0, 0.0, 0.0]])
    n = np.array([[1, 0, 2], [0, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(visited_max(q, n), [-1.0, 1.0, 0.0])  # unvisited Q_init = 0 is no max
    np.testing.assert_allclose(dents_beta(np.array([0.0, 3.0, 99.0])), [1.0, 0.5, 0.1], rtol=1e-15)


@settings(max_examples=8)
@given(tree_cases, st.integers(0, 2**10), st.sampled_from([_bts, _dents]))
def test_bts_and_dents_backups_equal_the_bellman_formula(case, seed, search):
    k, d, tree_seed = case
    mdp = tree_mdp(synthetic_tree(k, d, seed=tree_seed))
    tree = search_tree(mdp)
    res = search(mdp, seed=seed)
    for r in range(2):
        for s in np.flatnonzero(tree.depth >= 0):
            for a in range(k):
                if res.counts[r, s, a] == 0:
                    assert res.q[r, s, a] == 0.0
                elif tree.leaf_edge[s, a]:
                    assert res.q[r, s, a] == pytest.approx(
                        res.return_sums[r, s, a] / res.counts[r, s, a], rel=1e-14
                    )
                else:  # r(s, a) + max over the child's visited actions (exact: a max and one sum)
                    child = tree.successor[s, a]
                    best = res.q[r, child][res.counts[r, child] > 0].max()
                    assert res.q[r, s, a] == tree.reward[s, a] + best


def test_dents_feeds_q_plus_beta_times_the_entropy_estimate_to_its_tree_policy():
    # A recording uniform tree policy, β ≡ 1, on the binary depth-2 tree. Calls: simulation 1 at
    # the root and at node a0, then the backups (the leaf edge's terminal child, then node a0);
    # call 5 is simulation 2 at the root. With π uniform, H_V(node) = H(π) + Σ π H_Q(node, ·) =
    # log 2 (its edges are leaf edges, H_Q = 0), so the root sees Q̄(root, a0) + log 2 at a0.
    calls = []

    def uniform(q, n_total, tau, epsilon):
        calls.append(q.copy())
        return np.full(q.shape, 1.0 / q.shape[1])

    res = dents(
        _binary(), tau=0.2, epsilon=0.5, sigma=0.1, checkpoints=[1, 2], n_runs=1, seed=3,
        beta=lambda n: np.ones_like(n), tree_policy=uniform,
    )  # fmt: skip
    a0 = int(np.argmax(res.root_counts[0, 0]))
    expected = np.zeros(2)
    expected[a0] = res.root_q[0, 0, a0] + np.log(2.0)
    np.testing.assert_allclose(calls[4][0], expected, rtol=1e-15)


def test_dents_with_zero_beta_is_bts_and_bts_is_reproducible():
    mdp = tree_mdp(synthetic_tree(3, 2, seed=0))
    kw = dict(tau=0.1, epsilon=0.5, sigma=SIGMA, checkpoints=[5, 40], n_runs=5)
    a, b = bts(mdp, seed=1, **kw), dents(mdp, seed=1, beta=np.zeros_like, **kw)
    c, other = bts(mdp, seed=1, **kw), bts(mdp, seed=2, **kw)
    for name in ("recommendations", "root_q", "root_counts", "path_returns", "q", "counts", "return_sums"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        np.testing.assert_array_equal(getattr(a, name), getattr(c, name))
    assert not np.array_equal(a.q, other.q)
    d1, d2 = dents(mdp, seed=4, **kw), dents(mdp, seed=4, **kw)
    np.testing.assert_array_equal(d1.q, d2.q)
    assert not np.array_equal(d1.root_counts, a.root_counts)  # the entropy bonus changes the search


@pytest.mark.parametrize("search", [bts, dents])
def test_bts_and_dents_find_the_optimal_q_on_a_noiseless_tree(search):
    # σ = 0 and every edge visited: Q̄(root, ·) is the optimal Q*_0 (a max of exact sums).
    mdp = tree_mdp(synthetic_tree(2, 3, seed=2))
    res = search(mdp, tau=0.5, epsilon=1.0, sigma=0.0, checkpoints=[300], n_runs=3, seed=0)
    np.testing.assert_allclose(res.root_q[-1], np.broadcast_to(root_soft_q(mdp, 0.0)[0], (3, 2)), rtol=1e-14)
    np.testing.assert_allclose(res.path_returns[-1], soft_backward_induction(mdp, 0.0).v[0], rtol=1e-14)


@settings(max_examples=8)
@given(tree_cases, st.integers(0, 2**10))
def test_path_returns_follow_the_final_estimates(case, seed):
    k, d, tree_seed = case
    mdp = tree_mdp(synthetic_tree(k, d, seed=tree_seed))
    tree = search_tree(mdp)
    for res, stat in (
        (_bts(mdp, seed=seed), "q"),
        (
            uct(mdp, c=1.0, sigma=0.1, checkpoints=[20], n_runs=2, seed=seed, recommend="most_visited"),
            "counts",
        ),
    ):
        for r in range(2):
            s, total = 0, 0.0
            for _ in range(tree.horizon):
                a = int(np.argmax(getattr(res, stat)[r, s]))
                total += tree.reward[s, a]
                if tree.leaf_edge[s, a]:
                    break
                s = tree.successor[s, a]
            assert res.path_returns[-1, r] == total


@pytest.mark.parametrize("tau, scale", [(1e-12, 1.0), (1e12, 1.0), (0.5, 1e6)])
def test_bts_and_dents_extreme_inputs_stay_finite(tau, scale):
    mdp = tree_mdp(tree_from_leaf_means(2, scale * np.array(LEAVES)))
    for search in (bts, dents):
        res = search(mdp, tau=tau, epsilon=0.5, sigma=0.0, checkpoints=[60], n_runs=2, seed=0)
        assert np.isfinite(res.q).all() and np.all(res.counts[:, 0].sum(-1) == 60)
        np.testing.assert_allclose(res.path_returns[-1], scale, rtol=1e-15)  # the best leaf, found


# --- the entropy trap ---------------------------------------------------------------------------
@pytest.mark.parametrize("k, approx", [(1, 1.4427), (3, 0.48090), (10, 0.14427), (25, 0.05771)])
def test_entropy_trap_critical_temperature_against_mpmath(k, approx):
    tau_trap = entropy_trap_critical_temperature(k)
    assert tau_trap == pytest.approx(approx, abs=1e-5)  # the values of followups-notes §3.5

    def gap(t):  # the recursion V ← τ log(2 e^{V/τ}) over k choices, against R's reward 1
        v = mpmath.mpf(0)
        for _ in range(k):
            v = t * mpmath.log(2 * mpmath.exp(v / t))
        return v - 1

    with mpmath.workdps(50):
        assert abs(tau_trap - 1 / (k * mpmath.log(2))) < 1e-16
        root = mpmath.findroot(gap, (tau_trap * 0.9, tau_trap * 1.1), solver="anderson")
        assert abs(tau_trap - root) < 1e-12


@pytest.mark.parametrize("n, k", [(1, 1), (3, 2), (6, 5)])
def test_entropy_trap_gap_changes_sign_at_the_threshold_on_the_mdp(n, k):
    tau_trap = entropy_trap_critical_temperature(k)
    assert entropy_trap_gap(n, k, tau_trap - 1e-9) < 0 < entropy_trap_gap(n, k, tau_trap + 1e-9)
    assert entropy_trap_gap(n, k, 0.0) == -1.0  # τ = 0: L pays 0, R pays 1
    # The soft value at s^F is exactly τ k log 2; the chain prefers R under both objectives.
    q = soft_backward_induction(entropy_trap(n, k), 0.3).q
    assert q[n, 0] == pytest.approx(0.3 * k * np.log(2.0), rel=1e-14)
    assert np.all(q[:n, 1] > q[:n, 0])


def test_entropy_trap_search_tree_layout():
    mdp = entropy_trap(3, 2)
    tree = search_tree(mdp)
    assert mdp.n_states == 3 + 2**2 + 1 and mdp.horizon == 3 + 2 + 1
    np.testing.assert_array_equal(tree.depth, [0, 1, 2, 3, 4, 5, 5, -1])
    np.testing.assert_array_equal(mdp.R[:, 0], [2 / 3, 1 / 3, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(mdp.R[:, 1], [0, 0, 0, 1, 0, 0, 0, 0])


@pytest.mark.parametrize(
    "call, exc, match",
    [
        pytest.param(lambda: _bts(tau=0.0), ValueError, "tau", id="bts-tau=0"),
        pytest.param(lambda: _bts(epsilon=-1.0), ValueError, "epsilon", id="bts-eps<0"),
        pytest.param(lambda: _bts(backup_value=1), TypeError, "backup_value", id="bts-backup-int"),
        pytest.param(lambda: _bts(tree_policy="e2w"), TypeError, "tree_policy", id="bts-policy-str"),
        pytest.param(lambda: _dents(beta=0.5), TypeError, "beta", id="dents-beta-float"),
        pytest.param(lambda: _dents(n_runs=0), ValueError, "n_runs", id="dents-no-runs"),
        pytest.param(lambda: _dents(seed=None), TypeError, "seed", id="dents-seed-none"),
        pytest.param(
            lambda: boltzmann_search_distribution([[np.nan, 0]], 1, 1.0, 0.1), ValueError, "q", id="dist-nan"
        ),
        pytest.param(
            lambda: boltzmann_search_distribution([[0, 1]], -1, 1.0, 0.1),
            ValueError,
            "n_total",
            id="dist-n<0",
        ),
        pytest.param(
            lambda: boltzmann_search_distribution([[0, 1]], 1, 0.0, 0.1), ValueError, "tau", id="dist-tau=0"
        ),
        pytest.param(
            lambda: visited_max(np.zeros((2, 2)), np.zeros((2, 3))), ValueError, "counts", id="vmax-shape"
        ),
        pytest.param(lambda: dents_beta(-1.0), ValueError, "n_total", id="beta-negative"),
        pytest.param(lambda: entropy_trap(0, 2), ValueError, "n", id="trap-n=0"),
        pytest.param(lambda: entropy_trap(2, 1.5), TypeError, "k", id="trap-k-float"),
        pytest.param(lambda: entropy_trap(2, 40), ValueError, "k=40", id="trap-too-large"),
        pytest.param(lambda: entropy_trap_critical_temperature(0), ValueError, "k", id="tau-trap-k=0"),
        pytest.param(lambda: entropy_trap_gap(2, 2, -0.1), ValueError, "tau", id="trap-gap-tau<0"),
    ],
)
def test_bts_dents_and_trap_bad_inputs_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
