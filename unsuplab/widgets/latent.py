"""The latent explorers: one for every model with a code (autoencoders, PCA, VAEs).

Both work over the latent-model protocol (``latent_dim``, ``encode``, ``decode``,
``reconstruct``; a VAE's ``encode`` is its posterior mean), decode as the controls move (one
small forward pass) and draw their first figure when built, so they also run headless.

- :func:`latent_explorer`: pick an image, compare its reconstructions by several models, and
  walk from its code along a latent direction, seen on a map of the codes;
- :func:`interpolation_explorer`: the straight latent path between two images, decoded, next
  to a pixel cross-fade.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_image_batch, check_choice, check_labels, check_number
from .base import Explorer

#: Layout of the sliders: wide enough to move by small steps (a teacher saw 32-px sliders).
_SLIDER = {"layout": {"width": "360px"}, "style": {"description_width": "90px"}}
BASES = ("principal", "axes")


def _is_generator(model):
    """A generator (a GAN's): ``decode`` and ``sample_latent``, but no encoder."""
    return not callable(getattr(model, "encode", None)) and all(
        callable(getattr(model, m, None)) for m in ("decode", "sample_latent"))


def _check_models(models):
    if not isinstance(models, dict):
        models = {type(models).__name__: models}
    if not models:
        raise ValueError(f"models must be a non-empty dict name -> model. Received: {models!r}")
    for name, model in models.items():
        latent = all(callable(getattr(model, m, None)) for m in ("encode", "decode", "reconstruct"))
        if not latent and not _is_generator(model):
            raise TypeError(
                f"models[{name!r}] must have encode, decode and reconstruct methods (the "
                f"latent-model protocol), or decode and sample_latent (a generator). "
                f"Received: {type(model).__name__}"
            )
    return {str(name): model for name, model in models.items()}


def _pool(images, labels, class_names):
    x, _ = as_image_batch(images, "images", ndim=(3, 4))
    if len(x) < 2:
        raise ValueError(f"images must hold at least 2 images. Received: {len(x)}")
    if labels is not None:
        labels = check_labels(labels, len(x), class_names=class_names)
    return x, labels


def _name(index, labels, class_names):
    if labels is None:
        return f"#{index}"
    c = int(labels[index])
    return f"#{index} ({class_names[c] if class_names is not None else c})"


def _basis(model, codes, x, n, basis):
    """``n`` unit directions of the code space (rows), the codes' std along each, and a note
    per direction (a VAE's KL on the ``"axes"`` basis)."""
    dim = codes.shape[1]
    if basis == "principal":
        centred = codes - codes.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        std = s / np.sqrt(max(len(codes) - 1, 1))
        return vt[:n], np.maximum(std[:n], 1e-8), [""] * min(n, len(vt))
    # latent axes, most used first: by KL for a VAE, by the codes' variance otherwise
    std = codes.std(axis=0, ddof=1)
    if callable(getattr(model, "encode_distribution", None)):
        from ..metrics import kl_per_dimension

        kl = kl_per_dimension(model, x)
        order = np.argsort(-kl)[:n]
        notes = [f" (z{j + 1}, KL {kl[j]:.2f} nats)" for j in order]
    else:
        order = np.argsort(-std)[:n]
        notes = [f" (z{j + 1})" for j in order]
    return np.eye(dim, dtype=np.float32)[order], np.maximum(std[order], 1e-8), notes


def _show(ax, image, title, cmap="gray", limits=(0.0, 1.0)):
    image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
    ax.imshow(np.clip(image, *limits), cmap=cmap, vmin=limits[0], vmax=limits[1])
    ax.set_title(title, fontsize=8)
    ax.axis("off")


def _code_map(ax, codes, plane, labels, class_names, start, end, axis_names):
    """The codes seen on a plane (2-D codes as they are), the walk drawn as an arrow."""
    from .. import viz

    points = codes @ plane.T
    viz.scatter_2d(points, labels, class_names=class_names, ax=ax, s=2,
                   xlabel=axis_names[0], ylabel=axis_names[1], title="codes of the images")
    a, b = start @ plane.T, end @ plane.T
    ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "->", "color": viz.PALETTE[3]})
    ax.plot(*a, marker="o", color="black", ms=5)
    ax.plot(*b, marker="+", color=viz.PALETTE[3], ms=14, mew=3)
    ax.set_title("codes of the images", fontsize=8)
    ax.tick_params(labelsize=7)
    handles, names = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:  # the class legend goes under the figure (returned)
        ax.get_legend().remove()
    return handles, names


