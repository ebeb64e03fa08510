r"""Scores for generative models, on feature vectors (NumPy in, numbers out).

The features come from a *domain* network (chapter 04: a small CNN classifier trained on
Fashion-MNIST, its penultimate layer), not from Inception: the numbers are comparable only
with the same features and the same sample counts, so every function states its counts.

- :func:`frechet_distance`, :func:`fid`: the Fréchet distance of two Gaussians fitted to the
  features (Heusel et al. 2017),
  :math:`\lVert\mu_1 - \mu_2\rVert^2 + \operatorname{Tr}(\Sigma_1 + \Sigma_2
  - 2(\Sigma_1\Sigma_2)^{1/2})`, with scipy's matrix square root.
- :func:`kid`: the kernel inception distance (Bińkowski et al. 2018), an unbiased MMD² with
  the cubic kernel :math:`k(x, y) = (x^\top y / d + 1)^3`, averaged over random subsets.
- :func:`precision_recall`: precision, recall (Kynkäänniemi et al. 2019), density and
  coverage (Naeem et al. 2020) from k-nearest-neighbour balls, computed in row blocks so
  10 000 × 10 000 distances never sit in memory at once.
- :func:`class_shares`: the share of samples per predicted class (mode collapse shows as
  classes near 0).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import check_array, check_number, check_seed

#: Rows of the distance matrix computed at once: ``chunk × N`` float64 (1000 × 10 000 = 80 MB).
CHUNK = 1000


def _features(x, name):
    return check_array(x, name, ndim=2, dtype_kind="uif").astype(np.float64)


def _same_width(a, b, names):
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same feature width. Received: "
            f"{names[0]} of shape {a.shape}, {names[1]} of shape {b.shape}"
        )


def gaussian_stats(features):
    """Mean (d,) and covariance (d, d) (unbiased, ``n - 1``) of features (n, d).

    Raises:
        ValueError: fewer samples than feature dimensions + 1 (the covariance would be
            singular: its square root, hence the FID, would be meaningless).
    """
    x = _features(features, "features")
    n, d = x.shape
    if n <= d:
        raise ValueError(
            f"a Fréchet distance needs more samples than feature dimensions ({d}): the "
            f"covariance of {n} samples is singular. Use more samples or narrower features. "
            f"Received: features of shape {x.shape}"
        )
    return x.mean(axis=0), np.cov(x, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2):
    r""":math:`\lVert\mu_1-\mu_2\rVert^2 + \operatorname{Tr}(\Sigma_1+\Sigma_2
    - 2(\Sigma_1\Sigma_2)^{1/2})` between :math:`N(\mu_1, \Sigma_1)` and :math:`N(\mu_2,
    \Sigma_2)`.

    ``scipy.linalg.sqrtm`` of the product. A singular product (a feature that never varies,
    e.g. a dead ReLU unit) has a square root, which is used as it is; only when the root is
    not finite is a tiny ridge (1e-6 I) added to both covariances and the root taken again,
    as pytorch-fid does. (A ridge added whenever the product is singular biased the FID
    downward: a feature dead in one set and of variance v in the other lost about
    :math:`2\sqrt{10^{-6} v}`.) The root's imaginary round-off is dropped.
    """
    from scipy import linalg

    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2,
                                                                                    np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2,
                                                                                     np.float64))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (len(mu1), len(mu1)):
        raise ValueError(
            "the means must have one shape (d,) and the covariances (d, d). Received: "
            f"mu1 {mu1.shape}, sigma1 {s1.shape}, mu2 {mu2.shape}, sigma2 {s2.shape}"
        )
    with warnings.catch_warnings():  # "singular": expected for a dead feature, and harmless
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(s1 @ s2)
        if not np.all(np.isfinite(covmean)):
            ridge = 1e-6 * np.eye(len(mu1))
            covmean = linalg.sqrtm((s1 + ridge) @ (s2 + ridge))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean), 0.0))


def fid(features_a, features_b):
    """The Fréchet distance between Gaussians fitted to two sets of features (n_a, d) and
    (n_b, d); compare FIDs only at equal sample counts (the estimate is biased upward, more
    so for fewer samples).

    Raises:
        ValueError: different widths; fewer samples than feature dimensions + 1.
    """
    a, b = _features(features_a, "features_a"), _features(features_b, "features_b")
    _same_width(a, b, ("features_a", "features_b"))
    return frechet_distance(*gaussian_stats(a), *gaussian_stats(b))


def _mmd2_unbiased(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1.0) ** 3
    kyy = (y @ y.T / d + 1.0) ** 3
    kxy = (x @ y.T / d + 1.0) ** 3
    m, n = len(x), len(y)
    within = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (
        n * (n - 1))
    return within - 2.0 * kxy.mean()


def kid(features_a, features_b, *, subsets=10, subset_size=1000, seed=0):
    r"""Kernel inception distance: the unbiased MMD² with :math:`k(x,y) = (x^\top y/d + 1)^3`,
    averaged over ``subsets`` random subsets of ``subset_size`` rows of each set (at most all
    rows). Unlike the FID it is unbiased, so small samples are comparable.

    Returns:
        ``(mean, sd)`` over the subsets (floats; the sd is 0 for one subset).
    """
    a, b = _features(features_a, "features_a"), _features(features_b, "features_b")
    _same_width(a, b, ("features_a", "features_b"))
    subsets = check_number(subsets, "subsets", low=1, integer=True)
    subset_size = check_number(subset_size, "subset_size", low=2, integer=True)
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise ValueError(f"kid needs at least 2 samples in each set. Received: {len(a)} and "
                         f"{len(b)}")
    rng = check_seed(seed)
    values = [
        _mmd2_unbiased(a[rng.choice(len(a), m, replace=False)],
                       b[rng.choice(len(b), m, replace=False)])
        for _ in range(subsets)
    ]
    return float(np.mean(values)), float(np.std(values))


def _sq_norms(x):
    return np.einsum("ij,ij->i", x, x)


def _distances(a, b, b_norms):
    """Euclidean distances of a block of rows ``a`` to every row of ``b``: (len(a), len(b)).
    The expansion ``|a|^2 + |b|^2 - 2 a.b`` loses the digits that the distances differ by
    when the rows lie far from the origin compared with their spread: callers centre first."""
    d2 = _sq_norms(a)[:, None] + b_norms[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))


def _radii(x, k, chunk):
    """:func:`knn_radii` of checked, centred rows."""
    if len(x) <= k:
        raise ValueError(f"k-NN radii need more than k={k} samples. Received: {len(x)}")
    norms, radii = _sq_norms(x), np.empty(len(x))
    for start in range(0, len(x), chunk):
        d = _distances(x[start:start + chunk], x, norms)
        radii[start:start + chunk] = np.partition(d, k, axis=1)[:, k]  # [:, 0] is the row itself
    return radii


def knn_radii(features, k=5, *, chunk=CHUNK):
    """Distance of each row to its ``k``-th nearest *other* row: (n,)."""
    x = _features(features, "features")
    k = check_number(k, "k", low=1, integer=True)
    chunk = check_number(chunk, "chunk", low=1, integer=True)
    return _radii(x - x.mean(axis=0), k, chunk)


def precision_recall(real_features, fake_features, *, k=5, chunk=CHUNK):
    r"""Precision, recall, density and coverage of generated features against real ones.

    With :math:`B(x, r)` the ball around :math:`x` of radius :math:`r`, :math:`\mathrm{NN}_k(x)`
    the distance of :math:`x` to its :math:`k`-th nearest neighbour in its own set, real
    :math:`X_i` (N of them) and fake :math:`Y_j` (M):

    - precision: share of fakes inside some real ball :math:`B(X_i, \mathrm{NN}_k(X_i))`;
    - recall: share of reals inside some fake ball :math:`B(Y_j, \mathrm{NN}_k(Y_j))`;
    - density: :math:`\frac{1}{kM}\sum_j \#\{i : Y_j \in B(X_i, \mathrm{NN}_k(X_i))\}`
      (about 1 when fakes are distributed like the reals, more where they crowd);
    - coverage: share of reals whose own ball holds at least one fake.

    Balls are closed: a point at exactly the radius is inside (``<=``), as in the definitions
    of both papers. The reference code of Naeem et al. (the ``prdc`` package) tests ``<``
    (open balls); the two agree except on exact ties, which duplicated features make
    common (8-bit images, dead ReLU units): a fake equal to a real's k-th neighbour is inside
    that real's ball here, not there. Distances are computed in blocks of ``chunk`` rows
    (float64), after centring both sets on the real mean.

    Returns:
        dict with ``precision``, ``recall``, ``density``, ``coverage`` (floats).
    """
    real, fake = _features(real_features, "real_features"), _features(fake_features,
                                                                       "fake_features")
    _same_width(real, fake, ("real_features", "fake_features"))
    chunk = check_number(chunk, "chunk", low=1, integer=True)
    k = check_number(k, "k", low=1, integer=True)
    centre = real.mean(axis=0)  # one centre for every distance, so equal distances stay equal
    real, fake = real - centre, fake - centre
    r_real = _radii(real, k, chunk)
    r_fake = _radii(fake, k, chunk)
    fake_norms = _sq_norms(fake)
    inside_count = np.zeros(len(fake))  # per fake: how many real balls hold it
    covered = np.zeros(len(real), dtype=bool)
    recalled = np.zeros(len(real), dtype=bool)
    for start in range(0, len(real), chunk):
        block = slice(start, start + chunk)
        d = _distances(real[block], fake, fake_norms)  # (block, M)
        inside = d <= r_real[block, None]
        inside_count += inside.sum(axis=0)
        covered[block] = inside.any(axis=1)
        recalled[block] = (d <= r_fake[None, :]).any(axis=1)
    return {
        "precision": float(np.mean(inside_count > 0)),
        "recall": float(np.mean(recalled)),
        "density": float(inside_count.sum() / (k * len(fake))),
        "coverage": float(np.mean(covered)),
    }


def class_shares(labels, n_classes=10):
    """Share of each class among predicted labels: float64 (n_classes,) summing to 1."""
    y = check_array(labels, "labels", ndim=1, dtype_kind="ui")
    # one share per class: more classes than labels * 1000 is a count typed wrong, not data
    n_classes = check_number(n_classes, "n_classes", low=1, high=max(1000 * len(y), 10**6),
                             integer=True)
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in [0, {n_classes - 1}]. Received: labels spanning "
                         f"[{y.min()}, {y.max()}]")
    return np.bincount(y, minlength=n_classes) / len(y)


__all__ = [
    "CHUNK",
    "class_shares",
    "fid",
    "frechet_distance",
    "gaussian_stats",
    "kid",
    "knn_radii",
    "precision_recall",
]
