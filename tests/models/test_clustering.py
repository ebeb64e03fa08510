import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from unsuplab.metrics import cluster_accuracy
from unsuplab.models import ClusteringPipeline, choose_k


def _blobs(n=60, k=3, d=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=8.0, size=(k, d))
    y = np.repeat(np.arange(k), n // k)
    return (centres[y] + rng.normal(size=(len(y), d))).astype(np.float32), y


#: scikit-learn's checks that set n_clusters=1: refused on purpose (a "clustering" into one
#: group is always a mistake here, and the chapter's error says so).
ONE_CLUSTER = "n_clusters=1 is refused on purpose (k >= 2)"
EXPECTED_FAILURES = {name: ONE_CLUSTER for name in (
    "check_dont_overwrite_parameters", "check_methods_subset_invariance", "check_fit2d_1sample",
    "check_fit2d_1feature", "check_fit2d_predict1d")}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")  # array-API checks
@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_check_estimator(method):
    check_estimator(ClusteringPipeline(3, method=method, n_init=1, random_state=0),
                    expected_failed_checks=EXPECTED_FAILURES)


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
@pytest.mark.parametrize("rescaling", [None, "standard"])
def test_separated_blobs_are_found(method, rescaling):
    x, y = _blobs()
    pipe = ClusteringPipeline(3, method=method, rescaling=rescaling, random_state=0).fit(x)
    assert cluster_accuracy(y, pipe.labels_) == 1.0
    np.testing.assert_array_equal(pipe.predict(x), pipe.labels_)


@pytest.mark.backend_free  # scikit-learn and umap-learn (a minute of numba compilation)
def test_umap_step_embeds_and_predicts_new_points():
    x, y = _blobs(n=90, d=6)
    pipe = ClusteringPipeline(3, method="gmm", manifold="umap", n_components=2, n_neighbors=10,
                              rescaling="l2", n_init=1, random_state=0).fit(x)
    assert pipe.embedding_.shape == (90, 2)
    assert cluster_accuracy(y, pipe.labels_) == 1.0
    assert pipe.predict(x[:5]).shape == (5,)


def test_l2_rescaling_makes_rows_unit_length():
    x, _ = _blobs()
    z = ClusteringPipeline(3, rescaling="l2", random_state=0).fit(x).embedding_
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, rtol=1e-5)
    # unchanged features are not kept a second time (the caller holds them)
    assert ClusteringPipeline(3, random_state=0).fit(x).embedding_ is None


@pytest.mark.parametrize(
    ("kwargs", "x", "error", "match"),
    [
        ({"n_clusters": 1}, None, ValueError, r"n_clusters must be >= 2. Received: n_clusters=1"),
        ({"n_clusters": 61}, None, ValueError, "n_clusters must be <= the number of samples"),
        ({"method": "dbscan"}, None, ValueError, "Unknown method"),
        ({"manifold": "tsne"}, None, ValueError, "Unknown manifold"),
        ({}, np.full((10, 3), np.nan, np.float32), ValueError, "NaN"),
        ({}, np.zeros((0, 3), np.float32), ValueError, "must not be empty"),
    ],
)
def test_bad_input_is_refused(kwargs, x, error, match):
    x = _blobs()[0] if x is None else x
    with pytest.raises(error, match=match):
        ClusteringPipeline(**{"n_clusters": 3, **kwargs}).fit(x)


def test_choose_k_prefers_the_true_k():
    rng = np.random.default_rng(0)
    x = (10.0 * np.eye(4)[np.repeat(np.arange(4), 30)] + rng.normal(size=(120, 4))).astype(
        np.float32)  # four well-separated blobs
    choice = choose_k(x, range(2, 7), sample_size=120)
    assert choice.ks == (2, 3, 4, 5, 6)
    assert choice.best_silhouette == 4 and choice.best_bic == 4
    with pytest.raises(ValueError, match="k must be >= 2"):
        choose_k(x, [1, 2])
    with pytest.raises(ValueError, match="k must be <= the number of samples"):
        choose_k(x[:5], [2, 6])
