"""Training: the backend-neutral :func:`fit`, callbacks, and the model cache."""

from .budget import fit_budget
from .cache import CacheWarning, cache_dir, cache_path, data_digest, load_or_train
from .callbacks import GANMonitor, IdleMonitor, StopOnDivergence, TimeBudget
from .loop import fit
from .reuse import copy_state, reuse_compiled

__all__ = [
    "CacheWarning",
    "GANMonitor",
    "IdleMonitor",
    "StopOnDivergence",
    "TimeBudget",
    "cache_dir",
    "cache_path",
    "copy_state",
    "data_digest",
    "fit",
    "fit_budget",
    "load_or_train",
    "reuse_compiled",
]
