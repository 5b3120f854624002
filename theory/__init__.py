"""The math of maximum-entropy RL, as pure functions on arrays.

Data flows one way: ``mdps`` → ``theory`` → ``checks``; nothing here imports ``checks`` or
``figures``.
"""

from theory.bellman import (
    PolicyEvaluation,
    boltzmann_policy,
    evaluate_policy,
    soft_bellman_operator,
    soft_policy_reward,
    soft_state_value,
)
from theory.mellowmax import boltzmann_average, mellowmax, one_state_fixed_points
from theory.npg import npg_update
from theory.regularizers import KLToPrior, Regularizer, Shannon, Tsallis
from theory.softmax import (
    SIMPLEX_ATOL,
    entropy,
    kl,
    soft_indmax,
    soft_value,
    soft_value_first_axis,
    softmax_conjugate,
)
from theory.solvers import (
    ConvergenceWarning,
    SolveResult,
    soft_backward_induction,
    soft_policy_iteration,
    soft_solve,
    soft_value_iteration,
)

__all__ = [
    "SIMPLEX_ATOL",
    "ConvergenceWarning",
    "KLToPrior",
    "PolicyEvaluation",
    "Regularizer",
    "Shannon",
    "SolveResult",
    "Tsallis",
    "boltzmann_average",
    "boltzmann_policy",
    "entropy",
    "evaluate_policy",
    "kl",
    "mellowmax",
    "npg_update",
    "one_state_fixed_points",
    "soft_backward_induction",
    "soft_bellman_operator",
    "soft_indmax",
    "soft_policy_reward",
    "soft_policy_iteration",
    "soft_solve",
    "soft_state_value",
    "soft_value",
    "soft_value_first_axis",
    "soft_value_iteration",
    "softmax_conjugate",
]
