"""Mutation audit of exercise 03.6 (the VAE's training step, checked by running it): the
usual mistakes fail, each with feedback that points at it and never states the answer."""

import numpy as np
import pytest

from solutions import ch03 as sol
from unsuplab.exercises import Mismatch, verify


def _vae_step(*, detach_z=False, kl_sign=1.0, detach_kl=False, log_std=False, no_eps=False,
              pixel_mean=False, batch_sum=False, decoder_only=False, mse=False, kl_factor=0.5,
              never_applied=False, returned=None, one_noise=False):
    """A student's step with one planted mistake, written as a student would."""
    def step(encoder, decoder, optimizer, x, eps):
        from keras import ops

        from unsuplab.exercises import value_and_grad

        variables = decoder.trainable_variables
        if not decoder_only:
            variables = encoder.trainable_variables + variables

        def loss_fn():
            mean, log_var = encoder(x)
            std = ops.exp(log_var) if log_std else ops.exp(log_var / 2)
            noise = eps[:1] if one_noise else eps  # one draw for the whole batch
            z = mean if no_eps else mean + std * noise
            if detach_z:
                z = ops.stop_gradient(z)
            logits = decoder(z)
            if mse:
                per_pixel = ops.square(x - ops.sigmoid(logits))
            else:
                per_pixel = ops.softplus(logits) - x * logits
            pixels = (ops.mean if pixel_mean else ops.sum)(per_pixel, axis=(1, 2, 3))
            kl = kl_factor * ops.sum(ops.exp(log_var) + mean**2 - 1 - log_var, axis=1)
            batch = ops.sum if batch_sum else ops.mean
            rec, kl = batch(pixels), batch(kl)
            if detach_kl:
                kl = ops.stop_gradient(kl)
            return rec + kl_sign * kl, (rec, kl)

        (loss, (rec, kl)), grads = value_and_grad(loss_fn, variables, has_aux=True)
        if not never_applied:
            optimizer.apply(grads, variables)
        return (loss, rec, kl) if returned is None else returned(loss, rec, kl)

    return step


def _numpy_kl(encoder, decoder, optimizer, x, eps):
    """The KL through NumPy: the right value, no gradient from it."""
    from keras import ops

    from unsuplab.exercises import value_and_grad

    variables = encoder.trainable_variables + decoder.trainable_variables

    def loss_fn():
        mean, log_var = encoder(x)
        z = mean + ops.exp(0.5 * log_var) * eps
        logits = decoder(z)
        rec = ops.mean(ops.sum(ops.softplus(logits) - x * logits, axis=(1, 2, 3)))
        m, lv = ops.convert_to_numpy(mean), ops.convert_to_numpy(log_var)
        kl = ops.convert_to_tensor(np.mean(0.5 * np.sum(np.exp(lv) + m**2 - 1 - lv, axis=1)))
        return rec + kl, (rec, kl)

    (loss, (rec, kl)), grads = value_and_grad(loss_fn, variables, has_aux=True)
    optimizer.apply(grads, variables)
    return loss, rec, kl


class _FirstNoise:
    """Keeps the first call's noise for every later call: right once, wrong after."""

    def __init__(self):
        self.eps = None

    def __call__(self, encoder, decoder, optimizer, x, eps):
        if self.eps is None:
            self.eps = eps
        return sol.vae_train_step(encoder, decoder, optimizer, x, self.eps)


WRONG_VAE_STEP = {  # name: (the wrong step, what the feedback must point at, if anything)
    "detached-sample": (_vae_step(detach_z=True), "cut off from the encoder"),
    "kl-wrong-sign": (_vae_step(kl_sign=-1.0), "wrong sign"),
    "kl-detached": (_vae_step(detach_kl=True), "detached"),
    # TensorFlow: no gradient from it; JAX: NumPy on a traced value
    "numpy-kl": (_numpy_kl, "detached|NumPy"),
    "log-variance-as-log-std": (_vae_step(log_std=True), "spread"),
    "eps-ignored": (_vae_step(no_eps=True), "ignores eps"),
    "pixel-mean": (_vae_step(pixel_mean=True), "over the pixels"),
    "batch-sum": (_vae_step(batch_sum=True), "over the batch"),
    "encoder-not-updated": (_vae_step(decoder_only=True), "encoder did not change"),
    "squared-error": (_vae_step(mse=True), "Bernoulli"),
    "kl-without-its-half": (_vae_step(kl_factor=1.0), "constant factor"),
    "update-never-applied": (_vae_step(never_applied=True), "Neither network changed"),
    "terms-swapped-on-return": (_vae_step(returned=lambda loss, rec, kl: (loss, kl, rec)),
                                "values you return"),
    "one-noise-for-the-batch": (_vae_step(one_noise=True), "sample z"),
    "keeps-the-first-noise": (_FirstNoise(), "after 3 steps"),
}


@pytest.mark.parametrize("wrong, pattern", list(WRONG_VAE_STEP.values()),
                         ids=list(WRONG_VAE_STEP))
def test_wrong_vae_steps_fail_with_feedback_that_points_at_the_mistake(wrong, pattern):
    with pytest.raises(Mismatch, match=pattern) as err:
        verify("03.6", wrong)
    for answer in ("exp(0.5", "0.5 *", "softplus", "log_var / 2", "stop_gradient(z)"):
        assert answer not in str(err.value), str(err.value)


def test_the_reference_step_learns():
    import keras

    from unsuplab.exercises import vae_step

    # a binarised Fashion-MNIST image costs 544 nats under pixels at 1/2; the trained VAE far less
    nelbo = vae_step._reference_nelbo(keras.backend.backend())
    assert nelbo < 0.5 * 28 * 28 * np.log(2), nelbo
