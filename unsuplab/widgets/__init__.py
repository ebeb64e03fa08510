"""Interactive explorers (ipywidgets) that also execute headless.

:class:`Explorer` is the base every chapter's widget builds on; chapters add their own
explorers as functions returning an :class:`Explorer`.
"""

from .base import Explorer
from .browser import dataset_browser
from .latent import interpolation_explorer, latent_explorer

__all__ = ["Explorer", "dataset_browser", "interpolation_explorer", "latent_explorer"]
