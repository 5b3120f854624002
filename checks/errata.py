"""The deck's literal statements that are false: each a REFUTED row with its counterexample.

A REFUTED row means the slide, read as written, is wrong, and the report shows an instance that
proves it; the corrected statement is checked as its own claim (C1b's correction is C1, F1b's is
F1). The verdict is REFUTED while the counterexample reproduces and FAIL if it ever stopped
(the violation at or below round-off): a change that made the literal statement hold would be a
bug in the counterexample, not a fix of the deck. Every number here is computed at 50 digits by
mpmath from closed forms, independently of ``theory``, and the rows are the same at every seed.

- **C1b** (slide "Redefinition: policy improvement theorem"): "π̃(·|s) ∝ exp(Q^π_soft(s,·)) gives
  Q^π̃ >= Q^π". Without the 1/τ the new policy is the Boltzmann policy at temperature 1, and for
  τ ≠ 1 it can *lower* the soft value. Counterexample, in closed form: one state, two
  self-loops with rewards r = (0, 1), γ = 0.9, τ = 0.1, and π = π*_τ = f_τ(r) (the soft optimum).
  Then Q^π = r + γV*, π̃ = f_1(Q^π) = f_1(r), and V^π̃ = (π̃·r + τH(π̃))/(1 − γ) < V* =
  F_τ(r)/(1 − γ) (B2: the soft optimum is unique), so Q^π̃ = r + γV^π̃ < Q^π in both actions.
  The next slide's π̃ = exp((Q − V)/τ) has the τ: that is claim C1.
- **F1b** (slide "Algorithm: Maximum entropy monte-carlo planning", E2W): "π_t(a) = (1 − λ_t)
  f_τ(q)(a) + λ_t/|A|, λ_t = ε|A|/log(t + 1), with exploration parameter ε > 0" is a sampling
  distribution. Unclipped, λ_t exceeds 1 whenever ε|A| > log(t + 1) (and is undefined at t = 0),
  and then π_t has a negative entry wherever f_τ(q)(a) > (λ_t/|A|)/(λ_t − 1). Counterexample:
  ε = 1, |A| = 2, t = 1, τ = 1, q = (0, 3): λ_1 = 2/log 2 ≈ 2.885 and π_1(a₂) ≈ −0.354. The
  paper's algorithm clips λ_t at 1 (Xiao et al. 2019; CLAIMS F1, G2): that is claim F1.
"""

from __future__ import annotations

import mpmath as mp

from checks.base import FAIL, REFUTED, CheckResult, Claim, register

__all__ = ["C1b", "F1b", "check_improvement_without_temperature", "check_unclipped_e2w"]

C1b = Claim(
    "C1b",
    "the slide as written: π̃ ∝ exp(Q^π_soft) (no 1/τ) gives Q^π̃ >= Q^π (false for τ ≠ 1; C1 has the τ)",
    "seed deck, 'Redefinition: policy improvement theorem' (statement of the theorem)",
)
F1b = Claim(
    "F1b",
    "the slide as written: λ_t = ε|A|/log(t + 1), unclipped, makes π_t a distribution for every ε > 0 "
    "(false; F1 clips λ at 1)",
    "seed deck, 'Algorithm: Maximum entropy monte-carlo planning' (E2W)",
)

#: Working precision of the counterexamples: far beyond float64, so round-off cannot decide them.
_DPS = 50
#: What counts as a violation at that precision.
_TOL = 1e-40


def _softmax(q, tau):
    m = max(q)
    w = [mp.exp((x - m) / tau) for x in q]
    z = mp.fsum(w)
    return m + tau * mp.log(z), [x / z for x in w]


def _verdict(claim: Claim, violation, counterexample: str, details: dict) -> CheckResult:
    """REFUTED when the literal statement is violated beyond ``_TOL``, else FAIL."""
    refuted = violation > _TOL
    return claim.result(
        measured=float(violation),
        tolerance=_TOL,
        details=details,
        verdict=REFUTED if refuted else FAIL,
        counterexample=counterexample if refuted else None,
    )


def check_improvement_without_temperature(r=(0, 1), gamma="0.9", tau="0.1") -> CheckResult:
    """C1b on the one-state MDP of the module docstring; measured = max_a (Q^π − Q^π̃)(a) > 0."""
    with mp.workdps(_DPS):
        r, g, t = [mp.mpf(x) for x in r], mp.mpf(gamma), mp.mpf(tau)
        f_star, pi = _softmax(r, t)  # F_τ(r) and π = π*_τ = f_τ(r)
        v_pi = f_star / (1 - g)  # V^π = V* in a one-state MDP
        q_pi = [x + g * v_pi for x in r]
        _, pi_new = _softmax(q_pi, mp.mpf(1))  # the slide's π̃ ∝ exp(Q^π): temperature 1
        entropy = -mp.fsum(p * mp.log(p) for p in pi_new)
        v_new = (mp.fsum(p * x for p, x in zip(pi_new, r)) + t * entropy) / (1 - g)
        q_new = [x + g * v_new for x in r]
        drop = max(a - b for a, b in zip(q_pi, q_new))
        text = (
            f"one state, rewards r = {[float(x) for x in r]}, gamma = {gamma}, tau = {tau}, pi = f_tau(r): "
            f"pi~ ∝ exp(Q^pi) = {[round(float(p), 4) for p in pi_new]} lowers Q from "
            f"{[round(float(x), 6) for x in q_pi]} to {[round(float(x), 6) for x in q_new]}"
        )
        details = {"instance": text, "V^pi": float(v_pi), "V^pi~": float(v_new), "pi": [float(p) for p in pi]}
        return _verdict(C1b, drop, text, details)


def check_unclipped_e2w(q=(0, 3), tau="1", epsilon="1", t=1) -> CheckResult:
    """F1b on the instance of the module docstring; measured = −min_a π_t(a) > 0."""
    with mp.workdps(_DPS):
        qs, eps = [mp.mpf(x) for x in q], mp.mpf(epsilon)
        _, f = _softmax(qs, mp.mpf(tau))
        k = len(qs)
        lam = eps * k / mp.log(t + 1)
        pi = [(1 - lam) * fa + lam / k for fa in f]
        text = (
            f"epsilon = {epsilon}, |A| = {k}, t = {t}, tau = {tau}, q = {list(q)}: "
            f"lambda_t = {float(lam):.4f} > 1 and pi_t = {[round(float(p), 4) for p in pi]} "
            f"(sums to {float(mp.fsum(pi)):.4g}, an entry < 0)"
        )
        details = {"instance": text, "lambda_t": float(lam), "pi_t": [float(p) for p in pi]}
        return _verdict(F1b, -min(pi), text, details)


@register(C1b)
def battery_c1b(*, seed: int, size: str = "default") -> CheckResult:
    """C1b: deterministic (the same row at every seed and size)."""
    return check_improvement_without_temperature()


@register(F1b)
def battery_f1b(*, seed: int, size: str = "default") -> CheckResult:
    """F1b: deterministic (the same row at every seed and size)."""
    return check_unclipped_e2w()