def latent_explorer(
    models, images=None, *, labels=None, class_names=None, n_directions=5, basis="principal",
    n_samples=200,
):
    r"""Pick an image, compare its reconstructions, and walk along a latent direction.

    The top row shows the chosen image and its reconstruction by every model (with the PSNR).
    The bottom row takes one model, encodes the image to :math:`z`, and decodes
    :math:`z + s\,\sigma_j u_j`: on the left the codes of all ``images`` (2-D codes as they
    are, larger ones on their first two directions) with the walk as an arrow, then the
    decoded start, the decoded end, and their difference. ``step`` :math:`s` is measured in
    standard deviations :math:`\sigma_j` of the codes along :math:`u_j`, so ±2 stays inside
    the cloud of real codes.

    Directions (``basis``):

    - ``"principal"``: :math:`u_j` is the ``j``-th principal direction of the codes (any model:
      an autoencoder's latent axes mean nothing on their own);
    - ``"axes"``: the latent axes themselves, most used first: for a VAE by their KL (a
      *collapsed* axis, KL ≈ 0, comes last and moving along it changes nothing), otherwise by
      the codes' variance.

    Args:
        models: ``name -> trained model`` (anything with ``encode``, ``decode`` and
            ``reconstruct``: ``{"d=2": ae2, "PCA": pca, "VAE": vae}``), in display order; or
            one model.
        images: the pool to pick from, (N, H, W[, C]), uint8 or float in [0, 1] (a few
            hundred test images; their codes are computed once, when the explorer is built).
        labels: optional int labels of ``images`` (titles, colours of the code map).
        class_names: optional names of the labels.
        n_directions: how many directions the ``direction`` slider offers (a model with a
            smaller code offers all of its own).
        basis: ``"principal"`` or ``"axes"``.
        n_samples: with only generators and no ``images``, the pool is this many samples of
            the first generator.

    Generators (a GAN: ``decode`` and ``sample_latent``, no encoder) take part too: the code
    of "image" ``i`` is their ``i``-th seeded latent code (``sample_latent(N, seed=0)``), and
    the top row shows that sample instead of a reconstruction. With only generators,
    ``images`` may be omitted.

    Returns:
        An :class:`~unsuplab.widgets.Explorer` with controls ``index``, ``model``,
        ``direction`` and ``step``. ``explorer.state["moved"]`` holds the last decoded image
        of the walk (``explorer.state["code"]`` its code), ``explorer.codes[name]`` the codes
        of ``images``, ``explorer.directions[name]`` and ``explorer.stds[name]`` the walk's
        directions and scales.
    """
    import ipywidgets as widgets

    from ..metrics import psnr

    models = _check_models(models)
    generators = [n for n, m in models.items() if _is_generator(m)]
    if images is None and len(generators) == len(models):
        first = models[generators[0]]  # a pool of the first generator's own samples
        images = first.decode(first.sample_latent(n_samples, seed=0))
    x, labels = _pool(images, labels, class_names)
    n_directions = check_number(n_directions, "n_directions", low=1, integer=True)
    check_choice(basis, "basis", BASES)
    names = list(models)
    recon, codes, directions, stds, notes = {}, {}, {}, {}, {}
    for name, model in models.items():
        if name in generators:  # no encoder: sample i is the image of the seeded code i
            codes[name] = np.asarray(model.sample_latent(len(x), seed=0), dtype=np.float32)
            recon[name] = np.asarray(model.decode(codes[name])).reshape(x.shape)
        else:
            recon[name] = np.asarray(model.reconstruct(x)).reshape(x.shape)
            codes[name] = np.asarray(model.encode(x), dtype=np.float32)
        directions[name], stds[name], notes[name] = _basis(
            model, codes[name], x, n_directions, basis
        )

    controls = {
        "index": widgets.IntSlider(0, 0, len(x) - 1, description="image",
                                   continuous_update=False, **_SLIDER),
        "model": widgets.Dropdown(options=names, value=names[-1], description="walk in",
                                  **_SLIDER),
        # no more positions than the models have directions: a position past a model's last
        # direction would move nothing (a 2-D VAE has two)
        "direction": widgets.IntSlider(
            1, 1, max(len(d) for d in directions.values()), description="direction", **_SLIDER
        ),
        "step": widgets.FloatSlider(0.0, min=-3.0, max=3.0, step=0.25, description="step (σ)",
                                    **_SLIDER),
    }
    state = {}

    def render(index, model, direction, step):
        import matplotlib.pyplot as plt

        j = min(direction, len(directions[model])) - 1
        start = codes[model][index]
        end = (start + step * stds[model][j] * directions[model][j]).astype(np.float32)
        moved = np.asarray(models[model].decode(end[None]))[0].reshape(x.shape[1:])
        state["moved"], state["code"] = moved, end

        ncols = max(len(names) + 1, 4)
        fig, axes = plt.subplots(2, ncols, figsize=(1.9 * ncols, 4.9), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        only_generators = len(generators) == len(names)
        role = "sample" if only_generators else "input"
        _show(axes[0, 0], x[index], f"{role} {_name(index, labels, class_names)}")
        for ax, n in zip(axes[0, 1:], names, strict=False):
            note = f"sample (code #{index})" if n in generators else (
                f"{psnr(x[index], recon[n][index]):.1f} dB")
            _show(ax, recon[n][index], f"{n}\n{note}")
        dim = codes[model].shape[1]
        if dim == 2:
            plane, axis_names = np.eye(2, dtype=np.float32), ("$z_1$", "$z_2$")
        else:
            plane = directions[model][:2]
            if len(plane) < 2:  # a 1-D code: the map is a line
                plane = np.vstack([plane, np.zeros((1, dim), np.float32)])
            axis_names = ("direction 1", "direction 2")
        axes[1, 0].axis("on")
        handles, classes = _code_map(axes[1, 0], codes[model], plane, labels, class_names,
                                     start, end, axis_names)
        base = recon[model][index]
        _show(axes[1, 1], base, f"{model}: step 0")
        _show(axes[1, 2], moved, f"direction {j + 1}, {step:+.2f} σ{notes[model][j]}")
        change = moved - base
        change = change[..., 0] if change.shape[-1] == 1 else change.mean(-1)
        _show(axes[1, 3], change, "change", cmap="PuOr", limits=(-0.5, 0.5))
        top = "Samples" if only_generators else (
            "Reconstructions and samples" if generators else "Reconstructions")
        fig.suptitle(f"{top} (top) and a walk in latent space (bottom)", fontsize=10)
        bottom = 0.0
        if handles:  # the code map's classes, under the figure where they cover nothing
            fig.legend(handles, classes, loc="lower center", ncols=min(len(classes), 5),
                       fontsize=7, markerscale=3, frameon=False, title="class of the code",
                       title_fontsize=7)
            bottom = 0.05 + 0.035 * int(np.ceil(len(classes) / 5))
        # a rect keeps no room for the suptitle by itself: leave its height at the top
        fig.tight_layout(h_pad=1.5, rect=(0, bottom, 1, 0.94))
        return fig

    explorer = Explorer(render, controls, title="Latent explorer", wrap=True)
    explorer.codes, explorer.directions, explorer.stds = codes, directions, stds
    explorer.state = state
    return explorer


def interpolation_explorer(model, images=None, labels=None, *, class_names=None, steps=9,
                           n_samples=200):
    r"""Walk in latent space between two chosen images, next to a pixel cross-fade.

    Row 1 decodes :math:`(1 - t)\,z_a + t\,z_b` for ``steps`` values of :math:`t` in [0, 1],
    with :math:`z = \text{encode}(x)` (a VAE's posterior mean); row 2 blends the pixels,
    :math:`(1 - t)\,x_a + t\,x_b`, for contrast: a good latent path stays on the manifold of
    clothes, the pixel blend is a double exposure.

    Args:
        model: a trained model with ``encode`` and ``decode`` (autoencoder, PCA, VAE).
        images: the images to choose from, (N, H, W[, C]), uint8 or float in [0, 1].
        labels, class_names: optional, for titles.
        steps: initial number of images along the path (2 to 16).
        n_samples: for a generator without ``images``: the pool size.

    A generator (a GAN: ``decode`` and ``sample_latent``, no encoder) walks between its own
    samples: image ``i`` is the decoded ``i``-th seeded code (``sample_latent(N, seed=0)``).

    Returns:
        An :class:`Explorer` with controls ``a``, ``b`` (indices) and ``steps``.
    """
    import ipywidgets as widgets

    from ..viz import image_rows

    generator = _is_generator(model)
    if not generator and not all(callable(getattr(model, m, None)) for m in ("encode", "decode")):
        raise TypeError(
            f"model must have encode and decode methods (the latent-model protocol), or "
            f"decode and sample_latent (a generator). Received: model={type(model).__name__}"
        )
    if generator:
        pool_codes = model.sample_latent(len(images) if images is not None else n_samples,
                                         seed=0)
        images = model.decode(pool_codes)
    x, labels = _pool(images, labels, class_names)
    steps = check_number(steps, "steps", low=2, high=16, integer=True)
    controls = {
        "a": widgets.IntSlider(0, 0, len(x) - 1, description="image a", **_SLIDER),
        "b": widgets.IntSlider(1, 0, len(x) - 1, description="image b", **_SLIDER),
        "steps": widgets.IntSlider(steps, 2, 16, description="steps", **_SLIDER),
    }

    def render(a, b, steps):
        z = pool_codes[[a, b]] if generator else np.asarray(model.encode(x[[a, b]]),
                                                             dtype=np.float32)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)
        path = np.asarray(model.decode((1.0 - t[:, None]) * z[0] + t[:, None] * z[1]))
        blend = (1.0 - t[:, None, None, None]) * x[a] + t[:, None, None, None] * x[b]
        return image_rows(
            {"latent path": path.reshape(blend.shape), "pixel blend": blend},
            n=steps,
            size=0.9,
            title=f"from {_name(a, labels, class_names)} to {_name(b, labels, class_names)}",
        )

    return Explorer(render, controls, title="Interpolation: latent path vs pixel blend",
                    wrap=True)


__all__ = ["BASES", "interpolation_explorer", "latent_explorer"]
