"""Convolutional builders: a strided encoder, its mirrored decoder, and a small residual backbone.

Every builder returns a functional ``keras.Model``. The encoder halves the image once per entry
of ``filters`` (``Conv2D(f, kernel_size, strides=2, padding="same")``), flattens and ends in a
dense code; the decoder maps a code back through a dense layer to the smallest feature map and
doubles it once per entry (``Conv2DTranspose``). On 28x28 images with ``filters=(32, 64)``:
28 -> 14 -> 7 (64 maps) -> ``latent_dim`` -> 7 -> 14 -> 28.

One encoder serves several chapters: an autoencoder's (``outputs=1``), a VAE's Gaussian
posterior (``outputs=2``: heads ``z_mean`` and ``z_log_var``), a GAN's discriminator
(``latent_dim=1``, ``batch_norm=False``, ``activation="leaky_relu"``); the decoder is also a
GAN's generator (``output_activation="tanh"`` or ``"sigmoid"``).

Example:
    >>> encoder = conv_encoder((28, 28, 1), 32)                  # (N, 28, 28, 1) -> (N, 32)
    >>> decoder = conv_decoder((28, 28, 1), 32)                  # (N, 32) -> (N, 28, 28, 1)
    >>> vae_encoder = conv_encoder((28, 28, 1), 2, outputs=2)    # -> [z_mean, z_log_var]
"""

from __future__ import annotations

import math

import keras
from keras import layers

from .._validation import check_image_shape, check_number, check_units
from ._blocks import check_activation, check_outputs, dense_block, latent_heads, spectral
from ._blocks import normalize_activate as _normalize_activate


def feature_shape(image_shape, filters):
    """The shape ``(height / 2**n, width / 2**n, filters[-1])`` of the smallest feature map,
    ``n = len(filters)``.

    Raises:
        ValueError: an empty ``filters``, or a height or width that ``n`` stride-2 layers cannot
            halve exactly (the decoder could not give the image size back).
    """
    height, width, _ = check_image_shape(image_shape)
    filters = check_units(filters, "filters", allow_empty=False)
    factor = 2 ** len(filters)
    if height % factor or width % factor:
        raise ValueError(
            f"image height and width must be divisible by {factor} (2**len(filters): one halving "
            f"per stride-2 convolution). Received: image_shape={tuple(image_shape)}, "
            f"filters={filters}"
        )
    return height // factor, width // factor, filters[-1]


def _check_common(image_shape, latent_dim, filters, kernel_size, activation):
    image_shape = check_image_shape(image_shape)
    latent_dim = check_number(latent_dim, "latent_dim", low=1, integer=True)
    filters = check_units(filters, "filters", allow_empty=False)
    kernel_size = check_number(kernel_size, "kernel_size", low=1, integer=True)
    activation = check_activation(activation, "activation", allow_none=False)
    return image_shape, latent_dim, filters, kernel_size, activation


def conv_encoder(
    image_shape,
    latent_dim,
    *,
    filters=(32, 64),
    kernel_size=3,
    batch_norm=True,
    activation="relu",
    dense_units=(),
    outputs=1,
    spectral_norm=False,
    use_bias=None,
    name="encoder",
):
    """A strided convolutional encoder: images (N, H, W, C) -> codes (N, latent_dim).

    Per entry ``f`` of ``filters``: ``Conv2D(f, kernel_size, strides=2)`` (no bias under batch
    norm), ``BatchNormalization`` if ``batch_norm``, then ``activation``. Then ``Flatten``, one
    ``Dense(u)`` + activation per entry of ``dense_units``, and the code.

    Args:
        image_shape: ``(height, width, channels)``; height and width divisible by
            ``2 ** len(filters)``.
        latent_dim: size of the code (1 for a discriminator's logit).
        filters: feature maps of the stride-2 convolutions, in order.
        kernel_size: side of the kernels.
        batch_norm: batch normalization after each hidden layer.
        activation: a Keras activation name, e.g. ``"relu"`` or ``"leaky_relu"`` (GANs).
        dense_units: widths of dense layers between the feature maps and the code.
        outputs: 1 for one code (layer ``code``); 2 for a Gaussian posterior, a list
            ``[z_mean, z_log_var]``.
        spectral_norm: wrap every convolution and dense layer in
            ``keras.layers.SpectralNormalization`` (a GAN critic's Lipschitz constraint; one
            output only, usually with ``batch_norm=False``).
        use_bias: biases in the convolutions; default ``not batch_norm`` (BN's shift replaces
            them). A GAN discriminator uses none (as DCGAN's reference code): on TensorFlow,
            Conv2D + bias + LeakyReLU under a gradient tape trips Grappler's fusion pass
            ("remapper failed" in the log).
        name: the model's name.

    Returns:
        A functional ``keras.Model``.

    Raises:
        ValueError: bad shapes, widths, activation names, or ``outputs`` not 1 or 2.
    """
    image_shape, latent_dim, filters, kernel_size, activation = _check_common(
        image_shape, latent_dim, filters, kernel_size, activation
    )
    dense_units = check_units(dense_units, "dense_units")
    outputs = check_outputs(outputs)
    feature_shape(image_shape, filters)
    batch_norm, spectral_norm = bool(batch_norm), bool(spectral_norm)
    use_bias = (not batch_norm) if use_bias is None else bool(use_bias)
    if spectral_norm and outputs != 1:
        raise ValueError(
            f"spectral_norm applies to a one-output encoder (a critic). Received: "
            f"spectral_norm=True with outputs={outputs}"
        )
    inputs = keras.Input(image_shape, name="image")
    h = inputs
    for i, f in enumerate(filters):
        block = f"enc_conv{i + 1}"
        conv = layers.Conv2D(
            f, kernel_size, strides=2, padding="same", use_bias=use_bias, name=block
        )
        h = spectral(conv, spectral_norm)(h)
        h = _normalize_activate(h, activation=activation, batch_norm=batch_norm, name=block)
    h = layers.Flatten(name="flatten")(h)
    for i, units in enumerate(dense_units):
        h = dense_block(h, units, activation=activation, batch_norm=batch_norm,
                        name=f"enc_dense{i + 1}", spectral_norm=spectral_norm)
    code = latent_heads(h, latent_dim, outputs, spectral_norm=spectral_norm)
    return keras.Model(inputs, code, name=name)


