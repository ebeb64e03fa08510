"""The exercise mechanism shared by every chapter.

A chapter module (``unsuplab/exercises/chNN.py``) registers its exercises with
:func:`exercise`. Each exercise has a *checker*: a function that receives the student's answer
(a value or a function) and raises :class:`Mismatch` with specific feedback when it is wrong
("your KL term is off by a factor 2 for this input"), never the solution itself.

In a notebook a student writes a function or a value in a marked cell, then calls
``check("03.1", my_answer)``: it prints ✅ or ❌ with the feedback and returns ``None`` (so
"Run All" shows the feedback and no echo), and never raises for a wrong or unfinished answer,
so a notebook with open exercises still runs. :func:`verify` is the same check for code: it
raises :class:`Mismatch` instead of printing.

What the framework handles once, for every checker:

* an untouched stub (a body of ``...``, ``pass`` or ``raise NotImplementedError``) is told
  "not answered yet", whatever the exercise;
* a function that returns ``None`` (a forgotten ``return``) is told so at its first call;
* a function that changes an argument in place (a NumPy array, a list, a dict) fails,
  whatever it returns;
* a function that calls the library function the exercise asks the student to write (e.g.
  ``unsuplab.metrics.psnr`` for "PSNR by hand") is told so (``exercise(..., library=...)``);
* an exception raised in the student's code is reported as theirs: its type, its message
  (shortened, never an array dump) and the line of *their* code, never a checker line;
* values in feedback are described by shape and dtype (:func:`describe`), never printed whole.

Reference solutions live outside the package, in ``solutions/chNN.py`` (for teachers), each
with a planted wrong answer; ``tests/exercises/test_mutations.py`` runs every checker against
common mistakes, all of which must fail.
"""

from __future__ import annotations

import copy
import dis
import functools
import importlib
import inspect
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._library import library_call
from .feedback import (  # noqa: F401 (re-exported: the chapters import them from here)
    Mismatch,
    as_array,
    as_number,
    describe,
    expect_close,
    short_error,
)


class _NoResult(Mismatch):
    """The student's function returned ``None`` or ``...``: raised at the call, by the wrapper."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``"03.1"``), title, what the answer is, and its checker.

    ``returns_none`` marks a function exercise for which ``None`` is a legitimate result
    (e.g. "return None if no size reaches the target").
    """

    id: str
    title: str
    answer: str  # "function" or "value"
    checker: Callable
    returns_none: bool = False
    library: tuple = ()  # dotted names of library functions that compute the answer


_REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, title: str, *, answer: str = "function", returns_none: bool = False,
             library: tuple = ()):
    """Decorator registering ``checker(answer)`` as exercise ``id`` (``"NN.k"``).

    ``library``: dotted names (``"unsuplab.metrics.psnr"``) of the functions that compute what
    the student is asked to write; an answer that calls one of them is refused."""
    if answer not in ("function", "value"):
        raise ValueError(f"answer must be 'function' or 'value'. Received: answer={answer!r}")
    chapter, _, number = id.partition(".")
    if not (len(chapter) == 2 and chapter.isdigit() and number.isdigit()):
        raise ValueError(f"id must look like '03.1'. Received: id={id!r}")

    def decorate(checker):
        if id in _REGISTRY and _REGISTRY[id].checker.__qualname__ != checker.__qualname__:
            raise ValueError(f"exercise {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id, title, answer, checker, returns_none, tuple(library))
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


def all_exercises(chapters=("00", "01", "02", "03", "04", "05", "06", "07", "08", "09")) -> list:
    """Every registered exercise of the given chapters, sorted by id."""
    for chapter in chapters:
        _load_chapter(chapter)
    return [e for k, e in sorted(_REGISTRY.items()) if k.partition(".")[0] in chapters]


# --- the student's function, watched --------------------------------------------------------------

_STUB_OPS = {"RESUME", "NOP", "CACHE", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST", "POP_TOP",
             "LOAD_GLOBAL", "LOAD_NAME", "PUSH_NULL", "PRECALL", "CALL", "RAISE_VARARGS"}


def _is_stub(function) -> bool:
    """True for a function whose body does nothing: ``...``, ``pass``, a docstring, ``return
    None`` or ``raise NotImplementedError`` (comments leave no trace in the bytecode)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    for ins in dis.get_instructions(code):
        if ins.opname not in _STUB_OPS:
            return False
        if ins.opname in ("LOAD_CONST", "RETURN_CONST") and not (
            ins.argval is None or ins.argval is Ellipsis or isinstance(ins.argval, str)
        ):
            return False
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and ins.argval != "NotImplementedError":
            return False
    return True


def _name(function) -> str:
    name = getattr(function, "__name__", None)
    return f"`{name}`" if name and name != "<lambda>" else "your function"


def _unanswered(function) -> str:
    name = _name(function)
    where = f"the function {name}" if name.startswith("`") else name
    return f"not answered yet: fill in {where} above."


_MUTABLE = (np.ndarray, list, dict, set, bytearray)


def _same(before, after) -> bool:
    """Whether the argument ``after`` still holds what the copy ``before`` held: arrays
    element by element, lists, dicts and sets item by item (arrays inside included)."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape:
            return False
        return bool(np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, (list, tuple)):
        return (type(after) is type(before) and len(after) == len(before)
                and all(_same(b, a) for b, a in zip(before, after, strict=True)))
    if isinstance(before, dict):
        return (isinstance(after, dict) and list(after) == list(before)
                and all(_same(before[k], after[k]) for k in before))
    try:
        return bool(before == after)
    except Exception:  # an object without a usable ==: nothing to compare
        return True


def _snapshot(value):
    """A deep copy of a mutable argument (NumPy array, list, dict, set), else ``None``."""
    if not isinstance(value, _MUTABLE):
        return None
    try:
        return copy.deepcopy(value)
    except Exception:  # e.g. a list holding tensors that cannot be copied: not watched
        return None


class _Watched:
    """Calls the student's function: refuses ``None``/``...`` results (unless the exercise
    accepts ``None``) and in-place changes of NumPy arguments; remembers the last result."""

    def __init__(self, function, returns_none):
        self.function = function
        self.returns_none = returns_none
        self.calls = 0
        self.last = None
        try:
            self.signature = inspect.signature(function)
        except (TypeError, ValueError):
            self.signature = None

    def wrapper(self):
        @functools.wraps(self.function)
        def call(*args, **kwargs):
            return self(*args, **kwargs)

        return call

    def _argument_names(self, args, kwargs):
        names = [f"number {i + 1}" for i in range(len(args))] + list(kwargs)
        if self.signature is not None:
            try:
                names = list(self.signature.bind(*args, **kwargs).arguments)
            except TypeError:
                pass
        return names

    def __call__(self, *args, **kwargs):
        values = list(args) + list(kwargs.values())
        saved = []
        for i, value in enumerate(values):
            copied = _snapshot(value)
            if copied is not None:
                saved.append((i, copied))
        result = self.function(*args, **kwargs)
        self.calls += 1
        self.last = result
        for i, before in saved:
            if not _same(before, values[i]):
                names = self._argument_names(args, kwargs)
                name = names[i] if i < len(names) else f"number {i + 1}"
                kind = type(before).__name__ if not isinstance(before, np.ndarray) else "array"
                raise Mismatch(
                    f"Your function changed its argument `{name}` in place. Leave the inputs "
                    f"untouched and return a new {kind} (start from `{name}.copy()`, "
                    "`sorted(...)` or build a new one): the caller still needs the original."
                )
        if result is Ellipsis or (result is None and not self.returns_none):
            raise _NoResult(
                f"{_name(self.function)} returned {describe(result)}: finish its body and "
                "`return` the result."
            )
        return result


def _student_frame(err: BaseException, function):
    """The deepest traceback frame of ``err`` that is in the student's source file."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == code.co_filename]
    return frames[-1] if frames else None


def _quoted_line(err: BaseException, function):
    """The student's line that a compiled function's error message quotes (TensorFlow writes
    'File "<file>", line N, in name'), as ``(name, lineno)``, or None."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    found = re.findall(rf'File "{re.escape(code.co_filename)}", line (\d+), in (\w+)', str(err))
    return (found[-1][1], int(found[-1][0])) if found else None


def _explain_error(err: BaseException, watched: _Watched | None, function) -> str:
    frame = _student_frame(err, function)
    message = f"{type(err).__name__}: {short_error(err)}"
    if frame is not None:
        line = f": `{frame.line.strip()}`" if frame.line else ""
        return f"Your code raised {message} (in {frame.name}, line {frame.lineno}{line})."
    quoted = _quoted_line(err, function)
    if quoted is not None:
        return f"Your code raised {message} (in {quoted[0]}, line {quoted[1]})."
    if watched is not None and watched.calls:
        return (f"Your answer could not be used: {message}. Your function returned "
                f"{describe(watched.last)}; check what the exercise asks it to return.")
    return f"Your answer could not be used: {message}."


def student_error(err: BaseException, function) -> str:
    """Feedback for ``err``, raised while a checker ran the student's ``function`` (possibly
    wrapped by :func:`verify`) inside a library, e.g. in a model's compiled training step:
    its type, shortened message and the student's line, when one can be found."""
    return _explain_error(err, None, inspect.unwrap(function))


_KERAS_OPS_ONLY = ("Use keras.ops (and keras.random) only: no NumPy, no float() or .numpy() on "
                   "tensors.")


def run_compiled(function, *args):
    """``function(*args)`` compiled as Keras compiles a training step (``tf.function`` on
    TensorFlow, ``jax.jit`` on JAX), arguments as tensors, result as NumPy; a failure is told
    as the student's, with the keras.ops advice."""
    from keras import ops

    from .._backend import compile_fn

    try:
        result = compile_fn(function)(*[ops.convert_to_tensor(a) for a in args])
        return ops.convert_to_numpy(result)
    except Mismatch:
        raise
    except Exception as err:
        raise Mismatch("Your function works on concrete arrays but not compiled (tf.function / "
                       f"jax.jit), as Keras runs it in training. {student_error(err, function)} "
                       f"{_KERAS_OPS_ONLY}") from None


def same_training(student_model, library_model, x, *, epochs=3, batch_size=16, what):
    """Train two models (same seed, same data order) and require equal weights: a loss the
    student wired into one model must train it exactly like the library's loss trains the
    other."""
    import keras

    def weights(model):
        return [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]

    start = weights(student_model)
    for model in (student_model, library_model):
        model.fit(x, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0)
    compare_weights(student_model, library_model, start, what=what,
                    steps=epochs * (len(x) // batch_size))


def compare_weights(student_model, library_model, start, *, what, steps, atol=1e-4):
    """Require the student's trained model to hold the library's weights; ``start`` (the
    student model's trainable weights before training) tells a loss that gives no gradient
    (detached: ``stop_gradient``, a NumPy round trip, an argmax) from a wrong one."""
    import keras

    mine = [keras.ops.convert_to_numpy(w) for w in student_model.trainable_weights]
    theirs = [keras.ops.convert_to_numpy(w) for w in library_model.trainable_weights]
    frozen = [np.array_equal(a, b) for a, b in zip(start, mine, strict=True)]
    moved = [not np.array_equal(a, b) for a, b in zip(start, theirs, strict=True)]
    if all(frozen) and any(moved):
        raise Mismatch(f"Plugged into {what}, your loss has the right value but trains nothing: "
                       "no gradient reaches the weights. Something in it is detached from them "
                       "(keras.ops.stop_gradient, a value taken out of the graph, ...).")
    if any(f and m for f, m in zip(frozen, moved, strict=True)):
        raise Mismatch(f"Plugged into {what}, your loss leaves some of the weights untouched "
                       "that the library's trains: part of it is detached from them (a term "
                       "behind stop_gradient, or computed outside the graph).")
    gap = max(float(np.abs(a - b).max()) for a, b in zip(mine, theirs, strict=True))
    if not np.isfinite(gap) or gap > atol:
        raise Mismatch(f"Plugged into {what}, your loss trains the model differently from the "
                       f"library's loss (weights up to {gap:.3g} apart after {steps} steps): "
                       "check every term, its weight and whether gradients flow through it.")


def run_in_model(train, function, what: str):
    """``train()`` (a short training of a model that calls the student's ``function``); a
    failure is told as the student's, with the keras.ops advice."""
    try:
        return train()
    except Mismatch:
        raise
    except Exception as err:
        if re.search(r"no gradients? (provided|for)", str(err), re.IGNORECASE):
            raise Mismatch(f"Plugged into {what}, your loss trains nothing: no gradient "
                           "reaches the weights. It is detached from them "
                           "(keras.ops.stop_gradient, a value taken out of the graph, ...).") \
                from None
        if "Unknown variable" in str(err):  # Keras: an optimizer built for other variables
            raise Mismatch(f"Plugged into {what}, an optimizer was given variables it does not "
                           "update (it was built for the other network's): give each "
                           "network's gradients to its own optimizer.") from None
        raise Mismatch(f"Plugged into {what}, your function failed. "
                       f"{student_error(err, function)} {_KERAS_OPS_ONLY}") from None


# --- checking -----------------------------------------------------------------------------------


def verify(id: str, answer) -> None:
    """Run the checker; raise :class:`Mismatch` with feedback when the answer is wrong."""
    ex = get(id)
    if answer is None or answer is Ellipsis:
        noun = "function" if ex.answer == "function" else "value"
        raise Mismatch(f"No answer yet: pass your {noun} (replace the `...` / `None`).")
    watched = None
    given = answer
    if ex.answer == "function":
        if not callable(answer):
            raise Mismatch(
                f"Pass your function itself (no parentheses); got {describe(answer)}."
            )
        if _is_stub(answer):
            raise Mismatch(_unanswered(answer))
        called = library_call(answer, ex.library)
        if called is not None:
            raise Mismatch(f"Your function calls `{called}`, which computes the answer for you: "
                           "the exercise is to write it yourself (NumPy and the formula of the "
                           "chapter).")
        watched = _Watched(answer, ex.returns_none)
        given = watched.wrapper()
    try:
        ex.checker(given)
    except Mismatch:
        raise
    except NotImplementedError as err:
        frame = _student_frame(err, answer)
        tb = traceback.extract_tb(err.__traceback__)
        names = getattr(getattr(answer, "__code__", None), "co_names", ())
        if frame is not None and tb and tb[-1] == frame and "NotImplementedError" in names:
            # raised by the student's own `raise NotImplementedError`, not by a library
            raise Mismatch(_unanswered(answer)) from None
        raise Mismatch(_explain_error(err, watched, answer)) from None
    except Exception as err:  # the student's code raised, or returned something unusable
        raise Mismatch(_explain_error(err, watched, answer)) from None


def check(id: str, answer) -> None:
    """Check a student's answer and print ✅ or ❌ with feedback.

    Returns ``None`` (a notebook shows the feedback and no echo). Never raises for a wrong or
    unfinished answer, so a notebook with open exercises runs; use :func:`verify` to get an
    exception instead.
    """
    ex = get(id)
    try:
        verify(id, answer)
    except Mismatch as m:
        print(f"❌ Exercise {ex.id} ({ex.title}): {m}")
        return
    print(f"✅ Exercise {ex.id} ({ex.title}): correct.")
