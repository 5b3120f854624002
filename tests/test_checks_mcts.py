"""Claims G1–G4 (checks/mcts.py: G1–G2, checks/planning.py: G3a, G3b, G4): MENTS and UCT, with
negative controls and the exact binomial arguments behind the statistical levels."""

import dataclasses
import inspect

import my_soft_rl as good  # a user's plain-numpy E2W (examples/)
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import checks.mcts as mcts
import checks.planning as planning
import theory.mcts
from checks.base import FAIL, PASS, REFUTED, registered
from checks.mcts import (
    EPSILON,
    TAU,
    check_search_rules,
    check_soft_value_convergence,
    check_tree_policy,
    discriminating_trees,
    edge_reward_tree_mdp,
    hand_made_trees,
    rate_bounds,
)
from checks.planning import check_d_chain_misalignment, check_failure_rates, check_ments_vs_uct
from checks.subjects import OWN, Subjects
from mdps.strategies import q_vectors
from mdps.trees import synthetic_tree, tree_mdp
from theory.bandit import e2w_distribution, inverse_cdf_sample
from theory.mcts import ments
from theory.softmax import soft_indmax, soft_value
from theory.solvers import soft_backward_induction
from theory.stats import CLAIM_FALSE_ALARM


def _assert_rejected(res):
    assert res.passed is False, res.details
    assert res.measured > res.tolerance, res.details


def hard_max_backup(q, tau):
    """max_a Q(s', a) in place of F_τ: MENTS with the τ = 0 backup."""
    return q.max(axis=-1)


# --- the levels: exact binomial arguments -------------------------------------------------------
@pytest.mark.parametrize("n", [100, 200, 400])
@pytest.mark.parametrize("beta", [1e-2, CLAIM_FALSE_ALARM / 8])
def test_one_sided_bounds_miss_with_probability_at_most_beta(n, beta):
    # Exact: over every count k, P_p(lower(k) > p) and P_p(upper(k) < p) are binomial tails <= β,
    # for p on a grid (the worst p sits just below a jump of the bound).
    bounds = np.array([rate_bounds(np.arange(n) < k, beta)[2:] for k in range(n + 1)])
    for p in np.linspace(0.0, 1.0, 201):
        pmf = stats.binom.pmf(np.arange(n + 1), n, p)
        assert pmf[bounds[:, 0] > p].sum() <= beta * (1 + 1e-9)
        assert pmf[bounds[:, 1] < p].sum() <= beta * (1 + 1e-9)


def test_G1_fails_a_true_claim_with_probability_at_most_its_level():
    # A G1 comparison fails when the lower bound of P(event) exceeds 1/2. At the worst p allowed
    # by the claim (p = 1/2) that has probability <= β, exactly; at p = 0.25 (the largest share
    # of runs not within δ/2 measured on the plan's trees at t = 1000) it is below 1e-12.
    n, beta = 100, CLAIM_FALSE_ALARM / 4
    fails = np.array([rate_bounds(np.arange(n) < k, beta)[2] > 0.5 for k in range(n + 1)])
    assert stats.binom.pmf(np.arange(n + 1), n, 0.5)[fails].sum() <= beta
    assert stats.binom.pmf(np.arange(n + 1), n, 0.25)[fails].sum() < 1e-12


@pytest.mark.parametrize(
    "battery, bounds_per_instance",
    [
        (mcts.battery_soft_value_convergence, lambda w: 2),
        (planning.battery_failure_rates, lambda w: 2 * len(w["table"])),
        (planning.battery_d_chain_misalignment, lambda w: len(w["recommendations"])),
    ],
)
def test_batteries_spend_exactly_the_claim_level(battery, bounds_per_instance):
    res = battery(seed=0, size="quick")
    w = res.details["worst_case"]
    spent = w["bound_level"] * bounds_per_instance(w) * res.cases
    claim = next(c for c, b in registered() if b is battery)
    assert claim.false_alarm == CLAIM_FALSE_ALARM
    assert spent == pytest.approx(CLAIM_FALSE_ALARM, rel=1e-12)


