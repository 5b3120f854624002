"""Hypothesis strategies for maximum-entropy RL checks: simplex vectors, Q vectors, policies,
temperatures and finite MDPs.

Hypothesis is a test dependency, so this module is imported on demand (``from mdps.strategies
import finite_mdps``), never from ``mdps/__init__.py``. Like ``hypothesis.extra.numpy``, every
function validates its arguments when called (raising ``hypothesis.errors.InvalidArgument``
naming the offending value) and returns a strategy; sizes are keyword-only ``min_*``/``max_*``.

Each strategy mixes generic draws with the edge cases that break max-entropy code: vertices and
nearly deterministic distributions (log 0, 0 · log 0), exact ties and huge magnitudes in Q
(log-sum-exp overflow, argmax ambiguity), temperatures of exactly 0 and at the float extremes,
and absorbing, terminal and sparse transitions.
"""

from __future__ import annotations

import functools
import math
import operator

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as nps

from mdps.conventions import Conventions
from mdps.finite import FiniteMDP
from mdps.validation import check_bool, check_int, check_real

__all__ = ["finite_mdps", "policies", "q_vectors", "simplex_vectors", "temperatures"]

#: Mass off the chosen vertex in a nearly deterministic simplex vector: its largest entry is
#: 1 − 1e-12, a distribution whose entropy and log-probabilities sit at the edge of float64.
_NEAR_VERTEX_MASS = 1e-12

#: Decades spanned by the log-uniform magnitudes of a Q entry below ``max_magnitude``
#: (1e6 down to 1e-12 by default), so that one vector can mix huge and tiny entries.
_Q_DECADES = 18.0

#: Decades spanned by the drawn reward scale below ``max_reward``.
_REWARD_DECADES = 3.0

#: Largest ``max_reward``: beyond it the tolerances of DESIGN.md (1e-10 · |R|max / (1 − γ))
#: leave nothing to check in float64.
_MAX_REWARD_LIMIT = 1e6

_FLOAT_MAX = float(np.finfo(np.float64).max)
#: Unnormalised simplex weights: exact zeros half the time (sparse rows), else in (0, 1].
#: Subnormals are excluded so that a row's sum never loses precision to gradual underflow.
_WEIGHTS = st.one_of(st.just(0.0), st.floats(0.0, 1.0, exclude_min=True, allow_subnormal=False))
#: Which candidate row a simplex (vertex, uniform, near-vertex, random) or Q row (free,
#: all-equal, tied maximum) becomes.
_SIMPLEX_KINDS, _Q_KINDS = st.integers(0, 3), st.integers(0, 2)
#: Rewards before scaling.
_UNIT_REWARDS = st.floats(-1.0, 1.0)


# --- argument validation ---------------------------------------------------------------------
# The guards of mdps.validation, with their TypeError/ValueError re-raised as InvalidArgument
# (the hypothesis convention): one mechanism, one set of messages.
def _invalid_argument(guard, *args, **kwargs):
    try:
        return guard(*args, **kwargs)
    except (TypeError, ValueError) as err:
        raise InvalidArgument(str(err)) from err


def _check_int(value, name: str, *, minimum: int) -> int:
    return _invalid_argument(check_int, value, name, low=minimum)


def _check_real(
    value, name: str, *, low: float, high: float, open_low: bool = False, open_high: bool = False
) -> float:
    return _invalid_argument(
        check_real, value, name, low=low, high=high, open_low=open_low, open_high=open_high
    )


def _check_bool(value, name: str) -> bool:
    return _invalid_argument(check_bool, value, name)


def _sizes(low, high, low_name: str, high_name: str) -> st.SearchStrategy[int]:
    low = _check_int(low, low_name, minimum=1)
    high = _check_int(high, high_name, minimum=1)
    if low > high:
        raise InvalidArgument(f"Cannot have {low_name}={low!r} > {high_name}={high!r}")
    return st.integers(low, high)


def _lengths(k, min_k, max_k) -> st.SearchStrategy[int]:
    """``k`` when given (min_k/max_k are then ignored), else a draw from [min_k, max_k]."""
    if k is not None:
        return st.just(_check_int(k, "k", minimum=1))
    return _sizes(min_k, max_k, "min_k", "max_k")


