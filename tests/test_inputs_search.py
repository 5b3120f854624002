"""Bad input to theory.bandit, theory.mcts, theory.soft_q and mdps.trees: a clear error, never garbage.

One table per module: TypeError for an argument of the wrong kind (a string, None, a complex
number, a bool or a float where a count is wanted, a non-callable), ValueError for a bad value
(NaN/inf, out of range, wrong shape, off the simplex, non-whole counts, a negative seed). Every
regex names the argument. A last test checks that extreme but valid input is still accepted.
"""

import numpy as np
import pytest

from mdps.finite import FiniteMDP
from mdps.generators import garnet
from mdps.trees import synthetic_tree, tree_from_leaf_means, tree_mdp
from mdps.validation import SEED_MAX
from theory import bandit, mcts, soft_q

NAN, INF = np.nan, np.inf
R2 = [0.0, 1.0]  # a two-armed bandit
UNIFORM = bandit.uniform_allocation


def _sim(**kw):
    args = dict(r=R2, sigma=1.0, allocation=UNIFORM, checkpoints=[4], n_runs=2, seed=0) | kw
    return lambda: bandit.simulate(args.pop("r"), args.pop("sigma"), args.pop("allocation"), **args)


BAD_BANDIT = [
    # e2w_exploration(n_total, n_actions, epsilon)
    pytest.param(lambda: bandit.e2w_exploration(NAN, 2, 0.1), ValueError, "n_total", id="expl-nan-t"),
    pytest.param(
        lambda: bandit.e2w_exploration([3, -1], 2, 0.1), ValueError, r"n_total\[1\]", id="expl-neg-t"
    ),
    pytest.param(lambda: bandit.e2w_exploration("3", 2, 0.1), TypeError, "n_total", id="expl-str-t"),
    pytest.param(lambda: bandit.e2w_exploration(True, 2, 0.1), TypeError, "n_total", id="expl-bool-t"),
    pytest.param(lambda: bandit.e2w_exploration(3, 0, 0.1), ValueError, "n_actions", id="expl-zero-arms"),
    pytest.param(lambda: bandit.e2w_exploration(3, 2.0, 0.1), TypeError, "n_actions", id="expl-float-arms"),
    pytest.param(lambda: bandit.e2w_exploration(3, True, 0.1), TypeError, "n_actions", id="expl-bool-arms"),
    pytest.param(lambda: bandit.e2w_exploration(3, 2, 0.0), ValueError, "epsilon", id="expl-eps-0"),
    pytest.param(lambda: bandit.e2w_exploration(3, 2, NAN), ValueError, "epsilon", id="expl-eps-nan"),
    pytest.param(lambda: bandit.e2w_exploration(3, 2, 1j), TypeError, "epsilon", id="expl-eps-complex"),
    pytest.param(lambda: bandit.e2w_exploration(3, 2, None), TypeError, "epsilon", id="expl-eps-none"),
    # e2w_distribution(q_hat, n_total, tau, epsilon)
    pytest.param(
        lambda: bandit.e2w_distribution([0, NAN], 3, 1, 0.1), ValueError, r"q_hat\[1\]", id="e2w-q-nan"
    ),
    pytest.param(lambda: bandit.e2w_distribution("ab", 3, 1, 0.1), TypeError, "q_hat", id="e2w-q-str"),
    pytest.param(lambda: bandit.e2w_distribution(0.5, 3, 1, 0.1), ValueError, "q_hat", id="e2w-q-scalar"),
    pytest.param(lambda: bandit.e2w_distribution(R2, -1, 1, 0.1), ValueError, "n_total", id="e2w-t-neg"),
    pytest.param(
        lambda: bandit.e2w_distribution(np.zeros((4, 3)), np.zeros(5), 1, 0.1),
        ValueError,
        "n_total of shape",
        id="e2w-t-shape",
    ),
    pytest.param(lambda: bandit.e2w_distribution(R2, 3, -1, 0.1), ValueError, "tau", id="e2w-tau-neg"),
    pytest.param(lambda: bandit.e2w_distribution(R2, 3, NAN, 0.1), ValueError, "tau", id="e2w-tau-nan"),
    pytest.param(lambda: bandit.e2w_distribution(R2, 3, "hot", 0.1), TypeError, "tau", id="e2w-tau-str"),
    pytest.param(lambda: bandit.e2w_distribution(R2, 3, 1, -1), ValueError, "epsilon", id="e2w-eps-neg"),
    # e2w_distribution_unchecked: the hot-loop kernel still has soft_indmax's checks of tau
    pytest.param(
        lambda: bandit.e2w_distribution_unchecked(R2, 3, -1, 0.1), ValueError, "tau", id="e2w-kernel-tau"
    ),
    # inverse_cdf_sample(dist, u, axis)
    pytest.param(lambda: bandit.inverse_cdf_sample([0.5, 0.5], 1.5), ValueError, "^u must", id="icdf-u-1.5"),
    pytest.param(
        lambda: bandit.inverse_cdf_sample([0.5, 0.5], 1.0), ValueError, r"^u must .*\[0, 1\)", id="icdf-u-1"
    ),
    pytest.param(lambda: bandit.inverse_cdf_sample([0.5, 0.5], -0.1), ValueError, "^u must", id="icdf-u-neg"),
    pytest.param(lambda: bandit.inverse_cdf_sample([0.5, 0.5], NAN), ValueError, "^u must", id="icdf-u-nan"),
    pytest.param(
        lambda: bandit.inverse_cdf_sample([[0.5, 0.5]] * 2, [0.1, 1.5]),
        ValueError,
        r"u\[1\]",
        id="icdf-u-row",
    ),
    pytest.param(lambda: bandit.inverse_cdf_sample([0.5, 0.5], None), TypeError, "^u must", id="icdf-u-none"),
    pytest.param(
        lambda: bandit.inverse_cdf_sample([[0.5, 0.5]], [0.1, 0.2]),
        ValueError,
        "u must have the shape",
        id="icdf-u-shape",
    ),
    pytest.param(
        lambda: bandit.inverse_cdf_sample([0.5, 0.6], 0.1), ValueError, "dist must sum", id="icdf-off-simplex"
    ),
    pytest.param(
        lambda: bandit.inverse_cdf_sample([1.5, -0.5], 0.1), ValueError, r"dist\[1\]", id="icdf-negative"
    ),
    pytest.param(lambda: bandit.inverse_cdf_sample([NAN, 1.0], 0.1), ValueError, r"dist\[0\]", id="icdf-nan"),
    pytest.param(lambda: bandit.inverse_cdf_sample("ab", 0.1), TypeError, "dist", id="icdf-str"),
    pytest.param(lambda: bandit.inverse_cdf_sample([0.5, 0.5j], 0.1), TypeError, "dist", id="icdf-complex"),
    pytest.param(
        lambda: bandit.inverse_cdf_sample([0.5, 0.5], 0.1, axis=1), ValueError, "axis", id="icdf-axis"
    ),
    pytest.param(
        lambda: bandit.inverse_cdf_sample([0.5, 0.5], 0.1, axis=0.0), TypeError, "axis", id="icdf-axis-f"
    ),
    # e2w_allocation(tau, epsilon)
    pytest.param(lambda: bandit.e2w_allocation(-1, 0.1), ValueError, "tau", id="e2w-alloc-tau"),
    pytest.param(lambda: bandit.e2w_allocation(None, 0.1), TypeError, "tau", id="e2w-alloc-tau-none"),
    pytest.param(lambda: bandit.e2w_allocation(1, 0), ValueError, "epsilon", id="e2w-alloc-eps"),
    pytest.param(lambda: bandit.e2w_allocation(1, "x"), TypeError, "epsilon", id="e2w-alloc-eps-str"),
    # uniform_allocation(means, t)
    pytest.param(lambda: UNIFORM([[0, NAN]], 3), ValueError, "means", id="unif-nan"),
    pytest.param(lambda: UNIFORM("ab", 3), TypeError, "means", id="unif-str"),
    pytest.param(lambda: UNIFORM(0.5, 3), ValueError, "means", id="unif-scalar"),
    pytest.param(lambda: UNIFORM([0.0, 1.0], -1), ValueError, "^t must", id="unif-t-neg"),
    pytest.param(lambda: UNIFORM([0.0, 1.0], 1.5), TypeError, "^t must", id="unif-t-float"),
    # oracle_allocation(r, tau) and the allocation it returns
    pytest.param(
        lambda: bandit.oracle_allocation([R2, R2], 1), ValueError, "^r must have 1 axes", id="oracle-2d"
    ),
    pytest.param(lambda: bandit.oracle_allocation([0, INF], 1), ValueError, r"r\[1\]", id="oracle-inf"),
    pytest.param(lambda: bandit.oracle_allocation(R2, 0), ValueError, "tau", id="oracle-tau-0"),
    pytest.param(lambda: bandit.oracle_allocation(R2, 1j), TypeError, "tau", id="oracle-tau-complex"),
    pytest.param(
        lambda: bandit.oracle_allocation(R2, 1)(np.zeros((3, 3)), 5), ValueError, "means", id="oracle-wrong-K"
    ),
    # exp_sum(r, tau), exp_sum_estimate(means, tau), soft_value_estimate(means, tau)
    pytest.param(lambda: bandit.exp_sum([0, NAN], 1), ValueError, r"r\[1\]", id="exp-sum-nan"),
    pytest.param(lambda: bandit.exp_sum(R2, 0), ValueError, "tau", id="exp-sum-tau-0"),
    pytest.param(lambda: bandit.exp_sum(R2, -1), ValueError, "tau", id="exp-sum-tau-neg"),
    pytest.param(lambda: bandit.exp_sum(["a", "b"], 1), TypeError, "^r must", id="exp-sum-str"),
    pytest.param(lambda: bandit.exp_sum_estimate([[0, NAN]], 1), ValueError, "means", id="exp-est-nan"),
    pytest.param(lambda: bandit.exp_sum_estimate(R2, NAN), ValueError, "tau", id="exp-est-tau"),
    pytest.param(lambda: bandit.soft_value_estimate([INF, 0], 1), ValueError, "means", id="sv-est-inf"),
    pytest.param(lambda: bandit.soft_value_estimate(R2, 0), ValueError, "tau", id="sv-est-tau-0"),
    # delta_method_constant(r, tau, sigma, shares)
    pytest.param(
        lambda: bandit.delta_method_constant(R2, 1, -1, [0.5, 0.5]), ValueError, "sigma", id="dm-sigma"
    ),
    pytest.param(
        lambda: bandit.delta_method_constant(R2, 1, NAN, [0.5, 0.5]), ValueError, "sigma", id="dm-nan"
    ),
    pytest.param(
        lambda: bandit.delta_method_constant(R2, 1, "1", [0.5, 0.5]), TypeError, "sigma", id="dm-str"
    ),
    pytest.param(lambda: bandit.delta_method_constant(R2, 0, 1, [0.5, 0.5]), ValueError, "tau", id="dm-tau"),
    pytest.param(
        lambda: bandit.delta_method_constant(R2, 1, 1, [0.0, 1.0]), ValueError, r"shares\[0\]", id="dm-0"
    ),
    pytest.param(
        lambda: bandit.delta_method_constant(R2, 1, 1, [0.5, NAN]), ValueError, "shares", id="dm-s-nan"
    ),
    pytest.param(
        lambda: bandit.delta_method_constant(R2, 1, 1, [0.3, 0.3, 0.4]),
        ValueError,
        "shares must have",
        id="dm-K",
    ),
    pytest.param(
        lambda: bandit.delta_method_constant([R2], 1, 1, [0.5, 0.5]), ValueError, "^r must", id="dm-r-2d"
    ),
    # gaussian_mse_given_counts(r, tau, sigma, counts)
    pytest.param(
        lambda: bandit.gaussian_mse_given_counts(R2, 1, 1, [0.5, 2]), ValueError, "counts", id="mse-n<1"
    ),
    pytest.param(
        lambda: bandit.gaussian_mse_given_counts(R2, 1, 1, [2, NAN]), ValueError, "counts", id="mse-nan"
    ),
    pytest.param(
        lambda: bandit.gaussian_mse_given_counts(R2, 1, 1, [2, 2, 2]), ValueError, "counts", id="mse-K"
    ),
    pytest.param(
        lambda: bandit.gaussian_mse_given_counts(R2, 1, -1, [2, 2]), ValueError, "sigma", id="mse-sigma"
    ),
    pytest.param(
        lambda: bandit.gaussian_mse_given_counts(R2, -1, 1, [2, 2]), ValueError, "tau", id="mse-tau"
    ),
    pytest.param(
        lambda: bandit.gaussian_mse_given_counts([], 1, 1, [2, 2]), ValueError, "^r must", id="mse-r-empty"
    ),
    # e2w_limit(r, tau, sigma), uniform_limit(r, tau, sigma)
    pytest.param(lambda: bandit.e2w_limit(R2, 1, -1), ValueError, "sigma", id="e2w-limit-sigma"),
    pytest.param(lambda: bandit.e2w_limit(R2, 1, 1j), TypeError, "sigma", id="e2w-limit-complex"),
    pytest.param(lambda: bandit.e2w_limit([NAN, 0], 1, 1), ValueError, r"r\[0\] = nan", id="e2w-limit-nan"),
    pytest.param(lambda: bandit.e2w_limit(R2, 0, 1), ValueError, "tau", id="e2w-limit-tau"),
    pytest.param(lambda: bandit.uniform_limit(R2, 1, -1), ValueError, "sigma", id="unif-limit-sigma"),
    pytest.param(lambda: bandit.uniform_limit(R2, NAN, 1), ValueError, "tau", id="unif-limit-tau"),
    pytest.param(lambda: bandit.uniform_limit(1.0, 1, 1), ValueError, "^r must", id="unif-limit-scalar"),
    # simulate(r, sigma, allocation, checkpoints, *, n_runs, seed)
    pytest.param(_sim(seed=None), TypeError, "seed", id="sim-seed-none"),
    pytest.param(_sim(seed=-1), ValueError, "seed", id="sim-seed-neg"),
    pytest.param(_sim(seed=1.5), TypeError, "seed", id="sim-seed-float"),
    pytest.param(_sim(n_runs=0), ValueError, "n_runs", id="sim-no-runs"),
    pytest.param(_sim(n_runs=True), TypeError, "n_runs", id="sim-runs-bool"),
    pytest.param(_sim(sigma=-1), ValueError, "sigma", id="sim-sigma-neg"),
    pytest.param(_sim(sigma=NAN), ValueError, "sigma", id="sim-sigma-nan"),
    pytest.param(_sim(checkpoints=[1]), ValueError, "checkpoints", id="sim-checkpoint<K"),
    pytest.param(_sim(checkpoints=[5, 5]), ValueError, r"checkpoints.*increasing", id="sim-not-increasing"),
    pytest.param(_sim(checkpoints=[2.5, 4]), ValueError, r"checkpoints\[0\]", id="sim-checkpoint-frac"),
    pytest.param(_sim(checkpoints=[]), ValueError, "checkpoints", id="sim-no-checkpoints"),
    pytest.param(_sim(allocation=None), TypeError, "allocation", id="sim-allocation-none"),
    pytest.param(
        _sim(allocation=lambda m, t: np.full((2, 3), 1 / 3)),
        ValueError,
        r"allocation\(means, t\)",
        id="sim-alloc-shape",
    ),
    pytest.param(
        _sim(allocation=lambda m, t: m * np.nan), ValueError, r"allocation\(means, t\)", id="sim-alloc-nan"
    ),
    pytest.param(_sim(r=[R2, R2]), ValueError, "^r must", id="sim-r-2d"),
    pytest.param(_sim(r=[0, NAN]), ValueError, r"r\[1\]", id="sim-r-nan"),
]


