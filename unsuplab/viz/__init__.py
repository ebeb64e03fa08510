"""Plots in one style: colour-blind-safe colormaps, labelled axes, titles, saved figures.

Every figure of the collection goes through these helpers, so that style lives in one place:

- :func:`set_style` once per notebook (``viridis`` for continuous values, grey levels for
  images, a colour-blind-safe palette for lines);
- :func:`image_grid`, :func:`image_rows` for images; :func:`plot_history`, :func:`plot_curves`
  for numbers; :func:`scatter_2d` for 2-D embeddings coloured by class;
- :func:`latent_grid` for a 2-D latent space decoded on a grid (:mod:`.latent`);
- :func:`save_fig` into the figures folder (``UNSUPLAB_FIGURES`` or ``./figures``).
- :func:`show_table` for a table of results (Markdown) in a notebook.
- :func:`schematic` for block diagrams of the models (:mod:`.schematics`).
- SOM figures (:mod:`.som`): :func:`prototype_image`, :func:`plot_prototypes`,
  :func:`plot_umatrix`, :func:`plot_class_hits`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._validation import check_array, check_images, check_labels, check_number
from .fewlabel import (
    plot_confusion,
    plot_gains,
    plot_label_efficiency,
    pretraining_schematic,
)
from .generative import plot_class_shares
from .latent import latent_grid
from .schematics import SCHEMATICS, schematic
from .som import plot_class_hits, plot_prototypes, plot_umatrix, prototype_image
from .tables import markdown_table, show_table

#: Okabe & Ito's colour-blind-safe palette (lines and markers).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Continuous colormap: perceptually uniform and colour-blind safe.
CMAP = "viridis"
#: Up to ten classes (Fashion-MNIST's), colour-blind safe and told apart at a glance: Paul
#: Tol's "muted" qualitative scheme (nine colours) and black. A continuous map such as viridis
#: gives neighbouring classes near-identical colours.
CLASS_COLORS = (
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
    "#DDCC77", "#CC6677", "#882255", "#AA4499", "#000000",
)
IMAGE_CMAP = "gray"


def set_style() -> None:
    """Apply the collection's matplotlib style (idempotent)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "image.cmap": CMAP,
            "axes.prop_cycle": cycler(color=PALETTE),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.fontsize": 9,
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "savefig.bbox": "tight",
        }
    )


def _squeeze_images(images, name="images"):
    x = check_images(images, name, ndim=(2, 3, 4), dtype_kind="uif")
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    return x


def image_grid(
    images, *, titles=None, ncols=10, title=None, cmap=IMAGE_CMAP, size=1.2, vmin=0.0, vmax=None
):
    """Show images in a grid; returns the matplotlib figure.

    Args:
        images: (N, H, W), (N, H, W, 1) or (N, H, W, 3); uint8 or float in [0, 1].
        titles: optional list of N short titles (e.g. class names).
        ncols: images per row.
        title: the figure's title.
    """
    import matplotlib.pyplot as plt

    x = _squeeze_images(images)
    if titles is not None and len(titles) != len(x):
        raise ValueError(
            f"titles must have one entry per image. Received: {len(titles)} "
            f"titles for {len(x)} images"
        )
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer. Received: ncols={ncols!r}")
    ncols = min(ncols, len(x))
    nrows = int(np.ceil(len(x) / ncols))
    vmax = vmax if vmax is not None else (255 if x.dtype == np.uint8 else 1.0)
    # constrained layout keeps each title clear of the images above it (tight_layout let
    # second-row titles overlap the first row in a browser); titles get their own height
    title_room = 0.3 * (str(titles[0]).count("\n") + 1) if titles is not None else 0.0
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size * ncols, (size + title_room) * nrows + 0.4),
        squeeze=False,
        layout="constrained",
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(x):
            ax.imshow(x[i], cmap=cmap if x[i].ndim == 2 else None, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def image_rows(rows: dict, *, n=8, title=None, size=1.2, cmap=IMAGE_CMAP):
    """One labelled row per entry of ``rows`` (e.g. ``{"input": x, "output": y}``), first ``n``
    images of each; returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(rows, dict) or not rows:
        raise ValueError(f"rows must be a non-empty dict name -> images. Received: {rows!r}")
    arrays = {k: _squeeze_images(v, f"rows[{k!r}]")[:n] for k, v in rows.items()}
    n = min(len(a) for a in arrays.values())
    fig, axes = plt.subplots(
        len(arrays),
        n,
        figsize=(size * n + 1.0, size * len(arrays) + 0.4),
        squeeze=False,
        layout="constrained",
    )
    for r, (label, x) in enumerate(arrays.items()):
        vmax = 255 if x.dtype == np.uint8 else 1.0
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(x[c], cmap=cmap if x[c].ndim == 2 else None, vmin=0, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if c == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def class_colors(n):
    """``n`` colours for ``n`` classes: :data:`CLASS_COLORS` up to ten, viridis beyond."""
    import matplotlib.pyplot as plt

    n = check_number(n, "n", low=1, integer=True)
    if n <= len(CLASS_COLORS):
        return list(CLASS_COLORS[:n])
    return [tuple(c) for c in plt.get_cmap(CMAP)(np.linspace(0, 1, n))]


def _legend_outside(ax, **kwargs):
    """A legend to the right of the axes, so it never covers the data."""
    kwargs.setdefault("fontsize", 8)
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                     frameon=False, **kwargs)


def plot_history(history, keys=None, *, title="Training history", xlabel="epoch", ylabel=None,
                 logy=False):
    """Plot training curves from a Keras ``History`` or a dict ``name -> list``.

    ``ylabel`` defaults to the curve's name (one curve), ``"loss"`` when every curve is a loss,
    and ``"score"`` otherwise; epochs are whole numbers on the x axis.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    hist = getattr(history, "history", history)
    if not isinstance(hist, dict) or not hist:
        raise ValueError(
            f"history must be a Keras History or a non-empty dict. Received: history={history!r}"
        )
    keys = list(keys) if keys is not None else list(hist)
    unknown = [k for k in keys if k not in hist]
    if unknown:
        raise ValueError(f"Unknown history key {unknown[0]!r}; known keys: {sorted(hist)}")
    if ylabel is None:
        ylabel = keys[0] if len(keys) == 1 else (
            "loss" if all("loss" in str(k) for k in keys) else "score")
    fig, ax = plt.subplots(figsize=(6.5, 3.5), layout="constrained")
    for key in keys:
        values = np.asarray(hist[key], dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=key)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    if len(keys) > 1:
        _legend_outside(ax)
    return fig


def plot_curves(x, curves: dict, *, xlabel, ylabel, title, logx=False, marker="o"):
    """Several named curves over the same x values (e.g. PSNR against latent size)."""
    import matplotlib.pyplot as plt

    x = check_array(x, "x", ndim=1)
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"curves must be a non-empty dict name -> values. Received: {curves!r}")
    fig, ax = plt.subplots(figsize=(6.5, 3.5), layout="constrained")
    for name, ys in curves.items():
        ys = check_array(ys, f"curves[{name!r}]", ndim=1, finite=False)
        if len(ys) != len(x):
            raise ValueError(f"curves[{name!r}] must have {len(x)} values. Received: {len(ys)}")
        ax.plot(x, ys, marker=marker, label=name)
    if logx:
        ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend_outside(ax)
    return fig


