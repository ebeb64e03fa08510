"""A dataset browser: pick a dataset, a class and an index; see the images around it."""

from __future__ import annotations

import numpy as np

from .._validation import check_labels
from .base import Explorer


def dataset_browser(datasets: dict, *, n=16):
    """Browse labelled image datasets by class.

    Args:
        datasets: ``name -> (images, labels, class_names)``; images (N, H, W[, C]).
        n: how many images of the chosen class to show from the chosen index on.

    Returns:
        An :class:`Explorer` with controls ``dataset``, ``label`` and ``index``.
    """
    import ipywidgets as widgets

    from ..viz import image_grid

    if not isinstance(datasets, dict) or not datasets:
        raise ValueError(f"datasets must be a non-empty dict. Received: {datasets!r}")
    for name, entry in datasets.items():
        if not (isinstance(entry, tuple) and len(entry) == 3):
            raise ValueError(
                f"datasets[{name!r}] must be (images, labels, class_names). Received: {entry!r}"
            )
        check_labels(entry[1], len(entry[0]), f"datasets[{name!r}] labels", class_names=entry[2])

    first = next(iter(datasets))
    dataset = widgets.Dropdown(options=list(datasets), value=first, description="dataset")
    label = widgets.Dropdown(description="class")
    largest = max(int(np.bincount(np.asarray(e[1]).astype(int)).max()) for e in datasets.values())
    # thousands of positions: a slider wide enough to move by mouse, plus arrow keys / typing
    slider = widgets.IntSlider(
        value=0, min=0, max=largest - 1, description="index", continuous_update=False,
        layout=widgets.Layout(width="560px"),
    )

    def class_options(name):
        names = datasets[name][2]
        return [(f"{i}: {c}", i) for i, c in enumerate(names)]

    label.options = class_options(first)
    label.value = 0

    def render(dataset, label, index):
        images, labels, names = datasets[dataset]
        where = np.flatnonzero(np.asarray(labels) == label)
        start = min(index, max(len(where) - n, 0))
        chosen = where[start : start + n]
        return image_grid(
            images[chosen],
            titles=[f"#{i}" for i in chosen],
            ncols=8,
            title=f"{dataset}: class {label} ({names[label]}), {len(where)} images",
        )

    def on_dataset(change):
        label.options = class_options(change["new"])
        label.value = 0

    dataset.observe(on_dataset, names="value")
    return Explorer(
        render, {"dataset": dataset, "label": label, "index": slider}, title="Dataset browser"
    )
