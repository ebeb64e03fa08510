r"""Exercise 03.6's machinery: a VAE's training step written by the student, checked by running it.

The student writes ``vae_train_step(encoder, decoder, optimizer, x, eps)``: encode the binary
images ``x`` to the posterior's mean and log-variance, draw ``z`` by the reparameterisation with
the given standard-normal ``eps``, decode ``z`` to Bernoulli logits, and take one optimizer step
on the negative ELBO (reconstruction summed over the pixels, plus the Gaussian KL, each averaged
over the batch), with gradients for the encoder *and* the decoder from
:func:`~unsuplab.exercises.stepping.value_and_grad` (``has_aux=True`` brings the two terms out
of the differentiated function). It returns ``(loss, reconstruction, kl)``.

The check has two parts, like 04.6's:

1. *step by step*: from the same weights, images and noise, three of the student's steps must
   move both networks exactly as the reference step does (SGD: its update is linear in the
   gradient, so float rounding stays far below the tolerance). When they do not, the feedback
   tries the usual mistakes (a detached sample, a wrong-signed or detached KL, the variance in
   place of the standard deviation, ...) to say which one it is, else which network goes wrong;
2. *trained*: 300 compiled steps of the student's on 4096 binarised Fashion-MNIST images, next
   to the reference's: the held-out negative ELBO must come within a nat of the reference's.
"""

from __future__ import annotations

import functools

import numpy as np

from ._data import fashion_subset
from .feedback import Mismatch
from .stepping import compare_steps, compiled, gap, run_steps, value_and_grad

LATENT = 8
HIDDEN = 128
TRAIN = {"n_train": 4096, "n_test": 1024, "steps": 300, "batch_size": 64,
         "learning_rate": 1e-3}
TOLERANCE_NATS = 1.0
RETURNS = ("loss", "reconstruction", "kl")


def networks(seed):
    """A small MLP encoder ((28, 28, 1) -> [mean, log_var], each (LATENT,)) and decoder
    (LATENT -> (28, 28, 1) Bernoulli logits), seeded."""
    import keras

    keras.utils.set_random_seed(seed)
    x = keras.Input((28, 28, 1))
    h = keras.layers.Dense(HIDDEN, activation="relu")(keras.layers.Flatten()(x))
    encoder = keras.Model(x, [keras.layers.Dense(LATENT, name="mean")(h),
                              keras.layers.Dense(LATENT, name="log_var")(h)], name="encoder")
    decoder = keras.Sequential([keras.Input((LATENT,)),
                                keras.layers.Dense(HIDDEN, activation="relu"),
                                keras.layers.Dense(28 * 28), keras.layers.Reshape((28, 28, 1))],
                               name="decoder")
    return encoder, decoder


def optimizer(encoder, decoder, learning_rate=None):
    """Adam at ``learning_rate`` for training; SGD for the step-by-step comparison (``None``)."""
    import keras

    opt = (keras.optimizers.SGD(1e-4, momentum=0.5) if learning_rate is None
           else keras.optimizers.Adam(learning_rate))
    opt.build(encoder.trainable_variables + decoder.trainable_variables)
    return opt


def reference_step(encoder, decoder, optimizer, x, eps, *, kl_sign=1.0, kl_factor=0.5,
                   detach_z=False, detach_kl=False, std_power=0.5, use_eps=True,
                   pixel_mean=False, batch_sum=False, decoder_only=False, squared_error=False):
    """The reference step; the keyword arguments plant the usual mistakes, for the feedback."""
    from keras import ops

    variables = (decoder.trainable_variables if decoder_only
                 else encoder.trainable_variables + decoder.trainable_variables)

    def loss_fn():
        mean, log_var = encoder(x, training=True)
        z = mean + ops.exp(std_power * log_var) * eps if use_eps else mean
        if detach_z:
            z = ops.stop_gradient(z)
        logits = decoder(z, training=True)
        per_pixel = (ops.square(x - ops.sigmoid(logits)) if squared_error
                     else ops.softplus(logits) - x * logits)
        reduce_pixels = ops.mean if pixel_mean else ops.sum
        reduce_batch = ops.sum if batch_sum else ops.mean
        reconstruction = reduce_batch(reduce_pixels(per_pixel, axis=(1, 2, 3)))
        kl = reduce_batch(kl_factor * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0
                                              - log_var, axis=-1))
        if detach_kl:
            kl = ops.stop_gradient(kl)
        return reconstruction + kl_sign * kl, (reconstruction, kl)

    (loss, (reconstruction, kl)), grads = value_and_grad(loss_fn, variables, has_aux=True)
    optimizer.apply(grads, variables)
    return loss, reconstruction, kl


