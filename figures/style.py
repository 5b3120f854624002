"""The one style of the gallery: legible in print and on a projector, colour-blind safe.

Every builder draws inside :func:`styled` (a ``matplotlib.rc_context``), so no rcParams leak to
callers, and on a :class:`matplotlib.figure.Figure` with an Agg canvas (:func:`new_figure`), so
no pyplot global state is touched and no display is needed.

Palette: Okabe & Ito (2008), "Color universal design", the eight colours distinguishable under
the common colour-vision deficiencies; each series also gets its own marker and line style, so
the figures read in greyscale too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "BAND_ALPHA",
    "DPI",
    "figure_text",
    "LINESTYLES",
    "MARKERS",
    "PALETTE",
    "new_figure",
    "save",
    "series",
    "styled",
]

#: Okabe–Ito: blue, vermillion, bluish green, orange, reddish purple, sky blue, yellow, black.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), "-", "--")
#: Opacity of confidence bands and shaded regions.
BAND_ALPHA = 0.25
#: Raster resolution of saved PNGs (a 6-inch-wide panel is 900 px: sharp on a projector).
DPI = 150

_RC = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 13,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.titlesize": 14,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.framealpha": 0.9,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",  # text stays text in SVG: searchable, editable, crisp
}


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """Apply the gallery's rcParams for the duration of the block only."""
    with matplotlib.rc_context(_RC):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 6.0, height: float = 4.5, **kwargs):
    """A Figure on an Agg canvas with a grid of axes, sized ``width × height`` inches per panel.

    Call inside :func:`styled` so the axes pick up the style.

    Returns:
      ``(fig, axes)`` with ``axes`` a 1-D array of the ``nrows·ncols`` Axes, row-major.
    """
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes.ravel()


def series(i: int) -> dict:
    """Colour, marker and line style of the i-th series (cycling), as ``plot`` keywords."""
    return {
        "color": PALETTE[i % len(PALETTE)],
        "marker": MARKERS[i % len(MARKERS)],
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
    }


def figure_text(fig: Figure) -> str:
    """The words a figure shows, computed from its data: figure titles, each axes' titles, axis
    labels, legend entries and annotations (not tick labels, which matplotlib places), one per
    line in drawing order.

    Saved into every PNG (its ``Description``), so a committed image can be checked against what
    its data give today without comparing pixels, which differ between font renderers.
    """
    parts = [t.get_text() for t in fig.texts]  # the suptitle among them
    for legend in fig.legends:
        parts += [t.get_text() for t in legend.get_texts()]
    for ax in fig.axes:
        parts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        parts += [ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        if (legend := ax.get_legend()) is not None:
            parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(p for p in parts if p)


def save(fig: Figure, path: Path) -> None:
    """Write ``fig`` to ``path`` (format from the suffix), in the gallery style, at :data:`DPI`.

    Deterministic: SVG gets a fixed hash salt and no date, PNG no date either; a PNG carries
    :func:`figure_text` as its ``Description``.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".")
    metadata = {"Date": None} if fmt == "svg" else {"Description": figure_text(fig)}
    with styled(), matplotlib.rc_context({"svg.hashsalt": "maxent-verify"}):
        fig.savefig(path, format=fmt, dpi=DPI, metadata=metadata)
