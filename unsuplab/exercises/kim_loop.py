r"""Exercise 07.6's machinery: Kim et al.'s segmentation loop written by the student, checked by
running it next to the library's :class:`~unsuplab.models.FeatureClustering`.

The student writes ``kim_segment(network, optimizer, image, steps, mu)``: ``steps`` times, a
forward pass of the (H, W, C) image through ``network`` (the response, (1, H, W, q)), its
argmax as pseudo-labels, and one ``optimizer`` update on the mean cross-entropy of
``softmax(response)`` against those labels plus ``mu`` times the continuity loss; then the
labels of the trained network's response. It returns ``(labels, n_segments)``: labels (H, W)
and, per step, the number of distinct pseudo-labels that step trained on.

The check:

1. *step by step*: three steps on a small image with ``mu = 2.5``, from the same weights as the
   reference loop: the weights, the labels and the counts must agree; when they do not, the
   feedback tries the usual mistakes (pseudo-labels fixed once before the loop, ``mu``
   ignored, a squared or one-directional continuity term, ...) to say which one it is;
2. *against the library*: 40 steps on a photograph (48 x 48, scikit-image's astronaut) from
   the initial weights of a ``FeatureClustering`` model, next to its own ``segment``: the two
   segmentations must agree (adjusted Rand index >= 0.95) and end with as many segments.
"""

from __future__ import annotations

import functools

import numpy as np

from .feedback import Mismatch, describe
from .stepping import gap, value_and_grad, weights

LIBRARY = {"filters": (16, 16), "n_clusters": 12, "learning_rate": 0.1, "steps": 40,
           "mu": 1.0, "size": 48}
MIN_ARI = 0.95


def _network_like(model):
    """A fresh copy of ``model.net`` (the library's feature network) with its weights, and the
    optimizer the library trains it with (SGD, momentum 0.9), built."""
    import keras

    from ..networks.fcn import fcn

    net = fcn(model.input_channels, filters=model.filters, n_outputs=model.n_clusters, seed=0)
    net.set_weights(model.net.get_weights())
    opt = keras.optimizers.SGD(model.learning_rate, momentum=0.9)
    opt.build(net.trainable_variables)
    return net, opt


def _model(filters, n_clusters, mu, learning_rate, seed, channels=3):
    from ..models.feature_clustering import FeatureClustering

    model = FeatureClustering(channels, filters=filters, n_clusters=n_clusters, continuity=mu,
                              learning_rate=learning_rate, seed=seed)
    model(np.zeros((1, 2, 2, channels), np.float32))  # built: its initial weights
    return model


def reference_loop(network, optimizer, image, steps, mu, *, fixed_labels=False, squared=False,
                   one_direction=False, ce_sum=False, mu_ignored=False, steps_off=0,
                   labels_before=False):
    """The reference loop; the keyword arguments plant the usual mistakes, for the feedback."""
    import keras
    from keras import ops

    x = ops.convert_to_tensor(np.asarray(image, np.float32)[None])
    weight = 1.0 if mu_ignored else mu
    counts = []
    pseudo = ops.argmax(network(x, training=True), axis=-1) if fixed_labels else None
    for _ in range(steps + steps_off):
        if not fixed_labels:
            pseudo = ops.argmax(network(x, training=True), axis=-1)
        counts.append(len(np.unique(ops.convert_to_numpy(pseudo))))
        last = pseudo

        def loss_fn(labels=pseudo):
            r = network(x, training=True)
            ce = keras.losses.sparse_categorical_crossentropy(labels, r, from_logits=True)
            ce = ops.sum(ce) if ce_sum else ops.mean(ce)
            dy, dx = r[:, 1:] - r[:, :-1], r[:, :, 1:] - r[:, :, :-1]
            penalty = ops.square if squared else ops.abs
            con = ops.mean(penalty(dy)) + (0.0 if one_direction else ops.mean(penalty(dx)))
            return ce + weight * con

        _, grads = value_and_grad(loss_fn, network.trainable_variables)
        optimizer.apply(grads, network.trainable_variables)
    labels = last if labels_before else ops.argmax(network(x, training=False), axis=-1)
    return ops.convert_to_numpy(labels)[0], counts


_LABELS_BEFORE = ("Your labels are the pseudo-labels of the last step, from before its update: "
                  "return those of the trained network.")
_MISTAKES = (
    (dict(fixed_labels=True), "Your pseudo-labels are computed once, before the loop: the "
     "method takes them afresh from the current response at every step (that is how clusters "
     "merge)."),
    (dict(mu_ignored=True), "Your loss ignores the argument mu."),
    (dict(squared=True), "Your continuity term squares the differences of neighbouring "
     "responses: it is an L1 penalty in the paper, which lets edges stay sharp."),
    (dict(one_direction=True), "Your continuity term compares neighbours in one direction "
     "only."),
    (dict(ce_sum=True), "Your cross-entropy is summed over the pixels: it is a mean, or the "
     "continuity term weighs nothing beside it."),
    (dict(steps_off=-1), "Your loop makes one update too few."),
    (dict(steps_off=1), "Your loop makes one update too many."),
)


def _partition_equal(a, b):
    """Whether two labelings group the pixels alike (label ids may differ)."""
    from sklearn.metrics import adjusted_rand_score

    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    return a.shape == b.shape and adjusted_rand_score(a, b) == 1.0


