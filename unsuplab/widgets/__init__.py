"""Interactive explorers (ipywidgets) that also execute headless.

:class:`Explorer` is the base every chapter's widget builds on; chapters add their own
explorers as functions returning an :class:`Explorer`.
"""

from .base import Explorer
from .browser import dataset_browser

__all__ = ["Explorer", "dataset_browser"]
