"""Time to a certified 1e-8 on sparse Garnet MDPs (A = 4, b = 10, γ = 0.99), ours against peers.

Run by hand (never in tests), single-threaded BLAS for repeatable numbers, peers installed by
``pip install -e ".[bench]"``:

    OPENBLAS_NUM_THREADS=1 python benchmarks/solvers.py [--sizes 1000,10000,100000,1000000]
        [--tau 0.1] [--tol 1e-8] [--toolbox-max 10000] [--mdpsolver-max 100000]
        [--naive-max 100000] [--sweep]

Each S runs in its own child process, so that its peak resident memory (ru_maxrss, taken after
our solvers and before any peer builds its input) is that of the MDP plus our solvers alone.

Table 1 (soft, τ = ``--tau``): seconds and sweeps/steps to a certified ``--tol`` for
soft value iteration (MacQueen–Porteus bracket), soft policy iteration (sparse LU or Krylov
evaluation, chosen by S) and ``soft_solve`` (value iteration handing over to policy iteration);
plain soft value iteration with the naive stop ‖V_n − V_{n−1}‖∞ <= tol·(1 − γ)/γ, its sweeps,
seconds and actual error (up to ``--naive-max`` states: its sweep count does not depend on S);
peak memory.

Table 2 (hard, τ = 0, the same MDP): ours (``soft_solve`` and ``soft_policy_iteration`` at
τ = 0) and the peers, each with its actual error max|V − V*| against V* from ``soft_solve``
at tol 1e-11 (certified bound printed in the header): pymdptoolbox's ``PolicyIteration``
(exact evaluation by a dense solve) and ``ValueIteration`` (epsilon = tol) up to
``--toolbox-max`` states (its input check and dense solve do not scale); mdpsolver's ``mpi`` at
tolerance tol, its input-building time (Python lists) shown separately, up to
``--mdpsolver-max`` states.

``--sweep`` adds the old sweep-cost columns: one soft sweep vs one hard sweep (target ratio
<= 1.5) and the same soft sweep with ``scipy.special.logsumexp`` over the (S, A) layout.

Table 3 (other regularisers, τ = ``--tau``): one sweep and ``soft_solve`` to a certified
``--tol`` with Shannon entropy, Tsallis entropy (sparsemax) and KL to the uniform prior
(mellowmax), with each sweep's cost relative to Shannon's (target: within 2x).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

from mdps.generators import garnet
from theory.bellman import value_iteration_sweep
from theory.regularizers import SHANNON, KLToPrior, Tsallis
from theory.solvers import soft_policy_iteration, soft_solve, soft_value_iteration

A, B, GAMMA = 4, 10, 0.99


def best_of(fn, repeat: int = 5) -> float:
    """Seconds per call: the minimum over ``repeat`` timings of enough calls to last 50 ms."""
    number, t = 1, 0.0
    while t < 0.05:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        t = time.perf_counter() - t0
        number *= 2
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


def timed(fn):
    """(result, wall seconds) of one call, warnings silenced; its CPU seconds go to ``CPU[-1]``."""
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn()
    CPU.append(time.process_time() - c0)
    return out, time.perf_counter() - t0


#: CPU seconds of each ``timed`` call, in order (on a contended machine wall time overstates).
CPU: list[float] = []


def naive_value_iteration(mdp, tau: float, tol: float) -> tuple[np.ndarray, int]:
    """Plain soft VI stopped when ‖V_n − V_{n−1}‖∞ <= tol·(1 − γ)/γ (the textbook a-posteriori stop)."""
    v, n = np.zeros(mdp.n_states), 0
    while True:
        n += 1
        v_next = value_iteration_sweep(mdp, v, tau)[1]
        done = np.abs(v_next - v).max() <= tol * (1 - mdp.gamma) / mdp.gamma
        v = v_next
        if done:
            return v, n


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def toolbox_runs(mdp, tol: float, v_star: np.ndarray) -> dict:
    import mdptoolbox.mdp

    from mdps.interop import to_mdptoolbox

    P, R = to_mdptoolbox(mdp)
    out = {}
    for name, make in [
        ("tb_pi", lambda: mdptoolbox.mdp.PolicyIteration(P, R, mdp.gamma, max_iter=10_000)),
        ("tb_vi", lambda: mdptoolbox.mdp.ValueIteration(P, R, mdp.gamma, epsilon=tol, max_iter=100_000)),
    ]:

        def run(make=make):
            solver = make()
            solver.run()
            return solver

        try:
            solver, secs = timed(run)
        except Exception as exc:  # a peer failing at scale is a result, not a crash
            out[name] = {"error": f"{type(exc).__name__}"}
            continue
        out[name] = {
            "s": secs,
            "cpu": CPU[-1],
            "it": int(solver.iter),
            "err": float(np.abs(np.asarray(solver.V) - v_star).max()),
        }
    return out


def mdpsolver_run(mdp, tol: float, v_star: np.ndarray) -> dict:
    import mdpsolver

    def build():
        S, P = mdp.n_states, mdp.P
        cols = np.split(P.indices, P.indptr[1:-1])
        probs = np.split(P.data, P.indptr[1:-1])
        model = mdpsolver.model()
        model.mdp(
            discount=mdp.gamma,
            rewards=mdp.R.tolist(),
            tranMatProbs=[[probs[s * A + a].tolist() for a in range(A)] for s in range(S)],
            tranMatColumns=[[cols[s * A + a].tolist() for a in range(A)] for s in range(S)],
        )
        return model

    model, build_s = timed(build)
    _, solve_s = timed(lambda: model.solve(algorithm="mpi", tolerance=tol, verbose=False))
    v = np.asarray(model.getValueVector())
    return {
        "mdpsolver": {
            "build_s": build_s,
            "s": solve_s,
            "cpu": CPU[-1],
            "err": float(np.abs(v - v_star).max()),
        }
    }


def one_size(S: int, args) -> dict:
    tau, tol = args.tau, args.tol
    mdp, build_s = timed(lambda: garnet(S, A, B, gamma=GAMMA, seed=0, sparse=True))
    row: dict = {"S": S, "build_s": build_s, "nnz": int(mdp.P.nnz)}
    for name, fn in [
        ("vi", lambda: soft_value_iteration(mdp, tau, tol=tol)),
        ("pi", lambda: soft_policy_iteration(mdp, tau, tol=tol)),
        ("hybrid", lambda: soft_solve(mdp, tau, tol=tol)),
    ]:
        res, secs = timed(fn)
        row[name] = {"s": secs, "cpu": CPU[-1], "it": res.iterations, "bound": res.error_bound}
        row[name]["ok"] = bool(res.converged)
    if S <= args.naive_max:
        ref = soft_solve(mdp, tau, tol=1e-11)
        (v_naive, n_naive), secs = timed(lambda: naive_value_iteration(mdp, tau, tol))
        row["naive"] = {"s": secs, "cpu": CPU[-1], "it": n_naive, "err": float(np.abs(v_naive - ref.v).max())}
    if args.sweep:
        from scipy.special import logsumexp

        v = np.random.default_rng(1).uniform(size=S)
        row["sweep_soft_ms"] = 1e3 * best_of(lambda: value_iteration_sweep(mdp, v, tau))
        row["sweep_hard_ms"] = 1e3 * best_of(lambda: value_iteration_sweep(mdp, v, 0.0))
        row["sweep_scipy_ms"] = 1e3 * best_of(
            lambda: tau * logsumexp((mdp.R + GAMMA * mdp.expected_next(v)) / tau, axis=1)
        )
    v = np.random.default_rng(2).uniform(size=S)
    for name, reg in [("shannon", SHANNON), ("tsallis", Tsallis()), ("kl", KLToPrior((1 / A,) * A))]:
        res, secs = timed(lambda reg=reg: soft_solve(mdp, tau, tol=tol, regularizer=reg))
        row[f"reg_{name}"] = {
            "s": secs,
            "cpu": CPU[-1],
            "it": res.iterations,
            "ok": bool(res.converged),
            "sweep_ms": 1e3 * best_of(lambda reg=reg: value_iteration_sweep(mdp, v, tau, reg)),
        }
    # τ = 0: ours, then the exact answer everything is measured against.
    hard = {}
    for name, fn in [
        ("hard_hybrid", lambda: soft_solve(mdp, 0.0, tol=tol)),
        ("hard_pi", lambda: soft_policy_iteration(mdp, 0.0, tol=tol)),
    ]:
        hard[name], secs = timed(fn)
        row[name] = {"s": secs, "cpu": CPU[-1], "it": hard[name].iterations, "bound": hard[name].error_bound}
    row["rss_mib"] = peak_rss_mib()
    star = soft_solve(mdp, 0.0, tol=1e-11)
    row["star_bound"] = star.error_bound
    for name, res in hard.items():
        row[name]["err"] = float(np.abs(res.v - star.v).max())
    if S <= args.toolbox_max:
        row.update(toolbox_runs(mdp, tol, star.v))
    if S <= args.mdpsolver_max:
        row.update(mdpsolver_run(mdp, tol, star.v))
    return row


def fmt(cell: dict | None, key: str = "s", it: bool = True) -> str:
    if cell is None:
        return "—"
    if "error" in cell:
        return cell["error"]
    return f"{cell[key]:.3f}/{cell['cpu']:.3f}" + (f" ({cell['it']})" if it and "it" in cell else "")


def print_tables(rows: list[dict], args) -> None:
    print(
        f"sparse Garnet, A={A}, b={B}, gamma={GAMMA}; certified tol={args.tol:g}; "
        "wall/CPU seconds (sweeps or steps)"
    )
    print(f"\nTable 1: soft, tau={args.tau}")
    head = (
        f"{'S':>8} {'nnz':>9} {'build s':>7} | {'VI (cert.)':>20} {'PI':>18} {'hybrid':>18} | "
        f"{'naive VI':>22} {'naive err':>9} | {'peak RSS MiB':>12}"
    )
    print(head + ("  | soft/hard sweep ms, scipy-lse ms" if args.sweep else ""))
    print("-" * len(head))
    for r in rows:
        naive_err = f"{r['naive']['err']:.1e}" if "naive" in r else "—"
        line = (
            f"{r['S']:>8} {r['nnz']:>9} {r['build_s']:7.2f} | {fmt(r['vi']):>20} {fmt(r['pi']):>18} "
            f"{fmt(r['hybrid']):>18} | {fmt(r.get('naive')):>22} {naive_err:>9} | {r['rss_mib']:12.0f}"
        )
        if args.sweep:
            line += (
                f"  | {r['sweep_soft_ms']:.3f}/{r['sweep_hard_ms']:.3f} "
                f"({r['sweep_soft_ms'] / r['sweep_hard_ms']:.2f}x), {r['sweep_scipy_ms']:.3f}"
            )
        print(line)
    print("\nTable 2: hard (tau=0), seconds (iterations) and actual error max|V - V*|")
    head = (
        f"{'S':>8} | {'ours hybrid':>20} {'err':>7} | {'ours PI':>18} {'err':>7} | "
        f"{'tb PolicyIter':>20} {'err':>7} | {'tb ValueIter':>20} {'err':>7} | "
        f"{'mdpsolver build':>15} {'mpi':>13} {'err':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:

        def err(name, r=r):
            c = r.get(name)
            return "—" if c is None or "err" not in c else f"{c['err']:.0e}"

        ms = r.get("mdpsolver")
        ms_build = f"{ms['build_s']:.2f}" if ms else "—"
        print(
            f"{r['S']:>8} | {fmt(r['hard_hybrid']):>20} {err('hard_hybrid'):>7} | {fmt(r['hard_pi']):>18} "
            f"{err('hard_pi'):>7} | {fmt(r.get('tb_pi')):>20} {err('tb_pi'):>7} | "
            f"{fmt(r.get('tb_vi')):>20} {err('tb_vi'):>7} | "
            f"{ms_build:>15} {fmt(ms, it=False):>13} {err('mdpsolver'):>7}"
        )
    print(
        "\nV* certified bounds (soft_solve, tol 1e-11): " + ", ".join(f"{r['star_bound']:.1e}" for r in rows)
    )
    print(f"\nTable 3: regularisers, tau={args.tau}: one sweep ms (x Shannon), soft_solve wall/CPU s (steps)")
    names = ("shannon", "tsallis", "kl")
    head = f"{'S':>8} | " + " | ".join(f"{n:>36}" for n in names)
    print(head)
    print("-" * len(head))
    for r in rows:
        base = r["reg_shannon"]["sweep_ms"]
        cells = [
            f"{c['sweep_ms']:8.3f} ({c['sweep_ms'] / base:4.2f}x) {fmt(c):>18}"
            for c in (r[f"reg_{n}"] for n in names)
        ]
        print(f"{r['S']:>8} | " + " | ".join(f"{c:>36}" for c in cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--tau", type=float, default=0.1)
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--toolbox-max", type=int, default=10_000)
    ap.add_argument("--mdpsolver-max", type=int, default=100_000)
    ap.add_argument("--naive-max", type=int, default=100_000)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size, JSON out
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one_size(args.one, args)))
        return
    rows = []
    for S in (int(s) for s in args.sizes.split(",")):
        child = [sys.executable, __file__, "--one", str(S), "--tau", str(args.tau), "--tol", str(args.tol)]
        child += ["--toolbox-max", str(args.toolbox_max), "--mdpsolver-max", str(args.mdpsolver_max)]
        child += ["--naive-max", str(args.naive_max)]
        child += ["--sweep"] if args.sweep else []
        out = subprocess.run(child, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print_tables(rows, args)


if __name__ == "__main__":
    main()
