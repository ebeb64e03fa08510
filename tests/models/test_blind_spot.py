import keras
import numpy as np
import pytest
from keras import ops

from unsuplab import config
from unsuplab.data import gaussian_noise, random_patches
from unsuplab.metrics import psnr
from unsuplab.models import BlindSpotDenoiser
from unsuplab.training import fit


def _np(x):
    return ops.convert_to_numpy(x)


@pytest.fixture
def images():
    return np.random.default_rng(0).random((4, 12, 12)).astype(np.float32)


def test_hide_replaces_the_grid_pixels_by_their_neighbours_mean():
    model = BlindSpotDenoiser(sigma=0.1, grid=2, filters=(4,))
    y = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) / 16
    hidden, where = model._hide(ops.convert_to_tensor(y), ops.convert_to_tensor([1, 1]))
    hidden, where = _np(hidden)[0, ..., 0], _np(where)[0, ..., 0]
    assert where.sum() == 4 and where[1, 1] == 1 and where[3, 3] == 1
    # pixel (1, 1): neighbours (0,1), (2,1), (1,0), (1,2) = 1, 9, 4, 6 (/16) -> mean 5/16
    np.testing.assert_allclose(hidden[1, 1], 5 / 16)
    # pixel (3, 3) at the border: reflect padding, neighbours (2,3), (2,3), (3,2), (3,2)
    np.testing.assert_allclose(hidden[3, 3], (11 + 11 + 14 + 14) / 4 / 16)
    np.testing.assert_array_equal(hidden[where == 0], y[0, ..., 0][where == 0])


def test_prior_is_j_invariant():
    """The prior of a pixel never depends on that pixel's own noisy value."""
    config.set_seed(0)
    model = BlindSpotDenoiser(sigma=0.1, grid=3, filters=(4, 8))
    y = np.random.default_rng(0).random((12, 12)).astype(np.float32)
    mu, s2 = model.prior(y)
    changed = y.copy()
    changed[5, 7] = 1.0 - y[5, 7]
    mu2, s22 = model.prior(changed)
    assert mu[5, 7] == pytest.approx(mu2[5, 7], abs=1e-6)
    assert s2[5, 7] == pytest.approx(s22[5, 7], rel=1e-5)
    assert np.abs(mu - mu2).max() > 1e-4  # the neighbours do see it


def test_posterior_mean_formula(monkeypatch):
    model = BlindSpotDenoiser(sigma=0.2, filters=(4,))
    y = np.full((4, 4), 0.8, np.float32)
    mu = np.full((4, 4), 0.4, np.float32)
    s2 = np.full((4, 4), 0.04, np.float32)  # prior variance = noise variance: the average
    monkeypatch.setattr(model, "prior", lambda noisy, augment=True, batch_size=16: (mu, s2))
    np.testing.assert_allclose(model.denoise(y), 0.6, rtol=1e-6)
    np.testing.assert_allclose(model.denoise(y, use_centre=False), 0.4)
    np.testing.assert_allclose(model.posterior_mean(y, mu, s2), 0.6, rtol=1e-6)
    with pytest.raises(ValueError, match="mu must have the shape"):
        model.posterior_mean(y, mu[:2], s2)
    with pytest.raises(ValueError, match="s2 must be >= 0"):
        model.posterior_mean(y, mu, -s2)


def test_augmented_prior_is_the_mean_over_quarter_turns():
    config.set_seed(0)
    model = BlindSpotDenoiser(sigma=0.1, grid=3, filters=(4, 8))
    y = np.random.default_rng(1).random((10, 14)).astype(np.float32)  # not square
    mu, s2 = model.prior(y, augment=True)
    assert mu.shape == s2.shape == y.shape
    turned = [model.prior(np.rot90(y, k).copy(), augment=False) for k in range(4)]
    np.testing.assert_allclose(mu, np.mean([np.rot90(m, -k) for k, (m, _) in enumerate(turned)], 0),
                               atol=1e-6)
    np.testing.assert_allclose(s2, np.mean([np.rot90(v, -k) for k, (_, v) in enumerate(turned)], 0),
                               rtol=1e-5)
    assert not np.allclose(mu, turned[0][0], atol=1e-4)  # the turns do differ


def test_compute_loss_scores_only_the_hidden_pixels():
    """A zero body predicts mu = hidden input and s2 = 1: the loss is the Gaussian NLL of the
    hidden pixels, each replaced by the mean of its neighbours."""
    model = BlindSpotDenoiser(sigma=0.1, grid=2, filters=(4,), seed=0)
    head = model.body.get_layer("head")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    flat = np.full((2, 8, 8, 1), 0.3, np.float32)  # neighbours' mean = the pixel: no error
    total = 1.0 + 0.1**2
    expected = 0.5 * np.log(total)
    np.testing.assert_allclose(float(model.compute_loss(flat)), expected, rtol=1e-6)
    np.testing.assert_allclose(float(model.compute_loss(flat, training=False)), expected,
                               rtol=1e-6)


def test_saved_before_its_first_call_it_keeps_its_weights(tmp_path):
    model = BlindSpotDenoiser(sigma=0.1, grid=3, filters=(4, 8), seed=1)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is BlindSpotDenoiser and loaded.get_config() == model.get_config()
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict_on_batch(x), model.predict_on_batch(x))


@pytest.mark.slow
def test_trains_on_noisy_images_only():
    config.set_seed(0)
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    clean = (0.5 + 0.3 * np.sin(6 * xx) * np.cos(4 * yy)).astype(np.float32)
    noisy = gaussian_noise(clean, 0.1, seed=0)
    patches = random_patches([noisy], patch_size=32, n_patches=64, seed=0)
    model = BlindSpotDenoiser(sigma=0.1, filters=(8, 16), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    fit(model, patches, epochs=3, steps_per_epoch=30, batch_size=8, verbose=0)
    history = model.training_history
    assert history["nll"][-1] < history["nll"][0]
    assert psnr(model.denoise(noisy), clean) > psnr(noisy, clean) + 0.5


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: BlindSpotDenoiser(sigma=-0.1), ValueError, "sigma must be > 0"),
        (lambda: BlindSpotDenoiser(sigma=0), ValueError, "sigma must be > 0"),
        (lambda: BlindSpotDenoiser(sigma=25), ValueError, "25/255"),
        (lambda: BlindSpotDenoiser(sigma=0.1, grid=1), ValueError, "grid"),
        (lambda: BlindSpotDenoiser(sigma=0.1, filters=(4, -8)), ValueError, "filters"),
    ],
)
def test_bad_arguments_raise(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bad_images_raise(images):
    blind = BlindSpotDenoiser(sigma=0.1, filters=(4,))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        blind.denoise(images - 0.5)
    with pytest.raises(TypeError, match="use_centre"):
        blind.denoise(images, use_centre=1)
    with pytest.raises(TypeError, match="augment"):
        blind.denoise(images, augment="yes")
    with pytest.raises(ValueError, match="channel"):
        blind.prior(np.stack([images] * 2, axis=-1))


def test_a_size_the_unet_cannot_take_is_named():
    with pytest.raises(ValueError, match="height must be a multiple of 4"):
        BlindSpotDenoiser(sigma=0.1, filters=(4, 8, 8))(np.zeros((1, 6, 8, 1), np.float32))
