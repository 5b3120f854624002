"""Seeded suites of instances that the batteries run over.

One function builds the MDPs every exact check uses, so that every claim is tried on the same,
reproducible problems: random Garnet MDPs (dense and sparse), an acyclic MDP, a one-state MDP,
a chain, a slippery gridworld and a cliff walk, and (default and full sizes) a sparse Garnet
large enough that policy evaluation takes the matrix-free Krylov path of theory.bellman; the
temperatures they are tried at; and the regularisers of ``python -m checks --regularizer``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mdps.finite import FiniteMDP
from mdps.generators import chain, cliff_walk, garnet, gridworld, random_dag
from mdps.validation import check_int, check_simplex
from theory.bellman import DIRECT_SOLVE_MAX_STATES
from theory.regularizers import SHANNON, KLToPrior, Regularizer, Tsallis

__all__ = [
    "KRYLOV_STATES",
    "REGULARIZERS",
    "SIZES",
    "KLToRampPrior",
    "check_size",
    "krylov_garnet",
    "mdp_cases",
    "mdp_suite",
    "q_vector_suite",
    "ramp_prior",
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


# --- the regularisers of the suites ------------------------------------------------------------
def ramp_prior(n_actions: int) -> tuple[float, ...]:
    """μ_K ∝ (1, 2, …, K): a prior with distinct positive entries (uniform only at K = 1).

    Raises:
      TypeError, ValueError: K not an integer >= 1.
    """
    w = np.arange(1.0, check_int(n_actions, "n_actions", low=1) + 1.0)
    return tuple(float(x) for x in w / w.sum())


@functools.lru_cache(maxsize=64)
def _kl_to_ramp(n_actions: int) -> KLToPrior:
    return KLToPrior(ramp_prior(n_actions))


@dataclass(frozen=True)
class KLToRampPrior(Regularizer):
    """Ω(π) = KL(π‖μ_K) with the prior μ_K = :func:`ramp_prior` (K) of the problem's K actions:
    :class:`theory.regularizers.KLToPrior`, its prior fitted to the K of each argument.

    The suites' MDPs have different numbers of actions, and a KLToPrior is defined on one K;
    this one regulariser covers them all. A non-uniform prior, so that its greedy policy
    ∝ μ·exp(q/τ) differs from softmax (with the uniform prior, KL is Shannon entropy shifted
    by log K, mellowmax, and a Shannon implementation would differ from it by a constant only).
    Every method delegates to ``KLToPrior(ramp_prior(K))``.
    """

    def penalty(self, pi, tau) -> np.ndarray:
        """τ KL(π‖μ_K), K the last axis of ``pi``."""
        p = check_simplex(pi, "pi")
        return _kl_to_ramp(p.shape[-1]).penalty(p, tau)

    def bounds(self, n_actions) -> tuple[float, float]:
        """(0, −log μ_K(1)) = (0, log(K(K + 1)/2))."""
        k = check_int(n_actions, "n_actions", low=1)
        return _kl_to_ramp(k).bounds(k)

    def value_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """τ log Σ_a μ_K(a) exp(x_a/τ) over the first axis (K = its length)."""
        return _kl_to_ramp(x.shape[0]).value_first_axis(x, tau)

    def greedy_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """∝ μ_K·exp(x/τ) over the first axis."""
        return _kl_to_ramp(x.shape[0]).greedy_first_axis(x, tau)

    def value_roundoff(self, n_actions: int, tau: float, q_norm: float) -> float:
        """That of ``KLToPrior(ramp_prior(K))``."""
        return _kl_to_ramp(n_actions).value_roundoff(n_actions, tau, q_norm)


#: The regularisers ``python -m checks --regularizer NAME`` runs the regulariser-free claims
#: with: Shannon entropy (the default report), Tsallis (sparsemax) and KL to the prior ∝ (1, …, A).
REGULARIZERS: dict[str, Regularizer] = {"shannon": SHANNON, "tsallis": Tsallis(), "kl": KLToRampPrior()}
