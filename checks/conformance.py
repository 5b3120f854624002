"""Check your own implementation: the battery as a conformance suite for anyone's soft-RL code.

``verify(solver=my_solver)`` runs every claim whose checks call a role you give (the roles of
:mod:`checks.subjects`), with your implementation in that role and the project's own in every
other, and compares everything with the project's independent computations. A claim that
then searched: hypothesis (with :mod:`mdps.strategies`) draws instances of the claim's
one-instance check, from tiny to huge temperatures, in your conventions; a failure found there
fails the claim too, and every failure is shrunk to the smallest failing instance (fewest
states and actions, simplest numbers), which the report prints as code that rebuilds it and
re-runs the check.

    >>> from checks import verify
    >>> report = verify(soft_value=lambda q, tau: tau * scipy.special.logsumexp(q / tau, axis=-1))
    >>> report.passed
    True
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from checks.base import ERROR, FAIL, PASS, CheckResult, NotApplicable, Probe, probe, registered, run_battery
from checks.subjects import ROLES, Subject, Subjects
from checks.suite import SIZES
from mdps.conventions import Conventions
from mdps.finite import FiniteMDP
from mdps.strategies import finite_mdps, policies, q_vectors, simplex_vectors, temperatures
from mdps.validation import check_bool, check_int, check_seed
from theory.regularizers import SHANNON

__all__ = ["SEARCH_EXAMPLES", "VerifyReport", "hunt", "instance_code", "verify"]

#: Instances of a claim the hypothesis search tries (``find``'s max_examples) before giving up.
SEARCH_EXAMPLES = 100

#: Sizes of the shrinker's instances: small, so that a counterexample can be read.
_MAX_STATES, _MAX_ACTIONS, _MAX_K = 4, 3, 5


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify` found.

    Attributes:
      roles: the roles given a foreign implementation, with their labels.
      results: claim id -> CheckResult of each claim run (a FAIL carries the shrunk instance, as
        code, in ``counterexample``).
      not_applicable: claim id -> why it was not run (it calls none of the given roles, or no
        instance of it suits the subjects' conventions).
      seed, size: of the suites.
      seconds: wall time.
      regularizer: the regulariser of the problem when it is the project's and not Shannon
        entropy (``verify(..., regularizer=Tsallis())``), as its repr; "" otherwise.
    """

    roles: dict[str, str]
    results: dict[str, CheckResult]
    not_applicable: dict[str, str]
    seed: int
    size: str
    seconds: float
    regularizer: str = ""

    @property
    def passed(self) -> bool:
        """Every claim run passed (and at least one ran)."""
        return bool(self.results) and all(r.expected for r in self.results.values())

    def lines(self) -> list[str]:
        """The report as text lines: one row per claim, then the counterexamples."""
        given = ", ".join(f"{r}={label}" for r, label in self.roles.items())
        problem = f", regularizer={self.regularizer}" if self.regularizer else ""
        out = [f"maxent-verify conformance of {given} ({self.size} suites, seed {self.seed}{problem})"]
        out.append(f"{'claim':5} {'verdict':7} {'measured':>10} {'tolerance':>10} {'cases':>6}  statement")
        for res in self.results.values():
            out.append(
                f"{res.claim:5} {res.verdict:7} {_fmt(res.measured):>10} {_fmt(res.tolerance):>10} "
                f"{res.cases:>6}  {res.statement}"
            )
            if res.verdict == FAIL:
                failed = res.details.get("failed_instances") or []
                if failed:
                    shown = "; ".join(failed[:3]) + ("; …" if len(failed) > 3 else "")
                    out.append(f"{'':13}failed on {len(failed)} instance(s): {shown}")
                if "found_by" in res.details:
                    out.append(f"{'':13}the seeded suite passed; found by the {res.details['found_by']}")
                for key in ("worst_case", "smallest_failing_instance"):
                    d = res.details.get(key)
                    if d is not None and (key != "worst_case" or res.details.get("failed_instances")):
                        what = d.get("worst", "")  # a subject's error is in the instance label
                        label = "smallest" if key != "worst_case" else "worst"
                        out.append(f"{'':13}{label}: {d.get('instance', '?')}{': ' + what if what else ''}")
            if res.verdict == ERROR:
                out.append(f"{'':13}the check raised {res.details.get('error')}")
        for claim, why in self.not_applicable.items():
            out.append(f"{claim:5} {'n/a':7} {'':>10} {'':>10} {'':>6}  {why}")
        n_fail = sum(not r.expected for r in self.results.values())
        out.append(
            f"{len(self.results)} claims run: {len(self.results) - n_fail} passed, {n_fail} failed; "
            f"{len(self.not_applicable)} not applicable ({self.seconds:.1f} s)"
        )
        for res in self.results.values():
            if res.verdict == FAIL and res.counterexample:
                out.append("")
                out.append(f"# {res.claim}: smallest failing instance found")
                out.extend(res.counterexample.splitlines())
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _fmt(x: float) -> str:
    return f"{x:.4g}" if np.isfinite(x) else str(x)


