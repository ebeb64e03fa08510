import math

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models import VAE
from unsuplab.models.vae import binarize, dynamic_binarization, gaussian_kl
from unsuplab.training import fit

SHAPE = (8, 8, 1)


def _tiny(latent_dim=2, **kwargs):
    kwargs.setdefault("architecture", "mlp")
    kwargs.setdefault("hidden", (16,) if kwargs["architecture"] == "mlp" else (4, 8, 16))
    kwargs.setdefault("image_shape", SHAPE)
    kwargs.setdefault("seed", 0)
    return VAE(latent_dim, **kwargs)


def _images(n=64, seed=0, shape=SHAPE):
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)


# --- construction and bad input -------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_shapes_of_encoder_decoder_and_call(architecture):
    vae = _tiny(3, architecture=architecture)
    x = _images(5)
    mean, log_var = vae.encode(x)
    assert mean.shape == log_var.shape == (5, 3)
    assert vae.decode(mean).shape == (5, *SHAPE)
    out = keras.ops.convert_to_numpy(vae(x))
    assert out.shape == (5, *SHAPE)
    assert np.all((out >= 0) & (out <= 1))  # Bernoulli means are probabilities


def test_mlp_weight_count_is_burda_like():
    vae = VAE(50, architecture="mlp", seed=0)  # 784-200-200-50, mirrored
    enc = (784 * 200 + 200) + (200 * 200 + 200) + 2 * (200 * 50 + 50)
    dec = (50 * 200 + 200) + (200 * 200 + 200) + (200 * 784 + 784)
    assert vae.encoder.count_params() == enc
    assert vae.decoder.count_params() == dec


@pytest.mark.parametrize("latent_dim", [0, -3])
def test_rejects_non_positive_latent_dim(latent_dim):
    match = f"latent_dim must be >= 1. Received: latent_dim={latent_dim}"
    with pytest.raises(ValueError, match=match):
        VAE(latent_dim)


def test_rejects_non_integer_latent_dim():
    with pytest.raises(TypeError, match="latent_dim must be an integer"):
        VAE(2.5)


@pytest.mark.parametrize("beta", [-0.1, -1])
def test_rejects_negative_beta(beta):
    with pytest.raises(ValueError, match=r"beta must be >= 0. Received: beta="):
        VAE(2, beta=beta)


def test_beta_zero_is_allowed():
    assert VAE(2, beta=0, architecture="mlp").beta == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"likelihood": "poisson"}, "Unknown likelihood; choose one of"),
        ({"architecture": "resnet"}, "Unknown architecture; choose one of"),
        ({"image_shape": (30, 30, 1)}, "divisible by 4"),
        ({"image_shape": (28, 28)}, "three positive integers"),
        ({"hidden": (32,)}, "at least 2 entries"),
        ({"hidden": 200}, "sequence of positive integers"),
        ({"seed": -1}, "seed must be >= 0"),
    ],
)
def test_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VAE(2, **kwargs)


def test_bernoulli_refuses_inputs_outside_unit_interval_in_training():
    vae = _tiny()
    vae.compile(optimizer="adam")
    x = _images(16) * 2.0  # values up to 2: not probabilities
    with pytest.raises(ValueError, match=r"likelihood=bernoulli\) needs inputs in \[0, 1\]"):
        vae.fit(x, epochs=1, batch_size=8, verbose=0)


def test_bernoulli_refuses_negative_inputs_in_compute_loss():
    vae = _tiny()
    x = _images(4) - 0.5
    with pytest.raises(Exception, match=r"needs inputs in \[0, 1\]"):
        vae.compute_loss(x=x)


@pytest.mark.parametrize("method", ["encode", "reconstruct"])
def test_numpy_methods_refuse_images_outside_unit_interval(method):
    vae = _tiny()
    with pytest.raises(ValueError, match=r"images must lie in \[0.0, 1.0\]"):
        getattr(vae, method)(_images(4) + 1.0)


def test_numpy_methods_refuse_wrong_image_shape():
    vae = _tiny()
    with pytest.raises(ValueError, match=r"images must have shape \(N, 8, 8, 1\)"):
        vae.encode(np.zeros((2, 28, 28), np.float32))


def test_decode_refuses_wrong_latent_size():
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\)"):
        _tiny().decode(np.zeros((3, 5), np.float32))


def test_gaussian_likelihood_accepts_any_real_target():
    vae = _tiny(likelihood="gaussian")
    loss = vae.compute_loss(x=_images(4) * 3.0 - 1.0)
    assert np.isfinite(keras.ops.convert_to_numpy(loss))


# --- the maths ------------------------------------------------------------------------------------


