"""Chapter 01 benchmark: dense, deep and convolutional autoencoders against PCA.

Usage:
    python benchmarks/autoencoders.py                 # full: 60k/10k images, d = 2, 8, 32, 64
    python benchmarks/autoencoders.py --quick         # smoke run, recorded as autoencoders_quick
    python benchmarks/autoencoders.py --notebook none       # skip the notebook timings
    python benchmarks/autoencoders.py --notebook-only full  # time the notebook, add to last record
    python benchmarks/autoencoders.py --only conv32   # just the conv d=32 model's test PSNR/SSIM

For every latent size and architecture: test MSE, PSNR (mean per-image, peak 1), SSIM, weights,
seconds per epoch (median over epochs, at the batch size of ``ae.batch_size``), the share of
each epoch's wall time the CPU sat idle (``IdleMonitor``: the epoch-boundary stall check), and
the process's peak RSS so far; PCA at the same sizes; retrieval precision@10 of the 10k test
images among the 60k training images, in the 32-d code and in pixel space.

Images and models come from the notebook's protocol, :mod:`unsuplab.chapters.ch01`
(``load_data`` and ``cached_autoencoder`` with the ``ae.*`` settings, the test images as
validation data), and are written to the model cache, so the notebook run afterwards loads
them; the benchmark itself always retrains (``retrain=True``) so that its timings are
measured. Notebook timings run in a fresh process with an empty private cache (everything
trained). ``--only conv32`` retrains the headline model alone (recorded as
``autoencoders_conv32``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import RESULTS_DIR, ROOT, peak_rss_mb, record, run_notebook, trained_here  # noqa: E402

from unsuplab import config, metrics  # noqa: E402
from unsuplab.chapters import ch01  # noqa: E402
from unsuplab.models import PCAAutoencoder  # noqa: E402
from unsuplab.training import IdleMonitor  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "01_autoencoders.ipynb"
ARCHITECTURES = ("dense", "deep", "conv")


def _quality(prefix, x_test, x_hat):
    return {
        f"{prefix}_mse": float(np.mean((x_test - x_hat) ** 2)),
        f"{prefix}_psnr_db": metrics.psnr(x_test, x_hat),
        f"{prefix}_ssim": metrics.ssim(x_test, x_hat),
    }


def _notebook_figures(which: str, *, warm: bool = False) -> dict:
    """Time the notebook in a fresh process: with an empty private model cache (every model
    trained), or with ``warm=True`` on the current cache (the models this benchmark trained)."""
    figures = {}
    for mode in ("quick", "full"):
        if which not in (mode, "both"):
            continue
        if warm:
            run = run_notebook(NOTEBOOK, quick=mode == "quick")
            figures[f"notebook_{mode}_cached_s"] = run["seconds"]
            figures[f"notebook_{mode}_cached_peak_rss_mb"] = run["peak_rss_mb"]
            figures[f"notebook_{mode}_cached_env"] = run["env"]
            continue
        run = run_notebook(NOTEBOOK, quick=mode == "quick", cold_cache=True)
        figures[f"notebook_{mode}_s"] = run["seconds"]
        figures[f"notebook_{mode}_peak_rss_mb"] = run["peak_rss_mb"]
        figures[f"notebook_{mode}_env"] = run["env"]
    return figures


def _train(architecture, d, x_train, x_test, figures):
    """Retrain one model with the chapter's recipe; add its figures; return it and its
    monitor."""
    monitor = IdleMonitor()
    start = time.perf_counter()
    model, _ = ch01.cached_autoencoder(
        architecture, d, x_train, validation_data=x_test, callbacks=[monitor], retrain=True
    )
    p = f"{architecture}_{d}"
    figures[f"{p}_train_s"] = time.perf_counter() - start
    figures.update(_quality(p, x_test, model.reconstruct(x_test)))
    figures[f"{p}_params"] = model.count_params()
    figures[f"{p}_epochs"] = len(model.training_history["loss"])
    figures[f"{p}_s_per_epoch"] = float(np.median(monitor.epoch_seconds))
    figures[f"{p}_idle_share_max"] = max(monitor.epoch_idle_share)
    figures[f"{p}_peak_rss_mb"] = peak_rss_mb()
    print(
        f"{p}: {figures[f'{p}_psnr_db']:.2f} dB, SSIM {figures[f'{p}_ssim']:.3f}, "
        f"{figures[f'{p}_s_per_epoch']:.1f} s/epoch, idle "
        f"{np.round(monitor.epoch_idle_share, 3).tolist()}",
        flush=True,
    )
    return model, monitor


def benchmark_conv32(quick: bool) -> tuple[dict, str]:
    """The headline figure alone: the conv d=32 autoencoder, retrained, its test PSNR/SSIM."""
    figures = {}
    with trained_here("quick" if quick else "full"):
        data = ch01.load_data()
        _train("conv", 32, data.x_train, data.x_test, figures)
        epochs, batch_size = ch01.default_epochs("conv"), config.setting("ae.batch_size")
    notes = (
        f"conv d=32 only: {len(data.x_train)} train / {len(data.x_test)} test images, batch "
        f"{batch_size}, Adam lr 2e-3 cosine-decayed to 1%, {epochs} epochs, the test images as "
        "validation data (ch01.cached_autoencoder, retrained); s_per_epoch includes the "
        "validation pass"
    )
    return figures, notes


def benchmark(quick: bool) -> tuple[dict, str]:
    figures = {}
    with trained_here("quick" if quick else "full"):
        data = ch01.load_data()
        x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
        sizes = config.setting("ae.latent_sizes")
        batch_size = config.setting("ae.batch_size")
        epochs = {a: ch01.default_epochs(a) for a in ARCHITECTURES}
        figures.update(n_train=len(x_train), n_test=len(x_test), batch_size=batch_size)

        start = time.perf_counter()
        pca = PCAAutoencoder(latent_dim=max(sizes)).fit(x_train)
        figures["pca_fit_s"] = time.perf_counter() - start
        for d in sizes:
            figures.update(_quality(f"pca_{d}", x_test, pca.reconstruct(x_test, latent_dim=d)))

        idle, models = [], {}
        for architecture in ARCHITECTURES:
            for d in sizes:
                models[architecture, d], monitor = _train(
                    architecture, d, x_train, x_test, figures
                )
                idle += monitor.epoch_idle_share
        figures["epoch_idle_share"] = float(np.mean(idle))
        figures["epoch_idle_share_max"] = float(np.max(idle))

        d_ret = 32 if 32 in sizes else max(sizes)
        start = time.perf_counter()
        encoder = models["conv", d_ret]
        figures["retrieval_p10_latent"] = metrics.precision_at_k(
            encoder.encode(x_test), y_test, encoder.encode(x_train), y_train, k=10
        )
        figures["retrieval_p10_pca"] = metrics.precision_at_k(
            pca.encode(x_test, d_ret), y_test, pca.encode(x_train, d_ret), y_train, k=10
        )
        figures["retrieval_p10_pixel"] = metrics.precision_at_k(
            x_test.reshape(len(x_test), -1),
            y_test,
            x_train.reshape(len(x_train), -1),
            y_train,
            k=10,
        )
        figures["retrieval_s"] = time.perf_counter() - start
        figures["peak_rss_mb"] = peak_rss_mb()
    conv_epochs, dense_epochs = epochs["conv"], epochs["dense"]
    notes = (
        f"{len(x_train)} train / {len(x_test)} test images; batch {batch_size}; Adam, lr 2e-3 "
        f"cosine-decayed to 1%; dense and deep {dense_epochs} epochs, conv {conv_epochs} epochs "
        f"(every size), the test images as validation data. s_per_epoch: median over epochs "
        f"at batch {batch_size}, the validation pass included; "
        "epoch_idle_share: mean over all epochs of all models of the idle share of each epoch's "
        "wall time (IdleMonitor, 0.1 s samples under 10% of a core); peak_rss_mb: this process "
        "(cumulative after each model); retrieval: precision@10 of test queries among the "
        f"training images, conv {d_ret}-d code / PCA-{d_ret} code / raw pixels, euclidean; "
        "notebook timings: fresh process, empty model cache."
    )
    return figures, notes


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument(
        "--notebook",
        choices=("none", "quick", "full", "both"),
        default="both",
        help="which notebook runs to time after the benchmark (default both)",
    )
    parser.add_argument(
        "--notebook-only",
        choices=("quick", "full", "both"),
        help="only time the notebook; add the timings to the last recorded figures",
    )
    parser.add_argument(
        "--only",
        choices=("conv32",),
        help="conv32: only the conv d=32 model (the headline), recorded as autoencoders_conv32",
    )
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="with --notebook-only: run on the current model cache (the benchmark's models) "
        "and record notebook_MODE_cached_s",
    )
    args = parser.parse_args(argv)
    name = "autoencoders_quick" if args.quick else "autoencoders"
    if args.only == "conv32":
        figures, notes = benchmark_conv32(args.quick)
        record(f"autoencoders_conv32{'_quick' if args.quick else ''}", figures, notes=notes)
        return

    if args.notebook_only:
        last = RESULTS_DIR / f"{name}.json"
        figures = json.loads(last.read_text()) if last.exists() else {}
        new = _notebook_figures(args.notebook_only, warm=args.warm_cache)
        figures.update(new)
        notes = (
            f"notebook timings ({', '.join(sorted(new))}) added to the figures of the previous "
            f"{name} record; the other figures are carried over from it"
        )
        if "notebook_full_cached_s" in new:
            trained = sum(v for k, v in figures.items() if k.endswith("_train_s"))
            figures["notebook_full_s"] = new["notebook_full_cached_s"] + trained
            notes += (
                "; notebook_full_s is an estimate: the warm-cache full run plus the measured "
                f"training time of the {sum(k.endswith('_train_s') for k in figures)} "
                "cached models it loaded (same recipes), not a cold run"
            )
        record(name, figures, notes=notes)
        return

    figures, notes = benchmark(args.quick)
    which = args.notebook if not args.quick or args.notebook != "both" else "quick"
    if which != "none":
        figures.update(_notebook_figures(which))
    record(name, figures, notes=notes)


if __name__ == "__main__":
    main()
