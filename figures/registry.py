"""The gallery's table of contents: figure name → builder, caption, and the claims it shows.

A caption says what the reader should see and cites the claim ids of ``CLAIMS.md``; it is a
function of the figure's data, so every number it states is the figure's own (tests compare
each caption with its data). The CLI and ``index.html`` list the figures in this order. Adding a
figure is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from figures import dynamics, sampling, search, softmax, temperature
from figures._common import LEVEL
from figures.search import DCHAIN, TRAP

__all__ = ["FIGURES", "FigureSpec", "select"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the gallery.

    Attributes:
      name: file stem and ``--only`` name.
      data: ``data(*, seed, size)`` -> the figure's data (arrays only).
      plot: ``plot(data) -> Figure``.
      caption: ``caption(data) -> str``, what the reader should see (plain text); every number
        in it is computed from the data, so the caption is true of the figure it goes with.
      claims: claim ids of CLAIMS.md the figure illustrates.
    """

    name: str
    data: Callable[..., object]
    plot: Callable[[object], Figure]
    caption: Callable[[object], str]
    claims: tuple[str, ...]

    def build(self, *, seed: int = 0, size: str = "quick") -> tuple[Figure, str]:
        """The figure and its caption, from one computation of the data."""
        data = self.data(seed=seed, size=size)
        return self.plot(data), self.caption(data)


def _list(values, fmt: str = "g") -> str:
    """``"a, b and c"`` of the formatted values."""
    text = [format(v, fmt) for v in values]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def _softmax_gap(d) -> str:
    return (
        "The soft value F_τ(q) = τ log Σ_a exp(q_a/τ) stays inside the band between max q and "
        f"max q + τ log K (K = {d.q.size}), starting at max q for τ = {d.tau[0]:g} (a). The gap "
        "between F_τ(q) and the expected value f_τ(q)·q of the Boltzmann policy is exactly the "
        f"entropy term τH(f_τ(q)) (largest difference {np.abs(d.gap - d.entropy_term).max():.1g}): "
        "line and dots coincide (b)."
    )


def _indmax_temperature(d) -> str:
    best = int(d.q.argmax())
    return (
        f"The soft-indmax f_τ(q) of q = ({', '.join(f'{x:g}' for x in d.q)}) hardens as τ falls: "
        f"at τ = {d.tau[0]:g} the "
        f"best action has probability {d.probabilities[0, best]:.4f} (hardmax); at τ = {d.tau[-1]:g} "
        f"every action is within {np.abs(d.probabilities[-1] - 1 / d.q.size).max():.3f} of "
        f"1/K = {1 / d.q.size:g} (a). Its entropy rises from {d.entropy[0]:.2g} to "
        f"{d.entropy[-1]:.3f} and never leaves [0, log K] = [0, {np.log(d.q.size):.3f}] (b)."
    )


def _soft_vi_convergence(curves) -> str:
    gammas = _list([c.gamma for c in curves])
    return (
        f"Soft value iteration from Q₀ = 0 on random (Garnet) MDPs at τ = {curves[0].tau:g}, "
        f"γ = {gammas}: the error ‖Q_k − Q*‖∞ falls geometrically, at a measured rate of "
        f"{_list([c.rate for c in curves], '.3f')} per sweep (at most γ), reaching round-off in "
        f"{_list([c.k[-1] for c in curves])} sweeps. Top: the error under both bounds, a-priori "
        "γ^k‖Q₀ − Q*‖∞ and a-posteriori γ/(1−γ)‖Q_k − Q_{k−1}‖∞. Bottom: error/bound, at most "
        f"{max((c.error / c.prior_bound).max() for c in curves):.3f} (a-priori) and "
        f"{max((c.error[1:] / c.posterior_bound).max() for c in curves):.3f} (a-posteriori)."
    )


def _contraction_ratios(d) -> str:
    largest = d.ratios.max(axis=1)
    shifted = d.ratios[:, d.near_shift].max(axis=1)
    return (
        f"Empirical CDF of ‖TQ₁ − TQ₂‖∞/‖Q₁ − Q₂‖∞ over {d.ratios.shape[1]} random pairs of Q "
        f"tables, one curve per γ = {_list(d.gammas)}: the largest ratios, "
        f"{_list(largest, '.4f')}, are at most γ (the soft Bellman operator is a γ-contraction). "
        f"Near-shifted pairs Q₂ ≈ Q₁ + c reach {_list(shifted / d.gammas, '.4f')} of γ: the bound "
        "is tight."
    )


def _policy_improvement(d) -> str:
    return (
        f"Soft policy iteration on {d.name} (γ = {d.gamma:g}, τ = {d.tau:g}) from the deterministic "
        "policy of least reward: (a) the gap V*(s) − V^{π_k}(s), largest and smallest over the "
        "states other states enter, "
        f"falls at every step; every state's value rises (smallest rise {d.min_increase:.2g}) and "
        f"never overshoots V* (smallest gap {d.min_gap:.2g}, round-off). (b) its error reaches "
        f"{d.pi_error[-1]:.1g} in {d.pi_error.size - 1} improvements, where soft value iteration "
        f"needs {d.vi_error.size - 1} sweeps (the axis is linear to 10, logarithmic beyond)."
    )


