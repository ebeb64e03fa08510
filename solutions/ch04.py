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


SOLUTIONS = {"04.1": nonsaturating_loss, "04.2": frechet, "04.3": power_step,
             "04.4": hinge_d_loss}


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
}

# The answers to the conceptual questions (04.C1-04.C4) and the open exercise 04.5 are in
# solutions/answers.md.
