"""Chapter 06 reference solutions and planted wrong answers (questions: answers.md)."""

import numpy as np


def lloyd_step(x, centres):
    d = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    labels = d.argmin(axis=1)
    new = np.array(centres, dtype=float)  # a copy
    for j in range(len(centres)):
        if np.any(labels == j):
            new[j] = x[labels == j].mean(axis=0)
    return labels, new


def dec_target(z, centres, alpha):
    d2 = ((z[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    kernel = (1.0 + d2 / alpha) ** (-(alpha + 1.0) / 2.0)
    q = kernel / kernel.sum(axis=1, keepdims=True)
    weight = q**2 / q.sum(axis=0)
    return q, weight / weight.sum(axis=1, keepdims=True)


def average_precision(relevance):
    r = np.asarray(relevance, dtype=float)
    if r.sum() == 0:
        return 0.0
    precision = np.cumsum(r) / np.arange(1, len(r) + 1)
    return float((precision * r).sum() / r.sum())


def soft_assignment(z, centers, alpha):
    from keras import ops

    d2 = ops.sum(ops.square(z[:, None, :] - centers[None, :, :]), axis=-1)
    kernel = ops.power(1.0 + d2 / alpha, -(alpha + 1.0) / 2.0)
    return kernel / ops.sum(kernel, axis=1, keepdims=True)


SOLUTIONS = {"06.1": lloyd_step, "06.2": dec_target, "06.3": average_precision,
             "06.4": soft_assignment}


def _lloyd_sum(x, centres):
    """The centres move to the *sum* of their points."""
    labels, _ = lloyd_step(x, centres)
    new = np.array(centres, dtype=float)
    for j in range(len(centres)):
        if np.any(labels == j):
            new[j] = x[labels == j].sum(axis=0)
    return labels, new


WRONG = {
    "06.1": _lloyd_sum,
    "06.2": lambda z, c, a: (dec_target(z, c, a)[0],  # the target without f_j
                             dec_target(z, c, a)[0] ** 2
                             / (dec_target(z, c, a)[0] ** 2).sum(1, keepdims=True)),
    "06.3": lambda r: float(np.mean(np.cumsum(r) / np.arange(1, len(r) + 1))),  # every rank
    "06.4": lambda z, c, a: __import__("keras").ops.softmax(  # a Gaussian kernel
        -__import__("keras").ops.sum(__import__("keras").ops.square(z[:, None] - c[None]), -1),
        axis=-1),
}

# The answers to the conceptual questions (06.C1-06.C4) and the open exercise 06.5 are in
# solutions/answers.md.
