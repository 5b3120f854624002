"""Calibration: how often does the battery fail a true claim? Run it at many seeds and count.

``python -m checks --calibrate N [--only ...] [--quick | --full] [--jobs J]`` runs the selected
claims at N seeds, ``seed + k·SEED_STRIDE`` for k < N (suites seed instance i with ``seed + i``,
i < 10⁶, so no two calibration seeds share an instance), in J processes, and prints per claim
and for the battery as a whole the failures (FAIL or ERROR), the observed rate with its 95 %
Clopper–Pearson interval, and the stated level (``Claim.false_alarm``; for the battery their
sum, which must stay within ``theory.stats.BATTERY_FALSE_ALARM``). The same N, seed and size
give the same table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from checks.base import ERROR, FAIL, Battery, Claim, in_processes, run_battery
from theory.stats import BATTERY_FALSE_ALARM, clopper_pearson

__all__ = ["SEED_STRIDE", "Calibration", "calibrate"]

#: Distance between calibration seeds: larger than any instance offset a suite adds to its seed.
SEED_STRIDE = 1_000_003

#: Confidence level of the intervals printed for the observed rates.
INTERVAL_ALPHA = 0.05


@dataclass(frozen=True)
class Calibration:
    """Verdicts of each claim at each calibration seed.

    Attributes:
      claims: the claims run, in report order.
      seeds: the seeds, in order.
      verdicts: ``verdicts[claim_id][k]`` is the verdict at ``seeds[k]``.
      size: suite size.
      seconds: wall-clock time of the whole calibration.
    """

    claims: tuple[Claim, ...]
    seeds: tuple[int, ...]
    verdicts: dict[str, tuple[str, ...]]
    size: str
    seconds: float

    def failures(self, claim_id: str) -> list[int]:
        """Seeds at which the claim's verdict was FAIL or ERROR."""
        return [s for s, v in zip(self.seeds, self.verdicts[claim_id]) if v in (FAIL, ERROR)]

    def battery_failures(self) -> list[int]:
        """Seeds at which any claim failed."""
        return sorted({s for c in self.claims for s in self.failures(c.id)})

    def stated_battery_level(self) -> float:
        """The union bound of the claims' stated levels."""
        return sum(c.false_alarm for c in self.claims)

    @property
    def ok(self) -> bool:
        """No exact claim failed, and the battery failed at no more than 1 % of the seeds."""
        exact_failed = any(self.failures(c.id) for c in self.claims if c.false_alarm == 0)
        return not exact_failed and len(self.battery_failures()) <= BATTERY_FALSE_ALARM * len(self.seeds)

    def table(self) -> list[str]:
        """The report: one line per claim, then the battery."""
        n = len(self.seeds)
        lines = [
            f"calibration: {n} seeds ({self.seeds[0]} + k·{SEED_STRIDE}), {self.size} suites, "
            f"{self.seconds:.1f} s",
            f"{'claim':7} {'failures':>9} {'rate':>7}  {'95 % CP interval':17} stated level",
        ]

        def row(name: str, failed: list[int], stated: float, kind: str) -> str:
            lo, hi = clopper_pearson(len(failed), n, INTERVAL_ALPHA)
            flag = "  ABOVE ITS LEVEL" if lo > stated else ""
            seeds = f"  seeds {failed[:8]}{' …' if len(failed) > 8 else ''}" if failed else ""
            return (
                f"{name:7} {len(failed):>4}/{n:<4} {len(failed) / n:>7.3f}  [{lo:.3f}, {hi:.3f}]   "
                f"{stated:g} ({kind}){flag}{seeds}"
            )

        for c in self.claims:
            kind = "exact" if c.false_alarm == 0 else "statistical"
            lines.append(row(c.id, self.failures(c.id), c.false_alarm, kind))
        lines.append(row("battery", self.battery_failures(), self.stated_battery_level(), "sum"))
        return lines


#: The (claim, battery) pairs and size of the calibration under way: forked workers inherit them,
#: so batteries need not be picklable (a test's lambda, a battery registered at run time).
_RUN: tuple[list[tuple[Claim, Battery]], str] = ([], "quick")


def _verdicts_at(seed: int) -> dict[str, str]:
    claims, size = _RUN
    return {claim.id: run_battery(claim, battery, seed=seed, size=size).verdict for claim, battery in claims}


def calibrate(
    claims: list[tuple[Claim, Battery]], *, n_seeds: int, size: str, seed: int = 0, jobs: int = 1
) -> Calibration:
    """Run every (claim, battery) at ``n_seeds`` seeds in ``jobs`` processes; see the module doc."""
    global _RUN
    seeds = tuple(seed + k * SEED_STRIDE for k in range(n_seeds))
    start = time.perf_counter()
    _RUN = (list(claims), size)
    try:
        rows = list(in_processes(_verdicts_at, seeds, jobs))
    finally:
        _RUN = ([], "quick")
    verdicts = {c.id: tuple(r[c.id] for r in rows) for c, _ in claims}
    return Calibration(tuple(c for c, _ in claims), seeds, verdicts, size, time.perf_counter() - start)
