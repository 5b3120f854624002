"""Entropy-regularised natural policy gradient (NPG) for tabular softmax policies.

Source: Cen, Cheng, Chen, Wei, Chi 2021, "Fast Global Convergence of Natural Policy Gradient
Methods with Entropy Regularization" (arXiv 2007.06558): the abstract states linear convergence
for a wide range of learning rates. The update below is derived here (the project's notes hold
the paper's quoted form as unsure): for tabular softmax θ ← θ + (η/(1 − γ))(Q_τ^π − τ log π)
is the NPG step, and it is the multiplicative form of :func:`npg_update`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

from mdps.validation import as_float_array, check_policy, check_real, check_tau
from theory.roundoff import EPS

__all__ = ["npg_update"]


def npg_update(pi, q, tau, eta, gamma) -> np.ndarray:
    """One entropy-regularised NPG step, row-wise:

        π'(a|s) ∝ π(a|s)^{1 − ητ/(1−γ)} · exp(η Q(s, a)/(1 − γ)),

    computed in log space, (1 − ητ/(1−γ)) log π + ηQ/(1−γ), max-shifted per row before the
    exponential (scipy.special.softmax). At η = (1 − γ)/τ the exponent of π vanishes and the step
    is soft policy iteration's π' = softmax(Q/τ).

    Source: Cen et al. 2021 (arXiv 2007.06558), entropy-regularised NPG; the update's form is
    derived here (module docstring).

    Args:
      pi: ``[S, A]`` policy, rows on the simplex.
      q: ``[S, A]`` finite soft Q-function of ``pi`` (or any Q table).
      tau: temperature τ > 0.
      eta: step size η > 0 (the convergence theory asks η <= (1 − γ)/τ; larger steps are
        computed all the same, with a negative exponent on π).
      gamma: discount γ in [0, 1).
    Returns:
      ``[S, A]`` the new policy, rows on the simplex.
    Raises:
      TypeError: an argument is not a real number / array of real numbers.
      ValueError: shapes differ, pi is not a policy, q is not finite, τ <= 0, η <= 0, γ outside
        [0, 1), or the exponent is negative while pi has an exact zero (π^c = +inf there).
    """
    q = as_float_array(q, "q", ndim=2)
    pi = check_policy(pi, q.shape, "pi")
    tau = check_tau(tau, positive=True, why="the NPG step divides the entropy weight by τ")
    eta = check_real(eta, "step size eta", low=0.0, open_low=True)
    gamma = check_real(gamma, "discount gamma", low=0.0, high=1.0, open_high=True)
    exponent = 1.0 - eta * tau / (1.0 - gamma)
    # η = (1 − γ)/τ computed in float64 gives ητ/(1 − γ) = 1 to within a few roundings: snapping
    # an exponent of a few ulps to 0 prevents π = 0 from staying 0 (or becoming inf) where the
    # exact step π⁰ = 1 gives soft policy iteration.
    if abs(exponent) <= 8 * EPS:
        exponent = 0.0
    zero = pi == 0
    if exponent < 0 and zero.any():
        s, a = (int(i) for i in np.argwhere(zero)[0])
        raise ValueError(
            f"pi[{s}, {a}] = 0 with a negative exponent 1 - eta*tau/(1 - gamma) = {exponent:.3g} "
            f"(eta = {eta:g} > (1 - gamma)/tau = {(1 - gamma) / tau:g}): pi**exponent is +inf"
        )
    with np.errstate(divide="ignore"):  # log 0 = −inf: the entry stays 0 for a positive exponent
        log_pi = np.log(pi)
    # exponent·log π with 0·(−inf) := 0 (π⁰ = 1 at the soft-policy-iteration step).
    weighted = np.where(zero, -np.inf if exponent > 0 else 0.0, exponent * np.where(zero, 0.0, log_pi))
    return softmax(weighted + (eta / (1.0 - gamma)) * q, axis=-1)
