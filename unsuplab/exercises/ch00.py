"""Chapter 00 exercises: pixel statistics, the k-means assignment step, clustering accuracy.

The test inputs are built so that the usual wrong answers give a different result from the
right one (``tests/exercises/test_mutations.py`` tries them): points whose nearest centroid
changes with the distance used, and label sets where two clusters share a majority class or a
greedy matching is not the best one.
"""

from __future__ import annotations

import functools

import numpy as np

from ..metrics import cluster_accuracy
from .core import Mismatch, as_array, as_number, describe, exercise, expect_close


def _images(seed=0, n=6, size=5):
    return np.random.default_rng(seed).integers(0, 256, size=(n, size, size), dtype=np.uint8)


@exercise("00.1", "the mean image")
def check_mean_image(mean_image):
    """``mean_image(images)``: uint8 (N, H, W) -> float per-pixel mean in [0, 1], shape (H, W)."""
    for seed, n in ((0, 6), (1, 7)):
        images = _images(seed, n=n)
        got = as_array(mean_image(images.copy()), "Your mean image")
        expected = images.astype(np.float64).mean(axis=0) / 255.0
        if got.shape == expected.shape and np.allclose(got, expected * 255.0, rtol=1e-4):
            raise Mismatch("Your values are 255 times too large: scale the uint8 pixels to [0, 1].")
        if got.shape == (len(images),):
            raise Mismatch("You averaged each image over its pixels; average over the images "
                           "(axis 0) instead, one value per pixel.")
        if got.shape == expected.shape and np.allclose(got, expected * len(images), rtol=1e-4):
            raise Mismatch("You summed the images: divide by their number (take the mean).")
        expect_close(got, expected, what="Your mean image", rtol=1e-5,
                     hint="one value per pixel, averaged over the images, on the [0, 1] scale")


def _nearest(x, centroids, distance):
    diff = x[:, None, :] - centroids[None]
    d = {"l2": (diff**2).sum(-1), "l1": np.abs(diff).sum(-1), "max": np.abs(diff).max(-1),
         "dot": -x @ centroids.T}[distance]
    return d.argmin(axis=1)


@functools.cache
def _assign_cases():
    """Spread-out points and centroids (not tight clusters) for which the L1, max-coordinate
    and dot-product choices each differ from the Euclidean one on some points."""
    cases = []
    for seed in range(100):
        rng = np.random.default_rng(seed)
        x, centroids = rng.normal(size=(12, 3)), rng.normal(size=(5, 3))
        right = _nearest(x, centroids, "l2")
        if all((_nearest(x, centroids, d) != right).any() for d in ("l1", "max", "dot")):
            cases.append((x, centroids))
        if len(cases) == 2:
            return cases
    raise RuntimeError("no separating case found")  # pragma: no cover


@exercise("00.2", "the k-means assignment step")
def check_assign(assign):
    """``assign(x, centroids)``: (N, D), (K, D) -> index of the nearest centroid (Euclidean),
    shape (N,)."""
    for x, centroids in _assign_cases():
        result = assign(x.copy(), centroids.copy())
        got = as_array(result, "Your assignment")
        if got.shape != (len(x),):
            raise Mismatch(f"Return one centroid index per row of x, shape ({len(x)},); yours "
                           f"is {describe(result)}.")
        right = _nearest(x, centroids, "l2")
        if np.array_equal(got, right):
            continue
        d2 = ((x[:, None] - centroids[None]) ** 2).sum(-1)
        if np.array_equal(got, d2.argmax(1)):
            raise Mismatch("You picked the farthest centroid: take the smallest distance.")
        if np.ptp(got) == 0:
            raise Mismatch("Every point got the same centroid: compare each point with every "
                           "centroid and take the nearest.")
        for distance, advice in (
            ("l1", "the sum of absolute differences (L1 distance)"),
            ("max", "the largest coordinate difference (max distance)"),
            ("dot", "the largest dot product x·c (it favours long centroids)"),
        ):
            if np.array_equal(got, _nearest(x, centroids, distance)):
                raise Mismatch(f"You used {advice}; k-means assigns by the Euclidean distance "
                               "(its square is enough to compare).")
        wrong = int(np.sum(got != right))
        raise Mismatch(f"{wrong} of {len(x)} points are assigned to a centroid that is not the "
                       "nearest. Compare squared Euclidean distances over the feature axis.")


