"""Subjects: what is under test, in roles that anyone's code can play.

A *role* is a plain-numpy signature that third-party code can meet without importing this
project (P dense ``[S, A, S]`` with rows summing to 1, R ``[S, A]``, γ a float in [0, 1), τ > 0
unless the conventions allow τ = 0, q ``[..., K]`` or ``[S, A]``, π ``[S, A]``):

====================== =================================== ================================================
role                   signature                           returns
====================== =================================== ================================================
``soft_value``         ``f(q, tau)``                       F_τ over the last axis, ``[...]``
``soft_indmax``        ``f(q, tau)``                       f_τ, the shape of q
``entropy``            ``f(p)``                            H over the last axis, ``[...]``
``bellman_operator``   ``f(P, R, gamma, q, tau)``          (TQ)(s,a) = R + γ Σ P F_τ(Q(s',·)), ``[S, A]``
``policy_evaluation``  ``f(P, R, gamma, pi, tau)``         ``(q, v)``: soft Q^π ``[S, A]``, V^π ``[S]``
``solver``             ``f(P, R, gamma, tau, tol)``        ``(q, v)``, or an object with ``.q``, ``.v``
                                                           and optionally ``.error_bound``
``policy_improvement`` ``f(q, tau)``                       π̃ = f_τ(q) row-wise, ``[S, A]``
``e2w``                ``f(q_hat, n_total, tau, epsilon)`` the E2W sampling distribution ``[K]``
``regularizer``        an object: ``penalty(pi, tau)``,    τΩ(π) ``[...]``; (τΩ)*(q) ``[...]``;
                       ``value(q, tau)``,                  ∇(τΩ)*(q), the shape of q; ``(L, U)``, the
                       ``greedy(q, tau)``,                 range of Ω on the simplex (along the last
                       ``bounds(n_actions)``               axis)
====================== =================================== ================================================

The ``regularizer`` role is the one that is not a function: a regulariser Ω of the policy
(:class:`theory.regularizers.Regularizer`'s four public methods, duck-typed), checked by the
claims R1–R4 (:mod:`checks.regularizers`; R4 is about a Tsallis regulariser: its greedy must be
sparsemax). :class:`Subjects` carries it as its field ``regularizer``, which is also the
regulariser of the problem: the claims whose statement holds for every regulariser (their
``Claim.regularizer_free``: B1, B2, C1, C3, D1, D2, D3, D5) take Ω from it, and
:meth:`Subjects.regularized` gives the project's own operator, evaluation, solver and
improvement for it. A foreign regulariser is wrapped in :class:`ForeignRegularizer`; its
round-off model (``value_roundoff``) is unknown, so only the claims of its role run with it.

A :class:`Subject` is the one mechanism that carries an implementation into a check. The check
calls it in the project's own terms (a :class:`~mdps.finite.FiniteMDP` for the MDP roles, τ);
the subject adapts the arguments to its :class:`~mdps.conventions.Conventions` (τ or β = 1/τ,
P ``[S, A, S]`` or ``[A, S, S]``, terminal states or not), calls the implementation, and returns
float arrays of the promised shapes. Checks take every role at once, as one :class:`Subjects`
value (``subjects=``); :data:`OWN` is the project's own implementation of each role.

The subject is never trusted: checks compare its answers with the project's independent
computations, and a solver's own ``error_bound`` must contain its actual error and be at most
the ``tol`` it was asked for (:func:`solver_comparisons`). Whatever a foreign subject does
wrong (a wrong shape, an exception, NaN or inf for finite input) is its failure: a
:class:`SubjectError` (or :class:`~checks.base.NonFiniteSubject`), which the check reports as
FAIL, never as its own ERROR.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from checks.base import NonFiniteSubject, NotApplicable, SubjectError, first_nonfinite
from mdps.conventions import Conventions
from mdps.finite import FiniteMDP
from mdps.validation import as_float_array, check_int, check_simplex, check_tau
from theory.bandit import e2w_distribution
from theory.bellman import boltzmann_policy, evaluate_policy, soft_bellman_operator
from theory.regularizers import SHANNON, Regularizer
from theory.softmax import entropy, soft_indmax, soft_value
from theory.solvers import ConvergenceWarning, SolveResult, attainable_tolerance, soft_value_iteration

__all__ = [
    "MDP_ROLES",
    "OWN",
    "REGULARIZED_ROLES",
    "ROLES",
    "ForeignRegularizer",
    "NotApplicable",
    "Role",
    "SolverAnswer",
    "Subject",
    "SubjectError",
    "Subjects",
    "regularizer_subject",
    "solver_comparisons",
    "solver_tolerance",
]


@dataclass(frozen=True)
class Role:
    """A role a subject can play.

    Attributes:
      name: the role's name, a keyword of :class:`Subjects`.
      signature: how a foreign implementation is called.
      returns: what it must return.
      own: the project's implementation, called in the project's terms (``mdp`` for P, R, γ);
        for the ``regularizer`` role, Shannon entropy.
    """

    name: str
    signature: str
    returns: str
    own: Callable | Regularizer


ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role("soft_value", "f(q, tau)", "F_τ over the last axis, [...]", soft_value),
        Role("soft_indmax", "f(q, tau)", "f_τ, the shape of q", soft_indmax),
        Role("entropy", "f(p)", "H over the last axis, [...]", entropy),
        Role(
            "bellman_operator",
            "f(P, R, gamma, q, tau)",
            "(TQ)(s,a) = R + γ Σ P F_τ(Q(s',·)), [S, A]",
            soft_bellman_operator,
        ),
        Role(
            "policy_evaluation",
            "f(P, R, gamma, pi, tau)",
            "(q, v): soft Q^π [S, A], V^π [S]",
            evaluate_policy,
        ),
        Role(
            "solver",
            "f(P, R, gamma, tau, tol)",
            "(q, v), or an object with .q, .v and optionally .error_bound",
            soft_value_iteration,
        ),
        Role("policy_improvement", "f(q, tau)", "π̃ = f_τ(q) row-wise, [S, A]", boltzmann_policy),
        Role("e2w", "f(q_hat, n_total, tau, epsilon)", "the E2W sampling distribution [K]", e2w_distribution),
        Role(
            "regularizer",
            "an object with penalty(pi, tau), value(q, tau), greedy(q, tau), bounds(n_actions)",
            "τΩ(π) [...], (τΩ)*(q) [...], ∇(τΩ)*(q) the shape of q, (L, U)",
            SHANNON,
        ),
    )
}

#: The roles that take an MDP (P, R, γ).
MDP_ROLES = frozenset({"bellman_operator", "policy_evaluation", "solver"})

#: The roles whose own implementation depends on the regulariser of the problem
#: (:meth:`Subjects.regularized`).
REGULARIZED_ROLES = ("bellman_operator", "policy_evaluation", "solver", "policy_improvement")


@dataclass(frozen=True)
class SolverAnswer:
    """A solver's answer in the project's terms.

    Attributes:
      q: ``[S, A]`` its Q. v: ``[S]`` its V.
      error_bound: the bound it claims on max |q − q*| and max |v − v*|; None if it claims none.
    """

    q: np.ndarray
    v: np.ndarray
    error_bound: float | None


def _as_array(x, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``x`` as float64 of ``shape``, or SubjectError naming what was expected."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise SubjectError(f"{what} must return real numbers, got {type(x).__name__}: {err}") from None
    if a.shape != tuple(shape):
        raise SubjectError(f"{what} must return shape {tuple(shape)}, got {a.shape}")
    return a


def _pair(out, what: str):
    """(q, v) from a tuple/list of two or an object with ``.q`` and ``.v``."""
    if hasattr(out, "q") and hasattr(out, "v"):
        return out.q, out.v
    if isinstance(out, (tuple, list)) and len(out) == 2:
        return out
    raise SubjectError(f"{what} must return (q, v) or an object with .q and .v, got {type(out).__name__}")


def _label(fn) -> str:
    """``module:qualname`` of a callable, as the CLI's ``--subject`` takes it."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    return f"{module}:{name}" if module and name else repr(fn)


