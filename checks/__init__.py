"""The proof-check battery: one check per claim of CLAIMS.md, each returning a CheckResult.

Importing this package registers every battery; ``python -m checks`` runs them.
``checks.verify(solver=my_solver)`` runs the claims that call your implementation of a role
(:mod:`checks.subjects`, :mod:`checks.conformance`).
"""

from checks import (  # noqa: F401  (register A–H, R and the errata)
    algorithms,
    bandit,
    bellman,
    boltzmann_search,
    conjugacy,
    errata,
    hierarchy,
    importance_sampling,
    improvement,
    iteration,
    mcts,
    mellowmax,
    planning,
    policy_iteration,
    regularizers,
    soft_actor_critic,
    soft_q,
    softmax,
    svgd,
)
from checks.base import CheckResult, Claim, fold, register, registered
from checks.conformance import VerifyReport, verify
from checks.subjects import ROLES, Subject, Subjects
from mdps import __version__

__all__ = [
    "ROLES",
    "CheckResult",
    "Claim",
    "Subject",
    "Subjects",
    "VerifyReport",
    "fold",
    "register",
    "registered",
    "verify",
    "__version__",
]
