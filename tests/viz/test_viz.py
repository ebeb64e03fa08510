import numpy as np
import pytest

from unsuplab import viz


def test_style_uses_colour_blind_safe_defaults():
    import matplotlib as mpl

    viz.set_style()
    assert mpl.rcParams["image.cmap"] == "viridis"
    assert mpl.rcParams["axes.prop_cycle"].by_key()["color"][0] == viz.PALETTE[0]


def test_image_grid_layout_and_titles():
    fig = viz.image_grid(np.zeros((12, 8, 8), np.uint8), titles=list("abcdefghijkl"), ncols=5,
                         title="grid")
    assert len(fig.axes) == 15
    assert fig.axes[0].get_title() == "a"
    assert fig._suptitle.get_text() == "grid"


def test_image_rows_labels_each_row():
    fig = viz.image_rows({"in": np.zeros((4, 8, 8, 1)), "out": np.ones((4, 8, 8, 1))}, n=3)
    assert len(fig.axes) == 6
    assert fig.axes[0].get_ylabel() == "in" and fig.axes[3].get_ylabel() == "out"


def test_plot_history_and_curves_have_labels():
    fig = viz.plot_history({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch" and ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "val_loss"]
    fig = viz.plot_curves([2, 8], {"pca": [14, 16]}, xlabel="latent", ylabel="PSNR (dB)",
                          title="sweep", logx=True)
    assert fig.axes[0].get_ylabel() == "PSNR (dB)"


def test_scatter_2d_colours_by_class():
    points = np.random.default_rng(0).normal(size=(30, 2))
    fig = viz.scatter_2d(points, np.repeat(np.arange(3), 10), class_names=["a", "b", "c"])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b", "c"]


def test_save_fig(tmp_path):
    fig = viz.image_grid(np.zeros((2, 4, 4)))
    path = viz.save_fig(fig, "grid", folder=tmp_path)
    assert path == tmp_path / "grid.png" and path.stat().st_size > 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: viz.image_grid(np.zeros((2, 4, 4)), titles=["a"]), "titles"),
        (lambda: viz.image_grid(np.zeros((2, 4, 4)), ncols=0), "ncols"),
        (lambda: viz.image_rows({}), "rows"),
        (lambda: viz.plot_history({"loss": [1]}, keys=["acc"]), "acc"),
        (lambda: viz.plot_curves([1, 2], {"a": [1]}, xlabel="", ylabel="", title=""), "2 values"),
        (lambda: viz.scatter_2d(np.zeros((3, 3))), "2 columns"),
        (lambda: viz.save_fig(None, "a/b"), "name"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_class_colours_are_ten_distinct_colours_a_class_keeps():
    from matplotlib.colors import to_rgb

    colours = np.array([to_rgb(c) for c in viz.class_colors(10)])
    gaps = np.linalg.norm(colours[:, None] - colours[None], axis=-1)[np.triu_indices(10, 1)]
    assert gaps.min() > 0.15  # no two classes share (nearly) one colour, unlike viridis
    assert len(viz.class_colors(12)) == 12
    # class 2 is drawn in class 2's colour even when classes 0 and 1 are absent
    fig = viz.scatter_2d(np.zeros((4, 2)), [2, 2, 5, 5], class_names=list("abcdef"))
    drawn = [to_rgb(c.get_facecolor()[0]) for c in fig.axes[0].collections]
    assert np.allclose(drawn, [to_rgb(viz.CLASS_COLORS[2]), to_rgb(viz.CLASS_COLORS[5])])


def _overlaps(fig, artist, ax):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return artist.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))


def test_legends_sit_beside_the_data_and_epochs_are_whole():
    fig = viz.plot_history({"loss": [3, 2, 1.5], "val_loss": [3, 2.5, 2]})
    ax = fig.axes[0]
    assert ax.get_ylabel() == "loss" and not _overlaps(fig, ax.get_legend(), ax)
    assert all(float(t).is_integer() for t in ax.get_xticks())
    assert viz.plot_history({"acc": [0.1, 0.5]}).axes[0].get_ylabel() == "acc"
    assert viz.plot_history({"acc": [0.1], "nmi": [0.2]}).axes[0].get_ylabel() == "score"
    fig = viz.plot_curves([1, 2], {"a": [1, 2], "b": [2, 1]}, xlabel="x", ylabel="y", title="t")
    assert not _overlaps(fig, fig.axes[0].get_legend(), fig.axes[0])
    points = np.random.default_rng(0).normal(size=(30, 2))
    fig = viz.scatter_2d(points, np.repeat(np.arange(3), 10), class_names=["a", "b", "c"])
    assert not _overlaps(fig, fig.axes[0].get_legend(), fig.axes[0])