def _boltzmann_gridworld(d) -> str:
    k = d.policy.shape[2]
    top = d.policy[0][d.shown].max(axis=1)
    return (
        f"The soft-optimal policy π*_τ(a|s) = exp((Q*(s,a) − V*(s))/τ) on {d.name} (γ = {d.gamma:g}) "
        f"at τ = {_list(d.taus)}: in each cell one bar per move ({', '.join(d.action_labels)}), "
        f"its height the probability of that move. At τ = {d.taus[0]:g} the policy is nearly the "
        f"classical one (the likeliest move has probability {top.min():.3f} or more in every "
        "cell); as τ grows the bars even out over moves of similar value. V* grows over the "
        f"classical V*_0 by at most {_list(d.growth, '.3g')} (largest over cells), under the bound "
        f"τ log {k}/(1 − γ) = {_list(d.bound, '.3g')}. Colour scales differ per panel."
    )


def _temperature_limit(d) -> str:
    return (
        f"On a random MDP (K = {d.n_actions} actions, γ = {d.gamma:g}), the soft optimum exceeds the "
        "classical one by V*_τ − V*_0 (band: min to max over states), always below the bound "
        f"τ log K/(1 − γ) (dashed): at τ = {d.tau[-1]:g} the largest gap is "
        f"{d.gap_max[-1] / d.bound[-1]:.0%} of it, at τ = {d.tau[0]:g} "
        f"{d.gap_max[0] / d.bound[0]:.0%}. The classical value lost by acting with π*_τ, "
        f"V*_0 − V_0^{{π*_τ}}, obeys the same bound and falls to {d.classical_loss[0]:.1g} at "
        f"τ = {d.tau[0]:g}."
    )


def _e2w_rate(d) -> str:
    return (
        f"Monte Carlo t·E_t, the scaled mean squared error of Û_t = Σ_a exp(r̂_t(a)/τ) over "
        f"{d.runs} runs, with {LEVEL:.0%} confidence bands: under E2W it settles near the constant "
        f"(σ²/τ²)(Σ_a exp(r(a)/τ))² = {d.limit:.4g} of the slides ({d.e2w[-1]:.4g} at "
        f"t = {d.t[-1]}); uniform sampling settles near its own, larger constant "
        f"(σ²/τ²)K Σ_a exp(2r(a)/τ) = {d.uniform_limit:.4g} ({d.uniform[-1]:.4g}). Both start above "
        f"their limits ({d.e2w[0]:.4g} and {d.uniform[0]:.4g} at t = {d.t[0]}: few pulls per arm)."
    )


def _ments_vs_uct(d) -> str:
    m, u = d.ments, d.uct
    below = m.high < u.low  # MENTS significantly better at these budgets
    above = m.low > u.high  # UCT significantly better
    if below.any():
        order = (
            f"MENTS is significantly below UCT at {int(below.sum())} of {below.size} budgets here "
            f"(first at t = {m.checkpoints[np.argmax(below)]}), but that is not the general rule "
            "the slide states"
        )
    else:
        order = (
            f"at no budget up to t = {m.checkpoints[-1]} is MENTS significantly below UCT here "
            "(the bands overlap or UCT is lower), let alone in the general rule the slide states"
        )
    faster = (
        f"; UCT is significantly lower at {int(above.sum())} of {above.size} budgets" if above.any() else ""
    )
    return (
        "The probability that the recommended root action is wrong, against the number of "
        f"simulations t, pooled over {d.n_trees} seeded synthetic trees (k = {d.branching}, "
        f"d = {d.depth}; τ, ε, c and the leaf noise σ of the G3a check), with {LEVEL:.0%} "
        "Clopper–Pearson bands. MENTS is scored against the soft-optimal action, UCT against the "
        f"optimal one. MENTS's failure rate falls from {m.rate[0]:.2f} to {m.rate[-1]:.2f} (G3a); "
        f"{order}{faster}: on narrower or deeper trees UCT is significantly faster at small budgets "
        "(G3b, REFUTED)."
    )


def _dchain_threshold(d) -> str:
    share = np.array([c.rate[0] for c in d.ments_right])
    low, high = d.ments_tau < d.tau_c, d.ments_tau > d.tau_c
    return (
        f"Top: the root soft Q-values of the D-chain (D = {DCHAIN[0]}, R_f = {DCHAIN[1]:g}), by exact "
        f"backward induction: L (take {d.q_left[0]:g} and stop) is flat in τ, R (walk the chain, "
        f"collecting entropy) grows with τ, from {d.q_right[0]:.3g} at τ = {d.tau[0]:g}. They cross "
        f"at τ_c = {d.tau_c:.4f}: above it the soft optimum prefers R although L is reward-optimal "
        f"({d.q_left[0]:g} > {d.q_right[0]:.3g}). Bottom: MENTS follows the soft optimum, not the "
        f"reward: after {d.simulations} simulations the share of its runs recommending R is at most "
        f"{share[low].max():.2f} below τ_c and at least {share[high].min():.2f} above "
        f"({LEVEL:.0%} Clopper–Pearson intervals)."
    )


