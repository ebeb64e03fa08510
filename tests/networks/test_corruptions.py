"""The keras.ops corruptions behave like their NumPy counterparts in unsuplab.data, on the
backend under test (TensorFlow or JAX)."""

import keras
import numpy as np
import pytest
from keras import ops

from unsuplab import data
from unsuplab.networks import corruptions as C


def np_(x):
    return ops.convert_to_numpy(x)


@pytest.fixture
def images():
    return np.random.default_rng(0).random((64, 16, 16, 1)).astype(np.float32)


@pytest.fixture
def seed():
    return keras.random.SeedGenerator(0)


def test_gaussian_noise_matches_numpy_statistics(seed):
    flat = np.full((200, 16, 16, 1), 0.5, np.float32)  # away from 0 and 1: no clipping
    got = np_(C.gaussian_noise(flat, 0.1, seed=seed)) - 0.5
    want = data.gaussian_noise(flat, 0.1, seed=0) - 0.5
    assert got.shape == flat.shape and got.dtype == np.float32
    assert abs(got.mean()) < 3e-3
    np.testing.assert_allclose(got.std(), want.std(), rtol=0.02)


def test_gaussian_noise_clips_like_numpy(images, seed):
    got = np_(C.gaussian_noise(images, 0.5, seed=seed))
    assert got.min() >= 0.0 and got.max() <= 1.0
    unclipped = np_(C.gaussian_noise(images, 0.5, clip=False, seed=seed))
    assert unclipped.min() < 0.0 and unclipped.max() > 1.0


def test_gaussian_noise_range_gives_each_image_its_own_sigma(seed):
    flat = np.full((300, 16, 16, 1), 0.5, np.float32)
    got = np_(C.gaussian_noise(flat, (0.0, 0.2), clip=False, seed=seed)) - 0.5
    stds = got.reshape(300, -1).std(axis=1)
    assert stds.min() < 0.02 and stds.max() > 0.18  # spans the range
    assert np.all(stds < 0.23)
    np.testing.assert_allclose(stds.mean(), 0.1, atol=0.015)  # uniform: mean 0.1


def test_sigma_zero_is_exactly_the_identity(images, seed):
    np.testing.assert_array_equal(np_(C.gaussian_noise(images, 0.0, seed=seed)), images)
    np.testing.assert_array_equal(np_(C.blur(images, 0.0, seed=seed)), images)
    np.testing.assert_array_equal(np_(C.salt_and_pepper(images, 0.0, seed=seed)), images)


def test_a_seed_generator_draws_anew_and_an_int_seed_repeats(images):
    gen = keras.random.SeedGenerator(3)
    a = np_(C.gaussian_noise(images, 0.1, seed=gen))
    b = np_(C.gaussian_noise(images, 0.1, seed=gen))
    assert not np.array_equal(a, b)
    again = keras.random.SeedGenerator(3)
    np.testing.assert_array_equal(np_(C.gaussian_noise(images, 0.1, seed=again)), a)
    np.testing.assert_array_equal(np_(C.gaussian_noise(images, 0.1, seed=5)),
                                  np_(C.gaussian_noise(images, 0.1, seed=5)))


def test_salt_and_pepper_fraction_and_values(images, seed):
    got = np_(C.salt_and_pepper(images, 0.3, seed=seed))
    want = data.salt_and_pepper(images, 0.3, seed=0)
    assert abs(np.mean(got != images) - np.mean(want != images)) < 0.02
    changed = got != images
    assert set(np.unique(got[changed])) <= {0.0, 1.0}
    np.testing.assert_allclose(np.mean(got[changed] == 1.0), 0.5, atol=0.05)
    # all channels of a pixel alike
    rgb = np.repeat(images, 3, axis=-1)
    out = np_(C.salt_and_pepper(rgb, 0.3, seed=seed))
    hit = (out != rgb).any(axis=-1)
    assert np.all((out[hit] == 0).all(axis=-1) | (out[hit] == 1).all(axis=-1))


def test_blur_equals_scipy_for_a_fixed_sigma(images, seed):
    for sigma in (0.7, 1.3):
        got = np_(C.blur(images, sigma, seed=seed))
        np.testing.assert_allclose(got, data.blur(images, sigma), atol=1e-5)


def test_blur_range_is_per_image(images, seed):
    got = np_(C.blur(images, (0.0, 1.5), seed=seed))
    diffs = np.abs(got - images).reshape(len(images), -1).mean(axis=1)
    assert diffs.min() < 0.5 * diffs.max()  # some images barely blurred, others a lot


