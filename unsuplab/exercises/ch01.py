"""Chapter 01 exercises: the PCA code, an encoder of a given shape, PSNR by hand, choosing a
latent size for a target PSNR."""

from __future__ import annotations

import numpy as np

from ..metrics import psnr
from .core import Mismatch, exercise, expect_close


def _returned(value, what):
    """The student's result, or feedback when the function body is still empty."""
    if value is None or value is Ellipsis:
        raise Mismatch(f"{what} returned None: fill in its body and return the result.")
    return value


def _pca_case(seed=0, n=40, d=6, k=2):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2, 0.1])[:d] + 0.5
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return x, mean, vt[:k]


@exercise("01.1", "PCA as a linear autoencoder")
def check_pca_reconstruct(pca_reconstruct):
    """``pca_reconstruct(x, mean, components)``: (N, D), (D,), (k, D) orthonormal rows ->
    ``(x - mean) @ components.T @ components + mean``, shape (N, D)."""
    for seed, k in ((0, 2), (1, 3)):
        x, mean, components = _pca_case(seed, k=k)
        got = _returned(
            pca_reconstruct(x.copy(), mean.copy(), components.copy()), "pca_reconstruct"
        )
        got = np.asarray(got, dtype=float)
        expected = (x - mean) @ components.T @ components + mean
        if got.shape == (len(x), k):
            raise Mismatch(
                "You returned the codes z (shape (N, k)); decode them back to the image space "
                "with the same components."
            )
        if got.shape == expected.shape:
            uncentred = x @ components.T @ components
            if np.allclose(got, uncentred, atol=1e-6):
                raise Mismatch("Centre the data first: subtract the mean before projecting.")
            if np.allclose(got, uncentred - mean @ components.T @ components, atol=1e-6) or (
                np.allclose(got, expected - mean, atol=1e-6)
            ):
                raise Mismatch("You forgot to add the mean back after decoding.")
        expect_close(
            got,
            expected,
            what="Your reconstruction",
            rtol=1e-5,
            atol=1e-6,
            hint="encode z = (x - mean) @ components.T, decode z @ components + mean",
        )


@exercise("01.2", "an encoder of a given shape")
def check_build_encoder(build_encoder):
    """``build_encoder(latent_dim)`` -> a ``keras.Model`` from (28, 28, 1) images to
    (latent_dim,) codes, with at least one ``Conv2D`` and fewer than 200 000 weights."""
    import keras

    for latent_dim in (2, 16):
        model = build_encoder(latent_dim)
        if not isinstance(model, keras.Model):
            raise Mismatch(
                f"build_encoder must return a keras.Model; it returned a {type(model).__name__}."
            )
        x = np.random.default_rng(0).uniform(size=(3, 28, 28, 1)).astype("float32")
        try:
            out = keras.ops.convert_to_numpy(model(x))
        except Exception as err:  # the shapes do not fit: say so plainly
            raise Mismatch(
                f"Your encoder cannot take a batch of shape (3, 28, 28, 1): {err}"
            ) from None
        if out.shape != (3, latent_dim):
            raise Mismatch(
                f"For latent_dim={latent_dim}, a batch of 3 images should give codes of shape "
                f"(3, {latent_dim}); yours gives {out.shape}. Flatten the feature maps, then "
                "end with Dense(latent_dim)."
            )
        kinds = {type(layer).__name__ for layer in model._flatten_layers(include_self=False)}
        if "Conv2D" not in kinds:
            raise Mismatch("Use at least one Conv2D layer (this is a convolutional encoder).")
        if model.count_params() >= 200_000:
            raise Mismatch(
                f"Your encoder has {model.count_params():,} weights; stay under 200,000 "
                "(strided convolutions shrink the maps before the Dense layer)."
            )


@exercise("01.3", "PSNR by hand")
def check_psnr(my_psnr):
    """``my_psnr(x, y)``: float images (N, H, W) in [0, 1] -> the mean over images of the
    per-image PSNR in dB, with peak 1."""
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(4, 6, 6))
    scales = np.array([0.01, 0.05, 0.1, 0.3])[:, None, None]
    y = np.clip(x + scales * rng.normal(size=x.shape), 0, 1)
    got = float(np.asarray(_returned(my_psnr(x.copy(), y.copy()), "my_psnr")))
    expected = psnr(x, y)
    mse = np.mean((x - y) ** 2, axis=(1, 2))
    if np.isclose(got, 10 * np.log10(1 / mse.mean()), rtol=1e-4):
        raise Mismatch(
            "You computed the PSNR of the mean MSE over all images. Compute one PSNR per image "
            "(MSE over each image's pixels), then average the PSNRs."
        )
    if np.isclose(got, np.mean(20 * np.log10(1 / mse)), rtol=1e-4):
        raise Mismatch("PSNR is 10·log10(peak²/MSE): 10, not 20, when you use the MSE.")
    if np.isclose(got, np.mean(10 * np.log10(1 / np.sqrt(mse))), rtol=1e-4):
        raise Mismatch("Use the mean *squared* error, not its square root, inside 10·log10.")
    if np.isclose(got, np.mean(np.log10(1 / mse)), rtol=1e-4):
        raise Mismatch("The result is in decibels: multiply log10(1/MSE) by 10.")
    expect_close(got, expected, what="Your PSNR", rtol=1e-4, atol=1e-6)


@exercise("01.4", "choose a latent size for a target PSNR")
def check_choose_latent_size(choose_latent_size):
    """``choose_latent_size(sizes, psnr_db, target_db)`` -> the smallest latent size whose PSNR
    reaches ``target_db``, or ``None`` if none does. ``sizes`` may come in any order."""
    cases = [
        ([2, 8, 32, 64], [13.9, 17.1, 21.8, 23.9], 21.5, 32),
        ([2, 8, 32, 64], [13.9, 17.1, 21.8, 23.9], 17.1, 8),  # reaching it exactly counts
        ([64, 2, 32, 8], [23.9, 13.9, 21.8, 17.1], 20.0, 32),  # unsorted input
        ([2, 8, 32, 64], [13.9, 17.1, 21.8, 23.9], 30.0, None),  # out of reach
        ([4, 16], [15.0, 19.0], 10.0, 4),
    ]
    for sizes, values, target, expected in cases:
        got = choose_latent_size(list(sizes), list(values), target)
        if got is not None and not isinstance(got, (int, np.integer)):
            raise Mismatch(f"Return a latent size (an int) or None; got {got!r}.")
        if got == expected:
            continue
        if expected is None:
            raise Mismatch(
                f"No size reaches {target} dB in {dict(zip(sizes, values, strict=True))}: "
                f"return None rather than {got!r}."
            )
        if got is None:
            raise Mismatch(
                f"For target {target} dB with {dict(zip(sizes, values, strict=True))} some size "
                "is good enough, but you returned None (an empty body returns None; is your "
                "comparison ≥?)."
            )
        if got > expected:
            raise Mismatch(
                f"For target {target} dB with {dict(zip(sizes, values, strict=True))} you chose "
                f"{got}, but a smaller size reaches the target (look at every size, in order "
                "of size)."
            )
        raise Mismatch(
            f"For target {target} dB with {dict(zip(sizes, values, strict=True))} you chose "
            f"{got}, whose PSNR is below the target."
        )
