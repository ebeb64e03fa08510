"""Train chapter 09's diffusion model for hours (resumable) and ship it in ``unsuplab/pretrained/``.

The model is the full-mode recipe of :func:`unsuplab.chapters.ch09.cached_diffusion` (same
class, config and seed, so ``UNSUPLAB_PRETRAINED=1`` makes the recipe load it), trained on the
60 000 training images for as long as the machine allows, instead of the notebook's budget.

Usage::

    nice -n 19 python -m tools.ship_diffusion train --until 14:45   # resumes if a checkpoint exists
    python -m tools.ship_diffusion export                            # into unsuplab/pretrained/

``train`` saves ``build/ship-diffusion/checkpoint.keras`` (weights, optimizer and noise state:
a resumed run continues bit for bit) and ``log.json`` (steps, images seen, wall time, machine)
every ``--every`` seconds and when it stops (at ``--until`` UTC, or when the file ``STOP`` is
created in that folder). ``export`` saves the weights without the optimizer, measures the
shipped figure (Tweedie denoising PSNR at σ = 25/255 on the first 1000 test images,
:func:`unsuplab.training.pretrained.evaluate`) and writes the manifest entry with its provenance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "ship-diffusion"
NAME_ARGS = {"objective": "eps", "conditional": True}


def _now():
    return dt.datetime.now(dt.UTC)


def _deadline(until):
    hour, minute = (int(v) for v in until.split(":"))
    end = _now().replace(hour=hour, minute=minute, second=0, microsecond=0)
    return end if end > _now() else end + dt.timedelta(days=1)


def _write_json(path, value):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, indent=1))
    os.replace(tmp, path)


def train(args):
    import keras

    from benchmarks import common
    from unsuplab import config
    from unsuplab.chapters import ch09
    from unsuplab.training import fit

    config.set_mode("full")
    WORK.mkdir(parents=True, exist_ok=True)
    checkpoint, log_path = WORK / "checkpoint.keras", WORK / "log.json"
    data = ch09.load_data()
    batch_size = config.setting("diffusion.batch_size")
    if checkpoint.is_file():
        import unsuplab.models.diffusion  # noqa: F401  (registers the class)

        model = keras.saving.load_model(checkpoint, safe_mode=True)
        log = json.loads(log_path.read_text())
        model.training_history = log["history"]
    else:
        model = ch09.build_diffusion(objective="eps", conditional=True, seed=0)
        log = {"steps": 0, "images_seen": 0, "wall_s": 0.0, "epochs": 0, "history": {},
               "started": _now().strftime("%Y-%m-%d %H:%M UTC"), "batch_size": batch_size,
               "learning_rate": config.setting("diffusion.learning_rate"), "sessions": []}
    log["machine"] = common.machine()
    end = _deadline(args.until)
    session = {"start": _now().strftime("%Y-%m-%d %H:%M:%S UTC"), "epochs": 0}
    log["sessions"].append(session)
    wall0, epoch0 = log["wall_s"], log["epochs"]
    start = time.perf_counter()

    class Checkpoint(keras.callbacks.Callback):
        last = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            history = log["history"]
            for key, value in (logs or {}).items():
                history.setdefault(key, []).append(float(value))
            log["epochs"] = epoch + 1
            log["steps"] = log["epochs"] * ch09.STEPS_PER_EPOCH
            log["images_seen"] = log["steps"] * batch_size
            log["wall_s"] = round(wall0 + time.perf_counter() - start, 1)
            session["epochs"] = log["epochs"] - epoch0
            session["end"] = _now().strftime("%Y-%m-%d %H:%M:%S UTC")
            stop = _now() >= end or (WORK / "STOP").exists()
            if stop or time.perf_counter() - self.last >= args.every:
                tmp = WORK / "checkpoint.tmp.keras"
                self.model.save(tmp)
                os.replace(tmp, checkpoint)
                _write_json(log_path, log)
                self.last = time.perf_counter()
                print(f"epoch {log['epochs']}, "
                      f"steps {log['steps']}, loss {history['loss'][-1]:.4f}, "
                      f"{log['wall_s'] / 3600:.2f} h", flush=True)
            if stop:
                self.model.stop_training = True

    fit(model, data.x_train, data.y_train, epochs=10**6, initial_epoch=epoch0,
        batch_size=batch_size, steps_per_epoch=ch09.STEPS_PER_EPOCH, callbacks=[Checkpoint()],
        seed=0, verbose=0)


def export(args):
    import keras

    from benchmarks import common
    from unsuplab import __version__, config
    from unsuplab.chapters import ch09
    from unsuplab.training import pretrained

    del args
    config.set_mode("full")
    import unsuplab.models.diffusion  # noqa: F401

    log = json.loads((WORK / "log.json").read_text())
    model = keras.saving.load_model(WORK / "checkpoint.keras", safe_mode=True)
    recipe = ch09.build_diffusion(**NAME_ARGS, seed=0)
    if pretrained.normalized_config(recipe.get_config()) != pretrained.normalized_config(
            model.get_config()):
        raise ValueError("the checkpoint is not the chapter's full-mode recipe model")
    name = ch09.model_name(**NAME_ARGS)
    fresh = type(model).from_config(model.get_config())
    fresh.set_weights(model.get_weights())
    path = pretrained.PRETRAINED_DIR / f"{name}.keras"
    fresh.save(path)
    shipped = keras.saving.load_model(path, safe_mode=True)
    kind = "tweedie_psnr"
    value = pretrained.evaluate(kind, shipped, pretrained.figure_images())
    manifest = pretrained.manifest()
    hours = log["wall_s"] / 3600
    manifest[name] = {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": pretrained.sha256(path),
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "config": pretrained.normalized_config(model.get_config()),
        "params": {"seed": 0},
        "history": log["history"],
        "figure": {"kind": kind, "value": round(value, 4),
                   "images": f"the first {pretrained.FIGURE_IMAGES} Fashion-MNIST test images"},
        "trained": {"mode": "full", "date": _now().strftime("%Y-%m-%d %H:%M UTC"),
                    "started": log["started"], "unsuplab": __version__,
                    "command": "nice -n 19 python -m tools.ship_diffusion train --until HH:MM; "
                               "python -m tools.ship_diffusion export",
                    "machine": log["machine"], "export_machine": common.machine(),
                    "epochs": log["epochs"], "steps": log["steps"],
                    "images_seen": log["images_seen"], "batch_size": log["batch_size"],
                    "learning_rate": log["learning_rate"], "hours": round(hours, 2),
                    "note": "trained at nice 19 on a shared 2-core machine, beside other jobs"},
    }
    pretrained.MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"{name}: {kind} {value:.4f} dB, {path.stat().st_size / 1e6:.2f} MB, "
          f"{log['steps']} steps, {log['images_seen']} images, {hours:.2f} h", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train (or resume) until a UTC time")
    t.add_argument("--until", default="14:45", help="UTC HH:MM to stop at")
    t.add_argument("--every", type=float, default=180.0, help="seconds between checkpoints")
    sub.add_parser("export", help="ship the checkpoint into unsuplab/pretrained/")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    (train if args.command == "train" else export)(args)


if __name__ == "__main__":
    main()
