"""The softmax toolbox: soft value F_τ, soft-indmax f_τ, entropy, KL and the conjugate.

Source: seed deck, slides "Background: Softmax function" and "Background: the connection".

Every function works along ``axis`` (default the last) and broadcasts over the others.
``tau = 0`` is the exact hard-max limit, not a small number: ``soft_value`` is the max and
``soft_indmax`` is uniform over the argmax set.

One kernel, :func:`soft_value_first_axis`, does the max-shifted log-sum-exp for every caller.
It reduces over the *first* axis, because numpy reduces a short leading axis of a contiguous
array elementwise across rows, which is several times faster than reducing a short last axis
(the solvers keep Q laid out ``[A, S]`` inside a sweep for this reason).
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr, rel_entr

from mdps.validation import SIMPLEX_ATOL, as_float_array, check_broadcast, check_int, check_simplex, check_tau

__all__ = [
    "SIMPLEX_ATOL",
    "entropy",
    "kl",
    "soft_indmax",
    "soft_value",
    "soft_value_first_axis",
    "softmax_conjugate",
]


def soft_value_first_axis(x: np.ndarray, tau: float) -> np.ndarray:
    """Soft value over the first axis: F_τ(x)[j] = τ log Σ_k exp(x[k, j]/τ).

    The one log-sum-exp kernel of the toolkit, on the sweep's hot path, so it validates at O(1)
    and O(output) cost only: τ is checked, and instead of a pass over ``x`` for NaN/inf the
    *result* is checked, since any NaN or +inf in ``x``, or a column of −inf, comes out as NaN
    (the max propagates NaN; x − m is inf − inf there). −inf entries in a column with a finite
    max are exact zero weights and allowed. Shifting by the max keeps every exponent <= 0, so
    nothing overflows however small τ is.

    Args:
      x: ``[K, ...]`` float64.
      tau: temperature >= 0; 0 gives the max.
    Returns:
      ``[...]`` the soft value of each column.
    Raises:
      TypeError, ValueError: τ not a finite real >= 0.
      ValueError: a NaN or +inf in ``x``, or a column of −inf (naming the first such column).
    """
    check_tau(tau)
    m = x.max(axis=0)
    if tau == 0.0:
        return _finite_result(m, x)
    # One work array, updated in place: exp dominates the cost (numpy's float64 exp is scalar
    # below AVX-512), so every temporary avoided shows in the sweep time.
    # (x - m)/tau <= 0; for |x - m|/tau beyond float range it is -inf, whose exp is an exact 0,
    # so the overflow in the division is harmless. "invalid" arises only from inf - inf (an inf
    # or all -inf column), which makes the result NaN and is reported by _finite_result.
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.subtract(x, m)
        z /= tau
    np.exp(z, out=z)
    s = np.asarray(z.sum(axis=0))  # in [1, K]: the max term contributes exp(0) = 1
    np.log(s, out=s)
    s *= tau
    s += m
    return _finite_result(s, x)[()]  # a scalar for a single vector, as numpy's reductions return


def _finite_result(out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``out`` if finite; else ValueError naming the first column of ``x`` that made it so."""
    bad = ~np.isfinite(out)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(np.atleast_1d(bad))[0])
        column = np.asarray(x).reshape(x.shape[0], -1)[
            :, np.ravel_multi_index(idx, out.shape) if out.ndim else 0
        ]
        raise ValueError(f"x must be finite (or -inf beside a finite max); column {idx} of x is {column}")
    return out


def soft_value(q, tau, axis: int = -1) -> np.ndarray:
    """Soft value (softmax) F_τ(q) = τ log Σ_a exp(q_a/τ); F_0(q) = max_a q_a.

    Source: seed deck, "Background: Softmax function".

    Args:
      q: ``[..., K]`` finite values (the reduced axis is ``axis``).
      tau: temperature τ >= 0.
      axis: the action axis.
    Returns:
      ``[...]`` (``q`` with ``axis`` removed).
    Raises:
      TypeError: ``q`` not real numbers, τ not a real number, ``axis`` not an integer.
      ValueError: non-finite, empty or scalar ``q``, τ negative / non-finite, ``axis`` out of range.
    """
    t = check_tau(tau)
    a = as_float_array(q, "q")
    return soft_value_first_axis(np.moveaxis(a, check_int(axis, "axis"), 0), t)


