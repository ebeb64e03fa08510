import keras
import numpy as np
import pytest
from keras import ops

from unsuplab import config
from unsuplab.data import gaussian_noise
from unsuplab.metrics import psnr
from unsuplab.models import DenoisingUNet
from unsuplab.training import fit


@pytest.fixture
def images():
    return np.random.default_rng(0).random((4, 12, 12)).astype(np.float32)


def _zero_head(model):
    head = model.body.get_layer("head")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    return model


def _np(x):
    return ops.convert_to_numpy(x)


# --- architecture, shapes, serialization -----------------------------------------------------


def test_shapes_and_weight_count():
    model = DenoisingUNet(filters=(4, 8), convs_per_block=1)
    assert model(np.zeros((2, 8, 8, 1), np.float32)).shape == (2, 8, 8, 1)
    # down0 1->4 (3x3), down1 4->8, up0 transposed 8->4 (2x2), up0 conv 8->4, head 4->1
    expected = (9 * 1 * 4 + 4) + (9 * 4 * 8 + 8) + (4 * 8 * 4 + 4) + (9 * 8 * 4 + 4) + (4 + 1)
    assert model.count_params() == expected
    assert model.multiple == 2


def test_residual_unet_with_zero_correction_is_the_identity(images):
    model = _zero_head(DenoisingUNet(filters=(4, 8)))
    np.testing.assert_allclose(model.denoise(images), images, atol=1e-6)


@pytest.mark.parametrize("shape", [(13, 10), (3, 13, 10), (3, 13, 10, 1)])
def test_denoise_any_size_keeps_the_callers_layout(shape):
    model = DenoisingUNet(filters=(4, 8, 8))  # needs multiples of 4: 13x10 is padded
    x = np.full(shape, 0.5, np.float32)
    out = model.denoise(x)
    assert out.shape == shape and out.dtype == np.float32


def test_denoise_accepts_uint8(images):
    model = DenoisingUNet(filters=(4, 8))
    u8 = (images * 255).round().astype(np.uint8)
    np.testing.assert_allclose(model.denoise(u8), model.denoise(u8 / np.float32(255)), atol=1e-6)


@pytest.mark.parametrize("residual", [True, False])
def test_saved_before_its_first_call_it_keeps_its_weights(tmp_path, residual):
    """Issue 15: a U-Net saved before it was ever called once loaded random weights."""
    model = DenoisingUNet(filters=(4, 8), residual=residual, corruption="mixed",
                          sigma=(0.0, 0.2), seed=4)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is DenoisingUNet
    assert loaded.get_config() == model.get_config()
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict_on_batch(x), model.predict_on_batch(x))


# --- the corruption is drawn inside the model ---------------------------------------------------


def test_compute_loss_corrupts_the_clean_batch():
    """With a zero correction the output is the noisy input, so the loss is the noise power:
    σ² for a fixed σ on mid-grey images (no clipping)."""
    model = _zero_head(DenoisingUNet(filters=(4, 8), sigma=0.1, seed=0))
    clean = np.full((16, 16, 16, 1), 0.5, np.float32)
    loss = float(model.compute_loss(clean, None, None))
    assert loss == pytest.approx(0.01, rel=0.05)
    quiet = _zero_head(DenoisingUNet(filters=(4, 8), sigma=0.0, seed=0))
    assert float(quiet.compute_loss(clean, None, None)) == 0.0


def test_compute_loss_with_explicit_pairs_is_the_mse():
    model = DenoisingUNet(filters=(4, 8))
    y = np.zeros((1, 4, 4, 1), np.float32)
    y_pred = np.full((1, 4, 4, 1), 0.1, np.float32)
    loss = model.compute_loss(y_pred, y, y_pred)  # x unused when y is given
    np.testing.assert_allclose(float(loss), 0.01, rtol=1e-6)