def _svgd_particles(d) -> str:
    one, two = sampling.svgd_targets()
    return (
        f"Stein variational gradient descent moves a tight cloud of {len(d.particles_1d)} particles "
        f"(grey, right) for {d.n_steps} steps until it samples the Boltzmann density ∝ exp(Q/τ): in "
        f"1-D the histogram and rug follow the exact {len(one.weights)}-mode density (a); in 2-D "
        f"the particles spread over all {len(two.weights)} bumps in proportion to their weights "
        f"{_list(two.weights)} (b). The particles interact (they repel), so they are not "
        "independent draws."
    )


def _is_soft_value(d) -> str:
    bias, var = d.bias / d.bias_prediction, d.variance / d.variance_prediction
    return (
        f"The importance-sampled soft value V̂ from M samples (M = {d.m[0]} to {d.m[-1]}, {d.runs} "
        "runs) is biased low (a) and noisy (b); both shrink like 1/M, a slope −1 on these log–log "
        "axes, approaching the delta-method predictions τCV²/(2M) and τ²CV²/M (dashed) once M is "
        f"large compared with CV² = {d.cv2:.2f}: at M = {d.m[-1]} the measured bias and variance "
        f"are {bias[-1]:.2f} and {var[-1]:.2f} times the predictions, at M = {d.m[0]} "
        f"{bias[0]:.2f} and {var[0]:.2f} times (not yet asymptotic). Bands: {LEVEL:.0%} confidence "
        "intervals over independent runs."
    )


def _spec(module, name: str, caption, claims: tuple[str, ...]) -> FigureSpec:
    """The spec of figure ``name`` of ``module`` (its ``<name>_data`` and ``plot_<name>``)."""
    return FigureSpec(name, getattr(module, f"{name}_data"), getattr(module, f"plot_{name}"), caption, claims)


_SPECS = (
    _spec(softmax, "softmax_gap", _softmax_gap, ("A7",)),
    _spec(softmax, "indmax_temperature", _indmax_temperature, ("A7", "A1")),
    _spec(dynamics, "soft_vi_convergence", _soft_vi_convergence, ("D2",)),
    _spec(dynamics, "contraction_ratios", _contraction_ratios, ("D1",)),
    _spec(dynamics, "policy_improvement", _policy_improvement, ("C1", "C3", "D4")),
    FigureSpec(
        "boltzmann_gridworld",
        temperature.boltzmann_gridworld_data,
        temperature.plot_temperature_sweep,
        _boltzmann_gridworld,
        ("B2", "B4"),
    ),
    _spec(temperature, "temperature_limit", _temperature_limit, ("B4",)),
    _spec(sampling, "e2w_rate", _e2w_rate, ("F2",)),
    _spec(search, "ments_vs_uct", _ments_vs_uct, ("G3a", "G3b")),
    _spec(search, "dchain_threshold", _dchain_threshold, ("G4",)),
    _spec(sampling, "svgd_particles", _svgd_particles, ("E3",)),
    _spec(sampling, "is_soft_value", _is_soft_value, ("E1",)),
)


# --- BTS and DENTS beside MENTS and UCT (G5, G6) ---
def _boltzmann_search(d) -> str:
    hot = d.tau > d.tau_c
    hard = min(rows[n][0].min() for rows in (d.dchain, d.trap) for n in ("BTS", "DENTS"))
    ments_hot = d.dchain["MENTS"][0][hot]
    ments = f"at most {ments_hot.max():.2f} of MENTS's runs above it" if hot.any() else "no τ above it here"
    return (
        "The share of runs whose recommendation is reward-optimal, against the search temperature "
        f"τ (log scale), after {d.simulations} simulations ({d.n_runs} runs per point), with "
        f"{LEVEL:.0%} Clopper–Pearson bands. (a) The modified D-chain (D = {DCHAIN[0]}, "
        f"R_f = {DCHAIN[1]:g}): MENTS recommends the reward-optimal root action L below "
        f"τ_c = {d.tau_c:.4f}, where the soft optimum switches to R (G4; {ments}); BTS and "
        "DENTS, whose backups and recommendations use the hard max, stay reward-optimal at every τ "
        f"(G5; at least {hard:.2f} of their runs on both problems). (b) The entropy trap "
        f"(D = K = {TRAP[0]}): above τ_trap = 1/(K log 2) = {d.tau_trap:.4f} the soft optimum at "
        "the trap's exit enters the zero-reward entropy chain and MENTS's recommended path follows "
        "it, while BTS and DENTS take the exit (G6). UCT has no temperature: its one result is "
        "drawn flat."
    )


_SPECS += (_spec(search, "boltzmann_search", _boltzmann_search, ("G4", "G5", "G6")),)

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
