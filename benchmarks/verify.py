"""Wall time of ``checks.verify`` on one role at quick size, the hypothesis search and shrinking
included: for a correct implementation (every claim searched without a failure: the most
work) and for a subtly wrong one (the search stops at its first failure, then shrinks).

Run by hand, single-threaded BLAS for repeatable numbers:

    OPENBLAS_NUM_THREADS=1 python benchmarks/verify.py [--roles solver,e2w]

Target (issue 15): under 30 s per role on 2 cores. The implementations are the user's module
of ``examples/my_soft_rl.py`` (correct) and the mutants of ``tests/test_verify.py`` (wrong).
Columns: role, implementation, claims run, verdict, seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "tests")]

import my_soft_rl  # noqa: E402
from test_verify import WRONG  # noqa: E402

from checks import verify  # noqa: E402
from checks.subjects import ROLES  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles (default: all)")
    args = p.parse_args(argv)
    print(f"{'role':20} {'implementation':16} {'claims':>6} {'verdict':7} {'seconds':>8}")
    for role in args.roles.split(","):
        for label, fn in (("correct", getattr(my_soft_rl, role)), ("wrong", WRONG[role])):
            t0 = time.perf_counter()
            report = verify(**{role: fn})
            seconds = time.perf_counter() - t0
            verdict = "PASS" if report.passed else "FAIL"
            print(f"{role:20} {label:16} {len(report.results):>6} {verdict:7} {seconds:>8.1f}")


if __name__ == "__main__":
    main()
