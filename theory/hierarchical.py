"""Latent-space policies: a higher layer acting through a fixed invertible lower layer.

Source: seed deck, "Other Algorithm I" (③ hierarchical max-ent RL); Haarnoja, Hartikainen,
Abbeel & Levine 2018, "Latent Space Policies for Hierarchical Reinforcement Learning" (arXiv
1804.02808). What is confirmed of it (followups-notes §1.3–1.4, from the authors' code): the
lower layer samples h ~ p and acts a = f(h; s) with f a bijection; the higher layer's action is
the lower layer's latent h, and each higher-layer step is regularised by KL(π_high(·|s) ‖ p).
The paper states no theorem; the facts below are derived here (followups-notes §1.5) and
checked by claim H5 (:mod:`checks.hierarchy`):

- KL is invariant under a bijection: with π_a the push-forward of π_h and π_low that of p,
  KL(π_h ‖ p) = KL(π_a ‖ π_low). So the latent problem *is* KL-regularised RL in action space
  with prior π_low, whose optimum is π ∝ π_low·exp(Q/τ).
- Plain entropy is not invariant: H(π_a) = H(π_h) + E_{π_h}[log|det ∂f/∂h|].

Tabular: a per-state permutation σ_s of the actions is a bijection (|det| = 1):
:func:`latent_mdp`, :func:`push_forward`, and :func:`kl_regularised_mdp` (KL-regularised RL as
Shannon-regularised RL with a shifted reward). One dimension: :func:`gibbs_density_1d` (the
maximiser of E_π[g] − τKL(π ‖ ν) by quadrature), :func:`pushforward_log_density`,
:func:`pushforward_entropy_1d`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import integrate, optimize

from mdps.finite import FiniteMDP, check_mdp
from mdps.validation import (
    as_float_array,
    check_broadcast,
    check_callable,
    check_permutations,
    check_policy,
    check_simplex,
    check_tau,
)

__all__ = [
    "GibbsDensity1D",
    "gibbs_density_1d",
    "kl_regularised_mdp",
    "latent_mdp",
    "push_forward",
    "pushforward_entropy_1d",
    "pushforward_log_density",
]


# ---------------------------------------------------------------------------------------------
# Tabular: per-state permutations
# ---------------------------------------------------------------------------------------------
def latent_mdp(mdp: FiniteMDP, permutation) -> FiniteMDP:
    """The MDP the higher layer sees through a lower layer that plays a = σ_s(h) in state s.

    r_h(s, h) = r(s, σ_s(h)),  P_h(s' | s, h) = P(s' | s, σ_s(h)).
    Derived here (followups-notes §1.5, item 4): the tabular analogue of acting through the
    lower layer's bijection f(·; s) (Haarnoja et al. 2018, §1.4 of the notes).

    Args:
      mdp: the action-space MDP (dense or sparse P, any horizon, terminal states kept).
      permutation: ``[S, A]`` integers, row s the permutation σ_s (latent h -> action σ_s(h)).
    Returns:
      FiniteMDP with the same states, γ, horizon and terminal states, named ``"<name>/latent"``.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; ``permutation`` not integers.
      ValueError: ``permutation`` not ``[S, A]`` or a row not a permutation of 0..A-1.
    """
    S, A = check_mdp(mdp).n_states, mdp.n_actions
    sigma = check_permutations(permutation, "permutation", (S, A))
    rows = (np.arange(S)[:, None] * A + sigma).ravel()  # row s*A + σ_s(h) of P feeds (s, h)
    P = mdp.P[rows] if mdp.is_sparse else mdp.P[np.arange(S)[:, None], sigma]
    return FiniteMDP(
        sp.csr_array(P) if mdp.is_sparse else P,
        np.take_along_axis(mdp.R, sigma, axis=1),
        mdp.gamma,
        horizon=mdp.horizon,
        terminal=mdp.terminal,
        name=f"{mdp.name}/latent",
    )


def push_forward(pi_h, permutation) -> np.ndarray:
    """The action distribution of a latent policy: π_a(σ_s(h) | s) = π_h(h | s).

    Derived here: the push-forward of π_h(·|s) through the bijection σ_s (followups-notes §1.5).

    Args:
      pi_h: ``[S, A]`` latent policy, rows on the simplex.
      permutation: ``[S, A]`` integers, row s the permutation σ_s.
    Returns:
      ``[S, A]`` action-space policy.
    Raises:
      TypeError: an argument not numbers (``permutation`` not integers).
      ValueError: ``pi_h`` not a policy, ``permutation`` not of its shape or not permutations.
    """
    pi_h = check_simplex(pi_h, "pi_h", ndim=2)
    sigma = check_permutations(permutation, "permutation", pi_h.shape)
    out = np.empty_like(pi_h)
    np.put_along_axis(out, sigma, pi_h, axis=1)
    return out


def kl_regularised_mdp(mdp: FiniteMDP, prior, tau) -> FiniteMDP:
    """KL-regularised RL as Shannon-regularised RL: the reward r(s, a) + τ log μ(a|s).

    For every policy, r_π − τKL(π(·|s) ‖ μ(·|s)) = Σ_a π(a|s)(r(s, a) + τ log μ(a|s)) + τH(π(·|s)),
    because KL(π ‖ μ) = −H(π) − Σ_a π_a log μ_a. So the soft values (theory.bellman, the
    solvers) of the returned MDP are the KL-regularised values, and its soft-optimal policy
    f_τ(Q') with Q' = Q + τ log μ is π ∝ μ·exp(Q/τ), Q = r + γPV (the followups-notes §1.5,
    item 1). Derived here. Terminal states keep reward 0 (no decision, no penalty there).

    Args:
      mdp: the MDP.
      prior: ``[S, A]`` prior μ, rows on the simplex with positive entries (KL is +inf off its
        support).
      tau: temperature τ >= 0.
    Returns:
      FiniteMDP with reward r + τ log μ (0 on terminal states), named ``"<name>/KL"``.
    Raises:
      TypeError, ValueError: ``mdp`` not a FiniteMDP; ``prior`` not an ``[S, A]`` policy or with
        a zero entry; τ not a finite real >= 0.
    """
    check_mdp(mdp)
    mu = check_policy(prior, mdp.R.shape, "prior")
    t = check_tau(tau)
    if not (mu > 0).all():
        s, a = (int(i) for i in np.argwhere(mu <= 0)[0])
        raise ValueError(
            f"prior must have positive entries (KL is +inf off its support); prior[{s}, {a}] = 0"
        )
    reward = np.where(mdp.terminal[:, None], 0.0, mdp.R + t * np.log(mu))
    return FiniteMDP(
        mdp.P, reward, mdp.gamma, horizon=mdp.horizon, terminal=mdp.terminal, name=f"{mdp.name}/KL"
    )


# ---------------------------------------------------------------------------------------------
# One dimension: quadrature
# ---------------------------------------------------------------------------------------------
#: Grid points on which the peak of a log-density is looked for before it is refined.
_GRID = 2049
#: Breakpoints handed to quad at these multiples of the peak's width on either side of it, so
#: that a narrow peak (small τ) is resolved wherever it sits in a wide interval.
_WIDTHS = (1.0, 4.0, 16.0, 64.0)


def _check_bounds(bounds) -> tuple[float, float]:
    lo_hi = as_float_array(bounds, "bounds", shape=(2,))
    lo, hi = float(lo_hi[0]), float(lo_hi[1])
    if not lo < hi:
        raise ValueError(f"bounds must be (lo, hi) with lo < hi, got {tuple(lo_hi)}")
    return lo, hi


def _peak(ell: Callable, lo: float, hi: float, what: str) -> tuple[float, float, list[float]]:
    """(max ℓ, its argmax, quad breakpoints) of a log-density ℓ on [lo, hi].

    The argmax of ℓ on a grid is refined by a bounded scalar search between its neighbours; the
    width is where ℓ has dropped by 1 on each side (root-finding; the interval's end if it
    never does), and the breakpoints sit at multiples of it (``_WIDTHS``). ``what`` names ℓ
    in terms of the caller's arguments, for the error when ℓ is nowhere finite.
    """
    grid = np.linspace(lo, hi, _GRID)
    values = np.asarray(ell(grid), dtype=np.float64)
    if not np.isfinite(values).any():
        raise ValueError(f"{what} is not finite anywhere on the bounds ({lo:g}, {hi:g})")
    i = int(np.nanargmax(np.where(np.isfinite(values), values, -np.inf)))
    left, right = grid[max(i - 1, 0)], grid[min(i + 1, _GRID - 1)]
    found = optimize.minimize_scalar(
        lambda h: -float(ell(h)),
        bounds=(left, right),
        method="bounded",
        options={"xatol": 1e-14 * (1 + abs(grid[i]))},
    )
    mode, top = (found.x, -found.fun) if -found.fun > values[i] else (grid[i], values[i])
    points = [mode]
    for end in (lo, hi):
        if ell(end) > top - 1:
            width = abs(end - mode)
        else:
            width = abs(optimize.brentq(lambda h: ell(h) - (top - 1), mode, end) - mode)
        direction = np.sign(end - mode)
        points += [mode + direction * k * width for k in _WIDTHS if abs(k * width) < abs(end - mode)]
    return float(top), float(mode), sorted(p for p in points if lo < p < hi)


def _integrate(
    ell: Callable, weight: Callable, lo: float, hi: float, what: str
) -> tuple[float, float, float]:
    """(I, abserr, m) with ∫_lo^hi exp(ℓ(h)) w(h) dh = e^m·I, by scipy.integrate.quad.

    The shift by m = max ℓ keeps exp from overflowing (g/τ of a reward 1e6 at τ = 1e-12); the
    breakpoints of :func:`_peak` let quad find the peak however narrow it is.
    """
    top, _, points = _peak(ell, lo, hi, what)
    value, err = integrate.quad(
        lambda h: np.exp(ell(h) - top) * weight(h),
        lo,
        hi,
        points=points,
        epsabs=1e-14,
        epsrel=1e-13,
        limit=500,
    )
    return float(value), float(err), top


@dataclass(frozen=True)
class GibbsDensity1D:
    """The maximiser π ∝ ν·exp(g/τ) of E_π[g] − τKL(π ‖ ν) over densities on [lo, hi].

    Attributes:
      log_base: log ν(h), a callable on floats and ``[N]`` arrays (0 for Lebesgue measure).
      reward: g(h), likewise.
      tau: temperature τ > 0.
      bounds: (lo, hi), the interval.
      log_normaliser: log Z = log ∫ ν e^{g/τ} dh.
      log_normaliser_error: quad's error on it, abserr_Z/Z.
    """

    log_base: Callable
    reward: Callable
    tau: float
    bounds: tuple[float, float]
    log_normaliser: float
    log_normaliser_error: float

    @property
    def value(self) -> float:
        """The maximum τ log Z = max_π E_π[g] − τKL(π ‖ ν)."""
        return self.tau * self.log_normaliser

    def log_density(self, h) -> np.ndarray:
        """log π(h) = log ν(h) + g(h)/τ − log Z, for ``[N]`` points h (or a float)."""
        return self.log_base(h) + self.reward(h) / self.tau - self.log_normaliser


def gibbs_density_1d(log_base, reward, tau, *, bounds) -> GibbsDensity1D:
    """The Boltzmann density relative to ν, π ∝ ν·exp(g/τ), and its value τ log ∫ ν e^{g/τ}.

    The Gibbs variational principle, max_π E_π[g] − τKL(π ‖ ν) = τ log ∫ ν e^{g/τ}, attained at
    π ∝ ν e^{g/τ}: the continuous form of the seed deck's duality ("Background: the
    connection", claim A3) with a reference measure; derived here. With ν = Lebesgue it is the
    max-entropy optimum (H(π) = −KL(π ‖ Lebesgue)); with ν = the latent prior p it is the
    latent-space layer of Haarnoja et al. 2018 (followups-notes §1.4).

    Args:
      log_base: log ν, a callable on floats and ``[N]`` arrays.
      reward: g, a callable on floats and ``[N]`` arrays.
      tau: temperature τ > 0.
      bounds: (lo, hi), finite, holding all but a negligible part of the mass.
    Returns:
      GibbsDensity1D.
    Raises:
      TypeError: ``log_base``, ``reward`` not callable; τ, ``bounds`` not real numbers.
      ValueError: τ <= 0; ``bounds`` not (lo, hi) with lo < hi, finite; log ν + g/τ not
        finite anywhere on them.
    """
    check_callable(log_base, "log_base")
    check_callable(reward, "reward")
    t = check_tau(tau, positive=True)
    lo, hi = _check_bounds(bounds)

    def ell(h):
        return log_base(h) + reward(h) / t

    z, err, top = _integrate(ell, lambda h: 1.0, lo, hi, "log_base + reward/tau")
    return GibbsDensity1D(log_base, reward, t, (lo, hi), top + float(np.log(z)), err / z)


def pushforward_log_density(log_density, log_det) -> np.ndarray:
    """Change of variables: log π_a(f(h)) = log π_h(h) − log|det ∂f/∂h|, ``[...]`` broadcast.

    Source: the lower layer's log-likelihood in the authors' code (followups-notes §1.3,
    [CONFIRMED]: log π(a|s) = log p(h) − log|det ∂f/∂h|, before the tanh squashing).

    Args:
      log_density: ``[...]`` log π_h at points h.
      log_det: ``[...]`` log|det ∂f/∂h| at the same points.
    Returns:
      ``[...]`` log π_a at the points f(h).
    Raises:
      TypeError, ValueError: an argument not finite real numbers (``log_density`` may be −inf),
        or the two not broadcastable.
    """
    a = as_float_array(log_density, "log_density", min_ndim=0, allow_neg_inf=True)
    b = as_float_array(log_det, "log_det", min_ndim=0)
    check_broadcast({"log_density": a, "log_det": b})
    return a - b


def pushforward_entropy_1d(log_density, log_det, *, bounds) -> tuple[float, float]:
    """H(π_a) of the push-forward of π_h through f: H(π_h) + E_{π_h}[log|f'(h)|].

    = −∫ π_h(h)(log π_h(h) − log|f'(h)|) dh, one quadrature in h (no inverse of f needed).
    Derived here (followups-notes §1.5, item 3) from :func:`pushforward_log_density`:
    −E_{π_a}[log π_a(a)] = −E_{π_h}[log π_h(h) − log|f'(h)|].

    Args:
      log_density: log π_h, a normalised log-density, callable on floats and ``[N]`` arrays.
      log_det: log|f'|, likewise.
      bounds: (lo, hi), finite, holding all but a negligible part of π_h's mass.
    Returns:
      (entropy in nats, quad's absolute error on it).
    Raises:
      TypeError: an argument not callable, ``bounds`` not real numbers.
      ValueError: ``bounds`` not (lo, hi) with lo < hi, finite; ``log_density`` not finite
        anywhere on them.
    """
    check_callable(log_density, "log_density")
    check_callable(log_det, "log_det")
    lo, hi = _check_bounds(bounds)
    value, err, top = _integrate(log_density, lambda h: log_det(h) - log_density(h), lo, hi, "log_density")
    scale = float(np.exp(top))
    return value * scale, err * scale
