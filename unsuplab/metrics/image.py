r"""Image quality: MSE, PSNR and SSIM, per image and as the mean over images.

Convention used everywhere in unsuplab (say it wherever a number is reported):
**PSNR is the mean over images of the per-image PSNR, with peak 1.0** (images in [0, 1]).
It is what papers on image restoration report, and it is at least the PSNR of the mean MSE:
:math:`\log` is concave, so by Jensen :math:`\frac1N\sum_i \log \mathrm{MSE}_i \le
\log \frac1N\sum_i \mathrm{MSE}_i`, hence :math:`\frac1N\sum_i \mathrm{PSNR}_i \ge
10\log_{10}(\text{peak}^2 / \overline{\mathrm{MSE}})`, with equality only when every image
has the same MSE (one very good image lifts the mean of PSNRs far more than the pooled one).

Layouts: (H, W) is one grey image, (N, H, W) a batch of grey images, (N, H, W, C) a batch with
channels, and a 3-D array whose last axis has 1 or 3 entries is **one** image with channels,
(H, W, 1) or an (H, W, 3) colour image (scikit-image's layout); a batch of grey images 1 or 3
pixels wide must be given as (N, H, W, 1).
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_mask, check_number, describe


def _on_scale(a, name, peak):
    """Refuse images on another scale than [0, ``peak``]: values more than half a peak outside
    it (0..255 grey levels scored with peak 1 give -21 dB instead of 27). A restoration's
    small overshoot (an unclipped linear decoder) is scored as it is."""
    if a.size:
        lo, hi = float(a.min()), float(a.max())
        if lo < -0.5 * peak or hi > 1.5 * peak:
            hint = (f" These look like 0..255 grey levels: pass {name} / 255 (or peak=255)."
                    if peak == 1.0 and lo >= -0.5 and 2.0 < hi <= 255.0 else "")
            raise ValueError(
                f"{name} must lie in [0, peak] = [0, {peak:g}]; its values span [{lo:.4g}, "
                f"{hi:.4g}].{hint} Received: {name}={describe(a)}")
    return a


def _pair(x, y, xname="x", yname="y", *, peak=1.0):
    """Checked float images of one shape and scale ([0, ``peak``]), as (N, H, W, C) batches,
    *not* copied: the metrics cast :data:`_BLOCK` images at a time to float64
    (:func:`_blocks`), so 10 000 images never take four float64 copies (250 MB) at once."""
    x = _on_scale(check_array(x, xname, ndim=(2, 3, 4), dtype_kind="f"), xname, peak)
    y = _on_scale(check_array(y, yname, ndim=(2, 3, 4), dtype_kind="f"), yname, peak)
    if x.shape != y.shape:
        raise ValueError(
            f"{xname} and {yname} must have the same shape. Received: {x.shape} and {y.shape}"
        )
    return _as_batch(x), _as_batch(y)


#: Images per float64 block in the metrics.
_BLOCK = 1024


def _blocks(x, y):
    """Float64 blocks of ``_BLOCK`` images of the pair."""
    for start in range(0, len(x), _BLOCK):
        yield (x[start : start + _BLOCK].astype(np.float64),
               y[start : start + _BLOCK].astype(np.float64))


#: Last-axis lengths that make a 3-D array one image with channels, (H, W, C).
_ONE_IMAGE_CHANNELS = (1, 3)


def _one_image_with_channels(shape):
    return len(shape) == 3 and shape[-1] in _ONE_IMAGE_CHANNELS


def _as_batch(x):
    """(H, W) -> (1, H, W, 1); (H, W, 1 or 3) -> (1, H, W, C); (N, H, W) -> (N, H, W, 1);
    (N, H, W, C) unchanged (the layouts of the module doc)."""
    if x.ndim == 2:
        return x[None, ..., None]
    if x.ndim == 3:
        return x[None] if _one_image_with_channels(x.shape) else x[..., None]
    return x


def mse_per_image(x, y, *, peak=1.0):
    r"""Mean squared error of each image: :math:`\frac{1}{P}\sum_p (x_p - y_p)^2`.

    ``peak`` is the images' scale: values more than half a peak outside [0, peak] are refused
    (see :func:`_on_scale`).

    Returns:
        ndarray of shape (N,) (a single image gives shape (1,)).
    """
    peak = check_number(peak, "peak", low=0, low_inclusive=False)
    x, y = _pair(x, y, peak=peak)
    return np.concatenate([np.mean((a - b) ** 2, axis=(1, 2, 3)) for a, b in _blocks(x, y)])


def psnr_per_image(x, y, *, peak=1.0):
    r"""PSNR of each image in dB: :math:`10 \log_{10}(\text{peak}^2 / \text{MSE})`.

    A perfect image (MSE 0) gets ``inf``.
    """
    peak = check_number(peak, "peak", low=0, low_inclusive=False)
    err = mse_per_image(x, y, peak=peak)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(peak**2 / err)


def psnr(x, y, *, peak=1.0):
    r"""Mean over images of the per-image PSNR, in dB (peak 1.0 by default).

    .. math:: \overline{\text{PSNR}} = \frac{1}{N}\sum_{i=1}^{N}
              10\log_{10}\frac{\text{peak}^2}{\frac{1}{P}\lVert x_i - y_i\rVert^2}

    Args:
        x, y: float images of the same shape, in [0, peak]: (H, W), (N, H, W),
            (N, H, W, C), or one image with channels, (H, W, 1) or (H, W, 3) (module doc).

    Example:
        >>> psnr(np.zeros((1, 2, 2)), np.full((1, 2, 2), 0.1))  # MSE 0.01 -> 20 dB
        20.0
    """
    return float(np.mean(psnr_per_image(x, y, peak=peak)))


def _gaussian_window(size=11, sigma=1.5):
    t = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-0.5 * (t / sigma) ** 2)
    return g / g.sum()


def _filter_valid(a, window):
    """Separable 'valid' filtering of (N, H, W, C) over H and W (what ``tf.image.ssim`` does)."""
    from scipy.ndimage import correlate1d

    k, r = len(window), len(window) // 2
    out = correlate1d(a, window, axis=1, mode="constant")
    out = correlate1d(out, window, axis=2, mode="constant")
    # the centred 'same' correlation, cropped by the radius on each side, is the 'valid' one
    return out[:, r : a.shape[1] - (k - 1 - r), r : a.shape[2] - (k - 1 - r)]


def ssim_per_image(x, y, *, peak=1.0):
    r"""Structural similarity of each image (Wang et al. 2004), in NumPy/SciPy on any backend.

    The algorithm and constants of ``tf.image.ssim`` (checked against it in the tests): an
    11x11 Gaussian window with :math:`\sigma = 1.5`, 'valid' filtering (no padding),
    :math:`K_1 = 0.01`, :math:`K_2 = 0.03`, :math:`C_i = (K_i\,\text{peak})^2`,

    .. math:: \text{SSIM} = \operatorname{mean}_{p,c}
              \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}
                   {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)},

    averaged over the window positions and channels of each image. Images smaller than 11
    pixels on a side are refused (the window would not fit).

    Returns:
        ndarray of shape (N,) (a single image gives shape (1,)).
    """
    peak = check_number(peak, "peak", low=0, low_inclusive=False)
    x, y = _pair(x, y, peak=peak)
    if min(x.shape[1:3]) < 11:
        raise ValueError(
            f"SSIM needs images of at least 11x11 pixels. Received: images of shape {x.shape}"
        )
    window = _gaussian_window()
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    out = []
    for a, b in _blocks(x, y):  # batched, so 10k images fit in memory
        mu_a, mu_b = _filter_valid(a, window), _filter_valid(b, window)
        var_a = _filter_valid(a * a, window) - mu_a**2
        var_b = _filter_valid(b * b, window) - mu_b**2
        cov = _filter_valid(a * b, window) - mu_a * mu_b
        luminance = (2.0 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
        contrast_structure = (2.0 * cov + c2) / (var_a + var_b + c2)
        out.append((luminance * contrast_structure).mean(axis=(1, 2, 3)))
    return np.concatenate(out)


def ssim(x, y, *, peak=1.0):
    """Mean over images of the per-image SSIM (see :func:`ssim_per_image`)."""
    return float(np.mean(ssim_per_image(x, y, peak=peak)))


#: The smallest hole error :func:`hole_psnr` counts: the quantization noise of 8-bit images
#: (peak 1), so a hole filled exactly scores 58.9 dB instead of an infinite PSNR.
HOLE_MSE_FLOOR = (1.0 / 255.0) ** 2 / 12.0


def hole_psnr(images, restored, mask, *, peak=1.0):
    r"""Mean over images of the PSNR measured on the missing pixels only (peak 1.0).

    .. math:: \text{PSNR}_\text{hole}(i) = 10\log_{10}\frac{\text{peak}^2}
              {\max\left(\sum_p (1-m_p)(\hat x_p - x_p)^2 / \sum_p (1 - m_p),\;
              \varepsilon\right)}

    A hole that falls on a flat region (the black background of Fashion-MNIST) can be filled
    *exactly*, and one infinite PSNR would make the mean infinite. The error is therefore
    floored at :math:`\varepsilon = (\text{peak}/255)^2/12` (:data:`HOLE_MSE_FLOOR`), the
    quantization noise of an 8-bit image: an error that small cannot be seen, or even stored.
    The PSNR of one hole is then at most 58.9 dB. Images without a missing pixel are left out
    of the mean; with channels, the error is averaged over them.

    Args:
        images, restored: float images in [0, peak] of the same shape, in the layouts of
            :func:`psnr`: (H, W), (N, H, W), (N, H, W, C), or one image (H, W, 1 or 3).
        mask: the spatial shape ((H, W) for one image, else (N, H, W)), 1 = kept,
            0 = missing.
        peak: the images' scale, as in :func:`psnr` (255 for 0..255 floats).

    Raises:
        ValueError: shapes that differ, a mask that is not binary or of the wrong shape, no
            missing pixel at all, images on another scale than [0, peak].
    """
    peak = check_number(peak, "peak", low=0, low_inclusive=False)
    x, y = _pair(images, restored, "images", "restored", peak=peak)
    shape = np.shape(images)
    spatial = shape[:2] if len(shape) == 2 or _one_image_with_channels(shape) else shape[:3]
    m = check_mask(mask, spatial).reshape(x.shape[:3])
    missing = 1.0 - m.astype(np.float64)
    count = missing.sum(axis=(1, 2))
    keep = count > 0
    if not keep.any():
        raise ValueError("mask has no missing pixel: the hole PSNR is undefined. "
                         "Received: a mask of ones")
    err = ((x.astype(np.float64) - y) ** 2).mean(axis=-1)  # (N, H, W), mean over channels
    mse = (missing * err).sum(axis=(1, 2))[keep] / count[keep]
    mse = np.maximum(mse, HOLE_MSE_FLOOR * peak**2)
    return float(np.mean(10.0 * np.log10(peak**2 / mse)))
