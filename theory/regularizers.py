"""Regularisers of the policy on the simplex: the penalty τΩ, its conjugate and its gradient.

A regulariser Ω: Δ_K → ℝ (strongly convex) defines the regularised value and greedy policy

    (τΩ)*(q) = max_{π∈Δ} ⟨π, q⟩ − τΩ(π) = τ Ω*(q/τ),     ∇(τΩ)*(q) = ∇Ω*(q/τ) = argmax,

the two operators that replace log-sum-exp and softmax in the regularised Bellman operator.
Source: Geist, Scherrer, Pietquin 2019, "A Theory of Regularized MDPs" (arXiv 1901.11275), whose
abstract states the programme; the facts used here (conjugate = regularised max, its gradient
the maximiser, the bounds, the temperature scaling) are derived here and checked numerically by
claims R1 and R4 (:mod:`checks.regularizers`).

Three ship: :class:`Shannon` (Ω = Σ π log π: the soft value and softmax of
:mod:`theory.softmax`, to which it delegates), :class:`Tsallis` (Ω = ½(‖π‖² − 1): sparsemax)
and :class:`KLToPrior` (Ω = KL(π‖prior): mellowmax when the prior is uniform).

Every public method works along the last axis and broadcasts over the others, like
:mod:`theory.softmax`; the solvers call the first-axis kernels, on the layout of
:func:`theory.softmax.soft_value_first_axis`. τ >= 0, τ = 0 being the hard max for all of them.
Every kernel shifts q by its max first, so nothing overflows at τ = 1e-12 or |q| = 1e6.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from scipy.special import rel_entr

from mdps.validation import as_float_array, check_int, check_simplex, check_tau
from theory.roundoff import UNIT_ROUNDOFF
from theory.softmax import entropy, soft_indmax, soft_value_first_axis

__all__ = ["SHANNON", "KLToPrior", "Regularizer", "Shannon", "Tsallis"]


class Regularizer(ABC):
    """The interface: ``penalty``, ``value`` (the conjugate), ``greedy`` (its gradient), ``bounds``,
    and the kernels the solvers call on their hot path.

    Implementations are frozen dataclasses (hashable, comparable, printable). They implement
    :meth:`penalty`, :meth:`bounds`, the two first-axis kernels and :meth:`value_roundoff`; the
    validated :meth:`value` and :meth:`greedy` along the last axis are the kernels behind one
    validation, shared by all.

    τ = 0 is the limit for every regulariser: the value is max q and the greedy policy is
    uniform over the argmax set (the τ → 0 limit of Shannon and Tsallis; for KL to a prior the
    limit weighs the argmax set by the prior, and any split of it is optimal at τ = 0).
    """

    @abstractmethod
    def penalty(self, pi, tau) -> np.ndarray:
        """τΩ(π) along the last axis.

        Args:
          pi: ``[..., K]`` distributions.
          tau: temperature τ >= 0.
        Returns:
          ``[...]`` the penalties.
        Raises:
          TypeError, ValueError: ``pi`` not distributions, τ not a finite real >= 0.
        """

    @abstractmethod
    def bounds(self, n_actions) -> tuple[float, float]:
        """(L, U) = (min, max) of Ω over the simplex of ``n_actions`` actions.

        Then max q − τU <= (τΩ)*(q) <= max q − τL.

        Args:
          n_actions: K >= 1.
        Returns:
          ``(L, U)`` floats, L <= U.
        Raises:
          TypeError, ValueError: K not an integer >= 1 (or not the prior's length).
        """

    @abstractmethod
    def value_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """The regularised value over the *first* axis: ``[K, ...]`` -> ``[...]``.

        The solvers' kernel (the layout of :func:`theory.softmax.soft_value_first_axis`): τ
        validated, ``x`` not (a NaN or inf in it raises or propagates; callers validate).
        """

    @abstractmethod
    def greedy_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """The greedy policy over the *first* axis: ``[K, ...]`` -> ``[K, ...]`` (see above)."""

    @abstractmethod
    def value_roundoff(self, n_actions: int, tau: float, q_norm: float) -> float:
        """Bound on |fl(value) − value| of :meth:`value_first_axis` in float64 for K =
        ``n_actions`` entries with |q| <= ``q_norm``: the regulariser's term of the solvers'
        round-off model (``theory.solvers``), derived in each class docstring.
        """

    def value(self, q, tau) -> np.ndarray:
        """The regularised value (τΩ)*(q) = max_{π∈Δ} ⟨π, q⟩ − τΩ(π) = τ Ω*(q/τ).

        Source: Geist, Scherrer, Pietquin 2019 (the regularised max; module docstring).

        Args:
          q: ``[..., K]`` finite values.
          tau: temperature τ >= 0.
        Returns:
          ``[...]`` the values.
        Raises:
          TypeError, ValueError: ``q`` not finite reals, τ not a finite real >= 0, K not the
            regulariser's (KL to a prior).
        """
        a, t = _q_tau(q, tau)
        self.bounds(a.shape[-1])  # validates K against the regulariser
        return self.value_first_axis(np.moveaxis(a, -1, 0), t)[()]

    def greedy(self, q, tau) -> np.ndarray:
        """The greedy policy ∇(τΩ)*(q) = ∇Ω*(q/τ), the unique maximiser of ⟨π, q⟩ − τΩ(π).

        Args:
          q: ``[..., K]`` finite values.
          tau: temperature τ >= 0 (0: uniform over the argmax set).
        Returns:
          ``[..., K]`` distributions.
        Raises:
          TypeError, ValueError: as :meth:`value`.
        """
        a, t = _q_tau(q, tau)
        self.bounds(a.shape[-1])
        return np.moveaxis(self.greedy_first_axis(np.moveaxis(a, -1, 0), t), 0, -1)


def _q_tau(q, tau) -> tuple[np.ndarray, float]:
    """``q`` as a finite float64 array ``[..., K]`` and τ as a float >= 0, validated."""
    return as_float_array(q, "q"), check_tau(tau)


def _shifted(x: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """(m, z) with m = max x over the first axis ``[1, ...]`` and z = (x − m)/τ <= 0 ``[K, ...]``.

    The max shift keeps z <= 0, so no exponential overflows after dividing by a small τ; where
    (x − m)/τ is below −1.8e308 it is −inf (an exact 0 weight), so the overflow is harmless.
    At τ = 0, z is 0 on the argmax set and −inf elsewhere (the limit).
    """
    m = x.max(axis=0, keepdims=True)
    if tau == 0.0:
        return m, np.where(x == m, 0.0, -np.inf)
    with np.errstate(over="ignore"):
        z = (x - m) / tau
    return m, z


# --- Shannon ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shannon(Regularizer):
    """Negative Shannon entropy Ω(π) = Σ_a π_a log π_a (0 log 0 = 0): today's soft value.

    value = τ log Σ_a exp(q_a/τ) (:func:`theory.softmax.soft_value_first_axis`), greedy =
    softmax(q/τ) (:func:`theory.softmax.soft_indmax`), bounds (−log K, 0): Ω = −H, and
    0 <= H <= log K. Source: seed deck, "Background: the connection"; Geist et al. 2019 (the
    Shannon example).

    Round-off of the max-shifted log-sum-exp over K entries (u = 2⁻⁵³): the differences q − m and
    the division by τ round (their effect through exp is <= u|z|e^z <= u/e per term), exp and
    log are within 4 ulp, the sum of K terms in [0, 1] errs by (K − 1)u relative to a sum >= 1;
    in all at most τ(2K + 7 + 6 log K)u, plus u(‖q‖ + τ log K) for the final τ·L + m.
    """

    def penalty(self, pi, tau) -> np.ndarray:
        """τ Σ_a π_a log π_a = −τ H(π) (see :class:`Regularizer`)."""
        return -check_tau(tau) * entropy(pi)

    def bounds(self, n_actions) -> tuple[float, float]:
        """(−log K, 0): at the uniform policy and at a vertex."""
        return -float(np.log(check_int(n_actions, "n_actions", low=1))), 0.0

    def value_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """τ log Σ_k exp(x_k/τ): :func:`theory.softmax.soft_value_first_axis` itself."""
        return soft_value_first_axis(x, tau)

    def greedy_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """softmax(x/τ) over the first axis: :func:`theory.softmax.soft_indmax`."""
        return soft_indmax(x, tau, axis=0)

    def value_roundoff(self, n_actions: int, tau: float, q_norm: float) -> float:
        """u(τ(2K + 7 + 7 log K) + ‖q‖) (class docstring)."""
        return UNIT_ROUNDOFF * (tau * (2 * n_actions + 7 + 7 * np.log(n_actions)) + q_norm)


#: The default regulariser of every solver, operator and check: Shannon entropy.
SHANNON = Shannon()


# --- Tsallis ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tsallis(Regularizer):
    """Tsallis (q = 2) negentropy Ω(π) = ½(‖π‖² − 1): the greedy policy is sparsemax.

    With z = q/τ sorted decreasingly, z_(1) >= … >= z_(K), the support size is
    k(z) = max{i : 1 + i·z_(i) > Σ_{j<=i} z_(j)}, the threshold θ(z) = (Σ_{j<=k} z_(j) − 1)/k,
    and

        greedy = sparsemax(z)_a = [z_a − θ(z)]₊,
        value  = τ Ω*(z),  Ω*(z) = ½ Σ_{a∈support} (z_a² − θ(z)²) + ½.

    Bounds ((1/K − 1)/2, 0), derived here: Σπ = 1 gives 1 = (Σπ)² <= K‖π‖² (Cauchy–Schwarz,
    equality at the uniform policy) and ‖π‖² <= max π · Σπ <= 1 (equality at a vertex).
    Source: the closed form is derived here (followups notes §4.4: it matches the ``spmax`` of
    Painter's TENTS code); Geist et al. 2019 name sparsemax as the Tsallis greedy policy.

    Numerics: both are invariant under q → q + c·1 up to the + c of the value, so the kernel
    works on z = (q − max q)/τ <= 0; the support then holds only entries with z > θ >= −1, so
    the squares in Ω* are at most 1 however small τ is. θ is the largest (Σ_{j<=i} z_(j) − 1)/i
    over the prefixes (:func:`_sparsemax_threshold`), which needs no sort for small K, and
    Ω* = ½ Σ_a (max(z_a, θ)² − θ²) + ½ needs no support mask.

    Round-off, derived here (u = 2⁻⁵³, k <= K the support size): on the support |z| <= 1 and
    |θ| <= 1, z carries 2u; a prefix sum of k such terms (in any order) errs by <= (k² + 2k)u,
    and θ, the largest candidate, by no more than the candidates, <= (k + 5)u; each z² − θ²
    by <= (2k + 17)u, their sum by <= (3k² + 17k)u, Ω* by
    <= (1.5k² + 8.5k + 1)u. A support decision flipped by rounding concerns an entry with
    z within that error of θ, whose term is of the same order (Ω* is continuous), so it at
    most doubles this. With the final τ·Ω* + m: u(τ(4K² + 18K + 4) + ‖q‖), tested against
    mpmath in ``tests/test_regularizers.py``.
    """

    def penalty(self, pi, tau) -> np.ndarray:
        """τ·½(‖π‖² − 1) (see :class:`Regularizer`)."""
        t = check_tau(tau)
        p = check_simplex(pi, "pi")
        return t * 0.5 * (np.square(p).sum(axis=-1) - 1.0)

    def bounds(self, n_actions) -> tuple[float, float]:
        """((1/K − 1)/2, 0): at the uniform policy and at a vertex (class docstring)."""
        k = check_int(n_actions, "n_actions", low=1)
        return (1.0 / k - 1.0) / 2.0, 0.0

    def value_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """max x + τ Ω*((x − max x)/τ), Ω* the closed form of the class docstring."""
        t = check_tau(tau)
        m, z = _shifted(x, t)
        theta = _sparsemax_threshold(z)[None]
        # Ω*(z) = ½ Σ_{a∈support}(z_a² − θ²) + ½ = ½ Σ_a (max(z_a, θ)² − θ²) + ½: the terms
        # outside the support (−inf entries included) are exactly 0.
        squares = np.square(np.maximum(z, theta))
        squares -= np.square(theta)
        return m[0] + t * (0.5 * squares.sum(axis=0) + 0.5)

    def greedy_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """sparsemax(x/τ) = [z − θ(z)]₊ with z = (x − max x)/τ (see the class docstring)."""
        _, z = _shifted(x, check_tau(tau))
        theta = _sparsemax_threshold(z)
        return np.maximum(z - theta[None], 0.0)

    def value_roundoff(self, n_actions: int, tau: float, q_norm: float) -> float:
        """u(τ(4K² + 18K + 4) + ‖q‖) (class docstring)."""
        k = n_actions
        return UNIT_ROUNDOFF * (tau * (4 * k * k + 18 * k + 4) + q_norm)


#: Up to this many actions the sparsemax threshold is found from all pairs (K² comparisons,
#: contiguous along the states) rather than by sorting each state's K values (a strided sort):
#: at K = 4 and 10⁵ states the pairs take 3 ms against the sort's 10 ms.
PAIRWISE_MAX_ACTIONS = 16


def _sparsemax_threshold(z: np.ndarray) -> np.ndarray:
    """θ(z) ``[...]`` of sparsemax over the first axis of ``z`` ``[K, ...]``.

    θ = max over the prefixes P of z's decreasing order of (Σ_{a∈P} z_a − 1)/|P| (derived
    here: f(i) = (Σ_{j<=i} z_(j) − 1)/i rises while 1 + i·z_(i) > Σ_{j<=i} z_(j), the
    sorted-support condition, which holds exactly on a prefix i = 1..k, and falls after it; so
    its maximum is f(k) = θ). Up to :data:`PAIRWISE_MAX_ACTIONS` actions the prefixes are the
    sets {b : z_b >= z_a}, one per a, found from all pairs (a tie group gives its whole group,
    and f is monotone inside a tie group, so the maximum is among them); above, by sorting.
    ``z`` may hold −inf (after the max shift): their prefix sums are −inf, never the maximum.
    """
    if z.shape[0] <= PAIRWISE_MAX_ACTIONS:
        # Entries below −2 (−inf included) count as −2: θ >= f(1) = −1, so they are outside the
        # support, and as −2 they still never meet the support condition (1 − 2i > Σ_{j<=i} z_(j)
        # >= −2(i − 1) is false), so θ is unchanged; the products below stay finite.
        zc = np.maximum(z, -2.0)
        inside = zc[None] >= zc[:, None]  # [a, b, ...]: b in the prefix of a
        sizes = inside.sum(axis=1)
        sums = np.einsum("ab...,b...->a...", inside, zc)
    else:
        zs = -np.sort(-z, axis=0)
        sums = np.cumsum(zs, axis=0)
        sizes = np.arange(1, z.shape[0] + 1).reshape((-1,) + (1,) * (z.ndim - 1))
    return ((sums - 1.0) / sizes).max(axis=0)


# --- KL to a prior ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KLToPrior(Regularizer):
    """Kullback–Leibler divergence to a fixed prior μ: Ω(π) = KL(π‖μ) = Σ_a π_a log(π_a/μ_a).

        value  = τ log Σ_a μ_a exp(q_a/τ) = F_τ(q + τ log μ),     greedy ∝ μ·exp(q/τ) = f_τ(q + τ log μ).

    With the uniform prior the value is mellowmax mm_ω(q) = (1/ω) log((1/K) Σ exp(ω q_a)) at
    ω = 1/τ (Asadi & Littman 2017), i.e. the Shannon value minus τ log K. Bounds
    (0, −log min μ), derived here: KL >= 0 with equality at π = μ; KL(·‖μ) is convex, so its
    maximum over the simplex is at a vertex, KL(e_a‖μ) = −log μ_a.
    Source: derived here (the conjugate by the Gibbs variational principle; followups notes
    §4.1, §7); Geist et al. 2019 state the uniform-prior case.

    The kernels are the Shannon ones applied to q' = q + τ log μ (one log-sum-exp in the
    toolkit). Round-off: forming q' rounds once (u‖q'‖), and ‖q'‖ <= ‖q‖ + τ|log min μ|, so
    the Shannon bound gives u(τ(2K + 7 + 7 log K + 2|log min μ|) + 2‖q‖).

    Attributes:
      prior: μ, a distribution with positive entries, ``[K]``, stored as a tuple of floats
        (the dataclass stays hashable); K must match the last axis of q and π.
    Raises:
      TypeError, ValueError: ``prior`` not a one-axis distribution with positive entries.
    """

    prior: tuple[float, ...]

    def __post_init__(self) -> None:
        mu = check_simplex(self.prior, "prior", ndim=1)
        if not (mu > 0).all():
            j = int(np.argmin(mu))
            raise ValueError(
                f"prior must have positive entries (KL to it is +inf off its support); prior[{j}] = {mu[j]}"
            )
        object.__setattr__(self, "prior", tuple(float(x) for x in mu))

    def _mu(self, k: int, name: str) -> np.ndarray:
        """The prior as ``[K]`` float64, or ValueError when K differs from the prior's length."""
        if k != len(self.prior):
            raise ValueError(
                f"{name} has {k} actions along its last axis but the prior has {len(self.prior)}"
            )
        return np.asarray(self.prior)

    def penalty(self, pi, tau) -> np.ndarray:
        """τ KL(π‖μ) (see :class:`Regularizer`)."""
        t = check_tau(tau)
        p = check_simplex(pi, "pi")
        return t * rel_entr(p, self._mu(p.shape[-1], "pi")).sum(axis=-1)

    def bounds(self, n_actions) -> tuple[float, float]:
        """(0, −log min μ) (class docstring); ``n_actions`` must be the prior's length."""
        k = check_int(n_actions, "n_actions", low=1)
        return 0.0, -float(np.log(self._mu(k, "n_actions").min()))

    def _tilted(self, x: np.ndarray, tau: float) -> np.ndarray:
        """q' = x + τ log μ over the first axis of ``x`` ``[K, ...]``."""
        log_mu = np.log(self._mu(x.shape[0], "q")).reshape((-1,) + (1,) * (x.ndim - 1))
        return x + check_tau(tau) * log_mu

    def value_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """F_τ(x + τ log μ) (class docstring)."""
        return soft_value_first_axis(self._tilted(x, tau), tau)

    def greedy_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """f_τ(x + τ log μ) ∝ μ·exp(x/τ) (class docstring)."""
        return soft_indmax(self._tilted(x, tau), tau, axis=0)

    def value_roundoff(self, n_actions: int, tau: float, q_norm: float) -> float:
        """u(τ(2K + 7 + 7 log K + 2|log min μ|) + 2‖q‖) (class docstring)."""
        log_min = -np.log(min(self.prior))
        return UNIT_ROUNDOFF * (tau * (2 * n_actions + 7 + 7 * np.log(n_actions) + 2 * log_min) + 2 * q_norm)
