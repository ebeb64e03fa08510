"""Chapter 06 — image clustering and retrieval: the data protocol and the training recipes.

The notebook ``06_image_clustering`` and ``benchmarks/clustering.py`` both take their images
from :func:`load_data` and their encoders from :func:`cached_contrastive` (the self-supervised
encoder, also what chapter 08 pretrains) and :func:`cached_autoencoder`.

Protocol (the one of the deep-clustering papers: DEC, IDEC, N2D): all 70 000 Fashion-MNIST
images (training and test sets together) are clustered into 10 groups; labels are used only
to score (ACC with Hungarian matching, NMI, ARI). Retrieval: queries from the test set, the
database the training set. Quick mode takes a stratified subset (``cluster.size``).

    >>> from unsuplab.chapters import ch06
    >>> data = ch06.load_data()
    >>> encoder, trained = ch06.cached_contrastive(data.x)
    >>> features = encoder.encode(data.x)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import config
from .._validation import check_methods, check_number
from ..models.contrastive import ContrastiveEncoder
from .ch01 import image_shape_of


@dataclass(frozen=True)
class Data:
    """Chapter 06's images: uint8 (N, 28, 28, 1), kept uint8 (70k images are 55 MB).

    Attributes:
        x, y: every image clustered (training images first, then test images) and its label
            (used only for scoring and colouring).
        n_train: how many of ``x`` come from the training set: ``x[:n_train]`` is the
            retrieval database, ``x[n_train:]`` the queries.
        class_names: the ten class names.
    """

    x: np.ndarray
    y: np.ndarray
    n_train: int
    class_names: tuple

    @property
    def x_train(self):
        return self.x[: self.n_train]

    @property
    def y_train(self):
        return self.y[: self.n_train]

    @property
    def x_test(self):
        return self.x[self.n_train :]

    @property
    def y_test(self):
        return self.y[self.n_train :]


def load_data(*, size=None, seed=0):
    """Fashion-MNIST's training and test images together: ``cluster.size`` of them (quick
    2 000, full all 70 000), each part subset in proportion (6/7 training, 1/7 test),
    class-balanced and seeded.

    Returns:
        :class:`Data`.
    """
    from .. import data

    size = config.setting("cluster.size") if size is None else size
    size = check_number(size, "size", low=20, high=70000, integer=True)
    (x_train, y_train), (x_test, y_test), class_names = data.load_fashion_mnist()
    n_test = size * len(x_test) // (len(x_train) + len(x_test))
    n_train = size - n_test
    if n_train < len(x_train):
        x_train, y_train = data.subset(x_train, y_train, n_train, seed=seed)
    if n_test < len(x_test):
        x_test, y_test = data.subset(x_test, y_test, n_test, seed=seed)
    x = np.concatenate([x_train, x_test])[..., None]
    y = np.concatenate([y_train, y_test]).astype(np.int64)
    return Data(x, y, len(x_train), tuple(class_names))


def _contrastive_defaults(epochs, batch_size, learning_rate, latent_dim, temperature):
    values = {
        "epochs": config.setting("cluster.contrastive_epochs") if epochs is None else epochs,
        "batch_size": config.setting("cluster.batch_size") if batch_size is None else batch_size,
        "learning_rate": (config.setting("cluster.learning_rate") if learning_rate is None
                          else learning_rate),
        "latent_dim": config.setting("cluster.latent_dim") if latent_dim is None else latent_dim,
        "temperature": (config.setting("cluster.temperature") if temperature is None
                        else temperature),
    }
    check_number(values["epochs"], "epochs", low=1, integer=True)
    check_number(values["batch_size"], "batch_size", low=2, integer=True)
    check_number(values["learning_rate"], "learning_rate", low=0, low_inclusive=False)
    return values


def _contrastive_builder(x_train, seed, latent_dim, temperature, model_kwargs):
    image_shape = image_shape_of(x_train)

    def build():
        config.set_seed(seed)  # the weights' initialisation
        return ContrastiveEncoder(latent_dim, temperature=temperature, image_shape=image_shape,
                                  seed=seed, **model_kwargs)

    return build


def _contrastive_trainer(x_train, *, epochs, batch_size, learning_rate, callbacks, seed,
                         verbose):
    import keras

    from ..training import fit

    def train(model):
        steps = epochs * math.ceil(len(x_train) / batch_size)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.01)
        model.compile(optimizer=keras.optimizers.Adam(schedule))
        fit(model, x_train, epochs=epochs, batch_size=batch_size, callbacks=callbacks,
            seed=seed, verbose=verbose)
        return model

    return train


def train_contrastive(x_train, *, epochs=None, batch_size=None, learning_rate=None,
                      latent_dim=None, temperature=None, callbacks=None, seed=0, verbose=0,
                      **model_kwargs):
    """Build, compile (Adam, cosine-decayed learning rate) and train a
    :class:`~unsuplab.models.ContrastiveEncoder` on unlabelled images (no cache).

    Seeds the process (``config.set_seed(seed)``: the weights) and the model's augmentations
    (``seed``). Defaults come from the ``cluster.*`` settings (quick/full).

    Args:
        x_train: uint8 images (N, H, W[, C]) or float images in [0, 1]; no labels.
        epochs, batch_size, learning_rate: the optimisation (``cluster.contrastive_epochs``,
            ``cluster.batch_size``, ``cluster.learning_rate``).
        latent_dim, temperature: of the model (``cluster.latent_dim``,
            ``cluster.temperature``).
        **model_kwargs: the other arguments of :class:`~unsuplab.models.ContrastiveEncoder`
            (``architecture``, ``filters``, augmentation strengths...).

    Returns:
        The trained model; ``model.training_history`` holds the per-epoch ``loss`` and
        ``contrastive_accuracy``.
    """
    v = _contrastive_defaults(epochs, batch_size, learning_rate, latent_dim, temperature)
    build = _contrastive_builder(x_train, seed, v["latent_dim"], v["temperature"], model_kwargs)
    train = _contrastive_trainer(x_train, epochs=v["epochs"], batch_size=v["batch_size"],
                                 learning_rate=v["learning_rate"], callbacks=callbacks,
                                 seed=seed, verbose=verbose)
    return train(build())


def cached_contrastive(x_train, *, epochs=None, batch_size=None, learning_rate=None,
                       latent_dim=None, temperature=None, callbacks=None, seed=0, retrain=False,
                       verbose=0, **model_kwargs):
    """:func:`train_contrastive` through the model cache: load the encoder if this exact
    recipe was trained before (by the notebook, the benchmark or chapter 08), else train and
    cache it. The key holds the mode, the model's fingerprint (architecture, augmentations,
    temperature), the training arguments and a digest of the images.

    Returns:
        ``(model, trained)``: ``trained`` is False when the model came from the cache.
    """
    from ..training import load_or_train

    v = _contrastive_defaults(epochs, batch_size, learning_rate, latent_dim, temperature)
    params = {k: v[k] for k in ("epochs", "batch_size", "learning_rate")} | {"seed": seed}
    return load_or_train(
        f"contrastive_L{v['latent_dim']}",
        _contrastive_builder(x_train, seed, v["latent_dim"], v["temperature"], model_kwargs),
        _contrastive_trainer(x_train, epochs=v["epochs"], batch_size=v["batch_size"],
                             learning_rate=v["learning_rate"], callbacks=callbacks, seed=seed,
                             verbose=verbose),
        params=params,
        data=x_train,
        retrain=retrain,
    )


# --- feature spaces -----------------------------------------------------------------------------

FEATURES = ("pixels", "pca", "autoencoder", "contrastive")


def cached_autoencoder(x, *, seed=0, verbose=0):
    """Chapter 01's convolutional autoencoder (``cluster.ae_latent`` codes,
    ``cluster.ae_epochs`` epochs) trained on ``x`` through the model cache:
    ``(model, trained)``."""
    from . import ch01

    return ch01.cached_autoencoder("conv", config.setting("cluster.ae_latent"), x,
                                   epochs=config.setting("cluster.ae_epochs"), seed=seed,
                                   verbose=verbose)


def features(kind, x, *, seed=0, verbose=0):
    """The features of images ``x`` in one space of :data:`FEATURES` (float32 (N, d)):
    flattened pixels; ``cluster.pca_dim`` PCA scores; the codes of
    :func:`cached_autoencoder`; the features of :func:`cached_contrastive` (both trained on
    ``x`` itself: the protocol has no held-out set, labels are never seen)."""
    from ..models.clustering import check_features

    if kind not in FEATURES:
        raise ValueError(f"Unknown kind; choose one of {FEATURES}. Received: kind={kind!r}")
    if kind in ("pixels", "pca"):
        flat = check_features(x) / np.float32(255.0 if np.asarray(x).dtype.kind in "ui" else 1.0)
        if kind == "pixels":
            return flat
        from sklearn.decomposition import PCA

        pca = PCA(config.setting("cluster.pca_dim"), random_state=seed)
        return pca.fit_transform(flat).astype(np.float32)
    if kind == "autoencoder":
        return cached_autoencoder(x, seed=seed, verbose=verbose)[0].encode(x)
    return cached_contrastive(x, seed=seed, verbose=verbose)[0].encode(x)


# --- the ladder --------------------------------------------------------------------------------

#: The rungs: name -> (feature space, ClusteringPipeline arguments), in teaching order. DEC is
#: the one rung that trains after its features (:func:`train_dec`).
LADDER = {
    "kmeans_pixels": ("pixels", {"method": "kmeans"}),
    "kmeans_pca": ("pca", {"method": "kmeans"}),
    "kmeans_ae": ("autoencoder", {"method": "kmeans"}),
    "idec": ("autoencoder", None),
    "n2d_style": ("autoencoder", {"method": "gmm", "manifold": "umap"}),
    "contrastive_kmeans": ("contrastive", {"method": "kmeans", "rescaling": "l2"}),
    "contrastive_umap_gmm": ("contrastive", {"method": "gmm", "manifold": "umap",
                                             "rescaling": "l2"}),
}
BEST = "contrastive_umap_gmm"


def pipeline(name, *, n_clusters=10, seed=0):
    """The :class:`~unsuplab.models.ClusteringPipeline` of rung ``name`` (settings:
    ``cluster.n_init``, ``cluster.umap_components``, ``cluster.umap_neighbors``)."""
    from ..models.clustering import ClusteringPipeline

    if name not in LADDER or LADDER[name][1] is None:
        choices = tuple(k for k, v in LADDER.items() if v[1] is not None)
        raise ValueError(f"Unknown name; choose one of {choices}. Received: name={name!r}")
    kwargs = dict(LADDER[name][1])
    if kwargs.get("manifold") == "umap":
        kwargs |= {"n_components": config.setting("cluster.umap_components"),
                   "n_neighbors": config.setting("cluster.umap_neighbors"), "n_init": 1}
    else:
        kwargs["n_init"] = config.setting("cluster.n_init")
    return ClusteringPipeline(n_clusters, random_state=seed, **kwargs)


def train_dec(x, autoencoder, *, n_clusters=10, gamma=None, rounds=None, steps=None,
              batch_size=256, learning_rate=1e-4, tol=0.001, seed=0):
    """IDEC (Guo et al. 2017) from a trained conv autoencoder: centres by k-means on its
    codes, then ``rounds`` times: update the target :math:`P` on all of ``x``, stop if fewer
    than ``tol`` of the labels changed, else ``steps`` Adam steps on MSE + gamma KL(P || Q)
    (``gamma``, the weight of the clustering term: setting ``cluster.dec_gamma``, the paper's
    0.1).

    Returns:
        The :class:`~unsuplab.models.DEC`; ``training_history`` holds per round ``loss`` and
        ``label_change``.
    """
    import keras

    from ..models.dec import DEC, target_distribution
    from ..training import fit

    gamma = config.setting("cluster.dec_gamma") if gamma is None else gamma
    rounds = config.setting("cluster.dec_rounds") if rounds is None else rounds
    steps = config.setting("cluster.dec_steps") if steps is None else steps
    rounds = check_number(rounds, "rounds", low=1, integer=True)
    check_methods(autoencoder, "autoencoder", ("encode", "decode"),
                  what="a trained ConvAutoencoder")
    config.set_seed(seed)
    dec = DEC(n_clusters, autoencoder.latent_dim, filters=autoencoder.filters, gamma=gamma,
              image_shape=autoencoder.image_shape, seed=seed).init_from(autoencoder)
    labels = dec.init_centers(x, n_init=config.setting("cluster.n_init"), random_state=seed)
    dec.compile(optimizer=keras.optimizers.Adam(learning_rate))
    history = {"loss": [], "label_change": []}
    for r in range(rounds):
        q = dec.predict_proba(x)
        new = q.argmax(axis=1)
        change = float(np.mean(new != labels))
        labels = new
        history["label_change"].append(change)
        if r and change < tol:
            break
        fit(dec, x, target_distribution(q), epochs=1, steps_per_epoch=steps,
            batch_size=batch_size, seed=seed + r, verbose=0)
        history["loss"].append(dec.training_history["loss"][-1])
    dec.training_history = history
    return dec


def run_rung(name, x, y, *, seed=0, feature_cache=None):
    """Cluster ``x`` into 10 by rung ``name`` of :data:`LADDER`; score against ``y``.

    ``feature_cache`` (a dict) keeps each learned feature space's array between rungs (not the
    pixels: a float copy of 70 000 images is 220 MB, and :func:`features` remakes it in under a
    second). Returns a dict:
    ``name``, ``labels``, ``acc``, ``nmi``, ``ari``, ``seconds`` (features, if computed
    here, plus clustering).
    """
    import time

    from ..metrics import clustering_scores

    if name not in LADDER:
        raise ValueError(f"Unknown name; choose one of {tuple(LADDER)}. Received: name={name!r}")
    kind, _ = LADDER[name]
    cache = {} if feature_cache is None else feature_cache
    start = time.perf_counter()
    if name == "idec":
        ae, _ = cached_autoencoder(x, seed=seed)
        model = train_dec(x, ae, seed=seed)
        labels = model.predict_labels(x)
    else:
        feats = cache[kind] if kind in cache else features(kind, x, seed=seed)
        if kind != "pixels":  # pixels are recomputed in a second, not held (220 MB at 70k)
            cache[kind] = feats
        model = pipeline(name, seed=seed).fit(feats)
        del feats
        labels = model.labels_
    seconds = time.perf_counter() - start
    return {"name": name, "labels": labels, "seconds": seconds, "model": model,
            **clustering_scores(y, labels)}


__all__ = ["BEST", "FEATURES", "LADDER", "Data", "cached_autoencoder", "cached_contrastive",
           "features", "load_data", "pipeline", "run_rung", "train_contrastive", "train_dec"]
