"""Seeded image corruptions: what the correction chapters learn to undo.

All take float images in [0, 1] of shape (H, W) (one image), (N, H, W) or (N, H, W, C) (a
batch) and return a new float32 array of the same shape; the input is never modified. Masks
have the *spatial* shape, (H, W) or (N, H, W), and are 1 on kept pixels, 0 on missing ones.
``seed`` is an int, ``None`` or a ``np.random.Generator``, so a seeded call gives the same
corruption twice.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._validation import (
    MAX_BLUR_SIGMA,
    check_bool,
    check_hole_count,
    check_images,
    check_number,
    check_seed,
    check_sigma,
)


def _spatial_shape(x):
    """(H, W) for one image, (N, H, W) for a batch with or without a channel axis."""
    return x.shape[:-1] if x.ndim == 4 else x.shape


def gaussian_noise(images, sigma, *, seed=None, clip=True):
    r"""Add white Gaussian noise: :math:`\tilde x = x + \sigma \varepsilon`, with
    :math:`\varepsilon \sim N(0, I)`.

    Args:
        sigma: the noise standard deviation on the [0, 1] scale (25/255 ~ 0.098), <= 1.
        clip: clip the result to [0, 1] (what a camera or a saved image does).
    """
    x = check_images(images)
    sigma = check_sigma(sigma)
    clip = check_bool(clip, "clip")  # 25 (a grey-level std) is refused with the /255 hint
    rng = check_seed(seed)
    noisy = x + sigma * rng.standard_normal(x.shape).astype(np.float32)
    return (np.clip(noisy, 0.0, 1.0) if clip else noisy).astype(np.float32)


def salt_and_pepper(images, amount, *, seed=None, salt_ratio=0.5):
    """Set a fraction ``amount`` of pixels to 1 (salt) or 0 (pepper), all channels alike."""
    x = check_images(images)
    amount = check_number(amount, "amount", low=0, high=1)
    salt_ratio = check_number(salt_ratio, "salt_ratio", low=0, high=1)
    rng = check_seed(seed)
    u = rng.random(_spatial_shape(x))
    out = x.astype(np.float32, copy=True)
    salt = u < amount * salt_ratio
    pepper = (u >= amount * salt_ratio) & (u < amount)
    out[salt] = 1.0
    out[pepper] = 0.0
    return out


def blur(images, sigma):
    """Gaussian blur of each image with standard deviation ``sigma`` pixels (no noise),
    0 <= ``sigma`` <= 20."""
    x = check_images(images)
    sigma = check_number(sigma, "sigma", low=0, high=MAX_BLUR_SIGMA)
    spatial = {2: (sigma, sigma), 3: (0, sigma, sigma), 4: (0, sigma, sigma, 0)}[x.ndim]
    return ndimage.gaussian_filter(x.astype(np.float32), spatial, mode="reflect")


def random_holes(images, *, n_holes=1, hole_size=8, seed=None, fill=0.0):
    """Cut ``n_holes`` square holes of side ``hole_size`` at random places.

    Returns:
        ``(corrupted, mask)``: ``mask`` has the images' spatial shape and is 1 where a pixel
        is kept and 0 in a hole.
    """
    x = check_images(images)
    batched = x.ndim >= 3
    h, w = _spatial_shape(x)[-2:]
    n_holes = check_hole_count(n_holes)
    hole_size = check_number(hole_size, "hole_size", low=1, high=min(h, w), integer=True)
    fill = check_number(fill, "fill", low=0, high=1)
    rng = check_seed(seed)
    n = x.shape[0] if batched else 1
    mask = np.ones((n, h, w), dtype=np.float32)
    rows = rng.integers(0, h - hole_size + 1, size=(n, n_holes))
    cols = rng.integers(0, w - hole_size + 1, size=(n, n_holes))
    for i in range(n):
        for r, c in zip(rows[i], cols[i], strict=False):
            mask[i, r : r + hole_size, c : c + hole_size] = 0.0
    if not batched:
        mask = mask[0]
    return apply_mask(x, mask, fill=fill), mask


def pixel_mask(images, fraction, *, seed=None, fill=0.0):
    """Drop a random ``fraction`` of pixels (each independently).

    Returns:
        ``(corrupted, mask)`` as :func:`random_holes`.
    """
    x = check_images(images)
    fraction = check_number(fraction, "fraction", low=0, high=1)
    fill = check_number(fill, "fill", low=0, high=1)
    rng = check_seed(seed)
    mask = (rng.random(_spatial_shape(x)) >= fraction).astype(np.float32)
    return apply_mask(x, mask, fill=fill), mask


def apply_mask(images, mask, *, fill=0.0):
    """Return ``images * mask + fill * (1 - mask)``; ``mask`` has the images' spatial shape."""
    x = check_images(images)
    m = check_images(mask, "mask")
    spatial = _spatial_shape(x)
    if m.shape != spatial:
        raise ValueError(
            f"mask must have the images' spatial shape {spatial}. Received: mask shape {m.shape}"
        )
    if m.ndim < x.ndim:
        m = m[..., None]
    return (x * m + fill * (1.0 - m)).astype(np.float32)
