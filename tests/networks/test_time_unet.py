import keras
import numpy as np
import pytest

from unsuplab import networks
from unsuplab.networks.time_unet import SinusoidalEmbedding, _groups, time_unet, widths


def _block(c_in, width, emb):
    """Weights of one residual block: shortcut (if the width changes), two group norms, two
    3x3 convolutions and the embedding's projection."""
    shortcut = c_in * width + width if c_in != width else 0
    return (shortcut + 2 * c_in + 9 * c_in * width + width + emb * width + width + 2 * width
            + 9 * width * width + width)


def _expected(channels, base, depth, emb, n_classes=None):
    w = widths(base, depth)
    total = 2 * (emb * emb + emb) + 9 * channels * w[0] + w[0]  # time MLP, stem
    c = w[0]
    for i, width in enumerate(w):
        total += _block(c, width, emb)
        c = width
        if i < depth:
            total += 9 * width * width + width  # stride-2 convolution
    total += _block(c, c, emb)  # middle
    for i in reversed(range(depth)):
        total += _block(c + w[i], w[i], emb)
        c = w[i]
    total += 2 * c + 9 * c * channels + channels  # head norm and conv
    if n_classes is not None:
        total += (n_classes + 1) * emb
    return total


def test_is_exported():
    assert "time_unet" in networks.__all__


@pytest.mark.parametrize(("n_classes", "depth"), [(None, 1), (3, 2)])
def test_weight_count_and_shapes(n_classes, depth):
    net = time_unet((8, 8, 2), base_filters=4, depth=depth, time_dim=8, n_classes=n_classes)
    assert net.count_params() == _expected(2, 4, depth, 8, n_classes)
    inputs = [np.zeros((3, 8, 8, 2), np.float32), np.linspace(0, 1, 3).astype(np.float32)]
    if n_classes is not None:
        inputs.append(np.array([0, 2, 3], np.int32))  # 3 = "no label"
    assert net(inputs).shape == (3, 8, 8, 2)


def test_chapter_size_is_the_documented_one():
    """The module docstring's count: chapter 09's network (base_filters=16, 10 classes)."""
    assert time_unet(base_filters=16).count_params() == _expected(1, 16, 2, 64) == 236305
    assert time_unet(base_filters=16, n_classes=10).count_params() == 236305 + 11 * 64
    assert widths(16, 2) == (16, 32, 64) and widths(8, 4) == (8, 16, 32, 32, 32)


def test_output_depends_on_time_and_label():
    net = time_unet((8, 8, 1), base_filters=4, depth=1, time_dim=8, n_classes=2)
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 1)).astype(np.float32)
    out = keras.ops.convert_to_numpy
    a = out(net([x, np.array([0.1, 0.1], np.float32), np.array([0, 0], np.int32)]))
    b = out(net([x, np.array([0.9, 0.9], np.float32), np.array([0, 0], np.int32)]))
    c = out(net([x, np.array([0.1, 0.1], np.float32), np.array([1, 1], np.int32)]))
    # A real dependence, not rounding: a group norm over single channels would remove the
    # embedding exactly and leave differences of ~1e-7 (what JAX showed before the fix).
    scale = np.abs(a).mean()
    assert np.abs(a - b).mean() > 1e-3 * scale and np.abs(a - c).mean() > 1e-3 * scale


@pytest.mark.parametrize(("width", "groups"),
                         [(1, 1), (2, 1), (4, 2), (6, 3), (8, 4), (12, 6), (16, 8), (64, 8)])
def test_every_norm_group_holds_two_channels(width, groups):
    assert _groups(width) == groups and width % groups == 0


def test_sinusoidal_embedding_by_hand():
    layer = SinusoidalEmbedding(4)
    t = np.array([0.0, 0.5], np.float32)
    got = keras.ops.convert_to_numpy(layer(t))
    freqs = np.exp(-np.log(10000.0) * np.arange(2) / 2)
    angles = 1000.0 * t[:, None] * freqs[None]
    np.testing.assert_allclose(got, np.concatenate([np.sin(angles), np.cos(angles)], 1),
                               rtol=1e-4, atol=1e-4)


def test_round_trip_in_safe_mode(tmp_path):
    net = time_unet((8, 8, 1), base_filters=4, depth=1, time_dim=8, n_classes=2)
    net.save(tmp_path / "net.keras")
    loaded = keras.saving.load_model(tmp_path / "net.keras", safe_mode=True)
    inputs = [np.ones((1, 8, 8, 1), np.float32), np.array([0.3], np.float32),
              np.array([1], np.int32)]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(inputs)),
                               keras.ops.convert_to_numpy(net(inputs)), rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"image_shape": (10, 10, 1), "depth": 2}, "multiples of 2 \\*\\* depth"),
        ({"depth": 0}, "depth must be >= 1"),
        ({"base_filters": 0}, "base_filters must be >= 1"),
        ({"n_classes": 0}, "n_classes must be >= 1"),
        ({"time_dim": 7}, "dim must be even"),
    ],
)
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        time_unet(**{"image_shape": (8, 8, 1), "base_filters": 4, "depth": 1, **kwargs})
