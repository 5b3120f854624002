"""The check contract: CheckResult, claims, the registry of batteries, and folding.

A *check* is a pure function over one instance returning a :class:`CheckResult`. A *battery*
runs a check over a seeded suite of instances and folds the results into one row of the report.
Batteries register under their claim id (CLAIMS.md) with :func:`register`.
"""

from __future__ import annotations

import re
import traceback
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from mdps.finite import FiniteMDP
from theory.bellman import KRYLOV_RTOL
from theory.solvers import ConvergenceWarning, SolveResult, soft_policy_iteration

__all__ = [
    "EPS",
    "ERROR",
    "FAIL",
    "PASS",
    "REFUTED",
    "VERDICTS",
    "CheckResult",
    "Claim",
    "exact_optimum",
    "exact_tolerance",
    "fold",
    "instance_label",
    "register",
    "registered",
    "roundoff_tolerance",
    "run_battery",
    "solve_residual",
    "solve_roundoff",
    "value_scale",
]

EPS = float(np.finfo(np.float64).eps)


def value_scale(mdp: FiniteMDP, tau: float) -> float:
    """A priori bound on ‖V‖∞ of any policy: (‖r‖∞ + τ log A)/(1 − γ) (H steps of it if γ = 1)."""
    per_step = np.abs(mdp.R).max() + tau * np.log(mdp.n_actions)
    return per_step * (mdp.horizon if mdp.horizon is not None else 1 / (1 - mdp.gamma))


def roundoff_tolerance(mdp: FiniteMDP, tau: float) -> float:
    """Float64 round-off allowed in comparing two exact answers on ``mdp`` at temperature τ.

    64·eps·(1 + k)·(1 + ‖V‖): a few ulps of the largest value per operation, times the
    summation length k = max successors per row (Higham's recursive-summation bound).
    """
    return 64 * EPS * (1 + mdp.max_successors) * (1 + value_scale(mdp, tau))


def solve_residual(mdp: FiniteMDP, tau: float) -> float:
    """Residual ‖b − (I − γP_π)x‖∞ allowed of :func:`theory.bellman.evaluate_policy`'s solve.

    Round-off of the products, plus the Krylov acceptance threshold of theory.bellman for sparse
    P: KRYLOV_RTOL·(‖b‖ + ‖x‖) with ‖b‖, ‖x‖ <= ‖V‖.
    """
    return roundoff_tolerance(mdp, tau) + 2 * KRYLOV_RTOL * (1 + value_scale(mdp, tau))


def solve_roundoff(mdp: FiniteMDP, tau: float) -> float:
    """Error allowed on the output of that solve: the residual times ‖(I − γP_π)⁻¹‖∞ <= 1/(1 − γ)."""
    return solve_residual(mdp, tau) / (1 - mdp.gamma)


def exact_tolerance(mdp: FiniteMDP, tau: float) -> float:
    """Certified accuracy asked of a solver whose answer is a check's reference: 1e-12·(1 + ‖V‖).

    Above the solvers' round-off floor, (k + A + 8)·u·‖V‖/(1 − γ), for k + A + 8 < 90 at γ <= 0.99;
    tight enough that a certified bound does not hide a wrong temperature or operator.
    """
    return 1e-12 * (1 + value_scale(mdp, tau))


