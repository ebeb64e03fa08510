import numpy as np
import pytest

from unsuplab import metrics


def test_accuracy_is_invariant_to_cluster_names():
    y = [0, 0, 1, 1, 2, 2]
    assert metrics.cluster_accuracy(y, [2, 2, 0, 0, 1, 1]) == 1.0


def test_accuracy_hand_computed():
    # clusters: A={0,0,1}, B={1,1,0}: best map A->0, B->1 gives 4 of 6.
    y_true = [0, 0, 1, 1, 1, 0]
    y_pred = [5, 5, 5, 7, 7, 7]
    assert metrics.cluster_accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    assert metrics.cluster_mapping(y_true, y_pred) == {5: 0, 7: 1}


def test_more_clusters_than_classes_leaves_extra_clusters_unmatched():
    y_true = [0, 0, 1, 1]
    y_pred = [0, 1, 2, 2]
    assert metrics.cluster_accuracy(y_true, y_pred) == pytest.approx(3 / 4)


def test_nmi_ari_extremes():
    y = np.repeat(np.arange(3), 10)
    assert metrics.nmi(y, y) == pytest.approx(1.0)
    assert metrics.ari(y, (y + 1) % 3) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    random_labels = rng.integers(0, 3, size=3000)
    truth = rng.integers(0, 3, size=3000)
    assert abs(metrics.ari(truth, random_labels)) < 0.01
    scores = metrics.clustering_scores(y, y)
    assert scores == {"acc": 1.0, "nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}


@pytest.mark.parametrize(
    ("y_true", "y_pred", "error", "match"),
    [
        ([0, 1], [0], ValueError, "same length"),
        ([0.5, 1], [0, 1], TypeError, "y_true"),
        ([], [], ValueError, "empty"),
        ([[0, 1]], [[0, 1]], ValueError, "rank"),
    ],
)
def test_bad_labels(y_true, y_pred, error, match):
    with pytest.raises(error, match=match):
        metrics.cluster_accuracy(y_true, y_pred)


def _accuracy_by_brute_force(y_true, y_pred):
    """The best one-to-one map, by trying every injective map (independent of the Hungarian
    step); the contingency table is scikit-learn's."""
    from itertools import permutations

    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(y_pred, y_true)  # clusters x classes
    n_clusters, n_classes = table.shape
    if n_clusters <= n_classes:
        best = max(table[np.arange(n_clusters), list(cols)].sum()
                   for cols in permutations(range(n_classes), n_clusters))
    else:
        best = max(table[list(rows), np.arange(n_classes)].sum()
                   for rows in permutations(range(n_clusters), n_classes))
    return best / len(y_true)


def test_unmatched_clusters_count_as_wrong_even_for_label_minus_one():
    # clusters 0, 1, 2 for classes -1, 0: cluster 1 is left unmatched; its sample, labelled
    # -1, was counted correct when unmatched clusters were mapped to -1
    y_true, y_pred = [-1, -1, 0, 0], [0, 1, 2, 2]
    assert metrics.cluster_accuracy(y_true, y_pred) == pytest.approx(3 / 4)
    assert _accuracy_by_brute_force(y_true, y_pred) == pytest.approx(3 / 4)


@pytest.mark.parametrize(("n_classes", "n_clusters"), [(3, 5), (4, 4), (5, 3)])
def test_accuracy_matches_brute_force(n_classes, n_clusters):
    rng = np.random.default_rng(n_classes * 10 + n_clusters)
    for _ in range(5):
        y_true = rng.integers(-1, n_classes - 1, size=40)  # labels from -1
        y_pred = rng.integers(0, n_clusters, size=40) - 2
        assert metrics.cluster_accuracy(y_true, y_pred) == pytest.approx(
            _accuracy_by_brute_force(y_true, y_pred))
