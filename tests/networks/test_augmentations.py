"""The keras.ops augmentations of self-supervised learning, on the backend under test."""

import keras
import numpy as np
import pytest
from keras import ops

from unsuplab.networks import augmentations as A


def np_(x):
    return ops.convert_to_numpy(x)


@pytest.fixture
def images():
    return np.random.default_rng(0).random((16, 12, 10, 1)).astype(np.float32)


def test_resample_matrix_is_bilinear_by_hand():
    r = np_(A.resample_matrix(np.array([[0.0, 1.25, 3.0, -2.0]], np.float32), 4))
    want = [[1, 0, 0, 0], [0, 0.75, 0.25, 0], [0, 0, 0, 1], [1, 0, 0, 0]]  # -2 clips to 0
    np.testing.assert_allclose(r[0], want, atol=1e-6)
    np.testing.assert_allclose(r.sum(axis=-1), 1.0, atol=1e-6)


def test_full_crop_without_flip_is_the_identity(images):
    out = np_(A.random_resized_crop(images, area=1.0, ratio=1.0, flip=False, seed=0))
    np.testing.assert_allclose(out, images, atol=1e-5)


def test_full_crop_with_flip_mirrors_about_half_the_images(images):
    out = np_(A.random_resized_crop(images, area=1.0, ratio=1.0, flip=True, seed=3))
    same = [np.allclose(o, i, atol=1e-5) for o, i in zip(out, images, strict=True)]
    mirrored = [np.allclose(o, i[:, ::-1], atol=1e-5) for o, i in zip(out, images, strict=True)]
    assert all(s or m for s, m in zip(same, mirrored, strict=True))
    assert 2 <= sum(mirrored) <= 14


def test_a_small_crop_magnifies_a_region():
    x = np.zeros((1, 20, 20, 1), np.float32)
    x[0, 9:11, 9:11] = 1.0  # a 2x2 dot in the middle
    out = np_(A.random_resized_crop(x, area=0.25, ratio=1.0, flip=False, seed=0))
    assert out.shape == x.shape
    assert (out > 0.5).sum() > 4 * 2  # a crop of half the side doubles the dot's side


def test_crops_are_seeded_and_fresh_with_a_generator(images):
    a = np_(A.random_resized_crop(images, seed=1))
    np.testing.assert_array_equal(a, np_(A.random_resized_crop(images, seed=1)))
    gen = keras.random.SeedGenerator(1)
    first, second = np_(A.augment(images, seed=gen)), np_(A.augment(images, seed=gen))
    assert not np.allclose(first, second)


def test_jitter_keeps_the_range_and_is_the_identity_at_zero(images):
    out = np_(A.jitter(images, brightness=0.9, contrast=0.9, seed=0))
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out, images)
    np.testing.assert_allclose(np_(A.jitter(images, brightness=0, contrast=0, seed=0)), images,
                               atol=1e-6)


def test_augment_chain_shapes_range_and_cutout(images):
    out = np_(A.augment(images, noise=0.1, cutout=4, seed=0))
    assert out.shape == images.shape
    assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"area": 0.0}, ValueError, "area must be > 0"),
        ({"area": (0.5, 1.5)}, ValueError, r"area\[1\] must be <= 1"),
        ({"ratio": (0.0, 1.0)}, ValueError, "ratio must be > 0"),
        ({"seed": -1}, TypeError, "seed must be a keras.random.SeedGenerator"),
    ],
)
def test_crop_rejects_bad_arguments(images, kwargs, error, match):
    kwargs = {"seed": 0, **kwargs}
    with pytest.raises(error, match=match):
        A.random_resized_crop(images, **kwargs)


def test_jitter_and_augment_reject_bad_arguments(images):
    with pytest.raises(ValueError, match="brightness must be <= 1"):
        A.jitter(images, brightness=2.0, seed=0)
    with pytest.raises(ValueError, match="cutout must be >= 0"):
        A.augment(images, cutout=-1, seed=0)
    with pytest.raises(TypeError, match="scale integer images first"):
        A.augment(np.zeros((2, 4, 4, 1), np.uint8), seed=0)
