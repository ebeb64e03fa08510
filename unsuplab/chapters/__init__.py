"""Chapter recipes: the one place where a chapter's data protocol, settings and seeds live.

Each ``chNN`` module has ``load_data()`` (the chapter's images, subset by the quick/full
settings of :mod:`unsuplab.config`) and its training recipes (``train_*`` and ``cached_*``:
seed, build from :mod:`unsuplab.models`, compile, :func:`unsuplab.training.fit`, through the
model cache). Notebooks and benchmarks both call them, so a model trained by one is found by
the other, and a benchmark measures exactly what the notebook shows.

    >>> from unsuplab.chapters import ch01
    >>> data = ch01.load_data()
    >>> model, trained = ch01.cached_autoencoder("conv", 32, data.x_train, epochs=2)
"""

from importlib import import_module

CHAPTERS = ("ch00", "ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08", "ch09")


def __getattr__(name):
    if name in CHAPTERS:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'unsuplab.chapters' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *CHAPTERS])
