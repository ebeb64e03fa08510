"""Correction autoencoders: networks that repair damaged images (chapter 02).

Three models, one small U-Net body:

- :class:`DenoisingUNet` learns :math:`\\hat x(\\tilde x) \\approx E[x \\mid \\tilde x]` from
  (corrupted, clean) pairs drawn on the fly (:func:`corruption_pairs`): one *blind* model for
  every Gaussian noise level in a range, or for salt-and-pepper noise, or for blur.
- :class:`InpaintingUNet` fills holes. It gets the masked image and the mask as a second
  channel, and its loss counts only the missing pixels (a *mask-aware* loss).
- :class:`BlindSpotDenoiser` denoises photographs with no clean image at all (Noise2Self /
  Noise2Void): the pixels it is scored on are hidden from its input, so it cannot learn the
  identity, and the noise, independent from pixel to pixel, cannot be predicted from the
  neighbours; what is left to predict is the clean signal.

Why a U-Net and not the bottleneck autoencoder of chapter 01? A convolutional autoencoder that
squeezes a 28x28 image through a 16- or 32-number code reconstructs even *clean* images at
only ~19-21 dB (``benchmarks/autoencoders.py``): its output is a blurry prototype. At
σ = 25/255 the noisy input is already ~20 dB, so such a model cannot beat low noise, whatever
it learns. The skip connections of a U-Net carry the full-resolution detail around the
bottleneck, so the network only has to learn what to *remove*; we make that explicit with a
residual output (``output = input + correction``).

Every model is a registered Keras class that saves and loads as ``.keras`` in safe mode.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._validation import (
    check_array,
    check_choice,
    check_images,
    check_mask,
    check_number,
    check_range,
)

# --------------------------------------------------------------------------------------------
# The U-Net body
# --------------------------------------------------------------------------------------------


def _check_filters(filters):
    if isinstance(filters, (int, np.integer)) or not hasattr(filters, "__len__"):
        raise ValueError(f"filters must be a sequence of positive ints. Received: {filters!r}")
    filters = tuple(filters)
    if not 1 <= len(filters) <= 5 or not all(
        isinstance(f, (int, np.integer)) and not isinstance(f, bool) and f > 0 for f in filters
    ):
        raise ValueError(
            "filters must be 1 to 5 positive ints, one per resolution. "
            f"Received: filters={filters!r}"
        )
    return tuple(int(f) for f in filters)


class _UNetMixin:
    """Build and run the U-Net body: one conv block per resolution going down, max pooling
    between them, then transposed convolutions going up, each followed by the concatenation of
    the encoder's features at that resolution (the *skip connection*) and a conv block.

    Inputs must have a height and width divisible by ``2 ** (len(filters) - 1)``;
    :meth:`_pad` / :meth:`_crop` take care of that for whole images.
    """

    def _build_body(self, filters, out_channels, convs_per_block):
        conv = lambda f, n: keras.layers.Conv2D(  # noqa: E731
            f, 3, padding="same", activation="relu", name=n
        )
        self.down_blocks = [
            [conv(f, f"down{i}_conv{j}") for j in range(convs_per_block)]
            for i, f in enumerate(filters)
        ]
        self.pools = [
            keras.layers.MaxPooling2D(2, name=f"pool{i}") for i in range(len(filters) - 1)
        ]
        self.ups = [
            keras.layers.Conv2DTranspose(f, 2, strides=2, padding="same", name=f"up{i}")
            for i, f in enumerate(filters[:-1])
        ]
        self.up_blocks = [
            [conv(f, f"up{i}_conv{j}") for j in range(convs_per_block)]
            for i, f in enumerate(filters[:-1])
        ]
        self.head = keras.layers.Conv2D(out_channels, 1, name="head")

    def _body(self, x):
        skips = []
        h = x
        for i, block in enumerate(self.down_blocks):
            for layer in block:
                h = layer(h)
            if i < len(self.pools):
                skips.append(h)
                h = self.pools[i](h)
        for i in reversed(range(len(self.ups))):
            h = self.ups[i](h)
            h = ops.concatenate([h, skips[i]], axis=-1)
            for layer in self.up_blocks[i]:
                h = layer(h)
        return self.head(h)

    @property
    def multiple(self) -> int:
        """Height and width of the network's input must be multiples of this."""
        return 2 ** (len(self.filters) - 1)

    def _pad(self, x):
        """Reflect-pad (N, H, W, C) so H and W are multiples of :attr:`multiple`."""
        m = self.multiple
        h, w = x.shape[1:3]
        ph, pw = (-h) % m, (-w) % m
        if ph or pw:
            mode = "reflect" if min(h, w) > max(ph, pw) else "edge"
            x = np.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)), mode=mode)
        return x, (h, w)

    def _run(self, x, batch_size):
        x, (h, w) = self._pad(x)
        out = self.predict(x, batch_size=batch_size, verbose=0)
        return np.asarray(out)[:, :h, :w]


