"""The SOM's numeric kernels: the batch update and batched matching, and the classic online
rule. Valid input is assumed: :class:`~.estimator.SOM` checks it.

The batch rule, for a batch of samples :math:`x_b` with best-matching units :math:`c_b`:

.. math::  w_j \\leftarrow w_j + \\frac{\\eta \\sum_b h_{c_b j} (x_b - w_j)}
                                     {\\max\\big(1,\\ \\eta \\sum_b |h_{c_b j}|\\big)} .

Two engines compute it, to the same rule and rounding-level agreement:

- ``"numpy"``: NumPy on the CPU (the matrix products are BLAS calls). An update goes through
  per-unit sums, :math:`\\sum_b h_{c_b j} x_b = \\sum_{k \\in U} h_{kj} S_k` with :math:`S_k`
  the sum of the batch's samples whose BMU is :math:`k` and :math:`U` the units that won at
  least one, so it costs one K x |U| by |U| x D product (|U| <= min(B, K)) besides the
  matching (one B x D by D x K product); the Gaussian on the grid goes one grid axis at a
  time instead (:func:`separable`), and the per-unit sums are a sparse one-hot product.
  Nothing is compiled and nothing imports Keras.
- ``"keras"``: ``keras.ops`` compiled for the Keras backend (:mod:`.keras_kernels`), on a
  GPU when there is one; imported only when used (at ``fit``).

The estimator's default, ``"auto"``, picks between them (:func:`resolve_engine`): NumPy on a
CPU, where it is the faster (``benchmarks/som.py`` times both engines on each backend).
"""

from __future__ import annotations

import numpy as np

from .grid import topographic
from .neighborhoods import gaussian

#: Rows of data per call when matching many samples (bounds memory: a chunk of 8192 samples
#: against 400 units is a 13 MB distance matrix).
CHUNK_SIZE = 8192
#: The engines of :func:`batch_epoch` and :func:`match`.
ENGINES = ("keras", "numpy")


def resolve_engine(engine):
    """The engine ``"auto"`` stands for: ``"keras"`` when Keras is already imported and its
    backend has an accelerator (a GPU or TPU), else ``"numpy"``. On a CPU NumPy's BLAS is the
    faster: for 60 000 presentations on a 20 x 20 map (``benchmarks/som.py``, 2026-12-07)
    0.9-1.1 s against 2.7-3.7 s compiled by TensorFlow (whose CPU product of a 256 x 784 by
    a 784 x 400 matrix took 6.4 ms where NumPy's took 1.9 ms) and 1.2-1.3 s by JAX. Keras
    is never imported for the question: that would cost a CPU-only kernel seconds and
    hundreds of MB. Other values pass through."""
    if engine != "auto":
        return engine
    import sys

    keras = sys.modules.get("keras")
    if keras is None:
        return "numpy"
    try:  # Keras's own device list, on every backend ("cpu:0", "gpu:0", ...)
        devices = keras.distribution.list_devices()
    except Exception:  # a backend that cannot say: the CPU engine is always right
        devices = []
    accelerated = any(not str(d).lower().startswith("cpu") for d in devices)
    return "keras" if accelerated else "numpy"


def _keras():
    from . import keras_kernels

    return keras_kernels


def prepare(X, engine):
    """The training data as the engine uses it: ``X`` itself for NumPy, a backend tensor for
    Keras (copied to the device once per fit)."""
    return _keras().to_device(X) if engine == "keras" else X


# --- the NumPy engine ----------------------------------------------------------------------------


def _scores(weights, x):
    # ||x - w||^2 - ||x - c||^2 = ||w - c||^2 - 2 (x - c).(w - c), c the prototypes' mean:
    # enough to rank the units for each sample. Centred first: in float32 the expansion
    # ||x||^2 - 2 x.w + ||w||^2 cancels every digit the distances differ by when the data lie
    # far from the origin compared with their spread (features of 1000 +- 0.01).
    centre = weights.mean(axis=0)
    w = weights - centre
    scores = (x - centre) @ w.T
    scores *= -2.0
    scores += np.einsum("kd,kd->k", w, w)
    return scores


def _distances_sq(weights, x, units):
    """Squared distance of each row of ``x`` to the prototype of its unit, computed directly
    (no cancellation between large norms)."""
    diff = x - weights[units]
    return np.einsum("bd,bd->b", diff, diff)


