"""Claims G5, G6, G7 (beyond the deck): BTS and DENTS beside MENTS (Painter et al. 2023).

G5: on the modified D-chain of G4, BTS and DENTS recommend the reward-optimal root action L at
every temperature tried, above τ_c too, where MENTS follows the soft optimum R (G4).
G6: the entropy trap. Its soft optimum is misaligned exactly above τ_trap = 1/(k log 2) (to
1e-10 against mpmath at 50 digits, with a sign certificate on the exact soft values of the MDP
itself); above it MENTS recommends a path into the zero-reward entropy chain while BTS and DENTS
recommend the rewarding exit; below it the budget MENTS needs to find the exit grows with the
trap's length D = K.
G7: consistency at verification scale: the probability that BTS's (and DENTS's) recommended
policy is not optimal, which bounds its expected simple regret, falls towards zero with
simulations at a constant temperature, on synthetic trees.

The searches are :func:`theory.mcts.bts`, :func:`theory.mcts.dents` and :func:`theory.mcts.ments`
on one engine; their settings are those of :mod:`mdps.instances` (ε = 1 on the chains, as G4;
the synthetic-tree settings of G3a for G7). The references are independent of the searches:
the reward-optimal action and V* by exact backward induction, the thresholds by closed form and
mpmath. Statistical comparisons are made as in :mod:`checks.planning`: one-sided exact
(Clopper–Pearson) bounds on probabilities of independent runs, :data:`theory.stats.CLAIM_FALSE_ALARM`
split over every bound a claim computes. "Succeeds" for a run means that its recommendation
policy ψ (argmax of its estimates at every state from the root, ``SearchResult.path_returns``)
collects V*(root): its simple regret sreg(root, ψ) = V*(root) − V^ψ(root) is 0.
"""

from __future__ import annotations

import mpmath
import numpy as np

from checks.base import CheckResult, Claim, fold, register
from checks.mcts import rate_bounds
from checks.suite import check_size
from mdps.generators import d_chain, entropy_trap
from mdps.instances import CHAIN_EPSILON, MODIFIED_D_CHAIN, TRAP_TAU_ABOVE, TRAP_TAU_BELOW
from mdps.instances import MCTS_EPSILON as EPSILON  # G7 searches with the settings of G3a
from mdps.instances import MCTS_SIGMA as SIGMA
from mdps.instances import MCTS_TAU as TAU
from mdps.trees import synthetic_tree, tree_mdp
from theory.mcts import (
    bts,
    d_chain_critical_temperature,
    dents,
    entropy_trap_critical_temperature,
    entropy_trap_gap,
    ments,
    root_soft_q,
)
from theory.roundoff import roundoff
from theory.softmax import soft_value
from theory.stats import CLAIM_FALSE_ALARM, bonferroni, mean_interval

__all__ = [
    "G5",
    "G6",
    "G7",
    "check_d_chain_alignment",
    "check_entropy_trap",
    "check_regret_falls",
    "check_trap_budget_growth",
]

#: "Recommends it": P(a run's recommendation is the reward-optimal one) >= 0.9 (as G4).
HIGH_PROBABILITY = 0.9
#: "MENTS fails": P(MENTS's recommendation policy is optimal) <= 0.1.
LOW_PROBABILITY = 0.1
#: "The budget MENTS needs": the fewest simulations after which P(success) >= 1/2.
NEEDED = 0.5
#: Accuracy asked of τ_trap, and the width of its sign certificate (as G4).
TAU_TOL, CERTIFICATE_STEP = 1e-10, 1e-9

_SEARCHES = {"BTS": bts, "DENTS": dents}


def _search_kwargs(**seams) -> dict:
    """The seams that were given (None: the search's own default)."""
    return {k: v for k, v in seams.items() if v is not None}


def _optimal_paths(result, mdp) -> np.ndarray:
    """``[T, R]`` whether each run's recommendation policy collects V*(root) (exact backward
    induction), to the round-off of summing H rewards."""
    v_star = float(root_soft_q(mdp, 0.0)[0].max())
    slack = roundoff(mdp.horizon, 1.0 + abs(v_star))  # H rewards summed in two orders
    return result.path_returns >= v_star - slack


