"""Classical restoration, through the libraries that implement it: the baselines of chapter 02.

Thin wrappers that apply one library call to every image of a batch, check their input once,
run on several cores (``n_jobs``) and time themselves:

=========  =========================================  ==========================================
task       method name                                library call
=========  =========================================  ==========================================
denoise    ``"tv"``                                   ``skimage.restoration.denoise_tv_chambolle``
denoise    ``"nl_means"``                             ``skimage.restoration.denoise_nl_means``
denoise    ``"wavelet"``                              ``skimage.restoration.denoise_wavelet``
denoise    ``"bm3d"``                                 ``bm3d.bm3d`` (Dabov et al. 2007)
denoise    :func:`median` (salt-and-pepper noise)     ``scipy.ndimage.median_filter``
deblur     ``"richardson_lucy"``, ``"wiener"``        ``skimage.restoration``
inpaint    ``"biharmonic"``                           ``skimage.restoration.inpaint_biharmonic``
=========  =========================================  ==========================================

Each method's strength is set from the noise level ``sigma`` by the rule in :data:`DENOISERS`
(given the *true* σ, the methods get an oracle advantage over a blind network; we say so
where we compare). Every function returns a :class:`Restoration`: the images, and the time
per image measured inside the workers (the CPU seconds one core spends on one image), next to
the wall time of the whole call.

Example:
    >>> result = denoise(noisy, sigma=25 / 255, method="bm3d", n_jobs=2)
    >>> result.images.shape, result.seconds_per_image
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._validation import as_image_batch, check_choice, check_mask, check_number, check_sigma


@dataclass(frozen=True)
class Restoration:
    """What a classical method returns.

    Attributes:
        images: float32 array shaped like the input, in [0, 1].
        method: the method's name.
        seconds_per_image: compute time per image on one core (summed over workers / N).
        wall_seconds: wall time of the whole call (with ``n_jobs`` workers).
    """

    images: np.ndarray
    method: str
    seconds_per_image: float
    wall_seconds: float


# --- one image at a time: (H, W) float64 in [0, 1] -> (H, W) -------------------------------


def _tv(image, sigma):
    from skimage.restoration import denoise_tv_chambolle

    return denoise_tv_chambolle(image, weight=sigma)


def _nl_means(image, sigma):
    from skimage.restoration import denoise_nl_means

    # scikit-image's advice for fast_mode: h a little below sigma.
    return denoise_nl_means(
        image, h=0.8 * sigma, sigma=sigma, patch_size=5, patch_distance=6, fast_mode=True
    )


def _wavelet(image, sigma):
    from skimage.restoration import denoise_wavelet

    return denoise_wavelet(image, sigma=sigma, method="BayesShrink", mode="soft",
                           rescale_sigma=True)


def _bm3d(image, sigma):
    import bm3d

    return bm3d.bm3d(image, sigma_psd=sigma)


def _median(image, size):
    from scipy import ndimage

    return ndimage.median_filter(image, size=int(size), mode="reflect")


#: name -> function(image, sigma) of one (H, W) image.
DENOISERS = {"tv": _tv, "nl_means": _nl_means, "wavelet": _wavelet, "bm3d": _bm3d}


def _gaussian_psf(blur_sigma):
    radius = max(int(4.0 * blur_sigma + 0.5), 1)
    t = np.arange(-radius, radius + 1)
    g = np.exp(-0.5 * (t / blur_sigma) ** 2)
    psf = np.outer(g, g)
    return psf / psf.sum()


def _deconvolve(fn, image, blur_sigma):
    """Reflect-pad by the kernel's radius, deconvolve, crop: the libraries pad with zeros,
    which darkens the borders and, for Richardson-Lucy, spreads inwards with the iterations."""
    psf = _gaussian_psf(blur_sigma)
    r = psf.shape[0] // 2
    mode = "reflect" if min(image.shape) > r else "edge"
    return fn(np.pad(image, r, mode=mode), psf)[r:-r, r:-r]


def _richardson_lucy(image, blur_sigma):
    from skimage.restoration import richardson_lucy

    return _deconvolve(lambda x, k: richardson_lucy(x, k, num_iter=30), image, blur_sigma)


def _wiener(image, blur_sigma):
    from skimage.restoration import wiener

    return _deconvolve(lambda x, k: wiener(x, k, balance=0.01), image, blur_sigma)


DEBLURRERS = {"richardson_lucy": _richardson_lucy, "wiener": _wiener}


def _biharmonic(image, mask):
    from skimage.restoration import inpaint_biharmonic

    # scikit-image marks the pixels to fill with True; unsuplab's masks are 1 on *kept* pixels.
    return inpaint_biharmonic(image, mask < 0.5)


INPAINTERS = {"biharmonic": _biharmonic}


# --- batches ----------------------------------------------------------------------------------


def _grey_batch(images, name="images"):
    """Validated grey images -> (N, H, W) float64 for the libraries, and a function back to
    the caller's layout (:func:`unsuplab._validation.as_image_batch` does the checking)."""
    x, back = as_image_batch(images, name, channels=1, allow_uint8=False)
    return x[..., 0].astype(np.float64), lambda y: back(y[..., None])


