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


#: How far outside [0, 1] a float image may stray by round-off alone.
_ROUND_OFF = 1e-5


def check_images(x, name="images", *, ndim=(2, 3, 4), unit_range=True, dtype_kind="f"):
    """Check a float image array with values in [0, 1] (the package-wide convention).

    Float images on the 0..255 scale (the commonest slip) are refused with a hint to divide
    by 255; integer images, where ``dtype_kind`` allows them, must lie in [0, 255].
    """
    arr = check_array(x, name, ndim=ndim, dtype_kind=dtype_kind)
    if arr.dtype.kind in "ui":
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise ValueError(
                f"integer {name} must lie in [0, 255]; its values span [{arr.min()}, {arr.max()}]."
                f" Received: {name}={describe(arr)}"
            )
        return arr
    if unit_range and arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        # float round-off (a k-means centroid at -1e-6, a sum of weights at 1 + 1e-7) passes
        if lo < -_ROUND_OFF or hi > 1.0 + _ROUND_OFF:
            hint = (
                f" These look like 0..255 grey levels: pass {name} / 255 (or the uint8 array)."
                if lo >= 0.0 and 2.0 < hi <= 255.0
                else ""
            )
            raise ValueError(
                f"{name} must lie in [0, 1] (float images); its values span [{lo:.4g}, "
                f"{hi:.4g}].{hint} Received: {name}={describe(arr)}"
            )
    return arr


def as_image_batch(images, name="images", *, channels=None, allow_uint8=True, ndim=(2, 3, 4),
                   scale=True):
    """The one image-batch conversion: checked images -> float32 (N, H, W, C) and a function
    that puts a result of the same spatial layout back into the caller's layout.

    Layouts: (H, W) is one grey image, (N, H, W) a batch of grey images, (N, H, W, C) a batch
    with channels. uint8 images (if ``allow_uint8``) are scaled by 1/255; float images must
    lie in [0, 1] (see :func:`check_images`).

    Args:
        channels: the number of channels required, or ``None`` for any.
        scale: ``False`` keeps uint8 images uint8 (checked and laid out only), for a caller
            that scales them batch by batch (:func:`unsuplab.models._base.predict_batched`):
            70 000 Fashion-MNIST images take 220 MB as float32, 55 MB as uint8.

    Returns:
        ``(x, back)``: ``x`` float32 of shape (N, H, W, C); ``back(y)`` turns an array of shape
        (N, H, W, C') back into (H, W), (N, H, W) or (N, H, W, C') like ``images``.
    """
    x = check_images(images, name, ndim=ndim, dtype_kind="uif" if allow_uint8 else "f")
    if x.ndim == 2:
        x4, back = x[None, ..., None], lambda y: y[0, ..., 0] if y.shape[-1] == 1 else y[0]
    elif x.ndim == 3:
        x4, back = x[..., None], lambda y: y[..., 0] if y.shape[-1] == 1 else y
    else:
        x4, back = x, lambda y: y
    if channels is not None and x4.shape[-1] != channels:
        raise ValueError(
            f"{name} must have {channels} channel(s). Received: {name}={describe(x)}"
        )
    if x4.dtype.kind in "ui":
        if not scale:
            return x4, back
        x4 = x4.astype(np.float32) / np.float32(255.0)
    return np.ascontiguousarray(x4, dtype=np.float32), back


def check_image_shape(image_shape, name="image_shape"):
    """``(height, width, channels)`` of positive integers -> a tuple of ints."""
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or len(shape) != 3
        or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in shape)
        or min(shape) < 1
    ):
        raise ValueError(
            f"{name} must be (height, width, channels) with positive integers. "
            f"Received: {name}={image_shape!r}"
        )
    return tuple(int(s) for s in shape)


def check_units(values, name, *, allow_empty=True):
    """A tuple of positive integers (layer widths, filters); an int gives a 1-tuple."""
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = (values,)
    if not isinstance(values, (tuple, list)) or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in values
    ):
        raise ValueError(
            f"{name} must be a tuple of positive integers. Received: {name}={values!r}"
        )
    if not allow_empty and not values:
        raise ValueError(f"{name} must not be empty. Received: {name}={values!r}")
    return tuple(int(v) for v in values)


def check_sigma(sigma, name="sigma", *, high=1.0):
    """A noise standard deviation on the [0, 1] image scale (>= 0).

    A value above ``high`` is almost always a grey-level std (25 instead of 25/255), and is
    refused with that hint.
    """
    value = check_number(sigma, name, low=0)
    if value > high:
        raise ValueError(
            f"{name} is a standard deviation on the [0, 1] image scale and must be <= {high}; "
            f"did you mean {name}={value:g}/255 = {value / 255:.4g}? Received: {name}={sigma!r}"
        )
    return value


