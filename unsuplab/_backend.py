"""The Keras backend, seen from the package: which one runs, and how to compile a kernel for it.

Model maths is written in ``keras.ops`` and runs on every backend. A few numeric kernels that
are called many times outside ``fit`` (the SOM's batch update, batched matching) are compiled
once with the backend's own compiler: :func:`compile_fn` gives ``tf.function`` on TensorFlow,
``jax.jit`` on JAX and the plain function elsewhere. Nothing here imports TensorFlow unless
TensorFlow is the backend.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.util
import os
import sys


def name() -> str:
    """The Keras backend in use: ``"tensorflow"``, ``"jax"``, ``"torch"`` or ``"numpy"``."""
    import keras

    return keras.backend.backend()


def is_tensorflow() -> bool:
    """True when Keras runs on TensorFlow (the package's default backend)."""
    return name() == "tensorflow"


def compile_fn(fn=None, *, static_argnames=()):
    """Compile ``fn`` (written in ``keras.ops``) with the backend's compiler.

    TensorFlow: ``tf.function(reduce_retracing=True)``; JAX: ``jax.jit`` with
    ``static_argnames``; other backends: ``fn`` unchanged. Usable as a decorator, with or
    without arguments. The compiled function is built on its first call, so importing a module
    that decorates kernels does not import the backend.
    """
    if fn is None:
        return functools.partial(compile_fn, static_argnames=static_argnames)
    compiled = None

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        nonlocal compiled
        if compiled is None:
            backend = name()
            if backend == "tensorflow":
                import tensorflow as tf

                compiled = tf.function(fn, reduce_retracing=True)
            elif backend == "jax":
                import jax

                compiled = jax.jit(fn, static_argnames=tuple(static_argnames))
            else:
                compiled = fn
        return compiled(*args, **kwargs)

    return wrapper


def to_numpy(x):
    """A backend tensor (or anything array-like) as a NumPy array."""
    import keras

    return keras.ops.convert_to_numpy(x)


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (another C library: macOS, musl, Windows)."""
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim(0)``; nothing
    elsewhere). Called after work that allocates and frees large blocks: a training run, a
    batched forward pass over many images.

    Why: a freed block inside the heap stays resident until the heap is trimmed, and glibc
    trims only its top. Measured in chapter 01 (TensorFlow): twelve autoencoders'
    reconstructions of 10 000 test images, each freed, left the kernel 276 MiB larger; trimmed
    after each, 9 MiB. A few milliseconds a call; nothing is freed that is still in use.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@contextlib.contextmanager
def _stderr_silenced():
    """Point file descriptor 2 at /dev/null inside the block (C++ logs go there)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


class _QuietTensorFlow(importlib.abc.MetaPathFinder):
    """Import TensorFlow with its C++ start-up logs (absl, oneDNN, CPU features) unshown.

    TensorFlow 2.21 writes them to file descriptor 2 while it loads, whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says, and a notebook shows them as a red block in its first cell.
    Only the loading is silenced: import errors still raise, and later logs still show.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once: the real finders find it
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            with _stderr_silenced():
                load(module)

        spec.loader.exec_module = exec_module
        return spec


def quiet_tensorflow_logs() -> None:
    """Hide TensorFlow's start-up logs (see :class:`_QuietTensorFlow`) unless
    ``UNSUPLAB_TF_LOGS=1``; called by ``import unsuplab``, costs nothing until TensorFlow loads."""
    if os.environ.get("UNSUPLAB_TF_LOGS", "") == "1" or "tensorflow" in sys.modules:
        return
    if not any(isinstance(f, _QuietTensorFlow) for f in sys.meta_path):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        sys.meta_path.insert(0, _QuietTensorFlow())


__all__ = ["compile_fn", "is_tensorflow", "name", "quiet_tensorflow_logs", "to_numpy"]
