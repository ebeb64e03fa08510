"""The training path every chapter uses, on every backend: :func:`fit`.

Why not ``model.fit(x, ...)`` directly?

- **TensorFlow**: Keras builds a new tf.data iterator at every epoch (NumPy input is wrapped
  in a tf.data pipeline too). With tf.data's autotuning on, creating an iterator sometimes
  stalls the first batch of the epoch by ~5 s of idle CPU, and destroying one at the end of
  ``fit`` stalls it by 3-7 s more (both measured; both disappear with the autotuner off).
  :func:`fit` therefore feeds ``model.fit`` one *repeated*, shuffled dataset with
  ``steps_per_epoch`` (one iterator across epochs), built by
  :func:`unsuplab.data.make_dataset` with the autotuner off and a fixed prefetch.
- **JAX and the other backends**: tf.data does not exist there; images go through
  :func:`unsuplab.data.make_batches`, a ``keras.utils.PyDataset`` that keeps them uint8 in
  memory and scales each batch (a 2 GB Binder holds Fashion-MNIST).
- **Both**: a model whose loss needs random corruptions (noise, holes, binarization, masks)
  draws them inside its own ``compute_loss`` from its ``SeedGenerator``, so the data path is
  only "shuffle, batch, scale"; training stops with a clear message when the loss becomes NaN
  (:class:`unsuplab.training.StopOnDivergence`); and the per-epoch logs end up in
  ``model.training_history`` (a dict of lists, appended to when a run is resumed).

Distribution: on TensorFlow build and compile the model inside ``strategy.scope()``; on JAX
call ``keras.distribution.set_distribution(keras.distribution.DataParallel(...))`` first.
Keras then splits the batches itself (both tested on two devices).
"""

from __future__ import annotations

import math

from .._backend import is_tensorflow, release_memory
from .._validation import check_array, check_number
from ..data.pipeline import make_batches, make_dataset
from .callbacks import StopOnDivergence


def _as_input(data, *, batch_size, shuffle, seed, repeat, name, start=0):
    """Arrays (x or (x, y)) -> tf.data (TensorFlow) or a PyDataset; datasets pass through."""
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError(
                f"{name} must be images or a pair (images, targets). "
                f"Received: a tuple of {len(data)} elements"
            )
        x, y = data
    else:
        x, y = data, None
    if not hasattr(x, "shape") and not isinstance(x, (list, tuple)):
        return data, None  # a tf.data.Dataset, PyDataset or generator: the caller's business
    x = check_array(x, name, ndim=(3, 4), dtype_kind="uif")
    if is_tensorflow():
        ds = make_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, repeat=repeat)
        ds = ds.skip(start) if start else ds
    else:
        ds = make_batches(
            x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, repeat=repeat, start=start
        )
    return ds, len(x)


def _check_callbacks(callbacks):
    if callbacks is None:
        return []
    import keras

    if isinstance(callbacks, keras.callbacks.Callback):
        callbacks = [callbacks]
    if not isinstance(callbacks, (list, tuple)) or not all(
        isinstance(c, keras.callbacks.Callback) for c in callbacks
    ):
        raise TypeError(
            "callbacks must be a list of keras.callbacks.Callback. "
            f"Received: callbacks={callbacks!r}"
        )
    return list(callbacks)


def _checked_targets(model, y, n, validation_data):
    """Labels checked by a classifier's ``check_targets`` (class indices in range), before
    they reach a gather inside the compiled loss; ``validation_data`` pairs too."""
    check = getattr(model, "check_targets", None)
    if not callable(check):
        return y, validation_data
    if n is not None:  # y=None too: a model that checks targets needs them
        y = check(y, n, "y")
    if isinstance(validation_data, tuple) and len(validation_data) == 2:
        vx, vy = validation_data
        if hasattr(vx, "shape"):
            validation_data = (vx, check(vy, len(vx), "validation_data[1]"))
    return y, validation_data


