"""Metrics: image quality (PSNR, SSIM), clustering (ACC, NMI, ARI) and loss trackers.

PSNR convention: mean over images of the per-image PSNR, peak 1.0.
"""

from .clustering import ari, cluster_accuracy, cluster_mapping, clustering_scores, nmi
from .image import mse_per_image, psnr, psnr_per_image, ssim, ssim_per_image
from .trackers import loss_trackers

# Chapter metrics, imported on first use: name -> submodule.
_LAZY = {
    "precision_at_k": "retrieval",  # chapter 01
    "elbo": "likelihood",  # chapter 03
    "iwae_nll": "likelihood",  # chapter 03
    "elbo_terms": "likelihood",  # chapter 03
    "log_importance_weights": "likelihood",  # chapter 03
    "kl_per_dimension": "likelihood",  # chapter 03
    "unit_activity": "likelihood",  # chapter 03
    "active_units": "likelihood",  # chapter 03
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'unsuplab.metrics' has no attribute {name!r}")


__all__ = [
    "ari",
    "cluster_accuracy",
    "cluster_mapping",
    "clustering_scores",
    "loss_trackers",
    "mse_per_image",
    "nmi",
    "psnr",
    "psnr_per_image",
    "ssim",
    "ssim_per_image",
]
