"""Correction explorer: corrupt an image with a slider, compare the network and a classical
method side by side, each with its PSNR (chapter 02)."""

from __future__ import annotations

import numpy as np

from .._validation import as_image_batch, check_choice, check_number
from .base import Explorer

TASKS = ("denoise", "inpaint")
CLASSICAL = {"denoise": ("bm3d", "nl_means", "tv", "wavelet"), "inpaint": ("biharmonic",)}


def correction_explorer(images, *, denoiser=None, inpainter=None, classical="bm3d", seed=0,
                        max_sigma=100, max_hole=None):
    """Corrupt, restore and compare, one image at a time.

    Controls: ``task`` (``"denoise"`` or ``"inpaint"``, those with a model), ``index`` (which
    image), ``strength`` (the noise std in 1/255 steps, or the hole's side in pixels). The
    figure shows clean, corrupted, the network's output and the classical method's output;
    titles give the PSNR against the clean image (for holes: on the hole pixels only).

    Args:
        images: clean images, uint8 or float in [0, 1], (N, H, W) or (N, H, W, 1).
        denoiser: a trained :class:`~unsuplab.models.DenoisingUNet` (or anything with
            ``denoise(images)``), or None.
        inpainter: a trained :class:`~unsuplab.models.InpaintingUNet` (``inpaint(images,
            mask)``), or None. At least one of the two is required.
        classical: the classical denoiser (``"bm3d"``, ``"nl_means"``, ``"tv"``,
            ``"wavelet"``); inpainting always uses ``"biharmonic"``.
        seed: the corruption's seed: moving the slider changes its strength, not its draw.
        max_sigma: the noise slider's end, in 1/255 steps.
        max_hole: the hole slider's end in pixels (default: 20, or the image side if smaller).

    Returns:
        An :class:`Explorer`; ``explorer.set(strength=50)`` redraws from code, and
        ``explorer.scores`` holds the last PSNRs.
    """
    import ipywidgets as widgets

    from ..metrics import hole_psnr, psnr
    from ..models import classical as classic
    from ..viz import IMAGE_CMAP

    x, _ = as_image_batch(images, "images", channels=1, ndim=(3, 4))
    x = x[..., 0]  # (N, H, W) float32 in [0, 1]
    check_choice(classical, "classical", CLASSICAL["denoise"])
    seed = check_number(seed, "seed", low=0, integer=True)
    max_sigma = check_number(max_sigma, "max_sigma", low=1, high=255, integer=True)
    if max_hole is None:
        max_hole = min(20, *x.shape[1:])
    max_hole = check_number(max_hole, "max_hole", low=1, high=min(x.shape[1:]), integer=True)
    tasks = [t for t, m in (("denoise", denoiser), ("inpaint", inpainter)) if m is not None]
    if not tasks:
        raise ValueError("Give a trained denoiser, an inpainter or both. Received: neither")
    if denoiser is not None and not hasattr(denoiser, "denoise"):
        raise TypeError(f"denoiser must have a denoise(images) method. Received: {denoiser!r}")
    if inpainter is not None and not hasattr(inpainter, "inpaint"):
        raise TypeError(f"inpainter must have an inpaint(images, mask) method. "
                        f"Received: {inpainter!r}")

    task = widgets.Dropdown(options=tasks, value=tasks[0], description="task")
    index = widgets.IntSlider(0, 0, len(x) - 1, description="image", continuous_update=False)
    strength = widgets.IntSlider(25, 0, max_sigma, description="σ × 255", continuous_update=False)
    state = {"scores": {}}

    def configure(name):
        """Give the strength slider the range and meaning of task ``name``."""
        if name == "inpaint":
            strength.description, strength.max, strength.min = "hole side", max_hole, 1
            strength.value = min(10, max_hole)
        else:
            strength.description, strength.min, strength.max = "σ × 255", 0, max_sigma
            strength.value = min(25, max_sigma)

    def on_task(change):
        configure(change["new"])

    configure(tasks[0])
    task.observe(on_task, names="value")

    def render(task, index, strength):
        import matplotlib.pyplot as plt

        from ..data import gaussian_noise

        clean = x[index]
        if task == "denoise":
            sigma = strength / 255
            corrupted = gaussian_noise(clean, sigma, seed=seed)
            model_out = np.asarray(denoiser.denoise(corrupted))
            baseline = classic.denoise(corrupted, sigma, method=classical)
            score = lambda y: psnr(y, clean)  # noqa: E731
            what, name = f"σ = {strength}/255", classical
        else:
            h, w = clean.shape
            side = int(strength)
            rng = np.random.default_rng(seed)
            r, c = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
            mask = np.ones_like(clean)
            mask[r : r + side, c : c + side] = 0.0
            corrupted = clean * mask
            model_out = np.asarray(inpainter.inpaint(corrupted, mask))
            baseline = classic.inpaint(corrupted, mask, method="biharmonic")
            score = lambda y: hole_psnr(clean, y, mask)  # noqa: E731
            what, name = f"{side}×{side} hole (PSNR on the hole)", "biharmonic"
        panels = {
            "clean": (clean, None),
            "corrupted": (corrupted, score(corrupted)),
            "network": (model_out, score(model_out)),
            f"{name} ({baseline.seconds_per_image * 1000:.0f} ms)": (
                baseline.images, score(baseline.images)),
        }
        state["scores"] = {k.split(" (")[0]: v[1] for k, v in panels.items() if v[1] is not None}
        # constrained layout makes room for the figure title above the panel titles
        fig, axes = plt.subplots(1, 4, figsize=(9.5, 3.1), layout="constrained")
        for ax, (label, (img, value)) in zip(axes, panels.items(), strict=True):
            ax.imshow(img, cmap=IMAGE_CMAP, vmin=0, vmax=1)
            ax.set_title(label if value is None else f"{label}\n{value:.1f} dB", fontsize=9)
            ax.axis("off")
        fig.suptitle(f"{task}: {what}; PSNR against the clean image, peak 1", fontsize=10)
        return fig

    explorer = CorrectionExplorer(render, {"task": task, "index": index, "strength": strength},
                                  title="Correction explorer: network vs classical")
    explorer._state = state
    return explorer


class CorrectionExplorer(Explorer):
    """An :class:`Explorer` that also exposes the PSNRs of its last figure."""

    @property
    def scores(self) -> dict:
        """``{"corrupted": dB, "network": dB, "<classical>": dB}`` of the last figure."""
        return dict(self._state["scores"])


__all__ = ["CorrectionExplorer", "correction_explorer"]
