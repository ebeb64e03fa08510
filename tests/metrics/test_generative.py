"""Generative scores against hand-computed values."""

import numpy as np
import pytest

from unsuplab.metrics.generative import (
    class_shares,
    fid,
    frechet_distance,
    gaussian_stats,
    kid,
    knn_radii,
    precision_recall,
)


def test_frechet_distance_by_hand():
    # 1-D: (m1 - m2)^2 + s1 + s2 - 2 sqrt(s1 s2) = 4 + 4 + 1 - 4
    assert frechet_distance([1.0], [[4.0]], [3.0], [[1.0]]) == pytest.approx(5.0)
    # diagonal: sum of the 1-D terms, (1 - 3)^2 + (2 - 1)^2 for the standard deviations
    d = frechet_distance(np.zeros(2), np.diag([1.0, 4.0]), np.zeros(2), np.diag([9.0, 1.0]))
    assert d == pytest.approx(5.0)
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert frechet_distance(np.ones(2), a, np.ones(2), a) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="the means must have one shape"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fid_of_samples(dtype):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 3)).astype(dtype)
    b = (rng.normal(size=(4000, 3)) * 2.0 + 1.0).astype(dtype)
    # N(0, I) vs N(1, 4I): 3 * 1 + 3 * (1 - 2)^2 = 6
    assert fid(a, b) == pytest.approx(6.0, rel=0.1)
    assert fid(a, a) == pytest.approx(0.0, abs=1e-6)
    mean, cov = gaussian_stats(a)
    np.testing.assert_allclose(cov, np.cov(a.astype(np.float64), rowvar=False))


def test_fid_needs_more_samples_than_dimensions_and_equal_widths():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="more samples than feature dimensions"):
        fid(rng.normal(size=(5, 8)), rng.normal(size=(50, 8)))
    with pytest.raises(ValueError, match="the same feature width"):
        fid(rng.normal(size=(50, 8)), rng.normal(size=(50, 6)))
    with pytest.raises(ValueError, match="the same feature width"):
        kid(rng.normal(size=(50, 8)), rng.normal(size=(50, 6)))
    with pytest.raises(ValueError, match="the same feature width"):
        precision_recall(rng.normal(size=(50, 8)), rng.normal(size=(50, 6)))


def test_kid_by_hand():
    # k(a, b) = (ab + 1)^3 in 1-D: within x 27 (off-diagonal mean), within y 1, across 37/4
    x, y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    mean, sd = kid(x, y, subsets=1, subset_size=2)
    assert mean == pytest.approx(27 + 1 - 2 * 37 / 4) and sd == 0.0
    rng = np.random.default_rng(1)
    same = kid(rng.normal(size=(500, 4)), rng.normal(size=(500, 4)), subsets=5, subset_size=200)
    assert abs(same[0]) < 0.05  # unbiased: near 0 for one distribution


def test_precision_recall_density_coverage_by_hand():
    real = np.array([[0.0], [1.0], [2.0], [10.0]])
    fake = np.array([[0.5], [5.0], [20.0]])
    np.testing.assert_allclose(knn_radii(real, 1), [1, 1, 1, 8])
    scores = precision_recall(real, fake, k=1)
    assert scores == pytest.approx(
        {"precision": 2 / 3, "recall": 1.0, "density": 1.0, "coverage": 0.75})


def test_precision_recall_chunks_give_the_same_numbers():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(60, 5)), rng.normal(0.3, 1.2, size=(45, 5))
    assert precision_recall(real, fake, chunk=7) == pytest.approx(
        precision_recall(real, fake, chunk=1000))


def test_class_shares():
    np.testing.assert_allclose(class_shares(np.array([0, 0, 2, 3]), 4), [0.5, 0, 0.25, 0.25])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        class_shares(np.array([0, 3]), 3)


def test_fid_with_a_dead_feature_is_finite_and_quiet():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    a[:, 0] = b[:, 0] = 0.0  # a feature that never varies: singular covariances
    assert fid(a, b) == pytest.approx(fid(a[:, 1:], b[:, 1:]), abs=1e-4)
