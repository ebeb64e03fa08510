"""Chapter 08 — unsupervised pretraining for few labels: the protocol and the recipes.

The notebook ``08_pretraining_and_augmentation`` and ``benchmarks/pretraining.py`` both call
:func:`load_data`, :func:`pretrain`, :func:`run_protocol` and the augmentation experiments
(:func:`augment_experiments`), so the benchmark measures what the notebook shows.

Protocol:

- Fashion-MNIST: ``fewlabel.train_size`` training images (full: all 60 000) are the
  *unlabelled pool* every representation is pretrained on, without labels; the scores are on
  ``fewlabel.test_size`` test images (full: all 10 000), never used to pretrain or select.
- Label budgets ``fewlabel.label_counts`` (full: 10, 100, 1000, 10 000), each drawn
  ``fewlabel.n_draws`` times (full: 5; seeds 0..4), class-balanced
  (:func:`unsuplab.data.labels.draw_labels`): the same draws for every method.
- Representations (:data:`REPRESENTATIONS`): raw pixels, PCA, the chapter 01 convolutional
  autoencoder's code, the chapter 03 VAE's posterior mean, the chapter 06 contrastive
  encoder's features — each pretrained once on the pool, then frozen.
- Methods (:data:`METHODS`): a linear probe on the frozen features; label spreading over the
  kNN graph of the pool's features (the unlabelled images take part; test images are then
  classified by their neighbours in the pool); the small CNN trained from scratch on the
  labelled images; the same CNN fine-tuned from a pretrained encoder.
- Choices made on a validation split of the *training* set (50 000 pool / 10 000
  validation, seed 123), never on the test images: the probe's C (0.1, 1, 10, 100), the
  graph's ``n_neighbors`` (10, 20) and metric, the contrastive layer probed, and the
  chapter's method :data:`BEST`. The CNN's steps and learning rate and spreading's
  ``alpha`` were fixed beforehand, not tuned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import config
from .._validation import check_choice, check_images, check_number
from ..data.labels import draw_labels, hide_labels

#: name -> what the features are.
REPRESENTATIONS = {
    "pixels": "raw pixels (784 grey levels)",
    "pca": "PCA of the pixels (fewlabel.pca_dim components)",
    "ae": "chapter 01 convolutional autoencoder, its code",
    "vae": "chapter 03 convolutional VAE, its posterior mean",
    "contrastive": "chapter 06 contrastive (SimCLR) encoder, its 256-d hidden layer",
}
#: name -> what is trained on the labels.
METHODS = {
    "probe": "logistic regression on the frozen features",
    "spreading": "label spreading on the kNN graph of the pool's features",
    "scratch": "the small CNN, trained from scratch on the labelled images",
    "finetune": "the small CNN's head on the pretrained encoder, all fine-tuned",
}
#: The chapter's answer, chosen on the validation split: (representation, method). There
#: fine-tuning the contrastive encoder scored 0.750 / 0.842 at 100 / 1 000 labels (2 draws),
#: a probe on its hidden layer 0.757 / 0.830, the scratch CNN 0.679 / 0.805.
BEST = ("contrastive", "finetune")
#: The (representation, method) pairs the notebook and the benchmark run.
PAIRS = (("pixels", "probe"), ("pca", "probe"), ("pca", "spreading"), ("ae", "probe"),
         ("vae", "probe"), ("contrastive", "probe"), ("contrastive", "spreading"),
         ("contrastive", "finetune"), ("pixels", "scratch"))
#: Spreading's settings (chosen on the validation split).
SPREADING = {"n_neighbors": 10, "alpha": 0.99, "max_iter": 30, "metric": "cosine"}


@dataclass(frozen=True)
class Data:
    """The images of chapter 08.

    Attributes:
        x_train: uint8 (N, 28, 28, 1): the unlabelled pool (labels revealed by draws only).
        y_train: its labels (N,), revealed only at the drawn indices.
        x_test, y_test: the scored test images and labels.
        class_names: the ten class names.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple


