"""The named experiment settings and problem instances checks and figures share.

Pure data, fixed in advance and never tuned on results: the E2W bandits and their ε (claims F1,
F2) and the search settings of MENTS and UCT (G1–G4). The math that runs them is in ``theory``
(``theory.bandit``, ``theory.mcts``); the choices are argued where they are tested
(``checks.bandit``, ``checks.mcts``).

E2W's ε and MENTS's ε are distinct settings that happen to share the value 0.1 (the bandit
experiments' choice and the synthetic-tree experiments' choice), so they have distinct names.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BANDITS",
    "E2W_EPSILON",
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
