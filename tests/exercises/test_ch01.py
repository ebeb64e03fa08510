"""Mutation audit of exercise 01.6 (a convolutional autoencoder built from layers, trained by the
checker): common wrong models fail, each with feedback that names the problem and not the
answer; the reference solution passes (``test_solutions``)."""

import re

import keras
import pytest

from tests.exercises._helpers import mistake_cases
from unsuplab.exercises import Mismatch, verify

L = keras.layers


def _autoencoder(*, code_factor=1, up=2, padding="same", channels=1, out="sigmoid",
                 hidden="relu", conv=True, dense=0, from_image=False, relu_sigmoid=False,
                 same_codes=False):
    """The reference architecture with one thing changed (the keyword that differs)."""

    def build(latent_dim):
        image = keras.Input((28, 28, 1))
        if conv:
            h = L.Conv2D(16, 3, strides=2, padding="same", activation=hidden)(image)
            h = L.Conv2D(32, 3, strides=2, padding="same", activation=hidden)(h)
            h = L.Flatten()(h)
        else:
            h = L.Flatten()(image)
        if dense:
            h = L.Dense(dense, activation=hidden)(h)
        if same_codes:  # the code from a constant, not from the image
            h = L.Lambda(lambda t: keras.ops.zeros_like(t))(h)
        code = L.Dense(latent_dim * code_factor)(h)
        encoder = keras.Model(image, code)

        z = keras.Input((28, 28, 1) if from_image else (latent_dim,))
        h = L.Flatten()(z) if from_image else z
        if dense:
            h = L.Dense(dense, activation=hidden)(h)
        if not conv:
            out_image = L.Reshape((28, 28, 1))(L.Dense(784, activation=out)(h))
            return encoder, keras.Model(z, out_image)
        h = L.Dense(7 * 7 * 32, activation=hidden)(h)
        h = L.Reshape((7, 7, 32))(h)
        for _ in range(up - 1):
            h = L.Conv2DTranspose(16, 3, strides=2, padding=padding, activation=hidden)(h)
        if relu_sigmoid:
            h = L.Conv2DTranspose(channels, 3, strides=2, padding=padding, activation="relu")(h)
            out_image = L.Activation("sigmoid")(h)
        else:
            out_image = L.Conv2DTranspose(channels, 3, strides=2, padding=padding,
                                          activation=out)(h)
        return encoder, keras.Model(z, out_image)

    return build


MISTAKES = {"01.6": {
    "code-too-wide": _autoencoder(code_factor=2),
    "one-upsampling-short": _autoencoder(up=1),
    "valid-padding": _autoencoder(padding="valid"),
    "three-channels": _autoencoder(channels=3),
    "no-output-activation": _autoencoder(out=None),
    "relu-output": _autoencoder(out="relu"),
    "no-convolution": _autoencoder(conv=False),
    "over-budget": _autoencoder(dense=512),
    "decoder-sees-the-image": _autoencoder(from_image=True),
    "constant-codes": _autoencoder(same_codes=True),
    "relu-before-sigmoid": _autoencoder(relu_sigmoid=True),
    "one-model-returned": lambda latent_dim: _autoencoder()(latent_dim)[0],
}}


@pytest.mark.parametrize(("ex", "wrong"), mistake_cases(MISTAKES))
def test_common_mistakes_fail(ex, wrong):
    with pytest.raises(Mismatch) as info:
        verify(ex, wrong)
    message = str(info.value)
    # the feedback never hands over the answer's layers or activation
    for answer in ("sigmoid", "Conv2DTranspose(", "padding=\"same\"", "Dense(7"):
        assert answer not in message, (answer, message)


@pytest.mark.parametrize(("wrong", "says"), [
    (_autoencoder(code_factor=2), "codes of shape (4, 3)"),
    (_autoencoder(out=None), "outside [0, 1]"),
    (_autoencoder(dense=512), "the budget is 250,000"),
    (_autoencoder(from_image=True), "start from the code alone"),
    (_autoencoder(relu_sigmoid=True), "dB below"),
])
def test_feedback_names_the_problem(wrong, says):
    with pytest.raises(Mismatch, match=re.escape(says)):
        verify("01.6", wrong)