def load_data(*, train_size=None, test_size=None, seed=0) -> Data:
    """The pool (``fewlabel.train_size``) and test images (``fewlabel.test_size``), uint8,
    class-balanced seeded subsets (all of them in full mode)."""
    from .. import data

    train_size = (config.setting("fewlabel.train_size") if train_size is None
                  else check_number(train_size, "train_size", low=1, integer=True))
    test_size = (config.setting("fewlabel.test_size") if test_size is None
                 else check_number(test_size, "test_size", low=1, integer=True))
    (x_train, y_train), (x_test, y_test), names = data.load_fashion_mnist()
    x_train, y_train = data.subset(x_train, y_train, train_size, seed=seed)
    x_test, y_test = data.subset(x_test, y_test, test_size, seed=seed)
    return Data(x_train[..., None], y_train.astype(np.int64), x_test[..., None],
                y_test.astype(np.int64), tuple(names))


class HiddenFeatures:
    """A pretrained model's features taken one layer before its code: ``encode(images)``
    gives the output of ``layer`` (for the contrastive encoder, its 256-d hidden dense layer
    after batch norm: the last linear map to the 64-d code, trained only through the
    projection head, drops class information the hidden layer still holds. On the
    validation split, probes scored 0.757 / 0.830 there against 0.748 / 0.817 on the code,
    at 100 / 1 000 labels).

    ``encoder`` is the image -> hidden-layer network (what fine-tuning starts from),
    ``model`` the whole pretrained model, ``training_history`` its pretraining logs.
    """

    def __init__(self, model, layer="enc_dense1_bn"):
        import keras

        net = model.encoder
        self.model = model
        self.encoder = keras.Model(net.input, net.get_layer(layer).output, name="hidden")
        self.latent_dim = int(self.encoder.output.shape[-1])
        self.training_history = getattr(model, "training_history", {})

    def encode(self, images):
        from .._validation import as_image_batch
        from ..models._base import predict_batched

        x, _ = as_image_batch(images, "images", ndim=(3, 4), scale=False)  # scaled per batch
        return predict_batched(lambda b: self.encoder(b, training=False), x, batch_size=1024)


class Pixels:
    """The identity "representation": ``encode(images)`` -> flattened grey levels in [0, 1]."""

    latent_dim = 784

    def encode(self, images):
        x = check_images(images, "images", ndim=(3, 4), dtype_kind="uif")
        flat = x.reshape(len(x), -1)
        return flat.astype(np.float32) / 255.0 if x.dtype.kind in "ui" else flat.astype(
            np.float32)


def pretrain(name, x_train, *, verbose=0, seed=0):
    """The representation ``name`` pretrained on the unlabelled ``x_train`` (through the
    model cache for the Keras ones).

    Returns:
        ``(model, seconds, trained)``: an object with ``encode(images) -> (N, d)``, the wall
        seconds this call took, and whether a model was trained (False: from the cache).
    """
    check_choice(name, "name", tuple(REPRESENTATIONS))
    start = time.perf_counter()
    trained = False
    if name == "pixels":
        model = Pixels()
    elif name == "pca":
        from ..models.pca import PCAAutoencoder

        model = PCAAutoencoder(config.setting("fewlabel.pca_dim")).fit(x_train)
        trained = True
    elif name == "ae":
        from .ch01 import cached_autoencoder

        model, trained = cached_autoencoder(
            "conv", config.setting("fewlabel.ae_latent"), x_train,
            epochs=config.setting("fewlabel.ae_epochs"), seed=seed, verbose=verbose)
    elif name == "vae":
        from .ch03 import cached_vae

        model, trained = cached_vae(
            x_train, latent_dim=config.setting("fewlabel.vae_latent"),
            epochs=config.setting("fewlabel.vae_epochs"), seed=seed, verbose=verbose)
    else:
        from .ch06 import cached_contrastive

        model, trained = cached_contrastive(
            x_train, epochs=config.setting("fewlabel.contrastive_epochs"),
            batch_size=config.setting("fewlabel.contrastive_batch"), learning_rate=2e-3,
            latent_dim=config.setting("fewlabel.contrastive_latent"), temperature=0.5,
            seed=seed, verbose=verbose)
        model = HiddenFeatures(model)
    return model, time.perf_counter() - start, trained


