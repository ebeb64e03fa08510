"""Clustering scores: accuracy under the best matching of clusters to classes, NMI, ARI.

Cluster numbers are arbitrary, so plain accuracy is meaningless; :func:`cluster_accuracy`
first matches clusters to classes one-to-one (the Hungarian algorithm, scipy's
``linear_sum_assignment``), then counts. NMI and ARI come from scikit-learn.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn import metrics as skm

from .._validation import check_array


def _labels(y_true, y_pred):
    y_true = check_array(y_true, "y_true", ndim=1, dtype_kind="uib", finite=False)
    y_pred = check_array(y_pred, "y_pred", ndim=1, dtype_kind="uib", finite=False)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred must have the same length. Received: {len(y_true)} and "
            f"{len(y_pred)}"
        )
    return y_true.astype(np.int64), y_pred.astype(np.int64)


def _matching(y_true, y_pred):
    """``(counts, rows, cols, clusters, classes)``: the contingency table (clusters x
    classes) and the rows and columns of its one-to-one matching of largest total."""
    classes, t = np.unique(y_true, return_inverse=True)
    clusters, p = np.unique(y_pred, return_inverse=True)
    counts = np.zeros((len(clusters), len(classes)), dtype=np.int64)
    np.add.at(counts, (p, t), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return counts, rows, cols, clusters, classes


def cluster_mapping(y_true, y_pred) -> dict:
    """The one-to-one map cluster -> class that maximises the number of matches.

    Returns:
        dict ``{cluster: class}``; clusters beyond the number of classes stay unmapped.
    """
    _, rows, cols, clusters, classes = _matching(*_labels(y_true, y_pred))
    return {int(clusters[r]): int(classes[c]) for r, c in zip(rows, cols, strict=True)}


def cluster_accuracy(y_true, y_pred) -> float:
    r"""Clustering accuracy: :math:`\max_{m} \frac{1}{N}\sum_i 1[y_i = m(c_i)]` over
    one-to-one maps :math:`m` from clusters to classes (found by the Hungarian algorithm).

    Samples of a cluster left unmatched (more clusters than classes) count as wrong, whatever
    their labels (-1 included).

    Example:
        >>> cluster_accuracy([0, 0, 1, 1], [1, 1, 0, 0])  # same partition, other names
        1.0
    """
    y_true, y_pred = _labels(y_true, y_pred)
    counts, rows, cols, _, _ = _matching(y_true, y_pred)
    return float(counts[rows, cols].sum() / len(y_true))


def nmi(y_true, y_pred) -> float:
    r"""Normalized mutual information, :math:`\frac{I(Y;C)}{(H(Y)+H(C))/2}` (arithmetic mean,
    scikit-learn's default), in [0, 1]."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(skm.normalized_mutual_info_score(y_true, y_pred))


def ari(y_true, y_pred) -> float:
    """Adjusted Rand index: pair-counting agreement corrected for chance (0 for random
    labels, 1 for the same partition; can be negative)."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(skm.adjusted_rand_score(y_true, y_pred))


def clustering_scores(y_true, y_pred) -> dict:
    """``{"acc": ..., "nmi": ..., "ari": ...}`` in one call."""
    return {
        "acc": cluster_accuracy(y_true, y_pred),
        "nmi": nmi(y_true, y_pred),
        "ari": ari(y_true, y_pred),
    }
