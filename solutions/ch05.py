"""Chapter 05 reference solutions (and a planted wrong answer for each)."""

import numpy as np
from keras import ops


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


def batch_update(weights, x, h, learning_rate):
    scores = ops.sum(weights * weights, axis=1)[None, :] - 2.0 * ops.matmul(
        x, ops.transpose(weights))  # ||x - w||^2 - ||x||^2: enough to rank the units
    h_b = ops.take(h, ops.argmin(scores, axis=1), axis=0)  # (B, K): h_{c_b j}
    pulled = ops.matmul(ops.transpose(h_b), x)  # sum_b h_{c_b j} x_b
    mass = ops.sum(h_b, axis=0)
    step = learning_rate / ops.maximum(1.0, learning_rate * ops.sum(ops.abs(h_b), axis=0))
    return weights + step[:, None] * (pulled - mass[:, None] * weights)


def _uncapped_batch_update(weights, x, h, learning_rate):
    d2 = ops.sum((x[:, None, :] - weights[None]) ** 2, axis=-1)
    h_b = ops.take(h, ops.argmin(d2, axis=1), axis=0)
    return weights + learning_rate * (
        ops.matmul(ops.transpose(h_b), x) - ops.sum(h_b, axis=0)[:, None] * weights
    )


SOLUTIONS = {
    "05.1": bmu,
    "05.2": gaussian_neighborhood,
    "05.3": update,
    "05.4": quantization_error,
    "05.6": batch_update,
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
    "05.6": _uncapped_batch_update,  # no cap: a large batch overshoots
}
