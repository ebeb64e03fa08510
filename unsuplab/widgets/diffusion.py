"""Diffusion explorers (chapter 09): scrub along the reverse process, and steer a conditional
model with classifier-free guidance."""

from __future__ import annotations

import numpy as np

from .._validation import check_number
from .base import Explorer


def _as_unit(images):
    """``(N, H, W, C)`` images in [0, 1] (as ``generate`` returns them) -> ``(N, H, W)``."""
    return np.clip(np.asarray(images, dtype=np.float32)[..., 0], 0.0, 1.0)


def _check_model(model, *, conditional=False):
    if not (hasattr(model, "generate") and hasattr(model, "image_shape")):
        raise TypeError(f"model must be a unsuplab.models.Diffusion (with generate and "
                        f"image_shape). Received: {model!r}")
    if conditional and not getattr(model, "n_classes", None):
        raise ValueError("The guidance explorer needs a class-conditional model "
                         "(Diffusion(n_classes=...)). Received: a model with n_classes=None")


def reverse_process_explorer(model, *, n=6, steps=50, sampler=None, labels=None, seed=0):
    r"""Scrub along the reverse process of a diffusion or flow-matching model.

    The model generates ``n`` images once, keeping every intermediate step; the slider moves
    along the chain. The figure shows the current sample :math:`x_t` (top row) and the model's
    prediction of the clean image :math:`\hat x_0` from it (bottom row, Tweedie's estimate for
    an ε-model): early in the chain :math:`x_t` is noise but :math:`\hat x_0` is already a
    blurry garment, the mean of everything :math:`x_t` could still become.

    Args:
        model: a trained :class:`~unsuplab.models.Diffusion`.
        n: how many chains to show side by side.
        steps: sampling steps (the slider's range is ``0 .. steps``).
        sampler: ``"ddim"``, ``"ddpm"`` (ε-models), ``"euler"``, ``"heun"`` (flow models);
            default: ``"ddim"`` for ε-prediction, ``"euler"`` for flow matching.
        labels: class labels (n,) for a conditional model, or None.
        seed: the sampler's seed: the same chains every time.

    Returns:
        A :class:`ReverseProcessExplorer`; ``explorer.set(step=10)`` moves the slider,
        ``explorer.state`` holds the arrays of the last figure.
    """
    import ipywidgets as widgets

    _check_model(model)
    n = check_number(n, "n", low=1, high=16, integer=True)
    steps = check_number(steps, "steps", low=1, high=1000, integer=True)
    if sampler is None:
        sampler = "euler" if getattr(model, "objective", "eps") == "flow" else "ddim"
    images, trajectory = model.generate(n, steps=steps, sampler=sampler, labels=labels,
                                        seed=seed, return_trajectory=True)
    chain = [(_as_unit(x_t), _as_unit(x0)) for x_t, x0 in trajectory]
    final = np.asarray(images, dtype=np.float32)[..., 0]
    state = {}

    def render(step):
        import matplotlib.pyplot as plt

        from ..viz import IMAGE_CMAP

        if step < len(chain):
            x_t, x0 = chain[step]
        else:  # the end of the chain: the returned samples
            x_t = x0 = final
        state.update(step=step, x_t=x_t, x0_pred=x0)
        fig, axes = plt.subplots(2, n, figsize=(1.2 * n + 1.2, 2.9), squeeze=False,
                                 layout="constrained")
        for row, (label, panel) in enumerate(((r"$x_t$", x_t), (r"$\hat x_0$", x0))):
            for j in range(n):
                ax = axes[row, j]
                ax.imshow(panel[j], cmap=IMAGE_CMAP, vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[row, 0].set_ylabel(label, fontsize=11)
        fig.suptitle(f"{sampler}: step {step} of {steps} (0 = pure noise)", fontsize=10)
        return fig

    step = widgets.IntSlider(0, 0, steps, description="step", continuous_update=False)
    explorer = ReverseProcessExplorer(render, {"step": step},
                                      title="Reverse process: the sample and its predicted x₀")
    explorer._state = state
    return explorer


def guidance_explorer(model, *, n=8, steps=25, sampler=None, max_guidance=6.0,
                      class_names=None, classifier=None, seed=0):
    r"""Generate images of one class at a chosen classifier-free guidance strength.

    The sampler combines the conditional and the unconditional predictions as
    :math:`\tilde\varepsilon = (1 + w)\,\varepsilon(x_t, y) - w\,\varepsilon(x_t,
    \varnothing)` (Ho & Salimans 2022): ``w = 0`` is the plain conditional model, larger ``w``
    trades diversity for fidelity to the class.
    The same seed is used at every setting, so moving the slider changes the guidance, not the
    draw.

    Args:
        model: a trained class-conditional :class:`~unsuplab.models.Diffusion`.
        n: images per figure.
        steps: sampling steps.
        sampler: as in :func:`reverse_process_explorer`.
        max_guidance: the guidance slider's end.
        class_names: a name per class (default: the class numbers).
        classifier: optional; anything with ``predict_classes(images) -> labels`` (e.g. chapter 04's
            :class:`~unsuplab.models.DomainClassifier`): the title then says how many samples
            it assigns to the requested class.
        seed: the sampler's seed.

    Returns:
        A :class:`GuidanceExplorer`; ``explorer.set(label=3, guidance=2.0)`` redraws,
        ``explorer.state`` holds the last images and ``agreement``.
    """
    import ipywidgets as widgets

    _check_model(model, conditional=True)
    n = check_number(n, "n", low=1, high=32, integer=True)
    steps = check_number(steps, "steps", low=1, high=1000, integer=True)
    max_guidance = check_number(max_guidance, "max_guidance", low=0.0, low_inclusive=False,
                                high=20.0)
    k = int(model.n_classes)
    if class_names is None:
        class_names = [str(i) for i in range(k)]
    if len(class_names) != k:
        raise ValueError(f"class_names must name the model's {k} classes. Received: "
                         f"{len(class_names)} names")
    if classifier is not None and not hasattr(classifier, "predict_classes"):
        raise TypeError(f"classifier must have a predict_classes(images) method. Received: "
                        f"{classifier!r}")
    if sampler is None:
        sampler = "euler" if getattr(model, "objective", "eps") == "flow" else "ddim"
    state = {}

    def render(label, guidance):
        import matplotlib.pyplot as plt

        from ..viz import IMAGE_CMAP

        labels = np.full(n, label, dtype=np.int32)
        images = model.generate(n, steps=steps, sampler=sampler, labels=labels,
                                guidance=float(guidance), seed=seed)
        title = f"{class_names[label]}, guidance w = {guidance:.1f}"
        agreement = None
        if classifier is not None:
            agreement = float(np.mean(np.asarray(classifier.predict_classes(images)) == label))
            title += f": the classifier agrees on {agreement:.0%}"
        state.update(label=label, guidance=float(guidance), images=images, agreement=agreement)
        fig, axes = plt.subplots(1, n, figsize=(1.1 * n, 1.6), squeeze=False,
                                 layout="constrained")
        for j, ax in enumerate(axes[0]):
            ax.imshow(images[j, ..., 0], cmap=IMAGE_CMAP, vmin=0, vmax=1)
            ax.axis("off")
        fig.suptitle(title, fontsize=10)
        return fig

    label = widgets.Dropdown(options=[(name, i) for i, name in enumerate(class_names)],
                             value=0, description="class")
    guidance = widgets.FloatSlider(value=0.0, min=0.0, max=max_guidance,
                                   step=0.5, description="guidance w", continuous_update=False)
    explorer = GuidanceExplorer(render, {"label": label, "guidance": guidance},
                                title="Classifier-free guidance: one class, one dial")
    explorer._state = state
    return explorer


class ReverseProcessExplorer(Explorer):
    """An :class:`Explorer` that also exposes the arrays of its last figure."""

    @property
    def state(self) -> dict:
        """``step``, ``x_t`` and ``x0_pred`` (n, H, W) in [0, 1] of the last figure."""
        return dict(self._state)


class GuidanceExplorer(Explorer):
    """An :class:`Explorer` that also exposes the images of its last figure."""

    @property
    def state(self) -> dict:
        """``label``, ``guidance``, ``images`` (n, H, W, C) and ``agreement`` (or None)."""
        return dict(self._state)


__all__ = ["GuidanceExplorer", "ReverseProcessExplorer", "guidance_explorer",
           "reverse_process_explorer"]
