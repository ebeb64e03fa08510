"""A small CNN classifier whose penultimate layer is the *domain feature extractor* of the
generative scores (chapter 04: FID, KID, precision/recall, class shares on Fashion-MNIST).

Inception-v3 features (the usual FID) know nothing special about 28×28 grey clothes and
would cost minutes per 10 000 images on a CPU; a classifier trained on the domain itself
separates exactly what matters here (the ten kinds of garment) in milliseconds. Its numbers
are not comparable with published Inception FIDs, only with each other.

The network is a :func:`~unsuplab.networks.conv.conv_encoder` with ``latent_dim`` =
``n_classes`` (the logits) and one dense layer of ``feature_dim`` units before them: that
layer's activations (after batch norm and ReLU) are the features.

Example:
    >>> clf = DomainClassifier(feature_dim=64, seed=0)
    >>> clf.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
    ...     from_logits=True), metrics=["accuracy"])
    >>> fit(clf, x_train, y_train, epochs=2)
    >>> f = clf.features(x_test)           # (N, 64)
    >>> labels = clf.predict_classes(x_test)
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import check_image_shape, check_number, check_units
from ..networks.conv import conv_encoder
from ._base import (
    PACKAGE,
    Classifier,
    SeededModel,
    check_finite_weights,
    model_images,
    predict_batched,
    subclass_config,
)


@keras.saving.register_keras_serializable(package=PACKAGE)
class DomainClassifier(Classifier, SeededModel):
    """A convolutional classifier with a named feature layer.

    Args:
        n_classes: number of classes (>= 2), default 10.
        feature_dim: width of the penultimate (feature) layer, default 64. A Fréchet
            distance needs more samples than this.
        filters: feature maps of the stride-2 convolutions, default (32, 64).
        image_shape: ``(height, width, channels)``, default (28, 28, 1).
        seed: kept in the config (the classifier draws no random numbers itself).

    Call arguments:
        inputs: images (batch, H, W, C) in [0, 1].

    Returns (call):
        Logits (batch, n_classes).
    """

    def __init__(self, n_classes=10, *, feature_dim=64, filters=(32, 64),
                 image_shape=(28, 28, 1), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.n_classes = check_number(n_classes, "n_classes", low=2, integer=True)
        self.feature_dim = check_number(feature_dim, "feature_dim", low=1, integer=True)
        self.filters = check_units(filters, "filters", allow_empty=False)
        self.image_shape = check_image_shape(image_shape)
        self.network = conv_encoder(self.image_shape, self.n_classes, filters=self.filters,
                                    dense_units=(self.feature_dim,), name="classifier")
        self.feature_network = keras.Model(
            self.network.input, self.network.get_layer("enc_dense1_act").output,
            name="features")
        self.built = True

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def get_config(self):
        base = subclass_config(super().get_config())
        return {**base, "n_classes": self.n_classes, "feature_dim": self.feature_dim,
                "filters": list(self.filters), "image_shape": list(self.image_shape),
                "seed": self.seed}

    def _images(self, images):
        x, _ = model_images(self, images)
        check_finite_weights(self)
        return x

    def features(self, images, *, batch_size=1000):
        """The penultimate layer's activations: float32 (N, feature_dim)."""
        x = self._images(images)
        return predict_batched(lambda b: self.feature_network(b, training=False), x,
                               batch_size=batch_size)

    def predict_classes(self, images, *, batch_size=1000):
        """The predicted class of each image: int64 (N,)."""
        x = self._images(images)
        logits = predict_batched(lambda b: self.network(b, training=False), x,
                                 batch_size=batch_size)
        return np.argmax(logits, axis=1)

    def accuracy(self, images, labels):
        """The share of ``images`` whose predicted class is ``labels``."""
        predicted = self.predict_classes(images)
        labels = self.check_targets(labels, len(predicted), "labels")
        return float(np.mean(predicted == labels))


__all__ = ["DomainClassifier"]
