"""Chapter 08 reference solutions and planted wrong answers (questions: answers.md)."""

import numpy as np


def draw(y, n_labels, seed):
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    per_class = n_labels // len(classes)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                           for c in classes])


def nt_xent(z1, z2, temperature):
    z = np.concatenate([z1, z2])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    s = z @ z.T / temperature
    n = len(z1)
    np.fill_diagonal(s, -np.inf)  # the anchor is not its own negative
    partner = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    top = s.max(axis=1, keepdims=True)  # log-sum-exp, stably
    log_den = np.log(np.exp(s - top).sum(axis=1)) + top[:, 0]
    return np.mean(log_den - s[np.arange(2 * n), partner])


def spread_step(W, F, Y, alpha):
    d = W.sum(axis=1)
    S = W / np.sqrt(np.outer(d, d))
    return alpha * S @ F + (1 - alpha) * Y


def masked_crossentropy(labels, logits):
    from keras import ops

    labels = ops.cast(labels, "int32")
    mask = ops.cast(labels >= 0, logits.dtype)
    log_p = ops.log_softmax(logits, axis=-1)
    picked = ops.take_along_axis(log_p, ops.expand_dims(ops.maximum(labels, 0), -1), axis=-1)
    return -ops.sum(picked[:, 0] * mask) / ops.maximum(ops.sum(mask), 1.0)


SOLUTIONS = {"08.1": draw, "08.2": nt_xent, "08.3": spread_step, "08.4": masked_crossentropy}


def _first_of_each_class(y, n_labels, seed):
    """Not random: the first examples of every class, whatever the seed."""
    k = n_labels // len(np.unique(y))
    return np.concatenate([np.flatnonzero(y == c)[:k] for c in np.unique(y)])


def _all_rows_mean(labels, logits):
    """The unlabelled rows' -1 picks the last class, and everything is averaged."""
    import keras
    from keras import ops

    return ops.mean(keras.losses.sparse_categorical_crossentropy(
        ops.where(labels < 0, logits.shape[-1] - 1, labels), logits, from_logits=True))


WRONG = {
    "08.1": _first_of_each_class,
    "08.2": lambda z1, z2, t: nt_xent(z1, z2, 1.0 / t),  # temperature multiplies
    "08.3": lambda W, F, Y, alpha: alpha * (W / W.sum(1, keepdims=True)) @ F
    + (1 - alpha) * Y,  # D^-1 W: label propagation's normalisation
    "08.4": _all_rows_mean,
}
