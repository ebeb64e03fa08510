"""Chapter 07 explorer: pick an image, a method and k; see the overlay and the score live."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import Explorer, display_name, dropdown_options


def segmentation_explorer(images: dict, segment: Callable, methods, *, truths=None, k=4,
                          method=None):
    """An :class:`Explorer` that segments the chosen image with the chosen method and k.

    Args:
        images: ``name -> (H, W, 3) image`` in [0, 1].
        segment: ``segment(image, k, method) -> labels (H, W)`` (or a result with a
            ``labels`` attribute): e.g. :func:`unsuplab.chapters.ch07.segment`.
        methods: the method names offered.
        truths: optional ``name -> (H, W) label map``; images with a truth show their mIoU
            and ARI.
        k: the initial number of segments (2..8).
        method: the initial method (default: the first of ``methods``).

    Returns:
        An :class:`Explorer` with controls ``image``, ``method`` and ``k``.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ..metrics.segmentation import miou, pixel_ari
    from ..viz.segmentation import overlay, show_labels

    if not isinstance(images, dict) or not images:
        raise ValueError(f"images must be a non-empty dict name -> image. Received: {images!r}")
    if not callable(segment):
        raise TypeError(f"segment must be callable. Received: segment={segment!r}")
    methods = tuple(methods)
    if not methods:
        raise ValueError("methods must name at least one method. Received: methods=()")
    truths = dict(truths or {})
    unknown = [n for n in truths if n not in images]
    if unknown:
        raise ValueError(f"truths has a name that images lacks: {unknown[0]!r}")
    method = methods[0] if method is None else method
    if method not in methods:
        raise ValueError(f"method must be one of {methods}. Received: method={method!r}")

    def render(image, method, k):
        x = images[image]
        result = segment(x, k, method)
        labels = np.asarray(getattr(result, "labels", result))
        truth = truths.get(image)
        n = 3 if truth is not None else 2
        fig, axes = plt.subplots(1, n, figsize=(3.0 * n, 3.3))
        axes[0].imshow(x)
        axes[0].set_title(image, fontsize=9)
        axes[0].axis("off")
        axes[1].imshow(overlay(x, labels))
        axes[1].axis("off")
        score = ""
        if truth is not None:
            score = f"\nmIoU {miou(truth, labels):.2f}, ARI {pixel_ari(truth, labels):.2f}"
            show_labels(axes[2], truth, title="ground truth")
        axes[1].set_title(f"{display_name(method)}, k={k}{score}", fontsize=9)
        fig.tight_layout()
        return fig

    controls = {
        "image": widgets.Dropdown(options=list(images), value=next(iter(images)),
                                  description="image"),
        "method": widgets.Dropdown(options=dropdown_options(methods), value=method,
                                  description="method"),
        "k": widgets.IntSlider(value=int(k), min=2, max=8, description="k",
                               continuous_update=False,
                               layout=widgets.Layout(width="260px")),
    }
    return Explorer(render, controls, title="Segment an image: method and number of segments")


__all__ = ["segmentation_explorer"]