# ---------------------------------------------------------------------------------------------
# G5: BTS and DENTS stay aligned on the modified D-chain
# ---------------------------------------------------------------------------------------------
G5 = Claim(
    "G5",
    "Modified D-chain (D=10, R_f=1/2): BTS and DENTS recommend the reward-optimal root action L "
    "at every τ, also above τ_c ≈ 0.1386 where MENTS recommends R",
    "Painter et al. 2023 (NeurIPS), 'Monte Carlo tree search with Boltzmann exploration' (BTS, "
    "DENTS; modified D-chain)",
    false_alarm=CLAIM_FALSE_ALARM,
)


@G5.subjects("backup_value")
def check_d_chain_alignment(
    n: int = MODIFIED_D_CHAIN[0],
    final_reward: float = MODIFIED_D_CHAIN[1],
    *,
    taus=(0.1, 0.5),
    epsilon: float = CHAIN_EPSILON,
    sigma: float = SIGMA,
    n_simulations: int = 50,
    n_runs: int = 100,
    seed: int = 0,
    alpha: float = CLAIM_FALSE_ALARM,
    backup_value=None,
) -> CheckResult:
    """G5 on one D-chain: BTS and DENTS recommend the reward-optimal root action at every τ.

    The target is argmax Q*_0(root, ·) by exact backward induction (L on the modified chain);
    τ_c (:func:`theory.mcts.d_chain_critical_temperature`, checked in G4) only labels which τ
    lie above it. For each algorithm and τ: p = P(recommends the target after
    ``n_simulations``) >= 0.9; it fails only when the one-sided Clopper–Pearson upper bound of p
    at level α/(2·len(taus)), from ``n_runs`` runs, is below 0.9, so a true claim fails with
    probability <= α. Measured: p = 1.000 at 50 simulations for τ from 0.05 to 2; BTS or DENTS
    with soft backups F_τ (the negative control) recommend R above τ_c (p ≈ 0).

    Args:
      n, final_reward: the D-chain (D, R_f).
      taus: search temperatures (constant).
      epsilon, sigma, n_simulations, n_runs, seed: search settings (τ j, algorithm i searches
        with seed + 100·i + j).
      alpha: false-alarm level of this chain.
      backup_value: ``(q [R, A], counts [R, A]) -> [R]``, BTS's and DENTS's node value (None:
        theirs, the visited max; injectable for negative controls).
    Returns:
      CheckResult; ``details`` has the recommendation table.
    """
    mdp = d_chain(n, final_reward)
    target = int(np.argmax(root_soft_q(mdp, 0.0)[0]))
    tau_c = d_chain_critical_temperature(n, final_reward)
    beta = bonferroni(alpha, len(_SEARCHES) * len(taus))
    kw = _search_kwargs(backup_value=backup_value)
    cases, rows = {}, []
    for i, (name, search) in enumerate(_SEARCHES.items()):
        for j, tau in enumerate(taus):
            res = search(
                mdp,
                tau=tau,
                epsilon=epsilon,
                sigma=sigma,
                checkpoints=(n_simulations,),
                n_runs=n_runs,
                seed=seed + 100 * i + j,
                **kw,
            )
            hits, _, lo, hi = rate_bounds(res.recommendations[-1] == target, beta)
            side = "above" if tau > tau_c else "below"
            cases[f"{name} τ={tau:g} ({side} τ_c): 0.9 vs upper bound of P(recommends {'LR'[target]})"] = (
                HIGH_PROBABILITY,
                hi,
            )
            rows.append(
                {
                    "search": name,
                    "tau": tau,
                    "above_tau_c": tau > tau_c,
                    "rate": hits / n_runs,
                    "bounds": (lo, hi),
                }
            )
    recs = ", ".join(
        f"{r['search']} τ={r['tau']:g}: {r['rate']:.3f} [{r['bounds'][0]:.3f}, {r['bounds'][1]:.3f}]"
        for r in rows
    )
    instance = f"d_chain(n={n}, R_f={final_reward:g}), tau_c={tau_c:.6g}"
    return G5.worst_of(
        cases,
        {
            "instance": instance,
            "summary": (
                f"{instance}: P(recommends the reward-optimal {'LR'[target]}) after {n_simulations} "
                f"simulations ({n_runs} runs, one-sided CP bounds at {beta:.2g}): {recs}; τ above "
                f"τ_c: {[t for t in taus if t > tau_c]}"
            ),
            "recommendations": rows,
            "bound_level": beta,
            "settings": {"epsilon": epsilon, "sigma": sigma},
        },
    )


