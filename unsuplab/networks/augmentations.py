r"""Random augmentations in ``keras.ops``: the "views" of self-supervised learning.

A contrastive encoder (:class:`unsuplab.models.ContrastiveEncoder`) learns features that do
not change when an image is cropped, flipped or re-lit: it draws two augmented *views* of
every image of a batch, inside its ``compute_loss``, from its own ``SeedGenerator``. What
fits small grey images such as Fashion-MNIST (a garment on black):

- :func:`random_resized_crop`: a random rectangle of the image (area fraction and aspect
  ratio drawn per image), optionally mirrored left-right, resampled to the full size with
  bilinear interpolation. Written as two small matrix products per image, so shapes stay
  static on every backend and nothing is gathered.
- :func:`jitter`: brightness (a gain) and contrast (a stretch about the image's mean).
- :func:`augment`: the chain crop/flip -> jitter -> optional Gaussian noise -> optional cutout
  (one square hole, from :mod:`unsuplab.networks.corruptions`).

Images are float tensors in [0, 1] of shape (N, H, W, C); ``seed`` is a
``keras.random.SeedGenerator`` (new numbers at every call) or an int (the same every call).

Example:
    >>> seed = keras.random.SeedGenerator(0)
    >>> view_a, view_b = augment(batch, seed=seed), augment(batch, seed=seed)
"""

from __future__ import annotations

import math

import keras
from keras import ops

from .._validation import check_number, check_range
from .corruptions import _check_batch, _check_seed, gaussian_noise, random_holes


def _uniform(n, bounds, seed, dtype):
    low, high = bounds
    return keras.random.uniform((n,), low, high, dtype=dtype, seed=seed)


def resample_matrix(positions, size):
    r"""Bilinear interpolation as a matrix: ``positions`` (N, M) source coordinates (in
    pixels, clipped to ``[0, size - 1]``) -> weights (N, M, size) with
    :math:`R_{n,i,h} = \max(0, 1 - |p_{n,i} - h|)` (each row sums to 1).

    ``R @ x`` samples the rows of ``x`` at the positions: the separable half of a resize."""
    p = ops.clip(positions, 0.0, float(size - 1))
    grid = ops.cast(ops.arange(size), p.dtype)
    return ops.relu(1.0 - ops.abs(p[:, :, None] - grid[None, None, :]))


def random_resized_crop(images, *, area=(0.35, 1.0), ratio=(3 / 4, 4 / 3), flip=True, seed):
    r"""Crop a random rectangle of each image and resize it back to (H, W), bilinearly.

    Per image: an area fraction :math:`a \sim U(\text{area})` and an aspect ratio :math:`r`
    log-uniform in ``ratio`` give the crop's sides :math:`h_c = \min(H, H\sqrt{a r})`,
    :math:`w_c = \min(W, W\sqrt{a / r})`; its corner is uniform over the positions where it
    fits. Output pixel :math:`i` samples source row :math:`t + (i + \frac12) h_c / H - \frac12`
    (and likewise for columns), reversed left-right with probability 1/2 when ``flip``.

    Args:
        images: float tensor (N, H, W, C) in [0, 1].
        area: ``(low, high)`` fraction of the image the crop covers, in (0, 1]; ``1`` keeps the
            whole image (then only the flip acts).
        ratio: ``(low, high)`` aspect ratios (height / width) of the crop, > 0.
        flip: mirror left-right with probability 1/2.
        seed: a ``SeedGenerator`` or an int.

    Returns:
        A tensor of the shape of ``images``.
    """
    area = check_range(area, "area", 0.0, 1.0)
    if area[0] <= 0:
        raise ValueError(f"area must be > 0 (a fraction of the image). Received: area={area!r}")
    ratio = check_range(ratio, "ratio", 0.0, math.inf)
    if ratio[0] <= 0:
        raise ValueError(f"ratio must be > 0. Received: ratio={ratio!r}")
    seed = _check_seed(seed)
    x = _check_batch(images)
    n, h, w = ops.shape(x)[0], x.shape[1], x.shape[2]
    dtype = x.dtype
    a = _uniform(n, area, seed, dtype)
    r = ops.exp(_uniform(n, (math.log(ratio[0]), math.log(ratio[1])), seed, dtype))
    crop_h = ops.minimum(float(h), h * ops.sqrt(a * r))
    crop_w = ops.minimum(float(w), w * ops.sqrt(a / r))
    top = keras.random.uniform((n,), dtype=dtype, seed=seed) * (h - crop_h)
    left = keras.random.uniform((n,), dtype=dtype, seed=seed) * (w - crop_w)
    i = ops.cast(ops.arange(h), dtype)[None, :]
    j = ops.cast(ops.arange(w), dtype)[None, :]
    if flip:
        mirror = keras.random.uniform((n, 1), dtype=dtype, seed=seed) < 0.5
        j = ops.where(mirror, (w - 1) - j, j)
    rows = top[:, None] + (i + 0.5) * crop_h[:, None] / h - 0.5
    cols = left[:, None] + (j + 0.5) * crop_w[:, None] / w - 0.5
    ry = resample_matrix(rows, h)  # (N, H, H)
    rx = resample_matrix(cols, w)  # (N, W, W)
    channels_first = ops.transpose(x, (0, 3, 1, 2))  # (N, C, H, W)
    out = ops.matmul(ops.matmul(ry[:, None], channels_first), ops.transpose(rx, (0, 2, 1))[:, None])
    return ops.transpose(out, (0, 2, 3, 1))


