r"""A generative adversarial network (Goodfellow et al. 2014) with DCGAN's design (Radford et
al. 2016) and two stabilised variants, trained with two optimizers on TensorFlow and on JAX.

The generator :math:`G` is a :func:`~unsuplab.networks.conv.conv_decoder` (a dense layer to
7×7 maps, stride-2 transposed convolutions, batch norm, ReLU, ``tanh`` out: images in
[-1, 1]); the discriminator :math:`D` is a :func:`~unsuplab.networks.conv.conv_encoder`
(stride-2 convolutions without bias, LeakyReLU(0.2), no batch norm, one logit), spectrally
normalized (``keras.layers.SpectralNormalization``) for the hinge loss. The losses
(:mod:`unsuplab.models.gan_losses`):

- ``"nonsaturating"``: DCGAN's, the discriminator a logistic classifier, the generator
  maximising :math:`\log D(G(z))` (non-saturating);
- ``"hinge"``: the hinge loss with spectral normalization (Miyato et al. 2018);
- ``"wgan-gp"``: the Wasserstein critic with a gradient penalty (Gulrajani et al. 2017);
- ``"minimax"``: the original saturating generator loss (for the chapter's demonstration).

Training overrides ``compile(d_optimizer=..., g_optimizer=...)`` and ``train_step``: per
batch, ``d_steps`` discriminator updates then one generator update, each with fresh latent
codes :math:`z \sim N(0, I)` drawn from the model's own ``SeedGenerator``. TensorFlow uses
``GradientTape``; JAX the stateless ``train_step(state, data)`` with ``stateless_call`` and
``optimizer.stateless_apply`` (the two optimizers travel together as an :class:`OptimizerPair`
in Keras's optimizer slot, so both are saved in a ``.keras`` file and a run resumes exactly).

Backend note: ``keras.layers.SpectralNormalization`` overwrites its kernel with
:math:`W/\sigma(W)` at each training call; TensorFlow keeps that assignment, while JAX's
stateless call keeps :math:`W` and differentiates through :math:`W/\sigma(W)` instead (the
paper's form). Both constrain the layer's spectral norm to about 1 while training. At
inference (``training=False``, :meth:`GAN.discriminate`) the layer uses its stored kernel:
normalized on TensorFlow, raw on JAX, so a hinge critic's *inference* scores differ between
the backends (training and generation do not depend on them).

Example:
    >>> gan = GAN(latent_dim=64, loss="hinge", seed=0)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> fit(gan, x_train, epochs=5)        # unsuplab.training.fit; logs d_loss, g_loss
    >>> images = gan.generate(16, seed=0)  # (16, 28, 28, 1) in [0, 1]
"""

from __future__ import annotations

import keras
import numpy as np

from .._validation import (
    check_array,
    check_choice,
    check_image_shape,
    check_number,
    check_seed,
    check_units,
)
from ..networks.conv import conv_decoder, conv_encoder, feature_shape
from . import _gan_steps, gan_losses
from ._base import (
    PACKAGE,
    SeededModel,
    check_finite_weights,
    model_images,
    predict_batched,
    subclass_config,
)
from .gan_losses import LOSSES


