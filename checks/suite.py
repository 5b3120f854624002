"""Seeded suites of instances that the batteries run over.

One function builds the MDPs every exact check uses, so that every claim is tried on the same,
reproducible problems: random Garnet MDPs (dense and sparse), an acyclic MDP, a one-state MDP,
a chain, a slippery gridworld and a cliff walk, and (default and full sizes) a sparse Garnet
large enough that policy evaluation takes the matrix-free Krylov path of theory.bellman; and
the temperatures they are tried at.
"""

from __future__ import annotations

import numpy as np

from mdps.finite import FiniteMDP
from mdps.generators import chain, cliff_walk, garnet, gridworld, random_dag
from theory.bellman import DIRECT_SOLVE_MAX_STATES

__all__ = [
    "KRYLOV_STATES",
    "SIZES",
    "check_size",
    "krylov_garnet",
    "mdp_cases",
    "mdp_suite",
    "q_vector_suite",
    "temperature_suite",
]

#: States of :func:`krylov_garnet`: above theory.bellman.DIRECT_SOLVE_MAX_STATES, where sparse
#: policy evaluation leaves sparse LU for matrix-free BiCGSTAB (no smaller instance reaches it).
KRYLOV_STATES = DIRECT_SOLVE_MAX_STATES + 100

SIZES = ("quick", "default", "full")


def check_size(size: str) -> None:
    """The one guard of a battery's ``size``: ValueError naming it unless it is one of :data:`SIZES`."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")


def krylov_garnet(seed: int) -> FiniteMDP:
    """A sparse Garnet with KRYLOV_STATES = 600 states, A = 3, b = 3, γ = 0.9.

    Its exact policy evaluations (theory.bellman.evaluate_policy) run the Jacobi-preconditioned
    BiCGSTAB solve, checked to a direct solve's residual; every check that evaluates a policy
    on it compares that solve with an independent answer (B3 its series, D3 soft value
    iteration, B2 and C3 the certified optimum).
    """
    return garnet(KRYLOV_STATES, 3, 3, gamma=0.9, seed=seed, sparse=True)


def mdp_suite(seed: int, size: str = "default", *, krylov: bool | None = None) -> list[FiniteMDP]:
    """The seeded MDPs of a battery: more and larger Garnets as ``size`` grows.

    Args:
      seed: seeds every random instance (instance i uses ``seed + i``).
      size: ``"quick"``, ``"default"`` or ``"full"``.
      krylov: append :func:`krylov_garnet` (seeded ``seed``), the one instance evaluated by the
        Krylov solve; default: at the default and full sizes, not at quick size (where a cheap
        claim opts in, to keep ``--quick`` fast).
    Returns:
      A list of FiniteMDP, the same for the same (seed, size, krylov).
    """
    check_size(size)
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
    large = [krylov_garnet(seed)] if (size != "quick" if krylov is None else krylov) else []
    return fixed + randoms + large


def temperature_suite(size: str = "default") -> tuple[float, ...]:
    """Temperatures every exact check is tried at: 0 (hard max), small, ordinary, large."""
    check_size(size)
    return (0.0, 0.1, 2.0) if size == "quick" else (0.0, 1e-3, 0.1, 1.0, 10.0)


def q_vector_suite(seed: int, size: str = "default") -> list[np.ndarray]:
    """Seeded q vectors for the softmax claims (group A): ordinary, tied, huge and flat.

    Args:
      seed: seeds the random vectors.
      size: ``"quick"``, ``"default"`` or ``"full"``.
    Returns:
      A list of ``[K]`` float64 vectors, K from 1 to 8: random normal ones at scales 1, 10
      and 1e6, vectors with an exact tie at the max, a constant vector and a one-action vector.
    """
    check_size(size)
    rng = np.random.default_rng(seed)
    n = {"quick": 4, "default": 16, "full": 64}[size]
    out = [np.array([0.5]), np.zeros(4), np.array([1.0, 3.0, 3.0, 2.0])]
    for i in range(n):
        k = 2 + i % 7
        q = rng.normal(size=k) * (1.0, 10.0, 1e6)[i % 3]
        if i % 4 == 3:
            q[1] = q.max()  # an exact tie at the max
        out.append(q)
    return out


def mdp_cases(
    seed: int, size: str = "default", *, positive_tau: bool = False, krylov: bool | None = None
) -> list[tuple[FiniteMDP, float]]:
    """Every (MDP, τ) pair of the suites: ``mdp_suite`` × ``temperature_suite``, in a fixed order.

    Args:
      seed, size, krylov: as :func:`mdp_suite`.
      positive_tau: leave out τ = 0 (for claims about τ > 0).
    """
    taus = [t for t in temperature_suite(size) if t > 0 or not positive_tau]
    return [(m, t) for m in mdp_suite(seed, size, krylov=krylov) for t in taus]
