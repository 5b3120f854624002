"""Symbolic derivations (sympy) of the softmax facts of the seed deck's "Background" slides.

Each public derivation returns a dict ``{name: residual}`` of sympy expressions that
:func:`simplifies_to_zero` reduces to 0 when the derivation is right:

- :func:`gradient_residuals`: ∇F_τ = f_τ for K = 2, 3 ("Background: Softmax function");
- :func:`conjugate_residuals`: F*_τ(p) = τ Σ p log p, for K = 2 by solving the stationarity
  condition and for K = 3 by the Lagrangian argument ("Background: the connection", proof);
- :func:`kkt_residuals`: the KKT solution τ log π = q − v, v = λ + τ = F_τ(q) ("Background:
  the connection", second equation);
- :func:`temperature_derivative_residuals`: dF_τ/dτ = H(f_τ(q)) for K = 2, 3.

The derivations are cached (they do not depend on any argument), so a battery pays the sympy
time once per process.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from mdps.validation import check_real, check_tau

__all__ = [
    "conjugate_residuals",
    "gradient_residuals",
    "kkt_residuals",
    "simplifies_to_zero",
    "soft_value_expr",
    "temperature_derivative_residuals",
]

_TAU = sp.Symbol("tau", positive=True)


def _q_symbols(k: int) -> tuple[sp.Symbol, ...]:
    return sp.symbols(f"q1:{k + 1}", real=True)


def _check_expr(value, name: str):
    """``value`` if it is a sympy expression or a real number, not known to be NaN, infinite or
    non-real: TypeError for another kind (a string, None, an equation), ValueError otherwise."""
    if not isinstance(value, sp.Basic):
        check_real(value, name)
    elif not isinstance(value, sp.Expr):
        raise TypeError(
            f"{name} must be a sympy expression or a real number, got {type(value).__name__} {value}"
        )
    elif value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or value.is_extended_real is False:
        raise ValueError(f"{name} must be a real, finite expression, got {value}")
    return value


def soft_value_expr(q, tau=_TAU) -> sp.Expr:
    """F_τ(q) = τ log Σ_a exp(q_a/τ) as a sympy expression of the symbols ``q``.

    Args:
      q: a non-empty sequence of sympy expressions (symbols) or real numbers.
      tau: the temperature: a sympy expression not known to be <= 0 (default the positive
        symbol τ), or a real number > 0.
    Returns:
      The sympy expression.
    Raises:
      TypeError: ``q`` not a sequence, an entry or ``tau`` not an expression or real number.
      ValueError: ``q`` empty; an entry or ``tau`` NaN, infinite or not real; ``tau`` <= 0.
    """
    if isinstance(q, (str, bytes)):
        raise TypeError(f"q must be a sequence of sympy expressions or real numbers, got {q!r}")
    try:
        q = tuple(q)
    except TypeError:
        raise TypeError(f"q must be a sequence of sympy expressions or real numbers, got {q!r}") from None
    if not q:
        raise ValueError("q must not be empty")
    for a, qa in enumerate(q):
        _check_expr(qa, f"q[{a}]")
    if isinstance(tau, sp.Basic) and not _check_expr(tau, "temperature tau").is_number:
        # A symbolic τ has no value for check_tau: only its sympy assumptions can rule it out.
        if tau.is_positive is False:
            raise ValueError(f"temperature tau must be > 0, got {tau}")
    else:
        check_tau(float(tau) if isinstance(tau, sp.Basic) else tau, positive=True)
    return tau * sp.log(sum(sp.exp(qa / tau) for qa in q))


def simplifies_to_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is identically 0: sympy.simplify after forcing logs apart.

    ``expand_log(force=True)`` splits log(x·y) and log(exp(x)) (valid here: every log argument
    is positive), which is what lets ``simplify`` finish quickly.

    Args:
      expr: a sympy expression or a real number (a residual).
    Returns:
      True when it simplifies to 0.
    Raises:
      TypeError: ``expr`` neither a sympy expression nor a real number.
      ValueError: ``expr`` NaN, infinite or not real.
    """
    _check_expr(expr, "expr")
    return sp.simplify(sp.expand_log(sp.expand(expr), force=True)) == 0


