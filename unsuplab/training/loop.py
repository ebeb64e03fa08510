"""The training path every chapter uses: one tf.data iterator for the whole run.

Why not ``model.fit(x, ...)`` directly? On a CPU, Keras builds a new tf.data iterator at every
epoch (NumPy input is wrapped in a tf.data pipeline too). With tf.data's autotuning on (the
default, and what ``prefetch(AUTOTUNE)`` asks for), creating an iterator sometimes stalls the
first batch of the epoch by ~5 s of idle CPU, and destroying one at the end of ``fit`` stalls
it by 3-7 s more (both measured, the CPU idle meanwhile; both disappear with
``autotune.enabled=False``). :func:`fit` therefore feeds ``model.fit`` one *repeated*,
shuffled dataset with ``steps_per_epoch`` (Keras keeps one iterator across epochs, and every
epoch still sees each image once on average in a fresh order), built by
:func:`unsuplab.data.make_dataset` with the autotuner off and a fixed prefetch: the pipeline
(a cast and a corruption) is far cheaper than a training step, so nothing is lost.
``benchmarks/autoencoders.py`` reports the idle share per epoch (:class:`IdleMonitor`).

Distribution: build and compile the model inside ``strategy.scope()``; Keras then distributes
the dataset itself (tested with ``MirroredStrategy`` over two logical CPUs).
"""

from __future__ import annotations

import math

from .._validation import check_array, check_number
from ..data.pipeline import make_dataset


def _as_dataset(data, *, batch_size, shuffle, seed, repeat, map_fn, name):
    """Arrays (x or (x, y)) -> tf.data; an existing tf.data.Dataset passes through."""
    import tensorflow as tf

    if isinstance(data, tf.data.Dataset):
        return data, None
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError(f"{name} must be x or a pair (x, y). Received a tuple of {len(data)}")
        x, y = data
    else:
        x, y = data, None
    x = check_array(x, name, ndim=(3, 4), dtype_kind="uif")
    ds = make_dataset(
        x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, repeat=repeat, map_fn=map_fn
    )
    return ds, len(x)


def fit(
    model,
    x,
    y=None,
    *,
    epochs,
    batch_size=128,
    validation_data=None,
    callbacks=None,
    seed=0,
    map_fn=None,
    steps_per_epoch=None,
    initial_epoch=0,
    verbose="auto",
):
    """Train a compiled Keras model on images without epoch-boundary stalls.

    Args:
        model: a compiled ``keras.Model``. Autoencoders take their input as target
            (``train_step`` handles ``y=None``).
        x: images (uint8 (N, H, W[, C]) or float in [0, 1]) or a ``tf.data.Dataset`` that
            already repeats (then ``steps_per_epoch`` is required).
        y: optional targets/labels for ``x``.
        epochs: number of passes over the data.
        batch_size: images per step.
        validation_data: images, ``(x, y)`` or a finite ``tf.data.Dataset``; evaluated at the
            end of every epoch.
        callbacks: Keras callbacks.
        seed: shuffling seed (the model's own randomness is seeded by ``config.set_seed``).
        map_fn: a function applied to every float batch of the training set, e.g. a
            corruption that returns ``(corrupted, clean)``.
        steps_per_epoch: default ``ceil(N / batch_size)``.
        initial_epoch: resume a run (the epoch index to start from).

    Returns:
        The Keras ``History``.
    """
    epochs = check_number(epochs, "epochs", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    initial_epoch = check_number(initial_epoch, "initial_epoch", low=0, integer=True)
    if initial_epoch >= epochs:
        raise ValueError(
            f"initial_epoch must be < epochs ({epochs}). Received: initial_epoch={initial_epoch}"
        )
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model must be compiled before fit(): call model.compile(...) first.")
    train = x if y is None else (x, y)
    ds, n = _as_dataset(
        train, batch_size=batch_size, shuffle=True, seed=seed, repeat=True, map_fn=map_fn, name="x"
    )
    if steps_per_epoch is None:
        if n is None:
            raise ValueError("steps_per_epoch is required when x is a tf.data.Dataset.")
        steps_per_epoch = math.ceil(n / batch_size)
    steps_per_epoch = check_number(steps_per_epoch, "steps_per_epoch", low=1, integer=True)
    val = None
    if validation_data is not None:
        val, _ = _as_dataset(
            validation_data,
            batch_size=batch_size,
            shuffle=False,
            seed=seed,
            repeat=False,
            map_fn=map_fn,
            name="validation_data",
        )
    return model.fit(
        ds,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        validation_data=val,
        shuffle=False,  # the dataset shuffles itself (seeded)
        callbacks=list(callbacks or []),
        initial_epoch=initial_epoch,
        verbose=verbose,
    )
