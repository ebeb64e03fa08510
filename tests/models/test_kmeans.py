import numpy as np
import pytest

from unsuplab.metrics import cluster_accuracy
from unsuplab.models import kmeans_pixels
from unsuplab.models.kmeans import flatten


def test_kmeans_separates_two_obvious_groups():
    dark = np.zeros((10, 4, 4), np.uint8)
    bright = np.full((10, 4, 4), 250, np.uint8)
    x = np.concatenate([dark, bright])
    km = kmeans_pixels(x, n_clusters=2, n_init=1, seed=0)
    assert cluster_accuracy(np.repeat([0, 1], 10), km.labels_) == 1.0
    np.testing.assert_allclose(sorted(km.cluster_centers_.mean(axis=1)), [0, 250 / 255], atol=1e-6)


def test_kmeans_is_seeded():
    x = np.random.default_rng(0).integers(0, 256, (50, 5, 5), dtype=np.uint8)
    a = kmeans_pixels(x, n_clusters=3, n_init=1, seed=1).labels_
    b = kmeans_pixels(x, n_clusters=3, n_init=1, seed=1).labels_
    np.testing.assert_array_equal(a, b)


def test_flatten_scales_uint8():
    assert flatten(np.full((2, 2, 2), 255, np.uint8)).max() == 1.0
    assert flatten(np.zeros((3, 2, 2, 1))).shape == (3, 4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"n_clusters": 0}, ValueError, "n_clusters"), ({"n_clusters": 99}, ValueError, "n_clusters"),
     ({"n_init": 0}, ValueError, "n_init"), ({"n_clusters": 2.5}, TypeError, "n_clusters")],
)
def test_kmeans_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        kmeans_pixels(np.zeros((5, 2, 2), np.uint8), **kwargs)
