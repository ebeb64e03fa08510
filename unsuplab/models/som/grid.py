"""Grid geometry of the self-organizing map (NumPy): unit positions, grid distances, the PCA
plane the map starts on, the U-matrix, and which best-matching units are grid neighbours.

Units are numbered row-major: unit ``k`` sits at row ``k // n_cols`` and column
``k % n_cols``, as in ``weights_.reshape(-1, n_features)``.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from ..._validation import check_array, check_number


def grid_positions(n_rows, n_cols):
    """Grid position ``(row, col)`` of every unit, shape ``(n_rows * n_cols, 2)``, float32.

    Raises:
        TypeError, ValueError: for a side that is not an integer >= 1.
    """
    n_rows = check_number(n_rows, "n_rows", low=1, integer=True)
    n_cols = check_number(n_cols, "n_cols", low=1, integer=True)
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    return np.stack([rows, cols], axis=1).astype(np.float32)


def grid_distances_sq(n_rows, n_cols):
    """Squared grid distances :math:`\\lVert r_i - r_j \\rVert^2` between all pairs of units:
    shape ``(K, K)`` with ``K = n_rows * n_cols``, float32."""
    pos = grid_positions(n_rows, n_cols)
    diff = pos[:, None, :] - pos[None, :, :]
    return (diff**2).sum(-1)


def pca_plane(X, n_rows, n_cols, *, random_state=None):
    """Initial prototypes on the plane of the first two principal components of ``X``.

    Unit ``(r, c)`` gets :math:`\\bar x + a_r s_1 u_1 + b_c s_2 u_2` with :math:`a, b` evenly
    spaced in [-1, 1], :math:`u_i` the principal directions and :math:`s_i` their standard
    deviations (of at most 10 000 random samples); the longer side of the grid follows the
    first component.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_rows, n_cols : int
    random_state : int, RandomState instance or None

    Returns
    -------
    plane : ndarray of shape (n_rows * n_cols, n_features), float32
    """
    from sklearn.utils.extmath import randomized_svd

    n_rows = check_number(n_rows, "n_rows", low=1, integer=True)
    n_cols = check_number(n_cols, "n_cols", low=1, integer=True)
    X = check_array(X, "X", ndim=2, dtype_kind="uif").astype(np.float32)
    rng = check_random_state(random_state)
    if len(X) > 10_000:  # the plane of 10 000 samples is as good a start as that of all
        X = X[rng.choice(len(X), 10_000, replace=False)]
    mean = X.mean(axis=0)
    directions = np.zeros((2, X.shape[1]), dtype=np.float32)
    scales = np.zeros(2, dtype=np.float32)
    n_components = min(2, X.shape[1], len(X) - 1)
    if n_components > 0:
        _, singular, vt = randomized_svd(X - mean, n_components, n_iter=4, random_state=rng)
        directions[:n_components] = vt
        scales[:n_components] = singular / np.sqrt(len(X) - 1)  # standard deviations
    a = np.linspace(-1.0, 1.0, n_rows, dtype=np.float32)[:, None]
    b = np.linspace(-1.0, 1.0, n_cols, dtype=np.float32)[None, :]
    first, second = (0, 1) if n_rows >= n_cols else (1, 0)
    row_dir = scales[first] * directions[first]
    col_dir = scales[second] * directions[second]
    plane = mean + a[..., None] * row_dir + b[..., None] * col_dir
    return plane.reshape(n_rows * n_cols, -1).astype(np.float32)


def u_matrix(weights):
    """Mean distance of each prototype to its (up to 8) grid neighbours.

    :math:`U_{rc} = \\operatorname{mean}_{(r', c') \\in N_8(r, c)} \\lVert w_{rc} - w_{r'c'}
    \\rVert`. High values mark borders between clusters.

    Parameters
    ----------
    weights : array-like of shape (n_rows, n_cols, n_features)

    Returns
    -------
    ndarray of shape (n_rows, n_cols)
    """
    w = check_array(weights, "weights", ndim=3, dtype_kind="uif").astype(np.float64)
    n_rows, n_cols = w.shape[:2]
    total = np.zeros((n_rows, n_cols))
    count = np.zeros((n_rows, n_cols))
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            # unit (r, c) against its neighbour (r + dr, c + dc), where that exists
            r0, r1 = max(0, -dr), n_rows - max(0, dr)
            c0, c1 = max(0, -dc), n_cols - max(0, dc)
            if r0 >= r1 or c0 >= c1:
                continue
            here = w[r0:r1, c0:c1]
            there = w[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
            total[r0:r1, c0:c1] += np.linalg.norm(here - there, axis=-1)
            count[r0:r1, c0:c1] += 1
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


def initial_weights(init, X, n_rows, n_cols, rng):
    """The (K, D) float32 starting prototypes for ``init`` = ``"pca"`` (:func:`pca_plane`),
    ``"random"`` (samples drawn by ``rng``) or an array of shape exactly
    ``(n_rows, n_cols, n_features)`` (a transposed grid of the same size is refused)."""
    n_samples, n_features = X.shape
    if isinstance(init, np.ndarray):
        init = check_array(init, "init", dtype_kind="uif")
        if init.shape != (n_rows, n_cols, n_features):
            raise ValueError(
                f"init must have shape (n_rows, n_cols, n_features) = "
                f"{(n_rows, n_cols, n_features)}. Received: init of shape {init.shape}"
            )
        return init.reshape(n_rows * n_cols, n_features).astype(np.float32)
    if init == "random":
        idx = rng.choice(n_samples, n_rows * n_cols, replace=n_samples < n_rows * n_cols)
        return X[idx].astype(np.float32)
    return pca_plane(X, n_rows, n_cols, random_state=rng)


def hit_counts(labels, n_rows, n_cols, y=None, *, n_classes=None):
    """How many samples each unit wins, from their best-matching units ``labels`` (n,).

    Returns shape ``(n_rows, n_cols)``, or ``(n_classes, n_rows, n_cols)`` counted per class
    with labels ``y`` (n,) (``n_classes`` defaults to ``y.max() + 1``).
    """
    n_units = n_rows * n_cols
    if y is None:
        return np.bincount(labels, minlength=n_units).reshape(n_rows, n_cols)
    y = check_array(y, "y", ndim=1, dtype_kind="uib")
    if len(y) != len(labels):
        raise ValueError(
            f"y must have one label per sample. Received: {len(y)} labels for {len(labels)} samples"
        )
    if y.min() < 0:
        raise ValueError(f"y must hold labels >= 0. Received: y with minimum {y.min()}")
    k = (
        int(y.max()) + 1
        if n_classes is None
        else check_number(n_classes, "n_classes", low=int(y.max()) + 1, integer=True)
    )
    counts = np.zeros((k, n_units), dtype=np.int64)
    np.add.at(counts, (y.astype(np.int64), labels), 1)
    return counts.reshape(k, n_rows, n_cols)


def topographic(top, n_cols):
    """Share of rows of ``top`` (best and second-best unit of each sample, shape (n, 2)) whose
    two units are not grid neighbours (8-neighbourhood, as MiniSom). Valid input assumed."""
    rows, cols = np.divmod(top[:, :2], n_cols)
    adjacent = (np.abs(rows[:, 0] - rows[:, 1]) <= 1) & (np.abs(cols[:, 0] - cols[:, 1]) <= 1)
    return float(1.0 - adjacent.mean())


__all__ = [
    "grid_distances_sq",
    "grid_positions",
    "hit_counts",
    "initial_weights",
    "pca_plane",
    "topographic",
    "u_matrix",
]
