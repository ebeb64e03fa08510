"""Tests of the block diagrams in unsuplab.viz.schematics."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from unsuplab import viz
from unsuplab.viz.schematics import SCHEMATICS

#: Okabe & Ito's palette, greys and white: the colours a schematic may fill with.
SAFE = {to_hex(c) for c in viz.PALETTE} | {"#ffffff", "#cccccc", "#d9d9d9", "#bfbfbf"}


def _texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts) + " ".join(
        t.get_text() for t in fig.texts
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", sorted(SCHEMATICS))
def test_every_schematic_draws_a_labelled_figure(name):
    fig = viz.schematic(name)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    assert len(_texts(fig)) > 20, "the blocks carry labels"
    patches = [p for ax in fig.axes for p in ax.patches]
    assert patches, "drawn with matplotlib patches"
    fig.canvas.draw()  # the mathtext labels parse


@pytest.mark.parametrize("name", ["autoencoder", "unet", "blind_spot", "vae", "kmeans"])
def test_block_colours_are_colour_blind_safe(name):
    fig = viz.schematic(name)
    fills = {
        to_hex(p.get_facecolor(), keep_alpha=False)
        for ax in fig.axes
        for p in ax.patches
        if isinstance(p, (FancyBboxPatch, Rectangle, Circle)) and p.get_fill()
    }
    assert fills <= SAFE, fills - SAFE


def test_autoencoder_draws_one_block_per_layer_and_mirrors_the_encoder():
    fig = viz.schematic("autoencoder", layers=(784, 64), latent_dim=3, title="mine")
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 5  # 784, 64, the code, 64, 784
    heights = [round(b.get_height(), 6) for b in boxes]
    assert heights == heights[::-1], "the decoder mirrors the encoder"
    assert heights[2] == min(heights), "the code is the narrowest layer"
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("784") == 2 and any("d$ = 3" in t for t in labels)
    assert fig._suptitle.get_text() == "mine"


def test_autoencoder_takes_feature_map_shapes():
    fig = viz.schematic("autoencoder", layers=((28, 28, 1), (14, 14, 32)), latent_dim=16)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels.count("14×14×32") == 2 and labels.count("28×28×1") == 2


def test_unet_has_one_skip_per_level_and_the_residual_on_request():
    def arrows(fig):
        return [c for c in fig.axes[0].texts if getattr(c, "arrow_patch", None) is not None]

    def dashed(fig):
        return [a for a in arrows(fig) if a.arrow_patch.get_linestyle() not in ("-", "solid")]

    residual = viz.schematic("unet", filters=(8, 16, 24, 32))
    plain = viz.schematic("unet", filters=(8, 16, 24, 32), residual=False, mask_input=True)
    assert len(dashed(residual)) == 3 + 1  # three skips and the residual path
    assert len(dashed(plain)) == 3
    text = _texts(residual)
    assert all(f"{f} filters" in text for f in (8, 16, 24, 32))
    assert len(dashed(viz.schematic("unet", filters=(16, 32)))) == 1 + 1
    assert r"m \odot x" in _texts(plain)


def test_som_colours_units_by_the_gaussian_neighbourhood():
    fig = viz.schematic("som", n_rows=3, n_cols=4, sigma=1.0, winner=(1, 2))
    units = [p for p in fig.axes[0].patches if isinstance(p, Circle) and p.get_fill()]
    assert len(units) == 12
    cmap = plt.get_cmap("cividis")
    for unit in units:
        col, row = unit.center[0], -unit.center[1]
        h = np.exp(-((row - 1) ** 2 + (col - 2) ** 2) / 2.0)
        np.testing.assert_allclose(unit.get_facecolor(), cmap(h), atol=1e-6)
    winner = max(units, key=lambda p: p.get_linewidth())
    assert winner.center == (2, -1)


def test_blind_spot_hides_one_pixel_per_cell():
    fig = viz.schematic("blind_spot", grid=3, size=6)
    cells = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(cells) == 36
    hidden = [p for p in cells if to_hex(p.get_facecolor()) == to_hex(viz.PALETTE[1])]
    assert sorted(p.get_xy() for p in hidden) == [(1, 1), (1, 4), (4, 1), (4, 4)]


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("transformer", {}, "Unknown name; choose one of"),  # ("gan" exists since ch. 04)
        ("unet", {"levels": 3}, r"its options are \['filters'"),
        ("unet", {"filters": (16,)}, "at least two resolutions"),
        ("autoencoder", {"layers": ()}, "layers must be a non-empty tuple"),
        ("autoencoder", {"latent_dim": 0}, "latent_dim must be a tuple of positive integers"),
        ("som", {"winner": (9, 0)}, "winner must be a"),
        ("som", {"sigma": 0.0}, "sigma must be > 0"),
        ("blind_spot", {"grid": 1}, "Need 2 <= grid <= size"),
        ("kmeans", {"k": 9}, "k must be at most 6"),
    ],
)
def test_bad_names_and_options_are_refused(name, options, match):
    with pytest.raises(ValueError, match=match):
        viz.schematic(name, **options)
