"""Metrics: image quality (PSNR, SSIM, hole PSNR), clustering (ACC, NMI, ARI), retrieval,
likelihoods. NumPy in, numbers out, on every Keras backend (no TensorFlow needed).

PSNR convention: mean over images of the per-image PSNR, peak 1.0.
"""

from .clustering import ari, cluster_accuracy, cluster_mapping, clustering_scores, nmi
from .image import (
    HOLE_MSE_FLOOR,
    hole_psnr,
    mse_per_image,
    psnr,
    psnr_per_image,
    ssim,
    ssim_per_image,
)

# Chapter metrics, imported on first use: name -> submodule.
_LAZY = {
    "precision_at_k": "retrieval",  # chapter 01
    "average_precision": "retrieval",  # chapter 06
    "mean_average_precision": "retrieval",  # chapter 06
    "nearest_neighbors": "retrieval",  # chapter 06
    "elbo": "likelihood",  # chapter 03
    "iwae_nll": "likelihood",  # chapter 03
    "elbo_terms": "likelihood",  # chapter 03
    "log_importance_weights": "likelihood",  # chapter 03
    "kl_per_dimension": "likelihood",  # chapter 03
    "unit_activity": "likelihood",  # chapter 03
    "active_units": "likelihood",  # chapter 03
    "fid": "generative",  # chapter 04
    "kid": "generative",  # chapter 04
    "frechet_distance": "generative",  # chapter 04
    "precision_recall": "generative",  # chapter 04
    "class_shares": "generative",  # chapter 04
    "miou": "segmentation",  # chapter 07
    "segmentation_scores": "segmentation",  # chapter 07
    "mean_interval": "intervals",  # chapter 08
    "paired_gain": "intervals",  # chapter 08
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'unsuplab.metrics' has no attribute {name!r}")


__all__ = [
    "HOLE_MSE_FLOOR",
    "ari",
    "cluster_accuracy",
    "cluster_mapping",
    "clustering_scores",
    "hole_psnr",
    "mse_per_image",
    "nmi",
    "psnr",
    "psnr_per_image",
    "ssim",
    "ssim_per_image",
]
