import numpy as np
import pytest

from unsuplab.models import VAE, DenseAutoencoder, PCAAutoencoder
from unsuplab.widgets import interpolation_explorer, latent_explorer

SHAPE = (8, 8, 1)


def _images(n=30, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, *SHAPE)).astype(np.float32)


def _vae(latent_dim):
    return VAE(latent_dim, architecture="mlp", hidden_units=(16,), image_shape=SHAPE, seed=0)


@pytest.fixture
def models():
    x = _images()
    return {
        "PCA-2": PCAAutoencoder(2).fit(x),
        "d=3": DenseAutoencoder(latent_dim=3, image_shape=SHAPE),
        "VAE-2": _vae(2),
    }


def _titles(explorer):
    return [ax.get_title() for ax in explorer.figure.axes]


def test_explorer_draws_headless_and_follows_the_controls(models):
    x = _images()
    labels = np.arange(len(x)) % 3
    ex = latent_explorer(models, x, labels=labels, class_names=("a", "b", "c"), n_directions=3)
    # drawn at construction: the top row holds the input and one reconstruction per model
    titles = _titles(ex)
    assert titles[0] == "input #0 (a)"
    assert titles[1].startswith("PCA-2\n") and titles[1].endswith("dB")
    assert titles[2].startswith("d=3\n") and titles[3].startswith("VAE-2\n")
    assert ex.values == {"index": 0, "model": "VAE-2", "direction": 1, "step": 0.0}
    at_zero = ex.state["moved"].copy()
    np.testing.assert_allclose(at_zero, models["VAE-2"].reconstruct(x[:1])[0], atol=1e-5)

    ex.set(model="d=3", step=2.0)  # decoded live: the walk moved the image
    assert not np.allclose(ex.state["moved"], models["d=3"].reconstruct(x[:1])[0], atol=1e-4)
    assert any("+2.00 σ" in t for t in _titles(ex))

    ex.controls["index"].value = 4  # as a student moving the slider
    assert ex.figure.axes[0].get_title() == "input #4 (b)"
    assert ex.figure.get_suptitle().startswith("Reconstructions (top)")
    legend = ex.figure.legends[0]  # the code map's classes, under the figure
    assert [t.get_text() for t in legend.get_texts()] == ["a", "b", "c"]


def test_code_map_shows_the_codes_and_the_walk(models):
    x = _images()
    ex = latent_explorer(models, x)
    ex.set(model="VAE-2", direction=2, step=1.5)
    code_map = next(ax for ax in ex.figure.axes if ax.get_title() == "codes of the images")
    assert code_map.get_xlabel() == "$z_1$"  # a 2-D code is shown as it is
    np.testing.assert_allclose(code_map.collections[0].get_offsets(), ex.codes["VAE-2"],
                               rtol=1e-6)
    cross = code_map.lines[-1]
    np.testing.assert_allclose([cross.get_xdata()[0], cross.get_ydata()[0]], ex.state["code"],
                               rtol=1e-6)
    ex.set(model="d=3")  # a 3-D code: seen on its first two principal directions
    code_map = next(ax for ax in ex.figure.axes if ax.get_title() == "codes of the images")
    assert code_map.get_xlabel() == "direction 1"


def test_walk_follows_the_principal_direction_of_the_codes(models):
    x = _images()
    ex = latent_explorer(models, x, n_directions=2)
    ex.set(model="PCA-2", direction=1, step=1.0)
    pca = models["PCA-2"]
    z = pca.encode(x)
    u, std = ex.directions["PCA-2"][0], z[:, 0].std(ddof=1)
    # PCA codes are uncorrelated: their first principal direction is an axis of the code
    assert abs(abs(u[0]) - 1.0) < 1e-4
    expected = pca.decode((z[:1] + std * u[None]).astype(np.float32))[0]
    np.testing.assert_allclose(ex.state["moved"], expected, atol=1e-4)


def test_axes_basis_ranks_a_vaes_dimensions_by_kl():
    from unsuplab import metrics

    vae = _vae(6)
    x = _images()
    ex = latent_explorer(vae, x, n_directions=6, basis="axes")
    kl = metrics.kl_per_dimension(vae, x)
    order = np.argsort(-kl)
    np.testing.assert_array_equal(np.argmax(ex.directions["VAE"], axis=1), order)
    ex.set(direction=6, step=2.0)  # the least used axis, moved by two of its std
    z = vae.encode(x[:1])[0]
    j = order[-1]
    z[j] += 2.0 * ex.stds["VAE"][-1]
    np.testing.assert_allclose(ex.state["moved"], vae.decode(z[None])[0], atol=1e-5)
    assert any(f"z{j + 1}, KL {kl[j]:.2f} nats" in t for t in _titles(ex))