#: size -> (taus, simulations, runs).
_G5_PLAN = {
    "quick": ((0.1, 0.5), 50, 100),
    "default": ((0.05, 0.1, 0.2, 0.5, 1.0), 200, 200),
    "full": ((0.05, 0.1, 0.12, 0.16, 0.2, 0.5, 1.0, 2.0), 1000, 400),
}


@register(G5)
def battery_d_chain_alignment(*, seed: int, size: str) -> CheckResult:
    """G5 on the modified D-chain at the plan's temperatures, below and above τ_c."""
    check_size(size)
    taus, n_sims, n_runs = _G5_PLAN[size]
    return fold(G5, [check_d_chain_alignment(taus=taus, n_simulations=n_sims, n_runs=n_runs, seed=seed)])


# ---------------------------------------------------------------------------------------------
# G6: the entropy trap
# ---------------------------------------------------------------------------------------------
G6 = Claim(
    "G6",
    "Entropy trap: the soft optimum is misaligned iff τ > 1/(K log 2); above it MENTS recommends "
    "the entropy chain while BTS and DENTS take the exit; below it MENTS's budget grows with D = K",
    "Painter et al. 2023 (NeurIPS), entropy-trap MDP (Painter's thesis, theorem 'ments_bad_mdp')",
    false_alarm=CLAIM_FALSE_ALARM,
)


def _trap_gap_mp(k: int, tau):
    """Q*_τ(s^E, L) − Q*_τ(s^E, R) of the entropy trap by its recursion, in mpmath.

    V = 0 after the last choice, V ← τ log(e^{V/τ} + e^{V/τ}) for each of the k binary choices,
    gap = V − 1 (R at s^E pays 1). Independent of the MDP, of the solver and of the closed form.
    """
    tau = mpmath.mpf(tau)
    v = mpmath.mpf(0)
    for _ in range(k):
        v = tau * mpmath.log(mpmath.exp(v / tau) + mpmath.exp(v / tau))
    return v - 1