def _per_unit_sums(x, bmu, n_units):
    """The sum of the rows of ``x`` whose BMU is each unit, (K, D), and their counts, (K,): a
    sparse one-hot (K, B) matrix times ``x`` (a tenth of the time of sorting the rows and
    ``np.add.reduceat``, 2026-12-07)."""
    from scipy.sparse import csr_matrix

    n = len(bmu)
    one_hot = csr_matrix((np.ones(n, dtype=np.float32), (bmu, np.arange(n))),
                         shape=(n_units, n))
    return one_hot @ x, np.bincount(bmu, minlength=n_units).astype(np.float32)


def axis_factors(grid_shape, sigma):
    r"""The Gaussian neighbourhood of a rectangular grid, one factor per axis: ``(g_r, g_c)``,
    symmetric (R, R) and (C, C) float32 matrices with :math:`h_{kj} = g_r[r_k, r_j]\,
    g_c[c_k, c_j]`, since :math:`e^{-(\Delta r^2 + \Delta c^2)/2\sigma^2} =
    e^{-\Delta r^2/2\sigma^2} e^{-\Delta c^2/2\sigma^2}`."""
    factors = []
    for n in grid_shape:
        i = np.arange(n, dtype=np.float32)
        factors.append(np.asarray(gaussian((i[:, None] - i[None, :]) ** 2, sigma), np.float32))
    return tuple(factors)


def separable(neighborhood_fn, grid_shape):
    r"""Whether the update can go axis by axis (:func:`axis_factors`): the Gaussian on a known
    grid. Then :math:`\sum_k h_{kj} S_k` costs :math:`(R + C)\,K D` instead of
    :math:`|U|\,K D` (for a 20 x 20 map, 40 against up to 400 multiply-adds per unit and
    feature) and, the Gaussian being positive, :math:`\sum_k |h_{kj}| n_k` is the mass."""
    return neighborhood_fn is gaussian and grid_shape is not None


def _separable_pull(sums, counts, factors):
    r"""``(pulled, mass)``: :math:`\sum_k h_{kj} S_k` (K, D) and :math:`\sum_k h_{kj} n_k`
    (K,) for every unit ``j``, one grid axis at a time."""
    g_r, g_c = factors
    n_rows, n_cols = len(g_r), len(g_c)
    d = sums.shape[1]
    along_rows = (g_r @ sums.reshape(n_rows, n_cols * d)).reshape(n_rows, n_cols, d)
    pulled = np.matmul(g_c, along_rows)  # for each row: (C, C) @ (C, D)
    mass = g_r @ counts.reshape(n_rows, n_cols) @ g_c
    return pulled.reshape(n_rows * n_cols, d), mass.reshape(-1)


def _numpy_epoch(weights, X, order, seen, batch, schedule, neighborhood_fn, d2_grid,
                 grid_shape=None):
    by_axis = separable(neighborhood_fn, grid_shape)
    w = np.array(weights, dtype=np.float32)
    n_units, n_features = w.shape
    qe_sum = 0.0
    n_updates = 0
    for start in range(0, len(order), batch):
        stop = min(start + batch, len(order))
        sigma, lr = schedule(seen + start)
        sums = np.zeros((n_units, n_features), dtype=np.float32)
        counts = np.zeros(n_units, dtype=np.float32)
        for part in range(start, stop, CHUNK_SIZE):  # matching against the same prototypes
            x = X[order[part : min(part + CHUNK_SIZE, stop)]]
            bmu = _scores(w, x).argmin(axis=1)
            qe_sum += float(np.sqrt(_distances_sq(w, x, bmu)).sum())
            part_sums, part_counts = _per_unit_sums(x, bmu, n_units)
            sums += part_sums
            counts += part_counts
        if by_axis:
            pulled, mass = _separable_pull(sums, counts, axis_factors(grid_shape, sigma))
            abs_mass = mass
        else:
            won = np.flatnonzero(counts)
            h = np.asarray(neighborhood_fn(d2_grid[won], sigma), dtype=np.float32)  # (|U|, K)
            pulled = h.T @ sums[won]
            mass = counts[won] @ h
            abs_mass = counts[won] @ np.abs(h)
        step = np.float32(lr) / np.maximum(np.float32(1.0), np.float32(lr) * abs_mass)
        pulled -= mass[:, None] * w  # in place: w += step (pulled - mass w)
        pulled *= step[:, None]
        w += pulled
        n_updates += 1
    return w, qe_sum, n_updates


