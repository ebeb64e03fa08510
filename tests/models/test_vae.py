import math

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models import VAE
from unsuplab.models.vae import binarize, gaussian_kl
from unsuplab.training import fit

SHAPE = (8, 8, 1)


def _tiny(latent_dim=2, **kwargs):
    kwargs.setdefault("architecture", "mlp")
    if kwargs["architecture"] == "mlp":
        kwargs.setdefault("hidden_units", (16,))
    else:
        kwargs.setdefault("filters", (4, 8))
        kwargs.setdefault("hidden_units", (16,))
    kwargs.setdefault("image_shape", SHAPE)
    kwargs.setdefault("seed", 0)
    return VAE(latent_dim, **kwargs)


def _images(n=64, seed=0, shape=SHAPE):
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)


def _np(x):
    return keras.ops.convert_to_numpy(x)


# --- construction and bad input -------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_shapes_of_the_latent_protocol_and_call(architecture):
    vae = _tiny(3, architecture=architecture)
    x = _images(5)
    mean, log_var = vae.encode_distribution(x)
    assert mean.shape == log_var.shape == (5, 3)
    np.testing.assert_array_equal(vae.encode(x), mean)  # the code is the posterior mean
    assert vae.decode(mean).shape == (5, *SHAPE)
    assert vae.decode(mean[0]).shape == (1, *SHAPE)
    assert vae.reconstruct(x[..., 0]).shape == (5, 8, 8)  # the caller's layout comes back
    out = _np(vae(x))
    assert out.shape == (5, *SHAPE)
    assert np.all((out >= 0) & (out <= 1))  # Bernoulli means are probabilities


def test_mlp_weight_count_is_burda_like():
    vae = VAE(50, architecture="mlp", seed=0)  # 784-200-200-50, mirrored
    enc = (784 * 200 + 200) + (200 * 200 + 200) + 2 * (200 * 50 + 50)
    dec = (50 * 200 + 200) + (200 * 200 + 200) + (200 * 784 + 784)
    assert vae.encoder.count_params() == enc
    assert vae.decoder.count_params() == dec


def test_conv_weight_count():
    vae = _tiny(2, architecture="conv")  # 8 -> 4 -> 2 (8 maps) -> dense 16 -> 2 (x2 heads)
    enc = (9 * 4 + 4) + (9 * 4 * 8 + 8) + (32 * 16 + 16) + 2 * (16 * 2 + 2)
    dec = (2 * 16 + 16) + (16 * 32 + 32) + (9 * 8 * 4 + 4) + (9 * 4 + 1)
    assert vae.encoder.count_params() == enc
    assert vae.decoder.count_params() == dec
    assert not any(type(layer).__name__ == "BatchNormalization" for layer in vae.encoder.layers)


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
        ({"image_shape": (28, 28)}, "image_shape"),
        ({"filters": ()}, "filters must not be empty"),
        ({"hidden_units": 0}, "hidden_units must be a tuple of positive integers"),
        ({"architecture": "mlp", "filters": (8,)}, "filters only applies to"),
        ({"likelihood": "gaussian", "binarize": True}, "binarize only applies to the Bernoulli"),
        ({"seed": -1}, "seed must be >= 0"),
    ],
)
def test_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VAE(2, **kwargs)


def test_training_refuses_images_outside_the_unit_interval():
    vae = _tiny(binarize=True)
    vae.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fit(vae, _images(16) * 2.0, epochs=1, batch_size=8, verbose=0)  # not probabilities
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fit(vae, _images(16), validation_data=_images(8) - 0.5, epochs=1, batch_size=8,
            verbose=0)


@pytest.mark.parametrize("method", ["encode", "encode_distribution", "reconstruct"])
def test_numpy_methods_refuse_images_outside_unit_interval(method):
    vae = _tiny()
    with pytest.raises(ValueError, match=r"images must lie in \[0, 1\]"):
        getattr(vae, method)(_images(4) + 1.0)


def test_numpy_methods_refuse_wrong_image_shape():
    vae = _tiny()
    with pytest.raises(ValueError, match=r"images must have shape \(N, 8, 8, 1\)"):
        vae.encode(np.zeros((2, 28, 28), np.float32))


