"""Chapter 04 benchmark: DCGAN, hinge + spectral norm and WGAN-GP at an equal wall-clock budget.

Usage (under the machine's CPU lock):
    flock /tmp/unsuplab-cpu.lock .venv/bin/python benchmarks/gan.py
    ... --notebooks quick|full|both|none   # time the notebook from an empty model cache
    ... --smoke                            # tiny sizes and budgets: a check, no record

Protocol: ``unsuplab.chapters.ch04`` (the notebook runs the same functions). Full mode:
60 000 training images; every GAN variant is trained for the same wall-clock budget
``gan.budget_s`` (40 s, including the first step's tracing; ``unsuplab.training.TimeBudget``,
batch 64) from each seed of ``gan.seeds`` (0, 1, 2), with the variant's two Adam optimizers
(``ch04.VARIANTS``). Scores:
10 000 samples (codes seed 1) against the 10 000 test images, on the 64-d features of the
domain classifier (3 epochs on the training images; its test accuracy is recorded): FID,
KID (10 subsets of 1 000), precision/recall/density/coverage (k = 5) and the classifier's
class shares. ``fid_floor``: 10 000 training images against the test images. The VAE is
chapter 03's convolutional VAE with a 16-d code (``ch04.cached_vae``), sampled from its
prior. ``collapse`` (DCGAN with its rules broken) runs once (seed 0) at the same budget.

Keys (at least): ``classifier_test_acc``, ``fid_floor``, ``dcgan_fid_mean``, ``dcgan_fid_sd``,
``stable_fid_mean``, ``stable_fid_sd``, ``stable_name``, ``best_gan_fid`` (the variant with
the lowest mean FID; its mean), ``vae_fid``, ``best_gan_precision``, ``best_gan_recall``,
``best_gan_coverage`` (means over seeds), ``best_gan_min_class_share``,
``best_gan_max_class_share`` (the extremes over its seeds), ``budget_s``,
``notebook_full_s``, ``notebook_quick_s``, ``peak_rss_mb``; per variant ``<v>_*`` means and
sds, ``<v>_s_per_step``, ``<v>_steps``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.common import ROOT, notebook_benchmark  # noqa: E402
from unsuplab import config  # noqa: E402
from unsuplab.chapters import ch04  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "04_generative_adversarial_networks.ipynb"
COMPARED = ("dcgan", "hinge_sn", "wgan_gp")
SCORES = ("fid", "kid", "precision", "recall", "density", "coverage", "min_class_share",
          "max_class_share")


def _scores(images, real, classifier):
    s = ch04.generative_scores(images, real, classifier)
    return {k: float(s[k]) for k in SCORES}


def gan_figures(smoke=False):
    n = 400 if smoke else None
    data = ch04.load_data(train_size=2000 if smoke else None, test_size=n)
    n = n or ch04.eval_size()
    budget = 3.0 if smoke else float(config.setting("gan.budget_s"))
    seeds = (0,) if smoke else tuple(config.setting("gan.seeds"))
    figures = {"budget_s": budget, "seeds": len(seeds), "n_samples": n,
               "train_images": len(data.x_train)}
    start = time.perf_counter()
    classifier, _ = ch04.cached_classifier(data.x_train, data.y_train,
                                           epochs=1 if smoke else None)
    figures["classifier_test_acc"] = classifier.accuracy(data.x_test, data.y_test)
    figures["classifier_s"] = time.perf_counter() - start
    real = classifier.features(data.x_test[:n])
    figures["fid_floor"] = ch04.fid_floor(data.x_train, data.x_test, classifier, n=n)
    runs = {}
    for variant in (*COMPARED, "collapse"):
        for seed in seeds if variant != "collapse" else (0,):
            gan = ch04.train_gan(data.x_train, variant, seconds=budget, seed=seed)
            scores = _scores(gan.generate(n, seed=1), real, classifier)
            scores["s_per_step"] = gan.train_seconds / gan.train_steps
            scores["steps"] = gan.train_steps
            runs.setdefault(variant, []).append(scores)
            print(f"{variant} seed {seed}: {gan.train_steps} steps, FID {scores['fid']:.3f}, "
                  f"classes {scores['min_class_share']:.3f}-{scores['max_class_share']:.3f}",
                  flush=True)
    for variant, rows in runs.items():
        for key in (*SCORES, "s_per_step", "steps"):
            values = [r[key] for r in rows]
            figures[f"{variant}_{key}_mean" if key in ("fid", "kid") else f"{variant}_{key}"] = \
                float(np.mean(values))
            if key == "fid":
                figures[f"{variant}_fid_sd"] = float(np.std(values))
                figures[f"{variant}_fid_max"] = float(np.max(values))
        figures[f"{variant}_min_class_share_worst"] = min(r["min_class_share"] for r in rows)
        figures[f"{variant}_max_class_share_worst"] = max(r["max_class_share"] for r in rows)
    best = min(COMPARED, key=lambda v: figures[f"{v}_fid_mean"])
    figures.update({
        "stable_name": ch04.STABLE,
        "stable_fid_mean": figures[f"{ch04.STABLE}_fid_mean"],
        "stable_fid_sd": figures[f"{ch04.STABLE}_fid_sd"],
        "best_gan_name": best,
        "best_gan_fid": figures[f"{best}_fid_mean"],
        "best_gan_precision": figures[f"{best}_precision"],
        "best_gan_recall": figures[f"{best}_recall"],
        "best_gan_coverage": figures[f"{best}_coverage"],
        "best_gan_min_class_share": figures[f"{best}_min_class_share_worst"],
        "best_gan_max_class_share": figures[f"{best}_max_class_share_worst"],
    })
    start = time.perf_counter()
    vae, _ = ch04.cached_vae(latent_dim=16)
    figures["vae_s"] = time.perf_counter() - start
    vae_scores = _scores(vae.sample(n, seed=1), real, classifier)
    figures.update({f"vae_{k}": v for k, v in vae_scores.items()})
    figures["best_gan_fid_over_vae"] = figures["best_gan_fid"] / figures["vae_fid"]
    return figures


def main(argv=None):
    notebook_benchmark("gan", NOTEBOOK, gan_figures, _notes, argv=argv,
                       description=__doc__.splitlines()[0], smoke_flag="--smoke")


def _notes(figures):
    return (f"Equal wall-clock budget of {figures['budget_s']:.0f} s per GAN run (batch 64, "
            f"{figures['seeds']} seeds), 10 000 samples vs the 10 000 test images on the "
            "domain classifier's 64-d features. Targets: stable_fid_mean < dcgan_fid_mean "
            "with stable_fid_sd < dcgan_fid_sd; best_gan_fid <= vae_fid / 2; every class "
            "share of the best GAN in [0.05, 0.15]; full notebook <= 15 min and <= 2048 MiB; "
            "quick notebook <= 60 s. peak_rss_mb is the full notebook's kernel.")


if __name__ == "__main__":
    main()
