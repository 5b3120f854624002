"""Tests of the teaching figures: the data behind every line equal what ``theory`` computes, the
plotted arrays equal the data (read back from the Figure's artists by gid, not from pixels),
and ``python -m figures`` writes an ``index.html`` whose every image exists.

All figures are built at size="quick"; each data function runs once per module (fixtures).
"""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pytest
from scipy import stats

from checks.base import roundoff_tolerance
from figures import dynamics, sampling, search, softmax, temperature
from figures.__main__ import main
from figures._common import lines_by_gid, pick
from figures.registry import FIGURES, select
from mdps.generators import garnet, gridworld
from theory.bandit import exp_sum_estimate, simulate, uniform_allocation
from theory.bellman import boltzmann_policy
from theory.mcts import FailureCurve
from theory.soft_q import svgd
from theory.softmax import entropy, soft_indmax, soft_value
from theory.solvers import ConvergenceWarning, soft_value_iteration, value_scale

QUICK = {"seed": 0, "size": "quick"}


def _xy(artist) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)


def _assert_line(lines, gid, x, y):
    """The line tagged ``gid`` plots exactly (x, y)."""
    lx, ly = _xy(lines[gid])
    np.testing.assert_array_equal(lx, x, err_msg=gid)
    np.testing.assert_array_equal(ly, y, err_msg=gid)


_NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:\.\d+)?(?:e[−+-]?\d+)?%?")


