"""Callbacks: side effects of training live here, not in ``train_step`` (keras-io style)."""

from __future__ import annotations

import threading
import time

import keras
import numpy as np


class IdleMonitor(keras.callbacks.Callback):
    """Measure, per epoch, the share of wall time the process left the CPU idle.

    A background thread samples the process's CPU time every ``interval`` seconds; a sample
    in which the process used less than ``threshold`` of one core counts as idle. After
    training, ``epoch_idle_share`` holds one value per epoch and ``epoch_seconds`` the wall
    time of each epoch.
    """

    def __init__(self, interval=0.1, threshold=0.1):
        super().__init__()
        if not interval > 0 or not 0 < threshold < 1:
            raise ValueError(
                f"interval must be > 0 and threshold in (0, 1). "
                f"Received: interval={interval!r}, threshold={threshold!r}"
            )
        self.interval = interval
        self.threshold = threshold
        self.epoch_idle_share = []
        self.epoch_seconds = []
        self._idle = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def _sample(self):
        last_wall, last_cpu = time.perf_counter(), time.process_time()
        while not self._stop.wait(self.interval):
            wall, cpu = time.perf_counter(), time.process_time()
            dt = wall - last_wall
            if dt > 0 and (cpu - last_cpu) / dt < self.threshold:
                with self._lock:
                    self._idle += dt
            last_wall, last_cpu = wall, cpu

    def on_train_begin(self, logs=None):
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def on_epoch_begin(self, epoch, logs=None):
        with self._lock:
            self._idle = 0.0
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        wall = time.perf_counter() - self._start
        with self._lock:
            idle = self._idle
        self.epoch_seconds.append(wall)
        self.epoch_idle_share.append(min(idle / wall, 1.0) if wall > 0 else 0.0)

    def on_train_end(self, logs=None):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def mean_idle_share(self) -> float:
        return float(np.mean(self.epoch_idle_share)) if self.epoch_idle_share else 0.0


def _loss_values(logs):
    """``{name: float}`` of the losses in ``logs``: ``loss`` and every ``*_loss`` (a GAN's
    ``d_loss`` and ``g_loss``)."""
    return {k: float(np.asarray(v)) for k, v in (logs or {}).items()
            if k == "loss" or k.endswith("_loss")}


def _learning_rates(model):
    """``"name rate"`` of each optimizer of ``model`` (a GAN has two)."""
    rates = []
    for name in ("d_optimizer", "g_optimizer", "optimizer"):
        try:
            optimizer = getattr(model, name, None)
            rates.append(f"{name} {float(np.asarray(optimizer.learning_rate)):.3g}")
        except (AttributeError, TypeError, ValueError):
            continue
        if name == "g_optimizer":
            break  # a GAN's "optimizer" is the pair of the two
    return ", ".join(rates) or "unknown"


def _weights_finite(model):
    for weight in model.weights:
        value = np.asarray(keras.ops.convert_to_numpy(weight))
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            return False
    return True


class StopOnDivergence(keras.callbacks.Callback):
    """Stop training with a clear message when a loss becomes NaN or infinite.

    Keras's ``TerminateOnNaN`` stops silently and leaves a model whose weights are NaN; a
    student then sees NaN images much later. This callback raises
    :class:`FloatingPointError` naming the loss that diverged (``loss``, or a GAN's ``d_loss``
    / ``g_loss``), when it was seen, whether the weights are still finite, and what to try.
    :func:`unsuplab.training.fit` adds it by default.

    **When it looks, and what that costs.** Reading a loss copies it from the device to the
    host, which waits for the step to finish: done at every step it would defeat a GPU's
    asynchronous dispatch. So the loss is read at the end of every epoch and every ``every``
    steps, from the logs Keras already fetches off the training thread (``async_safe``: on
    JAX the batch hook runs in Keras's callback thread and never stalls the device). Keras's
    logged losses are running means of the epoch, so a NaN at any step stays visible until
    the epoch ends: nothing is missed, it is only seen later. The stopping latency is at most
    ``every`` steps (or the rest of the epoch, if shorter), plus on JAX the one or two steps
    already dispatched when the flag is read; those steps cost time only (once a loss is NaN
    the weights are usually lost already). With ``every=1`` it stops at the first diverged
    step, as a synchronous check would.

    Args:
        every: steps between two looks at the loss within an epoch (an integer >= 1), or
            ``None`` to look at the end of each epoch only.
    """

    async_safe = True  # the batch hook only reads the pythonified logs and sets flags (it
    # never touches ``self.model``: see on_train_batch_end)

    def __init__(self, every=100):
        super().__init__()
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)
                                  or every < 1):
            raise ValueError(f"every must be an integer >= 1 or None. Received: every={every!r}")
        self.every = every
        self._epoch = 0
        self._diverged = None

    def on_train_begin(self, logs=None):
        self._diverged = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.every is None or (batch + 1) % self.every or self._diverged is not None:
            return
        bad = {k: v for k, v in _loss_values(logs).items() if not np.isfinite(v)}
        if bad:  # raised from on_epoch_end, on the main thread with the weights synced
            self._diverged = (bad, _loss_values(logs),
                              f"step {batch + 1} of epoch {self._epoch + 1}")
            # ``_model``, not ``model``: on JAX the ``model`` property syncs the training
            # state into the variables, and from this thread that races with the step being
            # dispatched (its donated buffers end up in the model: "Array has been deleted")
            self._model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self._diverged is None:
            losses = _loss_values({k: v for k, v in (logs or {}).items()
                                   if not k.startswith("val_")})
            bad = {k: v for k, v in losses.items() if not np.isfinite(v)}
            if not bad:
                return
            self._diverged = (bad, losses, f"the end of epoch {epoch + 1}")
        self.model.stop_training = True
        self._raise()

    def _raise(self):
        bad, losses, when = self._diverged
        model = self.model
        name = type(model).__name__
        which = " and ".join(f"{k} = {v}" for k, v in bad.items())
        others = ", ".join(f"{k} = {v:.4g}" for k, v in losses.items() if k not in bad)
        seen = f"seen at {when}"
        if self.every is not None:
            seen += f" (the loss is checked every {self.every} steps and at each epoch's end)"
        if _weights_finite(model):
            state = ("The weights are still finite: the loss overflowed (a log of 0, a "
                     "saturated discriminator, an exploding term) before the weights did.")
        else:
            state = "The weights are now NaN or infinite: this model is unusable; retrain it."
        raise FloatingPointError(
            f"training of {name} diverged: {which} ({seen}"
            f"{'; still finite: ' + others if others else ''}). {state} What to try: check "
            "that the images are in [0, 1] (uint8 images are scaled for you; float images on "
            "the 0..255 scale are not), a lower learning rate (it was "
            f"{_learning_rates(model)}), and for a GAN a stabler loss or a smaller "
            "discriminator learning rate."
        )


