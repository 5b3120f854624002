"""Soft Q-learning at verification scale: importance-sampled soft values, sampled tabular soft
Q-learning, and Stein variational gradient descent (SVGD), plain and amortised.

Source: seed deck, slides "Algorithm: Soft Q-learning" (Algorithm 1 and the update steps);
Haarnoja, Tang, Abbeel, Levine 2017, "Reinforcement Learning with Deep Energy-Based Policies",
eq. (10) (importance-sampled soft value) and eqs. (12)–(14), App. C.1 (amortised SVGD).

Kernel bandwidth. The paper (App. D.1) writes κ(a, a') = exp(−‖a − a'‖²/h) with
h = d/(2 log(M + 1)), d the median pairwise *distance*; its code (softqlearning/misc/kernel.py)
uses h = median(‖a_i − a_j‖²)/log M. We use the code's variant, which is Liu & Wang's (2016)
median heuristic: it has the units of ‖a − a'‖², so the kernel is invariant to rescaling the
action space, whereas the paper's h (a length, not a squared length) is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from mdps.finite import FiniteMDP
from mdps.validation import (
    as_float_array,
    check_callable,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_tau,
)
from theory.softmax import soft_value

__all__ = [
    "BANDWIDTH_FLOOR",
    "MLPSampler",
    "SoftQLearningResult",
    "amortised_svgd",
    "importance_sampled_soft_value",
    "median_bandwidth",
    "rbf_kernel",
    "soft_q_learning",
    "svgd",
    "svgd_direction",
]

#: Smallest bandwidth h: when particles coincide the median distance is 0, and h = 0 would
#: divide by zero in κ; the reference code clamps at the same 1e-3 (softqlearning/misc/kernel.py).
BANDWIDTH_FLOOR = 1e-3


# ---------------------------------------------------------------------------------------------
# Importance-sampled soft value (E1)
# ---------------------------------------------------------------------------------------------
def importance_sampled_soft_value(q_samples, log_proposal, tau, axis: int = -1) -> np.ndarray:
    """Importance-sampled soft value V̂ = τ log (1/M) Σ_j exp(Q(a_j)/τ)/q(a_j), a_j ~ q.

    Source: seed deck, "Algorithm: Soft Q-learning" (empirical soft value); Haarnoja et al.
    2017, eq. (10). exp(V̂/τ) is an unbiased estimate of Σ_a exp(Q(a)/τ) (discrete actions) or
    ∫ exp(Q(a)/τ) da (continuous actions, q a density) for any proposal q with full support;
    V̂ itself is biased low (Jensen). Computed as τ(logsumexp(Q/τ − log q) − log M), shifted by
    the max, so exp never overflows.

    Args:
      q_samples: ``[..., M]`` values Q(a_j) at the sampled actions (``axis`` is the sample axis).
      log_proposal: ``[..., M]`` log q(a_j) (log probability or log density), broadcastable.
      tau: temperature τ > 0.
      axis: the sample axis.
    Returns:
      ``[...]`` the estimate V̂.
    Raises:
      TypeError: non-numeric arguments, a non-integer ``axis``.
      ValueError: τ <= 0 or non-finite; ``q_samples`` or ``log_proposal`` non-finite (a proposal
        of density 0 at a sample cannot have drawn it) or not broadcasting against each other;
        ``axis`` out of range.
    """
    t = check_tau(tau, positive=True)
    q = as_float_array(q_samples, "q_samples")
    lp = as_float_array(log_proposal, "log_proposal", min_ndim=0)
    try:
        shape = np.broadcast_shapes(q.shape, lp.shape)
    except ValueError:
        raise ValueError(
            f"log_proposal of shape {lp.shape} does not broadcast against q_samples of shape {q.shape}"
        ) from None
    check_int(axis, "axis", low=-len(shape), high=len(shape) - 1)
    log_w = q / t - lp
    m = log_w.shape[axis]
    return t * (logsumexp(log_w, axis=axis) - np.log(m))


# ---------------------------------------------------------------------------------------------
# Tabular soft Q-learning from sampled transitions (E2)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SoftQLearningResult:
    """What :func:`soft_q_learning` returns.

    Attributes:
      q: ``[R, S, A]`` the final Q table of each of the R independent runs.
      checkpoints: ``[C]`` update counts at which ``q_history`` was recorded.
      q_history: ``[C, R, S, A]`` the Q tables at those updates (the error curve's raw data).
    """

    q: np.ndarray
    checkpoints: np.ndarray
    q_history: np.ndarray


def _sample_transitions(mdp: FiniteMDP, rng: np.random.Generator, shape) -> tuple[np.ndarray, ...]:
    """Transitions (s, a, s') with (s, a) uniform over all pairs and s' ~ P(·|s, a); ``shape`` each."""
    S, A = mdp.n_states, mdp.n_actions
    s = rng.integers(S, size=shape)
    a = rng.integers(A, size=shape)
    cdf = np.cumsum(mdp.dense_P(), axis=-1)
    u = rng.random(shape)
    # Inverse CDF; the min guards a last cumulative sum just below u from rounding (rows sum to 1
    # only within round-off).
    s_next = np.minimum((cdf[s, a] <= u[..., None]).sum(axis=-1), S - 1)
    return s, a, s_next


def soft_q_learning(
    mdp: FiniteMDP,
    tau,
    *,
    seed: int,
    n_runs: int = 1,
    n_updates: int = 2_000,
    batch_size: int = 64,
    transitions_per_update: int | None = None,
    update_interval: int = 10,
    learning_rate: float = 0.5,
    value_samples: int | None = None,
    next_value: Callable = soft_value,
    n_checkpoints: int = 20,
) -> SoftQLearningResult:
    """Tabular soft Q-learning from sampled transitions (Algorithm 1 of the slides).

    Source: seed deck, "Algorithm: Soft Q-learning" (Algorithm 1; the minibatch soft Bellman
    target r + γ V_θ̄(s') with the empirical soft value); Haarnoja et al. 2017, Alg. 1.
    Each update: ``transitions_per_update`` new transitions (s, a, r(s, a), s') enter the replay
    buffer D (behaviour: (s, a) uniform over all pairs, which explores every pair; s' ~ P);
    a minibatch of ``batch_size`` is drawn uniformly from D; each (s, a) in it moves toward the
    mean of its targets y = r + γ V̄(s') (V̄ = 0 on terminal states):
    Q(s, a) ← Q(s, a) + α_k (ȳ(s, a) − Q(s, a)), α_k = learning_rate/√(1 + k/update_interval)
    (steps shrink so that the minibatch noise averages out). The target table Q̄ is refreshed
    to Q every ``update_interval`` updates. V̄(s') = next_value(Q̄(s', ·), τ) (the exact soft
    value F_τ), or, with ``value_samples = M``, the importance-sampled estimate (E1) from M
    actions drawn uniformly, q(a) = 1/A.
    R independent runs are vectorised (no Python loop over runs); same seed, same result.

    Args:
      mdp: finite MDP (γ < 1).
      tau: temperature τ > 0.
      seed: seeds all sampling.
      n_runs: R independent runs.
      n_updates: minibatch updates K.
      batch_size: minibatch size.
      transitions_per_update: new transitions per update (default S·A).
      update_interval: updates between target refreshes.
      learning_rate: α₀ in (0, 1].
      value_samples: M sampled actions for V̄, or None for the exact sum over actions.
      next_value: ``next_value(q [..., A], tau) -> [...]`` used when ``value_samples`` is None.
      n_checkpoints: how many Q tables to record along the way (evenly spaced, last = final).
    Returns:
      :class:`SoftQLearningResult`.
    Raises:
      TypeError: ``mdp`` not a FiniteMDP; a non-numeric ``tau`` or ``learning_rate``; a
        non-integer count or ``seed`` (``None`` included: it would not be reproducible); a
        non-callable ``next_value``.
      ValueError: τ <= 0 or non-finite, a finite-horizon MDP, a learning rate outside (0, 1],
        a negative seed, or a count below 1 (``n_runs``, ``n_updates``, ``batch_size``,
        ``transitions_per_update``, ``update_interval``, ``value_samples``, ``n_checkpoints``).
    """
    check_instance(mdp, FiniteMDP, "mdp")
    t = check_tau(tau, positive=True)
    if mdp.horizon is not None:
        raise ValueError(f"soft_q_learning needs a discounted MDP, got mdp with horizon={mdp.horizon}")
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, high=1.0, open_low=True)
    seed = check_seed(seed)
    n_runs = check_int(n_runs, "n_runs", low=1)
    n_updates = check_int(n_updates, "n_updates", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    update_interval = check_int(update_interval, "update_interval", low=1)
    n_checkpoints = check_int(n_checkpoints, "n_checkpoints", low=1)
    if value_samples is not None:
        value_samples = check_int(value_samples, "value_samples", low=1)
    check_callable(next_value, "next_value")
    S, A = mdp.n_states, mdp.n_actions
    if transitions_per_update is None:
        per_update = S * A
    else:
        per_update = check_int(transitions_per_update, "transitions_per_update", low=1)
    rng = np.random.default_rng(seed)
    # The behaviour policy does not depend on Q, so the whole stream of transitions can be drawn
    # up front; transition i enters D at update i // per_update.
    s, a, s_next = _sample_transitions(mdp, rng, (n_runs, n_updates * per_update))
    reward = mdp.R[s, a]
    alive = ~mdp.terminal[s_next]
    runs = np.arange(n_runs)[:, None]
    q = np.zeros((n_runs, S, A))
    q_bar = q.copy()
    checkpoints = np.unique(np.linspace(1, n_updates, n_checkpoints).astype(int))
    history = []
    for k in range(n_updates):
        idx = rng.integers((k + 1) * per_update, size=(n_runs, batch_size))
        rows = q_bar[runs, s_next[runs, idx]]  # [R, B, A]
        if value_samples is None:
            v_next = next_value(rows, t)
        else:
            acts = rng.integers(A, size=(n_runs, batch_size, value_samples))
            v_next = importance_sampled_soft_value(np.take_along_axis(rows, acts, axis=-1), -np.log(A), t)
        y = reward[runs, idx] + mdp.gamma * np.where(alive[runs, idx], v_next, 0.0)
        flat = (runs * S + s[runs, idx]) * A + a[runs, idx]  # [R, B] index into q.ravel()
        total = np.bincount(flat.ravel(), weights=y.ravel(), minlength=n_runs * S * A)
        count = np.bincount(flat.ravel(), minlength=n_runs * S * A)
        seen = count > 0
        step = learning_rate / np.sqrt(1 + k / update_interval)
        q_flat = q.reshape(-1)
        q_flat[seen] += step * (total[seen] / count[seen] - q_flat[seen])
        if (k + 1) % update_interval == 0:
            q_bar = q.copy()
        if k + 1 in checkpoints:
            history.append(q.copy())
    return SoftQLearningResult(q=q, checkpoints=checkpoints, q_history=np.stack(history))


# ---------------------------------------------------------------------------------------------
# Stein variational gradient descent (E3)
# ---------------------------------------------------------------------------------------------
def _squared_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖x_i − y_j‖² ``[N, M]`` for x ``[N, d]``, y ``[M, d]``."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=-1)


def median_bandwidth(particles) -> float:
    """Median-heuristic bandwidth h = median_{i<j} ‖a_i − a_j‖² / log N (h >= 1e-3).

    Source: Liu & Wang 2016 (SVGD), and the code of Haarnoja et al. 2017
    (softqlearning/misc/kernel.py); see the module docstring for the paper's variant and why
    this one. With one particle there is no pair: h = 1 (κ(a, a) = 1 whatever h is).

    Args:
      particles: ``[N, d]``.
    Returns:
      h > 0.
    Raises:
      TypeError: non-numeric ``particles``.
      ValueError: ``particles`` not a finite, non-empty ``[N, d]`` array.
    """
    x = as_float_array(particles, "particles", ndim=2)
    return _median_heuristic(_squared_distances(x, x))


def _median_heuristic(d2: np.ndarray) -> float:
    """:func:`median_bandwidth` from the particles' squared distances ``[N, N]``."""
    n = d2.shape[0]
    if n < 2:
        return 1.0
    return max(float(np.median(d2[np.triu_indices(n, k=1)])) / np.log(n), BANDWIDTH_FLOOR)


def rbf_kernel(x, y, bandwidth: float) -> np.ndarray:
    """RBF kernel κ(x_i, y_j) = exp(−‖x_i − y_j‖²/h).

    Source: Haarnoja et al. 2017, App. D.1.

    Args:
      x: ``[N, d]``; y: ``[M, d]``; bandwidth: h > 0.
    Returns:
      ``[N, M]``.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: ``x`` or ``y`` not a finite ``[·, d]`` array (the same d), h <= 0 or non-finite.
    """
    x = as_float_array(x, "x", ndim=2)
    y = as_float_array(y, "y", shape=(None, x.shape[1]))
    h = check_real(bandwidth, "bandwidth", low=0.0, open_low=True)
    return np.exp(-_squared_distances(x, y) / h)


def svgd_direction(particles, grad_q, tau, *, bandwidth: float | None = None) -> np.ndarray:
    """Stein variational direction Δf(x_i) = (1/N) Σ_j [κ(a_j, x_i) ∇Q(a_j) + τ ∇_{a_j} κ(a_j, x_i)].

    Source: seed deck, "Algorithm: Soft Q-learning" (step ③); Haarnoja et al. 2017, eq. (13).
    The particles are both the sample a_j ~ π and the points x_i moved. With the RBF kernel,
    ∇_{a_j} κ(a_j, x) = −2(a_j − x) κ(a_j, x)/h: the second term pushes particles apart. Δf is
    τ times Liu & Wang's direction for the density ∝ exp(Q/τ).

    Args:
      particles: ``[N, d]`` actions.
      grad_q: ``[N, d]`` ∇_a Q at the particles.
      tau: temperature τ > 0.
      bandwidth: h; default :func:`median_bandwidth` of the particles.
    Returns:
      ``[N, d]`` Δf at each particle.
    Raises:
      TypeError: non-numeric arguments.
      ValueError: ``particles`` not a finite ``[N, d]`` array, ``grad_q`` not finite or not of
        its shape, τ <= 0, h <= 0, or either non-finite.
    """
    t = check_tau(tau, positive=True)
    a = as_float_array(particles, "particles", ndim=2)
    g = as_float_array(grad_q, "grad_q", shape=a.shape)
    d2 = _squared_distances(a, a)  # for the bandwidth and the kernel (computed once per step)
    if bandwidth is None:
        h = _median_heuristic(d2)
    else:
        h = check_real(bandwidth, "bandwidth", low=0.0, open_low=True)
    k = np.exp(-d2 / h)  # rbf_kernel(a, a, h): k[j, i] = κ(a_j, x_i)
    attract = k.T @ g
    # Σ_j −2(a_j − x_i) κ_ji/h = (2/h)(x_i Σ_j κ_ji − Σ_j κ_ji a_j)
    repulse = (2.0 / h) * (a * k.sum(axis=0)[:, None] - k.T @ a)
    return (attract + t * repulse) / a.shape[0]


def svgd(
    grad_q: Callable,
    particles,
    tau,
    *,
    step_size: float,
    n_steps: int,
    direction: Callable = svgd_direction,
) -> np.ndarray:
    """Stein variational gradient descent: a ← a + ε Δf(a), ``n_steps`` times.

    Source: Liu & Wang 2016; seed deck, "Algorithm: Soft Q-learning". The fixed point density
    of the particles is the Boltzmann density ∝ exp(Q(a)/τ).

    Args:
      grad_q: ``grad_q(a [N, d]) -> [N, d]``, ∇_a Q.
      particles: ``[N, d]`` initial particles.
      tau: temperature τ > 0.
      step_size: ε > 0.
      n_steps: iterations.
      direction: ``direction(particles, grad, tau) -> [N, d]`` (default :func:`svgd_direction`).
    Returns:
      ``[N, d]`` the final particles.
    Raises:
      TypeError: a non-callable ``grad_q`` or ``direction``, non-numeric ``particles``, ``tau``
        or ``step_size``, a non-integer ``n_steps``.
      ValueError: ``particles`` not a finite ``[N, d]`` array, τ <= 0, ε <= 0 (or either
        non-finite), n_steps < 0; and from ``direction`` (e.g. ``grad_q`` returning a wrong
        shape or NaN).
    """
    check_callable(grad_q, "grad_q")
    a = np.array(as_float_array(particles, "particles", ndim=2))  # a copy: moved in place below
    tau = check_tau(tau, positive=True)
    step_size = check_real(step_size, "step_size", low=0.0, open_low=True)
    n_steps = check_int(n_steps, "n_steps", low=0)
    check_callable(direction, "direction")
    for _ in range(n_steps):
        a += step_size * direction(a, grad_q(a), tau)
    return a


@dataclass(frozen=True, eq=False)
class MLPSampler:
    """A tiny sampler a = f^φ(ξ) = W₂ tanh(W₁ξ + b₁) + Cξ + b₂, ξ ~ N(0, I_d).

    The linear skip Cξ makes the affine map (a Gaussian policy) a special case.

    Attributes:
      w1: ``[H, d]``; b1: ``[H]``; w2: ``[d, H]``; c: ``[d, d]``; b2: ``[d]``.
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    c: np.ndarray
    b2: np.ndarray

    @staticmethod
    def init(dim: int, hidden: int, rng: np.random.Generator) -> MLPSampler:
        """Random small weights; C = I, so f starts near ξ (a standard normal).

        Raises:
          TypeError: non-integer ``dim`` or ``hidden``, ``rng`` not a numpy Generator.
          ValueError: ``dim`` or ``hidden`` below 1.
        """
        dim = check_int(dim, "dim", low=1)
        hidden = check_int(hidden, "hidden", low=1)
        check_instance(rng, np.random.Generator, "rng")
        return MLPSampler(
            w1=rng.normal(size=(hidden, dim)),
            b1=rng.normal(size=hidden),
            w2=0.1 * rng.normal(size=(dim, hidden)) / np.sqrt(hidden),
            c=np.eye(dim),
            b2=np.zeros(dim),
        )

    def params(self) -> tuple[np.ndarray, ...]:
        return (self.w1, self.b1, self.w2, self.c, self.b2)

    def __call__(self, xi) -> np.ndarray:
        """a = f^φ(ξ) ``[N, d]`` for ξ ``[N, d]``."""
        xi = np.asarray(xi, dtype=np.float64)
        return np.tanh(xi @ self.w1.T + self.b1) @ self.w2.T + xi @ self.c.T + self.b2

    def vjp(self, xi, cotangent) -> tuple[np.ndarray, ...]:
        """(1/N) Σ_i g_iᵀ ∂f^φ(ξ_i)/∂φ for each parameter (hand-derived backpropagation).

        Args:
          xi: ``[N, d]``; cotangent: ``[N, d]`` the vectors g_i.
        Returns:
          Gradients shaped like :meth:`params`.
        """
        xi = np.asarray(xi, dtype=np.float64)
        n = xi.shape[0]
        hid = np.tanh(xi @ self.w1.T + self.b1)  # [N, H]
        d_pre = (cotangent @ self.w2) * (1.0 - hid**2)  # [N, H]
        return (
            d_pre.T @ xi / n,
            d_pre.mean(axis=0),
            cotangent.T @ hid / n,
            cotangent.T @ xi / n,
            cotangent.mean(axis=0),
        )


def amortised_svgd(
    grad_q: Callable,
    sampler: MLPSampler,
    tau,
    *,
    seed: int,
    n_steps: int,
    batch_size: int = 128,
    learning_rate: float = 1e-2,
    direction: Callable = svgd_direction,
) -> MLPSampler:
    """Amortised SVGD: train a = f^φ(ξ) with ∂J/∂φ ∝ E_ξ[Δf(ξ) ∂f^φ(ξ)/∂φ] and Adam.

    Source: seed deck, "Algorithm: Soft Q-learning" (steps ①–⑤); Haarnoja et al. 2017,
    eq. (14), App. C.1. Each step: ξ_i ~ N(0, I) (i < ``batch_size``), a_i = f^φ(ξ_i),
    Δf(a_i) from the batch itself, φ ← φ + Adam(E_i[Δf(a_i)ᵀ ∂f^φ(ξ_i)/∂φ]) (ascent: the
    particles move along Δf, which decreases the KL divergence J). Adam: β = (0.9, 0.999),
    ε = 1e-8 (Kingma & Ba 2015); the step size decays linearly from ``learning_rate`` to a
    tenth of it, so that the last steps average out the minibatch noise in φ.

    Args:
      grad_q: ``grad_q(a [N, d]) -> [N, d]``.
      sampler: the initial :class:`MLPSampler`.
      tau: temperature τ > 0.
      seed: seeds the noise ξ.
      n_steps: Adam steps.
      batch_size: ξ per step.
      learning_rate: Adam step size.
      direction: as in :func:`svgd`.
    Returns:
      The trained :class:`MLPSampler`.
    Raises:
      TypeError: a non-callable ``grad_q`` or ``direction``, ``sampler`` not an MLPSampler,
        non-numeric ``tau`` or ``learning_rate``, a non-integer count or ``seed`` (``None``
        included: it would not be reproducible).
      ValueError: τ <= 0, learning rate <= 0 (or either non-finite), n_steps < 0,
        batch_size < 1, a negative seed; and from ``direction``.
    """
    check_callable(grad_q, "grad_q")
    check_instance(sampler, MLPSampler, "sampler")
    tau = check_tau(tau, positive=True)
    n_steps = check_int(n_steps, "n_steps", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    learning_rate = check_real(learning_rate, "learning_rate", low=0.0, open_low=True)
    check_callable(direction, "direction")
    rng = np.random.default_rng(check_seed(seed))
    params = [p.copy() for p in sampler.params()]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    dim = sampler.b2.shape[0]
    for k in range(1, n_steps + 1):
        f = MLPSampler(*params)
        xi = rng.normal(size=(batch_size, dim))
        a = f(xi)
        grads = f.vjp(xi, direction(a, grad_q(a), tau))
        rate = learning_rate * (1 - 0.9 * (k - 1) / n_steps)  # linear decay to 10 %
        for p, g, mi, vi in zip(params, grads, m, v, strict=True):
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            vi += (1 - b2) * g**2
            p += rate * (mi / (1 - b1**k)) / (np.sqrt(vi / (1 - b2**k)) + eps)
    return MLPSampler(*params)
