"""Chapter 08 benchmark: few-label classification with unsupervised pretraining, and
generative augmentation, on Fashion-MNIST.

Usage (under the machine's CPU lock):
    flock /tmp/unsuplab-cpu.lock .venv/bin/python benchmarks/pretraining.py
    ... --notebooks quick|full|both|none   # time the notebook cold (default: quick)
    ... --smoke                            # tiny sizes, 2 draws: a check, no record

Protocol: ``unsuplab.chapters.ch08`` (the notebook runs the same functions), full mode:
all 60 000 training images are the unlabelled pool (pretraining without labels), all
10 000 test images are scored; label budgets 10, 100, 1 000, 10 000, 5 class-balanced
seeded draws each (seeds 0-4), the same draws for every method; the CNN methods on 100 and
1 000 labels. Each representation is pretrained from an empty model cache (``pretrain_s``:
its wall seconds, ``<name>_pretrain_s`` each). Augmentation: the scratch CNN on 100 labels
with and without 1 000 synthetic images, paired over the 5 draws, 95% Student-t interval
of the gain (accuracy points as fractions). The chapter's method (``best_name``) was fixed
on a validation split of the training set before this run (``ch08.BEST``); ``max_*`` keys
give the best of every pair on the test set, for transparency only.

Keys (at least): ``pixels_100``, ``pixels_1000``, ``ae_100``, ``ae_1000`` (linear probes),
``best_name``, ``best_100_mean``, ``best_100_sd``, ``best_1000_mean``, ``best_1000_sd``,
``scratch_cnn_100``, ``scratch_cnn_1000``, ``augment_latent_gain_100``,
``augment_latent_ci95`` (half-width; ``_low``/``_high`` the interval),
``augment_generative_gain_100``, ``augment_generative_ci95``, ``pretrain_s``,
``notebook_full_s``, ``notebook_quick_s``, ``peak_rss_mb``.
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
from benchmarks.common import ROOT, notebook_figures, peak_rss_mb, record, trained_here  # noqa: E402
from unsuplab.chapters import ch08  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "08_pretraining_and_augmentation.ipynb"
PAIRS = ch08.PAIRS  # what the notebook runs


def _key(rep, method):
    return "scratch_cnn" if method == "scratch" else f"{rep}_{method}"


def protocol_figures(smoke=False):
    """Pretrain, run every pair, run both augmentations; the flat figures."""
    sizes = {"train_size": 2000, "test_size": 500} if smoke else {}
    data = ch08.load_data(**sizes)
    figures = {"n_pool": len(data.x_train), "n_test": len(data.x_test)}
    feats, total = {}, 0.0
    for name in ch08.REPRESENTATIONS:
        start = time.perf_counter()
        feats[name] = ch08.features(name, data, verbose=0)
        seconds = time.perf_counter() - start
        figures[f"{name}_pretrain_s"] = seconds
        figures[f"{name}_dim"] = int(feats[name].train.shape[1])
        total += seconds
        print(f"{name}: {seconds:.1f} s, {feats[name].train.shape[1]} features", flush=True)
    figures["pretrain_s"] = total
    counts = (10, 100) if smoke else None
    draws = 2 if smoke else None
    start = time.perf_counter()
    records = ch08.run_protocol(data, feats, PAIRS, label_counts=counts, n_draws=draws,
                                verbose=True)
    figures["protocol_s"] = time.perf_counter() - start
    rows = ch08.summarize(records)
    for r in rows:
        key = f"{_key(r['representation'], r['method'])}_{r['n_labels']}"
        figures[key] = r["mean"]
        figures[f"{key}_sd"] = r["sd"]
    for rep in ("pixels", "ae"):  # the names: linear probes
        for n in (100, 1000):
            if f"{rep}_probe_{n}" in figures:
                figures[f"{rep}_{n}"] = figures[f"{rep}_probe_{n}"]
    best = _key(*ch08.BEST)
    figures["best_name"] = f"{ch08.BEST[0]} + {ch08.BEST[1]}"
    for n in (100, 1000):
        if f"{best}_{n}" in figures:
            figures[f"best_{n}_mean"] = figures[f"{best}_{n}"]
            figures[f"best_{n}_sd"] = figures[f"{best}_{n}_sd"]
            at_n = [r for r in rows if r["n_labels"] == n]
            top = max(at_n, key=lambda r: r["mean"])
            figures[f"max_{n}_name"] = _key(top["representation"], top["method"])
            figures[f"max_{n}_mean"] = top["mean"]
    if "scratch_cnn_100" in figures and "best_100_mean" in figures:
        figures["best_minus_scratch_100"] = figures["best_100_mean"] - figures[
            "scratch_cnn_100"]
    vae = feats["vae"].encoder
    start = time.perf_counter()
    results = ch08.augment_experiments(data, vae, n_draws=draws, verbose=True)
    figures["augment_s"] = time.perf_counter() - start
    for kind, out in results.items():
        g = out["gain"]
        figures[f"augment_{kind}_gain_100"] = g["mean"]
        figures[f"augment_{kind}_ci95"] = g.get("half_width", float("nan"))
        figures[f"augment_{kind}_ci95_low"] = g["low"]
        figures[f"augment_{kind}_ci95_high"] = g["high"]
        figures[f"augment_{kind}_plain_100"] = float(np.mean(out["plain"]))
        figures[f"augment_{kind}_kept"] = float(np.mean(out["kept"]))
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", choices=("quick", "full", "both", "none"),
                        default="quick", help="time the notebook cold in these modes")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; record nothing")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="unsuplab-bench08-") as cache:
        os.environ["UNSUPLAB_CACHE"] = cache  # an empty model cache: every model trains
        with trained_here("full"):
            figures = protocol_figures(smoke=args.smoke)
    figures["bench_peak_rss_mb"] = peak_rss_mb()
    figures["peak_rss_mb"] = figures["bench_peak_rss_mb"]
    if args.smoke:
        for key, value in figures.items():
            print(f"{key}: {value}")
        return
    notes = (f"Chapter method fixed beforehand on a validation split of the training set: "
             f"{figures['best_name']}. Targets: best_100_mean >= 0.75, best_1000_mean >= "
             f"0.83, best_minus_scratch_100 >= 0.05, pretrain_s within the full notebook's "
             f"15 min. *_ci95 = half-width of the paired 95% t interval over 5 draws.")
    if args.notebooks != "none":
        figures.update(notebook_figures(NOTEBOOK, args.notebooks))
        full_peak = figures.get("notebook_full_peak_rss_mb", 0.0)
        figures["peak_rss_mb"] = max(figures["peak_rss_mb"], full_peak)
    figures = {k: v for k, v in figures.items()
               if not (isinstance(v, float) and not np.isfinite(v))}
    record("pretraining", figures, notes=notes)


if __name__ == "__main__":
    main()