def _caption_facts(name, d):
    """(facts, constants) of figure ``name``'s caption: the numbers the caption must state,
    derived here from the data ``d`` and formatted as the caption formats them, and the formulas'
    own constants (the 1 of 1 − γ, a claim id's digit), the only other numbers it may state."""
    if name == "softmax_gap":
        return [d.q.size, f"{d.tau[0]:g}", f"{np.abs(d.gap - d.entropy_term).max():.1g}"], ()
    if name == "indmax_temperature":
        k = d.q.size
        best, near = d.probabilities[0].max(), np.abs(d.probabilities[-1] - 1 / k).max()
        return [*_g(d.q), f"{d.tau[0]:g}", f"{best:.4f}", f"{d.tau[-1]:g}", f"{near:.3f}", f"{1 / k:g}"] + [
            f"{d.entropy[0]:.2g}",
            f"{d.entropy[-1]:.3f}",
            "0",
            f"{np.log(k):.3f}",
        ], ()
    if name == "soft_vi_convergence":
        prior = max((c.error / c.prior_bound).max() for c in d)
        posterior = max((c.error[1:] / c.posterior_bound).max() for c in d)
        facts = [f"{d[0].tau:g}", *_g(c.gamma for c in d), *_g((c.rate for c in d), ".3f")]
        return facts + [*_g(c.k[-1] for c in d), f"{prior:.3f}", f"{posterior:.3f}"], ("0", "1", "−1")
    if name == "contraction_ratios":
        shifted = d.ratios[:, d.near_shift].max(axis=1) / d.gammas
        facts = [d.ratios.shape[1], *_g(d.gammas), *_g(d.ratios.max(axis=1), ".4f"), *_g(shifted, ".4f")]
        return facts, ("1", "2")  # the Q₁, Q₂ of ‖TQ₁ − TQ₂‖ are subscripts, "Q₂ ≈ Q₁ + c" too
    if name == "policy_improvement":
        facts = [f"{d.gamma:g}", f"{d.tau:g}", f"{d.min_increase:.2g}", f"{d.min_gap:.2g}"]
        facts += [f"{d.pi_error[-1]:.1g}", d.pi_error.size - 1, d.vi_error.size - 1]
        return facts + re.findall(r"\d+", d.name), ("10",)  # the axis is linear to 10 (linthresh)
    if name == "boltzmann_gridworld":
        top = d.policy[0][d.shown].max(axis=1).min()
        facts = [*_g(d.taus), f"{d.gamma:g}", f"{top:.3f}", *_g(d.growth, ".3g"), *_g(d.bound, ".3g")]
        return facts + [d.policy.shape[2]] + re.findall(r"\d+(?:\.\d+)?", d.name), ("0", "1")
    if name == "temperature_limit":
        share = d.gap_max / d.bound
        facts = [d.n_actions, f"{d.gamma:g}", f"{d.tau[-1]:g}", f"{share[-1]:.0%}", f"{d.tau[0]:g}"]
        return facts + [f"{share[0]:.0%}", f"{d.classical_loss[0]:.1g}"], ("0", "1")
    if name == "e2w_rate":
        values = [d.limit, d.e2w[-1], d.uniform_limit, d.uniform[-1], d.e2w[0], d.uniform[0]]
        return [d.runs, "99%", d.t[-1], d.t[0], *_g(values, ".4g")], ("2",)  # exp(2r/τ)
    if name == "svgd_particles":
        one, two = sampling.svgd_targets()
        facts = [len(d.particles_1d), d.n_steps, len(one.weights), len(two.weights), *_g(two.weights)]
        return facts, ("1", "2")  # 1-D, 2-D
    if name == "is_soft_value":
        bias, var = d.bias / d.bias_prediction, d.variance / d.variance_prediction
        facts = [d.m[0], d.m[-1], d.runs, f"{d.cv2:.2f}", *_g([bias[-1], var[-1], bias[0], var[0]], ".2f")]
        return facts + ["99%"], ("−1", "2")  # slope −1 and τCV²/(2M)
    if name == "ments_vs_uct":
        above = d.ments.low > d.uct.high
        facts = [d.n_trees, d.branching, d.depth, "99%", f"{d.ments.rate[0]:.2f}", f"{d.ments.rate[-1]:.2f}"]
        below = d.ments.high < d.uct.low
        facts += [int(above.sum()), above.size] if above.any() else []
        if below.any():
            facts += [int(below.sum()), below.size, d.ments.checkpoints[np.argmax(below)]]
        else:
            facts.append(d.ments.checkpoints[-1])
        return facts, ("3", "4")  # the claim ids G3a, G3b
    if name == "dchain_threshold":
        share = np.array([c.rate[0] for c in d.ments_right])
        low, high = share[d.ments_tau < d.tau_c].max(), share[d.ments_tau > d.tau_c].min()
        facts = [*_g(search.DCHAIN), f"{d.q_left[0]:g}", f"{d.q_right[0]:.3g}", f"{d.tau[0]:g}"]
        return facts + [f"{d.tau_c:.4f}", d.simulations, f"{low:.2f}", f"{high:.2f}", "99%"], ("4",)
    if name == "boltzmann_search":
        hot = d.tau > d.tau_c
        hard = min(rows[n][0].min() for rows in (d.dchain, d.trap) for n in ("BTS", "DENTS"))
        facts = [d.simulations, d.n_runs, "99%", *_g(search.DCHAIN), f"{d.tau_c:.4f}", f"{hard:.2f}"]
        facts += [search.TRAP[0], f"{d.tau_trap:.4f}"]
        if hot.any():
            facts.append(f"{d.dchain['MENTS'][0][hot].max():.2f}")
        return facts, ("1", "2", "4", "5", "6")  # 1/(K log 2) and the claim ids G4, G5, G6
    raise AssertionError(f"no caption facts for figure {name!r}: add them here")


def _assert_caption(name, data):
    """The caption of ``name`` states each of its facts (:func:`_caption_facts`) and no number
    besides those and the formulas' constants: a number left over was not computed from this
    figure's data."""
    facts, constants = _caption_facts(name, data)
    text = FIGURES[name].caption(data)
    numbers = _NUMBER.findall(text)
    facts = [str(f) for f in facts]
    missing = [f for f in facts if f not in numbers]
    stray = sorted(set(numbers) - set(facts) - set(constants))
    assert not missing and not stray, (
        f"{name}: caption lacks {missing}, states {stray} not from the data: {text}"
    )
    return text


def _g(values, fmt="g"):
    return [format(v, fmt) for v in values]


