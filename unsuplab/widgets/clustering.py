"""Chapter 06 explorers: a cluster browser and a retrieval explorer."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number
from .base import Explorer, display_name, dropdown_options


def _check_labelings(labelings, n):
    if not isinstance(labelings, dict) or not labelings:
        raise ValueError(f"labelings must be a non-empty dict name -> labels. "
                         f"Received: {labelings!r}")
    out = {}
    for name, labels in labelings.items():
        labels = check_array(labels, f"labelings[{name!r}]", ndim=1, dtype_kind="ui")
        if len(labels) != n:
            raise ValueError(f"labelings[{name!r}] must have one label per image ({n}). "
                             f"Received: {len(labels)} labels")
        out[name] = labels
    return out


def cluster_browser(images, labelings, *, y=None, class_names=None, n=24):
    """Browse clusterings: pick one (a method, or a method at some k) and a cluster, see
    ``n`` of its images and, if true labels ``y`` are given, the classes it holds.

    Args:
        images: (N, H, W[, C]) uint8 or in [0, 1].
        labelings: ``name -> labels (N,)``, e.g. ``{"pixels k=10": ..., "best k=10": ...}``.
        y, class_names: optional true labels (to title the gallery with its majority class).

    Returns:
        An :class:`Explorer` with controls ``method`` and ``cluster``.
    """
    import ipywidgets as widgets

    from ..viz import image_grid

    labelings = _check_labelings(labelings, len(images))
    n = check_number(n, "n", low=1, integer=True)
    largest = max(int(v.max()) for v in labelings.values())
    method = widgets.Dropdown(options=dropdown_options(labelings), description="method")
    cluster = widgets.IntSlider(0, 0, largest, description="cluster", continuous_update=False)

    def render(method, cluster):
        labels = labelings[method]
        members = np.flatnonzero(labels == cluster)
        title = f"{display_name(method)}: cluster {cluster}, {len(members)} images"
        if len(members) and y is not None:
            counts = np.bincount(np.asarray(y)[members])
            top = int(counts.argmax())
            name = class_names[top] if class_names is not None else str(top)
            title += f", {counts[top] / len(members):.0%} {name}"
        if not len(members):
            members = np.arange(0)
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(6, 1))
            ax.axis("off")
            ax.set_title(title + " (empty)")
            return fig
        return image_grid(images[members[:n]], ncols=12, title=title, size=0.8)

    return Explorer(render, {"method": method, "cluster": cluster},
                    title="Cluster browser: what each clustering puts together")


def retrieval_explorer(query_images, database_images, spaces, *, k=10):
    """Pick a query image and see its ``k`` nearest database images in each feature space.

    Args:
        query_images, database_images: images (uint8 or [0, 1]).
        spaces: ``name -> (query_features, database_features)`` (one row per image).
        k: neighbours shown per space.

    Returns:
        An :class:`Explorer` with the control ``query``.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ..metrics.retrieval import nearest_neighbors
    from ..viz import _squeeze_images, set_style

    if not isinstance(spaces, dict) or not spaces:
        raise ValueError(f"spaces must be a non-empty dict. Received: {spaces!r}")
    k = check_number(k, "k", low=1, high=len(database_images), integer=True)
    neighbours = {}
    for name, (fq, fdb) in spaces.items():
        if len(fq) != len(query_images) or len(fdb) != len(database_images):
            raise ValueError(f"spaces[{name!r}] must have one row per query and per database "
                             f"image. Received: {len(fq)} and {len(fdb)} rows")
        neighbours[name] = nearest_neighbors(fq, fdb, k=k)
    queries = _squeeze_images(query_images)
    database = _squeeze_images(database_images)
    query = widgets.IntSlider(0, 0, len(queries) - 1, description="query",
                              continuous_update=False)

    def render(query):
        set_style()
        fig, axes = plt.subplots(len(spaces), k + 1, figsize=(0.9 * (k + 1), 1.0 * len(spaces)),
                                 squeeze=False, layout="constrained")
        vmax = 255 if queries.dtype == np.uint8 else 1.0
        for row, name in enumerate(spaces):
            axes[row, 0].imshow(queries[query], cmap="gray", vmin=0, vmax=vmax)
            axes[row, 0].set_title(name, fontsize=8, loc="left")
            for j, idx in enumerate(neighbours[name][query]):
                axes[row, j + 1].imshow(database[idx], cmap="gray", vmin=0, vmax=vmax)
            for ax in axes[row]:
                ax.axis("off")
        fig.suptitle(f"Query {query} (left) and its {k} nearest neighbours per feature space")
        return fig

    return Explorer(render, {"query": query}, title="Retrieval: nearest neighbours")


__all__ = ["cluster_browser", "retrieval_explorer"]
