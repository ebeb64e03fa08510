r"""The variational autoencoder (Kingma & Welling 2014; Rezende et al. 2014), with β (Higgins
et al. 2017), in ``keras.ops`` so it runs on any Keras backend.

The model is :math:`p(z) = N(0, I)`, :math:`p_\theta(x \mid z)` a decoder, and an encoder
:math:`q_\phi(z \mid x) = N(\mu_\phi(x), \operatorname{diag} \sigma^2_\phi(x))`. Training
maximises, per image, the evidence lower bound with a weight β on its KL term:

.. math:: \mathcal{L}_\beta(x) = \mathbb{E}_{q_\phi(z \mid x)}[\log p_\theta(x \mid z)]
          - \beta\, \mathrm{KL}(q_\phi(z \mid x) \,\|\, p(z))

(β = 1 is the ELBO proper, a lower bound on :math:`\log p_\theta(x)`). The loss is its
negative, in nats per image, averaged over the batch; ``fit`` logs it as ``loss`` with its two
parts ``reconstruction_loss`` (:math:`-\mathbb{E}_q \log p_\theta(x \mid z)`, one sample of
:math:`z`) and ``kl_loss`` (closed form, unweighted).

Likelihoods:

- ``"bernoulli"``: each pixel is a coin with probability :math:`\operatorname{sigmoid}(\ell)`,
  :math:`\log p(x \mid z) = \sum_p x_p \ell_p - \operatorname{softplus}(\ell_p)`. Meant for
  binary images: binarize a fresh sample of every batch in training
  (:func:`dynamic_binarization`) and evaluate on one fixed, seeded binarization
  (:func:`binarize`) — then the ELBO is a bound on a real log-probability, in nats.
- ``"gaussian"``: grey levels :math:`x_p \sim N(\operatorname{sigmoid}(\ell_p), \sigma^2)` with
  one learned :math:`\sigma` (a "calibrated decoder", Rybkin et al. 2021). A density, so its
  "nats" are not comparable with the Bernoulli ones (they can be negative).

Example:
    >>> from unsuplab.models import VAE
    >>> from unsuplab.models.vae import dynamic_binarization
    >>> from unsuplab.training import fit
    >>> vae = VAE(latent_dim=2, seed=0)
    >>> vae.compile(optimizer="adam")
    >>> fit(vae, x_train, epochs=10, map_fn=dynamic_binarization(seed=0))
    >>> mean, log_var = vae.encode(x_test)
    >>> images = vae.sample(16, seed=0)
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
from keras import ops

from .._validation import check_array, check_choice, check_number, check_seed

LIKELIHOODS = ("bernoulli", "gaussian")
ARCHITECTURES = ("conv", "mlp")
#: Default hidden sizes: conv filters of the two stride-2 layers plus the dense layer;
#: MLP: Burda et al.'s two deterministic layers of 200 tanh units (their 1-stochastic-layer
#: MNIST model).
DEFAULT_HIDDEN = {"conv": (32, 64, 128), "mlp": (200, 200)}
_LOG_2PI = math.log(2.0 * math.pi)
_MIN_LOG_SIGMA = -7.0  # the Gaussian decoder's sigma stays >= ~1e-3


# --- binarization -----------------------------------------------------------------------------


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


def dynamic_binarization(seed=0):
    """A ``map_fn`` for :func:`unsuplab.training.fit`: binarize every training batch afresh.

    Each time a batch is drawn, pixel :math:`p` becomes 1 with probability :math:`x_p`, so
    the model sees a new binary image each epoch (Burda et al. 2016's "dynamic binarization",
    which regularises far better than one fixed binarization). The random op carries ``seed``,
    so with :func:`unsuplab.config.set_seed` a run repeats exactly.

    Returns:
        A function ``batch -> binary batch`` (extra elements such as labels pass through).
    """
    import tensorflow as tf

    seed = check_number(seed, "seed", low=0, integer=True)

    def binarize_batch(images, *rest):
        u = tf.random.uniform(tf.shape(images), seed=seed, dtype=images.dtype)
        binary = tf.cast(u < images, images.dtype)
        return binary if not rest else (binary, *rest)

    return binarize_batch


# --- the model ---------------------------------------------------------------------------------

_RANGE_MESSAGE = (
    "VAE(likelihood=bernoulli) needs inputs in [0, 1], the probability of each pixel being 1: "
    "scale uint8 images by 1/255 (unsuplab.data.to_float) or use likelihood=gaussian"
)


@contextlib.contextmanager
def _clear_range_error():
    """Turn the graph assertion of :meth:`VAE._check_unit_range` (a long TensorFlow error) into
    a short ``ValueError`` at the public boundary."""
    try:
        yield
    except Exception as err:
        if _RANGE_MESSAGE in str(err) and not isinstance(err, ValueError):
            raise ValueError(f"{_RANGE_MESSAGE}. Received: inputs outside [0, 1]") from None
        raise


def _build_encoder(image_shape, latent_dim, architecture, hidden):
    inputs = keras.Input(image_shape, name="image")
    if architecture == "conv":
        *filters, units = hidden
        h = inputs
        for f in filters:
            h = keras.layers.Conv2D(f, 3, strides=2, padding="same", activation="relu")(h)
        h = keras.layers.Flatten()(h)
        h = keras.layers.Dense(units, activation="relu")(h)
    else:
        h = keras.layers.Flatten()(inputs)
        for units in hidden:
            h = keras.layers.Dense(units, activation="tanh")(h)
    mean = keras.layers.Dense(latent_dim, name="z_mean")(h)
    log_var = keras.layers.Dense(latent_dim, name="z_log_var")(h)
    return keras.Model(inputs, [mean, log_var], name="encoder")


def _build_decoder(image_shape, latent_dim, architecture, hidden):
    z = keras.Input((latent_dim,), name="z")
    height, width, channels = image_shape
    if architecture == "conv":
        *filters, units = hidden
        factor = 2 ** len(filters)
        h = keras.layers.Dense(units, activation="relu")(z)
        h = keras.layers.Dense(
            (height // factor) * (width // factor) * filters[-1], activation="relu"
        )(h)
        h = keras.layers.Reshape((height // factor, width // factor, filters[-1]))(h)
        for f in reversed(filters[:-1]):  # the encoder's stride-2 layers, mirrored
            h = keras.layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu")(h)
        logits = keras.layers.Conv2DTranspose(
            channels, 3, strides=2, padding="same", name="logits"
        )(h)
    else:
        h = z
        for units in reversed(hidden):
            h = keras.layers.Dense(units, activation="tanh")(h)
        h = keras.layers.Dense(height * width * channels, name="logits")(h)
        logits = keras.layers.Reshape(image_shape)(h)
    return keras.Model(z, logits, name="decoder")


def gaussian_kl(mean, log_var):
    r"""KL from :math:`N(\mu, \operatorname{diag}\sigma^2)` to :math:`N(0, I)`, per row, in nats:

    .. math:: \mathrm{KL} = \tfrac12 \sum_j \left(\sigma_j^2 + \mu_j^2 - 1 - \log\sigma_j^2\right)

    ``mean`` and ``log_var`` have shape (batch, latent_dim); returns shape (batch,). Tensors in,
    tensors out (``keras.ops``).
    """
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


@keras.saving.register_keras_serializable(package="unsuplab")
class VAE(keras.Model):
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
        likelihood: ``"bernoulli"`` (binary pixels; inputs must lie in [0, 1]) or
            ``"gaussian"`` (grey levels, one learned standard deviation).
        architecture: ``"conv"`` (two stride-2 convolutions and a dense layer, mirrored; the
            image side must be divisible by 4) or ``"mlp"`` (dense tanh layers, as in Burda
            et al. 2016: much cheaper for importance-weighted evaluation).
        hidden: layer sizes; conv: ``(filters, ..., dense_units)``, default (32, 64, 128);
            mlp: units per layer, default (200, 200).
        image_shape: ``(height, width, channels)`` of the images, default (28, 28, 1).
        seed: seed of the sampling noise (an int, or None for a random one).

    Call arguments:
        inputs: images of shape (batch, height, width, channels) in [0, 1].

    Returns (call):
        The reconstruction from the posterior mean: the decoder's pixel means
        (probabilities for ``"bernoulli"``). Deterministic; the stochastic path is in
        :meth:`compute_loss`.

    Raises:
        ValueError: ``latent_dim <= 0``, ``beta < 0``, an unknown likelihood/architecture, a
            shape the architecture cannot handle; at training time, inputs outside [0, 1]
            with the Bernoulli likelihood.

    Example:
        >>> vae = VAE(latent_dim=16, beta=1.0, architecture="mlp", seed=0)
        >>> vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    """

    def __init__(
        self,
        latent_dim=2,
        *,
        beta=1.0,
        likelihood="bernoulli",
        architecture="conv",
        hidden=None,
        image_shape=(28, 28, 1),
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_dim = check_number(latent_dim, "latent_dim", low=1, integer=True)
        self.beta = float(check_number(beta, "beta", low=0))
        self.likelihood = check_choice(likelihood, "likelihood", LIKELIHOODS)
        self.architecture = check_choice(architecture, "architecture", ARCHITECTURES)
        self.hidden = self._check_hidden(hidden)
        self.image_shape = self._check_image_shape(image_shape)
        if seed is not None:
            seed = check_number(seed, "seed", low=0, integer=True)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.encoder = _build_encoder(
            self.image_shape, self.latent_dim, self.architecture, self.hidden
        )
        self.decoder = _build_decoder(
            self.image_shape, self.latent_dim, self.architecture, self.hidden
        )
        if self.likelihood == "gaussian":
            self.log_sigma = self.add_weight(
                shape=(), initializer=keras.initializers.Constant(-1.0), name="log_sigma"
            )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    # --- validation -----------------------------------------------------------------------

    def _check_hidden(self, hidden):
        if hidden is None:
            return DEFAULT_HIDDEN[self.architecture]
        if isinstance(hidden, (int, np.integer)) or not hasattr(hidden, "__len__"):
            raise ValueError(
                f"hidden must be a sequence of positive integers. Received: hidden={hidden!r}"
            )
        hidden = tuple(check_number(h, "hidden", low=1, integer=True) for h in hidden)
        least = 2 if self.architecture == "conv" else 1
        if len(hidden) < least:
            raise ValueError(
                f"hidden needs at least {least} entries for architecture="
                f"{self.architecture!r}. Received: hidden={hidden!r}"
            )
        return hidden

    def _check_image_shape(self, image_shape):
        try:
            shape = tuple(int(s) for s in image_shape)
        except TypeError:
            raise ValueError(
                f"image_shape must be (height, width, channels). Received: "
                f"image_shape={image_shape!r}"
            ) from None
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(
                f"image_shape must be three positive integers (height, width, channels). "
                f"Received: image_shape={image_shape!r}"
            )
        factor = 2 ** (len(self.hidden) - 1)
        if self.architecture == "conv" and (shape[0] % factor or shape[1] % factor):
            raise ValueError(
                f"architecture='conv' with {len(self.hidden) - 1} stride-2 layers needs height "
                f"and width divisible by {factor}. Received: image_shape={image_shape!r}"
            )
        return shape

    def _images(self, images, name="images"):
        """NumPy images (N, H, W[, C]) uint8 or float in [0, 1] -> float32 (N, H, W, C)."""
        x = check_array(images, name, ndim=(3, 4), dtype_kind="uif")
        if x.dtype.kind in "ui":
            x = x.astype(np.float32) / 255.0
        x = check_array(x, name, value_range=(0.0, 1.0)).astype(np.float32)
        if x.ndim == 3:
            x = x[..., None]
        if x.shape[1:] != self.image_shape:
            raise ValueError(
                f"{name} must have shape (N, {', '.join(map(str, self.image_shape))}) for this "
                f"model. Received: {name} of shape {x.shape}"
            )
        return x

    def _check_unit_range(self, x):
        """Refuse Bernoulli targets outside [0, 1] inside the training graph (TensorFlow)."""
        message = _RANGE_MESSAGE
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            with tf.control_dependencies(
                [
                    tf.debugging.assert_greater_equal(ops.min(x), ops.cast(0.0, x.dtype), message),
                    tf.debugging.assert_less_equal(ops.max(x), ops.cast(1.0, x.dtype), message),
                ]
            ):
                return tf.identity(x)
        try:  # other backends: check what can be checked eagerly
            values = ops.convert_to_numpy(x)
        except Exception:  # a traced value (inside jit): nothing to check here
            return x
        if values.size and (values.min() < 0 or values.max() > 1):
            raise ValueError(f"{message}. Received: values in [{values.min()}, {values.max()}]")
        return x

    # --- the probabilistic pieces, in keras.ops ---------------------------------------------

    def reparameterize(self, mean, log_var):
        r""":math:`z = \mu + e^{\frac12 \log\sigma^2} \odot \varepsilon`, with
        :math:`\varepsilon \sim N(0, I)` from the model's seed generator."""
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator, dtype=mean.dtype)
        return mean + ops.exp(0.5 * log_var) * eps

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

    def fit(self, *args, **kwargs):
        with _clear_range_error():
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        with _clear_range_error():
            return super().evaluate(*args, **kwargs)

    def train_on_batch(self, *args, **kwargs):
        with _clear_range_error():
            return super().train_on_batch(*args, **kwargs)

    def test_on_batch(self, *args, **kwargs):
        with _clear_range_error():
            return super().test_on_batch(*args, **kwargs)

    def call(self, inputs, training=False):
        mean, _ = self.encoder(inputs, training=training)
        return ops.sigmoid(self.decoder(mean, training=training))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Negative β-ELBO averaged over the batch; ``y`` (if given) is the target image."""
        del y_pred, sample_weight  # the loss needs a stochastic pass, not the mean output
        target = x if y is None else y
        if self.likelihood == "bernoulli":
            target = self._check_unit_range(target)
        reconstruction, kl = self.loss_terms(x, target)
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
        total = [self._loss_tracker] if getattr(self, "_loss_tracker", None) is not None else []
        ours = [self.reconstruction_tracker, self.kl_tracker]
        rest = [m for m in super().metrics if m not in ours and m not in total]
        return [*total, *ours, *rest]

    def get_config(self):
        base = super().get_config()
        for key in ("trainable", "dtype"):  # a subclassed model rebuilds these itself
            base.pop(key, None)
        return {
            **base,
            "latent_dim": self.latent_dim,
            "beta": self.beta,
            "likelihood": self.likelihood,
            "architecture": self.architecture,
            "hidden": list(self.hidden),
            "image_shape": list(self.image_shape),
            "seed": self.seed,
        }

    def save_own_variables(self, store):
        # Keras saves weights only; the noise stream's state also belongs to a resumable run.
        super().save_own_variables(store)
        store["seed_generator_state"] = ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        own = self._trainable_variables + self._non_trainable_variables
        for i, variable in enumerate(own):
            variable.assign(store[f"{i}"])
        if "seed_generator_state" in store.keys():
            self.seed_generator.state.assign(np.asarray(store["seed_generator_state"]))

    # --- NumPy in, NumPy out ---------------------------------------------------------------

    def _batched(self, fn, x, batch_size):
        batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
        outs = [fn(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        if isinstance(outs[0], tuple):
            return tuple(np.concatenate(parts) for parts in zip(*outs, strict=True))
        return np.concatenate(outs)

    def encode(self, images, *, batch_size=512):
        """The posterior parameters of each image.

        Args:
            images: (N, H, W) or (N, H, W, C), uint8 or float in [0, 1].

        Returns:
            ``(mean, log_var)``, float32 arrays of shape (N, latent_dim).
        """
        x = self._images(images)

        def run(batch):
            mean, log_var = self.encoder(batch, training=False)
            return ops.convert_to_numpy(mean), ops.convert_to_numpy(log_var)

        return self._batched(run, x, batch_size)

    def decoder_output(self, z, *, batch_size=512):
        """The decoder's raw output (logits) for latent codes ``z`` of shape (N, latent_dim)."""
        z = check_array(z, "z", ndim=2, dtype_kind="uif").astype(np.float32)
        if z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must have shape (N, {self.latent_dim}). Received: z of shape {z.shape}"
            )
        return self._batched(
            lambda b: ops.convert_to_numpy(self.decoder(b, training=False)), z, batch_size
        )

    def decode(self, z, *, batch_size=512):
        """Pixel means of :math:`p(x \\mid z)` (probabilities for Bernoulli), shape
        (N, H, W, C), for latent codes ``z`` of shape (N, latent_dim)."""
        logits = self.decoder_output(z, batch_size=batch_size)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def reconstruct(self, images, *, batch_size=512):
        """Decode the posterior mean of each image: the VAE's "reconstruction"."""
        mean, _ = self.encode(images, batch_size=batch_size)
        return self.decode(mean, batch_size=batch_size)

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
            pair.append(self._images(image[None], name))
        mean, _ = self.encode(np.concatenate(pair))
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.decode((1.0 - t) * mean[0] + t * mean[1])


