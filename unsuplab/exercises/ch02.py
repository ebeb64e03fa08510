"""Chapter 02 exercises: the hole PSNR, hiding pixels for self-supervision, the posterior mean,
and the blind noise drawn inside a denoiser's ``compute_loss``.

The test inputs are built so that the usual wrong answers differ from the right one
(``tests/exercises/test_mutations.py`` tries them): holes of different sizes, restored images
in [0, 1] whose kept pixels are wrong (so scoring them shows), hidden pixels on the border
(so the padding mode shows), an offset whose row and column differ.
"""

from __future__ import annotations

import numpy as np

from .core import (
    Mismatch,
    as_array,
    as_number,
    describe,
    exercise,
    expect_close,
    run_in_model,
)


def _hole_case():
    """Clean and restored images in [0, 1] and a mask (1 = kept): holes of 9, 16 and 9 pixels,
    errors of about 0.1 in the holes (far above the 8-bit floor of ``metrics.hole_psnr``, so
    flooring the MSE or not gives the same score) and large errors on the kept pixels."""
    rng = np.random.default_rng(3)
    clean = rng.uniform(0.2, 0.8, (3, 8, 8))
    mask = np.ones((3, 8, 8))
    mask[0, 2:5, 2:5] = 0
    mask[1, :2, :] = 0
    mask[2, 5:, 1:4] = 0
    error = np.where(mask == 0, rng.normal(scale=[[[0.05]], [[0.1]], [[0.15]]], size=clean.shape),
                     rng.choice([-0.2, 0.2], size=clean.shape))
    return clean, np.clip(clean + error, 0.0, 1.0), mask


def _psnr(mse):
    return 10.0 * np.log10(1.0 / mse)


@exercise("02.1", "PSNR on the hole pixels", library=("unsuplab.metrics.hole_psnr",))
def check_hole_psnr(hole_psnr):
    """``hole_psnr(clean, restored, mask)``: (N, H, W) floats in [0, 1] and a 0/1 mask
    (1 = kept) -> the mean over images of the PSNR (peak 1) computed on the missing pixels
    only."""
    clean, restored, mask = _hole_case()
    got = as_number(hole_psnr(clean.copy(), restored.copy(), mask.copy()), "Your hole PSNR")
    sq, missing = (clean - restored) ** 2, 1.0 - mask
    per_image = (missing * sq).sum(axis=(1, 2)) / missing.sum(axis=(1, 2))
    expected = float(np.mean(_psnr(per_image)))
    for wrong, advice in (
        (np.mean(_psnr(sq.mean(axis=(1, 2)))), "You scored every pixel; count only the missing "
         "ones (mask == 0)."),
        (np.mean(_psnr((missing * sq).mean(axis=(1, 2)))), "You divided the hole error by all "
         "the pixels: divide by the number of missing pixels, so the score does not depend on "
         "the hole's size."),
        (_psnr((missing * sq).sum() / missing.sum()), "You pooled the error of all images: "
         "compute one PSNR per image, then average the PSNRs."),
        (_psnr(per_image.mean()), "You averaged the MSEs, then took one PSNR: compute one PSNR "
         "per image, then average the PSNRs."),
        (np.mean(_psnr((mask * sq).sum(axis=(1, 2)) / mask.sum(axis=(1, 2)))), "You scored the "
         "kept pixels (mask == 1); the missing ones are those with mask == 0."),
        (np.mean(20 * np.log10(1.0 / per_image)), "PSNR is 10·log10(1/MSE) with the *squared* "
         "error: 10, not 20."),
        (np.mean(_psnr(np.sqrt(per_image))), "Use the mean *squared* error inside the log, not "
         "its root."),
    ):
        if np.isclose(got, wrong, rtol=1e-4):
            raise Mismatch(advice)
    expect_close(got, expected, what="Your hole PSNR", rtol=1e-5)


def _hide_reference(y, grid, offset, mode="reflect", neighbours=4):
    p = np.pad(y, 1, mode=mode)
    h, w = y.shape
    if neighbours == 4:
        mean = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) / 4
    else:  # the 3x3 block, the pixel itself included (9) or not (8)
        block = sum(p[i : i + h, j : j + w] for i in range(3) for j in range(3))
        mean = block / 9 if neighbours == 9 else (block - y) / 8
    rows, cols = np.indices(y.shape)
    where = (rows % grid == offset[0]) & (cols % grid == offset[1])
    return np.where(where, mean, y), where