def _build_optimizer(model):
    """Create the optimizer's slots before ``model.fit`` when the model's weights exist.

    On TensorFlow without a distribution strategy, Keras builds the optimizer inside the first
    trace of the training step; variables created inside a ``tf.function`` make TensorFlow trace
    the step a second time, which doubled the start-up of every training (about 12 s of the
    first 20 steps of chapter 09's U-Net, 2 CPU cores). Built here, the step is traced once.
    Keras builds a loaded model's optimizer over the same ``trainable_variables``, so saved
    and resumed models see the same slots. Nothing changes on JAX or under a distribution
    strategy, where Keras builds it beforehand itself.
    """
    optimizer = model.optimizer
    if getattr(optimizer, "built", True) or not model.built:
        return
    if getattr(model, "_distribute_strategy", None) is not None:
        return  # Keras builds it before tracing under a strategy (in the strategy's scope)
    # all sub-layers built: their weights exist (Keras's own check before a symbolic build)
    if all(layer.built for layer in model._flatten_layers()) and model.trainable_variables:
        optimizer.build(model.trainable_variables)


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
    steps_per_epoch=None,
    initial_epoch=0,
    stop_on_nan=True,
    verbose="auto",
):
    """Train a compiled Keras model on images, on any backend, without epoch-boundary stalls.

    Args:
        model: a compiled ``keras.Model``. Autoencoders take their input as target; models
            that corrupt their input (denoisers, inpainters, the VAE's binarization) do so in
            their own ``compute_loss``.
        x: images, uint8 (N, H, W[, C]) or float in [0, 1]; or a ready dataset (then
            ``steps_per_epoch`` is required).
        y: optional targets or labels for ``x``.
        epochs: the epoch to stop after (as in Keras: with ``initial_epoch`` it resumes).
        batch_size: images per step.
        validation_data: images, ``(images, targets)`` or a finite dataset; evaluated at the
            end of every epoch.
        callbacks: Keras callbacks.
        seed: shuffling seed (the model's own randomness is seeded by the model's ``seed``).
        steps_per_epoch: default ``ceil(N / batch_size)``.
        initial_epoch: resume a run (the epoch index to start from).
        stop_on_nan: stop with :class:`FloatingPointError` when the loss becomes NaN or
            infinite (:class:`StopOnDivergence`).

    Returns:
        The Keras ``History``; its logs are also appended to ``model.training_history``.

    Raises:
        ValueError: an uncompiled model, bad counts, images outside [0, 1].
        FloatingPointError: the loss diverged (with ``stop_on_nan``).
    """
    epochs = check_number(epochs, "epochs", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    initial_epoch = check_number(initial_epoch, "initial_epoch", low=0, integer=True)
    if initial_epoch >= epochs:
        raise ValueError(
            f"initial_epoch must be < epochs ({epochs}). Received: initial_epoch={initial_epoch}"
        )
    if getattr(model, "optimizer", None) is None:
        raise ValueError(
            f"model must be compiled before fit(): call model.compile(...) first. "
            f"Received: an uncompiled {type(model).__name__}"
        )
    minimum = getattr(model, "min_batch_size", 1)  # a contrastive loss needs 2 images
    if batch_size < minimum:
        raise ValueError(f"{type(model).__name__} trains on batches of at least {minimum} "
                         f"images. Received: batch_size={batch_size}")
    callbacks = _check_callbacks(callbacks)
    if stop_on_nan and not any(isinstance(c, StopOnDivergence) for c in callbacks):
        callbacks.append(StopOnDivergence())
    train = x if y is None else (x, y)
    images = train[0] if isinstance(train, tuple) else train
    n = len(images) if hasattr(images, "shape") else None  # arrays; a dataset has no shape
    y, validation_data = _checked_targets(model, y, n, validation_data)
    train = x if y is None else (x, y)
    if steps_per_epoch is None:
        if n is None:
            raise ValueError("steps_per_epoch is required when x is a dataset.")
        steps_per_epoch = math.ceil(n / batch_size)
    steps_per_epoch = check_number(steps_per_epoch, "steps_per_epoch", low=1, integer=True)
    # a resumed run (initial_epoch > 0) continues the stream where the first one stopped
    ds, _ = _as_input(train, batch_size=batch_size, shuffle=True, seed=seed, repeat=True,
                      name="x", start=initial_epoch * steps_per_epoch)
    val = None
    if validation_data is not None:
        val, _ = _as_input(
            validation_data,
            batch_size=batch_size,
            shuffle=False,
            seed=seed,
            repeat=False,
            name="validation_data",
        )
    _build_optimizer(model)
    history = model.fit(
        ds,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        validation_data=val,
        shuffle=False,  # the dataset shuffles itself (seeded)
        callbacks=callbacks,
        initial_epoch=initial_epoch,
        verbose=verbose,
    )
    del ds, val  # the pipelines and their arrays, then the freed heap back to the system
    release_memory()
    logs = getattr(model, "training_history", None) if initial_epoch else None
    logs = {k: list(v) for k, v in (logs or {}).items()}
    for key, values in history.history.items():
        logs.setdefault(key, []).extend(float(v) for v in values)
    model.training_history = logs
    return history
