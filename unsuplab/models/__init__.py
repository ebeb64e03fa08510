"""Models: one public class per module, composed from :mod:`unsuplab.networks`.

Keras models (autoencoders, the correction U-Nets, the VAE, ...) and scikit-learn estimators
(the SOM, k-means on pixels). Models take their hyper-parameters and a ``seed`` as arguments;
they never read settings nor seed the process (the chapter recipes in
:mod:`unsuplab.chapters` do). Names are imported lazily, so ``from unsuplab.models import SOM``
does not build Keras graphs of the other chapters. Every Keras class is registered
serializable under the package name ``unsuplab`` and saves/loads as ``.keras`` in safe mode.
"""

from importlib import import_module

# public name -> submodule that defines it
_LAZY = {
    # chapter 00
    "kmeans_pixels": "kmeans",
    # chapter 01
    "DenseAutoencoder": "autoencoder",
    "ConvAutoencoder": "autoencoder",
    "PCAAutoencoder": "pca",
    # chapter 02
    "DenoisingUNet": "denoiser",
    "InpaintingUNet": "inpainter",
    "BlindSpotDenoiser": "blind_spot",
    # chapter 03
    "VAE": "vae",
    # chapter 04
    "GAN": "gan",
    "DomainClassifier": "domain_classifier",
    # chapter 05
    "SOM": "som",
    # chapter 06
    "ContrastiveEncoder": "contrastive",
    "ClusteringPipeline": "clustering",
    "choose_k": "clustering",
    "DEC": "dec",
    # chapter 07
    "FeatureClustering": "feature_clustering",
    # chapter 08
    "ImageClassifier": "fewlabel",
    "LinearProbe": "probe",
    "LabelSpreader": "spreading",
    "latent_augment": "augment",
    "pseudo_labelled_samples": "augment",
    # chapter 09
    "Diffusion": "diffusion",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'unsuplab.models' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
