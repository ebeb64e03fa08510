"""Small pieces the network builders share: argument checks, a dense block, latent heads."""

from __future__ import annotations

import keras
from keras import layers

from .._validation import check_number

#: Batch-norm statistics for inference follow the training batches faster than Keras's 0.99:
#: a short (quick-mode) run of a few hundred steps otherwise evaluates with stale statistics.
BN_MOMENTUM = 0.9


def check_activation(value, name, *, allow_none=True):
    """``None`` (no activation, if allowed) or the name of a Keras activation (a string, so the
    network serializes); the error says which."""
    if value is None and allow_none:
        return None
    if isinstance(value, str):
        try:
            keras.activations.get(value)
        except ValueError:
            pass
        else:
            return value
    allowed = "None or the name" if allow_none else "the name"
    raise ValueError(
        f"{name} must be {allowed} of a Keras activation (a string such as 'relu', "
        f"'leaky_relu', 'tanh', 'sigmoid'). Received: {name}={value!r}"
    )


def check_outputs(outputs):
    """1 (one code) or 2 (a Gaussian's mean and log-variance)."""
    outputs = check_number(outputs, "outputs", low=1, high=2, integer=True)
    return outputs


def normalize_activate(h, *, activation, batch_norm, name):
    """Optional batch normalization, then the activation (if any)."""
    if batch_norm:
        h = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(h)
    if activation is not None:
        h = layers.Activation(activation, name=f"{name}_act")(h)
    return h


def spectral(layer, spectral_norm):
    """``layer`` wrapped in ``keras.layers.SpectralNormalization`` (one power iteration per
    training call, Miyato et al. 2018) when ``spectral_norm``; else ``layer`` itself."""
    if not spectral_norm:
        return layer
    return layers.SpectralNormalization(layer, power_iterations=1, name=f"{layer.name}_sn")


def dense_block(h, units, *, activation, batch_norm, name, spectral_norm=False):
    """``Dense(units)`` (no bias under batch norm: BN's shift replaces it), BN, activation."""
    h = spectral(layers.Dense(units, use_bias=not batch_norm, name=name), spectral_norm)(h)
    return normalize_activate(h, activation=activation, batch_norm=batch_norm, name=name)


def latent_heads(h, latent_dim, outputs, *, spectral_norm=False):
    """``Dense(latent_dim)`` named ``code`` for one output (spectrally normalized if asked);
    for two, the heads ``z_mean`` and ``z_log_var`` of a Gaussian posterior (a list of two
    tensors)."""
    if outputs == 1:
        return spectral(layers.Dense(latent_dim, name="code"), spectral_norm)(h)
    return [
        layers.Dense(latent_dim, name="z_mean")(h),
        layers.Dense(latent_dim, name="z_log_var")(h),
    ]
