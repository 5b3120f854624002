"""The gallery's table of contents: figure name → builder, caption, and the claims it shows.

A caption says what the reader should see and cites the claim ids of ``CLAIMS.md``; the CLI
and ``index.html`` list the figures in this order. Adding a figure is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.figure import Figure

from figures import dynamics, sampling, search, softmax, temperature
from figures._common import LEVEL
from theory.mcts import d_chain_critical_temperature, entropy_trap_critical_temperature

__all__ = ["FIGURES", "FigureSpec", "select"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the gallery.

    Attributes:
      name: file stem and ``--only`` name.
      build: ``build(*, seed, size) -> Figure``.
      caption: what the reader should see (plain text).
      claims: claim ids of CLAIMS.md the figure illustrates.
    """

    name: str
    build: Callable[..., Figure]
    caption: str
    claims: tuple[str, ...]


_SPECS = (
    FigureSpec(
        "softmax_gap",
        softmax.softmax_gap,
        "The soft value F_τ(q) = τ log Σ_a exp(q_a/τ) stays inside the band between max q and "
        "max q + τ log K, starting at max q for τ = 0 (a). The gap between F_τ(q) and the "
        "expected value f_τ(q)·q of the Boltzmann policy is exactly the entropy term τH(f_τ(q)): "
        "line and dots coincide (b).",
        ("A7",),
    ),
    FigureSpec(
        "indmax_temperature",
        softmax.indmax_temperature,
        "The soft-indmax f_τ(q) hardens as τ falls: at τ = 0.01 all mass is on the best action "
        "(hardmax), at τ = 10 every action is close to 1/K (a). Its entropy rises from 0 to log K "
        "and never leaves [0, log K] (b). Note the second-best action is not monotone in τ.",
        ("A7", "A1"),
    ),
    FigureSpec(
        "soft_vi_convergence",
        dynamics.soft_vi_convergence,
        "Soft value iteration from Q₀ = 0 on random (Garnet) MDPs: the error ‖Q_k − Q*‖∞ is a "
        "straight line on the log scale, with slope log γ: a few dozen sweeps at γ = 0.5, "
        "thousands at γ = 0.99. Top: the error and both bounds (a-priori γ^k‖Q₀ − Q*‖∞ and "
        "a-posteriori γ/(1−γ)‖Q_k − Q_{k−1}‖∞) nearly overlap. Bottom: error/bound never exceeds 1; "
        "the a-posteriori bound becomes tight.",
        ("D2",),
    ),
    FigureSpec(
        "contraction_ratios",
        dynamics.contraction_ratios,
        "Empirical CDF of ‖TQ₁ − TQ₂‖∞/‖Q₁ − Q₂‖∞ over random pairs of Q tables, one curve per γ: "
        "every curve reaches 1 at or before its dotted line x = γ (the soft Bellman operator is a "
        "γ-contraction). Near-shifted pairs Q₂ ≈ Q₁ + c pile up at γ itself: the bound is tight.",
        ("D1",),
    ),
    FigureSpec(
        "policy_improvement",
        dynamics.policy_improvement,
        "Soft policy iteration from a poor deterministic policy: every state's value V^{π_k}(s) "
        "rises at every step and never overshoots its optimum V*(s) (dotted) (a). Its error falls "
        "ever faster, reaching round-off in a handful of improvements, where soft value iteration "
        "needs hundreds of sweeps (b: note the axis is linear to 10 and logarithmic beyond).",
        ("C1", "C3", "D4"),
    ),
    FigureSpec(
        "boltzmann_gridworld",
        temperature.boltzmann_gridworld,
        "The soft-optimal policy π*_τ(a|s) = exp((Q*(s,a) − V*(s))/τ) on a 3×4 gridworld (goal +1, "
        "pit −1, slip 0.2, step cost 0.04, γ = 0.95): each arrow's length is the probability of "
        "that move. At τ = 0.01 the policy is the classical one (one arrow per cell, away from the "
        "pit); at τ = 0.1 and 1 the arrows even out (the policy spreads over moves of similar value), "
        "and V* grows by about τ log 4/(1 − γ) from the entropy bonus. Colour scales differ per panel.",
        ("B2", "B4"),
    ),
    FigureSpec(
        "temperature_limit",
        temperature.temperature_limit,
        "On a random MDP (K = 4 actions, γ = 0.9), the soft optimum exceeds the classical one by "
        "V*_τ − V*_0 (band: min to max over states), always below the bound τ log K/(1 − γ) "
        "(dashed), which it approaches at large τ. The classical value lost by acting with π*_τ, "
        "V*_0 − V_0^{π*_τ}, obeys the same bound and vanishes as τ → 0.",
        ("B4",),
    ),
    FigureSpec(
        "e2w_rate",
        sampling.e2w_rate,
        "Monte Carlo t·E_t, the scaled mean squared error of Û_t = Σ_a exp(r̂_t(a)/τ), with 99 % "
        "confidence bands: under E2W it settles on the constant (σ²/τ²)(Σ_a exp(r(a)/τ))² of the "
        "slides; uniform sampling settles on its own, larger constant (σ²/τ²)K Σ_a exp(2r(a)/τ). "
        "Both curves start above their limits (few pulls per arm).",
        ("F2",),
    ),
    FigureSpec(
        "ments_vs_uct",
        search.ments_vs_uct,
        "The probability that the recommended root action is wrong, against the number of "
        "simulations t, pooled over seeded synthetic trees (k = 4, d = 3; τ, ε, c and the leaf "
        "noise σ of the G3a check), with 99 % Clopper–Pearson bands. MENTS is scored against the "
        "soft-optimal action, UCT against the optimal one. MENTS's failure rate falls towards zero "
        "(G3a). On this shape it starts higher (E2W explores more) and can fall below UCT's after a "
        "few hundred simulations, but that is not the general rule the slide states: on narrower "
        "or deeper trees UCT is significantly faster at small budgets (G3b, REFUTED).",
        ("G3a", "G3b"),
    ),
    FigureSpec(
        "dchain_threshold",
        search.dchain_threshold,
        "Top: the root soft Q-values of the D-chain (D = 10, R_f = 1/2), by exact backward "
        "induction: L (take 0.9 and stop) is flat in τ, R (walk the chain, collecting entropy) "
        "grows with τ. They cross at τ_c ≈ 0.1386: above it the soft optimum prefers R although L "
        "is reward-optimal (0.9 > 0.5). Bottom: MENTS follows the soft optimum, not the reward: "
        "the share of its runs recommending R jumps from 0 to 1 across τ_c (99 % Clopper–Pearson "
        "intervals).",
        ("G4",),
    ),
    FigureSpec(
        "svgd_particles",
        sampling.svgd_particles,
        "Stein variational gradient descent moves a tight cloud of particles (grey, right) until it "
        "samples the Boltzmann density ∝ exp(Q/τ): in 1-D the histogram and rug follow the exact "
        "two-mode density (a); in 2-D the particles spread over all four bumps in proportion to "
        "their weights (b). The particles interact (they repel), so they are not independent draws.",
        ("E3",),
    ),
    FigureSpec(
        "is_soft_value",
        sampling.is_soft_value,
        "The importance-sampled soft value V̂ from M samples is biased low (a) and noisy (b); both "
        "shrink like 1/M, a slope −1 on these log–log axes, meeting the delta-method predictions "
        "τCV²/(2M) and τ²CV²/M (dashed) once M is large compared with CV² ≈ 1 (at M = 1, 2 they "
        "are not yet asymptotic). Bands: 99 % confidence intervals over independent runs.",
        ("E1",),
    ),
)

