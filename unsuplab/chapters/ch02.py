"""Chapter 02, correction autoencoders: the data protocol and the training recipes, shared by
``notebooks/02_correction_autoencoders.ipynb`` and ``benchmarks/correction.py``.

Protocol (settings ``correction.*``, quick/full):

- Fashion-MNIST: ``correction.train_size`` clean training images (uint8; the corruptions are
  drawn inside the models while they train) and a class-stratified subset of
  ``correction.test_size`` test images, ``data.subset(..., seed=0)``; the classical methods
  are scored on the first ``correction.classical_size`` of them in the notebook.
- Noisy test sets (:func:`noisy_test_sets`): Gaussian noise of std ``level / 255`` for each
  level of :data:`TEST_LEVELS` (25 and 50), clipped to [0, 1], seeded with the level itself.
- The hole test set (:func:`hole_test_set`): one :data:`TEST_HOLE` x :data:`TEST_HOLE` hole
  per image, seeded with :data:`TEST_HOLE`; scored with :func:`unsuplab.metrics.hole_psnr`.
- Photographs: the grey photos ``correction.photos`` of scikit-image, shorter side
  ``correction.photo_size``, with Gaussian noise σ = 25/255 (seed 100 + i).

Example:
    >>> from unsuplab.chapters import ch02
    >>> data = ch02.load_data()
    >>> dae, trained = ch02.cached_denoiser(data.x_train)
    >>> noisy = ch02.noisy_test_sets(data.x_test)[25]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import config, data
from .._validation import check_choice, check_images, check_number
from ..training import fit, load_or_train

#: The blind denoiser's training range of noise std: 0 to 55/255 (covers both test levels).
SIGMA_RANGE = (0.0, 55 / 255)
#: The inpainter's training holes: 1 or 2 squares of side 6 to 14 pixels.
HOLE_SIZE = (6, 14)
N_HOLES = (1, 2)
#: Noise levels of the test sets, in 1/255 steps (each is also its set's seed).
TEST_LEVELS = (25, 50)
#: Side of the test hole in pixels (also its seed).
TEST_HOLE = 10
#: Noise std of the photographs.
PHOTO_SIGMA = 25 / 255
#: Training logs per pass over the training images: one pass is logged as this many Keras
#: epochs, so ``model.training_history`` draws a learning curve even for a single pass.
LOGS_PER_EPOCH = 10


@dataclass(frozen=True)
class Ch02Data:
    """The images of chapter 02.

    Attributes:
        x_train: uint8 (N, 28, 28) clean training images.
        x_test: float32 (M, 28, 28) clean test images in [0, 1]; ``y_test`` their labels.
        class_names: the ten Fashion-MNIST class names.
        n_classical: how many test images the notebook scores with the classical methods.
        photo_names: names of the photographs; ``clean_photos`` and ``noisy_photos`` the
            float (H, W) images (empty with ``load_data(photos=False)``).
    """

    x_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    n_classical: int
    photo_names: tuple
    clean_photos: list
    noisy_photos: list


def load_data(*, photos=True) -> Ch02Data:
    """Fashion-MNIST subsets and (unless ``photos=False``) the noisy photographs."""
    (x_train, y_train), (x_test, y_test), class_names = data.load_fashion_mnist()
    x_train, _ = data.subset(x_train, y_train, config.setting("correction.train_size"), seed=0)
    x_test, y_test = data.subset(x_test, y_test, config.setting("correction.test_size"), seed=0)
    names, clean, noisy = (), [], []
    if photos:
        names = tuple(config.setting("correction.photos"))
        loaded = data.load_photos(names, gray=True, size=config.setting("correction.photo_size"))
        clean = [loaded[n] for n in names]
        noisy = [data.gaussian_noise(p, PHOTO_SIGMA, seed=100 + i) for i, p in enumerate(clean)]
    return Ch02Data(
        x_train=x_train,
        x_test=data.to_float(x_test, channel_axis=False),
        y_test=y_test,
        class_names=tuple(class_names),
        n_classical=config.setting("correction.classical_size"),
        photo_names=names,
        clean_photos=clean,
        noisy_photos=noisy,
    )


def noisy_test_sets(x_test, levels=TEST_LEVELS) -> dict:
    """``{level: noisy images}``: Gaussian noise of std ``level / 255`` (seed ``level``),
    clipped to [0, 1], for each level (ints in 1/255 steps)."""
    x = check_images(x_test, "x_test", ndim=(3, 4))
    out = {}
    for level in levels:
        level = check_number(level, "level", low=0, high=255, integer=True)
        out[level] = data.gaussian_noise(x, level / 255, seed=level)
    return out


def hole_test_set(x_test):
    """``(masked, mask)``: one :data:`TEST_HOLE`-pixel square hole per image (seeded)."""
    x = check_images(x_test, "x_test", ndim=(3, 4))
    return data.random_holes(x, n_holes=1, hole_size=TEST_HOLE, seed=TEST_HOLE)


def _train_settings(epochs, batch_size, learning_rate):
    """Arguments that default to the ``correction.*`` settings of this mode."""
    epochs = config.setting("correction.epochs") if epochs is None else epochs
    batch_size = config.setting("correction.batch_size") if batch_size is None else batch_size
    if learning_rate is None:
        learning_rate = config.setting("correction.learning_rate")
    return {
        "epochs": check_number(epochs, "epochs", low=1, integer=True),
        "batch_size": check_number(batch_size, "batch_size", low=1, integer=True),
        "learning_rate": check_number(learning_rate, "learning_rate", low=0,
                                      low_inclusive=False),
        "logs_per_epoch": LOGS_PER_EPOCH,
    }


def _fit_passes(model, x_train, params, callbacks, verbose):
    """Train for ``params["epochs"]`` passes over ``x_train``, each logged as
    :data:`LOGS_PER_EPOCH` Keras epochs (the same batches as one epoch, in the same order)."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(params["learning_rate"]))
    steps = math.ceil(math.ceil(len(x_train) / params["batch_size"]) / LOGS_PER_EPOCH)
    fit(model, x_train, epochs=params["epochs"] * LOGS_PER_EPOCH, steps_per_epoch=steps,
        batch_size=params["batch_size"], callbacks=callbacks, verbose=verbose)
    return model


