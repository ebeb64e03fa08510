"""ImageClassifier (scratch and fine-tuned) and its masked cross-entropy."""

import keras
import numpy as np
import pytest

from unsuplab.models.fewlabel import ImageClassifier, masked_crossentropy
from unsuplab.networks.conv import conv_encoder
from unsuplab.training import fit


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.random((n, 8, 8, 1)).astype(np.float32) * 0.3
    x[np.arange(n), 2 * y, 2 * y] = 1.0  # a bright pixel per class: learnable
    return x, y


def _small(**kwargs):
    return ImageClassifier(3, (8, 8, 1), filters=(4,), feature_dim=8, seed=0, **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_masked_crossentropy_by_hand(dtype):
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5], [0.0, 3.0, 0.0]], dtype=dtype)
    labels = np.array([0, -1, 2])
    z = logits - logits.max(1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
    expected = -(log_p[0, 0] + log_p[2, 2]) / 2
    got = keras.ops.convert_to_numpy(masked_crossentropy(labels, keras.ops.convert_to_tensor(
        logits)))
    assert got == pytest.approx(expected, rel=1e-5)
    none = masked_crossentropy(np.full(3, -1), keras.ops.convert_to_tensor(logits))
    assert float(keras.ops.convert_to_numpy(none)) == 0.0


def test_shapes_weights_and_training_learns():
    x, y = _data(48)
    model = _small(dropout=0.0)
    assert model(x[:5]).shape == (5, 3)
    n_weights = len(model.trainable_weights)
    assert n_weights == 1 + 2 + 2 + 2  # conv kernel, BN gamma/beta, code and head W, b
    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    fit(model, x, y, epochs=8, batch_size=16, verbose=0)
    loss = model.training_history["loss"]
    assert loss[-1] < loss[0]
    assert model.score(x, y) > 0.6
    p = model.predict_proba(x)
    assert p.shape == (48, 3) and np.allclose(p.sum(1), 1, atol=1e-5)


def test_unlabelled_rows_do_not_train():
    x, y = _data(16)
    models = []
    for labels in (np.full(16, -1), np.full(16, -1)):
        keras.utils.set_random_seed(0)
        m = _small()
        m.compile(optimizer=keras.optimizers.Adam(1e-2))
        before = [keras.ops.convert_to_numpy(w).copy() for w in m.trainable_weights]
        m.fit(x, labels, epochs=1, batch_size=8, verbose=0, shuffle=False)
        after = [keras.ops.convert_to_numpy(w) for w in m.trainable_weights]
        models.append(max(float(np.abs(a - b).max()) for a, b in zip(before, after,
                                                                      strict=True)))
    assert models[0] == pytest.approx(0.0, abs=1e-7)


def test_round_trip_scratch_and_pretrained(tmp_path):
    x, y = _data(16)
    encoder = conv_encoder((8, 8, 1), 6, filters=(4,))
    for model in (_small(), ImageClassifier(3, (8, 8, 1), encoder=encoder, seed=1)):
        model.compile(optimizer="adam")
        fit(model, x, y, epochs=1, batch_size=8, verbose=0)
        path = tmp_path / f"{model.pretrained}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        assert isinstance(loaded, ImageClassifier) and loaded.pretrained == model.pretrained
        np.testing.assert_allclose(loaded.predict_proba(x), model.predict_proba(x), atol=1e-6)


def test_freeze_encoder_trains_the_head_only():
    x, y = _data(16)
    model = ImageClassifier(3, (8, 8, 1), encoder=conv_encoder((8, 8, 1), 6, filters=(4,)),
                            freeze_encoder=True, seed=0)
    before = [keras.ops.convert_to_numpy(w).copy() for w in model.encoder.weights]
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    after = [keras.ops.convert_to_numpy(w) for w in model.encoder.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_classes"):
        ImageClassifier(1)
    with pytest.raises(TypeError, match="encoder must be a keras.Model"):
        ImageClassifier(3, encoder="resnet")
    image_encoder = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="feature vectors"):
        ImageClassifier(3, (8, 8, 1), encoder=image_encoder)
    model = _small()
    with pytest.raises(ValueError, match="shape"):
        model.predict_proba(np.zeros((2, 9, 9), np.float32))
    with pytest.raises(ValueError, match="/ 255"):
        model.predict_proba(np.full((2, 8, 8), 200.0, np.float32))
    with pytest.raises(ValueError, match="one entry per sample"):
        model.score(np.zeros((4, 8, 8), np.float32), np.zeros(3, int))


def test_labels_outside_the_classes_are_refused_at_the_boundary():
    x, y = _data()
    model = _small()
    model.compile(optimizer="adam")
    bad = y.copy()
    bad[0] = 3  # n_classes is 3: TensorFlow's gather would fail, JAX would clamp it
    with pytest.raises(ValueError, match=r"y must be class indices in \[0, 3\).*\[-1, 3\]|"
                                         r"y must be class indices in \[0, 3\)"):
        fit(model, x, bad, epochs=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"n_classes=3"):
        model.fit(x, bad, epochs=1, batch_size=8, verbose=0)  # Keras's own fit too
    with pytest.raises(ValueError, match=r"validation_data\[1\]"):
        fit(model, x, y, epochs=1, batch_size=8, validation_data=(x, bad), verbose=0)
    bad[0] = -2
    with pytest.raises(ValueError, match="-1 \\(unlabelled\\)"):
        fit(model, x, bad, epochs=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="labels must be class indices"):
        model.score(x, np.full(len(x), 7))
