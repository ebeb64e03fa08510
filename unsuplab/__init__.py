"""unsuplab: unsupervised learning for images, the companion package of the notebooks.

Subpackages, one concern each:

- :mod:`unsuplab.config`    quick/full mode switch, seeds, mixed precision.
- :mod:`unsuplab.data`      Fashion-MNIST (offline first), other datasets, tf.data, corruptions.
- :mod:`unsuplab.models`    Keras models (autoencoders, VAE, ...) and estimators (SOM).
- :mod:`unsuplab.training`  the training loop helper, callbacks, checkpoint caching.
- :mod:`unsuplab.metrics`   PSNR, SSIM, clustering scores, loss trackers.
- :mod:`unsuplab.viz`       one plotting style, image grids, curves.
- :mod:`unsuplab.widgets`   interactive explorers that also run headless.
- :mod:`unsuplab.exercises` classroom exercises with automatic checks.

``import unsuplab`` is light: TensorFlow is imported only by the parts that need it.
"""

from importlib import import_module

__version__ = "0.1.0"

_SUBMODULES = ("config", "data", "models", "training", "metrics", "viz", "widgets", "exercises")


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'unsuplab' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_SUBMODULES])
