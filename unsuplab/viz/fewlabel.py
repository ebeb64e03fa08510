"""Chapter 08 figures: the label-efficiency curve, a confusion matrix, augmentation gains
with their intervals, and the schematic of the few-label protocol."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_labels
from .schematics import _BLUE, _GREEN, _ORANGE, _RED, _SKY, _arrow, _box, _figure, _finish


def plot_label_efficiency(rows, *, labels=None, title="Label efficiency (test accuracy)",
                          ax=None):
    """Accuracy against the number of labels (log axis): one line per (representation,
    method), the mean over draws with ±1 sd bars.

    Args:
        rows: dicts with ``representation``, ``method``, ``n_labels``, ``mean``, ``sd``
            (:func:`unsuplab.chapters.ch08.summarize`).
        labels: optional ``(representation, method) -> legend text``.
    """
    import matplotlib.pyplot as plt

    if not rows:
        raise ValueError("rows must not be empty. Received: rows=[]")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
    else:
        fig = ax.figure
    keys = list(dict.fromkeys((r["representation"], r["method"]) for r in rows))
    markers = "osD^vP*Xh<>"
    for i, key in enumerate(keys):
        mine = sorted((r for r in rows if (r["representation"], r["method"]) == key),
                      key=lambda r: r["n_labels"])
        n = [r["n_labels"] for r in mine]
        text = (labels or {}).get(key, f"{key[0]} + {key[1]}" if key[1] != "scratch"
                                  else "CNN from scratch")
        ax.errorbar(n, [r["mean"] for r in mine], yerr=[r["sd"] for r in mine],
                    marker=markers[i % len(markers)], ms=4, capsize=3, label=text,
                    linestyle="--" if key[1] == "scratch" else "-")
    ax.set_xscale("log")
    ax.set_xlabel("labelled training images (class-balanced)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.legend(fontsize=7, ncols=2)
    fig.tight_layout()
    return fig


def plot_confusion(y_true, y_pred, *, class_names=None, title="Confusion matrix", ax=None):
    """Row-normalised confusion matrix (rows: true class; each row sums to 1)."""
    import matplotlib.pyplot as plt

    t = check_labels(y_true, len(np.asarray(y_true)), "y_true", class_names=class_names)
    p = check_labels(y_pred, len(t), "y_pred")
    k = int(max(t.max(), p.max()) + 1) if class_names is None else len(class_names)
    m = np.zeros((k, k))
    np.add.at(m, (t, p), 1)
    m = m / np.maximum(m.sum(1, keepdims=True), 1)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 4.2))
    else:
        fig = ax.figure
    im = ax.imshow(m, cmap="viridis", vmin=0, vmax=1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(k), names, fontsize=7)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title, fontsize=10)
    ax.grid(False)
    fig.colorbar(im, ax=ax, fraction=0.046, label="share of the true class")
    fig.tight_layout()
    return fig


def plot_gains(gains: dict, *, title="Gain from synthetic images (95% interval over draws)"):
    """Horizontal bars: ``name -> {"mean", "low", "high"}`` (accuracy points x 100)."""
    import matplotlib.pyplot as plt

    if not gains:
        raise ValueError("gains must not be empty. Received: gains={}")
    names = list(gains)
    mean = np.array([gains[n]["mean"] for n in names]) * 100
    low = np.array([gains[n]["low"] for n in names]) * 100
    high = np.array([gains[n]["high"] for n in names]) * 100
    check_array(mean, "gains")
    fig, ax = plt.subplots(figsize=(6.0, 0.7 * len(names) + 1.2))
    y = np.arange(len(names))
    ax.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", capsize=4, color=_BLUE)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, names)
    ax.set_xlabel("accuracy gain (points)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def pretraining_schematic(*, title="Few labels: pretrain without labels, then use them"):
    """The protocol as a block diagram: the unlabelled pool trains an encoder; the few
    labels train a linear probe on its frozen features, spread over the kNN graph of the
    pool, or train/fine-tune a CNN."""
    fig, (ax,) = _figure(9.5, 3.6)
    _box(ax, 0.0, 1.0, 2.0, 0.7, "unlabelled pool\n(60 000 images)", color=_SKY)
    _box(ax, 0.0, -1.0, 2.0, 0.7, "few labels\n(10 … 10 000)", color=_ORANGE)
    _box(ax, 3.0, 1.0, 2.2, 0.8, "encoder $f_\\theta$\n(AE, VAE, contrastive)", color=_GREEN)
    _box(ax, 6.2, 1.6, 2.4, 0.6, "linear probe on $f_\\theta(x)$", color=_BLUE, alpha=0.25)
    _box(ax, 6.2, 0.6, 2.4, 0.6, "label spreading\non the kNN graph", color=_BLUE,
         alpha=0.25)
    _box(ax, 6.2, -0.5, 2.4, 0.6, "fine-tune $f_\\theta$ + head", color=_BLUE, alpha=0.25)
    _box(ax, 6.2, -1.5, 2.4, 0.6, "CNN from scratch", color=_RED, alpha=0.25)
    _box(ax, 9.2, 0.0, 1.6, 0.7, "test\naccuracy", color=_SKY)
    _arrow(ax, (1.0, 1.0), (1.9, 1.0), "pretrain\n(no labels)")
    for yy in (1.6, 0.6, -0.5):
        _arrow(ax, (4.1, 1.0), (5.0, yy))
    for yy in (1.6, 0.6, -0.5, -1.5):
        _arrow(ax, (1.0, -1.0), (5.0, yy), dashed=True)
        _arrow(ax, (7.4, yy), (8.4, 0.0))
    ax.text(3.0, -1.55, "dashed: the labels", fontsize=8, ha="center")
    return _finish(fig, [ax], title)


__all__ = ["plot_confusion", "plot_gains", "plot_label_efficiency", "pretraining_schematic"]