def _check_shape(batch_shape) -> tuple[int, ...]:
    if isinstance(batch_shape, (int, np.integer)) and not isinstance(batch_shape, bool):
        batch_shape = (batch_shape,)
    if not isinstance(batch_shape, tuple):
        raise InvalidArgument(f"batch_shape={batch_shape!r} must be an int or a tuple of ints")
    return tuple(_check_int(n, f"batch_shape[{i}]", minimum=0) for i, n in enumerate(batch_shape))


# --- shared building blocks ------------------------------------------------------------------
# The composites below draw arrays whose shape depends on an earlier draw. Hypothesis validates
# every strategy object on its first draw, and that validation (of the array strategy and of
# its elements) took most of a draw's time when a fresh strategy was built on every draw: the
# strategies are built once per shape instead (a strategy is an immutable description, so
# sharing one changes no draw).
@functools.lru_cache(maxsize=1024)
def _arrays(dtype, shape: tuple[int, ...], elements: st.SearchStrategy) -> st.SearchStrategy[np.ndarray]:
    return nps.arrays(dtype, shape, elements=elements)


def _decades_below(top: float, decades: float) -> st.SearchStrategy[float]:
    """Floats top · 10^(−d) with d uniform in [0, decades]: every decade equally likely.

    Drawing the exponent (not the value) is what makes 1e-12 as likely as 1; the result never
    exceeds ``top`` because 10^(−d) <= 1.
    """
    return st.floats(0.0, decades).map(lambda d: top * 10.0**-d)


def _normalised(weights: np.ndarray) -> np.ndarray:
    """Rows of ``weights`` [..., k] (each with a positive entry) scaled to sum to 1."""
    p = weights / weights.sum(axis=-1, keepdims=True)
    # The division leaves a row sum up to k ulps off 1; moving that residual onto the largest
    # entry (>= 1/k, so it stays positive) keeps |Σp − 1| at a few ulps for any k.
    top = np.argmax(p, axis=-1)[..., None]
    np.put_along_axis(p, top, np.take_along_axis(p, top, -1) + 1.0 - p.sum(-1, keepdims=True), -1)
    return p


@st.composite
def _simplex_batch(draw, lengths: st.SearchStrategy[int], batch_shape: tuple[int, ...]):
    """``[*batch_shape, k]`` rows, each a vertex, uniform, near-vertex or random distribution.

    The whole batch is drawn with two array draws and assembled with numpy (a row-by-row
    composite was 5x slower on MDP-sized batches).
    """
    k = draw(lengths)
    weights = draw(_arrays(np.float64, batch_shape + (k,), _WEIGHTS))
    one_hot = np.arange(k) == np.argmax(weights, axis=-1)[..., None]  # the vertex e_i
    # Near-vertex rows: entry i gets 1 − 1e-12 and the rest share 1e-12 in proportion to
    # their weights (evenly when those are all 0).
    rest = np.where(one_hot, 0.0, weights)
    rest = np.where(rest.any(-1, keepdims=True), rest, ~one_hot)
    total = rest.sum(-1, keepdims=True)  # 0 only for k = 1, where the row is just e_i
    tiny = np.divide(_NEAR_VERTEX_MASS * rest, total, out=np.zeros(rest.shape), where=total > 0)
    near = np.where(one_hot, 1.0 - _NEAR_VERTEX_MASS, tiny)
    # Random rows: the weights, exact zeros included; a row of zeros becomes e_i.
    random = np.where(weights.any(-1, keepdims=True), weights, one_hot)
    candidates = (one_hot, np.ones(weights.shape), near, random)  # vertex, uniform, near, random
    kind = draw(_arrays(np.intp, batch_shape + (1,), _SIMPLEX_KINDS))
    return _normalised(np.choose(kind, candidates))


