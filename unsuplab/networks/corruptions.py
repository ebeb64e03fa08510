"""Random corruptions in ``keras.ops``: drawn afresh for every batch inside a model's
``compute_loss``, on every Keras backend (TensorFlow, JAX, ...).

The same corruptions as the NumPy :mod:`unsuplab.data.corruptions` (the tests check the
statistics and, where nothing is random, exact equality): images are float tensors in [0, 1]
of shape (N, H, W, C) (a batch with a channel axis, always); masks have shape (N, H, W) and
are 1 on kept pixels, 0 on missing ones. The one addition: every strength may be a
``(low, high)`` range, and then each image draws its own strength uniformly from it (what a
*blind* model trains on). With ``low == high`` the distribution is the NumPy one.

Randomness comes from ``seed``: a ``keras.random.SeedGenerator`` (a model's
``self.seed_generator``: every call draws new numbers, and the state is saved with the model),
or an int (the same numbers at every call).

Example:
    >>> seed = keras.random.SeedGenerator(0)
    >>> noisy = gaussian_noise(clean_batch, (0.0, 55 / 255), seed=seed)
"""

from __future__ import annotations

import math

import keras
from keras import ops

from .._validation import MAX_BLUR_SIGMA, MAX_HOLES, check_number, check_range, check_sigma


def _check_seed(seed):
    if isinstance(seed, keras.random.SeedGenerator):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
        return seed
    raise TypeError(
        "seed must be a keras.random.SeedGenerator (new numbers at every call) or an int >= 0. "
        f"Received: seed={seed!r}"
    )


def _check_batch(images, name="images"):
    """A float tensor of rank 4 (N, H, W, C); integer images are refused, not saturated."""
    x = ops.convert_to_tensor(images)
    dtype = keras.backend.standardize_dtype(x.dtype)
    if "float" not in dtype:
        raise TypeError(
            f"{name} must be float images in [0, 1] (scale integer images first: {name} / 255). "
            f"Received: {name} of dtype {dtype}"
        )
    if len(x.shape) != 4:
        raise ValueError(
            f"{name} must be a batch (N, H, W, C) with a channel axis (add one with "
            f"{name}[..., None]). Received: {name} of shape {tuple(x.shape)}"
        )
    return x


def _check_mask_shape(shape):
    try:
        shape = tuple(shape)
    except TypeError:
        shape = ()
    if len(shape) != 3:
        raise ValueError(f"shape must be (N, H, W). Received: shape={shape!r}")
    return shape


def _sigma_range(sigma, name="sigma"):
    """A noise std or a ``(low, high)`` range of them, on the [0, 1] scale (25 is refused with
    the 25/255 hint)."""
    low, high = check_range(sigma, name, 0.0, math.inf)
    return float(check_sigma(low, name)), float(check_sigma(high, name))


def _per_image(n, bounds, seed, dtype="float32"):
    """One value per image, uniform in ``bounds`` (exactly ``low`` when low == high): shape
    (n, 1, 1, 1)."""
    low, high = bounds
    return keras.random.uniform((n, 1, 1, 1), low, high, dtype=dtype, seed=seed)


def gaussian_noise(images, sigma, *, clip=True, seed):
    r"""Add white Gaussian noise, :math:`\tilde x = x + \sigma\varepsilon`, clipped to [0, 1]
    like :func:`unsuplab.data.gaussian_noise`.

    Args:
        images: float tensor (N, H, W, C) in [0, 1].
        sigma: the std on the [0, 1] scale (<= 1), or a per-image ``(low, high)`` range.
        clip: clip the result to [0, 1].
        seed: a ``SeedGenerator`` or an int.
    """
    bounds = _sigma_range(sigma)
    seed = _check_seed(seed)
    x = _check_batch(images)
    s = _per_image(ops.shape(x)[0], bounds, seed, x.dtype)
    noisy = x + s * keras.random.normal(ops.shape(x), dtype=x.dtype, seed=seed)
    return ops.clip(noisy, 0.0, 1.0) if clip else noisy


def salt_and_pepper(images, amount, *, salt_ratio=0.5, seed):
    """Set a fraction ``amount`` of pixels (per image, if a range) to 1 or 0, all channels
    alike, like :func:`unsuplab.data.salt_and_pepper`: a pixel with uniform draw ``u`` becomes
    salt if ``u < amount * salt_ratio``, pepper if ``amount * salt_ratio <= u < amount``."""
    bounds = check_range(amount, "amount", 0.0, 1.0)
    salt_ratio = check_number(salt_ratio, "salt_ratio", low=0, high=1)
    seed = _check_seed(seed)
    x = _check_batch(images)
    n, h, w = ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[2]
    a = _per_image(n, bounds, seed, x.dtype)
    u = keras.random.uniform((n, h, w, 1), dtype=x.dtype, seed=seed)
    salt = u < a * salt_ratio
    pepper = ops.logical_and(u >= a * salt_ratio, u < a)
    out = ops.where(salt, ops.ones_like(x), x)
    return ops.where(pepper, ops.zeros_like(x), out)


