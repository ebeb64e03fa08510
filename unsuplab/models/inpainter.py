"""The inpainting U-Net of chapter 02: fills missing pixels, trained with a mask-aware loss."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._validation import as_image_batch, check_mask, check_number, check_range
from ..networks import corruptions
from ..networks.unet import (
    _check_filters,
    check_input_size,
    crop,
    pad_to_multiple,
)
from ._base import PACKAGE, SeededModel, UNetBody, check_finite_weights, predict_batched


@keras.saving.register_keras_serializable(package=PACKAGE)
class InpaintingUNet(UNetBody, SeededModel):
    """A U-Net that fills missing pixels, trained with a mask-aware loss.

    The network gets two channels: the masked image (holes filled with 0) and the mask (1 on
    kept pixels, 0 on missing ones), so it knows *where* to paint; a hole of black pixels and
    a black region of the image would otherwise look the same. The output keeps the known
    pixels and takes the network's guess only inside the holes,

    .. math:: \\hat x = m \\odot \\tilde x + (1 - m) \\odot f_\\theta(\\tilde x, m),

    and the loss is the mean squared error *over the hole pixels only*:

    .. math:: L = \\frac{\\sum_p (1 - m_p)(\\hat x_p - x_p)^2}{\\sum_p (1 - m_p)}.

    (The plain MSE over all pixels would divide by every pixel, so the loss, and its
    gradient, would shrink with the hole size and be dominated by images with large holes.)

    Train it on *clean* images with :func:`unsuplab.training.fit`: :meth:`compute_loss` cuts
    ``n_holes`` square holes of side ``hole_size`` (and, if ``pixel_fraction`` is not zero, a
    share of single missing pixels) into every image, drawn from the model's seed generator.

    Args:
        filters, convs_per_block: the U-Net body (see :func:`unsuplab.networks.unet`).
        hole_size: side of the square holes, an int or a per-image ``(low, high)`` range.
        n_holes: holes per image, an int or a ``(low, high)`` range.
        pixel_fraction: share of single missing pixels, a number or a range.
        seed: seed of the training masks (an int, or None for a random one).

    Call arguments:
        inputs: (N, H, W, 2), the masked image and the mask; or (N, H, W, 1), a clean batch
            (read with a mask of ones: nothing to fill).

    Example:
        >>> model = InpaintingUNet(filters=(16, 32, 64), hole_size=(6, 14), seed=0)
        >>> model.compile(optimizer="adam")          # the loss is built in
        >>> fit(model, x_train, epochs=5)            # clean images: the holes are drawn inside
        >>> filled = model.inpaint(masked, mask)
    """

    def __init__(
        self,
        filters=(32, 64),
        convs_per_block=2,
        hole_size=(6, 14),
        n_holes=(1, 2),
        pixel_fraction=(0.0, 0.0),
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.filters = _check_filters(filters)
        self.convs_per_block = check_number(convs_per_block, "convs_per_block", low=1, integer=True)
        self.hole_size = tuple(int(v) for v in check_range(hole_size, "hole_size", 1, 1024))
        self.n_holes = tuple(int(v) for v in check_range(n_holes, "n_holes", 0, 64))
        self.pixel_fraction = check_range(pixel_fraction, "pixel_fraction", 0.0, 1.0)
        self.hole_mse_tracker = keras.metrics.Mean(name="hole_mse")
        self._make_body(2, 1)

    def call(self, inputs, training=False):
        check_input_size(inputs.shape, self.multiple)
        if inputs.shape[-1] not in (1, 2):
            raise ValueError(
                "inputs must have 1 channel (a clean batch) or 2 (masked image, mask). "
                f"Received: inputs of shape {tuple(inputs.shape)}"
            )
        image = inputs[..., :1]
        mask = inputs[..., 1:2] if inputs.shape[-1] == 2 else ops.ones_like(image)
        guess = ops.sigmoid(self.body(ops.concatenate([image * mask, mask], axis=-1),
                                      training=training))
        return mask * image + (1.0 - mask) * guess

    def draw_mask(self, shape):
        """A training mask of shape (N, H, W) (1 = kept) from the model's seed generator."""
        seed = self.seed_generator
        mask = corruptions.random_holes_mask(shape, hole_size=self.hole_size,
                                             n_holes=self.n_holes, seed=seed)
        if self.pixel_fraction[1] > 0:
            mask = mask * corruptions.pixel_mask(shape, self.pixel_fraction, seed=seed)
        return mask

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Mean squared error over the hole pixels (see the class docstring).

        ``x`` of one channel is a clean batch: holes are drawn here and the masked batch is
        filled (Keras's own pass over the clean batch, ``y_pred``, is not used). ``x`` of two
        channels is ``(masked, mask)`` with the clean images ``y`` and their filling
        ``y_pred``."""
        del sample_weight
        if x.shape[-1] == 1:
            mask = self.draw_mask(ops.shape(x)[:3])[..., None]
            target = x
            y_pred = self(ops.concatenate([x * mask, mask], axis=-1), training=training)
        else:
            mask, target = x[..., 1:2], ops.cast(y, y_pred.dtype)
        missing = 1.0 - mask
        err = ops.sum(missing * ops.square(y_pred - target))
        loss = err / ops.maximum(ops.sum(missing), 1.0)
        self.hole_mse_tracker.update_state(loss)
        return loss

    @property
    def metrics(self):
        return [*super().metrics, self.hole_mse_tracker]

    def inpaint(self, images, mask, *, batch_size=256):
        """Fill the pixels where ``mask`` is 0.

        Args:
            images: uint8 or float images in [0, 1], (H, W), (N, H, W) or (N, H, W, 1).
                Values under the holes are ignored.
            mask: the spatial shape of ``images`` ((H, W) or (N, H, W)); 1 = kept,
                0 = missing. Must be binary.

        Returns:
            float32 array in the layout of ``images``: the known pixels unchanged, the holes
            filled.

        Raises:
            ValueError: ``mask`` of the wrong shape or not binary; images outside [0, 1].
        """
        x, back = as_image_batch(images, channels=1)
        shape = np.shape(images)
        m = check_mask(mask, shape[:-1] if len(shape) == 4 else shape)
        batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
        check_finite_weights(self)
        m4 = m.reshape(x.shape[:-1] + (1,))
        padded, size = pad_to_multiple(np.concatenate([x * m4, m4], axis=-1), self.multiple)
        out = predict_batched(self.predict_on_batch, padded, batch_size=batch_size)
        return back(crop(out, size))

    def get_config(self):
        config = {
            "filters": list(self.filters),
            "convs_per_block": self.convs_per_block,
            "hole_size": list(self.hole_size),
            "n_holes": list(self.n_holes),
            "pixel_fraction": list(self.pixel_fraction),
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


__all__ = ["InpaintingUNet"]