def test_registry_has_G3a_and_G3b_and_no_G3():
    ids = {c.id: c for c, _ in registered()}
    assert "G3" not in ids
    assert {"G1", "G2", "G3a", "G3b", "G4"} <= set(ids)
    assert ids["G2"].false_alarm == 0
    assert all(ids[c].false_alarm == CLAIM_FALSE_ALARM for c in ("G1", "G3a", "G3b", "G4"))


# --- G1 ----------------------------------------------------------------------------------------------
@settings(max_examples=2)
@given(st.sampled_from([(2, 3), (3, 3)]), st.integers(0, 2**10))
def test_G1_passes_on_generated_trees(shape, seed):
    trees = discriminating_trees(*shape, 2, seed=seed)
    res = check_soft_value_convergence(trees, checkpoints=(10, 3000), n_runs=20, seed=seed)
    assert res.passed, res.details


@pytest.mark.parametrize("seed", [0, 1])
def test_G1_rejects_hard_max_backups(seed):
    # Hard-max backups converge to F_τ(Q*_0(root, ·)), a distance δ from the soft target.
    trees = discriminating_trees(4, 3, 2, seed=seed)
    res = check_soft_value_convergence(
        trees, checkpoints=(10, 100, 1000), n_runs=25, seed=seed, backup_value=hard_max_backup
    )
    _assert_rejected(res)
    assert res.details["worst"].startswith("soft target")


def test_G1_rejects_a_depth_one_tree_where_soft_and_hard_coincide():
    with pytest.raises(ValueError, match="coincide"):
        check_soft_value_convergence(tree_mdp(synthetic_tree(3, 1, seed=0)))


def test_horizon_instance_stops_above_the_leaves():
    tree = synthetic_tree(4, 3, seed=0)
    mdp = edge_reward_tree_mdp(tree, 2)
    assert mdp.horizon == 2 < tree.depth
    # V*_τ over two stages: F_τ over root edges of w + F_τ(w' of the grandchildren).
    w = tree.edge_values
    q1 = w[5:21].reshape(4, 4)
    v_root = soft_value(w[1:5] + soft_value(q1, 0.1), 0.1)
    assert soft_backward_induction(mdp, 0.1).v[0] == pytest.approx(v_root, rel=1e-14)
    # Simulations end on the depth-1 edges, which enter non-terminal states.
    search = theory.mcts.search_tree(mdp)
    assert search.leaf_edge[1:5].all() and not search.leaf_edge[0].any()
    assert not np.asarray(mdp.terminal)[search.successor[1:5]].any()


def waits_for_terminal_states(monkeypatch):
    """The engine with the leaf rule ``depth == H + 1``: only terminal states end a simulation, so
    at the horizon it backs up F_τ(Q_init = 0) = τ log k and converges τ log k above V*_τ."""
    real = theory.mcts.search_tree

    def search_tree(mdp):
        tree = real(mdp)
        leaf = np.asarray(mdp.terminal)[tree.successor] | (tree.depth == tree.horizon + 1)[:, None]
        return dataclasses.replace(tree, leaf_edge=leaf)

    monkeypatch.setattr(theory.mcts, "search_tree", search_tree)


@pytest.mark.parametrize("seed", [0, 1])
def test_G1_rejects_a_leaf_rule_that_ignores_the_horizon(monkeypatch, seed):
    trees = discriminating_trees(4, 3, 2, seed=seed, horizon=2)
    waits_for_terminal_states(monkeypatch)
    # The mutation is live: the root estimate converges to V*_τ + τ log 4.
    res = ments(trees[0], tau=0.1, epsilon=0.1, sigma=0.05, checkpoints=(1000,), n_runs=5, seed=seed)
    shift = np.median(soft_value(res.root_q[-1], 0.1)) - soft_backward_induction(trees[0], 0.1).v[0]
    assert shift == pytest.approx(0.1 * np.log(4), abs=0.01)
    _assert_rejected(check_soft_value_convergence(trees, n_runs=25, seed=seed))
    assert mcts.battery_soft_value_convergence(seed=seed, size="quick").verdict == FAIL


