"""Figures of a fitted self-organizing map (chapter 05).

- :func:`prototype_image` tiles the prototypes of an image SOM into one picture;
- :func:`plot_prototypes` shows that picture, :func:`plot_umatrix` the U-matrix (cluster
  borders) and :func:`plot_class_hits` one hit map per class.

The maps are taken duck-typed (a fitted :class:`~unsuplab.models.SOM`: ``weights_``,
``distance_map()``, ``hit_map()``), so this module does not import the models.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number


def _cmaps():
    # the collection's colormaps, defined in the package __init__ (which imports this module)
    from . import CMAP, IMAGE_CMAP

    return CMAP, IMAGE_CMAP


def _grid_weights(som_or_weights):
    weights = getattr(som_or_weights, "weights_", som_or_weights)
    return check_array(weights, "weights", ndim=3, dtype_kind="f")


def prototype_image(som_or_weights, image_shape, *, gap=1):
    """Tile the prototypes of an image SOM into one array, unit ``(r, c)`` at tile ``(r, c)``.

    Args:
        som_or_weights: a fitted :class:`~unsuplab.models.SOM` or weights of shape
            ``(n_rows, n_cols, h * w [* channels])``.
        image_shape: ``(h, w)`` or ``(h, w, channels)``.
        gap: pixels of background between tiles.

    Returns:
        An array of shape ``(n_rows * (h + gap) - gap, n_cols * (w + gap) - gap[, channels])``;
        the gaps hold the maximum value so that they show as thin white lines.
    """
    weights = _grid_weights(som_or_weights)
    n_rows, n_cols, n_features = weights.shape
    shape = tuple(image_shape)
    if len(shape) not in (2, 3) or int(np.prod(shape)) != n_features:
        raise ValueError(
            f"image_shape must be (h, w) or (h, w, channels) with h*w*channels = {n_features}. "
            f"Received: image_shape={image_shape!r}"
        )
    gap = check_number(gap, "gap", low=0, integer=True)
    h, w = shape[:2]
    canvas = np.full(
        (n_rows * (h + gap) - gap, n_cols * (w + gap) - gap, *shape[2:]),
        weights.max(),
        dtype=np.float32,
    )
    for r in range(n_rows):
        for c in range(n_cols):
            top, left = r * (h + gap), c * (w + gap)
            canvas[top : top + h, left : left + w] = weights[r, c].reshape(shape)
    return canvas


def plot_prototypes(som_or_weights, image_shape, *, title="Prototypes", ax=None, size=6.0):
    """Show the prototype grid of an image SOM as one picture; returns the figure."""
    import matplotlib.pyplot as plt

    canvas = prototype_image(som_or_weights, image_shape)
    if ax is None:
        fig, ax = plt.subplots(figsize=(size, size))
    else:
        fig = ax.figure
    ax.imshow(np.clip(canvas, 0.0, 1.0), cmap=_cmaps()[1] if canvas.ndim == 2 else None)
    ax.set_title(title)
    ax.axis("off")
    return fig


def plot_umatrix(som, *, hits=None, title="U-matrix", ax=None, size=5.0):
    """Show the U-matrix of a fitted SOM (dark: similar neighbours; bright: a border).

    Args:
        hits: optional ``(n_rows, n_cols)`` counts (``som.hit_map(X)``); units that win no
            sample get a small cross.
    """
    import matplotlib.pyplot as plt

    umatrix = som.distance_map()
    if ax is None:
        fig, ax = plt.subplots(figsize=(size + 1.0, size))
    else:
        fig = ax.figure
    image = ax.imshow(umatrix, cmap=_cmaps()[0])
    fig.colorbar(image, ax=ax, label="mean distance to neighbours")
    if hits is not None:
        rows, cols = np.nonzero(np.asarray(hits) == 0)
        ax.scatter(cols, rows, marker="x", s=12, color="white", label="no hits")
        if len(rows):
            ax.legend(loc="upper right", fontsize=7)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title)
    ax.grid(False)
    return fig


def plot_class_hits(som, X, y, class_names, *, ncols=5, size=1.8):
    """One small map per class: how many samples of that class each unit wins."""
    import matplotlib.pyplot as plt

    counts = som.hit_map(X, y, n_classes=len(class_names))
    nrows = int(np.ceil(len(class_names) / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size * ncols, (size + 0.3) * nrows + 0.5),
        squeeze=False,
        layout="constrained",  # titles clear of the maps above (tight_layout let them overlap)
    )
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(class_names):
            ax.imshow(counts[k], cmap=_cmaps()[0])
            ax.set_title(class_names[k], fontsize=9)
    fig.suptitle("Class hit maps: samples of each class won by each unit (bright: many)")
    return fig


__all__ = ["plot_class_hits", "plot_prototypes", "plot_umatrix", "prototype_image"]
