r"""Retrieval: how often the nearest neighbours of a query share its label (precision@k), and
how high the relevant items rank in the whole database (mean average precision).

Used in chapter 01 to compare latent codes with raw pixels as a space to search images in,
and in chapter 06 for every feature space (queries: test images; database: training images).
Average precision of one ranked list with relevance :math:`r_1, \dots, r_M \in \{0, 1\}`
(:math:`R = \sum_i r_i` relevant items):

.. math:: AP = \frac{1}{R} \sum_{i=1}^{M} r_i \, \frac{\sum_{j \le i} r_j}{i}

(the precision at the rank of each relevant item, averaged); mAP is its mean over queries.

Conventions where references differ:

- **Ties.** Items at the same distance from a query are ranked by their database index (a
  stable sort), so a tie between a relevant and an irrelevant item counts as if the lower
  index came first. ``sklearn.metrics.average_precision_score`` instead puts tied items at
  one threshold (the precision of the whole tied group), so the two differ exactly when
  relevant and irrelevant items tie (duplicated images, integer pixels). Which of several
  items tied at the k-th place :func:`nearest_neighbors` keeps is NumPy's ``argpartition``'s
  choice, as in scikit-learn's brute-force neighbours.
- **Cosine with a zero vector**: its similarity with anything is 0 (scikit-learn's
  ``cosine_similarity``), so it ranks after every positively similar item.
- **Precision**: distances are float32; euclidean ones are taken after moving queries and
  database by the database mean, so data far from the origin compared with their spread
  are ranked as exactly as data near it.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_choice, check_number

_METRICS = ("euclidean", "cosine")
_BLOCK = 4_000_000  # distances per block (16 MB of float32, 32 MB of argpartition indices)
_DB_CHUNK = 4096  # database rows cast to float32 at a time (13 MB of 784-pixel rows)


def _normalize(x):
    """Rows scaled to unit norm; a zero row stays zero (cosine similarity 0 with everything,
    scikit-learn's convention in ``cosine_similarity``)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1)


def _database(db, metric):
    """What the blockwise distances need of ``db``, kept as given (uint8 pixels stay uint8:
    60 000 images cast whole to float32 are 188 MB), computed chunk by chunk:
    ``(centre, scale, sq)``.

    Euclidean: the ranking comes from ``|d|^2 - 2 q.d`` (the query's own norm does not
    change it), which in float32 loses every digit the distances differ by when the data lie
    far from the origin compared with their spread; so queries and rows are first moved by
    one ``centre`` (the database mean, rounded to an integer for integer features so that
    integer distances stay exact), and ``sq`` holds the centred rows' squared norms.
    Cosine: ``scale`` is 1 / norm (0 for a zero row, which then has similarity 0)."""
    if metric == "cosine":
        scale = np.empty(len(db), np.float32)
        for start in range(0, len(db), _DB_CHUNK):
            chunk = db[start : start + _DB_CHUNK].astype(np.float32)
            norms = np.sqrt(np.einsum("ij,ij->i", chunk, chunk, dtype=np.float64))
            scale[start : start + len(chunk)] = np.where(norms > 0, 1.0 / np.where(
                norms > 0, norms, 1.0), 0.0)
        return None, scale, None
    total = np.zeros(db.shape[1])
    for start in range(0, len(db), _DB_CHUNK):
        total += db[start : start + _DB_CHUNK].sum(axis=0, dtype=np.float64)
    centre = total / len(db)
    centre = (np.round(centre) if db.dtype.kind in "ui" else centre).astype(np.float32)
    sq = np.empty(len(db), np.float32)
    for start in range(0, len(db), _DB_CHUNK):
        chunk = db[start : start + _DB_CHUNK].astype(np.float32)
        chunk -= centre
        sq[start : start + len(chunk)] = np.einsum("ij,ij->i", chunk, chunk)
    return centre, None, sq


def _distances(q, db, prepared):
    """What ranks the database for each query, shape (len(q), len(db)), float32, smaller
    is nearer: euclidean ``|d - c|^2 - 2 (q - c).(d - c)`` (the squared distance less the
    query's own centred norm), cosine ``-cos(q, d)``. ``q`` comes from :func:`_queries`; the
    database is cast chunk by chunk."""
    centre, scale, db_sq = prepared
    out = np.empty((len(q), len(db)), np.float32)
    for start in range(0, len(db), _DB_CHUNK):
        chunk = db[start : start + _DB_CHUNK].astype(np.float32)
        if scale is not None:
            chunk *= scale[start : start + len(chunk), None]
        else:
            chunk -= centre
        np.matmul(q, chunk.T, out=out[:, start : start + len(chunk)])
    if db_sq is None:
        np.negative(out, out=out)
    else:
        out *= -2.0
        out += db_sq[None, :]
    return out


def _queries(q, prepared):
    q = q.astype(np.float32)
    centre, scale, _ = prepared
    return _normalize(q) if scale is not None else q - centre


def nearest_neighbors(queries, database=None, *, k=10, metric="euclidean"):
    """Indices of the ``k`` nearest database items of each query, nearest first.

    Args:
        queries: ndarray of shape (n_queries, n_features).
        database: ndarray of shape (n_items, n_features); ``None`` searches ``queries``
            itself, leaving each query out of its own neighbours. Integer features (uint8
            pixels) are cast a chunk at a time, never whole.
        k: neighbours per query.
        metric: ``"euclidean"`` or ``"cosine"``.

    Returns:
        ndarray of shape (n_queries, k) of database indices.
    """
    check_choice(metric, "metric", _METRICS)
    q = check_array(queries, "queries", ndim=2, dtype_kind="fui")
    leave_one_out = database is None
    db = q if leave_one_out else check_array(database, "database", ndim=2, dtype_kind="fui")
    if db.shape[1] != q.shape[1]:
        raise ValueError(
            "queries and database must have the same number of features. "
            f"Received: {q.shape[1]} and {db.shape[1]}"
        )
    available = len(db) - 1 if leave_one_out else len(db)
    k = check_number(k, "k", low=1, high=max(available, 1), integer=True)
    if available < 1:
        raise ValueError("Leave-one-out retrieval needs at least 2 queries.")
    prepared = _database(db, metric)
    out = np.empty((len(q), k), dtype=np.int64)
    chunk = max(1, _BLOCK // len(db))  # queries per block: memory stays flat (10k x 60k = 2.4 GB)
    for start in range(0, len(q), chunk):
        dist = _distances(_queries(q[start : start + chunk], prepared), db, prepared)
        if leave_one_out:
            rows = np.arange(len(dist))
            dist[rows, start + rows] = np.inf
        part = np.argpartition(dist, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(dist, part, axis=1).argsort(axis=1, kind="stable")
        out[start : start + len(dist)] = np.take_along_axis(part, order, axis=1)
    return out


def precision_at_k(
    queries, query_labels, database=None, database_labels=None, *, k=10, metric="euclidean"
):
    r"""Mean precision@k: the share of each query's ``k`` nearest neighbours with its label.

    .. math:: P@k = \frac{1}{Q}\sum_{q=1}^{Q} \frac{1}{k}
              \bigl|\{\, j \in \mathrm{kNN}(q) : y_j = y_q \,\}\bigr|

    Args:
        queries: features of shape (n_queries, n_features), e.g. latent codes or flattened
            pixels.
        query_labels: int labels of shape (n_queries,).
        database: features of shape (n_items, n_features) to search; ``None`` searches the
            queries themselves, each query left out of its own neighbours.
        database_labels: labels of shape (n_items,); required with ``database``.
        k: neighbours per query.
        metric: ``"euclidean"`` or ``"cosine"``.

    Returns:
        A float in [0, 1].

    Example:
        >>> z = np.array([[0.0], [0.1], [5.0], [5.1]])
        >>> precision_at_k(z, np.array([0, 0, 1, 1]), k=1)
        1.0
    """
    n_queries = len(check_array(queries, "queries", ndim=2, dtype_kind="uif"))
    yq = check_array(query_labels, "query_labels", ndim=1, dtype_kind="uib")
    if len(yq) != n_queries:
        raise ValueError(
            "queries and query_labels must have the same length. "
            f"Received: {n_queries} and {len(yq)}"
        )
    if database is None:
        if database_labels is not None:
            raise ValueError("database_labels was given without a database.")
        ydb = yq
    else:
        if database_labels is None:
            raise ValueError("database_labels is required with a database.")
        n_items = len(check_array(database, "database", ndim=2, dtype_kind="uif"))
        ydb = check_array(database_labels, "database_labels", ndim=1, dtype_kind="uib")
        if len(ydb) != n_items:
            raise ValueError(
                "database and database_labels must have the same length. "
                f"Received: {n_items} and {len(ydb)}"
            )
    neighbors = nearest_neighbors(queries, database, k=k, metric=metric)
    return float(np.mean(ydb[neighbors] == yq[:, None]))


def average_precision(relevance):
    """Average precision of ranked lists (module docstring).

    Args:
        relevance: bool or 0/1 array of shape (M,) or (n_lists, M), best-ranked first.

    Returns:
        A float for one list, else ndarray (n_lists,); a list with no relevant item scores 0.
    """
    r = check_array(relevance, "relevance", ndim=(1, 2), dtype_kind="buif")
    if r.dtype != bool:
        if not np.isin(r, (0, 1)).all():
            raise ValueError("relevance must hold only 0 and 1 (or booleans). "
                             f"Received: values {np.unique(r)[:5]}")
        r = r != 0
    one = r.ndim == 1
    r = np.atleast_2d(r)
    # Only the relevant ranks count: the precision there is (hits so far) / rank. Integer
    # hits and the relevant positions keep the memory at 4 bytes per ranked item (mAP
    # ranks 60 000 items for each query of a block), where float64 arrays took 32.
    hits = np.cumsum(r, axis=1, dtype=np.int32)
    rows, cols = np.nonzero(r)
    precision = hits[rows, cols] / (cols + 1.0)
    total = np.bincount(rows, minlength=len(r))
    ap = np.bincount(rows, weights=precision, minlength=len(r)) / np.maximum(total, 1)
    return float(ap[0]) if one else ap


def mean_average_precision(queries, query_labels, database, database_labels, *,
                           metric="euclidean", block=16):
    """mAP of ranking the whole ``database`` by distance to each query; an item is relevant
    when it has the query's label.

    Args:
        queries: (n_queries, n_features); query_labels: (n_queries,).
        database: (n_items, n_features), integer features (uint8 pixels) cast a chunk at a
            time; database_labels: (n_items,).
        metric: ``"euclidean"`` or ``"cosine"``.
        block: queries ranked at a time (memory: about 25 bytes per query and database
            item: 24 MB for 16 queries of a 60 000-image database).

    Returns:
        A float in [0, 1].
    """
    check_choice(metric, "metric", _METRICS)
    q = check_array(queries, "queries", ndim=2, dtype_kind="fui")
    db = check_array(database, "database", ndim=2, dtype_kind="fui")
    yq = check_array(query_labels, "query_labels", ndim=1, dtype_kind="uib")
    ydb = check_array(database_labels, "database_labels", ndim=1, dtype_kind="uib")
    for name, x, y in (("queries", q, yq), ("database", db, ydb)):
        if len(x) != len(y):
            raise ValueError(f"{name} and its labels must have the same length. "
                             f"Received: {len(x)} and {len(y)}")
    if db.shape[1] != q.shape[1]:
        raise ValueError("queries and database must have the same number of features. "
                         f"Received: {q.shape[1]} and {db.shape[1]}")
    block = check_number(block, "block", low=1, integer=True)
    prepared = _database(db, metric)
    aps = []
    for start in range(0, len(q), block):
        dist = _distances(_queries(q[start : start + block], prepared), db, prepared)
        order = np.argsort(dist, axis=1, kind="stable")
        del dist
        aps.append(average_precision(ydb[order] == yq[start : start + block, None]))
    return float(np.mean(np.concatenate(aps)))


__all__ = ["average_precision", "mean_average_precision", "nearest_neighbors", "precision_at_k"]