@pytest.mark.parametrize("corruption", ["gaussian", "salt_and_pepper", "blur", "mixed"])
def test_every_corruption_stays_in_range_and_changes_the_images(corruption):
    model = DenoisingUNet(filters=(4,), corruption=corruption, seed=1)
    clean = np.random.default_rng(0).random((8, 12, 12, 1)).astype(np.float32)
    corrupted = _np(model.corrupt(clean))
    assert corrupted.shape == clean.shape
    assert corrupted.min() >= 0.0 and corrupted.max() <= 1.0
    assert np.abs(corrupted - clean).mean() > 0
    again = _np(model.corrupt(clean))
    assert not np.array_equal(again, corrupted)  # new draws at every batch


def test_the_corruption_stream_repeats_with_the_seed():
    clean = np.full((4, 8, 8, 1), 0.5, np.float32)
    a = [_np(DenoisingUNet(filters=(4,), seed=7).corrupt(clean)) for _ in range(2)]
    np.testing.assert_array_equal(a[0], a[1])


# --- training -------------------------------------------------------------------------------


@pytest.mark.slow
def test_blind_denoiser_learns_to_denoise(fashion):
    config.set_seed(0)
    (x_train, _), (x_test, _), _ = fashion
    model = DenoisingUNet(filters=(8, 16), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    fit(model, x_train[:2048], epochs=2, batch_size=64, verbose=0)  # clean images only
    assert len(model.training_history["loss"]) == 2
    clean = x_test[:64].astype(np.float32) / 255
    noisy = gaussian_noise(clean, 50 / 255, seed=0)
    assert psnr(model.denoise(noisy), clean) > psnr(noisy, clean) + 2.0


@pytest.mark.slow
def test_explicit_noisy_clean_pairs_train_too():
    config.set_seed(0)
    rng = np.random.default_rng(0)
    clean = np.repeat(np.repeat(rng.random((64, 4, 4)), 2, 1), 2, 2).astype(np.float32)
    noisy = gaussian_noise(clean, 0.1, seed=1)
    model = DenoisingUNet(filters=(4, 8), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    fit(model, noisy, clean[..., None], epochs=3, batch_size=16, verbose=0)
    losses = model.training_history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


@pytest.mark.slow
def test_nan_weights_are_reported(images):
    model = DenoisingUNet(filters=(4, 8))
    head = model.body.get_layer("head")
    head.set_weights([np.full_like(w, np.nan) for w in head.get_weights()])
    with pytest.raises(ValueError, match="weights are NaN"):
        model.denoise(images)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"filters": ()}, ValueError, "filters"),
        ({"filters": (8, 0)}, ValueError, "filters"),
        ({"filters": 16}, ValueError, "filters"),
        ({"residual": "yes"}, TypeError, "residual"),
        ({"corruption": "jpeg"}, ValueError, "choose one of"),
        ({"sigma": -0.1}, ValueError, "sigma"),
        ({"sigma": 25}, ValueError, "25/255"),
        ({"sigma": (0, 55)}, ValueError, "55/255"),
        ({"sigma": (0.3, 0.1)}, ValueError, "low <= high"),
        ({"amount": 1.5}, ValueError, "amount"),
        ({"blur_sigma": (1, 2, 3)}, ValueError, "blur_sigma"),
        ({"seed": -1}, ValueError, "seed"),
        ({"convs_per_block": 0}, ValueError, "convs_per_block"),
    ],
)
def test_bad_arguments_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        DenoisingUNet(**kwargs)


def test_bad_images_raise(images):
    model = DenoisingUNet(filters=(4, 8))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        model.denoise(images + 1.0)
    with pytest.raises(ValueError, match="/ 255"):
        model.denoise(images * 255)
    with pytest.raises(ValueError, match="channel"):
        model.denoise(np.stack([images] * 3, axis=-1))
    with pytest.raises(ValueError, match="batch_size"):
        model.denoise(images, batch_size=0)
    with pytest.raises(ValueError, match="rank"):
        model.denoise(images[0, 0])


def test_a_size_the_unet_cannot_take_is_named():
    model = DenoisingUNet(filters=(4, 8, 8))
    with pytest.raises(ValueError, match="multiple of 4"):
        model(np.zeros((1, 13, 10, 1), np.float32))
    with pytest.raises(ValueError, match="multiple of 4"):
        model.predict_on_batch(np.zeros((1, 12, 10, 1), np.float32))
