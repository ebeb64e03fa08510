"""Chapter 04 reference solutions and planted wrong answers (questions: answers.md)."""

import numpy as np
from scipy import linalg


def nonsaturating_loss(logits):
    return np.mean(np.logaddexp(0.0, -np.asarray(logits, dtype=np.float64)))


def frechet(mu1, sigma1, mu2, sigma2):
    root = np.real(linalg.sqrtm(sigma1 @ sigma2))
    return np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2.0 * root)


def power_step(w, u):
    v = w @ u
    v = v / np.linalg.norm(v)
    u_new = w.T @ v
    u_new = u_new / np.linalg.norm(u_new)
    return u_new, v @ w @ u_new


def hinge_d_loss(d_real, d_fake):
    from keras import ops

    return ops.mean(ops.relu(1.0 - d_real)) + ops.mean(ops.relu(1.0 + d_fake))


def gan_train_step(generator, discriminator, d_optimizer, g_optimizer, real, z_d, z_g):
    from keras import ops

    from unsuplab.exercises import value_and_grad

    # 1. the discriminator: real images are the positive class, generated ones the negative
    fake = generator(z_d, training=True)

    def d_loss_fn():
        d_real = discriminator(real, training=True)
        d_fake = discriminator(fake, training=True)
        return ops.mean(ops.softplus(-d_real)) + ops.mean(ops.softplus(d_fake))

    d_loss, d_grads = value_and_grad(d_loss_fn, discriminator.trainable_variables)
    d_optimizer.apply(d_grads, discriminator.trainable_variables)

    # 2. the generator, against the updated discriminator: -log D(G(z)), non-saturating
    def g_loss_fn():
        d_fake = discriminator(generator(z_g, training=True), training=True)
        return ops.mean(ops.softplus(-d_fake))

    g_loss, g_grads = value_and_grad(g_loss_fn, generator.trainable_variables)
    g_optimizer.apply(g_grads, generator.trainable_variables)
    return d_loss, g_loss


SOLUTIONS = {"04.1": nonsaturating_loss, "04.2": frechet, "04.3": power_step,
             "04.4": hinge_d_loss, "04.6": gan_train_step}


def _saturating(logits):
    """The original minimax generator loss, E log(1 - sigmoid(t))."""
    return np.mean(-np.logaddexp(0.0, np.asarray(logits, dtype=np.float64)))


def _hinge_swapped(d_real, d_fake):
    from keras import ops

    return ops.mean(ops.relu(1.0 + d_real)) + ops.mean(ops.relu(1.0 - d_fake))


WRONG = {
    "04.1": _saturating,
    "04.2": lambda mu1, s1, mu2, s2: np.trace(s1 + s2 - 2.0 * np.real(linalg.sqrtm(s1 @ s2))),
    "04.3": lambda w, u: (u / np.linalg.norm(u), np.linalg.svd(w, compute_uv=False)[0]),
    "04.4": _hinge_swapped,
    "04.6": lambda g, d, d_opt, g_opt, real, z_d, z_g: gan_train_step(
        g, d, d_opt, g_opt, real, z_d, z_d),  # the generator reuses the discriminator's codes
}

# The answers to the conceptual questions (04.C1-04.C4) and the open exercise 04.5 are in
# solutions/answers.md.
