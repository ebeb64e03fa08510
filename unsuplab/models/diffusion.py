r"""Diffusion (Ho et al. 2020) and flow matching (Lipman et al. 2023; Liu et al. 2023) in
``keras.ops``: one model, two objectives, four samplers, classifier-free guidance.

Images are scaled to :math:`x_0 \in [-1, 1]` inside the model; every public image argument and
result is on the [0, 1] scale (the quantities of the maths, :math:`x_t`, ε, v, are in model
units: :meth:`Diffusion.q_sample`, :meth:`Diffusion.predict_x0`, :meth:`Diffusion.ddim_step`).

- ``objective="eps"``: the forward process :math:`q(x_t \mid x_0) = N(\sqrt{\bar\alpha_t}\,x_0,
  (1-\bar\alpha_t) I)` on ``timesteps`` steps, with :math:`\bar\alpha_t` from the linear
  schedule of Ho et al. (β from 1e-4 to 0.02, scaled by 1000/T) or the cosine schedule of
  Nichol & Dhariwal (2021). The network predicts the noise; the loss is
  :math:`\mathbb{E}_{t, x_0, \varepsilon} \|\varepsilon - \varepsilon_\theta(x_t, t)\|^2`
  (Ho et al.'s "simple" loss: the ELBO's terms with their weights dropped).
- ``objective="flow"``: the straight path :math:`x_t = (1-t)\,x_0 + t\,\varepsilon`,
  :math:`t \sim U[0, 1]`, and the network regresses the velocity
  :math:`v = \varepsilon - x_0`: :math:`\mathbb{E}\|v - v_\theta(x_t, t)\|^2`.
- Class-conditional (``n_classes``): each training label is replaced by "no label" with
  probability ``label_dropout``, so one network learns both :math:`f(x, y)` and
  :math:`f(x, \varnothing)`; ``generate(..., guidance=w)`` mixes them (Ho & Salimans 2022).
- :meth:`Diffusion.denoise`: Tweedie's formula. For :math:`y = x_0 + s\,n`,
  :math:`E[x_0 \mid y] = y + s^2 \nabla \log p(y)`, and an ε-network estimates that score,
  :math:`\nabla \log p_t(x_t) = -\varepsilon_\theta / \sqrt{1-\bar\alpha_t}`; so the model's
  :math:`\hat x_0` at the time whose noise matches is an MMSE denoiser (chapter 02).

Example:
    >>> model = Diffusion(objective="eps", n_classes=10, seed=0)
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-4))
    >>> fit(model, (x_train, y_train), epochs=5)
    >>> images = model.generate(16, steps=50, sampler="ddim", labels=[3] * 16, guidance=2.0)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .._validation import check_array, check_choice, check_image_shape, check_number
from ..networks.time_unet import time_unet
from . import _diffusion_samplers as samplers
from ._base import PACKAGE, SeededModel, check_finite_weights, model_images, subclass_config

OBJECTIVES = ("eps", "flow")
SCHEDULES = ("cosine", "linear")
SAMPLERS = {"eps": ("ddim", "ddpm"), "flow": ("euler", "heun")}
COSINE_OFFSET = 0.008  # Nichol & Dhariwal's s
MAX_BETA = 0.999


def linear_schedule(timesteps):
    r""":math:`\bar\alpha_t = \prod_{s \le t} (1 - \beta_s)`, β linear from 1e-4 to 0.02 at
    T = 1000 (Ho et al. 2020), both ends scaled by 1000 / T; float64 (T,)."""
    timesteps = check_number(timesteps, "timesteps", low=1, integer=True)
    scale = 1000.0 / timesteps
    betas = np.clip(np.linspace(1e-4 * scale, 0.02 * scale, timesteps), 0.0, MAX_BETA)
    return np.cumprod(1.0 - betas)


def cosine_schedule(timesteps):
    r""":math:`\bar\alpha_t = f(t) / f(0)`, :math:`f(t) = \cos^2\!\big(\frac{t/T + s}{1 + s}
    \frac{\pi}{2}\big)`, s = 0.008, with each :math:`\beta_t = 1 - \bar\alpha_t /
    \bar\alpha_{t-1}` clipped at 0.999 (Nichol & Dhariwal 2021); float64 (T,), t = 1..T."""
    timesteps = check_number(timesteps, "timesteps", low=1, integer=True)
    s = np.arange(timesteps + 1) / timesteps
    f = np.cos((s + COSINE_OFFSET) / (1.0 + COSINE_OFFSET) * np.pi / 2) ** 2
    betas = np.clip(1.0 - f[1:] / f[:-1], 0.0, MAX_BETA)
    return np.cumprod(1.0 - betas)


@keras.saving.register_keras_serializable(package=PACKAGE)
class Diffusion(SeededModel):
    """A denoising diffusion model (ε-prediction) or a flow-matching model (velocity).

    Args:
        image_shape: ``(height, width, channels)``, multiples of ``2 ** depth``.
        objective: ``"eps"`` (DDPM) or ``"flow"`` (flow matching / rectified flow).
        schedule: ``"cosine"`` or ``"linear"`` (ᾱ_t of the ε-objective and of
            :meth:`q_sample`; the flow objective's path needs none).
        timesteps: T, the steps of the discrete forward process (>= 2).
        base_filters, depth: the :func:`~unsuplab.networks.time_unet.time_unet`'s size.
        n_classes: classes of a class-conditional model, or ``None``.
        label_dropout: probability of training on "no label" (conditional models), in [0, 1).
        seed: seed of the training noise, times and label dropout (the model's
            ``SeedGenerator``).

    Call arguments:
        inputs: ``[x_t, t]`` (+ ``labels``) in model units: the network's prediction. A bare
            image batch (what Keras passes before :meth:`compute_loss`) is returned as it is:
            the training pass runs in :meth:`compute_loss`.
    """

    def __init__(self, image_shape=(28, 28, 1), objective="eps", schedule="cosine",
                 timesteps=1000, base_filters=32, depth=2, n_classes=None, label_dropout=0.1,
                 seed=0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.image_shape = check_image_shape(image_shape)
        self.objective = check_choice(objective, "objective", OBJECTIVES)
        self.schedule = check_choice(schedule, "schedule", SCHEDULES)
        self.timesteps = check_number(timesteps, "timesteps", low=2, integer=True)
        self.base_filters = check_number(base_filters, "base_filters", low=1, integer=True)
        self.depth = check_number(depth, "depth", low=1, integer=True)
        if n_classes is not None:
            n_classes = check_number(n_classes, "n_classes", low=1, integer=True)
        self.n_classes = n_classes
        self.label_dropout = float(check_number(label_dropout, "label_dropout", low=0, high=1,
                                                high_inclusive=False))
        self.network = time_unet(self.image_shape, self.base_filters, self.depth,
                                 n_classes=n_classes, name="network")
        make = cosine_schedule if schedule == "cosine" else linear_schedule
        self.alpha_bar = make(self.timesteps)
        self.build()

    def build(self, input_shape=None):
        self.built = True  # the network is built in __init__

    # --- the forward process and the maths of one step (model units) ------------------------

    def alpha_bar_at(self, t):
        """ᾱ at integer step indices ``t`` (0..T−1; ``-1`` is the clean image, ᾱ = 1)."""
        t = np.asarray(t)
        if t.dtype.kind not in "iu" or np.any(t < -1) or np.any(t >= self.timesteps):
            raise ValueError(f"t must hold integer steps in -1..{self.timesteps - 1}. "
                             f"Received: t={t!r}")
        return np.where(t < 0, 1.0, self.alpha_bar[np.maximum(t, 0)])

    def _per_image(self, value, n):
        """A scalar or a per-image (N,) array, shaped to broadcast over (N, H, W, C)."""
        value = np.asarray(value, np.float64)
        return value.reshape((-1, 1, 1, 1)) if value.ndim == 1 and n != 1 else value

    def q_sample(self, x0, t_index, noise):
        r""":math:`x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\, \varepsilon` for
        images ``x0`` in [0, 1] (scaled to [−1, 1] first), step indices ``t_index`` (one, or
        one per image) and ``noise`` of ``x0``'s shape. Returns float32 ``x_t`` (model units)."""
        x0 = 2.0 * ops.convert_to_tensor(np.asarray(x0, np.float32)) - 1.0
        ab = self._per_image(self.alpha_bar_at(t_index), len(np.atleast_1d(t_index)))
        ab = ops.convert_to_tensor(np.asarray(ab, np.float32))
        noise = ops.convert_to_tensor(np.asarray(noise, np.float32))
        return ops.convert_to_numpy(ops.sqrt(ab) * x0 + ops.sqrt(1.0 - ab) * noise)

    def predict_x0(self, x_t, t, eps):
        r"""The data the network's output points at, in model units. ε-objective (``t`` step
        indices): :math:`\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\varepsilon) /
        \sqrt{\bar\alpha_t}`; flow (``t`` times in [0, 1], ``eps`` the velocity):
        :math:`\hat x_0 = x_t - t\,v`."""
        x_t, eps = np.asarray(x_t, np.float32), np.asarray(eps, np.float32)
        if self.objective == "flow":
            return (x_t - self._per_image(t, len(x_t)) * eps).astype(np.float32)
        ab = self._per_image(self.alpha_bar_at(t), len(x_t))
        return ((x_t - np.sqrt(1.0 - ab) * eps) / np.sqrt(ab)).astype(np.float32)

    def ddim_step(self, x_t, eps, t, t_prev, *, eta=0.0, noise=None):
        r"""One DDIM update from step ``t`` to an earlier ``t_prev`` (``-1``: the clean image):
        :math:`x_{t'} = \sqrt{\bar\alpha_{t'}}\hat x_0 + \sqrt{1-\bar\alpha_{t'}-\sigma^2}\,
        \varepsilon + \sigma z`, :math:`\sigma = \eta \sqrt{\frac{1-\bar\alpha_{t'}}
        {1-\bar\alpha_t}(1 - \frac{\bar\alpha_t}{\bar\alpha_{t'}})}` (``eta`` 0: DDIM, 1:
        DDPM's posterior; ``noise`` z is needed when ``eta > 0``)."""
        eta = check_number(eta, "eta", low=0)
        x_t, eps = np.asarray(x_t, np.float32), np.asarray(eps, np.float32)
        ab = self._per_image(self.alpha_bar_at(t), len(x_t))
        ab_prev = self._per_image(self.alpha_bar_at(t_prev), len(x_t))
        x0 = self.predict_x0(x_t, t, eps)
        sigma = eta * np.sqrt((1.0 - ab_prev) / (1.0 - ab) * (1.0 - ab / ab_prev))
        out = np.sqrt(ab_prev) * x0 + np.sqrt(np.maximum(1.0 - ab_prev - sigma**2, 0.0)) * eps
        if eta > 0:
            if noise is None:
                raise ValueError("ddim_step with eta > 0 needs noise. Received: noise=None")
            out = out + sigma * np.asarray(noise, np.float32)
        return out.astype(np.float32)

    # --- training --------------------------------------------------------------------------

    def call(self, inputs, training=False):
        if isinstance(inputs, (list, tuple)):
            return self.network(list(inputs), training=training)
        return inputs

    def noisy_batch(self, x0):
        """``(network inputs [x_t, t], target)`` of one training batch (model units), drawn
        from the model's seed generator: ε-objective: a step index, the noise; flow: a time
        in [0, 1], the noise (target v = ε − x_0)."""
        n = ops.shape(x0)[0]
        noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator, dtype=x0.dtype)
        if self.objective == "eps":
            index = keras.random.randint((n,), 0, self.timesteps, seed=self.seed_generator)
            table = ops.convert_to_tensor(self.alpha_bar.astype(np.float32))
            ab = ops.reshape(ops.take(table, index), (-1, 1, 1, 1))
            x_t = ops.sqrt(ab) * x0 + ops.sqrt(1.0 - ab) * noise
            t = (ops.cast(index, x0.dtype) + 1.0) / self.timesteps
            return [x_t, t], noise
        t = keras.random.uniform((n,), seed=self.seed_generator, dtype=x0.dtype)
        tt = ops.reshape(t, (-1, 1, 1, 1))
        return [(1.0 - tt) * x0 + tt * noise, t], noise - x0

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Mean squared error of the network's ε (or v) on a fresh noisy batch of ``x``
        (images in [0, 1]); ``y`` holds the labels of a conditional model."""
        del y_pred, sample_weight
        x0 = 2.0 * ops.cast(x, "float32") - 1.0
        inputs, target = self.noisy_batch(x0)
        if self.n_classes is not None:
            if y is None:
                raise ValueError("a class-conditional Diffusion trains on (images, labels). "
                                 "Received: no labels")
            labels = ops.reshape(ops.cast(y, "int32"), (-1,))
            drop = keras.random.uniform(ops.shape(labels), seed=self.seed_generator)
            inputs.append(ops.where(drop < self.label_dropout, self.n_classes, labels))
        loss = ops.mean(ops.square(self.network(inputs, training=training) - target))
        if self.losses:
            loss = loss + ops.sum(self.losses)
        return loss

    def get_config(self):
        base = subclass_config(super().get_config())
        return {**base, "image_shape": list(self.image_shape), "objective": self.objective,
                "schedule": self.schedule, "timesteps": self.timesteps,
                "base_filters": self.base_filters, "depth": self.depth,
                "n_classes": self.n_classes, "label_dropout": self.label_dropout,
                "seed": self.seed}

    # --- sampling and denoising (NumPy in, NumPy out) --------------------------------------

    def _labels(self, labels, n, guidance):
        guidance = float(check_number(guidance, "guidance", low=0))
        if self.n_classes is None:
            if labels is not None or guidance:
                raise ValueError("labels and guidance need a class-conditional model "
                                 "(n_classes). Received: labels="
                                 f"{'given' if labels is not None else None}, "
                                 f"guidance={guidance}")
            return None, guidance
        if labels is None:
            if guidance:
                raise ValueError("guidance needs labels: the class to guide towards. "
                                 f"Received: labels=None, guidance={guidance}")
            return np.full(n, self.n_classes, np.int32), guidance  # unconditional samples
        labels = np.broadcast_to(check_array(labels, "labels", ndim=(0, 1), dtype_kind="iu"),
                                 (n,))
        if labels.min() < 0 or labels.max() >= self.n_classes:
            raise ValueError(f"labels must be in 0..{self.n_classes - 1}. Received: labels "
                             f"from {labels.min()} to {labels.max()}")
        return labels.astype(np.int32), guidance

    def generate(self, n, steps=50, sampler=None, labels=None, guidance=0.0, seed=0,
                 batch_size=256, return_trajectory=False):
        """``n`` samples, float32 (n, H, W, C) in [0, 1].

        Args:
            n: number of images.
            steps: sampler steps (network calls; Heun makes two per step), 1..T for ε.
            sampler: ``"ddim"`` or ``"ddpm"`` (ε-objective, default ``"ddim"``), ``"euler"``
                or ``"heun"`` (flow, default ``"euler"``).
            labels: one class, or one per image (conditional models); ``None``: unguided.
            guidance: classifier-free guidance strength w >= 0 (0: the conditional model).
            seed: seed of the starting noise (and of DDPM's noise).
            return_trajectory: also return, for the first batch, the list of
                ``(x_t, x0_pred)`` pairs along the chain (both mapped to [0, 1] and clipped).
        """
        n = check_number(n, "n", low=1, integer=True)
        steps = check_number(steps, "steps", low=1, integer=True)
        batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
        allowed = SAMPLERS[self.objective]
        sampler = allowed[0] if sampler is None else sampler
        if sampler not in allowed:
            raise ValueError(f"Unknown sampler for objective={self.objective!r}; choose one of "
                             f"{allowed}. Received: sampler={sampler!r}")
        if self.objective == "eps" and steps > self.timesteps:
            raise ValueError(f"steps must be <= timesteps ({self.timesteps}). "
                             f"Received: steps={steps}")
        labels, guidance = self._labels(labels, n, guidance)
        check_finite_weights(self)
        rng = np.random.default_rng(check_number(seed, "seed", low=0, integer=True))
        out, trajectory = [], [] if return_trajectory else None
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            x = rng.standard_normal((size, *self.image_shape)).astype(np.float32)
            y = None if labels is None else labels[start : start + size]
            kept = trajectory if start == 0 else None
            if self.objective == "eps":
                x = samplers.sample_eps(self, x, steps=steps, eta=float(sampler == "ddpm"),
                                        labels=y, guidance=guidance, rng=rng, trajectory=kept)
            else:
                x = samplers.sample_flow(self, x, steps=steps, heun=sampler == "heun", labels=y,
                                         guidance=guidance, trajectory=kept)
            out.append(x)
        images = _to_unit(np.concatenate(out))
        if not return_trajectory:
            return images
        return images, [(_to_unit(a), _to_unit(b)) for a, b in trajectory]

    def denoise(self, x_noisy, sigma, *, labels=None, batch_size=256):
        r"""Tweedie's MMSE estimate of clean images from ``x_noisy = x + sigma * n``.

        On the model's scale the noise std is 2σ; the ε-model is asked at the (fractional)
        step with :math:`(1-\bar\alpha)/\bar\alpha = 4\sigma^2`, on :math:`x_t =
        \sqrt{\bar\alpha}\,(2 x_{\text{noisy}} - 1)`; the flow model at :math:`t/(1-t) =
        2\sigma`, on :math:`x_t = (1 - t)(2 x_{\text{noisy}} - 1)`; both return
        :math:`\hat x_0`. ``x_noisy`` may lie outside [0, 1] (unclipped Gaussian noise is the
        model's own; clipped noise is a slightly different corruption). A conditional model
        denoises without a label unless ``labels`` are given.

        Returns:
            float32 images in [0, 1], in the layout of ``x_noisy``.
        """
        sigma = check_number(sigma, "sigma", low=0, high=1, low_inclusive=False)
        arr = check_array(x_noisy, "x_noisy", ndim=(2, 3, 4), dtype_kind="uif")
        arr = arr / np.float32(255.0) if arr.dtype.kind in "ui" else arr
        clipped, back = model_images(self, np.clip(arr, 0.0, 1.0), "x_noisy")  # the layout
        x = np.asarray(arr, np.float32).reshape(clipped.shape)
        labels, _ = self._labels(labels, len(x), 0.0)
        check_finite_weights(self)
        y = 2.0 * x - 1.0
        if self.objective == "flow":
            t = 2.0 * sigma / (1.0 + 2.0 * sigma)
            x_t, time, scale = (1.0 - t) * y, t, None
        else:
            ab = 1.0 / (1.0 + 4.0 * sigma**2)
            # the fractional step with this ᾱ (ᾱ decreases with t), as the network's time input
            index = np.interp(ab, self.alpha_bar[::-1], np.arange(self.timesteps)[::-1])
            x_t, time, scale = np.sqrt(ab) * y, (index + 1.0) / self.timesteps, ab
        out = []
        for start in range(0, len(x), batch_size):
            xb = x_t[start : start + batch_size].astype(np.float32)
            yb = None if labels is None else labels[start : start + batch_size]
            f = np.asarray(samplers.prediction(self, xb, time, yb, 0.0), np.float32)
            if scale is None:
                out.append(xb - time * f)
            else:
                out.append((xb - np.sqrt(1.0 - scale) * f) / np.sqrt(scale))
        return back(_to_unit(np.concatenate(out)))


def _to_unit(x):
    """Model units [−1, 1] -> images in [0, 1] (clipped), float32."""
    return np.clip((np.asarray(x, np.float32) + 1.0) / 2.0, 0.0, 1.0)


__all__ = ["OBJECTIVES", "SAMPLERS", "SCHEDULES", "Diffusion", "cosine_schedule",
           "linear_schedule"]
