"""Chapter 09 benchmark: diffusion and flow matching against chapter 04's GANs and chapter 03's
VAE, on chapter 04's domain features; samplers against steps; guidance; the Tweedie bridge.

Usage (under the machine's CPU lock):
    flock /tmp/unsuplab-cpu.lock .venv/bin/python benchmarks/diffusion.py
    ... --notebooks quick|full|both|none   # time the notebook from an empty model cache
    ... --quick                            # tiny sizes and budgets: a smoke test, no record

Protocol (``unsuplab.chapters.ch09`` and ``ch04``; the notebook runs the same functions). Full
mode: 60 000 training images. Scores as chapter 04's: ``n`` = 10 000 samples against the
10 000 test images on the 64-d features of the domain classifier (``ch04.cached_classifier``):
FID, KID, precision, recall, density, coverage, smallest and largest class share.

- **Equal budget with the GANs** (``diffusion_*``): the class-conditional ε-model trained for
  ``gan.budget_s`` seconds of wall time (``unsuplab.training.TimeBudget``) from each seed of
  ``gan.seeds``, sampled unconditionally (the "no label" token) with DDIM at
  ``diffusion.bench_steps`` steps; the GANs (DCGAN and hinge + spectral norm) trained for the
  same budget from the same seeds in the same run (``best_gan_fid``: the lower mean); the VAE
  is chapter 03's convolutional VAE with a 16-d code (``vae_fid``).
- **The notebook's full-mode budget** (``full_*``): ``ch09.train_diffusion`` with the full
  settings, from each seed; for seed 0 also every sampler at ``diffusion.bench_sweep`` steps
  (``<sampler><steps>_fid``, ``<sampler>_samples_per_s`` at the bench step count, with the
  flow-matching model for Euler and Heun), and the guidance sweep (``guided_class_acc``: the
  largest share of samples the classifier assigns to the requested class, ``guided_fid`` and
  ``guided_w`` there; ten classes in equal numbers).
- **The shipped model** (``shipped_*``), when ``unsuplab/pretrained/`` holds one.
- **Tweedie bridge**: ``Diffusion.denoise`` and chapter 02's blind U-Net
  (``ch02.cached_denoiser``) on the same 1 000 test images with Gaussian noise of σ = 25/255
  (``ch02.noisy_test_sets``): ``tweedie_s25_psnr_db``, ``unet_s25_psnr_db``.

Keys (at least): ``vae_fid``, ``best_gan_fid``, ``budget_s``, ``diffusion_fid_mean``,
``full_fid_mean``, ``shipped_fid``, ``shipped_recall``, ``shipped_min_class_share``,
``shipped_max_class_share``, ``ddim25_fid``, ``ddim250_fid``, ``guided_class_acc``,
``guided_fid``, ``tweedie_s25_psnr_db``, ``unet_s25_psnr_db``, ``notebook_full_s``,
``notebook_quick_s``, ``peak_rss_mb``; ``*_s_per_step`` and ``*_steps`` for each training.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.common import ROOT, notebook_benchmark  # noqa: E402
from unsuplab import config, metrics  # noqa: E402
from unsuplab.chapters import ch02, ch04, ch09  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "09_diffusion_models.ipynb"
SCORES = ("fid", "kid", "precision", "recall", "density", "coverage", "min_class_share",
          "max_class_share")
GANS = ("dcgan", "hinge_sn")
#: Sampler -> the model it samples ("eps": the ε-prediction model, "flow": flow matching).
SAMPLERS = {"ddpm": "eps", "ddim": "eps", "euler": "flow", "heun": "flow"}


def _scores(images, real, classifier):
    s = ch04.generative_scores(images, real, classifier)
    return {k: float(s[k]) for k in SCORES}


def _summarise(figures, prefix, rows):
    """Means (and the FID's sd) over seeds, extremes of the class shares."""
    for key in SCORES:
        values = [r[key] for r in rows]
        figures[f"{prefix}_{key}_mean" if key in ("fid", "kid") else f"{prefix}_{key}"] = \
            float(np.mean(values))
    figures[f"{prefix}_fid_sd"] = float(np.std([r["fid"] for r in rows]))
    figures[f"{prefix}_min_class_share_worst"] = min(r["min_class_share"] for r in rows)
    figures[f"{prefix}_max_class_share_worst"] = max(r["max_class_share"] for r in rows)
    for key in ("s_per_step", "steps"):
        if key in rows[0]:
            figures[f"{prefix}_{key}"] = float(np.mean([r[key] for r in rows]))


def _timed_generate(model, n, **kwargs):
    start = time.perf_counter()
    images = model.generate(n, **kwargs)
    return images, n / (time.perf_counter() - start)


def diffusion_figures(quick=False):
    n = 300 if quick else None
    data = ch09.load_data(train_size=2000 if quick else None, test_size=n)
    n = n or ch04.eval_size()
    budget = 3.0 if quick else float(config.setting("gan.budget_s"))
    seeds = (0,) if quick else tuple(config.setting("gan.seeds"))
    bench_steps = 5 if quick else config.setting("diffusion.bench_steps")
    sweep = (2, 5) if quick else tuple(config.setting("diffusion.bench_sweep"))
    guidance = (0.0, 1.0, 3.0) if quick else tuple(config.setting("diffusion.guidance"))
    figures = {"budget_s": budget, "seeds": len(seeds), "n_samples": n,
               "train_images": len(data.x_train), "bench_steps": bench_steps}
    classifier, _ = ch04.cached_classifier(data.x_train, data.y_train,
                                           epochs=1 if quick else None)
    figures["classifier_test_acc"] = classifier.accuracy(data.x_test, data.y_test)
    real = classifier.features(data.x_test[:n])
    figures["fid_floor"] = ch04.fid_floor(data.x_train, data.x_test, classifier, n=n)

    # --- the same wall-clock budget as chapter 04's GANs, in the same run ------------------
    runs = {}
    for seed in seeds:
        for variant in GANS:
            gan = ch04.train_gan(data.x_train, variant, seconds=budget, seed=seed)
            row = _scores(gan.generate(n, seed=1), real, classifier)
            row.update(s_per_step=gan.train_seconds / gan.train_steps, steps=gan.train_steps)
            runs.setdefault(variant, []).append(row)
        model = ch09.train_diffusion(data.x_train, data.y_train, objective="eps",
                                     conditional=True, seconds=budget, seed=seed)
        row = _scores(model.generate(n, steps=bench_steps, sampler="ddim", seed=1), real,
                      classifier)
        row.update(s_per_step=model.train_seconds / model.train_steps,
                   steps=model.train_steps)
        runs.setdefault("diffusion", []).append(row)
        print(f"budget {budget:.0f} s, seed {seed}: " + ", ".join(
            f"{k} FID {v[-1]['fid']:.3f}" for k, v in runs.items()), flush=True)
    for name, rows in runs.items():
        _summarise(figures, name, rows)
    best = min(GANS, key=lambda v: figures[f"{v}_fid_mean"])
    figures["best_gan_name"] = best
    figures["best_gan_fid"] = figures[f"{best}_fid_mean"]
    vae, _ = ch04.cached_vae(latent_dim=16)
    figures.update({f"vae_{k}": v for k, v in _scores(vae.sample(n, seed=1), real,
                                                        classifier).items()})

    # --- the notebook's full-mode budget --------------------------------------------------
    rows = []
    models = {}
    short = {"steps": 30} if quick else {}
    for seed in seeds:
        model = ch09.train_diffusion(data.x_train, data.y_train, objective="eps",
                                     conditional=True, seed=seed, **short)
        if seed == seeds[0]:  # the sampler sweep and guidance use seed 0's models
            models["eps"] = model
            models["flow"] = ch09.train_diffusion(data.x_train, data.y_train, objective="flow",
                                                  conditional=True, seed=seed, **short)
        images = model.generate(n, steps=bench_steps, sampler="ddim", seed=1)
        row = _scores(images, real, classifier)
        row.update(s_per_step=model.train_seconds / model.train_steps, steps=model.train_steps)
        rows.append(row)
    _summarise(figures, "full", rows)
    for sampler, objective in SAMPLERS.items():
        for steps in sweep:
            images, rate = _timed_generate(models[objective], n, steps=steps, sampler=sampler,
                                           seed=1)
            figures[f"{sampler}{steps}_fid"] = _scores(images, real, classifier)["fid"]
            figures[f"{sampler}{steps}_samples_per_s"] = rate
            print(f"{sampler} {steps} steps: FID {figures[f'{sampler}{steps}_fid']:.3f}, "
                  f"{rate:.1f} samples/s", flush=True)
    labels = np.arange(n) % 10
    best_w = None
    for w in guidance:
        images = models["eps"].generate(n, steps=bench_steps, sampler="ddim", labels=labels,
                                        guidance=w, seed=1)
        agree = float(np.mean(classifier.predict_classes(images) == labels))
        figures[f"guided_w{w:g}_class_acc"] = agree
        figures[f"guided_w{w:g}_fid"] = _scores(images, real, classifier)["fid"]
        if best_w is None or agree > figures[f"guided_w{best_w:g}_class_acc"]:
            best_w = w
    figures.update(guided_w=best_w, guided_class_acc=figures[f"guided_w{best_w:g}_class_acc"],
                   guided_fid=figures[f"guided_w{best_w:g}_fid"])

    # --- the Tweedie bridge to chapter 02 ----------------------------------------------------
    d02 = ch02.load_data(photos=False)
    clean = d02.x_test[: (100 if quick else 1000)]
    noisy = ch02.noisy_test_sets(clean, levels=(25,))[25]
    unet, _ = ch02.cached_denoiser(d02.x_train, **({"epochs": 1} if quick else {}))
    figures["unet_s25_psnr_db"] = metrics.psnr(np.asarray(unet.denoise(noisy)), clean)
    restored = models["eps"].denoise(noisy[..., None], 25 / 255)[..., 0]
    figures["tweedie_s25_psnr_db"] = metrics.psnr(restored, clean)
    figures["noisy_s25_psnr_db"] = metrics.psnr(noisy, clean)

    # --- the shipped model (read from the manifest: never trained here) ---------------------
    from unsuplab.models.diffusion import Diffusion
    from unsuplab.training import pretrained

    name = ch09.model_name("eps", True)
    if name in pretrained.manifest():
        shipped = pretrained.load(name, Diffusion)
        images, rate = _timed_generate(shipped, n, steps=bench_steps, sampler="ddim", seed=1)
        figures.update({f"shipped_{k}": v for k, v in _scores(images, real, classifier).items()})
        figures["shipped_samples_per_s"] = rate
    else:
        print(f"no shipped model {name!r}: the shipped_* keys are missing", flush=True)
    return figures


def main(argv=None):
    return notebook_benchmark("diffusion", NOTEBOOK, diffusion_figures, _notes, argv=argv,
                              description=__doc__.splitlines()[0], smoke_flag="--quick",
                              smoke_mode="quick")


def _notes(figures):
    return (f"{figures['n_samples']} samples vs the test images on the domain classifier's "
            f"64-d features, {figures['seeds']} seeds. diffusion_* and the GANs: the same "
            f"{figures['budget_s']:.0f} s of training wall time each; full_*: the notebook's "
            "full-mode training. Targets: full_fid_mean < vae_fid and < best_gan_fid; "
            "shipped_fid <= vae_fid / 2, shipped_recall >= 0.5, class shares in [0.07, 0.13];"
            " ddim25_fid within 10% of ddim250_fid; guided_class_acc >= 0.95; "
            "tweedie_s25_psnr_db within 1 dB of unet_s25_psnr_db; full notebook <= 15 min "
            "and <= 2 GiB; quick notebook <= 60 s.")


if __name__ == "__main__":
    main()
