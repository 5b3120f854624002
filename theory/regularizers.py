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

Every method works along the last axis and broadcasts over the others, like
:mod:`theory.softmax`; τ > 0 (the τ = 0 limit is the hard max for all of them, and is not
handled here). Every kernel shifts q by its max first, so nothing overflows at τ = 1e-12 or
|q| = 1e6.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp, rel_entr

from mdps.validation import as_float_array, check_int, check_simplex, check_tau
from theory.softmax import entropy, soft_indmax, soft_value

__all__ = ["KLToPrior", "Regularizer", "Shannon", "Tsallis"]


class Regularizer(ABC):
    """The interface: ``penalty``, ``value`` (the conjugate), ``greedy`` (its gradient), ``bounds``.

    Implementations are frozen dataclasses (hashable, comparable, printable).
    """

    @abstractmethod
    def penalty(self, pi, tau) -> np.ndarray:
        """τΩ(π) along the last axis.

        Args:
          pi: ``[..., K]`` distributions.
          tau: temperature τ > 0.
        Returns:
          ``[...]`` the penalties.
        Raises:
          TypeError, ValueError: ``pi`` not distributions, τ not a finite real > 0.
        """

    @abstractmethod
    def value(self, q, tau) -> np.ndarray:
        """The regularised value (τΩ)*(q) = max_{π∈Δ} ⟨π, q⟩ − τΩ(π) = τ Ω*(q/τ).

        Args:
          q: ``[..., K]`` finite values.
          tau: temperature τ > 0.
        Returns:
          ``[...]`` the values.
        Raises:
          TypeError, ValueError: ``q`` not finite reals, τ not a finite real > 0.
        """

    @abstractmethod
    def greedy(self, q, tau) -> np.ndarray:
        """The greedy policy ∇(τΩ)*(q) = ∇Ω*(q/τ), the unique maximiser of ⟨π, q⟩ − τΩ(π).

        Args:
          q: ``[..., K]`` finite values.
          tau: temperature τ > 0.
        Returns:
          ``[..., K]`` distributions.
        Raises:
          TypeError, ValueError: as :meth:`value`.
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
          TypeError, ValueError: K not an integer >= 1.
        """


def _q_tau(q, tau) -> tuple[np.ndarray, float]:
    """``q`` as a finite float64 array ``[..., K]`` and τ as a float > 0, validated."""
    return as_float_array(q, "q"), check_tau(tau, positive=True)