@cache
def _gradient() -> tuple[tuple[str, sp.Expr], ...]:
    out = []
    for k in (2, 3):
        q = _q_symbols(k)
        value = soft_value_expr(q)
        total = sum(sp.exp(qa / _TAU) for qa in q)
        for a, qa in enumerate(q, start=1):
            grad = sp.diff(value, qa)
            out.append((f"K={k}: dF/dq{a} - exp(q{a}/tau)/sum", grad - sp.exp(qa / _TAU) / total))
            out.append((f"K={k}: dF/dq{a} - exp((q{a} - F)/tau)", grad - sp.exp((qa - value) / _TAU)))
    return tuple(out)


def gradient_residuals() -> dict[str, sp.Expr]:
    """∂F_τ/∂q_a − f_τ(q)_a for K = 2, 3, in both forms of f_τ: e^{q_a/τ}/Σ e^{q/τ} and
    e^{(q_a − F_τ(q))/τ}.

    Source: seed deck, "Background: Softmax function" (f_τ(q) = ∇F_τ(q)).

    Returns:
      ``{name: residual}``; every residual simplifies to 0.
    Raises:
      Nothing: it takes no argument.
    """
    return dict(_gradient())


@cache
def _conjugate() -> tuple[tuple[str, sp.Expr], ...]:
    out = []
    # K = 2 with p = (p, 1 − p): the sup of p·q − F_τ(q) is attained on the line q + c·1, so
    # fix the gauge q2 = 0 and solve the stationarity condition in q1.
    p = sp.Symbol("p", positive=True)
    q1 = sp.Symbol("q1", real=True)
    objective = p * q1 - soft_value_expr((q1, sp.Integer(0)))
    (q1_star,) = sp.solve(sp.Eq(sp.diff(objective, q1), 0), q1)
    target = _TAU * (p * sp.log(p) + (1 - p) * sp.log(1 - p))
    # p = s/(1 + s) with s > 0 tells sympy that 0 < p < 1, so that log(1 − p) is real.
    s = sp.Symbol("s", positive=True)
    residual = (objective.subs(q1, q1_star) - target).subs(p, s / (1 + s))
    out.append(("K=2: sup_q {p.q - F(q)} - tau(p log p + (1-p) log(1-p))", residual))
    # K = 3, the Lagrangian argument: stationarity p = f_τ(q), solved for q_a, gives
    # q_a = τ log p_a + c with c = τ log Σ_b exp(q_b/τ); at q* = τ log p + c·1 (any c) the
    # stationarity holds, and substituting back gives τ Σ p log p (p3 = 1 − p1 − p2).
    ps = sp.symbols("p1:4", positive=True)
    z = sp.Symbol("Z", positive=True)  # the partition sum Σ_b exp(q_b/τ)
    c = _TAU * sp.log(z)
    for a, pa in enumerate(ps, start=1):
        qa = sp.Symbol(f"q{a}", real=True)
        (solved,) = sp.solve(sp.Eq(pa, sp.exp(qa / _TAU) / z), qa)  # p = f_τ(q), solved for q_a
        out.append(
            (f"K=3: solution of p{a} = f(q)_{a} minus (tau log p{a} + c)", solved - (_TAU * sp.log(pa) + c))
        )
    on_simplex = {ps[2]: 1 - ps[0] - ps[1]}
    q = [_TAU * sp.log(pa) + c for pa in ps]
    value = soft_value_expr(q)
    dual = sum(pa * qa for pa, qa in zip(ps, q)) - value
    for a, qa in enumerate(q, start=1):
        stationarity = ps[a - 1] - sp.exp(qa / _TAU) / sum(sp.exp(qb / _TAU) for qb in q)
        out.append((f"K=3: p{a} - f(q*)_{a} at q* = tau log p + c", stationarity.subs(on_simplex)))
    out.append(
        (
            "K=3: p.q* - F(q*) - tau sum p log p",
            (dual - _TAU * sum(pa * sp.log(pa) for pa in ps)).subs(on_simplex),
        )
    )
    return tuple(out)


