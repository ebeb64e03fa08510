"""Texture mosaics with an exact ground truth, built offline from the images the libraries ship.

No image shipped by scikit-image or scikit-learn comes with a segmentation ground truth, but
they ship real textures (brick, grass, gravel, rows of coins, a page of text, a cat's fur,
dahlia petals, stained tissue). A **mosaic** cuts the square into regions (random Voronoi
cells, blobs, or the horse silhouette on a background) and fills each region with a real
texture and a colour, so that the label map is known exactly. Each region is drawn in
CIELAB: the texture sets the lightness $L^*$ (standardised to mean 55, standard deviation
15), the colour sets the chromaticity $(a^*, b^*)$ (chroma 30 at a random hue). A mosaic is
of one *kind*:

=============  =======================================================================
kind           regions differ in
=============  =======================================================================
``colour``     colour only (one texture everywhere, one hue per region)
``texture``    texture only (one hue everywhere; the textures share mean and spread of
               lightness, so only their spatial pattern tells them apart)
``both``       texture and colour
``mixed``      some pairs in colour only, some in texture only, some in both (2 textures
               x 2 hues, every region a different pair)
=============  =======================================================================

Example:
    >>> mosaics = make_mosaics(20, seed=0)
    >>> mosaics.images.shape, mosaics.labels.shape    # (20, 128, 128, 3), (20, 128, 128)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import ndimage

from .._validation import check_number, check_seed

#: Texture name -> (source image, crop rows, crop cols, downscale factor). Grey levels.
TEXTURE_SOURCES = {
    "brick": ("brick", slice(None), slice(None), 0.5),
    "grass": ("grass", slice(None), slice(None), 0.5),
    "gravel": ("gravel", slice(None), slice(None), 0.5),
    "coins": ("coins", slice(None), slice(None), 0.5),
    "text": ("text", slice(0, 172), slice(0, 448), 1.0),
    "fur": ("chelsea", slice(30, 300), slice(0, 150), 1.0),
    "tissue": ("immunohistochemistry", slice(None), slice(None), 0.5),
    "petals": ("flower", slice(60, 360), slice(150, 450), 0.6),
}
TEXTURES = tuple(TEXTURE_SOURCES)
SHAPES = ("voronoi", "blobs", "horse")
KINDS = ("colour", "texture", "both", "mixed")
#: Lightness mean and spread of every region, chroma of every colour (CIELAB units).
LIGHTNESS, LIGHTNESS_SD, CHROMA = 55.0, 15.0, 30.0
#: Photographs shown segmented (qualitative results, no ground truth).
PHOTOS = ("coffee", "chelsea", "astronaut", "china")


@dataclass(frozen=True)
class MosaicSet:
    """Mosaics and their exact label maps.

    Attributes:
        images: float32 array of shape (n, size, size, 3), RGB in [0, 1].
        labels: int32 array of shape (n, size, size); region ``r`` of mosaic ``i`` is
            ``labels[i] == r``, with ``r`` in ``0 .. n_regions[i] - 1``.
        n_regions: int array of shape (n,), the number of regions of each mosaic.
        shapes: the layout of each mosaic (``"voronoi"``, ``"blobs"``, ``"horse"``).
        kinds: what tells each mosaic's regions apart (see the module docstring).
        textures: per mosaic, the texture name of each region.
    """

    images: np.ndarray
    labels: np.ndarray
    n_regions: np.ndarray
    shapes: tuple
    kinds: tuple
    textures: tuple

    def __len__(self):
        return len(self.images)


@lru_cache(maxsize=1)
def load_textures() -> dict:
    """The texture bank: ``name -> float32 grey image`` (at least 128 x 128), from
    scikit-image's own images (no download), cropped and downscaled per
    :data:`TEXTURE_SOURCES` so that a texture's pattern repeats inside a 128-pixel mosaic."""
    from skimage import color, data, transform, util

    bank = {}
    for name, (source, rows, cols, scale) in TEXTURE_SOURCES.items():
        if source == "flower":
            from sklearn.datasets import load_sample_image

            image = util.img_as_float32(load_sample_image("flower.jpg"))
        else:
            image = util.img_as_float32(getattr(data, source)())
        if image.ndim == 3:
            image = color.rgb2gray(image)
        image = image[rows, cols]
        if scale != 1.0:
            image = transform.rescale(image, scale, anti_aliasing=True)
        bank[name] = np.asarray(image, dtype=np.float32)
    return bank


def _voronoi(size, k, rng):
    seeds = rng.uniform(0, size, (k, 2))
    rr, cc = np.mgrid[:size, :size]
    d = (rr[..., None] - seeds[:, 0]) ** 2 + (cc[..., None] - seeds[:, 1]) ** 2
    return np.argmin(d, axis=-1)


def _blobs(size, k, rng):
    fields = rng.standard_normal((k, size, size))
    fields = ndimage.gaussian_filter(fields, sigma=(0, size / 10, size / 10), mode="wrap")
    return np.argmax(fields, axis=0)


def _horse(size, k, rng):
    from skimage import data, transform

    horse = ~data.horse()  # True on the horse
    mask = transform.resize(horse.astype(float), (size, size), anti_aliasing=True) > 0.5
    labels = np.zeros((size, size), dtype=np.int64)
    if k > 2:  # split the background into k - 1 Voronoi cells
        labels = _voronoi(size, k - 1, rng)
    labels[mask] = k - 1 if k > 2 else 1
    return labels


_LAYOUTS = {"voronoi": _voronoi, "blobs": _blobs, "horse": _horse}


