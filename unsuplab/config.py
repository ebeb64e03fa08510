"""Run mode (quick or full), reproducibility and precision: read in this one place.

The mode is one switch, the environment variable ``UNSUPLAB_QUICK``:

- ``UNSUPLAB_QUICK=1`` (or ``true``/``yes``/``on``): *quick* mode. Small subsets and few
  epochs, so a notebook runs in about a minute on two CPU cores (CI, a first look).
- ``0`` (or ``false``/``no``/``off``): *full* mode, the real result;
- unset: full mode, except on Google Colab, where quick mode and the shipped full-mode models
  (``UNSUPLAB_PRETRAINED``) are the defaults, as on Binder (:func:`on_colab`).

Notebooks never hard-code a budget: they ask :func:`setting` for it, and the value comes from
the table :data:`SETTINGS` below (or from the ``quick=``/``full=`` pair passed to
:func:`pick`). :func:`set_mode` switches the mode for the session (a notebook cell),
:func:`use_mode` inside a ``with`` block (tests, benchmarks).
"""

from __future__ import annotations

import contextlib
import os
import random
import sys

import numpy as np

ENV_VAR = "UNSUPLAB_QUICK"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

#: Every setting that differs between quick and full mode: ``name -> (quick, full)``.
#: Chapters prefix their own names (``"ae.epochs"``); a few shared names have no prefix.
SETTINGS: dict[str, tuple] = {
    # shared
    "train_size": (6000, 60000),
    "test_size": (1000, 10000),
    "epochs": (2, 10),
    "batch_size": (128, 128),
    # chapter 00: setup and data
    "kmeans.train_size": (5000, 60000),
    "kmeans.n_init": (2, 10),
    # chapter 01: autoencoders (prefix "ae.")
    "ae.train_size": (3000, 60000),
    "ae.test_size": (1000, 10000),
    "ae.latent_sizes": ((2, 32), (2, 8, 32, 64)),
    "ae.batch_size": (64, 256),  # quick: small batches, more steps for the few images
    "ae.dense_epochs": (3, 10),  # shallow and deep dense autoencoders
    "ae.conv_epochs": (2, 6),  # convolutional autoencoders (~25 s per full epoch on 2 cores)
    "ae.linear_epochs": (3, 10),  # the linear autoencoder of the PCA link
    "ae.ssim_images": (300, 2000),  # test images scored with SSIM (~1.7 CPU-s per 1000)
    "ae.explorer_images": (200, 500),
    # chapter 02: correction autoencoders (prefix "correction.")
    "correction.train_size": (1500, 60000),  # clean images; corruptions drawn on the fly
    "correction.test_size": (100, 1000),  # test images scored for the networks
    "correction.classical_size": (4, 100),  # of those, scored with BM3D in the notebook
    "correction.filters": ((16, 32), (16, 32)),  # denoising U-Net channels per resolution
    "correction.inpaint_filters": ((16, 32, 64), (16, 32, 64)),  # 3 levels: sees past a hole
    "correction.epochs": (1, 1),  # full: ~2.5 min (denoiser), ~3.5 min (inpainter) on 2 cores
    "correction.batch_size": (32, 128),  # quick: more updates from few images
    "correction.learning_rate": (3e-3, 2e-3),
    "correction.photos": (("camera",), ("camera", "astronaut", "coffee", "chelsea")),
    "correction.photo_size": (96, 256),  # shorter side of the grey photographs, pixels
    "correction.selfsup_filters": ((16, 32), (24, 48, 64)),
    "correction.selfsup_steps": (40, 1200),  # blind-spot training steps of 8 patches
    "correction.selfsup_patch": (32, 48),
    # chapter 03: variational autoencoders (prefix "vae.")
    "vae.train_size": (5000, 60000),  # training images (dynamically binarized)
    "vae.epochs": (2, 6),  # the 2-D convolutional VAE
    "vae.sweep_epochs": (2, 6),  # each MLP VAE of the beta sweep, and the plain AE
    "vae.betas": ((0.5, 1.0, 4.0), (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)),
    "vae.iwae_size": (100, 500),  # test images for the importance-weighted estimate
    "vae.iwae_ks": ((1, 10, 100), (1, 10, 100, 1000)),
    "vae.explorer_images": (500, 1000),  # test images on the latent explorers' code maps
    # chapter 05: self-organizing maps (prefix "som.")
    "som.train_size": (6000, 60000),  # Fashion-MNIST images the map is trained on
    "som.grid": (12, 20),  # map side: 12 x 12 (quick) or 20 x 20 units
    "som.epochs": (3, 10),
    "som.photo_pixels": (5000, 50000),  # pixels sampled for colour quantization
    "som.widget_size": (1000, 3000),  # images the live explorer retrains on
    # chapter 07: unsupervised segmentation (prefix "seg.")
    "seg.n_mosaics": (4, 24),  # scored texture mosaics (seed 0); 12 (shape, kind) pairs x 2
    "seg.size": (128, 128),  # mosaic side, pixels
    "seg.steps": (40, 150),  # per-image training steps of the deep method (~15 ms each)
    "seg.filters": ((32, 32), (32, 32)),  # its 3x3 blocks
    "seg.n_clusters": (32, 32),  # its response channels (most clusters before merging)
    "seg.learning_rate": (0.1, 0.1),  # SGD, momentum 0.9 (Kim et al. 2020)
    "seg.seeds": ((0,), (0, 1, 2)),  # seeds of the deep method in the benchmark
    "seg.photos": (("coffee", "chelsea"), ("coffee", "chelsea", "astronaut", "china")),
    "seg.photo_size": (96, 128),  # shorter side of the photographs, pixels
    # chapter 04: GANs (prefix "gan.")
    "gan.train_size": (6000, 60000),  # Fashion-MNIST training images (GANs and the classifier)
    "gan.test_size": (1000, 10000),  # test images: the real side of every score
    "gan.eval_size": (1000, 10000),  # samples per score (FID, KID, PRDC, class shares)
    "gan.classifier_epochs": (2, 3),  # the domain feature extractor (64-d features)
    "gan.latent_dim": (32, 64),
    "gan.filters": ((16, 32), (32, 64)),  # stride-2 layers of both networks
    "gan.batch_size": (64, 64),
    "gan.steps": (300, 3000),  # generator steps per GAN in the notebook
    "gan.stabilised": (("hinge_sn",), ("hinge_sn", "wgan_gp")),  # notebook's section 5
    "gan.budget_s": (15, 40),  # benchmark: wall-clock seconds per GAN run (equal for all)
    "gan.seeds": ((0,), (0, 1, 2)),  # benchmark seeds
    # chapter 09: diffusion and flow matching (prefix "diffusion."); the same network in both
    # modes (so a shipped model stands in for the quick one), fewer steps in quick mode
    "diffusion.train_size": (6000, 60000),  # chapter 04's subsets (labels for conditioning)
    "diffusion.test_size": (1000, 10000),
    "diffusion.objective": ("eps", "eps"),  # "eps" (DDPM) or "flow" (flow matching)
    "diffusion.conditional": (True, True),  # class labels, dropped 10%: guidance possible
    "diffusion.schedule": ("cosine", "cosine"),
    "diffusion.timesteps": (1000, 1000),
    "diffusion.base_filters": (16, 16),  # time_unet widths 16/32/64 at 28/14/7 pixels
    "diffusion.depth": (2, 2),
    "diffusion.label_dropout": (0.1, 0.1),
    "diffusion.batch_size": (16, 64),  # small batches: more steps per CPU-second
    "diffusion.learning_rate": (1e-3, 1e-3),
    "diffusion.steps": (40, 800),  # training steps in the notebook (~11 s / ~10 min)
    "diffusion.sample_steps": (20, 50),  # sampler steps of the figures
    "diffusion.flow_steps": (40, 1000),  # training steps of the notebook's flow model
    "diffusion.score_size": (100, 1000),  # samples per score in the notebook (FID needs > 64)
    "diffusion.sweep_steps": ((2, 5), (5, 10, 25, 50)),  # notebook: FID against steps
    "diffusion.guidance": ((0.0, 3.0), (0.0, 1.0, 3.0)),  # notebook's guidance sweep (w)
    "diffusion.guided_steps": (5, 20),  # DDIM steps of the guided samples
    "diffusion.compare_steps": ((5, 10, 25), (5, 10, 25, 50)),  # notebook: DDPM against DDIM
    "diffusion.bench_steps": (10, 50),  # benchmark: DDIM steps of the scored samples
    "diffusion.bench_sweep": ((2, 5), (5, 10, 25, 50, 100, 250)),  # benchmark: steps sweep
    # chapter 08: pretraining for few labels, generative augmentation (prefix "fewlabel.")
    "fewlabel.train_size": (4000, 60000),  # the unlabelled pool every representation sees
    "fewlabel.test_size": (1000, 10000),  # scored test images
    "fewlabel.label_counts": ((10, 100), (10, 100, 1000, 10000)),  # class-balanced draws
    "fewlabel.n_draws": (2, 5),  # seeded draws per label budget
    "fewlabel.cnn_label_counts": ((100,), (100, 1000)),  # budgets the CNNs are trained on
    "fewlabel.cnn_steps": (50, 400),  # training steps of each CNN, whatever the labels
    "fewlabel.cnn_batch": (32, 64),
    "fewlabel.cnn_learning_rate": (2e-3, 2e-3),
    "fewlabel.probe_C": (1.0, 1.0),  # the linear probe's inverse L2 penalty
    "fewlabel.pca_dim": (50, 50),
    "fewlabel.ae_latent": (32, 32),  # the chapter 01 conv autoencoder's code
    "fewlabel.ae_epochs": (2, 5),
    "fewlabel.vae_latent": (16, 16),  # the chapter 03 conv VAE (also the generator)
    "fewlabel.vae_epochs": (2, 6),
    "fewlabel.contrastive_epochs": (2, 15),  # the chapter 06 encoder on the pool
    "fewlabel.contrastive_latent": (32, 64),  # its features
    "fewlabel.contrastive_batch": (128, 256),  # its batch (2N views)
    "fewlabel.augment_new": (100, 1000),  # synthetic images added to 100 labels
    # chapter 06: image clustering and retrieval (prefix "cluster.")
    "cluster.size": (2000, 70000),  # images clustered: train + test sets (the 70k protocol)
    "cluster.contrastive_epochs": (2, 30),  # self-supervised encoder (~13 s/epoch on 70k)
    "cluster.batch_size": (128, 256),  # contrastive batch: 2N views, 2N - 2 negatives each
    "cluster.learning_rate": (2e-3, 2e-3),  # Adam, cosine-decayed to 1%
    "cluster.latent_dim": (32, 64),  # size of the contrastive features
    "cluster.temperature": (0.5, 0.5),  # NT-Xent temperature
    "cluster.n_init": (2, 10),  # k-means / k-means++ restarts
    "cluster.pca_dim": (20, 50),  # PCA scores clustered by the PCA rung
    "cluster.ae_latent": (10, 10),  # codes of chapter 01's conv autoencoder (DEC uses 10)
    "cluster.ae_epochs": (2, 6),  # its training (~23 s/epoch on 70k)
    "cluster.dec_gamma": (0.1, 0.1),  # IDEC's weight on KL(P||Q): L = L_r + gamma L_c
    "cluster.dec_rounds": (2, 10),  # target updates of IDEC
    "cluster.dec_steps": (10, 140),  # Adam steps between two target updates
    "cluster.umap_components": (5, 10),
    "cluster.umap_neighbors": (10, 20),
    "cluster.queries": (200, 2000),  # test images used as retrieval queries (notebook)
    "cluster.seeds": ((0,), (0, 1, 2)),  # seeds of the benchmark
    "cluster.ks": ((6, 8, 10, 12, 14), (4, 6, 8, 10, 12, 14, 16, 20)),  # choosing k
    "cluster.k_sample": (2000, 10000),  # points scored when choosing k
}

