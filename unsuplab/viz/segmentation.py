"""Figures of chapter 07: label maps, overlays, score charts and the method's schematic.

Label maps are drawn with the class colours (``viz.CLASS_COLORS``, colour-blind safe) up to
ten segments and a discrete ``viridis`` beyond; an overlay draws the
segment boundaries on the image (``skimage.segmentation.mark_boundaries``).
"""

from __future__ import annotations

import numpy as np

from . import CMAP, PALETTE


def _label_cmap(n):
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from . import class_colors  # defined in the package after its submodules are imported

    n = max(int(n), 2)
    if n <= 10:  # few segments: distinct qualitative colours, colour-blind safe
        return ListedColormap(class_colors(n))
    return ListedColormap(plt.get_cmap(CMAP)(np.linspace(0, 1, n)))


def show_labels(ax, labels, *, title=None):
    """Draw a label map (H, W) on ``ax`` with one discrete colour per label."""
    labels = np.asarray(labels)
    _, dense = np.unique(labels, return_inverse=True)
    dense = dense.reshape(labels.shape)
    ax.imshow(dense, cmap=_label_cmap(dense.max() + 1), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=8)


def overlay(image, labels, *, colour=(1.0, 0.85, 0.0)):
    """The image (H, W, 3) in [0, 1] with the segment boundaries drawn in ``colour``."""
    from skimage.segmentation import mark_boundaries

    return mark_boundaries(np.asarray(image, dtype=float), np.asarray(labels), color=colour)


def mosaic_grid(images, labels, *, titles=None, ncols=6, size=1.6, title=None):
    """Mosaics (top row of each pair) above their ground-truth label maps."""
    import matplotlib.pyplot as plt

    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(2 * nrows, ncols, figsize=(size * ncols, 2 * size * nrows + 0.5),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i in range(n):
        r, c = divmod(i, ncols)
        axes[2 * r, c].imshow(images[i])
        axes[2 * r, c].set_title(titles[i] if titles else f"#{i}", fontsize=7)
        show_labels(axes[2 * r + 1, c], labels[i])
        axes[2 * r + 1, c].axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def segmentation_rows(image, results: dict, *, truth=None, size=1.9, title=None):
    """One image, its truth (if any), then each method's overlay: ``results`` maps a name to
    ``(labels, subtitle)``."""
    import matplotlib.pyplot as plt

    n = 1 + (truth is not None) + len(results)
    fig, axes = plt.subplots(1, n, figsize=(size * n, size + 0.6), squeeze=False)
    axes = axes[0]
    axes[0].imshow(image)
    axes[0].set_title("image", fontsize=8)
    axes[0].axis("off")
    j = 1
    if truth is not None:
        show_labels(axes[1], truth, title="ground truth")
        j = 2
    for ax, (name, (labels, subtitle)) in zip(axes[j:], results.items(), strict=True):
        ax.imshow(overlay(image, labels))
        ax.set_title(f"{name}\n{subtitle}" if subtitle else name, fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def score_chart(rows, records, *, metric="miou", labels=None, title=None):
    """Bars of the mean ``metric`` per method with every mosaic's score as a dot (the spread)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    names = [r["method"] for r in rows]
    means = [r[metric] for r in rows]
    ax.bar(range(len(names)), means, color=PALETTE[0], alpha=0.55, label="mean")
    rng = np.random.default_rng(0)
    for i, name in enumerate(names):
        values = [rec[metric] for rec in records if rec["method"] == name]
        ax.scatter(i + rng.uniform(-0.2, 0.2, len(values)), values, s=8, color=PALETTE[3],
                   alpha=0.7, label="one mosaic" if i == 0 else None, zorder=3)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([labels.get(n, n) if labels else n for n in names], rotation=30,
                       ha="right", fontsize=8)
    ax.set_ylabel({"miou": "mIoU (Hungarian)", "ari": "pixel ARI"}.get(metric, metric))
    ax.set_ylim(min(0.0, ax.get_ylim()[0]), 1.02)
    ax.set_title(title or f"{metric} per method on the mosaics")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def dfc_schematic():
    """Block diagram of differentiable feature clustering (drawn, no image file)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(9.5, 2.9))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 3)
    ax.axis("off")
    boxes = [
        (0.1, "image\n(colour,\ntexture)", PALETTE[5]),
        (1.7, "3x3 conv\nReLU, norm\n(x M)", PALETTE[0]),
        (3.3, "1x1 conv\nnorm\nresponse r", PALETTE[0]),
        (4.9, "argmax\nlabels c", PALETTE[1]),
        (6.5, "L_sim:\nCE(r, c)", PALETTE[3]),
        (6.5, "L_con:\n$|r_{i+1} - r_i|$", PALETTE[3]),
    ]
    ys = [1.1, 1.1, 1.1, 1.9, 1.9, 0.3]
    for (x, text, colour), y in zip(boxes, ys, strict=True):
        ax.add_patch(FancyBboxPatch((x, y), 1.3, 0.85, boxstyle="round,pad=0.05",
                                    fc=colour, alpha=0.35, ec="black"))
        ax.text(x + 0.65, y + 0.42, text, ha="center", va="center", fontsize=8)
    arrows = [((1.4, 1.5), (1.7, 1.5)), ((3.0, 1.5), (3.3, 1.5)), ((4.6, 1.7), (4.9, 2.3)),
              ((6.2, 2.3), (6.5, 2.3)), ((4.6, 1.3), (6.5, 0.7)), ((4.6, 1.6), (6.5, 2.1))]
    for a, b in arrows:
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="->", mutation_scale=10))
    ax.add_patch(FancyBboxPatch((8.2, 1.1), 1.75, 0.85, boxstyle="round,pad=0.05",
                                fc=PALETTE[2], alpha=0.35, ec="black"))
    ax.text(9.07, 1.52, "$L = L_{sim} + \\mu L_{con}$\nSGD step on\nthe network",
            ha="center", va="center", fontsize=8)
    ax.add_patch(FancyArrowPatch((7.85, 2.3), (8.2, 1.7), arrowstyle="->", mutation_scale=10))
    ax.add_patch(FancyArrowPatch((7.85, 0.7), (8.2, 1.3), arrowstyle="->", mutation_scale=10))
    ax.text(4.95, 0.05, "the labels c are recomputed after every step (no gradient through "
            "argmax); one image, 40-150 steps", ha="center", fontsize=8, style="italic")
    ax.set_title("Differentiable feature clustering (Kim, Kanezaki & Tanaka 2020)")
    return fig


__all__ = ["dfc_schematic", "mosaic_grid", "overlay", "score_chart", "segmentation_rows",
           "show_labels"]
