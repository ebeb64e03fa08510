import math

import keras
import numpy as np
import pytest
from scipy.special import logsumexp

from unsuplab import config, metrics
from unsuplab.models import VAE
from unsuplab.models.vae import binarize

SHAPE = (4, 4, 1)


@pytest.fixture(scope="module")
def model():
    """A tiny 1-D-latent VAE: its exact log-likelihood is a 1-D integral we can compute."""
    config.set_seed(0)
    vae = VAE(1, architecture="mlp", hidden_units=(8,), image_shape=SHAPE, seed=0)
    # the decoder's weights drawn here, not by the backend's initializers: the same model (and
    # the same numbers) on every backend
    rng = np.random.default_rng(0)
    for layer in vae.decoder.layers:
        if layer.weights:
            kernel, bias = layer.get_weights()
            scale = np.sqrt(6.0 / sum(kernel.shape))  # Glorot uniform
            layer.set_weights([rng.uniform(-scale, scale, kernel.shape).astype(np.float32), bias])
    # a decoder that depends strongly on z: the true posterior is narrow ...
    first = vae.decoder.get_layer("dec_dense1")
    kernel, bias = first.get_weights()
    first.set_weights([kernel * 4.0, bias])
    # ... and an encoder q(z|x) = N(0.3, 1), wider than it: a real ELBO gap, and importance
    # weights p(x|z) p(z) / q(z) with light tails, so that k = 4000 converges to the truth
    for name, (w, b) in {"z_mean": (0.0, 0.3), "z_log_var": (0.0, 0.0)}.items():
        layer = vae.encoder.get_layer(name)
        kernel, bias = layer.get_weights()
        layer.set_weights([np.full_like(kernel, w), np.full_like(bias, b)])
    return vae


@pytest.fixture(scope="module")
def images():
    x = np.random.default_rng(1).random((12, *SHAPE)).astype(np.float32)
    return binarize(x, seed=0)


def exact_log_px(model, images):
    """log p(x) = log ∫ p(x|z) N(z; 0, 1) dz by quadrature on a fine grid (1-D latent)."""
    z = np.linspace(-10.0, 10.0, 8001, dtype=np.float32)[:, None]
    dz = float(z[1, 0] - z[0, 0])
    logits = model.decoder_output(z, batch_size=len(z))
    log_prior = -0.5 * (z[:, 0].astype(np.float64) ** 2 + math.log(2 * math.pi))
    out = []
    for x in images:
        x_rep = np.broadcast_to(x, (len(z), *x.shape))
        log_px_z = keras.ops.convert_to_numpy(model.log_likelihood(x_rep, logits))
        out.append(logsumexp(log_px_z.astype(np.float64) + log_prior) + math.log(dz))
    return np.array(out)


def test_iwae_converges_to_the_exact_log_likelihood(model, images):
    exact_nll = -exact_log_px(model, images)
    iwae = metrics.iwae_nll(model, images, k=4000, seed=0, per_image=True)
    np.testing.assert_allclose(iwae, exact_nll, atol=0.05)


def test_bounds_are_ordered_elbo_iwae_exact(model, images):
    exact_nll = float(np.mean(-exact_log_px(model, images)))
    neg_elbo = -metrics.elbo(model, images, n_samples=200, seed=0)
    iwae = [metrics.iwae_nll(model, images, k=k, seed=0) for k in (1, 10, 100, 1000)]
    assert neg_elbo > exact_nll + 0.1  # the ELBO's gap is real for this posterior
    assert iwae[-1] <= neg_elbo
    # in expectation the bound tightens with k (strictly here: the gap is large)
    assert iwae[1] < iwae[0] and iwae[2] < iwae[1] and iwae[3] < iwae[2]
    assert iwae[-1] >= exact_nll - 0.05  # never (meaningfully) below the truth


def test_iwae_with_one_sample_is_an_elbo_estimate(model, images):
    many = np.repeat(images, 50, axis=0)
    one = metrics.iwae_nll(model, many, k=1, seed=0)
    neg_elbo = -metrics.elbo(model, many, n_samples=1, seed=1)
    assert abs(one - neg_elbo) < 0.05 * abs(neg_elbo)


