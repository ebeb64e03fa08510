"""Chapter 03 reference solutions (and a planted wrong answer for each)."""

import numpy as np
from keras import ops


def gaussian_kl(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)


def reparameterize(mean, log_var, eps):
    return mean + np.exp(0.5 * log_var) * eps


def iwae_bound(log_w):
    top = log_w.max(axis=0)
    return top + np.log(np.mean(np.exp(log_w - top), axis=0))


def negative_elbo(x, logits, mean, log_var):
    reconstruction = ops.sum(ops.softplus(logits) - x * logits, axis=(1, 2, 3))  # -log p(x|z)
    kl = 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)
    return ops.mean(reconstruction + kl)


def vae_train_step(encoder, decoder, optimizer, x, eps, *, detach_sample=False):
    from unsuplab.exercises import value_and_grad

    variables = encoder.trainable_variables + decoder.trainable_variables

    def loss_fn():
        mean, log_var = encoder(x, training=True)
        z = mean + ops.exp(0.5 * log_var) * eps  # the reparameterisation: differentiable in both
        if detach_sample:  # the planted mistake
            z = ops.stop_gradient(z)
        logits = decoder(z, training=True)
        reconstruction = ops.mean(ops.sum(ops.softplus(logits) - x * logits, axis=(1, 2, 3)))
        kl = ops.mean(0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var,
                                    axis=-1))
        return reconstruction + kl, (reconstruction, kl)

    (loss, (reconstruction, kl)), grads = value_and_grad(loss_fn, variables, has_aux=True)
    optimizer.apply(grads, variables)
    return loss, reconstruction, kl


SOLUTIONS = {
    "03.1": gaussian_kl,
    "03.2": reparameterize,
    "03.3": iwae_bound,
    "03.5": negative_elbo,
    "03.6": vae_train_step,
}

WRONG = {
    "03.1": lambda mean, log_var: np.sum(np.exp(log_var) + mean**2 - 1 - log_var, -1),  # no 1/2
    "03.2": lambda mean, log_var, eps: mean + np.exp(log_var) * eps,  # variance, not std
    "03.3": lambda log_w: np.log(np.mean(np.exp(log_w), axis=0)),  # underflows at -1000
    "03.5": lambda x, logits, mean, log_var: ops.mean(  # the KL term forgotten
        ops.sum(ops.softplus(logits) - x * logits, axis=(1, 2, 3))),
    "03.6": lambda *args: vae_train_step(*args, detach_sample=True),  # z cut from the encoder
}
