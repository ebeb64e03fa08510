"""Schematics drawn by code: block diagrams of the collection's models, for slides and notes.

``schematic(name, **options)`` returns a new matplotlib figure (no downloaded image; every
label is text, every colour from the colour-blind-safe palette):

================  ===============================================================  ==========
name              what it draws                                                    chapter
================  ===============================================================  ==========
``"kmeans"``      Lloyd's two steps (assign, update) beside points and centroids   00
``"autoencoder"`` encoder, code, decoder; dense layers (ints) or feature maps       01
                  (``(H, W, C)`` tuples), with the reconstruction loss
``"unet"``        a U-Net: one block per resolution, skip connections, optional    02
                  residual output and mask channel
``"blind_spot"``  a patch with the hidden pixels of a blind-spot (J-invariant)      02
                  denoiser and the neighbours that replace one of them
``"vae"``         the VAE's graphical model (Kingma & Welling's figure 1) beside    03
                  its network with the reparameterization
``"gan"``         generator and discriminator, the real/fake split and the two      04
                  losses with their optimizers
``"som"``         a SOM grid coloured by the Gaussian neighbourhood of a winner     05
``"diffusion"``   the fixed forward (noising) chain, the learned reverse chain,    09
                  and the training step in closed form
================  ===============================================================  ==========

Example::

    fig = viz.schematic("autoencoder", layers=((28, 28, 1), (14, 14, 32), (7, 7, 64)),
                        latent_dim=32)
"""

from __future__ import annotations

import numpy as np

from .._validation import check_choice, check_number, check_units

#: Okabe & Ito colours (as in ``viz.PALETTE``): blue, orange, green, vermilion, sky, black.
_BLUE, _ORANGE, _GREEN, _RED, _SKY, _BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#000000"
)


def _figure(width, height, ncols=1):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width, height), squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
        ax.set_aspect("equal")
    return fig, list(axes.flat)


