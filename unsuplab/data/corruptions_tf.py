"""In-graph corruptions for tf.data: the same corruptions as :mod:`unsuplab.data.corruptions`,
drawn afresh for every batch while a model trains (a NumPy function cannot run inside a
``tf.data`` map without leaving the graph).

Semantics match the NumPy versions (``tests/data/test_corruptions_tf.py`` checks it): images
are float tensors in [0, 1] of shape (N, H, W, C); masks have shape (N, H, W) and are 1 on kept
pixels, 0 on missing ones. The one addition: every strength may be a ``(low, high)`` range,
and then each image draws its own strength uniformly from it (what a *blind* model trains on).
With ``low == high`` the distribution is exactly the NumPy one.

Randomness comes from TensorFlow's global seed (``unsuplab.config.set_seed``) or ``seed``.
"""

from __future__ import annotations

import math

from .._validation import check_number, check_range


def _per_image(n, bounds, seed=None):
    """One value per image, uniform in ``bounds``: shape (n, 1, 1, 1)."""
    import tensorflow as tf

    lo, hi = bounds
    if lo == hi:
        return tf.fill((n, 1, 1, 1), tf.constant(lo, tf.float32))
    return tf.random.uniform((n, 1, 1, 1), lo, hi, seed=seed)


def gaussian_noise(images, sigma, *, clip=True, seed=None):
    """Add white Gaussian noise of std ``sigma`` (a number or a per-image ``(low, high)``
    range); clip to [0, 1] like :func:`unsuplab.data.gaussian_noise`."""
    import tensorflow as tf

    bounds = check_range(sigma, "sigma", 0.0, math.inf)
    x = tf.convert_to_tensor(images, tf.float32)
    s = _per_image(tf.shape(x)[0], bounds, seed)
    noisy = x + s * tf.random.normal(tf.shape(x), seed=seed)
    return tf.clip_by_value(noisy, 0.0, 1.0) if clip else noisy


def salt_and_pepper(images, amount, *, salt_ratio=0.5, seed=None):
    """Set a fraction ``amount`` of pixels (per image, if a range) to 1 or 0, all channels
    alike, like :func:`unsuplab.data.salt_and_pepper`."""
    import tensorflow as tf

    bounds = check_range(amount, "amount", 0.0, 1.0)
    salt_ratio = check_number(salt_ratio, "salt_ratio", low=0, high=1)
    x = tf.convert_to_tensor(images, tf.float32)
    shape = tf.shape(x)
    a = _per_image(shape[0], bounds, seed)
    u = tf.random.uniform(tf.concat([shape[:3], [1]], 0), seed=seed)
    salt = u < a * salt_ratio
    pepper = tf.logical_and(u >= a * salt_ratio, u < a)
    out = tf.where(salt, tf.ones_like(x), x)
    return tf.where(pepper, tf.zeros_like(x), out)


def _gauss_kernels(sigmas, radius):
    """(n,) stds -> (n, 2 * radius + 1) normalised 1-D Gaussians (a std of 0: the identity)."""
    import tensorflow as tf

    t = tf.range(-radius, radius + 1, dtype=tf.float32)[None, :]
    s = tf.maximum(sigmas[:, None], 1e-6)
    k = tf.exp(-0.5 * tf.square(t / s))
    return k / tf.reduce_sum(k, axis=1, keepdims=True)


