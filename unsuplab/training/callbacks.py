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


class ReconstructionGrid(keras.callbacks.Callback):
    """At the end of each epoch, reconstruct a few fixed images and keep (or save) the grid.

    Args:
        images: float images in [0, 1], shape (n, H, W, C), shown in the first row.
        every: draw every ``every`` epochs.
        save_as: if given, a figure name for :func:`unsuplab.viz.save_fig` (epoch appended).
        corrupt: optional function applied to ``images`` before the model (for correction
            models: the grid then shows corrupted / output / clean).

    The last figure is in ``self.figure``; ``self.history`` keeps the reconstructions.
    """

    def __init__(self, images, *, every=1, save_as=None, corrupt=None):
        super().__init__()
        from .._validation import check_images

        self.images = check_images(images, "images", ndim=4)
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer. Received: every={every!r}")
        self.every = every
        self.save_as = save_as
        self.corrupt = corrupt
        self.figure = None
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        import matplotlib.pyplot as plt

        from ..viz import image_rows, save_fig

        inputs = self.corrupt(self.images) if self.corrupt is not None else self.images
        outputs = np.asarray(self.model.predict(inputs, verbose=0))
        self.history.append(outputs)
        rows = {"input": inputs, "output": outputs}
        if self.corrupt is not None:
            rows["clean"] = self.images
        if self.figure is not None:
            plt.close(self.figure)
        self.figure = image_rows(rows, n=len(self.images), title=f"epoch {epoch + 1}")
        if self.save_as:
            save_fig(self.figure, f"{self.save_as}_epoch{epoch + 1:03d}")
