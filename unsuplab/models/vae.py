r"""The variational autoencoder (Kingma & Welling 2014; Rezende et al. 2014), with β (Higgins
et al. 2017), in ``keras.ops`` so it runs on any Keras backend.

The model is :math:`p(z) = N(0, I)`, :math:`p_\theta(x \mid z)` a decoder, and an encoder
:math:`q_\phi(z \mid x) = N(\mu_\phi(x), \operatorname{diag} \sigma^2_\phi(x))`. Training
maximises, per image, the evidence lower bound with a weight β on its KL term:

.. math:: \mathcal{L}_\beta(x) = \mathbb{E}_{q_\phi(z \mid x)}[\log p_\theta(x \mid z)]
          - \beta\, \mathrm{KL}(q_\phi(z \mid x) \,\|\, p(z))

(β = 1 is the ELBO proper, a lower bound on :math:`\log p_\theta(x)`; since the KL is
non-negative, every β ≥ 1 gives a bound too, a looser one). The loss is its negative, in nats
per image, averaged over the batch; ``fit`` logs it as ``loss`` with its two parts
``reconstruction_loss`` (:math:`-\mathbb{E}_q \log p_\theta(x \mid z)`, one sample of
:math:`z`) and ``kl_loss`` (closed form, unweighted).

Likelihoods:

- ``"bernoulli"``: each pixel is a coin with probability :math:`\operatorname{sigmoid}(\ell)`,
  :math:`\log p(x \mid z) = \sum_p x_p \ell_p - \operatorname{softplus}(\ell_p)`. Meant for
  binary images: with ``binarize=True`` the model binarizes a fresh sample of every batch
  inside :meth:`VAE.compute_loss` (Burda et al. 2016's *dynamic binarization*), and a test set
  is evaluated on one fixed, seeded binarization (:func:`binarize`) — then the ELBO is a bound
  on a real log-probability, in nats.
- ``"gaussian"``: grey levels :math:`x_p \sim N(\operatorname{sigmoid}(\ell_p), \sigma^2)` with
  one learned :math:`\sigma` (a "calibrated decoder", Rybkin et al. 2021). A density, so its
  "nats" are not comparable with the Bernoulli ones (they can be negative).

Example:
    >>> from unsuplab.models import VAE
    >>> from unsuplab.training import fit
    >>> vae = VAE(latent_dim=2, binarize=True, seed=0)
    >>> vae.compile(optimizer="adam")
    >>> fit(vae, x_train, epochs=10)
    >>> codes = vae.encode(x_test)                        # posterior means, (N, 2)
    >>> mean, log_var = vae.encode_distribution(x_test)
    >>> images = vae.sample(16, seed=0)
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .._validation import (
    check_array,
    check_choice,
    check_image_shape,
    check_number,
    check_seed,
    check_units,
)
from ..networks.conv import conv_decoder, conv_encoder, feature_shape
from ..networks.mlp import mlp_decoder, mlp_encoder
from ._base import (
    PACKAGE,
    SeededModel,
    check_finite_weights,
    loss_first_metrics,
    model_images,
    predict_batched,
    subclass_config,
)

LIKELIHOODS = ("bernoulli", "gaussian")
ARCHITECTURES = ("conv", "mlp")
#: Default widths. conv: two stride-2 convolutions, then a dense layer of 128 units;
#: mlp: Burda et al.'s two deterministic layers of 200 tanh units (their 1-stochastic-layer
#: MNIST model).
DEFAULT_FILTERS = (32, 64)
DEFAULT_HIDDEN_UNITS = {"conv": (128,), "mlp": (200, 200)}
_LOG_2PI = math.log(2.0 * math.pi)
_MIN_LOG_SIGMA = -7.0  # the Gaussian decoder's sigma stays >= ~1e-3


def binarize(images, *, seed=0):
    """One seeded random binarization: pixel :math:`p` becomes 1 with probability :math:`x_p`.

    This is how a test set is fixed for evaluating a Bernoulli VAE (state the seed with the
    numbers). uint8 images are scaled by 1/255 first.

    Args:
        images: uint8, or float in [0, 1], of any shape.
        seed: an int, ``None`` or a ``np.random.Generator``.

    Returns:
        float32 array of the same shape with values in {0, 1}.
    """
    x = check_array(images, "images", dtype_kind="uif")
    if x.dtype.kind in "ui":
        x = x.astype(np.float32) / 255.0
    check_array(x, "images", value_range=(0.0, 1.0))
    rng = check_seed(seed)
    return (rng.random(x.shape, dtype=np.float32) < x).astype(np.float32)


def gaussian_kl(mean, log_var):
    r"""KL from :math:`N(\mu, \operatorname{diag}\sigma^2)` to :math:`N(0, I)`, per row, in nats:

    .. math:: \mathrm{KL} = \tfrac12 \sum_j \left(\sigma_j^2 + \mu_j^2 - 1 - \log\sigma_j^2\right)

    ``mean`` and ``log_var`` have shape (batch, latent_dim); returns shape (batch,). Tensors in,
    tensors out (``keras.ops``).
    """
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


@keras.saving.register_keras_serializable(package=PACKAGE)
class VAE(SeededModel):
    r"""A variational autoencoder with a Gaussian encoder and a Bernoulli or Gaussian decoder.

    The encoder maps an image to the mean and log-variance of :math:`q(z \mid x)`; a latent
    code is drawn by the reparameterization :math:`z = \mu + \sigma \odot \varepsilon`,
    :math:`\varepsilon \sim N(0, I)` (drawn with ``keras.random`` from the model's own
    ``SeedGenerator``), and the decoder maps it to the parameters of :math:`p(x \mid z)`.
    The loss is :math:`-\mathcal{L}_\beta` (module docstring), computed in
    :meth:`compute_loss`, so ``fit`` works unchanged on every backend.

    Args:
        latent_dim: size of :math:`z` (> 0).
        beta: weight of the KL term (>= 0; 1 is the ELBO, > 1 a β-VAE, 0 no prior at all).
        likelihood: ``"bernoulli"`` (binary pixels; inputs in [0, 1]) or ``"gaussian"`` (grey
            levels, one learned standard deviation).
        architecture: ``"conv"`` (:func:`~unsuplab.networks.conv.conv_encoder` without batch
            norm, its mirror as decoder; the image side must be divisible by
            ``2 ** len(filters)``) or ``"mlp"`` (dense tanh layers, as in Burda et al. 2016:
            much cheaper for importance-weighted evaluation).
        filters: conv only: feature maps of the stride-2 convolutions, default (32, 64).
        hidden_units: dense layers; conv: between the feature maps and the code, default
            (128,); mlp: default (200, 200).
        image_shape: ``(height, width, channels)`` of the images, default (28, 28, 1).
        binarize: Bernoulli only: binarize every batch afresh inside :meth:`compute_loss`
            (pixel p is 1 with probability :math:`x_p`; binary images pass unchanged).
        seed: seed of the sampling and binarization noise (an int, or None for a random one).

    Call arguments:
        inputs: images of shape (batch, height, width, channels) in [0, 1].

    Returns (call):
        The reconstruction from the posterior mean: the decoder's pixel means
        (probabilities for ``"bernoulli"``). Deterministic; the stochastic path is in
        :meth:`compute_loss`.

    Raises:
        ValueError: ``latent_dim <= 0``, ``beta < 0``, an unknown likelihood/architecture, a
            shape the architecture cannot handle, ``binarize`` with the Gaussian likelihood.
            Images outside [0, 1] are refused by the NumPy-side methods and by
            :func:`unsuplab.training.fit` (not inside the compiled training step).
    """

    def __init__(
        self,
        latent_dim=2,
        *,
        beta=1.0,
        likelihood="bernoulli",
        architecture="conv",
        filters=None,
        hidden_units=None,
        image_shape=(28, 28, 1),
        binarize=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = check_number(latent_dim, "latent_dim", low=1, integer=True)
        self.beta = float(check_number(beta, "beta", low=0))
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.architecture = check_choice(architecture, "architecture", ARCHITECTURES)
        self.image_shape = check_image_shape(image_shape)
        if hidden_units is None:
            hidden_units = DEFAULT_HIDDEN_UNITS[self.architecture]
        self.hidden_units = check_units(hidden_units, "hidden_units")
        if self.architecture == "conv":
            self.filters = check_units(
                DEFAULT_FILTERS if filters is None else filters, "filters", allow_empty=False
            )
            feature_shape(self.image_shape, self.filters)
        elif filters is not None:
            raise ValueError(
                f"filters only applies to architecture='conv'. Received: filters={filters!r} "
                f"with architecture={self.architecture!r}"
            )
        else:
            self.filters = None
        if binarize and self.likelihood != "bernoulli":
            raise ValueError(
                "binarize only applies to the Bernoulli likelihood (binary pixels). "
                f"Received: binarize={binarize!r} with likelihood={self.likelihood!r}"
            )
        self.binarize = bool(binarize)
        self.encoder, self.decoder = self._build_networks()
        if self.likelihood == "gaussian":
            self.log_sigma = self.add_weight(
                shape=(), initializer=keras.initializers.Constant(-1.0), name="log_sigma"
            )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.built = True  # every weight exists now (encoder and decoder are functional)

    def _build_networks(self):
        shape, dim = self.image_shape, self.latent_dim
        if self.architecture == "conv":
            common = {
                "filters": self.filters,
                "dense_units": self.hidden_units,
                "batch_norm": False,  # the loss is per image: no batch statistics
                "activation": "relu",
            }
            return (
                conv_encoder(shape, dim, outputs=2, **common),
                conv_decoder(shape, dim, output_activation=None, **common),
            )
        common = {"hidden_units": self.hidden_units, "activation": "tanh"}
        return (
            mlp_encoder(shape, dim, outputs=2, **common),
            mlp_decoder(shape, dim, output_activation=None, **common),
        )

    # --- the probabilistic pieces, in keras.ops ---------------------------------------------

    def reparameterize(self, mean, log_var):
        r""":math:`z = \mu + e^{\frac12 \log\sigma^2} \odot \varepsilon`, with
        :math:`\varepsilon \sim N(0, I)` from the model's seed generator."""
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator, dtype=mean.dtype)
        return mean + ops.exp(0.5 * log_var) * eps

    def binarize_batch(self, x):
        r"""A fresh random binarization of a batch, :math:`\mathbb{1}[u < x]` with
        :math:`u \sim U[0, 1)` from the model's seed generator (binary pixels stay as they are)."""
        u = keras.random.uniform(ops.shape(x), seed=self.seed_generator, dtype=x.dtype)
        return ops.cast(ops.less(u, x), x.dtype)

    def log_likelihood(self, x, decoder_output):
        r""":math:`\log p(x \mid z)` per image, in nats, from the decoder's output (logits).

        ``x`` and ``decoder_output`` have shape (batch, H, W, C); returns shape (batch,).
        """
        x = ops.cast(x, decoder_output.dtype)
        axes = tuple(range(1, len(self.image_shape) + 1))
        if self.likelihood == "bernoulli":
            # x log s(l) + (1 - x) log(1 - s(l)) = x l - softplus(l), stable for any l.
            return ops.sum(x * decoder_output - ops.softplus(decoder_output), axis=axes)
        log_sigma = ops.maximum(ops.cast(self.log_sigma, decoder_output.dtype), _MIN_LOG_SIGMA)
        z = (x - ops.sigmoid(decoder_output)) / ops.exp(log_sigma)
        return ops.sum(-0.5 * ops.square(z) - log_sigma - 0.5 * _LOG_2PI, axis=axes)

    def loss_terms(self, x, target=None):
        """One-sample estimates, per image: ``(reconstruction, kl)`` in nats (tensors).

        ``reconstruction`` is :math:`-\\log p(\\text{target} \\mid z)` for one reparameterized
        draw of :math:`z \\sim q(z \\mid x)`; ``kl`` is the closed-form Gaussian KL.
        """
        target = x if target is None else target
        mean, log_var = self.encoder(x)
        z = self.reparameterize(mean, log_var)
        reconstruction = -self.log_likelihood(target, self.decoder(z))
        return reconstruction, gaussian_kl(mean, log_var)

    # --- Keras hooks -----------------------------------------------------------------------

    def build(self, input_shape=None):
        self.built = True  # encoder and decoder are built in __init__

    def call(self, inputs, training=False):
        mean, _ = self.encoder(inputs, training=training)
        return ops.sigmoid(self.decoder(mean, training=training))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Negative β-ELBO averaged over the batch; ``y`` (if given) is the target image.

        With ``binarize`` the input (and ``y``, if given) is binarized afresh first, so the
        encoder sees the binary image it must explain.
        """
        del y_pred, sample_weight  # the loss needs a stochastic pass, not the mean output
        if self.binarize:
            x = self.binarize_batch(x)
            y = None if y is None else self.binarize_batch(ops.cast(y, x.dtype))
        reconstruction, kl = self.loss_terms(x, x if y is None else y)
        reconstruction, kl = ops.mean(reconstruction), ops.mean(kl)
        total = reconstruction + self.beta * kl
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        if self.losses:  # regularizers, if any were added
            total = total + ops.sum(self.losses)
        return total

    @property
    def metrics(self):
        """``loss`` (the total: Keras's tracker of what :meth:`compute_loss` returns, once
        compiled), then ``reconstruction_loss`` and ``kl_loss``; Keras resets them each epoch."""
        ours = [self.reconstruction_tracker, self.kl_tracker]
        return loss_first_metrics(self, super().metrics, ours)

    def get_config(self):
        base = subclass_config(super().get_config())
        return {
            **base,
            "latent_dim": self.latent_dim,
            "beta": self.beta,
            "likelihood": self.likelihood,
            "architecture": self.architecture,
            "filters": None if self.filters is None else list(self.filters),
            "hidden_units": list(self.hidden_units),
            "image_shape": list(self.image_shape),
            "binarize": self.binarize,
            "seed": self.seed,
        }

    # --- NumPy in, NumPy out: the latent-model protocol ------------------------------------

    def _images(self, images, name="images"):
        """Checked images -> float32 (N, H, W, C) and the function back to the caller's layout."""
        return model_images(self, images, name)

    def encode_distribution(self, images, *, batch_size=512):
        """The posterior parameters of each image.

        Args:
            images: (N, H, W) or (N, H, W, C), uint8 or float in [0, 1].

        Returns:
            ``(mean, log_var)``, float32 arrays of shape (N, latent_dim).
        """
        x, _ = model_images(self, images, scale=False)  # scaled batch by batch
        check_finite_weights(self)
        return predict_batched(
            lambda b: tuple(self.encoder(b, training=False)), x, batch_size=batch_size
        )

    def encode(self, images, *, batch_size=512):
        """The posterior mean of each image, shape (N, latent_dim): the VAE's code."""
        return self.encode_distribution(images, batch_size=batch_size)[0]

    def decoder_output(self, z, *, batch_size=512):
        """The decoder's raw output (logits) for latent codes ``z`` of shape (N, latent_dim)."""
        z = check_array(z, "z", ndim=2, dtype_kind="uif").astype(np.float32)
        if z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must have shape (N, {self.latent_dim}). Received: z of shape {z.shape}"
            )
        check_finite_weights(self)
        return predict_batched(
            lambda b: self.decoder(b, training=False), z, batch_size=batch_size
        )

    def decode(self, z, *, batch_size=512):
        """Pixel means of :math:`p(x \\mid z)` (probabilities for Bernoulli), shape
        (N, H, W, C), for latent codes ``z`` of shape (N, latent_dim) (or one of shape (L,))."""
        z = check_array(z, "z", ndim=(1, 2), dtype_kind="uif")
        logits = self.decoder_output(z[None] if z.ndim == 1 else z, batch_size=batch_size)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def reconstruct(self, images, *, batch_size=512):
        """Decode the posterior mean of each image (the VAE's "reconstruction"), in the layout
        of ``images``."""
        x, back = self._images(images)
        return back(self.decode(self.encode(x, batch_size=batch_size), batch_size=batch_size))

    def sample(self, n, *, seed=None, temperature=1.0):
        """Draw ``n`` codes from the prior :math:`N(0, \\text{temperature}^2 I)` and decode
        them (pixel means). Returns float32 (n, H, W, C)."""
        n = check_number(n, "n", low=1, integer=True)
        temperature = check_number(temperature, "temperature", low=0)
        rng = check_seed(seed)
        z = temperature * rng.standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(z)

    def interpolate(self, a, b, steps=8):
        """Decode ``steps`` codes evenly spaced from the posterior mean of image ``a`` to that
        of image ``b`` (both included).

        Args:
            a, b: single images, (H, W) or (H, W, C), uint8 or float in [0, 1].
            steps: number of images (>= 2).

        Returns:
            float32 array (steps, H, W, C).
        """
        steps = check_number(steps, "steps", low=2, integer=True)
        pair = []
        for name, image in (("a", a), ("b", b)):
            image = check_array(image, name, ndim=(2, 3), dtype_kind="uif")
            pair.append(self._images(image[None], name)[0])
        mean = self.encode(np.concatenate(pair))
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.decode((1.0 - t) * mean[0] + t * mean[1])


__all__ = ["ARCHITECTURES", "LIKELIHOODS", "VAE", "binarize", "gaussian_kl"]
