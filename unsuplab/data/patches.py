"""Training patches cut from a few large images (the self-supervised denoiser's data)."""

from __future__ import annotations

import numpy as np

from .._validation import check_images, check_number, check_seed, check_sequence


def random_patches(images, *, patch_size, n_patches, seed=0):
    """Random square patches of a list of images, each turned by a random quarter turn and
    flipped left-right with probability 1/2 (the eight symmetries of the square).

    Used to train :class:`unsuplab.models.BlindSpotDenoiser` on noisy photographs: no clean
    image is involved, so the patches are the noisy images themselves.

    Args:
        images: a list of float (H, W) images in [0, 1], at least ``patch_size`` a side.
        patch_size: side of the patches, pixels (>= 4).
        n_patches: how many; image ``k % len(images)`` gives patch ``k``.
        seed: an int, ``None`` or a ``np.random.Generator``.

    Returns:
        float32 array (n_patches, patch_size, patch_size, 1).
    """
    patch_size = check_number(patch_size, "patch_size", low=4, integer=True)
    # 10**6 patches of 64 x 64 already take 16 GB
    n_patches = check_number(n_patches, "n_patches", low=1, high=10**6, integer=True)
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    images = [check_images(im, f"images[{i}]", ndim=2)
              for i, im in enumerate(check_sequence(images, "images"))]
    if not images:
        raise ValueError("images must hold at least one image. Received: images=[]")
    small = [im.shape for im in images if min(im.shape) < patch_size]
    if small:
        raise ValueError(f"every image must be at least patch_size={patch_size} a side. "
                         f"Received: an image of shape {small[0]}")
    rng = check_seed(seed)
    out = np.empty((n_patches, patch_size, patch_size, 1), np.float32)
    for k in range(n_patches):
        im = images[k % len(images)]
        r = rng.integers(0, im.shape[0] - patch_size + 1)
        c = rng.integers(0, im.shape[1] - patch_size + 1)
        p = np.rot90(im[r : r + patch_size, c : c + patch_size], rng.integers(4))
        out[k, ..., 0] = p[:, ::-1] if rng.random() < 0.5 else p
    return out


__all__ = ["random_patches"]
