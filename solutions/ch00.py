"""Chapter 00 reference solutions (and a planted wrong answer for each)."""

import numpy as np
from scipy.optimize import linear_sum_assignment


def mean_image(images):
    return images.astype(np.float64).mean(axis=0) / 255.0


def assign(x, centroids):
    d = ((x[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1)
    return d.argmin(axis=1)


def accuracy(y_true, y_pred):
    k = max(y_true.max(), y_pred.max()) + 1
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y_pred, y_true), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return counts[rows, cols].sum() / len(y_true)


SOLUTIONS = {"00.1": mean_image, "00.2": assign, "00.3": accuracy}

WRONG = {
    "00.1": lambda images: images.astype(np.float64).mean(axis=0),  # forgot / 255
    "00.2": lambda x, c: ((x[:, None] - c[None]) ** 2).sum(-1).argmax(1),  # farthest
    "00.3": lambda y_true, y_pred: np.mean(y_true == y_pred),  # no matching
}
