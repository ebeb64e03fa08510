"""Every chapter's main training on an accelerator: steps per second on JAX, in one call.

For each chapter, the recipe of :mod:`unsuplab.chapters` that trains the chapter's main model
runs from scratch for ``N`` steps (warm-up: the first build and compilation, which JAX then
keeps in its cache), then for ``N`` and for ``2 N`` steps (epoch-based recipes: one and two
epochs of ``N`` batches), on synthetic uint8 images of the chapter's shape (throughput does not
depend on the pixels). Steps per second is ``N / (t(2N) - t(N))``: building, tracing and
loading cancel out, and each recipe returns a trained model, so the device has finished.
With ``--notebooks`` every notebook also runs in full mode (``UNSUPLAB_QUICK=0``) through
:func:`benchmarks.common.run_notebook`, its wall time and kernel peak RSS recorded.

Run on the device machine (JAX, no TensorFlow)::

    KERAS_BACKEND=jax python benchmarks/gpu.py               # steps/s -> results/gpu.json
    KERAS_BACKEND=jax python benchmarks/gpu.py --notebooks   # and the full-mode notebook times

``--smoke`` runs every chapter for a couple of tiny steps on any backend and CPU, records
nothing (a test runs it); ``--chapters 01 05`` limits the run. The backend is the caller's
(``KERAS_BACKEND``, default JAX when run as a script).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: Steps per timed run on an accelerator (the run of 2 N follows) and per smoke run.
STEPS = 50
SMOKE_STEPS = 2
#: Images per step on an accelerator and in the smoke run.
BATCH = 128
SMOKE_BATCH = 4


def _images(n, shape=(28, 28), seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape), dtype=np.uint8)


def _ch01(steps, batch):
    from unsuplab.chapters import ch01

    x = _images(steps * batch)
    return lambda k: ch01.train_autoencoder("conv", 16, x, epochs=k, batch_size=batch)


def _ch02(steps, batch):
    from unsuplab.chapters import ch02

    x = _images(steps * batch)
    return lambda k: ch02.cached_denoiser(x, epochs=k, batch_size=batch, retrain=True)


def _ch03(steps, batch):
    from unsuplab.chapters import ch03

    x = _images(steps * batch)
    return lambda k: ch03.train_vae(x, epochs=k, batch_size=batch)


def _ch04(steps, batch):
    from unsuplab.chapters import ch04

    x = _images(4 * batch, (28, 28, 1))
    per = ch04.STEPS_PER_EPOCH  # the recipe trains whole "epochs" of this many steps
    return lambda k: ch04.train_gan(x, steps=k * per * max(1, steps // per), batch_size=batch)


def _ch05(steps, batch):
    from unsuplab.models import SOM

    x = np.random.default_rng(0).random((steps * batch, 784), dtype=np.float32)
    return lambda k: SOM(
        20, 20, n_iter=k * steps * batch, batch_size=batch, random_state=0, engine="keras"
    ).fit(x)


def _ch06(steps, batch):
    from unsuplab.chapters import ch06

    x = _images(steps * batch)
    return lambda k: ch06.train_contrastive(x, epochs=k, batch_size=batch)


def _ch07(steps, batch):
    from unsuplab.chapters import ch07

    image = _images(1, (64, 64, 3))[0]
    return lambda k: ch07.segment(image, 4, steps=k * steps)


def _ch08(steps, batch):
    from unsuplab.chapters import ch08

    x = _images(4 * batch)
    y = np.arange(len(x)) % 10
    return lambda k: ch08.train_classifier(x, y, steps=k * steps, batch_size=batch)


def _ch09(steps, batch):
    from unsuplab.chapters import ch09

    x = _images(4 * batch)
    y = np.arange(len(x)) % 10  # the chapter's model is class-conditional
    return lambda k: ch09.train_diffusion(x, y, steps=k * steps, batch_size=batch)


#: chapter -> (what trains, recipe factory(steps, batch) -> train(k) running k * steps steps).
CHAPTERS = {
    "01": ("conv autoencoder", _ch01),
    "02": ("denoising U-Net", _ch02),
    "03": ("conv VAE", _ch03),
    "04": ("DCGAN (generator steps)", _ch04),
    "05": ("SOM 20x20, keras engine (updates)", _ch05),
    "06": ("contrastive encoder", _ch06),
    "07": ("deep feature clustering segmentation", _ch07),
    "08": ("few-label CNN", _ch08),
    "09": ("diffusion model", _ch09),
}


def steps_of(chapter, steps):
    """Steps the difference of the two runs of ``chapter`` stands for."""
    if chapter == "04":
        from unsuplab.chapters import ch04

        per = ch04.STEPS_PER_EPOCH
        return per * max(1, steps // per)
    if chapter == "02":  # passes are logged as LOGS_PER_EPOCH Keras epochs of whole batches
        from unsuplab.chapters import ch02

        return -(-steps // ch02.LOGS_PER_EPOCH) * ch02.LOGS_PER_EPOCH
    return steps


def time_chapter(chapter, steps, batch):
    """``(steps per second, seconds of the N-step run, seconds of the 2N-step run)``, after a
    warm-up run of N steps."""
    train = CHAPTERS[chapter][1](steps, batch)
    train(1)  # the first compilation: JAX reuses it for the same shapes
    seconds = []
    for k in (1, 2):
        start = time.perf_counter()
        train(k)
        seconds.append(time.perf_counter() - start)
    extra = seconds[1] - seconds[0]
    rate = steps_of(chapter, steps) / extra if extra > 0 else float("nan")
    return rate, seconds[0], seconds[1]


def run(chapters=tuple(CHAPTERS), *, smoke=False, notebooks=False):
    """Time ``chapters``; return the flat figures (``chNN_steps_per_s``, ...)."""
    from benchmarks.common import trained_here

    steps, batch = (SMOKE_STEPS, SMOKE_BATCH) if smoke else (STEPS, BATCH)
    figures = {"steps": steps, "batch_size": batch}
    cache = tempfile.mkdtemp(prefix="unsuplab-gpu-cache-")
    saved = os.environ.get("UNSUPLAB_CACHE")
    os.environ["UNSUPLAB_CACHE"] = cache  # ch02's recipe saves what it trains: not the user's
    try:
        with trained_here("quick" if smoke else "full"):
            for chapter in chapters:
                rate, first, second = time_chapter(chapter, steps, batch)
                figures[f"ch{chapter}_steps_per_s"] = rate
                figures[f"ch{chapter}_n_steps_s"] = first
                figures[f"ch{chapter}_2n_steps_s"] = second
                print(f"chapter {chapter}: {rate:.2f} steps/s ({first:.1f} s, {second:.1f} s)",
                      flush=True)
    finally:
        if saved is None:
            os.environ.pop("UNSUPLAB_CACHE", None)
        else:
            os.environ["UNSUPLAB_CACHE"] = saved
    if notebooks and not smoke:
        from benchmarks.common import ROOT, run_notebook

        for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            number = path.name[:2]
            if number not in chapters and number != "00":
                continue
            result = run_notebook(path, quick=False, cold_cache=True, timeout=3600)
            figures[f"notebook_{number}_full_s"] = result["seconds"]
            figures[f"notebook_{number}_peak_rss_mb"] = result["peak_rss_mb"]
            figures[f"notebook_{number}_full_env"] = result["env"]  # the settings it ran with
            print(f"notebook {path.name}: {result['seconds']:.0f} s", flush=True)
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny steps; record nothing")
    parser.add_argument("--notebooks", action="store_true", help="also full-mode notebooks")
    parser.add_argument("--chapters", nargs="+", choices=sorted(CHAPTERS), default=None)
    args = parser.parse_args(argv)
    figures = run(tuple(args.chapters or CHAPTERS), smoke=args.smoke, notebooks=args.notebooks)
    if args.smoke:
        for key, value in figures.items():
            print(f"{key}: {value}")
        return figures
    import keras

    from benchmarks.common import record

    backend = keras.backend.backend()
    devices = ""
    if backend == "jax":
        import jax

        devices = ", ".join(str(d) for d in jax.devices())
    notes = (
        f"Backend {backend} on {devices or 'the default device'}. chNN_steps_per_s = N / "
        f"(t(2N) - t(N)) after a warm-up run of N, N = {STEPS} steps of {BATCH} synthetic "
        "images (ch04: generator "
        "steps in whole epochs of STEPS_PER_EPOCH; ch05: SOM updates, keras engine; ch07: "
        "optimisation steps on one 64x64 image); chNN_n_steps_s and chNN_2n_steps_s are the "
        "two runs, building and compiling included. notebook_NN_full_s: full mode, empty "
        "model cache, UNSUPLAB_PRETRAINED=0."
    )
    record("gpu", figures, notes=notes, merge=True)
    return figures


if __name__ == "__main__":
    # JAX unless told otherwise, set before Keras is imported; not in main(), which a test calls
    # in a process whose backend is already chosen (the variable would leak to its subprocesses)
    os.environ.setdefault("KERAS_BACKEND", "jax")
    main()
