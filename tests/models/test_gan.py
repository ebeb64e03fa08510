"""The GAN: construction, losses, the two-optimizer training step on this backend, the
NumPy-side protocol, saving with both optimizers and bit-identical resume."""

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models.gan import GAN, OptimizerPair
from unsuplab.models.gan_losses import discriminator_loss, generator_loss
from unsuplab.training import fit


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _images(n=32, seed=0):
    return np.random.default_rng(seed).random((n, 8, 8, 1)).astype(np.float32)


def _tiny(loss="nonsaturating", **kwargs):
    kwargs = {"filters": (4, 8), "image_shape": (8, 8, 1), "seed": 3, **kwargs}
    return GAN(4, loss=loss, **kwargs)


def test_networks_shapes_and_config():
    gan = _tiny()
    assert gan.generator.output_shape == (None, 8, 8, 1)
    assert gan.discriminator.output_shape == (None, 1)
    images = gan.generate(5, seed=0)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    config_ = gan.get_config()
    again = GAN.from_config(config_)
    assert [w.shape for w in again.weights] == [w.shape for w in gan.weights]
    assert config_["loss"] == "nonsaturating" and config_["spectral_norm"] is False


def test_hinge_is_spectrally_normalized_by_default():
    names = [layer.__class__.__name__ for layer in _tiny("hinge").discriminator.layers]
    assert names.count("SpectralNormalization") == 3  # two convolutions and the logit
    assert "BatchNormalization" not in names
    assert "SpectralNormalization" not in [
        layer.__class__.__name__ for layer in _tiny("wgan-gp").discriminator.layers]


@pytest.mark.parametrize("latent_dim", [0, -3])
def test_rejects_non_positive_latent_dim(latent_dim):
    with pytest.raises(ValueError, match="latent_dim must be >= 1"):
        GAN(latent_dim)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"loss": "lsgan"}, "Unknown loss"),
    ({"gp_weight": -1.0}, "gp_weight"),
    ({"d_steps": 0}, "d_steps"),
    ({"image_shape": (30, 30, 1)}, "divisible"),
])
def test_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GAN(4, filters=(4, 8), **kwargs)


def test_compile_takes_two_optimizers_only():
    gan = _tiny()
    with pytest.raises(ValueError, match="d_optimizer and g_optimizer"):
        gan.compile(optimizer="adam")
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.SGD(0.1))
    assert isinstance(gan.optimizer, OptimizerPair)
    assert isinstance(gan.g_optimizer, keras.optimizers.SGD)
    n_d = len(gan.d_optimizer.variables)
    assert n_d > 0 and len(gan.optimizer.variables) == n_d + len(gan.g_optimizer.variables)


def test_losses_by_hand():
    real = keras.ops.convert_to_tensor(np.array([[2.0], [-1.0]], np.float32))
    fake = keras.ops.convert_to_tensor(np.array([[0.5], [-3.0]], np.float32))
    sp = np.logaddexp  # softplus(t) = logaddexp(0, t)
    ns_d = np.mean(sp(0, -np.array([2.0, -1.0]))) + np.mean(sp(0, np.array([0.5, -3.0])))
    np.testing.assert_allclose(_np(discriminator_loss("nonsaturating", real, fake)), ns_d,
                               rtol=1e-6)
    np.testing.assert_allclose(_np(generator_loss("nonsaturating", fake)),
                               np.mean(sp(0, -np.array([0.5, -3.0]))), rtol=1e-6)
    np.testing.assert_allclose(_np(generator_loss("minimax", fake)),
                               np.mean(-sp(0, np.array([0.5, -3.0]))), rtol=1e-6)
    # hinge: mean(relu(1 - [2, -1])) + mean(relu(1 + [0.5, -3])) = 1 + 0.75
    np.testing.assert_allclose(_np(discriminator_loss("hinge", real, fake)), 1.75, rtol=1e-6)
    np.testing.assert_allclose(_np(generator_loss("hinge", fake)), 1.25, rtol=1e-6)
    np.testing.assert_allclose(_np(discriminator_loss("wgan-gp", real, fake)), -1.75, rtol=1e-6)