def jitter(images, *, brightness=0.4, contrast=0.4, seed):
    r"""Random brightness and contrast, clipped to [0, 1]:
    :math:`\tilde x = \operatorname{clip}(c\,(b x - m) + m)` with a gain
    :math:`b \sim U[1 - \text{brightness}, 1 + \text{brightness}]`, a stretch
    :math:`c \sim U[1 - \text{contrast}, 1 + \text{contrast}]` and :math:`m` the mean of
    :math:`b x` over the image (one draw per image).

    Args:
        images: float tensor (N, H, W, C) in [0, 1].
        brightness, contrast: strengths in [0, 1]; 0 turns that part off.
        seed: a ``SeedGenerator`` or an int.
    """
    brightness = float(check_number(brightness, "brightness", low=0, high=1))
    contrast = float(check_number(contrast, "contrast", low=0, high=1))
    seed = _check_seed(seed)
    x = _check_batch(images)
    n = ops.shape(x)[0]
    b = _uniform(n, (1 - brightness, 1 + brightness), seed, x.dtype)[:, None, None, None]
    c = _uniform(n, (1 - contrast, 1 + contrast), seed, x.dtype)[:, None, None, None]
    lit = b * x
    mean = ops.mean(lit, axis=(1, 2, 3), keepdims=True)
    return ops.clip(c * (lit - mean) + mean, 0.0, 1.0)


def augment(images, *, area=(0.35, 1.0), ratio=(3 / 4, 4 / 3), flip=True, brightness=0.4,
            contrast=0.4, noise=0.0, cutout=0, seed):
    """One random view of each image: :func:`random_resized_crop` (with ``flip``), then
    :func:`jitter`, then Gaussian noise of std up to ``noise`` (per image, uniform in
    ``[0, noise]``; 0: none), then, if ``cutout > 0``, a square hole of side ``cutout`` pixels
    set to 0 in half of the images.

    Args:
        images: float tensor (N, H, W, C) in [0, 1].
        area, ratio, flip: as in :func:`random_resized_crop`.
        brightness, contrast: as in :func:`jitter`.
        noise: the largest noise std, on the [0, 1] scale.
        cutout: side of the hole in pixels (0: no cutout).
        seed: a ``SeedGenerator`` or an int.

    Returns:
        A tensor of the shape of ``images``, in [0, 1].
    """
    cutout = check_number(cutout, "cutout", low=0, integer=True)
    x = random_resized_crop(images, area=area, ratio=ratio, flip=flip, seed=seed)
    if brightness or contrast:
        x = jitter(x, brightness=brightness, contrast=contrast, seed=seed)
    if noise:
        x = gaussian_noise(x, (0.0, noise), seed=seed)
    if cutout:
        x, _ = random_holes(x, hole_size=cutout, n_holes=(0, 1), seed=seed)
    return x


__all__ = ["augment", "jitter", "random_resized_crop", "resample_matrix"]
