"""Figures of chapter 04: class shares of generated images (mode collapse made visible)."""

from __future__ import annotations

import numpy as np

from .._validation import check_array


def plot_class_shares(shares, *, class_names=None, band=(0.05, 0.15), title=None):
    """Grouped bars: the share of each class among the samples of each model.

    Args:
        shares: ``name -> array (n_classes,)`` of shares summing to 1 (e.g.
            :func:`unsuplab.metrics.class_shares` of the domain classifier's predictions).
        class_names: names of the classes (x tick labels).
        band: a shaded band of "healthy" shares (default 5%-15%; uniform is 1/n_classes),
            or ``None``.
        title: the figure's title.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from . import PALETTE

    if not isinstance(shares, dict) or not shares:
        raise ValueError(f"shares must be a non-empty dict name -> shares. Received: {shares!r}")
    rows = {str(k): check_array(v, f"shares[{k!r}]", ndim=1) for k, v in shares.items()}
    n = {len(v) for v in rows.values()}
    if len(n) != 1:
        raise ValueError(f"every entry of shares must have the same length. Received: {n}")
    n = n.pop()
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * n), 3.6))
    width = 0.8 / len(rows)
    if band is not None:
        ax.axhspan(*band, color="0.9", zorder=0, label=f"{band[0]:.0%}–{band[1]:.0%}")
    ax.axhline(1.0 / n, color="0.4", lw=0.8, ls="--", label="uniform")
    for i, (name, values) in enumerate(rows.items()):
        ax.bar(np.arange(n) + (i - (len(rows) - 1) / 2) * width, values, width,
               label=name, color=PALETTE[i % len(PALETTE)])
    ax.set_xticks(np.arange(n), names, rotation=30, ha="right")
    ax.set_ylabel("share of the samples")
    ax.set_xlabel("class predicted by the domain classifier")
    ax.set_title(title or "Class coverage of generated images")
    ax.legend(fontsize=8, ncols=2)
    fig.tight_layout()
    return fig


__all__ = ["plot_class_shares"]
