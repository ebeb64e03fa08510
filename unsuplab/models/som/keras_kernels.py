"""The SOM's batch update and batched matching in ``keras.ops``, compiled once with the
backend's compiler (``tf.function`` on TensorFlow, ``jax.jit`` on JAX): the ``"keras"`` engine
of :mod:`.kernels`, for accelerators. Importing this module imports Keras and its backend, so
:mod:`.kernels` imports it only when the engine is used. Valid input is assumed.

With the Gaussian on the grid (the default) every batch goes through per-unit sums
(:func:`accumulate`, then :func:`apply_separable`: :math:`\\sum_k h_{kj} S_k` one grid axis at
a time, :math:`(R + C) K D`). Other neighbourhoods: a batch at least as large as the map goes
through per-unit sums and one K x K by K x D product (:func:`apply`); a smaller one gathers
the neighbourhood rows of its winners (:func:`small_step`, B x K x D). Shapes are fixed: the
last batch of an epoch is padded to the batch size and matching chunks to a few sizes, with a
``valid`` mask (1 for a real row, 0 for padding) so that padding never moves a prototype nor
counts in an error: JAX compiles once per shape, and TensorFlow keeps one trace per shape.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from ... import _backend
from . import kernels
from .neighborhoods import NEIGHBORHOODS

#: The smallest padded chunk on backends that compile per shape.
MIN_CHUNK = 64


def _scores(weights, x):
    # ||x - w||^2 - ||x - c||^2 = ||w - c||^2 - 2 (x - c).(w - c), c the prototypes' mean:
    # enough to rank the units for each sample; centred first, as in kernels._scores.
    centre = ops.mean(weights, axis=0)
    w = weights - centre[None, :]
    w_sq = ops.sum(w * w, axis=1)
    return w_sq[None, :] - 2.0 * ops.matmul(x - centre[None, :], ops.transpose(w))


def _distances_sq(weights, x, units):
    """Squared distance of each row of ``x`` to the prototype of its unit, computed directly
    (no cancellation between large norms)."""
    diff = x - ops.take(weights, units, axis=0)
    return ops.sum(diff * diff, axis=1)


def _match(weights, x, valid):
    """Best unit of each row and the sum of the (valid) rows' distances to it."""
    bmu = ops.cast(ops.argmin(_scores(weights, x), axis=1), "int32")
    qe_sum = ops.sum(ops.sqrt(_distances_sq(weights, x, bmu)) * valid)
    return bmu, qe_sum


def _capped_step(weights, pulled, mass, abs_mass, learning_rate):
    # w += eta sum_b h (x_b - w) / max(1, eta sum_b |h|), with the sums given per unit
    step = learning_rate / ops.maximum(1.0, learning_rate * abs_mass)
    return weights + step[:, None] * (pulled - mass[:, None] * weights)


@_backend.compile_fn
def accumulate(weights, data, idx, valid):
    """Per-unit sums :math:`S_k` and counts :math:`n_k` of the rows ``data[idx]`` whose BMU is
    :math:`k` (valid rows only), and the sum of their distances to their BMU."""
    x = ops.take(data, idx, axis=0)
    bmu, qe_sum = _match(weights, x, valid)
    n_units = ops.shape(weights)[0]
    sums = ops.segment_sum(x * valid[:, None], bmu, num_segments=n_units)
    counts = ops.segment_sum(valid, bmu, num_segments=n_units)
    return sums, counts, qe_sum


@_backend.compile_fn
def apply(weights, sums, counts, h, learning_rate):
    """The batch rule from per-unit sums: :math:`\\sum_b h_{c_b j} x_b = \\sum_k h_{kj} S_k`."""
    pulled = ops.matmul(ops.transpose(h), sums)
    mass = ops.sum(h * counts[:, None], axis=0)
    abs_mass = ops.sum(ops.abs(h) * counts[:, None], axis=0)
    return _capped_step(weights, pulled, mass, abs_mass, learning_rate)


@_backend.compile_fn
def apply_separable(weights, sums, counts, g_r, g_c, learning_rate):
    """The batch rule from per-unit sums, the Gaussian one grid axis at a time
    (:func:`.kernels.axis_factors`; the grid's shape is that of the factors)."""
    # ops.shape: a TensorFlow trace generalized to a second map size has unknown dimensions
    n_rows, n_cols, d = ops.shape(g_r)[0], ops.shape(g_c)[0], ops.shape(sums)[1]
    along_rows = ops.reshape(ops.matmul(g_r, ops.reshape(sums, (n_rows, -1))),
                             (n_rows, n_cols, d))
    pulled = ops.reshape(ops.einsum("ck,rkd->rcd", g_c, along_rows), (-1, d))
    mass = ops.matmul(ops.matmul(g_r, ops.reshape(counts, (n_rows, n_cols))), g_c)
    mass = ops.reshape(mass, (-1,))
    return _capped_step(weights, pulled, mass, mass, learning_rate)


@_backend.compile_fn
def small_step(weights, data, idx, valid, h, learning_rate):
    """The batch rule for a batch smaller than the map: gather h's rows per sample, so the
    cost is B*K*D instead of the K*K*D of going through per-unit sums."""
    x = ops.take(data, idx, axis=0)
    bmu, qe_sum = _match(weights, x, valid)
    h_b = ops.take(h, bmu, axis=0) * valid[:, None]  # (B, K): h_{c_b j}, 0 for padding
    pulled = ops.matmul(ops.transpose(h_b), x)
    mass = ops.sum(h_b, axis=0)
    abs_mass = ops.sum(ops.abs(h_b), axis=0)
    return _capped_step(weights, pulled, mass, abs_mass, learning_rate), qe_sum


