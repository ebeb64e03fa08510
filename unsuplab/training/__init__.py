"""Training: the stall-free :func:`fit`, callbacks, model caching and distribution helpers."""

from .cache import cache_dir, cache_path, load_or_train
from .callbacks import IdleMonitor, ReconstructionGrid
from .loop import fit


def get_strategy(name: str = "auto"):
    """Return a ``tf.distribute`` strategy: ``"auto"`` (Mirrored over the GPUs if there are
    several, else the default), ``"default"``, or ``"mirrored"``."""
    import tensorflow as tf

    if name not in ("auto", "default", "mirrored"):
        raise ValueError(f"name must be 'auto', 'default' or 'mirrored'. Received: name={name!r}")
    if name == "mirrored" or (name == "auto" and len(tf.config.list_logical_devices("GPU")) > 1):
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


__all__ = [
    "IdleMonitor",
    "ReconstructionGrid",
    "cache_dir",
    "cache_path",
    "fit",
    "get_strategy",
    "load_or_train",
]
