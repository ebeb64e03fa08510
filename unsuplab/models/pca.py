"""PCA as an autoencoder: the best *linear* code of a given size, the baseline of chapter 01.

A scikit-learn-style estimator with the package's latent-model protocol (``latent_dim``,
``image_shape``, ``encode``, ``decode``, ``reconstruct``), so that widgets, metrics and
notebooks treat it like the Keras autoencoders.
"""

from __future__ import annotations

import numpy as np

from .._validation import as_image_batch, check_array, check_images, check_number


class PCAAutoencoder:
    """PCA as an autoencoder (Eckart–Young: the best rank-``latent_dim`` linear code).

    ``encode`` projects centred images on the first ``latent_dim`` principal directions,
    :math:`z = V_k^\\top (x - \\mu)`; ``decode`` maps back, :math:`\\hat x = V_k z + \\mu`.
    A linear autoencoder trained with MSE reaches the same reconstruction error, and its
    decoder spans the same subspace (not necessarily with the same basis).

    Args:
        latent_dim: number of principal components kept.

    Attributes:
        components_: ndarray of shape (latent_dim, n_pixels), orthonormal rows, by decreasing
            explained variance.
        mean_: ndarray of shape (n_pixels,).
        explained_variance_: ndarray of shape (latent_dim,).
        image_shape_: ``(height, width, channels)`` of the training images (also
            ``image_shape``, the protocol's name).

    Example:
        >>> pca = PCAAutoencoder(latent_dim=32).fit(x_train)
        >>> x_hat = pca.reconstruct(x_test)
    """

    #: Images per block when accumulating the covariance in :meth:`fit`.
    chunk = 4096

    def __init__(self, latent_dim=32):
        self.latent_dim = latent_dim

    def fit(self, images):
        """Fit on images (N, H, W[, C]), uint8 or float in [0, 1]; returns ``self``.

        Exact PCA from the pixel covariance, accumulated over blocks of ``chunk`` images
        (float32 products summed in float64): the memory is one block and the 784 x 784
        covariance, never a centred float copy of all the images (188 MB for 60 000
        Fashion-MNIST images, what scikit-learn's ``PCA`` makes). The signs follow
        scikit-learn's convention: each component's largest-magnitude entry is positive.
        """
        latent_dim = check_number(self.latent_dim, "latent_dim", low=1, integer=True)
        x = check_images(images, "images", ndim=(3, 4), dtype_kind="uif")
        image_shape = tuple(x.shape[1:]) if x.ndim == 4 else (*x.shape[1:], 1)
        flat = x.reshape(len(x), -1)
        n, n_pixels = flat.shape
        if latent_dim > min(n, n_pixels):
            raise ValueError(
                f"latent_dim must be <= min(n_images, n_pixels) = {min(n, n_pixels)}. "
                f"Received: latent_dim={latent_dim}"
            )
        scale = 1.0 / 255.0 if flat.dtype.kind in "ui" else 1.0
        blocks = range(0, n, self.chunk)
        mean = sum(flat[i : i + self.chunk].sum(axis=0, dtype=np.float64) for i in blocks)
        mean *= scale / n
        cov = np.zeros((n_pixels, n_pixels))
        mean32 = mean.astype(np.float32)
        for i in blocks:  # float32 products (twice as fast), summed in float64
            centred = flat[i : i + self.chunk].astype(np.float32) * np.float32(scale) - mean32
            cov += centred.T @ centred
        cov /= max(n - 1, 1)
        values, vectors = np.linalg.eigh(cov)  # ascending
        order = np.argsort(values)[::-1][:latent_dim]
        components = vectors[:, order].T
        rows = np.arange(latent_dim)
        components *= np.sign(components[rows, np.abs(components).argmax(axis=1)])[:, None]
        self.components_ = components.astype(np.float32)
        self.mean_ = mean.astype(np.float32)
        self.explained_variance_ = np.maximum(values[order], 0.0)
        self.image_shape_ = image_shape
        return self

    @property
    def image_shape(self):
        """``(height, width, channels)`` of the images (the latent-model protocol's name)."""
        self._check_fitted()
        return self.image_shape_

    def _check_fitted(self):
        if not hasattr(self, "components_"):
            raise RuntimeError("This PCAAutoencoder is not fitted yet: call fit(images) first.")

    def _images(self, images):
        x, back = as_image_batch(images, "images", ndim=(3, 4))
        if x.shape[1:] != self.image_shape_:
            raise ValueError(
                f"images must have the training images' shape {self.image_shape_}. "
                f"Received: images of shape {np.shape(images)}"
            )
        return x, back

    def encode(self, images, latent_dim=None):
        """Codes of shape (N, k), using the first ``latent_dim`` components (default all)."""
        self._check_fitted()
        k = self._k(latent_dim)
        x, _ = self._images(images)
        return (x.reshape(len(x), -1) - self.mean_) @ self.components_[:k].T

    def decode(self, codes):
        """Images of shape (N, H, W, C) from codes of shape (N, k), k <= latent_dim (or one
        code of shape (k,))."""
        self._check_fitted()
        z = check_array(codes, "codes", ndim=(1, 2), dtype_kind="f")
        z = z[None] if z.ndim == 1 else z
        k = self._k(z.shape[1])
        flat = z.astype(np.float32, copy=False) @ self.components_[:k] + self.mean_
        return flat.reshape(len(z), *self.image_shape_)

    def reconstruct(self, images, latent_dim=None):
        """``decode(encode(images))`` clipped to [0, 1], in the layout of ``images``."""
        self._check_fitted()
        x, back = self._images(images)
        return back(np.clip(self.decode(self.encode(x, latent_dim)), 0.0, 1.0))

    def _k(self, latent_dim):
        if latent_dim is None:
            return len(self.components_)
        return check_number(
            latent_dim, "latent_dim", low=1, high=len(self.components_), integer=True
        )


__all__ = ["PCAAutoencoder"]