def blur(images, sigma, *, seed=None):
    """Gaussian blur of std ``sigma`` pixels (per image, if a range), like
    :func:`unsuplab.data.blur` (SciPy's ``gaussian_filter``: mode ``"reflect"``, kernel radius
    ``int(4 * sigma + 0.5)``, of the largest ``sigma`` for a range)."""
    import tensorflow as tf

    lo, hi = check_range(sigma, "sigma", 0.0, 20.0)
    x = tf.convert_to_tensor(images, tf.float32)
    radius = int(4.0 * hi + 0.5)
    if radius == 0:
        return x
    n, h, w, c = (tf.shape(x)[i] for i in range(4))
    s = tf.reshape(_per_image(n, (lo, hi), seed), (-1,))
    kernels = _gauss_kernels(s, radius)  # (n, K)
    # Each image (and channel) is a channel of one big image, blurred by its own kernel with
    # a depthwise convolution: (n, H, W, C) -> (1, H, W, n*C).
    y = tf.reshape(tf.transpose(x, (1, 2, 0, 3)), (1, h, w, n * c))
    k = tf.repeat(kernels, c, axis=0)  # (n*C, K)
    y = tf.pad(y, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC")
    kv = tf.transpose(k)[:, None, :, None]  # (K, 1, n*C, 1)
    kh = tf.transpose(k)[None, :, :, None]  # (1, K, n*C, 1)
    y = tf.nn.depthwise_conv2d(y, kv, strides=[1, 1, 1, 1], padding="VALID")
    y = tf.nn.depthwise_conv2d(y, kh, strides=[1, 1, 1, 1], padding="VALID")
    return tf.transpose(tf.reshape(y, (h, w, n, c)), (2, 0, 1, 3))


def random_holes_mask(shape, *, hole_size=8, n_holes=1, seed=None):
    """A mask of shape ``shape = (N, H, W)`` with ``n_holes`` square holes of side
    ``hole_size`` per image (either may be a per-image ``(low, high)`` range of integers,
    inclusive), placed uniformly like :func:`unsuplab.data.random_holes`."""
    import tensorflow as tf

    size_lo, size_hi = (int(v) for v in check_range(hole_size, "hole_size", 1, 4096))
    holes_lo, holes_hi = (int(v) for v in check_range(n_holes, "n_holes", 0, 256))
    shape = tf.convert_to_tensor(shape, tf.int32)
    n, h, w = shape[0], shape[1], shape[2]
    if holes_hi == 0:
        return tf.ones((n, h, w), tf.float32)
    k = holes_hi
    size = tf.random.uniform((n, k), size_lo, size_hi + 1, dtype=tf.int32, seed=seed)
    size = tf.minimum(size, tf.minimum(h, w))
    # uniform integer positions in [0, H - size] (inclusive), like rng.integers(0, H - s + 1)
    u = tf.random.uniform((n, k, 2), seed=seed)
    row = tf.cast(tf.floor(u[..., 0] * tf.cast(h - size + 1, tf.float32)), tf.int32)
    col = tf.cast(tf.floor(u[..., 1] * tf.cast(w - size + 1, tf.float32)), tf.int32)
    count = tf.random.uniform((n, 1), holes_lo, holes_hi + 1, dtype=tf.int32, seed=seed)
    active = tf.range(k)[None, :] < count  # (n, k)
    r = tf.range(h)[None, None, :, None]
    c = tf.range(w)[None, None, None, :]
    inside = (
        (r >= row[..., None, None])
        & (r < (row + size)[..., None, None])
        & (c >= col[..., None, None])
        & (c < (col + size)[..., None, None])
        & active[..., None, None]
    )
    return 1.0 - tf.cast(tf.reduce_any(inside, axis=1), tf.float32)


def pixel_mask(shape, fraction, *, seed=None):
    """A mask of shape ``(N, H, W)`` where each pixel is missing with probability ``fraction``
    (per image, if a range), like :func:`unsuplab.data.pixel_mask`."""
    import tensorflow as tf

    bounds = check_range(fraction, "fraction", 0.0, 1.0)
    shape = tf.convert_to_tensor(shape, tf.int32)
    f = _per_image(shape[0], bounds, seed)[..., 0]
    return tf.cast(tf.random.uniform(shape, seed=seed) >= f, tf.float32)


def random_holes(images, *, hole_size=8, n_holes=1, fill=0.0, seed=None):
    """Cut square holes; returns ``(corrupted, mask)`` like :func:`unsuplab.data.random_holes`."""
    import tensorflow as tf

    fill = check_number(fill, "fill", low=0, high=1)
    x = tf.convert_to_tensor(images, tf.float32)
    mask = random_holes_mask(tf.shape(x)[:3], hole_size=hole_size, n_holes=n_holes, seed=seed)
    m = mask[..., None]
    return x * m + fill * (1.0 - m), mask


__all__ = [
    "blur",
    "gaussian_noise",
    "pixel_mask",
    "random_holes",
    "random_holes_mask",
    "salt_and_pepper",
]
