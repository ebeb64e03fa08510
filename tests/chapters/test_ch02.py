import numpy as np
import pytest
from keras import ops

from unsuplab import config, data
from unsuplab.chapters import ch02
from unsuplab.metrics import hole_psnr
from unsuplab.models import BlindSpotDenoiser, DenoisingUNet, InpaintingUNet


@pytest.fixture
def x_train():
    return (np.random.default_rng(0).random((24, 8, 8)) * 255).astype(np.uint8)


def _weights(model):
    return [ops.convert_to_numpy(w) for w in model.weights]


def test_load_data_follows_the_quick_settings():
    with config.use_mode("quick"):
        d = ch02.load_data(photos=False)
        assert len(d.x_train) == config.setting("correction.train_size")
        assert len(d.x_test) == len(d.y_test) == config.setting("correction.test_size")
        assert d.n_classical == config.setting("correction.classical_size")
    assert d.x_train.dtype == np.uint8 and d.x_train.shape[1:] == (28, 28)
    assert d.x_test.dtype == np.float32 and 0 <= d.x_test.min() and d.x_test.max() <= 1
    assert d.photo_names == () and d.noisy_photos == []
    assert len(set(d.y_test.tolist())) == 10  # class-stratified


@pytest.mark.slow
def test_load_data_photos_are_noisy_at_25_over_255():
    with config.use_mode("quick"):
        d = ch02.load_data()
        assert d.photo_names == tuple(config.setting("correction.photos"))
    for clean, noisy in zip(d.clean_photos, d.noisy_photos, strict=True):
        assert clean.shape == noisy.shape and clean.ndim == 2
        residual = (noisy - clean)[(clean > 0.2) & (clean < 0.8)]  # away from the clip
        assert residual.std() == pytest.approx(25 / 255, rel=0.1)


def test_test_sets_are_the_seeded_protocol():
    x = np.random.default_rng(1).random((5, 12, 12)).astype(np.float32)
    noisy = ch02.noisy_test_sets(x)
    assert sorted(noisy) == [25, 50]
    for level in (25, 50):
        np.testing.assert_array_equal(noisy[level], data.gaussian_noise(x, level / 255, seed=level))
    masked, mask = ch02.hole_test_set(x)
    np.testing.assert_array_equal((1 - mask).sum(axis=(1, 2)), 100)  # one 10x10 hole each
    again, _ = ch02.hole_test_set(x)
    np.testing.assert_array_equal(masked, again)
    assert hole_psnr(x, masked, mask) < 20


@pytest.mark.slow
def test_cached_denoiser_trains_once_then_loads(x_train):
    kwargs = {"filters": (4, 8), "epochs": 1, "batch_size": 8}
    model, trained = ch02.cached_denoiser(x_train, **kwargs)
    assert trained and isinstance(model, DenoisingUNet)
    assert model.corruption == "gaussian" and model.sigma == ch02.SIGMA_RANGE
    assert len(model.training_history["loss"]) == ch02.LOGS_PER_EPOCH  # a learning curve
    again, trained = ch02.cached_denoiser(x_train, **kwargs)
    assert not trained
    assert again.training_history == model.training_history
    for a, b in zip(_weights(model), _weights(again), strict=True):
        np.testing.assert_array_equal(a, b)
    # another noise range is another model
    other, trained = ch02.cached_denoiser(x_train, sigma=(0.0, 25 / 255), **kwargs)
    assert trained and other.sigma == (0.0, 25 / 255)


@pytest.mark.slow
def test_cached_inpainter_and_blind_spot(x_train):
    inpainter, trained = ch02.cached_inpainter(x_train, filters=(4, 8), hole_size=(2, 4),
                                               epochs=1, batch_size=8)
    assert trained and isinstance(inpainter, InpaintingUNet)
    assert inpainter.hole_size == (2, 4)
    assert len(inpainter.training_history["hole_mse"]) == ch02.LOGS_PER_EPOCH
    rng = np.random.default_rng(0)
    noisy = [rng.random((20, 24)).astype(np.float32), rng.random((16, 16)).astype(np.float32)]
    kwargs = {"filters": (4, 8), "steps": 10, "patch_size": 8, "n_patches": 16}
    blind, trained = ch02.cached_blind_spot(noisy, 0.1, **kwargs)
    assert trained and isinstance(blind, BlindSpotDenoiser) and blind.grid == 3
    assert len(blind.training_history["nll"]) == ch02.LOGS_PER_EPOCH
    assert int(blind.optimizer.iterations) == 10
    _, trained = ch02.cached_blind_spot(noisy, 0.1, **kwargs)
    assert not trained
    _, trained = ch02.cached_blind_spot([noisy[0]], 0.1, **kwargs)  # other images: retrain
    assert trained


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: ch02.cached_denoiser(x, corruption="jpeg"), ValueError, "choose one of"),
        (lambda x: ch02.cached_denoiser(x, sigma=25, filters=(4,)), ValueError, "25/255"),
        (lambda x: ch02.cached_denoiser(x, epochs=0), ValueError, "epochs"),
        (lambda x: ch02.cached_inpainter(x, learning_rate=0), ValueError, "learning_rate"),
        (lambda x: ch02.cached_blind_spot([x[0] / 255], 25, filters=(4,)), ValueError,
         "25/255"),
        (lambda x: ch02.cached_blind_spot([x[0] * 1.0], 0.1), ValueError, "/ 255"),
        (lambda x: ch02.noisy_test_sets(x * 1.0), ValueError, "/ 255"),
    ],
)
def test_bad_arguments(x_train, call, error, match):
    with pytest.raises(error, match=match):
        call(x_train)