def test_G2_rejects_a_leaf_rule_that_ignores_the_horizon(monkeypatch):
    waits_for_terminal_states(monkeypatch)
    res = check_search_rules(hand_made_trees()["binary d=3, horizon 2"], n_simulations=100, n_runs=5)
    _assert_rejected(res)


# --- G2 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(hand_made_trees()))
def test_G2_passes_on_hand_made_trees(name):
    res = check_search_rules(hand_made_trees()[name], n_simulations=100, n_runs=5)
    assert res.passed, res.details


@settings(max_examples=8)
@given(st.integers(2, 3), st.integers(1, 3), st.integers(0, 2**10), st.floats(0.05, 2.0))
def test_G2_passes_on_generated_trees(k, d, seed, tau):
    res = check_search_rules(
        tree_mdp(synthetic_tree(k, d, seed=seed)), tau, n_simulations=40, n_runs=3, seed=seed
    )
    assert res.passed, res.details


def unclipped_exploration(q, n_total, tau, eps):
    """λ = ε|A|/log(N + 1) without min(1, ·) (N = 0 mapped to λ = 1 to stay finite)."""
    k = q.shape[-1]
    n = np.asarray(n_total, dtype=float)
    lam = np.where(n > 0, eps * k / np.log(np.maximum(n, 1) + 1), 1.0)[..., None]
    return (1 - lam) * soft_indmax(q, tau) + lam / k


def exploration_from_own_visits_only(q, n_total, tau, eps):
    """λ with ε in place of ε|A| (the thts++ variant): |A| times too little exploration."""
    return e2w_distribution(q, n_total, tau, eps / q.shape[-1])


def policy_at_double_temperature(q, n_total, tau, eps):
    return e2w_distribution(q, n_total, 2 * tau, eps)


def backup_at_double_temperature(q, tau):
    from theory.softmax import soft_value

    return soft_value(q, 2 * tau)


def sampler_off_by_one(dist, u):
    """Inverse CDF with '<' instead of '<=': draws a zero-mass action at a CDF boundary."""
    cdf = np.cumsum(dist, axis=1)
    return (cdf < (u * cdf[:, -1])[:, None]).sum(axis=1)


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"backup_value": hard_max_backup}, id="hard-max-backup"),
        pytest.param({"backup_value": backup_at_double_temperature}, id="backup-at-2tau"),
        # ε|A|/log(N + 1) exceeds 1 at N >= 1 only for ε|A| > log 2: test the clip at ε = 1.
        pytest.param(
            {"subjects": OWN.replace(e2w=unclipped_exploration), "epsilon": 1.0}, id="unclipped-lambda"
        ),
        pytest.param(
            {"subjects": OWN.replace(e2w=exploration_from_own_visits_only)}, id="lambda-without-|A|"
        ),
        pytest.param({"subjects": OWN.replace(e2w=policy_at_double_temperature)}, id="policy-at-2tau"),
        pytest.param({"sampler": sampler_off_by_one}, id="sampler-off-by-one"),
    ],
)
@pytest.mark.parametrize("name", ["binary d=2", "d-chain D=4"])
def test_G2_rejects_broken_rules(broken, name):
    with np.errstate(all="ignore"):
        res = check_search_rules(hand_made_trees()[name], n_simulations=100, n_runs=5, **broken)
    _assert_rejected(res)


def test_G2_sampler_under_test_is_the_engines():
    assert inspect.signature(check_search_rules).parameters["sampler"].default is inverse_cdf_sample


# --- G2 with foreign E2W implementations (plain numpy, one distribution per call) ---------------------
def e2w_at_105_percent_tau(q_hat, n_total, tau, epsilon):
    return good.e2w(q_hat, n_total, 1.05 * tau, epsilon)


