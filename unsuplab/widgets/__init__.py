"""Interactive explorers (ipywidgets) that also execute headless.

:class:`Explorer` is the base every chapter's widget builds on; chapters add their own
explorers as functions returning an :class:`Explorer`.
"""

from .base import Explorer
from .browser import dataset_browser
from .clustering import cluster_browser, retrieval_explorer
from .diffusion import guidance_explorer, reverse_process_explorer
from .fewlabel import fewlabel_explorer
from .latent import interpolation_explorer, latent_explorer

__all__ = [
    "Explorer",
    "cluster_browser",
    "dataset_browser",
    "fewlabel_explorer",
    "guidance_explorer",
    "interpolation_explorer",
    "latent_explorer",
    "retrieval_explorer",
    "reverse_process_explorer",
]
