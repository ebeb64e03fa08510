import numpy as np
import pytest

from unsuplab.data import random_patches


def test_patches_are_turned_or_flipped_crops_of_the_images():
    rng = np.random.default_rng(0)
    images = [rng.random((20, 30)).astype(np.float32), rng.random((16, 16)).astype(np.float32)]
    patches = random_patches(images, patch_size=8, n_patches=10, seed=0)
    assert patches.shape == (10, 8, 8, 1) and patches.dtype == np.float32
    for k, p in enumerate(patches[..., 0]):
        im = images[k % 2]
        views = [np.rot90(v, t) for v in (p, p[:, ::-1]) for t in range(4)]
        found = any(
            np.array_equal(im[r : r + 8, c : c + 8], v)
            for v in views for r in range(im.shape[0] - 7) for c in range(im.shape[1] - 7)
        )
        assert found
    np.testing.assert_array_equal(random_patches(images, patch_size=8, n_patches=10, seed=0),
                                  patches)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"images": [], "patch_size": 8, "n_patches": 2}, ValueError, "at least one"),
        ({"images": [np.zeros((6, 20))], "patch_size": 8, "n_patches": 2}, ValueError,
         "patch_size=8"),
        ({"images": [np.zeros((8, 8))], "patch_size": 2, "n_patches": 2}, ValueError,
         "patch_size"),
        ({"images": [np.full((8, 8), 2.0)], "patch_size": 8, "n_patches": 1}, ValueError,
         r"\[0, 1\]"),
        ({"images": [np.zeros((8, 8))], "patch_size": 8, "n_patches": 0}, ValueError,
         "n_patches"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        random_patches(**kwargs)