@pytest.mark.parametrize("name", ["binary d=2", "d-chain D=4", "binary d=3, horizon 2"])
def test_G2_passes_a_foreign_e2w_and_fails_one_at_105_percent_tau(name):
    mdp = hand_made_trees()[name]
    ok = check_search_rules(mdp, n_simulations=60, n_runs=4, subjects=Subjects.of(e2w=good.e2w))
    assert ok.passed, ok.details
    res = check_search_rules(
        mdp, n_simulations=60, n_runs=4, subjects=Subjects.of(e2w=e2w_at_105_percent_tau)
    )
    _assert_rejected(res)
    measured, allowed = res.details["comparisons"]["MENTS tree policy vs E2W written out"]
    assert measured > allowed


@settings(max_examples=50)
@given(
    q_vectors(min_k=1, max_k=8, max_magnitude=50.0),
    st.integers(0, 10**9),
    st.floats(min_value=1e-3, max_value=1e3),
    st.floats(min_value=1e-3, max_value=10.0),
)
def test_G2_tree_policy_probe_passes_own_and_a_foreign_e2w(q, n_total, tau, epsilon):
    assert check_tree_policy(q, n_total, tau, epsilon).passed
    res = check_tree_policy(q, n_total, tau, epsilon, subjects=Subjects.of(e2w=good.e2w))
    assert res.passed, res.details


def test_G2_tree_policy_probe_fails_a_foreign_e2w_at_105_percent_tau():
    res = check_tree_policy(
        np.array([0.2, 0.5, 0.9]), 10, TAU, EPSILON, subjects=Subjects.of(e2w=e2w_at_105_percent_tau)
    )
    _assert_rejected(res)


def test_G2_battery_takes_a_foreign_e2w():
    res = mcts.battery_search_rules(seed=0, size="quick", subjects=Subjects.of(e2w=good.e2w))
    assert res.passed, res.details
    assert res.cases == 10


# --- G3a, G3b ----------------------------------------------------------------------------------------
def forgetful_backup(q, tau):
    """Backs up 0 whatever the subtree holds: root Q = r = 0, so MENTS always proposes action 0."""
    return np.zeros(q.shape[0])


def test_G3a_passes_on_small_trees():
    res = check_failure_rates(2, 2, n_trees=4, runs_per_tree=50, checkpoints=(4, 64, 512), seed=1)
    assert res.passed, res.details
    table = res.details["table"]
    assert [row["simulations"] for row in table] == [4, 64, 512]
    assert all(lo <= p <= hi for row in table for p, lo, hi in (row["ments"],))


@pytest.mark.parametrize("seed", [0, 1])
def test_G3a_rejects_a_search_that_does_not_learn(seed):
    # Constant recommendations: p_T = p_1 ≈ 3/4 on k = 4 trees, which does not halve.
    res = check_failure_rates(
        4, 2, n_trees=8, runs_per_tree=50, checkpoints=(4, 64, 256), seed=seed, backup_value=forgetful_backup
    )
    _assert_rejected(res)
    assert res.details["worst"].startswith("halves")


def test_G3b_is_refuted_by_a_reproducible_counterexample():
    a, b = check_ments_vs_uct(seed=3), check_ments_vs_uct(seed=3)
    assert a == b and a.verdict == REFUTED and a.expected
    assert a.measured < 0 == a.tolerance
    text = a.counterexample
    assert "synthetic_tree(2, 3, seed=s) for s in 0..7" in text and "check_ments_vs_uct(seed=3)" in text
    assert "\n" not in text and "at 16 simulations" in text and "at 64 simulations" in text


def test_G3b_fails_when_the_counterexample_does_not_reproduce():
    # MENTS against MENTS: no significant difference, so nothing is refuted.
    def ments_as_baseline(mdps, *, c, **kw):
        return ments(mdps, tau=0.1, epsilon=0.1, **kw)

    res = check_ments_vs_uct(seed=0, baseline=ments_as_baseline)
    assert res.verdict == FAIL and res.measured >= 0
    assert res.counterexample.startswith("did not reproduce")