def conjugate_residuals() -> dict[str, sp.Expr]:
    """F*_τ(p) = sup_q {p·q − F_τ(q)} = τ Σ_a p_a log p_a on the simplex, derived twice.

    K = 2: with the gauge q2 = 0, solve ∂/∂q1 (p q1 − F_τ(q1, 0)) = 0 and substitute.
    K = 3: solving the stationarity condition p = f_τ(q) for q gives q* = τ log p + c·1; it
    holds there for every c, and p·q* − F_τ(q*) = τ Σ p log p.

    Source: seed deck, "Background: the connection" (proof, the first equation).

    Returns:
      ``{name: residual}``; every residual simplifies to 0.
    Raises:
      Nothing: it takes no argument.
    """
    return dict(_conjugate())


@cache
def _kkt() -> tuple[tuple[str, sp.Expr], ...]:
    k = 3
    q = _q_symbols(k)
    pis = sp.symbols(f"pi1:{k + 1}", positive=True)
    lam, w = sp.symbols("lambda w", real=True)
    lagrangian = sum(pa * (qa - _TAU * sp.log(pa)) for pa, qa in zip(pis, q)) + lam * (1 - sum(pis))
    # ∂L/∂π_a = q_a − τ log π_a − τ − λ = 0  ⇔  π_a = exp((q_a − v)/τ), v = λ + τ.
    pi_star = [sp.solve(sp.Eq(sp.diff(lagrangian, pa), 0), pa)[0] for pa in pis]
    v = lam + _TAU
    # Normalisation Σ π_a = 1 is linear in w = exp(−v/τ): solve it for w, then v = −τ log w.
    in_w = [sp.exp(qa / _TAU) * w for qa in q]
    (w_star,) = sp.solve(sp.Eq(sum(in_w), 1), w)
    lam_star = -_TAU * sp.log(w_star) - _TAU
    out = [
        (f"K={k}: pi*_{a} - exp((q{a} - lambda - tau)/tau)", pi_star[a - 1] - sp.exp((q[a - 1] - v) / _TAU))
        for a in range(1, k + 1)
    ]
    out.append((f"K={k}: v - F(q), v = lambda + tau", lam_star + _TAU - soft_value_expr(q)))
    grad_at_star = [sp.diff(lagrangian, pa).subs(pa, ps).subs(lam, lam_star) for pa, ps in zip(pis, pi_star)]
    out += [(f"K={k}: dL/dpi{a} at (pi*, lambda*)", g) for a, g in enumerate(grad_at_star, start=1)]
    return tuple(out)


def kkt_residuals() -> dict[str, sp.Expr]:
    """KKT for max_π π·(q − τ log π) + λ(1 − 1·π), K = 3: solving ∂L/∂π_a = 0 gives
    τ log π_a = q_a − v with v = λ + τ, and normalisation gives v = F_τ(q).

    Source: seed deck, "Background: the connection" (proof, the second equation).

    Returns:
      ``{name: residual}``; every residual simplifies to 0.
    Raises:
      Nothing: it takes no argument.
    """
    return dict(_kkt())


@cache
def _temperature_derivative() -> tuple[tuple[str, sp.Expr], ...]:
    out = []
    for k in (2, 3):
        q = _q_symbols(k)
        value = soft_value_expr(q)
        f = [sp.exp((qa - value) / _TAU) for qa in q]
        entropy = -sum(fa * sp.log(fa) for fa in f)
        out.append((f"K={k}: dF/dtau - H(f)", sp.diff(value, _TAU) - entropy))
    return tuple(out)


def temperature_derivative_residuals() -> dict[str, sp.Expr]:
    """dF_τ(q)/dτ − H(f_τ(q)) for K = 2, 3 ("the gap is the entropy", differentiated).

    Source: seed deck, "Background: the connection" (the gap between the Softmax value and the
    maximum is the entropy of the policy).

    Returns:
      ``{name: residual}``; every residual simplifies to 0.
    Raises:
      Nothing: it takes no argument.
    """
    return dict(_temperature_derivative())
