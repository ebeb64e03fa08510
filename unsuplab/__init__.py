"""unsuplab: unsupervised learning for images, the companion package of the notebooks.

Subpackages, one concern each:

- :mod:`unsuplab.config`    quick/full mode switch, seeds, mixed precision.
- :mod:`unsuplab.data`      Fashion-MNIST (offline first), other datasets, tf.data, corruptions.
- :mod:`unsuplab.metrics`   PSNR, SSIM, clustering, retrieval, likelihoods.
- :mod:`unsuplab.viz`       one plotting style, image grids, curves, latent grids, SOM plots.
- :mod:`unsuplab.networks`  functional builders: encoders, decoders, U-Nets, corruptions.
- :mod:`unsuplab.models`    one model per module, composed from networks (no settings).
- :mod:`unsuplab.training`  the backend-neutral fit, callbacks, the model cache.
- :mod:`unsuplab.widgets`   interactive explorers that also run headless.
- :mod:`unsuplab.exercises` classroom exercises with automatic checks.
- :mod:`unsuplab.chapters`  per-chapter data protocol and training recipes (settings, seeds).

ARCHITECTURE.md says what may import what.

``import unsuplab`` is light: TensorFlow is imported only by the parts that need it.
"""

from importlib import import_module

from ._backend import quiet_tensorflow_logs

__version__ = "0.1.0"

quiet_tensorflow_logs()

_SUBMODULES = (
    "config",
    "data",
    "metrics",
    "viz",
    "networks",
    "models",
    "training",
    "widgets",
    "exercises",
    "chapters",
)


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'unsuplab' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_SUBMODULES])
