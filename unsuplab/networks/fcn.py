"""A small fully-convolutional network: per-pixel features, any image size.

The feature network of differentiable feature clustering (Kim, Kanezaki & Tanaka 2020):
``len(filters)`` blocks of ``Conv2D(f, kernel_size, "same") -> ReLU -> normalization``, then a
1x1 ``Conv2D(n_outputs)`` and a last normalization. No stride and no pooling: the output has
the input's height and width, one ``n_outputs``-vector per pixel (the *response*). A pixel
sees a window of ``1 + len(filters) * (kernel_size - 1)`` pixels.

Convolutions pad by *reflection* (:class:`ReflectionPadding2D`), not with zeros: with zero
padding the border pixels see a dark frame that no interior pixel sees, and the clustering
gives the image's border a segment of its own.

The normalization is per image and per channel over the pixels (``GroupNormalization`` with
``groups=-1``, i.e. instance normalization). Kim et al. use batch normalization on a batch of
one image, which computes the same statistics in training; instance normalization also keeps
them at inference (no running averages to go stale) and on batches of several images.

Example:
    >>> net = fcn(3, filters=(32, 32), n_outputs=16, seed=0)   # (N, H, W, 3) -> (N, H, W, 16)
"""

from __future__ import annotations

import keras
from keras import layers, ops

from .._validation import check_number, check_units


@keras.saving.register_keras_serializable(package="unsuplab")
class ReflectionPadding2D(layers.Layer):
    """Pad (N, H, W, C) by ``padding`` pixels on each side, mirroring the image (no zeros)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = check_number(padding, "padding", low=0, integer=True)

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        grow = lambda s: None if s is None else s + 2 * self.padding  # noqa: E731
        return (n, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def fcn(input_channels, *, filters=(32, 32), n_outputs=16, kernel_size=3, seed=None,
        name="fcn"):
    """Build the fully-convolutional feature network (see the module docstring).

    Args:
        input_channels: channels of the input image or feature map (>= 1).
        filters: the width of each 3x3 block (a tuple of positive ints, at least one).
        n_outputs: channels of the response (the number of possible clusters).
        kernel_size: odd spatial size of the convolutions.
        seed: seeds the weight initializers (``None``: Keras's global generator).

    Returns:
        A functional ``keras.Model`` mapping (N, H, W, input_channels) to
        (N, H, W, n_outputs) for any H and W.
    """
    input_channels = check_number(input_channels, "input_channels", low=1, integer=True)
    filters = check_units(filters, "filters", allow_empty=False)
    n_outputs = check_number(n_outputs, "n_outputs", low=2, integer=True)
    kernel_size = check_number(kernel_size, "kernel_size", low=1, integer=True)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd. Received: kernel_size={kernel_size}")
    if seed is not None:
        seed = check_number(seed, "seed", low=0, integer=True)

    def init(i):
        return keras.initializers.HeNormal(seed=None if seed is None else seed * 101 + i)

    inputs = keras.Input((None, None, input_channels), name="image")
    h = inputs
    for i, f in enumerate(filters):
        if kernel_size > 1:
            h = ReflectionPadding2D(kernel_size // 2, name=f"pad{i}")(h)
        h = layers.Conv2D(f, kernel_size, padding="valid", kernel_initializer=init(i),
                          name=f"conv{i}")(h)
        h = layers.ReLU(name=f"relu{i}")(h)
        h = layers.GroupNormalization(groups=-1, name=f"norm{i}")(h)
    h = layers.Conv2D(n_outputs, 1, kernel_initializer=init(len(filters)), name="response")(h)
    outputs = layers.GroupNormalization(groups=-1, name="response_norm")(h)
    return keras.Model(inputs, outputs, name=name)


__all__ = ["ReflectionPadding2D", "fcn"]
