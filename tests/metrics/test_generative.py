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


# --- against the reference implementations ----------------------------------------------------


def _pytorch_fid(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's ``calculate_frechet_distance`` (fid_score.py), written out with scipy's
    ``sqrtm``: the ridge only when the root is not finite; the imaginary part dropped."""
    import warnings

    from scipy import linalg

    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1.dot(sigma2))
        if not np.isfinite(covmean).all():
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        assert np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3)
        covmean = covmean.real
    return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def _stats(x):
    return x.mean(axis=0), np.cov(x, rowvar=False)


@pytest.mark.parametrize("dead", ["none", "both", "one"])
def test_fid_matches_pytorch_fid(dead):
    rng = np.random.default_rng(4)
    a = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    b = rng.normal(0.5, 1.5, size=(200, 6))
    if dead != "none":
        a[:, 0] = 0.0  # a dead ReLU unit: singular covariance, which has a square root
    if dead == "both":
        b[:, 0] = 0.0
    want = _pytorch_fid(*_stats(a), *_stats(b))
    assert fid(a, b) == pytest.approx(want, rel=1e-9, abs=1e-9)
    if dead == "one":
        # the ridge the old code added here took 2 sqrt(1e-6 var(b_0)) off the distance
        ridge = 1e-6 * np.eye(6)
        sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        biased = _pytorch_fid(a.mean(0), sa + ridge, b.mean(0), sb + ridge) - 12e-6
        assert fid(a, b) - biased == pytest.approx(2e-3 * np.sqrt(sb[0, 0]), rel=0.05)


def _torch_fidelity_kid(f1, f2):
    """torch-fidelity's ``polynomial_mmd`` / ``mmd2`` (unbiased), with scikit-learn's cubic
    polynomial kernel (gamma = 1/d, coef0 = 1), on one subset of m rows of each set."""
    from sklearn.metrics.pairwise import polynomial_kernel

    k_xx, k_yy = polynomial_kernel(f1, degree=3, coef0=1), polynomial_kernel(f2, degree=3,
                                                                             coef0=1)
    k_xy = polynomial_kernel(f1, f2, degree=3, coef0=1)
    m = len(f1)
    kt_xx = k_xx.sum() - np.trace(k_xx)
    kt_yy = k_yy.sum() - np.trace(k_yy)
    return (kt_xx + kt_yy) / (m * (m - 1)) - 2 * k_xy.sum() / (m * m)


def test_kid_matches_torch_fidelity():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(40, 7)), rng.normal(0.3, 1.1, size=(40, 7))
    # subsets of every row: a permutation each time, which the MMD does not see
    mean, sd = kid(a, b, subsets=3, subset_size=40)
    assert mean == pytest.approx(_torch_fidelity_kid(a, b), rel=1e-10)
    assert sd == pytest.approx(0.0, abs=1e-10)


def test_precision_recall_matches_the_prdc_package(capsys):
    prdc = pytest.importorskip("prdc")
    rng = np.random.default_rng(6)
    real = rng.normal(size=(150, 8))
    fake = rng.normal(0.4, 1.3, size=(120, 8))
    for k in (1, 5):
        want = prdc.compute_prdc(real, fake, nearest_k=k)
        assert precision_recall(real, fake, k=k, chunk=64) == pytest.approx(want, abs=1e-12)
    # far from the origin compared with the spread (|x|^2 - 2 x.y + |y|^2 would lose every
    # digit of the distances), the centred distances agree with the reference on the same
    # points near the origin (on a 1/1024 grid, so that adding 1e8 is exact)
    real, fake = np.round(real * 1024) / 1024, np.round(fake * 1024) / 1024
    want = prdc.compute_prdc(real, fake, nearest_k=3)
    assert precision_recall(real + 1e8, fake + 1e8, k=3) == pytest.approx(want, abs=1e-12)
    capsys.readouterr()  # prdc prints the sample counts


def test_precision_recall_closed_balls_differ_from_prdc_only_on_ties(capsys):
    prdc = pytest.importorskip("prdc")
    real = np.array([[0.0], [1.0], [2.0]])
    # fake 1.0 lies on the boundary of the balls of reals 0 and 2 (radius 1); 10, 12 in none
    fake = np.array([[1.0], [10.0], [12.0]])
    ours = precision_recall(real, fake, k=1)
    theirs = prdc.compute_prdc(real, fake, nearest_k=1)
    assert ours["density"] == pytest.approx(3 / 3)  # inside all three closed balls
    assert theirs["density"] == pytest.approx(1 / 3)  # inside the open ball of real 1 only
    assert ours["coverage"] == 1.0 and theirs["coverage"] == pytest.approx(1 / 3)
    nudged = fake + np.array([[1e-9], [0.0], [0.0]])  # off the boundary: the two agree
    assert precision_recall(real, nudged, k=1) == pytest.approx(
        prdc.compute_prdc(real, nudged, nearest_k=1))
    capsys.readouterr()


def test_class_shares_refuses_a_class_count_that_would_exhaust_memory():
    with pytest.raises(ValueError, match="n_classes"):
        class_shares(np.array([0, 1]), 10**12)
