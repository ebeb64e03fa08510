"""Train (or take from the model cache) the full-mode models that ship in ``unsuplab/pretrained/``.

Each model comes from its chapter's recipe in full mode, exactly as the full notebook asks for
it (so a full notebook run with the same cache trains nothing twice). It is saved without its
optimizer state, its figure is measured on the first 1000 test images
(:func:`unsuplab.training.pretrained.evaluate`), and ``manifest.json`` records its SHA-256,
class, config, seed, training log and provenance. The figures are appended to
``benchmarks/RESULTS.md`` (record ``pretrained``).

Usage::

    UNSUPLAB_CACHE=... python -m tools.pretrain [--only NAME ...]

Training everything from an empty cache takes about 15 minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _chapter_models():
    """``(name, kind, get_model)`` for every shipped model: the recipes of the quick notebooks'
    model grids, called as the notebooks call them (in full mode here)."""
    from unsuplab.chapters import ch01, ch02, ch03

    entries = []
    d1 = None
    for architecture in ("dense", "deep", "conv"):
        for latent_dim in (2, 32):  # the quick grid (ae.latent_sizes)

            def get(a=architecture, d=latent_dim):
                nonlocal d1
                d1 = d1 or ch01.load_data()
                return ch01.cached_autoencoder(a, d, d1.x_train, validation_data=d1.x_test)

            entries.append((f"ae_{architecture}_{latent_dim}", "reconstruction_psnr", get))
    d2 = {}

    def data2():
        d2.setdefault("d", ch02.load_data())
        return d2["d"].x_train

    entries += [
        ("denoiser_gaussian", "denoise_psnr", lambda: ch02.cached_denoiser(data2())),
        ("denoiser_mixed", "denoise_psnr",
         lambda: ch02.cached_denoiser(data2()[: len(data2()) // 3], corruption="mixed")),
        ("inpainter", "hole_psnr", lambda: ch02.cached_inpainter(data2())),
    ]
    d3 = {}

    def data3():
        d3.setdefault("d", ch03.load_data())
        return d3["d"]

    entries.append(("vae_conv_L2_beta1", "negative_elbo",
                    lambda: ch03.cached_vae(data3().x_train, latent_dim=2, architecture="conv",
                                            validation_data=data3().x_test_bin)))
    for beta in (0.5, 1.0, 4.0):  # the quick sweep (vae.betas)
        entries.append((f"vae_mlp_L16_beta{beta:g}", "negative_elbo",
                        lambda b=beta: ch03.cached_vae(data3().x_train, latent_dim=16,
                                                       architecture="mlp", beta=b,
                                                       validation_data=data3().x_test_bin)))
    return entries


def _without_optimizer(model):
    """The same architecture and weights, uncompiled: a third of the file."""
    fresh = type(model).from_config(model.get_config())
    fresh.set_weights(model.get_weights())
    return fresh


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="names to (re)ship")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from benchmarks import common
    from unsuplab import __version__, config
    from unsuplab.training import pretrained

    config.set_mode("full")
    config.use_pretrained(False)  # the models themselves, never the shipped copies
    pretrained.PRETRAINED_DIR.mkdir(exist_ok=True)
    manifest = pretrained.manifest()
    images = pretrained.figure_images()
    figures = {}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    for name, kind, get in _chapter_models():
        if args.only and name not in args.only:
            continue
        model, trained = get()
        print(f"{name}: {'trained' if trained else 'from the cache'}", flush=True)
        path = pretrained.PRETRAINED_DIR / f"{name}.keras"
        _without_optimizer(model).save(path)
        shipped = __import__("keras").saving.load_model(path, safe_mode=True)
        value = pretrained.evaluate(kind, shipped, images)
        cls = type(model)
        manifest[name] = {
            "file": path.name,
            "bytes": path.stat().st_size,
            "sha256": pretrained.sha256(path),
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "config": pretrained.normalized_config(model.get_config()),
            "params": {"seed": _seed_of(model, name)},
            "history": model.training_history,
            "figure": {"kind": kind, "value": round(value, 4),
                       "images": f"the first {pretrained.FIGURE_IMAGES} Fashion-MNIST test images"},
            "trained": {"mode": "full", "date": stamp, "unsuplab": __version__,
                        "command": "python -m tools.pretrain", "machine": common.machine(),
                        "epochs": len(model.training_history.get("loss", []))},
        }
        figures[f"{name}_{kind}"] = round(value, 4)
        figures[f"{name}_mb"] = round(path.stat().st_size / 1e6, 3)
        print(f"  {kind} {value:.4f}, {path.stat().st_size / 1e6:.2f} MB", flush=True)
    pretrained.MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    figures["total_mb"] = round(
        sum(e["bytes"] for e in manifest.values()) / 1e6, 2)
    common.record("pretrained", figures,
                  notes="shipped full-mode weights (unsuplab/pretrained/), figures on the first "
                        "1000 test images; tests/training/test_pretrained.py re-measures them")


def _seed_of(model, name):
    """The recipe seed the model was built with: every shipped recipe uses the default, 0."""
    seed = getattr(model, "seed", 0)
    if seed not in (0, None):
        raise ValueError(f"{name}: shipped models are the recipes' seed-0 models. Received: {seed}")
    return 0


if __name__ == "__main__":
    main()
