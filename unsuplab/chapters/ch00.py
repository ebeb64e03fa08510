"""Chapter 00 — set-up and data: Fashion-MNIST and the k-means baseline on raw pixels.

The protocol the notebook and ``benchmarks/setup_data.py`` share: k-means (k = 10, the best of
``kmeans.n_init`` restarts) fitted on a seeded, class-balanced subset of ``kmeans.train_size``
training images, scored with ACC / NMI / ARI on that subset and on the whole test set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import config, data, metrics
from ..models.kmeans import flatten, kmeans_pixels


@dataclass(frozen=True)
class Data:
    """Fashion-MNIST as uint8 arrays: (N, 28, 28) images, (N,) labels, the class names."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple


def load_data() -> Data:
    """The whole of Fashion-MNIST (60 000 training and 10 000 test images), offline first."""
    (x_train, y_train), (x_test, y_test), class_names = data.load_fashion_mnist()
    return Data(x_train, y_train, x_test, y_test, tuple(class_names))


@dataclass(frozen=True)
class KMeansBaseline:
    """A fitted k-means on raw pixels with its scores (``{"acc", "nmi", "ari"}`` dicts)."""

    model: object
    x_fit: np.ndarray
    y_fit: np.ndarray
    fit_scores: dict
    test_scores: dict
    fit_seconds: float


def kmeans_baseline(d: Data, *, n_fit=None, n_init=None, seed=0) -> KMeansBaseline:
    """Fit k-means (k = 10) on raw pixels of a seeded, class-balanced subset and score it.

    Args:
        d: the data of :func:`load_data`.
        n_fit: training images used (default: the ``kmeans.train_size`` setting).
        n_init: restarts, the lowest inertia wins (default: ``kmeans.n_init``).
        seed: seeds the subset and k-means.
    """
    n_fit = config.setting("kmeans.train_size") if n_fit is None else n_fit
    n_init = config.setting("kmeans.n_init") if n_init is None else n_init
    config.set_seed(seed)
    x_fit, y_fit = data.subset(d.x_train, d.y_train, n_fit, seed=seed)
    start = time.perf_counter()
    km = kmeans_pixels(x_fit, n_clusters=10, n_init=n_init, seed=seed)
    seconds = time.perf_counter() - start
    return KMeansBaseline(
        model=km,
        x_fit=x_fit,
        y_fit=y_fit,
        fit_scores=metrics.clustering_scores(y_fit, km.labels_),
        test_scores=metrics.clustering_scores(d.y_test, km.predict(flatten(d.x_test))),
        fit_seconds=seconds,
    )


__all__ = ["Data", "KMeansBaseline", "kmeans_baseline", "load_data"]
