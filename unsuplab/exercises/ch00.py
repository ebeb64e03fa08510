"""Chapter 00 exercises: pixel statistics, the k-means assignment step, clustering accuracy."""

from __future__ import annotations

import numpy as np

from ..metrics import cluster_accuracy
from .core import Mismatch, exercise, expect_close


def _images(seed=0, n=6, size=5):
    return np.random.default_rng(seed).integers(0, 256, size=(n, size, size), dtype=np.uint8)


@exercise("00.1", "the mean image")
def check_mean_image(mean_image):
    """``mean_image(images)``: uint8 (N, H, W) -> float per-pixel mean in [0, 1], shape (H, W)."""
    for seed in (0, 1):
        images = _images(seed)
        got = np.asarray(mean_image(images.copy()))
        expected = images.astype(np.float64).mean(axis=0) / 255.0
        if got.shape == images.shape[1:] and np.allclose(got, expected * 255.0, rtol=1e-4):
            raise Mismatch("Your values are 255 times too large: scale the uint8 pixels to [0, 1].")
        if got.shape == (images.shape[0],):
            raise Mismatch("You averaged each image over its pixels; average over the images "
                           "(axis 0) instead, one value per pixel.")
        expect_close(got, expected, what="Your mean image", rtol=1e-4,
                     hint="average over axis 0 and divide by 255")


@exercise("00.2", "the k-means assignment step")
def check_assign(assign):
    """``assign(x, centroids)``: (N, D), (K, D) -> index of the nearest centroid, shape (N,)."""
    rng = np.random.default_rng(2)
    centroids = rng.normal(size=(4, 3))
    x = np.concatenate([c + 0.05 * rng.normal(size=(5, 3)) for c in centroids])
    x = x[rng.permutation(len(x))]
    got = np.asarray(assign(x.copy(), centroids.copy()))
    d = ((x[:, None, :] - centroids[None]) ** 2).sum(-1)
    if got.shape != (len(x),):
        raise Mismatch(f"Return one centroid index per row of x: shape ({len(x)},); "
                       f"yours has shape {got.shape}.")
    if np.array_equal(got, d.argmax(1)):
        raise Mismatch("You picked the farthest centroid: take the smallest distance.")
    if not np.array_equal(got, d.argmin(1)):
        wrong = int(np.sum(got != d.argmin(1)))
        raise Mismatch(f"{wrong} of {len(x)} points are assigned to a centroid that is not the "
                       "nearest. Compare squared Euclidean distances over the feature axis.")


@exercise("00.3", "clustering accuracy with the best matching")
def check_cluster_accuracy(accuracy):
    """``accuracy(y_true, y_pred)``: best one-to-one cluster->class matching, then accuracy."""
    cases = [
        ([0, 0, 1, 1, 2, 2], [1, 1, 2, 2, 0, 0]),
        ([0, 0, 1, 1, 1, 0], [5, 5, 5, 7, 7, 7]),
        ([0, 1, 2, 0, 1, 2, 0, 0], [0, 0, 1, 1, 2, 2, 2, 2]),
    ]
    for y_true, y_pred in cases:
        got = float(accuracy(np.array(y_true), np.array(y_pred)))
        expected = cluster_accuracy(y_true, y_pred)
        plain = float(np.mean(np.array(y_true) == np.array(y_pred)))
        if np.isclose(got, plain) and not np.isclose(plain, expected):
            raise Mismatch("You compared cluster ids with class ids directly; cluster numbers "
                           "are arbitrary: match clusters to classes first (Hungarian).")
        if not np.isclose(got, expected):
            raise Mismatch(f"For y_true={y_true}, y_pred={y_pred} your accuracy is {got:.3f}; "
                           "check that each cluster maps to a different class.")
