"""LinearProbe and LabelSpreader: the scikit-learn contract, hand-checked spreading, errors."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from unsuplab.models.probe import LinearProbe
from unsuplab.models.spreading import LabelSpreader, knn_graph


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    return (centres[y] + rng.normal(size=(n, 2))).astype(np.float32), y


def test_probe_fits_and_predicts():
    x, y = _blobs()
    probe = LinearProbe().fit(x[:30], y[:30])
    assert probe.score(x[30:], y[30:]) > 0.9
    assert probe.predict_proba(x).shape == (60, 3)
    np.testing.assert_array_equal(probe.classes_, [0, 1, 2])


def test_probe_errors():
    x, y = _blobs()
    with pytest.raises(NotFittedError, match="not fitted yet: call LinearProbe.fit"):
        LinearProbe().predict(x)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LinearProbe().fit(bad, y)
    with pytest.raises(ValueError, match="one entry per sample"):
        LinearProbe().fit(x, y[:-1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        LinearProbe().fit(x[:5], np.zeros(5, int))
    probe = LinearProbe().fit(x, y)
    with pytest.raises(ValueError, match="2 columns"):
        probe.predict(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="C must be > 0"):
        LinearProbe(C=0).fit(x, y)


def test_knn_graph_is_symmetric_without_self_loops():
    x, _ = _blobs(20)
    graph, nn = knn_graph(x, 3)
    w = graph.toarray()
    np.testing.assert_array_equal(w, w.T)
    assert np.all(np.diag(w) == 0) and np.all(w.sum(1) >= 3)
    assert nn.n_neighbors == 4


def test_spreading_matches_the_iteration_by_hand():
    x, y = _blobs(30)
    partial = np.full(30, -1)
    partial[[0, 1, 2]] = y[[0, 1, 2]]
    alpha, steps = 0.9, 30
    model = LabelSpreader(n_neighbors=4, alpha=alpha, max_iter=steps).fit(x, partial)
    w = knn_graph(x, 4)[0].toarray().astype(np.float64)
    d = w.sum(1)
    s = w / np.sqrt(np.outer(d, d))
    y0 = np.zeros((30, 3))
    y0[[0, 1, 2], y[[0, 1, 2]]] = 1.0
    f = y0.copy()
    for _ in range(model.n_iter_ + 1):
        f = alpha * s @ f + (1 - alpha) * y0
    np.testing.assert_array_equal(model.transduction_, f.argmax(1))
    assert (model.transduction_ == y).mean() > 0.9
    assert model.score(x, y) > 0.9


def test_spreading_reuses_a_graph_and_checks_it():
    x, y = _blobs(30)
    partial = np.where(np.arange(30) < 6, y, -1)
    graph = knn_graph(x, 5, metric="cosine")
    a = LabelSpreader(5, metric="cosine").fit(x, partial, graph=graph)
    b = LabelSpreader(5, metric="cosine").fit(x, partial)
    np.testing.assert_array_equal(a.transduction_, b.transduction_)
    with pytest.raises(ValueError, match="knn_graph"):
        LabelSpreader(7).fit(x, partial, graph=graph)


def test_spreading_errors():
    x, y = _blobs(20)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        LabelSpreader().predict(x)
    with pytest.raises(ValueError, match="at least one label"):
        LabelSpreader().fit(x, np.full(20, -1))
    with pytest.raises(ValueError, match="one entry per row"):
        LabelSpreader().fit(x, y[:5])
    with pytest.raises(ValueError, match=">= 0, or -1"):
        LabelSpreader().fit(x, np.full(20, -3))
    with pytest.raises(ValueError, match="alpha must be < 1"):
        LabelSpreader(alpha=1.0).fit(x, y)
    with pytest.raises(ValueError, match="Unknown metric"):
        LabelSpreader(metric="manhattan").fit(x, y)
    bad = x.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        LabelSpreader().fit(bad, y)