@dataclass(frozen=True)
class Subject:
    """One implementation playing one role.

    Attributes:
      role: a key of :data:`ROLES`.
      fn: the implementation.
      conventions: how ``fn`` reads its arguments (a foreign implementation, called with the
        role's plain-numpy signature); None: ``fn`` is called in the project's own terms
        (``fn(mdp, q, tau)``, …: the project's implementation, or a negative control of it).
      label: how to import ``fn`` (``package.module:attr``), for counterexample code.
    Raises:
      ValueError: an unknown role. TypeError: ``fn`` not callable, conventions of a wrong type.

    Call it as ``subject(*args)`` with the role's arguments in the project's terms: ``(q, tau)``,
    ``(p,)``, ``(mdp, q, tau)``, ``(mdp, pi, tau)``, ``(mdp, tau, tol)``,
    ``(q_hat, n_total, tau, epsilon)``; a native ``fn`` is called the same way, except a
    solver, called ``fn(mdp, tau, tol=tol)`` like theory.solvers'. It returns float arrays of
    the promised shapes (a :class:`SolverAnswer` for a solver; ``(q, v)`` for a policy
    evaluation).
    """

    role: str
    fn: Callable
    conventions: Conventions | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; the roles are {', '.join(ROLES)}")
        if self.role == "regularizer":
            raise ValueError("the regularizer role is an object, not a function: see ForeignRegularizer")
        if not callable(self.fn):
            raise TypeError(f"the {self.role} subject must be callable, got {self.fn!r}")
        if self.conventions is not None and not isinstance(self.conventions, Conventions):
            raise TypeError(f"conventions must be a Conventions or None, got {self.conventions!r}")
        if not self.label:
            object.__setattr__(self, "label", _label(self.fn))

    @property
    def foreign(self) -> bool:
        """Whether ``fn`` is called with the role's plain-numpy signature."""
        return self.conventions is not None

    def accepts(self, mdp: FiniteMDP | None = None, tau: float | None = None) -> bool:
        """Whether the battery may give this subject ``mdp`` and temperature ``tau``."""
        if self.conventions is None:
            return True
        return (mdp is None or self.conventions.accepts(mdp)) and (
            tau is None or self.conventions.accepts_tau(tau)
        )

    def __call__(self, *args):
        # A FiniteMDP is finite by construction (mdps.finite validates P and R): not rescanned.
        finite_input = first_nonfinite([a for a in args if not isinstance(a, FiniteMDP)]) is None
        try:
            with warnings.catch_warnings():
                # A subject is judged by its answers: a foreign one's overflow warnings show up
                # as inf/NaN (a FAIL below), the own solver's ConvergenceWarning as an
                # error_bound above tol (checks.subjects.solver_comparisons).
                warnings.simplefilter("ignore", RuntimeWarning if self.foreign else ConvergenceWarning)
                out = getattr(self, f"_{self.role}")(*args)
        except (SubjectError, NonFiniteSubject):
            raise
        except Exception as err:
            if not self.foreign:
                raise  # the project's own code raising: the check's ERROR
            why = f"{type(err).__name__}: {err}"
            raise SubjectError(f"{self.role} subject {self.label} raised {why}") from err
        if finite_input:  # finite in, finite out (a check may pass -inf, e.g. a log-probability)
            where = first_nonfinite(out)
            if where is not None:
                raise NonFiniteSubject(
                    f"{self.role} subject {self.label} returned a non-finite value "
                    f"for finite input: output{where}"
                )
        return out

    # --- calling fn, one adapter per role ---------------------------------------------------------
    def _tau(self, tau: float) -> float:
        return self.conventions.temperature_argument(tau)

    def _call_mdp(self, mdp: FiniteMDP, *rest):
        P, R, gamma = self.conventions.arrays(mdp)
        if self.conventions.terminal_states:
            return self.fn(P, R, gamma, *rest, terminal=mdp.terminal.copy())
        return self.fn(P, R, gamma, *rest)

    def _q_role(self, q, tau, shape_of, what: str):
        q = np.asarray(q, dtype=np.float64)
        out = self.fn(q, tau) if not self.foreign else self.fn(q.copy(), self._tau(tau))
        return _as_array(out, shape_of(q), what)

    def _soft_value(self, q, tau):
        return self._q_role(q, tau, lambda q: q.shape[:-1], "soft_value(q, tau)")

    def _soft_indmax(self, q, tau):
        return self._q_role(q, tau, np.shape, "soft_indmax(q, tau)")

    def _policy_improvement(self, q, tau):
        return self._q_role(q, tau, np.shape, "policy_improvement(q, tau)")

    def _entropy(self, p):
        p = np.asarray(p, dtype=np.float64)
        return _as_array(self.fn(p.copy() if self.foreign else p), p.shape[:-1], "entropy(p)")

    def _e2w(self, q_hat, n_total, tau, epsilon):
        q_hat = np.asarray(q_hat, dtype=np.float64)
        what = "e2w(q_hat, n_total, tau, epsilon)"
        if not self.foreign:
            return _as_array(self.fn(q_hat, n_total, tau, epsilon), q_hat.shape, what)
        # The role is one distribution [K] per call: a batch [..., K] is asked row by row (a
        # bandit simulation asks R rows per pull, so the loop does no more than it must).
        shape = q_hat.shape[-1:]
        rows = np.array(q_hat.reshape(-1, shape[0]))  # a copy: each row handed over is its own
        counts = np.broadcast_to(np.asarray(n_total), q_hat.shape[:-1]).reshape(-1).tolist()
        temperature = self._tau(tau)
        out = np.empty_like(rows)
        for i, (row, n) in enumerate(zip(rows, counts, strict=True)):
            out[i] = _as_array(self.fn(row, n, temperature, epsilon), shape, what)
        return out.reshape(q_hat.shape)

    def _bellman_operator(self, mdp: FiniteMDP, q, tau):
        what = "bellman_operator(P, R, gamma, q, tau)"
        if not self.foreign:
            return _as_array(self.fn(mdp, q, tau), mdp.R.shape, what)
        out = self._call_mdp(mdp, np.array(q, dtype=np.float64), self._tau(tau))
        return _as_array(out, mdp.R.shape, what)

    def _policy_evaluation(self, mdp: FiniteMDP, pi, tau):
        what = "policy_evaluation(P, R, gamma, pi, tau)"
        if not self.foreign:
            out = self.fn(mdp, pi, tau)
        else:
            out = self._call_mdp(mdp, np.array(pi, dtype=np.float64), self._tau(tau))
        q, v = _pair(out, what)
        return _as_array(q, mdp.R.shape, f"{what}'s q"), _as_array(v, mdp.R.shape[:1], f"{what}'s v")

    def _solver(self, mdp: FiniteMDP, tau, tol) -> SolverAnswer:
        what = "solver(P, R, gamma, tau, tol)"
        if not self.foreign:
            out = self.fn(mdp, tau, tol=float(tol))
        else:
            out = self._call_mdp(mdp, self._tau(tau), float(tol))
        q, v = _pair(out, what)
        bound = getattr(out, "error_bound", None)
        if bound is not None:
            try:
                bound = float(bound)
            except (TypeError, ValueError):
                raise SubjectError(f"{what}'s error_bound must be a number, got {bound!r}") from None
        q = _as_array(q, mdp.R.shape, f"{what}'s q")
        return SolverAnswer(q, _as_array(v, mdp.R.shape[:1], f"{what}'s v"), bound)


