"""The latent explorer of chapter 01: reconstructions at several latent sizes, and a walk along
a latent direction decoded live."""

from __future__ import annotations

import numpy as np

from .._validation import check_images, check_number
from .base import Explorer


def _principal_directions(codes, n):
    """Unit directions of largest variance of ``codes`` (N, d) and the std along each."""
    centred = codes - codes.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    std = s / np.sqrt(max(len(codes) - 1, 1))
    return vt[:n], np.maximum(std[:n], 1e-8)


def latent_explorer(models, images, *, labels=None, class_names=None, n_directions=5):
    """Pick an image, compare its reconstructions, and walk along a latent direction.

    The top row shows the chosen image and its reconstruction by every model (with the PSNR).
    The bottom row takes one model, encodes the image to :math:`z`, and decodes
    :math:`z + s\\,\\sigma_j u_j`, where :math:`u_j` is the ``j``-th principal direction of the
    codes of ``images`` and :math:`\\sigma_j` their standard deviation along it: ``step`` is
    measured in standard deviations, so ±2 stays inside the cloud of real codes.

    Args:
        models: ``name -> trained autoencoder`` (anything with ``encode``, ``decode`` and
            ``reconstruct``, e.g. ``{"d=2": ae2, "d=32": ae32}``), in display order.
        images: float images in [0, 1], (N, H, W[, C]): the pool to pick from (a few hundred
            test images; their codes are computed once, when the explorer is built).
        labels: optional int labels of ``images`` (shown in the title).
        class_names: optional names of the labels.
        n_directions: how many principal directions the ``direction`` slider offers.

    Returns:
        An :class:`~unsuplab.widgets.Explorer` with controls ``index``, ``model``,
        ``direction`` and ``step``. ``explorer.state["moved"]`` holds the last decoded image
        of the walk, ``explorer.codes[name]`` the codes of ``images`` under each model.
    """
    import ipywidgets as widgets

    from ..metrics import psnr

    if not isinstance(models, dict) or not models:
        raise ValueError(
            f"models must be a non-empty dict name -> autoencoder. Received: {models!r}"
        )
    for name, model in models.items():
        if not all(callable(getattr(model, m, None)) for m in ("encode", "decode", "reconstruct")):
            raise TypeError(
                f"models[{name!r}] must have encode, decode and reconstruct methods. "
                f"Received: {type(model).__name__}"
            )
    x = check_images(images, "images", ndim=(3, 4))
    if x.ndim == 3:
        x = x[..., None]
    if len(x) < 2:
        raise ValueError(f"images must hold at least 2 images. Received: {len(x)}")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(x),):
            raise ValueError(
                f"labels must have shape ({len(x)},). Received: labels of shape {labels.shape}"
            )
    n_directions = check_number(n_directions, "n_directions", low=1, integer=True)

    names = [str(n) for n in models]
    models = dict(zip(names, models.values(), strict=True))
    recon, codes, directions, stds = {}, {}, {}, {}
    for name, model in models.items():
        recon[name] = np.asarray(model.reconstruct(x)).reshape(x.shape)
        codes[name] = np.asarray(model.encode(x), dtype=np.float32)
        directions[name], stds[name] = _principal_directions(codes[name], n_directions)

    index = widgets.IntSlider(0, 0, len(x) - 1, description="image", continuous_update=False)
    model_box = widgets.Dropdown(options=names, value=names[-1], description="walk in")
    direction = widgets.IntSlider(1, 1, n_directions, description="direction")
    step = widgets.FloatSlider(0.0, min=-3.0, max=3.0, step=0.25, description="step (σ)")

    def render(index, model, direction, step):
        import matplotlib.pyplot as plt

        original = x[index]
        j = min(direction, len(directions[model])) - 1
        z = codes[model][index] + step * stds[model][j] * directions[model][j]
        moved = np.asarray(models[model].decode(z[None].astype(np.float32)))[0]
        explorer_state["moved"] = moved

        ncols = max(len(names) + 1, 3)
        fig, axes = plt.subplots(2, ncols, figsize=(1.7 * ncols, 4.6), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        what = f"#{index}"
        if labels is not None:
            c = int(labels[index])
            what += f" ({class_names[c] if class_names is not None else c})"
        panels = [(original, f"input {what}")] + [
            (recon[n][index], f"{n}\n{psnr(original, recon[n][index]):.1f} dB") for n in names
        ]
        for ax, (img, title) in zip(axes[0], panels, strict=False):
            ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
            ax.set_title(title, fontsize=8)
        base = recon[model][index]
        change = (moved - base)[..., 0] if moved.shape[-1] == 1 else (moved - base).mean(-1)
        bottom = [
            (base, f"{model}: step 0", "gray", (0, 1)),
            (moved, f"direction {j + 1}, {step:+.2f} σ", "gray", (0, 1)),
            (change, "change", "PuOr", (-0.5, 0.5)),
        ]
        for ax, (img, title, cmap, (lo, hi)) in zip(axes[1], bottom, strict=False):
            img = img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img
            ax.imshow(np.clip(img, lo, hi), cmap=cmap, vmin=lo, vmax=hi)
            ax.set_title(title, fontsize=8)
        fig.suptitle("Reconstructions (top) and a walk in latent space (bottom)", fontsize=10)
        fig.tight_layout(h_pad=1.5)
        return fig

    explorer_state = {}
    explorer = Explorer(
        render,
        {"index": index, "model": model_box, "direction": direction, "step": step},
        title="Latent explorer",
    )
    explorer.codes = codes
    explorer.directions = directions
    explorer.state = explorer_state
    return explorer


__all__ = ["latent_explorer"]