def test_G3b_reproduces_with_overwhelming_probability():
    # Exact: with 800 runs per algorithm, MENTS at the counterexample's smaller pooled rate (0.17
    # at 64 simulations; 0.27 at 16) and UCT at 0.01 (measured: at most 0.01 on every tree), the
    # probability that upper(p_UCT) >= lower(p_MENTS) at a budget is about 2e-15.
    n, beta = 800, CLAIM_FALSE_ALARM / 4
    bounds = np.array([rate_bounds(np.arange(n) < k, beta)[2:] for k in range(n + 1)])
    pm = stats.binom.pmf(np.arange(n + 1), n, 0.17)
    pu = stats.binom.pmf(np.arange(n + 1), n, 0.01)
    no_separation = bounds[:, 1][:, None] >= bounds[:, 0][None, :]  # [k_uct, k_ments]
    assert (pu[:, None] * pm[None, :])[no_separation].sum() < 1e-12


# --- G4 ----------------------------------------------------------------------------------------------
def test_G4_passes_and_prints_tau_c_digits():
    res = check_d_chain_misalignment(taus=(0.1, 0.2), n_simulations=200, n_runs=100)
    assert res.passed, res.details
    assert "0.138602095459006" in res.details["summary"]


@pytest.mark.parametrize(
    "wrong_tau_c",
    [
        pytest.param(0.2, id="thesis-1/5"),
        pytest.param(0.142, id="thesis-draft-0.142"),
        pytest.param(0.1386, id="four-digits"),
        pytest.param(0.13860209545900612 + 3e-9, id="off-by-3e-9"),
    ],
)
def test_G4_rejects_a_wrong_tau_c(wrong_tau_c):
    res = check_d_chain_misalignment(tau_c=wrong_tau_c, taus=(0.1,), n_simulations=50, n_runs=20)
    _assert_rejected(res)


def test_G4_rejects_a_ments_with_hard_max_backups():
    # With hard backups MENTS follows the reward optimum L at τ = 0.2 > τ_c, not the soft one R.
    res = check_d_chain_misalignment(taus=(0.2,), n_simulations=200, n_runs=100, backup_value=hard_max_backup)
    _assert_rejected(res)


# --- batteries ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "battery, verdict",
    [
        (mcts.battery_soft_value_convergence, PASS),
        (mcts.battery_search_rules, PASS),
        (planning.battery_failure_rates, PASS),
        (planning.battery_ments_vs_uct, REFUTED),
        (planning.battery_d_chain_misalignment, PASS),
    ],
)
def test_battery_quick_gives_its_verdict_and_is_deterministic(battery, verdict):
    a, b = battery(seed=0, size="quick"), battery(seed=0, size="quick")
    assert a.verdict == verdict, a.details
    assert a == b


def test_battery_rejects_unknown_size():
    with pytest.raises(ValueError, match="size"):
        mcts.battery_search_rules(seed=0, size="huge")


# --- G5, G6, G7: BTS and DENTS beside MENTS (checks/boltzmann_search.py) -----------------------------
import checks.boltzmann_search as boltzmann_search  # noqa: E402  (this block is self-contained)
from checks.boltzmann_search import (  # noqa: E402
    check_d_chain_alignment,
    check_entropy_trap,
    check_regret_falls,
    check_trap_budget_growth,
)


def soft_bellman_backup(tau):
    """BTS's node value replaced by MENTS's F_τ: BTS (or DENTS) with soft backups."""
    return lambda q, counts: soft_value(q, tau)


def greedy_tree_policy(q, n_total, tau, epsilon):
    """No exploration at all: uniform over the argmax of the search values."""
    best = (q == q.max(axis=1, keepdims=True)).astype(float)
    return best / best.sum(axis=1, keepdims=True)


def test_G5_G6_G7_registered_as_statistical_claims():
    ids = {c.id: c for c, _ in registered()}
    assert all(ids[c].false_alarm == CLAIM_FALSE_ALARM for c in ("G5", "G6", "G7"))


@pytest.mark.parametrize(
    "battery, bounds_per_instance",
    [
        (boltzmann_search.battery_d_chain_alignment, lambda w: len(w["recommendations"])),
        (boltzmann_search.battery_regret_falls, lambda w: 2 * sum(len(t) for t in w["table"].values())),
    ],
)
def test_G5_G7_batteries_pass_and_spend_exactly_the_claim_level(battery, bounds_per_instance):
    res = battery(seed=0, size="quick")
    assert res.verdict == PASS, res.details
    w = res.details["worst_case"]
    assert w["bound_level"] * bounds_per_instance(w) * res.cases == pytest.approx(
        CLAIM_FALSE_ALARM, rel=1e-12
    )