def _shifted(q: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """(m, z) with m = max q ``[..., 1]`` and z = (q − m)/τ <= 0 ``[..., K]``.

    The max shift keeps z <= 0, so no exponential overflows after dividing by a small τ; where
    (q − m)/τ is below −1.8e308 it is −inf (an exact 0 weight), so the overflow is harmless.
    """
    m = q.max(axis=-1, keepdims=True)
    with np.errstate(over="ignore"):
        z = (q - m) / tau
    return m, z


# --- Shannon ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shannon(Regularizer):
    """Negative Shannon entropy Ω(π) = Σ_a π_a log π_a (0 log 0 = 0): today's soft value.

    value = τ log Σ_a exp(q_a/τ) (:func:`theory.softmax.soft_value`), greedy = softmax(q/τ)
    (:func:`theory.softmax.soft_indmax`), bounds (−log K, 0): Ω = −H, and 0 <= H <= log K.
    Source: seed deck, "Background: the connection"; Geist et al. 2019 (the Shannon example).
    """

    def penalty(self, pi, tau) -> np.ndarray:
        """τ Σ_a π_a log π_a = −τ H(π) (see :class:`Regularizer`)."""
        return -check_tau(tau, positive=True) * entropy(pi)

    def value(self, q, tau) -> np.ndarray:
        """τ log Σ_a exp(q_a/τ), by :func:`theory.softmax.soft_value` (see :class:`Regularizer`)."""
        a, t = _q_tau(q, tau)
        return soft_value(a, t)

    def greedy(self, q, tau) -> np.ndarray:
        """softmax(q/τ), by :func:`theory.softmax.soft_indmax` (see :class:`Regularizer`)."""
        a, t = _q_tau(q, tau)
        return soft_indmax(a, t)

    def bounds(self, n_actions) -> tuple[float, float]:
        """(−log K, 0): at the uniform policy and at a vertex."""
        return -float(np.log(check_int(n_actions, "n_actions", low=1))), 0.0


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
    the squares in Ω* are at most 1 however small τ is.
    """

    def penalty(self, pi, tau) -> np.ndarray:
        """τ·½(‖π‖² − 1) (see :class:`Regularizer`)."""
        t = check_tau(tau, positive=True)
        p = check_simplex(pi, "pi")
        return t * 0.5 * (np.square(p).sum(axis=-1) - 1.0)

    def value(self, q, tau) -> np.ndarray:
        """max q + τ Ω*((q − max q)/τ), Ω* the closed form of the class docstring."""
        a, t = _q_tau(q, tau)
        m, z = _shifted(a, t)
        theta = _sparsemax_threshold(z)[0][..., None]
        inside = z > theta
        # Ω*(z) = ½ Σ_{a∈K}(z_a² − θ²) + ½; outside the support the terms are dropped (the inner
        # where keeps the −inf entries of z out of the square).
        half_sq = 0.5 * np.where(inside, np.square(np.where(inside, z, 0.0)) - np.square(theta), 0.0)
        return (m[..., 0] + t * (half_sq.sum(axis=-1) + 0.5))[()]

    def greedy(self, q, tau) -> np.ndarray:
        """sparsemax(q/τ) = [z − θ(z)]₊ with z = (q − max q)/τ (see the class docstring)."""
        a, t = _q_tau(q, tau)
        _, z = _shifted(a, t)
        theta, _ = _sparsemax_threshold(z)
        return np.maximum(z - theta[..., None], 0.0)

    def bounds(self, n_actions) -> tuple[float, float]:
        """((1/K − 1)/2, 0): at the uniform policy and at a vertex (class docstring)."""
        k = check_int(n_actions, "n_actions", low=1)
        return (1.0 / k - 1.0) / 2.0, 0.0


def _sparsemax_threshold(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(θ(z) ``[...]``, support size k(z) ``[...]``) of sparsemax by the sorted-support rule.

    The condition 1 + i·z_(i) > Σ_{j<=i} z_(j) holds exactly for a prefix i = 1..k (it holds at
    i = 1, and once it fails it keeps failing), so k is the number of i where it holds.
    ``z`` may hold −inf (after the max shift): their condition is −inf > −inf, False.
    """
    zs = -np.sort(-z, axis=-1)
    cs = np.cumsum(zs, axis=-1)
    i = np.arange(1, z.shape[-1] + 1)
    k = (1.0 + i * zs > cs).sum(axis=-1)
    k = np.maximum(k, 1)  # i = 1 always holds (1 + z_(1) > z_(1)); kept for round-off safety
    top_sum = np.take_along_axis(cs, (k - 1)[..., None], axis=-1)[..., 0]
    return (top_sum - 1.0) / k, k


# --- KL to a prior ---------------------------------------------------------------------------
@dataclass(frozen=True)
class KLToPrior(Regularizer):
    """Kullback–Leibler divergence to a fixed prior μ: Ω(π) = KL(π‖μ) = Σ_a π_a log(π_a/μ_a).

        value  = τ log Σ_a μ_a exp(q_a/τ),     greedy ∝ μ·exp(q/τ).

    With the uniform prior the value is mellowmax mm_ω(q) = (1/ω) log((1/K) Σ exp(ω q_a)) at
    ω = 1/τ (Asadi & Littman 2017), i.e. the Shannon value minus τ log K. Bounds
    (0, −log min μ), derived here: KL >= 0 with equality at π = μ; KL(·‖μ) is convex, so its
    maximum over the simplex is at a vertex, KL(e_a‖μ) = −log μ_a.
    Source: derived here (the conjugate by the Gibbs variational principle; followups notes
    §4.1, §7); Geist et al. 2019 state the uniform-prior case.

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
        t = check_tau(tau, positive=True)
        p = check_simplex(pi, "pi")
        return t * rel_entr(p, self._mu(p.shape[-1], "pi")).sum(axis=-1)

    def value(self, q, tau) -> np.ndarray:
        """max q + τ log Σ_a μ_a exp((q_a − max q)/τ), by scipy's weighted logsumexp."""
        a, t = _q_tau(q, tau)
        mu = self._mu(a.shape[-1], "q")
        m, z = _shifted(a, t)
        # z <= 0 with z = 0 at the argmax, so the weighted sum is in [min μ, 1]: its log is finite.
        return (m[..., 0] + t * logsumexp(z, axis=-1, b=mu))[()]

    def greedy(self, q, tau) -> np.ndarray:
        """μ·exp((q − max q)/τ), normalised (see :class:`Regularizer`)."""
        a, t = _q_tau(q, tau)
        mu = self._mu(a.shape[-1], "q")
        _, z = _shifted(a, t)
        w = mu * np.exp(z)  # the shift keeps exp(z) <= 1; the argmax term is μ_a > 0
        return w / w.sum(axis=-1, keepdims=True)

    def bounds(self, n_actions) -> tuple[float, float]:
        """(0, −log min μ) (class docstring); ``n_actions`` must be the prior's length."""
        k = check_int(n_actions, "n_actions", low=1)
        return 0.0, -float(np.log(self._mu(k, "n_actions").min()))
