import numpy as np
import pytest

from unsuplab.metrics import precision_at_k
from unsuplab.metrics.retrieval import (
    average_precision,
    mean_average_precision,
    nearest_neighbors,
)


def test_nearest_neighbors_hand_computed():
    db = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [10.0, 0.0]])
    q = np.array([[0.9, 0.0], [9.0, 0.0]])
    np.testing.assert_array_equal(nearest_neighbors(q, db, k=3), [[1, 0, 2], [3, 2, 1]])


def test_leave_one_out_excludes_the_query_itself():
    x = np.array([[0.0], [0.1], [5.0], [5.2]])
    np.testing.assert_array_equal(nearest_neighbors(x, k=1).ravel(), [1, 0, 3, 2])
    assert precision_at_k(x, np.array([0, 0, 1, 1]), k=1) == 1.0
    # k=2 must reach across to the other group: half the neighbours share the label
    assert precision_at_k(x, np.array([0, 0, 1, 1]), k=2) == 0.5


def test_precision_at_k_hand_computed_with_a_database():
    db = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    db_labels = np.array([0, 0, 1, 1, 1])
    q = np.array([[0.2], [10.4]])
    # query 0: neighbours 0, 1, 2 -> labels 0, 0, 1 (2 of 3 match label 0)
    # query 1: neighbours 3, 4, 2 -> labels 1, 1, 1 (3 of 3 match label 1)
    got = precision_at_k(q, np.array([0, 1]), db, db_labels, k=3)
    assert got == pytest.approx((2 / 3 + 3 / 3) / 2)


def test_cosine_ignores_the_norm():
    db = np.array([[1.0, 0.0], [0.0, 1.0]])
    q = np.array([[100.0, 1.0]])  # far from both in euclidean terms, aligned with the first
    assert nearest_neighbors(q, db, k=1, metric="cosine")[0, 0] == 0
    assert precision_at_k(q, np.array([0]), db, np.array([0, 1]), k=1, metric="cosine") == 1.0


