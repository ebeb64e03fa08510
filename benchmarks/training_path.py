"""The training path: ``unsuplab.training.fit`` against the keras-io way (``model.fit`` on NumPy).

The model is the keras-io conv autoencoder (``examples/vision/autoencoder.py``: two 3x3 conv +
max-pool layers of 32 filters, two stride-2 transposed convs of 32, a sigmoid 3x3 conv; Adam,
binary cross-entropy), trained on the 60 000 Fashion-MNIST training images for 5 epochs of
batches of 128, once per process:

- ``keras``: the keras-io way, ``model.fit(x, x, shuffle=True)`` on float32 NumPy arrays in
  [0, 1] (N, 28, 28, 1);
- ``unsuplab``: :func:`unsuplab.training.fit` on the uint8 images (its dataset scales each
  batch; the input is the target).

Both use the same model class, whose loss takes the input as target when no target is given,
so the network, the loss and the optimizer are identical. The two run in alternating fresh
processes, ``--rounds`` rounds (default 3; the order flips every round), each with
:class:`unsuplab.training.IdleMonitor` measuring the share of wall time the process left the
CPU idle. The record: the median wall time of each way, their ratio (keras / unsuplab, target
>= 1.3) and the idle shares. Run alone on a quiet machine, under the CPU lock::

    flock /tmp/unsuplab-cpu.lock .venv/bin/python benchmarks/training_path.py

``--quick`` (6000 images, 1 epoch, 1 round) checks the script in a minute and records nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WAYS = ("keras", "unsuplab")
BATCH_SIZE = 128


def build_model():
    """The keras-io conv autoencoder, compiled (Adam, binary cross-entropy)."""
    import keras
    from keras import layers

    class KerasIOAutoencoder(keras.Model):
        # keras-io's functional model; the input is the target when no target is given
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return super().compute_loss(x, x if y is None else y, y_pred, sample_weight, training)

    inputs = layers.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(inputs)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2), padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
    x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
    model = KerasIOAutoencoder(inputs, x)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def worker(way, n_images, epochs):
    """Train once, the ``way`` given; return wall seconds, per-epoch seconds and idle shares."""
    import keras

    from unsuplab.data import load_fashion_mnist
    from unsuplab.training import IdleMonitor, fit

    (x_train, _), _, _ = load_fashion_mnist()
    images = x_train[:n_images, :, :, None]  # uint8 (N, 28, 28, 1)
    keras.utils.set_random_seed(0)
    model = build_model()
    monitor = IdleMonitor()
    start = time.perf_counter()
    if way == "keras":
        x = images.astype("float32") / 255.0
        model.fit(x, x, epochs=epochs, batch_size=BATCH_SIZE, shuffle=True, verbose=0,
                  callbacks=[monitor])
    else:
        fit(model, images, epochs=epochs, batch_size=BATCH_SIZE, callbacks=[monitor], verbose=0)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "epoch_seconds": monitor.epoch_seconds,
        "idle_share": monitor.epoch_idle_share,
    }


def _run_worker(way, n_images, epochs):
    out = subprocess.run(
        [sys.executable, __file__, "--worker", way, "--n-images", str(n_images),
         "--epochs", str(epochs)],
        capture_output=True, text=True, check=True, env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _idle(result):
    """Idle share of the whole run (epochs weighted by their wall time)."""
    total = sum(result["epoch_seconds"])
    return sum(s * i for s, i in zip(result["epoch_seconds"], result["idle_share"],
                                     strict=True)) / total


def compare(n_images, epochs, rounds):
    """The figures of ``rounds`` alternating rounds."""
    figures = {"n_images": n_images, "epochs": epochs, "batch_size": BATCH_SIZE,
               "rounds": rounds, "load_avg_start": os.getloadavg()[0]}
    runs = {way: [] for way in WAYS}
    for r in range(rounds):
        for way in WAYS if r % 2 == 0 else WAYS[::-1]:
            result = _run_worker(way, n_images, epochs)
            runs[way].append(result)
            print(f"round {r + 1} {way}: {result['seconds']:.1f} s, idle "
                  f"{100 * _idle(result):.0f}% (epochs "
                  + ", ".join(f"{s:.1f} s/{100 * i:.0f}%" for s, i in
                              zip(result["epoch_seconds"], result["idle_share"], strict=True))
                  + ")", flush=True)
            figures[f"round{r + 1}_{way}_s"] = result["seconds"]
            figures[f"round{r + 1}_{way}_idle_share"] = _idle(result)
            figures[f"round{r + 1}_{way}_max_epoch_idle_share"] = max(result["idle_share"])
    for way in WAYS:
        figures[f"{way}_median_s"] = statistics.median(r["seconds"] for r in runs[way])
        figures[f"{way}_idle_share"] = statistics.mean(_idle(r) for r in runs[way])
    figures["speedup"] = figures["keras_median_s"] / figures["unsuplab_median_s"]
    figures["load_avg_end"] = os.getloadavg()[0]
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6000 images, 1 epoch, 1 round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=WAYS, help=argparse.SUPPRESS)
    parser.add_argument("--n-images", type=int, default=60_000, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n_images, args.epochs)), flush=True)
        return None
    if args.quick:
        figures = compare(6000, 1, 1)
        for key, value in figures.items():
            print(f"{key}: {value}")
        return figures
    figures = compare(args.n_images, args.epochs, args.rounds)
    import keras  # noqa: F401  (the machine line names its version and backend)

    from benchmarks.common import record

    notes = (
        "keras = model.fit(x, x, shuffle=True) on float32 NumPy arrays (the keras-io way); "
        "unsuplab = unsuplab.training.fit on uint8 images. Same model (keras-io's conv "
        "autoencoder), loss, optimizer, seed, batch size and epochs; alternating fresh "
        "processes, the order flipped every round. speedup = keras_median_s / "
        "unsuplab_median_s (target >= 1.3); *_idle_share: share of wall time the process left "
        "the CPU idle (IdleMonitor, epochs weighted by time); load_avg_*: 1-minute load."
    )
    record("training_path", figures, notes=notes)
    return figures


if __name__ == "__main__":
    main()