@_backend.compile_fn(static_argnames=("name",))
def neighborhood(d2, sigma, name):
    """The named neighbourhoods of :mod:`.neighborhoods`, in ``keras.ops``."""
    s2 = sigma * sigma
    if name == "bubble":
        return ops.cast(d2 < s2, "float32")
    g = ops.exp(-d2 / (2.0 * s2))
    if name == "mexican_hat":
        return (1.0 - d2 / s2) * g
    return g


@_backend.compile_fn(static_argnames=("k",))
def best_two(weights, x, k):
    """The ``k`` (1 or 2) best-matching units of each row and the squared distance to the best."""
    _, top = ops.top_k(-_scores(weights, x), k=k)
    top = ops.cast(top, "int32")
    return top, _distances_sq(weights, x, top[:, 0])


# --- host-side drivers ---------------------------------------------------------------------------


def _scalar(value):
    # A tensor, not a Python float: a float would retrace tf.function at every new value.
    return ops.convert_to_tensor(np.float32(value))


def _padded_size(n, size):
    """Rows a batch of ``n`` is padded to: ``size`` or, for ``size=None``, the next power of
    two from MIN_CHUNK to CHUNK_SIZE. On every backend: a TensorFlow function retraced for a
    new shape keeps a trace with unknown shapes, whose kernels ran slower (a second, identical
    fit took 4.3 s against 2.9 s for the first, 2026-12-07)."""
    if size is not None:
        return size
    return min(kernels.CHUNK_SIZE, max(MIN_CHUNK, 1 << (n - 1).bit_length()))


def _rows(indices, size):
    """``indices`` (int32) padded with row 0 to ``size`` rows, and its ``valid`` mask."""
    n = len(indices)
    idx = np.zeros(size, dtype=np.int32)
    idx[:n] = indices
    valid = np.zeros(size, dtype=np.float32)
    valid[:n] = 1.0
    return ops.convert_to_tensor(idx), ops.convert_to_tensor(valid)


def to_device(array):
    """A float32 backend tensor of ``array``."""
    return ops.convert_to_tensor(np.asarray(array, dtype=np.float32))


def batch_epoch(weights, data, order, seen, batch, schedule, neighborhood_fn, d2_grid,
                grid_shape=None):
    """One epoch of the batch rule on the Keras backend (see :func:`.kernels.batch_epoch`;
    ``data`` is the (N, D) training data as a backend tensor, :func:`to_device`)."""
    chunk_size = kernels.CHUNK_SIZE
    w = to_device(weights)
    n_units = int(weights.shape[0])
    by_axis = kernels.separable(neighborhood_fn, grid_shape)
    named = next((k for k, f in NEIGHBORHOODS.items() if f is neighborhood_fn), None)
    d2_device = to_device(d2_grid)
    qe_sums = []
    n_updates = 0
    for start in range(0, len(order), batch):
        stop = min(start + batch, len(order))
        sigma, lr = schedule(seen + start)
        lr = _scalar(lr)
        if by_axis:  # per-unit sums, then the neighbourhood one grid axis at a time
            h = None
        elif named is not None:
            h = neighborhood(d2_device, _scalar(sigma), name=named)
        else:
            h = to_device(neighborhood_fn(d2_grid, sigma))
        if not by_axis and stop - start < n_units:
            idx, valid = _rows(order[start:stop], _padded_size(stop - start, batch))
            w, q = small_step(w, data, idx, valid, h, lr)
            qe_sums.append(q)
        else:
            sums = counts = None
            for part in range(start, stop, chunk_size):
                end = min(part + chunk_size, stop)
                size = _padded_size(end - part, min(chunk_size, batch))
                s, c, q = accumulate(w, data, *_rows(order[part:end], size))
                sums, counts = (s, c) if sums is None else (sums + s, counts + c)
                qe_sums.append(q)
            if by_axis:
                g_r, g_c = (to_device(g) for g in kernels.axis_factors(grid_shape, sigma))
                w = apply_separable(w, sums, counts, g_r, g_c, lr)
            else:
                w = apply(w, sums, counts, h, lr)
        n_updates += 1
    qe_sum = float(sum(float(_backend.to_numpy(q)) for q in qe_sums))
    return _backend.to_numpy(w), qe_sum, n_updates


def match(weights, X, k):
    """The ``k`` best units of each row of ``X``, shape (n, k), and the squared distance to
    the best, shape (n,), on the Keras backend (see :func:`.kernels.match`)."""
    chunk_size = kernels.CHUNK_SIZE
    w = to_device(weights)
    tops, bests = [], []
    for start in range(0, len(X), chunk_size):
        part = X[start : start + chunk_size]
        n = len(part)
        size = _padded_size(n, None)
        if size > n:
            part = np.concatenate([part, np.zeros((size - n, X.shape[1]), part.dtype)])
        top, best = best_two(w, to_device(part), k=k)
        tops.append(_backend.to_numpy(top)[:n])
        bests.append(_backend.to_numpy(best)[:n])
    return np.concatenate(tops), np.concatenate(bests)


__all__ = [
    "MIN_CHUNK",
    "accumulate",
    "apply",
    "apply_separable",
    "batch_epoch",
    "best_two",
    "match",
    "neighborhood",
    "small_step",
    "to_device",
]
