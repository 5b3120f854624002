"""``python -m checks``: run the proof-check battery and print one row per claim.

Usage: ``python -m checks [--quick | --full] [--only B1,B2] [--seed N] [--json PATH] [--list]
[--catalogue PATH] [--version] [--calibrate N [--jobs J]]
[--subject ROLE=package.module:attr ... [--convention NAME=VALUE ...]]
[--regularizer shannon|tsallis|kl]``.
``--seed`` takes an integer in [0, SEED_MAX] (``mdps.validation.SEED_MAX`` = 2**63 - 1 - 10**6,
so that every instance seed N + i of a suite stays a valid seed).

Every claim runs in isolation: a check that raises is that claim's ERROR row (its exception in
the row, the traceback in ``--json``) and the others still run. Verdicts: PASS, FAIL, ERROR,
REFUTED (the deck's literal statement is false; the row shows the counterexample, which
reproduced). Exit status: 0 when every verdict is PASS or REFUTED, 1 when any is FAIL or ERROR,
2 on a usage error. A usage error (a bad option, a seed out of range, an empty or unknown
``--only`` list, a ``--json`` path that cannot be written, ``--calibrate`` below 1) is one line
``error: ...`` on stderr, reported before any claim runs.

``--calibrate N`` runs the selected claims at N seeds instead (``checks.calibrate``) and prints
each claim's failures, observed rate with its Clopper–Pearson interval and stated false-alarm
level; exit 1 when an exact claim failed or the battery failed at more than 1 % of the seeds.

``--subject ROLE=package.module:attr`` (repeatable) checks your own implementation instead
(``checks.verify``): every claim that calls one of the given roles runs with it, at the size
the flags say (``--quick`` recommended; ``--only`` restricts the claims), then a hypothesis
search of each claim's instances; every failure is printed with its smallest failing instance,
as code that re-runs it.
``--convention NAME=VALUE`` (repeatable; ``temperature=beta``, ``transitions=ASS``,
``terminal_states=true``, ``temperatures=zero|all``, ``discounts=positive``) says how the
implementations read their arguments (mdps.conventions.Conventions). Exit 1 when the subject
fails a claim. The ``regularizer`` role takes an object (``package.module:attr`` names it, or a
class, instantiated with no arguments) with ``penalty``, ``value``, ``greedy`` and ``bounds``.

``--regularizer NAME`` re-runs, for the regulariser Ω of the problem NAME
(``checks.suite.REGULARIZERS``: ``shannon``, the default report; ``tsallis``, sparsemax;
``kl``, KL to the prior ∝ (1, …, A) of each MDP's A actions), the claims whose statement holds
for every regulariser (``Claim.regularizer_free``: B1, B2, C1, C3, D1, D2, D3, D5; their
statements print the Shannon form, F_τ standing for (τΩ)*) and those of the ``regularizer``
role (R1–R4, which run the suite's regularisers whatever the flag), and only those; the header
and each row's source name the regulariser. τ = 0, the hard max for every regulariser, is run
as well. ``--only`` restricts further; naming another claim is a usage error. With
``--subject``, the subjects are checked on the problem regularised by NAME.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import sys
import time

import numpy as np

import checks  # noqa: F401  (importing the package registers every battery)
from checks.base import ERROR, FAIL, PASS, REFUTED, in_processes, registered, run_battery
from checks.calibrate import SEED_STRIDE, calibrate
from checks.catalogue import catalogue_markdown
from checks.conformance import verify
from checks.subjects import OWN, ROLES
from checks.suite import REGULARIZERS
from mdps import __version__
from mdps.conventions import Conventions
from mdps.validation import SEED_MAX, check_seed
from theory.regularizers import SHANNON


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
    p.add_argument(
        "--catalogue",
        metavar="PATH",
        help="write the claims catalogue (markdown, e.g. docs/claims.md) from the registry and exit",
    )
    p.add_argument("--version", action="version", version=f"maxent-verify {__version__}")
    p.add_argument(
        "--calibrate",
        type=int,
        metavar="N",
        help=f"run the claims at N seeds (seed + k·{SEED_STRIDE}) and print their failure rates",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="J",
        help="processes to run the claims (or --calibrate's seeds) in (default: the CPUs, "
        f"{os.cpu_count() or 1} here); the report is the same for any J",
    )
    p.add_argument(
        "--subject",
        action="append",
        metavar="ROLE=MODULE:ATTR",
        help=f"check your implementation of ROLE (repeatable); roles: {', '.join(ROLES)}",
    )
    p.add_argument(
        "--convention",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="how the subjects read their arguments: temperature=tau|beta, transitions=SAS|ASS, "
        "terminal_states=true|false, temperatures=positive|zero|all, discounts=all|positive (repeatable)",
    )
    p.add_argument(
        "--regularizer",
        choices=tuple(REGULARIZERS),
        help="the regulariser of the problem: re-run the claims that hold for every regulariser "
        "with it (default shannon, the full report)",
    )
    return p.parse_args(argv)


def _load(spec: str) -> tuple[str, object]:
    """``ROLE=package.module:attr`` -> (role, the object), or ValueError saying what is wrong."""
    role, sep, target = spec.partition("=")
    if not sep or role not in ROLES:
        raise ValueError(
            f"--subject takes ROLE=package.module:attr with ROLE one of {', '.join(ROLES)}; got {spec!r}"
        )
    if role == "regularizer":  # an object, not a function: a class is instantiated
        obj = _import(spec, role, target)
        return role, obj() if isinstance(obj, type) else obj
    obj = _import(spec, role, target)
    if not callable(obj):
        raise ValueError(f"--subject {spec!r}: {target} is not callable")
    return role, obj


def _import(spec: str, role: str, target: str) -> object:
    """The object ``package.module:attr`` of ``target``, or ValueError saying what is wrong."""
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise ValueError(f"--subject {role}= takes package.module:attr, got {target!r}")
    try:
        obj = importlib.import_module(module)
    except ImportError as err:
        raise ValueError(f"--subject {spec!r}: cannot import {module!r}: {err}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"--subject {spec!r}: {module!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


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


#: The claims, seed, size and subjects (None: the batteries' default) of the run under way:
#: forked workers (checks.base.in_processes) inherit them.
_RUN: tuple[list, int, str, object] = ([], 0, "quick", None)


def _run_claim(index: int):
    """(CheckResult, seconds) of the ``index``-th claim of the run under way."""
    claims, seed, size, subjects = _RUN
    claim, battery = claims[index]
    t0 = time.perf_counter()
    return run_battery(claim, battery, seed=seed, size=size, subjects=subjects), time.perf_counter() - t0


def main(argv=None) -> int:
    args = _parse(argv)
    claims = registered()
    if args.list:
        for claim, _ in claims:
            print(f"{claim.id:4} {claim.statement}  [{claim.source}]")
        return 0
    if args.catalogue is not None:
        text = catalogue_markdown([claim for claim, _ in claims])
        try:
            with open(args.catalogue, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as err:
            return _usage_error(f"--catalogue {args.catalogue!r} cannot be written: {err.strerror or err}")
        print(f"wrote {len(claims)} claims to {args.catalogue}")
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
    regularizer = SHANNON if args.regularizer is None else REGULARIZERS[args.regularizer]
    regularized = OWN.regularized(regularizer)
    if regularizer != SHANNON:
        unfit = [c.id for c, _ in claims if regularized.unfit(c) is not None]
        if args.only is not None and unfit:
            fit = [c.id for c, _ in registered() if regularized.unfit(c) is None]
            return _usage_error(
                f"--regularizer {args.regularizer} runs only the claims {', '.join(fit)}; "
                f"--only names {', '.join(unfit)}"
            )
        claims = [(c, b) for c, b in claims if c.id not in unfit]
    if args.json is not None and (why := _json_error(args.json)):
        return _usage_error(f"--json {args.json!r} cannot be written: {why}")
    if args.calibrate is not None and args.calibrate < 1:
        return _usage_error(f"--calibrate takes a number of seeds >= 1, got {args.calibrate}")
    if args.jobs < 1:
        return _usage_error(f"--jobs takes a number of processes >= 1, got {args.jobs}")
    if args.calibrate is not None:
        try:
            check_seed(args.seed + (args.calibrate - 1) * SEED_STRIDE, "the last calibration seed")
        except ValueError as err:
            return _usage_error(str(err))
        if args.regularizer is not None:
            return _usage_error("--regularizer and --calibrate do not go together")

    subjects, conventions = {}, None
    if args.subject:
        if args.calibrate is not None:
            return _usage_error("--subject and --calibrate do not go together")
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # a user's module in the working directory
        try:
            for spec in args.subject:
                role, fn = _load(spec)
                if role in subjects:
                    raise ValueError(f"--subject gives role {role!r} twice")
                if role == "regularizer" and args.regularizer is not None:
                    raise ValueError("--subject regularizer= and --regularizer: give the regulariser once")
                subjects[role] = fn
            conventions = Conventions.parse(args.convention)
        except (ValueError, TypeError) as err:
            return _usage_error(str(err))
    elif args.convention:
        return _usage_error("--convention says how a --subject reads its arguments; give a --subject")

    mode = "full" if args.full else "quick" if args.quick else "default"
    if subjects:
        only = None if args.only is None else [c.id for c, _ in claims]
        if args.regularizer is not None:
            subjects.setdefault("regularizer", regularizer)
        report = verify(claims=only, seed=args.seed, size=mode, conventions=conventions, **subjects)
        print(report)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump([_jsonable(dataclasses.asdict(r)) for r in report.results.values()], fh, indent=2)
        return 0 if report.passed else 1
    if args.calibrate is not None:
        cal = calibrate(claims, n_seeds=args.calibrate, size=mode, seed=args.seed, jobs=args.jobs)
        print("\n".join(cal.table()))
        return 0 if cal.ok else 1

    if regularizer == SHANNON:
        print(f"maxent-verify proof checks ({mode} suites, seed {args.seed})")
    else:
        print(f"maxent-verify proof checks ({mode} suites, seed {args.seed}, regularizer={regularizer!r})")
        print(
            f"--regularizer {args.regularizer}: only the claims that hold for every regulariser, with "
            f"Ω = {regularizer!r} (printed in their Shannon form, F_τ standing for (τΩ)*), and those "
            "of the regularizer role"
        )
    print(f"{'claim':5} {'verdict':7} {'measured':>10} {'tolerance':>10} {'cases':>6}  statement")
    global _RUN
    _RUN = (claims, args.seed, mode, None if regularizer == SHANNON else regularized)
    rows, start = [], time.perf_counter()
    for res, seconds in in_processes(_run_claim, range(len(claims)), args.jobs):
        if regularizer != SHANNON:
            res = dataclasses.replace(res, source=f"{res.source}; regularizer={regularizer!r}")
        print(
            f"{res.claim:5} {res.verdict:7} {_fmt(res.measured):>10} {_fmt(res.tolerance):>10} "
            f"{res.cases:>6}  {res.statement}  ({seconds:.1f} s)"
        )
        if res.verdict == ERROR:
            print(f"{'':13}the check raised {res.details['error']}")
        if "nonfinite" in res.details:
            print(f"{'':13}not finite: {res.details['nonfinite']}")
        if res.counterexample:
            print(f"{'':13}counterexample: {res.counterexample}")
        for line in res.details.get("report", ()):  # a battery's own lines, e.g. intervals
            print(f"{'':13}{line}")
        rows.append(res)
    count = {v: sum(r.verdict == v for r in rows) for v in (PASS, FAIL, ERROR, REFUTED)}
    print(
        f"{len(rows)} claims: {count[PASS]} passed, {count[FAIL]} failed, {count[ERROR]} errors, "
        f"{count[REFUTED]} refuted ({time.perf_counter() - start:.1f} s)"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([_jsonable(dataclasses.asdict(r)) for r in rows], fh, indent=2)
    return 0 if all(r.expected for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