def _as_nhwc(images, name="images", channels=1):
    """Validated float images in [0, 1] -> (N, H, W, C) float32, and a function that puts the
    result back in the caller's layout ((H, W), (N, H, W) or (N, H, W, C))."""
    x = check_images(images, name)
    if x.ndim == 2:
        x4, back = x[None, ..., None], lambda y: y[0, ..., 0]
    elif x.ndim == 3:
        x4, back = x[..., None], lambda y: y[..., 0]
    else:
        x4, back = x, lambda y: y
    if x4.shape[-1] != channels:
        raise ValueError(
            f"{name} must have {channels} channel(s) (grey levels). Received: {name} of shape "
            f"{x.shape}"
        )
    return x4.astype(np.float32), back


def _check_batch_size(batch_size):
    return check_number(batch_size, "batch_size", low=1, integer=True)


# --------------------------------------------------------------------------------------------
# DenoisingUNet
# --------------------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="unsuplab")
class DenoisingUNet(_UNetMixin, keras.Model):
    """A small U-Net that removes noise or blur: ``output = clip(input + correction, 0, 1)``.

    Train it on (corrupted, clean) pairs, e.g. ``fit(model, x_train, map_fn=corruption_pairs(
    "gaussian", sigma=(0, 55/255)))``: the minimiser of the mean squared error is the
    conditional mean :math:`E[x \\mid \\tilde x]`, the best estimate in the MSE sense.

    Args:
        filters: channels at each resolution, finest first; ``len(filters) - 1`` poolings.
        convs_per_block: 3x3 convolutions per block.
        residual: predict the *correction* added to the input (DnCNN's residual learning)
            rather than the clean image itself.

    Call arguments:
        inputs: float tensor (N, H, W, 1) with H, W multiples of :attr:`multiple`.

    Returns:
        The restored images, same shape.

    Example:
        >>> model = DenoisingUNet(filters=(16, 32))
        >>> model.compile(optimizer="adam", loss="mse")
        >>> restored = model.denoise(noisy_images)
    """

    def __init__(self, filters=(32, 64), convs_per_block=2, residual=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = _check_filters(filters)
        self.convs_per_block = check_number(convs_per_block, "convs_per_block", low=1, integer=True)
        if not isinstance(residual, bool):
            raise TypeError(f"residual must be True or False. Received: residual={residual!r}")
        self.residual = residual
        self._build_body(self.filters, 1, self.convs_per_block)

    def call(self, inputs):
        out = self._body(inputs)
        if self.residual:
            out = inputs + out
        else:
            out = ops.sigmoid(out)
        return ops.clip(out, 0.0, 1.0)

    def denoise(self, images, *, batch_size=256):
        """Restore images (noisy, blurred, ...) with the trained network.

        Args:
            images: float images in [0, 1] of shape (H, W), (N, H, W) or (N, H, W, 1); any
                size (reflect-padded to a multiple of :attr:`multiple`, then cropped).

        Returns:
            float32 array of the same shape.

        Raises:
            ValueError: values outside [0, 1], NaN, a wrong rank or channel count.
        """
        x, back = _as_nhwc(images)
        return back(self._run(x, _check_batch_size(batch_size)))

    def get_config(self):
        config = {
            "filters": list(self.filters),
            "convs_per_block": self.convs_per_block,
            "residual": self.residual,
        }
        return {**super().get_config(), **config}


# --------------------------------------------------------------------------------------------
# InpaintingUNet
# --------------------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="unsuplab")
class InpaintingUNet(_UNetMixin, keras.Model):
    """A U-Net that fills missing pixels, trained with a mask-aware loss.

    The input has two channels: the masked image (holes filled with 0) and the mask (1 on
    kept pixels, 0 on missing ones), so the network knows *where* to paint; a hole of black
    pixels and a black region of the image would otherwise look the same. The output keeps
    the known pixels and takes the network's guess only inside the holes,

    .. math:: \\hat x = m \\odot \\tilde x + (1 - m) \\odot f_\\theta(\\tilde x, m),

    and the loss is the mean squared error *over the hole pixels only*:

    .. math:: L = \\frac{\\sum_p (1 - m_p)(\\hat x_p - x_p)^2}{\\sum_p (1 - m_p)}.

    (The plain MSE over all pixels would divide by every pixel, so the loss, and its
    gradient, would shrink with the hole size and be dominated by images with large holes.)

    Args:
        filters, convs_per_block: as :class:`DenoisingUNet`.

    Call arguments:
        inputs: (N, H, W, 2): masked image and mask.

    Example:
        >>> model = InpaintingUNet()
        >>> model.compile(optimizer="adam")          # the loss is built in
        >>> fit(model, x_train, map_fn=hole_pairs(hole_size=(6, 14)), epochs=5)
        >>> filled = model.inpaint(masked, mask)
    """

    def __init__(self, filters=(32, 64), convs_per_block=2, **kwargs):
        super().__init__(**kwargs)
        self.filters = _check_filters(filters)
        self.convs_per_block = check_number(convs_per_block, "convs_per_block", low=1, integer=True)
        self._build_body(self.filters, 1, self.convs_per_block)
        self.hole_mse_tracker = keras.metrics.Mean(name="hole_mse")

    def call(self, inputs):
        image, mask = inputs[..., :1], inputs[..., 1:2]
        guess = ops.sigmoid(self._body(inputs))
        return mask * image + (1.0 - mask) * guess

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Mean squared error over the hole pixels (see the class docstring)."""
        missing = 1.0 - x[..., 1:2]
        err = ops.sum(missing * ops.square(y_pred - y))
        loss = err / ops.maximum(ops.sum(missing), 1.0)
        self.hole_mse_tracker.update_state(loss)
        return loss

    @property
    def metrics(self):
        return [*super().metrics, self.hole_mse_tracker]

    def inpaint(self, images, mask, *, batch_size=256):
        """Fill the pixels where ``mask`` is 0.

        Args:
            images: float images in [0, 1], (H, W), (N, H, W) or (N, H, W, 1). Values under
                the holes are ignored.
            mask: the spatial shape of ``images`` ((H, W) or (N, H, W)); 1 = kept, 0 = missing.
                Must be binary.

        Returns:
            float32 array shaped like ``images``: the known pixels unchanged, the holes filled.

        Raises:
            ValueError: ``mask`` of the wrong shape or not binary; images outside [0, 1].
        """
        x, back = _as_nhwc(images)
        shape = np.shape(images)
        m = check_mask(mask, shape[:-1] if len(shape) == 4 else shape)
        m4 = m.reshape(x.shape[:-1] + (1,)).astype(np.float32)
        inputs = np.concatenate([x * m4, m4], axis=-1)
        return back(self._run(inputs, _check_batch_size(batch_size)))

    def get_config(self):
        config = {"filters": list(self.filters), "convs_per_block": self.convs_per_block}
        return {**super().get_config(), **config}


# --------------------------------------------------------------------------------------------
# BlindSpotDenoiser
# --------------------------------------------------------------------------------------------

_NEIGHBOURS = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.float32) / 4.0


@keras.saving.register_keras_serializable(package="unsuplab")
class BlindSpotDenoiser(_UNetMixin, keras.Model):
    """Self-supervised denoising from noisy images only (Noise2Self / Noise2Void masking),
    with the centre pixel put back by Bayes' rule (Laine et al., 2019).

    **Training** (:meth:`train_step`): in each noisy patch :math:`y` one pixel in every
    ``grid x grid`` cell (at a random offset) is hidden: replaced by the mean of its four
    neighbours. The network sees the patch with these holes and predicts, at each hidden pixel
    :math:`p`, a Gaussian *prior* :math:`N(\\mu_p, s_p^2)` for the clean value from the
    neighbourhood alone. Because the noise is independent from pixel to pixel and has zero
    mean, :math:`E[y_p \\mid \\text{neighbours}] = E[x_p \\mid \\text{neighbours}]`: fitting the
    *noisy* value teaches the *clean* one. The loss is the negative log-likelihood of
    :math:`y_p` under :math:`N(\\mu_p, s_p^2 + \\sigma^2)` (signal prior plus noise), on the
    hidden pixels only.

    **Denoising** (:meth:`denoise`): ``grid**2`` passes, each hiding one offset, give every
    pixel a prior that never saw its own noisy value (the estimate is *J-invariant*). Then the
    noisy value is combined with that prior, the posterior mean of a Gaussian prior and a
    Gaussian noise:

    .. math:: \\hat x_p = \\frac{s_p^2\\, y_p + \\sigma^2 \\mu_p}{s_p^2 + \\sigma^2}.

    Where the neighbours predict the pixel well (:math:`s_p` small, flat regions) the prior
    wins; on edges and texture (:math:`s_p` large) the noisy pixel does. ``use_centre=False``
    returns :math:`\\mu` alone (plain Noise2Self).

    Args:
        sigma: the noise standard deviation on the [0, 1] scale, known or estimated with
            ``skimage.restoration.estimate_sigma`` (no clean image needed).
        grid: one hidden pixel per ``grid x grid`` cell (4: 1/16 of the pixels per step).
        filters, convs_per_block: the U-Net body, as :class:`DenoisingUNet`.

    Example:
        >>> model = BlindSpotDenoiser(sigma=25 / 255)
        >>> model.compile(optimizer="adam")
        >>> fit(model, noisy_patches, epochs=20)    # noisy images only
        >>> clean_guess = model.denoise(noisy_photo)
    """

    def __init__(self, sigma, grid=4, filters=(32, 64, 96), convs_per_block=2, **kwargs):
        super().__init__(**kwargs)
        self.sigma = float(check_number(sigma, "sigma", low=0, low_inclusive=False))
        self.grid = check_number(grid, "grid", low=2, high=8, integer=True)
        self.filters = _check_filters(filters)
        self.convs_per_block = check_number(convs_per_block, "convs_per_block", low=1, integer=True)
        self._build_body(self.filters, 2, self.convs_per_block)
        self.nll_tracker = keras.metrics.Mean(name="nll")
        self.mse_tracker = keras.metrics.Mean(name="blind_mse")
        self._kernel = ops.convert_to_tensor(_NEIGHBOURS[:, :, None, None])

    # -- the pieces ---------------------------------------------------------------------------
    def call(self, inputs):
        """Return (mu, log s^2) stacked on the last axis, for inputs in which some pixels are
        already hidden (the caller hides them)."""
        raw = self._body(inputs)
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
        mean4 = ops.conv(padded, ops.cast(self._kernel, y.dtype), padding="valid")
        return y * (1.0 - where) + mean4 * where, where

    def _prior_variance(self, log_var):
        return ops.exp(ops.clip(log_var, -20.0, 5.0))

    def train_step(self, data):
        import tensorflow as tf

        y = data[0] if isinstance(data, (tuple, list)) else data
        offset = tf.random.uniform((2,), 0, self.grid, dtype=tf.int32, seed=None)
        hidden, where = self._hide(y, offset)
        var_noise = self.sigma**2
        with tf.GradientTape() as tape:
            out = self(hidden, training=True)
            mu, s2 = out[..., :1], self._prior_variance(out[..., 1:2])
            total = s2 + var_noise
            nll = 0.5 * (ops.log(total) + ops.square(y - mu) / total)
            n = ops.maximum(ops.sum(where) * ops.cast(ops.shape(y)[0], y.dtype), 1.0)
            loss = ops.sum(nll * where) / n
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        self.nll_tracker.update_state(loss)
        self.mse_tracker.update_state(ops.sum(ops.square(y - mu) * where) / n)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        y = data[0] if isinstance(data, (tuple, list)) else data
        hidden, where = self._hide(y, ops.convert_to_tensor([0, 0]))
        out = self(hidden, training=False)
        mu = out[..., :1]
        n = ops.maximum(ops.sum(where) * ops.cast(ops.shape(y)[0], y.dtype), 1.0)
        self.mse_tracker.update_state(ops.sum(ops.square(y - mu) * where) / n)
        return {"blind_mse": self.mse_tracker.result()}

    @property
    def metrics(self):
        return [self.nll_tracker, self.mse_tracker]

    # -- public -------------------------------------------------------------------------------
    def prior(self, noisy, *, augment=True, batch_size=16):
        """The J-invariant prior of every pixel: ``(mu, s2)``, each shaped like ``noisy``.

        ``grid**2`` versions of each image each hide one offset of the grid, so no pixel's
        prior saw its own noisy value. With ``augment`` the prior is averaged over the four
        quarter turns of the image (test-time augmentation: the network was trained on turned
        and flipped patches, and the average of four estimates with partly independent errors
        is better than any one of them; +0.2 dB on the benchmark's photographs, for 4x the time).
        """
        if not isinstance(augment, bool):
            raise TypeError(f"augment must be True or False. Received: augment={augment!r}")
        x, back = _as_nhwc(noisy, "noisy")
        batch_size = _check_batch_size(batch_size)
        turns = range(4) if augment else range(1)
        mu = np.zeros_like(x)
        s2 = np.zeros_like(x)
        for k in turns:
            turned = np.rot90(x, k, axes=(1, 2))
            m, v = self._prior_nhwc(np.ascontiguousarray(turned), batch_size)
            mu += np.rot90(m, -k, axes=(1, 2))
            s2 += np.rot90(v, -k, axes=(1, 2))
        return back(mu / len(turns)), back(s2 / len(turns))

    def _prior_nhwc(self, x, batch_size):
        """``prior`` of (N, H, W, 1) images, without augmentation."""
        x, (h, w) = self._pad(x)
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
            out = np.asarray(self.predict(np.asarray(hidden), batch_size=batch_size, verbose=0))
            for n, (i, j) in enumerate(offsets):
                sel = (rows[:, None] == i) & (cols[None, :] == j)
                mu[k][sel] = out[n][sel][:, :1]
                log_s2[k][sel] = out[n][sel][:, 1:2]
        s2 = np.exp(np.clip(log_s2, -20.0, 5.0))
        return mu[:, :h, :w], s2[:, :h, :w]

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
        docstring); float images in [0, 1] of shape (H, W), (N, H, W) or (N, H, W, 1).

        ``use_centre=False`` returns the prior mean alone (plain Noise2Self); ``augment``
        averages over the four quarter turns (see :meth:`prior`)."""
        if not isinstance(use_centre, bool):
            raise TypeError(f"use_centre must be True or False. Received: {use_centre!r}")
        y = check_images(noisy, "noisy").astype(np.float32)
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
        }
        return {**super().get_config(), **config}


# --------------------------------------------------------------------------------------------
# Training pairs drawn on the fly (map_fn for unsuplab.training.fit)
# --------------------------------------------------------------------------------------------

CORRUPTIONS = ("gaussian", "salt_and_pepper", "blur", "mixed")


def corruption_pairs(kind="gaussian", *, sigma=(0.0, 55 / 255), amount=(0.0, 0.2),
                     blur_sigma=(0.5, 1.5)):
    """A ``map_fn`` for :func:`unsuplab.training.fit`: clean batch -> ``(corrupted, clean)``.

    Each image gets its own corruption strength, drawn uniformly from the range, so one model
    learns every level (a *blind* denoiser).

    Args:
        kind: ``"gaussian"`` (noise std from ``sigma``), ``"salt_and_pepper"`` (fraction
            ``amount``), ``"blur"`` (Gaussian blur of std ``blur_sigma`` pixels, with a little
            noise, σ ≤ 2/255, as a camera adds) or ``"mixed"`` (each image one of the three).
        sigma, amount, blur_sigma: a number or a ``(low, high)`` range.
    """
    from ..data import corruptions_tf as ctf

    check_choice(kind, "kind", CORRUPTIONS)
    sigma = check_range(sigma, "sigma", 0.0, 1.0)
    amount = check_range(amount, "amount", 0.0, 1.0)
    blur_sigma = check_range(blur_sigma, "blur_sigma", 0.0, 5.0)

    def gaussian(x):
        return ctf.gaussian_noise(x, sigma)

    def salt(x):
        return ctf.salt_and_pepper(x, amount)

    def blurred(x):
        return ctf.gaussian_noise(ctf.blur(x, blur_sigma), (0.0, 2 / 255))

    def mixed(x):
        import tensorflow as tf

        choice = tf.random.uniform((tf.shape(x)[0], 1, 1, 1), 0, 3, dtype=tf.int32)
        out = tf.where(choice == 0, gaussian(x), salt(x))
        return tf.where(choice == 2, blurred(x), out)

    fn = {"gaussian": gaussian, "salt_and_pepper": salt, "blur": blurred, "mixed": mixed}[kind]

    def map_fn(images):
        return fn(images), images

    return map_fn


def hole_pairs(*, hole_size=(6, 14), n_holes=(1, 2), pixel_fraction=(0.0, 0.0)):
    """A ``map_fn`` for :class:`InpaintingUNet`: clean batch -> ``([masked, mask], clean)``.

    Each image gets ``n_holes`` square holes with sides drawn from ``hole_size``, and, if
    ``pixel_fraction`` is not zero, a random share of single missing pixels as well.
    """
    from ..data import corruptions_tf as ctf

    hole_size = check_range(hole_size, "hole_size", 1, 1024)
    n_holes = check_range(n_holes, "n_holes", 0, 64)
    pixel_fraction = check_range(pixel_fraction, "pixel_fraction", 0.0, 1.0)

    def map_fn(images):
        import tensorflow as tf

        mask = ctf.random_holes_mask(
            tf.shape(images)[:3], hole_size=hole_size, n_holes=n_holes
        )
        if pixel_fraction[1] > 0:
            mask = mask * ctf.pixel_mask(tf.shape(images)[:3], pixel_fraction)
        mask = mask[..., None]
        return tf.concat([images * mask, mask], axis=-1), images

    return map_fn


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------


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
    floored at :math:`\varepsilon = (\text{peak}/255)^2/12`, the quantization noise of an 8-bit
    image: an error that small cannot be seen, or even stored. The PSNR of one hole is then at
    most 58.9 dB. Images without a missing pixel are left out of the mean.

    Args:
        images, restored: float images in [0, 1] of the same shape, (N, H, W[, 1]) or (H, W).
        mask: the spatial shape, 1 = kept, 0 = missing.
    """
    x = check_images(images, "images").astype(np.float64)
    y = check_images(restored, "restored").astype(np.float64)
    if x.shape != y.shape:
        raise ValueError(
            f"images and restored must have the same shape. Received: {x.shape} and {y.shape}"
        )
    peak = check_number(peak, "peak", low=0, low_inclusive=False)
    spatial = x.shape[:-1] if x.ndim == 4 else x.shape
    m = check_mask(mask, spatial)
    if x.ndim == 4:
        x, y = x[..., 0], y[..., 0]
    if x.ndim == 2:
        x, y, m = x[None], y[None], m[None]
    missing = 1.0 - m
    count = missing.sum(axis=(1, 2))
    keep = count > 0
    if not keep.any():
        raise ValueError("mask has no missing pixel: the hole PSNR is undefined.")
    mse = (missing * (x - y) ** 2).sum(axis=(1, 2))[keep] / count[keep]
    mse = np.maximum(mse, HOLE_MSE_FLOOR * peak**2)
    return float(np.mean(10.0 * np.log10(peak**2 / mse)))


# --------------------------------------------------------------------------------------------
# Recipes: the notebook's and the benchmark's training, in one place (settings "correction.*")
# --------------------------------------------------------------------------------------------

#: The blind denoiser's training range of noise std: 0 to 55/255 (covers the 25 and 50 tests).
SIGMA_RANGE = (0.0, 55 / 255)
#: The inpainter's training holes: 1 or 2 squares of side 6 to 14 pixels.
HOLE_SIZE = (6, 14)
N_HOLES = (1, 2)


def cached_denoiser(x_train, *, kind="gaussian", retrain=False, callbacks=None, verbose=0):
    """Train (or load from the model cache) the blind denoiser of chapter 02.

    Settings (quick/full): ``correction.filters``, ``correction.epochs``,
    ``correction.batch_size``, ``correction.learning_rate``; noise std drawn per image from
    :data:`SIGMA_RANGE` (``kind="gaussian"``) or the other corruptions of
    :func:`corruption_pairs`.

    Returns:
        ``(model, trained)`` as :func:`unsuplab.training.load_or_train`.
    """
    from .. import config
    from ..training import fit, load_or_train

    check_choice(kind, "kind", CORRUPTIONS)
    params = {
        "kind": kind,
        "filters": config.setting("correction.filters"),
        "epochs": config.setting("correction.epochs"),
        "batch_size": config.setting("correction.batch_size"),
        "learning_rate": config.setting("correction.learning_rate"),
        "n_train": len(x_train),
        "sigma": SIGMA_RANGE,
    }

    def train():
        config.set_seed(0)
        model = DenoisingUNet(filters=params["filters"])
        model.compile(optimizer=keras.optimizers.Adam(params["learning_rate"]), loss="mse")
        fit(model, x_train, epochs=params["epochs"], batch_size=params["batch_size"],
            map_fn=corruption_pairs(kind, sigma=SIGMA_RANGE), callbacks=callbacks,
            verbose=verbose)
        return model

    return load_or_train(f"denoiser_{kind}", train, params=params, retrain=retrain)


def cached_inpainter(x_train, *, retrain=False, callbacks=None, verbose=0):
    """Train (or load) the inpainting U-Net: holes from :data:`HOLE_SIZE` and :data:`N_HOLES`,
    the settings of :func:`cached_denoiser` except the channels, ``correction.inpaint_filters``.

    The inpainter gets a third resolution level: the centre of a 10x10 hole is 5 pixels from
    the nearest known one, so it needs context from far away, and a two-level U-Net's
    receptive field is only about 18 pixels wide; with three levels it is over 40. In a trial
    with the benchmark's protocol (60k images, one epoch; not a recorded benchmark) that took
    the hole PSNR from +1.9 dB to +3.3 dB over biharmonic interpolation, for ~60% more time
    per step on a CPU."""
    from .. import config
    from ..training import fit, load_or_train

    params = {
        "filters": config.setting("correction.inpaint_filters"),
        "epochs": config.setting("correction.epochs"),
        "batch_size": config.setting("correction.batch_size"),
        "learning_rate": config.setting("correction.learning_rate"),
        "n_train": len(x_train),
        "holes": (HOLE_SIZE, N_HOLES),
    }

    def train():
        config.set_seed(0)
        model = InpaintingUNet(filters=params["filters"])
        model.compile(optimizer=keras.optimizers.Adam(params["learning_rate"]))
        fit(model, x_train, epochs=params["epochs"], batch_size=params["batch_size"],
            map_fn=hole_pairs(hole_size=HOLE_SIZE, n_holes=N_HOLES), callbacks=callbacks,
            verbose=verbose)
        return model

    return load_or_train("inpainter", train, params=params, retrain=retrain)


def noisy_patches(noisy_images, *, patch_size, n_patches, seed=0):
    """Random square patches of noisy images, with random flips and quarter turns: the
    self-supervised training set (no clean image involved).

    Args:
        noisy_images: a list of float (H, W) images in [0, 1], at least ``patch_size`` a side.

    Returns:
        float32 array (n_patches, patch_size, patch_size, 1).
    """
    from .._validation import check_seed

    patch_size = check_number(patch_size, "patch_size", low=4, integer=True)
    n_patches = check_number(n_patches, "n_patches", low=1, integer=True)
    images = [check_images(im, "noisy_images[i]", ndim=2) for im in noisy_images]
    if not images:
        raise ValueError("noisy_images must hold at least one image. Received: []")
    small = [im.shape for im in images if min(im.shape) < patch_size]
    if small:
        raise ValueError(f"every image must be at least patch_size={patch_size} a side. "
                         f"Received: an image of shape {small[0]}")
    rng = check_seed(seed)
    out = np.empty((n_patches, patch_size, patch_size, 1), np.float32)
    for k in range(n_patches):
        im = images[k % len(images)]
        r = rng.integers(0, im.shape[0] - patch_size + 1)
        c = rng.integers(0, im.shape[1] - patch_size + 1)
        p = np.rot90(im[r : r + patch_size, c : c + patch_size], rng.integers(4))
        out[k, ..., 0] = p[:, ::-1] if rng.random() < 0.5 else p
    return out


def cached_blind_spot(noisy_images, sigma, *, name="photos", retrain=False, callbacks=None,
                      verbose=0):
    """Train (or load) a :class:`BlindSpotDenoiser` on ``noisy_images`` themselves.

    Settings: ``correction.selfsup_filters``, ``correction.selfsup_steps``,
    ``correction.selfsup_patch``; batch 8, Adam 3e-3 then decayed (cosine) to 0.

    Args:
        noisy_images: a list of float (H, W) noisy images in [0, 1] (the only data it sees).
        sigma: the noise std (known, or estimated with ``skimage.restoration.estimate_sigma``).
        name: part of the cache key; say what the images are.
    """
    import hashlib

    from .. import config
    from ..training import fit, load_or_train

    images = [check_images(im, "noisy_images[i]", ndim=2) for im in noisy_images]
    digest = hashlib.sha256(b"".join(np.ascontiguousarray(im).tobytes() for im in images))
    steps = config.setting("correction.selfsup_steps")
    params = {
        "filters": config.setting("correction.selfsup_filters"),
        "patch": config.setting("correction.selfsup_patch"),
        "steps": steps,
        "sigma": float(sigma),
        "data": digest.hexdigest()[:12],
    }
    batch_size, epochs = 8, 4

    def train():
        config.set_seed(0)
        patches = noisy_patches(images, patch_size=params["patch"], n_patches=2000, seed=0)
        model = BlindSpotDenoiser(sigma=sigma, grid=3, filters=params["filters"])
        schedule = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=steps)
        model.compile(optimizer=keras.optimizers.Adam(schedule))
        fit(model, patches, epochs=epochs, steps_per_epoch=max(steps // epochs, 1),
            batch_size=batch_size, callbacks=callbacks, verbose=verbose)
        return model

    return load_or_train(f"blind_spot_{name}", train, params=params, retrain=retrain)


__all__ = [
    "CORRUPTIONS",
    "HOLE_MSE_FLOOR",
    "HOLE_SIZE",
    "N_HOLES",
    "SIGMA_RANGE",
    "BlindSpotDenoiser",
    "DenoisingUNet",
    "InpaintingUNet",
    "cached_blind_spot",
    "cached_denoiser",
    "cached_inpainter",
    "check_mask",
    "corruption_pairs",
    "hole_pairs",
    "hole_psnr",
    "noisy_patches",
]