def test_decode_refuses_wrong_latent_size():
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\)"):
        _tiny().decode(np.zeros((3, 5), np.float32))


def test_a_diverged_model_says_so():
    vae = _tiny()
    layer = vae.encoder.get_layer("z_mean")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, np.full_like(bias, np.inf)])
    with pytest.raises(ValueError, match="weights are NaN or infinite"):
        vae.encode(_images(2))


def test_gaussian_likelihood_accepts_any_real_target():
    vae = _tiny(likelihood="gaussian")
    loss = vae.compute_loss(x=_images(4) * 3.0 - 1.0)
    assert np.isfinite(_np(loss))


# --- the maths ------------------------------------------------------------------------------------


def test_gaussian_kl_by_hand():
    mean = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    log_var = np.array([[0.0, math.log(2.0)], [0.0, 0.0]], np.float32)
    # row 0: 1/2 (1 + 1 - 1 - 0) + 1/2 (2 + 0 - 1 - log 2); row 1: the prior itself, 0
    expected = [0.5 + 0.5 * (1.0 - math.log(2.0)), 0.0]
    np.testing.assert_allclose(_np(gaussian_kl(mean, log_var)), expected, rtol=1e-6, atol=1e-7)


def test_bernoulli_log_likelihood_by_hand():
    vae = _tiny()
    logits = np.zeros((1, *SHAPE), np.float32)
    logits[0, 0, 0, 0] = 2.0
    x = np.zeros((1, *SHAPE), np.float32)
    x[0, 0, 0, 0] = 1.0
    p = 1.0 / (1.0 + math.exp(-2.0))
    expected = math.log(p) + 63 * math.log(0.5)
    np.testing.assert_allclose(_np(vae.log_likelihood(x, logits)), [expected], rtol=1e-6)


def test_bernoulli_log_likelihood_is_stable_for_large_logits():
    vae = _tiny()
    logits = np.full((1, *SHAPE), 200.0, np.float32)
    got = _np(vae.log_likelihood(np.zeros((1, *SHAPE), np.float32), logits))
    np.testing.assert_allclose(got, [-200.0 * 64], rtol=1e-6)  # finite, not -inf


def test_gaussian_log_likelihood_by_hand():
    vae = _tiny(likelihood="gaussian")
    vae.log_sigma.assign(math.log(0.5))
    logits = np.zeros((1, *SHAPE), np.float32)  # mean sigmoid(0) = 0.5 everywhere
    x = np.full((1, *SHAPE), 1.0, np.float32)  # one sigma away
    per_pixel = -0.5 * 1.0 - math.log(0.5) - 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(_np(vae.log_likelihood(x, logits)), [64 * per_pixel], rtol=1e-5)


def test_reparameterize_has_the_posterior_moments():
    vae = _tiny(seed=3)
    mean = np.full((20000, 2), [1.0, -2.0], np.float32)
    log_var = np.full((20000, 2), [math.log(4.0), math.log(0.25)], np.float32)
    z = _np(vae.reparameterize(mean, log_var))
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [2.0, 0.5], rtol=0.03)


def test_reparameterize_is_seeded():
    mean, log_var = np.zeros((4, 2), np.float32), np.zeros((4, 2), np.float32)
    a = _np(_tiny(seed=5).reparameterize(mean, log_var))
    b = _np(_tiny(seed=5).reparameterize(mean, log_var))
    c = _np(_tiny(seed=6).reparameterize(mean, log_var))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_binarize_batch_draws_a_fresh_unbiased_binary_batch():
    vae = _tiny(binarize=True, seed=3)
    x = np.full((64, *SHAPE), 0.3, np.float32)
    first, second = _np(vae.binarize_batch(x)), _np(vae.binarize_batch(x))
    assert set(np.unique(first)) <= {0.0, 1.0}
    assert not np.array_equal(first, second)  # a new draw each batch
    assert abs(first.mean() - 0.3) < 0.02
    binary = binarize(_images(8), seed=0)
    np.testing.assert_array_equal(_np(vae.binarize_batch(binary)), binary)  # already binary
    again = _tiny(binarize=True, seed=3)
    np.testing.assert_array_equal(_np(again.binarize_batch(x)), first)  # seeded


