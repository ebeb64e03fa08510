"""Networks: functional Keras builders, composed by every model of :mod:`unsuplab.models`.

Each builder takes shapes and widths and returns a functional ``keras.Model`` (or a layer
stack) with its input shape checked: no training logic, no settings, no seeding. A GAN's
generator is a decoder, its discriminator an encoder; deep clustering reuses the
autoencoder's encoder; segmentation and correction use the U-Net; pretraining a backbone.

- :mod:`unsuplab.networks.conv`: ``conv_encoder``, ``conv_decoder`` (strided convolutions),
  ``backbone`` (a small residual network with global average pooling).
- :mod:`unsuplab.networks.mlp`: ``mlp_encoder``, ``mlp_decoder`` (dense layers).
- :mod:`unsuplab.networks.unet`: ``unet`` (skip connections, any depth).
- :mod:`unsuplab.networks.time_unet`: ``time_unet`` (time- and class-conditioned U-Net with
  residual blocks: the denoiser of diffusion and flow matching, chapter 09).
- :mod:`unsuplab.networks.augmentations`: random crops, flips and jitter in ``keras.ops``,
  the views of self-supervised learning (chapters 06 and 08).
- :mod:`unsuplab.networks.corruptions`: random corruptions in ``keras.ops`` (noise, blur,
  holes), drawn from a ``SeedGenerator`` inside a model's ``compute_loss``.
"""

from importlib import import_module

_LAZY = {
    "conv_encoder": "conv",
    "conv_decoder": "conv",
    "backbone": "conv",
    "mlp_encoder": "mlp",
    "mlp_decoder": "mlp",
    "projection_head": "mlp",
    "augment": "augmentations",
    "random_resized_crop": "augmentations",
    "unet": "unet",
    "fcn": "fcn",
    "time_unet": "time_unet",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'unsuplab.networks' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