def verify(
    *,
    claims: Iterable[str] | None = None,
    seed: int = 0,
    size: str = "quick",
    conventions: Conventions | None = None,
    search: bool = True,
    search_examples: int = SEARCH_EXAMPLES,
    **implementations: Callable,
) -> VerifyReport:
    """Run the claims that exercise the given roles with your implementations in them.

    Args:
      claims: claim ids to restrict to (default: every claim that calls a given role).
      seed: seed of the suites (the same seed gives the same report, bit for bit).
      size: ``"quick"`` (default), ``"default"`` or ``"full"``.
      conventions: how the implementations read their arguments
        (:class:`~mdps.conventions.Conventions`; default τ, P ``[S, A, S]``, no terminal
        states, τ > 0).
      search: after the seeded suite, search each claim's instances with hypothesis for a
        failing one (:func:`hunt`), and shrink it; a claim the suite passed fails if one is
        found. Either way a failure's ``counterexample`` is the smallest instance, as code.
      search_examples: instances the search tries per claim.
      **implementations: ``role=callable`` for the roles of :data:`checks.subjects.ROLES`
        (``soft_value``, ``soft_indmax``, ``entropy``, ``bellman_operator``,
        ``policy_evaluation``, ``solver``, ``policy_improvement``, ``e2w``), and
        ``regularizer=obj``: a foreign regulariser (an object with ``penalty``, ``value``,
        ``greedy``, ``bounds``) is under test (claims R1–R4); a
        :class:`theory.regularizers.Regularizer` of the project is instead the regulariser of
        the problem the other implementations solve (the claims that hold for every regulariser
        run with it, the Shannon-only ones are not applicable).
    Returns:
      A :class:`VerifyReport`; ``.passed`` and ``.results``.
    Raises:
      ValueError: no role, an unknown role, an unknown claim id or size, a seed outside
        [0, SEED_MAX], search_examples below 1.
      TypeError: an implementation that is not callable, or conventions of a wrong type.
    """
    start = time.perf_counter()
    check_seed(seed)
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    check_bool(search, "search")
    check_int(search_examples, "search_examples", low=1)
    subjects = Subjects.of(conventions, **implementations)
    given = set(subjects.given)
    known = {claim.id: (claim, battery) for claim, battery in registered()}
    wanted = list(known) if claims is None else [str(c) for c in claims]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValueError(f"unknown claim id(s) {', '.join(unknown)}; known: {', '.join(known)}")
    results: dict[str, CheckResult] = {}
    not_applicable: dict[str, str] = {}
    for cid in wanted:
        claim, battery = known[cid]
        if not given & set(claim.roles):
            if claims is not None:
                not_applicable[cid] = f"calls none of the roles given ({', '.join(sorted(given))})"
            continue
        unfit = subjects.unfit(claim)
        if unfit is not None:
            not_applicable[cid] = unfit
            continue
        try:
            res = run_battery(claim, battery, seed=seed, size=size, subjects=subjects)
        except NotApplicable as why:
            not_applicable[cid] = str(why)
            continue
        if res.verdict in (PASS, FAIL) and search:
            found = hunt(claim.id, subjects, max_examples=search_examples)
            if found is not None:
                code, one = found
                details = {**res.details, "smallest_failing_instance": one.details}
                if res.verdict == PASS:  # the seeded suite missed what the search found
                    details["found_by"] = f"hypothesis search over {search_examples} instances"
                res = dataclasses.replace(
                    res,
                    verdict=FAIL,
                    measured=one.measured if res.verdict == PASS else res.measured,
                    tolerance=one.tolerance if res.verdict == PASS else res.tolerance,
                    details=details,
                    counterexample=code,
                )
        results[cid] = res
    roles = {r: getattr(subjects, r).label for r in ROLES if r in given}
    reg = subjects.regularizer
    problem = "" if reg == SHANNON or "regularizer" in given else repr(reg)
    return VerifyReport(roles, results, not_applicable, seed, size, time.perf_counter() - start, problem)


