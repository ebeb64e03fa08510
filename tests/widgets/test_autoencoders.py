import numpy as np
import pytest

from unsuplab.models import DenseAutoencoder
from unsuplab.models.autoencoders import PCAAutoencoder
from unsuplab.widgets.autoencoders import latent_explorer


def _images(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n, 12, 12, 1)).astype(np.float32)


@pytest.fixture
def models():
    x = _images()
    return {
        "PCA-2": PCAAutoencoder(2).fit(x),
        "d=3": DenseAutoencoder(latent_dim=3, image_shape=(12, 12, 1)),
    }


def test_explorer_draws_headless_and_follows_the_controls(models):
    x = _images()
    labels = np.arange(len(x)) % 3
    ex = latent_explorer(models, x, labels=labels, class_names=("a", "b", "c"), n_directions=3)
    # drawn at construction: the top row holds the input and one reconstruction per model
    titles = [ax.get_title() for ax in ex.figure.axes]
    assert titles[0] == "input #0 (a)"
    assert titles[1].startswith("PCA-2\n") and titles[1].endswith("dB")
    assert titles[2].startswith("d=3\n")
    assert ex.values == {"index": 0, "model": "d=3", "direction": 1, "step": 0.0}
    at_zero = ex.state["moved"].copy()
    np.testing.assert_allclose(at_zero, models["d=3"].reconstruct(x[:1])[0], atol=1e-5)

    ex.set(step=2.0)  # decoded live: the walk moved the image
    assert not np.allclose(ex.state["moved"], at_zero)
    assert any("+2.00 σ" in ax.get_title() for ax in ex.figure.axes)

    ex.controls["index"].value = 4  # as a student moving the slider
    assert ex.figure.axes[0].get_title() == "input #4 (b)"


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


def test_directions_beyond_the_latent_size_are_clamped(models):
    ex = latent_explorer(models, _images(), n_directions=5)
    ex.set(model="PCA-2", direction=5, step=1.0)  # a 2-d code has 2 directions
    assert any("direction 2," in ax.get_title() for ax in ex.figure.axes)


def test_bad_arguments_are_refused(models):
    x = _images()
    with pytest.raises(ValueError, match="models"):
        latent_explorer({}, x)
    with pytest.raises(TypeError, match="encode, decode and reconstruct"):
        latent_explorer({"m": object()}, x)
    with pytest.raises(TypeError, match="float"):
        latent_explorer(models, (x * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="at least 2"):
        latent_explorer(models, x[:1])
    with pytest.raises(ValueError, match="labels"):
        latent_explorer(models, x, labels=np.zeros(3, int))
    with pytest.raises(ValueError, match="n_directions"):
        latent_explorer(models, x, n_directions=0)
