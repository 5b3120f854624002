"""Speed of the vectorised softmax-bandit simulator (theory.bandit.simulate): run-steps per second.

Run by hand, single-threaded BLAS for repeatable numbers:

    OPENBLAS_NUM_THREADS=1 python benchmarks/bandit.py [--runs 1000,10000] [--steps 2000]
        [--workers 1,2]

Target (issue 4): 10⁴ runs × 10⁵ steps in under 60 s on 2 cores. Each row simulates R runs for
``steps`` pulls (plus the K forced ones) with E2W (τ = 0.5, ε = 0.1) or uniform sampling on a
K-armed Gaussian bandit; with W workers the runs are split into W independent simulations in
W processes (independent seeds; the runs are independent, so this is the same experiment).
Columns: K, allocation, R, workers, seconds, million run-steps per second, and the time that
rate gives for 10⁴ runs × 10⁵ steps (extrapolated: the cost per step is linear in R and constant
in t, so the full case is not run here).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from theory.bandit import e2w_allocation, simulate, uniform_allocation

TAU, EPSILON, SIGMA = 0.5, 0.1, 1.0
TARGET_RUN_STEPS = 10**4 * 10**5


def _bandit(k: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, k)


def _simulate_chunk(args) -> None:
    k, allocation_name, n_runs, steps, seed = args
    allocation = e2w_allocation(TAU, EPSILON) if allocation_name == "E2W" else uniform_allocation
    simulate(_bandit(k), SIGMA, allocation, [k + steps], n_runs=n_runs, seed=seed)


def seconds(k: int, allocation_name: str, n_runs: int, steps: int, workers: int, pool) -> float:
    """Wall time of R runs × ``steps`` pulls, split over ``workers`` processes."""
    chunks = [(k, allocation_name, n_runs // workers, steps, seed) for seed in range(workers)]
    t0 = time.perf_counter()
    if workers == 1:
        _simulate_chunk(chunks[0])
    else:
        list(pool.map(_simulate_chunk, chunks))
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", default="1000,10000", help="comma-separated R")
    p.add_argument("--steps", type=int, default=2000, help="pulls per run after the forced round")
    p.add_argument("--workers", default="1,2", help="comma-separated process counts")
    p.add_argument("--arms", default="4,10", help="comma-separated K")
    args = p.parse_args()
    runs = [int(x) for x in args.runs.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    arms = [int(x) for x in args.arms.split(",")]

    print(
        f"{'K':>3} {'allocation':>10} {'R':>7} {'W':>2} {'steps':>7} {'s':>7} {'M run-steps/s':>14} "
        f"{'10⁴×10⁵ (extrap.)':>18}"
    )
    with ProcessPoolExecutor(max(workers)) as pool:
        list(pool.map(_simulate_chunk, [(2, "E2W", 10, 10, 0)] * max(workers)))  # warm the workers
        for k in arms:
            for name in ("E2W", "uniform"):
                for n_runs in runs:
                    for w in workers:
                        s = seconds(k, name, n_runs, args.steps, w, pool)
                        rate = n_runs * args.steps / s
                        print(
                            f"{k:>3} {name:>10} {n_runs:>7} {w:>2} {args.steps:>7} {s:>7.2f} "
                            f"{rate / 1e6:>14.2f} {TARGET_RUN_STEPS / rate:>16.0f} s"
                        )


if __name__ == "__main__":
    main()