def test_gaussian_kl_by_hand():
    mean = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    log_var = np.array([[0.0, math.log(2.0)], [0.0, 0.0]], np.float32)
    # row 0: 1/2 (1 + 1 - 1 - 0) + 1/2 (2 + 0 - 1 - log 2); row 1: the prior itself, 0
    expected = [0.5 + 0.5 * (1.0 - math.log(2.0)), 0.0]
    got = keras.ops.convert_to_numpy(gaussian_kl(mean, log_var))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_bernoulli_log_likelihood_by_hand():
    vae = _tiny()
    logits = np.zeros((1, *SHAPE), np.float32)
    logits[0, 0, 0, 0] = 2.0
    x = np.zeros((1, *SHAPE), np.float32)
    x[0, 0, 0, 0] = 1.0
    p = 1.0 / (1.0 + math.exp(-2.0))
    expected = math.log(p) + 63 * math.log(0.5)
    got = keras.ops.convert_to_numpy(vae.log_likelihood(x, logits))
    np.testing.assert_allclose(got, [expected], rtol=1e-6)


def test_bernoulli_log_likelihood_is_stable_for_large_logits():
    vae = _tiny()
    logits = np.full((1, *SHAPE), 200.0, np.float32)
    got = keras.ops.convert_to_numpy(vae.log_likelihood(np.zeros((1, *SHAPE)), logits))
    np.testing.assert_allclose(got, [-200.0 * 64], rtol=1e-6)  # finite, not -inf


def test_gaussian_log_likelihood_by_hand():
    vae = _tiny(likelihood="gaussian")
    vae.log_sigma.assign(math.log(0.5))
    logits = np.zeros((1, *SHAPE), np.float32)  # mean sigmoid(0) = 0.5 everywhere
    x = np.full((1, *SHAPE), 1.0, np.float32)  # one sigma away
    per_pixel = -0.5 * 1.0 - math.log(0.5) - 0.5 * math.log(2 * math.pi)
    got = keras.ops.convert_to_numpy(vae.log_likelihood(x, logits))
    np.testing.assert_allclose(got, [64 * per_pixel], rtol=1e-5)


def test_reparameterize_has_the_posterior_moments():
    vae = _tiny(seed=3)
    mean = np.full((20000, 2), [1.0, -2.0], np.float32)
    log_var = np.full((20000, 2), [math.log(4.0), math.log(0.25)], np.float32)
    z = keras.ops.convert_to_numpy(vae.reparameterize(mean, log_var))
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [2.0, 0.5], rtol=0.03)


def test_reparameterize_is_seeded():
    mean, log_var = np.zeros((4, 2), np.float32), np.zeros((4, 2), np.float32)
    a = keras.ops.convert_to_numpy(_tiny(seed=5).reparameterize(mean, log_var))
    b = keras.ops.convert_to_numpy(_tiny(seed=5).reparameterize(mean, log_var))
    c = keras.ops.convert_to_numpy(_tiny(seed=6).reparameterize(mean, log_var))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_loss_is_reconstruction_plus_beta_times_kl():
    x = binarize(_images(8), seed=0)
    one, three = _tiny(beta=1.0, seed=7), _tiny(beta=3.0, seed=7)  # same noise stream
    three.set_weights(one.get_weights())
    values = []
    for vae in (one, three):
        total = float(keras.ops.convert_to_numpy(vae.compute_loss(x=x)))
        values.append(
            (total, float(vae.reconstruction_tracker.result()), float(vae.kl_tracker.result()))
        )
    (t1, r1, k1), (t3, r3, k3) = values
    np.testing.assert_allclose([r1, k1], [r3, k3], rtol=1e-5)  # same weights, same noise
    np.testing.assert_allclose(t1, r1 + k1, rtol=1e-5)
    np.testing.assert_allclose(t3, r3 + 3.0 * k3, rtol=1e-5)


def test_target_y_is_used_for_the_reconstruction_term():
    vae = _tiny(seed=1)
    x = binarize(_images(8), seed=0)
    clone = _tiny(seed=1)
    clone.set_weights(vae.get_weights())
    vae.compute_loss(x=x, y=np.zeros_like(x))
    clone.compute_loss(x=x)
    got, plain = vae.reconstruction_tracker.result(), clone.reconstruction_tracker.result()
    assert float(got) != float(plain)


# --- training -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fit_logs_total_reconstruction_and_kl_and_learns():
    config.set_seed(0)
    vae = _tiny(4)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    x = (_images(256) > 0.7).astype(np.float32)
    history = fit(vae, x, epochs=4, batch_size=32, map_fn=dynamic_binarization(0), verbose=0)
    h = history.history
    assert [m.name for m in vae.metrics][:3] == ["loss", "reconstruction_loss", "kl_loss"]
    assert {"loss", "reconstruction_loss", "kl_loss"} <= set(h)
    np.testing.assert_allclose(h["loss"], np.add(h["reconstruction_loss"], h["kl_loss"]), rtol=1e-4)
    assert h["loss"][-1] < h["loss"][0]


@pytest.mark.slow
def test_fit_is_reproducible_with_seeds():
    runs = []
    for _ in range(2):
        config.set_seed(1)
        vae = _tiny(2, seed=1)
        vae.compile(optimizer="adam")
        history = fit(
            vae,
            _images(64),
            epochs=2,
            batch_size=16,
            seed=1,
            map_fn=dynamic_binarization(1),
            verbose=0,
        )
        runs.append(history.history["loss"])
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-6)