def _gauss_kernels(sigmas, radius):
    """(n,) stds -> (n, 2 * radius + 1) normalised 1-D Gaussians (a std of 0: the identity)."""
    t = ops.cast(ops.arange(-radius, radius + 1), sigmas.dtype)[None, :]
    s = ops.maximum(sigmas[:, None], 1e-6)
    k = ops.exp(-0.5 * ops.square(t / s))
    return k / ops.sum(k, axis=1, keepdims=True)


def _filter_axis(x, kernels, radius, axis):
    """Correlate each image of ``x`` along ``axis`` (1: rows, 2: columns) with its own 1-D
    kernel, mirroring the border (SciPy's ``mode="reflect"``, NumPy's ``"symmetric"``).

    A weighted sum of shifted slices: a per-image convolution with static shapes on every
    backend (a depthwise convolution would need the batch size as its channel count)."""
    pad = [(0, 0)] * 4
    pad[axis] = (radius, radius)
    padded = ops.pad(x, pad, mode="symmetric")
    size = ops.shape(x)[axis]
    out = 0.0
    for k in range(2 * radius + 1):
        part = padded[:, k : k + size] if axis == 1 else padded[:, :, k : k + size]
        out = out + kernels[:, k][:, None, None, None] * part
    return out


def blur(images, sigma, *, seed):
    """Gaussian blur of std ``sigma`` pixels (per image, if a range), like
    :func:`unsuplab.data.blur` (SciPy's ``gaussian_filter``: mirrored borders, kernel radius
    ``int(4 * sigma + 0.5)``; for a range, the radius of the largest ``sigma``)."""
    low, high = check_range(sigma, "sigma", 0.0, MAX_BLUR_SIGMA)
    seed = _check_seed(seed)
    x = _check_batch(images)
    radius = int(4.0 * high + 0.5)
    if radius == 0:
        return x
    s = ops.reshape(_per_image(ops.shape(x)[0], (low, high), seed, x.dtype), (-1,))
    kernels = _gauss_kernels(s, radius)
    return _filter_axis(_filter_axis(x, kernels, radius, 1), kernels, radius, 2)


def random_holes_mask(shape, *, hole_size=8, n_holes=1, seed):
    """A mask of shape ``shape = (N, H, W)`` with ``n_holes`` square holes of side
    ``hole_size`` per image (either may be a per-image ``(low, high)`` range of integers,
    inclusive; a side is cut to the image's shorter side), each placed uniformly over the
    positions where it fits, like :func:`unsuplab.data.random_holes`. Holes may overlap."""
    size_lo, size_hi = (int(v) for v in check_range(hole_size, "hole_size", 1, 4096))
    holes_lo, holes_hi = (int(v) for v in check_range(n_holes, "n_holes", 0, MAX_HOLES))
    seed = _check_seed(seed)
    n, h, w = _check_mask_shape(shape)
    if holes_hi == 0:
        return ops.ones((n, h, w), "float32")
    k = holes_hi
    size = keras.random.randint((n, k), size_lo, size_hi + 1, seed=seed)
    size = ops.minimum(size, ops.minimum(h, w))
    # uniform integer corners in [0, H - size] (inclusive), like rng.integers(0, H - s + 1)
    u = keras.random.uniform((n, k, 2), seed=seed)
    row = ops.cast(ops.floor(u[..., 0] * ops.cast(h - size + 1, "float32")), "int32")
    col = ops.cast(ops.floor(u[..., 1] * ops.cast(w - size + 1, "float32")), "int32")
    count = keras.random.randint((n, 1), holes_lo, holes_hi + 1, seed=seed)
    active = ops.arange(k)[None, :] < count  # (n, k): the first `count` holes are cut
    r = ops.arange(h)[None, None, :, None]
    c = ops.arange(w)[None, None, None, :]
    inside = ops.logical_and(
        ops.logical_and(r >= row[..., None, None], r < (row + size)[..., None, None]),
        ops.logical_and(c >= col[..., None, None], c < (col + size)[..., None, None]),
    )
    inside = ops.logical_and(inside, active[..., None, None])
    return 1.0 - ops.cast(ops.any(inside, axis=1), "float32")


def pixel_mask(shape, fraction, *, seed):
    """A mask of shape ``(N, H, W)`` where each pixel is missing with probability ``fraction``
    (per image, if a range), like :func:`unsuplab.data.pixel_mask`."""
    bounds = check_range(fraction, "fraction", 0.0, 1.0)
    seed = _check_seed(seed)
    n, h, w = _check_mask_shape(shape)
    f = _per_image(n, bounds, seed)[..., 0]
    return ops.cast(keras.random.uniform((n, h, w), seed=seed) >= f, "float32")


def random_holes(images, *, hole_size=8, n_holes=1, fill=0.0, seed):
    """Cut square holes (see :func:`random_holes_mask`); returns ``(corrupted, mask)`` like
    :func:`unsuplab.data.random_holes`, the holes set to ``fill``."""
    fill = check_number(fill, "fill", low=0, high=1)
    x = _check_batch(images)
    shape = ops.shape(x)[:3]
    mask = random_holes_mask(shape, hole_size=hole_size, n_holes=n_holes, seed=seed)
    m = ops.cast(mask, x.dtype)[..., None]
    return x * m + fill * (1.0 - m), mask


__all__ = [
    "blur",
    "gaussian_noise",
    "pixel_mask",
    "random_holes",
    "random_holes_mask",
    "salt_and_pepper",
]
