"""A user's own soft-RL code, written the way a course or a library might write it: plain numpy,
no import from maxent-verify. ``test_my_soft_rl.py`` runs the conformance suite on it.

Each function plays one role of ``checks.subjects.ROLES`` (the README's "Check your own
implementation" table): P is ``[S, A, S]``, R ``[S, A]``, γ in [0, 1), τ > 0.
"""

import numpy as np


def soft_value(q, tau):
    """F_τ(q) = τ log Σ_a exp(q_a/τ) over the last axis, shifted by the max against overflow."""
    m = q.max(axis=-1, keepdims=True)
    return (m + tau * np.log(np.exp((q - m) / tau).sum(axis=-1, keepdims=True)))[..., 0]


def soft_indmax(q, tau):
    """f_τ(q) = exp((q − F_τ(q))/τ), the Boltzmann distribution over the last axis."""
    z = np.exp((q - q.max(axis=-1, keepdims=True)) / tau)
    return z / z.sum(axis=-1, keepdims=True)


def entropy(p):
    """H(p) = −Σ p log p over the last axis, with 0 log 0 = 0."""
    safe = np.where(p > 0, p, 1.0)
    return -(p * np.log(safe)).sum(axis=-1)


def bellman_operator(P, R, gamma, q, tau):
    """(TQ)(s, a) = R(s, a) + γ Σ_s' P(s'|s, a) F_τ(Q(s', ·))."""
    return R + gamma * P @ soft_value(q, tau)


def policy_evaluation(P, R, gamma, pi, tau):
    """Soft Q^π and V^π: V^π = (I − γ P_π)⁻¹ (r_π + τ H(π)), Q^π = R + γ P V^π."""
    n = R.shape[0]
    r_pi = (pi * R).sum(axis=1) + tau * entropy(pi)
    P_pi = np.einsum("sa,sat->st", pi, P)
    v = np.linalg.solve(np.eye(n) - gamma * P_pi, r_pi)
    return R + gamma * P @ v, v


def solver(P, R, gamma, tau, tol):
    """Soft value iteration until ‖V_{n+1} − V_n‖ <= tol(1 − γ)/γ, so that ‖V − V*‖ <= tol."""
    v = np.zeros(R.shape[0])
    stop = tol * (1 - gamma) / max(gamma, 1e-300)
    while True:
        q = R + gamma * P @ v
        v_next = soft_value(q, tau)
        done = np.abs(v_next - v).max() <= stop
        v = v_next
        if done:
            q = R + gamma * P @ v
            return q, soft_value(q, tau)


def policy_improvement(q, tau):
    """π̃(·|s) ∝ exp(Q(s, ·)/τ)."""
    return soft_indmax(q, tau)


def e2w(q_hat, n_total, tau, epsilon):
    """E2W: (1 − λ) f_τ(q̂) + λ/K with λ = min(1, εK/log(n_total + 1)) (λ = 1 at n_total = 0)."""
    k = q_hat.shape[-1]
    lam = 1.0 if n_total == 0 else min(1.0, epsilon * k / np.log(n_total + 1))
    return (1 - lam) * soft_indmax(q_hat, tau) + lam / k


class TsallisRegularizer:
    """The Tsallis (q = 2) regulariser Ω(π) = ½(‖π‖² − 1), whose greedy policy is sparsemax
    (Martins & Astudillo 2016): the ``regularizer`` role, four methods along the last axis."""

    def penalty(self, pi, tau):
        """τΩ(π) = τ·½(‖π‖² − 1)."""
        return tau * 0.5 * ((pi * pi).sum(axis=-1) - 1.0)

    def _threshold(self, z):
        """θ(z) of sparsemax: with z sorted decreasingly, k = max{i : 1 + i z_(i) > Σ_{j<=i} z_(j)}."""
        zs = -np.sort(-z, axis=-1)
        cs = np.cumsum(zs, axis=-1)
        i = np.arange(1, z.shape[-1] + 1)
        k = (1 + i * zs > cs).sum(axis=-1, keepdims=True)
        return (np.take_along_axis(cs, k - 1, axis=-1) - 1.0) / k

    def greedy(self, q, tau):
        """sparsemax(q/τ) = [z − θ(z)]₊, z = (q − max q)/τ (the shift changes nothing but the size)."""
        z = (q - q.max(axis=-1, keepdims=True)) / tau
        return np.maximum(z - self._threshold(z), 0.0)

    def value(self, q, tau):
        """(τΩ)*(q) = max_π ⟨π, q⟩ − τΩ(π), attained at the greedy policy."""
        p = self.greedy(q, tau)
        return (p * q).sum(axis=-1) - self.penalty(p, tau)

    def bounds(self, n_actions):
        """(min, max) of Ω on the simplex: ((1/K − 1)/2, 0)."""
        return (1.0 / n_actions - 1.0) / 2.0, 0.0

    def value_roundoff(self, n_actions, tau, q_norm):
        """Optional: a bound on the float64 error of ``value`` for |q| <= q_norm (the certified
        solvers of claims R2 and R3 need it): u(τ(4K² + 18K + 4) + 2‖q‖), u = 2⁻⁵³, the bound of
        theory.regularizers.Tsallis plus the final ⟨p, q⟩ sum's own rounding."""
        k = n_actions
        return 2.0**-53 * (tau * (4 * k * k + 18 * k + 4) + 2 * q_norm)
