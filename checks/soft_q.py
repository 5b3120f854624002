"""Claim E2 (slide "Algorithm: Soft Q-learning", Algorithm 1): sampled soft Q-learning.

Tabular soft Q-learning from sampled transitions (replay buffer, minibatches, target table
refreshed every ``update_interval``) reaches the exact soft Q* within a stated error.

Statistical: fixed seeds (``np.random.default_rng``), independent runs vectorised inside the
learner; same seed, same report, bit for bit. The other E claims: the importance-sampled soft
value (E1) in :mod:`checks.importance_sampling`, SVGD (E3) in :mod:`checks.svgd`.

Level. What is checked is convergence in probability at a stated precision: after K updates a
run ends within ε = E2_RELATIVE_ERROR·(1 + ‖V*‖∞) of Q* except with probability at most
E2_EXCEEDANCE. Each instance counts the runs that end farther than ε and fails when the exact
(Clopper–Pearson) one-sided lower bound of the exceedance probability is above E2_EXCEEDANCE;
Bonferroni splits ``theory.stats.CLAIM_FALSE_ALARM`` (E2's ``false_alarm``) over the instances,
so the battery fails a true claim with probability at most that, by construction. (The old
check, "every run within ε", had no level: the slippery gridworld's error has a long tail, and
about one run in a thousand ended beyond ε.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from checks.base import CheckResult, Claim, fold, register
from checks.suite import check_size
from mdps.finite import FiniteMDP
from mdps.generators import garnet, gridworld
from theory.soft_q import soft_q_learning
from theory.solvers import ConvergenceWarning, soft_policy_iteration, value_scale
from theory.stats import CLAIM_FALSE_ALARM, bonferroni, clopper_pearson

__all__ = ["E2", "check_sampled_soft_q_learning"]


def _pick(size: str, quick, default, full):
    """The value for ``size`` in {"quick", "default", "full"}."""
    check_size(size)
    return {"quick": quick, "default": default, "full": full}[size]


# ---------------------------------------------------------------------------------------------
# E2: sampled soft Q-learning reaches Q*
# ---------------------------------------------------------------------------------------------
E2 = Claim(
    "E2",
    "tabular soft Q-learning on sampled transitions (replay, minibatch targets r + γV̄(s'), "
    "target refreshed every update_interval) → Q*_τ",
    "seed deck, 'Algorithm: Soft Q-learning' (Algorithm 1); Haarnoja et al. 2017, Alg. 1 and Thm 3",
    false_alarm=CLAIM_FALSE_ALARM,
)

#: Stated precision of E2: ‖Q_K − Q*‖∞ <= 0.1·(1 + ‖V*‖∞) after K updates, except with
#: probability E2_EXCEEDANCE. It bounds the statistical error that K minibatch updates leave:
#: over 960 runs (60 seeds × 16) of the quick battery, the error was on average 0.35 of this
#: precision on the slippery gridworld (its goal-entry rewards are the noisiest targets;
#: largest 1.24, 99th percentile 0.85) and 0.024 on the Garnet (largest 0.062). A hard-max
#: target converges to Q*_0, which differs from Q*_τ by up to τ log A/(1 − γ).
E2_RELATIVE_ERROR = 0.1
#: The probability, allowed by the claim as checked, that a run ends beyond the precision.
E2_EXCEEDANCE = 0.1


@E2.subjects("learner")
def check_sampled_soft_q_learning(
    mdp: FiniteMDP,
    tau: float,
    *,
    seed: int = 0,
    n_runs: int = 8,
    n_updates: int = 1_000,
    value_samples: int | None = None,
    learner: Callable = soft_q_learning,
    alpha: float = CLAIM_FALSE_ALARM,
    tol: float | None = None,
) -> CheckResult:
    """E2 on one instance: do R independent runs end within the stated precision ε of Q*?

    Soft Q-learning as in Algorithm 1 of the slides (theory.soft_q.soft_q_learning: replay
    buffer growing by S·A uniform transitions per update, minibatches of 128, target table
    refreshed every 10 updates, K = ``n_updates``), against Q*_τ of soft policy iteration
    (certified to 1e-10·(1 + ‖V‖)). Precision: ε = 0.1·(1 + ‖V*‖∞) (see E2_RELATIVE_ERROR)
    plus the certified error of Q*; with M sampled actions in the target (uniform proposal, E1)
    plus the Jensen bias that the fixed point inherits, γ/(1 − γ)·τ(A − 1)/M: the delta-method
    bias τCV²/(2M) per backup with CV² <= A − 1 for a uniform proposal, doubled for the
    higher-order terms.
    Test: with k of the R runs ending farther than ε, the Clopper–Pearson lower bound of the
    exceedance probability at one-sided level ``alpha`` (theory.stats.clopper_pearson) must not
    exceed E2_EXCEEDANCE; if the claim holds (exceedance <= E2_EXCEEDANCE) the check fails
    with probability <= ``alpha``, whatever the error's distribution. With R = 4 and
    alpha <= 2.5e-4 it fails only when all runs miss; with R = 8, when 6 or more do.

    Args:
      mdp: infinite-horizon MDP.
      tau: temperature τ > 0.
      seed: seeds the learner.
      n_runs: R independent runs (vectorised inside the learner).
      n_updates: minibatch updates K.
      value_samples: M sampled actions for the target's soft value, or None (exact sum).
      learner: the algorithm under test, with the signature of ``soft_q_learning``.
      alpha: false-alarm probability of this check (the battery passes its Bonferroni share
        of ``theory.stats.CLAIM_FALSE_ALARM``).
      tol: replaces the precision ε when given.
    Returns:
      CheckResult: measured = the lower bound of the exceedance probability, tolerance =
      E2_EXCEEDANCE; ``details`` has each run's final ‖Q_K − Q*‖∞, ε, and ``error_curve``
      (updates, max over runs, mean over runs) of ‖Q_k − Q*‖∞.
    """
    scale = 1 + value_scale(mdp, tau)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        star = soft_policy_iteration(mdp, tau, tol=1e-10 * scale)
    res = learner(
        mdp,
        tau,
        seed=seed,
        n_runs=n_runs,
        n_updates=n_updates,
        batch_size=128,
        update_interval=10,
        learning_rate=0.7,
        value_samples=value_samples,
    )
    errors = np.abs(res.q_history - star.q).max(axis=(2, 3))  # [C, R]
    precision = E2_RELATIVE_ERROR * (1 + np.abs(star.v).max()) + star.error_bound
    if value_samples is not None:
        precision += mdp.gamma / (1 - mdp.gamma) * tau * (mdp.n_actions - 1) / value_samples
    if tol is not None:
        precision = tol
    final = errors[-1]
    # A NaN or inf error is a miss (np.isfinite): a broken learner cannot pass by producing one.
    missed = int(np.sum(~(np.isfinite(final) & (final <= precision))))
    lower = clopper_pearson(missed, n_runs, 2 * alpha)[0]  # one-sided at level alpha
    curve = [(int(k), float(e.max()), float(e.mean())) for k, e in zip(res.checkpoints, errors, strict=True)]
    target = "exact soft value" if value_samples is None else f"IS soft value, M={value_samples}"
    return E2.result(
        measured=lower,
        tolerance=E2_EXCEEDANCE,
        details={
            "instance": f"{mdp.name}, tau={tau:g}, {target}",
            "runs": n_runs,
            "updates": n_updates,
            "precision": float(precision),
            "runs_beyond_precision": missed,
            "alpha": alpha,
            "final_error_per_run": final.tolist(),
            "error_curve": curve,
            "v_star_sup": float(np.abs(star.v).max()),
            "summary": (
                f"{mdp.name}, tau={tau:g}, {target}: ‖Q − Q*‖∞ after {n_updates} updates, max over "
                f"{n_runs} runs {final.max():.3g} (from {errors[0].max():.3g}), precision "
                f"{precision:.3g}: {missed} beyond it, exceedance >= {lower:.2g} (level {alpha:.1g}) "
                f"against {E2_EXCEEDANCE:g} allowed"
            ),
        },
    )


def _q_learning_mdps(seed: int) -> list[FiniteMDP]:
    """A slippery gridworld (terminal goal) and a random Garnet MDP, both with γ = 0.9."""
    return [gridworld(3, 3, gamma=0.9, slip=0.1), garnet(10, 3, 3, gamma=0.9, seed=seed)]


@register(E2)
def battery_sampled_soft_q_learning(*, seed: int, size: str) -> CheckResult:
    """E2 on a gridworld and a Garnet; default and full add τ = 0.2 and sampled-action targets.
    Each instance at its Bonferroni share of CLAIM_FALSE_ALARM."""
    taus = _pick(size, (1.0,), (0.2, 1.0), (0.2, 1.0, 3.0))
    samples = _pick(size, (None,), (None, 16), (None, 16, 64))
    runs = _pick(size, 4, 8, 16)
    cases = [(m, t, s) for m in _q_learning_mdps(seed) for t in taus for s in samples]
    alpha = bonferroni(CLAIM_FALSE_ALARM, len(cases))
    return fold(
        E2,
        (
            check_sampled_soft_q_learning(m, t, seed=seed + i, n_runs=runs, value_samples=s, alpha=alpha)
            for i, (m, t, s) in enumerate(cases)
        ),
    )
