import math

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models import ContrastiveEncoder
from unsuplab.models.contrastive import nt_xent
from unsuplab.training import fit

SHAPE = (8, 8, 1)


def _tiny(latent_dim=4, **kwargs):
    kwargs.setdefault("filters", (4, 8))
    kwargs.setdefault("dense_units", (8,) if kwargs.get("architecture", "conv") == "conv" else ())
    kwargs.setdefault("projection_units", (8,))
    kwargs.setdefault("projection_dim", 4)
    kwargs.setdefault("image_shape", SHAPE)
    kwargs.setdefault("seed", 0)
    return ContrastiveEncoder(latent_dim, **kwargs)


def _images(n=32, seed=0, shape=SHAPE):
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _nt_xent_numpy(z1, z2, tau):
    z = np.concatenate([z1, z2]).astype(np.float64)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    n = len(z1)
    total = 0.0
    for i in range(2 * n):
        p = (i + n) % (2 * n)
        s = z @ z[i] / tau
        others = [k for k in range(2 * n) if k != i]
        total += -(s[p] - np.log(np.exp(s[others]).sum()))
    return total / (2 * n)


# --- the loss -----------------------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0])
def test_nt_xent_matches_a_loop_by_hand(tau):
    rng = np.random.default_rng(0)
    z1, z2 = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    loss, _ = nt_xent(z1, z2, tau)
    np.testing.assert_allclose(float(_np(loss)), _nt_xent_numpy(z1, z2, tau), rtol=1e-5)


def test_nt_xent_limits_and_accuracy():
    z = np.eye(4, dtype=np.float32)
    loss, acc = nt_xent(z, z, 0.05)  # partners identical, negatives orthogonal: near 0
    assert float(_np(loss)) < 1e-6 and float(_np(acc)) == 1.0
    same = np.ones((4, 3), np.float32)
    loss, _ = nt_xent(same, same, 0.5)  # every view alike: chance, log(2N - 1)
    np.testing.assert_allclose(float(_np(loss)), math.log(7), rtol=1e-5)
    assert _tiny().chance_loss(4) == pytest.approx(math.log(7))


def test_nt_xent_does_not_depend_on_the_scale_of_z():
    rng = np.random.default_rng(1)
    z1, z2 = rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=(6, 4)).astype(np.float32)
    a, _ = nt_xent(z1, z2, 0.5)
    b, _ = nt_xent(10 * z1, 0.1 * z2, 0.5)
    np.testing.assert_allclose(float(_np(a)), float(_np(b)), rtol=1e-5)


# --- construction, protocol, bad input ----------------------------------------------------------


@pytest.mark.parametrize("architecture", ["conv", "resnet"])
def test_encode_project_and_call_shapes(architecture):
    model = _tiny(5, architecture=architecture)
    x = _images(6)
    assert model.encode(x).shape == (6, 5)
    assert model.project(x).shape == (6, 4)
    assert _np(model(x)).shape == (6, 5)
    np.testing.assert_allclose(model.encode(x), _np(model(x)), rtol=1e-5, atol=1e-6)


def test_encode_accepts_uint8_without_channel_axis():
    model = _tiny()
    x = np.round(_images(3)[..., 0] * 255).astype(np.uint8)
    np.testing.assert_allclose(model.encode(x), model.encode(x.astype(np.float32)[..., None] / 255),
                               rtol=1e-5, atol=1e-6)


def test_conv_weight_count():
    model = _tiny(4)  # 8 -> 4 -> 2 (8 maps, BN) -> dense 8 (BN) -> 4
    enc = (9 * 4 + 2 * 4 * 2) + (9 * 4 * 8 + 2 * 8 * 2) + (32 * 8 + 2 * 8 * 2) + (8 * 4 + 4)
    assert model.encoder.count_params() == enc
    head = (4 * 8 + 2 * 8 * 2) + (8 * 4 + 4)
    assert model.head.count_params() == head


