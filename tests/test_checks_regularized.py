"""The regulariser-free claims (B1, B2, C1, C3, D1, D2, D3, D5) for Tsallis and KL to a prior,
through ``Subjects.regularized`` (issue 16), and ``python -m checks --regularizer``.

Each claim's one-instance check runs on three instances of the quick suite that reach its
oracles (the one-state MDP: D3's closed form; an acyclic MDP with terminal states: backward
induction; a dense Garnet), at τ = 0.1 and 2; the full batteries are what
``python -m checks --quick --regularizer tsallis|kl`` runs (the CLI: tests/test_cli.py).
Negative controls: the Shannon solver, operator or improvement in a problem regularised by
Tsallis fails. The default (Shannon) report is unchanged: ``OWN.regularized(SHANNON)`` is
``OWN``, rows included.
"""

import numpy as np
import pytest

from checks.bellman import check_boltzmann_optimal, check_soft_bellman
from checks.improvement import check_policy_improvement, check_soft_policy_iteration
from checks.iteration import check_contraction, check_convergence, check_monotone_bounds
from checks.policy_iteration import check_oracles
from checks.subjects import OWN
from checks.suite import REGULARIZERS, KLToRampPrior, mdp_suite, ramp_prior
from mdps.generators import garnet
from theory.bellman import boltzmann_policy, soft_bellman_operator
from theory.regularizers import SHANNON, KLToPrior, Tsallis
from theory.solvers import exact_optimum, soft_value_iteration

#: one-state (closed form), random_dag (terminal states, backward induction), dense Garnet
INSTANCES = [m for m in mdp_suite(0, "quick") if m.name.startswith(("one-state", "random_dag", "garnet"))][:3]
TAUS = (0.1, 2.0)


def _pi(mdp, seed=0):
    return np.random.default_rng(seed).dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)


CHECKS = {
    "B1": lambda m, t, s: check_soft_bellman(m, t, subjects=s),
    "B2": lambda m, t, s: check_boltzmann_optimal(m, t, subjects=s, max_deterministic=16),
    "C1": lambda m, t, s: check_policy_improvement(m, t, _pi(m), subjects=s),
    "C3": lambda m, t, s: check_soft_policy_iteration(m, t, _pi(m), subjects=s),
    "D1": lambda m, t, s: check_contraction(m, t, subjects=s),
    "D2": lambda m, t, s: check_convergence(m, t, subjects=s),
    "D3": lambda m, t, s: check_oracles(m, t, subjects=s),
    "D5": lambda m, t, s: check_monotone_bounds(m, t, subjects=s),
}


def test_the_instances_reach_every_oracle():
    names = [m.name for m in INSTANCES]
    assert len(INSTANCES) == 3 and names[0].startswith("one-state"), names
    assert any(m.terminal.any() and m.acyclic_depth is not None for m in INSTANCES), names


@pytest.mark.parametrize("claim", sorted(CHECKS))
@pytest.mark.parametrize("name", ["tsallis", "kl"])
def test_regularizer_free_claims_pass(claim, name):
    subjects = OWN.regularized(REGULARIZERS[name])
    for mdp in INSTANCES:
        for tau in TAUS:
            res = CHECKS[claim](mdp, tau, subjects)
            assert res.passed, (claim, name, mdp.name, tau, res.details)


# --- negative controls: the Shannon subject in a Tsallis problem -----------------------------------
TSALLIS = OWN.regularized(Tsallis())
MDP = garnet(8, 3, 3, gamma=0.9, seed=0)


