import keras
import numpy as np
import pytest
import tensorflow as tf

from unsuplab import config
from unsuplab.data import gaussian_noise
from unsuplab.metrics import psnr
from unsuplab.models import BlindSpotDenoiser, DenoisingUNet, InpaintingUNet
from unsuplab.models.correction import (
    HOLE_MSE_FLOOR,
    corruption_pairs,
    hole_pairs,
    hole_psnr,
)
from unsuplab.training import fit


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.random((4, 12, 12)).astype(np.float32)


# --- architecture, shapes, serialization -----------------------------------------------------


def test_denoising_unet_shapes_and_weight_count():
    model = DenoisingUNet(filters=(4, 8), convs_per_block=1)
    out = model(np.zeros((2, 8, 8, 1), np.float32))
    assert out.shape == (2, 8, 8, 1)
    # down0 1->4 (3x3), down1 4->8, up0 transposed 8->4 (2x2), up0 conv 8->4, head 4->1
    expected = (9 * 1 * 4 + 4) + (9 * 4 * 8 + 8) + (4 * 8 * 4 + 4) + (9 * 8 * 4 + 4) + (4 + 1)
    assert model.count_params() == expected
    assert model.multiple == 2


def test_residual_unet_with_zero_correction_is_the_identity(images):
    model = DenoisingUNet(filters=(4, 8))
    model(images[..., None])
    head = model.head
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    np.testing.assert_allclose(model.denoise(images), images, atol=1e-6)


@pytest.mark.parametrize("shape", [(13, 10), (3, 13, 10), (3, 13, 10, 1)])
def test_denoise_any_size_keeps_the_callers_layout(shape):
    model = DenoisingUNet(filters=(4, 8, 8))  # needs multiples of 4: 13x10 is padded
    x = np.full(shape, 0.5, np.float32)
    assert model.denoise(x).shape == shape


@pytest.mark.parametrize(
    "make",
    [
        lambda: DenoisingUNet(filters=(4, 8), residual=False),
        lambda: InpaintingUNet(filters=(4, 8)),
        lambda: BlindSpotDenoiser(sigma=0.1, grid=3, filters=(4, 8)),
    ],
)
def test_serialization_round_trip(tmp_path, make):
    model = make()
    channels = 2 if isinstance(model, InpaintingUNet) else 1
    x = np.random.default_rng(0).random((2, 8, 8, channels)).astype(np.float32)
    if channels == 2:
        x[..., 1] = x[..., 1] > 0.5
    before = model.predict(x, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, atol=1e-6)


# --- training ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_blind_denoiser_learns_to_denoise(fashion):
    config.set_seed(0)
    (x_train, _), (x_test, _), _ = fashion
    model = DenoisingUNet(filters=(8, 16))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    fit(model, x_train[:2048], epochs=2, batch_size=64, map_fn=corruption_pairs("gaussian"),
        verbose=0)
    clean = x_test[:64].astype(np.float32) / 255
    noisy = gaussian_noise(clean, 50 / 255, seed=0)
    assert psnr(model.denoise(noisy), clean) > psnr(noisy, clean) + 2.0


@pytest.mark.slow
def test_inpainting_trains_and_keeps_known_pixels(fashion):
    config.set_seed(0)
    (x_train, _), (x_test, _), _ = fashion
    model = InpaintingUNet(filters=(8, 16))
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = fit(model, x_train[:1024], epochs=2, batch_size=64,
                  map_fn=hole_pairs(hole_size=(6, 10)), verbose=0)
    assert history.history["hole_mse"][-1] < history.history["hole_mse"][0]
    clean = x_test[:8].astype(np.float32) / 255
    mask = np.ones(clean.shape, np.float32)
    mask[:, 10:18, 10:18] = 0
    out = model.inpaint(clean * mask, mask)
    known = mask > 0
    np.testing.assert_allclose(out[known], clean[known], atol=1e-6)


