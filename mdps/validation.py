"""Argument validation shared by every public function of ``mdps`` and ``theory``.

One mechanism per kind of argument, so that every public function rejects bad input the same
way: a ``TypeError`` when the argument is not of a usable type (a string, ``None``, a complex
number, a bool where a count is wanted) and a ``ValueError`` when its value is out of range,
each naming the argument and, for arrays, the first offending entry. Nothing here computes
any math; ``mdps`` never imports ``theory``, so ``theory`` imports these from here.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "SEED_MAX",
    "SIMPLEX_ATOL",
    "as_checkpoints",
    "as_float_array",
    "as_real_array",
    "check_bool",
    "check_broadcast",
    "check_callable",
    "check_instance",
    "check_int",
    "check_permutations",
    "check_policy",
    "check_real",
    "check_seed",
    "check_simplex",
    "check_str",
    "check_tau",
    "check_taus",
    "first_bad",
]

#: Tolerance on ``|Σ p − 1|`` for a vector (a policy row, a transition row) to count as a
#: distribution. Summing n float64 numbers in [0, 1] errs by at most n·2⁻⁵³ (Higham,
#: recursive summation); 1e-10 covers n up to about 10⁶, and anything further off is not a
#: distribution. The solvers' certificates carry the accepted defect (theory.solvers).
SIMPLEX_ATOL = 1e-10

#: Largest accepted seed. Suites seed instance i with ``seed + i`` (i < 10⁶), and every seed
#: must stay a valid ``numpy.random.default_rng`` seed that prints the same everywhere.
SEED_MAX = 2**63 - 1 - 10**6


def first_bad(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``mask`` (C order), as a tuple of ints."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _is_int(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """``int(value)``; TypeError unless an integer (bools are not), ValueError unless in [low, high]."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        bound = f">= {low}" if high is None else f"<= {high}" if low is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return v


def check_seed(seed, name: str = "seed") -> int:
    """A reproducible seed: an integer in [0, SEED_MAX]. ``None`` (fresh entropy) is refused."""
    if seed is None:
        raise TypeError(f"{name} must be an integer (None would draw fresh entropy: irreproducible)")
    return check_int(seed, name, low=0, high=SEED_MAX)