@pytest.mark.slow
def test_validation_logs_the_same_terms():
    vae = _tiny()
    vae.compile(optimizer="adam")
    h = fit(
        vae, _images(32), epochs=1, batch_size=16, validation_data=_images(16), verbose=0
    ).history
    assert {"val_loss", "val_reconstruction_loss", "val_kl_loss"} <= set(h)


@pytest.mark.slow
def test_gaussian_likelihood_learns_its_sigma():
    config.set_seed(0)
    vae = _tiny(likelihood="gaussian")
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = float(vae.log_sigma.numpy())
    fit(vae, _images(128), epochs=3, batch_size=32, verbose=0)
    assert float(vae.log_sigma.numpy()) != before


# --- NumPy helpers --------------------------------------------------------------------------------


def test_encode_accepts_uint8_and_missing_channel_axis():
    vae = _tiny()
    x = _images(3)
    as_uint8 = np.round(x[..., 0] * 255).astype(np.uint8)
    np.testing.assert_allclose(
        vae.encode(as_uint8)[0],
        vae.encode(as_uint8.astype(np.float32)[..., None] / 255)[0],
        rtol=1e-6,
    )


def test_encode_in_batches_matches_one_batch():
    vae = _tiny()
    x = _images(10)
    np.testing.assert_allclose(vae.encode(x, batch_size=3)[0], vae.encode(x)[0], rtol=1e-5)


def test_sample_is_seeded_and_in_range():
    vae = _tiny()
    a, b = vae.sample(6, seed=0), vae.sample(6, seed=0)
    assert a.shape == (6, *SHAPE)
    np.testing.assert_array_equal(a, b)
    assert np.all((a >= 0) & (a <= 1))
    with pytest.raises(ValueError, match="n must be >= 1"):
        vae.sample(0)


def test_interpolate_goes_from_a_to_b():
    vae = _tiny()
    x = _images(2)
    path = vae.interpolate(x[0], x[1], steps=5)
    assert path.shape == (5, *SHAPE)
    ends = vae.reconstruct(x)
    np.testing.assert_allclose(path[0], ends[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(path[-1], ends[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="steps must be >= 2"):
        vae.interpolate(x[0], x[1], steps=1)
    with pytest.raises(ValueError, match="a must have rank 2 or 3"):
        vae.interpolate(x, x[1])


def test_binarize_is_seeded_and_unbiased():
    x = np.full((200, 8, 8), 0.3, np.float32)
    a, b = binarize(x, seed=0), binarize(x, seed=0)
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert abs(a.mean() - 0.3) < 0.01
    assert not np.array_equal(a, binarize(x, seed=1))
    np.testing.assert_array_equal(binarize(np.zeros((2, 3), np.uint8), seed=0), 0.0)
    with pytest.raises(ValueError, match=r"must lie in \[0.0, 1.0\]"):
        binarize(x + 1.0)


def test_dynamic_binarization_draws_a_new_binary_batch_each_time():
    import tensorflow as tf

    fn = dynamic_binarization(seed=3)
    x = tf.fill((4, 8, 8, 1), 0.5)
    labels = tf.range(4)
    ds = tf.data.Dataset.from_tensors((x, labels)).repeat(2).map(fn)
    (first, l1), (second, _) = list(ds)
    first, second = first.numpy(), second.numpy()
    assert set(np.unique(first)) <= {0.0, 1.0}
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(l1.numpy(), labels.numpy())  # extras pass through
    with pytest.raises(ValueError, match="seed must be >= 0"):
        dynamic_binarization(-1)


# --- serialization --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("architecture", "likelihood"), [("conv", "bernoulli"), ("mlp", "gaussian")]
)
def test_keras_round_trip_is_exact_and_resumable(tmp_path, architecture, likelihood):
    config.set_seed(0)
    vae = _tiny(3, architecture=architecture, likelihood=likelihood, beta=2.0, seed=4)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = binarize(_images(32), seed=0) if likelihood == "bernoulli" else _images(32)
    fit(vae, x, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "vae.keras"
    vae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, VAE)
    assert loaded.get_config() == vae.get_config()
    np.testing.assert_allclose(loaded.reconstruct(x[:4]), vae.reconstruct(x[:4]), rtol=1e-6)
    # resumable: optimizer step count and the noise stream's state come back too
    assert int(loaded.optimizer.iterations.numpy()) == int(vae.optimizer.iterations.numpy()) == 4
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.seed_generator.state),
        keras.ops.convert_to_numpy(vae.seed_generator.state),
    )
    mean, log_var = np.zeros((3, 3), np.float32), np.zeros((3, 3), np.float32)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.reparameterize(mean, log_var)),
        keras.ops.convert_to_numpy(vae.reparameterize(mean, log_var)),
    )
    history = fit(loaded, x, epochs=2, initial_epoch=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert int(loaded.optimizer.iterations.numpy()) == 8
