"""Generative augmentation helpers, with PCA as a cheap latent model."""

import numpy as np
import pytest

from unsuplab.models.augment import latent_augment, pseudo_labelled_samples
from unsuplab.models.pca import PCAAutoencoder


def test_latent_augment_mixes_within_a_class():
    rng = np.random.default_rng(0)
    x = rng.random((20, 6, 6)).astype(np.float32)
    y = np.arange(20) % 2
    pca = PCAAutoencoder(4).fit(x)
    new, labels = latent_augment(pca, x, y, 30, sigma=0.0, max_mix=0.0, seed=1)
    assert new.shape == (30, 6, 6, 1) and labels.shape == (30,)
    assert new.min() >= 0 and new.max() <= 1
    # with no mixing and no noise, each new image is a reconstruction of a labelled one
    recon = pca.reconstruct(x).reshape(20, -1)
    nearest = ((new.reshape(30, 1, -1) - np.clip(recon, 0, 1)[None]) ** 2).sum(-1).argmin(1)
    np.testing.assert_array_equal(y[nearest], labels)
    a, _ = latent_augment(pca, x, y, 5, seed=3)
    b, _ = latent_augment(pca, x, y, 5, seed=3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="one entry per sample"):
        latent_augment(pca, x, y[:5], 3)


def test_pseudo_labelled_samples_keeps_confident_ones():
    images = np.zeros((3, 4, 4), np.float32)
    p = np.array([[0.95, 0.05], [0.5, 0.5], [0.1, 0.9]])
    kept, labels = pseudo_labelled_samples(images, p, threshold=0.9)
    assert len(kept) == 2
    np.testing.assert_array_equal(labels, [0, 1])
    with pytest.raises(ValueError, match="one row per image"):
        pseudo_labelled_samples(images[:2], p)


def test_a_model_without_encode_is_named():
    images = np.zeros((4, 8, 8), np.float32)
    with pytest.raises(TypeError, match=r"model must be a latent model .*encode"):
        latent_augment(object(), images, np.zeros(4, int), 2)
