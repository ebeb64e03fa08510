"""The in-graph corruptions behave like their NumPy counterparts in unsuplab.data.corruptions."""

import numpy as np
import pytest
import tensorflow as tf

from unsuplab.data import blur, gaussian_noise, pixel_mask, random_holes, salt_and_pepper
from unsuplab.data import corruptions_tf as ctf


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.random((64, 16, 16, 1)).astype(np.float32)


@pytest.fixture(autouse=True)
def _seed():
    tf.random.set_seed(0)


def test_gaussian_noise_matches_numpy_statistics(images):
    flat = np.full((200, 16, 16, 1), 0.5, np.float32)  # away from 0 and 1: no clipping
    got = ctf.gaussian_noise(flat, 0.1).numpy() - 0.5
    want = gaussian_noise(flat, 0.1, seed=0) - 0.5
    assert got.shape == flat.shape and got.dtype == np.float32
    assert abs(got.mean()) < 3e-3
    np.testing.assert_allclose(got.std(), want.std(), rtol=0.02)


def test_gaussian_noise_clips_like_numpy(images):
    got = ctf.gaussian_noise(images, 0.5).numpy()
    assert got.min() >= 0.0 and got.max() <= 1.0
    unclipped = ctf.gaussian_noise(images, 0.5, clip=False).numpy()
    assert unclipped.min() < 0.0 and unclipped.max() > 1.0


def test_gaussian_noise_range_gives_each_image_its_own_sigma():
    flat = np.full((300, 16, 16, 1), 0.5, np.float32)
    got = ctf.gaussian_noise(flat, (0.0, 0.2), clip=False).numpy() - 0.5
    stds = got.reshape(300, -1).std(axis=1)
    assert stds.min() < 0.02 and stds.max() > 0.18  # spans the range
    assert np.all(stds < 0.23)
    np.testing.assert_allclose(stds.mean(), 0.1, atol=0.015)  # uniform: mean 0.1


def test_gaussian_noise_sigma_zero_is_identity(images):
    np.testing.assert_array_equal(ctf.gaussian_noise(images, 0.0).numpy(), images)


def test_salt_and_pepper_fraction_and_values(images):
    got = ctf.salt_and_pepper(images, 0.3).numpy()
    want = salt_and_pepper(images, 0.3, seed=0)
    changed_tf = np.mean(got != images)
    changed_np = np.mean(want != images)
    assert abs(changed_tf - changed_np) < 0.02
    changed = got != images
    assert set(np.unique(got[changed])) <= {0.0, 1.0}
    np.testing.assert_allclose(np.mean(got[changed] == 1.0), 0.5, atol=0.05)


def test_blur_equals_scipy_for_a_fixed_sigma(images):
    for sigma in (0.7, 1.3):
        got = ctf.blur(images, sigma).numpy()
        np.testing.assert_allclose(got, blur(images, sigma), atol=1e-5)


def test_blur_range_is_per_image(images):
    got = ctf.blur(images, (0.0, 1.5)).numpy()
    diffs = np.abs(got - images).reshape(len(images), -1).mean(axis=1)
    assert diffs.min() < 0.5 * diffs.max()  # some images barely blurred, others a lot


def test_random_holes_match_numpy_semantics(images):
    corrupted, mask = ctf.random_holes(images, hole_size=5, n_holes=1)
    mask = mask.numpy()
    assert mask.shape == images.shape[:3]
    assert set(np.unique(mask)) == {0.0, 1.0}
    np.testing.assert_array_equal((1 - mask).sum(axis=(1, 2)), 25)  # one 5x5 hole each
    _, mask_np = random_holes(images[..., 0], hole_size=5, n_holes=1, seed=0)
    assert (1 - mask_np).sum() == (1 - mask).sum()
    np.testing.assert_allclose(corrupted.numpy(), images * mask[..., None])


def test_random_holes_positions_cover_the_image():
    mask = ctf.random_holes_mask((2000, 10, 10), hole_size=3, n_holes=1).numpy()
    coverage = (1 - mask).mean(axis=0)
    assert coverage.min() > 0  # corners reachable, like rng.integers(0, H - s + 1)
    assert coverage[0, 0] < coverage[5, 5]


def test_random_holes_ranges():
    mask = ctf.random_holes_mask((500, 28, 28), hole_size=(2, 6), n_holes=(0, 2)).numpy()
    missing = (1 - mask).sum(axis=(1, 2))
    assert missing.min() == 0  # some images without a hole
    assert missing.max() <= 2 * 36


def test_pixel_mask_fraction(images):
    mask = ctf.pixel_mask((200, 16, 16), 0.25).numpy()
    _, mask_np = pixel_mask(np.zeros((200, 16, 16), np.float32), 0.25, seed=0)
    np.testing.assert_allclose((1 - mask).mean(), (1 - mask_np).mean(), atol=0.01)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda x: ctf.gaussian_noise(x, -0.1), "sigma"),
        (lambda x: ctf.gaussian_noise(x, (0.2, 0.1)), "low <= high"),
        (lambda x: ctf.salt_and_pepper(x, 1.5), "amount"),
        (lambda x: ctf.blur(x, (0.1, 0.2, 0.3)), "pair"),
        (lambda x: ctf.random_holes(x, hole_size=0), "hole_size"),
        (lambda x: ctf.pixel_mask((2, 4, 4), -0.5), "fraction"),
    ],
)
def test_bad_arguments_raise(images, call, match):
    with pytest.raises(ValueError, match=match):
        call(images)


def test_works_inside_a_tf_data_map(images):
    ds = tf.data.Dataset.from_tensor_slices(images).batch(16)
    ds = ds.map(lambda x: (ctf.gaussian_noise(ctf.blur(x, (0.5, 1.0)), (0.0, 0.1)), x))
    noisy, clean = next(iter(ds))
    assert noisy.shape == clean.shape == (16, 16, 16, 1)
