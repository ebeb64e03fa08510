"""Chapter 03 reference solutions (and a planted wrong answer for each)."""

import numpy as np


def gaussian_kl(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)


def reparameterize(mean, log_var, eps):
    return mean + np.exp(0.5 * log_var) * eps


def iwae_bound(log_w):
    top = log_w.max(axis=0)
    return top + np.log(np.mean(np.exp(log_w - top), axis=0))


SOLUTIONS = {"03.1": gaussian_kl, "03.2": reparameterize, "03.3": iwae_bound}

WRONG = {
    "03.1": lambda mean, log_var: np.sum(np.exp(log_var) + mean**2 - 1 - log_var, -1),  # no 1/2
    "03.2": lambda mean, log_var, eps: mean + np.exp(log_var) * eps,  # variance, not std
    "03.3": lambda log_w: np.log(np.mean(np.exp(log_w), axis=0)),  # underflows at -1000
}