def test_chunking_matches_the_direct_computation(rng, monkeypatch):
    from unsuplab.metrics import retrieval

    monkeypatch.setattr(retrieval, "_BLOCK", 50_000)  # blocks of 45 queries: 25 blocks
    x = rng.normal(size=(1100, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=1100)
    got = nearest_neighbors(x, k=4)
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    expected = np.argsort(d, axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(np.sort(got, axis=1), np.sort(expected, axis=1))
    assert precision_at_k(x, y, k=4) == pytest.approx(np.mean(y[expected] == y[:, None]))


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_uint8_database_in_chunks_matches_floats(rng, monkeypatch, metric):
    from unsuplab.metrics import retrieval

    monkeypatch.setattr(retrieval, "_DB_CHUNK", 70)  # 300 rows: 5 chunks, the last ragged
    db = rng.integers(0, 256, size=(300, 12), dtype=np.uint8)
    q = rng.integers(0, 256, size=(40, 12), dtype=np.uint8)
    yq, ydb = rng.integers(0, 3, 40), rng.integers(0, 3, 300)
    dbf, qf = db.astype(np.float64), q.astype(np.float64)
    if metric == "cosine":
        dbf /= np.linalg.norm(dbf, axis=1, keepdims=True)
        qf /= np.linalg.norm(qf, axis=1, keepdims=True)
    d = ((qf[:, None, :] - dbf[None, :, :]) ** 2).sum(-1)
    expected = np.argsort(d, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(nearest_neighbors(q, db, k=5, metric=metric), expected)
    order = np.argsort(d, axis=1, kind="stable")
    want = average_precision(ydb[order] == yq[:, None]).mean()
    got = mean_average_precision(q, yq, db, ydb, metric=metric, block=7)
    assert got == pytest.approx(want, abs=1e-9)


def test_a_uint8_database_is_never_cast_whole(rng):
    import tracemalloc

    db = rng.integers(0, 256, size=(30_000, 784), dtype=np.uint8)  # 94 MB as float32
    y = rng.integers(0, 10, 30_000)
    tracemalloc.start()
    try:
        mean_average_precision(db[:32], y[:32], db, y)
        precision_at_k(db[:32], y[:32], db, y, k=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f"peak {peak / 1e6:.0f} MB"


def test_clear_errors_on_bad_input():
    x = np.zeros((4, 2))
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="rank 2"):
        precision_at_k(np.zeros((4, 2, 2)), y)
    with pytest.raises(ValueError, match="same length"):
        precision_at_k(x, y[:3])
    with pytest.raises(ValueError, match="same number of features"):
        precision_at_k(x, y, np.zeros((5, 3)), np.zeros(5, int))
    with pytest.raises(ValueError, match="database_labels is required"):
        precision_at_k(x, y, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="without a database"):
        precision_at_k(x, y, database_labels=y)
    with pytest.raises(ValueError, match="k must be <= 3"):
        precision_at_k(x, y, k=4)  # leave-one-out leaves 3 candidates
    with pytest.raises(ValueError, match="k must be >= 1"):
        precision_at_k(x, y, k=0)
    with pytest.raises(ValueError, match="metric"):
        precision_at_k(x, y, metric="manhattan")
    with pytest.raises(ValueError, match="NaN"):
        precision_at_k(np.full((4, 2), np.nan), y)
    with pytest.raises(TypeError, match="query_labels"):
        precision_at_k(x, np.array([0.0, 1.0, 0.0, 1.0]))


# --- chapter 06: average precision and mAP ----------------------------------------------------

def test_average_precision_by_hand():
    # relevant at ranks 1, 3: (1/1 + 2/3) / 2
    assert average_precision([1, 0, 1, 0]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([0, 0, 0]) == 0.0
    np.testing.assert_allclose(average_precision(np.array([[1, 1, 0], [0, 1, 1]])),
                               [1.0, (1 / 2 + 2 / 3) / 2])
    with pytest.raises(ValueError, match="only 0 and 1"):
        average_precision([0, 2])


def test_mean_average_precision_perfect_and_by_hand():
    db = np.array([[0.0], [1.0], [10.0], [11.0]])
    ydb = np.array([0, 0, 1, 1])
    assert mean_average_precision(np.array([[0.5], [10.5]]), np.array([0, 1]), db, ydb) == 1.0
    # query at 5.6 with label 0: ranking 10 (1), 11 (1), 1 (0), 0 (0) by distance: 4.4, 5.4, 4.6
    got = mean_average_precision(np.array([[5.6]]), np.array([0]), db, ydb, block=1)
    assert got == pytest.approx(average_precision([0, 1, 0, 1]))


def test_mean_average_precision_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="database and its labels must have the same length"):
        mean_average_precision(np.zeros((2, 3)), np.zeros(2, int), np.zeros((4, 3)),
                               np.zeros(3, int))
    with pytest.raises(ValueError, match="same number of features"):
        mean_average_precision(np.zeros((2, 3)), np.zeros(2, int), np.zeros((4, 2)),
                               np.zeros(4, int))


# --- against scikit-learn, at the edges --------------------------------------------------------


def test_cosine_zero_norm_rows_have_similarity_zero_as_in_sklearn():
    from sklearn.metrics.pairwise import cosine_distances

    # cosine similarities with the query: 0.98, 0 (zero row), -0.98, 0.29, 0.74
    db = np.array([[1.0, 0.0], [0.0, 0.0], [-1.0, -0.1], [0.1, 1.0], [0.6, 0.8]])
    q = np.array([[1.0, 0.2], [0.0, 0.0]])
    want = np.argsort(cosine_distances(q, db), axis=1, kind="stable")
    assert want[0].tolist() == [0, 4, 3, 1, 2]  # the zero row after every positive similarity
    np.testing.assert_array_equal(nearest_neighbors(q, db, k=5, metric="cosine"), want)
    ydb = np.array([0, 1, 1, 0, 0])
    got = mean_average_precision(q[:1], np.array([1]), db, ydb, metric="cosine")
    assert got == pytest.approx(average_precision(ydb[want[0]] == 1))


def test_euclidean_far_from_the_origin_matches_sklearn(rng):
    from sklearn.neighbors import NearestNeighbors

    # spread 1 around 3e4 in float32: |x|^2 - 2 x.w + |w|^2 cancels every digit of the
    # distances (float32 keeps 7 of the 9 digits of |x|^2 = 9e9 per feature)
    x = (3e4 + rng.normal(size=(300, 6))).astype(np.float32)
    y = rng.integers(0, 3, size=300)
    ref = NearestNeighbors(n_neighbors=6, algorithm="brute").fit(x.astype(np.float64))
    want = ref.kneighbors(x.astype(np.float64), return_distance=False)[:, 1:]  # self first
    np.testing.assert_array_equal(nearest_neighbors(x, k=5), want)
    assert precision_at_k(x, y, k=5) == pytest.approx(np.mean(y[want] == y[:, None]))


def test_mean_average_precision_matches_sklearn_without_ties(rng):
    from sklearn.metrics import average_precision_score
    from sklearn.metrics.pairwise import euclidean_distances

    db, q = rng.normal(size=(80, 4)) + 50.0, rng.normal(size=(9, 4)) + 50.0
    ydb, yq = rng.integers(0, 3, 80), rng.integers(0, 3, 9)
    d = euclidean_distances(q, db)
    want = np.mean([average_precision_score(ydb == yq[i], -d[i]) for i in range(len(q))])
    assert mean_average_precision(q, yq, db, ydb, block=4) == pytest.approx(want, abs=1e-12)


def test_tied_distances_rank_by_database_index():
    # the documented convention: ties keep the database order (a stable sort); scikit-learn's
    # average_precision_score puts tied items at one threshold instead
    from sklearn.metrics import average_precision_score

    db = np.array([[1.0], [-1.0], [3.0]])  # items 0 and 1 tie at distance 1 from 0.0
    q, ydb = np.array([[0.0]]), np.array([0, 1, 1])
    assert mean_average_precision(q, np.array([1]), db, ydb) == pytest.approx(
        average_precision([0, 1, 1]))  # item 0 (irrelevant) ranked first: (1/2 + 2/3) / 2
    swapped = mean_average_precision(q, np.array([1]), db[[1, 0, 2]], ydb[[1, 0, 2]])
    assert swapped == pytest.approx(average_precision([1, 0, 1]))  # (1 + 2/3) / 2
    # scikit-learn: one threshold for the tied pair (precision 1/2 at recall 1/2), whatever
    # their order: 1/2 * 1/2 + 1/2 * 2/3
    for order in ([0, 1, 2], [1, 0, 2]):
        tied = average_precision_score(ydb[order] == 1, -np.abs(db[order, 0]))
        assert tied == pytest.approx(1 / 4 + 1 / 3)
    np.testing.assert_array_equal(nearest_neighbors(q, db, k=2), [[0, 1]])


@pytest.mark.parametrize("bad", [None, "codes", 3])
def test_precision_at_k_names_queries_and_database_that_are_not_arrays(bad):
    z, y = np.zeros((4, 2)), np.array([0, 0, 1, 1])
    with pytest.raises((TypeError, ValueError), match=r"queries must"):
        precision_at_k(bad, y, k=1)
    with pytest.raises((TypeError, ValueError), match=r"database must|without a database"):
        precision_at_k(z, y, bad, y, k=1)
