"""Helpers shared by the figure modules: the size switch and line lookup by ``gid``."""

from __future__ import annotations

from matplotlib.figure import Figure

__all__ = ["LEVEL", "SIZES", "lines_by_gid", "pick"]

#: Sizes every figure accepts: "quick" for tests and previews, "default" for the gallery.
SIZES = ("quick", "default")

#: Confidence level of every interval band the figures draw (theory.stats computes them).
LEVEL = 0.99


def pick(size: str, quick, default):
    """The value for ``size``. Raises ValueError naming the bad size."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    return quick if size == "quick" else default


def lines_by_gid(fig: Figure) -> dict[str, object]:
    """Every Line2D and collection of ``fig`` that carries a ``gid``, keyed by it.

    The builders tag each plotted data series with a gid naming the data field it shows, so a
    test can compare the plotted arrays with the data function's output (data, not pixels).
    """
    out = {}
    for ax in fig.axes:
        for artist in (*ax.lines, *ax.collections, *ax.images):
            gid = artist.get_gid()
            if gid is not None:
                if gid in out:
                    raise ValueError(f"two artists share the gid {gid!r}")
                out[gid] = artist
    return out
