"""Chapter 02 reference solutions (and a planted wrong answer for each)."""

import keras
import numpy as np
from keras import ops


def hole_psnr(clean, restored, mask):
    missing = 1.0 - mask
    mse = (missing * (clean - restored) ** 2).sum(axis=(1, 2)) / missing.sum(axis=(1, 2))
    return float(np.mean(10 * np.log10(1.0 / mse)))


def hide(y, grid, offset):
    p = np.pad(y, 1, mode="reflect")
    mean4 = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) / 4
    rows, cols = np.indices(y.shape)
    where = (rows % grid == offset[0]) & (cols % grid == offset[1])
    return np.where(where, mean4, y)


def posterior_mean(y, mu, s2, sigma):
    return (s2 * y + sigma**2 * mu) / (s2 + sigma**2)


def add_noise(x, sigma_max, seed):
    sigma = keras.random.uniform((ops.shape(x)[0], 1, 1, 1), 0.0, sigma_max, seed=seed)
    noisy = x + sigma * keras.random.normal(ops.shape(x), seed=seed)
    return ops.clip(noisy, 0.0, 1.0)


def blind_spot_train_step(network, optimizer, noisy, grid, offset, *, score_all=False):
    from unsuplab.exercises import value_and_grad

    # 1. where the hidden pixels are: one per grid x grid cell, at the offset (row, column)
    rows = ops.arange(ops.shape(noisy)[1]) % grid
    cols = ops.arange(ops.shape(noisy)[2]) % grid
    hidden = ops.logical_and(rows[:, None] == offset[0], cols[None, :] == offset[1])
    hidden = ops.cast(hidden, noisy.dtype)[None, :, :, None]
    # 2. each replaced by the mean of its four neighbours (02.2, on a batch)
    p = ops.pad(noisy, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    mean4 = (p[:, :-2, 1:-1] + p[:, 2:, 1:-1] + p[:, 1:-1, :-2] + p[:, 1:-1, 2:]) / 4.0
    network_input = noisy * (1.0 - hidden) + mean4 * hidden
    if score_all:  # the planted mistake: every pixel scored, so the identity is optimal
        hidden = ops.ones_like(hidden)

    # 3. the squared error to the *noisy* values, on the hidden pixels only
    def loss_fn():
        error = ops.square(network(network_input, training=True) - noisy) * hidden
        return ops.sum(error) / (ops.sum(hidden) * ops.cast(ops.shape(noisy)[0], noisy.dtype))

    loss, grads = value_and_grad(loss_fn, network.trainable_variables)
    optimizer.apply(grads, network.trainable_variables)
    return loss


SOLUTIONS = {"02.1": hole_psnr, "02.2": hide, "02.3": posterior_mean, "02.5": add_noise,
             "02.6": blind_spot_train_step}


def _hide_with_centre(y, grid, offset):
    p = np.pad(y, 1, mode="reflect")
    h, w = y.shape
    mean9 = sum(p[i : i + h, j : j + w] for i in range(3) for j in range(3)) / 9
    rows, cols = np.indices(y.shape)
    where = (rows % grid == offset[0]) & (cols % grid == offset[1])
    return np.where(where, mean9, y)


WRONG = {
    # scores every pixel, not only the holes
    "02.1": lambda c, r, m: float(np.mean(10 * np.log10(1 / ((c - r) ** 2).mean(axis=(1, 2))))),
    "02.2": _hide_with_centre,  # the 3x3 mean still sees the hidden pixel
    "02.3": lambda y, mu, s2, sigma: (sigma**2 * y + s2 * mu) / (s2 + sigma**2),  # swapped
    # one noise level for every image: not a blind denoiser
    "02.5": lambda x, sigma_max, seed: ops.clip(
        x + sigma_max * keras.random.normal(ops.shape(x), seed=seed), 0.0, 1.0),
    "02.6": lambda *args: blind_spot_train_step(*args, score_all=True),  # learns the identity
}
