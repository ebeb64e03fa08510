"""Test set-up: headless matplotlib, quiet TensorFlow, two devices for data-parallel tests.

The suite runs on the TensorFlow backend (the default) and, in CI, once more with
``KERAS_BACKEND=jax`` in an environment without TensorFlow. Nothing here imports TensorFlow
unless it is the backend. Either way the machine's CPU is split into two devices before the
backend starts, so that data-parallel training is tested on two devices:
TensorFlow's logical CPUs (``MirroredStrategy``) or JAX's host platform devices
(``keras.distribution.DataParallel``).
"""

import os
import re

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
    config.addinivalue_line("markers", "backend_free: runs no backend code (the JAX run skips it)")
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


#: Test folders and files that exercise no backend: NumPy metrics, plots, data files, the
#: repository's own checks. With ``UNSUPLAB_BACKEND_TESTS_ONLY=1`` (``make unit-jax``) the JAX
#: run skips them, since the TensorFlow run has already run them. A file in these places that
#: mentions a backend-dependent part (``BACKEND_CODE``) runs on both backends all the same.
BACKEND_FREE = (
    "tests/metrics/",
    "tests/viz/",
    "tests/tools/",
    "tests/data/test_datasets.py",
    "tests/data/test_labels.py",
    "tests/data/test_patches.py",
    "tests/data/test_segmentation.py",
    "tests/data/test_corruptions.py",
    "tests/test_architecture.py",
    "tests/test_repository.py",
    "tests/test_notebook_cells.py",
    "tests/test_binder.py",
    "tests/test_suite_selection.py",
    "tests/test_figures.py",
)
#: Chapter recipes (``tests/chapters/``): glue between the data, the models and the cache,
#: whose backend work is the models' (tested on both backends under ``tests/models`` and
#: ``tests/training``). The JAX run leaves them to ``make nbtest-jax``, which runs every
#: chapter's notebook, hence its recipes, on JAX (``JAX_ALL=1`` runs them here too).
RUN_ON_JAX_BY_NOTEBOOKS = ("tests/chapters/",)
BACKEND_CODE = re.compile(
    r"\b(keras|tensorflow|jax)\b|unsuplab\.(models|training|networks|chapters|widgets|exercises"
    r"|_backend)|from unsuplab import [^\n]*\b(models|training|networks|chapters|widgets"
    r"|exercises)\b|make_dataset|make_batches|iwae|likelihood"
)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def backend_free(path):
    """Whether the test file at ``path`` runs no backend code (see ``BACKEND_FREE``)."""
    rel = os.path.relpath(str(path), ROOT).replace(os.sep, "/")
    if not rel.startswith(BACKEND_FREE):
        return False
    with open(path, encoding="utf-8") as handle:
        return not BACKEND_CODE.search(handle.read())


def left_out_on_jax(path):
    """Whether ``make unit-jax`` leaves the test file at ``path`` out: it runs no backend code,
    or the notebooks run it on JAX (``RUN_ON_JAX_BY_NOTEBOOKS``)."""
    rel = os.path.relpath(str(path), ROOT).replace(os.sep, "/")
    return rel.startswith(RUN_ON_JAX_BY_NOTEBOOKS) or backend_free(path)


def pytest_collection_modifyitems(config, items):
    skip_free = BACKEND != "tensorflow" and os.environ.get("UNSUPLAB_BACKEND_TESTS_ONLY") == "1"
    verdicts = {}
    if skip_free:
        kept, dropped = [], []
        for item in items:
            path = str(item.path)
            if path not in verdicts:
                verdicts[path] = left_out_on_jax(path)
            free = verdicts[path] or "backend_free" in item.keywords
            (dropped if free else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
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
