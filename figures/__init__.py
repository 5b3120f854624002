"""Teaching figures drawn from ``theory``; ``python -m figures`` writes the captioned gallery.

Each figure has a data function (``<name>_data(*, seed, size)``, arrays only), a plot function
(``plot_<name>(data) -> Figure``) and the two composed (``<name>(*, seed, size) -> Figure``);
:data:`FIGURES` lists them with their captions (functions of the data) and claim ids.
:mod:`figures.problem` draws the same kinds of figure for any FiniteMDP or Gymnasium id and the
user's temperatures; :mod:`figures.walkthrough` writes the deck slide by slide.
"""

from figures.gallery import write_gallery
from figures.problem import (
    contraction_figure,
    convergence_figure,
    policy_improvement_figure,
    problem_figures,
    temperature_figure,
)
from figures.registry import FIGURES, FigureSpec, select
from mdps import __version__

__all__ = [
    "FIGURES",
    "FigureSpec",
    "__version__",
    "contraction_figure",
    "convergence_figure",
    "policy_improvement_figure",
    "problem_figures",
    "select",
    "temperature_figure",
    "write_gallery",
]