# --- shrinking ---------------------------------------------------------------------------------
def _conventions(subjects: Subjects, roles: Iterable[str]) -> Conventions:
    """The conventions instances must suit: those of the first foreign subject among ``roles``
    (several foreign subjects of one claim are expected to share theirs)."""
    for r in roles:
        s = getattr(subjects, r)
        if getattr(s, "foreign", False):  # a regulariser of the project's is not foreign
            return s.conventions
    return Conventions(terminal_states=True, temperatures="all")


def _taus(conventions: Conventions) -> st.SearchStrategy[float]:
    if conventions.temperatures == "zero":
        return st.just(0.0)
    return temperatures(allow_zero=conventions.temperatures == "all")


def _instance(draws: tuple[str, ...], conventions: Conventions) -> st.SearchStrategy[tuple]:
    """Instances of a probe's draws, in order (``pi``/``q_table`` fit the drawn MDP).

    The strategies are built here, once per search, not on every draw: hypothesis validates
    each new strategy object on its first draw, which took most of a draw's time.
    """
    fixed = {
        "mdp": finite_mdps(max_states=_MAX_STATES, max_actions=_MAX_ACTIONS, conventions=conventions),
        "tau": _taus(conventions),
        "q": q_vectors(min_k=1, max_k=_MAX_K),
        "p": simplex_vectors(min_k=1, max_k=_MAX_K),
        "n_total": st.integers(0, 10**6),
        "epsilon": st.floats(1e-3, 10.0),
    }
    unknown = [name for name in draws if name not in fixed and name not in _PER_MDP]
    if unknown:
        raise ValueError(f"unknown probe draw {unknown[0]!r}")
    return _draws(draws, fixed)


# The draws whose strategy depends on the drawn MDP's shape (S, A): built once per shape.
@functools.lru_cache(maxsize=64)
def _policies(n_states: int, n_actions: int) -> st.SearchStrategy[np.ndarray]:
    return policies(n_states, n_actions)


@functools.lru_cache(maxsize=64)
def _q_tables(n_states: int, n_actions: int) -> st.SearchStrategy[np.ndarray]:
    return q_vectors(n_actions, batch_shape=(n_states,))


_PER_MDP = {"pi": _policies, "q_table": _q_tables}


@st.composite
def _draws(draw, draws: tuple[str, ...], fixed: dict[str, st.SearchStrategy]) -> tuple:
    out, mdp = [], None
    for name in draws:
        if name in _PER_MDP:
            value = draw(_PER_MDP[name](mdp.n_states, mdp.n_actions))
        else:
            value = draw(fixed[name])
        if name == "mdp":
            mdp = value
        out.append(value)
    return tuple(out)