@G6.subjects("tau_trap", "backup_value")
def check_entropy_trap(
    n: int = 4,
    k: int = 4,
    *,
    tau_trap: float | None = None,
    tau: float = TRAP_TAU_ABOVE,
    epsilon: float = CHAIN_EPSILON,
    sigma: float = SIGMA,
    n_simulations: int = 200,
    n_runs: int = 50,
    seed: int = 0,
    alpha: float = CLAIM_FALSE_ALARM,
    backup_value=None,
) -> CheckResult:
    """G6 on one trap: τ_trap exactly, and who falls into the trap above it.

    - τ_trap (``tau_trap``, or :func:`theory.mcts.entropy_trap_critical_temperature`) against
      the root of the gap recursion found by mpmath at 50 digits: |τ_trap − τ^(50)| <= 1e-10;
    - sign certificate on the MDP itself (:func:`theory.mcts.entropy_trap_gap`, exact soft
      backward induction of :func:`mdps.generators.entropy_trap`): gap(τ_trap − 1e-9) < 0 <
      gap(τ_trap + 1e-9), measured as max(gap(τ_trap − 1e-9), −gap(τ_trap + 1e-9)) <= 0 (the
      gap's slope is k log 2, so the margin is about 1e-9·k log 2, far above round-off);
    - at ``tau`` > τ_trap (required: ValueError otherwise), after ``n_simulations``: BTS and
      DENTS succeed (their recommendation policy collects V* = 1) with probability >= 0.9
      (FAIL when the one-sided upper bound is below 0.9), and MENTS succeeds with probability
      <= 0.1 (FAIL when the one-sided lower bound is above 0.1); bounds at α/3 each. A true
      claim fails with probability <= α. Measured at n = k = 3, τ = 1, 100 simulations: BTS
      and DENTS about 0.95–1, MENTS 0; BTS with soft backups (negative control) 0.

    Args:
      n, k: the trap (chain length D, binary choices K).
      tau_trap: the threshold under test (None: compute it).
      tau: the search temperature, above τ_trap.
      epsilon, sigma, n_simulations, n_runs, seed: search settings (MENTS, BTS, DENTS search
        with seed, seed + 1, seed + 2).
      alpha: false-alarm level of this trap.
      backup_value: BTS's and DENTS's node value (None: theirs; injectable).
    Returns:
      CheckResult; ``details`` has τ_trap with 20 digits and the success table.
    """
    mpmath.mp.dps = 50
    if tau_trap is None:
        tau_trap = entropy_trap_critical_temperature(k)
    if not tau > tau_trap:
        raise ValueError(f"tau must be above the trap's threshold {tau_trap:.6g}, got {tau!r}")
    reference = mpmath.findroot(
        lambda t: _trap_gap_mp(k, t), (tau_trap * 0.9, tau_trap * 1.1), solver="anderson"
    )
    below = entropy_trap_gap(n, k, tau_trap - CERTIFICATE_STEP)
    above = entropy_trap_gap(n, k, tau_trap + CERTIFICATE_STEP)
    cases = {
        "|τ_trap − τ_trap (mpmath, 50 digits)|": (float(abs(tau_trap - reference)), TAU_TOL),
        "sign certificate on the MDP: max(gap(τ_trap − 1e-9), −gap(τ_trap + 1e-9))": (
            max(below, -above),
            0.0,
        ),
    }
    mdp = entropy_trap(n, k)
    beta = bonferroni(alpha, 3)
    kw = dict(tau=tau, epsilon=epsilon, sigma=sigma, checkpoints=(n_simulations,), n_runs=n_runs)
    seams = _search_kwargs(backup_value=backup_value)
    rates = {}
    for i, (name, search, extra) in enumerate(
        (("MENTS", ments, {}), ("BTS", bts, seams), ("DENTS", dents, seams))
    ):
        success = _optimal_paths(search(mdp, seed=seed + i, **kw, **extra), mdp)[-1]
        hits, _, lo, hi = rate_bounds(success, beta)
        rates[name] = (hits / n_runs, lo, hi)
        if name == "MENTS":
            cases["MENTS: lower bound of P(its policy takes the exit) vs 0.1"] = (lo, LOW_PROBABILITY)
        else:
            cases[f"{name}: 0.9 vs upper bound of P(its policy takes the exit)"] = (HIGH_PROBABILITY, hi)
    digits = mpmath.nstr(reference, 20)
    instance = f"entropy_trap(n={n}, k={k}), tau={tau:g}"
    table = ", ".join(f"{a} {r:.3f} [{lo:.3f}, {hi:.3f}]" for a, (r, lo, hi) in rates.items())
    return G6.worst_of(
        cases,
        {
            "instance": instance,
            "summary": (
                f"{instance}: τ_trap = 1/(k log 2) = {digits} (float {tau_trap!r}); gap(τ_trap ∓ 1e-9) = "
                f"{below:.3g}, {above:.3g}; P(recommendation policy takes the exit, V* = 1) after "
                f"{n_simulations} simulations ({n_runs} runs, one-sided CP bounds at {beta:.2g}): {table}"
            ),
            "tau_trap": tau_trap,
            "tau_trap_50_digits": mpmath.nstr(reference, 50),
            "success": rates,
            "bound_level": beta,
            "settings": {"epsilon": epsilon, "sigma": sigma},
        },
    )