def conv_decoder(
    image_shape,
    latent_dim,
    *,
    filters=(32, 64),
    kernel_size=3,
    batch_norm=True,
    activation="relu",
    output_activation="sigmoid",
    dense_units=(),
    name="decoder",
):
    """The mirror of :func:`conv_encoder`: codes (N, latent_dim) -> images (N, H, W, C).

    One ``Dense(u)`` + activation per entry of ``dense_units`` (in the encoder's order,
    mirrored), a dense layer to the smallest feature map :func:`feature_shape`, one
    ``Conv2DTranspose(f, kernel_size, strides=2)`` (+ BN + activation) per entry of
    ``filters[-2::-1]``, and a last ``Conv2DTranspose(channels, strides=2)`` named ``image``
    with ``output_activation``.

    Args:
        image_shape, latent_dim, filters, kernel_size, batch_norm, activation, dense_units: as
            in :func:`conv_encoder` (give the encoder's values: the decoder mirrors them).
        output_activation: ``"sigmoid"`` for images in [0, 1], ``"tanh"`` for [-1, 1] (GAN
            generators), ``None`` for logits (a Bernoulli VAE).
        name: the model's name.

    Returns:
        A functional ``keras.Model``.
    """
    image_shape, latent_dim, filters, kernel_size, activation = _check_common(
        image_shape, latent_dim, filters, kernel_size, activation
    )
    dense_units = check_units(dense_units, "dense_units")
    output_activation = check_activation(output_activation, "output_activation")
    smallest = feature_shape(image_shape, filters)
    batch_norm = bool(batch_norm)
    z = keras.Input((latent_dim,), name="code")
    h = z
    for i, units in enumerate(reversed(dense_units)):
        h = dense_block(
            h, units, activation=activation, batch_norm=batch_norm, name=f"dec_dense{i + 1}"
        )
    h = dense_block(
        h, math.prod(smallest), activation=activation, batch_norm=batch_norm, name="dec_features"
    )
    h = layers.Reshape(smallest, name="feature_maps")(h)
    for i, f in enumerate(filters[-2::-1]):
        block = f"dec_deconv{i + 1}"
        h = layers.Conv2DTranspose(
            f, kernel_size, strides=2, padding="same", use_bias=not batch_norm, name=block
        )(h)
        h = _normalize_activate(h, activation=activation, batch_norm=batch_norm, name=block)
    outputs = layers.Conv2DTranspose(
        image_shape[-1],
        kernel_size,
        strides=2,
        padding="same",
        activation=output_activation,
        name="image",
    )(h)
    return keras.Model(z, outputs, name=name)


def backbone(image_shape, *, filters=(32, 64, 128), batch_norm=True, name="backbone"):
    """A small residual network: images (N, H, W, C) -> feature vectors (N, filters[-1]).

    One residual stage per entry ``f`` of ``filters`` (He et al. 2016's basic block):
    ``Conv2D(f, 3)`` (stride 2 from the second stage on) + BN + ReLU, ``Conv2D(f, 3)`` + BN,
    added to a shortcut (a 1x1 convolution where the shape changes), then ReLU. Global average
    pooling turns the last feature maps into one vector per image: what deep clustering and
    pretraining chapters put a head on.

    Args:
        image_shape: ``(height, width, channels)``; any size (stride-2 layers round up).
        filters: channels of each stage.
        batch_norm: batch normalization after each convolution.
        name: the model's name.

    Returns:
        A functional ``keras.Model`` with output shape ``(N, filters[-1])``.
    """
    image_shape = check_image_shape(image_shape)
    filters = check_units(filters, "filters", allow_empty=False)
    batch_norm = bool(batch_norm)
    inputs = keras.Input(image_shape, name="image")
    h = inputs
    for i, f in enumerate(filters):
        stride, block = (1 if i == 0 else 2), f"stage{i + 1}"
        shortcut = h
        h = layers.Conv2D(
            f, 3, strides=stride, padding="same", use_bias=not batch_norm, name=f"{block}_conv1"
        )(h)
        h = _normalize_activate(h, activation="relu", batch_norm=batch_norm, name=f"{block}_1")
        h = layers.Conv2D(f, 3, padding="same", use_bias=not batch_norm, name=f"{block}_conv2")(h)
        h = _normalize_activate(h, activation=None, batch_norm=batch_norm, name=f"{block}_2")
        if stride != 1 or shortcut.shape[-1] != f:
            shortcut = layers.Conv2D(f, 1, strides=stride, name=f"{block}_shortcut")(shortcut)
        h = layers.Add(name=f"{block}_add")([h, shortcut])
        h = layers.Activation("relu", name=f"{block}_out")(h)
    features = layers.GlobalAveragePooling2D(name="features")(h)
    return keras.Model(inputs, features, name=name)


__all__ = ["backbone", "conv_decoder", "conv_encoder", "feature_shape"]