def _box(ax, x, y, w, h, text="", *, color=_SKY, alpha=0.35, fontsize=9, textcolor=_BLACK):
    """A rounded box centred on (x, y) with centred text."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                facecolor=color, alpha=alpha, edgecolor=_BLACK, lw=0.8))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=textcolor)


def _arrow(ax, start, end, text="", *, dashed=False, color=_BLACK, rad=0.0, fontsize=8,
           offset=(0.0, 0.12)):
    """An arrow from ``start`` to ``end``, its label at the midpoint plus ``offset``."""
    ax.update_datalim([start, end])  # so that autoscaling keeps the arrow in view
    ax.annotate("", xy=end, xytext=start, arrowprops={
        "arrowstyle": "-|>", "color": color, "lw": 1.1, "linestyle": "--" if dashed else "-",
        "connectionstyle": f"arc3,rad={rad}", "shrinkA": 2, "shrinkB": 2})
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="bottom", fontsize=fontsize, color=color)


def _finish(fig, axes, title):
    for ax in axes:
        ax.autoscale_view()
        ax.margins(0.06)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _layer_label(layer):
    return "×".join(str(v) for v in layer) if isinstance(layer, tuple) else str(layer)


def _autoencoder(layers=(784, 256, 128), latent_dim=2, *, title=None):
    """Encoder ``layers`` (input first), the code, the mirrored decoder, and the loss."""
    if not isinstance(layers, (tuple, list)) or not layers:
        raise ValueError(f"layers must be a non-empty tuple. Received: layers={layers!r}")
    layers = [check_units(v, "layers[i]", allow_empty=False) if isinstance(v, (tuple, list))
              else check_units(v, "layers[i]")[0] for v in layers]
    latent_dim = check_units(latent_dim, "latent_dim")[0]
    fig, (ax,) = _figure(2.0 + 1.3 * (2 * len(layers) + 1), 4.2)
    column = [*layers, latent_dim, *layers[::-1]]
    sizes = [int(np.prod(v)) for v in column]  # how many numbers each layer holds
    top = np.log2(max(sizes) + 1)
    shapes = []
    for layer, n in zip(column, sizes, strict=True):
        h = 0.5 + 2.5 * np.log2(n + 1) / top
        w = 0.12 + 0.08 * np.log2(layer[-1]) if isinstance(layer, tuple) else 0.22
        shapes.append((1.3 * len(shapes), h, w))
    mid = len(layers)
    for (x0, h0, w0), (x1, h1, w1) in zip(shapes, shapes[1:], strict=False):  # the funnel
        ax.fill([x0 + w0 / 2, x1 - w1 / 2, x1 - w1 / 2, x0 + w0 / 2],
                [-h0 / 2, -h1 / 2, h1 / 2, h0 / 2], color="0.85", zorder=0)
    for i, ((x, h, w), layer) in enumerate(zip(shapes, column, strict=True)):
        color = _ORANGE if i == mid else (_BLUE if i < mid else _GREEN)
        _box(ax, x, 0, w, h, color=color, alpha=0.8 if i == mid else 0.45)
        label = f"$z$\n$d$ = {layer}" if i == mid else _layer_label(layer)
        ax.text(x, -h / 2 - 0.12, label, ha="center", va="top", fontsize=8)
    ends = [shapes[0][0], shapes[mid][0], shapes[-1][0]]
    ax.text(ends[0], 1.95, "$x$ (input)", ha="center", fontsize=10)
    ax.text(ends[2], 1.95, r"$\hat x$ (output)", ha="center", fontsize=10)
    ax.text((ends[0] + ends[1]) / 2, 1.55, r"encoder $f_\phi$", ha="center", color=_BLUE)
    ax.text((ends[1] + ends[2]) / 2, 1.55, r"decoder $g_\theta$", ha="center", color=_GREEN)
    _arrow(ax, (ends[2], -2.2), (ends[0], -2.2), r"loss $\| x - \hat x\|^2$: "
           "the input is its own target", dashed=True, offset=(0, -0.42))
    return _finish(fig, [ax], title or "Autoencoder: squeeze to a code, then rebuild")


def _unet(filters=(16, 32, 64), *, residual=True, mask_input=False, title=None):
    """A U-Net with ``filters`` channels per resolution, finest first (as ``networks.unet``):
    ``len(filters) - 1`` down-samplings, the last entry at the bottleneck."""
    from matplotlib.patches import Circle

    filters = check_units(filters, "filters")
    if len(filters) < 2:
        raise ValueError(f"filters needs at least two resolutions. Received: filters={filters!r}")
    levels = len(filters) - 1
    fig, (ax,) = _figure(3.0 + 2.2 * levels, 2.6 + 1.1 * levels)
    dx, dy = 1.1, 1.1
    for i, f in enumerate(filters):
        down, up = (dx * i, -dy * i), (dx * (2 * levels - i), -dy * i)
        name = "bottleneck" if i == levels else f"level {i}"
        _box(ax, *down, 0.9, 0.5, f"{f} filters", color=_BLUE if i < levels else _ORANGE)
        ax.text(down[0] - 0.55, down[1], name, ha="right", va="center", fontsize=8)
        if i < levels:
            _box(ax, *up, 0.9, 0.5, f"{f} filters", color=_GREEN)
            _arrow(ax, (down[0], down[1] - 0.27), (down[0] + dx, down[1] - dy + 0.27),
                   "↓2", offset=(-0.3, -0.1))
            _arrow(ax, (up[0] - dx, up[1] - dy + 0.27), (up[0], up[1] - 0.27), "↑2",
                   offset=(0.3, -0.1))
            _arrow(ax, (down[0] + 0.47, down[1]), (up[0] - 0.47, up[1]),
                   "skip: concatenate" if i == 0 else "", dashed=True, color=_RED)
    source = r"$(m \odot x,\ m)$" if mask_input else r"$\tilde x$ (damaged)"
    _box(ax, -1.5, 0.9, 1.4, 0.45, source, color="0.8")
    _arrow(ax, (-1.5, 0.66), (-0.1, 0.27))
    out_x = dx * 2 * levels + 1.5
    if residual:
        ax.add_patch(Circle((out_x, 0.9), 0.17, facecolor="white", edgecolor=_BLACK))
        ax.text(out_x, 0.9, "+", ha="center", va="center", fontsize=12)
        _arrow(ax, (-0.8, 0.9), (out_x - 0.19, 0.9),
               r"residual: $\hat x = \tilde x + g_\theta(\tilde x)$", dashed=True)
        _arrow(ax, (dx * 2 * levels + 0.1, 0.27), (out_x - 0.1, 0.75))
        _arrow(ax, (out_x + 0.19, 0.9), (out_x + 0.9, 0.9), r"$\hat x$", offset=(0, 0.05))
    else:
        result = r"$m \odot x + (1 - m) \odot f_\theta$" if mask_input else r"$\hat x$"
        _box(ax, out_x, 0.9, 1.9, 0.45, result, color="0.8")
        _arrow(ax, (dx * 2 * levels + 0.1, 0.27), (out_x - 0.4, 0.66))
    return _finish(fig, [ax], title or "U-Net: an encoder-decoder whose skips carry the details")


def _blind_spot(grid=3, size=9, *, title=None):
    """A ``size``×``size`` patch; one pixel in every ``grid``×``grid`` cell is hidden."""
    from matplotlib.patches import Rectangle

    grid = check_units(grid, "grid")[0]
    size = check_units(size, "size")[0]
    if grid < 2 or size < grid:
        raise ValueError(f"Need 2 <= grid <= size. Received: grid={grid!r}, size={size!r}")
    fig, (ax, flow) = _figure(10, 4.2, ncols=2)
    centre = grid // 2
    example = (centre + grid * ((size // grid) // 2), centre + grid * ((size // grid) // 2))
    neighbours = {(example[0] + a, example[1] + b) for a, b in ((-1, 0), (1, 0), (0, -1), (0, 1))}
    for r in range(size):
        for c in range(size):
            hidden = r % grid == centre and c % grid == centre
            color = _ORANGE if hidden else (_SKY if (r, c) in neighbours else "white")
            ax.add_patch(Rectangle((c, size - 1 - r), 1, 1, facecolor=color,
                                   edgecolor="0.5", lw=0.6))
    for r, c in neighbours:
        _arrow(ax, (c + 0.5, size - 0.5 - r), (example[1] + 0.5, size - 0.5 - example[0]))
    ax.set_xlim(-0.2, size + 0.2)
    ax.set_ylim(-1.6, size + 0.2)
    ax.text(size / 2, -0.4, f"orange: hidden (one per {grid}×{grid} cell), replaced by the mean\n"
            "of its 4 neighbours (blue); the loss is taken on the hidden pixels only",
            ha="center", va="top", fontsize=8)
    steps = [(0, 3.0, "neighbours of $p$\n(pixel $p$ never seen)", _SKY),
             (0, 1.7, r"network $\Rightarrow$ prior $N(\mu_p, s_p^2)$", _BLUE),
             (0, 0.4, r"Bayes with $y_p$: $\hat x_p = \frac{s_p^2 y_p + \sigma^2 \mu_p}"
                      r"{s_p^2 + \sigma^2}$", _GREEN)]
    for x, y, text, color in steps:
        _box(flow, x, y, 3.4, 0.8, text, color=color)
    _arrow(flow, (0, 2.58), (0, 2.12))
    _arrow(flow, (0, 1.28), (0, 0.82))
    _box(flow, 2.6, 0.4, 1.2, 0.6, "noisy $y_p$", color="0.8")
    _arrow(flow, (2.0, 0.4), (1.72, 0.4))
    return _finish(fig, [ax, flow], title or "Blind-spot (J-invariant) denoising")


def _vae(*, title=None):
    """Left: the graphical model; right: the network with the reparameterization."""
    from matplotlib.patches import Circle, FancyBboxPatch

    fig, (gm, net) = _figure(12, 4.4, ncols=2)
    for (x, y), name, fill in (((0, 1.4), "$z$", "white"), ((0, 0), "$x$", "0.75")):
        gm.add_patch(Circle((x, y), 0.3, facecolor=fill, edgecolor=_BLACK, lw=1.2))
        gm.text(x, y, name, ha="center", va="center", fontsize=13)
    gm.add_patch(FancyBboxPatch((-0.75, -0.55), 1.5, 2.55, boxstyle="round,pad=0.02",
                                fill=False, edgecolor=_BLACK, lw=0.8))
    gm.text(0.62, -0.45, "$N$", fontsize=11)
    for (x, y), name in (((1.5, 0.0), r"$\theta$"), ((-1.5, 1.4), r"$\phi$")):
        gm.add_patch(Circle((x, y), 0.06, color=_BLACK))
        gm.text(x, y + 0.15, name, ha="center", va="bottom", fontsize=12)
    _arrow(gm, (0.1, 1.1), (0.1, 0.3), r"$p_\theta(x \mid z)$", color=_BLUE, offset=(0.55, -0.1))
    _arrow(gm, (-0.1, 0.3), (-0.1, 1.1), r"$q_\phi(z \mid x)$", dashed=True, color=_RED,
           offset=(-0.6, -0.1))
    _arrow(gm, (1.44, 0.0), (0.31, 0.0), color=_BLUE)  # the prior N(0, I) has no parameter
    _arrow(gm, (-1.44, 1.4), (-0.31, 1.4), dashed=True, color=_RED)
    gm.text(0, -0.95, "solid: the generative model $p(z)\\,p_\\theta(x\\mid z)$\n"
            "dashed: the encoder $q_\\phi(z\\mid x)$ (amortized inference)",
            ha="center", va="top", fontsize=8)
    boxes = [(0, "$x$", "0.8", 0.8), (1.6, r"encoder" "\n" r"$q_\phi$", _BLUE, 1.1),
             (5.0, r"$z = \mu + \sigma \odot \varepsilon$", _ORANGE, 1.7),
             (7.0, "decoder\n" r"$p_\theta(x \mid z)$", _GREEN, 1.3)]
    for x, text, color, w in boxes:
        _box(net, x, 1.0, w, 0.8, text, color=color)
    _box(net, 3.3, 1.55, 1.1, 0.45, r"$\mu_\phi(x)$", color=_BLUE)
    _box(net, 3.3, 0.45, 1.1, 0.45, r"$\log \sigma^2_\phi(x)$", color=_BLUE)
    _box(net, 5.0, 2.4, 1.7, 0.5, r"$\varepsilon \sim N(0, I)$", color="0.85")
    for start, end in (((0.4, 1.0), (1.05, 1.0)), ((2.15, 1.1), (2.75, 1.5)),
                       ((2.15, 0.9), (2.75, 0.5)), ((3.85, 1.5), (4.15, 1.15)),
                       ((3.85, 0.5), (4.15, 0.85)), ((5.0, 2.15), (5.0, 1.4)),
                       ((5.85, 1.0), (6.35, 1.0))):
        _arrow(net, start, end)
    _box(net, 3.3, -0.6, 2.6, 0.55, r"rate: KL$(q_\phi \,\|\, N(0, I))$", color=_RED, alpha=0.25)
    _box(net, 7.0, -0.6, 2.3, 0.55, r"distortion: $-\log p_\theta(x \mid z)$", color=_RED,
         alpha=0.25)
    _arrow(net, (3.3, 0.22), (3.3, -0.32), dashed=True)
    _arrow(net, (7.0, 0.6), (7.0, -0.32), dashed=True)
    net.text(5.15, -1.25, r"$-$ELBO = distortion + rate", ha="center", fontsize=10)
    return _finish(fig, [gm, net], title or "Variational autoencoder: the model and the network")


def _gan(*, title=None):
    """Noise -> generator -> fake; real and fake -> discriminator -> two losses."""
    fig, (ax,) = _figure(11, 3.8)
    _box(ax, 0, 1.6, 1.5, 0.6, r"$z \sim N(0, I)$", color="0.85")
    _box(ax, 2.3, 1.6, 1.7, 0.8, "generator $G$\n(decoder)", color=_GREEN)
    _box(ax, 4.6, 1.6, 1.5, 0.6, r"fake $G(z)$", color=_ORANGE)
    _box(ax, 4.6, 0.0, 1.5, 0.6, r"real $x$", color="0.8")
    _box(ax, 7.0, 0.8, 1.9, 0.8, "discriminator $D$\n(encoder, 1 logit)", color=_BLUE)
    for start, end in (((0.75, 1.6), (1.45, 1.6)), ((3.15, 1.6), (3.85, 1.6)),
                       ((5.35, 1.5), (6.05, 0.95)), ((5.35, 0.1), (6.05, 0.65))):
        _arrow(ax, start, end)
    _box(ax, 10.0, 1.45, 3.3, 0.6, "$D$ loss: real → high, fake → low\n(d_optimizer)",
         color=_RED, alpha=0.25, fontsize=8)
    _box(ax, 10.0, 0.15, 3.3, 0.6, "$G$ loss: fake → high\n(g_optimizer, through $D$)",
         color=_RED, alpha=0.25, fontsize=8)
    _arrow(ax, (7.95, 1.0), (8.35, 1.35))
    _arrow(ax, (7.95, 0.6), (8.35, 0.25))
    _arrow(ax, (8.35, -0.1), (2.3, 1.15), dashed=True, rad=-0.3)
    ax.text(7.0, -0.75, "gradient of the $G$ loss flows back through $D$ to $G$",
            ha="center", va="center", fontsize=8)
    return _finish(fig, [ax], title or "GAN: two networks, two losses, two optimizers")


def _diffusion(*, title=None):
    """The forward chain q (adds noise) above the learned reverse chain p_θ (removes it), and
    the training step that jumps to any x_t in closed form."""
    fig, (ax,) = _figure(11, 3.6)
    nodes = ((0.0, "$x_0$\nimage", "0.8"), (2.6, "$x_{t-1}$", _SKY), (5.2, "$x_t$", _SKY),
             (7.8, "$x_T$\n$\\sim N(0, I)$", "0.85"))
    for x, text, color in nodes:
        _box(ax, x, 0.0, 1.3, 0.8, text, color=color)
    for (a, _, _), (b, _, _) in zip(nodes[:-1], nodes[1:], strict=True):
        _arrow(ax, (a + 0.7, 0.25), (b - 0.7, 0.25), rad=-0.35, color=_ORANGE)
        _arrow(ax, (b - 0.7, -0.25), (a + 0.7, -0.25), "", rad=-0.35, color=_BLUE)
    ax.text(1.3, 0.0, "…", ha="center", va="center", fontsize=12)
    ax.text(6.5, 0.0, "…", ha="center", va="center", fontsize=12)
    ax.text(3.9, 0.95, r"forward $q(x_t \mid x_{t-1}) = N(\sqrt{\alpha_t}\,x_{t-1}, \beta_t I)$"
            ": fixed", ha="center", fontsize=9, color=_ORANGE)
    ax.text(3.9, -1.05, r"reverse $p_\theta(x_{t-1} \mid x_t) = N(\mu_\theta(x_t, t), "
            r"\sigma_t^2 I)$: learned", ha="center", va="top", fontsize=9, color=_BLUE)
    _box(ax, 11.2, 0.0, 4.2, 1.9, "training step:\n$t \\sim U\\{1..T\\}$, "
         "$\\varepsilon \\sim N(0, I)$\n"
         "$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1 - \\bar\\alpha_t}\\,\\varepsilon$\n"
         "loss $\\| \\varepsilon - \\varepsilon_\\theta(x_t, t) \\|^2$",
         color=_GREEN, alpha=0.25, fontsize=9)
    return _finish(fig, [ax], title or "Diffusion: a fixed noising chain, a learned denoising "
                   "chain")


def _som(n_rows=7, n_cols=9, sigma=1.5, winner=(3, 4), *, title=None):
    """An ``n_rows``×``n_cols`` grid coloured by ``h = exp(-δ²/2σ²)`` around ``winner``."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    n_rows, n_cols = check_units((n_rows, n_cols), "(n_rows, n_cols)")
    sigma = check_number(sigma, "sigma", low=0.0, low_inclusive=False)
    if not (isinstance(winner, tuple) and len(winner) == 2
            and 0 <= winner[0] < n_rows and 0 <= winner[1] < n_cols):
        raise ValueError(f"winner must be a (row, col) on the grid. Received: winner={winner!r}")
    fig, (ax,) = _figure(0.65 * n_cols + 4.5, 0.65 * n_rows + 1.6)
    rows, cols = np.indices((n_rows, n_cols))
    h = np.exp(-((rows - winner[0]) ** 2 + (cols - winner[1]) ** 2) / (2 * sigma**2))
    cmap = plt.get_cmap("cividis")
    for r, c in zip(rows.ravel(), cols.ravel(), strict=True):
        is_winner = (r, c) == winner
        ax.add_patch(Circle((c, -r), 0.33, facecolor=cmap(h[r, c]), edgecolor=_BLACK,
                            lw=2.2 if is_winner else 0.5))
    wy, wx = -winner[0], winner[1]
    ax.add_patch(Circle((wx, wy), sigma, fill=False, ls="--", edgecolor=_RED, lw=1.2))
    ax.text(wx + sigma * 0.72, wy + sigma * 0.72, r"$\sigma$", color=_RED, fontsize=11)
    _box(ax, n_cols + 1.3, -(n_rows - 1) / 2, 1.3, 0.8, "sample $x$", color="0.8")
    _arrow(ax, (n_cols + 0.62, -(n_rows - 1) / 2), (wx + 0.35, wy), rad=0.2)
    ax.text(n_cols + 1.3, -(n_rows - 1) / 2 - 0.7,
            "winner $c(x) = \\arg\\min_j \\| x - w_j\\|$\n"
            "$w_j \\leftarrow w_j + \\eta\\, h_{cj}\\,(x - w_j)$\n"
            "$h_{cj} = \\exp(-\\delta_{cj}^2 / 2\\sigma^2)$", ha="center", va="top", fontsize=8)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, fraction=0.03, shrink=0.7, label="neighbourhood $h_{cj}$")
    return _finish(fig, [ax], title or "Self-organizing map: units on a grid, prototypes in data "
                   "space")