def _work(fn, images, params, arg):
    """Run ``fn`` on each image of a chunk; return the outputs and the time it took."""
    start = time.process_time()
    out = [fn(img, arg if p is None else p) for img, p in zip(images, params, strict=True)]
    return np.stack(out), time.process_time() - start


def _apply(fn, batch, arg, *, n_jobs, params=None):
    n = len(batch)
    params = [None] * n if params is None else params
    n_jobs = check_number(n_jobs, "n_jobs", low=1, integer=True)
    start = time.perf_counter()
    if n_jobs == 1 or n < 2:
        out, cpu = _work(fn, batch, params, arg)
        cpu = [cpu]
    else:
        from joblib import Parallel, delayed

        chunks = np.array_split(np.arange(n), min(n, 4 * n_jobs))
        results = Parallel(n_jobs=n_jobs)(
            delayed(_work)(fn, batch[c], [params[i] for i in c], arg) for c in chunks
        )
        out = np.concatenate([r[0] for r in results])
        cpu = [r[1] for r in results]
    wall = time.perf_counter() - start
    return np.clip(out, 0.0, 1.0).astype(np.float32), float(sum(cpu)) / n, wall


def _restore(table, method, images, strength, n_jobs):
    """Run ``table[method]`` with a checked ``strength`` (noise or blur std) on every image;
    a strength of 0 returns the images unchanged."""
    method = check_choice(method, "method", tuple(table))
    batch, back = _grey_batch(images)
    if strength == 0:
        return Restoration(back(batch.astype(np.float32)), method, 0.0, 0.0)
    out, per_image, wall = _apply(table[method], batch, float(strength), n_jobs=n_jobs)
    return Restoration(back(out), method, per_image, wall)


def denoise(images, sigma, *, method="bm3d", n_jobs=1):
    """Denoise a batch of grey-level images with a classical method.

    Args:
        images: noisy float images in [0, 1]: (H, W), (N, H, W) or (N, H, W, 1).
        sigma: the Gaussian noise std on the [0, 1] scale (25/255, not 25), >= 0 (0 returns
            the input).
        method: one of :data:`DENOISERS` (``"tv"``, ``"nl_means"``, ``"wavelet"``,
            ``"bm3d"``).
        n_jobs: worker processes. BM3D already runs on two threads in one process (~1 CPU-s,
            ~0.5 s wall per 28x28 image on 2 cores), so extra processes only pay on more cores.

    Returns:
        A :class:`Restoration`.

    Raises:
        ValueError: ``sigma < 0`` or ``> 1`` (a 0..255 std), an unknown method, images
            outside [0, 1] or not grey.
    """
    return _restore(DENOISERS, method, images, check_sigma(sigma), n_jobs)


def median(images, *, size=3, n_jobs=1):
    """Median filter of each image (the classical answer to salt-and-pepper noise)."""
    size = check_number(size, "size", low=1, integer=True)
    batch, back = _grey_batch(images)
    out, per_image, wall = _apply(_median, batch, size, n_jobs=n_jobs)
    return Restoration(back(out), "median", per_image, wall)


def deblur(images, blur_sigma, *, method="richardson_lucy", n_jobs=1):
    """Undo a Gaussian blur of known std ``blur_sigma`` (pixels) by deconvolution.

    Args:
        method: ``"richardson_lucy"`` (30 iterations) or ``"wiener"`` (balance 0.01).
    """
    blur_sigma = check_number(blur_sigma, "blur_sigma", low=0)
    return _restore(DEBLURRERS, method, images, blur_sigma, n_jobs)


def inpaint(images, mask, *, method="biharmonic", n_jobs=1):
    """Fill the pixels where ``mask`` is 0 (unsuplab's convention: 1 = kept, 0 = missing).

    Args:
        images: float images in [0, 1], (H, W), (N, H, W) or (N, H, W, 1).
        mask: the images' spatial shape ((H, W) or (N, H, W)), holding only 0 and 1.

    Raises:
        ValueError: a mask of the wrong shape or not binary, images outside [0, 1].
    """
    method = check_choice(method, "method", tuple(INPAINTERS))
    shape = np.shape(images)
    batch, back = _grey_batch(images)
    m = check_mask(mask, shape[:-1] if len(shape) == 4 else shape)
    m = m.reshape(batch.shape)
    out, per_image, wall = _apply(INPAINTERS[method], batch, None, n_jobs=n_jobs, params=list(m))
    # keep the known pixels exactly (the library does too, up to float rounding)
    out = np.where(m > 0.5, batch, out).astype(np.float32)
    return Restoration(back(out), method, per_image, wall)


__all__ = [
    "DEBLURRERS",
    "DENOISERS",
    "INPAINTERS",
    "Restoration",
    "deblur",
    "denoise",
    "inpaint",
    "median",
]