def _batches(steps, batch_size, seed, images=None):
    """``steps`` batches ``(x, eps)``: binary images (random blobs unless ``images``, drawn
    with replacement) and standard-normal noise."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        if images is None:
            x = (rng.random((batch_size, 28, 28, 1)) < 0.3).astype(np.float32)
        else:
            x = images[rng.integers(0, len(images), batch_size)]
        yield x, rng.standard_normal((batch_size, LATENT)).astype(np.float32)


def _setup(seed, learning_rate):
    encoder, decoder = networks(seed)
    return encoder, decoder, optimizer(encoder, decoder, learning_rate)


_MISTAKES = (
    (dict(detach_z=True), "The reconstruction term sends no gradient to the encoder: your "
     "sample z is cut off from the encoder's outputs. The reparameterisation exists so that "
     "it is not."),
    (dict(kl_sign=-1.0), "The KL term enters your loss with the wrong sign: your step pushes "
     "the posterior away from the prior."),
    (dict(detach_kl=True), "Your KL term trains nothing: it is detached from the encoder's "
     "outputs (a stop_gradient, or a value taken out of the graph)."),
    (dict(std_power=1.0), "Your sample has the wrong spread: log_var is the logarithm of the "
     "variance, and eps must be scaled by a standard deviation."),
    (dict(use_eps=False), "Your sample ignores eps: z must be a draw from q(z|x), not its "
     "mean, or the decoder never learns to decode the posterior's spread."),
    (dict(kl_factor=1.0), "The KL term is off by its constant factor: derive it again for a "
     "diagonal Gaussian against N(0, I)."),
    (dict(pixel_mean=True), "You averaged the reconstruction term over the pixels: the "
     "likelihood of an image is the product over its pixels."),
    (dict(batch_sum=True), "You summed over the batch: each term is an average over the "
     "images."),
    (dict(squared_error=True), "Your reconstruction term is not the Bernoulli negative "
     "log-likelihood of the binary pixels, computed from the decoder's logits."),
    (dict(decoder_only=True), "The encoder did not change: your optimizer updates the "
     "decoder's variables only."),
)


def _otherwise(mine, start, ref):
    """When no usual mistake matches: which network went wrong."""
    if gap(mine[0] + mine[1], start[0] + start[1]) == 0:
        return ("Neither network changed: are the gradients applied by the optimizer, to the "
                "variables they were computed for?")
    if gap(mine[0], start[0]) == 0:
        return ("The encoder did not change: no gradient reaches it (are mean and log_var "
                "computed inside the function you differentiate?), or its variables are not "
                "updated.")
    if gap(mine[1], ref[1]) > 1e-6:
        return ("The decoder's update differs from the reference's: check the reconstruction "
                "term (from the decoder's logits for your sample z, per image, then over the "
                "batch).")
    return ("The decoder moves as the reference's, the encoder does not: check how z is drawn "
            "from mean, log_var and eps, and the KL term.")


def check_vae_step(step, run):
    """The check of exercise 03.6: ``step`` the student's function, ``run(thunk)`` runs a call
    of it and turns a failure into feedback (``core.run_in_model``). Returns the held-out
    negative ELBO (nats) of the student's trained VAE and of the reference's."""
    compare_steps(step, reference_step, lambda: _setup(3, None), list(_batches(3, 16, 3)), run,
                  returns=RETURNS, n_networks=2, mistakes=_MISTAKES, otherwise=_otherwise,
                  wrong_values="Both networks are updated right, but the values you return are "
                  "not those of this step: return (loss, reconstruction, kl), the loss being "
                  "the one you minimised.",
                  drifted="does your step keep state between calls, or reuse images or noise "
                  "from an earlier call?", atol=1e-4)
    return train_and_compare(step, run)


def train_and_compare(step, run):
    """Train the student's step and the reference's from the same start on binarised
    Fashion-MNIST; the student's held-out negative ELBO must be within ``TOLERANCE_NATS``."""
    import keras

    mine = trained_nelbo(step, run, "training your VAE")
    reference = _reference_nelbo(keras.backend.backend())
    if not np.isfinite(mine) or mine > reference + TOLERANCE_NATS:
        raise Mismatch(f"Trained the same way ({TRAIN['steps']} compiled steps), your VAE's "
                       f"held-out negative ELBO is {mine:.1f} nats against the reference's "
                       f"{reference:.1f}: your step behaves differently once compiled or "
                       "repeated.")
    return mine, reference


@functools.cache
def _binary_fashion():
    x_train, _, x_test, _ = fashion_subset(TRAIN["n_train"], TRAIN["n_test"])
    return (x_train > 0.5).astype(np.float32), (x_test > 0.5).astype(np.float32)


def negative_elbo(encoder, decoder, x, eps):
    """The one-sample negative ELBO (nats per image, mean over ``x``) with noise ``eps``."""
    from keras import ops

    mean, log_var = (ops.convert_to_numpy(a).astype(np.float64) for a in encoder(x))
    z = (mean + np.exp(0.5 * log_var) * eps).astype(np.float32)
    logits = ops.convert_to_numpy(decoder(z)).astype(np.float64)
    nll = np.sum(np.logaddexp(0.0, logits) - x * logits, axis=(1, 2, 3))
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)
    return float(np.mean(nll + kl))


def trained_nelbo(step, run, desc):
    """The held-out negative ELBO of the VAE trained ``TRAIN['steps']`` steps by ``step``
    (compiled), with a progress bar titled ``desc``."""
    from tqdm.auto import tqdm

    x_train, x_test = _binary_fashion()
    nets = _setup(0, TRAIN["learning_rate"])
    fn = compiled(step, nets, returns=RETURNS)
    batches = _batches(TRAIN["steps"], TRAIN["batch_size"], 1, images=x_train)
    losses = run_steps(fn, tqdm(batches, total=TRAIN["steps"], desc=desc, unit="step"), run)
    if not np.all(np.isfinite(losses)):
        raise Mismatch("Compiled and repeated, your step's loss became inf or NaN.")
    eps = np.random.default_rng(2).standard_normal((len(x_test), LATENT)).astype(np.float32)
    return negative_elbo(nets[0], nets[1], x_test, eps)


@functools.cache
def _reference_nelbo(backend=None):
    return trained_nelbo(reference_step, lambda thunk: thunk(), "training the reference VAE")
