"""Models: Keras models (autoencoders, correction networks, VAE) and estimators (SOM).

Names are imported lazily, so ``from unsuplab.models import SOM`` does not build Keras
graphs of the other chapters. Every Keras class is registered serializable under the package
name ``unsuplab`` and saves/loads as ``.keras`` in safe mode.
"""

from importlib import import_module

# public name -> submodule that defines it
_LAZY = {
    # chapter 00
    "kmeans_pixels": "kmeans",
    # chapter 01
    "DenseAutoencoder": "autoencoders",
    "ConvAutoencoder": "autoencoders",
    # chapter 02
    "DenoisingUNet": "correction",
    "InpaintingUNet": "correction",
    "BlindSpotDenoiser": "correction",
    # chapter 03
    "VAE": "vae",
    # chapter 05
    "SOM": "som",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'unsuplab.models' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
