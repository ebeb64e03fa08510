"""Chapter 02 benchmark: correction networks against the classical restoration methods.

Usage:
    python benchmarks/correction.py                    # full: 1000 test images, 4 photos
    python benchmarks/correction.py --quick            # smoke run, recorded as correction_quick
    python benchmarks/correction.py --classical-only   # fill the classical cache (BM3D), no record
    python benchmarks/correction.py --notebook none    # skip the notebook timings
    python benchmarks/correction.py --notebook-only full  # time the notebook, add to last record
    python benchmarks/correction.py --only networks    # denoiser + inpainter PSNR only,
                                                       # recorded as correction_networks

Protocol: :mod:`unsuplab.chapters.ch02`, the notebook's own (``load_data``,
``noisy_test_sets``, ``hole_test_set``, the ``cached_*`` recipes), so its numbers are a subset
of these:

- Fashion-MNIST test images: a class-stratified subset of ``correction.test_size`` (1000 in
  full mode), ``data.subset(..., seed=0)``.
- Gaussian noise σ = 25/255 and 50/255, clipped to [0, 1] (``ch02.noisy_test_sets``, seeds 25
  and 50): what a saved image holds. The blind denoiser never sees σ; every classical method
  is given the true σ (an oracle advantage).
- Inpainting: one 10x10 hole per image (``ch02.hole_test_set``, seed 10); PSNR on the hole
  pixels only (``hole_psnr``, whose error is floored at 8-bit quantization noise, so a hole
  on the black background that is filled exactly scores 58.9 dB, not an infinite PSNR).
- Self-supervised: the grey photographs ``correction.photos`` of scikit-image, shorter side
  ``correction.photo_size``, σ = 25/255 (seed 100 + i); the blind-spot network is trained on
  these noisy photos only, BM3D gets the true σ. Its prior is averaged over the four
  quarter turns of each photo (``BlindSpotDenoiser.prior(augment=True)``).
- PSNR: mean over images of the per-image PSNR, peak 1. Times: seconds per image of one core
  (classical: CPU time summed over the workers; networks: wall time of ``predict`` on the
  whole batch, which uses both cores).

Classical results are cached in ``build/bench/correction/`` by chunks of 100 images (BM3D on
1000 images x 2 σ costs ~15-30 CPU minutes here), keyed by method, σ and image range (the
seeds are fixed), so a stopped run resumes; delete the folder to recompute.
Models come from the model cache when present (``cached_denoiser`` etc.), so
``*_train_s`` is only reported for models trained in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import RESULTS_DIR, ROOT, notebook_figures, peak_rss_mb, record, trained_here  # noqa: E402

from unsuplab import metrics  # noqa: E402
from unsuplab.chapters import ch02  # noqa: E402
from unsuplab.metrics import hole_psnr  # noqa: E402
from unsuplab.models import classical  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "02_correction_autoencoders.ipynb"
CACHE = ROOT / "build" / "bench" / "correction"
HOLE = ch02.TEST_HOLE
CHEAP = ("tv", "nl_means", "wavelet")
N_JOBS = 2


def _cached(key, compute):
    """Load ``key`` from the classical cache or compute ``(images, seconds_per_image)``."""
    path = CACHE / f"{key}.npz"
    if path.is_file():
        with np.load(path) as f:
            return f["images"], float(f["seconds_per_image"])
    images, per_image = compute()
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, images=images, seconds_per_image=per_image)
    os.replace(tmp, path)
    return images, per_image


def _denoise_in_chunks(noisy, sigma, method, key, chunk=100):
    """Classical denoising of a large batch, cached chunk by chunk (a stopped run resumes)."""
    outs, times = [], []
    for start in range(0, len(noisy), chunk):
        part = noisy[start : start + chunk]

        def compute(part=part):
            r = classical.denoise(part, sigma, method=method, n_jobs=N_JOBS)
            return r.images, r.seconds_per_image

        out, per_image = _cached(f"{key}_{start}-{start + len(part)}", compute)
        outs.append(out)
        times.append(per_image * len(part))
        print(f"  {key}: {start + len(part)}/{len(noisy)} images, "
              f"{per_image:.3f} s/image", flush=True)
    return np.concatenate(outs), float(sum(times)) / len(noisy)


def classical_figures(d):
    x = d.x_test
    figures = {}
    for s, noisy in ch02.noisy_test_sets(x).items():
        for method in ("bm3d", *CHEAP):
            out, per_image = _denoise_in_chunks(noisy, s / 255, method, f"{method}_s{s}_n{len(x)}")
            figures[f"{method}_s{s}_psnr_db"] = metrics.psnr(out, x)
            figures[f"{method}_s{s}_ssim"] = metrics.ssim(out, x)
            figures[f"{method}_s{s}_s_per_image"] = per_image
    n = len(x)
    masked, mask = ch02.hole_test_set(x)

    def inpaint():
        r = classical.inpaint(masked, mask, n_jobs=N_JOBS)
        return r.images, r.seconds_per_image

    out, per_image = _cached(f"biharmonic_h{HOLE}_n{n}", inpaint)
    figures["biharmonic_hole_psnr_db"] = hole_psnr(x, out, mask)
    figures["biharmonic_s_per_image"] = per_image
    values, times = [], []
    for name, clean, noisy in zip(d.photo_names, d.clean_photos, d.noisy_photos, strict=True):
        def compute(noisy=noisy):
            r = classical.denoise(noisy, ch02.PHOTO_SIGMA, method="bm3d")
            return r.images, r.seconds_per_image

        out, per_image = _cached(f"bm3d_photo_{name}_{clean.shape[0]}x{clean.shape[1]}", compute)
        values.append(metrics.psnr(out, clean))
        times.append(per_image)
        figures[f"bm3d_photo_{name}_psnr_db"] = values[-1]
    figures["bm3d_photo_s25_psnr_db"] = float(np.mean(values))
    figures["bm3d_photo_s_per_image"] = float(np.mean(times))
    return figures


def network_figures(d, *, photos=True):
    """The denoiser's and the inpainter's figures, and (with ``photos``) the blind spot's."""
    x = d.x_test
    figures = {}
    start = time.perf_counter()
    dae, trained = ch02.cached_denoiser(d.x_train)
    if trained:
        figures["dae_train_s"] = time.perf_counter() - start
    figures["dae_params"] = dae.count_params()
    for s, noisy in ch02.noisy_test_sets(x).items():
        start = time.perf_counter()
        out = dae.denoise(noisy)
        figures[f"dae_s{s}_s_per_image"] = (time.perf_counter() - start) / len(x)
        figures[f"noisy_s{s}_psnr_db"] = metrics.psnr(noisy, x)
        figures[f"dae_s{s}_psnr_db"] = metrics.psnr(out, x)
        figures[f"dae_s{s}_ssim"] = metrics.ssim(out, x)

    start = time.perf_counter()
    inpainter, trained = ch02.cached_inpainter(d.x_train)
    if trained:
        figures["inpaint_train_s"] = time.perf_counter() - start
    masked, mask = ch02.hole_test_set(x)
    start = time.perf_counter()
    out = inpainter.inpaint(masked, mask)
    figures["inpaint_s_per_image"] = (time.perf_counter() - start) / len(x)
    figures["masked_hole_psnr_db"] = hole_psnr(x, masked, mask)
    # holes wholly on the black background: filled exactly by any sensible method, so their
    # PSNR is the 58.9 dB ceiling of hole_psnr (8-bit quantization noise), for every method
    figures["n_background_holes"] = int((((1 - mask) * x).sum(axis=(1, 2)) == 0).sum())
    figures["inpaint_hole_psnr_db"] = hole_psnr(x, out, mask)
    if not photos:
        return figures

    start = time.perf_counter()
    blind, trained = ch02.cached_blind_spot(d.noisy_photos, ch02.PHOTO_SIGMA)
    if trained:
        figures["selfsup_train_s"] = time.perf_counter() - start
    values, values_mu, noisy_values, times = [], [], [], []
    for name, clean, noisy in zip(d.photo_names, d.clean_photos, d.noisy_photos, strict=True):
        start = time.perf_counter()
        mu, s2 = blind.prior(noisy)  # averaged over the 4 quarter turns (augment=True)
        out = blind.posterior_mean(noisy, mu, s2)
        times.append(time.perf_counter() - start)
        values.append(metrics.psnr(out, clean))
        values_mu.append(metrics.psnr(np.clip(mu, 0.0, 1.0), clean))
        noisy_values.append(metrics.psnr(noisy, clean))
        figures[f"selfsup_photo_{name}_psnr_db"] = values[-1]
    figures["noisy_photo_s25_psnr_db"] = float(np.mean(noisy_values))
    figures["selfsup_photo_s25_psnr_db"] = float(np.mean(values))
    figures["selfsup_mu_only_photo_s25_psnr_db"] = float(np.mean(values_mu))
    figures["selfsup_photo_s_per_image"] = float(np.mean(times))
    return figures


