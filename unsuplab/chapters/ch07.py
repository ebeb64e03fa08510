"""Chapter 07 — unsupervised segmentation: the data protocol and the run-every-method recipe.

The notebook and ``benchmarks/segmentation.py`` both call :func:`load_data` and
:func:`run_methods`, so the benchmark measures exactly what the notebook shows.

Protocol:

- Mosaics: ``make_mosaics(seg.n_mosaics, seed=0, size=seg.size)`` (the first 12 cover every
  (shape, kind) pair). Every method is told the true number of regions ``k`` of each mosaic
  (the same oracle for all), and scored by Hungarian-matched mIoU, pixel ARI, variation of
  information and adapted Rand error (:mod:`unsuplab.metrics.segmentation`).
- Hyper-parameters (Gabor bank, weights, steps, merging rule) were chosen on *other*
  mosaics (``seed=1``), never on the scored ones.
- The deep method (:class:`~unsuplab.models.FeatureClustering`) is trained on each image
  from the same seeded initial weights; the benchmark repeats it over ``seg.seeds``.
  ``dfc_rgb`` is Kim et al.'s method on the RGB image; ``dfc_superpixel`` (our variant, the
  chapter's deep method) gives the same network CIELAB colour and Gabor log-energies in
  *fixed* units (centred, not standardised per image: a feature that does not vary in an
  image stays near zero instead of being blown up to unit variance), then lets each
  quickshift superpixel take the majority cluster of its pixels (Kim & Kanezaki 2018).
  Clusters are merged to ``k`` by size-weighted k-means on each cluster's mean response
  (``dfc_rgb``) or mean input feature (``dfc_superpixel``) (:data:`MERGE_ON`). All of this
  was chosen on the seed-1 mosaics.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import config
from ..data.segmentation import MosaicSet, load_segmentation_photos, make_mosaics
from ..metrics.segmentation import segmentation_scores
from ..models.segmentation_classical import (
    METHODS as CLASSICAL,
)
from ..models.segmentation_classical import (
    Segmentation,
    check_image,
    check_k,
    gabor_features,
    lab,
    quickshift_superpixels,
)
from ..models.segmentation_classical import (
    segment as classical_segment,
)

#: The deep variants: name -> what the network is given as input.
DEEP = {"dfc_rgb": "RGB image (Kim et al. 2020)",
        "dfc_superpixel": "CIELAB + Gabor energies, superpixel vote"}
#: The chapter's deep method (the benchmark's ``deep_*`` keys).
DEEP_METHOD = "dfc_superpixel"
#: Units of the fixed-scale inputs: CIELAB is divided by ``LAB_UNIT`` (a colour difference of
#: 10 counts as much as a factor e in a Gabor energy). Chosen on the seed-1 mosaics.
LAB_UNIT = 10.0
METHOD_NAMES = (*CLASSICAL, *DEEP)
#: What a deep variant's clusters are merged on (chosen on the seed-1 mosaics).
MERGE_ON = {"dfc_rgb": "response", "dfc_superpixel": "input"}
#: Short labels for tables and figures.
LABELS = {
    "kmeans_colour": "k-means colour",
    "kmeans_colour_xy": "k-means colour+xy",
    "slic": "SLIC + merge",
    "felzenszwalb": "Felzenszwalb + merge",
    "quickshift": "quickshift + merge",
    "gabor_kmeans": "Gabor + k-means",
    "dfc_rgb": "DFC (RGB)",
    "dfc_superpixel": "DFC (colour+texture, superpixels)",
}


@dataclass(frozen=True)
class Ch07Data:
    """The chapter's images: scored ``mosaics`` and unscored ``photos`` (name -> image)."""

    mosaics: MosaicSet
    photos: dict


def load_data(*, n_mosaics=None, size=None, seed=0) -> Ch07Data:
    """The scored mosaics and the photographs (counts and sizes from the ``seg.*`` settings)."""
    n_mosaics = config.setting("seg.n_mosaics") if n_mosaics is None else n_mosaics
    size = config.setting("seg.size") if size is None else size
    mosaics = make_mosaics(n_mosaics, seed=seed, size=size)
    photos = load_segmentation_photos(config.setting("seg.photos"),
                                      size=config.setting("seg.photo_size"))
    return Ch07Data(mosaics, photos)


def deep_inputs(image, variant=DEEP_METHOD):
    """The input channels of a deep variant for one image: (H, W, 3) RGB for ``dfc_rgb``;
    for ``dfc_superpixel`` CIELAB / :data:`LAB_UNIT` (3) and Gabor log-energies (16), each
    channel centred on its image mean but *not* rescaled."""
    x = check_image(image)
    if variant == "dfc_rgb":
        return x
    if variant != "dfc_superpixel":
        raise ValueError(f"Unknown variant; choose one of {tuple(DEEP)}. Received: {variant!r}")
    c = lab(x)
    g = gabor_features(x)
    features = np.concatenate([c / LAB_UNIT, g], axis=-1)
    return (features - features.mean((0, 1))).astype(np.float32)


