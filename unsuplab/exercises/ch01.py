"""Chapter 01 exercises: the PCA code, an encoder of a given shape, PSNR by hand, choosing a
latent size for a target PSNR, the loss inside a model, and a convolutional autoencoder built
from layers and trained by the checker next to the library's."""

from __future__ import annotations

import numpy as np

from ..metrics import psnr
from ._data import fashion_subset
from .core import (
    Mismatch,
    as_array,
    as_number,
    describe,
    exercise,
    expect_close,
    run_compiled,
    run_in_model,
    same_training,
    short_error,
)


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
        got = as_array(pca_reconstruct(x.copy(), mean.copy(), components.copy()),
                       "Your reconstruction")
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
            hint="encode, then decode with the same components, as in the PCA section",
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
                f"build_encoder must return a keras.Model; it returned {describe(model)}."
            )
        x = np.random.default_rng(0).uniform(size=(3, 28, 28, 1)).astype("float32")
        try:
            out = keras.ops.convert_to_numpy(model(x))
        except Exception as err:  # the shapes do not fit: say so plainly
            raise Mismatch(
                "Your encoder cannot take a batch of shape (3, 28, 28, 1): "
                f"{type(err).__name__}: {short_error(err)}"
            ) from None
        if out.shape != (3, latent_dim):
            raise Mismatch(
                f"For latent_dim={latent_dim}, a batch of 3 images should give codes of shape "
                f"(3, {latent_dim}); yours gives {out.shape}. Flatten the feature maps, then "
                "end with Dense(latent_dim)."
            )
        if "Conv2D" not in _layer_kinds(model):
            raise Mismatch("Use at least one Conv2D layer (this is a convolutional encoder).")
        if model.count_params() >= 200_000:
            raise Mismatch(
                f"Your encoder has {model.count_params():,} weights; stay under 200,000 "
                "(strided convolutions shrink the maps before the Dense layer)."
            )


@exercise("01.3", "PSNR by hand", library=("unsuplab.metrics.psnr",
                                            "skimage.metrics.peak_signal_noise_ratio"))
def check_psnr(my_psnr):
    """``my_psnr(x, y)``: float images (N, H, W) in [0, 1] -> the mean over images of the
    per-image PSNR in dB, with peak 1."""
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(4, 6, 6))
    scales = np.array([0.01, 0.05, 0.1, 0.3])[:, None, None]
    y = np.clip(x + scales * rng.normal(size=x.shape), 0, 1)
    got = as_number(my_psnr(x.copy(), y.copy()), "Your PSNR")
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
    expect_close(got, expected, what="Your PSNR", rtol=1e-5, atol=1e-6)


@exercise("01.4", "choose a latent size for a target PSNR", returns_none=True)
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
            raise Mismatch(f"Return a latent size (an int) or None; got {describe(got)}.")
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


# --- 01.5: the loss, wired into a model ----------------------------------------------------


@exercise("01.5", "the reconstruction loss, inside the autoencoder's compute_loss")
def check_reconstruction_loss(reconstruction_loss):
    """``reconstruction_loss(x, x_hat)``: two tensors (N, H, W, C) -> the scalar tensor of
    the mean squared error over images and pixels (keras.ops only). The checker compiles it,
    puts it in the ``compute_loss`` of a small ``DenseAutoencoder`` and trains it: the weights
    must follow those of the same model trained with ``loss="mse"``."""
    import keras
    from keras import ops

    from ..models import DenseAutoencoder

    rng = np.random.default_rng(8)
    x = rng.random((3, 4, 5, 1)).astype(np.float32)
    x_hat = rng.random((3, 4, 5, 1)).astype(np.float32)
    value = reconstruction_loss(ops.convert_to_tensor(x), ops.convert_to_tensor(x_hat))
    got = ops.convert_to_numpy(value)
    if np.size(got) != 1:
        raise Mismatch(f"A loss is one number (a scalar tensor); yours is {describe(value)}. "
                       "Average over the images too.")
    got = float(np.reshape(got, ()))
    err = x.astype(np.float64) - x_hat
    expected = np.mean(err**2)
    for wrong, advice in (
        (np.sum(err**2), "That is the sum of squared errors: take the mean."),
        (np.sum(err**2, axis=(1, 2, 3)).mean(), "You summed over the pixels of each image: "
         "take the mean over the pixels too (that is what loss='mse' does)."),
        (np.mean(np.abs(err)), "That is the mean absolute error: square the differences."),
        (np.sqrt(expected), "That is the root of the mean squared error: drop the root."),
        (-expected, "Mind the sign: a loss to minimise is the (positive) squared error."),
        (np.mean(err), "Square each difference before averaging."),
    ):
        if np.isclose(got, wrong, rtol=1e-4):
            raise Mismatch(advice)
    expect_close(got, expected, what="Your loss", rtol=1e-5,
                 hint="the loss must equal Keras's loss='mse' on the same batch")
    run_compiled(reconstruction_loss, x, x_hat)

    class StudentAutoencoder(DenseAutoencoder):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return reconstruction_loss(x, y_pred)

    data = np.random.default_rng(9).random((48, 8, 8, 1)).astype(np.float32)
    models = []
    for cls, loss in ((StudentAutoencoder, None), (DenseAutoencoder, "mse")):
        keras.utils.set_random_seed(0)
        model = cls(latent_dim=3, hidden_units=(16,), image_shape=(8, 8, 1))
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss)
        models.append(model)
    run_in_model(lambda: same_training(*models, data, what="a small autoencoder's "
                 "compute_loss"), reconstruction_loss, "a small autoencoder's compute_loss")


