"""From uint8 arrays to batches: scaling, channel axis, subsets and the tf.data pipeline.

Images stay uint8 until they are batched (a quarter of float32's memory: what lets a 2 GB
Binder hold Fashion-MNIST); :func:`make_dataset` turns each batch to float32 in [0, 1].
"""

from __future__ import annotations

import weakref

import numpy as np

from .._validation import check_array, check_images, check_number, check_seed


def to_float(images, *, channel_axis: bool = True) -> np.ndarray:
    """Scale images to float32 in [0, 1] and add a trailing channel axis to (N, H, W) input.

    uint8 input is divided by 255; float input must already lie in [0, 1].
    """
    x = check_images(images, "images", ndim=(2, 3, 4), dtype_kind="uif")
    x = x.astype(np.float32) / np.float32(255.0) if x.dtype.kind in "ui" else x.astype(np.float32)
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
    if n is not None:
        n = check_number(n, "n", low=1, integer=True)
    if n is None or n >= len(x):
        return x if y is None else (x, y)
    n = check_number(n, "n", low=1, integer=True)
    rng = check_seed(seed)
    if y is not None and stratified:
        from sklearn.model_selection import train_test_split

        n_classes = len(np.unique(y))
        if n < n_classes:
            raise ValueError(
                f"a class-balanced subset needs n >= the number of classes ({n_classes}); pass "
                f"stratified=False for fewer. Received: n={n}"
            )

        idx, _ = train_test_split(
            np.arange(len(x)), train_size=n, stratify=y, random_state=int(rng.integers(2**31))
        )
        idx = np.sort(idx)
    else:
        idx = np.sort(rng.choice(len(x), size=n, replace=False))
    return x[idx] if y is None else (x[idx], y[idx])


def _float_batch(images, scale):
    """A uint8 or float batch -> float32 in [0, 1] with a channel axis (NumPy)."""
    x = images.astype(np.float32) * np.float32(scale)
    return x[..., None] if x.ndim == 3 else x


def compact(images, *, chunk=4096):
    """uint8 copies of float images in [0, 1] that lie on the grid of 255ths (images made by
    :func:`to_float`); any other array is returned as it is.

    The tf.data pipeline holds its images in memory: as uint8 they take a quarter of the
    space (47 MB instead of 188 MB for 60k Fashion-MNIST images) and scale back to the same
    values, within float32 round-off, batch by batch.
    """
    if images.dtype.kind != "f" or images.size == 0:
        return images
    out = np.empty(images.shape, dtype=np.uint8)
    for start in range(0, len(images), chunk):
        block = images[start : start + chunk] * np.float32(255.0)
        levels = np.rint(block)
        if np.abs(block - levels).max() > 1e-3:
            return images  # not grey levels: keep the floats
        out[start : start + chunk] = levels
    return out


def _check_xy(x, y):
    """Checked images, and targets: labels pass as they are; *image* targets (rank 3 or 4, as
    in (noisy, clean) pairs) are checked like images, scaled to float32 [0, 1] if uint8 and
    given a channel axis, so both halves of a pair are on one scale."""
    x = check_images(x, "x", ndim=(3, 4), dtype_kind="uif")
    if y is not None:
        y = check_array(y, "y", finite=False)
        if len(y) != len(x):
            raise ValueError(f"x and y must have the same length. Received: {len(x)} and {len(y)}")
        if y.ndim >= 3:
            y = check_images(y, "y", ndim=(3, 4), dtype_kind="uif")
            y = _float_batch(y, 1.0 / 255.0 if y.dtype.kind in "ui" else 1.0)
    return x, y


class _Images:
    """The arrays a tf.data pipeline gathers its batches from (weakly referable)."""

    __slots__ = ("arrays", "__weakref__")

    def __init__(self, arrays):
        self.arrays = arrays