def exact_optimum(mdp: FiniteMDP, tau: float) -> SolveResult:
    """Q*, V* by soft policy iteration to a certified :func:`exact_tolerance` (or its round-off floor).

    A tolerance below the problem's round-off floor makes the solver stop and warn; its
    ``error_bound`` is certified either way, and it is what every comparison adds as slack.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return soft_policy_iteration(mdp, tau, tol=exact_tolerance(mdp, tau))


def instance_label(mdp: FiniteMDP, tau: float) -> str:
    """``"<mdp name>, tau=<τ>"``, the ``details["instance"]`` of a check on one MDP."""
    return f"{mdp.name}, tau={tau:g}"


#: The four verdicts (DESIGN.md, "The check contract"). PASS: the claim held on every instance.
#: FAIL: it did not (a bug, here or in the subject under test), or a measurement or allowance
#: was NaN/inf. ERROR: the check itself raised. REFUTED: the deck's literal statement is false,
#: and the counterexample in the row reproduces.
PASS, FAIL, ERROR, REFUTED = "PASS", "FAIL", "ERROR", "REFUTED"
VERDICTS = (PASS, FAIL, ERROR, REFUTED)


@dataclass(frozen=True)
class CheckResult:
    """One verdict on one claim (DESIGN.md, "The check contract").

    Attributes:
      claim: claim id from CLAIMS.md, e.g. ``"B2"``.
      statement: the claim in one line, with its equation.
      source: slide title in the seed deck, or paper + equation.
      measured: worst violation (or test statistic) over all cases.
      tolerance: what the claim allows; ``details`` says why it is that size.
      verdict: one of :data:`VERDICTS`.
      cases: instances tried.
      details: whatever a reader needs to trust the verdict; a list of strings under
        ``"report"`` is printed by the CLI beneath the row (see :func:`fold`).
      counterexample: for REFUTED (and where a check can say it, FAIL), the instance that
        shows it, in words or as code that rebuilds it.
    """

    claim: str
    statement: str
    source: str
    measured: float
    tolerance: float
    verdict: str
    cases: int
    details: dict = field(default_factory=dict)
    counterexample: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def passed(self) -> bool:
        """The claim held: verdict PASS."""
        return self.verdict == PASS

    @property
    def expected(self) -> bool:
        """Nothing to act on: PASS, or REFUTED with its counterexample reproducing (exit 0)."""
        return self.verdict in (PASS, REFUTED)


def _nonfinite(measured: float, tolerance: float) -> str | None:
    """Why a (measured, tolerance) pair cannot be trusted, or None: NaN or ±inf in either."""
    bad = [
        f"{k} = {v!r}" for k, v in (("measured", measured), ("tolerance", tolerance)) if not np.isfinite(v)
    ]
    return ", ".join(bad) or None


@dataclass(frozen=True)
class Claim:
    """A claim of CLAIMS.md: its id, one-line statement and source.

    ``false_alarm`` is the probability, by design, that the claim's battery fails at one seed
    although the claim holds: 0 for exact checks, ``checks.stats.CLAIM_FALSE_ALARM`` for
    statistical ones (``python -m checks --calibrate`` measures it).
    """

    id: str
    statement: str
    source: str
    false_alarm: float = 0.0

    def result(
        self,
        *,
        measured: float,
        tolerance: float,
        details: dict,
        cases: int = 1,
        passed=None,
        verdict: str | None = None,
        counterexample: str | None = None,
    ) -> CheckResult:
        """A CheckResult for this claim: PASS when ``measured <= tolerance`` unless told (``passed``
        or ``verdict``).

        The one rule against being fooled: a NaN or ±inf measurement or tolerance is a FAIL,
        whatever else was said, and ``details["nonfinite"]`` names it and the instance.
        """
        measured, tolerance = float(measured), float(tolerance)
        if verdict is None:
            ok = measured <= tolerance if passed is None else bool(passed)
            verdict = PASS if ok else FAIL
        why = _nonfinite(measured, tolerance)
        if why is not None:
            verdict = FAIL
            details = {**details, "nonfinite": f"{why} at {details.get('instance', 'this instance')}"}
        return CheckResult(
            self.id, self.statement, self.source, measured, tolerance, verdict, cases, details, counterexample
        )

    def worst_of(self, comparisons: dict[str, tuple[float, float]], details: dict) -> CheckResult:
        """One instance's CheckResult from named (measured, allowed) comparisons.

        The comparison with the largest measured/allowed ratio is reported; a NaN or ±inf in any
        measurement or allowance counts as +inf and fails (a broken input cannot pass by
        producing NaN or inf), and an allowance of 0 makes the comparison a count of violations
        that fails when positive. ``details`` gains ``"worst"`` (its name) and
        ``"comparisons"`` (all of them).
        """
        clean = {k: (float(m), float(a)) for k, (m, a) in comparisons.items()}
        name = max(clean, key=lambda k: _ratio(*clean[k]))
        measured, allowed = clean[name]
        return self.result(
            measured=measured,
            tolerance=allowed,
            details={**details, "worst": name, "comparisons": clean},
        )


def _ratio(measured: float, allowed: float) -> float:
    """measured/allowed; with nothing allowed, 0 when nothing was measured and inf otherwise;
    inf when either is NaN or ±inf (such a pair is the worst and fails)."""
    if _nonfinite(measured, allowed) is not None:
        return float("inf")
    if allowed > 0:
        return measured / allowed
    return 0.0 if measured <= 0 else float("inf")


def fold(claim: Claim, results: Iterable[CheckResult]) -> CheckResult:
    """Fold per-instance results: PASS iff all passed; report the case nearest to failing.

    The reported ``measured``/``tolerance`` pair is that of the case with the largest ratio
    measured/tolerance, so the row shows the worst margin in the claim's own units. Cases
    whose details carry a one-line ``"summary"`` (a statistical check's interval, say) have
    it collected into ``details["report"]``, which the CLI prints under the row.
    """
    results = list(results)
    if not results:
        raise ValueError(f"claim {claim.id}: no cases to fold")

    worst = max(results, key=lambda r: (not r.passed, _ratio(r.measured, r.tolerance)))
    failed = [r.details.get("instance", "?") for r in results if not r.passed]
    if any(r.verdict in (ERROR, REFUTED) for r in results):
        raise ValueError(f"claim {claim.id}: fold takes per-instance PASS/FAIL results only")
    details = {"worst_case": worst.details, "failed_instances": failed}
    report = [r.details["summary"] for r in results if "summary" in r.details]
    if report:
        details["report"] = report
    return claim.result(
        measured=worst.measured,
        tolerance=worst.tolerance,
        cases=sum(r.cases for r in results),
        passed=not failed,
        details=details,
        counterexample=worst.counterexample if failed else None,
    )


#: battery(*, seed: int, size: "quick" | "default" | "full") -> CheckResult
Battery = Callable[..., CheckResult]
_REGISTRY: dict[str, tuple[Claim, Battery]] = {}


def register(claim: Claim) -> Callable[[Battery], Battery]:
    """Decorator: register ``battery(*, seed, size) -> CheckResult`` under ``claim.id``."""

    def deco(fn: Battery) -> Battery:
        if claim.id in _REGISTRY:
            raise ValueError(f"claim {claim.id} is registered twice")
        _REGISTRY[claim.id] = (claim, fn)
        return fn

    return deco


def _claim_order(claim_id: str):
    letter, number, part = re.fullmatch(r"([A-Z]+)(\d+)([a-z]?)", claim_id).groups()
    return letter, int(number), part


def registered() -> list[tuple[Claim, Battery]]:
    """Every registered (claim, battery), in claim order (A1, A2, …, A10, B1, …, G3a, G3b, …)."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY, key=_claim_order)]


def run_battery(claim: Claim, battery: Battery, *, seed: int, size: str) -> CheckResult:
    """Run one battery in isolation: an exception becomes that claim's ERROR row.

    The row carries the exception's type and message (``details["error"]``) and the traceback
    (``details["traceback"]``); the caller goes on with the other claims.
    """
    try:
        res = battery(seed=seed, size=size)
        if not isinstance(res, CheckResult) or res.claim != claim.id:
            raise TypeError(f"battery of {claim.id} returned {type(res).__name__}, not its CheckResult")
        return res
    except Exception as err:  # noqa: BLE001 - isolating the check is the point
        return CheckResult(
            claim.id,
            claim.statement,
            claim.source,
            float("nan"),
            float("nan"),
            ERROR,
            0,
            {"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()},
        )
