r"""Deep embedded clustering: DEC (Xie, Girshick & Farhadi 2016) and IDEC (Guo et al. 2017).

An encoder :math:`z_i = f_\phi(x_i)` (pretrained as an autoencoder's) and :math:`k` cluster
centres :math:`\mu_j` (initialised by k-means on the codes) are refined together:

- soft assignment, a Student-t kernel with :math:`\alpha` degrees of freedom:
  :math:`q_{ij} = \frac{(1 + \lVert z_i - \mu_j\rVert^2/\alpha)^{-\frac{\alpha+1}{2}}}
  {\sum_{j'} (1 + \lVert z_i - \mu_{j'}\rVert^2/\alpha)^{-\frac{\alpha+1}{2}}}`;
- target distribution, sharpened and normalised by cluster size
  :math:`f_j = \sum_i q_{ij}`: :math:`p_{ij} = \frac{q_{ij}^2 / f_j}{\sum_{j'} q_{ij'}^2 / f_{j'}}`
  (squaring favours confident points; dividing by :math:`f_j` stops large clusters from
  swallowing the others);
- loss :math:`\mathrm{KL}(P \,\|\, Q) = \frac1N\sum_i \sum_j p_{ij} \log \frac{p_{ij}}{q_{ij}}`,
  with :math:`P` held fixed between its updates (every few hundred steps): the model learns
  from its own high-confidence assignments. IDEC (Guo et al. 2017) keeps the decoder
  :math:`g_\theta` and trains :math:`L = L_r + \gamma L_c` with
  :math:`L_r = \frac1N\sum_i \frac1D\lVert x_i - g_\theta(z_i)\rVert^2` (mean squared error over the
  :math:`D` pixels) and :math:`L_c = \mathrm{KL}(P\,\|\,Q)`; the paper's :math:`\gamma = 0.1`
  weights the *clustering* term, so reconstruction stays the main objective and keeps the codes
  from being distorted (DEC can make clusters *worse* by distorting the space).

The training loop (update :math:`P`, a few hundred steps, stop when fewer than ``tol`` of
the labels change) is :func:`unsuplab.chapters.ch06.train_dec`; this module has the maths.

Example:
    >>> dec = DEC(10, latent_dim=10, gamma=0.1, seed=0)   # IDEC
    >>> dec.init_from(autoencoder)                        # same architecture, trained
    >>> dec.init_centers(x)                               # k-means on the codes
    >>> q = dec.predict_proba(x); p = target_distribution(q)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._validation import (
    check_array,
    check_image_shape,
    check_number,
    check_units,
)
from ..networks.conv import conv_decoder, conv_encoder
from ._base import (
    PACKAGE,
    SeededModel,
    check_finite_weights,
    loss_first_metrics,
    model_images,
    predict_batched,
    subclass_config,
)


def soft_assignment(z, centers, alpha=1.0):
    r"""Student-t soft assignment :math:`q_{ij}` (module docstring), in ``keras.ops``:
    ``z`` (N, d), ``centers`` (k, d) -> (N, k), rows summing to 1."""
    d2 = ops.sum(ops.square(z[:, None, :] - centers[None, :, :]), axis=-1)
    kernel = ops.power(1.0 + d2 / alpha, -(alpha + 1.0) / 2.0)
    return kernel / ops.sum(kernel, axis=1, keepdims=True)


def target_distribution(q):
    r"""DEC's target :math:`p_{ij} \propto q_{ij}^2 / f_j`, :math:`f_j = \sum_i q_{ij}`
    (NumPy, float64 inside): ``q`` (N, k) -> (N, k) float32, rows summing to 1."""
    q = check_array(q, "q", ndim=2, dtype_kind="f").astype(np.float64)
    weight = q**2 / q.sum(axis=0)
    return (weight / weight.sum(axis=1, keepdims=True)).astype(np.float32)


def kl_divergence(p, q):
    r""":math:`\frac1N \sum_i \sum_j p_{ij} \log(p_{ij}/q_{ij})` in ``keras.ops`` (0 log 0 = 0)."""
    eps = 1e-10
    return ops.mean(ops.sum(p * (ops.log(p + eps) - ops.log(q + eps)), axis=1))


@keras.saving.register_keras_serializable(package=PACKAGE)
class DEC(SeededModel):
    r"""DEC (``gamma=None``) or IDEC (``gamma > 0``): a convolutional encoder with cluster centres.

    Args:
        n_clusters: k (>= 2).
        latent_dim: size of the codes.
        filters: of the encoder (and decoder), as in :class:`~unsuplab.models.ConvAutoencoder`;
            :meth:`init_from` copies a trained autoencoder with the same values.
        alpha: degrees of freedom of the Student-t kernel (DEC uses 1).
        gamma: IDEC's weight :math:`\gamma` on the clustering term, as in Guo et al. 2017:
            loss :math:`L_r + \gamma\,\mathrm{KL}(P\|Q)` (the paper uses 0.1). ``None``: plain
            DEC, loss :math:`\mathrm{KL}(P\|Q)` alone and no decoder.
        image_shape: ``(height, width, channels)``.
        seed: unused by the maths (no randomness in training), kept for the protocol.

    Call arguments:
        inputs: images (batch, H, W, C) in [0, 1]. Returns :math:`Q` (batch, n_clusters).
    """

    def __init__(self, n_clusters=10, latent_dim=10, *, filters=(32, 64), alpha=1.0,
                 gamma=None, image_shape=(28, 28, 1), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.n_clusters = check_number(n_clusters, "n_clusters", low=2, integer=True)
        self.latent_dim = check_number(latent_dim, "latent_dim", low=1, integer=True)
        self.filters = check_units(filters, "filters", allow_empty=False)
        self.alpha = float(check_number(alpha, "alpha", low=0, low_inclusive=False))
        self.gamma = (None if gamma is None else
                      float(check_number(gamma, "gamma", low=0, low_inclusive=False)))
        self.image_shape = check_image_shape(image_shape)
        common = {"filters": self.filters, "batch_norm": True}
        self.encoder = conv_encoder(self.image_shape, self.latent_dim, **common)
        self.decoder = (conv_decoder(self.image_shape, self.latent_dim, **common)
                        if self.gamma is not None else None)
        self.centers = self.add_weight(shape=(self.n_clusters, self.latent_dim),
                                       initializer="glorot_uniform", name="centers")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.built = True

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, training=False):
        z = self.encoder(inputs, training=training)
        return soft_assignment(z, self.centers, self.alpha)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """DEC: KL(P || Q) against the targets ``y`` = :math:`P`; IDEC: MSE + ``gamma`` x KL."""
        del sample_weight
        if y is None or y.shape[-1] != self.n_clusters:
            raise ValueError(self._targets_message(y))
        z = self.encoder(x, training=training)
        q = soft_assignment(z, self.centers, self.alpha)
        kl = kl_divergence(ops.cast(y, q.dtype), q)
        self.kl_tracker.update_state(kl)
        if self.decoder is None:
            return kl
        rec = ops.mean(ops.square(self.decoder(z, training=training) - x))
        self.reconstruction_tracker.update_state(rec)
        return rec + self.gamma * kl

    def _targets_message(self, y):
        got = "None" if y is None else f"of shape {tuple(y.shape)}"
        return ("DEC trains against its target distribution P (n_images, n_clusters="
                f"{self.n_clusters}): fit(model, images, target_distribution(q)) with q = "
                "model.predict_proba(images), as unsuplab.chapters.ch06.train_dec does. "
                f"Received: y={got}")

    def check_targets(self, y, n, name="y"):
        """``y`` checked as :math:`P`, (n, n_clusters), by :func:`unsuplab.training.fit`
        before training starts (on JAX an error inside the compiled step leaves the model's
        variables detached)."""
        if y is None or np.ndim(y) != 2 or np.shape(y) != (n, self.n_clusters):
            raise ValueError(self._targets_message(None if y is None else np.asarray(y)))
        return y

    @property
    def metrics(self):
        ours = [self.kl_tracker, self.reconstruction_tracker]
        return loss_first_metrics(self, super().metrics, ours)

    def get_config(self):
        base = subclass_config(super().get_config())
        return {**base, "n_clusters": self.n_clusters, "latent_dim": self.latent_dim,
                "filters": list(self.filters), "alpha": self.alpha, "gamma": self.gamma,
                "image_shape": list(self.image_shape), "seed": self.seed}

    # --- set-up and NumPy side -----------------------------------------------------------

    def init_from(self, autoencoder):
        """Copy the encoder (and, for IDEC, the decoder) of a trained
        :class:`~unsuplab.models.ConvAutoencoder` with the same ``latent_dim`` and ``filters``."""
        if (getattr(autoencoder, "latent_dim", None) != self.latent_dim
                or tuple(getattr(autoencoder, "filters", ())) != self.filters):
            raise ValueError(
                "autoencoder must be a ConvAutoencoder with latent_dim="
                f"{self.latent_dim} and filters={self.filters}. Received: "
                f"{type(autoencoder).__name__} with latent_dim="
                f"{getattr(autoencoder, 'latent_dim', None)}")
        self.encoder.set_weights(autoencoder.encoder.get_weights())
        if self.decoder is not None:
            self.decoder.set_weights(autoencoder.decoder.get_weights())
        return self

    def init_centers(self, images, *, n_init=10, random_state=0):
        """Centres := k-means (``n_init`` restarts) on the codes of ``images``; returns the
        k-means labels."""
        from sklearn.cluster import KMeans

        z = self.encode(images)
        km = KMeans(self.n_clusters, n_init=n_init, random_state=random_state).fit(z)
        self.centers.assign(km.cluster_centers_.astype(np.float32))
        return km.labels_.astype(np.int64)

    def _images(self, images, name="images"):
        return model_images(self, images, name, scale=False)[0]  # predict_batched scales

    def encode(self, images, *, batch_size=1024):
        """Codes :math:`z` (N, latent_dim) of images (uint8 or [0, 1])."""
        x = self._images(images)
        check_finite_weights(self)
        return predict_batched(lambda b: self.encoder(b, training=False), x, batch_size=batch_size)

    def predict_proba(self, images, *, batch_size=1024):
        """Soft assignments :math:`Q` (N, n_clusters)."""
        x = self._images(images)
        check_finite_weights(self)
        return predict_batched(lambda b: self(b, training=False), x, batch_size=batch_size)

    def predict_labels(self, images, *, batch_size=1024):
        """Hard labels :math:`\\arg\\max_j q_{ij}` (N,)."""
        return self.predict_proba(images, batch_size=batch_size).argmax(axis=1).astype(np.int64)


__all__ = ["DEC", "kl_divergence", "soft_assignment", "target_distribution"]
