import numpy as np
import pytest

from unsuplab.widgets.som import som_explorer


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


def test_som_explorer_labels_are_not_cut(rng):
    explorer = som_explorer(rng.random((60, 2)).astype(np.float32), n_epochs=1, max_size=4)
    assert explorer.controls["learning_rate"].description == "learning rate"
    for control in explorer.controls.values():
        assert control.style.description_width == "initial"  # room for the whole label


def test_som_explorer_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="2 \\(points\\) or 3 \\(colours\\) features"):
        som_explorer(rng.random((10, 5)))
    with pytest.raises(ValueError, match="image_shape"):
        som_explorer(rng.random((10, 5)), image_shape=(2, 2))
    with pytest.raises(ValueError, match="max_size must be >= 3"):
        som_explorer(rng.random((10, 2)), max_size=2)
