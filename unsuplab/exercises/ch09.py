"""Chapter 09 exercises: the closed-form forward sample q(x_t | x_0), one DDIM update, Tweedie's
denoiser from a score, and the diffusion training step itself (noise -> predict -> loss) wired
into a small :class:`~unsuplab.models.Diffusion`."""

from __future__ import annotations

import numpy as np

from .core import Mismatch, as_array, describe, exercise, expect_close

# --- 09.1: the closed-form forward sample --------------------------------------------------------


def _forward_inputs(seed=0):
    # N = 3 images of 4x5 pixels and 2 channels: a per-image alpha_bar of shape (N,) that is not
    # reshaped to (N, 1, 1, 1) cannot broadcast against them (3 is neither 5 nor 2).
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-1, 1, (3, 4, 5, 2))
    alpha_bar = np.array([0.97, 0.5, 0.04])
    noise = rng.standard_normal(x0.shape)
    return x0, alpha_bar, noise


def _q(x0, alpha_bar, noise):
    a = alpha_bar.reshape(-1, 1, 1, 1)
    return np.sqrt(a) * x0 + np.sqrt(1 - a) * noise


@exercise("09.1", "the closed-form forward sample q(x_t | x_0)")
def check_q_sample(q_sample):
    r"""``q_sample(x0, alpha_bar, noise)``: images ``x0`` (N, H, W, C) on the model's [-1, 1]
    scale, one :math:`\bar\alpha_t` per image (N,), standard normal ``noise`` like ``x0`` ->
    :math:`x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon`, shape of
    ``x0``. Use the noise you are given (draw nothing)."""
    for dtype in (np.float64, np.float32):
        x0, alpha_bar, noise = (a.astype(dtype) for a in _forward_inputs())
        try:
            got = as_array(q_sample(x0.copy(), alpha_bar.copy(), noise.copy()), "Your x_t")
        except ValueError as err:
            if "broadcast" not in str(err):
                raise
            raise Mismatch(f"Your shapes do not broadcast: alpha_bar has one value per image, "
                           f"shape {alpha_bar.shape}, the images {x0.shape}. Reshape alpha_bar "
                           "to (N, 1, 1, 1) first.") from None
        if got.shape != x0.shape:
            raise Mismatch(f"x_t must have the shape of x0, {x0.shape}; yours is "
                           f"{describe(got)}. (alpha_bar has one value per image: reshape it to "
                           "(N, 1, 1, 1) so that it broadcasts over the pixels.)")
        a = alpha_bar.astype(np.float64).reshape(-1, 1, 1, 1)
        for wrong, advice in (
            (a * x0 + (1 - a) * noise, "Scale by the square roots: the signal by sqrt(alpha_bar) "
             "and the noise by sqrt(1 - alpha_bar), so that the variances add up to 1."),
            (np.sqrt(a) * x0 + (1 - a) * noise, "The noise's factor is the standard deviation "
             "sqrt(1 - alpha_bar), not the variance 1 - alpha_bar."),
            (a * x0 + np.sqrt(1 - a) * noise, "The signal's factor is sqrt(alpha_bar), not "
             "alpha_bar: the mean of q(x_t | x_0) is sqrt(alpha_bar) x_0."),
            (np.sqrt(1 - a) * x0 + np.sqrt(a) * noise, "Signal and noise are swapped: at t = 0 "
             "(alpha_bar near 1) x_t must be almost the clean image."),
            (np.sqrt(a) * x0 + noise, "The noise is not scaled: its factor is "
             "sqrt(1 - alpha_bar)."),
            (x0 + np.sqrt(1 - a) * noise, "The signal is not shrunk: its factor is "
             "sqrt(alpha_bar) (a variance-preserving process)."),
        ):
            if np.allclose(got, wrong, rtol=1e-4, atol=1e-5):
                raise Mismatch(advice)
        expect_close(got, _q(x0.astype(np.float64), alpha_bar.astype(np.float64),
                             noise.astype(np.float64)), what="Your x_t", rtol=1e-4, atol=1e-5,
                     hint="x_t = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) noise, per image")
    again = as_array(q_sample(x0.copy(), alpha_bar.copy(), noise.copy()), "Your x_t")
    if not np.allclose(again, got):
        raise Mismatch("Two calls with the same noise gave different x_t: use the noise you are "
                       "given, draw nothing inside the function.")