def targets(f: dict) -> str:
    checks = [
        ("dae_s25 >= bm3d + 1 dB", f["dae_s25_psnr_db"] - f["bm3d_s25_psnr_db"], 1.0),
        ("dae_s50 >= bm3d + 2 dB", f["dae_s50_psnr_db"] - f["bm3d_s50_psnr_db"], 2.0),
        ("inpaint >= biharmonic + 2 dB (holes)",
         f["inpaint_hole_psnr_db"] - f["biharmonic_hole_psnr_db"], 2.0),
        ("selfsup photo >= bm3d - 1.5 dB",
         f["selfsup_photo_s25_psnr_db"] - f["bm3d_photo_s25_psnr_db"], -1.5),
    ]
    return "; ".join(f"{name}: {'met' if d >= t else 'MISSED'} ({d:+.2f} dB)"
                     for name, d, t in checks)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quick mode (smoke run)")
    parser.add_argument("--classical-only", action="store_true",
                        help="compute and cache the classical baselines, record nothing")
    parser.add_argument("--notebook", choices=("none", "quick", "full", "both"), default=None,
                        help="which notebook modes to time (default: both in full mode)")
    parser.add_argument("--notebook-only", choices=("quick", "full", "both"), default=None,
                        help="only time the notebook; record it with the last full figures")
    parser.add_argument("--only", choices=("networks",), default=None,
                        help="networks: train/load the denoiser and the inpainter and report "
                             "their PSNRs only (no classical methods, no photographs)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    if args.only == "networks":
        with trained_here(mode):
            d = ch02.load_data(photos=False)
            figures = {"n_test": len(d.x_test), **network_figures(d, photos=False)}
        figures["peak_rss_mb"] = peak_rss_mb()
        record("correction_networks" + ("_quick" if args.quick else ""), figures,
               notes="denoiser and inpainter only (--only networks); noise clipped to [0, 1]")
        return 0
    if args.notebook_only:
        last = RESULTS_DIR / "correction.json"
        figures = json.loads(last.read_text()) if last.is_file() else {}
        figures.update(notebook_figures(NOTEBOOK, args.notebook_only))
        record("correction", figures, notes="notebook timings added to the last full record; "
               + (targets(figures) if "dae_s25_psnr_db" in figures else "no model figures yet"))
        return 0
    with trained_here(mode):
        d = ch02.load_data()
        start = time.perf_counter()
        figures = {"n_test": len(d.x_test), "n_photos": len(d.photo_names),
                   "baseline_name": "bm3d"}
        figures.update(classical_figures(d))
        print(f"classical baselines: {time.perf_counter() - start:.0f} s", flush=True)
        if args.classical_only:
            return 0
        figures.update(network_figures(d))
    figures["peak_rss_mb"] = peak_rss_mb()
    which = args.notebook or ("both" if mode == "full" else "none")
    if which != "none":
        figures.update(notebook_figures(NOTEBOOK, which))
    note = targets(figures)
    print(note)
    record("correction" if mode == "full" else "correction_quick", figures,
           notes="noise clipped to [0, 1]; classical methods given the true σ; " + note)
    (CACHE / "last_figures.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
