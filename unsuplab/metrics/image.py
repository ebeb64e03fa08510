"""Image quality: MSE, PSNR and SSIM, per image and as the mean over images.

Convention used everywhere in unsuplab (say it wherever a number is reported):
**PSNR is the mean over images of the per-image PSNR, with peak 1.0** (images in [0, 1]).
The mean of per-image PSNRs is lower than the PSNR of the mean MSE (Jensen), and it is what
papers on image restoration report.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number


def _pair(x, y, xname="x", yname="y"):
    x = check_array(x, xname, ndim=(2, 3, 4), dtype_kind="f")
    y = check_array(y, yname, ndim=(2, 3, 4), dtype_kind="f")
    if x.shape != y.shape:
        raise ValueError(
            f"{xname} and {yname} must have the same shape. Received: {x.shape} and {y.shape}"
        )
    return x.astype(np.float64), y.astype(np.float64)


def _as_batch(x):
    """(H, W) -> (1, H, W, 1); (N, H, W) -> (N, H, W, 1); (N, H, W, C) unchanged."""
    if x.ndim == 2:
        return x[None, ..., None]
    if x.ndim == 3:
        return x[..., None]
    return x


def mse_per_image(x, y):
    r"""Mean squared error of each image: :math:`\frac{1}{P}\sum_p (x_p - y_p)^2`.

    Returns:
        ndarray of shape (N,) (a single image gives shape (1,)).
    """
    x, y = _pair(x, y)
    x, y = _as_batch(x), _as_batch(y)
    return np.mean((x - y) ** 2, axis=(1, 2, 3))


def psnr_per_image(x, y, *, peak=1.0):
    r"""PSNR of each image in dB: :math:`10 \log_{10}(\text{peak}^2 / \text{MSE})`.

    A perfect image (MSE 0) gets ``inf``.
    """
    peak = check_number(peak, "peak", low=0, low_inclusive=False)
    err = mse_per_image(x, y)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(peak**2 / err)


def psnr(x, y, *, peak=1.0):
    r"""Mean over images of the per-image PSNR, in dB (peak 1.0 by default).

    .. math:: \overline{\text{PSNR}} = \frac{1}{N}\sum_{i=1}^{N}
              10\log_{10}\frac{\text{peak}^2}{\frac{1}{P}\lVert x_i - y_i\rVert^2}

    Args:
        x, y: float images of the same shape: (H, W), (N, H, W) or (N, H, W, C), in [0, peak].

    Example:
        >>> psnr(np.zeros((1, 2, 2)), np.full((1, 2, 2), 0.1))  # MSE 0.01 -> 20 dB
        20.0
    """
    return float(np.mean(psnr_per_image(x, y, peak=peak)))


def ssim_per_image(x, y, *, peak=1.0):
    """Structural similarity of each image (Wang et al. 2004), via ``tf.image.ssim``.

    Uses TensorFlow's defaults: an 11x11 Gaussian window with sigma 1.5, K1 0.01, K2 0.03.
    Images smaller than 11 pixels on a side are refused (the window would not fit).
    """
    import tensorflow as tf

    peak = check_number(peak, "peak", low=0, low_inclusive=False)
    x, y = _pair(x, y)
    x, y = _as_batch(x), _as_batch(y)
    if min(x.shape[1:3]) < 11:
        raise ValueError(
            f"SSIM needs images of at least 11x11 pixels. Received: images of shape {x.shape}"
        )
    out = []
    for start in range(0, len(x), 1024):  # batched, so 10k images fit in memory
        a = tf.constant(x[start : start + 1024], tf.float32)
        b = tf.constant(y[start : start + 1024], tf.float32)
        out.append(tf.image.ssim(a, b, max_val=peak).numpy())
    return np.concatenate(out).astype(np.float64)


def ssim(x, y, *, peak=1.0):
    """Mean over images of the per-image SSIM (see :func:`ssim_per_image`)."""
    return float(np.mean(ssim_per_image(x, y, peak=peak)))
