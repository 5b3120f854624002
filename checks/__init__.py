"""The proof-check battery: one check per claim of CLAIMS.md, each returning a CheckResult.

Importing this package registers every battery; ``python -m checks`` runs them.
"""

from checks import (  # noqa: F401  (register A–H and the errata)
    algorithms,
    bandit,
    bellman,
    conjugacy,
    errata,
    importance_sampling,
    improvement,
    iteration,
    mcts,
    planning,
    policy_iteration,
    soft_actor_critic,
    soft_q,
    softmax,
    svgd,
)
from checks.base import CheckResult, Claim, fold, register, registered

__all__ = ["CheckResult", "Claim", "fold", "register", "registered"]
