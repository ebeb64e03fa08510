"""Self-supervised denoising from noisy images only (Noise2Self / Noise2Void masking), with the
centre pixel put back by Bayes' rule (Laine et al., 2019): chapter 02's photographs."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._validation import as_image_batch, check_array, check_images, check_number, check_sigma
from ..networks.unet import (
    _check_filters,
    check_input_size,
    crop,
    pad_to_multiple,
)
from ._base import PACKAGE, SeededModel, UNetBody, check_finite_weights, predict_batched

_NEIGHBOURS = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.float32) / 4.0


def _check_bool(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False. Received: {name}={value!r}")
    return value


@keras.saving.register_keras_serializable(package=PACKAGE)
class BlindSpotDenoiser(UNetBody, SeededModel):
    """Denoise with a network trained on the noisy images themselves.

    **Training** (:meth:`compute_loss`): in each noisy patch :math:`y` one pixel in every
    ``grid x grid`` cell (at an offset drawn from the model's seed generator) is hidden:
    replaced by the mean of its four neighbours. The network sees the patch with these holes
    and predicts, at each hidden pixel :math:`p`, a Gaussian *prior* :math:`N(\\mu_p, s_p^2)`
    for the clean value from the neighbourhood alone. Because the noise is independent from
    pixel to pixel and has zero mean, :math:`E[y_p \\mid \\text{neighbours}] = E[x_p \\mid
    \\text{neighbours}]`: fitting the *noisy* value teaches the *clean* one. The loss is the
    negative log-likelihood of :math:`y_p` under :math:`N(\\mu_p, s_p^2 + \\sigma^2)` (signal
    prior plus noise), on the hidden pixels only. The offsets' generator is saved with the
    model, so a resumed run draws the offsets an uninterrupted one would.

    **Denoising** (:meth:`denoise`): ``grid**2`` passes, each hiding one offset, give every
    pixel a prior that never saw its own noisy value (the estimate is *J-invariant*). Then the
    noisy value is combined with that prior, the posterior mean of a Gaussian prior and a
    Gaussian noise:

    .. math:: \\hat x_p = \\frac{s_p^2\\, y_p + \\sigma^2 \\mu_p}{s_p^2 + \\sigma^2}.

    Where the neighbours predict the pixel well (:math:`s_p` small, flat regions) the prior
    wins; on edges and texture (:math:`s_p` large) the noisy pixel does. ``use_centre=False``
    returns :math:`\\mu` alone (plain Noise2Self).

    Args:
        sigma: the noise standard deviation on the [0, 1] scale (25/255, not 25), known or
            estimated with ``skimage.restoration.estimate_sigma`` (no clean image needed).
        grid: one hidden pixel per ``grid x grid`` cell (4: 1/16 of the pixels per step).
        filters, convs_per_block: the U-Net body (see :func:`unsuplab.networks.unet`).
        seed: seed of the hidden-pixel offsets (an int, or None for a random one).

    Call arguments:
        inputs: (N, H, W, 1) images in which some pixels are already hidden.

    Returns:
        (N, H, W, 2): the prior mean :math:`\\mu` and :math:`\\log s^2`.

    Example:
        >>> model = BlindSpotDenoiser(sigma=25 / 255, seed=0)
        >>> model.compile(optimizer="adam")
        >>> fit(model, random_patches(noisy_photos, patch_size=48, n_patches=2000), epochs=4)
        >>> clean_guess = model.denoise(noisy_photo)
    """

    def __init__(self, sigma, grid=4, filters=(32, 64, 96), convs_per_block=2, seed=None,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        check_number(sigma, "sigma", low=0, low_inclusive=False)
        self.sigma = float(check_sigma(sigma))
        self.grid = check_number(grid, "grid", low=2, high=8, integer=True)
        self.filters = _check_filters(filters)
        self.convs_per_block = check_number(convs_per_block, "convs_per_block", low=1, integer=True)
        self.nll_tracker = keras.metrics.Mean(name="nll")
        self.mse_tracker = keras.metrics.Mean(name="blind_mse")
        self._make_body(1, 2)

    # -- the pieces ---------------------------------------------------------------------------
    def call(self, inputs, training=False):
        """Return (mu, log s^2) stacked on the last axis."""
        check_input_size(inputs.shape, self.multiple)
        raw = self.body(inputs, training=training)
        mu = inputs + raw[..., :1]
        return ops.concatenate([mu, raw[..., 1:2]], axis=-1)

    def _hide(self, y, offset):
        """Replace the pixels at ``offset`` of each grid cell by the mean of their 4 neighbours.

        Returns ``(hidden_input, where)``; ``where`` is 1 on the hidden pixels."""
        shape = ops.shape(y)
        rows = ops.arange(shape[1]) % self.grid
        cols = ops.arange(shape[2]) % self.grid
        where = ops.cast(
            ops.logical_and(rows[:, None] == offset[0], cols[None, :] == offset[1]), y.dtype
        )[None, :, :, None]
        padded = ops.pad(y, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
        kernel = ops.convert_to_tensor(_NEIGHBOURS[:, :, None, None], dtype=y.dtype)
        mean4 = ops.conv(padded, kernel, padding="valid")
        return y * (1.0 - where) + mean4 * where, where

    def _prior_variance(self, log_var):
        return ops.exp(ops.clip(log_var, -20.0, 5.0))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Negative log-likelihood of the hidden noisy pixels (see the class docstring).

        ``x`` is the noisy batch (``y``, if given, is ignored: the target is ``x`` itself).
        In training the offset is drawn from the seed generator; in evaluation it is (0, 0),
        so validation scores are comparable from epoch to epoch."""
        del y, y_pred, sample_weight
        if training:
            offset = keras.random.randint((2,), 0, self.grid, seed=self.seed_generator)
        else:
            offset = ops.zeros((2,), "int32")
        hidden, where = self._hide(x, offset)
        out = self(hidden, training=training)
        mu, s2 = out[..., :1], self._prior_variance(out[..., 1:2])
        total = s2 + self.sigma**2
        nll = 0.5 * (ops.log(total) + ops.square(x - mu) / total)
        n = ops.maximum(ops.sum(where) * ops.cast(ops.shape(x)[0], x.dtype), 1.0)
        loss = ops.sum(nll * where) / n
        self.nll_tracker.update_state(loss)
        self.mse_tracker.update_state(ops.sum(ops.square(x - mu) * where) / n)
        return loss

    @property
    def metrics(self):
        return [*super().metrics, self.nll_tracker, self.mse_tracker]

    # -- public -------------------------------------------------------------------------------
    def prior(self, noisy, *, augment=True, batch_size=16):
        """The J-invariant prior of every pixel: ``(mu, s2)``, each shaped like ``noisy``.

        ``grid**2`` versions of each image each hide one offset of the grid, so no pixel's
        prior saw its own noisy value. With ``augment`` the prior is averaged over the four
        quarter turns of the image (test-time augmentation: the network was trained on turned
        and flipped patches, and the average of four estimates with partly independent errors
        is better than any one of them; +0.2 dB on the benchmark's photographs, for 4x the time).
        """
        _check_bool(augment, "augment")
        x, back = as_image_batch(noisy, "noisy", channels=1)
        batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
        check_finite_weights(self)
        turns = range(4) if augment else range(1)
        mu = np.zeros_like(x)
        s2 = np.zeros_like(x)
        for k in turns:
            turned = np.ascontiguousarray(np.rot90(x, k, axes=(1, 2)))
            m, v = self._prior_nhwc(turned, batch_size)
            mu += np.rot90(m, -k, axes=(1, 2))
            s2 += np.rot90(v, -k, axes=(1, 2))
        return back(mu / len(turns)), back(s2 / len(turns))

    def _prior_nhwc(self, x, batch_size):
        """``prior`` of (N, H, W, 1) images, without augmentation."""
        x, size = pad_to_multiple(x, self.multiple)
        offsets = [(i, j) for i in range(self.grid) for j in range(self.grid)]
        rows = np.arange(x.shape[1]) % self.grid
        cols = np.arange(x.shape[2]) % self.grid
        mu = np.zeros_like(x)
        log_s2 = np.zeros_like(x)
        for k, image in enumerate(x):
            copies = ops.convert_to_tensor(np.repeat(image[None], len(offsets), axis=0))
            hidden = ops.concatenate(
                [self._hide(copies[n : n + 1], ops.convert_to_tensor(o))[0]
                 for n, o in enumerate(offsets)],
                axis=0,
            )
            out = predict_batched(self.predict_on_batch, ops.convert_to_numpy(hidden),
                                  batch_size=batch_size)
            for n, (i, j) in enumerate(offsets):
                sel = (rows[:, None] == i) & (cols[None, :] == j)
                mu[k][sel] = out[n][sel][:, :1]
                log_s2[k][sel] = out[n][sel][:, 1:2]
        s2 = np.exp(np.clip(log_s2, -20.0, 5.0))
        return crop(mu, size), crop(s2, size)

    def posterior_mean(self, noisy, mu, s2):
        """Combine each noisy pixel with its prior ``N(mu, s2)`` (Bayes' rule, Gaussian noise
        of std :attr:`sigma`): ``(s2 * noisy + sigma**2 * mu) / (s2 + sigma**2)``, clipped to
        [0, 1]. ``mu`` and ``s2`` come from :meth:`prior`, shaped like ``noisy``."""
        y = check_images(noisy, "noisy").astype(np.float32)
        mu = check_array(mu, "mu", dtype_kind="f")
        s2 = check_array(s2, "s2", dtype_kind="f")
        for name, a in (("mu", mu), ("s2", s2)):
            if a.shape != y.shape:
                raise ValueError(f"{name} must have the shape of noisy {y.shape}. "
                                 f"Received: {name} of shape {a.shape}")
        if (s2 < 0).any():
            raise ValueError("s2 must be >= 0 (a variance). Received: a negative value")
        return self._combine(y, mu, s2)

    def _combine(self, y, mu, s2):
        """:meth:`posterior_mean` without the checks (its inputs come from :meth:`prior`)."""
        var_noise = np.float32(self.sigma**2)
        return np.clip((s2 * y + var_noise * mu) / (s2 + var_noise), 0.0, 1.0).astype(np.float32)

    def denoise(self, noisy, *, use_centre=True, augment=True, batch_size=16):
        """Denoise images corrupted by Gaussian noise of std :attr:`sigma` (see the class
        docstring): uint8 or float images in [0, 1] of shape (H, W), (N, H, W) or
        (N, H, W, 1); returns float32 in the same layout.

        ``use_centre=False`` returns the prior mean alone (plain Noise2Self); ``augment``
        averages over the four quarter turns (see :meth:`prior`)."""
        _check_bool(use_centre, "use_centre")
        x, back = as_image_batch(noisy, "noisy", channels=1)
        y = back(x)
        mu, s2 = self.prior(y, augment=augment, batch_size=batch_size)
        if not use_centre:
            return np.clip(mu, 0.0, 1.0).astype(np.float32)
        return self._combine(y, mu, s2)

    def get_config(self):
        config = {
            "sigma": self.sigma,
            "grid": self.grid,
            "filters": list(self.filters),
            "convs_per_block": self.convs_per_block,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


__all__ = ["BlindSpotDenoiser"]
