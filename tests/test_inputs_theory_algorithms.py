"""Bad input to theory.lp, symbolic, path_consistency, policy_gradient, composition, actor_critic.

One table per module: every public function, each of its arguments given the wrong kind
(TypeError) or a bad value (ValueError), and the message must name the argument. A last table
holds valid extremes (τ = 0 where allowed, τ = 1e-12, −inf log-probabilities, ...) that the
validation must let through, with a finite answer and no warning.
"""

import warnings

import numpy as np
import pytest
import sympy as sp

import theory.actor_critic as ac
import theory.composition as co
import theory.lp as lp
import theory.path_consistency as pc
import theory.policy_gradient as pg
import theory.symbolic as sy
from mdps.finite import FiniteMDP
from mdps.generators import garnet, gridworld

M = garnet(3, 2, 2, gamma=0.8, seed=0)  # S = 3, A = 2, b = 2
HORIZON = FiniteMDP(M.P, M.R, 1.0, horizon=3, name="horizon-3")
GRID = gridworld(2, 2, gamma=0.9, slip=0.0)  # state 3 is terminal
S, A = M.n_states, M.n_actions
PI = np.full((S, A), 1 / A)
Q = np.arange(S * A, dtype=float).reshape(S, A) / 4
V = np.zeros(S)
MU = np.full(S, 1 / S)
LOG_PI = np.log(PI)
FULL = np.ones((S, A), dtype=bool)
BASIS = np.stack([PI, np.tile([0.2, 0.8], (S, 1))], axis=1)  # [S, 2, A], strictly positive
X, Y = sp.symbols("x y", real=True)
IMAG_INF = Q + 0j
IMAG_INF[0, 0] = complex(Q[0, 0], np.inf)  # a complex-step θ whose imaginary part is not finite


def edit(arr, index, value):
    out = np.array(arr, dtype=float)
    out[index] = value
    return out


def project(q, tau):
    return ac.support_projection(q, tau, FULL)


