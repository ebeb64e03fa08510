"""Chapter 03 exercises: the Gaussian KL, the reparameterized sample, the IWAE bound."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .core import (
    Mismatch,
    as_array,
    describe,
    exercise,
    expect_close,
    run_compiled,
    run_in_model,
    same_training,
)


def _gaussian(seed=0, n=5, dim=3):
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=(n, dim)).astype(np.float32)
    log_var = rng.normal(scale=0.8, size=(n, dim)).astype(np.float32)
    return mean, log_var


def _kl(mean, log_var):
    m, lv = mean.astype(np.float64), log_var.astype(np.float64)
    return 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=-1)


def _array(value, what="Your result"):
    return as_array(value, what)


@exercise("03.1", "the KL divergence of a Gaussian posterior from the prior")
def check_gaussian_kl(gaussian_kl):
    r"""``gaussian_kl(mean, log_var)``: (N, L), (N, L) -> KL(N(mean, e^log_var) || N(0, I))
    per row, shape (N,)."""
    zero = _array(gaussian_kl(np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32)))
    if zero.shape == (2,) and not np.allclose(zero, 0.0, atol=1e-6):
        raise Mismatch(
            "When the posterior is the prior (mean 0, log-variance 0) the KL must be 0; yours "
            f"is {zero[0]:.3g}. Check the constant term (-1 per dimension)."
        )
    mean, log_var = _gaussian(0)
    got = _array(gaussian_kl(mean.copy(), log_var.copy()))
    expected = _kl(mean, log_var)
    if got.shape == mean.shape:
        raise Mismatch(
            "You returned one KL per latent dimension: sum over the latent axis (axis=-1) to "
            "get one value per row."
        )
    if got.shape == ():
        raise Mismatch("You returned a single number: return one KL per row, shape (N,).")
    if got.shape == expected.shape and np.any(got < -1e-6):
        raise Mismatch("Some of your values are negative; a KL divergence is never negative.")
    as_std = 0.5 * np.sum(np.exp(0.5 * log_var) + mean**2 - 1.0 - 0.5 * log_var, axis=-1)
    if got.shape == expected.shape and np.allclose(got, as_std, rtol=1e-4):
        raise Mismatch(
            "You treated log_var as the log of the standard deviation; it is the log of the "
            "variance: sigma^2 = exp(log_var)."
        )
    expect_close(
        got,
        expected,
        what="Your KL",
        rtol=1e-5,
        hint="compare your terms one by one with the KL of section 3, on a single row",
    )


@exercise("03.2", "the reparameterized sample")
def check_reparameterize(reparameterize):
    r"""``reparameterize(mean, log_var, eps)``: z = mean + exp(log_var / 2) * eps, all (N, L)."""
    mean, log_var = _gaussian(1)
    eps = np.random.default_rng(2).normal(size=mean.shape).astype(np.float32)
    got = _array(reparameterize(mean.copy(), log_var.copy(), eps.copy()))
    expected = mean + np.exp(0.5 * log_var) * eps
    if got.shape != expected.shape:
        raise Mismatch(f"z must have the shape of mean, {expected.shape}; yours is {got.shape}.")
    if np.allclose(got, mean + np.exp(log_var) * eps, rtol=1e-4):
        raise Mismatch(
            "You scaled eps by the variance exp(log_var); scale it by the standard deviation, "
            "sigma = exp(log_var / 2)."
        )
    if np.allclose(got, np.exp(0.5 * log_var) * eps, rtol=1e-4):
        raise Mismatch("Your z is centred on 0: add the mean.")
    if np.allclose(got, mean + log_var * eps, rtol=1e-4):
        raise Mismatch("log_var is a logarithm: exponentiate it before scaling eps.")
    # The point of the trick: z is a deterministic function of (mean, log_var) and eps.
    again = _array(reparameterize(mean.copy(), log_var.copy(), eps.copy()))
    if not np.allclose(again, got):
        raise Mismatch(
            "Two calls with the same eps gave different z: draw nothing inside the function, "
            "use the eps you are given (that is what makes z differentiable in mean, log_var)."
        )
    expect_close(got, expected, what="Your z", rtol=1e-5,
                 hint="z must have the posterior's mean and standard deviation (section 4)")


@exercise("03.3", "the importance-weighted bound, without underflow")
def check_iwae_bound(iwae_bound):
    r"""``iwae_bound(log_w)``: (k, N) log-weights -> log (1/k sum_i w_i) per column, (N,)."""
    rng = np.random.default_rng(3)
    k, n = 50, 4
    small = rng.normal(size=(k, n))
    expected = np.log(np.mean(np.exp(small), axis=0))
    got = _array(iwae_bound(small.copy()))
    if got.shape == (k,):
        raise Mismatch(
            "You reduced over the images: average the k weights of each column (axis 0)."
        )
    if got.shape != (n,):
        raise Mismatch(f"Return one bound per image (column), shape ({n},); yours is {got.shape}.")
    if np.allclose(got, small.mean(axis=0), rtol=1e-6):
        raise Mismatch(
            "That is the mean of the log-weights: the ELBO (k = 1 bound on average), not the "
            "log of the mean weight."
        )
    if np.allclose(got - expected, math.log(k), rtol=1e-5):
        raise Mismatch("Your bound is too high by log k: divide the sum of weights by k.")
    expect_close(got, expected, what="Your bound", rtol=1e-6,
                 hint="the bound averages the weights w, not their logarithms (section 11)")
    # Real log-weights of images are around -300 nats: exp() underflows there. Each column
    # gets its own offset, so subtracting one maximum for the whole array underflows too, and
    # the offsets span more than exp() can (about ±700): no fixed shift works for all.
    for offsets in ([-1000.0, -300.0, -5.0, 40.0], [-2500.0, 900.0, -40.0, 1600.0]):
        offsets = np.array(offsets)
        large = small + offsets
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a naive exp() warns here; the feedback says why
            got = _array(iwae_bound(large.copy()), "Your bound")
        where = ", ".join(f"{o:+.0f}" for o in offsets)
        if got.shape != (n,) or not np.all(np.isfinite(got)):
            raise Mismatch(
                f"For log-weights around {where} (one column each) your bound is -inf, inf or "
                "NaN: exp(-1000) is 0 in floating point, exp(1000) infinite. The shift that "
                "keeps exp() finite depends on the data, column by column: no fixed number "
                "works for every input (the log-sum-exp trick, section 11)."
            )
        # float32 carries about 7 digits: at 2500 that is 3e-4 nats, hence the tolerance
        expect_close(got, expected + offsets, what=f"Your bound for log-weights of {where}",
                     rtol=1e-6, atol=5e-4, hint="the shift must be computed per column")


# --- 03.5: the loss, wired into a model ----------------------------------------------------


@exercise("03.5", "the negative ELBO, inside the VAE's compute_loss")
def check_negative_elbo(negative_elbo):
    """``negative_elbo(x, logits, mean, log_var)``: binary images x (N, H, W, 1), the
    decoder's logits for one sample z, the posterior's mean and log-variance (N, L), all
    tensors -> the scalar tensor mean over the batch of -log p(x|z) (Bernoulli, from logits,
    summed over pixels) + KL(q(z|x) || N(0, I)); keras.ops only. The checker puts it in the
    ``compute_loss`` of a small ``VAE`` and trains it: the weights must follow the library's."""
    import keras
    from keras import ops

    from ..models import VAE

    rng = np.random.default_rng(10)
    x = (rng.random((4, 3, 3, 1)) < 0.5).astype(np.float32)
    logits = rng.normal(scale=3.0, size=x.shape).astype(np.float32)
    logits[0, 0, 0, 0], logits[1, 0, 0, 0] = 60.0, -60.0  # a confident decoder
    x[0, 0, 0, 0], x[1, 0, 0, 0] = 0.0, 1.0  # ... that is wrong: a large but finite loss
    mean = rng.normal(size=(4, 2)).astype(np.float32)
    log_var = rng.normal(scale=0.5, size=(4, 2)).astype(np.float32)
    args = (x, logits, mean, log_var)
    value = negative_elbo(*[ops.convert_to_tensor(a) for a in args])
    got = ops.convert_to_numpy(value)
    if np.size(got) != 1:
        raise Mismatch(f"A loss is one number (a scalar tensor); yours is {describe(value)}. "
                       "Average over the images of the batch.")
    got = float(np.reshape(got, ()))
    lg, xx = logits.astype(np.float64), x.astype(np.float64)
    nll = np.sum(np.logaddexp(0, lg) - xx * lg, axis=(1, 2, 3))  # -log p(x|z) per image
    m, lv = mean.astype(np.float64), log_var.astype(np.float64)
    kl = 0.5 * np.sum(np.exp(lv) + m**2 - 1 - lv, axis=-1)
    expected = np.mean(nll + kl)
    if not np.isfinite(got):
        raise Mismatch("Your loss is inf or NaN for a confident decoder (logits of ±60): "
                       "log(sigmoid(l)) overflows. Write -log p(x|z) from the logits, "
                       "softplus(l) - x * l, or use keras.ops.binary_crossentropy with "
                       "from_logits=True (summed over the pixels).")
    for wrong, advice in (
        (np.mean(nll), "The KL term is missing: the negative ELBO is reconstruction + KL."),
        (np.mean(kl), "The reconstruction term is missing."),
        (np.mean(nll - kl), "You subtracted the KL term: the negative ELBO is reconstruction "
         "*plus* KL."),
        (np.mean(nll + 2 * kl), "The KL term has a factor 1/2."),
        (-expected, "Mind the sign: return the *negative* ELBO, a loss to minimise."),
        (np.sum(nll + kl), "You summed over the batch: average over the images."),
        (np.mean(nll / 9 + kl), "You averaged -log p(x|z) over the pixels: sum over them "
         "(the likelihood of an image is the product over its pixels)."),
    ):
        if np.isclose(got, wrong, rtol=1e-4):
            raise Mismatch(advice)
    expect_close(got, expected, what="Your negative ELBO", rtol=1e-5,
                 hint="check each term per image first, then how you reduce over the batch")
    run_compiled(negative_elbo, *args)

    class StudentVAE(VAE):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            mean, log_var = self.encoder(x)
            z = self.reparameterize(mean, log_var)
            return negative_elbo(x, self.decoder(z), mean, log_var)

    data = (np.random.default_rng(11).random((48, 8, 8, 1)) < 0.4).astype(np.float32)
    models = []
    for cls in (StudentVAE, VAE):
        keras.utils.set_random_seed(0)
        model = cls(latent_dim=2, architecture="mlp", hidden_units=(16,),
                    image_shape=(8, 8, 1), seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        models.append(model)
    run_in_model(lambda: same_training(*models, data, what="a small VAE's "
                 "compute_loss"), negative_elbo, "a small VAE's compute_loss")


@exercise("03.6", "the VAE's training step, from the encoder to the update")
def check_vae_train_step(vae_train_step):
    r"""``vae_train_step(encoder, decoder, optimizer, x, eps)``: ``encoder(x)`` gives the
    posterior's mean and log-variance (N, L), ``z`` is drawn from them by the
    reparameterisation with the standard-normal ``eps`` (N, L), ``decoder(z)`` gives Bernoulli
    logits for the binary images ``x`` (N, 28, 28, 1); one ``optimizer`` update of the encoder's
    and the decoder's variables on the negative ELBO (reconstruction summed over the pixels,
    plus the KL, each averaged over the batch), gradients from
    :func:`~unsuplab.exercises.stepping.value_and_grad`; returns ``(loss, reconstruction,
    kl)``. The checker runs three of its steps next to the reference's (same weights, images
    and noise, SGD: the weights must agree), then trains it compiled for 300 steps on
    binarised Fashion-MNIST next to the reference: the held-out negative ELBO must come within
    a nat."""
    from .vae_step import check_vae_step

    mine, reference = check_vae_step(vae_train_step, lambda thunk: run_in_model(
        thunk, vae_train_step, "a VAE's training step"))
    print(f"Your VAE, trained 300 steps: held-out negative ELBO {mine:.1f} nats "
          f"(reference {reference:.1f}).")
