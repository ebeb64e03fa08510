"""Tests of unsuplab.chapters.ch05: the data protocol and the fitted-map recipes."""

import numpy as np
import pytest

from unsuplab import config
from unsuplab.chapters import ch05
from unsuplab.models import SOM


@pytest.fixture(scope="module")
def small():
    with config.use_mode("quick"):
        return ch05.load_data(train_size=300, photo_pixels=200, seed=0)


def test_load_data_gives_flat_pixels_in_unit_range(small, fashion):
    (x_train, _), (x_test, y_test), class_names = fashion
    assert small.x_train.shape == (300, 784) and small.x_train.dtype == np.float32
    assert 0.0 <= small.x_train.min() and small.x_train.max() <= 1.0
    assert small.x_train.max() > 0.9  # scaled once, by 1/255, not twice
    assert np.bincount(small.y_train).tolist() == [30] * 10  # class-balanced subset
    assert small.x_test.shape == (len(x_test), 784)
    np.testing.assert_array_equal(small.y_test, y_test)
    np.testing.assert_allclose(small.x_test[0], x_test[0].reshape(-1) / 255.0, atol=1e-7)
    assert small.class_names == tuple(class_names) and small.image_shape == (28, 28)
    assert small.x_widget.shape == (300, 784)  # som.widget_size (1000 in quick) capped at 300
    assert small.photo.ndim == 3 and small.photo.shape[-1] == 3
    assert small.pixels.shape == (200, 3) and small.pixels.dtype == np.float32
    assert set(map(tuple, small.pixels)) <= set(map(tuple, small.photo.reshape(-1, 3)))


def test_load_data_is_seeded_and_reads_the_settings():
    with config.use_mode("quick"):
        a = ch05.load_data(train_size=50, photo_pixels=20, seed=3)
        b = ch05.load_data(train_size=50, photo_pixels=20, seed=3)
        c = ch05.load_data(train_size=50, photo_pixels=20, seed=4)
        default = ch05.load_data(photo_pixels=20)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.pixels, b.pixels)
    assert not np.array_equal(a.x_train, c.x_train)
    assert len(default.x_train) == 6000 and len(default.x_widget) == 1000  # quick settings
    with pytest.raises(ValueError, match="photo_pixels must be >= 1"):
        ch05.load_data(photo_pixels=0)


def test_flatten_scales_uint8_and_refuses_0_255_floats():
    images = np.full((2, 3, 3), 255, dtype=np.uint8)
    np.testing.assert_array_equal(ch05.flatten(images), np.ones((2, 9), np.float32))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        ch05.flatten(images.astype(np.float32))


def test_train_fashion_som_is_the_notebook_map(small):
    x = small.x_train[:120]
    som = ch05.train_fashion_som(x, side=3, epochs=2, seed=1)
    assert som.weights_.shape == (3, 3, 784) and som.n_epochs == 2
    assert som.decay == "exponential" and som.sigma == 0.75 and som.sigma_final == 0.7
    assert len(som.history_["quantization_error"]) == 2  # track_errors on
    again = ch05.train_fashion_som(x, side=3, epochs=2, seed=1)
    np.testing.assert_array_equal(som.weights_, again.weights_)
    with config.use_mode("quick"):
        default = ch05.train_fashion_som(x[:30], epochs=1, track_errors=False)
    assert default.weights_.shape[:2] == (12, 12)  # som.grid in quick mode


def test_train_palette_som_orders_the_photo_colours(small):
    som = ch05.train_palette_som(small.pixels, epochs=2)
    assert som.weights_.shape == (4, 4, 3)
    assert som.quantization_error(small.pixels) < 0.2  # 16 colours fit RGB pixels closely


def test_comparison_recipe_uses_the_stated_protocol(rng):
    X = rng.random((150, 5)).astype(np.float32)
    init = ch05.comparison_init(X)
    assert init.shape == (20, 20, 5)
    som = ch05.train_comparison_som(X, init, n_iter=200, batch_size=64)
    assert som.n_iter_ == 200 and som.n_updates_ == 3 + 1  # 150 = 64 + 64 + 22, then 50
    settings = {k: v for k, v in ch05.COMPARISON.items() if k != "side"}
    by_hand = SOM(20, 20, init=init, n_iter=200, batch_size=64, random_state=0, **settings).fit(X)
    np.testing.assert_array_equal(som.weights_, by_hand.weights_)
