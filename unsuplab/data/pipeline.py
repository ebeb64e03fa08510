"""From uint8 arrays to batches: scaling, channel axis, subsets and the tf.data pipeline.

Images stay uint8 until they are batched (a quarter of float32's memory: what lets a 2 GB
Binder hold Fashion-MNIST); :func:`make_dataset` turns each batch to float32 in [0, 1].
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number, check_seed


def to_float(images, *, channel_axis: bool = True) -> np.ndarray:
    """Scale images to float32 in [0, 1] and add a trailing channel axis to (N, H, W) input.

    uint8 input is divided by 255; float input must already lie in [0, 1].
    """
    x = check_array(images, "images", ndim=(2, 3, 4), dtype_kind="uif")
    if x.dtype.kind in "ui":
        if x.min() < 0 or x.max() > 255:
            raise ValueError(
                f"integer images must lie in [0, 255]. Received: images with values in "
                f"[{x.min()}, {x.max()}]"
            )
        x = x.astype(np.float32) / 255.0
    else:
        check_array(x, "images", value_range=(0.0, 1.0))
        x = x.astype(np.float32)
    if channel_axis and x.ndim == 3:
        x = x[..., None]
    return x


def subset(x, y=None, n=None, *, seed=0, stratified=True):
    """Return the first-``n`` of a seeded (class-balanced, if ``y`` is given) sample.

    Args:
        x: array of shape (N, ...).
        y: optional labels of shape (N,).
        n: how many to keep; ``None`` or ``n >= N`` keeps all (in the original order).
        stratified: with ``y``, keep the class proportions.

    Returns:
        ``x_sub`` or ``(x_sub, y_sub)`` when ``y`` is given.
    """
    x = check_array(x, "x", ndim=(1, 2, 3, 4), finite=False)
    if y is not None:
        y = check_array(y, "y", ndim=1, dtype_kind="uib")
        if len(y) != len(x):
            raise ValueError(f"x and y must have the same length. Received: {len(x)} and {len(y)}")
    if n is None or n >= len(x):
        return x if y is None else (x, y)
    n = check_number(n, "n", low=1, integer=True)
    rng = check_seed(seed)
    if y is not None and stratified:
        from sklearn.model_selection import train_test_split

        idx, _ = train_test_split(
            np.arange(len(x)), train_size=n, stratify=y, random_state=int(rng.integers(2**31))
        )
        idx = np.sort(idx)
    else:
        idx = np.sort(rng.choice(len(x), size=n, replace=False))
    return x[idx] if y is None else (x[idx], y[idx])


def make_dataset(
    x,
    y=None,
    *,
    batch_size=128,
    shuffle=True,
    seed=0,
    repeat=False,
    map_fn=None,
    drop_remainder=False,
    prefetch=True,
):
    """Build a ``tf.data.Dataset`` of float32 image batches in [0, 1] with a channel axis.

    Args:
        x: images, uint8 (N, H, W[, C]) or float in [0, 1].
        y: optional labels; batches are then ``(images, labels)``.
        batch_size: images per batch.
        shuffle: reshuffle every pass, with ``seed`` (the same seed gives the same order).
        repeat: repeat forever (use with ``steps_per_epoch``; what :func:`unsuplab.training.fit`
            does, so that one iterator lives across epochs).
        map_fn: optional function applied to each float batch, e.g. a corruption that returns
            ``(corrupted, clean)`` pairs.
        drop_remainder: drop the last incomplete batch.

    Returns:
        A ``tf.data.Dataset``.
    """
    import tensorflow as tf

    x = check_array(x, "x", ndim=(3, 4), dtype_kind="uif")
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    if y is not None:
        y = check_array(y, "y", finite=False)
        if len(y) != len(x):
            raise ValueError(f"x and y must have the same length. Received: {len(x)} and {len(y)}")
    if x.ndim == 3:
        x = x[..., None]
    scale = 1.0 / 255.0 if x.dtype.kind in "ui" else 1.0

    ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
    if shuffle:
        seed = int(check_seed(seed).integers(2**31)) if not isinstance(seed, int) else seed
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def to_float32(*batch):
        images = tf.cast(batch[0], tf.float32) * scale
        return images if len(batch) == 1 else (images, batch[1])

    ds = ds.map(to_float32)
    if map_fn is not None:
        ds = ds.map(map_fn)
    if prefetch:
        ds = ds.prefetch(2)
    # tf.data's autotuner is off. With it on, creating *and destroying* an iterator sometimes
    # waits several seconds with the CPU idle (measured: 3-7 s after the last step of every
    # fit(), 5 s before the first batch of an epoch); these pipelines are a cast and a cheap
    # corruption, far faster than a training step, so a fixed 2-batch prefetch loses nothing.
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)
