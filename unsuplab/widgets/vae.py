"""Explorers for a trained VAE: move through its latent space, walk between two images.

Both decode as the controls move (the decoder is one small forward pass, a few milliseconds
on a CPU) and also execute headless, drawing their first figure when built.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_number
from .base import Explorer


def _check_vae(model):
    needed = ("encode", "decode", "latent_dim")
    if not all(hasattr(model, name) for name in needed):
        raise TypeError(
            f"model must be a unsuplab VAE (with encode, decode and latent_dim). "
            f"Received: model={type(model).__name__}"
        )
    return model


def _labelled(images, labels, class_names):
    x = check_array(images, "images", ndim=(3, 4), dtype_kind="uif")
    if labels is not None:
        labels = check_array(labels, "labels", ndim=1, dtype_kind="uib")
        if len(labels) != len(x):
            raise ValueError(
                f"images and labels must have the same length. Received: {len(x)} and {len(labels)}"
            )
        if class_names is not None and int(labels.max()) >= len(class_names):
            raise ValueError(
                f"class_names must name every label (largest label {int(labels.max())}). "
                f"Received: {len(class_names)} class names"
            )
    return x, labels


def latent_explorer(
    model, images=None, labels=None, *, class_names=None, limit=3.0, max_sliders=8, base=None
):
    r"""One slider per latent dimension, decoding as it moves.

    For a 2-D model the figure is a *pad*: the latent plane (with the encoded ``images`` as a
    background, coloured by class) and a cross at the sliders' point, beside its decoded
    image. For more dimensions, the ``max_sliders`` dimensions with the largest KL on
    ``images`` get sliders (the others stay at ``base``'s code); a dimension whose KL is ~0
    is *collapsed* and its slider changes nothing.

    Args:
        model: a trained :class:`unsuplab.models.VAE`.
        images: optional images (N, H, W[, C]) to encode: the background of the 2-D pad and
            the ranking of dimensions by KL.
        labels: optional class of each image (colours of the pad).
        class_names: optional names of the classes.
        limit: sliders span [-limit, limit] (the prior N(0, 1) puts 99.7% within 3).
        max_sliders: at most this many sliders for models with more than 2 dimensions.
        base: optional image whose posterior mean is the starting code (default: zeros,
            the prior's mode).

    Returns:
        An :class:`Explorer`; controls ``z1``, ``z2``, ... named by dimension (1-based).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from .. import viz

    _check_vae(model)
    limit = float(check_number(limit, "limit", low=0, low_inclusive=False))
    max_sliders = check_number(max_sliders, "max_sliders", low=1, integer=True)
    dim = model.latent_dim
    points, kl = None, None
    if images is not None:
        x, labels = _labelled(images, labels, class_names)
        mean, log_var = model.encode(x)
        points = mean
        kl = 0.5 * np.mean(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=0)
    code = np.zeros(dim, dtype=np.float32)
    if base is not None:
        base = check_array(base, "base", ndim=(2, 3), dtype_kind="uif")
        code = model.encode(base[None])[0][0].astype(np.float32)
    if dim == 2:
        dims = [0, 1]
    elif kl is not None:
        dims = sorted(np.argsort(-kl)[:max_sliders].tolist())
    else:
        dims = list(range(min(dim, max_sliders)))

    def slider(j):
        tip = f"KL {kl[j]:.2f} nats" if kl is not None else ""
        return widgets.FloatSlider(
            value=float(np.clip(code[j], -limit, limit)),
            min=-limit,
            max=limit,
            step=0.05,
            description=f"z{j + 1}",
            tooltip=tip,
            continuous_update=True,
            readout_format=".2f",
        )

    controls = {f"z{j + 1}": slider(j) for j in dims}

    def render(**values):
        z = code.copy()
        for j in dims:
            z[j] = values[f"z{j + 1}"]
        image = model.decode(z[None])[0]
        if dim == 2:
            fig, (ax_pad, ax_img) = plt.subplots(
                1, 2, figsize=(8.0, 3.8), gridspec_kw={"width_ratios": [1.3, 1]}
            )
            if points is not None:
                viz.scatter_2d(
                    np.clip(points, -limit, limit),
                    labels,
                    class_names=class_names,
                    ax=ax_pad,
                    s=2,
                    title="latent plane (posterior means)",
                )
            ax_pad.plot(z[0], z[1], marker="+", color="#D55E00", ms=18, mew=3)
            ax_pad.set_xlim(-limit, limit)
            ax_pad.set_ylim(-limit, limit)
            ax_pad.set_xlabel("$z_1$")
            ax_pad.set_ylabel("$z_2$")
        else:
            fig, (ax_code, ax_img) = plt.subplots(
                1, 2, figsize=(8.0, 3.2), gridspec_kw={"width_ratios": [1.5, 1]}
            )
            colors = [viz.PALETTE[1] if j in dims else viz.PALETTE[0] for j in range(dim)]
            ax_code.bar(np.arange(1, dim + 1), z, color=colors)
            ax_code.set_ylim(-limit, limit)
            ax_code.set_xlabel("latent dimension (orange: has a slider)")
            ax_code.set_ylabel("$z_j$")
            ax_code.set_title("the code being decoded")
        ax_img.imshow(
            np.squeeze(image, -1) if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1
        )
        ax_img.set_title("decoded $\\mathbb{E}[x \\mid z]$")
        ax_img.axis("off")
        fig.tight_layout()
        return fig

    explorer = Explorer(
        render, controls, title=f"Latent explorer ({dim}-D latent space, {len(dims)} sliders)"
    )
    # many sliders: let them wrap onto several lines instead of one long row
    explorer.widget.children[-2].layout = widgets.Layout(flex_flow="row wrap")
    explorer.dims = dims
    return explorer


def interpolation_explorer(model, images, labels=None, *, class_names=None, steps=9):
    r"""Walk in latent space between two chosen images, next to a pixel cross-fade.

    Row 1 decodes :math:`(1 - t)\,\mu(x_a) + t\,\mu(x_b)` for ``steps`` values of :math:`t`
    in [0, 1]; row 2 blends the pixels, :math:`(1 - t)\,x_a + t\,x_b`, for contrast: the
    latent path stays on the manifold of clothes, the pixel blend is a double exposure.

    Args:
        model: a trained :class:`unsuplab.models.VAE`.
        images: the images to choose from, (N, H, W[, C]).
        labels, class_names: optional, for titles.
        steps: initial number of images along the path (2 to 16).

    Returns:
        An :class:`Explorer` with controls ``a``, ``b`` (indices) and ``steps``.
    """
    import ipywidgets as widgets

    from ..data import to_float
    from ..viz import image_rows

    _check_vae(model)
    x, labels = _labelled(images, labels, class_names)
    steps = check_number(steps, "steps", low=2, high=16, integer=True)
    if len(x) < 2:
        raise ValueError(f"images must hold at least 2 images. Received: {len(x)}")
    x = to_float(x)

    def name(i):
        if labels is None:
            return f"#{i}"
        c = int(labels[i])
        return f"#{i} {class_names[c]}" if class_names is not None else f"#{i} class {c}"

    controls = {
        "a": widgets.IntSlider(value=0, min=0, max=len(x) - 1, description="image a"),
        "b": widgets.IntSlider(value=1, min=0, max=len(x) - 1, description="image b"),
        "steps": widgets.IntSlider(value=steps, min=2, max=16, description="steps"),
    }

    def render(a, b, steps):
        path = model.interpolate(x[a], x[b], steps)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None, None, None]
        blend = (1.0 - t) * x[a] + t * x[b]
        return image_rows(
            {"latent path": path, "pixel blend": blend},
            n=steps,
            size=0.9,
            title=f"from {name(a)} to {name(b)}",
        )

    return Explorer(render, controls, title="Interpolation: latent path vs pixel blend")