@st.composite
def _q_batch(draw, lengths, batch_shape: tuple[int, ...], elements: st.SearchStrategy[float]):
    """``[*batch_shape, k]`` Q rows: as drawn, all entries equal, or with a tied maximum."""
    k = draw(lengths)
    q = draw(_arrays(np.float64, batch_shape + (k,), elements))
    top = np.argmax(q, axis=-1)[..., None]
    # Tied rows copy the maximum onto the next entry, cyclically (a no-op for k = 1).
    tied = q.copy()
    np.put_along_axis(tied, (top + 1) % k, np.take_along_axis(q, top, -1), -1)
    candidates = (q, np.broadcast_to(q[..., :1], q.shape), tied)  # free, all-equal, tied max
    kind = draw(_arrays(np.intp, batch_shape + (1,), _Q_KINDS))
    return np.choose(kind, candidates)


# --- public strategies -----------------------------------------------------------------------
def simplex_vectors(k=None, *, min_k=1, max_k=8, batch_shape=()) -> st.SearchStrategy[np.ndarray]:
    """Probability vectors: float64 arrays ``[*batch_shape, k]`` with every last-axis row on
    the simplex Δ_k = {p >= 0, Σ p = 1}, summing to 1 within a few ulps (far inside 1e-12).

    Each row starts from drawn weights in [0, 1], exact zeros half the time, and is, with
    equal probability, one of
      - the vertex e_i at the largest weight (one-hot: a deterministic distribution);
      - the uniform vector 1/k;
      - a near-vertex: entry i is 1 − 1e-12, the others share 1e-12 in proportion to their
        weights (so log p is about −28, or −inf where a weight is 0);
      - the weights normalised: random, with exact zeros (few non-zeros) likely; a row of
        zero weights becomes e_i.
    For k = 1 every row is [1.0].

    Args:
      k: the length of the last axis; when None it is drawn from [min_k, max_k], once per
        example (all rows share it).
      min_k, max_k: bounds on the drawn k, integers >= 1.
      batch_shape: int or tuple of ints >= 0, the leading shape; () for a single vector.
    Returns:
      A strategy of ``[*batch_shape, k]`` float64 arrays.
    Raises:
      InvalidArgument: for a k, min_k or max_k below 1, min_k > max_k, or a bad batch_shape.
    """
    return _simplex_batch(_lengths(k, min_k, max_k), _check_shape(batch_shape))


def q_vectors(
    k=None, *, min_k=1, max_k=8, max_magnitude=1e6, batch_shape=()
) -> st.SearchStrategy[np.ndarray]:
    """Q vectors: finite float64 arrays ``[*batch_shape, k]`` with |q| <= max_magnitude.

    Entries mix hypothesis's floats in [−M, M] (M = max_magnitude), the values 0 and ±M, and
    signed log-uniform magnitudes M · 10^(−d), d in [0, 18], so one vector can hold entries of
    1e6 and 1e-12 side by side. Each row is then, with equal probability, left as drawn, made
    all-equal (every action tied), or given an exact tie at its maximum (the maximum copied
    onto the next entry, cyclically). Hypothesis's array fill also repeats values on its own.
    No NaN or inf.

    Args:
      k, min_k, max_k, batch_shape: as for :func:`simplex_vectors`.
      max_magnitude: M, a finite float > 0.
    Returns:
      A strategy of ``[*batch_shape, k]`` float64 arrays.
    Raises:
      InvalidArgument: as for :func:`simplex_vectors`, or for max_magnitude <= 0, NaN or inf.
    """
    lengths, shape = _lengths(k, min_k, max_k), _check_shape(batch_shape)
    top = _check_real(max_magnitude, "max_magnitude", low=0.0, high=_FLOAT_MAX, open_low=True)
    elements = st.one_of(
        st.floats(-top, top),
        st.sampled_from((0.0, top, -top)),
        st.builds(operator.mul, st.sampled_from((1.0, -1.0)), _decades_below(top, _Q_DECADES)),
    )
    return _q_batch(lengths, shape, elements)