@dataclass
class Features:
    """Frozen features of one representation: pool and test, float32."""

    name: str
    train: np.ndarray
    test: np.ndarray
    encoder: object = None
    pretrain_s: float = 0.0
    graph: tuple | None = None

    def spreading_graph(self):
        """The pool's kNN graph (built once, reused by every label draw)."""
        if self.graph is None:
            from ..models.spreading import knn_graph

            self.graph = knn_graph(self.train, SPREADING["n_neighbors"],
                                   metric=SPREADING["metric"])
        return self.graph


def features(name, data, *, verbose=0, seed=0) -> Features:
    """Pretrain ``name`` on ``data.x_train`` and encode the pool and the test images."""
    model, seconds, _ = pretrain(name, data.x_train, verbose=verbose, seed=seed)
    f_train = np.asarray(model.encode(data.x_train), np.float32)
    f_test = np.asarray(model.encode(data.x_test), np.float32)
    return Features(name, f_train, f_test, model, seconds)


def keras_encoder(model):
    """A fresh, trainable copy of a pretrained model's image -> features network (to
    fine-tune without touching the cached model), or None for pixels and PCA."""
    import keras

    if isinstance(model, HiddenFeatures):  # fine-tune the whole encoder, up to its code
        model = model.model
    net = getattr(model, "encoder", None)
    if not isinstance(net, keras.Model):
        return None
    if isinstance(net.output, (list, tuple)):  # a VAE's [z_mean, z_log_var]: keep the mean
        net = keras.Model(net.input, net.output[0])
    copy = keras.models.clone_model(net)
    copy.set_weights(net.get_weights())
    return copy


def train_classifier(x, y, *, encoder=None, steps=None, batch_size=None, learning_rate=None,
                     seed=0, verbose=0, reuse=None):
    """The small CNN (or the head on ``encoder``, all fine-tuned) trained on labelled images.

    Adam with a cosine-decayed learning rate, ``fewlabel.cnn_steps`` steps of
    ``fewlabel.cnn_batch`` images whatever the number of labels (a fixed budget, so 100
    labels are not under-trained against 10 000).

    Args:
        reuse: ``None``, or a dict that keeps one compiled classifier per architecture
            between calls (:func:`unsuplab.training.reuse_compiled`; what
            :func:`run_protocol` and :func:`augment_experiments` pass): the same numbers as
            a new model, without the 20-40 MiB each newly trained model keeps on TensorFlow
            (the chapter trains 35). The returned model is overwritten by the next call.

    Returns:
        The trained :class:`~unsuplab.models.ImageClassifier`.
    """
    import keras

    from ..models.fewlabel import ImageClassifier
    from ..training import fit, reuse_compiled

    steps = config.setting("fewlabel.cnn_steps") if steps is None else steps
    steps = check_number(steps, "steps", low=1, integer=True)
    batch_size = config.setting("fewlabel.cnn_batch") if batch_size is None else batch_size
    learning_rate = (config.setting("fewlabel.cnn_learning_rate") if learning_rate is None
                     else learning_rate)
    config.set_seed(seed)
    shape = tuple(x.shape[1:]) if np.ndim(x) == 4 else (*x.shape[1:], 1)
    model = ImageClassifier(10, shape, encoder=encoder, seed=seed)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(schedule))
    if reuse is not None:
        model = reuse_compiled(model, reuse)
    logs = 10 if steps >= 10 else 1
    fit(model, x, y, epochs=logs, steps_per_epoch=steps // logs, batch_size=batch_size,
        seed=seed, verbose=verbose)
    return model


