"""Load a trained model if one is cached, else train it and cache it (the UvA pattern).

Models are saved as ``.keras`` files and loaded in safe mode. The cache key contains the mode
(quick/full) and the settings that define the model, so a quick model is never mistaken for a
full one. Location: ``UNSUPLAB_CACHE`` or ``~/.cache/unsuplab/models``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from .. import config


def cache_dir() -> Path:
    """The model cache folder (``UNSUPLAB_CACHE`` or ``~/.cache/unsuplab/models``)."""
    default = Path(os.path.expanduser("~")) / ".cache" / "unsuplab" / "models"
    return Path(os.environ.get("UNSUPLAB_CACHE", default))


def cache_path(name: str, params: dict | None = None) -> Path:
    """The ``.keras`` path for a model called ``name`` trained with ``params`` in this mode."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"name must be letters, digits, '_', '.', '-'. Received: name={name!r}")
    key = json.dumps({"mode": config.mode(), **(params or {})}, sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return cache_dir() / f"{name}-{config.mode()}-{digest}.keras"


def load_or_train(name: str, train: Callable, *, params: dict | None = None, retrain=False):
    """Return the cached model ``name`` if present, else ``train()`` it and cache it.

    Args:
        name: a short model name, e.g. ``"conv_ae_32"``.
        train: a function of no arguments that builds, trains and returns the model.
        params: the settings that define the model (part of the cache key).
        retrain: ignore the cache and train again.

    Returns:
        ``(model, trained)``: ``trained`` is False when the model came from the cache.
    """
    import keras

    if not callable(train):
        raise TypeError(f"train must be callable. Received: train={train!r}")
    path = cache_path(name, params)
    if path.is_file() and not retrain:
        return keras.saving.load_model(path, safe_mode=True), False
    model = train()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)
    return model, True