@dataclass(frozen=True, eq=False)
class ForeignRegularizer(Regularizer):
    """A foreign regulariser (the ``regularizer`` role) as a :class:`~theory.regularizers.Regularizer`.

    The object need only have ``penalty(pi, tau)``, ``value(q, tau)``, ``greedy(q, tau)`` and
    ``bounds(n_actions)``, along the last axis. Each call validates the arguments in the
    project's terms (a ValueError or TypeError naming them, as the project's regularisers do),
    hands the object copies with the temperature in its conventions (τ or β = 1/τ), and
    returns float64 arrays of the promised shapes. Whatever the object does wrong is its
    failure: a wrong shape, an exception or bounds that are not two numbers L <= U is a
    :class:`SubjectError`, NaN or inf for finite input a :class:`NonFiniteSubject` (a check
    reports either as FAIL). The first-axis kernels go through ``value`` and ``greedy``.
    ``value_roundoff`` is unknown for it: the claims that need a regulariser's round-off model
    (the solvers' certificates) do not run with it (:meth:`Subjects.unfit`).

    Attributes:
      obj: the object.
      conventions: how it reads the temperature (:class:`~mdps.conventions.Conventions`).
      label: how to import it (``package.module:attr``), for counterexample code.
    """

    obj: object
    conventions: Conventions = dataclasses.field(default_factory=Conventions)
    label: str = ""

    role = "regularizer"
    foreign = True

    def __post_init__(self) -> None:
        methods = ("penalty", "value", "greedy", "bounds")
        missing = [m for m in methods if not callable(getattr(self.obj, m, None))]
        if missing:
            raise TypeError(f"the regularizer subject {self.obj!r} has no method(s) {', '.join(missing)}")
        if not isinstance(self.conventions, Conventions):
            raise TypeError(f"conventions must be a Conventions, got {self.conventions!r}")
        if not self.label:
            cls = type(self.obj)
            object.__setattr__(self, "label", f"{cls.__module__}:{cls.__qualname__}")

    def __repr__(self) -> str:
        return f"ForeignRegularizer({self.label})"

    def accepts(self, mdp: FiniteMDP | None = None, tau: float | None = None) -> bool:
        """Whether the battery may give it temperature ``tau`` (it takes no MDP)."""
        return tau is None or self.conventions.accepts_tau(tau)

    def _tau(self, tau) -> float:
        """τ validated, as the object takes it (τ or β = 1/τ)."""
        return self.conventions.temperature_argument(check_tau(tau))

    def _call(self, what: str, shape: tuple[int, ...], *args):
        """``obj.<method>(*args)`` (``what`` = ``"method(arguments)"``) as float64 of ``shape``."""
        method = what.partition("(")[0]
        finite_input = first_nonfinite(list(args)) is None
        try:
            with warnings.catch_warnings():
                # judged by its answers: an overflow shows up as inf/NaN, a FAIL below
                warnings.simplefilter("ignore", RuntimeWarning)
                out = getattr(self.obj, method)(*args)
        except Exception as err:
            raise SubjectError(
                f"regularizer subject {self.label} raised {type(err).__name__}: {err} in {what}"
            ) from err
        a = _as_array(out, shape, f"regularizer {what}")
        where = first_nonfinite(a) if finite_input else None
        if where is not None:
            raise NonFiniteSubject(
                f"regularizer subject {self.label} returned a non-finite value "
                f"for finite input: {what}{where}"
            )
        return a

    def penalty(self, pi, tau) -> np.ndarray:
        """τΩ(π) ``[...]`` by the object's ``penalty``."""
        p, t = check_simplex(pi, "pi"), self._tau(tau)
        return self._call("penalty(pi, tau)", p.shape[:-1], p.copy(), t)

    def value(self, q, tau) -> np.ndarray:
        """(τΩ)*(q) ``[...]`` by the object's ``value``."""
        a, t = as_float_array(q, "q"), self._tau(tau)
        return self._call("value(q, tau)", a.shape[:-1], a.copy(), t)[()]

    def greedy(self, q, tau) -> np.ndarray:
        """∇(τΩ)*(q), the shape of q, by the object's ``greedy``: distributions, or its failure."""
        a, t = as_float_array(q, "q"), self._tau(tau)
        out = self._call("greedy(q, tau)", a.shape, a.copy(), t)
        try:
            return check_simplex(out, "greedy(q, tau)")
        except ValueError as err:  # off the simplex: the subject's FAIL, also deep inside a solver
            raise SubjectError(f"regularizer subject {self.label}: {err}") from None

    def bounds(self, n_actions) -> tuple[float, float]:
        """(L, U) by the object's ``bounds``: two finite numbers with L <= U."""
        k = check_int(n_actions, "n_actions", low=1)
        low, high = (float(b) for b in self._call("bounds(n_actions)", (2,), k))
        if not low <= high:
            raise SubjectError(f"regularizer subject {self.label}: bounds({k}) = ({low}, {high}) has L > U")
        return low, high

    def value_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """``value`` over the first axis."""
        return self.value(np.moveaxis(x, 0, -1), tau)

    def greedy_first_axis(self, x: np.ndarray, tau: float) -> np.ndarray:
        """``greedy`` over the first axis."""
        return np.moveaxis(self.greedy(np.moveaxis(x, 0, -1), tau), -1, 0)

    def value_roundoff(self, n_actions: int, tau: float, q_norm: float) -> float:
        """The object's own ``value_roundoff(n_actions, tau, q_norm)`` (a bound on the float64
        error of its ``value``), if it has one: then R2 and R3, whose certified solvers need it,
        run with it; otherwise NotApplicable (the claim needing it is not run)."""
        if not callable(getattr(self.obj, "value_roundoff", None)):
            raise NotApplicable(
                f"the round-off model of the foreign regularizer {self.label} is unknown (it has no "
                "value_roundoff(n_actions, tau, q_norm)): a claim whose allowance needs it cannot run with it"
            )
        k, t = check_int(n_actions, "n_actions", low=1), self._tau(tau)
        return float(self._call("value_roundoff(n_actions, tau, q_norm)", (), k, t, float(q_norm)))


