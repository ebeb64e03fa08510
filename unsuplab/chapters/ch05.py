"""Chapter 05 — self-organizing maps: the data and the fitted maps the notebook and
``benchmarks/som.py`` share.

- :func:`load_data`: Fashion-MNIST as flattened float32 pixels in [0, 1] (a seeded,
  class-balanced subset of ``som.train_size`` training images; the whole test set), the
  explorer's subset (``som.widget_size``) and ``som.photo_pixels`` pixels of a colour photograph;
- :func:`train_fashion_som`: the chapter's map of Fashion-MNIST (``som.grid`` units a side,
  ``som.epochs`` epochs);
- :func:`train_palette_som`: the small colour map that quantizes the photograph;
- :func:`comparison_init` and :func:`train_comparison_som`: the protocol of the comparison with
  MiniSom (same data, grid, schedule, sample presentations and initial weights).

Every recipe seeds the process with :func:`unsuplab.config.set_seed` and the map with
``random_state=seed``, so a notebook and a benchmark calling it get the same map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import config, data
from .._validation import check_number
from ..models.som import SOM, pca_plane

#: The comparison with MiniSom: a 20 x 20 map, Gaussian neighbourhood, sigma 3 -> 1 on
#: MiniSom's asymptotic schedule, learning rate 0.5 at the start.
COMPARISON = {
    "side": 20,
    "sigma": 3.0,
    "learning_rate": 0.5,
    "decay": "asymptotic",
    "neighborhood": "gaussian",
}
PHOTO = "coffee"
IMAGE_SHAPE = (28, 28)


@dataclass(frozen=True)
class Data:
    """Chapter 05's arrays.

    ``x_train`` (n, 784) and ``x_test`` (10 000, 784): Fashion-MNIST pixels, float32 in
    [0, 1], with labels ``y_train``, ``y_test``; ``x_widget``: the first images of
    ``x_train`` for the live explorer; ``photo`` (H, W, 3) float32 in [0, 1] and ``pixels``
    (m, 3): a seeded sample of its pixels.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    x_widget: np.ndarray
    photo: np.ndarray
    pixels: np.ndarray
    image_shape: tuple = IMAGE_SHAPE


def flatten(images) -> np.ndarray:
    """uint8 (or [0, 1] float) images (N, H, W[, C]) -> float32 rows (N, H*W*C) in [0, 1]."""
    x = data.to_float(images, channel_axis=False)
    return x.reshape(len(x), -1)


def load_data(*, train_size=None, photo_pixels=None, seed=0) -> Data:
    """Fashion-MNIST as pixel vectors, and a photograph's pixels for colour quantization.

    Args:
        train_size: training images kept, a seeded class-balanced subset (default: the
            ``som.train_size`` setting; all 60 000 in full mode).
        photo_pixels: photograph pixels sampled (default: ``som.photo_pixels``).
        seed: seeds both samples.
    """
    train_size = (config.setting("som.train_size") if train_size is None
                  else check_number(train_size, "train_size", low=1, integer=True))
    photo_pixels = config.setting("som.photo_pixels") if photo_pixels is None else photo_pixels
    photo_pixels = check_number(photo_pixels, "photo_pixels", low=1, integer=True)
    (x_train, y_train), (x_test, y_test), class_names = data.load_fashion_mnist()
    x_fit, y_fit = data.subset(x_train, y_train, train_size, seed=seed)
    x_fit = flatten(x_fit)
    photo = data.load_photos(PHOTO)[PHOTO]
    everything = photo.reshape(-1, 3)
    rng = np.random.default_rng(seed)
    pixels = everything[rng.choice(len(everything), min(photo_pixels, len(everything)), False)]
    return Data(
        x_train=x_fit,
        y_train=y_fit,
        x_test=flatten(x_test),
        y_test=y_test,
        class_names=tuple(class_names),
        x_widget=x_fit[: config.setting("som.widget_size")],
        photo=photo,
        pixels=pixels,
    )


def train_fashion_som(x, *, side=None, epochs=None, batch_size=128, track_errors=True, seed=0):
    """The chapter's map of Fashion-MNIST, fitted on ``x`` (n, 784).

    A ``side`` x ``side`` map started on the PCA plane, sigma from ``side / 4`` down to 0.7
    on an exponential schedule, batches of ``batch_size``.

    Args:
        side: map side (default: ``som.grid``).
        epochs: passes over ``x`` (default: ``som.epochs``).
        track_errors: record QE and TE after every epoch in ``history_``.
        seed: seeds the process and the map's sample order.

    Returns:
        The fitted :class:`~unsuplab.models.SOM`.
    """
    side = config.setting("som.grid") if side is None else side
    epochs = config.setting("som.epochs") if epochs is None else epochs
    config.set_seed(seed)
    som = SOM(
        side,
        side,
        sigma=side / 4,
        sigma_final=0.7,
        decay="exponential",
        n_epochs=epochs,
        batch_size=batch_size,
        track_errors=track_errors,
        random_state=seed,
    )
    return som.fit(x)


def train_palette_som(pixels, *, side=4, sigma=1.5, epochs=5, seed=0):
    """A ``side`` x ``side`` map of RGB ``pixels`` (m, 3): an ordered palette of
    ``side**2`` colours (its ``weights_``) for colour quantization."""
    config.set_seed(seed)
    return SOM(side, side, sigma=sigma, n_epochs=epochs, random_state=seed).fit(pixels)


def comparison_init(x, *, side=COMPARISON["side"], seed=0):
    """The PCA-plane weights both maps of the comparison start from, (side, side, n_features)."""
    return pca_plane(x, side, side, random_state=seed).reshape(side, side, -1)


def train_comparison_som(x, init, *, n_iter, batch_size=256, seed=0, engine="auto"):
    """Our map of the MiniSom comparison: :data:`COMPARISON`'s settings, ``n_iter`` sample
    presentations in batches of ``batch_size``, starting from ``init`` (see
    :func:`comparison_init`), computed by ``engine`` (see :class:`~unsuplab.models.SOM`)."""
    settings = {k: v for k, v in COMPARISON.items() if k != "side"}
    side = COMPARISON["side"]
    config.set_seed(seed)
    som = SOM(
        side,
        side,
        init=init,
        n_iter=n_iter,
        batch_size=batch_size,
        random_state=seed,
        engine=engine,
        **settings,
    )
    return som.fit(x)


__all__ = [
    "COMPARISON",
    "Data",
    "comparison_init",
    "flatten",
    "load_data",
    "train_comparison_som",
    "train_fashion_som",
    "train_palette_som",
]