def make_dataset(
    x,
    y=None,
    *,
    batch_size=128,
    shuffle=True,
    seed=0,
    repeat=False,
    drop_remainder=False,
    prefetch=True,
):
    """Build a ``tf.data.Dataset`` of float32 image batches in [0, 1] with a channel axis
    (TensorFlow backend; :func:`make_batches` is the backend-neutral equivalent).

    Args:
        x: images, uint8 (N, H, W[, C]) or float in [0, 1].
        y: optional labels; batches are then ``(images, labels)``.
        batch_size: images per batch.
        shuffle: reshuffle every pass, with ``seed`` (the same seed gives the same order).
        repeat: repeat forever (use with ``steps_per_epoch``; what :func:`unsuplab.training.fit`
            does, so that one iterator lives across epochs).
        drop_remainder: drop the last incomplete batch.

    Returns:
        A ``tf.data.Dataset``.
    """
    import tensorflow as tf

    x, y = _check_xy(x, y)
    x = compact(x)  # a quarter of the memory for grey levels
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    if x.ndim == 3:
        x = x[..., None]
    scale = 1.0 / 255.0 if x.dtype.kind in "ui" else 1.0

    # The pipeline shuffles *indices* and gathers each batch from the caller's arrays: a
    # shuffle buffer of images would hold a second full copy (188 MB for 60k float32 images).
    # tf.data's shuffle draws the same permutation whatever the elements are, so the batches
    # are those of shuffling the images themselves. The gather is NumPy's (a
    # ``tf.numpy_function``), not ``tf.gather`` on the arrays made tensors: tensors captured by
    # the map function are copied into the dataset's graph when Keras builds its iterator,
    # and that memory stays with the process: measured, the first fit() on 70 000 Fashion-MNIST
    # images kept about 170 MB more, 140 000 images 350 MB, for NumPy gathers' 60 MB.
    #
    # The gather holds the arrays through a weak reference, and the dataset holds them: a
    # ``numpy_function`` stays alive with tf.data's traced map function after the dataset is
    # gone (for the life of the process), and with it whatever it refers to. Measured: each
    # fit() on 60 000 float images kept its 47 MB uint8 copy (``compact``), 12 models 560 MB.
    images = _Images((x,) if y is None else (x, np.asarray(y)))
    held = weakref.ref(images)
    shapes = tuple(a.shape[1:] for a in images.arrays)
    ds = tf.data.Dataset.range(len(x))
    if shuffle:
        seed = int(check_seed(seed).integers(2**31)) if not isinstance(seed, int) else seed
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    dtypes = tuple(tf.as_dtype(a.dtype) for a in images.arrays)

    def gather(indices):
        arrays = held()
        if arrays is None:  # only if a graph outlives its dataset and is run again
            raise RuntimeError("this tf.data pipeline's dataset was deleted with its images")
        return tuple(a[indices] for a in arrays.arrays)

    def to_float32(indices):
        parts = tf.numpy_function(gather, [indices], dtypes, stateful=False)
        for part, shape in zip(parts, shapes, strict=True):
            part.set_shape((None, *shape))
        batch = tf.cast(parts[0], tf.float32) * scale
        return batch if len(parts) == 1 else (batch, parts[1])

    ds = ds.map(to_float32)
    ds._unsuplab_images = images  # the images live as long as the dataset (and its iterators)
    if prefetch:
        ds = ds.prefetch(2)
    # tf.data's autotuner is off. With it on, creating *and destroying* an iterator sometimes
    # waits several seconds with the CPU idle (measured: 3-7 s after the last step of every
    # fit(), 5 s before the first batch of an epoch); these pipelines are a cast, far faster
    # than a training step, so a fixed 2-batch prefetch loses nothing.
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def make_batches(x, y=None, *, batch_size=128, shuffle=True, seed=0, repeat=False, start=0):
    """A ``keras.utils.PyDataset`` of float32 image batches in [0, 1] with a channel axis:
    the pipeline on every backend (JAX, PyTorch; TensorFlow uses :func:`make_dataset`).

    Images stay uint8 in memory and are scaled batch by batch. With ``shuffle`` every pass
    over the data visits it in a fresh order drawn from ``seed`` (the same seed gives the same
    orders). With ``repeat`` the dataset is endless (``num_batches`` is None: use it with
    ``steps_per_epoch``): batch ``i`` is batch ``i % n`` of pass ``i // n``, a pure function of
    its index, so Keras peeking at a batch (to build a loaded model's metrics) shifts nothing,
    and ``start`` (the batches already trained on) resumes the stream exactly.
    """
    import keras

    x, y = _check_xy(x, y)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    start = check_number(start, "start", low=0, integer=True)
    scale = 1.0 / 255.0 if x.dtype.kind in "ui" else 1.0
    rng = check_seed(seed)
    n_batches = -(-len(x) // batch_size)
    orders = []  # the order of pass p, drawn in sequence from rng

    def order(p):
        while len(orders) <= p:
            orders.append(rng.permutation(len(x)) if shuffle else np.arange(len(x)))
        return orders[p]

    class ImageBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch = 0  # finite datasets: passes completed

        @property
        def num_batches(self):
            return None if repeat else n_batches

        def __len__(self):
            return n_batches

        def __getitem__(self, index):
            if repeat:
                p, position = divmod(index + start, n_batches)
            else:
                p, position = self.epoch, index
            idx = np.sort(order(p)[position * batch_size : (position + 1) * batch_size])
            images = _float_batch(x[idx], scale)
            return images if y is None else (images, y[idx])

        def on_epoch_end(self):
            if not repeat:
                self.epoch += 1

    return ImageBatches()