@keras.saving.register_keras_serializable(package=PACKAGE)
class OptimizerPair(keras.optimizers.Optimizer):
    """The discriminator's and the generator's optimizers in Keras's one optimizer slot.

    Keras (its JAX trainer, ``.keras`` saving) knows one ``model.optimizer``; this wrapper's
    ``variables`` are the discriminator's then the generator's, so both are threaded through
    a stateless JAX step, saved and restored. It never applies gradients itself: the GAN's
    ``train_step`` calls ``discriminator`` and ``generator`` (built by :meth:`GAN.compile`).
    """

    def __init__(self, discriminator, generator, name="optimizer_pair", **kwargs):
        kwargs.pop("learning_rate", None)
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        self.discriminator = keras.optimizers.get(discriminator)
        self.generator = keras.optimizers.get(generator)

    @property
    def variables(self):
        return [*self.discriminator.variables, *self.generator.variables]

    @property
    def iterations(self):
        return self.generator.iterations

    @property
    def learning_rate(self):
        return self.generator.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        del value  # the pair has no rate of its own (Keras sets a placeholder in __init__)

    def build(self, var_list):
        del var_list  # each optimizer is built on its own network by GAN.compile
        self.built = True

    def apply(self, grads, trainable_variables=None):
        raise NotImplementedError("OptimizerPair does not apply gradients; GAN.train_step does.")

    def get_config(self):
        return {
            "name": self.name,
            "discriminator": keras.optimizers.serialize(self.discriminator),
            "generator": keras.optimizers.serialize(self.generator),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(
            keras.optimizers.deserialize(config["discriminator"], custom_objects),
            keras.optimizers.deserialize(config["generator"], custom_objects),
            name=config.get("name", "optimizer_pair"),
        )


@keras.saving.register_keras_serializable(package=PACKAGE)
class GAN(SeededModel):
    r"""A convolutional GAN on images: generator = decoder, discriminator = encoder.

    Args:
        latent_dim: size of :math:`z` (> 0).
        loss: ``"nonsaturating"`` (DCGAN), ``"hinge"``, ``"wgan-gp"`` or ``"minimax"``.
        filters: feature maps of the stride-2 layers, shared by both networks (the generator
            runs them in reverse), default (32, 64).
        kernel_size: side of the kernels (DCGAN: 4, a multiple of the stride: no
            checkerboard from uneven overlaps).
        spectral_norm: spectrally normalize the discriminator; default: only for ``"hinge"``.
        generator_batch_norm: batch norm in the generator (DCGAN's rule; ``False`` makes
            mode collapse likelier).
        gp_weight: :math:`\lambda` of the gradient penalty (``"wgan-gp"``), default 10.
        d_steps: discriminator updates per generator update (>= 1).
        image_shape: ``(height, width, channels)``, default (28, 28, 1).
        seed: seed of the latent codes drawn in training (an int, or None).

    Call arguments:
        inputs: latent codes (batch, latent_dim).

    Returns (call):
        Generated images (batch, H, W, C) in [0, 1] (the generator's ``tanh`` rescaled).

    Raises:
        ValueError: ``latent_dim <= 0``, an unknown loss, a bad shape, ``gp_weight < 0``,
            ``d_steps < 1``.
    """

    def __init__(
        self,
        latent_dim=64,
        *,
        loss="nonsaturating",
        filters=(32, 64),
        kernel_size=4,
        spectral_norm=None,
        generator_batch_norm=True,
        gp_weight=10.0,
        d_steps=1,
        image_shape=(28, 28, 1),
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = check_number(latent_dim, "latent_dim", low=1, integer=True)
        self.loss_name = check_choice(loss, "loss", LOSSES)
        self.filters = check_units(filters, "filters", allow_empty=False)
        self.kernel_size = check_number(kernel_size, "kernel_size", low=1, integer=True)
        self.image_shape = check_image_shape(image_shape)
        feature_shape(self.image_shape, self.filters)
        self.spectral_norm = (self.loss_name == "hinge") if spectral_norm is None else bool(
            spectral_norm)
        self.generator_batch_norm = bool(generator_batch_norm)
        self.gp_weight = float(check_number(gp_weight, "gp_weight", low=0))
        self.d_steps = check_number(d_steps, "d_steps", low=1, integer=True)
        self.generator = conv_decoder(
            self.image_shape, self.latent_dim, filters=self.filters,
            kernel_size=self.kernel_size, batch_norm=self.generator_batch_norm,
            activation="relu", output_activation="tanh", name="generator",
        )
        self.discriminator = conv_encoder(
            self.image_shape, 1, filters=self.filters, kernel_size=self.kernel_size,
            batch_norm=False, activation="leaky_relu", spectral_norm=self.spectral_norm,
            use_bias=False, name="discriminator",
        )
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.gp_tracker = keras.metrics.Mean(name="gradient_penalty")
        self.built = True  # both networks are functional, built already

    # --- Keras hooks -----------------------------------------------------------------------

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs, training=False):
        return 0.5 * (self.generator(inputs, training=training) + 1.0)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Set the two optimizers (default: Adam(2e-4, beta_1=0.5) each, DCGAN's choice).

        Args:
            d_optimizer: the discriminator's optimizer (an instance, a name or a config).
            g_optimizer: the generator's optimizer.
            **kwargs: passed to ``keras.Model.compile`` (e.g. ``jit_compile``); no ``loss``
                nor ``optimizer``: the losses are the model's.
        """
        for key in ("optimizer", "loss"):
            if key in kwargs:
                raise ValueError(
                    f"GAN.compile takes d_optimizer and g_optimizer, and its loss is the "
                    f"model's (loss=... in the constructor). Received: {key}={kwargs[key]!r}"
                )

        def default():
            return keras.optimizers.Adam(2e-4, beta_1=0.5)

        pair = OptimizerPair(d_optimizer or default(), g_optimizer or default())
        pair.discriminator.build(self.discriminator.trainable_variables)
        pair.generator.build(self.generator.trainable_variables)
        pair.built = True
        super().compile(optimizer=pair, **kwargs)

    @property
    def d_optimizer(self):
        """The discriminator's optimizer (after :meth:`compile`)."""
        return self.optimizer.discriminator

    @property
    def g_optimizer(self):
        """The generator's optimizer (after :meth:`compile`)."""
        return self.optimizer.generator

    def get_compile_config(self):
        if getattr(self, "optimizer", None) is None:
            return {}
        return {"d_optimizer": keras.optimizers.serialize(self.d_optimizer),
                "g_optimizer": keras.optimizers.serialize(self.g_optimizer)}

    def compile_from_config(self, config):
        self.compile(d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]),
                     g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]))

    @property
    def metrics(self):
        """``d_loss``, ``g_loss`` and (``"wgan-gp"``) ``gradient_penalty``, each the mean over
        the epoch's steps; Keras resets them each epoch."""
        ours = [self.d_loss_tracker, self.g_loss_tracker]
        return [*ours, self.gp_tracker] if self.loss_name == "wgan-gp" else ours

    def train_step(self, *args):
        """One step: ``d_steps`` discriminator updates, then one generator update.

        TensorFlow calls ``train_step(data)``, JAX ``train_step(state, data)``; both share the
        losses of :mod:`unsuplab.models.gan_losses` and the noise of :meth:`draw_noise`.
        """
        if keras.backend.backend() == "jax":
            return _gan_steps.jax_train_step(self, *args)
        if keras.backend.backend() == "tensorflow":
            return _gan_steps.tensorflow_train_step(self, *args)
        raise NotImplementedError(
            f"GAN training is written for TensorFlow and JAX. Received: backend="
            f"{keras.backend.backend()!r}"
        )

    def d_loss(self, d_real, d_fake):
        """The discriminator's loss (no gradient penalty) from its logits on real and fake
        images (tensors (N, 1)); override it to try another loss (exercise 04.4)."""
        return gan_losses.discriminator_loss(self.loss_name, d_real, d_fake)

    def g_loss(self, d_fake):
        """The generator's loss from the discriminator's logits on its images."""
        return gan_losses.generator_loss(self.loss_name, d_fake)

    def draw_noise(self, batch_size, dtype="float32"):
        """The random numbers of one training step, from the model's seed generator: latent
        codes ``z_d`` (a list, one per discriminator update), ``z_g``, and mixing weights
        ``eps`` (one list entry per discriminator update; for the gradient penalty)."""
        z_d, eps = [], []
        for _ in range(self.d_steps):
            z_d.append(keras.random.normal((batch_size, self.latent_dim),
                                           seed=self.seed_generator, dtype=dtype))
            eps.append(keras.random.uniform((batch_size, 1, 1, 1), seed=self.seed_generator,
                                            dtype=dtype))
        z_g = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator,
                                  dtype=dtype)
        return z_d, z_g, eps

    def get_config(self):
        base = subclass_config(super().get_config())
        return {
            **base,
            "latent_dim": self.latent_dim,
            "loss": self.loss_name,
            "filters": list(self.filters),
            "kernel_size": self.kernel_size,
            "spectral_norm": self.spectral_norm,
            "generator_batch_norm": self.generator_batch_norm,
            "gp_weight": self.gp_weight,
            "d_steps": self.d_steps,
            "image_shape": list(self.image_shape),
            "seed": self.seed,
        }

    # --- NumPy in, NumPy out ---------------------------------------------------------------

    def sample_latent(self, n, *, seed=None):
        """``n`` codes :math:`z \\sim N(0, I)`, float32 (n, latent_dim), from a NumPy generator
        seeded by ``seed`` (the same codes for the same seed, whatever the model)."""
        n = check_number(n, "n", low=1, integer=True)
        rng = check_seed(seed)
        return rng.standard_normal((n, self.latent_dim)).astype(np.float32)

    def decode(self, codes, *, batch_size=512):
        """Generate from given codes: (N, latent_dim) (or one code (latent_dim,)) -> images
        float32 (N, H, W, C) in [0, 1]. The latent-model protocol's ``decode``."""
        z = check_array(codes, "codes", ndim=(1, 2), dtype_kind="uif").astype(np.float32)
        z = z[None] if z.ndim == 1 else z
        if z.shape[1] != self.latent_dim:
            raise ValueError(
                f"codes must have shape (N, {self.latent_dim}). Received: codes of shape "
                f"{z.shape}"
            )
        if not np.all(np.isfinite(z)):
            raise ValueError("codes must be finite. Received: codes with NaN or inf")
        check_finite_weights(self)
        images = predict_batched(lambda b: self(b, training=False), z, batch_size=batch_size)
        return np.clip(images, 0.0, 1.0)

    def generate(self, n, *, seed=None, batch_size=512):
        """``n`` generated images, float32 (n, H, W, C) in [0, 1], from seeded codes."""
        return self.decode(self.sample_latent(n, seed=seed), batch_size=batch_size)

    def interpolate(self, a, b, steps=8):
        """Images along the straight line from code ``a`` to code ``b`` (both included).

        Args:
            a, b: latent codes of shape (latent_dim,) (e.g. rows of :meth:`sample_latent`).
            steps: number of images (>= 2).

        Returns:
            float32 array (steps, H, W, C) in [0, 1].
        """
        steps = check_number(steps, "steps", low=2, integer=True)
        ends = []
        for name, code in (("a", a), ("b", b)):
            code = check_array(code, name, ndim=1, dtype_kind="uif").astype(np.float32)
            if code.shape != (self.latent_dim,):
                raise ValueError(f"{name} must be one code of shape ({self.latent_dim},). "
                                 f"Received: {name} of shape {code.shape}")
            ends.append(code)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.decode((1.0 - t) * ends[0] + t * ends[1])

    def discriminate(self, images, *, batch_size=512):
        """The discriminator's logits (critic scores) for images in [0, 1]: float32 (N,)."""
        x, _ = model_images(self, images)
        check_finite_weights(self)
        out = predict_batched(lambda b: self.discriminator(2.0 * b - 1.0, training=False), x,
                              batch_size=batch_size)
        return out[:, 0]


__all__ = ["GAN", "LOSSES", "OptimizerPair"]