# --- the chapter's training recipe ---------------------------------------------------------------


def train_vae(
    x_train,
    *,
    latent_dim=2,
    beta=1.0,
    likelihood="bernoulli",
    architecture="conv",
    epochs,
    batch_size=128,
    learning_rate=1e-3,
    seed=0,
    validation_data=None,
    callbacks=None,
    verbose=0,
    **kwargs,
):
    """Build, compile (Adam) and train a :class:`VAE`: the recipe the notebook and
    ``benchmarks/vae.py`` share.

    With the Bernoulli likelihood every training batch is binarized afresh
    (:func:`dynamic_binarization`, seeded). Training goes through
    :func:`unsuplab.training.fit` (one tf.data iterator, no stalls at epoch boundaries).

    Args:
        x_train: uint8 images (N, H, W[, C]) or float images in [0, 1].
        latent_dim, beta, likelihood, architecture, **kwargs: as in :class:`VAE`.
        epochs, batch_size, learning_rate: the optimisation.
        seed: seeds the weights (``config.set_seed``), the shuffling, the binarization and
            the model's sampling noise.

    Returns:
        The trained model; ``model.training_history`` holds the per-epoch logs.
    """
    from .. import config
    from ..training import fit

    epochs = check_number(epochs, "epochs", low=1, integer=True)
    learning_rate = check_number(learning_rate, "learning_rate", low=0, low_inclusive=False)
    x_train = check_array(x_train, "x_train", ndim=(3, 4), dtype_kind="uif")
    image_shape = x_train.shape[1:] if x_train.ndim == 4 else (*x_train.shape[1:], 1)
    config.set_seed(seed)
    model = VAE(
        latent_dim,
        beta=beta,
        likelihood=likelihood,
        architecture=architecture,
        image_shape=image_shape,
        seed=seed,
        **kwargs,
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    history = fit(
        model,
        x_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        callbacks=callbacks,
        seed=seed,
        map_fn=dynamic_binarization(seed) if likelihood == "bernoulli" else None,
        verbose=verbose,
    )
    model.training_history = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    return model


def cached_vae(x_train, *, epochs, retrain=False, callbacks=None, **kwargs):
    """:func:`train_vae` through the model cache: load the model if this exact recipe was
    trained before (by the notebook or the benchmark), else train and cache it.

    The cache key holds the mode, the number of training images and every argument;
    the per-epoch logs are cached beside the model, so ``model.training_history`` exists
    either way. ``callbacks`` only run when the model is trained.

    Returns:
        ``(model, trained)``: ``trained`` is False when the model came from the cache.
    """
    import json

    from ..training import cache_path, load_or_train

    params = {"n_train": len(x_train), "epochs": epochs, **kwargs}
    name = "vae_{}_L{}_beta{}".format(
        kwargs.get("architecture", "conv"), kwargs.get("latent_dim", 2), kwargs.get("beta", 1.0)
    )
    sidecar = cache_path(name, params).with_suffix(".history.json")
    model, trained = load_or_train(
        name,
        lambda: train_vae(x_train, epochs=epochs, callbacks=callbacks, **kwargs),
        params=params,
        retrain=retrain,
    )
    if trained:
        sidecar.write_text(json.dumps(model.training_history))
    else:
        model.training_history = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    return model, trained
