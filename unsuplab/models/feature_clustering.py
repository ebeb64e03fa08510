"""Differentiable feature clustering (Kim, Kanezaki & Tanaka 2020): a CNN trained on one image,
on its own argmax labels, with a spatial-continuity loss.

A small fully-convolutional network (:func:`unsuplab.networks.fcn`) maps the image to a
normalised response $r_n \\in \\mathbb{R}^q$ per pixel $n$; the pixel's label is
$c_n = \\arg\\max_j r_{n,j}$. Training on that one image alternates, at every step, between

1. fixing the labels $c_n$ (a forward pass: the *pseudo-labels*), and
2. one gradient step on
   $L = L_{sim} + \\mu\\,L_{con}$ with
   $L_{sim} = \\frac{1}{N}\\sum_n -\\log \\operatorname{softmax}(r_n)_{c_n}$ (cross-entropy
   against the pseudo-labels: pixels become *more* sure of the cluster they lean to, so
   similar pixels, which the network maps close together, gather in one cluster) and
   $L_{con} = \\operatorname{mean}_{i,j,q} |r_{i+1,j,q} - r_{i,j,q}|
   + \\operatorname{mean}_{i,j,q} |r_{i,j+1,q} - r_{i,j,q}|$ (neighbours should respond
   alike: the labels form regions instead of salt and pepper).

The per-channel normalisation of the response (zero mean, unit variance over the pixels)
keeps every channel in use, so the trivial solution "one cluster for the whole image" is not
reached at once; the number of distinct labels falls during training as clusters merge.
:meth:`FeatureClustering.segment` runs this for a fixed number of steps from the same
(seeded) initial weights for every image, then, if ``k`` is given, merges the remaining
clusters to ``k`` by k-means on their mean response (weighted by size). Given an
over-segmentation (``superpixels``), each superpixel first takes the majority cluster of its
pixels (Kim & Kanezaki 2018): the superpixels bring sharp edges, the network the grouping.

Because training *is* the segmentation, this model optimises itself on each image: it
compiles itself (SGD with momentum, as in the paper) on the first :meth:`segment` call and
keeps that compiled step for every later image of the same shape. The loss lives in
:meth:`compute_loss`, so ``fit``/``train_on_batch`` run it on every backend.

Example:
    >>> model = FeatureClustering(input_channels=3, seed=0)
    >>> labels = model.segment(image, k=4, steps=60)         # (H, W) ints in 0..3
    >>> model.training_history["n_segments"][-1]             # clusters left before merging
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._validation import check_array, check_choice, check_number, check_units, describe
from ..networks.fcn import fcn
from ._base import PACKAGE, SeededModel, check_finite_weights, loss_first_metrics, subclass_config


def continuity_loss(response):
    """Mean absolute difference of vertically and horizontally adjacent responses (N, H, W, q):
    $\\operatorname{mean}|r_{i+1,j} - r_{i,j}| + \\operatorname{mean}|r_{i,j+1} - r_{i,j}|$."""
    dy = ops.abs(response[:, 1:, :, :] - response[:, :-1, :, :])
    dx = ops.abs(response[:, :, 1:, :] - response[:, :, :-1, :])
    return ops.mean(dy) + ops.mean(dx)


def similarity_loss(response):
    """Cross-entropy of ``softmax(response)`` against its own argmax (the pseudo-labels)."""
    labels = ops.argmax(ops.stop_gradient(response), axis=-1)
    ce = keras.losses.sparse_categorical_crossentropy(labels, response, from_logits=True)
    return ops.mean(ce)


@keras.saving.register_keras_serializable(package=PACKAGE)
class FeatureClustering(SeededModel):
    """Unsupervised segmentation by differentiable feature clustering (Kim et al. 2020).

    Args:
        input_channels: channels of what :meth:`segment` is given (3 for RGB; more when
            texture or position channels are stacked on the colour).
        filters: widths of the 3x3 convolution blocks of the feature network.
        n_clusters: $q$, channels of the response: the most clusters a segmentation can have.
        continuity: $\\mu$, the weight of the spatial-continuity loss (>= 0).
        learning_rate: of the SGD optimizer (momentum 0.9) used by :meth:`segment`.
        seed: seeds the initial weights (the same for every image).

    Call arguments:
        inputs: (N, H, W, input_channels) float tensor. Returns the response (N, H, W, q).
    """

    def __init__(self, input_channels=3, *, filters=(32, 32), n_clusters=16, continuity=1.0,
                 learning_rate=0.1, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.input_channels = check_number(input_channels, "input_channels", low=1, integer=True)
        self.filters = check_units(filters, "filters", allow_empty=False)
        self.n_clusters = check_number(n_clusters, "n_clusters", low=2, integer=True)
        self.continuity = float(check_number(continuity, "continuity", low=0))
        self.learning_rate = float(
            check_number(learning_rate, "learning_rate", low=0, low_inclusive=False))
        self.net = fcn(self.input_channels, filters=self.filters, n_outputs=self.n_clusters,
                       seed=seed)
        self.similarity_tracker = keras.metrics.Mean(name="similarity_loss")
        self.continuity_tracker = keras.metrics.Mean(name="continuity_loss")
        self.segments_tracker = keras.metrics.Mean(name="n_segments")
        self.training_history = {}
        self._initial_weights = None

    def call(self, inputs, training=False):
        return self.net(inputs, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """$L_{sim} + \\mu L_{con}$ of the response ``y_pred`` (``y`` is ignored: no target)."""
        del x, y, sample_weight
        sim = similarity_loss(y_pred)
        con = continuity_loss(y_pred)
        labels = ops.argmax(y_pred, axis=-1)
        present = ops.max(ops.one_hot(ops.reshape(labels, (-1,)), self.n_clusters), axis=0)
        self.similarity_tracker.update_state(sim)
        self.continuity_tracker.update_state(con)
        self.segments_tracker.update_state(ops.sum(present))
        return sim + self.continuity * con

    @property
    def metrics(self):
        ours = [self.similarity_tracker, self.continuity_tracker,
                self.segments_tracker]
        return loss_first_metrics(self, super().metrics, ours)

    def _check_features(self, features):
        x = check_array(features, "features", ndim=(3, 4), dtype_kind="uif")
        if x.ndim == 4:
            if x.shape[0] != 1:
                raise ValueError("segment takes one image (H, W, C) or (1, H, W, C). "
                                 f"Received: features={describe(x)}")
            x = x[0]
        if x.shape[-1] != self.input_channels:
            raise ValueError(
                f"features must have input_channels={self.input_channels} channels. "
                f"Received: features={describe(x)}"
            )
        if min(x.shape[:2]) < 2:
            raise ValueError(f"features must be at least 2 x 2 pixels. Received: {describe(x)}")
        return np.ascontiguousarray(x[None], dtype=np.float32)

    def _reset(self, x):
        """Put back the initial weights and a fresh optimizer (compiling on the first call)."""
        if not getattr(self, "compiled", False) or getattr(self, "optimizer", None) is None:
            self.compile(optimizer=keras.optimizers.SGD(self.learning_rate, momentum=0.9))
        if not self.built or self._initial_weights is None:
            self(x[:, :2, :2])  # build
            self._initial_weights = [np.array(w) for w in self.get_weights()]
        else:
            self.set_weights(self._initial_weights)
        if self.optimizer.built:  # zero the step count and the momenta, keep the learning rate
            for v in self.optimizer.variables:
                if "learning_rate" not in v.path:
                    v.assign(ops.zeros(v.shape, dtype=v.dtype))

    def response(self, features):
        """The normalised response (H, W, q) of the network to one feature image."""
        x = self._check_features(features)
        check_finite_weights(self)
        return ops.convert_to_numpy(self(x, training=False))[0]

    def segment(self, features, k=None, *, steps=60, merge_on="response", superpixels=None):
        """Train from the initial weights on this one image for ``steps`` steps; return its
        labels (H, W), merged to ``k`` segments when ``k`` is given.

        Args:
            features: one image (H, W, input_channels): RGB in [0, 1] or stacked, standardised
                feature channels (any finite floats).
            k: the number of segments wanted (>= 2), or ``None`` for the clusters as they are.
            steps: gradient steps on this image.
            merge_on: what the clusters are merged on when there are more than ``k``: their
                mean ``"response"`` (learned) or their mean ``"input"`` feature.
            superpixels: optional (H, W) over-segmentation of the image; each superpixel then
                takes the majority cluster of its pixels before merging (after Kanezaki 2018, who
                votes at every training step; here once, after training).

        Returns:
            int32 labels of shape (H, W). ``training_history`` holds this image's per-step
            ``loss``, ``similarity_loss``, ``continuity_loss`` and ``n_segments``.
        """
        from .segmentation_classical import check_k, majority_vote, merge_segments

        x = self._check_features(features)
        steps = check_number(steps, "steps", low=1, integer=True)
        check_choice(merge_on, "merge_on", ("response", "input"))
        if k is not None:
            k = check_k(k)
        self._reset(x)
        history = {}
        for _ in range(steps):
            logs = self.train_on_batch(x, return_dict=True)
            for name, value in logs.items():
                history.setdefault(name, []).append(float(value))
        self.training_history = history
        check_finite_weights(self)
        r = ops.convert_to_numpy(self(x, training=False))[0]
        labels = np.argmax(r, axis=-1).astype(np.int32)
        if superpixels is not None:
            labels = majority_vote(labels, superpixels)
        if k is not None:
            on = r if merge_on == "response" else x[0]
            labels = merge_segments(labels, on, k, seed=self.seed or 0)
        else:
            labels = np.unique(labels, return_inverse=True)[1].reshape(labels.shape)
        return labels.astype(np.int32)

    def get_config(self):
        base = subclass_config(super().get_config())
        return {
            **base,
            "input_channels": self.input_channels,
            "filters": list(self.filters),
            "n_clusters": self.n_clusters,
            "continuity": self.continuity,
            "learning_rate": self.learning_rate,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["filters"] = tuple(config.get("filters", (32, 32)))
        return cls(**config)


__all__ = ["FeatureClustering", "continuity_loss", "similarity_loss"]
