"""Train for a number of steps or for a wall-clock budget: how chapters 04 and 09 compare
models "at the same compute" (one :class:`TimeBudget` for every model) or at the same steps."""

from __future__ import annotations

import time

from .._validation import check_number
from .callbacks import TimeBudget
from .loop import fit


def fit_budget(model, *data, steps=None, seconds=None, steps_per_epoch, batch_size,
               callbacks=None, seed=0, verbose=0):
    """:func:`~unsuplab.training.fit` ``model`` for ``steps`` steps, or, with ``seconds``, until
    that much wall time has passed (a :class:`TimeBudget` stops it at the first step past it).

    Args:
        model: a compiled Keras model.
        *data: what :func:`fit` takes after the model (images, or images and labels).
        steps: the number of training steps (ignored when ``seconds`` is given; rounded up to
            whole epochs of ``steps_per_epoch``).
        seconds: a wall-clock budget (> 0), instead of ``steps``.
        steps_per_epoch, batch_size, callbacks, seed, verbose: as for :func:`fit`.

    Returns:
        ``model``, with ``model.train_seconds`` (wall time of the fit) and ``model.train_steps``
        (steps done) set.
    """
    steps_per_epoch = check_number(steps_per_epoch, "steps_per_epoch", low=1, integer=True)
    callbacks = list(callbacks or [])
    budget = None
    if seconds is not None:
        seconds = check_number(seconds, "seconds", low=0, low_inclusive=False)
        budget = TimeBudget(seconds)
        callbacks.append(budget)
        epochs = 10**6  # the budget stops it
    else:
        steps = check_number(steps, "steps", low=1, integer=True)
        epochs = -(-steps // steps_per_epoch)
    start = time.perf_counter()
    fit(model, *data, epochs=epochs, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
        callbacks=callbacks, seed=seed, verbose=verbose)
    model.train_seconds = time.perf_counter() - start
    model.train_steps = budget.steps if budget is not None else epochs * steps_per_epoch
    return model