def regularizer_subject(regularizer) -> ForeignRegularizer:
    """``regularizer`` as a subject: a :class:`ForeignRegularizer` as it is, any other (the
    project's own, or a negative control of it) wrapped, so that every answer it gives is
    checked (shape, finiteness, greedy on the simplex) and a wrong one is its FAIL, also when
    it is called deep inside the project's operator and solvers."""
    if isinstance(regularizer, ForeignRegularizer):
        return regularizer
    return ForeignRegularizer(regularizer, label=repr(regularizer))


@functools.cache  # one Subject per (role, Ω), never evicted: Subjects.given compares with it
def _own(role: str, regularizer: Regularizer = SHANNON) -> Subject:
    """The project's implementation of ``role`` for the problem's regulariser: for Shannon
    entropy (and the roles that do not depend on it) the function of :data:`ROLES` itself,
    else the function with ``regularizer=`` bound (the improvement: its greedy policy)."""
    fn = ROLES[role].own
    if role not in REGULARIZED_ROLES or regularizer == SHANNON:
        return Subject(role, fn, None, _label(fn))
    if role == "policy_improvement":
        label = f"{type(regularizer).__module__}:{regularizer!r}.greedy"
        return Subject(role, regularizer.greedy, None, label)
    bound = functools.partial(fn, regularizer=regularizer)
    return Subject(role, bound, None, f"{_label(fn)}(regularizer={regularizer!r})")