# --- theory.lp ------------------------------------------------------------------------------------
BAD_LP = [
    pytest.param(
        lambda: lp.classical_lp_values("mdp"), TypeError, "mdp must be a FiniteMDP", id="lp-mdp-string"
    ),
    pytest.param(
        lambda: lp.classical_lp_values(None), TypeError, "mdp must be a FiniteMDP", id="lp-mdp-none"
    ),
    pytest.param(
        lambda: lp.classical_lp_values((M.P, M.R)), TypeError, "mdp must be a FiniteMDP", id="lp-mdp-tuple"
    ),
    pytest.param(
        lambda: lp.classical_lp_values(HORIZON),
        ValueError,
        "mdp must be an infinite-horizon",
        id="lp-horizon",
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_LP)
def test_lp_rejects_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- theory.symbolic ----------------------------------------------------------------------------------
BAD_SYMBOLIC = [
    pytest.param(lambda: sy.soft_value_expr(3), TypeError, "q must be a sequence", id="sv-q-int"),
    pytest.param(lambda: sy.soft_value_expr("xy"), TypeError, "q must be a sequence", id="sv-q-string"),
    pytest.param(lambda: sy.soft_value_expr(None), TypeError, "q must be a sequence", id="sv-q-none"),
    pytest.param(lambda: sy.soft_value_expr(()), ValueError, "q must not be empty", id="sv-q-empty"),
    pytest.param(lambda: sy.soft_value_expr([X, np.nan]), ValueError, r"q\[1\] must be", id="sv-q-nan"),
    pytest.param(lambda: sy.soft_value_expr([X, sp.oo]), ValueError, r"q\[1\] must be", id="sv-q-oo"),
    pytest.param(
        lambda: sy.soft_value_expr([sp.I, X]), ValueError, r"q\[0\] must be a real", id="sv-q-imaginary"
    ),
    pytest.param(lambda: sy.soft_value_expr([X, 1j]), TypeError, r"q\[1\] must be a real", id="sv-q-complex"),
    pytest.param(lambda: sy.soft_value_expr([X, "y"]), TypeError, r"q\[1\] must be", id="sv-q-entry-string"),
    pytest.param(lambda: sy.soft_value_expr([X, None]), TypeError, r"q\[1\] must be", id="sv-q-entry-none"),
    pytest.param(
        lambda: sy.soft_value_expr([X, sp.Eq(Y, 0)]), TypeError, r"q\[1\] must be a sympy", id="sv-q-equation"
    ),
    pytest.param(lambda: sy.soft_value_expr([X, Y], 0), ValueError, "tau", id="sv-tau-zero"),
    pytest.param(lambda: sy.soft_value_expr([X, Y], -1), ValueError, "tau", id="sv-tau-negative"),
    pytest.param(lambda: sy.soft_value_expr([X, Y], np.nan), ValueError, "tau", id="sv-tau-nan"),
    pytest.param(lambda: sy.soft_value_expr([X, Y], "hot"), TypeError, "tau", id="sv-tau-string"),
    pytest.param(lambda: sy.soft_value_expr([X, Y], None), TypeError, "tau", id="sv-tau-none"),
    pytest.param(lambda: sy.soft_value_expr([X, Y], True), TypeError, "tau", id="sv-tau-bool"),
    pytest.param(
        lambda: sy.soft_value_expr([X, Y], sp.Integer(-2)),
        ValueError,
        r"tau must be a finite real number in \(0, inf\], got -2",
        id="sv-tau-sympy-neg",
    ),
    pytest.param(lambda: sy.soft_value_expr([X, Y], sp.nan), ValueError, "tau", id="sv-tau-sympy-nan"),
    pytest.param(
        lambda: sy.soft_value_expr([X, Y], sp.Symbol("t", negative=True)),
        ValueError,
        "tau must be > 0",
        id="sv-tau-negative-symbol",
    ),
    pytest.param(lambda: sy.simplifies_to_zero("x - x"), TypeError, "expr", id="stz-string"),
    pytest.param(lambda: sy.simplifies_to_zero(None), TypeError, "expr", id="stz-none"),
    pytest.param(lambda: sy.simplifies_to_zero(1j), TypeError, "expr", id="stz-complex"),
    pytest.param(lambda: sy.simplifies_to_zero(np.nan), ValueError, "expr", id="stz-nan"),
    pytest.param(lambda: sy.simplifies_to_zero(sp.nan), ValueError, "expr", id="stz-sympy-nan"),
    pytest.param(lambda: sy.simplifies_to_zero(sp.zoo), ValueError, "expr", id="stz-zoo"),
    pytest.param(
        lambda: sy.simplifies_to_zero(sp.Eq(X, X)), TypeError, "expr must be a sympy", id="stz-equation"
    ),
    # The four derivations take no argument: nothing to validate beyond Python's own check.
    pytest.param(
        lambda: sy.gradient_residuals(2), TypeError, r"gradient_residuals\(\) takes 0", id="gradient"
    ),
    pytest.param(
        lambda: sy.conjugate_residuals(2), TypeError, r"conjugate_residuals\(\) takes 0", id="conjugate"
    ),
    pytest.param(lambda: sy.kkt_residuals(2), TypeError, r"kkt_residuals\(\) takes 0", id="kkt"),
    pytest.param(
        lambda: sy.temperature_derivative_residuals(2),
        TypeError,
        r"temperature_derivative_residuals\(\) takes 0",
        id="temperature-derivative",
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_SYMBOLIC)
def test_symbolic_rejects_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- theory.path_consistency -------------------------------------------------------------------------
def paths(v=V, log_policy=LOG_PI, tau=1.0, depth=1, mdp=M):
    return lambda: pc.path_residuals(mdp, v, log_policy, tau, depth)


def expected(v=V, log_policy=LOG_PI, tau=1.0, mdp=M):
    return lambda: pc.expected_one_step_residuals(mdp, v, log_policy, tau)


BAD_PATH_CONSISTENCY = [
    pytest.param(lambda: pc.successors(None), TypeError, "mdp must be a FiniteMDP", id="successors-none"),
    pytest.param(lambda: pc.successors(M.P), TypeError, "mdp must be a FiniteMDP", id="successors-array"),
    pytest.param(paths(mdp="mdp"), TypeError, "mdp must be a FiniteMDP", id="paths-mdp"),
    pytest.param(paths(v="v"), TypeError, "v must hold real numbers", id="paths-v-string"),
    pytest.param(paths(v=None), TypeError, "v must hold real numbers", id="paths-v-none"),
    pytest.param(paths(v=np.zeros(2)), ValueError, r"v must have shape \(3,\)", id="paths-v-shape"),
    pytest.param(
        paths(v=edit(V, 1, np.nan)), ValueError, r"v must be finite; v\[1\] = nan", id="paths-v-nan"
    ),
    pytest.param(
        paths(log_policy=np.zeros((3, 3))), ValueError, "log_policy must have shape", id="paths-log-shape"
    ),
    pytest.param(
        paths(log_policy=edit(LOG_PI, (0, 1), -np.inf)),
        ValueError,
        r"log_policy must be finite; log_policy\[0, 1\] = -inf",
        id="paths-log-zero-probability",
    ),
    pytest.param(
        paths(log_policy=LOG_PI + 0j), TypeError, "log_policy must hold real", id="paths-log-complex"
    ),
    pytest.param(paths(tau=np.nan), ValueError, "tau", id="paths-tau-nan"),
    pytest.param(paths(tau=-1.0), ValueError, "tau", id="paths-tau-negative"),
    pytest.param(paths(tau=np.inf), ValueError, "tau", id="paths-tau-inf"),
    pytest.param(paths(tau="1"), TypeError, "tau", id="paths-tau-string"),
    pytest.param(paths(tau=1j), TypeError, "tau", id="paths-tau-complex"),
    pytest.param(paths(depth=0), ValueError, "depth", id="paths-depth-zero"),
    pytest.param(paths(depth=1.0), TypeError, "depth must be an integer", id="paths-depth-float"),
    pytest.param(paths(depth=True), TypeError, "depth must be an integer", id="paths-depth-bool"),
    pytest.param(paths(depth=None), TypeError, "depth must be an integer", id="paths-depth-none"),
    pytest.param(
        paths(depth=10**9), ValueError, r"depth must be an integer in \[1, 15\]", id="paths-depth-huge"
    ),
    pytest.param(paths(depth=12), ValueError, "depth=12: .* exceed MAX_PATHS", id="paths-too-many"),
    pytest.param(expected(mdp=None), TypeError, "mdp must be a FiniteMDP", id="expected-mdp"),
    pytest.param(
        expected(v=edit(V, 0, np.inf)), ValueError, r"v must be finite; v\[0\] = inf", id="expected-v-inf"
    ),
    pytest.param(expected(v=np.zeros((3, 1))), ValueError, "v must have shape", id="expected-v-shape"),
    pytest.param(
        expected(log_policy="log"), TypeError, "log_policy must hold real", id="expected-log-string"
    ),
    pytest.param(
        expected(log_policy=LOG_PI[:2]), ValueError, "log_policy must have shape", id="expected-log-shape"
    ),
    pytest.param(expected(tau=np.nan), ValueError, "tau", id="expected-tau-nan"),
    pytest.param(expected(tau=-1), ValueError, "tau", id="expected-tau-negative"),
    pytest.param(expected(tau=None), TypeError, "tau", id="expected-tau-none"),
]


@pytest.mark.parametrize("call, exc, message", BAD_PATH_CONSISTENCY)
def test_path_consistency_rejects_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- theory.policy_gradient --------------------------------------------------------------------------
def objective(theta=Q, tau=1.0, mu=MU, mdp=M, **kw):
    return lambda: pg.soft_objective(mdp, theta, tau, mu, **kw)


def gradient(theta=Q, tau=1.0, mu=MU, mdp=M, **kw):
    return lambda: pg.soft_objective_gradient(mdp, theta, tau, mu, **kw)


def occupancy(pi=PI, mu=MU, mdp=M):
    return lambda: pg.discounted_occupancy(mdp, pi, mu)


def q_loss(theta=Q, targets=Q, sampling=PI):
    return lambda: pg.soft_q_loss_gradient(theta, targets, sampling)


def v_loss(theta=Q, tau=1.0, targets=V, weights=MU):
    return lambda: pg.value_regression_gradient(theta, tau, targets, weights)


BAD_POLICY_GRADIENT = [
    pytest.param(objective(mdp=None), TypeError, "mdp must be a FiniteMDP", id="objective-mdp"),
    pytest.param(
        objective(mdp=HORIZON), ValueError, "mdp must be an infinite-horizon", id="objective-horizon"
    ),
    pytest.param(
        objective(theta=np.zeros((2, 2))),
        ValueError,
        r"theta must have shape \(\.\.\., 3, 2\)",
        id="objective-theta-shape",
    ),
    pytest.param(
        objective(theta=np.zeros(6)), ValueError, "theta must have at least 2", id="objective-theta-1d"
    ),
    pytest.param(
        objective(theta=edit(Q, (2, 1), np.nan)),
        ValueError,
        r"theta must be finite; theta\[2, 1\]",
        id="objective-theta-nan",
    ),
    pytest.param(
        objective(theta=IMAG_INF),
        ValueError,
        r"imaginary part of theta must be finite",
        id="objective-theta-imag-inf",
    ),
    pytest.param(objective(theta="theta"), TypeError, "theta must hold real", id="objective-theta-string"),
    pytest.param(objective(tau=np.nan), ValueError, "tau", id="objective-tau-nan"),
    pytest.param(objective(tau=-1.0), ValueError, "tau", id="objective-tau-negative"),
    pytest.param(
        objective(tau=0.0), ValueError, r"tau must be a finite real number in \(0", id="objective-tau-zero"
    ),
    pytest.param(objective(tau="1"), TypeError, "tau", id="objective-tau-string"),
    pytest.param(objective(mu=np.ones(2)), ValueError, r"mu must have shape \(3,\)", id="objective-mu-shape"),
    pytest.param(
        objective(mu=edit(MU, 2, np.nan)), ValueError, r"mu must be finite; mu\[2\]", id="objective-mu-nan"
    ),
    pytest.param(objective(mu=None), TypeError, "mu must hold real", id="objective-mu-none"),
    pytest.param(objective(entropy_weight=np.nan), ValueError, "entropy_weight", id="objective-weight-nan"),
    pytest.param(objective(entropy_weight="0"), TypeError, "entropy_weight", id="objective-weight-string"),
    pytest.param(gradient(mdp="mdp"), TypeError, "mdp must be a FiniteMDP", id="gradient-mdp"),
    pytest.param(gradient(mdp=HORIZON), ValueError, "mdp must be an infinite-horizon", id="gradient-horizon"),
    pytest.param(
        gradient(theta=np.zeros((2, S, A))),
        ValueError,
        r"theta must have shape \(3, 2\)",
        id="gradient-theta-batched",
    ),
    pytest.param(gradient(theta=Q + 0j), TypeError, "theta must hold real", id="gradient-theta-complex"),
    pytest.param(gradient(tau=0.0), ValueError, "tau", id="gradient-tau-zero"),
    pytest.param(gradient(tau=None), TypeError, "tau", id="gradient-tau-none"),
    pytest.param(gradient(mu=np.ones(4)), ValueError, "mu must have shape", id="gradient-mu-shape"),
    pytest.param(
        gradient(objective="soft"), TypeError, "objective must be callable", id="gradient-objective"
    ),
    pytest.param(occupancy(mdp=None), TypeError, "mdp must be a FiniteMDP", id="occupancy-mdp"),
    pytest.param(
        occupancy(mdp=HORIZON), ValueError, "mdp must be an infinite-horizon", id="occupancy-horizon"
    ),
    pytest.param(occupancy(pi=np.full((S, A), 0.6)), ValueError, "pi must sum to 1", id="occupancy-pi-sum"),
    pytest.param(
        occupancy(pi=np.full((S, 3), 1 / 3)),
        ValueError,
        r"pi must have shape \(3, 2\)",
        id="occupancy-pi-shape",
    ),
    pytest.param(
        occupancy(pi=edit(PI, (0, 0), -0.5)),
        ValueError,
        r"pi must be non-negative; pi\[0, 0\]",
        id="occupancy-pi-negative",
    ),
    pytest.param(occupancy(pi="uniform"), TypeError, "pi must hold real", id="occupancy-pi-string"),
    pytest.param(occupancy(pi=PI + 0j), TypeError, "pi must hold real", id="occupancy-pi-complex"),
    pytest.param(occupancy(mu=edit(MU, 0, np.nan)), ValueError, "mu must be finite", id="occupancy-mu-nan"),
    pytest.param(occupancy(mu=MU[:2]), ValueError, "mu must have shape", id="occupancy-mu-shape"),
    pytest.param(q_loss(theta=np.zeros(3)), ValueError, "theta must have 2 axes", id="q-loss-theta-1d"),
    pytest.param(q_loss(theta="q"), TypeError, "theta must hold real", id="q-loss-theta-string"),
    pytest.param(
        q_loss(targets=np.zeros(S)),
        ValueError,
        r"targets must have shape \(3, 2\)",
        id="q-loss-targets-shape",
    ),
    pytest.param(
        q_loss(targets=edit(Q, (1, 1), np.nan)),
        ValueError,
        r"targets must be finite; targets\[1, 1\]",
        id="q-loss-targets-nan",
    ),
    pytest.param(
        q_loss(sampling=np.ones((S, 3))), ValueError, "sampling must have shape", id="q-loss-sampling-shape"
    ),
    pytest.param(
        q_loss(sampling=edit(PI, (0, 1), np.inf)),
        ValueError,
        "sampling must be finite",
        id="q-loss-sampling-inf",
    ),
    pytest.param(q_loss(sampling=None), TypeError, "sampling must hold real", id="q-loss-sampling-none"),
    pytest.param(
        v_loss(theta=edit(Q, (0, 0), np.nan)), ValueError, "theta must be finite", id="v-loss-theta-nan"
    ),
    pytest.param(
        v_loss(theta=np.zeros((1, S, A))), ValueError, "theta must have 2 axes", id="v-loss-theta-3d"
    ),
    pytest.param(v_loss(tau=0.0), ValueError, "tau", id="v-loss-tau-zero"),
    pytest.param(v_loss(tau=-1.0), ValueError, "tau", id="v-loss-tau-negative"),
    pytest.param(v_loss(tau=np.nan), ValueError, "tau", id="v-loss-tau-nan"),
    pytest.param(v_loss(tau=None), TypeError, "tau", id="v-loss-tau-none"),
    pytest.param(
        v_loss(targets=np.zeros(2)), ValueError, r"targets must have shape \(3,\)", id="v-loss-targets-shape"
    ),
    pytest.param(
        v_loss(weights=np.zeros((S, A))), ValueError, "weights must have shape", id="v-loss-weights-shape"
    ),
    pytest.param(v_loss(weights="w"), TypeError, "weights must hold real", id="v-loss-weights-string"),
]


@pytest.mark.parametrize("call, exc, message", BAD_POLICY_GRADIENT)
def test_policy_gradient_rejects_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- theory.composition -------------------------------------------------------------------------------
HALF, SKEW = np.log([0.5, 0.5]), np.log([0.9, 0.1])


def bounds(reward_2=M.R, tau=0.5, mdp=M, **kw):
    return lambda: co.composition_bounds(mdp, reward_2, tau, **kw)


BAD_COMPOSITION = [
    pytest.param(
        lambda: co.renyi_half("p", SKEW), TypeError, "log_p must hold real", id="renyi-log-p-string"
    ),
    pytest.param(lambda: co.renyi_half(HALF, None), TypeError, "log_q must hold real", id="renyi-log-q-none"),
    pytest.param(
        lambda: co.renyi_half([0.0, np.nan], SKEW),
        ValueError,
        r"log_p must be finite or -inf; log_p\[1\] = nan",
        id="renyi-nan",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, [np.inf, 0.0]),
        ValueError,
        r"log_q must be finite or -inf",
        id="renyi-plus-inf",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, np.log([2.0, 2.0])),
        ValueError,
        r"exp\(log_q\) must sum to 1",
        id="renyi-unnormalised",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, [800.0, 0.0]),
        ValueError,
        r"exp\(log_q\) must be finite",
        id="renyi-overflow",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, np.log([0.2, 0.3, 0.5])),
        ValueError,
        "log_p and log_q must broadcast",
        id="renyi-shapes",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, [0.0]),
        ValueError,
        "log_p and log_q must have the same length",
        id="renyi-length-one",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, SKEW, axis="0"),
        TypeError,
        "axis must be an integer",
        id="renyi-axis-string",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, SKEW, axis=1.0),
        TypeError,
        "axis must be an integer",
        id="renyi-axis-float",
    ),
    pytest.param(
        lambda: co.renyi_half(HALF, SKEW, axis=2),
        ValueError,
        "axis 2 is out of bounds",
        id="renyi-axis-range",
    ),
    pytest.param(
        lambda: co.with_reward(None, M.R, "t"), TypeError, "mdp must be a FiniteMDP", id="with-reward-mdp"
    ),
    pytest.param(
        lambda: co.with_reward(M, M.R[:, :1], "t"),
        ValueError,
        r"reward must have shape \(3, 2\)",
        id="with-reward-shape",
    ),
    pytest.param(
        lambda: co.with_reward(M, edit(M.R, (1, 0), np.nan), "t"),
        ValueError,
        r"reward must be finite; reward\[1, 0\]",
        id="with-reward-nan",
    ),
    pytest.param(
        lambda: co.with_reward(M, "r", "t"), TypeError, "reward must hold real", id="with-reward-string"
    ),
    pytest.param(
        lambda: co.with_reward(GRID, np.ones((4, 4)), "t"),
        ValueError,
        "terminal state s=3 .* zero reward",
        id="with-reward-terminal",
    ),
    pytest.param(
        lambda: co.with_reward(M, M.R, None), TypeError, "name must be a string", id="with-reward-name"
    ),
    pytest.param(bounds(mdp=None), TypeError, "mdp must be a FiniteMDP", id="bounds-mdp"),
    pytest.param(bounds(mdp=HORIZON), ValueError, "mdp must be an infinite-horizon", id="bounds-horizon"),
    pytest.param(
        bounds(reward_2=np.zeros((S, 3))),
        ValueError,
        r"reward_2 must have shape \(3, 2\)",
        id="bounds-reward-shape",
    ),
    pytest.param(
        bounds(reward_2=edit(M.R, (0, 0), np.inf)),
        ValueError,
        "reward_2 must be finite",
        id="bounds-reward-inf",
    ),
    pytest.param(bounds(reward_2="r"), TypeError, "reward_2 must hold real", id="bounds-reward-string"),
    pytest.param(
        bounds(mdp=GRID, reward_2=np.ones((4, 4))),
        ValueError,
        r"reward_2 must be 0 on terminal states; reward_2\[3, 0\]",
        id="bounds-reward-terminal",
    ),
    pytest.param(bounds(tau=0.0), ValueError, "tau", id="bounds-tau-zero"),
    pytest.param(bounds(tau=-1.0), ValueError, "tau", id="bounds-tau-negative"),
    pytest.param(bounds(tau=np.nan), ValueError, "tau", id="bounds-tau-nan"),
    pytest.param(bounds(tau="0.5"), TypeError, "tau", id="bounds-tau-string"),
    pytest.param(bounds(constant=-1.0), ValueError, "constant", id="bounds-constant-negative"),
    pytest.param(bounds(constant=np.nan), ValueError, "constant", id="bounds-constant-nan"),
    pytest.param(bounds(constant=None), TypeError, "constant", id="bounds-constant-none"),
    pytest.param(bounds(tol=0.0), ValueError, "tol", id="bounds-tol-zero"),
    pytest.param(bounds(tol=np.inf), ValueError, "tol", id="bounds-tol-inf"),
    pytest.param(bounds(solver="value iteration"), TypeError, "solver must be callable", id="bounds-solver"),
]


