"""k-means on raw pixels: the first unsupervised baseline of the collection (chapter 00)."""

from __future__ import annotations

import numpy as np

from .._validation import check_images, check_number, check_random_state


def kmeans_pixels(x, *, n_clusters=10, n_init=10, seed=0):
    """Fit scikit-learn's ``KMeans`` on flattened images scaled to [0, 1].

    Args:
        x: images, uint8 (N, H, W[, C]) or float in [0, 1].
        n_clusters: k.
        n_init: restarts (the best inertia wins).
        seed: ``random_state``.

    Returns:
        The fitted ``sklearn.cluster.KMeans``; its ``cluster_centers_`` reshape to images.
    """
    from sklearn.cluster import KMeans

    x = check_images(x, "x", ndim=(2, 3, 4), dtype_kind="uif")
    n_clusters = check_number(n_clusters, "n_clusters", low=1, integer=True)
    n_init = check_number(n_init, "n_init", low=1, high=1000, integer=True)
    seed = check_random_state(seed)
    if n_clusters > len(x):
        raise ValueError(f"n_clusters must be <= the number of images ({len(x)}). "
                         f"Received: n_clusters={n_clusters}")
    flat = flatten(x)
    return KMeans(n_clusters=n_clusters, n_init=n_init, random_state=seed).fit(flat)


def flatten(x) -> np.ndarray:
    """Images (uint8, or float in [0, 1]) -> float32 rows in [0, 1]: (N, H, W[, C]) ->
    (N, H*W*C)."""
    x = check_images(x, "x", ndim=(2, 3, 4), dtype_kind="uif")
    flat = x.reshape(len(x), -1)
    return flat.astype(np.float32) / 255.0 if x.dtype.kind in "ui" else flat.astype(np.float32)
