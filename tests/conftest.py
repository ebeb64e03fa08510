"""Test set-up: headless matplotlib, quiet TensorFlow, two logical CPUs for strategy tests."""

import os

os.environ.setdefault("MPLBACKEND", "agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault(
    "UNSUPLAB_FIGURES", os.path.join(os.path.dirname(__file__), "..", "build", "test-figures")
)

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


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