def soft_indmax(q, tau, axis: int = -1) -> np.ndarray:
    """Soft-indmax f_τ(q) = ∇F_τ(q) = exp((q − F_τ(q))/τ); f_0 is uniform over argmax q.

    Source: seed deck, "Background: Softmax function".

    Args:
      q: ``[..., K]`` finite values.
      tau: temperature τ >= 0; at τ = 0 ties share the mass equally (exact ties only).
      axis: the action axis.
    Returns:
      ``[..., K]`` distributions along ``axis``.
    Raises:
      TypeError, ValueError: as :func:`soft_value`.
    """
    t = check_tau(tau)
    a = as_float_array(q, "q")
    axis = check_int(axis, "axis")
    m = a.max(axis=axis, keepdims=True)
    if t == 0.0:
        w = (a == m).astype(np.float64)
    else:
        # Same guard as the kernel: the max shift keeps exponents <= 0; -inf underflows to 0.
        with np.errstate(over="ignore"):
            z = (a - m) / t
        w = np.exp(z)
    return w / w.sum(axis=axis, keepdims=True)


def entropy(p, axis: int = -1) -> np.ndarray:
    """Shannon entropy H(p) = −Σ_a p_a log p_a, with 0 log 0 = 0.

    Source: seed deck, "Background: entropy regularized policy optimization problem".

    Args:
      p: ``[..., K]`` distributions along ``axis``.
    Returns:
      ``[...]`` entropies in nats, in [0, log K].
    Raises:
      TypeError: ``p`` not real numbers, ``axis`` not an integer.
      ValueError: ``p`` not finite, negative, or not summing to 1 within ``SIMPLEX_ATOL``;
        ``axis`` out of range.
    """
    axis = check_int(axis, "axis")
    a = check_simplex(p, "p", axis=axis)
    return entr(a).sum(axis=axis)


def kl(p, q, axis: int = -1) -> np.ndarray:
    """Kullback–Leibler divergence KL(p‖q) = Σ_a p_a log(p_a/q_a); +inf where q_a = 0 < p_a.

    Args:
      p, q: ``[..., K]`` distributions along ``axis`` (broadcast against each other).
    Returns:
      ``[...]`` divergences >= 0.
    Raises:
      TypeError: as :func:`entropy`.
      ValueError: either argument is not a distribution, or they do not broadcast against each
        other with the same length along ``axis``.
    """
    axis = check_int(axis, "axis")
    a = check_simplex(p, "p", axis=axis)
    b = check_simplex(q, "q", axis=axis)
    check_broadcast({"p": a, "q": b}, axis=axis)
    return rel_entr(a, b).sum(axis=axis)


def softmax_conjugate(p, tau, axis: int = -1) -> np.ndarray:
    """Convex conjugate of the soft value: F*_τ(p) = sup_q {p·q − F_τ(q)}.

    Equals τ Σ_a p_a log p_a on the simplex and +inf off it (the sup diverges along q + c·1
    when Σ p ≠ 1, and along −c·e_a when p_a < 0). At τ = 0 it is the indicator of the simplex.

    Source: seed deck, "Background: the connection" (proof, first equation).

    Args:
      p: ``[..., K]`` finite vectors (not necessarily distributions).
      tau: temperature τ >= 0.
    Returns:
      ``[...]`` the conjugate's value: finite on the simplex, +inf off it.
    Raises:
      TypeError: as :func:`soft_value`.
      ValueError: non-finite ``p``, invalid τ, ``axis`` out of range.
    """
    t = check_tau(tau)
    a = as_float_array(p, "p")
    axis = check_int(axis, "axis")
    on_simplex = (a >= 0).all(axis=axis) & (np.abs(a.sum(axis=axis) - 1.0) <= SIMPLEX_ATOL)
    neg_h = -entr(np.clip(a, 0.0, None)).sum(axis=axis)  # Σ p log p on the simplex
    return np.where(on_simplex, t * neg_h, np.inf)
