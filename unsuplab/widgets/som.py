"""Chapter 05: an explorer that retrains a self-organizing map live.

:func:`som_explorer` retrains a small SOM whenever sigma, the learning rate or the map size
moves, and redraws its prototypes and U-matrix (it runs headless too). The static figures it
draws with are in :mod:`unsuplab.viz.som`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number
from ..viz import plot_prototypes, plot_umatrix
from .base import Explorer


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
    wide = {"description_width": "initial"}  # room for "learning rate" without cutting it
    controls = {
        "sigma": widgets.FloatSlider(
            value=2.0,
            min=0.3,
            max=8.0,
            step=0.1,
            description="sigma",
            continuous_update=False,
            style=wide,
        ),
        "learning_rate": widgets.FloatSlider(
            value=0.5,
            min=0.05,
            max=1.0,
            step=0.05,
            description="learning rate",
            continuous_update=False,
            style=wide,
        ),
        "size": widgets.IntSlider(
            value=min(8, max_size),
            min=2,
            max=max_size,
            description="map size",
            continuous_update=False,
            style=wide,
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


__all__ = ["som_explorer"]
