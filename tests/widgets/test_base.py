import ipywidgets as widgets
import numpy as np
import pytest

from unsuplab.viz import image_grid
from unsuplab.widgets import Explorer, dataset_browser


def test_explorer_draws_at_construction_and_on_change():
    calls = []

    def render(n):
        calls.append(n)
        return image_grid(np.zeros((n, 4, 4)))

    slider = widgets.IntSlider(value=2, min=1, max=5)
    ex = Explorer(render, {"n": slider}, title="t")
    assert calls == [2] and ex.figure is not None
    slider.value = 3  # as a student moving the slider
    assert calls == [2, 3]
    ex.set(n=5)
    assert calls == [2, 3, 5] and len(ex.figure.axes) == 5
    assert ex.values == {"n": 5}


def test_explorer_rejects_bad_controls():
    with pytest.raises(TypeError, match="render"):
        Explorer(None, {"n": widgets.IntSlider()})
    with pytest.raises(ValueError, match="controls"):
        Explorer(lambda: None, {})
    with pytest.raises(TypeError, match="controls"):
        Explorer(lambda n: None, {"n": widgets.Button()})
    ex = Explorer(lambda n: None, {"n": widgets.IntSlider()})
    with pytest.raises(ValueError, match="Unknown control"):
        ex.set(m=1)


def test_dataset_browser_switches_dataset_and_class():
    x = np.arange(40 * 4, dtype=np.uint8).reshape(40, 2, 2)
    y = np.repeat(np.arange(4), 10)
    small = (x[:8], y[:8] % 2, ("even", "odd"))
    browser = dataset_browser({"big": (x, y, ("a", "b", "c", "d")), "small": small}, n=4)
    assert "class 0 (a)" in browser.figure._suptitle.get_text()
    browser.set(label=2, index=3)
    assert "class 2 (c)" in browser.figure._suptitle.get_text()
    browser.controls["dataset"].value = "small"
    assert "small" in browser.figure._suptitle.get_text()
    with pytest.raises(ValueError, match="datasets"):
        dataset_browser({})


def test_dropdowns_show_readable_names_and_keep_their_values():
    from unsuplab.widgets.base import display_name, dropdown_options

    assert display_name("contrastive_umap_gmm") == "contrastive → UMAP → GMM"
    assert display_name("kmeans_pca") == "k-means → PCA"
    assert display_name("n2d_style") == "N2D style"
    assert display_name("Gabor + k-means") == "Gabor + k-means"  # already readable
    assert dropdown_options(["kmeans_ae"]) == [("k-means → autoencoder", "kmeans_ae")]
