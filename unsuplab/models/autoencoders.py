"""Autoencoders for images: dense (shallow to deep), convolutional, and PCA as the linear case.

An autoencoder is an *encoder* :math:`z = f_\\theta(x)` into a small latent space and a
*decoder* :math:`\\hat x = g_\\phi(z)` back to the image, trained to minimise the
reconstruction loss :math:`\\frac{1}{N}\\sum_i \\lVert x_i - g_\\phi(f_\\theta(x_i))\\rVert^2`.
The input is its own target: train with ``model.fit(x)`` or :func:`unsuplab.training.fit`.

- :class:`DenseAutoencoder`: fully connected. ``hidden_units=()`` is the shallow autoencoder
  (one layer each way); ``hidden_units=(256, 128)`` a deep one; ``activation=None`` and
  ``output_activation=None`` a *linear* autoencoder, whose optimum spans the PCA subspace.
- :class:`ConvAutoencoder`: strided convolutions down to a small feature map, a dense
  bottleneck, transposed convolutions back up.
- :class:`PCAAutoencoder`: PCA with the same ``encode``/``decode``/``reconstruct`` interface,
  the baseline every autoencoder is compared with.

:func:`build_autoencoder` builds any of them by name and :func:`train_autoencoder` builds,
compiles (Adam, cosine-decayed learning rate, MSE) and trains one: the recipe the notebook and
``benchmarks/autoencoders.py`` share, so a model cached by one is found by the other.

The Keras models are written with ``keras.ops`` only (no backend-specific code), registered
serializable, and save/load as ``.keras`` in safe mode with their optimizer state, so
training can resume where it stopped.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from .._validation import check_array, check_choice, check_images, check_number

_PACKAGE = "unsuplab"
_BATCH = 1024  # images per forward pass in encode/decode/reconstruct
# Batch-norm statistics for inference follow the training batches faster than Keras's 0.99:
# a short (quick-mode) run of a few hundred steps otherwise evaluates with stale statistics.
_BN_MOMENTUM = 0.9


def _check_latent_dim(latent_dim):
    return check_number(latent_dim, "latent_dim", low=1, integer=True)


def _check_image_shape(image_shape):
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else image_shape
    if (
        not isinstance(shape, tuple)
        or len(shape) != 3
        or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in shape)
        or min(shape) < 1
    ):
        raise ValueError(
            "image_shape must be (height, width, channels) with positive integers. "
            f"Received: image_shape={image_shape!r}"
        )
    return tuple(int(s) for s in shape)


def _check_activation(value, name):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            keras.activations.get(value)
        except ValueError:
            raise ValueError(
                f"{name} must be None or the name of a Keras activation. Received: {name}={value!r}"
            ) from None
        return value
    raise ValueError(
        f"{name} must be None or an activation name (a string, so the model serializes). "
        f"Received: {name}={value!r}"
    )


def _check_units(values, name):
    if isinstance(values, int) and not isinstance(values, bool):
        values = (values,)
    if not isinstance(values, (tuple, list)):
        raise ValueError(
            f"{name} must be a tuple of positive integers. Received: {name}={values!r}"
        )
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(
                f"{name} must be a tuple of positive integers. Received: {name}={values!r}"
            )
    return tuple(int(v) for v in values)


class _Autoencoder(keras.Model):
    """What every Keras autoencoder here shares: input checks, the loss, encode/decode.

    Subclasses build ``self.encoder`` (image -> code) and ``self.decoder`` (code -> image),
    both functional ``keras.Model`` s, in ``__init__``.
    """

    def __init__(self, latent_dim, image_shape, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = _check_latent_dim(latent_dim)
        self.image_shape = _check_image_shape(image_shape)

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
        if y is None:
            y = x
        return super().compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Compiled metrics against ``y``, or against the input itself when ``y`` is None."""
        return super().compute_metrics(x, x if y is None else y, y_pred, sample_weight)

    # --- the NumPy side: checked inputs, batched forward passes --------------------------------
    def _images(self, images, name="images"):
        x = check_images(images, name, ndim=(3, 4))
        if x.ndim == 3:
            x = x[..., None]
        if x.shape[1:] != self.image_shape:
            raise ValueError(
                f"{name} must be images of shape {self.image_shape} (or "
                f"{self.image_shape[:2]} for one channel). Received: {name} of shape {x.shape}"
            )
        return x.astype(np.float32, copy=False)

    @staticmethod
    def _batched(fn, x):
        out = [
            ops.convert_to_numpy(fn(x[i : i + _BATCH], training=False))
            for i in range(0, len(x), _BATCH)
        ]
        return np.concatenate(out).astype(np.float32, copy=False)

    def encode(self, images):
        """Latent codes of ``images``.

        Args:
            images: float images in [0, 1] of shape (N, H, W, C), or (N, H, W) for one channel.

        Returns:
            ndarray of shape (N, latent_dim).
        """
        return self._batched(self.encoder, self._images(images))

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
        return self._batched(self.decoder, z.astype(np.float32, copy=False))

    def reconstruct(self, images):
        """``decode(encode(images))``: shape (N, H, W, C), values in the decoder's range."""
        return self._batched(self, self._images(images))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class DenseAutoencoder(_Autoencoder):
    """A fully connected autoencoder: shallow, deep or linear.

    Encoder: flatten, ``Dense(u)`` for each ``u`` in ``hidden_units``, ``Dense(latent_dim)``
    (a linear code). Decoder: the mirror image, ending in ``Dense(H*W*C)`` with
    ``output_activation`` and a reshape.

    Args:
        latent_dim: size of the code, a positive integer.
        hidden_units: widths of the hidden layers of the encoder (the decoder mirrors them).
            ``()`` gives the shallow autoencoder, ``(256, 128)`` a deep one.
        image_shape: ``(height, width, channels)`` of the images.
        activation: activation of the hidden layers (a Keras activation name).
        output_activation: activation of the output; ``"sigmoid"`` for images in [0, 1],
            ``None`` for a linear autoencoder (with ``activation=None`` too).
        batch_norm: add batch normalization after each hidden layer.

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
        self.hidden_units = _check_units(hidden_units, "hidden_units")
        self.activation = _check_activation(activation, "activation")
        self.output_activation = _check_activation(output_activation, "output_activation")
        self.batch_norm = bool(batch_norm)
        self.encoder = self._build_encoder()
        self.decoder = self._build_decoder()
        self.built = True  # every weight exists now (encoder and decoder are functional)

    def _hidden(self, h, units, name):
        h = layers.Dense(units, use_bias=not self.batch_norm, name=name)(h)
        if self.batch_norm:
            h = layers.BatchNormalization(momentum=_BN_MOMENTUM, name=f"{name}_bn")(h)
        if self.activation is not None:
            h = layers.Activation(self.activation, name=f"{name}_act")(h)
        return h

    def _build_encoder(self):
        inputs = keras.Input(self.image_shape, name="image")
        h = layers.Flatten(name="flatten")(inputs)
        for i, units in enumerate(self.hidden_units):
            h = self._hidden(h, units, f"enc_dense{i + 1}")
        z = layers.Dense(self.latent_dim, name="code")(h)
        return keras.Model(inputs, z, name="encoder")

    def _build_decoder(self):
        z = keras.Input((self.latent_dim,), name="code")
        h = z
        for i, units in enumerate(reversed(self.hidden_units)):
            h = self._hidden(h, units, f"dec_dense{i + 1}")
        h = layers.Dense(
            math.prod(self.image_shape), activation=self.output_activation, name="pixels"
        )(h)
        outputs = layers.Reshape(self.image_shape, name="image")(h)
        return keras.Model(z, outputs, name="decoder")

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


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ConvAutoencoder(_Autoencoder):
    """A convolutional autoencoder with a dense bottleneck.

    Encoder: one ``Conv2D(f, kernel_size, strides=2)`` (+ BatchNorm + ReLU) per entry of
    ``filters``, halving the image each time, then flatten and ``Dense(latent_dim)``.
    Decoder: ``Dense`` back to the smallest feature map, one ``Conv2DTranspose(f, strides=2)``
    (+ BatchNorm + ReLU) per entry of ``filters[-2::-1]``, and a last
    ``Conv2DTranspose(channels, strides=2)`` with ``output_activation``.

    With the defaults on 28x28 images: 28 -> 14 -> 7 (64 maps) -> ``latent_dim`` -> 7 -> 14 -> 28.

    Args:
        latent_dim: size of the code, a positive integer.
        filters: feature maps of the encoder's convolutions; height and width must be divisible
            by ``2 ** len(filters)``.
        kernel_size: side of the convolution kernels (odd).
        image_shape: ``(height, width, channels)`` of the images.
        batch_norm: batch normalization after every hidden convolution and the decoder's
            dense layer (faster, steadier training).
        output_activation: ``"sigmoid"`` for images in [0, 1].

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
        **kwargs,
    ):
        super().__init__(latent_dim, image_shape, **kwargs)
        self.filters = _check_units(filters, "filters")
        if not self.filters:
            raise ValueError(f"filters must not be empty. Received: filters={filters!r}")
        self.kernel_size = check_number(kernel_size, "kernel_size", low=1, integer=True)
        self.batch_norm = bool(batch_norm)
        self.output_activation = _check_activation(output_activation, "output_activation")
        factor = 2 ** len(self.filters)
        height, width, _ = self.image_shape
        if height % factor or width % factor:
            raise ValueError(
                f"image height and width must be divisible by 2**len(filters) = {factor}. "
                f"Received: image_shape={self.image_shape}, filters={self.filters}"
            )
        self.feature_shape = (height // factor, width // factor, self.filters[-1])
        self.encoder = self._build_encoder()
        self.decoder = self._build_decoder()
        self.built = True  # every weight exists now (encoder and decoder are functional)

    def _norm_relu(self, h, name):
        if self.batch_norm:
            h = layers.BatchNormalization(momentum=_BN_MOMENTUM, name=f"{name}_bn")(h)
        return layers.ReLU(name=f"{name}_relu")(h)

    def _build_encoder(self):
        inputs = keras.Input(self.image_shape, name="image")
        h = inputs
        for i, f in enumerate(self.filters):
            name = f"enc_conv{i + 1}"
            h = layers.Conv2D(
                f,
                self.kernel_size,
                strides=2,
                padding="same",
                use_bias=not self.batch_norm,
                name=name,
            )(h)
            h = self._norm_relu(h, name)
        h = layers.Flatten(name="flatten")(h)
        z = layers.Dense(self.latent_dim, name="code")(h)
        return keras.Model(inputs, z, name="encoder")

    def _build_decoder(self):
        z = keras.Input((self.latent_dim,), name="code")
        h = layers.Dense(
            math.prod(self.feature_shape), use_bias=not self.batch_norm, name="dec_dense"
        )(z)
        h = self._norm_relu(h, "dec_dense")
        h = layers.Reshape(self.feature_shape, name="feature_maps")(h)
        for i, f in enumerate(self.filters[-2::-1]):
            name = f"dec_deconv{i + 1}"
            h = layers.Conv2DTranspose(
                f,
                self.kernel_size,
                strides=2,
                padding="same",
                use_bias=not self.batch_norm,
                name=name,
            )(h)
            h = self._norm_relu(h, name)
        outputs = layers.Conv2DTranspose(
            self.image_shape[-1],
            self.kernel_size,
            strides=2,
            padding="same",
            activation=self.output_activation,
            name="image",
        )(h)
        return keras.Model(z, outputs, name="decoder")

    def get_config(self):
        base_config = super().get_config()
        config = {
            "latent_dim": self.latent_dim,
            "filters": list(self.filters),
            "kernel_size": self.kernel_size,
            "image_shape": list(self.image_shape),
            "batch_norm": self.batch_norm,
            "output_activation": self.output_activation,
        }
        return {**base_config, **config}


class PCAAutoencoder:
    """PCA as an autoencoder: the best *linear* code of a given size (Eckart–Young).

    ``encode`` projects centred images on the first ``latent_dim`` principal directions,
    :math:`z = V_k^\\top (x - \\mu)`; ``decode`` maps back, :math:`\\hat x = V_k z + \\mu`.
    A linear autoencoder trained with MSE reaches the same reconstruction error, and its
    decoder spans the same subspace (not necessarily with the same basis).

    Args:
        latent_dim: number of principal components kept.

    Attributes:
        components_: ndarray of shape (latent_dim, n_pixels), orthonormal rows, by decreasing
            explained variance.
        mean_: ndarray of shape (n_pixels,).
        explained_variance_: ndarray of shape (latent_dim,).
        image_shape_: shape of one training image.

    Example:
        >>> pca = PCAAutoencoder(latent_dim=32).fit(x_train)
        >>> x_hat = pca.reconstruct(x_test)
    """

    def __init__(self, latent_dim=32):
        self.latent_dim = latent_dim

    def fit(self, images, *, seed=0):
        """Fit on float images in [0, 1] of shape (N, H, W[, C]); returns ``self``."""
        from sklearn.decomposition import PCA

        latent_dim = _check_latent_dim(self.latent_dim)
        x = check_images(images, "images", ndim=(3, 4))
        n_pixels = math.prod(x.shape[1:])
        if latent_dim > min(len(x), n_pixels):
            raise ValueError(
                f"latent_dim must be <= min(n_images, n_pixels) = {min(len(x), n_pixels)}. "
                f"Received: latent_dim={latent_dim}"
            )
        pca = PCA(n_components=latent_dim, svd_solver="randomized", random_state=seed)
        pca.fit(x.reshape(len(x), -1).astype(np.float32, copy=False))
        self.components_ = pca.components_.astype(np.float32)
        self.mean_ = pca.mean_.astype(np.float32)
        self.explained_variance_ = pca.explained_variance_
        self.image_shape_ = x.shape[1:]
        return self

    def _check_fitted(self):
        if not hasattr(self, "components_"):
            raise RuntimeError("This PCAAutoencoder is not fitted yet: call fit(images) first.")

    def encode(self, images, latent_dim=None):
        """Codes of shape (N, k), using the first ``latent_dim`` components (default all)."""
        self._check_fitted()
        k = self._k(latent_dim)
        x = check_images(images, "images", ndim=(3, 4))
        if x.shape[1:] != self.image_shape_ and x.shape[1:] + (1,) != self.image_shape_:
            raise ValueError(
                f"images must have the training images' shape {self.image_shape_}. "
                f"Received: images of shape {x.shape}"
            )
        flat = x.reshape(len(x), -1).astype(np.float32, copy=False)
        return (flat - self.mean_) @ self.components_[:k].T

    def decode(self, codes):
        """Images of shape (N, *image_shape_) from codes of shape (N, k), k <= latent_dim."""
        self._check_fitted()
        z = check_array(codes, "codes", ndim=2, dtype_kind="f")
        k = self._k(z.shape[1])
        flat = z.astype(np.float32, copy=False) @ self.components_[:k] + self.mean_
        return flat.reshape(len(z), *self.image_shape_)

    def reconstruct(self, images, latent_dim=None):
        """``decode(encode(images))``, clipped to [0, 1]; the shape of ``images``."""
        x = np.asarray(images)
        out = self.decode(self.encode(x, latent_dim))
        return np.clip(out, 0.0, 1.0).reshape(x.shape)

    def _k(self, latent_dim):
        if latent_dim is None:
            return len(self.components_)
        return check_number(
            latent_dim, "latent_dim", low=1, high=len(self.components_), integer=True
        )


# --- building and training by name -----------------------------------------------------------

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


def build_autoencoder(kind, latent_dim, *, image_shape=(28, 28, 1), **kwargs):
    """Build an autoencoder of chapter 01 by name.

    Args:
        kind: ``"linear"``, ``"dense"`` (shallow), ``"deep"`` (dense 256-128) or ``"conv"``.
        latent_dim: size of the code.
        image_shape: ``(height, width, channels)``.
        **kwargs: override the architecture's defaults (e.g. ``filters=(16, 32)``).

    Returns:
        An uncompiled :class:`DenseAutoencoder` or :class:`ConvAutoencoder`.
    """
    check_choice(kind, "kind", tuple(ARCHITECTURES))
    cls, defaults = ARCHITECTURES[kind]
    return cls(latent_dim=latent_dim, image_shape=image_shape, **{**defaults, **kwargs})


def train_autoencoder(
    kind,
    latent_dim,
    x_train,
    *,
    epochs,
    batch_size=256,
    learning_rate=2e-3,
    validation_data=None,
    callbacks=None,
    seed=0,
    verbose=0,
    **kwargs,
):
    """Build, compile and train an autoencoder: the chapter's one recipe.

    Adam with a learning rate that decays along a cosine from ``learning_rate`` to 1% of it
    over the whole run, MSE loss, training through :func:`unsuplab.training.fit` (one tf.data
    iterator, no stalls at epoch boundaries). Build and compile happen inside the current
    ``tf.distribute`` strategy's scope, so calling this inside ``strategy.scope()`` trains a
    mirrored model.

    Args:
        kind, latent_dim, **kwargs: as in :func:`build_autoencoder`.
        x_train: uint8 images (N, H, W[, C]) or float images in [0, 1].
        epochs: passes over ``x_train``.
        batch_size: images per step.
        learning_rate: the peak (initial) learning rate.
        validation_data: optional test images, evaluated after every epoch.
        callbacks: Keras callbacks (e.g. :class:`unsuplab.training.IdleMonitor`).
        seed: seeds the weights (through ``config.set_seed``) and the shuffling.

    Returns:
        The trained model; its Keras ``History`` is in ``model.history``.
    """
    from .. import config
    from ..training import fit

    epochs = check_number(epochs, "epochs", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False)
    x_train = check_array(x_train, "x_train", ndim=(3, 4), dtype_kind="uif")
    image_shape = x_train.shape[1:] if x_train.ndim == 4 else (*x_train.shape[1:], 1)
    config.set_seed(seed)
    model = build_autoencoder(kind, latent_dim, image_shape=image_shape, **kwargs)
    steps = epochs * math.ceil(len(x_train) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    fit(
        model,
        x_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        callbacks=callbacks,
        seed=seed,
        verbose=verbose,
    )
    return model


def cached_autoencoder(
    kind,
    latent_dim,
    x_train,
    *,
    epochs,
    batch_size=256,
    learning_rate=2e-3,
    seed=0,
    callbacks=None,
    retrain=False,
    verbose=0,
):
    """:func:`train_autoencoder` through the model cache: load the model if this exact recipe
    was trained before (by the notebook or the benchmark), else train and cache it.

    The cache key holds the mode, ``kind``, ``latent_dim``, the number of training images and
    every training argument, so a model is only reused for an identical recipe. ``callbacks``
    (not part of the key) only run when the model is trained.

    Returns:
        ``(model, trained)``: ``trained`` is False when the model came from the cache.
    """
    from ..training import load_or_train

    n_train = len(x_train)
    params = {
        "kind": kind,
        "latent_dim": latent_dim,
        "n_train": n_train,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "seed": seed,
    }

    def train():
        return train_autoencoder(
            kind,
            latent_dim,
            x_train,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            seed=seed,
            callbacks=callbacks,
            verbose=verbose,
        )

    return load_or_train(f"ae_{kind}_{latent_dim}", train, params=params, retrain=retrain)


__all__ = [
    "ARCHITECTURES",
    "cached_autoencoder",
    "ConvAutoencoder",
    "DenseAutoencoder",
    "PCAAutoencoder",
    "build_autoencoder",
    "train_autoencoder",
]