def build_feature_clustering(variant=DEEP_METHOD, *, filters=None, n_clusters=None,
                             learning_rate=None, continuity=1.0, seed=0):
    """An untrained :class:`~unsuplab.models.FeatureClustering` for ``variant`` (seeded)."""
    from ..models.feature_clustering import FeatureClustering

    if variant not in DEEP:
        raise ValueError(f"Unknown variant; choose one of {tuple(DEEP)}. Received: {variant!r}")
    config.set_seed(seed)
    channels = 3 if variant == "dfc_rgb" else 3 + 16
    return FeatureClustering(
        channels,
        filters=config.setting("seg.filters") if filters is None else filters,
        n_clusters=config.setting("seg.n_clusters") if n_clusters is None else n_clusters,
        learning_rate=config.setting("seg.learning_rate") if learning_rate is None
        else learning_rate,
        continuity=continuity,
        seed=seed,
    )


_MODELS: dict = {}


def feature_clustering(variant=DEEP_METHOD, *, seed=0, **kwargs):
    """The (reused) model of ``variant`` and ``seed``: built once per process, so its compiled
    training step serves every image of the same size."""
    key = (variant, seed, config.mode(), tuple(sorted(kwargs.items())))
    if key not in _MODELS:
        _MODELS[key] = build_feature_clustering(variant, seed=seed, **kwargs)
    return _MODELS[key]


def segment(image, k, method=DEEP_METHOD, *, seed=0, steps=None) -> Segmentation:
    """Segment one image into ``k`` segments with any method of :data:`METHOD_NAMES`."""
    if method not in METHOD_NAMES:
        raise ValueError(f"Unknown method; choose one of {METHOD_NAMES}. Received: {method!r}")
    if method in CLASSICAL:
        return classical_segment(image, k, method=method, seed=seed)
    x = check_image(image)
    k = check_k(k)
    steps = config.setting("seg.steps") if steps is None else steps
    start = time.perf_counter()
    model = feature_clustering(method, seed=seed)
    superpixels = quickshift_superpixels(x, seed=seed) if method == "dfc_superpixel" else None
    labels = model.segment(deep_inputs(x, method), k, steps=steps, merge_on=MERGE_ON[method],
                           superpixels=superpixels)
    return Segmentation(labels, method, time.perf_counter() - start)


def run_methods(mosaics, methods=METHOD_NAMES, *, seeds=(0,), steps=None, verbose=False,
                progress=True):
    """Every method on every mosaic -> a list of records (one per method, seed and mosaic):
    ``{"method", "seed", "index", "kind", "miou", "ari", "vi", "are", "seconds"}``.
    Classical methods run once (seed 0); deep ones once per seed in ``seeds``. ``progress``
    shows a bar over the segmentations (``tqdm.auto``: a widget in a notebook). The bar stays
    when done: a bar closed from the kernel leaves JupyterLab an output whose widget is gone,
    shown as "Error displaying widget" when the notebook is reopened."""
    from tqdm.auto import tqdm

    runs = [(method, seed) for method in methods for seed in (seeds if method in DEEP else (0,))]
    bar = tqdm(total=len(runs) * len(mosaics), desc="segmenting", unit="image",
               disable=not progress)
    records = []
    for method, seed in runs:
        bar.set_postfix_str(f"{method}, seed {seed}")
        for i in range(len(mosaics)):
            result = segment(mosaics.images[i], int(mosaics.n_regions[i]), method,
                             seed=seed, steps=steps)
            scores = segmentation_scores(mosaics.labels[i], result.labels)
            records.append({"method": method, "seed": seed, "index": i,
                            "kind": mosaics.kinds[i], **scores, "seconds": result.seconds})
            bar.update()
        if verbose:
            done = [r["miou"] for r in records if r["method"] == method and r["seed"] == seed]
            print(f"{method} (seed {seed}): mIoU {np.mean(done):.3f}", flush=True)
    bar.close()
    return records


def summarize(records) -> list:
    """One row per method: mean and sd of mIoU and ARI over the mosaics, mean VI and adapted
    Rand error, seconds per image. For a method run with several seeds, the sd is that of the
    per-seed means (the spread over mosaics is ``miou_sd_mosaics``)."""
    rows = []
    for method in dict.fromkeys(r["method"] for r in records):
        mine = [r for r in records if r["method"] == method]
        seeds = sorted({r["seed"] for r in mine})
        per_seed = [np.mean([r["miou"] for r in mine if r["seed"] == s]) for s in seeds]
        rows.append({
            "method": method,
            "miou": float(np.mean([r["miou"] for r in mine])),
            "miou_sd": float(np.std(per_seed)) if len(seeds) > 1 else float(
                np.std([r["miou"] for r in mine])),
            "miou_sd_mosaics": float(np.std([r["miou"] for r in mine])),
            "ari": float(np.mean([r["ari"] for r in mine])),
            "ari_sd": float(np.std([r["ari"] for r in mine])),
            "vi": float(np.mean([r["vi"] for r in mine])),
            "are": float(np.mean([r["are"] for r in mine])),
            "s_per_image": float(np.mean([r["seconds"] for r in mine])),
            "seeds": len(seeds),
        })
    return rows


__all__ = [
    "DEEP",
    "DEEP_METHOD",
    "LABELS",
    "LAB_UNIT",
    "MERGE_ON",
    "METHOD_NAMES",
    "Ch07Data",
    "build_feature_clustering",
    "deep_inputs",
    "feature_clustering",
    "load_data",
    "run_methods",
    "segment",
    "summarize",
]