# --- BTS and DENTS beside MENTS and UCT (G5, G6): every number from the figure's settings ---
_SPECS += (
    FigureSpec(
        "boltzmann_search",
        search.boltzmann_search,
        "The share of runs whose recommendation is reward-optimal, against the search temperature τ "
        f"(log scale), after a fixed budget, with {LEVEL:.0%} Clopper–Pearson bands. (a) The modified "
        f"D-chain (D = {search.DCHAIN[0]}, R_f = {search.DCHAIN[1]:g}): MENTS recommends the "
        f"reward-optimal root action L only below τ_c = {d_chain_critical_temperature(*search.DCHAIN):.4f}, "
        "where the soft optimum switches to R (G4); BTS and DENTS, whose backups and "
        "recommendations use the hard max, recommend L at every τ (G5). (b) The entropy trap "
        f"(D = K = {search.TRAP[0]}): above τ_trap = 1/(K log 2) = "
        f"{entropy_trap_critical_temperature(search.TRAP[1]):.4f} the soft optimum at the trap's exit "
        "enters the zero-reward entropy chain and MENTS's recommended path follows it, while BTS and "
        "DENTS take the exit (G6). UCT has no temperature: its one result is drawn flat.",
        ("G4", "G5", "G6"),
    ),
)

#: name → spec, in gallery order.
FIGURES: dict[str, FigureSpec] = {spec.name: spec for spec in _SPECS}


def select(names: str | None) -> list[FigureSpec]:
    """The specs named in a comma-separated list (all when ``names`` is None or empty).

    Raises:
      ValueError: an unknown name, listing the known ones.
    """
    if not names:
        return list(FIGURES.values())
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(FIGURES)}")
    return [FIGURES[n] for n in wanted]
