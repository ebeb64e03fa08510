"""Classical unsupervised segmentation, through the libraries that implement it.

Segmentation as clustering of pixels: each pixel gets a feature vector, and the pixels are
grouped into ``k`` segments. The methods differ in the feature and in the grouping:

======================  ======================================  =============================
method name             feature of a pixel                      grouping
======================  ======================================  =============================
``"kmeans_colour"``     CIELAB colour $(L^*, a^*, b^*)$         k-means (scikit-learn)
``"kmeans_colour_xy"``  colour and position $(x, y)$            k-means
``"slic"``              colour and position                     SLIC superpixels, then merged
``"felzenszwalb"``      colour differences along edges          graph merging, then merged
``"quickshift"``        colour and position                     mode seeking, then merged
``"gabor_kmeans"``      Gabor local energies, colour, position  k-means
======================  ======================================  =============================

**Merging to k.** SLIC, Felzenszwalb and quickshift (scikit-image) over-segment: they return
tens to hundreds of superpixels whatever ``k`` is. :func:`merge_segments` groups them into
``k`` segments by k-means on each superpixel's mean CIELAB colour, each superpixel weighted
by its number of pixels (so the result is the pixel k-means of colour, with the pixels of one
superpixel tied together). Merged segments need not be connected.

**Gabor texture features** (:func:`gabor_features`, after Jain & Farrokhnia 1991): the
lightness is filtered by a bank of complex Gabor filters
$g_{f,\\theta}(x, y) = \\exp\\!\\big(-\\tfrac{x'^2 + y'^2}{2\\sigma_f^2}\\big)\\,
e^{\\,2\\pi i f x'}$, $x' = x\\cos\\theta + y\\sin\\theta$, at frequencies $f$ (cycles per
pixel) and orientations $\\theta$; the *local energy* of a filter is the modulus of its
response smoothed by a Gaussian of ``smoothing`` pixels, taken in log. Two textures with the
same colour histogram differ in how their energy spreads over $(f, \\theta)$.

Every feature is standardised (zero mean, unit variance over the image) and each block
(texture, colour, position) is scaled to the same total variance times its weight, so that
16 texture channels do not outvote 3 colour channels. The weights are fixed (not tuned on
the scored mosaics; see chapter 07).

Example:
    >>> result = segment(image, 4, method="gabor_kmeans", seed=0)
    >>> result.labels.shape, result.seconds
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._validation import check_choice, check_images, check_number, describe

FREQUENCIES = (0.05, 0.1, 0.2, 0.4)
N_ORIENTATIONS = 4
SMOOTHING = 6.0  # pixels: the Gaussian that turns a filter's modulus into a local energy
POSITION_WEIGHT = 0.5  # of the position block, relative to the colour block


@dataclass(frozen=True)
class Segmentation:
    """What a segmentation method returns.

    Attributes:
        labels: int32 array of shape (H, W), segment ids ``0 .. n - 1``.
        method: the method's name.
        seconds: wall time of the call.
    """

    labels: np.ndarray
    method: str
    seconds: float


def check_image(image, name="image"):
    """One image, (H, W) grey or (H, W, 3) RGB, uint8 or float in [0, 1] -> float32 (H, W, 3)."""
    arr = check_images(image, name, ndim=(2, 3), dtype_kind="uif")
    if arr.ndim == 3 and arr.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} must be one image of shape (H, W) or (H, W, 3 channels); a batch of images is "
            f"segmented one image at a time. Received: {name}={describe(arr)}"
        )
    if min(arr.shape[:2]) < 2:
        raise ValueError(f"{name} must be at least 2 x 2 pixels. Received: {name}={describe(arr)}")
    x = arr.astype(np.float32) / np.float32(255) if arr.dtype.kind in "ui" else arr
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x[..., None]
    return np.repeat(x, 3, axis=-1) if x.shape[-1] == 1 else x


def check_k(k):
    """The number of segments, an integer >= 2."""
    return check_number(k, "k", low=2, integer=True)


# --- features --------------------------------------------------------------------------------


def lab(image):
    """(H, W, 3) RGB in [0, 1] -> CIELAB (H, W, 3): $L^*$ in [0, 100], $a^*, b^*$ ~ [-100, 100]."""
    from skimage.color import rgb2lab

    return rgb2lab(image).astype(np.float32)


def positions(shape):
    """(H, W, 2) pixel coordinates (row, column) scaled to [0, 1] along the longer side."""
    h, w = shape[:2]
    rr, cc = np.mgrid[:h, :w].astype(np.float32)
    return np.stack([rr, cc], axis=-1) / max(h - 1, w - 1, 1)


def gabor_features(image, *, frequencies=FREQUENCIES, n_orientations=N_ORIENTATIONS,
                   smoothing=SMOOTHING):
    """Log local energies of a Gabor bank on the lightness: (H, W) or (H, W, 3) -> (H, W, F),
    ``F = len(frequencies) * n_orientations`` (see the module docstring)."""
    from scipy import ndimage
    from scipy.signal import fftconvolve
    from skimage.filters import gabor_kernel

    x = check_image(image)
    light = lab(x)[..., 0] / 100.0
    out = []
    for f in frequencies:
        for i in range(n_orientations):
            kernel = gabor_kernel(f, theta=np.pi * i / n_orientations)
            pad = min(kernel.shape[0] // 2, light.shape[0] - 1), min(
                kernel.shape[1] // 2, light.shape[1] - 1)
            padded = np.pad(light - light.mean(), [(pad[0],) * 2, (pad[1],) * 2], mode="reflect")
            response = fftconvolve(padded, kernel, mode="same")
            modulus = np.abs(response[pad[0] : pad[0] + light.shape[0],
                                      pad[1] : pad[1] + light.shape[1]])
            out.append(np.log(ndimage.gaussian_filter(modulus, smoothing) + 1e-4))
    return np.stack(out, axis=-1).astype(np.float32)


def _block(features, weight):
    """Standardise each feature, then scale the block to total variance ``weight**2``."""
    f = features.reshape(-1, features.shape[-1]).astype(np.float64)
    f = (f - f.mean(0)) / (f.std(0) + 1e-8)
    return f * (weight / np.sqrt(f.shape[1]))


def pixel_features(image, *, colour=True, texture=False, position=0.0, smooth_colour=None):
    """The feature matrix (H * W, D) of the pixels: blocks of standardised CIELAB colour,
    Gabor energies and position, each block scaled to the same total variance (times
    ``position`` for the position block)."""
    from scipy import ndimage

    x = check_image(image)
    blocks = []
    if colour:
        c = lab(x)
        if smooth_colour:
            c = ndimage.gaussian_filter(c, (smooth_colour, smooth_colour, 0))
        blocks.append(_block(c, 1.0))
    if texture:
        blocks.append(_block(gabor_features(x), 1.0))
    if position:
        blocks.append(_block(positions(x.shape), position))
    if not blocks:
        raise ValueError("pixel_features needs at least one block (colour, texture, position)")
    return np.concatenate(blocks, axis=1)


# --- grouping --------------------------------------------------------------------------------


def kmeans_labels(features, k, shape, *, seed=0, sample_weight=None):
    """k-means of the rows of ``features`` -> labels reshaped to ``shape``."""
    from sklearn.cluster import KMeans

    k = min(k, len(features))
    km = KMeans(n_clusters=k, n_init=4, random_state=seed)
    labels = km.fit_predict(features, sample_weight=sample_weight)
    return labels.reshape(shape).astype(np.int32)


def merge_segments(labels, features, k, *, seed=0):
    """Merge the segments ``labels`` (H, W) into at most ``k``: k-means on each segment's
    mean feature (``features`` of shape (H, W, D), e.g. CIELAB colour), each segment weighted
    by its pixel count. Returns int32 labels ``0 .. k - 1`` of shape (H, W)."""
    from ..metrics.segmentation import check_label_map

    labels = check_label_map(labels)
    k = check_k(k)
    feats = np.asarray(features, dtype=np.float64)
    if feats.ndim != 3 or feats.shape[:2] != labels.shape:
        raise ValueError(
            f"features must have shape (H, W, D) with (H, W) = {labels.shape}, the labels' "
            f"shape. Received: features={describe(features)}"
        )
    ids, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(labels.shape)
    if len(ids) <= k:
        return inverse.astype(np.int32)
    means = np.zeros((len(ids), feats.shape[-1]))
    np.add.at(means, inverse.ravel(), feats.reshape(-1, feats.shape[-1]))
    means /= counts[:, None]
    groups = kmeans_labels(means, k, (len(ids),), seed=seed, sample_weight=counts)
    return groups[inverse].astype(np.int32)


def majority_vote(labels, superpixels):
    """Each superpixel takes the label most of its pixels have (Kanezaki 2018): sharp
    edges from the superpixels, the grouping from ``labels``. Both (H, W) ints -> int32 (H, W);
    ties go to the smaller label."""
    from ..metrics.segmentation import check_label_map

    labels = check_label_map(labels)
    superpixels = check_label_map(superpixels, "superpixels")
    if superpixels.shape != labels.shape:
        raise ValueError(f"superpixels must have the labels' shape {labels.shape}. "
                         f"Received: superpixels={describe(superpixels)}")
    ids = np.unique(superpixels, return_inverse=True)[1].reshape(labels.shape)
    values, codes = np.unique(labels, return_inverse=True)
    votes = np.zeros((ids.max() + 1, len(values)), dtype=np.int64)
    np.add.at(votes, (ids.ravel(), codes.ravel()), 1)
    return values[votes.argmax(axis=1)][ids].astype(np.int32)


def quickshift_superpixels(x, *, seed=0):
    """Quickshift's over-segmentation of an RGB image (H, W, 3) in [0, 1] (tens of
    superpixels on a 128 x 128 mosaic), before any merging."""
    from skimage.segmentation import quickshift

    return quickshift(x, kernel_size=5, max_dist=10, ratio=0.5, rng=seed).astype(np.int32)


def _kmeans_colour(x, k, seed):
    return kmeans_labels(pixel_features(x), k, x.shape[:2], seed=seed)


def _kmeans_colour_xy(x, k, seed):
    feats = pixel_features(x, position=POSITION_WEIGHT)
    return kmeans_labels(feats, k, x.shape[:2], seed=seed)


def _slic(x, k, seed):
    from skimage.segmentation import slic

    superpixels = slic(x, n_segments=100, compactness=10, start_label=0)
    return merge_segments(superpixels, lab(x), k, seed=seed)


def _felzenszwalb(x, k, seed):
    from skimage.segmentation import felzenszwalb

    return merge_segments(felzenszwalb(x, scale=100, sigma=0.8, min_size=50), lab(x), k,
                          seed=seed)


def _quickshift(x, k, seed):
    return merge_segments(quickshift_superpixels(x, seed=seed), lab(x), k, seed=seed)


def _gabor_kmeans(x, k, seed):
    feats = pixel_features(x, texture=True, position=POSITION_WEIGHT, smooth_colour=SMOOTHING)
    return kmeans_labels(feats, k, x.shape[:2], seed=seed)


#: method name -> function(image float (H, W, 3), k, seed) -> labels (H, W)
METHODS = {
    "kmeans_colour": _kmeans_colour,
    "kmeans_colour_xy": _kmeans_colour_xy,
    "slic": _slic,
    "felzenszwalb": _felzenszwalb,
    "quickshift": _quickshift,
    "gabor_kmeans": _gabor_kmeans,
}


def segment(image, k, *, method="kmeans_colour", seed=0) -> Segmentation:
    """Segment one image into (at most) ``k`` segments with a classical method.

    Args:
        image: (H, W) grey or (H, W, 3) RGB, uint8 or float in [0, 1].
        k: the number of segments (>= 2).
        method: a name of :data:`METHODS`.
        seed: seeds k-means (and quickshift's tie-breaking noise).

    Returns:
        A :class:`Segmentation`.
    """
    check_choice(method, "method", tuple(METHODS))
    x = check_image(image)
    k = check_k(k)
    seed = check_number(seed, "seed", low=0, integer=True)
    start = time.perf_counter()
    labels = METHODS[method](x, k, seed)
    return Segmentation(labels, method, time.perf_counter() - start)


__all__ = [
    "FREQUENCIES",
    "METHODS",
    "Segmentation",
    "check_image",
    "gabor_features",
    "kmeans_labels",
    "lab",
    "majority_vote",
    "merge_segments",
    "pixel_features",
    "positions",
    "quickshift_superpixels",
    "segment",
]