@G6.subjects("ments_backup_value")
def check_trap_budget_growth(
    lengths=(2, 7),
    *,
    tau: float = TRAP_TAU_BELOW,
    epsilon: float = CHAIN_EPSILON,
    sigma: float = SIGMA,
    checkpoints=(16, 32),
    n_runs: int = 100,
    seed: int = 0,
    alpha: float = CLAIM_FALSE_ALARM,
    ments_backup_value=soft_value,
) -> CheckResult:
    """G6 below the threshold: the budget MENTS needs grows with the trap's length D = K.

    For traps ``entropy_trap(D, D)``, D in ``lengths`` (τ below every τ_trap: ValueError
    otherwise), p_D(t) = P(MENTS's recommendation policy takes the exit after t simulations),
    and the budget needed N(D) = min{t : p_D(t) >= 1/2}. For each consecutive pair D < D', the
    claim asks for a budget t of ``checkpoints`` with lower(p_D(t)) > 1/2 > upper(p_D'(t)):
    then N(D) <= t < N(D'), with confidence. Each bound is one-sided Clopper–Pearson at level
    α/(2·pairs·budgets·2). The comparison reported per pair is the best budget's
    max(1/2 − lower(p_D), upper(p_D') − 1/2) < 0. This is a claim shown by a significant
    separation (like G3b's refutation), so its false-alarm rate is a matter of power. Measured p
    at τ = 0.1 (1000 runs): D = 2: 0.86, 0.98 at 16, 32 simulations; D = 5: 0.21, 0.46, 0.78 at
    16, 64, 256; D = 7: 0.05, 0.10 at 16, 32; D = 8: 0.03, 0.09, 0.21 at 16, 64, 256. The plan's
    pairs, (2, 7) at 32 (quick) and (2, 5) at 16, (5, 8) at 256 (default), are each more than
    4.5 standard errors on both sides from where a bound reaches 1/2 (quick: P(no separation)
    about 1e-6 by exact binomial tails at p = 0.9 and 0.12, tests/test_checks_mcts.py). A MENTS
    that backs up 0 (the negative control) never takes the exit: no budget separates.

    Args:
      lengths: increasing trap lengths D (= K).
      tau, epsilon, sigma, checkpoints, n_runs, seed: MENTS settings (length j searches with
        seed + j).
      alpha: false-alarm level of this comparison.
      ments_backup_value: ``(q [R, A], tau) -> [R]``, MENTS's node value (injectable).
    Returns:
      CheckResult; ``details`` has p_D(t) with bounds and the estimated budgets N(D).
    """
    lengths = tuple(int(d) for d in lengths)
    if any(not tau < entropy_trap_critical_temperature(d) for d in lengths):
        raise ValueError(f"tau must be below every trap's threshold, got {tau!r} for lengths {lengths}")
    n_pairs = len(lengths) - 1
    beta = bonferroni(alpha, 2 * max(n_pairs, 1) * len(checkpoints) * 2)
    curves = {}
    for j, d in enumerate(lengths):
        mdp = entropy_trap(d, d)
        res = ments(
            mdp,
            tau=tau,
            epsilon=epsilon,
            sigma=sigma,
            checkpoints=checkpoints,
            n_runs=n_runs,
            seed=seed + j,
            backup_value=ments_backup_value,
        )
        success = _optimal_paths(res, mdp)
        curves[d] = [rate_bounds(row, beta) for row in success]
    marks = [int(t) for t in checkpoints]
    cases = {}
    for d, d2 in zip(lengths[:-1], lengths[1:]):
        margins = [max(NEEDED - lo, curves[d2][i][3] - NEEDED) for i, (_, _, lo, _) in enumerate(curves[d])]
        best = int(np.argmin(margins))
        cases[f"D={d} vs D={d2}: best budget {marks[best]}: max(1/2 − lower(p_{d}), upper(p_{d2}) − 1/2)"] = (
            margins[best],
            0.0,
        )
    needed = {
        d: next((t for t, (k, n, _, _) in zip(marks, curve) if k / n >= NEEDED), None)
        for d, curve in curves.items()
    }
    text = "; ".join(
        f"D={d}: " + " ".join(f"{t}:{k / n:.2f}[{lo:.2f},{hi:.2f}]" for t, (k, n, lo, hi) in zip(marks, c))
        for d, c in curves.items()
    )
    return G6.worst_of(
        cases,
        {
            "instance": f"entropy_trap(D, D) for D in {lengths}, MENTS tau={tau:g}",
            "summary": (
                f"MENTS below τ_trap (τ={tau:g}), P(recommendation policy takes the exit) by simulations "
                f"({n_runs} runs, one-sided CP bounds at {beta:.2g}): {text}; budget needed for 1/2 "
                f"(estimate): {needed}"
            ),
            "curves": {d: [(k / n, lo, hi) for k, n, lo, hi in c] for d, c in curves.items()},
            "budget_needed": needed,
            "bound_level": beta,
        },
    )