@pytest.mark.parametrize("loss", ["nonsaturating", "hinge", "wgan-gp", "minimax"])
def test_training_step_updates_both_networks(loss):
    config.set_seed(0)
    gan = _tiny(loss, d_steps=2 if loss == "wgan-gp" else 1)
    gan.compile()
    g_before = [_np(w).copy() for w in gan.generator.trainable_weights]
    d_before = [_np(w).copy() for w in gan.discriminator.trainable_weights]
    history = fit(gan, _images(), epochs=1, batch_size=8, verbose=0)
    expected = {"d_loss", "g_loss"} | ({"gradient_penalty"} if loss == "wgan-gp" else set())
    assert set(history.history) == expected
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert int(_np(gan.g_optimizer.iterations)) == 4
    assert int(_np(gan.d_optimizer.iterations)) == 4 * gan.d_steps
    assert any(not np.allclose(a, _np(b)) for a, b in
               zip(g_before, gan.generator.trainable_weights, strict=True))
    assert any(not np.allclose(a, _np(b)) for a, b in
               zip(d_before, gan.discriminator.trainable_weights, strict=True))


def test_discriminator_learns_to_tell_real_from_fake():
    config.set_seed(0)
    gan = _tiny()
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(0.0))
    x = np.zeros((32, 8, 8, 1), np.float32)
    x[:, 2:6, 2:6] = 1.0  # every real image: a white square
    fit(gan, x, epochs=3, batch_size=8, verbose=0)
    assert gan.discriminate(x).mean() > gan.discriminate(gan.generate(32, seed=0)).mean() + 1.0


def test_numpy_side_methods_and_their_errors():
    gan = _tiny()
    z = gan.sample_latent(3, seed=5)
    np.testing.assert_array_equal(z, gan.sample_latent(3, seed=5))
    np.testing.assert_array_equal(gan.decode(z), gan.decode(z))
    assert gan.decode(z[0]).shape == (1, 8, 8, 1)
    path = gan.interpolate(z[0], z[1], steps=5)
    assert path.shape == (5, 8, 8, 1)
    np.testing.assert_allclose(path[0], gan.decode(z[0])[0], atol=1e-6)
    np.testing.assert_allclose(path[-1], gan.decode(z[1])[0], atol=1e-6)
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 4\)"):
        gan.decode(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="steps must be >= 2"):
        gan.interpolate(z[0], z[1], steps=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gan.discriminate(np.full((2, 8, 8, 1), 255.0, np.float32))
    with pytest.raises(ValueError, match="n must be >= 1"):
        gan.generate(0)


@pytest.mark.parametrize("loss", ["nonsaturating", "hinge"])
def test_save_load_keeps_both_optimizers(tmp_path, loss):
    gan = _tiny(loss)
    gan.compile(d_optimizer=keras.optimizers.Adam(3e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    fit(gan, _images(16), epochs=1, batch_size=8, verbose=0)
    gan.save(tmp_path / "gan.keras")
    back = keras.saving.load_model(tmp_path / "gan.keras", safe_mode=True)
    assert type(back) is GAN and back.loss_name == loss
    assert float(_np(back.d_optimizer.learning_rate)) == pytest.approx(3e-4)
    assert float(_np(back.g_optimizer.learning_rate)) == pytest.approx(1e-4)
    for a, b in zip(gan.optimizer.variables, back.optimizer.variables, strict=True):
        np.testing.assert_array_equal(_np(a), _np(b))
    np.testing.assert_array_equal(back.generate(4, seed=1), gan.generate(4, seed=1))


def test_a_diverged_generator_says_so():
    gan = _tiny()
    weight = gan.generator.trainable_weights[0]
    weight.assign(np.full(weight.shape, np.nan, np.float32))
    with pytest.raises(ValueError, match="NaN"):
        gan.generate(2)


def test_training_refuses_images_outside_the_unit_interval():
    gan = _tiny()
    gan.compile()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fit(gan, _images(16) * 255.0, epochs=1, batch_size=8, verbose=0)  # forgot the /255
