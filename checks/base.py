"""The check contract: CheckResult, claims, the registry of batteries, and folding.

A *check* is a pure function over one instance returning a :class:`CheckResult`. A *battery*
runs a check over a seeded suite of instances and folds the results into one row of the report.
Batteries register under their claim id (CLAIMS.md) with :func:`register`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import multiprocessing
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from mdps.finite import FiniteMDP
from theory.bellman import KRYLOV_RTOL
from theory.regularizers import SHANNON, Regularizer
from theory.roundoff import EPS, roundoff
from theory.solvers import value_scale

__all__ = [
    "EPS",
    "ERROR",
    "FAIL",
    "PASS",
    "REFUTED",
    "VERDICTS",
    "CheckResult",
    "Claim",
    "NonFiniteSubject",
    "NotApplicable",
    "Probe",
    "SubjectError",
    "excess",
    "first_nonfinite",
    "fold",
    "in_processes",
    "instance_label",
    "largest",
    "probe",
    "register",
    "registered",
    "roundoff_tolerance",
    "run_battery",
    "solve_residual",
    "solve_roundoff",
    "sup",
]


def roundoff_tolerance(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> float:
    """Float64 round-off allowed in comparing two exact answers on ``mdp`` at temperature τ.

    ``theory.roundoff.roundoff`` = 64·eps·(1 + k)·(1 + ‖V‖): a few ulps of the largest value per
    operation, times the summation length k = max successors per row (Higham's γ_n bound);
    ‖V‖ <= ``theory.solvers.value_scale(mdp, τ, regularizer)`` (Ω of the problem, default
    Shannon entropy).
    """
    # operations: the expectation over k successors, plus one for the reward; magnitude: 1 + ‖V‖
    return roundoff(1 + mdp.max_successors, 1 + value_scale(mdp, tau, regularizer))


def solve_residual(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> float:
    """Residual ‖b − (I − γP_π)x‖∞ allowed of :func:`theory.bellman.evaluate_policy`'s solve.

    Round-off of the products, plus the Krylov acceptance threshold of theory.bellman for sparse
    P: KRYLOV_RTOL·(‖b‖ + ‖x‖) with ‖b‖, ‖x‖ <= ‖V‖ (for the problem's regulariser Ω).
    """
    scale = value_scale(mdp, tau, regularizer)
    return roundoff_tolerance(mdp, tau, regularizer) + 2 * KRYLOV_RTOL * (1 + scale)


def solve_roundoff(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> float:
    """Error allowed on the output of that solve: the residual times ‖(I − γP_π)⁻¹‖∞ <= 1/(1 − γ)."""
    return solve_residual(mdp, tau, regularizer) / (1 - mdp.gamma)


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


def excess(x) -> float:
    """max(0, max x) as a float, NaN if x holds a NaN.

    Python's ``max(0.0, nan)`` is 0.0 (a comparison with NaN is False): a violation measured as
    ``max(0.0, ...)`` would hide a NaN and pass. ``np.maximum`` and ``np.max`` propagate it.
    """
    return float(np.maximum(0.0, np.max(x)))


def largest(*values) -> float:
    """The largest of some numbers (or of one array's entries), NaN if any is NaN (Python's ``max``
    keeps the first of a NaN and a number, whichever order they come in, so a running ``max`` can
    drop a NaN)."""
    return float(np.max(np.asarray(values, dtype=np.float64)))


def sup(x) -> float:
    """‖x‖∞ = max |x| over all entries of an array, as a float: 0 if it is empty, NaN if any is NaN."""
    return float(np.abs(x).max()) if np.size(x) else 0.0


class NonFiniteSubject(Exception):
    """A subject of a check (an injected hook's output, or an injected value) holds NaN or ±inf.

    Raised by the guards of :meth:`Claim.subjects` and turned into that check's FAIL: the
    contract makes NaN or inf anywhere a failure, and a NaN fed on into the project's own
    functions would otherwise stop the check with a validation error (an ERROR row).
    """


class SubjectError(Exception):
    """The subject under test answered with something unusable: a wrong shape or type, or it
    raised (checks.subjects). The check that called it reports FAIL with this message."""


class NotApplicable(Exception):
    """No instance of a claim's battery can be given to the subjects under test (their
    conventions rule every one out, e.g. a τ = 0 solver and a claim about τ > 0)."""


def first_nonfinite(x, allow: tuple[float, ...] = (), where: str = "") -> str | None:
    """Where the first NaN or ±inf in ``x`` is, e.g. ``".q[0, 1] = nan"``, or None if there is none.

    Looks inside arrays (float and complex), floats, tuples and NamedTuples, lists, dicts,
    dataclasses and sympy expressions (``nan``, ``zoo``, ``±oo``); integers, booleans and
    strings are always finite. Values in ``allow`` (e.g. ``+inf`` for a convex conjugate off
    its domain, ``-inf`` for a log-probability) are not reported.
    """
    if isinstance(x, np.ndarray):  # first: the common case, on the hot path of every hook call
        if x.dtype.kind not in "fc" or np.isfinite(x).all():
            return None
        bad = ~np.isfinite(x)
        if allow:
            bad &= ~np.isin(x, allow)
        if not bad.any():
            return None
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"{where}[{', '.join(map(str, idx))}] = {x[idx]!r}"
    if isinstance(x, (bool, np.bool_, int, np.integer, str, bytes)) or x is None:
        return None
    if isinstance(x, (float, np.floating, complex, np.complexfloating)):
        return None if np.isfinite(x) or x in allow else f"{where} = {x!r}"
    if type(x).__module__.startswith("sympy"):
        import sympy as sp  # only reached with sympy subjects (the A checks' derivations)

        if isinstance(x, sp.Basic) and x.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return f"{where} = {x}"
        return None
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        items = zip((f".{f}" for f in x._fields), x)
    elif isinstance(x, (tuple, list)):
        items = ((f"[{i}]", v) for i, v in enumerate(x))
    elif isinstance(x, dict):
        items = ((f"[{k!r}]", v) for k, v in x.items())
    elif dataclasses.is_dataclass(x) and not isinstance(x, type):
        items = ((f".{f.name}", getattr(x, f.name)) for f in dataclasses.fields(x))
    else:
        return None
    for label, value in items:
        found = first_nonfinite(value, allow, where + label)
        if found is not None:
            return found
    return None


@functools.lru_cache(maxsize=256)
def _guard_cached(fn, name: str, allow: tuple[float, ...]):
    return _guard(fn, name, allow)


def _guard(fn, name: str, allow: tuple[float, ...]):
    """``fn`` raising :class:`NonFiniteSubject` when its output holds a non-finite float."""

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        out = fn(*args, **kwargs)
        where = first_nonfinite(out, allow)
        if where is not None:
            raise NonFiniteSubject(f"subject {name!r} returned a non-finite value: output{where}")
        return out

    return guarded


def _guarded(fn, name: str, allow: tuple[float, ...]):
    """The guard of one hook; the same wrapper for the same hook (caches keyed on it keep working)."""
    try:
        return _guard_cached(fn, name, allow)
    except TypeError:  # an unhashable callable object: guard it afresh
        return _guard(fn, name, allow)


def _label(arguments: dict) -> str:
    """A check's instance in words, from its bound arguments: the MDP's name and τ when present."""
    parts = [v.name for v in arguments.values() if isinstance(v, FiniteMDP)]
    if "tau" in arguments and isinstance(arguments["tau"], (int, float)):
        parts.append(f"tau={arguments['tau']:g}")
    if "name" in arguments and arguments["name"]:
        parts.insert(0, str(arguments["name"]))
    return ", ".join(parts) or "this instance"


@dataclass(frozen=True)
class Claim:
    """A claim of CLAIMS.md: its id, one-line statement and source.

    ``false_alarm`` is the probability, by design, that the claim's battery fails at one seed
    although the claim holds: 0 for exact checks, ``theory.stats.CLAIM_FALSE_ALARM`` for
    statistical ones (``python -m checks --calibrate`` measures it).

    ``roles`` are the roles of :mod:`checks.subjects` whose subject the claim's checks call
    (``checks.verify`` runs the claim when one of them is given a foreign implementation).

    ``regularizer_free``: the statement holds for every regulariser Ω of the policy (its
    printed form is the Shannon one), and the claim's checks take Ω from
    ``subjects.regularizer`` (``python -m checks --regularizer``).
    """

    id: str
    statement: str
    source: str
    false_alarm: float = 0.0
    roles: tuple[str, ...] = ()
    regularizer_free: bool = False

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

    def subjects(self, *names: str, **allowing: tuple[float, ...]):
        """Decorator of a check function: its subjects must give finite, usable answers.

        A check takes its subjects as one ``subjects=`` (a :class:`checks.subjects.Subjects`),
        whose calls raise :class:`SubjectError` or :class:`NonFiniteSubject` on an unusable or
        non-finite answer; the decorated check turns either into its FAIL. The parameters
        listed here are the check's own further seams (the project's derived quantities that
        its negative controls replace), guarded the same way:

        ``names`` (and the keys of ``allowing``) are the check's keyword parameters that carry
        the subject: hooks (callables, the defaults included) and injected values (a policy, a
        V table, a factor under test). A hook's output is scanned at every call, a value once,
        by :func:`first_nonfinite`; ``allowing[name]`` lists the non-finite values that are
        legitimate for it (``conjugate=(inf,)``: F* is +inf off the simplex). A NaN or ±inf
        anywhere stops the check, which returns FAIL with ``measured`` = NaN and
        ``details["subject"]`` saying which subject gave what: a NaN subject is a FAIL, neither
        a PASS (NaN compared is False, and a comparison that is skipped passes) nor an ERROR
        (the project's functions reject a NaN input with a ValueError).
        """
        specs = {**{n: () for n in names}, **{n: tuple(a) for n, a in allowing.items()}}

        def deco(check):
            signature = inspect.signature(check)
            unknown = set(specs) - set(signature.parameters)
            if unknown:
                raise TypeError(f"{check.__name__} has no parameter(s) {sorted(unknown)}")

            @functools.wraps(check)
            def guarded_check(*args, **kwargs):
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                try:
                    for name, allow in specs.items():
                        value = bound.arguments[name]
                        if callable(value):
                            bound.arguments[name] = _guarded(value, name, allow)
                        elif value is not None:
                            where = first_nonfinite(value, allow)
                            if where is not None:
                                raise NonFiniteSubject(f"subject {name!r} is not finite: {name}{where}")
                    return check(*bound.args, **bound.kwargs)
                except (NonFiniteSubject, SubjectError) as err:
                    label = _label(bound.arguments)
                    return self.result(
                        measured=math.nan,
                        tolerance=math.nan,
                        details={"instance": f"{label} ({err})", "subject": str(err)},
                    )

            return guarded_check

        return deco

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


#: battery(*, seed: int, size: "quick" | "default" | "full", subjects=OWN) -> CheckResult
Battery = Callable[..., CheckResult]
_REGISTRY: dict[str, tuple[Claim, Battery]] = {}


@dataclass(frozen=True)
class Probe:
    """How ``checks.verify`` shrinks a failure of a claim to the smallest failing instance.

    Attributes:
      draws: the names of the check's positional arguments, each drawn by hypothesis in order:
        ``"mdp"`` (a FiniteMDP), ``"tau"``, ``"q"`` (a vector ``[K]``), ``"q_table"`` (``[S, A]``
        for the drawn MDP), ``"p"`` (a distribution ``[K]``), ``"pi"`` (a policy for the drawn
        MDP), ``"n_total"`` (a visit count >= 0), ``"epsilon"`` (E2W's ε > 0).
      check: ``check(*instance, subjects=...) -> CheckResult`` on one instance, or
        ``check(*instance, regularizer=...)`` for ``takes="regularizer"``.
      takes: how the check takes its subject: ``"subjects"`` (default), the whole
        :class:`checks.subjects.Subjects`; ``"regularizer"``, its ``regularizer`` (the claims of
        the regularizer role, whose one-instance checks have that seam).
    """

    draws: tuple[str, ...]
    check: Callable[..., CheckResult]
    takes: str = "subjects"

    def __post_init__(self) -> None:
        if self.takes not in ("subjects", "regularizer"):
            raise ValueError(f"takes must be 'subjects' or 'regularizer', got {self.takes!r}")

    def run(self, instance: tuple, subjects) -> CheckResult:
        """The check on one instance with the subject(s) of ``subjects``."""
        subject = subjects if self.takes == "subjects" else subjects.regularizer
        return self.check(*instance, **{self.takes: subject})


_PROBES: dict[str, Probe] = {}


def register(claim: Claim, *, probe: Probe | None = None) -> Callable[[Battery], Battery]:
    """Decorator: register ``battery(*, seed, size, subjects) -> CheckResult`` under ``claim.id``;
    ``probe``: how to shrink a failure of it (claims with ``roles``)."""

    def deco(fn: Battery) -> Battery:
        if claim.id in _REGISTRY:
            raise ValueError(f"claim {claim.id} is registered twice")
        _REGISTRY[claim.id] = (claim, fn)
        if probe is not None:
            _PROBES[claim.id] = probe
        return fn

    return deco


def probe(claim_id: str) -> Probe | None:
    """The registered :class:`Probe` of a claim, or None."""
    return _PROBES.get(claim_id)


def _claim_order(claim_id: str):
    letter, number, part = re.fullmatch(r"([A-Z]+)(\d+)([a-z]?)", claim_id).groups()
    return letter, int(number), part


def registered() -> list[tuple[Claim, Battery]]:
    """Every registered (claim, battery), in claim order (A1, A2, …, A10, B1, …, G3a, G3b, …)."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY, key=_claim_order)]


def run_battery(claim: Claim, battery: Battery, *, seed: int, size: str, subjects=None) -> CheckResult:
    """Run one battery in isolation: an exception becomes that claim's ERROR row.

    The row carries the exception's type and message (``details["error"]``) and the traceback
    (``details["traceback"]``); the caller goes on with the other claims. ``subjects`` (a
    ``checks.subjects.Subjects``) is passed on when given; :class:`NotApplicable` propagates.
    """
    try:
        given = {} if subjects is None else {"subjects": subjects}
        res = battery(seed=seed, size=size, **given)
        if not isinstance(res, CheckResult) or res.claim != claim.id:
            raise TypeError(f"battery of {claim.id} returned {type(res).__name__}, not its CheckResult")
        return res
    except NotApplicable:
        raise
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


def in_processes(fn: Callable, items: Iterable, jobs: int) -> Iterator:
    """``fn(item)`` for each item, yielded in order, computed in ``jobs`` forked processes.

    In this process when ``jobs`` is 1 or there is one item. The workers are forked, so they
    inherit the module state ``fn`` reads (registered batteries, a test's lambdas), and ``fn``
    itself must be a module-level function; each battery seeds its own instances, so the results
    are the same however many processes compute them.
    """
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    with ProcessPoolExecutor(min(jobs, len(items)), mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(fn, items)
