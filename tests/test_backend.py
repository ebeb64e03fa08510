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


@pytest.mark.tensorflow_only
def test_tensorflow_start_up_logs_are_hidden_unless_asked_for():
    assert "oneDNN" not in _start_up_stderr()
    assert "oneDNN" in _start_up_stderr(UNSUPLAB_TF_LOGS="1")
