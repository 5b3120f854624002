"""Claims G1–G4 (checks/mcts.py: G1–G2, checks/planning.py: G3–G4): MENTS and UCT, with negative controls."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import checks.mcts as mcts
import checks.planning as planning
from checks.mcts import (
    check_search_rules,
    check_soft_value_convergence,
    hand_made_trees,
)
from checks.planning import check_d_chain_misalignment, check_failure_rates
from mdps.trees import synthetic_tree, tree_mdp
from theory.bandit import e2w_distribution, inverse_cdf_sample
from theory.softmax import soft_indmax


def _assert_rejected(res):
    assert res.passed is False, res.details
    assert res.measured > res.tolerance, res.details


def hard_max_backup(q, tau):
    """max_a Q(s', a) in place of F_τ: MENTS with the τ = 0 backup."""
    return q.max(axis=-1)


# --- G1 ----------------------------------------------------------------------------------------------
@settings(max_examples=2)
@given(st.sampled_from([(2, 3), (3, 3)]), st.integers(0, 2**10))
def test_G1_passes_on_generated_trees(shape, seed):
    mdp = tree_mdp(synthetic_tree(*shape, seed=seed))
    res = check_soft_value_convergence(mdp, checkpoints=(10, 3000), n_runs=40, seed=seed)
    assert res.passed, res.details


@pytest.mark.parametrize("seed", [0, 1])
def test_G1_rejects_hard_max_backups(seed):
    # Hard-max backups converge to F_τ(Q*_0(root, ·)), a distance δ from the soft target.
    mdp = tree_mdp(synthetic_tree(4, 3, seed=seed))
    res = check_soft_value_convergence(
        mdp, checkpoints=(10, 100, 1000), n_runs=60, seed=seed, backup_value=hard_max_backup
    )
    _assert_rejected(res)
    assert res.details["worst"].startswith("soft target")


def test_G1_rejects_a_depth_one_tree_where_soft_and_hard_coincide():
    with pytest.raises(ValueError, match="coincide"):
        check_soft_value_convergence(tree_mdp(synthetic_tree(3, 1, seed=0)))


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
        pytest.param({"tree_policy": unclipped_exploration, "epsilon": 1.0}, id="unclipped-lambda"),
        pytest.param({"tree_policy": exploration_from_own_visits_only}, id="lambda-without-|A|"),
        pytest.param({"tree_policy": policy_at_double_temperature}, id="policy-at-2tau"),
        pytest.param({"sampler": sampler_off_by_one}, id="sampler-off-by-one"),
    ],
)
@pytest.mark.parametrize("name", ["binary d=2", "d-chain D=4"])
def test_G2_rejects_broken_rules(broken, name):
    with np.errstate(all="ignore"):
        res = check_search_rules(hand_made_trees()[name], n_simulations=100, n_runs=5, **broken)
    _assert_rejected(res)


def test_G2_sampler_under_test_is_the_engines():
    assert check_search_rules.__kwdefaults__["sampler"] is inverse_cdf_sample


# --- G3 ----------------------------------------------------------------------------------------------
def forgetful_backup(q, tau):
    """Backs up 0 whatever the subtree holds: root Q = r = 0, so MENTS always proposes action 0."""
    return np.zeros(q.shape[0])


def test_G3_passes_on_small_trees():
    res = check_failure_rates(2, 2, n_trees=4, runs_per_tree=50, checkpoints=(4, 64, 512), seed=1)
    assert res.passed, res.details
    table = res.details["table"]
    assert [row["simulations"] for row in table] == [4, 64, 512]
    assert all(lo <= p <= hi for row in table for p, lo, hi in (row["ments"], row["uct"]))


def test_G3_rejects_a_search_that_does_not_learn():
    res = check_failure_rates(
        4, 2, n_trees=4, runs_per_tree=50, checkpoints=(4, 64, 256), seed=0, backup_value=forgetful_backup
    )
    _assert_rejected(res)


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
    "battery",
    [
        mcts.battery_soft_value_convergence,
        mcts.battery_search_rules,
        planning.battery_failure_rates,
        planning.battery_d_chain_misalignment,
    ],
)
def test_battery_quick_passes_and_is_deterministic(battery):
    a, b = battery(seed=0, size="quick"), battery(seed=0, size="quick")
    assert a.passed, a.details
    assert a == b


def test_battery_rejects_unknown_size():
    with pytest.raises(ValueError, match="size"):
        mcts.battery_search_rules(seed=0, size="huge")
