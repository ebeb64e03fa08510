"""Which library functions a student's answer calls: an exercise that asks the student to
write, say, the PSNR refuses an answer that calls ``unsuplab.metrics.psnr`` (see
``exercise(..., library=...)`` in :mod:`unsuplab.exercises.core`)."""

from __future__ import annotations

import importlib
import inspect


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _names(code) -> set:
    """The global and attribute names a code object (and the functions nested in it) use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


def library_call(function, library) -> str | None:
    """The dotted name of a function of ``library`` that ``function`` reaches by a global
    name (``psnr`` after ``from unsuplab.metrics import psnr``) or a module attribute
    (``metrics.psnr``), or None."""
    code = getattr(function, "__code__", None)
    if code is None or not library:
        return None
    scope = dict(getattr(function, "__globals__", {}))
    for name, cell in zip(code.co_freevars, function.__closure__ or (), strict=False):
        try:
            scope[name] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    names = _names(code) | set(code.co_freevars)
    for dotted in library:
        target = _resolve(dotted)
        if target is None:
            continue
        for name in names:
            value = scope.get(name)
            if value is target or (inspect.ismodule(value) and any(
                    getattr(value, attr, None) is target for attr in names)):
                return dotted
    return None
