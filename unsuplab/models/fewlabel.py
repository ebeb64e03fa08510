"""A small CNN classifier for few labels, trained from scratch or fine-tuned (chapter 08).

The few-label protocol of chapter 08 compares, on the same labelled images:

- **from scratch**: :func:`~unsuplab.networks.conv.conv_encoder` (the chapter 01
  autoencoder's encoder, randomly initialised) + a dropout + linear head, all trained on the
  labels;
- **fine-tuned**: the same head on a *pretrained* encoder (an autoencoder's, a VAE's mean
  head, the contrastive backbone), all of it trained on the labels (``freeze_encoder=True``
  trains the head only: a linear probe trained by gradient descent).

Labels are class indices; **-1 marks an unlabelled image** and contributes nothing to the
loss (:func:`masked_crossentropy`), so one batch may mix labelled, pseudo-labelled and
unlabelled images.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from .._validation import (
    as_image_batch,
    check_class_labels,
    check_image_shape,
    check_number,
    check_units,
    describe,
)
from ..networks.conv import conv_encoder
from ._base import PACKAGE, Classifier, SeededModel, check_finite_weights, predict_batched


def masked_crossentropy(labels, logits):
    """Mean cross-entropy of ``softmax(logits)`` over the rows whose label is >= 0.

    .. math:: L = \\frac{1}{|\\mathcal{L}|} \\sum_{i \\in \\mathcal{L}}
              -\\log \\operatorname{softmax}(s_i)_{y_i}, \\qquad
              \\mathcal{L} = \\{i : y_i \\ge 0\\}

    (0 for a batch without any label). ``labels`` (N,) ints, ``logits`` (N, K); keras.ops
    only, so it runs inside a compiled training step on every backend.
    """
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    mask = ops.cast(labels >= 0, logits.dtype)
    safe = ops.maximum(labels, 0)  # any valid index; the mask removes these rows
    log_p = ops.log_softmax(logits, axis=-1)
    picked = ops.take_along_axis(log_p, ops.expand_dims(safe, -1), axis=-1)[:, 0]
    return -ops.sum(picked * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package=PACKAGE)
class ImageClassifier(Classifier, SeededModel):
    """Images -> class logits: an encoder (scratch or pretrained), dropout, a linear head.

    Args:
        n_classes: number of classes (>= 2).
        image_shape: ``(height, width, channels)``.
        encoder: ``None`` for the scratch CNN (:func:`~unsuplab.networks.conv.conv_encoder`
            with ``filters`` and ``feature_dim``), or a ``keras.Model`` mapping images to
            feature vectors (N, d) to fine-tune (pass a copy: its weights are trained).
        filters, feature_dim: the scratch encoder's convolutions and feature size.
        dropout: dropout rate before the head, in [0, 1).
        freeze_encoder: train the head only.
        seed: seed of the dropout noise and the head's initialisation.

    Call arguments:
        inputs: images (batch, H, W, C) in [0, 1].

    Returns:
        Logits of shape (batch, n_classes).

    Raises:
        ValueError: bad sizes, an encoder that does not map images to vectors.

    Example:
        >>> model = ImageClassifier(10, seed=0)
        >>> model.compile(optimizer="adam")  # the loss is built in (compute_loss)
        >>> fit(model, x_labelled, y_labelled, epochs=30)  # y = -1: unlabelled, ignored
        >>> model.predict_classes(x_test)
    """

    def __init__(self, n_classes=10, image_shape=(28, 28, 1), *, encoder=None,
                 filters=(32, 64), feature_dim=128, dropout=0.3, freeze_encoder=False,
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.n_classes = check_number(n_classes, "n_classes", low=2, integer=True)
        self.image_shape = check_image_shape(image_shape)
        self.filters = check_units(filters, "filters", allow_empty=False)
        self.feature_dim = check_number(feature_dim, "feature_dim", low=1, integer=True)
        self.dropout = float(check_number(dropout, "dropout", low=0, high=1,
                                          high_inclusive=False))
        self.freeze_encoder = bool(freeze_encoder)
        self.pretrained = encoder is not None
        if encoder is None:
            encoder = conv_encoder(self.image_shape, self.feature_dim, filters=self.filters,
                                   name="encoder")
        elif not isinstance(encoder, keras.Model):
            raise TypeError(f"encoder must be a keras.Model (images -> features) or None. "
                            f"Received: encoder={encoder!r}")
        out = encoder.compute_output_shape((None, *self.image_shape))
        if not isinstance(out, tuple) or len(out) != 2 or not isinstance(out[-1], int):
            raise ValueError(f"encoder must map images {self.image_shape} to feature vectors "
                             f"(N, d). Received: an encoder with output shape {out}")
        self.encoder = encoder
        self.encoder.trainable = not self.freeze_encoder
        self.head = layers.Dense(self.n_classes, name="head",
                                 kernel_initializer=keras.initializers.GlorotUniform(self.seed))
        self.head.build((None, int(out[-1])))
        self.built = True

    #: -1 marks an unlabelled image (no loss), see :func:`masked_crossentropy`
    allow_unlabelled = True

    def call(self, inputs, training=False):
        features = self.encoder(inputs, training=training and not self.freeze_encoder)
        if training and self.dropout > 0:
            # drawn from the model's own SeedGenerator, whose state is saved with the weights
            # (a Dropout layer's generator is not): a resumed run drops the same units
            features = keras.random.dropout(features, self.dropout,
                                            seed=self.seed_generator)
        return self.head(features)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """:func:`masked_crossentropy` of the logits (labels -1 ignored)."""
        del x, sample_weight, training
        return masked_crossentropy(y, y_pred)

    def _images(self, images):
        x, _ = as_image_batch(images, "images", ndim=(3, 4), scale=False)  # see predict_batched
        if x.shape[1:] != self.image_shape:
            raise ValueError(f"images must have shape {self.image_shape} (or "
                             f"{self.image_shape[:2]}). Received: images={describe(images)}")
        return x

    def predict_proba(self, images):
        """Class probabilities (N, n_classes) of uint8 or [0, 1] images."""
        x = self._images(images)
        check_finite_weights(self)
        logits = predict_batched(lambda b: self(b, training=False), x, batch_size=1024)
        z = logits - logits.max(1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(1, keepdims=True)

    def predict_classes(self, images):
        """The most probable class of each image, shape (N,)."""
        return self.predict_proba(images).argmax(1)

    def score(self, images, labels):
        """Accuracy on ``images`` with true ``labels`` (N,)."""
        y = check_class_labels(labels, len(np.asarray(images)), self.n_classes, "labels")
        return float((self.predict_classes(images) == y).mean())

    def get_config(self):
        base_config = super().get_config()
        config = {
            "n_classes": self.n_classes,
            "image_shape": list(self.image_shape),
            "encoder": keras.saving.serialize_keras_object(self.encoder)
            if self.pretrained else None,
            "filters": list(self.filters),
            "feature_dim": self.feature_dim,
            "dropout": self.dropout,
            "freeze_encoder": self.freeze_encoder,
            "seed": self.seed,
        }
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("encoder") is not None:
            config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return cls(**config)


__all__ = ["ImageClassifier", "masked_crossentropy"]
