"""The shipped full-mode models: full-quality figures in about a minute, without training.

``unsuplab/pretrained/`` holds the main models of chapters 01–03, trained in full mode from
the recorded settings by ``tools/pretrain.py`` and saved without their optimizer state, and
``manifest.json``, which says for each recipe name (``"ae_conv_32"``, ``"vae_conv_L2_beta1"``)

- its file, size and SHA-256 (a file that does not match is never loaded);
- the model's class and config, and the recipe's seed: a shipped model stands in only for the
  model the recipe would build (same architecture, same seed), trained with the full budget;
- its training log, and when, where and by which command it was trained;
- one figure measured on the first 1000 Fashion-MNIST test images when it was shipped
  (:func:`evaluate` measures it again; the tests check that it reproduces).

Turn it on with ``UNSUPLAB_PRETRAINED=1`` (``make lab PRETRAINED=1``) or
``config.use_pretrained()`` in a notebook; :func:`unsuplab.training.load_or_train` then loads a
matching shipped model before it looks in the cache or trains.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
MANIFEST = PRETRAINED_DIR / "manifest.json"
FIGURE_IMAGES = 1000  # the first test images every shipped figure is measured on
KINDS = ("reconstruction_psnr", "denoise_psnr", "hole_psnr", "negative_elbo", "tweedie_psnr")


#: What every manifest entry holds, at least (what :func:`load` and :func:`matches` read).
ENTRY_KEYS = ("file", "sha256", "class", "config")


def manifest() -> dict:
    """The shipped models: ``{name: entry}`` (empty when nothing is shipped).

    Raises:
        ValueError: ``manifest.json`` is damaged: not JSON, not an object of entries, or an
            entry without its file, SHA-256, class or config.
    """
    if not MANIFEST.is_file():
        return {}
    try:
        entries = json.loads(MANIFEST.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"The shipped {MANIFEST.name} is unreadable ({err}).") from err
    if not isinstance(entries, dict):
        raise ValueError(f"The shipped {MANIFEST.name} is not an object of entries.")
    for name, entry in entries.items():
        if not isinstance(entry, dict) or any(key not in entry for key in ENTRY_KEYS):
            raise ValueError(f"The shipped {MANIFEST.name} is damaged: its entry {name!r} "
                             f"lacks one of {ENTRY_KEYS}.")
    return entries


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def normalized_config(config):
    """A config as JSON would give it back (tuples as lists), without auto-generated names."""
    from .cache import _without_names

    return json.loads(json.dumps(_without_names(config), default=str))


def matches(entry: dict, model, params: dict | None) -> bool:
    """Whether the shipped ``entry`` stands for ``model`` (its class and config, the recipe's
    seed): only the training budget (epochs, data, learning rate) may differ."""
    cls = type(model)
    if entry.get("class") != f"{cls.__module__}.{cls.__qualname__}":
        return False
    if entry.get("config") != normalized_config(model.get_config()):
        return False
    seed = (params or {}).get("seed")  # recipes whose models hold no seed pass it here
    return seed is None or seed == entry.get("params", {}).get("seed")


def load(name: str, expected_type=None):
    """Load the shipped model ``name`` (safe mode), after checking its SHA-256.

    Returns:
        The model, with ``training_history`` (its full-mode log) and ``pretrained`` (the
        manifest entry: provenance and recorded figure).

    Raises:
        KeyError: no model of that name is shipped (the message lists those that are).
        ValueError: the file is missing or does not match its SHA-256, or holds another class.
    """
    import keras

    entries = manifest()
    if name not in entries:
        raise KeyError(f"No shipped model is called {name!r}; shipped: {sorted(entries)}")
    entry = entries[name]
    path = PRETRAINED_DIR / entry["file"]
    if not path.is_file():
        raise ValueError(f"The shipped model file {path} is missing.")
    if sha256(path) != entry["sha256"]:
        raise ValueError(f"The shipped model file {path.name} does not match its SHA-256.")
    module = entry["class"].rpartition(".")[0]
    if not module.startswith("unsuplab."):
        raise ValueError(f"The shipped {path.name} names a class outside unsuplab: {module}")
    importlib.import_module(module)  # registers the class with Keras
    model = keras.saving.load_model(path, safe_mode=True)
    if expected_type is not None and type(model) is not expected_type:
        raise ValueError(
            f"The shipped {path.name} holds a {type(model).__name__}, not the "
            f"{expected_type.__name__} asked for."
        )
    model.training_history = entry.get("history", {})
    model.pretrained = entry
    return model


def figure_images():
    """The images every shipped figure is measured on: the first :data:`FIGURE_IMAGES`
    Fashion-MNIST test images (uint8)."""
    from ..data import load_fashion_mnist

    (_, _), (x_test, _), _ = load_fashion_mnist()
    return x_test[:FIGURE_IMAGES]


def evaluate(kind: str, model, images) -> float:
    """The figure ``kind`` of ``model`` on ``images`` (uint8), reproducibly (seed 0):

    - ``reconstruction_psnr``: mean per-image PSNR of the reconstructions (dB);
    - ``denoise_psnr``: PSNR after denoising Gaussian noise of σ = 25/255 (dB);
    - ``hole_psnr``: PSNR inside holes of the largest size and number the model was
      trained on (dB);
    - ``negative_elbo``: the negative ELBO of the images binarized once (seed 0), nats per
      image (one sample);
    - ``tweedie_psnr``: a diffusion model's Tweedie denoiser (``denoise(noisy, sigma)``) on
      the ``denoise_psnr`` noise (σ = 25/255, clipped, seed 0) (dB).
    """
    from .. import metrics
    from .._validation import check_choice
    from ..data import corruptions, to_float

    check_choice(kind, "kind", KINDS)
    x = to_float(images)
    if kind == "reconstruction_psnr":
        return metrics.psnr(x, model.reconstruct(x))
    if kind in ("denoise_psnr", "tweedie_psnr"):
        noisy = corruptions.gaussian_noise(x, 25 / 255, seed=0)
        if kind == "tweedie_psnr":
            return metrics.psnr(x, model.denoise(noisy, 25 / 255))
        return metrics.psnr(x, model.denoise(noisy))
    if kind == "hole_psnr":
        holed, mask = corruptions.random_holes(
            x, n_holes=max(model.n_holes), hole_size=max(model.hole_size), seed=0
        )
        return metrics.hole_psnr(x, model.inpaint(holed, mask), mask)
    from ..models.vae import binarize

    return -metrics.elbo(model, binarize(x, seed=0), seed=0)


__all__ = [
    "FIGURE_IMAGES",
    "KINDS",
    "MANIFEST",
    "PRETRAINED_DIR",
    "evaluate",
    "figure_images",
    "load",
    "manifest",
    "matches",
    "normalized_config",
]