def test_loss_binarizes_the_input_when_asked():
    grey = np.full((8, *SHAPE), 0.5, np.float32)
    soft, hard = _tiny(seed=2), _tiny(seed=2, binarize=True)
    hard.set_weights(soft.get_weights())
    _np(soft.compute_loss(x=grey))
    _np(hard.compute_loss(x=grey))
    # soft targets: -sum log p(x=0.5) >= 64 log 2 per image; binary targets need not be
    assert float(soft.reconstruction_tracker.result()) != pytest.approx(
        float(hard.reconstruction_tracker.result()), rel=1e-3
    )
    binary = binarize(grey, seed=0)
    hard_b, plain_b = _tiny(seed=2, binarize=True), _tiny(seed=2)
    for model in (hard_b, plain_b):
        model.set_weights(soft.get_weights())
    # binary input: binarizing changes nothing, both see the same images and the same noise
    np.testing.assert_allclose(
        _np(hard_b.loss_terms(binary)[1]), _np(plain_b.loss_terms(binary)[1]), rtol=1e-6
    )


def test_loss_is_reconstruction_plus_beta_times_kl():
    x = binarize(_images(8), seed=0)
    one, three = _tiny(beta=1.0, seed=7), _tiny(beta=3.0, seed=7)  # same noise stream
    three.set_weights(one.get_weights())
    values = []
    for vae in (one, three):
        total = float(_np(vae.compute_loss(x=x)))
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
    vae = _tiny(4, binarize=True)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    x = (_images(256) > 0.7).astype(np.float32)
    fit(vae, x, epochs=4, batch_size=32, validation_data=x[:32], verbose=0)
    h = vae.training_history
    assert [m.name for m in vae.metrics][:3] == ["loss", "reconstruction_loss", "kl_loss"]
    assert {"loss", "reconstruction_loss", "kl_loss", "val_loss", "val_kl_loss"} <= set(h)
    np.testing.assert_allclose(h["loss"], np.add(h["reconstruction_loss"], h["kl_loss"]), rtol=1e-4)
    assert h["loss"][-1] < h["loss"][0]


@pytest.mark.slow
def test_fit_is_reproducible_with_seeds():
    runs = []
    for _ in range(2):
        config.set_seed(1)
        vae = _tiny(2, seed=1, binarize=True)
        vae.compile(optimizer="adam")
        fit(vae, _images(64), epochs=2, batch_size=16, seed=1, verbose=0)
        runs.append(vae.training_history["loss"])
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.slow
def test_gaussian_likelihood_learns_its_sigma():
    config.set_seed(0)
    vae = _tiny(likelihood="gaussian")
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = float(_np(vae.log_sigma))
    fit(vae, _images(128), epochs=3, batch_size=32, verbose=0)
    assert float(_np(vae.log_sigma)) != before


# --- NumPy helpers --------------------------------------------------------------------------------


def test_encode_accepts_uint8_and_missing_channel_axis():
    vae = _tiny()
    x = _images(3)
    as_uint8 = np.round(x[..., 0] * 255).astype(np.uint8)
    np.testing.assert_allclose(
        vae.encode(as_uint8), vae.encode(as_uint8.astype(np.float32)[..., None] / 255), rtol=1e-6
    )


def test_encode_in_batches_matches_one_batch():
    vae = _tiny()
    x = _images(10)
    np.testing.assert_allclose(vae.encode(x, batch_size=3), vae.encode(x), rtol=1e-5)


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


# --- serialization --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("architecture", "likelihood"), [("conv", "bernoulli"), ("mlp", "gaussian")]
)
def test_keras_round_trip_is_exact(tmp_path, architecture, likelihood):
    vae = _tiny(3, architecture=architecture, likelihood=likelihood, beta=2.0, seed=4,
                binarize=likelihood == "bernoulli")
    path = tmp_path / "vae.keras"
    vae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, VAE)
    assert loaded.get_config() == vae.get_config()
    x = _images(4)
    np.testing.assert_allclose(loaded.reconstruct(x), vae.reconstruct(x), rtol=1e-6)
    np.testing.assert_array_equal(_np(loaded.seed_generator.state), _np(vae.seed_generator.state))

