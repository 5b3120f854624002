"""``python -m figures [--out DIR] [--only NAME[,NAME]] [--format png,svg] [--size quick|default]``.

Other modes: ``--env ID --tau T[,T] [--gamma G] [--make KEY=VALUE ...]`` draws the figures of
:mod:`figures.problem` for a Gymnasium toy-text environment (needs gymnasium);
``--walkthrough [--report FILE]`` writes ``walkthrough.html``, the deck slide by slide with each
claim's verdict (from FILE, written by ``python -m checks --json FILE``, or from a fresh run of
the battery) and its figures; ``--version``; ``--list``.

Writes each figure and ``index.html`` into DIR (default ``gallery``). Deterministic: fixed
seeds, so two runs write the same figures. ``--only`` into an existing gallery keeps the other
figures already there on the page. Progress goes to stderr, and only when stderr is a terminal.
Exit status 0 on success, 2 on a usage error (an unknown or empty ``--only`` list, an unknown
format or size, a DIR that is a file or cannot be written): one line ``error: ...`` on stderr,
reported before any figure is built.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tempfile
from pathlib import Path

from figures._common import SIZES
from figures.gallery import FORMATS, write_gallery
from figures.problem import problem_figures
from figures.registry import FIGURES, select
from figures.style import save
from figures.walkthrough import write_walkthrough
from mdps import __version__

#: The discount of ``--env`` problems unless ``--gamma`` says otherwise.
_ENV_GAMMA = 0.99


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one line ``error: ...`` on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"error: {message}\n")


def _out_error(out: Path) -> str | None:
    """Why figures cannot be written into the directory ``out``, or None. Creates ``out`` (as
    the run would) and a temporary file in it, removed at once."""
    if out.exists() and not out.is_dir():
        return "it is a file, not a directory"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        return err.strerror or str(err)
    return None


def _parse(argv):
    p = _Parser(prog="python -m figures", description="Write the teaching-figure gallery.")
    p.add_argument("--out", type=Path, default=Path("gallery"), help="output directory (default: gallery)")
    p.add_argument(
        "--only", metavar="NAME[,NAME]", help=f"figures to write (default all): {', '.join(FIGURES)}"
    )
    p.add_argument(
        "--format",
        default=",".join(FORMATS),
        help="comma-separated formats, png and/or svg (default png,svg)",
    )
    p.add_argument(
        "--size", choices=SIZES, default="default", help="quick (preview) or default (the gallery)"
    )
    p.add_argument("--list", action="store_true", help="list the figures with their claims and exit")
    p.add_argument("--env", metavar="ID", help="draw the figures of a Gymnasium id, e.g. FrozenLake-v1")
    p.add_argument("--tau", metavar="T[,T]", help="with --env: temperatures, e.g. 0.01,0.1,1")
    p.add_argument("--gamma", type=float, help=f"with --env: the discount (default {_ENV_GAMMA})")
    p.add_argument(
        "--make",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --env: a gymnasium.make keyword (repeatable), e.g. is_slippery=False",
    )
    p.add_argument(
        "--walkthrough", action="store_true", help="write walkthrough.html: the deck slide by slide"
    )
    p.add_argument(
        "--report", type=Path, metavar="FILE", help="with --walkthrough: a python -m checks --json report"
    )
    p.add_argument("--version", action="version", version=f"maxent-verify {__version__}")
    return p, p.parse_args(argv)


def _make_kwargs(pairs: list[str]) -> dict:
    """``KEY=VALUE`` pairs as keywords; a VALUE that reads as a Python literal (True, 8, 0.5,
    "8x8") is that literal, anything else the string."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--make takes KEY=VALUE, got {pair!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def _env_figures(parser, args, formats, out: Path) -> int:
    if not args.tau:
        parser.error("--env needs --tau, e.g. --tau 0.01,0.1,1")
    try:
        taus = [float(t) for t in args.tau.split(",") if t.strip()]
        gamma = _ENV_GAMMA if args.gamma is None else args.gamma
        figures = problem_figures(args.env, taus, gamma=gamma, **_make_kwargs(args.make))
    except (ValueError, TypeError, ImportError) as err:
        parser.error(f"--env {args.env}: {err}")
    for name, fig in figures.items():
        for fmt in formats:
            save(fig, out / f"{name}.{fmt}")
    print(f"wrote {len(figures) * len(formats)} figure files of {args.env} to {out}")
    return 0


def main(argv=None) -> int:
    parser, args = _parse(argv)
    if args.list:
        for spec in FIGURES.values():
            print(f"{spec.name:22s} {', '.join(spec.claims)}")
        return 0
    if (args.tau or args.make or args.gamma is not None) and not args.env:
        parser.error("--tau, --gamma and --make go with --env")
    if args.report is not None and not args.walkthrough:
        parser.error("--report goes with --walkthrough")
    if args.env and args.walkthrough:
        parser.error("--env and --walkthrough do not go together")
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    # Every usage error exits (status 2) before the first figure is built.
    if args.only is not None and not any(n.strip() for n in args.only.split(",")):
        parser.error(f"--only names no figure, got {args.only!r}; known: {', '.join(FIGURES)}")
    try:
        specs = select(args.only)
        if not formats or any(f not in FORMATS for f in formats):
            raise ValueError(f"--format must list some of {', '.join(FORMATS)}, got {args.format!r}")
    except ValueError as err:
        parser.error(str(err))
    if why := _out_error(args.out):
        parser.error(f"--out {str(args.out)!r} cannot hold the gallery: {why}")
    if args.env:
        return _env_figures(parser, args, formats, args.out)
    progress = (lambda line: print(line, file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    if args.walkthrough:
        try:
            page = write_walkthrough(args.out, report=args.report, size=args.size, progress=progress)
        except ValueError as err:
            parser.error(str(err))
        print(f"wrote {page}")
        return 0
    written = write_gallery(
        args.out, specs, formats=formats, size=args.size, progress=progress, page=list(FIGURES.values())
    )
    print(f"wrote {len(written) - 1} figure files and {written[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
