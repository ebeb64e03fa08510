"""Chapter 03 — variational autoencoders: the data protocol and the training recipe.

The notebook ``03_variational_autoencoders`` and ``benchmarks/vae.py`` both take their images
(and THE evaluation binarization, seed 0) from :func:`load_data` and their models from
:func:`cached_vae` / :func:`train_vae`.

    >>> from unsuplab.chapters import ch03
    >>> data = ch03.load_data()
    >>> vae, trained = ch03.cached_vae(data.x_train, latent_dim=2,
    ...                                validation_data=data.x_test_bin)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import config
from .._validation import check_choice, check_number
from ..models.vae import VAE, binarize
from .ch01 import image_shape_of

#: The seed of the evaluation binarization: every number of the chapter refers to it.
EVAL_SEED = 0


@dataclass(frozen=True)
class Data:
    """Chapter 03's images: Fashion-MNIST subsets (class-balanced, seeded).

    Attributes:
        x_train, x_test: float32 (N, 28, 28, 1) grey levels in [0, 1].
        y_train, y_test: int labels (N,), used only to colour plots.
        x_test_bin: ``x_test`` binarized once with seed :data:`EVAL_SEED`: the evaluation set
            of a Bernoulli VAE.
        class_names: the ten class names.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_test_bin: np.ndarray
    class_names: tuple


def load_data(*, dataset="fashion_mnist", train_size=None, test_size=None, seed=0):
    """The images of chapter 03: ``vae.train_size`` training images (quick 5 000, full
    60 000) and ``test_size`` test images (quick 1 000, full 10 000), in [0, 1], with the
    evaluation binarization of the test images (seed :data:`EVAL_SEED`).

    Args:
        dataset: ``"fashion_mnist"`` (offline) or ``"mnist"`` (downloaded once; the dataset of
            Burda et al.'s numbers, for the benchmark).

    Returns:
        :class:`Data`.
    """
    from .. import data

    check_choice(dataset, "dataset", ("fashion_mnist", "mnist"))
    train_size = (config.setting("vae.train_size") if train_size is None
                  else check_number(train_size, "train_size", low=1, integer=True))
    test_size = (config.setting("test_size") if test_size is None
                 else check_number(test_size, "test_size", low=1, integer=True))
    load = data.load_fashion_mnist if dataset == "fashion_mnist" else data.load_mnist
    (x_train, y_train), (x_test, y_test), class_names = load()
    x_train, y_train = data.subset(x_train, y_train, train_size, seed=seed)
    x_test, y_test = data.subset(x_test, y_test, test_size, seed=seed)
    x_test = data.to_float(x_test)
    return Data(
        data.to_float(x_train),
        y_train,
        x_test,
        y_test,
        binarize(x_test, seed=EVAL_SEED),
        tuple(class_names),
    )


def _defaults(architecture, epochs):
    if epochs is None:
        epochs = config.setting("vae.epochs" if architecture == "conv" else "vae.sweep_epochs")
    return check_number(epochs, "epochs", low=1, integer=True)


def _builder(x_train, seed, model_kwargs):
    image_shape = image_shape_of(x_train)
    likelihood = model_kwargs.get("likelihood", "bernoulli")
    model_kwargs = {"binarize": likelihood == "bernoulli", **model_kwargs}

    def build():
        config.set_seed(seed)  # the weights' initialisation
        return VAE(image_shape=image_shape, seed=seed, **model_kwargs)

    return build


def _trainer(x_train, *, epochs, batch_size, learning_rate, validation_data, callbacks, seed,
             verbose):
    import keras

    from ..training import fit

    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False)

    def train(model):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
        fit(model, x_train, epochs=epochs, batch_size=batch_size,
            validation_data=validation_data, callbacks=callbacks, seed=seed, verbose=verbose)
        return model

    return train


def train_vae(
    x_train,
    *,
    latent_dim=2,
    architecture="conv",
    epochs=None,
    batch_size=128,
    learning_rate=1e-3,
    validation_data=None,
    callbacks=None,
    seed=0,
    verbose=0,
    **model_kwargs,
):
    """Build, compile (Adam) and train a :class:`~unsuplab.models.VAE` (no cache).

    Seeds the process (``config.set_seed(seed)``) and the model's noise (``seed``). With the
    Bernoulli likelihood the model binarizes every training batch afresh (``binarize=True``,
    drawn inside the model, so the same on every backend).

    Args:
        x_train: uint8 images (N, H, W[, C]) or float images in [0, 1].
        latent_dim, architecture, **model_kwargs: as in :class:`~unsuplab.models.VAE`
            (``beta``, ``likelihood``, ``hidden_units``, ``filters``...).
        epochs: passes over ``x_train`` (default: ``vae.epochs`` for the conv VAE,
            ``vae.sweep_epochs`` for the MLP).
        batch_size, learning_rate: the optimisation.
        validation_data: images scored after every epoch (``val_loss``, ``val_kl_loss``...):
            pass the binarized test images for the −ELBO of the evaluation set.
        seed: seeds the weights, the shuffling, the binarization and the sampling noise.

    Returns:
        The trained model; ``model.training_history`` holds the per-epoch logs.
    """
    epochs = _defaults(architecture, epochs)
    kwargs = {"latent_dim": latent_dim, "architecture": architecture, **model_kwargs}
    build = _builder(x_train, seed, kwargs)
    train = _trainer(x_train, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                     validation_data=validation_data, callbacks=callbacks, seed=seed,
                     verbose=verbose)
    return train(build())


def cached_vae(
    x_train,
    *,
    latent_dim=2,
    architecture="conv",
    epochs=None,
    batch_size=128,
    learning_rate=1e-3,
    validation_data=None,
    callbacks=None,
    seed=0,
    retrain=False,
    verbose=0,
    **model_kwargs,
):
    """:func:`train_vae` through the model cache: load the model if this exact recipe was
    trained before (by the notebook or the benchmark), else train and cache it.

    The key holds the mode, the model's fingerprint (its config: β, likelihood, widths...),
    the training arguments and a digest of the training and validation images; the per-epoch
    logs come back with the model. ``callbacks`` only run when the model is trained.

    Returns:
        ``(model, trained)``: ``trained`` is False when the model came from the cache.
    """
    from ..training import load_or_train

    epochs = _defaults(architecture, epochs)
    kwargs = {"latent_dim": latent_dim, "architecture": architecture, **model_kwargs}
    beta = check_number(kwargs.get("beta", 1.0), "beta", low=0)
    params = {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
              "seed": seed}
    return load_or_train(
        f"vae_{architecture}_L{latent_dim}_beta{beta:g}",
        _builder(x_train, seed, kwargs),
        _trainer(x_train, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                 validation_data=validation_data, callbacks=callbacks, seed=seed,
                 verbose=verbose),
        params=params,
        data=(x_train, validation_data),
        retrain=retrain,
    )


__all__ = ["EVAL_SEED", "Data", "cached_vae", "load_data", "train_vae"]
