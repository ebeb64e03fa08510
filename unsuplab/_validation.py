"""Input checks shared by every public function: one message style, naming the argument.

Messages follow Keras: ``"<what is wrong>. Received: name=<value>"``. Arrays are described
by shape and dtype rather than printed whole.
"""

from __future__ import annotations

import numbers

import numpy as np


def describe(value) -> str:
    """A short description of ``value`` for error messages (arrays by shape and dtype)."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        return f"array of shape {tuple(shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_number(
    value, name, *, low=None, high=None, low_inclusive=True, high_inclusive=True, integer=False
):
    """Return ``value`` if it is a real number (an integer if asked) inside the bounds."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {what}. Received: {name}={value!r}")
    if not integer and not np.isfinite(value):
        raise ValueError(f"{name} must be finite. Received: {name}={value!r}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}. Received: {name}={value!r}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}. Received: {name}={value!r}")
    return int(value) if integer else value


def check_range(value, name, low, high):
    """A number or a ``(low, high)`` pair, each inside [low, high] -> ``(low, high)`` floats.

    A single number ``v`` gives ``(v, v)``: a fixed strength instead of a range.
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a number or a pair (low, high). Received: {value!r}")
        a = check_number(value[0], f"{name}[0]", low=low, high=high)
        b = check_number(value[1], f"{name}[1]", low=low, high=high)
        if a > b:
            raise ValueError(f"{name} must have low <= high. Received: {name}={value!r}")
        return float(a), float(b)
    v = float(check_number(value, name, low=low, high=high))
    return v, v


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices``; the error lists the choices."""
    if value not in choices:
        raise ValueError(
            f"Unknown {name}; choose one of {tuple(choices)}. Received: {name}={value!r}"
        )
    return value


def check_array(
    x, name, *, ndim=None, dtype_kind=None, allow_empty=False, finite=True, value_range=None
):
    """Convert ``x`` to a NumPy array and check its rank, dtype kind, emptiness and values.

    Args:
        ndim: an int or a tuple of allowed ranks.
        dtype_kind: allowed ``dtype.kind`` letters, e.g. ``"f"`` (float) or ``"fui"``.
        value_range: ``(low, high)`` that every value must lie in.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array. Received: {name}={x!r}")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array. Received: {name}={describe(x)}") from err
    if arr.dtype == object:
        raise TypeError(f"{name} must be a numeric array. Received: {name}={describe(x)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(
                f"{name} must have rank {' or '.join(map(str, allowed))}. "
                f"Received: {name}={describe(arr)}"
            )
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty. Received: {name}={describe(arr)}")
    if dtype_kind is not None and arr.dtype.kind not in dtype_kind:
        names = {"f": "float", "u": "unsigned int", "i": "int", "b": "bool"}
        wanted = " or ".join(names.get(k, k) for k in dtype_kind)
        raise TypeError(f"{name} must have a {wanted} dtype. Received: {name}={describe(arr)}")
    if finite and arr.dtype.kind == "f" and arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(
            f"{name} contains NaN or infinite values. Received: {name}={describe(arr)}"
        )
    if value_range is not None and arr.size:
        low, high = value_range
        lo, hi = arr.min(), arr.max()
        if lo < low or hi > high:
            raise ValueError(
                f"{name} must lie in [{low}, {high}]; its values span [{lo:.4g}, {hi:.4g}]. "
                f"Received: {name}={describe(arr)}"
            )
    return arr


def check_images(x, name="images", *, ndim=(2, 3, 4), unit_range=True, dtype_kind="f"):
    """Check a float image array with values in [0, 1] (the package-wide convention)."""
    return check_array(
        x, name, ndim=ndim, dtype_kind=dtype_kind, value_range=(0.0, 1.0) if unit_range else None
    )


def check_seed(seed, name="seed"):
    """Accept ``None``, a non-negative int or a ``np.random.Generator``; return a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    check_number(seed, name, low=0, integer=True)
    return np.random.default_rng(int(seed))


def check_mask(mask, spatial_shape, name="mask"):
    """Return ``mask`` as float32 after checking its shape is ``spatial_shape`` and that it
    holds only 0 (missing) and 1 (kept)."""
    m = check_array(mask, name, dtype_kind="fuib")
    if m.shape != tuple(spatial_shape):
        raise ValueError(
            f"{name} must have the images' spatial shape {tuple(spatial_shape)}. "
            f"Received: {name} of shape {m.shape}"
        )
    if not np.isin(m, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0 (missing) and 1 (kept). Received: {name} "
                         f"with values {np.unique(m)[:5]}...")
    return m.astype(np.float32)
