"""Chapter 08 exercises: a class-balanced label draw, the NT-Xent loss of a small batch, one
step of label spreading, and the masked cross-entropy that trains a classifier on a batch
where most images have no label (inside the model, on every backend)."""

from __future__ import annotations

import numpy as np

from .core import Mismatch, as_array, as_number, exercise, expect_close, run_compiled, run_in_model


def _indices(value):
    """The student's draw as an int array, or feedback."""
    arr = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise Mismatch(f"Return a 1-D array of integer indices; yours has shape {arr.shape} "
                       f"and dtype {arr.dtype}.")
    return arr


def _y_pool():
    rng = np.random.default_rng(5)
    y = np.repeat(np.arange(4), [7, 9, 6, 8])
    return y[rng.permutation(len(y))]


@exercise("08.1", "a class-balanced, seeded draw of labelled examples")
def check_draw(draw):
    """``draw(y, n_labels, seed)``: labels ``y`` (N,) of K classes -> ``n_labels`` *indices*
    into ``y``, ``n_labels / K`` of each class, distinct, chosen at random with
    ``np.random.default_rng(seed)``; the same seed gives the same draw."""
    y = _y_pool()
    for n_labels, seed in ((8, 0), (20, 3)):
        idx = _indices(draw(y.copy(), n_labels, seed))
        if len(idx) != n_labels:
            if len(idx) == n_labels * 4:
                raise Mismatch("n_labels is the total number of labels, not the number per "
                               "class: take n_labels // K of each class.")
            raise Mismatch(f"Asked for {n_labels} labels, your draw has {len(idx)}.")
        if idx.min() < 0 or idx.max() >= len(y):
            raise Mismatch("Some of your indices are outside 0..len(y)-1: return positions "
                           "in y, not labels or counts.")
        if len(np.unique(idx)) != len(idx):
            raise Mismatch("The same example is drawn twice: draw without replacement.")
        counts = np.bincount(y[idx], minlength=4)
        if not np.all(counts == n_labels // 4):
            raise Mismatch(f"The draw is not class-balanced: per class {counts.tolist()}, "
                           f"expected {n_labels // 4} each.")
        again = _indices(draw(y.copy(), n_labels, seed))
        if not np.array_equal(np.sort(again), np.sort(idx)):
            raise Mismatch("The same seed gave two different draws: use "
                           "np.random.default_rng(seed), not the global generator.")
    first = np.concatenate([np.flatnonzero(y == c)[:5] for c in range(4)])
    draws = [np.sort(_indices(draw(y.copy(), 20, s))) for s in range(6)]
    if all(np.array_equal(d, np.sort(first)) for d in draws):
        raise Mismatch("Your draw always takes the first examples of each class: choose them "
                       "at random (rng.choice(..., replace=False)).")
    if all(np.array_equal(d, draws[0]) for d in draws):
        raise Mismatch("Six seeds gave the same draw: the seed must change the draw.")


def _nt_xent_variant(z1, z2, temperature, *, normalise=True, anchors="both", self_in=False):
    z = np.concatenate([z1, z2]).astype(np.float64)
    if normalise:
        z = z / np.linalg.norm(z, axis=1, keepdims=True)
    s = z @ z.T / temperature
    n = len(z1)
    if not self_in:
        np.fill_diagonal(s, -np.inf)
    pos = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    m = s.max(1)
    loss = np.log(np.exp(s - m[:, None]).sum(1)) + m - s[np.arange(2 * n), pos]
    return float(loss[:n].mean() if anchors == "first" else loss.mean())


def _reference_nt_xent(z1, z2, temperature):
    return _nt_xent_variant(z1, z2, temperature)


@exercise("08.2", "the NT-Xent loss of a small batch")
def check_nt_xent(nt_xent):
    """``nt_xent(z1, z2, temperature)``: two (N, d) arrays of projections, row i of ``z1`` and
    row i of ``z2`` the two views of image i -> the mean over the 2N views of
    ``-log( exp(s(i, p(i)) / t) / sum_{k != i} exp(s(i, k) / t) )``, with ``s`` the cosine
    similarity and ``p(i)`` the other view of the same image."""
    rng = np.random.default_rng(21)
    for n, d, t in ((4, 3, 0.5), (3, 5, 0.2)):
        z1 = 2.0 * rng.standard_normal((n, d))
        z2 = z1 + rng.standard_normal((n, d))
        got = as_number(nt_xent(z1.copy(), z2.copy(), t), "Your NT-Xent loss")
        expected = _reference_nt_xent(z1, z2, t)
        if not np.isclose(got, expected, rtol=1e-4):
            if np.isclose(got, _reference_nt_xent(z1, z2, 1.0 / t), rtol=1e-4):
                raise Mismatch("Divide the similarities by the temperature, do not multiply.")
            if np.isclose(got, _nt_xent_variant(z1, z2, t, normalise=False), rtol=1e-4):
                raise Mismatch("Your similarities are dot products: normalise each projection "
                               "to unit length first (cosine similarity).")
            if np.isclose(got, _nt_xent_variant(z1, z2, t, anchors="first"), rtol=1e-4):
                raise Mismatch("Only the views of z1 are anchors: average over all 2N views "
                               "(each view of z2 must find its partner in z1 too).")
            if np.isclose(got, _nt_xent_variant(z1, z2, t, self_in=True), rtol=1e-4):
                raise Mismatch("The anchor itself is in your denominator (its similarity "
                               "with itself is 1): sum over the 2N - 1 *other* views.")
        expect_close(got, expected, what="Your NT-Xent loss", rtol=1e-4,
                     hint="2N anchors (both views), the denominator over the 2N - 1 other "
                          "views (the positive included, the anchor itself excluded)")


def _reference_spread(w, f, y, alpha):
    d = w.sum(1)
    s = w / np.sqrt(np.outer(d, d))
    return alpha * s @ f + (1 - alpha) * y


def _toy_graph():
    w = np.zeros((6, 6))
    for i, j in ((0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5), (3, 5), (1, 4)):
        w[i, j] = w[j, i] = 1.0
    y = np.zeros((6, 2))
    y[0, 0] = y[5, 1] = 1.0
    return w, y


@exercise("08.3", "one step of label spreading")
def check_spread_step(spread_step):
    """``spread_step(W, F, Y, alpha)``: a symmetric (n, n) adjacency ``W``, the current label
    scores ``F`` and the given labels ``Y`` (n, K, one-hot rows for labelled points, zeros
    elsewhere) -> ``alpha * S @ F + (1 - alpha) * Y`` with ``S = D^-1/2 W D^-1/2`` and
    ``D`` the diagonal of the degrees. Do not change the arguments in place."""
    w, y = _toy_graph()
    rng = np.random.default_rng(3)
    f = y + 0.3 * rng.random(y.shape)
    for alpha in (0.9, 0.3):
        got = as_array(spread_step(w.copy(), f.copy(), y.copy(), alpha), "Your F")
        expected = _reference_spread(w, f, y, alpha)
        if got.shape != expected.shape:
            raise Mismatch(f"F keeps its shape {expected.shape}; yours is {got.shape}.")
        d = w.sum(1)
        if np.allclose(got, alpha * (w / d[:, None]) @ f + (1 - alpha) * y):
            raise Mismatch("You normalised by D^-1 W (random walk: label propagation); label "
                           "spreading uses the symmetric D^-1/2 W D^-1/2.")
        if np.allclose(got, alpha * w @ f + (1 - alpha) * y):
            raise Mismatch("W is not normalised: without D^-1/2 on both sides the scores "
                           "grow with the degrees.")
        if np.allclose(got, alpha * (w / np.sqrt(np.outer(d, d))) @ f):
            raise Mismatch("The given labels are missing: add (1 - alpha) * Y, which keeps "
                           "pulling the labelled points back to their label.")
        if np.allclose(got, _reference_spread(w, f, y, 1 - alpha)) and not np.allclose(
                got, expected):
            raise Mismatch("alpha weighs the neighbours (S @ F) and 1 - alpha the given "
                           "labels: you swapped them.")
        expect_close(got, expected, what="Your F after one step", rtol=1e-6,
                     hint="S_ij = W_ij / sqrt(d_i d_j)")


def _reference_masked_ce(labels, logits):
    labels = np.asarray(labels).ravel()
    z = logits - logits.max(1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
    mask = labels >= 0
    if not mask.any():
        return 0.0
    return float(-log_p[mask, labels[mask]].mean())


@exercise("08.4", "the masked cross-entropy, inside the classifier")
def check_masked_crossentropy(masked_crossentropy):
    """``masked_crossentropy(labels, logits)``: int labels (N,) where -1 means "no label",
    logits (N, K), both *tensors* -> the scalar mean cross-entropy of ``softmax(logits)``
    over the labelled rows only (0 if none), in keras.ops. The checker plugs it into
    :class:`~unsuplab.models.ImageClassifier` and trains it on tiny data: it must train
    exactly like the library's loss."""
    import keras

    from ..models.fewlabel import ImageClassifier

    rng = np.random.default_rng(8)
    logits = rng.standard_normal((6, 4)).astype(np.float32)
    labels = np.array([2, -1, 0, -1, 3, 1], dtype=np.int32)
    got = as_number(run_compiled(masked_crossentropy, labels, logits), "Your loss")
    expected = _reference_masked_ce(labels, logits)
    every = labels.copy()
    every[every < 0] = 3  # what indexing with -1 picks: the last class
    if np.isclose(got, _reference_masked_ce(every, logits), rtol=1e-4):
        raise Mismatch("The unlabelled rows (-1) count as the last class: mask them out.")
    full_mean = _reference_masked_ce(labels, logits) * 4 / 6
    if np.isclose(got, full_mean, rtol=1e-4):
        raise Mismatch("You divided by all N rows: average over the labelled rows only.")
    expect_close(got, expected, what="Your loss on a fixed batch", rtol=1e-4,
                 hint="log_softmax, pick the label's entry, mask, and divide by the number "
                      "of labelled rows")
    none = as_number(run_compiled(masked_crossentropy, np.full(6, -1, np.int32), logits),
                     "Your loss on a batch without labels")
    if not np.isfinite(none) or abs(none) > 1e-6:
        raise Mismatch(f"A batch without any label must give 0, not {none:.3g} (a division "
                       "by zero?).")

    class StudentClassifier(ImageClassifier):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return masked_crossentropy(y, y_pred)

    x = rng.random((24, 8, 8, 1)).astype(np.float32)
    y = rng.integers(-1, 3, size=24).astype(np.int32)
    models = []
    for cls in (StudentClassifier, ImageClassifier):
        keras.utils.set_random_seed(0)
        model = cls(3, (8, 8, 1), filters=(4,), feature_dim=8, dropout=0.0, seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        models.append(model)

    def train():
        for model in models:
            model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
        return max(float(np.abs(keras.ops.convert_to_numpy(a) - keras.ops.convert_to_numpy(b))
                         .max()) for a, b in zip(models[0].weights, models[1].weights,
                                                 strict=True))

    gap = run_in_model(train, masked_crossentropy, "ImageClassifier.compute_loss")
    if not np.isfinite(gap) or gap > 1e-4:
        raise Mismatch(f"Plugged into ImageClassifier.compute_loss, your loss trains the model "
                       f"differently from the library's (largest weight gap {gap:.2g}).")


@exercise("08.6", "SimCLR's training step: two views, NT-Xent, one update",
          library=("unsuplab.models.contrastive.nt_xent",))
def check_contrastive_train_step(contrastive_train_step):
    r"""``contrastive_train_step(encoder, head, optimizer, seed, x, temperature)``: two views
    of the batch ``x``, each by its own call ``augment(x, seed=seed)`` (first view first), the
    NT-Xent loss of their projections ``head(encoder(view))`` at ``temperature``, one
    ``optimizer`` update of the encoder's and the head's variables, gradients from
    :func:`~unsuplab.exercises.stepping.value_and_grad`; returns ``(loss, accuracy)``. The
    checker runs three of its steps next to the reference's (same weights, images and seed,
    SGD: the weights must agree), then trains it compiled for 200 steps on Fashion-MNIST next to
    the reference: a linear probe on the encoder's features must come within 3 points."""
    import keras

    from .contrastive_step import check_contrastive_step, untrained_probe

    mine, reference = check_contrastive_step(contrastive_train_step, lambda thunk: run_in_model(
        thunk, contrastive_train_step, "SimCLR's training step"))
    print(f"Your encoder, trained 200 steps: linear-probe accuracy {mine:.1%} (reference "
          f"{reference:.1%}; the same encoder untrained: "
          f"{untrained_probe(keras.backend.backend()):.1%}).")
