"""One compiled Keras model trained again and again, as if new each time: :func:`reuse_compiled`.

Why: on TensorFlow every newly compiled *and trained* model keeps 20-40 MiB of the process
until it exits (measured on this project's small CNN: 17 MiB a model, after ``del``,
``gc.collect()``, ``keras.backend.clear_session()`` and ``malloc_trim``), and a chapter that
trains a classifier per label draw trains dozens. Training the same compiled model again
costs nothing more. So a recipe builds and compiles its new model as usual (cheap: nothing is
traced yet), then hands it to :func:`reuse_compiled`, which copies the new model's state into
an already compiled one of the same architecture: the same numbers as training the new one.
"""

from __future__ import annotations

import json


def copy_state(source, target):
    """Make the compiled ``target`` a copy of the compiled, untrained ``source`` of the same
    architecture: every variable (weights, moving statistics, the seed generators' states)
    and the optimiser's variables (its step count and moments, built if need be)."""
    shapes = [[tuple(v.shape) for v in m.variables] for m in (source, target)]
    if shapes[0] != shapes[1]:
        raise ValueError("source and target must have the same variables (the same "
                         f"architecture). Received: {len(shapes[0])} variables in "
                         f"{source.name!r}, {len(shapes[1])} in {target.name!r}, or other shapes")
    for to, of in zip(target.variables, source.variables, strict=True):
        to.assign(of)
    for model in (source, target):
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    for to, of in zip(target.optimizer.variables, source.optimizer.variables, strict=True):
        to.assign(of)


def _unnamed(config):
    """A config without its ``name`` and ``seed`` entries, at every depth (Keras numbers the
    names of new objects: ``adam_3``). Where names remain in the connections (a functional
    model whose layers Keras named), two equal models differ and are not reused: a missed
    saving, never a wrong one."""
    if isinstance(config, dict):
        return {k: _unnamed(v) for k, v in config.items() if k not in ("name", "seed")}
    if isinstance(config, (list, tuple)):
        return [_unnamed(v) for v in config]
    return config


def reuse_compiled(model, pool):
    """The model to train in place of the freshly built and compiled ``model``.

    Args:
        model: a compiled, untrained ``keras.Model``.
        pool: a dict the caller keeps across calls (its lifetime is the reuse's).

    Returns:
        ``model`` itself the first time its class, architecture, optimiser and compiled
        loss (their configs less names and seeds: layers, sizes, learning rate, schedule)
        are seen, and it is kept in ``pool``; afterwards the kept model, set to ``model``'s
        initial state (:func:`copy_state`). Whatever was returned before for this
        architecture is then overwritten: use its results first.
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("model must be compiled before reuse_compiled(). "
                         f"Received: an uncompiled {type(model).__name__}")
    import keras

    loss = getattr(model, "loss", None)
    loss = None if loss is None else keras.saving.serialize_keras_object(loss)
    key = json.dumps([type(model).__qualname__, _unnamed(model.get_config()),
                      _unnamed(model.optimizer.get_config()), _unnamed(loss)],
                     sort_keys=True, default=str)
    kept = pool.get(key)
    if kept is None:
        pool[key] = model
        return model
    copy_state(model, kept)
    return kept


__all__ = ["copy_state", "reuse_compiled"]
