"""The one latent explorer (and the interpolation explorer) also take a GAN's generator."""

import numpy as np

from unsuplab.models.gan import GAN
from unsuplab.widgets import interpolation_explorer, latent_explorer


def test_latent_explorer_walks_a_generator():
    gan = GAN(4, filters=(4, 8), image_shape=(8, 8, 1), seed=0)
    explorer = latent_explorer({"GAN": gan}, n_samples=12, n_directions=3)
    codes = gan.sample_latent(12, seed=0)
    np.testing.assert_allclose(explorer.codes["GAN"], codes)
    explorer.set(index=2, direction=1, step=2.0)
    expected = codes[2] + 2.0 * explorer.stds["GAN"][0] * explorer.directions["GAN"][0]
    np.testing.assert_allclose(explorer.state["code"], expected, rtol=1e-5)
    np.testing.assert_allclose(explorer.state["moved"], gan.decode(expected)[0], atol=1e-6)
    # a generator has samples, not inputs and reconstructions
    assert explorer.figure.get_suptitle().startswith("Samples (top)")
    assert explorer.figure.axes[0].get_title() == "sample #2"


def test_interpolation_explorer_between_two_samples():
    gan = GAN(4, filters=(4, 8), image_shape=(8, 8, 1), seed=0)
    explorer = interpolation_explorer(gan, n_samples=6, steps=4)
    explorer.set(a=1, b=3)