def test_augment_shows_views_in_the_callers_layout():
    model = _tiny()
    x = _images(4)[..., 0]
    a, b = model.augment(x, seed=0), model.augment(x, seed=0)
    assert a.shape == x.shape
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, model.augment(x, seed=1))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"temperature": 0}, ValueError, "temperature must be > 0"),
        ({"architecture": "vit"}, ValueError, "Unknown architecture"),
        ({"area": (0.0, 1.0)}, ValueError, "area must be > 0"),
        ({"brightness": 1.5}, ValueError, "brightness must be <= 1"),
        ({"cutout": -2}, ValueError, "cutout must be >= 0"),
        ({"image_shape": (10, 10, 1)}, ValueError, "divisible by 4"),
        ({"architecture": "resnet", "dense_units": (8,)}, ValueError, "dense_units only"),
        ({"projection_dim": 0}, ValueError, "projection_dim must be >= 1"),
        ({"seed": -1}, ValueError, "seed must be >= 0"),
    ],
)
def test_rejects_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=match):
        _tiny(**kwargs)


def test_rejects_bad_images():
    model = _tiny()
    with pytest.raises(ValueError, match=r"images must have shape \(N, 8, 8, 1\)"):
        model.encode(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.encode(_images(2) * 255)
    with pytest.raises(ValueError, match="NaN"):
        model.encode(np.full((2, *SHAPE), np.nan, np.float32))


def test_a_diverged_model_says_so():
    model = _tiny()
    layer = model.encoder.get_layer("code")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, np.full_like(bias, np.nan)])
    with pytest.raises(ValueError, match="weights are NaN or infinite"):
        model.encode(_images(2))


def test_loss_draws_fresh_seeded_views():
    x = _images(8)
    a, b = _tiny(seed=3), _tiny(seed=3)
    b.set_weights(a.get_weights())
    first = float(_np(a.compute_loss(x=x)))
    assert first == float(_np(b.compute_loss(x=x)))  # same seed, same views
    assert float(_np(a.compute_loss(x=x))) != first  # a new draw each call


# --- training, serialization ----------------------------------------------------------------------


def test_fit_on_uint8_learns_to_match_views():
    config.set_seed(0)
    model = _tiny(8, seed=0, area=(0.7, 1.0), brightness=0.1, contrast=0.1)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    blocks = _images(64, shape=(2, 2, 1))  # smooth images: crops keep what tells them apart
    x = np.round(np.kron(blocks, np.ones((1, 4, 4, 1))) * 255).astype(np.uint8)
    fit(model, x, epochs=6, batch_size=16, verbose=0)
    h = model.training_history
    assert [m.name for m in model.metrics][:2] == ["loss", "contrastive_accuracy"]
    assert h["loss"][-1] < h["loss"][0]
    assert h["contrastive_accuracy"][-1] > 1 / 31  # above chance


def test_keras_round_trip_is_exact(tmp_path):
    model = _tiny(3, temperature=0.2, area=(0.5, 0.9), noise=0.05, cutout=2, seed=4)
    model.compile(optimizer="adam")
    fit(model, _images(16), epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "contrastive.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, ContrastiveEncoder)
    assert loaded.get_config() == model.get_config()
    x = _images(4)
    np.testing.assert_array_equal(loaded.encode(x), model.encode(x))
    np.testing.assert_array_equal(_np(loaded.seed_generator.state), _np(model.seed_generator.state))


def test_batches_of_one_image_are_refused_by_the_model():
    """NT-Xent of one image is 0 with accuracy 1 whatever the features: the model refuses
    it through every way in (the package's fit, Keras's fit, a last batch of 1)."""
    model = _tiny()
    model.compile(optimizer="adam")
    x = _images(5)
    with pytest.raises(ValueError, match="batch_size=1"):
        fit(model, x, epochs=1, batch_size=1, verbose=0)
    # Keras's own fit: a batch size known only inside the compiled step (symbolic on
    # TensorFlow: a graph assertion; static on JAX: a ValueError while tracing)
    with pytest.raises(Exception, match="at least 2 images"):
        model.fit(x[:1], epochs=1, batch_size=1, verbose=0)
    loss, accuracy = nt_xent(np.ones((1, 3), np.float32), np.ones((1, 3), np.float32))
    assert float(_np(loss)) == 0.0 and float(_np(accuracy)) == 1.0  # why it must be refused