_override: bool | None = None


def _parse(value: str, variable: str = ENV_VAR) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(
        f"{variable} must be one of {sorted(_TRUE | _FALSE - {''})} or unset. "
        f"Received: {variable}={value!r}"
    )


def on_colab() -> bool:
    """True inside a Google Colab runtime (its ``google.colab`` module, or the
    ``COLAB_RELEASE_TAG`` variable Colab sets)."""
    return "google.colab" in sys.modules or bool(os.environ.get("COLAB_RELEASE_TAG"))


def _switch(variable: str) -> bool:
    """An on/off variable; unset means on in Colab (a class's default) and off elsewhere."""
    value = os.environ.get(variable, "")
    if not value.strip():
        return on_colab()
    return _parse(value, variable)


def is_quick() -> bool:
    """Return True when quick mode is on (see the module docstring)."""
    if _override is not None:
        return _override
    return _switch(ENV_VAR)


def mode() -> str:
    """Return ``"quick"`` or ``"full"``."""
    return "quick" if is_quick() else "full"


@contextlib.contextmanager
def use_mode(name: str):
    """Context manager that forces ``"quick"`` or ``"full"`` mode inside its block.

    Example:
        >>> with use_mode("quick"):
        ...     setting("epochs")
        2
    """
    global _override
    if name not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick' or 'full'. Received: name={name!r}")
    previous = _override
    _override = name == "quick"
    try:
        yield
    finally:
        _override = previous