def _numpy_match(weights, X, k):
    w = np.asarray(weights, dtype=np.float32)
    tops, bests = [], []
    for start in range(0, len(X), CHUNK_SIZE):
        x = np.asarray(X[start : start + CHUNK_SIZE], dtype=np.float32)
        scores = _scores(w, x)
        if k == 1:
            top = scores.argmin(axis=1)[:, None]
        else:
            top = np.argpartition(scores, 1, axis=1)[:, :2]
            pair = np.take_along_axis(scores, top, axis=1)
            swap = (pair[:, 1] < pair[:, 0]) | (
                (pair[:, 1] == pair[:, 0]) & (top[:, 1] < top[:, 0])
            )
            top[swap] = top[swap][:, ::-1]
        tops.append(top)
        bests.append(_distances_sq(w, x, top[:, 0]))
    return np.concatenate(tops), np.concatenate(bests)


# --- the entry points ----------------------------------------------------------------------------


def batch_epoch(weights, data, order, seen, batch, schedule, neighborhood_fn, d2_grid, engine,
                grid_shape=None):
    """One epoch of the batch rule.

    Args:
        weights: (K, D) float32 prototypes.
        data: (N, D) training data, as :func:`prepare` gives it for ``engine``.
        order: row indices of the samples to present, in order.
        seen: samples presented before this epoch (where the schedule is read).
        batch: samples per update.
        schedule: ``schedule(t) -> (sigma, learning_rate)``.
        neighborhood_fn: a function of :data:`.NEIGHBORHOODS` or any callable ``h(d2, sigma)``.
        d2_grid: (K, K) squared grid distances.
        engine: ``"numpy"`` or ``"keras"``.
        grid_shape: ``(n_rows, n_cols)`` of the rectangular grid behind ``d2_grid``; with the
            Gaussian neighbourhood the update then goes axis by axis (:func:`separable`).

    Returns:
        ``(weights, qe_sum, n_updates)``: the new (K, D) NumPy weights, the summed distance of
        each sample to its BMU when it was presented, and the number of updates made.
    """
    run = _keras().batch_epoch if engine == "keras" else _numpy_epoch
    return run(weights, data, order, seen, batch, schedule, neighborhood_fn, d2_grid, grid_shape)


def match(weights, X, engine="numpy"):
    """The two best units of each row of ``X`` (one column for a one-unit map), shape (n, k),
    int64, and the squared distance to the best, shape (n,), float32."""
    k = min(2, int(weights.shape[0]))
    run = _keras().match if engine == "keras" else _numpy_match
    top, best = run(weights, X, k)
    return top.astype(np.int64), best.astype(np.float32)


def errors(weights, X, n_cols=None, engine="numpy"):
    """``(quantization error, topographic error)`` of (K, D) ``weights`` on valid ``X``: the
    mean distance to the best unit, and the share of samples whose two best units are not grid
    neighbours (``nan`` for one unit or without ``n_cols``)."""
    top, best = match(weights, X, engine)
    qe = float(np.sqrt(best).mean())
    te = float("nan") if n_cols is None or weights.shape[0] == 1 else topographic(top, n_cols)
    return qe, te


def online_epoch(weights, X, order, seen, schedule, neighborhood_fn, d2_grid):
    """The classic rule, one sample at a time, in NumPy:
    :math:`w_j \\leftarrow w_j + \\eta\\, h_{c j} (x - w_j)`.

    Returns:
        ``(weights, qe_sum)``: the new (K, D) weights and the summed distance of each sample
        to its BMU when it was presented.
    """
    weights = weights.astype(np.float32, copy=True)
    sigmas, rates = schedule(seen + np.arange(len(order)))  # the whole epoch's schedule at once
    qe_sum = 0.0
    for index, sigma, lr in zip(order, sigmas, rates, strict=True):
        x = X[index]
        d2 = ((weights - x) ** 2).sum(axis=1)
        c = int(np.argmin(d2))
        qe_sum += float(np.sqrt(d2[c]))
        h = np.asarray(neighborhood_fn(d2_grid[c], sigma), dtype=np.float32)
        weights += (lr * h)[:, None] * (x - weights)
    return weights, qe_sum


__all__ = [
    "CHUNK_SIZE",
    "ENGINES",
    "axis_factors",
    "batch_epoch",
    "errors",
    "match",
    "online_epoch",
    "prepare",
    "resolve_engine",
    "separable",
]
