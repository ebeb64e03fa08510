import numpy as np
import pytest

from unsuplab.models import SOM
from unsuplab.widgets.som import (
    plot_class_hits,
    plot_prototypes,
    plot_umatrix,
    prototype_image,
    som_explorer,
)


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
    assert plot_prototypes(som, (2, 2)).axes
    fig = plot_umatrix(som, hits=som.hit_map(X))
    assert fig.axes[0].get_title() == "U-matrix"
    fig = plot_class_hits(som, X, y, ("a", "b", "c"), ncols=3)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("n_features", "image_shape", "left_title"),
    [(2, None, "map in data space"), (3, None, "as colours"), (4, (2, 2), "prototypes")],
)
def test_som_explorer_retrains_on_each_change(rng, n_features, image_shape, left_title):
    X = rng.random((150, n_features)).astype(np.float32)
    explorer = som_explorer(X, image_shape=image_shape, n_epochs=2, max_size=6)
    assert explorer.n_renders == 1  # drawn at construction: works headless
    assert left_title in explorer.figure.axes[0].get_title()
    assert "8x8" not in explorer.figure.axes[0].get_title()  # 8 > max_size: clipped to 6
    explorer.set(size=3, sigma=0.8)
    assert explorer.n_renders == 2
    assert explorer.figure.axes[0].get_title().startswith("3x3")
    assert "sigma=0.8" in explorer.figure._suptitle.get_text()
    explorer.controls["learning_rate"].value = 0.2  # as a student moving the slider
    assert explorer.n_renders == 3
    assert "learning rate=0.20" in explorer.figure._suptitle.get_text()


def test_som_explorer_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="2 \\(points\\) or 3 \\(colours\\) features"):
        som_explorer(rng.random((10, 5)))
    with pytest.raises(ValueError, match="image_shape"):
        som_explorer(rng.random((10, 5)), image_shape=(2, 2))
    with pytest.raises(ValueError, match="max_size must be >= 3"):
        som_explorer(rng.random((10, 2)), max_size=2)
