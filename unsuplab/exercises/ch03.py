"""Chapter 03 exercises: the Gaussian KL, the reparameterized sample, the IWAE bound."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .core import Mismatch, exercise, expect_close


def _gaussian(seed=0, n=5, dim=3):
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=(n, dim)).astype(np.float32)
    log_var = rng.normal(scale=0.8, size=(n, dim)).astype(np.float32)
    return mean, log_var


def _kl(mean, log_var):
    m, lv = mean.astype(np.float64), log_var.astype(np.float64)
    return 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=-1)


def _array(value):
    if value is None:
        raise Mismatch("Your function returns None: write its body and `return` the result.")
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=np.float64)


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
        rtol=1e-4,
        hint="KL = 1/2 * sum_j (exp(log_var_j) + mean_j^2 - 1 - log_var_j)",
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
    expect_close(got, expected, what="Your z", rtol=1e-4, hint="z = mean + sigma * eps")


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
    expect_close(got, expected, what="Your bound", rtol=1e-6, hint="log of the mean of exp(log_w)")
    # Real log-weights of images are around -300 nats: exp() underflows to 0 there.
    large = small - 1000.0
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a naive exp() warns here; the feedback says why
        got = _array(iwae_bound(large.copy()))
    if not np.all(np.isfinite(got)):
        raise Mismatch(
            "For log-weights around -1000 your bound is -inf or NaN: exp(-1000) is 0 in floating "
            "point. Subtract the largest log-weight of each column before exponentiating, and "
            "add it back after the log (the log-sum-exp trick)."
        )
    expect_close(
        got,
        expected - 1000.0,
        what="Your bound for log-weights around -1000",
        rtol=1e-9,
        atol=1e-6,
    )