def _counts(y_true, y_pred):
    classes, t = np.unique(y_true, return_inverse=True)
    clusters, p = np.unique(y_pred, return_inverse=True)
    counts = np.zeros((len(clusters), len(classes)), dtype=int)
    np.add.at(counts, (p, t), 1)
    return counts


def _greedy(counts, by_cell):
    """Matches taken one at a time: the largest remaining cell, or each cluster in turn."""
    counts, total = counts.astype(float), 0.0
    for row in range(min(counts.shape)):
        if by_cell:
            r, c = np.unravel_index(np.argmax(counts), counts.shape)
        else:
            r, c = row, int(np.argmax(counts[row]))
        total += max(counts[r, c], 0.0)
        counts[r, :], counts[:, c] = -1.0, -1.0
    return total


# (y_true, y_pred): a renaming; two clusters with the same majority class (purity 5/6, ACC
# 4/6); a greedy largest-cell match that is not the best; a greedy cluster-by-cluster match that
# is not the best; more clusters than classes. Cluster ids differ from class ids.
_ACCURACY_CASES = [
    ([0, 0, 1, 1, 2, 2], [1, 1, 2, 2, 0, 0]),
    ([0, 0, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1]),
    ([0, 0, 0, 1, 1, 0, 0], [4, 4, 4, 4, 4, 9, 9]),
    ([0, 0, 1, 0, 0, 0], [3, 3, 3, 5, 5, 5]),
    ([0, 0, 1, 1, 1, 1], [2, 2, 0, 0, 1, 1]),
]


def _minimum(counts):
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(counts)
    return counts[rows, cols].sum()


@exercise("00.3", "clustering accuracy with the best matching",
          library=("unsuplab.metrics.cluster_accuracy",))
def check_cluster_accuracy(accuracy):
    """``accuracy(y_true, y_pred)``: best one-to-one cluster->class matching, then accuracy."""
    got, expected, mistakes = [], [], {}
    for y_true, y_pred in _ACCURACY_CASES:
        got.append(as_number(accuracy(np.array(y_true), np.array(y_pred)), "Your accuracy"))
        right = cluster_accuracy(y_true, y_pred)
        expected.append(right)
        n, counts = len(y_true), _counts(y_true, y_pred)
        for key, value in (
            ("purity", counts.max(axis=1).sum() / n),
            ("greedy", _greedy(counts, True) / n),
            ("greedy-by-cluster", _greedy(counts, False) / n),
            ("minimum", _minimum(counts) / n),
            ("error", 1.0 - right),
            ("count", right * n),
            ("ids", np.mean(np.array(y_true) == np.array(y_pred))),
        ):
            mistakes.setdefault(key, []).append(value)
    wrong = [i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if not np.isclose(g, e)]
    if not wrong:
        return
    y_true, y_pred = _ACCURACY_CASES[wrong[0]]
    case = f"For y_true={y_true}, y_pred={y_pred} your accuracy is {got[wrong[0]]:.3f}"
    advice = {
        "purity": "that is the purity (each cluster takes its majority class, even one another "
                  "cluster already took). The matching must be one-to-one: two clusters cannot "
                  "both count as the same class.",
        "greedy": "a greedy matching (best pair first, then the rest) is not always the best "
                  "one-to-one matching; search over all of them "
                  "(scipy.optimize.linear_sum_assignment(..., maximize=True)).",
        "minimum": "your matching minimises the matches: linear_sum_assignment minimises a cost "
                   "unless you pass maximize=True.",
        "error": "that is the error rate, 1 - accuracy: count the matches, not the misses.",
        "count": "that is a count of matches; divide by the number of samples.",
        "ids": "you compared cluster ids with class ids directly; cluster numbers are "
               "arbitrary: match clusters to classes first (Hungarian).",
    }
    advice["greedy-by-cluster"] = advice["greedy"]
    for key, values in mistakes.items():
        if np.allclose(got, values):
            raise Mismatch(f"{case}: {advice[key]}")
    raise Mismatch(f"{case}; check that each cluster maps to a different class, chosen to "
                   "maximise the total number of matches.")