def policies(n_states, n_actions) -> st.SearchStrategy[np.ndarray]:
    """Stochastic policies π: float64 arrays ``[S, A]`` whose rows are on the simplex.

    Rows come from :func:`simplex_vectors`, so they include deterministic rows (vertices),
    nearly deterministic rows, uniform rows and rows with exact zeros.

    Args:
      n_states: S, an integer >= 1.
      n_actions: A, an integer >= 1.
    Returns:
      A strategy of ``[S, A]`` arrays.
    Raises:
      InvalidArgument: for S or A below 1 or not integers.
    """
    n_states = _check_int(n_states, "n_states", minimum=1)
    return simplex_vectors(_check_int(n_actions, "n_actions", minimum=1), batch_shape=(n_states,))


def temperatures(*, allow_zero=True, min_value=1e-12, max_value=1e12) -> st.SearchStrategy[float]:
    """Temperatures τ: floats in {0} ∪ [min_value, max_value], never negative, NaN or inf.

    Draws, each half of the time, one of the special values (0.0 when allowed, min_value,
    max_value, and 1.0 when in range) or a log-uniform value (the exponent is drawn, so every
    decade is equally likely): with the default range, tiny (1e-12..1e-6), ordinary
    (0.01..10) and huge (1e6..1e12) temperatures are all common.

    Args:
      allow_zero: whether τ = 0 (the hard-max limit) may be drawn.
      min_value: smallest positive τ, a finite float > 0.
      max_value: largest τ, finite, >= min_value.
    Returns:
      A strategy of Python floats.
    Raises:
      InvalidArgument: for a non-bool allow_zero, bounds not finite and positive, or
        min_value > max_value.
    """
    allow_zero = _check_bool(allow_zero, "allow_zero")
    low = _check_real(min_value, "min_value", low=0.0, high=_FLOAT_MAX, open_low=True)
    high = _check_real(max_value, "max_value", low=0.0, high=_FLOAT_MAX, open_low=True)
    if low > high:
        raise InvalidArgument(f"Cannot have min_value={min_value!r} > max_value={max_value!r}")
    # Simplest first: hypothesis shrinks a sampled_from towards its first element.
    special = ([0.0] if allow_zero else []) + ([1.0] if low <= 1.0 <= high else []) + [low, high]
    decades = math.log10(high) - math.log10(low)
    # Rounding in 10^(−d) can land a hair below min_value at d = decades: clamp it back.
    log_uniform = _decades_below(high, decades).map(lambda t: max(t, low))
    return st.one_of(st.sampled_from(special), log_uniform)