#: size -> (traps (D, K) above the threshold, simulations, runs; lengths below, budgets, runs).
_G6_PLAN = {
    "quick": (((3, 3),), 100, 50, (2, 7), (16, 32), 100),
    "default": (((4, 4), (6, 6)), 800, 100, (2, 5, 8), (16, 64, 256), 200),
    "full": (((4, 4), (6, 6), (8, 8)), 4000, 100, (2, 5, 8), (16, 64, 256, 1024), 400),
}


@register(G6)
def battery_entropy_trap(*, seed: int, size: str) -> CheckResult:
    """G6: each trap of the plan above its threshold, and MENTS's budgets below it; α split
    evenly over the traps and the growth comparison (trap i seeds from seed + 10·i)."""
    check_size(size)
    traps, n_sims, n_runs, lengths, marks, growth_runs = _G6_PLAN[size]
    a = bonferroni(CLAIM_FALSE_ALARM, len(traps) + 1)
    results = [
        check_entropy_trap(n, k, n_simulations=n_sims, n_runs=n_runs, seed=seed + 10 * i, alpha=a)
        for i, (n, k) in enumerate(traps)
    ]
    results.append(
        check_trap_budget_growth(
            lengths, checkpoints=marks, n_runs=growth_runs, seed=seed + 10 * len(traps), alpha=a
        )
    )
    return fold(G6, results)


# ---------------------------------------------------------------------------------------------
# G7: BTS's and DENTS's simple regret falls towards zero
# ---------------------------------------------------------------------------------------------
G7 = Claim(
    "G7",
    "BTS and DENTS at constant τ: P(sreg(root, ψ) > 0), which bounds E[sreg]/max regret, falls "
    "towards zero with simulations: it never rises, and at least halves from the first budget to the last",
    "Painter et al. 2023 (NeurIPS), BTS and DENTS consistency (Painter's thesis §4.3)",
    false_alarm=CLAIM_FALSE_ALARM,
)


