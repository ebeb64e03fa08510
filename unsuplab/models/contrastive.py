r"""A self-supervised contrastive encoder (SimCLR, Chen et al. 2020), in ``keras.ops``.

No labels: every training batch of :math:`N` images becomes :math:`2N` *views*, two random
augmentations of each image (:func:`unsuplab.networks.augmentations.augment`: crop, flip,
brightness/contrast, optional noise and cutout), drawn inside :meth:`compute_loss` from the
model's own ``SeedGenerator``. The encoder :math:`f` maps a view to its features
:math:`h = f(x)` (what :meth:`ContrastiveEncoder.encode` returns), a small projection head
:math:`g` maps those to :math:`z = g(h)`, and the loss asks each view to pick out its partner
among the :math:`2N - 1` other views — the NT-Xent loss (normalised temperature-scaled cross
entropy) with temperature :math:`\tau`:

.. math:: \ell_i = -\log \frac{\exp(s_{i,p(i)} / \tau)}
          {\sum_{k \ne i} \exp(s_{i,k} / \tau)}, \qquad
          s_{i,k} = \frac{z_i^\top z_k}{\lVert z_i\rVert \lVert z_k\rVert},

averaged over the :math:`2N` views (:math:`p(i)` is the other view of the same image). The
features that survive are those the augmentations do not change: garment shape rather than
exact position or brightness, which is what clustering and retrieval need. The head is
thrown away after training (its output keeps less information than :math:`h`).

Example:
    >>> from unsuplab.models import ContrastiveEncoder
    >>> from unsuplab.training import fit
    >>> model = ContrastiveEncoder(latent_dim=64, seed=0)
    >>> model.compile(optimizer="adam")
    >>> fit(model, x_train, epochs=10, batch_size=256)     # uint8 or [0, 1] images
    >>> features = model.encode(x_test)                    # (N, 64)
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .._validation import (
    check_batch_size,
    check_choice,
    check_image_shape,
    check_number,
    check_range,
    check_units,
)
from ..networks.augmentations import augment
from ..networks.conv import backbone, conv_encoder, feature_shape
from ..networks.mlp import projection_head
from ._base import (
    PACKAGE,
    SeededModel,
    check_finite_weights,
    loss_first_metrics,
    model_images,
    predict_batched,
    subclass_config,
)

ARCHITECTURES = ("conv", "resnet")
#: Default widths: conv, two stride-2 convolutions (28 -> 14 -> 7) and a dense layer of 256;
#: resnet, three residual stages of :func:`unsuplab.networks.conv.backbone`.
DEFAULT_FILTERS = {"conv": (32, 64), "resnet": (16, 32, 64)}
DEFAULT_DENSE_UNITS = {"conv": (256,), "resnet": ()}
SINGLE_IMAGE_BATCH = (
    "ContrastiveEncoder trains on batches of at least 2 images: NT-Xent picks each view's "
    "partner among the other images' views, and with 1 image there is no other (the loss is 0 "
    "and the accuracy 1 whatever the features). Pass batch_size >= 2, and a number of images "
    "that does not leave a last batch of 1 (len(x) % batch_size != 1). Received: a batch of "
    "fewer than 2 images"
)


def nt_xent(z1, z2, temperature=0.5):
    r"""The NT-Xent loss of two batches of projections, each row of ``z1`` paired with the same
    row of ``z2`` (module docstring): mean over the :math:`2N` views of
    :math:`-\log \operatorname{softmax}_{k \ne i}(s_{i,k} / \tau)_{p(i)}`.

    Args:
        z1, z2: tensors of shape (N, D), N >= 2 (no need to normalise them).
        temperature: :math:`\tau > 0`.

    Returns:
        ``(loss, accuracy)``: scalar tensors; ``accuracy`` is the fraction of views whose
        partner has the highest similarity (chance: 1 / (2N - 1)).
    """
    z = ops.concatenate([z1, z2], axis=0)
    z = z / ops.sqrt(ops.maximum(ops.sum(ops.square(z), axis=-1, keepdims=True), 1e-12))
    n = ops.shape(z1)[0]
    index = ops.arange(2 * n)
    logits = ops.matmul(z, ops.transpose(z)) / temperature
    self_pair = ops.cast(ops.equal(index[:, None], index[None, :]), logits.dtype)
    logits = logits - 1e9 * self_pair  # a view is not its own partner
    partner = ops.concatenate([ops.arange(n) + n, ops.arange(n)], axis=0)
    loss = keras.losses.sparse_categorical_crossentropy(partner, logits, from_logits=True)
    hit = ops.cast(ops.equal(ops.argmax(logits, axis=-1), partner), logits.dtype)
    return ops.mean(loss), ops.mean(hit)


@keras.saving.register_keras_serializable(package=PACKAGE)
class ContrastiveEncoder(SeededModel):
    r"""An image encoder trained without labels by SimCLR's contrastive loss.

    Args:
        latent_dim: size of the features :math:`h` (what :meth:`encode` returns).
        architecture: ``"conv"`` (:func:`~unsuplab.networks.conv.conv_encoder`: stride-2
            convolutions, dense layers, a linear ``Dense(latent_dim)``; fast on a CPU) or
            ``"resnet"`` (:func:`~unsuplab.networks.conv.backbone`, global average pooling,
            then ``Dense(latent_dim)``).
        filters: channels of the convolutions (default by architecture, see
            :data:`DEFAULT_FILTERS`).
        dense_units: conv only: dense layers between the feature maps and the features.
        projection_dim: size of the head's output :math:`z`.
        projection_units: hidden widths of the head.
        temperature: :math:`\tau` of the NT-Xent loss (> 0): small values weigh the hardest
            negatives most.
        area, ratio, flip, brightness, contrast, noise, cutout: the augmentations, as in
            :func:`unsuplab.networks.augmentations.augment`.
        image_shape: ``(height, width, channels)``.
        seed: seed of the augmentations (an int, or None for a random one).

    Call arguments:
        inputs: images (batch, H, W, C) in [0, 1]. Returns the features (batch, latent_dim).

    Raises:
        ValueError: bad widths, shapes, strengths or temperature; a training batch of one
            image (:attr:`min_batch_size`), whose NT-Xent is 0 whatever the features.
    """

    #: The smallest training batch the loss means something for (read by
    #: :func:`unsuplab.training.fit`, which refuses a smaller ``batch_size`` up front).
    min_batch_size = 2

    def __init__(self, latent_dim=64, *, architecture="conv", filters=None, dense_units=None,
                 projection_dim=64, projection_units=(256,), temperature=0.5, area=(0.35, 1.0),
                 ratio=(3 / 4, 4 / 3), flip=True, brightness=0.4, contrast=0.4, noise=0.0,
                 cutout=0, image_shape=(28, 28, 1), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = check_number(latent_dim, "latent_dim", low=1, integer=True)
        self.architecture = check_choice(architecture, "architecture", ARCHITECTURES)
        self.image_shape = check_image_shape(image_shape)
        self.filters = check_units(DEFAULT_FILTERS[self.architecture] if filters is None
                                   else filters, "filters", allow_empty=False)
        if dense_units is None:
            dense_units = DEFAULT_DENSE_UNITS[self.architecture]
        self.dense_units = check_units(dense_units, "dense_units")
        if self.dense_units and self.architecture != "conv":
            raise ValueError("dense_units only applies to architecture='conv'. Received: "
                             f"dense_units={dense_units!r} with architecture={architecture!r}")
        self.projection_dim = check_number(projection_dim, "projection_dim", low=1, integer=True)
        self.projection_units = check_units(projection_units, "projection_units")
        self.temperature = float(check_number(temperature, "temperature", low=0,
                                              low_inclusive=False))
        self.augmentation = self._check_augmentation(area, ratio, flip, brightness, contrast,
                                                     noise, cutout)
        self.encoder = self._build_encoder()
        self.head = projection_head(self.latent_dim, self.projection_dim,
                                    hidden_units=self.projection_units)
        self.accuracy_tracker = keras.metrics.Mean(name="contrastive_accuracy")
        self.built = True  # every weight exists now (the networks are functional)

    @staticmethod
    def _check_augmentation(area, ratio, flip, brightness, contrast, noise, cutout):
        area = check_range(area, "area", 0.0, 1.0)
        if area[0] <= 0:
            raise ValueError(f"area must be > 0 (a fraction of the image). Received: "
                             f"area={area!r}")
        ratio = check_range(ratio, "ratio", 1e-3, 1e3)
        return {
            "area": area,
            "ratio": ratio,
            "flip": bool(flip),
            "brightness": float(check_number(brightness, "brightness", low=0, high=1)),
            "contrast": float(check_number(contrast, "contrast", low=0, high=1)),
            "noise": float(check_number(noise, "noise", low=0, high=1)),
            "cutout": check_number(cutout, "cutout", low=0, integer=True),
        }

    def _build_encoder(self):
        if self.architecture == "conv":
            feature_shape(self.image_shape, self.filters)
            return conv_encoder(self.image_shape, self.latent_dim, filters=self.filters,
                                dense_units=self.dense_units, batch_norm=True)
        body = backbone(self.image_shape, filters=self.filters)
        code = keras.layers.Dense(self.latent_dim, name="code")(body.output)
        return keras.Model(body.input, code, name="encoder")

    # --- the Keras side -----------------------------------------------------------------------

    def build(self, input_shape=None):
        self.built = True  # the networks are built in __init__

    def call(self, inputs, training=False):
        return self.encoder(inputs, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """NT-Xent of two fresh views of the batch ``x`` (``y`` and ``y_pred`` are unused:
        the views, not the clean images, are what the loss compares)."""
        del y, y_pred, sample_weight
        x = check_batch_size(ops.cast(x, self.compute_dtype), self.min_batch_size,
                             SINGLE_IMAGE_BATCH)
        n = ops.shape(x)[0]
        both = augment(ops.concatenate([x, x], axis=0), seed=self.seed_generator,
                       **self.augmentation)
        # one pass over the 2N views: batch norm sees both views of every image
        z = self.head(self.encoder(both, training=training), training=training)
        loss, accuracy = nt_xent(z[:n], z[n:], self.temperature)
        self.accuracy_tracker.update_state(accuracy)
        if self.losses:
            loss = loss + ops.sum(self.losses)
        return loss

    @property
    def metrics(self):
        """``loss`` (NT-Xent), then ``contrastive_accuracy``; Keras resets them each epoch."""
        return loss_first_metrics(self, super().metrics, [self.accuracy_tracker])

    def get_config(self):
        base = subclass_config(super().get_config())
        aug = self.augmentation
        return {
            **base,
            "latent_dim": self.latent_dim,
            "architecture": self.architecture,
            "filters": list(self.filters),
            "dense_units": list(self.dense_units),
            "projection_dim": self.projection_dim,
            "projection_units": list(self.projection_units),
            "temperature": self.temperature,
            "area": list(aug["area"]),
            "ratio": list(aug["ratio"]),
            "flip": aug["flip"],
            "brightness": aug["brightness"],
            "contrast": aug["contrast"],
            "noise": aug["noise"],
            "cutout": aug["cutout"],
            "image_shape": list(self.image_shape),
            "seed": self.seed,
        }

    # --- NumPy in, NumPy out ------------------------------------------------------------------

    def _images(self, images, name="images"):
        return model_images(self, images, name)

    def encode(self, images, *, batch_size=512):
        """The features :math:`h` of ``images`` (uint8 or float in [0, 1], (N, H, W[, C])):
        float32 (N, latent_dim). The projection head is not applied."""
        x, _ = model_images(self, images, scale=False)  # scaled batch by batch
        check_finite_weights(self)
        return predict_batched(lambda b: self.encoder(b, training=False), x,
                               batch_size=batch_size)

    def project(self, images, *, batch_size=512):
        """The head's output :math:`z = g(h)` (N, projection_dim): what the loss compares."""
        x, _ = self._images(images)
        check_finite_weights(self)
        return predict_batched(
            lambda b: self.head(self.encoder(b, training=False), training=False), x,
            batch_size=batch_size)

    def augment(self, images, *, seed=0):
        """One random view of each image with this model's augmentations (to look at them),
        in the layout of ``images``; ``seed`` (an int) fixes the draw."""
        x, back = self._images(images)
        seed = check_number(seed, "seed", low=0, integer=True)
        out = augment(ops.convert_to_tensor(x), seed=keras.random.SeedGenerator(seed),
                      **self.augmentation)
        return back(ops.convert_to_numpy(out).astype(np.float32))

    def chance_loss(self, batch_size):
        """The loss of features that know nothing, :math:`\\log(2N - 1)` for a batch of N."""
        batch_size = check_number(batch_size, "batch_size", low=2, integer=True)
        return math.log(2 * batch_size - 1)


__all__ = ["ARCHITECTURES", "ContrastiveEncoder", "nt_xent"]
