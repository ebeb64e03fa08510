"""The blind denoising U-Net of chapter 02: one model for every noise level in a range.

Why a U-Net and not the bottleneck autoencoder of chapter 01? A convolutional autoencoder that
squeezes a 28x28 image through a 16- or 32-number code reconstructs even *clean* images at
only ~19-21 dB (``benchmarks/autoencoders.py``): its output is a blurry prototype. At
σ = 25/255 the noisy input is already ~20 dB, so such a model cannot beat low noise, whatever
it learns. The skip connections of a U-Net carry the full-resolution detail around the
bottleneck, so the network only has to learn what to *remove*; a residual output
(``output = input + correction``, DnCNN) makes that explicit.
"""

from __future__ import annotations

import keras
from keras import ops

from .._validation import as_image_batch, check_choice, check_number, check_range
from ..networks import corruptions
from ..networks.unet import (
    _check_filters,
    check_input_size,
    crop,
    pad_to_multiple,
)
from ._base import PACKAGE, SeededModel, UNetBody, check_finite_weights, predict_batched

#: The corruptions a :class:`DenoisingUNet` can learn to undo.
CORRUPTIONS = ("gaussian", "salt_and_pepper", "blur", "mixed")

#: The weak noise a camera adds to a blurred image (``corruption="blur"``).
BLUR_NOISE = (0.0, 2 / 255)


def _check_bool(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False. Received: {name}={value!r}")
    return value


@keras.saving.register_keras_serializable(package=PACKAGE)
class DenoisingUNet(UNetBody, SeededModel):
    """A small U-Net that removes noise or blur: ``output = clip(input + correction, 0, 1)``.

    Trained on *clean* images with :func:`unsuplab.training.fit`: :meth:`compute_loss`
    corrupts each batch afresh with the configured corruption, drawn from the model's seed
    generator (each image its own strength, uniform in the range: a *blind* model), and
    scores the mean squared error against the clean batch. The minimiser of that error is the
    conditional mean :math:`E[x \\mid \\tilde x]`, the best estimate in the MSE sense.
    Explicit pairs also work: ``fit(model, corrupted, clean)`` (``clean`` float in [0, 1]).

    Args:
        filters: channels at each resolution, finest first; ``len(filters) - 1`` poolings.
        convs_per_block: 3x3 convolutions per block.
        residual: predict the *correction* added to the input (DnCNN's residual learning)
            rather than the clean image itself (then a sigmoid output).
        corruption: ``"gaussian"`` (noise std from ``sigma``), ``"salt_and_pepper"``
            (fraction ``amount``), ``"blur"`` (Gaussian blur of std ``blur_sigma`` pixels, with
            a little noise, σ ≤ 2/255, as a camera adds) or ``"mixed"`` (each image one of the
            three).
        sigma, amount, blur_sigma: a number or a ``(low, high)`` range; ``sigma`` on the
            [0, 1] scale (25/255, not 25).
        seed: seed of the corruptions (an int, or None for a random one).

    Call arguments:
        inputs: float tensor (N, H, W, 1) with H, W multiples of :attr:`multiple`.

    Returns:
        The restored images, same shape.

    Example:
        >>> model = DenoisingUNet(filters=(16, 32), sigma=(0, 55 / 255), seed=0)
        >>> model.compile(optimizer="adam")
        >>> fit(model, x_train, epochs=1)          # clean images: the noise is drawn inside
        >>> restored = model.denoise(noisy_images)
    """

    def __init__(
        self,
        filters=(32, 64),
        convs_per_block=2,
        residual=True,
        corruption="gaussian",
        sigma=(0.0, 55 / 255),
        amount=(0.0, 0.2),
        blur_sigma=(0.5, 1.5),
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.filters = _check_filters(filters)
        self.convs_per_block = check_number(convs_per_block, "convs_per_block", low=1, integer=True)
        self.residual = _check_bool(residual, "residual")
        self.corruption = check_choice(corruption, "corruption", CORRUPTIONS)
        self.sigma = corruptions._sigma_range(sigma)
        self.amount = check_range(amount, "amount", 0.0, 1.0)
        self.blur_sigma = check_range(blur_sigma, "blur_sigma", 0.0, 5.0)
        self._make_body(1, 1)

    def call(self, inputs, training=False):
        check_input_size(inputs.shape, self.multiple)
        out = self.body(inputs, training=training)
        out = inputs + out if self.residual else ops.sigmoid(out)
        return ops.clip(out, 0.0, 1.0)

    def corrupt(self, images):
        """Corrupt a clean batch (a float tensor (N, H, W, 1) in [0, 1]) with the model's
        corruption, drawn from its seed generator (new draws at every call)."""
        seed = self.seed_generator

        def gaussian(x):
            return corruptions.gaussian_noise(x, self.sigma, seed=seed)

        def salt(x):
            return corruptions.salt_and_pepper(x, self.amount, seed=seed)

        def blurred(x):
            return corruptions.gaussian_noise(
                corruptions.blur(x, self.blur_sigma, seed=seed), BLUR_NOISE, seed=seed
            )

        if self.corruption != "mixed":
            kind = {"gaussian": gaussian, "salt_and_pepper": salt, "blur": blurred}
            return kind[self.corruption](images)
        choice = keras.random.randint((ops.shape(images)[0], 1, 1, 1), 0, 3, seed=seed)
        out = ops.where(choice == 0, gaussian(images), salt(images))
        return ops.where(choice == 2, blurred(images), out)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Mean squared error against the clean batch.

        Without ``y``, ``x`` is the clean batch: it is corrupted here and the corrupted batch
        is restored (Keras's own forward pass of the clean batch, ``y_pred``, is not used).
        With ``y``, ``x`` is already corrupted and ``y_pred`` is its restoration."""
        del sample_weight
        if y is None:
            target = x
            y_pred = self(self.corrupt(x), training=training)
        else:
            target = ops.cast(y, y_pred.dtype)
        loss = ops.mean(ops.square(y_pred - target))
        if self.losses:
            loss = loss + ops.sum(self.losses)
        return loss

    def denoise(self, images, *, batch_size=256):
        """Restore images (noisy, blurred, ...) with the trained network.

        Args:
            images: uint8 or float images in [0, 1], (H, W), (N, H, W) or (N, H, W, 1); any
                size (reflect-padded to a multiple of :attr:`multiple`, then cropped).

        Returns:
            float32 array in [0, 1] in the layout of ``images``.

        Raises:
            ValueError: values outside [0, 1], NaN, a wrong rank or channel count, NaN weights.
        """
        x, back = as_image_batch(images, channels=1)
        batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
        check_finite_weights(self)
        padded, size = pad_to_multiple(x, self.multiple)
        out = predict_batched(self.predict_on_batch, padded, batch_size=batch_size)
        return back(crop(out, size))

    def get_config(self):
        config = {
            "filters": list(self.filters),
            "convs_per_block": self.convs_per_block,
            "residual": self.residual,
            "corruption": self.corruption,
            "sigma": list(self.sigma),
            "amount": list(self.amount),
            "blur_sigma": list(self.blur_sigma),
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


__all__ = ["BLUR_NOISE", "CORRUPTIONS", "DenoisingUNet"]