@dataclass(frozen=True)
class Subjects:
    """Every role's subject, as one value: what a check or a battery is given (``subjects=``).

    Build with :meth:`of` (foreign implementations, in their conventions) or :meth:`replace`
    (the project's terms: negative controls of its own functions), and :meth:`regularized`
    (another regulariser of the problem); :data:`OWN` is the project's own implementation of
    every role, for Shannon entropy.

    ``regularizer`` is the regulariser Ω of the problem (default Shannon entropy), the one
    place the checks take it from, and the ``regularizer`` role: a :class:`ForeignRegularizer`
    is under test (R1–R4), a :class:`~theory.regularizers.Regularizer` of the project is not.
    """

    soft_value: Subject = dataclasses.field(default_factory=lambda: _own("soft_value"))
    soft_indmax: Subject = dataclasses.field(default_factory=lambda: _own("soft_indmax"))
    entropy: Subject = dataclasses.field(default_factory=lambda: _own("entropy"))
    bellman_operator: Subject = dataclasses.field(default_factory=lambda: _own("bellman_operator"))
    policy_evaluation: Subject = dataclasses.field(default_factory=lambda: _own("policy_evaluation"))
    solver: Subject = dataclasses.field(default_factory=lambda: _own("solver"))
    policy_improvement: Subject = dataclasses.field(default_factory=lambda: _own("policy_improvement"))
    e2w: Subject = dataclasses.field(default_factory=lambda: _own("e2w"))
    regularizer: Regularizer = SHANNON

    def __post_init__(self) -> None:
        if not isinstance(self.regularizer, Regularizer):
            raise TypeError(
                f"subjects.regularizer must be a theory.regularizers.Regularizer, got {self.regularizer!r}"
            )
        for role in ROLES:
            s = getattr(self, role)
            if role != "regularizer" and (not isinstance(s, Subject) or s.role != role):
                raise TypeError(f"subjects.{role} must be a Subject of role {role!r}, got {s!r}")

    @classmethod
    def of(cls, conventions: Conventions | None = None, **implementations: Callable) -> Subjects:
        """Foreign implementations of some roles (the rest: the project's own).

        Args:
          conventions: how the implementations read their arguments (default ``Conventions()``).
          **implementations: ``role=callable`` (or ``role=Subject``), roles as in :data:`ROLES`.
        Raises:
          ValueError: an unknown role, or none given. TypeError: a value that is not callable.
        """
        conventions = Conventions() if conventions is None else conventions
        if not isinstance(conventions, Conventions):
            raise TypeError(f"conventions must be a Conventions, got {conventions!r}")
        unknown = sorted(set(implementations) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; the roles are {', '.join(ROLES)}")
        if not implementations:
            raise ValueError(f"give at least one role=implementation; the roles are {', '.join(ROLES)}")
        reg = implementations.pop("regularizer", SHANNON)
        if not isinstance(reg, Regularizer):  # a foreign object: under test
            reg = ForeignRegularizer(reg, conventions)
        subjects = cls(
            **{
                role: fn if isinstance(fn, Subject) else Subject(role, fn, conventions)
                for role, fn in implementations.items()
            }
        )
        return subjects.regularized(reg)

    def regularized(self, regularizer: Regularizer) -> Subjects:
        """These subjects for a problem regularised by ``regularizer``: the roles of
        :data:`REGULARIZED_ROLES` still played by the project's own implementation become the
        project's functions with ``regularizer=`` bound (the improvement: its greedy policy),
        and still count as its own (:attr:`given`); the other subjects are kept.

        Raises:
          TypeError: ``regularizer`` not a :class:`~theory.regularizers.Regularizer`.
        """
        if not isinstance(regularizer, Regularizer):
            raise TypeError(f"regularizer must be a theory.regularizers.Regularizer, got {regularizer!r}")
        own = [r for r in REGULARIZED_ROLES if r not in self.given]
        return dataclasses.replace(self, regularizer=regularizer, **{r: _own(r, regularizer) for r in own})

    def replace(self, **native: Callable) -> Subjects:
        """These subjects with some roles played by ``native`` callables in the project's terms
        (``bellman_operator=f(mdp, q, tau)``, ``solver=f(mdp, tau, tol)``, …): the negative
        controls of the project's own functions."""
        unknown = sorted(r for r in native if r not in ROLES or r == "regularizer")
        if unknown:
            raise ValueError(
                f"unknown role(s) {', '.join(unknown)} (the regularizer: Subjects.regularized); "
                f"the roles are {', '.join(ROLES)}"
            )
        return dataclasses.replace(self, **{r: Subject(r, fn) for r, fn in native.items()})

    @property
    def given(self) -> tuple[str, ...]:
        """The roles not played by the project's own implementation (for the problem's regulariser)."""
        return tuple(
            r
            for r in ROLES
            if (
                isinstance(self.regularizer, ForeignRegularizer)
                if r == "regularizer"
                else getattr(self, r) != _own(r, self.regularizer)
            )
        )

    def accepts(self, roles, mdp: FiniteMDP | None = None, tau: float | None = None) -> bool:
        """Whether every subject of ``roles`` may be given ``mdp`` and ``tau``."""
        return all(
            getattr(self, r).accepts(mdp, tau)
            for r in roles
            if r != "regularizer" or isinstance(self.regularizer, ForeignRegularizer)
        )

    def unfit(self, claim) -> str | None:
        """Why ``claim`` cannot run with these subjects' regulariser, or None when it can.

        A claim runs with any regulariser when it plays the ``regularizer`` role; otherwise it
        needs the project's Shannon entropy unless its statement holds for every regulariser
        (``claim.regularizer_free``), and then a regulariser of the project (a foreign one's
        round-off model, which its allowances need, is unknown).
        """
        reg = self.regularizer
        if "regularizer" in claim.roles or reg == SHANNON:
            return None
        if not claim.regularizer_free:
            return f"claim {claim.id} is about Shannon entropy, not {reg!r}"
        if isinstance(reg, ForeignRegularizer):
            return (
                f"claim {claim.id} needs the regulariser's round-off model, unknown for the "
                f"foreign regularizer {reg.label}"
            )
        return None

    def admit(self, claim, cases: list, key: Callable = lambda case: (case[0], case[1])) -> list:
        """The cases of ``claim``'s battery its subjects may be given.

        Args:
          claim: a :class:`~checks.base.Claim` (its ``roles`` are the subjects asked).
          cases: the battery's cases; key: ``key(case) -> (mdp or None, tau or None)``.
        Raises:
          NotApplicable: when no case is left.
        """
        kept = [c for c in cases if self.accepts(claim.roles, *key(c))]
        if not kept:
            raise NotApplicable(
                f"claim {claim.id}: no instance of its battery suits the conventions of its "
                f"subject(s) {', '.join(r for r in claim.roles if r in self.given)}"
            )
        return kept


#: The project's own implementation of every role.
OWN = Subjects()


def solver_tolerance(mdp: FiniteMDP, tau: float, regularizer: Regularizer = SHANNON) -> float:
    """The certified accuracy a check asks of a subject solver: 1e-10·(1 + M), M the a-priori
    bound on ‖V‖ (for the problem's regulariser), or the float64 floor where that is larger
    (:func:`theory.solvers.attainable_tolerance`)."""
    return attainable_tolerance(mdp, tau, regularizer)


def solver_comparisons(
    answer: SolverAnswer, reference: SolveResult, tol: float, round_off: float
) -> dict[str, tuple[float, float]]:
    """The comparisons that keep a solver honest, as (measured, allowed) pairs for
    :meth:`~checks.base.Claim.worst_of`.

    - its error: max(|q − q*|, |v − v*|) against the independent certified ``reference``
      (bound β_ref), allowed ``tol + β_ref + round_off`` (it was asked for ``tol``);
    - if it claims an ``error_bound``: that the bound is at most ``tol``, and that it contains
      the error: |q − q*| − error_bound <= β_ref + round_off;
    - that the reference itself is sharp: β_ref <= tol. Otherwise a reference whose certified
      bound has grown (a broken linear solve inside soft policy iteration honestly widens it)
      would widen every allowance above until nothing could fail.

    Args:
      answer: the subject's answer; reference: the project's certified optimum of the same
        instance; tol: the accuracy it was asked for; round_off: float64 slack of the compare.
    """
    error = float(max(np.abs(answer.q - reference.q).max(), np.abs(answer.v - reference.v).max()))
    out = {
        "solver error max|q - q*|": (error, tol + reference.error_bound + round_off),
        "reference's certified bound <= tol": (reference.error_bound, tol),
    }
    if answer.error_bound is not None:
        out["solver's error_bound <= tol"] = (answer.error_bound, tol)
        out["solver error within its own error_bound"] = (
            error - answer.error_bound,
            reference.error_bound + round_off,
        )
    return out
