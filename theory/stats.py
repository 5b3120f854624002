"""The one statistics module: false-alarm levels, quantiles, intervals.

It lives in ``theory`` so that the checks and the figures (which import only ``theory`` and
``mdps``) share it. Every statistical check takes its level from here, so that the battery as a
whole keeps its promise (DESIGN.md, "The check contract"): **at one seed, the whole battery fails
a true claim with probability at most** :data:`BATTERY_FALSE_ALARM` **= 1 %**. Each statistical
claim gets :data:`CLAIM_FALSE_ALARM` (0.05 %), so up to 20 of them fit in the budget by the union
bound (each :class:`checks.base.Claim` states its ``false_alarm``, and ``--calibrate`` adds them
up); inside a claim the level is split over its instances and comparisons with
:func:`bonferroni`. Exact checks state 0: a seed that fails one is a bug.
``python -m checks --calibrate N`` measures the rates.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = [
    "BATTERY_FALSE_ALARM",
    "CLAIM_FALSE_ALARM",
    "bonferroni",
    "clopper_pearson",
    "mean_interval",
    "z_quantile",
]

#: At most this fraction of seeds may make the whole battery fail a true claim.
BATTERY_FALSE_ALARM = 0.01

#: False-alarm probability of one statistical claim's battery at one seed (all its instances
#: and comparisons together): 1 % shared by up to 20 statistical claims.
CLAIM_FALSE_ALARM = 5e-4


def bonferroni(alpha: float, comparisons: int) -> float:
    """The level of each of ``comparisons`` tests whose union must stay within ``alpha``."""
    if not 0 < alpha < 1 or comparisons < 1:
        raise ValueError(f"need 0 < alpha < 1 and comparisons >= 1, got {alpha!r}, {comparisons!r}")
    return alpha / comparisons


def z_quantile(alpha: float, *, two_sided: bool = True) -> float:
    """The normal quantile z with P(|Z| > z) = alpha (two-sided) or P(Z > z) = alpha."""
    return float(stats.norm.isf(alpha / 2 if two_sided else alpha))


def mean_interval(samples, alpha: float, *, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """CLT interval for a mean over independent runs: (mean, half-width z·sd/√n), two-sided at
    level ``alpha`` (false-alarm probability), along ``axis``."""
    x = np.asarray(samples, dtype=np.float64)
    n = x.shape[axis]
    if n < 2:
        raise ValueError(f"need at least 2 runs for an interval, got {n}")
    return x.mean(axis=axis), z_quantile(alpha) * x.std(axis=axis, ddof=1) / np.sqrt(n)


def clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """Exact (Clopper–Pearson) two-sided interval for a binomial proportion at level ``alpha``:
    each side has probability at most alpha/2 of missing."""
    k, n = int(successes), int(trials)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= successes <= trials, trials >= 1; got {k}, {n}")
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.isf(alpha / 2, k + 1, n - k))
    return lo, hi
