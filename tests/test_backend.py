"""unsuplab._backend: kernels compiled for the backend, and a quiet TensorFlow start-up."""

import os
import subprocess
import sys

import numpy as np
import pytest
from keras import ops

from unsuplab import _backend


def test_compile_fn_runs_keras_ops_on_the_backend():
    calls = []

    @_backend.compile_fn
    def scaled_sum(x, y):
        calls.append(1)  # runs while tracing (TF, JAX) or on every call (other backends)
        return ops.sum(x * y, axis=1)

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = _backend.to_numpy(scaled_sum(x, 2 * np.ones_like(x)))
    np.testing.assert_allclose(out, [6.0, 24.0])
    again = _backend.to_numpy(scaled_sum(x, np.ones_like(x)))
    np.testing.assert_allclose(again, [3.0, 12.0])
    if _backend.name() in ("tensorflow", "jax"):
        assert len(calls) == 1  # traced once, reused for the same shapes


def _start_up_stderr(**env):
    code = "import unsuplab, keras, tensorflow; print(tensorflow.__version__)"
    base = {k: v for k, v in os.environ.items() if k != "UNSUPLAB_TF_LOGS"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "0", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr


#: Lines TensorFlow logs when it starts; which ones depends on the CPU (oneDNN's notice is
#: printed on some processors only, the CPU-feature notice on others).
START_UP_LOGS = ("oneDNN", "cpu_feature_guard", "absl::InitializeLog")


@pytest.mark.tensorflow_only
def test_tensorflow_start_up_logs_are_hidden_unless_asked_for():
    hidden = _start_up_stderr()
    assert not any(line in hidden for line in START_UP_LOGS), hidden
    shown = _start_up_stderr(UNSUPLAB_TF_LOGS="1")
    assert any(line in shown for line in START_UP_LOGS), shown


def _rss_mib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(_backend._malloc_trim() is None, reason="glibc only (malloc_trim)")
def test_release_memory_returns_freed_heap_pages_to_the_system():
    """Blocks freed below a live one stay resident (the heap is trimmed only at its top) until
    release_memory(); what is still in use stays."""
    blocks = [bytearray(64 * 1024) for _ in range(3000)]  # ~190 MiB on the heap, touched
    sentinel = bytearray(64 * 1024)  # above them: the heap's top stays in use
    kept = blocks[::100]
    del blocks
    before = _rss_mib()
    _backend.release_memory()
    after = _rss_mib()
    assert before - after > 100, f"{before:.0f} -> {after:.0f} MiB"
    assert all(len(b) == 64 * 1024 and not any(b[:16]) for b in kept) and len(sentinel)


def test_release_memory_is_harmless_without_glibc(monkeypatch):
    monkeypatch.setattr(_backend, "_malloc_trim", lambda: None)
    assert _backend.release_memory() is None
