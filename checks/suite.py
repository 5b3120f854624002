"""Seeded suites of instances that the batteries run over.

One function builds the MDPs every exact check uses, so that every claim is tried on the same,
reproducible problems: random Garnet MDPs (dense and sparse), an acyclic MDP, a one-state MDP,
a chain, a slippery gridworld and a cliff walk; and the temperatures they are tried at.
"""

from __future__ import annotations

import numpy as np

from mdps.finite import FiniteMDP
from mdps.generators import chain, cliff_walk, garnet, gridworld, random_dag

__all__ = ["SIZES", "mdp_suite", "temperature_suite"]

SIZES = ("quick", "default", "full")


def _check_size(size: str) -> None:
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")


def mdp_suite(seed: int, size: str = "default") -> list[FiniteMDP]:
    """The seeded MDPs of a battery: more and larger Garnets as ``size`` grows.

    Args:
      seed: seeds every random instance (instance i uses ``seed + i``).
      size: ``"quick"``, ``"default"`` or ``"full"``.
    Returns:
      A list of FiniteMDP, the same for the same (seed, size).
    """
    _check_size(size)
    n_random = {"quick": 2, "default": 6, "full": 20}[size]
    fixed = [
        FiniteMDP(np.ones((1, 3, 1)), np.array([[0.0, 0.5, 1.0]]), 0.9, name="one-state(A=3)"),
        chain(6, gamma=0.9, slip=0.1),
        gridworld(4, 4, gamma=0.95, slip=0.1),
        cliff_walk(gamma=0.9, slip=0.0),
    ]
    gammas = (0.5, 0.9, 0.99)
    randoms = []
    for i in range(n_random):
        g = gammas[i % len(gammas)]
        randoms.append(garnet(8 + 4 * i, 3, 3, gamma=g, seed=seed + i, sparse=bool(i % 2)))
        randoms.append(random_dag(6 + i, 3, gamma=g, seed=seed + i))
    return fixed + randoms


def temperature_suite(size: str = "default") -> tuple[float, ...]:
    """Temperatures every exact check is tried at: 0 (hard max), small, ordinary, large."""
    _check_size(size)
    return (0.0, 0.1, 2.0) if size == "quick" else (0.0, 1e-3, 0.1, 1.0, 10.0)
