import numpy as np
import pytest

from unsuplab.models import VAE
from unsuplab.widgets.vae import interpolation_explorer, latent_explorer

SHAPE = (8, 8, 1)


def _vae(latent_dim):
    return VAE(latent_dim, architecture="mlp", hidden=(16,), image_shape=SHAPE, seed=0)


def _data(n=20):
    rng = np.random.default_rng(0)
    return rng.random((n, *SHAPE)).astype(np.float32), rng.integers(0, 3, size=n)


def _shown_image(explorer):
    return explorer.figure.axes[1].images[0].get_array()


def test_2d_pad_decodes_where_the_sliders_are():
    vae = _vae(2)
    x, y = _data()
    pad = latent_explorer(vae, x, y, class_names=["a", "b", "c"], limit=2.5)
    assert sorted(pad.controls) == ["z1", "z2"]
    assert pad.n_renders == 1  # drawn once when built: works headless
    pad.set(z1=1.0, z2=-0.5)
    assert pad.n_renders == 2
    expected = vae.decode(np.array([[1.0, -0.5]], np.float32))[0, ..., 0]
    np.testing.assert_allclose(_shown_image(pad), expected, rtol=1e-6)
    cross = pad.figure.axes[0].lines[-1]
    assert (cross.get_xdata()[0], cross.get_ydata()[0]) == (1.0, -0.5)
    assert pad.controls["z1"].min == -2.5 and pad.controls["z1"].max == 2.5


def test_moving_a_slider_redraws():
    pad = latent_explorer(_vae(2))
    pad.controls["z2"].value = 1.25  # what a student's mouse does
    assert pad.n_renders == 2


def test_sliders_go_to_the_dimensions_with_most_kl():
    vae = _vae(6)
    x, _ = _data()
    explorer = latent_explorer(vae, x, max_sliders=3)
    mean, log_var = vae.encode(x)
    kl = 0.5 * np.mean(np.exp(log_var) + mean**2 - 1 - log_var, axis=0)
    top = sorted(np.argsort(-kl)[:3].tolist())
    assert explorer.dims == top
    assert sorted(explorer.controls) == sorted(f"z{j + 1}" for j in top)
    name = f"z{top[0] + 1}"
    explorer.set(**{name: 2.0})
    z = np.zeros((1, 6), np.float32)
    z[0, top[0]] = 2.0
    np.testing.assert_allclose(_shown_image(explorer), vae.decode(z)[0, ..., 0], rtol=1e-6)


def test_base_image_sets_the_starting_code():
    vae = _vae(4)
    x, _ = _data()
    explorer = latent_explorer(vae, base=x[3], max_sliders=4)
    mean, _ = vae.encode(x[3:4])
    got = [explorer.controls[f"z{j + 1}"].value for j in range(4)]
    np.testing.assert_allclose(got, np.clip(mean[0], -3, 3), atol=0.05)  # slider step 0.05


def test_interpolation_explorer_shows_the_latent_path_and_the_blend():
    vae = _vae(2)
    x, y = _data()
    walk = interpolation_explorer(vae, x, y, class_names=["a", "b", "c"], steps=5)
    assert sorted(walk.controls) == ["a", "b", "steps"]
    walk.set(a=2, b=7, steps=4)
    axes = walk.figure.axes
    assert len(axes) == 2 * 4  # two rows of four images
    path = vae.interpolate(x[2], x[7], 4)
    np.testing.assert_allclose(axes[0].images[0].get_array(), path[0, ..., 0], rtol=1e-6)
    np.testing.assert_allclose(axes[4 + 3].images[0].get_array(), x[7, ..., 0], rtol=1e-6)
    assert "#2 " in walk.figure._suptitle.get_text()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: latent_explorer(object()), TypeError, "model must be a unsuplab VAE"),
        (lambda: latent_explorer(_vae(2), limit=0), ValueError, "limit must be > 0"),
        (lambda: latent_explorer(_vae(3), max_sliders=0), ValueError, "max_sliders must be >= 1"),
        (
            lambda: latent_explorer(_vae(2), _data()[0], np.zeros(3, int)),
            ValueError,
            "same length",
        ),
        (
            lambda: latent_explorer(_vae(2), _data()[0], _data()[1], class_names=["a"]),
            ValueError,
            "class_names must name every label",
        ),
        (lambda: interpolation_explorer(_vae(2), _data(1)[0]), ValueError, "at least 2 images"),
        (
            lambda: interpolation_explorer(_vae(2), _data()[0], steps=40),
            ValueError,
            "steps must be <= 16",
        ),
    ],
)
def test_bad_input_is_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()
