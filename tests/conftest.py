"""Test set-up: headless matplotlib, quiet TensorFlow, two devices for data-parallel tests.

The suite runs on the TensorFlow backend (the default) and, in CI, once more with
``KERAS_BACKEND=jax`` in an environment without TensorFlow. Nothing here imports TensorFlow
unless it is the backend. Either way the machine's CPU is split into two devices before the
backend starts, so that data-parallel training is tested on two devices:
TensorFlow's logical CPUs (``MirroredStrategy``) or JAX's host platform devices
(``keras.distribution.DataParallel``).
"""

import os

os.environ.setdefault("MPLBACKEND", "agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault(
    "UNSUPLAB_FIGURES", os.path.join(os.path.dirname(__file__), "..", "build", "test-figures")
)
if os.environ.get("KERAS_BACKEND", "tensorflow") == "jax":
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count=2".strip()

import numpy as np  # noqa: E402
import pytest  # noqa: E402

BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")


def pytest_configure(config):
    config.addinivalue_line("markers", "tensorflow_only: needs the TensorFlow backend")
    config.addinivalue_line("markers", "jax_only: needs the JAX backend")
    if BACKEND != "tensorflow":
        return
    # Split the CPU into two logical devices before TensorFlow initialises, so that
    # MirroredStrategy can be tested on a machine without GPUs.
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
        )
    except RuntimeError:  # already initialised (e.g. under a plugin)
        pass


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tensorflow_only" in item.keywords and BACKEND != "tensorflow":
            item.add_marker(pytest.mark.skip(reason="TensorFlow backend only"))
        if "jax_only" in item.keywords and BACKEND != "jax":
            item.add_marker(pytest.mark.skip(reason="JAX backend only"))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets an empty model cache of its own, and trains (no shipped models)."""
    from unsuplab import config

    monkeypatch.setenv("UNSUPLAB_CACHE", str(tmp_path / "model-cache"))
    monkeypatch.delenv("UNSUPLAB_PRETRAINED", raising=False)
    monkeypatch.setattr(config, "_pretrained_override", None)


@pytest.fixture(scope="session")
def fashion():
    """Fashion-MNIST, loaded once per test session."""
    from unsuplab.data import load_fashion_mnist

    return load_fashion_mnist()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def mirrored_strategy():
    """One MirroredStrategy over two logical CPUs for the whole session: TensorFlow's collective
    ops can clash (shape mismatch between instances) when several are built in one process."""
    import tensorflow as tf

    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    assert len(devices) >= 2, "pytest_configure splits the CPU into two logical devices"
    return tf.distribute.MirroredStrategy(devices[:2])
