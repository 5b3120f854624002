"""What a problem is: finite MDPs, their seeded generators, and the conventions other code
reads them in.

Hypothesis strategies live in :mod:`mdps.strategies` (imported on demand, so that importing
``mdps`` does not import hypothesis).
"""

from mdps.conventions import Conventions
from mdps.finite import STOCHASTIC_ATOL, FiniteMDP

__all__ = ["STOCHASTIC_ATOL", "Conventions", "FiniteMDP"]