def set_mode(name: str) -> str:
    """Switch the whole session to ``"quick"`` or ``"full"`` mode (e.g. in a notebook's first
    cell: ``config.set_mode("full")``); ``None`` goes back to the ``UNSUPLAB_QUICK`` variable.

    Returns the mode now in force.
    """
    global _override
    if name is not None and name not in ("quick", "full"):
        raise ValueError(f"mode must be 'quick', 'full' or None. Received: name={name!r}")
    _override = None if name is None else name == "quick"
    return mode()


def pick(*, quick, full):
    """Return ``quick`` in quick mode and ``full`` otherwise."""
    return quick if is_quick() else full


PRETRAINED_ENV_VAR = "UNSUPLAB_PRETRAINED"
_pretrained_override: bool | None = None


def pretrained() -> bool:
    """True when the chapters use the shipped full-mode weights (``unsuplab/pretrained/``)
    instead of training: ``UNSUPLAB_PRETRAINED=1`` or :func:`use_pretrained`. Off by default
    (``make lab``, Binder and Colab turn it on)."""
    if _pretrained_override is not None:
        return _pretrained_override
    return _switch(PRETRAINED_ENV_VAR)


def describe() -> str:
    """One line for a notebook's set-up cell: the mode and where the models come from, e.g.
    ``"quick mode, shipped full-mode models (models not shipped train in quick mode)"``."""
    if is_quick() and pretrained():
        return ("quick mode, shipped full-mode models (models not shipped train in quick "
                "mode); config.use_pretrained(False) trains them all here")
    if is_quick():
        return "quick mode, models trained here in quick mode (a first look)"
    if pretrained():
        return "full mode, shipped full-mode models where they exist, the others trained here"
    return "full mode, every model trained here (the real result: minutes per chapter)"


