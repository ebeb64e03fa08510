"""A 2-D latent space decoded on a grid: the "manifold" figure of chapters 01 and 03."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number, check_range


def _grid_values(n, span, codes, quantiles):
    """The ``n`` code values along each of the two axes, shape (2, n), increasing."""
    if quantiles:
        from scipy.special import ndtri

        low, high = check_range((0.03, 0.97) if span is None else span, "span", 0.0, 1.0)
        if low <= 0.0 or high >= 1.0 or low >= high:
            raise ValueError(
                "with quantiles=True, span holds prior probabilities 0 < low < high < 1. "
                f"Received: span={span!r}"
            )
        values = ndtri(np.linspace(low, high, n))
        return np.stack([values, values])
    if span is None and codes is not None:
        z = check_array(codes, "codes", ndim=2)
        if z.shape[1] != 2:
            raise ValueError(f"codes must have 2 columns. Received: codes of shape {z.shape}")
        lo, hi = np.percentile(z, [2, 98], axis=0)
    else:
        low, high = check_range((-3.0, 3.0) if span is None else span, "span", -1e6, 1e6)
        if low >= high:
            raise ValueError(f"span must have low < high. Received: span={span!r}")
        lo, hi = np.full(2, low), np.full(2, high)
    return np.stack([np.linspace(lo[i], hi[i], n) for i in range(2)])


def latent_grid(
    decode, *, n=12, span=None, codes=None, quantiles=False, ax=None, title=None, max_ticks=7
):
    r"""Decode a regular grid of 2-D codes and show the images as one mosaic.

    Cell :math:`(r, c)` shows ``decode`` of :math:`(v_1[c], v_2[n - 1 - r])`: :math:`z_1`
    grows to the right, :math:`z_2` upwards. The axes are labelled with the code values of the
    cells (ticks at cell centres), so a grid that is not evenly spaced in :math:`z` reads right.

    Args:
        decode: a function ``codes (M, 2) -> images (M, H, W[, C])`` in [0, 1], e.g. a model's
            ``decode``.
        n: cells per side.
        span: the grid's extent. Linear grid: ``(low, high)`` of the code values; default the
            2nd-98th percentiles of ``codes`` per axis, or (-3, 3). With ``quantiles``: prior
            probabilities ``(low, high)``, default (0.03, 0.97).
        codes: optional codes (N, 2) that set the default linear span.
        quantiles: place the cells at the quantiles :math:`\Phi^{-1}(u)` of a standard normal
            prior, :math:`u` evenly spaced in ``span`` (each cell holds the same prior mass, as
            in Kingma & Welling's figure): for a VAE.
        ax: draw into this axes (default: a new figure).
        title: the axes' title.
        max_ticks: at most this many labelled ticks per axis.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    if not callable(decode):
        raise TypeError(f"decode must be callable. Received: decode={decode!r}")
    n = check_number(n, "n", low=2, integer=True)
    max_ticks = check_number(max_ticks, "max_ticks", low=2, integer=True)
    values = _grid_values(n, span, codes, quantiles)
    z1, z2 = np.meshgrid(values[0], values[1][::-1])  # top row: the largest z2
    grid = np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)
    tiles = check_array(np.asarray(decode(grid)), "decode(codes)", ndim=(3, 4))
    if len(tiles) != n * n:
        raise ValueError(
            f"decode must return one image per code ({n * n}). Received: {len(tiles)} images"
        )
    if tiles.ndim == 3:
        tiles = tiles[..., None]
    h, w, c = tiles.shape[1:]
    mosaic = tiles.reshape(n, n, h, w, c).transpose(0, 2, 1, 3, 4).reshape(n * h, n * w, c)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5.5))
    else:
        fig = ax.figure
    image = mosaic[..., 0] if c == 1 else np.clip(mosaic, 0.0, 1.0)
    ax.imshow(image, cmap="gray" if c == 1 else None, vmin=0.0, vmax=1.0)
    step = int(np.ceil(n / max_ticks))
    cells = np.arange(((n - 1) % step) // 2, n, step)  # evenly spaced, centred on the grid
    ax.set_xticks(cells * w + (w - 1) / 2, [f"{v:.2g}" for v in values[0][cells]])
    ax.set_yticks(cells * h + (h - 1) / 2, [f"{v:.2g}" for v in values[1][::-1][cells]])
    where = " (cells at prior quantiles)" if quantiles else ""
    ax.set_xlabel(f"$z_1${where}")
    ax.set_ylabel("$z_2$")
    ax.grid(False)
    ax.set_title(title or "Decoded grid of the latent plane")
    return fig


__all__ = ["latent_grid"]