@pytest.mark.slow
def test_blind_spot_denoiser_trains_on_noisy_images_only():
    config.set_seed(0)
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    clean = (0.5 + 0.3 * np.sin(6 * xx) * np.cos(4 * yy)).astype(np.float32)
    noisy = gaussian_noise(clean, 0.1, seed=0)
    patches = np.stack([np.roll(noisy, (7 * i, 11 * i), (0, 1))[:32, :32] for i in range(32)])
    model = BlindSpotDenoiser(sigma=0.1, filters=(8, 16))
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = fit(model, patches, epochs=3, steps_per_epoch=30, batch_size=8, verbose=0)
    assert history.history["nll"][-1] < history.history["nll"][0]
    assert psnr(model.denoise(noisy), clean) > psnr(noisy, clean) + 0.5


# --- the mask-aware loss and the hole PSNR -----------------------------------------------------


def test_inpainting_loss_counts_only_the_hole_pixels():
    model = InpaintingUNet(filters=(4, 8))
    mask = np.ones((1, 4, 4, 1), np.float32)
    mask[0, :2, :2] = 0  # 4 missing pixels
    x = np.concatenate([np.zeros_like(mask), mask], axis=-1)
    y = np.zeros((1, 4, 4, 1), np.float32)
    y_pred = np.where(mask > 0, 0.9, 0.0).astype(np.float32)  # wrong only on kept pixels
    assert float(model.compute_loss(x, y, y_pred)) == 0.0
    y_pred[0, 0, 0, 0] = 0.4  # one hole pixel off by 0.4: squared 0.16 over 4 pixels
    np.testing.assert_allclose(float(model.compute_loss(x, y, y_pred)), 0.04, rtol=1e-6)


def test_inpainting_output_keeps_known_pixels():
    model = InpaintingUNet(filters=(4, 8))
    rng = np.random.default_rng(0)
    image = rng.random((2, 8, 8)).astype(np.float32)
    mask = (rng.random((2, 8, 8)) > 0.3).astype(np.float32)
    out = model.inpaint(image, mask)
    np.testing.assert_allclose(out[mask > 0], image[mask > 0], atol=1e-6)
    assert out.shape == image.shape


def test_hole_psnr_by_hand():
    clean = np.zeros((2, 4, 4), np.float32)
    restored = clean.copy()
    mask = np.ones_like(clean)
    mask[:, 0, :2] = 0  # two missing pixels in each image
    restored[0, 0, 0] = 0.1  # image 0: hole MSE = 0.01 / 2 -> 23.01 dB
    restored[1, 0, :2] = 0.1  # image 1: hole MSE = 0.01 -> 20 dB
    restored[1, 3, 3] = 0.9  # a kept pixel: not counted
    expected = (10 * np.log10(1 / 0.005) + 20.0) / 2
    np.testing.assert_allclose(hole_psnr(clean, restored, mask), expected, rtol=1e-6)


def test_hole_psnr_floors_an_exact_fill_at_8_bit_quantization_noise():
    clean = np.zeros((2, 4, 4), np.float32)
    mask = np.ones_like(clean)
    mask[:, :2, :2] = 0
    restored = clean.copy()
    restored[1, 0, 0] = 0.2  # image 1: hole MSE 0.04 / 4 = 0.01 -> 20 dB; image 0 exact
    ceiling = 10 * np.log10(255**2 * 12)  # 58.92 dB
    assert np.isclose(10 * np.log10(1 / HOLE_MSE_FLOOR), ceiling)
    value = hole_psnr(clean, restored, mask)
    assert np.isfinite(value)
    np.testing.assert_allclose(value, (ceiling + 20.0) / 2, rtol=1e-6)


def test_hole_psnr_needs_a_hole(images):
    with pytest.raises(ValueError, match="no missing pixel"):
        hole_psnr(images, images, np.ones(images.shape))


# --- the blind spot ----------------------------------------------------------------------------


