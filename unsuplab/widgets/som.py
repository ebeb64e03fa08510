"""Chapter 05: figures of a self-organizing map, and an explorer that retrains one live.

- :func:`prototype_image` tiles the prototypes of an image SOM into one picture;
- :func:`plot_prototypes`, :func:`plot_umatrix`, :func:`plot_class_hits` draw a fitted map;
- :func:`som_explorer` retrains a small SOM whenever sigma, the learning rate or the map size
  moves, and redraws its prototypes and U-matrix (it runs headless too).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number
from ..viz import CMAP, IMAGE_CMAP
from .base import Explorer


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
    ax.imshow(np.clip(canvas, 0.0, 1.0), cmap=IMAGE_CMAP if canvas.ndim == 2 else None)
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
    image = ax.imshow(umatrix, cmap=CMAP)
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
        nrows, ncols, figsize=(size * ncols, size * nrows + 0.5), squeeze=False
    )
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(class_names):
            ax.imshow(counts[k], cmap=CMAP)
            ax.set_title(class_names[k], fontsize=9)
    fig.suptitle("Class hit maps: samples of each class won by each unit (bright: many)")
    fig.tight_layout(h_pad=1.5)
    return fig


def som_explorer(X, *, image_shape=None, n_epochs=5, batch_size=64, max_size=16, random_state=0):
    """Retrain a small SOM on ``X`` whenever a control moves; draw its prototypes and U-matrix.

    Args:
        X: training data, shape ``(n_samples, n_features)``; keep it small (a few thousand
            samples) so that retraining takes about a second.
        image_shape: ``(h, w)`` or ``(h, w, 3)`` when each sample is an image: the prototypes
            are drawn as a mosaic. Without it, 2-D data is drawn with the map as a mesh over
            it, and 3-D data as colours (one pixel per unit).
        n_epochs, batch_size, random_state: passed to :class:`~unsuplab.models.SOM`.
        max_size: largest map side on the size slider.

    Returns:
        An :class:`Explorer` with controls ``sigma``, ``learning_rate`` and ``size``.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ..models import SOM

    X = check_array(X, "X", ndim=2, dtype_kind="uif")
    X = X.astype(np.float32)
    n_features = X.shape[1]
    if image_shape is None and n_features not in (2, 3):
        raise ValueError(
            "Without image_shape, X must have 2 (points) or 3 (colours) features. "
            f"Received: X of shape {X.shape}"
        )
    if image_shape is not None and int(np.prod(image_shape)) != n_features:
        raise ValueError(
            f"image_shape must hold {n_features} values per sample. "
            f"Received: image_shape={image_shape!r}"
        )
    max_size = check_number(max_size, "max_size", low=3, integer=True)
    controls = {
        "sigma": widgets.FloatSlider(
            value=2.0, min=0.3, max=8.0, step=0.1, description="sigma", continuous_update=False
        ),
        "learning_rate": widgets.FloatSlider(
            value=0.5,
            min=0.05,
            max=1.0,
            step=0.05,
            description="learning rate",
            continuous_update=False,
        ),
        "size": widgets.IntSlider(
            value=min(8, max_size),
            min=2,
            max=max_size,
            description="map size",
            continuous_update=False,
        ),
    }

    def render(sigma, learning_rate, size):
        som = SOM(
            size,
            size,
            sigma=sigma,
            learning_rate=learning_rate,
            n_epochs=n_epochs,
            batch_size=batch_size,
            random_state=random_state,
        ).fit(X)
        qe, te = som.quantization_error(X), som.topographic_error(X)
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
        if image_shape is not None:
            plot_prototypes(som, image_shape, ax=left, title=f"{size}x{size} prototypes")
        elif n_features == 3:
            left.imshow(np.clip(som.weights_, 0.0, 1.0))
            left.set_title(f"{size}x{size} prototypes as colours")
            left.axis("off")
        else:
            w = som.weights_
            left.scatter(X[:, 0], X[:, 1], s=3, alpha=0.3, color="#56B4E9", label="data")
            left.plot(w[..., 0], w[..., 1], color="#D55E00", lw=1)  # columns of the mesh
            left.plot(w[..., 0].T, w[..., 1].T, color="#D55E00", lw=1)  # rows
            left.scatter(w[..., 0], w[..., 1], s=8, color="#D55E00", label="units")
            left.set_xlabel("$x_1$")
            left.set_ylabel("$x_2$")
            left.set_title(f"{size}x{size} map in data space")
        plot_umatrix(som, ax=right)
        fig.suptitle(
            f"sigma={sigma:.1f}, learning rate={learning_rate:.2f}: "
            f"quantization error {qe:.3f}, topographic error {te:.3f}"
        )
        fig.tight_layout()
        return fig

    return Explorer(render, controls, title="Self-organizing map: retrained on each change")


__all__ = ["plot_class_hits", "plot_prototypes", "plot_umatrix", "prototype_image", "som_explorer"]