@pytest.mark.parametrize("call, exc, message", BAD_COMPOSITION)
def test_composition_rejects_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- theory.actor_critic -------------------------------------------------------------------------------
def operator(q=Q, pi=PI, tau=0.5, mdp=M):
    return lambda: ac.soft_policy_evaluation_operator(mdp, q, pi, tau)


def evaluation(pi=PI, tau=0.5, mdp=M, **kw):
    return lambda: ac.soft_policy_evaluation(mdp, pi, tau, **kw)


def restricted(tau=0.5, pi0=PI, proj=project, mdp=M, **kw):
    return lambda: ac.restricted_soft_policy_iteration(mdp, tau, pi0, proj, **kw)


def temperature(rewards=Q, target=0.3, **kw):
    return lambda: ac.adjust_temperature(rewards, target, **({"steps": 2} | kw))


BAD_ACTOR_CRITIC = [
    pytest.param(operator(mdp=None), TypeError, "mdp must be a FiniteMDP", id="operator-mdp"),
    pytest.param(
        operator(q=np.zeros((S, 3))), ValueError, r"q must have shape \(3, 2\)", id="operator-q-shape"
    ),
    pytest.param(
        operator(q=edit(Q, (1, 0), np.nan)), ValueError, r"q must be finite; q\[1, 0\]", id="operator-q-nan"
    ),
    pytest.param(operator(q="q"), TypeError, "q must hold real", id="operator-q-string"),
    pytest.param(
        operator(pi=np.full((S, 3), 1 / 3)),
        ValueError,
        r"pi must have shape \(3, 2\)",
        id="operator-pi-shape",
    ),
    pytest.param(operator(pi=np.full((S, A), 0.7)), ValueError, "pi must sum to 1", id="operator-pi-sum"),
    pytest.param(
        operator(pi=edit(PI, (2, 0), np.nan)),
        ValueError,
        r"pi must be finite; pi\[2, 0\]",
        id="operator-pi-nan",
    ),
    pytest.param(operator(tau=np.nan), ValueError, "tau", id="operator-tau-nan"),
    pytest.param(operator(tau=-1), ValueError, "tau", id="operator-tau-negative"),
    pytest.param(operator(tau=None), TypeError, "tau", id="operator-tau-none"),
    pytest.param(evaluation(mdp="mdp"), TypeError, "mdp must be a FiniteMDP", id="evaluation-mdp"),
    pytest.param(
        evaluation(mdp=HORIZON), ValueError, "mdp must be an infinite-horizon", id="evaluation-horizon"
    ),
    pytest.param(evaluation(pi=np.full((S, A), 0.3)), ValueError, "pi must sum to 1", id="evaluation-pi-sum"),
    pytest.param(
        evaluation(pi=np.array([[None] * A] * S)), TypeError, "pi must hold real", id="evaluation-pi-object"
    ),
    pytest.param(evaluation(tau=-1.0), ValueError, "tau", id="evaluation-tau-negative"),
    pytest.param(evaluation(tau=np.nan), ValueError, "tau", id="evaluation-tau-nan"),
    pytest.param(evaluation(q0=np.zeros(S)), ValueError, "q0 must have shape", id="evaluation-q0-shape"),
    pytest.param(
        evaluation(q0=edit(Q, (0, 1), np.inf)), ValueError, "q0 must be finite", id="evaluation-q0-inf"
    ),
    pytest.param(evaluation(tol=0.0), ValueError, "tol", id="evaluation-tol-zero"),
    pytest.param(evaluation(tol=np.nan), ValueError, "tol", id="evaluation-tol-nan"),
    pytest.param(evaluation(tol="1e-10"), TypeError, "tol", id="evaluation-tol-string"),
    pytest.param(evaluation(max_iter=0), ValueError, "max_iter", id="evaluation-max-iter-zero"),
    pytest.param(
        evaluation(max_iter=10.0), TypeError, "max_iter must be an integer", id="evaluation-max-iter-float"
    ),
    pytest.param(evaluation(operator="T"), TypeError, "operator must be callable", id="evaluation-operator"),
    pytest.param(
        lambda: ac.support_projection(Q[0], 0.5, FULL[0]), ValueError, "q must have 2 axes", id="support-q-1d"
    ),
    pytest.param(
        lambda: ac.support_projection(edit(Q, (0, 0), np.nan), 0.5, FULL),
        ValueError,
        "q must be finite",
        id="support-q-nan",
    ),
    pytest.param(
        lambda: ac.support_projection(Q, 0, FULL),
        ValueError,
        r"tau must be a finite real number in \(0",
        id="support-tau-zero",
    ),
    pytest.param(lambda: ac.support_projection(Q, -1.0, FULL), ValueError, "tau", id="support-tau-negative"),
    pytest.param(lambda: ac.support_projection(Q, np.nan, FULL), ValueError, "tau", id="support-tau-nan"),
    pytest.param(
        lambda: ac.support_projection(Q, 0.5, FULL.astype(int)),
        TypeError,
        "support must be a bool array",
        id="support-int",
    ),
    pytest.param(
        lambda: ac.support_projection(Q, 0.5, "all"),
        TypeError,
        "support must be a bool array",
        id="support-string",
    ),
    pytest.param(
        lambda: ac.support_projection(Q, 0.5, FULL[:2]),
        ValueError,
        "support must have the shape of q",
        id="support-shape",
    ),
    pytest.param(
        lambda: ac.support_projection(Q, 0.5, edit(FULL, 1, 0).astype(bool)),
        ValueError,
        r"support\[1\] has none",
        id="support-empty-state",
    ),
    pytest.param(
        lambda: ac.mixture_projection("q", 0.5, BASIS), TypeError, "q must hold real", id="mixture-q-string"
    ),
    pytest.param(
        lambda: ac.mixture_projection(edit(Q, (2, 1), np.inf), 0.5, BASIS),
        ValueError,
        "q must be finite",
        id="mixture-q-inf",
    ),
    pytest.param(lambda: ac.mixture_projection(Q, 0.0, BASIS), ValueError, "tau", id="mixture-tau-zero"),
    pytest.param(lambda: ac.mixture_projection(Q, "1", BASIS), TypeError, "tau", id="mixture-tau-string"),
    pytest.param(
        lambda: ac.mixture_projection(Q, 0.5, BASIS[:, :1]),
        ValueError,
        r"basis must have shape \(3, 2, 2\)",
        id="mixture-basis-shape",
    ),
    pytest.param(
        lambda: ac.mixture_projection(Q, 0.5, BASIS * 1.1),
        ValueError,
        "basis must sum to 1",
        id="mixture-basis-sum",
    ),
    pytest.param(
        lambda: ac.mixture_projection(Q, 0.5, edit(BASIS, (0, 1), [1.0, 0.0])),
        ValueError,
        r"basis policies must be strictly positive.*basis\[0, 1, 1\]",
        id="mixture-basis-zero",
    ),
    pytest.param(
        lambda: ac.mixture_projection(Q, 0.5, edit(BASIS, (0, 1), [1.5, -0.5])),
        ValueError,
        r"basis must be non-negative; basis\[0, 1, 1\]",
        id="mixture-basis-negative",
    ),
    pytest.param(restricted(mdp=None), TypeError, "mdp must be a FiniteMDP", id="restricted-mdp"),
    pytest.param(
        restricted(mdp=HORIZON), ValueError, "mdp must be an infinite-horizon", id="restricted-horizon"
    ),
    pytest.param(restricted(tau=0.0), ValueError, "tau", id="restricted-tau-zero"),
    pytest.param(restricted(tau=np.nan), ValueError, "tau", id="restricted-tau-nan"),
    pytest.param(
        restricted(pi0=np.full((S, A), 0.7)), ValueError, "pi0 must sum to 1", id="restricted-pi0-sum"
    ),
    pytest.param(
        restricted(pi0=PI[:2]), ValueError, r"pi0 must have shape \(3, 2\)", id="restricted-pi0-shape"
    ),
    pytest.param(restricted(proj=None), TypeError, "project must be callable", id="restricted-project"),
    pytest.param(restricted(tol=-1.0), ValueError, "tol", id="restricted-tol-negative"),
    pytest.param(restricted(max_iter=0), ValueError, "max_iter", id="restricted-max-iter-zero"),
    pytest.param(
        restricted(max_iter=True), TypeError, "max_iter must be an integer", id="restricted-max-iter-bool"
    ),
    pytest.param(
        lambda: ac.average_entropy(Q[0], 1.0, MU),
        ValueError,
        "rewards must have 2 axes",
        id="average-rewards-1d",
    ),
    pytest.param(
        lambda: ac.average_entropy(edit(Q, (0, 0), np.nan), 1.0, MU),
        ValueError,
        "rewards must be finite",
        id="average-rewards-nan",
    ),
    pytest.param(lambda: ac.average_entropy(Q, -1.0, MU), ValueError, "alpha", id="average-alpha-negative"),
    pytest.param(lambda: ac.average_entropy(Q, np.nan, MU), ValueError, "alpha", id="average-alpha-nan"),
    pytest.param(lambda: ac.average_entropy(Q, "1", MU), TypeError, "alpha", id="average-alpha-string"),
    pytest.param(
        lambda: ac.average_entropy(Q, 1.0, MU[:1]),
        ValueError,
        r"weights must have shape \(3,\)",
        id="average-weights-shape",
    ),
    pytest.param(
        lambda: ac.average_entropy(Q, 1.0, edit(MU, 1, np.nan)),
        ValueError,
        "weights must be finite",
        id="average-weights-nan",
    ),
    pytest.param(
        temperature(rewards="r"), TypeError, "rewards must hold real", id="temperature-rewards-string"
    ),
    pytest.param(
        temperature(rewards=edit(Q, (1, 1), np.inf)),
        ValueError,
        "rewards must be finite",
        id="temperature-rewards-inf",
    ),
    pytest.param(temperature(target=np.nan), ValueError, "target", id="temperature-target-nan"),
    pytest.param(temperature(target=0.0), ValueError, "target", id="temperature-target-zero"),
    pytest.param(temperature(target=np.log(A)), ValueError, "target", id="temperature-target-log-a"),
    pytest.param(temperature(target=None), TypeError, "target", id="temperature-target-none"),
    pytest.param(temperature(alpha0=0.0), ValueError, "alpha0", id="temperature-alpha0-zero"),
    pytest.param(temperature(alpha0="1"), TypeError, "alpha0", id="temperature-alpha0-string"),
    pytest.param(
        temperature(weights=np.ones(2)), ValueError, "weights must have shape", id="temperature-weights-shape"
    ),
    pytest.param(temperature(lr=0.0), ValueError, "lr", id="temperature-lr-zero"),
    pytest.param(temperature(lr=np.nan), ValueError, "lr", id="temperature-lr-nan"),
    pytest.param(temperature(steps=2.5), TypeError, "steps must be an integer", id="temperature-steps-float"),
    pytest.param(temperature(steps=-1), ValueError, "steps", id="temperature-steps-negative"),
    pytest.param(temperature(sign=0.5), ValueError, "sign must be", id="temperature-sign-half"),
    pytest.param(temperature(sign="+"), TypeError, "sign", id="temperature-sign-string"),
]


