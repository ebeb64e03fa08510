"""Few-label draws: which training images get their label revealed (chapter 08).

A *class-balanced draw* of ``n_labels`` labels reveals ``n_labels / n_classes`` labels of
every class, chosen at random (seeded); every other training image stays unlabelled. The
few-label protocol repeats each budget over several seeded draws and reports the mean and
spread, because with 10 or 100 labels *which* images were labelled moves the accuracy by
several points.

    >>> idx = draw_labels(y_train, 100, seed=0)        # 10 indices per class
    >>> draws = label_draws(y_train, 100, n_draws=5)   # 5 such index arrays, seeds 0..4
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number, check_seed


def _check_y(y, name="y"):
    y = check_array(y, name, ndim=1, dtype_kind="uib")
    if y.dtype.kind == "i" and y.min() < 0:
        raise ValueError(f"{name} must hold class indices >= 0. Received: {name} with minimum "
                         f"{int(y.min())}")
    return y.astype(np.int64, copy=False)


def draw_labels(y, n_labels, *, seed=0):
    """Indices of a class-balanced, seeded draw of ``n_labels`` labelled examples.

    Every class present in ``y`` gets ``n_labels // n_classes`` examples, drawn without
    replacement with ``np.random.default_rng(seed)``; the indices come back sorted.

    Args:
        y: int labels of shape (n_samples,), classes 0..K-1 (all the labels of the pool the
            draw is made from; only the drawn ones are revealed to a method).
        n_labels: how many labels to reveal; a multiple of the number of classes.
        seed: an int or a ``np.random.Generator``.

    Returns:
        ndarray of int64 indices into ``y``, shape (n_labels,), sorted.

    Raises:
        ValueError: ``n_labels`` not a positive multiple of the number of classes, or more
            labels asked for a class than it has examples.
    """
    y = _check_y(y)
    n_labels = check_number(n_labels, "n_labels", low=1, integer=True)
    rng = check_seed(seed)
    classes, counts = np.unique(y, return_counts=True)
    if n_labels % len(classes):
        raise ValueError(f"n_labels must be a multiple of the number of classes "
                         f"({len(classes)}) for a class-balanced draw. Received: "
                         f"n_labels={n_labels}")
    per_class = n_labels // len(classes)
    short = counts < per_class
    if short.any():
        c = int(classes[short][0])
        raise ValueError(f"a class-balanced draw of {n_labels} labels needs {per_class} "
                         f"examples of each class, but class {c} has only "
                         f"{int(counts[short][0])}. Received: n_labels={n_labels}")
    picked = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in classes]
    return np.sort(np.concatenate(picked)).astype(np.int64)


def label_draws(y, n_labels, *, n_draws=5, seed=0):
    """``n_draws`` class-balanced draws (:func:`draw_labels` with seeds ``seed``,
    ``seed + 1``, ...): a list of index arrays."""
    n_draws = check_number(n_draws, "n_draws", low=1, integer=True)
    seed = check_number(seed, "seed", low=0, integer=True)
    return [draw_labels(y, n_labels, seed=seed + i) for i in range(n_draws)]


def hide_labels(y, labelled):
    """A copy of ``y`` with -1 (scikit-learn's "unlabelled") everywhere but at ``labelled``."""
    y = _check_y(y)
    idx = check_array(labelled, "labelled", ndim=1, dtype_kind="ui")
    if idx.size and (idx.min() < 0 or idx.max() >= len(y)):
        raise ValueError(f"labelled must index y (0..{len(y) - 1}). Received: labelled with "
                         f"range [{int(idx.min())}, {int(idx.max())}]")
    out = np.full(len(y), -1, dtype=np.int64)
    out[idx] = y[idx]
    return out


__all__ = ["draw_labels", "hide_labels", "label_draws"]