def check_real(
    value,
    name: str,
    *,
    low: float = -np.inf,
    high: float = np.inf,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """``float(value)``: TypeError unless a real number; ValueError unless finite and in range.

    The range is [low, high], with either end open on request.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
            value = value.item()
        else:
            raise TypeError(f"{name} must be a real number, got {value!r}")
    x = float(value)
    too_low = x <= low if open_low else x < low
    too_high = x >= high if open_high else x > high
    if not np.isfinite(x) or too_low or too_high:
        if np.isfinite(low) or np.isfinite(high):
            where = f" in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        else:
            where = ""
        raise ValueError(f"{name} must be a finite real number{where}, got {value!r}")
    return x


def check_tau(tau, name: str = "tau", *, positive: bool = False, why: str = "") -> float:
    """The one temperature guard: a finite real τ >= 0 (> 0 with ``positive``). Returns a float.

    τ = 0 is the exact hard-max limit wherever a function accepts it; functions that divide by
    τ ask for ``positive``. ``why``, when given, ends the ValueError's message: the caller's
    reason for the range (e.g. ``"claim C2 is about τ > 0: τ·KL is undefined at τ = 0"``).
    """
    try:
        return check_real(tau, f"temperature {name}", low=0.0, open_low=positive)
    except ValueError as err:
        if not why:
            raise
        raise ValueError(f"{err} ({why})") from None


def check_taus(taus, name: str = "taus") -> np.ndarray:
    """A non-empty ``[T]`` list of temperatures, each finite and > 0 (the temperatures a figure
    draws side by side). Returns a float64 array; TypeError or ValueError naming ``name``."""
    taus = as_float_array(taus, name, ndim=1)
    if taus.size == 0 or np.any(taus <= 0):
        raise ValueError(f"{name} must be a non-empty list of temperatures > 0, got {taus.tolist()}")
    return taus


def check_bool(value, name: str) -> bool:
    """``value`` if it is a bool (Python or numpy), else TypeError naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_str(value, name: str, *, choices: tuple[str, ...] | None = None) -> str:
    """``value`` if it is a str, else TypeError naming ``name``; with ``choices``, ValueError
    unless it is one of them (labels, names of conventions)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r}")
    if choices is not None and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def as_float_array(
    x,
    name: str,
    *,
    ndim: int | None = None,
    shape: tuple | None = None,
    min_ndim: int = 1,
    allow_neg_inf: bool = False,
) -> np.ndarray:
    """``x`` as a finite float64 array, or an error naming ``name`` and the first bad entry.

    TypeError for what is not real numbers (strings, objects, complex values); ValueError for a
    wrong number of axes or shape, an empty array, or a NaN/inf entry. ``shape`` may hold
    ``None`` for an axis of any length. ``allow_neg_inf`` also lets −inf through (a log of 0,
    e.g. log-probabilities); NaN and +inf are refused all the same.
    """
    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as err:  # ragged nested sequences
        raise TypeError(f"{name} must be an array of real numbers: {err}") from None
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {raw.dtype} ({type(x).__name__})")
    a = raw.astype(np.float64, copy=False)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes, got shape {a.shape}")
    if a.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} axis, got a scalar of shape {a.shape}")
    if shape is not None and (
        a.ndim != len(shape) or any(w is not None and n != w for n, w in zip(a.shape, shape))
    ):
        want = (
            "("
            + ", ".join("any" if w is None else str(w) for w in shape)
            + ("," if len(shape) == 1 else "")
            + ")"
        )
        raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    bad = ~np.isfinite(a)
    if allow_neg_inf:
        bad &= a != -np.inf
    if bad.any():
        idx = first_bad(bad)
        what = "finite or -inf" if allow_neg_inf else "finite"
        raise ValueError(f"{name} must be {what}; {name}[{', '.join(map(str, idx))}] = {a[idx]}")
    return a


def check_simplex(p, name: str = "p", *, axis: int = -1, **array_kw) -> np.ndarray:
    """``p`` as float64 holding distributions along ``axis`` (entries >= 0, sums within
    ``SIMPLEX_ATOL`` of 1), or ValueError naming the first offending entry or slice."""
    a = as_float_array(p, name, **array_kw)
    neg = a < 0
    if neg.any():
        idx = first_bad(neg)
        raise ValueError(f"{name} must be non-negative; {name}[{', '.join(map(str, idx))}] = {a[idx]}")
    sums = a.sum(axis=axis)
    off = np.abs(sums - 1.0) > SIMPLEX_ATOL
    if np.any(off):
        idx = first_bad(np.atleast_1d(off))
        s = np.atleast_1d(sums)[idx]
        raise ValueError(
            f"{name} must sum to 1 along axis {axis} (|sum - 1| <= {SIMPLEX_ATOL}); "
            f"the slice at {idx} sums to {float(s)!r}"
        )
    return a


def check_policy(pi, shape: tuple[int, int], name: str = "pi") -> np.ndarray:
    """``pi`` as a float64 ``[S, A]`` policy of the given shape, rows on the simplex, or an error
    naming ``name`` and the first offending entry or row."""
    return check_simplex(pi, name, axis=-1, shape=shape)


def check_permutations(x, name: str, shape: tuple[int, int]) -> np.ndarray:
    """``x`` as an int64 ``[S, A]`` array whose every row is a permutation of 0..A-1, or an error
    naming ``name``: TypeError unless it holds integers (bools are not), ValueError for a wrong
    shape or the first row that is not a permutation."""
    raw = np.asarray(x)
    if raw.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {raw.dtype} ({type(x).__name__})")
    if raw.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {raw.shape}")
    a = raw.astype(np.int64)
    bad = (np.sort(a, axis=-1) != np.arange(shape[-1])).any(axis=-1)
    if bad.any():
        s = first_bad(bad)[0]
        raise ValueError(
            f"every row of {name} must be a permutation of 0..{shape[-1] - 1}; {name}[{s}] = {a[s]}"
        )
    return a


def _entry(name: str, idx: tuple[int, ...]) -> str:
    return f"{name}[{', '.join(map(str, idx))}]" if idx else name


def as_real_array(
    x,
    name: str,
    *,
    low: float = -np.inf,
    high: float = np.inf,
    open_low: bool = False,
    open_high: bool = False,
    whole: bool = False,
    **array_kw,
) -> np.ndarray:
    """:func:`as_float_array` with every entry in [low, high] (either end open on request) and,
    with ``whole``, a whole number (a count); ValueError naming the first entry outside.

    Bools are refused (TypeError: a count or a probability is not True/False). A scalar (where
    ``min_ndim=0`` allows one) goes through :func:`check_real` first, so a Python int beyond
    int64 (a count such as 10**300) is taken as the float it rounds to.
    """
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must hold real numbers, got {x!r}")
    if isinstance(x, (numbers.Real, np.number)) and array_kw.get("min_ndim", 1) == 0:
        x = check_real(x, name, low=low, high=high, open_low=open_low, open_high=open_high)
    a = as_float_array(x, name, **array_kw)
    if np.asarray(x).dtype.kind == "b":
        raise TypeError(f"{name} must hold real numbers, got a bool array")
    bad = (a <= low if open_low else a < low) | (a >= high if open_high else a > high)
    if bad.any():
        idx = first_bad(bad)
        where = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        raise ValueError(f"{name} must be in {where}; {_entry(name, idx)} = {a[idx]}")
    if whole:
        frac = a != np.floor(a)
        if frac.any():
            idx = first_bad(frac)
            raise ValueError(f"{name} must hold whole numbers; {_entry(name, idx)} = {a[idx]}")
    return a


def as_checkpoints(x, name: str = "checkpoints", *, low: int = 1) -> np.ndarray:
    """``x`` as int64 checkpoints: a non-empty, strictly increasing ``[T]`` array of whole numbers
    >= ``low`` (at most 2⁵³, exact in float64); TypeError or ValueError naming ``name``."""
    a = as_real_array(x, name, low=low, high=2.0**53, whole=True, ndim=1)
    step = np.diff(a) <= 0
    if step.any():
        i = first_bad(step)[0] + 1
        raise ValueError(
            f"{name} must be strictly increasing; "
            f"{name}[{i}] = {a[i]:g} follows {name}[{i - 1}] = {a[i - 1]:g}"
        )
    return a.astype(np.int64)


def check_callable(value, name: str):
    """``value`` if it can be called (a function passed in, e.g. an operator or a solver), else
    TypeError naming ``name``."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {value!r}")
    return value


def check_broadcast(arrays: dict[str, np.ndarray], *, axis: int | None = None) -> tuple[int, ...]:
    """The broadcast shape of the named arrays, or ValueError naming them and their shapes.

    With ``axis`` the arrays must also have the same length along it: two distributions over
    that axis are compared entry by entry, and a length-1 axis must not be stretched.
    """
    shapes = {k: np.shape(a) for k, a in arrays.items()}
    listed = ", ".join(f"{k} {s}" for k, s in shapes.items())
    try:
        out = np.broadcast_shapes(*shapes.values())
    except ValueError:
        raise ValueError(f"{' and '.join(shapes)} must broadcast against each other, got {listed}") from None
    if axis is not None and len({s[axis] for s in shapes.values()}) > 1:
        raise ValueError(f"{' and '.join(shapes)} must have the same length along axis {axis}, got {listed}")
    return out


def check_instance(value, cls: type | tuple[type, ...], name: str):
    """``value`` if it is an instance of ``cls``, else TypeError naming ``name`` and the type."""
    if not isinstance(value, cls):
        want = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        raise TypeError(f"{name} must be a {want}, got {type(value).__name__} {value!r:.80}")
    return value
