"""Adapters that put code nobody here wrote into the roles of maxent-verify.

- pymdptoolbox's ``ValueIteration`` and ``PolicyIteration`` as τ = 0 solvers. pymdptoolbox reads
  P as ``[A, S, S]``: run them with ``Conventions(transitions="ASS", temperatures="zero")``.
  They return V only; Q = R + γ P V is formed from it here. ``ValueIteration``'s ``epsilon``
  is given the requested ``tol`` (pymdptoolbox documents it as the ε of an ε-optimal policy).
- scipy.special's ``logsumexp``, ``softmax`` and ``entr`` as ``soft_value``, ``soft_indmax``
  and ``entropy``: scipy's functions take no temperature, so τ enters as q/τ (and the soft
  value is τ·logsumexp(q/τ)).
"""

import mdptoolbox.mdp
import numpy as np
from scipy.special import entr, logsumexp, softmax


def _q_from_v(P, R, gamma, v):
    """Q(s, a) = R(s, a) + γ Σ_s' P[a, s, s'] V(s') for P ``[A, S, S]``."""
    return R + gamma * np.einsum("ast,t->sa", P, v)


def mdptoolbox_value_iteration(P, R, gamma, tau, tol):
    """pymdptoolbox ValueIteration(P, R, γ, epsilon=tol) as a classical (τ = 0) solver."""
    vi = mdptoolbox.mdp.ValueIteration(P, R, gamma, epsilon=tol, max_iter=10**6)
    vi.run()
    v = np.asarray(vi.V, dtype=np.float64)
    return _q_from_v(P, R, gamma, v), v


def mdptoolbox_policy_iteration(P, R, gamma, tau, tol):
    """pymdptoolbox PolicyIteration(P, R, γ) as a classical (τ = 0) solver."""
    pi = mdptoolbox.mdp.PolicyIteration(P, R, gamma, max_iter=10**6)
    pi.run()
    v = np.asarray(pi.V, dtype=np.float64)
    return _q_from_v(P, R, gamma, v), v


def scipy_soft_value(q, tau):
    """F_τ(q) = τ · scipy.special.logsumexp(q/τ) over the last axis."""
    return tau * logsumexp(q / tau, axis=-1)


def scipy_soft_indmax(q, tau):
    """f_τ(q) = scipy.special.softmax(q/τ) over the last axis."""
    return softmax(q / tau, axis=-1)


def scipy_entropy(p):
    """H(p) = Σ scipy.special.entr(p) over the last axis."""
    return entr(p).sum(axis=-1)
