"""What a problem is: finite MDPs and their seeded generators.

Hypothesis strategies live in :mod:`mdps.strategies` (imported on demand: hypothesis is a test
dependency, not a runtime one).
"""

from mdps.finite import STOCHASTIC_ATOL, FiniteMDP

__all__ = ["STOCHASTIC_ATOL", "FiniteMDP"]
