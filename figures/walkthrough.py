"""The walkthrough: one HTML page that follows the seed deck slide by slide.

For every slide of :data:`theory.deck.SLIDES`: its title and statement, then each claim that
cites it (``source``) with its verdict, measured value against tolerance and cases from a run of
the battery, a REFUTED claim's counterexample, and the gallery figures that show the claims.
Claims citing no slide, and figures of no listed claim, close the page ("Beyond the deck").

The battery's rows come as the JSON that ``python -m checks --json PATH`` writes (a list of
CheckResult objects as dicts): ``figures`` does not import ``checks``, so
:func:`run_battery_report` runs it in a subprocess when no report is given.
"""

from __future__ import annotations

import html
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from figures.gallery import write_gallery
from figures.registry import FIGURES, FigureSpec
from mdps import __version__
from theory.deck import SLIDES, slides_cited

__all__ = ["REPORT_FIELDS", "load_report", "run_battery_report", "walkthrough_html", "write_walkthrough"]

#: The fields of a report row the page uses (CheckResult's, checks/base.py).
REPORT_FIELDS = (
    "claim",
    "statement",
    "source",
    "measured",
    "tolerance",
    "verdict",
    "cases",
    "counterexample",
)
_VERDICT_COLOUR = {"PASS": "#009E73", "REFUTED": "#E69F00", "FAIL": "#D55E00", "ERROR": "#D55E00"}


def load_report(path: Path) -> list[dict]:
    """The rows of a battery report written by ``python -m checks --json PATH``.

    Raises:
      ValueError: ``path`` is not a JSON list of rows with :data:`REPORT_FIELDS`, naming it.
    """
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"report {str(path)!r} cannot be read as JSON: {err}") from None
    if not isinstance(rows, list) or not rows:
        raise ValueError(
            f"report {str(path)!r} must be a non-empty JSON list of rows (python -m checks --json)"
        )
    for i, row in enumerate(rows):
        missing = [f for f in REPORT_FIELDS if not isinstance(row, dict) or f not in row]
        if missing:
            raise ValueError(f"report {str(path)!r}: row {i} lacks {', '.join(missing)}")
    return rows


def run_battery_report(
    out: Path, *, seed: int = 0, quick: bool = True, claims: Sequence[str] | None = None
) -> Path:
    """Run ``python -m checks [--quick] --seed SEED [--only CLAIMS] --json <out>`` in a subprocess
    (this Python); ``claims`` None runs them all.

    Returns:
      ``out``. A battery with FAIL or ERROR rows still writes its report (exit status 1); the
      page shows those rows.
    Raises:
      RuntimeError: the battery wrote no report (a usage error, a crash), with its stderr.
    """
    out = Path(out)
    command = [sys.executable, "-m", "checks", "--seed", str(seed), "--json", str(out)]
    if claims is not None:
        command += ["--only", ",".join(claims)]
    done = subprocess.run(command + (["--quick"] if quick else []), capture_output=True, text=True)
    if done.returncode not in (0, 1) or not out.is_file():
        raise RuntimeError(f"{' '.join(command)} failed (exit {done.returncode}): {done.stderr.strip()}")
    return out


def _number(x) -> str:
    return f"{x:.3g}" if isinstance(x, (int, float)) and math.isfinite(x) else html.escape(str(x))


def _claim_html(row: dict) -> str:
    verdict = str(row["verdict"])
    colour = _VERDICT_COLOUR.get(verdict, "#555")
    parts = [
        f'<div class="claim" id="claim-{html.escape(str(row["claim"]))}">',
        f'  <p><b>{html.escape(str(row["claim"]))}</b> <span class="verdict" style="background:{colour}">'
        f"{html.escape(verdict)}</span> {html.escape(str(row['statement']))}</p>",
        f'  <p class="numbers">measured {_number(row["measured"])} against tolerance '
        f"{_number(row['tolerance'])} over {_number(row['cases'])} cases. Source: "
        f"{html.escape(str(row['source']))}</p>",
    ]
    if row.get("counterexample"):
        label = "Counterexample" if verdict == "REFUTED" else "Failing instance"
        parts.append(f"  <p>{label}:</p>\n  <pre>{html.escape(str(row['counterexample']))}</pre>")
    parts.append("</div>")
    return "\n".join(parts)


def _figure_html(spec: FigureSpec, image: str, caption: str) -> str:
    return (
        f'<figure id="figure-{html.escape(spec.name)}">\n'
        f'  <img src="{html.escape(image)}" alt="{html.escape(spec.name)}">\n'
        f"  <figcaption><b>{html.escape(spec.name)}</b> (claims {html.escape(', '.join(spec.claims))}). "
        f"{html.escape(caption)}</figcaption>\n</figure>"
    )


