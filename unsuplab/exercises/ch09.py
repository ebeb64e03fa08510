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


# --- 09.4: the training step itself ---------------------------------------------------------------


def _bars(n=64, size=8, seed=0):
    """``n`` images of one horizontal or vertical white bar: data a tiny model learns fast."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, size, size, 1), np.float32)
    for i, r in enumerate(rng.integers(0, size, n)):
        if i % 2:
            x[i, r, :, 0] = 1.0
        else:
            x[i, :, r, 0] = 1.0
    return x


def _tiny_diffusion(cls=None, seed=0):
    import keras

    from ..models.diffusion import Diffusion

    keras.utils.set_random_seed(0)  # the same initial weights for the student's and ours
    model = (cls or Diffusion)(image_shape=(8, 8, 1), base_filters=8, depth=1, timesteps=50,
                               seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    return model


_PROBE = {}


class _Recorder:
    """The model as the student's function sees it, with the network's calls recorded."""

    def __init__(self, model):
        self._model = model
        self.calls = []

    def __getattr__(self, name):
        return getattr(self._model, name)

    def network(self, inputs, *args, **kwargs):
        from keras import ops

        out = self._model.network(inputs, *args, **kwargs)
        if isinstance(inputs, (list, tuple)):
            self.calls.append(([ops.convert_to_numpy(v) for v in inputs],
                               ops.convert_to_numpy(out)))
        return out

    def __call__(self, inputs, *args, **kwargs):
        return self.network(inputs, *args, **kwargs)


def _inspect_one_call(diffusion_loss):
    """Run the student's loss once, eagerly, and check it against what its network saw: the
    step of every image (from the time input), hence ᾱ, hence the noise it must have added."""
    from keras import ops

    if "probe" not in _PROBE:  # built once: the checks below hold whatever the weights
        _PROBE["probe"] = _tiny_diffusion()
    model = _Recorder(_PROBE["probe"])
    x0 = 2.0 * _bars(16, seed=1) - 1.0
    value = diffusion_loss(model, ops.convert_to_tensor(x0))
    got = ops.convert_to_numpy(value)
    if np.size(got) != 1:
        raise Mismatch(f"A loss is one number (a scalar tensor); yours is {describe(value)}. "
                       "Average the squared errors over the batch and the pixels.")
    got = float(np.reshape(got, ()))
    if not model.calls:
        raise Mismatch("Your function never called the network: predict the noise with "
                       "model.network([x_t, t]).")
    inputs, pred = model.calls[-1]
    if len(inputs) != 2 or np.shape(inputs[0]) != x0.shape:
        raise Mismatch(f"Call the network on [x_t, t]: x_t of the batch's shape {x0.shape} and "
                       "one time per image.")
    x_t, t = np.asarray(inputs[0], np.float64), np.asarray(inputs[1], np.float64).reshape(-1)
    big_t = model.timesteps
    if t.shape != (len(x0),):
        raise Mismatch(f"The network's time input must hold one value per image, shape "
                       f"({len(x0)},); yours is {describe(inputs[1])}.")
    if np.all(t == t[0]):
        raise Mismatch("Every image got the same time input: draw one step per image (shape "
                       "(N,)) and feed it to the network, so it learns every noise level.")
    index = np.rint(t * big_t - 1.0)
    if t.min() == 0.0 and np.allclose((index + 1.0) / big_t, t, atol=1e-6):
        raise Mismatch("A time input of 0 means step index -1: step index i is fed to the "
                       "network as t = (i + 1) / T; yours is off by one step.")
    if t.max() > 1.0 + 1e-6 or not np.allclose((index + 1.0) / big_t, t, atol=1e-6) \
            or index.min() < 0:
        raise Mismatch("The network's time input is t = (i + 1) / T for step index i, a number "
                       "in (0, 1]: yours is not of that form (an index, or a float draw?).")
    x0 = x0.astype(np.float64)
    pred = np.asarray(pred, np.float64)

    def implied_noise(ab):
        return (x_t - np.sqrt(ab) * x0) / np.sqrt(1.0 - ab)

    ab = model.alpha_bar[index.astype(int)].reshape(-1, 1, 1, 1)
    eps = implied_noise(ab)
    expected = float(np.mean((pred - eps) ** 2))
    shifted = np.minimum(index.astype(int) + 1, big_t - 1)  # ᾱ one step later than t says
    # Each known mistake's loss on these very inputs; the nearest one within rounding names
    # the mistake (the nearest, not the first: when most drawn steps are late, x_t is nearly
    # the noise itself and two candidates can both lie within 1e-4 of the student's value).
    candidates = [
        (-expected, "Mind the sign: the loss is a squared error, to be minimised."),
        (float(np.mean((pred - x0) ** 2)), "Your target is the clean image: the network "
         "predicts the *noise* that was added (ε-prediction)."),
        (float(np.mean((pred - (x_t - np.sqrt(ab) * x0)) ** 2)), "Scale the noise by "
         "sqrt(1 - alpha_bar) when you make x_t."),
        (float(np.mean((pred - (x_t - ab * x0) / (1.0 - ab)) ** 2)), "x_t uses the square "
         "roots: sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) noise."),
        (float(np.sum((pred - eps) ** 2)), "Average the squared errors (a mean), not a sum."),
        (float(np.mean(np.abs(pred - eps))), "Use the squared error, not the absolute error."),
        (float(np.mean((pred - x_t) ** 2)), "Your target is x_t itself: the network predicts "
         "the noise you drew."),
        (float(np.mean((pred - implied_noise(
            model.alpha_bar[shifted].reshape(-1, 1, 1, 1))) ** 2)),
         "Step index i is fed to the network as t = (i + 1) / T: yours is off by one step."),
    ]
    if not np.isclose(got, expected, rtol=1e-4, atol=1e-7):
        wrong, advice = min(candidates, key=lambda c: abs(got - c[0]))
        if np.isclose(got, wrong, rtol=1e-4, atol=1e-7):
            raise Mismatch(advice)
    if np.std(eps) < 0.3:
        raise Mismatch("Your x_t holds (almost) no noise: x_t = sqrt(alpha_bar) x0 + "
                       "sqrt(1 - alpha_bar) noise, with noise ~ N(0, I) of the batch's shape.")
    expect_close(got, expected, what="Your loss", rtol=1e-4, atol=1e-7,
                 hint="x_t from alpha_bar at the drawn steps and the noise; then the mean "
                      "squared error between the network's prediction and that noise")
    if abs(np.mean(eps)) > 0.25 or not 0.75 < np.std(eps) < 1.25:
        raise Mismatch(f"The noise in your x_t has mean {np.mean(eps):.2f} and standard "
                       f"deviation {np.std(eps):.2f}: draw it from a standard normal "
                       "(keras.random.normal).")
    diffusion_loss(model, ops.convert_to_tensor(x0.astype(np.float32)))  # a second batch
    (x_t2, t2), _ = model.calls[-1]
    index2 = np.clip(np.rint(np.asarray(t2, np.float64).reshape(-1) * big_t - 1.0), 0,
                     big_t - 1).astype(int)
    ab2 = model.alpha_bar[index2].reshape(-1, 1, 1, 1)
    eps2 = (np.asarray(x_t2, np.float64) - np.sqrt(ab2) * x0) / np.sqrt(1.0 - ab2)
    if np.allclose(eps2, eps, atol=1e-4) or np.array_equal(index2, index.astype(int)):
        raise Mismatch("Two calls drew the same noise (or the same steps): draw them afresh "
                       "at every call, with keras.random and seed=model.seed_generator (a "
                       "NumPy draw is the same at every training step).")


def _loss_curves(diffusion_loss, epochs=4):
    """Loss per epoch of a tiny model trained with the student's loss, and of the library's."""
    from keras import ops

    from ..models.diffusion import Diffusion

    class StudentDiffusion(Diffusion):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return diffusion_loss(self, 2.0 * ops.cast(x, "float32") - 1.0)

    curves = []
    for cls in (StudentDiffusion, Diffusion):
        model = _tiny_diffusion(cls)
        try:
            history = model.fit(_bars(), epochs=epochs, batch_size=16, shuffle=False, verbose=0)
        except ValueError as err:
            if "No gradients" not in str(err):
                raise
            raise Mismatch("Trained with your loss, no gradient reaches the network's weights: "
                           "the loss must be computed from the network's output with keras.ops "
                           "(no stop_gradient, no NumPy in between).") from None
        curves.append(np.asarray(history.history["loss"], np.float64))
    return curves


@exercise("09.4", "the diffusion training step: noise, predict, loss")
def check_training_step(diffusion_loss):
    r"""``diffusion_loss(model, x0)``: a :class:`~unsuplab.models.Diffusion` and a batch of
    images (N, H, W, C) on the [-1, 1] scale, a tensor -> the scalar tensor
    :math:`\operatorname{mean}(\varepsilon - \varepsilon_\theta(x_t, t))^2` with
    :math:`\varepsilon` and the step :math:`i \sim U\{0..T-1\}` (one per image) drawn from
    ``model.seed_generator``, :math:`x_t = \sqrt{\bar\alpha_i}\,x_0 + \sqrt{1 -
    \bar\alpha_i}\,\varepsilon` (``model.alpha_bar``) and the network fed ``[x_t, (i + 1) /
    T]``; keras.ops and keras.random only. The checker inspects one call, then trains a tiny
    model whose ``compute_loss`` is yours next to the library's: the curves must agree."""
    from .core import run_in_model

    _inspect_one_call(diffusion_loss)
    student, reference = run_in_model(lambda: _loss_curves(diffusion_loss), diffusion_loss,
                                      "a small Diffusion's compute_loss")
    if not np.all(np.isfinite(student)):
        raise Mismatch("Trained with your loss, the model diverged (NaN or infinite loss).")
    drop = reference[0] - reference[-1]
    if student[0] - student[-1] < 0.5 * drop:
        raise Mismatch(f"Trained with your loss, the model barely learns (loss "
                       f"{student[0]:.3f} -> {student[-1]:.3f} over {len(student)} epochs, the "
                       f"library's {reference[0]:.3f} -> {reference[-1]:.3f}): does the "
                       "gradient reach the network? (no stop_gradient, no NumPy in between)")
    if abs(student[-1] - reference[-1]) > 0.25 * reference[-1] + 0.5 * drop:
        raise Mismatch(f"Trained with your loss, the model's loss curve ends at "
                       f"{student[-1]:.3f}, the library's at {reference[-1]:.3f}.")
