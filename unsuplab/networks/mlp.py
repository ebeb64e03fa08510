"""Fully connected builders: an encoder from images to codes and its mirrored decoder.

``hidden_units=()`` gives the shallow network (image -> code in one layer), ``(256, 128)`` a
deep one; ``activation=None`` with ``output_activation=None`` a *linear* one (the PCA link of
chapter 01). With ``outputs=2`` the encoder is a VAE's Gaussian posterior (Burda et al.'s MLP:
``hidden_units=(200, 200)``, ``activation="tanh"``).

Example:
    >>> encoder = mlp_encoder((28, 28, 1), 16, hidden_units=(256, 128))   # -> (N, 16)
    >>> decoder = mlp_decoder((28, 28, 1), 16, hidden_units=(256, 128))   # -> (N, 28, 28, 1)
"""

from __future__ import annotations

import math

import keras
from keras import layers

from .._validation import check_image_shape, check_number, check_units
from ._blocks import check_activation, check_outputs, dense_block, latent_heads


def _check_common(image_shape, latent_dim, hidden_units, activation):
    return (
        check_image_shape(image_shape),
        check_number(latent_dim, "latent_dim", low=1, integer=True),
        check_units(hidden_units, "hidden_units"),
        check_activation(activation, "activation"),
    )


def mlp_encoder(
    image_shape,
    latent_dim,
    *,
    hidden_units=(),
    activation="relu",
    batch_norm=False,
    outputs=1,
    name="encoder",
):
    """A dense encoder: images (N, H, W, C) -> codes (N, latent_dim).

    ``Flatten``, then per entry ``u`` of ``hidden_units`` a ``Dense(u)`` (no bias under batch
    norm), ``BatchNormalization`` if ``batch_norm``, ``activation``; then a linear code.

    Args:
        image_shape: ``(height, width, channels)``.
        latent_dim: size of the code.
        hidden_units: widths of the hidden layers, from the image towards the code.
        activation: a Keras activation name (``"relu"``, ``"tanh"``...) or ``None`` (linear).
        batch_norm: batch normalization after each hidden layer.
        outputs: 1 for one code (layer ``code``); 2 for ``[z_mean, z_log_var]``.
        name: the model's name.

    Returns:
        A functional ``keras.Model``.

    Raises:
        ValueError: bad shapes, widths, activation names, or ``outputs`` not 1 or 2.
    """
    image_shape, latent_dim, hidden_units, activation = _check_common(
        image_shape, latent_dim, hidden_units, activation
    )
    outputs = check_outputs(outputs)
    inputs = keras.Input(image_shape, name="image")
    h = layers.Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden_units):
        h = dense_block(
            h, units, activation=activation, batch_norm=bool(batch_norm), name=f"enc_dense{i + 1}"
        )
    return keras.Model(inputs, latent_heads(h, latent_dim, outputs), name=name)


def mlp_decoder(
    image_shape,
    latent_dim,
    *,
    hidden_units=(),
    activation="relu",
    batch_norm=False,
    output_activation="sigmoid",
    name="decoder",
):
    """The mirror of :func:`mlp_encoder`: codes (N, latent_dim) -> images (N, H, W, C).

    One hidden layer per entry of ``reversed(hidden_units)``, then ``Dense(H * W * C)`` named
    ``pixels`` with ``output_activation``, reshaped to the image.

    Args:
        image_shape, latent_dim, hidden_units, activation, batch_norm: as in
            :func:`mlp_encoder` (give the encoder's values: the decoder mirrors them).
        output_activation: ``"sigmoid"`` for images in [0, 1], ``None`` for a linear output or
            logits.
        name: the model's name.

    Returns:
        A functional ``keras.Model``.
    """
    image_shape, latent_dim, hidden_units, activation = _check_common(
        image_shape, latent_dim, hidden_units, activation
    )
    output_activation = check_activation(output_activation, "output_activation")
    z = keras.Input((latent_dim,), name="code")
    h = z
    for i, units in enumerate(reversed(hidden_units)):
        h = dense_block(
            h, units, activation=activation, batch_norm=bool(batch_norm), name=f"dec_dense{i + 1}"
        )
    h = layers.Dense(math.prod(image_shape), activation=output_activation, name="pixels")(h)
    outputs = layers.Reshape(image_shape, name="image")(h)
    return keras.Model(z, outputs, name=name)


def projection_head(input_dim, output_dim, *, hidden_units=(128,), batch_norm=True,
                    name="projection"):
    """A small MLP on top of features: (N, input_dim) -> (N, output_dim).

    Per entry ``u`` of ``hidden_units``: ``Dense(u)`` (+ BN) + ReLU; then a linear
    ``Dense(output_dim)`` named ``projection``. SimCLR's head (Chen et al. 2020): the
    contrastive loss is computed on its output, the features under it are what is kept.
    """
    input_dim = check_number(input_dim, "input_dim", low=1, integer=True)
    output_dim = check_number(output_dim, "output_dim", low=1, integer=True)
    hidden_units = check_units(hidden_units, "hidden_units")
    features = keras.Input((input_dim,), name="features")
    h = features
    for i, units in enumerate(hidden_units):
        h = dense_block(h, units, activation="relu", batch_norm=bool(batch_norm),
                        name=f"proj_dense{i + 1}")
    outputs = layers.Dense(output_dim, name="projection")(h)
    return keras.Model(features, outputs, name=name)


__all__ = ["mlp_decoder", "mlp_encoder", "projection_head"]