def test_random_holes_match_numpy_semantics(images, seed):
    corrupted, mask = C.random_holes(images, hole_size=5, n_holes=1, seed=seed)
    mask = np_(mask)
    assert mask.shape == images.shape[:3]
    assert set(np.unique(mask)) == {0.0, 1.0}
    np.testing.assert_array_equal((1 - mask).sum(axis=(1, 2)), 25)  # one 5x5 hole each
    _, mask_np = data.random_holes(images[..., 0], hole_size=5, n_holes=1, seed=0)
    assert (1 - mask_np).sum() == (1 - mask).sum()
    np.testing.assert_array_equal(np_(corrupted), images * mask[..., None])


def test_random_holes_positions_cover_the_image(seed):
    mask = np_(C.random_holes_mask((2000, 10, 10), hole_size=3, n_holes=1, seed=seed))
    coverage = (1 - mask).mean(axis=0)
    assert coverage.min() > 0  # corners reachable, like rng.integers(0, H - s + 1)
    assert coverage[0, 0] < coverage[5, 5]


def test_random_holes_ranges(seed):
    mask = np_(C.random_holes_mask((500, 28, 28), hole_size=(2, 6), n_holes=(0, 2), seed=seed))
    missing = (1 - mask).sum(axis=(1, 2))
    assert missing.min() == 0  # some images without a hole
    assert missing.max() <= 2 * 36
    assert np.all(np_(C.random_holes_mask((3, 8, 8), n_holes=0, seed=seed)) == 1)
    big = np_(C.random_holes_mask((4, 6, 6), hole_size=9, seed=seed))  # side cut to 6
    np.testing.assert_array_equal(big, 0)


def test_pixel_mask_fraction(seed):
    mask = np_(C.pixel_mask((200, 16, 16), 0.25, seed=seed))
    _, mask_np = data.pixel_mask(np.zeros((200, 16, 16), np.float32), 0.25, seed=0)
    np.testing.assert_allclose((1 - mask).mean(), (1 - mask_np).mean(), atol=0.01)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x, s: C.gaussian_noise(x, -0.1, seed=s), ValueError, "sigma"),
        (lambda x, s: C.gaussian_noise(x, (0.2, 0.1), seed=s), ValueError, "low <= high"),
        (lambda x, s: C.gaussian_noise(x, 25, seed=s), ValueError, "25/255"),
        (lambda x, s: C.gaussian_noise(x, (0, 50), seed=s), ValueError, "50/255"),
        (lambda x, s: C.gaussian_noise(x[..., 0], 0.1, seed=s), ValueError, r"\(N, H, W, C\)"),
        (lambda x, s: C.blur(x[0], 1.0, seed=s), ValueError, r"\(N, H, W, C\)"),
        (lambda x, s: C.gaussian_noise((x * 255).astype(np.uint8), 0.1, seed=s), TypeError,
         "/ 255"),
        (lambda x, s: C.salt_and_pepper(x.astype(np.int32), 0.1, seed=s), TypeError, "float"),
        (lambda x, s: C.gaussian_noise(x, 0.1, seed=None), TypeError, "SeedGenerator"),
        (lambda x, s: C.gaussian_noise(x, 0.1, seed="0"), TypeError, "seed"),
        (lambda x, s: C.salt_and_pepper(x, 1.5, seed=s), ValueError, "amount"),
        (lambda x, s: C.blur(x, (0.1, 0.2, 0.3), seed=s), ValueError, "pair"),
        (lambda x, s: C.random_holes(x, hole_size=0, seed=s), ValueError, "hole_size"),
        (lambda x, s: C.random_holes_mask((4, 4), seed=s), ValueError, r"\(N, H, W\)"),
        (lambda x, s: C.pixel_mask((2, 4, 4), -0.5, seed=s), ValueError, "fraction"),
    ],
)
def test_bad_arguments_raise(images, seed, call, error, match):
    with pytest.raises(error, match=match):
        call(images, seed)


def test_a_3d_batch_is_refused_not_broadcast(seed):
    """Issue 15: a (4, 28, 28) input once came back (4, 4, 28, 28)."""
    with pytest.raises(ValueError, match="channel axis"):
        C.gaussian_noise(np.zeros((4, 28, 28), np.float32), (0.0, 0.1), seed=seed)


def test_compiles_with_the_backend(images):
    """Inside a compiled function (tf.function with an unknown batch size, or jax.jit)."""
    from unsuplab._backend import compile_fn

    seed = keras.random.SeedGenerator(1)

    def corrupt(x):
        y = C.blur(x, (0.5, 1.0), seed=seed)
        y = C.gaussian_noise(y, (0.0, 0.1), seed=seed)
        mask = C.random_holes_mask(ops.shape(x)[:3], hole_size=(2, 4), n_holes=(1, 2), seed=7)
        return y * mask[..., None]

    out = np_(compile_fn(corrupt)(ops.convert_to_tensor(images[:16])))
    assert out.shape == (16, 16, 16, 1) and np.isfinite(out).all()