def walkthrough_html(
    rows: Sequence[dict], figures: Sequence[tuple[FigureSpec, str, str]], *, title: str = "", note: str = ""
) -> str:
    """The walkthrough page.

    Args:
      rows: the battery's report rows (:func:`load_report`), in report order.
      figures: (spec, image path relative to the page, caption) per gallery figure.
      title: a heading line (e.g. the version); note: a paragraph saying how the page was made.
    Returns:
      The HTML text: one section per slide title that some claim cites, numbered in deck
      order (slides sharing a title are one section), then "Beyond
      the deck" with the claims citing no slide and the figures of no claim listed above.
    """
    by_slide: dict[str, list[dict]] = {s.title: [] for s in SLIDES}
    beyond = []
    for row in rows:
        cited = slides_cited(str(row["source"]))
        (by_slide[cited[0]] if cited else beyond).append(row)
    shown: set[str] = set()

    def figures_for(claim_rows) -> list[str]:
        ids = {str(r["claim"]) for r in claim_rows}
        out = []
        for spec, image, caption in figures:
            if spec.name not in shown and ids & set(spec.claims):
                shown.add(spec.name)
                out.append(_figure_html(spec, image, caption))
        return out

    sections = []
    for n, slide in enumerate(SLIDES, start=1):
        if by_slide[slide.title]:
            sections.append(
                f'<section class="slide">\n<h2>{n}. {html.escape(slide.title)}</h2>\n'
                f'<p class="statement">{html.escape(slide.statement)}</p>\n'
                + "\n".join(_claim_html(r) for r in by_slide[slide.title])
                + "\n"
                + "\n".join(figures_for(by_slide[slide.title]))
                + "\n</section>"
            )
    rest = figures_for(beyond) + [
        _figure_html(spec, image, caption) for spec, image, caption in figures if spec.name not in shown
    ]
    if beyond or rest:
        sections.append(
            '<section class="slide">\n<h2>Beyond the deck</h2>\n<p class="statement">Results the deck '
            "does not state: the papers it cites, and where its statements stop being true.</p>\n"
            + "\n".join(_claim_html(r) for r in beyond)
            + "\n"
            + "\n".join(rest)
            + "\n</section>"
        )
    count = {v: sum(str(r["verdict"]) == v for r in rows) for v in _VERDICT_COLOUR}
    summary = ", ".join(f"{n} {v}" for v, n in count.items() if n)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>maxent-verify: the deck, slide by slide</title>
<style>
body {{ font-family: sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}
section.slide {{ border-top: 2px solid #0072B2; margin-top: 2.5rem; }}
.statement {{ font-size: 1.15rem; font-style: italic; }}
.claim {{ margin: 1rem 0 1rem 1rem; }}
.verdict {{ color: white; padding: 0.1rem 0.4rem; border-radius: 0.2rem; font-size: 0.9rem; }}
.numbers {{ color: #444; font-size: 0.95rem; margin-top: -0.6rem; }}
pre {{ background: #f4f4f4; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; }}
img {{ max-width: 100%; height: auto; }}
figure {{ margin: 1.5rem 0; }}
</style>
</head>
<body>
<h1>Maximum entropy RL, checked: the deck slide by slide</h1>
<p>{html.escape(title)}</p>
<p>{len(rows)} claims: {summary}. {html.escape(note)} Every claim is listed in the repository's
<code>docs/claims.md</code>; the figures alone: <a href="index.html">the gallery</a>.</p>
{chr(10).join(sections)}
</body>
</html>
"""


def write_walkthrough(
    out: Path,
    *,
    report: Path | None = None,
    size: str = "quick",
    seed: int = 0,
    specs: Sequence[FigureSpec] | None = None,
    progress=None,
) -> Path:
    """Write the gallery (PNG) and ``<out>/walkthrough.html``.

    Args:
      out: directory (created if missing).
      report: a battery report (``python -m checks --json``); None runs ``python -m checks``
        (``--quick`` for size ``"quick"``, the default suites otherwise) with ``seed`` first.
      size: the figures' size, ``"quick"`` or ``"default"``.
      seed: the figures' seed (and the battery's, when it is run).
      specs: the figures to draw (default all of :data:`figures.registry.FIGURES`).
      progress: as in :func:`figures.gallery.write_gallery`.
    Returns:
      The page's path.
    Raises:
      ValueError: an unreadable report; RuntimeError: the battery wrote no report.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if report is None:
        with tempfile.TemporaryDirectory() as tmp:
            rows = load_report(
                run_battery_report(Path(tmp) / "report.json", seed=seed, quick=size == "quick")
            )
        flag = " --quick" if size == "quick" else ""
        made = f"Verdicts from a fresh run of python -m checks{flag} (seed {seed});"
    else:
        rows = load_report(report)
        made = f"Verdicts from the report {Path(report).name};"
    specs = list(FIGURES.values()) if specs is None else list(specs)
    write_gallery(out, specs, formats=("png",), size=size, seed=seed, progress=progress)
    figures = [
        (spec, f"{spec.name}.png", (out / f"{spec.name}.txt").read_text(encoding="utf-8").strip())
        for spec in specs
    ]
    page = out / "walkthrough.html"
    page.write_text(
        walkthrough_html(
            rows,
            figures,
            title=f"maxent-verify {__version__}",
            note=f"{made} figures by python -m figures --size {size} (seed {seed}).",
        ),
        encoding="utf-8",
    )
    return page