def test_elbo_terms_add_up(model, images):
    terms = metrics.elbo_terms(model, images, n_samples=3, seed=0)
    assert set(terms) == {"reconstruction", "kl", "elbo"}
    for value in terms.values():
        assert value.shape == (len(images),)
    np.testing.assert_allclose(terms["elbo"], -terms["reconstruction"] - terms["kl"])
    assert np.all(terms["kl"] >= 0)
    assert metrics.elbo(model, images, n_samples=3, seed=0) == pytest.approx(
        terms["elbo"].mean()
    )


def test_kl_per_dimension_matches_the_elbo_kl(model, images):
    per_dim = metrics.kl_per_dimension(model, images)
    assert per_dim.shape == (1,)
    terms = metrics.elbo_terms(model, images, seed=0)
    np.testing.assert_allclose(per_dim.sum(), terms["kl"].mean(), rtol=1e-6)


def test_results_are_seeded_and_chunking_does_not_change_them(model, images):
    a = metrics.iwae_nll(model, images, k=64, seed=3, chunk=64, per_image=True)
    b = metrics.iwae_nll(model, images, k=64, seed=3, chunk=7, per_image=True)
    c = metrics.iwae_nll(model, images, k=64, seed=4, chunk=64, per_image=True)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert not np.allclose(a, c)
    assert a.shape == (len(images),)
    assert metrics.elbo(model, images, seed=5) == metrics.elbo(model, images, seed=5)


def test_log_importance_weights_shape(model, images):
    log_w = metrics.log_importance_weights(model, images[:3], k=5, seed=0)
    assert log_w.shape == (5, 3)
    assert np.all(np.isfinite(log_w))


def test_unit_activity_and_active_units():
    vae = VAE(3, architecture="mlp", hidden_units=(8,), image_shape=SHAPE, seed=0)
    dense_mean = vae.encoder.get_layer("z_mean")
    kernel, bias = dense_mean.get_weights()
    kernel[:, 1] = 0.0  # the second unit's posterior mean ignores the image: inactive
    dense_mean.set_weights([kernel, bias])
    x = np.random.default_rng(0).random((50, *SHAPE)).astype(np.float32)
    activity = metrics.unit_activity(vae, x)
    assert activity.shape == (3,)
    assert activity[1] == pytest.approx(0.0, abs=1e-12)
    assert metrics.active_units(vae, x, threshold=0.0) == 2
    assert metrics.active_units(vae, x, threshold=1e9) == 0


def test_grey_images_are_refused_for_a_bernoulli_model(model):
    grey = np.full((2, *SHAPE), 0.5, np.float32)
    for fn in (metrics.elbo, metrics.iwae_nll, metrics.elbo_terms):
        with pytest.raises(ValueError, match="binarize"):
            fn(model, grey)


def test_gaussian_models_accept_grey_images():
    vae = VAE(2, architecture="mlp", hidden_units=(8,), image_shape=SHAPE, likelihood="gaussian")
    grey = np.random.default_rng(0).random((4, *SHAPE)).astype(np.float32)
    assert np.isfinite(metrics.iwae_nll(vae, grey, k=8))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"k": 0}, ValueError, "k must be >= 1"),
        ({"k": 2.5}, TypeError, "k must be an integer"),
        ({"chunk": 0}, ValueError, "chunk must be >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ],
)
def test_iwae_rejects_bad_arguments(model, images, kwargs, error, match):
    with pytest.raises(error, match=match):
        metrics.iwae_nll(model, images, **kwargs)


def test_elbo_rejects_bad_arguments(model, images):
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        metrics.elbo(model, images, n_samples=0)
    with pytest.raises(ValueError, match=r"images must lie in \[0, 1\]"):
        metrics.elbo(model, images + 1.0)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 4, 4, 1\)"):
        metrics.elbo(model, np.zeros((2, 5, 5), np.float32))


def test_a_model_that_is_not_a_vae_is_refused(images):
    with pytest.raises(TypeError, match="model must be a unsuplab VAE"):
        metrics.iwae_nll(object(), images)
    with pytest.raises(TypeError, match="lacks encode_distribution"):
        metrics.kl_per_dimension(object(), images)


def test_uint8_images_are_accepted(model):
    binary = np.zeros((3, *SHAPE), np.uint8)
    binary[:, :2] = 255
    assert metrics.elbo(model, binary, seed=0) == pytest.approx(
        metrics.elbo(model, binary / np.float32(255), seed=0)
    )