def _kmeans(k=3, *, title=None):
    """Points from ``k`` blobs, their centroids, and Lloyd's two alternating steps."""
    k = check_units(k, "k")[0]
    if k > 6:
        raise ValueError(f"k must be at most 6 to stay readable. Received: k={k!r}")
    fig, (pts, loop) = _figure(10, 4.0, ncols=2)
    rng = np.random.default_rng(0)  # a fixed drawing, not an experiment
    angles = 2 * np.pi * np.arange(k) / k
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 2.0
    x = np.concatenate([c + 0.6 * rng.standard_normal((25, 2)) for c in centres])
    labels = np.argmin(((x[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    colors = (_BLUE, _ORANGE, _GREEN, _RED, _SKY, "#CC79A7")
    for j in range(k):
        sel = labels == j
        pts.scatter(x[sel, 0], x[sel, 1], s=12, color=colors[j])
        mean = x[sel].mean(axis=0)
        pts.scatter(*mean, marker="X", s=160, color=colors[j], edgecolor=_BLACK, zorder=3)
        pts.text(mean[0] + 0.25, mean[1] + 0.25, f"$\\mu_{j + 1}$", fontsize=10)
    pts.set_title("points $x_i$ and centroids $\\mu_k$ (X)", fontsize=9)
    _box(loop, 0, 1.3, 4.2, 0.9, "1. assign: $c_i \\leftarrow \\arg\\min_k "
         "\\| x_i - \\mu_k \\|^2$", color=_BLUE)
    _box(loop, 0, -1.3, 4.2, 0.9, "2. update: $\\mu_k \\leftarrow$ mean of the "
         "$x_i$ with $c_i = k$", color=_GREEN)
    loop.update_datalim([(-3.0, 0.0), (3.0, 0.0)])  # room for the curved arrows
    _arrow(loop, (2.2, 1.1), (2.2, -1.1), "", rad=-0.5)
    _arrow(loop, (-2.2, -1.1), (-2.2, 1.1), "", rad=-0.5)
    loop.text(0, 0, "each step lowers $J = \\sum_i \\| x_i - \\mu_{c_i}\\|^2$;\n"
              "repeat until no assignment changes", ha="center", va="center", fontsize=9)
    return _finish(fig, [pts, loop], title or "k-means (Lloyd's algorithm)")


#: The schematics by name (``schematic(name, ...)``).
SCHEMATICS = {
    "autoencoder": _autoencoder,
    "blind_spot": _blind_spot,
    "diffusion": _diffusion,
    "gan": _gan,
    "kmeans": _kmeans,
    "som": _som,
    "unet": _unet,
    "vae": _vae,
}


def schematic(name, **options):
    """Draw the block diagram ``name`` (see the module's table); return the figure.

    Args:
        name: one of ``SCHEMATICS``.
        **options: the diagram's options, e.g. ``layers`` and ``latent_dim`` for
            ``"autoencoder"``, ``filters`` (per resolution), ``residual``, ``mask_input`` for
            ``"unet"``, ``n_rows``, ``n_cols``, ``sigma``, ``winner`` for ``"som"``; every
            diagram takes ``title``.

    Raises:
        ValueError: for an unknown name (the message lists the names) or a bad option value.
    """
    import inspect

    check_choice(name, "name", tuple(SCHEMATICS))
    known = list(inspect.signature(SCHEMATICS[name]).parameters)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"Unknown option for schematic {name!r}; its options are {known}. "
                         f"Received: {unknown}")
    return SCHEMATICS[name](**options)


__all__ = ["SCHEMATICS", "schematic"]
