"""Load a trained model if one is cached, else train it and cache it (the UvA pattern).

Models are saved as ``.keras`` files (loaded in safe mode), with their per-epoch logs
(``model.training_history``) in a JSON file beside them. The cache key holds

- the mode (quick/full) and the package version;
- the model's class, its config and the shapes of its weights (a *fingerprint*: a changed
  architecture, even one made in code without a new argument, retrains instead of loading
  a stale model);
- the training arguments the recipe passes as ``params``;
- a digest of the training data (different images of the same count retrain).

A cached entry that cannot be read (truncated, empty, corrupt), that holds a model of another
class, or whose log file is broken is retrained with a :class:`CacheWarning`, never trusted
and never a crash. Location: ``UNSUPLAB_CACHE`` or ``~/.cache/unsuplab/models``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import __version__, config
from .._validation import check_methods


class CacheWarning(UserWarning):
    """A cached model was unusable (broken, of another class) and is being retrained."""


def cache_dir() -> Path:
    """The model cache folder (``UNSUPLAB_CACHE`` or ``~/.cache/unsuplab/models``)."""
    default = Path(os.path.expanduser("~")) / ".cache" / "unsuplab" / "models"
    return Path(os.environ.get("UNSUPLAB_CACHE", default))


def _check_name(name):
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"name must be letters, digits, '_', '.', '-'. Received: name={name!r}")
    return name


def cache_path(name: str, params: dict | None = None) -> Path:
    """The ``.keras`` path for a model called ``name`` whose key is ``params``, in this mode."""
    _check_name(name)
    if params is not None and not isinstance(params, dict):
        raise TypeError(f"params must be a dict. Received: params={params!r}")
    key = json.dumps(
        {"mode": config.mode(), "version": __version__, **(params or {})},
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return cache_dir() / f"{name}-{config.mode()}-{digest}.keras"


def data_digest(*arrays) -> str:
    """A short SHA-256 digest of arrays (their shape, dtype and bytes): the data in a key."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"None")
            continue
        if isinstance(a, (list, tuple)):
            h.update(data_digest(*a).encode())
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(memoryview(a.reshape(-1)).cast("B"))  # the bytes, without a copy
    return h.hexdigest()[:16]


def _without_names(value):
    """A config with every auto-generated ``name`` removed (they change within a session)."""
    if isinstance(value, dict):
        return {k: _without_names(v) for k, v in value.items() if k != "name"}
    if isinstance(value, (list, tuple)):
        return [_without_names(v) for v in value]
    return value


def fingerprint(model) -> dict:
    """The part of a cache key that identifies an architecture: class, config, weight shapes."""
    cls = type(model)
    try:
        model_config = _without_names(model.get_config())
    except NotImplementedError:
        model_config = None
    return {
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "config": model_config,
        "weights": [list(w.shape) for w in model.weights],
    }


def _history_path(path: Path) -> Path:
    return path.with_suffix(".history.json")


def _load(path: Path, expected_type):
    """The cached model with its logs, or the reason it cannot be used."""
    import keras

    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as err:  # noqa: BLE001 -- any unreadable file is retrained, never trusted
        return None, f"it cannot be loaded ({type(err).__name__}: {str(err)[:200]})"
    if type(model) is not expected_type:
        return None, (
            f"it holds a {type(model).__name__}, not the {expected_type.__name__} asked for"
        )
    logs_path = _history_path(path)
    model.training_history = {}
    if logs_path.is_file():
        try:
            logs = json.loads(logs_path.read_text())
            if not isinstance(logs, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as err:
            return None, f"its training log {logs_path.name} is broken ({err})"
        model.training_history = logs
    return model, None


def _shipped(name, model, params):
    """The shipped full-mode model standing for ``model`` (:mod:`.pretrained`), or None."""
    from . import pretrained

    try:  # a damaged manifest or model file is never trusted, nor fatal: train instead
        entry = pretrained.manifest().get(name)
        if entry is None or not pretrained.matches(entry, model, params):
            return None
        return pretrained.load(name, type(model))
    except (OSError, ValueError) as err:
        warnings.warn(f"The shipped model {name} is not usable: {err} Training it instead.",
                      CacheWarning, stacklevel=3)
        return None


def _atomic_write(path: Path, write):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_or_train(
    name: str,
    build: Callable,
    train: Callable,
    *,
    params: dict | None = None,
    data=None,
    retrain: bool = False,
):
    """Return the cached model ``name`` if a usable one exists, else build, train and cache it.

    Args:
        name: a short model name, e.g. ``"ae_conv_32"``.
        build: a function of no arguments that returns the (untrained) model; recipes seed
            the process in it, so a model trained now and one loaded later start alike. Its
            :func:`fingerprint` enters the key.
        train: ``train(model)`` compiles and trains ``model``; it may return the model.
        params: the training arguments (epochs, learning rate...) that enter the key.
        data: the training data (an array or a tuple of arrays); its digest enters the key.
        retrain: ignore the cache and train again.

    Returns:
        ``(model, trained)``: ``trained`` is False when the model came from the cache.
        ``model.training_history`` holds the per-epoch logs either way.

    With ``config.pretrained()`` on (``UNSUPLAB_PRETRAINED=1``), a shipped full-mode model of
    the same name, class, config and seed (:mod:`unsuplab.training.pretrained`) is returned
    first, whatever the mode and data: the same model with the full training budget.

    Warns:
        CacheWarning: a cached entry was broken or of another class, and was retrained.
    """
    _check_name(name)
    if not callable(build) or not callable(train):
        raise TypeError(
            f"build and train must be callable. Received: build={build!r}, train={train!r}"
        )
    if params is not None and not isinstance(params, dict):
        raise TypeError(f"params must be a dict. Received: params={params!r}")
    model = check_methods(build(), "build()", ("save", "get_config"), what="a Keras model")
    if not retrain and config.pretrained():
        shipped = _shipped(name, model, params)
        if shipped is not None:
            return shipped, False
    key = {"model": fingerprint(model), "params": params or {}}
    if data is not None:
        key["data"] = data_digest(data)
    path = cache_path(name, key)
    if path.is_file() and not retrain:
        cached, problem = _load(path, type(model))
        if cached is not None:
            return cached, False
        warnings.warn(
            f"The cached model {path.name} is not usable: {problem}. Retraining it.",
            CacheWarning,
            stacklevel=2,
        )
    trained = train(model)
    if trained is not None and not isinstance(trained, type(model)):
        # e.g. ``lambda m: fit(m, x, epochs=5)``, which returns fit's History
        raise TypeError(
            f"train must train the model it is given and return that model (or None); it "
            f"returned a {type(trained).__name__}. Received: train="
            f"{getattr(train, '__qualname__', train)!r}")
    model = model if trained is None else trained
    path.parent.mkdir(parents=True, exist_ok=True)
    logs = getattr(model, "training_history", None) or {}
    _atomic_write(path, lambda tmp: model.save(tmp))
    _atomic_write(_history_path(path), lambda tmp: tmp.write_text(json.dumps(logs)))
    model.training_history = logs
    return model, True


__all__ = [
    "CacheWarning",
    "cache_dir",
    "cache_path",
    "data_digest",
    "fingerprint",
    "load_or_train",
]