# --- 01.6: build a convolutional autoencoder from layers, trained by the checker ---------------

#: 01.6's rules: the weight budget of encoder + decoder, the training the checker gives both the
#: student's autoencoder and the reference (Fashion-MNIST images, Adam, mean squared error), and
#: how far below the reference's held-out PSNR the student's may end.
AE_BUDGET = 250_000
AE_TRAIN = {"n_train": 3072, "n_test": 512, "epochs": 3, "batch_size": 64, "learning_rate": 2e-3}
AE_TOLERANCE_DB = 1.0


def _fashion_subset():
    """01.6's training and test images."""
    x_train, _, x_test, _ = fashion_subset(AE_TRAIN["n_train"], AE_TRAIN["n_test"])
    return x_train, x_test


def _trained_psnr(encoder, decoder, data, desc):
    """Train ``decoder(encoder(x))`` on ``data``'s training images (seeded, the same for every
    answer), with a progress bar over the epochs titled ``desc``, and return the held-out PSNR
    in dB."""
    import keras
    from tqdm.auto import tqdm

    x_train, x_test = data
    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    model = keras.Model(inputs, decoder(encoder(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(AE_TRAIN["learning_rate"]), loss="mse")
    with tqdm(total=AE_TRAIN["epochs"], desc=desc, unit="epoch") as bar:
        model.fit(x_train, x_train, epochs=AE_TRAIN["epochs"],
                  batch_size=AE_TRAIN["batch_size"], shuffle=True, verbose=0,
                  callbacks=[keras.callbacks.LambdaCallback(
                      on_epoch_end=lambda epoch, logs: bar.update(1))])
    return psnr(x_test[..., 0], np.clip(model.predict(x_test, verbose=0)[..., 0], 0, 1))


_REFERENCE_PSNR = {}


def _reference_psnr(latent_dim, data):
    """The held-out PSNR of the library's conv autoencoder (16 and 32 strided filters, no
    batch norm) after the same training: once per backend and latent size in a session."""
    import keras

    from ..networks import conv_decoder, conv_encoder

    key = (keras.backend.backend(), latent_dim)
    if key not in _REFERENCE_PSNR:
        kwargs = {"filters": (16, 32), "batch_norm": False}
        keras.utils.set_random_seed(0)
        encoder = conv_encoder((28, 28, 1), latent_dim, **kwargs)
        decoder = conv_decoder((28, 28, 1), latent_dim, **kwargs)
        _REFERENCE_PSNR[key] = _trained_psnr(encoder, decoder, data, "training the reference")
    return _REFERENCE_PSNR[key]


def _layer_kinds(model):
    """Class names of every layer in ``model``, nested models' layers included."""
    import keras

    kinds, stack = set(), list(model.layers)
    while stack:
        layer = stack.pop()
        kinds.add(type(layer).__name__)
        if isinstance(layer, keras.Model):
            stack.extend(layer.layers)
    return kinds


def _check_autoencoder_parts(encoder, decoder, latent_dim):
    """Everything about the two models that needs no training: types, shapes, convolutions,
    the budget, a real bottleneck (each part depends on its input) and the output range."""
    import keras

    for part, model in (("encoder", encoder), ("decoder", decoder)):
        if not isinstance(model, keras.Model):
            raise Mismatch(f"build_autoencoder must return (encoder, decoder), two keras.Model "
                           f"objects; the {part} is {describe(model)}.")
    rng = np.random.default_rng(11)
    x = rng.uniform(size=(4, 28, 28, 1)).astype("float32")
    try:
        codes = keras.ops.convert_to_numpy(encoder(x))
    except Exception as err:
        raise Mismatch("Your encoder cannot take a batch of shape (4, 28, 28, 1): "
                       f"{type(err).__name__}: {short_error(err)}") from None
    if codes.shape != (4, latent_dim):
        raise Mismatch(f"For latent_dim={latent_dim}, the encoder should turn 4 images into "
                       f"codes of shape (4, {latent_dim}); yours gives {codes.shape}.")
    z = rng.normal(size=(4, latent_dim)).astype("float32")
    try:
        images = keras.ops.convert_to_numpy(decoder(z))
    except Exception as err:
        raise Mismatch(f"Your decoder cannot take codes of shape (4, {latent_dim}): it must "
                       "start from the code alone (keras.Input((latent_dim,))). "
                       f"{type(err).__name__}: {short_error(err)}") from None
    if images.shape != (4, 28, 28, 1):
        raise Mismatch(f"The decoder should turn 4 codes into images of shape (4, 28, 28, 1); "
                       f"yours gives {images.shape}. Follow the feature maps' sizes back up, "
                       "layer by layer, from the encoder's smallest one.")
    for part, model, conv in (("encoder", encoder, {"Conv2D"}),
                              ("decoder", decoder, {"Conv2D", "Conv2DTranspose"})):
        if not _layer_kinds(model) & conv:
            raise Mismatch(f"Your {part} has no convolution: this is a convolutional "
                           "autoencoder.")
    n_weights = encoder.count_params() + decoder.count_params()
    if n_weights > AE_BUDGET:
        raise Mismatch(f"Encoder and decoder hold {n_weights:,} weights together; the budget is "
                       f"{AE_BUDGET:,}. Look at which layer holds most of them.")
    other = rng.uniform(size=(4, 28, 28, 1)).astype("float32")
    if np.allclose(codes, keras.ops.convert_to_numpy(encoder(other)), atol=1e-6):
        raise Mismatch("Your encoder gives the same codes for different images: its output "
                       "must be computed from its input.")
    far = 100.0 * rng.normal(size=(4, latent_dim)).astype("float32")
    far_images = keras.ops.convert_to_numpy(decoder(far))
    if np.allclose(images, far_images, atol=1e-6):
        raise Mismatch("Your decoder gives the same images for different codes: its output "
                       "must be computed from the code.")
    if far_images.min() < 0 or far_images.max() > 1 or not np.isfinite(far_images).all():
        raise Mismatch("For some codes your decoder gives pixels outside [0, 1] (range "
                       f"{far_images.min():.3g} to {far_images.max():.3g}): pixels are in "
                       "[0, 1], and the last layer's activation must keep them there.")


@exercise("01.6", "build and train a convolutional autoencoder")
def check_build_autoencoder(build_autoencoder):
    r"""``build_autoencoder(latent_dim)`` -> ``(encoder, decoder)``: two ``keras.Model``\ s
    built from ``keras.layers``, (28, 28, 1) images -> (latent_dim,) codes -> images in [0, 1],
    convolutional, at most ``AE_BUDGET`` weights together. The checker then trains
    ``decoder(encoder(x))`` on 3072 Fashion-MNIST images (3 epochs, Adam, MSE) next to the
    library's conv autoencoder trained the same way: the student's held-out PSNR must come
    within ``AE_TOLERANCE_DB`` of the reference's."""
    for latent_dim in (3, 16):
        parts = build_autoencoder(latent_dim)
        if not isinstance(parts, (tuple, list)) or len(parts) != 2:
            raise Mismatch("build_autoencoder must return two models, (encoder, decoder); it "
                           f"returned {describe(parts)}.")
        _check_autoencoder_parts(*parts, latent_dim)
    data = _fashion_subset()
    latent_dim = 16
    encoder, decoder = build_autoencoder(latent_dim)
    mine = _trained_psnr(encoder, decoder, data, "training your autoencoder")
    reference = _reference_psnr(latent_dim, data)
    if not np.isfinite(mine) or mine < reference - AE_TOLERANCE_DB:
        raise Mismatch(
            f"Trained the same way (3 epochs on 3072 images), your autoencoder reconstructs "
            f"held-out images at {mine:.2f} dB PSNR, against {reference:.2f} dB for the "
            f"reference: more than {AE_TOLERANCE_DB} dB below. Look at what each layer does "
            "to the signal: nonlinearities between layers, the last activation, and whether "
            "the code has room to carry the image.")
