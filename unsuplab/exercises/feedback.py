"""Feedback for students: the :class:`Mismatch` a checker raises, values described by shape
and dtype (never printed whole), errors shortened, and the numeric comparison every checker
uses (:func:`expect_close`), which says *how* an answer differs without giving it away."""

from __future__ import annotations

import re

import numpy as np


class Mismatch(AssertionError):
    """Raised by a checker with feedback for the student."""


def describe(value) -> str:
    """A short description of ``value`` for feedback: numbers in full, arrays and tensors by
    shape and dtype (never their values), containers by length."""
    if value is None:
        return "None"
    if value is Ellipsis:
        return "`...`"
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"the number {int(value)}"
    if isinstance(value, (float, np.floating)):
        return f"the number {float(value):.6g}"
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        kind = "an array" if isinstance(value, np.ndarray) else "a tensor"
        dims = tuple(None if s is None else int(s) for s in shape)
        if dims == ():
            return f"{kind} holding one number (dtype {np.dtype(getattr(dtype, 'name', dtype))})"
        return f"{kind} of shape {dims} (dtype {getattr(dtype, 'name', dtype)})"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


_ERROR_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception): ")


def short_error(err: BaseException, limit: int = 240) -> str:
    """``err``'s message without array dumps or stack noise, at most ``limit`` characters.

    A framework error that quotes a nested one ("in user code: ... NotImplementedError: ...",
    as TensorFlow writes them) is reduced to the nested error's message.
    """
    lines = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).splitlines()  # no terminal colours
    nested = [i for i, line in enumerate(lines) if _ERROR_LINE.match(line)]
    if nested:
        lines = lines[nested[-1] :]
        lines[0] = lines[0].split(": ", 1)[1]
    kept = []
    for line in lines:
        # TensorFlow's op tag ("... [Op:AddV2] name: ") is noise, but ends the message
        text = re.sub(r"\s*\[Op:\w+\]( name:.*)?$", "", line.strip())
        text = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", text)
        if (not text or text[0] in "[(.0123456789-•" or text.endswith(":")
                or text.startswith(("File ", "Traceback"))):
            continue  # array rows, elided values, argument lists, stack lines
        kept.append(text)
        if len(kept) == 2:
            break
    message = " ".join(kept) or type(err).__name__
    message = message if len(message) <= limit else message[: limit - 1].rstrip() + "…"
    if _MIXED_DTYPES.search(str(err)):
        message += (" (float32 and float64 tensors are mixed: keep one precision, e.g. "
                    "ops.cast(value, x.dtype), and no float64 NumPy arrays in the maths)")
    return message


_MIXED_DTYPES = re.compile(r"(float|double) tensor but is a (double|float) tensor|type float64 "
                           r"that does not match type float32|type float32 that does not match "
                           r"type float64")


# --- helpers for writing checkers -------------------------------------------------------------


def as_array(value, what: str) -> np.ndarray:
    """``value`` (an array, a tensor, a number or a list) as a float64 NumPy array."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Mismatch(f"{what} should be numbers; yours is {describe(value)}.") from None
    return array


def as_number(value, what: str) -> float:
    """``value`` as one float, or feedback saying what it is instead."""
    array = as_array(value, what)
    if array.size != 1:
        raise Mismatch(
            f"{what} should be one number; yours is {describe(value)}. Average (or sum) as "
            "the exercise says to get a single value."
        )
    return float(array.reshape(()))


def _verb(what: str) -> str:
    head = what
    for cut in (" for ", " (", " on ", " around ", " of ", " with "):
        head = head.split(cut)[0]
    last = head.split()[-1] if head.split() else head
    plural = last.endswith("s") and not last.endswith(("ss", "is", "us"))
    return "are" if plural else "is"


def expect_close(got, expected, *, what, rtol=1e-5, atol=1e-6, hint=None) -> None:
    """Raise :class:`Mismatch` unless ``got`` is numerically close to ``expected``.

    The feedback says how the answer differs (shape, a constant value, a constant factor, a
    sign, an offset) without giving the expected values away.
    """
    got_arr = as_array(got, what)
    exp_arr = np.asarray(expected, dtype=np.float64)
    verb = _verb(what)
    if got_arr.shape != exp_arr.shape:
        tail = " (same values, reshape?)" if got_arr.size == exp_arr.size else ""
        raise Mismatch(
            f"{what} {verb} {describe(got)}; it should have shape {exp_arr.shape}{tail}."
        )
    if not np.all(np.isfinite(got_arr)):
        raise Mismatch(f"{what} contains NaN or infinity.")
    if np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol):
        return
    message = f"{what} {verb} not right"
    nonzero = np.abs(exp_arr) > 1e-12
    constant = got_arr.size > 1 and np.ptp(got_arr) == 0 and np.ptp(exp_arr) > 0
    scale = np.abs(exp_arr) + atol / max(rtol, 1e-12)
    near = np.max(np.abs(got_arr - exp_arr) / scale) < 1e-3
    if constant:
        message += ": every entry has the same value, but the right ones differ"
    elif near:  # right to about three digits: rounded, a float16 step, or a small bias
        message += (": it is close, but not within the tolerance (relative error up to "
                    f"{np.max(np.abs(got_arr - exp_arr) / scale):.1e}). Do not round the "
                    "result, and do not add small constants (an epsilon) the formula does not "
                    "have")
    elif nonzero.any():
        ratio = got_arr[nonzero] / exp_arr[nonzero]
        factor = float(ratio.flat[0])
        if np.allclose(ratio, -1.0, rtol=1e-3):
            message += ": it has the wrong sign"
        elif np.allclose(ratio, factor, rtol=1e-3) and abs(factor - 1.0) > 5e-3:
            message += f": it is off by a constant factor of {factor:.3g}"
        elif np.allclose(got_arr - exp_arr, (got_arr - exp_arr).flat[0], atol=1e-6):
            message += f": it is off by a constant {float((got_arr - exp_arr).flat[0]):+.3g}"
    if hint:
        message += f". Hint: {hint}"
    raise Mismatch(message + ".")