def test_directions_beyond_the_latent_size_are_clamped(models):
    ex = latent_explorer(models, _images(), n_directions=5)
    ex.set(model="PCA-2", direction=5, step=1.0)  # a 2-d code has 2 directions
    assert any("direction 2," in t for t in _titles(ex))


def test_the_direction_slider_offers_only_directions_that_exist():
    only_2d = latent_explorer(_vae(2), _images(), n_directions=5)
    assert only_2d.controls["direction"].max == 2  # positions 3-5 would move nothing


def test_sliders_are_wide_and_wrap():
    ex = latent_explorer(DenseAutoencoder(latent_dim=2, image_shape=SHAPE), _images())
    for control in ex.controls.values():
        assert int(control.layout.width.rstrip("px")) >= 300
    assert ex.controls_box.layout.flex_flow == "row wrap"


def test_uint8_pools_are_accepted(models):
    x = _images()
    ex = latent_explorer(models, np.round(x * 255).astype(np.uint8))
    np.testing.assert_allclose(ex.codes["d=3"], models["d=3"].encode(x), atol=1e-2)


def test_interpolation_explorer_shows_the_latent_path_and_the_blend(models):
    vae = models["VAE-2"]
    x = _images(20)
    y = np.arange(20) % 3
    walk = interpolation_explorer(vae, x, y, class_names=["a", "b", "c"], steps=5)
    assert sorted(walk.controls) == ["a", "b", "steps"]
    walk.set(a=2, b=7, steps=4)
    axes = walk.figure.axes
    assert len(axes) == 2 * 4  # two rows of four images
    path = vae.interpolate(x[2], x[7], 4)
    np.testing.assert_allclose(axes[0].images[0].get_array(), path[0, ..., 0], rtol=1e-5)
    np.testing.assert_allclose(axes[4 + 3].images[0].get_array(), x[7, ..., 0], rtol=1e-6)
    assert "#2 (c)" in walk.figure._suptitle.get_text()
    # any latent model: PCA's path is a straight line in pixel space too
    pca_walk = interpolation_explorer(models["PCA-2"], x, steps=3)
    assert len(pca_walk.figure.axes) == 6


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m, x: latent_explorer({}, x), ValueError, "models"),
        (lambda m, x: latent_explorer({"m": object()}, x), TypeError,
         "encode, decode and reconstruct"),
        (lambda m, x: latent_explorer(m, x * 255), ValueError, "/ 255"),
        (lambda m, x: latent_explorer(m, x[:1]), ValueError, "at least 2"),
        (lambda m, x: latent_explorer(m, x, labels=np.zeros(3, int)), ValueError, "labels"),
        (lambda m, x: latent_explorer(m, x, labels=np.arange(30), class_names=["a"]), ValueError,
         "class_names must name every class"),
        (lambda m, x: latent_explorer(m, x, n_directions=0), ValueError, "n_directions"),
        (lambda m, x: latent_explorer(m, x, basis="random"), ValueError, "Unknown basis"),
        (lambda m, x: interpolation_explorer(object(), x), TypeError, "encode and decode"),
        (lambda m, x: interpolation_explorer(m["d=3"], x[:1]), ValueError, "at least 2 images"),
        (lambda m, x: interpolation_explorer(m["d=3"], x, steps=40), ValueError,
         "steps must be <= 16"),
    ],
)
def test_bad_arguments_are_refused(models, call, error, match):
    with pytest.raises(error, match=match):
        call(models, _images())


def test_the_figure_title_clears_every_panel(models):
    """As the browser test measures it: the suptitle's box crosses no panel's plot area, title,
    ticks or labels (a class legend under the figure included)."""
    x = _images()
    ex = latent_explorer(models, x, labels=np.arange(len(x)) % 10,
                         class_names=[f"class {i}" for i in range(10)])
    fig = ex.figure
    fig.canvas.draw()
    renderer = fig._get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    for ax in fig.axes:
        parts = [ax.title.get_window_extent(renderer)] if ax.get_title() else []
        if ax.axison:
            parts += [ax.get_window_extent(renderer), ax.xaxis.get_tightbbox(renderer),
                      ax.yaxis.get_tightbbox(renderer)]
        for part in parts:
            if part is None or part.width <= 0 or part.height <= 0:
                continue
            crossing = (min(title.x1, part.x1) - max(title.x0, part.x0) > 1
                        and min(title.y1, part.y1) - max(title.y0, part.y0) > 1)
            assert not crossing, f"the title crosses the panel {ax.get_title()!r}"
