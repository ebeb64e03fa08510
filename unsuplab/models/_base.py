"""What every Keras model of the package shares (no public model lives here).

- :class:`SeededModel`: a ``keras.Model`` that owns a ``SeedGenerator`` (its randomness: noise,
  masks, sampling) and saves that generator's state with its weights, so a run resumed from a
  ``.keras`` file draws the same random numbers as one that never stopped.
- :func:`check_finite_weights`: "the model's weights are NaN" instead of NaN outputs.
- :func:`predict_batched`: NumPy in, NumPy out, in fixed-size batches.

The latent-model protocol, kept by every model with a code (autoencoders, the VAE, later the
GAN's generator side and the contrastive encoder): ``latent_dim`` and ``image_shape``
attributes; ``encode(images) -> ndarray (N, latent_dim)`` (for a VAE: the posterior mean);
``decode(codes) -> ndarray (N, H, W, C)`` in [0, 1]; ``reconstruct(images)``. Images are uint8
or float in [0, 1], shaped (N, H, W) or (N, H, W, C).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._backend import release_memory
from .._validation import as_image_batch, check_class_labels, check_number
from ..networks.unet import unet, unet_multiple

PACKAGE = "unsuplab"


class SeededModel(keras.Model):
    """A ``keras.Model`` with its own ``SeedGenerator``, whose state is saved with the weights.

    Subclasses call ``super().__init__(seed=seed, **kwargs)`` and draw their random numbers
    with ``keras.random.*(..., seed=self.seed_generator)``; they put ``"seed": self.seed`` in
    their config. Keras tracks the generator's state as a non-trainable variable, so the
    JAX backend threads it through its stateless training step like any other state.
    """

    def __init__(self, *, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None:  # NumPy's and scikit-learn's limit, named here
            seed = check_number(seed, "seed", low=0, high=2**32 - 1, integer=True)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def save_own_variables(self, store):
        # Keras saves a layer's own weights only; the noise stream belongs to a resumable run.
        super().save_own_variables(store)
        store["seed_generator_state"] = ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        own = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate(own):
            variable.assign(store[f"{i}"])
        if "seed_generator_state" in store.keys():
            self.seed_generator.state.assign(np.asarray(store["seed_generator_state"]))


class Classifier:
    """Mixin of the Keras classifiers (``n_classes`` logits): their labels are checked where
    they enter, in ``fit`` (Keras's) and :func:`unsuplab.training.fit` (through
    :meth:`check_targets`), because inside the compiled loss a label ``>= n_classes`` is an
    index error naming no argument on TensorFlow, and a silently clamped index on JAX.

    ``allow_unlabelled`` (a class attribute): ``-1`` marks an unlabelled image.
    """

    allow_unlabelled = False

    def check_targets(self, y, n, name="y"):
        """``y`` checked as ``n`` class indices in ``[0, n_classes)`` (or -1, if allowed)."""
        if y is None:
            raise ValueError(f"{type(self).__name__} trains on labelled images: pass their "
                             f"class indices. Received: {name}=None")
        return check_class_labels(y, n, self.n_classes, name,
                                  allow_unlabelled=self.allow_unlabelled)

    def fit(self, x=None, y=None, *args, **kwargs):
        if hasattr(x, "shape") and (y is None or hasattr(y, "__len__")):
            y = self.check_targets(y, len(x))
        return super().fit(x, y, *args, **kwargs)


def loss_first_metrics(model, inherited, ours):
    """A subclassed model's ``metrics``: Keras's total ``loss`` tracker (once compiled), then
    the model's own trackers ``ours``, then the rest of ``inherited`` (``super().metrics``).
    Keras resets all of them each epoch."""
    total = [model._loss_tracker] if getattr(model, "_loss_tracker", None) is not None else []
    rest = [m for m in inherited if m not in ours and m not in total]
    return [*total, *ours, *rest]


def subclass_config(config):
    """``super().get_config()`` of a subclassed model without ``trainable`` and ``dtype``,
    which the model's constructor rebuilds itself."""
    for key in ("trainable", "dtype"):
        config.pop(key, None)
    return config


class UNetBody:
    """Mixin of the U-Net models (denoiser, inpainter, blind spot): a body from
    :func:`unsuplab.networks.unet.unet`, built at construction (so a model saved before its
    first call keeps its weights), and the size its inputs must be a multiple of.

    The class needs ``filters`` and ``convs_per_block`` attributes before ``_make_body``.
    """

    def _make_body(self, in_channels, out_channels):
        self.body = unet((None, None, in_channels), out_channels, filters=self.filters,
                         convs_per_block=self.convs_per_block, name="body")
        self.build((None, None, None, in_channels))

    def build(self, input_shape):
        del input_shape  # the functional body is built already

    @property
    def multiple(self) -> int:
        """Height and width of the network's input must be multiples of this."""
        return unet_multiple(self.filters)


def check_finite_weights(model):
    """Raise a clear ``ValueError`` when any weight of ``model`` is NaN or infinite.

    Called by the NumPy-side methods (``encode``, ``reconstruct``, ``denoise``...), so that a
    diverged model says so instead of returning NaN images.
    """
    for weight in model.weights:
        value = ops.convert_to_numpy(weight.value if hasattr(weight, "value") else weight)
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise ValueError(
                f"the model's weights are NaN or infinite ({type(model).__name__}, weight "
                f"{weight.path!r}): its training diverged. Retrain it with a lower learning "
                "rate, and check that the images are in [0, 1]."
            )


def model_images(model, images, name="images", *, scale=True):
    """Images for a model with an ``image_shape``: float32 (N, H, W, C) in [0, 1] and the
    function back to the caller's layout; uint8 is scaled (kept uint8 with ``scale=False``, for
    :func:`predict_batched`), another image shape is refused."""
    x, back = as_image_batch(images, name, ndim=(3, 4), scale=scale)
    if x.shape[1:] != tuple(model.image_shape):
        raise ValueError(
            f"{name} must have shape (N, {', '.join(map(str, model.image_shape))}) for this "
            f"model. Received: {name} of shape {np.shape(images)}"
        )
    return x, back


def predict_batched(fn, x, *, batch_size=512):
    """Apply ``fn`` (tensor -> tensor or tuple of tensors) to ``x`` in batches; NumPy out.

    Integer ``x`` (uint8 images from ``as_image_batch(..., scale=False)``) is scaled by 1/255
    a batch at a time, as the whole array would have been, without its float32 copy.

    Returns one float32 array, or a tuple of them when ``fn`` returns a tuple.
    """
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    outs = []
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size]
        if batch.dtype.kind in "ui":
            batch = batch.astype(np.float32) / np.float32(255.0)
        out = fn(batch)
        if isinstance(out, (tuple, list)):
            outs.append(tuple(ops.convert_to_numpy(o) for o in out))
        else:
            outs.append(ops.convert_to_numpy(out))
    if isinstance(outs[0], tuple):
        parts = zip(*outs, strict=True)
        result = tuple(np.concatenate(p).astype(np.float32, copy=False) for p in parts)
    else:
        result = np.concatenate(outs).astype(np.float32, copy=False)
    del outs, out, batch
    release_memory()  # the batches' memory back to the system, not kept by the heap
    return result


__all__ = [
    "PACKAGE",
    "Classifier",
    "SeededModel",
    "UNetBody",
    "check_finite_weights",
    "loss_first_metrics",
    "model_images",
    "predict_batched",
    "subclass_config",
]
