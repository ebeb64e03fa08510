"""Tests of the SOM figures in unsuplab.viz."""

import numpy as np
import pytest

from unsuplab import viz
from unsuplab.models import SOM
from unsuplab.viz.som import prototype_image


def test_prototype_image_tiles_units_in_grid_order():
    weights = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)  # 2x2 "images"
    canvas = prototype_image(weights, (2, 2), gap=1)
    assert canvas.shape == (2 * 3 - 1, 3 * 3 - 1)
    np.testing.assert_array_equal(canvas[0:2, 0:2], weights[0, 0].reshape(2, 2))
    np.testing.assert_array_equal(canvas[3:5, 6:8], weights[1, 2].reshape(2, 2))
    assert canvas[2, 0] == weights.max()  # the gap
    colour = prototype_image(np.zeros((2, 2, 12), dtype=np.float32), (2, 2, 3), gap=0)
    assert colour.shape == (4, 4, 3)
    with pytest.raises(ValueError, match="image_shape"):
        prototype_image(weights, (3, 3))


def test_som_figures(rng):
    X = rng.random((120, 4)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    som = SOM(3, 3, n_epochs=2, random_state=0).fit(X)
    assert viz.plot_prototypes(som, (2, 2)).axes
    fig = viz.plot_umatrix(som, hits=som.hit_map(X))
    assert fig.axes[0].get_title() == "U-matrix"
    fig = viz.plot_class_hits(som, X, y, ("a", "b", "c"), ncols=3)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]


def test_prototype_image_of_a_colour_map_and_bad_input():
    weights = np.random.default_rng(0).random((3, 2, 2 * 2 * 3)).astype(np.float32)
    canvas = prototype_image(weights, (2, 2, 3), gap=1)
    assert canvas.shape == (3 * 3 - 1, 2 * 3 - 1, 3)
    np.testing.assert_array_equal(canvas[3:5, 3:5], weights[1, 1].reshape(2, 2, 3))
    with pytest.raises(ValueError, match="weights must have rank 3"):
        prototype_image(weights.reshape(6, 12), (2, 2, 3))
    with pytest.raises(ValueError, match="gap must be >= 0"):
        prototype_image(weights, (2, 2, 3), gap=-1)


def test_umatrix_marks_units_without_hits():
    rng = np.random.default_rng(1)
    X = rng.random((60, 2)).astype(np.float32)
    som = SOM(4, 4, n_epochs=1, random_state=0).fit(X)
    hits = np.ones((4, 4), dtype=int)
    hits[0, 0] = 0
    fig = viz.plot_umatrix(som, hits=hits, title="U")
    ax = fig.axes[0]
    assert ax.get_title() == "U"
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[0, 0]])  # (col, row)
    np.testing.assert_allclose(ax.images[0].get_array(), som.distance_map())