@pytest.mark.parametrize("call, exc, message", BAD_BANDIT)
def test_bandit_bad_input_raises_a_clear_error(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- theory.mcts ----------------------------------------------------------------------------------
TREE = tree_mdp(tree_from_leaf_means(2, [0.0, 1.0, 0.6, 0.5]))
DISCOUNTED = garnet(4, 2, 2, gamma=0.9, seed=0)
RESULT = mcts.uct(TREE, c=1.0, sigma=0.1, checkpoints=[2, 4], n_runs=3, seed=0)
RESULT_AT_3 = mcts.uct(TREE, c=1.0, sigma=0.1, checkpoints=[3], n_runs=3, seed=0)


def _terminal_root():
    P = np.zeros((1, 1, 1))
    P[0, 0, 0] = 1.0
    return FiniteMDP(P, np.zeros((1, 1)), 1.0, horizon=1, terminal=np.array([True]))


def _ments(**kw):
    args = dict(tau=0.1, epsilon=0.1, sigma=0.1, checkpoints=[3], n_runs=2, seed=0) | kw
    return lambda: mcts.ments(args.pop("mdp", TREE), **args)


def _uct(**kw):
    args = dict(c=1.0, sigma=0.1, checkpoints=[3], n_runs=2, seed=0) | kw
    return lambda: mcts.uct(args.pop("mdp", TREE), **args)


Q22, N22 = np.zeros((2, 2)), np.ones((2, 2))

BAD_MCTS = [
    # search_tree(mdp)
    pytest.param(lambda: mcts.search_tree("tree"), TypeError, "mdp must be a FiniteMDP", id="tree-str"),
    pytest.param(
        lambda: mcts.search_tree(DISCOUNTED), ValueError, r"mdp .* has horizon None", id="tree-no-horizon"
    ),
    pytest.param(
        lambda: mcts.search_tree(_terminal_root()),
        ValueError,
        r"root .* of mdp .* is terminal",
        id="tree-terminal-root",
    ),
    # ucb1_distribution(q, counts, c)
    pytest.param(
        lambda: mcts.ucb1_distribution([[0, NAN]], [[1, 1]], 1), ValueError, r"q\[0, 1\]", id="ucb1-q-nan"
    ),
    pytest.param(
        lambda: mcts.ucb1_distribution([0, 1], [1, 1], 1), ValueError, "q must have 2 axes", id="ucb1-q-1d"
    ),
    pytest.param(
        lambda: mcts.ucb1_distribution(Q22, [[1, -1], [0, 0]], 1), ValueError, "counts", id="ucb1-n-neg"
    ),
    pytest.param(
        lambda: mcts.ucb1_distribution(Q22, [[1, 1.5], [0, 0]], 1),
        ValueError,
        r"counts\[0, 1\]",
        id="ucb1-n-frac",
    ),
    pytest.param(
        lambda: mcts.ucb1_distribution(Q22, np.ones((2, 3)), 1), ValueError, "counts", id="ucb1-n-shape"
    ),
    pytest.param(lambda: mcts.ucb1_distribution(Q22, N22 > 0, 1), TypeError, "counts", id="ucb1-n-bool"),
    pytest.param(lambda: mcts.ucb1_distribution(Q22, N22, -1), ValueError, "^c must", id="ucb1-c-neg"),
    pytest.param(lambda: mcts.ucb1_distribution(Q22, N22, NAN), ValueError, "^c must", id="ucb1-c-nan"),
    pytest.param(lambda: mcts.ucb1_distribution(Q22, N22, "x"), TypeError, "^c must", id="ucb1-c-str"),
    # ments(mdp, *, tau, epsilon, sigma, checkpoints, n_runs, seed, tree_policy, backup_value)
    pytest.param(_ments(tau=0.0), ValueError, "tau", id="ments-tau-0"),
    pytest.param(_ments(tau=-1.0), ValueError, "tau", id="ments-tau-neg"),
    pytest.param(_ments(tau=NAN), ValueError, "tau", id="ments-tau-nan"),
    pytest.param(_ments(tau=None), TypeError, "tau", id="ments-tau-none"),
    pytest.param(_ments(epsilon=0.0), ValueError, "epsilon", id="ments-eps-0"),
    pytest.param(_ments(sigma=-0.1), ValueError, "sigma", id="ments-sigma-neg"),
    pytest.param(_ments(sigma=INF), ValueError, "sigma", id="ments-sigma-inf"),
    pytest.param(_ments(checkpoints=[0]), ValueError, "checkpoints", id="ments-checkpoint-0"),
    pytest.param(_ments(checkpoints=[3, 2]), ValueError, r"checkpoints.*increasing", id="ments-decreasing"),
    pytest.param(_ments(checkpoints=[2.5]), ValueError, r"checkpoints\[0\]", id="ments-checkpoint-frac"),
    pytest.param(_ments(checkpoints="3"), TypeError, "checkpoints", id="ments-checkpoints-str"),
    pytest.param(_ments(n_runs=0), ValueError, "n_runs", id="ments-no-runs"),
    pytest.param(_ments(n_runs=2.0), TypeError, "n_runs", id="ments-runs-float"),
    pytest.param(_ments(seed=None), TypeError, "seed", id="ments-seed-none"),
    pytest.param(_ments(seed=-1), ValueError, "seed", id="ments-seed-neg"),
    pytest.param(_ments(seed=1.5), TypeError, "seed", id="ments-seed-float"),
    pytest.param(_ments(mdp=3), TypeError, "mdp must be", id="ments-mdp-int"),
    pytest.param(_ments(mdp=[]), ValueError, "mdp must be", id="ments-mdp-empty"),
    pytest.param(_ments(mdp=[TREE, "x"]), TypeError, r"mdp\[1\]", id="ments-mdp-item"),
    pytest.param(_ments(tree_policy=None), TypeError, "tree_policy", id="ments-policy-none"),
    pytest.param(_ments(backup_value=3), TypeError, "backup_value", id="ments-backup-int"),
    pytest.param(
        _ments(tree_policy=lambda q, n, tau, eps: q + 1.0),
        ValueError,
        r"tree_policy\(",
        id="ments-policy-garbage",
    ),
    # uct(mdp, *, c, sigma, checkpoints, n_runs, seed, recommend)
    pytest.param(_uct(c=-1.0), ValueError, "^c must", id="uct-c-neg"),
    pytest.param(_uct(c=NAN), ValueError, "^c must", id="uct-c-nan"),
    pytest.param(_uct(recommend="best"), ValueError, "recommend", id="uct-recommend"),
    pytest.param(_uct(recommend=1), TypeError, "recommend", id="uct-recommend-int"),
    pytest.param(_uct(seed=None), TypeError, "seed", id="uct-seed-none"),
    pytest.param(_uct(sigma=NAN), ValueError, "sigma", id="uct-sigma-nan"),
    pytest.param(_uct(n_runs=True), TypeError, "n_runs", id="uct-runs-bool"),
    pytest.param(_uct(mdp=DISCOUNTED), ValueError, r"mdp .* has horizon None", id="uct-no-horizon"),
    # failure_curve(results, targets, *, level)
    pytest.param(
        lambda: mcts.failure_curve([], []), ValueError, "results must hold at least one", id="fc-empty"
    ),
    pytest.param(lambda: mcts.failure_curve(RESULT, [0]), TypeError, "results must", id="fc-not-a-list"),
    pytest.param(lambda: mcts.failure_curve(["x"], [0]), TypeError, r"results\[0\]", id="fc-result-str"),
    pytest.param(
        lambda: mcts.failure_curve([RESULT], [0, 1]),
        ValueError,
        "targets must hold one target per result",
        id="fc-lengths",
    ),
    pytest.param(
        lambda: mcts.failure_curve([RESULT, RESULT_AT_3], [0, 0]),
        ValueError,
        "results must all",
        id="fc-checkpoints",
    ),
    pytest.param(lambda: mcts.failure_curve([RESULT], 0), TypeError, "targets must", id="fc-targets-int"),
    pytest.param(
        lambda: mcts.failure_curve([RESULT], [2]), ValueError, r"targets\[0\]", id="fc-target-range"
    ),
    pytest.param(
        lambda: mcts.failure_curve([RESULT], [0.5]), ValueError, r"targets\[0\]", id="fc-target-frac"
    ),
    pytest.param(
        lambda: mcts.failure_curve([RESULT], [True]), TypeError, r"targets\[0\]", id="fc-target-bool"
    ),
    pytest.param(
        lambda: mcts.failure_curve([RESULT], [[0, 1]]), ValueError, r"targets\[0\]", id="fc-target-shape"
    ),
    pytest.param(lambda: mcts.failure_curve([RESULT], [0], level=1.0), ValueError, "level", id="fc-level-1"),
    pytest.param(
        lambda: mcts.failure_curve([RESULT], [0], level=NAN), ValueError, "level", id="fc-level-nan"
    ),
    pytest.param(
        lambda: mcts.failure_curve([RESULT], [0], level="95%"), TypeError, "level", id="fc-level-str"
    ),
    # root_soft_q(mdp, taus)
    pytest.param(lambda: mcts.root_soft_q(TREE, [0.1, -1]), ValueError, r"taus\[1\]", id="root-tau-neg"),
    pytest.param(lambda: mcts.root_soft_q(TREE, NAN), ValueError, "taus", id="root-tau-nan"),
    pytest.param(lambda: mcts.root_soft_q(TREE, []), ValueError, "taus", id="root-taus-empty"),
    pytest.param(lambda: mcts.root_soft_q(TREE, "hot"), TypeError, "taus", id="root-taus-str"),
    pytest.param(lambda: mcts.root_soft_q("tree", [0.1]), TypeError, "mdp", id="root-mdp-str"),
    pytest.param(
        lambda: mcts.root_soft_q(DISCOUNTED, [0.1]), ValueError, "mdp must have a finite", id="root-disc"
    ),
    # d_chain_root_gap(n, final_reward, tau)
    pytest.param(lambda: mcts.d_chain_root_gap(0, 0.5, 1), ValueError, "^n must", id="gap-n-0"),
    pytest.param(lambda: mcts.d_chain_root_gap(2.5, 0.5, 1), TypeError, "^n must", id="gap-n-float"),
    pytest.param(lambda: mcts.d_chain_root_gap(10, NAN, 1), ValueError, "final_reward", id="gap-reward-nan"),
    pytest.param(lambda: mcts.d_chain_root_gap(10, 0.5, -1), ValueError, "tau", id="gap-tau-neg"),
    pytest.param(lambda: mcts.d_chain_root_gap(10, 0.5, NAN), ValueError, "tau", id="gap-tau-nan"),
    # d_chain_critical_temperature(n, final_reward, *, bracket, xtol)
    pytest.param(lambda: mcts.d_chain_critical_temperature(1, 0.5), ValueError, "^n must", id="crit-n-1"),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(None, 0.5), TypeError, "^n must", id="crit-n-none"
    ),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(10, INF), ValueError, "final_reward", id="crit-reward"
    ),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(10, 0.5, bracket=(1.0, 0.5)),
        ValueError,
        "bracket",
        id="crit-lo>hi",
    ),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(10, 0.5, bracket=(-1.0, 1.0)),
        ValueError,
        "bracket",
        id="crit-neg",
    ),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(10, 0.5, bracket=(NAN, 1.0)),
        ValueError,
        "bracket",
        id="crit-nan",
    ),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(10, 0.5, bracket=(0.1, 1, 2)),
        ValueError,
        "bracket",
        id="crit-3",
    ),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(10, 0.5, xtol=0), ValueError, "xtol", id="crit-xtol-0"
    ),
    pytest.param(
        lambda: mcts.d_chain_critical_temperature(10, 1.0), ValueError, "final_reward=1", id="crit-no-switch"
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_MCTS)
def test_mcts_bad_input_raises_a_clear_error(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- theory.soft_q --------------------------------------------------------------------------------
PARTICLES = np.array([[0.0], [1.0]])


def _sql(mdp=DISCOUNTED, tau=1.0, **kw):
    return lambda: soft_q.soft_q_learning(mdp, tau, **({"seed": 0, "n_updates": 2} | kw))


def _svgd(grad_q=lambda a: -a, particles=PARTICLES, tau=1.0, **kw):
    return lambda: soft_q.svgd(grad_q, particles, tau, **({"step_size": 0.1, "n_steps": 2} | kw))


def _amortised(sampler=None, tau=1.0, **kw):
    sampler = soft_q.MLPSampler.init(1, 2, np.random.default_rng(0)) if sampler is None else sampler
    args = {"seed": 0, "n_steps": 1, "batch_size": 4} | kw
    return lambda: soft_q.amortised_svgd(args.pop("grad_q", lambda a: -a), sampler, tau, **args)


ISV = soft_q.importance_sampled_soft_value

BAD_SOFT_Q = [
    # importance_sampled_soft_value(q_samples, log_proposal, tau, axis)
    pytest.param(lambda: ISV([1, 2], [0, 0], 0), ValueError, "tau", id="isv-tau-0"),
    pytest.param(lambda: ISV([1, 2], [0, 0], NAN), ValueError, "tau", id="isv-tau-nan"),
    pytest.param(lambda: ISV([1, 2], [0, 0], None), TypeError, "tau", id="isv-tau-none"),
    pytest.param(lambda: ISV([1, NAN], [0, 0], 1), ValueError, r"q_samples\[1\]", id="isv-q-nan"),
    pytest.param(lambda: ISV("ab", [0, 0], 1), TypeError, "q_samples", id="isv-q-str"),
    pytest.param(lambda: ISV([1, 2], [0, -INF], 1), ValueError, r"log_proposal\[1\]", id="isv-proposal-0"),
    pytest.param(lambda: ISV([1, 2], [0, 0, 0], 1), ValueError, "log_proposal of shape", id="isv-shape"),
    pytest.param(lambda: ISV([1, 2], 0.0, 1, axis=1), ValueError, "axis", id="isv-axis"),
    pytest.param(lambda: ISV([1, 2], 0.0, 1, axis=None), TypeError, "axis", id="isv-axis-none"),
    # soft_q_learning(mdp, tau, *, seed, n_runs, ...)
    pytest.param(_sql(update_interval=0), ValueError, "update_interval", id="sql-update-interval-0"),
    pytest.param(_sql(n_updates=0), ValueError, "n_updates", id="sql-no-updates"),
    pytest.param(_sql(n_runs=0), ValueError, "n_runs", id="sql-no-runs"),
    pytest.param(_sql(n_runs=True), TypeError, "n_runs", id="sql-runs-bool"),
    pytest.param(_sql(batch_size=0), ValueError, "batch_size", id="sql-batch-0"),
    pytest.param(_sql(batch_size=2.0), TypeError, "batch_size", id="sql-batch-float"),
    pytest.param(_sql(transitions_per_update=0), ValueError, "transitions_per_update", id="sql-tpu-0"),
    pytest.param(_sql(value_samples=0), ValueError, "value_samples", id="sql-value-samples-0"),
    pytest.param(_sql(n_checkpoints=0), ValueError, "n_checkpoints", id="sql-checkpoints-0"),
    pytest.param(_sql(learning_rate=0.0), ValueError, "learning_rate", id="sql-lr-0"),
    pytest.param(_sql(learning_rate=1.5), ValueError, "learning_rate", id="sql-lr-1.5"),
    pytest.param(_sql(learning_rate=NAN), ValueError, "learning_rate", id="sql-lr-nan"),
    pytest.param(_sql(seed=None), TypeError, "seed", id="sql-seed-none"),
    pytest.param(_sql(seed=-1), ValueError, "seed", id="sql-seed-neg"),
    pytest.param(_sql(seed=1.5), TypeError, "seed", id="sql-seed-float"),
    pytest.param(_sql(tau=0.0), ValueError, "tau", id="sql-tau-0"),
    pytest.param(_sql(tau=-1.0), ValueError, "tau", id="sql-tau-neg"),
    pytest.param(_sql(mdp="mdp"), TypeError, "mdp must be a FiniteMDP", id="sql-mdp-str"),
    pytest.param(_sql(mdp=TREE), ValueError, "mdp with horizon=2", id="sql-finite-horizon"),
    pytest.param(_sql(next_value=None), TypeError, "next_value", id="sql-next-value-none"),
    # median_bandwidth(particles)
    pytest.param(lambda: soft_q.median_bandwidth([1.0, 2.0]), ValueError, "particles", id="mb-1d"),
    pytest.param(
        lambda: soft_q.median_bandwidth([[1.0], [NAN]]), ValueError, r"particles\[1, 0\]", id="mb-nan"
    ),
    pytest.param(lambda: soft_q.median_bandwidth("ab"), TypeError, "particles", id="mb-str"),
    pytest.param(lambda: soft_q.median_bandwidth(np.zeros((0, 2))), ValueError, "particles", id="mb-empty"),
    # rbf_kernel(x, y, bandwidth)
    pytest.param(
        lambda: soft_q.rbf_kernel(PARTICLES, PARTICLES, -1), ValueError, "bandwidth", id="rbf-h-neg"
    ),
    pytest.param(lambda: soft_q.rbf_kernel(PARTICLES, PARTICLES, 0), ValueError, "bandwidth", id="rbf-h-0"),
    pytest.param(
        lambda: soft_q.rbf_kernel(PARTICLES, PARTICLES, NAN), ValueError, "bandwidth", id="rbf-h-nan"
    ),
    pytest.param(
        lambda: soft_q.rbf_kernel(PARTICLES, PARTICLES, "1"), TypeError, "bandwidth", id="rbf-h-str"
    ),
    pytest.param(lambda: soft_q.rbf_kernel([0.0, 1.0], PARTICLES, 1), ValueError, "^x must", id="rbf-x-1d"),
    pytest.param(
        lambda: soft_q.rbf_kernel(PARTICLES, [[1.0, 2.0]], 1), ValueError, "^y must", id="rbf-y-dim"
    ),
    pytest.param(lambda: soft_q.rbf_kernel(PARTICLES, [[INF]], 1), ValueError, "^y must", id="rbf-y-inf"),
    # svgd_direction(particles, grad_q, tau, *, bandwidth)
    pytest.param(lambda: soft_q.svgd_direction(PARTICLES, -PARTICLES, 0), ValueError, "tau", id="dir-tau-0"),
    pytest.param(
        lambda: soft_q.svgd_direction(PARTICLES, [1.0, 2.0], 1), ValueError, "grad_q", id="dir-g-shape"
    ),
    pytest.param(
        lambda: soft_q.svgd_direction(PARTICLES, [[1.0], [NAN]], 1), ValueError, "grad_q", id="dir-g-nan"
    ),
    pytest.param(
        lambda: soft_q.svgd_direction([0.0, 1.0], [0.0, 1.0], 1), ValueError, "particles", id="dir-1d"
    ),
    pytest.param(
        lambda: soft_q.svgd_direction(PARTICLES, -PARTICLES, 1, bandwidth=-1),
        ValueError,
        "bandwidth",
        id="dir-h",
    ),
    # svgd(grad_q, particles, tau, *, step_size, n_steps, direction)
    pytest.param(_svgd(n_steps=-1), ValueError, "n_steps", id="svgd-steps-neg"),
    pytest.param(_svgd(n_steps=1.5), TypeError, "n_steps", id="svgd-steps-float"),
    pytest.param(_svgd(step_size=0.0), ValueError, "step_size", id="svgd-step-0"),
    pytest.param(_svgd(step_size=NAN), ValueError, "step_size", id="svgd-step-nan"),
    pytest.param(_svgd(tau=0.0), ValueError, "tau", id="svgd-tau-0"),
    pytest.param(_svgd(tau=-1.0, n_steps=0), ValueError, "tau", id="svgd-tau-neg-no-steps"),
    pytest.param(_svgd(grad_q=None), TypeError, "grad_q", id="svgd-grad-none"),
    pytest.param(_svgd(grad_q=lambda a: a * NAN), ValueError, "grad_q", id="svgd-grad-returns-nan"),
    pytest.param(_svgd(direction=3), TypeError, "direction", id="svgd-direction-int"),
    pytest.param(_svgd(particles=[[0.0], [NAN]]), ValueError, "particles", id="svgd-particles-nan"),
    # amortised_svgd(grad_q, sampler, tau, *, seed, n_steps, batch_size, learning_rate, direction)
    pytest.param(_amortised(seed=None), TypeError, "seed", id="asvgd-seed-none"),
    pytest.param(_amortised(seed=-1), ValueError, "seed", id="asvgd-seed-neg"),
    pytest.param(_amortised(n_steps=-1), ValueError, "n_steps", id="asvgd-steps-neg"),
    pytest.param(_amortised(batch_size=0), ValueError, "batch_size", id="asvgd-batch-0"),
    pytest.param(_amortised(learning_rate=0.0), ValueError, "learning_rate", id="asvgd-lr-0"),
    pytest.param(_amortised(tau=0.0), ValueError, "tau", id="asvgd-tau-0"),
    pytest.param(_amortised(sampler="mlp"), TypeError, "sampler", id="asvgd-sampler-str"),
    pytest.param(_amortised(grad_q=None), TypeError, "grad_q", id="asvgd-grad-none"),
    pytest.param(_amortised(direction=None), TypeError, "direction", id="asvgd-direction-none"),
    # MLPSampler.init(dim, hidden, rng)
    pytest.param(
        lambda: soft_q.MLPSampler.init(0, 2, np.random.default_rng(0)),
        ValueError,
        "^dim must",
        id="init-dim-0",
    ),
    pytest.param(
        lambda: soft_q.MLPSampler.init(1, 2.5, np.random.default_rng(0)),
        TypeError,
        "hidden",
        id="init-hidden-float",
    ),
    pytest.param(lambda: soft_q.MLPSampler.init(1, 2, 0), TypeError, "rng", id="init-rng-int"),
]


@pytest.mark.parametrize("call, exc, message", BAD_SOFT_Q)
def test_soft_q_bad_input_raises_a_clear_error(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- mdps.trees -----------------------------------------------------------------------------------
BAD_TREES = [
    # synthetic_tree(branching, depth, *, seed, name)
    pytest.param(lambda: synthetic_tree(2, 2, seed=None), TypeError, "seed", id="tree-seed-none"),
    pytest.param(lambda: synthetic_tree(2, 2, seed=-1), ValueError, "seed", id="tree-seed-neg"),
    pytest.param(lambda: synthetic_tree(2, 2, seed=1.5), TypeError, "seed", id="tree-seed-float"),
    pytest.param(lambda: synthetic_tree(2, 2, seed=True), TypeError, "seed", id="tree-seed-bool"),
    pytest.param(lambda: synthetic_tree(2, 2, seed=SEED_MAX + 1), ValueError, "seed", id="tree-seed-too-big"),
    pytest.param(lambda: synthetic_tree(1, 2, seed=0), ValueError, "branching", id="tree-k-1"),
    pytest.param(lambda: synthetic_tree(True, 2, seed=0), TypeError, "branching", id="tree-k-bool"),
    pytest.param(lambda: synthetic_tree(2.0, 2, seed=0), TypeError, "branching", id="tree-k-float"),
    pytest.param(lambda: synthetic_tree(2, 0, seed=0), ValueError, "depth", id="tree-d-0"),
    pytest.param(lambda: synthetic_tree(2, "3", seed=0), TypeError, "depth", id="tree-d-str"),
    pytest.param(lambda: synthetic_tree(10, 8, seed=0), ValueError, r"10\^7", id="tree-too-many-leaves"),
    pytest.param(lambda: synthetic_tree(2, 2, seed=0, name=3), TypeError, "^name must", id="tree-name-int"),
    # tree_from_leaf_means(branching, leaf_means, *, name)
    pytest.param(
        lambda: tree_from_leaf_means(2, [0.1, 0.2, 0.3]), ValueError, r"leaf_means.*k\^d", id="tfl-3"
    ),
    pytest.param(lambda: tree_from_leaf_means(2, [0.1]), ValueError, r"leaf_means.*k\^d", id="tfl-one-leaf"),
    pytest.param(lambda: tree_from_leaf_means(2, [0.1, NAN]), ValueError, r"leaf_means\[1\]", id="tfl-nan"),
    pytest.param(lambda: tree_from_leaf_means(2, [[0.1, 0.2]] * 2), ValueError, "leaf_means", id="tfl-2d"),
    pytest.param(lambda: tree_from_leaf_means(2, []), ValueError, "leaf_means", id="tfl-empty"),
    pytest.param(lambda: tree_from_leaf_means(2, ["a", "b"]), TypeError, "leaf_means", id="tfl-str"),
    pytest.param(lambda: tree_from_leaf_means(2, [0.1, 0.2j]), TypeError, "leaf_means", id="tfl-complex"),
    pytest.param(lambda: tree_from_leaf_means(1, [0.1, 0.2]), ValueError, "branching", id="tfl-k-1"),
    pytest.param(lambda: tree_from_leaf_means(None, [0.1, 0.2]), TypeError, "branching", id="tfl-k-none"),
    pytest.param(
        lambda: tree_from_leaf_means(2, [0.1, 0.2], name=5), TypeError, "^name must", id="tfl-name-int"
    ),
    # tree_mdp(tree)
    pytest.param(lambda: tree_mdp("tree"), TypeError, "tree must be a SyntheticTree", id="mdp-str"),
    pytest.param(lambda: tree_mdp(TREE), TypeError, "tree must be a SyntheticTree", id="mdp-of-an-mdp"),
]


@pytest.mark.parametrize("call, exc, message", BAD_TREES)
def test_trees_bad_input_raises_a_clear_error(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- extreme but valid input is accepted ------------------------------------------------------------
def test_extreme_valid_input_is_accepted():
    below_one = np.nextafter(1.0, 0.0)
    assert bandit.inverse_cdf_sample([0.5, 0.5], below_one) == 1
    assert bandit.inverse_cdf_sample([0.0, 1.0], 0.0) == 1  # probability 0 is never drawn
    assert bandit.inverse_cdf_sample([[0.2, 0.8], [1.0, 0.0]], [0.0, below_one], axis=1).tolist() == [0, 0]
    np.testing.assert_allclose(
        bandit.e2w_distribution([0.0, 1.0], 10**300, 1e-12, 1e-300), [0, 1], atol=1e-300
    )
    assert bandit.e2w_distribution([0.0, 0.0], 0, 0.0, 0.1).tolist() == [0.5, 0.5]  # τ = 0 allowed here
    assert bandit.e2w_exploration(0, 1, 1e-300) == 1.0
    assert bandit.exp_sum([0.0, 0.0], 1e-12) == pytest.approx(2.0)
    assert bandit.gaussian_mse_given_counts(R2, 1.0, 0.0, [1, 1]) == 0.0  # σ = 0, N = 1
    assert bandit.delta_method_constant(R2, 1.0, 0.0, [1e-300, 1.0]) == 0.0
    runs = bandit.simulate(R2, 0.0, UNIFORM, [2], n_runs=1, seed=SEED_MAX)  # first checkpoint = K
    assert runs.counts.tolist() == [[[1.0, 1.0]]]
    assert synthetic_tree(2, 1, seed=SEED_MAX).n_leaves == 2
    assert tree_from_leaf_means(2, np.array([0.0, -1e300])).depth == 1
    assert mcts.ucb1_distribution(Q22, np.zeros((2, 2)), 0.0).tolist() == [[0.5, 0.5]] * 2
    np.testing.assert_allclose(mcts.root_soft_q(TREE, 0.0), [[1.0, 0.6]])
    assert mcts.d_chain_root_gap(1, 0.0, 0.0) == pytest.approx(-0.0, abs=0.0)
    assert mcts.failure_curve([RESULT], [np.zeros(3, dtype=int)], level=1 - 1e-12).n_runs == 3
    res = mcts.ments(TREE, tau=1e-12, epsilon=1e-300, sigma=0.0, checkpoints=[1], n_runs=1, seed=0)
    assert res.root_counts.sum() == 1
    assert soft_q.svgd(lambda a: -a, PARTICLES, 1e-12, step_size=1e-300, n_steps=0).tolist() == [[0.0], [1.0]]
    assert soft_q.rbf_kernel(PARTICLES, PARTICLES, 1e-300).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert soft_q.median_bandwidth([[0.0]]) == 1.0  # one particle
    out = soft_q.soft_q_learning(
        DISCOUNTED, 1e-12, seed=SEED_MAX, n_updates=1, update_interval=1, learning_rate=1.0
    )
    assert np.isfinite(out.q).all()
    assert ISV([1.0, 0.0], 0.0, 1e-12) == pytest.approx(1.0)
