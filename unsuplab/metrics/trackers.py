"""Loss trackers for models that override ``train_step`` (the keras-io pattern).

A model builds its trackers in ``__init__`` with :func:`loss_trackers` and returns them from
its ``metrics`` property, so Keras resets them at the start of every epoch.
"""

from __future__ import annotations


def loss_trackers(*names: str) -> dict:
    """Return ``{name: keras.metrics.Mean(name=name)}`` for each name, in order.

    Example:
        >>> trackers = loss_trackers("loss", "reconstruction_loss", "kl_loss")
    """
    import keras

    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"names must be non-empty strings. Received: names={names!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"names must be distinct. Received: names={names!r}")
    return {name: keras.metrics.Mean(name=name) for name in names}
