"""``python -m figures [--out DIR] [--only NAME[,NAME]] [--format png,svg] [--size quick|default]``.

Writes each figure and ``index.html`` into DIR (default ``gallery``). Deterministic: fixed
seeds, so two runs write the same figures. Progress goes to stderr, and only when stderr is a
terminal. Exit status 0 on success, 2 on a usage error (unknown figure, format or size).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from figures._common import SIZES
from figures.gallery import FORMATS, write_gallery
from figures.registry import FIGURES, select


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m figures", description="Write the teaching-figure gallery.")
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
    return p, p.parse_args(argv)


def main(argv=None) -> int:
    parser, args = _parse(argv)
    if args.list:
        for spec in FIGURES.values():
            print(f"{spec.name:22s} {', '.join(spec.claims)}")
        return 0
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        specs = select(args.only)
        if not formats or any(f not in FORMATS for f in formats):
            raise ValueError(f"--format must list some of {', '.join(FORMATS)}, got {args.format!r}")
    except ValueError as err:
        parser.error(str(err))  # exits with status 2
    progress = (lambda line: print(line, file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    written = write_gallery(args.out, specs, formats=formats, size=args.size, progress=progress)
    print(f"wrote {len(written) - 1} figure files and {written[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
