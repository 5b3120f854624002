"""The named experiment settings and problem instances checks and figures share.

Pure data, fixed in advance and never tuned on results: the E2W bandits and their ε (claims F1,
F2), the search settings of MENTS and UCT (G1–G4), the Boltzmann mixture targets of SVGD (E3),
the continuous soft values of the importance-sampling check (E1), and the one-dimensional
latent layers of the hierarchical-policy check (H5). The math that turns them
into densities, samplers and exact answers is in ``theory`` (``theory.bandit``, ``theory.mcts``,
``theory.sampling``); the choices are argued where they are tested (``checks.bandit``,
``checks.mcts``, ``checks.svgd``, ``checks.importance_sampling``, ``checks.hierarchy``).

E2W's ε and MENTS's ε are distinct settings that happen to share the value 0.1 (the bandit
experiments' choice and the synthetic-tree experiments' choice), so they have distinct names.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = [
    "BANDITS",
    "BOLTZMANN_MIXTURES",
    "CONTINUOUS_SOFT_VALUES",
    "E2W_EPSILON",
    "LATENT_LAYERS_1D",
    "MCTS_EPSILON",
    "MCTS_SIGMA",
    "MCTS_TAU",
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