def _layout(shape, size, k, rng):
    """Draw a label map with exactly ``k`` regions, each at least 4% of the pixels."""
    for _ in range(100):
        labels = _LAYOUTS[shape](size, k, rng)
        counts = np.bincount(labels.ravel(), minlength=k)
        if len(counts) == k and counts.min() >= 0.04 * size * size:
            return labels.astype(np.int32)
    raise RuntimeError(f"could not draw a {shape!r} layout with {k} regions of size {size}")


def _fill(texture, hue, size, rng):
    """One (size, size) RGB region: texture -> lightness, hue -> chromaticity (CIELAB)."""
    from skimage import color

    h, w = texture.shape
    r, c = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
    patch = texture[r : r + size, c : c + size]
    z = (patch - texture.mean()) / (texture.std() + 1e-6)
    lab = np.empty((size, size, 3))
    lab[..., 0] = np.clip(LIGHTNESS + LIGHTNESS_SD * z, 2, 98)
    lab[..., 1] = CHROMA * np.cos(hue)
    lab[..., 2] = CHROMA * np.sin(hue)
    return np.clip(color.lab2rgb(lab), 0, 1)


def _assign(kind, k, rng):
    """Texture names and hues (radians) of the ``k`` regions of a mosaic of this ``kind``."""
    hue0 = rng.uniform(0, 2 * np.pi)
    hues = hue0 + 2 * np.pi * rng.permutation(k) / k  # evenly spread: every pair visible
    names = list(rng.choice(TEXTURES, size=k, replace=False))
    if kind == "colour":
        return [names[0]] * k, hues
    if kind == "texture":
        return names, np.full(k, hue0)
    if kind == "both":
        return names, hues
    pairs = [(t, h) for t in range(2) for h in range(2)]  # mixed: 2 textures x 2 hues
    if k > 4:
        pairs += [(2, 0), (2, 1)]
    chosen = rng.permutation(len(pairs))[:k]
    two_hues = (hue0, hue0 + np.pi)
    return ([names[pairs[i][0]] for i in chosen], np.array([two_hues[pairs[i][1]] for i in chosen]))


def make_mosaic(shape, kind, n_regions, *, size=128, seed=None):
    """One mosaic -> ``(image, labels, textures)``: (size, size, 3) float32 RGB in [0, 1],
    (size, size) int32 labels ``0 .. n_regions - 1``, and the texture of each region."""
    if shape not in SHAPES:
        raise ValueError(f"Unknown shape; choose one of {SHAPES}. Received: shape={shape!r}")
    if kind not in KINDS:
        raise ValueError(f"Unknown kind; choose one of {KINDS}. Received: kind={kind!r}")
    k = check_number(n_regions, "n_regions", low=2, high=6, integer=True)
    size = check_number(size, "size", low=32, high=512, integer=True)
    rng = check_seed(seed)
    bank = load_textures()
    labels = _layout(shape, size, k, rng)
    names, hues = _assign(kind, k, rng)
    image = np.zeros((size, size, 3))
    for region in range(k):
        where = labels == region
        image[where] = _fill(bank[names[region]], hues[region], size, rng)[where]
    return image.astype(np.float32), labels, tuple(names)


def make_mosaics(n, *, seed=0, size=128, n_regions=(3, 5)) -> MosaicSet:
    """``n`` seeded mosaics, their shapes and kinds cycled so that every combination appears.

    Args:
        n: the number of mosaics (>= 1).
        seed: an int; mosaic ``i`` is drawn from ``seed`` and ``i`` alone, so the first
            mosaics of a larger set are the mosaics of a smaller one.
        size: the side in pixels (32..512).
        n_regions: an int, or ``(low, high)``: the number of regions is drawn uniformly in
            ``low..high`` (2..6).

    Returns:
        A :class:`MosaicSet`.
    """
    n = check_number(n, "n", low=1, integer=True)
    seed = check_number(seed, "seed", low=0, integer=True)
    if isinstance(n_regions, (int, np.integer)):
        n_regions = (n_regions, n_regions)
    low, high = (check_number(v, "n_regions", low=2, high=6, integer=True) for v in n_regions)
    if low > high:
        raise ValueError(f"n_regions must be (low, high) with low <= high. Received: {n_regions}")
    images, labels, ks, shapes, kinds, textures = [], [], [], [], [], []
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        kind = KINDS[i % len(KINDS)]  # the 12 (shape, kind) pairs in the first 12 mosaics
        shape = SHAPES[(i + i // len(KINDS)) % len(SHAPES)]
        k = int(rng.integers(low, high + 1))
        image, label, names = make_mosaic(shape, kind, k, size=size, seed=rng)
        images.append(image)
        labels.append(label)
        ks.append(k)
        shapes.append(shape)
        kinds.append(kind)
        textures.append(names)
    return MosaicSet(np.stack(images), np.stack(labels), np.array(ks), tuple(shapes),
                     tuple(kinds), tuple(textures))


def load_segmentation_photos(names=PHOTOS, *, size=128) -> dict:
    """Real colour photographs for qualitative results (no ground truth): ``name -> (H, W, 3)``
    float32 in [0, 1], the shorter side ``size`` pixels."""
    from .datasets import load_photos

    return load_photos(list(names), size=size)


__all__ = [
    "KINDS",
    "PHOTOS",
    "SHAPES",
    "TEXTURES",
    "MosaicSet",
    "load_segmentation_photos",
    "load_textures",
    "make_mosaic",
    "make_mosaics",
]
