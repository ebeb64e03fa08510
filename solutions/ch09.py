"""Chapter 09 reference solutions and planted wrong answers (questions: answers.md)."""

import numpy as np


def q_sample(x0, alpha_bar, noise):
    a = np.reshape(alpha_bar, (-1, 1, 1, 1))
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * noise


def ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev):
    x0 = (x_t - np.sqrt(1.0 - alpha_bar_t) * eps) / np.sqrt(alpha_bar_t)
    return np.sqrt(alpha_bar_prev) * x0 + np.sqrt(1.0 - alpha_bar_prev) * eps


def tweedie(y, sigma, score):
    return y + sigma**2 * score(y)


def diffusion_loss(model, x0):
    """Noise -> predict -> loss, for images ``x0`` on the [-1, 1] scale (keras.ops only)."""
    from keras import ops, random

    n = ops.shape(x0)[0]
    noise = random.normal(ops.shape(x0), seed=model.seed_generator)
    index = random.randint((n,), 0, model.timesteps, seed=model.seed_generator)
    table = ops.convert_to_tensor(model.alpha_bar.astype("float32"))
    alpha_bar = ops.reshape(ops.take(table, index), (-1, 1, 1, 1))
    x_t = ops.sqrt(alpha_bar) * x0 + ops.sqrt(1.0 - alpha_bar) * noise
    t = (ops.cast(index, "float32") + 1.0) / model.timesteps
    return ops.mean(ops.square(model.network([x_t, t]) - noise))


SOLUTIONS = {"09.1": q_sample, "09.2": ddim_step, "09.3": tweedie, "09.4": diffusion_loss}


def _x0_target(model, x0):
    """Regresses the clean image instead of the noise that was added."""
    from keras import ops, random

    n = ops.shape(x0)[0]
    noise = random.normal(ops.shape(x0), seed=model.seed_generator)
    index = random.randint((n,), 0, model.timesteps, seed=model.seed_generator)
    table = ops.convert_to_tensor(model.alpha_bar.astype("float32"))
    alpha_bar = ops.reshape(ops.take(table, index), (-1, 1, 1, 1))
    x_t = ops.sqrt(alpha_bar) * x0 + ops.sqrt(1.0 - alpha_bar) * noise
    t = (ops.cast(index, "float32") + 1.0) / model.timesteps
    return ops.mean(ops.square(model.network([x_t, t]) - x0))


WRONG = {
    "09.1": lambda x0, a, noise: np.reshape(a, (-1, 1, 1, 1)) * x0 + (
        1 - np.reshape(a, (-1, 1, 1, 1))) * noise,  # variances, not standard deviations
    "09.2": lambda x_t, eps, a_t, a_prev: (x_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t),  # x0
    "09.3": lambda y, sigma, score: y + sigma * score(y),  # sigma, not sigma²
    "09.4": _x0_target,
}

# The answers to the conceptual questions (09.C1-09.C4) and the open exercise 09.5 are in
# solutions/answers.md.
