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


def contrastive_train_step(encoder, head, optimizer, seed, x, temperature, *, one_view=False):
    from keras import ops

    from unsuplab.exercises import value_and_grad
    from unsuplab.networks import augment

    # 1. two views of every image, each its own random draw (no gradient needed through them)
    view_1 = augment(x, seed=seed)
    view_2 = x if one_view else augment(x, seed=seed)  # one_view: the planted mistake
    variables = encoder.trainable_variables + head.trainable_variables
    n = ops.shape(x)[0]

    def loss_fn():
        # 2. the projections of the 2N views, on the unit sphere
        z = ops.concatenate([head(encoder(view_1)), head(encoder(view_2))], axis=0)
        z = z / ops.norm(z, axis=1, keepdims=True)
        # 3. cosine similarities over the temperature; an anchor is not its own candidate
        logits = ops.matmul(z, ops.transpose(z)) / temperature
        logits = ops.where(ops.eye(2 * n) > 0, -1e9, logits)
        # 4. each view's partner: view i of the first batch <-> view i of the second
        partner = ops.concatenate([ops.arange(n) + n, ops.arange(n)], axis=0)
        log_p = logits - ops.logsumexp(logits, axis=1, keepdims=True)
        loss = -ops.mean(ops.take_along_axis(log_p, partner[:, None], axis=1))
        accuracy = ops.mean(ops.cast(ops.argmax(logits, axis=1) == partner, "float32"))
        return loss, accuracy

    (loss, accuracy), grads = value_and_grad(loss_fn, variables, has_aux=True)
    optimizer.apply(grads, variables)
    return loss, accuracy


SOLUTIONS = {"08.1": draw, "08.2": nt_xent, "08.3": spread_step, "08.4": masked_crossentropy,
             "08.6": contrastive_train_step}


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
    "08.6": lambda *args: contrastive_train_step(*args, one_view=True),  # one view is the image
}
