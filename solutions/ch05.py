"""Chapter 05 reference solutions (and a planted wrong answer for each)."""

import numpy as np


def bmu(x, weights):
    d2 = ((weights - x) ** 2).sum(axis=-1)
    return np.unravel_index(np.argmin(d2), d2.shape)


def gaussian_neighborhood(d, sigma):
    return np.exp(-(np.asarray(d) ** 2) / (2.0 * sigma**2))


def update(weights, x, sigma, learning_rate):
    r, c = bmu(x, weights)
    rows, cols = np.indices(weights.shape[:2])
    h = gaussian_neighborhood(np.sqrt((rows - r) ** 2 + (cols - c) ** 2), sigma)
    return weights + learning_rate * h[..., None] * (x - weights)


def quantization_error(X, weights):
    w = weights.reshape(-1, weights.shape[-1])
    d = np.sqrt(((X[:, None, :] - w[None]) ** 2).sum(axis=-1))
    return d.min(axis=1).mean()


SOLUTIONS = {
    "05.1": bmu,
    "05.2": gaussian_neighborhood,
    "05.3": update,
    "05.4": quantization_error,
}

WRONG = {
    # the flat index instead of (row, col)
    "05.1": lambda x, w: int(((w - x) ** 2).sum(-1).argmin()),
    # forgot the 2 in 2 sigma^2
    "05.2": lambda d, sigma: np.exp(-(np.asarray(d) ** 2) / sigma**2),
    # only the winner moves (k-means' online rule, no neighbourhood)
    "05.3": lambda w, x, sigma, lr: np.where(
        np.arange(w.shape[0] * w.shape[1]).reshape(w.shape[:2])[..., None]
        == ((w - x) ** 2).sum(-1).argmin(),
        w + lr * (x - w),
        w,
    ),
    # mean squared distance
    "05.4": lambda X, w: (
        (((X[:, None] - w.reshape(-1, w.shape[-1])[None]) ** 2).sum(-1)).min(1).mean()
    ),
}
