"""The few-label explorer: draws headless, answers to its controls."""

import numpy as np
import pytest

from unsuplab.widgets import fewlabel_explorer


def _features(seed=0):
    rng = np.random.default_rng(seed)
    y_train, y_test = np.arange(200) % 4, np.arange(40) % 4
    centres = rng.normal(scale=4.0, size=(4, 5))
    f = (centres[y_train] + rng.normal(size=(200, 5))).astype(np.float32)
    g = (centres[y_test] + rng.normal(size=(40, 5))).astype(np.float32)
    noise = rng.normal(size=(200, 5)).astype(np.float32), rng.normal(size=(40, 5)).astype(
        np.float32)
    return {"good": (f, g), "noise": noise}, y_train, y_test


def test_explorer_renders_and_moves():
    feats, y_train, y_test = _features()
    ex = fewlabel_explorer(feats, y_train, y_test, class_names=list("abcd"),
                           label_counts=(4, 40), n_draws=3)
    assert ex.figure is not None and ex.state["accuracy"] > 0.8
    ex.set(representation="noise")
    assert ex.state["accuracy"] < 0.6
    ex.set(representation="good", method="spreading", n_labels=4, draw=2)
    assert ex.state["accuracy"] > 0.8 and ex.n_renders == 3
    assert ex.state["predictions"].shape == (40,)


def test_explorer_refuses_bad_input():
    feats, y_train, y_test = _features()
    with pytest.raises(ValueError, match="class 0 has only"):
        fewlabel_explorer(feats, y_train, y_test, label_counts=(400,))
    with pytest.raises(ValueError, match="one entry per sample"):
        fewlabel_explorer(feats, y_train[:10], y_test)
    with pytest.raises(ValueError, match="pair"):
        fewlabel_explorer({"x": feats["good"][0]}, y_train, y_test)
    with pytest.raises(ValueError, match="Unknown method"):
        fewlabel_explorer(feats, y_train, y_test, methods=("svm",))