@G7.subjects("tree_policy")
def check_regret_falls(
    branching: int,
    depth: int,
    *,
    n_trees: int = 4,
    runs_per_tree: int = 50,
    checkpoints=(4, 32, 256),
    seed: int = 0,
    tau: float = TAU,
    epsilon: float = EPSILON,
    sigma: float = SIGMA,
    alpha: float = CLAIM_FALSE_ALARM,
    tree_policy=None,
) -> CheckResult:
    """G7 on (k, d): BTS's and DENTS's failure curves over ``n_trees`` seeded synthetic trees.

    A run fails at budget t when its recommendation policy ψ does not collect V*(root) (exact
    backward induction), i.e. its simple regret sreg(root, ψ) > 0; E[sreg] <= Δ·P(sreg > 0),
    Δ = V*(root) − min over paths, so P(sreg > 0) → 0 gives consistency. As G3a, for each
    search, with one-sided Clopper–Pearson bounds at level α/(2·searches·T): fails when a
    consecutive pair separates upwards (lower_{j+1} > upper_j) or the last budget's bound
    separates from half the first's (lower_T > upper_1/2); a true claim fails with probability
    <= α. Measured on k = 2, d = 2 (τ = 0.1): 0.61 → 0.05 from 4 to 256 simulations (BTS), 0.63
    → 0.06 (DENTS); with a greedy tree policy (no exploration, the negative control) 0.68 → 0.66.
    ``details`` also has the mean simple regret with its CLT interval (theory.stats).

    Args:
      branching, depth: k, d of the synthetic trees (seeds seed + i, i < n_trees).
      n_trees, runs_per_tree: the pool; checkpoints: increasing simulation budgets.
      seed: seeds the trees, and the searches with seed + n_trees (BTS) and seed + n_trees + 1.
      tau, epsilon, sigma: search settings (the temperature is constant).
      alpha: false-alarm level of this instance.
      tree_policy: ``(q [R, A], n_total [R], tau, epsilon) -> [R, A]`` of both searches (None:
        theirs, the Boltzmann search policy; injectable).
    Returns:
      CheckResult; ``details`` has both curves with their bounds.
    """
    mdps = [tree_mdp(synthetic_tree(branching, depth, seed=seed + i)) for i in range(n_trees)]
    v_star = np.repeat([float(root_soft_q(m, 0.0)[0].max()) for m in mdps], runs_per_tree)
    slack = roundoff(depth, 1.0 + np.abs(v_star))  # H rewards summed in two orders
    beta = bonferroni(alpha, 2 * len(_SEARCHES) * len(checkpoints))
    cases, table = {}, {}
    for i, (name, search) in enumerate(_SEARCHES.items()):
        res = search(
            mdps,
            tau=tau,
            epsilon=epsilon,
            sigma=sigma,
            checkpoints=checkpoints,
            n_runs=runs_per_tree,
            seed=seed + n_trees + i,
            **_search_kwargs(tree_policy=tree_policy),
        )
        regret = v_star - res.path_returns  # [T, R]
        bounds = [rate_bounds(r > slack, beta) for r in regret]
        marks = [int(t) for t in res.checkpoints]
        for j in range(len(marks) - 1):
            lo_next, hi_here = bounds[j + 1][2], bounds[j][3]
            cases[f"{name} never rises {marks[j]}→{marks[j + 1]}: lower vs upper"] = (lo_next, hi_here)
        cases[f"{name} halves: lower(p_{marks[-1]}) vs upper(p_{marks[0]})/2"] = (
            bounds[-1][2],
            bounds[0][3] / 2,
        )
        mean, half = mean_interval(regret, 2 * beta, axis=1)
        table[name] = [
            {"simulations": t, "p": k / n, "bounds": (lo, hi), "mean_regret": (float(m), float(h))}
            for t, (k, n, lo, hi), m, h in zip(marks, bounds, mean, half)
        ]
    instance = f"k={branching}, d={depth}, tau={tau:g}"
    text = "; ".join(
        f"{name} "
        + " ".join(
            f"{r['simulations']}:{r['p']:.3f}[{r['bounds'][0]:.3f},{r['bounds'][1]:.3f}]" for r in rows
        )
        for name, rows in table.items()
    )
    return G7.worst_of(
        cases,
        {
            "instance": instance,
            "summary": (
                f"{instance}: P(sreg > 0) by simulations {text} ({n_trees * runs_per_tree} runs, {n_trees} "
                f"trees, one-sided CP bounds at {beta:.2g})"
            ),
            "table": table,
            "bound_level": beta,
            "settings": {"epsilon": epsilon, "sigma": sigma},
        },
    )


#: size -> ((k, d) shapes, trees, runs per tree, budgets).
_G7_PLAN = {
    "quick": (((2, 2),), 4, 50, (4, 32, 256)),
    "default": (((2, 2), (4, 2), (2, 3)), 4, 50, (4, 16, 64, 256, 1024)),
    "full": (((2, 2), (4, 2), (2, 3), (4, 3), (8, 3)), 5, 40, (4, 16, 64, 256, 1024, 4096)),
}


@register(G7)
def battery_regret_falls(*, seed: int, size: str) -> CheckResult:
    """G7 over the plan's shapes (shape j: seeds from seed + 1000·j); α split over the shapes."""
    check_size(size)
    shapes, n_trees, runs, marks = _G7_PLAN[size]
    a = bonferroni(CLAIM_FALSE_ALARM, len(shapes))
    return fold(
        G7,
        (
            check_regret_falls(
                k, d, n_trees=n_trees, runs_per_tree=runs, checkpoints=marks, seed=seed + 1000 * j, alpha=a
            )
            for j, (k, d) in enumerate(shapes)
        ),
    )