# --- 09.2: one DDIM update ------------------------------------------------------------------------


def _ddim(x_t, eps, a_t, a_prev):
    x0 = (x_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t)
    return np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps


@exercise("09.2", "one deterministic DDIM update")
def check_ddim_step(ddim_step):
    r"""``ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev)``: the current sample ``x_t`` and
    the network's noise prediction ``eps`` (N, H, W, C), two numbers :math:`\bar\alpha_t <
    \bar\alpha_{t'}` (``t' < t``, the next, less noisy step) -> :math:`x_{t'} =
    \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t'}}\,\varepsilon` with
    :math:`\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\varepsilon)/\sqrt{\bar\alpha_t}` (the
    deterministic update, eta = 0: no fresh noise)."""
    rng = np.random.default_rng(4)
    # x_t is built from a clean image in [-0.9, 0.9]: the predicted x0 needs no clipping, so
    # an answer that clips it to [-1, 1] (as samplers often do) is not penalised.
    x0 = rng.uniform(-0.9, 0.9, (2, 3, 3, 1))
    eps = rng.standard_normal(x0.shape)
    for a_t, a_prev in ((0.3, 0.6), (0.05, 0.9), (0.8, 0.95)):
        x_t = np.sqrt(a_t) * x0 + np.sqrt(1 - a_t) * eps
        got = as_array(ddim_step(x_t.copy(), eps.copy(), a_t, a_prev), "Your x_prev")
        expected = _ddim(x_t, eps, a_t, a_prev)
        if got.shape != x_t.shape:
            raise Mismatch(f"x_prev must have the shape of x_t, {x_t.shape}; yours is "
                           f"{describe(got)}.")
        again = as_array(ddim_step(x_t.copy(), eps.copy(), a_t, a_prev), "Your x_prev")
        if not np.array_equal(again, got):
            raise Mismatch("Two calls with the same inputs gave different results: DDIM "
                           "(eta = 0) adds no fresh noise, it is deterministic.")
        for wrong, advice in (
            (x_t, "You returned x_t unchanged: re-noise the predicted x0 with the *next* step's "
             "alpha_bar_prev, not with alpha_bar_t."),
            (x0, "You returned the predicted x0: DDIM goes one step, to x_prev = "
             "sqrt(alpha_bar_prev) x0_hat + sqrt(1 - alpha_bar_prev) eps."),
            (np.sqrt(a_prev) * (x_t - np.sqrt(1 - a_t) * eps) + np.sqrt(1 - a_prev) * eps,
             "The predicted x0 must be divided by sqrt(alpha_bar_t): x_t is a shrunk copy of x0."),
            (np.sqrt(a_prev) * (x_t + np.sqrt(1 - a_t) * eps) / np.sqrt(a_t)
             + np.sqrt(1 - a_prev) * eps, "To predict x0, *remove* the noise: subtract "
             "sqrt(1 - alpha_bar_t) eps from x_t."),
            (np.sqrt(a_prev) * (x_t - (1 - a_t) * eps) / np.sqrt(a_t) + (1 - a_prev) * eps,
             "The noise factors are standard deviations, sqrt(1 - alpha_bar), not variances."),
            (np.sqrt(a_prev) * x0, "The noise part is missing: a sample at step t' still holds "
             "sqrt(1 - alpha_bar_prev) eps."),
            (np.sqrt(a_t) * (x_t - np.sqrt(1 - a_prev) * eps) / np.sqrt(a_prev)
             + np.sqrt(1 - a_t) * eps, "alpha_bar_t and alpha_bar_prev are swapped."),
        ):
            if np.allclose(got, wrong, rtol=1e-5, atol=1e-6):
                raise Mismatch(advice)
        expect_close(got, expected, what="Your x_prev", rtol=1e-5, atol=1e-6,
                     hint="first x0_hat from x_t and eps, then put it at the next noise level "
                          "with the same eps")


