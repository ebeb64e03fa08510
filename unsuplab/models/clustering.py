r"""Clustering pipelines for image features, as scikit-learn estimators, and choosing k.

:class:`ClusteringPipeline` runs, on features :math:`X` of shape (n_samples, n_features)
(flattened pixels, PCA scores, an autoencoder's codes, a contrastive encoder's features):

1. an optional rescaling (``"l2"``: each row to unit length, so distances become angles;
   ``"standard"``: each column to zero mean and unit variance);
2. an optional manifold step, ``manifold="umap"`` (McInnes et al. 2018): a k-nearest-neighbour
   graph of the features laid out in ``n_components`` dimensions so that neighbours stay close.
   With ``min_dist=0`` it packs each dense region tightly: what N2D (McConville et al. 2020)
   adds between an autoencoder and the clustering;
3. ``"kmeans"`` (Lloyd's algorithm: minimise :math:`\sum_i \lVert x_i - \mu_{c_i}\rVert^2`) or
   ``"gmm"`` (a Gaussian mixture fitted by EM; each point goes to its most probable
   component), with ``n_clusters`` groups.

Method table:

============  =============================================  =============================
step          option                                         library
============  =============================================  =============================
rescale       ``None``, ``"l2"``, ``"standard"``              NumPy / scikit-learn
manifold      ``None``, ``"umap"``                            ``umap-learn``
cluster       ``"kmeans"``, ``"gmm"``                         scikit-learn
============  =============================================  =============================

:func:`choose_k` scores a range of k without labels: the mean silhouette (k-means) and the
Gaussian mixture's BIC.

Example:
    >>> pipe = ClusteringPipeline(10, manifold="umap", method="gmm", random_state=0)
    >>> labels = pipe.fit_predict(features)               # (N,) ints in 0..9
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import (
    check_array,
    check_choice,
    check_number,
    check_random_state,
    check_sequence,
)

METHODS = ("kmeans", "gmm")
MANIFOLDS = (None, "umap")
RESCALINGS = (None, "l2", "standard")


def check_features(features, name="features"):
    """A finite, non-empty float32 array (n_samples, n_features) (images are flattened)."""
    x = check_array(features, name, ndim=(2, 3, 4), dtype_kind="uif")
    if x.ndim > 2:
        x = x.reshape(len(x), -1)
    return x.astype(np.float32, copy=False)


def check_n_clusters(n_clusters, n_samples, name="n_clusters"):
    """``2 <= n_clusters <= n_samples``, with the Keras-style message."""
    n_clusters = check_number(n_clusters, name, low=2, integer=True)
    if n_clusters > n_samples:
        raise ValueError(f"{name} must be <= the number of samples ({n_samples}). "
                         f"Received: {name}={n_clusters}")
    return n_clusters


def make_umap(n_components=2, *, n_neighbors=15, min_dist=0.1, random_state=None):
    """A ``umap.UMAP`` (imported lazily: it loads numba, and TensorFlow's parametric module
    where TensorFlow is installed). Seeded UMAP runs on one thread (reproducible)."""
    with warnings.catch_warnings():  # without TensorFlow: "ParametricUMAP will be unavailable"
        warnings.filterwarnings("ignore", category=ImportWarning)
        import umap

    return umap.UMAP(n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist,
                     random_state=random_state, n_jobs=1 if random_state is not None else -1)


def umap_embed(features, n_components=2, *, n_neighbors=15, min_dist=0.1, random_state=0):
    """``features`` (N, d) laid out by UMAP in ``n_components`` dimensions (float32)."""
    x = check_features(features)
    reducer = make_umap(n_components, n_neighbors=min(n_neighbors, len(x) - 1),
                        min_dist=min_dist, random_state=random_state)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
        return reducer.fit_transform(x).astype(np.float32)


def rescale(x, how):
    """Rows to unit length (``"l2"``), columns standardised (``"standard"``) or unchanged."""
    if how == "l2":
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    if how == "standard":
        return (x - x.mean(0)) / np.maximum(x.std(0), 1e-12)
    return x


class ClusteringPipeline(ClusterMixin, BaseEstimator):
    """Features -> optional rescaling -> optional UMAP -> k-means or a Gaussian mixture.

    Parameters
    ----------
    n_clusters : int, default=10
        The number of clusters k (2 <= k <= n_samples).
    method : {"kmeans", "gmm"}, default="kmeans"
    manifold : {None, "umap"}, default=None
    rescaling : {None, "l2", "standard"}, default=None
    n_components : int, default=10
        UMAP's output dimension.
    n_neighbors : int, default=20
        UMAP's neighbourhood size.
    min_dist : float, default=0.0
        UMAP's minimum distance between embedded points (0 packs clusters tightly).
    covariance_type : str, default="full"
        Of the Gaussian mixture.
    n_init : int, default=10
        Restarts of k-means (or of EM), the best objective wins.
    random_state : int or None, default=None

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
    embedding_ : ndarray of shape (n_samples, n_dims) or None
        What the clustering step saw, after rescaling and UMAP; None when neither step is
        set (the features went in unchanged: the caller holds them, and keeping a reference
        would hold 220 MB of pixels of 70 000 images for as long as the pipeline lives).
    model_ : the fitted ``KMeans`` or ``GaussianMixture``.
    manifold_ : the fitted ``umap.UMAP`` or None.
    """

    def __init__(self, n_clusters=10, *, method="kmeans", manifold=None, rescaling=None,
                 n_components=10, n_neighbors=20, min_dist=0.0, covariance_type="full",
                 n_init=10, random_state=None):
        self.n_clusters = n_clusters
        self.method = method
        self.manifold = manifold
        self.rescaling = rescaling
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.random_state = random_state

    def _check_params(self, n_samples):
        check_choice(self.method, "method", METHODS)
        check_choice(self.manifold, "manifold", MANIFOLDS)
        check_choice(self.rescaling, "rescaling", RESCALINGS)
        check_n_clusters(self.n_clusters, n_samples)
        check_number(self.n_init, "n_init", low=1, integer=True)
        if self.manifold == "umap":
            check_number(self.n_components, "n_components", low=1, integer=True)
            check_number(self.n_neighbors, "n_neighbors", low=2, integer=True)
            check_number(self.min_dist, "min_dist", low=0)

    def _features(self, X, reset):
        if np.iscomplexobj(X):
            raise ValueError("Complex data not supported: X must be real features. "
                             f"Received: X of dtype {np.asarray(X).dtype}")
        arr = np.asarray(X)
        no_columns = arr.ndim == 2 and len(arr) and arr.shape[1] == 0  # scikit-learn's message
        if arr.dtype.kind in "uif" and not no_columns:
            check_features(arr, "X")  # Keras-style messages for NaN, empty, wrong rank
        return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])

    def fit(self, X, y=None):
        """Cluster ``X`` of shape (n_samples, n_features); ``y`` is ignored."""
        del y
        x = self._features(X, reset=True)
        self._check_params(len(x))
        z = rescale(x, self.rescaling)
        self.manifold_ = None
        if self.manifold == "umap":
            self.manifold_ = make_umap(self.n_components, n_neighbors=min(self.n_neighbors,
                                                                           len(z) - 1),
                                       min_dist=self.min_dist, random_state=self.random_state)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
                z = self.manifold_.fit_transform(z).astype(np.float32)
        self.model_ = self._clusterer().fit(z)
        self.labels_ = self.model_.predict(z).astype(np.int64)
        self.embedding_ = z if (self.manifold or self.rescaling) else None
        return self

    def _clusterer(self):
        if self.method == "kmeans":
            from sklearn.cluster import KMeans

            return KMeans(self.n_clusters, n_init=self.n_init, random_state=self.random_state)
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(self.n_clusters, covariance_type=self.covariance_type,
                               n_init=self.n_init, random_state=self.random_state)

    def embed(self, X):
        """What the clustering step sees for new ``X``: rescaled and, if any, UMAP-embedded."""
        check_is_fitted(self)
        z = rescale(self._features(X, reset=False), self.rescaling)
        if self.manifold_ is not None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=UserWarning)
                z = self.manifold_.transform(z).astype(np.float32)
        return z

    def predict(self, X):
        """The cluster of each row of ``X`` (UMAP places new points by their neighbours)."""
        check_is_fitted(self)
        return self.model_.predict(self.embed(X)).astype(np.int64)


@dataclass(frozen=True)
class KChoice:
    """Scores of a range of k: ``ks``; ``silhouette`` (higher is better, k-means labels) and
    ``bic`` (lower is better, Gaussian mixtures); ``best_silhouette``, ``best_bic``."""

    ks: tuple
    silhouette: tuple
    bic: tuple

    @property
    def best_silhouette(self):
        return self.ks[int(np.argmax(self.silhouette))]

    @property
    def best_bic(self):
        return self.ks[int(np.argmin(self.bic))]


def choose_k(features, ks=range(2, 16), *, covariance_type="full", sample_size=2000,
             random_state=0):
    r"""Score each k in ``ks`` without labels.

    - Silhouette of k-means' clusters: for point i, :math:`s_i = (b_i - a_i)/\max(a_i, b_i)`
      with :math:`a_i` its mean distance to its own cluster and :math:`b_i` to the nearest
      other cluster; the mean over (a sample of ``sample_size``) points.
    - BIC of a Gaussian mixture: :math:`-2 \log \hat L + p \log n` (p free parameters).

    Args:
        features: (n_samples, n_features), e.g. a UMAP embedding.
        ks: the k to try, each in [2, n_samples].

    Returns:
        :class:`KChoice`.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    x = check_features(features)
    ks = tuple(check_n_clusters(k, len(x), "k") for k in check_sequence(ks, "ks"))
    random_state = check_random_state(random_state, "random_state")
    if not ks:
        raise ValueError("ks must hold at least one k. Received: ks=()")
    sample_size = min(check_number(sample_size, "sample_size", low=10, integer=True), len(x))
    sil, bic = [], []
    for k in ks:
        labels = KMeans(k, n_init=3, random_state=random_state).fit_predict(x)
        sil.append(float(silhouette_score(x, labels, sample_size=sample_size,
                                          random_state=random_state))
                   if len(np.unique(labels)) > 1 else -1.0)
        gmm = GaussianMixture(k, covariance_type=covariance_type, random_state=random_state)
        bic.append(float(gmm.fit(x).bic(x)))
    return KChoice(ks, tuple(sil), tuple(bic))


__all__ = ["METHODS", "ClusteringPipeline", "KChoice", "check_features", "check_n_clusters",
           "choose_k", "make_umap", "rescale", "umap_embed"]
