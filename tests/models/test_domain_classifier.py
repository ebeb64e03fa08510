"""The domain classifier whose penultimate layer gives chapter 04's features."""

import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models.domain_classifier import DomainClassifier
from unsuplab.training import fit


def _data(n=64):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    x = rng.random((n, 8, 8, 1)).astype(np.float32) * 0.3
    x[y == 1, :, :4] += 0.6  # class 1: a bright left half
    return x, y


def test_features_logits_and_accuracy():
    config.set_seed(0)
    x, y = _data()
    clf = DomainClassifier(2, feature_dim=6, filters=(4, 8), image_shape=(8, 8, 1), seed=0)
    clf.compile(optimizer=keras.optimizers.Adam(1e-2),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    fit(clf, x, y, epochs=6, batch_size=16, verbose=0)
    assert clf.features(x).shape == (64, 6)
    assert (clf.features(x) >= 0).all()  # after ReLU
    assert clf.predict_classes(x).shape == (64,)
    assert clf.accuracy(x, y) > 0.9
    with pytest.raises(ValueError, match="labels must have one entry per sample"):
        clf.accuracy(x, y[:3])


def test_round_trip(tmp_path):
    clf = DomainClassifier(3, feature_dim=5, filters=(4,), image_shape=(8, 8, 1))
    clf.save(tmp_path / "c.keras")
    back = keras.saving.load_model(tmp_path / "c.keras", safe_mode=True)
    x = _data(4)[0]
    np.testing.assert_allclose(back.features(x), clf.features(x), rtol=1e-6)


def test_bad_input():
    clf = DomainClassifier(3, feature_dim=5, filters=(4,), image_shape=(8, 8, 1))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        clf.features(np.full((2, 8, 8, 1), 2.0, np.float32))
    with pytest.raises(ValueError, match=r"images must have shape \(N, 8, 8, 1\)"):
        clf.features(np.zeros((2, 9, 9, 1), np.float32))
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        DomainClassifier(1)


def test_labels_outside_the_classes_are_refused_at_the_boundary():
    x, y = _data(16)
    clf = DomainClassifier(2, feature_dim=4, filters=(4,), image_shape=(8, 8, 1), seed=0)
    clf.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    for bad in (y + 1, y - 1):  # a label 2 of 2 classes; a -1 (no unlabelled images here)
        with pytest.raises(ValueError, match=r"y must be class indices in \[0, 2\)"):
            fit(clf, x, bad, epochs=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="labels must be class indices"):
        clf.accuracy(x, y + 5)
