"""What a problem is: finite MDPs, their seeded generators, and the conventions other code
reads them in.

Hypothesis strategies live in :mod:`mdps.strategies` (imported on demand, so that importing
``mdps`` does not import hypothesis).
"""

from importlib import metadata

from mdps.conventions import Conventions
from mdps.finite import STOCHASTIC_ATOL, FiniteMDP

__all__ = ["STOCHASTIC_ATOL", "Conventions", "FiniteMDP", "__version__"]

try:
    #: The installed distribution's version: its one source is ``pyproject.toml`` (``project.version``),
    #: read through the package metadata. ``checks`` and ``figures`` re-export it (``--version``).
    __version__ = metadata.version("maxent-verify")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