def hunt(claim_id: str, subjects: Subjects, *, max_examples: int = SEARCH_EXAMPLES):
    """Search for the smallest instance on which ``claim_id``'s one-instance check fails.

    Hypothesis draws instances of the claim's :class:`~checks.base.Probe` (MDPs of at most
    4 states and 3 actions, vectors of at most 5 entries, τ from 1e-12 to 1e12, all in the
    subjects' conventions), tries ``max_examples`` of them (derandomized: the same each run)
    and shrinks the first failure to the fewest states and actions and simplest numbers.
    Instances the check refuses (a ValueError: outside the claim) do not count.

    Returns:
      ``(code, result)``: Python code that rebuilds the instance and re-runs the check, and the
      check's CheckResult on it; None when the claim has no probe or nothing failed.
    """
    pr = probe(claim_id)
    if pr is None:
        return None
    claim = next(c for c, _ in registered() if c.id == claim_id)

    def run(instance: tuple) -> CheckResult | None:
        try:
            return pr.run(instance, subjects)
        except ValueError:  # an instance outside the claim (e.g. τ = 0 where it needs τ > 0)
            return None
        except Exception:  # noqa: BLE001 - the check's own trouble on one drawn instance: no
            return None  # verdict on the subject there (the seeded battery reports ERRORs)

    def fails(instance: tuple) -> bool:
        res = run(instance)
        return res is not None and not res.passed

    strategy = _instance(pr.draws, _conventions(subjects, claim.roles))
    try:
        found = find(
            strategy,
            fails,
            settings=settings(
                max_examples=max_examples,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    except NoSuchExample:
        return None
    return instance_code(claim_id, pr, found, subjects), run(found)


def _literal(x) -> str:
    """Python source that rebuilds ``x`` exactly (floats by repr, which round-trips)."""
    if isinstance(x, FiniteMDP):
        parts = [f"np.array({x.dense_P().tolist()!r})", f"np.array({x.R.tolist()!r})", repr(float(x.gamma))]
        if x.terminal.any():
            parts.append(f"terminal=np.array({x.terminal.tolist()!r})")
        return f"FiniteMDP({', '.join(parts)})"
    if isinstance(x, np.ndarray):
        return f"np.array({x.tolist()!r})"
    if isinstance(x, (np.floating, np.integer)):
        return repr(x.item())
    return repr(x)


def _import_line(subject: Subject) -> tuple[str, str]:
    """(import statement, expression) for a subject's implementation (a regulariser's label
    names its class: the expression instantiates it with no arguments)."""
    module, _, name = subject.label.partition(":")
    call = "()" if subject.role == "regularizer" else ""
    if name and "<" not in name and "." not in name and module != "__main__":
        return f"from {module} import {name}", name + call
    return f"# {subject.label}: define or import your {subject.role} here", f"my_{subject.role}"


def instance_code(claim_id: str, pr: Probe, instance: tuple, subjects: Subjects) -> str:
    """Code that rebuilds ``instance`` and re-runs ``claim_id``'s check on it with the subjects."""
    check = pr.check
    foreign = [getattr(subjects, r) for r in ROLES if r in subjects.given]
    imports = ["import numpy as np", "", "from checks.subjects import Subjects"]
    if any(d == "mdp" for d in pr.draws):
        imports.append("from mdps import FiniteMDP")
    imports.append(f"from {check.__module__} import {check.__name__}")
    conventions = {s.conventions for s in foreign if s.foreign}
    if conventions - {Conventions()}:
        imports.append("from mdps.conventions import Conventions")
    roles = []
    for s in foreign:
        line, expr = _import_line(s)
        imports.append(line)
        roles.append(f"{s.role}={expr}")
    reg = subjects.regularizer
    if "regularizer" not in subjects.given and reg != SHANNON:  # the problem's, the project's own
        imports.append(f"from {type(reg).__module__} import {type(reg).__name__}")
        roles.append(f"regularizer={reg!r}")
    conv = next(iter(conventions)) if len(conventions) == 1 else Conventions()
    conv_arg = "" if conv == Conventions() else f"Conventions.parse({conv.as_arguments()!r}), "
    body = [f"{name} = {_literal(value)}" for name, value in zip(pr.draws, instance, strict=True)]
    args = ", ".join(pr.draws)
    subject = "subjects" if pr.takes == "subjects" else "subjects.regularizer"
    return "\n".join(
        [
            *imports,
            "",
            *body,
            f"subjects = Subjects.of({conv_arg}{', '.join(roles)})",
            f"result = {check.__name__}({args}, {pr.takes}={subject})",
            'print(result.verdict, result.details.get("worst"), result.measured, result.tolerance)',
        ]
    )
