"""``python -m figures [--out DIR] [--only NAME[,NAME]] [--format png,svg] [--size quick|default]``.

Writes each figure and ``index.html`` into DIR (default ``gallery``). Deterministic: fixed
seeds, so two runs write the same figures. ``--only`` into an existing gallery keeps the other
figures already there on the page. Progress goes to stderr, and only when stderr is a terminal.
Exit status 0 on success, 2 on a usage error (an unknown or empty ``--only`` list, an unknown
format or size, a DIR that is a file or cannot be written): one line ``error: ...`` on stderr,
reported before any figure is built.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from figures._common import SIZES
from figures.gallery import FORMATS, write_gallery
from figures.registry import FIGURES, select
from mdps import __version__


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
    p.add_argument("--version", action="version", version=f"maxent-verify {__version__}")
    return p, p.parse_args(argv)


def main(argv=None) -> int:
    parser, args = _parse(argv)
    if args.list:
        for spec in FIGURES.values():
            print(f"{spec.name:22s} {', '.join(spec.claims)}")
        return 0
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
    progress = (lambda line: print(line, file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    written = write_gallery(
        args.out, specs, formats=formats, size=args.size, progress=progress, page=list(FIGURES.values())
    )
    print(f"wrote {len(written) - 1} figure files and {written[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