def check_labels(labels, n, name="labels", *, class_names=None):
    """Integer labels >= 0, one per sample (``n`` of them), and, if given, a name per class."""
    y = check_array(labels, name, ndim=1, dtype_kind="uib")
    if len(y) != n:
        raise ValueError(f"{name} must have one entry per sample ({n}). Received: {name}="
                         f"{describe(y)}")
    if y.dtype.kind == "i" and y.min() < 0:
        raise ValueError(f"{name} must be >= 0. Received: {name} with minimum {y.min()}")
    if class_names is not None:
        if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
            raise TypeError(f"class_names must be a sequence of names. Received: "
                            f"class_names={class_names!r}")
        if len(class_names) <= int(y.max()):
            raise ValueError(
                f"class_names must name every class up to {int(y.max())} (the largest label). "
                f"Received: {len(class_names)} class_names"
            )
    return y


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


#: The most holes cut in one image: more only re-cover pixels already cut, at a cost in
#: memory and time that grows with the count (10**9 holes would exhaust memory).
MAX_HOLES = 256


def check_hole_count(n_holes, name="n_holes"):
    """A number of holes per image: an integer in [0, :data:`MAX_HOLES`]."""
    return check_number(n_holes, name, low=0, high=MAX_HOLES, integer=True)


def check_methods(obj, name, methods, *, what="an object"):
    """Return ``obj`` if it has every callable in ``methods`` (duck typing, checked up front).

    A model without ``encode`` handed to a function that encodes would otherwise fail deep
    inside with an ``AttributeError`` that names neither the argument nor what it must be.
    """
    missing = [m for m in methods if not callable(getattr(obj, m, None))]
    if missing:
        raise TypeError(
            f"{name} must be {what} with the method(s) {', '.join(missing)}. "
            f"Received: {name}={type(obj).__name__} object"
        )
    return obj


def check_class_labels(labels, n, n_classes, name="labels", *, allow_unlabelled=False):
    """Integer class labels in ``[0, n_classes)``, one per sample (``n``); ``-1`` (unlabelled)
    too if ``allow_unlabelled``.

    A label ``>= n_classes`` would reach a gather inside the loss: TensorFlow fails with an
    index error that names no argument, JAX clamps the index and trains on a wrong class.
    """
    y = check_array(labels, name, ndim=1, dtype_kind="uib")
    if len(y) != n:
        raise ValueError(f"{name} must have one entry per sample ({n}). Received: {name}="
                         f"{describe(y)}")
    low = -1 if allow_unlabelled else 0
    lo, hi = int(y.min()), int(y.max())
    if lo < low or hi >= n_classes:
        allowed = f"[0, {n_classes})" + (" or -1 (unlabelled)" if allow_unlabelled else "")
        raise ValueError(f"{name} must be class indices in {allowed} (n_classes={n_classes}); "
                         f"its values span [{lo}, {hi}]. Received: {name}={describe(y)}")
    return y


def check_batch_size(x, minimum, message):
    """Refuse a batch ``x`` of fewer than ``minimum`` rows with ``message``, also inside a
    compiled training step, where the batch size may be symbolic.

    A static batch size (always on JAX, which traces every batch shape; on TensorFlow when the
    dataset's batches are fixed) is checked at trace time: ``ValueError(message)``. A batch
    size unknown while TensorFlow traces is checked by a graph assertion, which raises
    ``InvalidArgumentError`` carrying ``message`` when the step runs. Returns ``x``.
    """
    n = x.shape[0]
    if n is not None:
        if int(n) < minimum:
            raise ValueError(message)
        return x
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        check = tf.debugging.assert_greater_equal(tf.shape(x)[0], minimum, message=message)
        with tf.control_dependencies([check]):
            return tf.identity(x)
    return x


def check_bool(value, name):
    """Return ``value`` if it is a bool (``np.bool_`` too): a switch, not a truthy value
    (``connected="no"`` would otherwise switch it on)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False. Received: {name}={value!r}")
    return bool(value)


#: The largest Gaussian blur, in pixels (its kernel spans about 8 sigma; beyond the image
#: a larger one only costs memory).
MAX_BLUR_SIGMA = 20.0


def check_random_state(seed, name="seed"):
    """A scikit-learn ``random_state``: ``None`` or an integer in [0, 2**32 - 1] (checked here,
    so that the message names OUR argument, not scikit-learn's ``random_state``)."""
    if seed is None:
        return None
    return check_number(seed, name, low=0, high=2**32 - 1, integer=True)


def check_sequence(values, name):
    """A non-string sequence (list, tuple, range, array) -> a tuple of its items."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not hasattr(
            values, "__len__"):
        raise TypeError(f"{name} must be a sequence (a list, tuple or range). "
                        f"Received: {name}={values!r}")
    return tuple(values)
