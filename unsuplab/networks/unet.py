"""The U-Net (Ronneberger et al., 2015): an encoder-decoder whose skip connections carry each
resolution's features across the bottleneck, so the output keeps full-resolution detail.

Used by the correction models of chapter 02 (denoiser, inpainter, blind-spot denoiser) and by
segmentation. The builder returns a functional ``keras.Model``; height and width may be left
``None`` (any image size), but every input must then have a height and width that are
multiples of :func:`unet_multiple`; :func:`pad_to_multiple` and :func:`crop` take whole images
there and back.

Example:
    >>> body = unet((None, None, 1), 1, filters=(16, 32))
    >>> padded, size = pad_to_multiple(images, unet_multiple((16, 32)))
    >>> out = crop(body.predict(padded), size)
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import check_number, check_units, describe


def _check_filters(filters):
    """1 to 5 positive ints, one per resolution (finest first)."""
    if isinstance(filters, (int, np.integer)) or not isinstance(filters, (tuple, list)):
        raise ValueError(
            f"filters must be a sequence of 1 to 5 positive ints, one per resolution. "
            f"Received: filters={filters!r}"
        )
    filters = check_units(filters, "filters", allow_empty=False)
    if len(filters) > 5:
        raise ValueError(
            f"filters must hold 1 to 5 positive ints, one per resolution. "
            f"Received: filters={filters!r}"
        )
    return filters


def unet_multiple(filters) -> int:
    """Height and width of a U-Net's input must be multiples of this: ``2 ** (len(filters) - 1)``
    (one 2x2 max pooling per resolution below the finest)."""
    return 2 ** (len(_check_filters(filters)) - 1)


def _check_input_shape(input_shape, multiple):
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    ok = shape is not None and len(shape) == 3 and all(
        s is None or (isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0)
        for s in shape
    )
    if not ok or shape[2] is None:
        raise ValueError(
            "input_shape must be (height, width, channels): positive ints, height and width "
            f"may be None. Received: input_shape={input_shape!r}"
        )
    for name, size in zip(("height", "width"), shape[:2], strict=True):
        if size is not None and size % multiple:
            raise ValueError(
                f"the input {name} must be a multiple of {multiple} (2 ** (len(filters) - 1)); "
                f"pad the images with pad_to_multiple. Received: input_shape={input_shape!r}"
            )
    return tuple(None if s is None else int(s) for s in shape)


def unet(input_shape, out_channels, *, filters=(32, 64), convs_per_block=2, name="unet"):
    """Build a U-Net: conv blocks going down with 2x2 max pooling between them, transposed
    convolutions going up, each followed by the concatenation of the encoder's features at
    that resolution (the *skip connection*) and a conv block; a 1x1 convolution as the head.

    Args:
        input_shape: ``(height, width, channels)``; height and width may be ``None``. Given
            sizes must be multiples of :func:`unet_multiple` ``(filters)``.
        out_channels: channels of the output (linear: the caller adds an activation).
        filters: channels at each resolution, finest first; ``len(filters) - 1`` poolings.
        convs_per_block: 3x3 ReLU convolutions per block.
        name: the model's name.

    Returns:
        A functional ``keras.Model`` mapping (N, H, W, C) to (N, H, W, ``out_channels``).
        Layers are named ``down{i}_conv{j}``, ``pool{i}``, ``up{i}``, ``up{i}_conv{j}`` and
        ``head``.

    Raises:
        ValueError: bad filters, counts or shape, a size that is not a multiple.
    """
    filters = _check_filters(filters)
    multiple = unet_multiple(filters)
    shape = _check_input_shape(input_shape, multiple)
    out_channels = check_number(out_channels, "out_channels", low=1, integer=True)
    convs_per_block = check_number(convs_per_block, "convs_per_block", low=1, integer=True)

    def block(h, width, prefix):
        for j in range(convs_per_block):
            h = keras.layers.Conv2D(
                width, 3, padding="same", activation="relu", name=f"{prefix}_conv{j}"
            )(h)
        return h

    inputs = keras.Input(shape, name=f"{name}_input")
    h, skips = inputs, []
    for i, width in enumerate(filters):
        h = block(h, width, f"down{i}")
        if i < len(filters) - 1:
            skips.append(h)
            h = keras.layers.MaxPooling2D(2, name=f"pool{i}")(h)
    for i in reversed(range(len(filters) - 1)):
        h = keras.layers.Conv2DTranspose(filters[i], 2, strides=2, padding="same",
                                         name=f"up{i}")(h)
        h = keras.layers.Concatenate(axis=-1, name=f"skip{i}")([h, skips[i]])
        h = block(h, filters[i], f"up{i}")
    outputs = keras.layers.Conv2D(out_channels, 1, name="head")(h)
    return keras.Model(inputs, outputs, name=name)


def check_input_size(shape, multiple):
    """Raise a clear ``ValueError`` when the known height or width of a (N, H, W, C) shape is
    not a multiple of ``multiple`` (unknown sizes, ``None``, pass): a U-Net's models call it
    before the body, which would otherwise fail deep inside with a concatenation error."""
    for name, size in zip(("height", "width"), tuple(shape)[1:3], strict=True):
        if isinstance(size, (int, np.integer)) and size % multiple:
            raise ValueError(
                f"the U-Net's input {name} must be a multiple of {multiple}; pad the images "
                f"(unsuplab.networks.unet.pad_to_multiple; denoise/inpaint do it for you). "
                f"Received: inputs of shape {tuple(shape)}"
            )


def pad_to_multiple(images, multiple):
    """Pad a NumPy batch (N, H, W, C) at the bottom and right so H and W are multiples of
    ``multiple``: mirrored (``np.pad`` mode ``"reflect"``) where the image is large enough,
    else repeated edge pixels.

    Returns:
        ``(padded, (H, W))``: the padded batch and the original size, for :func:`crop`.
    """
    multiple = check_number(multiple, "multiple", low=1, integer=True)
    x = np.asarray(images)
    if x.ndim != 4:
        raise ValueError(f"images must be a batch (N, H, W, C). Received: images={describe(x)}")
    h, w = x.shape[1:3]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if min(h, w) > max(ph, pw) else "edge"
        x = np.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)), mode=mode)
    return x, (h, w)


def crop(images, size):
    """Undo :func:`pad_to_multiple`: the top-left ``size = (H, W)`` of a batch (N, H', W', C)."""
    h, w = size
    return images[:, :h, :w]


__all__ = ["check_input_size", "crop", "pad_to_multiple", "unet", "unet_multiple"]