def test_hide_replaces_the_grid_pixels_by_their_neighbours_mean():
    model = BlindSpotDenoiser(sigma=0.1, grid=2, filters=(4,))
    y = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) / 16
    hidden, where = model._hide(tf.constant(y), tf.constant([1, 1]))
    hidden, where = np.asarray(hidden)[0, ..., 0], np.asarray(where)[0, ..., 0]
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
    rng = np.random.default_rng(0)
    y = rng.random((12, 12)).astype(np.float32)
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


# --- training pairs ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gaussian", "salt_and_pepper", "blur", "mixed"])
def test_corruption_pairs(kind):
    tf.random.set_seed(0)
    clean = tf.random.uniform((8, 12, 12, 1))
    corrupted, target = corruption_pairs(kind)(clean)
    assert corrupted.shape == clean.shape
    np.testing.assert_array_equal(target.numpy(), clean.numpy())
    assert 0.0 <= float(tf.reduce_min(corrupted)) and float(tf.reduce_max(corrupted)) <= 1.0
    assert float(tf.reduce_mean(tf.abs(corrupted - clean))) > 0


def test_hole_pairs_give_masked_image_and_mask():
    tf.random.set_seed(0)
    clean = tf.random.uniform((8, 16, 16, 1))
    inputs, target = hole_pairs(hole_size=4, n_holes=1)(clean)
    assert inputs.shape == (8, 16, 16, 2)
    mask = inputs[..., 1].numpy()
    np.testing.assert_array_equal((1 - mask).sum(axis=(1, 2)), 16)
    np.testing.assert_allclose(inputs[..., 0].numpy(), clean[..., 0].numpy() * mask)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: BlindSpotDenoiser(sigma=-0.1), ValueError, "sigma must be > 0"),
        (lambda: BlindSpotDenoiser(sigma=0.1, grid=1), ValueError, "grid"),
        (lambda: DenoisingUNet(filters=()), ValueError, "filters"),
        (lambda: DenoisingUNet(filters=(8, 0)), ValueError, "filters"),
        (lambda: DenoisingUNet(filters=16), ValueError, "filters"),
        (lambda: DenoisingUNet(residual="yes"), TypeError, "residual"),
        (lambda: corruption_pairs("jpeg"), ValueError, "choose one of"),
        (lambda: corruption_pairs("gaussian", sigma=-0.1), ValueError, "sigma"),
        (lambda: corruption_pairs("gaussian", sigma=(0.3, 0.1)), ValueError, "low <= high"),
        (lambda: hole_pairs(hole_size=0), ValueError, "hole_size"),
    ],
)
def test_bad_arguments_raise(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bad_images_raise(images):
    denoiser = DenoisingUNet(filters=(4, 8))
    inpainter = InpaintingUNet(filters=(4, 8))
    blind = BlindSpotDenoiser(sigma=0.1, filters=(4,))
    with pytest.raises(ValueError, match=r"must lie in \[0.0, 1.0\]"):
        denoiser.denoise(images + 1.0)
    with pytest.raises(ValueError, match=r"must lie in \[0.0, 1.0\]"):
        blind.denoise(images - 0.5)
    with pytest.raises(ValueError, match="channel"):
        denoiser.denoise(np.stack([images] * 3, axis=-1))
    with pytest.raises(ValueError, match="spatial shape"):
        inpainter.inpaint(images, np.ones((12, 12)))
    with pytest.raises(ValueError, match="spatial shape"):
        inpainter.inpaint(images[..., None], np.ones(images.shape + (1,)))
    with pytest.raises(ValueError, match="only 0"):
        inpainter.inpaint(images, np.full(images.shape, 0.5))
    with pytest.raises(ValueError, match="batch_size"):
        denoiser.denoise(images, batch_size=0)
    with pytest.raises(TypeError, match="use_centre"):
        blind.denoise(images, use_centre=1)
    with pytest.raises(TypeError, match="augment"):
        blind.denoise(images, augment="yes")