def evaluate(method, feats, data, labelled, *, seed=0, reuse=None):
    """Test accuracy and predictions of ``method`` on ``feats`` with the labels at
    ``labelled`` (indices into the pool); ``reuse``: :func:`train_classifier`'s, for the CNN
    methods."""
    from ..models.probe import LinearProbe
    from ..models.spreading import LabelSpreader

    check_choice(method, "method", tuple(METHODS))
    y_lab = data.y_train[labelled]
    if method == "probe":
        model = LinearProbe(C=config.setting("fewlabel.probe_C"))
        pred = model.fit(feats.train[labelled], y_lab).predict(feats.test)
    elif method == "spreading":
        model = LabelSpreader(**SPREADING)
        model.fit(feats.train, hide_labels(data.y_train, labelled),
                  graph=feats.spreading_graph())
        pred = model.predict(feats.test)
    else:
        encoder = keras_encoder(feats.encoder) if method == "finetune" else None
        if method == "finetune" and encoder is None:
            raise ValueError(f"finetune needs a Keras encoder; {feats.name!r} has none. "
                             f"Received: representation={feats.name!r}")
        model = train_classifier(data.x_train[labelled], y_lab, encoder=encoder, seed=seed,
                                 reuse=reuse)
        pred = model.predict_classes(data.x_test)
    return float((pred == data.y_test).mean()), pred


def run_protocol(data, feats, pairs, *, label_counts=None, n_draws=None, verbose=False,
                 progress=True):
    """Every (representation, method) pair on every label budget and draw.

    Args:
        data: :class:`Data`.
        feats: representation name -> :class:`Features`.
        pairs: ``(representation, method)`` pairs; ``scratch`` ignores the representation.
        label_counts, n_draws: default ``fewlabel.label_counts`` and ``fewlabel.n_draws``
            (``fewlabel.cnn_label_counts`` limits the CNN methods).
        progress: a bar over the label draws (``tqdm.auto``: a widget in a notebook; it stays
            when done, see :func:`unsuplab.chapters.ch07.run_methods`).

    Returns:
        A list of records ``{"representation", "method", "n_labels", "draw", "accuracy",
        "seconds"}``.
    """
    label_counts = (config.setting("fewlabel.label_counts") if label_counts is None
                    else label_counts)
    n_draws = config.setting("fewlabel.n_draws") if n_draws is None else n_draws
    cnn_counts = set(config.setting("fewlabel.cnn_label_counts"))
    from tqdm.auto import tqdm

    records, kept = [], {}  # kept: one compiled CNN per architecture (train_classifier)
    runs = [(rep, method, n) for rep, method in pairs for n in label_counts
            if not (method in ("scratch", "finetune") and n not in cnn_counts)]
    bar = tqdm(total=len(runs) * n_draws, desc="label draws", unit="draw",
               disable=not progress)
    for rep, method in pairs:
        for n in label_counts:
            if method in ("scratch", "finetune") and n not in cnn_counts:
                continue
            bar.set_postfix_str(f"{rep} + {method}, {n} labels")
            for draw in range(n_draws):
                start = time.perf_counter()
                labelled = draw_labels(data.y_train, n, seed=draw)
                acc, _ = evaluate(method, feats[rep], data, labelled, seed=draw, reuse=kept)
                records.append({"representation": rep, "method": method, "n_labels": n,
                                "draw": draw, "accuracy": acc,
                                "seconds": time.perf_counter() - start})
                bar.update()
            if verbose:
                accs = [r["accuracy"] for r in records[-n_draws:]]
                print(f"{rep:12s} {method:10s} {n:6d} labels: {np.mean(accs):.3f} "
                      f"± {np.std(accs, ddof=1) if len(accs) > 1 else 0:.3f}", flush=True)
    bar.close()
    return records


def summarize(records) -> list:
    """One row per (representation, method, n_labels): mean, sd (ddof=1) over the draws."""
    rows = []
    keys = dict.fromkeys((r["representation"], r["method"], r["n_labels"]) for r in records)
    for rep, method, n in keys:
        accs = [r["accuracy"] for r in records
                if (r["representation"], r["method"], r["n_labels"]) == (rep, method, n)]
        rows.append({"representation": rep, "method": method, "n_labels": n,
                     "mean": float(np.mean(accs)),
                     "sd": float(np.std(accs, ddof=1)) if len(accs) > 1 else 0.0,
                     "draws": len(accs)})
    return rows