# --- 09.3: Tweedie's denoiser ---------------------------------------------------------------------

#: A 1-d prior: a mixture of two Gaussians, weights, means and standard deviations.
_MIX = (np.array([0.3, 0.7]), np.array([-0.6, 0.5]), np.array([0.1, 0.25]))


def _mixture_score(y, sigma):
    """The score d/dy log p_sigma(y) of the noisy mixture (each component's variance + sigma²),
    and its exact posterior mean E[x | y] (the MMSE denoiser), both elementwise."""
    w, m, s = _MIX
    var = s**2 + sigma**2
    y = np.asarray(y, dtype=np.float64)[..., None]
    log_r = np.log(w) - 0.5 * np.log(2 * np.pi * var) - (y - m) ** 2 / (2 * var)
    r = np.exp(log_r - log_r.max(axis=-1, keepdims=True))
    r /= r.sum(axis=-1, keepdims=True)  # p(component | y)
    score = np.sum(r * (-(y - m) / var), axis=-1)
    posterior_mean = np.sum(r * (m + s**2 / var * (y - m)), axis=-1)  # per-component Wiener
    return score, posterior_mean


@exercise("09.3", "Tweedie's denoiser from a score")
def check_tweedie(tweedie):
    r"""``tweedie(y, sigma, score)``: noisy values ``y = x + sigma * n`` (an array), the noise's
    standard deviation ``sigma`` (a number) and ``score``, a function returning
    :math:`\nabla_y \log p_\sigma(y)` (the score of the *noisy* data) for an array like ``y`` ->
    the MMSE estimate :math:`\mathbb{E}[x \mid y] = y + \sigma^2 \nabla_y \log p_\sigma(y)`,
    shape of ``y``."""
    rng = np.random.default_rng(9)
    for sigma in (0.1, 0.4):
        y = rng.uniform(-1.2, 1.2, (4, 6))
        calls = []

        def score(values, sigma=sigma, calls=calls):
            calls.append(np.array(values, dtype=np.float64, copy=True))
            return _mixture_score(values, sigma)[0]

        got = as_array(tweedie(y.copy(), sigma, score), "Your estimate")
        s, expected = _mixture_score(y, sigma)
        if not calls:
            raise Mismatch("Call the score function you are given: Tweedie's formula needs the "
                           "score of the noisy data at y.")
        if got.shape != y.shape:
            raise Mismatch(f"The estimate must have the shape of y, {y.shape}; yours is "
                           f"{describe(got)}.")
        for wrong, advice in (
            (y - sigma**2 * s, "Mind the sign: the score points towards more likely values, "
             "and the estimate moves y along it."),
            (y + sigma * s, "The step is sigma² times the score (the variance), not sigma."),
            (sigma**2 * s, "The estimate is y *plus* a correction: start from y."),
            (y + s, "Scale the score by the noise variance sigma²."),
            (y + s / sigma**2, "Multiply the score by sigma², do not divide by it."),
        ):
            if np.allclose(got, wrong, rtol=1e-6, atol=1e-9):
                raise Mismatch(advice)
        at_y = np.concatenate([c.ravel() for c in calls]) if calls else np.array([])
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-9) and not np.isin(
                np.round(y, 9), np.round(at_y, 9)).all():
            raise Mismatch("Evaluate the score at the noisy values y themselves: it is the "
                           "gradient of log p_sigma at y.")
        expect_close(got, expected, what="Your estimate", rtol=1e-6, atol=1e-9,
                     hint="E[x | y] = y + sigma² * score(y)")