def cached_denoiser(x_train, *, corruption="gaussian", sigma=SIGMA_RANGE, filters=None,
                    epochs=None, batch_size=None, learning_rate=None, seed=0, retrain=False,
                    callbacks=None, verbose=0):
    """Train (or load from the model cache) the blind :class:`~unsuplab.models.DenoisingUNet`.

    Args:
        x_train: clean training images (uint8 or float in [0, 1]); each batch is corrupted
            afresh inside the model.
        corruption: ``"gaussian"``, ``"salt_and_pepper"``, ``"blur"`` or ``"mixed"``.
        sigma: the range of noise std drawn per image (on the [0, 1] scale).
        filters, epochs, batch_size, learning_rate: default to the settings
            ``correction.filters``, ``correction.epochs``, ``correction.batch_size``,
            ``correction.learning_rate``.
        seed: seeds the process (weights) and the model's corruptions.
        retrain: ignore the cache. ``callbacks``, ``verbose``: passed to ``fit``.

    Returns:
        ``(model, trained)`` as :func:`unsuplab.training.load_or_train`; the learning curve
        is in ``model.training_history`` (:data:`LOGS_PER_EPOCH` entries per pass).
    """
    from ..models import DenoisingUNet

    check_choice(corruption, "corruption", ("gaussian", "salt_and_pepper", "blur", "mixed"))
    filters = config.setting("correction.filters") if filters is None else filters
    params = _train_settings(epochs, batch_size, learning_rate)
    seed = check_number(seed, "seed", low=0, integer=True)

    def build():
        config.set_seed(seed)
        return DenoisingUNet(filters=filters, corruption=corruption, sigma=sigma, seed=seed)

    def train(model):
        return _fit_passes(model, x_train, params, callbacks, verbose)

    return load_or_train(f"denoiser_{corruption}", build, train, params=params, data=x_train,
                         retrain=retrain)


