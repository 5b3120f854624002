"""Teaching figures drawn from ``theory``; ``python -m figures`` writes the captioned gallery.

Each figure has a data function (``<name>_data(*, seed, size)``, arrays only), a plot function
(``plot_<name>(data) -> Figure``) and the two composed (``<name>(*, seed, size) -> Figure``);
:data:`FIGURES` lists them with their captions and claim ids.
"""

from figures.gallery import write_gallery
from figures.registry import FIGURES, FigureSpec, select
from mdps import __version__

__all__ = ["FIGURES", "FigureSpec", "__version__", "select", "write_gallery"]