def _small_image():
    rng = np.random.default_rng(7)
    image = np.zeros((12, 12, 3), np.float32)
    image[:, :6] = (0.9, 0.3, 0.2)
    image[:, 6:] = (0.2, 0.4, 0.9)
    image[4:8, 3:9] = (0.3, 0.8, 0.3)
    return np.clip(image + 0.05 * rng.standard_normal(image.shape), 0, 1).astype(np.float32)


def _labels(out, image_shape):
    """The student's ``(labels, n_segments)`` as NumPy, or feedback on the shapes."""
    from keras import ops

    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Mismatch(f"Return the pair (labels, n_segments); yours returned {describe(out)}.")
    labels, counts = out
    labels = np.asarray(ops.convert_to_numpy(labels) if not isinstance(labels, np.ndarray)
                        else labels)
    if labels.shape != tuple(image_shape[:2]):
        raise Mismatch(f"labels must have the image's height and width {tuple(image_shape[:2])};"
                       f" yours has shape {labels.shape}.")
    try:
        counts = [int(c) for c in counts]
    except (TypeError, ValueError):
        raise Mismatch("n_segments must be a list of numbers, one per step; yours is "
                       f"{describe(counts)}.") from None
    return labels, counts


def compare_steps(loop, run, *, steps=3, mu=2.5):
    """Part 1 of the check: ``steps`` steps next to the reference loop's."""
    image = _small_image()
    model = _model((8,), 6, mu, 0.1, seed=2)
    (mine_net, mine_opt), (ref_net, ref_opt) = _network_like(model), _network_like(model)
    start = weights(ref_net)
    out = run(lambda: loop(mine_net, mine_opt, image, steps, mu))
    labels, counts = _labels(out, image.shape)
    ref_labels, ref_counts = reference_loop(ref_net, ref_opt, image, steps, mu)
    moved = gap(weights(ref_net), start)
    if gap(weights(mine_net), weights(ref_net)) > 1e-3 * moved:
        mine = weights(mine_net)
        if gap(mine, start) == 0:
            raise Mismatch("The network did not change: are the gradients applied by the "
                           "optimizer, computed inside the function you differentiate?")
        for kwargs, advice in _MISTAKES:
            net, opt = _network_like(model)
            reference_loop(net, opt, image, steps, mu, **kwargs)
            if gap(mine, weights(net)) < 1e-3 * moved:
                raise Mismatch(advice)
        raise Mismatch(f"After {steps} steps your network's weights differ from the "
                       "reference's: check the loss term by term against the formula (on the "
                       "response of the current step), and that every step updates the "
                       "network once.")
    if len(counts) != steps or counts != ref_counts:
        raise Mismatch(f"The network is trained right, but n_segments should hold, for each of "
                       f"the {steps} steps, the number of distinct pseudo-labels that step "
                       f"trained on; yours is {counts}.")
    if not _partition_equal(labels, ref_labels):
        net, opt = _network_like(model)
        if _partition_equal(labels, reference_loop(net, opt, image, steps, mu,
                                                   labels_before=True)[0]):
            raise Mismatch(_LABELS_BEFORE)
        raise Mismatch("The network is trained right, but the labels you return are not the "
                       "argmax of the trained network's response.")


@functools.cache
def _photo():
    from skimage import data, transform

    size = LIBRARY["size"]
    return transform.resize(data.astronaut()[:256, 96:352], (size, size),
                            anti_aliasing=True).astype(np.float32)


def library_comparison(loop, run):
    """Part 2: the student's loop and ``FeatureClustering.segment`` on the same photograph, from
    the same initial weights. Returns the adjusted Rand index between them and the two numbers
    of segments."""
    from sklearn.metrics import adjusted_rand_score

    image = _photo()
    cfg = LIBRARY
    model = _model(cfg["filters"], cfg["n_clusters"], cfg["mu"], cfg["learning_rate"], seed=0)
    net, opt = _network_like(model)
    out = run(lambda: loop(net, opt, image, cfg["steps"], cfg["mu"]))
    labels, counts = _labels(out, image.shape)
    expected = model.segment(image, steps=cfg["steps"])
    library_counts = [int(round(c)) for c in model.training_history["n_segments"]]
    if counts != library_counts:
        raise Mismatch(f"Over {cfg['steps']} steps on a photograph the library's pseudo-labels "
                       f"fall from {library_counts[0]} distinct values to {library_counts[-1]}; "
                       f"your n_segments reads {counts[:3]} ... {counts[-3:]}: count, at each "
                       "step, the labels that step trains on.")
    ari = float(adjusted_rand_score(expected.ravel(), labels.ravel()))
    segments = (len(np.unique(labels)), len(np.unique(expected)))
    if ari < MIN_ARI:
        raise Mismatch(f"On a {cfg['size']} x {cfg['size']} photograph, {cfg['steps']} steps of "
                       f"your loop and of the library's FeatureClustering.segment, from the "
                       f"same weights, disagree (adjusted Rand index {ari:.2f}; your "
                       f"{segments[0]} segments against its {segments[1]}): your loop does "
                       "something else when it runs longer.")
    return ari, segments


def check_kim_loop(loop, run):
    """The check of exercise 07.6 (``run(thunk)`` turns a failure of the student's code into
    feedback)."""
    compare_steps(loop, run)
    return library_comparison(loop, run)
