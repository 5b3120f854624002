"""Float64 round-off: the unit round-off u, and the one allowance the checks compare against.

Every exact comparison of two float64 computations (a check's "measured" against "allowed")
allows :func:`roundoff` of it, given the number of rounded operations its worst entry goes
through and the size of the numbers involved. The rigorous per-sweep bound of the certified
solvers (``theory.solvers``) is built on the same :data:`UNIT_ROUNDOFF`.

The model (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM 2002, §3.1
and Lemma 3.1): each float64 operation rounds with relative error at most u = 2⁻⁵³, and a sum
or dot product of n terms, in any order, errs by at most γ_n·Σ|terms| with

    γ_n = n·u/(1 − n·u)  (<= 1.01·n·u while n·u <= 0.01).

An allowance of ``operations``·u times the largest magnitude would be that bound for an
n-term sum; :func:`roundoff` multiplies u by a safety factor :data:`SAFETY` = 128, which
covers exp and log (within a few ulps in numpy's libm, not correctly rounded), the one or two
extra roundings per term (a product, a max-shift, a division by τ) and the γ_n denominator.
It is an allowance, not a proof: the checks' negative controls err by many orders of
magnitude more, and each call site says what its operation count counts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EPS", "SAFETY", "UNIT_ROUNDOFF", "roundoff"]

#: Machine epsilon of float64, 2⁻⁵²: the spacing of float64 numbers at 1.
EPS = float(np.finfo(np.float64).eps)

#: Unit round-off u = eps/2 = 2⁻⁵³: |fl(x ∘ y) − x ∘ y| <= u·|x ∘ y| (Higham 2002, §2.2).
UNIT_ROUNDOFF = EPS / 2

#: Safety factor on u in :func:`roundoff` (module docstring): 128·u = 64·eps.
SAFETY = 128


def roundoff(operations, magnitude):
    """Round-off allowed in a float64 result: SAFETY·u·operations·magnitude = 64·eps·n·m.

    Higham's γ_n ≈ n·u bound for an n-term sum or dot product (Higham 2002, §3.1 and Lemma 3.1),
    with the safety factor :data:`SAFETY` = 128 on u for exp/log and the few extra roundings of
    each term (module docstring).

    Args:
      operations: n, the number of rounded operations (summed terms) the result goes through;
        each call site states what it counts. A float or an array (broadcast).
      magnitude: the size of the numbers involved, in the units of the comparison (e.g. 1 + ‖V‖∞
        for values, 1 + log K for entropies in nats). A float or an array (broadcast).
    Returns:
      The allowance, of the broadcast shape of the arguments (NaN if either is NaN, so that a NaN
      allowance fails its comparison).
    """
    return SAFETY * UNIT_ROUNDOFF * operations * magnitude