class TimeBudget(keras.callbacks.Callback):
    """Stop training once ``seconds`` of wall time have passed since ``fit`` began.

    How the chapter 04 benchmark gives every GAN the *same* wall-clock budget: fit for many
    epochs with this callback, which stops at the first batch past the budget. After training,
    ``steps`` holds the number of batches done and ``seconds`` the time they took.
    """

    def __init__(self, seconds):
        super().__init__()
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValueError(f"seconds must be a number > 0. Received: seconds={seconds!r}")
        self.budget = float(seconds)
        self.steps = 0
        self.seconds = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.seconds = time.perf_counter() - self._start
        if self.seconds >= self.budget:
            self.model.stop_training = True


class GANMonitor(keras.callbacks.Callback):
    """Watch a generator learn: the images of a *fixed* batch of latent codes every ``every``
    steps, and the losses of every step.

    Fixed codes make the frames comparable: the same :math:`z` decoded by the generator as it
    trains (side effects of training live in callbacks, keras-io style).

    Args:
        codes: latent codes (n, latent_dim), e.g. ``gan.sample_latent(16, seed=0)``.
        every: steps between frames (>= 1).
        live: redraw a figure (frame + loss curves) in the notebook at every frame.
        save_dir: if given, also save each frame there as ``frame_<step>.png`` (a sequence a
            GIF maker can turn into an animation).

    After training: ``frames`` is a list of ``(step, images)`` (images (n, H, W, C) in
    [0, 1]); ``history`` a dict ``name -> list`` of per-step values of the logged losses
    (``d_loss``, ``g_loss``, ...), each the running mean of its epoch so far (Keras's logs).
    """

    def __init__(self, codes, *, every=100, live=False, save_dir=None):
        super().__init__()
        codes = np.asarray(codes, dtype=np.float32)
        if codes.ndim != 2 or len(codes) == 0 or not np.all(np.isfinite(codes)):
            raise ValueError(f"codes must be a finite, non-empty (n, latent_dim) array. "
                             f"Received: codes of shape {codes.shape}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1. Received: every={every!r}")
        self.codes, self.every, self.live = codes, every, bool(live)
        self.save_dir = None if save_dir is None else str(save_dir)
        self.frames, self.history, self.step = [], {}, 0
        self._display = None

    def on_train_begin(self, logs=None):
        if not self.frames:
            self._snapshot()

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(np.asarray(value)))
        if self.step % self.every == 0:
            self._snapshot()

    def _snapshot(self):
        images = self.model.decode(self.codes)
        self.frames.append((self.step, images))
        if self.save_dir is not None or self.live:
            figure = self.figure()
            if self.save_dir is not None:
                from pathlib import Path

                Path(self.save_dir).mkdir(parents=True, exist_ok=True)
                figure.savefig(Path(self.save_dir) / f"frame_{self.step:06d}.png")
            if self.live:
                self._show(figure)
            import matplotlib.pyplot as plt

            plt.close(figure)

    def _show(self, figure):
        from IPython.display import display

        if self._display is None:
            self._display = display(figure, display_id=True)
        else:
            self._display.update(figure)

    def figure(self, index=-1):
        """Frame ``index`` (default the last) beside the loss curves: a matplotlib figure."""
        import matplotlib.pyplot as plt

        step, images = self.frames[index]
        n = len(images)
        cols = int(np.ceil(np.sqrt(n)))
        rows = int(np.ceil(n / cols))
        h, w = images.shape[1:3]
        grid = np.ones((rows * (h + 1), cols * (w + 1)), dtype=np.float32)
        for i, image in enumerate(images):
            r, c = divmod(i, cols)
            grid[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = image[..., 0]
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.6),
                                          gridspec_kw={"width_ratios": [1, 1.4]})
        left.imshow(grid, cmap="gray", vmin=0, vmax=1)
        left.set_title(f"fixed codes, step {step}")
        left.axis("off")
        for key, values in self.history.items():
            right.plot(np.arange(1, len(values) + 1), values, label=key)
        right.set_xlabel("training step")
        right.set_ylabel("loss (running mean of the epoch)")
        right.set_title("losses")
        if self.history:
            right.legend()
        fig.tight_layout()
        return fig
