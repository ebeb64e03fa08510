"""Training: the backend-neutral :func:`fit`, callbacks, and the model cache."""

from .cache import CacheWarning, cache_dir, cache_path, data_digest, load_or_train
from .callbacks import IdleMonitor, StopOnDivergence
from .loop import fit

__all__ = [
    "CacheWarning",
    "IdleMonitor",
    "StopOnDivergence",
    "cache_dir",
    "cache_path",
    "data_digest",
    "fit",
    "load_or_train",
]
