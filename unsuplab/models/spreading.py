"""Label spreading on a k-nearest-neighbour graph of learned features (chapter 08).

The *cluster assumption*: images close in a good feature space share their class, so a few
labels can flow along the graph of nearest neighbours to the unlabelled images. Zhou et al.
(2004): with the symmetric kNN adjacency :math:`W` (:math:`W_{ij} = 1` if either of
:math:`i, j` is among the other's ``n_neighbors`` nearest), degrees :math:`D_{ii} =
\\sum_j W_{ij}` and :math:`S = D^{-1/2} W D^{-1/2}`, iterate

.. math:: F^{(t+1)} = \\alpha S F^{(t)} + (1 - \\alpha) Y

from :math:`F^{(0)} = Y` (one-hot rows for the labelled images, zeros elsewhere). It
converges to :math:`F^* = (1 - \\alpha)(I - \\alpha S)^{-1} Y`, which minimises
:math:`\\sum_{ij} W_{ij} \\lVert F_i/\\sqrt{D_{ii}} - F_j/\\sqrt{D_{jj}}\\rVert^2 +
\\mu \\sum_i \\lVert F_i - Y_i\\rVert^2` with :math:`\\mu = (1 - \\alpha)/\\alpha`: smooth on the
graph, close to the given labels. Each image takes :math:`\\arg\\max_k F_{ik}`.

:class:`LabelSpreader` builds the graph once (scikit-learn's ``NearestNeighbors``) and runs
scikit-learn's ``LabelSpreading`` on it; new images (the test set) take the average label
distribution of their ``n_neighbors`` nearest training images (an inductive step that never
puts test images in the graph).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .._validation import check_array, check_choice, check_number, describe
from .probe import check_features, not_fitted


def _normalise(x, metric):
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.maximum(norms, 1e-12)
    return x


def knn_graph(features, n_neighbors, *, metric="euclidean"):
    """The symmetric 0/1 kNN adjacency of ``features`` (self-loops excluded), as a COO
    float32 sparse matrix of shape (n, n), and the fitted ``NearestNeighbors``."""
    import scipy.sparse as sp
    from sklearn.neighbors import NearestNeighbors

    x = _normalise(check_features(features), metric)
    n = len(x)
    k = min(n_neighbors, n - 1)
    nn = NearestNeighbors(n_neighbors=k + 1).fit(x)
    idx = nn.kneighbors(x, return_distance=False)
    rows = np.repeat(np.arange(n), k)
    # the query point is its own first neighbour, unless duplicates tie with it: drop itself
    cols = np.array([r[r != i][:k] for i, r in enumerate(idx)]).ravel()
    w = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    w = w.maximum(w.T)
    return w.tocoo(), nn


class _FixedGraph:
    """A scikit-learn "kernel" callable that returns one precomputed graph."""

    def __init__(self, graph):
        self.graph = graph

    def __call__(self, a, b):
        return self.graph.copy()


class LabelSpreader(ClassifierMixin, BaseEstimator):
    """Label spreading (Zhou et al. 2004) over a kNN graph; see the module docstring.

    Parameters
    ----------
    n_neighbors : int, default=10
        Neighbours per image in the graph (and in the vote for new images).
    alpha : float in (0, 1), default=0.99
        How far labels travel: the weight of the neighbours against the image's own label.
    max_iter : int, default=30
        Spreading iterations.
    metric : {"euclidean", "cosine"}, default="euclidean"

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    transduction_ : ndarray of shape (n_samples,)
        The label each training image ends with (labelled ones may change too).
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Normalised :math:`F`.

    Examples
    --------
    >>> y_partial = np.full(len(z_train), -1); y_partial[idx] = y_train[idx]
    >>> spreader = LabelSpreader(n_neighbors=10).fit(z_train, y_partial)
    >>> spreader.score(z_test, y_test)
    """

    def __init__(self, n_neighbors=10, alpha=0.99, max_iter=30, metric="euclidean"):
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.max_iter = max_iter
        self.metric = metric

    def fit(self, X, y, *, graph=None):
        """Spread the labels ``y`` (-1 = unlabelled) of ``X`` (n, d) over its kNN graph.

        ``graph``: the pair returned by :func:`knn_graph` for these ``X``, ``n_neighbors``
        and ``metric``, to reuse one graph over many label draws (else it is built here).
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.semi_supervised import LabelSpreading

        k = check_number(self.n_neighbors, "n_neighbors", low=1, integer=True)
        alpha = check_number(self.alpha, "alpha", low=0, high=1, low_inclusive=False,
                             high_inclusive=False)
        max_iter = check_number(self.max_iter, "max_iter", low=1, integer=True)
        check_choice(self.metric, "metric", ("euclidean", "cosine"))
        X = check_features(X, "X")
        y = check_array(y, "y", ndim=1, dtype_kind="iu")
        if len(y) != len(X):
            raise ValueError(f"y must have one entry per row of X ({len(X)}). Received: "
                             f"y={describe(y)}")
        if y.min() < -1:
            raise ValueError(f"y must hold class indices >= 0, or -1 for unlabelled. "
                             f"Received: y with minimum {int(y.min())}")
        if not (y >= 0).any():
            raise ValueError("y must hold at least one label (>= 0); -1 marks unlabelled "
                             "images. Received: y with no label")
        if len(X) < 2:
            raise ValueError(f"X needs at least 2 rows for a graph. Received: X={describe(X)}")
        self.n_features_in_ = X.shape[1]
        if graph is None:
            graph = knn_graph(X, k, metric=self.metric)
        graph, self.nn_ = graph
        if graph.shape != (len(X), len(X)) or self.nn_.n_neighbors != min(k, len(X) - 1) + 1:
            raise ValueError(f"graph must come from knn_graph(X, n_neighbors={k}) on these "
                             f"{len(X)} rows. Received: a graph of shape {graph.shape}")
        model = LabelSpreading(kernel=_FixedGraph(graph), alpha=alpha, max_iter=max_iter)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed number of steps
            model.fit(X, y)
        self.classes_ = model.classes_
        self.label_distributions_ = model.label_distributions_.astype(np.float32)
        self.transduction_ = model.transduction_
        self.n_iter_ = model.n_iter_
        return self

    def predict_proba(self, X):
        """The mean label distribution of each row's ``n_neighbors`` nearest training rows."""
        not_fitted(self, "label_distributions_")
        x = _normalise(check_features(X, "X", n_features=self.n_features_in_), self.metric)
        idx = self.nn_.kneighbors(x, n_neighbors=self.nn_.n_neighbors - 1,
                                  return_distance=False)
        return self.label_distributions_[idx].mean(1)

    def predict(self, X):
        """The most probable class of each row of ``X``."""
        not_fitted(self, "label_distributions_")
        return self.classes_[self.predict_proba(X).argmax(1)]


__all__ = ["LabelSpreader", "knn_graph"]
