r"""Exercise 08.6's machinery: SimCLR's training step written by the student, checked by running it.

The student writes ``contrastive_train_step(encoder, head, optimizer, seed, x, temperature)``:
two random views of the batch ``x``, each drawn by its own call
``augment(x, seed=seed)`` (:func:`unsuplab.networks.augment`, first view first), their
projections ``head(encoder(view))``, the NT-Xent loss of the two batches of projections at
``temperature`` (cosine similarities, the 2N views as anchors, each anchor left out of its own
denominator), and one ``optimizer`` update of the encoder's and the head's variables with
gradients from :func:`~unsuplab.exercises.stepping.value_and_grad`. It returns
``(loss, accuracy)``: the accuracy is the fraction of the 2N views whose most similar other view
is their partner.

The check, like 04.6's and 03.6's:

1. *step by step*: from the same weights, images and seed, three of the student's steps must
   move the encoder and the head as the reference step does (SGD); when they do not, the
   feedback tries the usual mistakes (one view left unaugmented, the same view twice, the
   temperature ignored, the anchor in its own denominator, ...) to say which one it is;
2. *trained*: 200 compiled steps on 4096 Fashion-MNIST images, next to the reference's; a
   logistic-regression probe on the encoder's features (1000 labelled training images, scored
   on 1000 test images) must come within 3 points of the reference's.
"""

from __future__ import annotations

import functools

import numpy as np

from ._data import fashion_subset
from .feedback import Mismatch
from .stepping import compare_steps, compiled, gap, run_steps, value_and_grad

FEATURES = 64
PROJECTION = 32
TRAIN = {"n_train": 4096, "n_test": 1000, "n_probe": 1000, "steps": 200, "batch_size": 128,
         "learning_rate": 1e-3, "temperature": 0.5}
TOLERANCE = 0.03
RETURNS = ("loss", "accuracy")


def networks(seed):
    """A small convolutional encoder ((28, 28, 1) -> FEATURES, no batch norm: one pass per view
    or one pass over both gives the same gradients) and a projection head (FEATURES ->
    PROJECTION), seeded; and the ``SeedGenerator`` of the augmentations."""
    import keras

    keras.utils.set_random_seed(seed)
    encoder = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Flatten(), keras.layers.Dense(FEATURES)], name="encoder")
    head = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(FEATURES,
                                                                          activation="relu"),
                             keras.layers.Dense(PROJECTION)], name="head")
    return encoder, head, keras.random.SeedGenerator(seed)


def optimizer(encoder, head, learning_rate=None):
    """Adam at ``learning_rate`` for training; SGD for the step-by-step comparison (``None``)."""
    import keras

    opt = (keras.optimizers.SGD(0.05, momentum=0.5) if learning_rate is None
           else keras.optimizers.Adam(learning_rate))
    opt.build(encoder.trainable_variables + head.trainable_variables)
    return opt


def reference_step(encoder, head, optimizer, seed, x, temperature, *, one_view=False,
                   same_view=False, use_temperature=True, normalise=True, self_in=False,
                   first_anchors_only=False, skip_head=False, head_only=False,
                   detach_second=False):
    """The reference step; the keyword arguments plant the usual mistakes, for the feedback."""
    from keras import ops

    from ..networks import augment

    first = augment(x, seed=seed)
    second = x if one_view else first if same_view else augment(x, seed=seed)
    variables = head.trainable_variables if head_only else (encoder.trainable_variables
                                                            + head.trainable_variables)
    n = ops.shape(x)[0]

    def loss_fn():
        project = (lambda v: encoder(v, training=True)) if skip_head else (
            lambda v: head(encoder(v, training=True), training=True))
        z1, z2 = project(first), project(second)
        if detach_second:
            z2 = ops.stop_gradient(z2)
        z = ops.concatenate([z1, z2], axis=0)
        if normalise:
            z = z / ops.sqrt(ops.sum(ops.square(z), axis=1, keepdims=True))
        s = ops.matmul(z, ops.transpose(z))
        if use_temperature:
            s = s / temperature
        if not self_in:
            s = s - 1e9 * ops.eye(2 * n, dtype=s.dtype)
        partner = ops.concatenate([ops.arange(n) + n, ops.arange(n)], axis=0)
        per_view = ops.logsumexp(s, axis=1) - ops.take_along_axis(s, partner[:, None],
                                                                    axis=1)[:, 0]
        loss = ops.mean(per_view[:n] if first_anchors_only else per_view)
        hits = ops.cast(ops.equal(ops.argmax(s, axis=1), partner), "float32")
        return loss, ops.mean(hits)

    (loss, accuracy), grads = value_and_grad(loss_fn, variables, has_aux=True)
    optimizer.apply(grads, variables)
    return loss, accuracy


def _setup(seed, learning_rate):
    encoder, head, seeds = networks(seed)
    return encoder, head, optimizer(encoder, head, learning_rate), seeds


