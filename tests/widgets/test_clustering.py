import numpy as np
import pytest

from unsuplab.widgets import cluster_browser, retrieval_explorer


def _images(n=30):
    return np.random.default_rng(0).integers(0, 256, (n, 8, 8), dtype=np.uint8)


def test_cluster_browser_draws_and_moves():
    x = _images()
    y = np.arange(30) % 3
    browser = cluster_browser(x, {"a": y, "b": (y + 1) % 3}, y=y, class_names=["u", "v", "w"])
    assert browser.figure is not None and browser.n_renders == 1
    browser.set(method="b", cluster=2)
    assert browser.figure.get_suptitle() == "b: cluster 2, 10 images, 100% v"
    with pytest.raises(ValueError, match="one label per image"):
        cluster_browser(x, {"a": y[:5]})
    with pytest.raises(ValueError, match="non-empty dict"):
        cluster_browser(x, {})


def test_retrieval_explorer_draws_one_row_per_space():
    q, db = _images(5), _images(20)
    f = np.random.default_rng(1).normal(size=(25, 3))
    explorer = retrieval_explorer(q, db, {"a": (f[:5], f[5:]), "b": (f[:5, :2], f[5:, :2])}, k=4)
    assert len(explorer.figure.axes) == 2 * 5
    explorer.set(query=3)
    assert explorer.n_renders == 2
    with pytest.raises(ValueError, match="one row per query"):
        retrieval_explorer(q, db, {"a": (f[:4], f[5:])})
