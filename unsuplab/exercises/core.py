"""The exercise mechanism shared by every chapter.

A chapter module (``unsuplab/exercises/chNN.py``) registers its exercises with
:func:`exercise`. Each exercise has a *checker*: a function that receives the student's answer
(a value or a function) and raises :class:`Mismatch` with specific feedback when it is wrong
("your KL term is off by a factor 2 for this input"), never the solution itself.

In a notebook a student writes a function or a value in a marked cell, then calls
``check("03.1", my_answer)``: it prints ✅ or ❌ with the feedback and returns True/False, and
never raises for a wrong or unfinished answer, so a notebook with open exercises still runs.

Reference solutions live outside the package, in ``solutions/chNN.py`` (for teachers), each
with a planted wrong answer; the test suite checks that every solution passes and every
planted wrong answer fails.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


class Mismatch(AssertionError):
    """Raised by a checker with feedback for the student."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``"03.1"``), title, what the answer is, and its checker."""

    id: str
    title: str
    answer: str  # "function" or "value"
    checker: Callable


_REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, title: str, *, answer: str = "function"):
    """Decorator registering ``checker(answer)`` as exercise ``id`` (``"NN.k"``)."""
    if answer not in ("function", "value"):
        raise ValueError(f"answer must be 'function' or 'value'. Received: answer={answer!r}")
    chapter, _, number = id.partition(".")
    if not (len(chapter) == 2 and chapter.isdigit() and number.isdigit()):
        raise ValueError(f"id must look like '03.1'. Received: id={id!r}")

    def decorate(checker):
        if id in _REGISTRY and _REGISTRY[id].checker.__qualname__ != checker.__qualname__:
            raise ValueError(f"exercise {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id, title, answer, checker)
        return checker

    return decorate


def _load_chapter(chapter: str) -> None:
    try:
        importlib.import_module(f"unsuplab.exercises.ch{chapter}")
    except ModuleNotFoundError as err:
        if err.name != f"unsuplab.exercises.ch{chapter}":
            raise


def get(id: str) -> Exercise:
    """Return the registered exercise ``id`` (loading its chapter's module)."""
    if not isinstance(id, str):
        raise TypeError(f"id must be a string like '03.1'. Received: id={id!r}")
    _load_chapter(id.partition(".")[0])
    if id not in _REGISTRY:
        raise ValueError(f"Unknown exercise {id!r}. Known: {sorted(_REGISTRY)}")
    return _REGISTRY[id]


def all_exercises(chapters=("00", "01", "02", "03", "04", "05", "06", "07", "08")) -> list:
    """Every registered exercise of the given chapters, sorted by id."""
    for chapter in chapters:
        _load_chapter(chapter)
    return [e for k, e in sorted(_REGISTRY.items()) if k.partition(".")[0] in chapters]


def verify(id: str, answer) -> None:
    """Run the checker; raise :class:`Mismatch` with feedback when the answer is wrong."""
    ex = get(id)
    if answer is None or answer is Ellipsis:
        raise Mismatch("No answer yet: replace the `...` / `None` in the exercise cell.")
    if ex.answer == "function" and not callable(answer):
        raise Mismatch(
            f"Pass your function itself (no parentheses); got a {type(answer).__name__}."
        )
    try:
        ex.checker(answer)
    except Mismatch:
        raise
    except NotImplementedError:
        raise Mismatch("Not implemented yet: fill in the body of your function.") from None
    except Exception as err:  # the student's code raised: say where, helpfully
        tb = traceback.extract_tb(err.__traceback__)
        where = f" (line {tb[-1].lineno})" if tb else ""
        raise Mismatch(f"Your code raised {type(err).__name__}: {err}{where}") from err


def check(id: str, answer) -> bool:
    """Check a student's answer and print feedback; returns True when it is right.

    Never raises for a wrong or unfinished answer, so a notebook with open exercises runs.
    """
    ex = get(id)
    try:
        verify(id, answer)
    except Mismatch as m:
        print(f"❌ Exercise {ex.id} ({ex.title}): {m}")
        return False
    print(f"✅ Exercise {ex.id} ({ex.title}): correct.")
    return True


# --- helpers for writing checkers -------------------------------------------------------------


def expect_close(got, expected, *, what, rtol=1e-4, atol=1e-6, hint=None) -> None:
    """Raise :class:`Mismatch` unless ``got`` is numerically close to ``expected``.

    The feedback says how the answer differs (shape, a constant factor, a sign, an offset)
    without giving the expected values away.
    """
    got_arr = np.asarray(got, dtype=float) if not hasattr(got, "numpy") else np.asarray(got.numpy())
    exp_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != exp_arr.shape:
        if got_arr.size == exp_arr.size:
            raise Mismatch(
                f"{what} has shape {got_arr.shape}; it should have shape "
                f"{exp_arr.shape} (same values, reshape?)."
            )
        raise Mismatch(f"{what} has shape {got_arr.shape}; it should have shape {exp_arr.shape}.")
    if not np.all(np.isfinite(got_arr)):
        raise Mismatch(f"{what} contains NaN or infinity.")
    if np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol):
        return
    message = f"{what} is not right"
    nonzero = np.abs(exp_arr) > 1e-12
    if nonzero.any():
        ratio = got_arr[nonzero] / exp_arr[nonzero]
        if np.allclose(ratio, ratio.flat[0], rtol=1e-3) and not np.isclose(ratio.flat[0], 1):
            message += f": it is off by a constant factor of {ratio.flat[0]:.3g}"
        elif np.allclose(got_arr - exp_arr, (got_arr - exp_arr).flat[0], atol=1e-6):
            message += f": it is off by a constant {float((got_arr - exp_arr).flat[0]):+.3g}"
    if hint:
        message += f". Hint: {hint}"
    raise Mismatch(message + ".")
