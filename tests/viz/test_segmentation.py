import numpy as np
import pytest

from unsuplab.viz import segmentation as segviz


def test_overlay_marks_boundaries_only():
    image = np.full((8, 8, 3), 0.5)
    labels = np.zeros((8, 8), int)
    labels[:, 4:] = 1
    out = segviz.overlay(image, labels)
    assert out.shape == image.shape
    assert np.allclose(out[:, 0], 0.5) and not np.allclose(out[:, 3:5], 0.5)


def test_figures_draw_with_labelled_panels():
    images = np.random.default_rng(0).random((3, 8, 8, 3))
    labels = np.zeros((3, 8, 8), int)
    labels[:, :, 4:] = 7
    fig = segviz.mosaic_grid(images, labels, titles=["a", "b", "c"], ncols=2)
    assert fig.axes[0].get_title() == "a"
    fig = segviz.segmentation_rows(images[0], {"m": (labels[0], "mIoU 1")}, truth=labels[0])
    assert [ax.get_title() for ax in fig.axes] == ["image", "ground truth", "m\nmIoU 1"]
    rows = [{"method": "m", "miou": 0.5}, {"method": "n", "miou": 0.7}]
    records = [{"method": "m", "miou": 0.4}, {"method": "m", "miou": 0.6},
               {"method": "n", "miou": 0.7}]
    fig = segviz.score_chart(rows, records, labels={"m": "method m"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["method m", "n"]
    assert ax.get_ylabel().startswith("mIoU")
    assert [p.get_height() for p in ax.patches] == pytest.approx([0.5, 0.7])
    fig = segviz.dfc_schematic()
    assert "Kim" in fig.axes[0].get_title()
