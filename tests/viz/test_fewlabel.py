"""Chapter 08 figures."""

import numpy as np
import pytest

from unsuplab import viz


def test_label_efficiency_and_confusion_and_gains():
    rows = [{"representation": r, "method": m, "n_labels": n, "mean": 0.5 + 0.1 * i,
             "sd": 0.01} for i, n in enumerate((10, 100, 1000))
            for r, m in (("pixels", "probe"), ("pixels", "scratch"))]
    fig = viz.plot_label_efficiency(rows)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 2
    fig = viz.plot_confusion(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]),
                             class_names=["a", "b", "c"])
    image = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(image.sum(1), 1.0)
    assert image[1, 2] == 1.0
    fig = viz.plot_gains({"latent": {"mean": 0.01, "low": -0.01, "high": 0.03}})
    assert "points" in fig.axes[0].get_xlabel()
    fig = viz.pretraining_schematic()
    assert fig.axes and fig._suptitle is not None
    with pytest.raises(ValueError, match="empty"):
        viz.plot_label_efficiency([])