def test_G6_battery_passes_and_G5_battery_is_deterministic():
    res = boltzmann_search.battery_entropy_trap(seed=0, size="quick")
    assert res.verdict == PASS, res.details
    assert "0.48089834696298780245" in str(res.details)  # τ_trap(3) = 1/(3 log 2), 20 digits
    a, b = (boltzmann_search.battery_d_chain_alignment(seed=5, size="quick") for _ in range(2))
    assert a == b


def test_G5_rejects_bts_and_dents_with_soft_backups_above_tau_c():
    res = check_d_chain_alignment(
        taus=(0.5,), n_simulations=50, n_runs=40, backup_value=soft_bellman_backup(0.5)
    )
    _assert_rejected(res)
    assert all(r["rate"] < 0.1 for r in res.details["recommendations"])  # they follow the soft optimum R


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(1 / 3, id="1/k"),
        pytest.param(1 / (3 * np.log(2)) * (1 + 1e-8), id="off-by-5e-9"),
        pytest.param(0.5, id="thesis-style-round-number"),
    ],
)
def test_G6_rejects_a_wrong_threshold(wrong):
    res = check_entropy_trap(3, 3, tau_trap=wrong, n_simulations=20, n_runs=10)
    _assert_rejected(res)


def test_G6_rejects_bts_and_dents_with_soft_backups():
    res = check_entropy_trap(3, 3, n_simulations=100, n_runs=30, backup_value=soft_bellman_backup(1.0))
    _assert_rejected(res)
    assert res.details["success"]["BTS"][0] < 0.1 and res.details["success"]["DENTS"][0] < 0.1


def test_G6_refuses_a_temperature_on_the_wrong_side():
    with pytest.raises(ValueError, match="above the trap's threshold"):
        check_entropy_trap(3, 3, tau=0.4)
    with pytest.raises(ValueError, match="below every trap's threshold"):
        check_trap_budget_growth((2, 7), tau=0.3)


def test_G6_rejects_a_ments_that_never_takes_the_exit():
    # Backing up 0 leaves R worth 0 < L's reward along the chain: the policy stops at the root.
    res = check_trap_budget_growth(
        (2, 7), checkpoints=(16, 32), n_runs=30, ments_backup_value=forgetful_backup
    )
    _assert_rejected(res)


def test_G6_growth_separates_with_overwhelming_probability():
    # Exact binomial: at 32 simulations, 100 runs, D = 2 at p = 0.9 (measured 0.978 in 1000 runs)
    # and D = 7 at p = 0.12 (measured 0.096 in 1000 runs; 0.12 is above its 95 % upper bound),
    # with the quick battery's bound level, the probability that lower(p_2) <= 1/2 or
    # upper(p_7) >= 1/2 is about 1e-6, far below the 2.5e-4 this comparison may spend.
    n = 100
    beta = CLAIM_FALSE_ALARM / 2 / (2 * 1 * 2 * 2)  # α over (trap, growth), then 2·pairs·budgets·2
    bounds = np.array([rate_bounds(np.arange(n) < k, beta)[2:] for k in range(n + 1)])
    miss_small = stats.binom.pmf(np.arange(n + 1), n, 0.9)[bounds[:, 0] <= 0.5].sum()
    miss_large = stats.binom.pmf(np.arange(n + 1), n, 0.12)[bounds[:, 1] >= 0.5].sum()
    assert miss_small + miss_large < 2e-6


def test_G7_rejects_a_search_that_does_not_explore():
    res = check_regret_falls(
        2, 2, n_trees=4, runs_per_tree=25, checkpoints=(4, 32, 256), tree_policy=greedy_tree_policy
    )
    _assert_rejected(res)
    assert "halves" in res.details["worst"]
