"""Chapter 02 exercises: the hole PSNR, hiding pixels for self-supervision, the posterior mean."""

from __future__ import annotations

import numpy as np

from .core import Mismatch, exercise, expect_close


def _reference_hole_psnr(clean, restored, mask):
    missing = 1.0 - mask
    mse = (missing * (clean - restored) ** 2).sum(axis=(1, 2)) / missing.sum(axis=(1, 2))
    return float(np.mean(10 * np.log10(1.0 / mse)))


@exercise("02.1", "PSNR on the hole pixels")
def check_hole_psnr(hole_psnr):
    """``hole_psnr(clean, restored, mask)``: (N, H, W) floats and a 0/1 mask (1 = kept) ->
    the mean over images of the PSNR (peak 1) computed on the missing pixels only."""
    rng = np.random.default_rng(3)
    clean = rng.random((3, 8, 8))
    mask = np.ones((3, 8, 8))
    mask[0, 2:5, 2:5] = 0
    mask[1, :2, :] = 0
    mask[2, 5:, 1:4] = 0
    restored = np.clip(clean + 0.1 * rng.standard_normal(clean.shape) * (1 - mask), 0, 1)
    restored = restored + 0.3 * mask * (rng.random(clean.shape) > 0.5)  # kept pixels: ignored
    got = float(hole_psnr(clean.copy(), restored.copy(), mask.copy()))
    expected = _reference_hole_psnr(clean, restored, mask)
    all_pixels = float(np.mean(10 * np.log10(1.0 / ((clean - restored) ** 2).mean(axis=(1, 2)))))
    if np.isclose(got, all_pixels, rtol=1e-4):
        raise Mismatch("You scored every pixel; count only the missing ones (mask == 0).")
    holes_over_all = float(np.mean(10 * np.log10(
        1.0 / (((1 - mask) * (clean - restored) ** 2).mean(axis=(1, 2))))))
    if np.isclose(got, holes_over_all, rtol=1e-4):
        raise Mismatch("You divided the hole error by all the pixels: divide by the number of "
                       "missing pixels, so the score does not depend on the hole's size.")
    mse_all = ((1 - mask) * (clean - restored) ** 2).sum() / (1 - mask).sum()
    if np.isclose(got, 10 * np.log10(1 / mse_all), rtol=1e-4):
        raise Mismatch("You pooled the error of all images: compute one PSNR per image, then "
                       "average the PSNRs.")
    expect_close(got, expected, what="Your hole PSNR", rtol=1e-4)


@exercise("02.2", "hide pixels on a grid (the blind spot)")
def check_hide(hide):
    """``hide(y, grid, offset)``: one (H, W) image -> a copy in which every pixel (r, c) with
    ``r % grid == offset[0]`` and ``c % grid == offset[1]`` is replaced by the mean of its four
    neighbours (up, down, left, right), the image mirrored at its borders (``np.pad`` with
    ``mode="reflect"``)."""
    rng = np.random.default_rng(5)
    y = rng.random((7, 9))
    for grid, offset in ((3, (1, 2)), (2, (0, 0))):
        got = np.asarray(hide(y.copy(), grid, offset), dtype=float)
        p = np.pad(y, 1, mode="reflect")
        mean4 = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) / 4
        mean9 = sum(p[i : i + 7, j : j + 9] for i in range(3) for j in range(3)) / 9
        rows, cols = np.meshgrid(np.arange(7), np.arange(9), indexing="ij")
        where = (rows % grid == offset[0]) & (cols % grid == offset[1])
        expected = np.where(where, mean4, y)
        if got.shape != y.shape:
            raise Mismatch(f"Return an image of shape {y.shape}; yours has shape {got.shape}.")
        if not np.allclose(got[~where], y[~where]):
            raise Mismatch("You changed pixels that are not on the grid: only the pixels with "
                           "r % grid == offset[0] and c % grid == offset[1] are hidden.")
        if np.allclose(got[where], mean9[where]):
            raise Mismatch("Your replacement includes the pixel itself (a 3x3 mean): then the "
                           "network can still see the noisy value it must predict. Use the "
                           "four neighbours only.")
        if np.allclose(got[where], 0):
            raise Mismatch("Setting hidden pixels to 0 is a valid mask, but here replace them by "
                           "the mean of their four neighbours (less of a shock for the network).")
        expect_close(got, expected, what=f"Your hidden image (grid={grid}, offset={offset})",
                     hint="interior pixels first; then mirror the borders with np.pad(..., "
                          "mode='reflect')")


@exercise("02.3", "put the centre pixel back: the posterior mean")
def check_posterior(posterior_mean):
    """``posterior_mean(y, mu, s2, sigma)``: the noisy value ``y``, the blind-spot prior
    N(mu, s2) and the noise std ``sigma`` -> the posterior mean of the clean value."""
    rng = np.random.default_rng(7)
    y, mu = rng.random(6), rng.random(6)
    s2 = rng.random(6) * 0.02
    sigma = 0.1
    got = np.asarray(posterior_mean(y.copy(), mu.copy(), s2.copy(), sigma), dtype=float)
    expected = (s2 * y + sigma**2 * mu) / (s2 + sigma**2)
    swapped = (sigma**2 * y + s2 * mu) / (s2 + sigma**2)
    if got.shape == expected.shape and np.allclose(got, swapped):
        raise Mismatch("The weights are swapped: when the prior is sure (s2 small) the answer "
                       "should stay close to mu, not to the noisy y.")
    with_std = (s2 * y + sigma * mu) / (s2 + sigma)
    if got.shape == expected.shape and np.allclose(got, with_std):
        raise Mismatch("Use the noise *variance* sigma**2, not the standard deviation.")
    expect_close(got, expected, what="Your posterior mean", rtol=1e-6,
                 hint="a precision-weighted average of y and mu")