def _value_iteration(mdp, tau):
    """Q*, V* by soft value iteration: a different solver from the figures' policy iteration."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return soft_value_iteration(mdp, tau, tol=1e-11)


# ---------------------------------------------------------------------------------------------
# 1–2: softmax
# ---------------------------------------------------------------------------------------------
def test_softmax_gap_is_the_entropy_and_inside_the_bounds():
    d = softmax.softmax_gap_data(**QUICK)
    # A7: the gap equals τH(f_τ(q)), recomputed here from theory.softmax.
    h = np.array([t * entropy(soft_indmax(d.q, t)) for t in d.tau])
    np.testing.assert_allclose(d.gap, h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.entropy_term, h, rtol=0, atol=1e-15)
    assert np.all(d.lower <= d.soft_value + 1e-15) and np.all(d.soft_value <= d.upper + 1e-15)
    assert d.soft_value[0] == d.q.max()  # τ = 0 is the exact max
    lines = lines_by_gid(softmax.plot_softmax_gap(d))
    for gid in ("soft_value", "lower", "upper", "expected_value", "gap", "entropy_term"):
        _assert_line(lines, gid, d.tau, getattr(d, gid))
    worst = np.abs(d.gap - h).max()
    assert worst < 1e-12
    _assert_caption("softmax_gap", d)


def test_indmax_temperature_goes_from_hardmax_to_uniform():
    d = softmax.indmax_temperature_data(**QUICK)
    k = d.q.size
    np.testing.assert_allclose(d.probabilities.sum(axis=1), 1.0, atol=1e-14)
    assert d.probabilities[0, d.q.argmax()] > 1 - 1e-12  # τ = 0.01: hardmax
    assert np.abs(d.probabilities[-1] - 1 / k).max() < 0.05  # τ = 10: nearly uniform
    assert np.all((d.entropy >= 0) & (d.entropy <= np.log(k) + 1e-15))
    lines = lines_by_gid(softmax.plot_indmax_temperature(d))
    for a in range(k):
        _assert_line(lines, f"probability_{a}", d.tau, np.array([soft_indmax(d.q, t)[a] for t in d.tau]))
    _assert_line(lines, "entropy", d.tau, d.entropy)
    _assert_caption("indmax_temperature", d)


# ---------------------------------------------------------------------------------------------
# 3–7: dynamic programming
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def vi_curves():
    return dynamics.soft_vi_convergence_data(**QUICK)


def test_soft_vi_error_lies_under_both_bounds(vi_curves):
    for c in vi_curves:
        mdp = garnet(10, 3, 3, gamma=c.gamma, seed=0)
        # Q_0 = 0, so the first error is ‖Q*‖∞: check it against an independent solver.
        q_star = _value_iteration(mdp, dynamics.TAU).q
        assert abs(c.error[0] - np.abs(q_star).max()) <= 1e-9 * (1 + c.error[0])
        slack = c.solver_error + roundoff_tolerance(mdp, dynamics.TAU)
        assert np.all(c.error <= c.prior_bound + slack)
        assert np.all(c.error[1:] <= c.posterior_bound + slack)
        assert c.error[-1] <= dynamics.STOP * (1 + value_scale(mdp, dynamics.TAU))  # ran to the floor
        # The rate is γ: the error shrinks by at most γ per sweep (plus round-off).
        assert np.all(c.error[1:] <= c.gamma * c.error[:-1] + slack)


def test_soft_vi_figure_plots_the_curves(vi_curves):
    lines = lines_by_gid(dynamics.plot_soft_vi_convergence(vi_curves))
    for i, c in enumerate(vi_curves):
        _assert_line(lines, f"error_{i}", c.k, c.error)
        _assert_line(lines, f"prior_bound_{i}", c.k, c.prior_bound)
        _assert_line(lines, f"posterior_bound_{i}", c.k[1:], c.posterior_bound)
        _assert_line(lines, f"prior_ratio_{i}", c.k, c.error / c.prior_bound)
        _assert_line(lines, f"posterior_ratio_{i}", c.k[1:], c.error[1:] / c.posterior_bound)
        # the measured rate, from the error curve's second half, is at most γ
        n = c.k[-1]
        assert c.rate == pytest.approx((c.error[n] / c.error[n // 2]) ** (1 / (n - n // 2)), rel=1e-12)
        assert c.rate <= c.gamma * (1 + 1e-6)
    _assert_caption("soft_vi_convergence", vi_curves)


def test_contraction_ratios_never_exceed_gamma_and_reach_it():
    d = dynamics.contraction_ratios_data(**QUICK)
    for g, r in zip(d.gammas, d.ratios, strict=True):
        assert r.max() <= g * (1 + 1e-9)
        assert r[d.near_shift].max() >= 0.99 * g  # near shifts: the bound is tight
    lines = lines_by_gid(dynamics.plot_contraction_ratios(d))
    n = d.ratios.shape[1]
    for i, r in enumerate(d.ratios):
        _assert_line(lines, f"ecdf_{i}", np.sort(r), np.arange(1, n + 1) / n)
    _assert_caption("contraction_ratios", d)


def test_policy_improvement_is_monotone_and_faster_than_value_iteration():
    d = dynamics.policy_improvement_data(**QUICK)
    mdp = garnet(6, 3, 2, gamma=0.9, seed=0)
    tol = roundoff_tolerance(mdp, d.tau)
    assert np.all(np.diff(d.v_pi, axis=0) >= -tol)  # C1/C3: V^{π_k} rises in every state
    np.testing.assert_allclose(d.v_star, _value_iteration(mdp, d.tau).v, atol=1e-9)
    assert d.pi_error[-1] <= dynamics.STOP * 20 and d.vi_error[-1] <= dynamics.STOP * 20
    assert d.pi_error.size < 10 < d.vi_error.size  # D4: a handful of Newton steps
    lines = lines_by_gid(dynamics.plot_policy_improvement(d))
    k = np.arange(d.v_pi.shape[0])
    assert d.live.all()  # a Garnet MDP has no terminal state
    _assert_line(lines, "gap_max", k, (d.v_star - d.v_pi).max(axis=1))
    _assert_line(lines, "gap_min", k, (d.v_star - d.v_pi).min(axis=1))
    _assert_line(lines, "pi_error", k, d.pi_error)
    assert d.min_increase >= -tol and d.min_gap >= -tol  # what panel (a)'s title and the caption state
    _assert_caption("policy_improvement", d)
    _assert_line(lines, "vi_error", np.arange(d.vi_error.size), d.vi_error)


def test_boltzmann_gridworld_shows_the_soft_optimum():
    d = temperature.boltzmann_gridworld_data(**QUICK)
    mdp = gridworld(**temperature.GRID)
    walls_and_terminals = mdp.terminal | np.isin(np.arange(12), [5])  # wall (1, 1) is state 5
    np.testing.assert_array_equal(d.shown, ~walls_and_terminals)
    fig = temperature.plot_temperature_sweep(d)
    lines = lines_by_gid(fig)
    v0 = _value_iteration(mdp, 0.0).v
    for i, tau in enumerate(d.taus):
        opt = _value_iteration(mdp, tau)
        np.testing.assert_allclose(d.v[i], opt.v, atol=1e-8)
        np.testing.assert_allclose(d.policy[i], boltzmann_policy(opt.q, tau), atol=1e-7)
        image = np.ma.filled(lines[f"v_{i}"].get_array().astype(float), np.nan)
        np.testing.assert_array_equal(image.ravel(), np.where(d.shown, d.v[i], np.nan))
        # the bars: in cell (r, c), bar j of height 0.55·π(a_j|s), left to right in action order
        corners = np.array([p.vertices[:4] for p in lines[f"bars_{i}"].get_paths()]).reshape(-1, 4, 4, 2)
        heights = corners[..., 0, 1] - corners[..., 2, 1]
        np.testing.assert_allclose(heights, 0.55 * d.policy[i][d.shown], atol=1e-12)
        np.testing.assert_array_equal(np.diff(corners[..., 0, 0], axis=1) > 0, True)
        # B4: the growth over the classical optimum, recomputed, is under its bound
        growth = (opt.v - v0)[d.shown].max()
        assert growth == pytest.approx(d.growth[i], abs=1e-7) and 0 <= growth <= d.bound[i]
    # At τ = 0.01 the policy is nearly deterministic: next to the goal (0, 2) it moves right.
    assert d.policy[0, 2, mdp.action_labels.index("right")] > 0.99
    _assert_caption("boltzmann_gridworld", d)
    assert "legend" not in d.__dataclass_fields__  # labels come from the problem: see below
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == list(mdp.action_labels)


def test_policy_bars_follow_the_action_order_of_the_problem():
    policy = np.array([[0.1, 0.2, 0.3, 0.4]])
    bars = temperature.policy_bars(policy, np.array([[2, 5]]), np.array([True]))
    assert bars.shape == (1, 4, 4, 2)
    np.testing.assert_allclose(bars[0, :, 0, 1] - bars[0, :, 2, 1], 0.55 * policy[0])  # heights
    assert np.all(np.diff(bars[0, :, 0, 0]) > 0)  # action j is the j-th bar from the left
    assert np.all((bars[..., 0] > 4.5) & (bars[..., 0] < 5.5) & (bars[..., 1] > 1.5) & (bars[..., 1] < 2.5))
    assert temperature.policy_bars(policy, np.array([[-1, -1]]), np.array([True])).shape == (0, 4, 4, 2)


def test_temperature_limit_respects_the_bound():
    d = temperature.temperature_limit_data(**QUICK)
    mdp = garnet(10, 4, 3, gamma=0.9, seed=0)
    tol = roundoff_tolerance(mdp, d.tau.max())
    np.testing.assert_allclose(d.bound, d.tau * np.log(4) / (1 - 0.9), rtol=1e-15)
    assert np.all(d.gap_min >= -tol) and np.all(d.gap_max <= d.bound + tol)
    assert np.all(d.classical_loss >= -tol) and np.all(d.classical_loss <= d.bound + tol)
    assert np.all(np.diff(d.gap_max) >= -tol)  # V*_τ is non-decreasing in τ
    lines = lines_by_gid(temperature.plot_temperature_limit(d))
    for gid in ("bound", "gap_max", "gap_min", "classical_loss"):
        _assert_line(lines, gid, d.tau, getattr(d, gid))
    _assert_caption("temperature_limit", d)


# ---------------------------------------------------------------------------------------------
# 8, 11, 12: sampled algorithms
# ---------------------------------------------------------------------------------------------
def test_e2w_rate_data_are_the_simulated_errors():
    d = sampling.e2w_rate_data(**QUICK)
    # The uniform curve, recomputed step by step from theory.bandit (seed + 1 by construction).
    runs = simulate(d.r, d.sigma, uniform_allocation, d.t, n_runs=d.runs, seed=1)
    u = np.sum(np.exp(d.r / d.tau))
    y = d.t[:, None] * (exp_sum_estimate(runs.means, d.tau) - u) ** 2
    np.testing.assert_allclose(d.uniform, y.mean(axis=1), rtol=1e-12)
    half = stats.norm.ppf(0.995) * y.std(axis=1, ddof=1) / np.sqrt(d.runs)
    np.testing.assert_allclose(d.uniform_upper - d.uniform, half, rtol=1e-10)
    np.testing.assert_allclose(d.limit, (d.sigma / d.tau) ** 2 * u**2, rtol=1e-12)
    np.testing.assert_allclose(
        d.uniform_limit, (d.sigma / d.tau) ** 2 * d.r.size * np.sum(np.exp(2 * d.r / d.tau)), rtol=1e-12
    )
    assert d.limit < d.uniform_limit
    assert np.all(d.e2w_lower <= d.e2w) and np.all(d.e2w <= d.e2w_upper)
    lines = lines_by_gid(sampling.plot_e2w_rate(d))
    _assert_line(lines, "e2w", d.t, d.e2w)
    _assert_line(lines, "uniform", d.t, d.uniform)
    # what the caption states: both curves start above their limits, and end nearer them
    assert d.e2w[0] > d.limit and d.uniform[0] > d.uniform_limit
    assert abs(d.e2w[-1] - d.limit) < abs(d.e2w[0] - d.limit)
    _assert_caption("e2w_rate", d)


@pytest.fixture(scope="module")
def svgd_data():
    return sampling.svgd_particles_data(**QUICK)


def test_svgd_density_is_the_boltzmann_density(svgd_data):
    one, two = sampling.svgd_targets()
    x = svgd_data.grid_1d
    mass = np.diff(one.cdf(np.array([x[0], x[-1]])))[0]  # the exact mass on the plotted interval
    assert abs(np.trapezoid(svgd_data.density_1d, x) - mass) < 1e-4
    # τ ∇ log p = ∇Q: the plotted density is the Boltzmann density of the target's Q.
    h = 1e-5
    a = np.linspace(-2, 2, 9)[:, None]
    grad_log = (
        np.log(sampling.mixture_density(one, a + h)) - np.log(sampling.mixture_density(one, a - h))
    ) / (2 * h)
    np.testing.assert_allclose(one.tau * grad_log, one.grad_q(a)[:, 0], atol=1e-6)
    cell = (svgd_data.grid_x[0, 1] - svgd_data.grid_x[0, 0]) ** 2
    assert abs(svgd_data.density_2d.sum() * cell - 1) < 1e-3


def test_svgd_particles_sample_the_target(svgd_data):
    one, _ = sampling.svgd_targets()
    # Replayed with theory.soft_q.svgd at the E3 check's step size 0.2σ²/τ.
    step = 0.2 * one.sd**2 / one.tau
    again = svgd(one.grad_q, svgd_data.start_1d, one.tau, step_size=step, n_steps=svgd_data.n_steps)
    np.testing.assert_array_equal(again, svgd_data.particles_1d)
    n = len(again)
    ks = stats.kstest(again[:, 0], one.cdf).statistic
    assert ks <= stats.kstwo.ppf(0.99, n)
    # Spread: the particles' variance within 10 % of the mixture's Σw(μ² + σ²) − (Σwμ)²
    # (observed 2 %; particles at a wrong temperature collapse onto the modes or spread out).
    mu = one.means[:, 0]
    variance = np.sum(one.weights * (mu**2 + one.sd**2)) - np.sum(one.weights * mu) ** 2
    assert abs(again.var() / variance - 1) < 0.1
    lines = lines_by_gid(sampling.plot_svgd_particles(svgd_data))
    _assert_line(lines, "density_1d", svgd_data.grid_1d, svgd_data.density_1d)
    np.testing.assert_array_equal(_xy(lines["particles_1d"])[0], svgd_data.particles_1d[:, 0])
    np.testing.assert_array_equal(lines["particles_2d"].get_offsets(), svgd_data.particles_2d)
    np.testing.assert_array_equal(lines["start_2d"].get_offsets(), svgd_data.start_2d)
    _, two = sampling.svgd_targets()
    _assert_caption("svgd_particles", svgd_data)


def test_is_soft_value_bias_and_variance_follow_one_over_m():
    d = sampling.is_soft_value_data(**QUICK)
    pi = soft_indmax(sampling.IS_Q, sampling.IS_TAU)
    cv2 = sampling.IS_Q.size * np.sum(pi**2) - 1  # uniform proposal: E_q[w²]/E_q[w]² − 1
    np.testing.assert_allclose(d.cv2, cv2, rtol=1e-12)
    np.testing.assert_allclose(d.value, soft_value(sampling.IS_Q, sampling.IS_TAU), rtol=1e-14)
    np.testing.assert_allclose(d.bias_prediction, -sampling.IS_TAU * cv2 / (2 * d.m), rtol=1e-12)
    assert np.all(d.bias_upper < 0)  # biased low at every M (Jensen)
    assert abs(d.variance[-1] / d.variance_prediction[-1] - 1) < 0.3  # 1/M regime at the largest M
    lines = lines_by_gid(sampling.plot_is_soft_value(d))
    _assert_line(lines, "neg_bias", d.m, -d.bias)
    _assert_line(lines, "neg_bias_prediction", d.m, -d.bias_prediction)
    _assert_line(lines, "variance", d.m, d.variance)
    _assert_line(lines, "variance_prediction", d.m, d.variance_prediction)
    bias, var = d.bias / d.bias_prediction, d.variance / d.variance_prediction
    assert abs(bias[-1] - 1) < abs(bias[0] - 1) and abs(var[-1] - 1) < abs(var[0] - 1)  # approaching
    _assert_caption("is_soft_value", d)


# ---------------------------------------------------------------------------------------------
# 9–10: tree search
# ---------------------------------------------------------------------------------------------
def test_ments_vs_uct_curves_and_bands():
    d = search.ments_vs_uct_data(**QUICK)
    lines = lines_by_gid(search.plot_ments_vs_uct(d))
    for gid, curve in (("ments", d.ments), ("uct", d.uct)):
        np.testing.assert_array_equal(curve.rate, curve.failures / curve.n_runs)
        assert np.all((curve.low <= curve.rate) & (curve.rate <= curve.high))
        _assert_line(lines, gid, curve.checkpoints, curve.rate)
    # The caption claims MENTS is significantly below UCT only where the bands separate.
    text = FIGURES["ments_vs_uct"].caption(d)
    separated = d.ments.high < d.uct.low
    assert ("MENTS is significantly below UCT" in text) == bool(separated.any())
    assert d.ments.rate[-1] < d.ments.rate[0]  # "falls"
    _assert_caption("ments_vs_uct", d)


def test_ments_vs_uct_caption_states_a_crossing_only_where_the_bands_separate():
    # The default size's longer budgets may separate the bands: the caption's other branch, on
    # curves built here (MENTS significantly below UCT from t = 1000 on).
    t = np.array([10, 100, 1000, 2000])

    def curve(failures, n=400):
        f = np.array(failures)
        rate = f / n
        return FailureCurve(t, f, n, rate, rate - 0.05, rate + 0.05, 0.99)

    d = search.MentsUctData(4, 3, 10, curve([300, 100, 10, 2]), curve([200, 100, 80, 60]))
    text = FIGURES["ments_vs_uct"].caption(d)
    assert "MENTS is significantly below UCT at 2 of 4 budgets here (first at t = 1000)" in text
    assert "UCT is significantly lower at 1 of 4 budgets" in text
    _assert_caption("ments_vs_uct", d)


def test_dchain_crossing_and_ments_follow_the_soft_optimum():
    d = search.dchain_threshold_data(**QUICK)
    np.testing.assert_allclose(d.q_left, 0.9, rtol=1e-15)  # L pays 0.9 and ends: no entropy
    assert abs(d.tau_c - 0.1386) < 1e-4
    away = np.abs(d.tau - d.tau_c) > 1e-6
    assert np.array_equal(np.sign(d.q_right - d.q_left)[away], np.sign(d.tau - d.tau_c)[away])
    share = np.array([c.rate[0] for c in d.ments_right])
    assert share[d.ments_tau < d.tau_c].max() <= 0.1 and share[d.ments_tau > d.tau_c].min() >= 0.9
    lines = lines_by_gid(search.plot_dchain_threshold(d))
    _assert_line(lines, "q_left", d.tau, d.q_left)
    _assert_line(lines, "q_right", d.tau, d.q_right)
    _assert_line(lines, "ments_right", d.ments_tau, share)
    assert d.q_left[0] > d.q_right[0]  # L is reward-optimal (τ = 0)
    _assert_caption("dchain_threshold", d)


# ---------------------------------------------------------------------------------------------
# Registry, style, CLI
# ---------------------------------------------------------------------------------------------
def test_registry_names_captions_and_claims():
    # Every figure names claims the battery registers (A1–A7, …, G3a, G3b, …, H4).
    import checks  # noqa: F401  (registers the batteries)
    from checks.base import registered

    claims = {claim.id for claim, _ in registered()}
    assert len(FIGURES) >= 12
    for name, spec in FIGURES.items():
        assert spec.name == name and callable(spec.data) and callable(spec.plot) and callable(spec.caption)
        assert spec.claims and set(spec.claims) <= set(claims), name
    assert [s.name for s in select("e2w_rate,softmax_gap")] == ["e2w_rate", "softmax_gap"]
    with pytest.raises(ValueError, match="unknown figure.*nope"):
        select("softmax_gap,nope")
    with pytest.raises(ValueError, match="size must be one of"):
        pick("huge", 1, 2)


#: Figures whose data at size "default" take under a second or two (the others, MENTS and the
#: samplers, take 15–90 s and are checked at size "quick" above).
_CHEAP = (
    "softmax_gap",
    "indmax_temperature",
    "soft_vi_convergence",
    "contraction_ratios",
    "policy_improvement",
    "boltzmann_gridworld",
    "temperature_limit",
    "is_soft_value",
)


@pytest.mark.parametrize("name", _CHEAP)
def test_captions_state_their_data_at_the_default_size(name):
    _assert_caption(name, FIGURES[name].data(seed=0, size="default"))


def test_every_figure_has_its_caption_facts():
    for name in FIGURES:
        # not the AssertionError of a figure without facts: its branch was reached and read the data
        with pytest.raises((AttributeError, TypeError)):
            _caption_facts(name, object())


def test_figures_leave_rcparams_alone_and_are_deterministic():
    before = dict(matplotlib.rcParams)
    a = sampling.is_soft_value_data(**QUICK)
    fig = sampling.plot_is_soft_value(a)
    assert dict(matplotlib.rcParams) == before
    assert min(t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()) >= 10
    b = sampling.is_soft_value_data(**QUICK)
    np.testing.assert_array_equal(a.bias, b.bias)
    np.testing.assert_array_equal(a.variance, b.variance)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
        elif tag == "a":
            self.links.append(a["href"])


def test_cli_writes_the_gallery_and_an_index_whose_images_exist(tmp_path, capsys):
    out = tmp_path / "gallery"
    assert main(["--out", str(out), "--only", "softmax_gap,indmax_temperature", "--size", "quick"]) == 0
    page = _Links()
    page.feed((out / "index.html").read_text(encoding="utf-8"))
    assert page.images == ["softmax_gap.png", "indmax_temperature.png"]
    assert sorted(page.links) == sorted(
        f"{n}.{e}" for n in ("softmax_gap", "indmax_temperature") for e in ("png", "svg")
    )
    for f in page.images + page.links:
        assert (out / f).is_file() and (out / f).stat().st_size > 1000, f
    assert "(claim A7)" in (out / "index.html").read_text(encoding="utf-8")
    assert capsys.readouterr().err == ""  # progress only on a terminal


@pytest.mark.parametrize(
    "argv",
    [["--only", "no_such_figure"], ["--format", "jpg"], ["--format", ""], ["--size", "huge"]],
    ids=["unknown figure", "unknown format", "empty format", "unknown size"],
)
def test_cli_usage_errors_exit_2(argv, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["--out", str(tmp_path), *argv])
    assert exc.value.code == 2


# ---------------------------------------------------------------------------------------------
# 11: boltzmann_search (G5, G6): a self-contained block
# ---------------------------------------------------------------------------------------------
def test_boltzmann_search_shares_bands_and_lines():
    from theory.mcts import d_chain_critical_temperature

    d = search.boltzmann_search_data(**QUICK)
    assert d.tau_c == d_chain_critical_temperature(*search.DCHAIN)
    assert d.tau_trap == pytest.approx(1 / (search.TRAP[1] * np.log(2)), rel=1e-15)
    lines = lines_by_gid(search.plot_boltzmann_search(d))
    for panel, rows in (("dchain", d.dchain), ("trap", d.trap)):
        for name in search.SEARCHES:
            rate, low, high = rows[name]
            assert np.all((low <= rate) & (rate <= high)) and np.all(rate * d.n_runs % 1 == 0)
            _assert_line(lines, f"{panel}_{name}", d.tau, rate)
        # Below both thresholds every search is right; above, MENTS is wrong on both problems and
        # BTS and DENTS are right (quick: τ = 0.05 and 1, 10 runs).
        hot = d.tau > max(d.tau_c, d.tau_trap)
        assert rows["MENTS"][0][hot].max() <= 0.2 and rows["MENTS"][0][~hot].min() >= 0.8
        assert min(rows[n][0].min() for n in ("BTS", "DENTS")) >= 0.8
    caption = _assert_caption("boltzmann_search", d)
    assert f"{d.tau_c:.4f}" in caption and f"{d.tau_trap:.4f}" in caption
