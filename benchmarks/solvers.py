"""Solver speed on sparse Garnet MDPs (A = 4, b = 10): sweep cost, and time to a certified 1e-8.

Run by hand, single-threaded BLAS for repeatable numbers:

    OPENBLAS_NUM_THREADS=1 python benchmarks/solvers.py [--sizes 100,1000,10000] [--tau 0.1]

Columns: S, γ; time of one soft sweep V ↦ F_τ(r + γPV) and of one hard-max sweep on the same MDP
(the same code at τ = 0), their ratio (target <= 1.5); the same soft sweep with
``scipy.special.logsumexp`` over the (S, A) layout, for reference; sweeps and seconds for soft
value iteration and soft policy iteration to reach a certified error of 1e-8.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.special import logsumexp

from mdps.generators import garnet
from theory.bellman import _sweep
from theory.solvers import soft_policy_iteration, soft_value_iteration


def best_of(fn, repeat: int = 7, number: int | None = None) -> float:
    """Seconds per call: the minimum over ``repeat`` timings of ``number`` calls (auto-sized)."""
    if number is None:
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
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--gammas", default="0.9,0.99")
    ap.add_argument("--tau", type=float, default=0.1)
    ap.add_argument("--tol", type=float, default=1e-8)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    gammas = [float(g) for g in args.gammas.split(",")]
    tau, tol = args.tau, args.tol

    head = (
        f"{'S':>6} {'gamma':>5} | {'soft ms':>8} {'hard ms':>8} {'ratio':>5} {'scipy-lse ms':>12} | "
        f"{'VI it':>5} {'VI s':>7} | {'PI it':>5} {'PI s':>7}"
    )
    print(f"sparse Garnet, A=4, b=10, tau={tau}, certified tol={tol:g}")
    print(head)
    print("-" * len(head))
    for S in sizes:
        for gamma in gammas:
            mdp = garnet(S, 4, 10, gamma=gamma, seed=0, sparse=True)
            v = np.random.default_rng(1).uniform(size=S)
            soft = best_of(lambda: _sweep(mdp, v, tau))
            hard = best_of(lambda: _sweep(mdp, v, 0.0))
            ref = best_of(lambda: tau * logsumexp((mdp.R + gamma * mdp.expected_next(v)) / tau, axis=1))
            vi, t_vi = timed(lambda: soft_value_iteration(mdp, tau, tol=tol))
            pi, t_pi = timed(lambda: soft_policy_iteration(mdp, tau, tol=tol))
            print(
                f"{S:>6} {gamma:>5} | {soft * 1e3:8.3f} {hard * 1e3:8.3f} {soft / hard:5.2f} "
                f"{ref * 1e3:12.3f} | "
                f"{vi.iterations:>5} {t_vi:7.3f} | {pi.iterations:>5} {t_pi:7.3f}"
                + ("" if vi.converged and pi.converged else "  (unconverged!)")
            )


if __name__ == "__main__":
    main()
