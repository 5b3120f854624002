"""Write the gallery: every selected figure in every format, and ``index.html`` linking them.

``index.html`` uses relative links only, so the directory can be moved or served as is; it
lists a figure only after its files are written. Each figure's caption, computed from its data,
is written next to it (``<name>.txt``), so writing some figures into an existing gallery keeps
the others on the page with their own captions: every figure of the page whose files are in the
directory is listed, in page order.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from figures.registry import FigureSpec
from figures.style import save

__all__ = ["FORMATS", "index_html", "write_gallery"]

#: Formats the gallery can write; the first listed by the user is the one shown on the page.
FORMATS = ("png", "svg")


def index_html(entries: Sequence[tuple[FigureSpec, str, Sequence[str]]], *, size: str, seed: int) -> str:
    """The gallery page: per figure, its image, a caption with the claim ids, and format links.

    Args:
      entries: (spec, caption, file names relative to the page) per figure; the first file is
        shown.
      size, seed: recorded on the page, so a reader can reproduce it.
    Returns:
      The HTML text.
    """
    items = []
    for i, (spec, caption, files) in enumerate(entries, start=1):
        name, shown = html.escape(spec.name), html.escape(files[0])
        links = " · ".join(
            f'<a href="{html.escape(f)}">{html.escape(Path(f).suffix[1:].upper())}</a>' for f in files
        )
        claims = ", ".join(html.escape(c) for c in spec.claims)
        noun = "claims" if len(spec.claims) > 1 else "claim"
        items.append(
            f'<figure id="{name}">\n'
            f'  <img src="{shown}" alt="{html.escape(caption)}">\n'
            f"  <figcaption><b>{i}. {name}</b> ({noun} {claims}). {html.escape(caption)}"
            f' <span class="files">{links}</span></figcaption>\n'
            "</figure>"
        )
    body = "\n".join(items)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>maxent-verify: teaching figures</title>
<style>
body {{ font-family: sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}
figure {{ margin: 2.5rem 0; border-top: 1px solid #ccc; padding-top: 1rem; }}
img {{ max-width: 100%; height: auto; }}
figcaption {{ font-size: 1.05rem; }}
.files {{ color: #555; font-size: 0.9rem; }}
</style>
</head>
<body>
<h1>maxent-verify: the theory at work</h1>
<p>Each figure is computed by <code>theory</code> on small exact problems; the caption, computed from
the figure's data, says what to see and the claim it illustrates (<code>docs/claims.md</code>).
Written by <code>python -m figures --size {html.escape(size)}</code> (seed {seed}).</p>
{body}
</body>
</html>
"""


def _existing_files(out: Path, spec: FigureSpec, formats: Sequence[str]) -> list[str]:
    """The files of ``spec`` already in ``out``, preferred formats first (all of FORMATS); none
    when its caption file is missing."""
    if not (out / f"{spec.name}.txt").is_file():
        return []
    order = list(formats) + [f for f in FORMATS if f not in formats]
    return [f"{spec.name}.{fmt}" for fmt in order if (out / f"{spec.name}.{fmt}").is_file()]


def write_gallery(
    out: Path,
    specs: Sequence[FigureSpec],
    *,
    formats: Sequence[str] = FORMATS,
    size: str = "default",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    page: Sequence[FigureSpec] | None = None,
) -> list[Path]:
    """Build each figure, save it as ``<out>/<name>.<fmt>`` with its caption as ``<out>/<name>.txt``,
    then write ``<out>/index.html``.

    Args:
      out: directory (created if missing).
      specs: the figures to build and write.
      formats: a non-empty subset of :data:`FORMATS`, in the order of preference.
      size: ``"quick"`` or ``"default"``.
      seed: passed to every builder.
      progress: called with a line as each figure starts and ends (e.g. a stderr writer), or None.
      page: the figures ``index.html`` may list, in page order (default ``specs``). Each one of
        ``specs`` is listed with the files just written; any other is listed when its files
        (from an earlier run) are in ``out``, so writing a few figures into an existing gallery
        keeps the others on the page. Figures of ``specs`` missing from ``page`` come last.
    Returns:
      The files written, index.html last.
    Raises:
      ValueError: an empty or unknown format list.
    """
    bad = [f for f in formats if f not in FORMATS]
    if not formats or bad:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}, got {list(formats)!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written, files_of = [], {}
    for i, spec in enumerate(specs, start=1):
        if progress is not None:
            progress(f"[{i}/{len(specs)}] {spec.name} ...")
        start = time.perf_counter()
        fig, caption = spec.build(seed=seed, size=size)
        files = [f"{spec.name}.{fmt}" for fmt in formats]
        for f in files:
            save(fig, out / f)
            written.append(out / f)
        (out / f"{spec.name}.txt").write_text(caption + "\n", encoding="utf-8")
        written.append(out / f"{spec.name}.txt")
        files_of[spec.name] = files
        if progress is not None:
            progress(f"[{i}/{len(specs)}] {spec.name}: written in {time.perf_counter() - start:.1f} s")
    listed = list(specs if page is None else page)
    listed += [spec for spec in specs if spec.name not in {p.name for p in listed}]
    entries = []
    for spec in listed:
        files = files_of.get(spec.name) or _existing_files(out, spec, formats)
        if files:
            entries.append((spec, (out / f"{spec.name}.txt").read_text(encoding="utf-8").strip(), files))
    index = out / "index.html"
    index.write_text(index_html(entries, size=size, seed=seed), encoding="utf-8")
    written.append(index)
    return written
