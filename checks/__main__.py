"""``python -m checks``: run the proof-check battery and print one row per claim.

Usage: ``python -m checks [--quick | --full] [--only B1,B2] [--seed N] [--json PATH] [--list]``.
``--seed`` takes an integer in [0, SEED_MAX] (``mdps.validation.SEED_MAX`` = 2**63 - 1 - 10**6,
so that every instance seed N + i of a suite stays a valid seed).
Exit status: 0 when every claim passes, 1 when any fails, 2 on a usage error. A usage error (a bad
option, a seed out of range, an empty or unknown ``--only`` list, a ``--json`` path that cannot be
written) is one line ``error: ...`` on stderr, reported before any claim runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time

import numpy as np

import checks  # noqa: F401  (importing the package registers every battery)
from checks.base import registered
from mdps.validation import SEED_MAX, check_seed


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one line ``error: ...`` on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"error: {message}\n")


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _parse(argv):
    p = _Parser(prog="python -m checks", description=__doc__.splitlines()[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small suites (CI speed, under 30 s)")
    mode.add_argument("--full", action="store_true", help="large suites (minutes)")
    p.add_argument("--only", help="comma-separated claim ids, e.g. B1,D3")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help=f"seed of every instance suite, an integer in [0, {SEED_MAX}] (default 0)",
    )
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    p.add_argument("--list", action="store_true", help="list the registered claims and exit")
    return p.parse_args(argv)


def _fmt(x: float) -> str:
    return f"{x:.4g}" if np.isfinite(x) else str(x)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _json_error(path: str) -> str | None:
    """Why ``path`` cannot be written (a directory, a missing parent, no permission), or None.

    Probed by opening it for appending, which leaves an existing file as it is; a file created
    by the probe is removed again.
    """
    existed = os.path.lexists(path)
    try:
        with open(path, "a"):
            pass
    except OSError as err:
        return err.strerror or str(err)
    if not existed:
        os.remove(path)
    return None


def main(argv=None) -> int:
    args = _parse(argv)
    claims = registered()
    if args.list:
        for claim, _ in claims:
            print(f"{claim.id:4} {claim.statement}  [{claim.source}]")
        return 0
    # Every usage error is reported before the first claim runs.
    try:
        check_seed(args.seed, "--seed")
    except ValueError as err:
        return _usage_error(str(err))
    if args.only is not None:
        wanted = [c.strip() for c in args.only.split(",") if c.strip()]
        if not wanted:
            return _usage_error(f"--only names no claim id, got {args.only!r}; e.g. --only B1,D3")
        known = {claim.id for claim, _ in claims}
        unknown = [c for c in wanted if c not in known]
        if unknown:
            return _usage_error(
                f"unknown claim id(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        claims = [(c, b) for c, b in claims if c.id in wanted]
    if args.json is not None and (why := _json_error(args.json)):
        return _usage_error(f"--json {args.json!r} cannot be written: {why}")

    mode = "full" if args.full else "quick" if args.quick else "default"
    print(f"maxent-verify proof checks ({mode} suites, seed {args.seed})")
    print(f"{'claim':5} {'verdict':7} {'measured':>10} {'tolerance':>10} {'cases':>6}  statement")
    rows, start = [], time.perf_counter()
    for claim, battery in claims:
        t0 = time.perf_counter()
        res = battery(seed=args.seed, size=mode)
        verdict = "PASS" if res.passed else "FAIL"
        print(
            f"{res.claim:5} {verdict:7} {_fmt(res.measured):>10} {_fmt(res.tolerance):>10} "
            f"{res.cases:>6}  {res.statement}  ({time.perf_counter() - t0:.1f} s)"
        )
        for line in res.details.get("report", ()):  # a battery's own lines, e.g. intervals
            print(f"{'':13}{line}")
        rows.append(res)
    n_fail = sum(not r.passed for r in rows)
    print(
        f"{len(rows)} claims: {len(rows) - n_fail} passed, {n_fail} failed "
        f"({time.perf_counter() - start:.1f} s)"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([_jsonable(dataclasses.asdict(r)) for r in rows], fh, indent=2)
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
