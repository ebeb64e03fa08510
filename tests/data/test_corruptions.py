import numpy as np
import pytest

from unsuplab import data


@pytest.fixture
def images():
    return np.random.default_rng(0).random((8, 16, 16)).astype(np.float32) * 0.5 + 0.25


def test_gaussian_noise_statistics_and_seed(images):
    noisy = data.gaussian_noise(images, 0.1, seed=1, clip=False)
    assert abs(np.std(noisy - images) - 0.1) < 0.01
    np.testing.assert_array_equal(noisy, data.gaussian_noise(images, 0.1, seed=1, clip=False))
    assert not np.array_equal(noisy, data.gaussian_noise(images, 0.1, seed=2, clip=False))
    clipped = data.gaussian_noise(images, 1.0, seed=1)
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_gaussian_noise_does_not_modify_input(images):
    before = images.copy()
    data.gaussian_noise(images, 0.2, seed=0)
    np.testing.assert_array_equal(images, before)


def test_salt_and_pepper_fraction(images):
    out = data.salt_and_pepper(images, 0.2, seed=0)
    changed = (out == 0) | (out == 1)
    assert abs(changed.mean() - 0.2) < 0.03
    assert abs((out == 1).mean() - 0.1) < 0.03


def test_blur_keeps_mean_and_smooths(images):
    out = data.blur(images, 1.0)
    assert out.shape == images.shape
    assert abs(out.mean() - images.mean()) < 1e-3
    assert out.std() < images.std()
    np.testing.assert_allclose(data.blur(images, 0.0), images)


def test_random_holes_mask_and_fill(images):
    out, mask = data.random_holes(images, n_holes=2, hole_size=4, seed=0)
    assert mask.shape == images.shape
    assert np.all(out[mask == 0] == 0)
    np.testing.assert_array_equal(out[mask == 1], images[mask == 1])
    per_image_holes = (mask == 0).sum(axis=(1, 2))
    assert np.all((per_image_holes >= 16) & (per_image_holes <= 32))


def test_random_holes_single_image():
    image = np.full((10, 10), 0.5, np.float32)
    out, mask = data.random_holes(image, hole_size=3, seed=0)
    assert mask.shape == (10, 10) and (mask == 0).sum() == 9


def test_pixel_mask_fraction_with_channels():
    x = np.full((4, 32, 32, 3), 0.5, np.float32)
    out, mask = data.pixel_mask(x, 0.3, seed=0)
    assert mask.shape == (4, 32, 32)
    assert abs((mask == 0).mean() - 0.3) < 0.03
    assert np.all(out[mask == 0] == 0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: data.gaussian_noise(x, -0.1), "sigma"),
        (lambda x: data.gaussian_noise(x * 2, 0.1), r"\[0, 1\]"),
        (lambda x: data.salt_and_pepper(x, 1.5), "amount"),
        (lambda x: data.random_holes(x, hole_size=99), "hole_size"),
        (lambda x: data.pixel_mask(x, -1), "fraction"),
        (lambda x: data.apply_mask(x, np.ones((3, 3), np.float32)), "mask"),
        (lambda x: data.gaussian_noise(x, 0.1, seed=-1), "seed"),
    ],
)
def test_corruptions_reject_bad_input(images, call, match):
    with pytest.raises(ValueError, match=match):
        call(images)


def test_corruptions_reject_integer_images():
    with pytest.raises(TypeError, match="float"):
        data.gaussian_noise(np.zeros((2, 4, 4), np.uint8), 0.1)


def test_a_grey_level_noise_std_is_refused_with_the_255_hint():
    x = np.full((2, 4, 4), 0.5, np.float32)
    with pytest.raises(ValueError, match=r"sigma=25/255"):
        data.gaussian_noise(x, 25, seed=0)  # 25 grey levels meant: would be pure noise
    assert data.gaussian_noise(x, 25 / 255, seed=0).shape == x.shape


@pytest.mark.parametrize("n_holes", [10**9, 257, -1])
def test_hole_counts_that_would_exhaust_memory_are_refused(n_holes):
    with pytest.raises(ValueError, match="n_holes"):
        data.random_holes(np.zeros((2, 8, 8), np.float32), n_holes=n_holes, hole_size=2)


def test_a_blur_larger_than_any_image_and_a_truthy_clip_are_refused():
    x = np.zeros((2, 4, 4), np.float32)
    with pytest.raises(ValueError, match="sigma"):
        data.blur(x, 10**12)  # scipy would allocate terabytes for the kernel
    with pytest.raises(TypeError, match="clip"):
        data.gaussian_noise(x, 0.1, clip="no", seed=0)