@pytest.mark.parametrize("tau", TAUS)
@pytest.mark.parametrize(
    ("claim", "role", "shannon"),
    [
        ("B1", "solver", soft_value_iteration),
        ("B1", "bellman_operator", soft_bellman_operator),
        ("B2", "solver", soft_value_iteration),
        ("D3", "solver", soft_value_iteration),
        ("D2", "bellman_operator", soft_bellman_operator),
        ("D5", "bellman_operator", soft_bellman_operator),
        ("C3", "policy_improvement", boltzmann_policy),
    ],
)
def test_the_shannon_subject_fails_a_tsallis_problem(claim, role, shannon, tau):
    subjects = TSALLIS.replace(**{role: shannon})
    assert subjects.given == (role,)
    res = CHECKS[claim](MDP, tau, subjects)
    assert not res.passed, (claim, role, res.details)


@pytest.mark.parametrize("tau", TAUS)
def test_softmax_improvement_of_the_tsallis_optimum_loses_value(tau):
    """C1 from π* of Tsallis: any other policy is worse somewhere, softmax(Q*/τ) included."""
    pi_star = exact_optimum(MDP, tau, Tsallis()).policy
    softmax = TSALLIS.replace(policy_improvement=boltzmann_policy)
    res = check_policy_improvement(MDP, tau, pi_star, subjects=softmax)
    assert not res.passed, res.details
    assert check_policy_improvement(MDP, tau, pi_star, subjects=TSALLIS).passed


def test_d1_cannot_tell_the_regulariser():
    """D1's statement (contraction, attained by shifts) holds for every regularised operator,
    Shannon's included: it is a property of the operator, not a comparison with Q*."""
    shannon = TSALLIS.replace(bellman_operator=soft_bellman_operator)
    assert check_contraction(MDP, 2.0, subjects=shannon).passed


def test_b2_measures_strictness_by_the_regularised_gap():
    res = check_boltzmann_optimal(MDP, 2.0, subjects=TSALLIS, max_deterministic=16)
    assert res.passed, res.details
    assert res.details["differing_from_pi*"] > 0 and res.details["smallest_max_gap"] > 0
    wrong = boltzmann_policy(exact_optimum(MDP, 2.0, Tsallis()).q, 2.0)  # softmax, not sparsemax
    assert not check_boltzmann_optimal(MDP, 2.0, subjects=TSALLIS, policy=wrong, max_deterministic=16).passed


# --- the default report is unchanged ------------------------------------------------------------
def test_shannon_regularized_is_own():
    assert OWN.regularized(SHANNON) == OWN and OWN.regularized(SHANNON).given == ()
    assert OWN.regularized(Tsallis()).given == ()
    for claim in ("B1", "D5"):
        for tau in (0.0, 2.0):
            assert CHECKS[claim](MDP, tau, OWN) == CHECKS[claim](MDP, tau, OWN.regularized(SHANNON))


def test_regularized_keeps_the_given_subjects():
    s = OWN.replace(solver=lambda m, t, tol: soft_value_iteration(m, t, tol=tol))
    r = s.regularized(Tsallis())
    assert r.solver == s.solver and r.given == ("solver",) and r.regularizer == Tsallis()
    with pytest.raises(TypeError, match="regularizer"):
        OWN.regularized("tsallis")
    with pytest.raises(ValueError, match="regularizer"):
        OWN.replace(regularizer=Tsallis)


def test_kl_to_ramp_prior_is_kl_to_prior_per_action_count():
    q = np.array([[0.3, -1.0, 2.0], [1.0, 1.0, 1.0]])
    ref = KLToPrior(ramp_prior(3))
    reg = KLToRampPrior()
    assert np.array_equal(reg.value(q, 0.5), ref.value(q, 0.5))
    assert np.array_equal(reg.greedy(q, 0.5), ref.greedy(q, 0.5))
    assert reg.bounds(4) == KLToPrior(ramp_prior(4)).bounds(4)
    assert reg.bounds(4)[1] == pytest.approx(np.log(10.0), rel=1e-15)
    with pytest.raises(ValueError, match="n_actions"):
        reg.bounds(0)
    with pytest.raises(ValueError, match="pi"):
        reg.penalty([0.5, 0.6], 1.0)