def finite_mdps(
    *,
    min_states=1,
    max_states=6,
    min_actions=1,
    max_actions=4,
    gamma=None,
    sparse=None,
    terminal=None,
    max_reward=1.0,
    conventions=None,
) -> st.SearchStrategy[FiniteMDP]:
    """Small finite MDPs that pass :class:`~mdps.finite.FiniteMDP` validation.

    - S and A are drawn from [min_states, max_states] and [min_actions, max_actions].
    - Each transition row P(·|s, a) is a :func:`simplex_vectors` row, so rows are
      deterministic, nearly deterministic, uniform, or random with exact zeros (few
      successors); a drawn set of states is absorbing (P(s|s, a) = 1 for every a).
    - Terminal states are absorbing, have zero reward and are marked in ``mdp.terminal``.
    - P is a dense ``[S, A, S]`` array or a ``scipy.sparse.csr_array`` of shape ``[S*A, S]``
      (row s*A + a, only non-zeros stored).
    - Absorbing and terminal states are drawn as index sets of at most max(1, S // 2) states
      each, so most MDPs keep states that make decisions.
    - R is drawn in [−1, 1] and multiplied by a scale: max_reward half the time, else drawn
      log-uniformly in [max_reward · 1e-3, max_reward]. γ is drawn in [0, 0.99] unless fixed.
    The name records the shape, e.g. ``"hyp(S=3,A=2,sparse)"``.

    Args:
      min_states, max_states: bounds on S, integers >= 1.
      min_actions, max_actions: bounds on A, integers >= 1.
      gamma: None to draw γ from [0, 0.99], or a fixed γ in [0, 1).
      sparse: None to draw the storage, True for sparse P only, False for dense only.
      terminal: None for a drawn (possibly empty) set of terminal states, True for at least
        one terminal state, False for none.
      max_reward: the largest |r(s, a)|, in (0, 1e6].
      conventions: a :class:`~mdps.conventions.Conventions` of the code under test, or None.
        Given, P is dense (code that reads plain arrays reads ``mdp.P`` or
        ``conventions.arrays(mdp)``), there are no terminal states unless
        ``conventions.terminal_states``, and γ > 0 if ``conventions.discounts`` is
        ``"positive"``; ``sparse``/``terminal`` must then be left None.
    Returns:
      A strategy of :class:`FiniteMDP` (infinite horizon).
    Raises:
      InvalidArgument: for a bad size or bounds in the wrong order, γ outside [0, 1),
        non-bool ``sparse``/``terminal`` other than None, max_reward outside (0, 1e6], or
        ``conventions`` not a Conventions, or given together with ``sparse``/``terminal``.
    """
    n_states = _sizes(min_states, max_states, "min_states", "max_states")
    n_actions = _sizes(min_actions, max_actions, "min_actions", "max_actions")
    if conventions is not None:
        if not isinstance(conventions, Conventions):
            raise InvalidArgument(f"conventions must be a Conventions, got {conventions!r}")
        if sparse is not None or terminal is not None:
            raise InvalidArgument("give conventions, or sparse/terminal, not both")
        sparse, terminal = False, (None if conventions.terminal_states else False)
    if gamma is None:
        positive = conventions is not None and conventions.discounts == "positive"
        gammas = st.floats(0.0, 0.99, exclude_min=positive)
    else:
        gammas = st.just(_check_real(gamma, "gamma", low=0.0, high=1.0, open_high=True))
    if sparse is not None:
        sparse = _check_bool(sparse, "sparse")
    if terminal is not None:
        terminal = _check_bool(terminal, "terminal")
    top = _check_real(max_reward, "max_reward", low=0.0, high=_MAX_REWARD_LIMIT, open_low=True)
    storages = st.booleans() if sparse is None else st.just(sparse)
    scales = st.one_of(st.just(top), _decades_below(top, _REWARD_DECADES))
    return _finite_mdps(n_states, n_actions, gammas, storages, terminal, scales)


@functools.lru_cache(maxsize=256)
def _transition_rows(n_states: int, n_actions: int) -> st.SearchStrategy[np.ndarray]:
    """P[s, a] = P(·|s, a), ``[S, A, S]`` simplex rows (built once per shape, see _arrays)."""
    return simplex_vectors(n_states, batch_shape=(n_states, n_actions))


@functools.lru_cache(maxsize=256)
def _state_sets(n_states: int, min_size: int, max_size: int) -> st.SearchStrategy[set[int]]:
    """Sets of state indices (built once per size, see _arrays)."""
    return st.sets(st.integers(0, n_states - 1), min_size=min_size, max_size=max_size)


@st.composite
def _finite_mdps(draw, n_states, n_actions, gammas, storages, terminal, scales) -> FiniteMDP:
    S, A = draw(n_states), draw(n_actions)
    P = draw(_transition_rows(S, A))
    # Index sets rather than bool arrays: hypothesis's array fill would often mark every state.
    few = max(1, S // 2)
    is_terminal = np.zeros(S, dtype=bool)
    if terminal is not False:
        is_terminal[list(draw(_state_sets(S, 1 if terminal else 0, few)))] = True
    absorbing = is_terminal.copy()
    absorbing[list(draw(_state_sets(S, 0, few)))] = True
    P[absorbing] = np.eye(S)[absorbing, None, :]  # P(s|s, a) = 1 for every a
    R = draw(scales) * draw(_arrays(np.float64, (S, A), _UNIT_REWARDS))
    R[is_terminal] = 0.0
    is_sparse = draw(storages)
    return FiniteMDP(
        P=sp.csr_array(P.reshape(S * A, S)) if is_sparse else P,
        R=R,
        gamma=draw(gammas),
        terminal=is_terminal,
        name=f"hyp(S={S},A={A},{'sparse' if is_sparse else 'dense'})",
    )
