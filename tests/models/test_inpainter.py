import keras
import numpy as np
import pytest
from keras import ops

from unsuplab import config
from unsuplab.models import InpaintingUNet
from unsuplab.training import fit


def _np(x):
    return ops.convert_to_numpy(x)


def _zero_head(model):
    head = model.body.get_layer("head")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    return model  # its guess in a hole is then sigmoid(0) = 0.5


@pytest.fixture
def images():
    return np.random.default_rng(0).random((4, 12, 12)).astype(np.float32)


def test_explicit_loss_counts_only_the_hole_pixels():
    model = InpaintingUNet(filters=(4, 8))
    mask = np.ones((1, 4, 4, 1), np.float32)
    mask[0, :2, :2] = 0  # 4 missing pixels
    x = np.concatenate([np.zeros_like(mask), mask], axis=-1)
    y = np.zeros((1, 4, 4, 1), np.float32)
    y_pred = np.where(mask > 0, 0.9, 0.0).astype(np.float32)  # wrong only on kept pixels
    assert float(model.compute_loss(x, y, y_pred)) == 0.0
    y_pred[0, 0, 0, 0] = 0.4  # one hole pixel off by 0.4: squared 0.16 over 4 pixels
    np.testing.assert_allclose(float(model.compute_loss(x, y, y_pred)), 0.04, rtol=1e-6)


@pytest.mark.parametrize(("grey", "expected"), [(0.5, 0.0), (0.1, 0.16)])
def test_holes_are_drawn_inside_compute_loss(grey, expected):
    """From a clean batch: every hole pixel is guessed 0.5 by a zero head, so the hole MSE is
    (0.5 - grey)², wherever the holes fall."""
    model = _zero_head(InpaintingUNet(filters=(4, 8), hole_size=3, n_holes=2, seed=0))
    clean = np.full((8, 8, 8, 1), grey, np.float32)
    np.testing.assert_allclose(float(model.compute_loss(clean, None, None)), expected,
                               atol=1e-6)


def test_draw_mask_follows_the_hole_settings():
    model = InpaintingUNet(filters=(4,), hole_size=(2, 4), n_holes=(1, 2), seed=0)
    mask = _np(model.draw_mask((200, 16, 16)))
    assert mask.shape == (200, 16, 16) and set(np.unique(mask)) == {0.0, 1.0}
    missing = (1 - mask).sum(axis=(1, 2))
    assert missing.min() >= 4 and missing.max() <= 2 * 16
    assert len(np.unique(missing)) > 3  # sizes and counts vary from image to image
    sparse = InpaintingUNet(filters=(4,), n_holes=0, pixel_fraction=0.25, seed=0)
    np.testing.assert_allclose((1 - _np(sparse.draw_mask((100, 16, 16)))).mean(), 0.25,
                               atol=0.02)


def test_call_takes_a_clean_batch_or_masked_image_and_mask():
    model = InpaintingUNet(filters=(4, 8))
    clean = np.random.default_rng(0).random((2, 8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(_np(model(clean)), clean, atol=1e-6)  # nothing to fill
    mask = np.ones_like(clean)
    mask[:, 2:5, 2:5] = 0
    out = _np(model(np.concatenate([clean * mask, mask], axis=-1)))
    np.testing.assert_allclose(out[mask > 0], clean[mask > 0], atol=1e-6)


@pytest.mark.parametrize("shape", [(13, 10), (3, 13, 10), (3, 13, 10, 1)])
def test_inpaint_keeps_known_pixels_and_the_callers_layout(shape):
    model = InpaintingUNet(filters=(4, 8, 8))
    rng = np.random.default_rng(0)
    image = rng.random(shape).astype(np.float32)
    spatial = shape[:-1] if len(shape) == 4 else shape
    mask = (rng.random(spatial) > 0.3).astype(np.float32)
    out = model.inpaint(image, mask)
    assert out.shape == image.shape
    kept = (mask > 0).reshape(out.shape) if len(shape) < 4 else (mask > 0)[..., None]
    kept = np.broadcast_to(kept, out.shape)
    np.testing.assert_allclose(out[kept], image[kept], atol=1e-6)
    u8 = (image * 255).round().astype(np.uint8)
    np.testing.assert_allclose(model.inpaint(u8, mask), model.inpaint(u8 / np.float32(255), mask),
                               atol=1e-6)


def test_saved_before_its_first_call_it_keeps_its_weights(tmp_path):
    model = InpaintingUNet(filters=(4, 8), hole_size=(2, 5), pixel_fraction=(0, 0.1), seed=2)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is InpaintingUNet and loaded.get_config() == model.get_config()
    x = np.random.default_rng(0).random((2, 8, 8, 2)).astype(np.float32)
    x[..., 1] = x[..., 1] > 0.5
    np.testing.assert_array_equal(loaded.predict_on_batch(x), model.predict_on_batch(x))


@pytest.mark.slow
def test_inpainting_trains_on_clean_images_and_keeps_known_pixels(fashion):
    config.set_seed(0)
    (x_train, _), (x_test, _), _ = fashion
    model = InpaintingUNet(filters=(8, 16), hole_size=(6, 10), seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    fit(model, x_train[:1024], epochs=2, batch_size=64, verbose=0)
    history = model.training_history
    assert history["hole_mse"][-1] < history["hole_mse"][0]
    clean = x_test[:8].astype(np.float32) / 255
    mask = np.ones(clean.shape, np.float32)
    mask[:, 10:18, 10:18] = 0
    out = model.inpaint(clean * mask, mask)
    known = mask > 0
    np.testing.assert_allclose(out[known], clean[known], atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"filters": ()}, "filters"),
        ({"hole_size": 0}, "hole_size"),
        ({"hole_size": (8, 4)}, "low <= high"),
        ({"n_holes": -1}, "n_holes"),
        ({"pixel_fraction": 1.5}, "pixel_fraction"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        InpaintingUNet(**kwargs)


def test_bad_images_and_masks_raise(images):
    model = InpaintingUNet(filters=(4, 8))
    with pytest.raises(ValueError, match="spatial shape"):
        model.inpaint(images, np.ones((12, 12)))
    with pytest.raises(ValueError, match="spatial shape"):
        model.inpaint(images[..., None], np.ones(images.shape + (1,)))
    with pytest.raises(ValueError, match="only 0"):
        model.inpaint(images, np.full(images.shape, 0.5))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        model.inpaint(images * 3, np.ones(images.shape))
    with pytest.raises(ValueError, match="batch_size"):
        model.inpaint(images, np.ones(images.shape), batch_size=0)


def test_a_size_the_unet_cannot_take_is_named():
    with pytest.raises(ValueError, match="width must be a multiple of 2"):
        InpaintingUNet(filters=(4, 8))(np.zeros((1, 8, 7, 2), np.float32))
    with pytest.raises(ValueError, match="1 channel"):
        InpaintingUNet(filters=(4, 8))(np.zeros((1, 8, 8, 3), np.float32))