def cached_inpainter(x_train, *, hole_size=HOLE_SIZE, n_holes=N_HOLES, filters=None,
                     epochs=None, batch_size=None, learning_rate=None, seed=0, retrain=False,
                     callbacks=None, verbose=0):
    """Train (or load) the :class:`~unsuplab.models.InpaintingUNet` on clean images, holes
    drawn inside the model; the settings of :func:`cached_denoiser` except the channels,
    ``correction.inpaint_filters``.

    The inpainter gets a third resolution level: the centre of a 10x10 hole is 5 pixels from
    the nearest known one, so it needs context from far away, and a two-level U-Net's
    receptive field is only about 18 pixels wide; with three levels it is over 40. In a trial
    with the benchmark's protocol (60k images, one epoch; not a recorded benchmark) that took
    the hole PSNR from +1.9 dB to +3.3 dB over biharmonic interpolation, for ~60% more time
    per step on a CPU."""
    from ..models import InpaintingUNet

    filters = config.setting("correction.inpaint_filters") if filters is None else filters
    params = _train_settings(epochs, batch_size, learning_rate)
    seed = check_number(seed, "seed", low=0, integer=True)

    def build():
        config.set_seed(seed)
        return InpaintingUNet(filters=filters, hole_size=hole_size, n_holes=n_holes, seed=seed)

    def train(model):
        return _fit_passes(model, x_train, params, callbacks, verbose)

    return load_or_train("inpainter", build, train, params=params, data=x_train,
                         retrain=retrain)


def cached_blind_spot(noisy_images, sigma, *, name="photos", filters=None, steps=None,
                      patch_size=None, n_patches=2000, batch_size=8, learning_rate=3e-3,
                      grid=3, seed=0, retrain=False, callbacks=None, verbose=0):
    """Train (or load) a :class:`~unsuplab.models.BlindSpotDenoiser` on ``noisy_images``
    themselves: random patches (:func:`unsuplab.data.random_patches`), Adam decayed to 0 by a
    cosine schedule, logged :data:`LOGS_PER_EPOCH` times.

    Args:
        noisy_images: a list of float (H, W) noisy images in [0, 1] (the only data it sees).
        sigma: the noise std on the [0, 1] scale (known, or estimated with
            ``skimage.restoration.estimate_sigma``).
        name: part of the cache name; say what the images are.
        filters, steps, patch_size: default to ``correction.selfsup_filters``,
            ``correction.selfsup_steps`` (training steps), ``correction.selfsup_patch``.
    """
    import keras

    from ..models import BlindSpotDenoiser

    if filters is None:
        filters = config.setting("correction.selfsup_filters")
    steps = config.setting("correction.selfsup_steps") if steps is None else steps
    steps = check_number(steps, "steps", low=1, integer=True)
    patch_size = config.setting("correction.selfsup_patch") if patch_size is None else patch_size
    params = {"steps": steps, "patch_size": patch_size, "n_patches": n_patches,
              "batch_size": batch_size, "learning_rate": learning_rate,
              "logs_per_epoch": LOGS_PER_EPOCH}
    seed = check_number(seed, "seed", low=0, integer=True)
    images = [check_images(im, f"noisy_images[{i}]", ndim=2) for i, im in enumerate(noisy_images)]

    def build():
        config.set_seed(seed)
        return BlindSpotDenoiser(sigma=sigma, grid=grid, filters=filters, seed=seed)

    def train(model):
        patches = data.random_patches(images, patch_size=patch_size, n_patches=n_patches,
                                      seed=seed)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
        model.compile(optimizer=keras.optimizers.Adam(schedule))
        fit(model, patches, epochs=LOGS_PER_EPOCH, steps_per_epoch=max(steps // LOGS_PER_EPOCH, 1),
            batch_size=batch_size, callbacks=callbacks, verbose=verbose)
        return model

    return load_or_train(f"blind_spot_{name}", build, train, params=params, data=images,
                         retrain=retrain)


__all__ = [
    "HOLE_SIZE",
    "LOGS_PER_EPOCH",
    "N_HOLES",
    "PHOTO_SIGMA",
    "SIGMA_RANGE",
    "TEST_HOLE",
    "TEST_LEVELS",
    "Ch02Data",
    "cached_blind_spot",
    "cached_denoiser",
    "cached_inpainter",
    "hole_test_set",
    "load_data",
    "noisy_test_sets",
]