def scatter_2d(
    points,
    labels=None,
    *,
    class_names=None,
    title="2-D embedding",
    xlabel="$z_1$",
    ylabel="$z_2$",
    s=4,
    ax=None,
):
    """Scatter 2-D points coloured by class (:data:`CLASS_COLORS`) with a legend beside them."""
    import matplotlib.pyplot as plt

    z = check_array(points, "points", ndim=2)
    if z.shape[1] != 2:
        raise ValueError(f"points must have 2 columns. Received: points of shape {z.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
    else:
        fig = ax.figure
    if labels is None:
        ax.scatter(z[:, 0], z[:, 1], s=s, color=PALETTE[0], alpha=0.6)
    else:
        labels = check_labels(labels, len(z), class_names=class_names)
        classes = np.unique(labels)
        n_colors = len(class_names) if class_names is not None else int(classes.max()) + 1
        colors = class_colors(max(n_colors, len(classes)))
        for c in classes:  # a class keeps its colour whichever classes are present
            sel = labels == c
            name = class_names[c] if class_names is not None else str(c)
            ax.scatter(z[sel, 0], z[sel, 1], s=s, color=colors[int(c)], label=name, alpha=0.7)
        _legend_outside(ax, markerscale=3, fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def figures_dir() -> Path:
    """The folder figures are saved to: ``UNSUPLAB_FIGURES`` or ``./figures``."""
    return Path(os.environ.get("UNSUPLAB_FIGURES", "figures"))


def save_fig(fig, name: str, *, folder=None) -> Path:
    """Save ``fig`` as ``<folder>/<name>.png`` (creating the folder); return the path."""
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name must be a file name without '/'. Received: name={name!r}")
    folder = Path(folder) if folder is not None else figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name if name.endswith(".png") else f"{name}.png")
    fig.savefig(path)
    return path


__all__ = [
    "CLASS_COLORS",
    "CMAP",
    "IMAGE_CMAP",
    "PALETTE",
    "class_colors",
    "figures_dir",
    "image_grid",
    "image_rows",
    "latent_grid",
    "markdown_table",
    "plot_class_hits",
    "plot_confusion",
    "plot_gains",
    "plot_label_efficiency",
    "pretraining_schematic",
    "plot_class_shares",
    "plot_curves",
    "plot_history",
    "plot_prototypes",
    "plot_umatrix",
    "prototype_image",
    "save_fig",
    "schematic",
    "SCHEMATICS",
    "scatter_2d",
    "set_style",
    "show_table",
]
