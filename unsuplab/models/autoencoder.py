"""Autoencoders for images: dense (shallow to deep) and convolutional.

An autoencoder is an *encoder* :math:`z = f_\\theta(x)` into a small latent space and a
*decoder* :math:`\\hat x = g_\\phi(z)` back to the image, trained to minimise the
reconstruction loss :math:`\\frac{1}{N}\\sum_i \\lVert x_i - g_\\phi(f_\\theta(x_i))\\rVert^2`.
The input is its own target: train with ``model.fit(x)`` or :func:`unsuplab.training.fit`.

- :class:`DenseAutoencoder`: :func:`~unsuplab.networks.mlp.mlp_encoder` and its mirror.
  ``hidden_units=()`` is the shallow autoencoder; ``hidden_units=(256, 128)`` a deep one;
  ``activation=None`` and ``output_activation=None`` a *linear* autoencoder, whose optimum spans
  the PCA subspace (:class:`unsuplab.models.PCAAutoencoder` is PCA itself).
- :class:`ConvAutoencoder`: :func:`~unsuplab.networks.conv.conv_encoder` (strided
  convolutions, a dense code) and :func:`~unsuplab.networks.conv.conv_decoder`.

:func:`build_autoencoder` builds chapter 01's architectures by name; the training recipe (Adam,
cosine-decayed learning rate, the model cache) is :func:`unsuplab.chapters.ch01.train_autoencoder`.

Both follow the package's latent-model protocol (``latent_dim``, ``image_shape``, ``encode``,
``decode``, ``reconstruct``; images uint8 or float in [0, 1]), are written with Keras layers
only (every backend), registered serializable, and save/load as ``.keras`` in safe mode with
their optimizer state, so training can resume where it stopped.
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import (
    as_image_batch,
    check_array,
    check_choice,
    check_image_shape,
    check_number,
    check_units,
)
from ..networks.conv import conv_decoder, conv_encoder, feature_shape
from ..networks.mlp import mlp_decoder, mlp_encoder
from ._base import PACKAGE, check_finite_weights, predict_batched

_BATCH = 1024  # images per forward pass in encode/decode/reconstruct


class _Autoencoder(keras.Model):
    """What every Keras autoencoder here shares: input checks, the loss, encode/decode.

    Subclasses build ``self.encoder`` (image -> code) and ``self.decoder`` (code -> image),
    both functional ``keras.Model`` s from :mod:`unsuplab.networks`, in ``__init__``.
    """

    def __init__(self, latent_dim, image_shape, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = check_number(latent_dim, "latent_dim", low=1, integer=True)
        self.image_shape = check_image_shape(image_shape)

    # --- the Keras side -----------------------------------------------------------------------
    def call(self, inputs, training=False):
        self._check_static_shape(inputs)
        return self.decoder(self.encoder(inputs, training=training), training=training)

    def build(self, input_shape=None):
        # Encoder and decoder are built in __init__; nothing is left to create here.
        self.built = True

    def _check_static_shape(self, inputs):
        shape = tuple(inputs.shape)
        if len(shape) != 4 or tuple(shape[1:]) != self.image_shape:
            raise ValueError(
                f"{type(self).__name__} expects a batch of images of shape "
                f"(batch, {', '.join(map(str, self.image_shape))}). "
                f"Received: inputs of shape {shape}"
            )

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss against ``y``, or against the input itself when ``y`` is None."""
        return super().compute_loss(
            x=x, y=x if y is None else y, y_pred=y_pred, sample_weight=sample_weight,
            training=training,
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Compiled metrics against ``y``, or against the input itself when ``y`` is None."""
        return super().compute_metrics(x, x if y is None else y, y_pred, sample_weight)

    # --- the NumPy side: checked inputs, batched forward passes --------------------------------
    def _images(self, images, name="images", *, scale=True):
        """Checked images -> float32 (N, H, W, C) (uint8 kept with ``scale=False``) and the
        function back to the caller's layout."""
        x, back = as_image_batch(images, name, ndim=(3, 4), scale=scale)
        if x.shape[1:] != self.image_shape:
            raise ValueError(
                f"{name} must be images of shape {self.image_shape} (or "
                f"{self.image_shape[:2]} for one channel). Received: {name} of shape "
                f"{np.shape(images)}"
            )
        return x, back

    def encode(self, images):
        """Latent codes of ``images``.

        Args:
            images: uint8, or float in [0, 1]; shape (N, H, W, C), or (N, H, W) for one channel.

        Returns:
            ndarray of shape (N, latent_dim).
        """
        x, _ = self._images(images, scale=False)  # scaled batch by batch
        check_finite_weights(self)
        return predict_batched(lambda b: self.encoder(b, training=False), x, batch_size=_BATCH)

    def decode(self, codes):
        """Images decoded from latent codes.

        Args:
            codes: float array of shape (N, latent_dim) (or (latent_dim,) for one code).

        Returns:
            ndarray of shape (N, H, W, C).
        """
        z = check_array(codes, "codes", ndim=(1, 2), dtype_kind="f")
        if z.ndim == 1:
            z = z[None]
        if z.shape[1] != self.latent_dim:
            raise ValueError(
                f"codes must have latent_dim={self.latent_dim} columns. "
                f"Received: codes of shape {z.shape}"
            )
        check_finite_weights(self)
        z = z.astype(np.float32, copy=False)
        return predict_batched(lambda b: self.decoder(b, training=False), z, batch_size=_BATCH)

    def reconstruct(self, images):
        """``decode(encode(images))``, in the layout of ``images`` ((N, H, W) stays so)."""
        x, back = self._images(images, scale=False)
        check_finite_weights(self)
        return back(predict_batched(lambda b: self(b, training=False), x, batch_size=_BATCH))


@keras.saving.register_keras_serializable(package=PACKAGE)
class DenseAutoencoder(_Autoencoder):
    """A fully connected autoencoder: shallow, deep or linear.

    Encoder: :func:`~unsuplab.networks.mlp.mlp_encoder` (flatten, ``Dense(u)`` for each ``u``
    in ``hidden_units``, a linear ``Dense(latent_dim)`` code). Decoder: its mirror, ending in
    ``Dense(H*W*C)`` (layer ``pixels``) with ``output_activation`` and a reshape.

    Args:
        latent_dim: size of the code, a positive integer.
        hidden_units: widths of the hidden layers of the encoder (the decoder mirrors them).
            ``()`` gives the shallow autoencoder, ``(256, 128)`` a deep one.
        image_shape: ``(height, width, channels)`` of the images.
        activation: activation of the hidden layers (a Keras activation name, or None).
        output_activation: activation of the output; ``"sigmoid"`` for images in [0, 1],
            ``None`` for a linear autoencoder (with ``activation=None`` too).
        batch_norm: batch normalization after each hidden layer. It mixes the images of a
            batch in training (a batch's statistics normalise each image), which steadies deep
            autoencoders; the VAE avoids it (its loss is per image).

    Call arguments:
        inputs: a float tensor of shape (batch, H, W, C).

    Returns:
        The reconstruction, of the input's shape.

    Raises:
        ValueError: for ``latent_dim <= 0``, bad widths, shapes or activation names.

    Example:
        >>> ae = DenseAutoencoder(latent_dim=32, hidden_units=(256,))
        >>> ae.compile(optimizer="adam", loss="mse")
        >>> ae.fit(x_train, epochs=5, batch_size=256)  # the input is its own target
        >>> codes = ae.encode(x_test)                   # shape (N, 32)
    """

    def __init__(
        self,
        latent_dim=32,
        hidden_units=(),
        image_shape=(28, 28, 1),
        activation="relu",
        output_activation="sigmoid",
        batch_norm=False,
        **kwargs,
    ):
        super().__init__(latent_dim, image_shape, **kwargs)
        self.hidden_units = check_units(hidden_units, "hidden_units")
        self.activation = activation
        self.output_activation = output_activation
        self.batch_norm = bool(batch_norm)
        common = {
            "hidden_units": self.hidden_units,
            "activation": activation,
            "batch_norm": self.batch_norm,
        }
        self.encoder = mlp_encoder(self.image_shape, self.latent_dim, **common)
        self.decoder = mlp_decoder(
            self.image_shape, self.latent_dim, output_activation=output_activation, **common
        )
        self.built = True  # every weight exists now (encoder and decoder are functional)

    def get_config(self):
        base_config = super().get_config()
        config = {
            "latent_dim": self.latent_dim,
            "hidden_units": list(self.hidden_units),
            "image_shape": list(self.image_shape),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "batch_norm": self.batch_norm,
        }
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package=PACKAGE)
class ConvAutoencoder(_Autoencoder):
    """A convolutional autoencoder with a dense bottleneck.

    Encoder: :func:`~unsuplab.networks.conv.conv_encoder`, one ``Conv2D(f, kernel_size,
    strides=2)`` (+ BatchNorm + activation) per entry of ``filters``, then flatten and
    ``Dense(latent_dim)``. Decoder: :func:`~unsuplab.networks.conv.conv_decoder`, its mirror.
    With the defaults on 28x28 images: 28 -> 14 -> 7 (64 maps) -> ``latent_dim`` -> 7 -> 14 -> 28.

    Args:
        latent_dim: size of the code, a positive integer.
        filters: feature maps of the encoder's convolutions; height and width must be divisible
            by ``2 ** len(filters)``.
        kernel_size: side of the convolution kernels (odd).
        image_shape: ``(height, width, channels)`` of the images.
        batch_norm: batch normalization after every hidden convolution and the decoder's
            dense layer (faster, steadier training; see :class:`DenseAutoencoder`).
        output_activation: ``"sigmoid"`` for images in [0, 1].
        activation: activation of the hidden layers (``"relu"``, ``"leaky_relu"``...).

    Attributes:
        feature_shape: shape of the smallest feature map, e.g. (7, 7, 64).

    Raises:
        ValueError: for ``latent_dim <= 0``, bad filters, or an image size that the strides
            cannot halve ``len(filters)`` times.

    Example:
        >>> ae = ConvAutoencoder(latent_dim=32)
        >>> ae.compile(optimizer="adam", loss="mse")
        >>> ae.fit(x_train, epochs=5, batch_size=256)
    """

    def __init__(
        self,
        latent_dim=32,
        filters=(32, 64),
        kernel_size=3,
        image_shape=(28, 28, 1),
        batch_norm=True,
        output_activation="sigmoid",
        activation="relu",
        **kwargs,
    ):
        super().__init__(latent_dim, image_shape, **kwargs)
        self.filters = check_units(filters, "filters", allow_empty=False)
        self.kernel_size = check_number(kernel_size, "kernel_size", low=1, integer=True)
        self.batch_norm = bool(batch_norm)
        self.output_activation = output_activation
        self.activation = activation
        self.feature_shape = feature_shape(self.image_shape, self.filters)
        common = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "batch_norm": self.batch_norm,
            "activation": activation,
        }
        self.encoder = conv_encoder(self.image_shape, self.latent_dim, **common)
        self.decoder = conv_decoder(
            self.image_shape, self.latent_dim, output_activation=output_activation, **common
        )
        self.built = True  # every weight exists now (encoder and decoder are functional)

    def get_config(self):
        base_config = super().get_config()
        config = {
            "latent_dim": self.latent_dim,
            "filters": list(self.filters),
            "kernel_size": self.kernel_size,
            "image_shape": list(self.image_shape),
            "batch_norm": self.batch_norm,
            "output_activation": self.output_activation,
            "activation": self.activation,
        }
        return {**base_config, **config}


