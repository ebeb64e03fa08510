"""The images the build-and-train exercises train on: the first images of Fashion-MNIST's
training and test sets, read once per session."""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def fashion_subset(n_train: int, n_test: int):
    """``(x_train, y_train, x_test, y_test)``: the first ``n_train`` training and ``n_test``
    test images, float32 (N, 28, 28, 1) in [0, 1], and their labels. The arrays are shared
    between calls: do not write to them."""
    from ..data import load_fashion_mnist

    (x_train, y_train), (x_test, y_test), _ = load_fashion_mnist()
    scale = np.float32(1 / 255)
    out = (x_train[:n_train, :, :, None] * scale, y_train[:n_train],
           x_test[:n_test, :, :, None] * scale, y_test[:n_test])
    for a in out:
        a.flags.writeable = False
    return out
