import numpy as np
import pytest

from unsuplab.widgets.segmentation import segmentation_explorer


def test_explorer_segments_and_scores_live():
    image = np.zeros((16, 16, 3), dtype=np.float32)
    image[:, 8:] = 1.0
    truth = (np.arange(16)[None, :] >= 8).repeat(16, 0).astype(int)
    calls = []

    def segment(x, k, method):
        calls.append((method, k))
        return (np.arange(16)[None, :] * k // 16).repeat(16, 0)

    ex = segmentation_explorer({"a": image, "b": image * 0.5}, segment, ("m1", "m2"),
                               truths={"a": truth}, k=2)
    assert calls == [("m1", 2)] and ex.figure is not None
    assert "mIoU 1.00" in ex.figure.axes[1].get_title()
    ex.set(method="m2", k=4)
    assert calls[-1] == ("m2", 4) and "mIoU 0.50" in ex.figure.axes[1].get_title()
    ex.set(image="b")
    assert len(ex.figure.axes) == 2  # no truth: no score panel


def test_explorer_rejects_bad_arguments():
    image = np.zeros((4, 4, 3))
    with pytest.raises(ValueError, match="images"):
        segmentation_explorer({}, lambda x, k, m: x, ("m",))
    with pytest.raises(TypeError, match="segment"):
        segmentation_explorer({"a": image}, None, ("m",))
    with pytest.raises(ValueError, match="truths"):
        segmentation_explorer({"a": image}, lambda x, k, m: x, ("m",), truths={"z": image})
    with pytest.raises(ValueError, match="method"):
        segmentation_explorer({"a": image}, lambda x, k, m: x, ("m",), method="q")