#: The architectures of chapter 01, by name: ``name -> (class, fixed keyword arguments)``.
ARCHITECTURES = {
    "linear": (
        DenseAutoencoder,
        {"hidden_units": (), "activation": None, "output_activation": None},
    ),
    "dense": (DenseAutoencoder, {"hidden_units": ()}),
    "deep": (DenseAutoencoder, {"hidden_units": (256, 128), "batch_norm": True}),
    "conv": (ConvAutoencoder, {"filters": (32, 64), "batch_norm": True}),
}


def build_autoencoder(architecture, latent_dim, *, image_shape=(28, 28, 1), **kwargs):
    """Build an autoencoder of chapter 01 by name (untrained, uncompiled).

    Args:
        architecture: ``"linear"``, ``"dense"`` (shallow), ``"deep"`` (dense 256-128) or
            ``"conv"``.
        latent_dim: size of the code.
        image_shape: ``(height, width, channels)``.
        **kwargs: override the architecture's defaults (e.g. ``filters=(16, 32)``).

    Returns:
        A :class:`DenseAutoencoder` or :class:`ConvAutoencoder`.
    """
    check_choice(architecture, "architecture", tuple(ARCHITECTURES))
    cls, defaults = ARCHITECTURES[architecture]
    return cls(latent_dim=latent_dim, image_shape=image_shape, **{**defaults, **kwargs})


__all__ = ["ARCHITECTURES", "ConvAutoencoder", "DenseAutoencoder", "build_autoencoder"]
