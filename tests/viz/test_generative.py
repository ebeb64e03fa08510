"""The class-share chart of chapter 04."""

import numpy as np
import pytest

from unsuplab.viz import plot_class_shares


def test_class_share_bars_are_labelled():
    shares = {"a": np.full(4, 0.25), "b": np.array([0.7, 0.1, 0.1, 0.1])}
    fig = plot_class_shares(shares, class_names=["w", "x", "y", "z"], title="t")
    ax = fig.axes[0]
    assert ax.get_title() == "t" and ax.get_ylabel() == "share of the samples"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["w", "x", "y", "z"]
    assert len(ax.patches) >= 8  # 2 models x 4 classes (+ the band)


def test_class_share_bad_input():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_class_shares({})
    with pytest.raises(ValueError, match="same length"):
        plot_class_shares({"a": np.ones(3) / 3, "b": np.ones(4) / 4})