def use_pretrained(on: bool | None = True) -> bool:
    """Load the shipped full-mode models instead of training them (a notebook cell:
    ``config.use_pretrained()``, before the models are asked for); ``False`` turns it off,
    ``None`` goes back to ``UNSUPLAB_PRETRAINED``. Models not shipped still train.

    In quick mode this gives the full-quality figures on the quick mode's small test subsets,
    in about a minute: what a class on Binder needs.
    """
    global _pretrained_override
    if on is not None and not isinstance(on, bool):
        raise TypeError(f"on must be True, False or None. Received: on={on!r}")
    _pretrained_override = on
    return pretrained()


@contextlib.contextmanager
def pretrained_context(on: bool | None):
    """Context manager that sets :func:`use_pretrained` inside its block and restores what was
    in force before (an earlier :func:`use_pretrained` call, or the environment variable).

    Example:
        >>> with pretrained_context(False):  # train here, whatever UNSUPLAB_PRETRAINED says
        ...     pretrained()
        False
    """
    global _pretrained_override
    previous = _pretrained_override
    use_pretrained(on)
    try:
        yield
    finally:
        _pretrained_override = previous


def setting(name: str):
    """Return the value of the setting ``name`` for the current mode.

    Raises:
        ValueError: for an unknown name; the message lists the names that exist.
    """
    try:
        quick, full = SETTINGS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown setting; known settings: {sorted(SETTINGS)}. Received: name={name!r}"
        ) from None
    return quick if is_quick() else full


def set_seed(seed: int = 0, *, deterministic: bool = True) -> int:
    """Seed Python, NumPy and Keras (hence TensorFlow), and make TensorFlow deterministic.

    With ``deterministic=True`` TensorFlow's op determinism is turned on, so a seeded run
    gives the same numbers twice on the same machine (it can cost some speed on a GPU).

    Returns:
        The seed, so that ``rng = np.random.default_rng(set_seed(0))`` reads naturally.
    """
    if (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
            or seed > 2**32 - 1):  # NumPy's limit, named here rather than by NumPy
        raise ValueError(f"seed must be an integer in [0, 2**32 - 1]. Received: seed={seed!r}")
    seed = int(seed)
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    import keras

    keras.utils.set_random_seed(seed)  # also seeds NumPy's global generator
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return seed


def set_precision(policy: str = "float32") -> str:
    """Set the Keras dtype policy: ``"float32"`` (default), ``"mixed_float16"`` (GPUs) or
    ``"mixed_bfloat16"`` (TPUs, recent CPUs). Models built afterwards use it."""
    choices = ("float32", "mixed_float16", "mixed_bfloat16")
    if policy not in choices:
        raise ValueError(f"policy must be one of {choices}. Received: policy={policy!r}")
    import keras

    keras.mixed_precision.set_global_policy(policy)
    return policy


def environment_report() -> dict:
    """Versions, devices and mode, as a dict (chapter 00 prints it)."""
    import platform

    report = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_cores": os.cpu_count(),
        "mode": mode(),
        "numpy": np.__version__,
    }
    for name in ("tensorflow", "keras", "sklearn", "skimage", "matplotlib", "ipywidgets"):
        try:
            module = __import__(name)
            report[name] = getattr(module, "__version__", "?")
        except ImportError:
            report[name] = "not installed"
    try:
        import keras

        report["keras_backend"] = keras.backend.backend()
        if report["keras_backend"] == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            report["gpus"] = [g.name for g in gpus] or "none"
    except ImportError:
        pass
    return report
