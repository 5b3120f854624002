"""Speed of the lockstep MENTS and UCT engine (theory.mcts): simulations per second, batched.

Run by hand, single-threaded BLAS for repeatable numbers:

    OPENBLAS_NUM_THREADS=1 python benchmarks/mcts.py [--runs 200] [--simulations 1000]
        [--shapes 4x5,8x3] [--workers 1,2]

Target (issue 5): 200 runs × 10⁴ simulations on a k = 4, d = 5 tree in under 60 s on 2 cores.
Each row searches one synthetic tree with R runs in lockstep for ``simulations`` simulations
(MENTS: τ = 0.1, ε = 0.1; UCT: c = √2; leaf noise σ = 0.05, the settings of mdps/instances.py);
with W workers the runs are split into W independent searches in W processes (independent
seeds; the runs are independent, so this is the same experiment). Columns: algorithm, k, d,
R, workers, seconds, run-simulations per second, and the time that rate gives for 200 runs ×
10⁴ simulations (extrapolated: the cost per simulation is constant in t, so the full case need
not be run; pass ``--simulations 10000`` to run it).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from mdps.instances import MCTS_EPSILON, MCTS_SIGMA, MCTS_TAU, UCT_C
from mdps.trees import synthetic_tree, tree_mdp
from theory.mcts import ments, uct

TARGET_RUN_SIMULATIONS = 200 * 10**4


def _search_chunk(args) -> None:
    algorithm, k, d, n_runs, n_sims, seed = args
    mdp = tree_mdp(synthetic_tree(k, d, seed=0))
    common = dict(sigma=MCTS_SIGMA, checkpoints=[n_sims], n_runs=n_runs, seed=seed)
    if algorithm == "MENTS":
        ments(mdp, tau=MCTS_TAU, epsilon=MCTS_EPSILON, **common)
    else:
        uct(mdp, c=UCT_C, **common)


def seconds(algorithm: str, k: int, d: int, n_runs: int, n_sims: int, workers: int, pool) -> float:
    """Wall time of R runs × ``n_sims`` simulations, split over ``workers`` processes."""
    chunks = [(algorithm, k, d, n_runs // workers, n_sims, seed) for seed in range(workers)]
    t0 = time.perf_counter()
    if workers == 1:
        _search_chunk(chunks[0])
    else:
        list(pool.map(_search_chunk, chunks))
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=200, help="R, runs searched in lockstep")
    p.add_argument("--simulations", type=int, default=1000, help="simulations per run")
    p.add_argument("--shapes", default="4x5,8x3", help="comma-separated KxD tree shapes")
    p.add_argument("--workers", default="1,2", help="comma-separated process counts")
    args = p.parse_args()
    shapes = [tuple(int(x) for x in s.split("x")) for s in args.shapes.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    header = ("algorithm", "k", "d", "R", "W", "seconds", "run-sims/s", "200x1e4 (s)")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (9, 2, 2, 5, 2, 8, 11, 12))))
    with ProcessPoolExecutor(max(workers)) as pool:
        for k, d in shapes:
            for algorithm in ("MENTS", "UCT"):
                for w in workers:
                    sec = seconds(algorithm, k, d, args.runs, args.simulations, w, pool)
                    rate = args.runs * args.simulations / sec
                    print(
                        f"{algorithm:>9} {k:>2} {d:>2} {args.runs:>5} {w:>2} {sec:>8.2f} "
                        f"{rate:>11.0f} {TARGET_RUN_SIMULATIONS / rate:>12.1f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
