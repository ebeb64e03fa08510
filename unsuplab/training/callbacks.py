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


class StopOnDivergence(keras.callbacks.Callback):
    """Stop training with a clear message as soon as the loss is NaN or infinite.

    Keras's ``TerminateOnNaN`` stops silently and leaves a model whose weights are NaN; a
    student then sees NaN images much later. This callback raises
    :class:`FloatingPointError` at the first diverged batch, naming the epoch, the step, the
    loss and what to try. :func:`unsuplab.training.fit` adds it by default.
    """

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        value = float(np.asarray(loss))
        if np.isfinite(value):
            return
        self.model.stop_training = True
        epoch = getattr(self, "_epoch", 0)
        rate = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        try:
            rate = f"{float(np.asarray(rate)):.3g}"
        except (TypeError, ValueError):
            rate = "its current value"
        raise FloatingPointError(
            f"training of {type(self.model).__name__} diverged: the loss became {value} at "
            f"epoch {epoch + 1}, step {batch + 1}, and the weights are now unusable. "
            f"Lower the learning rate (it was {rate}) and check that the images are in [0, 1] "
            "(uint8 images are scaled for you; float images on the 0..255 scale are not)."
        )

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