def _batches(steps, batch_size, seed, temperature, images=None):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        if images is None:  # smooth random blobs: the crops and the jitter change them
            x = rng.random((batch_size, 7, 7, 1)).astype(np.float32)
            x = np.kron(x, np.ones((1, 4, 4, 1), np.float32))
        else:
            x = images[rng.integers(0, len(images), batch_size)]
        yield x, np.float32(temperature)


_MISTAKES = (
    (dict(one_view=True), "One of your two views is the image itself: each view must be an "
     "augmentation of it, or the encoder only learns to undo one kind of change."),
    (dict(same_view=True), "Your two views are the same draw: the task of finding its partner "
     "is then trivial. Draw each view with its own call."),
    (dict(use_temperature=False), "Your loss ignores the temperature argument."),
    (dict(normalise=False), "Your similarities are not cosine similarities: the projections' "
     "lengths enter them."),
    (dict(self_in=True), "Each anchor is in its own denominator (its similarity with itself "
     "is the largest): leave it out."),
    (dict(first_anchors_only=True), "Only the first view's projections are anchors: the "
     "second view's must find their partners too."),
    (dict(skip_head=True), "Your loss compares the encoder's features, not the head's "
     "projections."),
    (dict(head_only=True), "The encoder did not change: your optimizer updates the head's "
     "variables only."),
    (dict(detach_second=True), "The second view's projections send no gradient back: they are "
     "detached from the networks."),
)


def _otherwise(mine, start, ref):
    """When no usual mistake matches: which network went wrong."""
    if gap(mine[0] + mine[1], start[0] + start[1]) == 0:
        return ("Neither network changed: are the gradients applied by the optimizer, to the "
                "variables they were computed for?")
    if gap(mine[0], start[0]) == 0:
        return ("The encoder did not change: no gradient reaches it (are the projections "
                "computed inside the function you differentiate?), or its variables are not "
                "updated.")
    return ("Your update differs from the reference's: check the two views (each its own "
            "augment(x, seed=seed) call, first view first, both before the loss), then the "
            "loss term by term against the formula above.")


def check_contrastive_step(step, run):
    """The check of exercise 08.6 (``run`` as in
    :func:`~unsuplab.exercises.gan_step.check_gan_step`). Returns the probe accuracies of the
    student's trained encoder and of the reference's."""
    compare_first_steps(step, run)
    return train_and_compare(step, run)


def compare_first_steps(step, run):
    """The check's first part: three steps next to the reference's, from the same start."""
    compare_steps(step, reference_step, lambda: _setup(5, None),
                  list(_batches(3, 8, 5, 0.2)), run, returns=RETURNS, n_networks=2,
                  mistakes=_MISTAKES, otherwise=_otherwise,
                  wrong_values="Both networks are updated right, but the values you return are "
                  "not those of this step: return (loss, accuracy), the loss being the one you "
                  "minimised and the accuracy the share of views whose most similar other view "
                  "is their partner.",
                  drifted="does your step keep state between calls, or draw its views other "
                  "than with the seed it is given?")


def train_and_compare(step, run):
    import keras

    mine = probe_accuracy(step, run, "training your encoder")
    reference = _reference_probe(keras.backend.backend())
    if not np.isfinite(mine) or mine < reference - TOLERANCE:
        raise Mismatch(f"Trained the same way ({TRAIN['steps']} compiled steps), a linear "
                       f"probe on your encoder's features scores {mine:.1%}, the reference's "
                       f"{reference:.1%}: your step behaves differently once compiled or "
                       "repeated.")
    return mine, reference


def probe_accuracy(step, run, desc, *, steps=TRAIN["steps"]):
    """Train the encoder ``steps`` compiled steps of ``step`` (a progress bar titled ``desc``);
    the test accuracy of a logistic regression on its features."""
    from keras import ops
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from tqdm.auto import tqdm

    x_train, y_train, x_test, y_test = fashion_subset(TRAIN["n_train"], TRAIN["n_test"])
    nets = _setup(0, TRAIN["learning_rate"])
    batches = _batches(steps, TRAIN["batch_size"], 1, TRAIN["temperature"], images=x_train)
    losses = run_steps(compiled(step, nets, returns=RETURNS),
                       tqdm(batches, total=steps, desc=desc, unit="step",
                            disable=not steps), run)
    if steps and not np.all(np.isfinite(losses)):
        raise Mismatch("Compiled and repeated, your step's loss became inf or NaN.")
    n = TRAIN["n_probe"]
    features = [ops.convert_to_numpy(nets[0](x, training=False)) for x in (x_train[:n], x_test)]
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    probe.fit(features[0], y_train[:n])
    return float(probe.score(features[1], y_test))


@functools.cache
def _reference_probe(backend=None):
    return probe_accuracy(reference_step, lambda thunk: thunk(), "training the reference encoder")


@functools.cache
def untrained_probe(backend=None):
    """The probe's accuracy on the features of the encoder before training (the baseline)."""
    return probe_accuracy(reference_step, lambda thunk: thunk(), "", steps=0)
