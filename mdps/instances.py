"""The named experiment settings and problem instances checks and figures share.

Pure data, fixed in advance and never tuned on results: the E2W bandits and their ε (claims F1,
F2), the search settings of MENTS and UCT (G1–G4), the Boltzmann mixture targets of SVGD (E3),
the continuous soft values of the importance-sampling check (E1), and the one-dimensional
latent layers of the hierarchical-policy check (H5). The math that turns them
into densities, samplers and exact answers is in ``theory`` (``theory.bandit``, ``theory.mcts``,
``theory.sampling``); the choices are argued where they are tested (``checks.bandit``,
``checks.mcts``, ``checks.svgd``, ``checks.importance_sampling``, ``checks.hierarchy``). Also the
two-action MDP of Asadi & Littman and its inverse temperatures (R5, ``theory.mellowmax``,
``checks.regularizers``), and the one-state MDPs on which the bias of a regularised optimum nears
its band (R3).

E2W's ε and MENTS's ε are distinct settings that happen to share the value 0.1 (the bandit
experiments' choice and the synthetic-tree experiments' choice), so they have distinct names.
BTS and DENTS (G5–G7) search with the settings of MENTS they are compared with.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from mdps.finite import FiniteMDP

__all__ = [
    "BANDITS",
    "BIAS_INSTANCES",
    "BOLTZMANN_EXPANSION_PAIR",
    "BOLTZMANN_MIXTURES",
    "CHAIN_EPSILON",
    "CONTINUOUS_SOFT_VALUES",
    "E2W_EPSILON",
    "LATENT_LAYERS_1D",
    "MCTS_EPSILON",
    "MCTS_SIGMA",
    "MCTS_TAU",
    "MODIFIED_D_CHAIN",
    "TRAP_TAU_ABOVE",
    "TRAP_TAU_BELOW",
    "MELLOWMAX_BETA",
    "MELLOWMAX_BETA_SCAN",
    "MELLOWMAX_MDP",
    "UCT_C",
]

# ---------------------------------------------------------------------------------------------
# E2W on the softmax bandit (F1, F2)
# ---------------------------------------------------------------------------------------------
#: E2W's exploration parameter in every bandit experiment: λ_t = min(1, ε|A|/log(t + 1)).
#: Source: seed deck, "Algorithm: Maximum entropy monte-carlo planning" (E2W); with ε = 0.1 the
#: realised shares at t = 10³…10⁵ still hold a few per cent of uniform exploration (checks.bandit,
#: "Choice of bandits").
E2W_EPSILON = 0.1

#: The bandits of the F1/F2 batteries and the e2w_rate figure: name -> (arm means r, τ, σ).
#: K = 2, 3, 4, 10; arm spreads r/τ of 1–2 keep f_τ(r) far enough from uniform that uniform
#: sampling's constant is 21–53 % larger than E2W's (checks.bandit, "Choice of bandits").
BANDITS = {
    "K=2": (np.array([0.0, 1.0]), 1.0, 2.0),
    "K=3": (np.array([0.0, 0.5, 1.0]), 0.5, 0.5),
    "K=4": (np.array([0.2, 0.5, 0.8, 0.1]), 0.5, 1.0),
    "K=10": (np.linspace(0.0, 1.0, 10), 0.5, 0.5),
}

# ---------------------------------------------------------------------------------------------
# MENTS and UCT on synthetic trees and the D-chain (G1–G4)
# ---------------------------------------------------------------------------------------------
#: MENTS's temperature τ, E2W tree-policy exploration ε and the Gaussian leaf noise σ of every
#: search experiment, as in the public re-implementation of the synthetic-tree experiment
#: (Xiao et al. 2019; ments-notes §3).
MCTS_TAU, MCTS_EPSILON, MCTS_SIGMA = 0.1, 0.1, 0.05
#: UCT's exploration constant c = √2, UCB1's for rewards in [0, 1] (Auer et al. 2002);
#: UCT recommends the action of largest mean.
UCT_C = float(np.sqrt(2.0))

# ---------------------------------------------------------------------------------------------
# SVGD targets (E3)
# ---------------------------------------------------------------------------------------------
#: The Boltzmann densities exp(Q/τ) of the E3 battery and the svgd_particles figure,
#: Q(a) = τ log Σ_k w_k N(a; μ_k, σ²I): name -> (τ, weights w ``[K]``, means μ ``[K, d]``, σ),
#: the arguments after the name of ``theory.sampling.BoltzmannMixture``. 1-D: two overlapping
#: modes; 2-D: four bumps of unequal weight (0.4, 0.3, 0.2, 0.1).
BOLTZMANN_MIXTURES = {
    "1-D two modes": (0.5, np.array([0.35, 0.65]), np.array([[-1.0], [1.0]]), 0.55),
    "2-D four bumps": (
        1.0,
        np.array([0.4, 0.3, 0.2, 0.1]),
        1.5 * np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]),
        0.6,
    ),
}

# ---------------------------------------------------------------------------------------------
# Continuous importance-sampled soft values (E1)
# ---------------------------------------------------------------------------------------------
_SD = 1.5  # the Gaussian proposal's standard deviation

#: The continuous soft values V = τ log ∫ exp(Q(a)/τ) da of the E1 battery: name ->
#: (Q(a) for a ``[..., d]``, proposal sampler ``(rng, shape) -> [*shape, d]``, proposal log
#: density log q(a), integration box ``[(lo, hi)] * d``, τ), the arguments before the name of
#: ``theory.sampling.continuous_instance``. The quick battery uses the first only.
CONTINUOUS_SOFT_VALUES = {
    "1-D Q on [-1,1], uniform proposal": (
        lambda a: 2 * np.sin(3 * a[..., 0]) + a[..., 0],
        lambda rng, shape: rng.uniform(-1, 1, size=(*shape, 1)),
        lambda a: np.full(a.shape[:-1], -np.log(2.0)),
        [(-1, 1)],
        1.0,
    ),
    "1-D Q on R, Gaussian proposal N(0, 1.5²)": (
        lambda a: -((a[..., 0] - 0.5) ** 2) + 0.5 * np.cos(4 * a[..., 0]),
        lambda rng, shape: _SD * rng.standard_normal((*shape, 1)),
        lambda a: stats.norm.logpdf(a[..., 0], scale=_SD),
        [(-12, 12)],
        0.5,
    ),
    # Multi-goal one-step reward at x = 0 (theory-notes 1.7): r = −31‖a‖² − 25 + 10‖a‖∞,
    # α = 10, a uniform on [−1, 1]² as in the reference code.
    "multi-goal one-step reward, uniform on [-1,1]²": (
        lambda a: -31 * (a**2).sum(-1) - 25 + 10 * np.abs(a).max(-1),
        lambda rng, shape: rng.uniform(-1, 1, size=(*shape, 2)),
        lambda a: np.full(a.shape[:-1], -np.log(4.0)),
        [(-1, 1), (-1, 1)],
        10.0,
    ),
}


# ---------------------------------------------------------------------------------------------
# Mellowmax and the Boltzmann operator (R5)
# ---------------------------------------------------------------------------------------------
def _mellowmax_mdp() -> FiniteMDP:
    stay = np.array([0.66, 0.99])
    P = np.zeros((2, 2, 2))
    P[0, :, 0], P[0, :, 1], P[1, :, 1] = stay, 1.0 - stay, 1.0
    return FiniteMDP(
        P,
        np.array([[0.122, 0.033], [0.0, 0.0]]),
        0.98,
        terminal=np.array([False, True]),
        name="Asadi-Littman two-action MDP",
    )


#: The two-action MDP of Asadi & Littman 2017 (arXiv 1612.05628), on which Boltzmann generalised
#: value iteration has several fixed points: state 0 = s₁, state 1 terminal; action a: reward
#: 0.122, stays in s₁ w.p. 0.66 (else terminates); action b: reward 0.033, stays w.p. 0.99;
#: γ = 0.98. The parameters are those of two independent reproductions (followups notes §7),
#: not read in the paper itself.
MELLOWMAX_MDP = _mellowmax_mdp()

#: β = ω = 16.55, the inverse temperature of the paper's experiments (the same reproductions).
MELLOWMAX_BETA = 16.55

#: The β scanned for fixed points of Boltzmann GVI on :data:`MELLOWMAX_MDP`: 16 to 17.5 by 0.02
#: (the notes find three fixed points for β in about [16.874, 17.044]), and β = 16.55.
MELLOWMAX_BETA_SCAN = tuple(sorted({MELLOWMAX_BETA, *(round(16.0 + 0.02 * i, 2) for i in range(76))}))

#: A pair (x, y) where the Boltzmann average at β = 1 expands the sup-norm distance:
#: ‖x − y‖∞ = 0.5 but boltz₁(y) − boltz₁(x) = 0.5898 (followups notes §7, derived there). Since
#: boltz_β(x) = boltz₁(βx)/β, the pair (x/β, y/β) does the same at every β.
BOLTZMANN_EXPANSION_PAIR = (np.array([0.0, 2.4]), np.array([-0.5, 2.9]))


# ---------------------------------------------------------------------------------------------
# The bias of a regularised optimum (R3)
# ---------------------------------------------------------------------------------------------
def _one_best_action(k: int, gap: float, gamma: float) -> FiniteMDP:
    """One state that every action keeps: action 0 pays 0, the k − 1 others pay −gap."""
    r = np.full((1, k), -gap)
    r[0, 0] = 0.0
    return FiniteMDP(
        np.ones((1, k, 1)), r, gamma, name=f"one best action (K={k}, gap={gap:g}, gamma={gamma:g})"
    )


#: (MDP, τ) pairs where the unregularised loss v* − v^{π*_Ω} of the regularised optimum is a large
#: share of its band τ(U − L)/(1 − γ) (R3: they make a halved band fail). One state, one good
#: action and K − 1 actions worse by a gap g: the Shannon optimum puts mass (K − 1)e^{−g/τ}/Z on the
#: bad ones, a loss of g/(1 + e^{g/τ}/(K − 1))/(1 − γ), i.e. 0.59 of the band τ log K/(1 − γ) at
#: K = 200, g = 4.15τ (near the maximiser of that share, e^{g/τ}(g/τ − 1) = K − 1); sparsemax at
#: K = 2, g = τ/2 puts ¼ on the bad action, a loss of τ/8/(1 − γ), half its band τ/4/(1 − γ)
#: (derived here).
BIAS_INSTANCES = {
    "K=200": (_one_best_action(200, 4.15, 0.9), 1.0),
    "K=2": (_one_best_action(2, 0.5, 0.9), 1.0),
}


# ---------------------------------------------------------------------------------------------
# One-dimensional latent layers (H5)
# ---------------------------------------------------------------------------------------------
#: The lower layers of the H5 battery: name -> (log p(h), f(h), log f'(h), r(a), τ, (lo, hi)).
#: The latent prior p is N(0, 1), the authors' base distribution (followups-notes §1.3); f is
#: smooth and strictly increasing, written with numpy functions that accept complex h (the check
#: differentiates f by the complex step, independently of the stated log f'); r is the reward in
#: action space; (lo, hi) is the latent interval, outside which every density of the check has
#: mass below 1e-17. The first is the notes' example (§1.5, item 1: V = −0.69021641); the second
#: a cubic map (f' from 1 to 82 on the interval) and a two-well reward. The quick battery uses
#: the first only.
def _log_standard_normal(h):
    """log N(h; 0, 1) for floats and arrays (scipy.stats' logpdf costs 0.2 ms a scalar call)."""
    return -0.5 * np.square(h) - 0.5 * np.log(2 * np.pi)


LATENT_LAYERS_1D = {
    "f = h + 0.8 tanh(2h), r = -(a - 1.5)^2, tau = 0.5": (
        _log_standard_normal,
        lambda h: h + 0.8 * np.tanh(2 * h),
        lambda h: np.log1p(1.6 / np.cosh(2 * h) ** 2),
        lambda a: -((a - 1.5) ** 2),
        0.5,
        (-9.0, 9.0),
    ),
    "f = h + h^3/3, r = -(a^2 - 1)^2/2, tau = 1": (
        _log_standard_normal,
        lambda h: h + h**3 / 3,
        lambda h: np.log1p(h**2),
        lambda a: -((a**2 - 1) ** 2) / 2,
        1.0,
        (-9.0, 9.0),
    ),
}


# ---------------------------------------------------------------------------------------------
# MENTS, BTS and DENTS on the D-chain and the entropy trap (G5, G6)
# ---------------------------------------------------------------------------------------------
#: The modified D-chain (D, R_f) of G4 and G5: the reward-optimal root action is L (0.9 > 1/2),
#: the soft-optimal one R above τ_c ≈ 0.1386 (Painter et al. 2023; followups-notes §3.5).
MODIFIED_D_CHAIN = (10, 0.5)
#: Exploration ε of MENTS, BTS and DENTS on the D-chain and the entropy trap: ε = 1, as in G4
#: (the far end of a chain is found only by exploring it) and in the notes' qualitative check
#: (followups-notes §3.5).
CHAIN_EPSILON = 1.0
#: The entropy trap's temperatures: TRAP_TAU_ABOVE = 1 is above τ_trap(k) = 1/(k log 2) for
#: every k >= 2 (0.72 at k = 2), TRAP_TAU_BELOW = 0.1 below it for every k <= 14 (0.103).
TRAP_TAU_ABOVE, TRAP_TAU_BELOW = 1.0, 0.1