#: The two generative augmentation experiments (:mod:`unsuplab.models.augment`).
AUGMENTATIONS = {
    "latent": "decoded same-class interpolations + noise of the labelled images' VAE codes",
    "generative": "VAE samples labelled by the CNN trained on the labels (confidence >= 0.9)",
}


def augment_experiments(data, vae, kinds=tuple(AUGMENTATIONS), *, n_labels=100,
                        n_draws=None, n_new=None, threshold=0.9, verbose=False, progress=True):
    """The gain of the scratch CNN from synthetic images, per draw, for each kind
    (``progress``: a bar over the draws, as in :func:`run_protocol`).

    For each draw, the CNN is trained on the ``n_labels`` labelled images alone (once,
    shared by the kinds) and on those images plus ``n_new`` synthetic ones of each kind
    (:data:`AUGMENTATIONS`; same seed, same steps); all are scored on the test images.

    Returns:
        ``kind -> dict`` with ``plain`` and ``augmented`` (per-draw accuracies), ``kept``
        (synthetic images used per draw) and ``gain``
        (:func:`unsuplab.metrics.intervals.paired_gain`; one draw: the difference only).
    """
    from tqdm.auto import trange

    from ..metrics.intervals import paired_gain
    from ..models.augment import latent_augment, pseudo_labelled_samples

    kinds = tuple(check_choice(k, "kind", tuple(AUGMENTATIONS)) for k in kinds)
    n_draws = config.setting("fewlabel.n_draws") if n_draws is None else n_draws
    n_new = config.setting("fewlabel.augment_new") if n_new is None else n_new
    out = {k: {"plain": [], "augmented": [], "kept": []} for k in kinds}
    kept = {}  # one compiled CNN for every training (train_classifier's reuse)
    for draw in trange(n_draws, desc="augmentation draws", unit="draw",
                       disable=not progress):
        idx = draw_labels(data.y_train, n_labels, seed=draw)
        x_lab = data.x_train[idx].astype(np.float32) / 255.0
        y_lab = data.y_train[idx]
        base = train_classifier(x_lab, y_lab, seed=draw, reuse=kept)
        plain = base.score(data.x_test, data.y_test)
        synthetic = {}  # made before the next training overwrites ``base``
        for kind in kinds:
            if kind == "latent":
                synthetic[kind] = latent_augment(vae, x_lab, y_lab, n_new, seed=draw)
            else:
                samples = vae.sample(n_new, seed=draw)
                synthetic[kind] = pseudo_labelled_samples(
                    samples, base.predict_proba(samples), threshold=threshold)
        for kind, (x_new, y_new) in synthetic.items():
            model = train_classifier(np.concatenate([x_lab, x_new]),
                                     np.concatenate([y_lab, y_new]), seed=draw, reuse=kept)
            r = out[kind]
            r["plain"].append(plain)
            r["augmented"].append(model.score(data.x_test, data.y_test))
            r["kept"].append(len(x_new))
            if verbose:
                print(f"{kind} draw {draw}: {plain:.3f} -> {r['augmented'][-1]:.3f} "
                      f"({len(x_new)} synthetic images)", flush=True)
    for r in out.values():
        r["gain"] = paired_gain(r["augmented"], r["plain"]) if n_draws > 1 else {
            "mean": r["augmented"][0] - r["plain"][0], "low": np.nan, "high": np.nan,
            "half_width": np.nan, "sd": np.nan}
    return out


__all__ = [
    "AUGMENTATIONS",
    "BEST",
    "METHODS",
    "PAIRS",
    "REPRESENTATIONS",
    "SPREADING",
    "Data",
    "Features",
    "HiddenFeatures",
    "Pixels",
    "augment_experiments",
    "evaluate",
    "features",
    "keras_encoder",
    "load_data",
    "pretrain",
    "run_protocol",
    "summarize",
    "train_classifier",
]