@pytest.mark.parametrize("call, exc, message", BAD_ACTOR_CRITIC)
def test_actor_critic_rejects_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# --- valid extremes: accepted, finite, silent -----------------------------------------------------------
GOOD = [
    pytest.param(lambda: lp.classical_lp_values(FiniteMDP(M.P, M.R, 0.0)), id="lp-gamma-zero"),
    pytest.param(lambda: sy.soft_value_expr((1, 2), 2), id="sv-numbers-integer-tau"),
    pytest.param(lambda: sy.soft_value_expr((X, Y), sp.Symbol("t")), id="sv-symbol-tau-without-assumptions"),
    pytest.param(lambda: sy.simplifies_to_zero(0), id="stz-zero"),
    pytest.param(paths(tau=0.0), id="paths-tau-zero"),
    pytest.param(paths(tau=1e-12, depth=np.int64(3)), id="paths-tau-tiny-numpy-depth"),
    pytest.param(expected(tau=0.0), id="expected-tau-zero"),
    pytest.param(objective(tau=1e-12), id="objective-tau-tiny"),
    pytest.param(objective(theta=np.zeros((4, S, A)), entropy_weight=0.0), id="objective-batched"),
    pytest.param(gradient(tau=1e-12), id="gradient-tau-tiny"),
    pytest.param(occupancy(pi=np.tile([1.0, 0.0], (S, 1))), id="occupancy-deterministic-pi"),
    pytest.param(v_loss(tau=1e-12), id="v-loss-tau-tiny"),
    pytest.param(lambda: co.renyi_half([0.0, -np.inf], [0.0, -np.inf]), id="renyi-minus-inf"),
    pytest.param(lambda: co.renyi_half(np.log([[0.5, 0.5], [0.9, 0.1]]), HALF), id="renyi-broadcast"),
    pytest.param(bounds(constant=0.0), id="bounds-constant-zero"),
    pytest.param(operator(tau=0.0), id="operator-tau-zero"),
    pytest.param(evaluation(tau=0.0, tol=1e-8), id="evaluation-tau-zero"),
    pytest.param(lambda: ac.support_projection(Q, 1e-12, FULL), id="support-tau-tiny"),
    pytest.param(lambda: ac.mixture_projection(Q, 1e-12, BASIS), id="mixture-tau-tiny"),
    pytest.param(restricted(tol=0.0), id="restricted-tol-zero"),
    pytest.param(lambda: ac.average_entropy(Q, 0.0, MU), id="average-alpha-zero"),
    pytest.param(temperature(steps=0, sign=-1), id="temperature-no-steps-ascent"),
]


def _finite(x) -> bool:
    if isinstance(x, (tuple, list)):
        return all(_finite(y) for y in x)
    if isinstance(x, dict):
        return all(_finite(y) for y in x.values())
    if isinstance(x, (np.ndarray, float, np.floating)):
        return bool(np.isfinite(x).all())
    return True  # sympy expressions, bools


@pytest.mark.parametrize("call", GOOD)
def test_valid_extremes_are_accepted(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = call()
    assert _finite(out)
