import keras
import numpy as np
import pytest

from unsuplab import config
from unsuplab.models import DenseAutoencoder, PCAAutoencoder
from unsuplab.training import fit


def _blobs(n=256, size=8, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    centres = rng.uniform(1, size - 2, size=(n, 2))
    widths = rng.uniform(1.0, 2.5, size=n)
    blobs = np.exp(
        -((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2)
        / (2 * widths[:, None, None] ** 2)
    )
    return blobs[..., None].astype(np.float32)


def test_pca_autoencoder_hand_checked():
    rng = np.random.default_rng(0)
    # points on a line through (0.5, 0.5, ...) inside [0, 1]: one component explains them all
    t = rng.uniform(-0.2, 0.2, size=(20, 1, 1, 1))
    direction = np.ones((1, 2, 2, 1)) / 2.0
    x = (0.5 + t * direction).astype(np.float32)
    pca = PCAAutoencoder(latent_dim=1).fit(x)
    np.testing.assert_allclose(pca.reconstruct(x), x, atol=1e-6)
    np.testing.assert_allclose(np.abs(pca.components_[0]), 0.5, atol=1e-6)
    z = pca.encode(x)
    np.testing.assert_allclose(np.abs(z[:, 0]), np.abs(t.ravel() - t.mean()), atol=1e-6)
    assert pca.image_shape == (2, 2, 1) and pca.latent_dim == 1


def test_latent_protocol_shapes_and_layouts():
    x = _blobs(40)
    pca = PCAAutoencoder(latent_dim=5).fit(x[..., 0])  # (N, H, W) gives the same model
    assert pca.image_shape == (8, 8, 1)
    assert pca.encode(x).shape == (40, 5)
    assert pca.encode(x, latent_dim=2).shape == (40, 2)
    assert pca.decode(pca.encode(x)).shape == (40, 8, 8, 1)
    assert pca.decode(pca.encode(x)[0]).shape == (1, 8, 8, 1)  # one code
    assert pca.reconstruct(x[..., 0]).shape == (40, 8, 8)  # the caller's layout comes back
    out = pca.reconstruct(x, latent_dim=2)
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    as_uint8 = np.round(x * 255).astype(np.uint8)
    np.testing.assert_allclose(pca.encode(as_uint8), pca.encode(as_uint8 / np.float32(255)),
                               atol=1e-5)
    # more components reconstruct better (Eckart-Young: the error falls with k)
    errors = [np.mean((pca.reconstruct(x, latent_dim=k) - x) ** 2) for k in (1, 3, 5)]
    assert errors[0] > errors[1] > errors[2]


def test_bad_use_is_refused():
    x = _blobs(20)
    with pytest.raises(RuntimeError, match="not fitted"):
        PCAAutoencoder(2).encode(x)
    with pytest.raises(ValueError, match="latent_dim"):
        PCAAutoencoder(0).fit(x)
    with pytest.raises(ValueError, match="latent_dim"):
        PCAAutoencoder(50).fit(x)
    pca = PCAAutoencoder(2).fit(x)
    with pytest.raises(ValueError, match="latent_dim"):
        pca.encode(x, latent_dim=3)
    with pytest.raises(ValueError, match="training images' shape"):
        pca.encode(np.zeros((2, 6, 6), np.float32))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        pca.fit(x * 255)


@pytest.mark.slow
def test_linear_autoencoder_reaches_the_pca_error():
    config.set_seed(0)
    x = _blobs(256)
    pca = PCAAutoencoder(latent_dim=3).fit(x)
    pca_mse = np.mean((pca.reconstruct(x) - x) ** 2)
    ae = DenseAutoencoder(3, image_shape=(8, 8, 1), activation=None, output_activation=None)
    schedule = keras.optimizers.schedules.CosineDecay(2e-2, 60 * 8, alpha=0.01)
    ae.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    fit(ae, x, epochs=60, batch_size=32, verbose=0)
    ae_mse = np.mean((ae.reconstruct(x) - x) ** 2)
    assert pca_mse <= ae_mse * 1.0001  # PCA is the best linear code...
    assert ae_mse < 1.25 * pca_mse  # ...and the linear autoencoder gets close to it
    # the decoder's column space approaches the principal subspace
    dec = keras.ops.convert_to_numpy(ae.decoder.get_layer("pixels").kernel).T  # (64, 3)
    q, _ = np.linalg.qr(dec)
    overlap = np.linalg.norm(pca.components_ @ q) ** 2 / 3  # 1 = same subspace
    assert overlap > 0.9


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_blockwise_fit_is_scikit_learns_exact_pca(dtype, monkeypatch):
    from sklearn.decomposition import PCA

    monkeypatch.setattr(PCAAutoencoder, "chunk", 37)  # several blocks and a ragged last one
    x = (_blobs(n=300) * 255).astype(np.uint8)
    x = x if dtype == "uint8" else (x / np.float32(255)).astype(np.float32)
    pca = PCAAutoencoder(latent_dim=6).fit(x)
    flat = x.reshape(len(x), -1).astype(np.float64) / (255.0 if dtype == "uint8" else 1.0)
    ref = PCA(6, svd_solver="full").fit(flat)
    np.testing.assert_allclose(pca.mean_, ref.mean_, atol=1e-6)
    np.testing.assert_allclose(pca.explained_variance_, ref.explained_variance_, rtol=1e-4)
    # same directions and, by the shared sign convention, the same signs
    np.testing.assert_allclose(pca.components_, ref.components_, atol=1e-4)
    assert pca.components_.dtype == np.float32 and pca.image_shape == (8, 8, 1)