@exercise("02.2", "hide pixels on a grid (the blind spot)")
def check_hide(hide):
    """``hide(y, grid, offset)``: one (H, W) image -> a copy in which every pixel (r, c) with
    ``r % grid == offset[0]`` and ``c % grid == offset[1]`` is replaced by the mean of its four
    neighbours (up, down, left, right), the image mirrored at its borders (``np.pad`` with
    ``mode="reflect"``); ``y`` itself stays unchanged."""
    y = np.random.default_rng(5).random((7, 9))
    for grid, offset in ((3, (1, 2)), (2, (0, 0))):
        what = f"Your hidden image (grid={grid}, offset={offset})"
        got = as_array(hide(y.copy(), grid, offset), what)
        expected, where = _hide_reference(y, grid, offset)
        if got.shape != y.shape:
            raise Mismatch(f"Return an image of shape {y.shape}; yours is {describe(got)}.")
        if not np.allclose(got[~where], y[~where]):
            swapped, _ = _hide_reference(y, grid, offset[::-1])
            if np.allclose(got, swapped):
                raise Mismatch("Rows and columns are swapped: offset[0] is for the row r, "
                               "offset[1] for the column c.")
            raise Mismatch("You changed pixels that are not on the grid: only the pixels with "
                           "r % grid == offset[0] and c % grid == offset[1] are hidden.")
        for neighbours, advice in (
            (9, "Your replacement includes the pixel itself (a 3x3 mean): then the network can "
                "still see the noisy value it must predict. Use the four neighbours only."),
            (8, "You averaged the eight neighbours (diagonals too); use the four that share an "
                "edge: up, down, left, right."),
        ):
            if np.allclose(got, _hide_reference(y, grid, offset, neighbours=neighbours)[0]):
                raise Mismatch(advice)
        for mode in ("edge", "symmetric", "constant", "wrap"):
            if np.allclose(got, _hide_reference(y, grid, offset, mode=mode)[0]):
                raise Mismatch(f"The border pixels are wrong: you padded with mode={mode!r}; "
                               "mirror the image without repeating the border row "
                               "(np.pad(y, 1, mode='reflect')).")
        if np.allclose(got[where], 0):
            raise Mismatch("Setting hidden pixels to 0 is a valid mask, but here replace them by "
                           "the mean of their four neighbours (less of a shock for the network).")
        expect_close(got, expected, what=what,
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
    got = as_array(posterior_mean(y.copy(), mu.copy(), s2.copy(), sigma), "Your posterior mean")
    expected = (s2 * y + sigma**2 * mu) / (s2 + sigma**2)
    if got.shape == expected.shape:
        for wrong, advice in (
            ((sigma**2 * y + s2 * mu) / (s2 + sigma**2), "The weights are swapped: when the "
             "prior is sure (s2 small) the answer should stay close to mu, not to the noisy y."),
            ((s2 * y + sigma * mu) / (s2 + sigma), "Use the noise *variance* sigma**2, not the "
             "standard deviation."),
            ((y + mu) / 2, "An equal-weight average ignores how sure each source is: weight y "
             "and mu by their precisions."),
            (mu, "That is the prior mean alone: the noisy value y still carries information."),
            (y, "That is the noisy value itself: combine it with the prior."),
        ):
            if np.allclose(got, wrong, rtol=1e-6):
                raise Mismatch(advice)
    expect_close(got, expected, what="Your posterior mean", rtol=1e-6,
                 hint="a precision-weighted average of y and mu")


# --- 02.5: the noise of a blind denoiser, drawn inside its compute_loss ------------------------


@exercise("02.5", "the blind noise, inside a denoiser's compute_loss")
def check_add_noise(add_noise):
    """``add_noise(x, sigma_max, seed)``: a batch x (N, H, W, 1) in [0, 1] (a tensor), the
    largest noise std and a ``keras.random.SeedGenerator`` -> x plus Gaussian noise whose std
    is drawn per image, uniform in [0, sigma_max], clipped to [0, 1]; keras.ops and
    keras.random only, new draws at every call. The checker measures the noise, then trains
    a small ``DenoisingUNet`` whose ``corrupt`` is your function and compares its losses with
    the library's."""
    import keras
    from keras import ops

    from ..models import DenoisingUNet

    seed = keras.random.SeedGenerator(3)
    grey = np.full((1500, 8, 8, 1), 0.5, np.float32)
    # two levels far from the notebook's 55/255, and small enough that clipping at 0 and 1
    # leaves the noise intact: the argument must be used, not a constant
    for sigma_max in (0.04, 0.15):
        first = add_noise(ops.convert_to_tensor(grey), sigma_max, seed)
        out = as_array(ops.convert_to_numpy(first), "Your noisy images")
        if out.shape != grey.shape:
            raise Mismatch(f"Return noisy images of the input's shape {grey.shape}; yours are "
                           f"{describe(first)}.")
        again = ops.convert_to_numpy(add_noise(ops.convert_to_tensor(grey), sigma_max, seed))
        if np.allclose(again, out):
            raise Mismatch("Two calls gave the same noise: draw it with keras.random and the "
                           "`seed` you are given (a SeedGenerator: new numbers at every call), "
                           "not with a fixed int seed, so that every batch gets new noise.")
        noise = (out - 0.5).reshape(len(out), -1)
        levels = noise.std(axis=1)
        if abs(noise.mean()) > 0.05 * sigma_max:
            raise Mismatch(f"Your noise has mean {noise.mean():+.3g}; it must have mean 0 "
                           "(keras.random.normal).")
        if levels.std() < 0.25 * levels.mean():
            raise Mismatch(f"Every image got about the same noise level ({levels.mean():.3f}): "
                           "draw one sigma per image, uniform in [0, sigma_max] (a *blind* "
                           "denoiser sees every level), of shape (N, 1, 1, 1).")
        # uniform levels in [0, s] average s / 2 (a 64-pixel std estimate is ~1 % low)
        if not 0.93 * sigma_max / 2 < levels.mean() < 1.05 * sigma_max / 2:
            raise Mismatch(f"For sigma_max={sigma_max} the noise levels average "
                           f"{levels.mean():.4f}; uniform in [0, sigma_max] they should average "
                           "sigma_max / 2. Use the argument sigma_max (not a constant), and "
                           "scale a standard normal by sigma (not sigma**2).")
        shape = noise[levels > 1e-3] / levels[levels > 1e-3, None]
        kurtosis = float(np.mean(shape**4))
        if kurtosis < 2.6:  # a normal has 3 (2.9 from 64 pixels); a uniform 1.8
            raise Mismatch(f"Your noise has the right spread but not a Gaussian shape (kurtosis "
                           f"{kurtosis:.2f}, a Gaussian's is 3): draw it with "
                           "keras.random.normal, not uniform.")
    sigma_max = 0.2
    dark = ops.convert_to_numpy(add_noise(
        ops.convert_to_tensor(np.full((200, 8, 8, 1), 0.02, np.float32)), sigma_max, seed))
    if dark.min() < 0 or dark.max() > 1:
        raise Mismatch("Some noisy pixels are outside [0, 1]: clip the result (ops.clip), as "
                       "the images the denoiser will see are.")

    class StudentDenoiser(DenoisingUNet):
        def corrupt(self, images):
            return add_noise(images, self.sigma[1], self.seed_generator)

    data = np.random.default_rng(12).random((32, 8, 8, 1)).astype(np.float32)

    def train(cls):
        keras.utils.set_random_seed(0)
        model = cls(filters=(8, 16), sigma=(0.0, sigma_max), seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        return np.asarray(model.fit(data, epochs=2, batch_size=8, shuffle=False,
                                    verbose=0).history["loss"])

    mine = run_in_model(lambda: train(StudentDenoiser), add_noise,
                        "a denoiser's compute_loss")
    library = train(DenoisingUNet)
    if not np.all(np.isfinite(mine)) or not np.allclose(mine, library, rtol=0.3):
        raise Mismatch(f"Plugged into a denoiser's compute_loss, your noise gives training "
                       f"losses {np.round(mine, 4).tolist()}, far from the library's "
                       f"{np.round(library, 4).tolist()}.")


@exercise("02.6", "Noise2Self's training step: hide, predict, score the hidden pixels",
          library=("unsuplab.models.blind_spot.BlindSpotDenoiser",))
def check_blind_spot_train_step(blind_spot_train_step):
    r"""``blind_spot_train_step(network, optimizer, noisy, grid, offset)``: ``noisy`` (N, H, W,
    1); the pixels (r, c) with ``r % grid == offset[0]`` and ``c % grid == offset[1]`` replaced
    by the mean of their four neighbours (the batch mirrored at its borders), ``network`` run on
    that hidden batch, one ``optimizer`` step on the mean squared error to ``noisy`` over the
    hidden pixels, gradients from :func:`~unsuplab.exercises.stepping.value_and_grad`; returns
    the loss. The checker runs three of its steps next to the reference's (same weights, batches
    and offsets, SGD: the weights must agree), then trains it compiled for 300 steps on noisy
    Fashion-MNIST next to the reference: the PSNR against the clean test images must come
    within 0.5 dB."""
    from .blind_spot_step import check_blind_spot_step

    mine, reference, noisy = check_blind_spot_step(
        blind_spot_train_step, lambda thunk: run_in_model(thunk, blind_spot_train_step,
                                                         "Noise2Self's training step"))
    print(f"Trained on noisy images only, your network restores held-out images to {mine:.2f} "
          f"dB PSNR (reference {reference:.2f} dB; the noisy images: {noisy:.2f} dB).")
