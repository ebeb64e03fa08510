"""Chapter 01 — autoencoders: the data protocol and the training recipe.

The notebook ``01_autoencoders`` and ``benchmarks/autoencoders.py`` both take their images from
:func:`load_data` and their models from :func:`cached_autoencoder`, so a model trained by one
is loaded by the other, and the benchmark measures what the notebook shows.

    >>> from unsuplab.chapters import ch01
    >>> data = ch01.load_data()
    >>> model, trained = ch01.cached_autoencoder("conv", 32, data.x_train,
    ...                                          validation_data=data.x_test)
    >>> model.training_history["val_loss"]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import config
from .._validation import check_choice, check_images, check_number
from ..models.autoencoder import ARCHITECTURES, build_autoencoder

_EPOCHS = {"linear": "ae.linear_epochs", "dense": "ae.dense_epochs", "deep": "ae.dense_epochs",
           "conv": "ae.conv_epochs"}


@dataclass(frozen=True)
class Data:
    """Chapter 01's images: Fashion-MNIST subsets (class-balanced, seeded).

    Attributes:
        x_train, x_test: float32 (N, 28, 28, 1) in [0, 1].
        y_train, y_test: int labels (N,), used only to *score* (plots, retrieval).
        class_names: the ten class names.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple


def load_data(*, train_size=None, test_size=None, seed=0):
    """Fashion-MNIST for chapter 01: ``ae.train_size`` training and ``ae.test_size`` test
    images (quick mode: 3 000 and 1 000; full: 60 000 and 10 000), scaled to [0, 1].

    Returns:
        :class:`Data`.
    """
    from .. import data

    train_size = (config.setting("ae.train_size") if train_size is None
                  else check_number(train_size, "train_size", low=1, integer=True))
    test_size = (config.setting("ae.test_size") if test_size is None
                 else check_number(test_size, "test_size", low=1, integer=True))
    (x_train, y_train), (x_test, y_test), class_names = data.load_fashion_mnist()
    x_train, y_train = data.subset(x_train, y_train, train_size, seed=seed)
    x_test, y_test = data.subset(x_test, y_test, test_size, seed=seed)
    return Data(
        data.to_float(x_train), y_train, data.to_float(x_test), y_test, tuple(class_names)
    )


def default_epochs(architecture):
    """The epochs the chapter trains ``architecture`` for: its ``ae.*_epochs`` setting."""
    check_choice(architecture, "architecture", tuple(ARCHITECTURES))
    return config.setting(_EPOCHS[architecture])


def _defaults(architecture, epochs, batch_size):
    check_choice(architecture, "architecture", tuple(ARCHITECTURES))
    epochs = default_epochs(architecture) if epochs is None else epochs
    batch_size = config.setting("ae.batch_size") if batch_size is None else batch_size
    return (
        check_number(epochs, "epochs", low=1, integer=True),
        check_number(batch_size, "batch_size", low=1, integer=True),
    )


def image_shape_of(images, name="x_train"):
    """``(height, width, channels)`` of checked images (N, H, W[, C]), uint8 or in [0, 1]."""
    x = check_images(images, name, ndim=(3, 4), dtype_kind="uif")
    return tuple(x.shape[1:]) if x.ndim == 4 else (*x.shape[1:], 1)


def _builder(architecture, latent_dim, x_train, seed, model_kwargs):
    image_shape = image_shape_of(x_train)

    def build():
        config.set_seed(seed)  # the weights' initialisation
        return build_autoencoder(architecture, latent_dim, image_shape=image_shape, **model_kwargs)

    return build


def _trainer(x_train, *, epochs, batch_size, learning_rate, validation_data, callbacks, seed,
             verbose):
    import keras

    from ..training import fit

    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False)

    def train(model):
        steps = epochs * math.ceil(len(x_train) / batch_size)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.01)
        model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
        fit(model, x_train, epochs=epochs, batch_size=batch_size,
            validation_data=validation_data, callbacks=callbacks, seed=seed, verbose=verbose)
        # The traced training and evaluation steps are not needed once trained (a later fit
        # traces them again): the notebook keeps twelve models, and their steps held memory
        # (measured on TensorFlow: six dense models kept 124 MiB with them dropped, 160 without)
        model.train_function = model.test_function = None
        return model

    return train


def train_autoencoder(
    architecture,
    latent_dim,
    x_train,
    *,
    epochs=None,
    batch_size=None,
    learning_rate=2e-3,
    validation_data=None,
    callbacks=None,
    seed=0,
    verbose=0,
    **model_kwargs,
):
    """Build, compile and train an autoencoder: the chapter's one recipe (no cache).

    Seeds the process (``config.set_seed(seed)``), builds
    :func:`~unsuplab.models.autoencoder.build_autoencoder`, compiles Adam with a learning rate
    that decays along a cosine from ``learning_rate`` to 1% of it over the run and the MSE
    loss, and trains through :func:`unsuplab.training.fit`. Building and compiling happen in
    the current distribution scope (``strategy.scope()`` on TensorFlow).

    Args:
        architecture: ``"linear"``, ``"dense"``, ``"deep"`` or ``"conv"``.
        latent_dim: size of the code.
        x_train: uint8 images (N, H, W[, C]) or float images in [0, 1].
        epochs: passes over ``x_train`` (default: the architecture's ``ae.*_epochs`` setting).
        batch_size: images per step (default: ``ae.batch_size``).
        learning_rate: the peak (initial) learning rate.
        validation_data: images scored after every epoch (``val_loss``: learning curves).
        callbacks: Keras callbacks (e.g. :class:`unsuplab.training.IdleMonitor`).
        seed: seeds the weights and the shuffling.
        **model_kwargs: override the architecture's arguments (``hidden_units``, ``filters``,
            ``activation``...).

    Returns:
        The trained model; ``model.training_history`` holds ``loss`` (and ``val_loss``).
    """
    epochs, batch_size = _defaults(architecture, epochs, batch_size)
    build = _builder(architecture, latent_dim, x_train, seed, model_kwargs)
    train = _trainer(x_train, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                     validation_data=validation_data, callbacks=callbacks, seed=seed,
                     verbose=verbose)
    return train(build())


def cached_autoencoder(
    architecture,
    latent_dim,
    x_train,
    *,
    epochs=None,
    batch_size=None,
    learning_rate=2e-3,
    validation_data=None,
    callbacks=None,
    seed=0,
    retrain=False,
    verbose=0,
    **model_kwargs,
):
    """:func:`train_autoencoder` through the model cache: load the model if this exact recipe
    was trained before (by the notebook or the benchmark), else train and cache it.

    The key (:func:`unsuplab.training.load_or_train`) holds the mode, the architecture's
    fingerprint, every training argument and a digest of the training and validation images.
    ``callbacks`` (not in the key) only run when the model is trained.

    Returns:
        ``(model, trained)``: ``trained`` is False when the model came from the cache.
    """
    from ..training import load_or_train

    epochs, batch_size = _defaults(architecture, epochs, batch_size)
    params = {
        "architecture": architecture,
        "latent_dim": latent_dim,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "seed": seed,
    }
    return load_or_train(
        f"ae_{architecture}_{latent_dim}",
        _builder(architecture, latent_dim, x_train, seed, model_kwargs),
        _trainer(x_train, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                 validation_data=validation_data, callbacks=callbacks, seed=seed,
                 verbose=verbose),
        params=params,
        data=(x_train, validation_data),
        retrain=retrain,
    )


__all__ = ["Data", "cached_autoencoder", "default_epochs", "load_data", "train_autoencoder"]
