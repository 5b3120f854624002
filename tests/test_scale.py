"""Sparse MDPs end to end: no code path densifies, memory stays linear in nnz, both linear solvers agree.

"Without densifying" is tested directly: scipy.sparse's ``toarray``/``todense`` are made to
raise while every operator, evaluation, solver, FiniteMDP helper and export runs on a sparse
MDP. Memory is traced with tracemalloc (numpy and scipy.sparse allocations are traced), and
compared with the bytes of P's CSR arrays: a dense S×S matrix at S = 20,000 would be 3.2 GB, 400
times P's 8 MB.

Tolerances: two exact solves of one linear system differ by their residuals,
KRYLOV_RTOL·(‖b‖ + ‖x‖)/(1 − γ) each; certified solvers agree within their two error bounds.
"""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import theory.bellman as bellman
from mdps import FiniteMDP
from mdps.generators import chain, garnet
from mdps.interop import from_mdptoolbox, to_mdptoolbox
from theory.bellman import (
    DIRECT_SOLVE_MAX_STATES,
    KRYLOV_RTOL,
    boltzmann_policy,
    evaluate_policy,
    soft_bellman_operator,
    soft_state_value,
)
from theory.solvers import soft_policy_iteration, soft_solve, soft_value_iteration

KRYLOV_S = DIRECT_SOLVE_MAX_STATES + 500  # above the LU threshold: the Krylov path


def csr_bytes(M) -> int:
    return M.data.nbytes + M.indices.nbytes + M.indptr.nbytes


@pytest.fixture
def no_densify(monkeypatch):
    """Make every sparse → dense conversion raise for the duration of a test."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"densified a sparse {self.shape} matrix")

    for cls in (sp.csr_array, sp.csr_matrix, sp.csc_array, sp.csc_matrix, sp.coo_array, sp.coo_matrix):
        monkeypatch.setattr(cls, "toarray", refuse)
        monkeypatch.setattr(cls, "todense", refuse)


@pytest.mark.parametrize("S", [400, KRYLOV_S])  # sparse LU path, Krylov path
def test_every_sparse_code_path_runs_without_densifying(S, no_densify):
    mdp = garnet(S, 3, 6, gamma=0.95, seed=2, sparse=True)
    tau = 0.2
    q = np.random.default_rng(0).normal(size=(S, 3))
    v = soft_state_value(q, tau)
    pi = boltzmann_policy(q, tau)
    soft_bellman_operator(mdp, q, tau)
    mdp.expected_next(v), mdp.P_pi(pi), mdp.r_pi(pi), mdp.max_successors, mdp.acyclic_depth
    evaluate_policy(mdp, pi, tau)
    for solver in (soft_value_iteration, soft_policy_iteration, soft_solve):
        assert solver(mdp, tau, tol=1e-8).converged
    P, R = to_mdptoolbox(mdp)
    assert all(sp.issparse(m) for m in P)
    assert from_mdptoolbox(P, R, mdp.gamma).is_sparse


def test_krylov_and_sparse_lu_evaluations_agree(monkeypatch):
    mdp = garnet(KRYLOV_S, 4, 10, gamma=0.99, seed=5, sparse=True)
    pi = np.random.default_rng(1).dirichlet(np.ones(4), size=KRYLOV_S)
    krylov = evaluate_policy(mdp, pi, 0.5).v
    monkeypatch.setattr(bellman, "DIRECT_SOLVE_MAX_STATES", KRYLOV_S)
    lu = evaluate_policy(mdp, pi, 0.5).v
    scale = np.abs(bellman.soft_policy_reward(mdp, pi, 0.5)).max() + np.abs(lu).max()
    np.testing.assert_allclose(krylov, lu, rtol=0, atol=2 * KRYLOV_RTOL * scale / (1 - mdp.gamma))


def test_krylov_failure_falls_back_to_an_exact_solve():
    mdp = garnet(300, 3, 5, gamma=0.99, seed=4, sparse=True)
    pi = np.random.default_rng(0).dirichlet(np.ones(3), size=300)
    M = bellman._PolicySystem(mdp, pi)
    b = mdp.r_pi(pi)
    x = bellman._solve_sparse(M, b, maxiter=1)  # BiCGSTAB cut short: residual check rejects it
    exact = bellman._solve_sparse(M, b)
    assert np.abs(b - M @ x).max() <= KRYLOV_RTOL * (np.abs(b).max() + np.abs(x).max())
    np.testing.assert_allclose(x, exact, rtol=0, atol=1e-11 * np.abs(exact).max())


@pytest.mark.parametrize("tau", [0.0, 0.3])
def test_inexact_krylov_policy_iteration_is_still_certified(tau):
    # Policy iteration evaluates inexactly on the Krylov path; its bound must still hold against
    # value iteration's (the LP oracle takes minutes at this size).
    mdp = garnet(KRYLOV_S, 3, 5, gamma=0.99, seed=6, sparse=True)
    pi = soft_policy_iteration(mdp, tau, tol=1e-9)
    ref = soft_value_iteration(mdp, tau, tol=1e-11)
    assert pi.converged and pi.error_bound <= 1e-9
    np.testing.assert_allclose(pi.v, ref.v, rtol=0, atol=pi.error_bound + ref.error_bound)


def test_hybrid_hands_over_to_policy_iteration_on_a_slow_mixing_chain():
    base = chain(2000, gamma=0.99, slip=0.1)
    S, A = base.n_states, base.n_actions
    mdp = FiniteMDP(sp.csr_array(base.P.reshape(S * A, S)), base.R, base.gamma, name="sparse chain")
    vi = soft_value_iteration(mdp, 0.1, tol=1e-8)
    hybrid = soft_solve(mdp, 0.1, tol=1e-8)
    assert vi.iterations > 1000 and hybrid.iterations < 100  # VI's ~γ-rate vs a handful of Newton steps
    np.testing.assert_allclose(hybrid.v, vi.v, rtol=0, atol=hybrid.error_bound + vi.error_bound)


def test_memory_is_linear_in_nnz():
    peaks = []
    for S in (10_000, 20_000):
        mdp = garnet(S, 4, 10, gamma=0.99, seed=0, sparse=True)
        tracemalloc.start()
        try:
            for solver in (soft_value_iteration, soft_policy_iteration, soft_solve):
                solver(mdp, 0.1, tol=1e-8)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        peaks.append(peak / csr_bytes(mdp.P))
    # Measured ~1.2x P's bytes at both sizes; a dense S x S array would be 200-400x.
    assert max(peaks) < 4, peaks
    assert peaks[1] < 1.5 * peaks[0], peaks
